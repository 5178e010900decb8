//! Statements that lock or rewrite a table other sessions are using. On PostgreSQL the
//! per-statement rules are squawk's (see `squawk.rs`); here are the missing `lock_timeout`
//! (PostgreSQL), MySQL/MariaDB's ALTER TABLE algorithms and index builds, and SQLite's
//! table rebuild. None applies to a table the same migration created.

use super::TableRef;
use super::{Affected, Context, Finding, Severity, Sql};
use crate::dialect::Dialect;

/// The rules about locking and rewriting: a table created in the same migration has nobody
/// to block, so they do not fire on it.
pub(super) const RULES: &[&str] = &[
    "index-without-concurrently",
    "drop-index-without-concurrently",
    "volatile-default",
    "set-not-null",
    "constraint-without-not-valid",
    "column-type-change",
    "unique-without-index",
    "add-primary-key",
    "add-required-column",
    "add-index",
    "alter-without-algorithm",
];

pub(super) fn check(sql: &Sql, dialect: Dialect, _context: &Context, found: &mut Vec<Finding>) {
    if dialect != Dialect::Mysql {
        return;
    }
    let table = sql.target_table().unwrap_or_default().to_lowercase();
    let before = found.len();
    let warning =
        |rule, why: String, instead: &str| Finding::new(rule, Severity::Warning, why, instead);
    let add_index = warning(
        "add-index",
        format!(
            "builds an index on {table}: INPLACE, so writes go on, but it reads the whole table — a large table takes long and replicas lag behind it"
        ),
        "run it off-peak, or with gh-ost / pt-online-schema-change where the table is large",
    );
    if sql.is_create_index() {
        found.push(add_index.clone());
    }
    let actions = sql.alter_actions();
    for action in &actions {
        let word = |i: usize| action.get(i).map(String::as_str).unwrap_or("");
        match word(0) {
            "MODIFY" | "CHANGE" => {
                let column = if word(1) == "COLUMN" {
                    word(2)
                } else {
                    word(1)
                };
                found.push(warning(
                    "column-type-change",
                    format!(
                        "redefines column {}: unless only the default, a rename or a VARCHAR widened within its length byte changes, the server copies {table} (ALGORITHM=COPY) and blocks writes while it does",
                        column.to_lowercase()
                    ),
                    "add a new column, backfill it in batches and switch the release to it; or state ALGORITHM=INPLACE, LOCK=NONE so the server refuses instead of copying",
                ));
            }
            "ADD"
                if matches!(word(1), "INDEX" | "KEY" | "UNIQUE" | "FULLTEXT" | "SPATIAL")
                    || (word(1) == "CONSTRAINT" && word(3) == "UNIQUE") =>
            {
                found.push(add_index.clone());
            }
            _ => {}
        }
    }
    let algorithm = sql.has("ALGORITHM");
    let only_renames = actions
        .iter()
        .all(|a| a.first().is_some_and(|w| w == "RENAME"));
    if !actions.is_empty() && !algorithm && !only_renames && found.len() == before {
        found.push(Finding::new(
            "alter-without-algorithm",
            Severity::Info,
            format!(
                "ALTER TABLE {table} names no ALGORITHM: the server uses INSTANT or INPLACE where it can and silently copies the table, blocking writes, where it cannot"
            ),
            "state ALGORITHM=INSTANT (MySQL 8.0.12+, MariaDB 10.3+) or ALGORITHM=INPLACE, LOCK=NONE: the server then refuses the change instead of copying",
        ));
    }
}

/// PostgreSQL: whether the statement takes a lock on its table that queues every query
/// behind it while it waits.
pub(super) fn takes_table_lock(sql: &Sql) -> bool {
    sql.starts(&["ALTER", "TABLE"])
        || sql.starts(&["DROP", "TABLE"])
        || sql.word(0) == "TRUNCATE"
        || (sql.is_create_index() && !sql.has("CONCURRENTLY"))
}

pub(super) fn missing_lock_timeout() -> Finding {
    Finding::new(
        "missing-lock-timeout",
        Severity::Warning,
        "takes a lock on an existing table with no lock_timeout set: while it waits behind a long query, every query on the table queues behind it",
        "begin the migration with `SET lock_timeout = '5s';` and retry the run when it times out",
    )
}

/// SQLite's table rebuild (create the new table, copy, drop the old one, rename the new one
/// to its name): the old table's name, lower-cased, when `sql` is its last step.
pub(super) fn sqlite_rebuild(sql: &Sql, dialect: Dialect, context: &Context) -> Option<String> {
    if dialect != Dialect::Sqlite || !sql.starts(&["ALTER", "TABLE"]) {
        return None;
    }
    let new = sql.name_at(2)?;
    let actions = sql.alter_actions();
    let [action] = actions.as_slice() else {
        return None;
    };
    let old = match action
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["RENAME", "TO", old] => super::bare(old),
        _ => return None,
    };
    (context.created.contains(&new) && context.dropped.contains(&old)).then(|| old.to_lowercase())
}

pub(super) fn rebuild_finding(table: &str) -> Finding {
    let mut finding = Finding::new(
        "table-rebuild",
        Severity::Warning,
        format!(
            "rebuilds {table}: copies every row into a new table under the write lock, and triggers, indexes and views on {table} must be created again"
        ),
        "on SQLite 3.35+ use ALTER TABLE ... DROP COLUMN / RENAME COLUMN where that is the change; otherwise keep the rebuild and check the recreated indexes and triggers",
    );
    let target = TableRef {
        schema: None,
        name: table.to_owned(),
    };
    finding.affects = Some(Affected::new("rebuilds", target));
    finding
}

#[cfg(test)]
mod tests {
    use super::super::tests::{rules, script_rules};
    use crate::dialect::Dialect::{Mysql, Postgres, Sqlite};

    #[test]
    fn mysql_type_changes_index_builds_and_unstated_algorithms() {
        assert_eq!(
            rules("ALTER TABLE orders MODIFY total DECIMAL(12,2)", Mysql),
            ["column-type-change"]
        );
        assert_eq!(
            rules("ALTER TABLE orders CHANGE COLUMN total total BIGINT", Mysql),
            ["column-type-change"]
        );
        assert_eq!(
            rules("ALTER TABLE orders ADD INDEX idx_user (user_id)", Mysql),
            ["add-index"]
        );
        assert_eq!(
            rules("CREATE INDEX idx_user ON orders (user_id)", Mysql),
            ["add-index"]
        );
        assert_eq!(
            rules("ALTER TABLE orders ADD COLUMN note TEXT", Mysql),
            ["alter-without-algorithm"]
        );
        assert!(
            rules(
                "ALTER TABLE orders ADD COLUMN note TEXT, ALGORITHM=INSTANT",
                Mysql
            )
            .is_empty()
        );
        assert!(rules("ALTER TABLE orders MODIFY total BIGINT", Sqlite).is_empty());
        assert!(rules("CREATE TABLE orders (id INT, INDEX (id))", Mysql).is_empty());
        // In the migration that creates the table, nothing is locked.
        assert_eq!(
            script_rules(
                "CREATE TABLE t (id INT);\nCREATE INDEX i ON t (id);\nALTER TABLE t ADD COLUMN x INT;",
                Mysql
            ),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn postgres_lock_timeout_is_wanted_before_locking_an_existing_table() {
        assert_eq!(
            script_rules("ALTER TABLE users ADD COLUMN note text;", Postgres),
            ["missing-lock-timeout"]
        );
        assert!(
            script_rules(
                "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN note text;",
                Postgres
            )
            .is_empty()
        );
        assert!(
            script_rules(
                "CREATE TABLE t (id int);\nCREATE INDEX i ON t (id);",
                Postgres
            )
            .is_empty()
        );
        assert!(
            script_rules("ALTER TABLE users ADD COLUMN note text;", Mysql)
                .iter()
                .all(|r| *r != "missing-lock-timeout")
        );
    }

    #[test]
    fn sqlite_rebuild_is_one_finding_not_a_drop() {
        let rebuild = "CREATE TABLE users_new (id INTEGER PRIMARY KEY, email TEXT);\nINSERT INTO users_new SELECT id, email FROM users;\nDROP TABLE users;\nALTER TABLE users_new RENAME TO users;";
        assert_eq!(script_rules(rebuild, Sqlite), ["table-rebuild"]);
        assert_eq!(script_rules("DROP TABLE users;", Sqlite), ["drop-table"]);
        assert_eq!(script_rules(rebuild, Postgres).first(), Some(&"drop-table"));
    }
}
