//! Recording replacements from the TUI, end to end: key strings on an app backed by a real
//! store, then the store reopened and checked. Refusals leave the store unchanged.

use chrono::Utc;
use kpps::demo;
use kpps::domain::{ElectionParams, Roster, TpsId};
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
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let roster = demo::generate(palembang(), ElectionParams::default(), demo::DEFAULT_SEED);
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
        let store = Store::open(&self.path, "pps-tester").unwrap();
        let roster = store.load().unwrap();
        Session::new(App::with_port(roster, lang, Box::new(store)), 80, 24)
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
    // x, choose "resigned" (third ground), confirm.
    s.keys("xjj<enter>");
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
    snap("history_id_120x40", "nr<enter>yx<enter>yH", 120, 40);
}
