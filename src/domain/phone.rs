//! Indonesian phone numbers, brought to the one form coordinators dial: `08…`.
//!
//! People write the same mobile number as `0812-3456-7890`, `62 812 3456 7890` or
//! `+62 812-3456-7890`, and a spreadsheet that took the column for numbers drops the leading
//! zero (`81234567890`) or writes `8,12346E+10`. Stored is the national form with digits only
//! (`081234567890`): what a coordinator dials from any Indonesian phone, what WhatsApp and
//! SMS accept, and text a spreadsheet leaves alone (a `+62…` cell is a formula to it).
//!
//! Accepted: `0…` (mobile `08…` or a landline with its area code, `0711…`), `+62…`, `628…`
//! (the international form without `+`, mobile only: `62` before another digit may be a
//! landline code that lost its zero, `0627…`), and `8…` (a mobile number that lost its
//! zero: stored with the zero, and flagged so someone looks). Spaces, `-`, `.` and
//! parentheses between digits are dropped. Anything else is refused with the reason.
//! Numbers already stored are left as they were.

use compact_str::CompactString;

/// Mobile numbers (`08…`): 10 to 13 digits in the national form.
pub const MOBILE_DIGITS: std::ops::RangeInclusive<usize> = 10..=13;
/// Landlines (`0` + area code + number): 9 to 12 digits.
pub const LANDLINE_DIGITS: std::ops::RangeInclusive<usize> = 9..=12;

/// A number in its stored form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone {
    /// `081234567890` (inline, no allocation: an import normalises millions of them).
    pub number: CompactString,
    /// The input had lost its leading 0 (`81234567890`): the 0 was put back.
    pub restored_zero: bool,
}

/// Why a phone number was refused.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PhoneError {
    /// `8,12346E+10`: a spreadsheet turned it into a number and rounded it.
    ScientificNotation,
    /// A character other than digits, spaces, `-`, `.`, parentheses and a leading `+`.
    BadCharacter(char),
    /// `+` followed by a country code other than 62.
    NotIndonesian,
    /// `62` (without `+`) before a digit other than 8: `+62…` or `0…` says which.
    Ambiguous62,
    /// Does not start with 0, 62, +62 or 8.
    BadStart,
    /// Too few or too many digits in the national form (the count).
    TooShort(usize),
    TooLong(usize),
}

/// The stored form of `raw`, None when it is empty.
pub fn normalize(raw: &str) -> Result<Option<Phone>, PhoneError> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let (plus, rest) = match text.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    // The digits, on the stack with room for a 0 in front (`buf[0]`): an import normalises
    // millions of numbers, so no allocation until the result.
    const ROOM: usize = 24;
    let mut buf = [0u8; ROOM];
    let mut len = 1;
    for (i, &b) in rest.as_bytes().iter().enumerate() {
        match b {
            b'0'..=b'9' if len < ROOM => {
                buf[len] = b;
                len += 1;
            }
            b'0'..=b'9' => {
                return Err(PhoneError::TooLong(
                    rest.bytes().filter(u8::is_ascii_digit).count(),
                ))
            }
            b' ' | b'-' | b'.' | b'(' | b')' => {}
            _ => {
                // A byte outside ASCII starts a character: `i` is on its boundary.
                let c = rest[i..].chars().next().unwrap_or('?');
                return Err(if is_scientific(text) {
                    PhoneError::ScientificNotation
                } else {
                    PhoneError::BadCharacter(c)
                });
            }
        }
    }
    let digits = &buf[1..len];
    if digits.is_empty() {
        return Err(PhoneError::BadStart);
    }
    let mut restored_zero = false;
    // Where the national form starts in `buf` (a 0 written in front where needed).
    let start = if plus {
        if !digits.starts_with(b"62") {
            return Err(PhoneError::NotIndonesian);
        }
        // `+62 (0)812…`: the zero is sometimes kept after the country code.
        if digits.get(2) == Some(&b'0') {
            3
        } else {
            buf[2] = b'0';
            2
        }
    } else if digits.starts_with(b"62") {
        match digits.get(2) {
            Some(b'8') => {
                buf[2] = b'0';
                2
            }
            Some(b'0') => 3,
            _ => return Err(PhoneError::Ambiguous62),
        }
    } else if digits[0] == b'0' {
        1
    } else if digits[0] == b'8' {
        restored_zero = true;
        buf[0] = b'0';
        0
    } else {
        return Err(PhoneError::BadStart);
    };
    let national = std::str::from_utf8(&buf[start..len]).expect("ASCII digits");
    if national.as_bytes().get(1).is_none_or(|&b| b == b'0') {
        return Err(PhoneError::BadStart);
    }
    let range = if national.starts_with("08") {
        MOBILE_DIGITS
    } else {
        LANDLINE_DIGITS
    };
    let n = national.len();
    if n < *range.start() {
        return Err(PhoneError::TooShort(n));
    }
    if n > *range.end() {
        return Err(PhoneError::TooLong(n));
    }
    Ok(Some(Phone {
        number: national.into(),
        restored_zero,
    }))
}

/// `8,12346E+10`, `8.12346e10`: digits, then an exponent.
fn is_scientific(text: &str) -> bool {
    let Some((mantissa, exponent)) = text.split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.trim_start_matches(['+', '-']);
    mantissa.bytes().any(|b| b.is_ascii_digit())
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> (String, bool) {
        let p = normalize(raw).unwrap().unwrap();
        (p.number.into(), p.restored_zero)
    }

    #[test]
    fn one_stored_form_for_every_way_of_writing_it() {
        let plain = ("081234567890".to_string(), false);
        for raw in [
            "081234567890",
            "0812-3456-7890",
            "0812 3456 7890",
            " 0812.3456.7890 ",
            "6281234567890",
            "62 812 3456 7890",
            "+6281234567890",
            "+62 812-3456-7890",
            "+62 (0)812 3456 7890",
            "(0812) 34567890",
        ] {
            assert_eq!(ok(raw), plain, "{raw}");
        }
        assert_eq!(ok("81234567890"), ("081234567890".into(), true));
        assert_eq!(ok("0711-352123"), ("0711352123".into(), false));
        assert_eq!(ok("+62 711 352123"), ("0711352123".into(), false));
        assert_eq!(ok("021 2345 6789"), ("02123456789".into(), false));
        assert_eq!(normalize("  "), Ok(None));
    }

    #[test]
    fn malformed_numbers_are_refused_with_the_reason() {
        use PhoneError::*;
        for (raw, why) in [
            ("8,12346E+10", ScientificNotation),
            ("8.12346E+10", ScientificNotation),
            ("0812/0813", BadCharacter('/')),
            ("0812-3456-789O", BadCharacter('O')),
            ("+1 555 123 4567", NotIndonesian),
            ("+6812345678", NotIndonesian),
            ("62711352123", Ambiguous62),
            ("711352123", BadStart),
            ("0081234567890", BadStart),
            ("+", BadStart),
            ("0812345", TooShort(7)),
            ("08123456789012", TooLong(14)),
            ("0812 3456 7890 1234 5678 9012 3456", TooLong(28)),
            ("+62", BadStart),
            ("+6", NotIndonesian),
            ("07113", TooShort(5)),
            ("0711352123456", TooLong(13)),
            ("812345", TooShort(7)),
        ] {
            assert_eq!(normalize(raw), Err(why), "{raw}");
        }
    }
}
