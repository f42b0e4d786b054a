//! Seat history: who held each seat of a TPS, from when to when, why they left, and who
//! came next — derived from the TPS's logged events. Nobody is ever deleted.

use chrono::{DateTime, Utc};

use super::event::{Event, Source, VacateReason};
use super::roster::Holder;
use super::Nik;

/// When and by whom something was recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StintStart {
    /// Already seated when the roster was loaded (import or demo).
    Roster,
    Filled(Source),
    /// Moved to seat 1 as Ketua from another seat.
    DesignatedKetua {
        from_seat: u8,
    },
    /// Put back by undoing their removal.
    Restored,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StintEnd {
    Vacated(VacateReason),
    BecameKetua,
    /// Their appointment was undone.
    Undone,
}

/// One person's time in one seat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stint {
    pub seat: u8,
    pub name: String,
    pub nik: Nik,
    pub start: StintStart,
    pub started: Option<Stamp>,
    pub end: Option<(StintEnd, Stamp)>,
    /// Absent-today marks during the stint: (absent, when).
    pub absences: Vec<(bool, Stamp)>,
    /// Who sat next in this seat, if anyone.
    pub replaced_by: Option<String>,
}

/// Builds the stints of one TPS from its events (oldest first) and its current seats.
pub fn seat_history<'a>(
    events: impl IntoIterator<Item = (Stamp, &'a Event)>,
    current: &[Option<Holder>],
) -> Vec<Stint> {
    let mut stints: Vec<Stint> = Vec::new();
    // Index of the open stint per seat.
    let mut open: Vec<Option<usize>> = vec![None; current.len() + 1];
    for (stamp, event) in events {
        apply(&mut stints, &mut open, stamp, event, false);
    }
    // Current holders who were seated before any logged event.
    for (i, holder) in current.iter().enumerate() {
        let seat = i as u8 + 1;
        if let Some(h) = holder {
            if open[seat as usize].is_none()
                && !stints
                    .iter()
                    .any(|s| s.seat == seat && s.nik == h.person.nik && s.end.is_none())
            {
                stints.push(new_stint(
                    seat,
                    &h.person.name,
                    h.person.nik,
                    StintStart::Roster,
                    None,
                ));
            }
        }
    }
    // Link each closed stint to the next person in the same seat.
    for i in 0..stints.len() {
        if stints[i].end.is_some() {
            let next = stints[i + 1..]
                .iter()
                .find(|s| s.seat == stints[i].seat)
                .map(|s| s.name.clone());
            stints[i].replaced_by = next;
        }
    }
    stints.sort_by_key(|s| s.seat);
    stints
}

fn new_stint(seat: u8, name: &str, nik: Nik, start: StintStart, started: Option<Stamp>) -> Stint {
    Stint {
        seat,
        name: name.to_string(),
        nik,
        start,
        started,
        end: None,
        absences: Vec::new(),
        replaced_by: None,
    }
}

/// The open stint for `seat`, creating a `Roster` one for a person seated before the log.
fn open_stint(
    stints: &mut Vec<Stint>,
    open: &mut [Option<usize>],
    seat: u8,
    name: &str,
    nik: Nik,
) -> usize {
    if let Some(i) = open.get(seat as usize).copied().flatten() {
        return i;
    }
    stints.push(new_stint(seat, name, nik, StintStart::Roster, None));
    let i = stints.len() - 1;
    open[seat as usize] = Some(i);
    i
}

fn close(stints: &mut [Stint], open: &mut [Option<usize>], seat: u8, end: StintEnd, stamp: Stamp) {
    if let Some(i) = open[seat as usize].take() {
        stints[i].end = Some((end, stamp));
    }
}

fn apply(
    stints: &mut Vec<Stint>,
    open: &mut [Option<usize>],
    stamp: Stamp,
    event: &Event,
    undo: bool,
) {
    match event {
        Event::SeatFilled {
            seat,
            person,
            source,
            ..
        } if !undo => {
            stints.push(new_stint(
                *seat,
                &person.name,
                person.nik,
                StintStart::Filled(source.clone()),
                Some(stamp),
            ));
            open[*seat as usize] = Some(stints.len() - 1);
        }
        Event::SeatFilled { seat, .. } => close(stints, open, *seat, StintEnd::Undone, stamp),
        Event::SeatVacated {
            seat,
            reason,
            person,
            ..
        } if !undo => {
            open_stint(stints, open, *seat, &person.name, person.nik);
            close(stints, open, *seat, StintEnd::Vacated(*reason), stamp);
        }
        Event::SeatVacated { seat, person, .. } => {
            stints.push(new_stint(
                *seat,
                &person.name,
                person.nik,
                StintStart::Restored,
                Some(stamp),
            ));
            open[*seat as usize] = Some(stints.len() - 1);
        }
        Event::AbsenceMarked { seat, absent, .. } => {
            // An undone mark is recorded as the opposite mark.
            let absent = *absent != undo;
            if let Some(i) = open[*seat as usize] {
                stints[i].absences.push((absent, stamp));
            }
        }
        Event::KetuaDesignated {
            from_seat, person, ..
        } if !undo => {
            open_stint(stints, open, *from_seat, &person.name, person.nik);
            close(
                stints,
                open,
                *from_seat,
                StintEnd::BecameKetua,
                stamp.clone(),
            );
            let start = StintStart::DesignatedKetua {
                from_seat: *from_seat,
            };
            stints.push(new_stint(1, &person.name, person.nik, start, Some(stamp)));
            open[1] = Some(stints.len() - 1);
        }
        Event::KetuaDesignated {
            from_seat, person, ..
        } => {
            close(stints, open, 1, StintEnd::Undone, stamp.clone());
            stints.push(new_stint(
                *from_seat,
                &person.name,
                person.nik,
                StintStart::Restored,
                Some(stamp),
            ));
            open[*from_seat as usize] = Some(stints.len() - 1);
        }
        Event::Undone { event, .. } => apply(stints, open, stamp, event, true),
        Event::RosterImported { .. }
        | Event::RosterFileImported { .. }
        | Event::ReservesImported { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Person, Screening, Sex, TpsId};
    use chrono::{NaiveDate, TimeZone};

    fn person(n: u16) -> Person {
        let birth = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
        Person {
            name: format!("P{n}").into(),
            nik: Nik::compose(167101, birth, Sex::L, n),
            birth_date: birth,
            sex: Sex::L,
            phone: None,
            screening: Screening::NotAtRisk,
            jkn: true,
        }
    }

    fn stamp(seq: u64) -> Stamp {
        Stamp {
            seq,
            at: Utc.with_ymd_and_hms(2024, 2, 13, 1, seq as u32, 0).unwrap(),
            actor: "pps1".into(),
        }
    }

    #[test]
    fn vacate_fill_and_ketua_make_a_readable_history() {
        let tps = TpsId(0);
        let source = Source::Reserve {
            kelurahan: crate::domain::KelurahanId(0),
            rank: 2,
            tps: None,
        };
        let events = [
            Event::SeatVacated {
                tps,
                seat: 1,
                reason: VacateReason::Resigned,
                person: person(1),
            },
            Event::KetuaDesignated {
                tps,
                from_seat: 3,
                person: person(3),
            },
            Event::SeatFilled {
                tps,
                seat: 3,
                person: person(9),
                source: source.clone(),
            },
            Event::AbsenceMarked {
                tps,
                seat: 3,
                absent: true,
            },
        ];
        let mut current: Vec<Option<Holder>> = (1..=7)
            .map(|n| {
                Some(Holder {
                    person: person(n),
                    absent: false,
                })
            })
            .collect();
        current[0] = Some(Holder {
            person: person(3),
            absent: false,
        });
        current[2] = Some(Holder {
            person: person(9),
            absent: true,
        });
        let h = seat_history(
            events
                .iter()
                .enumerate()
                .map(|(i, e)| (stamp(i as u64 + 2), e)),
            &current,
        );
        let seat1: Vec<&Stint> = h.iter().filter(|s| s.seat == 1).collect();
        assert_eq!(seat1.len(), 2);
        assert_eq!(seat1[0].name, "P1");
        assert_eq!(seat1[0].start, StintStart::Roster);
        assert_eq!(
            seat1[0].end.as_ref().unwrap().0,
            StintEnd::Vacated(VacateReason::Resigned)
        );
        assert_eq!(seat1[0].replaced_by.as_deref(), Some("P3"));
        assert_eq!(seat1[1].start, StintStart::DesignatedKetua { from_seat: 3 });
        let seat3: Vec<&Stint> = h.iter().filter(|s| s.seat == 3).collect();
        assert_eq!(seat3[0].end.as_ref().unwrap().0, StintEnd::BecameKetua);
        assert_eq!(seat3[0].replaced_by.as_deref(), Some("P9"));
        assert_eq!(seat3[1].start, StintStart::Filled(source));
        assert_eq!(seat3[1].absences.len(), 1);
        // Untouched seats show their holder from the roster.
        assert_eq!(h.iter().filter(|s| s.seat == 5).count(), 1);
    }

    #[test]
    fn undo_shows_both_the_change_and_its_reversal() {
        let tps = TpsId(0);
        let fill = Event::SeatFilled {
            tps,
            seat: 2,
            person: person(9),
            source: Source::Direct { berita_acara: None },
        };
        let events = [
            Event::SeatVacated {
                tps,
                seat: 2,
                reason: VacateReason::Died,
                person: person(2),
            },
            fill.clone(),
            Event::Undone {
                seq: 3,
                event: Box::new(fill),
            },
        ];
        let h = seat_history(
            events
                .iter()
                .enumerate()
                .map(|(i, e)| (stamp(i as u64 + 2), e)),
            &vec![None; 7],
        );
        let seat2: Vec<&Stint> = h.iter().filter(|s| s.seat == 2).collect();
        assert_eq!(seat2.len(), 2);
        assert_eq!(seat2[1].end.as_ref().unwrap().0, StintEnd::Undone);
    }
}
