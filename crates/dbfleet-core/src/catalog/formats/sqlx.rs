//! sqlx's format: `{version}_{description}.sql` (up only, "simple") and
//! `{version}_{description}.up.sql` / `.down.sql` ("reversible"). A file whose very first
//! bytes are `-- no-transaction` runs outside a transaction.

use super::split_version;
use super::{FolderFile, Format, Part, Reading, golang_migrate, leading_no_transaction, script};
use crate::catalog::Version;

pub(super) const EXPECTED: &str = "expected <version>_<description>.sql, or .up.sql and .down.sql";

pub(super) fn read(reading: &mut Reading) {
    for file in reading.files {
        read_file(reading, file);
    }
}

fn read_file(reading: &mut Reading, file: &FolderFile) {
    if file.is_set_file() || !file.name.ends_with(".sql") {
        return;
    }
    let (version_text, name, up) = match golang_migrate::parse(&file.name) {
        Some(parsed) if parsed.dialect.is_none() => (parsed.version_text, parsed.name, parsed.up),
        _ => {
            let stem = file.name.strip_suffix(".sql").unwrap_or(&file.name);
            match split_version(stem) {
                Some((version, name)) => (version, name, true),
                None => {
                    reading.unmatched(&file.path, "no `<version>_` at the start of its name");
                    return;
                }
            }
        }
    };
    let Some(version) = Version::parse(version_text) else {
        reading.unmatched(&file.path, "its version is not a number");
        return;
    };
    let Some(text) = reading.text(&file.path) else {
        return;
    };
    let mut script = script(&file.path, &text, 1, Format::Sqlx);
    script.no_transaction |= leading_no_transaction(&text);
    reading.push(Part {
        version,
        version_text: version_text.to_owned(),
        name: name.to_owned(),
        dialect: None,
        up,
        script,
    });
}
