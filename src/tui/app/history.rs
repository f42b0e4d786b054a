//! The seat history of a TPS and the city-wide log: opening them and moving in them.

use super::keys::scrolled;
use super::{App, Overlay, LOG_VIEW_LIMIT};
use crate::domain::history::{seat_history, Stamp};
use crate::store::Record;
use crate::tui::keymap::Action;

impl App {
    pub(super) fn open_history(&mut self) -> bool {
        let Some((tps, _)) = self.target_seat() else {
            return self.say(self.s().choose_seat);
        };
        let Some(port) = self.port.as_mut() else {
            return self.say(self.s().read_only);
        };
        match port.tps_history(tps) {
            Ok(entries) => {
                let events = entries.iter().filter_map(|e| match &e.record {
                    Record::Change(ev) => Some((
                        Stamp {
                            seq: e.seq,
                            at: e.at,
                            actor: e.actor.clone(),
                        },
                        ev,
                    )),
                    Record::Created { .. } => None,
                });
                let stints = seat_history(events, self.roster.seats_of(tps));
                self.overlay = Overlay::History {
                    tps,
                    stints,
                    scroll: 0,
                };
                true
            }
            Err(e) => self.say(e.get(self.lang)),
        }
    }

    pub(super) fn open_log(&mut self) -> bool {
        let Some(port) = self.port.as_mut() else {
            return self.say(self.s().read_only);
        };
        match port.recent_log(LOG_VIEW_LIMIT) {
            Ok(entries) => {
                self.overlay = Overlay::Log { entries, cursor: 0 };
                self.list_offset.set(0);
                true
            }
            Err(e) => self.say(e.get(self.lang)),
        }
    }

    pub(super) fn update_history(&mut self, action: Action) -> bool {
        let Overlay::History { scroll, .. } = &mut self.overlay else {
            return false;
        };
        // As far as the drawn history goes: a key past the end changes nothing (and sends
        // nothing), and the first key back moves the view.
        let (max, page) = (self.scroll_max.get(), self.page.get().max(1));
        let before = *scroll;
        let to = match action {
            Action::Back | Action::Left | Action::History | Action::Open => {
                self.overlay = Overlay::None;
                return true;
            }
            Action::ToggleLang => {
                self.lang = self.lang.other();
                return true;
            }
            Action::Quit => {
                self.should_quit = true;
                return true;
            }
            other => match scrolled(before, other, max, page) {
                Some(to) => to,
                None => return false,
            },
        };
        *scroll = to;
        before != *scroll
    }
}
