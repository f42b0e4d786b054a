//! A full disk, for real: each test puts its store on a small tmpfs of its own
//! (`common::SmallDisk`, root only), fills it to the last byte, runs the real binary or a
//! real server, then frees the space. What must hold: nothing is acknowledged that is not
//! on disk, nothing hangs, the error says what happened and what to do, and once there is
//! space again the store opens and `kpps check` is clean.

mod common;

use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use common::{kpps, kpps_bounded, stdout, Server, SmallDisk};
use kpps::domain::{Command, Roster, TpsId};
use kpps::net::Client;
use kpps::port::Port;
use kpps::store::{journal, ExecError, Store, StoreError};
use kpps::text::Lang;

/// A filled seat of the demo roster, to toggle absent / back.
fn filled_seat(roster: &Roster) -> (TpsId, u8) {
    roster
        .region
        .tps_ids()
        .find_map(|t| (1..=7).find_map(|s| roster.seat(t, s).map(|_| (t, s))))
        .expect("a filled seat")
}

fn toggle(roster: &Roster, (tps, seat): (TpsId, u8)) -> Command {
    Command::MarkAbsent {
        tps,
        seat,
        absent: !roster.seat(tps, seat).expect("filled").absent,
    }
}

/// Records changes until one fails: the sequence numbers acknowledged, and the failure.
fn change_until_it_fails(port: &mut dyn Port, roster: &mut Roster) -> (Vec<u64>, ExecError) {
    let seat = filled_seat(roster);
    let mut acked = Vec::new();
    for _ in 0..5_000 {
        let command = toggle(roster, seat);
        match port.execute(roster, &command) {
            Ok(entry) => acked.push(entry.seq),
            Err(e) => return (acked, e),
        }
    }
    panic!("5,000 changes fitted on a full disk");
}

/// Makes the journal what runs out of space first on a full disk, a few changes later:
/// the database file's next pages are reserved (as the journal's are in the opposite test),
/// and changes are recorded until the last page of the journal has room for three or four
/// more entries only. Which file needs a new page first otherwise depends on where each
/// happens to end. The next change's number.
fn journal_fills_first(store: &Store, roster: &mut Roster) -> u64 {
    const PAGE: u64 = 4096;
    let db = std::fs::OpenOptions::new()
        .write(true)
        .open(store.dir().join("sled/db"))
        .unwrap();
    let reserve = (db.metadata().unwrap().len() + (4 << 20)) as libc::off_t;
    // SAFETY: fallocate on an open file descriptor.
    let rc = unsafe { libc::fallocate(db.as_raw_fd(), libc::FALLOC_FL_KEEP_SIZE, 0, reserve) };
    assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
    let jpath = Store::journal_path(store.dir());
    let len = || std::fs::metadata(&jpath).unwrap().len();
    let seat = filled_seat(roster);
    loop {
        let before = len();
        let entry = store.execute(roster, &toggle(roster, seat)).unwrap();
        let (size, room) = (len() - before, PAGE - len() % PAGE);
        if (3 * size..4 * size).contains(&room) {
            return entry.seq + 1;
        }
    }
}

/// The sequence numbers in the store's log, opened directly (no server running).
fn logged(db: &Path) -> Vec<u64> {
    let store = Store::open(db, "test").unwrap();
    store.log_entries().map(|e| e.unwrap().seq).collect()
}

fn check_is_clean(db: &Path) {
    let out = kpps(db, &["--lang", "en", "check"]);
    assert!(
        out.status.success()
            && String::from_utf8_lossy(&out.stdout).contains("OK: the journal chain is intact"),
        "check: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn wait_exit(server: &mut Server) -> std::process::ExitStatus {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            return status;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "the server did not exit after a failed write\n{}",
            server.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_change_on_a_full_disk_is_refused_and_the_store_opens_once_space_is_freed() {
    let Some(disk) = SmallDisk::mount("a_change_on_a_full_disk", "40m") else {
        return;
    };
    let db = disk.path.join("store");
    stdout(&kpps(&db, &["demo"]));
    disk.fill();
    let vacate = [
        "--lang",
        "en",
        "vacate",
        "--tps",
        "16.71.01.1001/1",
        "--seat",
        "2",
        "--reason",
        "meninggal",
    ];
    // Refused, said plainly, and nothing acknowledged; a retry (or any other command) on
    // the still-full disk is refused the same way.
    for args in [&vacate[..], &["--lang", "en", "check"][..], &vacate[..]] {
        let out = kpps(&db, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("the disk is full") && err.contains("free space on it"),
            "{args:?}: {err}"
        );
        assert!(
            out.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    disk.free();
    check_is_clean(&db);
    // The creation record, and the demo roster and reserves of Palembang's one kota.
    assert_eq!(logged(&db), vec![1, 2, 3], "nothing was recorded");
    let out = stdout(&kpps(&db, &vacate));
    assert!(out.starts_with("Saved #4"), "{out}");
    check_is_clean(&db);
}

#[test]
fn a_journal_write_that_fails_is_taken_back_whole_and_the_store_goes_on() {
    let Some(disk) = SmallDisk::mount("a_journal_write_that_fails", "40m") else {
        return;
    };
    let db = disk.path.join("store");
    stdout(&kpps(&db, &["demo"]));
    let jpath = Store::journal_path(&db);
    let mut store = Store::open(&db, "t").unwrap();
    let mut roster = store.load().unwrap();
    let next = journal_fills_first(&store, &mut roster);
    disk.fill();
    let (acked, failure) = change_until_it_fails(&mut store, &mut roster);
    // The journal needed a new page and the disk had none: nothing of the change stays.
    match &failure {
        ExecError::Store(e @ StoreError::NotRecorded { cause, .. }) => {
            assert!(cause.disk_full, "{e}");
            assert!(e.text(Lang::En).contains("the disk is full"), "{e}");
            assert!(
                e.text(Lang::Id).contains("disk penuh"),
                "{}",
                e.text(Lang::Id)
            );
        }
        other => panic!("{other}"),
    }
    let scan = journal::scan(&jpath).unwrap();
    assert!(scan.damage.is_none(), "{:?}", scan.damage);
    assert_eq!(
        scan.payloads.len() as u64,
        next - 1 + acked.len() as u64,
        "no part of it in the journal"
    );
    assert_eq!(std::fs::metadata(&jpath).unwrap().len(), scan.good_len);
    // Memory is what the disk holds.
    assert_eq!(roster.total(), store.load().unwrap().total());
    // Space comes back: the same open store records the next change (it was not left
    // half-written, so there is nothing to wait for a reopen to repair).
    disk.free();
    let command = toggle(&roster, filled_seat(&roster));
    let entry = store.execute(&mut roster, &command).unwrap();
    assert_eq!(entry.seq, acked.last().unwrap() + 1);
    drop(store);
    check_is_clean(&db);
    assert_eq!(logged(&db).len() as u64, next - 1 + acked.len() as u64 + 1);
}

/// The server's half: a failed write makes it exit non-zero (as designed); a restart on
/// the still-full disk fails cleanly, and once space is freed it starts and serves, with
/// every acknowledged change and, if the journal had it, the failed one.
fn server_on_a_full_disk(test: &str, preallocate_journal: bool) {
    let Some(disk) = SmallDisk::mount(test, "40m") else {
        return;
    };
    let db = disk.path.join("store");
    let log = std::env::temp_dir().join(format!("kpps-{test}-{}.log", std::process::id()));
    stdout(&kpps(&db, &["demo"]));
    if !preallocate_journal {
        let store = Store::open(&db, "t").unwrap();
        journal_fills_first(&store, &mut store.load().unwrap());
    }
    let socket = db.join("kpps.sock");
    let mut server = Server::start_logging(&db, &socket, &[], &log);
    let (mut client, mut roster) = Client::connect(&server.socket).unwrap();
    // The last change before any of ours (the demo's own entries).
    let before = client.seq();
    if preallocate_journal {
        // The journal's next pages are reserved (not its length): so the database is what
        // runs out of space first.
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(Store::journal_path(&db))
            .unwrap();
        // SAFETY: fallocate on an open file descriptor.
        let rc = unsafe { libc::fallocate(f.as_raw_fd(), libc::FALLOC_FL_KEEP_SIZE, 0, 4 << 20) };
        assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
    }
    disk.fill();
    let (acked, failure) = change_until_it_fails(&mut client, &mut roster);
    let ExecError::Remote(said) = failure else {
        panic!("{failure}")
    };
    // The server says it in both languages; the English is checked for what it says.
    assert!(said.get(Lang::Id).contains("disk penuh"), "{said:?}");
    let message = said.get(Lang::En);
    let status = wait_exit(&mut server);
    assert!(!status.success(), "{status:?}");
    assert!(
        server
            .log()
            .contains("the store failed a write; restarting to recover"),
        "{}",
        server.log()
    );
    // The disk may be too full for even the first change (sled needed a page at once).
    let failed_seq = acked.last().copied().unwrap_or(before) + 1;
    let expected: Vec<u64> = if preallocate_journal {
        assert!(
            message.contains(&format!("change #{failed_seq} is in the journal"))
                && message.contains("the disk is full"),
            "{message}"
        );
        (1..=failed_seq).collect()
    } else {
        assert!(
            message.contains("not recorded") && message.contains("the disk is full"),
            "{message}"
        );
        (1..failed_seq).collect()
    };
    // The service manager restarts it at once, on a disk still full.
    disk.fill();
    let restart = kpps_bounded(&db, &["--lang", "en", "serve"], 60);
    let err = String::from_utf8_lossy(&restart.stderr);
    assert_eq!(restart.status.code(), Some(2), "{err}");
    assert!(err.contains("the disk is full"), "{err}");
    // Space comes back: it starts, and serves what the journal holds.
    disk.free();
    let server = Server::start_logging(&db, &socket, &[], &log);
    let (mut client, mut roster) = Client::connect(&server.socket).unwrap();
    let command = toggle(&roster, filled_seat(&roster));
    let entry = client.execute(&mut roster, &command).unwrap();
    assert_eq!(entry.seq, expected.last().unwrap() + 1);
    drop(client);
    server.stop();
    let _ = std::fs::remove_file(&log);
    let mut want = expected;
    want.push(entry.seq);
    assert_eq!(logged(&db), want);
    check_is_clean(&db);
}

#[test]
fn the_server_exits_when_the_journal_cannot_be_written_and_restarts_once_space_is_freed() {
    server_on_a_full_disk("server_journal_full", false);
}

#[test]
fn the_server_exits_when_the_database_cannot_be_written_and_replays_the_journal_after() {
    server_on_a_full_disk("server_database_full", true);
}

/// A roster file of the whole demo (32,773 rows), made outside the small disk.
fn demo_roster_file(dir: &Path) -> PathBuf {
    let demo = dir.join("demo");
    stdout(&kpps(&demo, &["demo"]));
    let file = dir.join("roster.csv");
    stdout(&kpps(
        &demo,
        &["export", "roster", "--out", file.to_str().unwrap()],
    ));
    file
}

#[test]
fn an_import_that_fills_the_disk_neither_hangs_nor_leaves_the_store_astray() {
    let Some(disk) = SmallDisk::mount("an_import_that_fills_the_disk", "6m") else {
        return;
    };
    let files = tempfile::tempdir().unwrap();
    let roster = demo_roster_file(files.path());
    let db = disk.path.join("store");
    stdout(&kpps(&db, &["init"]));
    // Space for the empty store, not for the 32,773 people: the import fails, and the
    // process ends (sled 0.34 used to wait forever for its closing flush).
    let out = kpps_bounded(
        &db,
        &["--lang", "en", "import", "roster", roster.to_str().unwrap()],
        120,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("the disk is full"), "{err}");
    // More space: the store opens, equal to its journal, with the whole import or none.
    disk.grow("64m");
    check_is_clean(&db);
    let store = Store::open(&db, "t").unwrap();
    let officers = store.load().unwrap().officer_count();
    assert!(officers == 0 || officers == 32_773, "{officers} officers");
    // And what it said was true: "nothing was imported" only if nothing was.
    assert_eq!(
        err.contains("nothing was imported"),
        officers == 0,
        "{officers} officers after: {err}"
    );
}
