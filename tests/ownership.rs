//! Whose files kpps writes. root running kpps on a store another user owns must not leave
//! root-owned files in it (sled rewrites files on every open); an export must not write
//! through a symbolic link or into another user's file. These need root (to hand files to
//! `nobody`); elsewhere they say they were skipped.

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

use common::{kpps, report_skipped, stdout};

const NOBODY: u32 = 65534;
const NOGROUP: u32 = 65534;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn chown_tree(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid)).unwrap();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            chown_tree(&entry.unwrap().path(), uid, gid);
        }
    }
}

/// Files (and directories) under `path` owned by root.
fn owned_by_root(path: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if std::fs::symlink_metadata(path).unwrap().uid() == 0 {
        out.push(path.display().to_string());
    }
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            out.extend(owned_by_root(&entry.unwrap().path()));
        }
    }
    out
}

#[test]
fn root_leaves_no_root_owned_file_in_another_users_store() {
    if !is_root() {
        report_skipped("root_leaves_no_root_owned_file", "needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let db = dir.path().join("store");
    stdout(&kpps(&db, &["demo"]));
    chown_tree(&db, NOBODY, NOGROUP);
    let out = kpps(&db, &["--lang", "en", "check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("belongs to user nobody"), "{err}");
    assert_eq!(owned_by_root(&db), Vec::<String>::new());
    // The command it gives (the runuser form: sudo may not be installed) works, and
    // leaves the store nobody's.
    let line = err
        .lines()
        .find_map(|l| l.split("runuser ").nth(1))
        .expect("a runuser command")
        .trim_end_matches(')');
    let words: Vec<&str> = line.split(' ').collect();
    assert_eq!(words[..3], ["-u", "nobody", "--"], "runs as nobody: {line}");
    assert_eq!(
        words[4..],
        ["--db", db.to_str().unwrap(), "--lang", "en", "check"]
    );
    let out = Command::new("runuser").args(&words).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("OK"));
    assert_eq!(owned_by_root(&db), Vec::<String>::new());
}

#[test]
fn an_export_never_writes_through_a_link_or_into_another_users_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store");
    stdout(&kpps(&db, &["demo"]));
    let export = |out: &Path| {
        kpps(
            &db,
            &[
                "--lang",
                "en",
                "export",
                "roster",
                "--out",
                out.to_str().unwrap(),
            ],
        )
    };

    // A link planted where the export goes, pointing at a file of the victim's.
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "the victim's own data\n").unwrap();
    let link = dir.path().join("roster.csv");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let out = export(&link);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("is a symbolic link"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "the victim's own data\n"
    );
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());

    // An existing file of another user.
    if is_root() {
        let theirs = dir.path().join("theirs.csv");
        std::fs::write(&theirs, "theirs\n").unwrap();
        std::os::unix::fs::chown(&theirs, Some(NOBODY), Some(NOGROUP)).unwrap();
        let out = export(&theirs);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("belongs to uid 65534"), "{err}");
        assert_eq!(std::fs::read_to_string(&theirs).unwrap(), "theirs\n");
        assert_eq!(std::fs::metadata(&theirs).unwrap().uid(), NOBODY);
    } else {
        report_skipped(
            "an_export_never_writes_into_another_users_file",
            "needs root",
        );
    }

    // A new file, then one's own file again: written whole, private, nothing left beside.
    let mine = dir.path().join("mine.csv");
    for _ in 0..2 {
        let out = export(&mine);
        assert!(out.status.success(), "{out:?}");
        let text = std::fs::read_to_string(&mine).unwrap();
        assert_eq!(text.lines().count(), 1 + 32_773);
        assert_eq!(std::fs::metadata(&mine).unwrap().mode() & 0o777, 0o600);
    }
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert_eq!(names, Vec::<String>::new(), "no temporary file left");
}
