//! One check of a new person on the three roads in: a roster file (`kpps import roster`),
//! `kpps fill` with person flags, and the TUI's direct-appointment form. The same values get
//! the same verdict and, where the road names the field its own way (a column, a flag, a
//! label beside the field), the same reason; a number that lost its leading 0 is stored the
//! same way by all three.

mod common;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use common::{kpps, stdout};
use kpps::domain::draft::{FieldIssue, PersonDraft, PersonField};
use kpps::domain::{ElectionParams, Nik, Severity, Sex, TpsId};
use kpps::io::region_csv::palembang;
use kpps::store::Store;
use kpps::text::{Label, Lang};
use kpps::tui::app::Overlay;
use kpps::tui::form::Field;
use kpps::tui::session::Session;
use kpps::tui::App;

const HEADER: &str =
    "kelurahan_code,tps,kpps,nama,nik,tanggal_lahir,jenis_kelamin,telepon,skrining,jkn";

/// A person as typed on every road. Screening and JKN are choices in the form, so every
/// case keeps them valid; bad values for them are checked on the two roads that take text.
#[derive(Clone, Debug)]
struct Case {
    nama: String,
    nik: String,
    birth: String,
    /// `L` or `P` (the form picks with a key).
    sex: &'static str,
    phone: String,
}

impl Case {
    fn draft(&self) -> PersonDraft<'_> {
        PersonDraft {
            nama: &self.nama,
            nik: &self.nik,
            tanggal_lahir: &self.birth,
            jenis_kelamin: self.sex,
            telepon: &self.phone,
            skrining: "tidak berisiko",
            jkn: "ya",
        }
    }
}

fn nik(born: &str, sex: Sex, serial: u16) -> String {
    let birth = NaiveDate::parse_from_str(born, "%Y-%m-%d").unwrap();
    Nik::compose(167101, birth, sex, serial).to_string()
}

/// A clean case: Siti, born 1990-08-17, NIK to match, a mobile number.
fn siti(serial: u16) -> Case {
    Case {
        nama: "Siti Aminah".into(),
        nik: nik("1990-08-17", Sex::P, serial),
        birth: "17-08-1990".into(),
        sex: "P",
        phone: "0812 3456 7890".into(),
    }
}

fn init(dir: &Path, name: &str) -> PathBuf {
    let db = dir.join(name);
    stdout(&kpps(&db, &["init"]));
    db
}

/// The first TPS of the tree and its Ketua seat: where `n` lands in an empty store.
fn target() -> (String, u8) {
    (palembang().address(TpsId(0)).to_string(), 1)
}

/// Road 1: a roster file with the person in one row. (exit ok, stderr)
fn by_file(dir: &Path, db: &Path, c: &Case, dry_run: bool) -> (bool, String) {
    let (addr, seat) = target();
    let (kel, tps) = addr.split_once('/').unwrap();
    let file = dir.join("one.csv");
    let row = [
        kel,
        tps,
        &seat.to_string(),
        &c.nama,
        &c.nik,
        &c.birth,
        c.sex,
        &c.phone,
        "tidak berisiko",
        "ya",
    ];
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER.split(',')).unwrap();
    w.write_record(row).unwrap();
    std::fs::write(&file, w.into_inner().unwrap()).unwrap();
    let mut args = vec!["import", "roster", file.to_str().unwrap()];
    if dry_run {
        args.push("--dry-run");
    }
    let out = kpps(db, &args);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Road 2: `kpps fill` with person flags. (exit ok, stderr)
fn by_flags(db: &Path, c: &Case) -> (bool, String) {
    let (addr, seat) = target();
    let seat = seat.to_string();
    let mut args = vec![
        "fill",
        "--tps",
        &addr,
        "--seat",
        &seat,
        "--nama",
        &c.nama,
        "--nik",
        &c.nik,
        "--tanggal-lahir",
        &c.birth,
        "--jenis-kelamin",
        c.sex,
    ];
    if !c.phone.is_empty() {
        args.extend(["--telepon", c.phone.as_str()]);
    }
    let out = kpps(db, &args);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Road 3: the form, typed key by key: `n` (first empty seat), `p`, the fields, Enter, and
/// `y` if it got as far as the confirmation. (recorded, status line, screen)
fn by_form(db: &Path, c: &Case) -> (bool, Option<String>, String) {
    let store = Store::open(db, "pps").unwrap();
    let roster = store.load().unwrap();
    let mut s = Session::new(App::with_port(roster, Lang::Id, Box::new(store)), 120, 40);
    s.keys("np");
    let Overlay::Form(form) = &s.app.overlay else {
        panic!("no form: {:?}", s.app.status)
    };
    assert_eq!((form.tps, form.seat), (TpsId(0), target().1));
    // A valid NIK prefills the birth date and sex: clear the date and type it as given.
    let sex_key = if c.sex == "L" { "l" } else { "p" };
    s.keys(&format!(
        "{}<tab>{}<tab>{}{}<tab>{sex_key}<tab>{}",
        c.nama,
        c.nik,
        "<bs>".repeat(12),
        c.birth,
        c.phone
    ));
    let screen = s.screen().join("\n");
    s.keys("<enter>");
    let recorded = if matches!(s.app.overlay, Overlay::Confirm { .. }) {
        s.keys("y");
        true
    } else {
        assert!(matches!(s.app.overlay, Overlay::Form(_)), "the form stays");
        false
    };
    let status = s.app.status.clone();
    drop(s);
    wait_until_unlocked(db);
    (recorded, status, screen)
}

/// Waits until nothing holds the store's lock (a child forked by another test thread while
/// this one had the store open holds a copy until it execs).
fn wait_until_unlocked(db: &Path) {
    common::wait_for("the store's lock", || {
        let lock = std::fs::File::open(db.join("kpps.lock")).unwrap();
        // SAFETY: flock on a valid, owned descriptor (closed, and unlocked, on return).
        unsafe {
            libc::flock(
                std::os::unix::io::AsRawFd::as_raw_fd(&lock),
                libc::LOCK_EX | libc::LOCK_NB,
            ) == 0
        }
    });
}

fn form_label(f: PersonField) -> &'static str {
    let field = match f {
        PersonField::Nama => Field::Name,
        PersonField::Nik => Field::Nik,
        PersonField::TanggalLahir => Field::BirthDate,
        PersonField::JenisKelamin => Field::Sex,
        PersonField::Telepon => Field::Phone,
        PersonField::Skrining => Field::Screening,
        PersonField::Jkn => Field::Jkn,
    };
    field.label(Lang::Id)
}

/// The phone of the one officer in an exported roster.
fn exported_phone(db: &Path) -> String {
    let export = stdout(&kpps(db, &["export", "roster"]));
    let mut rdr = csv::Reader::from_reader(export.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{export}");
    rows[0][7].to_string()
}

#[test]
fn the_three_roads_refuse_the_same_people_for_the_same_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path(), "s");
    let params = ElectionParams::default();
    let region = palembang();
    let young = Case {
        nik: nik("2007-08-17", Sex::L, 5),
        birth: "17-08-2007".into(),
        sex: "L",
        ..siti(5)
    };
    let cases: Vec<(&str, Case)> = vec![
        (
            "bad date",
            Case {
                birth: "1990/08/17".into(),
                ..siti(1)
            },
        ),
        (
            "empty name",
            Case {
                nama: "".into(),
                ..siti(2)
            },
        ),
        (
            "bidi name",
            Case {
                nama: "Ahmad \u{202e}ilA".into(),
                ..siti(3)
            },
        ),
        (
            "short NIK",
            Case {
                nik: siti(4).nik[1..].to_string(),
                ..siti(4)
            },
        ),
        ("under age", young),
        (
            "two phones",
            Case {
                phone: "0812/0813".into(),
                ..siti(6)
            },
        ),
        (
            "foreign phone",
            Case {
                phone: "+1 555 123 4567".into(),
                ..siti(7)
            },
        ),
        (
            "62 without +",
            Case {
                phone: "62711352123".into(),
                ..siti(8)
            },
        ),
        (
            "short phone",
            Case {
                phone: "0812345".into(),
                ..siti(9)
            },
        ),
        (
            "long phone",
            Case {
                phone: "0812 3456 7890 12".into(),
                ..siti(10)
            },
        ),
        (
            "landline lost 0",
            Case {
                phone: "711352123".into(),
                ..siti(11)
            },
        ),
    ];
    let before = stdout(&kpps(&db, &["log", "--format", "json"]));
    for (what, c) in &cases {
        let issues: Vec<FieldIssue> = c.draft().validate(&params, &region).unwrap_err();
        let errors: Vec<&FieldIssue> = issues
            .iter()
            .filter(|i| i.severity() == Severity::Error)
            .collect();
        assert!(!errors.is_empty(), "{what}");

        let (ok, err) = by_file(dir.path(), &db, c, true);
        assert!(!ok, "{what}: the file was accepted");
        for e in &errors {
            let line = format!(":2: {}", Lang::Id.field_issue(e, Label::Column));
            assert!(err.contains(&line), "{what}: {line:?} not in\n{err}");
        }

        let (ok, err) = by_flags(&db, c);
        assert!(!ok, "{what}: kpps fill accepted it");
        for e in &errors {
            let text = Lang::Id.field_issue(e, Label::Flag);
            assert!(err.contains(&text), "{what}: {text:?} not in\n{err}");
        }

        let (recorded, status, _) = by_form(&db, c);
        assert!(!recorded, "{what}: the form recorded it");
        let first = errors[0];
        assert_eq!(
            status.as_deref(),
            Some(
                format!(
                    "{}: {}",
                    form_label(first.field),
                    Lang::Id.field_issue_short(first)
                )
                .as_str()
            ),
            "{what}"
        );
    }
    assert_eq!(
        stdout(&kpps(&db, &["log", "--format", "json"])),
        before,
        "nothing was recorded"
    );

    // Values only the two text roads can carry (the form offers these as choices).
    for (what, column, value) in [("sex", 6, "X"), ("screening", 8, "sehat"), ("jkn", 9, "y")] {
        let c = siti(20);
        let draft = PersonDraft {
            jenis_kelamin: if column == 6 { value } else { c.sex },
            skrining: if column == 8 { value } else { "tidak berisiko" },
            jkn: if column == 9 { value } else { "ya" },
            ..c.draft()
        };
        let issues = draft.validate(&params, &region).unwrap_err();
        assert_eq!(issues.len(), 1, "{what}");
        let (addr, seat) = target();
        let (kel, tps) = addr.split_once('/').unwrap();
        let file = dir.path().join("choice.csv");
        std::fs::write(
            &file,
            format!(
                "{HEADER}\n{kel},{tps},{seat},{},{},{},{},{},{},{}\n",
                c.nama, c.nik, c.birth, draft.jenis_kelamin, c.phone, draft.skrining, draft.jkn
            ),
        )
        .unwrap();
        let out = kpps(&db, &["import", "roster", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{what}");
        let text = Lang::Id.field_issue(&issues[0], Label::Column);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(&format!(":2: {text}")),
            "{what}: {text}"
        );
        let seat = seat.to_string();
        let out = kpps(
            &db,
            &[
                "fill",
                "--tps",
                &addr,
                "--seat",
                &seat,
                "--nama",
                &c.nama,
                "--nik",
                &c.nik,
                "--tanggal-lahir",
                &c.birth,
                "--jenis-kelamin",
                draft.jenis_kelamin,
                "--skrining",
                draft.skrining,
                "--jkn",
                draft.jkn,
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{what}");
        let text = Lang::Id.field_issue(&issues[0], Label::Flag);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(&text),
            "{what}: {text}"
        );
    }
}

#[test]
fn the_three_roads_store_a_phone_number_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    for (i, (phone, stored, zero_lost)) in [
        ("+62 812-3456-7890", "081234567890", false),
        ("62 812 3456 7890", "081234567890", false),
        ("81234567890", "081234567890", true),
        ("(0711) 352123", "0711352123", false),
    ]
    .into_iter()
    .enumerate()
    {
        let c = Case {
            phone: phone.into(),
            ..siti(1)
        };
        let checked = c
            .draft()
            .validate(&ElectionParams::default(), &palembang())
            .unwrap();
        assert_eq!(checked.person.phone.as_deref(), Some(stored));
        assert_eq!(checked.warnings.len(), zero_lost as usize, "{phone}");

        let db = init(dir.path(), &format!("file{i}"));
        let (ok, err) = by_file(dir.path(), &db, &c, false);
        assert!(ok, "{phone}: {err}");
        assert_eq!(exported_phone(&db), stored, "{phone} by file");
        assert_eq!(
            err.contains("1 peringatan: 1 telepon tanpa 0 di depan (ditambahkan)"),
            zero_lost,
            "{err}"
        );

        let db = init(dir.path(), &format!("flags{i}"));
        let (ok, err) = by_flags(&db, &c);
        assert!(ok, "{phone}: {err}");
        assert_eq!(exported_phone(&db), stored, "{phone} by flags");
        assert_eq!(
            err.contains(&format!(
                "peringatan: --telepon {phone} tanpa 0 di depan (spreadsheet?); disimpan sebagai {stored}"
            )),
            zero_lost,
            "{err}"
        );

        let db = init(dir.path(), &format!("form{i}"));
        let (recorded, status, screen) = by_form(&db, &c);
        assert!(recorded, "{phone}: {status:?}");
        assert_eq!(exported_phone(&db), stored, "{phone} by form");
        assert_eq!(
            screen.contains(&format!("⚠ 0 di depan ditambahkan: {stored}")),
            zero_lost,
            "{screen}"
        );
    }
}
