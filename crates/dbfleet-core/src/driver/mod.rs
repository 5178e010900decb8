//! The driver contract: the one abstraction over sqlx, a `Session` with one database, and
//! the types it speaks in. This file is only the contract; what each method guarantees is
//! said here, and `tests/session_contract.rs` checks it on every dialect.
//!
//! Below it: `session.rs` writes the contract once over one sqlx connection (statements,
//! reads of dbfleet's tables, the migration lock's protocol), `rows.rs` decodes dbfleet's
//! rows whichever database they come from, and each dialect's file says only what its
//! database does differently (`sqlite.rs`, `postgres.rs`, `mysql.rs`, with what the two
//! servers share in `server.rs`); `bookkeeping.rs` holds the SQL of dbfleet's own tables,
//! `dump.rs` the servers' backups, `restore.rs` putting one back, `connect.rs` opens a
//! session of the right dialect.
//!
//! The engine drives sessions: it decides what runs and in which order; a session only
//! knows how its database does each primitive (run a statement, take the lock, back up).

pub mod bookkeeping;
mod connect;
#[cfg(test)]
mod connect_options_tests;
pub mod dump;
pub mod foreign;
mod mysql;
mod postgres;
pub mod restore;
mod rows;
mod server;
mod session;
mod sqlite;
mod table_sizes;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;

pub use bookkeeping::{Bookkeeping, RowValues};
pub use connect::{connect, exists, transactional_ddl};
pub use foreign::{OtherTool, Tool};
pub use table_sizes::TableSizes;

use crate::catalog::Version;
use crate::dialect::Dialect;
use crate::lint::TableRef;

/// What a session may do. Status and dry runs use `ReadOnly`, which never creates a file,
/// a table or a lock row: the database refuses writes on such a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    /// `create`: a missing SQLite file may be created (only `up` does).
    ReadWrite {
        create: bool,
    },
}

/// How a session is opened: the connect deadline (zero: none), and a per-statement limit
/// (0: none) where the server has one.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub statement_secs: u64,
}

/// One row of the migrations table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedRow {
    pub set: String,
    pub version: Version,
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
    /// When that session has not written its row yet (or is not dbfleet), the row stands
    /// for "another session", with `now` as its times.
    Held(LockRow),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DbStats {
    /// Tables of the application, not counting dbfleet's own two.
    pub tables: u64,
    pub size_bytes: u64,
    /// The server as it names itself, short: `PostgreSQL 15.19`, `MariaDB 10.11.19`,
    /// `SQLite 3.46.0`.
    pub server_version: Option<String>,
}

/// A database as `Session::read_state` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseState {
    pub applied: Vec<AppliedRow>,
    /// The lock row, and whether the database's own lock is held (`server_lock_held`).
    pub lock: Option<(LockRow, Option<bool>)>,
    pub stats: DbStats,
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
    /// The migrations table is another tool's (see `rows::not_ours`).
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

/// One open connection to one database (`connect` opens it; nothing is pooled). Every
/// method runs on that connection, in order; none waits for another session's migration
/// lock, though a statement may wait its turn behind another connection's write (SQLite's
/// busy timeout, a server's lock wait) as any statement does.
///
/// dbfleet's own two tables (the migrations table and the lock table, named in
/// `bookkeeping()`) are created by `try_lock` and by nothing else here; every read returns
/// "nothing" while they do not exist. On PostgreSQL and MySQL they are named in the schema
/// or database the session was opened in, whatever a migration does to the session later.
#[async_trait]
pub trait Session: Send {
    fn dialect(&self) -> Dialect;
    /// The SQL of dbfleet's tables for this session, in the schema read at connect.
    fn bookkeeping(&self) -> &Bookkeeping;
    /// Whether DDL can roll back, so a step and its bookkeeping row commit together: the
    /// same answer as `transactional_ddl(self.dialect())`, and true to what the database
    /// does (a table created inside `Bookkeeping::begin` and rolled back is gone). MySQL
    /// commits DDL implicitly; there a half-done step must be tracked as dirty.
    fn transactional_ddl(&self) -> bool;

    /// Runs `sql` as written: one statement or several separated by `;`, no parameters,
    /// no statement cache (migrations are DDL). Whatever the statements change in the
    /// session stays until `restore_session`.
    async fn execute(&mut self, sql: &str) -> DriverResult<()>;

    /// Whether the migrations table exists. Never creates it.
    async fn bookkeeping_exists(&mut self) -> DriverResult<bool>;
    /// Every row of the migrations table, ordered by set and version; empty when the
    /// table does not exist. A table of that name that another tool made is an error that
    /// says so (and names `migrator.migrations_table`).
    async fn read_applied(&mut self) -> DriverResult<Vec<AppliedRow>>;
    /// The lock table's row, if any; `None` when free or when the table does not exist.
    async fn read_lock(&mut self) -> DriverResult<Option<LockRow>>;
    /// Other migration tools' bookkeeping tables found here, under their default names, and
    /// what each says was applied, left dirty, failed or half-done (`foreign.rs`): in the
    /// session's schema or database, and on PostgreSQL also Atlas's own schema. dbfleet's
    /// own table is never one of them, whatever its name. Reads only: works on a
    /// `ReadOnly` session, and creates nothing.
    async fn other_tools(&mut self) -> DriverResult<Vec<OtherTool>>;

    /// Takes the database's migration lock if nobody holds it. Never waits for the holder.
    /// A migrations table of the configured name that another tool made is a `NotOurs`
    /// error, and is left as it was. Creates dbfleet's two tables when missing, under the same mutual exclusion (two
    /// runs creating them at once can collide on PostgreSQL). Only where the database has
    /// a lock of its own does a row left behind get replaced (see `LockAttempt::Taken`);
    /// on SQLite such a row is `Held` and judged stale or not by the caller. Once taken,
    /// the lock is this session's until `release_lock`, `clear_lock` or the session ends
    /// (a server's own lock ends with the connection; the row stays, visibly stale).
    async fn try_lock(&mut self, holder: &LockHolder, now: &str) -> DriverResult<LockAttempt>;
    /// Whether the database's own lock (a PostgreSQL advisory lock, a MySQL named lock) is
    /// held by a live session right now, this one included. `None` where the lock row is
    /// all there is (SQLite): then staleness is judged from the holder's pid and heartbeat.
    async fn server_lock_held(&mut self) -> DriverResult<Option<bool>>;
    /// Whether the database has a lock of its own (see `server_lock_held`). Where it does,
    /// a failed `try_lock` proves a live holder; asking again would race its release.
    fn has_server_lock(&self) -> bool;
    /// Sets the lock row's `heartbeat_at` to `now`, if the row is `holder`'s run's; another
    /// run's row is left as it is.
    async fn heartbeat(&mut self, holder: &LockHolder, now: &str) -> DriverResult<()>;
    /// Puts the session back as it was opened, after a migration's statements and before
    /// dbfleet's own or the next migration's: the role, the settings, the current database
    /// a migration may have changed (`SET ROLE`, `SET search_path`, `RESET ALL`, `USE`,
    /// `SET sql_mode`, `LOCK TABLES`, `PRAGMA query_only`, ...). Each migration thus starts
    /// from the session the config describes, whichever migration ran before it in the
    /// same run, and dbfleet's own rows are written and read as on a fresh session.
    /// `in_step_transaction`: dbfleet's transaction for the step is open and stays open;
    /// the engine opens one only where `transactional_ddl()`. Outside one, a transaction
    /// the migration opened and left open is rolled back and reported as an error: its
    /// statements were not committed (PostgreSQL, MySQL; a SQLite migration cannot open
    /// one, as transaction control is refused in migration files).
    async fn restore_session(&mut self, in_step_transaction: bool) -> DriverResult<()>;
    /// Where `restore_session(true)` is statements whose answer nothing reads (PostgreSQL's
    /// `RESET`s), those statements: the step then sends them with its closing row, in the
    /// same round trip and still before it. `None` where restoring must read the session.
    fn resets_in_transaction(&self) -> Option<&'static str>;
    /// Removes this run's lock row and frees the database's own lock, whatever the last
    /// migration did to the session (it is restored first). Another run's row stays.
    async fn release_lock(&mut self, holder: &LockHolder) -> DriverResult<()>;
    /// Removes whatever lock row there is, whoever wrote it; returns it (`None` when there
    /// was none or no lock table). The database's own lock is not touched.
    async fn clear_lock(&mut self) -> DriverResult<Option<LockRow>>;

    /// The application's tables (dbfleet's two left out) and the database's size.
    async fn stats(&mut self) -> DriverResult<DbStats>;
    /// What `status` shows of a database, in as few round trips as the database allows:
    /// the same answers as `read_applied`, `read_lock` (with `server_lock_held` when there
    /// is a row) and `stats`, asked one after the other on this session.
    async fn read_state(&mut self) -> DriverResult<DatabaseState>;
    /// A consistent copy of the database at `dest`, readable by its owner only and never
    /// empty, without the lock table's row (a restored copy is not locked by a run long
    /// gone); returns its size in bytes. The servers need their dump tool on `PATH`
    /// (`dump::backup_tool`).
    async fn backup(&mut self, dest: &Path) -> DriverResult<u64>;

    /// Ends the session and its connection; a server's own lock, if still held, ends with
    /// it.
    async fn close(self: Box<Self>);

    /// A handle that stops the statement this session is running, usable from another
    /// task while `execute` is in flight (an abort: see `Interrupt`). Cheap; take it
    /// before the statement starts.
    fn interrupter(&self) -> Interrupter;

    /// The size of each of `tables` as the catalog's statistics estimate it (never a count
    /// of rows), in one query, with the server's version on MySQL/MariaDB
    /// (`table_sizes.rs`). An unqualified name is looked up as a migration's statement
    /// would find it: PostgreSQL's search path, MySQL's current database, SQLite's `main`
    /// (where SQLite lacks `dbstat`, this is an error and nothing is known). Reads only.
    async fn table_sizes(&mut self, tables: &[TableRef]) -> DriverResult<TableSizes>;
}

/// Stops the statement a session is running, from outside that session: PostgreSQL
/// `pg_cancel_backend(pid)` and MySQL `KILL QUERY id`, each from a connection of its own
/// opened for the purpose; SQLite `sqlite3_interrupt` on the connection's handle. The
/// statement then fails with the database's own "cancelled"/"interrupted" error (MySQL's
/// `SELECT SLEEP(n)` alone may instead return early without one: it then counts as run),
/// and the session stays usable: what the statement did is rolled back as the database
/// rolls back any failed statement.
///
/// Nothing running: nothing happens (a statement that starts later is not stopped), so
/// a caller racing a statement's start asks again while that statement runs.
#[async_trait]
pub trait Interrupt: Send + Sync {
    async fn interrupt(&self) -> DriverResult<()>;
}

pub type Interrupter = Arc<dyn Interrupt>;
