//! How issues about a person's fields read, on every road in (file, command line, form), and
//! summaries of many warnings.

use super::{safe, Lang};
use crate::domain::draft::{FieldIssue, PersonField, Problem, WarningCounts, WarningKind};
use crate::domain::phone::{PhoneError, LANDLINE_DIGITS, MOBILE_DIGITS};
use crate::domain::{ElectionParams, NikError};

/// How a message names the field it is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    /// As a roster or reserve file's column: `tanggal_lahir`.
    Column,
    /// As `kpps fill`'s flag: `--tanggal-lahir`.
    Flag,
}

impl Lang {
    /// Why a phone number was refused, without the field's name (`dalam notasi ilmiah …`).
    pub fn phone_problem(self, e: &PhoneError) -> String {
        let (m, l) = (MOBILE_DIGITS, LANDLINE_DIGITS);
        let lengths = match self {
            Lang::Id => format!(
                "HP {}–{} digit, telepon rumah {}–{}",
                m.start(),
                m.end(),
                l.start(),
                l.end()
            ),
            Lang::En => format!(
                "mobile {}–{} digits, landline {}–{}",
                m.start(),
                m.end(),
                l.start(),
                l.end()
            ),
        };
        match (self, e) {
            (Lang::Id, PhoneError::ScientificNotation) => "dalam notasi ilmiah (rusak oleh spreadsheet); format kolom sebagai teks dan ekspor ulang".into(),
            (Lang::En, PhoneError::ScientificNotation) => "in scientific notation (damaged by a spreadsheet); format the column as text and export again".into(),
            (Lang::Id, PhoneError::BadCharacter(c)) => format!("hanya boleh angka, spasi, - . ( ) dan + di depan: {}", safe(&format!("{c:?}"))),
            (Lang::En, PhoneError::BadCharacter(c)) => format!("may hold only digits, spaces, - . ( ) and a leading +: {}", safe(&format!("{c:?}"))),
            (Lang::Id, PhoneError::NotIndonesian) => "bukan nomor Indonesia (+62)".into(),
            (Lang::En, PhoneError::NotIndonesian) => "is not an Indonesian number (+62)".into(),
            (Lang::Id, PhoneError::Ambiguous62) => "mulai dengan 62 tanpa +: tulis +62… atau 0…".into(),
            (Lang::En, PhoneError::Ambiguous62) => "starts with 62 without +: write +62… or 0…".into(),
            (Lang::Id, PhoneError::BadStart) => "harus mulai dengan 08, 0 dan kode area, 62 8 atau +62".into(),
            (Lang::En, PhoneError::BadStart) => "must start with 08, 0 and an area code, 62 8 or +62".into(),
            (Lang::Id, PhoneError::TooShort(n)) => format!("hanya {n} digit ({lengths})"),
            (Lang::En, PhoneError::TooShort(n)) => format!("has only {n} digits ({lengths})"),
            (Lang::Id, PhoneError::TooLong(n)) => format!("terlalu panjang: {n} digit ({lengths})"),
            (Lang::En, PhoneError::TooLong(n)) => format!("is too long: {n} digits ({lengths})"),
        }
    }

    /// One issue about a person's field, naming the field as a file's column
    /// (`tanggal_lahir tidak dikenali: …`) or a command-line flag (`--tanggal-lahir …`). The
    /// importer and `kpps fill` say the same thing about the same value.
    pub fn field_issue(self, issue: &FieldIssue, label: Label) -> String {
        let name = match label {
            Label::Column => issue.field.column(),
            Label::Flag => issue.field.flag(),
        };
        // NIK errors and eligibility findings are whole sentences; a flag still says whose.
        let sentence = |text: String| match label {
            Label::Column => text,
            Label::Flag => format!("{name}: {text}"),
        };
        match (self, &issue.problem) {
            (Lang::Id, Problem::Empty) => format!("{name} kosong"),
            (Lang::En, Problem::Empty) => format!("{name} is empty"),
            (_, Problem::Text(p)) => format!("{name} {}", self.text_problem(p)),
            (_, Problem::Nik(e)) => sentence(self.nik_error(e)),
            (_, Problem::Finding(f)) => sentence(self.finding(f)),
            (Lang::Id, Problem::BadDate(v)) => {
                format!("{name} tidak dikenali: {v:?} (pakai YYYY-MM-DD atau DD/MM/YYYY)")
            }
            (Lang::En, Problem::BadDate(v)) => {
                format!("unrecognised {name} {v:?} (use YYYY-MM-DD or DD/MM/YYYY)")
            }
            (Lang::Id, Problem::BadSex(v)) => format!("{name} harus L atau P: {v:?}"),
            (Lang::En, Problem::BadSex(v)) => format!("{name} must be L or P: {v:?}"),
            (Lang::Id, Problem::BadScreening(v)) => {
                format!("{name} harus \"tidak berisiko\", \"berisiko\" atau \"belum\": {v:?}")
            }
            (Lang::En, Problem::BadScreening(v)) => {
                format!("{name} must be \"tidak berisiko\", \"berisiko\" or \"belum\": {v:?}")
            }
            (Lang::Id, Problem::BadJkn(v)) => format!("{name} harus \"ya\" atau \"tidak\": {v:?}"),
            (Lang::En, Problem::BadJkn(v)) => format!("{name} must be \"ya\" or \"tidak\": {v:?}"),
            (_, Problem::Phone(e)) => format!("{name} {}", self.phone_problem(e)),
            (Lang::Id, Problem::PhoneZeroRestored { given, stored }) => format!(
                "{name} {} tanpa 0 di depan (spreadsheet?); disimpan sebagai {}",
                safe(given),
                safe(stored)
            ),
            (Lang::En, Problem::PhoneZeroRestored { given, stored }) => format!(
                "{name} {} lacks its leading 0 (a spreadsheet?); stored as {}",
                safe(given),
                safe(stored)
            ),
        }
    }

    /// [`Lang::field_issue`] short enough to sit beside a form field at 80 columns, without
    /// the field's name (the form shows its label).
    pub fn field_issue_short(self, issue: &FieldIssue) -> String {
        match (self, &issue.problem) {
            (_, Problem::Empty) => match issue.field {
                PersonField::JenisKelamin => self.t("pilih L/P (Spasi)", "choose M/F (Space)"),
                PersonField::TanggalLahir => self.t("tanggal: HH-BB-TTTT", "date: DD-MM-YYYY"),
                _ => self.t("wajib diisi", "required"),
            }
            .into(),
            (_, Problem::BadDate(_)) => self.t("tanggal: HH-BB-TTTT", "date: DD-MM-YYYY").into(),
            (_, Problem::Text(p)) => self.text_problem_short(p),
            (_, Problem::Nik(NikError::TooShort(n))) if *n > 0 => {
                format!("{n}/16 {}", self.t("digit", "digits"))
            }
            (_, Problem::Nik(e)) => self.nik_error(e),
            (_, Problem::Finding(f)) => self.finding(f),
            (_, Problem::BadSex(_)) => self.t("pilih L/P (Spasi)", "choose M/F (Space)").into(),
            (_, Problem::BadScreening(_)) => self
                .t(
                    "tidak berisiko / berisiko / belum",
                    "not at risk / at risk / not screened",
                )
                .into(),
            (_, Problem::BadJkn(_)) => self.t("ya / tidak", "yes / no").into(),
            (Lang::Id, Problem::Phone(PhoneError::TooShort(n))) => format!("{n} digit, kurang"),
            (Lang::En, Problem::Phone(PhoneError::TooShort(n))) => format!("{n} digits, too few"),
            (Lang::Id, Problem::Phone(PhoneError::TooLong(n))) => {
                format!("{n} digit, terlalu banyak")
            }
            (Lang::En, Problem::Phone(PhoneError::TooLong(n))) => format!("{n} digits, too many"),
            (_, Problem::Phone(PhoneError::BadStart)) => self
                .t(
                    "mulai 08, 0 + kode area, +62",
                    "start 08, 0 + area code, +62",
                )
                .into(),
            (_, Problem::Phone(e)) => self.phone_problem(e),
            (Lang::Id, Problem::PhoneZeroRestored { stored, .. }) => {
                format!("0 di depan ditambahkan: {}", safe(stored))
            }
            (Lang::En, Problem::PhoneZeroRestored { stored, .. }) => {
                format!("leading 0 added: {}", safe(stored))
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
