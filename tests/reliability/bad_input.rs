//! The bad-input corpus, `tests/bad_input/<group>/<case>/`: each case is a folder of files
//! laid over a copy of the demo fleet (a `config.yaml`, files under `migrations/`, or
//! nothing for a bad command line) and an `expect.txt`:
//!
//! ```text
//! # why the input is bad
//! args: up -d shared_service        (the command, split on whitespace)
//! code: 2                           (the exit code)
//! contains: text the output holds   (any number of them)
//! lacks: text it must never hold    (a secret in the input, say)
//! setup: up -d shared_service       (run on the demo fleet first; the default; `none`)
//! ```
//!
//! For every case: the exit code and the messages expected, no panic, and nothing changed —
//! every file under `data/` (databases, backups) byte for byte as the setup left it, and
//! no new one. The journal may gain a line: it records refusals.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::Fleet;

#[derive(Debug, Default)]
struct Expect {
    args: String,
    code: Option<i32>,
    contains: Vec<String>,
    lacks: Vec<String>,
    setup: Option<String>,
}

fn parse_expect(path: &Path) -> Result<Expect, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut expect = Expect::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!("{}:{}: no `key: value`", path.display(), i + 1));
        };
        let value = value.trim().to_owned();
        match key.trim() {
            "args" => expect.args = value,
            "code" => {
                expect.code =
                    Some(value.parse().map_err(|e| {
                        format!("{}:{}: code `{value}`: {e}", path.display(), i + 1)
                    })?);
            }
            "contains" => expect.contains.push(value),
            "lacks" => expect.lacks.push(value),
            "setup" => expect.setup = Some(value),
            other => {
                return Err(format!(
                    "{}:{}: unknown key `{other}`",
                    path.display(),
                    i + 1
                ));
            }
        }
    }
    if expect.args.is_empty() || expect.code.is_none() || expect.contains.is_empty() {
        return Err(format!(
            "{}: needs `args:`, `code:` and at least one `contains:`",
            path.display()
        ));
    }
    Ok(expect)
}

/// Every case folder, sorted.
fn cases(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for group in std::fs::read_dir(root).unwrap() {
        let group = group.unwrap().path();
        if !group.is_dir() {
            continue;
        }
        for case in std::fs::read_dir(&group).unwrap() {
            let case = case.unwrap().path();
            if case.join("expect.txt").is_file() {
                out.push(case);
            }
        }
    }
    out.sort();
    out
}

/// Copies the case's files (all but `expect.txt`) over the fleet.
fn overlay(from: &Path, base: &Path, fleet: &Fleet) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let relative = path.strip_prefix(base).unwrap();
        if path.is_dir() {
            std::fs::create_dir_all(fleet.file(&relative.to_string_lossy())).unwrap();
            overlay(&path, base, fleet);
        } else if relative != Path::new("expect.txt") {
            std::fs::copy(&path, fleet.file(&relative.to_string_lossy())).unwrap();
        }
    }
}

/// `data/` without the journal, which records refusals too.
fn untouched(fleet: &Fleet) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = fleet.data_snapshot();
    files.remove(Path::new("journal.jsonl"));
    files
}

const DEFAULT_SETUP: &str = "up -d shared_service";

/// Copies `from` (a folder) to `to`, recursively.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// `template`: a demo fleet after the default setup, whose `data/` each case copies
/// instead of running the setup again.
fn run_case(case: &Path, template: &Fleet) -> Result<(), String> {
    let expect = parse_expect(&case.join("expect.txt"))?;
    let fleet = Fleet::new();
    match expect.setup.as_deref() {
        None => copy_tree(&template.file("data"), &fleet.file("data")),
        Some("none") => {}
        Some(setup) => {
            let out = fleet.line(setup);
            if out.code != 0 {
                return Err(format!("setup failed\n{}", out.describe()));
            }
        }
    }
    overlay(case, case, &fleet);
    let before = untouched(&fleet);
    let out = fleet.line(&expect.args);
    let mut wrong = Vec::new();
    if Some(out.code) != expect.code {
        wrong.push(format!(
            "exit code {} instead of {:?}",
            out.code, expect.code
        ));
    }
    let all = out.all();
    for needle in &expect.contains {
        if !all.contains(needle.as_str()) {
            wrong.push(format!("no {needle:?} in the output"));
        }
    }
    for needle in &expect.lacks {
        if all.contains(needle.as_str()) {
            wrong.push(format!("{needle:?} is in the output"));
        }
    }
    for never in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        if all.contains(never) {
            wrong.push(format!("{never:?} in the output"));
        }
    }
    let after = untouched(&fleet);
    if before != after {
        let changed: Vec<_> = before
            .keys()
            .chain(after.keys())
            .filter(|k| before.get(*k) != after.get(*k))
            .collect();
        wrong.push(format!("files under data/ changed: {changed:?}"));
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\n{}", wrong.join("\n"), out.describe()))
    }
}

#[test]
fn every_bad_input_in_the_corpus_is_refused_clearly_and_changes_nothing() {
    let root = crate::common::repo_root().join("tests/bad_input");
    let cases = cases(&root);
    assert!(
        cases.len() >= 60,
        "the corpus under {} has {} cases",
        root.display(),
        cases.len()
    );
    let started = std::time::Instant::now();
    let template = Fleet::new();
    template.ok(DEFAULT_SETUP);
    let template = &template;
    // Three at a time: each case is two short processes, mostly waiting on start-up.
    let chunks: Vec<&[PathBuf]> = cases.chunks(cases.len().div_ceil(3)).collect();
    let failures: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                let root = &root;
                scope.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|case| {
                            run_case(case, template).err().map(|e| {
                                format!(
                                    "=== {}\n{e}",
                                    case.strip_prefix(root).unwrap_or(case).display()
                                )
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    eprintln!(
        "bad-input corpus: {} cases, {} failed, {:.1} s",
        cases.len(),
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
