//! The real binary in a real pty (tmux): open the demo, jump to a gap, quit, and find the
//! terminal restored (cooked mode); a first run without the demo creates an empty store.

mod common;

use common::{wait_for, Tmux};

#[test]
fn demo_opens_jumps_to_a_gap_and_quits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo");
    let after = dir.path().join("after.txt");
    // After kpps exits, record the tty mode so we can check raw mode was left.
    let script = format!(
        "'{exe}' --db '{db}' --demo; echo \"exit=$?\" > '{after}.tmp'; stty -a >> '{after}.tmp'; mv '{after}.tmp' '{after}'; sleep 30",
        exe = env!("CARGO_BIN_EXE_kpps"),
        db = db.display(),
        after = after.display(),
    );
    let tmux = Tmux::start(dir.path(), 80, 24, &script);
    let screen = tmux.wait_for_screen("the demo screen", |s| {
        s.contains("[DEMO]") && s.contains("Ilir Barat II")
    });
    assert!(screen.contains("TPS 4.777"), "{screen}");
    tmux.send("n");
    let screen = tmux.wait_for_screen("a gap TPS", |s| {
        s.contains("KOSONG") && s.contains("Kosong 1")
    });
    assert!(screen.contains("▾ Ilir Barat II"), "{screen}");
    tmux.send("q");
    wait_for("kpps to exit", || after.exists());
    let report = std::fs::read_to_string(&after).unwrap();
    assert!(report.starts_with("exit=0"), "{report}");
    // Raw mode left: canonical input and echo are back on.
    assert!(
        report.contains(" icanon") && report.contains(" echo ") && !report.contains("-icanon"),
        "{report}"
    );
}

#[test]
fn first_run_without_demo_creates_an_empty_palembang_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store");
    let script = format!(
        "'{}' --db '{}' --lang en; sleep 30",
        env!("CARGO_BIN_EXE_kpps"),
        db.display()
    );
    let tmux = Tmux::start(dir.path(), 80, 24, &script);
    let screen = tmux.wait_for_screen("the empty store", |s| s.contains("kpps import roster"));
    assert!(
        screen.contains("Filled 0/33,439") && !screen.contains("[DEMO]"),
        "{screen}"
    );
    tmux.send("q");
    tmux.wait_for_screen("kpps to quit", |s| !s.contains("Filled 0/33,439"));
    assert!(db.join("sled").exists(), "the store was created on disk");
}
