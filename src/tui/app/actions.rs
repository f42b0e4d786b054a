//! Change keys: the seat a key acts on, whether this user may change it, and the dialog
//! each change opens (vacate, reserves, new officer, Ketua, undo).

use super::{App, Node, Overlay, Pane, ReserveView, VacateChoice};
use crate::domain::{Candidate, Command, Role, TpsId, VacateReason};
use crate::store::Record;
use crate::tui::form::Form;

impl App {
    /// Why this user may not change `tps`, if they may not (the server checks again).
    fn scope_refusal(&self, tps: TpsId) -> Option<String> {
        let (_, role) = self.identity()?;
        role.may_write(&self.roster.region, tps)
            .err()
            .map(|r| format!("✗ {}", self.lang.refusal(&r, &self.roster.region)))
    }

    /// The seat a change key acts on, if this user may change it; else says why not.
    fn writable_seat(&mut self) -> Result<(TpsId, u8), bool> {
        if let Some((_, Role::Viewer)) = self.identity() {
            let msg = format!(
                "✗ {}",
                self.lang
                    .refusal(&crate::domain::Refusal::ReadOnly, &self.roster.region)
            );
            return Err(self.say(&msg));
        }
        if !self.port_connected() {
            let msg = format!("✗ {}", self.s().server_lost);
            return Err(self.say(&msg));
        }
        let Some((tps, seat)) = self.target_seat() else {
            return Err(self.say(self.s().choose_seat));
        };
        match self.scope_refusal(tps) {
            Some(msg) => Err(self.say(&msg)),
            None => Ok((tps, seat)),
        }
    }

    /// The TPS and seat (1-based) a change key acts on: the opened TPS's seat under the
    /// detail cursor. With the tree cursor on another TPS, that TPS is opened first, so a
    /// key never acts on a TPS other than the one on screen.
    pub(super) fn target_seat(&mut self) -> Option<(TpsId, u8)> {
        if let (Pane::Tree, Some(Node::Tps(t))) = (self.focus, self.selected()) {
            self.open(Node::Tps(t));
        }
        self.selected_seat()
    }

    /// The seat a change key would act on, as the detail pane shows it: the seat under the
    /// detail cursor, unless the tree cursor sits on another TPS (which a key would open
    /// first, on its first empty seat).
    pub fn acting_seat(&self) -> Option<(TpsId, u8)> {
        if let (Pane::Tree, Some(Node::Tps(t))) = (self.focus, self.selected()) {
            if self.opened != Some(Node::Tps(t)) {
                return None;
            }
        }
        self.selected_seat()
    }

    /// The opened TPS and the seat (1-based) under the detail cursor.
    pub fn selected_seat(&self) -> Option<(TpsId, u8)> {
        match self.opened {
            Some(Node::Tps(t)) => Some((t, self.detail_cursor as u8 + 1)),
            _ => None,
        }
    }

    pub(super) fn open_vacate(&mut self) -> bool {
        let (tps, seat) = match self.writable_seat() {
            Ok(target) => target,
            Err(redraw) => return redraw,
        };
        let Some(holder) = self.roster.seat(tps, seat) else {
            return self.say(self.s().seat_already_empty);
        };
        let mut choices: Vec<VacateChoice> = VacateReason::ALL
            .into_iter()
            .map(VacateChoice::Ground)
            .collect();
        choices.push(VacateChoice::Absent(!holder.absent));
        // Nothing preselected: `x Enter y` must not record a death.
        self.overlay = Overlay::Vacate {
            tps,
            seat,
            choices,
            cursor: None,
        };
        true
    }

    pub(super) fn open_reserves(&mut self, wide: bool) -> bool {
        let (tps, seat) = match self.writable_seat() {
            Ok(target) => target,
            Err(redraw) => return redraw,
        };
        if self.roster.seat(tps, seat).is_some() {
            return self.say(self.s().vacate_first);
        }
        let candidates = self.reserve_candidates(tps, wide);
        // On the first eligible reserve without a health risk, if there is one (at-risk
        // ones are listed last, and ask again before they are appointed).
        let cursor = candidates
            .iter()
            .position(|c| c.eligible() && c.risk.is_none())
            .or_else(|| candidates.iter().position(Candidate::eligible))
            .unwrap_or(0);
        self.overlay = Overlay::Reserves(ReserveView {
            tps,
            seat,
            wide,
            candidates,
            cursor,
        });
        self.list_offset.set(0);
        true
    }

    pub(super) fn open_form(&mut self) -> bool {
        let (tps, seat) = match self.writable_seat() {
            Ok(target) => target,
            Err(redraw) => return redraw,
        };
        if self.roster.seat(tps, seat).is_some() {
            return self.say(self.s().vacate_first);
        }
        self.overlay = Overlay::Form(Box::new(Form::new(tps, seat)));
        self.list_offset.set(0);
        true
    }

    pub(super) fn ask_ketua(&mut self) -> bool {
        let (tps, seat) = match self.writable_seat() {
            Ok(target) => target,
            Err(redraw) => return redraw,
        };
        let command = Command::DesignateKetua {
            tps,
            from_seat: seat,
        };
        // Let the domain say whether it may; only ask when it may.
        if let Err(r) = self.roster.decide(&command) {
            let msg = self.lang.refusal(&r, &self.roster.region);
            return self.say(&msg);
        }
        let name = self
            .roster
            .seat(tps, seat)
            .map(|h| h.person.name.clone())
            .unwrap_or_default();
        let question = format!(
            "{name}: {} (KPPS {seat} → 1) · TPS {}?",
            self.s().make_ketua_q,
            self.roster.region.address(tps)
        );
        self.overlay = Overlay::Confirm {
            command,
            question,
            risk: None,
        };
        true
    }

    pub(super) fn ask_undo(&mut self) -> bool {
        if !self.port_connected() {
            let msg = format!("✗ {}", self.s().server_lost);
            return self.say(&msg);
        }
        let Some(entry) = self.undoable.last() else {
            return self.say(self.s().nothing_to_undo);
        };
        let Record::Change(event) = &entry.record else {
            return false;
        };
        let command = Command::Undo {
            seq: entry.seq,
            event: event.clone(),
        };
        let question = format!(
            "{} #{}: {}?",
            self.s().undo_q,
            entry.seq,
            self.lang.describe_event(event, &self.roster.region)
        );
        self.overlay = Overlay::Confirm {
            command,
            question,
            risk: None,
        };
        true
    }

    /// Reserves this user may appoint to `tps`: a PPS sees its own kelurahan's lists only.
    pub(super) fn reserve_candidates(&self, tps: TpsId, wide: bool) -> Vec<Candidate> {
        let mut candidates = self.roster.reserve_candidates(tps, wide);
        if let Some((_, role)) = self.identity() {
            candidates.retain(|c| role.covers_kelurahan(&self.roster.region, c.kelurahan));
        }
        candidates
    }
}
