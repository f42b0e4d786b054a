//! Who may change what. A coordinator's role fixes the part of the region they may write:
//! a PPS its kelurahan, a PPK its kecamatan, the KPU office everything; viewers nothing.
//! The server checks every command against the sender's role before deciding it.

use serde::{Deserialize, Serialize};

use super::event::{Command, Event, Refusal, Source};
use super::region::{KecamatanId, KelurahanId, Region, TpsId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// KPU Kabupaten/Kota: the whole region.
    Kpu,
    /// Panitia Pemilihan Kecamatan: one kecamatan.
    Ppk(KecamatanId),
    /// Panitia Pemungutan Suara: one kelurahan.
    Pps(KelurahanId),
    /// Sees everything, changes nothing.
    Viewer,
}

impl Role {
    /// Whether this role may write in kelurahan `kel`.
    pub fn covers_kelurahan(self, region: &Region, kel: KelurahanId) -> bool {
        match self {
            Role::Kpu => true,
            Role::Ppk(kec) => region.kelurahan(kel).kecamatan == kec,
            Role::Pps(own) => own == kel,
            Role::Viewer => false,
        }
    }

    fn covers_tps(self, region: &Region, tps: TpsId) -> bool {
        self.covers_kelurahan(region, region.kelurahan_of(tps))
    }

    /// Whether this role may change anything at `tps` (what the TUI asks before it opens a
    /// dialog; the server checks the whole command with `permits`).
    pub fn may_write(self, region: &Region, tps: TpsId) -> Result<(), Refusal> {
        match self {
            Role::Viewer => Err(Refusal::ReadOnly),
            _ if self.covers_tps(region, tps) => Ok(()),
            _ => Err(Refusal::OutsideScope(self)),
        }
    }

    /// Whether this role may send `command` (whose ids must be in range: see
    /// `Roster::check_ids`). A reserve list belongs to its kelurahan, so appointing a
    /// reserve from another kelurahan needs a role covering both.
    pub fn permits(self, region: &Region, command: &Command) -> Result<(), Refusal> {
        if self == Role::Viewer {
            return Err(Refusal::ReadOnly);
        }
        let (tps, reserve_kel) = match command {
            Command::Vacate { tps, .. }
            | Command::MarkAbsent { tps, .. }
            | Command::FillDirect { tps, .. }
            | Command::DesignateKetua { tps, .. } => (Some(*tps), None),
            // Which reserve "next" takes is limited to the role's area when it is decided
            // (`Roster::decide_as`).
            Command::FillFromNextReserve { tps, .. } => (Some(*tps), None),
            Command::FillFromReserve { tps, kelurahan, .. } => (Some(*tps), Some(*kelurahan)),
            Command::Undo { event, .. } => (event.tps(), reserve_of(event)),
            Command::Import(_) => (None, None),
        };
        let in_scope = tps.is_none_or(|t| self.covers_tps(region, t))
            && reserve_kel.is_none_or(|k| self.covers_kelurahan(region, k))
            // Imports (no single TPS) are the KPU office's.
            && (tps.is_some() || self == Role::Kpu);
        if in_scope {
            Ok(())
        } else {
            Err(Refusal::OutsideScope(self))
        }
    }
}

fn reserve_of(event: &Event) -> Option<KelurahanId> {
    match event {
        Event::SeatFilled {
            source: Source::Reserve { kelurahan, .. },
            ..
        } => Some(*kelurahan),
        Event::Undone { event, .. } => reserve_of(event),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::VacateReason;

    fn setup() -> (Region, TpsId, TpsId, TpsId) {
        let region = crate::domain::region::tests::small();
        // First TPS of kelurahan 0, first TPS of kelurahan 1 (same kecamatan), and the
        // first TPS of another kecamatan.
        let a = TpsId(region.kelurahan(KelurahanId(0)).tps.start);
        let b = TpsId(region.kelurahan(KelurahanId(1)).tps.start);
        let other_kec = region
            .kelurahan
            .iter()
            .position(|k| k.kecamatan != region.kelurahan(KelurahanId(0)).kecamatan)
            .expect("a second kecamatan");
        let c = TpsId(region.kelurahan[other_kec].tps.start);
        assert_eq!(
            region.kelurahan(KelurahanId(1)).kecamatan,
            region.kelurahan(KelurahanId(0)).kecamatan
        );
        (region, a, b, c)
    }

    fn vacate(tps: TpsId) -> Command {
        Command::Vacate {
            tps,
            seat: 3,
            reason: VacateReason::Resigned,
        }
    }

    #[test]
    fn each_role_writes_its_own_area_only() {
        let (region, a, b, c) = setup();
        let kec = region.kelurahan(KelurahanId(0)).kecamatan;
        let pps = Role::Pps(KelurahanId(0));
        let ppk = Role::Ppk(kec);
        assert_eq!(pps.permits(&region, &vacate(a)), Ok(()));
        assert_eq!(
            pps.permits(&region, &vacate(b)),
            Err(Refusal::OutsideScope(pps))
        );
        assert_eq!(ppk.permits(&region, &vacate(b)), Ok(()));
        assert_eq!(
            ppk.permits(&region, &vacate(c)),
            Err(Refusal::OutsideScope(ppk))
        );
        assert_eq!(Role::Kpu.permits(&region, &vacate(c)), Ok(()));
        assert_eq!(
            Role::Viewer.permits(&region, &vacate(a)),
            Err(Refusal::ReadOnly)
        );
        // The TUI's question before a dialog agrees with the server's check.
        for role in [pps, ppk, Role::Kpu, Role::Viewer] {
            for tps in [a, b, c] {
                assert_eq!(
                    role.may_write(&region, tps),
                    role.permits(&region, &vacate(tps)),
                    "{role:?} at {tps:?}"
                );
            }
        }
    }

    #[test]
    fn another_kelurahans_reserve_needs_a_wider_role() {
        let (region, a, _, _) = setup();
        let kec = region.kelurahan(KelurahanId(0)).kecamatan;
        let fill = Command::FillFromReserve {
            tps: a,
            seat: 2,
            kelurahan: KelurahanId(1),
            rank: 1,
        };
        let pps = Role::Pps(KelurahanId(0));
        assert_eq!(pps.permits(&region, &fill), Err(Refusal::OutsideScope(pps)));
        assert_eq!(Role::Ppk(kec).permits(&region, &fill), Ok(()));
    }
}
