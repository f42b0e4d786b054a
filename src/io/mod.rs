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
        .from_reader(lines::LineFaithful::new(reader, delimiter)))
}
