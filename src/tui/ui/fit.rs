//! Fitting text and lists into the room there is: cutting, wrapping, titles, and keeping a
//! list's cursor in view.

use std::cell::Cell;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

/// Keeps `cursor` visible in `height` rows with the least scrolling from the last offset.
pub(super) fn scroll(offset: &Cell<usize>, cursor: usize, height: usize) -> usize {
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
pub(super) fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Writes a bold title on the first rows of `area` (wrapped, never cut); returns the rows
/// below it.
pub(super) fn titled(title: &str, area: Rect, buf: &mut Buffer) -> Rect {
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
pub(super) fn wrap(text: &str, width: usize) -> Vec<String> {
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
pub(super) fn wrap_spans(
    spans: &[Span<'static>],
    width: usize,
    indent: usize,
) -> Vec<Line<'static>> {
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
pub(super) fn window(
    offset: &Cell<usize>,
    heights: &[usize],
    focus: usize,
    rows: usize,
) -> (usize, usize) {
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
