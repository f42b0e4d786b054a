//! The header (who and where, the time of the data, the totals) and the footer's key hints:
//! shortened step by step on narrow screens rather than cut.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::fit::{fit, wrap_spans};
use super::Screen;
use crate::domain::gaps::Scope;
use crate::domain::Role;
use crate::text::clock::local;
use crate::text::safe;
use crate::tui::app::{App, Overlay};
use crate::tui::keymap::{Action, KEYMAP};

/// A piece of the header's first line, dropped when the line is too short for it.
struct Part {
    text: String,
    style: Style,
    /// Parts with the lowest `keep` go first; 9 stays.
    keep: u8,
    /// Joined to the part before it with " · " (else with two spaces).
    dotted: bool,
}

impl Screen<'_> {
    /// `per 08:05 WIB`: when the data on screen was last known current, in the zone of the
    /// region's clocks.
    fn as_of(&self) -> Option<String> {
        let at = self.app.as_of()?;
        let tz = self.app.area.time_zone;
        Some(format!(
            "{} {} {}",
            self.s().as_of,
            local(at, tz).format("%H:%M"),
            tz.abbreviation()
        ))
    }

    /// The header: who and where, the time of the data, and the totals. Labels shorten step
    /// by step on narrow screens; the totals and the time are never cut (the totals wrap
    /// onto another line rather).
    pub(super) fn header_lines(&self, width: usize) -> Vec<Line<'static>> {
        let app = self.app;
        let s = self.s();
        let lang = app.lang;
        let scope = match &app.overlay {
            Overlay::Gaps(v) => v.scope,
            _ => Scope::All,
        };
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let part = |text: String, style: Style, keep: u8, dotted: bool| Part {
            text,
            style,
            keep,
            dotted,
        };
        let mut parts = vec![
            part("kpps".into(), bold, 3, true),
            part(app.area.name.clone(), Style::new(), 8, true),
            part(app.roster.params.name.clone(), Style::new(), 2, true),
            part(scope_label(app, scope), Style::new(), 5, true),
        ];
        if app.roster.demo {
            parts.push(part(format!("[{}]", s.demo), self.theme.severe(), 9, false));
        }
        if let Some((user, role)) = app.identity() {
            let role = lang.role(role, &app.roster.region);
            parts.push(part(
                format!("{} · {role}", safe(&user)),
                Style::new(),
                7,
                false,
            ));
        }
        let time = self.as_of().unwrap_or_default();
        let room = width.saturating_sub(time.chars().count() + 2);
        let joined = |parts: &[Part]| -> usize {
            parts
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    p.text.chars().count() + if i == 0 { 0 } else { 2 + p.dotted as usize }
                })
                .sum()
        };
        while joined(&parts) > room {
            let Some(drop) = parts
                .iter()
                .enumerate()
                .filter(|(_, p)| p.keep < 9)
                .min_by_key(|(_, p)| p.keep)
                .map(|(i, _)| i)
            else {
                break;
            };
            parts.remove(drop);
        }
        let mut title: Vec<Span<'static>> = Vec::new();
        let mut used = 0;
        for (i, p) in parts.into_iter().enumerate() {
            if i > 0 {
                let sep = if p.dotted { " · " } else { "  " };
                used += sep.chars().count();
                title.push(Span::raw(sep));
            }
            let text = fit(&p.text, room.saturating_sub(used));
            used += text.chars().count();
            title.push(Span::styled(text, p.style));
        }
        if !time.is_empty() && used + 2 + time.chars().count() <= width {
            let pad = width - used - time.chars().count();
            title.push(Span::raw(" ".repeat(pad)));
            title.push(Span::raw(time));
        }
        let mut lines = vec![Line::from(title)];
        lines.extend(self.totals(scope, width));
        lines
    }

    /// The totals of `scope`, in the longest wording that fits `width`, wrapped (never cut)
    /// when not even the shortest does.
    fn totals(&self, scope: Scope, width: usize) -> Vec<Line<'static>> {
        let app = self.app;
        let s = self.s();
        let lang = app.lang;
        let r = scope.rollup(&app.roster);
        let vacant_style = if r.vacant > 0 {
            self.theme.gap()
        } else {
            self.theme.ok()
        };
        let ketua_style = if r.tps_without_ketua > 0 {
            self.theme.severe()
        } else {
            Style::new()
        };
        let (tps, filled, seats) = (lang.num(r.tps), lang.num(r.filled()), lang.num(r.seats));
        let (vacant, no_ketua, flagged) = (
            lang.num(r.vacant),
            lang.num(r.tps_without_ketua),
            lang.num(r.flagged),
        );
        let wordings: [Vec<Span<'static>>; 3] = [
            vec![
                Span::raw(format!("TPS {tps} · {} {filled}/{seats} · ", s.filled)),
                Span::styled(format!("{} {vacant}", s.vacant_title), vacant_style),
                Span::raw(" · "),
                Span::styled(format!("{} {no_ketua}", s.without_ketua), ketua_style),
                Span::raw(format!(" · {} {flagged}", s.flagged)),
            ],
            // The legend's marks: ✗ vacant, ! without Ketua, ⚑ flagged.
            vec![
                Span::raw(format!("TPS {tps} · {} {filled}/{seats} · ", s.filled)),
                Span::styled(format!("✗{vacant}"), vacant_style),
                Span::raw(" · "),
                Span::styled(format!("!{no_ketua}"), ketua_style),
                Span::raw(format!(" · ⚑{flagged}")),
            ],
            vec![
                Span::raw(format!("TPS {tps} ")),
                Span::raw(format!("{filled}/{seats} ")),
                Span::styled(format!("✗{vacant}"), vacant_style),
                Span::raw(" "),
                Span::styled(format!("!{no_ketua}"), ketua_style),
                Span::raw(format!(" ⚑{flagged}")),
            ],
        ];
        let len = |spans: &[Span]| {
            spans
                .iter()
                .map(|s| s.content.chars().count())
                .sum::<usize>()
        };
        for spans in &wordings[..2] {
            if len(spans) <= width {
                return vec![Line::from(spans.clone())];
            }
        }
        wrap_spans(&wordings[2], width, 0)
    }

    /// The footer's key hints: as many as fit, the quit and help keys always.
    pub(super) fn footer_text(&self, width: usize) -> String {
        let app = self.app;
        let s = self.s();
        let viewer = matches!(app.identity(), Some((_, Role::Viewer)));
        // Lower is kept longer.
        let priority = |a: Action| match a {
            Action::Quit => Some(0),
            Action::Help => Some(1),
            Action::NextGap => Some(2),
            Action::SwitchPane if app.single_pane.get() => Some(3),
            Action::Vacate | Action::Reserves if viewer => None,
            Action::Vacate => Some(4),
            Action::Reserves => Some(5),
            Action::GapsAll => Some(6),
            Action::Search => Some(7),
            _ => None,
        };
        let mut hints: Vec<(usize, u8, String)> = KEYMAP
            .iter()
            .enumerate()
            .filter_map(|(i, b)| {
                let short = match b.action {
                    Action::SwitchPane => s.foot_switch,
                    _ => (b.footer?)(s),
                };
                Some((i, priority(b.action)?, format!("{} {short}", b.label)))
            })
            .collect();
        hints.sort_by_key(|h| h.1);
        let mut shown: Vec<(usize, String)> = Vec::new();
        let mut used = 0;
        for (i, _, text) in hints {
            let w = text.chars().count() + if shown.is_empty() { 0 } else { 2 };
            if used + w <= width {
                used += w;
                shown.push((i, text));
            }
        }
        shown.sort_by_key(|h| h.0);
        let texts: Vec<String> = shown.into_iter().map(|h| h.1).collect();
        fit(&texts.join("  "), width)
    }
}

pub(super) fn scope_label(app: &App, scope: Scope) -> String {
    let region = &app.roster.region;
    match scope {
        Scope::All => app.s().whole_region.to_string(),
        Scope::Kecamatan(k) => format!("Kec. {}", region.kecamatan(k).name),
        Scope::Kelurahan(k) => format!("{} {}", app.s().kelurahan, region.kelurahan(k).name),
    }
}
