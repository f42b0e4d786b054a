//! `kpps serve` with many clients: races for the same seat, person and reserve; scopes
//! checked on the server; slow, killed and idle clients; a server restarted under its
//! clients. The real binary serves a real store; clients are the library's `Client` (what
//! the TUI uses) in threads, the CLI, and the TUI in a pty.

mod common;

use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::Instant;

use chrono::NaiveDate;
use common::{kpps, kpps_bounded, stdout, wait_for, Server, Tmux};
use kpps::domain::{
    Command, KelurahanId, Nik, Person, Refusal, Roster, Screening, Sex, TpsId, VacateReason,
};
use kpps::io::roster_csv::{import, ImportKind, ImportOptions};
use kpps::net::Client;
use kpps::port::Port;
use kpps::store::{ExecError, LogEntry};
use kpps::text::Lang;

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
    // Said by the server in both languages; this client reads Indonesian (the default).
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("tidak ada di berkas koordinator server ini"),
        "{said}"
    );
    let out = kpps(&db, &["--lang", "en", "gaps"]);
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("not in this server's coordinators file"),
        "{said}"
    );
    assert!(server.log().contains("is not a coordinator; refused"));
    server.stop();
    assert_eq!(log_len(), before + 1);
}

#[test]
fn a_slow_client_is_cut_off_and_the_others_go_on() {
    use std::io::{Read, Write};
    let (_dir, db) = demo_store();
    let server = Server::start(&db, &["--client-queue-bytes", "1000"]);
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

/// A broken coordinators file stops `kpps serve` from starting, said to whoever ran it in
/// their language. Once the server runs, a broken change is logged (in English, the server
/// log's language) and the last good list is kept.
#[test]
fn a_broken_coordinators_file_is_refused_in_the_language_of_who_starts_the_server() {
    let (_dir, db) = demo_store();
    let me = kpps::store::os_user();
    let file = write_coordinators(&db, &format!("{me},kpu,\n{me},viewer,\nx,pps,\n"));
    let path = file.to_str().unwrap();
    let out = kpps_bounded(&db, &["serve", "--coordinators", path], 60);
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!("{path}:3: user {me:?} tercantum dua kali\n")),
        "{said}"
    );
    assert!(
        said.contains(&format!("{path}:4: pps perlu kelurahan di kolom area")),
        "{said}"
    );
    let out = kpps_bounded(&db, &["--lang", "en", "serve", "--coordinators", path], 60);
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!("{path}:3: user {me:?} is listed twice\n")),
        "{said}"
    );
    assert!(
        said.contains(&format!("{path}:4: pps needs a kelurahan in area")),
        "{said}"
    );

    write_coordinators(&db, &format!("{me},kpu,\n"));
    let server = Server::start(&db, &["--coordinators", path]);
    std::thread::sleep(std::time::Duration::from_millis(20)); // a distinct mtime
    write_coordinators(&db, &format!("{me},kpu,\n{me},viewer,\n"));
    // Still served as KPU, by the last good list.
    let (_client, _roster) = connect(&server);
    wait_for("the broken file to be logged", || {
        server.log().contains("(file not reloaded)")
    });
    let log = server.log();
    assert!(
        log.contains(&format!(
            "kpps serve: {path}:3: user {me:?} is listed twice (file not reloaded)"
        )),
        "{log}"
    );
    server.stop();
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
    // Said in both languages: the server does not know who reads it.
    assert!(message.get(Lang::En).contains("protocol 3"), "{message}");
    assert!(message.get(Lang::Id).contains("protokol 3"), "{message:?}");
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
    // An election week in a corner: one officer absent, back, absent… recorded changes,
    // 1,200 at a time, until the store has outgrown its data. A demo store's log holds its
    // roster (3.3 MB of data in all, 6.3 MB on disk), and each change adds about 600 bytes
    // on disk: about 9,000 changes.
    let mut changes = 0;
    while !server.log().contains("compacted the store") {
        assert!(changes < 18_000, "no compaction after {changes} changes");
        for i in 0..1_200 {
            let command = Command::MarkAbsent {
                tps,
                seat,
                absent: i % 2 == 0,
            };
            client.execute(&mut roster, &command).unwrap();
        }
        changes += 1_200;
        if !server.log().contains("compacted the store") {
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
    }
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
        "after {changes} changes through the server: compacted to {compacted} B; now {} B on disk, {live} B live",
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
    // Queues smaller than the import's 2 MB entry: a change larger than a client's queue
    // reaches it whole, and does not cut off the importer's own answer after it.
    let server = Server::start(&db, &["--client-queue-bytes", "1000000"]);
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

/// Raw frames, as a client that is not the library's would send them.
fn frame(message: &kpps::net::proto::ToServer) -> Vec<u8> {
    kpps::net::proto::encode(message)
}

fn hello() -> Vec<u8> {
    frame(&kpps::net::proto::ToServer::Hello {
        protocol: kpps::net::proto::PROTOCOL,
    })
}

/// A raw connection that says hello and then never reads.
fn never_reading(socket: &Path) -> std::os::unix::net::UnixStream {
    use std::io::Write;
    let mut stream = std::os::unix::net::UnixStream::connect(socket).unwrap();
    stream.write_all(&hello()).unwrap();
    stream
}

/// Another user's process holding `n` connections to `socket` open: a child forked from
/// this test that drops to `uid` (and its group) before connecting. It holds them until
/// this is dropped. Between fork and exit the child makes only system calls (the test
/// process has other threads, whose locks a forked child must not touch).
struct Flood {
    pid: libc::pid_t,
    release: libc::c_int,
    /// Connections the kernel accepted.
    connected: u64,
}

impl Flood {
    fn start(socket: &Path, uid: u32, n: u64, send_hello: bool) -> Flood {
        use std::os::unix::ffi::OsStrExt;
        // SAFETY: plain C structs and system calls; the child below calls only
        // async-signal-safe functions on memory prepared before the fork.
        unsafe {
            let mut addr: libc::sockaddr_un = std::mem::zeroed();
            addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
            let path = socket.as_os_str().as_bytes();
            assert!(path.len() < addr.sun_path.len());
            for (d, s) in addr.sun_path.iter_mut().zip(path) {
                *d = *s as libc::c_char;
            }
            let addr_len = std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
            let hello = hello();
            let (mut report, mut release) = ([0; 2], [0; 2]);
            assert_eq!(libc::pipe(report.as_mut_ptr()), 0);
            assert_eq!(libc::pipe(release.as_mut_ptr()), 0);
            let pid = libc::fork();
            assert!(pid >= 0, "fork");
            if pid == 0 {
                // The child: only the two pipe ends stay open (as 0 and 1).
                libc::dup2(release[0], 0);
                libc::dup2(report[1], 1);
                if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) != 0 {
                    for fd in 3..65_536 {
                        libc::close(fd);
                    }
                }
                let files = libc::rlimit {
                    rlim_cur: 4096,
                    rlim_max: 4096,
                };
                libc::setrlimit(libc::RLIMIT_NOFILE, &files);
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(uid) != 0
                    || libc::setuid(uid) != 0
                {
                    libc::_exit(2);
                }
                let mut connected: u64 = 0;
                for _ in 0..n {
                    let fd = libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0);
                    if fd < 0 {
                        break;
                    }
                    let addr_ptr = &addr as *const libc::sockaddr_un as *const libc::sockaddr;
                    if libc::connect(fd, addr_ptr, addr_len) != 0 {
                        libc::close(fd);
                        continue;
                    }
                    connected += 1;
                    if send_hello {
                        libc::send(fd, hello.as_ptr().cast(), hello.len(), libc::MSG_NOSIGNAL);
                    }
                }
                libc::write(1, (&connected as *const u64).cast(), 8);
                let mut byte = 0u8;
                libc::read(0, (&mut byte as *mut u8).cast(), 1);
                libc::_exit(0);
            }
            libc::close(report[1]);
            libc::close(release[0]);
            let mut connected: u64 = 0;
            let got = libc::read(report[0], (&mut connected as *mut u64).cast(), 8);
            libc::close(report[0]);
            assert_eq!(
                got, 8,
                "the flooding child reported (it could not drop to uid {uid}?)"
            );
            Flood {
                pid,
                release: release[1],
                connected,
            }
        }
    }
}

impl Drop for Flood {
    fn drop(&mut self) {
        // SAFETY: our own pipe end and child.
        unsafe {
            libc::close(self.release);
            libc::waitpid(self.pid, std::ptr::null_mut(), 0);
        }
    }
}

const NOBODY: u32 = 65_534;

/// Lets `uid` reach a socket in `dir` (the test runs as root, the flood as another user).
fn open_to_all(dir: &Path, socket: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o711)).unwrap();
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o666)).unwrap();
}

#[test]
fn a_flood_of_connections_from_an_unlisted_user_costs_the_server_nothing() {
    let (dir, db) = demo_store();
    let socket = dir.path().join("kpps.sock");
    // No coordinators file: only the user running the server (root here) may connect.
    let server = Server::start_on(&db, &socket, &[]);
    open_to_all(dir.path(), &socket);
    let (threads, fds) = (server.status("Threads"), server.open_fds());

    // 1,000 connections from nobody, none of which says hello.
    let flood = Flood::start(&socket, NOBODY, 1_000, false);
    assert_eq!(flood.connected, 1_000);
    // A coordinator is served meanwhile (after the flood: connections are accepted in
    // order): loads the roster and records a change.
    let (mut client, mut roster) = connect(&server);
    let (tps, seat) = empty_seats(&roster)[0];
    let command = fill_direct(tps, seat, person(&roster, 9_950));
    client.execute(&mut roster, &command).unwrap();
    // The flood was refused as it was accepted: no thread, no descriptor kept for it.
    let (threads_now, fds_now) = (server.status("Threads"), server.open_fds());
    eprintln!("while 1,000 refused connections are held open: {threads_now} threads (were {threads}), {fds_now} descriptors (were {fds})");
    // The coordinator's connection holds two threads and four descriptors; a commit may
    // start a few more store threads. A thread per flooding connection would be 1,000.
    assert!(threads_now <= threads + 12, "{threads_now} threads");
    assert!(fds_now <= fds + 12, "{fds_now} descriptors");
    // Logged in a few lines, not a thousand.
    let log = server.log();
    assert!(
        log.contains("nobody (uid 65534) is not a coordinator; refused (512 so far)"),
        "{log}"
    );
    let lines = log.matches("is not a coordinator").count();
    assert!(lines <= 11, "{lines} log lines for the flood");
    // What the refused user is told.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kpps"))
        .args(["--socket", socket.to_str().unwrap(), "--lang", "en", "gaps"])
        .env_remove("KPPS_DB")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "root is listed");
    drop(flood);
    let mut server = server;
    assert!(server.alive());
    server.stop();
}

#[test]
fn a_coordinator_opening_a_thousand_connections_gets_sixteen() {
    let (dir, db) = demo_store();
    let socket = dir.path().join("kpps.sock");
    let me = kpps::store::os_user();
    let file = write_coordinators(&db, &format!("{me},kpu,\nnobody,viewer,\n"));
    let server = Server::start_on(&db, &socket, &["--coordinators", file.to_str().unwrap()]);
    open_to_all(dir.path(), &socket);
    let threads = server.status("Threads");

    // A listed user (not the server's own) opens 1,000 sessions and reads none of them.
    let flood = Flood::start(&socket, NOBODY, 1_000, true);
    assert_eq!(flood.connected, 1_000);
    // Everyone else is served meanwhile (after the flood: connections are accepted in
    // order).
    let (mut client, mut roster) = connect(&server);
    let (tps, seat) = empty_seats(&roster)[0];
    let command = fill_direct(tps, seat, person(&roster, 9_951));
    client.execute(&mut roster, &command).unwrap();
    wait_for("nobody's 16 sessions", || {
        server.log().matches("nobody connected as Viewer").count() >= 16
    });
    let (threads_now, rss) = (server.status("Threads"), server.rss_mib());
    eprintln!("1,000 connections from one coordinator: {threads_now} threads (were {threads}), {rss} MiB resident");
    // Two threads for each of 16 sessions (and this client's), none for the rest (and a
    // few more store threads a commit may start).
    assert!(
        threads_now <= threads + 2 * 17 + 10,
        "{threads_now} threads"
    );
    let log = server.log();
    assert_eq!(log.matches("nobody connected as").count(), 16);
    assert!(
        log.contains(
            "too many connections open as this user (16); close one and try again (512 so far)"
        ),
        "{log}"
    );
    drop(flood);
    // Once they are closed, their places are free again.
    wait_for("nobody's sessions to close", || {
        server.log().matches("nobody disconnected").count() == 16
    });
    let mut server = server;
    assert!(server.alive());
    server.stop();
}

#[test]
fn the_server_takes_no_more_connections_than_it_may_and_says_it_is_busy() {
    let (_dir, db) = demo_store();
    let server = Server::start(&db, &["--max-clients", "3"]);
    // Once the start-up probe's place is free again.
    let free = || {
        let mut pair = None;
        wait_for("a free place", || {
            pair = Client::connect(&server.socket).ok();
            pair.is_some()
        });
        pair.unwrap()
    };
    let a = free();
    let b = free();
    let c = free();
    match Client::connect(&server.socket) {
        Err(kpps::net::ConnectError::Busy(message)) => {
            assert!(message.get(Lang::En).contains("full"), "{message}");
            assert!(message.get(Lang::Id).contains("penuh"), "{message:?}");
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a fourth connection was taken"),
    }
    // The CLI says so and exits 2 (try again later).
    let out = kpps(&db, &["--lang", "en", "gaps"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("busy"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop((a, b));
    let (mut client, _) = free();
    assert!(client.recent_log(1).is_ok());
    drop(c);
    server.stop();
}

/// A store whose log holds a roster import (1.6 MB: every seat of Palembang) on top of the
/// demo, as a city's would.
fn store_with_an_import() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, db) = demo_store();
    let csv = dir.path().join("roster.csv");
    stdout(&kpps(
        &db,
        &["export", "roster", "--out", csv.to_str().unwrap()],
    ));
    stdout(&kpps(
        &db,
        &["import", "roster", csv.to_str().unwrap(), "--replace"],
    ));
    (dir, db)
}

#[test]
fn a_viewer_asking_for_the_whole_log_without_reading_is_cut_off_and_costs_little() {
    use std::io::Write;
    let (_dir, db) = store_with_an_import();
    let me = kpps::store::os_user();
    let file = write_coordinators(&db, &format!("{me},viewer,\n"));
    let server = Server::start(&db, &["--coordinators", file.to_str().unwrap()]);
    let base = server.rss_mib();
    let mut viewer = never_reading(&server.socket);
    let sender = std::thread::spawn(move || {
        for req in 1..=5_000 {
            let log = frame(&kpps::net::proto::ToServer::Log {
                req,
                limit: 100_000,
            });
            if viewer.write_all(&log).is_err() {
                return req; // cut off
            }
        }
        panic!("5,000 requests went in: the viewer was never cut off");
    });
    // Resident memory, sampled until the viewer is cut off.
    const BOUND: u64 = 200;
    let mut peak = base;
    while !sender.is_finished() {
        peak = peak.max(server.rss_mib());
        assert!(
            peak < BOUND,
            "the server grew to {peak} MiB (from {base} MiB)"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let sent = sender.join().unwrap();
    peak = peak.max(server.rss_mib());
    eprintln!("log flood: cut off after {sent} requests; server resident {base} → peak {peak} MiB");
    assert!(peak < BOUND);
    assert!(server.log().contains("too slow; disconnected"));

    // Others are served, and the whole log still comes through the server, page by page.
    let (mut client, _) = connect(&server);
    let log = client.recent_log(usize::MAX).unwrap();
    assert_eq!(
        log.len(),
        4,
        "creation, the demo roster and its reserves, and the import"
    );
    let out = stdout(&kpps(&db, &["log", "--limit", "5"]));
    assert_eq!(out.lines().count(), 4, "{out}");
    server.stop();
}

#[test]
fn clients_that_never_read_their_snapshot_share_one() {
    let (_dir, db) = store_with_an_import();
    let server = Server::start(&db, &[]);
    let base = server.rss_mib();
    // 60 sessions that say hello and read nothing: each would have held its own copy of
    // the roster (about 5 MB here, 270 MB for the whole country).
    let idle: Vec<_> = (0..60).map(|_| never_reading(&server.socket)).collect();
    wait_for("60 sessions", || {
        server.log().matches("connected as").count() >= 60
    });
    let rss = server.rss_mib();
    eprintln!("60 clients not reading their snapshot: server resident {base} → {rss} MiB");
    assert!(
        rss < base + 40,
        "{rss} MiB with 60 idle clients (from {base} MiB)"
    );
    assert_eq!(server.log().matches("roster encoded").count(), 1);
    // Everyone else is served meanwhile. A change is made while that snapshot is still
    // being sent: a client connecting after it is given the same snapshot and the change.
    let (mut writer, mut writer_roster) = connect(&server);
    let before = writer.seq();
    let (tps, seat) = empty_seats(&writer_roster)[0];
    let command = fill_direct(tps, seat, person(&writer_roster, 9_953));
    let entry = writer.execute(&mut writer_roster, &command).unwrap();
    let (late, roster) = connect(&server);
    assert_eq!(late.seq(), entry.seq);
    assert!(roster.seat(tps, seat).is_some());
    // On the wire: the welcome names the snapshot's last entry, the change follows it.
    let mut raw = never_reading(&server.socket);
    let mut next =
        || -> kpps::net::proto::ToClient { kpps::net::proto::read(&mut raw).unwrap().unwrap() };
    let kpps::net::proto::ToClient::Welcome { seq, .. } = next() else {
        panic!("no welcome")
    };
    assert_eq!(seq, before, "the shared snapshot, taken before the change");
    let mut caught_up = Vec::new();
    loop {
        match next() {
            kpps::net::proto::ToClient::Changes(entries) => caught_up.extend(entries),
            kpps::net::proto::ToClient::SnapshotEnd => break,
            _ => {}
        }
    }
    assert_eq!(caught_up, vec![entry]);
    drop(idle);
    server.stop();
    let stored = kpps::store::Store::open(&db, "t").unwrap().load().unwrap();
    assert_roster_eq(&roster, &stored);
}

fn assert_roster_eq(got: &Roster, want: &Roster) {
    for t in want.region.tps_ids() {
        assert_eq!(got.seats_of(t), want.seats_of(t), "TPS {t:?}");
    }
    for k in 0..want.region.kelurahan.len() as u32 {
        assert_eq!(got.reserves(KelurahanId(k)), want.reserves(KelurahanId(k)));
    }
    assert_eq!(got.total(), want.total());
    assert_eq!(got.region.to_specs(), want.region.to_specs());
}

#[test]
fn names_too_large_for_one_frame_still_reach_every_client() {
    let (_dir, db) = demo_store();
    // An old store, written before names were bounded: 1 MiB names in six whole TPS and
    // in one kelurahan's reserves, 56 MiB in all, where the old snapshot put 2,000 TPS or
    // 200 kelurahan in one frame (32 MiB at most).
    let big = |i: usize| format!("{i:04} {}", "Sangat Panjang ".repeat(70_000));
    {
        let store = kpps::store::Store::open(&db, "old").unwrap();
        let mut roster = store.load().unwrap();
        let mut i = 0;
        for t in 0..6 {
            let tps = TpsId(t);
            for seat in 1..=7u8 {
                if let Some(holder) = roster.seat(tps, seat).cloned() {
                    let reason = VacateReason::Resigned;
                    let event = kpps::domain::Event::SeatVacated {
                        tps,
                        seat,
                        reason,
                        person: holder.person,
                    };
                    store.commit(&mut roster, event).unwrap();
                }
                let mut person = person(&roster, 9_200 + i as u16);
                person.name = big(i).into();
                let event = kpps::domain::Event::SeatFilled {
                    tps,
                    seat,
                    person,
                    source: kpps::domain::Source::Direct { berita_acara: None },
                };
                store.commit(&mut roster, event).unwrap();
                i += 1;
            }
        }
        let kel = KelurahanId(3);
        let reserves = (0..14)
            .map(|r| {
                let mut person = person(&roster, 9_300 + r as u16);
                person.name = big(100 + r).into();
                let reserve = kpps::domain::Reserve {
                    rank: 1_000 + r as u32,
                    person,
                    tps: None,
                };
                (kel, reserve)
            })
            .collect();
        let event = kpps::domain::Event::ReservesImported {
            file: "old.csv".into(),
            cleared: Vec::new(),
            reserves,
        };
        store.commit(&mut roster, event).unwrap();
    }
    let stored = kpps::store::Store::open(&db, "t").unwrap();
    let want = stored.load().unwrap();
    let history = stored.tps_history(TpsId(2)).unwrap();
    let log = stored.recent_log(usize::MAX).unwrap();
    drop(stored);

    let server = Server::start(&db, &[]);
    let (mut client, roster) = connect(&server);
    assert_roster_eq(&roster, &want);
    assert_eq!(roster.seat(TpsId(5), 7).unwrap().person.name, big(41));
    // The long log and history come whole, a page at a time.
    assert_eq!(client.recent_log(usize::MAX).unwrap(), log);
    assert_eq!(client.tps_history(TpsId(2)).unwrap(), history);
    let json = stdout(&kpps(&db, &["log", "--format", "json", "--limit", "60"]));
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json.as_array().unwrap().len(), log.len().min(60));
    server.stop();
}

/// Gives `path` and everything under it to `uid`.
fn chown_all(path: &Path, uid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(uid)).unwrap();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            chown_all(&entry.unwrap().path(), uid);
        }
    }
}

/// Tasks (threads) on the machine whose real uid is `uid`.
fn tasks_of(uid: u32) -> u64 {
    let mut n = 0;
    for proc_entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(status) = std::fs::read_to_string(proc_entry.path().join("status")) else {
            continue;
        };
        let real = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<u32>().ok());
        let threads = status
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let (Some(real), Some(threads)) = (real, threads) {
            if real == uid {
                n += threads;
            }
        }
    }
    n
}

/// Sets the soft limit on the tasks the server's user may have (RLIMIT_NPROC). Done as
/// that user (util-linux `prlimit`), which may move its own soft limit under the hard one:
/// root without CAP_SYS_RESOURCE, as in a container, may not touch another user's limits.
fn limit_tasks(server: &Server, uid: u32, tasks: u64) {
    use std::os::unix::process::CommandExt;
    let out = std::process::Command::new("prlimit")
        .arg(format!("--pid={}", server.child.id()))
        .arg(format!("--nproc={tasks}:"))
        .uid(uid)
        .gid(uid)
        .output()
        .expect("prlimit (util-linux) is installed");
    assert!(
        out.status.success(),
        "prlimit: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The server's thread count once it has held still for 4 s: the store starts extra IO
/// threads when busy (at start-up, under load), which end after a few idle seconds.
fn settled_threads(server: &Server) -> u64 {
    let start = Instant::now();
    let (mut count, mut since) = (server.status("Threads"), Instant::now());
    loop {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let now = server.status("Threads");
        if now != count {
            (count, since) = (now, Instant::now());
        } else if since.elapsed() >= std::time::Duration::from_secs(4) {
            return count;
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(60));
    }
}

/// Connects, says hello, and reads until the server closes: what it sent.
fn hello_and_read(socket: &Path) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut stream = std::os::unix::net::UnixStream::connect(socket).unwrap();
    // Closed already, perhaps: what was sent back is read all the same.
    let _ = stream.write_all(&hello());
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut got = Vec::new();
    match stream.read_to_end(&mut got) {
        // Closed with our hello unread: reset, as the kernel says it.
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("not closed by the server: {e}"),
    }
    got
}

#[test]
fn a_server_that_cannot_start_threads_drops_the_connection_and_goes_on() {
    // A uid no process on the machine runs as, so its task count is the server's alone.
    const UID: u32 = 65_533;
    assert_eq!(tasks_of(UID), 0, "uid {UID} is in use on this machine");
    let (dir, db) = demo_store();
    chown_all(dir.path(), UID);
    let socket = db.join("kpps.sock");
    // Root not listed yet, so the start-up probe is turned away without a thread.
    let file = write_coordinators(&db, "nobody,viewer,\n");
    let mut server = Server::start_as(
        &db,
        &socket,
        UID,
        &["--coordinators", file.to_str().unwrap()],
    );
    let threads = settled_threads(&server);
    assert_eq!(tasks_of(UID), threads);
    std::thread::sleep(std::time::Duration::from_millis(20)); // a distinct mtime
    write_coordinators(&db, "root,kpu,\n");

    // A connection that has not said hello yet holds one thread.
    let waiting = std::os::unix::net::UnixStream::connect(&socket).unwrap();
    wait_for("its thread", || server.status("Threads") == threads + 1);
    // Room for one thread more: the next connection's reader starts, its writer cannot.
    limit_tasks(&server, UID, threads + 2);
    assert!(
        hello_and_read(&socket).is_empty(),
        "closed before any welcome"
    );
    wait_for("the refused writer to be logged", || {
        server
            .log()
            .contains("cannot start a thread to write to client")
    });
    wait_for("the connection's thread to end", || {
        server.status("Threads") == threads + 1
    });
    // No room at all: the connection is dropped as it is accepted.
    limit_tasks(&server, UID, threads + 1);
    assert!(hello_and_read(&socket).is_empty());
    wait_for("the refused connection to be logged", || {
        server.log().contains("cannot start a thread for uid 0")
    });
    assert!(server.alive(), "{}", server.log());

    // Threads to be had again: served as ever.
    limit_tasks(&server, UID, threads + 100);
    drop(waiting);
    let (mut client, mut roster) = connect(&server);
    let (tps, seat) = empty_seats(&roster)[0];
    let command = fill_direct(tps, seat, person(&roster, 9_952));
    client.execute(&mut roster, &command).unwrap();
    server.stop();
}
