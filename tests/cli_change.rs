//! Recording changes from scripts: vacate, absent, fill (reserve or direct), ketua, log.
//! Every refusal exits 1 with a reason and leaves the store byte-for-byte as it was.

mod common;

use std::path::Path;

use common::{kpps, stdout};

fn gaps(db: &Path) -> serde_json::Value {
    serde_json::from_str(&stdout(&kpps(db, &["gaps", "--format", "json"]))).unwrap()
}

/// Everything a refusal must not change: roster, reserves and log.
fn snapshot(db: &Path) -> (String, String, String) {
    (
        stdout(&kpps(db, &["export", "roster"])),
        stdout(&kpps(db, &["export", "reserves"])),
        stdout(&kpps(db, &["log", "--format", "json"])),
    )
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn refused(db: &Path, args: &[&str], reason: &str) {
    let before = snapshot(db);
    let out = kpps(db, args);
    assert_eq!(out.status.code(), Some(1), "{args:?} should be refused");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(reason), "{args:?}: {err}");
    assert_eq!(snapshot(db), before, "{args:?} changed the store");
}

struct Demo {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
}

fn demo() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s");
    stdout(&kpps(&db, &["demo"]));
    Demo { _dir: dir, db }
}

/// A TPS address with an empty (not merely absent) seat other than the Ketua's, and that seat.
fn empty_seat(d: &Demo) -> (String, u8) {
    let export = stdout(&kpps(&d.db, &["export", "roster"]));
    let json = gaps(&d.db);
    for t in json["tps"].as_array().unwrap() {
        let addr = t["address"].as_str().unwrap();
        let (kel, num) = addr.split_once('/').unwrap();
        for seat in t["vacant_seats"].as_array().unwrap() {
            let seat = seat.as_u64().unwrap();
            let row = format!("{kel},{num},{seat},");
            if seat > 1 && !export.contains(&row) {
                return (addr.to_string(), seat as u8);
            }
        }
    }
    panic!("no empty seat")
}

#[test]
fn fill_next_reserve_then_vacate_then_ketua_and_log() {
    let d = demo();
    let (addr, seat) = empty_seat(&d);
    let seat = seat.to_string();
    let vacant = gaps(&d.db)["totals"]["vacant"].as_u64().unwrap();
    let out = stdout(&kpps(
        &d.db,
        &[
            "--as",
            "pps-a",
            "fill",
            "--tps",
            &addr,
            "--seat",
            &seat,
            "--reserve",
            "next",
        ],
    ));
    assert!(
        // #1 the store's creation, #2 and #3 the demo roster and reserves.
        out.starts_with("Tersimpan #4: TPS ") && out.contains("cadangan #"),
        "{out}"
    );
    assert_eq!(
        gaps(&d.db)["totals"]["vacant"].as_u64().unwrap(),
        vacant - 1
    );
    // Filling it again: refused.
    refused(
        &d.db,
        &["fill", "--tps", &addr, "--seat", &seat, "--reserve", "next"],
        "sudah terisi",
    );
    // The Ketua leaves; the member we just seated is designated Ketua.
    stdout(&kpps(
        &d.db,
        &[
            "--as",
            "pps-a",
            "vacate",
            "--tps",
            &addr,
            "--seat",
            "1",
            "--reason",
            "meninggal",
        ],
    ));
    let json = gaps(&d.db);
    let entry = json["tps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["address"] == addr.as_str())
        .unwrap()
        .clone();
    assert_eq!(entry["ketua_missing"], true);
    let out = stdout(&kpps(
        &d.db,
        &[
            "--lang", "en", "--as", "pps-a", "ketua", "--tps", &addr, "--seat", &seat,
        ],
    ));
    assert!(out.contains("designated Ketua"), "{out}");
    // A second Ketua is refused.
    let other = if seat == "2" { "3" } else { "2" };
    refused(
        &d.db,
        &["ketua", "--tps", &addr, "--seat", other],
        "Ketua sudah terisi",
    );
    let log = stdout(&kpps(&d.db, &["--lang", "en", "log", "--limit", "3"]));
    assert_eq!(log.lines().count(), 3, "{log}");
    assert!(log.lines().all(|l| l.contains("pps-a")), "{log}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&kpps(&d.db, &["log", "--format", "json"]))).unwrap();
    assert_eq!(json[0]["tps"], addr.as_str());
    assert!(json[0]["at_wib"].as_str().unwrap().ends_with("WIB"));
    // --kelurahan narrows the log.
    let kel = addr.split('/').next().unwrap();
    let narrowed: serde_json::Value = serde_json::from_str(&stdout(&kpps(
        &d.db,
        &["log", "--format", "json", "--kelurahan", kel],
    )))
    .unwrap();
    // The three changes, then the demo roster and reserves that filled the kelurahan.
    let narrowed = narrowed.as_array().unwrap();
    assert_eq!(narrowed.len(), 5, "{narrowed:?}");
    assert!(narrowed[..3].iter().all(|e| e["tps"] == addr.as_str()));
    assert!(
        narrowed[3..].iter().all(|e| e["description"]
            .as_str()
            .unwrap()
            .contains("demo dibuat (seed 2024), Kota Palembang")),
        "{narrowed:?}"
    );
}

#[test]
fn direct_appointment_and_its_refusals() {
    let d = demo();
    let (addr, seat) = empty_seat(&d);
    let seat = seat.to_string();
    let fill = |extra: &[&str]| -> Vec<String> {
        ["fill", "--tps", addr.as_str(), "--seat", seat.as_str()]
            .iter()
            .chain(extra)
            .map(|s| s.to_string())
            .collect()
    };
    // Under age on voting day (16): refused.
    let young = fill(&[
        "--nama",
        "Anak Muda",
        "--nik",
        "1671011708070001",
        "--tanggal-lahir",
        "2007-08-17",
        "--jenis-kelamin",
        "L",
    ]);
    refused(&d.db, &strs(&young), "minimal 17");
    // Excel-mangled NIK: refused.
    let sci = fill(&[
        "--nama",
        "X",
        "--nik",
        "1.67101E+15",
        "--tanggal-lahir",
        "1990-08-17",
        "--jenis-kelamin",
        "L",
    ]);
    refused(&d.db, &strs(&sci), "notasi ilmiah");
    // A NIK already seated anywhere in the city: refused.
    let export = stdout(&kpps(&d.db, &["export", "roster"]));
    let taken = export
        .lines()
        .nth(5)
        .unwrap()
        .split(',')
        .nth(4)
        .unwrap()
        .to_string();
    let dup = fill(&[
        "--nama",
        "Dup",
        "--nik",
        &taken,
        "--tanggal-lahir",
        "1990-08-17",
        "--jenis-kelamin",
        "L",
    ]);
    refused(&d.db, &strs(&dup), "sudah terdaftar");
    // A valid appointment with berita acara.
    let ok = fill(&[
        "--nama",
        "Ahmad Fauzi",
        "--nik",
        "1671071708900003",
        "--tanggal-lahir",
        "17/08/1990",
        "--jenis-kelamin",
        "L",
        "--telepon",
        "081234567890",
        "--berita-acara",
        "12/PPS/II/2024",
    ]);
    let out = stdout(&kpps(&d.db, &strs(&ok)));
    assert!(out.contains("BA 12/PPS/II/2024"), "{out}");
    let export = stdout(&kpps(&d.db, &["export", "roster"]));
    assert!(
        export.contains("Ahmad Fauzi,1671071708900003,1990-08-17,L,081234567890,tidak berisiko,ya")
    );
}

#[test]
fn reserve_by_nik_bad_addresses_and_absent_back() {
    let d = demo();
    let (addr, seat) = empty_seat(&d);
    let seat = seat.to_string();
    let kel = addr.split('/').next().unwrap().to_string();
    let reserves = stdout(&kpps(&d.db, &["export", "reserves"]));
    let mut rdr = csv::Reader::from_reader(reserves.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let row = rdr
        .records()
        .map(Result::unwrap)
        .find(|r| r[col("kelurahan_code")] == kel)
        .unwrap();
    let nik = row[col("nik")].to_string();
    let out = stdout(&kpps(
        &d.db,
        &["fill", "--tps", &addr, "--seat", &seat, "--reserve", &nik],
    ));
    assert!(out.contains(&row[col("nama")]), "{out}");
    // That reserve left the list.
    assert!(!stdout(&kpps(&d.db, &["export", "reserves"])).contains(&nik));
    refused(
        &d.db,
        &[
            "vacate",
            "--tps",
            &addr,
            "--seat",
            "9",
            "--reason",
            "meninggal",
        ],
        "tidak ada",
    );
    refused(
        &d.db,
        &[
            "vacate",
            "--tps",
            "16.71.99.9999/1",
            "--seat",
            "1",
            "--reason",
            "meninggal",
        ],
        "TPS tidak ada",
    );
    refused(
        &d.db,
        &[
            "vacate",
            "--tps",
            "nonsense",
            "--seat",
            "1",
            "--reason",
            "meninggal",
        ],
        "alamat TPS tidak valid",
    );
    // Absent today and back.
    stdout(&kpps(&d.db, &["absent", "--tps", &addr, "--seat", &seat]));
    refused(
        &d.db,
        &["absent", "--tps", &addr, "--seat", &seat],
        "sudah ditandai",
    );
    stdout(&kpps(
        &d.db,
        &["absent", "--tps", &addr, "--seat", &seat, "--back"],
    ));
}

/// A reserve row: `(kelurahan code, rank, name, skrining, jkn)`.
type ReserveRow<'a> = (&'a str, u32, &'a str, &'a str, &'a str);

/// Writes a reserves CSV (men born 17-08-1990, NIKs issued in each kelurahan's kecamatan)
/// and returns its path.
fn reserves_file(dir: &Path, rows: &[ReserveRow]) -> std::path::PathBuf {
    let mut csv = String::from(
        "kelurahan_code,peringkat,nama,nik,tanggal_lahir,jenis_kelamin,telepon,skrining,jkn\n",
    );
    for (i, (kel, rank, name, skrining, jkn)) in rows.iter().enumerate() {
        let region6: String = kel.replace('.', "")[..6].to_string();
        csv.push_str(&format!(
            "{kel},{rank},{name},{region6}170890{:04},1990-08-17,L,,{skrining},{jkn}\n",
            9_900 + i
        ));
    }
    let path = dir.join("reserves.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

/// A store with every seat vacant and only the given reserves.
fn vacant_with_reserves(rows: &[ReserveRow]) -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s");
    stdout(&kpps(&db, &["init"]));
    let file = reserves_file(dir.path(), rows);
    stdout(&kpps(&db, &["import", "reserves", file.to_str().unwrap()]));
    Demo { _dir: dir, db }
}

/// `refused`, checking that the reason names every one of `parts`.
fn refused_naming(db: &Path, args: &[&str], parts: &[&str]) {
    let before = snapshot(db);
    let out = kpps(db, args);
    assert_eq!(out.status.code(), Some(1), "{args:?} should be refused");
    let err = String::from_utf8_lossy(&out.stderr);
    for part in parts {
        assert!(err.contains(part), "{args:?}: {err} (wanted {part:?})");
    }
    assert_eq!(snapshot(db), before, "{args:?} changed the store");
}

#[test]
fn next_reserve_takes_clean_ones_first_and_an_at_risk_one_only_when_told() {
    const KEL: &str = "16.71.01.1001";
    let d = vacant_with_reserves(&[
        (KEL, 1, "Risiko Satu", "berisiko", "ya"),
        (KEL, 2, "Bersih Dua", "tidak berisiko", "ya"),
        // No JKN is paperwork, not a health risk: still offered before the at-risk one.
        (KEL, 3, "Tanpa Jkn Tiga", "tidak berisiko", "tidak"),
    ]);
    let fill = |seat: &str, which: &str, extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = [
            "--lang",
            "en",
            "fill",
            "--tps",
            "16.71.01.1001/1",
            "--seat",
            seat,
            "--reserve",
            which,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    // Rank 1 is at risk, rank 2 is clean: `next` takes rank 2.
    let out = stdout(&kpps(&d.db, &strs(&fill("1", "next", &[]))));
    assert!(
        out.contains("Bersih Dua") && out.contains("#2"),
        "the clean reserve first: {out}"
    );
    let out = stdout(&kpps(&d.db, &strs(&fill("2", "next", &[]))));
    assert!(out.contains("Tanpa Jkn Tiga"), "{out}");
    // Only the at-risk reserve is left: refused, naming them, the risk and the flag.
    refused_naming(
        &d.db,
        &strs(&fill("3", "next", &[])),
        &["Risiko Satu", "#1", "health risk: at risk", "--accept-risk"],
    );
    // Naming them by rank is no way round it.
    refused_naming(
        &d.db,
        &strs(&fill("3", "1", &[])),
        &["Risiko Satu", "health risk: at risk", "--accept-risk"],
    );
    // The explicit confirmation appoints them.
    let out = stdout(&kpps(&d.db, &strs(&fill("3", "next", &["--accept-risk"]))));
    assert!(out.contains("Risiko Satu"), "{out}");
    // Nobody left.
    refused_naming(
        &d.db,
        &strs(&fill("4", "next", &["--accept-risk"])),
        &["no reserve left"],
    );
    // The same in Bahasa Indonesia.
    let out = kpps(
        &d.db,
        &[
            "fill",
            "--tps",
            "16.71.01.1001/1",
            "--seat",
            "4",
            "--reserve",
            "next",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("tidak ada cadangan tersisa"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_unscreened_reserve_also_needs_the_confirmation() {
    const KEL: &str = "16.71.01.1001";
    let d = vacant_with_reserves(&[(KEL, 1, "Belum Satu", "belum", "ya")]);
    refused_naming(
        &d.db,
        &[
            "fill",
            "--tps",
            "16.71.01.1001/2",
            "--seat",
            "1",
            "--reserve",
            "next",
        ],
        &[
            "Belum Satu",
            "berisiko kesehatan: belum skrining",
            "--accept-risk",
        ],
    );
    let out = stdout(&kpps(
        &d.db,
        &[
            "fill",
            "--tps",
            "16.71.01.1001/2",
            "--seat",
            "1",
            "--reserve",
            "next",
            "--accept-risk",
        ],
    ));
    assert!(out.contains("Belum Satu"), "{out}");
}
