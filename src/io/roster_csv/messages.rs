//! Why a row is refused or flagged, in Bahasa Indonesia first and English second.

use super::{STATUS_ABSENT, STATUS_PRESENT};
use crate::domain::draft::FieldIssue;
use crate::io::ReadProblem;
use crate::text::tr;
use crate::text::{Label, Lang};

/// One reason a row is refused or flagged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Msg {
    MissingColumn(&'static str),
    /// The file or a line could not be read as CSV.
    Read(ReadProblem),
    Store(String),
    Empty(&'static str),
    BadCode(String),
    UnknownKelurahan(String),
    BadNumber(&'static str, String),
    UnknownTps(String, u16),
    UnknownSeat(u8, u8),
    ZeroRank,
    BadStatus(String),
    /// A person field's error or warning, from `PersonDraft::validate`.
    Person(FieldIssue),
    /// First line with this NIK.
    DuplicateNik(u64),
    /// TPS address, seat, first line.
    DuplicateSeat(String, u8, u64),
    SeatFilled(String, u8),
    /// Kelurahan code, rank, first line.
    DuplicateRank(String, u32, u64),
    RankTaken(String, u32),
    NikAtSeat(String, u8),
    NikAtReserve(String, u32),
}

impl Msg {
    pub(super) fn from_csv(e: &csv::Error) -> Msg {
        Msg::Read(ReadProblem::from_csv(e))
    }

    pub(super) fn text(&self, lang: Lang) -> String {
        match self {
            Msg::MissingColumn(c) => tr!(
                lang,
                "kolom {c} tidak ada di baris judul",
                "missing column {c} in the header"
            ),
            Msg::Read(p) => p.text(lang),
            Msg::Store(e) => tr!(lang, "gagal menyimpan: {e}", "could not save: {e}"),
            Msg::Empty(c) => tr!(lang, "{c} kosong", "{c} is empty"),
            Msg::BadCode(v) => tr!(
                lang,
                "kode kelurahan tidak valid: {v:?}",
                "malformed kelurahan code {v:?}"
            ),
            Msg::UnknownKelurahan(c) => tr!(
                lang,
                "kelurahan {c} tidak ada di wilayah ini",
                "kelurahan {c} is not in this region"
            ),
            Msg::BadNumber(c, v) => tr!(
                lang,
                "{c} harus bilangan bulat: {v:?}",
                "{c} must be a whole number: {v:?}"
            ),
            Msg::UnknownTps(c, n) => tr!(
                lang,
                "TPS {n} tidak ada di kelurahan {c}",
                "kelurahan {c} has no TPS {n}"
            ),
            Msg::UnknownSeat(s, max) => tr!(
                lang,
                "KPPS {s} tidak ada (1 sampai {max})",
                "no KPPS seat {s} (1 to {max})"
            ),
            Msg::ZeroRank => lang
                .t("peringkat mulai dari 1", "peringkat starts at 1")
                .into(),
            Msg::BadStatus(v) => tr!(
                lang,
                "status harus \"{STATUS_PRESENT}\" atau \"{STATUS_ABSENT}\": {v:?}",
                "status must be \"{STATUS_PRESENT}\" or \"{STATUS_ABSENT}\": {v:?}"
            ),
            Msg::Person(issue) => lang.field_issue(issue, Label::Column),
            Msg::DuplicateNik(first) => tr!(
                lang,
                "NIK sama dengan baris {first}",
                "same NIK as line {first}"
            ),
            Msg::DuplicateSeat(a, s, first) => tr!(
                lang,
                "KPPS {s} TPS {a} sudah diisi di baris {first}",
                "KPPS seat {s} of TPS {a} already given on line {first}"
            ),
            Msg::SeatFilled(a, s) => tr!(
                lang,
                "KPPS {s} TPS {a} sudah terisi; pakai --replace untuk mengganti seluruh kelurahan",
                "KPPS seat {s} of TPS {a} is already filled; use --replace to replace the whole \
                kelurahan"
            ),
            Msg::DuplicateRank(c, r, first) => tr!(
                lang,
                "peringkat {r} kelurahan {c} sudah ada di baris {first}",
                "rank {r} of kelurahan {c} already given on line {first}"
            ),
            Msg::RankTaken(c, r) => tr!(
                lang,
                "peringkat {r} sudah ada di daftar cadangan kelurahan {c}; pakai --replace untuk \
                mengganti daftarnya",
                "rank {r} is already on the reserve list of kelurahan {c}; use --replace to \
                replace the list"
            ),
            Msg::NikAtSeat(a, s) => tr!(
                lang,
                "NIK sudah terdaftar sebagai KPPS {s} TPS {a}",
                "NIK already holds KPPS seat {s} of TPS {a}"
            ),
            Msg::NikAtReserve(c, r) => tr!(
                lang,
                "NIK sudah ada di daftar cadangan kelurahan {c} (peringkat {r})",
                "NIK is already on the reserve list of kelurahan {c} (rank {r})"
            ),
        }
    }
}
