//! The dialog box over the screen: vacate grounds, reserves, the new-officer form and
//! confirmations, scrolled around the choice in hand.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::fit::{window, wrap, wrap_spans};
use super::{Screen, Theme};
use crate::domain::Severity;
use crate::text::safe;
use crate::tui::app::{Overlay, VacateChoice};
use crate::tui::form::Field;

impl Screen<'_> {
    /// The dialog box for vacate, reserves, the form and confirmations. Its lines wrap
    /// rather than being cut; when they outnumber the rows, the rows around the choice or
    /// field in hand are shown (`↑`/`↓` on the frame say there is more).
    pub(super) fn dialog(&self, body: Rect, buf: &mut Buffer) {
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
}
