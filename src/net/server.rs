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
//!
//! What a client can make the server hold is bounded in bytes: its queue ([`CLIENT_QUEUE`]
//! bytes of pushed changes and answers, then it is cut off), each answer ([`REPLY_ENTRIES`]
//! entries, [`proto::CHUNK`] bytes), and the snapshot, which is encoded once and shared by
//! every client connecting while it is being sent. Who is asking is checked when the
//! connection is accepted, before any thread is started for it, and connections are
//! bounded per user ([`MAX_PER_USER`]) and in all (from the file descriptor limit).

use std::collections::HashMap;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime};

use super::proto::{self, ToClient, ToServer, CHUNK, MAX_FROM_SERVER, PROTOCOL};
use crate::domain::{Command, KelurahanId, Refusal, Role, Roster, TpsId};
use crate::io::coordinators::Coordinators;
use crate::store::{
    changes_text, codec, CompactionJob, ExecError, LogPage, Store, StoreError, StoreInfo,
    COMPACT_ABOVE, COMPACT_FLOOR,
};
use crate::text::{tr, Lang, Said};

/// Bytes of pushed changes and answers a client may have waiting before it counts as too
/// slow and is disconnected (about 20,000 ordinary changes or four full answers, on top of
/// the socket's own buffer). One frame is always taken into an empty queue, whatever its
/// size, so the most a client holds is this plus one frame.
pub const CLIENT_QUEUE: usize = 4 << 20;
/// Connections one user may have open at once (a phone and a laptop, a TUI and a script,
/// with room to spare). The user running the server is not held to it: it owns the store's
/// files anyway.
pub const MAX_PER_USER: usize = 16;
/// Descriptors one connection holds (the socket, its reader's, its writer's and the one
/// the committer uses to cut it off), and those kept back for the store, the journal, a
/// compaction's second store and the process itself.
const FDS_PER_CLIENT: usize = 4;
const FDS_KEPT: usize = 256;
/// A connection must say hello within this time, so a stuck one cannot hold a thread.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a write to a client may block before the client is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest request a client may send (a direct appointment is a few hundred bytes).
const MAX_REQUEST: usize = 64 << 10;
/// Largest request from a KPU client: a whole national roster file is about 400 MB encoded.
const MAX_IMPORT_REQUEST: usize = 1 << 30;
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
    /// Bytes a client may have waiting before it is cut off as too slow.
    pub client_queue: usize,
    /// Connections open at once, in all; None: as many as the descriptor limit allows.
    pub max_clients: Option<usize>,
    /// The language of the person starting the server, for what stops it starting (a
    /// broken coordinators file). The server's running log is English.
    pub lang: Lang,
}

/// An encoded message, shared by every client it is queued to.
type Frame = Arc<Vec<u8>>;

/// Frames queued to a client in one go, each with the bytes it counts against the
/// client's cap.
type Batch = Vec<(Frame, usize)>;

struct Subscriber {
    id: u64,
    user: String,
    tx: Sender<Batch>,
    /// Bytes queued and not yet written to the socket (the writer takes them off).
    queued: Arc<AtomicUsize>,
    /// To cut off a client that fell too far behind.
    stream: UnixStream,
}

impl Subscriber {
    /// Queues frames, in order and as one batch (one wake-up of the client's writer, which
    /// writes them with one flush), unless one of them takes the client past `cap` bytes
    /// waiting (an empty queue takes any one frame): each is held to the cap as if it were
    /// offered alone after the ones before it. A frame counts at most half the cap: a
    /// large one (an import pushed to everyone, shared by every queue it is in) must not
    /// cut off the next small answer, such as the importer's own `Executed`; two of them
    /// still do.
    fn offer<'a>(&self, frames: impl IntoIterator<Item = &'a Frame>, cap: usize) -> Offer {
        let mut queued = self.queued.load(Ordering::SeqCst);
        let mut batch = Batch::new();
        for frame in frames {
            let weight = frame.len().min(cap / 2);
            if queued > 0 && queued + weight > cap {
                return Offer::TooSlow;
            }
            queued += weight;
            batch.push((Arc::clone(frame), weight));
        }
        if batch.is_empty() {
            return Offer::Queued;
        }
        let added = batch.iter().map(|(_, weight)| weight).sum();
        self.queued.fetch_add(added, Ordering::SeqCst);
        match self.tx.send(batch) {
            Ok(()) => Offer::Queued,
            Err(_) => Offer::Gone,
        }
    }

    fn cut_off(&self) {
        eprintln!("kpps serve: client {} is too slow; disconnected", self.id);
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

#[derive(PartialEq)]
enum Offer {
    Queued,
    /// Its queue is full: it must go.
    TooSlow,
    /// Its writer has stopped (the connection is closing).
    Gone,
}

/// The roster encoded once for every client that connects while it is current: the region
/// tree, seats and reserves in frames of about `CHUNK` bytes (`SnapshotEnd` not included).
struct Snapshot {
    /// The last log entry it includes.
    seq: u64,
    info: StoreInfo,
    frames: Vec<Frame>,
    bytes: usize,
}

struct Core {
    store: Store,
    roster: Roster,
    subscribers: Vec<Subscriber>,
    next_id: u64,
    /// Bytes a client may have queued.
    queue_cap: usize,
    /// The snapshot being sent to clients, if any is (it lives as long as one of them
    /// still sends it), and the change frames committed since it was taken, which a client
    /// given it gets next.
    snapshot: Weak<Snapshot>,
    since: Vec<Frame>,
    since_bytes: usize,
    /// Live bytes in the store, kept up to date from what each commit adds.
    live_estimate: u64,
    committed_since_check: u64,
    /// A compaction copying in the background, if one is.
    compaction: Option<CompactionJob>,
    /// Bytes on disk right after the last compaction, if there was one (see
    /// [`worth_compacting`]).
    compacted_to: Option<u64>,
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
    /// A server's state before any client: no subscribers, no snapshot, no compaction.
    fn new(
        store: Store,
        roster: Roster,
        queue_cap: usize,
        live_estimate: u64,
        compacted_to: Option<u64>,
    ) -> Core {
        Core {
            store,
            roster,
            subscribers: Vec::new(),
            next_id: 1,
            queue_cap,
            snapshot: Weak::new(),
            since: Vec::new(),
            since_bytes: 0,
            live_estimate,
            committed_since_check: 0,
            compaction: None,
            compacted_to,
        }
    }

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

    /// Queues a commit group: its change frames (encoded once, shared) to every client, and
    /// each sender's answers right after them in the same batch; one whose queue would go
    /// over its byte budget is disconnected. Each client's queue gets the changes before
    /// its answers, and every client the groups in commit order, as before.
    ///
    /// One batch per client per group: queuing the answers after the changes had gone to
    /// everyone cost each sender a second wake-up of its writer and a second write, and
    /// its answer waited for the changes to reach all the other clients first (broadcast
    /// 4.2–6.2 ms, then answers 1.4–2.1 ms, of a group's 11–15 ms under the lock with 100
    /// clients; `tests::a_commit_group_reaches_each_client_as_one_batch`).
    fn deliver(&mut self, frames: &[Frame], replies: Vec<(u64, Frame)>) {
        let mut answers: HashMap<u64, Vec<Frame>> = HashMap::new();
        for (client, reply) in replies {
            answers.entry(client).or_default().push(reply);
        }
        let cap = self.queue_cap;
        self.subscribers.retain(|s| {
            let mine = answers.remove(&s.id).unwrap_or_default();
            let offer = s.offer(frames.iter().chain(&mine), cap);
            if offer == Offer::TooSlow {
                s.cut_off();
            }
            offer == Offer::Queued
        });
        if !frames.is_empty() {
            self.keep_for_snapshot(frames);
        }
    }

    /// A snapshot still being sent gets a group's change frames too, for the clients that
    /// will be given it; past an eighth of its size it is retired and the next client gets
    /// a fresh one.
    fn keep_for_snapshot(&mut self, frames: &[Frame]) {
        match self.snapshot.upgrade() {
            Some(snapshot) => {
                self.since_bytes += frames.iter().map(|f| f.len()).sum::<usize>();
                if self.since_bytes > snapshot.bytes / 8 {
                    self.snapshot = Weak::new();
                    self.since.clear();
                } else {
                    self.since.extend(frames.iter().cloned());
                }
            }
            None => self.since.clear(),
        }
    }

    /// Queues an answer to one client; false when that client is no longer served (gone,
    /// or cut off now for being too slow).
    fn send_to(&mut self, id: u64, frame: Vec<u8>) -> bool {
        let frame = Arc::new(frame);
        let cap = self.queue_cap;
        let Some(at) = self.subscribers.iter().position(|s| s.id == id) else {
            return false;
        };
        match self.subscribers[at].offer([&frame], cap) {
            Offer::Queued => true,
            Offer::TooSlow => {
                self.subscribers.remove(at).cut_off();
                false
            }
            Offer::Gone => {
                self.subscribers.remove(at);
                false
            }
        }
    }

    /// The snapshot to give a client connecting now, and the change frames it lacks: the
    /// one being sent if there is one (no copy, no work under the lock), else a fresh one.
    fn snapshot(&mut self) -> Result<(Arc<Snapshot>, Vec<Frame>), String> {
        if let Some(snapshot) = self.snapshot.upgrade() {
            return Ok((snapshot, self.since.clone()));
        }
        let start = std::time::Instant::now();
        let snapshot = Arc::new(take_snapshot(self)?);
        eprintln!(
            "kpps serve: roster encoded at #{}: {} frames, {} bytes, in {} ms",
            snapshot.seq,
            snapshot.frames.len(),
            snapshot.bytes,
            start.elapsed().as_millis()
        );
        self.snapshot = Arc::downgrade(&snapshot);
        self.since.clear();
        self.since_bytes = 0;
        Ok((snapshot, Vec::new()))
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
    fn mtime(&self) -> Option<SystemTime> {
        std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok()
    }

    /// The list as last read, if the file has not changed since (no roster needed, so no
    /// core lock); None: read it with `current`.
    fn unchanged(&self) -> Option<Arc<Coordinators>> {
        let mtime = self.mtime();
        let loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        (loaded.0 == Some(mtime)).then(|| Arc::clone(&loaded.1))
    }

    fn current(&self, roster: &Roster) -> Arc<Coordinators> {
        let mtime = self.mtime();
        let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        if loaded.0 != Some(mtime) {
            let fresh = match mtime {
                None => Ok(Coordinators::owner_only(&self.owner)),
                // The server's running log is English, like the rest of its lines.
                Some(_) => Coordinators::load(&self.path, &roster.region, Lang::En),
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
    /// The coordinators file's rows, one `FILE:LINE: reason` per line, already in the
    /// language of whoever started the server (`ServeOptions::lang`).
    #[error("{0}")]
    Coordinators(String),
    #[error("group {0:?} does not exist")]
    NoSuchGroup(String),
    #[error("cannot start the committing thread: {0}")]
    Thread(io::Error),
}

impl ServeError {
    /// In the reader's language; `Display` (the `#[error]` texts) is the English.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            ServeError::Store(e) => e.text(lang),
            ServeError::Socket { path, source } => {
                tr!(
                    lang,
                    "soket {}: {source}",
                    "socket {}: {source}",
                    path.display()
                )
            }
            ServeError::AlreadyServing(p) => tr!(
                lang,
                "sudah ada server kpps yang mendengarkan di {}",
                "a kpps server is already listening on {}",
                p.display()
            ),
            ServeError::Coordinators(rows) => rows.clone(),
            ServeError::NoSuchGroup(g) => {
                tr!(lang, "grup {g:?} tidak ada", "group {g:?} does not exist")
            }
            ServeError::Thread(e) => tr!(
                lang,
                "thread pencatat tidak bisa dimulai: {e}",
                "cannot start the committing thread: {e}"
            ),
        }
    }
}

/// Runs the server until SIGTERM or SIGINT. `ready` is called once the socket listens.
pub fn serve(opts: &ServeOptions, actor: &str, ready: impl FnOnce()) -> Result<(), ServeError> {
    let store = Store::open(&opts.dir, actor)?;
    for notice in &store.notices {
        eprintln!("kpps serve: {}", notice.text(Lang::En));
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
        Coordinators::load(&opts.coordinators, &roster.region, opts.lang).map_err(|errors| {
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
    let mut compacted_to = None;
    let live_estimate = match store.compact_if_grown(live) {
        Ok(Some(done)) => {
            eprintln!(
                "kpps serve: compacted the store: {} → {} bytes on disk ({live} bytes of data)",
                done.before, done.after
            );
            compacted_to = Some(done.after);
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
    let core = Arc::new(Mutex::new(Core::new(
        store,
        roster,
        opts.client_queue.max(1),
        live_estimate,
        compacted_to,
    )));
    let roles = Arc::new(roles);
    stop_on_signals(Arc::clone(&core), opts.socket.clone());
    eprintln!(
        "kpps serve: store {} on {}",
        opts.dir.display(),
        opts.socket.display()
    );
    ready();
    let (jobs, pending) = sync_channel::<Job>(4 * MAX_BATCH);
    {
        let core = Arc::clone(&core);
        let roles = Arc::clone(&roles);
        std::thread::Builder::new()
            .name("commit".into())
            .spawn(move || commit_loop(core, roles, pending))
            .map_err(ServeError::Thread)?;
    }
    let gate = Arc::new(Gate::new(opts.max_clients));
    eprintln!(
        "kpps serve: up to {} connections, {MAX_PER_USER} per user",
        gate.max_total
    );
    let mut refused = Tally::default();
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
        // Who is asking, before anything is spent on the connection: someone not in the
        // coordinators file is told so and closed at once, no thread, no waiting for hello.
        let uid = match super::peer_uid(&stream) {
            Ok(uid) => uid,
            Err(e) => {
                eprintln!("kpps serve: cannot tell who connected ({e}); closed");
                continue;
            }
        };
        let user = super::user_name(uid);
        let coordinators = roles
            .unchanged()
            .unwrap_or_else(|| roles.current(&lock(&core).roster));
        if coordinators.role_of(&user).is_none() {
            if let Some(n) = refused.count(uid) {
                eprintln!(
                    "kpps serve: {user} (uid {uid}) is not a coordinator; refused ({n} so far)"
                );
            }
            refuse(
                &stream,
                &ToClient::Denied {
                    message: not_listed(&user),
                },
            );
            continue;
        }
        let pass = match gate.enter(uid) {
            Ok(pass) => pass,
            Err(message) => {
                if let Some(n) = refused.count(uid) {
                    eprintln!("kpps serve: {user} (uid {uid}): {message} ({n} so far)");
                }
                refuse(&stream, &ToClient::Busy { message });
                continue;
            }
        };
        let core = Arc::clone(&core);
        let roles = Arc::clone(&roles);
        let jobs = jobs.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("client-{uid}"))
            .spawn(move || {
                let _pass = pass;
                if let Err(e) = serve_client(stream, uid, user, &core, &jobs, &roles) {
                    eprintln!("kpps serve: {e}");
                }
            });
        // Out of threads (or memory): this connection is dropped (closed as the failed
        // spawn drops it); the server goes on serving the others.
        if let Err(e) = spawned {
            if let Some(n) = refused.count(uid) {
                eprintln!("kpps serve: cannot start a thread for uid {uid} ({e}); connection closed ({n} so far)");
            }
        }
    }
    Ok(())
}

fn not_listed(user: &str) -> Said {
    Said::new(|l| {
        tr!(
            l,
            "pengguna {user} tidak ada di berkas koordinator server ini; minta kantor KPU \
             menambahkan Anda",
            "user {user} is not in this server's coordinators file; ask the KPU office to add you"
        )
    })
}

/// Tells a connection why it is not served, without waiting on it: the socket's buffer is
/// empty, so the short frame goes at once or not at all. The connection is then closed
/// (what the peer already sent, its hello, is never read).
fn refuse(stream: &UnixStream, message: &ToClient) {
    let _ = stream.set_nonblocking(true);
    let _ = (&*stream).write(&proto::encode(message));
    let _ = stream.shutdown(std::net::Shutdown::Write);
}

/// Refused connections per uid, so that a flood is logged in a few lines: a count is
/// reported at 1, 2, 4, 8… refusals.
#[derive(Default)]
struct Tally(HashMap<u32, u64>);

impl Tally {
    fn count(&mut self, uid: u32) -> Option<u64> {
        let n = self.0.entry(uid).or_insert(0);
        *n += 1;
        n.is_power_of_two().then_some(*n)
    }
}

/// Bounds the connections open at once: per user and in all.
struct Gate {
    max_total: usize,
    /// The server's own uid, not held to the per-user bound.
    owner: u32,
    open: Mutex<(usize, HashMap<u32, usize>)>,
}

/// One admitted connection; dropping it frees its place.
struct Pass {
    gate: Arc<Gate>,
    uid: u32,
}

impl Gate {
    fn new(max_clients: Option<usize>) -> Gate {
        Gate {
            max_total: max_clients.unwrap_or_else(connection_limit).max(1),
            // SAFETY: geteuid has no preconditions.
            owner: unsafe { libc::geteuid() },
            open: Mutex::new((0, HashMap::new())),
        }
    }

    fn enter(self: &Arc<Self>, uid: u32) -> Result<Pass, Said> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.0 >= self.max_total {
            let max = self.max_total;
            return Err(Said::new(|l| {
                tr!(
                    l,
                    "server penuh ({max} sambungan terbuka); coba lagi nanti",
                    "the server is full ({max} connections open); try again later"
                )
            }));
        }
        let mine = open.1.entry(uid).or_insert(0);
        if uid != self.owner && *mine >= MAX_PER_USER {
            return Err(Said::new(|l| {
                tr!(
                    l,
                    "terlalu banyak sambungan terbuka sebagai pengguna ini ({MAX_PER_USER}); \
                     tutup satu lalu coba lagi",
                    "too many connections open as this user ({MAX_PER_USER}); close one and try \
                     again"
                )
            }));
        }
        *mine += 1;
        open.0 += 1;
        Ok(Pass {
            gate: Arc::clone(self),
            uid,
        })
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        let mut open = self.gate.open.lock().unwrap_or_else(|p| p.into_inner());
        open.0 -= 1;
        if let Some(mine) = open.1.get_mut(&self.uid) {
            *mine -= 1;
            if *mine == 0 {
                open.1.remove(&self.uid);
            }
        }
    }
}

/// Connections the descriptor limit leaves room for, keeping some for the store.
fn connection_limit() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into `limit`.
    let fds = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX)
    } else {
        1024
    };
    fds.saturating_sub(FDS_KEPT) / FDS_PER_CLIENT
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
    uid: u32,
    user: String,
    core: &Mutex<Core>,
    jobs: &SyncSender<Job>,
    roles: &Roles,
) -> io::Result<()> {
    let mut reader = io::BufReader::new(stream.try_clone()?);
    stream.set_read_timeout(Some(HELLO_TIMEOUT))?;
    let deny = |message: Said| -> io::Result<()> {
        proto::write(&mut &stream, &ToClient::Denied { message })
    };
    match proto::read_limited::<ToServer>(&mut reader, MAX_REQUEST) {
        Ok(Some(ToServer::Hello { protocol })) if protocol == PROTOCOL => {}
        Ok(Some(ToServer::Hello { protocol })) => {
            return deny(Said::new(|l| {
                tr!(
                    l,
                    "server ini memakai protokol {PROTOCOL}, klien {protocol}: pakai versi kpps \
                     yang sama",
                    "this server speaks protocol {PROTOCOL}, the client {protocol}: use the same \
                     kpps version"
                )
            }))
        }
        _ => return Ok(()), // not a kpps client, or gone
    }
    stream.set_read_timeout(None)?;
    // A client that stops reading while its socket is full is dropped, not waited for.
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;

    let (id, role, rx, queued, welcome, snapshot, since) = {
        let mut core = lock(core);
        // Checked again: the file may have changed since the connection was accepted.
        let coordinators = roles.current(&core.roster);
        let Some(role) = coordinators.role_of(&user) else {
            eprintln!("kpps serve: {user} (uid {uid}) is not a coordinator; refused");
            drop(core);
            return deny(not_listed(&user));
        };
        let (snapshot, since) = match core.snapshot() {
            Ok(taken) => taken,
            Err(why) => {
                eprintln!("kpps serve: cannot send the roster: {why}");
                drop(core);
                return deny(Said::new(|l| {
                    tr!(
                        l,
                        "server tidak bisa mengirim data: {why}",
                        "the server cannot send the roster: {why}"
                    )
                }));
            }
        };
        let id = core.next_id;
        core.next_id += 1;
        let welcome = proto::encode(&ToClient::Welcome {
            protocol: PROTOCOL,
            user: user.clone(),
            role,
            info: snapshot.info.clone(),
            regions: Vec::new(),
            seq: snapshot.seq,
        });
        let (tx, rx) = channel();
        let queued = Arc::new(AtomicUsize::new(0));
        core.subscribers.push(Subscriber {
            id,
            user: user.clone(),
            tx,
            queued: Arc::clone(&queued),
            stream: stream.try_clone()?,
        });
        eprintln!("kpps serve: {user} connected as {role:?} (client {id})");
        (id, role, rx, queued, welcome, snapshot, since)
    };
    let writer = {
        let stream = stream.try_clone()?;
        std::thread::Builder::new()
            .name(format!("client-{id}-out"))
            .spawn(move || write_loop(stream, welcome, snapshot, since, rx, queued))
    };
    let user: Arc<str> = user.into();
    // Only the KPU office imports files, and an import's rows come as one long request.
    let max_request = if role == Role::Kpu {
        MAX_IMPORT_REQUEST
    } else {
        MAX_REQUEST
    };
    let result = match &writer {
        Ok(_) => read_loop(&mut reader, core, jobs, id, &user, max_request),
        Err(e) => Err(io::Error::new(
            e.kind(),
            format!("cannot start a thread to write to client {id} ({e}); disconnected"),
        )),
    };
    // Dropping the queue lets the writer send what is left in it, then stop.
    lock(core).subscribers.retain(|s| s.id != id);
    if let Ok(writer) = writer {
        let _ = writer.join();
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
    eprintln!("kpps serve: {user} disconnected (client {id})");
    result
}

/// Upper bounds of the encoded size of a seat's holder, a reserve and a kelurahan of the
/// region tree, past their strings: every other field is a varint or a tag (at most nine
/// bytes each).
const HOLDER_FIXED: usize = 64;
const RESERVE_FIXED: usize = 80;
const SPEC_FIXED: usize = 64;

/// Items gathered into frames of about `CHUNK` bytes, by an upper bound of their encoded
/// size. An item bigger than that goes alone in its frame; one bigger than a frame may be
/// at all cannot be sent, and is named.
struct Chunker<T> {
    wrap: fn(Vec<T>) -> ToClient,
    items: Vec<T>,
    bound: usize,
    frames: Vec<Frame>,
}

impl<T> Chunker<T> {
    fn new(wrap: fn(Vec<T>) -> ToClient) -> Self {
        Chunker {
            wrap,
            items: Vec::new(),
            bound: 0,
            frames: Vec::new(),
        }
    }

    fn add(&mut self, item: T, bound: usize, what: impl FnOnce() -> String) -> Result<(), String> {
        // Frame header, version byte, variant and list length.
        const HEADER: usize = 4 + 1 + 9 + 9;
        if bound + HEADER > MAX_FROM_SERVER {
            return Err(format!(
                "{} is {bound} bytes, more than a message ({MAX_FROM_SERVER} bytes) can carry; correct it on the server's machine with the server stopped",
                what()
            ));
        }
        if !self.items.is_empty() && self.bound + bound + HEADER > CHUNK {
            self.flush();
        }
        self.items.push(item);
        self.bound += bound;
        Ok(())
    }

    fn flush(&mut self) {
        if !self.items.is_empty() {
            let items = std::mem::take(&mut self.items);
            self.frames
                .push(Arc::new(proto::encode(&(self.wrap)(items))));
            self.bound = 0;
        }
    }

    fn finish(mut self, frames: &mut Vec<Frame>) {
        self.flush();
        frames.append(&mut self.frames);
    }
}

/// The roster as it stands, as frames: taken under the core lock, so the entries queued
/// after it are exactly those it lacks.
fn take_snapshot(core: &Core) -> Result<Snapshot, String> {
    let roster = &core.roster;
    let info = core.store.info().map_err(|e| e.to_string())?;
    let seq = core
        .store
        .log_page(u64::MAX, 1, usize::MAX)
        .map_err(|e| e.to_string())?
        .entries
        .first()
        .map_or(0, |e| e.seq);
    let mut frames = Vec::new();

    let mut regions = Chunker::new(ToClient::Regions);
    for spec in roster.region.to_specs() {
        let bound = SPEC_FIXED
            + spec.kecamatan_code.len()
            + spec.kecamatan.len()
            + spec.code.len()
            + spec.name.len()
            + 6 * spec.tps_ranges.len();
        let code = spec.code.clone();
        regions.add(spec, bound, || format!("kelurahan {code}"))?;
    }
    regions.finish(&mut frames);

    let person = |p: &crate::domain::Person| p.name.len() + p.phone.as_ref().map_or(0, |s| s.len());
    let mut seats = Chunker::new(ToClient::Seats);
    for t in roster.region.tps_ids() {
        let held = roster.seats_of(t);
        if held.iter().all(Option::is_none) {
            continue;
        }
        let bound = |h: &Option<crate::domain::Holder>| {
            1 + h.as_ref().map_or(0, |h| HOLDER_FIXED + person(&h.person))
        };
        let whole: usize = 16 + held.iter().map(bound).sum::<usize>();
        if whole <= CHUNK {
            seats.add((t, held.to_vec()), whole, String::new)?;
            continue;
        }
        // One TPS too big for a chunk: its seats one by one (seats before are sent
        // empty, which leaves them as they are).
        for (i, h) in held.iter().enumerate().filter(|(_, h)| h.is_some()) {
            let mut one = vec![None; i];
            one.push(h.clone());
            let address = || format!("the officer in {} seat {}", roster.region.address(t), i + 1);
            seats.add((t, one), 16 + i + bound(h), address)?;
        }
    }
    seats.finish(&mut frames);

    let mut reserves = Chunker::new(ToClient::Reserves);
    for k in (0..roster.region.kelurahan.len() as u32).map(KelurahanId) {
        // A kelurahan's list in as many parts as it needs (each keeps rank order).
        let code = &roster.region.kelurahan(k).code;
        let mut part = Vec::new();
        let mut bound = 16;
        for r in roster.reserves(k) {
            let one = RESERVE_FIXED + person(&r.person);
            if !part.is_empty() && bound + one > CHUNK {
                let what = || format!("a reserve of kelurahan {code}");
                reserves.add((k, std::mem::take(&mut part)), bound, what)?;
                bound = 16;
            }
            part.push(r.clone());
            bound += one;
        }
        if !part.is_empty() {
            reserves.add((k, part), bound, || {
                format!("a reserve of kelurahan {code}")
            })?;
        }
    }
    reserves.finish(&mut frames);

    let bytes = frames.iter().map(|f| f.len()).sum();
    Ok(Snapshot {
        seq,
        info,
        frames,
        bytes,
    })
}

/// Sends the welcome, the shared snapshot and the changes since it, then whatever is
/// queued, until the queue or the socket closes. `queued` is lowered as frames are
/// written.
fn write_loop(
    stream: UnixStream,
    welcome: Vec<u8>,
    snapshot: Arc<Snapshot>,
    since: Vec<Frame>,
    rx: Receiver<Batch>,
    queued: Arc<AtomicUsize>,
) {
    let mut out = BufWriter::with_capacity(64 * 1024, &stream);
    let sent = (|| -> io::Result<()> {
        out.write_all(&welcome)?;
        for frame in &snapshot.frames {
            out.write_all(frame)?;
        }
        // Let the snapshot go as soon as this client has it.
        drop(snapshot);
        for frame in since {
            out.write_all(&frame)?;
        }
        out.write_all(&proto::encode(&ToClient::SnapshotEnd))?;
        out.flush()?;
        let write = |out: &mut BufWriter<&UnixStream>, batch: Batch| -> io::Result<()> {
            for (frame, weight) in batch {
                out.write_all(&frame)?;
                queued.fetch_sub(weight, Ordering::SeqCst);
            }
            Ok(())
        };
        while let Ok(batch) = rx.recv() {
            write(&mut out, batch)?;
            // Send everything already queued in one go, then flush.
            while let Ok(batch) = rx.try_recv() {
                write(&mut out, batch)?;
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
                Ok((command, role)) => permitted.push((job, command, role)),
                Err(refusal) => replies.push((
                    job.client,
                    ToClient::Refused {
                        req: job.req,
                        refusal,
                    },
                )),
            }
        }
        // Decided in arrival order, each with its sender's role (a "next reserve" is
        // chosen among those the sender may appoint, as the ones before it left the list).
        let commands: Vec<(&Command, &str, Role)> = permitted
            .iter()
            .map(|(job, command, role)| (command, &*job.user, *role))
            .collect();
        let results = core.store.execute_batch_as(&mut core.roster, &commands);
        let mut committed = Vec::new();
        let mut disk_failed = false;
        for ((job, ..), result) in permitted.iter().zip(results) {
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
                    let message = Said::new(|l| {
                        let e_text = match &e {
                            ExecError::Store(e) => e.text(l),
                            ExecError::Remote(why) => why.get(l).to_string(),
                            ExecError::Refused(r) => format!("{r:?}"),
                        };
                        match &e {
                            ExecError::Store(StoreError::NotRecorded { .. }) => {
                                tr!(
                                    l,
                                    "{e_text}; server dimulai ulang",
                                    "{e_text}; the server restarts"
                                )
                            }
                            ExecError::Store(StoreError::JournalOnly {
                                changes, cause, ..
                            }) => {
                                tr!(
                                    l,
                                    "{} sudah di jurnal, belum di basis data ({}); server dimulai \
                                     ulang dan menerapkannya",
                                    "{} in the journal, not yet in the database ({}); the server \
                                     restarts and applies it",
                                    changes_text(*changes, l),
                                    cause.text(l)
                                )
                            }
                            _ => tr!(
                                l,
                                "{e_text}; perubahan mungkin tercatat, mungkin tidak: server \
                                 dimulai ulang dan jurnalnya memastikannya",
                                "{e_text}; the change may or may not have been recorded: the \
                                 server restarts and its journal settles it"
                            ),
                        }
                    });
                    ToClient::Failed { req, message }
                }
            };
            replies.push((job.client, reply));
        }
        let mut frames = Vec::new();
        if !committed.is_empty() {
            core.committed_since_check += committed.len() as u64;
            // In frames of about CHUNK bytes: a group of large changes never makes a frame
            // a client cannot take.
            let mut group = Vec::new();
            let mut group_bytes = 0;
            for entry in committed {
                let size = codec::encode(&entry).len();
                core.live_estimate += size as u64 + 20;
                if !group.is_empty() && group_bytes + size > CHUNK {
                    let changes = ToClient::Changes(std::mem::take(&mut group));
                    frames.push(Arc::new(proto::encode(&changes)));
                    group_bytes = 0;
                }
                group.push(entry);
                group_bytes += size;
            }
            frames.push(Arc::new(proto::encode(&ToClient::Changes(group))));
        }
        let replies = replies
            .into_iter()
            .map(|(client, reply)| (client, Arc::new(proto::encode(&reply))))
            .collect();
        core.deliver(&frames, replies);
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
/// the logged event, whatever the client sent) and the sender's role.
fn admit(core: &Core, coordinators: &Coordinators, job: &Job) -> Result<(Command, Role), Refusal> {
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
    Ok((command, role))
}

/// A store is compacted once it is past `COMPACT_ABOVE` times its live data on disk, but
/// not again before it has grown by half since the last compaction.
///
/// Why the second condition: sled packs a store of many small log entries at 2.6–3.4× their
/// bytes, so a store can be past `COMPACT_ABOVE` right after a compaction, and then every
/// check (each `COMPACT_CHECK_EVERY` commits) started another. In the serve bench (45,100
/// commits from 100 clients) that was 32 compactions back to back, some leaving the store
/// no smaller or even larger (8,388,608 → 8,388,608 B; 16,252,928 → 18,350,080 B), each
/// copying the whole store on another thread beside the commits and holding them 79–410 ms
/// for its catch-up. Growing by half first means each copy gives back at least a third of
/// the store.
fn worth_compacting(on_disk: u64, live: u64, compacted_to: Option<u64>) -> bool {
    on_disk > COMPACT_FLOOR
        && on_disk > COMPACT_ABOVE * live.max(1)
        && compacted_to.is_none_or(|after| 2 * on_disk > 3 * after)
}

/// Keeps the store's size on disk bounded (see [`worth_compacting`]) without stopping
/// commits: a copy is made on another thread while changes go on; once it is done, the
/// changes made meanwhile are added to it and it is swapped in (a few milliseconds for a
/// city, under the commit lock).
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
                core.compacted_to = Some(done.after);
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
    let on_disk = core.store.size_on_disk().unwrap_or(0);
    if worth_compacting(on_disk, core.live_estimate, core.compacted_to) {
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
    max_request: usize,
) -> io::Result<()> {
    while let Some(request) = proto::read_limited::<ToServer>(reader, max_request)? {
        // Answered under the same lock as commits, so an answer never lacks a change the
        // client was already sent.
        let (req, page) = match request {
            ToServer::Hello { .. } => continue,
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
                continue;
            }
            ToServer::History { req, tps } => (
                req,
                Page::History {
                    tps,
                    before: u64::MAX,
                },
            ),
            ToServer::HistoryBefore { req, tps, before } => (req, Page::History { tps, before }),
            ToServer::Log { req, limit } => (
                req,
                Page::Log {
                    before: u64::MAX,
                    limit,
                },
            ),
            ToServer::LogBefore { req, before, limit } => (req, Page::Log { before, limit }),
        };
        let mut core = lock(core);
        let reply = page.answer(req, &core);
        if !core.send_to(id, proto::encode(&reply)) {
            return Ok(()); // cut off, or closing
        }
    }
    Ok(())
}

/// Most log entries one answer carries; a longer log or history is read page by page.
pub const REPLY_ENTRIES: usize = 1_000;

/// A request for a page of entries.
enum Page {
    Log { before: u64, limit: u64 },
    History { tps: TpsId, before: u64 },
}

impl Page {
    /// At most `REPLY_ENTRIES` entries and `CHUNK` bytes, except that an entry larger than
    /// that goes alone; one larger than a frame is refused with its number and size.
    fn answer(&self, req: u64, core: &Core) -> ToClient {
        let read = |max_entries: usize, max_bytes: usize| -> Result<LogPage, StoreError> {
            match *self {
                Page::Log { before, limit } => {
                    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
                    core.store
                        .log_page(before, limit.min(max_entries), max_bytes)
                }
                Page::History { tps, before } => {
                    core.store
                        .tps_history_page(tps, before, max_entries, max_bytes)
                }
            }
        };
        if let Page::History { tps, .. } = self {
            if tps.0 as usize >= core.roster.region.tps.len() {
                return ToClient::Refused {
                    req,
                    refusal: Refusal::NoSuchPlace,
                };
            }
        }
        // Room in a frame for what surrounds the entries.
        const ROOM: usize = 64;
        let page = read(REPLY_ENTRIES, CHUNK - ROOM).and_then(|page| match page.stopped_by {
            Some((_, size)) if page.entries.is_empty() && size <= MAX_FROM_SERVER - ROOM => {
                read(1, MAX_FROM_SERVER - ROOM)
            }
            Some((seq, size)) if page.entries.is_empty() => Ok(LogPage {
                entries: Vec::new(),
                stopped_by: Some((seq, size)),
            }),
            _ => Ok(page),
        });
        match page {
            Ok(LogPage {
                entries,
                stopped_by: Some((seq, size)),
            }) if entries.is_empty() => ToClient::Failed {
                req,
                message: Said::new(|l| {
                    tr!(
                        l,
                        "entri log #{seq} berukuran {size} byte, lebih dari yang muat dalam satu \
                         pesan ({MAX_FROM_SERVER} byte); baca di mesin server dengan server \
                         dihentikan (kpps log)",
                        "log entry #{seq} is {size} bytes, more than a message \
                         ({MAX_FROM_SERVER} bytes) can carry; read it on the server's machine \
                         with the server stopped (kpps log)"
                    )
                }),
            },
            Ok(LogPage { mut entries, .. }) => {
                if let Page::History { .. } = self {
                    entries.reverse(); // a history is oldest first
                }
                ToClient::Entries { req, entries }
            }
            Err(e) => ToClient::Failed {
                req,
                message: Said::new(|l| e.text(l)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ElectionParams, Event, Holder, Nik, Person, Reserve, Screening, Sex};
    use chrono::NaiveDate;

    fn person(name: &str, serial: u16) -> Person {
        let birth = NaiveDate::from_ymd_opt(1990, 5, 1).unwrap();
        Person {
            name: name.into(),
            nik: Nik::compose(167101, birth, Sex::P, serial),
            birth_date: birth,
            sex: Sex::P,
            phone: Some("0812345678901234".into()),
            screening: Screening::NotAtRisk,
            jkn: true,
        }
    }

    /// A Core over a small demo store, with `clients` subscribers whose queues the test
    /// reads (and the other ends of their sockets, kept open).
    #[allow(clippy::type_complexity)]
    fn core_with_clients(
        dir: &Path,
        clients: u64,
    ) -> (Core, Vec<(Receiver<Batch>, Arc<AtomicUsize>, UnixStream)>) {
        let roster = crate::demo::generate(
            crate::domain::region::tests::small(),
            ElectionParams::default(),
            1,
        );
        let info = StoreInfo {
            params: roster.params.clone(),
            demo_seed: Some(1),
            regions_source: "test".into(),
            created: chrono::Utc::now(),
        };
        let store = Store::create(dir, "t", &roster, info).unwrap();
        let mut core = Core::new(store, roster, CLIENT_QUEUE, 0, None);
        let mut ends = Vec::new();
        for id in 1..=clients {
            let (tx, rx) = channel();
            let (stream, peer) = UnixStream::pair().unwrap();
            let queued = Arc::new(AtomicUsize::new(0));
            core.subscribers.push(Subscriber {
                id,
                user: "u".into(),
                tx,
                queued: Arc::clone(&queued),
                stream,
            });
            ends.push((rx, queued, peer));
        }
        (core, ends)
    }

    /// Three requests committed as one group reach each of five clients as one batch (one
    /// wake-up of its writer, one write): the group's changes, encoded once and shared by
    /// every queue, then that client's own answer, if it sent one.
    #[test]
    fn a_commit_group_reaches_each_client_as_one_batch() {
        let tmp = tempfile::tempdir().unwrap();
        let (core, ends) = core_with_clients(&tmp.path().join("store"), 5);
        let held: Vec<(TpsId, u8, bool)> = core
            .roster
            .region
            .tps_ids()
            .flat_map(|t| (1..=7u8).map(move |s| (t, s)))
            .filter_map(|(t, s)| core.roster.seat(t, s).map(|h| (t, s, h.absent)))
            .take(3)
            .collect();
        assert_eq!(held.len(), 3);
        let roles = Arc::new(Roles {
            path: tmp.path().join("no-coordinators-file"),
            owner: "owner".into(),
            loaded: Mutex::new((None, Arc::new(Coordinators::default()))),
        });
        let (jobs, pending) = sync_channel(8);
        // Clients 2 and 4 send; client 4 sends twice. Queued before the committer starts,
        // so they are one group.
        for (client, req, (tps, seat, absent)) in
            [(2, 7, held[0]), (4, 8, held[1]), (4, 9, held[2])]
        {
            let command = Command::MarkAbsent {
                tps,
                seat,
                absent: !absent,
            };
            let user = Arc::from("owner");
            jobs.send(Job {
                client,
                req,
                command,
                user,
            })
            .unwrap();
        }
        drop(jobs);
        commit_loop(Arc::new(Mutex::new(core)), roles, pending);

        let batches: Vec<Vec<Batch>> = ends
            .iter()
            .map(|(rx, ..)| rx.try_iter().collect())
            .collect();
        for (i, got) in batches.iter().enumerate() {
            assert_eq!(got.len(), 1, "client {}: {} batches", i + 1, got.len());
        }
        let changes = &batches[0][0][0].0;
        let read =
            |frame: &Frame| -> ToClient { proto::read(&mut frame.as_slice()).unwrap().unwrap() };
        match read(changes) {
            ToClient::Changes(entries) => assert_eq!(entries.len(), 3),
            other => panic!("{other:?}"),
        }
        for (i, batch) in batches.iter().map(|b| &b[0]).enumerate() {
            assert!(
                Arc::ptr_eq(&batch[0].0, changes),
                "client {}: one encoding",
                i + 1
            );
            let answers: Vec<u64> = batch[1..]
                .iter()
                .map(|(frame, _)| match read(frame) {
                    ToClient::Executed { req, .. } => req,
                    other => panic!("{other:?}"),
                })
                .collect();
            let expected: &[u64] = match i + 1 {
                2 => &[7],
                4 => &[8, 9],
                _ => &[],
            };
            assert_eq!(answers, expected, "client {}", i + 1);
            let weights: usize = batch.iter().map(|(_, w)| w).sum();
            assert_eq!(ends[i].1.load(Ordering::SeqCst), weights);
        }
    }

    /// A compaction that leaves the store past `COMPACT_ABOVE` (as sled packs a log of
    /// small entries) is not followed by another at the next check, only once the store
    /// has grown by half (the serve bench ran 32 back to back before).
    #[test]
    fn a_compaction_is_not_restarted_before_the_store_has_grown_by_half() {
        const MB: u64 = 1 << 20;
        let live = 3 * MB;
        // A server's first compaction: past 3× its data, as before.
        assert!(!worth_compacting(9 * MB, live, None));
        assert!(worth_compacting(9 * MB + 1, live, None));
        // It left the store at 10 MiB, 3.3× its data: still past 3×, but not worth a copy.
        let after = Some(10 * MB);
        assert!(!worth_compacting(10 * MB, live, after));
        assert!(!worth_compacting(15 * MB, live + MB, after));
        assert!(worth_compacting(15 * MB + 1, live + MB, after));
        // Grown by half, but within 3× its (grown) data: no.
        assert!(!worth_compacting(15 * MB + 1, 6 * MB, after));
        // Never below the floor.
        assert!(!worth_compacting(COMPACT_FLOOR, 1, None));
    }

    #[test]
    fn size_bounds_cover_the_largest_encodings() {
        let name = "n".repeat(70_000);
        let mut p = person(&name, 9_999);
        // Any 16-digit NIK is over u32::MAX: a nine-byte varint, the longest.
        let last = NaiveDate::from_ymd_opt(2099, 12, 31).unwrap();
        p.nik = Nik::compose(999_999, last, Sex::P, 9_999);
        p.birth_date = NaiveDate::MAX;
        p.phone = Some("9".repeat(300).into());
        let strings = p.name.len() + p.phone.as_ref().unwrap().len();
        let holder = Some(Holder {
            person: p.clone(),
            absent: true,
        });
        assert!(codec::encode(&holder).len() <= 1 + HOLDER_FIXED + strings);
        let reserve = Reserve {
            rank: u32::MAX,
            person: p,
            tps: Some(TpsId(u32::MAX)),
        };
        assert!(codec::encode(&reserve).len() <= RESERVE_FIXED + strings);
        let spec = crate::domain::KelurahanSpec {
            kecamatan_code: "k".repeat(300),
            kecamatan: "m".repeat(70_000),
            code: "c".repeat(300),
            name: "n".repeat(70_000),
            tps_ranges: vec![(u16::MAX, u16::MAX); 100],
        };
        let strings = 300 + 70_000 + 300 + 70_000;
        assert!(codec::encode(&spec).len() <= SPEC_FIXED + strings + 6 * 100);
    }

    /// A snapshot of a city with some very long names: every frame within a chunk unless it
    /// carries one item alone, and the frames rebuild the roster exactly.
    #[test]
    fn snapshot_frames_stay_within_a_chunk_and_rebuild_the_roster() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("store");
        let mut roster = crate::demo::generate(
            crate::io::region_csv::palembang(),
            ElectionParams::default(),
            1,
        );
        let info = StoreInfo {
            params: roster.params.clone(),
            demo_seed: Some(1),
            regions_source: "test".into(),
            created: chrono::Utc::now(),
        };
        let store = Store::create(&dir, "t", &roster, info).unwrap();
        // One TPS whose seven officers are too long for one chunk together (300 KB names),
        // and a kelurahan with as long a reserve list.
        let tps = TpsId(10);
        for seat in 1..=7u8 {
            if let Some(h) = roster.seat(tps, seat).cloned() {
                let reason = crate::domain::VacateReason::Resigned;
                let event = Event::SeatVacated {
                    tps,
                    seat,
                    reason,
                    person: h.person,
                };
                store.commit(&mut roster, event).unwrap();
            }
            let name = format!("{seat} {}", "x".repeat(300_000));
            let event = Event::SeatFilled {
                tps,
                seat,
                person: person(&name, 9_000 + seat as u16),
                source: crate::domain::Source::Direct { berita_acara: None },
            };
            store.commit(&mut roster, event).unwrap();
        }
        let kel = KelurahanId(7);
        let reserves = (0..7u16)
            .map(|r| {
                let name = format!("{r} {}", "y".repeat(300_000));
                let person = person(&name, 9_100 + r);
                let rank = 500 + r as u32;
                (
                    kel,
                    Reserve {
                        rank,
                        person,
                        tps: None,
                    },
                )
            })
            .collect();
        let event = Event::ReservesImported {
            file: "t.csv".into(),
            cleared: Vec::new(),
            reserves,
        };
        store.commit(&mut roster, event).unwrap();

        let core = Core::new(store, roster, CLIENT_QUEUE, 0, None);
        let snapshot = take_snapshot(&core).unwrap();
        assert_eq!(
            snapshot.frames.iter().map(|f| f.len()).sum::<usize>(),
            snapshot.bytes
        );
        let mut specs = Vec::new();
        let mut messages = Vec::new();
        for frame in &snapshot.frames {
            let message: ToClient = proto::read(&mut frame.as_slice()).unwrap().unwrap();
            let items = match &message {
                ToClient::Regions(specs) => specs.len(),
                ToClient::Seats(seats) => seats.len(),
                ToClient::Reserves(lists) => lists.len(),
                other => panic!("{other:?}"),
            };
            assert!(
                frame.len() <= CHUNK || items == 1,
                "a frame of {} bytes with {items} items",
                frame.len()
            );
            match message {
                ToClient::Regions(more) => specs.extend(more),
                other => messages.push(other),
            }
        }
        let want = &core.roster;
        let mut got = Roster::new(
            crate::domain::Region::build(specs).unwrap(),
            want.params.clone(),
        );
        for message in messages {
            match message {
                ToClient::Seats(seats) => {
                    for (t, held) in seats {
                        got.place_seats(t, held);
                    }
                }
                ToClient::Reserves(lists) => {
                    for (k, list) in lists {
                        for r in list {
                            got.place_reserve(k, r);
                        }
                    }
                }
                _ => unreachable!(),
            }
        }
        got.recompute_rollups();
        for t in want.region.tps_ids() {
            assert_eq!(got.seats_of(t), want.seats_of(t));
        }
        for k in 0..want.region.kelurahan.len() as u32 {
            assert_eq!(got.reserves(KelurahanId(k)), want.reserves(KelurahanId(k)));
        }
        assert_eq!(got.total(), want.total());
    }
}
