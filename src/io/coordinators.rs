//! The coordinators file: which OS users may use a `kpps serve`, in which role and area.
//!
//! ```text
//! user,role,area
//! kpu_plg,kpu,
//! ppk_sako,ppk,16.71.02
//! pps_35ilir,pps,16.71.01.1001
//! pantau,viewer,
//! ```
//! `area` is a kecamatan (PPK) or kelurahan (PPS) code or unambiguous name; KPU and viewer
//! rows leave it empty. A user not in the file cannot connect.

use std::collections::HashMap;
use std::path::Path;

use super::{ReadProblem, RowError};
use crate::domain::region::Lookup;
use crate::domain::{Region, Role};
use crate::text::{tr, Lang};

/// Why the coordinators file, or one of its rows, is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// The file or a line could not be read as CSV.
    Read(ReadProblem),
    BadHeader,
    EmptyUser,
    /// The user named again.
    Twice(String),
    /// The role as written (lowercase), and what its `area` must name (kecamatan or
    /// kelurahan).
    NeedsArea(&'static str, &'static str),
    /// The role as written (lowercase): KPU and viewers cover the whole region.
    NoAreaFor(String),
    UnknownArea(String),
    /// The area as written, and the (code, name) places it matches.
    AmbiguousArea(String, Vec<(String, String)>),
    UnknownRole(String),
}

impl Msg {
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Msg::Read(p) => p.text(lang),
            Msg::BadHeader => lang
                .t(
                    "baris judul harus user,role,area",
                    "header must be user,role,area",
                )
                .into(),
            Msg::EmptyUser => lang.t("user kosong", "empty user").into(),
            Msg::Twice(user) => tr!(
                lang,
                "user {user:?} tercantum dua kali",
                "user {user:?} is listed twice"
            ),
            Msg::NeedsArea(role, unit) => tr!(
                lang,
                "{role} perlu {unit} di kolom area",
                "{role} needs a {unit} in area"
            ),
            Msg::NoAreaFor(role) => tr!(
                lang,
                "{role} tidak terbatas pada satu area; kosongkan kolom area",
                "{role} covers no single area; leave area empty"
            ),
            Msg::UnknownArea(q) => tr!(
                lang,
                "area {q:?} tidak ada di wilayah ini",
                "no such area {q:?}"
            ),
            Msg::AmbiguousArea(q, candidates) => {
                let candidates = candidates
                    .iter()
                    .map(|(code, name)| format!("{code} {name}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                tr!(
                    lang,
                    "area {q:?} ambigu, bisa berarti: {candidates}",
                    "area {q:?} is ambiguous: {candidates}"
                )
            }
            Msg::UnknownRole(role) => tr!(
                lang,
                "role {role:?} tidak dikenal: pakai kpu, ppk, pps atau viewer",
                "unknown role {role:?}: use kpu, ppk, pps or viewer"
            ),
        }
    }
}

/// User name → role.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coordinators {
    roles: HashMap<String, Role>,
}

impl Coordinators {
    pub fn role_of(&self, user: &str) -> Option<Role> {
        self.roles.get(user).copied()
    }

    /// Only `user`, as KPU: a server without a coordinators file serves its own user.
    pub fn owner_only(user: &str) -> Coordinators {
        Coordinators {
            roles: HashMap::from([(user.to_string(), Role::Kpu)]),
        }
    }

    pub fn len(&self) -> usize {
        self.roles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }

    /// Reads the file; every bad row is reported with its line, in `lang`, and any error
    /// rejects all.
    pub fn load(path: &Path, region: &Region, lang: Lang) -> Result<Coordinators, Vec<RowError>> {
        let error = |line: u64, msg: Msg| RowError {
            file: path.to_path_buf(),
            line,
            reason: msg.text(lang),
        };
        let mut reader = super::csv_reader_limited(path, super::MAX_REGION_FILE_BYTES)
            .map_err(|e| vec![error(0, Msg::Read(ReadProblem::Io(e.to_string())))])?;
        let headers = reader
            .headers()
            .map_err(|e| vec![error(1, Msg::Read(ReadProblem::from_csv(&e)))])?
            .clone();
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
        };
        let (Some(user_col), Some(role_col)) = (column("user"), column("role")) else {
            return Err(vec![error(1, Msg::BadHeader)]);
        };
        let area_col = column("area");
        let mut roles = HashMap::new();
        let mut errors = Vec::new();
        for record in reader.records() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    errors.push(error(
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
                errors.push(super::too_many_errors(path, line, lang));
                break;
            }
            let field = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("").trim();
            let user = field(Some(user_col));
            let area = field(area_col);
            if user.is_empty() && field(Some(role_col)).is_empty() {
                continue; // a blank row
            }
            match parse_role(field(Some(role_col)), area, region) {
                Ok(_) if user.is_empty() => errors.push(error(line, Msg::EmptyUser)),
                Ok(role) => {
                    if roles.insert(user.to_string(), role).is_some() {
                        errors.push(error(line, Msg::Twice(user.to_string())));
                    }
                }
                Err(msg) => errors.push(error(line, msg)),
            }
        }
        if errors.is_empty() {
            Ok(Coordinators { roles })
        } else {
            Err(errors)
        }
    }
}

fn parse_role(role: &str, area: &str, region: &Region) -> Result<Role, Msg> {
    let lookup = |e: Lookup| match e {
        Lookup::Unknown(q) => Msg::UnknownArea(q),
        Lookup::Ambiguous(q, candidates) => Msg::AmbiguousArea(q, candidates),
    };
    let role = role.to_ascii_lowercase();
    let no_area = |r: Role| {
        if area.is_empty() {
            Ok(r)
        } else {
            Err(Msg::NoAreaFor(role.clone()))
        }
    };
    match role.as_str() {
        "kpu" => no_area(Role::Kpu),
        "viewer" | "pemantau" => no_area(Role::Viewer),
        "ppk" if area.is_empty() => Err(Msg::NeedsArea("ppk", "kecamatan")),
        "ppk" => region
            .resolve_kecamatan(area)
            .map(Role::Ppk)
            .map_err(lookup),
        "pps" if area.is_empty() => Err(Msg::NeedsArea("pps", "kelurahan")),
        "pps" => region
            .resolve_kelurahan(area, None)
            .map(Role::Pps)
            .map_err(lookup),
        _ => Err(Msg::UnknownRole(role.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{KecamatanId, KelurahanId};

    fn load_in(text: &str, lang: Lang) -> Result<Coordinators, Vec<RowError>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("coordinators.csv");
        std::fs::write(&path, text).unwrap();
        Coordinators::load(&path, &crate::domain::region::tests::small(), lang)
    }

    fn load(text: &str) -> Result<Coordinators, Vec<RowError>> {
        load_in(text, Lang::En)
    }

    #[test]
    fn reads_roles_by_code_and_name() {
        let c = load(
            "user,role,area\nkota,kpu,\nsako,ppk,Sako\nilir,pps,16.71.01.1001\n\nlihat,viewer,\n",
        )
        .unwrap();
        assert_eq!(c.len(), 4);
        assert_eq!(c.role_of("kota"), Some(Role::Kpu));
        assert_eq!(c.role_of("sako"), Some(Role::Ppk(KecamatanId(1))));
        assert_eq!(c.role_of("ilir"), Some(Role::Pps(KelurahanId(0))));
        assert_eq!(c.role_of("lihat"), Some(Role::Viewer));
        assert_eq!(c.role_of("stranger"), None);
    }

    #[test]
    fn every_bad_row_is_named_by_line() {
        let errors = load(
            "user,role,area\nok,kpu,\nx,pps,\ny,ppk,Nowhere\nz,boss,\nok,viewer,\nw,kpu,16.71.01\n",
        )
        .unwrap_err();
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6, 7], "{errors:?}");
        assert!(errors[0].reason.contains("pps needs a kelurahan"));
        assert!(errors[1].reason.contains("no such area"));
        assert!(errors[2].reason.contains("unknown role"));
        assert!(errors[3].reason.contains("listed twice"));
        assert!(errors[0].to_string().contains("coordinators.csv:3:"));
    }

    /// Every refused row, with its line and its reason in each language.
    #[test]
    fn every_row_problem_is_said_in_both_languages() {
        let file = "user,role,area\n\
                    ok,kpu,\n\
                    a,pps,\n\
                    b,ppk,\n\
                    c,kpu,16.71.01\n\
                    d,Pemantau,Sako\n\
                    e,ppk,Nowhere\n\
                    f,pps,Ilir\n\
                    g,Boss,\n\
                    ,viewer,\n\
                    ok,viewer,\n";
        let expected = [
            (
                3,
                "pps perlu kelurahan di kolom area",
                "pps needs a kelurahan in area",
            ),
            (
                4,
                "ppk perlu kecamatan di kolom area",
                "ppk needs a kecamatan in area",
            ),
            (
                5,
                "kpu tidak terbatas pada satu area; kosongkan kolom area",
                "kpu covers no single area; leave area empty",
            ),
            (
                6,
                "pemantau tidak terbatas pada satu area; kosongkan kolom area",
                "pemantau covers no single area; leave area empty",
            ),
            (
                7,
                "area \"Nowhere\" tidak ada di wilayah ini",
                "no such area \"Nowhere\"",
            ),
            (
                8,
                "area \"Ilir\" ambigu, bisa berarti: 16.71.01.1001 35 Ilir (Ilir Barat II), 16.71.01.1002 32 Ilir (Ilir Barat II)",
                "area \"Ilir\" is ambiguous: 16.71.01.1001 35 Ilir (Ilir Barat II), 16.71.01.1002 32 Ilir (Ilir Barat II)",
            ),
            (
                9,
                "role \"boss\" tidak dikenal: pakai kpu, ppk, pps atau viewer",
                "unknown role \"boss\": use kpu, ppk, pps or viewer",
            ),
            (10, "user kosong", "empty user"),
            (
                11,
                "user \"ok\" tercantum dua kali",
                "user \"ok\" is listed twice",
            ),
        ];
        for (lang, pick) in [(Lang::Id, 0), (Lang::En, 1)] {
            let errors = load_in(file, lang).unwrap_err();
            let got: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, &*e.reason)).collect();
            let want: Vec<(u64, &str)> = expected
                .iter()
                .map(|&(line, id, en)| (line, [id, en][pick]))
                .collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn a_file_without_the_header_is_refused() {
        let errors = load("name,what\na,b\n").unwrap_err();
        assert_eq!(errors[0].line, 1);
        assert!(errors[0]
            .to_string()
            .ends_with("coordinators.csv:1: header must be user,role,area"));
        let errors = load_in("name,what\na,b\n", Lang::Id).unwrap_err();
        assert!(errors[0]
            .to_string()
            .ends_with("coordinators.csv:1: baris judul harus user,role,area"));
    }

    #[test]
    fn every_message_has_both_languages() {
        let msgs = [
            Msg::Read(ReadProblem::Csv("x".into())),
            Msg::BadHeader,
            Msg::EmptyUser,
            Msg::Twice("a".into()),
            Msg::NeedsArea("pps", "kelurahan"),
            Msg::NoAreaFor("kpu".into()),
            Msg::UnknownArea("x".into()),
            Msg::AmbiguousArea("x".into(), vec![("16.71.01".into(), "X".into())]),
            Msg::UnknownRole("boss".into()),
        ];
        for m in msgs {
            assert_ne!(m.text(Lang::Id), m.text(Lang::En), "{m:?}");
        }
    }
}
