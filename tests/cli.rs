//! The real binary: init, demo, gaps in every format, scope filters, errors and exit codes.

mod common;

use common::{kpps, stdout as ok};
use kpps::text::Lang;

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
    // A second init refuses to overwrite, saying so in the reader's language.
    let again = kpps(&db, &["init"]);
    assert_eq!(again.status.code(), Some(1));
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(said.contains("sudah ada store kpps di"), "{said}");
    let again = kpps(&db, &["--lang", "en", "init"]);
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
    let out = kpps(
        &db,
        &[
            "--lang",
            "en",
            "init",
            "--regions",
            regions.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("bad.csv:2: tps_count 3 but tps_numbers list 2"));
    assert!(!db.exists());
    // In Indonesian, the default; `demo --regions` reads the file the same way.
    for command in ["init", "demo"] {
        let out = kpps(&db, &[command, "--regions", regions.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1));
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains("bad.csv:2: tps_count 3 tetapi tps_numbers berisi 2 TPS"),
            "{said}"
        );
        assert!(!db.exists());
    }
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
        text.starts_with("*Pemilu 2024 — Kota Palembang*\nSeluruh wilayah · per "),
        "{text}"
    );
    assert!(text.contains(" WIB, "), "{text}");
    assert!(text.contains("\n(data demo)\nKPPS terisi "), "{text}");
    assert!(text.contains("Per kelurahan:\n- "), "{text}");
    assert!(text.lines().count() < 20, "chat text stays short");
}

#[test]
fn scope_filters_by_code_and_name() {
    let d = demo_store();
    let db = d.path().join("s");
    // Reports say when they were read: the same clock for both.
    let get = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["gaps", "--format", "json", "--now", NOW];
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

/// A fixed clock for reports: 08:05 WIB on voting day.
const NOW: &str = "2024-02-14T01:05:00Z";

fn gaps_at(db: &std::path::Path, args: &[&str]) -> String {
    let mut all = vec!["gaps", "--now", NOW];
    all.extend_from_slice(args);
    ok(&kpps(db, &all))
}

fn gaps_json_at(db: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    serde_json::from_str(&gaps_at(db, &all)).unwrap()
}

/// `12.345` (Indonesian thousands) → 12345.
fn id_num(s: &str) -> u64 {
    s.replace('.', "")
        .parse()
        .unwrap_or_else(|_| panic!("{s:?}"))
}

#[test]
fn gaps_text_names_the_area_and_the_time_and_subtotals_each_kelurahan() {
    let d = demo_store();
    let db = d.path().join("s");
    let text = gaps_at(&db, &["--format", "text"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[..3],
        [
            "*Pemilu 2024 — Kota Palembang*",
            "Seluruh wilayah · per 08:05 WIB, 14-02-2024",
            "(data demo)"
        ],
        "{text}"
    );
    assert!(lines.len() < 20, "chat text stays short:\n{text}");
    let json = gaps_json_at(&db, &[]);
    assert_eq!(json["region"], "Kota Palembang");
    assert_eq!(json["time_zone"], "WIB");
    assert_eq!(json["as_of"], "2024-02-14T08:05:00+07:00");
    let totals = &json["totals"];
    // The shortfall has one word, "kekurangan".
    let head = format!(
        "Kekurangan: {} kursi di {} TPS, {} TPS tanpa Ketua",
        Lang::Id.num(totals["vacant"].as_u64().unwrap()),
        Lang::Id.num(totals["tps_short"].as_u64().unwrap()),
        totals["tps_without_ketua"]
    );
    assert!(lines.contains(&head.as_str()), "{head}\n{text}");
    assert!(!text.contains("Kosong:"), "{text}");

    // Every kelurahan line is that kelurahan's subtotal; with the "…dan" line they add up
    // to the totals.
    let subtotals: Vec<&serde_json::Value> = json["kelurahan"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["vacant"].as_u64().unwrap() > 0)
        .collect();
    let (mut seats, mut tps, mut listed) = (0, 0, 0);
    for line in lines.iter().filter(|l| l.starts_with("- ")) {
        let (place, rest) = line[2..].split_once(": kekurangan ").expect(line);
        let (kel, kec) = place.trim_end_matches(')').split_once(" (").expect(line);
        let words: Vec<&str> = rest.split(' ').collect();
        assert_eq!(words[1..3], ["kursi", "di"], "{line}");
        let k = subtotals
            .iter()
            .find(|k| k["kelurahan"] == kel && k["kecamatan"] == kec)
            .unwrap_or_else(|| panic!("{line}"));
        assert_eq!(id_num(words[0]), k["vacant"].as_u64().unwrap(), "{line}");
        assert_eq!(id_num(words[3]), k["tps_short"].as_u64().unwrap(), "{line}");
        assert!(rest.contains("— TPS "), "names its TPS: {line}");
        seats += id_num(words[0]);
        tps += id_num(words[3]);
        listed += 1;
    }
    assert_eq!(listed, 10, "{text}");
    let rest = lines
        .iter()
        .find(|l| l.starts_with("…dan "))
        .expect("the rest summed");
    let words: Vec<&str> = rest.split(' ').collect();
    assert_eq!(id_num(words[1]) + listed, subtotals.len() as u64, "{rest}");
    assert_eq!(words[2..4], ["kelurahan", "lain:"], "{rest}");
    assert_eq!(
        seats + id_num(words[4]),
        totals["vacant"].as_u64().unwrap(),
        "{rest}"
    );
    assert_eq!(
        tps + id_num(words[7]),
        totals["tps_short"].as_u64().unwrap(),
        "{rest}"
    );

    let en = ok(&kpps(
        &db,
        &["--lang", "en", "gaps", "--format", "text", "--now", NOW],
    ));
    assert!(
        en.starts_with(
            "*Pemilu 2024 — Kota Palembang*\nWhole region · as of 08:05 WIB, 14-02-2024\n"
        ),
        "{en}"
    );
}

fn store_with_regions(dir: &std::path::Path, name: &str, rows: &str) -> std::path::PathBuf {
    let regions = dir.join(format!("{name}.csv"));
    std::fs::write(
        &regions,
        format!("kecamatan_code,kecamatan,kelurahan_code,kelurahan,tps_count,tps_numbers\n{rows}"),
    )
    .unwrap();
    let db = dir.join(name);
    ok(&kpps(
        &db,
        &["init", "--regions", regions.to_str().unwrap()],
    ));
    db
}

#[test]
fn gaps_text_reads_the_clock_of_the_province() {
    let dir = tempfile::tempdir().unwrap();
    let makassar = store_with_regions(
        dir.path(),
        "makassar",
        "73.71.01,MARISO,73.71.01.1001,BONTORANNU,2,1-2\n\
         73.71.02,MAMAJANG,73.71.02.1001,MAMAJANG DALAM,1,1\n",
    );
    let text = gaps_at(&makassar, &["--format", "text"]);
    assert!(
        text.starts_with(
            "*Pemilu 2024 — Kota Makassar*\nSeluruh wilayah · per 09:05 WITA, 14-02-2024\n"
        ),
        "{text}"
    );
    // A kecamatan: its kelurahan are named without repeating the kecamatan.
    let text = gaps_at(&makassar, &["--format", "text", "--kecamatan", "mariso"]);
    assert!(
        text.contains("\nKecamatan MARISO · per 09:05 WITA"),
        "{text}"
    );
    assert!(
        text.contains("\n- BONTORANNU: kekurangan 14 kursi di 2 TPS — TPS 1: kursi 1 2 3 4 5 6 7 (tanpa Ketua); TPS 2: kursi 1 2 3 4 5 6 7 (tanpa Ketua)\n"),
        "{text}"
    );
    assert_eq!(gaps_json_at(&makassar, &[])["time_zone"], "WITA");

    let jayapura = store_with_regions(
        dir.path(),
        "jayapura",
        "91.71.01,JAYAPURA UTARA,91.71.01.1001,TANJUNG RIA,1,1\n",
    );
    let json = gaps_json_at(&jayapura, &[]);
    assert_eq!(json["region"], "Kota Jayapura");
    assert_eq!(json["as_of"], "2024-02-14T10:05:00+09:00");

    let province = store_with_regions(
        dir.path(),
        "sumsel",
        "16.71.01,ILIR BARAT II,16.71.01.1001,35 ILIR,1,1\n\
         16.72.01,DEMPO UTARA,16.72.01.1001,JANGKAR MAS,1,1\n",
    );
    assert_eq!(
        gaps_json_at(&province, &[])["region"],
        "Provinsi Sumatera Selatan"
    );
    let country = store_with_regions(
        dir.path(),
        "two",
        "16.71.01,ILIR BARAT II,16.71.01.1001,35 ILIR,1,1\n\
         73.71.01,MARISO,73.71.01.1001,BONTORANNU,1,1\n",
    );
    let text = gaps_at(&country, &["--format", "text"]);
    assert!(
        text.starts_with("*Pemilu 2024 — Indonesia*\nSeluruh wilayah · per 08:05 WIB"),
        "{text}"
    );
    let text = gaps_at(&country, &["--format", "text", "--kecamatan", "73.71.01"]);
    assert!(
        text.starts_with("*Pemilu 2024 — Kota Makassar*\nKecamatan MARISO · per 09:05 WITA"),
        "{text}"
    );
}

#[test]
fn gaps_vacant_only_lists_the_empty_seats_in_every_format() {
    let d = demo_store();
    let db = d.path().join("s");
    // Who holds which seat, and who is absent today, from the roster export.
    let export = ok(&kpps(&db, &["export", "roster"]));
    let mut rdr = csv::Reader::from_reader(export.as_bytes());
    let mut held = std::collections::HashSet::new();
    let mut absent = std::collections::HashSet::new();
    for row in rdr.records() {
        let row = row.unwrap();
        let key = (
            format!("{}/{}", &row[0], &row[1]),
            row[2].parse::<u64>().unwrap(),
        );
        if &row[10] == "berhalangan" {
            absent.insert(key.clone());
        }
        held.insert(key);
    }
    assert!(!absent.is_empty(), "the demo has officers absent today");

    let all = gaps_json_at(&db, &[]);
    let vacant = gaps_json_at(&db, &["--vacant-only"]);
    assert_eq!(vacant["vacant_only"], true);
    assert_eq!(all["vacant_only"], false);
    assert_eq!(
        vacant["totals"], all["totals"],
        "totals stay the whole roll-up"
    );
    assert_eq!(all["totals"]["absent"], absent.len() as u64);
    let seats_of = |json: &serde_json::Value| -> Vec<(String, u64)> {
        json["tps"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| {
                let addr = t["address"].as_str().unwrap().to_string();
                t["vacant_seats"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(move |s| (addr.clone(), s.as_u64().unwrap()))
            })
            .collect()
    };
    let listed = seats_of(&vacant);
    assert!(
        listed.iter().all(|k| !held.contains(k)),
        "an empty seat only"
    );
    let seats = all["totals"]["seats"].as_u64().unwrap();
    assert_eq!(
        listed.len() as u64,
        seats - held.len() as u64,
        "every empty seat"
    );
    assert!(seats_of(&all).iter().any(|k| absent.contains(k)));
    let tps = vacant["tps"].as_array().unwrap();
    assert!(tps.iter().all(|t| t["flags"] == serde_json::json!([])));
    assert!(tps
        .iter()
        .all(|t| t["ketua_missing"] == (t["vacant_seats"][0] == 1)));
    let per_kel: u64 = vacant["kelurahan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["vacant"].as_u64().unwrap())
        .sum();
    assert_eq!(per_kel, listed.len() as u64);

    let csv_out = gaps_at(&db, &["--format", "csv", "--vacant-only"]);
    let mut rdr = csv::Reader::from_reader(csv_out.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), tps.len());
    assert!(rows.iter().all(|r| r[7].is_empty()), "no flags");

    let table = gaps_at(&db, &["--vacant-only"]);
    let summary = table.lines().nth(1).unwrap();
    assert!(
        summary.contains(&format!("{} kosong", Lang::Id.num(listed.len() as u64)))
            && summary.ends_with("(hanya kursi kosong)"),
        "{summary}"
    );
    assert_eq!(table.lines().count(), 3 + tps.len());

    let text = gaps_at(&db, &["--format", "text", "--vacant-only"]);
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .ends_with(" · hanya kursi kosong"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "\nKekurangan: {} kursi di {} TPS",
            Lang::Id.num(listed.len() as u64),
            Lang::Id.num(tps.len() as u64)
        )),
        "{text}"
    );
    assert!(
        !text.contains("Petugas perlu cek"),
        "no health flags: {text}"
    );
}

const ROSTER_HEADER: &str =
    "kelurahan_code,tps,kpps,nama,nik,tanggal_lahir,jenis_kelamin,telepon,skrining,jkn";

/// A roster row for seat `n` (0-based, 7 per TPS) of kelurahan Sako: born `birth`, with a
/// NIK issued in `region6` that says born `nik_birth`.
fn sako_row(n: u32, region6: u32, nik_birth: &str, birth: &str) -> String {
    use kpps::domain::{Nik, Sex};
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let nik = Nik::compose(region6, date(nik_birth), Sex::L, n as u16 + 1);
    format!(
        "16.71.08.1002,{},{},Petugas {n},{nik},{birth},L,,tidak berisiko,ya",
        n / 7 + 1,
        n % 7 + 1
    )
}

#[test]
fn import_warnings_are_counted_by_kind_and_listed_by_line_with_verbose() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s");
    ok(&kpps(&db, &["init"]));
    let mut rows = Vec::new();
    for n in 0..40u32 {
        rows.push(match n {
            0..30 => sako_row(n, 167108, "1960-05-01", "1960-05-01"), // over 55
            30..33 => sako_row(n, 167108, "1990-01-01", "1991-01-01"), // NIK says 1990
            33..35 => sako_row(n, 320104, "1990-01-01", "1990-01-01"), // Bogor NIK
            _ => sako_row(n, 167108, "1990-01-01", "1990-01-01"),
        });
    }
    let file = dir.path().join("roster.csv");
    std::fs::write(&file, format!("{ROSTER_HEADER}\n{}\n", rows.join("\n"))).unwrap();
    let name = file.to_str().unwrap();
    let summary = format!(
        "{name}: 35 peringatan: 30 usia di atas 55, 3 NIK tidak cocok dengan tanggal lahir, \
         2 NIK dari luar wilayah"
    );
    let by_line = |stderr: &str| {
        stderr
            .lines()
            .filter(|l| l.starts_with(&format!("peringatan: {name}:")))
            .count()
    };

    let out = kpps(&db, &["import", "roster", name, "--dry-run", "--verbose"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(by_line(&err), 35, "{err}");
    assert!(
        err.contains(&format!("{name}:32: tanggal lahir tidak sesuai NIK")),
        "{err}"
    );
    assert!(err.lines().any(|l| l == summary), "{err}");

    let out = kpps(&db, &["import", "roster", name]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(by_line(&err), 0, "{err}");
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [format!("{summary} (daftar lengkap per baris: --verbose)")],
        "one line for 35 warnings"
    );
    assert!(ok(&out).contains("40 baris diimpor, 1 kelurahan, 35 peringatan"));

    // A failing file: every error by line, the warnings still counted.
    let db2 = dir.path().join("s2");
    ok(&kpps(&db2, &["init"]));
    rows.push("16.71.08.1002,7,1,X,1.67101E+15,1990-01-01,L,,tidak berisiko,ya".into());
    std::fs::write(&file, format!("{ROSTER_HEADER}\n{}\n", rows.join("\n"))).unwrap();
    let out = kpps(&db2, &["--lang", "en", "import", "roster", name]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [
            format!(
                "{name}: 35 warnings: 30 over 55, 3 NIK disagrees with the birth date, \
                 2 NIK issued outside the region (every one by line: --verbose)"
            ),
            format!(
                "{name}:42: NIK in scientific notation (damaged by a spreadsheet); format the \
                 column as text and export again"
            ),
            format!("{name}: 1 errors; nothing was imported"),
        ]
    );
}

#[test]
fn the_log_reads_the_clock_of_the_province() {
    let dir = tempfile::tempdir().unwrap();
    let makassar = store_with_regions(
        dir.path(),
        "makassar",
        "73.71.01,MARISO,73.71.01.1001,BONTORANNU,2,1-2\n",
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(&kpps(&makassar, &["log", "--format", "json"]))).unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(json[0]["at"].as_str().unwrap()).unwrap();
    let wita = (at + chrono::Duration::hours(8))
        .format("%d-%m-%Y %H:%M WITA")
        .to_string();
    let wib = (at + chrono::Duration::hours(7))
        .format("%d-%m-%Y %H:%M WIB")
        .to_string();
    assert_eq!(json[0]["at_local"], wita.as_str());
    assert_eq!(json[0]["at_wib"], wib.as_str());
    let table = ok(&kpps(&makassar, &["log"]));
    assert!(table.contains(&wita), "{table}");
}
