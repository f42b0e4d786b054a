//! Files in and out: region trees, roster and reserve CSV (with Excel's quirks), exports.
//! Imports are all-or-nothing, and every rejected row names its file and line.

pub mod region_csv;
pub mod roster_csv;
pub mod report;

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

/// Opens a CSV reader that accepts `,` or `;` (sniffed from the header line) and a UTF-8 BOM.
pub fn csv_reader(path: &Path) -> std::io::Result<csv::Reader<Box<dyn std::io::Read>>> {
    use std::io::{BufRead, BufReader, Read};
    let mut reader = BufReader::with_capacity(1 << 16, std::fs::File::open(path)?);
    let head = reader.fill_buf()?;
    let skip = if head.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    reader.consume(skip);
    let first_line_end = {
        let buf = reader.fill_buf()?;
        buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len())
    };
    let header = &reader.fill_buf()?[..first_line_end];
    let commas = header.iter().filter(|&&b| b == b',').count();
    let semis = header.iter().filter(|&&b| b == b';').count();
    let delimiter = if semis > commas { b';' } else { b',' };
    let boxed: Box<dyn Read> = Box::new(reader);
    Ok(csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(boxed))
}
