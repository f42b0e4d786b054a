//! Flow tests: key strings drive the real `App` and rendering path; assertions on state,
//! screens (insta snapshots, reviewed) and bytes written.

use kpps::demo;
use kpps::domain::gaps::{gaps, vacant_gaps, Scope};
use kpps::domain::{ElectionParams, KelurahanSpec, Region, Roster};
use kpps::io::region_csv::palembang;
use kpps::store::{Store, StoreInfo};
use kpps::text::Lang;
use kpps::tui::app::{Node, Overlay, Pane};
use kpps::tui::keymap::KEYMAP;
use kpps::tui::session::Session;
use kpps::tui::App;
use ratatui::style::Modifier;

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
    // Enter in the same burst as the query acts on the query's hits, not on stale ones.
    s.keys("<esc>");
    s.burst("/16.71.08.1002/12<enter>");
    let Some(Node::Tps(t)) = s.app.selected() else {
        panic!("Enter in a burst jumps to the TPS")
    };
    assert_eq!(
        s.app.roster.region.address(t).to_string(),
        "16.71.08.1002/12"
    );
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

/// The whole screen as one string.
fn text(s: &mut Session) -> String {
    s.screen().join("\n")
}

#[test]
fn phone_sized_screens_keep_the_totals_and_the_quit_key_and_show_one_pane() {
    for (w, h) in [(40u16, 15u16), (50, 30), (60, 20)] {
        let mut s = session(Lang::Id, w, h);
        let screen = s.screen();
        let all = screen.join("\n");
        // Every total whole, and the quit key, whatever the width.
        for total in ["4.777", "32.744/33.439", "695", "11", "1.529"] {
            assert!(screen[..2].join(" ").contains(total), "{w}x{h}: {all}");
        }
        assert!(
            screen.last().unwrap().contains("q keluar"),
            "{w}x{h}: {all}"
        );
        // The tree has the whole width: names are not cut to stubs.
        assert!(all.contains("Seberang Ulu II"), "{w}x{h}: {all}");
        assert!(
            all.contains("Alang-alang Lebar") || h < 20,
            "{w}x{h}: {all}"
        );
        // n shows the TPS it lands on, alone: no tree beside it.
        s.keys("n");
        assert_eq!(s.app.focus, Pane::Detail);
        let all = text(&mut s);
        assert!(all.contains("TPS 11 · 35 Ilir"), "{w}x{h}: {all}");
        assert!(all.contains("KOSONG"), "{w}x{h}: {all}");
        assert!(!all.contains('▾'), "{w}x{h}: tree shown: {all}");
        // Tab (or Esc) goes back to the tree, Enter on a kelurahan shows its TPS.
        s.keys("<esc>");
        assert_eq!(s.app.focus, Pane::Tree);
        let all = text(&mut s);
        assert!(
            all.contains("      TPS 11 ") && !all.contains("KOSONG"),
            "{w}x{h}: {all}"
        );
        s.keys("h<enter>");
        let all = text(&mut s);
        assert_eq!(s.app.focus, Pane::Detail, "{w}x{h}");
        assert!(all.contains("Kelurahan 35 Ilir"), "{w}x{h}: {all}");
        s.keys("<tab>");
        assert_eq!(s.app.focus, Pane::Tree, "{w}x{h}");
    }
    // 70 columns and more: both panes, as before.
    let mut s = session(Lang::Id, 80, 24);
    s.keys("n");
    assert_eq!(s.app.focus, Pane::Tree);
    let all = text(&mut s);
    assert!(all.contains("▾ 35 Ilir") && all.contains("KOSONG"), "{all}");
}

#[test]
fn header_names_the_region_and_the_time_of_the_data_in_its_zone() {
    let mut s = session(Lang::Id, 80, 24);
    let top = s.screen()[0].clone();
    assert!(top.contains("Kota Palembang"), "{top}");
    assert!(top.trim_end().ends_with("per 08:05 WIB"), "{top}");
    // The time moves only with a frame that is drawn anyway: idle, or a key that changes
    // nothing, sends no byte for it.
    s.app.set_clock(Box::new(|| {
        chrono::DateTime::parse_from_rfc3339("2024-02-14T02:47:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc)
    }));
    let before = s.output().len();
    assert_eq!(s.keys("k"), vec![0], "a no-op key draws nothing");
    assert_eq!(s.output().len(), before);
    s.keys("j");
    let top = s.screen()[0].clone();
    assert!(top.trim_end().ends_with("per 09:47 WIB"), "{top}");
    // Only the changed cells travel (the unchanged `:` between them rides along).
    assert!(String::from_utf8_lossy(&s.output()[before..]).contains("9:47"));
    // English, and the narrowest screen.
    let mut s = session(Lang::En, 40, 15);
    let top = s.screen()[0].clone();
    assert!(
        top.contains("Kota Palembang") && top.contains("as of 08:05 WIB"),
        "{top}"
    );

    // A region in Makassar reads WITA, one in Jayapura WIT; a country, Indonesia in WIB.
    let spec = |kec: &str, kec_name: &str, kel: &str, kel_name: &str| KelurahanSpec {
        kecamatan_code: kec.into(),
        kecamatan: kec_name.into(),
        code: kel.into(),
        name: kel_name.into(),
        tps_ranges: vec![(1, 3)],
    };
    let makassar = spec("73.71.01", "Mariso", "73.71.01.1001", "Bontorannu");
    let jayapura = spec("91.71.01", "Jayapura Utara", "91.71.01.1001", "Gurabesi");
    for (specs, place, zone) in [
        (vec![makassar.clone()], "Kota Makassar", "per 09:05 WITA"),
        (vec![jayapura.clone()], "Kota Jayapura", "per 10:05 WIT"),
        (vec![makassar, jayapura], "Indonesia", "per 08:05 WIB"),
    ] {
        let roster = Roster::new(Region::build(specs).unwrap(), ElectionParams::default());
        let mut s = Session::new(App::new(roster, Lang::Id), 80, 24);
        let top = s.screen()[0].clone();
        assert!(top.contains(place) && top.contains(zone), "{top}");
    }
}

#[test]
fn the_log_view_reads_the_clock_of_the_province() {
    let dir = tempfile::tempdir().unwrap();
    let makassar = KelurahanSpec {
        kecamatan_code: "73.71.01".into(),
        kecamatan: "Mariso".into(),
        code: "73.71.01.1001".into(),
        name: "Bontorannu".into(),
        tps_ranges: vec![(1, 3)],
    };
    let roster = Roster::new(
        Region::build(vec![makassar]).unwrap(),
        ElectionParams::default(),
    );
    let created = chrono::DateTime::parse_from_rfc3339("2024-02-14T01:05:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let info = StoreInfo {
        params: roster.params.clone(),
        demo_seed: None,
        regions_source: "makassar".into(),
        created,
    };
    let store = Store::create(&dir.path().join("s"), "kpu", &roster, info).unwrap();
    let at = store.recent_log(1).unwrap()[0].at;
    let wita = (at + chrono::Duration::hours(8))
        .format("%d-%m-%Y %H:%M WITA")
        .to_string();
    let mut s = Session::new(App::with_port(roster, Lang::Id, Box::new(store)), 80, 24);
    s.keys("J");
    let screen = s.screen().join("\n");
    assert!(
        screen.contains(&format!("#1 {wita} kpu")),
        "{wita}\n{screen}"
    );
}

#[test]
fn tps_numbers_are_set_apart_from_kelurahan_names() {
    // Kelurahan names can be numbers ("2 Ilir"): a TPS number is never written next to one
    // without a separator.
    let mut s = session(Lang::Id, 80, 24);
    s.keys("v");
    let Overlay::Gaps(view) = &s.app.overlay else {
        panic!()
    };
    let region = &s.app.roster.region;
    let first = view.entries[0].tps;
    let want = format!(
        "TPS {} · {}",
        region.tps(first).number,
        region.kelurahan(region.kelurahan_of(first)).name
    );
    let screen = text(&mut s);
    assert!(screen.contains(&want), "{want}\n{screen}");
    // In a kecamatan's list too, in one pane and in two.
    for (w, h) in [(80, 24), (40, 15)] {
        let mut s = session(Lang::Id, w, h);
        s.keys("j<enter>");
        if w >= 70 {
            s.keys("<tab>");
        }
        let screen = s.screen();
        let row = screen
            .iter()
            .find(|l| l.contains("✗ kursi"))
            .unwrap_or_else(|| panic!("{}", screen.join("\n")));
        let after = row.rsplit("TPS ").next().unwrap();
        let number: String = after.chars().take_while(char::is_ascii_digit).collect();
        assert!(after[number.len()..].starts_with(" · "), "{w}x{h}: {row:?}");
    }
}

#[test]
fn keys_that_cannot_act_say_why() {
    let mut s = session(Lang::En, 80, 24);
    let status = |s: &Session| s.app.status.clone().unwrap_or_default();
    s.keys("w");
    assert!(status(&s).contains("reserve list"), "{}", status(&s));
    s.keys("n");
    let (tps, seat) = s.app.selected_seat().unwrap();
    assert!(s.app.roster.seat(tps, seat).is_none());
    // * on an empty seat, Enter on it (what can be done), x on it.
    s.keys("*");
    assert!(status(&s).contains("empty: no NIK"), "{}", status(&s));
    s.keys("<tab><enter>");
    assert!(status(&s).contains("r reserves"), "{}", status(&s));
    s.keys("x");
    assert!(status(&s).contains("already empty"), "{}", status(&s));
    // Enter on a filled seat names the keys for it.
    s.keys("g<enter>");
    assert!(status(&s).contains("x vacate"), "{}", status(&s));
    // Change keys in the gaps list: open the TPS first.
    s.keys("vx");
    assert!(status(&s).contains("Open the TPS first"), "{}", status(&s));
    assert!(text(&mut s).contains("Open the TPS first"));
}

#[test]
fn the_seat_a_key_acts_on_is_marked() {
    let mut s = session(Lang::Id, 80, 24);
    s.keys("n");
    let Some((tps, seat)) = s.app.selected_seat() else {
        panic!()
    };
    let marked = |s: &mut Session| -> Vec<String> {
        s.screen()
            .into_iter()
            .filter_map(|l| l.split_once('│').map(|(_, d)| d.to_string()))
            .filter(|d| d.starts_with('›'))
            .collect()
    };
    // The tree has the focus, on the opened TPS: its seat is marked in the detail.
    let rows = marked(&mut s);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].starts_with(&format!("›{seat:>2} ")), "{rows:?}");
    let buf = s.buffer();
    let y = s
        .screen()
        .iter()
        .position(|l| l.contains(&format!("│›{seat:>2} ")))
        .unwrap() as u16;
    let x = s.screen()[y as usize]
        .chars()
        .position(|c| c == '│')
        .unwrap() as u16
        + 1;
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
    // Focus on the detail: the same seat, reversed; j moves the mark.
    s.keys("<tab>");
    let buf = s.buffer();
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
    s.keys("j");
    let rows = marked(&mut s);
    assert!(
        rows[0].starts_with(&format!("›{:>2} ", seat + 1)),
        "{rows:?}"
    );
    // The tree cursor on another TPS: a key would open that one, so nothing is marked here.
    s.keys("<tab>j");
    assert!(matches!(s.app.selected(), Some(Node::Tps(t)) if t != tps));
    assert!(marked(&mut s).is_empty());
}

#[test]
fn help_scrolls_on_a_small_screen() {
    let mut s = session(Lang::Id, 40, 15);
    s.keys("?");
    let first = text(&mut s);
    assert!(
        first.contains("naik") && !first.contains("keluar\n"),
        "{first}"
    );
    assert!(first.contains("j/k PgUp/PgDn"), "{first}");
    // Down to the end: the last keys and the legend come into view; further keys send 0.
    s.keys("<pgdn><pgdn><pgdn><pgdn>");
    let last = text(&mut s);
    assert!(last.contains("  q       keluar"), "{last}");
    assert!(last.contains("tanpa"), "{last}");
    assert_eq!(s.keys("j<pgdn>G"), vec![0, 0, 0]);
    s.keys("g");
    assert_eq!(text(&mut s), first);
    // Every key is on one of the pages.
    let mut seen = String::new();
    s.keys("g");
    for _ in 0..10 {
        seen.push_str(&text(&mut s));
        s.keys("<pgdn>");
    }
    for b in KEYMAP {
        assert!(
            seen.contains((b.describe)(Lang::Id.strings()).split(' ').next().unwrap()),
            "{}",
            b.label
        );
    }
}

#[test]
fn gaps_list_shows_empty_seats_only_on_f_and_says_so() {
    let mut s = session(Lang::Id, 80, 24);
    s.keys("v");
    let all = text(&mut s);
    assert!(!all.contains("hanya kursi kosong"), "{all}");
    s.keys("f");
    let Overlay::Gaps(view) = &s.app.overlay else {
        panic!()
    };
    assert!(view.vacant_only);
    assert_eq!(view.entries, vacant_gaps(&s.app.roster, Scope::All));
    assert!(view.entries.len() < gaps(&s.app.roster, Scope::All).len());
    assert!(view.entries.iter().all(|e| e.flags.is_empty()
        && e.vacant_seats
            .iter()
            .all(|&n| s.app.roster.seat(e.tps, n).is_none())));
    let screen = s.screen();
    assert!(
        screen[2].contains("▼ hanya kursi kosong (f)"),
        "{}",
        screen[2]
    );
    // `v` again opens it as it was left; f once more shows everything.
    s.keys("<esc>v");
    assert!(matches!(&s.app.overlay, Overlay::Gaps(v) if v.vacant_only));
    s.keys("f");
    let Overlay::Gaps(view) = &s.app.overlay else {
        panic!()
    };
    assert_eq!(view.entries, gaps(&s.app.roster, Scope::All));
    // The tree's filter says so on its first row.
    s.keys("<esc>f");
    let screen = s.screen();
    assert!(
        screen[2].contains("hanya yang kurang petugas"),
        "{}",
        screen[2]
    );
    s.keys("f");
    assert!(!text(&mut s).contains("hanya yang kurang petugas"));
}

#[test]
fn long_status_messages_wrap_instead_of_being_cut() {
    let roster = Roster::new(palembang(), ElectionParams::default());
    let mut s = Session::new(App::new(roster, Lang::Id), 40, 15);
    let screen = text(&mut s);
    // "Belum ada petugas. Impor roster: kpps import roster FILE.csv", 60 columns, on 40.
    assert!(
        screen.contains("Belum ada petugas.") && screen.contains("FILE.csv"),
        "{screen}"
    );
    assert!(s.screen().last().unwrap().contains("q keluar"));
}

#[test]
fn snapshots_at_phone_and_desktop_sizes() {
    for (w, h) in [(40u16, 15u16), (50, 30), (80, 24), (120, 40)] {
        let size = format!("{w}x{h}");
        snapshot(&format!("sized_start_id_{size}"), Lang::Id, w, h, "");
        snapshot(&format!("sized_tps_gap_id_{size}"), Lang::Id, w, h, "n");
        snapshot(&format!("sized_help_id_{size}"), Lang::Id, w, h, "?");
    }
    snapshot("sized_help_end_id_40x15", Lang::Id, 40, 15, "?G");
    snapshot("sized_gaps_vacant_en_40x15", Lang::En, 40, 15, "vf");
}

#[test]
fn a_tps_opened_from_an_areas_list_lands_on_the_seat_that_needs_attention() {
    // A TPS with every seat filled but a flagged officer (not in seat 1): Enter on its row of
    // the kelurahan's list opens it on that officer, as the gaps list does.
    let roster = demo_roster();
    let entry = gaps(&roster, Scope::All)
        .into_iter()
        .find(|e| e.vacant_seats.is_empty() && e.flags.first().is_some_and(|(s, _)| *s > 1))
        .expect("a TPS with only a flagged officer");
    let flagged = entry.flags[0].0;
    let kel = roster.region.kelurahan_of(entry.tps);
    let code = roster.region.kelurahan(kel).code.clone();
    let mut s = session(Lang::Id, 120, 40);
    s.keys(&format!("/{code}<enter><tab>"));
    let row = s
        .app
        .detail_entries()
        .iter()
        .position(|e| e.tps == entry.tps)
        .expect("the TPS is in its kelurahan's list");
    s.keys(&format!("{}<enter>", "j".repeat(row)));
    assert_eq!(s.app.selected(), Some(Node::Tps(entry.tps)));
    assert_eq!(s.app.detail_cursor, flagged as usize - 1);
    // The gaps list agrees.
    let mut g = session(Lang::Id, 120, 40);
    g.keys("v");
    let Overlay::Gaps(view) = &g.app.overlay else {
        panic!()
    };
    let at = view
        .entries
        .iter()
        .position(|e| e.tps == entry.tps)
        .unwrap();
    g.keys(&format!("{}<enter>", "j".repeat(at)));
    assert_eq!(g.app.selected(), Some(Node::Tps(entry.tps)));
    assert_eq!(g.app.detail_cursor, flagged as usize - 1);
}
