//! Changes from the command line: the same commands the TUI sends, for scripts.

use crate::text::tr;
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::Target;
use super::{checked_flag, parse_person_args, write_stdout, CliResult, Failure};
use crate::domain::area::{Area, TimeZone};
use crate::domain::gaps::Scope;
use crate::domain::region::TpsAddress;
use crate::domain::{Command, Event, KelurahanId, Refusal, Roster, TextField, TpsId, VacateReason};
use crate::port::Port;
use crate::store::{ExecError, LogEntry, Record};
use crate::text::clock::wall;
use crate::text::{safe, Lang};

#[derive(Args, Debug)]
pub struct SeatArgs {
    /// TPS as KELURAHAN_CODE/NUMBER, e.g. 16.71.08.1002/12.
    #[arg(long)]
    pub tps: String,
    /// Seat number, 1 (Ketua) to 7.
    #[arg(long)]
    pub seat: u8,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReasonArg {
    /// Meninggal dunia.
    Meninggal,
    /// Berhalangan tetap.
    BerhalanganTetap,
    /// Mengundurkan diri.
    MengundurkanDiri,
    /// Diberhentikan.
    Diberhentikan,
}

impl From<ReasonArg> for VacateReason {
    fn from(r: ReasonArg) -> Self {
        match r {
            ReasonArg::Meninggal => VacateReason::Died,
            ReasonArg::BerhalanganTetap => VacateReason::PermanentlyUnable,
            ReasonArg::MengundurkanDiri => VacateReason::Resigned,
            ReasonArg::Diberhentikan => VacateReason::Dismissed,
        }
    }
}

#[derive(Args, Debug)]
pub struct VacateArgs {
    #[command(flatten)]
    pub seat: SeatArgs,
    #[arg(long, value_enum)]
    pub reason: ReasonArg,
}

#[derive(Args, Debug)]
pub struct AbsentArgs {
    #[command(flatten)]
    pub seat: SeatArgs,
    /// The officer is back on duty (clears berhalangan sementara).
    #[arg(long)]
    pub back: bool,
}

#[derive(Args, Debug)]
pub struct PersonArgs {
    #[arg(long)]
    pub nama: Option<String>,
    #[arg(long)]
    pub nik: Option<String>,
    /// YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY.
    #[arg(long)]
    pub tanggal_lahir: Option<String>,
    /// L or P.
    #[arg(long)]
    pub jenis_kelamin: Option<String>,
    #[arg(long)]
    pub telepon: Option<String>,
    /// tidak berisiko | berisiko | belum.
    #[arg(long, default_value = "tidak berisiko")]
    pub skrining: String,
    /// ya | tidak.
    #[arg(long, default_value = "ya")]
    pub jkn: String,
    /// Berita acara number of a direct appointment.
    #[arg(long)]
    pub berita_acara: Option<String>,
}

#[derive(Args, Debug)]
pub struct FillArgs {
    #[command(flatten)]
    pub seat: SeatArgs,
    /// From the reserve lists: `next` (best eligible, kelurahan first, then kecamatan;
    /// reserves with a health risk last), a rank in this kelurahan, or a reserve's NIK (any
    /// kelurahan of the kecamatan). `next` is chosen by whoever records the change (the
    /// server, when one runs), so simultaneous fills each get their own reserve.
    #[arg(long, conflicts_with_all = ["nama", "nik"])]
    pub reserve: Option<String>,
    /// Appoint a reserve with a health risk (berisiko or belum skrining) when that is who
    /// the choice comes to; without it such a fill is refused, naming the risk.
    #[arg(long, requires = "reserve")]
    pub accept_risk: bool,
    #[command(flatten)]
    pub person: PersonArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct LogArgs {
    /// Only changes in this kelurahan (code or name).
    #[arg(long)]
    pub kelurahan: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: LogFormat,
    /// At most this many entries, newest first.
    #[arg(long)]
    pub limit: Option<usize>,
}

fn find_tps(roster: &Roster, raw: &str, lang: Lang) -> Result<TpsId, Failure> {
    let addr = TpsAddress::parse(raw).ok_or_else(|| {
        Failure::Other(format!(
            "{} {raw:?}: {}",
            lang.t("alamat TPS tidak valid", "invalid TPS address"),
            lang.t(
                "tulis KODE_KELURAHAN/NOMOR, mis. 16.71.08.1002/12",
                "write KELURAHAN_CODE/NUMBER, e.g. 16.71.08.1002/12"
            )
        ))
    })?;
    roster.region.find_tps(&addr).ok_or_else(|| {
        Failure::Other(format!(
            "{} {addr}",
            lang.t("TPS tidak ada:", "no such TPS:")
        ))
    })
}

/// Runs one command against the store and prints what it did.
fn run(port: &mut dyn Port, roster: &mut Roster, command: Command, lang: Lang) -> CliResult {
    match port.execute(roster, &command) {
        Ok(entry) => {
            if let Record::Change(event) = &entry.record {
                println!(
                    "{} #{}: {}",
                    lang.strings().saved,
                    entry.seq,
                    lang.describe_event(event, &roster.region)
                );
            }
            Ok(())
        }
        Err(ExecError::Refused(r)) => {
            let mut msg = format!(
                "{}: {}",
                lang.t("ditolak", "refused"),
                lang.refusal(&r, &roster.region)
            );
            if let Refusal::ReserveAtRisk {
                kelurahan, rank, ..
            } = r
            {
                if let Some(reserve) = roster.reserves(kelurahan).iter().find(|x| x.rank == rank) {
                    msg.push_str(&format!(" ({})", reserve.person.name));
                }
                msg.push_str(accept_risk_hint(lang));
            }
            Err(Failure::Other(msg))
        }
        Err(ExecError::Store(e)) => Err(Failure::Store(e)),
        Err(ExecError::Remote(msg)) => Err(Failure::Unavailable(msg.get(lang).into())),
    }
}

pub fn vacate(target: &Target, args: &VacateArgs, lang: Lang) -> CliResult {
    let (mut port, mut roster) = target.connect()?;
    let tps = find_tps(&roster, &args.seat.tps, lang)?;
    let command = Command::Vacate {
        tps,
        seat: args.seat.seat,
        reason: args.reason.into(),
    };
    run(&mut *port, &mut roster, command, lang)
}

pub fn absent(target: &Target, args: &AbsentArgs, lang: Lang) -> CliResult {
    let (mut port, mut roster) = target.connect()?;
    let tps = find_tps(&roster, &args.seat.tps, lang)?;
    run(
        &mut *port,
        &mut roster,
        Command::MarkAbsent {
            tps,
            seat: args.seat.seat,
            absent: !args.back,
        },
        lang,
    )
}

pub fn ketua(target: &Target, args: &SeatArgs, lang: Lang) -> CliResult {
    let (mut port, mut roster) = target.connect()?;
    let tps = find_tps(&roster, &args.tps, lang)?;
    run(
        &mut *port,
        &mut roster,
        Command::DesignateKetua {
            tps,
            from_seat: args.seat,
        },
        lang,
    )
}

pub fn fill(target: &Target, args: &FillArgs, lang: Lang) -> CliResult {
    let (mut port, mut roster) = target.connect()?;
    let tps = find_tps(&roster, &args.seat.tps, lang)?;
    let seat = args.seat.seat;
    let command = match &args.reserve {
        // Chosen when recorded, not here: another coordinator may take this one meanwhile.
        Some(which) if which == "next" => Command::FillFromNextReserve {
            tps,
            seat,
            accept_risk: args.accept_risk,
        },
        Some(which) => {
            let (kelurahan, rank) = pick_reserve(&roster, tps, which, lang)?;
            refuse_unaccepted_risk(&roster, kelurahan, rank, args.accept_risk, lang)?;
            Command::FillFromReserve {
                tps,
                seat,
                kelurahan,
                rank,
            }
        }
        None => {
            let person = parse_person_args(&args.person, &roster, lang)?;
            let ba = args
                .person
                .berita_acara
                .as_deref()
                .map(|b| checked_flag("berita-acara", TextField::BeritaAcara, b, lang))
                .transpose()?
                .filter(|b| !b.is_empty())
                .map(std::borrow::Cow::into_owned);
            Command::FillDirect {
                tps,
                seat,
                person,
                berita_acara: ba,
            }
        }
    };
    run(&mut *port, &mut roster, command, lang)
}

fn pick_reserve(
    roster: &Roster,
    tps: TpsId,
    which: &str,
    lang: Lang,
) -> Result<(KelurahanId, u32), Failure> {
    let here = roster.region.kelurahan_of(tps);
    if which.len() == 16 {
        let nik =
            crate::domain::Nik::parse(which).map_err(|e| Failure::Other(lang.nik_error(&e)))?;
        return match roster.locate_nik(nik) {
            Some(crate::domain::NikLocation::Reserve { kelurahan, rank }) => Ok((kelurahan, rank)),
            _ => Err(Failure::Other(format!(
                "{} {}",
                lang.t("bukan cadangan:", "not a reserve:"),
                nik.masked()
            ))),
        };
    }
    let rank: u32 = which.parse().map_err(|_| {
        Failure::Other(format!(
            "--reserve {which:?}: {}",
            lang.t(
                "pakai next, peringkat, atau NIK",
                "use next, a rank, or a NIK"
            )
        ))
    })?;
    Ok((here, rank))
}

fn accept_risk_hint(lang: Lang) -> &'static str {
    lang.t(
        "; tambahkan --accept-risk untuk tetap mengangkat",
        "; add --accept-risk to appoint them anyway",
    )
}

/// A reserve named by rank or NIK who has a health risk needs `--accept-risk`, as `next`
/// does. (One no longer on the list is left to the store, which says so.)
fn refuse_unaccepted_risk(
    roster: &Roster,
    kelurahan: KelurahanId,
    rank: u32,
    accept_risk: bool,
    lang: Lang,
) -> Result<(), Failure> {
    let Some(reserve) = roster.reserves(kelurahan).iter().find(|r| r.rank == rank) else {
        return Ok(());
    };
    match reserve.person.health_risk() {
        Some(risk) if !accept_risk => {
            let kel = &roster.region.kelurahan(kelurahan).name;
            let name = &reserve.person.name;
            let risk = lang.health_flag(risk);
            let what = tr!(
                lang,
                "cadangan #{rank} di {kel} ({name}) berisiko kesehatan: {risk}",
                "reserve #{rank} of {kel} ({name}) has a health risk: {risk}"
            );
            Err(Failure::Other(format!(
                "{}: {what}{}",
                lang.t("ditolak", "refused"),
                accept_risk_hint(lang)
            )))
        }
        _ => Ok(()),
    }
}

#[derive(Serialize)]
struct JsonEntry {
    seq: u64,
    at: String,
    /// Western Indonesia Time, whatever the region (kept for scripts that read it).
    at_wib: String,
    /// As the region's clocks showed it (WIB, WITA or WIT).
    at_local: String,
    actor: String,
    tps: Option<String>,
    description: String,
}

pub fn log(target: &Target, args: &LogArgs, lang: Lang) -> CliResult {
    let (mut port, roster) = target.connect()?;
    let kelurahan = match &args.kelurahan {
        Some(q) => match super::resolve_scope(&roster.region, None, Some(q), lang)? {
            crate::domain::gaps::Scope::Kelurahan(k) => Some(k),
            _ => None,
        },
        None => None,
    };
    let in_scope = |e: &LogEntry| match (&e.record, kelurahan) {
        (_, None) => true,
        (Record::Change(ev), Some(k)) => match ev {
            Event::RosterImported { cleared, seats, .. }
            | Event::RosterFileImported { cleared, seats, .. } => {
                cleared.contains(&k) || seats.iter().any(|s| roster.region.kelurahan_of(s.tps) == k)
            }
            Event::ReservesImported {
                cleared, reserves, ..
            } => cleared.contains(&k) || reserves.iter().any(|(kel, _)| *kel == k),
            other => other
                .tps()
                .is_some_and(|t| roster.region.kelurahan_of(t) == k),
        },
        (Record::Created { .. }, Some(_)) => false,
    };
    // Newest first.
    // Only as many as will be shown, unless a filter must see them all.
    let wanted = match (&args.kelurahan, args.limit) {
        (None, Some(n)) => n,
        _ => usize::MAX,
    };
    let mut entries: Vec<LogEntry> = port
        .recent_log(wanted)
        .map_err(|e| Failure::Other(e.get(lang).into()))?;
    entries.retain(in_scope);
    if let Some(n) = args.limit {
        entries.truncate(n);
    }
    // The clocks of the store's whole area (a PPS's kelurahan shares its province's zone).
    let tz = Area::of(&roster.region, Scope::All).time_zone;
    let describe = |e: &LogEntry| match &e.record {
        Record::Change(ev) => lang.describe_event(ev, &roster.region),
        Record::Created { .. } => lang.strings().store_created.to_string(),
    };
    let text = match args.format {
        LogFormat::Json => {
            let rows: Vec<JsonEntry> = entries
                .iter()
                .map(|e| JsonEntry {
                    seq: e.seq,
                    at: e.at.to_rfc3339(),
                    at_wib: wall(e.at, TimeZone::Wib),
                    at_local: wall(e.at, tz),
                    actor: e.actor.clone(),
                    tps: match &e.record {
                        Record::Change(ev) => {
                            ev.tps().map(|t| roster.region.address(t).to_string())
                        }
                        Record::Created { .. } => None,
                    },
                    description: describe(e),
                })
                .collect();
            serde_json::to_string_pretty(&rows).expect("log serializes") + "\n"
        }
        LogFormat::Table => {
            let mut out = String::new();
            for e in &entries {
                out.push_str(&format!(
                    "#{:<5} {}  {:<12} {}\n",
                    e.seq,
                    wall(e.at, tz),
                    safe(&e.actor),
                    describe(e)
                ));
            }
            out
        }
    };
    write_stdout(&text)
}
