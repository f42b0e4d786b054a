//! The roster: region tree, seats, reserves and a NIK index, with staffing roll-ups kept
//! up to date incrementally as events are applied.

use std::collections::HashMap;

use super::access::Role;
use super::event::{Command, Event, NikLocation, Refusal, Reserve, SeatAssignment, Source};
use super::freetext::{self, TextField};
use super::person::{check_person, Finding, Person, Severity};
use super::region::{KecamatanId, KelurahanId, Region, TpsId};
use super::{ElectionParams, Nik};

/// Hashing for the NIK index: a NIK is already a well-spread 16-digit number, so one
/// multiply (Fibonacci hashing) does what SipHash does at a fraction of the cost; the index
/// holds 5.7 million entries at national scale and is rebuilt at every start.
#[derive(Clone, Copy, Default)]
pub struct NikHash;

impl std::hash::BuildHasher for NikHash {
    type Hasher = NikHasher;
    fn build_hasher(&self) -> NikHasher {
        NikHasher(0)
    }
}

#[derive(Clone, Copy)]
pub struct NikHasher(u64);

impl std::hash::Hasher for NikHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type NikMap = HashMap<Nik, NikLocation, NikHash>;

/// Where every NIK in the roster is. After a bulk load it is built on another thread, so
/// the first frame does not wait for 5.7 million inserts (0.7 s at national scale); the
/// first use waits for it instead.
#[derive(Debug, Default)]
struct NikIndex {
    ready: std::sync::OnceLock<NikMap>,
    building: std::sync::Mutex<Option<std::thread::JoinHandle<NikMap>>>,
}

impl Clone for NikIndex {
    fn clone(&self) -> Self {
        if self.ready.get().is_none() {
            if let Some(handle) = self.building.lock().expect("index lock").take() {
                let _ = self
                    .ready
                    .set(handle.join().expect("the index thread does not panic"));
            }
        }
        // Unbuilt stays unbuilt: the clone builds from its own seats when first asked.
        NikIndex {
            ready: self.ready.clone(),
            building: Default::default(),
        }
    }
}

/// The officer sitting in a seat.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Holder {
    pub person: Person,
    /// Berhalangan sementara: the seat counts as a gap until they are back or replaced.
    pub absent: bool,
}

/// Per-TPS staffing state, derived from its seats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TpsStats {
    pub vacant: u8,
    pub ketua_missing: bool,
    pub flagged: u8,
}

impl TpsStats {
    pub fn has_gap(&self) -> bool {
        self.vacant > 0
    }

    pub fn needs_attention(&self) -> bool {
        self.vacant > 0 || self.flagged > 0
    }
}

/// Counts for any node of the tree (or the whole tree).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rollup {
    pub tps: u32,
    pub seats: u32,
    pub vacant: u32,
    pub tps_short: u32,
    pub tps_without_ketua: u32,
    pub flagged: u32,
}

impl Rollup {
    pub fn filled(&self) -> u32 {
        self.seats - self.vacant
    }

    fn add(&mut self, s: TpsStats, sign: i64) {
        let upd = |v: &mut u32, d: i64| *v = (*v as i64 + d * sign) as u32;
        upd(&mut self.vacant, s.vacant as i64);
        upd(&mut self.tps_short, (s.vacant > 0) as i64);
        upd(&mut self.tps_without_ketua, s.ketua_missing as i64);
        upd(&mut self.flagged, s.flagged as i64);
    }
}

#[derive(Clone, Debug)]
pub struct Roster {
    pub params: ElectionParams,
    pub region: Region,
    /// The store holds generated demo data; every view says so.
    pub demo: bool,
    seats: Vec<Option<Holder>>,
    reserves: Vec<Vec<Reserve>>,
    nik_index: NikIndex,
    tps_stats: Vec<TpsStats>,
    kelurahan_rollup: Vec<Rollup>,
    kecamatan_rollup: Vec<Rollup>,
    total: Rollup,
}

impl Roster {
    /// A roster with every seat vacant and no reserves.
    pub fn new(region: Region, params: ElectionParams) -> Roster {
        let spt = params.seats_per_tps as usize;
        let empty = TpsStats {
            vacant: spt as u8,
            ketua_missing: spt > 0,
            flagged: 0,
        };
        let mut roster = Roster {
            seats: vec![None; region.tps.len() * spt],
            reserves: vec![Vec::new(); region.kelurahan.len()],
            nik_index: NikIndex::default(),
            tps_stats: vec![empty; region.tps.len()],
            kelurahan_rollup: vec![Rollup::default(); region.kelurahan.len()],
            kecamatan_rollup: vec![Rollup::default(); region.kecamatan.len()],
            total: Rollup::default(),
            demo: false,
            params,
            region,
        };
        roster.recompute_rollups();
        roster
    }

    pub fn seats_per_tps(&self) -> u8 {
        self.params.seats_per_tps
    }

    fn slot(&self, tps: TpsId, seat: u8) -> usize {
        tps.0 as usize * self.seats_per_tps() as usize + (seat as usize - 1)
    }

    /// Seat `seat` (1-based; 1 is the Ketua) of a TPS.
    pub fn seat(&self, tps: TpsId, seat: u8) -> Option<&Holder> {
        self.seats[self.slot(tps, seat)].as_ref()
    }

    /// The seats of a TPS in order, seat 1 first.
    pub fn seats_of(&self, tps: TpsId) -> &[Option<Holder>] {
        let start = self.slot(tps, 1);
        &self.seats[start..start + self.seats_per_tps() as usize]
    }

    pub fn reserves(&self, kel: KelurahanId) -> &[Reserve] {
        &self.reserves[kel.0 as usize]
    }

    pub fn locate_nik(&self, nik: Nik) -> Option<NikLocation> {
        self.nik_map().get(&nik).copied()
    }

    pub fn tps_stats(&self, tps: TpsId) -> TpsStats {
        self.tps_stats[tps.0 as usize]
    }

    pub fn kelurahan_rollup(&self, kel: KelurahanId) -> Rollup {
        self.kelurahan_rollup[kel.0 as usize]
    }

    pub fn kecamatan_rollup(&self, kec: KecamatanId) -> Rollup {
        self.kecamatan_rollup[kec.0 as usize]
    }

    pub fn total(&self) -> Rollup {
        self.total
    }

    pub fn officer_count(&self) -> usize {
        self.seats.iter().filter(|s| s.is_some()).count()
    }

    /// Eligibility findings for a person in this region under this election's rules.
    pub fn findings(&self, person: &Person) -> Vec<Finding> {
        check_person(person, &self.params, |r| self.region.issues_nik_region(r))
    }

    fn compute_stats(&self, tps: TpsId) -> TpsStats {
        let seats = self.seats_of(tps);
        let mut s = TpsStats::default();
        for (i, seat) in seats.iter().enumerate() {
            let gap = seat.as_ref().is_none_or(|h| h.absent);
            if gap {
                s.vacant += 1;
                s.ketua_missing |= i == 0;
            }
            if seat.as_ref().is_some_and(|h| h.person.is_flagged()) {
                s.flagged += 1;
            }
        }
        s
    }

    /// Checks the derived state against the seats and reserves it is derived from: every
    /// roll-up equals a fresh count, and the NIK index holds exactly the people seated or
    /// on a reserve list, each where they are. For tests and `kpps check`.
    pub fn verify(&self) -> Result<(), String> {
        let spt = self.seats_per_tps() as u32;
        let mut kel = vec![Rollup::default(); self.kelurahan_rollup.len()];
        let mut kec = vec![Rollup::default(); self.kecamatan_rollup.len()];
        let mut total = Rollup::default();
        let mut people = 0usize;
        for t in self.region.tps_ids() {
            let fresh = self.compute_stats(t);
            if fresh != self.tps_stats[t.0 as usize] {
                return Err(format!(
                    "TPS {} stats {:?} but seats say {fresh:?}",
                    self.region.address(t),
                    self.tps_stats[t.0 as usize]
                ));
            }
            let k = self.region.kelurahan_of(t);
            let c = self.region.kecamatan_of(t);
            for r in [&mut kel[k.0 as usize], &mut kec[c.0 as usize], &mut total] {
                r.tps += 1;
                r.seats += spt;
                r.add(fresh, 1);
            }
            for (i, seat) in self.seats_of(t).iter().enumerate() {
                if let Some(h) = seat {
                    people += 1;
                    let want = NikLocation::Seat {
                        tps: t,
                        seat: i as u8 + 1,
                    };
                    if self.nik_map().get(&h.person.nik) != Some(&want) {
                        return Err(format!(
                            "NIK index for {} is {:?}, not {want:?}",
                            h.person.nik.masked(),
                            self.nik_map().get(&h.person.nik)
                        ));
                    }
                }
            }
        }
        for (k, list) in self.reserves.iter().enumerate() {
            for r in list {
                people += 1;
                let want = NikLocation::Reserve {
                    kelurahan: KelurahanId(k as u32),
                    rank: r.rank,
                };
                if self.nik_map().get(&r.person.nik) != Some(&want) {
                    return Err(format!(
                        "NIK index for reserve {} is wrong",
                        r.person.nik.masked()
                    ));
                }
            }
        }
        if people != self.nik_map().len() {
            return Err(format!(
                "NIK index holds {} entries for {people} people",
                self.nik_map().len()
            ));
        }
        if kel != self.kelurahan_rollup || kec != self.kecamatan_rollup || total != self.total {
            return Err("roll-ups differ from a fresh count".into());
        }
        Ok(())
    }

    /// Rebuilds every roll-up from the seats (after bulk loads; `apply` is incremental).
    pub(crate) fn recompute_rollups(&mut self) {
        let spt = self.seats_per_tps() as u32;
        for r in self
            .kelurahan_rollup
            .iter_mut()
            .chain(self.kecamatan_rollup.iter_mut())
        {
            *r = Rollup::default();
        }
        self.total = Rollup::default();
        for t in 0..self.region.tps.len() as u32 {
            let tps = TpsId(t);
            let stats = self.compute_stats(tps);
            self.tps_stats[t as usize] = stats;
            let kel = self.region.kelurahan_of(tps);
            let kec = self.region.kecamatan_of(tps);
            for r in [
                &mut self.kelurahan_rollup[kel.0 as usize],
                &mut self.kecamatan_rollup[kec.0 as usize],
                &mut self.total,
            ] {
                r.tps += 1;
                r.seats += spt;
                r.add(stats, 1);
            }
        }
    }

    /// Re-derives one TPS's stats and pushes the difference up the tree.
    fn refresh(&mut self, tps: TpsId) {
        let old = self.tps_stats[tps.0 as usize];
        let new = self.compute_stats(tps);
        if old == new {
            return;
        }
        self.tps_stats[tps.0 as usize] = new;
        let kel = self.region.kelurahan_of(tps);
        let kec = self.region.kecamatan_of(tps);
        for r in [
            &mut self.kelurahan_rollup[kel.0 as usize],
            &mut self.kecamatan_rollup[kec.0 as usize],
            &mut self.total,
        ] {
            r.add(old, -1);
            r.add(new, 1);
        }
    }

    /// Puts a person in a seat without touching the NIK index or roll-ups (bulk loads into a
    /// fresh roster: the index is built from the seats when first needed; call
    /// `recompute_rollups` after).
    pub(crate) fn place_seat(&mut self, tps: TpsId, seat: u8, holder: Holder) {
        let slot = self.slot(tps, seat);
        self.seats[slot] = Some(holder);
    }

    /// `place_seat` for a whole TPS as stored (seat 1 first; empty seats as `None`).
    pub(crate) fn place_seats(&mut self, tps: TpsId, seats: Vec<Option<Holder>>) {
        for (i, holder) in seats.into_iter().enumerate() {
            if let Some(h) = holder {
                self.place_seat(tps, i as u8 + 1, h);
            }
        }
    }

    /// Every person's NIK and where they are.
    fn index_pairs(&self) -> Vec<(Nik, NikLocation)> {
        let spt = self.seats_per_tps() as usize;
        let mut pairs: Vec<(Nik, NikLocation)> = Vec::with_capacity(self.seats.len());
        for (slot, seat) in self.seats.iter().enumerate() {
            if let Some(h) = seat {
                let loc = NikLocation::Seat {
                    tps: TpsId((slot / spt) as u32),
                    seat: (slot % spt) as u8 + 1,
                };
                pairs.push((h.person.nik, loc));
            }
        }
        for (k, list) in self.reserves.iter().enumerate() {
            for r in list {
                pairs.push((
                    r.person.nik,
                    NikLocation::Reserve {
                        kelurahan: KelurahanId(k as u32),
                        rank: r.rank,
                    },
                ));
            }
        }
        pairs
    }

    fn build_map(pairs: Vec<(Nik, NikLocation)>) -> NikMap {
        let mut map = NikMap::with_capacity_and_hasher(pairs.len(), NikHash);
        map.extend(pairs);
        map
    }

    /// The NIK index: finished by its background thread, or built now on first use.
    fn nik_map(&self) -> &NikMap {
        self.nik_index.ready.get_or_init(|| {
            match self.nik_index.building.lock().expect("index lock").take() {
                Some(handle) => handle.join().expect("the index thread does not panic"),
                None => Self::build_map(self.index_pairs()),
            }
        })
    }

    fn nik_map_mut(&mut self) -> &mut NikMap {
        self.nik_map();
        self.nik_index.ready.get_mut().expect("index is ready")
    }

    /// Starts building the NIK index on another thread (after a bulk load, so the first
    /// screen need not wait for it; a report that never needs it never builds it).
    pub fn index_in_background(&mut self) {
        if self.nik_index.ready.get().is_some() {
            return;
        }
        let pairs = self.index_pairs();
        let handle = std::thread::spawn(move || Self::build_map(pairs));
        self.nik_index = NikIndex {
            ready: std::sync::OnceLock::new(),
            building: std::sync::Mutex::new(Some(handle)),
        };
    }

    /// Adds a reserve without touching the NIK index (bulk loads).
    pub(crate) fn place_reserve(&mut self, kel: KelurahanId, reserve: Reserve) {
        let list = &mut self.reserves[kel.0 as usize];
        let at = list.partition_point(|r| r.rank < reserve.rank);
        list.insert(at, reserve);
    }

    /// Puts a person in a seat without roll-up maintenance (bulk loading; call
    /// `recompute_rollups` after).
    pub(crate) fn load_seat(&mut self, tps: TpsId, seat: u8, holder: Holder) {
        self.nik_map_mut()
            .insert(holder.person.nik, NikLocation::Seat { tps, seat });
        let slot = self.slot(tps, seat);
        self.seats[slot] = Some(holder);
    }

    /// Adds a reserve to a kelurahan's list, keeping rank order.
    pub(crate) fn load_reserve(&mut self, kel: KelurahanId, reserve: Reserve) {
        self.nik_map_mut().insert(
            reserve.person.nik,
            NikLocation::Reserve {
                kelurahan: kel,
                rank: reserve.rank,
            },
        );
        self.place_reserve(kel, reserve);
    }

    fn take_seat(&mut self, tps: TpsId, seat: u8) -> Option<Holder> {
        let slot = self.slot(tps, seat);
        let holder = self.seats[slot].take();
        if let Some(h) = &holder {
            self.nik_map_mut().remove(&h.person.nik);
        }
        holder
    }

    fn take_reserve(&mut self, kel: KelurahanId, rank: u32) -> Option<Reserve> {
        let list = &mut self.reserves[kel.0 as usize];
        let at = list.iter().position(|r| r.rank == rank)?;
        let r = list.remove(at);
        self.nik_map_mut().remove(&r.person.nik);
        Some(r)
    }

    /// Refuses a command naming a TPS, seat or kelurahan that does not exist (a command
    /// from a client is never trusted to be well-formed), also inside an undo.
    pub fn check_ids(&self, command: &Command) -> Result<(), Refusal> {
        let tps_ok = |t: TpsId| (t.0 as usize) < self.region.tps.len();
        let kel_ok = |k: KelurahanId| (k.0 as usize) < self.region.kelurahan.len();
        let seat_ok = |seat: u8| self.check_seat(seat);
        let place = |ok: bool| {
            if ok {
                Ok(())
            } else {
                Err(Refusal::NoSuchPlace)
            }
        };
        match command {
            Command::Vacate { tps, seat, .. }
            | Command::MarkAbsent { tps, seat, .. }
            | Command::FillDirect { tps, seat, .. }
            | Command::FillFromNextReserve { tps, seat, .. } => {
                place(tps_ok(*tps))?;
                seat_ok(*seat)
            }
            Command::FillFromReserve {
                tps,
                seat,
                kelurahan,
                ..
            } => {
                place(tps_ok(*tps) && kel_ok(*kelurahan))?;
                seat_ok(*seat)
            }
            Command::DesignateKetua { tps, from_seat } => {
                place(tps_ok(*tps))?;
                seat_ok(*from_seat)
            }
            Command::Undo { event, .. } => {
                let mut kelurahan = Vec::new();
                let (tps, seats): (Option<TpsId>, Vec<u8>) = match event {
                    Event::SeatFilled {
                        tps, seat, source, ..
                    } => {
                        if let Source::Reserve {
                            kelurahan: k,
                            tps: tied,
                            ..
                        } = source
                        {
                            kelurahan.push(*k);
                            place(tied.is_none_or(tps_ok))?;
                        }
                        (Some(*tps), vec![*seat])
                    }
                    Event::SeatVacated { tps, seat, .. }
                    | Event::AbsenceMarked { tps, seat, .. } => (Some(*tps), vec![*seat]),
                    Event::KetuaDesignated { tps, from_seat, .. } => {
                        (Some(*tps), vec![*from_seat, 1])
                    }
                    // Imports and undos cannot be undone; decide says so.
                    _ => (None, vec![]),
                };
                place(tps.is_none_or(tps_ok) && kelurahan.into_iter().all(kel_ok))?;
                seats.into_iter().try_for_each(seat_ok)
            }
            // Checked row by row, so a refusal can name the row.
            Command::Import(_) => Ok(()),
        }
    }

    pub(super) fn check_seat(&self, seat: u8) -> Result<(), Refusal> {
        let seats = self.seats_per_tps();
        if seat == 0 || seat > seats {
            return Err(Refusal::NoSuchSeat { seat, seats });
        }
        Ok(())
    }

    /// Refuses a person the hard rules exclude (under age on voting day).
    pub(super) fn check_eligible(&self, person: &Person) -> Result<(), Refusal> {
        let errors: Vec<Finding> = self
            .findings(person)
            .into_iter()
            .filter(|f| f.severity() == Severity::Error)
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Refusal::Ineligible(errors))
        }
    }

    fn check_new_person(&self, person: &Person) -> Result<(), Refusal> {
        if let Some(at) = self.locate_nik(person.nik) {
            return Err(Refusal::NikInUse {
                nik: person.nik,
                at,
            });
        }
        self.check_eligible(person)
    }

    /// A seat that exists and is empty (an absent officer still holds it).
    fn check_empty_seat(&self, tps: TpsId, seat: u8) -> Result<(), Refusal> {
        self.check_seat(seat)?;
        if self.seat(tps, seat).is_some() {
            return Err(Refusal::SeatOccupied { seat });
        }
        Ok(())
    }

    /// Decides a command: the event it produces, or why it is refused. Changes nothing.
    /// The next reserve may come from anywhere in the kecamatan (a store opened directly
    /// has no roles); a server decides with `decide_as`.
    pub fn decide(&self, command: &Command) -> Result<Event, Refusal> {
        self.decide_as(command, Role::Kpu)
    }

    /// `decide` for a sender with `role`: `FillFromNextReserve` takes only a reserve the
    /// role may appoint. (Whether the role may send the command at all is
    /// `Role::permits`, checked before.)
    pub fn decide_as(&self, command: &Command, role: Role) -> Result<Event, Refusal> {
        self.check_ids(command)?;
        match command {
            Command::Vacate { tps, seat, reason } => {
                self.check_seat(*seat)?;
                let holder = self
                    .seat(*tps, *seat)
                    .ok_or(Refusal::SeatEmpty { seat: *seat })?;
                Ok(Event::SeatVacated {
                    tps: *tps,
                    seat: *seat,
                    reason: *reason,
                    person: holder.person.clone(),
                })
            }
            Command::MarkAbsent { tps, seat, absent } => {
                self.check_seat(*seat)?;
                let holder = self
                    .seat(*tps, *seat)
                    .ok_or(Refusal::SeatEmpty { seat: *seat })?;
                match (holder.absent, *absent) {
                    (true, true) => Err(Refusal::AlreadyAbsent { seat: *seat }),
                    (false, false) => Err(Refusal::NotAbsent { seat: *seat }),
                    _ => Ok(Event::AbsenceMarked {
                        tps: *tps,
                        seat: *seat,
                        absent: *absent,
                    }),
                }
            }
            Command::FillFromReserve {
                tps,
                seat,
                kelurahan,
                rank,
            } => {
                self.check_empty_seat(*tps, *seat)?;
                let here = self.region.kelurahan_of(*tps);
                if self.region.kelurahan(here).kecamatan
                    != self.region.kelurahan(*kelurahan).kecamatan
                {
                    return Err(Refusal::ReserveOutsideKecamatan);
                }
                let reserve = self
                    .reserves(*kelurahan)
                    .iter()
                    .find(|r| r.rank == *rank)
                    .ok_or(Refusal::NoSuchReserve {
                        kelurahan: *kelurahan,
                        rank: *rank,
                    })?;
                self.check_eligible(&reserve.person)?;
                Ok(Event::SeatFilled {
                    tps: *tps,
                    seat: *seat,
                    person: reserve.person.clone(),
                    source: Source::Reserve {
                        kelurahan: *kelurahan,
                        rank: *rank,
                        tps: reserve.tps,
                    },
                })
            }
            Command::FillDirect {
                tps,
                seat,
                person,
                berita_acara,
            } => {
                // Typed text is checked here too, whoever sent it: what is recorded is the
                // trimmed text, never a control sequence or an oversize value.
                let mut person = person.clone().clean_text().map_err(Refusal::BadText)?;
                // Stored in the one national form, whoever sent it.
                if let Some(raw) = person.phone.take() {
                    person.phone = super::phone::normalize(&raw)
                        .map_err(Refusal::BadPhone)?
                        .map(|p| p.number);
                }
                let berita_acara =
                    freetext::optional(TextField::BeritaAcara, berita_acara.as_deref())
                        .map_err(Refusal::BadText)?
                        .map(std::borrow::Cow::into_owned);
                self.check_empty_seat(*tps, *seat)?;
                self.check_new_person(&person)?;
                Ok(Event::SeatFilled {
                    tps: *tps,
                    seat: *seat,
                    person,
                    source: Source::Direct { berita_acara },
                })
            }
            Command::DesignateKetua { tps, from_seat } => {
                self.check_seat(*from_seat)?;
                if *from_seat == 1 {
                    return Err(Refusal::AlreadyKetua);
                }
                if self.seat(*tps, 1).is_some() {
                    return Err(Refusal::KetuaSeatOccupied);
                }
                match self.seat(*tps, *from_seat) {
                    None => Err(Refusal::SeatEmpty { seat: *from_seat }),
                    Some(h) if h.absent => Err(Refusal::AlreadyAbsent { seat: *from_seat }),
                    Some(h) => Ok(Event::KetuaDesignated {
                        tps: *tps,
                        from_seat: *from_seat,
                        person: h.person.clone(),
                    }),
                }
            }
            Command::FillFromNextReserve {
                tps,
                seat,
                accept_risk,
            } => {
                self.check_empty_seat(*tps, *seat)?;
                let next = self.next_reserve_for(*tps, role, *accept_risk)?;
                self.decide_as(
                    &Command::FillFromReserve {
                        tps: *tps,
                        seat: *seat,
                        kelurahan: next.kelurahan,
                        rank: next.rank,
                    },
                    role,
                )
            }
            Command::Undo { seq, event } => {
                if !self.can_undo(event) {
                    return Err(Refusal::CannotUndo);
                }
                Ok(Event::Undone {
                    seq: *seq,
                    event: Box::new(event.clone()),
                })
            }
            Command::Import(import) => self.decide_import(import),
        }
    }

    /// Whether reversing `event` now restores exactly what it changed.
    fn can_undo(&self, event: &Event) -> bool {
        let holds = |tps: TpsId, seat: u8, nik: Nik| {
            self.seat(tps, seat).is_some_and(|h| h.person.nik == nik)
        };
        match event {
            Event::SeatFilled {
                tps,
                seat,
                person,
                source,
            } => {
                let rank_free = match source {
                    Source::Reserve {
                        kelurahan, rank, ..
                    } => self.reserves(*kelurahan).iter().all(|r| r.rank != *rank),
                    _ => true,
                };
                holds(*tps, *seat, person.nik)
                    && !self.seat(*tps, *seat).is_some_and(|h| h.absent)
                    && rank_free
            }
            Event::SeatVacated {
                tps, seat, person, ..
            } => self.seat(*tps, *seat).is_none() && self.locate_nik(person.nik).is_none(),
            Event::AbsenceMarked { tps, seat, absent } => {
                self.seat(*tps, *seat).is_some_and(|h| h.absent == *absent)
            }
            Event::KetuaDesignated { tps, from_seat, .. } => {
                self.seat(*tps, 1).is_some() && self.seat(*tps, *from_seat).is_none()
            }
            Event::RosterImported { .. }
            | Event::RosterFileImported { .. }
            | Event::ReservesImported { .. }
            | Event::Undone { .. } => false,
        }
    }

    /// Reverses an event that `can_undo` accepted.
    fn apply_inverse(&mut self, event: &Event) {
        match event {
            Event::SeatFilled {
                tps,
                seat,
                person,
                source,
            } => {
                self.take_seat(*tps, *seat);
                if let Source::Reserve {
                    kelurahan,
                    rank,
                    tps: tied,
                } = source
                {
                    self.load_reserve(
                        *kelurahan,
                        Reserve {
                            rank: *rank,
                            person: person.clone(),
                            tps: *tied,
                        },
                    );
                }
                self.refresh(*tps);
            }
            Event::SeatVacated {
                tps, seat, person, ..
            } => {
                self.load_seat(
                    *tps,
                    *seat,
                    Holder {
                        person: person.clone(),
                        absent: false,
                    },
                );
                self.refresh(*tps);
            }
            Event::AbsenceMarked { tps, seat, absent } => {
                self.apply(&Event::AbsenceMarked {
                    tps: *tps,
                    seat: *seat,
                    absent: !absent,
                });
            }
            Event::KetuaDesignated { tps, from_seat, .. } => {
                if let Some(h) = self.take_seat(*tps, 1) {
                    self.load_seat(*tps, *from_seat, h);
                }
                self.refresh(*tps);
            }
            Event::RosterImported { .. }
            | Event::RosterFileImported { .. }
            | Event::ReservesImported { .. }
            | Event::Undone { .. } => {}
        }
    }

    /// A roster file's seats: `cleared` kelurahan emptied first; `absent` are positions in
    /// `seats` of officers berhalangan sementara.
    fn import_seats(&mut self, cleared: &[KelurahanId], seats: &[SeatAssignment], absent: &[u32]) {
        for &kel in cleared {
            for t in self.region.kelurahan(kel).tps.clone() {
                for seat in 1..=self.seats_per_tps() {
                    self.take_seat(TpsId(t), seat);
                }
                self.refresh(TpsId(t));
            }
        }
        let absent: std::collections::HashSet<u32> = absent.iter().copied().collect();
        for (i, SeatAssignment { tps, seat, person }) in seats.iter().enumerate() {
            self.load_seat(
                *tps,
                *seat,
                Holder {
                    person: person.clone(),
                    absent: absent.contains(&(i as u32)),
                },
            );
            self.refresh(*tps);
        }
    }

    /// Applies an event that was decided against this roster (or replayed from the log).
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::SeatFilled {
                tps,
                seat,
                person,
                source,
            } => {
                if let Source::Reserve {
                    kelurahan, rank, ..
                } = source
                {
                    self.take_reserve(*kelurahan, *rank);
                }
                self.load_seat(
                    *tps,
                    *seat,
                    Holder {
                        person: person.clone(),
                        absent: false,
                    },
                );
                self.refresh(*tps);
            }
            Event::SeatVacated { tps, seat, .. } => {
                self.take_seat(*tps, *seat);
                self.refresh(*tps);
            }
            Event::AbsenceMarked { tps, seat, absent } => {
                let slot = self.slot(*tps, *seat);
                if let Some(h) = self.seats[slot].as_mut() {
                    h.absent = *absent;
                }
                self.refresh(*tps);
            }
            Event::KetuaDesignated { tps, from_seat, .. } => {
                if let Some(h) = self.take_seat(*tps, *from_seat) {
                    self.load_seat(*tps, 1, h);
                }
                self.refresh(*tps);
            }
            Event::RosterImported { cleared, seats, .. } => {
                self.import_seats(cleared, seats, &[]);
            }
            Event::RosterFileImported {
                cleared,
                seats,
                absent,
                ..
            } => self.import_seats(cleared, seats, absent),
            Event::ReservesImported {
                cleared, reserves, ..
            } => {
                for &kel in cleared {
                    for r in std::mem::take(&mut self.reserves[kel.0 as usize]) {
                        self.nik_map_mut().remove(&r.person.nik);
                    }
                }
                for (kel, r) in reserves {
                    self.load_reserve(*kel, r.clone());
                }
            }
            Event::Undone { event, .. } => self.apply_inverse(event),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::event::VacateReason;
    use super::super::person::{Screening, Sex};
    use super::super::region::tests::small;
    use super::*;
    use chrono::NaiveDate;

    fn person(n: u16, sex: Sex) -> Person {
        let birth = NaiveDate::from_ymd_opt(1990, 1, 1 + (n % 28) as u32).unwrap();
        Person {
            name: format!("Orang {n}").into(),
            nik: Nik::compose(167101, birth, sex, n),
            birth_date: birth,
            sex,
            phone: None,
            screening: Screening::NotAtRisk,
            jkn: true,
        }
    }

    fn full_roster() -> Roster {
        let mut r = Roster::new(small(), ElectionParams::default());
        let mut n = 0;
        let mut seats = Vec::new();
        for t in r.region.tps_ids() {
            for seat in 1..=7 {
                n += 1;
                seats.push(SeatAssignment {
                    tps: t,
                    seat,
                    person: person(n, Sex::L),
                });
            }
        }
        r.apply(&Event::RosterImported {
            file: "x".into(),
            cleared: vec![],
            seats,
        });
        r
    }

    /// Incremental roll-ups must always equal a from-scratch recomputation.
    fn assert_rollups_consistent(r: &Roster) {
        let mut fresh = r.clone();
        fresh.recompute_rollups();
        assert_eq!(r.total(), fresh.total());
        for k in 0..r.region.kelurahan.len() as u32 {
            assert_eq!(
                r.kelurahan_rollup(KelurahanId(k)),
                fresh.kelurahan_rollup(KelurahanId(k))
            );
        }
        for k in 0..r.region.kecamatan.len() as u32 {
            assert_eq!(
                r.kecamatan_rollup(KecamatanId(k)),
                fresh.kecamatan_rollup(KecamatanId(k))
            );
        }
    }

    #[test]
    fn nik_index_is_built_on_demand_or_in_the_background() {
        let full = full_roster();
        let place = |background: bool| {
            let mut r = Roster::new(small(), ElectionParams::default());
            for t in full.region.tps_ids() {
                for seat in 1..=7 {
                    r.place_seat(t, seat, full.seat(t, seat).unwrap().clone());
                }
            }
            r.place_reserve(
                KelurahanId(0),
                Reserve {
                    rank: 1,
                    person: person(999, Sex::P),
                    tps: None,
                },
            );
            r.recompute_rollups();
            if background {
                r.index_in_background();
            }
            r
        };
        for background in [false, true] {
            let r = place(background);
            // A clone taken while the index is pending gets a finished (or buildable) one.
            let copy = r.clone();
            for x in [&r, &copy] {
                assert_eq!(
                    x.locate_nik(person(999, Sex::P).nik),
                    Some(NikLocation::Reserve {
                        kelurahan: KelurahanId(0),
                        rank: 1
                    })
                );
                assert_eq!(
                    x.locate_nik(person(8, Sex::L).nik),
                    Some(NikLocation::Seat {
                        tps: TpsId(1),
                        seat: 1
                    })
                );
                x.verify().unwrap();
            }
            // Changes keep it right after a lazy build.
            let mut r = r;
            let ev = r
                .decide(&Command::Vacate {
                    tps: TpsId(1),
                    seat: 1,
                    reason: VacateReason::Died,
                })
                .unwrap();
            r.apply(&ev);
            assert_eq!(r.locate_nik(person(8, Sex::L).nik), None);
            r.verify().unwrap();
        }
    }

    #[test]
    fn empty_roster_is_all_gaps() {
        let r = Roster::new(small(), ElectionParams::default());
        let t = r.total();
        assert_eq!(
            (t.tps, t.seats, t.vacant, t.tps_short, t.tps_without_ketua),
            (9, 63, 63, 9, 9)
        );
        assert_eq!(r.kecamatan_rollup(KecamatanId(0)).tps, 4);
    }

    #[test]
    fn rollups_follow_every_kind_of_change() {
        let mut r = full_roster();
        assert_eq!(r.total().vacant, 0);
        assert_eq!(r.total().filled(), 63);
        let tps = TpsId(0);
        let steps = [
            Command::Vacate {
                tps,
                seat: 1,
                reason: VacateReason::Resigned,
            },
            Command::MarkAbsent {
                tps,
                seat: 3,
                absent: true,
            },
            Command::DesignateKetua { tps, from_seat: 2 },
            Command::MarkAbsent {
                tps,
                seat: 3,
                absent: false,
            },
            Command::FillDirect {
                tps,
                seat: 2,
                person: person(900, Sex::P),
                berita_acara: Some("BA-1".into()),
            },
        ];
        let expected = [(1, true), (2, true), (2, false), (1, false), (0, false)];
        for (cmd, (vacant, no_ketua)) in steps.iter().zip(expected) {
            let ev = r.decide(cmd).unwrap();
            r.apply(&ev);
            assert_eq!(r.tps_stats(tps).vacant, vacant, "{cmd:?}");
            assert_eq!(r.tps_stats(tps).ketua_missing, no_ketua, "{cmd:?}");
            assert_eq!(r.total().vacant as u8, vacant);
            assert_rollups_consistent(&r);
        }
        // The member from seat 2 now chairs.
        assert_eq!(r.seat(tps, 1).unwrap().person.name, "Orang 2");
    }

    #[test]
    fn health_flags_roll_up() {
        let mut r = Roster::new(small(), ElectionParams::default());
        let mut p = person(1, Sex::P);
        p.screening = Screening::AtRisk;
        r.apply(
            &r.decide(&Command::FillDirect {
                tps: TpsId(3),
                seat: 1,
                person: p,
                berita_acara: None,
            })
            .unwrap(),
        );
        assert_eq!(r.total().flagged, 1);
        assert_eq!(r.total().tps_without_ketua, 8);
        assert_rollups_consistent(&r);
    }

    #[test]
    fn refusals_change_nothing() {
        let mut r = full_roster();
        let dup = person(5, Sex::L);
        r.apply(
            &r.decide(&Command::Vacate {
                tps: TpsId(1),
                seat: 4,
                reason: VacateReason::Died,
            })
            .unwrap(),
        );
        let before = r.total();
        let refused = [
            (
                Command::FillDirect {
                    tps: TpsId(1),
                    seat: 4,
                    person: dup,
                    berita_acara: None,
                },
                "NikInUse",
            ),
            (
                Command::FillDirect {
                    tps: TpsId(1),
                    seat: 5,
                    person: person(999, Sex::L),
                    berita_acara: None,
                },
                "SeatOccupied",
            ),
            (
                Command::Vacate {
                    tps: TpsId(1),
                    seat: 4,
                    reason: VacateReason::Died,
                },
                "SeatEmpty",
            ),
            (
                Command::Vacate {
                    tps: TpsId(1),
                    seat: 8,
                    reason: VacateReason::Died,
                },
                "NoSuchSeat",
            ),
            (
                Command::DesignateKetua {
                    tps: TpsId(1),
                    from_seat: 3,
                },
                "KetuaSeatOccupied",
            ),
            (
                Command::FillFromReserve {
                    tps: TpsId(1),
                    seat: 4,
                    kelurahan: KelurahanId(0),
                    rank: 1,
                },
                "NoSuchReserve",
            ),
        ];
        for (cmd, want) in refused {
            let err = r.decide(&cmd).unwrap_err();
            assert!(format!("{err:?}").starts_with(want), "{cmd:?} gave {err:?}");
        }
        let mut young = person(998, Sex::L);
        young.birth_date = NaiveDate::from_ymd_opt(2010, 1, 1).unwrap();
        young.nik = Nik::compose(167101, young.birth_date, Sex::L, 1);
        let err = r.decide(&Command::FillDirect {
            tps: TpsId(1),
            seat: 4,
            person: young,
            berita_acara: None,
        });
        assert!(matches!(err, Err(Refusal::Ineligible(_))));
        assert_eq!(r.total(), before);
    }

    #[test]
    fn reserve_fill_takes_reserve_off_the_list() {
        let mut r = Roster::new(small(), ElectionParams::default());
        let kel = KelurahanId(0);
        let reserves = vec![
            (
                kel,
                Reserve {
                    rank: 2,
                    person: person(2, Sex::P),
                    tps: None,
                },
            ),
            (
                kel,
                Reserve {
                    rank: 1,
                    person: person(1, Sex::L),
                    tps: None,
                },
            ),
        ];
        r.apply(&Event::ReservesImported {
            file: "r".into(),
            cleared: vec![],
            reserves,
        });
        assert_eq!(
            r.reserves(kel).iter().map(|x| x.rank).collect::<Vec<_>>(),
            vec![1, 2]
        );
        let ev = r
            .decide(&Command::FillFromReserve {
                tps: TpsId(0),
                seat: 1,
                kelurahan: kel,
                rank: 1,
            })
            .unwrap();
        r.apply(&ev);
        assert_eq!(r.reserves(kel).len(), 1);
        assert_eq!(
            r.locate_nik(person(1, Sex::L).nik),
            Some(NikLocation::Seat {
                tps: TpsId(0),
                seat: 1
            })
        );
        // Appointed reserve cannot be appointed twice.
        let again = r.decide(&Command::FillFromReserve {
            tps: TpsId(0),
            seat: 2,
            kelurahan: kel,
            rank: 1,
        });
        assert_eq!(
            again,
            Err(Refusal::NoSuchReserve {
                kelurahan: kel,
                rank: 1
            })
        );
        // A reserve of another kecamatan is refused.
        let far = r.decide(&Command::FillFromReserve {
            tps: TpsId(6),
            seat: 1,
            kelurahan: kel,
            rank: 2,
        });
        assert_eq!(far, Err(Refusal::ReserveOutsideKecamatan));
        assert_rollups_consistent(&r);
        // Undo puts the reserve back on the list with its rank, and empties the seat.
        r.apply(
            &r.decide(&Command::Undo {
                seq: 9,
                event: ev.clone(),
            })
            .unwrap(),
        );
        assert_eq!(
            r.reserves(kel).iter().map(|x| x.rank).collect::<Vec<_>>(),
            vec![1, 2]
        );
        assert!(r.seat(TpsId(0), 1).is_none());
        assert_eq!(
            r.decide(&Command::Undo { seq: 9, event: ev }),
            Err(Refusal::CannotUndo)
        );
        assert_rollups_consistent(&r);
    }

    #[test]
    fn every_seat_change_can_be_undone_back_to_the_start() {
        let mut r = full_roster();
        let start = r.clone();
        let tps = TpsId(0);
        let steps = [
            Command::Vacate {
                tps,
                seat: 1,
                reason: VacateReason::Died,
            },
            Command::DesignateKetua { tps, from_seat: 4 },
            Command::MarkAbsent {
                tps,
                seat: 2,
                absent: true,
            },
            Command::FillDirect {
                tps,
                seat: 4,
                person: person(777, Sex::P),
                berita_acara: Some("BA/7".into()),
            },
        ];
        let mut done = Vec::new();
        for cmd in &steps {
            let ev = r.decide(cmd).unwrap();
            r.apply(&ev);
            done.push(ev);
        }
        for (i, ev) in done.into_iter().enumerate().rev() {
            let undo = r
                .decide(&Command::Undo {
                    seq: i as u64,
                    event: ev,
                })
                .unwrap();
            r.apply(&undo);
            assert_rollups_consistent(&r);
        }
        for t in r.region.tps_ids() {
            assert_eq!(r.seats_of(t), start.seats_of(t));
        }
        assert_eq!(r.total(), start.total());
        // Imports and undos are final.
        let import = Event::RosterImported {
            file: "f".into(),
            cleared: vec![],
            seats: vec![],
        };
        assert_eq!(
            r.decide(&Command::Undo {
                seq: 1,
                event: import
            }),
            Err(Refusal::CannotUndo)
        );
    }

    #[test]
    fn replace_import_clears_the_kelurahan() {
        let mut r = full_roster();
        let kel = KelurahanId(0);
        let first_tps = TpsId(r.region.kelurahan(kel).tps.start);
        let seats = vec![SeatAssignment {
            tps: first_tps,
            seat: 1,
            person: person(500, Sex::P),
        }];
        r.apply(&Event::RosterImported {
            file: "y".into(),
            cleared: vec![kel],
            seats,
        });
        assert_eq!(r.kelurahan_rollup(kel).vacant, 3 * 7 - 1);
        assert_eq!(r.locate_nik(person(1, Sex::L).nik), None);
        assert_rollups_consistent(&r);
    }

    /// A client that skipped its own checks is held to the text rules by `decide` itself;
    /// what is recorded is the cleaned text.
    #[test]
    fn decide_stores_phones_in_the_national_form_whoever_sends_them() {
        use super::super::phone::PhoneError;
        let r = Roster::new(small(), ElectionParams::default());
        let fill = |phone: &str| Command::FillDirect {
            tps: TpsId(0),
            seat: 2,
            person: Person {
                phone: Some(phone.into()),
                ..person(5, Sex::P)
            },
            berita_acara: None,
        };
        match r.decide(&fill("+62 812-3456-7890")) {
            Ok(Event::SeatFilled { person, .. }) => {
                assert_eq!(person.phone.as_deref(), Some("081234567890"))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            r.decide(&fill("+1 555 123 4567")),
            Err(Refusal::BadPhone(PhoneError::NotIndonesian))
        );
    }

    #[test]
    fn decide_refuses_hostile_text_and_records_it_cleaned() {
        use super::super::freetext::{TextError, TextProblem};
        let r = Roster::new(small(), ElectionParams::default());
        let fill = |person: Person, berita_acara: Option<&str>| Command::FillDirect {
            tps: TpsId(0),
            seat: 2,
            person,
            berita_acara: berita_acara.map(String::from),
        };
        let named = |name: &str, phone: Option<&str>| Person {
            name: name.into(),
            phone: phone.map(Into::into),
            ..person(5, Sex::P)
        };
        let refused = |cmd: Command| match r.decide(&cmd) {
            Err(Refusal::BadText(TextError { field, problem })) => (field, problem),
            other => panic!("{cmd:?} gave {other:?}"),
        };
        assert_eq!(
            refused(fill(named("Bu\x1b]0;x\x07di", None), None)),
            (TextField::Name, TextProblem::Unsafe { ch: '\x1b', at: 3 })
        );
        assert_eq!(
            refused(fill(named(&"a".repeat(60_000), None), None)),
            (
                TextField::Name,
                TextProblem::TooLong {
                    chars: 60_000,
                    max: 100
                }
            )
        );
        assert_eq!(
            refused(fill(named(" ", None), None)),
            (TextField::Name, TextProblem::Empty)
        );
        assert_eq!(
            refused(fill(named("Siti", Some("0812\0")), None)).0,
            TextField::Phone
        );
        assert_eq!(
            refused(fill(named("Siti", None), Some("BA\u{202e}1"))).0,
            TextField::BeritaAcara
        );
        let Ok(Event::SeatFilled { person, source, .. }) =
            r.decide(&fill(named("  Siti\r\nAminah ", Some(" ")), Some(" BA-1 ")))
        else {
            panic!("a clean fill is decided");
        };
        assert_eq!((person.name.as_str(), person.phone), ("Siti Aminah", None));
        assert_eq!(
            source,
            Source::Direct {
                berita_acara: Some("BA-1".into())
            }
        );
    }
}
