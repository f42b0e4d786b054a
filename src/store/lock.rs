//! One process at a time: an advisory `flock` on `kpps.lock`, taken before sled opens, so a
//! second process gets a clear "in use" error instead of sled's raw lock failure.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::Path;

use super::StoreError;

/// How long a held lock is waited for before the store is reported in use.
const RELEASE_GRACE: std::time::Duration = std::time::Duration::from_millis(1500);

pub struct StoreLock {
    _file: File,
}

impl StoreLock {
    pub fn acquire(dir: &Path) -> Result<StoreLock, StoreError> {
        let path = dir.join("kpps.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(|source| StoreError::Io {
                path: path.clone(),
                source,
            })?;
        // A lock just released can still be held for a moment by a child that another thread
        // of this process forked before exec (it shares the open file): wait that long.
        let deadline = std::time::Instant::now() + RELEASE_GRACE;
        loop {
            // SAFETY: flock on a valid, owned file descriptor.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if rc == 0 {
                return Ok(StoreLock { _file: file });
            }
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() != Some(libc::EWOULDBLOCK) {
                return Err(StoreError::Io { path, source: err });
            }
            if std::time::Instant::now() >= deadline {
                return Err(StoreError::InUse(dir.to_path_buf()));
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}
