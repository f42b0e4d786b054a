//! The port's news (others' changes, a lost or regained server) and the work settled before
//! each draw (the time of the data, a pending search).

use chrono::{DateTime, Utc};

use super::{App, Clock, GapsView, Overlay};
use crate::port::Reconnect;
use crate::store::Record;

impl App {
    /// Replaces the clock the header's time comes from (tests fix it).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// When the data on screen was last known current (see `as_of`).
    pub fn as_of(&self) -> Option<DateTime<Utc>> {
        self.as_of
    }

    /// Work put off until the keys waiting are handled: runs before each draw.
    pub fn settle(&mut self) {
        // Read the clock only for a frame that is drawn anyway; with the server lost the
        // data is as old as the moment the link went.
        if self.port_connected() {
            self.as_of = Some((self.clock)());
        }
        self.refresh_search();
    }

    /// Takes in what the port brought: others' changes (already applied to the roster) or
    /// a lost server. Returns whether the screen changed.
    pub fn sync_port(&mut self) -> bool {
        let Some(port) = self.port.as_mut() else {
            return false;
        };
        let synced = port.sync(&mut self.roster);
        for entry in &synced.entries {
            if let Record::Change(event) = &entry.record {
                self.names.touch(event);
            }
        }
        if let Some(_why) = synced.lost {
            self.status = Some(format!("✗ {}", self.s().server_lost));
        } else if let Some(entry) = synced.entries.last() {
            if let Record::Change(event) = &entry.record {
                self.status = Some(format!(
                    "↻ {} #{}: {}",
                    entry.actor,
                    entry.seq,
                    self.lang.describe_event(event, &self.roster.region)
                ));
            }
        } else {
            return false;
        }
        self.after_roster_change();
        true
    }

    pub fn port_wake_fd(&self) -> Option<std::os::unix::io::RawFd> {
        self.port.as_ref().and_then(|p| p.wake_fd())
    }

    /// Whether changes can be recorded now (a server client may be reconnecting).
    pub fn port_connected(&self) -> bool {
        self.port.as_ref().is_none_or(|p| p.connected())
    }

    /// One reconnection attempt; on success the roster is the server's again. Returns
    /// whether the screen changed; `gave_up` is set once the server refuses us.
    pub fn try_reconnect(&mut self) -> bool {
        let Some(port) = self.port.as_mut() else {
            return false;
        };
        match port.reconnect(&mut self.roster) {
            Ok(()) => {
                self.names.invalidate();
                self.status = Some(format!("✓ {}", self.s().server_back));
                self.after_roster_change();
                true
            }
            Err(Reconnect::NotYet(_)) => false,
            Err(Reconnect::Refused(why)) => {
                self.reconnect_refused = true;
                self.status = Some(format!("✗ {}", why.get(self.lang)));
                true
            }
        }
    }

    /// Whether the event loop should keep retrying a lost server.
    pub fn wants_reconnect(&self) -> bool {
        !self.port_connected() && !self.reconnect_refused
    }

    /// Someone else changed the roster: refresh what was computed from it.
    pub(super) fn after_roster_change(&mut self) {
        self.rebuild_rows();
        match &mut self.overlay {
            Overlay::Gaps(view) => {
                view.entries = GapsView::entries(&self.roster, view.scope, view.vacant_only);
                view.cursor = view.cursor.min(view.entries.len().saturating_sub(1));
            }
            Overlay::Reserves(view) => {
                let (tps, wide) = (view.tps, view.wide);
                let candidates = self.reserve_candidates(tps, wide);
                let Overlay::Reserves(view) = &mut self.overlay else {
                    unreachable!()
                };
                view.candidates = candidates;
                view.cursor = view.cursor.min(view.candidates.len().saturating_sub(1));
            }
            _ => {}
        }
    }
}
