//! How findings about a person read: one kind of warning, and a summary of many.

use super::Lang;
use crate::domain::draft::{WarningCounts, WarningKind};
use crate::domain::phone::{PhoneError, LANDLINE_DIGITS, MOBILE_DIGITS};
use crate::domain::ElectionParams;

impl Lang {
    /// Why a phone number was refused.
    pub fn phone_error(self, e: &PhoneError) -> String {
        let (m, l) = (MOBILE_DIGITS, LANDLINE_DIGITS);
        match (self, e) {
            (Lang::Id, PhoneError::ScientificNotation) => "telepon dalam notasi ilmiah (rusak oleh spreadsheet); format kolom sebagai teks dan ekspor ulang".into(),
            (Lang::En, PhoneError::ScientificNotation) => "phone in scientific notation (damaged by a spreadsheet); format the column as text and export again".into(),
            (Lang::Id, PhoneError::BadCharacter(c)) => format!("telepon hanya boleh berisi angka, spasi, -, ., ( ) dan + di depan, bukan {c:?}"),
            (Lang::En, PhoneError::BadCharacter(c)) => format!("phone may hold digits, spaces, -, ., ( ) and a leading + only, not {c:?}"),
            (Lang::Id, PhoneError::NotIndonesian) => "telepon luar negeri; nomor Indonesia mulai dengan 0, 62 atau +62".into(),
            (Lang::En, PhoneError::NotIndonesian) => "a foreign phone number; Indonesian numbers start with 0, 62 or +62".into(),
            (Lang::Id, PhoneError::Ambiguous62) => "telepon mulai dengan 62 tanpa +: tulis +62… atau 0…".into(),
            (Lang::En, PhoneError::Ambiguous62) => "phone starts with 62 without +: write +62… or 0…".into(),
            (Lang::Id, PhoneError::BadStart) => "telepon harus mulai dengan 08, 0 + kode area, 62 atau +62".into(),
            (Lang::En, PhoneError::BadStart) => "phone must start with 08, 0 and an area code, 62 or +62".into(),
            (Lang::Id, PhoneError::TooShort(n)) => format!("telepon hanya {n} digit (HP {}–{}, telepon rumah {}–{})", m.start(), m.end(), l.start(), l.end()),
            (Lang::En, PhoneError::TooShort(n)) => format!("phone has only {n} digits (mobile {}–{}, landline {}–{})", m.start(), m.end(), l.start(), l.end()),
            (Lang::Id, PhoneError::TooLong(n)) => format!("telepon {n} digit, terlalu panjang (HP {}–{}, telepon rumah {}–{})", m.start(), m.end(), l.start(), l.end()),
            (Lang::En, PhoneError::TooLong(n)) => format!("phone has {n} digits, too many (mobile {}–{}, landline {}–{})", m.start(), m.end(), l.start(), l.end()),
        }
    }

    /// A phone number that lost its leading 0 and was stored with it.
    pub fn phone_zero_restored(self, given: &str, stored: &str) -> String {
        match self {
            Lang::Id => format!(
                "telepon {given} tanpa 0 di depan (spreadsheet?); disimpan sebagai {stored}"
            ),
            Lang::En => {
                format!("phone {given} lacks its leading 0 (a spreadsheet?); stored as {stored}")
            }
        }
    }

    /// One kind of warning, as a summary names it: `usia di atas 55`.
    pub fn warning_kind(self, kind: WarningKind, params: &ElectionParams) -> String {
        let max = params.preferred_max_age;
        match (self, kind) {
            (Lang::Id, WarningKind::OverPreferredAge) => format!("usia di atas {max}"),
            (Lang::En, WarningKind::OverPreferredAge) => format!("over {max}"),
            (Lang::Id, WarningKind::NikBirthDateMismatch) => {
                "NIK tidak cocok dengan tanggal lahir".into()
            }
            (Lang::En, WarningKind::NikBirthDateMismatch) => {
                "NIK disagrees with the birth date".into()
            }
            (Lang::Id, WarningKind::NikSexMismatch) => {
                "NIK tidak cocok dengan jenis kelamin".into()
            }
            (Lang::En, WarningKind::NikSexMismatch) => "NIK disagrees with the sex".into(),
            (Lang::Id, WarningKind::NikOutsideRegion) => "NIK dari luar wilayah".into(),
            (Lang::En, WarningKind::NikOutsideRegion) => "NIK issued outside the region".into(),
            (Lang::Id, WarningKind::PhoneLeadingZeroRestored) => {
                "telepon tanpa 0 di depan (ditambahkan)".into()
            }
            (Lang::En, WarningKind::PhoneLeadingZeroRestored) => {
                "phone without its leading 0 (added)".into()
            }
        }
    }

    /// `27.053 peringatan: 25.100 usia di atas 55, 1.953 NIK tidak cocok dengan tanggal
    /// lahir`, most frequent first; None without warnings.
    pub fn warning_summary(
        self,
        counts: &WarningCounts,
        params: &ElectionParams,
    ) -> Option<String> {
        let kinds = counts.by_count();
        if kinds.is_empty() {
            return None;
        }
        let parts: Vec<String> = kinds
            .into_iter()
            .map(|(k, n)| format!("{} {}", self.num(n as u64), self.warning_kind(k, params)))
            .collect();
        Some(format!(
            "{} {}: {}",
            self.num(counts.total() as u64),
            self.t("peringatan", "warnings"),
            parts.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_count_each_kind() {
        let params = ElectionParams::default();
        let mut c = WarningCounts::default();
        assert_eq!(Lang::Id.warning_summary(&c, &params), None);
        for _ in 0..25_100 {
            c.add(WarningKind::OverPreferredAge);
        }
        for _ in 0..1_953 {
            c.add(WarningKind::NikBirthDateMismatch);
        }
        assert_eq!(
            Lang::Id.warning_summary(&c, &params).unwrap(),
            "27.053 peringatan: 25.100 usia di atas 55, 1.953 NIK tidak cocok dengan tanggal lahir"
        );
        assert_eq!(
            Lang::En.warning_summary(&c, &params).unwrap(),
            "27,053 warnings: 25,100 over 55, 1,953 NIK disagrees with the birth date"
        );
        for k in WarningKind::ALL {
            assert_ne!(
                Lang::Id.warning_kind(k, &params),
                Lang::En.warning_kind(k, &params)
            );
        }
    }
}
