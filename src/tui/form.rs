//! The direct-appointment form: a new person for an empty seat, validated field by field as
//! typed. Errors block saving; warnings show but do not block. A valid NIK prefills the
//! birth date and sex.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::domain::draft::{PersonDraft, PersonField};
use crate::domain::freetext::{self, TextField};
use crate::domain::{Nik, Person, Roster, Screening, Severity, Sex, TpsId};
use crate::text::Lang;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Name,
    Nik,
    BirthDate,
    Sex,
    Phone,
    Screening,
    Jkn,
    BeritaAcara,
}

impl Field {
    pub const ALL: [Field; 8] = [
        Field::Name,
        Field::Nik,
        Field::BirthDate,
        Field::Sex,
        Field::Phone,
        Field::Screening,
        Field::Jkn,
        Field::BeritaAcara,
    ];

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Field::Name => lang.t("Nama", "Name"),
            Field::Nik => "NIK",
            Field::BirthDate => lang.t("Tgl lahir", "Born"),
            Field::Sex => lang.t("Kelamin", "Sex"),
            Field::Phone => lang.t("Telepon", "Phone"),
            Field::Screening => lang.t("Skrining", "Screening"),
            Field::Jkn => "JKN",
            Field::BeritaAcara => lang.t("No. BA", "BA no."),
        }
    }

    /// Choice fields cycle with Space or ←/→ instead of taking text.
    pub fn is_choice(self) -> bool {
        matches!(self, Field::Sex | Field::Screening | Field::Jkn)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    pub tps: TpsId,
    pub seat: u8,
    pub field: usize,
    pub name: String,
    pub nik: String,
    pub birth: String,
    pub sex: Option<Sex>,
    pub phone: String,
    pub screening: Screening,
    pub jkn: bool,
    pub berita_acara: String,
    /// The field whose error Enter last reported in the status line, until it is fixed.
    pub error: Option<Field>,
}

pub enum FormKey {
    /// Nothing visible changed.
    Ignored,
    Changed,
    Cancel,
    Submit,
}

/// A message about one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub field: Field,
    pub severity: Severity,
    pub text: String,
}

impl Form {
    pub fn new(tps: TpsId, seat: u8) -> Form {
        Form {
            tps,
            seat,
            field: 0,
            name: String::new(),
            nik: String::new(),
            birth: String::new(),
            sex: None,
            phone: String::new(),
            screening: Screening::NotAtRisk,
            jkn: true,
            berita_acara: String::new(),
            error: None,
        }
    }

    pub fn current(&self) -> Field {
        Field::ALL[self.field]
    }

    pub fn value(&self, field: Field, lang: Lang) -> String {
        match field {
            Field::Name => self.name.clone(),
            Field::Nik => self.nik.clone(),
            Field::BirthDate => self.birth.clone(),
            Field::Sex => self.sex.map_or("-".into(), |s| lang.sex(s).into()),
            Field::Phone => self.phone.clone(),
            Field::Screening => lang.screening(self.screening).into(),
            Field::Jkn => if self.jkn {
                lang.t("ya", "yes")
            } else {
                lang.t("tidak", "no")
            }
            .into(),
            Field::BeritaAcara => self.berita_acara.clone(),
        }
    }

    fn text_mut(&mut self) -> Option<&mut String> {
        match self.current() {
            Field::Name => Some(&mut self.name),
            Field::Nik => Some(&mut self.nik),
            Field::BirthDate => Some(&mut self.birth),
            Field::Phone => Some(&mut self.phone),
            Field::BeritaAcara => Some(&mut self.berita_acara),
            _ => None,
        }
    }

    fn cycle(&mut self, forward: bool) {
        match self.current() {
            Field::Sex => {
                self.sex = Some(match self.sex {
                    Some(Sex::L) => Sex::P,
                    _ => Sex::L,
                })
            }
            Field::Screening => {
                let order = [
                    Screening::NotAtRisk,
                    Screening::AtRisk,
                    Screening::NotScreened,
                ];
                let i = order.iter().position(|s| *s == self.screening).unwrap_or(0);
                self.screening = order[(i + if forward { 1 } else { 2 }) % 3];
            }
            Field::Jkn => self.jkn = !self.jkn,
            _ => {}
        }
    }

    /// A valid 16-digit NIK fills the birth date and sex when those are still empty.
    fn prefill_from_nik(&mut self, roster: &Roster) {
        if let Ok(nik) = Nik::parse(&self.nik) {
            if self.birth.is_empty() {
                if let Some(d) = nik.birth_date(roster.params.voting_day) {
                    self.birth = d.format("%d-%m-%Y").to_string();
                }
            }
            if self.sex.is_none() {
                self.sex = Some(nik.sex());
            }
        }
    }

    pub fn key(&mut self, key: KeyEvent, roster: &Roster) -> FormKey {
        let n = Field::ALL.len();
        match key.code {
            KeyCode::Esc => return FormKey::Cancel,
            KeyCode::Enter => return FormKey::Submit,
            KeyCode::Tab | KeyCode::Down => self.field = (self.field + 1) % n,
            KeyCode::BackTab | KeyCode::Up => self.field = (self.field + n - 1) % n,
            KeyCode::Left | KeyCode::Right if self.current().is_choice() => {
                self.cycle(key.code == KeyCode::Right)
            }
            KeyCode::Char(' ') if self.current().is_choice() => self.cycle(true),
            KeyCode::Char(c) if self.current().is_choice() => {
                match (self.current(), c.to_ascii_lowercase()) {
                    (Field::Sex, 'l' | 'm') => self.sex = Some(Sex::L),
                    (Field::Sex, 'p' | 'f') => self.sex = Some(Sex::P),
                    (Field::Jkn, 'y') => self.jkn = true,
                    (Field::Jkn, 't' | 'n') => self.jkn = false,
                    _ => return FormKey::Ignored,
                }
            }
            KeyCode::Backspace => {
                if self.text_mut().and_then(|t| t.pop()).is_none() {
                    return FormKey::Ignored;
                }
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                let field = self.current();
                let Some(text) = self.text_mut() else {
                    return FormKey::Ignored;
                };
                if text.chars().count() >= 80 || (field == Field::Nik && !c.is_ascii_digit()) {
                    return FormKey::Ignored;
                }
                text.push(c);
                if field == Field::Nik {
                    self.prefill_from_nik(roster);
                }
            }
            _ => return FormKey::Ignored,
        }
        FormKey::Changed
    }

    /// The person, if every required field is valid, and every note worth showing.
    pub fn check(&self, roster: &Roster, lang: Lang) -> (Option<Person>, Vec<Note>) {
        let mut notes = Vec::new();
        let mut note = |field, severity, text: String| {
            notes.push(Note {
                field,
                severity,
                text,
            })
        };
        // The person's fields go through the same check as an import row and `kpps fill`
        // (`PersonDraft`), beside the field, before anything is sent.
        let draft = PersonDraft {
            nama: &self.name,
            nik: &self.nik,
            tanggal_lahir: &self.birth,
            jenis_kelamin: match self.sex {
                Some(Sex::L) => "L",
                Some(Sex::P) => "P",
                None => "",
            },
            telepon: &self.phone,
            skrining: match self.screening {
                Screening::NotAtRisk => "tidak berisiko",
                Screening::AtRisk => "berisiko",
                Screening::NotScreened => "belum",
            },
            jkn: if self.jkn { "ya" } else { "tidak" },
        };
        let (person, issues) = match draft.validate(&roster.params, &roster.region) {
            Ok(checked) => (Some(checked.person), checked.warnings),
            Err(issues) => (None, issues),
        };
        for issue in &issues {
            let field = match issue.field {
                PersonField::Nama => Field::Name,
                PersonField::Nik => Field::Nik,
                PersonField::TanggalLahir => Field::BirthDate,
                PersonField::JenisKelamin => Field::Sex,
                PersonField::Telepon => Field::Phone,
                PersonField::Skrining => Field::Screening,
                PersonField::Jkn => Field::Jkn,
            };
            note(field, issue.severity(), lang.field_issue_short(issue));
        }
        // Not the person's: the appointment's berita acara number, held to the text rules.
        if let Err(e) = freetext::clean(TextField::BeritaAcara, &self.berita_acara) {
            note(
                Field::BeritaAcara,
                Severity::Error,
                lang.text_problem_short(&e.problem),
            );
        }
        // Not a field's either: a NIK already registered anywhere cannot be appointed.
        if let Ok(nik) = Nik::parse(&self.nik) {
            if let Some(at) = roster.locate_nik(nik) {
                note(
                    Field::Nik,
                    Severity::Error,
                    lang.refusal(
                        &crate::domain::Refusal::NikInUse { nik, at },
                        &roster.region,
                    ),
                );
            }
        }
        let blocked = notes.iter().any(|n| n.severity == Severity::Error);
        let Some(person) = person else {
            return (None, notes);
        };
        for flag in person.health_flags() {
            let field = if flag == crate::domain::HealthFlag::NoJkn {
                Field::Jkn
            } else {
                Field::Screening
            };
            notes.push(Note {
                field,
                severity: Severity::Warning,
                text: lang.health_flag(flag).into(),
            });
        }
        ((!blocked).then_some(person), notes)
    }
}
