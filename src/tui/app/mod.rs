//! View state: the `App`, its overlays and the types the screen reads. Every key becomes an
//! `Action`, every action a change of state; rendering only reads this, nothing here
//! touches the terminal.

mod actions;
mod confirm;
mod history;
mod keys;
mod lists;
mod navigate;
mod sync;

use std::cell::Cell;

use chrono::{DateTime, Utc};

use super::form::Form;
use super::search::NameIndex;
use crate::domain::area::Area;
use crate::domain::gaps::{GapEntry, Scope};
use crate::domain::history::Stint;
use crate::domain::{
    Candidate, Command, KecamatanId, KelurahanId, Role, Roster, TpsId, VacateReason,
};
use crate::port::Port;
use crate::store::LogEntry;
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
    /// First line of the help screen shown.
    pub help_scroll: usize,
    /// The last line a scrolled view (help, a seat's history) can start at, learnt at draw.
    pub scroll_max: Cell<usize>,
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
            scroll_max: Cell::new(0),
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

    pub fn s(&self) -> &'static Strings {
        self.lang.strings()
    }

    fn say(&mut self, msg: &str) -> bool {
        self.status = Some(msg.to_string());
        true
    }
}
