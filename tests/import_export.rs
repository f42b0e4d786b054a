//! Roster and reserve import/export against real sled stores in temporary directories.

use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate, Utc};
use kpps::domain::phone::normalize as normalize_phone;
use kpps::domain::region::code_digits;
use kpps::domain::{
    ElectionParams, Event, Finding, Holder, KelurahanId, Nik, NikError, Person, Region, Reserve,
    Roster, Screening, SeatAssignment, Sex, TpsAddress, TpsId,
};
use kpps::io::region_csv::{load_region_file, palembang};
use kpps::io::roster_csv::{
    export_reserves, export_roster, import, ImportFailure, ImportKind, ImportOptions, ImportReport,
};
use kpps::io::RowError;
use kpps::store::{Record, Store, StoreError, StoreInfo};
use kpps::text::Lang;
use tempfile::TempDir;

const ROSTER_HEADER: &str =
    "kelurahan_code,tps,kpps,nama,nik,tanggal_lahir,jenis_kelamin,telepon,skrining,jkn";
const RESERVE_HEADER: &str =
    "kelurahan_code,peringkat,nama,nik,tanggal_lahir,jenis_kelamin,telepon,skrining,jkn,tps";
const SAKO: &str = "16.71.08.1002";
const SUKA_MAJU: &str = "16.71.08.1001";
const ILIR_35: &str = "16.71.01.1001";

/// A store in a temporary directory and its roster in memory.
struct Fx {
    dir: TempDir,
    store: Option<Store>,
    roster: Roster,
}

fn info(params: &ElectionParams) -> StoreInfo {
    StoreInfo {
        params: params.clone(),
        demo_seed: None,
        regions_source: "test".into(),
        created: Utc::now(),
    }
}

impl Fx {
    fn with_roster(roster: Roster) -> Fx {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(
            &dir.path().join("store"),
            "tester",
            &roster,
            info(&roster.params),
        )
        .unwrap();
        Fx {
            dir,
            store: Some(store),
            roster,
        }
    }

    fn new() -> Fx {
        Fx::with_roster(Roster::new(palembang(), ElectionParams::default()))
    }

    fn store(&self) -> &Store {
        self.store.as_ref().unwrap()
    }

    fn file(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    fn import_with(
        &mut self,
        kind: ImportKind,
        path: &Path,
        opts: ImportOptions,
    ) -> Result<ImportReport, ImportFailure> {
        let store = self.store.as_mut().unwrap();
        import(store, &mut self.roster, kind, path, &opts)
    }

    fn import(&mut self, kind: ImportKind, path: &Path) -> Result<ImportReport, ImportFailure> {
        self.import_with(
            kind,
            path,
            ImportOptions {
                lang: Lang::En,
                ..Default::default()
            },
        )
    }

    fn replace(&mut self, kind: ImportKind, path: &Path) -> Result<ImportReport, ImportFailure> {
        self.import_with(
            kind,
            path,
            ImportOptions {
                replace: true,
                lang: Lang::En,
                ..Default::default()
            },
        )
    }

    /// Closes the store, opens it again and loads the roster from disk.
    fn reopen(&mut self) {
        drop(self.store.take());
        // sled 0.34 releases its own file lock from a background thread shortly after the drop
        // (spacejam/sled#1289), so an immediate reopen may briefly see it held.
        let path = self.dir.path().join("store");
        let mut tries = 0;
        let store = loop {
            match Store::open(&path, "tester") {
                Ok(store) => break store,
                Err(StoreError::Sled { .. }) if tries < 100 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(e) => panic!("reopen: {e}"),
            }
        };
        self.roster = store.load().unwrap();
        self.store = Some(store);
    }

    fn log_len(&self) -> usize {
        self.store().log_entries().count()
    }

    fn last_event(&self) -> Event {
        match self.store().log_entries().last().unwrap().unwrap().record {
            Record::Change(e) => e,
            other => panic!("{other:?}"),
        }
    }

    fn tps(&self, kel: &str, number: u16) -> TpsId {
        let addr = TpsAddress {
            kelurahan_code: kel.into(),
            number,
        };
        self.roster.region.find_tps(&addr).unwrap()
    }

    fn kel(&self, code: &str) -> KelurahanId {
        self.roster.region.kelurahan_by_code(code).unwrap()
    }

    fn holder(&self, kel: &str, number: u16, seat: u8) -> Option<&Person> {
        self.roster
            .seat(self.tps(kel, number), seat)
            .map(|h| &h.person)
    }
}

/// Person number `n` of a kecamatan (`region6`, e.g. 167108): NIK agrees with birth and sex.
fn person(region6: u32, n: u32) -> Person {
    let birth = NaiveDate::from_ymd_opt(1975, 1, 1).unwrap()
        + Duration::days((n / 9000) as i64 * 37 + n as i64 % 9000);
    let sex = if n.is_multiple_of(2) { Sex::P } else { Sex::L };
    Person {
        name: format!("Petugas {n}").into(),
        nik: Nik::compose(region6, birth, sex, (n % 9000) as u16 + 1),
        birth_date: birth,
        sex,
        phone: (!n.is_multiple_of(3)).then(|| format!("08127{n:06}").into()),
        screening: [
            Screening::NotAtRisk,
            Screening::AtRisk,
            Screening::NotScreened,
        ][(n % 5 % 3) as usize],
        jkn: !n.is_multiple_of(4),
    }
}

fn region6(kel: &str) -> u32 {
    (code_digits(kel) / 10_000) as u32
}

/// `nama,nik,tanggal_lahir,jenis_kelamin,telepon,skrining,jkn` of a person.
fn person_cols(p: &Person) -> String {
    let sex = if p.sex == Sex::L { "L" } else { "P" };
    let screening = match p.screening {
        Screening::NotAtRisk => "tidak berisiko",
        Screening::AtRisk => "berisiko",
        Screening::NotScreened => "belum",
    };
    let jkn = if p.jkn { "ya" } else { "tidak" };
    let phone = p.phone.as_deref().unwrap_or("");
    format!(
        "{},{},{},{sex},{phone},{screening},{jkn}",
        p.name,
        p.nik,
        p.birth_date.format("%Y-%m-%d")
    )
}

fn seat_row(kel: &str, tps: u16, seat: u8, n: u32) -> String {
    format!(
        "{kel},{tps},{seat},{}",
        person_cols(&person(region6(kel), n))
    )
}

fn reserve_row(kel: &str, rank: u32, n: u32, tps: Option<u16>) -> String {
    let tps = tps.map(|t| t.to_string()).unwrap_or_default();
    format!(
        "{kel},{rank},{},{tps}",
        person_cols(&person(region6(kel), n))
    )
}

fn csv(header: &str, rows: &[String]) -> String {
    let mut s = format!("{header}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

/// Seven seats of TPS `tps`, people numbered from `first`.
fn full_tps(kel: &str, tps: u16, first: u32) -> Vec<String> {
    (1..=7)
        .map(|seat| seat_row(kel, tps, seat, first + seat as u32))
        .collect()
}

fn lines(errors: &[RowError]) -> Vec<(u64, String)> {
    errors.iter().map(|e| (e.line, e.reason.clone())).collect()
}

fn seat_snapshot(r: &Roster) -> Vec<Vec<Option<Person>>> {
    r.region
        .tps_ids()
        .map(|t| {
            r.seats_of(t)
                .iter()
                .map(|h| h.as_ref().map(|h| h.person.clone()))
                .collect()
        })
        .collect()
}

fn reserve_snapshot(r: &Roster) -> Vec<Vec<Reserve>> {
    (0..r.region.kelurahan.len() as u32)
        .map(|k| r.reserves(KelurahanId(k)).to_vec())
        .collect()
}

#[test]
fn good_roster_import_is_durable() {
    let mut fx = Fx::new();
    let mut rows = full_tps(SAKO, 1, 0);
    rows.extend(full_tps("1671081002", 2, 10)); // KPU's undotted code
    rows.push(seat_row(SUKA_MAJU, 87, 1, 20));
    let path = fx.file("roster.csv", &csv(ROSTER_HEADER, &rows));

    let report = fx.import(ImportKind::Roster, &path).unwrap();
    assert_eq!(report.rows, 15);
    assert_eq!(report.kelurahan, 2);
    assert!(report.written);
    assert_eq!(report.seq, Some(2));
    assert_eq!(report.warnings, vec![]);
    assert_eq!(fx.log_len(), 2);
    match fx.last_event() {
        Event::RosterFileImported {
            file,
            cleared,
            seats,
            absent,
        } => {
            assert!(absent.is_empty());
            assert_eq!(file, path.display().to_string());
            assert!(cleared.is_empty());
            assert_eq!(seats.len(), 15);
        }
        other => panic!("{other:?}"),
    }

    let in_memory = seat_snapshot(&fx.roster);
    fx.reopen();
    assert_eq!(seat_snapshot(&fx.roster), in_memory);
    assert_eq!(fx.roster.officer_count(), 15);
    let r6 = region6(SAKO);
    assert_eq!(fx.holder(SAKO, 1, 1), Some(&person(r6, 1)));
    assert_eq!(fx.holder(SAKO, 2, 7), Some(&person(r6, 17)));
    assert_eq!(fx.holder(SUKA_MAJU, 87, 1), Some(&person(r6, 20)));
    assert_eq!(fx.holder(SUKA_MAJU, 87, 2), None);
    // Phone present and absent both survive.
    assert_eq!(
        fx.holder(SAKO, 1, 1).unwrap().phone.as_deref(),
        Some("08127000001")
    );
    assert_eq!(fx.holder(SAKO, 1, 3).unwrap().phone, None);
    let t1 = fx.tps(SAKO, 1);
    assert_eq!(fx.roster.tps_stats(t1).vacant, 0);
    assert!(!fx.roster.tps_stats(fx.tps(SUKA_MAJU, 87)).ketua_missing);
}

#[test]
fn excel_semicolons_bom_crlf_and_any_column_order() {
    let mut fx = Fx::new();
    let p = person(region6(SAKO), 1);
    let q = person(region6(SAKO), 2);
    // Columns reordered, upper case, no telepon column, DD/MM/YYYY and DD-MM-YYYY dates.
    let content = format!(
        "\u{feff}NIK;Nama;KPPS;TPS;Kelurahan_Code;Tanggal_Lahir;Jenis_Kelamin;Skrining;JKN\r\n\
         {};{};1;5;{SAKO};{};l;Belum Skrining;YA\r\n\
         ;;;;;;;;\r\n\
         {};\"Siti; Aminah\";2;5;1671081002;{};p;TIDAK berisiko;tidak\r\n",
        p.nik,
        p.name,
        p.birth_date.format("%d/%m/%Y"),
        q.nik,
        q.birth_date.format("%d-%m-%Y"),
    );
    let path = fx.file("excel.csv", &content);
    let report = fx.import(ImportKind::Roster, &path).unwrap();
    assert_eq!(
        (report.rows, report.kelurahan, report.written),
        (2, 1, true)
    );
    fx.reopen();
    let got = fx.holder(SAKO, 5, 1).unwrap();
    assert_eq!(
        (got.nik, got.birth_date, got.sex),
        (p.nik, p.birth_date, Sex::L)
    );
    assert_eq!(
        (got.screening, got.jkn, got.phone.as_deref()),
        (Screening::NotScreened, true, None)
    );
    let got = fx.holder(SAKO, 5, 2).unwrap();
    assert_eq!(got.name, "Siti; Aminah");
    assert_eq!(
        (got.nik, got.birth_date, got.sex),
        (q.nik, q.birth_date, Sex::P)
    );
    assert_eq!((got.screening, got.jkn), (Screening::NotAtRisk, false));

    // Line numbers stay physical in CRLF files with blank lines and multi-line quoted fields.
    let rows = [
        seat_row(SAKO, 6, 1, 3).replace(',', ";"),
        String::new(),
        String::new(),
        format!(
            "{SAKO};6;2;\"Nama\r\ndua baris\";{}",
            person_cols(&person(region6(SAKO), 4))
                .replacen(',', ";", 9)
                .split_once(';')
                .unwrap()
                .1
        ),
        seat_row(SAKO, 6, 9, 5).replace(',', ";"),
    ];
    let content = format!(
        "\u{feff}{}\r\n{}\r\n",
        ROSTER_HEADER.replace(',', ";"),
        rows.join("\r\n")
    );
    let path = fx.file("crlf.csv", &content);
    let failure = fx.import(ImportKind::Roster, &path).unwrap_err();
    assert_eq!(
        lines(&failure.errors),
        vec![(7, "no KPPS seat 9 (1 to 7)".to_string())]
    );
}

#[test]
fn every_error_kind_names_its_line() {
    let mut fx = Fx::new();
    let r6 = region6(SAKO);
    let young_birth = NaiveDate::from_ymd_opt(2007, 2, 15).unwrap();
    let young = Person {
        name: "Muda".into(),
        nik: Nik::compose(r6, young_birth, Sex::L, 77),
        birth_date: young_birth,
        ..person(r6, 1)
    };
    let p = |n| person_cols(&person(r6, n));
    let with = |n, f: &dyn Fn(&mut Vec<String>)| {
        let mut cols: Vec<String> = p(n).split(',').map(String::from).collect();
        f(&mut cols);
        cols.join(",")
    };
    let rows = vec![
        format!("{SAKO},1,1,{}", p(1)), // 2 ok
        format!("{SAKO},1,2,{}", with(2, &|c| c[1] = "1.67101E+15".into())), // 3 Excel float
        format!("{SAKO},1,3,{}", with(3, &|c| c[1] = c[1][1..].to_string())), // 4 15 digits
        format!(
            "{SAKO},1,4,{}",
            with(4, &|c| c[1] = "16710841O1750005".into())
        ), // 5 letter O
        format!("16.71.08.9999,1,5,{}", p(5)), // 6 unknown kelurahan
        format!("{SAKO},130,1,{}", p(6)), // 7 unknown TPS
        format!("{SAKO},1,8,{}", p(7)), // 8 unknown seat
        format!("{SAKO},1,1,{}", p(8)), // 9 seat twice
        format!("{SAKO},2,1,{}", p(1)), // 10 NIK twice
        format!("{SAKO},2,2,{}", with(9, &|c| c[2] = "1975/01/10".into())), // 11 bad date
        format!("{SAKO},2,3,{}", with(10, &|c| c[3] = "X".into())), // 12 bad sex
        format!("{SAKO},2,4,{}", with(11, &|c| c[5] = "sehat".into())), // 13 bad skrining
        format!("{SAKO},2,5,{}", with(12, &|c| c[6] = "y".into())), // 14 bad jkn
        format!("{SAKO},2,6,{}", person_cols(&young)), // 15 under age
        format!("{SAKO},dua,7,{}", p(13)), // 16 bad number
        String::new(),                  // 17 blank line
        format!("{SAKO},3,1,{}", with(14, &|c| c[0] = String::new())), // 18 empty name
    ];
    let path = fx.file("bad.csv", &csv(ROSTER_HEADER, &rows));
    let failure = fx.import(ImportKind::Roster, &path).unwrap_err();
    let en = Lang::En;
    let expected: Vec<(u64, String)> = vec![
        (3, en.nik_error(&NikError::ScientificNotation)),
        (4, en.nik_error(&NikError::TooShort(15))),
        (5, en.nik_error(&NikError::NotDigits)),
        (6, "kelurahan 16.71.08.9999 is not in this region".into()),
        (7, "kelurahan 16.71.08.1002 has no TPS 130".into()),
        (8, "no KPPS seat 8 (1 to 7)".into()),
        (
            9,
            "KPPS seat 1 of TPS 16.71.08.1002/1 already given on line 2".into(),
        ),
        (10, "same NIK as line 2".into()),
        (
            11,
            "unrecognised tanggal_lahir \"1975/01/10\" (use YYYY-MM-DD or DD/MM/YYYY)".into(),
        ),
        (12, "jenis_kelamin must be L or P: \"X\"".into()),
        (
            13,
            "skrining must be \"tidak berisiko\", \"berisiko\" or \"belum\": \"sehat\"".into(),
        ),
        (14, "jkn must be \"ya\" or \"tidak\": \"y\"".into()),
        (15, en.finding(&Finding::UnderAge { age: 16, min: 17 })),
        (16, "tps must be a whole number: \"dua\"".into()),
        (18, "nama is empty".into()),
    ];
    assert_eq!(lines(&failure.errors), expected);
    assert_eq!(
        failure.errors[0].to_string(),
        format!("{}:3: {}", path.display(), expected[0].1)
    );
    assert_eq!(fx.log_len(), 1);
    assert_eq!(fx.roster.officer_count(), 0);

    // The same file in Bahasa Indonesia.
    let opts = ImportOptions {
        lang: Lang::Id,
        ..Default::default()
    };
    let failure = fx.import_with(ImportKind::Roster, &path, opts).unwrap_err();
    assert_eq!(
        failure.errors[0].reason,
        Lang::Id.nik_error(&NikError::ScientificNotation)
    );
    assert_eq!(
        failure.errors[6].reason,
        "KPPS 1 TPS 16.71.08.1002/1 sudah diisi di baris 2"
    );
    assert_eq!(failure.errors[7].reason, "NIK sama dengan baris 2");
}

#[test]
fn missing_columns_are_reported_on_line_one() {
    let mut fx = Fx::new();
    let path = fx.file(
        "cols.csv",
        "kelurahan_code,tps,nama,tanggal_lahir,jenis_kelamin,skrining,jkn\n",
    );
    let failure = fx.import(ImportKind::Roster, &path).unwrap_err();
    assert_eq!(
        lines(&failure.errors),
        vec![
            (1, "missing column kpps in the header".into()),
            (1, "missing column nik in the header".into())
        ]
    );
    assert_eq!(
        failure.errors[0].to_string(),
        format!("{}:1: missing column kpps in the header", path.display())
    );
    // A reserve file needs peringkat, not tps/kpps.
    let path = fx.file(
        "res.csv",
        "kelurahan_code,nama,nik,tanggal_lahir,jenis_kelamin,skrining,jkn\n",
    );
    let failure = fx.import(ImportKind::Reserves, &path).unwrap_err();
    assert_eq!(
        lines(&failure.errors),
        vec![(1, "missing column peringkat in the header".into())]
    );
    // An empty file has no header at all.
    let path = fx.file("empty.csv", "");
    assert_eq!(
        fx.import(ImportKind::Roster, &path)
            .unwrap_err()
            .errors
            .len(),
        9
    );
    let missing = fx.dir.path().join("nope.csv");
    let failure = fx.import(ImportKind::Roster, &missing).unwrap_err();
    assert_eq!(failure.errors[0].line, 0);
    assert!(
        failure.errors[0].reason.starts_with("cannot read the file"),
        "{}",
        failure.errors[0].reason
    );
    assert_eq!(fx.log_len(), 1);
}

#[test]
fn text_that_is_not_utf8_is_refused_by_line() {
    let mut fx = Fx::new();
    // A name saved by a spreadsheet in Windows-1252 ("Renée" with a lone 0xE9 byte).
    let mut bytes = csv(ROSTER_HEADER, &[seat_row(SAKO, 1, 1, 1)]).into_bytes();
    bytes.extend_from_slice(
        seat_row(SAKO, 1, 2, 2)
            .replacen("Petugas 2", "Ren\u{0}e", 1)
            .as_bytes(),
    );
    let at = bytes.iter().position(|&b| b == 0).unwrap();
    bytes[at] = 0xE9;
    bytes.extend_from_slice(format!("\n{}\n", seat_row(SAKO, 1, 9, 3)).as_bytes());
    let path = fx.dir.path().join("cp1252.csv");
    std::fs::write(&path, bytes).unwrap();
    let failure = fx.import(ImportKind::Roster, &path).unwrap_err();
    assert_eq!(
        lines(&failure.errors),
        vec![
            (
                3,
                "line is not UTF-8; save the file as \"CSV UTF-8\"".to_string()
            ),
            (4, "no KPPS seat 9 (1 to 7)".to_string()),
        ]
    );
    assert_eq!(fx.log_len(), 1);
}

#[test]
fn one_bad_row_at_the_end_writes_nothing() {
    let mut fx = Fx::new();
    let first = fx.file("first.csv", &csv(ROSTER_HEADER, &full_tps(SAKO, 1, 0)));
    fx.import(ImportKind::Roster, &first).unwrap();
    let before = fx.store().load().unwrap();
    let log_before = fx.log_len();
    let total_before = fx.roster.total();

    let mut rows: Vec<String> = (2..=40)
        .flat_map(|t| full_tps(SAKO, t, t as u32 * 10))
        .collect();
    let mut bad = seat_row(ILIR_35, 1, 1, 9_999);
    bad = bad.replace(
        &person(region6(ILIR_35), 9_999).nik.to_string(),
        "167101010175000",
    ); // 15 digits
    rows.push(bad);
    let path = fx.file("big.csv", &csv(ROSTER_HEADER, &rows));
    let failure = fx.replace(ImportKind::Roster, &path).unwrap_err();
    assert_eq!(
        lines(&failure.errors),
        vec![(
            rows.len() as u64 + 1,
            Lang::En.nik_error(&NikError::TooShort(15))
        )]
    );

    assert_eq!(fx.log_len(), log_before);
    assert_eq!(fx.roster.total(), total_before);
    assert_eq!(
        seat_snapshot(&fx.store().load().unwrap()),
        seat_snapshot(&before)
    );
    fx.reopen();
    assert_eq!(seat_snapshot(&fx.roster), seat_snapshot(&before));
    assert_eq!(fx.roster.officer_count(), 7);
}

#[test]
fn dry_run_validates_and_writes_nothing() {
    let mut fx = Fx::new();
    let path = fx.file("r.csv", &csv(ROSTER_HEADER, &full_tps(SAKO, 3, 0)));
    let opts = ImportOptions {
        dry_run: true,
        lang: Lang::En,
        ..Default::default()
    };
    let report = fx.import_with(ImportKind::Roster, &path, opts).unwrap();
    assert_eq!(
        (report.rows, report.kelurahan, report.written, report.seq),
        (7, 1, false, None)
    );
    assert_eq!(fx.log_len(), 1);
    assert_eq!(fx.roster.officer_count(), 0);
    fx.reopen();
    assert_eq!(fx.roster.officer_count(), 0);
    // A dry run still reports errors.
    let bad = fx.file("bad.csv", &csv(ROSTER_HEADER, &[seat_row(SAKO, 1, 9, 1)]));
    let failure = fx.import_with(ImportKind::Roster, &bad, opts).unwrap_err();
    assert_eq!(
        lines(&failure.errors),
        vec![(2, "no KPPS seat 9 (1 to 7)".into())]
    );
}

#[test]
fn duplicate_nik_against_the_store_seats_and_reserves() {
    let mut fx = Fx::new();
    let a = fx.file("a.csv", &csv(ROSTER_HEADER, &full_tps(SAKO, 1, 0)));
    fx.import(ImportKind::Roster, &a).unwrap();
    let res = fx.file(
        "res.csv",
        &csv(RESERVE_HEADER, &[reserve_row(SUKA_MAJU, 1, 100, None)]),
    );
    fx.import(ImportKind::Reserves, &res).unwrap();

    // Person 3 already sits in SAKO/1 seat 3, person 100 is a reserve of Suka Maju.
    let b = fx.file(
        "b.csv",
        &csv(
            ROSTER_HEADER,
            &[
                seat_row(SUKA_MAJU, 1, 1, 50),
                seat_row(SUKA_MAJU, 1, 2, 3),
                seat_row(SUKA_MAJU, 1, 3, 100),
            ],
        ),
    );
    let failure = fx.import(ImportKind::Roster, &b).unwrap_err();
    assert_eq!(
        lines(&failure.errors),
        vec![
            (
                3,
                "NIK already holds KPPS seat 3 of TPS 16.71.08.1002/1".into()
            ),
            (
                4,
                "NIK is already on the reserve list of kelurahan 16.71.08.1001 (rank 1)".into()
            ),
        ]
    );
    // Also when the reserve file repeats a seated officer.
    let c = fx.file(
        "c.csv",
        &csv(RESERVE_HEADER, &[reserve_row(SUKA_MAJU, 2, 5, None)]),
    );
    let failure = fx.import(ImportKind::Reserves, &c).unwrap_err();
    assert_eq!(
        lines(&failure.errors),
        vec![(
            2,
            "NIK already holds KPPS seat 5 of TPS 16.71.08.1002/1".into()
        )]
    );
    assert_eq!(fx.log_len(), 3);
}

#[test]
fn filled_seats_are_refused_unless_replace() {
    let mut fx = Fx::new();
    let mut rows = full_tps(SAKO, 1, 0);
    rows.extend(full_tps(SAKO, 2, 10));
    rows.extend(full_tps(SUKA_MAJU, 1, 20));
    let a = fx.file("a.csv", &csv(ROSTER_HEADER, &rows));
    fx.import(ImportKind::Roster, &a).unwrap();

    // New people for SAKO/1 seats 1-2, and person 11 (now SAKO/2 seat 1) moves to SAKO/1 seat 3.
    let b_rows = vec![
        seat_row(SAKO, 1, 1, 30),
        seat_row(SAKO, 1, 2, 31),
        seat_row(SAKO, 1, 3, 11),
    ];
    let b = fx.file("b.csv", &csv(ROSTER_HEADER, &b_rows));
    let failure = fx.import(ImportKind::Roster, &b).unwrap_err();
    let filled = |s| {
        format!("KPPS seat {s} of TPS 16.71.08.1002/1 is already filled; use --replace to replace the whole kelurahan")
    };
    assert_eq!(
        lines(&failure.errors),
        vec![
            (2, filled(1)),
            (3, filled(2)),
            (4, filled(3)),
            (
                4,
                "NIK already holds KPPS seat 1 of TPS 16.71.08.1002/2".into()
            )
        ]
    );
    assert_eq!(fx.log_len(), 2);

    // With replace, Sako is cleared and replaced; Suka Maju is untouched.
    let report = fx.replace(ImportKind::Roster, &b).unwrap();
    assert_eq!(
        (report.rows, report.kelurahan, report.written),
        (3, 1, true)
    );
    match fx.last_event() {
        Event::RosterFileImported { cleared, seats, .. } => {
            assert_eq!(cleared, vec![fx.kel(SAKO)]);
            assert_eq!(seats.len(), 3);
        }
        other => panic!("{other:?}"),
    }
    fx.reopen();
    let r6 = region6(SAKO);
    assert_eq!(fx.holder(SAKO, 1, 1), Some(&person(r6, 30)));
    assert_eq!(fx.holder(SAKO, 1, 3), Some(&person(r6, 11)));
    assert_eq!(fx.holder(SAKO, 1, 4), None);
    assert!(fx
        .roster
        .seats_of(fx.tps(SAKO, 2))
        .iter()
        .all(Option::is_none));
    assert_eq!(fx.holder(SUKA_MAJU, 1, 7), Some(&person(r6, 27)));
    assert_eq!(fx.roster.officer_count(), 10);

    // Replace ignores people of the kelurahan being cleared, not those elsewhere.
    let c = fx.file(
        "c.csv",
        &csv(
            ROSTER_HEADER,
            &[seat_row(SAKO, 4, 1, 30), seat_row(SAKO, 4, 2, 21)],
        ),
    );
    let failure = fx.replace(ImportKind::Roster, &c).unwrap_err();
    assert_eq!(
        lines(&failure.errors),
        vec![(
            3,
            "NIK already holds KPPS seat 1 of TPS 16.71.08.1001/1".into()
        )]
    );
}

#[test]
fn warnings_do_not_block() {
    let mut fx = Fx::new();
    let r6 = region6(SAKO);
    let old_birth = NaiveDate::from_ymd_opt(1960, 5, 1).unwrap();
    let old = Person {
        nik: Nik::compose(r6, old_birth, Sex::L, 1),
        birth_date: old_birth,
        sex: Sex::L,
        ..person(r6, 1)
    };
    let wrong_sex = Person {
        sex: Sex::L,
        ..person(r6, 2)
    }; // NIK says P
    let outsider_birth = NaiveDate::from_ymd_opt(1990, 3, 3).unwrap();
    let outsider = Person {
        nik: Nik::compose(320104, outsider_birth, Sex::L, 9),
        birth_date: outsider_birth,
        sex: Sex::L,
        ..person(r6, 3)
    };
    let wrong_date = Person {
        birth_date: outsider_birth,
        ..person(r6, 5)
    };
    let rows: Vec<String> = [old, wrong_sex, outsider, wrong_date]
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{SAKO},1,{},{}", i + 1, person_cols(p)))
        .collect();
    let path = fx.file("w.csv", &csv(ROSTER_HEADER, &rows));
    let report = fx.import(ImportKind::Roster, &path).unwrap();
    let en = Lang::En;
    assert_eq!(
        lines(&report.warnings),
        vec![
            (
                2,
                en.finding(&Finding::OverPreferredAge { age: 63, max: 55 })
            ),
            (3, en.finding(&Finding::NikSexMismatch)),
            (4, en.finding(&Finding::NikOutsideRegion { region: 320104 })),
            (5, en.finding(&Finding::NikBirthDateMismatch)),
        ]
    );
    assert!(report.written);
    fx.reopen();
    assert_eq!(fx.roster.officer_count(), 4);

    // Warnings travel with a failure too.
    let bad_rows = vec![rows[0].replace(",1,", ",2,"), seat_row(SAKO, 2, 9, 40)];
    let bad = fx.file("wb.csv", &csv(ROSTER_HEADER, &bad_rows));
    let failure = fx.import(ImportKind::Roster, &bad).unwrap_err();
    assert_eq!(failure.warnings.len(), 1);
    assert_eq!(failure.errors.len(), 2); // NIK of line 2 is seated; no seat 9
}

#[test]
fn reserves_with_and_without_tps_column() {
    let mut fx = Fx::new();
    // Without a tps column, undotted code, ranks out of order.
    let plain =
        "kelurahan_code,peringkat,nama,nik,tanggal_lahir,jenis_kelamin,telepon,skrining,jkn";
    let rows: Vec<String> = [(2, 1), (1, 2), (3, 3)]
        .iter()
        .map(|&(rank, n)| {
            let full = reserve_row("1671081002", rank, n, None);
            full.trim_end_matches(',').to_string()
        })
        .collect();
    let path = fx.file("plain.csv", &csv(plain, &rows));
    let report = fx.import(ImportKind::Reserves, &path).unwrap();
    assert_eq!(
        (report.rows, report.kelurahan, report.written),
        (3, 1, true)
    );

    // With a tps column: tied and untied reserves in another kelurahan.
    let tied = vec![
        reserve_row(SUKA_MAJU, 1, 10, Some(87)),
        reserve_row(SUKA_MAJU, 2, 11, None),
    ];
    let path = fx.file("tied.csv", &csv(RESERVE_HEADER, &tied));
    fx.import(ImportKind::Reserves, &path).unwrap();
    match fx.last_event() {
        Event::ReservesImported {
            cleared, reserves, ..
        } => {
            assert!(cleared.is_empty());
            assert_eq!(reserves.len(), 2);
        }
        other => panic!("{other:?}"),
    }

    fx.reopen();
    let r6 = region6(SAKO);
    let sako = fx.roster.reserves(fx.kel(SAKO));
    assert_eq!(
        sako.iter()
            .map(|r| (r.rank, r.person.clone(), r.tps))
            .collect::<Vec<_>>(),
        vec![
            (1, person(r6, 2), None),
            (2, person(r6, 1), None),
            (3, person(r6, 3), None),
        ]
    );
    let suka = fx.roster.reserves(fx.kel(SUKA_MAJU));
    assert_eq!(suka[0].tps, Some(fx.tps(SUKA_MAJU, 87)));
    assert_eq!(suka[1].tps, None);
    assert_eq!(suka[0].person, person(r6, 10));
}

#[test]
fn reserve_rank_clashes_and_replace() {
    let mut fx = Fx::new();
    let first = fx.file(
        "r1.csv",
        &csv(
            RESERVE_HEADER,
            &[reserve_row(SAKO, 1, 1, None), reserve_row(SAKO, 2, 2, None)],
        ),
    );
    fx.import(ImportKind::Reserves, &first).unwrap();

    let rows = vec![
        reserve_row(SAKO, 3, 3, Some(1)),   // 2 ok
        reserve_row(SAKO, 3, 4, None),      // 3 rank twice in the file
        reserve_row(SAKO, 2, 5, None),      // 4 rank already on the list
        reserve_row(SAKO, 4, 6, Some(500)), // 5 no such TPS
        reserve_row(SAKO, 0, 7, None),      // 6 rank zero
        reserve_row(SUKA_MAJU, 3, 8, None), // 7 same rank, other kelurahan: fine
    ];
    let path = fx.file("r2.csv", &csv(RESERVE_HEADER, &rows));
    let failure = fx.import(ImportKind::Reserves, &path).unwrap_err();
    assert_eq!(
        lines(&failure.errors),
        vec![
            (3, "rank 3 of kelurahan 16.71.08.1002 already given on line 2".into()),
            (4, "rank 2 is already on the reserve list of kelurahan 16.71.08.1002; use --replace to replace the list".into()),
            (5, "kelurahan 16.71.08.1002 has no TPS 500".into()),
            (6, "peringkat starts at 1".into()),
        ]
    );
    assert_eq!(fx.log_len(), 2);

    // Replace: Sako's list becomes the file's; person 1 (on the old list) may come back.
    let again = vec![
        reserve_row(SAKO, 1, 9, None),
        reserve_row(SAKO, 2, 1, Some(3)),
        reserve_row(SUKA_MAJU, 1, 8, None),
    ];
    let path = fx.file("r3.csv", &csv(RESERVE_HEADER, &again));
    let report = fx.replace(ImportKind::Reserves, &path).unwrap();
    assert_eq!((report.rows, report.kelurahan), (3, 2));
    match fx.last_event() {
        Event::ReservesImported { cleared, .. } => {
            assert_eq!(cleared, vec![fx.kel(SUKA_MAJU), fx.kel(SAKO)])
        }
        other => panic!("{other:?}"),
    }
    fx.reopen();
    let r6 = region6(SAKO);
    let sako = fx.roster.reserves(fx.kel(SAKO));
    assert_eq!(sako.len(), 2);
    assert_eq!((sako[0].rank, &sako[0].person), (1, &person(r6, 9)));
    assert_eq!(
        (sako[1].rank, &sako[1].person, sako[1].tps),
        (2, &person(r6, 1), Some(fx.tps(SAKO, 3)))
    );
    assert_eq!(fx.roster.locate_nik(person(r6, 2).nik), None);
}

/// A roster built in memory with seats, phones, health flags, an absent officer and reserves.
fn populated() -> Roster {
    let mut roster = Roster::new(palembang(), ElectionParams::default());
    let mut seats = Vec::new();
    let mut n = 0;
    for (k, kel) in roster.region.kelurahan.iter().enumerate().step_by(9) {
        let r6 = region6(&kel.code);
        for t in kel.tps.clone().step_by(3) {
            for seat in 1..=7u8 {
                n += 1;
                if !(n + k as u32).is_multiple_of(6) {
                    let mut person = person(r6, n);
                    // Text a spreadsheet would run as a formula must survive the round trip.
                    if n.is_multiple_of(37) {
                        person.name = format!("=HYPERLINK(\"http://x\";\"{n}\")").into();
                    }
                    if n.is_multiple_of(5) {
                        person.phone = Some(format!("+62812{n:06}").into());
                    }
                    seats.push(SeatAssignment {
                        tps: TpsId(t),
                        seat,
                        person,
                    });
                }
            }
        }
    }
    roster.apply(&Event::RosterImported {
        file: "seed".into(),
        cleared: vec![],
        seats,
    });
    let mut reserves = Vec::new();
    for (k, kel) in roster.region.kelurahan.iter().enumerate().step_by(4) {
        let r6 = region6(&kel.code);
        for rank in [1, 2, 5] {
            n += 1;
            let tps = (rank == 2).then_some(TpsId(kel.tps.start + 1));
            let mut p = person(r6, n);
            p.name = format!("Cadangan \"{rank}\", {}", kel.name).into();
            reserves.push((
                KelurahanId(k as u32),
                Reserve {
                    rank,
                    person: p,
                    tps,
                },
            ));
        }
    }
    roster.apply(&Event::ReservesImported {
        file: "seed".into(),
        cleared: vec![],
        reserves,
    });
    let first = roster
        .region
        .tps_ids()
        .find(|&t| roster.seat(t, 2).is_some())
        .unwrap();
    roster.apply(&Event::AbsenceMarked {
        tps: first,
        seat: 2,
        absent: true,
    });
    roster
}

#[test]
fn export_then_import_reproduces_the_roster() {
    let source = Fx::with_roster(populated());
    assert!(source.roster.officer_count() > 500);
    let (roster_path, reserve_path) = (
        source.dir.path().join("roster.csv"),
        source.dir.path().join("reserves.csv"),
    );
    let mut out = Vec::new();
    let seats = export_roster(&source.roster, &mut out).unwrap();
    assert_eq!(seats, source.roster.officer_count());
    let text = String::from_utf8(out.clone()).unwrap();
    assert_eq!(
        text.lines().next(),
        Some(format!("{ROSTER_HEADER},status").as_str())
    );
    // Nothing a spreadsheet would run: formulas go out behind a quote.
    assert!(text.contains(",\"'=HYPERLINK(\"\""));
    assert!(text.contains(",'+62812"));
    for start in [",=", ",+", ",\"=", ",\"+"] {
        assert!(!text.contains(start), "{start}");
    }
    assert_eq!(text.matches(",berhalangan\n").count(), 1);
    assert_eq!(text.lines().count(), seats + 1);
    std::fs::write(&roster_path, out).unwrap();
    let mut out = Vec::new();
    let reserves = export_reserves(&source.roster, &mut out).unwrap();
    assert_eq!(reserves, 27 * 3);
    assert!(String::from_utf8(out.clone())
        .unwrap()
        .starts_with(&format!("{RESERVE_HEADER}\n")));
    std::fs::write(&reserve_path, out).unwrap();

    let mut fresh = Fx::new();
    let report = fresh.import(ImportKind::Roster, &roster_path).unwrap();
    assert_eq!(report.rows, seats);
    assert_eq!(report.warnings, vec![]);
    let report = fresh.import(ImportKind::Reserves, &reserve_path).unwrap();
    assert_eq!(report.rows, reserves);
    fresh.reopen();
    // Phones stored before numbers were normalised (`+62812…`) come back in the one stored
    // form, `0812…`; everything else exactly as it was.
    let normalised = |r: &Roster| -> Vec<Vec<Option<Person>>> {
        let mut seats = seat_snapshot(r);
        for p in seats.iter_mut().flatten().flatten() {
            if let Some(phone) = &p.phone {
                let stored = normalize_phone(phone).unwrap().unwrap().number;
                p.phone = Some(stored);
            }
        }
        seats
    };
    assert_ne!(seat_snapshot(&source.roster), normalised(&source.roster));
    assert_eq!(seat_snapshot(&fresh.roster), normalised(&source.roster));
    assert_eq!(
        reserve_snapshot(&fresh.roster),
        reserve_snapshot(&source.roster)
    );
    // Absent-today travels in the `status` column.
    let absent = |r: &Roster| -> usize {
        r.region
            .tps_ids()
            .map(|t| {
                r.seats_of(t)
                    .iter()
                    .flatten()
                    .filter(|h: &&Holder| h.absent)
                    .count()
            })
            .sum()
    };
    assert_eq!(absent(&fresh.roster), 1);
    assert_eq!(absent(&fresh.roster), absent(&source.roster));

    // Exporting the imported store gives the same bytes, but for those old phones.
    let mut again = Vec::new();
    export_roster(&fresh.roster, &mut again).unwrap();
    let first = String::from_utf8(std::fs::read(&roster_path).unwrap()).unwrap();
    assert_eq!(
        String::from_utf8(again.clone()).unwrap(),
        first.replace(",'+62812", ",0812")
    );
    // From there on, export → import → export is the identity.
    let again_path = source.dir.path().join("again.csv");
    std::fs::write(&again_path, &again).unwrap();
    let mut third = Fx::new();
    third.import(ImportKind::Roster, &again_path).unwrap();
    let mut out = Vec::new();
    export_roster(&third.roster, &mut out).unwrap();
    assert_eq!(out, again);
}

#[test]
fn large_files_are_one_event_after_full_validation() {
    // One kelurahan with 7,143 TPS: 50,001 seats, more than one event may hold.
    let dir = tempfile::tempdir().unwrap();
    let region_path = dir.path().join("wilayah.csv");
    std::fs::write(
        &region_path,
        "kecamatan_code,kecamatan,kelurahan_code,kelurahan,tps_count,tps_numbers\n\
         16.71.08,Sako,16.71.08.1002,Sako,7143,1-7143\n\
         16.71.08,Sako,16.71.08.1001,Suka Maju,2,1-2\n",
    )
    .unwrap();
    let region: Region = load_region_file(&region_path, kpps::text::Lang::En).unwrap();
    let mut fx = Fx::with_roster(Roster::new(region, ElectionParams::default()));
    let r6 = region6(SAKO);
    let mut body = String::from(ROSTER_HEADER);
    body.push('\n');
    let mut n = 0;
    for tps in 1..=7143u16 {
        for seat in 1..=7u8 {
            n += 1;
            if n <= 50_001 {
                body.push_str(&format!(
                    "{SAKO},{tps},{seat},{}\n",
                    person_cols(&person(r6, n))
                ));
            }
        }
    }
    let good_len = body.len();
    // A bad last row: nothing may be written, although the first 50,001 rows were valid.
    body.push_str(&format!(
        "{SUKA_MAJU},1,1,{}\n",
        person_cols(&person(r6, 1))
    ));
    let path = fx.file("big.csv", &body);
    let failure = fx.replace(ImportKind::Roster, &path).unwrap_err();
    assert_eq!(
        lines(&failure.errors),
        vec![(50_003, "same NIK as line 2".into())]
    );
    assert_eq!(fx.log_len(), 1);
    assert_eq!(fx.roster.officer_count(), 0);

    body.truncate(good_len);
    let path = fx.file("big.csv", &body);
    let report = fx.replace(ImportKind::Roster, &path).unwrap();
    assert_eq!((report.rows, report.seq), (50_001, Some(2)));
    let events: Vec<Event> = fx
        .store()
        .log_entries()
        .skip(1)
        .map(|e| match e.unwrap().record {
            Record::Change(e) => e,
            other => panic!("{other:?}"),
        })
        .collect();
    let shapes: Vec<(usize, usize)> = events
        .iter()
        .map(|e| match e {
            Event::RosterFileImported { cleared, seats, .. } => (cleared.len(), seats.len()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(shapes, vec![(1, 50_001)]);
    fx.reopen();
    assert_eq!(fx.roster.officer_count(), 50_001);
    assert_eq!(fx.holder(SAKO, 7143, 7), Some(&person(r6, 50_001)));
}
