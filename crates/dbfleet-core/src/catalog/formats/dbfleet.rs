//! dbfleet's own format: the grammar of migration file names
//! (`<version>_<name>[.<dialect>].<up|down>.sql`), and what each file in the migrations
//! folder is by its name: a migration, a problem that stops its set, a warning (a name that
//! looks meant as a migration but is not read), or nothing to us. Kept apart from loading so
//! the rules a name must follow read in one place.

use super::super::{SET_FILE, Version};
use super::{Format, Part, Reading, leading_no_transaction, read_text, script};
use crate::dialect::Dialect;

pub(super) const EXPECTED: &str = EXPECTED_NAME;

/// Reads a folder of dbfleet's format. sqlx's and morph's markers at the start of a file
/// are honoured too: their `.up.sql` / `.down.sql` folders read as this format.
pub(super) fn read(reading: &mut Reading) {
    read_as(reading, Format::Dbfleet, classify_file);
}

/// Reads the folder with `classify`, dbfleet's way of reporting what is not a migration.
pub(super) fn read_as(
    reading: &mut Reading,
    format: Format,
    classify: impl Fn(&str) -> FileKind<'_>,
) {
    for file in reading.files {
        let path = &file.path;
        let parsed = match classify(&file.name) {
            FileKind::Migration(parsed) => parsed,
            FileKind::Problem(why) => {
                reading.problem(path, why);
                continue;
            }
            FileKind::Warning(why) => {
                reading.warning(path, why);
                continue;
            }
            FileKind::Other => continue,
        };
        let text = match read_text(path) {
            Ok(text) => text,
            Err(e) => {
                reading.problem(path, e);
                continue;
            }
        };
        let mut script = script(path, &text, 1, format);
        script.no_transaction |= leading_no_transaction(&text);
        reading.push(Part {
            version: parsed.version,
            version_text: parsed.version_text.to_owned(),
            name: parsed.name.to_owned(),
            dialect: parsed.dialect,
            up: parsed.up,
            script,
        });
    }
}

/// Whether `file_name` is a migration of this format.
pub(super) fn is_migration_name(file_name: &str) -> bool {
    parse_file_name(file_name).is_ok()
}

/// Why a file directly in the migrations folder deserves a word, if it does: migrations and
/// `set.yaml` only count inside a set's folder. Anything else there (a README) is fine.
pub(in crate::catalog) fn stray_at_root(file_name: &str) -> Option<&'static str> {
    let lower = file_name.trim().to_ascii_lowercase();
    if file_name.starts_with('.') {
        None
    } else if lower.contains(".sql") {
        Some(
            "not read: migrations live in a set's folder (migrations/<database or set>/<version>_<name>.up.sql), not directly in the migrations folder",
        )
    } else if lower == SET_FILE || lower == "set.yml" {
        Some("not read: set.yaml belongs in the folder of the shared set whose targets it declares")
    } else {
        None
    }
}

/// What a file in a set's folder is.
pub(super) enum FileKind<'a> {
    Migration(ParsedName<'a>),
    /// Meant as a migration and wrong: the set is not run.
    Problem(String),
    /// Looks meant as a migration, but it is not read.
    Warning(String),
    /// Anything else (a README, `set.yaml` of a shared set).
    Other,
}

const EXPECTED_NAME: &str = "expected <version>_<name>.up.sql or .down.sql (optionally <version>_<name>.<sqlite|postgres|mysql>.up.sql)";

/// What `file_name` is in a set's folder. `set.yaml` is the set's declaration, read
/// before its files.
pub(super) fn classify_file(file_name: &str) -> FileKind<'_> {
    if file_name == SET_FILE {
        return FileKind::Other;
    }
    if file_name.ends_with(".sql") {
        return match parse_file_name(file_name) {
            Ok(parsed) => FileKind::Migration(parsed),
            Err(NameError::Malformed) => FileKind::Problem(format!(
                "not a migration file name: {}",
                name_hint(file_name)
            )),
        };
    }
    if let Some(name) = normalized_name(file_name) {
        return FileKind::Warning(format!(
            "not read: to be a migration, `{file_name}` must be named exactly `{name}` (lower-case `.up.sql` / `.down.sql`, no blanks around the name)"
        ));
    }
    let lower = file_name.trim().to_ascii_lowercase();
    if lower.contains(".sql") {
        FileKind::Warning(
            "not read: only files whose names end in `.sql` are migrations".to_owned(),
        )
    } else if lower == SET_FILE || lower == "set.yml" {
        FileKind::Warning(
            "not read: a set's declaration (targets, format) must be named exactly `set.yaml`"
                .to_owned(),
        )
    } else {
        FileKind::Other
    }
}

/// What a `.sql` file that is not a migration name should be called, as far as it shows.
fn name_hint(file_name: &str) -> String {
    if let Some(name) = normalized_name(file_name)
        && name != file_name
    {
        return format!("rename it to `{name}`");
    }
    let stem = file_name.strip_suffix(".sql").unwrap_or(file_name);
    if parse_file_name(&format!("{stem}.up.sql")).is_ok() {
        return format!(
            "a migration file names its direction: `{stem}.up.sql` (and `{stem}.down.sql` to revert it)"
        );
    }
    EXPECTED_NAME.to_owned()
}

/// The migration file name `file_name` would be with its suffixes in lower case and no
/// blanks around it (`001_x.UP.sql ` → `001_x.up.sql`), if that is one.
fn normalized_name(file_name: &str) -> Option<String> {
    let trimmed = file_name.trim();
    // ASCII lower-casing keeps every byte offset, so `lower`'s lengths index `trimmed`.
    let lower = trimmed.to_ascii_lowercase();
    let stem = lower.strip_suffix(".sql")?;
    let (stem_len, direction) = if let Some(s) = stem.strip_suffix(".up") {
        (s.len(), "up")
    } else {
        (stem.strip_suffix(".down")?.len(), "down")
    };
    let mut stem = trimmed.get(..stem_len)?;
    let mut tag = String::new();
    if let Some((rest, word)) = stem.rsplit_once('.')
        && let Ok(dialect) = word.parse::<Dialect>()
    {
        stem = rest;
        tag = format!(".{}", dialect.file_tag());
    }
    let name = format!("{stem}{tag}.{direction}.sql");
    parse_file_name(&name).is_ok().then_some(name)
}

pub(super) struct ParsedName<'a> {
    pub(super) version: Version,
    pub(super) version_text: &'a str,
    pub(super) name: &'a str,
    pub(super) dialect: Option<Dialect>,
    pub(super) up: bool,
}

enum NameError {
    Malformed,
}

fn parse_file_name(file_name: &str) -> Result<ParsedName<'_>, NameError> {
    let stem = file_name.strip_suffix(".sql").ok_or(NameError::Malformed)?;
    let (stem, up) = if let Some(s) = stem.strip_suffix(".up") {
        (s, true)
    } else {
        (
            stem.strip_suffix(".down").ok_or(NameError::Malformed)?,
            false,
        )
    };
    let (stem, dialect) = match stem.rsplit_once('.') {
        Some((rest, tag)) => (
            rest,
            Some(tag.parse::<Dialect>().map_err(|_| NameError::Malformed)?),
        ),
        None => (stem, None),
    };
    let digits = stem
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(stem.len());
    let (version_text, rest) = stem.split_at(digits);
    let name = rest.strip_prefix('_').ok_or(NameError::Malformed)?;
    if version_text.is_empty() || name.is_empty() {
        return Err(NameError::Malformed);
    }
    let version = Version::parse(version_text).ok_or(NameError::Malformed)?;
    Ok(ParsedName {
        version,
        version_text,
        name,
        dialect,
        up,
    })
}
