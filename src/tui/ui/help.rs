//! The help screen: every key from the keymap and the legend, in one column or two, or
//! scrolled when the screen is too small for either.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use super::fit::{fit, wrap};
use super::Screen;
use crate::tui::keymap::{Binding, KEYMAP};

impl Screen<'_> {
    /// Every key from the keymap, and the legend. On a screen too small for it all (in one
    /// column, or two side by side when there is room), it scrolls: j/k, PgUp/PgDn.
    pub(super) fn help(&self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let s = self.s();
        let width = area.width as usize;
        let height = area.height as usize;
        let bold = Style::new().add_modifier(Modifier::BOLD);
        // One entry per binding, its description wrapped under itself.
        let entry = |b: &Binding, w: usize| -> Vec<Line<'static>> {
            wrap((b.describe)(s), w.saturating_sub(10))
                .into_iter()
                .enumerate()
                .map(|(i, chunk)| {
                    let key = if i == 0 { b.label } else { "" };
                    Line::raw(format!("  {key:<7} {chunk}"))
                })
                .collect()
        };
        let legend: Vec<Line> = wrap(s.legend, width).into_iter().map(Line::raw).collect();
        let mut lines = vec![Line::styled(s.help_title, bold)];
        lines.extend(KEYMAP.iter().flat_map(|b| entry(b, width)));
        lines.push(Line::raw(""));
        lines.extend(legend.iter().cloned());
        app.page.set(height.saturating_sub(1).max(1));
        if lines.len() <= height {
            app.scroll_max.set(0);
            Paragraph::new(lines).render(area, buf);
            return;
        }
        if width >= 60 {
            // Two columns when the list is taller than the screen, the legend below.
            let half = area.width / 2;
            let left_w = half as usize;
            let right_w = width - left_w;
            let entries: Vec<Vec<Line>> = KEYMAP.iter().map(|b| entry(b, left_w)).collect();
            // The title takes a row of the left column.
            let split = (entries.len() + 1).div_ceil(2) - 1;
            let mut left = vec![Line::styled(s.help_title, bold)];
            left.extend(entries[..split].iter().flatten().cloned());
            let right: Vec<Line> = KEYMAP[split..]
                .iter()
                .flat_map(|b| entry(b, right_w))
                .collect();
            let rows = left.len().max(right.len());
            if rows + 1 + legend.len() <= height {
                app.scroll_max.set(0);
                let columns = Rect {
                    height: rows as u16,
                    ..area
                };
                Paragraph::new(left).render(
                    Rect {
                        width: half,
                        ..columns
                    },
                    buf,
                );
                Paragraph::new(right).render(
                    Rect {
                        x: area.x + half,
                        width: area.width - half,
                        ..columns
                    },
                    buf,
                );
                // The legend at the bottom, as far down as it goes.
                let y = area.bottom() - legend.len() as u16;
                for (i, line) in legend.iter().enumerate() {
                    buf.set_line(area.x, y + i as u16, line, area.width);
                }
                return;
            }
        }
        // Scrolled: the last row says where we are and how to move.
        let visible = height.saturating_sub(1).max(1);
        let max = lines.len().saturating_sub(visible);
        app.scroll_max.set(max);
        let start = app.help_scroll.min(max);
        let shown: Vec<Line> = lines.into_iter().skip(start).take(visible).collect();
        let end = start + shown.len();
        Paragraph::new(shown).render(area, buf);
        let total = end.max(max + visible);
        let more = match (start > 0, end < total) {
            (true, true) => "↕",
            (true, false) => "↑",
            _ => "↓",
        };
        let hint = format!("{more} {end}/{total} · {}", s.help_scroll_hint);
        buf.set_line(
            area.x,
            area.bottom() - 1,
            &Line::styled(fit(&hint, width), self.theme.dim()),
            area.width,
        );
    }
}
