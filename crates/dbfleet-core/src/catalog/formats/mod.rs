//! The folder formats a set's files can be written in: dbfleet's own, and those of the other
//! migration tools, read unchanged. Each tool's grammar (file names, sections, markers) lives
//! in its own file here; this module names the formats, tells which one a folder is written
//! in, and hands its files to that reader.
//!
//! Detection looks at names first (`atlas.sum`, Flyway's `V1__x.sql`, pop's `.cockroach.`
//! tags, dotted golang-migrate titles) and at the contents of single-file migrations only
//! (goose's `-- +goose Up`, dbmate's `-- migrate:up`). A folder that could be read two ways
//! is read as declared (`format:` in the config's `sets:` or in the set's `set.yaml`); one
//! whose files are written for two tools is refused, naming one file of each.

mod atlas;
mod dbfleet;
mod dbmate;
mod flyway;
mod golang_migrate;
mod goose;
mod pop;
mod sqlx;

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{EMPTY_DIRECTIVE, NO_TRANSACTION_DIRECTIVE, Script, Version, hex};
use crate::dialect::Dialect;
pub use crate::format::Format;

pub use atlas::atlas_sum;
pub(super) use dbfleet::stray_at_root;
pub(super) use pop::nothing_elsewhere;

impl Format {
    /// What a file of this format is named like, for "does not match" lines.
    pub fn expected(self) -> &'static str {
        match self {
            Format::Dbfleet => dbfleet::EXPECTED,
            Format::GolangMigrate => golang_migrate::EXPECTED,
            Format::Sqlx => sqlx::EXPECTED,
            Format::Flyway => flyway::EXPECTED,
            Format::Dbmate => dbmate::EXPECTED,
            Format::Goose => goose::EXPECTED,
            Format::Pop => pop::EXPECTED,
            Format::Atlas => atlas::EXPECTED,
        }
    }

    /// Whether the tool ran a file as it is, so a `BEGIN;` … `COMMIT;` around the whole
    /// file was the file's own way to be atomic (golang-migrate on PostgreSQL sends the file
    /// unwrapped). dbfleet's own transaction does the same, so the pair is left out where
    /// dbfleet runs the file in one (see `Script::statements`).
    pub(in crate::catalog) fn runs_files_as_written(self) -> bool {
        matches!(self, Format::GolangMigrate | Format::Atlas)
    }
}

/// A file directly in a set's folder.
pub(super) struct FolderFile {
    pub name: String,
    pub path: PathBuf,
}

impl FolderFile {
    /// `set.yaml`: the set's declaration, read before its files.
    pub fn is_set_file(&self) -> bool {
        self.name == super::SET_FILE
    }
}

/// One file's (or one section's) part of a migration.
pub(super) struct Part {
    pub version: Version,
    pub version_text: String,
    pub name: String,
    pub dialect: Option<Dialect>,
    pub up: bool,
    pub script: Script,
}

/// What reading a folder found.
#[derive(Default)]
pub(super) struct FolderRead {
    pub parts: Vec<Part>,
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
    /// Files knowingly left unread (see `MigrationSet::notes`).
    pub notes: Vec<String>,
    /// `.sql` files that fit no migration name of the format: (file as shown, why). Many of
    /// them are summarised in one line (see `catalog::load_set`).
    pub unmatched: Vec<(String, String)>,
}

/// What a reader is given: the folder's files and how to show a path.
pub(super) struct Reading<'a> {
    pub files: &'a [FolderFile],
    pub shown: &'a dyn Fn(&Path) -> String,
    pub out: FolderRead,
}

impl Reading<'_> {
    pub fn problem(&mut self, path: &Path, why: impl fmt::Display) {
        let file = (self.shown)(path);
        self.out.problems.push(format!("{file}: {why}"));
    }

    pub fn warning(&mut self, path: &Path, why: impl fmt::Display) {
        let file = (self.shown)(path);
        self.out.warnings.push(format!("{file}: {why}"));
    }

    pub fn note(&mut self, path: &Path, why: impl fmt::Display) {
        let file = (self.shown)(path);
        self.out.notes.push(format!("{file}: {why}"));
    }

    pub fn unmatched(&mut self, path: &Path, why: impl Into<String>) {
        let file = (self.shown)(path);
        self.out.unmatched.push((file, why.into()));
    }

    /// The file's text, or a problem said and `None`.
    pub fn text(&mut self, path: &Path) -> Option<String> {
        match read_text(path) {
            Ok(text) => Some(text),
            Err(e) => {
                self.problem(path, e);
                None
            }
        }
    }

    pub fn push(&mut self, part: Part) {
        self.out.parts.push(part);
    }
}

pub(super) fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| format!("not UTF-8 text: {e}"))
}

/// A script of `text`, the part of the file at `path` that starts at line `first_line`.
pub(super) fn script(path: &Path, text: &str, first_line: usize, format: Format) -> Script {
    let has_line = |directive: &str| text.lines().any(|l| l.trim() == directive);
    Script {
        path: path.to_owned(),
        sql: text.into(),
        checksum: hex(&Sha256::digest(text.as_bytes())),
        no_transaction: has_line(NO_TRANSACTION_DIRECTIVE),
        empty_on_purpose: has_line(EMPTY_DIRECTIVE),
        blank_in: Vec::new(),
        first_line,
        whole: Vec::new(),
        format,
    }
}

/// The markers other tools put at the very start of a file to run it outside a transaction:
/// sqlx's `-- no-transaction` and Mattermost morph's `-- morph:nontransactional`.
pub(super) fn leading_no_transaction(text: &str) -> bool {
    text.starts_with("-- no-transaction") || text.starts_with("-- morph:nontransactional")
}

/// Reads the folder's files as `format`.
pub(super) fn read(format: Format, reading: &mut Reading) {
    match format {
        Format::Dbfleet => dbfleet::read(reading),
        Format::GolangMigrate => golang_migrate::read(reading),
        Format::Sqlx => sqlx::read(reading),
        Format::Flyway => flyway::read(reading),
        Format::Dbmate => dbmate::read(reading),
        Format::Goose => goose::read(reading),
        Format::Pop => pop::read(reading),
        Format::Atlas => atlas::read(reading),
    }
}

/// The format a folder is written in, by its files; `Err` names two files written for two
/// different tools.
pub(super) fn detect(files: &[FolderFile]) -> Result<Format, String> {
    if files.iter().any(|f| f.name == atlas::SUM_FILE) {
        return Ok(Format::Atlas);
    }
    // The first file seen of each kind.
    let mut flyway_file = None;
    let mut single: Vec<(Format, &str)> = Vec::new();
    let mut plain = None;
    let mut pair = None;
    let mut pop_file = None;
    let mut dotted = None;
    for file in files {
        let name = file.name.as_str();
        if flyway::is_flyway_name(name) {
            flyway_file.get_or_insert(name);
        } else if pop::is_pop_only_name(name) {
            pop_file.get_or_insert(name);
            pair.get_or_insert(name);
        } else if name.ends_with(".up.sql") || name.ends_with(".down.sql") {
            pair.get_or_insert(name);
            if !dbfleet::is_migration_name(name) && golang_migrate::is_migration_name(name) {
                dotted.get_or_insert(name);
            }
        } else if name.ends_with(".sql") {
            // Single-file migrations: only the contents tell goose, dbmate and sqlx apart.
            let text = read_text(&file.path).unwrap_or_default();
            if goose::is_goose(&text) {
                single.push((Format::Goose, name));
            } else if dbmate::is_dbmate(&text) {
                single.push((Format::Dbmate, name));
            } else {
                plain.get_or_insert(name);
            }
        } else if name.ends_with(".go") && goose::is_go_migration_name(name) {
            single.push((Format::Goose, name));
        }
    }
    let goose_file = single
        .iter()
        .find(|(f, _)| *f == Format::Goose)
        .map(|(_, n)| *n);
    let dbmate_file = single
        .iter()
        .find(|(f, _)| *f == Format::Dbmate)
        .map(|(_, n)| *n);
    let found: Vec<(Format, &str)> = [
        (Format::Flyway, flyway_file),
        (Format::Goose, goose_file),
        (Format::Dbmate, dbmate_file),
        (
            if pop_file.is_some() {
                Format::Pop
            } else if dotted.is_some() {
                Format::GolangMigrate
            } else {
                Format::Dbfleet
            },
            pop_file.or(dotted).or(pair),
        ),
    ]
    .into_iter()
    .filter_map(|(format, file)| Some((format, file?)))
    .collect();
    match found.as_slice() {
        [] => Ok(if plain.is_some() {
            Format::Sqlx
        } else {
            Format::Dbfleet
        }),
        // Plain files beside `.up.sql` ones are dbfleet files missing their direction (it
        // says so); a sqlx folder that mixes both is read as declared (`format: sqlx`).
        [(format, _)] => Ok(*format),
        [(a, a_file), (b, b_file), ..] => Err(format!(
            "the folder mixes two formats: `{a_file}` is written for {a} and `{b_file}` for {b}; keep one format per set, or declare the set's `format:` to read it one way"
        )),
    }
}

/// Byte ranges of `text` between lines: a helper for the section-based readers. Each entry
/// is (1-based line number, byte range of the line without its line ending).
pub(super) fn lines_with_ranges(text: &str) -> Vec<(usize, Range<usize>)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let content = line.trim_end_matches(['\n', '\r']);
        out.push((i + 1, start..start + content.len()));
        start += line.len();
    }
    out
}

/// A file named `{version}_{name}.sql`, read.
pub(super) struct Numbered<'f> {
    pub version: Version,
    pub version_text: &'f str,
    pub name: &'f str,
    pub up: bool,
    pub text: String,
}

/// Reads a file named `{version}_{name}.up.sql` / `.down.sql` (when `pairs`, no dialect
/// tag) or `{version}_{name}.sql` as an up (when `plain`); says why not otherwise.
pub(super) fn read_numbered<'f>(
    reading: &mut Reading,
    file: &'f FolderFile,
    pairs: bool,
    plain: bool,
) -> Option<Numbered<'f>> {
    let pair = golang_migrate::parse(&file.name)
        .filter(|p| pairs && p.dialect.is_none())
        .map(|p| (p.version_text, p.name, p.up));
    let single = || {
        let stem = file.name.strip_suffix(".sql")?;
        split_version(stem)
            .filter(|_| plain)
            .map(|(v, n)| (v, n, true))
    };
    let Some((version_text, name, up)) = pair.or_else(single) else {
        reading.unmatched(&file.path, "no `<version>_` at the start of its name");
        return None;
    };
    let Some(version) = Version::parse(version_text) else {
        reading.unmatched(&file.path, "its version is not a number");
        return None;
    };
    let text = reading.text(&file.path)?;
    Some(Numbered {
        version,
        version_text,
        name,
        up,
        text,
    })
}

/// `{digits}_{rest}`: the version digits and the rest, when the name starts that way.
pub(super) fn split_version(stem: &str) -> Option<(&str, &str)> {
    let digits = stem
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(stem.len());
    let (version, rest) = stem.split_at(digits);
    let name = rest.strip_prefix('_')?;
    (!version.is_empty() && !name.is_empty()).then_some((version, name))
}

#[cfg(test)]
mod tests;
