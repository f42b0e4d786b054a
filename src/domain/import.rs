//! Deciding an import: a whole file's rows checked against the roster as it stands when the
//! import is committed, and recorded as one event whatever the file's size.
//!
//! The file reader (`io::roster_csv`) checks the same rules row by row with line numbers for
//! the person at the keyboard; this is the authoritative check, made by whoever holds the
//! store (the server's committer, or the CLI on a store it opened), because the roster may
//! have changed between the two.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;

use super::event::{Event, Import, ImportRows, NikLocation, Refusal, SeatAssignment};
use super::freetext::{self, TextError, TextField};
use super::person::Person;
use super::region::{KelurahanId, TpsId};
use super::roster::Roster;

impl Roster {
    /// The event an import produces, or the first row that stops it (row numbers count the
    /// rows in the file's order, from 0).
    pub fn decide_import(&self, import: &Import) -> Result<Event, Refusal> {
        let row_refusal = |row: usize, why: Refusal| Refusal::ImportRow {
            row: row as u32,
            why: Box::new(why),
        };
        if let Some(problem) = freetext::find_unsafe(&import.file) {
            return Err(Refusal::BadText(TextError {
                field: TextField::FileName,
                problem,
            }));
        }
        let kel_ok = |k: KelurahanId| (k.0 as usize) < self.region.kelurahan.len();
        let tps_ok = |t: TpsId| (t.0 as usize) < self.region.tps.len();
        match &import.rows {
            ImportRows::Seats { seats, absent } => {
                for (row, s) in seats.iter().enumerate() {
                    if !tps_ok(s.tps) {
                        return Err(row_refusal(row, Refusal::NoSuchPlace));
                    }
                    self.check_seat(s.seat)
                        .map_err(|why| row_refusal(row, why))?;
                }
                if let Some(&bad) = absent.iter().find(|&&i| i as usize >= seats.len()) {
                    return Err(row_refusal(bad as usize, Refusal::NoSuchPlace));
                }
                let cleared: BTreeSet<KelurahanId> = if import.replace {
                    seats
                        .iter()
                        .map(|s| self.region.kelurahan_of(s.tps))
                        .collect()
                } else {
                    BTreeSet::new()
                };
                let mut taken: HashMap<(TpsId, u8), usize> = HashMap::new();
                let mut niks: HashMap<u64, NikLocation> = HashMap::new();
                for (row, SeatAssignment { tps, seat, person }) in seats.iter().enumerate() {
                    let here = NikLocation::Seat {
                        tps: *tps,
                        seat: *seat,
                    };
                    let refuse = |why| Err(row_refusal(row, why));
                    if taken.insert((*tps, *seat), row).is_some()
                        || (!import.replace && self.seat(*tps, *seat).is_some())
                    {
                        return refuse(Refusal::SeatOccupied { seat: *seat });
                    }
                    if let Some(&at) = niks.get(&person.nik.as_u64()) {
                        return refuse(Refusal::NikInUse {
                            nik: person.nik,
                            at,
                        });
                    }
                    niks.insert(person.nik.as_u64(), here);
                    match self.locate_nik(person.nik) {
                        // Their seat is being emptied by this import.
                        Some(NikLocation::Seat { tps: t, .. })
                            if cleared.contains(&self.region.kelurahan_of(t)) => {}
                        Some(at) => {
                            return refuse(Refusal::NikInUse {
                                nik: person.nik,
                                at,
                            })
                        }
                        None => {}
                    }
                    self.check_eligible(person)
                        .and_then(|()| check_text(person))
                        .map_err(|why| row_refusal(row, why))?;
                }
                Ok(Event::RosterFileImported {
                    file: import.file.clone(),
                    cleared: cleared.into_iter().collect(),
                    seats: seats.clone(),
                    absent: absent.clone(),
                })
            }
            ImportRows::Reserves(reserves) => {
                for (row, (kel, r)) in reserves.iter().enumerate() {
                    if !kel_ok(*kel) || r.rank == 0 || !r.tps.is_none_or(tps_ok) {
                        return Err(row_refusal(row, Refusal::NoSuchPlace));
                    }
                    if r.tps.is_some_and(|t| self.region.kelurahan_of(t) != *kel) {
                        return Err(row_refusal(row, Refusal::NoSuchPlace));
                    }
                }
                let cleared: BTreeSet<KelurahanId> = if import.replace {
                    reserves.iter().map(|(k, _)| *k).collect()
                } else {
                    BTreeSet::new()
                };
                let mut ranks: HashSet<(KelurahanId, u32)> = HashSet::new();
                let mut niks: HashMap<u64, NikLocation> = HashMap::new();
                for (row, (kel, r)) in reserves.iter().enumerate() {
                    let refuse = |why| Err(row_refusal(row, why));
                    let rank_held = !import.replace
                        && self
                            .reserves(*kel)
                            .binary_search_by_key(&r.rank, |x| x.rank)
                            .is_ok();
                    if !ranks.insert((*kel, r.rank)) || rank_held {
                        return refuse(Refusal::RankTaken {
                            kelurahan: *kel,
                            rank: r.rank,
                        });
                    }
                    let here = NikLocation::Reserve {
                        kelurahan: *kel,
                        rank: r.rank,
                    };
                    if let Some(&at) = niks.get(&r.person.nik.as_u64()) {
                        return refuse(Refusal::NikInUse {
                            nik: r.person.nik,
                            at,
                        });
                    }
                    niks.insert(r.person.nik.as_u64(), here);
                    match self.locate_nik(r.person.nik) {
                        // Their list is being emptied by this import.
                        Some(NikLocation::Reserve { kelurahan: k, .. }) if cleared.contains(&k) => {
                        }
                        Some(at) => {
                            return refuse(Refusal::NikInUse {
                                nik: r.person.nik,
                                at,
                            })
                        }
                        None => {}
                    }
                    self.check_eligible(&r.person)
                        .and_then(|()| check_text(&r.person))
                        .map_err(|why| row_refusal(row, why))?;
                }
                Ok(Event::ReservesImported {
                    file: import.file.clone(),
                    cleared: cleared.into_iter().collect(),
                    reserves: reserves.clone(),
                })
            }
        }
    }
}

impl Roster {
    /// The seats of TPS `tps` as the import that puts them, absences included, into a
    /// roster where they are empty: every held seat in TPS and seat order.
    pub fn seats_as_import(&self, file: &str, tps: Range<u32>) -> Event {
        let mut seats = Vec::new();
        let mut absent = Vec::new();
        for t in tps.map(TpsId) {
            for (i, holder) in self.seats_of(t).iter().enumerate() {
                if let Some(h) = holder {
                    if h.absent {
                        absent.push(seats.len() as u32);
                    }
                    seats.push(SeatAssignment {
                        tps: t,
                        seat: i as u8 + 1,
                        person: h.person.clone(),
                    });
                }
            }
        }
        Event::RosterFileImported {
            file: file.to_string(),
            cleared: Vec::new(),
            seats,
            absent,
        }
    }

    /// The reserve lists of kelurahan `kelurahan` as the import that puts them into a
    /// roster where they are empty, each list in rank order.
    pub fn reserves_as_import(&self, file: &str, kelurahan: Range<u32>) -> Event {
        let reserves = kelurahan
            .map(KelurahanId)
            .flat_map(|k| self.reserves(k).iter().map(move |r| (k, r.clone())))
            .collect();
        Event::ReservesImported {
            file: file.to_string(),
            cleared: Vec::new(),
            reserves,
        }
    }
}

/// A person's typed text as the file reader left it: within the rules of `freetext` (a
/// client that skipped the reader's checks is refused, not cleaned).
fn check_text(person: &Person) -> Result<(), Refusal> {
    freetext::required(TextField::Name, &person.name)
        .and_then(|_| freetext::optional(TextField::Phone, person.phone.as_deref()))
        .map_err(Refusal::BadText)?;
    match &person.phone {
        Some(raw) => super::phone::normalize(raw)
            .map(|_| ())
            .map_err(Refusal::BadPhone),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::event::{Command, Reserve};
    use super::super::params::ElectionParams;
    use super::super::person::{Person, Screening, Sex};
    use super::super::region::tests::small;
    use super::super::Nik;
    use super::*;
    use chrono::NaiveDate;

    fn person(n: u16) -> Person {
        let birth = NaiveDate::from_ymd_opt(1990, 1, 1 + (n % 28) as u32).unwrap();
        Person {
            name: format!("Orang {n}").into(),
            nik: Nik::compose(167101, birth, Sex::P, n),
            birth_date: birth,
            sex: Sex::P,
            phone: None,
            screening: Screening::NotAtRisk,
            jkn: true,
        }
    }

    fn seats(rows: &[(u32, u8, u16)]) -> Import {
        Import {
            file: "f.csv".into(),
            replace: false,
            rows: ImportRows::Seats {
                seats: rows
                    .iter()
                    .map(|&(t, seat, n)| SeatAssignment {
                        tps: TpsId(t),
                        seat,
                        person: person(n),
                    })
                    .collect(),
                absent: vec![],
            },
        }
    }

    fn row(r: Result<Event, Refusal>) -> (u32, Refusal) {
        match r {
            Err(Refusal::ImportRow { row, why }) => (row, *why),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_roster_import_is_one_event_with_its_absences() {
        let mut r = Roster::new(small(), ElectionParams::default());
        let mut import = seats(&[(0, 1, 1), (0, 2, 2), (1, 1, 3)]);
        if let ImportRows::Seats { absent, .. } = &mut import.rows {
            absent.push(1);
        }
        let event = r.decide(&Command::Import(Box::new(import))).unwrap();
        r.apply(&event);
        assert_eq!(r.officer_count(), 3);
        assert!(r.seat(TpsId(0), 2).unwrap().absent);
        assert!(!r.seat(TpsId(0), 1).unwrap().absent);
        r.verify().unwrap();
    }

    #[test]
    fn every_conflict_names_its_row_and_changes_nothing() {
        let mut r = Roster::new(small(), ElectionParams::default());
        r.apply(&r.decide_import(&seats(&[(0, 1, 1)])).unwrap());
        // Filled since the file was checked.
        assert_eq!(
            row(r.decide_import(&seats(&[(1, 1, 5), (0, 1, 6)]))),
            (1, Refusal::SeatOccupied { seat: 1 })
        );
        // The same seat twice; the same person twice; a person already seated.
        assert_eq!(row(r.decide_import(&seats(&[(1, 1, 5), (1, 1, 6)]))).0, 1);
        assert!(matches!(
            row(r.decide_import(&seats(&[(1, 1, 5), (1, 2, 5)]))),
            (1, Refusal::NikInUse { .. })
        ));
        assert!(matches!(
            row(r.decide_import(&seats(&[(1, 1, 1)]))),
            (0, Refusal::NikInUse { .. })
        ));
        // A forged request: places that do not exist.
        assert_eq!(
            row(r.decide_import(&seats(&[(1, 1, 5), (99, 1, 6)]))),
            (1, Refusal::NoSuchPlace)
        );
        assert!(matches!(
            row(r.decide_import(&seats(&[(1, 8, 5)]))),
            (0, Refusal::NoSuchSeat { .. })
        ));
        let mut bad_absent = seats(&[(1, 1, 5)]);
        if let ImportRows::Seats { absent, .. } = &mut bad_absent.rows {
            absent.push(3);
        }
        assert_eq!(row(r.decide_import(&bad_absent)).1, Refusal::NoSuchPlace);
        assert_eq!(r.officer_count(), 1);
    }

    #[test]
    fn a_forged_import_with_terminal_controls_is_refused() {
        let r = Roster::new(small(), ElectionParams::default());
        let mut import = seats(&[(0, 1, 1), (0, 2, 2)]);
        if let ImportRows::Seats { seats, .. } = &mut import.rows {
            seats[1].person.name = "x\u{1b}]0;pwned\u{7}".into();
        }
        assert!(matches!(
            row(r.decide_import(&import)),
            (1, Refusal::BadText(_))
        ));
        let mut named = seats(&[(0, 1, 1)]);
        named.file = "a\u{1b}[2J.csv".into();
        assert!(matches!(r.decide_import(&named), Err(Refusal::BadText(_))));
    }

    #[test]
    fn replace_frees_the_seats_and_people_of_the_kelurahan_it_names() {
        let mut r = Roster::new(small(), ElectionParams::default());
        r.apply(&r.decide_import(&seats(&[(0, 1, 1), (0, 2, 2)])).unwrap());
        let mut again = seats(&[(0, 2, 1), (0, 3, 9)]);
        again.replace = true;
        let event = r.decide_import(&again).unwrap();
        let Event::RosterFileImported { cleared, .. } = &event else {
            panic!("{event:?}")
        };
        assert_eq!(cleared, &vec![r.region.kelurahan_of(TpsId(0))]);
        r.apply(&event);
        assert_eq!(r.officer_count(), 2);
        assert!(r.seat(TpsId(0), 1).is_none());
        r.verify().unwrap();
    }

    #[test]
    fn a_roster_as_imports_rebuilds_it_on_an_empty_one() {
        let mut r = Roster::new(small(), ElectionParams::default());
        let mut import = seats(&[(0, 1, 1), (0, 3, 2), (2, 7, 3), (5, 2, 4)]);
        if let ImportRows::Seats { absent, .. } = &mut import.rows {
            absent.push(2);
        }
        r.apply(&r.decide_import(&import).unwrap());
        for (k, rank, n) in [(0, 1, 10), (0, 2, 11), (1, 1, 12)] {
            let tps = (k == 0 && rank == 2).then_some(TpsId(1));
            r.load_reserve(
                KelurahanId(k),
                Reserve {
                    rank,
                    person: person(n),
                    tps,
                },
            );
        }
        let (tps, kel) = (r.region.tps.len() as u32, r.region.kelurahan.len() as u32);
        let mut again = Roster::new(small(), ElectionParams::default());
        again.apply(&r.seats_as_import("f", 0..tps));
        again.apply(&r.reserves_as_import("f", 0..kel));
        for t in r.region.tps_ids() {
            assert_eq!(again.seats_of(t), r.seats_of(t));
            assert_eq!(again.tps_stats(t), r.tps_stats(t));
        }
        for k in (0..kel).map(KelurahanId) {
            assert_eq!(again.reserves(k), r.reserves(k));
        }
        assert!(again.seat(TpsId(2), 7).unwrap().absent);
        assert_eq!(again.total(), r.total());
        again.verify().unwrap();
        // A part of the tree: only its TPS.
        let Event::RosterFileImported { seats, absent, .. } = r.seats_as_import("f", 1..3) else {
            panic!()
        };
        assert_eq!(seats.len(), 1);
        assert_eq!(absent, vec![0]);
    }

    #[test]
    fn reserve_ranks_clash_within_the_file_and_with_the_list() {
        let mut r = Roster::new(small(), ElectionParams::default());
        let list = |rows: &[(u32, u32, u16)], replace| Import {
            file: "c.csv".into(),
            replace,
            rows: ImportRows::Reserves(
                rows.iter()
                    .map(|&(k, rank, n)| {
                        (
                            KelurahanId(k),
                            Reserve {
                                rank,
                                person: person(n),
                                tps: None,
                            },
                        )
                    })
                    .collect(),
            ),
        };
        r.apply(&r.decide_import(&list(&[(0, 1, 1)], false)).unwrap());
        let taken = Refusal::RankTaken {
            kelurahan: KelurahanId(0),
            rank: 1,
        };
        assert_eq!(row(r.decide_import(&list(&[(0, 1, 2)], false))), (0, taken));
        assert_eq!(
            row(r.decide_import(&list(&[(0, 2, 2), (0, 2, 3)], false))).0,
            1
        );
        assert_eq!(
            row(r.decide_import(&list(&[(0, 2, 2), (0, 0, 3)], false))),
            (1, Refusal::NoSuchPlace)
        );
        // With replace the list is emptied first, so rank 1 and its person are free.
        r.apply(
            &r.decide_import(&list(&[(0, 1, 1), (0, 2, 2)], true))
                .unwrap(),
        );
        assert_eq!(r.reserves(KelurahanId(0)).len(), 2);
        r.verify().unwrap();
    }
}
