//! The gaps report in four shapes: a terminal table, CSV for a spreadsheet, JSON for
//! scripts, and a short text to paste into a chat group. Names in the table and the text go
//! through `text::safe`; CSV and JSON keep them verbatim (their formats quote them).

use serde::Serialize;

use crate::domain::gaps::{gaps, GapEntry, Scope};
use crate::domain::Roster;
use crate::text::{safe, Lang};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Text,
}

#[derive(Serialize)]
struct Totals {
    kecamatan: u32,
    kelurahan: u32,
    tps: u32,
    seats: u32,
    filled: u32,
    vacant: u32,
    tps_short: u32,
    tps_without_ketua: u32,
    flagged: u32,
}

#[derive(Serialize)]
struct JsonTps<'a> {
    kecamatan_code: &'a str,
    kecamatan: &'a str,
    kelurahan_code: &'a str,
    kelurahan: &'a str,
    tps: u16,
    address: String,
    ketua_missing: bool,
    vacant_seats: &'a [u8],
    flags: Vec<String>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    election: &'a str,
    demo: bool,
    totals: Totals,
    tps: Vec<JsonTps<'a>>,
}

fn totals(roster: &Roster, scope: Scope) -> Totals {
    let r = scope.rollup(roster);
    let (kecamatan, kelurahan) = scope.node_counts(roster);
    Totals {
        kecamatan,
        kelurahan,
        tps: r.tps,
        seats: r.seats,
        filled: r.filled(),
        vacant: r.vacant,
        tps_short: r.tps_short,
        tps_without_ketua: r.tps_without_ketua,
        flagged: r.flagged,
    }
}

/// Flags as stable codes: `3:berisiko`.
fn flag_codes(e: &GapEntry) -> Vec<String> {
    e.flags
        .iter()
        .map(|(seat, f)| format!("{seat}:{}", f.code()))
        .collect()
}

fn seats_list(seats: &[u8]) -> String {
    seats
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Names of a TPS's kecamatan and kelurahan.
fn place<'a>(roster: &'a Roster, e: &GapEntry) -> (&'a str, &'a str, &'a str, &'a str, u16) {
    let region = &roster.region;
    let tps = region.tps(e.tps);
    let kel = region.kelurahan(tps.kelurahan);
    let kec = region.kecamatan(kel.kecamatan);
    (&kec.code, &kec.name, &kel.code, &kel.name, tps.number)
}

pub fn render(roster: &Roster, scope: Scope, format: Format, lang: Lang) -> String {
    let entries = gaps(roster, scope);
    match format {
        Format::Json => {
            let tps = entries
                .iter()
                .map(|e| {
                    let (kecamatan_code, kecamatan, kelurahan_code, kelurahan, number) =
                        place(roster, e);
                    JsonTps {
                        kecamatan_code,
                        kecamatan,
                        kelurahan_code,
                        kelurahan,
                        tps: number,
                        address: roster.region.address(e.tps).to_string(),
                        ketua_missing: e.ketua_missing,
                        vacant_seats: &e.vacant_seats,
                        flags: flag_codes(e),
                    }
                })
                .collect();
            let report = JsonReport {
                election: &roster.params.name,
                demo: roster.demo,
                totals: totals(roster, scope),
                tps,
            };
            let mut s = serde_json::to_string_pretty(&report).expect("report serializes");
            s.push('\n');
            s
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let header = [
                "kecamatan_code",
                "kecamatan",
                "kelurahan_code",
                "kelurahan",
                "tps",
                "ketua_missing",
                "vacant_seats",
                "flags",
            ];
            w.write_record(header).expect("write to Vec");
            for e in &entries {
                let (kc, k, lc, l, n) = place(roster, e);
                let ketua = if e.ketua_missing { "ya" } else { "tidak" };
                w.write_record([
                    kc,
                    k,
                    lc,
                    l,
                    &n.to_string(),
                    ketua,
                    &seats_list(&e.vacant_seats),
                    &flag_codes(e).join(" "),
                ])
                .expect("write to Vec");
            }
            String::from_utf8(w.into_inner().expect("flush Vec")).expect("csv is UTF-8")
        }
        Format::Table => table(roster, scope, &entries, lang),
        Format::Text => chat_text(roster, scope, &entries, lang),
    }
}

fn scope_name(roster: &Roster, scope: Scope, lang: Lang) -> String {
    match scope {
        Scope::All => lang.t("Seluruh wilayah", "Whole region").to_string(),
        Scope::Kecamatan(k) => format!(
            "{} {}",
            lang.t("Kecamatan", "Kecamatan"),
            safe(&roster.region.kecamatan(k).name)
        ),
        Scope::Kelurahan(k) => format!(
            "{} {}",
            lang.t("Kelurahan", "Kelurahan"),
            safe(&roster.region.kelurahan(k).name)
        ),
    }
}

fn summary_line(roster: &Roster, scope: Scope, lang: Lang) -> String {
    let r = scope.rollup(roster);
    format!(
        "{}: {} TPS, {} {} {} {}, {} {}, {} {}, {} {}",
        scope_name(roster, scope, lang),
        lang.num(r.tps),
        lang.num(r.filled()),
        lang.t("dari", "of"),
        lang.num(r.seats),
        lang.t("kursi terisi", "seats filled"),
        lang.num(r.vacant),
        lang.t("kosong", "vacant"),
        lang.num(r.tps_without_ketua),
        lang.t("TPS tanpa Ketua", "TPS without Ketua"),
        lang.num(r.flagged),
        lang.t("petugas ditandai", "officers flagged"),
    )
}

fn table(roster: &Roster, scope: Scope, entries: &[GapEntry], lang: Lang) -> String {
    let mut out = String::new();
    if roster.demo {
        out.push_str(lang.t("[DATA DEMO]\n", "[DEMO DATA]\n"));
    }
    out.push_str(&summary_line(roster, scope, lang));
    out.push('\n');
    if entries.is_empty() {
        out.push_str(lang.t("Tidak ada kekurangan.\n", "No gaps.\n"));
        return out;
    }
    let headers = [
        "TPS".to_string(),
        lang.t("Kecamatan", "Kecamatan").to_string(),
        lang.t("Kelurahan", "Kelurahan").to_string(),
        lang.t("Ketua", "Ketua").to_string(),
        lang.t("Kursi kosong", "Vacant seats").to_string(),
        lang.t("Tanda", "Flags").to_string(),
    ];
    let rows: Vec<[String; 6]> = entries
        .iter()
        .map(|e| {
            let (_, kec, _, kel, _) = place(roster, e);
            let flags = e
                .flags
                .iter()
                .map(|(s, f)| format!("{s}:{}", lang.health_flag(*f)))
                .collect::<Vec<_>>()
                .join(", ");
            [
                roster.region.address(e.tps).to_string(),
                safe(kec).into_owned(),
                safe(kel).into_owned(),
                if e.ketua_missing {
                    lang.t("TIDAK ADA", "MISSING")
                } else {
                    "ok"
                }
                .to_string(),
                seats_list(&e.vacant_seats),
                flags,
            ]
        })
        .collect();
    let mut widths = headers.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String; 6]| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i == 5 {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  "));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    out.push_str(&line(&headers));
    for row in &rows {
        out.push_str(&line(row));
    }
    out
}

/// A short summary to paste into a WhatsApp group: totals and the worst TPS.
fn chat_text(roster: &Roster, scope: Scope, entries: &[GapEntry], lang: Lang) -> String {
    const SHOWN: usize = 10;
    let mut out = String::new();
    out.push_str(&format!(
        "*{} — {}*\n",
        safe(&roster.params.name),
        scope_name(roster, scope, lang)
    ));
    if roster.demo {
        out.push_str(lang.t("(data demo)\n", "(demo data)\n"));
    }
    let r = scope.rollup(roster);
    out.push_str(&format!(
        "{} {}/{} {}\n",
        lang.t("KPPS terisi", "KPPS filled"),
        lang.num(r.filled()),
        lang.num(r.seats),
        lang.t("kursi", "seats")
    ));
    out.push_str(&format!(
        "{}: {} {} {} TPS, {} TPS {}\n",
        lang.t("Kosong", "Vacant"),
        lang.num(r.vacant),
        lang.t("kursi di", "seats in"),
        lang.num(r.tps_short),
        lang.num(r.tps_without_ketua),
        lang.t("tanpa Ketua", "without Ketua"),
    ));
    let short: Vec<&GapEntry> = entries
        .iter()
        .filter(|e| !e.vacant_seats.is_empty())
        .collect();
    if short.is_empty() {
        out.push_str(lang.t("Semua kursi terisi.\n", "All seats filled.\n"));
    } else {
        out.push_str(lang.t("Paling mendesak:\n", "Most urgent:\n"));
        for e in short.iter().take(SHOWN) {
            let (_, _, _, kel, n) = place(roster, e);
            let ketua = if e.ketua_missing {
                lang.t(" (tanpa Ketua)", " (no Ketua)")
            } else {
                ""
            };
            out.push_str(&format!(
                "- TPS {n} {}{ketua}: {} {}\n",
                safe(kel),
                lang.t("kursi", "seats"),
                seats_list(&e.vacant_seats)
            ));
        }
        if short.len() > SHOWN {
            out.push_str(&format!(
                "{} {}\n",
                lang.t("…dan", "…and"),
                lang.num((short.len() - SHOWN) as u32)
            ));
        }
    }
    if r.flagged > 0 {
        out.push_str(&format!(
            "{}: {}\n",
            lang.t(
                "Petugas perlu cek kesehatan/JKN",
                "Officers needing a health/JKN check"
            ),
            lang.num(r.flagged)
        ));
    }
    out
}
