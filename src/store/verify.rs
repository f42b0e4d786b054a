//! Checking a store against its journal, and rebuilding a store from the journal alone.

use std::fs;
use std::path::Path;

use super::{
    codec, history_key, journal, kel_key, tps_key, KelurahanSpec, LogEntry, Record, Result, Store,
    StoreError, K_NEXT_SEQ, K_REGION,
};
use crate::domain::{parse_demo_label, Event, KelurahanId, Region, Roster, TpsId};

/// What `kpps check` found.
#[derive(Debug, Default)]
pub struct CheckReport {
    pub journal_entries: usize,
    pub changes: usize,
    pub tps: usize,
    pub officers: usize,
    pub reserves: usize,
    /// Every mismatch or break, saying where. Empty means the store equals the journal.
    pub problems: Vec<String>,
}

/// The starting roster a creation record describes: its region, every seat empty, no
/// reserves (a demo store's roster is in the entries that follow).
fn initial_roster(entry: &LogEntry, path: &Path) -> Result<Roster> {
    let Record::Created { info, regions, .. } = &entry.record else {
        return Err(StoreError::Diverged {
            path: path.to_path_buf(),
            detail: "the journal does not start with a creation record".into(),
        });
    };
    let region = Region::build(regions.clone()).map_err(|e| StoreError::Diverged {
        path: path.to_path_buf(),
        detail: format!("journal region tree: {e:?}"),
    })?;
    let mut roster = Roster::new(region, info.params.clone());
    roster.demo = info.demo_seed.is_some();
    Ok(roster)
}

/// Refuses the journal of a demo store made by a kpps that recorded only the generator's
/// seed, not the roster it generated: replayed, it would give an empty roster, and every
/// seat would look corrupt. How it is told: a demo store's first change entry (#2) is
/// always its first kabupaten/kota's seats, a `RosterFileImported` labelled
/// `demo_label(its seed, …)` (`Store::record_roster` writes it, even when it holds no seat,
/// before the store is complete, so before anyone can log anything; a region has at least
/// one kabupaten/kota). An older demo store's #2 is a coordinator's change, or there is
/// none. Only a journal cut short by damage right after #1 lacks #2 for another reason: its
/// damage is reported, not this.
fn refuse_old_demo(
    first: &LogEntry,
    second: Option<&LogEntry>,
    damaged: bool,
    path: &Path,
) -> Result<()> {
    let Record::Created { info, .. } = &first.record else {
        return Ok(());
    };
    let Some(seed) = info.demo_seed else {
        return Ok(());
    };
    let recorded = match second.map(|e| &e.record) {
        Some(Record::Change(Event::RosterFileImported { file, .. })) => {
            parse_demo_label(file).is_some_and(|(s, _)| s == seed)
        }
        Some(_) => false,
        None => damaged,
    };
    if recorded {
        return Ok(());
    }
    Err(StoreError::OldDemo {
        path: path.parent().unwrap_or(path).to_path_buf(),
        info: Box::new(info.clone()),
    })
}

/// Entry `i` (from 0) of the journal at `path`, decoded.
fn decode(payload: &[u8], i: usize, path: &Path) -> Result<LogEntry> {
    codec::decode(payload).map_err(|source| StoreError::Codec {
        path: path.to_path_buf(),
        key: format!("journal entry {}", i + 1),
        source,
    })
}

/// Reads the journal at `path` entry by entry (`journal::scan_each`, keeping nothing),
/// handing each entry to `each` with its index and undecoded payload. Refuses a journal
/// with no entry, and an older demo store's (`refuse_old_demo`) before entry #2 is handed
/// on.
fn read_entries(
    path: &Path,
    mut each: impl FnMut(usize, &[u8], LogEntry) -> Result<()>,
) -> Result<journal::Scan> {
    let mut first: Option<LogEntry> = None;
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let scan = journal::scan_each(
        path,
        |i, payload| {
            let entry = decode(payload, i, path)?;
            match &first {
                None => first = Some(entry.clone()),
                Some(created) if i == 1 => refuse_old_demo(created, Some(&entry), false, path)?,
                Some(_) => {}
            }
            each(i, payload, entry)?;
            Ok(false)
        },
        io,
    )?;
    let Some(first) = first else {
        return Err(StoreError::JournalDamaged {
            path: path.to_path_buf(),
            damage: scan.damage.clone().unwrap_or(journal::Damage::BadHeader),
        });
    };
    if scan.payloads.len() == 1 {
        refuse_old_demo(&first, None, scan.damage.is_some(), path)?;
    }
    Ok(scan)
}

/// Replays the journal at `path` from the empty roster its creation record describes,
/// reading and decoding one entry at a time (a national demo journal is 300 MB, and
/// decodes to about a gigabyte of events: neither is held whole) and handing each to
/// `each`, once applied, with its undecoded payload. The scan keeps no payload.
fn replay(
    path: &Path,
    mut each: impl FnMut(usize, &[u8], LogEntry) -> Result<()>,
) -> Result<(Roster, journal::Scan)> {
    let mut roster: Option<Roster> = None;
    let scan = read_entries(path, |i, payload, entry| {
        match (&mut roster, &entry.record) {
            (None, _) => roster = Some(initial_roster(&entry, path)?),
            (Some(roster), Record::Change(event)) => roster.apply(event),
            (Some(_), Record::Created { .. }) => {}
        }
        each(i, payload, entry)
    })?;
    Ok((
        roster.expect("read_entries refuses a journal without entries"),
        scan,
    ))
}

/// Reads a journal and replays it: the roster it describes, its entries, and its scan
/// (whose payloads are left empty).
pub fn replay_journal(path: &Path) -> Result<(Roster, Vec<LogEntry>, journal::Scan)> {
    let mut entries = Vec::new();
    let (roster, scan) = replay(path, |_, _, entry| {
        entries.push(entry);
        Ok(())
    })?;
    Ok((roster, entries, scan))
}

impl Store {
    /// Makes sled equal to the journal replayed, after a write to sled that did not finish
    /// (a crash, or a failed write such as a full disk, between the journal and sled). sled
    /// may hold any part of that write: a full disk has been seen to leave the counter of
    /// a transaction on disk without its log entry (a large value sled keeps in a separate
    /// file). So nothing it holds is trusted past `whole`, its last change the caller found
    /// equal to the journal's: the journal is replayed from its start, every TPS and
    /// reserve list that differs is written, then the log entries after `whole`, then the
    /// counter. Costs a full replay (seconds nationally), only after such a failure;
    /// interrupted, it starts over at the next open.
    pub(super) fn repair_from_journal(&self, whole: u64) -> Result<()> {
        let path = Self::journal_path(&self.dir);
        // The entries sled lacks (usually one or a few) are kept; the others only replayed.
        let mut entries = Vec::new();
        let (replayed, scan) = replay(&path, |i, _, entry| {
            if entry.seq != i as u64 + 1 {
                return Err(self.disagrees(format!(
                    "journal entry {} is numbered #{}",
                    i + 1,
                    entry.seq
                )));
            }
            if entry.seq > whole {
                entries.push(entry);
            }
            Ok(())
        })?;
        let specs: Option<Vec<KelurahanSpec>> = self.get(&self.meta, K_REGION)?;
        if specs.as_ref() != Some(&replayed.region.to_specs()) {
            return Err(
                self.disagrees("the database's region tree is not the journal's".to_string())
            );
        }
        const CHUNK: usize = 2_000;
        let tps: Vec<TpsId> = replayed.region.tps_ids().collect();
        for chunk in tps.chunks(CHUNK) {
            let mut batch = sled::Batch::default();
            for &t in chunk {
                let seats = replayed.seats_of(t);
                let want = seats
                    .iter()
                    .any(Option::is_some)
                    .then(|| codec::encode(&seats));
                let have = self.seats.get(tps_key(t)).map_err(|e| self.sled_err(e))?;
                if have.as_deref() != want.as_deref() {
                    match want {
                        Some(v) => batch.insert(&tps_key(t), v),
                        None => batch.remove(&tps_key(t)),
                    }
                }
            }
            self.seats
                .apply_batch(batch)
                .map_err(|e| self.sled_err(e))?;
            self.flush()?;
        }
        let kelurahan: Vec<KelurahanId> = (0..replayed.region.kelurahan.len() as u32)
            .map(KelurahanId)
            .collect();
        for chunk in kelurahan.chunks(CHUNK) {
            let mut batch = sled::Batch::default();
            for &k in chunk {
                let list = replayed.reserves(k);
                let want = (!list.is_empty()).then(|| codec::encode(&list));
                let have = self
                    .reserves
                    .get(kel_key(k))
                    .map_err(|e| self.sled_err(e))?;
                if have.as_deref() != want.as_deref() {
                    match want {
                        Some(v) => batch.insert(&kel_key(k), v),
                        None => batch.remove(&kel_key(k)),
                    }
                }
            }
            self.reserves
                .apply_batch(batch)
                .map_err(|e| self.sled_err(e))?;
            self.flush()?;
        }
        for entry in &entries {
            self.log
                .insert(entry.seq.to_be_bytes(), codec::encode(entry))
                .map_err(|e| self.sled_err(e))?;
            if let Record::Change(event) = &entry.record {
                if let Some(t) = event.tps() {
                    self.tps_log
                        .insert(history_key(t, entry.seq), &[][..])
                        .map_err(|e| self.sled_err(e))?;
                }
            }
            self.flush()?;
        }
        let next_seq = scan.payloads.len() as u64 + 1;
        self.put(&self.meta, K_NEXT_SEQ, &next_seq)?;
        self.flush()
    }

    /// Verifies the journal's chain and that the store equals the journal replayed: seats,
    /// reserves, NIK index, roll-ups and log.
    pub fn check(&self) -> Result<CheckReport> {
        let path = Self::journal_path(&self.dir);
        // The log is compared with the journal entry by entry as the replay goes, undecoded
        // (both are `codec::encode` of the same entry), so neither is held whole.
        let mut log = self.log.iter();
        let (mut logged, mut differs, mut changes) = (0usize, None, 0usize);
        let (replayed, scan) = replay(&path, |_, payload, entry| {
            changes += matches!(entry.record, Record::Change(_)) as usize;
            if let Some(item) = log.next() {
                let (k, v) = item.map_err(|e| self.sled_err(e))?;
                logged += 1;
                if differs.is_none() && v[..] != payload[..] {
                    differs = Some(u64::from_be_bytes(k[..8].try_into().unwrap_or([0; 8])));
                }
            }
            Ok(())
        })?;
        for item in log {
            item.map_err(|e| self.sled_err(e))?;
            logged += 1;
        }
        let stored = self.load()?;
        let mut report = CheckReport {
            journal_entries: scan.payloads.len(),
            changes,
            tps: stored.region.tps.len(),
            officers: stored.officer_count(),
            reserves: (0..stored.region.kelurahan.len() as u32)
                .map(|k| stored.reserves(KelurahanId(k)).len())
                .sum(),
            problems: Vec::new(),
        };
        if let Some(damage) = &scan.damage {
            report
                .problems
                .push(format!("journal {}: {damage}", path.display()));
        }
        let p = &mut report.problems;
        if replayed.region.tps.len() != stored.region.tps.len() {
            p.push(format!(
                "region: journal has {} TPS, store {}",
                replayed.region.tps.len(),
                stored.region.tps.len()
            ));
            return Ok(report);
        }
        for t in stored.region.tps_ids() {
            if replayed.seats_of(t) != stored.seats_of(t) {
                p.push(format!(
                    "seats of TPS {} differ from the journal",
                    stored.region.address(t)
                ));
            }
            if replayed.tps_stats(t) != stored.tps_stats(t) {
                p.push(format!(
                    "roll-up of TPS {} differs from the journal",
                    stored.region.address(t)
                ));
            }
        }
        for k in 0..stored.region.kelurahan.len() as u32 {
            let k = KelurahanId(k);
            if replayed.reserves(k) != stored.reserves(k) {
                p.push(format!(
                    "reserves of kelurahan {} differ from the journal",
                    stored.region.kelurahan(k).code
                ));
            }
            if replayed.kelurahan_rollup(k) != stored.kelurahan_rollup(k) {
                p.push(format!(
                    "roll-up of kelurahan {} differs from the journal",
                    stored.region.kelurahan(k).code
                ));
            }
        }
        if replayed.total() != stored.total() {
            p.push(format!(
                "totals differ: journal {:?}, store {:?}",
                replayed.total(),
                stored.total()
            ));
        }
        // The NIK index must point at the same place for every person either side holds.
        for t in stored.region.tps_ids() {
            for h in stored
                .seats_of(t)
                .iter()
                .chain(replayed.seats_of(t))
                .flatten()
            {
                if stored.locate_nik(h.person.nik) != replayed.locate_nik(h.person.nik) {
                    p.push(format!(
                        "NIK index differs for {} (TPS {})",
                        h.person.nik.masked(),
                        stored.region.address(t)
                    ));
                }
            }
        }
        if logged != scan.payloads.len() {
            p.push(format!(
                "log has {logged} entries, journal {}",
                scan.payloads.len()
            ));
        }
        if let Some(seq) = differs {
            p.push(format!("log entry #{seq} differs from the journal"));
        }
        const SHOWN: usize = 50;
        if report.problems.len() > SHOWN {
            let more = report.problems.len() - SHOWN;
            report.problems.truncate(SHOWN);
            report.problems.push(format!("… and {more} more"));
        }
        Ok(report)
    }
}

/// Recreates a store at `dest` from the journal in `from` alone, entry by entry (same
/// sequence numbers, times and actors). Returns the new store and how many changes it
/// replayed. With `dest` the same directory as `from`, the store is rebuilt in place
/// (`rebuild_in_place`).
pub fn rebuild(from: &Path, dest: &Path, actor: &str) -> Result<(Store, usize)> {
    if let (Ok(a), Ok(b)) = (fs::canonicalize(from), fs::canonicalize(dest)) {
        if a == b {
            return rebuild_in_place(&a, actor);
        }
    }
    let path = Store::journal_path(from);
    // Every entry decodes before anything is made; then the journal is read again, each
    // entry committed as it is read (neither pass holds the journal whole).
    let mut first = None;
    let scan = read_entries(&path, |i, _, entry| {
        if i == 0 {
            first = Some(entry);
        }
        Ok(())
    })?;
    if let Some(damage @ journal::Damage::BrokenChain { .. }) = &scan.damage {
        return Err(StoreError::JournalDamaged {
            path,
            damage: damage.clone(),
        });
    }
    let first = first.expect("read_entries refuses a journal without entries");
    let mut roster = initial_roster(&first, &path)?;
    let store = Store::create_with_entry(dest, actor, super::Start::Direct(&roster), first)?;
    let mut changes = 0;
    read_entries(&path, |i, _, entry| {
        if i > 0 && changes < scan.payloads.len() - 1 {
            store.commit_entry(&mut roster, entry)?;
            changes += 1;
        }
        Ok(())
    })?;
    Ok((store, changes))
}

/// `kpps --db DIR rebuild --from-journal DIR`: the recovery a store whose database and
/// journal disagree is told to run. The whole store is rebuilt from its journal in
/// `DIR/rebuild.tmp`, synced, and its database swapped in by renames; the replaced one is
/// kept as `DIR/sled.diverged-TIME` (it may hold changes the journal lacks), the journal
/// and everything else in DIR (coordinators.csv) stay. Holds the store's lock throughout;
/// a crash at any point leaves the old or the rebuilt database in place
/// (`compact::finish_interrupted`).
fn rebuild_in_place(dir: &Path, actor: &str) -> Result<(Store, usize)> {
    use super::compact::{remove_any, sync_tree, REBUILD_WORK, REBUILT};
    super::refuse_foreign_owner(dir)?;
    let io = |source| StoreError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let lock = super::StoreLock::acquire(dir)?;
    super::compact::finish_interrupted(dir).map_err(io)?;
    let work = dir.join(REBUILD_WORK);
    remove_any(&work).map_err(io)?;
    let changes = match rebuild(dir, &work, actor) {
        Ok((store, changes)) => {
            drop(store);
            changes
        }
        Err(e) => {
            let _ = remove_any(&work);
            return Err(e);
        }
    };
    let kept = dir.join(format!(
        "sled.diverged-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
    ));
    (|| {
        sync_tree(&work.join("sled"))?;
        fs::rename(work.join("sled"), dir.join(REBUILT))?;
        fs::File::open(dir)?.sync_all()?;
        if dir.join("sled").exists() {
            fs::rename(dir.join("sled"), &kept)?;
        }
        fs::rename(dir.join(REBUILT), dir.join("sled"))?;
        fs::File::open(dir)?.sync_all()?;
        remove_any(&work)
    })()
    .map_err(io)?;
    let mut store = Store::open_locked(dir, actor, lock)?.finish_open()?;
    if kept.exists() {
        store
            .notices
            .push(super::Notice::ReplacedKept(kept.clone()));
    }
    Ok((store, changes))
}
