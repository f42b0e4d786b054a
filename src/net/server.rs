//! `kpps serve`: one process owns the store; every connected client gets the roster once and
//! then every committed change, pushed, in order.
//!
//! Threads: one accepting, one committing, and per client one reading its requests and one
//! writing to it. Every change goes through the committer, which commits whatever requests
//! are waiting as one group (one fsync for many coordinators) under one lock over the store
//! and roster, and queues each entry to every client under that same lock, so all clients
//! see one order. Each client's
//! queue is bounded: a client that stops reading is disconnected (it reconnects and gets a
//! fresh snapshot) rather than stalling the others or growing the server's memory. An idle
//! client costs a blocked read and a blocked receive: no CPU, no bytes.

use std::io::{self, BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use super::proto::{self, ToClient, ToServer, PROTOCOL};
use crate::domain::{Command, KelurahanId, Refusal, Role, Roster, TpsId};
use crate::io::coordinators::Coordinators;
use crate::store::{codec, CompactionJob, ExecError, Store, StoreError, COMPACT_ABOVE};

/// Frames a client may have waiting before it counts as too slow and is disconnected
/// (about 200 KB of ordinary changes, on top of the socket's own buffer).
pub const CLIENT_QUEUE: usize = 1024;
/// TPS per snapshot frame (about 1 MB of officers) and kelurahan per reserve frame.
const SEATS_PER_FRAME: usize = 2_000;
const RESERVES_PER_FRAME: usize = 200;
/// A connection must say hello within this time, so a stuck one cannot hold a thread.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a write to a client may block before the client is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest request a client may send (a direct appointment is a few hundred bytes).
const MAX_REQUEST: usize = 64 << 10;
/// Committed changes between two looks at the store's size on disk.
const COMPACT_CHECK_EVERY: u64 = 200;

pub struct ServeOptions {
    pub dir: PathBuf,
    pub socket: PathBuf,
    /// `user,role,area` CSV, re-read when it changes; while it does not exist, only the
    /// user running the server may connect.
    pub coordinators: PathBuf,
    /// Group the socket is given (mode 0660), so its members can connect.
    pub group: Option<String>,
    /// Frames a client may have waiting before it is cut off as too slow.
    pub client_queue: usize,
}

struct Subscriber {
    id: u64,
    user: String,
    tx: SyncSender<Arc<Vec<u8>>>,
    /// To cut off a client that fell too far behind.
    stream: UnixStream,
}

struct Core {
    store: Store,
    roster: Roster,
    subscribers: Vec<Subscriber>,
    next_id: u64,
    /// Live bytes in the store, kept up to date from what each commit adds.
    live_estimate: u64,
    committed_since_check: u64,
    /// A compaction copying in the background, if one is.
    compaction: Option<CompactionJob>,
}

/// The core lock. A panic while holding it leaves the roster in doubt: stop, so the service
/// manager restarts the server and the journal brings the store back.
fn lock(core: &Mutex<Core>) -> std::sync::MutexGuard<'_, Core> {
    core.lock().unwrap_or_else(|_| {
        eprintln!("kpps serve: internal error while recording; restarting to recover");
        std::process::exit(1)
    })
}

impl Core {
    /// Disconnects every client whose user the coordinators file no longer lists: they
    /// must not go on receiving the roster's changes. What is already queued to them (the
    /// refusal that told them) is still delivered; nothing more is.
    fn drop_unlisted(&mut self, coordinators: &Coordinators) {
        self.subscribers.retain(|s| {
            let listed = coordinators.role_of(&s.user).is_some();
            if !listed {
                eprintln!(
                    "kpps serve: {} is no longer a coordinator; disconnected (client {})",
                    s.user, s.id
                );
                let _ = s.stream.shutdown(std::net::Shutdown::Read);
            }
            listed
        });
    }

    /// Queues a frame to every client; one whose queue is full is disconnected.
    fn broadcast(&mut self, frame: Arc<Vec<u8>>) {
        self.subscribers
            .retain(|s| match s.tx.try_send(Arc::clone(&frame)) {
                Ok(()) => true,
                Err(TrySendError::Full(_)) => {
                    eprintln!("kpps serve: client {} is too slow; disconnected", s.id);
                    let _ = s.stream.shutdown(std::net::Shutdown::Both);
                    false
                }
                Err(TrySendError::Disconnected(_)) => false,
            });
    }

    fn send_to(&mut self, id: u64, frame: Vec<u8>) {
        let frame = Arc::new(frame);
        if let Some(s) = self.subscribers.iter().find(|s| s.id == id) {
            if s.tx.try_send(frame).is_err() {
                let _ = s.stream.shutdown(std::net::Shutdown::Both);
            }
        }
    }
}

/// Who may connect and write, re-read when the file changes: adding, demoting or removing
/// a coordinator needs no restart and applies to sessions already open.
struct Roles {
    path: PathBuf,
    owner: String,
    /// The file's mtime when last read (None inside: no file), and what it said; the outer
    /// None means never read.
    loaded: Mutex<(Option<Option<SystemTime>>, Arc<Coordinators>)>,
}

impl Roles {
    fn current(&self, roster: &Roster) -> Arc<Coordinators> {
        let mtime = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok();
        let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        if loaded.0 != Some(mtime) {
            let fresh = match mtime {
                None => Ok(Coordinators::owner_only(&self.owner)),
                Some(_) => Coordinators::load(&self.path, &roster.region),
            };
            match fresh {
                Ok(c) => {
                    if mtime.is_some() {
                        eprintln!(
                            "kpps serve: {} coordinators from {}",
                            c.len(),
                            self.path.display()
                        );
                    }
                    *loaded = (Some(mtime), Arc::new(c));
                }
                // Keep the last good list; say what is wrong with the new file.
                Err(errors) => {
                    for e in &errors {
                        eprintln!("kpps serve: {e} (file not reloaded)");
                    }
                    loaded.0 = Some(mtime);
                }
            }
        }
        Arc::clone(&loaded.1)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("socket {path}: {source}")]
    Socket { path: PathBuf, source: io::Error },
    #[error("a kpps server is already listening on {0}")]
    AlreadyServing(PathBuf),
    #[error("{0}")]
    Coordinators(String),
    #[error("group {0:?} does not exist")]
    NoSuchGroup(String),
}

/// Runs the server until SIGTERM or SIGINT. `ready` is called once the socket listens.
pub fn serve(opts: &ServeOptions, actor: &str, ready: impl FnOnce()) -> Result<(), ServeError> {
    let store = Store::open(&opts.dir, actor)?;
    for notice in &store.notices {
        eprintln!("kpps serve: {notice}");
    }
    let mut store = store;
    let roster = store.load()?;
    let roles = Roles {
        path: opts.coordinators.clone(),
        owner: crate::store::os_user(),
        loaded: Mutex::new((None, Arc::new(Coordinators::default()))),
    };
    if opts.coordinators.exists() {
        // A broken file at start-up is an error, not an empty server.
        Coordinators::load(&opts.coordinators, &roster.region).map_err(|errors| {
            ServeError::Coordinators(
                errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        })?;
    }
    let live = store.live_bytes()?;
    let live_estimate = match store.compact_if_grown(live) {
        Ok(Some(done)) => {
            eprintln!(
                "kpps serve: compacted the store: {} → {} bytes on disk ({live} bytes of data)",
                done.before, done.after
            );
            store.live_bytes()?
        }
        Ok(None) => live,
        // Not compacted (a full disk, say): the store is as it was and can be served.
        Err(e @ StoreError::NotCompacted { .. }) => {
            eprintln!("kpps serve: {e}; serving it as it is");
            live
        }
        Err(e) => return Err(e.into()),
    };
    let listener = bind(&opts.socket, opts.group.as_deref())?;
    let core = Arc::new(Mutex::new(Core {
        store,
        roster,
        subscribers: Vec::new(),
        next_id: 1,
        live_estimate,
        committed_since_check: 0,
        compaction: None,
    }));
    let roles = Arc::new(roles);
    stop_on_signals(Arc::clone(&core), opts.socket.clone());
    eprintln!(
        "kpps serve: store {} on {}",
        opts.dir.display(),
        opts.socket.display()
    );
    ready();
    let queue = opts.client_queue.max(1);
    let (jobs, pending) = sync_channel::<Job>(4 * MAX_BATCH);
    {
        let core = Arc::clone(&core);
        let roles = Arc::clone(&roles);
        std::thread::spawn(move || commit_loop(core, roles, pending));
    }
    for conn in listener.incoming() {
        let stream = match conn {
            Ok(stream) => stream,
            Err(e) => {
                // Out of file descriptors, most likely: wait instead of spinning.
                eprintln!("kpps serve: accept: {e}");
                std::thread::sleep(Duration::from_millis(200));
                continue;
            }
        };
        let core = Arc::clone(&core);
        let roles = Arc::clone(&roles);
        let jobs = jobs.clone();
        std::thread::spawn(move || {
            if let Err(e) = serve_client(stream, &core, &jobs, &roles, queue) {
                eprintln!("kpps serve: {e}");
            }
        });
    }
    Ok(())
}

fn bind(path: &Path, group: Option<&str>) -> Result<UnixListener, ServeError> {
    let err = |source| ServeError::Socket {
        path: path.to_path_buf(),
        source,
    };
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        use std::os::unix::fs::FileTypeExt;
        // A live server answers; a socket left by a killed one refuses and is replaced.
        // Anything else at that path is left alone.
        match UnixStream::connect(path) {
            Ok(_) => return Err(ServeError::AlreadyServing(path.to_path_buf())),
            Err(e)
                if meta.file_type().is_socket() && e.kind() == io::ErrorKind::ConnectionRefused =>
            {
                std::fs::remove_file(path).map_err(err)?;
            }
            Err(e) => return Err(err(e)),
        }
    }
    let listener = UnixListener::bind(path).map_err(err)?;
    if let Some(group) = group {
        let gid = group_id(group).ok_or_else(|| ServeError::NoSuchGroup(group.to_string()))?;
        std::os::unix::fs::chown(path, None, Some(gid)).map_err(err)?;
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660)).map_err(err)?;
    Ok(listener)
}

fn group_id(name: &str) -> Option<u32> {
    let name = std::ffi::CString::new(name).ok()?;
    let mut grp: libc::group = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut result: *mut libc::group = std::ptr::null_mut();
    // SAFETY: getgrnam_r fills `grp` with pointers into `buf`; we read only gr_gid.
    let rc = unsafe {
        libc::getgrnam_r(
            name.as_ptr(),
            &mut grp,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        )
    };
    (rc == 0 && !result.is_null()).then_some(grp.gr_gid)
}

/// On SIGTERM/SIGINT: wait for any commit in progress (by taking the lock), remove the
/// socket so clients fall back or wait, and exit. Everything acknowledged is on disk.
fn stop_on_signals(core: Arc<Mutex<Core>>, socket: PathBuf) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGINT]) {
        std::thread::spawn(move || {
            if signals.forever().next().is_some() {
                let core = core.lock().unwrap_or_else(|p| p.into_inner());
                let _ = std::fs::remove_file(&socket);
                let _ = core.store.flush();
                eprintln!("kpps serve: stopped");
                std::process::exit(0);
            }
        });
    }
}

/// One connection, from hello to hang-up.
fn serve_client(
    stream: UnixStream,
    core: &Mutex<Core>,
    jobs: &SyncSender<Job>,
    roles: &Roles,
    queue: usize,
) -> io::Result<()> {
    let uid = super::peer_uid(&stream)?;
    let user = super::user_name(uid);
    let mut reader = io::BufReader::new(stream.try_clone()?);
    stream.set_read_timeout(Some(HELLO_TIMEOUT))?;
    let deny = |message: String| -> io::Result<()> {
        proto::write(&mut &stream, &ToClient::Denied { message })
    };
    match proto::read_limited::<ToServer>(&mut reader, MAX_REQUEST) {
        Ok(Some(ToServer::Hello { protocol })) if protocol == PROTOCOL => {}
        Ok(Some(ToServer::Hello { protocol })) => {
            return deny(format!(
                "this server speaks protocol {PROTOCOL}, the client {protocol}: use the same kpps version"
            ))
        }
        _ => return Ok(()), // not a kpps client, or gone
    }
    stream.set_read_timeout(None)?;
    // A client that stops reading while its socket is full is dropped, not waited for.
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;

    let (id, role, rx, snapshot) = {
        let mut core = lock(core);
        let coordinators = roles.current(&core.roster);
        let Some(role) = coordinators.role_of(&user) else {
            eprintln!("kpps serve: {user} (uid {uid}) is not a coordinator; refused");
            drop(core);
            return deny(format!(
                "user {user} is not in this server's coordinators file; ask the KPU office to add you"
            ));
        };
        let id = core.next_id;
        core.next_id += 1;
        let snapshot = snapshot(&core, &user, role)?;
        let (tx, rx) = sync_channel(queue);
        core.subscribers.push(Subscriber {
            id,
            user: user.clone(),
            tx,
            stream: stream.try_clone()?,
        });
        (id, role, rx, snapshot)
    };
    eprintln!("kpps serve: {user} connected as {role:?} (client {id})");
    let writer = {
        let stream = stream.try_clone()?;
        std::thread::spawn(move || write_loop(stream, snapshot, rx))
    };
    let user: Arc<str> = user.into();
    let result = read_loop(&mut reader, core, jobs, id, &user);
    // Dropping the queue lets the writer send what is left in it, then stop.
    lock(core).subscribers.retain(|s| s.id != id);
    let _ = writer.join();
    let _ = stream.shutdown(std::net::Shutdown::Both);
    eprintln!("kpps serve: {user} disconnected (client {id})");
    result
}

/// The roster as it stands, as frames: taken under the core lock, so the entries queued
/// after it are exactly those it lacks.
fn snapshot(core: &Core, user: &str, role: Role) -> io::Result<Vec<Vec<u8>>> {
    let roster = &core.roster;
    let info = core.store.info().map_err(io::Error::other)?;
    let seq = core
        .store
        .recent_log(1)
        .map_err(io::Error::other)?
        .first()
        .map_or(0, |e| e.seq);
    let mut frames = vec![proto::encode(&ToClient::Welcome {
        protocol: PROTOCOL,
        user: user.to_string(),
        role,
        info,
        regions: roster.region.to_specs(),
        seq,
    })];
    let filled: Vec<TpsId> = roster
        .region
        .tps_ids()
        .filter(|&t| roster.seats_of(t).iter().any(Option::is_some))
        .collect();
    for chunk in filled.chunks(SEATS_PER_FRAME) {
        let seats = chunk
            .iter()
            .map(|&t| (t, roster.seats_of(t).to_vec()))
            .collect();
        frames.push(proto::encode(&ToClient::Seats(seats)));
    }
    let kelurahan: Vec<KelurahanId> = (0..roster.region.kelurahan.len() as u32)
        .map(KelurahanId)
        .filter(|&k| !roster.reserves(k).is_empty())
        .collect();
    for chunk in kelurahan.chunks(RESERVES_PER_FRAME) {
        let lists = chunk
            .iter()
            .map(|&k| (k, roster.reserves(k).to_vec()))
            .collect();
        frames.push(proto::encode(&ToClient::Reserves(lists)));
    }
    frames.push(proto::encode(&ToClient::SnapshotEnd));
    Ok(frames)
}

/// Sends the snapshot, then whatever is queued, until the queue or the socket closes.
fn write_loop(stream: UnixStream, snapshot: Vec<Vec<u8>>, rx: Receiver<Arc<Vec<u8>>>) {
    let mut out = BufWriter::with_capacity(64 * 1024, &stream);
    let sent = (|| -> io::Result<()> {
        for frame in snapshot {
            out.write_all(&frame)?;
        }
        out.flush()?;
        while let Ok(frame) = rx.recv() {
            out.write_all(&frame)?;
            // Send everything already queued in one go, then flush.
            while let Ok(frame) = rx.try_recv() {
                out.write_all(&frame)?;
            }
            out.flush()?;
        }
        Ok(())
    })();
    if sent.is_err() {
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }
}

/// A change request on its way to the committer.
struct Job {
    client: u64,
    req: u64,
    command: Command,
    user: Arc<str>,
}

/// Most commands committed together (one fsync for all).
const MAX_BATCH: usize = 256;

/// The only writer: takes every change request waiting, checks each one (well-formed, an
/// undo of what the log says, the sender still a coordinator whose area covers it), decides
/// them in arrival order and makes the accepted ones durable together (group commit: 100
/// coordinators pressing `y` at once share one journal fsync and one sled flush). Entries
/// go to every client before the senders get their answers.
fn commit_loop(core: Arc<Mutex<Core>>, roles: Arc<Roles>, jobs: Receiver<Job>) {
    // The coordinators list the connected clients were last checked against.
    let mut seen_roles = roles.current(&lock(&core).roster);
    loop {
        let first = match jobs.recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut core = lock(&core);
        let core = &mut *core;
        let coordinators = roles.current(&core.roster);
        let roles_changed = !Arc::ptr_eq(&coordinators, &seen_roles);
        let mut replies = Vec::with_capacity(batch.len());
        let mut permitted = Vec::with_capacity(batch.len());
        for job in batch {
            match admit(core, &coordinators, &job) {
                Ok(command) => permitted.push((job, command)),
                Err(refusal) => replies.push((
                    job.client,
                    ToClient::Refused {
                        req: job.req,
                        refusal,
                    },
                )),
            }
        }
        let commands: Vec<(&Command, &str)> = permitted
            .iter()
            .map(|(job, command)| (command, &*job.user))
            .collect();
        let results = core.store.execute_batch(&mut core.roster, &commands);
        let mut committed = Vec::new();
        let mut disk_failed = false;
        for ((job, _), result) in permitted.iter().zip(results) {
            let req = job.req;
            let reply = match result {
                Ok(entry) => {
                    let seq = entry.seq;
                    committed.push(entry);
                    ToClient::Executed { req, seq }
                }
                Err(ExecError::Refused(refusal)) => ToClient::Refused { req, refusal },
                Err(e) => {
                    disk_failed = true;
                    let message = match &e {
                        ExecError::Store(StoreError::NotRecorded { .. }) => {
                            format!("{e}; the server restarts")
                        }
                        ExecError::Store(StoreError::JournalOnly { what, detail, .. }) => {
                            format!(
                                "{what} in the journal, not yet in the database ({detail}); \
                                 the server restarts and applies it"
                            )
                        }
                        _ => format!(
                            "{e}; the change may or may not have been recorded: the server \
                             restarts and its journal settles it"
                        ),
                    };
                    ToClient::Failed { req, message }
                }
            };
            replies.push((job.client, reply));
        }
        if !committed.is_empty() {
            core.live_estimate += committed
                .iter()
                .map(|e| codec::encode(e).len() as u64 + 20)
                .sum::<u64>();
            core.committed_since_check += committed.len() as u64;
            core.broadcast(Arc::new(proto::encode(&ToClient::Changes(committed))));
        }
        for (client, reply) in replies {
            core.send_to(client, proto::encode(&reply));
        }
        if roles_changed {
            core.drop_unlisted(&coordinators);
            seen_roles = Arc::clone(&coordinators);
        }
        if disk_failed {
            // Half a write may be on disk: only a reopen (the journal replayed) sets it
            // right. Give the writers a moment to deliver the answers, then stop.
            eprintln!("kpps serve: the store failed a write; restarting to recover");
            std::thread::sleep(Duration::from_millis(300));
            std::process::exit(1);
        }
        compact_when_grown(core);
    }
}

/// Checks one request before it is decided; returns the command to run (an undo carries
/// the logged event, whatever the client sent).
fn admit(core: &Core, coordinators: &Coordinators, job: &Job) -> Result<Command, Refusal> {
    let role = coordinators
        .role_of(&job.user)
        .ok_or(Refusal::NotACoordinator)?;
    // An undo is judged by the event the log holds, never by the one the client sent.
    let command = match core.store.logged_undo(&job.command) {
        Ok(Some(logged)) => logged,
        Ok(None) => job.command.clone(),
        Err(ExecError::Refused(refusal)) => return Err(refusal),
        Err(e) => {
            eprintln!("kpps serve: reading the change to undo: {e}");
            return Err(Refusal::CannotUndo);
        }
    };
    core.roster.check_ids(&command)?;
    role.permits(&core.roster.region, &command)?;
    Ok(command)
}

/// Keeps the store within 3× its data without stopping commits: a copy is made on another
/// thread while changes go on; once it is done, the changes made meanwhile are added to it
/// and it is swapped in (a few milliseconds for a city, under the commit lock).
fn compact_when_grown(core: &mut Core) {
    if let Some(job) = core.compaction.take() {
        if !job.is_finished() {
            core.compaction = Some(job);
            return;
        }
        let start = std::time::Instant::now();
        match core.store.finish_compaction(job, Some(&core.roster)) {
            Ok(done) => {
                // Compaction changes the size on disk, not the data: the estimate stands
                // (a full rescan here would hold commits for seconds at national scale).
                let swap = start.elapsed().as_millis();
                eprintln!(
                    "kpps serve: compacted the store: {} → {} bytes on disk ({} bytes of data); commits waited {swap} ms",
                    done.before, done.after, core.live_estimate
                );
            }
            Err(e @ StoreError::NotCompacted { .. }) => {
                eprintln!("kpps serve: {e}; carrying on without it");
            }
            Err(e) => {
                eprintln!("kpps serve: compaction failed ({e}); restarting to recover");
                std::process::exit(1);
            }
        }
        return;
    }
    if core.committed_since_check < COMPACT_CHECK_EVERY {
        return;
    }
    core.committed_since_check = 0;
    if core
        .store
        .grown_past(core.live_estimate, COMPACT_ABOVE)
        .unwrap_or(false)
    {
        match core.store.start_compaction(Store::copy_trees) {
            Ok(job) => core.compaction = Some(job),
            Err(e) => eprintln!("kpps serve: compaction not started: {e}"),
        }
    }
}

fn read_loop(
    reader: &mut impl io::Read,
    core: &Mutex<Core>,
    jobs: &SyncSender<Job>,
    id: u64,
    user: &Arc<str>,
) -> io::Result<()> {
    while let Some(request) = proto::read_limited::<ToServer>(reader, MAX_REQUEST)? {
        match request {
            ToServer::Hello { .. } => {}
            ToServer::Execute { req, command } => {
                let job = Job {
                    client: id,
                    req,
                    command,
                    user: Arc::clone(user),
                };
                if jobs.send(job).is_err() {
                    return Ok(()); // the server is stopping
                }
            }
            // Answered under the same lock as commits, so an answer never lacks a change
            // the client was already sent.
            ToServer::History { req, tps } => {
                let mut core = lock(core);
                let reply = if tps.0 as usize >= core.roster.region.tps.len() {
                    (
                        ToClient::Refused {
                            req,
                            refusal: Refusal::NoSuchPlace,
                        },
                        Keep::Last,
                    )
                } else {
                    entries_reply(req, core.store.tps_history(tps), Keep::Last)
                };
                core.send_to(id, encode_reply(reply));
            }
            ToServer::Log { req, limit } => {
                let mut core = lock(core);
                let limit = limit.min(MAX_LOG_REPLY) as usize;
                let reply = entries_reply(req, core.store.recent_log(limit), Keep::First);
                core.send_to(id, encode_reply(reply));
            }
        }
    }
    Ok(())
}

/// Most log entries one answer carries.
pub const MAX_LOG_REPLY: u64 = 100_000;

/// Which end of a list to keep when it must be cut to fit one frame: the newest entries
/// are the last of a history (oldest first) and the first of a log (newest first).
#[derive(Clone, Copy)]
enum Keep {
    First,
    Last,
}

/// Encodes a reply; a list too large for one frame keeps its newest entries.
fn encode_reply(reply: (ToClient, Keep)) -> Vec<u8> {
    let (mut reply, keep) = reply;
    loop {
        let frame = proto::encode(&reply);
        match &mut reply {
            ToClient::Entries { entries, .. } if frame.len() > proto::MAX_FRAME => {
                let half = entries.len() / 2;
                match keep {
                    Keep::First => entries.truncate(half),
                    Keep::Last => {
                        entries.drain(..entries.len() - half);
                    }
                }
            }
            _ => return frame,
        }
    }
}

fn entries_reply(
    req: u64,
    result: Result<Vec<crate::store::LogEntry>, StoreError>,
    keep: Keep,
) -> (ToClient, Keep) {
    let reply = match result {
        Ok(entries) => ToClient::Entries { req, entries },
        Err(e) => ToClient::Failed {
            req,
            message: e.to_string(),
        },
    };
    (reply, keep)
}
