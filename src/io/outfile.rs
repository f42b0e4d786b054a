//! Files kpps writes at a path the user names (exports, which hold personal data): never
//! through a symbolic link, never into a file another user owns, never left half-written.
//!
//! The data goes to a new private file (0600, `O_EXCL|O_NOFOLLOW`) beside the target and
//! is renamed over it once whole and synced. A rename replaces a link rather than following
//! it, so even a link planted between the check and the rename cannot redirect the write;
//! the checks up front are there to refuse clearly instead of silently replacing a link or
//! another user's file (as root, `File::create` would have written straight into either).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::text::Lang;

/// Why a file was not written.
#[derive(Debug)]
pub enum OutFileError {
    /// The path is a symbolic link.
    Symlink(PathBuf),
    /// The path exists and is not a regular file (a directory, a device, a pipe).
    NotRegular(PathBuf),
    /// The path is a file another user owns.
    NotOwned {
        path: PathBuf,
        owner: u32,
    },
    Io {
        path: PathBuf,
        source: io::Error,
    },
}

impl OutFileError {
    pub fn text(&self, lang: Lang) -> String {
        match self {
            OutFileError::Symlink(p) => format!(
                "{}: {}",
                p.display(),
                lang.t(
                    "tautan simbolik; kpps tidak menulis melalui tautan (berikan path berkas sebenarnya)",
                    "is a symbolic link; kpps does not write through links (give the real file's path)"
                )
            ),
            OutFileError::NotRegular(p) => format!(
                "{}: {}",
                p.display(),
                lang.t("bukan berkas biasa", "is not a regular file")
            ),
            OutFileError::NotOwned { path, owner } => format!(
                "{}: {} {owner}; {}",
                path.display(),
                lang.t("milik uid", "belongs to uid"),
                lang.t(
                    "kpps tidak menimpa berkas pengguna lain (pilih nama lain)",
                    "kpps does not overwrite another user's file (choose another name)"
                )
            ),
            OutFileError::Io { path, source } => format!("{}: {source}", path.display()),
        }
    }
}

/// A file being written at `dest`; nothing is there until `commit`.
pub struct OutFile {
    file: Option<BufWriter<File>>,
    tmp: PathBuf,
    dest: PathBuf,
}

/// Refuses a target that is a link, not a regular file, or another user's file.
fn check_target(dest: &Path) -> Result<(), OutFileError> {
    match fs::symlink_metadata(dest) {
        Ok(m) if m.file_type().is_symlink() => Err(OutFileError::Symlink(dest.to_path_buf())),
        Ok(m) if !m.file_type().is_file() => Err(OutFileError::NotRegular(dest.to_path_buf())),
        // SAFETY: geteuid has no preconditions.
        Ok(m) if m.uid() != unsafe { libc::geteuid() } => Err(OutFileError::NotOwned {
            path: dest.to_path_buf(),
            owner: m.uid(),
        }),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(OutFileError::Io {
            path: dest.to_path_buf(),
            source,
        }),
    }
}

impl OutFile {
    pub fn create(dest: &Path) -> Result<OutFile, OutFileError> {
        check_target(dest)?;
        let name = dest
            .file_name()
            .ok_or_else(|| OutFileError::NotRegular(dest.into()))?;
        let tmp = dest.with_file_name(format!(
            ".{}.kpps-{}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&tmp)
            .map_err(|source| OutFileError::Io {
                path: tmp.clone(),
                source,
            })?;
        Ok(OutFile {
            file: Some(BufWriter::new(file)),
            tmp,
            dest: dest.to_path_buf(),
        })
    }

    /// Makes the file whole and durable, then puts it at its path.
    pub fn commit(mut self) -> Result<(), OutFileError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| OutFileError::Io { path, source }
        };
        let file = self.file.take().expect("not committed yet");
        let file = file
            .into_inner()
            .map_err(|e| io(&self.tmp)(e.into_error()))?;
        file.sync_all().map_err(io(&self.tmp))?;
        check_target(&self.dest)?;
        fs::rename(&self.tmp, &self.dest).map_err(io(&self.dest))?;
        if let Some(dir) = self.dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io(dir))?;
        }
        Ok(())
    }
}

impl Write for OutFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.as_mut().expect("not committed").write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().expect("not committed").flush()
    }
}

impl Drop for OutFile {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_only_once_committed_and_replaces_ones_own() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.csv");
        fs::write(&dest, "old").unwrap();
        let mut out = OutFile::create(&dest).unwrap();
        out.write_all(b"new").unwrap();
        assert_eq!(fs::read_to_string(&dest).unwrap(), "old");
        out.commit().unwrap();
        assert_eq!(fs::read_to_string(&dest).unwrap(), "new");
        assert_eq!(fs::metadata(&dest).unwrap().mode() & 0o777, 0o600);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temp left");
    }

    #[test]
    fn an_abandoned_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.csv");
        let mut out = OutFile::create(&dest).unwrap();
        out.write_all(b"half").unwrap();
        drop(out);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
