//! The region tree pane: a row for each kecamatan, kelurahan and TPS shown, with its marks.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::fit::{fit, scroll};
use super::{Screen, Theme};
use crate::domain::{Rollup, TpsId};
use crate::tui::app::{App, Node, Pane};

impl Screen<'_> {
    pub(super) fn tree(&self, area: Rect, buf: &mut Buffer) {
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
