//! How refusals, log entries and seat history read, in both languages.

use crate::domain::area::TimeZone;
use crate::text::clock::wall;
use crate::text::tr;

use super::{safe, Lang};
use crate::domain::history::{Stint, StintEnd, StintStart};
use crate::domain::{parse_demo_label, Event, NikLocation, Refusal, Region, Role, Source};

impl Lang {
    pub fn nik_location(self, at: &NikLocation, region: &Region) -> String {
        match at {
            NikLocation::Seat { tps, seat } => format!("KPPS {seat} TPS {}", region.address(*tps)),
            NikLocation::Reserve { kelurahan, rank } => format!(
                "{} #{rank} {}",
                self.t("cadangan", "reserve"),
                region.kelurahan(*kelurahan).name
            ),
        }
    }

    pub fn refusal(self, r: &Refusal, region: &Region) -> String {
        match r {
            Refusal::NoSuchSeat { seat, seats } => tr!(
                self,
                "kursi {seat} tidak ada (1–{seats})",
                "there is no seat {seat} (1–{seats})"
            ),
            Refusal::SeatOccupied { seat } => tr!(
                self,
                "kursi {seat} sudah terisi; kosongkan dulu",
                "seat {seat} is already filled; vacate it first"
            ),
            Refusal::SeatEmpty { seat } => tr!(self, "kursi {seat} kosong", "seat {seat} is empty"),
            Refusal::AlreadyAbsent { seat } => tr!(
                self,
                "petugas kursi {seat} sudah ditandai berhalangan",
                "the officer in seat {seat} is already marked absent"
            ),
            Refusal::NotAbsent { seat } => tr!(
                self,
                "petugas kursi {seat} tidak sedang berhalangan",
                "the officer in seat {seat} is not marked absent"
            ),
            Refusal::NikInUse { nik, at } => tr!(
                self,
                "NIK {} sudah terdaftar: {}",
                "NIK {} is already registered: {}",
                nik.masked(),
                self.nik_location(at, region)
            ),
            Refusal::Ineligible(findings) => {
                let reasons: Vec<String> = findings.iter().map(|f| self.finding(f)).collect();
                format!(
                    "{}: {}",
                    self.t("tidak memenuhi syarat", "not eligible"),
                    reasons.join("; ")
                )
            }
            Refusal::NoSuchReserve { kelurahan, rank } => tr!(
                self,
                "tidak ada cadangan #{rank} di {} (sudah diangkat?)",
                "no reserve #{rank} in {} (already appointed?)",
                region.kelurahan(*kelurahan).name
            ),
            Refusal::ReserveOutsideKecamatan => self
                .t(
                    "cadangan dari kecamatan lain",
                    "the reserve is from another kecamatan",
                )
                .into(),
            Refusal::KetuaSeatOccupied => self
                .t(
                    "kursi Ketua sudah terisi; kosongkan dulu",
                    "the Ketua seat is filled; vacate it first",
                )
                .into(),
            Refusal::AlreadyKetua => self
                .t("petugas ini sudah Ketua", "this officer is already Ketua")
                .into(),
            Refusal::CannotUndo => self
                .t(
                    "perubahan ini tidak bisa dibatalkan lagi",
                    "this change can no longer be undone",
                )
                .into(),
            Refusal::OutsideScope(role) => format!(
                "{} {}",
                self.t(
                    "di luar wilayah Anda; Anda tercatat sebagai",
                    "outside your area; you are registered as"
                ),
                self.role(*role, region)
            ),
            Refusal::ReadOnly => self
                .t(
                    "akun Anda hanya bisa melihat, tidak mengubah",
                    "your account may view but not change",
                )
                .into(),
            Refusal::NotACoordinator => self
                .t(
                    "akun Anda tidak lagi terdaftar sebagai koordinator",
                    "your account is no longer listed as a coordinator",
                )
                .into(),
            Refusal::NoSuchPlace => self
                .t(
                    "TPS, kelurahan atau kursi itu tidak ada",
                    "no such TPS, kelurahan or seat",
                )
                .into(),
            Refusal::ImportRow { row, why } => tr!(
                self,
                "baris data ke-{}: {}",
                "data row {}: {}",
                row + 1,
                self.refusal(why, region)
            ),
            Refusal::RankTaken { kelurahan, rank } => tr!(
                self,
                "peringkat {rank} sudah ada di daftar cadangan {}",
                "rank {rank} is already on the reserve list of {}",
                region.kelurahan(*kelurahan).name
            ),
            Refusal::NoReserveLeft => self
                .t(
                    "tidak ada cadangan tersisa (semua cadangan yang boleh Anda angkat di sini \
                     sudah diangkat atau tidak memenuhi syarat)",
                    "no reserve left (every reserve you may appoint here is appointed or \
                     not eligible)",
                )
                .into(),
            Refusal::ReserveAtRisk {
                kelurahan,
                rank,
                risk,
            } => tr!(
                self,
                "cadangan berikutnya, #{rank} di {}, berisiko kesehatan: {}",
                "the next reserve, #{rank} of {}, has a health risk: {}",
                region.kelurahan(*kelurahan).name,
                self.health_flag(*risk)
            ),
            Refusal::BadText(e) => self.text_error(e),
            Refusal::BadPhone(e) => format!(
                "{} {}",
                self.t("nomor telepon", "the phone number"),
                self.phone_problem(e)
            ),
        }
    }

    /// A coordinator's role and area, e.g. `PPS Kelurahan 35 Ilir`.
    pub fn role(self, role: Role, region: &Region) -> String {
        match role {
            Role::Kpu => self.t("KPU (seluruh wilayah)", "KPU (whole region)").into(),
            Role::Ppk(kec) => format!("PPK Kecamatan {}", region.kecamatan(kec).name),
            Role::Pps(kel) => format!("PPS Kelurahan {}", region.kelurahan(kel).name),
            Role::Viewer => self
                .t("pemantau (hanya melihat)", "viewer (read-only)")
                .into(),
        }
    }

    pub fn source(self, s: &Source, region: &Region) -> String {
        match s {
            Source::Import => self.t("impor", "import").into(),
            Source::Reserve {
                kelurahan, rank, ..
            } => {
                format!(
                    "{} #{rank} {}",
                    self.t("cadangan", "reserve"),
                    region.kelurahan(*kelurahan).name
                )
            }
            Source::Direct { berita_acara } => match berita_acara {
                Some(ba) => format!(
                    "{}, BA {}",
                    self.t("penunjukan langsung", "direct appointment"),
                    safe(ba)
                ),
                None => self.t("penunjukan langsung", "direct appointment").into(),
            },
        }
    }

    /// One line describing a logged change.
    pub fn describe_event(self, e: &Event, region: &Region) -> String {
        let at = |tps: &crate::domain::TpsId| format!("TPS {}", region.address(*tps));
        match e {
            Event::SeatFilled {
                tps,
                seat,
                person,
                source,
            } => format!(
                "{} KPPS {seat}: {} {} ({})",
                at(tps),
                self.t("diisi", "filled by"),
                safe(&person.name),
                self.source(source, region)
            ),
            Event::SeatVacated {
                tps,
                seat,
                reason,
                person,
            } => format!(
                "{} KPPS {seat}: {} {} ({})",
                at(tps),
                safe(&person.name),
                self.t("keluar", "left"),
                self.vacate_reason(*reason)
            ),
            Event::AbsenceMarked {
                tps,
                seat,
                absent: true,
            } => {
                format!(
                    "{} KPPS {seat}: {}",
                    at(tps),
                    self.t("berhalangan sementara", "absent today")
                )
            }
            Event::AbsenceMarked {
                tps,
                seat,
                absent: false,
            } => {
                format!(
                    "{} KPPS {seat}: {}",
                    at(tps),
                    self.t("hadir kembali", "back on duty")
                )
            }
            Event::KetuaDesignated {
                tps,
                from_seat,
                person,
            } => format!(
                "{}: {} {} ({} KPPS {from_seat})",
                at(tps),
                safe(&person.name),
                self.t("ditetapkan Ketua", "designated Ketua"),
                self.t("dari", "from"),
            ),
            // A demo store's generated roster, recorded in its journal (`demo_label`).
            Event::RosterFileImported {
                file,
                seats,
                absent,
                ..
            } if parse_demo_label(file).is_some() => {
                let (seed, area) = parse_demo_label(file).expect("a demo label");
                format!(
                    "{} (seed {seed}), {}: {} {}{}",
                    self.t("Roster demo dibuat", "Demo roster generated"),
                    safe(area),
                    self.num(seats.len() as u64),
                    self.t("petugas", "officers"),
                    match absent.len() {
                        0 => String::new(),
                        n => format!(
                            " ({} {})",
                            self.num(n as u64),
                            self.t("berhalangan", "absent today")
                        ),
                    }
                )
            }
            Event::ReservesImported { file, reserves, .. } if parse_demo_label(file).is_some() => {
                let (seed, area) = parse_demo_label(file).expect("a demo label");
                format!(
                    "{} (seed {seed}), {}: {} {}",
                    self.t("Cadangan demo dibuat", "Demo reserves generated"),
                    safe(area),
                    self.num(reserves.len() as u64),
                    self.t("cadangan", "reserves"),
                )
            }
            Event::RosterImported {
                file,
                seats,
                cleared,
            }
            | Event::RosterFileImported {
                file,
                seats,
                cleared,
                ..
            } => format!(
                "{} {}: {} {}{}",
                self.t("Impor roster", "Roster import"),
                safe(file),
                self.num(seats.len() as u64),
                self.t("kursi", "seats"),
                if cleared.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", {} kelurahan {}",
                        cleared.len(),
                        self.t("diganti", "replaced")
                    )
                }
            ),
            Event::ReservesImported { file, reserves, .. } => format!(
                "{} {}: {} {}",
                self.t("Impor cadangan", "Reserve import"),
                safe(file),
                self.num(reserves.len() as u64),
                self.t("cadangan", "reserves")
            ),
            Event::Undone { seq, event } => format!(
                "{} #{seq}: {}",
                self.t("Dibatalkan", "Undone"),
                self.describe_event(event, region)
            ),
        }
    }

    /// One stint of a seat's history, as two lines: who, and what happened when.
    /// Times read in `tz`, the zone of the area's clocks.
    pub fn stint(self, s: &Stint, region: &Region, tz: TimeZone) -> (String, String) {
        let when = |at| wall(at, tz);
        let start = match (&s.start, &s.started) {
            (StintStart::Roster, _) => self
                .t("dari roster awal", "from the initial roster")
                .to_string(),
            (StintStart::Filled(src), Some(st)) => format!(
                "{} · {} · {}",
                when(st.at),
                self.source(src, region),
                safe(&st.actor)
            ),
            (StintStart::DesignatedKetua { from_seat }, Some(st)) => format!(
                "{} · {} KPPS {from_seat} · {}",
                when(st.at),
                self.t("Ketua, dari", "Ketua, from"),
                safe(&st.actor)
            ),
            (StintStart::Restored, Some(st)) => {
                format!(
                    "{} · {} · {}",
                    when(st.at),
                    self.t("dipulihkan (batal)", "restored (undo)"),
                    safe(&st.actor)
                )
            }
            (_, None) => String::new(),
        };
        let end = match &s.end {
            None => self.t("sampai sekarang", "until now").to_string(),
            Some((why, st)) => {
                let why = match why {
                    StintEnd::Vacated(r) => self.vacate_reason(*r).to_string(),
                    StintEnd::BecameKetua => self.t("menjadi Ketua", "became Ketua").to_string(),
                    StintEnd::Undone => self.t("dibatalkan", "undone").to_string(),
                };
                let next = s
                    .replaced_by
                    .as_ref()
                    .map(|n| format!(" → {}", safe(n)))
                    .unwrap_or_default();
                format!(
                    "{} {} · {why} · {}{next}",
                    self.t("s/d", "until"),
                    when(st.at),
                    safe(&st.actor)
                )
            }
        };
        let absences = if s.absences.is_empty() {
            String::new()
        } else {
            format!(
                " · {} {}×",
                self.t("berhalangan", "absent"),
                s.absences.iter().filter(|(a, _)| *a).count()
            )
        };
        (
            format!("{} ({}){absences}", safe(&s.name), s.nik.masked()),
            format!("{start} → {end}"),
        )
    }
}
