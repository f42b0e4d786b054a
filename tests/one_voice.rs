//! kpps speaks two languages one way: every message is written as an Indonesian–English
//! pair (`Lang::t`, `tr!`, or `Said` built from them). A `match` on the language elsewhere
//! is how an arm ends up English-only (a guard such as `if id` falls through to English
//! without a compile error), so this test holds the rule for every source file.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn only_the_text_module_chooses_between_the_languages() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    assert!(files.len() > 50, "found only {} source files", files.len());
    // Where `Lang` itself is defined: `t`, `tr!`, `Said::get`, `other`, `num`.
    let home = root.join("src/text/mod.rs");
    let forbidden = [
        "Lang::Id =>",
        "Lang::En =>",
        "== Lang::",
        "!= Lang::",
        "if id =>",
        "let id = lang",
    ];
    let mut found = Vec::new();
    for file in files.iter().filter(|f| **f != home) {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for pattern in forbidden {
                if line.contains(pattern) {
                    found.push(format!(
                        "{}:{}: {}",
                        file.strip_prefix(root).unwrap().display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "choose the language with lang.t(id, en) or tr!(lang, id, en) instead:\n{}",
        found.join("\n")
    );
    // The rule is not vacuous: the home file does match on the language.
    let home_text = std::fs::read_to_string(&home).unwrap();
    assert!(home_text.contains("Lang::Id =>"));
}
