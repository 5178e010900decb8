//! PostgreSQL. Mutual exclusion is a session-level advisory lock taken with
//! `pg_try_advisory_lock` and polled, never `pg_advisory_lock`: a waiter blocked inside it
//! holds a snapshot and can stall `CREATE INDEX CONCURRENTLY` for as long as it waits.
//! The lock dies with the session, so a killed runner frees it and the lock row it left
//! is visibly stale.

use std::path::Path;
use std::str::FromStr;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{ConnectOptions, Connection, Row};

use super::{
    Access, AppliedRow, Bookkeeping, DbStats, DriverError, DriverResult, ErrorKind, LockAttempt,
    LockHolder, LockRow, Session, dump,
};
use crate::config::Target;
use crate::dialect::Dialect;

pub struct PostgresSession {
    conn: PgConnection,
    bookkeeping: Bookkeeping,
    target: Target,
    lock_key: i64,
}

fn error(e: sqlx::Error) -> DriverError {
    match &e {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| format!(" ({c})")).unwrap_or_default();
            DriverError::new(ErrorKind::Query, format!("{}{code}", db.message()))
        }
        sqlx::Error::Io(io) => DriverError::new(ErrorKind::Connect, super::io_message(io)),
        sqlx::Error::PoolTimedOut => DriverError::new(ErrorKind::Timeout, e.to_string()),
        other => DriverError::new(ErrorKind::Query, other.to_string()),
    }
}

/// Puts back what a migration may have changed in the session: `SET SESSION
/// AUTHORIZATION`, `SET ROLE`, and every setting (`search_path`, `statement_timeout`,
/// `default_transaction_read_only`, ...). `RESET ALL` returns each to the session's
/// default, which includes what dbfleet set at connect (startup options), so a migration's
/// own `RESET ALL` cannot undo those either.
const RESET_SESSION: &str = "RESET SESSION AUTHORIZATION; RESET ROLE; RESET ALL";

/// Whether an explicit transaction block is open: `transaction_timestamp()` equals
/// `statement_timestamp()` during the first command of a transaction, and this query is
/// one (its own implicit transaction) unless a `BEGIN` sent earlier is still open.
const IN_TRANSACTION_BLOCK: &str = "SELECT transaction_timestamp() <> statement_timestamp()";

/// Advisory locks are scoped to the database already; the key only has to tell dbfleet's
/// lock apart from the application's own advisory locks.
fn lock_key(lock_table: &str) -> i64 {
    let digest = Sha256::digest(format!("dbfleet:{lock_table}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

impl PostgresSession {
    pub async fn open(
        target: &Target,
        bookkeeping: Bookkeeping,
        access: Access,
        statement_timeout_secs: u64,
    ) -> DriverResult<PostgresSession> {
        let mut options = PgConnectOptions::new_without_pgpass()
            .host(target.host.as_deref().unwrap_or("localhost"))
            .port(target.port.unwrap_or(5432))
            .database(&target.database)
            .application_name("dbfleet")
            .log_statements(tracing::log::LevelFilter::Trace);
        if let Some(user) = &target.username {
            options = options.username(user);
        }
        if let Some(password) = target.password.as_ref().filter(|p| !p.is_empty()) {
            options = options.password(password.expose());
        }
        if let Some(mode) = &target.sslmode {
            let mode = PgSslMode::from_str(mode).map_err(|_| {
                DriverError::new(
                    ErrorKind::Connect,
                    format!("sslmode `{mode}`: expected disable, allow, prefer, require, verify-ca or verify-full"),
                )
            })?;
            options = options.ssl_mode(mode);
        }
        let mut settings: Vec<(&str, String)> = Vec::new();
        if let Some(schema) = &target.schema {
            settings.push(("search_path", schema.clone()));
        }
        if access == Access::ReadOnly {
            // Status and dry runs must not be able to write, whatever goes wrong.
            settings.push(("default_transaction_read_only", "on".into()));
        }
        if statement_timeout_secs > 0 {
            settings.push(("statement_timeout", format!("{statement_timeout_secs}s")));
        }
        if !settings.is_empty() {
            options = options.options(settings);
        }
        let mut conn = options.connect().await.map_err(|e| {
            let e = error(e);
            DriverError::new(
                ErrorKind::Connect,
                format!("cannot connect to {}: {}", target.server_label(), e.message),
            )
        })?;
        // Where the tables are, before any migration can change the search path. `None`
        // when the path names no existing schema: then nothing can be created anyway, and
        // the server says so on the first CREATE.
        let schema: Option<String> = sqlx::query_scalar("SELECT current_schema()::text")
            .fetch_one(&mut conn)
            .await
            .map_err(error)?;
        Ok(PostgresSession {
            conn,
            lock_key: lock_key(&bookkeeping.lock_table),
            bookkeeping: bookkeeping.in_schema(schema),
            target: target.clone(),
        })
    }

    async fn table_exists(&mut self, table: &str) -> DriverResult<bool> {
        let name = self.bookkeeping.table(table);
        sqlx::query_scalar::<_, bool>("SELECT to_regclass($1) IS NOT NULL")
            .bind(name)
            .fetch_one(&mut self.conn)
            .await
            .map_err(error)
    }
}

#[async_trait]
impl Session for PostgresSession {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn bookkeeping(&self) -> &Bookkeeping {
        &self.bookkeeping
    }

    fn transactional_ddl(&self) -> bool {
        super::transactional_ddl(Dialect::Postgres)
    }

    async fn execute(&mut self, sql: &str) -> DriverResult<()> {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut self.conn)
            .await
            .map_err(error)?;
        Ok(())
    }

    async fn bookkeeping_exists(&mut self) -> DriverResult<bool> {
        let table = self.bookkeeping.migrations_table.clone();
        self.table_exists(&table).await
    }

    async fn read_applied(&mut self) -> DriverResult<Vec<AppliedRow>> {
        if !self.bookkeeping_exists().await? {
            return Ok(Vec::new());
        }
        super::fetch_applied::<sqlx::Postgres>(&mut self.conn, &self.bookkeeping, error).await
    }

    async fn read_lock(&mut self) -> DriverResult<Option<LockRow>> {
        let table = self.bookkeeping.lock_table.clone();
        if !self.table_exists(&table).await? {
            return Ok(None);
        }
        super::fetch_lock::<sqlx::Postgres>(&mut self.conn, &self.bookkeeping, error).await
    }

    async fn try_lock(&mut self, holder: &LockHolder, now: &str) -> DriverResult<LockAttempt> {
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(self.lock_key)
            .fetch_one(&mut self.conn)
            .await
            .map_err(error)?;
        if !got {
            // Taken, but its row may not be written yet (or not by dbfleet).
            let row = self.read_lock().await?;
            return Ok(LockAttempt::Held(
                row.unwrap_or_else(|| super::unknown_holder(now)),
            ));
        }
        match super::replace_lock_row(self, holder, now).await {
            Ok(replaced) => Ok(LockAttempt::Taken { replaced }),
            Err(e) => {
                let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
                    .bind(self.lock_key)
                    .execute(&mut self.conn)
                    .await;
                Err(e)
            }
        }
    }

    fn has_server_lock(&self) -> bool {
        true
    }

    async fn server_lock_held(&mut self) -> DriverResult<Option<bool>> {
        // A bigint advisory key shows in pg_locks split in two 32-bit halves.
        let key = self.lock_key as u64;
        let held: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 1)",
        )
        .bind((key >> 32) as i64)
        .bind((key & 0xffff_ffff) as i64)
        .fetch_one(&mut self.conn)
        .await
        .map_err(error)?;
        Ok(Some(held))
    }

    async fn heartbeat(&mut self, holder: &LockHolder, now: &str) -> DriverResult<()> {
        let sql = self.bookkeeping.update_heartbeat(&holder.run_id, now);
        self.execute(&sql).await
    }

    async fn restore_session(&mut self, in_step_transaction: bool) -> DriverResult<()> {
        if in_step_transaction {
            // Inside dbfleet's transaction: the resets commit with the step.
            return self.execute(RESET_SESSION).await;
        }
        // One round trip when all is well: the check, then the resets in the same implicit
        // transaction. Inside a block the migration left open, the check says so (or fails,
        // when that block is aborted), and the resets went into the block: roll it all back
        // and reset again.
        let checked = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "{IN_TRANSACTION_BLOCK}; {RESET_SESSION}"
        )))
        .fetch_all(&mut self.conn)
        .await;
        let open = match checked {
            Ok(rows) => rows
                .first()
                .map(|row| row.try_get::<bool, _>(0))
                .transpose()
                .map_err(error)?
                .unwrap_or(false),
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("25P02") => true,
            Err(e) => return Err(error(e)),
        };
        if !open {
            return Ok(());
        }
        self.execute("ROLLBACK").await?;
        self.execute(RESET_SESSION).await?;
        Err(DriverError::new(
            ErrorKind::Query,
            "the migration left a transaction open (BEGIN without COMMIT); dbfleet rolled it back, so its statements since BEGIN are not in the database",
        ))
    }

    async fn release_lock(&mut self, holder: &LockHolder) -> DriverResult<()> {
        // Whatever the last migration left (a role without rights on the lock table, an
        // open transaction that would swallow the DELETE), the lock must go.
        let _ = self.restore_session(false).await;
        let sql = self.bookkeeping.delete_lock(Some(&holder.run_id));
        let deleted = self.execute(&sql).await;
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(self.lock_key)
            .execute(&mut self.conn)
            .await
            .map_err(error)?;
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
        let (tables, size): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM information_schema.tables \
             WHERE table_schema = COALESCE($3, current_schema()) \
             AND table_type = 'BASE TABLE' AND table_name NOT IN ($1, $2))::bigint, \
             pg_database_size(current_database())::bigint",
        )
        .bind(&self.bookkeeping.migrations_table)
        .bind(&self.bookkeeping.lock_table)
        .bind(&self.bookkeeping.schema)
        .fetch_one(&mut self.conn)
        .await
        .map_err(error)?;
        Ok(DbStats {
            tables: tables.max(0) as u64,
            size_bytes: size.max(0) as u64,
        })
    }

    async fn backup(&mut self, dest: &Path) -> DriverResult<u64> {
        dump::dump(&self.target, dest, &self.bookkeeping.lock_table).await
    }

    async fn close(self: Box<Self>) {
        let _ = self.conn.close().await;
    }
}
