//! goose's format: one file per migration, `{version}_{name}.sql`, holding
//! `-- +goose Up` and optionally `-- +goose Down`. A `-- +goose StatementBegin` …
//! `-- +goose StatementEnd` block is one statement whatever semicolons it holds;
//! `-- +goose NO TRANSACTION` runs the whole file outside a transaction. `-- +goose ENVSUB
//! ON` is refused: dbfleet does not put environment variables into migrations.

use std::ops::Range;

use super::{FolderFile, Format, Part, Reading, lines_with_ranges, script, split_version};
use crate::catalog::Version;

pub(super) const EXPECTED: &str = "expected <version>_<name>.sql starting with `-- +goose Up`";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Annotation {
    Up,
    Down,
    StatementBegin,
    StatementEnd,
    NoTransaction,
    EnvsubOn,
    EnvsubOff,
}

/// The annotation on a line, as goose reads it: a comment holding `+goose`, the words
/// compared without regard to case. `Err` holds an annotation goose does not know.
fn annotation(line: &str) -> Option<Result<Annotation, String>> {
    let trimmed = line.trim();
    if !trimmed.starts_with("--") || !trimmed.contains("+goose") {
        return None;
    }
    let words = trimmed
        .trim_start_matches('-')
        .trim()
        .strip_prefix("+goose")?
        .trim();
    let known = [
        ("Up", Annotation::Up),
        ("Down", Annotation::Down),
        ("StatementBegin", Annotation::StatementBegin),
        ("StatementEnd", Annotation::StatementEnd),
        ("NO TRANSACTION", Annotation::NoTransaction),
        ("ENVSUB ON", Annotation::EnvsubOn),
        ("ENVSUB OFF", Annotation::EnvsubOff),
    ];
    Some(
        known
            .into_iter()
            .find(|(word, _)| word.eq_ignore_ascii_case(words))
            .map(|(_, a)| a)
            .ok_or_else(|| words.to_owned()),
    )
}

/// Whether a file's text has goose's `-- +goose Up` line.
pub(super) fn is_goose(text: &str) -> bool {
    text.lines()
        .any(|line| matches!(annotation(line), Some(Ok(Annotation::Up))))
}

/// A goose migration written in Go (`00002_add_users.go`).
pub(super) fn is_go_migration_name(file_name: &str) -> bool {
    file_name
        .strip_suffix(".go")
        .and_then(split_version)
        .is_some()
        && !file_name.ends_with("_test.go")
}

pub(super) fn read(reading: &mut Reading) {
    for file in reading.files {
        read_file(reading, file);
    }
}

/// One direction of the file: where its text starts and ends, and its blocks.
struct Section {
    /// Index (0-based) of the annotation line that opens it.
    opened_at: usize,
    end: usize,
    blocks: Vec<Range<usize>>,
}

fn read_file(reading: &mut Reading, file: &FolderFile) {
    if file.is_set_file() {
        return;
    }
    if is_go_migration_name(&file.name) {
        reading.problem(
            &file.path,
            "goose migrations written in Go are not supported: dbfleet runs SQL files only",
        );
        return;
    }
    if !file.name.ends_with(".sql") {
        return;
    }
    let Some((version_text, name)) = split_version(file.name.trim_end_matches(".sql")) else {
        reading.unmatched(&file.path, "no `<version>_` at the start of its name");
        return;
    };
    let Some(version) = Version::parse(version_text).filter(|v| !v.is_zero()) else {
        reading.unmatched(&file.path, "goose versions start at 1");
        return;
    };
    let Some(text) = reading.text(&file.path) else {
        return;
    };
    let shown = (reading.shown)(&file.path);
    let lines = lines_with_ranges(&text);
    let mut no_transaction = false;
    let mut sections: Vec<Section> = Vec::new();
    let mut block_start: Option<(usize, usize)> = None;
    let mut problem = None;
    for (i, (number, range)) in lines.iter().enumerate() {
        let line = &text[range.clone()];
        let found = match annotation(line) {
            None => {
                if sections.is_empty()
                    && !line.trim().is_empty()
                    && !line.trim_start().starts_with("--")
                {
                    problem = Some(format!(
                        "{shown}:{number}: a statement before `-- +goose Up` (goose requires the file to start with it)"
                    ));
                    break;
                }
                continue;
            }
            Some(Err(words)) => {
                problem = Some(format!(
                    "{shown}:{number}: unknown goose annotation `+goose {words}`"
                ));
                break;
            }
            Some(Ok(found)) => found,
        };
        let next_line_start = lines.get(i + 1).map_or(text.len(), |(_, r)| r.start);
        match found {
            Annotation::NoTransaction => no_transaction = true,
            Annotation::EnvsubOff => {}
            Annotation::EnvsubOn => {
                problem = Some(format!(
                    "{shown}:{number}: `-- +goose ENVSUB ON` is not supported: dbfleet runs a migration as written and does not substitute environment variables into it. Write the values into the file, or keep this migration with goose"
                ));
                break;
            }
            Annotation::Up | Annotation::Down => {
                let is_up = found == Annotation::Up;
                if sections.len() != usize::from(!is_up) || block_start.is_some() {
                    problem = Some(format!(
                        "{shown}:{number}: `-- +goose {}` out of place: a file holds one Up section, then at most one Down section",
                        if is_up { "Up" } else { "Down" }
                    ));
                    break;
                }
                if let Some(last) = sections.last_mut() {
                    last.end = range.start;
                }
                sections.push(Section {
                    opened_at: i,
                    end: text.len(),
                    blocks: Vec::new(),
                });
            }
            Annotation::StatementBegin => {
                if sections.is_empty() || block_start.is_some() {
                    problem = Some(format!(
                        "{shown}:{number}: `-- +goose StatementBegin` outside a section, or inside another block"
                    ));
                    break;
                }
                block_start = Some((next_line_start, *number));
            }
            Annotation::StatementEnd => {
                let (Some((start, _)), Some(section)) = (block_start.take(), sections.last_mut())
                else {
                    problem = Some(format!(
                        "{shown}:{number}: `-- +goose StatementEnd` with no StatementBegin before it"
                    ));
                    break;
                };
                section.blocks.push(start..range.start);
            }
        }
    }
    if problem.is_none() {
        if let Some((_, number)) = block_start {
            problem = Some(format!(
                "{shown}:{number}: `-- +goose StatementBegin` with no StatementEnd after it"
            ));
        } else if sections.is_empty() {
            reading.unmatched(&file.path, "no `-- +goose Up` line");
            return;
        }
    }
    if let Some(problem) = problem {
        reading.out.problems.push(problem);
        return;
    }
    for (index, section) in sections.iter().enumerate() {
        let start = lines
            .get(section.opened_at + 1)
            .map_or(text.len(), |(_, r)| r.start);
        let end = section.end.max(start);
        let mut script = script(
            &file.path,
            &text[start..end],
            section.opened_at + 2,
            Format::Goose,
        );
        script.no_transaction |= no_transaction;
        script.whole = section
            .blocks
            .iter()
            .map(|block| block.start - start..block.end - start)
            .collect();
        reading.push(Part {
            version: version.clone(),
            version_text: version_text.to_owned(),
            name: name.to_owned(),
            dialect: None,
            up: index == 0,
            script,
        });
    }
}
