//! Commands (what someone asks for) and events (what happened). Every change to the data is
//! a `Command` decided against the `Roster` into an `Event`, which the store makes durable
//! and the roster then applies. Events carry everything needed to replay them.

use serde::{Deserialize, Serialize};

use super::person::{Finding, HealthFlag, Person};
use super::region::{KelurahanId, TpsId};
use super::Nik;

/// Grounds for leaving a seat (PKPU 8/2022 art. 43).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VacateReason {
    /// Meninggal dunia.
    Died,
    /// Berhalangan tetap.
    PermanentlyUnable,
    /// Mengundurkan diri.
    Resigned,
    /// Diberhentikan.
    Dismissed,
}

impl VacateReason {
    pub const ALL: [VacateReason; 4] = [
        VacateReason::Died,
        VacateReason::PermanentlyUnable,
        VacateReason::Resigned,
        VacateReason::Dismissed,
    ];

    /// Stable machine name used on the command line and in exports.
    pub fn code(self) -> &'static str {
        match self {
            VacateReason::Died => "meninggal",
            VacateReason::PermanentlyUnable => "berhalangan-tetap",
            VacateReason::Resigned => "mengundurkan-diri",
            VacateReason::Dismissed => "diberhentikan",
        }
    }

    pub fn from_code(s: &str) -> Option<VacateReason> {
        VacateReason::ALL.into_iter().find(|r| r.code() == s)
    }
}

/// Where a seat's new holder came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    Import,
    /// The kelurahan's ranked reserve list (possibly another kelurahan of the kecamatan);
    /// `tps` is the TPS the reserve was tied to, so an undo can put them back as they were.
    Reserve {
        kelurahan: KelurahanId,
        rank: u32,
        tps: Option<TpsId>,
    },
    /// Direct appointment, with the berita acara number.
    Direct {
        berita_acara: Option<String>,
    },
}

/// A reserve (calon pengganti) on a kelurahan's ranked list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reserve {
    pub rank: u32,
    pub person: Person,
    /// Tied to one TPS of the kelurahan, if the list says so.
    pub tps: Option<TpsId>,
}

/// One seat assignment inside an import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatAssignment {
    pub tps: TpsId,
    pub seat: u8,
    pub person: Person,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    SeatFilled {
        tps: TpsId,
        seat: u8,
        person: Person,
        source: Source,
    },
    /// `person` is who left: history keeps them.
    SeatVacated {
        tps: TpsId,
        seat: u8,
        reason: VacateReason,
        person: Person,
    },
    /// Berhalangan sementara (absent today) or back again.
    AbsenceMarked { tps: TpsId, seat: u8, absent: bool },
    /// A sitting member becomes Ketua: they move to seat 1, their old seat becomes empty.
    KetuaDesignated {
        tps: TpsId,
        from_seat: u8,
        person: Person,
    },
    /// Seats assigned by a roster file. `cleared` kelurahan had their roster emptied first
    /// (`--replace`); a large file is recorded as several batches.
    RosterImported {
        file: String,
        cleared: Vec<KelurahanId>,
        seats: Vec<SeatAssignment>,
    },
    ReservesImported {
        file: String,
        cleared: Vec<KelurahanId>,
        reserves: Vec<(KelurahanId, Reserve)>,
    },
    /// A compensating event: reverses the change logged as `seq` (which is kept in history).
    Undone { seq: u64, event: Box<Event> },
    /// Seats assigned by a roster file, as one event whatever its size (so an import is all
    /// or nothing). `absent` holds the positions in `seats` of officers the file marks
    /// berhalangan sementara. Logs written before the file had a status column hold
    /// `RosterImported` instead.
    RosterFileImported {
        file: String,
        cleared: Vec<KelurahanId>,
        seats: Vec<SeatAssignment>,
        absent: Vec<u32>,
    },
}

impl Event {
    /// The TPS this event concerns, for per-TPS history (imports concern many).
    pub fn tps(&self) -> Option<TpsId> {
        match self {
            Event::SeatFilled { tps, .. }
            | Event::SeatVacated { tps, .. }
            | Event::AbsenceMarked { tps, .. }
            | Event::KetuaDesignated { tps, .. } => Some(*tps),
            Event::Undone { event, .. } => event.tps(),
            Event::RosterImported { .. }
            | Event::ReservesImported { .. }
            | Event::RosterFileImported { .. } => None,
        }
    }
}

/// What the entries recording a generated demo roster in a demo store's journal give as
/// their `file` (`Store::create`): `demo (seed 2024): Kota Palembang`, one pair of entries
/// (seats, then reserves) per kabupaten/kota. Not a file name: the log describes such an
/// entry as generated demo data (`parse_demo_label`).
pub fn demo_label(seed: u64, area: &str) -> String {
    format!("{DEMO_LABEL}{seed}): {area}")
}

const DEMO_LABEL: &str = "demo (seed ";

/// The seed and area of a `demo_label`, if `file` is one. An imported file would have to be
/// named exactly so to pass for one.
pub fn parse_demo_label(file: &str) -> Option<(u64, &str)> {
    let (seed, area) = file.strip_prefix(DEMO_LABEL)?.split_once("): ")?;
    Some((seed.parse().ok()?, area))
}

/// A request to change the data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    Vacate {
        tps: TpsId,
        seat: u8,
        reason: VacateReason,
    },
    MarkAbsent {
        tps: TpsId,
        seat: u8,
        absent: bool,
    },
    FillFromReserve {
        tps: TpsId,
        seat: u8,
        kelurahan: KelurahanId,
        rank: u32,
    },
    FillDirect {
        tps: TpsId,
        seat: u8,
        person: Person,
        berita_acara: Option<String>,
    },
    DesignateKetua {
        tps: TpsId,
        from_seat: u8,
    },
    /// Reverse the change logged as `seq` (the UI offers this for its own last change).
    Undo {
        seq: u64,
        event: Event,
    },
    /// A whole roster or reserve file (the KPU office's), decided again by whoever holds
    /// the store: the roster may have moved on since the file was checked.
    Import(Box<Import>),
    /// Fill from the next reserve in offer order, chosen by whoever decides the command (the
    /// server's committer, at the moment it decides), among the reserves the sender may
    /// appoint: so simultaneous requests each get a different reserve while any remain.
    /// A reserve with a health risk is taken only with `accept_risk`. Recorded as the
    /// `SeatFilled` of the reserve taken. (Appended last: the enum's encoding is by index.)
    FillFromNextReserve {
        tps: TpsId,
        seat: u8,
        accept_risk: bool,
    },
}

/// What an import asks for: the rows of one file, already parsed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    /// The file's name, for the log.
    pub file: String,
    /// Empty every kelurahan the file names (their seats, or their reserve lists) first.
    pub replace: bool,
    pub rows: ImportRows,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportRows {
    /// Seat holders; `absent` holds positions in `seats` (berhalangan sementara).
    Seats {
        seats: Vec<SeatAssignment>,
        absent: Vec<u32>,
    },
    Reserves(Vec<(KelurahanId, Reserve)>),
}

impl ImportRows {
    pub fn len(&self) -> usize {
        match self {
            ImportRows::Seats { seats, .. } => seats.len(),
            ImportRows::Reserves(r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why a command was refused. A refused command changes nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    NoSuchSeat {
        seat: u8,
        seats: u8,
    },
    SeatOccupied {
        seat: u8,
    },
    SeatEmpty {
        seat: u8,
    },
    AlreadyAbsent {
        seat: u8,
    },
    NotAbsent {
        seat: u8,
    },
    NikInUse {
        nik: Nik,
        at: NikLocation,
    },
    Ineligible(Vec<Finding>),
    NoSuchReserve {
        kelurahan: KelurahanId,
        rank: u32,
    },
    ReserveOutsideKecamatan,
    KetuaSeatOccupied,
    AlreadyKetua,
    /// The change cannot be undone: imports and undos are final, or the data moved on since.
    CannotUndo,
    /// The sender's role covers another part of the region.
    OutsideScope(super::access::Role),
    /// The sender may look but not change.
    ReadOnly,
    /// The sender is no longer in the coordinators file.
    NotACoordinator,
    /// A TPS, kelurahan or seat that does not exist (a malformed request).
    NoSuchPlace,
    /// Row `row` (counted from 0 in the file's order) of an import is refused for `why`;
    /// nothing of the import was written.
    ImportRow {
        row: u32,
        why: Box<Refusal>,
    },
    /// A reserve rank that the kelurahan's list (or the same import) already holds.
    RankTaken {
        kelurahan: KelurahanId,
        rank: u32,
    },
    /// No eligible reserve is left that the sender may appoint to this seat.
    NoReserveLeft,
    /// The next reserve has a health risk and the sender did not accept it.
    ReserveAtRisk {
        kelurahan: KelurahanId,
        rank: u32,
        risk: HealthFlag,
    },
    /// Typed text breaks the rules of `freetext` (control or invisible characters, too
    /// long, empty name): a client that skipped its own checks.
    BadText(super::freetext::TextError),
    /// A phone number that is not an Indonesian number (a client that skipped its checks).
    BadPhone(super::phone::PhoneError),
}

/// Where a NIK is held in the roster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NikLocation {
    Seat { tps: TpsId, seat: u8 },
    Reserve { kelurahan: KelurahanId, rank: u32 },
}
