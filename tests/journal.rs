//! The audit journal: hash chain, torn tails, replay of entries sled never got, `check`
//! finding tampering, and `rebuild` from the journal alone. Real stores in temp dirs.

use std::io::Write;

use chrono::Utc;
use kpps::demo;
use kpps::domain::{Command, ElectionParams, Event, TpsId, VacateReason};
use kpps::io::region_csv::palembang;
use kpps::store::journal::{self, Damage, Journal};
use kpps::store::{rebuild, LogEntry, Notice, Record, Store, StoreError, StoreInfo};
use kpps::text::Lang;

/// Entries a Palembang demo store starts with: #1 its creation, #2 and #3 the generated
/// roster and reserves of its one kota.
const CREATED: u64 = 3;
/// The last entry of `demo_store`: three changes after those.
const LAST: u64 = CREATED + 3;

/// Who sits in `seat` of `tps` in the store at `path`.
fn sitting(path: &std::path::Path, tps: TpsId, seat: u8) -> kpps::domain::Person {
    let store = Store::open(path, "t").unwrap();
    store
        .load()
        .unwrap()
        .seat(tps, seat)
        .unwrap()
        .person
        .clone()
}

/// Appends to the journal alone, as a crash after its fsync leaves it, change `seq`:
/// `person` leaving `seat` of `tps`.
fn vacate_in_journal_only(
    jpath: &std::path::Path,
    seq: u64,
    actor: &str,
    (tps, seat, person): (TpsId, u8, kpps::domain::Person),
    reason: VacateReason,
) {
    let scan = journal::scan(jpath).unwrap();
    let mut j = Journal::open(jpath, &scan).unwrap();
    j.append(&LogEntry {
        seq,
        at: Utc::now(),
        actor: actor.into(),
        record: Record::Change(Event::SeatVacated {
            tps,
            seat,
            reason,
            person,
        }),
    })
    .unwrap();
}

fn demo_store(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("store");
    let roster = demo::generate(palembang(), ElectionParams::default(), demo::DEFAULT_SEED);
    let info = StoreInfo {
        params: ElectionParams::default(),
        demo_seed: Some(demo::DEFAULT_SEED),
        regions_source: "t".into(),
        created: Utc::now(),
    };
    let store = Store::create(&path, "setup", &roster, info).unwrap();
    assert_eq!(store.recent_log(1).unwrap()[0].seq, CREATED);
    let mut roster = store.load().unwrap();
    for seat in 2..=4 {
        store
            .execute(
                &mut roster,
                &Command::Vacate {
                    tps: TpsId(0),
                    seat,
                    reason: VacateReason::Resigned,
                },
            )
            .unwrap();
    }
    path
}

#[test]
fn a_healthy_store_checks_clean_and_the_chain_covers_every_entry() {
    let dir = tempfile::tempdir().unwrap();
    let path = demo_store(dir.path());
    let store = Store::open(&path, "t").unwrap();
    assert!(store.notices.is_empty());
    let report = store.check().unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(
        (report.journal_entries, report.changes),
        (LAST as usize, LAST as usize - 1)
    );
    let scan = journal::scan(&Store::journal_path(&path)).unwrap();
    assert_eq!(scan.payloads.len(), LAST as usize);
    assert!(scan.damage.is_none());
}

/// What opening a store reads: the whole chain verified, one entry's content kept.
#[test]
fn a_scan_keeping_one_entry_agrees_with_a_full_scan() {
    let dir = tempfile::tempdir().unwrap();
    let path = demo_store(dir.path());
    let jpath = Store::journal_path(&path);
    let check = |damaged: bool| {
        let full = journal::scan(&jpath).unwrap();
        let one = journal::scan_keeping(&jpath, |i| i == 2).unwrap();
        assert_eq!(one.payloads.len(), full.payloads.len());
        assert_eq!(
            (one.good_len, one.last_hash, &one.damage),
            (full.good_len, full.last_hash, &full.damage)
        );
        assert_eq!(one.damage.is_some(), damaged);
        for (i, ((a, kept), (b, whole))) in one.payloads.iter().zip(&full.payloads).enumerate() {
            assert_eq!(a, b);
            assert_eq!(kept.is_empty(), i != 2);
            if i == 2 {
                assert_eq!(kept, whole);
            }
        }
        assert!(full.payloads.iter().all(|(_, p)| !p.is_empty()));
    };
    check(false);
    // A torn tail: a length and part of a payload.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&jpath)
        .unwrap();
    f.write_all(&200u32.to_le_bytes()).unwrap();
    f.write_all(&[1, 2, 3]).unwrap();
    drop(f);
    check(true);
}

#[test]
fn a_torn_last_entry_is_reported_cut_and_the_store_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = demo_store(dir.path());
    let jpath = Store::journal_path(&path);
    let good = std::fs::metadata(&jpath).unwrap().len();
    // A power cut in the middle of writing the next entry: a length and half a payload.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&jpath)
        .unwrap();
    f.write_all(&200u32.to_le_bytes()).unwrap();
    f.write_all(&[1, 2, 3, 4, 5]).unwrap();
    drop(f);
    assert!(matches!(
        journal::scan(&jpath).unwrap().damage,
        Some(Damage::TruncatedTail { index, .. }) if index == LAST as usize
    ));
    let store = Store::open(&path, "t").unwrap();
    assert_eq!(store.notices.len(), 1, "{:?}", store.notices);
    let notice = store.notices[0].text(Lang::En);
    assert!(
        notice.contains(&format!("entry {}", LAST + 1)) && notice.contains("incomplete"),
        "{notice}"
    );
    assert_eq!(
        std::fs::metadata(&jpath).unwrap().len(),
        good,
        "the torn tail is cut off"
    );
    // Appends continue the chain.
    let mut roster = store.load().unwrap();
    store
        .execute(
            &mut roster,
            &Command::Vacate {
                tps: TpsId(1),
                seat: 2,
                reason: VacateReason::Died,
            },
        )
        .unwrap();
    assert!(store.check().unwrap().problems.is_empty());
}

#[test]
fn a_broken_chain_stops_the_open_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let path = demo_store(dir.path());
    let jpath = Store::journal_path(&path);
    let scan = journal::scan(&jpath).unwrap();
    let (offset, _) = scan.payloads[2];
    let mut bytes = std::fs::read(&jpath).unwrap();
    bytes[offset as usize + 10] ^= 0xff;
    std::fs::write(&jpath, &bytes).unwrap();
    match Store::open(&path, "t") {
        Err(StoreError::JournalDamaged {
            damage:
                Damage::BrokenChain {
                    index: 2,
                    offset: at,
                },
            ..
        }) => assert_eq!(at, offset),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a damaged journal must stop the open"),
    }
    let err = Store::open(&path, "t").err().unwrap().to_string();
    assert!(
        err.contains("entry 3")
            && err.contains(&format!("byte {offset}"))
            && err.contains("kpps check"),
        "{err}"
    );
}

#[test]
fn entries_the_journal_has_and_sled_lacks_are_replayed_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = demo_store(dir.path());
    let jpath = Store::journal_path(&path);
    // A crash after the journal fsync and before the sled commit: the entry exists only in
    // the journal.
    let seq = Store::open(&path, "t").unwrap().recent_log(1).unwrap()[0].seq + 1;
    let person = sitting(&path, TpsId(5), 1);
    vacate_in_journal_only(
        &jpath,
        seq,
        "crashed",
        (TpsId(5), 1, person),
        VacateReason::Dismissed,
    );
    let store = Store::open(&path, "t").unwrap();
    assert_eq!(store.notices, vec![Notice::Replayed { entries: 1 }]);
    assert_eq!(
        store.notices[0].text(Lang::En),
        "1 journal entries replayed into the store"
    );
    let roster = store.load().unwrap();
    assert!(roster.seat(TpsId(5), 1).is_none());
    assert_eq!(store.recent_log(1).unwrap()[0].actor, "crashed");
    assert!(store.check().unwrap().problems.is_empty());
}

#[test]
fn check_finds_a_store_that_differs_from_its_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = demo_store(dir.path());
    {
        // Tamper with sled behind the store's back: drop TPS 7's seats, and log entry #2
        // says what #1 says.
        let db = sled::open(path.join("sled")).unwrap();
        db.open_tree("seats")
            .unwrap()
            .remove(7u32.to_be_bytes())
            .unwrap();
        let log = db.open_tree("log").unwrap();
        let first = log.get(1u64.to_be_bytes()).unwrap().unwrap();
        log.insert(2u64.to_be_bytes(), first).unwrap();
        db.flush().unwrap();
    }
    let store = Store::open(&path, "t").unwrap();
    let report = store.check().unwrap();
    let tps7 = store.load().unwrap().region.address(TpsId(7)).to_string();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains(&format!("seats of TPS {tps7}"))),
        "{:?}",
        report.problems
    );
    assert!(report
        .problems
        .iter()
        .any(|p| p.starts_with("totals differ")));
    assert!(
        report
            .problems
            .contains(&"log entry #2 differs from the journal".to_string()),
        "{:?}",
        report.problems
    );
}

#[test]
fn rebuild_from_the_journal_alone_reproduces_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = demo_store(dir.path());
    let dest = dir.path().join("rebuilt");
    let (rebuilt, changes) = rebuild(&path, &dest, "restorer").unwrap();
    assert_eq!(changes, LAST as usize - 1);
    assert!(rebuilt.check().unwrap().problems.is_empty());
    let a = Store::open(&path, "t").unwrap();
    let (ra, rb) = (a.load().unwrap(), rebuilt.load().unwrap());
    for t in ra.region.tps_ids() {
        assert_eq!(ra.seats_of(t), rb.seats_of(t));
    }
    let la: Vec<LogEntry> = a.log_entries().collect::<Result<_, _>>().unwrap();
    let lb: Vec<LogEntry> = rebuilt.log_entries().collect::<Result<_, _>>().unwrap();
    assert_eq!(la, lb, "same entries, same times and actors");
    assert_eq!(
        std::fs::read(Store::journal_path(&path)).unwrap(),
        std::fs::read(Store::journal_path(&dest)).unwrap()
    );
}

#[test]
fn kpps_check_exits_non_zero_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let path = demo_store(dir.path());
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kpps"))
            .arg("--db")
            .arg(&path)
            .args(args)
            .output()
            .unwrap()
    };
    let ok = run(&["--lang", "en", "check"]);
    assert!(ok.status.success());
    assert!(
        String::from_utf8_lossy(&ok.stdout)
            .contains(&format!("{LAST} entries, {} changes", LAST - 1)),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    {
        let db = sled::open(path.join("sled")).unwrap();
        db.open_tree("reserves")
            .unwrap()
            .remove(0u32.to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    }
    let bad = run(&["--lang", "en", "check"]);
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("PROBLEM: reserves of kelurahan 16.71.01.1001 differ from the journal"),
        "{err}"
    );
}

#[test]
fn a_journal_older_than_the_store_stops_the_open_with_the_command_that_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let path = demo_store(dir.path());
    let jpath = Store::journal_path(&path);
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kpps"))
            .arg("--db")
            .arg(&path)
            .args(args)
            .env_remove("KPPS_DB")
            .output()
            .unwrap()
    };
    // A copy of the journal taken at the last entry, then two more changes, then the copy
    // put back.
    let older = std::fs::read(&jpath).unwrap();
    for seat in [5, 6] {
        let out = run(&[
            "vacate",
            "--tps",
            "16.71.01.1001/1",
            "--seat",
            &seat.to_string(),
            "--reason",
            "meninggal",
        ]);
        assert!(out.status.success(), "{out:?}");
    }
    std::fs::write(&jpath, &older).unwrap();
    let command = format!(
        "kpps --db {} rebuild --from-journal {}",
        path.display(),
        path.display()
    );
    for args in [&["--lang", "en", "check"][..], &["log"][..]] {
        let out = run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!(
                "the database has changes #{} to #{} that the journal (ending at #{LAST}) lacks",
                LAST + 1,
                LAST + 2
            )) && err.contains(&command),
            "{err}"
        );
    }
    // The command it names recovers: the store is the journal's again, the database it
    // replaced is kept.
    let words: Vec<&str> = command.split(' ').skip(1).collect();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kpps"))
        .args(&words)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("sled.diverged-"));
    let out = run(&["--lang", "en", "check"]);
    assert!(out.status.success(), "{out:?}");
    let store = Store::open(&path, "t").unwrap();
    assert_eq!(store.recent_log(1).unwrap()[0].seq, LAST);
    assert!(store.check().unwrap().problems.is_empty());
    let kept = std::fs::read_dir(&path)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("sled.diverged-")
        })
        .count();
    assert_eq!(kept, 1);
}

/// Replaces the journal's last entry (`LAST`) with another change of the same number.
fn rewrite_last_entry(path: &std::path::Path) {
    let jpath = Store::journal_path(path);
    let person = sitting(path, TpsId(0), 5);
    let scan = journal::scan(&jpath).unwrap();
    let (last, _) = scan.payloads[LAST as usize - 1];
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&jpath)
        .unwrap();
    f.set_len(last).unwrap();
    drop(f);
    assert_eq!(
        journal::scan(&jpath).unwrap().payloads.len(),
        LAST as usize - 1
    );
    vacate_in_journal_only(
        &jpath,
        LAST,
        "elsewhere",
        (TpsId(0), 5, person),
        VacateReason::Died,
    );
}

#[test]
fn a_last_change_that_differs_from_the_journal_stops_the_open_and_a_rebuild_in_place_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let path = demo_store(dir.path());
    rewrite_last_entry(&path);
    let err = match Store::open(&path, "t") {
        Err(e @ StoreError::Disagrees { .. }) => e.to_string(),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a store whose last change is not the journal's must not open"),
    };
    assert!(
        err.contains(&format!(
            "change #{LAST} in the database differs from the journal's #{LAST}"
        )) && err.contains(&format!(
            "kpps --db {} rebuild --from-journal {}",
            path.display(),
            path.display()
        )),
        "{err}"
    );
    let (store, changes) = rebuild(&path, &path, "restorer").unwrap();
    assert_eq!(changes, LAST as usize - 1);
    assert!(store
        .notices
        .iter()
        .any(|n| n.text(Lang::En).contains("sled.diverged-")));
    let roster = store.load().unwrap();
    assert!(
        roster.seat(TpsId(0), 4).is_some(),
        "the journal kept seat 4"
    );
    assert!(roster.seat(TpsId(0), 5).is_none(), "and vacated seat 5");
    assert_eq!(store.recent_log(1).unwrap()[0].actor, "elsewhere");
    assert!(store.check().unwrap().problems.is_empty());
}

#[test]
fn a_database_write_cut_short_is_repaired_from_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = demo_store(dir.path());
    let jpath = Store::journal_path(&path);
    let person = sitting(&path, TpsId(5), 1);
    // The journal has the next entry; sled took the counter of its transaction but not its
    // log entry or seats (what a full disk did to an import).
    vacate_in_journal_only(
        &jpath,
        LAST + 1,
        "cut short",
        (TpsId(5), 1, person),
        VacateReason::Dismissed,
    );
    {
        let db = sled::open(path.join("sled")).unwrap();
        db.open_tree("meta")
            .unwrap()
            .insert(b"next_seq", kpps::store::codec::encode(&(LAST + 2)))
            .unwrap();
        db.flush().unwrap();
    }
    let store = Store::open(&path, "t").unwrap();
    assert_eq!(store.notices, vec![Notice::Replayed { entries: 1 }]);
    assert_eq!(
        store.notices[0].text(Lang::En),
        "1 journal entries replayed into the store"
    );
    assert!(store.load().unwrap().seat(TpsId(5), 1).is_none());
    assert_eq!(store.recent_log(1).unwrap()[0].actor, "cut short");
    assert!(store.check().unwrap().problems.is_empty());
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn an_in_place_rebuild_cut_short_is_finished_or_dropped_on_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = demo_store(dir.path());
    let (sled_dir, rebuilt) = (path.join("sled"), path.join("sled.rebuilt"));
    // Cut short after the old database moved aside: the rebuilt one takes its place.
    copy_dir(&sled_dir, &rebuilt);
    std::fs::rename(&sled_dir, path.join("sled.diverged-test")).unwrap();
    let store = Store::open(&path, "t").unwrap();
    assert!(!rebuilt.exists());
    assert!(store.check().unwrap().problems.is_empty());
    drop(store);
    // Cut short before: the store is as it was, the rebuilt copy dropped.
    copy_dir(&sled_dir, &rebuilt);
    let store = Store::open(&path, "t").unwrap();
    assert!(!rebuilt.exists());
    assert!(store.check().unwrap().problems.is_empty());
}

/// A demo store as kpps made them before demo rosters were recorded in the journal: the
/// generated roster written straight to the database, and a journal holding only the
/// creation record, which names the seed. Made here from a store created without a seed,
/// whose creation record (journal and database alike) is then given one.
fn old_demo_store(dir: &std::path::Path) -> (std::path::PathBuf, usize) {
    use kpps::store::codec;
    let path = dir.join("old demo");
    let roster = demo::generate(palembang(), ElectionParams::default(), demo::DEFAULT_SEED);
    let info = StoreInfo {
        params: ElectionParams::default(),
        demo_seed: None,
        regions_source: "Kota Palembang (embedded)".into(),
        created: Utc::now(),
    };
    drop(Store::create(&path, "setup", &roster, info).unwrap());
    let db = sled::open(path.join("sled")).unwrap();
    let log = db.open_tree("log").unwrap();
    let mut entry: LogEntry =
        codec::decode(&log.get(1u64.to_be_bytes()).unwrap().unwrap()).unwrap();
    let Record::Created { info, .. } = &mut entry.record else {
        panic!("{entry:?}")
    };
    info.demo_seed = Some(demo::DEFAULT_SEED);
    let info = codec::encode(info);
    db.open_tree("meta").unwrap().insert(b"info", info).unwrap();
    log.insert(1u64.to_be_bytes(), codec::encode(&entry))
        .unwrap();
    db.flush().unwrap();
    drop((log, db));
    let jpath = Store::journal_path(&path);
    std::fs::remove_file(&jpath).unwrap();
    drop(Journal::create(&jpath, &entry).unwrap());
    (path, roster.officer_count())
}

/// An older demo store opens and works as before, but its journal cannot check, rebuild or
/// repair it: `check`, `rebuild --from-journal` and the repair after a failed write say so
/// and how to make it again, instead of reporting every seat as corrupt.
#[test]
fn an_older_demo_store_opens_but_is_not_checked_against_its_journal() {
    let dir = tempfile::tempdir().unwrap();
    let (path, officers) = old_demo_store(dir.path());
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kpps"))
            .arg("--db")
            .arg(&path)
            .args(args)
            .env_remove("KPPS_DB")
            .output()
            .unwrap()
    };
    let refused = |what: &str, e: String| {
        assert!(
            e.contains("holds demo data made by an older kpps")
                && e.contains("its journal records only the seed (2024)")
                && e.contains("make it again with `kpps demo`"),
            "{what}: {e}"
        );
    };
    let quoted = kpps::store::shell_quote(&path.display().to_string());
    let again = format!(
        "make it again: mv {quoted} {} && kpps --db {quoted} demo --seed 2024",
        kpps::store::shell_quote(&format!("{}.old", path.display()))
    );
    // Before any change (the journal is the creation record alone), then after one.
    for round in 0..2 {
        {
            let store = Store::open(&path, "t").unwrap();
            let roster = store.load().unwrap();
            assert!(roster.demo);
            assert_eq!(roster.officer_count(), officers - round);
            match store.check() {
                Ok(report) => panic!("checked: {:?}", report.problems),
                Err(e) => refused("check", e.to_string()),
            }
        }
        let out = run(&["--lang", "en", "check"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        refused("kpps check", err.to_string());
        assert!(err.contains(&again), "{err}");
        assert!(!err.contains("PROBLEM"), "{err}");
        let dest = dir.path().join("rebuilt");
        match rebuild(&path, &dest, "t") {
            Ok(_) => panic!("rebuilt"),
            Err(e) => refused("rebuild", e.to_string()),
        }
        assert!(!dest.exists());
        if round == 0 {
            let out = run(&[
                "vacate",
                "--tps",
                "16.71.01.1001/1",
                "--seat",
                "1",
                "--reason",
                "mengundurkan-diri",
            ]);
            assert!(out.status.success(), "{out:?}");
        }
    }
    // In place, through the binary: refused, and the store is as it was.
    let out = run(&[
        "--lang",
        "en",
        "rebuild",
        "--from-journal",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    refused("kpps rebuild", String::from_utf8_lossy(&out.stderr).into());
    assert!(run(&["gaps", "--format", "csv"]).status.success());
    assert!(!path.join("rebuild.tmp").exists());

    // A change the journal has and the database lacks cannot be replayed into it.
    let jpath = Store::journal_path(&path);
    let person = sitting(&path, TpsId(1), 2);
    vacate_in_journal_only(
        &jpath,
        3,
        "crashed",
        (TpsId(1), 2, person),
        VacateReason::Died,
    );
    match Store::open(&path, "t") {
        Ok(_) => panic!("repaired"),
        Err(e) => refused("repair", e.to_string()),
    }
}
