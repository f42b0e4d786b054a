//! Compaction. sled 0.34 gives back little of the space that rewritten values leave behind:
//! a Palembang store grows about 1.6 KB on disk for every recorded change while its live
//! data grows about 70 B. So the store is rewritten now and then: every live key and value
//! is copied into a fresh database beside the old one (`sled.compact`), which then takes its
//! place by two renames. The journal is not touched, and the lock is held throughout.

use std::fs;
use std::path::Path;

use std::collections::BTreeSet;

use super::{
    affected, codec, history_key, open_sled, open_trees, restrict_permissions, LogEntry, Record,
    Result, Store, StoreError, K_COMPLETE, K_NEXT_SEQ, TREES,
};
use crate::domain::Roster;

const NEW: &str = "sled.compact";
const OLD: &str = "sled.old";
/// An in-place rebuild (`super::verify`) builds a whole store here, then moves its
/// database to `REBUILT` and from there to `sled`.
pub(super) const REBUILD_WORK: &str = "rebuild.tmp";
pub(super) const REBUILT: &str = "sled.rebuilt";

/// A compaction stopped between its two renames: the old database waits under `sled.old`.
fn interrupted(dir: &Path) -> bool {
    !dir.join("sled").join("db").exists() && old_db_exists(dir)
}

/// The old database is set aside (a compaction is swapping, or was cut short doing so).
pub(super) fn old_db_exists(dir: &Path) -> bool {
    dir.join(OLD).join("db").exists()
}

/// A database waits to take the store's place (a swap was cut short).
pub(super) fn swap_pending(dir: &Path) -> bool {
    old_db_exists(dir) || dir.join(REBUILT).join("db").exists()
}

/// Undoes or completes a compaction that a crash interrupted (only the lock holder calls
/// this). Until the second rename the old database is the store; after it, the new one.
/// Likewise an in-place rebuild: once the replaced database has moved aside, the rebuilt
/// one (whole and synced before its first move) takes its name; before that, it is dropped.
pub(super) fn finish_interrupted(dir: &Path) -> std::io::Result<()> {
    if interrupted(dir) {
        let sled = dir.join("sled");
        if sled.exists() {
            fs::remove_dir_all(&sled)?; // a new database that never got its `db`
        }
        fs::rename(dir.join(OLD), &sled)?;
    }
    if dir.join(REBUILT).join("db").exists() && !dir.join("sled").join("db").exists() {
        remove_any(&dir.join("sled"))?;
        fs::rename(dir.join(REBUILT), dir.join("sled"))?;
        fs::File::open(dir)?.sync_all()?;
    }
    for leftover in [NEW, OLD, REBUILT, REBUILD_WORK] {
        remove_any(&dir.join(leftover))?;
    }
    Ok(())
}

/// Removes a directory tree or a file, if there is one.
pub(super) fn remove_any(path: &Path) -> std::io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// fsyncs every file under `dir` and the directories themselves: sled flushes its `db`
/// file with `sync_file_range` only and never syncs the large values it keeps in `blobs/`,
/// and the old database is deleted once the new one has taken its name.
pub(super) fn sync_tree(dir: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sync_tree(&entry.path())?;
        } else {
            fs::File::open(entry.path())?.sync_all()?;
        }
    }
    fs::File::open(dir)?.sync_all()
}

/// Below this size on disk a store is never compacted: sled's smallest file is one 512 KiB
/// segment, so a store with little data is many times its size whatever we do.
pub const COMPACT_FLOOR: u64 = 4 << 20;

/// The store is compacted once it takes more than this many times its live data on disk.
pub const COMPACT_ABOVE: u64 = 3;

/// What a compaction did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Compacted {
    pub before: u64,
    pub after: u64,
}

impl Store {
    /// Bytes of live keys and values in all trees: what the store would need with no
    /// overhead at all.
    pub fn live_bytes(&self) -> Result<u64> {
        let mut n = 0u64;
        for tree in [
            &self.meta,
            &self.seats,
            &self.reserves,
            &self.log,
            &self.tps_log,
        ] {
            for item in tree.iter() {
                let (k, v) = item.map_err(|e| self.sled_err(e))?;
                n += (k.len() + v.len()) as u64;
            }
        }
        Ok(n)
    }

    /// Compacts if the store has outgrown its live data (`COMPACT_ABOVE`); `live` may be an
    /// estimate (see `live_bytes`).
    pub fn compact_if_grown(&mut self, live: u64) -> Result<Option<Compacted>> {
        if self.grown_past(live, COMPACT_ABOVE)? {
            self.compact().map(Some)
        } else {
            Ok(None)
        }
    }

    /// Whether the store takes more than `factor` times `live` bytes on disk.
    pub fn grown_past(&self, live: u64, factor: u64) -> Result<bool> {
        let size = self.size_on_disk()?;
        Ok(size > COMPACT_FLOOR && size > factor * live.max(1))
    }

    /// Rewrites the database with only its live data (see the module comment). A crash at
    /// any point leaves either the old or the new database, both whole.
    pub fn compact(&mut self) -> Result<Compacted> {
        let job = self.start_compaction(Self::copy_trees)?;
        self.finish_compaction(job, None)
    }

    /// Starts copying the live data into `sled.compact` on another thread (`copy` does the
    /// copying; tests make it fail). The store goes on taking changes meanwhile;
    /// `finish_compaction` brings the copy level with them and swaps it in.
    pub fn start_compaction(&self, copy: TreeCopy) -> Result<CompactionJob> {
        if self.poisoned.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(StoreError::Poisoned(self.dir.clone()));
        }
        let fresh = self.dir.join(NEW);
        remove_any(&fresh).map_err(|source| StoreError::Io {
            path: fresh.clone(),
            source,
        })?;
        let next: u64 = self.get(&self.meta, K_NEXT_SEQ)?.unwrap_or(1);
        let trees: Vec<(&'static str, sled::Tree)> = TREES
            .into_iter()
            .zip(open_trees(&self.db).map_err(|e| self.sled_err(e))?)
            .collect();
        let before = self.size_on_disk()?;
        let path = fresh.clone();
        let handle = std::thread::spawn(move || copy(&trees, &path));
        Ok(CompactionJob {
            cut: next - 1,
            before,
            handle,
        })
    }

    /// Waits for the copy, adds what changed since it started (the log entries after the
    /// cut, and the current value of every TPS and reserve list they touched, taken from
    /// `roster`), makes it durable, and swaps it in. A failure before the swap removes the
    /// copy and leaves the store as it was (`NotCompacted`).
    pub fn finish_compaction(
        &mut self,
        job: CompactionJob,
        roster: Option<&Roster>,
    ) -> Result<Compacted> {
        let fresh = self.dir.join(NEW);
        let copied = job
            .handle
            .join()
            .unwrap_or_else(|_| Err(self.not_compacted("the copying thread panicked")))
            .and_then(|()| self.catch_up(&fresh, job.cut, roster))
            .and_then(|()| {
                sync_tree(&fresh).map_err(|source| StoreError::Io {
                    path: fresh.clone(),
                    source,
                })
            });
        if let Err(e) = copied {
            let _ = remove_any(&fresh);
            return Err(match e {
                e @ StoreError::NotCompacted { .. } => e,
                e => self.not_compacted(&e.to_string()),
            });
        }
        self.swap_in(&fresh, job.before)
    }

    fn not_compacted(&self, detail: &str) -> StoreError {
        StoreError::NotCompacted {
            path: self.dir.clone(),
            detail: detail.to_string(),
        }
    }

    /// Brings the copy at `path` level with changes committed after `cut`, then marks it
    /// complete. The copy may hold some of them already (it read while they were written);
    /// every value they touched is written again from the roster, so it ends exact.
    fn catch_up(&self, path: &Path, cut: u64, roster: Option<&Roster>) -> Result<()> {
        let sled_err = |source| StoreError::Sled {
            path: path.to_path_buf(),
            source,
        };
        let new = open_sled(path).map_err(sled_err)?;
        let tree = |name: &str| new.open_tree(name).map_err(sled_err);
        let (seats, reserves, log, tps_log, meta) = (
            tree("seats")?,
            tree("reserves")?,
            tree("log")?,
            tree("tps_log")?,
            tree("meta")?,
        );
        // This runs under the commit lock, so it writes only what changed after the cut,
        // in one batch per tree: a history key for each entry after the cut (the copy has
        // every key from before it: history keys are only ever added), not each touched
        // TPS's whole history again. With 100 clients committing through a server, that
        // re-copy of whole histories, one insert at a time, held commits 35–410 ms.
        let (mut tps_ids, mut kel_ids) = (BTreeSet::new(), BTreeSet::new());
        let (mut log_batch, mut history_batch) = (sled::Batch::default(), sled::Batch::default());
        for item in self.log.range((cut + 1).to_be_bytes()..) {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            let entry: LogEntry = self.decode_at("log", &k, &v)?;
            if let Record::Change(event) = &entry.record {
                let roster = roster.ok_or_else(|| {
                    self.not_compacted("changes were made during a compaction without a roster")
                })?;
                let (t, k) = affected(roster, event);
                tps_ids.extend(t);
                kel_ids.extend(k);
                // As `write_sled` indexes it.
                if let Some(t) = event.tps() {
                    history_batch.insert(&history_key(t, entry.seq)[..], &[][..]);
                }
            }
            log_batch.insert(k, v);
        }
        log.apply_batch(log_batch).map_err(sled_err)?;
        tps_log.apply_batch(history_batch).map_err(sled_err)?;
        if let Some(roster) = roster {
            let mut batch = sled::Batch::default();
            for &t in &tps_ids {
                let key = t.0.to_be_bytes();
                let value = roster.seats_of(t);
                if value.iter().any(Option::is_some) {
                    batch.insert(&key[..], codec::encode(&value));
                } else {
                    batch.remove(&key[..]);
                }
            }
            seats.apply_batch(batch).map_err(sled_err)?;
            let mut batch = sled::Batch::default();
            for &kel in &kel_ids {
                let key = kel.0.to_be_bytes();
                let list = roster.reserves(kel);
                if list.is_empty() {
                    batch.remove(&key[..]);
                } else {
                    batch.insert(&key[..], codec::encode(&list));
                }
            }
            reserves.apply_batch(batch).map_err(sled_err)?;
        }
        for item in self.meta.iter() {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            if &*k != K_COMPLETE {
                meta.insert(k, v).map_err(sled_err)?;
            }
        }
        new.flush().map_err(sled_err)?;
        meta.insert(K_COMPLETE, codec::encode(&true))
            .map_err(sled_err)?;
        new.flush().map_err(sled_err)?;
        Ok(())
    }

    /// The old database moves aside, the new one takes its name, and this store switches
    /// to it. A failure here leaves the store to `finish_interrupted` at the next open.
    fn swap_in(&mut self, fresh: &Path, before: u64) -> Result<Compacted> {
        let dir = self.dir.clone();
        let io = |source| StoreError::Io {
            path: dir.clone(),
            source,
        };
        let swapped = (|| {
            fs::rename(dir.join("sled"), dir.join(OLD))?;
            fs::rename(fresh, dir.join("sled"))?;
            fs::File::open(&dir)?.sync_all()
        })();
        if let Err(source) = swapped {
            self.poisoned
                .store(true, std::sync::atomic::Ordering::SeqCst);
            return Err(StoreError::Io { path: dir, source });
        }
        let sled_err = |source| StoreError::Sled {
            path: dir.clone(),
            source,
        };
        let db = open_sled(&dir.join("sled")).map_err(sled_err)?;
        [self.meta, self.seats, self.reserves, self.log, self.tps_log] =
            open_trees(&db).map_err(sled_err)?;
        self.db = db; // the old database closes here
        fs::remove_dir_all(dir.join(OLD)).map_err(io)?;
        match restrict_permissions(&dir.join("sled")) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
            _ => {}
        }
        Ok(Compacted {
            before,
            after: self.size_on_disk()?,
        })
    }

    /// Copies every tree into a new database at `path`, in flushed batches (without the
    /// `complete` marker: `catch_up` writes it last).
    pub fn copy_trees(trees: &NamedTrees, path: &Path) -> Result<()> {
        // Small flushed batches pack tightest (Palembang after 5,000 changes, on disk vs.
        // live: 64 KiB batches 2.64×, 256 KiB 3.17×, one batch per tree 3.70×).
        const BATCH_BYTES: usize = 64 << 10;
        let sled_err = |source| StoreError::Sled {
            path: path.to_path_buf(),
            source,
        };
        let new = open_sled(path).map_err(sled_err)?;
        // The log first. Its large entries (an import, a demo store's roster) make leaves of
        // over 128 KiB, which sled keeps as files of their own (blobs) and writes again
        // as the leaf fills; the file a new version replaces is removed only once sled's
        // current log segment is full, which blobs do not fill. Copied last, the log left
        // those files behind when the copy was closed (a Palembang demo store compacted
        // to 2.5 times its size); the trees copied after it fill the segments.
        let log_first = trees
            .iter()
            .filter(|(name, _)| *name == "log")
            .chain(trees.iter().filter(|(name, _)| *name != "log"));
        for (name, from) in log_first {
            let to = new.open_tree(name).map_err(sled_err)?;
            let mut batch = sled::Batch::default();
            let mut bytes = 0;
            for item in from.iter() {
                let (k, v) = item.map_err(sled_err)?;
                if *name == "meta" && &*k == K_COMPLETE {
                    continue;
                }
                bytes += k.len() + v.len();
                batch.insert(k, v);
                if bytes >= BATCH_BYTES {
                    to.apply_batch(std::mem::take(&mut batch))
                        .map_err(sled_err)?;
                    new.flush().map_err(sled_err)?;
                    bytes = 0;
                }
            }
            to.apply_batch(batch).map_err(sled_err)?;
        }
        new.flush().map_err(sled_err)?;
        Ok(())
    }
}

/// The trees of a store, by name, as a copy reads them.
pub type NamedTrees = [(&'static str, sled::Tree)];
/// Copies trees into a new database at a path.
pub type TreeCopy = fn(&NamedTrees, &Path) -> Result<()>;

/// A compaction copying on another thread; see `Store::start_compaction`.
pub struct CompactionJob {
    /// The last logged change the copy is sure to hold.
    cut: u64,
    before: u64,
    handle: std::thread::JoinHandle<Result<()>>,
}

impl CompactionJob {
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Command, ElectionParams};

    #[test]
    fn a_copy_that_fails_leaves_the_store_as_it_was() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("store");
        let mut roster = Roster::new(
            crate::domain::region::tests::small(),
            ElectionParams::default(),
        );
        let info = super::super::StoreInfo {
            params: roster.params.clone(),
            demo_seed: None,
            regions_source: "test".into(),
            created: chrono::Utc::now(),
        };
        let mut store = Store::create(&dir, "t", &roster, info).unwrap();
        let (tps, seat) = (crate::domain::TpsId(2), 3);
        let birth = chrono::NaiveDate::from_ymd_opt(1990, 5, 17).unwrap();
        let person = crate::domain::Person {
            name: "Siti Aminah".into(),
            nik: crate::domain::Nik::compose(167101, birth, crate::domain::Sex::P, 1),
            birth_date: birth,
            sex: crate::domain::Sex::P,
            phone: None,
            screening: crate::domain::Screening::NotAtRisk,
            jkn: true,
        };
        let fill = Command::FillDirect {
            tps,
            seat,
            person,
            berita_acara: None,
        };
        store.execute(&mut roster, &fill).unwrap();
        let toggle = |roster: &Roster| Command::MarkAbsent {
            tps,
            seat,
            absent: !roster.seat(tps, seat).unwrap().absent,
        };
        let command = toggle(&roster);
        store.execute(&mut roster, &command).unwrap();
        let before: Vec<_> = store.log_entries().map(Result::unwrap).collect();

        // The disk fills up half-way through the copy.
        fn full_disk(_: &[(&'static str, sled::Tree)], path: &Path) -> Result<()> {
            fs::create_dir_all(path).unwrap();
            fs::write(path.join("db"), vec![0u8; 1000]).unwrap();
            Err(StoreError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other("No space left on device"),
            })
        }
        let job = store.start_compaction(full_disk).unwrap();
        let failed = store.finish_compaction(job, Some(&roster));
        assert!(
            matches!(failed, Err(StoreError::NotCompacted { .. })),
            "{failed:?}"
        );
        assert!(!dir.join(NEW).exists(), "the half copy is removed");

        // Nothing changed, and the store goes on working, then compacts for real.
        let after: Vec<_> = store.log_entries().map(Result::unwrap).collect();
        assert_eq!(after, before);
        let command = toggle(&roster);
        store.execute(&mut roster, &command).unwrap();
        store.compact().unwrap();
        assert!(store.check().unwrap().problems.is_empty());
    }
}
