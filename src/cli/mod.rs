//! The command line: clap subcommands over the same domain and store functions the TUI
//! uses. Anything the TUI can do to data, a script can do too.

mod change;

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{NaiveDate, Utc};
use clap::{Args, Parser, Subcommand};

use crate::domain::draft::PersonDraft;
use crate::domain::freetext::{self, TextField};
use crate::domain::gaps::Scope;
use crate::domain::region::Lookup;
use crate::domain::{ElectionParams, Region, Roster};
use crate::io::outfile::{OutFile, OutFileError};
use crate::io::region_csv::{self, PALEMBANG_SOURCE};
use crate::io::report::{self, Format};
use crate::io::roster_csv::{self, ImportKind, ImportOptions};
use crate::io::RowError;
use crate::net::server::ServeError;
use crate::net::{Client, ConnectError, ServeOptions};
use crate::port::Port;
use crate::store::{os_user, Store, StoreError, StoreInfo};
use crate::text::{safe, tr, Label, Lang};
use crate::tui::App;

#[derive(Parser, Debug)]
#[command(
    name = "kpps",
    version,
    about = "KPPS staffing: see empty polling-station seats and fill them"
)]
pub struct Cli {
    /// Store directory (default: $KPPS_DB, else the XDG data directory).
    #[arg(long, env = "KPPS_DB", global = true)]
    pub db: Option<PathBuf>,
    /// Name recorded in the audit log (default: the OS user). A server records the user
    /// the kernel names instead.
    #[arg(long = "as", global = true, value_name = "NAME")]
    pub actor: Option<String>,
    /// Socket of a `kpps serve` (default: kpps.sock in the store directory). When a server
    /// listens there, kpps works through it; otherwise it opens the store itself.
    #[arg(long, env = "KPPS_SOCKET", global = true, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Interface language.
    #[arg(long, value_enum, default_value = "id", global = true)]
    pub lang: Lang,
    /// Open the demo store (a synthetic Palembang roster), creating it if missing.
    #[arg(long)]
    pub demo: bool,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Create a store from a region tree, with every seat vacant.
    Init(InitArgs),
    /// Create a store holding a deterministic synthetic roster.
    Demo(DemoArgs),
    /// Import a roster or reserve list (all-or-nothing).
    #[command(subcommand)]
    Import(ImportCmd),
    /// Export the roster or reserve list as CSV (contains personal data).
    #[command(subcommand)]
    Export(ExportCmd),
    /// Report TPS with vacancies or flagged officers, most severe first.
    Gaps(GapsArgs),
    /// Empty a seat: the officer left (the seat becomes a gap; history keeps them).
    Vacate(change::VacateArgs),
    /// Mark an officer absent today (berhalangan sementara), or back with --back.
    Absent(change::AbsentArgs),
    /// Fill an empty seat from the reserve lists or by direct appointment.
    Fill(change::FillArgs),
    /// Designate the member in --seat as Ketua (seat 1 must be empty; their seat empties).
    Ketua(change::SeatArgs),
    /// The change log, newest first.
    Log(change::LogArgs),
    /// Own the store and serve many coordinators over a Unix socket (until SIGTERM).
    Serve(ServeArgs),
    /// Verify the journal's chain and that the store equals the journal replayed.
    Check,
    /// Rewrite the store with only its live data (sled keeps the space of old values).
    Compact,
    /// Recreate a store (at --db) from another store's journal alone.
    Rebuild {
        /// The directory holding the journal (journal.kpps).
        #[arg(long, value_name = "DIR")]
        from_journal: PathBuf,
    },
}

#[derive(Args, Debug, Clone)]
pub struct ElectionArgs {
    /// Region file (same format as assets/palembang-2024-wilayah.csv); default: embedded Palembang.
    #[arg(long, value_name = "FILE")]
    pub regions: Option<PathBuf>,
    #[arg(long, default_value = "Pemilu 2024")]
    pub election_name: String,
    #[arg(long, default_value = "2024-02-14")]
    pub voting_day: NaiveDate,
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u8).range(1..=20))]
    pub seats_per_tps: u8,
    #[arg(long, default_value_t = 17)]
    pub min_age: u8,
    #[arg(long, default_value_t = 55)]
    pub max_age: u8,
}

impl Default for ElectionArgs {
    /// The same values as the flags' defaults (Pemilu 2024, embedded Palembang).
    fn default() -> Self {
        let params = ElectionParams::default();
        ElectionArgs {
            regions: None,
            election_name: params.name,
            voting_day: params.voting_day,
            seats_per_tps: params.seats_per_tps,
            min_age: params.min_age,
            max_age: params.preferred_max_age,
        }
    }
}

#[derive(Args, Debug)]
pub struct InitArgs {
    #[command(flatten)]
    pub election: ElectionArgs,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[arg(long, default_value_t = crate::demo::DEFAULT_SEED)]
    pub seed: u64,
    #[command(flatten)]
    pub election: ElectionArgs,
}

#[derive(Subcommand, Debug)]
pub enum ImportCmd {
    /// kelurahan_code,tps,kpps,nama,nik,tanggal_lahir,jenis_kelamin,telepon,skrining,jkn
    Roster(ImportArgs),
    /// kelurahan_code,peringkat,nama,nik,tanggal_lahir,jenis_kelamin,telepon,skrining,jkn[,tps]
    Reserves(ImportArgs),
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// Replace the roster of every kelurahan in the file (one recorded change).
    #[arg(long)]
    pub replace: bool,
    /// Validate only; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// List every warning as FILE:LINE (by default they are counted by kind).
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Subcommand, Debug)]
pub enum ExportCmd {
    Roster(ExportArgs),
    Reserves(ExportArgs),
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Output file (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Who may connect: CSV `user,role,area` (role kpu, ppk, pps or viewer), re-read when it
    /// changes. Default: coordinators.csv in the store directory; while the file does not
    /// exist, only the user running the server may connect.
    #[arg(long, value_name = "FILE")]
    pub coordinators: Option<PathBuf>,
    /// Give the socket to this group (mode 0660) so its members can connect.
    #[arg(long)]
    pub group: Option<String>,
    /// Bytes of changes and answers a client may have waiting before it is cut off as too
    /// slow.
    #[arg(long = "client-queue-bytes", default_value_t = crate::net::server::CLIENT_QUEUE, hide = true)]
    pub client_queue: usize,
    /// Connections open at once, in all (default: what the descriptor limit allows).
    #[arg(long, hide = true)]
    pub max_clients: Option<usize>,
}

#[derive(Args, Debug)]
pub struct GapsArgs {
    /// Kecamatan code or name.
    #[arg(long)]
    pub kecamatan: Option<String>,
    /// Kelurahan code or name.
    #[arg(long)]
    pub kelurahan: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Only seats with no officer: leave out officers absent today and health flags.
    #[arg(long)]
    pub vacant_only: bool,
    /// The time the report says the data was read (RFC 3339; default now). For tests.
    #[arg(long, env = "KPPS_NOW", hide = true, value_name = "RFC3339")]
    pub now: Option<chrono::DateTime<Utc>>,
}

/// Exit codes: 0 done, 1 refused or invalid input, 2 store unavailable (in use, missing).
#[derive(Debug)]
pub enum Failure {
    /// Already printed; exit 1.
    Reported,
    Store(StoreError),
    /// The store or its server cannot be used (exit 2).
    Unavailable(String),
    Other(String),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

pub type CliResult = Result<(), Failure>;

/// A message for the terminal, line by line through `text::safe`: it may echo what was typed
/// or stored (a file name, a name in a refusal).
fn shown(msg: &str) -> String {
    msg.split('\n').map(safe).collect::<Vec<_>>().join("\n")
}

pub fn default_store_dir(demo: bool) -> PathBuf {
    let base = dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("kpps");
    base.join(if demo { "demo" } else { "store" })
}

pub fn run() -> ExitCode {
    // Everything we create is personal data: private by default.
    // SAFETY: umask only changes this process's file-creation mask.
    unsafe { libc::umask(0o077) };
    let cli = Cli::parse();
    let lang = cli.lang;
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Reported) => ExitCode::from(1),
        Err(Failure::Store(e)) => {
            eprintln!("kpps: {}", shown(&e.text(lang)));
            if let StoreError::ForeignOwner { owner, path, .. } = &e {
                eprintln!("kpps: {}", as_owner(owner, path, lang));
            }
            if let StoreError::OldDemo { path, info } = &e {
                eprintln!("kpps: {}", shown(&demo_again(path, info, lang)));
            }
            match e {
                StoreError::InUse(_)
                | StoreError::NotFound(_)
                | StoreError::Incomplete(_)
                | StoreError::DiskFull { .. }
                | StoreError::NotRecorded { .. }
                | StoreError::JournalOnly { .. }
                | StoreError::Uncertain { .. }
                | StoreError::Disagrees { .. }
                | StoreError::OldDemo { .. }
                | StoreError::ForeignOwner { .. } => ExitCode::from(2),
                _ => ExitCode::from(1),
            }
        }
        Err(Failure::Unavailable(msg)) => {
            eprintln!("kpps: {}", shown(&msg));
            ExitCode::from(2)
        }
        Err(Failure::Other(msg)) => {
            eprintln!("kpps: {}", shown(&msg));
            ExitCode::from(1)
        }
    }
}

/// The exact command that runs this one as the store's owner: this kpps, the same
/// arguments, and `--db` spelled out (sudo drops $KPPS_DB).
fn as_owner(owner: &str, dir: &Path, lang: Lang) -> String {
    use crate::store::shell_quote;
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "kpps".into());
    let mut words = vec![
        shell_quote(&exe),
        "--db".into(),
        shell_quote(&dir.display().to_string()),
    ];
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--db" {
            args.next();
        } else if !arg.starts_with("--db=") {
            words.push(shell_quote(&arg));
        }
    }
    let line = words.join(" ");
    format!(
        "{} {owner}: sudo -u {o} {line}   ({} runuser -u {o} -- {line})",
        lang.t("jalankan sebagai", "run it as"),
        lang.t("atau:", "or:"),
        o = shell_quote(owner)
    )
}

/// How to make an older demo store again (`StoreError::OldDemo`): move it aside, then
/// `kpps demo` with the seed, region file and election flags it was made with.
fn demo_again(dir: &Path, info: &StoreInfo, lang: Lang) -> String {
    use crate::store::{command, shell_quote};
    let seed = info.demo_seed.unwrap_or(crate::demo::DEFAULT_SEED);
    let mut args = format!("demo --seed {seed}");
    if info.regions_source != PALEMBANG_SOURCE {
        args += &format!(" --regions {}", shell_quote(&info.regions_source));
    }
    let (p, default) = (&info.params, ElectionParams::default());
    if p.name != default.name {
        args += &format!(" --election-name {}", shell_quote(&p.name));
    }
    if p.voting_day != default.voting_day {
        args += &format!(" --voting-day {}", p.voting_day);
    }
    if p.seats_per_tps != default.seats_per_tps {
        args += &format!(" --seats-per-tps {}", p.seats_per_tps);
    }
    if p.min_age != default.min_age {
        args += &format!(" --min-age {}", p.min_age);
    }
    if p.preferred_max_age != default.preferred_max_age {
        args += &format!(" --max-age {}", p.preferred_max_age);
    }
    format!(
        "{}: mv {} {} && {}",
        lang.t("buat lagi", "make it again"),
        shell_quote(&dir.display().to_string()),
        shell_quote(&format!("{}.old", dir.display())),
        command(dir, &args)
    )
}

fn dispatch(cli: Cli) -> CliResult {
    let lang = cli.lang;
    // The name recorded in the audit log and shown to everyone who reads it.
    let actor = match cli.actor.as_deref() {
        Some(raw) => {
            let name = checked_flag("as", TextField::Actor, raw, lang)?;
            if name.is_empty() {
                return Err(Failure::Other(format!(
                    "--as {}",
                    lang.t("kosong", "is empty")
                )));
            }
            name.into_owned()
        }
        None => os_user(),
    };
    let dir = cli
        .db
        .clone()
        .unwrap_or_else(|| default_store_dir(cli.demo));
    let target = Target {
        require_server: cli.socket.is_some(),
        socket: cli
            .socket
            .clone()
            .unwrap_or_else(|| crate::net::default_socket(&dir)),
        dir: dir.clone(),
        actor: actor.clone(),
        lang,
    };
    match cli.command {
        None => run_app(&target, lang, cli.demo),
        Some(Cmd::Serve(args)) => serve(&target, &args),
        Some(Cmd::Init(args)) => init(&dir, &actor, &args.election, None, lang),
        Some(Cmd::Demo(args)) => init(&dir, &actor, &args.election, Some(args.seed), lang),
        Some(Cmd::Import(cmd)) => {
            let (kind, args) = match cmd {
                ImportCmd::Roster(a) => (ImportKind::Roster, a),
                ImportCmd::Reserves(a) => (ImportKind::Reserves, a),
            };
            import(&target, kind, &args, lang)
        }
        Some(Cmd::Export(cmd)) => {
            let (port, roster) = target.connect()?;
            // The whole roster with every NIK and phone: through a server, only the KPU
            // office may take it away in a file.
            if let Some((user, role)) = port.identity() {
                if role != crate::domain::Role::Kpu {
                    return Err(Failure::Other(format!(
                        "{user}: {}",
                        lang.t(
                            "hanya KPU yang boleh mengekspor data pribadi seluruh wilayah",
                            "only the KPU office may export the whole region's personal data"
                        )
                    )));
                }
            }
            let (args, roster_kind) = match cmd {
                ExportCmd::Roster(a) => (a, true),
                ExportCmd::Reserves(a) => (a, false),
            };
            export(&roster, roster_kind, args.out.as_deref(), lang)
        }
        Some(Cmd::Vacate(args)) => change::vacate(&target, &args, lang),
        Some(Cmd::Absent(args)) => change::absent(&target, &args, lang),
        Some(Cmd::Fill(args)) => change::fill(&target, &args, lang),
        Some(Cmd::Ketua(args)) => change::ketua(&target, &args, lang),
        Some(Cmd::Log(args)) => change::log(&target, &args, lang),
        Some(Cmd::Check) => check(&dir, &actor, lang),
        Some(Cmd::Compact) => compact(&dir, &actor, lang),
        Some(Cmd::Rebuild { from_journal }) => rebuild(&from_journal, &dir, &actor, lang),
        Some(Cmd::Gaps(args)) => {
            let (_, roster) = target.connect()?;
            let scope = resolve_scope(
                &roster.region,
                args.kecamatan.as_deref(),
                args.kelurahan.as_deref(),
                lang,
            )?;
            let opts = report::Options {
                format: args.format,
                lang,
                vacant_only: args.vacant_only,
                now: args.now.unwrap_or_else(Utc::now),
            };
            let result = write_stdout(&report::render(&roster, scope, &opts));
            // A read-only report: the OS reclaims the roster faster than freeing 5.7 million
            // people one by one (about 0.8 s at national scale).
            std::mem::forget(roster);
            result
        }
    }
}

/// A person from command-line fields, through the same check as an import row and the
/// form (`PersonDraft`). Every error is named by its flag; warnings are printed and do not
/// stop the appointment.
fn parse_person_args(
    a: &change::PersonArgs,
    roster: &Roster,
    lang: Lang,
) -> Result<crate::domain::Person, Failure> {
    let draft = PersonDraft {
        nama: a.nama.as_deref().unwrap_or(""),
        nik: a.nik.as_deref().unwrap_or(""),
        tanggal_lahir: a.tanggal_lahir.as_deref().unwrap_or(""),
        jenis_kelamin: a.jenis_kelamin.as_deref().unwrap_or(""),
        telepon: a.telepon.as_deref().unwrap_or(""),
        skrining: &a.skrining,
        jkn: &a.jkn,
    };
    match draft.validate(&roster.params, &roster.region) {
        Ok(checked) => {
            for w in &checked.warnings {
                eprintln!(
                    "{} {}",
                    lang.t("peringatan:", "warning:"),
                    safe(&lang.field_issue(w, Label::Flag))
                );
            }
            Ok(checked.person)
        }
        Err(issues) => Err(Failure::Other(
            issues
                .iter()
                .filter(|i| i.severity() == crate::domain::Severity::Error)
                .map(|i| lang.field_issue(i, Label::Flag))
                .collect::<Vec<_>>()
                .join("\n"),
        )),
    }
}

/// A typed flag value checked by the domain's text rules: trimmed, or refused naming the flag,
/// e.g. `--nama berisi karakter kontrol atau tak terlihat (U+001B) di karakter ke-6`.
pub(crate) fn checked_flag<'a>(
    flag: &str,
    field: TextField,
    raw: &'a str,
    lang: Lang,
) -> Result<Cow<'a, str>, Failure> {
    freetext::clean(field, raw)
        .map_err(|e| Failure::Other(format!("--{flag} {}", lang.text_problem(&e.problem))))
}

/// Where the data is: a store directory, and the socket its server (if any) listens on.
pub struct Target {
    pub dir: PathBuf,
    pub socket: PathBuf,
    /// A socket named on purpose (flag or $KPPS_SOCKET) must have a server: a coordinator
    /// who lands in kpps through SSH must not get a private empty store instead.
    pub require_server: bool,
    /// Audit-log name when kpps opens the store itself.
    pub actor: String,
    pub lang: Lang,
}

impl Target {
    /// Through the server if one listens on the socket, else the store opened directly.
    pub fn connect(&self) -> Result<(Box<dyn Port>, Roster), Failure> {
        match self.connect_server()? {
            Some((client, roster)) => Ok((Box::new(client), roster)),
            None => {
                let store = open_store(&self.dir, &self.actor, self.lang)?;
                let roster = store.load()?;
                Ok((Box::new(store), roster))
            }
        }
    }

    /// The server's client and roster, or None when no server listens.
    pub fn connect_server(&self) -> Result<Option<(Client, Roster)>, Failure> {
        match Client::connect(&self.socket) {
            Ok(pair) => Ok(Some(pair)),
            Err(ConnectError::NoServer(_)) if !self.require_server => Ok(None),
            Err(e @ ConnectError::NoServer(_)) => Err(Failure::Unavailable(tr!(
                self.lang,
                "{}; apakah `kpps serve` berjalan? (tanyakan kepada pengelola server)",
                "{}; is `kpps serve` running? (ask whoever runs the server)",
                e.text(self.lang)
            ))),
            Err(e) => Err(Failure::Unavailable(e.text(self.lang))),
        }
    }
}

/// `kpps` with no subcommand: connect to the store's server, or open (or create) the store,
/// and run the interface.
fn run_app(target: &Target, lang: Lang, demo: bool) -> CliResult {
    let terminal =
        |app| crate::tui::run_terminal(app).map_err(|e| Failure::Other(format!("terminal: {e}")));
    if let Some((client, roster)) = target.connect_server()? {
        return terminal(App::with_port(roster, lang, Box::new(client)));
    }
    let (dir, actor) = (target.dir.as_path(), target.actor.as_str());
    let (store, roster) = if Store::exists(dir) {
        let store = open_store(dir, actor, lang)?;
        let mut roster = store.load()?;
        // Duplicate-NIK checks need the index; the first screen does not: build it meanwhile.
        roster.index_in_background();
        (store, roster)
    } else {
        // First run: the embedded Palembang tree, empty (or with the demo roster).
        let seed = demo.then_some(crate::demo::DEFAULT_SEED);
        create_store(dir, actor, &ElectionArgs::default(), seed, lang)?
    };
    terminal(App::with_port(roster, lang, Box::new(store)))
}

fn serve(target: &Target, args: &ServeArgs) -> CliResult {
    let coordinators = args
        .coordinators
        .clone()
        .unwrap_or_else(|| target.dir.join("coordinators.csv"));
    if !coordinators.exists() {
        eprintln!(
            "kpps serve: no {} yet; until it exists only {} may connect",
            coordinators.display(),
            os_user()
        );
    }
    let opts = ServeOptions {
        dir: target.dir.clone(),
        socket: target.socket.clone(),
        coordinators,
        group: args.group.clone(),
        client_queue: args.client_queue,
        max_clients: args.max_clients,
        lang: target.lang,
    };
    crate::net::serve(&opts, &target.actor, || {}).map_err(|e| match e {
        ServeError::Store(e) => Failure::Store(e),
        ServeError::AlreadyServing(_) => Failure::Unavailable(e.text(target.lang)),
        other => Failure::Other(other.text(target.lang)),
    })
}

/// Opens the store and says what opening repaired (a torn journal tail, replayed entries).
pub fn open_store(dir: &Path, actor: &str, lang: Lang) -> Result<Store, Failure> {
    let store = Store::open(dir, actor)?;
    for notice in &store.notices {
        eprintln!("kpps: {}", notice.text(lang));
    }
    Ok(store)
}

fn compact(dir: &Path, actor: &str, lang: Lang) -> CliResult {
    let mut store = open_store(dir, actor, lang)?;
    let live = store.live_bytes()?;
    let done = store.compact()?;
    println!(
        "{}: {} → {} {} ({} {})",
        dir.display(),
        lang.num(done.before),
        lang.num(done.after),
        lang.t("byte di disk", "bytes on disk"),
        lang.num(live),
        lang.t("byte data", "bytes of data"),
    );
    Ok(())
}

fn check(dir: &Path, actor: &str, lang: Lang) -> CliResult {
    let store = open_store(dir, actor, lang)?;
    let report = store.check()?;
    println!(
        "{}: {} {}, {} {}; {} TPS, {} {}, {} {}",
        Store::journal_path(dir).display(),
        lang.num(report.journal_entries as u64),
        lang.t("entri", "entries"),
        lang.num(report.changes as u64),
        lang.t("perubahan", "changes"),
        lang.num(report.tps as u64),
        lang.num(report.officers as u64),
        lang.t("petugas", "officers"),
        lang.num(report.reserves as u64),
        lang.t("cadangan", "reserves"),
    );
    if report.problems.is_empty() {
        println!(
            "{}",
            lang.t(
                "OK: rantai jurnal utuh dan store sama dengan jurnal",
                "OK: the journal chain is intact and the store equals the journal"
            )
        );
        return Ok(());
    }
    for p in &report.problems {
        eprintln!("{} {p}", lang.t("MASALAH:", "PROBLEM:"));
    }
    Err(Failure::Other(format!(
        "{} {}",
        lang.num(report.problems.len() as u64),
        lang.t("masalah ditemukan", "problems found")
    )))
}

fn rebuild(from: &Path, dest: &Path, actor: &str, lang: Lang) -> CliResult {
    let (store, changes) = crate::store::rebuild(from, dest, actor)?;
    for notice in &store.notices {
        eprintln!("kpps: {}", notice.text(lang));
    }
    let report = store.check()?;
    println!(
        "{} {} ← {}: {} {}",
        lang.t("Store dibangun ulang", "Store rebuilt"),
        dest.display(),
        Store::journal_path(from).display(),
        lang.num(changes as u64),
        lang.t("perubahan diputar ulang", "changes replayed"),
    );
    if !report.problems.is_empty() {
        return Err(Failure::Other(report.problems.join("; ")));
    }
    Ok(())
}

/// Writes a report to stdout; a closed pipe (`kpps gaps | head`) is not an error.
fn write_stdout(text: &str) -> CliResult {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::Other(e.to_string())),
        _ => Ok(()),
    }
}

/// Loads the region tree named by `--regions`, or the embedded Palembang tree; a broken
/// file's problems are printed in `lang`.
pub fn load_regions(path: Option<&Path>, lang: Lang) -> Result<(Region, String), Failure> {
    match path {
        None => Ok((region_csv::palembang(), PALEMBANG_SOURCE.to_string())),
        Some(p) => match region_csv::load_region_file(p, lang) {
            Ok(r) => Ok((r, p.display().to_string())),
            Err(errors) => {
                print_row_errors(&errors, lang);
                Err(Failure::Reported)
            }
        },
    }
}

fn params(args: &ElectionArgs) -> ElectionParams {
    ElectionParams {
        name: args.election_name.clone(),
        voting_day: args.voting_day,
        seats_per_tps: args.seats_per_tps,
        min_age: args.min_age,
        preferred_max_age: args.max_age,
    }
}

/// Creates a store, empty (`init`) or with the synthetic demo roster.
pub fn create_store(
    dir: &Path,
    actor: &str,
    election: &ElectionArgs,
    demo_seed: Option<u64>,
    lang: Lang,
) -> Result<(Store, Roster), Failure> {
    if Store::exists(dir) {
        return Err(Failure::Store(StoreError::AlreadyExists(dir.to_path_buf())));
    }
    let (region, regions_source) = load_regions(election.regions.as_deref(), lang)?;
    let params = params(election);
    let roster = match demo_seed {
        Some(seed) => crate::demo::generate(region, params.clone(), seed),
        None => Roster::new(region, params.clone()),
    };
    let info = StoreInfo {
        params,
        demo_seed,
        regions_source,
        created: Utc::now(),
    };
    let store = Store::create(dir, actor, &roster, info)?;
    Ok((store, roster))
}

fn init(
    dir: &Path,
    actor: &str,
    election: &ElectionArgs,
    demo_seed: Option<u64>,
    lang: Lang,
) -> CliResult {
    // Shown in every coordinator's header: held to the same rules as typed names.
    let name = checked_flag(
        "election-name",
        TextField::ElectionName,
        &election.election_name,
        lang,
    )?;
    if name.is_empty() {
        return Err(Failure::Other(format!(
            "--election-name {}",
            lang.t("kosong", "is empty")
        )));
    }
    let election = ElectionArgs {
        election_name: name.into_owned(),
        ..election.clone()
    };
    let (store, roster) = create_store(dir, actor, &election, demo_seed, lang)?;
    let t = roster.total();
    let what = if demo_seed.is_some() {
        lang.t("Store demo dibuat", "Demo store created")
    } else {
        lang.t("Store dibuat", "Store created")
    };
    println!("{what}: {}", store.dir().display());
    println!(
        "{} kecamatan, {} kelurahan, {} TPS, {} {}; {} {}",
        lang.num(roster.region.kecamatan.len() as u64),
        lang.num(roster.region.kelurahan.len() as u64),
        lang.num(t.tps),
        lang.num(t.seats),
        lang.t("kursi", "seats"),
        lang.num(t.filled()),
        lang.t("terisi", "filled"),
    );
    Ok(())
}

pub fn print_row_errors(errors: &[RowError], lang: Lang) {
    const SHOWN: usize = 50;
    for e in errors.iter().take(SHOWN) {
        eprintln!("{}", safe(&e.to_string()));
    }
    if errors.len() > SHOWN {
        let more = lang.num((errors.len() - SHOWN) as u64);
        eprintln!("{}", tr!(lang, "… {more} lagi", "… {more} more"));
    }
}

/// Through the server when one runs (the KPU office may import while coordinators work),
/// else into the store opened directly.
fn import(target: &Target, kind: ImportKind, args: &ImportArgs, lang: Lang) -> CliResult {
    // The file's name is recorded in the log that every coordinator reads.
    if let Some(problem) = freetext::find_unsafe(&args.file.display().to_string()) {
        return Err(Failure::Other(format!(
            "{}: {}",
            lang.t("nama berkas", "file name"),
            lang.text_problem(&problem)
        )));
    }
    let (mut port, mut roster) = target.connect()?;
    let opts = ImportOptions {
        replace: args.replace,
        dry_run: args.dry_run,
        lang,
    };
    // Warnings are counted by kind (a roster of 30,000 rows can carry 25,000 "over 55");
    // every one with its line only on request. Errors are always listed.
    let params = roster.params.clone();
    let warnings = |list: &[RowError], counts: &crate::domain::draft::WarningCounts| {
        if args.verbose {
            for w in list {
                eprintln!(
                    "{} {}",
                    lang.t("peringatan:", "warning:"),
                    safe(&w.to_string())
                );
            }
        }
        if let Some(summary) = lang.warning_summary(counts, &params) {
            let hint = if args.verbose {
                ""
            } else {
                lang.t(
                    " (daftar lengkap per baris: --verbose)",
                    " (every one by line: --verbose)",
                )
            };
            eprintln!(
                "{}: {summary}{hint}",
                safe(&args.file.display().to_string())
            );
        }
    };
    match roster_csv::import(port.as_mut(), &mut roster, kind, &args.file, &opts) {
        Ok(report) => {
            warnings(&report.warnings, &report.warning_counts);
            let verb = if args.dry_run {
                lang.t(
                    "valid (uji coba, tidak ada yang ditulis)",
                    "valid (dry run, nothing written)",
                )
            } else {
                lang.t("diimpor", "imported")
            };
            println!(
                "{}: {} {} {verb}, {} kelurahan, {} {}",
                safe(&args.file.display().to_string()),
                lang.num(report.rows as u64),
                lang.t("baris", "rows"),
                lang.num(report.kelurahan as u64),
                lang.num(report.warnings.len() as u64),
                lang.t("peringatan", "warnings"),
            );
            Ok(())
        }
        Err(failure) => {
            warnings(&failure.warnings, &failure.warning_counts);
            print_row_errors(&failure.errors, lang);
            eprintln!(
                "{}: {} {}; {}",
                safe(&args.file.display().to_string()),
                lang.num(failure.errors.len() as u64),
                lang.t("kesalahan", "errors"),
                if failure.may_be_recorded {
                    lang.t(
                        "impor mungkin tercatat; lihat `kpps log --limit 5`",
                        "the import may have been recorded; see `kpps log --limit 5`",
                    )
                } else {
                    lang.t("tidak ada yang diimpor", "nothing was imported")
                },
            );
            Err(Failure::Reported)
        }
    }
}

fn export(roster: &Roster, roster_kind: bool, out: Option<&Path>, lang: Lang) -> CliResult {
    let io_err = |e: std::io::Error| Failure::Other(e.to_string());
    let out_err = |e: OutFileError| Failure::Other(e.text(lang));
    // Never through a link, never into another user's file (see io::outfile).
    let mut file = out.map(OutFile::create).transpose().map_err(out_err)?;
    let mut sink: Box<dyn Write + '_> = match file.as_mut() {
        Some(f) => Box::new(f),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let rows = if roster_kind {
        roster_csv::export_roster(roster, &mut sink)
    } else {
        roster_csv::export_reserves(roster, &mut sink)
    }
    .map_err(io_err)?;
    sink.flush().map_err(io_err)?;
    drop(sink);
    if let Some(file) = file {
        file.commit().map_err(out_err)?;
    }
    eprintln!(
        "{} {} — {}",
        lang.num(rows as u64),
        lang.t("baris diekspor", "rows exported"),
        lang.t(
            "berisi data pribadi (NIK): simpan dan bagikan dengan hati-hati",
            "contains personal data (NIK): store and share with care"
        ),
    );
    Ok(())
}

fn lookup_failure(what: &str, e: Lookup, lang: Lang) -> Failure {
    match e {
        Lookup::Unknown(q) => Failure::Other(format!(
            "{} {what} {q:?}",
            lang.t("tidak dikenal:", "unknown")
        )),
        Lookup::Ambiguous(q, candidates) => {
            let mut msg = format!(
                "{what} {q:?} {}:",
                lang.t("ambigu, kandidat", "is ambiguous, candidates")
            );
            for (code, name) in candidates.iter().take(20) {
                msg.push_str(&format!("\n  {code}  {name}"));
            }
            if candidates.len() > 20 {
                msg.push_str(&format!("\n  … {}", candidates.len() - 20));
            }
            Failure::Other(msg)
        }
    }
}

pub fn resolve_scope(
    region: &Region,
    kec: Option<&str>,
    kel: Option<&str>,
    lang: Lang,
) -> Result<Scope, Failure> {
    let kec_id = kec
        .map(|q| {
            region
                .resolve_kecamatan(q)
                .map_err(|e| lookup_failure("kecamatan", e, lang))
        })
        .transpose()?;
    match kel {
        Some(q) => {
            let id = region
                .resolve_kelurahan(q, kec_id)
                .map_err(|e| lookup_failure("kelurahan", e, lang))?;
            Ok(Scope::Kelurahan(id))
        }
        None => Ok(kec_id.map_or(Scope::All, Scope::Kecamatan)),
    }
}
