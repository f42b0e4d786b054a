//! How findings about a person read: one kind of warning, and a summary of many.

use super::Lang;
use crate::domain::draft::{WarningCounts, WarningKind};
use crate::domain::ElectionParams;

impl Lang {
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
