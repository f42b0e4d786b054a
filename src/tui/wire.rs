//! Writing cells to the terminal with as few bytes as possible: the shortest cursor move,
//! one combined SGR sequence per style change using the 16 standard colour codes
//! (`ESC[33m`, not `ESC[38;5;3;49m`), and `ESC[K` for blank row tails.

use std::io::{self, Write};

use ratatui::buffer::Cell;
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr;

/// The terminal's current colours and attributes.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    modifier: Modifier,
}

impl Pen {
    const DEFAULT: Pen = Pen {
        fg: Color::Reset,
        bg: Color::Reset,
        modifier: Modifier::empty(),
    };

    fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            modifier: cell.modifier,
        }
    }
}

/// What to write: a cell at (x, y), or an erase from (x, y) to the end of the row.
pub enum Op<'a> {
    Cell(u16, u16, &'a Cell),
    EraseToEnd(u16, u16),
}

fn color_code(c: Color, fg: bool, out: &mut Vec<String>) {
    let base = if fg { 30 } else { 40 };
    let bright = if fg { 90 } else { 100 };
    let code = match c {
        Color::Reset => return out.push((base + 9).to_string()),
        Color::Black => base,
        Color::Red => base + 1,
        Color::Green => base + 2,
        Color::Yellow => base + 3,
        Color::Blue => base + 4,
        Color::Magenta => base + 5,
        Color::Cyan => base + 6,
        Color::Gray => base + 7,
        Color::DarkGray => bright,
        Color::LightRed => bright + 1,
        Color::LightGreen => bright + 2,
        Color::LightYellow => bright + 3,
        Color::LightBlue => bright + 4,
        Color::LightMagenta => bright + 5,
        Color::LightCyan => bright + 6,
        Color::White => bright + 7,
        Color::Indexed(i) => return out.push(format!("{};5;{i}", base + 8)),
        Color::Rgb(r, g, b) => return out.push(format!("{};2;{r};{g};{b}", base + 8)),
    };
    out.push(code.to_string());
}

const ON: [(Modifier, u8); 9] = [
    (Modifier::BOLD, 1),
    (Modifier::DIM, 2),
    (Modifier::ITALIC, 3),
    (Modifier::UNDERLINED, 4),
    (Modifier::SLOW_BLINK, 5),
    (Modifier::RAPID_BLINK, 6),
    (Modifier::REVERSED, 7),
    (Modifier::HIDDEN, 8),
    (Modifier::CROSSED_OUT, 9),
];

/// The SGR parameters that take the terminal from `from` to `to`.
fn sgr(from: Pen, to: Pen) -> Vec<String> {
    let mut p = Vec::new();
    if to == Pen::DEFAULT {
        p.push("0".to_string());
        return p;
    }
    let removed = from.modifier - to.modifier;
    let mut added = to.modifier - from.modifier;
    if removed.intersects(Modifier::BOLD | Modifier::DIM) {
        // 22 clears both bold and dim: put back whichever stays.
        p.push("22".into());
        added |= to.modifier & (Modifier::BOLD | Modifier::DIM);
    }
    for (m, off) in [
        (Modifier::ITALIC, 23),
        (Modifier::UNDERLINED, 24),
        (Modifier::SLOW_BLINK | Modifier::RAPID_BLINK, 25),
        (Modifier::REVERSED, 27),
        (Modifier::HIDDEN, 28),
        (Modifier::CROSSED_OUT, 29),
    ] {
        if removed.intersects(m) {
            p.push(off.to_string());
            added |= to.modifier & m;
        }
    }
    for (m, on) in ON {
        if added.contains(m) {
            p.push(on.to_string());
        }
    }
    if from.fg != to.fg {
        color_code(to.fg, true, &mut p);
    }
    if from.bg != to.bg {
        color_code(to.bg, false, &mut p);
    }
    p
}

/// The shortest escape sequence moving the cursor from `at` (if known) to (x, y).
fn cursor_move(at: Option<(u16, u16)>, x: u16, y: u16) -> String {
    let absolute = if x == 0 {
        format!("\x1b[{}H", y + 1)
    } else {
        format!("\x1b[{};{}H", y + 1, x + 1)
    };
    match at {
        Some((ax, ay)) if ay == y && x > ax => {
            let forward = format!("\x1b[{}C", x - ax);
            if forward.len() < absolute.len() {
                forward
            } else {
                absolute
            }
        }
        _ => absolute,
    }
}

/// A cell's text as the terminal may receive it. User text is escaped visibly before it is
/// laid out (`crate::text::safe`); this is the last guard for anything that was not (a
/// region file's names, an error message): characters the terminal would act on are
/// dropped, and a cell left with nothing becomes a space, so the cursor stays where the
/// layout expects.
fn drawable(symbol: &str) -> std::borrow::Cow<'_, str> {
    use crate::domain::freetext::is_unsafe_char;
    if !symbol.chars().any(is_unsafe_char) {
        return symbol.into();
    }
    let kept: String = symbol.chars().filter(|c| !is_unsafe_char(*c)).collect();
    if kept.is_empty() {
        " ".into()
    } else {
        kept.into()
    }
}

/// Writes `ops` and leaves the terminal with the default pen.
pub fn write_ops<W: Write>(out: &mut W, ops: &[Op<'_>]) -> io::Result<()> {
    let mut pen = Pen::DEFAULT;
    let mut at: Option<(u16, u16)> = None;
    let mut buf = Vec::with_capacity(4096);
    for op in ops {
        let (x, y) = match op {
            Op::Cell(x, y, _) | Op::EraseToEnd(x, y) => (*x, *y),
        };
        if at != Some((x, y)) {
            buf.extend_from_slice(cursor_move(at, x, y).as_bytes());
        }
        let want = match op {
            Op::Cell(_, _, cell) => Pen::of(cell),
            // Erase fills with the current background: erase with the default one.
            Op::EraseToEnd(..) => Pen::DEFAULT,
        };
        if want != pen {
            buf.extend_from_slice(format!("\x1b[{}m", sgr(pen, want).join(";")).as_bytes());
            pen = want;
        }
        match op {
            Op::Cell(_, _, cell) => {
                let symbol = drawable(cell.symbol());
                buf.extend_from_slice(symbol.as_bytes());
                at = Some((x + symbol.width().max(1) as u16, y));
            }
            Op::EraseToEnd(..) => {
                buf.extend_from_slice(b"\x1b[K");
                at = Some((x, y));
            }
        }
    }
    if pen != Pen::DEFAULT {
        buf.extend_from_slice(b"\x1b[0m");
    }
    out.write_all(&buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pen(fg: Color, modifier: Modifier) -> Pen {
        Pen {
            fg,
            bg: Color::Reset,
            modifier,
        }
    }

    #[test]
    fn short_sgr_sequences() {
        assert_eq!(
            sgr(Pen::DEFAULT, pen(Color::Yellow, Modifier::empty())),
            vec!["33"]
        );
        assert_eq!(
            sgr(Pen::DEFAULT, pen(Color::Red, Modifier::BOLD)),
            vec!["1", "31"]
        );
        assert_eq!(
            sgr(
                pen(Color::Red, Modifier::BOLD),
                pen(Color::Yellow, Modifier::empty())
            ),
            vec!["22", "33"]
        );
        assert_eq!(
            sgr(
                pen(Color::Red, Modifier::BOLD | Modifier::DIM),
                pen(Color::Red, Modifier::BOLD)
            ),
            vec!["22", "1"]
        );
        assert_eq!(
            sgr(pen(Color::Red, Modifier::REVERSED), Pen::DEFAULT),
            vec!["0"]
        );
        assert_eq!(
            sgr(Pen::DEFAULT, pen(Color::DarkGray, Modifier::REVERSED)),
            vec!["7", "90"]
        );
        assert_eq!(
            sgr(Pen::DEFAULT, pen(Color::Indexed(208), Modifier::empty())),
            vec!["38;5;208"]
        );
    }

    #[test]
    fn cells_never_carry_terminal_controls() {
        let mut cell = Cell::default();
        let mut out = Vec::new();
        for symbol in ["a\x1b", "\x07", "\u{202e}", "b\u{9b}", "\u{200b}"] {
            cell.set_symbol(symbol);
            write_ops(&mut out, &[Op::Cell(0, 0, &cell), Op::Cell(1, 0, &cell)]).unwrap();
        }
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text.contains(['\x07', '\u{202e}', '\u{9b}', '\u{200b}']),
            "{text:?}"
        );
        // Every ESC left starts one of the writer's own CSI sequences (cursor moves, SGR).
        assert_eq!(text.matches('\x1b').count(), text.matches("\x1b[").count());
        assert!(!text.contains("\x1b\x1b"));
        cell.set_symbol("é");
        let mut plain = Vec::new();
        write_ops(&mut plain, &[Op::Cell(0, 0, &cell)]).unwrap();
        assert_eq!(plain, "\x1b[1Hé".as_bytes());
    }

    #[test]
    fn shortest_cursor_moves() {
        assert_eq!(cursor_move(None, 0, 4), "\x1b[5H");
        assert_eq!(cursor_move(None, 9, 4), "\x1b[5;10H");
        assert_eq!(cursor_move(Some((3, 4)), 9, 4), "\x1b[6C");
        assert_eq!(cursor_move(Some((3, 5)), 9, 4), "\x1b[5;10H");
    }
}
