//! A person as typed (a file row, a form, command-line flags), and what checking it finds.
//!
//! [`PersonDraft::validate`] is the one check of a new person's fields, used by the roster
//! and reserve importer, the TUI's direct-appointment form and `kpps fill` with person
//! flags, so the three give the same verdict for the same input. It applies the typed-text
//! rules (`freetext`), parses the NIK, date, sex, screening and JKN, brings the phone number
//! to its stored form (`phone`), and checks eligibility (`person::check_person`): errors
//! refuse the person, warnings go along with it. Where the person goes (a free seat, a NIK
//! not yet registered) is the caller's and the store's to check.

use chrono::NaiveDate;

use super::freetext::{self, TextField, TextProblem};
use super::nik::{Nik, NikError};
use super::params::ElectionParams;
use super::person::{check_person, Finding, Person, Screening, Severity, Sex};
use super::phone::{self, PhoneError};
use super::region::Region;

/// The text fields of a person exactly as typed (a file's cells with any spreadsheet quote
/// already taken off, a form's fields, command-line values). Empty means not given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PersonDraft<'a> {
    pub nama: &'a str,
    pub nik: &'a str,
    pub tanggal_lahir: &'a str,
    pub jenis_kelamin: &'a str,
    pub telepon: &'a str,
    pub skrining: &'a str,
    pub jkn: &'a str,
}

/// One of a person's fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PersonField {
    Nama,
    Nik,
    TanggalLahir,
    JenisKelamin,
    Telepon,
    Skrining,
    Jkn,
}

impl PersonField {
    /// The column name in roster and reserve files: `tanggal_lahir`.
    pub fn column(self) -> &'static str {
        match self {
            PersonField::Nama => "nama",
            PersonField::Nik => "nik",
            PersonField::TanggalLahir => "tanggal_lahir",
            PersonField::JenisKelamin => "jenis_kelamin",
            PersonField::Telepon => "telepon",
            PersonField::Skrining => "skrining",
            PersonField::Jkn => "jkn",
        }
    }

    /// The command-line flag: `--tanggal-lahir`.
    pub fn flag(self) -> &'static str {
        match self {
            PersonField::Nama => "--nama",
            PersonField::Nik => "--nik",
            PersonField::TanggalLahir => "--tanggal-lahir",
            PersonField::JenisKelamin => "--jenis-kelamin",
            PersonField::Telepon => "--telepon",
            PersonField::Skrining => "--skrining",
            PersonField::Jkn => "--jkn",
        }
    }
}

/// What is wrong with (or worth a look in) one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A required field left blank.
    Empty,
    /// Breaks the typed-text rules (control characters, length).
    Text(TextProblem),
    Nik(NikError),
    /// Not a date in one of the accepted shapes (what was given).
    BadDate(String),
    /// Not `L` or `P`.
    BadSex(String),
    /// Not `tidak berisiko`, `berisiko` or `belum`.
    BadScreening(String),
    /// Not `ya` or `tidak`.
    BadJkn(String),
    Phone(PhoneError),
    /// Warning: the phone number came without its leading 0 and is stored with it.
    PhoneZeroRestored {
        given: String,
        stored: String,
    },
    /// An eligibility finding: under age is an error, the others warnings.
    Finding(Finding),
}

/// A problem and the field it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldIssue {
    pub field: PersonField,
    pub problem: Problem,
}

impl FieldIssue {
    pub fn severity(&self) -> Severity {
        match &self.problem {
            Problem::Finding(f) => f.severity(),
            Problem::PhoneZeroRestored { .. } => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// The kind of a warning, for summaries (None for an error).
    pub fn warning_kind(&self) -> Option<WarningKind> {
        match &self.problem {
            Problem::Finding(f) => WarningKind::of_finding(f),
            Problem::PhoneZeroRestored { .. } => Some(WarningKind::PhoneLeadingZeroRestored),
            _ => None,
        }
    }
}

/// A person who passed: the value to record, and the warnings to show with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub person: Person,
    pub warnings: Vec<FieldIssue>,
}

impl PersonDraft<'_> {
    /// The person, or every issue found: at least one error, and any warnings that could be
    /// found too. Eligibility (age, NIK against birth date and sex, NIK issued in `region`)
    /// is checked once every field parses, against `params`.
    pub fn validate(
        &self,
        params: &ElectionParams,
        region: &Region,
    ) -> Result<Checked, Vec<FieldIssue>> {
        let mut issues = Vec::new();
        let mut issue = |field, problem| issues.push(FieldIssue { field, problem });
        let name = match freetext::required(TextField::Name, self.nama) {
            Ok(name) => Some(name),
            Err(e) if e.problem == TextProblem::Empty => {
                issue(PersonField::Nama, Problem::Empty);
                None
            }
            Err(e) => {
                issue(PersonField::Nama, Problem::Text(e.problem));
                None
            }
        };
        let nik = Nik::parse(self.nik)
            .map_err(|e| issue(PersonField::Nik, Problem::Nik(e)))
            .ok();
        let birth_date = parse_date(self.tanggal_lahir);
        if birth_date.is_none() {
            let raw = self.tanggal_lahir.trim();
            let problem = if raw.is_empty() {
                Problem::Empty
            } else {
                Problem::BadDate(raw.to_string())
            };
            issue(PersonField::TanggalLahir, problem);
        }
        let sex = parse_sex(self.jenis_kelamin);
        if sex.is_none() {
            issue(
                PersonField::JenisKelamin,
                choice_problem(self.jenis_kelamin, Problem::BadSex),
            );
        }
        let phone = match freetext::clean(TextField::Phone, self.telepon) {
            Err(e) => {
                issue(PersonField::Telepon, Problem::Text(e.problem));
                None
            }
            Ok(text) => match phone::normalize(&text) {
                Ok(p) => Some(p),
                Err(e) => {
                    issue(PersonField::Telepon, Problem::Phone(e));
                    None
                }
            },
        };
        let screening = parse_screening(self.skrining);
        if screening.is_none() {
            issue(
                PersonField::Skrining,
                choice_problem(self.skrining, Problem::BadScreening),
            );
        }
        let jkn = parse_jkn(self.jkn);
        if jkn.is_none() {
            issue(PersonField::Jkn, choice_problem(self.jkn, Problem::BadJkn));
        }
        let (
            Some(name),
            Some(nik),
            Some(birth_date),
            Some(sex),
            Some(phone),
            Some(screening),
            Some(jkn),
        ) = (name, nik, birth_date, sex, phone, screening, jkn)
        else {
            return Err(issues);
        };
        if let Some(p) = phone.as_ref().filter(|p| p.restored_zero) {
            issue(
                PersonField::Telepon,
                Problem::PhoneZeroRestored {
                    given: self.telepon.trim().to_string(),
                    stored: p.number.clone(),
                },
            );
        }
        let person = Person {
            name: name.as_ref().into(),
            nik,
            birth_date,
            sex,
            phone: phone.map(|p| p.number.into()),
            screening,
            jkn,
        };
        for f in check_person(&person, params, |r| region.issues_nik_region(r)) {
            let field = match f {
                Finding::NikSexMismatch => PersonField::JenisKelamin,
                Finding::NikOutsideRegion { .. } => PersonField::Nik,
                Finding::UnderAge { .. }
                | Finding::OverPreferredAge { .. }
                | Finding::NikBirthDateMismatch => PersonField::TanggalLahir,
            };
            issue(field, Problem::Finding(f));
        }
        if issues.iter().any(|i| i.severity() == Severity::Error) {
            return Err(issues);
        }
        Ok(Checked {
            person,
            warnings: issues,
        })
    }
}

/// Blank is `Empty`; anything else unrecognised is `bad(value)`.
fn choice_problem(raw: &str, bad: fn(String) -> Problem) -> Problem {
    let raw = raw.trim();
    if raw.is_empty() {
        Problem::Empty
    } else {
        bad(raw.to_string())
    }
}

/// `L` or `P` (any case).
pub fn parse_sex(raw: &str) -> Option<Sex> {
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("L") {
        Some(Sex::L)
    } else if raw.eq_ignore_ascii_case("P") {
        Some(Sex::P)
    } else {
        None
    }
}

/// `ya` or `tidak` (any case).
pub fn parse_jkn(raw: &str) -> Option<bool> {
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("ya") {
        Some(true)
    } else if raw.eq_ignore_ascii_case("tidak") {
        Some(false)
    } else {
        None
    }
}

/// `YYYY-MM-DD`, `DD/MM/YYYY` or `DD-MM-YYYY` (a spreadsheet's trailing ` 00:00:00` is ignored).
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let mut s = raw.trim();
    if let Some((date, time)) = s.split_once(' ') {
        if !time.trim().bytes().all(|b| b.is_ascii_digit() || b == b':') {
            return None;
        }
        s = date;
    }
    let sep = if s.contains('/') { '/' } else { '-' };
    let parts: Vec<&str> = s.split(sep).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let (y, m, d) = if sep == '-' && parts[0].len() == 4 {
        (parts[0], parts[1], parts[2])
    } else if parts[2].len() == 4 {
        (parts[2], parts[1], parts[0])
    } else {
        return None;
    };
    if y.len() != 4 || m.len() > 2 || d.len() > 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// `tidak berisiko`, `berisiko`, `belum` / `belum skrining` (any case; `_` or `-` for spaces).
pub fn parse_screening(raw: &str) -> Option<Screening> {
    let mut words = raw
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|w| !w.is_empty());
    let first = words.next()?;
    let second = words.next();
    if words.next().is_some() {
        return None;
    }
    let is = |w: &str, s: &str| w.eq_ignore_ascii_case(s);
    match second {
        None if is(first, "berisiko") => Some(Screening::AtRisk),
        None if is(first, "belum") => Some(Screening::NotScreened),
        Some(w) if is(first, "tidak") && is(w, "berisiko") => Some(Screening::NotAtRisk),
        Some(w) if is(first, "belum") && is(w, "skrining") => Some(Screening::NotScreened),
        _ => None,
    }
}

/// The kinds of non-blocking finding about a person, for summaries ("25.100 usia di atas
/// 55, 1.953 NIK tidak cocok dengan tanggal lahir").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WarningKind {
    OverPreferredAge,
    NikBirthDateMismatch,
    NikSexMismatch,
    NikOutsideRegion,
    /// A phone number that came without its leading 0 (a spreadsheet took it for a number);
    /// it was stored with the 0 put back.
    PhoneLeadingZeroRestored,
}

impl WarningKind {
    pub const ALL: [WarningKind; 5] = [
        WarningKind::OverPreferredAge,
        WarningKind::NikBirthDateMismatch,
        WarningKind::NikSexMismatch,
        WarningKind::NikOutsideRegion,
        WarningKind::PhoneLeadingZeroRestored,
    ];

    /// The kind of an eligibility finding that does not block (None for an error).
    pub fn of_finding(f: &Finding) -> Option<WarningKind> {
        match f {
            Finding::UnderAge { .. } => None,
            Finding::OverPreferredAge { .. } => Some(WarningKind::OverPreferredAge),
            Finding::NikBirthDateMismatch => Some(WarningKind::NikBirthDateMismatch),
            Finding::NikSexMismatch => Some(WarningKind::NikSexMismatch),
            Finding::NikOutsideRegion { .. } => Some(WarningKind::NikOutsideRegion),
        }
    }
}

/// How many warnings of each kind, for a summary line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WarningCounts([usize; WarningKind::ALL.len()]);

impl WarningCounts {
    pub fn add(&mut self, kind: WarningKind) {
        self.0[kind as usize] += 1;
    }

    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }

    pub fn get(&self, kind: WarningKind) -> usize {
        self.0[kind as usize]
    }

    /// The kinds present, most frequent first (ties in `ALL` order).
    pub fn by_count(&self) -> Vec<(WarningKind, usize)> {
        let mut kinds: Vec<(WarningKind, usize)> = WarningKind::ALL
            .into_iter()
            .map(|k| (k, self.get(k)))
            .filter(|&(_, n)| n > 0)
            .collect();
        kinds.sort_by_key(|&(k, n)| (std::cmp::Reverse(n), k));
        kinds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::region::tests::small;

    /// A clean draft: Siti, born 17-08-1990 in Kota Palembang, NIK to match.
    fn siti() -> PersonDraft<'static> {
        PersonDraft {
            nama: " Siti Aminah ",
            nik: "1671045708900003",
            tanggal_lahir: "17/08/1990",
            jenis_kelamin: "p",
            telepon: "+62 812-3456-7890",
            skrining: "Tidak Berisiko",
            jkn: "YA",
        }
    }

    fn issues(d: PersonDraft) -> Vec<(PersonField, Problem)> {
        match d.validate(&ElectionParams::default(), &small()) {
            Ok(c) => c.warnings,
            Err(e) => e,
        }
        .into_iter()
        .map(|i| (i.field, i.problem))
        .collect()
    }

    #[test]
    fn a_clean_draft_is_a_person() {
        let c = siti()
            .validate(&ElectionParams::default(), &small())
            .unwrap();
        assert_eq!(c.warnings, vec![]);
        assert_eq!(c.person.name, "Siti Aminah");
        assert_eq!(c.person.sex, Sex::P);
        assert_eq!(c.person.phone.as_deref(), Some("081234567890"));
        assert_eq!(c.person.screening, Screening::NotAtRisk);
        assert!(c.person.jkn);
        let no_phone = PersonDraft {
            telepon: "  ",
            ..siti()
        };
        let c = no_phone
            .validate(&ElectionParams::default(), &small())
            .unwrap();
        assert_eq!(c.person.phone, None);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = PersonDraft {
            nama: "",
            nik: "1.67101E+15",
            tanggal_lahir: "1990/08/17",
            jenis_kelamin: "X",
            telepon: "0812/0813",
            skrining: "sehat",
            jkn: "y",
        };
        assert_eq!(
            issues(bad),
            vec![
                (PersonField::Nama, Problem::Empty),
                (PersonField::Nik, Problem::Nik(NikError::ScientificNotation)),
                (
                    PersonField::TanggalLahir,
                    Problem::BadDate("1990/08/17".into())
                ),
                (PersonField::JenisKelamin, Problem::BadSex("X".into())),
                (
                    PersonField::Telepon,
                    Problem::Text(TextProblem::NotPhone { ch: '/', at: 5 })
                ),
                (PersonField::Skrining, Problem::BadScreening("sehat".into())),
                (PersonField::Jkn, Problem::BadJkn("y".into())),
            ]
        );
        let blank = PersonDraft {
            nama: "\u{1b}]0;x\u{7}",
            tanggal_lahir: " ",
            jenis_kelamin: "",
            skrining: "",
            jkn: "",
            telepon: "12345",
            ..siti()
        };
        assert_eq!(
            issues(blank),
            vec![
                (
                    PersonField::Nama,
                    Problem::Text(TextProblem::Unsafe {
                        ch: '\u{1b}',
                        at: 1
                    })
                ),
                (PersonField::TanggalLahir, Problem::Empty),
                (PersonField::JenisKelamin, Problem::Empty),
                (PersonField::Telepon, Problem::Phone(PhoneError::BadStart)),
                (PersonField::Skrining, Problem::Empty),
                (PersonField::Jkn, Problem::Empty),
            ]
        );
    }

    #[test]
    fn findings_and_a_restored_zero_go_with_the_person_or_refuse_it() {
        // NIK says female and born 1990-08-17; she is written as L, born 1991, phone 812….
        let odd = PersonDraft {
            tanggal_lahir: "1991-08-17",
            jenis_kelamin: "L",
            telepon: "81234567890",
            ..siti()
        };
        let c = odd.validate(&ElectionParams::default(), &small()).unwrap();
        assert_eq!(c.person.phone.as_deref(), Some("081234567890"));
        let kinds: Vec<Option<WarningKind>> = c.warnings.iter().map(|w| w.warning_kind()).collect();
        assert_eq!(
            kinds,
            vec![
                Some(WarningKind::PhoneLeadingZeroRestored),
                Some(WarningKind::NikBirthDateMismatch),
                Some(WarningKind::NikSexMismatch),
            ]
        );
        assert_eq!(
            c.warnings[0].problem,
            Problem::PhoneZeroRestored {
                given: "81234567890".into(),
                stored: "081234567890".into()
            }
        );
        // Under age is an error; the warnings found with it come along.
        let young = PersonDraft {
            nik: "3201045502070001",
            tanggal_lahir: "2007-02-15",
            ..siti()
        };
        let e = young
            .validate(&ElectionParams::default(), &small())
            .unwrap_err();
        let problems: Vec<(Severity, &Problem)> =
            e.iter().map(|i| (i.severity(), &i.problem)).collect();
        assert_eq!(
            problems,
            vec![
                (
                    Severity::Error,
                    &Problem::Finding(Finding::UnderAge { age: 16, min: 17 })
                ),
                (
                    Severity::Warning,
                    &Problem::Finding(Finding::NikOutsideRegion { region: 320104 })
                ),
            ]
        );
    }

    #[test]
    fn dates_in_three_shapes() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(parse_date("1990-08-17"), Some(d(1990, 8, 17)));
        assert_eq!(parse_date("17/08/1990"), Some(d(1990, 8, 17)));
        assert_eq!(parse_date("17-08-1990"), Some(d(1990, 8, 17)));
        assert_eq!(parse_date("7/8/1990"), Some(d(1990, 8, 7)));
        assert_eq!(parse_date(" 1990-08-17 00:00:00 "), Some(d(1990, 8, 17)));
        for bad in [
            "",
            "1990/08/17",
            "08/17/1990",
            "17.08.1990",
            "90-08-17",
            "17/08/90",
            "1990-02-30",
            "x",
            "1990-8",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn screening_words() {
        assert_eq!(
            parse_screening("Tidak Berisiko"),
            Some(Screening::NotAtRisk)
        );
        assert_eq!(parse_screening("berisiko"), Some(Screening::AtRisk));
        assert_eq!(parse_screening("belum"), Some(Screening::NotScreened));
        assert_eq!(
            parse_screening("BELUM  skrining"),
            Some(Screening::NotScreened)
        );
        assert_eq!(
            parse_screening("belum_skrining"),
            Some(Screening::NotScreened)
        );
        assert_eq!(parse_screening(""), None);
        assert_eq!(parse_screening("sehat"), None);
        assert_eq!(parse_screening("tidak berisiko lagi"), None);
        assert_eq!(parse_screening("tidak"), None);
    }

    #[test]
    fn counts_most_frequent_first() {
        let mut c = WarningCounts::default();
        assert_eq!(c.by_count(), vec![]);
        for _ in 0..3 {
            c.add(WarningKind::NikSexMismatch);
        }
        c.add(WarningKind::OverPreferredAge);
        c.add(WarningKind::PhoneLeadingZeroRestored);
        assert_eq!(c.total(), 5);
        assert_eq!(
            c.by_count(),
            vec![
                (WarningKind::NikSexMismatch, 3),
                (WarningKind::OverPreferredAge, 1),
                (WarningKind::PhoneLeadingZeroRestored, 1)
            ]
        );
        assert_eq!(
            WarningKind::of_finding(&Finding::UnderAge { age: 16, min: 17 }),
            None
        );
    }
}
