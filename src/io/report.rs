//! The gaps report in four shapes: a terminal table, CSV for a spreadsheet, JSON for
//! scripts, and a short text to paste into a chat group.
//!
//! Every shape can be narrowed to seats that are empty (`vacant_only`): no officers absent
//! today, no health flags. The JSON and the chat text name the area (`Kota Palembang`, see
//! `domain::area`) and the time the data was read, in the area's zone (WIB, WITA or WIT).
//! Names in the table and the text go through `text::safe`; CSV and JSON keep them verbatim
//! (their formats quote them).

use crate::text::tr;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::area::Area;
use crate::domain::gaps::{gaps, vacant_gaps, GapEntry, Scope};
use crate::domain::{KelurahanId, Roster};
use crate::text::clock;
use crate::text::{safe, Lang};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Text,
}

/// How a report is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub format: Format,
    pub lang: Lang,
    /// Only seats with no holder: leave out officers absent today and health flags.
    pub vacant_only: bool,
    /// When the data was read (the caller's clock, so tests can fix it).
    pub now: DateTime<Utc>,
}

#[derive(Serialize)]
struct Totals {
    kecamatan: u32,
    kelurahan: u32,
    tps: u32,
    seats: u32,
    filled: u32,
    /// Seats without an officer on duty: empty seats and officers absent today.
    vacant: u32,
    tps_short: u32,
    tps_without_ketua: u32,
    flagged: u32,
    /// Officers absent today (berhalangan sementara), counted in `vacant`.
    absent: u32,
}

/// The shortfall of one kelurahan, over the TPS the report lists.
#[derive(Serialize)]
struct JsonKelurahan<'a> {
    kecamatan_code: &'a str,
    kecamatan: &'a str,
    kelurahan_code: &'a str,
    kelurahan: &'a str,
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
    /// The area the scope lies in (`Kota Palembang`; see `domain::area`).
    region: &'a str,
    /// WIB, WITA or WIT.
    time_zone: &'static str,
    /// When the data was read, RFC 3339 in the area's zone.
    as_of: String,
    /// Only empty seats are listed (`tps`, `kelurahan`); `totals` is the whole roll-up.
    vacant_only: bool,
    totals: Totals,
    tps: Vec<JsonTps<'a>>,
    /// Subtotals of the listed TPS per kelurahan, in tree order.
    kelurahan: Vec<JsonKelurahan<'a>>,
}

fn totals(roster: &Roster, scope: Scope) -> Totals {
    let r = scope.rollup(roster);
    let (kecamatan, kelurahan) = scope.node_counts(roster);
    let absent = scope
        .tps_range(roster)
        .map(crate::domain::TpsId)
        .filter(|&t| roster.tps_stats(t).has_gap())
        .map(|t| {
            let seats = roster.seats_of(t);
            seats.iter().flatten().filter(|h| h.absent).count() as u32
        })
        .sum();
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
        absent,
    }
}

/// Shortfall counted over listed TPS: the whole scope, or one kelurahan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    vacant: u32,
    tps_short: u32,
    tps_without_ketua: u32,
    flagged: u32,
}

impl Tally {
    fn add(&mut self, e: &GapEntry) {
        self.vacant += e.vacant_seats.len() as u32;
        self.tps_short += !e.vacant_seats.is_empty() as u32;
        self.tps_without_ketua += e.ketua_missing as u32;
        self.flagged += e.flags.len() as u32;
    }
}

/// One kelurahan's listed TPS and their tally.
struct KelurahanGaps<'e> {
    kelurahan: KelurahanId,
    tally: Tally,
    entries: Vec<&'e GapEntry>,
}

/// The listed TPS grouped by kelurahan, in tree order.
fn by_kelurahan<'e>(roster: &Roster, entries: &'e [GapEntry]) -> Vec<KelurahanGaps<'e>> {
    let mut groups: std::collections::BTreeMap<KelurahanId, KelurahanGaps<'e>> =
        std::collections::BTreeMap::new();
    for e in entries {
        let k = roster.region.kelurahan_of(e.tps);
        let g = groups.entry(k).or_insert_with(|| KelurahanGaps {
            kelurahan: k,
            tally: Tally::default(),
            entries: Vec::new(),
        });
        g.tally.add(e);
        g.entries.push(e);
    }
    groups.into_values().collect()
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

pub fn render(roster: &Roster, scope: Scope, opts: &Options) -> String {
    let entries = if opts.vacant_only {
        vacant_gaps(roster, scope)
    } else {
        gaps(roster, scope)
    };
    match opts.format {
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
            let area = Area::of(&roster.region, scope);
            let kelurahan = by_kelurahan(roster, &entries)
                .into_iter()
                .map(|g| {
                    let kel = roster.region.kelurahan(g.kelurahan);
                    let kec = roster.region.kecamatan(kel.kecamatan);
                    JsonKelurahan {
                        kecamatan_code: &kec.code,
                        kecamatan: &kec.name,
                        kelurahan_code: &kel.code,
                        kelurahan: &kel.name,
                        vacant: g.tally.vacant,
                        tps_short: g.tally.tps_short,
                        tps_without_ketua: g.tally.tps_without_ketua,
                        flagged: g.tally.flagged,
                    }
                })
                .collect();
            let report = JsonReport {
                election: &roster.params.name,
                demo: roster.demo,
                region: &area.name,
                time_zone: area.time_zone.abbreviation(),
                as_of: clock::local(opts.now, area.time_zone)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
                vacant_only: opts.vacant_only,
                totals: totals(roster, scope),
                tps,
                kelurahan,
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
        Format::Table => table(roster, scope, &entries, opts),
        Format::Text => chat_text(roster, scope, &entries, opts),
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

/// The counts a report's headline gives: the roster's own roll-up, or with `vacant_only`
/// the empty seats among the listed TPS (officers absent today count as present).
fn headline(roster: &Roster, scope: Scope, entries: &[GapEntry], vacant_only: bool) -> Tally {
    if vacant_only {
        let mut t = Tally::default();
        entries.iter().for_each(|e| t.add(e));
        t
    } else {
        let r = scope.rollup(roster);
        Tally {
            vacant: r.vacant,
            tps_short: r.tps_short,
            tps_without_ketua: r.tps_without_ketua,
            flagged: r.flagged,
        }
    }
}

fn summary_line(roster: &Roster, scope: Scope, entries: &[GapEntry], opts: &Options) -> String {
    let lang = opts.lang;
    let r = scope.rollup(roster);
    let h = headline(roster, scope, entries, opts.vacant_only);
    let mut line = format!(
        "{}: {} TPS, {} {} {} {}, {} {}, {} {}",
        scope_name(roster, scope, lang),
        lang.num(r.tps),
        lang.num(r.seats - h.vacant),
        lang.t("dari", "of"),
        lang.num(r.seats),
        lang.t("kursi terisi", "seats filled"),
        lang.num(h.vacant),
        lang.t("kosong", "vacant"),
        lang.num(h.tps_without_ketua),
        lang.t("TPS tanpa Ketua", "TPS without Ketua"),
    );
    if opts.vacant_only {
        line.push_str(&format!(" ({})", vacant_only_note(lang)));
    } else {
        line.push_str(&format!(
            ", {} {}",
            lang.num(h.flagged),
            lang.t("petugas ditandai", "officers flagged"),
        ));
    }
    line
}

/// Says that officers absent today and health flags are left out.
fn vacant_only_note(lang: Lang) -> &'static str {
    lang.t("hanya kursi kosong", "empty seats only")
}

fn table(roster: &Roster, scope: Scope, entries: &[GapEntry], opts: &Options) -> String {
    let lang = opts.lang;
    let mut out = String::new();
    if roster.demo {
        out.push_str(lang.t("[DATA DEMO]\n", "[DEMO DATA]\n"));
    }
    out.push_str(&summary_line(roster, scope, entries, opts));
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

/// A short summary to paste into a WhatsApp group: the area and the time of the data, the
/// totals, then the kelurahan short of officers (most urgent first), each with its subtotal
/// and its TPS. Kept under 20 lines whatever the region's size: the first kelurahan are
/// listed, the rest summed in one line.
fn chat_text(roster: &Roster, scope: Scope, entries: &[GapEntry], opts: &Options) -> String {
    /// Kelurahan listed by name, and TPS named within one kelurahan's line.
    const KELURAHAN_SHOWN: usize = 10;
    const TPS_SHOWN: usize = 4;
    let lang = opts.lang;
    let region = &roster.region;
    let area = Area::of(region, scope);
    let mut out = String::new();
    out.push_str(&format!(
        "*{} — {}*\n",
        safe(&roster.params.name),
        area.name
    ));
    out.push_str(&format!(
        "{} · {}",
        scope_name(roster, scope, lang),
        lang.as_of(opts.now, area.time_zone)
    ));
    if opts.vacant_only {
        out.push_str(&format!(" · {}", vacant_only_note(lang)));
    }
    out.push('\n');
    if roster.demo {
        out.push_str(lang.t("(data demo)\n", "(demo data)\n"));
    }
    let r = scope.rollup(roster);
    let h = headline(roster, scope, entries, opts.vacant_only);
    out.push_str(&format!(
        "{} {}/{} {}\n",
        lang.t("KPPS terisi", "KPPS filled"),
        lang.num(r.seats - h.vacant),
        lang.num(r.seats),
        lang.t("kursi", "seats")
    ));
    out.push_str(&format!(
        "{}: {} {} {} TPS, {} TPS {}\n",
        lang.t("Kekurangan", "Vacant"),
        lang.num(h.vacant),
        lang.t("kursi di", "seats in"),
        lang.num(h.tps_short),
        lang.num(h.tps_without_ketua),
        lang.t("tanpa Ketua", "without Ketua"),
    ));
    let mut short: Vec<KelurahanGaps> = by_kelurahan(roster, entries)
        .into_iter()
        .filter(|g| g.tally.vacant > 0)
        .collect();
    // Most urgent first: TPS without a Ketua, then seats short; ties in tree order.
    short.sort_by_key(|g| {
        (
            std::cmp::Reverse(g.tally.tps_without_ketua),
            std::cmp::Reverse(g.tally.vacant),
            g.kelurahan,
        )
    });
    if short.is_empty() {
        out.push_str(lang.t("Semua kursi terisi.\n", "All seats filled.\n"));
    } else {
        out.push_str(lang.t("Per kelurahan:\n", "By kelurahan:\n"));
        for g in short.iter().take(KELURAHAN_SHOWN) {
            let kel = region.kelurahan(g.kelurahan);
            let name = match scope {
                Scope::All => format!(
                    "{} ({})",
                    safe(&kel.name),
                    safe(&region.kecamatan(kel.kecamatan).name)
                ),
                _ => safe(&kel.name).into_owned(),
            };
            let short_tps: Vec<&&GapEntry> = g
                .entries
                .iter()
                .filter(|e| !e.vacant_seats.is_empty())
                .collect();
            let mut tps: Vec<String> = short_tps
                .iter()
                .take(TPS_SHOWN)
                .map(|e| {
                    let ketua = if e.ketua_missing {
                        lang.t(" (tanpa Ketua)", " (no Ketua)")
                    } else {
                        ""
                    };
                    format!(
                        "TPS {}: {} {}{ketua}",
                        region.tps(e.tps).number,
                        lang.t("kursi", "seats"),
                        seats_list(&e.vacant_seats)
                    )
                })
                .collect();
            if short_tps.len() > TPS_SHOWN {
                tps.push(format!(
                    "…+{} TPS",
                    lang.num((short_tps.len() - TPS_SHOWN) as u32)
                ));
            }
            let (vacant, tps_short) = (lang.num(g.tally.vacant), lang.num(g.tally.tps_short));
            let subtotal = tr!(
                lang,
                "kekurangan {vacant} kursi di {tps_short} TPS",
                "{vacant} seats vacant in {tps_short} TPS"
            );
            out.push_str(&format!("- {name}: {subtotal} — {}\n", tps.join("; ")));
        }
        if short.len() > KELURAHAN_SHOWN {
            let mut rest = Tally::default();
            for g in &short[KELURAHAN_SHOWN..] {
                rest.vacant += g.tally.vacant;
                rest.tps_short += g.tally.tps_short;
            }
            out.push_str(&format!(
                "{} {} {}: {} {} {} TPS\n",
                lang.t("…dan", "…and"),
                lang.num((short.len() - KELURAHAN_SHOWN) as u32),
                lang.t("kelurahan lain", "other kelurahan"),
                lang.num(rest.vacant),
                lang.t("kursi di", "seats in"),
                lang.num(rest.tps_short),
            ));
        }
    }
    if !opts.vacant_only && r.flagged > 0 {
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
