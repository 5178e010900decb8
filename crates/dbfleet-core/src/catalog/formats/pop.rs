//! pop's format (gobuffalo/pop, and Ory's popx): `{version}_{name}[.{dialect}][.autocommit]
//! .{up|down}.sql`. The dialect tag makes a variant (`postgres`, `mysql`, `sqlite3` or
//! `sqlite`); a file without one is shared by all dialects. Tags of engines dbfleet's fleet
//! has no databases of (`cockroach`, and `mariadb`, whose servers run the `mysql` files) are
//! not read, with one warning for the set. popx's `.autocommit` runs the file outside a
//! transaction. fizz files (pop's own DDL language, not SQL) are refused.

use std::collections::BTreeMap;

use super::{FolderFile, Format, Part, Reading, script, split_version};
use crate::catalog::{Migration, Version};
use crate::dialect::Dialect;

pub(super) const EXPECTED: &str =
    "expected <version>_<name>[.<dialect>][.autocommit].up.sql or .down.sql";

/// Tags pop knows for engines no fleet database is.
const NOT_IN_FLEET: [&str; 4] = ["cockroach", "cockroachdb", "crdb", "mariadb"];

/// A name only pop writes: a tag of an engine dbfleet does not run, `.autocommit`, fizz.
pub(super) fn is_pop_only_name(file_name: &str) -> bool {
    if file_name.ends_with(".up.fizz") || file_name.ends_with(".down.fizz") {
        return true;
    }
    parse(file_name).is_some_and(|name| {
        name.autocommit
            || name
                .tag
                .is_some_and(|tag| NOT_IN_FLEET.contains(&tag) || tag == "sqlite3")
    })
}

struct PopName<'a> {
    version: &'a str,
    name: &'a str,
    tag: Option<&'a str>,
    autocommit: bool,
    up: bool,
}

/// popx's grammar: `^(\d+)_([^.]+)(\.[a-z0-9]+)?(\.autocommit)?\.(up|down)\.(sql)$`.
fn parse(file_name: &str) -> Option<PopName<'_>> {
    let stem = file_name.strip_suffix(".sql")?;
    let (stem, up) = match stem.strip_suffix(".up") {
        Some(stem) => (stem, true),
        None => (stem.strip_suffix(".down")?, false),
    };
    let (stem, autocommit) = match stem.strip_suffix(".autocommit") {
        Some(stem) => (stem, true),
        None => (stem, false),
    };
    let (stem, tag) = match stem.split_once('.') {
        Some((stem, tag)) => (stem, Some(tag)),
        None => (stem, None),
    };
    if tag.is_some_and(|t| {
        t.is_empty()
            || !t
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    }) {
        return None;
    }
    let (version, name) = split_version(stem)?;
    Some(PopName {
        version,
        name,
        tag,
        autocommit,
        up,
    })
}

pub(super) fn read(reading: &mut Reading) {
    let mut ignored: Vec<&FolderFile> = Vec::new();
    for file in reading.files {
        if file.is_set_file() {
            continue;
        }
        if file.name.ends_with(".fizz") {
            reading.problem(
                &file.path,
                "fizz files are not supported: fizz is pop's own language for schema changes, not SQL, and dbfleet runs SQL. Translate it to a .sql file (pop's `soda` can print the SQL it generates)",
            );
            continue;
        }
        if !file.name.ends_with(".sql") {
            continue;
        }
        let Some(name) = parse(&file.name) else {
            reading.unmatched(
                &file.path,
                "not <version>_<name>[.<dialect>].up.sql or .down.sql (the name holds no dots)",
            );
            continue;
        };
        let dialect = match name.tag {
            None => None,
            Some(tag) if NOT_IN_FLEET.contains(&tag) => {
                ignored.push(file);
                continue;
            }
            Some(tag) => match tag.parse::<Dialect>() {
                Ok(dialect) => Some(dialect),
                Err(_) => {
                    reading.problem(&file.path, format!("unknown dialect `{tag}` (pop knows postgres, mysql, mariadb, sqlite3, cockroach)"));
                    continue;
                }
            },
        };
        let Some(version) = Version::parse(name.version) else {
            reading.unmatched(&file.path, "its version is not a number");
            continue;
        };
        let Some(text) = reading.text(&file.path) else {
            continue;
        };
        let mut script = script(&file.path, &text, 1, Format::Pop);
        script.no_transaction |= name.autocommit;
        reading.push(Part {
            version,
            version_text: name.version.to_owned(),
            name: name.name.to_owned(),
            dialect,
            up: name.up,
            script,
        });
    }
    if let Some(first) = ignored.first() {
        let mut tags: Vec<&str> = ignored
            .iter()
            .filter_map(|f| parse(&f.name).and_then(|n| n.tag))
            .collect();
        tags.sort_unstable();
        tags.dedup();
        let count = ignored.len();
        reading.note(
            &first.path,
            format!(
                "not read, with {} more file{} for {}: no database of dbfleet's fleet is that engine (MariaDB runs the `mysql` files)",
                count - 1,
                if count == 2 { "" } else { "s" },
                tags.join(", ")
            ),
        );
    }
}

/// A version written only for other dialects does not exist on this one (popx leaves it
/// out): there it is a migration with nothing to run, said so, rather than one missing its
/// file.
pub(in crate::catalog) fn nothing_elsewhere(migrations: &mut BTreeMap<Version, Migration>) {
    for migration in migrations.values_mut() {
        for scripts in [&mut migration.up, &mut migration.down] {
            let Some(variant) = scripts.variants.values().next() else {
                continue;
            };
            if scripts.plain.is_none() {
                let mut empty = script(&variant.path, "", 1, Format::Pop);
                empty.empty_on_purpose = true;
                scripts.plain = Some(empty);
            }
        }
    }
}
