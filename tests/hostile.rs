//! Hostile input never panics and never corrupts: random key sequences through every mode
//! and form on an app backed by a real store (roster invariants checked after every key,
//! the store reopened and checked after every sequence); rendering at random sizes down to
//! 1×1; mangled CSV files that end in a clean import or row-numbered errors and an
//! unchanged store.

use chrono::{NaiveDate, Utc};
use kpps::demo;
use kpps::domain::{ElectionParams, Nik, Region, Roster, Sex};
use kpps::io::region_csv::palembang;
use kpps::io::roster_csv::{export_reserves, export_roster, import, ImportKind, ImportOptions};
use kpps::store::{Store, StoreInfo};
use kpps::text::Lang;
use kpps::tui::keymap::parse_keys;
use kpps::tui::session::Session;
use kpps::tui::App;
use proptest::prelude::*;

/// Two kecamatan, four kelurahan of Palembang: small enough for thousands of sequences.
fn small_region() -> Region {
    let specs = palembang().to_specs();
    let first_two: Vec<_> = specs
        .iter()
        .filter(|s| s.kecamatan_code <= "16.71.02".into())
        .cloned()
        .collect();
    let mut picked: Vec<_> = first_two
        .iter()
        .filter(|s| s.kecamatan_code == "16.71.01")
        .take(2)
        .cloned()
        .collect();
    picked.extend(
        first_two
            .iter()
            .filter(|s| s.kecamatan_code == "16.71.02")
            .take(2)
            .cloned(),
    );
    Region::build(picked).unwrap()
}

fn small_roster() -> Roster {
    demo::generate(small_region(), ElectionParams::default(), 7)
}

/// A store holding `roster`: the demo roster of seed 7, or (seed None) an empty one.
fn store_with(roster: &Roster, seed: Option<u64>, dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("store");
    let info = StoreInfo {
        params: ElectionParams::default(),
        demo_seed: seed,
        regions_source: "t".into(),
        created: Utc::now(),
    };
    drop(Store::create(&path, "t", roster, info).unwrap());
    path
}

/// Keys, weighted towards the ones that open modes and forms and confirm changes.
const KEYS: &[&str] = &[
    "j", "k", "h", "l", "g", "G", "n", "n", "N", "f", "v", "V", "/", "L", "?", "x", "x", "r", "r",
    "p", "p", "K", "w", "H", "J", "u", "*", "y", "y", "y", "<enter>", "<enter>", "<esc>", "<tab>",
    "<bs>", "<space>", "<pgdn>", "<pgup>", "<up>", "<down>", "<left>", "<right>", "a", "1", "7",
    "-", "/", "P", "q", "NIK", "NIK",
];

/// "NIK" types a fresh, well-formed NIK (so the form can actually succeed sometimes).
fn expand(token: &str, serial: &mut u16) -> String {
    if token != "NIK" {
        return token.to_string();
    }
    *serial += 1;
    let birth = NaiveDate::from_ymd_opt(
        1970 + (*serial % 30) as i32,
        1 + (*serial % 12) as u32,
        1 + (*serial % 28) as u32,
    )
    .unwrap();
    format!(
        "Orang Baru<tab>{}",
        Nik::compose(
            167101,
            birth,
            if serial.is_multiple_of(2) {
                Sex::L
            } else {
                Sex::P
            },
            5000 + *serial
        )
    )
}

fn run_sequence(roster: &Roster, keys: &[usize]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with(roster, Some(7), dir.path());
    let store = Store::open(&path, "fuzz").unwrap();
    let mut app = App::with_port(store.load().unwrap(), Lang::Id, Box::new(store));
    let mut serial = 0u16;
    for &k in keys {
        for key in parse_keys(&expand(KEYS[k], &mut serial)) {
            app.handle_key(key);
            if let Err(e) = app.roster.verify() {
                return Err(TestCaseError::fail(format!("after {:?}: {e}", KEYS[k])));
            }
        }
        if app.should_quit {
            break;
        }
    }
    let in_memory = app.roster.clone();
    drop(app);
    let store = Store::open(&path, "fuzz").unwrap();
    let on_disk = store.load().unwrap();
    for t in on_disk.region.tps_ids() {
        prop_assert_eq!(in_memory.seats_of(t), on_disk.seats_of(t));
    }
    let report = store.check().unwrap();
    prop_assert!(report.problems.is_empty(), "{:?}", report.problems);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn random_keys_keep_the_roster_consistent_and_durable(keys in proptest::collection::vec(0..KEYS.len(), 50..250)) {
        thread_local!(static ROSTER: Roster = small_roster());
        ROSTER.with(|r| run_sequence(r, &keys))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn rendering_at_any_size_never_panics(
        keys in proptest::collection::vec(0..KEYS.len(), 1..60),
        w in 1u16..160,
        h in 1u16..50,
    ) {
        thread_local!(static ROSTER: Roster = small_roster());
        let roster = ROSTER.with(Roster::clone);
        let mut s = Session::new(App::new(roster, Lang::En), w, h);
        let mut serial = 0u16;
        for &k in &keys {
            s.keys(&expand(KEYS[k], &mut serial));
            if s.app.should_quit { break; }
        }
        let _ = s.screen();
        s.resize(w.max(2) - 1, h.max(2) - 1);
    }
}

// ---- mangled CSV files ------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Mangle {
    DropColumn(usize),
    SwapColumns(usize, usize),
    Junk(usize, Vec<u8>),
    HugeField(usize),
    InvalidUtf8(usize),
    ExcelNik(usize),
    Crlf,
    Semicolons,
    UnbalancedQuote(usize),
    DuplicateRow(usize),
    Truncate(usize),
    Bom,
}

fn mangle() -> impl Strategy<Value = Mangle> {
    prop_oneof![
        (0usize..10).prop_map(Mangle::DropColumn),
        (0usize..10, 0usize..10).prop_map(|(a, b)| Mangle::SwapColumns(a, b)),
        (0usize..40, proptest::collection::vec(any::<u8>(), 1..40))
            .prop_map(|(r, j)| Mangle::Junk(r, j)),
        (0usize..40).prop_map(Mangle::HugeField),
        (0usize..40).prop_map(Mangle::InvalidUtf8),
        (0usize..40).prop_map(Mangle::ExcelNik),
        Just(Mangle::Crlf),
        Just(Mangle::Semicolons),
        (0usize..40).prop_map(Mangle::UnbalancedQuote),
        (0usize..40).prop_map(Mangle::DuplicateRow),
        (10usize..4000).prop_map(Mangle::Truncate),
        Just(Mangle::Bom),
    ]
}

fn apply(text: &str, mangles: &[Mangle]) -> Vec<u8> {
    let mut rows: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    let n = rows.len();
    let mut tail: Vec<Mangle> = Vec::new();
    for m in mangles {
        match m {
            Mangle::DropColumn(c) => rows.iter_mut().for_each(|r| {
                if *c < r.len() {
                    r.remove(*c);
                }
            }),
            Mangle::SwapColumns(a, b) => rows.iter_mut().for_each(|r| {
                if *a < r.len() && *b < r.len() {
                    r.swap(*a, *b);
                }
            }),
            Mangle::HugeField(r) => rows[r % n][2] = "x".repeat(200_000),
            Mangle::ExcelNik(r) if r % n > 0 => rows[r % n][4] = "1.67101E+15".into(),
            Mangle::UnbalancedQuote(r) => rows[r % n][3].insert(0, '"'),
            Mangle::DuplicateRow(r) => {
                let row = rows[r % n].clone();
                rows.push(row);
            }
            other => tail.push(other.clone()),
        }
    }
    let mut bytes = rows
        .iter()
        .map(|r| r.join(","))
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes();
    bytes.push(b'\n');
    for m in tail {
        match m {
            Mangle::Junk(r, junk) => {
                let at = (r * 37) % bytes.len();
                bytes.splice(at..at, junk);
            }
            Mangle::InvalidUtf8(r) => {
                let at = (r * 53) % bytes.len();
                bytes.splice(at..at, [0xff, 0xfe, 0xc3]);
            }
            Mangle::Crlf => {
                bytes = String::from_utf8_lossy(&bytes)
                    .replace('\n', "\r\n")
                    .into_bytes()
            }
            Mangle::Semicolons => {
                bytes = bytes
                    .iter()
                    .map(|&b| if b == b',' { b';' } else { b })
                    .collect()
            }
            Mangle::Truncate(len) => bytes.truncate(len.min(bytes.len())),
            Mangle::Bom => {
                bytes.splice(0..0, [0xef, 0xbb, 0xbf]);
            }
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn mangled_csv_is_a_clean_import_or_row_numbered_errors(
        mangles in proptest::collection::vec(mangle(), 1..4),
        reserves in any::<bool>(),
        replace in any::<bool>(),
    ) {
        thread_local!(static FILES: (String, String) = {
            let r = small_roster();
            let (mut a, mut b) = (Vec::new(), Vec::new());
            export_roster(&r, &mut a).unwrap();
            export_reserves(&r, &mut b).unwrap();
            (String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap())
        });
        let (roster_csv, reserves_csv) = FILES.with(Clone::clone);
        let source = if reserves { reserves_csv } else { roster_csv };
        let dir = tempfile::tempdir().unwrap();
        // Import into an empty store of the same region, so a clean file is a clean import.
        let path = store_with(&Roster::new(small_region(), ElectionParams::default()), None, dir.path());
        let file = dir.path().join("in.csv");
        let bytes = apply(&source, &mangles);
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        std::fs::write(&file, &bytes).unwrap();
        let mut store = Store::open(&path, "t").unwrap();
        let mut roster = store.load().unwrap();
        let before_log = store.log_entries().count();
        let kind = if reserves { ImportKind::Reserves } else { ImportKind::Roster };
        let opts = ImportOptions { replace, dry_run: false, lang: Lang::En };
        match import(&mut store, &mut roster, kind, &file, &opts) {
            Ok(_) => {
                prop_assert!(roster.verify().is_ok());
            }
            Err(failure) => {
                prop_assert!(!failure.errors.is_empty());
                for e in &failure.errors {
                    prop_assert!(e.line <= lines, "line {} of {lines}: {}", e.line, e.reason);
                    let prefix = format!("{}:{}: ", file.display(), e.line);
                    prop_assert!(e.to_string().starts_with(&prefix));
                }
                prop_assert_eq!(store.log_entries().count(), before_log, "a failed import wrote a log entry");
                let reloaded = store.load().unwrap();
                prop_assert_eq!(reloaded.officer_count(), 0);
                prop_assert_eq!(reloaded.total(), Roster::new(small_region(), ElectionParams::default()).total());
            }
        }
        let problems = store.check().unwrap().problems;
        prop_assert!(problems.is_empty(), "{:?}", &problems[..problems.len().min(5)]);
    }
}
