//! Helpers shared by the tests that run the real binary.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `kpps --db DB ARGS…` with a clean environment for the store location.
pub fn kpps(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kpps"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("KPPS_DB")
        .output()
        .expect("run kpps")
}

/// Stdout of a run that must have succeeded.
pub fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}
