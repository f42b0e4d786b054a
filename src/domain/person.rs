//! People who hold or may take a KPPS seat, and the rules that decide whether they may.

use chrono::{Datelike, NaiveDate};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::nik::Nik;
use super::params::ElectionParams;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    /// Laki-laki.
    L,
    /// Perempuan.
    P,
}

/// Health screening result (2024, with BPJS Kesehatan).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Screening {
    NotAtRisk,
    AtRisk,
    NotScreened,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Inline up to 24 bytes (nearly every name): a national roster is 5.7 million people,
    /// and one heap allocation per name and phone dominated loading it.
    pub name: CompactString,
    pub nik: Nik,
    #[serde(with = "date_as_days")]
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub phone: Option<CompactString>,
    pub screening: Screening,
    /// JKN (national health insurance) membership is active.
    pub jkn: bool,
}

/// A flag that triage must show; not a vacancy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum HealthFlag {
    AtRisk,
    NotScreened,
    NoJkn,
}

impl HealthFlag {
    pub const ALL: [HealthFlag; 3] = [
        HealthFlag::AtRisk,
        HealthFlag::NotScreened,
        HealthFlag::NoJkn,
    ];

    /// Stable machine name, used in CSV/JSON output.
    pub fn code(self) -> &'static str {
        match self {
            HealthFlag::AtRisk => "berisiko",
            HealthFlag::NotScreened => "belum_skrining",
            HealthFlag::NoJkn => "tanpa_jkn",
        }
    }
}

impl Person {
    pub fn health_flags(&self) -> impl Iterator<Item = HealthFlag> + '_ {
        HealthFlag::ALL.into_iter().filter(move |f| match f {
            HealthFlag::AtRisk => self.screening == Screening::AtRisk,
            HealthFlag::NotScreened => self.screening == Screening::NotScreened,
            HealthFlag::NoJkn => !self.jkn,
        })
    }

    pub fn is_flagged(&self) -> bool {
        self.health_flags().next().is_some()
    }

    /// The health risk that puts a reserve after every clean one and needs an explicit
    /// confirmation before they are appointed: screened at risk, or not screened at all
    /// (nothing is known). No JKN is not one: it says nothing about the person's health
    /// and is settled by registering them; it stays a flag that triage shows.
    pub fn health_risk(&self) -> Option<HealthFlag> {
        match self.screening {
            Screening::AtRisk => Some(HealthFlag::AtRisk),
            Screening::NotScreened => Some(HealthFlag::NotScreened),
            Screening::NotAtRisk => None,
        }
    }

    pub fn age_on(&self, day: NaiveDate) -> u32 {
        age_on(self.birth_date, day)
    }
}

/// Dates travel as a day count (4 bytes) rather than chrono's text form: a national
/// roster holds 5.7 million of them.
mod date_as_days {
    use chrono::{Datelike, NaiveDate};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        d.num_days_from_ce().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let days = i32::deserialize(d)?;
        NaiveDate::from_num_days_from_ce_opt(days)
            .ok_or_else(|| serde::de::Error::custom("date out of range"))
    }
}

/// Whole years completed on `day`.
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> u32 {
    let mut age = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age.max(0) as u32
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Severity {
    Warning,
    Error,
}

/// One eligibility finding about a person for a seat in a given area.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Finding {
    /// Younger than the minimum age on voting day (hard rule).
    UnderAge {
        age: u32,
        min: u8,
    },
    /// Older than the preferred maximum: allowed, but worth a look.
    OverPreferredAge {
        age: u32,
        max: u8,
    },
    NikBirthDateMismatch,
    NikSexMismatch,
    /// The NIK was issued outside the region being staffed.
    NikOutsideRegion {
        region: u32,
    },
}

impl Finding {
    pub fn severity(&self) -> Severity {
        match self {
            Finding::UnderAge { .. } => Severity::Error,
            _ => Severity::Warning,
        }
    }
}

/// Eligibility of `person` for a seat whose kelurahan code starts with `area_prefix6`
/// (the 6-digit kecamatan part, e.g. `167104`). `region_prefixes` are the 4-digit
/// kabupaten/kota codes of the loaded region tree: a NIK from outside all of them is flagged.
pub fn check_person(
    person: &Person,
    params: &ElectionParams,
    in_region: impl Fn(u32) -> bool,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let age = person.age_on(params.voting_day);
    if age < params.min_age as u32 {
        findings.push(Finding::UnderAge {
            age,
            min: params.min_age,
        });
    } else if age > params.preferred_max_age as u32 {
        findings.push(Finding::OverPreferredAge {
            age,
            max: params.preferred_max_age,
        });
    }
    let (date_ok, sex_ok) = person.nik.agrees_with(person.birth_date, person.sex);
    if !date_ok {
        findings.push(Finding::NikBirthDateMismatch);
    }
    if !sex_ok {
        findings.push(Finding::NikSexMismatch);
    }
    if !in_region(person.nik.region()) {
        findings.push(Finding::NikOutsideRegion {
            region: person.nik.region(),
        });
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn person(birth: NaiveDate, sex: Sex, nik: &str) -> Person {
        Person {
            name: "Siti Aminah".into(),
            nik: Nik::parse(nik).unwrap(),
            birth_date: birth,
            sex,
            phone: None,
            screening: Screening::NotAtRisk,
            jkn: true,
        }
    }

    #[test]
    fn age_counts_whole_years_on_voting_day() {
        assert_eq!(age_on(d(2007, 2, 14), d(2024, 2, 14)), 17);
        assert_eq!(age_on(d(2007, 2, 15), d(2024, 2, 14)), 16);
        assert_eq!(age_on(d(1968, 2, 13), d(2024, 2, 14)), 56);
    }

    #[test]
    fn under_age_is_an_error_over_age_a_warning() {
        let p = ElectionParams::default();
        let young = person(d(2007, 2, 15), Sex::P, "1671045502070001");
        let f = check_person(&young, &p, |_| true);
        assert_eq!(f, vec![Finding::UnderAge { age: 16, min: 17 }]);
        assert_eq!(f[0].severity(), Severity::Error);
        let old = person(d(1960, 1, 1), Sex::L, "1671040101600001");
        let f = check_person(&old, &p, |_| true);
        assert_eq!(f, vec![Finding::OverPreferredAge { age: 64, max: 55 }]);
        assert_eq!(f[0].severity(), Severity::Warning);
    }

    #[test]
    fn nik_disagreements_and_outside_region_are_warnings() {
        let p = ElectionParams::default();
        let x = person(d(1990, 8, 17), Sex::L, "3201045708910003");
        let f = check_person(&x, &p, |r| r / 100 == 1671);
        assert_eq!(
            f,
            vec![
                Finding::NikBirthDateMismatch,
                Finding::NikSexMismatch,
                Finding::NikOutsideRegion { region: 320104 }
            ]
        );
        assert!(f.iter().all(|f| f.severity() == Severity::Warning));
    }

    #[test]
    fn health_flags() {
        let mut x = person(d(1990, 8, 17), Sex::L, "1671041708900003");
        assert!(!x.is_flagged());
        x.screening = Screening::AtRisk;
        x.jkn = false;
        assert_eq!(
            x.health_flags().collect::<Vec<_>>(),
            vec![HealthFlag::AtRisk, HealthFlag::NoJkn]
        );
    }
}
