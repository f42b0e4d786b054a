//! CSV bytes rewritten so the csv crate reports true physical line numbers.

use std::io::{BufRead, Read};

/// A byte stream rewritten so the csv crate counts lines right, without changing any field:
/// outside quoted fields, CRLF becomes LF and an empty line becomes a line holding one space
/// (a record of blank fields, which the importer skips; csv would skip the empty line but
/// lose count). Quoted fields pass through untouched; quotes are tracked as csv-core does
/// (a quote opens a field only at its start, `""` inside is an escaped quote).
pub struct LineFaithful<R> {
    inner: R,
    scan: Scan,
    out: Vec<u8>,
    pos: usize,
}

impl<R: BufRead> LineFaithful<R> {
    pub fn new(inner: R, delimiter: u8) -> Self {
        let scan = Scan {
            quote: QuoteState::FieldStart,
            line_start: true,
            seen: false,
            cr: false,
            delimiter,
        };
        LineFaithful {
            inner,
            scan,
            out: Vec::new(),
            pos: 0,
        }
    }
}

impl<R: BufRead> Read for LineFaithful<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
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
            }
            self.inner.consume(len);
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
}

impl Scan {
    fn step(&mut self, b: u8, out: &mut Vec<u8>) {
        if std::mem::take(&mut self.cr) {
            if b == b'\n' {
                self.newline(out);
                return;
            }
            // A lone CR ends a record for csv; keep it.
            out.push(b'\r');
            self.quote = QuoteState::FieldStart;
            self.line_start = true;
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
