//! One process at a time: an advisory `flock` on `kpps.lock`, taken before sled opens, so a
//! second process gets a clear "in use" error instead of sled's raw lock failure.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::Path;

use super::StoreError;

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
        // SAFETY: flock on a valid, owned file descriptor.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let err = std::io::Error::last_os_error();
            return Err(if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
                StoreError::InUse(dir.to_path_buf())
            } else {
                StoreError::Io { path, source: err }
            });
        }
        Ok(StoreLock { _file: file })
    }
}
