//! The one road to data for the TUI and the CLI: commands go out, log entries come back.
//! Either the store opened directly, or a client of `kpps serve` (`net::Client`); callers do
//! not know which.

use std::os::unix::io::RawFd;

use crate::domain::{Command, Role, Roster, TpsId};
use crate::store::{ExecError, LogEntry, Store};
use crate::text::Said;

/// What `Port::sync` brought in.
#[derive(Debug, Default)]
pub struct Synced {
    /// Changes others recorded, oldest first, already applied to the roster.
    pub entries: Vec<LogEntry>,
    /// The connection to the server was lost (why).
    pub lost: Option<Said>,
}

/// Why a lost server is not back.
#[derive(Debug)]
pub enum Reconnect {
    /// Not reachable yet (stopped, restarting): try again later.
    NotYet(Said),
    /// It answered and refused (no longer a coordinator, another version): stop trying.
    Refused(Said),
}

pub trait Port {
    /// Decides, makes durable and applies a command; Ok only once it is on disk.
    fn execute(&mut self, roster: &mut Roster, command: &Command) -> Result<LogEntry, ExecError>;
    /// A TPS's logged changes, oldest first.
    fn tps_history(&mut self, tps: TpsId) -> Result<Vec<LogEntry>, Said>;
    /// The most recent `limit` log entries, newest first.
    fn recent_log(&mut self, limit: usize) -> Result<Vec<LogEntry>, Said>;
    /// Becomes readable when `sync` has something (another client's change, a lost link).
    fn wake_fd(&self) -> Option<RawFd> {
        None
    }
    /// Applies what arrived since the last call.
    fn sync(&mut self, _roster: &mut Roster) -> Synced {
        Synced::default()
    }
    fn connected(&self) -> bool {
        true
    }
    /// Who a server says we are and what we may change; None for a store opened directly.
    fn identity(&self) -> Option<(String, Role)> {
        None
    }
    /// Tries to get the link back; on success `roster` is replaced by the server's.
    fn reconnect(&mut self, _roster: &mut Roster) -> Result<(), Reconnect> {
        Ok(())
    }
}

impl Port for Store {
    fn execute(&mut self, roster: &mut Roster, command: &Command) -> Result<LogEntry, ExecError> {
        Store::execute(self, roster, command)
    }

    fn tps_history(&mut self, tps: TpsId) -> Result<Vec<LogEntry>, Said> {
        Store::tps_history(self, tps).map_err(|e| Said::new(|l| e.text(l)))
    }

    fn recent_log(&mut self, limit: usize) -> Result<Vec<LogEntry>, Said> {
        Store::recent_log(self, limit).map_err(|e| Said::new(|l| e.text(l)))
    }
}
