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

/// Whether the statement only changes rows (`INSERT`, `UPDATE`, `DELETE`, `REPLACE`, or
/// a `WITH` in front of one): on MySQL/MariaDB, where a migration runs outside a
/// transaction because its DDL commits by itself, such a statement can still share one
/// commit with the progress row that says it ran, so a kill never leaves it applied and
/// counted as not done (a resume would apply it twice).
pub fn only_changes_rows(sql: &str, dialect: Dialect) -> bool {
    let words = leading_words(sql, dialect, 1);
    matches!(
        words.first().map(String::as_str),
        Some("INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "WITH")
    )
}

/// Whether the statement may change the session's transaction state in a way reading it
/// cannot see (`CALL` a procedure that opens one, `SET autocommit`, `LOCK TABLES`, a
/// prepared statement): a file holding one keeps its statements' own commits, so what it
/// leaves open is found and rolled back after it, as before.
pub fn may_touch_transactions(sql: &str, dialect: Dialect) -> bool {
    let words = leading_words(sql, dialect, 1);
    matches!(
        words.first().map(String::as_str),
        Some("CALL" | "SET" | "LOCK" | "UNLOCK" | "DO" | "PREPARE" | "EXECUTE" | "HANDLER")
    )
}

/// Whether the statement cannot change the session it runs in. On MySQL/MariaDB: DDL on
/// tables, indexes and views, which runs no code of the user's (a stored function is
/// refused in a column's `DEFAULT`, `CHECK` or generated expression) and touches no
/// session setting, current database, role, transaction or table lock. A file made only
/// of such statements needs no look at the session after it (`restore_session`, one round
/// trip per step). Anything with a `SELECT` in it (`CREATE TABLE ... SELECT f()`) or any
/// other statement may. On SQLite every statement but `PRAGMA`, `ATTACH` and `DETACH`
/// leaves it alone. On PostgreSQL any function may call `set_config`: always `false`.
pub fn leaves_session_alone(sql: &str, dialect: Dialect) -> bool {
    let words = leading_words(sql, dialect, 3);
    match dialect {
        // A connection's switches change only by `PRAGMA` (no trigger or function can
        // run one), and its schemas by `ATTACH`/`DETACH`.
        Dialect::Sqlite => {
            return !matches!(
                words.first().map(String::as_str),
                Some("PRAGMA" | "ATTACH" | "DETACH")
            );
        }
        Dialect::Postgres => return false,
        Dialect::Mysql => {}
    }
    let word = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    let ddl = match (word(0), word(1)) {
        ("CREATE" | "ALTER", "TABLE") | ("DROP", "TABLE" | "INDEX" | "VIEW") => true,
        ("RENAME", "TABLE") | ("TRUNCATE", _) | ("CREATE", "INDEX") => true,
        ("CREATE", "UNIQUE" | "FULLTEXT" | "SPATIAL") => word(2) == "INDEX",
        ("ALTER", "ONLINE" | "IGNORE") => word(2) == "TABLE",
        _ => false,
    };
    ddl && !super::control::statement_tokens(sql, dialect)
        .iter()
        .any(|w| w == "SELECT")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_on_tables_leaves_the_session_alone_and_nothing_else_does() {
        for sql in [
            "CREATE TABLE t (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, at DATETIME DEFAULT CURRENT_TIMESTAMP)",
            "ALTER TABLE t ADD COLUMN note TEXT",
            "alter online table t add index (a)",
            "CREATE UNIQUE INDEX t_a ON t (a)",
            "-- index\nCREATE INDEX t_b ON t (b)",
            "DROP TABLE IF EXISTS t",
            "RENAME TABLE t TO u",
        ] {
            assert!(leaves_session_alone(sql, Dialect::Mysql), "{sql}");
        }
        for sql in [
            "CREATE TABLE t AS SELECT f() AS x",
            "CREATE TEMPORARY TABLE t (a INT)",
            "INSERT INTO t VALUES (1)",
            "UPDATE t SET a = f()",
            "SET sql_mode = ''",
            "USE other",
            "CALL p()",
            "CREATE PROCEDURE p() BEGIN SET @@session.sql_mode = ''; END",
            "LOCK TABLES t WRITE",
            "START TRANSACTION",
        ] {
            assert!(!leaves_session_alone(sql, Dialect::Mysql), "{sql}");
        }
        assert!(!leaves_session_alone(
            "CREATE TABLE t (a INT)",
            Dialect::Postgres
        ));
        assert!(leaves_session_alone(
            "INSERT INTO t SELECT 1",
            Dialect::Sqlite
        ));
        assert!(leaves_session_alone(
            "CREATE TABLE t (a INT)",
            Dialect::Sqlite
        ));
        for sql in ["PRAGMA query_only = 1", "ATTACH 'x.db' AS x", "detach x"] {
            assert!(!leaves_session_alone(sql, Dialect::Sqlite), "{sql}");
        }
    }

    #[test]
    fn row_changes_are_told_from_ddl() {
        for sql in [
            "INSERT INTO t VALUES (1)",
            "-- backfill\nupdate t set a = 1",
            "/* gone */ DELETE FROM t WHERE a = 0",
            "REPLACE INTO t VALUES (2)",
        ] {
            assert!(only_changes_rows(sql, Dialect::Mysql), "{sql}");
        }
        for sql in [
            "CREATE TABLE t (a INT)",
            "ALTER TABLE t ADD b INT",
            "DROP TABLE t",
        ] {
            assert!(!only_changes_rows(sql, Dialect::Mysql), "{sql}");
        }
    }

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
