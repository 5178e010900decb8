//! What a MySQL or MariaDB server does with an ALTER TABLE that names no ALGORITHM, by its
//! version: the plan connects, reads `VERSION()` and says it on the `alter-without-algorithm`
//! finding (`MariaDB 10.11.6: ADD COLUMN is INSTANT`, `MySQL 5.7.44: no INSTANT, this
//! rebuilds the table`). Only adding and dropping a column are judged; for any other
//! change the finding's general words stand.
//!
//! Sources:
//! - MySQL 8.0 Reference Manual, "Online DDL Operations"
//!   (dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html) and the 8.0.29
//!   release notes: ADD COLUMN is INSTANT from 8.0.12 as the last column, anywhere from
//!   8.0.29; DROP COLUMN is INSTANT from 8.0.29. Before (and in 5.6/5.7, same page for
//!   5.7) both are INPLACE with a table rebuild.
//! - MariaDB, "InnoDB Online DDL Operations with the INSTANT Alter Algorithm"
//!   (mariadb.com/kb/en/innodb-online-ddl-operations-with-the-instant-alter-algorithm/):
//!   ADD COLUMN is INSTANT from 10.3.2 as the last column (MDEV-11369), anywhere from
//!   10.4; DROP COLUMN from 10.4 (MDEV-15562). Before, INPLACE with a rebuild.

use super::{Finding, Sql};
use crate::catalog::Statement;
use crate::dialect::Dialect;

/// A MySQL or MariaDB server's version, from `VERSION()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerVersion {
    pub mariadb: bool,
    pub number: (u32, u32, u32),
}

impl ServerVersion {
    /// `10.11.6-MariaDB-0+deb12u1`, `8.0.36`, `5.7.44-log`; `None` for anything else.
    pub fn parse(text: &str) -> Option<ServerVersion> {
        let mariadb = text.contains("MariaDB");
        // Old MariaDB clients saw `5.5.5-10.x`: the prefix is not the version.
        let text = if mariadb {
            text.strip_prefix("5.5.5-").unwrap_or(text)
        } else {
            text
        };
        let numbers = text
            .split(|c: char| !c.is_ascii_digit() && c != '.')
            .next()?;
        let mut parts = numbers.split('.').map(|p| p.parse::<u32>().ok());
        let major = parts.next()??;
        let minor = parts.next()??;
        let patch = parts.next().flatten().unwrap_or(0);
        Some(ServerVersion {
            mariadb,
            number: (major, minor, patch),
        })
    }

    /// `MariaDB 10.11.6`, `MySQL 8.0.36`
    pub fn label(&self) -> String {
        let (major, minor, patch) = self.number;
        let product = if self.mariadb { "MariaDB" } else { "MySQL" };
        format!("{product} {major}.{minor}.{patch}")
    }

    /// The first version with `ALGORITHM=INSTANT` at all.
    fn first_instant(&self) -> (u32, u32, u32) {
        if self.mariadb { (10, 3, 2) } else { (8, 0, 12) }
    }
}

/// One action of an ALTER TABLE, as far as its algorithm depends on the version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// ADD COLUMN, placed last.
    AddLast,
    /// ADD COLUMN ... FIRST / AFTER.
    AddPlaced,
    DropColumn,
    /// Anything else: not judged here.
    Other,
}

impl Change {
    fn words(self) -> &'static str {
        match self {
            Change::AddLast => "ADD COLUMN",
            Change::AddPlaced => "ADD COLUMN ... FIRST/AFTER",
            Change::DropColumn => "DROP COLUMN",
            Change::Other => "this change",
        }
    }

    /// The first version where the change is INSTANT.
    fn instant_since(self, mariadb: bool) -> Option<(u32, u32, u32)> {
        match (self, mariadb) {
            (Change::AddLast, false) => Some((8, 0, 12)),
            (Change::AddLast, true) => Some((10, 3, 2)),
            (Change::AddPlaced | Change::DropColumn, false) => Some((8, 0, 29)),
            (Change::AddPlaced | Change::DropColumn, true) => Some((10, 4, 0)),
            (Change::Other, _) => None,
        }
    }
}

const NOT_KEYS: &[&str] = &[
    "INDEX",
    "KEY",
    "UNIQUE",
    "FULLTEXT",
    "SPATIAL",
    "CONSTRAINT",
    "PRIMARY",
    "FOREIGN",
    "CHECK",
    "PARTITION",
];

fn changes(sql: &Sql) -> Vec<Change> {
    sql.alter_actions()
        .iter()
        .map(|action| {
            let word = |i: usize| action.get(i).map(String::as_str).unwrap_or("");
            let has = |w: &str| action.iter().any(|t| t == w);
            match word(0) {
                "ADD" if NOT_KEYS.contains(&word(1)) => Change::Other,
                // An AUTO_INCREMENT or stored column fills every row: never INSTANT.
                "ADD" if has("AUTO_INCREMENT") || has("STORED") || has("PERSISTENT") => {
                    Change::Other
                }
                "ADD" if has("FIRST") || has("AFTER") => Change::AddPlaced,
                "ADD" => Change::AddLast,
                "DROP" if NOT_KEYS.contains(&word(1)) => Change::Other,
                "DROP" => Change::DropColumn,
                _ => Change::Other,
            }
        })
        .collect()
}

const REBUILDS: &str =
    "this rebuilds the table (INPLACE: writes go on, but it takes as long as a copy)";

/// What the server of `version` does with the ALTER TABLE `sql`, and whether that is
/// INSTANT throughout; `None` where this table does not judge the change.
fn advice(sql: &str, version: ServerVersion) -> Option<(String, bool)> {
    let changes = changes(&Sql::new(sql, Dialect::Mysql));
    if changes.is_empty() {
        return None;
    }
    let label = version.label();
    if version.number < version.first_instant() {
        let (major, minor, patch) = version.first_instant();
        let what = if changes.contains(&Change::Other) {
            "this copies or rebuilds the table"
        } else {
            REBUILDS
        };
        return Some((
            format!("{label}: no INSTANT before {major}.{minor}.{patch}, {what}"),
            false,
        ));
    }
    if changes.contains(&Change::Other) {
        return None;
    }
    let mut words: Vec<&str> = changes.iter().map(|c| c.words()).collect();
    words.dedup();
    let late = changes.iter().find_map(|c| {
        let since = c.instant_since(version.mariadb)?;
        (version.number < since).then_some((c, since))
    });
    Some(match late {
        None => (
            format!(
                "{label}: {} {} INSTANT",
                words.join(", "),
                if words.len() == 1 { "is" } else { "are" }
            ),
            true,
        ),
        Some((change, (major, minor, patch))) => (
            format!(
                "{label}: {} is INSTANT only from {major}.{minor}.{patch}, {REBUILDS}",
                change.words()
            ),
            false,
        ),
    })
}

/// Says on each `alter-without-algorithm` finding among `findings` (of a step whose
/// statements are `statements`) what the server of `VERSION()` text `version` does with
/// it. An ALTER that is INSTANT throughout no longer depends on the table's size: its
/// `affects` goes.
pub fn advise_for_server(findings: &mut [Finding], statements: &[Statement], version: &str) {
    let Some(version) = ServerVersion::parse(version) else {
        return;
    };
    for finding in findings
        .iter_mut()
        .filter(|f| f.rule == "alter-without-algorithm")
    {
        let Some(statement) = statements.iter().find(|s| s.line == finding.line) else {
            continue;
        };
        if let Some((text, instant)) = advice(&statement.sql, version) {
            finding.server_advice = Some(text);
            if instant {
                finding.affects = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(sql: &str, version: &str) -> Option<String> {
        advice(sql, ServerVersion::parse(version).unwrap()).map(|(text, _)| text)
    }

    #[test]
    fn versions_are_read_as_the_servers_write_them() {
        let maria = ServerVersion::parse("10.11.6-MariaDB-0+deb12u1").unwrap();
        assert_eq!(maria.label(), "MariaDB 10.11.6");
        let prefixed = ServerVersion::parse("5.5.5-10.3.39-MariaDB").unwrap();
        assert_eq!(prefixed.label(), "MariaDB 10.3.39");
        assert_eq!(
            ServerVersion::parse("5.7.44-log").unwrap().label(),
            "MySQL 5.7.44"
        );
        assert_eq!(ServerVersion::parse("8.0").unwrap().number, (8, 0, 0));
        assert_eq!(ServerVersion::parse("unknown"), None);
    }

    #[test]
    fn adding_and_dropping_columns_are_instant_from_the_documented_versions() {
        let add = "ALTER TABLE orders ADD COLUMN note TEXT";
        let placed = "ALTER TABLE orders ADD COLUMN note TEXT AFTER id";
        let drop = "ALTER TABLE orders DROP COLUMN note";
        assert_eq!(
            on(add, "10.11.6-MariaDB").as_deref(),
            Some("MariaDB 10.11.6: ADD COLUMN is INSTANT")
        );
        assert_eq!(
            on(add, "8.0.12").as_deref(),
            Some("MySQL 8.0.12: ADD COLUMN is INSTANT")
        );
        assert_eq!(
            on(add, "5.7.44-log").as_deref(),
            Some(
                "MySQL 5.7.44: no INSTANT before 8.0.12, this rebuilds the table (INPLACE: writes go on, but it takes as long as a copy)"
            )
        );
        assert_eq!(
            on(placed, "8.0.28").as_deref(),
            Some(
                "MySQL 8.0.28: ADD COLUMN ... FIRST/AFTER is INSTANT only from 8.0.29, this rebuilds the table (INPLACE: writes go on, but it takes as long as a copy)"
            )
        );
        assert_eq!(
            on(drop, "10.3.39-MariaDB").as_deref(),
            Some(
                "MariaDB 10.3.39: DROP COLUMN is INSTANT only from 10.4.0, this rebuilds the table (INPLACE: writes go on, but it takes as long as a copy)"
            )
        );
        assert_eq!(
            on(&format!("{add}, DROP COLUMN old"), "8.0.36").as_deref(),
            Some("MySQL 8.0.36: ADD COLUMN, DROP COLUMN are INSTANT")
        );
        assert!(
            on(add, "10.2.44-MariaDB")
                .unwrap()
                .contains("no INSTANT before 10.3.2")
        );
    }

    #[test]
    fn other_changes_keep_the_general_words_on_servers_with_instant() {
        for sql in [
            "ALTER TABLE orders ENGINE=InnoDB",
            "ALTER TABLE orders ADD COLUMN id2 INT AUTO_INCREMENT",
            "ALTER TABLE orders ADD COLUMN note TEXT, DROP INDEX idx",
        ] {
            assert_eq!(on(sql, "10.11.6-MariaDB"), None, "{sql}");
            assert!(
                on(sql, "5.7.44").unwrap().contains("copies or rebuilds"),
                "{sql}"
            );
        }
    }

    #[test]
    fn an_instant_alter_loses_its_size_and_gains_the_advice() {
        let sql = "ALTER TABLE orders ADD COLUMN note TEXT;";
        let statements = crate::catalog::split_statements(sql, Dialect::Mysql).unwrap();
        let mut found = super::super::tests::script(sql, Dialect::Mysql);
        assert!(found[0].affects.is_some());
        let mut old = found.clone();
        advise_for_server(&mut found, &statements, "10.11.6-MariaDB");
        assert_eq!(
            found[0].server_advice.as_deref(),
            Some("MariaDB 10.11.6: ADD COLUMN is INSTANT")
        );
        assert_eq!(found[0].affects, None);
        advise_for_server(&mut old, &statements, "5.7.44");
        assert!(old[0].affects.is_some());
        assert!(
            old[0]
                .server_advice
                .as_deref()
                .unwrap()
                .starts_with("MySQL 5.7.44: no INSTANT")
        );
    }
}
