//! On-disk size against live data: sled keeps the space that rewritten values leave behind,
//! so a store in use grows far past its data; compaction brings it back under 3×, keeps every
//! byte of data, and survives a crash at any point of its swap.

use kpps::domain::{Command, Roster, TpsId, VacateReason};
use kpps::store::{LogEntry, Store};
use rand::{Rng, SeedableRng};

fn demo_store(dir: &std::path::Path) -> (Store, Roster) {
    let election = kpps::cli::ElectionArgs::default();
    kpps::cli::create_store(
        dir,
        "t",
        &election,
        Some(kpps::demo::DEFAULT_SEED),
        kpps::text::Lang::En,
    )
    .unwrap_or_else(|e| panic!("{e:?}"))
}

/// An election week in miniature: absences, resignations and fills from reserves.
fn busy_week(store: &Store, roster: &mut Roster, changes: usize) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let tps_count = roster.region.tps.len() as u32;
    let mut done = 0;
    while done < changes {
        let tps = TpsId(rng.gen_range(0..tps_count));
        let seat = rng.gen_range(1..=7u8);
        let command = match roster.seat(tps, seat) {
            Some(h) if rng.gen_bool(0.5) => Command::MarkAbsent {
                tps,
                seat,
                absent: !h.absent,
            },
            Some(_) => Command::Vacate {
                tps,
                seat,
                reason: VacateReason::Resigned,
            },
            None => match roster.next_reserve(tps) {
                Some(c) => Command::FillFromReserve {
                    tps,
                    seat,
                    kelurahan: c.kelurahan,
                    rank: c.rank,
                },
                None => continue,
            },
        };
        if store.execute(roster, &command).is_ok() {
            done += 1;
        }
    }
}

/// The store's size on disk once it stops moving. sled keeps a leaf of over 128 KiB (a
/// demo store's log, whose entries hold its roster) as a file of its own, and removes the
/// file a rewrite replaced on a background thread, after the write has returned.
fn settled_size(store: &Store) -> u64 {
    let mut last = store.size_on_disk().unwrap();
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        let now = store.size_on_disk().unwrap();
        if now == last {
            return now;
        }
        last = now;
    }
    panic!("the store's size on disk kept changing");
}

fn log(store: &Store) -> Vec<LogEntry> {
    store.log_entries().map(Result::unwrap).collect()
}

#[test]
fn compaction_brings_a_busy_store_back_under_three_times_its_data() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let (mut store, mut roster) = demo_store(&dir);
    let fresh = (store.size_on_disk().unwrap(), store.live_bytes().unwrap());
    busy_week(&store, &mut roster, 5_000);
    let live = store.live_bytes().unwrap();
    let entries = log(&store);
    let grown = settled_size(&store);

    let t = std::time::Instant::now();
    let done = store.compact().unwrap();
    eprintln!("compact took {:?}", t.elapsed());
    eprintln!(
        "fresh {} B on disk / {} B live ({:.2}×); after 5,000 changes {grown} B / {live} B ({:.2}×); \
         compacted {} B ({:.2}×)",
        fresh.0,
        fresh.1,
        fresh.0 as f64 / fresh.1 as f64,
        grown as f64 / live as f64,
        done.after,
        done.after as f64 / live as f64
    );
    assert_eq!(done.before, grown);
    assert_eq!(store.live_bytes().unwrap(), live, "nothing live was lost");
    assert!(
        done.after <= 3 * live,
        "{} B on disk for {live} B of data",
        done.after
    );

    // Everything is still there, and the store goes on working and checks clean.
    assert_eq!(log(&store), entries);
    let loaded = store.load().unwrap();
    assert_eq!(loaded.total(), roster.total());
    for t in roster.region.tps_ids() {
        assert_eq!(loaded.seats_of(t), roster.seats_of(t));
    }
    busy_week(&store, &mut roster, 10);
    assert!(store.check().unwrap().problems.is_empty());
    drop(store);
    let store = Store::open(&dir, "t").unwrap();
    assert_eq!(log(&store).len(), entries.len() + 10);
    assert!(store.check().unwrap().problems.is_empty());
}

#[test]
fn a_compaction_cut_short_leaves_a_whole_store() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let (store, mut roster) = demo_store(&dir);
    busy_week(&store, &mut roster, 50);
    let entries = log(&store);
    drop(store);

    // Killed while copying: a half-built new database lies beside the store.
    std::fs::create_dir(dir.join("sled.compact")).unwrap();
    std::fs::write(dir.join("sled.compact").join("db"), b"half a database").unwrap();
    let store = Store::open(&dir, "t").unwrap();
    assert_eq!(log(&store), entries);
    assert!(!dir.join("sled.compact").exists());
    drop(store);

    // Killed between the two renames: the old database waits under sled.old.
    std::thread::sleep(std::time::Duration::from_millis(50));
    std::fs::rename(dir.join("sled"), dir.join("sled.old")).unwrap();
    assert!(Store::exists(&dir));
    let store = Store::open(&dir, "t").unwrap();
    assert_eq!(log(&store), entries);
    assert!(store.check().unwrap().problems.is_empty());
    assert!(!dir.join("sled.old").exists());
}

#[test]
fn a_change_is_undone_once_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let (store, mut roster) = demo_store(&dir);
    let (tps, seat) = roster
        .region
        .tps_ids()
        .find_map(|t| (1..=7).find_map(|s| roster.seat(t, s).filter(|h| !h.absent).map(|_| (t, s))))
        .unwrap();
    let absent = |absent| Command::MarkAbsent { tps, seat, absent };
    let first = store.execute(&mut roster, &absent(true)).unwrap();
    let kpps::store::Record::Change(event) = first.record.clone() else {
        unreachable!()
    };
    let undo = Command::Undo {
        seq: first.seq,
        event,
    };
    store.execute(&mut roster, &undo).unwrap();
    store.execute(&mut roster, &absent(true)).unwrap();
    // The same undo again would reverse the later change in the first one's name.
    match store.execute(&mut roster, &undo) {
        Err(kpps::store::ExecError::Refused(kpps::domain::Refusal::CannotUndo)) => {}
        other => panic!("{other:?}"),
    }
    assert!(roster.seat(tps, seat).unwrap().absent);
}

#[test]
fn changes_made_while_the_copy_runs_are_in_the_compacted_store() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let (mut store, mut roster) = demo_store(&dir);
    // Enough to outgrow what a compaction leaves: a demo store's log holds its roster, so
    // it starts at 6.3 MB on disk and compacts to about 7.4 MB (1.6 MB of it the log's
    // largest leaf); 3,000 changes left it about that size.
    busy_week(&store, &mut roster, 6_000);
    let job = store.start_compaction(Store::copy_trees).unwrap();
    // The coordinators go on working while the copy is made (and after it is done).
    busy_week(&store, &mut roster, 400);
    let entries = log(&store);
    let done = store.finish_compaction(job, Some(&roster)).unwrap();
    assert!(done.after < done.before);

    assert_eq!(
        log(&store),
        entries,
        "every change, also those made meanwhile"
    );
    let loaded = store.load().unwrap();
    for t in roster.region.tps_ids() {
        assert_eq!(loaded.seats_of(t), roster.seats_of(t), "TPS {t:?}");
    }
    for k in 0..roster.region.kelurahan.len() as u32 {
        let k = kpps::domain::KelurahanId(k);
        assert_eq!(loaded.reserves(k), roster.reserves(k));
    }
    for t in roster.region.tps_ids().step_by(97) {
        let history: Vec<u64> = store
            .tps_history(t)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        let expected: Vec<u64> = entries
            .iter()
            .filter(|e| match &e.record {
                kpps::store::Record::Change(ev) => ev.tps() == Some(t),
                _ => false,
            })
            .map(|e| e.seq)
            .collect();
        assert_eq!(history, expected);
    }
    assert!(store.check().unwrap().problems.is_empty());
    busy_week(&store, &mut roster, 5);
    drop(store);
    let store = Store::open(&dir, "t").unwrap();
    assert!(store.check().unwrap().problems.is_empty());
}
