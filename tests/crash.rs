//! Crash safety: a child process records changes as fast as it can and reports each one the
//! store acknowledged; the parent kills it with SIGKILL at random moments, many times.
//! After every kill the store opens, `check` passes, and every acknowledged change is there.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use kpps::domain::{
    Command, ElectionParams, Nik, Person, Roster, Screening, Sex, TpsId, VacateReason,
};
use kpps::io::region_csv::palembang;
use kpps::store::{Notice, Record, Store, StoreInfo};

const CHILD_ENV: &str = "KPPS_CRASH_CHILD_STORE";
const TRIALS: usize = 40;

/// The child: alternately vacate and refill seats, printing `ACK <seq>` after each change
/// the store reported done. Runs until killed.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let store = Store::open(Path::new(&dir), "crash-child").unwrap();
    let mut roster = store.load().unwrap();
    let mut serial: u32 = roster.officer_count() as u32 + 1;
    let mut i: u32 = 0;
    loop {
        let tps = TpsId(i % 97);
        let seat = (i / 97 % 7) as u8 + 1;
        let command = match roster.seat(tps, seat) {
            Some(_) => Command::Vacate {
                tps,
                seat,
                reason: VacateReason::Resigned,
            },
            None => {
                serial += 1;
                let birth = NaiveDate::from_ymd_opt(
                    1980 + (serial % 20) as i32,
                    1 + serial % 12,
                    1 + serial % 28,
                )
                .unwrap();
                let person = Person {
                    name: format!("Petugas {serial}").into(),
                    nik: Nik::compose(167101, birth, Sex::L, (serial % 9000) as u16 + 1),
                    birth_date: birth,
                    sex: Sex::L,
                    phone: None,
                    screening: Screening::NotAtRisk,
                    jkn: true,
                };
                Command::FillDirect {
                    tps,
                    seat,
                    person,
                    berita_acara: None,
                }
            }
        };
        if let Ok(entry) = store.execute(&mut roster, &command) {
            println!("ACK {}", entry.seq);
        }
        i += 1;
    }
}

fn empty_store(path: &Path) {
    let roster = Roster::new(palembang(), ElectionParams::default());
    let info = StoreInfo {
        params: ElectionParams::default(),
        demo_seed: None,
        regions_source: "t".into(),
        created: Utc::now(),
    };
    drop(Store::create(path, "setup", &roster, info).unwrap());
}

#[test]
fn sigkill_at_random_moments_loses_nothing_acknowledged() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    empty_store(&path);
    let exe = std::env::current_exe().unwrap();
    // A fixed seed for the kill delays keeps the run reproducible.
    let mut rng: u64 = 0x9e3779b97f4a7c15;
    let mut total_acked = 0;
    let mut torn = 0;
    let mut replayed = 0;
    for trial in 0..TRIALS {
        let mut child = Process::new(&exe)
            .args([
                "--exact",
                "crash_child",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| l.strip_prefix("ACK ").and_then(|s| s.parse::<u64>().ok()))
                .collect::<Vec<u64>>()
        });
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_millis(150 + rng % 350));
        // SIGKILL: no destructors, no flush, like a power cut for this process.
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        child.wait().unwrap();
        let acked = reader.join().unwrap();
        total_acked += acked.len();

        let store = Store::open(&path, "checker").unwrap_or_else(|e| panic!("trial {trial}: {e}"));
        torn += store
            .notices
            .iter()
            .filter(|n| matches!(n, Notice::TornTailRemoved { .. }))
            .count();
        replayed += store
            .notices
            .iter()
            .filter(|n| matches!(n, Notice::Replayed { entries } if *entries > 0))
            .count();
        let report = store.check().unwrap();
        assert!(
            report.problems.is_empty(),
            "trial {trial}: {:?}",
            report.problems
        );
        let last = store.recent_log(1).unwrap()[0].seq;
        if let Some(&max) = acked.iter().max() {
            assert!(
                last >= max,
                "trial {trial}: acknowledged #{max} but the store ends at #{last}"
            );
        }
        let logged: std::collections::HashSet<u64> = store
            .log_entries()
            .map(|e| e.unwrap())
            .filter(|e| matches!(e.record, Record::Change(_)))
            .map(|e| e.seq)
            .collect();
        assert!(
            acked.iter().all(|s| logged.contains(s)),
            "trial {trial}: an acknowledged change is missing"
        );
    }
    println!("{TRIALS} kills, {total_acked} acknowledged changes, {torn} torn journal tails cut, {replayed} replays");
    assert!(total_acked > TRIALS, "the child made progress");
}

/// An import killed at any moment (validation, journal write, sled write) leaves all of the
/// file or none of it: SIGKILL and SIGHUP (what a dropped SSH session sends) alike.
#[test]
fn an_import_killed_at_any_moment_is_all_or_nothing() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    const IMPORT_TRIALS: u32 = 24;
    let kpps = env!("CARGO_BIN_EXE_kpps");
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Process::new(kpps).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
    };
    // Every seat of Palembang as one roster file (33,439 rows).
    let demo = dir.path().join("demo");
    let file = dir.path().join("roster.csv");
    let empty = dir.path().join("empty");
    run(&["--db", demo.to_str().unwrap(), "demo"]);
    run(&[
        "--db",
        demo.to_str().unwrap(),
        "export",
        "roster",
        "--out",
        file.to_str().unwrap(),
    ]);
    run(&["--db", empty.to_str().unwrap(), "init"]);
    let rows = std::fs::read_to_string(&file).unwrap().lines().count() - 1;
    let copy = |to: &Path| {
        let status = Process::new("cp")
            .arg("-a")
            .arg(&empty)
            .arg(to)
            .status()
            .unwrap();
        assert!(status.success());
    };
    let import = |db: &Path| {
        Process::new(kpps)
            .args(["--db", db.to_str().unwrap(), "import", "roster"])
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // How long a whole import takes here; the kills are spread over that span.
    let timed = dir.path().join("timed");
    copy(&timed);
    let start = std::time::Instant::now();
    assert!(import(&timed).wait().unwrap().success());
    let span = start.elapsed();
    let (mut none, mut all) = (0, 0);
    for trial in 0..IMPORT_TRIALS {
        let db = dir.path().join(format!("t{trial}"));
        copy(&db);
        let mut child = import(&db);
        std::thread::sleep(span * (trial + 1) / (IMPORT_TRIALS + 1));
        let signal = if trial % 3 == 2 {
            libc::SIGHUP
        } else {
            libc::SIGKILL
        };
        unsafe { libc::kill(child.id() as i32, signal) };
        child.wait().unwrap();
        let store = Store::open(&db, "checker").unwrap_or_else(|e| panic!("trial {trial}: {e}"));
        let report = store.check().unwrap();
        assert!(
            report.problems.is_empty(),
            "trial {trial}: {:?}",
            report.problems
        );
        let officers = store.load().unwrap().officer_count();
        let changes = store.log_entries().count() - 1;
        match (officers, changes) {
            (0, 0) => none += 1,
            (n, 1) if n == rows => all += 1,
            other => panic!("trial {trial}: a partial import: (officers, log entries) = {other:?}"),
        }
        drop(store);
        std::fs::remove_dir_all(&db).unwrap();
    }
    println!("{IMPORT_TRIALS} killed imports of {rows} rows: {none} left nothing, {all} complete, 0 partial");
}

/// `kpps demo` killed at any moment leaves no store, an incomplete one (the `complete`
/// marker is written after the last entry of the demo roster, so an open says so), or the
/// whole store, which checks clean: never one that opens with part of the roster. The
/// region is 40 small kabupaten/kota, so the demo roster is 80 journal entries after the
/// creation record, and some kills land among them.
#[test]
fn a_demo_creation_killed_at_any_moment_is_incomplete_or_whole() {
    use kpps::store::{journal, StoreError};
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    const KOTA: usize = 40;
    let kpps = env!("CARGO_BIN_EXE_kpps");
    let dir = tempfile::tempdir().unwrap();
    // Palembang's first 40 kelurahan, each made a kabupaten/kota of its own (16.01 to 16.40).
    let palembang = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/palembang-2024-wilayah.csv"),
    )
    .unwrap();
    let mut lines = palembang.lines();
    let mut csv = format!("{}\n", lines.next().unwrap());
    for (i, line) in lines.take(KOTA).enumerate() {
        let f: Vec<&str> = line.splitn(6, ',').collect();
        let kec = format!("16.{:02}.01", i + 1);
        csv += &format!("{kec},{},{kec}.1001,{},{},{}\n", f[1], f[3], f[4], f[5]);
    }
    let regions = dir.path().join("regions.csv");
    std::fs::write(&regions, csv).unwrap();
    let demo = |db: &Path| {
        Process::new(kpps)
            .arg("--db")
            .arg(db)
            .arg("demo")
            .arg("--regions")
            .arg(&regions)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let entries =
        |db: &Path| journal::scan(&Store::journal_path(db)).map_or(0, |scan| scan.payloads.len());
    // A whole creation: how long it takes, what it holds.
    let whole = dir.path().join("whole");
    let start = std::time::Instant::now();
    assert!(demo(&whole).wait().unwrap().success());
    let span = start.elapsed();
    let full = entries(&whole);
    assert_eq!(full, 1 + 2 * KOTA);
    let officers = {
        let store = Store::open(&whole, "checker").unwrap();
        assert!(store.check().unwrap().problems.is_empty());
        store.load().unwrap().officer_count()
    };
    let (mut absent, mut incomplete, mut midway, mut complete) = (0, 0, 0, 0);
    let mut trial: u32 = 0;
    // Kills spread over the span, until enough of them landed among the demo entries.
    while trial < 16 || midway < 3 {
        assert!(
            trial < 80,
            "{trial} kills, none among the demo roster's entries ({incomplete} incomplete)"
        );
        let db = dir.path().join(format!("t{trial}"));
        let mut child = demo(&db);
        std::thread::sleep(span * (trial % 16 + 1) / 17);
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        child.wait().unwrap();
        match Store::open(&db, "checker") {
            Err(StoreError::NotFound(_)) => absent += 1,
            Err(StoreError::Incomplete(_)) => {
                incomplete += 1;
                let n = entries(&db);
                if n > 1 && n < full {
                    midway += 1;
                }
            }
            Ok(store) => {
                let report = store.check().unwrap();
                assert!(
                    report.problems.is_empty(),
                    "trial {trial}: {:?}",
                    report.problems
                );
                assert_eq!(store.load().unwrap().officer_count(), officers);
                assert_eq!(report.journal_entries, full);
                complete += 1;
            }
            Err(e) => panic!("trial {trial}: {e}"),
        }
        let _ = std::fs::remove_dir_all(&db);
        trial += 1;
    }
    println!(
        "{trial} killed demo creations: {absent} not started, {incomplete} incomplete \
         ({midway} among the demo roster's entries), {complete} whole"
    );
}
