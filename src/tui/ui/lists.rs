//! The gaps and search lists, and the gaps-list line the detail pane shares.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::fit::{fit, scroll, titled};
use super::header::scope_label;
use super::{Screen, Theme};
use crate::domain::gaps::{GapEntry, Scope};
use crate::text::safe;
use crate::tui::app::{Overlay, MAX_HITS};

/// Where a gaps-list line names the kelurahan of its TPS.
#[derive(Clone, Copy)]
pub(super) enum Place {
    /// Not at all (a list of one kelurahan).
    None,
    /// In a column this wide, so the marks line up.
    Column(usize),
    /// Right after the number (one pane at a time: no room for columns).
    Inline,
}

impl Screen<'_> {
    /// One TPS in a gaps list: `TPS 12 · 35 Ilir      ! ✗ kursi 1 4  ⚑ 6`. The TPS number
    /// and the kelurahan are always set apart by ` · `: kelurahan names can be numbers too
    /// ("TPS 12 · 2 Ilir").
    pub(super) fn gap_line(&self, e: &GapEntry, place: Place) -> Line<'static> {
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

    pub(super) fn list(&self, area: Rect, buf: &mut Buffer) {
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
}
