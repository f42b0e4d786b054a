//! A client of `kpps serve`: builds the roster from the server's snapshot, then keeps it
//! current with the entries the server pushes. Implements the TUI's `Port`, so the TUI
//! works the same on a server as on a store it opened itself.

use std::collections::VecDeque;
use std::io::{self, BufReader, Read, Write};
use std::os::unix::io::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use super::proto::{self, ToClient, ToServer, PROTOCOL};
use crate::domain::{Command, Region, Role, Roster, TpsId};
use crate::port::{Port, Reconnect, Synced};
use crate::store::{ExecError, LogEntry, Record};
use crate::text::{tr, Lang, Said};

/// Messages the reader thread may hold for the TUI.
const INBOX: usize = 4096;

/// How long a request waits for its answer before the client gives up on the server.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);
/// A national-size import takes the server several seconds to check and write.
const IMPORT_TIMEOUT: Duration = Duration::from_secs(15 * 60);

#[derive(Debug)]
pub enum ConnectError {
    /// Nothing listens there: open the store directly instead.
    NoServer(PathBuf),
    Denied(Said),
    /// It is at its connection limit: try again later.
    Busy(Said),
    /// The connection failed or the server said something unexpected (`detail` as the
    /// system gave it).
    Broken {
        path: PathBuf,
        detail: String,
    },
}

impl ConnectError {
    pub fn text(&self, lang: Lang) -> String {
        match self {
            ConnectError::NoServer(p) => tr!(
                lang,
                "tidak ada server kpps di {}",
                "no kpps server on {}",
                p.display()
            ),
            ConnectError::Denied(why) => tr!(
                lang,
                "server kpps menolak: {}",
                "the kpps server refused: {}",
                why.get(lang)
            ),
            ConnectError::Busy(why) => tr!(
                lang,
                "server kpps sedang penuh: {}",
                "the kpps server is busy: {}",
                why.get(lang)
            ),
            ConnectError::Broken { path, detail } => tr!(
                lang,
                "server kpps di {}: {detail}",
                "kpps server on {}: {detail}",
                path.display()
            ),
        }
    }
}

/// English, for logs.
impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

impl std::error::Error for ConnectError {}

enum Incoming {
    Message(ToClient),
    /// The link is gone; why, as the system said it.
    Lost(Option<String>),
}

pub struct Client {
    socket: PathBuf,
    /// None while the connection is down.
    stream: Option<UnixStream>,
    inbox: Receiver<Incoming>,
    /// The reader thread writes a byte here when a message arrives and no wake-up is
    /// already pending: the TUI polls the other end.
    wake_tx: UnixStream,
    wake_rx: UnixStream,
    wake_pending: Arc<AtomicBool>,
    next_req: u64,
    /// The last log entry applied to the roster.
    seq: u64,
    /// Pushes that arrived while waiting for an answer that had no roster to apply them to.
    backlog: VecDeque<ToClient>,
    /// Others' entries applied while waiting for our own answer, for the next `sync`.
    applied: Vec<LogEntry>,
    /// Who the server says we are.
    pub user: String,
    pub role: Role,
}

impl Client {
    /// Connects and loads the roster as the server has it.
    pub fn connect(socket: &Path) -> Result<(Client, Roster), ConnectError> {
        let (wake_rx, wake_tx) = UnixStream::pair().map_err(|e| broken(socket, e))?;
        wake_rx
            .set_nonblocking(true)
            .map_err(|e| broken(socket, e))?;
        wake_tx
            .set_nonblocking(true)
            .map_err(|e| broken(socket, e))?;
        let (_, never) = channel();
        let mut client = Client {
            socket: socket.to_path_buf(),
            stream: None,
            inbox: never,
            wake_tx,
            wake_rx,
            wake_pending: Arc::new(AtomicBool::new(false)),
            next_req: 1,
            seq: 0,
            backlog: VecDeque::new(),
            applied: Vec::new(),
            user: String::new(),
            role: Role::Viewer,
        };
        let roster = client.handshake()?;
        Ok((client, roster))
    }

    fn handshake(&mut self) -> Result<Roster, ConnectError> {
        let socket = self.socket.clone();
        let stream = UnixStream::connect(&socket).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => {
                ConnectError::NoServer(socket.clone())
            }
            _ => broken(&socket, e),
        })?;
        // A server that refuses us may have closed before our hello arrives: its answer
        // is still there to read, and says more than the failed write.
        let hello = proto::write(&mut &stream, &ToServer::Hello { protocol: PROTOCOL });
        let mut reader = BufReader::with_capacity(
            256 * 1024,
            stream.try_clone().map_err(|e| broken(&socket, e))?,
        );
        let mut next = || -> Result<ToClient, ConnectError> {
            proto::read_limited::<ToClient>(&mut reader, proto::MAX_FROM_SERVER)
                .map_err(|e| broken(&socket, e))?
                .ok_or_else(|| broken(&socket, "closed the connection during start-up"))
        };
        let first = match (next(), hello) {
            (Ok(message), _) => message,
            (Err(_), Err(e)) => return Err(broken(&socket, e)),
            (Err(e), Ok(())) => return Err(e),
        };
        let (user, role, info, mut regions, seq) = match first {
            ToClient::Welcome {
                protocol: _,
                user,
                role,
                info,
                regions,
                seq,
            } => (user, role, info, regions, seq),
            ToClient::Denied { message } => return Err(ConnectError::Denied(message)),
            ToClient::Busy { message } => return Err(ConnectError::Busy(message)),
            other => return Err(broken(&socket, format!("unexpected {other:?}"))),
        };
        let mut message = next()?;
        while let ToClient::Regions(more) = message {
            regions.extend(more);
            message = next()?;
        }
        let region = Region::build(regions)
            .map_err(|e| broken(&socket, format!("bad region tree: {e:?}")))?;
        let mut roster = Roster::new(region, info.params);
        roster.demo = info.demo_seed.is_some();
        // Changes made since the snapshot was taken, applied once it is whole.
        let mut since = Vec::new();
        loop {
            match message {
                ToClient::Seats(chunk) => {
                    for (tps, seats) in chunk {
                        roster.place_seats(tps, seats);
                    }
                }
                ToClient::Reserves(lists) => {
                    for (kel, list) in lists {
                        for r in list {
                            roster.place_reserve(kel, r);
                        }
                    }
                }
                ToClient::Changes(entries) => since.extend(entries),
                ToClient::SnapshotEnd => break,
                other => return Err(broken(&socket, format!("unexpected {other:?}"))),
            }
            message = next()?;
        }
        roster.recompute_rollups();
        roster.index_in_background();
        let mut seq = seq;
        for entry in since {
            if entry.seq > seq {
                if let Record::Change(event) = &entry.record {
                    roster.apply(event);
                }
                seq = entry.seq;
            }
        }

        // Bounded: when the TUI falls behind (its own terminal stalled), the reader stops
        // reading, the server's queue for us fills, and the server cuts us off; we then
        // reconnect and reload instead of buffering without end.
        let (tx, rx) = sync_channel(INBOX);
        let wake = self.wake_tx.try_clone().map_err(|e| broken(&socket, e))?;
        let pending = Arc::clone(&self.wake_pending);
        std::thread::spawn(move || loop {
            let incoming =
                match proto::read_limited::<ToClient>(&mut reader, proto::MAX_FROM_SERVER) {
                    Ok(Some(message)) => Incoming::Message(message),
                    Ok(None) => Incoming::Lost(None),
                    Err(e) => Incoming::Lost(Some(e.to_string())),
                };
            let lost = matches!(incoming, Incoming::Lost(_));
            let gone = tx.send(incoming).is_err();
            if !pending.swap(true, Ordering::SeqCst) {
                let _ = (&wake).write(&[1]);
            }
            if lost || gone {
                return;
            }
        });
        self.stream = Some(stream);
        self.inbox = rx;
        self.backlog.clear();
        self.applied.clear();
        self.seq = seq;
        self.user = user;
        self.role = role;
        Ok(roster)
    }

    fn send(&mut self, message: &ToServer) -> Result<(), Said> {
        let stream = self.stream.as_ref().ok_or_else(not_connected)?;
        proto::write(&mut &*stream, message).map_err(|e| {
            self.stream = None;
            lost(Some(e.to_string()))
        })
    }

    fn request_id(&mut self) -> u64 {
        let req = self.next_req;
        self.next_req += 1;
        req
    }

    /// Next message from the server, or why there is none.
    fn receive(&mut self) -> Result<ToClient, Said> {
        self.receive_within(ANSWER_TIMEOUT)
    }

    fn receive_within(&mut self, timeout: Duration) -> Result<ToClient, Said> {
        match self.inbox.recv_timeout(timeout) {
            Ok(Incoming::Message(m)) => Ok(m),
            Ok(Incoming::Lost(why)) => {
                self.stream = None;
                Err(lost(why))
            }
            Err(RecvTimeoutError::Timeout) => {
                let secs = timeout.as_secs();
                Err(Said::new(|l| {
                    tr!(
                        l,
                        "server kpps tidak menjawab dalam {secs} detik",
                        "the kpps server did not answer in {secs} s"
                    )
                }))
            }
            Err(RecvTimeoutError::Disconnected) => {
                self.stream = None;
                Err(lost(None))
            }
        }
    }

    /// Applies pushed entries (once: the snapshot may already include some) and keeps them
    /// for the next `sync` report.
    fn take_in(&mut self, roster: &mut Roster, entries: Vec<LogEntry>) {
        for entry in entries {
            if entry.seq <= self.seq {
                continue;
            }
            if let Record::Change(event) = &entry.record {
                roster.apply(event);
            }
            self.seq = entry.seq;
            self.applied.push(entry);
        }
    }

    fn apply_backlog(&mut self, roster: &mut Roster) {
        while let Some(message) = self.backlog.pop_front() {
            if let ToClient::Changes(entries) = message {
                self.take_in(roster, entries);
            }
        }
    }

    fn entries(&mut self, request: ToServer) -> Result<Vec<LogEntry>, Said> {
        let req = match &request {
            ToServer::History { req, .. }
            | ToServer::Log { req, .. }
            | ToServer::LogBefore { req, .. }
            | ToServer::HistoryBefore { req, .. } => *req,
            _ => 0,
        };
        self.send(&request)?;
        loop {
            match self.receive()? {
                ToClient::Entries { req: r, entries } if r == req => return Ok(entries),
                ToClient::Failed { req: r, message } if r == req => return Err(message),
                ToClient::Refused { req: r, refusal } if r == req => {
                    return Err(Said::verbatim(format!("refused: {refusal:?}")))
                }
                other => self.backlog.push_back(other),
            }
        }
    }

    /// The last log entry applied to the roster.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The newest `limit` entries of the log, newest first (for `kpps log`), fetched a
    /// page at a time (the server answers with a bounded page).
    pub fn log(&mut self, limit: usize) -> Result<Vec<LogEntry>, Said> {
        let mut out: Vec<LogEntry> = Vec::new();
        let mut before = u64::MAX;
        while out.len() < limit {
            let req = self.request_id();
            let page = self.entries(ToServer::LogBefore {
                req,
                before,
                limit: (limit - out.len()) as u64,
            })?;
            match page.last() {
                Some(last) => before = last.seq,
                None => break,
            }
            out.extend(page);
        }
        out.truncate(limit);
        Ok(out)
    }

    /// A TPS's whole history, oldest first, fetched a page at a time from the newest.
    pub fn history(&mut self, tps: TpsId) -> Result<Vec<LogEntry>, Said> {
        let mut pages: Vec<Vec<LogEntry>> = Vec::new();
        let mut before = u64::MAX;
        loop {
            let req = self.request_id();
            let page = self.entries(ToServer::HistoryBefore { req, tps, before })?;
            match page.first() {
                Some(first) => before = first.seq,
                None => break,
            }
            pages.push(page);
        }
        Ok(pages.into_iter().rev().flatten().collect())
    }
}

impl Drop for Client {
    /// Closes the connection (the reader thread holds a clone of the socket and would keep
    /// it open until the server closed it).
    fn drop(&mut self) {
        if let Some(stream) = &self.stream {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

fn broken(path: &Path, e: impl std::fmt::Display) -> ConnectError {
    ConnectError::Broken {
        path: path.to_path_buf(),
        detail: e.to_string(),
    }
}

/// The link to the server is gone; `why` as the system said it, if it did.
fn lost(why: Option<String>) -> Said {
    let why = why.map(|w| format!(": {w}")).unwrap_or_default();
    Said::new(|l| {
        tr!(
            l,
            "sambungan ke server kpps terputus{why}",
            "the connection to the kpps server was lost{why}"
        )
    })
}

fn not_connected() -> Said {
    Said::new(|l| {
        l.t(
            "tidak tersambung ke server kpps (menyambung ulang); tidak ada yang dicatat",
            "not connected to the kpps server (reconnecting); nothing was recorded",
        )
        .into()
    })
}

impl Port for Client {
    fn execute(&mut self, roster: &mut Roster, command: &Command) -> Result<LogEntry, ExecError> {
        self.apply_backlog(roster);
        let req = self.request_id();
        self.send(&ToServer::Execute {
            req,
            command: command.clone(),
        })
        .map_err(ExecError::Remote)?;
        let timeout = match command {
            Command::Import(_) => IMPORT_TIMEOUT,
            _ => ANSWER_TIMEOUT,
        };
        loop {
            let message = self.receive_within(timeout).map_err(|why| {
                ExecError::Remote(Said::new(|l| {
                    tr!(
                        l,
                        "{}; tercatat atau tidaknya perubahan ini terlihat setelah tersambung lagi",
                        "{}; whether the change was recorded will show once reconnected",
                        why.get(l)
                    )
                }))
            })?;
            match message {
                ToClient::Changes(entries) => self.take_in(roster, entries),
                ToClient::Executed { req: r, seq } if r == req => {
                    // Our entry came just before this answer.
                    let at = self.applied.iter().rposition(|e| e.seq == seq);
                    return at.map(|i| self.applied.remove(i)).ok_or_else(|| {
                        ExecError::Remote(Said::new(|l| {
                            tr!(
                                l,
                                "server mencatat #{seq} tetapi tidak mengirimnya",
                                "the server recorded #{seq} but did not send it"
                            )
                        }))
                    });
                }
                ToClient::Refused { req: r, refusal } if r == req => {
                    return Err(ExecError::Refused(refusal))
                }
                ToClient::Failed { req: r, message } if r == req => {
                    return Err(ExecError::Remote(message))
                }
                _ => {}
            }
        }
    }

    fn tps_history(&mut self, tps: TpsId) -> Result<Vec<LogEntry>, Said> {
        self.history(tps)
    }

    fn recent_log(&mut self, limit: usize) -> Result<Vec<LogEntry>, Said> {
        self.log(limit)
    }

    fn wake_fd(&self) -> Option<RawFd> {
        Some(self.wake_rx.as_raw_fd())
    }

    fn sync(&mut self, roster: &mut Roster) -> Synced {
        // Drain the pipe, then clear the flag, then read the channel: a message sent before
        // the flag was cleared is in the channel already; one sent after wakes us again.
        let mut buf = [0u8; 256];
        while matches!((&self.wake_rx).read(&mut buf), Ok(n) if n > 0) {}
        self.wake_pending.swap(false, Ordering::SeqCst);
        self.apply_backlog(roster);
        let mut gone = None;
        while let Ok(incoming) = self.inbox.try_recv() {
            match incoming {
                Incoming::Message(ToClient::Changes(entries)) => self.take_in(roster, entries),
                Incoming::Message(_) => {}
                Incoming::Lost(why) => {
                    if self.stream.take().is_some() {
                        gone = Some(self::lost(why));
                    }
                }
            }
        }
        Synced {
            entries: std::mem::take(&mut self.applied),
            lost: gone,
        }
    }

    fn connected(&self) -> bool {
        self.stream.is_some()
    }

    fn identity(&self) -> Option<(String, Role)> {
        Some((self.user.clone(), self.role))
    }

    fn reconnect(&mut self, roster: &mut Roster) -> Result<(), Reconnect> {
        match self.handshake() {
            Ok(fresh) => {
                *roster = fresh;
                Ok(())
            }
            Err(ConnectError::Denied(why)) => Err(Reconnect::Refused(why)),
            // Not reachable, or at its connection limit (`Busy`): a later try may get in.
            Err(e) => Err(Reconnect::NotYet(Said::new(|l| e.text(l)))),
        }
    }
}
