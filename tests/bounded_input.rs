//! No input file is read without bound: an endless stream (`/dev/zero`, a pipe that never
//! ends), a file without line breaks or with an over-long line stops with an error naming
//! the line, after a bounded read; a file of endless bad rows stops after `MAX_ERRORS`.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{kpps, kpps_bounded, stdout};
use kpps::io::coordinators::Coordinators;
use kpps::io::region_csv::palembang;
use kpps::io::{MAX_ERRORS, MAX_ROW_BYTES};
use kpps::text::Lang;

fn empty_store(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("store");
    stdout(&kpps(&db, &["init"]));
    db
}

#[test]
fn an_endless_stream_is_refused_after_a_bounded_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = empty_store(dir.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_kpps"))
        .arg("--db")
        .arg(&db)
        .args(["--lang", "en", "import", "roster", "/dev/stdin"])
        .env_remove("KPPS_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Zeros, 64 KiB at a time, up to 100 MiB or until kpps stops reading.
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let block = vec![0u8; 64 << 10];
        let mut accepted = 0u64;
        while accepted < 100 << 20 && stdin.write_all(&block).is_ok() {
            accepted += block.len() as u64;
        }
        accepted
    });
    let out = child.wait_with_output().unwrap();
    let accepted = writer.join().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("/dev/stdin:1: row longer than 65,536 bytes"),
        "{err}"
    );
    // What it took: its 64 KiB read buffer and the row limit, plus the pipe's buffer.
    assert!(
        accepted < 1 << 20,
        "kpps read {accepted} bytes of an endless stream"
    );
}

#[test]
fn dev_zero_as_a_roster_or_a_region_file_stops_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = empty_store(dir.path());
    let out = kpps_bounded(&db, &["--lang", "en", "import", "roster", "/dev/zero"], 60);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("/dev/zero:1: row longer than 65,536 bytes"),
        "{err}"
    );
    let fresh = dir.path().join("fresh");
    let out = kpps_bounded(
        &fresh,
        &["--lang", "en", "init", "--regions", "/dev/zero"],
        60,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("/dev/zero:1: "), "{err}");
    assert!(err.contains("row longer than 65,536 bytes"), "{err}");
    assert!(!fresh.exists(), "no store was created");
    // In Indonesian, the default.
    let out = kpps_bounded(&fresh, &["init", "--regions", "/dev/zero"], 60);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("/dev/zero:1: baris lebih dari 65.536 byte"),
        "{err}"
    );
    assert!(!fresh.exists(), "no store was created");
    // The coordinators file a server reads.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for lang in [Lang::En, Lang::Id] {
            let _ = tx.send(Coordinators::load(
                Path::new("/dev/zero"),
                &palembang(),
                lang,
            ));
        }
    });
    let read = || {
        rx.recv_timeout(std::time::Duration::from_secs(60))
            .expect("reading /dev/zero as a coordinators file ends")
            .unwrap_err()
    };
    let errors = read();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, 1);
    assert!(
        errors[0].reason.contains("row longer than 65,536 bytes"),
        "{errors:?}"
    );
    let errors = read();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].reason.contains("baris lebih dari 65.536 byte"),
        "{errors:?}"
    );
}

#[test]
fn an_over_long_line_is_named_by_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = empty_store(dir.path());
    let file = dir.path().join("long.csv");
    let mut text = String::from(
        "kelurahan_code,tps,kpps,nama,nik,tanggal_lahir,jenis_kelamin,telepon,skrining,jkn\n\
         16.71.01.1001,1,1,Siti Aminah,1671045708900003,1990-08-17,P,,tidak berisiko,ya\n",
    );
    text.push_str(&"x".repeat(MAX_ROW_BYTES + 1));
    text.push_str("\n16.71.01.1001,1,2,Budi,1671041708900004,1990-08-17,L,,tidak berisiko,ya\n");
    std::fs::write(&file, text).unwrap();
    let out = kpps(
        &db,
        &["--lang", "en", "import", "roster", file.to_str().unwrap()],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "{}:3: row longer than 65,536 bytes",
            file.display()
        )),
        "{err}"
    );
    // Nothing was imported.
    let check = stdout(&kpps(&db, &["--lang", "en", "check"]));
    assert!(check.contains("0 officers"), "{check}");
}

#[test]
fn a_file_of_endless_bad_rows_stops_after_max_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wilayah.csv");
    let mut text =
        String::from("kecamatan_code,kecamatan,kelurahan_code,kelurahan,tps_count,tps_numbers\n");
    for _ in 0..3 * MAX_ERRORS {
        text.push_str("16.71.01,A,16.71.01.1001,X,3,x\n");
    }
    std::fs::write(&file, text).unwrap();
    let out = kpps(
        &dir.path().join("store"),
        &["--lang", "en", "init", "--regions", file.to_str().unwrap()],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(":2: bad TPS number \"x\" in \"x\"\n"), "{err}");
    // 50 shown, the rest counted: MAX_ERRORS rows, then the one saying it stopped.
    assert!(
        err.contains(&format!("… {} more", MAX_ERRORS + 1 - 50)),
        "{err}"
    );
    // In Indonesian, the default.
    let out = kpps(
        &dir.path().join("store"),
        &["init", "--regions", file.to_str().unwrap()],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(":2: nomor TPS tidak valid: \"x\" dalam \"x\"\n"),
        "{err}"
    );
    assert!(
        err.contains(&format!("… {} lagi", MAX_ERRORS + 1 - 50)),
        "{err}"
    );
}
