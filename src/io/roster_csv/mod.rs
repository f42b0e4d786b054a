//! Roster and reserve files (CSV): all-or-nothing import with row-numbered errors, and export.
//!
//! Roster file, one row per seat (`kpps` is the seat number, 1 = Ketua):
//! `kelurahan_code,tps,kpps,nama,nik,tanggal_lahir,jenis_kelamin,telepon,skrining,jkn,status`
//!
//! Reserve file, one row per calon pengganti (`tps` is optional: it ties the reserve to one TPS
//! number of the kelurahan; empty = not tied):
//! `kelurahan_code,peringkat,nama,nik,tanggal_lahir,jenis_kelamin,telepon,skrining,jkn,tps`
//!
//! Accepted on import: columns in any order, header names in any case, `,` or `;` delimiter,
//! UTF-8 BOM, CRLF; kelurahan codes dotted (`16.71.08.1002`) or undotted (`1671081002`); dates
//! `YYYY-MM-DD`, `DD/MM/YYYY` or `DD-MM-YYYY`; sex `L`/`P`; `skrining` `tidak berisiko`,
//! `berisiko`, `belum` (or `belum skrining`); `jkn` `ya`/`tidak`; `telepon` optional. Rows whose
//! fields are all empty (Excel leaves them behind) are skipped. `nama` and `telepon` are held to
//! `domain::freetext` (no control or invisible characters, length caps) like every typed text.
//!
//! Roster files may carry a `status` column: `aktif` (or empty) or `berhalangan` (absent
//! today). Export writes exactly that format (comma-delimited, `YYYY-MM-DD`, tree order, text
//! that a spreadsheet would run as a formula behind a `'`), so an export imported into a fresh
//! store reproduces seats, absences and reserves, and exports again to the same bytes.
//!
//! # Memory and passes
//! Validation is one streaming pass over the CSV records (the file is never held as text; it is
//! read through [`open`], which keeps csv's line numbers physical in CRLF files too). It
//! keeps a NIK → first-line map (`u64` keys), the seats (or reserve ranks) seen, and the parsed
//! rows themselves (about 150 bytes each; the roster already holds the same people). The rows
//! are committed from memory rather than by reading the file a second time, so what is written
//! is exactly what was validated even if the file changes in between. Every check finishes
//! before the first write: a failing file writes nothing.
//!
//! # One event
//! However large the file, the import is one `Command::Import`, decided again by whoever holds
//! the store and recorded as one event: one journal entry, one sled transaction. A crash or a
//! dropped SSH session mid-way leaves either all of it or none of it.

mod export;
mod messages;

pub use export::{export_reserves, export_roster, formula_safe, from_formula_safe};

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use csv::StringRecord;

use super::{ReadProblem, RowError};
use crate::domain::draft::{FieldIssue, PersonDraft, WarningCounts, WarningKind};
use crate::domain::region::normalize_code;
use crate::domain::{
    Command, Import, ImportRows, KelurahanId, Nik, NikLocation, Person, Refusal, Reserve, Roster,
    SeatAssignment, TpsId,
};
use crate::port::Port;
use crate::store::{ExecError, StoreError};
use crate::text::Lang;
use messages::Msg;

/// `status` of an officer on duty, and of one berhalangan sementara (absent today).
pub const STATUS_PRESENT: &str = "aktif";
pub const STATUS_ABSENT: &str = "berhalangan";

/// Header of a roster file, as exported (`status` is optional on import).
pub const ROSTER_COLUMNS: [&str; 11] = [
    "kelurahan_code",
    "tps",
    "kpps",
    "nama",
    "nik",
    "tanggal_lahir",
    "jenis_kelamin",
    "telepon",
    "skrining",
    "jkn",
    "status",
];

/// Header of a reserve file, as exported (`tps` is optional on import).
pub const RESERVE_COLUMNS: [&str; 10] = [
    "kelurahan_code",
    "peringkat",
    "nama",
    "nik",
    "tanggal_lahir",
    "jenis_kelamin",
    "telepon",
    "skrining",
    "jkn",
    "tps",
];

/// Which kind of file is imported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportKind {
    /// Seat holders (`Event::RosterFileImported`).
    Roster,
    /// Ranked reserve lists (`Event::ReservesImported`).
    Reserves,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Clear the roster (or reserve lists) of every kelurahan that appears in the file first.
    pub replace: bool,
    /// Validate only; write nothing.
    pub dry_run: bool,
    /// Language of the error and warning reasons.
    pub lang: Lang,
}

/// A successful (or successfully validated, with `dry_run`) import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    /// Seats (or reserves) in the file.
    pub rows: usize,
    /// Distinct kelurahan in the file (with `replace`, these were cleared).
    pub kelurahan: usize,
    /// Non-blocking findings: over the preferred age, NIK disagreeing with birth date or sex,
    /// NIK issued outside the region.
    pub warnings: Vec<RowError>,
    /// `warnings` counted by kind, for a summary.
    pub warning_counts: WarningCounts,
    /// Whether anything was written (false for `dry_run` and for files without rows).
    pub written: bool,
    /// The log entry that recorded the import (None when nothing was written).
    pub seq: Option<u64>,
}

/// A refused import: `errors` in line order (line 0 = about the file or the store as a whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportFailure {
    pub errors: Vec<RowError>,
    pub warnings: Vec<RowError>,
    /// `warnings` counted by kind, for a summary.
    pub warning_counts: WarningCounts,
    /// The store or the server failed in a way that may have recorded the import (it is in
    /// the journal and applied on the next open, or the answer was lost): the log tells.
    pub may_be_recorded: bool,
}

/// Validates a roster or reserve file against `roster` and, unless `dry_run`, records it
/// through `port` as one `Command::Import` (which the store, or the server, decides again and
/// writes as one event). All-or-nothing at any size: any error writes nothing.
pub fn import(
    port: &mut dyn Port,
    roster: &mut Roster,
    kind: ImportKind,
    path: &Path,
    opts: &ImportOptions,
) -> Result<ImportReport, ImportFailure> {
    let checked = validate(roster, kind, path, opts)?;
    let mut report = ImportReport {
        rows: checked.items.len(),
        kelurahan: checked.kelurahan.len(),
        warnings: checked.warnings,
        warning_counts: checked.warning_counts,
        written: false,
        seq: None,
    };
    if opts.dry_run || report.rows == 0 {
        return Ok(report);
    }
    let lines = checked.lines;
    let command = Command::Import(Box::new(Import {
        file: path.display().to_string(),
        replace: opts.replace,
        rows: checked.items,
    }));
    let fail = |reason: String, line: u64, report: ImportReport| ImportFailure {
        errors: vec![RowError {
            file: path.to_path_buf(),
            line,
            reason,
        }],
        warnings: report.warnings,
        warning_counts: report.warning_counts,
        may_be_recorded: false,
    };
    match port.execute(roster, &command) {
        Ok(entry) => {
            report.written = true;
            report.seq = Some(entry.seq);
            Ok(report)
        }
        // The roster changed between this check and the commit (another coordinator).
        Err(ExecError::Refused(refusal)) => {
            let line = match &refusal {
                Refusal::ImportRow { row, .. } => lines.get(*row as usize).copied().unwrap_or(0),
                _ => 0,
            };
            let why = match &refusal {
                Refusal::ImportRow { why, .. } => why.as_ref(),
                other => other,
            };
            let reason = opts.lang.refusal(why, &roster.region);
            Err(fail(reason, line, report))
        }
        Err(e) => {
            let may_be_recorded = matches!(
                &e,
                ExecError::Remote(_)
                    | ExecError::Store(
                        StoreError::JournalOnly { .. } | StoreError::Uncertain { .. }
                    )
            );
            let reason = Msg::Store(e.to_string()).text(opts.lang);
            Err(ImportFailure {
                may_be_recorded,
                ..fail(reason, 0, report)
            })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Validation

/// A file that passed validation.
struct Checked {
    items: ImportRows,
    kelurahan: BTreeSet<KelurahanId>,
    warnings: Vec<RowError>,
    warning_counts: WarningCounts,
    /// The file line of each row in `items`.
    lines: Vec<u64>,
}

/// Column positions of one file.
struct Layout {
    kel: usize,
    tps: Option<usize>,
    seat: Option<usize>,
    rank: Option<usize>,
    name: usize,
    nik: usize,
    birth: usize,
    sex: usize,
    phone: Option<usize>,
    screening: usize,
    jkn: usize,
    /// Roster files: `aktif` (or empty) / `berhalangan` (absent today).
    status: Option<usize>,
}

fn column(headers: &StringRecord, name: &str) -> Option<usize> {
    headers.iter().position(|h| {
        h.trim()
            .trim_start_matches('\u{feff}')
            .eq_ignore_ascii_case(name)
    })
}

impl Layout {
    /// The layout, or the names of the required columns that are missing.
    fn of(headers: &StringRecord, kind: ImportKind) -> Result<Layout, Vec<&'static str>> {
        let mut missing = Vec::new();
        let mut need = |name: &'static str| {
            column(headers, name).unwrap_or_else(|| {
                missing.push(name);
                0
            })
        };
        let kel = need("kelurahan_code");
        let (seat, rank) = match kind {
            ImportKind::Roster => {
                let tps = need("tps");
                (Some((tps, need("kpps"))), None)
            }
            ImportKind::Reserves => (None, Some(need("peringkat"))),
        };
        let layout = Layout {
            kel,
            tps: seat.map(|(t, _)| t).or_else(|| column(headers, "tps")),
            seat: seat.map(|(_, s)| s),
            rank,
            name: need("nama"),
            nik: need("nik"),
            birth: need("tanggal_lahir"),
            sex: need("jenis_kelamin"),
            phone: column(headers, "telepon"),
            screening: need("skrining"),
            jkn: need("jkn"),
            status: match kind {
                ImportKind::Roster => column(headers, "status"),
                ImportKind::Reserves => None,
            },
        };
        if missing.is_empty() {
            Ok(layout)
        } else {
            Err(missing)
        }
    }
}

/// State of the validation pass.
struct Pass<'a> {
    roster: &'a Roster,
    kind: ImportKind,
    opts: &'a ImportOptions,
    file: &'a Path,
    errors: Vec<RowError>,
    warnings: Vec<RowError>,
    warning_counts: WarningCounts,
    /// NIK (as u64) → line it first appeared on.
    niks: HashMap<u64, u64>,
    seats_seen: HashMap<(TpsId, u8), u64>,
    ranks_seen: HashMap<(KelurahanId, u32), u64>,
    kelurahan: BTreeSet<KelurahanId>,
    /// Line of each held item, for the checks against the store made after the pass.
    lines: Vec<u64>,
    seats: Vec<SeatAssignment>,
    /// Positions in `seats` of officers the file marks berhalangan sementara.
    absent: Vec<u32>,
    reserves: Vec<(KelurahanId, Reserve)>,
}

fn validate(
    roster: &Roster,
    kind: ImportKind,
    path: &Path,
    opts: &ImportOptions,
) -> Result<Checked, ImportFailure> {
    let lang = opts.lang;
    let fail = |line: u64, msg: Msg| ImportFailure {
        may_be_recorded: false,
        errors: vec![RowError {
            file: path.to_path_buf(),
            line,
            reason: msg.text(lang),
        }],
        warnings: Vec::new(),
        warning_counts: WarningCounts::default(),
    };
    let mut rdr =
        super::csv_reader(path).map_err(|e| fail(0, Msg::Read(ReadProblem::Io(e.to_string()))))?;
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(fail(1, Msg::from_csv(&e))),
    };
    let layout = Layout::of(&headers, kind).map_err(|missing| ImportFailure {
        may_be_recorded: false,
        errors: missing
            .into_iter()
            .map(|col| RowError {
                file: path.to_path_buf(),
                line: 1,
                reason: Msg::MissingColumn(col).text(lang),
            })
            .collect(),
        warnings: Vec::new(),
        warning_counts: WarningCounts::default(),
    })?;
    let mut pass = Pass {
        roster,
        kind,
        opts,
        file: path,
        errors: Vec::new(),
        warnings: Vec::new(),
        warning_counts: WarningCounts::default(),
        niks: HashMap::new(),
        seats_seen: HashMap::new(),
        ranks_seen: HashMap::new(),
        kelurahan: BTreeSet::new(),
        lines: Vec::new(),
        seats: Vec::new(),
        absent: Vec::new(),
        reserves: Vec::new(),
    };
    let mut record = StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                let line = record.position().map_or(0, |p| p.line());
                if pass.errors.len() >= super::MAX_ERRORS {
                    pass.errors.push(super::too_many_errors(path, line, lang));
                    break;
                }
                pass.row(&layout, line, &record);
            }
            Err(e) => {
                let line = super::csv_error_line(&e);
                let fatal = matches!(e.kind(), csv::ErrorKind::Io(_));
                pass.error(line, Msg::from_csv(&e));
                if fatal {
                    break;
                }
            }
        }
    }
    pass.check_against_store();
    pass.errors.sort_by_key(|e| e.line);
    if !pass.errors.is_empty() {
        return Err(ImportFailure {
            may_be_recorded: false,
            errors: pass.errors,
            warnings: pass.warnings,
            warning_counts: pass.warning_counts,
        });
    }
    let items = match kind {
        ImportKind::Roster => ImportRows::Seats {
            seats: pass.seats,
            absent: pass.absent,
        },
        ImportKind::Reserves => ImportRows::Reserves(pass.reserves),
    };
    Ok(Checked {
        items,
        kelurahan: pass.kelurahan,
        warnings: pass.warnings,
        warning_counts: pass.warning_counts,
        lines: pass.lines,
    })
}

impl Pass<'_> {
    fn error(&mut self, line: u64, msg: Msg) {
        self.errors.push(RowError {
            file: self.file.to_path_buf(),
            line,
            reason: msg.text(self.opts.lang),
        });
    }

    fn warning(&mut self, line: u64, kind: WarningKind, msg: Msg) {
        self.warning_counts.add(kind);
        self.warnings.push(RowError {
            file: self.file.to_path_buf(),
            line,
            reason: msg.text(self.opts.lang),
        });
    }

    /// Validates one record; holds it if it parsed far enough to be checked against the store.
    fn row(&mut self, l: &Layout, line: u64, rec: &StringRecord) {
        let get = |i: usize| rec.get(i).unwrap_or("").trim();
        let mut errs: Vec<Msg> = Vec::new();
        let roster = self.roster;

        let kel_raw = get(l.kel);
        let kel = match normalize_code(kel_raw) {
            None if kel_raw.is_empty() => {
                errs.push(Msg::Empty("kelurahan_code"));
                None
            }
            None => {
                errs.push(Msg::BadCode(kel_raw.to_string()));
                None
            }
            Some(code) => match roster.region.kelurahan_by_code(&code) {
                Some(k) => Some(k),
                None => {
                    errs.push(Msg::UnknownKelurahan(code));
                    None
                }
            },
        };
        let (person, issues) = parse_person(l, &get, roster);
        let mut warnings = Vec::new();
        for issue in issues {
            match issue.warning_kind() {
                Some(kind) => warnings.push((kind, issue)),
                None => errs.push(Msg::Person(issue)),
            }
        }

        // Where the row goes: a seat, or a rank on the kelurahan's reserve list.
        let mut absent = false;
        let mut seat_target = None;
        let mut reserve_target = None;
        match self.kind {
            ImportKind::Roster => {
                let tps = parse_num::<u16>(get(l.tps.unwrap_or(0)), "tps", &mut errs);
                let seat = parse_num::<u8>(get(l.seat.unwrap_or(0)), "kpps", &mut errs);
                let tps = match (kel, tps) {
                    (Some(k), Some(n)) => roster.region.tps_in(k, n).or_else(|| {
                        errs.push(Msg::UnknownTps(roster.region.kelurahan(k).code.clone(), n));
                        None
                    }),
                    _ => None,
                };
                let spt = roster.seats_per_tps();
                let seat = seat.filter(|&s| {
                    let ok = (1..=spt).contains(&s);
                    if !ok {
                        errs.push(Msg::UnknownSeat(s, spt));
                    }
                    ok
                });
                if let (Some(t), Some(s)) = (tps, seat) {
                    let addr = || roster.region.address(t).to_string();
                    match self.seats_seen.entry((t, s)) {
                        Entry::Occupied(first) => {
                            errs.push(Msg::DuplicateSeat(addr(), s, *first.get()))
                        }
                        Entry::Vacant(v) => {
                            v.insert(line);
                        }
                    }
                    if !self.opts.replace && roster.seat(t, s).is_some() {
                        errs.push(Msg::SeatFilled(addr(), s));
                    }
                    seat_target = Some((t, s));
                }
                match l
                    .status
                    .map(get)
                    .unwrap_or("")
                    .to_ascii_lowercase()
                    .as_str()
                {
                    "" | STATUS_PRESENT => {}
                    STATUS_ABSENT => absent = true,
                    other => errs.push(Msg::BadStatus(other.to_string())),
                }
            }
            ImportKind::Reserves => {
                let rank = parse_num::<u32>(get(l.rank.unwrap_or(0)), "peringkat", &mut errs)
                    .filter(|&r| {
                        if r == 0 {
                            errs.push(Msg::ZeroRank);
                        }
                        r > 0
                    });
                let tps_raw = l.tps.map(get).unwrap_or("");
                let tps = if tps_raw.is_empty() {
                    Some(None)
                } else {
                    match (kel, parse_num::<u16>(tps_raw, "tps", &mut errs)) {
                        (Some(k), Some(n)) => match roster.region.tps_in(k, n) {
                            Some(t) => Some(Some(t)),
                            None => {
                                errs.push(Msg::UnknownTps(
                                    roster.region.kelurahan(k).code.clone(),
                                    n,
                                ));
                                None
                            }
                        },
                        _ => None,
                    }
                };
                if let (Some(k), Some(r)) = (kel, rank) {
                    let code = || roster.region.kelurahan(k).code.clone();
                    match self.ranks_seen.entry((k, r)) {
                        Entry::Occupied(first) => {
                            errs.push(Msg::DuplicateRank(code(), r, *first.get()))
                        }
                        Entry::Vacant(v) => {
                            v.insert(line);
                        }
                    }
                    if !self.opts.replace
                        && roster
                            .reserves(k)
                            .binary_search_by_key(&r, |x| x.rank)
                            .is_ok()
                    {
                        errs.push(Msg::RankTaken(code(), r));
                    }
                    if let Some(tps) = tps {
                        reserve_target = Some((k, r, tps));
                    }
                }
            }
        }

        // A NIK given twice is reported whatever else is wrong with either row.
        let nik = match &person {
            Some(p) => Some(p.nik),
            None => Nik::parse(get(l.nik)).ok(),
        };
        if let Some(nik) = nik {
            match self.niks.entry(nik.as_u64()) {
                Entry::Occupied(first) => errs.push(Msg::DuplicateNik(*first.get())),
                Entry::Vacant(v) => {
                    v.insert(line);
                }
            }
        }
        for (kind, issue) in warnings {
            self.warning(line, kind, Msg::Person(issue));
        }
        for msg in errs {
            self.error(line, msg);
        }
        if let Some(k) = kel {
            self.kelurahan.insert(k);
        }
        match (person, seat_target, reserve_target) {
            (Some(person), Some((tps, seat)), _) => {
                self.lines.push(line);
                if absent {
                    self.absent.push(self.seats.len() as u32);
                }
                self.seats.push(SeatAssignment { tps, seat, person });
            }
            (Some(person), _, Some((k, rank, tps))) => {
                self.lines.push(line);
                self.reserves.push((k, Reserve { rank, person, tps }));
            }
            _ => {}
        }
    }

    /// NIKs already in the store. Runs after the pass because with `replace` the people of
    /// every kelurahan in the file are going away, and that set is known only at the end.
    fn check_against_store(&mut self) {
        let roster = self.roster;
        let replace = self.opts.replace;
        let mut found = Vec::new();
        let held = self
            .seats
            .iter()
            .map(|s| {
                (
                    s.person.nik,
                    NikLocation::Seat {
                        tps: s.tps,
                        seat: s.seat,
                    },
                )
            })
            .chain(self.reserves.iter().map(|(k, r)| {
                (
                    r.person.nik,
                    NikLocation::Reserve {
                        kelurahan: *k,
                        rank: r.rank,
                    },
                )
            }));
        for (&line, (nik, target)) in self.lines.iter().zip(held) {
            let Some(at) = roster.locate_nik(nik) else {
                continue;
            };
            let going_away = match (self.kind, at) {
                (ImportKind::Roster, NikLocation::Seat { tps, .. }) => {
                    replace && self.kelurahan.contains(&roster.region.kelurahan_of(tps))
                }
                (ImportKind::Reserves, NikLocation::Reserve { kelurahan, .. }) => {
                    replace && self.kelurahan.contains(&kelurahan)
                }
                _ => false,
            };
            // Re-importing the same person into the same (filled) seat or rank is already
            // reported as a filled seat / taken rank.
            if going_away || at == target {
                continue;
            }
            let msg = match at {
                NikLocation::Seat { tps, seat } => {
                    Msg::NikAtSeat(roster.region.address(tps).to_string(), seat)
                }
                NikLocation::Reserve { kelurahan, rank } => {
                    Msg::NikAtReserve(roster.region.kelurahan(kelurahan).code.clone(), rank)
                }
            };
            found.push((line, msg));
        }
        for (line, msg) in found {
            self.error(line, msg);
        }
    }
}

/// The person of a row, through the one check every road in uses (`PersonDraft`): the
/// person if the row's person fields pass, and every issue found (errors and warnings), for
/// the caller to report with the row's line.
fn parse_person<'r>(
    l: &Layout,
    get: &impl Fn(usize) -> &'r str,
    roster: &Roster,
) -> (Option<Person>, Vec<FieldIssue>) {
    let draft = PersonDraft {
        nama: from_formula_safe(get(l.name)),
        nik: get(l.nik),
        tanggal_lahir: get(l.birth),
        jenis_kelamin: get(l.sex),
        telepon: l.phone.map(get).map(from_formula_safe).unwrap_or(""),
        skrining: get(l.screening),
        jkn: get(l.jkn),
    };
    match draft.validate(&roster.params, &roster.region) {
        Ok(checked) => (Some(checked.person), checked.warnings),
        Err(issues) => (None, issues),
    }
}

fn parse_num<T: std::str::FromStr>(
    raw: &str,
    column: &'static str,
    errs: &mut Vec<Msg>,
) -> Option<T> {
    if raw.is_empty() {
        errs.push(Msg::Empty(column));
        return None;
    }
    let parsed = raw
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| raw.parse().ok())
        .flatten();
    if parsed.is_none() {
        errs.push(Msg::BadNumber(column, raw.to_string()));
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_quoting_round_trips() {
        for text in [
            "Siti", "=1+1", "+6281234", "-x", "@a", "'", "''", "'=x", "''+1", "O'Neil", "",
        ] {
            let safe = formula_safe(text);
            assert!(
                !matches!(safe.chars().next(), Some('=' | '+' | '-' | '@')),
                "{safe}"
            );
            assert_eq!(from_formula_safe(&safe), text, "{text}");
        }
        assert_eq!(formula_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(from_formula_safe("'Ain"), "'Ain");
    }

    #[test]
    fn every_message_has_both_languages() {
        let msgs = [
            Msg::MissingColumn("nik"),
            Msg::Empty("nama"),
            Msg::SeatFilled("16.71.08.1002/3".into(), 1),
            Msg::NikAtReserve("16.71.08.1002".into(), 2),
            Msg::Person(crate::domain::draft::FieldIssue {
                field: crate::domain::draft::PersonField::Nik,
                problem: crate::domain::draft::Problem::Nik(crate::domain::NikError::TooShort(15)),
            }),
        ];
        for m in msgs {
            assert_ne!(m.text(Lang::Id), m.text(Lang::En), "{m:?}");
        }
        assert_eq!(
            Msg::DuplicateNik(4).text(Lang::Id),
            "NIK sama dengan baris 4"
        );
        assert_eq!(Msg::DuplicateNik(4).text(Lang::En), "same NIK as line 4");
    }
}
