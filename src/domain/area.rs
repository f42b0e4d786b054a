//! The area a region tree (or a part of it) covers, named the way people say it ("Kota
//! Palembang"), and the time zone its clocks show.
//!
//! Region files name kecamatan and kelurahan only; the province and kabupaten/kota are the
//! first two parts of every code (`16.71.08` is in `16` Sumatera Selatan, `16.71` Kota
//! Palembang). Their names come from a table of the 38 provinces and 514 kabupaten/kota
//! (Kepmendagri No. 100.1.1-6117 Tahun 2022 codes, as listed by the dataset
//! `fityannugroho/idn-area-data`, `data/provinces.csv` and `data/regencies.csv`, written in
//! title case): `assets/provinsi-kabupaten-kota.csv`. That dataset's data is under the Open
//! Database License, not the project's MIT licence: see `assets/README.md`. Its codes are exactly the 514
//! kabupaten/kota of the national 2024 region file. A code missing from the table is shown
//! as the code itself (`Kabupaten/Kota 16.99`), never guessed.

use std::ops::Range;

use super::gaps::Scope;
use super::region::{code_digits, Kecamatan, KecamatanId, Region};

/// `kode,nama`: provinces (`16`) and kabupaten/kota (`16.71`), in code order.
pub const NAMES_CSV: &str = include_str!("../../assets/provinsi-kabupaten-kota.csv");

/// Indonesia's three civil time zones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeZone {
    /// Waktu Indonesia Barat, UTC+7 (Sumatra, Java, West and Central Kalimantan).
    Wib,
    /// Waktu Indonesia Tengah, UTC+8 (Bali, Nusa Tenggara, South/East/North Kalimantan,
    /// Sulawesi).
    Wita,
    /// Waktu Indonesia Timur, UTC+9 (Maluku, Papua).
    Wit,
}

impl TimeZone {
    /// The zone of a province by its two-digit code: WITA for 51–53, 63–65 and 71–76, WIT for
    /// 81–82 and 91–97, WIB for the rest.
    pub fn of_province(code: u32) -> TimeZone {
        match code {
            51..=53 | 63..=65 | 71..=76 => TimeZone::Wita,
            81..=82 | 91..=97 => TimeZone::Wit,
            _ => TimeZone::Wib,
        }
    }

    pub fn utc_offset_hours(self) -> i32 {
        match self {
            TimeZone::Wib => 7,
            TimeZone::Wita => 8,
            TimeZone::Wit => 9,
        }
    }

    /// `WIB`, `WITA`, `WIT`: the same in both languages.
    pub fn abbreviation(self) -> &'static str {
        match self {
            TimeZone::Wib => "WIB",
            TimeZone::Wita => "WITA",
            TimeZone::Wit => "WIT",
        }
    }
}

/// How much of the country an area is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AreaLevel {
    /// One kabupaten or kota (the usual store: one KPU Kabupaten/Kota office).
    KabupatenKota,
    /// Several kabupaten/kota of one province.
    Provinsi,
    /// Several provinces.
    Nasional,
}

/// The named area of a region tree or a scope of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Area {
    /// `Kota Palembang`, `Provinsi Sumatera Selatan`, `Indonesia`.
    pub name: String,
    pub level: AreaLevel,
    /// The zone of the area's province; an area spanning several zones reads WIB, the time
    /// of Jakarta where KPU RI sits.
    pub time_zone: TimeZone,
}

/// The name of a province (`"16"`) or kabupaten/kota (`"16.71"`) code, if the table has it.
pub fn name_of(code: &str) -> Option<&'static str> {
    NAMES_CSV
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .find(|(c, _)| *c == code)
        .map(|(_, name)| name)
}

/// `1671` → `16.71`.
fn kabkota_code(kabkota: u32) -> String {
    format!("{:02}.{:02}", kabkota / 100, kabkota % 100)
}

impl Area {
    /// The area `scope` covers in `region`: the kabupaten/kota when it lies in one, else the
    /// province when it lies in one, else Indonesia.
    pub fn of(region: &Region, scope: Scope) -> Area {
        // 4-digit kabupaten/kota codes of the kecamatan in scope (kecamatan are sorted by
        // code, so equal codes are adjacent).
        let kabkota = |kec: &str| (code_digits(kec) / 100) as u32;
        let mut codes: Vec<u32> = match scope {
            Scope::All => region.kecamatan.iter().map(|k| kabkota(&k.code)).collect(),
            Scope::Kecamatan(k) => vec![kabkota(&region.kecamatan(k).code)],
            Scope::Kelurahan(k) => {
                let kec = region.kelurahan(k).kecamatan;
                vec![kabkota(&region.kecamatan(kec).code)]
            }
        };
        codes.dedup();
        let mut provinces: Vec<u32> = codes.iter().map(|c| c / 100).collect();
        provinces.dedup();
        let mut zones: Vec<TimeZone> = provinces
            .iter()
            .map(|&p| TimeZone::of_province(p))
            .collect();
        zones.sort_by_key(|z| z.utc_offset_hours());
        zones.dedup();
        let time_zone = match zones.as_slice() {
            [one] => *one,
            _ => TimeZone::Wib,
        };
        match (codes.as_slice(), provinces.as_slice()) {
            ([one], _) => {
                let code = kabkota_code(*one);
                let name = name_of(&code)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("Kabupaten/Kota {code}"));
                Area {
                    name,
                    level: AreaLevel::KabupatenKota,
                    time_zone,
                }
            }
            (_, [province]) => {
                let code = format!("{province:02}");
                let name = name_of(&code).unwrap_or(&code);
                Area {
                    name: format!("Provinsi {name}"),
                    level: AreaLevel::Provinsi,
                    time_zone,
                }
            }
            _ => Area {
                name: "Indonesia".into(),
                level: AreaLevel::Nasional,
                time_zone,
            },
        }
    }
}

/// One kabupaten/kota of a region tree: its name and the kelurahan and TPS ids it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KabupatenKota {
    /// `Kota Palembang` (as `Area` names it).
    pub name: String,
    pub kelurahan: Range<u32>,
    pub tps: Range<u32>,
}

/// The kabupaten/kota of a region tree, in tree order. Kecamatan sort by code, so those of
/// one kabupaten/kota are adjacent, and so are their kelurahan and TPS.
pub fn kabupaten_kota(region: &Region) -> Vec<KabupatenKota> {
    let kabkota = |kec: &Kecamatan| code_digits(&kec.code) / 100;
    let mut out: Vec<KabupatenKota> = Vec::new();
    let mut last = None;
    for (i, kec) in region.kecamatan.iter().enumerate() {
        // A kecamatan holds at least one kelurahan, and a kelurahan at least one TPS.
        let kelurahan = kec.kelurahan.clone();
        let tps = region.kelurahan[kelurahan.start as usize].tps.start
            ..region.kelurahan[kelurahan.end as usize - 1].tps.end;
        match out.last_mut() {
            Some(group) if last == Some(kabkota(kec)) => {
                group.kelurahan.end = kelurahan.end;
                group.tps.end = tps.end;
            }
            _ => out.push(KabupatenKota {
                name: Area::of(region, Scope::Kecamatan(KecamatanId(i as u32))).name,
                kelurahan,
                tps,
            }),
        }
        last = Some(kabkota(kec));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::region::tests::spec;
    use crate::domain::{KecamatanId, KelurahanId};

    #[test]
    fn zones_by_province_code() {
        let zone = |p| TimeZone::of_province(p).abbreviation();
        for p in [11, 16, 31, 36, 61, 62] {
            assert_eq!(zone(p), "WIB", "{p}");
        }
        for p in [51, 52, 53, 63, 64, 65, 71, 73, 76] {
            assert_eq!(zone(p), "WITA", "{p}");
        }
        for p in [81, 82, 91, 94, 96, 97] {
            assert_eq!(zone(p), "WIT", "{p}");
        }
    }

    #[test]
    fn the_table_names_every_province_and_kabupaten_kota() {
        let rows: Vec<&str> = NAMES_CSV.lines().skip(1).collect();
        assert_eq!(rows.iter().filter(|r| r.as_bytes()[2] == b',').count(), 38);
        assert_eq!(rows.iter().filter(|r| r.as_bytes()[2] == b'.').count(), 514);
        assert_eq!(name_of("16.71"), Some("Kota Palembang"));
        assert_eq!(name_of("16"), Some("Sumatera Selatan"));
        assert_eq!(name_of("73.10"), Some("Kabupaten Pangkajene dan Kepulauan"));
        assert_eq!(name_of("16.99"), None);
    }

    #[test]
    fn one_kabupaten_kota_one_province_or_the_country() {
        let palembang = crate::domain::region::tests::small();
        let area = Area::of(&palembang, Scope::All);
        assert_eq!(area.name, "Kota Palembang");
        assert_eq!(area.level, AreaLevel::KabupatenKota);
        assert_eq!(area.time_zone, TimeZone::Wib);
        // A scope inside it names the same kota.
        assert_eq!(
            Area::of(&palembang, Scope::Kelurahan(KelurahanId(3))).name,
            "Kota Palembang"
        );

        let province = Region::build(vec![
            spec(
                "16.71.01",
                "Ilir Barat II",
                "16.71.01.1001",
                "35 Ilir",
                &[(1, 2)],
            ),
            spec(
                "16.72.01",
                "Dempo Utara",
                "16.72.01.1001",
                "Jangkar Mas",
                &[(1, 2)],
            ),
        ])
        .unwrap();
        let area = Area::of(&province, Scope::All);
        assert_eq!(area.name, "Provinsi Sumatera Selatan");
        assert_eq!(area.level, AreaLevel::Provinsi);
        assert_eq!(
            Area::of(&province, Scope::Kecamatan(KecamatanId(1))).name,
            "Kota Pagar Alam"
        );

        let country = Region::build(vec![
            spec(
                "16.71.01",
                "Ilir Barat II",
                "16.71.01.1001",
                "35 Ilir",
                &[(1, 2)],
            ),
            spec(
                "73.71.01",
                "Mariso",
                "73.71.01.1001",
                "Bontorannu",
                &[(1, 2)],
            ),
            spec("94.01.01", "Nabire", "94.01.01.1001", "Oyehe", &[(1, 2)]),
        ])
        .unwrap();
        let area = Area::of(&country, Scope::All);
        assert_eq!(area.name, "Indonesia");
        assert_eq!(area.time_zone, TimeZone::Wib);
        // Narrowed to Makassar or Nabire, the local zone.
        let makassar = Area::of(&country, Scope::Kecamatan(KecamatanId(1)));
        assert_eq!(
            (makassar.name.as_str(), makassar.time_zone),
            ("Kota Makassar", TimeZone::Wita)
        );
        let nabire = Area::of(&country, Scope::Kelurahan(KelurahanId(2)));
        assert_eq!(
            (nabire.name.as_str(), nabire.time_zone),
            ("Kabupaten Nabire", TimeZone::Wit)
        );

        let unknown =
            Region::build(vec![spec("16.99.01", "X", "16.99.01.1001", "Y", &[(1, 1)])]).unwrap();
        assert_eq!(Area::of(&unknown, Scope::All).name, "Kabupaten/Kota 16.99");
    }

    #[test]
    fn a_tree_splits_into_its_kabupaten_kota() {
        let palembang = crate::domain::region::tests::small();
        assert_eq!(
            kabupaten_kota(&palembang),
            vec![KabupatenKota {
                name: "Kota Palembang".into(),
                kelurahan: 0..palembang.kelurahan.len() as u32,
                tps: 0..palembang.tps.len() as u32,
            }]
        );
        let two = Region::build(vec![
            spec("16.71.01", "A", "16.71.01.1001", "A1", &[(1, 2)]),
            spec("16.71.02", "B", "16.71.02.1001", "B1", &[(1, 3)]),
            spec("16.71.02", "B", "16.71.02.1002", "B2", &[(1, 1)]),
            spec("16.72.01", "C", "16.72.01.1001", "C1", &[(1, 4)]),
        ])
        .unwrap();
        assert_eq!(
            kabupaten_kota(&two),
            vec![
                KabupatenKota {
                    name: "Kota Palembang".into(),
                    kelurahan: 0..3,
                    tps: 0..6,
                },
                KabupatenKota {
                    name: "Kota Pagar Alam".into(),
                    kelurahan: 3..4,
                    tps: 6..10,
                },
            ]
        );
    }
}
