//! The one road for changes: decide, journal (fsync), one sled transaction (flush), and
//! only then acknowledge; on any failure, memory is reloaded from disk.

use std::collections::BTreeSet;

use chrono::Utc;
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};

use super::*;

impl Store {
    /// Applies an already decided event to `roster` and makes it durable (journal, then sled).
    /// On failure the roster is reloaded from disk, so memory never runs ahead of the store.
    pub fn commit(&self, roster: &mut Roster, event: Event) -> Result<LogEntry> {
        let seq: u64 = self.get(&self.meta, K_NEXT_SEQ)?.unwrap_or(1);
        let entry = LogEntry {
            seq,
            at: Utc::now(),
            actor: self.actor.clone(),
            record: Record::Change(event),
        };
        self.commit_entry(roster, entry)
    }

    /// Replays one logged change (recovery, rebuild): applies it and makes it durable.
    pub(super) fn commit_entry(&self, roster: &mut Roster, entry: LogEntry) -> Result<LogEntry> {
        let Record::Change(event) = &entry.record else {
            return Ok(entry);
        };
        let (tps_ids, kel_ids) = affected(roster, event);
        roster.apply(event);
        self.persist(roster, std::slice::from_ref(&entry), &tps_ids, &kel_ids)?;
        Ok(entry)
    }

    /// Decides commands in order, each against the roster as the ones before it left it,
    /// and makes every accepted one durable together: one journal write and fsync, one sled
    /// transaction and flush. Many coordinators committing at once share the disk's wait
    /// (group commit). A refused command changes nothing; if the disk fails, none of the
    /// batch is acknowledged and the roster is reloaded from disk.
    pub fn execute_batch(
        &self,
        roster: &mut Roster,
        commands: &[(&Command, &str)],
    ) -> Vec<Result<LogEntry, ExecError>> {
        let all: Vec<(&Command, &str, Role)> = commands
            .iter()
            .map(|&(command, actor)| (command, actor, Role::Kpu))
            .collect();
        self.execute_batch_as(roster, &all)
    }

    /// `execute_batch` with each sender's role, for what a command leaves to the moment it
    /// is decided: the reserve `Command::FillFromNextReserve` takes is one the role may
    /// appoint (`Roster::decide_as`).
    pub fn execute_batch_as(
        &self,
        roster: &mut Roster,
        commands: &[(&Command, &str, Role)],
    ) -> Vec<Result<LogEntry, ExecError>> {
        let next_seq = match self.get::<u64>(&self.meta, K_NEXT_SEQ) {
            Ok(seq) => seq.unwrap_or(1),
            Err(e) => {
                let cause = write_failure(&e);
                return commands
                    .iter()
                    .map(|_| Err(ExecError::Store(self.not_recorded(cause.clone()))))
                    .collect();
            }
        };
        let mut results = Vec::with_capacity(commands.len());
        let mut entries = Vec::new();
        let (mut tps_ids, mut kel_ids) = (BTreeSet::new(), BTreeSet::new());
        let at = Utc::now();
        for &(command, actor, role) in commands {
            let logged = match self.logged_undo(command) {
                Ok(logged) => logged,
                Err(e) => {
                    results.push(Err(e));
                    continue;
                }
            };
            match roster.decide_as(logged.as_ref().unwrap_or(command), role) {
                Err(refusal) => results.push(Err(ExecError::Refused(refusal))),
                Ok(event) => {
                    let (t, k) = affected(roster, &event);
                    tps_ids.extend(t);
                    kel_ids.extend(k);
                    roster.apply(&event);
                    let entry = LogEntry {
                        seq: next_seq + entries.len() as u64,
                        at,
                        actor: actor.to_string(),
                        record: Record::Change(event),
                    };
                    results.push(Ok(entry.clone()));
                    entries.push(entry);
                }
            }
        }
        if entries.is_empty() {
            return results;
        }
        match self.persist(roster, &entries, &tps_ids, &kel_ids) {
            Ok(()) => results,
            Err(e) => {
                // The first accepted command gets the error itself, the others its like.
                let mut first = Some(e);
                let mut others = None;
                results
                    .into_iter()
                    .map(|r| {
                        r.and_then(|_| {
                            let e = match first.take() {
                                Some(e) => {
                                    others = Some(self.same_failure(&e));
                                    e
                                }
                                None => self.same_failure(others.as_ref().expect("first seen")),
                            };
                            Err(ExecError::Store(e))
                        })
                    })
                    .collect()
            }
        }
    }

    /// An undo names a logged change by number; the change undone is the one in the log,
    /// never one a client sent along. Returns the undo with the logged event (None for any
    /// other command).
    pub fn logged_undo(&self, command: &Command) -> Result<Option<Command>, ExecError> {
        let Command::Undo { seq, .. } = command else {
            return Ok(None);
        };
        let entry: Option<LogEntry> = self.get(&self.log, &seq.to_be_bytes())?;
        let Some(Record::Change(event)) = entry.map(|e| e.record) else {
            return Err(ExecError::Refused(Refusal::CannotUndo));
        };
        // Undone once already: a second undo would reverse a later change in its name.
        if let Some(tps) = event.tps() {
            let undone = self.tps_history(tps)?.iter().any(
                |e| matches!(&e.record, Record::Change(Event::Undone { seq: s, .. }) if s == seq),
            );
            if undone {
                return Err(ExecError::Refused(Refusal::CannotUndo));
            }
        }
        Ok(Some(Command::Undo { seq: *seq, event }))
    }

    /// The one road for changes already applied to `roster`: journal (fsync), then one sled
    /// transaction (flush). On failure memory is reloaded from disk, never left ahead.
    ///
    /// What a failure leaves, and what it is called:
    /// - the journal write failed and was taken back whole: nothing recorded, the store
    ///   goes on (`NotRecorded`; a full disk says so);
    /// - the journal write failed and could not be taken back: part of it may be on disk,
    ///   the next open cuts or replays it (`Uncertain`; no more writes until then);
    /// - the journal has it but sled failed: it is replayed at the next open
    ///   (`JournalOnly`; no more writes until then).
    pub(super) fn persist(
        &self,
        roster: &mut Roster,
        entries: &[LogEntry],
        tps_ids: &BTreeSet<TpsId>,
        kel_ids: &BTreeSet<KelurahanId>,
    ) -> Result<()> {
        let written = self.write_through(roster, entries, tps_ids, kel_ids);
        if written.is_err() {
            if let Ok(fresh) = self.load() {
                *roster = fresh;
            }
        }
        written
    }

    /// `persist` without the reload on failure, for a caller whose roster is not the
    /// store's working copy (creating a demo store records a roster it was given): journal
    /// (fsync), then one sled transaction (flush), failures named as in `persist`.
    pub(super) fn write_through(
        &self,
        roster: &Roster,
        entries: &[LogEntry],
        tps_ids: &BTreeSet<TpsId>,
        kel_ids: &BTreeSet<KelurahanId>,
    ) -> Result<()> {
        use std::sync::atomic::Ordering;
        if self.poisoned.load(Ordering::SeqCst) {
            return Err(StoreError::Poisoned(self.dir.clone()));
        }
        self.append_journal(entries).and_then(|()| {
            self.write_sled(roster, entries, tps_ids, kel_ids)
                .map_err(|e| {
                    // Part of it may be in sled: no more writes until a reopen replays it.
                    self.poisoned.store(true, Ordering::SeqCst);
                    StoreError::JournalOnly {
                        path: self.dir.clone(),
                        changes: (
                            entries.first().map_or(0, |e| e.seq),
                            entries.last().map_or(0, |e| e.seq),
                        ),
                        cause: write_failure(&e),
                    }
                })
        })
    }

    pub(super) fn append_journal(&self, entries: &[LogEntry]) -> Result<()> {
        let mut journal = self.journal.lock().expect("journal lock");
        let journal = journal
            .as_mut()
            .ok_or_else(|| StoreError::Poisoned(self.dir.clone()))?;
        journal.append_all(entries).map_err(|source| {
            let cause = write_failure(&StoreError::Io {
                path: journal.path().to_path_buf(),
                source,
            });
            if journal.is_torn() {
                self.poisoned
                    .store(true, std::sync::atomic::Ordering::SeqCst);
                StoreError::Uncertain {
                    path: self.dir.clone(),
                    cause,
                }
            } else {
                self.not_recorded(cause)
            }
        })
    }

    /// The error of a failed batch for its other commands: recorded or not as the first.
    pub(super) fn same_failure(&self, e: &StoreError) -> StoreError {
        let path = self.dir.clone();
        match e {
            StoreError::JournalOnly { changes, cause, .. } => StoreError::JournalOnly {
                path,
                changes: *changes,
                cause: cause.clone(),
            },
            StoreError::Uncertain { cause, .. } => StoreError::Uncertain {
                path,
                cause: cause.clone(),
            },
            StoreError::NotRecorded { cause, .. } => self.not_recorded(cause.clone()),
            StoreError::Poisoned(_) => StoreError::Poisoned(path),
            other => self.not_recorded(write_failure(other)),
        }
    }

    /// The error of a failed batch, for each of its commands.
    pub(super) fn not_recorded(&self, cause: Cause) -> StoreError {
        StoreError::NotRecorded {
            path: self.dir.clone(),
            cause,
        }
    }

    /// Writes changes' effects and their log entries in one sled transaction, then flushes.
    pub(super) fn write_sled(
        &self,
        roster: &Roster,
        entries: &[LogEntry],
        tps_ids: &BTreeSet<TpsId>,
        kel_ids: &BTreeSet<KelurahanId>,
    ) -> Result<()> {
        let seat_values: Vec<([u8; 4], Option<Vec<u8>>)> = tps_ids
            .iter()
            .map(|&t| {
                let s = roster.seats_of(t);
                (
                    tps_key(t),
                    s.iter().any(Option::is_some).then(|| codec::encode(&s)),
                )
            })
            .collect();
        let reserve_values: Vec<([u8; 4], Option<Vec<u8>>)> = kel_ids
            .iter()
            .map(|&k| {
                let list = roster.reserves(k);
                (kel_key(k), (!list.is_empty()).then(|| codec::encode(&list)))
            })
            .collect();
        let logged: Vec<(u64, Option<TpsId>, Vec<u8>)> = entries
            .iter()
            .map(|entry| {
                let history = match &entry.record {
                    Record::Change(event) => event.tps(),
                    Record::Created { .. } => None,
                };
                (entry.seq, history, codec::encode(entry))
            })
            .collect();
        let next_seq = entries.last().map_or(1, |e| e.seq + 1);
        let trees = (
            &self.meta,
            &self.seats,
            &self.reserves,
            &self.log,
            &self.tps_log,
        );
        let result = trees.transaction(|(meta, seats, reserves, log, tps_log)| {
            for (k, v) in &seat_values {
                match v {
                    Some(v) => seats.insert(&k[..], v.as_slice())?,
                    None => seats.remove(&k[..])?,
                };
            }
            for (k, v) in &reserve_values {
                match v {
                    Some(v) => reserves.insert(&k[..], v.as_slice())?,
                    None => reserves.remove(&k[..])?,
                };
            }
            for (seq, history, encoded) in &logged {
                log.insert(&seq.to_be_bytes(), encoded.as_slice())?;
                if let Some(t) = history {
                    tps_log.insert(&history_key(*t, *seq), &[][..])?;
                }
            }
            meta.insert(K_NEXT_SEQ, codec::encode(&next_seq))?;
            Ok::<(), ConflictableTransactionError<String>>(())
        });
        result.map_err(|e| match e {
            TransactionError::Abort(msg) => StoreError::Diverged {
                path: self.dir.clone(),
                detail: msg,
            },
            TransactionError::Storage(s) => self.sled_err(s),
        })?;
        self.flush()
    }

    /// Decides a command against the roster and commits the resulting event.
    pub fn execute(&self, roster: &mut Roster, command: &Command) -> Result<LogEntry, ExecError> {
        self.execute_as(roster, command, &self.actor)
    }

    /// `execute`, recording `actor`.
    pub fn execute_as(
        &self,
        roster: &mut Roster,
        command: &Command,
        actor: &str,
    ) -> Result<LogEntry, ExecError> {
        self.execute_batch(roster, &[(command, actor)])
            .pop()
            .expect("one result per command")
    }
}
