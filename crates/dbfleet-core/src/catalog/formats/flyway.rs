//! Flyway's format: `V{version}__{description}.sql` (versioned), `U{version}__…` (its undo),
//! `R__{description}.sql` (repeatable: applied after the versioned ones, again whenever its
//! checksum changes, never reverted). Versions are dotted numbers, written with `.` or `_`
//! (`V1_12_15__x.sql` is 1.12.15; `V1.2.10__x.sql` comes after `V1.2.9__x.sql`). A sibling
//! `V1__x.sql.conf` holding `executeInTransaction=false` runs the file outside a
//! transaction. Baseline migrations (`B…`) are refused: dbfleet would run them as ordinary
//! ones.

use std::path::Path;

use super::{FolderFile, Format, Part, Reading, script};
use crate::catalog::Version;

pub(super) const EXPECTED: &str =
    "expected V<version>__<description>.sql, U<version>__<description>.sql or R__<description>.sql";

const CONF: &str = ".conf";

/// `V1__x.sql`, `U1.2__x.sql`, `B3__x.sql`, `R__x.sql`.
pub(super) fn is_flyway_name(file_name: &str) -> bool {
    parse(file_name).is_some()
}

struct FlywayName<'a> {
    prefix: char,
    /// Empty for a repeatable.
    version: &'a str,
    description: &'a str,
}

fn parse(file_name: &str) -> Option<FlywayName<'_>> {
    // Flyway matches the suffix without regard to case.
    let cut = file_name.len().checked_sub(4)?;
    if !file_name.get(cut..)?.eq_ignore_ascii_case(".sql") {
        return None;
    }
    let stem = file_name.get(..cut)?;
    let prefix = stem.chars().next()?;
    let (version, description) = stem.get(1..)?.split_once("__")?;
    let fits = match prefix {
        'R' => version.is_empty(),
        'V' | 'U' | 'B' => version.starts_with(|c: char| c.is_ascii_digit()),
        _ => false,
    };
    fits.then_some(FlywayName {
        prefix,
        version,
        description,
    })
}

pub(super) fn read(reading: &mut Reading) {
    let mut versioned = false;
    let mut repeatable = None;
    for file in reading.files {
        if file.is_set_file() {
            continue;
        }
        if let Some(script_name) = file.name.strip_suffix(CONF) {
            if !reading.files.iter().any(|f| f.name == script_name) {
                reading.warning(
                    &file.path,
                    format!("not read: a Flyway script configuration, and there is no `{script_name}` beside it"),
                );
            }
            continue;
        }
        let Some(name) = parse(&file.name) else {
            if file.name.to_ascii_lowercase().ends_with(".sql") {
                reading.unmatched(
                    &file.path,
                    "no V, U or R prefix with `__` after the version",
                );
            }
            continue;
        };
        if name.prefix == 'R' {
            repeatable.get_or_insert(file.path.clone());
        } else if name.prefix == 'V' {
            versioned = true;
        }
        read_file(reading, file, &name);
    }
    if let Some(path) = repeatable
        && !versioned
    {
        reading.warning(
            &path,
            "the set has repeatable migrations (R__) and no versioned one (V…): each `up` applies the repeatables that changed since they were last applied, and nothing else",
        );
    }
}

fn read_file(reading: &mut Reading, file: &FolderFile, name: &FlywayName) {
    if name.prefix == 'B' {
        reading.problem(
            &file.path,
            "Flyway baseline migrations (B…) are not supported: dbfleet would run it like any other migration. Remove it, or start the set at a versioned migration",
        );
        return;
    }
    let (version, version_text) = if name.prefix == 'R' {
        (
            Version::repeatable(name.description),
            // The id then reads `set/R__description`, the file's own name.
            "R_".to_owned(),
        )
    } else {
        (Version::parse(name.version), name.version.replace('_', "."))
    };
    let Some(version) = version else {
        reading.unmatched(
            &file.path,
            "its version may only hold digits separated by `.` or `_`, and a repeatable needs a description",
        );
        return;
    };
    let Some(text) = reading.text(&file.path) else {
        return;
    };
    if let Some((line, placeholder)) = placeholder(&text) {
        reading.problem(
            &file.path,
            format!(
                "line {line}: `{placeholder}` is a Flyway placeholder, which dbfleet does not substitute (Flyway itself fails on one it has no value for): write its value in the file"
            ),
        );
        return;
    }
    let mut script = script(&file.path, &text, 1, Format::Flyway);
    match in_transaction(&conf_path(&file.path)) {
        Ok(Some(in_transaction)) => script.no_transaction |= !in_transaction,
        Ok(None) => {}
        Err(why) => {
            reading.problem(&conf_path(&file.path), why);
            return;
        }
    }
    reading.push(Part {
        version,
        version_text,
        name: name.description.to_owned(),
        dialect: None,
        up: name.prefix != 'U',
        script,
    });
}

/// The first `${name}` (Flyway's placeholder syntax, `${flyway:defaultSchema}` too) and
/// its line.
fn placeholder(text: &str) -> Option<(usize, &str)> {
    let mut from = 0;
    while let Some(offset) = text[from..].find("${") {
        let start = from + offset;
        let rest = &text[start + 2..];
        let name_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':')))
            .unwrap_or(rest.len());
        if name_len > 0 && rest[name_len..].starts_with('}') {
            let line = text[..start].matches('\n').count() + 1;
            let end = start + 2 + name_len;
            return Some((line, &text[start..=end]));
        }
        from = start + 2;
    }
    None
}

fn conf_path(script: &Path) -> std::path::PathBuf {
    let mut path = script.as_os_str().to_owned();
    path.push(CONF);
    path.into()
}

/// `executeInTransaction` from a script's `.sql.conf`, if it has one that says.
fn in_transaction(conf: &Path) -> Result<Option<bool>, String> {
    let text = match std::fs::read_to_string(conf) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() == "executeInTransaction" {
            return match value.trim().to_ascii_lowercase().as_str() {
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                other => Err(format!(
                    "executeInTransaction must be true or false, not `{other}`"
                )),
            };
        }
    }
    Ok(None)
}
