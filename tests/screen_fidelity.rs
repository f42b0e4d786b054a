//! The byte-saving backend must never change what the terminal shows: every frame's bytes,
//! fed to a VT100 emulator, must reproduce the rendered screen exactly, through random key
//! sequences, overlays, language switches and resizes.

use kpps::demo;
use kpps::domain::ElectionParams;
use kpps::io::region_csv::palembang;
use kpps::text::Lang;
use kpps::tui::session::Session;
use kpps::tui::App;
use proptest::prelude::*;

const KEYS: &[&str] = &[
    "j", "k", "h", "l", "g", "G", "n", "N", "f", "v", "V", "/", "s", "a", "1", "<bs>", "<enter>",
    "<esc>", "<tab>", "<pgdn>", "<pgup>", "?", "L", "x", "r", "w", "p", "H", "J",
];

/// Each row as (text, per-cell style signature) from a VT100 emulator fed all output.
fn emulated(session: &Session, w: u16, h: u16) -> Vec<(String, String)> {
    let mut parser = vt100::Parser::new(h, w, 0);
    parser.process(session.output());
    let screen = parser.screen();
    (0..h)
        .map(|row| {
            let mut text = String::new();
            let mut style = String::new();
            for col in 0..w {
                let Some(c) = screen.cell(row, col) else {
                    continue;
                };
                if c.is_wide_continuation() {
                    continue;
                }
                let s = c.contents();
                text.push_str(if s.is_empty() { " " } else { &s });
                let fg = match c.fgcolor() {
                    vt100::Color::Default => "-".to_string(),
                    vt100::Color::Idx(i) => i.to_string(),
                    vt100::Color::Rgb(r, g, b) => format!("{r}.{g}.{b}"),
                };
                let bold = if c.bold() { "B" } else { "" };
                let rev = if c.inverse() { "R" } else { "" };
                style.push_str(&format!("{fg}{bold}{rev} "));
            }
            (text, style)
        })
        .collect()
}

/// The same signature from the rendered buffer.
fn rendered(session: &mut Session) -> Vec<(String, String)> {
    use ratatui::style::{Color, Modifier};
    let buf = session.buffer();
    let area = buf.area;
    (0..area.height)
        .map(|y| {
            let mut text = String::new();
            let mut style = String::new();
            let mut skip = 0;
            for x in 0..area.width {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let c = &buf[(x, y)];
                text.push_str(c.symbol());
                skip = unicode_width::UnicodeWidthStr::width(c.symbol()).saturating_sub(1);
                let fg = match c.fg {
                    Color::Reset => "-".to_string(),
                    Color::Black => "0".into(),
                    Color::Red => "1".into(),
                    Color::Green => "2".into(),
                    Color::Yellow => "3".into(),
                    Color::Blue => "4".into(),
                    Color::Magenta => "5".into(),
                    Color::Cyan => "6".into(),
                    Color::Gray => "7".into(),
                    Color::DarkGray => "8".into(),
                    Color::LightRed => "9".into(),
                    Color::LightGreen => "10".into(),
                    Color::LightYellow => "11".into(),
                    Color::LightBlue => "12".into(),
                    Color::LightMagenta => "13".into(),
                    Color::LightCyan => "14".into(),
                    Color::White => "15".into(),
                    Color::Indexed(i) => i.to_string(),
                    Color::Rgb(r, g, b) => format!("{r}.{g}.{b}"),
                };
                let bold = if c.modifier.contains(Modifier::BOLD) {
                    "B"
                } else {
                    ""
                };
                let rev = if c.modifier.contains(Modifier::REVERSED) {
                    "R"
                } else {
                    ""
                };
                style.push_str(&format!("{fg}{bold}{rev} "));
            }
            (text, style)
        })
        .collect()
}

fn check(keys: &[usize], w: u16, h: u16, resize_at: Option<usize>) {
    let roster = demo::generate(palembang(), ElectionParams::default(), demo::DEFAULT_SEED);
    let mut s = Session::new(App::new(roster, Lang::Id), w, h);
    let (mut w, mut h) = (w, h);
    for (i, &k) in keys.iter().enumerate() {
        if resize_at == Some(i) {
            w += 7;
            h += 3;
            s.resize(w, h);
        }
        s.keys(KEYS[k]);
        if s.app.should_quit {
            break;
        }
        let want = rendered(&mut s);
        let got = emulated(&s, w, h);
        assert_eq!(got, want, "after key #{i} {:?}", KEYS[k]);
    }
}

#[test]
fn a_scripted_walk_reproduces_every_frame() {
    // n, open seats, overlays, search, language, gaps list, help: every view at least once.
    let script = [
        "n", "<tab>", "j", "j", "<esc>", "v", "j", "<enter>", "/", "s", "a", "<enter>", "L", "?",
        "<esc>", "f", "G", "g", "l", "l", "h", "V", "<esc>", "x", "<esc>", "r", "w", "<esc>", "p",
        "<esc>",
    ];
    let idx: Vec<usize> = script
        .iter()
        .map(|k| KEYS.iter().position(|x| x == k).unwrap())
        .collect();
    check(&idx, 80, 24, Some(15));
}

#[test]
fn a_phone_sized_walk_reproduces_every_frame() {
    // One pane at a time: jumps, pane switches, the help scrolled, the gaps filter, dialogs
    // with wrapped lines, and a resize from 40×15 to 47×18.
    let script = [
        "n", "j", "<tab>", "<enter>", "<tab>", "?", "<pgdn>", "j", "<pgdn>", "<esc>", "v", "f",
        "j", "<enter>", "r", "j", "w", "<esc>", "p", "<tab>", "<tab>", "<tab>", "<esc>", "x", "j",
        "<esc>", "/", "s", "a", "<enter>", "L", "f", "G", "l", "<enter>",
    ];
    let idx: Vec<usize> = script
        .iter()
        .map(|k| KEYS.iter().position(|x| x == k).unwrap())
        .collect();
    check(&idx, 40, 15, None);
    check(&idx, 50, 30, Some(20));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_keys_reproduce_every_frame(
        keys in proptest::collection::vec(0..KEYS.len(), 1..120),
        small in any::<bool>(),
        resize in proptest::option::of(0usize..120),
    ) {
        let (w, h) = if small { (40, 12) } else { (80, 24) };
        check(&keys, w, h, resize);
    }
}
