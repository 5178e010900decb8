//! The one abstraction over sqlx: a `Session` with one database. Each dialect implements
//! it in its own file; every difference between SQLite, PostgreSQL and MySQL lives below
//! this folder (the bookkeeping SQL in `bookkeeping.rs`, the rest in the dialect's file).
//!
//! The engine drives sessions: it decides what runs and in which order; a session only
//! knows how its database does each primitive (run a statement, take the lock, back up).

pub mod bookkeeping;
pub mod dump;
mod mysql;
mod postgres;
mod sqlite;

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;

pub use bookkeeping::{Bookkeeping, RowValues};

/// The database's own lock held by a live session stands for the holder when its row is
/// not there (yet, or any more).
pub(crate) fn unknown_holder(now: &str) -> LockRow {
    LockRow {
        holder: "another session".into(),
        host: String::new(),
        pid: 0,
        run_id: String::new(),
        acquired_at: now.to_owned(),
        heartbeat_at: now.to_owned(),
    }
}

use crate::config::Target;
use crate::dialect::Dialect;

/// What a session may do. Status and dry runs use `ReadOnly`, which never creates a file,
/// a table or a lock row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    /// `create`: a missing SQLite file may be created (only `up` does).
    ReadWrite {
        create: bool,
    },
}

/// One row of the migrations table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedRow {
    pub set: String,
    pub version: u64,
    pub name: String,
    pub checksum: String,
    pub status: RowStatus,
    pub statements_done: u32,
    pub statements_total: u32,
    pub error: Option<String>,
    pub applied_at: String,
    pub execution_ms: i64,
    pub applied_by: String,
    pub run_id: String,
}

/// A row that is not `Applied` means a step stopped half-way: the database is dirty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    Applied,
    /// Started and never finished: the runner died mid-step.
    Running,
    /// Failed after some statements committed (non-transactional steps only).
    Failed,
    /// A `down` started and never finished.
    Reverting,
}

impl RowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Applied => "applied",
            RowStatus::Running => "running",
            RowStatus::Failed => "failed",
            RowStatus::Reverting => "reverting",
        }
    }

    pub fn parse(s: &str) -> RowStatus {
        match s {
            "applied" => RowStatus::Applied,
            "running" => RowStatus::Running,
            "reverting" => RowStatus::Reverting,
            // Anything unknown is treated as the most careful state.
            _ => RowStatus::Failed,
        }
    }
}

/// Who holds (or wants) a database's migration lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockHolder {
    /// `user@host`
    pub holder: String,
    pub host: String,
    pub pid: u32,
    pub run_id: String,
}

/// The lock table's row, as another process sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockRow {
    pub holder: String,
    pub host: String,
    pub pid: i64,
    pub run_id: String,
    #[serde(rename = "since")]
    pub acquired_at: String,
    pub heartbeat_at: String,
}

/// What `Session::try_lock` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockAttempt {
    /// The lock is ours. `replaced`: the row of a holder whose session is gone, which the
    /// database's own lock proved (a PostgreSQL advisory lock or MySQL named lock that was
    /// free) and which this lock's row replaced: a takeover, for the caller to journal.
    Taken { replaced: Option<LockRow> },
    /// Someone holds it; where the database has a lock of its own, a live session does.
    Held(LockRow),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DbStats {
    /// Tables of the application, not counting dbfleet's own two.
    pub tables: u64,
    pub size_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DriverError {
    pub kind: ErrorKind,
    /// The database's own message, with any secret removed.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Connect,
    /// Another connection holds a lock we need right now; worth retrying.
    Busy,
    Query,
    Timeout,
    Io,
    /// The migrations table is another tool's (see `not_ours`).
    NotOurs,
}

impl DriverError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        DriverError {
            kind,
            message: message.into(),
        }
    }
}

pub type DriverResult<T> = Result<T, DriverError>;

#[async_trait]
pub trait Session: Send {
    fn dialect(&self) -> Dialect;
    fn bookkeeping(&self) -> &Bookkeeping;
    /// Whether DDL can roll back, so a step and its bookkeeping row commit together.
    /// MySQL commits DDL implicitly; there a half-done step must be tracked as dirty.
    fn transactional_ddl(&self) -> bool;

    /// Runs one statement as written (no parameters, no statement cache: migrations are DDL).
    async fn execute(&mut self, sql: &str) -> DriverResult<()>;

    /// Whether the migrations table exists. Never creates it.
    async fn bookkeeping_exists(&mut self) -> DriverResult<bool>;
    /// Every row of the migrations table; empty when it does not exist yet.
    async fn read_applied(&mut self) -> DriverResult<Vec<AppliedRow>>;
    /// The lock table's row, if any; `None` when free or when the table does not exist.
    async fn read_lock(&mut self) -> DriverResult<Option<LockRow>>;

    /// Takes the database's migration lock if nobody holds it. Never waits for the holder.
    /// Creates dbfleet's two tables when missing, under the same mutual exclusion (two
    /// runs creating them at once can collide on PostgreSQL). Only where the database has
    /// a lock of its own does a row left behind get replaced (see `LockAttempt::Taken`);
    /// on SQLite such a row is `Held` and judged stale or not by the caller.
    async fn try_lock(&mut self, holder: &LockHolder, now: &str) -> DriverResult<LockAttempt>;
    /// Whether the database's own lock (a PostgreSQL advisory lock, a MySQL named lock) is
    /// held by a live session right now. `None` where the lock row is all there is (SQLite):
    /// then staleness is judged from the holder's pid and heartbeat.
    async fn server_lock_held(&mut self) -> DriverResult<Option<bool>>;
    /// Whether the database has a lock of its own (see `server_lock_held`). Where it does,
    /// a failed `try_lock` proves a live holder; asking again would race its release.
    fn has_server_lock(&self) -> bool;
    async fn heartbeat(&mut self, holder: &LockHolder, now: &str) -> DriverResult<()>;
    /// Puts the session back as it was opened, after a migration's statements and before
    /// dbfleet's own or the next migration's: the role, the settings, the current database
    /// a migration may have changed (`SET ROLE`, `SET search_path`, `RESET ALL`, `USE`,
    /// `SET sql_mode`, `LOCK TABLES`, ...). Each migration thus starts from the session the
    /// config describes, whichever migration ran before it in the same run.
    /// `in_step_transaction`: dbfleet's transaction for the step is open and stays open.
    /// Outside one, a transaction the migration opened and left open is rolled back and
    /// reported as an error: its statements were not committed.
    async fn restore_session(&mut self, in_step_transaction: bool) -> DriverResult<()>;
    /// Removes this run's lock row and frees the database's own lock, whatever the last
    /// migration did to the session (it is restored first).
    async fn release_lock(&mut self, holder: &LockHolder) -> DriverResult<()>;
    /// Removes whatever lock row there is; returns it.
    async fn clear_lock(&mut self) -> DriverResult<Option<LockRow>>;

    async fn stats(&mut self) -> DriverResult<DbStats>;
    /// A consistent copy of the database at `dest`; returns its size in bytes.
    async fn backup(&mut self, dest: &Path) -> DriverResult<u64>;

    async fn close(self: Box<Self>);
}

/// sqlx's wording for a connection the server closed under it ("expected to read 4 bytes,
/// got 0 bytes at EOF", "Broken pipe (os error 32)") says how the socket failed, not what
/// happened: say that. Other I/O errors (refused, unreachable, timed out) keep their own.
pub(crate) fn io_message(e: &std::io::Error) -> String {
    use std::io::ErrorKind as Io;
    match e.kind() {
        Io::UnexpectedEof | Io::ConnectionReset | Io::ConnectionAborted | Io::BrokenPipe => {
            "the connection was closed by the server (the session was killed, or the server restarted or went away)".to_owned()
        }
        _ => e.to_string(),
    }
}

/// Reads a migrations-table row selected by `Bookkeeping::select_applied`.
/// A migrations table of the configured name that some other tool made (golang-migrate's
/// `schema_migrations` has just `version` and `dirty`): say so, rather than "unknown
/// column" or "unreachable".
pub(crate) fn not_ours(bookkeeping: &Bookkeeping, e: DriverError) -> DriverError {
    if e.message.contains("migration_set") {
        DriverError::new(
            ErrorKind::NotOurs,
            format!(
                "table {} exists but is not dbfleet's (it has no migration_set column; golang-migrate and other tools use that name too): set migrator.migrations_table to another name",
                bookkeeping.migrations_table
            ),
        )
    } else {
        e
    }
}

/// Under the database's own lock (held by this session): creates the tables when missing
/// and writes `holder`'s row, replacing one a session that is gone left behind. Returns
/// the replaced row: that is a takeover, and the caller says so.
pub(crate) async fn replace_lock_row<S: Session + ?Sized>(
    session: &mut S,
    holder: &LockHolder,
    now: &str,
) -> DriverResult<Option<LockRow>> {
    for sql in session.bookkeeping().create_tables() {
        session.execute(&sql).await?;
    }
    let replaced = session.read_lock().await?;
    if replaced.is_some() {
        let delete = session.bookkeeping().delete_lock(None);
        session.execute(&delete).await?;
    }
    let insert = session.bookkeeping().insert_lock(
        &holder.holder,
        &holder.host,
        holder.pid,
        &holder.run_id,
        now,
    );
    session.execute(&insert).await?;
    Ok(replaced)
}

/// The migrations table's rows, on any dialect's connection (the table exists).
pub(crate) async fn fetch_applied<DB>(
    conn: &mut DB::Connection,
    bookkeeping: &Bookkeeping,
    error: fn(sqlx::Error) -> DriverError,
) -> DriverResult<Vec<AppliedRow>>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    for<'r> String: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> i64: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
{
    let rows = sqlx::query::<DB>(sqlx::AssertSqlSafe(bookkeeping.select_applied()))
        .fetch_all(conn)
        .await
        .map_err(|e| not_ours(bookkeeping, error(e)))?;
    rows.iter()
        .map(applied_from_row)
        .collect::<Result<_, _>>()
        .map_err(error)
}

/// The lock table's row, if any, on any dialect's connection (the table exists).
pub(crate) async fn fetch_lock<DB>(
    conn: &mut DB::Connection,
    bookkeeping: &Bookkeeping,
    error: fn(sqlx::Error) -> DriverError,
) -> DriverResult<Option<LockRow>>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    for<'r> String: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> i64: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
{
    let row = sqlx::query::<DB>(sqlx::AssertSqlSafe(bookkeeping.select_lock()))
        .fetch_optional(conn)
        .await
        .map_err(error)?;
    row.as_ref().map(lock_from_row).transpose().map_err(error)
}

pub(crate) fn applied_from_row<'r, R>(row: &'r R) -> Result<AppliedRow, sqlx::Error>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let count = |i: usize| -> Result<u32, sqlx::Error> {
        Ok(u32::try_from(row.try_get::<i64, _>(i)?.max(0)).unwrap_or(u32::MAX))
    };
    Ok(AppliedRow {
        set: row.try_get(0)?,
        version: row.try_get::<i64, _>(1)?.max(0) as u64,
        name: row.try_get(2)?,
        checksum: row.try_get(3)?,
        status: RowStatus::parse(&row.try_get::<String, _>(4)?),
        statements_done: count(5)?,
        statements_total: count(6)?,
        error: row.try_get::<Option<String>, _>(7)?,
        applied_at: row.try_get(8)?,
        execution_ms: row.try_get(9)?,
        applied_by: row.try_get(10)?,
        run_id: row.try_get(11)?,
    })
}

/// Reads a lock row selected by `Bookkeeping::select_lock`.
pub(crate) fn lock_from_row<'r, R>(row: &'r R) -> Result<LockRow, sqlx::Error>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(LockRow {
        holder: row.try_get(0)?,
        host: row.try_get(1)?,
        pid: row.try_get(2)?,
        run_id: row.try_get(3)?,
        acquired_at: row.try_get(4)?,
        heartbeat_at: row.try_get(5)?,
    })
}

/// Whether the dialect's DDL can roll back (see `Session::transactional_ddl`), for
/// planning against a database that does not exist yet.
pub fn transactional_ddl(dialect: Dialect) -> bool {
    dialect != Dialect::Mysql
}

/// Whether the database exists at all, without creating it (a SQLite file not yet made).
pub fn exists(target: &Target) -> bool {
    match target.driver {
        Dialect::Sqlite => Path::new(&target.database).exists(),
        _ => true,
    }
}

/// How a session is opened: the connect deadline (zero: none), and a per-statement limit
/// (0: none) where the server has one.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub statement_secs: u64,
}

/// Opens a session with the database `target` describes: one connection, closed with
/// the session. Nothing is pooled, so a fleet of hundreds of databases on one server
/// holds only as many connections as are working at once.
pub async fn connect(
    target: &Target,
    bookkeeping: Bookkeeping,
    access: Access,
    timeouts: Timeouts,
) -> DriverResult<Box<dyn Session>> {
    let statement = timeouts.statement_secs;
    let opening = async {
        match target.driver {
            Dialect::Sqlite => sqlite::SqliteSession::open(target, bookkeeping, access)
                .await
                .map(|s| Box::new(s) as Box<dyn Session>),
            Dialect::Postgres => {
                postgres::PostgresSession::open(target, bookkeeping, access, statement)
                    .await
                    .map(|s| Box::new(s) as Box<dyn Session>)
            }
            Dialect::Mysql => mysql::MysqlSession::open(target, bookkeeping, access, statement)
                .await
                .map(|s| Box::new(s) as Box<dyn Session>),
        }
    };
    let timeout = timeouts.connect;
    // Zero is no limit, as for statements (and libpq's `connect_timeout=0`).
    if timeout.is_zero() {
        return opening.await;
    }
    match tokio::time::timeout(timeout, opening).await {
        Ok(result) => result,
        Err(_) => Err(DriverError::new(
            ErrorKind::Timeout,
            format!(
                "no connection to {} within {}s",
                target.server_label(),
                timeout.as_secs()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_the_server_closed_says_so() {
        use std::io::{Error, ErrorKind as Io};
        for kind in [
            Io::UnexpectedEof,
            Io::ConnectionReset,
            Io::ConnectionAborted,
            Io::BrokenPipe,
        ] {
            let raw = Error::new(kind, "expected to read 4 bytes, got 0 bytes at EOF");
            let message = io_message(&raw);
            assert!(
                message.starts_with("the connection was closed by the server"),
                "{kind:?}: {message}"
            );
            assert!(!message.contains("expected to read"), "{message}");
        }
        let refused = Error::new(Io::ConnectionRefused, "Connection refused (os error 111)");
        assert_eq!(io_message(&refused), "Connection refused (os error 111)");
    }
}
