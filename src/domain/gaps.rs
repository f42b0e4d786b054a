//! The gaps report: which TPS need attention, most severe first, within a scope.

use super::person::HealthFlag;
use super::region::{KecamatanId, KelurahanId, TpsId};
use super::roster::{Rollup, Roster};

/// The part of the tree a report or view covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Scope {
    #[default]
    All,
    Kecamatan(KecamatanId),
    Kelurahan(KelurahanId),
}

impl Scope {
    pub fn tps_range(self, roster: &Roster) -> std::ops::Range<u32> {
        let region = &roster.region;
        match self {
            Scope::All => 0..region.tps.len() as u32,
            Scope::Kecamatan(k) => {
                let kels = region.kecamatan(k).kelurahan.clone();
                let first = region.kelurahan[kels.start as usize].tps.start;
                let last = region.kelurahan[kels.end as usize - 1].tps.end;
                first..last
            }
            Scope::Kelurahan(k) => region.kelurahan(k).tps.clone(),
        }
    }

    pub fn rollup(self, roster: &Roster) -> Rollup {
        match self {
            Scope::All => roster.total(),
            Scope::Kecamatan(k) => roster.kecamatan_rollup(k),
            Scope::Kelurahan(k) => roster.kelurahan_rollup(k),
        }
    }

    /// (kecamatan, kelurahan) counts inside the scope.
    pub fn node_counts(self, roster: &Roster) -> (u32, u32) {
        match self {
            Scope::All => (
                roster.region.kecamatan.len() as u32,
                roster.region.kelurahan.len() as u32,
            ),
            Scope::Kecamatan(k) => (1, roster.region.kecamatan(k).kelurahan.len() as u32),
            Scope::Kelurahan(_) => (1, 1),
        }
    }
}

/// One TPS with a vacancy or a flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GapEntry {
    pub tps: TpsId,
    pub vacant_seats: Vec<u8>,
    pub ketua_missing: bool,
    /// (seat, flag) for each flagged officer.
    pub flags: Vec<(u8, HealthFlag)>,
}

impl GapEntry {
    /// The seat to put the cursor on when this TPS is opened: its first empty one, else its
    /// first flagged officer.
    pub fn first_seat(&self) -> Option<u8> {
        self.vacant_seats
            .first()
            .or(self.flags.first().map(|(seat, _)| seat))
            .copied()
    }

    /// Sort key: no Ketua first, then most vacancies, then most flags; ties in tree order.
    fn severity_key(
        &self,
    ) -> (
        bool,
        std::cmp::Reverse<usize>,
        std::cmp::Reverse<usize>,
        TpsId,
    ) {
        use std::cmp::Reverse;
        (
            !self.ketua_missing,
            Reverse(self.vacant_seats.len()),
            Reverse(self.flags.len()),
            self.tps,
        )
    }
}

/// A gap entry for one TPS, or None when it is fully staffed and unflagged.
pub fn gap_entry(roster: &Roster, tps: TpsId) -> Option<GapEntry> {
    if !roster.tps_stats(tps).needs_attention() {
        return None;
    }
    let mut entry = GapEntry {
        tps,
        vacant_seats: Vec::new(),
        ketua_missing: false,
        flags: Vec::new(),
    };
    for (i, seat) in roster.seats_of(tps).iter().enumerate() {
        let n = i as u8 + 1;
        match seat {
            Some(h) => {
                if h.absent {
                    entry.vacant_seats.push(n);
                }
                entry.flags.extend(h.person.health_flags().map(|f| (n, f)));
            }
            None => entry.vacant_seats.push(n),
        }
    }
    entry.ketua_missing = entry.vacant_seats.first() == Some(&1);
    Some(entry)
}

/// Every TPS in scope that needs attention, most severe first.
pub fn gaps(roster: &Roster, scope: Scope) -> Vec<GapEntry> {
    let mut entries: Vec<GapEntry> = scope
        .tps_range(roster)
        .filter_map(|t| gap_entry(roster, TpsId(t)))
        .collect();
    entries.sort_by_key(GapEntry::severity_key);
    entries
}

/// The empty seats of one TPS (no holder at all), or None when it has none. Officers absent
/// today and health flags are left out: this is the list of seats someone must be found for.
pub fn vacant_entry(roster: &Roster, tps: TpsId) -> Option<GapEntry> {
    if !roster.tps_stats(tps).has_gap() {
        return None;
    }
    let vacant_seats: Vec<u8> = roster
        .seats_of(tps)
        .iter()
        .enumerate()
        .filter(|(_, seat)| seat.is_none())
        .map(|(i, _)| i as u8 + 1)
        .collect();
    (!vacant_seats.is_empty()).then(|| GapEntry {
        tps,
        ketua_missing: vacant_seats.first() == Some(&1),
        vacant_seats,
        flags: Vec::new(),
    })
}

/// Every TPS in scope with an empty seat, most severe first (`gaps --vacant-only`).
pub fn vacant_gaps(roster: &Roster, scope: Scope) -> Vec<GapEntry> {
    let mut entries: Vec<GapEntry> = scope
        .tps_range(roster)
        .filter_map(|t| vacant_entry(roster, TpsId(t)))
        .collect();
    entries.sort_by_key(GapEntry::severity_key);
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::region::tests::small;
    use crate::domain::{ElectionParams, Event, Nik, Person, Screening, SeatAssignment, Sex};
    use chrono::NaiveDate;

    #[test]
    fn orders_by_severity_and_scopes() {
        let mut r = Roster::new(small(), ElectionParams::default());
        let birth = NaiveDate::from_ymd_opt(1990, 5, 5).unwrap();
        let mut seats = Vec::new();
        let mut serial = 0;
        // Fill everything except: TPS 2 seat 1 (no Ketua), TPS 4 seats 3 and 5.
        for t in r.region.tps_ids() {
            for seat in 1..=7u8 {
                if (t.0 == 2 && seat == 1) || (t.0 == 4 && (seat == 3 || seat == 5)) {
                    continue;
                }
                serial += 1;
                let screening = if t.0 == 7 && seat == 6 {
                    Screening::AtRisk
                } else {
                    Screening::NotAtRisk
                };
                let person = Person {
                    name: format!("P{serial}").into(),
                    nik: Nik::compose(167101, birth, Sex::L, serial),
                    birth_date: birth,
                    sex: Sex::L,
                    phone: None,
                    screening,
                    jkn: true,
                };
                seats.push(SeatAssignment {
                    tps: t,
                    seat,
                    person,
                });
            }
        }
        r.apply(&Event::RosterImported {
            file: "f".into(),
            cleared: vec![],
            seats,
        });
        let all = gaps(&r, Scope::All);
        let order: Vec<u32> = all.iter().map(|e| e.tps.0).collect();
        assert_eq!(order, vec![2, 4, 7]);
        assert_eq!(all[1].vacant_seats, vec![3, 5]);
        assert_eq!(all[2].flags, vec![(6, HealthFlag::AtRisk)]);
        assert!(all[0].ketua_missing);
        // Kecamatan 1 (Sako) holds TPS 4..9.
        let sako: Vec<u32> = gaps(&r, Scope::Kecamatan(KecamatanId(1)))
            .iter()
            .map(|e| e.tps.0)
            .collect();
        assert_eq!(sako, vec![4, 7]);
        let kel: Vec<u32> = gaps(&r, Scope::Kelurahan(KelurahanId(0)))
            .iter()
            .map(|e| e.tps.0)
            .collect();
        assert_eq!(kel, vec![2]);
        assert_eq!(Scope::Kecamatan(KecamatanId(1)).rollup(&r).vacant, 2);

        // Vacant only: empty seats, not absences or flags. The Ketua of TPS 5 is absent today.
        r.apply(&Event::AbsenceMarked {
            tps: TpsId(5),
            seat: 1,
            absent: true,
        });
        assert!(gaps(&r, Scope::All).iter().any(|e| e.tps.0 == 5));
        let vacant = vacant_gaps(&r, Scope::All);
        let order: Vec<(u32, Vec<u8>, bool)> = vacant
            .iter()
            .map(|e| (e.tps.0, e.vacant_seats.clone(), e.ketua_missing))
            .collect();
        assert_eq!(order, vec![(2, vec![1], true), (4, vec![3, 5], false)]);
        assert!(vacant.iter().all(|e| e.flags.is_empty()));
        assert_eq!(vacant_gaps(&r, Scope::Kelurahan(KelurahanId(3))), vec![]);
    }
}
