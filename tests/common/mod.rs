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
        Server::start_configured(db, socket, extra, &log, configure)
    }

    /// `start_on` with the server's stderr going to `log` (off a disk a test fills up).
    pub fn start_logging(db: &Path, socket: &Path, extra: &[&str], log: &Path) -> Server {
        Server::start_configured(db, socket, extra, log, |_| {})
    }

    fn start_configured(
        db: &Path,
        socket: &Path,
        extra: &[&str],
        log: &Path,
        configure: impl FnOnce(&mut Command),
    ) -> Server {
        let log = log.to_path_buf();
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

/// Runs `kpps --db DB ARGS…` and waits at most `secs` for it: a run that hangs is killed
/// and fails the test instead of stalling the suite. Its output is read meanwhile (a full
/// pipe must not be what stops it).
pub fn kpps_bounded(db: &Path, args: &[&str], secs: u64) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_kpps"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("KPPS_DB")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run kpps");
    let pid = child.id() as i32;
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let out = child.wait_with_output();
        let _ = tx.send(());
        out
    });
    let hung = rx
        .recv_timeout(std::time::Duration::from_secs(secs))
        .is_err();
    if hung {
        // SAFETY: kill on our own child's pid (not yet reaped: the waiter is still waiting).
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let out = waiter.join().unwrap().unwrap();
    assert!(
        !hung,
        "kpps {args:?} did not finish within {secs} s (hung); stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Says a test did not run, where `cargo test` shows it: written straight to the process's
/// stderr, which the test harness does not capture (an `eprintln!` in a passing test is
/// never seen).
pub fn report_skipped(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// A small filesystem of its own (tmpfs) for disk-full tests: mounted on a temporary
/// directory, filled to the last byte on demand, unmounted when dropped. Mounting needs
/// root; where it is impossible, `mount` reports the test as skipped (visibly, see
/// `report_skipped`), unless `KPPS_REQUIRE_TMPFS` is set (`.ci/run` sets it), which makes
/// it fail instead.
pub struct SmallDisk {
    pub path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts a tmpfs of `size` (`40m`); None if this machine cannot (see above).
    pub fn mount(test: &str, size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("disk");
        std::fs::create_dir(&path).unwrap();
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ])
            .arg(&path)
            .output();
        let why = match out {
            Ok(o) if o.status.success() => return Some(SmallDisk { path, _dir: dir }),
            Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_string(),
            Err(e) => e.to_string(),
        };
        let why = format!("cannot mount a tmpfs ({why}); needs root, as in .ci/run");
        if std::env::var_os("KPPS_REQUIRE_TMPFS").is_some() {
            panic!("{test}: {why}");
        }
        report_skipped(test, &why);
        None
    }

    fn filler(&self) -> std::path::PathBuf {
        self.path.join("filler")
    }

    /// Takes every free byte: a file grows until the disk refuses (ENOSPC).
    pub fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.filler())
            .unwrap();
        for chunk in [1 << 20, 4096, 1] {
            let block = vec![0u8; chunk];
            loop {
                match f.write(&block) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => break,
                    Err(e) => panic!("filling {}: {e}", self.path.display()),
                }
            }
        }
        assert_eq!(self.available(), 0, "the disk is full");
    }

    /// Gives the space back (deletes what `fill` wrote).
    pub fn free(&self) {
        std::fs::remove_file(self.filler()).unwrap();
    }

    /// Makes the disk larger (the other way to free space: `mount -o remount,size=`).
    pub fn grow(&self, size: &str) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }

    /// Bytes free for writing.
    pub fn available(&self) -> u64 {
        let c = std::ffi::CString::new(self.path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: statvfs fills the struct we pass; the path is a valid C string.
        unsafe {
            let mut s: libc::statvfs = std::mem::zeroed();
            assert_eq!(libc::statvfs(c.as_ptr(), &mut s), 0);
            s.f_bavail * s.f_frsize
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazy: a process a failed test left behind must not keep the mount alive.
        let _ = Command::new("umount").arg("-l").arg(&self.path).output();
    }
}
