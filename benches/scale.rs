//! Scale: `init`-like (region + Roster::new + Store::create), `demo`-like (demo::generate +
//! Store::create) and `gaps --format json` (report::render), at Palembang scale by default.
//!
//! National scale (`../shared/data/indonesia-2024/wilayah.csv`, 820,161 TPS) is expensive
//! (each demo iteration writes ~0.8 GB and takes tens of seconds): it runs only with
//! `KPPS_BENCH_NATIONAL=1`, with 10 flat samples and a short measurement time:
//! init, demo, open + load + first frame (each run in a child process of this binary, see
//! `child_step`), gaps json, and one key + draw (in process). About 10 minutes in all.
//!
//! `cargo bench --bench scale`
//! `KPPS_BENCH_NATIONAL=1 cargo bench --bench scale -- national`
//!
//! Targets (docs/PERFORMANCE.md): Palembang demo + gaps < 1 s; national init < 60 s, demo
//! < 5 min, gaps < 3 s, open + load + first frame < 3 s, key + draw < 20 ms.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{black_box, criterion_group, BenchmarkGroup, Criterion, SamplingMode};
use kpps::demo;
use kpps::domain::gaps::Scope;
use kpps::domain::{Command, ElectionParams, KelurahanId, Region, Roster};
use kpps::io::region_csv::{load_region_file, palembang, PALEMBANG_SOURCE};
use kpps::io::report::{render, Format, Options};
use kpps::store::{codec, Store, StoreInfo};
use kpps::text::Lang;
use kpps::tui::keymap::parse_keys;
use kpps::tui::session::Session;
use kpps::tui::App;

/// The allocator the `kpps` binary uses, so the figures are the app's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NATIONAL: &str = "../shared/data/indonesia-2024/wilayah.csv";

fn info(roster: &Roster, seed: Option<u64>, source: &str) -> StoreInfo {
    StoreInfo {
        params: roster.params.clone(),
        demo_seed: seed,
        regions_source: source.into(),
        created: Utc::now(),
    }
}

/// Bytes of every file under `dir` (what `du -sb` counts, less directory entries).
fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| match e.file_type() {
                    Ok(t) if t.is_dir() => dir_bytes(&e.path()),
                    _ => e.metadata().map(|m| m.len()).unwrap_or(0),
                })
                .sum()
        })
        .unwrap_or(0)
}

/// The logical size of a roster in the store: the encoded seat and reserve values plus
/// their 4-byte keys (what `Store::create` writes, before sled's own overhead).
fn logical_bytes(roster: &Roster) -> u64 {
    let mut n = 0u64;
    for t in roster.region.tps_ids() {
        let s = roster.seats_of(t);
        if s.iter().any(Option::is_some) {
            n += 4 + codec::encode(&s).len() as u64;
        }
    }
    for k in 0..roster.region.kelurahan.len() as u32 {
        let list = roster.reserves(KelurahanId(k));
        if !list.is_empty() {
            n += 4 + codec::encode(&list).len() as u64;
        }
    }
    n + codec::encode(&roster.region.to_specs()).len() as u64
}

/// A fresh, not yet existing store directory under `base`.
fn fresh_dir(base: &Path, counter: &mut u64) -> PathBuf {
    *counter += 1;
    base.join(format!("s{counter}"))
}

/// Times `create(dir)` once per iteration in a fresh directory; closing the store and
/// removing the directory happen outside the timer. Keeps the last directory.
fn time_creates(
    base: &Path,
    iters: u64,
    last: &mut Option<PathBuf>,
    counter: &mut u64,
    mut create: impl FnMut(&Path) -> Store,
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let dir = fresh_dir(base, counter);
        let t0 = Instant::now();
        let store = create(&dir);
        total += t0.elapsed();
        drop(store);
        if let Some(old) = last.replace(dir) {
            let _ = std::fs::remove_dir_all(old);
        }
    }
    total
}

/// init, demo and gaps json for one region. Returns the last demo store's directory.
fn create_benches(
    g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    base: &Path,
    load_region: &dyn Fn() -> Region,
    source: &str,
) -> PathBuf {
    let mut counter = 0u64;
    let mut last_init = None;
    g.bench_function(format!("init/{name}"), |b| {
        b.iter_custom(|iters| {
            time_creates(base, iters, &mut last_init, &mut counter, |dir| {
                let roster = Roster::new(load_region(), ElectionParams::default());
                Store::create(dir, "bench", &roster, info(&roster, None, source)).expect("init")
            })
        })
    });
    if let Some(dir) = last_init {
        eprintln!("{name}: init store {} bytes on disk", dir_bytes(&dir));
        let _ = std::fs::remove_dir_all(dir);
    }

    let region = load_region();
    let mut last_demo = None;
    g.bench_function(format!("demo/{name}"), |b| {
        b.iter_custom(|iters| {
            time_creates(base, iters, &mut last_demo, &mut counter, |dir| {
                let roster = demo::generate(
                    region.clone(),
                    ElectionParams::default(),
                    demo::DEFAULT_SEED,
                );
                let i = info(&roster, Some(demo::DEFAULT_SEED), source);
                Store::create(dir, "bench", &roster, i).expect("demo")
            })
        })
    });
    let roster = demo::generate(region, ElectionParams::default(), demo::DEFAULT_SEED);
    // Filtered out (`cargo bench -- gaps`): the later benches still need a store.
    let dir = last_demo.unwrap_or_else(|| {
        let dir = fresh_dir(base, &mut counter);
        let i = info(&roster, Some(demo::DEFAULT_SEED), source);
        drop(Store::create(&dir, "bench", &roster, i).expect("demo"));
        dir
    });
    eprintln!(
        "{name}: demo store {} bytes on disk, logical (encoded values + keys) {} bytes",
        dir_bytes(&dir),
        logical_bytes(&roster)
    );

    g.bench_function(format!("gaps_json/{name}"), |b| {
        b.iter(|| render(&roster, Scope::All, &json_report()).len())
    });
    dir
}

fn palembang_scale(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut g = c.benchmark_group("scale");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    create_benches(
        &mut g,
        "palembang",
        tmp.path(),
        &palembang,
        PALEMBANG_SOURCE,
    );
    g.finish();
}

/// One national step in a child process (this same bench binary, `KPPS_BENCH_CHILD=step`),
/// so each run starts from a fresh heap: sled 0.34 does not give back the memory of a
/// closed multi-GB store, and a few in-process demo iterations exhaust a 23 GiB machine.
/// The child times only the step and prints `ns peak_rss_kib`; the parent sums the times.
fn child_step(step: &str, dir: &Path) -> (Duration, u64) {
    let out = std::process::Command::new(std::env::current_exe().expect("bench binary"))
        .env("KPPS_BENCH_CHILD", step)
        .env("KPPS_BENCH_DIR", dir)
        .output()
        .expect("run child");
    assert!(
        out.status.success(),
        "child {step} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text
        .split_whitespace()
        .map(|x| x.parse::<u64>().expect("child output"));
    let ns = it.next().expect("child time");
    let rss = it.next().unwrap_or(0);
    (Duration::from_nanos(ns), rss)
}

/// Peak resident set size of this process (KiB).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// The child side of `child_step`: init (region file + Roster::new + Store::create), demo
/// (demo::generate + Store::create; the region file is read before the timer) or open
/// (Store::open + load + first frame at 80×24).
fn run_child(step: &str) {
    let dir = PathBuf::from(std::env::var_os("KPPS_BENCH_DIR").expect("KPPS_BENCH_DIR"));
    let file = Path::new(NATIONAL);
    let elapsed = match step {
        "init" => {
            let t0 = Instant::now();
            let region =
                load_region_file(file, kpps::text::Lang::En).expect("national region file");
            let roster = Roster::new(region, ElectionParams::default());
            let store = Store::create(&dir, "bench", &roster, info(&roster, None, "wilayah.csv"))
                .expect("init");
            let dt = t0.elapsed();
            drop(store);
            dt
        }
        "demo" => {
            let region =
                load_region_file(file, kpps::text::Lang::En).expect("national region file");
            let t0 = Instant::now();
            let roster = demo::generate(region, ElectionParams::default(), demo::DEFAULT_SEED);
            let i = info(&roster, Some(demo::DEFAULT_SEED), "wilayah.csv");
            let store = Store::create(&dir, "bench", &roster, i).expect("demo");
            let dt = t0.elapsed();
            drop(store);
            dt
        }
        "open" => {
            let t0 = Instant::now();
            let store = Store::open(&dir, "bench").expect("open");
            let roster = store.load().expect("load");
            let s = Session::new(App::with_port(roster, Lang::Id, Box::new(store)), 80, 24);
            let dt = t0.elapsed();
            black_box(s.first_paint);
            dt
        }
        other => panic!("unknown child step {other}"),
    };
    println!("{} {}", elapsed.as_nanos(), peak_rss_kib());
}

fn national_scale(c: &mut Criterion) {
    if std::env::var_os("KPPS_BENCH_NATIONAL").is_none_or(|v| v != "1") {
        eprintln!("national scale skipped: set KPPS_BENCH_NATIONAL=1 to run it");
        return;
    }
    assert!(
        Path::new(NATIONAL).exists(),
        "{NATIONAL} not found (run from the repository root)"
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let base = tmp.path();
    let mut counter = 0u64;
    let mut g = c.benchmark_group("national");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(10));

    // init and demo: a fresh directory per run, removed outside the timer; keep the last.
    let mut peaks: Vec<(String, u64)> = Vec::new();
    let mut last: Option<PathBuf> = None;
    for step in ["init", "demo"] {
        let mut peak = 0;
        g.bench_function(format!("{step}/national"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let dir = fresh_dir(base, &mut counter);
                    let (dt, rss) = child_step(step, &dir);
                    total += dt;
                    peak = peak.max(rss);
                    if let Some(old) = last.replace(dir) {
                        let _ = std::fs::remove_dir_all(old);
                    }
                }
                total
            })
        });
        peaks.push((step.to_string(), peak));
        if let Some(dir) = &last {
            eprintln!("national {step}: store {} bytes on disk", dir_bytes(dir));
        }
    }
    // The demo store for the rest (created untimed if the demo bench was filtered out).
    let dir = match last {
        Some(d) if Store::exists(&d) => d,
        _ => {
            let d = fresh_dir(base, &mut counter);
            child_step("demo", &d);
            d
        }
    };

    let mut peak = 0;
    g.bench_function("open_load_first_frame/national", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (dt, rss) = child_step("open", &dir);
                total += dt;
                peak = peak.max(rss);
            }
            total
        })
    });
    peaks.push(("open".into(), peak));
    for (step, kib) in &peaks {
        eprintln!("national {step}: child peak RSS {} MiB", kib / 1024);
    }

    let store = Store::open(&dir, "bench").expect("open");
    let mut roster = store.load().expect("load");
    // One durable change on the national store: an officer marked absent, then back.
    let (tps, seat) = roster
        .region
        .tps_ids()
        .find_map(|t| (1..=7).find_map(|s| roster.seat(t, s).map(|_| (t, s))))
        .expect("an officer");
    g.bench_function("durable_change/national", |b| {
        b.iter(|| {
            let absent = !roster.seat(tps, seat).expect("filled").absent;
            let command = Command::MarkAbsent { tps, seat, absent };
            store.execute(&mut roster, &command).expect("recorded")
        })
    });
    drop(store);
    eprintln!(
        "national: demo store {} bytes on disk, logical (encoded values + keys) {} bytes",
        dir_bytes(&dir),
        logical_bytes(&roster)
    );
    g.bench_function("gaps_json/national", |b| {
        b.iter(|| render(&roster, Scope::All, &json_report()).len())
    });
    g.finish();

    // Keys are cheap: ordinary sampling.
    let mut g = c.benchmark_group("national_keys");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    let mut s = Session::new(App::new(roster, Lang::Id), 80, 24);
    let jk = parse_keys("jk");
    // Even presses are `j`, odd ones `k`: the cursor goes 0 → 1 → 0 → …
    let mut i = 0usize;
    g.bench_function("key_draw/tree_j_k/national", |b| {
        b.iter(|| {
            let bytes = s.press(jk[i % 2]);
            i += 1;
            assert!(bytes > 0);
            bytes
        })
    });
    let n = parse_keys("n")[0];
    g.bench_function("key_draw/next_gap_n/national", |b| b.iter(|| s.press(n)));
    g.finish();
}

criterion_group!(benches, palembang_scale, national_scale);

fn main() {
    if let Ok(step) = std::env::var("KPPS_BENCH_CHILD") {
        run_child(&step);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}

/// `gaps --format json` as the command line asks for it.
fn json_report() -> Options {
    Options {
        format: Format::Json,
        lang: Lang::Id,
        vacant_only: false,
        now: chrono::Utc::now(),
    }
}
