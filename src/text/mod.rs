//! Every user-visible string, Bahasa Indonesia first and English second, and the
//! language-aware number formatting. Code, comments and docs stay in English.

pub mod clock;
mod events;
mod person;
mod strings;

pub use person::Label;

pub use strings::Strings;

use std::borrow::Cow;

use crate::domain::freetext::is_unsafe_char;
use crate::domain::{
    Finding, HealthFlag, NikError, Screening, Sex, TextError, TextField, TextProblem, VacateReason,
};

/// Stored text made safe to draw on a terminal: every character the input rules refuse
/// (controls, bidi overrides and isolates, invisible format characters; see
/// `domain::freetext::is_unsafe_char`) is shown as a visible escape, `\x1b` below U+0100 and
/// `\u{202e}` above, so `Bu\x1b]0;x\x07di` reads as what it is instead of retitling the
/// window. Anything a person typed (names, phones, berita acara, user and file names,
/// search text) goes through this before it reaches a terminal, because stores written
/// before the rules existed may hold such text. Clean text (nearly all) is borrowed as is.
/// CSV and JSON exports keep data verbatim; their formats quote it.
pub fn safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if !is_unsafe_char(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    Cow::Owned(out)
}

/// A message with values, in both languages side by side: `tr!(lang, "{n} kursi kosong",
/// "{n} seats vacant")`. Each text is a `format!` string (inline names or trailing
/// arguments, the same for both); only the chosen language is formatted. For fixed text use
/// [`Lang::t`].
macro_rules! tr {
    ($lang:expr, $id:literal, $en:literal $(, $arg:expr)* $(,)?) => {
        match $lang {
            $crate::text::Lang::Id => format!($id $(, $arg)*),
            $crate::text::Lang::En => format!($en $(, $arg)*),
        }
    };
}
pub(crate) use tr;

/// A message said in both languages, for text made before anyone knows who reads it: a
/// server's answers (sent to every client, whatever its language) and the errors a `Port`
/// passes up. Built from the same pairs: `Said::new(|l| tr!(l, "…", "…"))`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Said {
    id: String,
    en: String,
}

impl Said {
    pub fn new(text: impl Fn(Lang) -> String) -> Said {
        Said {
            id: text(Lang::Id),
            en: text(Lang::En),
        }
    }

    /// Text that reads the same in both languages (a system's own message, a name).
    pub fn verbatim(text: impl Into<String>) -> Said {
        let text = text.into();
        Said {
            id: text.clone(),
            en: text,
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Id => &self.id,
            Lang::En => &self.en,
        }
    }
}

/// English, for logs.
impl std::fmt::Display for Said {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// Bahasa Indonesia.
    #[default]
    Id,
    /// English.
    En,
}

impl Lang {
    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::Id => &strings::ID,
            Lang::En => &strings::EN,
        }
    }

    /// Picks the string for this language: `lang.t("Kosong", "Vacant")`. With [`tr!`] (the
    /// same pair, formatted) this is the one way kpps speaks: every message is written once,
    /// Indonesian then English side by side, so neither language can be left out.
    pub const fn t(self, id: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Id => id,
            Lang::En => en,
        }
    }

    /// The other language (the `L` key).
    pub const fn other(self) -> Lang {
        match self {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        }
    }

    /// Thousands separators: `33.439` in Indonesian, `33,439` in English.
    pub fn num(self, n: impl Into<u64>) -> String {
        let digits = n.into().to_string();
        let sep = match self {
            Lang::Id => '.',
            Lang::En => ',',
        };
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(sep);
            }
            out.push(c);
        }
        out
    }

    pub fn nik_error(self, e: &NikError) -> String {
        match e {
            NikError::Empty => self.t("NIK kosong", "NIK is empty").into(),
            NikError::ScientificNotation => self
                .t(
                    "NIK dalam notasi ilmiah (rusak oleh spreadsheet); format kolom sebagai teks \
                    dan ekspor ulang",
                    "NIK in scientific notation (damaged by a spreadsheet); format the column as \
                    text and export again",
                )
                .into(),
            NikError::TooShort(n) => tr!(
                self,
                "NIK hanya {n} digit, harus 16 (digit depan hilang?)",
                "NIK has {n} digits, needs 16 (leading digits lost?)"
            ),
            NikError::TooLong(n) => tr!(
                self,
                "NIK {n} digit, harus 16",
                "NIK has {n} digits, needs 16"
            ),
            NikError::NotDigits => self
                .t(
                    "NIK hanya boleh berisi angka",
                    "NIK must contain digits only",
                )
                .into(),
            NikError::BadDate => self
                .t(
                    "tanggal lahir dalam NIK tidak valid",
                    "birth date encoded in the NIK is not a valid date",
                )
                .into(),
            NikError::BadRegion => self
                .t(
                    "kode wilayah NIK tidak valid",
                    "NIK region code is not valid",
                )
                .into(),
        }
    }

    /// Why a typed value was refused, e.g. `nama terlalu panjang: 60.000 karakter, paling
    /// banyak 100`. The field is named as in files and flags (`nama`, `telepon`, …).
    pub fn text_error(self, e: &TextError) -> String {
        format!(
            "{} {}",
            self.field_name(e.field),
            self.text_problem(&e.problem)
        )
    }

    /// A typed field's name as files and flags spell it.
    pub fn field_name(self, f: TextField) -> &'static str {
        match f {
            TextField::Name => "nama",
            TextField::Phone => "telepon",
            TextField::BeritaAcara => self.t("nomor berita acara", "berita acara number"),
            TextField::Actor => self.t("nama pencatat (--as)", "recorded name (--as)"),
            TextField::ElectionName => self.t("nama pemilu", "election name"),
            TextField::FileName => self.t("nama berkas", "file name"),
        }
    }

    /// What is wrong with a typed value, without the field's name (the form shows it beside
    /// the field).
    pub fn text_problem(self, p: &TextProblem) -> String {
        // The offending character as a code point: `U+001B`.
        let code = |ch: &char| format!("U+{:04X}", *ch as u32);
        match p {
            TextProblem::Empty => self.t("kosong", "is empty").into(),
            TextProblem::TooLong { chars, max } => tr!(
                self,
                "terlalu panjang: {} karakter, paling banyak {max}",
                "is too long: {} characters, at most {max}",
                self.num(*chars)
            ),
            TextProblem::Unsafe { ch, at } => tr!(
                self,
                "berisi karakter kontrol atau tak terlihat ({}) di karakter ke-{at}",
                "contains a control or invisible character ({}) at character {at}",
                code(ch)
            ),
            TextProblem::NotPhone { ch, at } => tr!(
                self,
                "hanya boleh angka, spasi dan + - ( ) .: {} di karakter ke-{at}",
                "may hold only digits, spaces and + - ( ) .: {} at character {at}",
                safe(&format!("{ch:?}"))
            ),
        }
    }

    /// [`Lang::text_problem`] short enough to sit beside a form field at 80 columns (the
    /// status line repeats it, with the field's label, when the form is sent).
    pub fn text_problem_short(self, p: &TextProblem) -> String {
        match p {
            TextProblem::Empty => self.t("wajib diisi", "required").into(),
            TextProblem::TooLong { max, .. } => {
                tr!(self, "maks. {max} karakter", "max {max} characters")
            }
            TextProblem::Unsafe { ch, at } => tr!(
                self,
                "karakter terlarang U+{:04X} (ke-{at})",
                "forbidden character U+{:04X} (#{at})",
                *ch as u32
            ),
            TextProblem::NotPhone { .. } => self
                .t(
                    "hanya angka, spasi, + - ( ) .",
                    "digits, spaces, + - ( ) . only",
                )
                .into(),
        }
    }

    pub fn finding(self, f: &Finding) -> String {
        match f {
            Finding::UnderAge { age, min } => tr!(
                self,
                "usia {age} pada hari pemungutan suara, minimal {min}",
                "aged {age} on voting day, minimum is {min}"
            ),
            Finding::OverPreferredAge { age, max } => tr!(
                self,
                "usia {age}, di atas {max} yang dianjurkan",
                "aged {age}, over the preferred {max}"
            ),
            Finding::NikBirthDateMismatch => self
                .t(
                    "tanggal lahir tidak sesuai NIK",
                    "birth date disagrees with the NIK",
                )
                .into(),
            Finding::NikSexMismatch => self
                .t(
                    "jenis kelamin tidak sesuai NIK",
                    "sex disagrees with the NIK",
                )
                .into(),
            Finding::NikOutsideRegion { region } => tr!(
                self,
                "NIK diterbitkan di luar wilayah ({region})",
                "NIK issued outside the region ({region})"
            ),
        }
    }

    pub fn health_flag(self, f: HealthFlag) -> &'static str {
        match f {
            HealthFlag::AtRisk => self.t("berisiko", "at risk"),
            HealthFlag::NotScreened => self.t("belum skrining", "not screened"),
            HealthFlag::NoJkn => self.t("tanpa JKN", "no JKN"),
        }
    }

    pub fn screening(self, s: Screening) -> &'static str {
        match s {
            Screening::NotAtRisk => self.t("tidak berisiko", "not at risk"),
            Screening::AtRisk => self.t("berisiko", "at risk"),
            Screening::NotScreened => self.t("belum skrining", "not screened"),
        }
    }

    pub fn sex(self, s: Sex) -> &'static str {
        match s {
            Sex::L => self.t("L", "M"),
            Sex::P => self.t("P", "F"),
        }
    }

    pub fn vacate_reason(self, r: VacateReason) -> &'static str {
        match r {
            VacateReason::Died => self.t("meninggal dunia", "died"),
            VacateReason::PermanentlyUnable => self.t("berhalangan tetap", "permanently unable"),
            VacateReason::Resigned => self.t("mengundurkan diri", "resigned"),
            VacateReason::Dismissed => self.t("diberhentikan", "dismissed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn safe_shows_controls_as_escapes_and_leaves_clean_text_alone() {
        assert!(matches!(safe("Siti Aminah, S.Pd."), Cow::Borrowed(_)));
        assert_eq!(safe("Bu\x1b]0;pwned\x07di"), "Bu\\x1b]0;pwned\\x07di");
        assert_eq!(safe("a\0b\nc\u{9b}d"), "a\\x00b\\x0ac\\x9bd");
        assert_eq!(safe("ilA\u{202e}x\u{2066}"), "ilA\\u{202e}x\\u{2066}");
        assert_eq!(safe("Nur\u{200b}aini"), "Nur\\u{200b}aini");
    }

    #[test]
    fn text_problems_read_in_both_languages() {
        let e = TextError {
            field: TextField::Name,
            problem: TextProblem::TooLong {
                chars: 60_000,
                max: 100,
            },
        };
        assert_eq!(
            Lang::Id.text_error(&e),
            "nama terlalu panjang: 60.000 karakter, paling banyak 100"
        );
        assert_eq!(
            Lang::En.text_error(&e),
            "nama is too long: 60,000 characters, at most 100"
        );
        let e = TextError {
            field: TextField::BeritaAcara,
            problem: TextProblem::Unsafe { ch: '\x1b', at: 3 },
        };
        assert_eq!(
            Lang::Id.text_error(&e),
            "nomor berita acara berisi karakter kontrol atau tak terlihat (U+001B) di karakter ke-3"
        );
        assert_eq!(
            Lang::En.text_error(&e),
            "berita acara number contains a control or invisible character (U+001B) at character 3"
        );
        for problem in [TextProblem::Empty, TextProblem::NotPhone { ch: 'x', at: 1 }] {
            assert_ne!(
                Lang::Id.text_problem(&problem),
                Lang::En.text_problem(&problem)
            );
        }
    }

    #[test]
    fn a_demo_roster_in_the_log_reads_as_generated_not_imported() {
        use crate::domain::{demo_label, Event, Nik, Person, Screening, SeatAssignment, Sex};
        let region = crate::domain::region::tests::small();
        let file = demo_label(2024, "Kota Palembang");
        assert_eq!(
            crate::domain::parse_demo_label(&file),
            Some((2024, "Kota Palembang"))
        );
        let birth = chrono::NaiveDate::from_ymd_opt(1990, 5, 17).unwrap();
        let seat = |n| SeatAssignment {
            tps: crate::domain::TpsId(0),
            seat: n,
            person: Person {
                name: "Siti".into(),
                nik: Nik::compose(167101, birth, Sex::P, n as u16),
                birth_date: birth,
                sex: Sex::P,
                phone: None,
                screening: Screening::NotAtRisk,
                jkn: true,
            },
        };
        let roster = |file: &str, absent| Event::RosterFileImported {
            file: file.into(),
            cleared: vec![],
            seats: vec![seat(1), seat(2)],
            absent,
        };
        let reserves = Event::ReservesImported {
            file: file.clone(),
            cleared: vec![],
            reserves: vec![],
        };
        let id = |e: &Event| Lang::Id.describe_event(e, &region);
        let en = |e: &Event| Lang::En.describe_event(e, &region);
        assert_eq!(
            id(&roster(&file, vec![1])),
            "Roster demo dibuat (seed 2024), Kota Palembang: 2 petugas (1 berhalangan)"
        );
        assert_eq!(
            en(&roster(&file, vec![1])),
            "Demo roster generated (seed 2024), Kota Palembang: 2 officers (1 absent today)"
        );
        assert_eq!(
            en(&roster(&file, vec![])),
            "Demo roster generated (seed 2024), Kota Palembang: 2 officers"
        );
        assert_eq!(
            id(&reserves),
            "Cadangan demo dibuat (seed 2024), Kota Palembang: 0 cadangan"
        );
        assert_eq!(
            en(&reserves),
            "Demo reserves generated (seed 2024), Kota Palembang: 0 reserves"
        );
        // A file with an ordinary name is an import.
        assert_eq!(
            en(&roster("roster.csv", vec![1])),
            "Roster import roster.csv: 2 seats"
        );
        assert_eq!(crate::domain::parse_demo_label("demo (seed x): y"), None);
    }

    proptest! {
        /// Whatever a store holds, what `safe` gives a terminal has no character it could act
        /// on; clean text passes unchanged, and escaping twice changes nothing more.
        #[test]
        fn safe_output_never_holds_a_control_char(
            chars in prop::collection::vec(
                prop_oneof![
                    any::<char>(),
                    prop::sample::select(vec!['\x1b', '\x07', '\0', '\u{9b}', '\u{202e}', '\u{2069}', '\u{feff}']),
                ],
                0..64,
            )
        ) {
            let s: String = chars.into_iter().collect();
            let shown = safe(&s);
            prop_assert!(!shown.chars().any(is_unsafe_char), "{:?}", shown);
            prop_assert!(!shown.chars().any(char::is_control), "{:?}", shown);
            prop_assert_eq!(safe(&shown), shown.clone());
            if !s.chars().any(is_unsafe_char) {
                prop_assert_eq!(shown, Cow::Borrowed(s.as_str()));
            }
        }
    }

    #[test]
    fn numbers_follow_the_language() {
        assert_eq!(Lang::Id.num(33_439u32), "33.439");
        assert_eq!(Lang::En.num(33_439u32), "33,439");
        assert_eq!(Lang::En.num(5_741_127u32), "5,741,127");
        assert_eq!(Lang::Id.num(999u32), "999");
        assert_eq!(Lang::Id.num(0u32), "0");
    }
}
