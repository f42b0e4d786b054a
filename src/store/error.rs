//! What can go wrong in the store, said so that the person reading it knows what to do:
//! errors name the exact command that recovers, and a full disk is called a full disk.

use std::path::{Path, PathBuf};

use super::codec::CodecError;
use super::journal;
use crate::domain::Refusal;
use crate::text::{tr, Lang, Said};

#[derive(Debug)]
pub enum StoreError {
    InUse(PathBuf),
    NotFound(PathBuf),
    AlreadyExists(PathBuf),
    Incomplete(PathBuf),
    Sled {
        path: PathBuf,
        source: sled::Error,
    },
    Codec {
        path: PathBuf,
        key: String,
        source: CodecError,
    },
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    JournalDamaged {
        path: PathBuf,
        damage: journal::Damage,
    },
    Diverged {
        path: PathBuf,
        detail: String,
    },
    Poisoned(PathBuf),
    NotRecorded {
        path: PathBuf,
        cause: Cause,
    },
    /// A compaction gave up before touching the store (which is as it was).
    NotCompacted {
        path: PathBuf,
        detail: String,
    },
    /// The disk holding the store is full: the store could not be opened or created.
    DiskFull {
        path: PathBuf,
        detail: String,
    },
    /// The journal holds changes the database could not take (a failed sled write): they
    /// were not acknowledged, and the next open replays them.
    JournalOnly {
        path: PathBuf,
        /// The first and last change number in the journal only.
        changes: (u64, u64),
        cause: Cause,
    },
    /// A journal write failed and could not be taken back: part of it may be on disk.
    Uncertain {
        path: PathBuf,
        cause: Cause,
    },
    /// Sled and the journal tell different stories (found on open).
    Disagrees {
        path: PathBuf,
        detail: String,
    },
    /// A demo store made by a kpps whose journal recorded only the generator's seed (see
    /// `verify::replay_journal`): its journal cannot check, rebuild or repair it.
    OldDemo {
        path: PathBuf,
        info: Box<super::StoreInfo>,
    },
    /// root on a store another user owns: sled would leave root-owned files behind.
    ForeignOwner {
        path: PathBuf,
        owner: String,
        uid: u32,
    },
}

impl StoreError {
    /// What went wrong and what to do, in the reader's language. Details that come from
    /// the system (an OS error, sled's own message, a checker's finding) are quoted as given.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            StoreError::InUse(p) => tr!(
                lang,
                "store {} sedang dipakai proses kpps lain; tutup di sana dulu (atau tunggu sampai \
                selesai)",
                "store {} is in use by another kpps process; close it there first (or wait for it \
                to finish)",
                p.display()
            ),
            StoreError::NotFound(p) => tr!(
                lang,
                "tidak ada store kpps di {}; buat dengan `kpps init` atau `kpps demo`",
                "no kpps store at {}; create one with `kpps init` or `kpps demo`",
                p.display()
            ),
            StoreError::AlreadyExists(p) => tr!(
                lang,
                "sudah ada store kpps di {}",
                "a kpps store already exists at {}",
                p.display()
            ),
            StoreError::Incomplete(p) => tr!(
                lang,
                "store {} tidak selesai dibuat (init terputus?); hapus direktorinya lalu buat lagi",
                "store {} was not completely created (interrupted init?); remove the directory and \
                create it again",
                p.display()
            ),
            StoreError::Sled { path, source } => format!("store {}: {source}", path.display()),
            StoreError::Codec { path, key, source } => {
                format!("store {}: key {key}: {source}", path.display())
            }
            StoreError::Io { path, source } => format!("store {}: {source}", path.display()),
            StoreError::JournalDamaged { path, damage } => tr!(
                lang,
                "jurnal {}: {}; jalankan `kpps check`, lalu bila perlu `kpps rebuild \
                --from-journal`",
                "journal {}: {}; run `kpps check`, then if needed `kpps rebuild --from-journal`",
                path.display(),
                damage.text(lang)
            ),
            StoreError::Diverged { path, detail } => tr!(
                lang,
                "store {}: {detail}; jalankan `kpps check`",
                "store {}: {detail}; run `kpps check`",
                path.display()
            ),
            StoreError::Poisoned(p) => tr!(
                lang,
                "store {}: sebuah penulisan gagal di tengah jalan; keluar lalu buka kpps lagi \
                (jurnal memulihkannya)",
                "store {}: an earlier write failed half-way; quit and reopen kpps (the journal \
                restores it)",
                p.display()
            ),
            StoreError::NotRecorded { path, cause } if cause.disk_full => tr!(
                lang,
                "store {}: tidak tercatat: {}; kosongkan ruang di disk itu, lalu coba lagi",
                "store {}: not recorded: {}; free space on it, then try again",
                path.display(),
                cause.text(lang)
            ),
            StoreError::NotRecorded { path, cause } => tr!(
                lang,
                "store {}: tidak tercatat: {}",
                "store {}: not recorded: {}",
                path.display(),
                cause.text(lang)
            ),
            StoreError::NotCompacted { path, detail } => tr!(
                lang,
                "store {}: tidak dipadatkan: {detail}",
                "store {}: not compacted: {detail}",
                path.display()
            ),
            StoreError::DiskFull { path, detail } => tr!(
                lang,
                "store {}: disk penuh ({detail}); kosongkan ruang di disk itu, lalu jalankan \
                perintahnya lagi (store tidak berubah)",
                "store {}: the disk is full ({detail}); free space on it, then run the command \
                again (the store was not changed)",
                path.display()
            ),
            StoreError::JournalOnly {
                path,
                changes,
                cause,
            } => tr!(
                lang,
                "store {}: {} sudah ada di jurnal, tetapi basis data tidak bisa ditulis ({}); \
                diterapkan saat store dibuka lagi: kosongkan ruang bila disk penuh, lalu \
                jalankan `{}`",
                "store {}: {} in the journal, but the database could not be written ({}); it is \
                applied the next time the store opens: free space if the disk is full, then run \
                `{}`",
                path.display(),
                changes_text(*changes, lang),
                cause.text(lang),
                command(path, "check")
            ),
            StoreError::Uncertain { path, cause } => tr!(
                lang,
                "store {}: perubahan mungkin tercatat, mungkin tidak ({}); kosongkan ruang bila \
                disk penuh, lalu lihat dengan `{}`",
                "store {}: the change may or may not have been recorded ({}); free space if the \
                disk is full, then see with `{}`",
                path.display(),
                cause.text(lang),
                command(path, "log --limit 5")
            ),
            StoreError::Disagrees { path, detail } => {
                tr!(
                lang,
                "store {} dan jurnalnya tidak sama: {detail}. Jurnal adalah catatan yang benar: \
                bangun ulang store darinya dengan `{}` (basis data sekarang disimpan di \
                sebelahnya sebagai sled.diverged-…)",
                "store {} and its journal disagree: {detail}. The journal is the record of truth: \
                rebuild the store from it with `{}` (the current database is kept beside it as \
                sled.diverged-…)",
                path.display(),
                command(
                    path,
                    &format!("rebuild --from-journal {}", shell_quote(&path.display().to_string()))
                )
            )
            }
            StoreError::OldDemo { path, info } => tr!(
                lang,
                "store {} berisi data demo buatan kpps versi lama: jurnalnya hanya mencatat \
                seed ({}) yang diberikan ke pembuat demo, bukan roster yang dibuatnya, jadi store \
                ini tidak bisa diperiksa, dibangun ulang, atau diperbaiki dari jurnalnya. Isinya \
                hanya data sintetis: pindahkan lalu buat lagi dengan `kpps demo` (dengan --seed \
                dan --regions yang sama)",
                "store {} holds demo data made by an older kpps: its journal records only the \
                seed ({}) the demo generator was given, not the roster it generated, so the store \
                cannot be checked, rebuilt or repaired from its journal. It holds synthetic data \
                only: move it aside and make it again with `kpps demo` (with the same --seed and \
                --regions)",
                path.display(),
                info.demo_seed.unwrap_or_default()
            ),
            StoreError::ForeignOwner { path, owner, .. } => tr!(
                lang,
                "store {} milik pengguna {owner}; jalankan kpps sebagai {owner} (dijalankan \
                sebagai root, kpps meninggalkan berkas milik root di sana yang tidak bisa dipakai \
                pemilik store)",
                "store {} belongs to user {owner}; run kpps as {owner} (run as root, it would \
                leave root-owned files there that the store's owner cannot use)",
                path.display()
            ),
        }
    }
}

/// English, for logs and for errors passed along as text.
impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Sled { source, .. } => Some(source),
            StoreError::Codec { source, .. } => Some(source),
            StoreError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Why a write failed: the system's message, and whether it means a full disk (said as such
/// in the reader's language).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    pub disk_full: bool,
    /// As the system (or sled) gave it.
    pub detail: String,
}

impl Cause {
    pub fn text(&self, lang: Lang) -> String {
        if self.disk_full {
            tr!(lang, "disk penuh: {}", "the disk is full: {}", self.detail)
        } else {
            self.detail.clone()
        }
    }
}

/// `change #5 is` / `changes #5 to #7 are`, for a journal-only write.
pub fn changes_text((first, last): (u64, u64), lang: Lang) -> String {
    if first == last {
        tr!(lang, "perubahan #{first}", "change #{first} is")
    } else {
        tr!(
            lang,
            "perubahan #{first} sampai #{last}",
            "changes #{first} to #{last} are"
        )
    }
}

/// What opening a store repaired or left for its owner, said once it is open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// A journal entry cut short by a crash (never acknowledged) was removed.
    TornTailRemoved {
        journal: PathBuf,
        damage: journal::Damage,
    },
    /// Journal entries sled lacked were written to it (0: one unfinished write completed).
    Replayed { entries: u64 },
    /// `rebuild --from-journal` in place kept the database it replaced here.
    ReplacedKept(PathBuf),
}

impl Notice {
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Notice::TornTailRemoved { journal, damage } => tr!(
                lang,
                "jurnal {}: {}; dihapus (belum pernah dikonfirmasi)",
                "journal {}: {}; removed (it was never acknowledged)",
                journal.display(),
                damage.text(lang)
            ),
            Notice::Replayed { entries: 0 } => lang
                .t(
                    "penulisan yang belum selesai ke store dilengkapi dari jurnal",
                    "an unfinished write to the store was completed from the journal",
                )
                .into(),
            Notice::Replayed { entries } => tr!(
                lang,
                "{entries} entri jurnal diterapkan ulang ke store",
                "{entries} journal entries replayed into the store"
            ),
            Notice::ReplacedKept(kept) => tr!(
                lang,
                "basis data yang diganti disimpan sebagai {}; hapus setelah store dipastikan baik",
                "the replaced database is kept as {}; remove it once the store is known good",
                kept.display()
            ),
        }
    }
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

/// What went wrong with a write, and whether it is a full disk.
pub(super) fn write_failure(e: &StoreError) -> Cause {
    let (disk_full, detail) = match e {
        StoreError::Io { source, .. } => (is_disk_full(source), source.to_string()),
        StoreError::Sled { source, .. } => (sled_disk_full(source), source.to_string()),
        StoreError::DiskFull { detail, .. } => (true, detail.clone()),
        other => (false, other.to_string()),
    };
    Cause { disk_full, detail }
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
    Remote(Said),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every error a coordinator can meet reads in both languages, and `Display` (for logs)
    /// is the English one. Only what the system itself says (an OS or sled message) is
    /// quoted as given.
    #[test]
    fn store_errors_and_notices_read_in_both_languages() {
        let path = PathBuf::from("/data/kpps");
        let full = Cause {
            disk_full: true,
            detail: "No space left on device (os error 28)".into(),
        };
        let errors = [
            StoreError::InUse(path.clone()),
            StoreError::NotFound(path.clone()),
            StoreError::AlreadyExists(path.clone()),
            StoreError::Incomplete(path.clone()),
            StoreError::JournalDamaged {
                path: path.clone(),
                damage: journal::Damage::BadHeader,
            },
            StoreError::Diverged {
                path: path.clone(),
                detail: "x".into(),
            },
            StoreError::Poisoned(path.clone()),
            StoreError::NotRecorded {
                path: path.clone(),
                cause: full.clone(),
            },
            StoreError::NotCompacted {
                path: path.clone(),
                detail: "x".into(),
            },
            StoreError::DiskFull {
                path: path.clone(),
                detail: "x".into(),
            },
            StoreError::JournalOnly {
                path: path.clone(),
                changes: (5, 7),
                cause: full.clone(),
            },
            StoreError::Uncertain {
                path: path.clone(),
                cause: full.clone(),
            },
            StoreError::Disagrees {
                path: path.clone(),
                detail: "x".into(),
            },
            StoreError::ForeignOwner {
                path: path.clone(),
                owner: "kpu".into(),
                uid: 1000,
            },
            StoreError::OldDemo {
                path: path.clone(),
                info: Box::new(crate::store::StoreInfo {
                    params: crate::domain::ElectionParams::default(),
                    demo_seed: Some(2024),
                    regions_source: "embedded".into(),
                    created: chrono::Utc::now(),
                }),
            },
        ];
        for e in &errors {
            let (id, en) = (e.text(Lang::Id), e.text(Lang::En));
            assert_ne!(id, en, "{e:?}");
            assert_eq!(e.to_string(), en);
            assert!(id.contains("/data/kpps"), "{id}");
        }
        let full_id = errors[7].text(Lang::Id);
        assert!(full_id.contains("disk penuh"), "{full_id}");
        assert_eq!(
            errors[10].text(Lang::Id),
            "store /data/kpps: perubahan #5 sampai #7 sudah ada di jurnal, tetapi basis data tidak \
             bisa ditulis (disk penuh: No space left on device (os error 28)); diterapkan saat \
             store dibuka lagi: kosongkan ruang bila disk penuh, lalu jalankan `kpps --db \
             /data/kpps check`"
        );
        let notices = [
            Notice::TornTailRemoved {
                journal: path.join("journal.kpps"),
                damage: journal::Damage::TruncatedTail {
                    offset: 9,
                    index: 4,
                },
            },
            Notice::Replayed { entries: 0 },
            Notice::Replayed { entries: 3 },
            Notice::ReplacedKept(path.join("sled.replaced")),
        ];
        for n in &notices {
            assert_ne!(n.text(Lang::Id), n.text(Lang::En), "{n:?}");
        }
    }
}
