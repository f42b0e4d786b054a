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

fn emulated(session: &Session, w: u16, h: u16) -> Vec<String> {
    let mut parser = vt100::Parser::new(h, w, 0);
    parser.process(session.output());
    let screen = parser.screen();
    (0..h)
        .map(|row| {
            (0..w)
                .map(|col| {
                    screen.cell(row, col).map_or(" ".to_string(), |c| {
                        let s = c.contents();
                        if s.is_empty() {
                            " ".to_string()
                        } else {
                            s.to_string()
                        }
                    })
                })
                .collect::<String>()
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
        let want = s.screen();
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
