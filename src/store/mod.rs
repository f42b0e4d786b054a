//! The sled store: the only module that touches sled.
//!
//! Layout of a store directory (0700, files 0600):
//! - `kpps.lock`: held with `flock` while a process has the store open.
//! - `journal.kpps`: every log entry, appended and fsynced before sled is written (the record
//!   of truth: sled can be rebuilt from it).
//! - `sled/`: the database, with these trees (keys big-endian so iteration is tree order):
//!   - `meta`: `info` (StoreInfo), `region` (kelurahan specs), `next_seq`, `complete`.
//!   - `seats`: TPS id (u32) → that TPS's seats (`Vec<Option<Holder>>`); empty TPS absent.
//!   - `reserves`: kelurahan id (u32) → its ranked reserve list; empty lists absent.
//!   - `log`: sequence number (u64) → `LogEntry` (who, when, what).
//!   - `tps_log`: TPS id (u32) ++ sequence (u64) → () — each TPS's history, in order.
//!
//! Every change takes one road (`execute_batch`, and `persist` under it): commands are decided
//! and applied to the in-memory roster in order; their entries are appended to the journal
//! and fsynced; then written to sled in one transaction over every tree they touch, and
//! flushed. Only then is a change reported done. If either write fails, the roster is
//! reloaded from disk (memory never runs ahead of the store), and the next open replays the
//! journal entries sled lacks.

pub mod codec;
mod compact;
pub use compact::{Compacted, CompactionJob, COMPACT_ABOVE, COMPACT_FLOOR};
mod error;
pub mod journal;
mod lock;
mod read;
mod verify;
mod write;

pub use verify::{rebuild, replay_journal, CheckReport};

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    Command, ElectionParams, Event, Holder, KelurahanId, KelurahanSpec, Refusal, Region, Reserve,
    Role, Roster, Source, TpsId,
};
use codec::CodecError;
pub use error::{
    changes_text, command, is_disk_full, shell_quote, Cause, ExecError, Notice, Result, StoreError,
};
use error::{sled_disk_full, write_failure};
pub use lock::StoreLock;

/// What the store is: election parameters, and whether it holds generated demo data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreInfo {
    pub params: ElectionParams,
    /// Seed of the synthetic demo roster, if this store holds demo data.
    pub demo_seed: Option<u64>,
    /// Where the region tree came from (`embedded Palembang` or a file name).
    pub regions_source: String,
    pub created: DateTime<Utc>,
}

/// What a log entry records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Record {
    /// The store was created over an empty roster: the region tree and the parameters.
    /// `info.demo_seed` marks a store of generated demo data, whose roster the entries after
    /// this one record (`Store::create`); stores made by kpps before that recorded only the
    /// seed (`verify::replay_journal` refuses them).
    Created {
        info: StoreInfo,
        tps: u32,
        regions: Vec<KelurahanSpec>,
    },
    Change(Event),
}

/// How a new store gets its starting seats and reserves.
#[derive(Clone, Copy)]
enum Start<'a> {
    /// Written straight to the database. The journal does not record them: its creation
    /// record describes an empty roster (`kpps init`; a rebuild, whose entries follow).
    Direct(&'a Roster),
    /// A demo store: recorded as change entries after the creation record
    /// (`Store::record_roster`).
    Recorded { roster: &'a Roster, seed: u64 },
}

impl<'a> Start<'a> {
    fn roster(self) -> &'a Roster {
        match self {
            Start::Direct(roster) | Start::Recorded { roster, .. } => roster,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub record: Record,
}

/// Entries read within a budget (`Store::log_page`, `Store::tps_history_page`).
#[derive(Debug, Default)]
pub struct LogPage {
    /// Newest first.
    pub entries: Vec<LogEntry>,
    /// The entry that did not fit the byte budget (its number and stored size), if one
    /// ended the page.
    pub stopped_by: Option<(u64, usize)>,
}

pub struct Store {
    dir: PathBuf,
    db: sled::Db,
    meta: sled::Tree,
    seats: sled::Tree,
    reserves: sled::Tree,
    log: sled::Tree,
    tps_log: sled::Tree,
    actor: String,
    journal: std::sync::Mutex<Option<journal::Journal>>,
    /// Set when a change reached the journal but not sled: stop writing until reopened.
    poisoned: std::sync::atomic::AtomicBool,
    /// What opening had to repair (a torn journal tail, journal entries replayed into sled).
    pub notices: Vec<Notice>,
    _lock: StoreLock,
}

const K_INFO: &[u8] = b"info";
const K_REGION: &[u8] = b"region";
const K_NEXT_SEQ: &[u8] = b"next_seq";
const K_COMPLETE: &[u8] = b"complete";
/// The journal file beside the sled directory.
pub const JOURNAL_FILE: &str = "journal.kpps";

fn tps_key(tps: TpsId) -> [u8; 4] {
    tps.0.to_be_bytes()
}

fn kel_key(kel: KelurahanId) -> [u8; 4] {
    kel.0.to_be_bytes()
}

fn history_key(tps: TpsId, seq: u64) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..4].copy_from_slice(&tps.0.to_be_bytes());
    k[4..].copy_from_slice(&seq.to_be_bytes());
    k
}

fn key_u32(k: &[u8]) -> u32 {
    u32::from_be_bytes(k[..4].try_into().expect("4-byte key"))
}

/// TPS and kelurahan whose stored values an event changes.
fn affected(roster: &Roster, event: &Event) -> (BTreeSet<TpsId>, BTreeSet<KelurahanId>) {
    let mut tps = BTreeSet::new();
    let mut kel = BTreeSet::new();
    match event {
        Event::SeatFilled { tps: t, source, .. } => {
            tps.insert(*t);
            if let Source::Reserve { kelurahan, .. } = source {
                kel.insert(*kelurahan);
            }
        }
        Event::SeatVacated { tps: t, .. }
        | Event::AbsenceMarked { tps: t, .. }
        | Event::KetuaDesignated { tps: t, .. } => {
            tps.insert(*t);
        }
        Event::Undone { event, .. } => return affected(roster, event),
        Event::RosterImported { cleared, seats, .. }
        | Event::RosterFileImported { cleared, seats, .. } => {
            for k in cleared {
                tps.extend(roster.region.kelurahan(*k).tps.clone().map(TpsId));
            }
            tps.extend(seats.iter().map(|s| s.tps));
        }
        Event::ReservesImported {
            cleared, reserves, ..
        } => {
            kel.extend(cleared.iter().copied());
            kel.extend(reserves.iter().map(|(k, _)| *k));
        }
    }
    (tps, kel)
}

/// The OS user running this process: the default actor in the audit log.
pub fn os_user() -> String {
    // SAFETY: getpwuid returns a pointer into static storage or null; we copy out at once.
    unsafe {
        let pw = libc::getpwuid(libc::geteuid());
        if !pw.is_null() && !(*pw).pw_name.is_null() {
            return std::ffi::CStr::from_ptr((*pw).pw_name)
                .to_string_lossy()
                .into_owned();
        }
    }
    std::env::var("USER").unwrap_or_else(|_| format!("uid{}", unsafe { libc::geteuid() }))
}

impl Store {
    fn sled_dir(dir: &Path) -> PathBuf {
        dir.join("sled")
    }

    /// Whether `dir` holds a kpps store (complete or not), also one caught mid-compaction.
    pub fn exists(dir: &Path) -> bool {
        Self::sled_dir(dir).join("db").exists() || compact::swap_pending(dir)
    }

    fn open_raw(dir: &Path, actor: &str) -> Result<Store> {
        refuse_foreign_owner(dir)?;
        let io = |source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        };
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io)?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io)?;
        let lock = StoreLock::acquire(dir)?;
        compact::finish_interrupted(dir).map_err(io)?;
        Self::open_locked(dir, actor, lock)
    }

    /// Opens sled in `dir`, whose lock this process holds.
    fn open_locked(dir: &Path, actor: &str, lock: StoreLock) -> Result<Store> {
        let db = open_sled(&Self::sled_dir(dir)).map_err(|source| {
            if sled_disk_full(&source) {
                // sled writes a fresh snapshot on every open.
                StoreError::DiskFull {
                    path: dir.to_path_buf(),
                    detail: source.to_string(),
                }
            } else {
                StoreError::Sled {
                    path: dir.to_path_buf(),
                    source,
                }
            }
        })?;
        restrict_permissions(dir).map_err(|source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let [meta, seats, reserves, log, tps_log] =
            open_trees(&db).map_err(|source| StoreError::Sled {
                path: dir.to_path_buf(),
                source,
            })?;
        Ok(Store {
            meta,
            seats,
            reserves,
            log,
            tps_log,
            db,
            dir: dir.to_path_buf(),
            actor: actor.to_string(),
            journal: std::sync::Mutex::new(None),
            poisoned: std::sync::atomic::AtomicBool::new(false),
            notices: Vec::new(),
            _lock: lock,
        })
    }

    /// Opens an existing, completely created store.
    pub fn open(dir: &Path, actor: &str) -> Result<Store> {
        if !Self::exists(dir) {
            return Err(StoreError::NotFound(dir.to_path_buf()));
        }
        Self::open_raw(dir, actor)?.finish_open()
    }

    /// Checks that sled was completely created, then brings it level with the journal.
    fn finish_open(mut self) -> Result<Store> {
        if self
            .meta
            .get(K_COMPLETE)
            .map_err(|e| self.sled_err(e))?
            .is_none()
        {
            return Err(StoreError::Incomplete(self.dir.clone()));
        }
        self.recover()?;
        Ok(self)
    }

    pub fn journal_path(dir: &Path) -> PathBuf {
        dir.join(JOURNAL_FILE)
    }

    /// Brings sled level with the journal. A torn last entry (never acknowledged) is cut
    /// off. Then, cheaply, on every open: sled's last logged change must be the journal's
    /// entry of that number, equal in content, and its counter must agree. If the journal
    /// goes further (a crash or a failed database write between the two writes), the store
    /// is repaired from the journal (`repair_from_journal`). Anything else (sled ahead of
    /// the journal, the same number with other content) stops the open with the command
    /// that recovers (`Disagrees`); a journal damaged mid-file stops it too. Seat by seat
    /// agreement of a store that opened normally is `kpps check`'s job.
    fn recover(&mut self) -> Result<()> {
        let path = Self::journal_path(&self.dir);
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        // Where sled is: its counter, and the last change in its log. The journal's n-th
        // entry is change #n; only that one's content is kept from the journal's scan.
        let counter = self
            .get::<u64>(&self.meta, K_NEXT_SEQ)?
            .unwrap_or(1)
            .saturating_sub(1);
        let last = self.log.last().map_err(|e| self.sled_err(e))?;
        let log_last = last.as_ref().map_or(0, |(k, _)| {
            u64::from_be_bytes(k[..8].try_into().expect("8-byte key"))
        });
        let scan = journal::scan_keeping(&path, |i| i as u64 + 1 == log_last).map_err(io)?;
        match &scan.damage {
            None => {}
            Some(damage @ journal::Damage::TruncatedTail { .. }) => {
                self.notices.push(Notice::TornTailRemoved {
                    journal: path.clone(),
                    damage: damage.clone(),
                });
            }
            Some(damage) => {
                return Err(StoreError::JournalDamaged {
                    path,
                    damage: damage.clone(),
                })
            }
        }
        if scan.payloads.is_empty() {
            return Err(StoreError::JournalDamaged {
                path,
                damage: journal::Damage::BadHeader,
            });
        }
        let count = scan.payloads.len() as u64;
        let sled_last = counter.max(log_last);
        if sled_last > count {
            return Err(self.disagrees(format!(
                "the database has changes #{} to #{sled_last} that the journal (ending at \
                 #{count}) lacks; if {} was replaced by an older copy, put the newer one \
                 back instead (rebuilding from this journal drops those changes)",
                count + 1,
                path.display()
            )));
        }
        // sled's last change must be the journal's of that number, byte for byte (both are
        // `codec::encode` of the same entry; compared undecoded, so a large last entry such
        // as an import costs a read, not a decode).
        let Some((_, stored)) = last else {
            return Err(self.disagrees("the database's log is empty".into()));
        };
        if scan.payloads[(log_last - 1) as usize].1 != stored[..] {
            return Err(self.disagrees(format!(
                "change #{log_last} in the database differs from the journal's #{log_last}"
            )));
        }
        let journal_last = count;
        let journal = journal::Journal::open(&path, &scan).map_err(io)?;
        *self.journal.lock().expect("journal lock") = Some(journal);
        if counter == log_last && log_last == journal_last {
            return Ok(());
        }
        // A write to sled did not finish: the journal goes on from sled's last whole change.
        if let Err(e) = self.repair_from_journal(log_last) {
            // The journal keeps everything for the next open; sled may have failed a write.
            self.poisoned
                .store(true, std::sync::atomic::Ordering::SeqCst);
            let cause = write_failure(&e);
            return Err(match cause.disk_full {
                true => StoreError::DiskFull {
                    path: self.dir.clone(),
                    detail: cause.detail,
                },
                false => e,
            });
        }
        self.notices.push(Notice::Replayed {
            entries: journal_last - log_last,
        });
        Ok(())
    }

    pub(super) fn disagrees(&self, detail: String) -> StoreError {
        StoreError::Disagrees {
            path: self.dir.clone(),
            detail,
        }
    }

    /// Creates a store holding `roster` (its region, parameters, seats and reserves).
    /// A demo store (`info.demo_seed`) records its roster in the journal as change entries
    /// after the creation record (`record_roster`), so that the journal alone rebuilds it;
    /// any other store's starting seats and reserves are written to the database only
    /// (`kpps init` creates an empty roster, which the creation record describes).
    /// The `complete` marker is written last: an interrupted create is detected on open.
    pub fn create(dir: &Path, actor: &str, roster: &Roster, info: StoreInfo) -> Result<Store> {
        let start = match info.demo_seed {
            Some(seed) => Start::Recorded { roster, seed },
            None => Start::Direct(roster),
        };
        let entry = LogEntry {
            seq: 1,
            at: Utc::now(),
            actor: actor.to_string(),
            record: Record::Created {
                info,
                tps: roster.region.tps.len() as u32,
                regions: roster.region.to_specs(),
            },
        };
        Self::create_with_entry(dir, actor, start, entry)
    }

    /// Creates a store from its starting roster and creation record (kept verbatim when a
    /// store is rebuilt from its journal).
    fn create_with_entry(dir: &Path, actor: &str, start: Start, entry: LogEntry) -> Result<Store> {
        let Record::Created { info, .. } = &entry.record else {
            return Err(StoreError::Diverged {
                path: dir.to_path_buf(),
                detail: "first entry is not a creation record".into(),
            });
        };
        if Self::exists(dir) {
            return Err(StoreError::AlreadyExists(dir.to_path_buf()));
        }
        let info = info.clone();
        let store = Self::open_raw(dir, actor)?;
        match store.fill_created(dir, start, &info, entry) {
            Ok(()) => Ok(store),
            Err(e) => {
                // Left incomplete (no `complete` marker): sled may have failed a write, so
                // it is not closed (see `Drop`).
                store
                    .poisoned
                    .store(true, std::sync::atomic::Ordering::SeqCst);
                Err(e)
            }
        }
    }

    /// Writes a new store's contents; the `complete` marker last.
    fn fill_created(
        &self,
        dir: &Path,
        start: Start,
        info: &StoreInfo,
        entry: LogEntry,
    ) -> Result<()> {
        let store = self;
        let roster = start.roster();
        store.put(&store.meta, K_INFO, info)?;
        store.put(&store.meta, K_REGION, &roster.region.to_specs())?;
        if let Start::Direct(roster) = start {
            store.fill_direct(roster)?;
        }
        store.finish_create(dir, &entry)?;
        if let Start::Recorded { roster, seed } = start {
            store.record_roster(roster, seed, &entry)?;
        }
        store.put(&store.meta, K_COMPLETE, &true)?;
        store.flush()?;
        restrict_permissions(dir).map_err(|source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        })
    }

    /// Writes a roster's seats and reserves straight to the database (no journal entries).
    fn fill_direct(&self, roster: &Roster) -> Result<()> {
        let store = self;
        // Written in batches of a few thousand values, flushed after each: one national
        // batch makes sled 0.34 hold several times the data in memory (7.9 GiB peak for
        // 820,161 TPS) and leaves a larger file. The `complete` marker, written last, is
        // what makes creation all-or-nothing.
        const CHUNK: usize = 2_000;
        let tps: Vec<TpsId> = roster.region.tps_ids().collect();
        for chunk in tps.chunks(CHUNK) {
            let mut batch = sled::Batch::default();
            for &t in chunk {
                let s = roster.seats_of(t);
                if s.iter().any(Option::is_some) {
                    batch.insert(&tps_key(t), codec::encode(&s));
                }
            }
            store
                .seats
                .apply_batch(batch)
                .map_err(|e| store.sled_err(e))?;
            store.flush()?;
        }
        let kelurahan: Vec<KelurahanId> = (0..roster.region.kelurahan.len() as u32)
            .map(KelurahanId)
            .collect();
        for chunk in kelurahan.chunks(CHUNK) {
            let mut batch = sled::Batch::default();
            for &k in chunk {
                let list = roster.reserves(k);
                if !list.is_empty() {
                    batch.insert(&kel_key(k), codec::encode(&list));
                }
            }
            store
                .reserves
                .apply_batch(batch)
                .map_err(|e| store.sled_err(e))?;
        }
        Ok(())
    }

    /// Writes the creation record: journal first, then sled.
    fn finish_create(&self, dir: &Path, entry: &LogEntry) -> Result<()> {
        let store = self;
        let path = Self::journal_path(dir);
        let journal = journal::Journal::create(&path, entry)
            .map_err(|source| StoreError::Io { path, source })?;
        *store.journal.lock().expect("journal lock") = Some(journal);
        store.put(&store.log, &entry.seq.to_be_bytes(), entry)?;
        store.put(&store.meta, K_NEXT_SEQ, &(entry.seq + 1))?;
        store.flush()
    }

    /// Records a demo store's generated roster as change entries after its creation record,
    /// through the write road every change takes (journal append and fsync, then one sled
    /// transaction and flush): for each kabupaten/kota, in tree order, its seats
    /// (`RosterFileImported`, absences included) and then its reserves
    /// (`ReservesImported`), labelled `demo_label(seed, its name)`, as one write. So no
    /// entry or transaction holds more than one kabupaten/kota (about 10 MB for the largest),
    /// and a replay of the journal (`Roster::apply` from an empty roster) gives `roster`
    /// exactly, without the generator. Each TPS and kelurahan belongs to one kabupaten/kota,
    /// so the values `roster` holds for those a write touches are what its entries leave.
    fn record_roster(&self, roster: &Roster, seed: u64, created: &LogEntry) -> Result<()> {
        let mut seq = created.seq + 1;
        for area in crate::domain::area::kabupaten_kota(&roster.region) {
            let file = crate::domain::demo_label(seed, &area.name);
            let events = [
                roster.seats_as_import(&file, area.tps),
                roster.reserves_as_import(&file, area.kelurahan),
            ];
            let (mut tps, mut kel) = (BTreeSet::new(), BTreeSet::new());
            let at = Utc::now();
            let entries: Vec<LogEntry> = events
                .into_iter()
                .map(|event| {
                    let (t, k) = affected(roster, &event);
                    tps.extend(t);
                    kel.extend(k);
                    seq += 1;
                    LogEntry {
                        seq: seq - 1,
                        at,
                        actor: created.actor.clone(),
                        record: Record::Change(event),
                    }
                })
                .collect();
            self.write_through(roster, &entries, &tps, &kel)?;
        }
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn sled_err(&self, source: sled::Error) -> StoreError {
        StoreError::Sled {
            path: self.dir.clone(),
            source,
        }
    }

    fn put<T: Serialize>(&self, tree: &sled::Tree, key: &[u8], value: &T) -> Result<()> {
        tree.insert(key, codec::encode(value))
            .map_err(|e| self.sled_err(e))?;
        Ok(())
    }

    fn get<T: serde::de::DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        key: &[u8],
    ) -> Result<Option<T>> {
        match tree.get(key).map_err(|e| self.sled_err(e))? {
            None => Ok(None),
            Some(bytes) => codec::decode(&bytes)
                .map(Some)
                .map_err(|source| StoreError::Codec {
                    path: self.dir.clone(),
                    key: String::from_utf8_lossy(key).into_owned(),
                    source,
                }),
        }
    }

    fn decode_at<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        key: &[u8],
        bytes: &[u8],
    ) -> Result<T> {
        codec::decode(bytes).map_err(|source| StoreError::Codec {
            path: self.dir.clone(),
            key: format!("{what}/{key:02x?}"),
            source,
        })
    }

    pub fn flush(&self) -> Result<()> {
        self.db.flush().map_err(|e| self.sled_err(e))?;
        Ok(())
    }

    pub fn info(&self) -> Result<StoreInfo> {
        self.get(&self.meta, K_INFO)?
            .ok_or_else(|| StoreError::Incomplete(self.dir.clone()))
    }

    /// Reads the whole roster into memory.
    pub fn load(&self) -> Result<Roster> {
        let info = self.info()?;
        let specs: Vec<KelurahanSpec> = self
            .get(&self.meta, K_REGION)?
            .ok_or_else(|| StoreError::Incomplete(self.dir.clone()))?;
        let region = Region::build(specs).map_err(|e| StoreError::Codec {
            path: self.dir.clone(),
            key: "region".into(),
            source: CodecError::Corrupt(format!("{e:?}")),
        })?;
        let mut roster = Roster::new(region, info.params);
        roster.demo = info.demo_seed.is_some();
        self.load_seats(&mut roster)?;
        for item in self.reserves.iter() {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            let kel = KelurahanId(key_u32(&k));
            let list: Vec<Reserve> = self.decode_at("reserves", &k, &v)?;
            for r in list {
                roster.place_reserve(kel, r);
            }
        }
        roster.recompute_rollups();
        Ok(roster)
    }

    /// Reads every TPS's seats into the roster. Two threads each scan and decode half the key
    /// range while this one inserts: at national scale (820,161 values, 5.7 million people)
    /// scanning, decoding and indexing take about a second each, so they overlap.
    fn load_seats(&self, roster: &mut Roster) -> Result<()> {
        type Chunk = Vec<(TpsId, Vec<Option<Holder>>)>;
        const CHUNK: usize = 4_096;
        let middle = (roster.region.tps.len() as u32 / 2).to_be_bytes();
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Chunk>>(8);
        std::thread::scope(|scope| {
            let halves = [self.seats.range(..middle), self.seats.range(middle..)];
            for half in halves {
                let tx = tx.clone();
                scope.spawn(move || {
                    let mut chunk: Chunk = Vec::with_capacity(CHUNK);
                    for item in half {
                        let decoded = item.map_err(|e| self.sled_err(e)).and_then(|(k, v)| {
                            Ok((TpsId(key_u32(&k)), self.decode_at("seats", &k, &v)?))
                        });
                        match decoded {
                            Ok(entry) => chunk.push(entry),
                            Err(e) => {
                                let _ = tx.send(Err(e));
                                return;
                            }
                        }
                        if chunk.len() == CHUNK && tx.send(Ok(std::mem::take(&mut chunk))).is_err()
                        {
                            return;
                        }
                    }
                    let _ = tx.send(Ok(chunk));
                });
            }
            drop(tx);
            for chunk in rx {
                for (tps, seats) in chunk? {
                    roster.place_seats(tps, seats);
                }
            }
            Ok(())
        })
    }

    /// Bytes the store occupies on disk.
    pub fn size_on_disk(&self) -> Result<u64> {
        self.db.size_on_disk().map_err(|e| self.sled_err(e))
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if self.poisoned.load(std::sync::atomic::Ordering::SeqCst) {
            // After a failed write, sled 0.34 can wait forever for the flush it makes when
            // its last handle closes (an import that filled the disk hung there). Keep a
            // handle open until the process exits: every acknowledged change was flushed
            // already, and the journal holds the rest for the next open.
            std::mem::forget(self.db.clone());
        }
    }
}

/// The names of the sled trees a store uses.
const TREES: [&str; 5] = ["meta", "seats", "reserves", "log", "tps_log"];

/// The store's trees in `TREES` order.
fn open_trees(db: &sled::Db) -> sled::Result<[sled::Tree; 5]> {
    Ok([
        db.open_tree(TREES[0])?,
        db.open_tree(TREES[1])?,
        db.open_tree(TREES[2])?,
        db.open_tree(TREES[3])?,
        db.open_tree(TREES[4])?,
    ])
}

/// Opens (or creates) a sled database with the store's settings.
fn open_sled(path: &Path) -> sled::Result<sled::Db> {
    // Every change is flushed before it is acknowledged, so sled's own periodic flush
    // (a thread waking every 500 ms) adds nothing but wake-ups on an idle server.
    remove_unfinished_snapshots(path)?;
    let config = sled::Config::new()
        .path(path)
        .cache_capacity(64 * 1024 * 1024)
        .flush_every_ms(None);
    // Our flock is free, so no other process has the store; but sled 0.34 drops its own
    // file lock from a background thread after close (spacejam/sled#1289), so a reopen
    // right after a close in this process can briefly see it held. Retry for a moment.
    let mut attempts = 0;
    loop {
        match config.open() {
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock") && attempts < 250 =>
            {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// sled 0.34 writes each snapshot as `snap.N.generating`, fsyncs it and renames it to
/// `snap.N`. One cut short (a full disk, a crash) stays behind, and sled then takes it for
/// the newest snapshot and refuses to open ("Read corrupted data", spacejam/sled#1527): a
/// store that filled its disk could not be opened again after space was freed. It is never
/// needed: the previous snapshot is removed only after the rename, and sled rebuilds the
/// rest from its log, as after any crash.
fn remove_unfinished_snapshots(path: &Path) -> std::io::Result<()> {
    let entries = match fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Store files are personal data: 0600 files in 0700 directories.
fn restrict_permissions(dir: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            fs::set_permissions(&path, fs::Permissions::from_mode(0o700))?;
            restrict_permissions(&path)?;
        } else {
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

/// root must not open a store another user owns: sled creates and rewrites files in it on
/// every open, and root-owned files there would lock its owner out of their own store.
fn refuse_foreign_owner(dir: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(());
    }
    let Ok(meta) = fs::metadata(dir) else {
        return Ok(()); // not there yet: root creates a store of its own
    };
    if meta.uid() == 0 {
        return Ok(());
    }
    Err(StoreError::ForeignOwner {
        path: dir.to_path_buf(),
        owner: user_name(meta.uid()),
        uid: meta.uid(),
    })
}

/// The login name of `uid`, or `#UID` (as sudo and runuser take it) if it has none.
fn user_name(uid: u32) -> String {
    // SAFETY: getpwuid returns a pointer into static storage or null; we copy out at once.
    unsafe {
        let pw = libc::getpwuid(uid);
        if !pw.is_null() && !(*pw).pw_name.is_null() {
            return std::ffi::CStr::from_ptr((*pw).pw_name)
                .to_string_lossy()
                .into_owned();
        }
    }
    format!("#{uid}")
}
