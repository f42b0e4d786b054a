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
