//! The `/` search: places (kecamatan, kelurahan, TPS addresses, kelurahan codes dotted or
//! not) and officers (by name, or by NIK digits).
//!
//! A national roster holds 5.7 million seats: lower-casing every name on every key took
//! 1.45 s. Officers are found instead in a [`NameIndex`]: every seat's lower-cased name in one
//! byte string (and, once a digit query is made, every NIK in another), scanned with
//! `memchr::memmem`. The index is built on the first search and kept current cheaply: a
//! change marks its TPS, and marked TPS are searched directly (and their indexed hits
//! checked against the live roster) until there are enough of them to rebuild.

use std::collections::BTreeSet;

use memchr::memmem;

use super::app::{Hit, Node, MAX_HITS};
use crate::domain::region::normalize_code;
use crate::domain::{Event, KecamatanId, KelurahanId, Roster, TpsAddress, TpsId};

/// Changed TPS searched directly before the index is rebuilt instead.
const REBUILD_AFTER: usize = 2_000;

/// Seats' lower-cased names (or NIK digits) end to end, entry `i` being seat slot `i`.
struct Blob {
    text: Vec<u8>,
    /// Where each slot's entry starts; one more than the slots, for the end of the last.
    starts: Vec<u32>,
}

impl Blob {
    fn build(roster: &Roster, nik: bool) -> Blob {
        let spt = roster.seats_per_tps() as usize;
        let mut text = Vec::new();
        let mut starts = Vec::with_capacity(roster.region.tps.len() * spt + 1);
        for t in roster.region.tps_ids() {
            for seat in roster.seats_of(t) {
                starts.push(text.len() as u32);
                if let Some(h) = seat {
                    if nik {
                        text.extend_from_slice(h.person.nik.to_string().as_bytes());
                    } else if h.person.name.is_ascii() {
                        text.extend(h.person.name.bytes().map(|b| b.to_ascii_lowercase()));
                    } else {
                        text.extend_from_slice(h.person.name.to_lowercase().as_bytes());
                    }
                }
                // A separator no query contains, so a match never spans two seats.
                text.push(0);
            }
        }
        starts.push(text.len() as u32);
        Blob { text, starts }
    }

    /// Slots whose entry contains `needle`, in slot order.
    fn slots<'a>(&'a self, needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
        let mut last = usize::MAX;
        memmem::find_iter(&self.text, needle).filter_map(move |at| {
            let slot = self.starts.partition_point(|&s| s as usize <= at) - 1;
            (slot != last).then(|| {
                last = slot;
                slot
            })
        })
    }
}

/// Officer names and NIKs, for search; see the module comment.
#[derive(Default)]
pub struct NameIndex {
    names: Option<Blob>,
    niks: Option<Blob>,
    /// TPS changed since the blobs were built.
    changed: BTreeSet<TpsId>,
}

impl NameIndex {
    /// Notes a change to the roster (applied already).
    pub fn touch(&mut self, event: &Event) {
        match event.tps() {
            Some(t) => {
                self.changed.insert(t);
                if self.changed.len() > REBUILD_AFTER {
                    self.invalidate();
                }
            }
            None => self.invalidate(),
        }
    }

    /// The roster was replaced or changed wholesale (a reconnect, an import).
    pub fn invalidate(&mut self) {
        *self = NameIndex::default();
    }

    /// Seat slots of officers matching `q` (lower-cased): indexed ones still holding what
    /// matched, then the changed TPS scanned directly. At most `limit`.
    fn officers(&mut self, roster: &Roster, q: &str, nik: bool, limit: usize) -> Vec<(TpsId, u8)> {
        let spt = roster.seats_per_tps() as usize;
        let blob = if nik { &mut self.niks } else { &mut self.names };
        let blob = blob.get_or_insert_with(|| Blob::build(roster, nik));
        let matches = |t: TpsId, seat: u8| {
            roster.seat(t, seat).is_some_and(|h| {
                if nik {
                    h.person.nik.to_string().contains(q)
                } else {
                    h.person.name.to_lowercase().contains(q)
                }
            })
        };
        // The changed TPS as they are now, merged in tree order with the indexed hits.
        let mut fresh = Vec::new();
        for &t in &self.changed {
            for seat in 1..=spt as u8 {
                if matches(t, seat) {
                    fresh.push((t, seat));
                }
            }
        }
        let mut fresh = fresh.into_iter().peekable();
        let mut out = Vec::new();
        for slot in blob.slots(q.as_bytes()) {
            let hit = (TpsId((slot / spt) as u32), (slot % spt) as u8 + 1);
            if self.changed.contains(&hit.0) {
                continue; // as it was when indexed; `fresh` has it as it is
            }
            while let Some(earlier) = fresh.next_if(|f| *f < hit) {
                out.push(earlier);
            }
            out.push(hit);
            if out.len() >= limit {
                break;
            }
        }
        out.extend(fresh);
        out.truncate(limit);
        out
    }
}

/// Places and officers matching `query` (case-insensitive), at most `MAX_HITS`.
pub fn search(roster: &Roster, index: &mut NameIndex, query: &str) -> Vec<Hit> {
    let q = query.trim().to_lowercase();
    let mut hits = Vec::new();
    if q.is_empty() {
        return hits;
    }
    let region = &roster.region;
    let kel_label = |k: KelurahanId| {
        let kel = region.kelurahan(k);
        format!("{} · {}", kel.name, region.kecamatan(kel.kecamatan).name)
    };
    // An exact TPS address first.
    if let Some(t) = TpsAddress::parse(&q).and_then(|a| region.find_tps(&a)) {
        let k = region.kelurahan_of(t);
        hits.push(Hit {
            node: Node::Tps(t),
            seat: None,
            label: format!("TPS {} · {}", region.tps(t).number, kel_label(k)),
        });
    }
    // Codes as the KPU writes them, dotted or not (`1671081002`).
    let code = normalize_code(&q).unwrap_or_else(|| q.clone());
    // "sako 12": a place name followed by a TPS number.
    let tps_query = q
        .rsplit_once(' ')
        .and_then(|(name, num)| Some((name.trim().to_string(), num.parse::<u16>().ok()?)));
    for (ki, kec) in region.kecamatan.iter().enumerate() {
        if kec.name.to_lowercase().contains(&q) || kec.code.starts_with(&code) {
            hits.push(Hit {
                node: Node::Kecamatan(KecamatanId(ki as u32)),
                seat: None,
                label: format!("Kecamatan {}", kec.name),
            });
        }
    }
    for (ki, kel) in region.kelurahan.iter().enumerate() {
        let id = KelurahanId(ki as u32);
        let name = kel.name.to_lowercase();
        if name.contains(&q) || kel.code.starts_with(&code) {
            hits.push(Hit {
                node: Node::Kelurahan(id),
                seat: None,
                label: kel_label(id),
            });
        }
        if let Some((place, number)) = &tps_query {
            let kec_name = region.kecamatan(kel.kecamatan).name.to_lowercase();
            if name.contains(place.as_str()) || kec_name.contains(place.as_str()) {
                if let Some(t) = region.tps_in(id, *number) {
                    hits.push(Hit {
                        node: Node::Tps(t),
                        seat: None,
                        label: format!("TPS {number} · {}", kel_label(id)),
                    });
                }
            }
        }
        if hits.len() >= MAX_HITS {
            hits.truncate(MAX_HITS);
            return hits;
        }
    }
    // Officers by name, or by NIK digits (at least four, to keep the list meaningful).
    let digits = q.len() >= 4 && q.bytes().all(|b| b.is_ascii_digit());
    if q.contains('\0') {
        return hits;
    }
    for (t, seat) in index.officers(roster, &q, digits, MAX_HITS - hits.len()) {
        let Some(h) = roster.seat(t, seat) else {
            continue;
        };
        let k = region.kelurahan_of(t);
        hits.push(Hit {
            node: Node::Tps(t),
            seat: Some(seat),
            label: format!(
                "{} · KPPS {seat} · TPS {} {}",
                h.person.name,
                region.tps(t).number,
                region.kelurahan(k).name
            ),
        });
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Command, ElectionParams, Person, Screening, Sex, VacateReason};
    use crate::io::region_csv::palembang;

    /// What the index must agree with: every seat scanned, as before the index.
    fn brute(roster: &Roster, q: &str, nik: bool) -> Vec<(TpsId, u8)> {
        let mut out = Vec::new();
        for t in roster.region.tps_ids() {
            for (i, seat) in roster.seats_of(t).iter().enumerate() {
                let Some(h) = seat else { continue };
                let hit = if nik {
                    h.person.nik.to_string().contains(q)
                } else {
                    h.person.name.to_lowercase().contains(q)
                };
                if hit {
                    out.push((t, i as u8 + 1));
                }
            }
        }
        out
    }

    #[test]
    fn the_index_agrees_with_a_full_scan_through_changes() {
        let mut roster = crate::demo::generate(palembang(), ElectionParams::default(), 7);
        let mut index = NameIndex::default();
        let queries = ["siti", "ahmad", "wati", "zzzq", "1671", "0101"];
        let check = |roster: &Roster, index: &mut NameIndex| {
            for q in queries {
                let nik = q.bytes().all(|b| b.is_ascii_digit());
                let mut want = brute(roster, q, nik);
                want.truncate(MAX_HITS);
                assert_eq!(index.officers(roster, q, nik, MAX_HITS), want, "{q}");
            }
        };
        check(&roster, &mut index);
        // Rename seats through real changes: vacate, and fill with a "Zzzq" person.
        let mut serial = 0;
        for t in roster
            .region
            .tps_ids()
            .step_by(97)
            .take(40)
            .collect::<Vec<_>>()
        {
            for seat in [2u8, 5] {
                let command = match roster.seat(t, seat) {
                    Some(_) => Command::Vacate {
                        tps: t,
                        seat,
                        reason: VacateReason::Resigned,
                    },
                    None => {
                        serial += 1;
                        let birth = chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
                        Command::FillDirect {
                            tps: t,
                            seat,
                            person: Person {
                                name: format!("Zzzq Uji {serial}").into(),
                                nik: crate::domain::Nik::compose(167101, birth, Sex::L, serial),
                                birth_date: birth,
                                sex: Sex::L,
                                phone: None,
                                screening: Screening::NotAtRisk,
                                jkn: true,
                            },
                            berita_acara: None,
                        }
                    }
                };
                let event = roster.decide(&command).unwrap();
                roster.apply(&event);
                index.touch(&event);
            }
            check(&roster, &mut index);
        }
        // The "zzzq" people are found although the index was built before they came.
        assert!(!index.officers(&roster, "zzzq", false, MAX_HITS).is_empty());
    }

    #[test]
    fn kelurahan_codes_are_found_with_or_without_dots() {
        let roster = Roster::new(palembang(), ElectionParams::default());
        let mut index = NameIndex::default();
        for q in ["1671081002", "16.71.08.1002"] {
            let hits = search(&roster, &mut index, q);
            assert!(
                hits.iter()
                    .any(|h| matches!(h.node, Node::Kelurahan(k) if roster.region.kelurahan(k).code == "16.71.08.1002")),
                "{q}: {hits:?}"
            );
        }
    }
}
