//! Why a row is refused or flagged, in Bahasa Indonesia first and English second.

use super::{STATUS_ABSENT, STATUS_PRESENT};
use crate::domain::draft::FieldIssue;
use crate::text::{Label, Lang};

/// One reason a row is refused or flagged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Msg {
    MissingColumn(&'static str),
    Io(String),
    Limit(crate::io::lines::InputLimit),
    NotUtf8,
    Csv(String),
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
        match e.kind() {
            csv::ErrorKind::Utf8 { .. } => Msg::NotUtf8,
            csv::ErrorKind::Io(io) => match crate::io::lines::InputLimit::of(e) {
                Some(limit) => Msg::Limit(limit),
                None => Msg::Io(io.to_string()),
            },
            _ => Msg::Csv(e.to_string()),
        }
    }

    pub(super) fn text(&self, lang: Lang) -> String {
        let id = lang == Lang::Id;
        match self {
            Msg::MissingColumn(c) if id => format!("kolom {c} tidak ada di baris judul"),
            Msg::MissingColumn(c) => format!("missing column {c} in the header"),
            Msg::Io(e) if id => format!("berkas tidak bisa dibaca: {e}"),
            Msg::Io(e) => format!("cannot read the file: {e}"),
            Msg::Limit(limit) => limit.text(lang),
            Msg::NotUtf8 if id => "baris bukan UTF-8; simpan berkas sebagai \"CSV UTF-8\"".into(),
            Msg::NotUtf8 => "line is not UTF-8; save the file as \"CSV UTF-8\"".into(),
            Msg::Csv(e) if id => format!("CSV rusak: {e}"),
            Msg::Csv(e) => format!("malformed CSV: {e}"),
            Msg::Store(e) if id => format!("gagal menyimpan: {e}"),
            Msg::Store(e) => format!("could not save: {e}"),
            Msg::Empty(c) if id => format!("{c} kosong"),
            Msg::Empty(c) => format!("{c} is empty"),
            Msg::BadCode(v) if id => format!("kode kelurahan tidak valid: {v:?}"),
            Msg::BadCode(v) => format!("malformed kelurahan code {v:?}"),
            Msg::UnknownKelurahan(c) if id => format!("kelurahan {c} tidak ada di wilayah ini"),
            Msg::UnknownKelurahan(c) => format!("kelurahan {c} is not in this region"),
            Msg::BadNumber(c, v) if id => format!("{c} harus bilangan bulat: {v:?}"),
            Msg::BadNumber(c, v) => format!("{c} must be a whole number: {v:?}"),
            Msg::UnknownTps(c, n) if id => format!("TPS {n} tidak ada di kelurahan {c}"),
            Msg::UnknownTps(c, n) => format!("kelurahan {c} has no TPS {n}"),
            Msg::UnknownSeat(s, max) if id => format!("KPPS {s} tidak ada (1 sampai {max})"),
            Msg::UnknownSeat(s, max) => format!("no KPPS seat {s} (1 to {max})"),
            Msg::ZeroRank if id => "peringkat mulai dari 1".into(),
            Msg::ZeroRank => "peringkat starts at 1".into(),
            Msg::BadStatus(v) if id => {
                format!("status harus \"{STATUS_PRESENT}\" atau \"{STATUS_ABSENT}\": {v:?}")
            }
            Msg::BadStatus(v) => {
                format!("status must be \"{STATUS_PRESENT}\" or \"{STATUS_ABSENT}\": {v:?}")
            }
            Msg::Person(issue) => lang.field_issue(issue, Label::Column),
            Msg::DuplicateNik(first) if id => format!("NIK sama dengan baris {first}"),
            Msg::DuplicateNik(first) => format!("same NIK as line {first}"),
            Msg::DuplicateSeat(a, s, first) if id => {
                format!("KPPS {s} TPS {a} sudah diisi di baris {first}")
            }
            Msg::DuplicateSeat(a, s, first) => {
                format!("KPPS seat {s} of TPS {a} already given on line {first}")
            }
            Msg::SeatFilled(a, s) if id => {
                format!("KPPS {s} TPS {a} sudah terisi; pakai --replace untuk mengganti seluruh kelurahan")
            }
            Msg::SeatFilled(a, s) => {
                format!("KPPS seat {s} of TPS {a} is already filled; use --replace to replace the whole kelurahan")
            }
            Msg::DuplicateRank(c, r, first) if id => {
                format!("peringkat {r} kelurahan {c} sudah ada di baris {first}")
            }
            Msg::DuplicateRank(c, r, first) => {
                format!("rank {r} of kelurahan {c} already given on line {first}")
            }
            Msg::RankTaken(c, r) if id => {
                format!("peringkat {r} sudah ada di daftar cadangan kelurahan {c}; pakai --replace untuk mengganti daftarnya")
            }
            Msg::RankTaken(c, r) => {
                format!("rank {r} is already on the reserve list of kelurahan {c}; use --replace to replace the list")
            }
            Msg::NikAtSeat(a, s) if id => format!("NIK sudah terdaftar sebagai KPPS {s} TPS {a}"),
            Msg::NikAtSeat(a, s) => format!("NIK already holds KPPS seat {s} of TPS {a}"),
            Msg::NikAtReserve(c, r) if id => {
                format!("NIK sudah ada di daftar cadangan kelurahan {c} (peringkat {r})")
            }
            Msg::NikAtReserve(c, r) => {
                format!("NIK is already on the reserve list of kelurahan {c} (rank {r})")
            }
        }
    }
}
