//! Key dispatch: a key press to an `Action`, an action to the handler of what is on screen
//! (the main panes, help, lists, pickers), and revealing a NIK.

use crossterm::event::{KeyCode, KeyEvent};

use super::{App, GapsView, Overlay, Pane, SearchView};
use crate::domain::gaps::Scope;
use crate::tui::keymap::{action_for, Action};

impl App {
    /// Handles one key press; returns whether anything visible changed.
    pub fn handle_key(&mut self, key: KeyEvent) -> bool {
        if let Overlay::Search(_) = self.overlay {
            if let Some(changed) = self.search_key(key) {
                return changed;
            }
            // A key that acts on the hits (Enter, moving) sees the query typed before it,
            // even when both came in one burst.
            self.refresh_search();
        }
        if let Overlay::Form(_) = self.overlay {
            return self.form_key(key);
        }
        if let Overlay::Confirm { risk, .. } = &mut self.overlay {
            return match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => match risk.take() {
                    // The first `y` leads to the question that names the risk.
                    Some(risk) => {
                        if let Overlay::Confirm { question, .. } = &mut self.overlay {
                            *question = risk;
                        }
                        true
                    }
                    None => self.confirm(),
                },
                KeyCode::Char('n') | KeyCode::Esc => {
                    self.overlay = Overlay::None;
                    self.status = Some(self.s().cancelled.to_string());
                    true
                }
                _ => false,
            };
        }
        match action_for(key) {
            Some(action) => self.update(action),
            None => false,
        }
    }

    /// Applies an action; returns whether anything visible changed.
    pub fn update(&mut self, action: Action) -> bool {
        let had_status = self.status.take().is_some();
        if action == Action::RevealNik && self.overlay == Overlay::None {
            return self.reveal() || had_status;
        }
        let before = (self.opened, self.detail_cursor);
        let changed = match &self.overlay {
            Overlay::None => self.update_main(action),
            Overlay::Help => self.update_help(action),
            Overlay::Gaps(_) | Overlay::Search(_) => self.update_list(action),
            Overlay::Vacate { .. } | Overlay::Reserves(_) | Overlay::Log { .. } => {
                self.update_picker(action)
            }
            Overlay::History { .. } => self.update_history(action),
            // Keys reach these through `handle_key`.
            Overlay::Form(_) | Overlay::Confirm { .. } => false,
        };
        // A revealed NIK is hidden again as soon as the selection moves.
        let hid = self.revealed.is_some() && (self.opened, self.detail_cursor) != before;
        if hid {
            self.revealed = None;
        }
        changed || had_status || hid
    }

    /// Shows the full NIK of the officer in the selected seat, until the selection changes.
    fn reveal(&mut self) -> bool {
        let nik = self
            .selected_seat()
            .and_then(|(t, seat)| self.roster.seat(t, seat))
            .map(|h| h.person.nik);
        match nik {
            Some(nik) if self.revealed != Some(nik) => {
                self.revealed = Some(nik);
                true
            }
            Some(_) => false,
            None if self.selected_seat().is_some() => self.say(self.s().no_nik_on_empty_seat),
            None => self.say(self.s().choose_seat),
        }
    }

    /// The NIK shown unmasked, if any.
    pub fn revealed(&self) -> Option<crate::domain::Nik> {
        self.revealed
    }

    fn update_help(&mut self, action: Action) -> bool {
        let (max, page) = (self.scroll_max.get(), self.page.get().max(1));
        let before = self.help_scroll;
        let to = match action {
            Action::Quit => {
                self.should_quit = true;
                return true;
            }
            Action::ToggleLang => {
                self.lang = self.lang.other();
                return true;
            }
            Action::Help | Action::Back | Action::Open => {
                self.overlay = Overlay::None;
                return true;
            }
            other => match scrolled(before, other, max, page) {
                Some(to) => to,
                None => return false,
            },
        };
        self.help_scroll = to;
        self.help_scroll != before
    }

    pub(super) fn update_main(&mut self, action: Action) -> bool {
        match action {
            Action::Quit => {
                self.should_quit = true;
                true
            }
            Action::Help => {
                self.overlay = Overlay::Help;
                self.help_scroll = 0;
                true
            }
            Action::ToggleLang => {
                self.lang = self.lang.other();
                true
            }
            Action::Search => {
                self.overlay = Overlay::Search(SearchView {
                    query: String::new(),
                    hits: Vec::new(),
                    cursor: 0,
                    stale: false,
                });
                self.list_offset.set(0);
                true
            }
            Action::GapsAll | Action::GapsHere => {
                let scope = if action == Action::GapsAll {
                    Scope::All
                } else {
                    self.scope_here()
                };
                let vacant_only = self.gaps_vacant_only;
                self.overlay = Overlay::Gaps(GapsView {
                    scope,
                    vacant_only,
                    entries: GapsView::entries(&self.roster, scope, vacant_only),
                    cursor: 0,
                });
                self.list_offset.set(0);
                true
            }
            Action::ToggleFilter => {
                self.hide_complete = !self.hide_complete;
                self.rebuild_rows();
                self.status = Some(
                    if self.hide_complete {
                        self.s().filter_on
                    } else {
                        self.s().filter_off
                    }
                    .to_string(),
                );
                true
            }
            Action::NextGap => self.jump_gap(true),
            Action::PrevGap => self.jump_gap(false),
            Action::Vacate => self.open_vacate(),
            Action::Reserves => self.open_reserves(false),
            Action::NewOfficer => self.open_form(),
            Action::MakeKetua => self.ask_ketua(),
            Action::History => self.open_history(),
            Action::Log => self.open_log(),
            Action::Undo => self.ask_undo(),
            Action::SwitchPane => {
                self.focus = match self.focus {
                    Pane::Tree => Pane::Detail,
                    Pane::Detail => Pane::Tree,
                };
                true
            }
            Action::Widen => self.say(self.s().widen_only_in_reserves),
            _ => match self.focus {
                Pane::Tree => self.update_tree(action),
                Pane::Detail => self.update_detail(action),
            },
        }
    }
}

/// Where a scrolled view (help, a seat's history) starts after a movement key, never past
/// `max` (its last screenful, learnt at draw); None for any other key.
pub(super) fn scrolled(before: usize, action: Action, max: usize, page: usize) -> Option<usize> {
    let to = match action {
        Action::Up => before.saturating_sub(1),
        Action::Down => before + 1,
        Action::PageUp => before.saturating_sub(page),
        Action::PageDown => before + page,
        Action::Top => 0,
        Action::Bottom => max,
        _ => return None,
    };
    Some(to.min(max))
}
