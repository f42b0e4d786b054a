//! Text a coordinator types cannot hurt another: control characters (ESC, OSC titles, BEL,
//! NUL), bidi overrides and oversize values are refused on every road in (the command line,
//! import files, a client talking to `kpps serve` directly) and nothing is written; text that
//! an older store already holds is drawn escaped in `kpps log` and in the TUI, so no raw
//! control byte reaches anyone's terminal and the window title stays as it was.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::NaiveDate;
use common::{kpps, stdout, Server, Tmux};
use kpps::domain::{Command, Event, Nik, Person, Roster, Screening, Sex, Source, TpsId};
use kpps::net::Client;
use kpps::port::Port;
use kpps::store::{ExecError, Store};
use kpps::text::Lang;

/// An OSC sequence that retitles the window, inside a name.
const OSC_NAME: &str = "Budi \x1b]0;pwned\x07Santoso";
/// Every hostile name the roads in must refuse (NUL cannot travel in argv; it is tried in
/// files and on the socket).
fn hostile_names() -> Vec<String> {
    vec![
        OSC_NAME.to_string(),
        "Siti\x1b[2J\x1b[HAminah".to_string(),
        "Rina\u{9b}31mDewi".to_string(),
        "Ahmad \u{202e}ilA".to_string(),
        "a".repeat(60_000),
    ]
}

fn init_store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store");
    stdout(&kpps(&db, &["init"]));
    (dir, db)
}

/// The whole roster and log as the CLI shows them: equal before and after means unchanged.
fn everything(db: &Path) -> (String, String, String) {
    (
        stdout(&kpps(db, &["export", "roster"])),
        stdout(&kpps(db, &["export", "reserves"])),
        stdout(&kpps(db, &["log", "--format", "json"])),
    )
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// No byte a terminal would act on: ESC, BEL, NUL, C1 controls, bidi overrides.
fn assert_no_terminal_controls(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let bad: Vec<(usize, char)> = text
        .char_indices()
        .filter(|(_, c)| {
            (c.is_control() && *c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{what} carries raw controls {bad:?}:\n{text}"
    );
}

fn person(name: &str, serial: u16) -> Person {
    let birth = NaiveDate::from_ymd_opt(1990, 5, 1).unwrap();
    Person {
        name: name.into(),
        nik: Nik::compose(167101, birth, Sex::L, serial),
        birth_date: birth,
        sex: Sex::L,
        phone: None,
        screening: Screening::NotAtRisk,
        jkn: true,
    }
}

const TPS: &str = "16.71.01.1001/1";

#[test]
fn cli_fill_refuses_control_characters_and_oversize_text_and_writes_nothing() {
    let (_dir, db) = init_store();
    let before = everything(&db);
    let fill = |extra: &[&str]| {
        let mut args = vec![
            "fill",
            "--tps",
            TPS,
            "--seat",
            "3",
            "--nik",
            "1671010105900003",
        ];
        args.extend_from_slice(&["--tanggal-lahir", "1990-05-01", "--jenis-kelamin", "L"]);
        args.extend_from_slice(extra);
        kpps(&db, &args)
    };
    for name in hostile_names() {
        let out = fill(&["--nama", &name]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name:.40?} accepted: {err}");
        assert!(err.contains("--nama"), "{err:.300}");
        assert!(
            err.contains("karakter kontrol") || err.contains("terlalu panjang: 60.000"),
            "{err:.300}"
        );
        assert!(out.stdout.is_empty());
        assert_no_terminal_controls("the refusal", &out.stderr);
    }
    for (flag, value, why) in [
        ("--telepon", "0812\x1b[8m", "karakter kontrol"),
        ("--telepon", "0812 3456 7890 1234 56", "terlalu panjang"),
        ("--berita-acara", "BA\x1b]2;x\x07", "karakter kontrol"),
        ("--berita-acara", &"9".repeat(65), "terlalu panjang"),
    ] {
        let out = fill(&["--nama", "Budi Santoso", flag, value]);
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{flag} {value:?} accepted: {err}"
        );
        assert!(err.contains(flag) && err.contains(why), "{err}");
        assert_no_terminal_controls("the refusal", &out.stderr);
    }
    // English too.
    let out = kpps(
        &db,
        &[
            "--lang",
            "en",
            "fill",
            "--tps",
            TPS,
            "--seat",
            "3",
            "--nik",
            "1671010105900003",
            "--tanggal-lahir",
            "1990-05-01",
            "--jenis-kelamin",
            "L",
            "--nama",
            OSC_NAME,
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--nama contains a control or invisible character (U+001B)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(everything(&db), before, "the store changed");
    // The same person with clean text is recorded, trimmed.
    let out = fill(&["--nama", "  Budi Santoso  ", "--berita-acara", " BA/7/PPS "]);
    let said = stdout(&out);
    assert!(
        said.contains("diisi Budi Santoso (penunjukan langsung, BA BA/7/PPS)"),
        "{said}"
    );
}

/// A roster file with one good row and hostile ones: every bad line named, nothing written.
#[test]
fn imports_with_hostile_text_name_every_line_and_write_nothing() {
    let (dir, db) = init_store();
    let before = everything(&db);
    let row = |tps: u16, seat: u8, name: &str, serial: u16, phone: &str| {
        let birth = NaiveDate::from_ymd_opt(1990, 5, 1).unwrap();
        let nik = Nik::compose(167101, birth, Sex::L, serial);
        format!(
            "16.71.01.1001,{tps},{seat},\"{name}\",{nik},1990-05-01,L,{phone},tidak berisiko,ya\n"
        )
    };
    let mut roster = String::from(
        "kelurahan_code,tps,kpps,nama,nik,tanggal_lahir,jenis_kelamin,telepon,skrining,jkn\n",
    );
    roster.push_str(&row(1, 1, "Siti Aminah", 1, "081234567890")); // line 2: fine
    roster.push_str(&row(1, 2, OSC_NAME, 2, "")); // 3
    roster.push_str(&row(1, 3, "Budi\0Santoso", 3, "")); // 4
    roster.push_str(&row(1, 4, &"b".repeat(60_000), 4, "")); // 5
    roster.push_str(&row(1, 5, "Rina Dewi", 5, "0812\x1b]0;x\x07")); // 6
    roster.push_str(&row(1, 6, "Ahmad \u{202e}ilA", 6, "")); // 7
    let file = dir.path().join("roster.csv");
    std::fs::write(&file, &roster).unwrap();
    let out = kpps(&db, &["import", "roster", file.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err:.500}");
    let f = file.display();
    for (line, what) in [
        (
            3,
            "nama berisi karakter kontrol atau tak terlihat (U+001B) di karakter ke-6",
        ),
        (4, "nama berisi karakter kontrol atau tak terlihat (U+0000)"),
        (
            5,
            "nama terlalu panjang: 60.000 karakter, paling banyak 100",
        ),
        (
            6,
            "telepon berisi karakter kontrol atau tak terlihat (U+001B)",
        ),
        (7, "nama berisi karakter kontrol atau tak terlihat (U+202E)"),
    ] {
        assert!(
            err.contains(&format!("{f}:{line}: {what}")),
            "line {line}:\n{err:.2000}"
        );
    }
    assert!(!err.contains(&format!("{f}:2:")), "{err:.2000}");
    assert_no_terminal_controls("the import errors", &out.stderr);

    let reserves = dir.path().join("reserves.csv");
    std::fs::write(
        &reserves,
        format!(
            "kelurahan_code,peringkat,nama,nik,tanggal_lahir,jenis_kelamin,telepon,skrining,jkn\n\
             16.71.01.1001,1,\"{OSC_NAME}\",{},1990-05-01,L,,tidak berisiko,ya\n",
            Nik::compose(
                167101,
                NaiveDate::from_ymd_opt(1990, 5, 1).unwrap(),
                Sex::L,
                9
            )
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
            reserves.to_str().unwrap(),
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "{}:2: nama contains a control or invisible character (U+001B) at character 6",
            reserves.display()
        )),
        "{err}"
    );
    assert_eq!(everything(&db), before, "the store changed");
}

/// A client that skips every client-side check and sends commands to the server itself.
#[test]
fn the_server_refuses_hostile_text_from_a_raw_client() {
    let (_dir, db) = init_store();
    let server = Server::start(&db, &[]);
    let (mut client, mut roster) = Client::connect(&server.socket).expect("connect");
    let start = client.seq();
    let tps = TpsId(0);
    let fill = |person: Person, ba: Option<String>| Command::FillDirect {
        tps,
        seat: 2,
        person,
        berita_acara: ba,
    };
    let mut commands: Vec<Command> = hostile_names()
        .into_iter()
        .chain(["Budi\0Santoso".to_string(), "   ".to_string()])
        .enumerate()
        .map(|(i, name)| fill(person(&name, 10 + i as u16), None))
        .collect();
    let mut with_phone = person("Rina Dewi", 30);
    with_phone.phone = Some("0812\x1b]0;pwned\x07".into());
    commands.push(fill(with_phone, None));
    commands.push(fill(person("Rina Dewi", 31), Some("BA\x1b[2J".into())));
    commands.push(fill(person("Rina Dewi", 32), Some("7".repeat(10_000))));
    for command in &commands {
        match client.execute(&mut roster, command) {
            Err(ExecError::Refused(refusal)) => {
                let why = Lang::Id.refusal(&refusal, &roster.region);
                assert!(
                    why.contains("karakter kontrol")
                        || why.contains("terlalu panjang")
                        || why.contains("kosong"),
                    "{why}"
                );
                assert_no_terminal_controls("the refusal text", why.as_bytes());
            }
            other => panic!("not refused: {other:?}"),
        }
    }
    // Nothing was recorded: a fresh client sees the seat empty and no new log entry.
    let (mut fresh, fresh_roster): (Client, Roster) = Client::connect(&server.socket).unwrap();
    assert_eq!(fresh.seq(), start);
    assert!(fresh_roster.seat(tps, 2).is_none());
    assert_eq!(
        fresh.recent_log(5).unwrap().len(),
        1,
        "only the creation entry"
    );
    // The server is fine and records clean text: trimmed, a line break made a space.
    let ok = client
        .execute(
            &mut roster,
            &fill(person("  Rina\r\n Dewi ", 40), Some(" BA-1 ".into())),
        )
        .expect("a clean fill");
    let kpps::store::Record::Change(Event::SeatFilled { person, source, .. }) = &ok.record else {
        panic!("{ok:?}");
    };
    assert_eq!(person.name, "Rina Dewi");
    assert_eq!(
        *source,
        Source::Direct {
            berita_acara: Some("BA-1".into())
        }
    );
    server.stop();
}

/// A store written before the rules: an officer whose name, phone and berita acara carry
/// an OSC title sequence and a bidi override, recorded by an actor whose name does too.
fn legacy_store() -> (tempfile::TempDir, PathBuf) {
    let (dir, db) = init_store();
    let store = Store::open(&db, "op\x1b]2;evil\x07").unwrap();
    let mut roster = store.load().unwrap();
    let mut p = person(OSC_NAME, 77);
    p.phone = Some("0812\x1b[5m".into());
    store
        .commit(
            &mut roster,
            Event::SeatFilled {
                tps: TpsId(0),
                seat: 2,
                person: p,
                source: Source::Direct {
                    berita_acara: Some("BA\u{202e}\x07".into()),
                },
            },
        )
        .unwrap();
    drop(store);
    wait_until_unlocked(&db);
    (dir, db)
}

/// Waits until nothing holds the store's lock. A child that another test thread forked
/// while this thread had the store open holds a copy of the lock until it execs.
fn wait_until_unlocked(db: &Path) {
    common::wait_for("the store's lock", || {
        let lock = std::fs::File::open(db.join("kpps.lock")).unwrap();
        // SAFETY: flock on a valid, owned descriptor (closed, and unlocked, on return).
        unsafe {
            libc::flock(
                std::os::unix::io::AsRawFd::as_raw_fd(&lock),
                libc::LOCK_EX | libc::LOCK_NB,
            ) == 0
        }
    });
}

#[test]
fn kpps_log_draws_stored_control_characters_escaped() {
    let (_dir, db) = legacy_store();
    for lang in ["id", "en"] {
        let out = kpps(&db, &["--lang", lang, "log"]);
        let text = stdout(&out);
        assert_no_terminal_controls("kpps log", &out.stdout);
        assert!(text.contains("Budi \\x1b]0;pwned\\x07Santoso"), "{text}");
        assert!(text.contains("op\\x1b]2;evil\\x07"), "{text}");
        assert!(text.contains("BA\\u{202e}\\x07"), "{text}");
    }
    // Through a server the same.
    let server = Server::start(&db, &[]);
    let out = kpps(&db, &["--socket", server.socket.to_str().unwrap(), "log"]);
    assert_no_terminal_controls("kpps log through a server", &out.stdout);
    assert!(stdout(&out).contains("Budi \\x1b]0;pwned\\x07Santoso"));
    server.stop();
}

/// Waits until the file stops growing (the frame for the last key has arrived).
fn settle(path: &Path) -> Vec<u8> {
    let mut last = Vec::new();
    for _ in 0..200 {
        std::thread::sleep(std::time::Duration::from_millis(150));
        let now = std::fs::read(path).unwrap_or_default();
        if now.len() == last.len() && !now.is_empty() {
            return now;
        }
        last = now;
    }
    panic!("the terminal output never settled");
}

#[test]
fn the_tui_draws_stored_control_characters_escaped_and_keeps_its_title() {
    let (dir, db) = legacy_store();
    let piped = dir.path().join("piped.bin");
    let cmd = format!(
        "stty -echo; read -r _; exec '{}' --db '{}'",
        env!("CARGO_BIN_EXE_kpps"),
        db.display()
    );
    let tmux = Tmux::start(dir.path(), 160, 30, &cmd);
    let title = || tmux.run(&["display-message", "-p", "-t", "t", "#{pane_title}"]);
    let title_before = title();
    tmux.run(&[
        "pipe-pane",
        "-o",
        "-t",
        "t",
        &format!("cat > '{}'", piped.display()),
    ]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    tmux.send("Enter");
    tmux.wait_for_screen("the app", |s| s.contains("4.777"));
    // The city-wide log: the entry, its actor and berita acara.
    tmux.send("J");
    let screen = tmux.wait_for_screen("the log", |s| s.contains("pwned"));
    assert!(
        screen.contains("Budi \\x1b]0;pwned\\x07Santoso"),
        "{screen}"
    );
    assert!(screen.contains("op\\x1b]2;evil\\x07"), "{screen}");
    assert!(screen.contains("BA BA\\u{202e}\\x07"), "{screen}");
    // Enter jumps to the TPS: its seat list shows the name (and no actor).
    tmux.send("Enter");
    tmux.wait_for_screen("the TPS", |s| {
        s.contains("Budi \\x1b]0;pwned\\x07Santoso") && !s.contains("evil")
    });
    // The seat's history: who, who recorded it, and the berita acara.
    tmux.send("H");
    tmux.wait_for_screen("the history", |s| {
        s.contains("BA\\u{202e}\\x07") && s.contains("op\\x1b]2;evil\\x07")
    });
    // Search echoes what was typed and lists the officer. (One key at a time: ESC and `/`
    // arriving together would read as Alt-/.)
    tmux.send("Escape");
    tmux.wait_for_screen("the history to close", |s| !s.contains("evil"));
    tmux.send("/");
    tmux.run(&["send-keys", "-t", "t", "-l", "pwned"]);
    tmux.wait_for_screen("the search", |s| {
        s.contains("/pwned") && s.contains("Budi \\x1b]0;pwned\\x07Santoso")
    });
    let bytes = settle(&piped);
    assert_eq!(title(), title_before, "the window title changed");
    assert!(
        !bytes.windows(2).any(|w| w == b"\x1b]"),
        "an OSC sequence reached the terminal"
    );
    assert!(!bytes.contains(&0x07), "a BEL reached the terminal");
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains('\u{202e}'),
        "a bidi override reached the terminal"
    );
    tmux.send("Escape");
    tmux.send("q");
}

/// The direct-appointment form, on the real rendering path over a real store: hostile text
/// is shown escaped with the error beside its field, in both languages, and nothing is sent.
#[test]
fn the_form_flags_hostile_text_beside_the_field_and_records_nothing() {
    use kpps::tui::app::Overlay;
    use kpps::tui::session::Session;
    use kpps::tui::App;
    for (lang, name_err, phone_err, ba_err, status) in [
        (
            Lang::Id,
            "✗ karakter terlarang U+202E (ke-7)",
            "✗ maks. 20 karakter",
            "✗ karakter terlarang U+009B (ke-3)",
            "Nama: karakter terlarang U+202E (ke-7)",
        ),
        (
            Lang::En,
            "✗ forbidden character U+202E (#7)",
            "✗ max 20 characters",
            "✗ forbidden character U+009B (#3)",
            "Name: forbidden character U+202E (#7)",
        ),
    ] {
        let (_dir, db) = init_store();
        let store = Store::open(&db, "pps").unwrap();
        let roster = store.load().unwrap();
        let mut s = Session::new(App::with_port(roster, lang, Box::new(store)), 80, 24);
        s.keys("np");
        assert!(matches!(s.app.overlay, Overlay::Form(_)));
        s.keys(
            "Ahmad \u{202e}ilA<tab>1671010105900003<tab><tab><tab>0812 3456 7890 1234 56\
             <tab><tab><tab>BA\u{9b}2J",
        );
        let screen = s.screen().join("\n");
        let line = |what: &str| {
            screen
                .lines()
                .find(|l| l.contains(what))
                .unwrap_or_else(|| panic!("no {what:?} on\n{screen}"))
                .to_string()
        };
        assert!(line("Ahmad \\u{202e}ilA").contains(name_err), "{screen}");
        assert!(line("0812 3456").contains(phone_err), "{screen}");
        assert!(line("BA\\x9b2J").contains(ba_err), "{screen}");
        s.keys("<enter>");
        assert!(matches!(s.app.overlay, Overlay::Form(_)), "the form stays");
        assert_eq!(s.app.status.as_deref(), Some(status));
        assert_no_terminal_controls_but_csi("the form's frames", s.output());
        drop(s);
        wait_until_unlocked(&db);
        let store = Store::open(&db, "checker").unwrap();
        assert_eq!(store.log_entries().count(), 1, "only the creation entry");
    }
}

/// Like `assert_no_terminal_controls`, for a TUI's byte stream: ESC only as the start of the
/// writer's own CSI sequences, and no other control or bidi character.
fn assert_no_terminal_controls_but_csi(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert_eq!(
        text.matches('\x1b').count(),
        text.matches("\x1b[").count(),
        "{what}: an ESC that does not start a CSI sequence"
    );
    assert_no_terminal_controls(what, text.replace('\x1b', "").as_bytes());
}

/// Names recorded for everyone to read, other than people's: the `--as` name, the
/// election's name, an imported file's name, a region file's names.
#[test]
fn other_recorded_names_are_held_to_the_same_rules() {
    let (dir, db) = init_store();
    let before = everything(&db);
    let out = kpps(
        &db,
        &[
            "--as",
            "pps\x1b]0;x\x07",
            "absent",
            "--tps",
            TPS,
            "--seat",
            "1",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--as berisi karakter kontrol atau tak terlihat (U+001B)"),
        "{}",
        stderr(&out)
    );
    let out = kpps(
        &db,
        &[
            "--as",
            &"p".repeat(65),
            "absent",
            "--tps",
            TPS,
            "--seat",
            "1",
        ],
    );
    assert!(stderr(&out).contains("--as terlalu panjang: 65 karakter, paling banyak 64"));
    assert_eq!(out.status.code(), Some(1));

    let roster_file = dir.path().join("r\x1b]0;x\x07.csv");
    std::fs::write(
        &roster_file,
        "kelurahan_code,tps,kpps,nama,nik,tanggal_lahir,jenis_kelamin,telepon,skrining,jkn\n\
         16.71.01.1001,1,1,Siti Aminah,1671015708900003,1990-08-17,P,,tidak berisiko,ya\n",
    )
    .unwrap();
    let out = kpps(&db, &["import", "roster", roster_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("nama berkas: berisi karakter kontrol atau tak terlihat (U+001B)"),
        "{}",
        stderr(&out)
    );
    assert_no_terminal_controls("the refusal", &out.stderr);
    assert_eq!(everything(&db), before, "the store changed");

    let other = dir.path().join("other");
    let out = kpps(
        &other,
        &["init", "--election-name", "Pemilu\x1b]0;x\x07 2024"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--election-name berisi karakter kontrol"),
        "{}",
        stderr(&out)
    );
    let regions = dir.path().join("wilayah.csv");
    std::fs::write(
        &regions,
        "kecamatan_code,kecamatan,kelurahan_code,kelurahan,tps_count,tps_numbers\n\
         16.71.01,Ilir Barat II,16.71.01.1001,\"35 Ilir\x1b[2J\",3,1-3\n",
    )
    .unwrap();
    let out = kpps(
        &other,
        &[
            "--lang",
            "en",
            "init",
            "--regions",
            regions.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(
            "{}:2: kelurahan contains a control or invisible character (U+001B) at character 8",
            regions.display()
        )),
        "{}",
        stderr(&out)
    );
    assert!(!other.exists(), "no store was created");
    let out = kpps(&other, &["init", "--regions", regions.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(
            "{}:2: kelurahan berisi karakter kontrol atau tak terlihat (U+001B) di karakter ke-8",
            regions.display()
        )),
        "{}",
        stderr(&out)
    );
    assert!(!other.exists(), "no store was created");
}

/// A store whose region tree and election name already hold control characters (written
/// before region files were checked): the gaps report and every TUI frame stay clean.
#[test]
fn stored_place_names_are_drawn_harmlessly() {
    use kpps::domain::{ElectionParams, KelurahanSpec, Region};
    use kpps::store::StoreInfo;
    use kpps::tui::session::Session;
    use kpps::tui::App;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store");
    let spec = |kec: &str, code: &str, name: &str| KelurahanSpec {
        kecamatan_code: "16.71.01".into(),
        kecamatan: kec.into(),
        code: code.into(),
        name: name.into(),
        tps_ranges: vec![(1, 3)],
    };
    let region = Region::build(vec![
        spec("Ilir\x1b]0;kec\x07", "16.71.01.1001", "35 Ilir\u{202e}x"),
        spec("Ilir\x1b]0;kec\x07", "16.71.01.1002", "Bukit\x1b[2J"),
    ])
    .unwrap();
    let params = ElectionParams {
        name: "Pemilu\x1b]0;pemilu\x07".into(),
        ..ElectionParams::default()
    };
    let roster = Roster::new(region, params.clone());
    let info = StoreInfo {
        params,
        demo_seed: None,
        regions_source: "t".into(),
        created: chrono::Utc::now(),
    };
    drop(Store::create(&db, "t", &roster, info).unwrap());
    wait_until_unlocked(&db);
    for format in ["table", "text"] {
        for lang in ["id", "en"] {
            let out = kpps(&db, &["--lang", lang, "gaps", "--format", format]);
            assert_no_terminal_controls("kpps gaps", &out.stdout);
            assert!(stdout(&out).contains("Bukit\\x1b[2J"), "{}", stdout(&out));
        }
    }
    let out = kpps(
        &db,
        &["gaps", "--kecamatan", "16.71.01", "--format", "text"],
    );
    assert!(
        stdout(&out).contains("Kecamatan Ilir\\x1b]0;kec\\x07"),
        "{}",
        stdout(&out)
    );
    // The TUI: tree, detail, gaps list and search, each frame as the terminal receives it.
    let store = Store::open(&db, "t").unwrap();
    let roster = store.load().unwrap();
    let mut s = Session::new(App::with_port(roster, Lang::Id, Box::new(store)), 80, 24);
    s.keys("l<enter>jj<enter>v<esc>/bukit<enter>n");
    assert_no_terminal_controls_but_csi("the TUI's frames", s.output());
}
