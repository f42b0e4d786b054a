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

use super::RowError;
use crate::domain::{Region, Role};

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

    /// Reads the file; every bad row is reported with its line, and any error rejects all.
    pub fn load(path: &Path, region: &Region) -> Result<Coordinators, Vec<RowError>> {
        let error = |line: u64, reason: String| RowError {
            file: path.to_path_buf(),
            line,
            reason,
        };
        let mut reader = super::csv_reader_limited(path, super::MAX_REGION_FILE_BYTES)
            .map_err(|e| vec![error(0, e.to_string())])?;
        let headers = reader
            .headers()
            .map_err(|e| vec![error(1, e.to_string())])?
            .clone();
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
        };
        let (Some(user_col), Some(role_col)) = (column("user"), column("role")) else {
            return Err(vec![error(1, "header must be user,role,area".to_string())]);
        };
        let area_col = column("area");
        let mut roles = HashMap::new();
        let mut errors = Vec::new();
        for record in reader.records() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    errors.push(error(super::csv_error_line(&e), e.to_string()));
                    // A read error (an input limit) ends the file.
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        break;
                    }
                    continue;
                }
            };
            let line = record.position().map_or(0, |p| p.line());
            if errors.len() >= super::MAX_ERRORS {
                errors.push(super::too_many_errors(path, line, crate::text::Lang::En));
                break;
            }
            let field = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("").trim();
            let user = field(Some(user_col));
            let area = field(area_col);
            if user.is_empty() && field(Some(role_col)).is_empty() {
                continue; // a blank row
            }
            match parse_role(field(Some(role_col)), area, region) {
                Ok(_) if user.is_empty() => errors.push(error(line, "empty user".into())),
                Ok(role) => {
                    if roles.insert(user.to_string(), role).is_some() {
                        errors.push(error(line, format!("user {user:?} is listed twice")));
                    }
                }
                Err(reason) => errors.push(error(line, reason)),
            }
        }
        if errors.is_empty() {
            Ok(Coordinators { roles })
        } else {
            Err(errors)
        }
    }
}

fn parse_role(role: &str, area: &str, region: &Region) -> Result<Role, String> {
    let lookup = |e: crate::domain::region::Lookup| match e {
        crate::domain::region::Lookup::Unknown(q) => format!("no such area {q:?}"),
        crate::domain::region::Lookup::Ambiguous(q, c) => format!(
            "area {q:?} is ambiguous: {}",
            c.iter()
                .map(|(code, name)| format!("{code} {name}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let no_area = |role: Role| {
        if area.is_empty() {
            Ok(role)
        } else {
            Err(format!("{role:?} covers no single area; leave area empty"))
        }
    };
    match role.to_ascii_lowercase().as_str() {
        "kpu" => no_area(Role::Kpu),
        "viewer" | "pemantau" => no_area(Role::Viewer),
        "ppk" if area.is_empty() => Err("ppk needs a kecamatan in area".into()),
        "ppk" => region
            .resolve_kecamatan(area)
            .map(Role::Ppk)
            .map_err(lookup),
        "pps" if area.is_empty() => Err("pps needs a kelurahan in area".into()),
        "pps" => region
            .resolve_kelurahan(area, None)
            .map(Role::Pps)
            .map_err(lookup),
        other => Err(format!(
            "unknown role {other:?}: use kpu, ppk, pps or viewer"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{KecamatanId, KelurahanId};

    fn load(text: &str) -> Result<Coordinators, Vec<RowError>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("coordinators.csv");
        std::fs::write(&path, text).unwrap();
        Coordinators::load(&path, &crate::domain::region::tests::small())
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

    #[test]
    fn a_file_without_the_header_is_refused() {
        let errors = load("name,what\na,b\n").unwrap_err();
        assert_eq!(errors[0].line, 1);
    }
}
