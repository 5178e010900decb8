//! MySQL and MariaDB. Mutual exclusion is a named lock, `GET_LOCK(name, 0)`, polled; it is
//! server-wide, so its name includes the database. DDL commits implicitly here, so the
//! engine tracks each step's progress in its row (see `transactional_ddl`).

use std::path::Path;
use std::str::FromStr;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::{ConnectOptions, Connection};

use super::{
    Access, AppliedRow, Bookkeeping, DbStats, DriverError, DriverResult, ErrorKind, LockHolder,
    LockRow, Session, dump,
};
use crate::catalog::hex;
use crate::config::Target;
use crate::dialect::Dialect;

pub struct MysqlSession {
    conn: MySqlConnection,
    bookkeeping: Bookkeeping,
    target: Target,
    lock_name: String,
}

fn error(e: sqlx::Error) -> DriverError {
    match &e {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| format!(" ({c})")).unwrap_or_default();
            DriverError::new(ErrorKind::Query, format!("{}{code}", db.message()))
        }
        sqlx::Error::Io(io) => DriverError::new(ErrorKind::Connect, io.to_string()),
        other => DriverError::new(ErrorKind::Query, other.to_string()),
    }
}

/// Named locks are server-wide and at most 64 characters: hash the database and table.
fn lock_name(database: &str, lock_table: &str) -> String {
    let digest = Sha256::digest(format!("{database}\u{0}{lock_table}").as_bytes());
    format!("dbfleet:{}", &hex(&digest)[..48])
}

impl MysqlSession {
    pub async fn open(
        target: &Target,
        bookkeeping: Bookkeeping,
        access: Access,
        statement_timeout_secs: u64,
    ) -> DriverResult<MysqlSession> {
        let mut options = MySqlConnectOptions::new()
            .host(target.host.as_deref().unwrap_or("localhost"))
            .port(target.port.unwrap_or(3306))
            .database(&target.database)
            .charset(target.charset.as_deref().unwrap_or("utf8mb4"))
            // Run migrations as the mysql client would: `||` means OR, and the session
            // keeps the server's time zone.
            .pipes_as_concat(false)
            .timezone(None)
            .log_statements(tracing::log::LevelFilter::Trace);
        if let Some(user) = &target.username {
            options = options.username(user);
        }
        if let Some(password) = target.password.as_ref().filter(|p| !p.is_empty()) {
            options = options.password(password.expose());
        }
        if let Some(mode) = &target.sslmode {
            let mode = MySqlSslMode::from_str(mode).map_err(|_| {
                DriverError::new(
                    ErrorKind::Connect,
                    format!("sslmode `{mode}`: expected disabled, preferred, required, verify_ca or verify_identity"),
                )
            })?;
            options = options.ssl_mode(mode);
        }
        let mut conn = options.connect().await.map_err(|e| {
            let e = error(e);
            DriverError::new(
                ErrorKind::Connect,
                format!("cannot connect to {}: {}", target.server_label(), e.message),
            )
        })?;
        if access == Access::ReadOnly {
            // Status and dry runs must not be able to write, whatever goes wrong.
            sqlx::raw_sql("SET SESSION TRANSACTION READ ONLY")
                .execute(&mut conn)
                .await
                .map_err(error)?;
        }
        if statement_timeout_secs > 0 {
            // MariaDB's name for it; MySQL has no DDL timeout and refuses the variable.
            let sql = format!("SET SESSION max_statement_time = {statement_timeout_secs}");
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await;
        }
        Ok(MysqlSession {
            conn,
            lock_name: lock_name(&target.database, &bookkeeping.lock_table),
            bookkeeping,
            target: target.clone(),
        })
    }

    async fn table_exists(&mut self, table: &str) -> DriverResult<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?",
        )
        .bind(table)
        .fetch_optional(&mut self.conn)
        .await
        .map_err(error)?;
        Ok(found.is_some())
    }

    async fn release_named_lock(&mut self) -> DriverResult<()> {
        sqlx::query("SELECT RELEASE_LOCK(?)")
            .bind(&self.lock_name)
            .execute(&mut self.conn)
            .await
            .map_err(error)?;
        Ok(())
    }

    async fn write_lock_row(&mut self, holder: &LockHolder, now: &str) -> DriverResult<()> {
        for sql in self.bookkeeping.create_tables() {
            self.execute(&sql).await?;
        }
        // We hold the server lock, so any row left here belongs to a dead session.
        let delete = self.bookkeeping.delete_lock(None);
        self.execute(&delete).await?;
        let insert = self.bookkeeping.insert_lock(
            &holder.holder,
            &holder.host,
            holder.pid,
            &holder.run_id,
            now,
        );
        self.execute(&insert).await
    }
}

#[async_trait]
impl Session for MysqlSession {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn bookkeeping(&self) -> &Bookkeeping {
        &self.bookkeeping
    }

    fn transactional_ddl(&self) -> bool {
        super::transactional_ddl(Dialect::Mysql)
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
        super::fetch_applied::<sqlx::MySql>(&mut self.conn, &self.bookkeeping, error).await
    }

    async fn read_lock(&mut self) -> DriverResult<Option<LockRow>> {
        let table = self.bookkeeping.lock_table.clone();
        if !self.table_exists(&table).await? {
            return Ok(None);
        }
        super::fetch_lock::<sqlx::MySql>(&mut self.conn, &self.bookkeeping, error).await
    }

    async fn try_lock(&mut self, holder: &LockHolder, now: &str) -> DriverResult<Option<LockRow>> {
        let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, 0)")
            .bind(&self.lock_name)
            .fetch_one(&mut self.conn)
            .await
            .map_err(error)?;
        if got != Some(1) {
            let row = self.read_lock().await?;
            return Ok(Some(row.unwrap_or_else(|| LockRow {
                holder: "another session".into(),
                host: String::new(),
                pid: 0,
                run_id: String::new(),
                acquired_at: now.to_owned(),
                heartbeat_at: now.to_owned(),
            })));
        }
        if let Err(e) = self.write_lock_row(holder, now).await {
            let _ = self.release_named_lock().await;
            return Err(e);
        }
        Ok(None)
    }

    fn has_server_lock(&self) -> bool {
        true
    }

    async fn server_lock_held(&mut self) -> DriverResult<Option<bool>> {
        let holder: Option<i64> = sqlx::query_scalar("SELECT IS_USED_LOCK(?)")
            .bind(&self.lock_name)
            .fetch_one(&mut self.conn)
            .await
            .map_err(error)?;
        Ok(Some(holder.is_some()))
    }

    async fn heartbeat(&mut self, holder: &LockHolder, now: &str) -> DriverResult<()> {
        let sql = self.bookkeeping.update_heartbeat(&holder.run_id, now);
        self.execute(&sql).await
    }

    async fn release_lock(&mut self, holder: &LockHolder) -> DriverResult<()> {
        let sql = self.bookkeeping.delete_lock(Some(&holder.run_id));
        let deleted = self.execute(&sql).await;
        self.release_named_lock().await?;
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
        // The count leaves dbfleet's own tables out; the size is the whole database's.
        let (tables, size): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(table_type = 'BASE TABLE' AND table_name NOT IN (?, ?)), 0) AS SIGNED), \
             CAST(COALESCE(SUM(data_length + index_length), 0) AS SIGNED) \
             FROM information_schema.tables WHERE table_schema = DATABASE()",
        )
        .bind(&self.bookkeeping.migrations_table)
        .bind(&self.bookkeeping.lock_table)
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
