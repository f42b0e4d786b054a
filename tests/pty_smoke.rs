//! The release/debug binary in a real pty (tmux): open the demo, jump to a gap, quit, and
//! find the terminal restored (cooked mode, main screen).

use std::path::Path;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

fn tmux(socket: &Path, args: &[&str]) -> String {
    let out = Command::new("tmux")
        .arg("-S")
        .arg(socket)
        .args(args)
        .output()
        .expect("tmux is installed (.ci/run installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Polls the pane until `pred` holds (bounded), returning the last capture.
fn wait_for(socket: &Path, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let screen = tmux(socket, &["capture-pane", "-p", "-t", "smoke"]);
        if pred(&screen) {
            return screen;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}; screen:\n{screen}"
        );
        sleep(Duration::from_millis(50));
    }
}

#[test]
fn demo_opens_jumps_to_a_gap_and_quits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("tmux.sock");
    let db = dir.path().join("demo");
    let after = dir.path().join("after.txt");
    // After kpps exits, record the tty mode so we can check raw mode was left.
    let script = format!(
        "'{}' --db '{}' --demo; echo \"exit=$?\" > '{}'; stty -a >> '{}'; sleep 30",
        env!("CARGO_BIN_EXE_kpps"),
        db.display(),
        after.display(),
        after.display()
    );
    tmux(
        &socket,
        &[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "smoke",
            "-x",
            "80",
            "-y",
            "24",
            "bash",
            "-c",
            &script,
        ],
    );
    let screen = wait_for(&socket, "the demo screen", |s| {
        s.contains("[DEMO]") && s.contains("Ilir Barat II")
    });
    assert!(screen.contains("TPS 4.777"), "{screen}");
    tmux(&socket, &["send-keys", "-t", "smoke", "n"]);
    let screen = wait_for(&socket, "a gap TPS", |s| {
        s.contains("KOSONG") && s.contains("Kosong 1")
    });
    assert!(screen.contains("▾ Ilir Barat II"), "{screen}");
    tmux(&socket, &["send-keys", "-t", "smoke", "q"]);
    let start = Instant::now();
    while !after.exists() || !std::fs::read_to_string(&after).unwrap().contains("icanon") {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "kpps did not exit"
        );
        sleep(Duration::from_millis(50));
    }
    let report = std::fs::read_to_string(&after).unwrap();
    tmux(&socket, &["kill-server"]);
    assert!(report.starts_with("exit=0"), "{report}");
    // Raw mode left: canonical input and echo are back on.
    assert!(
        report.contains(" icanon") && report.contains(" echo "),
        "{report}"
    );
    assert!(!report.contains("-icanon"), "{report}");
}

#[test]
fn first_run_without_demo_creates_an_empty_palembang_store() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("tmux.sock");
    let db = dir.path().join("store");
    let cmd = format!(
        "'{}' --db '{}' --lang en; sleep 30",
        env!("CARGO_BIN_EXE_kpps"),
        db.display()
    );
    tmux(
        &socket,
        &[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "smoke",
            "-x",
            "80",
            "-y",
            "24",
            "bash",
            "-c",
            &cmd,
        ],
    );
    let screen = wait_for(&socket, "the empty store", |s| {
        s.contains("kpps import roster")
    });
    assert!(
        screen.contains("Filled 0/33,439") && !screen.contains("[DEMO]"),
        "{screen}"
    );
    tmux(&socket, &["send-keys", "-t", "smoke", "q"]);
    let start = Instant::now();
    while tmux(&socket, &["capture-pane", "-p", "-t", "smoke"]).contains("Filled 0/33,439") {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "kpps did not quit"
        );
        sleep(Duration::from_millis(50));
    }
    tmux(&socket, &["kill-server"]);
    assert!(db.join("sled").exists(), "the store was created on disk");
}
