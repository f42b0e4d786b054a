//! The gaps and search lists: their entries and filter, the search query as it is typed and
//! searched, and moving and jumping in either.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, GapsView, Node, Overlay};
use crate::domain::gaps::{gaps, vacant_gaps, GapEntry, Scope};
use crate::domain::Roster;
use crate::tui::keymap::Action;
use crate::tui::search::search;

impl GapsView {
    pub(super) fn entries(roster: &Roster, scope: Scope, vacant_only: bool) -> Vec<GapEntry> {
        if vacant_only {
            vacant_gaps(roster, scope)
        } else {
            gaps(roster, scope)
        }
    }
}

impl App {
    /// Text input while searching; None for keys that keep their keymap meaning.
    pub(super) fn search_key(&mut self, key: KeyEvent) -> Option<bool> {
        let Overlay::Search(view) = &mut self.overlay else {
            return None;
        };
        match key.code {
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                view.query.push(c);
            }
            KeyCode::Backspace => {
                if view.query.pop().is_none() {
                    return Some(false);
                }
            }
            _ => return None,
        }
        // Searched once the keys already typed are all in (`settle`): a burst of keys over
        // a slow link costs one search, not one per key.
        view.stale = true;
        view.cursor = 0;
        self.list_offset.set(0);
        Some(true)
    }

    /// Searches again if the query changed since the hits were found.
    pub(super) fn refresh_search(&mut self) {
        if let Overlay::Search(view) = &mut self.overlay {
            if view.stale {
                view.hits = search(&self.roster, &mut self.names, &view.query);
                view.stale = false;
            }
        }
    }

    /// Keys in the gaps and search lists.
    pub(super) fn update_list(&mut self, action: Action) -> bool {
        let len = match &self.overlay {
            Overlay::Gaps(v) => v.entries.len(),
            Overlay::Search(v) => v.hits.len(),
            _ => 0,
        };
        let page = self.page.get().max(1);
        let cursor = match &mut self.overlay {
            Overlay::Gaps(v) => &mut v.cursor,
            Overlay::Search(v) => &mut v.cursor,
            _ => return false,
        };
        let before = *cursor;
        match action {
            Action::Up => *cursor = cursor.saturating_sub(1),
            Action::Down => *cursor = (*cursor + 1).min(len.saturating_sub(1)),
            Action::PageUp => *cursor = cursor.saturating_sub(page),
            Action::PageDown => *cursor = (*cursor + page).min(len.saturating_sub(1)),
            Action::Top => *cursor = 0,
            Action::Bottom => *cursor = len.saturating_sub(1),
            Action::Back => {
                self.overlay = Overlay::None;
                return true;
            }
            Action::Quit => {
                self.should_quit = true;
                return true;
            }
            Action::ToggleLang => {
                self.lang = self.lang.other();
                return true;
            }
            Action::Open | Action::Right => {
                let target = match &self.overlay {
                    Overlay::Gaps(v) => v
                        .entries
                        .get(v.cursor)
                        .map(|e| (Node::Tps(e.tps), e.first_seat())),
                    Overlay::Search(v) => v.hits.get(v.cursor).map(|h| (h.node, h.seat)),
                    _ => None,
                };
                if let Some((node, seat)) = target {
                    self.overlay = Overlay::None;
                    self.select(node);
                    if let Some(seat) = seat {
                        self.detail_cursor = seat as usize - 1;
                    }
                    self.show_detail();
                    return true;
                }
                return false;
            }
            Action::GapsAll | Action::GapsHere | Action::Help | Action::Search => {
                self.overlay = Overlay::None;
                self.update_main(action);
                return true;
            }
            // `f` in the gaps list: empty seats only, or absences and flags too.
            Action::ToggleFilter => {
                let Overlay::Gaps(view) = &mut self.overlay else {
                    return false;
                };
                view.vacant_only = !view.vacant_only;
                view.entries = GapsView::entries(&self.roster, view.scope, view.vacant_only);
                view.cursor = 0;
                self.gaps_vacant_only = view.vacant_only;
                self.list_offset.set(0);
                return true;
            }
            Action::Vacate | Action::Reserves | Action::NewOfficer | Action::MakeKetua => {
                return self.say(self.s().open_tps_first);
            }
            _ => return false,
        }
        before != *cursor
    }
}
