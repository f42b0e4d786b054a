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

/// A `kpps serve` child process on a store. Killed (SIGKILL) when dropped.
pub struct Server {
    pub child: std::process::Child,
    pub socket: std::path::PathBuf,
    pub log: std::path::PathBuf,
}

impl Server {
    /// Starts `kpps --db DB serve EXTRA…` and waits until its socket accepts connections.
    pub fn start(db: &Path, extra: &[&str]) -> Server {
        let socket = db.join("kpps.sock");
        Server::start_on(db, &socket, extra)
    }

    pub fn start_on(db: &Path, socket: &Path, extra: &[&str]) -> Server {
        Server::start_with(db, socket, extra, |_| {})
    }

    /// `start_on` with the server running as `uid` (the test runs as root): the store must
    /// be that user's.
    pub fn start_as(db: &Path, socket: &Path, uid: u32, extra: &[&str]) -> Server {
        use std::os::unix::process::CommandExt;
        Server::start_with(db, socket, extra, |command| {
            command.uid(uid).gid(uid);
        })
    }

    fn start_with(
        db: &Path,
        socket: &Path,
        extra: &[&str],
        configure: impl FnOnce(&mut Command),
    ) -> Server {
        let log = db.with_extension(format!("serve{}.log", std::process::id()));
        let err = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_kpps"));
        command
            .arg("--db")
            .arg(db)
            .arg("--socket")
            .arg(socket)
            .arg("serve")
            .args(extra)
            .env_remove("KPPS_DB")
            .stderr(err);
        configure(&mut command);
        let child = command.spawn().expect("start kpps serve");
        let server = Server {
            child,
            socket: socket.to_path_buf(),
            log,
        };
        wait_for("the server's socket", || {
            std::os::unix::net::UnixStream::connect(&server.socket).is_ok()
        });
        server
    }

    /// What the server wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: kill on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, sig) };
    }

    /// Stops it the way a service manager does (SIGTERM) and waits.
    pub fn stop(mut self) {
        self.signal(libc::SIGTERM);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "server exit: {status:?}\n{}", self.log());
    }

    /// A line of the server's /proc status (`VmRSS`, `Threads`), as its number.
    pub fn status(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| panic!("no {field} in\n{status}"))
    }

    /// Resident memory, in MiB.
    pub fn rss_mib(&self) -> u64 {
        self.status("VmRSS") / 1024
    }

    /// File descriptors the server has open.
    pub fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .unwrap()
            .count()
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// CPU time (user + system, in clock ticks) the server has used.
    pub fn cpu_ticks(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        // Fields after the ")" that closes the command name: utime is 14th, stime 15th.
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        let fields: Vec<&str> = rest.split(' ').collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
