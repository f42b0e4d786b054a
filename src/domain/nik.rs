//! NIK (Nomor Induk Kependudukan): the 16-digit national ID.
//!
//! Layout: digits 1–6 region of issue (province, kabupaten/kota, kecamatan), 7–8 birth day
//! (+40 for women), 9–10 month, 11–12 two-digit year, 13–16 serial.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

use super::person::Sex;

/// A well-formed NIK, stored as its 16 digits in a `u64` (the first digit is never 0).
/// Decoding checks it as `parse` does: a NIK from a file, a store or a client is never
/// taken on trust.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u64")]
pub struct Nik(u64);

impl TryFrom<u64> for Nik {
    type Error = NikError;

    fn try_from(value: u64) -> Result<Nik, NikError> {
        Nik::from_u64(value)
    }
}

impl fmt::Display for NikError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid NIK: {self:?}")
    }
}

/// Why a NIK was rejected. Every variant is an error: a wrong NIK must never be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NikError {
    Empty,
    /// `1.67101E+15` and similar: a spreadsheet turned the NIK into a float.
    ScientificNotation,
    /// Fewer than 16 digits: typically a spreadsheet dropped leading digits or zeros.
    TooShort(usize),
    TooLong(usize),
    NotDigits,
    /// Birth day/month encoded in the NIK is not a calendar date.
    BadDate,
    /// Region part is zero (`000000…`), which no civil registry issues.
    BadRegion,
}

impl Nik {
    pub fn parse(raw: &str) -> Result<Nik, NikError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(NikError::Empty);
        }
        let upper = s.to_ascii_uppercase();
        if upper.contains('E') && (upper.contains('+') || upper.contains('.')) {
            return Err(NikError::ScientificNotation);
        }
        // Spreadsheets sometimes keep the float form without exponent: "1671046504900001.0".
        if s.contains('.') || s.contains(',') {
            return Err(NikError::ScientificNotation);
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NikError::NotDigits);
        }
        match s.len() {
            n if n < 16 => return Err(NikError::TooShort(n)),
            n if n > 16 => return Err(NikError::TooLong(n)),
            _ => {}
        }
        if s.starts_with('0') {
            return Err(NikError::BadRegion);
        }
        Nik::from_u64(s.parse().map_err(|_| NikError::NotDigits)?)
    }

    /// The NIK whose 16 digits are `value`, checked as `parse` checks text.
    pub fn from_u64(value: u64) -> Result<Nik, NikError> {
        const LOW: u64 = 1_000_000_000_000_000;
        match value {
            v if v < LOW => return Err(NikError::BadRegion),
            v if v >= LOW * 10 => return Err(NikError::TooLong(17)),
            _ => {}
        }
        let nik = Nik(value);
        let (day, month) = (nik.field(6, 2), nik.field(8, 2));
        let day = if day > 40 { day - 40 } else { day };
        // Year 2000 is a leap year, so any day valid in some year is valid here.
        if NaiveDate::from_ymd_opt(2000, month, day).is_none() {
            return Err(NikError::BadDate);
        }
        Ok(nik)
    }

    /// Builds a NIK from its parts (used by the demo generator).
    pub fn compose(region6: u32, birth: NaiveDate, sex: Sex, serial: u16) -> Nik {
        let day = birth.day() + if sex == Sex::P { 40 } else { 0 };
        let yy = (birth.year() % 100) as u64;
        let v = region6 as u64 * 10_000_000_000
            + day as u64 * 100_000_000
            + birth.month() as u64 * 1_000_000
            + yy * 10_000
            + serial as u64;
        Nik(v)
    }

    pub fn from_u64_unchecked(v: u64) -> Nik {
        Nik(v)
    }

    pub fn as_u64(self) -> u64 {
        self.0
    }

    /// `len` decimal digits starting at 0-based position `pos` of the 16.
    fn field(self, pos: u32, len: u32) -> u32 {
        ((self.0 / 10u64.pow(16 - pos - len)) % 10u64.pow(len)) as u32
    }

    /// The 6-digit region of issue, e.g. `167104` (province 16, kota 71, kecamatan 04).
    pub fn region(self) -> u32 {
        self.field(0, 6)
    }

    pub fn sex(self) -> Sex {
        if self.field(6, 2) > 40 {
            Sex::P
        } else {
            Sex::L
        }
    }

    /// Day and month of birth, and the two-digit year.
    pub fn birth_parts(self) -> (u32, u32, u32) {
        let d = self.field(6, 2);
        (
            if d > 40 { d - 40 } else { d },
            self.field(8, 2),
            self.field(10, 2),
        )
    }

    /// The birth date the NIK implies, resolving the two-digit year against a reference day
    /// (a year that would be in the future is taken from the previous century).
    pub fn birth_date(self, reference: NaiveDate) -> Option<NaiveDate> {
        let (d, m, yy) = self.birth_parts();
        let century = reference.year() / 100 * 100;
        let mut year = century + yy as i32;
        if year > reference.year() {
            year -= 100;
        }
        NaiveDate::from_ymd_opt(year, m, d)
    }

    /// Whether the NIK's date/sex agree with what was entered.
    pub fn agrees_with(self, birth: NaiveDate, sex: Sex) -> (bool, bool) {
        let (d, m, yy) = self.birth_parts();
        let date_ok = d == birth.day() && m == birth.month() && yy == (birth.year() % 100) as u32;
        (date_ok, self.sex() == sex)
    }

    /// For the screen: `1671********0001` keeps region and serial, hides the birth part.
    pub fn masked(self) -> String {
        let s = self.to_string();
        format!("{}********{}", &s[..4], &s[12..])
    }
}

impl fmt::Display for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parses_man_and_woman() {
        let man = Nik::parse("1671041708900003").unwrap();
        assert_eq!(man.sex(), Sex::L);
        assert_eq!(man.region(), 167104);
        assert_eq!(man.birth_date(d(2024, 2, 14)), Some(d(1990, 8, 17)));
        // +40 on the day for women.
        let woman = Nik::parse("1671045708900003").unwrap();
        assert_eq!(woman.sex(), Sex::P);
        assert_eq!(woman.birth_date(d(2024, 2, 14)), Some(d(1990, 8, 17)));
    }

    #[test]
    fn two_digit_year_resolves_against_reference() {
        let young = Nik::parse("1671040101050001").unwrap();
        assert_eq!(young.birth_date(d(2024, 2, 14)), Some(d(2005, 1, 1)));
        let old = Nik::parse("1671040101600001").unwrap();
        assert_eq!(old.birth_date(d(2024, 2, 14)), Some(d(1960, 1, 1)));
    }

    #[test]
    fn rejects_spreadsheet_damage() {
        assert_eq!(Nik::parse("1.67101E+15"), Err(NikError::ScientificNotation));
        assert_eq!(Nik::parse("1,67104E+15"), Err(NikError::ScientificNotation));
        assert_eq!(
            Nik::parse("1671041708900003.0"),
            Err(NikError::ScientificNotation)
        );
        assert_eq!(Nik::parse("671041708900003"), Err(NikError::TooShort(15)));
        assert_eq!(Nik::parse("16710417089000031"), Err(NikError::TooLong(17)));
        assert_eq!(Nik::parse("16710417O8900003"), Err(NikError::NotDigits));
        assert_eq!(Nik::parse(""), Err(NikError::Empty));
        assert_eq!(Nik::parse("1671043213900003"), Err(NikError::BadDate));
        assert_eq!(Nik::parse("1671047102900003"), Err(NikError::BadDate));
        assert_eq!(Nik::parse("0000001708900003"), Err(NikError::BadRegion));
    }

    #[test]
    fn compose_round_trips_and_masks() {
        let n = Nik::compose(167104, d(1985, 12, 3), Sex::P, 42);
        assert_eq!(n.to_string(), "1671044312850042");
        assert_eq!(Nik::parse(&n.to_string()), Ok(n));
        assert_eq!(n.agrees_with(d(1985, 12, 3), Sex::P), (true, true));
        assert_eq!(n.agrees_with(d(1985, 12, 4), Sex::L), (false, false));
        assert_eq!(n.masked(), "1671********0042");
    }

    #[test]
    fn decoding_checks_like_parse() {
        let n = Nik::compose(167104, d(1985, 12, 3), Sex::P, 42);
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, "1671044312850042");
        assert_eq!(serde_json::from_str::<Nik>(&json).unwrap(), n);
        // Too short, too long, day 32, month 13: a forged or damaged value is refused.
        for bad in [
            "0",
            "167104431285004",
            "16710443128500420",
            "1671043212850042",
            "1671040313850042",
        ] {
            assert!(serde_json::from_str::<Nik>(bad).is_err(), "{bad}");
            assert!(Nik::parse(bad).is_err(), "{bad}");
        }
    }
}
