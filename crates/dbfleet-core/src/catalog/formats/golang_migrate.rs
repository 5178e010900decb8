//! golang-migrate's format (also Mattermost morph's): `{version}_{title}.{up|down}.sql`,
//! where the title may hold dots (`0002_1.7.0_schema.up.sql`). A last dot-part naming a
//! dialect (`.postgres.up.sql`) still makes a dialect variant, as in dbfleet's format.
//! golang-migrate has no marker of its own; morph's `-- morph:nontransactional` and sqlx's
//! `-- no-transaction` at the very start of a file are honoured.

use super::dbfleet::{FileKind, ParsedName, classify_file, read_as};
use super::{Format, Reading, split_version};
use crate::catalog::Version;
use crate::dialect::Dialect;

pub(super) const EXPECTED: &str =
    "expected <version>_<title>.up.sql or .down.sql (the title may hold dots)";

pub(super) fn read(reading: &mut Reading) {
    read_as(reading, Format::GolangMigrate, classify);
}

/// A migration name of this format, else what dbfleet's grammar says about the file.
pub(super) fn classify(file_name: &str) -> FileKind<'_> {
    match parse(file_name) {
        Some(parsed) => FileKind::Migration(parsed),
        None => classify_file(file_name),
    }
}

pub(super) fn is_migration_name(file_name: &str) -> bool {
    parse(file_name).is_some()
}

pub(super) fn parse(file_name: &str) -> Option<ParsedName<'_>> {
    let stem = file_name.strip_suffix(".sql")?;
    let (stem, up) = match stem.strip_suffix(".up") {
        Some(stem) => (stem, true),
        None => (stem.strip_suffix(".down")?, false),
    };
    let (stem, dialect) = match stem.rsplit_once('.') {
        Some((rest, tag)) => match tag.parse::<Dialect>() {
            Ok(dialect) => (rest, Some(dialect)),
            Err(_) => (stem, None),
        },
        None => (stem, None),
    };
    let (version_text, name) = split_version(stem)?;
    Some(ParsedName {
        version: Version::parse(version_text)?,
        version_text,
        name,
        dialect,
        up,
    })
}
