//! dbmate's format: one file per migration, `{version}{anything}.sql`, holding a
//! `-- migrate:up` section and a `-- migrate:down` section. `transaction:false` on a
//! section's line runs that section outside a transaction.

use super::{FolderFile, Format, Part, Reading, lines_with_ranges, script};
use crate::catalog::Version;

pub(super) const EXPECTED: &str =
    "expected <version>_<name>.sql holding `-- migrate:up` and `-- migrate:down`";

/// Whether a file's text has dbmate's `-- migrate:up` line.
pub(super) fn is_dbmate(text: &str) -> bool {
    text.lines()
        .any(|line| matches!(directive(line), Some((true, _))))
}

/// `-- migrate:up …` / `-- migrate:down …`: (is up, options) for a directive line.
fn directive(line: &str) -> Option<(bool, &str)> {
    let rest = line.strip_prefix("--")?.trim_start();
    let rest = rest.strip_prefix("migrate:")?;
    let (up, options) = if let Some(options) = rest.strip_prefix("up") {
        (true, options)
    } else {
        (false, rest.strip_prefix("down")?)
    };
    (options.is_empty() || options.starts_with(char::is_whitespace)).then_some((up, options))
}

pub(super) fn read(reading: &mut Reading) {
    for file in reading.files {
        read_file(reading, file);
    }
}

fn read_file(reading: &mut Reading, file: &FolderFile) {
    if file.is_set_file() || !file.name.ends_with(".sql") {
        return;
    }
    let stem = file.name.trim_end_matches(".sql");
    let digits = stem
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(stem.len());
    let (version_text, rest) = stem.split_at(digits);
    let Some(version) = Version::parse(version_text) else {
        reading.unmatched(
            &file.path,
            "its name does not start with the version's digits",
        );
        return;
    };
    let name = rest.trim_start_matches(['_', '-']);
    let Some(text) = reading.text(&file.path) else {
        return;
    };
    let lines = lines_with_ranges(&text);
    // (line index, is up, no transaction)
    let mut found: Vec<(usize, bool, bool)> = Vec::new();
    for (i, (number, range)) in lines.iter().enumerate() {
        let line = &text[range.clone()];
        if let Some((up, options)) = directive(line) {
            let no_transaction = options
                .split_whitespace()
                .any(|option| option == "transaction:false");
            found.push((i, up, no_transaction));
        } else if found.is_empty()
            && !line.trim().is_empty()
            && !line.trim_start().starts_with("--")
        {
            reading.problem(
                &file.path,
                format!("line {number}: a statement before `-- migrate:up` (dbmate allows only comments there)"),
            );
            return;
        }
    }
    let (up, down) = match found.as_slice() {
        [up, down] if up.1 && !down.1 => (*up, *down),
        [up] if up.1 => {
            reading.problem(&file.path, "no `-- migrate:down` section (dbmate requires one; leave it empty with the line `-- dbfleet:empty` if there is nothing to undo)");
            return;
        }
        [] => {
            reading.unmatched(&file.path, "no `-- migrate:up` line");
            return;
        }
        _ => {
            reading.problem(&file.path, "dbmate sections must be one `-- migrate:up` followed by one `-- migrate:down`; several sections in one file are not supported");
            return;
        }
    };
    let section = |from: usize, to: Option<usize>| {
        let start = lines.get(from + 1).map_or(text.len(), |(_, r)| r.start);
        let end = to
            .and_then(|to| lines.get(to))
            .map_or(text.len(), |(_, r)| r.start);
        (&text[start..end.max(start)], from + 2)
    };
    for (which, next, is_up) in [(up, Some(down.0), true), (down, None, false)] {
        let (sql, first_line) = section(which.0, next);
        let mut script = script(&file.path, sql, first_line, Format::Dbmate);
        script.no_transaction |= which.2;
        reading.push(Part {
            version: version.clone(),
            version_text: version_text.to_owned(),
            name: name.to_owned(),
            dialect: None,
            up: is_up,
            script,
        });
    }
}
