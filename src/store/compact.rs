//! Compaction. sled 0.34 gives back little of the space that rewritten values leave behind:
//! a Palembang store grows about 1.6 KB on disk for every recorded change while its live
//! data grows about 70 B. So the store is rewritten now and then: every live key and value
//! is copied into a fresh database beside the old one (`sled.compact`), which then takes its
//! place by two renames. The journal is not touched, and the lock is held throughout.

use std::fs;
use std::path::Path;

use super::{open_sled, restrict_permissions, Result, Store, StoreError, K_COMPLETE, TREES};

const NEW: &str = "sled.compact";
const OLD: &str = "sled.old";

/// A compaction stopped between its two renames: the old database waits under `sled.old`.
fn interrupted(dir: &Path) -> bool {
    !dir.join("sled").join("db").exists() && old_db_exists(dir)
}

/// The old database is set aside (a compaction is swapping, or was cut short doing so).
pub(super) fn old_db_exists(dir: &Path) -> bool {
    dir.join(OLD).join("db").exists()
}

/// Undoes or completes a compaction that a crash interrupted (only the lock holder calls
/// this). Until the second rename the old database is the store; after it, the new one.
pub(super) fn finish_interrupted(dir: &Path) -> std::io::Result<()> {
    if interrupted(dir) {
        let sled = dir.join("sled");
        if sled.exists() {
            fs::remove_dir_all(&sled)?; // a new database that never got its `db`
        }
        fs::rename(dir.join(OLD), &sled)?;
    }
    for leftover in [NEW, OLD] {
        remove_any(&dir.join(leftover))?;
    }
    Ok(())
}

/// Removes a directory tree or a file, if there is one.
fn remove_any(path: &Path) -> std::io::Result<()> {
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
fn sync_tree(dir: &Path) -> std::io::Result<()> {
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
        self.compact_with(Store::copy_live_into)
    }

    /// `compact`, with the copying step given (tests make it fail).
    fn compact_with(
        &mut self,
        copy: impl FnOnce(&Store, &Path) -> Result<()>,
    ) -> Result<Compacted> {
        if self.poisoned.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(StoreError::Poisoned(self.dir.clone()));
        }
        let dir = self.dir.clone();
        let io = |source| StoreError::Io {
            path: dir.clone(),
            source,
        };
        let before = self.size_on_disk()?;
        let fresh = dir.join(NEW);
        // Until the first rename nothing has changed: a failure here (a full disk, say)
        // removes the copy and leaves the store as it was.
        let copied = (|| {
            remove_any(&fresh).map_err(io)?;
            copy(self, &fresh)?;
            sync_tree(&fresh).map_err(io)
        })();
        if let Err(e) = copied {
            let _ = remove_any(&fresh);
            return Err(StoreError::NotCompacted {
                path: dir.clone(),
                detail: e.to_string(),
            });
        }
        // Swap: the old database moves aside, the new one takes its name. From here a
        // failure leaves the store to `finish_interrupted` at the next open.
        let swapped = (|| {
            fs::rename(dir.join("sled"), dir.join(OLD))?;
            fs::rename(&fresh, dir.join("sled"))?;
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
        let tree = |name: &str| db.open_tree(name).map_err(sled_err);
        self.meta = tree("meta")?;
        self.seats = tree("seats")?;
        self.reserves = tree("reserves")?;
        self.log = tree("log")?;
        self.tps_log = tree("tps_log")?;
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

    /// Copies every tree into a new database at `path`, in flushed batches, marking it
    /// complete last.
    fn copy_live_into(&self, path: &Path) -> Result<()> {
        // Small flushed batches pack tightest (Palembang after 5,000 changes, on disk vs.
        // live: 64 KiB batches 2.64×, 256 KiB 3.17×, one batch per tree 3.70×).
        const BATCH_BYTES: usize = 64 << 10;
        let sled_err = |source| StoreError::Sled {
            path: path.to_path_buf(),
            source,
        };
        let new = open_sled(path).map_err(sled_err)?;
        for name in TREES {
            let from = self.db.open_tree(name).map_err(|e| self.sled_err(e))?;
            let to = new.open_tree(name).map_err(sled_err)?;
            let mut batch = sled::Batch::default();
            let mut bytes = 0;
            for item in from.iter() {
                let (k, v) = item.map_err(|e| self.sled_err(e))?;
                if name == "meta" && &*k == K_COMPLETE {
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
        new.open_tree("meta")
            .and_then(|meta| meta.insert(K_COMPLETE, super::codec::encode(&true)))
            .map_err(sled_err)?;
        new.flush().map_err(sled_err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Command, ElectionParams, Roster};

    #[test]
    fn a_copy_that_fails_leaves_the_store_as_it_was() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("store");
        let mut roster = crate::demo::generate(
            crate::domain::region::tests::small(),
            ElectionParams::default(),
            1,
        );
        let info = super::super::StoreInfo {
            params: roster.params.clone(),
            demo_seed: Some(1),
            regions_source: "test".into(),
            created: chrono::Utc::now(),
        };
        let mut store = Store::create(&dir, "t", &roster, info).unwrap();
        let (tps, seat) = roster
            .region
            .tps_ids()
            .find_map(|t| (1..=7).find_map(|s| roster.seat(t, s).map(|_| (t, s))))
            .unwrap();
        let toggle = |roster: &Roster| Command::MarkAbsent {
            tps,
            seat,
            absent: !roster.seat(tps, seat).unwrap().absent,
        };
        let command = toggle(&roster);
        store.execute(&mut roster, &command).unwrap();
        let before: Vec<_> = store.log_entries().map(Result::unwrap).collect();

        // The disk fills up half-way through the copy.
        let failed = store.compact_with(|_, path| {
            fs::create_dir_all(path).unwrap();
            fs::write(path.join("db"), vec![0u8; 1000]).unwrap();
            Err(StoreError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other("No space left on device"),
            })
        });
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
