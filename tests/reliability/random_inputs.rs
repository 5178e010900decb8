//! Seeded random input for the SQL splitter and the config loader, bounded and
//! deterministic (the fuzz targets in `fuzz/` do the same without bounds, on nightly).
//! Inputs are real files of the repository — migrations of every dialect and format, the
//! demo and seed configs — mutated by inserting the tokens each scanner reacts to,
//! deleting, duplicating and cutting spans. Neither may panic; the splitter's statements
//! must be pieces of the input, in order, leaving only blanks, `;` and comments between
//! them, each starting on the line it reports.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use dbfleet_core::catalog::split_statements;
use dbfleet_core::config::Config;
use dbfleet_core::dialect::Dialect;

use crate::rng::{self, Rng};

const SQL_TOKENS: &[&str] = &[
    "'",
    "''",
    "\"",
    "`",
    "$$",
    "$body$",
    "$b$",
    "$",
    "/*",
    "*/",
    "--",
    "#",
    "\n",
    "\r\n",
    ";",
    " ",
    "\\",
    "\\'",
    "E'",
    "BEGIN",
    "END",
    "END;",
    "CASE",
    "BEGIN ATOMIC",
    "CREATE TRIGGER t ",
    "CREATE OR REPLACE FUNCTION f() ",
    "DELIMITER //",
    "//",
    "é",
    "😀",
    "\t",
    "\0",
    "[",
    "]",
];

const YAML_TOKENS: &[&str] = &[
    ":",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "<<: *a",
    "${",
    "}",
    "${X:-",
    "$$",
    "\t",
    "\"",
    "'",
    "|",
    ">-",
    "#",
    "\n",
    "\n  ",
    "\n    ",
    "~",
    "null",
    "-1",
    "99999999999",
    "1e400",
    "true",
    "!!binary ",
    "? ",
    "%YAML 1.2\n",
    "---\n",
    "...\n",
    "é",
    "😀",
    "\r",
    "\0",
    "password: hunter2\n",
    "depends_on: [",
    "url: postgres://u:p@h:x/d\n",
    "session:\n  a: ",
    // Multi-byte text where the excerpt under a YAML error cuts lines, and the line
    // breaks YAML knows beyond `\n` (NEL, LINE SEPARATOR) and a BOM.
    "消",
    " 消",
    "\n 消",
    "é: ",
    "e\u{301}",
    "\u{85}",
    "\u{2028}",
    "\u{feff}",
];

/// Files of the repository with `suffix`, up to `limit`, sorted (a fixed corpus).
fn corpus(dirs: &[&str], suffix: &str, limit: usize) -> Vec<String> {
    fn walk(dir: &Path, suffix: &str, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, suffix, out);
            } else if path.to_string_lossy().ends_with(suffix) {
                out.push(path);
            }
        }
    }
    let root = crate::common::repo_root();
    let mut paths = Vec::new();
    for dir in dirs {
        walk(&root.join(dir), suffix, &mut paths);
    }
    paths.sort();
    paths.truncate(limit);
    paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

/// The char boundary at or before `at`.
fn boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `text` with 1 to 8 random edits.
fn mutate(rng: &mut Rng, text: &str, tokens: &[&'static str]) -> String {
    let mut out = text.to_owned();
    for _ in 0..=rng.below(8) {
        let len = out.len() as u64 + 1;
        let at = boundary(&out, rng.below(len) as usize);
        match rng.below(10) {
            0..=5 => {
                let token = rng.pick::<&str>(tokens);
                out.insert_str(at, token);
            }
            6 => {
                let end = boundary(&out, at + rng.below(40) as usize);
                out.replace_range(at..end, "");
            }
            7 => {
                let end = boundary(&out, at + rng.below(60) as usize);
                let span = out[at..end].to_owned();
                out.insert_str(end, &span);
            }
            8 => out.truncate(at),
            _ => {
                let end = boundary(&out, at + rng.below(20) as usize);
                let span: String = out[at..end].chars().rev().collect();
                out.replace_range(at..end, &span);
            }
        }
    }
    out
}

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// The statements are the input's own text, in order, with nothing but blanks, `;` and
/// comments left between and around them.
fn check_cover(
    input: &str,
    dialect: Dialect,
    statements: &[dbfleet_core::catalog::Statement],
) -> Result<(), String> {
    let mut pos = 0;
    let mut gaps = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        if s.sql.trim().is_empty() {
            return Err(format!("statement {} is empty", i + 1));
        }
        // The first copy of the text on the line the statement reports (a short statement
        // can also appear earlier, inside a comment).
        let spans = |start: usize| (line_at(input, start), line_at(input, start + s.sql.len()));
        let Some(start) = input[pos..]
            .match_indices(s.sql.as_str())
            .map(|(found, _)| pos + found)
            .find(|start| {
                let (first, last) = spans(*start);
                first <= s.line && s.line <= last
            })
        else {
            return Err(format!(
                "statement {} is not in the input after byte {pos} on its line {}: {:?}",
                i + 1,
                s.line,
                s.sql
            ));
        };
        gaps.push(&input[pos..start]);
        pos = start + s.sql.len();
    }
    gaps.push(&input[pos..]);
    for gap in gaps {
        // MySQL's `DELIMITER //` lines are the splitter's, and `//` then ends statements.
        let gap: String = if dialect == Dialect::Mysql {
            gap.lines()
                .filter(|l| !l.trim_start().to_ascii_uppercase().starts_with("DELIMITER"))
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            gap.to_owned()
        };
        let ends =
            |c: char| c.is_whitespace() || c == ';' || (dialect == Dialect::Mysql && c == '/');
        let rest = gap.trim_matches(ends);
        let comment = ["--", "/*", "#", "*"].iter().any(|m| rest.starts_with(m));
        if !(rest.is_empty() || comment) {
            return Err(format!("text outside every statement: {rest:?}"));
        }
    }
    Ok(())
}

#[test]
fn random_sql_never_panics_the_splitter_and_its_statements_cover_the_input() {
    let seed = rng::seed("splitter random input");
    let rounds = rng::env_number("DBFLEET_RELIABILITY_TRIALS", 1500);
    let mut rng = Rng::new(seed);
    let files = corpus(&["migrations", "tests/fixtures/formats"], ".sql", 200);
    assert!(files.len() > 20, "the SQL corpus: {} files", files.len());
    let mut split_ok = 0;
    let mut refused = 0;
    for round in 0..rounds {
        let file = rng.pick(&files).clone();
        let input = mutate(&mut rng, &file, SQL_TOKENS);
        for dialect in Dialect::ALL {
            let result = catch_unwind(AssertUnwindSafe(|| split_statements(&input, dialect)));
            let Ok(result) = result else {
                panic!(
                    "round {round} (seed {seed:#x}): the {dialect:?} splitter panicked on {input:?}"
                );
            };
            match result {
                Ok(statements) => {
                    if let Err(e) = check_cover(&input, dialect, &statements) {
                        panic!(
                            "round {round} (seed {seed:#x}), {dialect:?}: {e}\ninput: {input:?}\n{statements:#?}"
                        );
                    }
                    split_ok += 1;
                }
                Err(e) => {
                    assert!(e.to_string().contains("unterminated"), "{e}");
                    refused += 1;
                }
            }
        }
    }
    eprintln!(
        "splitter: {rounds} random inputs × 3 dialects: {split_ok} split and covered, {refused} refused as unterminated"
    );
}

#[test]
fn random_yaml_never_panics_the_config_loader() {
    let seed = rng::seed("config loader random input");
    let rounds = rng::env_number("DBFLEET_RELIABILITY_TRIALS", 1500);
    let mut rng = Rng::new(seed ^ 0xc0f1);
    let mut files = corpus(&["tests/fixtures"], ".yaml", 20);
    files.push(std::fs::read_to_string(crate::common::repo_root().join("config.yaml")).unwrap());
    let env = |name: &str| (name == "X").then(|| "value".to_owned());
    let mut loaded = 0;
    let mut refused = 0;
    for round in 0..rounds {
        let file = rng.pick(&files).clone();
        let input = mutate(&mut rng, &file, YAML_TOKENS);
        let result = catch_unwind(AssertUnwindSafe(|| {
            Config::parse(Path::new("config.yaml"), &input, &env)
        }));
        let Ok(result) = result else {
            panic!("round {round} (seed {seed:#x}): the config loader panicked on {input:?}");
        };
        match result {
            Ok(_) => loaded += 1,
            Err(e) => {
                assert!(
                    !e.to_string().trim().is_empty(),
                    "round {round}: an empty error for {input:?}"
                );
                refused += 1;
            }
        }
    }
    eprintln!(
        "config loader: {rounds} random inputs: {loaded} loaded, {refused} refused with an error"
    );
}
