//! Free text that people type and the store keeps (names, phone numbers, berita acara
//! numbers), checked once, here, on every road in: import rows, the command line, the form,
//! and `Roster::decide` (so a client talking to a server directly is held to it too).
//!
//! The rules: surrounding whitespace is trimmed, and line breaks or tabs inside a value become
//! one space (a spreadsheet cell typed over two lines); no other control character (C0, DEL,
//! C1), no bidirectional override or isolate, and no invisible format character (zero-width
//! spaces and joiners, soft hyphen, BOM, tags) anywhere, since those can rewrite or spoof
//! another coordinator's terminal; and a length cap per field, in characters, so no row can
//! blow up a snapshot, a log line or a screen.
//!
//! The same [`is_unsafe_char`] decides what output escaping makes visible (`crate::text::safe`),
//! so text stored before these rules existed is still drawn harmlessly.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::person::Person;

/// A stored text field a person types. Serialized inside `Refusal` (append new ones at the end).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TextField {
    /// `nama`: a person's full name.
    Name,
    /// `telepon`.
    Phone,
    /// The berita acara number of a direct appointment.
    BeritaAcara,
    /// The name the audit log records for a change made on this machine (`--as`).
    Actor,
    /// The election's name (`--election-name`), shown in every header.
    ElectionName,
    /// The name of an imported file, kept in the log.
    FileName,
}

impl TextField {
    /// Longest value accepted, in characters (after trimming). A full Indonesian name with
    /// titles fits in 100; a phone number with country code and separators in 20
    /// (`+62 812-3456-78901` is 17); a berita acara number such as
    /// `123/BA/PPS-35ILIR/II/2024` in 64; a name recorded as the actor in 64 (login names
    /// are at most 32); an election's name like a person's, 100.
    pub const fn max_chars(self) -> usize {
        match self {
            TextField::Name => 100,
            TextField::Phone => 20,
            TextField::BeritaAcara => 64,
            TextField::Actor => 64,
            TextField::ElectionName => 100,
            TextField::FileName => 4096,
        }
    }
}

/// What is wrong with a text value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TextProblem {
    /// Nothing left after trimming (only for required fields).
    Empty,
    TooLong {
        chars: u32,
        max: u32,
    },
    /// A control, bidi or invisible character; `at` is its 1-based character position in
    /// the trimmed value.
    Unsafe {
        ch: char,
        at: u32,
    },
    /// A phone number holds a character other than digits, spaces and `+ - ( ) .`.
    NotPhone {
        ch: char,
        at: u32,
    },
}

/// A text value refused, and which field it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextError {
    pub field: TextField,
    pub problem: TextProblem,
}

/// Characters that must never be stored from input, and are escaped whenever stored text is
/// drawn: controls (C0, DEL, C1: ESC starts terminal sequences, BEL ends OSC titles, NUL,
/// newlines forge log lines), bidi overrides, embeddings, isolates and marks (they reorder a
/// line on screen), and invisible format characters (zero-width space/joiners, soft hyphen,
/// word joiner and invisible operators, line/paragraph separators, BOM, interlinear
/// annotation, tag characters).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// The first unsafe character of `s` and its 1-based character position, if any: for
/// text kept exactly as given (a file name), where [`clean`]'s trimming and caps do not apply.
pub fn find_unsafe(s: &str) -> Option<TextProblem> {
    s.chars()
        .zip(1u32..)
        .find(|(c, _)| is_unsafe_char(*c))
        .map(|(ch, at)| TextProblem::Unsafe { ch, at })
}

fn is_phone_char(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.')
}

/// Line breaks and tabs inside a value (a spreadsheet cell typed with Alt+Enter, a pasted
/// address) are whitespace, not commands: each run of them, with the spaces around it,
/// becomes one space, so `Nama\r\ndua baris` is kept as `Nama dua baris`.
fn is_break(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Checks one value of `field`: returns it trimmed (and line breaks made spaces), or why it
/// is refused. An empty result is returned as `Ok("")`; whether empty is allowed is the
/// caller's (see [`required`]).
pub fn clean(field: TextField, raw: &str) -> Result<Cow<'_, str>, TextError> {
    let fail = |problem| TextError { field, problem };
    let trimmed = raw.trim();
    if let Some((ch, at)) = trimmed
        .chars()
        .zip(1u32..)
        .find(|&(c, _)| is_unsafe_char(c) && !is_break(c))
    {
        return Err(fail(TextProblem::Unsafe { ch, at }));
    }
    let value = if trimmed.contains(is_break) {
        let parts: Vec<&str> = trimmed
            .split(is_break)
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        Cow::Owned(parts.join(" "))
    } else {
        Cow::Borrowed(trimmed)
    };
    let max = field.max_chars();
    let chars = value.chars().count();
    if chars > max {
        return Err(fail(TextProblem::TooLong {
            chars: u32::try_from(chars).unwrap_or(u32::MAX),
            max: max as u32,
        }));
    }
    if field == TextField::Phone {
        if let Some((ch, at)) = value.chars().zip(1u32..).find(|&(c, _)| !is_phone_char(c)) {
            return Err(fail(TextProblem::NotPhone { ch, at }));
        }
    }
    Ok(value)
}

/// [`clean`] for a field that must not be empty.
pub fn required(field: TextField, raw: &str) -> Result<Cow<'_, str>, TextError> {
    let value = clean(field, raw)?;
    if value.is_empty() {
        return Err(TextError {
            field,
            problem: TextProblem::Empty,
        });
    }
    Ok(value)
}

/// [`clean`] for an optional field: blank becomes `None`.
pub fn optional(field: TextField, raw: Option<&str>) -> Result<Option<Cow<'_, str>>, TextError> {
    match raw {
        None => Ok(None),
        Some(raw) => clean(field, raw).map(|v| (!v.is_empty()).then_some(v)),
    }
}

impl Person {
    /// The person with every typed field checked and cleaned (a blank phone dropped), or the
    /// first field that breaks the rules. Idempotent; clean text is left as it is.
    pub fn clean_text(mut self) -> Result<Person, TextError> {
        let name = required(TextField::Name, &self.name)?;
        if *name != *self.name {
            self.name = name.as_ref().into();
        }
        let phone = optional(TextField::Phone, self.phone.as_deref())?;
        if phone.as_deref() != self.phone.as_deref() {
            self.phone = phone.map(|p| p.as_ref().into());
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Nik, Screening, Sex};
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn person(name: &str, phone: Option<&str>) -> Person {
        Person {
            name: name.into(),
            nik: Nik::parse("1671045708900003").unwrap(),
            birth_date: NaiveDate::from_ymd_opt(1990, 8, 17).unwrap(),
            sex: Sex::P,
            phone: phone.map(Into::into),
            screening: Screening::NotAtRisk,
            jkn: true,
        }
    }

    fn problem(field: TextField, raw: &str) -> TextProblem {
        clean(field, raw).unwrap_err().problem
    }

    fn ok(field: TextField, raw: &str) -> String {
        clean(field, raw).unwrap().into_owned()
    }

    fn opt(raw: Option<&str>) -> Option<String> {
        optional(TextField::Phone, raw)
            .unwrap()
            .map(Cow::into_owned)
    }

    #[test]
    fn plain_names_pass_trimmed() {
        assert_eq!(ok(TextField::Name, "  Siti Aminah \t"), "Siti Aminah");
        assert_eq!(
            ok(TextField::Name, "Ni Luh Putu Ayu Dewi, S.Pd."),
            "Ni Luh Putu Ayu Dewi, S.Pd."
        );
        assert_eq!(ok(TextField::Name, "Nur'aini Ḥasanah"), "Nur'aini Ḥasanah");
        assert_eq!(
            required(TextField::Name, " \t ").unwrap_err().problem,
            TextProblem::Empty
        );
        assert_eq!(opt(Some("  ")), None);
        assert_eq!(opt(None), None);
        assert_eq!(
            opt(Some(" +62 812-3456-7890 ")).as_deref(),
            Some("+62 812-3456-7890")
        );
    }

    #[test]
    fn terminal_controls_are_refused_with_their_position() {
        assert_eq!(
            problem(TextField::Name, "Bu\x1b]0;pwned\x07di"),
            TextProblem::Unsafe { ch: '\x1b', at: 3 }
        );
        assert_eq!(
            problem(TextField::Name, "Budi\0"),
            TextProblem::Unsafe { ch: '\0', at: 5 }
        );
        // Line breaks and tabs are whitespace: one space, never stored as such.
        assert_eq!(
            clean(TextField::Name, "Nama\r\n dua\tbaris \u{2028}\n tiga").unwrap(),
            "Nama dua baris tiga"
        );
        for c in [
            '\u{7f}',
            '\u{9b}',
            '\u{202e}',
            '\u{2066}',
            '\u{200e}',
            '\u{200f}',
            '\u{200b}',
            '\u{feff}',
            '\u{e0041}',
            '\u{ad}',
        ] {
            let raw = format!("Ab{c}cd");
            assert_eq!(
                problem(TextField::BeritaAcara, &raw),
                TextProblem::Unsafe { ch: c, at: 3 },
                "{c:?}"
            );
        }
    }

    #[test]
    fn every_field_has_a_cap_in_characters() {
        let at_cap = "é".repeat(100);
        assert_eq!(ok(TextField::Name, &at_cap), at_cap);
        assert_eq!(
            problem(TextField::Name, &"a".repeat(60_000)),
            TextProblem::TooLong {
                chars: 60_000,
                max: 100
            }
        );
        assert_eq!(
            problem(TextField::BeritaAcara, &"9".repeat(65)),
            TextProblem::TooLong { chars: 65, max: 64 }
        );
        assert_eq!(
            problem(TextField::Phone, &"1".repeat(21)),
            TextProblem::TooLong { chars: 21, max: 20 }
        );
    }

    #[test]
    fn phones_are_digits_and_separators() {
        assert_eq!(ok(TextField::Phone, "(0711) 123.456"), "(0711) 123.456");
        assert_eq!(
            problem(TextField::Phone, "0812 hubungi"),
            TextProblem::NotPhone { ch: 'h', at: 6 }
        );
    }

    #[test]
    fn a_person_is_cleaned_or_refused_by_field() {
        let p = person("  Siti ", Some(" "));
        let clean = p.clean_text().unwrap();
        assert_eq!((clean.name.as_str(), clean.phone), ("Siti", None));
        let e = person("Siti", Some("0812\x1b[2J"))
            .clean_text()
            .unwrap_err();
        assert_eq!(e.field, TextField::Phone);
        let e = person("", None).clean_text().unwrap_err();
        assert_eq!(
            e,
            TextError {
                field: TextField::Name,
                problem: TextProblem::Empty
            }
        );
    }

    /// Any character, with the dangerous ones and plain letters over-represented.
    fn any_text() -> impl Strategy<Value = String> {
        let dangerous = prop::sample::select(vec![
            '\x00',
            '\x07',
            '\x1b',
            '\n',
            '\r',
            '\t',
            '\u{7f}',
            '\u{85}',
            '\u{9b}',
            '\u{9d}',
            '\u{ad}',
            '\u{200b}',
            '\u{200e}',
            '\u{200f}',
            '\u{2028}',
            '\u{202e}',
            '\u{2066}',
            '\u{2069}',
            '\u{feff}',
            '\u{e0041}',
            ' ',
        ]);
        prop::collection::vec(
            prop_oneof![dangerous, any::<char>(), prop::char::range('a', 'z')],
            0..130,
        )
        .prop_map(String::from_iter)
    }

    proptest! {
        /// Whatever comes in, what is accepted is trimmed, within its cap and free of every
        /// character the terminal could act on.
        #[test]
        fn accepted_text_never_holds_an_unsafe_char(raw in any_text()) {
            for field in [TextField::Name, TextField::Phone, TextField::BeritaAcara] {
                if let Ok(v) = clean(field, &raw) {
                    let v = v.into_owned();
                    prop_assert!(!v.chars().any(is_unsafe_char), "{:?}", v);
                    prop_assert!(!v.chars().any(char::is_control), "{:?}", v);
                    prop_assert!(v.chars().count() <= field.max_chars());
                    prop_assert_eq!(v.as_str(), v.trim());
                    prop_assert_eq!(clean(field, &v).unwrap(), v.clone());
                }
            }
        }
    }
}
