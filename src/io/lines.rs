//! CSV bytes rewritten so the csv crate reports true physical line numbers, and bounded: no
//! endless or huge stream (`/dev/zero`, a binary, a runaway export) is read without limit.

use crate::text::tr;
use std::io::{BufRead, Read};

use crate::text::Lang;

/// An input file went past a limit (`super::MAX_ROW_BYTES`, `super::MAX_INPUT_BYTES`).
/// Carried inside the `io::Error` the reader returns, so importers can name the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputLimit {
    /// The row starting at physical line `line` is longer than `max` bytes.
    Row { line: u64, max: usize },
    /// The file is larger than `max` bytes (reached at physical line `line`).
    File { line: u64, max: u64 },
}

impl InputLimit {
    /// The limit a csv error is about, if it is one.
    pub fn of(e: &csv::Error) -> Option<InputLimit> {
        match e.kind() {
            csv::ErrorKind::Io(io) => io.get_ref()?.downcast_ref::<InputLimit>().copied(),
            _ => None,
        }
    }

    pub fn line(&self) -> u64 {
        match *self {
            InputLimit::Row { line, .. } | InputLimit::File { line, .. } => line,
        }
    }

    pub fn text(&self, lang: Lang) -> String {
        match *self {
            InputLimit::Row { max, .. } => tr!(
                lang,
                "baris lebih dari {} byte; berhenti membaca (benarkah ini berkas CSV?)",
                "row longer than {} bytes; stopped reading (is this really a CSV file?)",
                lang.num(max as u64)
            ),
            InputLimit::File { max, .. } => tr!(
                lang,
                "berkas lebih dari {} byte (roster nasional sekitar 700 MB); berhenti membaca",
                "file larger than {} bytes (a national roster is about 700 MB); stopped reading",
                lang.num(max)
            ),
        }
    }
}

impl std::fmt::Display for InputLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

impl std::error::Error for InputLimit {}

/// A byte stream rewritten so the csv crate counts lines right, without changing any field:
/// outside quoted fields, CRLF becomes LF and an empty line becomes a line holding one space
/// (a record of blank fields, which the importer skips; csv would skip the empty line but
/// lose count). Quoted fields pass through untouched; quotes are tracked as csv-core does
/// (a quote opens a field only at its start, `""` inside is an escaped quote).
///
/// It also stops, with an [`InputLimit`] error (every read after it fails the same way), at
/// a row longer than `max_row` bytes or a stream longer than `max_total`.
pub struct LineFaithful<R> {
    inner: R,
    scan: Scan,
    out: Vec<u8>,
    pos: usize,
    max_row: usize,
    max_total: u64,
    total: u64,
    failed: Option<InputLimit>,
}

impl<R: BufRead> LineFaithful<R> {
    /// With the limits every kpps input has (`super::MAX_ROW_BYTES`, `super::MAX_INPUT_BYTES`).
    pub fn new(inner: R, delimiter: u8) -> Self {
        Self::with_limits(
            inner,
            delimiter,
            super::MAX_ROW_BYTES,
            super::MAX_INPUT_BYTES,
        )
    }

    pub fn with_limits(inner: R, delimiter: u8, max_row: usize, max_total: u64) -> Self {
        let scan = Scan {
            quote: QuoteState::FieldStart,
            line_start: true,
            seen: false,
            cr: false,
            delimiter,
            newlines: 0,
            row_line: 1,
            row_bytes: 0,
        };
        LineFaithful {
            inner,
            scan,
            out: Vec::new(),
            pos: 0,
            max_row,
            max_total,
            total: 0,
            failed: None,
        }
    }

    fn limit_error(limit: InputLimit) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, limit)
    }
}

impl<R: BufRead> Read for LineFaithful<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(limit) = self.failed {
            return Err(Self::limit_error(limit));
        }
        while self.pos == self.out.len() {
            self.out.clear();
            self.pos = 0;
            let input = self.inner.fill_buf()?;
            if input.is_empty() {
                if std::mem::take(&mut self.scan.cr) {
                    self.out.push(b'\r');
                    break;
                }
                return Ok(0);
            }
            let len = input.len();
            for &b in input {
                self.scan.step(b, &mut self.out);
                if self.scan.row_bytes > self.max_row {
                    self.failed = Some(InputLimit::Row {
                        line: self.scan.row_line,
                        max: self.max_row,
                    });
                    break;
                }
            }
            self.inner.consume(len);
            self.total += len as u64;
            if self.failed.is_none() && self.total > self.max_total {
                self.failed = Some(InputLimit::File {
                    line: self.scan.newlines + 1,
                    max: self.max_total,
                });
            }
            if let Some(limit) = self.failed {
                return Err(Self::limit_error(limit));
            }
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum QuoteState {
    /// At the start of a field (line start or after a delimiter).
    FieldStart,
    Unquoted,
    Quoted,
    /// Just saw a quote inside a quoted field: it closes the field, unless another quote follows.
    AfterQuote,
}

struct Scan {
    quote: QuoteState,
    /// Nothing but (possibly) a pending CR on this line so far.
    line_start: bool,
    /// Some non-empty line has been seen (empty lines before the header are left alone).
    seen: bool,
    /// A CR outside quotes, waiting to see whether LF follows.
    cr: bool,
    delimiter: u8,
    /// Line feeds read so far (the physical line is one more).
    newlines: u64,
    /// Physical line the current row (record) starts on, and its bytes so far.
    row_line: u64,
    row_bytes: usize,
}

impl Scan {
    fn step(&mut self, b: u8, out: &mut Vec<u8>) {
        self.row_bytes += 1;
        if b == b'\n' {
            self.newlines += 1;
        }
        if std::mem::take(&mut self.cr) {
            if b == b'\n' {
                self.newline(out);
                return;
            }
            // A lone CR ends a record for csv; keep it.
            out.push(b'\r');
            self.quote = QuoteState::FieldStart;
            self.line_start = true;
            self.row_line = self.newlines + 1;
            self.row_bytes = 1;
        }
        if self.quote == QuoteState::Quoted {
            if b == b'"' {
                self.quote = QuoteState::AfterQuote;
            }
            out.push(b);
            return;
        }
        if self.quote == QuoteState::AfterQuote && b == b'"' {
            self.quote = QuoteState::Quoted;
            out.push(b);
            return;
        }
        match b {
            b'\r' => self.cr = true,
            b'\n' => self.newline(out),
            _ => {
                self.quote = match b {
                    b'"' if self.quote == QuoteState::FieldStart => QuoteState::Quoted,
                    d if d == self.delimiter => QuoteState::FieldStart,
                    _ => QuoteState::Unquoted,
                };
                self.line_start = false;
                self.seen = true;
                out.push(b);
            }
        }
    }

    fn newline(&mut self, out: &mut Vec<u8>) {
        if self.line_start && self.seen {
            out.push(b' ');
        }
        out.push(b'\n');
        self.quote = QuoteState::FieldStart;
        self.line_start = true;
        self.row_line = self.newlines + 1;
        self.row_bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faithful(input: &str) -> String {
        let mut out = String::new();
        LineFaithful::new(input.as_bytes(), b',')
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn line_faithful_rewrites_only_outside_quotes() {
        assert_eq!(faithful("h\r\na\r\n\r\nb\r\n"), "h\na\n \nb\n");
        assert_eq!(faithful("\n\nh\na\n\n\nb"), "\n\nh\na\n \n \nb");
        // Quoted fields keep CRLF and empty lines; escaped quotes do not end them.
        assert_eq!(
            faithful("h\n\"x\r\n\r\n\"\"y\"\n\nz\n"),
            "h\n\"x\r\n\r\n\"\"y\"\n \nz\n"
        );
        // A quote inside an unquoted field is a plain character.
        assert_eq!(faithful("a\"b,c\n\nd\n"), "a\"b,c\n \nd\n");
        assert_eq!(faithful("a\r"), "a\r");
        assert_eq!(faithful("a\rb\n"), "a\rb\n");
    }

    /// An endless stream of short rows stops at the total limit, a row without end at the
    /// row limit; each names the line, and every read after it fails the same way.
    #[test]
    fn endless_input_stops_at_the_limits() {
        let endless_rows =
            std::io::BufReader::new(std::io::Read::chain("h1,h2\n".as_bytes(), EndlessRows));
        let mut reader = LineFaithful::with_limits(endless_rows, b',', 1 << 10, 1 << 20);
        let mut sink = Vec::new();
        let err = reader.read_to_end(&mut sink).unwrap_err();
        let limit = *err.get_ref().unwrap().downcast_ref::<InputLimit>().unwrap();
        assert!(
            matches!(limit, InputLimit::File { max: 1_048_576, line } if line > 200_000),
            "{limit:?}"
        );
        assert!(sink.len() <= (1 << 20) + (64 << 10), "{}", sink.len());
        assert!(reader.read(&mut [0; 16]).is_err(), "the error stays");

        let one_endless_row = std::io::BufReader::new(std::io::Read::chain(
            "h1,h2\na,b\n".as_bytes(),
            std::io::repeat(b'x'),
        ));
        let mut reader = LineFaithful::with_limits(one_endless_row, b',', 1 << 10, 1 << 20);
        let err = reader.read_to_end(&mut Vec::new()).unwrap_err();
        let limit = *err.get_ref().unwrap().downcast_ref::<InputLimit>().unwrap();
        assert_eq!(
            limit,
            InputLimit::Row {
                line: 3,
                max: 1 << 10
            }
        );
    }

    /// `a,b\n` forever.
    struct EndlessRows;

    impl Read for EndlessRows {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            for (i, b) in buf.iter_mut().enumerate() {
                *b = b"a,b\n"[i % 4];
            }
            Ok(buf.len() / 4 * 4)
        }
    }

    /// csv positions through `LineFaithful` are physical lines, whatever the line endings.
    #[test]
    fn csv_positions_are_physical_lines() {
        let input = "h1;h2\r\na;1\r\n\r\n\r\nb;2\r\n\"c\r\n\r\nc\";3\r\n;\r\nd;4";
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(b';')
            .flexible(true)
            .from_reader(LineFaithful::new(input.as_bytes(), b';'));
        let got: Vec<(String, u64)> = rdr
            .records()
            .map(|r| r.unwrap())
            .filter(|r| !r.iter().all(|f| f.trim().is_empty()))
            .map(|r| (r[0].to_string(), r.position().unwrap().line()))
            .collect();
        let want = [("a", 2), ("b", 5), ("c\r\n\r\nc", 6), ("d", 10)];
        assert_eq!(got, want.map(|(s, l)| (s.to_string(), l)));
    }
}
