//! `kpps serve` with many clients: races for the same seat, person and reserve; scopes
//! checked on the server; slow, killed and idle clients; a server restarted under its
//! clients. The real binary serves a real store; clients are the library's `Client` (what
//! the TUI uses) in threads, the CLI, and the TUI in a pty.

mod common;

use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::Instant;

use chrono::NaiveDate;
use common::{kpps, stdout, wait_for, Server, Tmux};
use kpps::domain::{
    Command, KelurahanId, Nik, Person, Refusal, Roster, Screening, Sex, TpsId, VacateReason,
};
use kpps::io::roster_csv::{import, ImportKind, ImportOptions};
use kpps::net::Client;
use kpps::port::Port;
use kpps::store::{ExecError, LogEntry};

fn demo_store() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store");
    stdout(&kpps(&db, &["demo"]));
    (dir, db)
}

/// The real binary's TUI on `db` (working through its server) in a pty, once it shows the
/// demo roster.
fn tui_on(dir: &Path, db: &Path, width: u16, height: u16) -> Tmux {
    let command = format!("exec {} --db {}", env!("CARGO_BIN_EXE_kpps"), db.display());
    let tui = Tmux::start(dir, width, height, &command);
    tui.wait_for_screen("the TUI", |s| s.contains("33.439"));
    tui
}

fn connect(server: &Server) -> (Client, Roster) {
    Client::connect(&server.socket).expect("connect")
}

/// Empty seats, in tree order.
fn empty_seats(roster: &Roster) -> Vec<(TpsId, u8)> {
    let mut out = Vec::new();
    for t in roster.region.tps_ids() {
        for seat in 1..=roster.seats_per_tps() {
            if roster.seat(t, seat).is_none() {
                out.push((t, seat));
            }
        }
    }
    out
}

/// An eligible person born in Palembang whose NIK is not in the roster.
fn person(roster: &Roster, serial: u16) -> Person {
    let birth = NaiveDate::from_ymd_opt(1990, 5, 1).unwrap();
    let nik = Nik::compose(167101, birth, Sex::L, serial);
    assert!(
        roster.locate_nik(nik).is_none(),
        "test NIK {serial} collides"
    );
    Person {
        name: format!("Uji Coba {serial}").into(),
        nik,
        birth_date: birth,
        sex: Sex::L,
        phone: None,
        screening: Screening::NotAtRisk,
        jkn: true,
    }
}

fn fill_direct(tps: TpsId, seat: u8, person: Person) -> Command {
    Command::FillDirect {
        tps,
        seat,
        person,
        berita_acara: Some("BA-UJI".into()),
    }
}

/// Applies pushes until the client has seen entry `seq`.
fn sync_to(client: &mut Client, roster: &mut Roster, seq: u64) {
    wait_for("the client to catch up", || {
        client.sync(roster);
        client.seq() >= seq
    });
}

#[test]
fn a_hundred_clients_race_for_the_same_seat_person_and_reserve() {
    let (_dir, db) = demo_store();
    let server = Server::start(&db, &[]);
    let (_, roster) = connect(&server);
    let seats = empty_seats(&roster);
    assert!(seats.len() > 60, "the demo has empty seats");
    // A reserve and 25 empty seats in its kecamatan (other kelurahan welcome).
    let empty_in = |kec| {
        seats
            .iter()
            .filter(|(t, _)| roster.region.kecamatan_of(*t) == kec)
            .count()
    };
    let (kel, rank) = (0..roster.region.kelurahan.len() as u32)
        .map(KelurahanId)
        .filter(|&k| empty_in(roster.region.kelurahan(k).kecamatan) >= 25)
        .find_map(|k| roster.reserves(k).first().map(|r| (k, r.rank)))
        .expect("a reserve in a kecamatan with 25 empty seats");
    let kec = roster.region.kelurahan(kel).kecamatan;
    let near: Vec<(TpsId, u8)> = seats
        .iter()
        .copied()
        .filter(|(t, _)| roster.region.kecamatan_of(*t) == kec)
        .take(25)
        .collect();
    assert_eq!(near.len(), 25);
    let others: Vec<(TpsId, u8)> = seats
        .iter()
        .copied()
        .filter(|s| !near.contains(s))
        .take(26)
        .collect();
    let contested_seat = others[0];
    let one_person = person(&roster, 9_000);

    // 50 clients fill one seat with 50 different people; 25 put one person in 25 seats;
    // 25 appoint one reserve to 25 seats. All at once.
    let mut plans: Vec<Command> = Vec::new();
    for i in 0..50 {
        plans.push(fill_direct(
            contested_seat.0,
            contested_seat.1,
            person(&roster, 9_100 + i),
        ));
    }
    for &(tps, seat) in &others[1..26] {
        plans.push(fill_direct(tps, seat, one_person.clone()));
    }
    for &(tps, seat) in &near {
        plans.push(Command::FillFromReserve {
            tps,
            seat,
            kelurahan: kel,
            rank,
        });
    }
    assert_eq!(plans.len(), 100);
    let before = connect(&server).0.recent_log(1).unwrap()[0].seq;

    let barrier = Arc::new(Barrier::new(plans.len()));
    let socket = server.socket.clone();
    let handles: Vec<_> = plans
        .into_iter()
        .map(|command| {
            let barrier = Arc::clone(&barrier);
            let socket = socket.clone();
            std::thread::spawn(move || {
                let (mut client, mut roster) = Client::connect(&socket).unwrap();
                barrier.wait();
                let start = Instant::now();
                let result = client.execute(&mut roster, &command);
                (command, result, start.elapsed(), client, roster)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();

    let wins = |range: std::ops::Range<usize>| {
        results[range].iter().filter(|(_, r, ..)| r.is_ok()).count()
    };
    assert_eq!(wins(0..50), 1, "one of 50 fills the contested seat");
    assert_eq!(wins(50..75), 1, "one person sits once");
    assert_eq!(wins(75..100), 1, "one reserve is appointed once");
    for (command, result, ..) in &results {
        match (command, result) {
            (_, Ok(_)) => {}
            (Command::FillDirect { .. }, Err(ExecError::Refused(Refusal::SeatOccupied { .. })))
            | (Command::FillDirect { .. }, Err(ExecError::Refused(Refusal::NikInUse { .. })))
            | (
                Command::FillFromReserve { .. },
                Err(ExecError::Refused(Refusal::NoSuchReserve { .. })),
            ) => {}
            (c, r) => panic!("{c:?} → {r:?}"),
        }
    }
    let mut latencies: Vec<_> = results.iter().map(|(_, _, d, ..)| *d).collect();
    latencies.sort();
    eprintln!(
        "100 concurrent commands: median {:?}, max {:?}",
        latencies[50], latencies[99]
    );

    // Three changes, each logged once, with distinct numbers.
    let mut seqs: Vec<u64> = results
        .iter()
        .filter_map(|(_, r, ..)| r.as_ref().ok().map(|e| e.seq))
        .collect();
    seqs.sort();
    assert_eq!(seqs, vec![before + 1, before + 2, before + 3]);

    // Every client converges on the server's roster.
    let (_, truth) = connect(&server);
    truth.verify().unwrap();
    for (_, _, _, mut client, mut roster) in results {
        sync_to(&mut client, &mut roster, before + 3);
        for &(tps, seat) in near.iter().chain(&others) {
            assert_eq!(roster.seat(tps, seat), truth.seat(tps, seat));
        }
        assert_eq!(roster.total(), truth.total());
    }
    server.stop();
    let check = kpps(&db, &["check"]);
    assert!(check.status.success(), "{}", stdout(&check));
}

fn write_coordinators(db: &Path, body: &str) -> std::path::PathBuf {
    let path = db.parent().unwrap().join("coordinators.csv");
    std::fs::write(&path, format!("user,role,area\n{body}")).unwrap();
    path
}

#[test]
fn scopes_are_checked_on_the_server_and_the_kernel_names_the_user() {
    let (_dir, db) = demo_store();
    let me = kpps::store::os_user();
    let roster = kpps::store::Store::open(&db, "t").unwrap().load().unwrap();
    let seats = empty_seats(&roster);
    let (own_tps, own_seat) = seats[0];
    let own_kel = roster.region.kelurahan_of(own_tps);
    let (far_tps, far_seat) = *seats
        .iter()
        .find(|(t, _)| roster.region.kelurahan_of(*t) != own_kel)
        .unwrap();
    let addr = |t: TpsId| roster.region.address(t).to_string();
    let own_code = roster.region.kelurahan(own_kel).code.clone();
    let file = write_coordinators(&db, &format!("{me},pps,{own_code}\n"));
    let server = Server::start(&db, &["--coordinators", file.to_str().unwrap()]);
    let log_len = || stdout(&kpps(&db, &["log"])).lines().count();
    let before = log_len();

    // Outside the kelurahan: refused on the server, with the reason, nothing written.
    let fill_far = [
        "--lang",
        "en",
        "fill",
        "--tps",
        &addr(far_tps),
        "--seat",
        &far_seat.to_string(),
        "--nama",
        "Uji Luar",
        "--nik",
        "1671014505900001",
        "--tanggal-lahir",
        "1990-05-05",
        "--jenis-kelamin",
        "P",
        "--berita-acara",
        "BA-1",
    ];
    let out = kpps(&db, &fill_far);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("outside your area"), "{err}");
    assert!(
        err.contains(&roster.region.kelurahan(own_kel).name),
        "{err}"
    );
    assert_eq!(log_len(), before);

    // Inside: recorded under the user the kernel named, whatever --as says.
    let own = [
        "fill",
        "--tps",
        &addr(own_tps),
        "--seat",
        &own_seat.to_string(),
        "--nama",
        "Uji Dalam",
        "--nik",
        "1671014505900002",
        "--tanggal-lahir",
        "1990-05-05",
        "--jenis-kelamin",
        "P",
        "--berita-acara",
        "BA-2",
        "--as",
        "someone-else",
    ];
    stdout(&kpps(&db, &own));
    let log = stdout(&kpps(&db, &["log", "--format", "json", "--limit", "1"]));
    let json: serde_json::Value = serde_json::from_str(&log).unwrap();
    assert_eq!(json[0]["actor"], me.as_str());

    // The file is re-read when it changes: a viewer may look but not change.
    write_coordinators(&db, &format!("{me},viewer,\n"));
    let out = kpps(
        &db,
        &[
            "--lang",
            "en",
            "vacate",
            "--tps",
            &addr(own_tps),
            "--seat",
            &own_seat.to_string(),
            "--reason",
            "mengundurkan-diri",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("may view but not change"));
    assert!(
        stdout(&kpps(&db, &["gaps"])).contains("TPS"),
        "viewers read"
    );

    // Not listed: no connection at all, and no fallback to opening the store.
    write_coordinators(&db, "somebody,kpu,\n");
    let out = kpps(&db, &["gaps"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not in this server's coordinators file"));
    assert!(server.log().contains("is not a coordinator; refused"));
    server.stop();
    assert_eq!(log_len(), before + 1);
}

#[test]
fn a_slow_client_is_cut_off_and_the_others_go_on() {
    use std::io::{Read, Write};
    let (_dir, db) = demo_store();
    let server = Server::start(&db, &["--client-queue", "8"]);
    // A client that says hello and then never reads: its snapshot fills the socket buffer.
    let mut slow = std::os::unix::net::UnixStream::connect(&server.socket).unwrap();
    slow.write_all(&kpps::net::proto::encode(
        &kpps::net::proto::ToServer::Hello {
            protocol: kpps::net::proto::PROTOCOL,
        },
    ))
    .unwrap();
    let (mut client, mut roster) = connect(&server);
    let (tps, seat) = (TpsId(0), 1);
    assert!(roster.seat(tps, seat).is_some());
    for i in 0..40 {
        let command = Command::MarkAbsent {
            tps,
            seat,
            absent: i % 2 == 0,
        };
        client
            .execute(&mut roster, &command)
            .expect("not stalled by the slow client");
    }
    wait_for("the slow client to be cut off", || {
        server.log().contains("too slow")
    });
    // What it had been sent, then end-of-file: the server closed it.
    slow.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut sink = Vec::new();
    slow.read_to_end(&mut sink).expect("closed, not hanging");
}

fn tps_log(client: &mut Client) -> Vec<LogEntry> {
    client.recent_log(usize::MAX).unwrap()
}

#[test]
fn clients_ride_out_a_server_restart_and_nothing_acknowledged_is_lost() {
    let (dir, db) = demo_store();
    let server = Server::start(&db, &[]);
    let tui = tui_on(dir.path(), &db, 80, 24);

    // Four writers toggle absences as fast as they can; the server is killed mid-stream.
    let socket = server.socket.clone();
    let writers: Vec<_> = (0..4u32)
        .map(|w| {
            let socket = socket.clone();
            std::thread::spawn(move || {
                let (mut client, mut roster) = Client::connect(&socket).unwrap();
                let tps = TpsId(100 + w);
                let seat = (1..=7).find(|&s| roster.seat(tps, s).is_some()).unwrap();
                let mut acked = Vec::new();
                for i in 0.. {
                    let absent = roster.seat(tps, seat).map(|h| !h.absent).unwrap();
                    match client.execute(&mut roster, &Command::MarkAbsent { tps, seat, absent }) {
                        Ok(entry) => acked.push(entry),
                        Err(ExecError::Remote(_)) => break,
                        Err(e) => panic!("writer {w} change {i}: {e}"),
                    }
                }
                acked
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(700));
    server.signal(libc::SIGKILL);
    let acked: Vec<LogEntry> = writers
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert!(acked.len() > 4, "writers got going ({})", acked.len());
    tui.wait_for_screen("the TUI to report the lost server", |s| {
        s.contains("Server kpps terputus")
    });
    drop(server);

    let server = Server::start(&db, &[]);
    tui.wait_for_screen("the TUI to reconnect", |s| s.contains("Tersambung kembali"));
    let (mut client, _) = connect(&server);
    let log = tps_log(&mut client);
    for entry in &acked {
        let stored = log.iter().find(|e| e.seq == entry.seq);
        assert_eq!(stored, Some(entry), "acknowledged #{} survives", entry.seq);
    }
    // The reconnected TUI sees the next change at once.
    let (mut client, mut roster) = connect(&server);
    let (tps, seat) = empty_seats(&roster)[0];
    let command = fill_direct(tps, seat, person(&roster, 9_500));
    let entry = client.execute(&mut roster, &command).unwrap();
    tui.wait_for_screen("the TUI to show the new change", |s| {
        s.contains(&format!("#{}", entry.seq)) && s.contains("Uji Coba 9500")
    });
    server.stop();
    assert!(kpps(&db, &["check"]).status.success());
}

#[test]
fn a_killed_client_is_dropped_and_idle_clients_cost_nothing() {
    let (dir, db) = demo_store();
    let server = Server::start(&db, &[]);
    let bytes = dir.path().join("tui.bytes");
    let tui = tui_on(dir.path(), &db, 80, 24);
    tui.run(&[
        "pipe-pane",
        "-t",
        "t",
        &format!("cat >> {}", bytes.display()),
    ]);
    let idle: Vec<(Client, Roster)> = (0..20).map(|_| connect(&server)).collect();
    wait_for("all clients registered", || {
        server.log().matches("connected as").count() >= 21
    });

    // Idle: no CPU in the server, no bytes to the terminal.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let ticks = server.cpu_ticks();
    std::thread::sleep(std::time::Duration::from_secs(5));
    // Measured 0 ticks; one tick (10 ms in 5 s) is allowed for the kernel's accounting.
    let used = server.cpu_ticks() - ticks;
    assert!(used <= 1, "an idle server used {used} ticks of CPU in 5 s");
    let sent = std::fs::metadata(&bytes).map(|m| m.len()).unwrap_or(0);
    assert_eq!(sent, 0, "the idle TUI was sent {sent} bytes");

    // Another coordinator's change reaches this TUI at once, in less than one TCP segment.
    let (mut writer, mut writer_roster) = connect(&server);
    let (tps, seat) = empty_seats(&writer_roster)[0];
    let command = fill_direct(tps, seat, person(&writer_roster, 9_700));
    let entry = writer.execute(&mut writer_roster, &command).unwrap();
    tui.wait_for_screen("the pushed change", |s| {
        s.contains(&format!("↻ {} #{}", kpps::store::os_user(), entry.seq))
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    let update = std::fs::metadata(&bytes).unwrap().len();
    eprintln!("bytes to the TUI for one pushed change: {update}");
    assert!(
        update > 0 && update <= 1_400,
        "{update} bytes for one pushed change"
    );

    // Kill the TUI outright: the server drops it; everyone else carries on.
    let pid: i32 = tui
        .run(&["display", "-p", "-t", "t", "#{pane_pid}"])
        .trim()
        .parse()
        .unwrap();
    // SAFETY: kill on the TUI's pid.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    wait_for("the server to drop the killed client", || {
        server.log().matches("disconnected").count() >= 1
    });
    let (mut client, mut roster) = connect(&server);
    let (tps, seat) = empty_seats(&roster)[0];
    let command = fill_direct(tps, seat, person(&roster, 9_600));
    client.execute(&mut roster, &command).unwrap();
    for (mut c, mut r) in idle {
        let seen = c.sync(&mut r);
        assert!(seen.lost.is_none());
        sync_to(&mut c, &mut r, client.seq());
        assert!(r.seat(tps, seat).is_some(), "idle clients got the change");
    }
    server.stop();
}

#[test]
fn an_explicit_socket_without_a_server_is_an_error_not_a_new_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store");
    let socket = dir.path().join("nobody.sock");
    let out = kpps(&db, &["--socket", socket.to_str().unwrap(), "gaps"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("server"));
    assert!(!db.exists(), "no store was created");
}

#[test]
fn the_tui_starts_in_the_coordinators_area_and_refuses_outside_it_at_once() {
    let (dir, db) = demo_store();
    let roster = kpps::store::Store::open(&db, "t").unwrap().load().unwrap();
    // A kelurahan that is not the first, so starting there is visible.
    let kel = KelurahanId(5);
    let name = roster.region.kelurahan(kel).name.clone();
    let code = roster.region.kelurahan(kel).code.clone();
    let outside = roster.region.address(TpsId(0)).to_string();
    drop(roster);
    let me = kpps::store::os_user();
    let file = write_coordinators(&db, &format!("{me},pps,{code}\n"));
    let server = Server::start(&db, &["--coordinators", file.to_str().unwrap()]);
    let tui = tui_on(dir.path(), &db, 100, 30);
    let screen = tui.screen();
    assert!(
        screen.contains(&format!("{me} · PPS Kelurahan {name}")),
        "{screen}"
    );
    // The detail pane shows the own kelurahan from the start.
    assert!(screen.lines().nth(2).unwrap().contains(&name), "{screen}");

    // Another kelurahan's TPS: the change keys say no before any dialog opens.
    tui.send("/");
    for c in outside.chars() {
        tui.send(&c.to_string());
    }
    tui.send("Enter");
    tui.wait_for_screen("the outside TPS", |s| s.contains(&outside));
    tui.send("x");
    let screen = tui.wait_for_screen("the refusal", |s| s.contains("di luar wilayah Anda"));
    assert!(!screen.contains("Kosongkan kursi"), "{screen}");
    server.stop();
}

#[test]
fn forged_and_malformed_requests_change_nothing_and_the_server_stays_up() {
    let (_dir, db) = demo_store();
    let roster = kpps::store::Store::open(&db, "t").unwrap().load().unwrap();
    // A kelurahan with an empty seat, and a neighbour in the same kecamatan with a reserve.
    let seats = empty_seats(&roster);
    let (own_tps, own_seat, other_kel) = seats
        .iter()
        .find_map(|&(t, s)| {
            let kel = roster.region.kelurahan_of(t);
            let kec = roster.region.kelurahan(kel).kecamatan;
            roster
                .region
                .kecamatan(kec)
                .kelurahan
                .clone()
                .map(KelurahanId)
                .find(|&k| k != kel && !roster.reserves(k).is_empty())
                .map(|k| (t, s, k))
        })
        .unwrap();
    let own_kel = roster.region.kelurahan_of(own_tps);
    let far_tps = TpsId(roster.region.kelurahan(other_kel).tps.start);
    let me = kpps::store::os_user();
    let file = write_coordinators(
        &db,
        &format!("{me},pps,{}\n", roster.region.kelurahan(own_kel).code),
    );
    drop(roster);
    let server = Server::start(&db, &["--coordinators", file.to_str().unwrap()]);
    let (mut client, mut roster) = connect(&server);
    let start = client.seq();
    let refused = |r: Result<LogEntry, ExecError>| match r {
        Err(ExecError::Refused(refusal)) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    };

    // Ids out of range: refused, not a crash.
    let bad = Command::MarkAbsent {
        tps: TpsId(u32::MAX),
        seat: 1,
        absent: true,
    };
    assert_eq!(
        refused(client.execute(&mut roster, &bad)),
        Refusal::NoSuchPlace
    );
    let bad_seat = Command::Vacate {
        tps: own_tps,
        seat: 200,
        reason: VacateReason::Resigned,
    };
    assert!(matches!(
        refused(client.execute(&mut roster, &bad_seat)),
        Refusal::NoSuchSeat { seat: 200, .. }
    ));
    // Another kelurahan's reserve, even into one's own TPS: outside a PPS's area.
    let rank = roster.reserves(other_kel)[0].rank;
    let poach = Command::FillFromReserve {
        tps: own_tps,
        seat: own_seat,
        kelurahan: other_kel,
        rank,
    };
    assert!(matches!(
        refused(client.execute(&mut roster, &poach)),
        Refusal::OutsideScope(_)
    ));

    // A real change, then an "undo" of it carrying a forged event for another kelurahan:
    // the server undoes what its log says, in the sender's own TPS, and nothing else.
    let command = fill_direct(own_tps, own_seat, person(&roster, 9_800));
    let mine = client.execute(&mut roster, &command).unwrap();
    let before_far = roster.seats_of(far_tps).to_vec();
    let forged = Command::Undo {
        seq: mine.seq,
        event: kpps::domain::Event::SeatVacated {
            tps: far_tps,
            seat: 13,
            reason: VacateReason::Died,
            person: person(&roster, 9_801),
        },
    };
    let undone = client.execute(&mut roster, &forged).unwrap();
    let kpps::store::Record::Change(kpps::domain::Event::Undone { seq, event }) = &undone.record
    else {
        panic!("{undone:?}");
    };
    assert_eq!(*seq, mine.seq);
    let kpps::store::Record::Change(logged) = &mine.record else {
        unreachable!()
    };
    assert_eq!(
        **event, *logged,
        "the logged event was undone, not the forged one"
    );
    assert!(roster.seat(own_tps, own_seat).is_none());
    assert_eq!(roster.seats_of(far_tps), &before_far[..]);
    // Undo of the creation record or of nothing at all: refused.
    for seq in [1, 999_999] {
        let undo = Command::Undo {
            seq,
            event: logged.clone(),
        };
        assert_eq!(
            refused(client.execute(&mut roster, &undo)),
            Refusal::CannotUndo
        );
    }

    // The server is still whole: a new client sees exactly the two real changes.
    let (mut fresh, fresh_roster) = connect(&server);
    assert_eq!(fresh.seq(), start + 2);
    assert_eq!(fresh.recent_log(1).unwrap()[0].seq, start + 2);
    assert_eq!(fresh_roster.seats_of(far_tps), &before_far[..]);
    fresh_roster.verify().unwrap();
    server.stop();
    assert!(kpps(&db, &["check"]).status.success());
}

#[test]
fn removing_a_coordinator_stops_their_open_session_writing() {
    let (_dir, db) = demo_store();
    let me = kpps::store::os_user();
    let file = write_coordinators(&db, &format!("{me},kpu,\n"));
    let server = Server::start(&db, &["--coordinators", file.to_str().unwrap()]);
    let (mut client, mut roster) = connect(&server);
    let (tps, seat) = empty_seats(&roster)[0];
    std::thread::sleep(std::time::Duration::from_millis(20)); // a distinct mtime
    write_coordinators(&db, "somebody,kpu,\n");
    let command = fill_direct(tps, seat, person(&roster, 9_900));
    match client.execute(&mut roster, &command) {
        Err(ExecError::Refused(Refusal::NotACoordinator)) => {}
        other => panic!("{other:?}"),
    }
    assert!(roster.seat(tps, seat).is_none());
    // …and the session is closed: no more of the roster reaches it.
    wait_for("the session to be closed", || {
        client.sync(&mut roster).lost.is_some()
    });
    assert!(server
        .log()
        .contains("is no longer a coordinator; disconnected"));
    server.stop();
}

#[test]
fn a_client_of_another_protocol_is_told_so() {
    use std::io::Write;
    let (_dir, db) = demo_store();
    let server = Server::start(&db, &[]);
    let mut raw = std::os::unix::net::UnixStream::connect(&server.socket).unwrap();
    raw.write_all(&kpps::net::proto::encode(
        &kpps::net::proto::ToServer::Hello { protocol: 999 },
    ))
    .unwrap();
    let reply: kpps::net::proto::ToClient = kpps::net::proto::read(&mut raw).unwrap().unwrap();
    let kpps::net::proto::ToClient::Denied { message } = reply else {
        panic!("{reply:?}");
    };
    assert!(message.contains("protocol"), "{message}");
    // Something that is not a socket at the socket path is never deleted.
    let other = db.parent().unwrap().join("not-a-socket");
    std::fs::write(&other, "keep me").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kpps"))
        .arg("--db")
        .arg(&db)
        .arg("--socket")
        .arg(&other)
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "keep me");
    server.stop();
}

#[test]
fn the_server_compacts_a_store_that_outgrew_its_data() {
    let (_dir, db) = demo_store();
    let server = Server::start(&db, &[]);
    let (mut client, mut roster) = connect(&server);
    let (tps, seat) = (TpsId(0), 1);
    // An election week in a corner: one officer absent, back, absent… 1,200 recorded changes.
    for i in 0..1_200 {
        let command = Command::MarkAbsent {
            tps,
            seat,
            absent: i % 2 == 0,
        };
        client.execute(&mut roster, &command).unwrap();
    }
    wait_for("a compaction", || {
        server.log().contains("compacted the store")
    });
    let log = server.log();
    server.stop();
    // The copy runs beside the commits, so changes after the swap grow the store again
    // until the next check; what the server holds is the size right after each swap.
    let line = log
        .lines()
        .find(|l| l.contains("compacted the store"))
        .unwrap();
    let compacted: u64 = line
        .split(" → ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    let store = kpps::store::Store::open(&db, "t").unwrap();
    let live = store.live_bytes().unwrap();
    eprintln!(
        "after 1,200 changes through the server: compacted to {compacted} B; now {} B on disk, {live} B live",
        store.size_on_disk().unwrap()
    );
    assert!(
        compacted <= 3 * live,
        "{compacted} B on disk after compaction for {live} B of data"
    );
    assert!(store.check().unwrap().problems.is_empty());
}

/// The KPU office imports a file while coordinators work: the import goes through the
/// server as one request, is decided again there, and reaches every client. A conflict that
/// arose after the file was checked is refused with the file's line; a PPS may not import.
#[test]
fn the_kpu_office_imports_through_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let db = dir.path().join("store");
    let file = dir.path().join("roster.csv");
    stdout(&kpps(&demo, &["demo"]));
    stdout(&kpps(
        &demo,
        &["export", "roster", "--out", file.to_str().unwrap()],
    ));
    stdout(&kpps(&db, &["init"]));
    let rows = std::fs::read_to_string(&file).unwrap().lines().count() - 1;
    let server = Server::start(&db, &[]);
    let (mut watcher, mut watched) = connect(&server);

    // A roster checked against a stale copy: meanwhile someone filled a seat the file fills.
    let (mut office, mut stale) = connect(&server);
    let demo_roster = kpps::store::Store::open(&demo, "t")
        .unwrap()
        .load()
        .unwrap();
    let (tps, seat) = demo_roster
        .region
        .tps_ids()
        .find_map(|t| demo_roster.seat(t, 3).map(|_| (t, 3)))
        .unwrap();
    let (mut other, mut other_roster) = connect(&server);
    let p = person(&demo_roster, 8801);
    other
        .execute(&mut other_roster, &fill_direct(tps, seat, p))
        .unwrap();
    let opts = ImportOptions {
        lang: kpps::text::Lang::En,
        ..Default::default()
    };
    let failure = import(&mut office, &mut stale, ImportKind::Roster, &file, &opts).unwrap_err();
    let addr = demo_roster.region.address(tps).to_string();
    let expected_line = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .position(|l| {
            let (code, number) = addr.split_once('/').unwrap();
            l.starts_with(&format!("{code},{number},{seat},"))
        })
        .unwrap() as u64
        + 1;
    assert_eq!(failure.errors.len(), 1, "{:?}", failure.errors);
    assert_eq!(failure.errors[0].line, expected_line);
    assert!(
        failure.errors[0].reason.contains("already filled"),
        "{:?}",
        failure.errors
    );
    let undo = other.recent_log(1).unwrap()[0].seq;
    let vacate = Command::Vacate {
        tps,
        seat,
        reason: VacateReason::Resigned,
    };
    other.execute(&mut other_roster, &vacate).unwrap();
    assert!(undo > 1);

    // The CLI imports through the server (the store is the server's: opening it directly
    // would fail), and every client receives the whole file as one change.
    let out = kpps(
        &db,
        &["--lang", "en", "import", "roster", file.to_str().unwrap()],
    );
    assert!(out.status.success(), "{out:?}");
    let last = other.recent_log(1).unwrap()[0].seq;
    sync_to(&mut watcher, &mut watched, last);
    assert_eq!(watched.officer_count(), rows);
    assert_eq!(watched.total(), demo_roster.total());

    // A PPS may not import, even into their own kelurahan.
    let code = demo_roster.region.kelurahan(KelurahanId(0)).code.clone();
    let me = kpps::store::os_user();
    write_coordinators(&db, &format!("{me},pps,{code}\n"));
    let coordinators = db.parent().unwrap().join("coordinators.csv");
    server.stop();
    let server = Server::start(&db, &["--coordinators", coordinators.to_str().unwrap()]);
    let small = dir.path().join("small.csv");
    std::fs::write(
        &small,
        "kelurahan_code,peringkat,nama,nik,tanggal_lahir,jenis_kelamin,telepon,skrining,jkn\n",
    )
    .unwrap();
    let out = kpps(
        &db,
        &[
            "--lang",
            "en",
            "import",
            "reserves",
            small.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "an empty file writes nothing: {out:?}"
    );
    let reserves = dir.path().join("reserves.csv");
    stdout(&kpps(
        &demo,
        &["export", "reserves", "--out", reserves.to_str().unwrap()],
    ));
    let mut own_rows: Vec<String> = std::fs::read_to_string(&reserves)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with(&code))
        .map(str::to_string)
        .collect();
    own_rows.truncate(2);
    std::fs::write(
        &small,
        format!(
            "{}\n{}\n",
            std::fs::read_to_string(&reserves)
                .unwrap()
                .lines()
                .next()
                .unwrap(),
            own_rows.join("\n")
        ),
    )
    .unwrap();
    let out = kpps(
        &db,
        &[
            "--lang",
            "en",
            "import",
            "reserves",
            small.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("outside your area"),
        "{out:?}"
    );
    server.stop();
    let store = kpps::store::Store::open(&db, "t").unwrap();
    assert_eq!(store.log_entries().count(), 1 + 2 + 1);
    assert!(store.check().unwrap().problems.is_empty());
}

/// A store with every seat vacant and only the given reserves: `(kelurahan code, rank,
/// name, skrining)`; men born 17-08-1990 with NIKs of the kelurahan's kecamatan.
fn vacant_with_reserves(
    rows: &[(&str, u32, String, &str)],
) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store");
    stdout(&kpps(&db, &["init"]));
    let mut csv = String::from(
        "kelurahan_code,peringkat,nama,nik,tanggal_lahir,jenis_kelamin,telepon,skrining,jkn\n",
    );
    for (i, (kel, rank, name, skrining)) in rows.iter().enumerate() {
        let region6 = kel.replace('.', "")[..6].to_string();
        csv.push_str(&format!(
            "{kel},{rank},{name},{region6}170890{:04},1990-08-17,L,,{skrining},ya\n",
            1 + i
        ));
    }
    let file = dir.path().join("reserves.csv");
    std::fs::write(&file, csv).unwrap();
    stdout(&kpps(&db, &["import", "reserves", file.to_str().unwrap()]));
    (dir, db)
}

#[test]
fn a_hundred_simultaneous_next_reserve_fills_use_each_reserve_once() {
    // Fewer reserves than requests, and more.
    race_for_next_reserve(40);
    race_for_next_reserve(130);
}

/// 100 simultaneous `fill --reserve next` into empty seats of one kelurahan with `k`
/// reserves: exactly min(100, k) are filled, each reserve once; the rest are told no
/// reserve is left.
fn race_for_next_reserve(k: usize) {
    // 35 Ilir has 34 TPS: 100 empty seats in one kelurahan.
    const KEL: &str = "16.71.01.1001";
    let rows: Vec<(&str, u32, String, &str)> = (1..=k as u32)
        .map(|rank| (KEL, rank, format!("Cadangan {rank}"), "tidak berisiko"))
        .collect();
    let (_dir, db) = vacant_with_reserves(&rows);
    let server = Server::start(&db, &[]);
    let (_, roster) = connect(&server);
    let kel = (0..roster.region.kelurahan.len() as u32)
        .map(KelurahanId)
        .find(|&k| roster.region.kelurahan(k).code == KEL)
        .unwrap();
    assert_eq!(roster.reserves(kel).len(), k);
    let seats: Vec<(String, u8)> = roster
        .region
        .kelurahan(kel)
        .tps
        .clone()
        .map(TpsId)
        .flat_map(|t| (1..=7).map(move |seat| (t, seat)))
        .take(100)
        .map(|(t, seat)| (roster.region.address(t).to_string(), seat))
        .collect();
    assert_eq!(seats.len(), 100);

    // 100 coordinators run `kpps fill --reserve next` at the same moment, each its own
    // process and connection.
    let barrier = Arc::new(Barrier::new(seats.len()));
    let handles: Vec<_> = seats
        .into_iter()
        .map(|(addr, seat)| {
            let barrier = Arc::clone(&barrier);
            let db = db.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let out = kpps(
                    &db,
                    &[
                        "--lang",
                        "en",
                        "fill",
                        "--tps",
                        &addr,
                        "--seat",
                        &seat.to_string(),
                        "--reserve",
                        "next",
                    ],
                );
                (
                    out.status.code(),
                    String::from_utf8_lossy(&out.stderr).into_owned(),
                )
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let filled = results.iter().filter(|(code, _)| *code == Some(0)).count();
    let no_reserve_left = results
        .iter()
        .filter(|(code, err)| *code == Some(1) && err.contains("no reserve left"))
        .count();
    eprintln!(
        "100 simultaneous `fill --reserve next`, {k} reserves: {filled} filled, \
         {no_reserve_left} refused with \"no reserve left\""
    );
    for (code, err) in &results {
        assert!(
            *code == Some(0) || (*code == Some(1) && err.contains("no reserve left")),
            "{code:?}: {err}"
        );
    }
    assert_eq!(filled, k.min(100), "one fill per reserve while any remain");
    assert_eq!(no_reserve_left, 100 - k.min(100));

    // Each reserve sits at most once, the first min(100, k) by rank; the rest stay listed.
    let (_, truth) = connect(&server);
    truth.verify().unwrap();
    assert_eq!(truth.reserves(kel).len(), k - k.min(100));
    let mut seated: Vec<String> = truth
        .region
        .kelurahan(kel)
        .tps
        .clone()
        .flat_map(|t| truth.seats_of(TpsId(t)).iter().flatten())
        .map(|h| h.person.name.to_string())
        .collect();
    seated.sort();
    let mut wanted: Vec<String> = rows.iter().take(100).map(|r| r.2.clone()).collect();
    wanted.sort();
    assert_eq!(seated, wanted);
    server.stop();
    let check = kpps(&db, &["check"]);
    assert!(check.status.success(), "{}", stdout(&check));
}

#[test]
fn next_takes_only_reserves_the_sender_may_appoint() {
    // 35 Ilir and 32 Ilir are both in kecamatan Ilir Barat II.
    let (_dir, db) = vacant_with_reserves(&[
        ("16.71.01.1001", 1, "Risiko Sini".into(), "berisiko"),
        (
            "16.71.01.1002",
            1,
            "Bersih Sebelah".into(),
            "tidak berisiko",
        ),
    ]);
    let me = kpps::store::os_user();
    let file = write_coordinators(&db, &format!("{me},pps,16.71.01.1001\n"));
    let server = Server::start(&db, &["--coordinators", file.to_str().unwrap()]);
    let fill = |seat: &str, extra: &[&str]| {
        let mut args = vec![
            "--lang",
            "en",
            "fill",
            "--tps",
            "16.71.01.1001/1",
            "--seat",
            seat,
            "--reserve",
            "next",
        ];
        args.extend_from_slice(extra);
        kpps(&db, &args)
    };
    let log_len = || stdout(&kpps(&db, &["log"])).lines().count();
    let before = log_len();
    // The PPS of 35 Ilir may not appoint 32 Ilir's clean reserve; its own is at risk.
    let out = fill("1", &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("health risk: at risk") && err.contains("--accept-risk"),
        "{err}"
    );
    assert_eq!(log_len(), before);
    let out = stdout(&fill("1", &["--accept-risk"]));
    assert!(out.contains("Risiko Sini"), "{out}");
    // Nothing left that this PPS may appoint, though 32 Ilir still has one.
    let out = fill("2", &["--accept-risk"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("no reserve left"), "{err}");
    // As PPK of the kecamatan, `next` reaches the other kelurahan.
    write_coordinators(&db, &format!("{me},ppk,16.71.01\n"));
    let out = stdout(&fill("2", &[]));
    assert!(out.contains("Bersih Sebelah"), "{out}");
    assert_eq!(log_len(), before + 2);
    server.stop();
}
