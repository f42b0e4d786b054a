//! Region files: `kecamatan_code,kecamatan,kelurahan_code,kelurahan,tps_count,tps_numbers`,
//! one row per kelurahan/desa; `tps_numbers` like `1-58;901-905`.

use std::path::Path;

use super::{ReadProblem, RowError};
use crate::domain::freetext::find_unsafe;
use crate::domain::region::{normalize_code, RegionError};
use crate::domain::{KelurahanSpec, Region, TextProblem};
use crate::text::{tr, Lang};

/// The embedded default: Kota Palembang, Pemilu 2024.
pub const PALEMBANG_CSV: &str = include_str!("../../assets/palembang-2024-wilayah.csv");
pub const PALEMBANG_SOURCE: &str = "Kota Palembang (embedded)";

const COLUMNS: [&str; 6] = [
    "kecamatan_code",
    "kecamatan",
    "kelurahan_code",
    "kelurahan",
    "tps_count",
    "tps_numbers",
];

/// Why a region file, or one of its rows, is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// The file or a line could not be read as CSV.
    Read(ReadProblem),
    MissingColumn(&'static str),
    BadKecamatanCode(String),
    BadKelurahanCode(String),
    /// The number as written, and the whole `tps_numbers` field.
    BadTpsNumber(String, String),
    BadTpsRange(String),
    NoTpsNumbers,
    BadTpsCount(String),
    /// `tps_count`, and how many TPS `tps_numbers` lists.
    CountMismatch(usize, usize),
    EmptyName,
    /// A kecamatan or kelurahan name (the column) with a character a terminal would act on.
    UnsafeName(&'static str, TextProblem),
    /// The rows are each fine but do not make one tree.
    Tree(RegionError),
}

impl Msg {
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Msg::Read(p) => p.text(lang),
            Msg::MissingColumn(c) => tr!(
                lang,
                "kolom {c} tidak ada di baris judul",
                "missing column {c}"
            ),
            Msg::BadKecamatanCode(v) => tr!(
                lang,
                "kode kecamatan tidak valid: {v:?}",
                "bad kecamatan code {v:?}"
            ),
            Msg::BadKelurahanCode(v) => tr!(
                lang,
                "kode kelurahan tidak valid: {v:?}",
                "bad kelurahan code {v:?}"
            ),
            Msg::BadTpsNumber(n, list) => tr!(
                lang,
                "nomor TPS tidak valid: {n:?} dalam {list:?}",
                "bad TPS number {n:?} in {list:?}"
            ),
            Msg::BadTpsRange(r) => tr!(
                lang,
                "rentang TPS tidak valid: {r:?}",
                "bad TPS range {r:?}"
            ),
            Msg::NoTpsNumbers => lang.t("tidak ada nomor TPS", "no TPS numbers").into(),
            Msg::BadTpsCount(v) => tr!(lang, "tps_count tidak valid: {v:?}", "bad tps_count {v:?}"),
            Msg::CountMismatch(count, listed) => tr!(
                lang,
                "tps_count {count} tetapi tps_numbers berisi {listed} TPS",
                "tps_count {count} but tps_numbers list {listed}"
            ),
            Msg::EmptyName => lang.t("nama kosong", "empty name").into(),
            Msg::UnsafeName(column, problem) => {
                format!("{column} {}", lang.text_problem(problem))
            }
            Msg::Tree(e) => tree_text(e, lang),
        }
    }
}

/// What makes rows that are each valid fail to form one region tree.
fn tree_text(e: &RegionError, lang: Lang) -> String {
    match e {
        RegionError::DuplicateKelurahan(code) => tr!(
            lang,
            "kelurahan {code} tercantum lebih dari sekali",
            "kelurahan {code} is listed more than once"
        ),
        RegionError::KecamatanNameConflict {
            code,
            first,
            second,
        } => tr!(
            lang,
            "kecamatan {code} diberi dua nama: {first:?} dan {second:?}",
            "kecamatan {code} is given two names: {first:?} and {second:?}"
        ),
        RegionError::KelurahanOutsideKecamatan {
            kelurahan,
            kecamatan,
        } => tr!(
            lang,
            "kode kelurahan {kelurahan} tidak diawali kode kecamatannya {kecamatan}",
            "kelurahan code {kelurahan} does not start with its kecamatan code {kecamatan}"
        ),
        RegionError::DuplicateTps { kelurahan, number } => tr!(
            lang,
            "TPS {number} kelurahan {kelurahan} tercantum lebih dari sekali",
            "TPS {number} of kelurahan {kelurahan} is listed more than once"
        ),
        RegionError::NoTps(code) => tr!(
            lang,
            "kelurahan {code} tidak punya TPS",
            "kelurahan {code} has no TPS"
        ),
        RegionError::Empty => lang
            .t(
                "berkas tidak berisi satu kelurahan pun",
                "the file lists no kelurahan",
            )
            .into(),
    }
}

/// Parses `1-58;901-905` into inclusive ranges.
pub fn parse_tps_numbers(s: &str) -> Result<Vec<(u16, u16)>, Msg> {
    let mut out = Vec::new();
    for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let number = |n: &str| {
            n.trim()
                .parse::<u16>()
                .map_err(|_| Msg::BadTpsNumber(n.to_string(), s.to_string()))
        };
        let (a, b) = (number(a)?, number(b)?);
        if a == 0 || b < a {
            return Err(Msg::BadTpsRange(part.to_string()));
        }
        out.push((a, b));
    }
    if out.is_empty() {
        return Err(Msg::NoTpsNumbers);
    }
    Ok(out)
}

fn parse<R: std::io::Read>(
    mut rdr: csv::Reader<R>,
    file: &Path,
    lang: Lang,
) -> Result<Region, Vec<RowError>> {
    let err = |line: u64, msg: Msg| RowError {
        file: file.to_path_buf(),
        line,
        reason: msg.text(lang),
    };
    let headers = rdr
        .headers()
        .map_err(|e| vec![err(1, Msg::Read(ReadProblem::from_csv(&e)))])?
        .clone();
    let mut index = [0usize; 6];
    for (i, col) in COLUMNS.iter().enumerate() {
        index[i] = headers
            .iter()
            .position(|h| {
                h.trim()
                    .trim_start_matches('\u{feff}')
                    .eq_ignore_ascii_case(col)
            })
            .ok_or_else(|| vec![err(1, Msg::MissingColumn(col))])?;
    }
    let mut specs = Vec::new();
    let mut errors = Vec::new();
    for record in rdr.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(err(
                    super::csv_error_line(&e),
                    Msg::Read(ReadProblem::from_csv(&e)),
                ));
                // A read error (an input limit) ends the file.
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if errors.len() >= super::MAX_ERRORS {
            errors.push(super::too_many_errors(file, line, lang));
            break;
        }
        let field = |i: usize| record.get(index[i]).unwrap_or("").trim();
        let row = (|| {
            let kec_code = normalize_code(field(0))
                .ok_or_else(|| Msg::BadKecamatanCode(field(0).to_string()))?;
            let kel_code = normalize_code(field(2))
                .ok_or_else(|| Msg::BadKelurahanCode(field(2).to_string()))?;
            let ranges = parse_tps_numbers(field(5))?;
            let count: usize = field(4)
                .parse()
                .map_err(|_| Msg::BadTpsCount(field(4).to_string()))?;
            let listed: usize = ranges.iter().map(|&(a, b)| (b - a + 1) as usize).sum();
            if count != listed {
                return Err(Msg::CountMismatch(count, listed));
            }
            if field(1).is_empty() || field(3).is_empty() {
                return Err(Msg::EmptyName);
            }
            // Names are drawn on every coordinator's screen.
            for (column, name) in [("kecamatan", field(1)), ("kelurahan", field(3))] {
                if let Some(problem) = find_unsafe(name) {
                    return Err(Msg::UnsafeName(column, problem));
                }
            }
            Ok(KelurahanSpec {
                kecamatan_code: kec_code,
                kecamatan: field(1).to_string(),
                code: kel_code,
                name: field(3).to_string(),
                tps_ranges: ranges,
            })
        })();
        match row {
            Ok(spec) => specs.push(spec),
            Err(msg) => errors.push(err(line, msg)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Line 0: the whole file.
    Region::build(specs).map_err(|e| vec![err(0, Msg::Tree(e))])
}

/// Reads a region file; every bad row is reported with its line, in `lang`, and any error
/// rejects the whole file.
pub fn load_region_file(path: &Path, lang: Lang) -> Result<Region, Vec<RowError>> {
    let rdr = super::csv_reader_limited(path, super::MAX_REGION_FILE_BYTES).map_err(|e| {
        vec![RowError {
            file: path.into(),
            line: 0,
            reason: Msg::Read(ReadProblem::Io(e.to_string())).text(lang),
        }]
    })?;
    parse(rdr, path, lang)
}

pub fn palembang() -> Region {
    let rdr = csv::ReaderBuilder::new().from_reader(PALEMBANG_CSV.as_bytes());
    parse(
        rdr,
        Path::new("assets/palembang-2024-wilayah.csv"),
        Lang::En,
    )
    .expect("embedded region file is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_palembang_matches_kpu_totals() {
        let r = palembang();
        assert_eq!(r.kecamatan.len(), 18);
        assert_eq!(r.kelurahan.len(), 107);
        assert_eq!(r.tps.len(), 4_777);
        assert_eq!(r.tps.iter().filter(|t| t.number >= 901).count(), 11);
    }

    #[test]
    fn tps_number_ranges() {
        assert_eq!(
            parse_tps_numbers("1-58;901-905"),
            Ok(vec![(1, 58), (901, 905)])
        );
        assert_eq!(parse_tps_numbers("7"), Ok(vec![(7, 7)]));
        assert!(parse_tps_numbers("5-3").is_err());
        assert!(parse_tps_numbers("").is_err());
        assert!(parse_tps_numbers("a-3").is_err());
    }

    #[test]
    fn bad_rows_name_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.csv");
        std::fs::write(
            &path,
            "\u{feff}kecamatan_code;kecamatan;kelurahan_code;kelurahan;tps_count;tps_numbers\n\
             16.71.01;A;16.71.01.1001;X;3;1-3\n\
             16.71.01;A;16.71.01.1002;Y;4;1-3\n\
             16.71.01;A;16.71.01.1003;Z;1;x\n",
        )
        .unwrap();
        let errors = load_region_file(&path, Lang::En).unwrap_err();
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4]);
        assert!(errors[0]
            .to_string()
            .ends_with("w.csv:3: tps_count 4 but tps_numbers list 3"));
        let errors = load_region_file(&path, Lang::Id).unwrap_err();
        assert!(errors[0]
            .to_string()
            .ends_with("w.csv:3: tps_count 4 tetapi tps_numbers berisi 3 TPS"));
    }

    #[test]
    fn names_with_terminal_controls_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.csv");
        std::fs::write(
            &path,
            "kecamatan_code,kecamatan,kelurahan_code,kelurahan,tps_count,tps_numbers\n\
             16.71.01,A,16.71.01.1001,X,3,1-3\n\
             16.71.01,A,16.71.01.1002,\"Y\x1b]0;t\x07\",3,1-3\n\
             16.71.02,B\u{202e},16.71.02.1001,Z,1,1\n",
        )
        .unwrap();
        let errors = |lang| -> Vec<String> {
            load_region_file(&path, lang)
                .unwrap_err()
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        let en = errors(Lang::En);
        assert_eq!(en.len(), 2, "{en:?}");
        assert!(en[0].ends_with(
            "w.csv:3: kelurahan contains a control or invisible character (U+001B) at character 2"
        ));
        assert!(
            en[1].contains("w.csv:4: kecamatan contains a control or invisible character (U+202E)")
        );
        let id = errors(Lang::Id);
        assert!(id[0].ends_with(
            "w.csv:3: kelurahan berisi karakter kontrol atau tak terlihat (U+001B) di karakter ke-2"
        ));
        assert!(
            id[1].contains("w.csv:4: kecamatan berisi karakter kontrol atau tak terlihat (U+202E)")
        );
    }

    /// Every refused row, with its line and its reason in each language.
    #[test]
    fn every_row_problem_is_said_in_both_languages() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.csv");
        std::fs::write(
            &path,
            "kecamatan_code,kecamatan,kelurahan_code,kelurahan,tps_count,tps_numbers\n\
             16.71.x,A,16.71.01.1001,X,3,1-3\n\
             16.71.01,A,,X,3,1-3\n\
             16.71.01,A,16.71.01.1001,X,3,1-a\n\
             16.71.01,A,16.71.01.1001,X,3,5-3\n\
             16.71.01,A,16.71.01.1001,X,0,;\n\
             16.71.01,A,16.71.01.1001,X,tiga,1-3\n\
             16.71.01,A,16.71.01.1001,X,4,1-3\n\
             16.71.01,,16.71.01.1001,X,3,1-3\n",
        )
        .unwrap();
        let expected = [
            (
                2,
                "kode kecamatan tidak valid: \"16.71.x\"",
                "bad kecamatan code \"16.71.x\"",
            ),
            (
                3,
                "kode kelurahan tidak valid: \"\"",
                "bad kelurahan code \"\"",
            ),
            (
                4,
                "nomor TPS tidak valid: \"a\" dalam \"1-a\"",
                "bad TPS number \"a\" in \"1-a\"",
            ),
            (
                5,
                "rentang TPS tidak valid: \"5-3\"",
                "bad TPS range \"5-3\"",
            ),
            (6, "tidak ada nomor TPS", "no TPS numbers"),
            (
                7,
                "tps_count tidak valid: \"tiga\"",
                "bad tps_count \"tiga\"",
            ),
            (
                8,
                "tps_count 4 tetapi tps_numbers berisi 3 TPS",
                "tps_count 4 but tps_numbers list 3",
            ),
            (9, "nama kosong", "empty name"),
        ];
        for (lang, pick) in [(Lang::Id, 0), (Lang::En, 1)] {
            let errors = load_region_file(&path, lang).unwrap_err();
            let got: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, &*e.reason)).collect();
            let want: Vec<(u64, &str)> = expected
                .iter()
                .map(|&(line, id, en)| (line, [id, en][pick]))
                .collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn a_missing_column_is_named_in_both_languages() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.csv");
        std::fs::write(
            &path,
            "kecamatan_code,kecamatan,kelurahan_code,kelurahan,tps_numbers\n\
             16.71.01,A,16.71.01.1001,X,1-3\n",
        )
        .unwrap();
        let reason = |lang| load_region_file(&path, lang).unwrap_err()[0].to_string();
        assert!(reason(Lang::En).ends_with("w.csv:1: missing column tps_count"));
        assert!(reason(Lang::Id).ends_with("w.csv:1: kolom tps_count tidak ada di baris judul"));
    }

    /// Rows each valid but not one tree: a sentence, not a debug print.
    #[test]
    fn an_inconsistent_tree_is_said_in_both_languages() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.csv");
        std::fs::write(
            &path,
            "kecamatan_code,kecamatan,kelurahan_code,kelurahan,tps_count,tps_numbers\n\
             16.71.01,Ilir Barat,16.71.01.1001,X,3,1-3\n\
             16.71.01,Ilir Timur,16.71.01.1002,Y,3,1-3\n",
        )
        .unwrap();
        let reason = |lang| load_region_file(&path, lang).unwrap_err()[0].to_string();
        assert!(reason(Lang::En).ends_with(
            "w.csv:0: kecamatan 16.71.01 is given two names: \"Ilir Barat\" and \"Ilir Timur\""
        ));
        assert!(reason(Lang::Id).ends_with(
            "w.csv:0: kecamatan 16.71.01 diberi dua nama: \"Ilir Barat\" dan \"Ilir Timur\""
        ));
    }

    #[test]
    fn every_message_has_both_languages() {
        let tree = [
            RegionError::DuplicateKelurahan("16.71.01.1001".into()),
            RegionError::KecamatanNameConflict {
                code: "16.71.01".into(),
                first: "A".into(),
                second: "B".into(),
            },
            RegionError::KelurahanOutsideKecamatan {
                kelurahan: "16.71.02.1001".into(),
                kecamatan: "16.71.01".into(),
            },
            RegionError::DuplicateTps {
                kelurahan: "16.71.01.1001".into(),
                number: 3,
            },
            RegionError::NoTps("16.71.01.1001".into()),
            RegionError::Empty,
        ];
        for e in &tree {
            let debug = format!("{e:?}");
            let kind = debug.split(['(', ' ']).next().unwrap();
            for lang in [Lang::Id, Lang::En] {
                let text = Msg::Tree(e.clone()).text(lang);
                assert!(!text.contains(kind), "a debug print: {text}");
            }
        }
        let msgs = [
            Msg::Read(ReadProblem::NotUtf8),
            Msg::MissingColumn("tps_count"),
            Msg::BadKecamatanCode("x".into()),
            Msg::BadKelurahanCode("x".into()),
            Msg::BadTpsNumber("a".into(), "1-a".into()),
            Msg::BadTpsRange("5-3".into()),
            Msg::NoTpsNumbers,
            Msg::BadTpsCount("x".into()),
            Msg::CountMismatch(4, 3),
            Msg::EmptyName,
            Msg::UnsafeName("kelurahan", TextProblem::Unsafe { ch: '\x1b', at: 2 }),
        ]
        .into_iter()
        .chain(tree.into_iter().map(Msg::Tree));
        for m in msgs {
            assert_ne!(m.text(Lang::Id), m.text(Lang::En), "{m:?}");
        }
    }
}
