//! Drawing: reads `App`, never changes data. Every gap is readable without colour: vacancies
//! are `✗n`, a TPS without Ketua `!`, flagged officers `⚑`, complete nodes `✓`.

use std::cell::Cell;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::app::{App, Node, Overlay, Pane, VacateChoice, MAX_HITS};
use super::form::Field;
use super::keymap::KEYMAP;
use crate::domain::gaps::{GapEntry, Scope};
use crate::domain::history::Stint;
use crate::domain::Severity;
use crate::domain::{Rollup, TpsId};
use crate::store::{LogEntry, Record};
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
        let [header, body, status, footer] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Min(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        self.header(header, buf);
        match &self.app.overlay {
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
        let s = self.app.s();
        if let Some(msg) = &self.app.status {
            Paragraph::new(fit(&safe(msg), status.width as usize))
                .style(self.theme.gap())
                .render(status, buf);
        }
        let hints: Vec<String> = KEYMAP
            .iter()
            .filter_map(|b| b.footer.map(|short| format!("{} {}", b.label, short(s))))
            .collect();
        Paragraph::new(fit(&hints.join("  "), footer.width as usize))
            .style(self.theme.dim())
            .render(footer, buf);
    }
}

impl Screen<'_> {
    fn s(&self) -> &'static Strings {
        self.app.s()
    }

    fn header(&self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let s = self.s();
        let lang = app.lang;
        let scope = match &app.overlay {
            Overlay::Gaps(v) => v.scope,
            _ => Scope::All,
        };
        let r = scope.rollup(&app.roster);
        let mut title = vec![
            Span::styled("kpps", Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(format!(
                " · {} · {}",
                app.roster.params.name,
                scope_label(app, scope)
            )),
        ];
        if app.roster.demo {
            title.push(Span::styled(format!("  [{}]", s.demo), self.theme.severe()));
        }
        if let Some((user, role)) = app.identity() {
            title.push(Span::raw(format!(
                "  {} · {}",
                safe(&user),
                lang.role(role, &app.roster.region)
            )));
        }
        let mut totals = vec![
            Span::raw(format!(
                "TPS {} · {} {}/{} · ",
                lang.num(r.tps),
                s.filled,
                lang.num(r.filled()),
                lang.num(r.seats)
            )),
            Span::styled(
                format!("{} {}", s.vacant_title, lang.num(r.vacant)),
                if r.vacant > 0 {
                    self.theme.gap()
                } else {
                    self.theme.ok()
                },
            ),
            Span::raw(" · "),
        ];
        totals.push(Span::styled(
            format!("{} {}", s.without_ketua, lang.num(r.tps_without_ketua)),
            if r.tps_without_ketua > 0 {
                self.theme.severe()
            } else {
                Style::new()
            },
        ));
        totals.push(Span::raw(format!(
            " · {} {}",
            s.flagged,
            lang.num(r.flagged)
        )));
        let [a, b] = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
        Paragraph::new(Line::from(title)).render(a, buf);
        Paragraph::new(Line::from(totals)).render(b, buf);
    }

    fn main(&self, area: Rect, buf: &mut Buffer) {
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
        match (&self.app.overlay, self.app.opened()) {
            (Overlay::Search(_), _) => self.list(inner, buf),
            (_, Some(Node::Tps(t))) => self.tps_detail(t, inner, buf),
            _ => self.area_detail(inner, buf),
        }
    }

    fn tree(&self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let region = &app.roster.region;
        let rows = app.rows();
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
        let mut lines = vec![
            Line::styled(
                fit(
                    &format!("TPS {} · {}", region.tps(tps).number, kel.name),
                    width,
                ),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Line::raw(fit(
                &format!("{} · {}", region.address(tps), kec.name),
                width,
            )),
        ];
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
        lines.push(Line::from(summary));
        let wide = width >= 70;
        let focused = app.focus == Pane::Detail;
        let max_age = app.roster.params.preferred_max_age as u32;
        // The details of one person: masked NIK, age, sex, and anything to look at.
        let info = |h: &crate::domain::Holder| {
            let age = h.person.age_on(app.roster.params.voting_day);
            // NIKs are personal data: masked unless revealed for this very person.
            let nik = if app.revealed() == Some(h.person.nik) {
                h.person.nik.to_string()
            } else {
                h.person.nik.masked()
            };
            let mut info = format!("{} · {} {} · {}", nik, age, s.years, lang.sex(h.person.sex));
            let flags: Vec<&str> = h
                .person
                .health_flags()
                .map(|f| lang.health_flag(f))
                .collect();
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
        let name_w = if wide {
            width.saturating_sub(10 + 45)
        } else {
            width.saturating_sub(10 + 6)
        };
        for (i, seat) in app.roster.seats_of(tps).iter().enumerate() {
            let role = if i == 0 { s.ketua } else { s.member };
            let mut spans = vec![Span::raw(format!("{:>2} {:<7}", i + 1, role))];
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
                    let (text, flagged) = info(h);
                    if wide {
                        spans.push(Span::styled(
                            format!(" {text}"),
                            if flagged {
                                self.theme.gap()
                            } else {
                                Style::new()
                            },
                        ));
                    } else {
                        let age = h.person.age_on(app.roster.params.voting_day);
                        let mark = if flagged {
                            "⚑"
                        } else if age > max_age {
                            "+"
                        } else {
                            " "
                        };
                        spans.push(Span::raw(format!(
                            " {age:>2}{}{mark}",
                            lang.sex(h.person.sex)
                        )));
                    }
                }
            }
            let style = if i == app.detail_cursor {
                Theme::selected(focused)
            } else {
                Style::new()
            };
            lines.push(Line::from(spans).style(style));
        }
        if !wide {
            if let Some(Some(h)) = app.roster.seats_of(tps).get(app.detail_cursor) {
                let (text, flagged) = info(h);
                lines.push(Line::raw(""));
                let style = if flagged {
                    self.theme.gap()
                } else {
                    Style::new()
                };
                for chunk in wrap(&format!("KPPS {}: {text}", app.detail_cursor + 1), width) {
                    lines.push(Line::styled(chunk, style));
                }
            }
        }
        let reserves = app.roster.reserves(region.kelurahan_of(tps)).len();
        lines.push(Line::styled(
            format!("{} {}", s.reserves_in_kelurahan, lang.num(reserves as u64)),
            self.theme.dim(),
        ));
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
            let place_width = if matches!(scope, Scope::Kecamatan(_)) {
                15
            } else {
                0
            };
            let mut line = self.gap_line(e, place_width);
            if i == app.detail_cursor {
                line = line.style(Theme::selected(focused));
            }
            buf.set_line(list.x, list.y + (i - offset) as u16, &line, list.width);
        }
    }

    /// One TPS in a gaps list: `TPS 12  35 Ilir        ! ✗ kursi 1 4  ⚑ 6`.
    fn gap_line(&self, e: &GapEntry, place_width: usize) -> Line<'static> {
        let region = &self.app.roster.region;
        let tps = region.tps(e.tps);
        let mut label = format!("TPS {:<4}", tps.number);
        if place_width > 0 {
            let kel = region.kelurahan(tps.kelurahan);
            let place = if place_width > 24 {
                format!("{} · {}", kel.name, region.kecamatan(kel.kecamatan).name)
            } else {
                kel.name.clone()
            };
            label.push_str(&format!("{:<place_width$}", fit(&place, place_width)));
        }
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
                    "{} — {} ({} TPS)",
                    s.gaps_title,
                    scope_label(app, v.scope),
                    lang.num(v.entries.len() as u64)
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
                    let place_width = if matches!(v.scope, Scope::Kelurahan(_)) {
                        0
                    } else {
                        (width / 2).min(40)
                    };
                    self.gap_line(&v.entries[i], place_width)
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

    fn help(&self, area: Rect, buf: &mut Buffer) {
        let s = self.s();
        let mut lines = vec![Line::styled(
            s.help_title,
            Style::new().add_modifier(Modifier::BOLD),
        )];
        for b in KEYMAP {
            lines.push(Line::raw(format!("  {:<7} {}", b.label, (b.describe)(s))));
        }
        let half = area.width / 2;
        let legend = Line::raw(s.legend);
        if area.height as usize >= lines.len() + 2 || area.width < 60 {
            lines.push(Line::raw(""));
            lines.push(legend);
            Paragraph::new(lines).render(area, buf);
        } else {
            // Two columns when the list is taller than the screen, the legend below.
            let split = lines.len().div_ceil(2);
            let right = lines.split_off(split);
            let columns = Rect {
                height: area.height.saturating_sub(2),
                ..area
            };
            Paragraph::new(lines).render(
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
            let y = area.y + columns.height + 1;
            if y < area.bottom() {
                buf.set_line(area.x, y, &legend, area.width);
            }
        }
    }
}

impl Screen<'_> {
    /// The dialog box for vacate, reserves, the form and confirmations.
    fn dialog(&self, body: Rect, buf: &mut Buffer) {
        let app = self.app;
        let s = self.s();
        let lang = app.lang;
        let region = &app.roster.region;
        let width = body.width.min(76);
        let inner_w = width.saturating_sub(2) as usize;
        let mut lines: Vec<Line> = Vec::new();
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
                    let mut line = Line::raw(format!("{marker}{label}"));
                    if chosen {
                        line = line.style(Theme::selected(true));
                    }
                    lines.push(line);
                }
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
                    lines.push(Line::styled(s.no_reserves, self.theme.dim()));
                }
                let rows = (body.height as usize).saturating_sub(4).max(1);
                let offset = scroll(&app.list_offset, v.cursor, rows);
                for (i, c) in v.candidates.iter().enumerate().skip(offset).take(rows) {
                    let Some(r) = app
                        .roster
                        .reserves(c.kelurahan)
                        .iter()
                        .find(|r| r.rank == c.rank)
                    else {
                        continue;
                    };
                    let age = r.person.age_on(app.roster.params.voting_day);
                    let mut text = format!(
                        "{} · {age} {} · {}",
                        safe(&r.person.name),
                        s.years,
                        lang.sex(r.person.sex)
                    );
                    if let Some(t) = c.tied {
                        text.push_str(&format!(" · {} {}", s.tied_to, region.tps(t).number));
                    }
                    if c.kelurahan != region.kelurahan_of(v.tps) {
                        text.push_str(&format!(" · {}", region.kelurahan(c.kelurahan).name));
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
                    let mut spans = vec![Span::raw(format!(
                        "{} #{:<3} ",
                        if i == v.cursor { "›" } else { " " },
                        c.rank
                    ))];
                    // Before the name, so a long line never cuts it off.
                    if let Some(risk) = c.risk {
                        spans.push(Span::styled(
                            format!("⚑ {}", lang.health_flag(risk)),
                            self.theme.severe(),
                        ));
                        spans.push(Span::raw(" · "));
                    }
                    spans.push(Span::raw(text));
                    if !c.eligible() {
                        spans.push(Span::styled(
                            format!(" ✗ {}: {}", s.ineligible, notes.join("; ")),
                            self.theme.severe(),
                        ));
                    } else if !notes.is_empty() || !flags.is_empty() {
                        let all: Vec<String> = notes
                            .into_iter()
                            .chain(flags.into_iter().map(String::from))
                            .collect();
                        spans.push(Span::styled(
                            format!(" ⚠ {}", all.join("; ")),
                            self.theme.gap(),
                        ));
                    }
                    let mut line = Line::from(spans);
                    if i == v.cursor {
                        line = line.style(Theme::selected(true));
                    }
                    lines.push(line);
                }
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
                    let mut spans = vec![Span::raw(format!(
                        "{} {:<10} {value}{cursor}{choice}",
                        if focused { "›" } else { " " },
                        field.label(lang)
                    ))];
                    for n in notes.iter().filter(|n| n.field == *field) {
                        let (mark, style) = match n.severity {
                            Severity::Error => ("✗", self.theme.severe()),
                            Severity::Warning => ("⚠", self.theme.gap()),
                        };
                        // An empty field's error shows only once the cursor has been there.
                        if n.severity == Severity::Error && i > form.field {
                            continue;
                        }
                        spans.push(Span::styled(format!("  {mark} {}", n.text), style));
                    }
                    let mut line = Line::from(spans);
                    if focused {
                        line = line.style(Style::new().add_modifier(Modifier::BOLD));
                    }
                    lines.push(line);
                }
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
                    lines.push(Line::raw(chunk));
                }
                (String::new(), s.confirm_hints)
            }
            _ => return,
        };
        lines.push(Line::styled(hints, self.theme.dim()));
        let height = (lines.len() as u16 + 2).min(body.height);
        let area = Rect {
            x: body.x + (body.width - width) / 2,
            y: body.y + (body.height.saturating_sub(height)) / 2,
            width,
            height,
        };
        Clear.render(area, buf);
        let block = Block::bordered().title(fit(&title, inner_w));
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

/// Writes a bold title on the first row of `area`; returns the rows below it.
fn titled(title: &str, area: Rect, buf: &mut Buffer) -> Rect {
    let line = Line::styled(
        fit(title, area.width as usize),
        Style::new().add_modifier(Modifier::BOLD),
    );
    buf.set_line(area.x, area.y, &line, area.width);
    Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
        ..area
    }
}

/// Splits text into lines of at most `width` columns at spaces.
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
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
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
