//! One durable replacement (command → decide → sled transaction → flush → event applied)
//! on a real Palembang demo store, against a bare 200-byte append + fsync on the same disk
//! (a file in the same temporary directory), in the same run.
//!
//! Target (docs/PERFORMANCE.md): median replacement ≤ 3× the median append + fsync.
//!
//! `cargo bench --bench replace`

use std::fs::OpenOptions;
use std::io::Write;
use std::time::Duration;

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use kpps::demo;
use kpps::domain::{Command, ElectionParams, Event, Roster, TpsId, VacateReason};
use kpps::io::region_csv::{palembang, PALEMBANG_SOURCE};
use kpps::store::{Record, Store, StoreInfo};

/// The allocator the `kpps` binary uses, so the figures are the app's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn demo_store(dir: &std::path::Path) -> (Store, Roster) {
    let roster = demo::generate(palembang(), ElectionParams::default(), demo::DEFAULT_SEED);
    let info = StoreInfo {
        params: roster.params.clone(),
        demo_seed: Some(demo::DEFAULT_SEED),
        regions_source: PALEMBANG_SOURCE.into(),
        created: Utc::now(),
    };
    let store = Store::create(dir, "bench", &roster, info).expect("create store");
    (store, roster)
}

/// The first filled seat whose officer is present today.
fn present_seat(roster: &Roster) -> (TpsId, u8) {
    for t in roster.region.tps_ids() {
        for (i, s) in roster.seats_of(t).iter().enumerate() {
            if s.as_ref().is_some_and(|h| !h.absent) {
                return (t, i as u8 + 1);
            }
        }
    }
    panic!("no filled seat in the demo roster")
}

fn replace(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store_dir = tmp.path().join("store");
    let (store, mut roster) = demo_store(&store_dir);
    let size_before = store.size_on_disk().unwrap_or(0);
    let (tps, seat) = present_seat(&roster);

    let mut g = c.benchmark_group("replace");
    g.sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));

    // Baseline first and last, so a disk that warms up or slows down shows in both.
    let log_path = tmp.path().join("append.log");
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .expect("append file");
    let line = [b'x'; 200];
    g.bench_function("fsync_baseline/append_200B_sync_data", |b| {
        b.iter(|| {
            file.write_all(&line).unwrap();
            file.sync_data().unwrap();
        })
    });

    // Vacate the seat, then refill it with the same person by direct appointment: each
    // iteration is one durable event, alternating.
    let mut vacated: Option<kpps::domain::Person> = None;
    g.bench_function("store_execute/vacate_then_fill_direct", |b| {
        b.iter(|| {
            let command = match vacated.take() {
                None => Command::Vacate {
                    tps,
                    seat,
                    reason: VacateReason::Resigned,
                },
                Some(person) => Command::FillDirect {
                    tps,
                    seat,
                    person,
                    berita_acara: Some("BA/1/2024".into()),
                },
            };
            let entry = store.execute(&mut roster, &command).expect("execute");
            if let Record::Change(Event::SeatVacated { person, .. }) = entry.record {
                vacated = Some(person);
            }
        })
    });
    // Leave the seat filled for the next bench.
    if let Some(person) = vacated.take() {
        store
            .execute(
                &mut roster,
                &Command::FillDirect {
                    tps,
                    seat,
                    person,
                    berita_acara: None,
                },
            )
            .expect("refill");
    }

    // Absent today / back again on the same seat.
    let mut absent = false;
    g.bench_function("store_execute/mark_absent_toggle", |b| {
        b.iter(|| {
            absent = !absent;
            store
                .execute(&mut roster, &Command::MarkAbsent { tps, seat, absent })
                .expect("execute")
        })
    });

    g.bench_function("fsync_baseline/append_200B_sync_data_again", |b| {
        b.iter(|| {
            file.write_all(&line).unwrap();
            file.sync_data().unwrap();
        })
    });
    g.bench_function("fsync_baseline/append_200B_sync_all", |b| {
        b.iter(|| {
            file.write_all(&line).unwrap();
            file.sync_all().unwrap();
        })
    });
    g.finish();

    // Paired: fsync latency on a shared virtual disk drifts by 10× within minutes, so the
    // criterion groups above (run one after the other) can compare different weather.
    // Here one append + fsync and one replacement alternate, and the medians are of single
    // operations taken under the same conditions.
    let pairs = 1000;
    let mut base_ns = Vec::with_capacity(pairs);
    let mut repl_ns = Vec::with_capacity(pairs);
    // Toggle from wherever the criterion bench left the seat (an odd number of runs).
    let mut absent = roster.seat(tps, seat).expect("seat filled").absent;
    let mut last_seq = 0;
    for _ in 0..pairs {
        let t0 = std::time::Instant::now();
        file.write_all(&line).unwrap();
        file.sync_data().unwrap();
        base_ns.push(t0.elapsed().as_nanos() as u64);
        absent = !absent;
        let t0 = std::time::Instant::now();
        last_seq = store
            .execute(&mut roster, &Command::MarkAbsent { tps, seat, absent })
            .expect("execute")
            .seq;
        repl_ns.push(t0.elapsed().as_nanos() as u64);
    }
    let q = |v: &mut Vec<u64>, p: usize| {
        v.sort_unstable();
        v[(v.len() * p).div_ceil(100).max(1) - 1] as f64 / 1000.0
    };
    let (b50, b95) = (q(&mut base_ns, 50), q(&mut base_ns, 95));
    let (r50, r95) = (q(&mut repl_ns, 50), q(&mut repl_ns, 95));
    eprintln!(
        "paired x{pairs}: append+sync_data median {b50:.0} µs p95 {b95:.0} µs; \
         replacement (MarkAbsent via Store::execute) median {r50:.0} µs p95 {r95:.0} µs; \
         ratio of medians {:.2} (target ≤ 3)",
        r50 / b50
    );
    // Space per recorded change: sled (log entry, per-TPS index, rewritten seat value) and
    // the journal, after `last_seq - 1` changes.
    let size_after = store.size_on_disk().unwrap_or(0);
    let journal = std::fs::metadata(Store::journal_path(&store_dir)).map_or(0, |m| m.len());
    let changes = last_seq.saturating_sub(1).max(1);
    eprintln!(
        "after {changes} changes: sled size_on_disk {size_before} -> {size_after} bytes \
         ({} bytes per change), journal {journal} bytes ({} per change)",
        size_after.saturating_sub(size_before) / changes,
        journal / changes
    );
}

criterion_group!(benches, replace);
criterion_main!(benches);
