//! Many coordinators at once: `kpps serve` owns the store and serves TUIs and scripts over a
//! Unix socket (the tmux model). OpenSSH stays the only thing facing the network; the server
//! learns who is asking from the kernel (`SO_PEERCRED`), never from the client.

pub mod client;
pub mod proto;
pub mod server;

use std::os::unix::io::AsRawFd;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

pub use client::{Client, ConnectError};
pub use server::{serve, ServeOptions};

/// The socket's file name inside the store directory, where clients look by default.
pub const SOCKET_FILE: &str = "kpps.sock";

pub fn default_socket(store_dir: &Path) -> PathBuf {
    store_dir.join(SOCKET_FILE)
}

/// The uid of the process at the other end of a Unix socket, as the kernel recorded it.
pub fn peer_uid(stream: &UnixStream) -> std::io::Result<u32> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `cred`, a valid ucred.
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if rc == 0 {
        Ok(cred.uid)
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// The login name of `uid` (from the password database), or `uid1234` if it has none.
pub fn user_name(uid: u32) -> String {
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 4096];
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r fills `pwd` with pointers into `buf`, which outlives their use.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc == 0 && !result.is_null() && !pwd.pw_name.is_null() {
        // SAFETY: pw_name is a NUL-terminated string inside `buf`.
        return unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) }
            .to_string_lossy()
            .into_owned();
    }
    format!("uid{uid}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_names_the_peer() {
        let (a, _b) = UnixStream::pair().unwrap();
        // SAFETY: geteuid has no preconditions.
        let me = unsafe { libc::geteuid() };
        assert_eq!(peer_uid(&a).unwrap(), me);
        assert_eq!(user_name(me), crate::store::os_user());
    }
}
