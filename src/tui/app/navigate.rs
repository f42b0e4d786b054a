//! The region tree and the detail pane: which rows show, the cursors, expanding, opening a
//! place, and `n`/`N` to the next gap.

use super::{App, Node, Pane};
use crate::domain::gaps::{gaps, GapEntry, Scope};
use crate::domain::{KecamatanId, KelurahanId, TpsId};
use crate::tui::keymap::Action;

impl App {
    pub fn rows(&self) -> &[Node] {
        &self.rows
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn selected(&self) -> Option<Node> {
        self.rows.get(self.cursor).copied()
    }

    pub fn is_expanded(&self, node: Node) -> bool {
        match node {
            Node::Kecamatan(k) => self.expanded_kec[k.0 as usize],
            Node::Kelurahan(k) => self.expanded_kel[k.0 as usize],
            Node::Tps(_) => false,
        }
    }

    fn shown(&self, vacant: u32) -> bool {
        !self.hide_complete || vacant > 0
    }

    /// Recomputes the visible rows, keeping the selected node (or its nearest shown
    /// ancestor) under the cursor.
    pub(super) fn rebuild_rows(&mut self) {
        let keep = self.selected();
        let region = &self.roster.region;
        let mut rows = Vec::with_capacity(region.kecamatan.len());
        for (ki, kec) in region.kecamatan.iter().enumerate() {
            let kec_id = KecamatanId(ki as u32);
            if !self.shown(self.roster.kecamatan_rollup(kec_id).vacant) {
                continue;
            }
            rows.push(Node::Kecamatan(kec_id));
            if !self.expanded_kec[ki] {
                continue;
            }
            for kel in kec.kelurahan.clone() {
                let kel_id = KelurahanId(kel);
                if !self.shown(self.roster.kelurahan_rollup(kel_id).vacant) {
                    continue;
                }
                rows.push(Node::Kelurahan(kel_id));
                if !self.expanded_kel[kel as usize] {
                    continue;
                }
                for t in region.kelurahan(kel_id).tps.clone() {
                    if self.shown(self.roster.tps_stats(TpsId(t)).vacant as u32) {
                        rows.push(Node::Tps(TpsId(t)));
                    }
                }
            }
        }
        self.rows = rows;
        if let Some(node) = keep {
            self.cursor = self
                .position_of(node)
                .unwrap_or(self.cursor.min(self.rows.len().saturating_sub(1)));
        }
    }

    /// Row of `node`, or of its nearest visible ancestor.
    fn position_of(&self, node: Node) -> Option<usize> {
        let region = &self.roster.region;
        let mut candidates = vec![node];
        match node {
            Node::Tps(t) => {
                let kel = region.kelurahan_of(t);
                candidates.push(Node::Kelurahan(kel));
                candidates.push(Node::Kecamatan(region.kelurahan(kel).kecamatan));
            }
            Node::Kelurahan(k) => candidates.push(Node::Kecamatan(region.kelurahan(k).kecamatan)),
            Node::Kecamatan(_) => {}
        }
        candidates
            .into_iter()
            .find_map(|c| self.rows.iter().position(|&r| r == c))
    }

    pub(super) fn select(&mut self, node: Node) {
        let region = &self.roster.region;
        match node {
            Node::Tps(t) => {
                let kel = region.kelurahan_of(t);
                self.expanded_kel[kel.0 as usize] = true;
                self.expanded_kec[region.kelurahan(kel).kecamatan.0 as usize] = true;
            }
            Node::Kelurahan(k) => {
                self.expanded_kec[region.kelurahan(k).kecamatan.0 as usize] = true
            }
            Node::Kecamatan(_) => {}
        }
        if self.hide_complete && self.position_of(node).is_none() {
            self.hide_complete = false;
        }
        self.rebuild_rows();
        if let Some(i) = self.position_of(node) {
            self.cursor = i;
        }
        self.open(node);
    }

    /// The place shown in the detail pane.
    pub fn opened(&self) -> Option<Node> {
        self.opened
    }

    /// Shows `node` in the detail pane; a TPS opens on its first empty seat.
    pub(super) fn open(&mut self, node: Node) -> bool {
        if self.opened == Some(node) {
            return false;
        }
        self.opened = Some(node);
        self.detail_cursor = match node {
            Node::Tps(t) => self
                .roster
                .seats_of(t)
                .iter()
                .position(|s| s.as_ref().is_none_or(|h| h.absent))
                .unwrap_or(0),
            _ => 0,
        };
        self.list_offset.set(0);
        true
    }

    fn scope_of(&self, node: Option<Node>) -> Scope {
        match node {
            Some(Node::Kecamatan(k)) => Scope::Kecamatan(k),
            Some(Node::Kelurahan(k)) => Scope::Kelurahan(k),
            Some(Node::Tps(t)) => Scope::Kelurahan(self.roster.region.kelurahan_of(t)),
            None => Scope::All,
        }
    }

    /// The kelurahan or kecamatan under the tree cursor (for `V`).
    pub fn scope_here(&self) -> Scope {
        self.scope_of(self.selected())
    }

    /// The scope of the opened place (the detail pane).
    pub fn opened_scope(&self) -> Scope {
        self.scope_of(self.opened)
    }

    /// TPS of the opened kelurahan/kecamatan: gaps first (most severe), as `kpps gaps`.
    pub fn detail_entries(&self) -> Vec<GapEntry> {
        match self.opened {
            Some(Node::Kecamatan(_)) | Some(Node::Kelurahan(_)) => {
                gaps(&self.roster, self.opened_scope())
            }
            _ => Vec::new(),
        }
    }

    fn detail_len(&self) -> usize {
        match self.opened {
            Some(Node::Tps(_)) => self.roster.seats_per_tps() as usize,
            Some(_) => self.detail_entries().len(),
            None => 0,
        }
    }

    fn move_cursor(&mut self, to: usize) -> bool {
        let to = to.min(self.rows.len().saturating_sub(1));
        if to == self.cursor {
            return false;
        }
        self.cursor = to;
        true
    }

    fn set_expanded(&mut self, node: Node, open: bool) -> bool {
        let slot = match node {
            Node::Kecamatan(k) => &mut self.expanded_kec[k.0 as usize],
            Node::Kelurahan(k) => &mut self.expanded_kel[k.0 as usize],
            Node::Tps(_) => return false,
        };
        if *slot == open {
            return false;
        }
        *slot = open;
        self.rebuild_rows();
        true
    }

    fn parent(&self, node: Node) -> Option<Node> {
        let region = &self.roster.region;
        match node {
            Node::Tps(t) => Some(Node::Kelurahan(region.kelurahan_of(t))),
            Node::Kelurahan(k) => Some(Node::Kecamatan(region.kelurahan(k).kecamatan)),
            Node::Kecamatan(_) => None,
        }
    }

    pub(super) fn update_tree(&mut self, action: Action) -> bool {
        let Some(node) = self.selected() else {
            return false;
        };
        let page = self.page.get().max(1);
        match action {
            Action::Up => self.move_cursor(self.cursor.saturating_sub(1)),
            Action::Down => self.move_cursor(self.cursor + 1),
            Action::PageUp => self.move_cursor(self.cursor.saturating_sub(page)),
            Action::PageDown => self.move_cursor(self.cursor + page),
            Action::Top => self.move_cursor(0),
            Action::Bottom => self.move_cursor(usize::MAX),
            Action::Right => {
                if let Node::Tps(_) = node {
                    self.open(node);
                    self.focus = Pane::Detail;
                    true
                } else if self.is_expanded(node) {
                    self.move_cursor(self.cursor + 1)
                } else {
                    self.set_expanded(node, true)
                }
            }
            Action::Open => match node {
                Node::Tps(_) => {
                    self.open(node);
                    self.focus = Pane::Detail;
                    true
                }
                // One pane at a time: show what was opened.
                _ => self.open(node) | self.show_detail(),
            },
            Action::Left | Action::Back => {
                if self.is_expanded(node) {
                    self.set_expanded(node, false)
                } else if let Some(p) = self.parent(node).and_then(|p| self.position_of(p)) {
                    self.move_cursor(p)
                } else {
                    false
                }
            }
            _ => false,
        }
    }

    pub(super) fn update_detail(&mut self, action: Action) -> bool {
        let len = self.detail_len();
        let before = self.detail_cursor;
        match action {
            Action::Up => self.detail_cursor = self.detail_cursor.saturating_sub(1),
            Action::Down => {
                self.detail_cursor = (self.detail_cursor + 1).min(len.saturating_sub(1))
            }
            Action::Top => self.detail_cursor = 0,
            Action::Bottom => self.detail_cursor = len.saturating_sub(1),
            Action::Left | Action::Back => {
                self.focus = Pane::Tree;
                return true;
            }
            Action::Open | Action::Right => {
                if let Some(Node::Kecamatan(_) | Node::Kelurahan(_)) = self.opened {
                    if let Some(e) = self.detail_entries().get(self.detail_cursor) {
                        let seat = e.first_seat();
                        self.select(Node::Tps(e.tps));
                        self.detail_cursor = seat.map_or(0, |s| s as usize - 1);
                        return true;
                    }
                }
                // Enter on a seat: which keys act on it.
                if let Some((tps, seat)) = self.selected_seat() {
                    let hint = match self.roster.seat(tps, seat) {
                        None => self.s().empty_seat_keys,
                        Some(_) => self.s().filled_seat_keys,
                    };
                    return self.say(hint);
                }
                return false;
            }
            _ => return false,
        }
        before != self.detail_cursor
    }

    /// `n`/`N`: the next/previous TPS with a vacancy in tree order (wrapping), expanding the
    /// tree to it and putting the seat cursor on its first empty seat.
    pub(super) fn jump_gap(&mut self, forward: bool) -> bool {
        let total = self.roster.region.tps.len() as u32;
        if total == 0 || self.roster.total().tps_short == 0 {
            self.status = Some(self.s().no_gaps.to_string());
            return true;
        }
        let region = &self.roster.region;
        // Position in TPS order to start from (exclusive of the current TPS).
        let (start, inclusive) = match self.selected() {
            Some(Node::Tps(t)) => (t.0, false),
            Some(Node::Kelurahan(k)) => (region.kelurahan(k).tps.start, forward),
            Some(Node::Kecamatan(k)) => {
                let first_kel = region.kecamatan(k).kelurahan.start;
                (region.kelurahan[first_kel as usize].tps.start, forward)
            }
            None => (0, true),
        };
        let found = (0..total)
            .map(|i| i + if inclusive { 0 } else { 1 })
            .find_map(|step| {
                let t = if forward {
                    (start + step) % total
                } else {
                    (start + total - step % total) % total
                };
                self.roster
                    .tps_stats(TpsId(t))
                    .has_gap()
                    .then_some(TpsId(t))
            });
        let Some(tps) = found else { return false };
        // Opening a TPS puts the seat cursor on its first empty seat. No status line: the
        // detail pane already says what is missing.
        self.select(Node::Tps(tps));
        self.show_detail();
        true
    }

    /// With one pane at a time, a place opened by a jump or Enter is shown at once.
    pub(super) fn show_detail(&mut self) -> bool {
        if self.single_pane.get() && self.focus != Pane::Detail {
            self.focus = Pane::Detail;
            return true;
        }
        false
    }
}
