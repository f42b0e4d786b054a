//! The synthetic demo roster on the embedded Palembang region.

use std::sync::OnceLock;

use kpps::demo::{generate, DEFAULT_SEED};
use kpps::domain::{ElectionParams, KelurahanId, NikLocation, Person, Roster, Sex};
use kpps::io::region_csv::palembang;

fn demo() -> &'static Roster {
    static ROSTER: OnceLock<Roster> = OnceLock::new();
    ROSTER.get_or_init(|| generate(palembang(), ElectionParams::default(), DEFAULT_SEED))
}

/// Every person in the roster (seat holders, then reserves) with where they are.
fn people(r: &Roster) -> Vec<(&Person, NikLocation)> {
    let mut out = Vec::new();
    for t in r.region.tps_ids() {
        for (i, h) in r.seats_of(t).iter().enumerate() {
            if let Some(h) = h {
                out.push((
                    &h.person,
                    NikLocation::Seat {
                        tps: t,
                        seat: i as u8 + 1,
                    },
                ));
            }
        }
    }
    for k in 0..r.region.kelurahan.len() as u32 {
        let kel = KelurahanId(k);
        for res in r.reserves(kel) {
            out.push((
                &res.person,
                NikLocation::Reserve {
                    kelurahan: kel,
                    rank: res.rank,
                },
            ));
        }
    }
    out
}

fn same_roster(a: &Roster, b: &Roster) -> bool {
    a.region.tps_ids().all(|t| a.seats_of(t) == b.seats_of(t))
        && (0..a.region.kelurahan.len() as u32)
            .all(|k| a.reserves(KelurahanId(k)) == b.reserves(KelurahanId(k)))
}

#[test]
fn same_seed_same_roster_other_seed_other_roster() {
    let a = demo();
    let b = generate(palembang(), ElectionParams::default(), DEFAULT_SEED);
    assert!(same_roster(a, &b));
    assert_eq!(a.total(), b.total());
    assert!(b.demo);
    let c = generate(palembang(), ElectionParams::default(), DEFAULT_SEED + 1);
    assert!(!same_roster(a, &c));
    // Not merely different somewhere: most seats differ.
    let same_seats = a
        .region
        .tps_ids()
        .filter(|&t| a.seat(t, 2) == c.seat(t, 2))
        .count();
    assert!(same_seats < 100, "{same_seats}");
}

#[test]
fn vacancies_including_some_ketua() {
    let r = demo();
    let t = r.total();
    assert_eq!((t.tps, t.seats), (4_777, 33_439));
    let rate = t.vacant as f64 / t.seats as f64;
    assert!((0.01..=0.03).contains(&rate), "vacancy rate {rate}");
    assert!(t.tps_without_ketua > 0);
    assert!(t.tps_without_ketua < 100, "{}", t.tps_without_ketua);
    let empty_ketua = r
        .region
        .tps_ids()
        .filter(|&tps| r.seat(tps, 1).is_none())
        .count();
    assert!(empty_ketua > 3, "{empty_ketua}");
    let absent_officers = r
        .region
        .tps_ids()
        .flat_map(|tps| r.seats_of(tps).iter().flatten())
        .filter(|h| h.absent)
        .count();
    assert!((1..=100).contains(&absent_officers), "{absent_officers}");
    assert_eq!(
        t.vacant as usize,
        t.seats as usize - r.officer_count() + absent_officers
    );
}

#[test]
fn ages_on_voting_day() {
    let r = demo();
    let p = &r.params;
    let everyone = people(r);
    let ages: Vec<u32> = everyone
        .iter()
        .map(|(x, _)| x.age_on(p.voting_day))
        .collect();
    assert!(ages.iter().all(|&a| a >= p.min_age as u32 && a <= 65));
    let over = ages
        .iter()
        .filter(|&&a| a > p.preferred_max_age as u32)
        .count();
    assert!(
        over > 0 && over * 10 < ages.len(),
        "{over} of {}",
        ages.len()
    );
    let core = ages.iter().filter(|&&a| (20..=50).contains(&a)).count();
    assert!(core * 100 > ages.len() * 75, "{core} of {}", ages.len());
}

#[test]
fn niks_agree_with_people_and_are_unique() {
    let r = demo();
    let everyone = people(r);
    let mut own_kecamatan = 0;
    for (x, at) in &everyone {
        assert_eq!(
            x.nik.agrees_with(x.birth_date, x.sex),
            (true, true),
            "{} {}",
            x.name,
            x.nik
        );
        assert!(kpps::domain::Nik::parse(&x.nik.to_string()).is_ok());
        // Each NIK points back at its own holder: no NIK is used twice.
        assert_eq!(r.locate_nik(x.nik), Some(*at), "{}", x.nik);
        assert!(
            r.findings(x).is_empty() || x.age_on(r.params.voting_day) > 55,
            "{:?}",
            r.findings(x)
        );
        let tps_kec = match at {
            NikLocation::Seat { tps, .. } => r.region.kecamatan_of(*tps),
            NikLocation::Reserve { kelurahan, .. } => r.region.kelurahan(*kelurahan).kecamatan,
        };
        let code = &r.region.kecamatan(tps_kec).code;
        own_kecamatan +=
            (x.nik.region() as u64 == kpps::domain::region::code_digits(code)) as usize;
    }
    let mut niks: Vec<u64> = everyone.iter().map(|(x, _)| x.nik.as_u64()).collect();
    niks.sort_unstable();
    niks.dedup();
    assert_eq!(niks.len(), everyone.len());
    let moved = everyone.len() - own_kecamatan;
    assert!(moved > 0 && moved * 100 < everyone.len() * 6, "{moved}");
}

#[test]
fn every_kelurahan_has_ranked_reserves() {
    let r = demo();
    let mut tied = 0;
    let mut total = 0;
    for k in 0..r.region.kelurahan.len() as u32 {
        let kel = KelurahanId(k);
        let list = r.reserves(kel);
        let tps = r.region.kelurahan(kel).tps.len();
        assert!(list.len() >= 2);
        assert_eq!(list.len(), (tps * 3 / 10).max(2));
        assert!(list.iter().map(|x| x.rank).eq(1..=list.len() as u32));
        for res in list {
            assert!(res.person.age_on(r.params.voting_day) >= r.params.min_age as u32);
            if let Some(t) = res.tps {
                assert_eq!(r.region.kelurahan_of(t), kel);
                tied += 1;
            }
            total += 1;
        }
    }
    assert!(
        tied * 100 > total * 20 && tied * 100 < total * 40,
        "{tied} of {total}"
    );
}

#[test]
fn health_flags_are_few() {
    let r = demo();
    let t = r.total();
    assert!(t.flagged > 0);
    assert!(
        (t.flagged as usize) * 10 < r.officer_count(),
        "{}",
        t.flagged
    );
}

#[test]
fn women_share_and_per_tps_target() {
    let r = demo();
    let everyone = people(r);
    let women = everyone.iter().filter(|(x, _)| x.sex == Sex::P).count();
    let share = women as f64 / everyone.len() as f64;
    assert!((0.35..=0.65).contains(&share), "{share}");
    let on_target = r
        .region
        .tps_ids()
        .filter(|&t| {
            let women = r
                .seats_of(t)
                .iter()
                .flatten()
                .filter(|h| h.person.sex == Sex::P)
                .count();
            women * 10 >= 3 * r.params.seats_per_tps as usize
        })
        .count();
    assert!(on_target * 100 > r.region.tps.len() * 85, "{on_target}");
}

#[test]
fn names_and_phones_look_local() {
    let r = demo();
    let everyone = people(r);
    let titled = |x: &Person, titles: &[&str]| titles.iter().any(|t| x.name.starts_with(t));
    let men_titles = ["Kms. ", "Kgs. ", "Mgs. "];
    let women_titles = ["Nyimas ", "Nyayu ", "Masayu "];
    let men = everyone
        .iter()
        .filter(|(x, _)| titled(x, &men_titles))
        .collect::<Vec<_>>();
    let women = everyone
        .iter()
        .filter(|(x, _)| titled(x, &women_titles))
        .collect::<Vec<_>>();
    assert!(men.len() > 100 && women.len() > 100);
    assert!(men.iter().all(|(x, _)| x.sex == Sex::L));
    assert!(women.iter().all(|(x, _)| x.sex == Sex::P));
    assert!(everyone
        .iter()
        .all(|(x, _)| !x.name.is_empty() && x.name.trim() == x.name));
    let phones: Vec<&str> = everyone
        .iter()
        .filter_map(|(x, _)| x.phone.as_deref())
        .collect();
    assert!(phones.len() < everyone.len() && phones.len() * 10 > everyone.len() * 8);
    assert!(phones
        .iter()
        .all(|p| p.len() == 12 && p.starts_with("08") && p.bytes().all(|b| b.is_ascii_digit())));
}

/// A demo store's journal holds the roster it was created with, not just the seed: a
/// replay (`kpps check`, `kpps rebuild --from-journal`, the repair after a failed write)
/// gives that roster whatever the generator gives today. The stand-in for a generator that
/// has changed since the store was made: a roster of another seed, stored under seed 2024.
#[test]
fn a_demo_store_journal_replays_to_its_roster_without_the_generator() {
    use kpps::store::{rebuild, replay_journal, LogEntry, Record, Store, StoreInfo};
    let made = generate(palembang(), ElectionParams::default(), DEFAULT_SEED + 1);
    let today = demo();
    assert!(
        !same_roster(&made, today),
        "the generator's output moved on"
    );
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("store");
    let info = StoreInfo {
        params: ElectionParams::default(),
        demo_seed: Some(DEFAULT_SEED),
        regions_source: "Kota Palembang (embedded)".into(),
        created: chrono::Utc::now(),
    };
    let store = Store::create(&path, "setup", &made, info).unwrap();

    let (replayed, entries, scan) = replay_journal(&Store::journal_path(&path)).unwrap();
    assert!(scan.damage.is_none());
    assert_same_roster(&replayed, &made);
    assert!(replayed.demo);
    replayed.verify().unwrap();
    // #1 the creation, then Palembang's one kota: its seats (absences included), its
    // reserves, labelled as generated data.
    let files: Vec<(&str, usize)> = entries[1..]
        .iter()
        .map(|e| match &e.record {
            Record::Change(kpps::domain::Event::RosterFileImported {
                file,
                seats,
                absent,
                cleared,
            }) => {
                assert!(cleared.is_empty() && !absent.is_empty());
                (file.as_str(), seats.len())
            }
            Record::Change(kpps::domain::Event::ReservesImported {
                file,
                reserves,
                cleared,
            }) => {
                assert!(cleared.is_empty());
                (file.as_str(), reserves.len())
            }
            other => panic!("{other:?}"),
        })
        .collect();
    let reserves: usize = (0..made.region.kelurahan.len() as u32)
        .map(|k| made.reserves(KelurahanId(k)).len())
        .sum();
    assert_eq!(
        files,
        vec![
            ("demo (seed 2024): Kota Palembang", made.officer_count()),
            ("demo (seed 2024): Kota Palembang", reserves),
        ]
    );

    let report = store.check().unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!((report.journal_entries, report.changes), (3, 2));
    let loaded = store.load().unwrap();
    assert_same_roster(&loaded, &made);

    let (rebuilt, changes) = rebuild(&path, &tmp.path().join("rebuilt"), "restorer").unwrap();
    assert_eq!(changes, 2);
    assert!(rebuilt.check().unwrap().problems.is_empty());
    assert_same_roster(&rebuilt.load().unwrap(), &made);
    let log = |s: &Store| {
        s.log_entries()
            .collect::<Result<Vec<LogEntry>, _>>()
            .unwrap()
    };
    assert_eq!(log(&rebuilt), log(&store));
}

/// Everything a roster holds that the store keeps: seats (absences included), reserve lists,
/// where each NIK is, and the roll-ups derived from them.
fn assert_same_roster(a: &Roster, b: &Roster) {
    assert!(same_roster(a, b), "seats or reserves differ");
    for t in a.region.tps_ids() {
        assert_eq!(a.tps_stats(t), b.tps_stats(t));
    }
    for k in (0..a.region.kelurahan.len() as u32).map(KelurahanId) {
        assert_eq!(a.kelurahan_rollup(k), b.kelurahan_rollup(k));
    }
    assert_eq!(a.total(), b.total());
    assert_eq!(a.officer_count(), b.officer_count());
    for (person, at) in people(b) {
        assert_eq!(a.locate_nik(person.nik), Some(at));
    }
    assert_eq!(people(a).len(), people(b).len());
}

/// The real binary: `kpps demo`, then `check`, `log` and `rebuild --from-journal`.
#[test]
fn kpps_demo_logs_its_roster_and_rebuilds_from_the_journal() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, copy) = (tmp.path().join("demo"), tmp.path().join("rebuilt"));
    let run = |db: &std::path::Path, args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kpps"))
            .arg("--db")
            .arg(db)
            .args(args)
            .env_remove("KPPS_DB")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    run(&db, &["demo"]);
    let checked = run(&db, &["--lang", "en", "check"]);
    assert!(
        checked.contains("3 entries, 2 changes; 4,777 TPS, 32,773 officers, 1,390 reserves")
            && checked.contains("OK"),
        "{checked}"
    );
    let log = run(&db, &["--lang", "en", "log"]);
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 3, "{log}");
    assert!(
        lines[0].ends_with("Demo reserves generated (seed 2024), Kota Palembang: 1,390 reserves")
            && lines[1].ends_with(
                "Demo roster generated (seed 2024), Kota Palembang: 32,773 officers (29 absent today)"
            )
            && lines[2].ends_with("Store created"),
        "{log}"
    );
    let log_id = run(&db, &["log", "--limit", "1"]);
    assert!(
        log_id.contains("Cadangan demo dibuat (seed 2024), Kota Palembang: 1.390 cadangan"),
        "{log_id}"
    );

    run(&copy, &["rebuild", "--from-journal", db.to_str().unwrap()]);
    assert!(run(&copy, &["check"]).contains("OK"));
    for what in ["roster", "reserves"] {
        assert_eq!(
            run(&copy, &["export", what]),
            run(&db, &["export", what]),
            "{what}"
        );
    }
    assert_eq!(
        run(&copy, &["log", "--format", "json"]),
        run(&db, &["log", "--format", "json"])
    );
}

/// Nothing under src/store names the demo module: a store's journal, not the generator,
/// is the record of a demo store's roster, so the dependency must not creep back.
#[test]
fn the_store_does_not_use_the_demo_module() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        files += 1;
        let code = strip_comments_and_strings(&std::fs::read_to_string(&path).unwrap());
        let found = demo_paths(&code);
        assert!(
            found.is_empty(),
            "{} uses the demo module: {found:?}",
            path.display()
        );
    }
    assert!(files >= 9, "read {files} files under {}", dir.display());
    // The checker itself finds the ways a module is named.
    for used in [
        "crate::demo::generate(r, p, s)",
        "use crate::{demo, domain::Roster};",
        "use crate::{\n    domain,\n    demo as d,\n};",
        "kpps :: demo :: DEFAULT_SEED",
        "super::super::demo::generate()",
    ] {
        assert!(!demo_paths(used).is_empty(), "{used}");
    }
    for fine in [
        "roster.demo = info.demo_seed.is_some();",
        "crate::domain::demo_label(seed, &area.name)",
        "// crate::demo::generate",
        "#[error(\"make it again with `kpps demo`\")]",
        "let demo = true;",
        "let quote = '\\''; let s = \"crate::demo\";",
    ] {
        let code = strip_comments_and_strings(fine);
        assert!(demo_paths(&code).is_empty(), "{fine}");
    }
}

/// Rust source with comments removed and string and char literals emptied.
fn strip_comments_and_strings(src: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1).copied()) {
            ('/', Some('/')) => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            ('/', Some('*')) => {
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
            }
            ('"', _) => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
            }
            // A char literal ('x', '\n'), not a lifetime ('a).
            ('\'', Some(c)) if c == '\\' || chars.get(i + 2) == Some(&'\'') => {
                i += if c == '\\' { 3 } else { 2 };
                while i < chars.len() && chars[i] != '\'' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("' '");
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Where `code` names a module `demo`: a path through it (`demo::`, `::demo`) or a `use`
/// that imports it.
fn demo_paths(code: &str) -> Vec<String> {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let code = &format!("{code}\n");
    let mut found = Vec::new();
    let mut in_use = false;
    let tokens: Vec<(usize, &str)> = code
        .match_indices(|c: char| !word(c))
        .scan(0, |start, (at, sep)| {
            let token = (*start, &code[*start..at]);
            *start = at + sep.len();
            Some([token, (at, sep)])
        })
        .flatten()
        .filter(|(_, t)| !t.trim().is_empty())
        .collect();
    for (i, &(at, t)) in tokens.iter().enumerate() {
        match t {
            "use" => in_use = true,
            ";" => in_use = false,
            "demo" => {
                let sep = |j: Option<usize>| {
                    j.and_then(|j| tokens.get(j).map(|&(_, t)| t)) == Some(":")
                        && j.and_then(|j| tokens.get(j + 1).map(|&(_, t)| t)) == Some(":")
                };
                let before = i.checked_sub(2).is_some_and(|j| sep(Some(j)));
                let after = sep(Some(i + 1));
                if in_use || before || after {
                    found.push(code[at.saturating_sub(30)..(at + 30).min(code.len())].to_string());
                }
            }
            _ => {}
        }
    }
    found
}

/// National scale: `cargo test --release --test demo -- --ignored --nocapture`.
#[test]
#[ignore = "needs ../shared/data/indonesia-2024/wilayah.csv; run in release"]
fn national_tree_generates_quickly() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/indonesia-2024/wilayah.csv");
    let start = std::time::Instant::now();
    let region = kpps::io::region_csv::load_region_file(&path, kpps::text::Lang::En)
        .expect("national region file");
    let loaded = start.elapsed();
    let start = std::time::Instant::now();
    let r = generate(region, ElectionParams::default(), DEFAULT_SEED);
    let generated = start.elapsed();
    let t = r.total();
    println!(
        "national: region loaded in {loaded:.2?}; generated in {generated:.2?}: {} TPS, {} seats, {} vacant, {} without ketua, {} flagged, {} officers",
        t.tps,
        t.seats,
        t.vacant,
        t.tps_without_ketua,
        t.flagged,
        r.officer_count()
    );
    assert_eq!(t.tps, 820_161);
    assert!(r
        .locate_nik(r.reserves(KelurahanId(0))[0].person.nik)
        .is_some());
    assert!(generated.as_secs() < 60);
}
