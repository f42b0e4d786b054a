//! Flow tests: key strings drive the real `App` and rendering path; assertions on state,
//! screens (insta snapshots, reviewed) and bytes written.

use kpps::demo;
use kpps::domain::gaps::{gaps, Scope};
use kpps::domain::{ElectionParams, Roster};
use kpps::io::region_csv::palembang;
use kpps::text::Lang;
use kpps::tui::app::{Node, Overlay, Pane};
use kpps::tui::keymap::KEYMAP;
use kpps::tui::session::Session;
use kpps::tui::App;

fn demo_roster() -> Roster {
    demo::generate(palembang(), ElectionParams::default(), demo::DEFAULT_SEED)
}

fn session(lang: Lang, w: u16, h: u16) -> Session {
    Session::new(App::new(demo_roster(), lang), w, h)
}

/// TPS with a vacancy, in tree order.
fn gap_tps_in_order(r: &Roster) -> Vec<u32> {
    r.region
        .tps_ids()
        .filter(|&t| r.tps_stats(t).has_gap())
        .map(|t| t.0)
        .collect()
}

#[test]
fn starts_with_only_kecamatan_listed() {
    let s = session(Lang::Id, 80, 24);
    assert_eq!(s.app.rows().len(), 18);
    assert!(s.app.rows().iter().all(|n| matches!(n, Node::Kecamatan(_))));
}

#[test]
fn jjl_expands_the_third_kecamatan() {
    let mut s = session(Lang::Id, 80, 24);
    s.keys("jjl");
    let kec = s.app.roster.region.kecamatan[2].clone();
    assert_eq!(
        s.app.selected(),
        Some(Node::Kecamatan(kpps::domain::KecamatanId(2)))
    );
    assert_eq!(s.app.rows().len(), 18 + kec.kelurahan.len());
    // l again steps into the first kelurahan; h goes back to the parent; h collapses.
    s.keys("l");
    assert_eq!(
        s.app.selected(),
        Some(Node::Kelurahan(kpps::domain::KelurahanId(
            kec.kelurahan.start
        )))
    );
    s.keys("hh");
    assert_eq!(s.app.rows().len(), 18);
    s.keys("G");
    assert_eq!(s.app.cursor(), 17);
    s.keys("g");
    assert_eq!(s.app.cursor(), 0);
}

#[test]
fn n_and_shift_n_walk_the_gaps_in_tree_order() {
    let mut s = session(Lang::Id, 80, 24);
    let order = gap_tps_in_order(&s.app.roster);
    s.keys("n");
    let Some(Node::Tps(first)) = s.app.selected() else {
        panic!("n selects a TPS")
    };
    assert_eq!(first.0, order[0]);
    // The seat cursor sits on the first empty seat.
    let empty = s
        .app
        .roster
        .seats_of(first)
        .iter()
        .position(|x| x.is_none())
        .unwrap();
    assert_eq!(s.app.detail_cursor, empty);
    s.keys("nn");
    assert_eq!(
        s.app.selected(),
        Some(Node::Tps(kpps::domain::TpsId(order[2])))
    );
    s.keys("N");
    assert_eq!(
        s.app.selected(),
        Some(Node::Tps(kpps::domain::TpsId(order[1])))
    );
    // From the top, N wraps to the last gap in the city.
    let mut s = session(Lang::Id, 80, 24);
    s.keys("N");
    assert_eq!(
        s.app.selected(),
        Some(Node::Tps(kpps::domain::TpsId(*order.last().unwrap())))
    );
}

#[test]
fn filter_hides_every_node_without_a_gap() {
    let mut s = session(Lang::Id, 80, 24);
    s.keys("n");
    s.keys("f");
    assert!(s.app.hide_complete);
    let r = &s.app.roster;
    for node in s.app.rows() {
        let vacant = match *node {
            Node::Kecamatan(k) => r.kecamatan_rollup(k).vacant,
            Node::Kelurahan(k) => r.kelurahan_rollup(k).vacant,
            Node::Tps(t) => r.tps_stats(t).vacant as u32,
        };
        assert!(vacant > 0, "{node:?} shown without a gap");
    }
    // The selected gap TPS stays selected.
    assert!(matches!(s.app.selected(), Some(Node::Tps(_))));
    s.keys("f");
    assert!(!s.app.hide_complete);
}

#[test]
fn gaps_view_lists_most_severe_first_and_jumps() {
    let mut s = session(Lang::Id, 80, 24);
    s.keys("v");
    let Overlay::Gaps(view) = &s.app.overlay else {
        panic!("v opens the gaps view")
    };
    assert_eq!(view.entries, gaps(&s.app.roster, Scope::All));
    assert!(view.entries[0].ketua_missing);
    let second = view.entries[1].clone();
    s.keys("j<enter>");
    assert_eq!(s.app.overlay, Overlay::None);
    assert_eq!(s.app.selected(), Some(Node::Tps(second.tps)));
    assert_eq!(s.app.detail_cursor, second.vacant_seats[0] as usize - 1);
}

#[test]
fn shift_v_narrows_to_the_place_under_the_cursor() {
    let mut s = session(Lang::Id, 80, 24);
    s.keys("n");
    let Some(Node::Tps(t)) = s.app.selected() else {
        panic!()
    };
    let kel = s.app.roster.region.kelurahan_of(t);
    s.keys("V");
    let Overlay::Gaps(view) = &s.app.overlay else {
        panic!()
    };
    assert_eq!(view.scope, Scope::Kelurahan(kel));
    assert!(view
        .entries
        .iter()
        .all(|e| s.app.roster.region.kelurahan_of(e.tps) == kel));
    s.keys("<esc>hhhV");
    let Overlay::Gaps(view) = &s.app.overlay else {
        panic!()
    };
    assert!(matches!(view.scope, Scope::Kecamatan(_)));
}

#[test]
fn search_finds_places_tps_officers_and_niks() {
    let mut s = session(Lang::Id, 80, 24);
    s.keys("/sako 12");
    let Overlay::Search(view) = &s.app.overlay else {
        panic!()
    };
    assert!(view
        .hits
        .iter()
        .any(|h| h.label.starts_with("TPS 12 · Sako ")));
    s.keys("<enter>");
    let Some(Node::Tps(t)) = s.app.selected() else {
        panic!("search jumps to a TPS")
    };
    assert_eq!(s.app.roster.region.tps(t).number, 12);

    // By address.
    s.keys("/16.71.08.1002/12<enter>");
    let Some(Node::Tps(t)) = s.app.selected() else {
        panic!()
    };
    assert_eq!(
        s.app.roster.region.address(t).to_string(),
        "16.71.08.1002/12"
    );

    // By officer name and by NIK: lands on their seat.
    let tps = s.app.roster.region.tps_ids().nth(100).unwrap();
    let officer = s
        .app
        .roster
        .seats_of(tps)
        .iter()
        .flatten()
        .nth(1)
        .unwrap()
        .person
        .clone();
    s.keys(&format!("/{}", officer.nik));
    let Overlay::Search(view) = &s.app.overlay else {
        panic!()
    };
    assert_eq!(view.hits.len(), 1);
    s.keys("<enter>");
    assert_eq!(s.app.selected(), Some(Node::Tps(tps)));
    let seat = s
        .app
        .roster
        .seats_of(tps)
        .iter()
        .position(|x| x.as_ref().is_some_and(|h| h.person.nik == officer.nik));
    assert_eq!(Some(s.app.detail_cursor), seat);
    s.keys(&format!("/{}", officer.name.to_uppercase()));
    let Overlay::Search(view) = &s.app.overlay else {
        panic!()
    };
    assert!(view
        .hits
        .iter()
        .any(|h| h.label.starts_with(officer.name.as_str())));
    // Backspace edits the query; Esc leaves without moving.
    s.keys("<bs><esc>");
    assert_eq!(s.app.overlay, Overlay::None);
    assert_eq!(s.app.selected(), Some(Node::Tps(tps)));
}

#[test]
fn tab_moves_between_panes_and_detail_keys_move_the_seat() {
    let mut s = session(Lang::Id, 80, 24);
    s.keys("n<tab>");
    assert_eq!(s.app.focus, Pane::Detail);
    s.keys("gjj");
    assert_eq!(s.app.detail_cursor, 2);
    s.keys("G");
    assert_eq!(s.app.detail_cursor, 6);
    s.keys("<esc>");
    assert_eq!(s.app.focus, Pane::Tree);
    // In a kelurahan's detail list, Enter opens the TPS most in need.
    let mut s = session(Lang::Id, 80, 24);
    s.keys("ll<enter><tab><enter>");
    let Some(Node::Tps(t)) = s.app.selected() else {
        panic!()
    };
    assert!(s.app.roster.tps_stats(t).needs_attention());
}

#[test]
fn help_is_generated_from_the_keymap() {
    let mut s = session(Lang::En, 120, 40);
    s.keys("?");
    let screen = s.screen().join("\n");
    for b in KEYMAP {
        assert!(
            screen.contains((b.describe)(Lang::En.strings())),
            "help lacks {}",
            b.label
        );
    }
    s.keys("<esc>");
    assert_eq!(s.app.overlay, Overlay::None);
}

#[test]
fn language_switch_and_number_format() {
    let mut s = session(Lang::Id, 80, 24);
    s.keys("n");
    let id = s.screen().join("\n");
    assert!(
        id.contains("KOSONG") && id.contains("Terisi 32.744/33.439"),
        "{id}"
    );
    s.keys("L");
    let en = s.screen().join("\n");
    assert!(
        en.contains("VACANT") && en.contains("Filled 32,744/33,439"),
        "{en}"
    );
}

#[test]
fn a_key_that_changes_nothing_writes_zero_bytes() {
    let mut s = session(Lang::Id, 80, 24);
    assert!(s.first_paint > 0);
    // Up at the top, an unbound key, Esc with nothing open, h on a collapsed kecamatan.
    assert_eq!(s.keys("kz<esc>h"), vec![0, 0, 0, 0]);
    // A real move writes something, and less than a full repaint.
    let moved = s.keys("j")[0];
    assert!(
        moved > 0 && moved < s.first_paint,
        "moved={moved} first={}",
        s.first_paint
    );
}

#[test]
fn frames_are_wrapped_in_synchronized_updates() {
    let mut s = session(Lang::Id, 80, 24);
    s.keys("jn");
    let out = String::from_utf8_lossy(s.output()).to_string();
    assert_eq!(out.matches("\x1b[?2026h").count(), 3);
    assert_eq!(out.matches("\x1b[?2026l").count(), 3);
    // No full clear except the resize.
    assert!(!out.contains("\x1b[2J"));
    s.resize(100, 30);
    assert!(String::from_utf8_lossy(s.output()).contains("\x1b[2J"));
}

#[test]
fn no_color_keeps_every_gap_readable() {
    let mut s = session(Lang::Id, 80, 24);
    s.theme = kpps::tui::ui::Theme { color: false };
    s.keys("n");
    let out = String::from_utf8_lossy(s.output()).to_string();
    let screen = s.screen().join("\n");
    assert!(screen.contains('✗') && screen.contains("KOSONG"));
    // The frame after NO_COLOR took effect sets no foreground colours (38;5 / 3x).
    let last = out.rsplit("\x1b[?2026h").next().unwrap();
    assert!(
        !last.contains("\x1b[38;5;") && !last.contains("\x1b[31m") && !last.contains("\x1b[33m"),
        "{last:?}"
    );
}

#[test]
fn renders_at_tiny_sizes_without_panic() {
    for (w, h) in [(20, 5), (30, 8), (10, 3), (1, 1), (80, 24), (200, 60)] {
        let mut s = session(Lang::Id, w, h);
        s.keys("nlv<esc>/a<esc>?<esc>");
        let _ = s.screen();
    }
}

fn snapshot(name: &str, lang: Lang, w: u16, h: u16, keys: &str) {
    let mut s = session(lang, w, h);
    s.keys(keys);
    insta::assert_snapshot!(name, s.screen().join("\n"));
}

#[test]
fn snapshots_main_screens() {
    for (lang, tag) in [(Lang::Id, "id"), (Lang::En, "en")] {
        for (w, h) in [(80u16, 24u16), (120, 40)] {
            let size = format!("{w}x{h}");
            snapshot(&format!("start_{tag}_{size}"), lang, w, h, "");
            snapshot(&format!("tps_gap_{tag}_{size}"), lang, w, h, "n");
            snapshot(&format!("kelurahan_{tag}_{size}"), lang, w, h, "ll<enter>");
            snapshot(&format!("gaps_view_{tag}_{size}"), lang, w, h, "v");
        }
    }
    snapshot("search_id_80x24", Lang::Id, 80, 24, "/sako 1");
    snapshot("help_en_80x24", Lang::En, 80, 24, "?");
}

#[test]
fn an_empty_store_says_how_to_import_a_roster() {
    let roster = Roster::new(palembang(), ElectionParams::default());
    let mut s = Session::new(App::new(roster, Lang::Id), 80, 24);
    let screen = s.screen().join("\n");
    assert!(screen.contains("kpps import roster"), "{screen}");
    assert!(screen.contains("Terisi 0/33.439"), "{screen}");
    // Every TPS is a gap; n still works.
    s.keys("n");
    assert_eq!(s.app.selected(), Some(Node::Tps(kpps::domain::TpsId(0))));
}

#[test]
fn nik_is_masked_until_revealed_and_hidden_again_when_the_selection_moves() {
    let mut s = session(Lang::Id, 120, 40);
    s.keys("n<tab>g");
    let Some((tps, seat)) = s.app.selected_seat() else {
        panic!()
    };
    let nik = s.app.roster.seat(tps, seat).unwrap().person.nik;
    let screen = s.screen().join("\n");
    assert!(!screen.contains(&nik.to_string()) && screen.contains(&nik.masked()));
    s.keys("*");
    assert!(s.screen().join("\n").contains(&nik.to_string()));
    s.keys("j");
    let screen = s.screen().join("\n");
    assert!(
        !screen.contains(&nik.to_string()),
        "moving the selection hides it again"
    );
    // No full NIK anywhere on any screen by default.
    for keys in ["", "v", "/a", "?"] {
        let mut s = session(Lang::Id, 120, 40);
        s.keys(&format!("n{keys}"));
        let screen = s.screen().join("\n");
        assert!(
            !screen
                .chars()
                .collect::<Vec<_>>()
                .windows(16)
                .any(|w| w.iter().all(char::is_ascii_digit)),
            "{keys}: {screen}"
        );
    }
}

#[test]
fn keys_that_arrive_together_are_searched_once() {
    let mut s = session(Lang::Id, 80, 24);
    for key in kpps::tui::keymap::parse_keys("/sako 12") {
        s.app.handle_key(key);
    }
    let Overlay::Search(view) = &s.app.overlay else {
        panic!()
    };
    assert!(view.stale && view.hits.is_empty(), "no search per key");
    s.app.settle();
    let Overlay::Search(view) = &s.app.overlay else {
        panic!()
    };
    assert!(!view.stale);
    assert!(view
        .hits
        .iter()
        .any(|h| h.label.starts_with("TPS 12 · Sako ")));
    // The event loop's way: the whole burst, then one draw.
    s.keys("<esc>");
    assert!(s.burst("/sako 12") > 0);
    let Overlay::Search(view) = &s.app.overlay else {
        panic!()
    };
    assert!(view
        .hits
        .iter()
        .any(|h| h.label.starts_with("TPS 12 · Sako ")));
}
