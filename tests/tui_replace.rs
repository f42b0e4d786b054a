//! Recording replacements from the TUI, end to end: key strings on an app backed by a real
//! store, then the store reopened and checked. Refusals leave the store unchanged.

mod common;

use chrono::{NaiveDate, Utc};
use common::{kpps, stdout, Server, Tmux};
use kpps::demo;
use kpps::domain::{ElectionParams, Event, Nik, Person, Reserve, Roster, Screening, Sex, TpsId};
use kpps::io::region_csv::palembang;
use kpps::store::{Record, Store, StoreInfo};
use kpps::text::Lang;
use kpps::tui::app::{Node, Overlay};
use kpps::tui::session::Session;
use kpps::tui::App;

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture::with(|_| {})
    }

    /// The demo roster changed by `change` before the store is created from it.
    fn with(change: impl FnOnce(&mut Roster)) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let mut roster = demo::generate(palembang(), ElectionParams::default(), demo::DEFAULT_SEED);
        change(&mut roster);
        let info = StoreInfo {
            params: ElectionParams::default(),
            demo_seed: Some(demo::DEFAULT_SEED),
            regions_source: "test".into(),
            created: Utc::now(),
        };
        drop(Store::create(&path, "setup", &roster, info).unwrap());
        Fixture { _dir: dir, path }
    }

    fn session(&self, lang: Lang) -> Session {
        self.sized(lang, 80, 24)
    }

    fn sized(&self, lang: Lang, w: u16, h: u16) -> Session {
        let store = Store::open(&self.path, "pps-tester").unwrap();
        let roster = store.load().unwrap();
        Session::new(App::with_port(roster, lang, Box::new(store)), w, h)
    }

    /// Reopens the store from disk (the session must have been dropped).
    fn reopen(&self) -> (Store, Roster) {
        let store = Store::open(&self.path, "checker").unwrap();
        let roster = store.load().unwrap();
        (store, roster)
    }
}

fn selected_tps(s: &Session) -> TpsId {
    match s.app.selected() {
        Some(Node::Tps(t)) => t,
        other => panic!("expected a TPS, got {other:?}"),
    }
}

fn status(s: &Session) -> String {
    s.app.status.clone().unwrap_or_default()
}

#[test]
fn fill_from_reserves_in_four_keys_and_it_survives_reopen() {
    let fx = Fixture::new();
    let mut s = fx.session(Lang::Id);
    let vacant_before = s.app.roster.total().vacant;
    s.keys("n");
    let tps = selected_tps(&s);
    let seat = s.app.detail_cursor as u8 + 1;
    let kel = s.app.roster.region.kelurahan_of(tps);
    let best = s
        .app
        .roster
        .reserve_candidates(tps, false)
        .into_iter()
        .find(|c| c.eligible())
        .unwrap();
    let reserve = s
        .app
        .roster
        .reserves(kel)
        .iter()
        .find(|r| r.rank == best.rank)
        .unwrap()
        .person
        .clone();
    // n r Enter y: four keystrokes from the gap.
    s.keys("r<enter>y");
    assert!(status(&s).starts_with("✓ Tersimpan"), "{}", status(&s));
    assert_eq!(s.app.roster.seat(tps, seat).unwrap().person, reserve);
    assert_eq!(s.app.roster.total().vacant, vacant_before - 1);
    drop(s);
    let (store, roster) = fx.reopen();
    assert_eq!(roster.seat(tps, seat).unwrap().person, reserve);
    assert!(
        roster.reserves(kel).iter().all(|r| r.rank != best.rank),
        "appointed reserve left the list"
    );
    assert_eq!(roster.total().vacant, vacant_before - 1);
    let last = store.recent_log(1).unwrap().remove(0);
    assert_eq!(last.actor, "pps-tester");
}

#[test]
fn widening_offers_reserves_of_other_kelurahan_in_the_kecamatan() {
    let fx = Fixture::new();
    let mut s = fx.session(Lang::Id);
    s.keys("nr");
    let Overlay::Reserves(narrow) = &s.app.overlay else {
        panic!("r opens reserves")
    };
    let here = s.app.roster.region.kelurahan_of(narrow.tps);
    assert!(narrow.candidates.iter().all(|c| c.kelurahan == here));
    let narrow_len = narrow.candidates.len();
    s.keys("w");
    let Overlay::Reserves(wide) = &s.app.overlay else {
        panic!()
    };
    assert!(wide.wide && wide.candidates.len() > narrow_len);
    let kec = s.app.roster.region.kelurahan(here).kecamatan;
    assert!(wide
        .candidates
        .iter()
        .all(|c| s.app.roster.region.kelurahan(c.kelurahan).kecamatan == kec));
    // Pick one from another kelurahan.
    let i = wide
        .candidates
        .iter()
        .position(|c| c.kelurahan != here && c.eligible())
        .unwrap();
    let pick = wide.candidates[i].clone();
    let tps = wide.tps;
    let seat = wide.seat;
    s.keys(&format!("g{}<enter>y", "j".repeat(i)));
    assert!(status(&s).starts_with("✓"), "{}", status(&s));
    drop(s);
    let (_, roster) = fx.reopen();
    assert!(roster.seat(tps, seat).is_some());
    assert!(roster
        .reserves(pick.kelurahan)
        .iter()
        .all(|r| r.rank != pick.rank));
}

#[test]
fn vacate_with_a_ground_then_absent_and_back() {
    let fx = Fixture::new();
    let mut s = fx.session(Lang::En);
    // A full TPS: the first kecamatan's first kelurahan's first TPS is complete in the demo.
    let tps = s
        .app
        .roster
        .region
        .tps_ids()
        .find(|&t| s.app.roster.tps_stats(t).vacant == 0)
        .unwrap();
    assert_eq!(tps, TpsId(0), "the demo's first TPS is complete");
    s.keys("llll");
    assert_eq!(selected_tps(&s), tps);
    let person = s.app.roster.seat(tps, 1).unwrap().person.clone();
    // x (nothing chosen yet), choose "resigned" (third ground), confirm.
    s.keys("xjjj<enter>");
    assert!(matches!(s.app.overlay, Overlay::Confirm { .. }));
    s.keys("y");
    assert!(s.app.roster.seat(tps, 1).is_none());
    assert!(
        s.app.roster.tps_stats(tps).ketua_missing,
        "no Ketua shows at once"
    );
    // Seat 2: absent today (the fifth choice), then back.
    s.keys("<tab>jx<end><enter>y");
    assert!(s.app.roster.seat(tps, 2).unwrap().absent);
    assert_eq!(s.app.roster.tps_stats(tps).vacant, 2);
    s.keys("x<end><enter>y");
    assert!(!s.app.roster.seat(tps, 2).unwrap().absent);
    drop(s);
    let (store, roster) = fx.reopen();
    assert!(roster.seat(tps, 1).is_none());
    assert!(!roster.seat(tps, 2).unwrap().absent);
    // History keeps the person who left.
    let history = store.tps_history(tps).unwrap();
    assert_eq!(history.len(), 3);
    match &history[0].record {
        Record::Change(kpps::domain::Event::SeatVacated {
            person: p, reason, ..
        }) => {
            assert_eq!(p, &person);
            assert_eq!(*reason, kpps::domain::VacateReason::Resigned);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn direct_appointment_form_validates_and_prefills() {
    let fx = Fixture::new();
    let mut s = fx.session(Lang::Id);
    s.keys("n");
    let tps = selected_tps(&s);
    let seat = s.app.detail_cursor as u8 + 1;
    s.keys("p");
    let Overlay::Form(_) = &s.app.overlay else {
        panic!("p opens the form")
    };
    // Enter with nothing filled in: refused, form stays, status names the field.
    s.keys("<enter>");
    assert!(matches!(s.app.overlay, Overlay::Form(_)));
    assert!(status(&s).starts_with("Nama"), "{}", status(&s));
    // A woman born 17-08-1990 in Kota Palembang: the NIK fills birth date and sex.
    s.keys("Siti Aminah<tab>1671015708900003");
    let Overlay::Form(form) = &s.app.overlay else {
        panic!()
    };
    assert_eq!(form.birth, "17-08-1990");
    assert_eq!(form.sex, Some(kpps::domain::Sex::P));
    s.keys("<tab><tab><tab>081234567890<tab><space><tab><space><tab>12/BA/PPS/2024<enter>");
    let Overlay::Confirm { question, .. } = &s.app.overlay else {
        panic!("valid form asks to confirm")
    };
    assert!(question.contains("Siti Aminah"));
    s.keys("y");
    assert!(status(&s).contains("BA 12/BA/PPS/2024"), "{}", status(&s));
    drop(s);
    let (_, roster) = fx.reopen();
    let h = roster.seat(tps, seat).unwrap();
    assert_eq!(h.person.name, "Siti Aminah");
    assert_eq!(h.person.phone.as_deref(), Some("081234567890"));
    assert_eq!(h.person.screening, kpps::domain::Screening::AtRisk);
    assert!(!h.person.jkn);
}

#[test]
fn refusals_say_why_and_leave_the_store_unchanged() {
    let fx = Fixture::new();
    let before = {
        let (store, roster) = fx.reopen();
        (store.log_entries().count(), roster.total())
    };
    let mut s = fx.session(Lang::En);
    s.keys("n");
    // Duplicate NIK: someone already seated anywhere in the city.
    let taken = s
        .app
        .roster
        .seats_of(TpsId(4000))
        .iter()
        .flatten()
        .next()
        .unwrap()
        .person
        .nik
        .to_string();
    s.keys(&format!("pDuplicate Person<tab>{taken}<enter>"));
    assert!(
        matches!(s.app.overlay, Overlay::Form(_)),
        "a duplicate NIK never reaches confirm"
    );
    assert!(status(&s).contains("already registered"), "{}", status(&s));
    s.keys("<esc>");
    // Under-age: 16 on voting day (born 2007-08-17, NIK consistent).
    s.keys("pYoung Person<tab>1671011708070001<enter>");
    assert!(status(&s).contains("minimum is 17"), "{}", status(&s));
    s.keys("<esc>");
    // Filling a filled seat: r and p both refuse on a filled seat.
    s.keys("<tab>g");
    assert!(
        s.app.roster.seat(selected_tps(&s), 1).is_some(),
        "the first gap TPS has its Ketua"
    );
    s.keys("r");
    assert!(status(&s).contains("vacate it first"), "{}", status(&s));
    s.keys("p");
    assert!(matches!(s.app.overlay, Overlay::None));
    assert!(status(&s).contains("vacate it first"), "{}", status(&s));
    // A second Ketua: designating a member while seat 1 is filled.
    s.keys("jjK");
    assert!(matches!(s.app.overlay, Overlay::None));
    assert!(
        status(&s).contains("Ketua seat is filled"),
        "{}",
        status(&s)
    );
    drop(s);
    let (store, roster) = fx.reopen();
    assert_eq!((store.log_entries().count(), roster.total()), before);
}

#[test]
fn a_reserve_appointed_elsewhere_meanwhile_is_refused() {
    let fx = Fixture::new();
    let mut s = fx.session(Lang::En);
    s.keys("nr<enter>");
    let Overlay::Confirm { command, .. } = s.app.overlay.clone() else {
        panic!()
    };
    let kpps::domain::Command::FillFromReserve {
        kelurahan, rank, ..
    } = command
    else {
        panic!()
    };
    // Meanwhile the same reserve was appointed (simulated on the same roster through the
    // same store): take them off the list by filling another empty seat.
    let other = s
        .app
        .roster
        .region
        .kelurahan(kelurahan)
        .tps
        .clone()
        .map(TpsId)
        .find(|&t| {
            s.app.roster.seats_of(t).iter().any(|x| x.is_none())
                && Some(t) != Some(selected_tps(&s))
        });
    let other_tps = other.expect("the kelurahan has another empty seat");
    {
        let seat = s
            .app
            .roster
            .seats_of(other_tps)
            .iter()
            .position(|x| x.is_none())
            .unwrap() as u8
            + 1;
        let cmd = kpps::domain::Command::FillFromReserve {
            tps: other_tps,
            seat,
            kelurahan,
            rank,
        };
        let event = s.app.roster.decide(&cmd).unwrap();
        s.app.roster.apply(&event);
        s.keys("y");
        assert!(status(&s).contains("already appointed"), "{}", status(&s));
    }
}

#[test]
fn ketua_designation_moves_the_vacancy_and_undo_reverses_it() {
    let fx = Fixture::new();
    let mut s = fx.session(Lang::Id);
    // A TPS whose Ketua seat is empty (not merely absent today), reached by search.
    let tps = kpps::domain::gaps::gaps(&s.app.roster, kpps::domain::gaps::Scope::All)
        .into_iter()
        .map(|e| e.tps)
        .find(|&t| s.app.roster.seat(t, 1).is_none() && s.app.roster.seat(t, 3).is_some())
        .unwrap();
    let address = s.app.roster.region.address(tps).to_string();
    s.keys(&format!("/{address}<enter>"));
    assert_eq!(selected_tps(&s), tps);
    assert!(s.app.roster.tps_stats(tps).ketua_missing);
    let member = s.app.roster.seat(tps, 3).unwrap().person.clone();
    s.keys("<tab>gjjK");
    assert!(
        matches!(s.app.overlay, Overlay::Confirm { .. }),
        "{}",
        status(&s)
    );
    s.keys("y");
    assert_eq!(s.app.roster.seat(tps, 1).unwrap().person, member);
    assert!(s.app.roster.seat(tps, 3).is_none());
    assert!(!s.app.roster.tps_stats(tps).ketua_missing);
    // Undo: a compensating event; history shows both.
    s.keys("uy");
    assert!(s.app.roster.seat(tps, 1).is_none());
    assert_eq!(s.app.roster.seat(tps, 3).unwrap().person, member);
    s.keys("u");
    assert!(status(&s).contains("Belum ada perubahan"), "{}", status(&s));
    s.keys("H");
    let Overlay::History { stints, .. } = &s.app.overlay else {
        panic!("H opens history")
    };
    assert!(stints
        .iter()
        .any(|st| st.seat == 1 && st.name == member.name));
    s.keys("<esc>J");
    let Overlay::Log { entries, .. } = &s.app.overlay else {
        panic!("J opens the log")
    };
    assert!(matches!(
        entries[0].record,
        Record::Change(kpps::domain::Event::Undone { .. })
    ));
    drop(s);
    let (store, roster) = fx.reopen();
    assert_eq!(roster.seat(tps, 3).unwrap().person, member);
    assert_eq!(store.tps_history(tps).unwrap().len(), 2);
}

#[test]
fn without_a_store_the_app_is_view_only() {
    let roster = demo::generate(palembang(), ElectionParams::default(), demo::DEFAULT_SEED);
    let mut s = Session::new(App::new(roster, Lang::En), 80, 24);
    s.keys("nr<enter>y");
    assert!(status(&s).contains("view only"), "{}", status(&s));
}

fn snap(name: &str, keys: &str, w: u16, h: u16) {
    let fx = Fixture::new();
    let store = Store::open(&fx.path, "pps-tester").unwrap();
    let roster = store.load().unwrap();
    let mut s = Session::new(App::with_port(roster, Lang::Id, Box::new(store)), w, h);
    s.keys(keys);
    let screen = s.screen().join("\n");
    // Times in history and status depend on the clock: mask them.
    let masked = regex_lite_mask(&screen);
    insta::assert_snapshot!(name, masked);
}

/// Replaces `dd-mm-yyyy hh:mm WIB` with a fixed placeholder.
fn regex_lite_mask(s: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let window: String = chars[i..(i + 20).min(chars.len())].iter().collect();
        let b = window.as_bytes();
        if b.len() >= 20 && window.ends_with("WIB") && b[2] == b'-' && b[5] == b'-' && b[13] == b':'
        {
            out.push_str("DD-MM-YYYY hh:mm WIB");
            i += 20;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn snapshots_of_reserves_form_and_history() {
    snap("reserves_id_80x24", "nr", 80, 24);
    snap("reserves_wide_id_120x40", "nrw", 120, 40);
    snap("form_id_80x24", "npBudi Santoso<tab>16710117089", 80, 24);
    snap("confirm_id_80x24", "nr<enter>", 80, 24);
    snap("history_id_120x40", "nr<enter>yxj<enter>yH", 120, 40);
    for (w, h) in [(40u16, 15u16), (50, 30), (80, 24), (120, 40)] {
        let size = format!("{w}x{h}");
        snap(&format!("sized_reserves_id_{size}"), "nr", w, h);
        snap(
            &format!("sized_form_id_{size}"),
            "npBudi Santoso<tab>16710117089<enter>",
            w,
            h,
        );
    }
    snap("sized_form_last_field_id_40x15", "np<up>", 40, 15);
}

#[test]
fn a_form_error_goes_as_soon_as_the_field_is_fixed() {
    let fx = Fixture::new();
    let mut s = fx.session(Lang::Id);
    s.keys("np<enter>");
    assert_eq!(status(&s), "Nama: wajib diisi");
    // One letter makes the name valid: the error is gone at once, from screen too.
    s.keys("B");
    assert_eq!(s.app.status, None);
    assert!(!s.screen().join("\n").contains("wajib diisi"));
    // A NIK too short: the message follows the digits typed, then goes.
    s.keys("udi<tab>16710117<enter>");
    assert_eq!(status(&s), "NIK: 8/16 digit");
    s.keys("0");
    assert_eq!(status(&s), "NIK: 9/16 digit");
    s.keys("8900003");
    assert_eq!(s.app.status, None, "a valid NIK clears it");
    // Keys that fix nothing leave it: Tab to another field keeps the date's error.
    s.keys("<bs><bs><bs><bs><bs><bs><bs><bs><bs><bs><bs><bs><bs><bs><bs><bs>");
    s.keys("1671015708900003<tab><bs><bs><bs><bs><bs><bs><bs><bs><bs><bs><enter>");
    assert!(status(&s).starts_with("Tgl lahir"), "{}", status(&s));
    s.keys("<tab>");
    assert!(status(&s).starts_with("Tgl lahir"), "{}", status(&s));
}

#[test]
fn the_form_works_on_a_40x15_phone() {
    let fx = Fixture::new();
    let mut s = fx.sized(Lang::Id, 40, 15);
    s.keys("n");
    let tps = selected_tps(&s);
    let seat = s.app.detail_cursor as u8 + 1;
    s.keys("p");
    // Every field comes into view as the cursor reaches it; the one in hand is marked.
    for label in [
        "Nama",
        "NIK",
        "Tgl lahir",
        "Kelamin",
        "Telepon",
        "Skrining",
        "JKN",
        "No. BA",
    ] {
        let screen = s.screen().join("\n");
        assert!(
            screen.contains(&format!("│› {label}")),
            "{label} not in view:\n{screen}"
        );
        s.keys("<tab>");
    }
    // Nothing in the dialog is cut: its title (the seat and TPS), its hints, and a long
    // note (where a NIK already sits) wrap onto lines of their own.
    let taken_tps = TpsId(4000);
    let (taken_seat, taken) = (1..=7u8)
        .find_map(|n| s.app.roster.seat(taken_tps, n).map(|h| (n, h.person.nik)))
        .unwrap();
    s.keys(&format!("Siti Aminah<tab>{taken}"));
    let dialog = dialog_text(&s.screen());
    let address = s.app.roster.region.address(tps).to_string();
    let taken_at = format!(
        "sudah terdaftar: KPPS {taken_seat} TPS {}",
        s.app.roster.region.address(taken_tps)
    );
    for whole in [
        format!("Penunjukan langsung → KPPS {seat} · TPS {address}"),
        "Enter simpan · Esc batal".to_string(),
        taken_at,
    ] {
        assert!(dialog.contains(&whole), "{whole:?} not whole in {dialog:?}");
    }
    s.keys(&format!(
        "{}1671015708900003<tab><tab><tab>081234567890<tab><tab><tab>7/BA/2024",
        "<bs>".repeat(16)
    ));
    let screen = s.screen().join("\n");
    assert!(screen.contains("7/BA/2024"), "{screen}");
    s.keys("<enter>");
    let Overlay::Confirm { .. } = &s.app.overlay else {
        panic!("{}", status(&s))
    };
    // The question wraps on 40 columns: the name and the seat are both on screen.
    let screen = s.screen().join("\n");
    assert!(
        screen.contains("Siti Aminah") && screen.contains(&format!("KPPS {seat}")),
        "{screen}"
    );
    s.keys("y");
    assert!(status(&s).starts_with("✓ Tersimpan"), "{}", status(&s));
    drop(s);
    let (_, roster) = fx.reopen();
    assert_eq!(roster.seat(tps, seat).unwrap().person.name, "Siti Aminah");
}

/// The text inside a dialog's frame, its lines joined by spaces (wrapped lines read whole).
fn dialog_text(screen: &[String]) -> String {
    let mut out = Vec::new();
    for line in screen {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix('┌') {
            out.push(rest.trim_end_matches(['─', '┐', '↓', '↑', '↕']).to_string());
        } else if let Some(inner) = t.strip_prefix('│').and_then(|t| t.strip_suffix('│')) {
            out.push(inner.trim().to_string());
        }
    }
    out.join(" ")
}

#[test]
fn phones_show_in_the_detail_and_the_reserve_picker() {
    let fx = Fixture::new();
    for (w, h) in [(80u16, 24u16), (40, 15), (120, 40)] {
        let mut s = fx.sized(Lang::Id, w, h);
        // A filled seat with a phone: its number is on screen when selected.
        s.keys("n");
        let tps = selected_tps(&s);
        let seat = (1..=7)
            .find(|&n| {
                s.app
                    .roster
                    .seat(tps, n)
                    .is_some_and(|h| h.person.phone.is_some())
            })
            .unwrap();
        let phone = s
            .app
            .roster
            .seat(tps, seat)
            .unwrap()
            .person
            .phone
            .clone()
            .unwrap();
        if w >= 70 {
            s.keys("<tab>");
        }
        s.keys(&format!("g{}", "j".repeat(seat as usize - 1)));
        let screen = s.screen().join("\n");
        assert!(
            screen.contains(&format!("HP {phone}")),
            "{w}x{h}:\n{screen}"
        );
        // The reserve picker: the first reserve's phone.
        s.keys("<esc>");
        s.keys("n");
        let kel = s.app.roster.region.kelurahan_of(selected_tps(&s));
        s.keys("r");
        let Overlay::Reserves(view) = &s.app.overlay else {
            panic!("{}", status(&s))
        };
        let c = &view.candidates[view.cursor];
        let r = s
            .app
            .roster
            .reserves(c.kelurahan)
            .iter()
            .find(|r| r.rank == c.rank)
            .unwrap();
        assert_eq!(c.kelurahan, kel);
        let phone = r
            .person
            .phone
            .clone()
            .expect("the demo reserve has a phone");
        let screen = s.screen().join("\n");
        assert!(
            screen.contains(&format!("HP {phone}")),
            "{w}x{h}:\n{screen}"
        );
    }
}

/// The TPS `n` lands on from the start screen: the first with a vacancy.
fn first_gap(roster: &Roster) -> TpsId {
    roster
        .region
        .tps_ids()
        .find(|&t| roster.tps_stats(t).has_gap())
        .unwrap()
}

/// A man born 17-08-1990 with a NIK of `tps`'s kecamatan that the roster does not hold.
fn reserve_person(roster: &Roster, tps: TpsId, name: &str, serial: u16, s: Screening) -> Person {
    let region = &roster.region;
    let kec = region.kecamatan(region.kecamatan_of(tps));
    let region6: u32 = kec.code.replace('.', "").parse().unwrap();
    let birth = NaiveDate::from_ymd_opt(1990, 8, 17).unwrap();
    let nik = Nik::compose(region6, birth, Sex::L, serial);
    assert!(roster.locate_nik(nik).is_none(), "test NIK collides");
    Person {
        name: name.into(),
        nik,
        birth_date: birth,
        sex: Sex::L,
        phone: None,
        screening: s,
        jkn: true,
    }
}

#[test]
fn at_risk_reserves_come_last_marked_and_need_a_second_confirmation() {
    let fx = Fixture::with(|roster| {
        let tps = first_gap(roster);
        let kel = roster.region.kelurahan_of(tps);
        let reserves = [
            (1, "Risiko Satu", Screening::AtRisk),
            (2, "Bersih Dua", Screening::NotAtRisk),
            (3, "Belum Tiga", Screening::NotScreened),
        ]
        .into_iter()
        .map(|(rank, name, screening)| {
            let person = reserve_person(roster, tps, name, 9_990 + rank as u16, screening);
            (
                kel,
                Reserve {
                    rank,
                    person,
                    tps: None,
                },
            )
        })
        .collect();
        roster.apply(&Event::ReservesImported {
            file: "test".into(),
            cleared: vec![kel],
            reserves,
        });
        // A second empty seat in that TPS, after the one `n` lands on.
        let first_empty = (1..=7).find(|&s| roster.seat(tps, s).is_none()).unwrap();
        let seat = (first_empty + 1..=7)
            .find(|&s| roster.seat(tps, s).is_some())
            .unwrap();
        let left = roster
            .decide(&kpps::domain::Command::Vacate {
                tps,
                seat,
                reason: kpps::domain::VacateReason::Resigned,
            })
            .unwrap();
        roster.apply(&left);
    });
    let mut s = fx.session(Lang::Id);
    s.keys("nr");
    let tps = selected_tps(&s);
    let seat = s.app.detail_cursor as u8 + 1;
    let Overlay::Reserves(view) = &s.app.overlay else {
        panic!("r opens the reserves")
    };
    let ranks: Vec<u32> = view.candidates.iter().map(|c| c.rank).collect();
    assert_eq!(
        ranks,
        vec![2, 1, 3],
        "the clean reserve first, at-risk ones last"
    );
    assert_eq!(view.cursor, 0, "the cursor starts on the clean one");
    let screen = s.screen().join("\n");
    for (name, risk) in [
        ("Risiko Satu", "berisiko"),
        ("Belum Tiga", "belum skrining"),
    ] {
        let line = screen.lines().find(|l| l.contains(name)).unwrap();
        assert!(line.contains(&format!("⚑ {risk}")), "{line}");
    }
    // Choosing the at-risk one: the usual question, then one that names the risk.
    s.keys("j<enter>");
    assert!(matches!(s.app.overlay, Overlay::Confirm { .. }));
    s.keys("y");
    let Overlay::Confirm { question, .. } = &s.app.overlay else {
        panic!("a second question: {}", status(&s))
    };
    assert!(
        question.contains("Berisiko kesehatan (berisiko)") && question.contains("Risiko Satu"),
        "{question}"
    );
    assert!(question.contains("tetap angkat?"), "{question}");
    assert!(s.app.roster.seat(tps, seat).is_none(), "not appointed yet");
    s.keys("<esc>");
    assert!(
        s.app.roster.seat(tps, seat).is_none(),
        "Esc appoints nobody"
    );
    // The fast path takes the clean one.
    s.keys("r<enter>y");
    assert!(status(&s).starts_with("✓ Tersimpan"), "{}", status(&s));
    assert_eq!(
        s.app.roster.seat(tps, seat).unwrap().person.name,
        "Bersih Dua"
    );
    // And an at-risk one is appointed after both answers.
    s.keys("<tab>");
    let next_empty = s
        .app
        .roster
        .seats_of(tps)
        .iter()
        .position(Option::is_none)
        .expect("another empty seat") as u8
        + 1;
    s.keys(&format!("g{}r<enter>", "j".repeat(next_empty as usize - 1)));
    let Overlay::Confirm { .. } = &s.app.overlay else {
        panic!("{}", status(&s))
    };
    s.keys("yy");
    assert!(status(&s).starts_with("✓ Tersimpan"), "{}", status(&s));
    assert_eq!(
        s.app.roster.seat(tps, next_empty).unwrap().person.name,
        "Risiko Satu"
    );
    drop(s);
    let (_, roster) = fx.reopen();
    assert_eq!(roster.seat(tps, seat).unwrap().person.name, "Bersih Dua");
    assert_eq!(
        roster.seat(tps, next_empty).unwrap().person.name,
        "Risiko Satu"
    );
}

/// The demo store, served by `kpps serve`, with the real TUI on it in tmux (80×24).
struct Served {
    dir: tempfile::TempDir,
    db: std::path::PathBuf,
    server: Option<Server>,
    tui: Option<Tmux>,
}

impl Served {
    fn demo() -> Served {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("store");
        stdout(&kpps(&db, &["demo"]));
        Served {
            dir,
            db,
            server: None,
            tui: None,
        }
    }

    fn start(&mut self) -> &Tmux {
        self.start_sized(80, 24)
    }

    fn start_sized(&mut self, w: u16, h: u16) -> &Tmux {
        self.server = Some(Server::start(&self.db, &[]));
        let command = format!(
            "exec {} --db {}",
            env!("CARGO_BIN_EXE_kpps"),
            self.db.display()
        );
        let tui = Tmux::start(self.dir.path(), w, h, &command);
        tui.wait_for_screen("the TUI", |s| s.contains("33.439"));
        self.tui.insert(tui)
    }

    /// The newest log entry's number and description, through the server.
    fn last_change(&self) -> (u64, String) {
        let log = stdout(&kpps(
            &self.db,
            &["log", "--format", "json", "--limit", "1"],
        ));
        let json: serde_json::Value = serde_json::from_str(&log).unwrap();
        (
            json[0]["seq"].as_u64().unwrap(),
            json[0]["description"].as_str().unwrap().to_string(),
        )
    }
}

#[test]
fn x_enter_y_records_nothing_without_a_chosen_ground() {
    let mut served = Served::demo();
    let tui = served.start();
    // The first TPS (complete in the demo), its Ketua's seat.
    for key in ["l", "l", "l", "l"] {
        tui.send(key);
    }
    tui.wait_for_screen("the first TPS", |s| s.contains("TPS 1 "));
    let before = served.last_change();
    let tui = served.tui.as_ref().unwrap();
    for key in ["x", "Enter", "y"] {
        tui.send(key);
    }
    let screen = tui.wait_for_screen("the request to choose", |s| s.contains("Pilih alasan dulu"));
    assert!(
        screen.contains("Kosongkan kursi"),
        "the menu stays: {screen}"
    );
    assert!(!screen.contains("meninggal dunia ·"), "{screen}");
    assert_eq!(served.last_change(), before, "nothing recorded");
    // Choosing a ground is one key more, and records that ground.
    let tui = served.tui.as_ref().unwrap();
    for key in ["j", "Enter", "y"] {
        tui.send(key);
    }
    tui.wait_for_screen("the saved change", |s| s.contains("Tersimpan #"));
    let (seq, what) = served.last_change();
    assert_eq!(seq, before.0 + 1);
    assert!(what.contains("meninggal dunia"), "{what}");
}

#[test]
fn n_r_enter_y_never_appoints_an_at_risk_reserve_without_the_named_question() {
    let mut served = Served::demo();
    // The first gap's kelurahan has one reserve, at risk.
    let address = {
        let store = Store::open(&served.db, "t").unwrap();
        let roster = store.load().unwrap();
        let tps = first_gap(&roster);
        let kel = roster.region.kelurahan_of(tps);
        let p = reserve_person(&roster, tps, "Risiko Satu", 9_991, Screening::AtRisk);
        let code = roster.region.kelurahan(kel).code.clone();
        let csv = format!(
            "kelurahan_code,peringkat,nama,nik,tanggal_lahir,jenis_kelamin,telepon,skrining,jkn\n\
             {code},1,{},{},1990-08-17,L,,berisiko,ya\n",
            p.name, p.nik
        );
        let file = served.dir.path().join("reserves.csv");
        std::fs::write(&file, csv).unwrap();
        drop(store);
        stdout(&kpps(
            &served.db,
            &["import", "reserves", "--replace", file.to_str().unwrap()],
        ));
        roster.region.address(tps).to_string()
    };
    let tui = served.start();
    for key in ["n", "r", "Enter", "y"] {
        tui.send(key);
    }
    let screen = tui.wait_for_screen("the question naming the risk", |s| {
        s.contains("tetap angkat?")
    });
    assert!(screen.contains("Berisiko kesehatan (berisiko)"), "{screen}");
    assert!(screen.contains("Risiko Satu"), "{screen}");
    let before = served.last_change();
    assert!(
        !before.1.contains("Risiko Satu"),
        "not appointed: {before:?}"
    );
    // The named question answered: appointed.
    let tui = served.tui.as_ref().unwrap();
    tui.send("y");
    tui.wait_for_screen("the saved change", |s| s.contains("Tersimpan #"));
    let (seq, what) = served.last_change();
    assert_eq!(seq, before.0 + 1);
    assert!(what.contains("Risiko Satu"), "{what}");
    assert!(what.contains(&address), "{what}");
}

#[test]
fn on_a_40x15_phone_terminal_n_r_enter_y_fills_a_seat_and_the_totals_stay_whole() {
    let mut served = Served::demo();
    let tui = served.start_sized(40, 15);
    let screen = tui.wait_for_screen("the header and footer", |s| {
        s.contains("32.744/33.439") && s.contains("q keluar")
    });
    let lines: Vec<&str> = screen.lines().collect();
    assert!(lines[0].contains("Kota Palembang"), "{screen}");
    assert!(
        lines[0].contains(" WIB") && lines[0].contains("per "),
        "{screen}"
    );
    for total in ["4.777", "✗695", "!11", "⚑1.529"] {
        assert!(lines[1].contains(total), "{screen}");
    }
    // n shows the TPS alone, on the first empty seat, marked.
    tui.send("n");
    let screen = tui.wait_for_screen("the TPS", |s| s.contains("TPS 11 · 35 Ilir"));
    assert!(screen.contains("› 2 Angg.  ✗ KOSONG"), "{screen}");
    assert!(!screen.contains('▾'), "one pane only: {screen}");
    let before = served.last_change();
    let tui = served.tui.as_ref().unwrap();
    for key in ["r", "Enter"] {
        tui.send(key);
    }
    let screen = tui.wait_for_screen("the question", |s| s.contains("y simpan"));
    assert!(
        screen.contains("Angkat") && screen.contains("KPPS 2"),
        "{screen}"
    );
    tui.send("y");
    let screen = tui.wait_for_screen("the saved change", |s| s.contains("Tersimpan #"));
    assert!(screen.contains("32.745/33.439"), "{screen}");
    assert!(
        screen.lines().last().unwrap().contains("q keluar"),
        "{screen}"
    );
    let (seq, what) = served.last_change();
    assert_eq!(seq, before.0 + 1);
    assert!(what.contains("16.71.01.1001/11"), "{what}");
}

#[test]
fn a_viewer_is_told_at_once_that_changes_are_not_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store");
    stdout(&kpps(&db, &["demo"]));
    let me = kpps::store::os_user();
    let file = dir.path().join("coordinators.csv");
    std::fs::write(&file, format!("user,role,area\n{me},viewer,\n")).unwrap();
    let server = Server::start(&db, &["--coordinators", file.to_str().unwrap()]);
    let (client, roster) = kpps::net::client::Client::connect(&server.socket).unwrap();
    let mut s = Session::new(App::with_port(roster, Lang::En, Box::new(client)), 80, 24);
    // The footer offers a viewer no change keys.
    let footer = s.screen().last().unwrap().clone();
    assert!(
        !footer.contains("x vacate") && footer.contains("q quit"),
        "{footer}"
    );
    // Every change key says why at once, with or without a seat chosen.
    for keys in ["x", "r", "p", "K", "nx", "r", "p"] {
        s.keys(keys);
        assert!(
            status(&s).contains("may view but not change"),
            "{keys}: {}",
            status(&s)
        );
        assert_eq!(s.app.overlay, Overlay::None);
    }
}

#[test]
fn a_seat_history_scrolls_no_further_than_its_end() {
    let fx = Fixture::new();
    // A short screen: the seven seats' stints do not fit.
    let mut s = fx.sized(Lang::Id, 80, 9);
    let address = s.app.roster.region.address(TpsId(0)).to_string();
    s.keys(&format!("/{address}<enter><tab>gH"));
    let scroll = |s: &Session| match &s.app.overlay {
        Overlay::History { scroll, .. } => *scroll,
        other => panic!("no history: {other:?}"),
    };
    let max = s.app.scroll_max.get();
    assert!(max > 0, "the history fits the screen; make it shorter");
    s.keys(&"j".repeat(max + 10));
    assert_eq!(scroll(&s), max);
    // The first key back moves the view (it used to take one per key pressed past the end).
    s.keys("k");
    assert_eq!(scroll(&s), max - 1);
    s.keys("G");
    assert_eq!(scroll(&s), max);
    s.keys("g");
    assert_eq!(scroll(&s), 0);
}
