//! Choosing a replacement from the reserve lists (daftar calon pengganti).

use super::person::{Finding, Severity};
use super::region::{KelurahanId, TpsId};
use super::roster::Roster;

/// A reserve offered for an empty seat, with what the rules say about them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub kelurahan: KelurahanId,
    pub rank: u32,
    pub tied: Option<TpsId>,
    pub findings: Vec<Finding>,
}

impl Candidate {
    pub fn eligible(&self) -> bool {
        self.findings
            .iter()
            .all(|f| f.severity() != Severity::Error)
    }
}

impl Roster {
    /// Reserves for an empty seat of `tps`, in the order they should be offered: those tied
    /// to this TPS, then the kelurahan's ranked list, then its reserves tied to other TPS;
    /// `wide` adds the other kelurahan of the kecamatan, each in rank order.
    pub fn reserve_candidates(&self, tps: TpsId, wide: bool) -> Vec<Candidate> {
        let region = &self.region;
        let here = region.kelurahan_of(tps);
        let candidate = |kel: KelurahanId, r: &super::Reserve| Candidate {
            kelurahan: kel,
            rank: r.rank,
            tied: r.tps,
            findings: self.findings(&r.person),
        };
        let list = self.reserves(here);
        let mut out: Vec<Candidate> = list
            .iter()
            .filter(|r| r.tps == Some(tps))
            .map(|r| candidate(here, r))
            .collect();
        out.extend(
            list.iter()
                .filter(|r| r.tps.is_none())
                .map(|r| candidate(here, r)),
        );
        out.extend(
            list.iter()
                .filter(|r| r.tps.is_some_and(|t| t != tps))
                .map(|r| candidate(here, r)),
        );
        if wide {
            let kec = region.kelurahan(here).kecamatan;
            for k in region
                .kecamatan(kec)
                .kelurahan
                .clone()
                .map(KelurahanId)
                .filter(|&k| k != here)
            {
                out.extend(self.reserves(k).iter().map(|r| candidate(k, r)));
            }
        }
        out
    }

    /// The reserve `kpps fill --reserve next` takes: the first eligible candidate, looking
    /// in the kelurahan first and then in the rest of the kecamatan.
    pub fn next_reserve(&self, tps: TpsId) -> Option<Candidate> {
        let first = |wide| {
            self.reserve_candidates(tps, wide)
                .into_iter()
                .find(Candidate::eligible)
        };
        first(false).or_else(|| first(true))
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
