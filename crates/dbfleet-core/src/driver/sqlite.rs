//! SQLite: one file per database. Mutual exclusion is SQLite's own write lock: the lock
//! row is inserted inside `BEGIN IMMEDIATE`, so two processes cannot both see the table
//! empty and both insert.

use std::path::Path;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};

use super::foreign::{self, ForeignColumn};
use super::session::{Connected, Driver};
use super::{
    Access, Bookkeeping, DbStats, DriverError, DriverResult, ErrorKind, Interrupt, Session,
};
use crate::config::Target;
use crate::dialect::Dialect;

/// How long a statement waits for another connection's write lock before SQLite says busy.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A SQLite session's own state.
pub struct Sqlite {
    /// The values of `PRAGMAS` when the session was opened, for `restore_session`.
    pragmas: Vec<i64>,
    /// The connection's handle for `sqlite3_interrupt`, shared with its interrupters.
    handle: Arc<Mutex<Option<RawHandle>>>,
}

/// `sqlite3_interrupt` may be called from any thread while another runs a statement, but
/// never on a connection that is closed or closing: the handle sits behind a mutex that
/// the session empties before its connection closes (`closing`, and `Drop` for a session
/// dropped without `close`), so an interrupt either finds the connection open for its
/// whole call or finds nothing.
struct RawHandle(NonNull<libsqlite3_sys::sqlite3>);

// SAFETY: the pointer is only used for `sqlite3_interrupt`, which SQLite documents as safe
// from any thread, and only while the mutex proves the connection open.
unsafe impl Send for RawHandle {}

struct Interrupter(Arc<Mutex<Option<RawHandle>>>);

#[async_trait]
impl Interrupt for Interrupter {
    async fn interrupt(&self) -> DriverResult<()> {
        let Ok(handle) = self.0.lock() else {
            return Ok(());
        };
        if let Some(handle) = handle.as_ref() {
            // SAFETY: the connection is open while the guard is held (see `RawHandle`).
            unsafe { libsqlite3_sys::sqlite3_interrupt(handle.0.as_ptr()) };
        }
        Ok(())
    }
}

impl Sqlite {
    fn forget_handle(&self) {
        if let Ok(mut handle) = self.handle.lock() {
            *handle = None;
        }
    }
}

impl Drop for Sqlite {
    fn drop(&mut self) {
        // Dropped before the connection (see `Connected`'s field order).
        self.forget_handle();
    }
}

/// Connection-level switches a migration may flip that change how later statements run:
/// `query_only` refuses dbfleet's own writes, the others change the next migration's
/// meaning. (`foreign_keys` cannot change inside the transaction every step runs in.)
const PRAGMAS: [&str; 7] = [
    "query_only",
    "recursive_triggers",
    "legacy_alter_table",
    "ignore_check_constraints",
    "reverse_unordered_selects",
    "writable_schema",
    "trusted_schema",
];

fn error(e: sqlx::Error) -> DriverError {
    let kind = match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("5") => ErrorKind::Busy,
        sqlx::Error::Database(db) if db.message().contains("database is locked") => ErrorKind::Busy,
        sqlx::Error::Io(_) => ErrorKind::Io,
        _ => ErrorKind::Query,
    };
    let message = match &e {
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    };
    DriverError::new(kind, message)
}

/// Opens a SQLite session: the file must exist unless `access` may create it; a read-only
/// one cannot write the file, and says so when an interrupted write left it unreadable.
pub async fn open(
    target: &Target,
    bookkeeping: Bookkeeping,
    access: Access,
) -> DriverResult<Connected<Sqlite>> {
    let path = Path::new(&target.database);
    let create = matches!(access, Access::ReadWrite { create: true });
    if create && let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| {
            DriverError::new(
                ErrorKind::Io,
                format!("cannot create {}: {e}", parent.display()),
            )
        })?;
    }
    if !create && !path.exists() {
        return Err(DriverError::new(
            ErrorKind::Connect,
            format!("database file {} does not exist", path.display()),
        ));
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
        .read_only(access == Access::ReadOnly)
        .busy_timeout(BUSY_TIMEOUT)
        .log_statements(tracing::log::LevelFilter::Trace);
    let mut conn = options.connect().await.map_err(|e| {
        DriverError::new(
            ErrorKind::Connect,
            format!("cannot open {}: {}", path.display(), error(e)),
        )
    })?;
    let pragmas = if access == Access::ReadOnly {
        Vec::new()
    } else {
        read_pragmas(&mut conn).await?
    };
    // Only a `-journal` beside the file can be hot: no extra query otherwise.
    if access == Access::ReadOnly && Path::new(&format!("{}-journal", path.display())).exists() {
        check_no_hot_journal(&mut conn, path).await?;
    }
    let handle = match conn.lock_handle().await {
        Ok(mut locked) => Some(RawHandle(locked.as_raw_handle())),
        Err(e) => return Err(error(e)),
    };
    Ok(Connected::new(
        conn,
        bookkeeping,
        target,
        Sqlite {
            pragmas,
            handle: Arc::new(Mutex::new(handle)),
        },
    ))
}

/// A write that died half-way leaves a hot `-journal` beside the file, and SQLite must roll
/// it back before anyone reads — which a read-only connection cannot do. Say that, instead
/// of the bare "attempt to write a readonly database".
async fn check_no_hot_journal(conn: &mut SqliteConnection, path: &Path) -> DriverResult<()> {
    let probe = sqlx::query("SELECT 1 FROM sqlite_master LIMIT 1")
        .fetch_optional(conn)
        .await;
    let Err(e) = probe else { return Ok(()) };
    let journal = format!("{}-journal", path.display());
    let readonly = matches!(&e, sqlx::Error::Database(db) if db.message().contains("readonly"));
    if readonly && Path::new(&journal).exists() {
        return Err(DriverError::new(
            ErrorKind::Query,
            format!(
                "{journal} holds a write that was interrupted; the next `dbfleet up` or `down` on this database (or any read-write open) rolls it back"
            ),
        ));
    }
    Err(error(e))
}

/// Plain `PRAGMA name;` statements: they read a connection flag, never the file, so they do
/// not wait behind another connection's lock (the `pragma_*()` table functions load the
/// schema, which does).
async fn read_pragmas(conn: &mut SqliteConnection) -> DriverResult<Vec<i64>> {
    let sql = PRAGMAS.map(|p| format!("PRAGMA {p}")).join("; ");
    let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .fetch_all(conn)
        .await
        .map_err(error)?;
    use sqlx::Row;
    let values: Vec<i64> = rows
        .iter()
        .map(|row| row.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()
        .map_err(error)?;
    if values.len() != PRAGMAS.len() {
        return Err(DriverError::new(
            ErrorKind::Query,
            format!("reading {}: {} values", PRAGMAS.join(", "), values.len()),
        ));
    }
    Ok(values)
}

/// SQLite has no lock of its own beyond its write lock: the session's lock row is written
/// inside `BEGIN IMMEDIATE` (see `Connected::try_lock`), and a row found there is `Held`.
#[async_trait]
impl Driver for Sqlite {
    const DIALECT: Dialect = Dialect::Sqlite;
    const SERVER_LOCK: bool = false;
    type Conn = SqliteConnection;
    const ERROR: fn(sqlx::Error) -> DriverError = error;

    async fn table_exists(s: &mut Connected<Self>, table: &str) -> DriverResult<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
                .bind(table)
                .fetch_optional(&mut s.conn)
                .await
                .map_err(error)?;
        Ok(found.is_some())
    }

    async fn columns(s: &mut Connected<Self>, tables: &[&str]) -> DriverResult<Vec<ForeignColumn>> {
        let sql = format!(
            "SELECT m.name, p.name FROM sqlite_master AS m, pragma_table_info(m.name) AS p WHERE m.type = 'table' AND m.name IN ({})",
            foreign::name_list(&s.bookkeeping, tables)
        );
        let rows: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut s.conn)
            .await
            .map_err(error)?;
        Ok(rows.into_iter().map(ForeignColumn::here).collect())
    }

    async fn integer_versions(s: &mut Connected<Self>) -> DriverResult<bool> {
        let kind: Option<String> =
            sqlx::query_scalar("SELECT type FROM pragma_table_info(?) WHERE name = 'version'")
                .bind(&s.bookkeeping.migrations_table)
                .fetch_optional(&mut s.conn)
                .await
                .map_err(error)?;
        Ok(kind.is_some_and(|k| k.eq_ignore_ascii_case("integer")))
    }

    async fn restore_session(
        s: &mut Connected<Self>,
        _in_step_transaction: bool,
    ) -> DriverResult<()> {
        if s.driver.pragmas.is_empty() {
            return Ok(());
        }
        let now = read_pragmas(&mut s.conn).await?;
        let fixes: Vec<String> = PRAGMAS
            .iter()
            .zip(now.iter().zip(&s.driver.pragmas))
            .filter(|(_, (now, opened))| now != opened)
            .map(|(name, (_, opened))| format!("PRAGMA {name} = {opened}"))
            .collect();
        if fixes.is_empty() {
            return Ok(());
        }
        s.execute(&fixes.join("; ")).await
    }

    async fn stats(s: &mut Connected<Self>) -> DriverResult<DbStats> {
        // One request to the connection's worker thread, not four: `status` over a
        // thousand files asks this once per file.
        let book = &s.bookkeeping;
        let sql = format!(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ({}, {}); PRAGMA page_count; PRAGMA page_size; SELECT sqlite_version()",
            book.literal(&book.migrations_table),
            book.literal(&book.lock_table)
        );
        let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut s.conn)
            .await
            .map_err(error)?;
        use sqlx::Row;
        let number = |i: usize| -> DriverResult<i64> {
            let row = rows.get(i).ok_or_else(|| {
                DriverError::new(ErrorKind::Query, format!("statistics: {} rows", rows.len()))
            })?;
            row.try_get::<i64, _>(0).map_err(error)
        };
        let (tables, pages, page_size) = (number(0)?, number(1)?, number(2)?);
        let version = rows.get(3).and_then(|row| row.try_get::<String, _>(0).ok());
        Ok(DbStats {
            tables: tables.max(0) as u64,
            size_bytes: (pages * page_size).max(0) as u64,
            server_version: version.map(|v| format!("SQLite {v}")),
        })
    }

    async fn backup(s: &mut Connected<Self>, dest: &Path) -> DriverResult<u64> {
        let dest_text = dest.display().to_string();
        let sql = format!("VACUUM INTO {}", s.bookkeeping.literal(&dest_text));
        s.execute(&sql).await?;
        super::dump::owner_only(dest)?;
        // The copy holds this run's lock row: a restored backup must not come back locked.
        let mut copy = SqliteConnectOptions::new()
            .filename(dest)
            .connect()
            .await
            .map_err(|e| DriverError::new(ErrorKind::Io, format!("{dest_text}: {}", error(e))))?;
        let unlock = s.bookkeeping.delete_lock(None);
        let cleared = sqlx::raw_sql(sqlx::AssertSqlSafe(unlock))
            .execute(&mut copy)
            .await
            .map_err(|e| DriverError::new(ErrorKind::Io, format!("{dest_text}: {}", error(e))));
        let _ = copy.close().await;
        cleared?;
        let size = std::fs::metadata(dest)
            .map_err(|e| DriverError::new(ErrorKind::Io, format!("{dest_text}: {e}")))?
            .len();
        Ok(size)
    }

    fn interrupter(s: &Connected<Self>) -> super::Interrupter {
        Arc::new(Interrupter(s.driver.handle.clone()))
    }

    fn closing(s: &mut Connected<Self>) {
        s.driver.forget_handle();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a migration sets with `PRAGMA query_only = 1` is undone before dbfleet writes
    /// its row, inside the step's own transaction.
    #[test]
    fn restoring_the_session_undoes_a_migrations_pragmas() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = Target {
            driver: Dialect::Sqlite,
            host: None,
            port: None,
            username: None,
            password: None,
            database: dir.path().join("t.db").display().to_string(),
            charset: None,
            schema: None,
            sslmode: None,
            connection: crate::config::ConnectionOptions::default(),
        };
        let book = Bookkeeping::new(Dialect::Sqlite, "m", "l");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let access = Access::ReadWrite { create: true };
            let mut session = open(&target, book, access).await.expect("open");
            session.execute("CREATE TABLE t (x)").await.expect("create");
            session.execute("BEGIN IMMEDIATE").await.expect("begin");
            session
                .execute("PRAGMA query_only = 1; PRAGMA recursive_triggers = 1")
                .await
                .expect("the migration's pragmas");
            let refused = session.execute("INSERT INTO t VALUES (1)").await;
            assert!(refused.is_err(), "query_only is on");
            session.restore_session(true).await.expect("restore");
            session
                .execute("INSERT INTO t VALUES (1)")
                .await
                .expect("insert");
            session.execute("COMMIT").await.expect("commit");
            assert_eq!(
                read_pragmas(&mut session.conn).await.expect("pragmas"),
                session.driver.pragmas
            );
            Box::new(session).close().await;
        });
    }
}
