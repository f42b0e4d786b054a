//! The real terminal agrees with the byte harness: the binary runs under tmux at 80×24, a
//! scripted session is played key by key, `pipe-pane` counts every byte the terminal
//! received, and the total matches the in-memory harness within a few percent. Then the
//! app sits idle for 5 seconds and the terminal receives nothing.

mod common;

use common::Tmux;

use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, Instant};

use kpps::store::Store;
use kpps::text::Lang;
use kpps::tui::session::Session;
use kpps::tui::App;

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Waits until the file stops growing (the frame for the last key has arrived).
fn settle(path: &Path) -> u64 {
    let start = Instant::now();
    let mut last = size(path);
    loop {
        sleep(Duration::from_millis(150));
        let now = size(path);
        if now == last && now > 0 {
            return now;
        }
        last = now;
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "output never settled"
        );
    }
}

/// Keys sent one at a time (tmux key names) and the same keys for the harness.
const SCRIPT: &[(&str, &str)] = &[
    ("j", "j"),
    ("j", "j"),
    ("l", "l"),
    ("j", "j"),
    ("Enter", "<enter>"),
    ("n", "n"),
    ("n", "n"),
    ("Tab", "<tab>"),
    ("j", "j"),
    ("Escape", "<esc>"),
    ("v", "v"),
    ("j", "j"),
    ("Escape", "<esc>"),
    ("/", "/"),
    ("s", "s"),
    ("a", "a"),
    ("k", "k"),
    ("o", "o"),
    ("Enter", "<enter>"),
    ("?", "?"),
    ("Escape", "<esc>"),
    ("L", "L"),
    ("G", "G"),
];

#[test]
fn terminal_bytes_match_the_harness_and_idle_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo");
    common::stdout(&common::kpps(&db, &["demo"]));
    // The harness on the same store.
    let expected = {
        let store = Store::open(&db, "harness").unwrap();
        let roster = store.load().unwrap();
        drop(store);
        let mut s = Session::new(App::new(roster, Lang::Id), 80, 24);
        let keys: usize = SCRIPT
            .iter()
            .map(|(_, k)| s.keys(k).iter().sum::<usize>())
            .sum();
        s.first_paint + keys
    };

    let piped = dir.path().join("piped.bin");
    // The app starts only after the pipe is attached: `read` waits for a first Enter.
    let cmd = format!(
        "stty -echo; read -r _; exec '{}' --db '{}'",
        env!("CARGO_BIN_EXE_kpps"),
        db.display()
    );
    let tmux = Tmux::start(dir.path(), 80, 24, &cmd);
    tmux.run(&[
        "pipe-pane",
        "-o",
        "-t",
        "t",
        &format!("cat > '{}'", piped.display()),
    ]);
    sleep(Duration::from_millis(300));
    tmux.send("Enter");
    tmux.wait_for_screen("the app to start", |s| s.contains("[DEMO]"));
    settle(&piped);
    for (key, _) in SCRIPT {
        tmux.send(key);
        settle(&piped);
    }
    let received = size(&piped);
    // Idle: five seconds, not one byte.
    sleep(Duration::from_secs(5));
    let after_idle = size(&piped);
    tmux.send("q");

    assert_eq!(after_idle, received, "bytes were written while idle");
    // Setup (alternate screen, hidden cursor) is the only thing the harness does not see.
    let diff = (received as f64 - expected as f64).abs() / expected as f64;
    println!(
        "terminal received {received} bytes, harness counted {expected} ({:.2}% apart)",
        diff * 100.0
    );
    assert!(
        diff < 0.03,
        "terminal {received} bytes vs harness {expected}"
    );
}
