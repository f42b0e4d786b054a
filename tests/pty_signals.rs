//! Terminal safety under a real pty: SIGHUP (a dropped SSH session) and SIGTERM restore the
//! terminal and exit; a second kpps on a store the TUI holds gets a clear message and the
//! first one carries on.

mod common;

use common::{wait_for, Tmux};

use std::path::Path;
use std::thread::sleep;
use std::time::Duration;

/// The pid of the process whose argv is exactly `argv`.
fn pid_of(argv: &[&str]) -> Option<i32> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = raw
            .split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if args.iter().map(String::as_str).eq(argv.iter().copied()) {
            return Some(pid);
        }
    }
    None
}

/// Runs the TUI in tmux; returns the session and the file the wrapper writes after kpps
/// exits (its exit code and the tty mode).
fn start(dir: &Path, db: &Path) -> (Tmux, std::path::PathBuf) {
    let after = dir.join("after.txt");
    let script = format!(
        "'{exe}' --db '{db}'; echo \"exit=$?\" > '{after}.tmp'; stty -a >> '{after}.tmp'; mv '{after}.tmp' '{after}'; sleep 30",
        exe = env!("CARGO_BIN_EXE_kpps"),
        db = db.display(),
        after = after.display(),
    );
    (Tmux::start(dir, 80, 24, &script), after)
}

fn signal_restores_the_terminal(sig: i32, code: i32) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo");
    common::stdout(&common::kpps(&db, &["demo"]));
    let (tmux, after) = start(dir.path(), &db);
    tmux.wait_for_screen("the demo screen", |s| s.contains("[DEMO]"));
    let db_arg = db.display().to_string();
    let pid = pid_of(&[env!("CARGO_BIN_EXE_kpps"), "--db", &db_arg]).expect("the kpps process");
    // A second kpps on the same store: one clear line, exit 2; the first is unaffected.
    let second = common::kpps(&db, &["gaps"]);
    assert_eq!(second.status.code(), Some(2));
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(said.contains("sedang dipakai proses kpps lain"), "{said}");
    tmux.send("n");
    tmux.wait_for_screen("the first kpps to answer", |s| s.contains("KOSONG"));
    unsafe { libc::kill(pid, sig) };
    wait_for("kpps to exit", || after.exists());
    let report = std::fs::read_to_string(&after).unwrap();
    assert!(report.starts_with(&format!("exit={code}")), "{report}");
    assert!(
        report.contains(" icanon") && report.contains(" echo ") && !report.contains("-icanon"),
        "{report}"
    );
    // The store is free again and intact.
    let out = common::stdout(&common::kpps(&db, &["check"]));
    assert!(out.contains("OK"), "{out}");
}

#[test]
fn sighup_a_dropped_ssh_session_restores_the_terminal() {
    signal_restores_the_terminal(libc::SIGHUP, 128 + libc::SIGHUP);
}

#[test]
fn sigterm_restores_the_terminal() {
    signal_restores_the_terminal(libc::SIGTERM, 128 + libc::SIGTERM);
}

/// The terminal vanishes and no SIGHUP reaches kpps (it is not in the foreground process
/// group): it must notice the hang-up and exit, not spin on end-of-file.
#[test]
fn a_vanished_terminal_without_sighup_ends_the_process() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo");
    common::stdout(&common::kpps(&db, &["demo"]));
    let script = format!(
        "set -m; '{}' --db '{}' & wait; sleep 30",
        env!("CARGO_BIN_EXE_kpps"),
        db.display()
    );
    let tmux = Tmux::start(dir.path(), 80, 24, &script);
    let db_arg = db.display().to_string();
    let argv = [env!("CARGO_BIN_EXE_kpps"), "--db", db_arg.as_str()];
    wait_for("kpps to start", || pid_of(&argv).is_some());
    let pid = pid_of(&argv).unwrap();
    sleep(Duration::from_millis(500));
    drop(tmux); // kills the server: the pty goes away
    wait_for("kpps to exit after the hang-up", || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map_or(true, |s| s.split_whitespace().nth(2) == Some("Z"))
    });
}

#[test]
fn a_resize_repaints_the_screen() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo");
    common::stdout(&common::kpps(&db, &["demo"]));
    let (tmux, _after) = start(dir.path(), &db);
    tmux.wait_for_screen("the demo screen", |s| s.contains("[DEMO]"));
    tmux.run(&["resize-window", "-t", "t", "-x", "120", "-y", "40"]);
    // The footer moves to the new last row only if kpps noticed the resize and repainted.
    tmux.wait_for_screen("a repaint at 120x40", |s| {
        s.lines().nth(39).is_some_and(|l| l.contains("q keluar"))
    });
}
