//! The TUI's only road to data: commands go out, log entries come back. Today a local
//! `Store`; later a client of `kpps serve` over a Unix socket, and the TUI will not know.

use crate::domain::{Command, Roster, TpsId};
use crate::store::{ExecError, LogEntry, Store, StoreError};

pub trait Port {
    /// Decides, makes durable and applies a command; Ok only once it is on disk.
    fn execute(&mut self, roster: &mut Roster, command: &Command) -> Result<LogEntry, ExecError>;
    /// A TPS's logged changes, oldest first.
    fn tps_history(&self, tps: TpsId) -> Result<Vec<LogEntry>, StoreError>;
    /// The most recent `limit` log entries, newest first.
    fn recent_log(&self, limit: usize) -> Result<Vec<LogEntry>, StoreError>;
}

impl Port for Store {
    fn execute(&mut self, roster: &mut Roster, command: &Command) -> Result<LogEntry, ExecError> {
        Store::execute(self, roster, command)
    }

    fn tps_history(&self, tps: TpsId) -> Result<Vec<LogEntry>, StoreError> {
        Store::tps_history(self, tps)
    }

    fn recent_log(&self, limit: usize) -> Result<Vec<LogEntry>, StoreError> {
        Store::recent_log(self, limit)
    }
}
