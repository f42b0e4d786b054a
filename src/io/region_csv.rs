//! Region files: `kecamatan_code,kecamatan,kelurahan_code,kelurahan,tps_count,tps_numbers`,
//! one row per kelurahan/desa; `tps_numbers` like `1-58;901-905`.

use std::path::Path;

use super::RowError;
use crate::domain::freetext::find_unsafe;
use crate::domain::region::normalize_code;
use crate::domain::{KelurahanSpec, Region};
use crate::text::Lang;

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

/// Parses `1-58;901-905` into inclusive ranges.
pub fn parse_tps_numbers(s: &str) -> Result<Vec<(u16, u16)>, String> {
    let mut out = Vec::new();
    for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let a: u16 = a
            .trim()
            .parse()
            .map_err(|_| format!("bad TPS number {a:?} in {s:?}"))?;
        let b: u16 = b
            .trim()
            .parse()
            .map_err(|_| format!("bad TPS number {b:?} in {s:?}"))?;
        if a == 0 || b < a {
            return Err(format!("bad TPS range {part:?}"));
        }
        out.push((a, b));
    }
    if out.is_empty() {
        return Err("no TPS numbers".into());
    }
    Ok(out)
}

fn parse<R: std::io::Read>(mut rdr: csv::Reader<R>, file: &Path) -> Result<Region, Vec<RowError>> {
    let err = |line: u64, reason: String| RowError {
        file: file.to_path_buf(),
        line,
        reason,
    };
    let headers = rdr
        .headers()
        .map_err(|e| vec![err(1, e.to_string())])?
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
            .ok_or_else(|| vec![err(1, format!("missing column {col}"))])?;
    }
    let mut specs = Vec::new();
    let mut errors = Vec::new();
    for record in rdr.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(err(super::csv_error_line(&e), e.to_string()));
                // A read error (an input limit) ends the file.
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if errors.len() >= super::MAX_ERRORS {
            errors.push(super::too_many_errors(file, line, crate::text::Lang::En));
            break;
        }
        let field = |i: usize| record.get(index[i]).unwrap_or("").trim();
        let row = (|| {
            let kec_code =
                normalize_code(field(0)).ok_or(format!("bad kecamatan code {:?}", field(0)))?;
            let kel_code =
                normalize_code(field(2)).ok_or(format!("bad kelurahan code {:?}", field(2)))?;
            let ranges = parse_tps_numbers(field(5))?;
            let count: usize = field(4)
                .parse()
                .map_err(|_| format!("bad tps_count {:?}", field(4)))?;
            let listed: usize = ranges.iter().map(|&(a, b)| (b - a + 1) as usize).sum();
            if count != listed {
                return Err(format!("tps_count {count} but tps_numbers list {listed}"));
            }
            if field(1).is_empty() || field(3).is_empty() {
                return Err("empty name".to_string());
            }
            // Names are drawn on every coordinator's screen.
            for (column, name) in [("kecamatan", field(1)), ("kelurahan", field(3))] {
                if let Some(problem) = find_unsafe(name) {
                    return Err(format!("{column} {}", Lang::En.text_problem(&problem)));
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
            Err(reason) => errors.push(err(line, reason)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Region::build(specs).map_err(|e| vec![err(0, format!("inconsistent region tree: {e:?}"))])
}

pub fn load_region_file(path: &Path) -> Result<Region, Vec<RowError>> {
    let rdr = super::csv_reader_limited(path, super::MAX_REGION_FILE_BYTES).map_err(|e| {
        vec![RowError {
            file: path.into(),
            line: 0,
            reason: e.to_string(),
        }]
    })?;
    parse(rdr, path)
}

pub fn palembang() -> Region {
    let rdr = csv::ReaderBuilder::new().from_reader(PALEMBANG_CSV.as_bytes());
    parse(rdr, Path::new("assets/palembang-2024-wilayah.csv"))
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
        let errors = load_region_file(&path).unwrap_err();
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4]);
        assert!(errors[0]
            .to_string()
            .ends_with("w.csv:3: tps_count 4 but tps_numbers list 3"));
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
        let errors: Vec<String> = load_region_file(&path)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].ends_with(
            "w.csv:3: kelurahan contains a control or invisible character (U+001B) at character 2"
        ));
        assert!(errors[1]
            .contains("w.csv:4: kecamatan contains a control or invisible character (U+202E)"));
    }
}
