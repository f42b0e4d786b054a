//! Text a coordinator types cannot hurt another: control characters (ESC, OSC titles, BEL,
//! NUL), bidi overrides and oversize values are refused on every road in (the command line,
//! import files, a client talking to `kpps serve` directly) and nothing is written.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::NaiveDate;
use common::{kpps, stdout, Server};
use kpps::domain::{Command, Event, Nik, Person, Roster, Screening, Sex, Source, TpsId};
use kpps::net::Client;
use kpps::store::ExecError;
use kpps::text::Lang;
use kpps::tui::port::Port;

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
    let out = kpps(&other, &["init", "--regions", regions.to_str().unwrap()]);
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
}
