//! Drawing: reads `App`, never changes data. Every gap is readable without colour: vacancies
//! are `✗n`, a TPS without Ketua `!`, flagged officers `⚑`, complete nodes `✓`.
//!
//! This file owns the theme and the screen's layout (header, body in one pane or two, status
//! line, footer); each part of the body is drawn by a file of its own.

mod detail;
mod dialog;
mod fit;
mod header;
mod help;
mod history;
mod lists;
mod tree;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::app::{App, Overlay, Pane, SINGLE_PANE_BELOW};
use crate::text::{safe, Strings};
use fit::{fit, wrap};

/// Styles: colour only as a hint; with NO_COLOR only bold/reverse remain.
#[derive(Clone, Copy, Debug)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn from_env() -> Theme {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    fn severe(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    fn gap(self) -> Style {
        self.fg(Color::Yellow)
    }

    fn ok(self) -> Style {
        self.fg(Color::Green)
    }

    fn dim(self) -> Style {
        self.fg(Color::DarkGray)
    }

    fn selected(focused: bool) -> Style {
        if focused {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }
}

pub struct Screen<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

impl Widget for Screen<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.height < 3 || area.width < 10 {
            Paragraph::new("kpps").render(area, buf);
            return;
        }
        let app = self.app;
        app.single_pane.set(area.width < SINGLE_PANE_BELOW);
        let width = area.width as usize;
        let header_lines = self.header_lines(width);
        // The header never takes more than a third of the screen.
        let header_h = (header_lines.len() as u16).min(area.height / 3).max(1);
        let [header, body, status, footer] = Layout::vertical([
            Constraint::Length(header_h),
            Constraint::Min(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        for (i, line) in header_lines.iter().take(header_h as usize).enumerate() {
            buf.set_line(header.x, header.y + i as u16, line, header.width);
        }
        match &app.overlay {
            Overlay::None => self.main(body, buf),
            Overlay::Help => self.help(body, buf),
            Overlay::Gaps(_) => self.list(body, buf),
            // Search results take the detail pane: the tree stays, so a jump repaints less.
            Overlay::Search(_) => self.main(body, buf),
            Overlay::History {
                tps,
                stints,
                scroll,
            } => self.history(*tps, stints, *scroll, body, buf),
            Overlay::Log { entries, cursor } => self.log(entries, *cursor, body, buf),
            Overlay::Vacate { .. }
            | Overlay::Reserves(_)
            | Overlay::Form(_)
            | Overlay::Confirm { .. } => {
                // A dialog over the screen it acts on.
                self.main(body, buf);
                self.dialog(body, buf);
            }
        }
        if let Some(msg) = &app.status {
            // A long message is never cut: its first lines cover the bottom of the body
            // (the layout stays put, so nothing else is repainted for it).
            let room = (body.height as usize / 2).max(1) + 1;
            let mut lines = wrap(&safe(msg), width);
            if lines.len() > room {
                lines.truncate(room);
                let last = lines.last_mut().expect("room >= 1");
                *last = fit(&format!("{last} …"), width);
            }
            let top = status.y - (lines.len() as u16 - 1);
            let rows = Rect {
                y: top,
                height: lines.len() as u16,
                ..status
            };
            Clear.render(rows, buf);
            for (i, line) in lines.into_iter().enumerate() {
                buf.set_line(
                    rows.x,
                    top + i as u16,
                    &Line::styled(line, self.theme.gap()),
                    rows.width,
                );
            }
        }
        Paragraph::new(self.footer_text(width))
            .style(self.theme.dim())
            .render(footer, buf);
    }
}

impl Screen<'_> {
    fn s(&self) -> &'static Strings {
        self.app.s()
    }

    fn main(&self, area: Rect, buf: &mut Buffer) {
        if self.app.single_pane.get() {
            // A phone: one pane at a time, the full width for names.
            match (&self.app.overlay, self.app.focus) {
                (Overlay::Search(_), _) => self.list(area, buf),
                (_, Pane::Tree) => self.tree(area, buf),
                (_, Pane::Detail) => self.detail(area, buf),
            }
            return;
        }
        // 28 columns at 80 fit every Palembang name with its marks; more is bytes, not data.
        let tree_width = (area.width * 7 / 20).clamp(20.min(area.width), 44);
        let [tree, detail] =
            Layout::horizontal([Constraint::Length(tree_width), Constraint::Min(1)]).areas(area);
        self.tree(tree, buf);
        let block = Block::new()
            .borders(Borders::LEFT)
            .border_style(self.theme.dim());
        let inner = block.inner(detail);
        block.render(detail, buf);
        match &self.app.overlay {
            Overlay::Search(_) => self.list(inner, buf),
            _ => self.detail(inner, buf),
        }
    }
}
