//! Writing roster and reserve files: the import format, in tree order, with text a
//! spreadsheet would run as a formula behind a `'` (taken off again on import).

use std::borrow::Cow;
use std::io::Write;

use super::{RESERVE_COLUMNS, ROSTER_COLUMNS, STATUS_ABSENT, STATUS_PRESENT};
use crate::domain::{KelurahanId, Person, Roster, Screening, Sex};

/// Writes every seated officer as a roster file, in tree order. Returns the rows written.
pub fn export_roster(roster: &Roster, out: &mut dyn Write) -> std::io::Result<usize> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(ROSTER_COLUMNS)?;
    let mut n = 0;
    for t in roster.region.tps_ids() {
        let addr = roster.region.address(t);
        let number = addr.number.to_string();
        for (i, holder) in roster.seats_of(t).iter().enumerate() {
            let Some(h) = holder else { continue };
            let p = &h.person;
            let seat = (i + 1).to_string();
            let f = person_fields(p);
            let [name, nik, birth, sex, phone, screening, jkn] =
                f.each_ref().map(|c| -> &str { c });
            w.write_record([
                addr.kelurahan_code.as_str(),
                number.as_str(),
                seat.as_str(),
                name,
                nik,
                birth,
                sex,
                phone,
                screening,
                jkn,
                if h.absent {
                    STATUS_ABSENT
                } else {
                    STATUS_PRESENT
                },
            ])?;
            n += 1;
        }
    }
    w.flush()?;
    Ok(n)
}

/// Writes every kelurahan's reserve list as a reserve file, in tree and rank order.
pub fn export_reserves(roster: &Roster, out: &mut dyn Write) -> std::io::Result<usize> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(RESERVE_COLUMNS)?;
    let mut n = 0;
    for (k, kel) in roster.region.kelurahan.iter().enumerate() {
        for r in roster.reserves(KelurahanId(k as u32)) {
            let rank = r.rank.to_string();
            let tps = r
                .tps
                .map(|t| roster.region.tps(t).number.to_string())
                .unwrap_or_default();
            let f = person_fields(&r.person);
            let [name, nik, birth, sex, phone, screening, jkn] =
                f.each_ref().map(|c| -> &str { c });
            w.write_record([
                kel.code.as_str(),
                rank.as_str(),
                name,
                nik,
                birth,
                sex,
                phone,
                screening,
                jkn,
                tps.as_str(),
            ])?;
            n += 1;
        }
    }
    w.flush()?;
    Ok(n)
}

/// A person's file fields: nama, nik, tanggal_lahir, jenis_kelamin, telepon, skrining, jkn.
fn person_fields(p: &Person) -> [Cow<'_, str>; 7] {
    [
        formula_safe(p.name.as_str()),
        Cow::Owned(p.nik.to_string()),
        Cow::Owned(p.birth_date.format("%Y-%m-%d").to_string()),
        Cow::Borrowed(match p.sex {
            Sex::L => "L",
            Sex::P => "P",
        }),
        formula_safe(p.phone.as_deref().unwrap_or("")),
        Cow::Borrowed(match p.screening {
            Screening::NotAtRisk => "tidak berisiko",
            Screening::AtRisk => "berisiko",
            Screening::NotScreened => "belum",
        }),
        Cow::Borrowed(if p.jkn { "ya" } else { "tidak" }),
    ]
}

/// Spreadsheets run a cell that starts with `=`, `+`, `-`, `@` (or tab/CR) as a formula: such
/// text is exported behind a `'`, which spreadsheets show as text and `import` takes off
/// again (see `from_formula_safe`), so export → import → export is the identity.
pub fn formula_safe(text: &str) -> Cow<'_, str> {
    if needs_quote(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The text `formula_safe` was given.
pub fn from_formula_safe(field: &str) -> &str {
    match field.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => field,
    }
}

/// Starts like a formula, or like a quoted one (so a leading `'` of the data survives).
fn needs_quote(text: &str) -> bool {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => true,
        Some('\'') => needs_quote(&text[1..]),
        _ => false,
    }
}
