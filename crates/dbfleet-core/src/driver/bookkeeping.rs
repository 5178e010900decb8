//! The SQL of dbfleet's own two tables, per dialect. The planner shows these exact
//! statements in a dry run and the runner executes the same text, so the preview cannot
//! drift from what runs.
//!
//! On the servers every statement names its table with the schema (PostgreSQL) or
//! database (MySQL) the session was opened in, read once at connect: a migration that
//! empties the search path (as every `pg_dump` output does) or runs `USE other_db` cannot
//! redirect dbfleet's own writes.

use crate::catalog::Version;
use crate::dialect::Dialect;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bookkeeping {
    pub dialect: Dialect,
    pub migrations_table: String,
    pub lock_table: String,
    /// The PostgreSQL schema or MySQL database the tables live in, as the session found it
    /// at connect (`current_schema()`, `DATABASE()`); `None` on SQLite, which has no
    /// search path, and before a server session has said.
    pub schema: Option<String>,
}

/// The values of one migrations-table row. `applied_at` and `execution_ms` are only known
/// while the step runs; a preview renders them (and the run id) as `:applied_at`,
/// `:execution_ms` and `:run_id`.
#[derive(Debug, Clone)]
pub struct RowValues<'a> {
    pub set: &'a str,
    pub version: &'a Version,
    pub name: &'a str,
    pub checksum: &'a str,
    pub statements_total: usize,
    pub applied_at: Option<&'a str>,
    pub execution_ms: Option<u128>,
    pub applied_by: &'a str,
    pub run_id: Option<&'a str>,
}

/// The single row of the lock table always has this id, so "insert if absent" is the lock.
const LOCK_ID: i64 = 1;

impl Bookkeeping {
    pub fn new(dialect: Dialect, migrations_table: &str, lock_table: &str) -> Self {
        Bookkeeping {
            dialect,
            migrations_table: migrations_table.to_owned(),
            lock_table: lock_table.to_owned(),
            schema: None,
        }
    }

    /// The same tables, named inside `schema` from now on.
    pub fn in_schema(self, schema: Option<String>) -> Self {
        Bookkeeping { schema, ..self }
    }

    pub fn ident(&self, name: &str) -> String {
        match self.dialect {
            Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
            Dialect::Sqlite | Dialect::Postgres => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    pub fn literal(&self, value: &str) -> String {
        let doubled = value.replace('\'', "''");
        match self.dialect {
            // MySQL treats backslash as an escape inside strings unless NO_BACKSLASH_ESCAPES.
            Dialect::Mysql => format!("'{}'", doubled.replace('\\', "\\\\")),
            Dialect::Sqlite | Dialect::Postgres => format!("'{doubled}'"),
        }
    }

    /// `table` as every bookkeeping statement names it: qualified where there is a schema.
    pub fn table(&self, table: &str) -> String {
        match &self.schema {
            Some(schema) => format!("{}.{}", self.ident(schema), self.ident(table)),
            None => self.ident(table),
        }
    }

    fn migrations(&self) -> String {
        self.table(&self.migrations_table)
    }

    fn lock(&self) -> String {
        self.table(&self.lock_table)
    }

    /// How a step that runs in a transaction opens it. SQLite takes its write lock at once
    /// (`IMMEDIATE`): a deferred transaction that reads first and writes later cannot wait
    /// for another connection's write lock (SQLite answers "database is locked" at once
    /// instead of calling the busy handler), and a second run polling for the migration
    /// lock takes that write lock for a moment.
    pub fn begin(&self) -> &'static str {
        match self.dialect {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres | Dialect::Mysql => "BEGIN",
        }
    }

    pub fn create_tables(&self) -> Vec<String> {
        // Versions are text: pop's 20-digit versions and Flyway's `1.2.10` fit no integer.
        // (Tables made before kept an integer column; integer versions still fit it.)
        let (text, key, version, big) = match self.dialect {
            Dialect::Sqlite => ("TEXT", "TEXT", "TEXT", "INTEGER"),
            Dialect::Postgres => ("TEXT", "VARCHAR(255)", "VARCHAR(64)", "BIGINT"),
            // utf8mb4 keys must stay under InnoDB's index prefix limit.
            Dialect::Mysql => ("TEXT", "VARCHAR(191)", "VARCHAR(64)", "BIGINT"),
        };
        let short = if self.dialect == Dialect::Sqlite {
            "TEXT"
        } else {
            "VARCHAR(255)"
        };
        vec![
            format!(
                "CREATE TABLE IF NOT EXISTS {} (\n  migration_set {key} NOT NULL,\n  version {version} NOT NULL,\n  name {short} NOT NULL,\n  checksum {short} NOT NULL,\n  status {short} NOT NULL,\n  statements_done INTEGER NOT NULL DEFAULT 0,\n  statements_total INTEGER NOT NULL DEFAULT 0,\n  error {text},\n  applied_at {short} NOT NULL,\n  execution_ms {big} NOT NULL DEFAULT 0,\n  applied_by {short} NOT NULL,\n  run_id {short} NOT NULL,\n  PRIMARY KEY (migration_set, version)\n)",
                self.migrations()
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {} (\n  lock_id INTEGER NOT NULL PRIMARY KEY,\n  holder {short} NOT NULL,\n  host {short} NOT NULL,\n  pid {big} NOT NULL,\n  run_id {short} NOT NULL,\n  acquired_at {short} NOT NULL,\n  heartbeat_at {short} NOT NULL\n)",
                self.lock()
            ),
        ]
    }

    /// Turns the integer `version` column of a migrations table made before versions were
    /// text into text, rows kept. Run under the migration lock; SQLite, which cannot
    /// change a column's type, copies the table inside the lock's transaction.
    pub fn widen_version(&self) -> Vec<String> {
        let table = self.migrations();
        match self.dialect {
            Dialect::Postgres => vec![format!(
                "ALTER TABLE {table} ALTER COLUMN version TYPE VARCHAR(64) USING CAST(version AS TEXT)"
            )],
            Dialect::Mysql => vec![format!(
                "ALTER TABLE {table} MODIFY version VARCHAR(64) NOT NULL"
            )],
            Dialect::Sqlite => {
                let old = self.ident(&format!("{}_before_text_versions", self.migrations_table));
                let mut statements = vec![format!("ALTER TABLE {table} RENAME TO {old}")];
                statements.extend(self.create_tables().into_iter().take(1));
                statements.push(format!(
                    "INSERT INTO {table} SELECT migration_set, CAST(version AS TEXT), name, checksum, status, statements_done, statements_total, error, applied_at, execution_ms, applied_by, run_id FROM {old}"
                ));
                statements.push(format!("DROP TABLE {old}"));
                statements
            }
        }
    }

    /// Integers come back as one 64-bit type on every dialect, so one decoder reads them.
    fn int64(&self, column: &str) -> String {
        match self.dialect {
            Dialect::Sqlite => format!("CAST({column} AS INTEGER)"),
            Dialect::Postgres => format!("CAST({column} AS BIGINT)"),
            Dialect::Mysql => format!("CAST({column} AS SIGNED)"),
        }
    }

    /// Text comes back as text whichever type the column has (an integer `version` column
    /// of a table made before versions were text).
    fn text(&self, column: &str) -> String {
        match self.dialect {
            Dialect::Sqlite | Dialect::Postgres => format!("CAST({column} AS TEXT)"),
            Dialect::Mysql => format!("CAST({column} AS CHAR)"),
        }
    }

    /// Unordered: versions order as numbers, which text columns do not (the reader sorts).
    pub fn select_applied(&self) -> String {
        format!(
            "SELECT migration_set, {}, name, checksum, status, {}, {}, error, applied_at, {}, applied_by, run_id FROM {}",
            self.text("version"),
            self.int64("statements_done"),
            self.int64("statements_total"),
            self.int64("execution_ms"),
            self.migrations()
        )
    }

    pub fn select_lock(&self) -> String {
        format!(
            "SELECT holder, host, {}, run_id, acquired_at, heartbeat_at FROM {} WHERE lock_id = {LOCK_ID}",
            self.int64("pid"),
            self.lock()
        )
    }

    fn timestamp(&self, value: Option<&str>) -> String {
        value
            .map(|v| self.literal(v))
            .unwrap_or_else(|| ":applied_at".to_owned())
    }

    fn insert_row(&self, row: &RowValues, status: &str, done: usize) -> String {
        let ms = row
            .execution_ms
            .map(|ms| ms.to_string())
            .unwrap_or_else(|| ":execution_ms".into());
        format!(
            "INSERT INTO {} (migration_set, version, name, checksum, status, statements_done, statements_total, applied_at, execution_ms, applied_by, run_id) VALUES ({}, {}, {}, {}, '{status}', {done}, {}, {}, {ms}, {}, {})",
            self.migrations(),
            self.literal(row.set),
            self.literal(row.version.as_str()),
            self.literal(row.name),
            self.literal(row.checksum),
            row.statements_total,
            self.timestamp(row.applied_at),
            self.literal(row.applied_by),
            row.run_id
                .map(|r| self.literal(r))
                .unwrap_or_else(|| ":run_id".to_owned()),
        )
    }

    fn row_key(&self, set: &str, version: &Version) -> String {
        format!(
            "migration_set = {} AND version = {}",
            self.literal(set),
            self.literal(version.as_str())
        )
    }

    /// The row a step in a transaction writes as it commits.
    pub fn record_applied(&self, row: &RowValues) -> String {
        self.insert_row(row, "applied", row.statements_total)
    }

    /// A migration recorded as applied without running it: taken over from another tool's
    /// table (`dbfleet adopt`) or below a baseline (`dbfleet baseline`). `applied_by` says
    /// which; every statement counts as done.
    pub fn record_adopted(&self, row: &RowValues) -> String {
        self.insert_row(row, "applied", row.statements_total)
    }

    /// Before a step that cannot run in a transaction: if it dies half-way, this row makes
    /// the database dirty instead of silently half-migrated.
    pub fn record_running(&self, row: &RowValues) -> String {
        // Nothing has run yet: its duration is known, and zero.
        let started = RowValues {
            execution_ms: Some(0),
            ..row.clone()
        };
        self.insert_row(&started, "running", 0)
    }

    pub fn record_progress(&self, set: &str, version: &Version, done: usize) -> String {
        format!(
            "UPDATE {} SET statements_done = {done} WHERE {}",
            self.migrations(),
            self.row_key(set, version)
        )
    }

    pub fn record_finished(&self, row: &RowValues) -> String {
        let ms = row
            .execution_ms
            .map(|ms| ms.to_string())
            .unwrap_or_else(|| ":execution_ms".into());
        format!(
            "UPDATE {} SET status = 'applied', statements_done = {}, applied_at = {}, execution_ms = {ms}, error = NULL WHERE {}",
            self.migrations(),
            row.statements_total,
            self.timestamp(row.applied_at),
            self.row_key(row.set, row.version)
        )
    }

    pub fn record_failed(&self, set: &str, version: &Version, error: &str) -> String {
        format!(
            "UPDATE {} SET status = 'failed', error = {} WHERE {}",
            self.migrations(),
            self.literal(error),
            self.row_key(set, version)
        )
    }

    /// `resolve --resume` takes a dirty step up again where it stopped: an up's row is
    /// `running` again (a resume that dies leaves it dirty as a run would), a down's stays
    /// `reverting`; the old failure is cleared.
    pub fn record_resuming(&self, set: &str, version: &Version, reverting: bool) -> String {
        format!(
            "UPDATE {} SET status = '{}', error = NULL WHERE {}",
            self.migrations(),
            if reverting { "reverting" } else { "running" },
            self.row_key(set, version)
        )
    }

    /// A down that died half-way stays `reverting` (not `failed`): resolving it means the
    /// opposite of resolving a half-done up.
    pub fn record_revert_failed(&self, set: &str, version: &Version, error: &str) -> String {
        format!(
            "UPDATE {} SET error = {} WHERE {}",
            self.migrations(),
            self.literal(error),
            self.row_key(set, version)
        )
    }

    pub fn record_reverting(
        &self,
        set: &str,
        version: &Version,
        statements_total: usize,
    ) -> String {
        format!(
            "UPDATE {} SET status = 'reverting', statements_done = 0, statements_total = {statements_total} WHERE {}",
            self.migrations(),
            self.row_key(set, version)
        )
    }

    pub fn delete_row(&self, set: &str, version: &Version) -> String {
        format!(
            "DELETE FROM {} WHERE {}",
            self.migrations(),
            self.row_key(set, version)
        )
    }

    /// Accepting an intentional edit of an applied file: its checksum as it is now.
    pub fn record_checksum(&self, set: &str, version: &Version, checksum: &str) -> String {
        format!(
            "UPDATE {} SET checksum = {} WHERE {}",
            self.migrations(),
            self.literal(checksum),
            self.row_key(set, version)
        )
    }

    /// Resolving a dirty row as applied keeps it and clears the failure.
    pub fn mark_applied(&self, set: &str, version: &Version) -> String {
        format!(
            "UPDATE {} SET status = 'applied', error = NULL, statements_done = statements_total WHERE {}",
            self.migrations(),
            self.row_key(set, version)
        )
    }

    pub fn insert_lock(
        &self,
        holder: &str,
        host: &str,
        pid: u32,
        run_id: &str,
        now: &str,
    ) -> String {
        format!(
            "INSERT INTO {} (lock_id, holder, host, pid, run_id, acquired_at, heartbeat_at) VALUES ({LOCK_ID}, {}, {}, {pid}, {}, {}, {})",
            self.lock(),
            self.literal(holder),
            self.literal(host),
            self.literal(run_id),
            self.literal(now),
            self.literal(now)
        )
    }

    pub fn update_heartbeat(&self, run_id: &str, now: &str) -> String {
        format!(
            "UPDATE {} SET heartbeat_at = {} WHERE lock_id = {LOCK_ID} AND run_id = {}",
            self.lock(),
            self.literal(now),
            self.literal(run_id)
        )
    }

    pub fn delete_lock(&self, run_id: Option<&str>) -> String {
        match run_id {
            Some(run_id) => format!(
                "DELETE FROM {} WHERE lock_id = {LOCK_ID} AND run_id = {}",
                self.lock(),
                self.literal(run_id)
            ),
            None => format!("DELETE FROM {} WHERE lock_id = {LOCK_ID}", self.lock()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_follows_the_dialect() {
        let sqlite = Bookkeeping::new(Dialect::Sqlite, "schema_migrations", "l");
        let mysql = Bookkeeping::new(Dialect::Mysql, "schema_migrations", "l");
        assert_eq!(sqlite.ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(mysql.ident("a`b"), "`a``b`");
        assert_eq!(sqlite.literal("it's \\"), "'it''s \\'");
        assert_eq!(mysql.literal("it's \\"), "'it''s \\\\'");
    }

    #[test]
    fn server_tables_are_named_in_the_schema_read_at_connect() {
        let pg = Bookkeeping::new(
            Dialect::Postgres,
            "schema_migrations",
            "schema_migrations_lock",
        )
        .in_schema(Some("public".into()));
        let my = Bookkeeping::new(
            Dialect::Mysql,
            "schema_migrations",
            "schema_migrations_lock",
        )
        .in_schema(Some("shop`db".into()));
        let row = RowValues {
            set: "s",
            version: &Version::from(1),
            name: "n",
            checksum: "c",
            statements_total: 1,
            applied_at: None,
            execution_ms: None,
            applied_by: "ops@host",
            run_id: None,
        };
        assert!(
            pg.record_applied(&row)
                .starts_with("INSERT INTO \"public\".\"schema_migrations\" ")
        );
        assert!(
            pg.delete_lock(None)
                .starts_with("DELETE FROM \"public\".\"schema_migrations_lock\" ")
        );
        assert!(
            my.select_applied()
                .ends_with("FROM `shop``db`.`schema_migrations`")
        );
        for sql in pg.create_tables().iter().chain(my.create_tables().iter()) {
            assert!(
                sql.contains("\"public\".") || sql.contains("`shop``db`."),
                "{sql}"
            );
        }
        // SQLite has no search path: its names stay as they were.
        let sqlite = Bookkeeping::new(Dialect::Sqlite, "schema_migrations", "l");
        assert!(sqlite.delete_lock(None).starts_with("DELETE FROM \"l\" "));
    }

    #[test]
    fn a_sqlite_step_takes_the_write_lock_when_it_begins() {
        let b = |d| Bookkeeping::new(d, "m", "l").begin();
        assert_eq!(b(Dialect::Sqlite), "BEGIN IMMEDIATE");
        assert_eq!(b(Dialect::Postgres), "BEGIN");
        assert_eq!(b(Dialect::Mysql), "BEGIN");
    }

    #[test]
    fn preview_rows_show_placeholders_for_run_time_values() {
        let b = Bookkeeping::new(Dialect::Postgres, "schema_migrations", "l");
        let row = RowValues {
            set: "user_service",
            version: &Version::from(1),
            name: "create_users",
            checksum: "abc",
            statements_total: 3,
            applied_at: None,
            execution_ms: None,
            applied_by: "ops@host",
            run_id: None,
        };
        let sql = b.record_applied(&row);
        assert!(sql.contains(":applied_at, :execution_ms"), "{sql}");
        let running = b.record_running(&RowValues {
            applied_at: Some("t0"),
            ..row.clone()
        });
        assert!(running.contains("'running', 0, 3, 't0', 0,"), "{running}");
        assert!(
            sql.starts_with("INSERT INTO \"schema_migrations\""),
            "{sql}"
        );
        let done = RowValues {
            applied_at: Some("2026-01-01T00:00:00Z"),
            execution_ms: Some(12),
            ..row
        };
        assert!(
            b.record_applied(&done)
                .contains("'2026-01-01T00:00:00Z', 12,")
        );
    }
}
