//! Checking a store against its journal, and rebuilding a store from the journal alone.

use std::path::Path;

use super::{journal, LogEntry, Record, Result, Store, StoreError};
use crate::domain::{KelurahanId, Region, Roster};

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

/// The starting roster a creation record describes.
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
    Ok(match info.demo_seed {
        Some(seed) => crate::demo::generate(region, info.params.clone(), seed),
        None => Roster::new(region, info.params.clone()),
    })
}

/// Reads a journal and replays it: the roster it describes, its entries, and its scan.
pub fn replay_journal(path: &Path) -> Result<(Roster, Vec<LogEntry>, journal::Scan)> {
    let scan = journal::scan(path).map_err(|source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut entries = Vec::with_capacity(scan.payloads.len());
    for i in 0..scan.payloads.len() {
        let entry = scan.decode(i).map_err(|source| StoreError::Codec {
            path: path.to_path_buf(),
            key: format!("journal entry {}", i + 1),
            source,
        })?;
        entries.push(entry);
    }
    let first = entries.first().ok_or_else(|| StoreError::JournalDamaged {
        path: path.to_path_buf(),
        damage: scan.damage.clone().unwrap_or(journal::Damage::BadHeader),
    })?;
    let mut roster = initial_roster(first, path)?;
    for entry in &entries[1..] {
        if let Record::Change(event) = &entry.record {
            roster.apply(event);
        }
    }
    Ok((roster, entries, scan))
}

impl Store {
    /// Verifies the journal's chain and that the store equals the journal replayed: seats,
    /// reserves, NIK index, roll-ups and log.
    pub fn check(&self) -> Result<CheckReport> {
        let path = Self::journal_path(&self.dir);
        let (replayed, entries, scan) = replay_journal(&path)?;
        let stored = self.load()?;
        let mut report = CheckReport {
            journal_entries: entries.len(),
            changes: entries
                .iter()
                .filter(|e| matches!(e.record, Record::Change(_)))
                .count(),
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
        let logged: Vec<LogEntry> = self.log_entries().collect::<Result<_>>()?;
        if logged.len() != entries.len() {
            p.push(format!(
                "log has {} entries, journal {}",
                logged.len(),
                entries.len()
            ));
        }
        for (l, j) in logged.iter().zip(&entries) {
            if l != j {
                p.push(format!("log entry #{} differs from the journal", l.seq));
                break;
            }
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
/// replayed.
pub fn rebuild(from: &Path, dest: &Path, actor: &str) -> Result<(Store, usize)> {
    let path = Store::journal_path(from);
    let (_, entries, scan) = replay_journal(&path)?;
    if let Some(damage @ journal::Damage::BrokenChain { .. }) = &scan.damage {
        return Err(StoreError::JournalDamaged {
            path,
            damage: damage.clone(),
        });
    }
    let first = entries[0].clone();
    let mut roster = initial_roster(&first, &path)?;
    let store = Store::create_with_entry(dest, actor, &roster, first)?;
    let mut changes = 0;
    for entry in entries.into_iter().skip(1) {
        store.commit_entry(&mut roster, entry)?;
        changes += 1;
    }
    Ok((store, changes))
}
