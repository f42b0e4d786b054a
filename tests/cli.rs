//! The real binary: init, demo, gaps in every format, scope filters, errors and exit codes.

mod common;

use common::{kpps, stdout as ok};

fn demo_store() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ok(&kpps(&dir.path().join("s"), &["demo"]));
    dir
}

#[test]
fn init_creates_palembang_with_every_seat_vacant() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s");
    let out = ok(&kpps(&db, &["init"]));
    assert!(
        out.contains("18 kecamatan, 107 kelurahan, 4.777 TPS, 33.439 kursi; 0 terisi"),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(&kpps(&db, &["gaps", "--format", "json"]))).unwrap();
    let t = &json["totals"];
    assert_eq!(t["tps"], 4777);
    assert_eq!(t["seats"], 33439);
    assert_eq!(t["vacant"], 33439);
    assert_eq!(t["tps_without_ketua"], 4777);
    assert_eq!(json["demo"], false);
    // A second init refuses to overwrite.
    let again = kpps(&db, &["init"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn init_from_another_region_file_with_overridden_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let regions = dir.path().join("kab.csv");
    std::fs::write(
        &regions,
        "kecamatan_code,kecamatan,kelurahan_code,kelurahan,tps_count,tps_numbers\n\
         32.01.01,CIBINONG,32.01.01.1001,PAKANSARI,5,1-3;901-902\n\
         32.01.02,GUNUNG PUTRI,32.01.02.2001,WANAHERANG,2,1-2\n",
    )
    .unwrap();
    let db = dir.path().join("s");
    ok(&kpps(
        &db,
        &[
            "init",
            "--regions",
            regions.to_str().unwrap(),
            "--seats-per-tps",
            "5",
            "--election-name",
            "Pilkada 2024",
            "--voting-day",
            "2024-11-27",
        ],
    ));
    let json: serde_json::Value =
        serde_json::from_str(&ok(&kpps(&db, &["gaps", "--format", "json"]))).unwrap();
    assert_eq!(json["election"], "Pilkada 2024");
    assert_eq!(json["totals"]["tps"], 7);
    assert_eq!(json["totals"]["seats"], 35);
    let numbers: Vec<u64> = json["tps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tps"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, vec![1, 2, 3, 901, 902, 1, 2]);
    assert_eq!(json["tps"][3]["address"], "32.01.01.1001/901");
    assert_eq!(
        json["tps"][0]["vacant_seats"],
        serde_json::json!([1, 2, 3, 4, 5])
    );
}

#[test]
fn bad_region_file_is_refused_with_line_numbers_and_nothing_created() {
    let dir = tempfile::tempdir().unwrap();
    let regions = dir.path().join("bad.csv");
    std::fs::write(&regions, "kecamatan_code,kecamatan,kelurahan_code,kelurahan,tps_count,tps_numbers\n32.01.01,A,32.01.01.1001,X,3,1-2\n").unwrap();
    let db = dir.path().join("s");
    let out = kpps(&db, &["init", "--regions", regions.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("bad.csv:2: tps_count 3 but tps_numbers list 2"));
    assert!(!db.exists());
}

#[test]
fn demo_is_deterministic_to_the_byte() {
    let a = demo_store();
    let b = demo_store();
    let export =
        |d: &tempfile::TempDir, what: &str| ok(&kpps(&d.path().join("s"), &["export", what]));
    assert_eq!(export(&a, "roster"), export(&b, "roster"));
    assert_eq!(export(&a, "reserves"), export(&b, "reserves"));
    let c = tempfile::tempdir().unwrap();
    ok(&kpps(&c.path().join("s"), &["demo", "--seed", "7"]));
    assert_ne!(export(&a, "roster"), export(&c, "roster"));
}

#[test]
fn gaps_json_has_totals_and_most_severe_first() {
    let d = demo_store();
    let json: serde_json::Value = serde_json::from_str(&ok(&kpps(
        &d.path().join("s"),
        &["gaps", "--format", "json"],
    )))
    .unwrap();
    assert_eq!(json["demo"], true);
    let t = &json["totals"];
    for key in [
        "kecamatan",
        "kelurahan",
        "tps",
        "seats",
        "filled",
        "vacant",
        "tps_short",
        "tps_without_ketua",
        "flagged",
    ] {
        assert!(t[key].is_u64(), "totals.{key}");
    }
    assert_eq!(t["kecamatan"], 18);
    assert_eq!(t["kelurahan"], 107);
    assert_eq!(
        t["filled"].as_u64().unwrap() + t["vacant"].as_u64().unwrap(),
        33439
    );
    let tps = json["tps"].as_array().unwrap();
    let key = |e: &serde_json::Value| {
        let no_ketua = e["vacant_seats"].as_array().unwrap().first() == Some(&serde_json::json!(1));
        (
            !no_ketua,
            std::cmp::Reverse(e["vacant_seats"].as_array().unwrap().len()),
            std::cmp::Reverse(e["flags"].as_array().unwrap().len()),
        )
    };
    assert!(
        tps.windows(2).all(|w| key(&w[0]) <= key(&w[1])),
        "not sorted by severity"
    );
    let vacant: usize = tps
        .iter()
        .map(|e| e["vacant_seats"].as_array().unwrap().len())
        .sum();
    assert_eq!(vacant as u64, t["vacant"].as_u64().unwrap());
    for field in [
        "kecamatan_code",
        "kecamatan",
        "kelurahan_code",
        "kelurahan",
        "tps",
        "vacant_seats",
        "flags",
    ] {
        assert!(!tps[0][field].is_null(), "{field}");
    }
}

#[test]
fn gaps_csv_table_and_text() {
    let d = demo_store();
    let db = d.path().join("s");
    let csv = ok(&kpps(&db, &["gaps", "--format", "csv"]));
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        vec![
            "kecamatan_code",
            "kecamatan",
            "kelurahan_code",
            "kelurahan",
            "tps",
            "ketua_missing",
            "vacant_seats",
            "flags"
        ]
    );
    let rows = rdr.records().count();
    let json: serde_json::Value =
        serde_json::from_str(&ok(&kpps(&db, &["gaps", "--format", "json"]))).unwrap();
    assert_eq!(rows, json["tps"].as_array().unwrap().len());

    let table = ok(&kpps(&db, &["gaps"]));
    assert!(
        table.starts_with("[DATA DEMO]\nSeluruh wilayah: 4.777 TPS"),
        "{table}"
    );
    assert!(table.lines().nth(2).unwrap().starts_with("TPS "));
    let en = ok(&kpps(&db, &["--lang", "en", "gaps"]));
    assert!(en.contains("Whole region: 4,777 TPS"));

    let text = ok(&kpps(&db, &["gaps", "--format", "text"]));
    assert!(
        text.starts_with("*Pemilu 2024 — Seluruh wilayah*\n(data demo)\nKPPS terisi "),
        "{text}"
    );
    assert!(text.contains("Paling mendesak:\n- TPS "));
    assert!(text.lines().count() < 20, "chat text stays short");
}

#[test]
fn scope_filters_by_code_and_name() {
    let d = demo_store();
    let db = d.path().join("s");
    let get = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["gaps", "--format", "json"];
        all.extend_from_slice(args);
        serde_json::from_str(&ok(&kpps(&db, &all))).unwrap()
    };
    let by_name = get(&["--kecamatan", "SAKO"]);
    let by_code = get(&["--kecamatan", "16.71.08"]);
    assert_eq!(by_name, by_code);
    assert_eq!(by_name["totals"]["kecamatan"], 1);
    assert!(by_name["tps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["kecamatan_code"] == "16.71.08"));
    let kel = get(&["--kelurahan", "1671081002"]);
    assert_eq!(kel["totals"]["kelurahan"], 1);
    assert!(kel["tps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["kelurahan_code"] == "16.71.08.1002"));
    let within = get(&["--kecamatan", "sako", "--kelurahan", "sialang"]);
    assert!(within["tps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["kelurahan"] == "Sialang"));
}

#[test]
fn unknown_or_ambiguous_names_list_candidates() {
    let d = demo_store();
    let db = d.path().join("s");
    let out = kpps(&db, &["gaps", "--kelurahan", "ilir"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ambigu") && err.contains("16.71.01.1001  35 Ilir (Ilir Barat II)"),
        "{err}"
    );
    let out = kpps(&db, &["--lang", "en", "gaps", "--kecamatan", "atlantis"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown kecamatan \"atlantis\""));
}

#[test]
fn commands_on_a_missing_store_exit_2_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let out = kpps(&dir.path().join("none"), &["gaps"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("kpps init"));
}

#[test]
fn exports_warn_that_they_hold_personal_data_and_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let d = demo_store();
    let db = d.path().join("s");
    let out_file = d.path().join("roster.csv");
    let out = kpps(
        &db,
        &["export", "roster", "--out", out_file.to_str().unwrap()],
    );
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("data pribadi"), "{err}");
    let mode = std::fs::metadata(&out_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "exports are created private");
    let journal = std::fs::metadata(db.join("journal.kpps"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(journal, 0o600);
}
