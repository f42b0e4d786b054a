//! From a dialog to a recorded change: picker and form keys make a `Command`, `y` records it
//! through the port.

use crossterm::event::KeyEvent;

use super::{App, Node, Overlay, VacateChoice};
use crate::domain::{Command, Event, Severity};
use crate::store::{ExecError, Record};
use crate::tui::form::FormKey;
use crate::tui::keymap::Action;

impl App {
    /// Keys in the vacate, reserve and log pickers.
    pub(super) fn update_picker(&mut self, action: Action) -> bool {
        let page = self.page.get().max(1);
        // The vacate menu starts with nothing chosen: the first move chooses.
        let (len, before) = match &self.overlay {
            Overlay::Vacate {
                choices, cursor, ..
            } => (choices.len(), *cursor),
            Overlay::Reserves(v) => (v.candidates.len(), Some(v.cursor)),
            Overlay::Log { entries, cursor } => (entries.len(), Some(*cursor)),
            _ => return false,
        };
        let last = len.saturating_sub(1);
        let to = match action {
            Action::Up => before.map_or(last, |c| c.saturating_sub(1)),
            Action::Down => before.map_or(0, |c| (c + 1).min(last)),
            Action::PageUp => before.map_or(0, |c| c.saturating_sub(page)),
            Action::PageDown => before.map_or(0, |c| (c + page).min(last)),
            Action::Top => 0,
            Action::Bottom => last,
            Action::Back | Action::Left => {
                self.overlay = Overlay::None;
                return true;
            }
            Action::Quit => {
                self.should_quit = true;
                return true;
            }
            Action::Widen => {
                if let Overlay::Reserves(v) = &self.overlay {
                    let wide = !v.wide;
                    return self.open_reserves(wide);
                }
                return false;
            }
            Action::Open | Action::Right => return self.pick(),
            _ => return false,
        };
        if before == Some(to) {
            return false;
        }
        match &mut self.overlay {
            Overlay::Vacate { cursor, .. } => *cursor = Some(to),
            Overlay::Reserves(v) => v.cursor = to,
            Overlay::Log { cursor, .. } => *cursor = to,
            _ => {}
        }
        true
    }

    /// Enter in a picker: turn the choice into a command waiting for `y`.
    fn pick(&mut self) -> bool {
        let region = &self.roster.region;
        let s = self.lang.strings();
        let (command, question, risk) = match &self.overlay {
            Overlay::Vacate {
                tps,
                seat,
                choices,
                cursor,
            } => {
                let Some(cursor) = cursor else {
                    self.status = Some(s.choose_ground.to_string());
                    return true;
                };
                let name = self
                    .roster
                    .seat(*tps, *seat)
                    .map(|h| h.person.name.clone())
                    .unwrap_or_default();
                let (command, why) = match choices[*cursor] {
                    VacateChoice::Ground(reason) => (
                        Command::Vacate {
                            tps: *tps,
                            seat: *seat,
                            reason,
                        },
                        self.lang.vacate_reason(reason).to_string(),
                    ),
                    VacateChoice::Absent(absent) => (
                        Command::MarkAbsent {
                            tps: *tps,
                            seat: *seat,
                            absent,
                        },
                        if absent {
                            s.absent_today
                        } else {
                            s.back_on_duty
                        }
                        .to_string(),
                    ),
                };
                (
                    command,
                    format!("KPPS {seat} {name}: {why} · TPS {}?", region.address(*tps)),
                    None,
                )
            }
            Overlay::Reserves(v) => {
                let Some(c) = v.candidates.get(v.cursor) else {
                    return false;
                };
                let Some(r) = self
                    .roster
                    .reserves(c.kelurahan)
                    .iter()
                    .find(|r| r.rank == c.rank)
                else {
                    return false;
                };
                let command = Command::FillFromReserve {
                    tps: v.tps,
                    seat: v.seat,
                    kelurahan: c.kelurahan,
                    rank: c.rank,
                };
                let question = format!(
                    "{} {} (#{} {}) → KPPS {} TPS {}?",
                    s.appoint_q,
                    r.person.name,
                    c.rank,
                    region.kelurahan(c.kelurahan).name,
                    v.seat,
                    region.address(v.tps)
                );
                let risk = c.risk.map(|risk| {
                    format!(
                        "⚑ {} ({}): {} — {}",
                        s.health_risk,
                        self.lang.health_flag(risk),
                        r.person.name,
                        s.appoint_anyway_q
                    )
                });
                (command, question, risk)
            }
            Overlay::Log { entries, cursor } => {
                // Enter on a log line jumps to its TPS.
                let tps = entries.get(*cursor).and_then(|e| match &e.record {
                    Record::Change(ev) => ev.tps(),
                    Record::Created { .. } => None,
                });
                let Some(tps) = tps else { return false };
                self.overlay = Overlay::None;
                self.select(Node::Tps(tps));
                self.show_detail();
                return true;
            }
            _ => return false,
        };
        self.overlay = Overlay::Confirm {
            command,
            question,
            risk,
        };
        true
    }

    pub(super) fn form_key(&mut self, key: KeyEvent) -> bool {
        let Overlay::Form(form) = &mut self.overlay else {
            return false;
        };
        match form.key(key, &self.roster) {
            FormKey::Ignored => false,
            FormKey::Changed => {
                // The error Enter reported follows the field as it is typed: it changes
                // while the field is still wrong and goes as soon as it is right.
                if let Some(field) = form.error {
                    let (_, notes) = form.check(&self.roster, self.lang);
                    let still = notes
                        .iter()
                        .find(|n| n.field == field && n.severity == Severity::Error);
                    match still {
                        Some(n) => {
                            self.status = Some(format!("{}: {}", field.label(self.lang), n.text))
                        }
                        None => {
                            form.error = None;
                            self.status = None;
                        }
                    }
                }
                true
            }
            FormKey::Cancel => {
                self.overlay = Overlay::None;
                self.status = Some(self.lang.strings().cancelled.to_string());
                true
            }
            FormKey::Submit => {
                let (person, notes) = form.check(&self.roster, self.lang);
                let Some(person) = person else {
                    let first = notes.iter().find(|n| n.severity == Severity::Error);
                    let msg = first.map(|n| format!("{}: {}", n.field.label(self.lang), n.text));
                    form.error = first.map(|n| n.field);
                    self.status = msg;
                    return true;
                };
                let ba = form.berita_acara.trim();
                let question = format!(
                    "{} {} → KPPS {} TPS {}?",
                    self.lang.strings().appoint_q,
                    person.name,
                    form.seat,
                    self.roster.region.address(form.tps)
                );
                let command = Command::FillDirect {
                    tps: form.tps,
                    seat: form.seat,
                    person,
                    berita_acara: (!ba.is_empty()).then(|| ba.to_string()),
                };
                self.overlay = Overlay::Confirm {
                    command,
                    question,
                    risk: None,
                };
                true
            }
        }
    }

    /// `y` on a pending change: record it durably, or say why not. Nothing is reported
    /// saved until the store has flushed it.
    pub(super) fn confirm(&mut self) -> bool {
        let Overlay::Confirm { command, .. } = std::mem::replace(&mut self.overlay, Overlay::None)
        else {
            return false;
        };
        let Some(port) = self.port.as_mut() else {
            return self.say(self.s().read_only);
        };
        match port.execute(&mut self.roster, &command) {
            Ok(entry) => {
                let Record::Change(event) = &entry.record else {
                    return true;
                };
                self.names.touch(event);
                let msg = format!(
                    "✓ {} #{}: {}",
                    self.lang.strings().saved,
                    entry.seq,
                    self.lang.describe_event(event, &self.roster.region)
                );
                match event {
                    Event::Undone { .. } => {
                        self.undoable.pop();
                    }
                    _ => self.undoable.push(entry),
                }
                // Others' changes committed with ours are applied already; our own
                // confirmation is what this coordinator needs to read now.
                let synced = match self.port.as_mut() {
                    Some(port) => port.sync(&mut self.roster),
                    None => Default::default(),
                };
                for entry in &synced.entries {
                    if let Record::Change(event) = &entry.record {
                        self.names.touch(event);
                    }
                }
                let lost = synced.lost;
                self.after_roster_change();
                self.status = Some(match lost {
                    Some(_) => format!("{msg} · ✗ {}", self.s().server_lost),
                    None => msg,
                });
            }
            Err(ExecError::Refused(r)) => {
                let msg = format!("✗ {}", self.lang.refusal(&r, &self.roster.region));
                self.status = Some(msg);
            }
            // A failed write reloads the roster from disk.
            Err(ExecError::Store(e)) => {
                self.names.invalidate();
                self.status = Some(format!("✗ {}", e.text(self.lang)));
            }
            Err(ExecError::Remote(msg)) => self.status = Some(format!("✗ {}", msg.get(self.lang))),
        }
        true
    }
}
