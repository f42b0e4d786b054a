//! `/` search: officers by name over the whole roster. Palembang by default; the national
//! roster (5.6 million officers, generated in memory, ~10 s) with `KPPS_BENCH_NATIONAL=1`.
//!
//! `cargo bench --bench search`
//! `KPPS_BENCH_NATIONAL=1 cargo bench --bench search`
//!
//! - `first_search`: the first officer search of a session, which builds the name index.
//! - `key`: one more key typed into the search (index built): search + draw at 80×24.
//! - `key_no_match`: the same for a query nothing matches, so the whole index is scanned.
//! - `burst7`: seven keys arriving together, handled then searched and drawn once.
//!
//! Target (docs/PERFORMANCE.md): ≤ 50 ms per key nationally.

use std::time::Duration;

use criterion::{criterion_group, Criterion};
use kpps::domain::ElectionParams;
use kpps::io::region_csv::{load_region_file, palembang};
use kpps::text::Lang;
use kpps::tui::app::Overlay;
use kpps::tui::keymap::parse_keys;
use kpps::tui::search::{search, NameIndex};
use kpps::tui::session::Session;
use kpps::tui::App;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NATIONAL: &str = "../shared/data/indonesia-2024/wilayah.csv";

fn bench_search(c: &mut Criterion) {
    let national = std::env::var_os("KPPS_BENCH_NATIONAL").is_some_and(|v| v == "1");
    let (scale, region) = if national {
        (
            "national",
            load_region_file(std::path::Path::new(NATIONAL), kpps::text::Lang::En)
                .expect("regions"),
        )
    } else {
        ("palembang", palembang())
    };
    let roster = kpps::demo::generate(region, ElectionParams::default(), 1);
    let mut g = c.benchmark_group("search");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(10));
    g.bench_function(format!("first_search/{scale}"), |b| {
        b.iter(|| search(&roster, &mut NameIndex::default(), "siti").len())
    });

    let mut s = Session::new(App::new(roster, Lang::Id), 80, 24);
    s.keys("/sit");
    // Alternately type `i` and take it back: the query is `siti` or `sit`, each a new search.
    let keys = parse_keys("i<bs>");
    let mut i = 0usize;
    g.bench_function(format!("key/{scale}"), |b| {
        b.iter(|| {
            let bytes = s.press(keys[i % 2]);
            i += 1;
            bytes
        })
    });
    // A query no name holds: every key scans the whole index.
    s.keys("<esc>/zzq");
    let keys = parse_keys("x<bs>");
    g.bench_function(format!("key_no_match/{scale}"), |b| {
        b.iter(|| {
            let bytes = s.press(keys[i % 2]);
            i += 1;
            bytes
        })
    });
    s.keys("<esc>");
    g.bench_function(format!("burst7/{scale}"), |b| {
        b.iter(|| {
            let bytes = s.burst("/aminah");
            let Overlay::Search(view) = &s.app.overlay else {
                panic!("search is open")
            };
            assert!(!view.stale);
            s.keys("<esc>");
            bytes
        })
    });
    g.finish();
}

criterion_group!(benches, bench_search);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
