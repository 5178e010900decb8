//! The console's modules import downward only: `update` and the views both read the state,
//! the messages, the layout and the model, and neither reads the other. When `update`
//! needed a number only a view knew, it imported the view, and the view imported the
//! state: a circle. These tests read the sources and fail on any import that would close
//! one again.

use std::path::{Path, PathBuf};

/// Which files may not name which console modules. A path ending in `/` is a folder.
const RULES: &[(&str, &[&str])] = &[
    ("update/", &["views"]),
    ("state.rs", &["views", "update"]),
    ("msg.rs", &["views", "update", "state"]),
    ("layout.rs", &["views", "update", "state", "msg"]),
    ("model.rs", &["views", "update", "state", "msg"]),
    ("keys.rs", &["views", "update", "state", "msg"]),
    ("theme.rs", &["views", "update", "state", "msg"]),
    ("progress.rs", &["views", "update", "state", "msg"]),
    // Views draw the state; what they share with `update` lives below both.
    ("views/", &["update"]),
];

/// Files a rule leaves alone: the snapshot tests reach their screens by calling `update`.
const EXEMPT: &[&str] = &["views/tests.rs"];

fn console_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/console")
}

/// Every `.rs` file under `dir`, as paths relative to `src/console` with `/` separators.
fn sources(dir: &Path, base: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, base, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(base).unwrap();
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn leading_ident(text: &str) -> String {
    text.trim_start()
        .chars()
        .take_while(|c| is_ident(*c))
        .collect()
}

/// The first name of each item in a `{...}` group (`text` starts after the brace).
fn group_names(text: &str) -> Vec<String> {
    let mut names = vec![leading_ident(text)];
    let mut depth = 1;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => names.push(leading_ident(&text[i + 1..])),
            _ => {}
        }
    }
    names
}

/// The modules `code` names right after `super::` or `console::`: `super::views::help`,
/// `crate::console::{keys, views}`, `super::super::views` all name `views`. Comments
/// are not code.
fn named_modules(code: &str) -> Vec<String> {
    let code: String = code
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut names = Vec::new();
    for prefix in ["super::", "console::"] {
        for (at, _) in code.match_indices(prefix) {
            if code[..at].chars().next_back().is_some_and(is_ident) {
                continue;
            }
            let rest = &code[at + prefix.len()..];
            match rest.strip_prefix('{') {
                Some(group) => names.extend(group_names(group)),
                None => names.push(leading_ident(rest)),
            }
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

#[test]
fn no_module_imports_one_above_it() {
    let dir = console_dir();
    let mut files = Vec::new();
    sources(&dir, &dir, &mut files);
    let mut wrong = Vec::new();
    for (rule, forbidden) in RULES {
        let matching: Vec<&String> = files
            .iter()
            .filter(|f| match rule.strip_suffix('/') {
                Some(folder) => f.starts_with(&format!("{folder}/")),
                None => f.as_str() == *rule,
            })
            .collect();
        // A rule that matches nothing guards nothing: a file was moved or renamed.
        assert!(!matching.is_empty(), "no file matches the rule {rule}");
        for file in matching {
            if EXEMPT.contains(&file.as_str()) {
                continue;
            }
            let code = std::fs::read_to_string(dir.join(file)).unwrap();
            for name in named_modules(&code) {
                if forbidden.contains(&name.as_str()) {
                    wrong.push(format!("src/console/{file} imports {name}"));
                }
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "imports against the console's layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_way_of_naming_a_module_is_seen() {
    let names = |code: &str| named_modules(code);
    assert_eq!(names("use super::views::help;"), ["views"]);
    assert_eq!(names("use super::super::views;"), ["super", "views"]);
    assert_eq!(
        names("use crate::console::{\n    keys::{self, Action},\n    views,\n};"),
        ["keys", "views"]
    );
    assert_eq!(
        names("let x = crate::console::views::help::f();"),
        ["views"]
    );
    assert!(names("// super::views in a comment").is_empty());
    assert!(names("let y = dbfleet_console::views::f();").is_empty());
}
