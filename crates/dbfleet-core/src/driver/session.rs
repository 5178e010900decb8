//! The `Session` contract written once, over one sqlx connection: `Connected<D>` is every
//! dialect's session, and `D: Driver` says only what its database does differently (where
//! the tables are looked up, its own lock, putting the session back, its statistics, its
//! backup). The migration lock's protocol lives here, whichever mutual exclusion the
//! database offers.

use std::path::Path;

use async_trait::async_trait;
use sqlx::Connection;

use super::foreign::{self, ForeignColumn, OtherTool};
use super::rows::{Plumbing, not_ours, not_ours_error};
use super::table_sizes::{self, TableSizes};
use super::{
    AppliedRow, Bookkeeping, DatabaseState, DbStats, DriverError, DriverResult, Interrupter,
    LockAttempt, LockHolder, LockRow, Session,
};
use crate::config::Target;
use crate::dialect::Dialect;
use crate::lint::TableRef;

/// A session: one connection to one database, and what its dialect keeps about it.
pub(crate) struct Connected<D: Driver> {
    /// The dialect's own state: its lock's key, the session as opened. Declared before
    /// `conn` so it is dropped first: SQLite's interrupt handle must be let go of before
    /// the connection it points into closes.
    pub(crate) driver: D,
    pub(crate) conn: D::Conn,
    /// Named in the schema or database the session was opened in (see `bookkeeping.rs`).
    pub(crate) bookkeeping: Bookkeeping,
    pub(crate) target: Target,
}

/// What one dialect does differently. Each method gets the whole session; what it must
/// guarantee is the `Session` method of the same name's contract.
#[async_trait]
pub(crate) trait Driver: Send + Sized + 'static {
    const DIALECT: Dialect;
    /// Whether the database has a lock of its own (`Session::has_server_lock`). Without
    /// one, the lock row is written in a transaction that takes the database's write lock
    /// at once (`Bookkeeping::begin`); with one, under that lock.
    const SERVER_LOCK: bool;
    type Conn: Plumbing;
    /// sqlx's error in this dialect's words.
    const ERROR: fn(sqlx::Error) -> DriverError;
    /// `Session::resets_in_transaction`: what `restore_session(true)` sends, where it is
    /// plain SQL that needs no answer read.
    const RESETS_IN_TRANSACTION: Option<&'static str> = None;

    /// Whether dbfleet's table `table` exists, where `bookkeeping` names it.
    async fn table_exists(s: &mut Connected<Self>, table: &str) -> DriverResult<bool>;
    /// The columns of the tables named `tables` (`foreign::TABLES`, or dbfleet's migrations
    /// table) in the session's schema or database, and on PostgreSQL also in Atlas's own
    /// schema (`foreign::ATLAS_SCHEMA`).
    async fn columns(s: &mut Connected<Self>, tables: &[&str]) -> DriverResult<Vec<ForeignColumn>>;
    /// Whether the migrations table's `version` column is an integer: a table made before
    /// versions were text, which `Bookkeeping::widen_version` turns into text.
    async fn integer_versions(s: &mut Connected<Self>) -> DriverResult<bool>;

    /// The database's own lock, asked for only where `SERVER_LOCK` (the defaults stand for
    /// a database without one). Takes it if it is free, without waiting; whether it was.
    async fn take_server_lock(_s: &mut Connected<Self>) -> DriverResult<bool> {
        Ok(true)
    }
    /// Frees the database's own lock.
    async fn free_server_lock(_s: &mut Connected<Self>) -> DriverResult<()> {
        Ok(())
    }
    /// The live session holding the database's own lock, as the server tells it, for a
    /// holder that has not written its row (yet, or is not dbfleet).
    async fn server_lock_holder(
        _s: &mut Connected<Self>,
        _now: &str,
    ) -> DriverResult<Option<LockRow>> {
        Ok(None)
    }
    /// See `Session::server_lock_held`.
    async fn server_lock_held(_s: &mut Connected<Self>) -> DriverResult<Option<bool>> {
        Ok(None)
    }

    async fn restore_session(
        s: &mut Connected<Self>,
        in_step_transaction: bool,
    ) -> DriverResult<()>;
    async fn stats(s: &mut Connected<Self>) -> DriverResult<DbStats>;
    /// Whether the migrations table and the lock table exist, and `stats`: what
    /// `read_state` asks before reading the tables. One question each unless the dialect
    /// asks them together.
    async fn overview(s: &mut Connected<Self>) -> DriverResult<(bool, bool, DbStats)> {
        let migrations = s.bookkeeping.migrations_table.clone();
        let lock = s.bookkeeping.lock_table.clone();
        Ok((
            Self::table_exists(s, &migrations).await?,
            Self::table_exists(s, &lock).await?,
            Self::stats(s).await?,
        ))
    }
    async fn backup(s: &mut Connected<Self>, dest: &Path) -> DriverResult<u64>;
    /// See `Session::interrupter`.
    fn interrupter(s: &Connected<Self>) -> Interrupter;
    /// Just before the connection closes (`Session::close`): what must not outlive it.
    fn closing(_s: &mut Connected<Self>) {}
}

/// The database's own lock held by a live session stands for the holder when its row is
/// not there (yet, or any more).
fn unknown_holder(now: &str) -> LockRow {
    LockRow {
        holder: "another session".into(),
        host: String::new(),
        pid: 0,
        run_id: String::new(),
        acquired_at: now.to_owned(),
        heartbeat_at: now.to_owned(),
    }
}

impl<D: Driver> Connected<D> {
    /// The migrations table's rows (the table exists).
    async fn fetch_applied(&mut self) -> DriverResult<Vec<AppliedRow>> {
        self.conn
            .fetch_applied(&self.bookkeeping)
            .await
            .map_err(|e| not_ours(&self.bookkeeping, D::ERROR(e)))
    }

    /// The lock table's row (the table exists).
    async fn fetch_lock(&mut self) -> DriverResult<Option<LockRow>> {
        self.conn
            .fetch_lock(&self.bookkeeping)
            .await
            .map_err(D::ERROR)
    }

    pub(crate) fn new(conn: D::Conn, bookkeeping: Bookkeeping, target: &Target, driver: D) -> Self {
        Connected {
            conn,
            bookkeeping,
            target: target.clone(),
            driver,
        }
    }

    /// Under the mutual exclusion `try_lock` holds: creates the tables when missing and
    /// writes `holder`'s row. A row already there is `Held` where the write lock is all
    /// there is (its holder may be alive); under the database's own lock its holder's
    /// session is gone, and the row is replaced: a takeover, which the caller journals.
    async fn write_lock_row(
        &mut self,
        holder: &LockHolder,
        now: &str,
    ) -> DriverResult<LockAttempt> {
        // A table of that name another tool made (golang-migrate's `schema_migrations`):
        // create nothing beside it, and never widen or write it.
        let table = self.bookkeeping.migrations_table.clone();
        let columns = D::columns(self, &[table.as_str()]).await?;
        let own: Vec<_> = columns.iter().filter(|c| c.schema.is_none()).collect();
        if !own.is_empty()
            && !own
                .iter()
                .any(|c| c.column.eq_ignore_ascii_case("migration_set"))
        {
            return Err(not_ours_error(&self.bookkeeping));
        }
        for sql in self.bookkeeping.create_tables() {
            self.execute(&sql).await?;
        }
        if D::integer_versions(self).await? {
            for sql in self.bookkeeping.widen_version() {
                self.execute(&sql).await?;
            }
        }
        let replaced = self.read_lock().await?;
        if let Some(current) = replaced.clone() {
            if !D::SERVER_LOCK {
                return Ok(LockAttempt::Held(current));
            }
            let delete = self.bookkeeping.delete_lock(None);
            self.execute(&delete).await?;
        }
        let insert = self.bookkeeping.insert_lock(
            &holder.holder,
            &holder.host,
            holder.pid,
            &holder.run_id,
            now,
        );
        self.execute(&insert).await?;
        Ok(LockAttempt::Taken { replaced })
    }
}

#[async_trait]
impl<D: Driver> Session for Connected<D> {
    fn dialect(&self) -> Dialect {
        D::DIALECT
    }

    fn bookkeeping(&self) -> &Bookkeeping {
        &self.bookkeeping
    }

    fn transactional_ddl(&self) -> bool {
        super::transactional_ddl(D::DIALECT)
    }

    async fn execute(&mut self, sql: &str) -> DriverResult<()> {
        self.conn.run(sql).await.map_err(D::ERROR)
    }

    async fn bookkeeping_exists(&mut self) -> DriverResult<bool> {
        let table = self.bookkeeping.migrations_table.clone();
        D::table_exists(self, &table).await
    }

    async fn read_applied(&mut self) -> DriverResult<Vec<AppliedRow>> {
        if !self.bookkeeping_exists().await? {
            return Ok(Vec::new());
        }
        self.fetch_applied().await
    }

    async fn read_lock(&mut self) -> DriverResult<Option<LockRow>> {
        let table = self.bookkeeping.lock_table.clone();
        if !D::table_exists(self, &table).await? {
            return Ok(None);
        }
        self.fetch_lock().await
    }

    async fn read_state(&mut self) -> DriverResult<DatabaseState> {
        let (has_rows, has_lock, stats) = D::overview(self).await?;
        let applied = if has_rows {
            self.fetch_applied().await?
        } else {
            Vec::new()
        };
        let lock = if has_lock {
            self.fetch_lock().await?
        } else {
            None
        };
        let lock = match lock {
            Some(row) => Some((row, D::server_lock_held(self).await?)),
            None => None,
        };
        Ok(DatabaseState {
            applied,
            lock,
            stats,
        })
    }

    async fn other_tools(&mut self) -> DriverResult<Vec<OtherTool>> {
        let columns = D::columns(self, &foreign::TABLES).await?;
        let mut found = Vec::new();
        for (tool, schema, table) in foreign::detect(&columns) {
            let sql = foreign::select(&self.bookkeeping, tool, schema.as_deref(), &table);
            let rows = self.conn.fetch_texts(&sql).await.map_err(D::ERROR)?;
            let shown = match &schema {
                Some(schema) => format!("{schema}.{table}"),
                None => table,
            };
            found.push(foreign::interpret(tool, shown, schema.is_none(), &rows));
        }
        Ok(found)
    }

    async fn try_lock(&mut self, holder: &LockHolder, now: &str) -> DriverResult<LockAttempt> {
        if D::SERVER_LOCK {
            if !D::take_server_lock(self).await? {
                // Taken, but its row may not be written yet (or not by dbfleet).
                let row = match self.read_lock().await? {
                    Some(row) => row,
                    // Best effort: the server may not show other users' sessions.
                    None => D::server_lock_holder(self, now)
                        .await
                        .ok()
                        .flatten()
                        .unwrap_or_else(|| unknown_holder(now)),
                };
                return Ok(LockAttempt::Held(row));
            }
            let attempt = self.write_lock_row(holder, now).await;
            if attempt.is_err() {
                let _ = D::free_server_lock(self).await;
            }
            return attempt;
        }
        // No lock of its own (SQLite): between `BEGIN IMMEDIATE` and `COMMIT` no other
        // connection can write, so "create the tables, see no lock row, insert ours" is
        // atomic and costs one commit.
        let begin = self.bookkeeping.begin();
        self.execute(begin).await?;
        match self.write_lock_row(holder, now).await {
            Ok(taken @ LockAttempt::Taken { .. }) => {
                self.execute("COMMIT").await?;
                Ok(taken)
            }
            other => {
                let _ = self.execute("ROLLBACK").await;
                other
            }
        }
    }

    fn has_server_lock(&self) -> bool {
        D::SERVER_LOCK
    }

    async fn server_lock_held(&mut self) -> DriverResult<Option<bool>> {
        D::server_lock_held(self).await
    }

    async fn heartbeat(&mut self, holder: &LockHolder, now: &str) -> DriverResult<()> {
        let sql = self.bookkeeping.update_heartbeat(&holder.run_id, now);
        self.execute(&sql).await
    }

    async fn restore_session(&mut self, in_step_transaction: bool) -> DriverResult<()> {
        D::restore_session(self, in_step_transaction).await
    }

    fn resets_in_transaction(&self) -> Option<&'static str> {
        D::RESETS_IN_TRANSACTION
    }

    async fn release_lock(&mut self, holder: &LockHolder) -> DriverResult<()> {
        // Whatever the last migration left (a role without rights on the lock table,
        // another current database, `LOCK TABLES`, an open transaction that would swallow
        // the DELETE), the lock must go.
        let _ = self.restore_session(false).await;
        let sql = self.bookkeeping.delete_lock(Some(&holder.run_id));
        let deleted = self.execute(&sql).await;
        if D::SERVER_LOCK {
            D::free_server_lock(self).await?;
        }
        deleted
    }

    async fn clear_lock(&mut self) -> DriverResult<Option<LockRow>> {
        let current = self.read_lock().await?;
        if current.is_some() {
            let sql = self.bookkeeping.delete_lock(None);
            self.execute(&sql).await?;
        }
        Ok(current)
    }

    async fn stats(&mut self) -> DriverResult<DbStats> {
        D::stats(self).await
    }

    async fn backup(&mut self, dest: &Path) -> DriverResult<u64> {
        D::backup(self, dest).await
    }

    async fn close(mut self: Box<Self>) {
        D::closing(&mut self);
        let _ = self.conn.close().await;
    }

    fn interrupter(&self) -> Interrupter {
        D::interrupter(self)
    }

    async fn table_sizes(&mut self, tables: &[TableRef]) -> DriverResult<TableSizes> {
        let Some(sql) = table_sizes::query(D::DIALECT, tables) else {
            return Ok(TableSizes::default());
        };
        let rows = self.conn.fetch_texts(&sql).await.map_err(D::ERROR)?;
        Ok(table_sizes::parse(D::DIALECT, tables, &rows))
    }
}
