//! The detail pane: a TPS's seats and the selected officer, or the totals of a kelurahan,
//! kecamatan or the region and its TPS that need attention.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::fit::{fit, scroll, wrap, wrap_spans};
use super::lists::Place;
use super::{Screen, Theme};
use crate::domain::gaps::Scope;
use crate::domain::TpsId;
use crate::text::safe;
use crate::tui::app::{Node, Pane};

impl Screen<'_> {
    /// The place opened: a TPS's seats, or a kelurahan's, kecamatan's or the region's TPS.
    pub(super) fn detail(&self, area: Rect, buf: &mut Buffer) {
        match self.app.opened() {
            Some(Node::Tps(t)) => self.tps_detail(t, area, buf),
            _ => self.area_detail(area, buf),
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
}
