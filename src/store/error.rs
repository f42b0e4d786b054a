//! What can go wrong in the store, said so that the person reading it knows what to do:
//! errors name the exact command that recovers, and a full disk is called a full disk.

use std::path::{Path, PathBuf};

use super::codec::CodecError;
use super::journal;
use crate::domain::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store {0} is in use by another kpps process; close it there first (or wait for it to finish)")]
    InUse(PathBuf),
    #[error("no kpps store at {0}; create one with `kpps init` or `kpps demo`")]
    NotFound(PathBuf),
    #[error("a kpps store already exists at {0}")]
    AlreadyExists(PathBuf),
    #[error("store {0} was not completely created (interrupted init?); remove the directory and create it again")]
    Incomplete(PathBuf),
    #[error("store {path}: {source}")]
    Sled { path: PathBuf, source: sled::Error },
    #[error("store {path}: key {key}: {source}")]
    Codec {
        path: PathBuf,
        key: String,
        source: CodecError,
    },
    #[error("store {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "journal {path}: {damage}; run `kpps check`, then if needed `kpps rebuild --from-journal`"
    )]
    JournalDamaged {
        path: PathBuf,
        damage: journal::Damage,
    },
    #[error("store {path}: {detail}; run `kpps check`")]
    Diverged { path: PathBuf, detail: String },
    #[error("store {0}: an earlier write failed half-way; quit and reopen kpps (the journal restores it)")]
    Poisoned(PathBuf),
    #[error("store {path}: not recorded: {detail}")]
    NotRecorded { path: PathBuf, detail: String },
    /// A compaction gave up before touching the store (which is as it was).
    #[error("store {path}: not compacted: {detail}")]
    NotCompacted { path: PathBuf, detail: String },
    /// The disk holding the store is full: the store could not be opened or created.
    #[error("store {path}: the disk is full ({detail}); free space on it, then run the command again (the store was not changed)")]
    DiskFull { path: PathBuf, detail: String },
    /// The journal holds changes the database could not take (a failed sled write): they
    /// were not acknowledged, and the next open replays them.
    #[error("store {path}: {what} in the journal, but the database could not be written ({detail}); it is applied the next time the store opens: free space if the disk is full, then run `{}`", command(path, "check"))]
    JournalOnly {
        path: PathBuf,
        what: String,
        detail: String,
    },
    /// A journal write failed and could not be taken back: part of it may be on disk.
    #[error("store {path}: the change may or may not have been recorded ({detail}); free space if the disk is full, then see with `{}`", command(path, "log --limit 5"))]
    Uncertain { path: PathBuf, detail: String },
    /// Sled and the journal tell different stories (found on open).
    #[error("store {path} and its journal disagree: {detail}. The journal is the record of truth: rebuild the store from it with `{}` (the current database is kept beside it as sled.diverged-…)", command(path, &format!("rebuild --from-journal {}", shell_quote(&path.display().to_string()))))]
    Disagrees { path: PathBuf, detail: String },
    /// A demo store made by a kpps whose journal recorded only the generator's seed (see
    /// `verify::replay_journal`): its journal cannot check, rebuild or repair it.
    #[error("store {path} holds demo data made by an older kpps: its journal records only the seed ({}) the demo generator was given, not the roster it generated, so the store cannot be checked, rebuilt or repaired from its journal. It holds synthetic data only: move it aside and make it again with `kpps demo` (with the same --seed and --regions)", info.demo_seed.unwrap_or_default())]
    OldDemo {
        path: PathBuf,
        info: Box<super::StoreInfo>,
    },
    /// root on a store another user owns: sled would leave root-owned files behind.
    #[error("store {path} belongs to user {owner}; run kpps as {owner} (run as root, it would leave root-owned files there that the store's owner cannot use)")]
    ForeignOwner {
        path: PathBuf,
        owner: String,
        uid: u32,
    },
}

/// `kpps --db DIR ARGS`, for messages that say exactly what to run.
pub fn command(dir: &Path, args: &str) -> String {
    format!(
        "kpps --db {} {args}",
        shell_quote(&dir.display().to_string())
    )
}

/// `s` as one word for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:=@%+,".contains(&b));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A full disk (or an exhausted quota).
pub fn is_disk_full(e: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(e.kind(), ErrorKind::StorageFull | ErrorKind::QuotaExceeded)
        || matches!(e.raw_os_error(), Some(libc::ENOSPC | libc::EDQUOT))
}

pub(super) fn sled_disk_full(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io) if is_disk_full(io))
}

/// What went wrong with a write, saying so plainly when the disk is full; and whether it is.
pub(super) fn write_failure(e: &StoreError) -> (bool, String) {
    let (full, cause) = match e {
        StoreError::Io { source, .. } => (is_disk_full(source), source.to_string()),
        StoreError::Sled { source, .. } => (sled_disk_full(source), source.to_string()),
        StoreError::DiskFull { detail, .. } => (true, detail.clone()),
        other => (false, other.to_string()),
    };
    if full {
        (true, format!("the disk is full: {cause}"))
    } else {
        (false, cause)
    }
}

/// A command that did not go through.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("refused: {0:?}")]
    Refused(Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Through a server: the server could not record it, or the connection failed.
    #[error("{0}")]
    Remote(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
