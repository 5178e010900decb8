//! sqlx's format: `{version}_{description}.sql` (up only, "simple") and
//! `{version}_{description}.up.sql` / `.down.sql` ("reversible"). A file whose very first
//! bytes are `-- no-transaction` runs outside a transaction.

use super::{
    FolderFile, Format, Numbered, Part, Reading, leading_no_transaction, read_numbered, script,
};

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
    let Some(Numbered {
        version,
        version_text,
        name,
        up,
        text,
    }) = read_numbered(reading, file, true, true)
    else {
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
