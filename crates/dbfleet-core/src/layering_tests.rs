//! The engine's modules import down the staircase only: `engine` → `driver` → `catalog` →
//! `config`, with `dialect`, `human` and `suggest` below them all. An import that runs
//! back up makes a circle, and a circle is where a newcomer no longer knows which module
//! owns what; this test reads the sources and fails on one.

use std::path::Path;

/// Each top-level module, and the modules it may not name with `crate::`.
const RULES: &[(&str, &[&str])] = &[
    ("config", &["catalog", "driver", "engine", "lint"]),
    ("catalog", &["driver", "engine", "lint"]),
    ("lint", &["config", "driver", "engine"]),
    ("driver", &["engine"]),
    ("dialect.rs", &["config", "catalog", "driver", "engine"]),
    ("format.rs", &["config", "catalog", "driver", "engine"]),
    ("human.rs", &["config", "catalog", "driver", "engine"]),
    ("suggest.rs", &["config", "catalog", "driver", "engine"]),
];

/// The module names `code` reaches through `crate::`, comments left out.
fn named(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or("");
        for (at, _) in line.match_indices("crate::") {
            let rest = &line[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.push(name);
        }
    }
    names
}

fn files(path: &Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            files(&entry.unwrap().path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_owned());
    }
}

#[test]
fn no_module_imports_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for (module, forbidden) in RULES {
        let mut sources = Vec::new();
        files(&src.join(module), &mut sources);
        assert!(!sources.is_empty(), "no source for the rule on {module}");
        for file in sources {
            let code = std::fs::read_to_string(&file).unwrap();
            for name in named(&code) {
                if forbidden.contains(&name.as_str()) {
                    wrong.push(format!("{} names crate::{name}", file.display()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports up the staircase:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn imports_are_read_and_comments_are_not() {
    assert_eq!(named("use crate::driver::{self, Access};"), ["driver"]);
    assert_eq!(
        named("let x = crate::engine::f(crate::config::g());"),
        ["engine", "config"]
    );
    assert!(named("// crate::engine in a comment").is_empty());
}
