//! How issues about a person's fields read, on every road in (file, command line, form), and
//! summaries of many warnings.

use super::{safe, Lang};
use crate::domain::draft::{FieldIssue, PersonField, Problem, WarningCounts, WarningKind};
use crate::domain::phone::{PhoneError, LANDLINE_DIGITS, MOBILE_DIGITS};
use crate::domain::{ElectionParams, NikError};
use crate::text::tr;

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
        let lengths = tr!(
            self,
            "HP {}–{} digit, telepon rumah {}–{}",
            "mobile {}–{} digits, landline {}–{}",
            m.start(),
            m.end(),
            l.start(),
            l.end()
        );
        match e {
            PhoneError::ScientificNotation => self
                .t(
                    "dalam notasi ilmiah (rusak oleh spreadsheet); format kolom sebagai teks dan \
                    ekspor ulang",
                    "in scientific notation (damaged by a spreadsheet); format the column as text \
                    and export again",
                )
                .into(),
            PhoneError::BadCharacter(c) => tr!(
                self,
                "hanya boleh angka, spasi, - . ( ) dan + di depan: {}",
                "may hold only digits, spaces, - . ( ) and a leading +: {}",
                safe(&format!("{c:?}"))
            ),
            PhoneError::NotIndonesian => self
                .t(
                    "bukan nomor Indonesia (+62)",
                    "is not an Indonesian number (+62)",
                )
                .into(),
            PhoneError::Ambiguous62 => self
                .t(
                    "mulai dengan 62 tanpa +: tulis +62… atau 0…",
                    "starts with 62 without +: write +62… or 0…",
                )
                .into(),
            PhoneError::BadStart => self
                .t(
                    "harus mulai dengan 08, 0 dan kode area, 62 8 atau +62",
                    "must start with 08, 0 and an area code, 62 8 or +62",
                )
                .into(),
            PhoneError::TooShort(n) => tr!(
                self,
                "hanya {n} digit ({lengths})",
                "has only {n} digits ({lengths})"
            ),
            PhoneError::TooLong(n) => tr!(
                self,
                "terlalu panjang: {n} digit ({lengths})",
                "is too long: {n} digits ({lengths})"
            ),
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
        match &issue.problem {
            Problem::Empty => tr!(self, "{name} kosong", "{name} is empty"),
            Problem::Text(p) => format!("{name} {}", self.text_problem(p)),
            Problem::Nik(e) => sentence(self.nik_error(e)),
            Problem::Finding(f) => sentence(self.finding(f)),
            Problem::BadDate(v) => tr!(
                self,
                "{name} tidak dikenali: {v:?} (pakai YYYY-MM-DD atau DD/MM/YYYY)",
                "unrecognised {name} {v:?} (use YYYY-MM-DD or DD/MM/YYYY)"
            ),
            Problem::BadSex(v) => tr!(
                self,
                "{name} harus L atau P: {v:?}",
                "{name} must be L or P: {v:?}"
            ),
            Problem::BadScreening(v) => tr!(
                self,
                "{name} harus \"tidak berisiko\", \"berisiko\" atau \"belum\": {v:?}",
                "{name} must be \"tidak berisiko\", \"berisiko\" or \"belum\": {v:?}"
            ),
            Problem::BadJkn(v) => tr!(
                self,
                "{name} harus \"ya\" atau \"tidak\": {v:?}",
                "{name} must be \"ya\" or \"tidak\": {v:?}"
            ),
            Problem::Phone(e) => format!("{name} {}", self.phone_problem(e)),
            Problem::PhoneZeroRestored { given, stored } => tr!(
                self,
                "{name} {} tanpa 0 di depan (spreadsheet?); disimpan sebagai {}",
                "{name} {} lacks its leading 0 (a spreadsheet?); stored as {}",
                safe(given),
                safe(stored)
            ),
        }
    }

    /// [`Lang::field_issue`] short enough to sit beside a form field at 80 columns, without
    /// the field's name (the form shows its label).
    pub fn field_issue_short(self, issue: &FieldIssue) -> String {
        match &issue.problem {
            Problem::Empty => match issue.field {
                PersonField::JenisKelamin => self.t("pilih L/P (Spasi)", "choose M/F (Space)"),
                PersonField::TanggalLahir => self.t("tanggal: HH-BB-TTTT", "date: DD-MM-YYYY"),
                _ => self.t("wajib diisi", "required"),
            }
            .into(),
            Problem::BadDate(_) => self.t("tanggal: HH-BB-TTTT", "date: DD-MM-YYYY").into(),
            Problem::Text(p) => self.text_problem_short(p),
            Problem::Nik(NikError::TooShort(n)) if *n > 0 => {
                format!("{n}/16 {}", self.t("digit", "digits"))
            }
            Problem::Nik(e) => self.nik_error(e),
            Problem::Finding(f) => self.finding(f),
            Problem::BadSex(_) => self.t("pilih L/P (Spasi)", "choose M/F (Space)").into(),
            Problem::BadScreening(_) => self
                .t(
                    "tidak berisiko / berisiko / belum",
                    "not at risk / at risk / not screened",
                )
                .into(),
            Problem::BadJkn(_) => self.t("ya / tidak", "yes / no").into(),
            Problem::Phone(PhoneError::TooShort(n)) => {
                tr!(self, "{n} digit, kurang", "{n} digits, too few")
            }
            Problem::Phone(PhoneError::TooLong(n)) => {
                tr!(self, "{n} digit, terlalu banyak", "{n} digits, too many")
            }
            Problem::Phone(PhoneError::BadStart) => self
                .t(
                    "mulai 08, 0 + kode area, +62",
                    "start 08, 0 + area code, +62",
                )
                .into(),
            Problem::Phone(e) => self.phone_problem(e),
            Problem::PhoneZeroRestored { stored, .. } => tr!(
                self,
                "0 di depan ditambahkan: {}",
                "leading 0 added: {}",
                safe(stored)
            ),
        }
    }

    /// One kind of warning, as a summary names it: `usia di atas 55`.
    pub fn warning_kind(self, kind: WarningKind, params: &ElectionParams) -> String {
        let max = params.preferred_max_age;
        match kind {
            WarningKind::OverPreferredAge => tr!(self, "usia di atas {max}", "over {max}"),
            WarningKind::NikBirthDateMismatch => self
                .t(
                    "NIK tidak cocok dengan tanggal lahir",
                    "NIK disagrees with the birth date",
                )
                .into(),
            WarningKind::NikSexMismatch => self
                .t(
                    "NIK tidak cocok dengan jenis kelamin",
                    "NIK disagrees with the sex",
                )
                .into(),
            WarningKind::NikOutsideRegion => self
                .t("NIK dari luar wilayah", "NIK issued outside the region")
                .into(),
            WarningKind::PhoneLeadingZeroRestored => self
                .t(
                    "telepon tanpa 0 di depan (ditambahkan)",
                    "phone without its leading 0 (added)",
                )
                .into(),
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
