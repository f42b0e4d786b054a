//! View state and `update`: every key becomes an `Action`, every action a change of state.
//! Rendering only reads this; nothing here touches the terminal.

use std::cell::Cell;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::form::{Form, FormKey};
use super::keymap::{action_for, Action};
use super::search::{search, NameIndex};
use crate::domain::area::Area;
use crate::domain::gaps::{gaps, vacant_gaps, GapEntry, Scope};
use crate::domain::history::{seat_history, Stamp, Stint};
use crate::domain::{
    Candidate, Command, Event, KecamatanId, KelurahanId, Role, Roster, Severity, TpsId,
    VacateReason,
};
use crate::port::{Port, Reconnect};
use crate::store::{ExecError, LogEntry, Record};
use crate::text::{Lang, Strings};

/// A row of the region tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Node {
    Kecamatan(KecamatanId),
    Kelurahan(KelurahanId),
    Tps(TpsId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Tree,
    Detail,
}

/// A search result: where to jump, and the seat for an officer hit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub node: Node,
    pub seat: Option<u8>,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GapsView {
    pub scope: Scope,
    /// Only TPS with an empty seat (no absences, no health flags): `f` in the list.
    pub vacant_only: bool,
    pub entries: Vec<GapEntry>,
    pub cursor: usize,
}

impl GapsView {
    fn entries(roster: &Roster, scope: Scope, vacant_only: bool) -> Vec<GapEntry> {
        if vacant_only {
            vacant_gaps(roster, scope)
        } else {
            gaps(roster, scope)
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchView {
    pub query: String,
    pub hits: Vec<Hit>,
    pub cursor: usize,
    /// `hits` are for an older query; `App::settle` searches again.
    pub stale: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReserveView {
    pub tps: TpsId,
    pub seat: u8,
    /// Widened to the other kelurahan of the kecamatan.
    pub wide: bool,
    pub candidates: Vec<Candidate>,
    pub cursor: usize,
}

/// Why a seat is being emptied: the four grounds, or absent today / back again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VacateChoice {
    Ground(VacateReason),
    Absent(bool),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    Gaps(GapsView),
    Search(SearchView),
    /// Opens with no ground chosen: Enter records nothing until one is.
    Vacate {
        tps: TpsId,
        seat: u8,
        choices: Vec<VacateChoice>,
        cursor: Option<usize>,
    },
    Reserves(ReserveView),
    Form(Box<Form>),
    /// A change waiting for `y`.
    Confirm {
        command: Command,
        question: String,
        /// A second question, naming a health risk, that `y` leads to before anything is
        /// recorded (appointing a reserve who is at risk or not screened).
        risk: Option<String>,
    },
    History {
        tps: TpsId,
        stints: Vec<Stint>,
        scroll: usize,
    },
    Log {
        entries: Vec<LogEntry>,
        cursor: usize,
    },
}

/// Log entries shown in the city-wide log view.
pub const LOG_VIEW_LIMIT: usize = 500;

/// Most search hits shown; the list says when there were more.
pub const MAX_HITS: usize = 200;

/// Below this many columns the screen shows one pane at a time (tree or detail): a phone's
/// SSH app is 40–60 columns wide, too narrow for both side by side.
pub const SINGLE_PANE_BELOW: u16 = 70;

/// Where the time of the data comes from: the system clock, or a fixed one in tests.
pub type Clock = Box<dyn Fn() -> DateTime<Utc>>;

pub struct App {
    pub roster: Roster,
    pub lang: Lang,
    expanded_kec: Vec<bool>,
    expanded_kel: Vec<bool>,
    rows: Vec<Node>,
    cursor: usize,
    /// First visible tree row; adjusted while drawing so the cursor stays in view with the
    /// least scrolling (a scroll repaints the whole pane).
    pub tree_offset: Cell<usize>,
    pub list_offset: Cell<usize>,
    /// Tree rows that fit on screen, learnt at the last draw (for page up/down).
    pub page: Cell<usize>,
    pub focus: Pane,
    /// The place shown in the detail pane. Moving the tree cursor does not change it (that
    /// would repaint the whole pane on every keystroke); Enter, `n`/`N` and jumps do.
    opened: Option<Node>,
    /// Seat (0-based) of the opened TPS, or row of a kelurahan/kecamatan's TPS list.
    pub detail_cursor: usize,
    pub hide_complete: bool,
    pub overlay: Overlay,
    pub status: Option<String>,
    pub should_quit: bool,
    port: Option<Box<dyn Port>>,
    revealed: Option<crate::domain::Nik>,
    /// Changes recorded in this run, newest last: what `u` can undo.
    undoable: Vec<LogEntry>,
    /// The server refused a reconnection (user removed, other version): stop retrying.
    reconnect_refused: bool,
    /// Officer names for `/`, built on the first search and told of every change since.
    names: NameIndex,
    /// The area the roster covers (`Kota Palembang`) and its time zone, for the header.
    pub area: Area,
    clock: Clock,
    /// When the data on screen was last known current: taken from the clock before each
    /// draw while the store or server is reachable (never by a timer: an idle screen sends
    /// nothing), and left as it was while a server is lost.
    as_of: Option<DateTime<Utc>>,
    /// One pane at a time (tree or detail), learnt at the last draw.
    pub single_pane: Cell<bool>,
    /// First line of the help screen shown, and the last it can start at (learnt at draw).
    pub help_scroll: usize,
    pub help_max: Cell<usize>,
    /// Whether the gaps list was last left showing empty seats only (`v` reopens it so).
    gaps_vacant_only: bool,
}

impl App {
    pub fn new(roster: Roster, lang: Lang) -> App {
        let mut app = App {
            expanded_kec: vec![false; roster.region.kecamatan.len()],
            expanded_kel: vec![false; roster.region.kelurahan.len()],
            rows: Vec::new(),
            cursor: 0,
            tree_offset: Cell::new(0),
            list_offset: Cell::new(0),
            page: Cell::new(10),
            focus: Pane::Tree,
            opened: None,
            detail_cursor: 0,
            hide_complete: false,
            overlay: Overlay::None,
            status: None,
            should_quit: false,
            port: None,
            revealed: None,
            undoable: Vec::new(),
            reconnect_refused: false,
            names: NameIndex::default(),
            area: Area::of(&roster.region, Scope::All),
            clock: Box::new(Utc::now),
            as_of: None,
            single_pane: Cell::new(false),
            help_scroll: 0,
            help_max: Cell::new(0),
            gaps_vacant_only: false,
            roster,
            lang,
        };
        app.rebuild_rows();
        if app.roster.officer_count() == 0 {
            app.status = Some(app.s().empty_store_hint.to_string());
        }
        app
    }

    /// An app that records changes through `port` (a store, or a server's client). A
    /// coordinator with one area starts there.
    pub fn with_port(roster: Roster, lang: Lang, port: Box<dyn Port>) -> App {
        let mut app = App::new(roster, lang);
        let home = match port.identity() {
            Some((_, Role::Pps(kel))) => Some(Node::Kelurahan(kel)),
            Some((_, Role::Ppk(kec))) => Some(Node::Kecamatan(kec)),
            _ => None,
        };
        app.port = Some(port);
        if let Some(node) = home {
            match node {
                Node::Kelurahan(k) => app.expanded_kel[k.0 as usize] = true,
                Node::Kecamatan(k) => app.expanded_kec[k.0 as usize] = true,
                Node::Tps(_) => {}
            }
            app.select(node);
        }
        app
    }

    /// The server's name for this user and their role, when working through a server.
    pub fn identity(&self) -> Option<(String, Role)> {
        self.port.as_ref().and_then(|p| p.identity())
    }

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

    pub fn s(&self) -> &'static Strings {
        self.lang.strings()
    }

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
    fn rebuild_rows(&mut self) {
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

    fn select(&mut self, node: Node) {
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
    fn open(&mut self, node: Node) -> bool {
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

    /// Text input while searching; None for keys that keep their keymap meaning.
    fn search_key(&mut self, key: KeyEvent) -> Option<bool> {
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

    /// Searches again if the query changed since the hits were found.
    fn refresh_search(&mut self) {
        if let Overlay::Search(view) = &mut self.overlay {
            if view.stale {
                view.hits = search(&self.roster, &mut self.names, &view.query);
                view.stale = false;
            }
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
        let (max, page) = (self.help_max.get(), self.page.get().max(1));
        let before = self.help_scroll;
        let to = match action {
            Action::Quit => {
                self.should_quit = true;
                return true;
            }
            Action::ToggleLang => {
                self.lang = toggle(self.lang);
                return true;
            }
            Action::Help | Action::Back | Action::Open => {
                self.overlay = Overlay::None;
                return true;
            }
            Action::Up => before.saturating_sub(1),
            Action::Down => before + 1,
            Action::PageUp => before.saturating_sub(page),
            Action::PageDown => before + page,
            Action::Top => 0,
            Action::Bottom => max,
            _ => return false,
        };
        self.help_scroll = to.min(max);
        self.help_scroll != before
    }

    /// Keys in the gaps and search lists.
    fn update_list(&mut self, action: Action) -> bool {
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
                self.lang = toggle(self.lang);
                return true;
            }
            Action::Open | Action::Right => {
                let target = match &self.overlay {
                    Overlay::Gaps(v) => v.entries.get(v.cursor).map(|e| {
                        let seat = e
                            .vacant_seats
                            .first()
                            .or(e.flags.first().map(|(s, _)| s))
                            .copied();
                        (Node::Tps(e.tps), seat)
                    }),
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

    fn update_main(&mut self, action: Action) -> bool {
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
                self.lang = toggle(self.lang);
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

    fn update_tree(&mut self, action: Action) -> bool {
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

    fn update_detail(&mut self, action: Action) -> bool {
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
                        let seat = e.vacant_seats.first().copied();
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
    fn jump_gap(&mut self, forward: bool) -> bool {
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
    fn show_detail(&mut self) -> bool {
        if self.single_pane.get() && self.focus != Pane::Detail {
            self.focus = Pane::Detail;
            return true;
        }
        false
    }
}

/// Recording changes: vacate, fill from reserves or by direct appointment, Ketua, undo,
/// and the history and log views.
impl App {
    /// The TPS and seat (1-based) a change key acts on: the opened TPS's seat under the
    /// detail cursor. With the tree cursor on another TPS, that TPS is opened first, so a
    /// key never acts on a TPS other than the one on screen.
    fn target_seat(&mut self) -> Option<(TpsId, u8)> {
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

    fn say(&mut self, msg: &str) -> bool {
        self.status = Some(msg.to_string());
        true
    }

    fn open_vacate(&mut self) -> bool {
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

    fn open_reserves(&mut self, wide: bool) -> bool {
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

    fn open_form(&mut self) -> bool {
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

    fn ask_ketua(&mut self) -> bool {
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

    fn ask_undo(&mut self) -> bool {
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

    fn open_history(&mut self) -> bool {
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
            Err(e) => self.say(&e.to_string()),
        }
    }

    fn open_log(&mut self) -> bool {
        let Some(port) = self.port.as_mut() else {
            return self.say(self.s().read_only);
        };
        match port.recent_log(LOG_VIEW_LIMIT) {
            Ok(entries) => {
                self.overlay = Overlay::Log { entries, cursor: 0 };
                self.list_offset.set(0);
                true
            }
            Err(e) => self.say(&e.to_string()),
        }
    }

    /// Keys in the vacate, reserve and log pickers.
    fn update_picker(&mut self, action: Action) -> bool {
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

    fn update_history(&mut self, action: Action) -> bool {
        let Overlay::History { scroll, .. } = &mut self.overlay else {
            return false;
        };
        let before = *scroll;
        match action {
            Action::Up => *scroll = scroll.saturating_sub(1),
            Action::Down => *scroll += 1,
            Action::PageUp => *scroll = scroll.saturating_sub(self.page.get()),
            Action::PageDown => *scroll += self.page.get(),
            Action::Top => *scroll = 0,
            Action::Back | Action::Left | Action::History | Action::Open => {
                self.overlay = Overlay::None;
                return true;
            }
            Action::Quit => {
                self.should_quit = true;
                return true;
            }
            _ => return false,
        }
        before != *scroll
    }

    fn form_key(&mut self, key: KeyEvent) -> bool {
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
                self.status = Some(format!("✗ {why}"));
                true
            }
        }
    }

    /// Whether the event loop should keep retrying a lost server.
    pub fn wants_reconnect(&self) -> bool {
        !self.port_connected() && !self.reconnect_refused
    }

    /// Reserves this user may appoint to `tps`: a PPS sees its own kelurahan's lists only.
    fn reserve_candidates(&self, tps: TpsId, wide: bool) -> Vec<Candidate> {
        let mut candidates = self.roster.reserve_candidates(tps, wide);
        if let Some((_, role)) = self.identity() {
            candidates.retain(|c| role.covers_kelurahan(&self.roster.region, c.kelurahan));
        }
        candidates
    }

    /// Someone else changed the roster: refresh what was computed from it.
    fn after_roster_change(&mut self) {
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

    /// `y` on a pending change: record it durably, or say why not. Nothing is reported
    /// saved until the store has flushed it.
    fn confirm(&mut self) -> bool {
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
                self.status = Some(format!("✗ {e}"));
            }
            Err(ExecError::Remote(msg)) => self.status = Some(format!("✗ {msg}")),
        }
        true
    }
}

fn toggle(lang: Lang) -> Lang {
    match lang {
        Lang::Id => Lang::En,
        Lang::En => Lang::Id,
    }
}
