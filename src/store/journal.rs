//! The audit journal: an append-only file beside the sled store. Every log entry is written
//! here first, fsynced, and only then committed to sled, so the journal is the record of
//! truth: it can verify the store (`kpps check`) and rebuild it (`kpps rebuild`).
//!
//! Layout: an 8-byte magic and a version byte, then entries of
//! `len: u32 LE | payload (codec-encoded LogEntry) | sha256(previous hash ‖ payload)`.
//! The hash is both the entry's checksum and its link in the chain; the first entry
//! chains to the hash of the header.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{codec, LogEntry};
use crate::text::{tr, Lang};

const MAGIC: &[u8; 8] = b"KPPSJRNL";
const VERSION: u8 = 1;
const HEADER_LEN: u64 = 9;
/// Refuse absurd entry lengths (a corrupt length must not allocate gigabytes).
const MAX_ENTRY: u32 = 1 << 30;

pub type Hash = [u8; 32];

fn header() -> Vec<u8> {
    let mut h = MAGIC.to_vec();
    h.push(VERSION);
    h
}

fn chain(prev: &Hash, payload: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(payload);
    hasher.finalize().into()
}

/// What a scan found wrong, with the byte offset where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Damage {
    /// The file does not start with a kpps journal header.
    BadHeader,
    /// The last entry is incomplete: a write cut short (power cut). Nothing after it.
    TruncatedTail { offset: u64, index: usize },
    /// An entry's hash does not match its content or its predecessor.
    BrokenChain { offset: u64, index: usize },
}

impl Damage {
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Damage::BadHeader => lang
                .t(
                    "bukan jurnal kpps (kepala berkas salah)",
                    "not a kpps journal (bad header)",
                )
                .into(),
            Damage::TruncatedTail { offset, index } => tr!(
                lang,
                "entri {} di byte {offset} tidak lengkap (penulisan terputus)",
                "entry {} at byte {offset} is incomplete (a write cut short)",
                index + 1
            ),
            Damage::BrokenChain { offset, index } => tr!(
                lang,
                "entri {} di byte {offset} gagal diperiksa (checksum atau rantai)",
                "entry {} at byte {offset} fails its checksum or chain",
                index + 1
            ),
        }
    }
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

/// The verified entries of a journal (raw payloads), where the good part ends, and any damage.
pub struct Scan {
    pub payloads: Vec<(u64, Vec<u8>)>,
    pub good_len: u64,
    pub last_hash: Hash,
    pub damage: Option<Damage>,
}

impl Scan {
    pub fn decode(&self, index: usize) -> Result<LogEntry, codec::CodecError> {
        codec::decode(&self.payloads[index].1)
    }
}

pub fn scan(path: &Path) -> io::Result<Scan> {
    scan_keeping(path, |_| true)
}

/// `scan`, keeping the payloads of the entries `keep` names (by index, from 0) only; the
/// others are left empty. Opening a store needs one entry's content, and a national
/// journal (a demo store's holds its roster) is hundreds of megabytes.
pub fn scan_keeping(path: &Path, keep: impl Fn(usize) -> bool) -> io::Result<Scan> {
    scan_each(path, |i, _| Ok(keep(i)), |e| e)
}

/// Reads a journal entry by entry (never whole), verifying the chain, and hands each whole
/// entry's payload to `each` with its index (from 0); `each` says whether the scan keeps
/// it (others are left empty in `Scan::payloads`). Stops at the first damage (reported in
/// `Scan::damage`, as `scan` does), or at the first error of `each`; `io` names a read
/// error in `each`'s terms.
pub fn scan_each<E>(
    path: &Path,
    mut each: impl FnMut(usize, &[u8]) -> Result<bool, E>,
    io: impl Fn(io::Error) -> E,
) -> Result<Scan, E> {
    let mut file = io::BufReader::with_capacity(1 << 20, File::open(path).map_err(&io)?);
    let mut scan = Scan {
        payloads: Vec::new(),
        good_len: 0,
        last_hash: [0; 32],
        damage: None,
    };
    let mut head = [0u8; HEADER_LEN as usize];
    if read_full(&mut file, &mut head).map_err(&io)? < head.len() || head[..] != header()[..] {
        scan.damage = Some(Damage::BadHeader);
        return Ok(scan);
    }
    let mut prev: Hash = Sha256::digest(header()).into();
    let mut at = HEADER_LEN;
    let mut spare = Vec::new();
    loop {
        let index = scan.payloads.len();
        let offset = at;
        let mut len = [0u8; 4];
        match read_full(&mut file, &mut len).map_err(&io)? {
            0 => break,
            4 => {}
            _ => {
                scan.damage = Some(Damage::TruncatedTail { offset, index });
                break;
            }
        }
        let len = u32::from_le_bytes(len);
        if len > MAX_ENTRY {
            scan.damage = Some(Damage::BrokenChain { offset, index });
            break;
        }
        let mut payload = std::mem::take(&mut spare);
        payload.resize(len as usize, 0);
        let mut hash = [0u8; 32];
        if read_full(&mut file, &mut payload).map_err(&io)? < payload.len()
            || read_full(&mut file, &mut hash).map_err(&io)? < hash.len()
        {
            scan.damage = Some(Damage::TruncatedTail { offset, index });
            break;
        }
        if chain(&prev, &payload) != hash {
            scan.damage = Some(Damage::BrokenChain { offset, index });
            break;
        }
        prev = hash;
        at += 4 + len as u64 + 32;
        if each(index, &payload)? {
            scan.payloads.push((offset, payload));
        } else {
            scan.payloads.push((offset, Vec::new()));
            spare = payload;
        }
    }
    scan.good_len = match scan.damage {
        Some(Damage::TruncatedTail { offset, .. } | Damage::BrokenChain { offset, .. }) => offset,
        _ => at,
    };
    scan.last_hash = prev;
    Ok(scan)
}

/// Reads until `buf` is full or the file ends: how many bytes were read.
fn read_full(file: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// An open journal, positioned to append.
pub struct Journal {
    file: File,
    path: PathBuf,
    last_hash: Hash,
    /// Bytes of whole, synced entries: where the next append starts.
    len: u64,
    /// A failed append could not be taken back: the file may end in part of it, so
    /// nothing more is appended until a reopen scans and cuts it.
    torn: bool,
}

impl Journal {
    fn open_file(path: &Path, create: bool) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(create)
            .mode(0o600)
            .open(path)
    }

    /// Starts a journal whose first entry is `first`.
    pub fn create(path: &Path, first: &LogEntry) -> io::Result<Journal> {
        let mut file = Self::open_file(path, true)?;
        file.write_all(&header())?;
        let mut journal = Journal {
            file,
            path: path.to_path_buf(),
            last_hash: Sha256::digest(header()).into(),
            len: HEADER_LEN,
            torn: false,
        };
        journal.append(first)?;
        // The directory entry must be durable too.
        if let Some(dir) = path.parent() {
            File::open(dir)?.sync_all()?;
        }
        Ok(journal)
    }

    /// Opens for appending after a scan. A truncated tail (never acknowledged: entries are
    /// synced before a change is reported done) is cut off so appends continue the chain.
    pub fn open(path: &Path, scan: &Scan) -> io::Result<Journal> {
        let mut file = Self::open_file(path, false)?;
        if file.metadata()?.len() != scan.good_len {
            file.set_len(scan.good_len)?;
            file.sync_all()?;
        }
        file.seek(SeekFrom::Start(scan.good_len))?;
        Ok(Journal {
            file,
            path: path.to_path_buf(),
            last_hash: scan.last_hash,
            len: scan.good_len,
            torn: false,
        })
    }

    /// Appends one entry and waits until it is on disk.
    pub fn append(&mut self, entry: &LogEntry) -> io::Result<()> {
        self.append_all(std::slice::from_ref(entry))
    }

    /// Appends entries with one write and one fsync (a server's group commit).
    ///
    /// All or nothing: if the write or the fsync fails (a full disk), the file is cut back
    /// to where it was and synced, so no part of the group stays behind and the next append
    /// continues the chain. Only if that cut fails too is the journal left `torn` (it may
    /// end in part of the group, which the next open's scan reports and cuts; entries of
    /// the group that did reach the disk whole are replayed then).
    pub fn append_all(&mut self, entries: &[LogEntry]) -> io::Result<()> {
        if self.torn {
            return Err(io::Error::other(
                "an earlier failed write could not be taken back; reopen the store",
            ));
        }
        let mut records = Vec::new();
        let mut last_hash = self.last_hash;
        for entry in entries {
            let payload = codec::encode(entry);
            last_hash = chain(&last_hash, &payload);
            records.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            records.extend_from_slice(&payload);
            records.extend_from_slice(&last_hash);
        }
        if let Err(e) = self
            .file
            .write_all(&records)
            .and_then(|()| self.file.sync_data())
        {
            if self.cut_back().is_err() {
                self.torn = true;
            }
            return Err(e);
        }
        self.len += records.len() as u64;
        self.last_hash = last_hash;
        Ok(())
    }

    /// Takes back a failed append: the file ends again after the last whole entry.
    fn cut_back(&mut self) -> io::Result<()> {
        self.file.set_len(self.len)?;
        self.file.sync_all()?;
        self.file.seek(SeekFrom::Start(self.len))?;
        Ok(())
    }

    /// Whether a failed append may have left part of itself in the file.
    pub fn is_torn(&self) -> bool {
        self.torn
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}
