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

/// Waits (bounded) until `pred` holds.
pub fn wait_for(what: &str, mut pred: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !pred() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A private tmux server running one session: the real binary in a real pty. The server is
/// killed when this is dropped, also when a test fails, so nothing is left running.
pub struct Tmux {
    socket: std::path::PathBuf,
}

impl Tmux {
    /// Starts `bash -c SCRIPT` in a `w`×`h` session named "t".
    pub fn start(dir: &Path, w: u16, h: u16, script: &str) -> Tmux {
        let tmux = Tmux {
            socket: dir.join("tmux.sock"),
        };
        let (w, h) = (w.to_string(), h.to_string());
        tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            &w,
            "-y",
            &h,
            "bash",
            "-c",
            script,
        ]);
        tmux
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed (.ci/run installs it)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "t"])
    }

    /// Sends keys by tmux name (`n`, `Enter`, `Escape`, …).
    pub fn send(&self, keys: &str) {
        self.run(&["send-keys", "-t", "t", keys]);
    }

    /// Waits until the screen satisfies `pred`; returns it.
    pub fn wait_for_screen(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = std::time::Instant::now();
        loop {
            let last = self.screen();
            if pred(&last) {
                return last;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(30),
                "timed out waiting for {what}; screen:\n{last}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}
