//! The domain: pure rules and data, free of terminal and storage concerns.

pub mod access;
pub mod area;
pub mod draft;
pub mod event;
pub mod freetext;
pub mod gaps;
pub mod history;
pub mod import;
pub mod nik;
pub mod params;
pub mod person;
pub mod phone;
pub mod region;
pub mod reserves;
pub mod roster;

pub use access::Role;
pub use event::{
    demo_label, parse_demo_label, Command, Event, Import, ImportRows, NikLocation, Refusal,
    Reserve, SeatAssignment, Source, VacateReason,
};
pub use freetext::{TextError, TextField, TextProblem};
pub use nik::{Nik, NikError};
pub use params::ElectionParams;
pub use person::{Finding, HealthFlag, Person, Screening, Severity, Sex};
pub use region::{KecamatanId, KelurahanId, KelurahanSpec, Region, TpsAddress, TpsId};
pub use reserves::Candidate;
pub use roster::{Holder, Rollup, Roster, TpsStats};
