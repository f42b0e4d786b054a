//! A deterministic synthetic roster for demonstrations and load tests.
//!
//! `generate` fills every seat of a region (bar a small, realistic share of vacancies) and
//! gives every kelurahan a ranked reserve list. The same region, parameters and seed always
//! give the same roster: everything is drawn from one seeded ChaCha8 stream in region order,
//! and the only hash lookup (the roster's NIK index, for uniqueness) is never iterated.
//!
//! Distributions (per seat unless noted):
//! - vacancies: Ketua seat 0.3%; other seats 1.6%, or 15% in the 5% of TPS that are
//!   "troubled" (so gaps cluster): about 2% of all seats. 0.1% of officers absent today.
//! - sex: independent 50/50, then, in 85% of TPS short of the 30% women target, men are
//!   swapped for women until it is met: about 52% women, about 97% of TPS on target.
//! - age on voting day: 17–19 5%, 20–29 30%, 30–39 30%, 40–49 22%, 50–max 10%, and 3% above
//!   the preferred maximum (up to 65); never under `min_age`.
//! - NIK: issued in the TPS's kecamatan, 3% in another kecamatan of the same kota; serial
//!   drawn from 1..=999 and bumped on collision.
//! - health: 1.5% at risk, 1.5% not screened, 1.5% without active JKN (independent).
//! - phone: 92% have a mobile number (`08` + operator prefix, 12 digits in all).
//! - reserves: `max(2, tps * 3 / 10)` per kelurahan, ranks 1..n, 30% tied to one of its TPS.

use chrono::{Months, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::domain::person::age_on;
use crate::domain::region::code_digits;
use crate::domain::{
    ElectionParams, Holder, KelurahanId, Nik, Person, Region, Reserve, Roster, Screening, Sex,
    TpsId,
};

/// The seed `kpps demo` uses unless told otherwise.
pub const DEFAULT_SEED: u64 = 2024;

/// Per-mille rates (out of 1000) of the synthetic staffing state.
const KETUA_VACANT: u32 = 3;
const TROUBLED_TPS: u32 = 50;
const ANGGOTA_VACANT: u32 = 16;
const ANGGOTA_VACANT_TROUBLED: u32 = 150;
const ABSENT: u32 = 1;
/// A TPS short of the 30% women target is topped up with this probability.
const WOMEN_TOP_UP: u32 = 850;
const NIK_OTHER_KECAMATAN: u32 = 30;
const AT_RISK: u32 = 15;
const NOT_SCREENED: u32 = 15;
const NO_JKN: u32 = 15;
const HAS_PHONE: u32 = 920;
const RESERVE_TIED: u32 = 300;

/// Fills a fresh roster for `region` with a plausible synthetic staffing state.
pub fn generate(region: Region, params: ElectionParams, seed: u64) -> Roster {
    let kecamatan = kecamatan_info(&region);
    let mut roster = Roster::new(region, params);
    let mut g = Generator::new(&roster.params, seed);
    let spt = roster.seats_per_tps();
    let women_target = (spt as u32 * 3).div_ceil(10);
    let mut sexes: Vec<Sex> = Vec::with_capacity(spt as usize);

    for kel_idx in 0..roster.region.kelurahan.len() {
        let kel = KelurahanId(kel_idx as u32);
        let (tps_range, kec_idx) = {
            let k = roster.region.kelurahan(kel);
            (k.tps.clone(), k.kecamatan.0 as usize)
        };
        let kec = &kecamatan[kec_idx];

        for t in tps_range.clone() {
            let tps = TpsId(t);
            g.draw_sexes(spt, women_target, &mut sexes);
            let troubled = g.chance(TROUBLED_TPS);
            for (i, &sex) in sexes.iter().enumerate() {
                let seat = i as u8 + 1;
                let vacant = match (seat, troubled) {
                    (1, _) => KETUA_VACANT,
                    (_, true) => ANGGOTA_VACANT_TROUBLED,
                    (_, false) => ANGGOTA_VACANT,
                };
                if g.chance(vacant) {
                    continue;
                }
                let person = g.person(&roster, &kecamatan, kec, sex);
                let absent = g.chance(ABSENT);
                roster.load_seat(tps, seat, Holder { person, absent });
            }
        }

        let count = (tps_range.len() as u32 * 3 / 10).max(2);
        for rank in 1..=count {
            let sex = if g.rng.gen_bool(0.5) { Sex::P } else { Sex::L };
            let person = g.person(&roster, &kecamatan, kec, sex);
            let tps = g
                .chance(RESERVE_TIED)
                .then(|| TpsId(g.rng.gen_range(tps_range.clone())));
            roster.load_reserve(kel, Reserve { rank, person, tps });
        }
    }

    roster.recompute_rollups();
    roster.demo = true;
    roster
}

/// What the generator needs to know about a kecamatan.
struct KecInfo {
    /// Its index in the region's kecamatan list.
    index: usize,
    /// The 6 NIK region digits of the kecamatan.
    region6: u32,
    /// Kecamatan indices of the same kabupaten/kota (a contiguous run, since codes sort).
    kota: std::ops::Range<usize>,
    /// Name cultures and their weights (summing to 100).
    cultures: &'static [(Culture, u32)],
}

fn kecamatan_info(region: &Region) -> Vec<KecInfo> {
    let mut out: Vec<KecInfo> = region
        .kecamatan
        .iter()
        .enumerate()
        .map(|(index, k)| {
            let region6 = nik_region6(&k.code);
            KecInfo {
                index,
                region6,
                kota: 0..0,
                cultures: cultures_for(region6 / 10_000),
            }
        })
        .collect();
    let mut start = 0;
    for i in 1..=out.len() {
        if i == out.len() || out[i].region6 / 100 != out[start].region6 / 100 {
            for k in &mut out[start..i] {
                k.kota = start..i;
            }
            start = i;
        }
    }
    out
}

/// The kecamatan code's digits as a NIK region: six digits, first not zero. Kemendagri
/// codes (`16.71.04`) give exactly that; anything odder is squeezed into shape.
fn nik_region6(code: &str) -> u32 {
    let mut d = code_digits(code);
    while d > 999_999 {
        d /= 10;
    }
    if d < 100_000 {
        d += 100_000;
    }
    d as u32
}

struct Generator {
    rng: ChaCha8Rng,
    voting_day: NaiveDate,
    min_age: u32,
    max_preferred: u32,
}

impl Generator {
    fn new(params: &ElectionParams, seed: u64) -> Generator {
        Generator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            voting_day: params.voting_day,
            min_age: params.min_age as u32,
            max_preferred: params.preferred_max_age as u32,
        }
    }

    /// True with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: u32) -> bool {
        self.rng.gen_range(0..1000) < per_mille
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.gen_range(0..items.len())]
    }

    /// Sexes for one TPS's seats: 50/50, usually topped up to the women target.
    fn draw_sexes(&mut self, seats: u8, women_target: u32, out: &mut Vec<Sex>) {
        out.clear();
        out.extend((0..seats).map(|_| {
            if self.rng.gen_bool(0.5) {
                Sex::P
            } else {
                Sex::L
            }
        }));
        let mut women = out.iter().filter(|&&s| s == Sex::P).count() as u32;
        if women < women_target && self.chance(WOMEN_TOP_UP) {
            while women < women_target {
                let i = self.rng.gen_range(0..out.len());
                if out[i] == Sex::L {
                    out[i] = Sex::P;
                    women += 1;
                }
            }
        }
    }

    fn age(&mut self) -> u32 {
        let max = self.max_preferred;
        let r = self.rng.gen_range(0..100);
        let (lo, hi) = match r {
            0..=4 => (17, 19),
            5..=34 => (20, 29),
            35..=64 => (30, 39),
            65..=86 => (40, 49),
            87..=96 => (50, max),
            _ => (max + 1, (max + 1).max(65)),
        };
        // Keep the ordinary buckets under the preferred maximum whatever the parameters say.
        let (lo, hi) = if r < 97 {
            (lo.min(max), hi.min(max))
        } else {
            (lo, hi)
        };
        let age = if lo < hi {
            self.rng.gen_range(lo..=hi)
        } else {
            lo
        };
        age.max(self.min_age)
    }

    /// A birth date that makes the person exactly `age` on voting day.
    fn birth_date(&mut self, age: u32) -> NaiveDate {
        let back = |years: u32| {
            self.voting_day
                .checked_sub_months(Months::new(12 * years))
                .expect("date in range")
        };
        let latest = back(age);
        let earliest = back(age + 1).succ_opt().expect("date in range");
        let span = (latest - earliest).num_days();
        let birth = earliest + chrono::Duration::days(self.rng.gen_range(0..=span));
        debug_assert_eq!(age_on(birth, self.voting_day), age);
        birth
    }

    fn person(
        &mut self,
        roster: &Roster,
        kecamatan: &[KecInfo],
        kec: &KecInfo,
        sex: Sex,
    ) -> Person {
        let age = self.age();
        let mut birth = self.birth_date(age);
        let region6 = if kec.kota.len() > 1 && self.chance(NIK_OTHER_KECAMATAN) {
            // Another kecamatan of the same kota: draw among the others.
            let mut other = self.rng.gen_range(kec.kota.start..kec.kota.end - 1);
            if other >= kec.index {
                other += 1;
            }
            kecamatan[other].region6
        } else {
            kec.region6
        };
        let nik = self.unique_nik(roster, region6, &mut birth, sex);
        let name = self.name(kec.cultures, sex);
        let phone = self.chance(HAS_PHONE).then(|| self.phone());
        let screening = match self.rng.gen_range(0..1000) {
            r if r < AT_RISK => Screening::AtRisk,
            r if r < AT_RISK + NOT_SCREENED => Screening::NotScreened,
            _ => Screening::NotAtRisk,
        };
        let jkn = !self.chance(NO_JKN);
        Person {
            name: name.into(),
            nik,
            birth_date: birth,
            sex,
            phone: phone.map(Into::into),
            screening,
            jkn,
        }
    }

    /// A NIK not yet in the roster: bumps the serial on collision; if every serial of that
    /// birth date is taken (only in absurdly large kecamatan), draws another date, same age.
    fn unique_nik(
        &mut self,
        roster: &Roster,
        region6: u32,
        birth: &mut NaiveDate,
        sex: Sex,
    ) -> Nik {
        let mut serial: u16 = self.rng.gen_range(1..=999);
        loop {
            for _ in 0..9999 {
                let nik = Nik::compose(region6, *birth, sex, serial);
                if roster.locate_nik(nik).is_none() {
                    return nik;
                }
                serial = if serial >= 9999 { 1 } else { serial + 1 };
            }
            // Every serial of this date is taken: another birth date at the same age.
            let age = age_on(*birth, self.voting_day);
            *birth = self.birth_date(age);
        }
    }

    fn name(&mut self, cultures: &'static [(Culture, u32)], sex: Sex) -> String {
        let mut r = self.rng.gen_range(0..100);
        let culture = cultures
            .iter()
            .find(|&&(_, w)| {
                let hit = r < w;
                r = r.saturating_sub(w);
                hit
            })
            .map_or(Culture::General, |&(c, _)| c);
        let names = culture.names();
        let (titles, given, second) = match sex {
            Sex::L => (names.male_titles, names.male_given, names.male_second),
            Sex::P => (names.female_titles, names.female_given, names.female_second),
        };
        // Parts first, then one exactly-sized allocation: millions of these stay in memory.
        let mut parts: [&str; 4] = [""; 4];
        let mut n = 0;
        if !titles.is_empty() && self.chance(names.title_per_mille) {
            parts[n] = self.pick(titles);
            n += 1;
        }
        if sex == Sex::L && self.chance(names.muhammad_per_mille) {
            parts[n] = if self.rng.gen_bool(0.5) {
                "M."
            } else {
                "Muhammad"
            };
            n += 1;
        }
        parts[n] = self.pick(given);
        n += 1;
        if !self.chance(names.single_per_mille) {
            parts[n] = self.pick(second);
            n += 1;
        }
        let parts = &parts[..n];
        let mut name = String::with_capacity(parts.iter().map(|p| p.len()).sum::<usize>() + n - 1);
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                name.push(' ');
            }
            name.push_str(part);
        }
        name
    }

    fn phone(&mut self) -> String {
        const PREFIXES: [&str; 24] = [
            "0811", "0812", "0813", "0821", "0822", "0823", "0852", "0853", "0814", "0815", "0816",
            "0855", "0856", "0857", "0858", "0817", "0818", "0819", "0859", "0877", "0878", "0895",
            "0896", "0838",
        ];
        let mut s = String::with_capacity(12);
        s.push_str(self.pick(&PREFIXES));
        for _ in 0..8 {
            s.push(char::from(b'0' + self.rng.gen_range(0..10u8)));
        }
        s
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Culture {
    Palembang,
    Malay,
    Batak,
    Javanese,
    Sundanese,
    General,
}

/// Name cultures by province (first two code digits), weights summing to 100.
fn cultures_for(province: u32) -> &'static [(Culture, u32)] {
    use Culture::*;
    match province {
        16 => &[(Palembang, 65), (Javanese, 15), (Malay, 10), (General, 10)],
        12 => &[(Batak, 55), (Malay, 20), (Javanese, 15), (General, 10)],
        11 | 13 | 14 | 15 | 17 | 19 | 21 | 61 | 64 | 65 => {
            &[(Malay, 60), (Javanese, 15), (General, 25)]
        }
        18 => &[(Javanese, 50), (Malay, 25), (Sundanese, 10), (General, 15)],
        31 => &[
            (Javanese, 35),
            (Sundanese, 20),
            (Malay, 10),
            (Batak, 5),
            (General, 30),
        ],
        32 | 36 => &[(Sundanese, 65), (Javanese, 15), (General, 20)],
        33..=35 => &[(Javanese, 85), (General, 15)],
        _ => &[(General, 70), (Javanese, 15), (Malay, 15)],
    }
}

struct Names {
    male_titles: &'static [&'static str],
    female_titles: &'static [&'static str],
    title_per_mille: u32,
    /// Men whose name opens with `M.` or `Muhammad`.
    muhammad_per_mille: u32,
    /// People known by one name only.
    single_per_mille: u32,
    male_given: &'static [&'static str],
    male_second: &'static [&'static str],
    female_given: &'static [&'static str],
    female_second: &'static [&'static str],
}

impl Culture {
    fn names(self) -> &'static Names {
        match self {
            Culture::Palembang => &PALEMBANG,
            Culture::Malay => &MALAY,
            Culture::Batak => &BATAK,
            Culture::Javanese => &JAVANESE,
            Culture::Sundanese => &SUNDANESE,
            Culture::General => &GENERAL,
        }
    }
}

/// Palembang: the traditional titles Kemas, Kiagus, Masagus (men, written abbreviated) and
/// Nyimas, Nyayu, Masayu (women), and Palembang Malay names.
static PALEMBANG: Names = Names {
    male_titles: &["Kms.", "Kgs.", "Mgs."],
    female_titles: &["Nyimas", "Nyayu", "Masayu"],
    title_per_mille: 150,
    muhammad_per_mille: 150,
    single_per_mille: 50,
    male_given: &[
        "Ahmad",
        "Abdullah",
        "Rizki",
        "Hendra",
        "Hendri",
        "Syahrial",
        "Zulkifli",
        "Arief",
        "Yusuf",
        "Fadli",
        "Rahmat",
        "Herman",
        "Iskandar",
        "Syamsul",
        "Darmawan",
        "Irwan",
        "Joni",
        "Dedi",
        "Rudi",
        "Taufik",
        "Hasan",
        "Husin",
        "Amir",
        "Umar",
        "Zainal",
        "Hamzah",
        "Saiful",
        "Rizal",
        "Feri",
        "Riduan",
        "Ismail",
        "Nurdin",
        "Mansyur",
        "Azhari",
        "Kholid",
        "Anang",
        "Yasir",
        "Fikri",
        "Alfian",
        "Badarudin",
    ],
    male_second: &[
        "Syahputra",
        "Alamsyah",
        "Firmansyah",
        "Hidayat",
        "Saputra",
        "Pratama",
        "Kurniawan",
        "Ramadhan",
        "Effendi",
        "Hasan",
        "Husin",
        "Bakri",
        "Idris",
        "Yahya",
        "Zen",
        "Rasyid",
        "Anwar",
        "Sulaiman",
        "Maulana",
        "Fauzi",
        "Nawawi",
        "Syarifuddin",
        "Hamid",
        "Aminullah",
        "Zainuddin",
        "Abdurrahman",
    ],
    female_given: &[
        "Siti",
        "Nurhayati",
        "Nurul",
        "Aisyah",
        "Fatimah",
        "Zubaidah",
        "Rohani",
        "Rosmala",
        "Yuliana",
        "Dewi",
        "Fitri",
        "Rina",
        "Desi",
        "Maya",
        "Herlina",
        "Eliza",
        "Novita",
        "Yulia",
        "Ratna",
        "Mardiana",
        "Hartati",
        "Erlina",
        "Masnah",
        "Sukmawati",
        "Rosita",
        "Nuraini",
        "Cik Ayu",
        "Yusnani",
        "Halimah",
        "Mariana",
    ],
    female_second: &[
        "Rahmawati",
        "Fitriani",
        "Wulandari",
        "Oktaviani",
        "Sari",
        "Puspita",
        "Anggraini",
        "Lestari",
        "Yanti",
        "Handayani",
        "Ramadhani",
        "Safitri",
        "Utami",
        "Novianti",
        "Marlina",
        "Susanti",
        "Aprilia",
        "Purnamasari",
        "Zahra",
        "Amelia",
        "Febriani",
        "Komariah",
    ],
};

static MALAY: Names = Names {
    male_titles: &[],
    female_titles: &[],
    title_per_mille: 0,
    muhammad_per_mille: 150,
    single_per_mille: 60,
    male_given: &[
        "Ahmad",
        "Syahrul",
        "Zulkarnain",
        "Rizal",
        "Hendra",
        "Irwan",
        "Fauzi",
        "Yusri",
        "Azhar",
        "Zulfikar",
        "Rahmat",
        "Khairul",
        "Firdaus",
        "Hamdan",
        "Syafrizal",
        "Afrizal",
        "Jamal",
        "Zainuddin",
        "Nasrul",
        "Teuku",
        "Darwis",
        "Amiruddin",
        "Erwin",
        "Safri",
    ],
    male_second: &[
        "Syahputra",
        "Effendi",
        "Hamid",
        "Yunus",
        "Rasyid",
        "Saputra",
        "Hasan",
        "Ismail",
        "Ibrahim",
        "Arifin",
        "Harun",
        "Jamil",
        "Yusuf",
        "Malik",
        "Bakar",
        "Putra",
        "Chaniago",
        "Tanjung",
        "Koto",
        "Piliang",
    ],
    female_given: &[
        "Siti",
        "Nurhayati",
        "Fatimah",
        "Zubaidah",
        "Rosnani",
        "Yusnita",
        "Nurul",
        "Hasnah",
        "Rahmah",
        "Syafrida",
        "Asmah",
        "Nurlela",
        "Yenni",
        "Elvira",
        "Fitri",
        "Rosmiati",
        "Nuraini",
        "Misnawati",
        "Salmah",
        "Yulinar",
        "Cut",
    ],
    female_second: &[
        "Rahmawati",
        "Fitriani",
        "Hayati",
        "Zahara",
        "Andriani",
        "Novita",
        "Safitri",
        "Marlina",
        "Yanti",
        "Sari",
        "Ramadhani",
        "Aulia",
        "Wahyuni",
        "Yuliani",
        "Hasanah",
        "Amelia",
        "Susanti",
    ],
};

/// Batak: a given name and the marga (clan name), for men and women alike.
static BATAK: Names = Names {
    male_titles: &[],
    female_titles: &[],
    title_per_mille: 0,
    muhammad_per_mille: 20,
    single_per_mille: 0,
    male_given: &[
        "Hotman",
        "Parlindungan",
        "Tigor",
        "Robert",
        "Jhonny",
        "Ronald",
        "Sahat",
        "Martua",
        "Poltak",
        "Binsar",
        "Togar",
        "Marihot",
        "Daniel",
        "Samuel",
        "Yosua",
        "Andreas",
        "Roy",
        "Freddy",
        "Benny",
        "Rudolf",
        "Ahmad",
        "Ridwan",
    ],
    male_second: BATAK_MARGA,
    female_given: &[
        "Rosmawati",
        "Rumondang",
        "Tiurma",
        "Lasma",
        "Maria",
        "Ruth",
        "Debora",
        "Evi",
        "Lenny",
        "Sondang",
        "Nurhayati",
        "Mariani",
        "Rotua",
        "Hotmaida",
        "Romauli",
        "Erni",
        "Sri",
        "Yanti",
        "Dameria",
    ],
    female_second: BATAK_MARGA,
};

const BATAK_MARGA: &[&str] = &[
    "Siregar",
    "Nasution",
    "Harahap",
    "Lubis",
    "Simanjuntak",
    "Sitompul",
    "Hutapea",
    "Sinaga",
    "Pardede",
    "Panjaitan",
    "Tampubolon",
    "Manurung",
    "Sihombing",
    "Situmorang",
    "Simatupang",
    "Hutagalung",
    "Silalahi",
    "Nainggolan",
    "Sitorus",
    "Pasaribu",
    "Ginting",
    "Tarigan",
    "Sembiring",
    "Purba",
    "Saragih",
    "Damanik",
    "Hasibuan",
    "Pohan",
    "Daulay",
    "Rangkuti",
];

static JAVANESE: Names = Names {
    male_titles: &[],
    female_titles: &[],
    title_per_mille: 0,
    muhammad_per_mille: 60,
    single_per_mille: 200,
    male_given: &[
        "Budi", "Slamet", "Joko", "Wahyu", "Agus", "Bambang", "Eko", "Dwi", "Tri", "Heru", "Teguh",
        "Bayu", "Sigit", "Hadi", "Rudi", "Sugeng", "Purwanto", "Sutrisno", "Suparno", "Suyanto",
        "Widodo", "Ari", "Adi", "Catur", "Fajar", "Danang", "Anton", "Rizky",
    ],
    male_second: &[
        "Santoso",
        "Susanto",
        "Wibowo",
        "Prasetyo",
        "Setiawan",
        "Purnomo",
        "Nugroho",
        "Saputro",
        "Wijaya",
        "Hartono",
        "Kurniawan",
        "Utomo",
        "Pamungkas",
        "Hidayat",
        "Raharjo",
        "Sulistyo",
        "Suryadi",
        "Wicaksono",
        "Priyanto",
        "Handoko",
    ],
    female_given: &[
        "Sri", "Siti", "Dwi", "Tri", "Endang", "Rina", "Dewi", "Ani", "Eni", "Nur", "Tutik",
        "Wahyuni", "Ratna", "Yuni", "Retno", "Sulastri", "Suparmi", "Sumiyati", "Kartini", "Puji",
        "Indah", "Ayu", "Dian",
    ],
    female_second: &[
        "Wulandari",
        "Lestari",
        "Rahayu",
        "Handayani",
        "Susanti",
        "Wahyuni",
        "Kusumawati",
        "Purwanti",
        "Setyaningsih",
        "Rahmawati",
        "Astuti",
        "Puspitasari",
        "Utami",
        "Mulyani",
        "Widiastuti",
        "Ningsih",
        "Hidayati",
        "Yuliani",
        "Sulistyowati",
        "Pratiwi",
    ],
};

static SUNDANESE: Names = Names {
    male_titles: &[],
    female_titles: &[],
    title_per_mille: 0,
    muhammad_per_mille: 60,
    single_per_mille: 100,
    male_given: &[
        "Asep", "Ujang", "Dadang", "Cecep", "Dede", "Deden", "Yayan", "Iwan", "Ade", "Aep",
        "Jajang", "Agus", "Rahmat", "Wawan", "Dudi", "Enjang", "Usep", "Encep", "Ridwan", "Endang",
    ],
    male_second: &[
        "Sopandi",
        "Hidayat",
        "Suryana",
        "Kurniawan",
        "Permana",
        "Saputra",
        "Gunawan",
        "Sutisna",
        "Rusmana",
        "Supriatna",
        "Suherman",
        "Setiawan",
        "Mulyana",
        "Rukmana",
        "Firmansyah",
        "Nugraha",
        "Hermawan",
        "Sudrajat",
        "Kusnadi",
        "Wahyudin",
    ],
    female_given: &[
        "Euis", "Neneng", "Iis", "Yuyun", "Eneng", "Imas", "Entin", "Cucu", "Lilis", "Nining",
        "Dewi", "Siti", "Rina", "Teti", "Yeni", "Elis", "Ai", "Nani", "Wiwin", "Titin",
    ],
    female_second: &[
        "Nurjanah",
        "Rohaeni",
        "Kurniasih",
        "Rahmawati",
        "Suryani",
        "Komalasari",
        "Nurhasanah",
        "Sumiati",
        "Rosita",
        "Mulyani",
        "Setiawati",
        "Hartini",
        "Susilawati",
        "Nurlela",
        "Maryani",
        "Fitriani",
        "Apriani",
        "Wulandari",
        "Handayani",
        "Yulianti",
    ],
};

static GENERAL: Names = Names {
    male_titles: &[],
    female_titles: &[],
    title_per_mille: 0,
    muhammad_per_mille: 80,
    single_per_mille: 50,
    male_given: &[
        "Andi",
        "Rudi",
        "Dedi",
        "Hendra",
        "Ahmad",
        "Rizky",
        "Fajar",
        "Yohanes",
        "Petrus",
        "Fransiskus",
        "Yosef",
        "Arif",
        "Hasan",
        "Agus",
        "Budi",
        "Ilham",
        "Reza",
        "Dimas",
        "Aldi",
        "Irfan",
        "Yohanis",
        "Marthen",
    ],
    male_second: &[
        "Saputra",
        "Pratama",
        "Kurniawan",
        "Hidayat",
        "Setiawan",
        "Wijaya",
        "Ramadhan",
        "Nugraha",
        "Santoso",
        "Gunawan",
        "Putra",
        "Firmansyah",
        "Syahputra",
        "Rahman",
        "Halim",
        "Tanoto",
        "Lamba",
        "Rumbiak",
    ],
    female_given: &[
        "Dewi",
        "Sri",
        "Siti",
        "Nur",
        "Rina",
        "Maria",
        "Yuliana",
        "Fitri",
        "Ayu",
        "Indah",
        "Putri",
        "Ratna",
        "Novi",
        "Dian",
        "Lina",
        "Wulan",
        "Mega",
        "Eka",
        "Anisa",
        "Agustina",
        "Magdalena",
    ],
    female_second: &[
        "Lestari",
        "Wulandari",
        "Rahmawati",
        "Sari",
        "Handayani",
        "Susanti",
        "Puspitasari",
        "Anggraini",
        "Safitri",
        "Utami",
        "Kurniasari",
        "Pratiwi",
        "Oktaviani",
        "Febriani",
        "Rahayu",
        "Amelia",
        "Permata",
        "Maharani",
        "Wahyuni",
        "Ramadhani",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::region::tests::{small, spec};
    use crate::domain::NikLocation;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn birth_dates_give_the_drawn_age_even_on_a_leap_day() {
        for voting_day in [d(2024, 2, 14), d(2024, 2, 29), d(2029, 1, 1)] {
            let params = ElectionParams {
                voting_day,
                ..ElectionParams::default()
            };
            let mut g = Generator::new(&params, 7);
            for _ in 0..2000 {
                let age = g.age();
                assert!((17..=65).contains(&age), "{age}");
                assert_eq!(age_on(g.birth_date(age), voting_day), age);
            }
        }
    }

    #[test]
    fn nik_collisions_bump_the_serial_then_the_date() {
        let params = ElectionParams::default();
        let mut roster = Roster::new(small(), params.clone());
        let birth = d(1990, 5, 17);
        let holder = |serial: u16| Person {
            name: "X".into(),
            nik: Nik::compose(167101, birth, Sex::P, serial),
            birth_date: birth,
            sex: Sex::P,
            phone: None,
            screening: Screening::NotAtRisk,
            jkn: true,
        };
        for serial in 1..=9999u16 {
            let reserve = Reserve {
                rank: serial as u32,
                person: holder(serial),
                tps: None,
            };
            roster.load_reserve(KelurahanId(0), reserve);
        }
        let mut g = Generator::new(&params, 5);
        let mut b = birth;
        let nik = g.unique_nik(&roster, 167101, &mut b, Sex::P);
        assert_ne!(b, birth);
        assert_eq!(
            age_on(b, params.voting_day),
            age_on(birth, params.voting_day)
        );
        assert_eq!(nik.agrees_with(b, Sex::P), (true, true));
        assert_eq!(roster.locate_nik(nik), None);
        // A lone collision only bumps the serial: two generators draw the same serial.
        let (mut g1, mut g2) = (Generator::new(&params, 8), Generator::new(&params, 8));
        let mut b = d(1991, 1, 1);
        let first = g1.unique_nik(&roster, 167101, &mut b, Sex::L);
        let person = Person {
            nik: first,
            ..holder(1)
        };
        roster.load_reserve(
            KelurahanId(1),
            Reserve {
                rank: 1,
                person,
                tps: None,
            },
        );
        let second = g2.unique_nik(&roster, 167101, &mut b, Sex::L);
        assert_eq!(b, d(1991, 1, 1));
        assert_eq!(second.as_u64(), first.as_u64() + 1);
    }

    #[test]
    fn ages_respect_other_parameters() {
        let params = ElectionParams {
            min_age: 21,
            preferred_max_age: 50,
            ..ElectionParams::default()
        };
        let mut g = Generator::new(&params, 1);
        let ages: Vec<u32> = (0..5000).map(|_| g.age()).collect();
        assert!(ages.iter().all(|&a| (21..=65).contains(&a)));
        let over = ages.iter().filter(|&&a| a > 50).count();
        assert!((50..=300).contains(&over), "{over}");
    }

    #[test]
    fn sexes_usually_meet_the_women_target() {
        let mut g = Generator::new(&ElectionParams::default(), 3);
        let mut sexes = Vec::new();
        let mut on_target = 0;
        for _ in 0..1000 {
            g.draw_sexes(7, 3, &mut sexes);
            assert_eq!(sexes.len(), 7);
            on_target += (sexes.iter().filter(|&&s| s == Sex::P).count() >= 3) as u32;
        }
        assert!(on_target > 930, "{on_target}");
    }

    #[test]
    fn odd_codes_still_make_valid_nik_regions() {
        assert_eq!(nik_region6("16.71.04"), 167104);
        assert_eq!(nik_region6("1671041"), 167104);
        assert_eq!(nik_region6("7.1.2"), 100712);
        let n = Nik::compose(nik_region6("0.0.1"), d(1990, 1, 1), Sex::L, 1);
        assert!(Nik::parse(&n.to_string()).is_ok());
    }

    #[test]
    fn palembang_titles_go_to_the_right_sex() {
        let mut g = Generator::new(&ElectionParams::default(), 11);
        let cultures = cultures_for(16);
        let (mut men_titled, mut women_titled) = (0, 0);
        for _ in 0..2000 {
            let man = g.name(cultures, Sex::L);
            let woman = g.name(cultures, Sex::P);
            assert!(
                !["Nyimas ", "Nyayu ", "Masayu "]
                    .iter()
                    .any(|t| man.starts_with(t)),
                "{man}"
            );
            assert!(
                !["Kms. ", "Kgs. ", "Mgs. ", "M. ", "Muhammad "]
                    .iter()
                    .any(|t| woman.starts_with(t)),
                "{woman}"
            );
            men_titled += ["Kms. ", "Kgs. ", "Mgs. "]
                .iter()
                .any(|t| man.starts_with(t)) as u32;
            women_titled += ["Nyimas ", "Nyayu ", "Masayu "]
                .iter()
                .any(|t| woman.starts_with(t)) as u32;
        }
        // 65% Palembang culture × 15% titled ≈ 10%.
        assert!((100..=300).contains(&men_titled), "{men_titled}");
        assert!((100..=300).contains(&women_titled), "{women_titled}");
    }

    #[test]
    fn north_sumatra_gets_batak_marga() {
        let region = Region::build(vec![spec(
            "12.71.01",
            "Medan Kota",
            "12.71.01.1001",
            "Pasar Baru",
            &[(1, 40)],
        )])
        .unwrap();
        let roster = generate(region, ElectionParams::default(), DEFAULT_SEED);
        let names: Vec<&str> = roster
            .seats_of(TpsId(0))
            .iter()
            .chain((1..40).flat_map(|t| roster.seats_of(TpsId(t))))
            .flatten()
            .map(|h| h.person.name.as_str())
            .collect();
        let marga = names
            .iter()
            .filter(|n| BATAK_MARGA.iter().any(|m| n.ends_with(m)))
            .count();
        assert!(marga * 100 > names.len() * 40, "{marga} of {}", names.len());
        assert!(!names.iter().any(|n| n.starts_with("Kgs. ")));
    }

    #[test]
    fn small_tree_with_other_parameters() {
        let params = ElectionParams {
            seats_per_tps: 5,
            min_age: 21,
            ..ElectionParams::default()
        };
        let roster = generate(small(), params.clone(), 9);
        assert!(roster.demo);
        assert_eq!(roster.total().seats, 9 * 5);
        for k in 0..roster.region.kelurahan.len() as u32 {
            let kel = KelurahanId(k);
            let reserves = roster.reserves(kel);
            assert_eq!(
                reserves.iter().map(|r| r.rank).collect::<Vec<_>>(),
                (1..=2).collect::<Vec<_>>()
            );
            for r in reserves {
                assert!(r.person.age_on(params.voting_day) >= 21);
                assert_eq!(
                    roster.locate_nik(r.person.nik),
                    Some(NikLocation::Reserve {
                        kelurahan: kel,
                        rank: r.rank
                    })
                );
                if let Some(t) = r.tps {
                    assert_eq!(roster.region.kelurahan_of(t), kel);
                }
            }
        }
        for t in roster.region.tps_ids() {
            for h in roster.seats_of(t).iter().flatten() {
                assert!(h.person.age_on(params.voting_day) >= 21);
                let kec = &roster.region.kecamatan(roster.region.kecamatan_of(t)).code;
                // Two kecamatan in one kota: the NIK is from one of them.
                assert_eq!(h.person.nik.region() / 100, code_digits(kec) as u32 / 100);
            }
        }
    }
}
