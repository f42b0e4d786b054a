//! The seat history of a TPS and the city-wide log.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use super::fit::{fit, scroll, titled, wrap};
use super::{Screen, Theme};
use crate::domain::history::Stint;
use crate::domain::TpsId;
use crate::store::{LogEntry, Record};
use crate::text::clock::wall;
use crate::text::safe;

impl Screen<'_> {
    pub(super) fn history(
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
            let (who, when) = app.lang.stint(st, region, app.area.time_zone);
            body.push(Line::raw(fit(&format!("  {who}"), width)));
            for chunk in wrap(&when, width.saturating_sub(4)) {
                body.push(Line::styled(format!("    {chunk}"), self.theme.dim()));
            }
        }
        let room = (area.height as usize).saturating_sub(1);
        let max = body.len().saturating_sub(room);
        // Keys scroll no further than the last screenful (`App::update_history`).
        app.scroll_max.set(max);
        let start = scroll_to.min(max);
        lines.extend(body.into_iter().skip(start).take(room));
        Paragraph::new(lines).render(area, buf);
    }

    pub(super) fn log(&self, entries: &[LogEntry], cursor: usize, area: Rect, buf: &mut Buffer) {
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
            let text = format!(
                "#{} {} {} · {what}",
                e.seq,
                wall(e.at, app.area.time_zone),
                safe(&e.actor)
            );
            let mut line = Line::raw(fit(&text, width));
            if i == cursor {
                line = line.style(Theme::selected(true));
            }
            buf.set_line(list.x, list.y + (i - offset) as u16, &line, list.width);
        }
    }
}
