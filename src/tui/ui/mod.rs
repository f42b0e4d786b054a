//! Drawing: reads `App`, never changes data. Every gap is readable without colour: vacancies
//! are `✗n`, a TPS without Ketua `!`, flagged officers `⚑`, complete nodes `✓`.

use std::cell::Cell;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::app::{App, Node, Overlay, Pane, VacateChoice, MAX_HITS, SINGLE_PANE_BELOW};
use super::form::Field;
use super::keymap::{Action, KEYMAP};
use crate::domain::gaps::{GapEntry, Scope};
use crate::domain::history::Stint;
use crate::domain::Severity;
use crate::domain::{Role, Rollup, TpsId};
use crate::store::{LogEntry, Record};
use crate::text::clock::local;
use crate::text::Strings;
use crate::text::{safe, wib};
use ratatui::widgets::Clear;

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

/// Keeps `cursor` visible in `height` rows with the least scrolling from the last offset.
fn scroll(offset: &Cell<usize>, cursor: usize, height: usize) -> usize {
    let height = height.max(1);
    let mut o = offset.get();
    if cursor < o {
        o = cursor;
    } else if cursor >= o + height {
        o = cursor + 1 - height;
    }
    offset.set(o);
    o
}

/// Truncates to `width` display columns (all our glyphs are one column wide).
fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn rollup_marks(r: &Rollup, theme: Theme) -> Vec<Span<'static>> {
    if r.vacant == 0 {
        // Complete is the common case: plain text, no colour bytes on every row.
        return vec![Span::raw("✓")];
    }
    // `✗12/8`: 12 vacant seats in 8 TPS short of officers.
    let mut spans = vec![Span::styled(
        format!("✗{}/{}", r.vacant, r.tps_short),
        theme.gap(),
    )];
    if r.tps_without_ketua > 0 {
        spans.push(Span::styled(
            format!(" !{}", r.tps_without_ketua),
            theme.severe(),
        ));
    }
    spans
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

/// Where a gaps-list line names the kelurahan of its TPS.
#[derive(Clone, Copy)]
enum Place {
    /// Not at all (a list of one kelurahan).
    None,
    /// In a column this wide, so the marks line up.
    Column(usize),
    /// Right after the number (one pane at a time: no room for columns).
    Inline,
}

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
    fn s(&self) -> &'static Strings {
        self.app.s()
    }

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
    fn header_lines(&self, width: usize) -> Vec<Line<'static>> {
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
    fn footer_text(&self, width: usize) -> String {
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

    /// The place opened: a TPS's seats, or a kelurahan's, kecamatan's or the region's TPS.
    fn detail(&self, area: Rect, buf: &mut Buffer) {
        match self.app.opened() {
            Some(Node::Tps(t)) => self.tps_detail(t, area, buf),
            _ => self.area_detail(area, buf),
        }
    }

    fn tree(&self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let region = &app.roster.region;
        let rows = app.rows();
        // A filter is never silent: its first row says what is hidden and how to undo it.
        let area = if app.hide_complete && area.height > 1 {
            let tag = Line::styled(
                fit(self.s().filter_tag_tree, area.width as usize),
                self.theme.gap(),
            );
            buf.set_line(area.x, area.y, &tag, area.width);
            Rect {
                y: area.y + 1,
                height: area.height - 1,
                ..area
            }
        } else {
            area
        };
        let height = area.height as usize;
        app.page.set(height);
        let offset = scroll(&app.tree_offset, app.cursor(), height);
        let focused = app.focus == Pane::Tree;
        for (i, node) in rows.iter().enumerate().skip(offset).take(height) {
            let y = area.y + (i - offset) as u16;
            let (indent, name, marks) = match *node {
                Node::Kecamatan(k) => (
                    0,
                    region.kecamatan(k).name.clone(),
                    rollup_marks(&app.roster.kecamatan_rollup(k), self.theme),
                ),
                Node::Kelurahan(k) => (
                    2,
                    region.kelurahan(k).name.clone(),
                    rollup_marks(&app.roster.kelurahan_rollup(k), self.theme),
                ),
                Node::Tps(t) => (
                    4,
                    format!("TPS {}", region.tps(t).number),
                    tps_marks(app, t, self.theme),
                ),
            };
            let arrow = match node {
                Node::Tps(_) => "  ",
                n if app.is_expanded(*n) => "▾ ",
                _ => "▸ ",
            };
            let marks_width: usize = marks.iter().map(|s| s.content.chars().count()).sum();
            let name_width = (area.width as usize).saturating_sub(indent + 2 + marks_width + 1);
            let label = format!(
                "{}{arrow}{:<name_width$}",
                " ".repeat(indent),
                fit(&name, name_width)
            );
            let mut spans = vec![Span::raw(label), Span::raw(" ")];
            spans.extend(marks);
            let mut line = Line::from(spans);
            if i == app.cursor() {
                line = line.style(Theme::selected(focused));
            }
            buf.set_line(area.x, y, &line, area.width);
        }
    }

    fn tps_detail(&self, tps: TpsId, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let s = self.s();
        let lang = app.lang;
        let region = &app.roster.region;
        let kel = region.kelurahan(region.kelurahan_of(tps));
        let kec = region.kecamatan(kel.kecamatan);
        let stats = app.roster.tps_stats(tps);
        let width = area.width as usize;
        let title = Line::styled(
            fit(
                &format!("TPS {} · {}", region.tps(tps).number, kel.name),
                width,
            ),
            Style::new().add_modifier(Modifier::BOLD),
        );
        let address = Line::raw(fit(
            &format!("{} · {}", region.address(tps), kec.name),
            width,
        ));
        let mut summary = Vec::new();
        if stats.vacant == 0 {
            summary.push(Span::styled(format!("✓ {}", s.complete), self.theme.ok()));
        } else {
            summary.push(Span::styled(
                format!("✗ {} {}", s.vacant_title, stats.vacant),
                self.theme.gap(),
            ));
        }
        if stats.ketua_missing {
            summary.push(Span::styled(
                format!(" · ! {}", s.no_ketua),
                self.theme.severe(),
            ));
        }
        if stats.flagged > 0 {
            summary.push(Span::raw(format!(" · ⚑ {}", stats.flagged)));
        }
        let summary = Line::from(summary);
        let wide = width >= 70;
        let focused = app.focus == Pane::Detail;
        let max_age = app.roster.params.preferred_max_age as u32;
        let voting_day = app.roster.params.voting_day;
        // NIKs are personal data: masked unless revealed for this very person.
        let nik = |h: &crate::domain::Holder| {
            if app.revealed() == Some(h.person.nik) {
                h.person.nik.to_string()
            } else {
                h.person.nik.masked()
            }
        };
        let flags = |h: &crate::domain::Holder| -> Vec<&str> {
            h.person
                .health_flags()
                .map(|f| lang.health_flag(f))
                .collect()
        };
        // The details of one person: masked NIK, age, sex, phone, and anything to look at.
        let info = |h: &crate::domain::Holder| {
            let age = h.person.age_on(voting_day);
            let mut info = format!(
                "{} · {} {} · {}",
                nik(h),
                age,
                s.years,
                lang.sex(h.person.sex)
            );
            if let Some(phone) = &h.person.phone {
                info.push_str(&format!(" · {} {}", s.phone_short, safe(phone)));
            }
            let flags = flags(h);
            if !flags.is_empty() {
                info.push_str(&format!(" · ⚑ {}", flags.join(", ")));
            }
            if age > max_age {
                info.push_str(&format!(" · {}>{max_age}", s.age_short));
            }
            (info, !flags.is_empty())
        };
        // One line per seat; on narrow screens the selected seat's details follow the list
        // (two lines a seat would not fit 80×24, and would cost twice the bytes).
        // Wide: ` NIK(16) · 54P · HP 0812345678901`, a 13-digit phone; the name has the rest.
        let name_w = if wide {
            width.saturating_sub(11 + 1 + 16 + 3 + 3 + 3 + s.phone_short.chars().count() + 14)
        } else {
            width.saturating_sub(11 + 6)
        };
        // The seat a key would act on is marked `›` (and reversed when the detail has the
        // focus); none when the tree cursor is on another TPS, which a key would open first.
        let acting = app.acting_seat().map(|(_, seat)| seat as usize - 1);
        // A wide row cut at the edge has its details repeated below, like a narrow one.
        let mut cut = false;
        let mut seats = Vec::new();
        for (i, seat) in app.roster.seats_of(tps).iter().enumerate() {
            let role = if i == 0 { s.ketua } else { s.member };
            let marker = if acting == Some(i) { "›" } else { " " };
            let mut spans = vec![Span::raw(format!("{marker}{:>2} {:<7}", i + 1, role))];
            match seat {
                None => spans.push(Span::styled(
                    format!("✗ {}", s.vacant_seat),
                    if i == 0 {
                        self.theme.severe()
                    } else {
                        self.theme.gap()
                    },
                )),
                Some(h) => {
                    let name = if h.absent {
                        format!("✗ {} ({})", safe(&h.person.name), s.absent_today)
                    } else {
                        safe(&h.person.name).into_owned()
                    };
                    let style = if h.absent {
                        self.theme.gap()
                    } else {
                        Style::new()
                    };
                    spans.push(Span::styled(
                        format!("{:<name_w$}", fit(&name, name_w)),
                        style,
                    ));
                    let age = h.person.age_on(voting_day);
                    let flags = flags(h);
                    let sex = lang.sex(h.person.sex);
                    if wide {
                        // NIK, age and sex, phone: columns; then what to look at.
                        let mut text = format!(" {} · {age:>2}{sex}", nik(h));
                        if let Some(phone) = &h.person.phone {
                            text.push_str(&format!(" · {} {}", s.phone_short, safe(phone)));
                        }
                        if !flags.is_empty() {
                            text.push_str(&format!(" · ⚑ {}", flags.join(", ")));
                        }
                        if age > max_age {
                            text.push_str(&format!(" · {}>{max_age}", s.age_short));
                        }
                        cut |= i == app.detail_cursor && 11 + name_w + text.chars().count() > width;
                        spans.push(Span::styled(
                            text,
                            if flags.is_empty() {
                                Style::new()
                            } else {
                                self.theme.gap()
                            },
                        ));
                    } else {
                        let mark = if !flags.is_empty() {
                            "⚑"
                        } else if age > max_age {
                            "+"
                        } else {
                            " "
                        };
                        spans.push(Span::raw(format!(" {age:>2}{sex}{mark}")));
                    }
                }
            }
            let style = if acting == Some(i) {
                Theme::selected(focused)
            } else {
                Style::new()
            };
            seats.push(Line::from(spans).style(style));
        }
        let mut block = Vec::new();
        if !wide || cut {
            if let Some(Some(h)) = app.roster.seats_of(tps).get(app.detail_cursor) {
                let (text, flagged) = info(h);
                let style = if flagged {
                    self.theme.gap()
                } else {
                    Style::new()
                };
                let text = Span::styled(format!("KPPS {}: {text}", app.detail_cursor + 1), style);
                block.extend(wrap_spans(&[text], width, 0));
            }
        }
        let reserves = app.roster.reserves(region.kelurahan_of(tps)).len();
        let reserves = Line::styled(
            format!("{} {}", s.reserves_in_kelurahan, lang.num(reserves as u64)),
            self.theme.dim(),
        );
        // On a short screen (a phone held upright) the seats and the selected one's details
        // come first: the blank line, the address and the reserve count give way, in turn.
        let height = area.height as usize;
        let core = 2 + seats.len() + block.len();
        let blank = !block.is_empty() && core + 3 <= height;
        let with_address = core < height;
        let with_reserves = core + with_address as usize + (blank as usize) < height;
        let mut lines = vec![title];
        if with_address {
            lines.push(address);
        }
        lines.push(summary);
        lines.extend(seats);
        if blank {
            lines.push(Line::raw(""));
        }
        lines.extend(block);
        if with_reserves {
            lines.push(reserves);
        }
        Paragraph::new(lines).render(area, buf);
    }

    fn area_detail(&self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let s = self.s();
        let lang = app.lang;
        let region = &app.roster.region;
        let scope = app.opened_scope();
        let width = area.width as usize;
        let (title, code, reserves, kelurahan) = match scope {
            Scope::Kecamatan(k) => {
                let kec = region.kecamatan(k);
                let reserves: usize = kec
                    .kelurahan
                    .clone()
                    .map(|kl| app.roster.reserves(crate::domain::KelurahanId(kl)).len())
                    .sum();
                (
                    format!("Kecamatan {}", kec.name),
                    kec.code.clone(),
                    reserves,
                    Some(kec.kelurahan.len()),
                )
            }
            Scope::Kelurahan(k) => {
                let kel = region.kelurahan(k);
                (
                    format!("{} {}", s.kelurahan, kel.name),
                    format!("{} · {}", kel.code, region.kecamatan(kel.kecamatan).name),
                    app.roster.reserves(k).len(),
                    None,
                )
            }
            Scope::All => {
                let reserves: usize = (0..region.kelurahan.len() as u32)
                    .map(|k| app.roster.reserves(crate::domain::KelurahanId(k)).len())
                    .sum();
                (
                    s.whole_region.to_string(),
                    app.roster.params.name.clone(),
                    reserves,
                    None,
                )
            }
        };
        let r = scope.rollup(&app.roster);
        let mut lines = vec![
            Line::styled(
                fit(&title, width),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Line::raw(fit(&code, width)),
        ];
        let mut counts = format!("{} TPS", lang.num(r.tps));
        if let Some(n) = kelurahan {
            counts.push_str(&format!(" · {} {}", lang.num(n as u64), s.kelurahan_plural));
        }
        counts.push_str(&format!(
            " · {} {}/{}",
            s.filled,
            lang.num(r.filled()),
            lang.num(r.seats)
        ));
        lines.push(Line::raw(fit(&counts, width)));
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "✗ {} {} {} TPS",
                    lang.num(r.vacant),
                    s.vacant_in,
                    lang.num(r.tps_short)
                ),
                if r.vacant > 0 {
                    self.theme.gap()
                } else {
                    self.theme.ok()
                },
            ),
            Span::styled(
                format!(" · ! {} {}", s.without_ketua, lang.num(r.tps_without_ketua)),
                if r.tps_without_ketua > 0 {
                    self.theme.severe()
                } else {
                    Style::new()
                },
            ),
        ]));
        lines.push(Line::raw(fit(
            &format!(
                "⚑ {} {} · {} {}",
                s.flagged,
                lang.num(r.flagged),
                s.reserves,
                lang.num(reserves as u64)
            ),
            width,
        )));
        if scope == Scope::All {
            // Nothing opened yet: how to get going, instead of a city-wide list per frame.
            lines.push(Line::raw(""));
            lines.extend(
                wrap(s.open_hint, width)
                    .into_iter()
                    .map(|l| Line::styled(l, self.theme.dim())),
            );
            Paragraph::new(lines).render(area, buf);
            return;
        }
        let entries = app.detail_entries();
        if entries.is_empty() {
            lines.push(Line::styled(
                format!("✓ {}", s.all_complete),
                self.theme.ok(),
            ));
            Paragraph::new(lines).render(area, buf);
            return;
        }
        lines.push(Line::styled(
            format!("{} ({})", s.needs_attention, lang.num(entries.len() as u64)),
            Style::new().add_modifier(Modifier::BOLD),
        ));
        let head = lines.len() as u16;
        Paragraph::new(lines).render(area, buf);
        let list = Rect {
            y: area.y + head,
            height: area.height.saturating_sub(head),
            ..area
        };
        let offset = scroll(&app.list_offset, app.detail_cursor, list.height as usize);
        let focused = app.focus == Pane::Detail;
        for (i, e) in entries
            .iter()
            .enumerate()
            .skip(offset)
            .take(list.height as usize)
        {
            let place = match scope {
                Scope::Kecamatan(_) if app.single_pane.get() => Place::Inline,
                Scope::Kecamatan(_) => Place::Column(15),
                _ => Place::None,
            };
            let mut line = self.gap_line(e, place);
            if i == app.detail_cursor {
                line = line.style(Theme::selected(focused));
            }
            buf.set_line(list.x, list.y + (i - offset) as u16, &line, list.width);
        }
    }

    /// One TPS in a gaps list: `TPS 12 · 35 Ilir      ! ✗ kursi 1 4  ⚑ 6`. The TPS number
    /// and the kelurahan are always set apart by ` · `: kelurahan names can be numbers too
    /// ("TPS 12 · 2 Ilir").
    fn gap_line(&self, e: &GapEntry, place: Place) -> Line<'static> {
        let region = &self.app.roster.region;
        let tps = region.tps(e.tps);
        let kel = region.kelurahan(tps.kelurahan);
        let label = match place {
            Place::None => format!("TPS {:<4}", tps.number),
            Place::Inline => format!("TPS {} · {} ", tps.number, kel.name),
            Place::Column(place_width) => {
                let place = if place_width > 24 {
                    format!("{} · {}", kel.name, region.kecamatan(kel.kecamatan).name)
                } else {
                    kel.name.clone()
                };
                // As wide as `TPS 1234` and the place column were.
                let w = 8 + place_width - 1;
                let text = format!("TPS {} · {place}", tps.number);
                format!("{:<w$} ", fit(&text, w))
            }
        };
        let mut spans = vec![Span::raw(label)];
        spans.push(if e.ketua_missing {
            Span::styled("! ", self.theme.severe())
        } else {
            Span::raw("  ")
        });
        if !e.vacant_seats.is_empty() {
            let seats: Vec<String> = e.vacant_seats.iter().map(u8::to_string).collect();
            spans.push(Span::styled(
                format!("✗ {} {} ", self.s().seat_word, seats.join(" ")),
                self.theme.gap(),
            ));
        }
        if !e.flags.is_empty() {
            let seats: Vec<String> = e.flags.iter().map(|(s, _)| s.to_string()).collect();
            spans.push(Span::raw(format!("⚑ {}", seats.join(" "))));
        }
        Line::from(spans)
    }

    fn list(&self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let s = self.s();
        let lang = app.lang;
        let width = area.width as usize;
        let (title, len, cursor) = match &app.overlay {
            Overlay::Gaps(v) => (
                format!(
                    "{} — {} ({} TPS){}",
                    s.gaps_title,
                    scope_label(app, v.scope),
                    lang.num(v.entries.len() as u64),
                    // The filter, when on, is part of the title: never a silent one.
                    if v.vacant_only {
                        format!(" · ▼ {}", s.filter_tag_vacant)
                    } else {
                        String::new()
                    }
                ),
                v.entries.len(),
                v.cursor,
            ),
            Overlay::Search(v) => {
                let more = if v.hits.len() >= MAX_HITS { "+" } else { "" };
                (
                    format!(
                        "/{}▏  {}{more} {}",
                        safe(&v.query),
                        lang.num(v.hits.len() as u64),
                        s.hits
                    ),
                    v.hits.len(),
                    v.cursor,
                )
            }
            _ => return,
        };
        let list = titled(&title, area, buf);
        if len == 0 {
            let empty = match &app.overlay {
                Overlay::Gaps(_) => s.all_complete,
                _ => s.search_prompt,
            };
            buf.set_line(
                list.x,
                list.y,
                &Line::styled(empty, self.theme.dim()),
                list.width,
            );
            return;
        }
        let offset = scroll(&app.list_offset, cursor, list.height as usize);
        for i in (offset..len).take(list.height as usize) {
            let mut line = match &app.overlay {
                Overlay::Gaps(v) => {
                    let place = if matches!(v.scope, Scope::Kelurahan(_)) {
                        Place::None
                    } else if app.single_pane.get() {
                        Place::Inline
                    } else {
                        Place::Column((width / 2).min(40))
                    };
                    self.gap_line(&v.entries[i], place)
                }
                Overlay::Search(v) => Line::raw(fit(&safe(&v.hits[i].label), width)),
                _ => return,
            };
            if i == cursor {
                line = line.style(Theme::selected(true));
            }
            buf.set_line(list.x, list.y + (i - offset) as u16, &line, list.width);
        }
    }

    /// Every key from the keymap, and the legend. On a screen too small for it all (in one
    /// column, or two side by side when there is room), it scrolls: j/k, PgUp/PgDn.
    fn help(&self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let s = self.s();
        let width = area.width as usize;
        let height = area.height as usize;
        let bold = Style::new().add_modifier(Modifier::BOLD);
        // One entry per binding, its description wrapped under itself.
        let entry = |b: &super::keymap::Binding, w: usize| -> Vec<Line<'static>> {
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
            app.help_max.set(0);
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
                app.help_max.set(0);
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
        app.help_max.set(max);
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

impl Screen<'_> {
    /// The dialog box for vacate, reserves, the form and confirmations. Its lines wrap
    /// rather than being cut; when they outnumber the rows, the rows around the choice or
    /// field in hand are shown (`↑`/`↓` on the frame say there is more).
    fn dialog(&self, body: Rect, buf: &mut Buffer) {
        let app = self.app;
        let s = self.s();
        let lang = app.lang;
        let region = &app.roster.region;
        let width = body.width.min(76);
        let inner_w = width.saturating_sub(2) as usize;
        // Lines above the choices, the choices (each one or more lines), the one in hand.
        let mut head: Vec<Line<'static>> = Vec::new();
        let mut items: Vec<Vec<Line<'static>>> = Vec::new();
        let mut focus = 0;
        let (title, hints) = match &app.overlay {
            Overlay::Vacate {
                tps,
                seat,
                choices,
                cursor,
            } => {
                for (i, c) in choices.iter().enumerate() {
                    let label = match c {
                        VacateChoice::Ground(r) => lang.vacate_reason(*r),
                        VacateChoice::Absent(true) => s.absent_today_choice,
                        VacateChoice::Absent(false) => s.back_on_duty,
                    };
                    let chosen = *cursor == Some(i);
                    let marker = if chosen { "› " } else { "  " };
                    let mut lines =
                        wrap_spans(&[Span::raw(format!("{marker}{label}"))], inner_w, 2);
                    if chosen {
                        lines = lines
                            .into_iter()
                            .map(|l| l.style(Theme::selected(true)))
                            .collect();
                    }
                    items.push(lines);
                }
                focus = cursor.unwrap_or(0);
                (
                    format!(
                        "{} KPPS {seat} · TPS {}",
                        s.vacate_title,
                        region.address(*tps)
                    ),
                    s.vacate_hints,
                )
            }
            Overlay::Reserves(v) => {
                if v.candidates.is_empty() {
                    head.extend(
                        wrap(s.no_reserves, inner_w)
                            .into_iter()
                            .map(|l| Line::styled(l, self.theme.dim())),
                    );
                }
                for (i, c) in v.candidates.iter().enumerate() {
                    let Some(r) = app
                        .roster
                        .reserves(c.kelurahan)
                        .iter()
                        .find(|r| r.rank == c.rank)
                    else {
                        items.push(Vec::new());
                        continue;
                    };
                    let age = r.person.age_on(app.roster.params.voting_day);
                    let mut about = format!("{age} {} · {}", s.years, lang.sex(r.person.sex));
                    if let Some(phone) = &r.person.phone {
                        about.push_str(&format!(" · {} {}", s.phone_short, safe(phone)));
                    }
                    if let Some(t) = c.tied {
                        about.push_str(&format!(" · {} {}", s.tied_to, region.tps(t).number));
                    }
                    if c.kelurahan != region.kelurahan_of(v.tps) {
                        about.push_str(&format!(" · {}", region.kelurahan(c.kelurahan).name));
                    }
                    let notes: Vec<String> = c.findings.iter().map(|f| lang.finding(f)).collect();
                    // A health risk is marked on its own (those reserves are listed last);
                    // other flags go with the warnings.
                    let flags: Vec<&str> = r
                        .person
                        .health_flags()
                        .filter(|&f| Some(f) != c.risk)
                        .map(|f| lang.health_flag(f))
                        .collect();
                    let mut who = vec![Span::raw(format!(
                        "{} #{:<3} ",
                        if i == v.cursor { "›" } else { " " },
                        c.rank
                    ))];
                    // Before the name, so a long line never cuts it off.
                    if let Some(risk) = c.risk {
                        who.push(Span::styled(
                            format!("⚑ {}", lang.health_flag(risk)),
                            self.theme.severe(),
                        ));
                        who.push(Span::raw(" · "));
                    }
                    who.push(Span::raw(safe(&r.person.name).into_owned()));
                    let warning = if !c.eligible() {
                        Some(Span::styled(
                            format!("✗ {}: {}", s.ineligible, notes.join("; ")),
                            self.theme.severe(),
                        ))
                    } else if !notes.is_empty() || !flags.is_empty() {
                        let all: Vec<String> = notes
                            .into_iter()
                            .chain(flags.into_iter().map(String::from))
                            .collect();
                        Some(Span::styled(
                            format!("⚠ {}", all.join("; ")),
                            self.theme.gap(),
                        ))
                    } else {
                        None
                    };
                    // One line when it fits; else the name, then the person, then the
                    // warning, each on lines of its own under the name.
                    let mut one = who.clone();
                    one.push(Span::raw(format!(" · {about}")));
                    if let Some(w) = &warning {
                        one.push(Span::raw(" "));
                        one.push(w.clone());
                    }
                    let width_of = |spans: &[Span]| -> usize {
                        spans.iter().map(|s| s.content.chars().count()).sum()
                    };
                    let mut lines = if width_of(&one) <= inner_w {
                        vec![Line::from(one)]
                    } else {
                        let indent = Span::raw(" ".repeat(7));
                        let mut lines = wrap_spans(&who, inner_w, 7);
                        lines.extend(wrap_spans(&[indent.clone(), Span::raw(about)], inner_w, 7));
                        if let Some(w) = warning {
                            lines.extend(wrap_spans(&[indent, w], inner_w, 7));
                        }
                        lines
                    };
                    if i == v.cursor {
                        lines = lines
                            .into_iter()
                            .map(|l| l.style(Theme::selected(true)))
                            .collect();
                    }
                    items.push(lines);
                }
                focus = v.cursor;
                let scope = if v.wide {
                    format!("Kec. {}", region.kecamatan(region.kecamatan_of(v.tps)).name)
                } else {
                    region.kelurahan(region.kelurahan_of(v.tps)).name.clone()
                };
                (
                    format!(
                        "{} {scope} → KPPS {} · TPS {}",
                        s.reserves_title,
                        v.seat,
                        region.address(v.tps)
                    ),
                    s.reserve_hints,
                )
            }
            Overlay::Form(form) => {
                let (_, notes) = form.check(&app.roster, lang);
                for (i, field) in Field::ALL.iter().enumerate() {
                    let focused = i == form.field;
                    let value = form.value(*field, lang);
                    let value = safe(&value);
                    let cursor = if focused && !field.is_choice() {
                        "▏"
                    } else {
                        ""
                    };
                    let choice = if field.is_choice() { " ◂▸" } else { "" };
                    let field_line = Span::raw(format!(
                        "{} {:<10} {value}{cursor}{choice}",
                        if focused { "›" } else { " " },
                        field.label(lang)
                    ));
                    let mut marks = Vec::new();
                    for n in notes.iter().filter(|n| n.field == *field) {
                        let (mark, style) = match n.severity {
                            Severity::Error => ("✗", self.theme.severe()),
                            Severity::Warning => ("⚠", self.theme.gap()),
                        };
                        // An empty field's error shows only once the cursor has been there.
                        if n.severity == Severity::Error && i > form.field {
                            continue;
                        }
                        marks.push(Span::styled(format!("{mark} {}", n.text), style));
                    }
                    // Notes follow the value when they fit, else on lines under it.
                    let one: usize = std::iter::once(&field_line)
                        .chain(&marks)
                        .map(|s| s.content.chars().count() + 2)
                        .sum();
                    let mut lines = if one <= inner_w + 2 {
                        let mut spans = vec![field_line];
                        for m in marks {
                            spans.push(Span::raw("  "));
                            spans.push(m);
                        }
                        vec![Line::from(spans)]
                    } else {
                        let mut lines = wrap_spans(&[field_line], inner_w, 13);
                        for m in marks {
                            lines.extend(wrap_spans(&[Span::raw(" ".repeat(13)), m], inner_w, 15));
                        }
                        lines
                    };
                    if focused {
                        lines = lines
                            .into_iter()
                            .map(|l| l.style(Style::new().add_modifier(Modifier::BOLD)))
                            .collect();
                    }
                    items.push(lines);
                }
                focus = form.field;
                (
                    format!(
                        "{} → KPPS {} · TPS {}",
                        s.form_title,
                        form.seat,
                        region.address(form.tps)
                    ),
                    s.form_hints,
                )
            }
            Overlay::Confirm { question, .. } => {
                for chunk in wrap(&safe(question), inner_w) {
                    head.push(Line::raw(chunk));
                }
                (String::new(), s.confirm_hints)
            }
            _ => return,
        };
        // A title too long for the frame continues on the first lines inside.
        let mut title_lines = wrap(&title, inner_w).into_iter();
        let frame_title = title_lines.next().unwrap_or_default();
        let mut top: Vec<Line<'static>> = title_lines.map(Line::raw).collect();
        top.extend(head);
        let foot: Vec<Line<'static>> = wrap(hints, inner_w)
            .into_iter()
            .map(|l| Line::styled(l, self.theme.dim()))
            .collect();
        let max_inner = body.height.saturating_sub(2) as usize;
        let heights: Vec<usize> = items.iter().map(Vec::len).collect();
        let rows = max_inner
            .saturating_sub(top.len() + foot.len())
            .min(heights.iter().sum());
        let (start, end) = window(&app.list_offset, &heights, focus, rows);
        let mut lines = top;
        lines.extend(
            items[start..end]
                .iter()
                .flatten()
                .take(rows.max(1))
                .cloned(),
        );
        lines.extend(foot);
        let height = (lines.len() as u16 + 2).min(body.height);
        let area = Rect {
            x: body.x + (body.width - width) / 2,
            y: body.y + (body.height.saturating_sub(height)) / 2,
            width,
            height,
        };
        Clear.render(area, buf);
        let mut block = Block::bordered().title(frame_title);
        let more = match (start > 0, end < items.len()) {
            (true, true) => Some("↕"),
            (true, false) => Some("↑"),
            (false, true) => Some("↓"),
            (false, false) => None,
        };
        if let Some(more) = more {
            block = block.title_bottom(Line::raw(more).right_aligned());
        }
        let inner = block.inner(area);
        block.render(area, buf);
        for (i, line) in lines.iter().enumerate().take(inner.height as usize) {
            buf.set_line(inner.x, inner.y + i as u16, line, inner.width);
        }
    }

    fn history(
        &self,
        tps: TpsId,
        stints: &[Stint],
        scroll_to: usize,
        area: Rect,
        buf: &mut Buffer,
    ) {
        let app = self.app;
        let s = self.s();
        let region = &app.roster.region;
        let width = area.width as usize;
        let kel = region.kelurahan(region.kelurahan_of(tps));
        let mut lines = vec![Line::styled(
            fit(
                &format!(
                    "{} TPS {} · {}",
                    s.history_title,
                    region.address(tps),
                    kel.name
                ),
                width,
            ),
            Style::new().add_modifier(Modifier::BOLD),
        )];
        let mut body: Vec<Line> = Vec::new();
        let mut last_seat = 0;
        for st in stints {
            if st.seat != last_seat {
                let role = if st.seat == 1 {
                    format!(" ({})", s.ketua)
                } else {
                    String::new()
                };
                body.push(Line::styled(
                    format!("KPPS {}{role}", st.seat),
                    Style::new().add_modifier(Modifier::BOLD),
                ));
                last_seat = st.seat;
            }
            let (who, when) = app.lang.stint(st, region);
            body.push(Line::raw(fit(&format!("  {who}"), width)));
            for chunk in wrap(&when, width.saturating_sub(4)) {
                body.push(Line::styled(format!("    {chunk}"), self.theme.dim()));
            }
        }
        let room = (area.height as usize).saturating_sub(1);
        let start = scroll_to.min(body.len().saturating_sub(room));
        lines.extend(body.into_iter().skip(start).take(room));
        Paragraph::new(lines).render(area, buf);
    }

    fn log(&self, entries: &[LogEntry], cursor: usize, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let s = self.s();
        let width = area.width as usize;
        let title = format!("{} ({})", s.log_title, app.lang.num(entries.len() as u64));
        let list = titled(&title, area, buf);
        let offset = scroll(&app.list_offset, cursor, list.height as usize);
        for (i, e) in entries
            .iter()
            .enumerate()
            .skip(offset)
            .take(list.height as usize)
        {
            let what = match &e.record {
                Record::Change(ev) => app.lang.describe_event(ev, &app.roster.region),
                Record::Created { .. } => s.store_created.to_string(),
            };
            let text = format!("#{} {} {} · {what}", e.seq, wib(e.at), safe(&e.actor));
            let mut line = Line::raw(fit(&text, width));
            if i == cursor {
                line = line.style(Theme::selected(true));
            }
            buf.set_line(list.x, list.y + (i - offset) as u16, &line, list.width);
        }
    }
}

/// Writes a bold title on the first rows of `area` (wrapped, never cut); returns the rows
/// below it.
fn titled(title: &str, area: Rect, buf: &mut Buffer) -> Rect {
    let lines = wrap(title, area.width as usize);
    let n = (lines.len() as u16)
        .min(area.height.saturating_sub(1))
        .max(1);
    for (i, text) in lines.into_iter().take(n as usize).enumerate() {
        let line = Line::styled(
            fit(&text, area.width as usize),
            Style::new().add_modifier(Modifier::BOLD),
        );
        buf.set_line(area.x, area.y + i as u16, &line, area.width);
    }
    Rect {
        y: area.y + n,
        height: area.height.saturating_sub(n),
        ..area
    }
}

/// Splits text into lines of at most `width` columns at spaces; a word longer than a line
/// is split where the line ends.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while line.chars().count() > width {
            let head: String = line.chars().take(width).collect();
            line = line.chars().skip(width).collect();
            out.push(head);
        }
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

/// Styled text laid out in lines of at most `width` columns; lines after the first start
/// `indent` columns in. Lines break between ` · ` parts where they can, else at spaces, and
/// styles stay with their words.
fn wrap_spans(spans: &[Span<'static>], width: usize, indent: usize) -> Vec<Line<'static>> {
    let width = width.max(indent + 8);
    let mut lines = Vec::new();
    let mut line: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    let count = |s: &str| s.chars().count();
    for span in spans {
        for (i, part) in span.content.split(" · ").enumerate() {
            let part = if i == 0 {
                part.to_string()
            } else {
                format!(" · {part}")
            };
            // A part that does not fit here but would on a line of its own starts one.
            let fresh = used <= indent;
            if !fresh
                && used + count(&part) > width
                && indent + count(part.trim_start_matches(" · ")) <= width
            {
                lines.push(Line::from(std::mem::take(&mut line)));
                line.push(Span::raw(" ".repeat(indent)));
                used = indent;
                let part = part.trim_start_matches(" · ").to_string();
                used += count(&part);
                line.push(Span::styled(part, span.style));
                continue;
            }
            // Else word by word, and a word longer than a line where the line ends.
            for (j, word) in part.split(' ').enumerate() {
                let mut piece = if j == 0 {
                    word.to_string()
                } else {
                    format!(" {word}")
                };
                if used > indent && used + count(piece.trim_end()) > width {
                    lines.push(Line::from(std::mem::take(&mut line)));
                    line.push(Span::raw(" ".repeat(indent)));
                    used = indent;
                    piece = piece.trim_start().to_string();
                }
                while used + count(&piece) > width {
                    let room = width - used;
                    let head: String = piece.chars().take(room).collect();
                    piece = piece.chars().skip(room).collect();
                    line.push(Span::styled(head, span.style));
                    lines.push(Line::from(std::mem::take(&mut line)));
                    line.push(Span::raw(" ".repeat(indent)));
                    used = indent;
                }
                used += count(&piece);
                line.push(Span::styled(piece, span.style));
            }
        }
    }
    if !line.is_empty() {
        lines.push(Line::from(line));
    }
    lines
}

/// The items `start..end` of a list (item `i` is `heights[i]` rows) to show in `rows` rows
/// so that item `focus` is whole on screen, scrolling as little as possible from the last
/// offset. With items of one row each this is `scroll`.
fn window(offset: &Cell<usize>, heights: &[usize], focus: usize, rows: usize) -> (usize, usize) {
    if heights.is_empty() {
        offset.set(0);
        return (0, 0);
    }
    let focus = focus.min(heights.len() - 1);
    let mut start = offset.get().min(focus);
    while start < focus && heights[start..=focus].iter().sum::<usize>() > rows {
        start += 1;
    }
    offset.set(start);
    let mut end = start;
    let mut used = 0;
    while end < heights.len() && used + heights[end] <= rows {
        used += heights[end];
        end += 1;
    }
    (start, end.max(start + 1).min(heights.len()))
}

fn tps_marks(app: &App, t: TpsId, theme: Theme) -> Vec<Span<'static>> {
    let st = app.roster.tps_stats(t);
    let mut spans = Vec::new();
    if st.vacant == 0 {
        spans.push(Span::raw("✓"));
    } else {
        spans.push(Span::styled(format!("✗{}", st.vacant), theme.gap()));
    }
    if st.ketua_missing {
        spans.push(Span::styled(" !", theme.severe()));
    }
    if st.flagged > 0 {
        spans.push(Span::raw(format!(" ⚑{}", st.flagged)));
    }
    spans
}

fn scope_label(app: &App, scope: Scope) -> String {
    let region = &app.roster.region;
    match scope {
        Scope::All => app.s().whole_region.to_string(),
        Scope::Kecamatan(k) => format!("Kec. {}", region.kecamatan(k).name),
        Scope::Kelurahan(k) => format!("{} {}", app.s().kelurahan, region.kelurahan(k).name),
    }
}
