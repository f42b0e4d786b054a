//! kpps: KPPS staffing for polling stations — see where seats are empty and fill them.
//!
//! Layers: `domain` (pure rules), `store` (sled), `io` (files), `tui` (terminal), `net` (server
//! and client over a Unix socket), `cli`.

pub mod cli;
pub mod demo;
pub mod domain;
pub mod io;
pub mod net;
pub mod port;
pub mod store;
pub mod text;
pub mod tui;
