//! Choosing a replacement from the reserve lists (daftar calon pengganti).

use super::access::Role;
use super::event::{Refusal, Reserve};
use super::person::{Finding, HealthFlag, Severity};
use super::region::{KelurahanId, TpsId};
use super::roster::Roster;

/// A reserve offered for an empty seat, with what the rules say about them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub kelurahan: KelurahanId,
    pub rank: u32,
    pub tied: Option<TpsId>,
    pub findings: Vec<Finding>,
    /// A health risk (at risk, not screened): offered after every clean reserve, and
    /// appointed only after a confirmation that names it.
    pub risk: Option<HealthFlag>,
}

impl Candidate {
    pub fn eligible(&self) -> bool {
        self.findings
            .iter()
            .all(|f| f.severity() != Severity::Error)
    }
}

impl Roster {
    /// Reserves for an empty seat of `tps` in list order: those tied to this TPS, then the
    /// kelurahan's ranked list, then its reserves tied to other TPS; `wide` adds the other
    /// kelurahan of the kecamatan, each in rank order.
    fn list_order(&self, tps: TpsId, wide: bool) -> impl Iterator<Item = (KelurahanId, &Reserve)> {
        let region = &self.region;
        let here = region.kelurahan_of(tps);
        let list = self.reserves(here);
        let tied = list.iter().filter(move |r| r.tps == Some(tps));
        let ranked = list.iter().filter(|r| r.tps.is_none());
        let elsewhere = list.iter().filter(move |r| r.tps.is_some_and(|t| t != tps));
        let kec = region.kelurahan(here).kecamatan;
        let others = region
            .kecamatan(kec)
            .kelurahan
            .clone()
            .map(KelurahanId)
            .filter(move |&k| wide && k != here)
            .flat_map(move |k| self.reserves(k).iter().map(move |r| (k, r)));
        tied.chain(ranked)
            .chain(elsewhere)
            .map(move |r| (here, r))
            .chain(others)
    }

    fn candidate(&self, kelurahan: KelurahanId, r: &Reserve) -> Candidate {
        Candidate {
            kelurahan,
            rank: r.rank,
            tied: r.tps,
            findings: self.findings(&r.person),
            risk: r.person.health_risk(),
        }
    }

    /// Reserves for an empty seat of `tps`, in the order they should be offered: every
    /// reserve without a health risk first, then those with one (at risk, not screened),
    /// each group in list order (tied to this TPS, the kelurahan's ranked list, tied to
    /// other TPS of the kelurahan, and with `wide` the other kelurahan of the kecamatan).
    pub fn reserve_candidates(&self, tps: TpsId, wide: bool) -> Vec<Candidate> {
        let mut out: Vec<Candidate> = self
            .list_order(tps, wide)
            .map(|(k, r)| self.candidate(k, r))
            .collect();
        // Stable: list order is kept within each group.
        out.sort_by_key(|c| c.risk.is_some());
        out
    }

    /// The reserve "next" means for an empty seat of `tps`, asked by a sender with `role`:
    /// the first eligible one in offer order (the kelurahan's lists, then the rest of the
    /// kecamatan; every clean reserve before any with a health risk) among those `role` may
    /// appoint. One with a health risk only with `accept_risk`; else the refusal names the
    /// risk. Decided at the moment of recording, so simultaneous requests each get their
    /// own reserve.
    pub fn next_reserve_for(
        &self,
        tps: TpsId,
        role: Role,
        accept_risk: bool,
    ) -> Result<Candidate, Refusal> {
        let mut at_risk = None;
        for (k, r) in self.list_order(tps, true) {
            if !role.covers_kelurahan(&self.region, k) {
                continue;
            }
            let eligible = self
                .findings(&r.person)
                .iter()
                .all(|f| f.severity() != Severity::Error);
            if !eligible {
                continue;
            }
            if r.person.health_risk().is_none() {
                return Ok(self.candidate(k, r));
            }
            at_risk.get_or_insert((k, r));
        }
        match at_risk {
            Some((k, r)) if accept_risk => Ok(self.candidate(k, r)),
            Some((k, r)) => Err(Refusal::ReserveAtRisk {
                kelurahan: k,
                rank: r.rank,
                risk: r.person.health_risk().expect("at risk"),
            }),
            None => Err(Refusal::NoReserveLeft),
        }
    }

    /// The reserve "next" means with no limit of role and any health risk accepted.
    pub fn next_reserve(&self, tps: TpsId) -> Option<Candidate> {
        self.next_reserve_for(tps, Role::Kpu, true).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::region::tests::small;
    use crate::domain::{ElectionParams, Event, Nik, Person, Reserve, Screening, Sex};
    use chrono::NaiveDate;

    fn reserve(rank: u32, serial: u16, tps: Option<TpsId>, born: i32) -> Reserve {
        let birth = NaiveDate::from_ymd_opt(born, 1, 1).unwrap();
        let person = Person {
            name: format!("R{serial}").into(),
            nik: Nik::compose(167101, birth, Sex::L, serial),
            birth_date: birth,
            sex: Sex::L,
            phone: None,
            screening: Screening::NotAtRisk,
            jkn: true,
        };
        Reserve { rank, person, tps }
    }

    #[test]
    fn tied_first_then_ranked_then_tied_elsewhere_then_wide() {
        let mut r = Roster::new(small(), ElectionParams::default());
        // Kelurahan 0 (35 Ilir) has TPS 0,1,2; kelurahan 1 (32 Ilir) TPS 3, same kecamatan.
        let (k0, k1) = (KelurahanId(0), KelurahanId(1));
        let reserves = vec![
            (k0, reserve(1, 1, Some(TpsId(2)), 1990)),
            (k0, reserve(2, 2, None, 2010)), // under age: offered, not eligible
            (k0, reserve(3, 3, Some(TpsId(1)), 1990)),
            (k0, reserve(4, 4, None, 1980)),
            (k1, reserve(1, 5, None, 1985)),
        ];
        r.apply(&Event::ReservesImported {
            file: "r".into(),
            cleared: vec![],
            reserves,
        });
        let order: Vec<(u32, u32)> = r
            .reserve_candidates(TpsId(1), false)
            .iter()
            .map(|c| (c.kelurahan.0, c.rank))
            .collect();
        assert_eq!(order, vec![(0, 3), (0, 2), (0, 4), (0, 1)]);
        let wide: Vec<(u32, u32)> = r
            .reserve_candidates(TpsId(1), true)
            .iter()
            .map(|c| (c.kelurahan.0, c.rank))
            .collect();
        assert_eq!(wide.last(), Some(&(1, 1)));
        assert!(!r.reserve_candidates(TpsId(1), false)[1].eligible());
        assert_eq!(r.next_reserve(TpsId(1)).map(|c| c.rank), Some(3));
        assert_eq!(r.next_reserve(TpsId(0)).map(|c| c.rank), Some(4));
    }
}

#[cfg(test)]
mod risk_tests {
    use super::*;
    use crate::domain::region::tests::small;
    use crate::domain::{Command, ElectionParams, Event, Nik, Person, Reserve, Screening, Sex};
    use crate::domain::{HealthFlag, Source};
    use chrono::NaiveDate;

    fn reserve(rank: u32, serial: u16, screening: Screening, jkn: bool) -> Reserve {
        let birth = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
        Reserve {
            rank,
            person: Person {
                name: format!("R{serial}").into(),
                nik: Nik::compose(167101, birth, Sex::L, serial),
                birth_date: birth,
                sex: Sex::L,
                phone: None,
                screening,
                jkn,
            },
            tps: None,
        }
    }

    /// Kelurahan 0 (TPS 0–2): #1 at risk, #2 clean without JKN, #3 not screened, #4 clean.
    /// Kelurahan 1 (TPS 3, same kecamatan): #1 clean.
    fn roster() -> Roster {
        let mut r = Roster::new(small(), ElectionParams::default());
        let (k0, k1) = (KelurahanId(0), KelurahanId(1));
        r.apply(&Event::ReservesImported {
            file: "r".into(),
            cleared: vec![],
            reserves: vec![
                (k0, reserve(1, 1, Screening::AtRisk, true)),
                (k0, reserve(2, 2, Screening::NotAtRisk, false)),
                (k0, reserve(3, 3, Screening::NotScreened, true)),
                (k0, reserve(4, 4, Screening::NotAtRisk, true)),
                (k1, reserve(1, 5, Screening::NotAtRisk, true)),
            ],
        });
        r
    }

    fn order(r: &Roster, wide: bool) -> Vec<(u32, u32)> {
        r.reserve_candidates(TpsId(1), wide)
            .iter()
            .map(|c| (c.kelurahan.0, c.rank))
            .collect()
    }

    #[test]
    fn reserves_with_a_health_risk_are_offered_after_every_clean_one() {
        let r = roster();
        // No JKN (#2) is not a health risk; at risk (#1) and not screened (#3) are.
        assert_eq!(order(&r, false), vec![(0, 2), (0, 4), (0, 1), (0, 3)]);
        // Widened: the other kelurahan's clean reserve before this one's at-risk ones.
        assert_eq!(
            order(&r, true),
            vec![(0, 2), (0, 4), (1, 1), (0, 1), (0, 3)]
        );
        let risks: Vec<Option<HealthFlag>> = r
            .reserve_candidates(TpsId(1), false)
            .iter()
            .map(|c| c.risk)
            .collect();
        assert_eq!(
            risks,
            vec![
                None,
                None,
                Some(HealthFlag::AtRisk),
                Some(HealthFlag::NotScreened)
            ]
        );
    }

    fn next(tps: TpsId, seat: u8, accept_risk: bool) -> Command {
        Command::FillFromNextReserve {
            tps,
            seat,
            accept_risk,
        }
    }

    fn taken(event: &Event) -> (u32, u32) {
        match event {
            Event::SeatFilled {
                source: Source::Reserve {
                    kelurahan, rank, ..
                },
                ..
            } => (kelurahan.0, *rank),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn next_is_decided_in_offer_order_within_the_senders_area() {
        let mut r = roster();
        let pps = Role::Pps(KelurahanId(0));
        // Each decision sees the one before: every request gets its own reserve.
        for (seat, want) in [(1, (0, 2)), (2, (0, 4))] {
            let ev = r.decide_as(&next(TpsId(0), seat, false), pps).unwrap();
            assert_eq!(taken(&ev), want);
            r.apply(&ev);
        }
        // Only at-risk ones left for this PPS (kelurahan 1's clean one is not theirs).
        assert_eq!(
            r.decide_as(&next(TpsId(0), 3, false), pps),
            Err(Refusal::ReserveAtRisk {
                kelurahan: KelurahanId(0),
                rank: 1,
                risk: HealthFlag::AtRisk
            })
        );
        // A PPK of the kecamatan gets the other kelurahan's clean one first.
        let kec = r.region.kelurahan(KelurahanId(0)).kecamatan;
        let ev = r
            .decide_as(&next(TpsId(0), 3, false), Role::Ppk(kec))
            .unwrap();
        assert_eq!(taken(&ev), (1, 1));
        r.apply(&ev);
        // Accepting the risk takes the at-risk ones in list order.
        for (seat, want) in [(4, (0, 1)), (5, (0, 3))] {
            let ev = r.decide_as(&next(TpsId(0), seat, true), pps).unwrap();
            assert_eq!(taken(&ev), want);
            r.apply(&ev);
        }
        assert_eq!(
            r.decide_as(&next(TpsId(0), 6, true), pps),
            Err(Refusal::NoReserveLeft)
        );
        // The seat is checked first, and a filled one is refused as any fill is.
        assert_eq!(
            r.decide_as(&next(TpsId(0), 1, true), pps),
            Err(Refusal::SeatOccupied { seat: 1 })
        );
        assert!(r.reserves(KelurahanId(0)).is_empty());
        r.verify().unwrap();
    }

    #[test]
    fn the_next_reserve_is_in_the_role_check_too() {
        let r = roster();
        let pps = Role::Pps(KelurahanId(1));
        assert_eq!(
            pps.permits(&r.region, &next(TpsId(0), 1, true)),
            Err(Refusal::OutsideScope(pps))
        );
        assert_eq!(pps.permits(&r.region, &next(TpsId(3), 1, true)), Ok(()));
        assert_eq!(
            Role::Viewer.permits(&r.region, &next(TpsId(3), 1, true)),
            Err(Refusal::ReadOnly)
        );
        assert_eq!(
            r.check_ids(&next(TpsId(99), 1, true)),
            Err(Refusal::NoSuchPlace)
        );
        // A PPS of kelurahan 1 asking for TPS 3 never reaches kelurahan 0's list.
        let ev = r.decide_as(&next(TpsId(3), 1, true), pps).unwrap();
        assert_eq!(taken(&ev), (1, 1));
    }
}
