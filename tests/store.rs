//! The sled store on real disk (temporary directories): round trips, durability across
//! reopen, permissions, locking and refusal semantics.

use std::os::unix::fs::PermissionsExt;
use std::process::Command as Process;

use chrono::{NaiveDate, Utc};
use kpps::domain::{
    Command, ElectionParams, Event, Nik, Person, Refusal, Reserve, Roster, Screening,
    SeatAssignment, Sex, TpsId, VacateReason,
};
use kpps::io::region_csv::palembang;
use kpps::store::{ExecError, Record, Store, StoreError, StoreInfo};

fn info() -> StoreInfo {
    StoreInfo {
        params: ElectionParams::default(),
        demo_seed: None,
        regions_source: "test".into(),
        created: Utc::now(),
    }
}

fn person(serial: u16, sex: Sex) -> Person {
    let birth = NaiveDate::from_ymd_opt(1985, 3, 1 + (serial % 27) as u32).unwrap();
    Person {
        name: format!("Petugas {serial}").into(),
        nik: Nik::compose(167101, birth, sex, serial),
        birth_date: birth,
        sex,
        phone: Some(format!("0812{serial:08}").into()),
        screening: Screening::NotAtRisk,
        jkn: true,
    }
}

fn roster_with_two_tps_filled() -> Roster {
    let mut r = Roster::new(palembang(), ElectionParams::default());
    let mut seats = Vec::new();
    for t in 0..2u32 {
        for seat in 1..=7u8 {
            seats.push(SeatAssignment {
                tps: TpsId(t),
                seat,
                person: person((t * 7 + seat as u32) as u16, Sex::P),
            });
        }
    }
    r.apply(&Event::RosterImported {
        file: "seed".into(),
        cleared: vec![],
        seats,
    });
    let kel = r.region.kelurahan_of(TpsId(0));
    r.apply(&Event::ReservesImported {
        file: "seed".into(),
        cleared: vec![],
        reserves: vec![(
            kel,
            Reserve {
                rank: 1,
                person: person(900, Sex::L),
                tps: None,
            },
        )],
    });
    r
}

fn assert_same_roster(a: &Roster, b: &Roster) {
    assert_eq!(a.total(), b.total());
    for t in a.region.tps_ids() {
        assert_eq!(a.seats_of(t), b.seats_of(t), "seats of {t:?}");
    }
    for k in 0..a.region.kelurahan.len() as u32 {
        let k = kpps::domain::KelurahanId(k);
        assert_eq!(a.reserves(k), b.reserves(k));
    }
}

#[test]
fn create_then_reopen_round_trips_the_roster() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let roster = roster_with_two_tps_filled();
    drop(Store::create(&path, "tester", &roster, info()).unwrap());
    let store = Store::open(&path, "tester").unwrap();
    let loaded = store.load().unwrap();
    assert_same_roster(&roster, &loaded);
    assert_eq!(loaded.region.tps.len(), 4_777);
    assert_eq!(store.info().unwrap().params, ElectionParams::default());
    let log: Vec<_> = store.log_entries().collect::<Result<_, _>>().unwrap();
    assert!(matches!(log[0].record, Record::Created { tps: 4_777, .. }));
}

#[test]
fn every_committed_change_survives_reopen_with_its_log_entry() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let mut roster = roster_with_two_tps_filled();
    let kel = roster.region.kelurahan_of(TpsId(0));
    {
        let store = Store::create(&path, "pps-35ilir", &roster, info()).unwrap();
        let steps = [
            Command::Vacate {
                tps: TpsId(0),
                seat: 1,
                reason: VacateReason::Resigned,
            },
            Command::DesignateKetua {
                tps: TpsId(0),
                from_seat: 3,
            },
            Command::FillFromReserve {
                tps: TpsId(0),
                seat: 3,
                kelurahan: kel,
                rank: 1,
            },
            Command::MarkAbsent {
                tps: TpsId(1),
                seat: 2,
                absent: true,
            },
            Command::FillDirect {
                tps: TpsId(2),
                seat: 1,
                person: person(901, Sex::L),
                berita_acara: Some("BA/1".into()),
            },
        ];
        for cmd in &steps {
            store.execute(&mut roster, cmd).unwrap();
        }
    }
    let store = Store::open(&path, "someone-else").unwrap();
    let loaded = store.load().unwrap();
    assert_same_roster(&roster, &loaded);
    assert!(loaded.reserves(kel).is_empty());
    assert_eq!(loaded.seat(TpsId(0), 1).unwrap().person.name, "Petugas 3");
    assert!(loaded.seat(TpsId(1), 2).unwrap().absent);
    let log: Vec<_> = store.log_entries().collect::<Result<_, _>>().unwrap();
    assert_eq!(log.len(), 6);
    assert_eq!(
        log.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5, 6]
    );
    assert!(log[1..].iter().all(|e| e.actor == "pps-35ilir"));
    assert_eq!(store.tps_history(TpsId(0)).unwrap().len(), 3);
    assert_eq!(store.tps_history(TpsId(2)).unwrap().len(), 1);
}

#[test]
fn a_refused_command_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let mut roster = roster_with_two_tps_filled();
    let store = Store::create(&path, "t", &roster, info()).unwrap();
    let dup = person(3, Sex::P); // already in TPS 0 seat 3
    let err = store
        .execute(
            &mut roster,
            &Command::FillDirect {
                tps: TpsId(5),
                seat: 1,
                person: dup,
                berita_acara: None,
            },
        )
        .unwrap_err();
    assert!(matches!(err, ExecError::Refused(Refusal::NikInUse { .. })));
    assert_eq!(store.log_entries().count(), 1);
    drop(store);
    let loaded = Store::open(&path, "t").unwrap().load().unwrap();
    assert_same_roster(&roster, &loaded);
}

#[test]
fn files_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let _store = Store::create(
        &path,
        "t",
        &Roster::new(palembang(), ElectionParams::default()),
        info(),
    )
    .unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o700);
    for entry in walk(&path) {
        let m = mode(&entry);
        if entry.is_dir() {
            assert_eq!(m, 0o700, "{entry:?}");
        } else {
            assert_eq!(m, 0o600, "{entry:?}");
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

#[test]
fn second_opener_gets_a_clear_in_use_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let store = Store::create(
        &path,
        "t",
        &Roster::new(palembang(), ElectionParams::default()),
        info(),
    )
    .unwrap();
    // In this process…
    assert!(matches!(Store::open(&path, "t"), Err(StoreError::InUse(_))));
    // …and from a second process: one clear line naming the store, exit 2.
    let out = Process::new(env!("CARGO_BIN_EXE_kpps"))
        .args(["--lang", "en", "--db"])
        .arg(&path)
        .arg("gaps")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&path.display().to_string()) && err.contains("in use"),
        "{err}"
    );
    drop(store);
    assert!(Store::open(&path, "t").is_ok());
}

#[test]
fn missing_and_existing_stores_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nothing");
    assert!(matches!(
        Store::open(&path, "t"),
        Err(StoreError::NotFound(_))
    ));
    let r = Roster::new(palembang(), ElectionParams::default());
    drop(Store::create(&path, "t", &r, info()).unwrap());
    assert!(matches!(
        Store::create(&path, "t", &r, info()),
        Err(StoreError::AlreadyExists(_))
    ));
}

#[test]
fn an_interrupted_create_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    {
        // A sled database with our trees but no `complete` marker: what a killed init leaves.
        let db = sled::open(path.join("sled")).unwrap();
        db.open_tree("meta")
            .unwrap()
            .insert("info", vec![1u8])
            .unwrap();
        db.flush().unwrap();
    }
    assert!(matches!(
        Store::open(&path, "t"),
        Err(StoreError::Incomplete(_))
    ));
}

#[test]
fn a_batch_decides_in_order_and_is_durable_together() {
    let dir = tempfile::tempdir().unwrap();
    // Empty, so that `check` can rebuild it from the journal alone.
    let mut roster = Roster::new(palembang(), ElectionParams::default());
    let store = Store::create(dir.path(), "t", &roster, info()).unwrap();
    let empty = TpsId(5);
    let fill = |serial| Command::FillDirect {
        tps: empty,
        seat: 2,
        person: person(serial, Sex::L),
        berita_acara: None,
    };
    let (a, b, c) = (fill(500), fill(501), fill(502));
    let other_seat = Command::FillDirect {
        tps: empty,
        seat: 3,
        person: person(503, Sex::L),
        berita_acara: None,
    };
    // Same seat three times (the 2nd and 3rd see the 1st), then another seat.
    let results = store.execute_batch(
        &mut roster,
        &[
            (&a, "ani"),
            (&b, "budi"),
            (&c, "citra"),
            (&other_seat, "dodi"),
        ],
    );
    assert_eq!(results.len(), 4);
    let first = results[0].as_ref().unwrap();
    assert_eq!(first.actor, "ani");
    assert!(matches!(
        results[1],
        Err(ExecError::Refused(Refusal::SeatOccupied { seat: 2 }))
    ));
    assert!(matches!(
        results[2],
        Err(ExecError::Refused(Refusal::SeatOccupied { seat: 2 }))
    ));
    let last = results[3].as_ref().unwrap();
    assert_eq!((last.seq, last.actor.as_str()), (first.seq + 1, "dodi"));
    drop(store);

    let store = Store::open(dir.path(), "t").unwrap();
    let reopened = store.load().unwrap();
    assert_eq!(reopened.seat(empty, 2).unwrap().person.name, "Petugas 500");
    assert_eq!(reopened.seat(empty, 3).unwrap().person.name, "Petugas 503");
    let history: Vec<u64> = store
        .tps_history(empty)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(history, vec![first.seq, last.seq]);
    let report = store.check().unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}
