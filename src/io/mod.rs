//! Files in and out: region trees, roster and reserve CSV (with Excel's quirks), exports.
//! Imports are all-or-nothing, and every rejected row names its file and line.

pub mod coordinators;
pub mod lines;
pub mod outfile;
pub mod region_csv;
pub mod report;
pub mod roster_csv;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::text::{tr, Lang};

/// The longest row an input file may have. Real rows are a few hundred bytes; a file
/// without line breaks (`/dev/zero`, a binary picked by mistake) stops here with an error
/// naming the line, instead of growing one field until memory runs out.
pub const MAX_ROW_BYTES: usize = 64 * 1024;

/// The largest roster or reserve file. A national roster (820,161 TPS, 5.7 million seats)
/// is about 700 MB. An endless stream of short lines stops here.
pub const MAX_INPUT_BYTES: u64 = 2 << 30;

/// The largest region or coordinators file: the national region tree (83,731 kelurahan) is
/// 4.2 MB, and each row held costs memory, so these stop much sooner.
pub const MAX_REGION_FILE_BYTES: u64 = 64 << 20;

/// Reading a file stops after this many rejected rows (every one is held to be listed):
/// an endless stream of bad rows is bounded in memory, not only in bytes.
pub const MAX_ERRORS: usize = 1_000;

/// The line a csv error is about: its position, or the line an input limit was hit on.
pub fn csv_error_line(e: &csv::Error) -> u64 {
    match (e.position(), lines::InputLimit::of(e)) {
        (Some(p), _) => p.line(),
        (None, Some(limit)) => limit.line(),
        (None, None) => 0,
    }
}

/// Why a file, or one of its lines, could not be read as CSV at all: said the same way by
/// every input file (rosters, region trees, the coordinators file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadProblem {
    /// The file could not be opened or read.
    Io(String),
    /// A row or the whole file is over its size limit (reading stopped there).
    Limit(lines::InputLimit),
    NotUtf8,
    Csv(String),
}

impl ReadProblem {
    pub fn from_csv(e: &csv::Error) -> ReadProblem {
        match e.kind() {
            csv::ErrorKind::Utf8 { .. } => ReadProblem::NotUtf8,
            csv::ErrorKind::Io(io) => match lines::InputLimit::of(e) {
                Some(limit) => ReadProblem::Limit(limit),
                None => ReadProblem::Io(io.to_string()),
            },
            _ => ReadProblem::Csv(e.to_string()),
        }
    }

    pub fn text(&self, lang: Lang) -> String {
        match self {
            ReadProblem::Io(e) => tr!(
                lang,
                "berkas tidak bisa dibaca: {e}",
                "cannot read the file: {e}"
            ),
            ReadProblem::Limit(limit) => limit.text(lang),
            ReadProblem::NotUtf8 => lang
                .t(
                    "baris bukan UTF-8; simpan berkas sebagai \"CSV UTF-8\"",
                    "line is not UTF-8; save the file as \"CSV UTF-8\"",
                )
                .into(),
            ReadProblem::Csv(e) => tr!(lang, "CSV rusak: {e}", "malformed CSV: {e}"),
        }
    }
}

/// The error that ends a file with too many rejected rows.
pub fn too_many_errors(file: &Path, line: u64, lang: Lang) -> RowError {
    RowError {
        file: file.to_path_buf(),
        line,
        reason: format!(
            "{} {} {}",
            lang.t("lebih dari", "more than"),
            lang.num(MAX_ERRORS as u64),
            lang.t(
                "masalah; berhenti membaca di sini (perbaiki yang ini dulu)",
                "problems; stopped reading here (fix these first)"
            )
        ),
    }
}

/// A problem tied to one line of an input file, printed as `FILE:LINE: reason`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub file: PathBuf,
    /// 1-based physical line (the header is line 1).
    pub line: u64,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.reason)
    }
}

/// Opens a CSV file for import: a UTF-8 BOM is skipped, `,` or `;` is sniffed from the header
/// line, and the bytes pass through [`lines::LineFaithful`] so that every record's
/// `position().line()` is its physical line (plain csv 1.3 is off by one in CRLF files,
/// Excel's default, and after blank lines: BurntSushi/rust-csv#208).
pub fn csv_reader(
    path: &Path,
) -> std::io::Result<csv::Reader<lines::LineFaithful<std::io::BufReader<std::fs::File>>>> {
    csv_reader_limited(path, MAX_INPUT_BYTES)
}

/// `csv_reader` stopping after `max_total` bytes (rows stop at `MAX_ROW_BYTES`).
pub fn csv_reader_limited(
    path: &Path,
    max_total: u64,
) -> std::io::Result<csv::Reader<lines::LineFaithful<std::io::BufReader<std::fs::File>>>> {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(path)?);
    if reader.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    let buf = reader.fill_buf()?;
    let header = &buf[..buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len())];
    let commas = header.iter().filter(|&&b| b == b',').count();
    let semis = header.iter().filter(|&&b| b == b';').count();
    let delimiter = if semis > commas { b';' } else { b',' };
    Ok(csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(lines::LineFaithful::with_limits(
            reader,
            delimiter,
            MAX_ROW_BYTES,
            max_total,
        )))
}
