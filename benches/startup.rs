//! Startup and keys: store open + roster load + first frame (80×24), and one key + draw,
//! for the Palembang demo store and a Kabupaten Bogor–size tree (the rows of
//! `../shared/data/indonesia-2024/wilayah.csv` whose kecamatan code starts with `32.01.`).
//!
//! Stores are created once in a temporary directory, outside the timed loops.
//! Targets (docs/PERFORMANCE.md): open+load+first frame < 100 ms Palembang; key+draw < 5 ms
//! Palembang.
//!
//! `cargo bench --bench startup`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use kpps::demo;
use kpps::domain::{Command, ElectionParams, Region, Roster};
use kpps::io::region_csv::{load_region_file, palembang, PALEMBANG_SOURCE};
use kpps::store::{Store, StoreInfo};
use kpps::text::Lang;
use kpps::tui::keymap::parse_keys;
use kpps::tui::session::Session;
use kpps::tui::App;

/// The allocator the `kpps` binary uses, so the figures are the app's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NATIONAL: &str = "../shared/data/indonesia-2024/wilayah.csv";

/// Creates a demo store for `region` in `dir` and closes it; returns the roster's TPS count.
fn demo_store(dir: &Path, region: Region, source: &str) -> usize {
    let roster = demo::generate(region, ElectionParams::default(), demo::DEFAULT_SEED);
    let info = StoreInfo {
        params: roster.params.clone(),
        demo_seed: Some(demo::DEFAULT_SEED),
        regions_source: source.into(),
        created: Utc::now(),
    };
    drop(Store::create(dir, "bench", &roster, info).expect("create store"));
    roster.region.tps.len()
}

/// The Kabupaten Bogor rows (kecamatan code `32.01.*`) of the national file, written to
/// `dir/bogor.csv`; None when the national file is not there.
fn bogor_region_file(dir: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(NATIONAL).ok()?;
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 || line.starts_with("32.01.") {
            out.push_str(line);
            out.push('\n');
        }
    }
    let path = dir.join("bogor.csv");
    std::fs::write(&path, out).expect("write bogor.csv");
    Some(path)
}

/// Open + load + first frame at 80×24, timed per iteration; the store is closed outside
/// the timer (sled releases its file lock from a background thread after close, so the
/// next open waits briefly there: not part of what a user sees).
fn bench_open(c: &mut Criterion, name: &str, dir: &Path) {
    let mut g = c.benchmark_group("open_load_first_frame");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    g.bench_function(BenchmarkId::from_parameter(name), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t0 = Instant::now();
                let store = Store::open(dir, "bench").expect("open");
                let roster = store.load().expect("load");
                let session =
                    Session::new(App::with_port(roster, Lang::Id, Box::new(store)), 80, 24);
                total += t0.elapsed();
                black_box(session.first_paint);
                drop(session);
                std::thread::sleep(Duration::from_millis(30));
            }
            total
        })
    });
    g.finish();
}

/// One key + draw, alternating keys so every press changes the screen.
fn bench_keys(c: &mut Criterion, name: &str, roster: Roster) {
    let mut g = c.benchmark_group("key_draw");
    g.sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let mut s = Session::new(App::new(roster, Lang::Id), 80, 24);
    // Tree cursor between the first two kecamatan: the detail pane follows the cursor.
    let jk = parse_keys("jk");
    // Even presses are `j`, odd ones `k`: the cursor goes 0 → 1 → 0 → …
    let mut i = 0usize;
    g.bench_function(BenchmarkId::new("tree_j_k", name), |b| {
        b.iter(|| {
            let bytes = s.press(jk[i % 2]);
            i += 1;
            assert!(bytes > 0);
            bytes
        })
    });
    // `n`: next TPS with a vacancy (expands the tree to it, rebuilds the rows), wrapping.
    let n = parse_keys("n")[0];
    g.bench_function(BenchmarkId::new("next_gap_n", name), |b| {
        b.iter(|| s.press(n))
    });
    // Seat cursor in a TPS's detail pane.
    s.keys("<tab>g");
    let mut i = 0usize;
    g.bench_function(BenchmarkId::new("seat_j_k", name), |b| {
        b.iter(|| {
            let bytes = s.press(jk[i % 2]);
            i += 1;
            assert!(bytes > 0);
            bytes
        })
    });
    g.finish();
}

/// One durable change (journal fsync, sled transaction + flush) on an opened store of this
/// size: an officer marked absent, then back, in turn.
fn bench_replace(c: &mut Criterion, name: &str, dir: &Path) {
    let store = Store::open(dir, "bench").expect("open");
    let mut roster = store.load().expect("load");
    let (tps, seat) = roster
        .region
        .tps_ids()
        .find_map(|t| {
            (1..=roster.seats_per_tps()).find_map(|s| {
                roster
                    .seat(t, s)
                    .is_some_and(|h| !h.absent)
                    .then_some((t, s))
            })
        })
        .expect("a present officer");
    let mut g = c.benchmark_group("durable_change");
    g.sample_size(50);
    g.bench_function(BenchmarkId::from_parameter(name), |b| {
        b.iter(|| {
            let absent = !roster.seat(tps, seat).expect("filled").absent;
            let command = Command::MarkAbsent { tps, seat, absent };
            store.execute(&mut roster, &command).expect("recorded")
        })
    });
    g.finish();
}

fn startup(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tempdir");

    let pal = tmp.path().join("palembang");
    demo_store(&pal, palembang(), PALEMBANG_SOURCE);
    bench_open(c, "palembang", &pal);
    bench_replace(c, "palembang", &pal);
    bench_keys(
        c,
        "palembang",
        demo::generate(palembang(), ElectionParams::default(), demo::DEFAULT_SEED),
    );

    match bogor_region_file(tmp.path()) {
        Some(file) => {
            let region = load_region_file(&file, kpps::text::Lang::En).expect("bogor region");
            eprintln!(
                "Kabupaten Bogor tree: {} kecamatan, {} kelurahan, {} TPS",
                region.kecamatan.len(),
                region.kelurahan.len(),
                region.tps.len()
            );
            let bogor = tmp.path().join("bogor");
            let n = demo_store(&bogor, region.clone(), "bogor.csv");
            assert_eq!(n, region.tps.len());
            bench_open(c, "bogor", &bogor);
            bench_replace(c, "bogor", &bogor);
            bench_keys(
                c,
                "bogor",
                demo::generate(region, ElectionParams::default(), demo::DEFAULT_SEED),
            );
        }
        None => eprintln!("{NATIONAL} not found: skipping the Kabupaten Bogor benches"),
    }
}

criterion_group!(benches, startup);
criterion_main!(benches);
