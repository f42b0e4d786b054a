//! The region tree: kecamatan → kelurahan → TPS, addressed by Kemendagri codes.
//!
//! Stored flat (three vectors, children contiguous under their parent) so that a national
//! tree of 820,161 TPS is three allocations and every id is an index.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct KecamatanId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct KelurahanId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TpsId(pub u32);

/// One kelurahan as a region file describes it; the unit stored and imported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KelurahanSpec {
    pub kecamatan_code: String,
    pub kecamatan: String,
    pub code: String,
    pub name: String,
    /// Inclusive ranges of TPS numbers, e.g. `[(1, 58), (901, 905)]`.
    pub tps_ranges: Vec<(u16, u16)>,
}

#[derive(Clone, Debug)]
pub struct Kecamatan {
    pub code: String,
    pub name: String,
    pub kelurahan: Range<u32>,
}

#[derive(Clone, Debug)]
pub struct Kelurahan {
    pub code: String,
    pub name: String,
    pub kecamatan: KecamatanId,
    pub tps: Range<u32>,
}

#[derive(Clone, Copy, Debug)]
pub struct Tps {
    pub kelurahan: KelurahanId,
    pub number: u16,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegionError {
    DuplicateKelurahan(String),
    KecamatanNameConflict {
        code: String,
        first: String,
        second: String,
    },
    KelurahanOutsideKecamatan {
        kelurahan: String,
        kecamatan: String,
    },
    DuplicateTps {
        kelurahan: String,
        number: u16,
    },
    NoTps(String),
    Empty,
}

#[derive(Clone, Debug)]
pub struct Region {
    pub kecamatan: Vec<Kecamatan>,
    pub kelurahan: Vec<Kelurahan>,
    pub tps: Vec<Tps>,
    kelurahan_by_code: HashMap<String, KelurahanId>,
    /// 4-digit kabupaten/kota codes present (e.g. 1671), for "NIK issued outside the area".
    kabkota: Vec<u32>,
}

/// A TPS address as written by people and scripts: `16.71.08.1002/12`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TpsAddress {
    pub kelurahan_code: String,
    pub number: u16,
}

impl TpsAddress {
    /// Accepts the dotted Kemendagri code or KPU's undotted 10 digits before the slash.
    pub fn parse(s: &str) -> Option<TpsAddress> {
        let (code, num) = s.trim().split_once('/')?;
        let number: u16 = num.trim().parse().ok()?;
        Some(TpsAddress {
            kelurahan_code: normalize_code(code.trim())?,
            number,
        })
    }
}

impl fmt::Display for TpsAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kelurahan_code, self.number)
    }
}

/// `1671081002` → `16.71.08.1002`; dotted codes pass through. None if neither shape.
pub fn normalize_code(code: &str) -> Option<String> {
    let digits_only = code.bytes().all(|b| b.is_ascii_digit());
    if digits_only && code.len() == 10 {
        return Some(format!(
            "{}.{}.{}.{}",
            &code[..2],
            &code[2..4],
            &code[4..6],
            &code[6..]
        ));
    }
    if digits_only && code.len() == 6 {
        return Some(format!("{}.{}.{}", &code[..2], &code[2..4], &code[4..]));
    }
    let ok = !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    ok.then(|| code.to_string())
}

/// Digits of a code as a number: `16.71.08` → 167108.
pub fn code_digits(code: &str) -> u64 {
    code.bytes()
        .filter(u8::is_ascii_digit)
        .fold(0u64, |acc, b| acc * 10 + (b - b'0') as u64)
}

impl Region {
    /// Builds the tree from kelurahan specs in any order; sorts by code.
    pub fn build(mut specs: Vec<KelurahanSpec>) -> Result<Region, RegionError> {
        if specs.is_empty() {
            return Err(RegionError::Empty);
        }
        specs.sort_by(|a, b| (&a.kecamatan_code, &a.code).cmp(&(&b.kecamatan_code, &b.code)));
        let mut region = Region {
            kecamatan: Vec::new(),
            kelurahan: Vec::with_capacity(specs.len()),
            tps: Vec::new(),
            kelurahan_by_code: HashMap::with_capacity(specs.len()),
            kabkota: Vec::new(),
        };
        for spec in specs {
            if !spec.code.starts_with(&format!("{}.", spec.kecamatan_code)) {
                return Err(RegionError::KelurahanOutsideKecamatan {
                    kelurahan: spec.code,
                    kecamatan: spec.kecamatan_code,
                });
            }
            let kel_id = KelurahanId(region.kelurahan.len() as u32);
            if region
                .kelurahan_by_code
                .insert(spec.code.clone(), kel_id)
                .is_some()
            {
                return Err(RegionError::DuplicateKelurahan(spec.code));
            }
            let new_kecamatan = region
                .kecamatan
                .last()
                .is_none_or(|k| k.code != spec.kecamatan_code);
            if new_kecamatan {
                region.kecamatan.push(Kecamatan {
                    code: spec.kecamatan_code.clone(),
                    name: spec.kecamatan.clone(),
                    kelurahan: kel_id.0..kel_id.0,
                });
            }
            let kec_idx = region.kecamatan.len() - 1;
            let kec = &mut region.kecamatan[kec_idx];
            if kec.name != spec.kecamatan {
                return Err(RegionError::KecamatanNameConflict {
                    code: kec.code.clone(),
                    first: kec.name.clone(),
                    second: spec.kecamatan,
                });
            }
            kec.kelurahan.end = kel_id.0 + 1;
            let mut numbers: Vec<u16> = spec.tps_ranges.iter().flat_map(|&(a, b)| a..=b).collect();
            numbers.sort_unstable();
            if let Some(w) = numbers.windows(2).find(|w| w[0] == w[1]) {
                return Err(RegionError::DuplicateTps {
                    kelurahan: spec.code,
                    number: w[0],
                });
            }
            if numbers.is_empty() {
                return Err(RegionError::NoTps(spec.code));
            }
            let start = region.tps.len() as u32;
            region.tps.extend(numbers.into_iter().map(|number| Tps {
                kelurahan: kel_id,
                number,
            }));
            let kabkota = (code_digits(&spec.kecamatan_code) / 100) as u32;
            if region.kabkota.last() != Some(&kabkota) && !region.kabkota.contains(&kabkota) {
                region.kabkota.push(kabkota);
            }
            region.kelurahan.push(Kelurahan {
                code: spec.code,
                name: spec.name,
                kecamatan: KecamatanId(kec_idx as u32),
                tps: start..region.tps.len() as u32,
            });
        }
        region.kabkota.sort_unstable();
        Ok(region)
    }

    /// The specs this region was built from (what the store keeps).
    pub fn to_specs(&self) -> Vec<KelurahanSpec> {
        self.kelurahan
            .iter()
            .map(|kel| {
                let kec = &self.kecamatan[kel.kecamatan.0 as usize];
                let mut ranges: Vec<(u16, u16)> = Vec::new();
                for t in kel.tps.clone() {
                    let n = self.tps[t as usize].number;
                    match ranges.last_mut() {
                        Some((_, end)) if *end + 1 == n => *end = n,
                        _ => ranges.push((n, n)),
                    }
                }
                KelurahanSpec {
                    kecamatan_code: kec.code.clone(),
                    kecamatan: kec.name.clone(),
                    code: kel.code.clone(),
                    name: kel.name.clone(),
                    tps_ranges: ranges,
                }
            })
            .collect()
    }

    pub fn kecamatan(&self, id: KecamatanId) -> &Kecamatan {
        &self.kecamatan[id.0 as usize]
    }

    pub fn kelurahan(&self, id: KelurahanId) -> &Kelurahan {
        &self.kelurahan[id.0 as usize]
    }

    pub fn tps(&self, id: TpsId) -> &Tps {
        &self.tps[id.0 as usize]
    }

    pub fn kelurahan_of(&self, tps: TpsId) -> KelurahanId {
        self.tps(tps).kelurahan
    }

    pub fn kecamatan_of(&self, tps: TpsId) -> KecamatanId {
        self.kelurahan(self.kelurahan_of(tps)).kecamatan
    }

    pub fn kelurahan_by_code(&self, code: &str) -> Option<KelurahanId> {
        self.kelurahan_by_code.get(code).copied()
    }

    pub fn kecamatan_by_code(&self, code: &str) -> Option<KecamatanId> {
        self.kecamatan
            .binary_search_by(|k| k.code.as_str().cmp(code))
            .ok()
            .map(|i| KecamatanId(i as u32))
    }

    pub fn tps_in(&self, kel: KelurahanId, number: u16) -> Option<TpsId> {
        let range = self.kelurahan(kel).tps.clone();
        let slice = &self.tps[range.start as usize..range.end as usize];
        slice
            .binary_search_by_key(&number, |t| t.number)
            .ok()
            .map(|i| TpsId(range.start + i as u32))
    }

    pub fn find_tps(&self, addr: &TpsAddress) -> Option<TpsId> {
        self.tps_in(self.kelurahan_by_code(&addr.kelurahan_code)?, addr.number)
    }

    pub fn address(&self, tps: TpsId) -> TpsAddress {
        let t = self.tps(tps);
        TpsAddress {
            kelurahan_code: self.kelurahan(t.kelurahan).code.clone(),
            number: t.number,
        }
    }

    /// Whether a NIK region (6 digits) was issued inside a kabupaten/kota of this tree.
    pub fn issues_nik_region(&self, nik_region: u32) -> bool {
        self.kabkota.binary_search(&(nik_region / 100)).is_ok()
    }

    pub fn tps_ids(&self) -> impl Iterator<Item = TpsId> + '_ {
        (0..self.tps.len() as u32).map(TpsId)
    }

    /// Resolves a kecamatan by code or name (case-insensitive; unique substring accepted).
    pub fn resolve_kecamatan(&self, query: &str) -> Result<KecamatanId, Lookup> {
        if let Some(id) = normalize_code(query.trim()).and_then(|c| self.kecamatan_by_code(&c)) {
            return Ok(id);
        }
        resolve_by_name(
            query,
            self.kecamatan
                .iter()
                .enumerate()
                .map(|(i, k)| (i, k.name.as_str())),
        )
        .map(|i| KecamatanId(i as u32))
        .map_err(|ids| {
            self.lookup_error(
                query,
                ids,
                |i| self.kecamatan[i].code.clone(),
                |i| self.kecamatan[i].name.clone(),
            )
        })
    }

    /// Resolves a kelurahan by code or name, optionally inside one kecamatan.
    pub fn resolve_kelurahan(
        &self,
        query: &str,
        within: Option<KecamatanId>,
    ) -> Result<KelurahanId, Lookup> {
        if let Some(id) = normalize_code(query.trim()).and_then(|c| self.kelurahan_by_code(&c)) {
            if within.is_none_or(|k| self.kelurahan(id).kecamatan == k) {
                return Ok(id);
            }
        }
        let range = match within {
            Some(k) => self.kecamatan(k).kelurahan.clone(),
            None => 0..self.kelurahan.len() as u32,
        };
        let names = range.map(|i| (i as usize, self.kelurahan[i as usize].name.as_str()));
        resolve_by_name(query, names)
            .map(|i| KelurahanId(i as u32))
            .map_err(|ids| {
                self.lookup_error(
                    query,
                    ids,
                    |i| self.kelurahan[i].code.clone(),
                    |i| {
                        let kel = &self.kelurahan[i];
                        format!(
                            "{} ({})",
                            kel.name, self.kecamatan[kel.kecamatan.0 as usize].name
                        )
                    },
                )
            })
    }

    fn lookup_error(
        &self,
        query: &str,
        ids: Vec<usize>,
        code: impl Fn(usize) -> String,
        name: impl Fn(usize) -> String,
    ) -> Lookup {
        let candidates = ids
            .into_iter()
            .map(|i| (code(i), name(i)))
            .collect::<Vec<_>>();
        if candidates.is_empty() {
            Lookup::Unknown(query.to_string())
        } else {
            Lookup::Ambiguous(query.to_string(), candidates)
        }
    }
}

/// A name that did not resolve to exactly one place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    Unknown(String),
    /// The query and the (code, name) candidates it matched.
    Ambiguous(String, Vec<(String, String)>),
}

/// Exact case-insensitive match wins; else a unique substring match; else the candidates.
fn resolve_by_name<'a>(
    query: &str,
    names: impl Iterator<Item = (usize, &'a str)>,
) -> Result<usize, Vec<usize>> {
    let q = query.trim().to_lowercase();
    let mut exact = Vec::new();
    let mut partial = Vec::new();
    for (i, name) in names {
        let n = name.to_lowercase();
        if n == q {
            exact.push(i);
        } else if n.contains(&q) {
            partial.push(i);
        }
    }
    match (exact.len(), partial.len()) {
        (1, _) => Ok(exact[0]),
        (0, 1) => Ok(partial[0]),
        (0, _) => Err(partial),
        _ => Err(exact),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn spec(
        kec: &str,
        kec_name: &str,
        code: &str,
        name: &str,
        ranges: &[(u16, u16)],
    ) -> KelurahanSpec {
        KelurahanSpec {
            kecamatan_code: kec.into(),
            kecamatan: kec_name.into(),
            code: code.into(),
            name: name.into(),
            tps_ranges: ranges.to_vec(),
        }
    }

    pub fn small() -> Region {
        Region::build(vec![
            spec("16.71.02", "Sako", "16.71.02.1002", "Sako Baru", &[(1, 3)]),
            spec(
                "16.71.01",
                "Ilir Barat II",
                "16.71.01.1001",
                "35 Ilir",
                &[(1, 2), (901, 901)],
            ),
            spec(
                "16.71.01",
                "Ilir Barat II",
                "16.71.01.1002",
                "32 Ilir",
                &[(1, 1)],
            ),
            spec("16.71.02", "Sako", "16.71.02.1001", "Sako", &[(1, 2)]),
        ])
        .unwrap()
    }

    #[test]
    fn builds_sorted_contiguous_tree() {
        let r = small();
        assert_eq!(r.kecamatan.len(), 2);
        assert_eq!(r.kecamatan[0].code, "16.71.01");
        assert_eq!(r.kelurahan[0].code, "16.71.01.1001");
        assert_eq!(r.tps.len(), 9);
        let kel = r.kelurahan_by_code("16.71.01.1001").unwrap();
        let numbers: Vec<u16> = r
            .kelurahan(kel)
            .tps
            .clone()
            .map(|t| r.tps[t as usize].number)
            .collect();
        assert_eq!(numbers, vec![1, 2, 901]);
        let t = r
            .find_tps(&TpsAddress::parse("1671011001/901").unwrap())
            .unwrap();
        assert_eq!(r.address(t).to_string(), "16.71.01.1001/901");
        assert!(r
            .find_tps(&TpsAddress::parse("16.71.01.1001/3").unwrap())
            .is_none());
        assert_eq!(Region::build(r.to_specs()).unwrap().tps.len(), 9);
        assert_eq!(r.to_specs()[0].tps_ranges, vec![(1, 2), (901, 901)]);
    }

    #[test]
    fn rejects_inconsistent_trees() {
        let dup = Region::build(vec![
            spec("16.71.01", "A", "16.71.01.1001", "X", &[(1, 2)]),
            spec("16.71.01", "A", "16.71.01.1001", "Y", &[(1, 2)]),
        ]);
        assert!(matches!(dup, Err(RegionError::DuplicateKelurahan(_))));
        let outside = Region::build(vec![spec("16.71.01", "A", "16.71.02.1001", "X", &[(1, 2)])]);
        assert!(matches!(
            outside,
            Err(RegionError::KelurahanOutsideKecamatan { .. })
        ));
        let overlap = Region::build(vec![spec(
            "16.71.01",
            "A",
            "16.71.01.1001",
            "X",
            &[(1, 5), (5, 6)],
        )]);
        assert!(matches!(
            overlap,
            Err(RegionError::DuplicateTps { number: 5, .. })
        ));
    }

    #[test]
    fn resolves_names_and_codes() {
        let r = small();
        assert_eq!(r.resolve_kecamatan("sako"), Ok(KecamatanId(1)));
        assert_eq!(r.resolve_kecamatan("16.71.01"), Ok(KecamatanId(0)));
        assert_eq!(r.resolve_kecamatan("ilir"), Ok(KecamatanId(0)));
        assert!(matches!(
            r.resolve_kecamatan("nowhere"),
            Err(Lookup::Unknown(_))
        ));
        // "Sako" exactly matches one kelurahan even though "Sako Baru" contains it.
        assert_eq!(r.resolve_kelurahan("SAKO", None), Ok(KelurahanId(2)));
        match r.resolve_kelurahan("ilir", None) {
            Err(Lookup::Ambiguous(_, c)) => assert_eq!(c.len(), 2),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            r.resolve_kelurahan("32", Some(KecamatanId(0))),
            Ok(KelurahanId(1))
        );
        assert!(r.issues_nik_region(167104));
        assert!(!r.issues_nik_region(320104));
    }
}
