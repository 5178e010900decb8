//! Statements the database refuses to run inside a transaction block: PostgreSQL's
//! `CREATE INDEX CONCURRENTLY`, `VACUUM`, `CREATE DATABASE`, ...; SQLite's `VACUUM`.
//! golang-migrate, goose and psql run such a file as it is, so teams write them without
//! any marker; a migration holding one runs outside a transaction, statement by statement
//! under the dirty model (a row `running` first, progress after each statement), exactly as
//! a file marked `-- dbfleet:no-transaction`.
//!
//! Only the first words of a whole statement decide, as for transaction control.
//! `ALTER TYPE ... ADD VALUE` is not listed: it runs in a transaction since PostgreSQL 12.

use super::control::leading_words;
use crate::dialect::Dialect;

/// The statement's leading keywords (`CREATE INDEX CONCURRENTLY`) when `dialect` cannot run
/// it inside a transaction block.
pub fn needs_autocommit(sql: &str, dialect: Dialect) -> Option<String> {
    let words = leading_words(sql, dialect, 5);
    let word = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    let said = |n: usize| Some(words[..n.min(words.len())].join(" "));
    match dialect {
        Dialect::Postgres => match (word(0), word(1)) {
            ("CREATE", "INDEX") if word(2) == "CONCURRENTLY" => said(3),
            ("CREATE", "UNIQUE") if word(2) == "INDEX" && word(3) == "CONCURRENTLY" => said(4),
            ("DROP", "INDEX") if word(2) == "CONCURRENTLY" => said(3),
            ("REINDEX", "DATABASE" | "SYSTEM") => said(2),
            ("REINDEX", _) if words.iter().any(|w| w == "CONCURRENTLY") => {
                Some("REINDEX CONCURRENTLY".to_owned())
            }
            ("VACUUM", _) => said(1),
            ("CREATE" | "DROP", "DATABASE" | "TABLESPACE" | "SUBSCRIPTION") => said(2),
            ("ALTER", "SYSTEM") | ("DISCARD", "ALL") => said(2),
            _ => None,
        },
        Dialect::Sqlite => (word(0) == "VACUUM").then(|| "VACUUM".to_owned()),
        // Every MySQL/MariaDB migration already runs outside a transaction.
        Dialect::Mysql => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(sql: &str) -> Option<String> {
        needs_autocommit(sql, Dialect::Postgres)
    }

    #[test]
    fn postgres_statements_that_cannot_run_in_a_transaction_block_are_named() {
        let cases = [
            (
                "CREATE INDEX CONCURRENTLY idx ON t (a)",
                "CREATE INDEX CONCURRENTLY",
            ),
            (
                "-- speed\ncreate unique index concurrently if not exists i on t(a)",
                "CREATE UNIQUE INDEX CONCURRENTLY",
            ),
            (
                "DROP INDEX CONCURRENTLY IF EXISTS i",
                "DROP INDEX CONCURRENTLY",
            ),
            (
                "REINDEX (VERBOSE) INDEX CONCURRENTLY i",
                "REINDEX CONCURRENTLY",
            ),
            ("REINDEX DATABASE app", "REINDEX DATABASE"),
            ("VACUUM (ANALYZE) t", "VACUUM"),
            ("CREATE DATABASE other", "CREATE DATABASE"),
            ("DROP TABLESPACE fast", "DROP TABLESPACE"),
            ("ALTER SYSTEM SET work_mem = '64MB'", "ALTER SYSTEM"),
            (
                "CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p",
                "CREATE SUBSCRIPTION",
            ),
        ];
        for (sql, keywords) in cases {
            assert_eq!(pg(sql).as_deref(), Some(keywords), "{sql}");
        }
    }

    #[test]
    fn ordinary_statements_and_lookalikes_run_in_a_transaction() {
        for sql in [
            "CREATE INDEX idx ON t (a)",
            "CREATE INDEX concurrently_idx ON t (a)",
            "REINDEX INDEX i",
            "CREATE TABLE vacuum (concurrently INT)",
            "ALTER TYPE mood ADD VALUE 'meh'",
            "/* CREATE INDEX CONCURRENTLY */ SELECT 1",
            "SELECT 'VACUUM'",
            "ALTER DATABASE app SET search_path = app",
        ] {
            assert_eq!(pg(sql), None, "{sql}");
        }
    }

    #[test]
    fn sqlite_vacuum_and_nothing_on_mysql() {
        assert_eq!(
            needs_autocommit("vacuum", Dialect::Sqlite).as_deref(),
            Some("VACUUM")
        );
        assert_eq!(
            needs_autocommit("CREATE INDEX CONCURRENTLY i ON t(a)", Dialect::Sqlite),
            None
        );
        assert_eq!(needs_autocommit("VACUUM", Dialect::Mysql), None);
    }
}
