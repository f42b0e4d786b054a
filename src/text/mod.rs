//! Every user-visible string, Bahasa Indonesia first and English second, and the
//! language-aware number formatting. Code, comments and docs stay in English.

pub mod clock;
mod events;
mod strings;

pub use events::wib;

pub use strings::Strings;

use crate::domain::{Finding, HealthFlag, NikError, Screening, Sex, VacateReason};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// Bahasa Indonesia.
    #[default]
    Id,
    /// English.
    En,
}

impl Lang {
    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::Id => &strings::ID,
            Lang::En => &strings::EN,
        }
    }

    /// Picks the string for this language: `lang.t("Kosong", "Vacant")`.
    pub fn t(self, id: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Id => id,
            Lang::En => en,
        }
    }

    /// Thousands separators: `33.439` in Indonesian, `33,439` in English.
    pub fn num(self, n: impl Into<u64>) -> String {
        let digits = n.into().to_string();
        let sep = match self {
            Lang::Id => '.',
            Lang::En => ',',
        };
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(sep);
            }
            out.push(c);
        }
        out
    }

    pub fn nik_error(self, e: &NikError) -> String {
        match (self, e) {
            (Lang::Id, NikError::Empty) => "NIK kosong".into(),
            (Lang::En, NikError::Empty) => "NIK is empty".into(),
            (Lang::Id, NikError::ScientificNotation) => {
                "NIK dalam notasi ilmiah (rusak oleh spreadsheet); format kolom sebagai teks dan ekspor ulang".into()
            }
            (Lang::En, NikError::ScientificNotation) => {
                "NIK in scientific notation (damaged by a spreadsheet); format the column as text and export again"
                    .into()
            }
            (Lang::Id, NikError::TooShort(n)) => format!("NIK hanya {n} digit, harus 16 (digit depan hilang?)"),
            (Lang::En, NikError::TooShort(n)) => format!("NIK has {n} digits, needs 16 (leading digits lost?)"),
            (Lang::Id, NikError::TooLong(n)) => format!("NIK {n} digit, harus 16"),
            (Lang::En, NikError::TooLong(n)) => format!("NIK has {n} digits, needs 16"),
            (Lang::Id, NikError::NotDigits) => "NIK hanya boleh berisi angka".into(),
            (Lang::En, NikError::NotDigits) => "NIK must contain digits only".into(),
            (Lang::Id, NikError::BadDate) => "tanggal lahir dalam NIK tidak valid".into(),
            (Lang::En, NikError::BadDate) => "birth date encoded in the NIK is not a valid date".into(),
            (Lang::Id, NikError::BadRegion) => "kode wilayah NIK tidak valid".into(),
            (Lang::En, NikError::BadRegion) => "NIK region code is not valid".into(),
        }
    }

    pub fn finding(self, f: &Finding) -> String {
        match (self, f) {
            (Lang::Id, Finding::UnderAge { age, min }) => {
                format!("usia {age} pada hari pemungutan suara, minimal {min}")
            }
            (Lang::En, Finding::UnderAge { age, min }) => {
                format!("aged {age} on voting day, minimum is {min}")
            }
            (Lang::Id, Finding::OverPreferredAge { age, max }) => {
                format!("usia {age}, di atas {max} yang dianjurkan")
            }
            (Lang::En, Finding::OverPreferredAge { age, max }) => {
                format!("aged {age}, over the preferred {max}")
            }
            (Lang::Id, Finding::NikBirthDateMismatch) => "tanggal lahir tidak sesuai NIK".into(),
            (Lang::En, Finding::NikBirthDateMismatch) => "birth date disagrees with the NIK".into(),
            (Lang::Id, Finding::NikSexMismatch) => "jenis kelamin tidak sesuai NIK".into(),
            (Lang::En, Finding::NikSexMismatch) => "sex disagrees with the NIK".into(),
            (Lang::Id, Finding::NikOutsideRegion { region }) => {
                format!("NIK diterbitkan di luar wilayah ({region})")
            }
            (Lang::En, Finding::NikOutsideRegion { region }) => {
                format!("NIK issued outside the region ({region})")
            }
        }
    }

    pub fn health_flag(self, f: HealthFlag) -> &'static str {
        match f {
            HealthFlag::AtRisk => self.t("berisiko", "at risk"),
            HealthFlag::NotScreened => self.t("belum skrining", "not screened"),
            HealthFlag::NoJkn => self.t("tanpa JKN", "no JKN"),
        }
    }

    pub fn screening(self, s: Screening) -> &'static str {
        match s {
            Screening::NotAtRisk => self.t("tidak berisiko", "not at risk"),
            Screening::AtRisk => self.t("berisiko", "at risk"),
            Screening::NotScreened => self.t("belum skrining", "not screened"),
        }
    }

    pub fn sex(self, s: Sex) -> &'static str {
        match s {
            Sex::L => self.t("L", "M"),
            Sex::P => self.t("P", "F"),
        }
    }

    pub fn vacate_reason(self, r: VacateReason) -> &'static str {
        match r {
            VacateReason::Died => self.t("meninggal dunia", "died"),
            VacateReason::PermanentlyUnable => self.t("berhalangan tetap", "permanently unable"),
            VacateReason::Resigned => self.t("mengundurkan diri", "resigned"),
            VacateReason::Dismissed => self.t("diberhentikan", "dismissed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_language() {
        assert_eq!(Lang::Id.num(33_439u32), "33.439");
        assert_eq!(Lang::En.num(33_439u32), "33,439");
        assert_eq!(Lang::En.num(5_741_127u32), "5,741,127");
        assert_eq!(Lang::Id.num(999u32), "999");
        assert_eq!(Lang::Id.num(0u32), "0");
    }
}
