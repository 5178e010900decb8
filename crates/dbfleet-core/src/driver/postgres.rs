//! PostgreSQL. Mutual exclusion is a session-level advisory lock taken with
//! `pg_try_advisory_lock` and polled, never `pg_advisory_lock`: a waiter blocked inside it
//! holds a snapshot and can stall `CREATE INDEX CONCURRENTLY` for as long as it waits.
//! The lock dies with the session, so a killed runner frees it and the lock row it left
//! is visibly stale.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{ConnectOptions, Connection, Row};

use super::foreign::{self, ATLAS_SCHEMA, ForeignColumn};
use super::session::{Connected, Driver};
use super::{
    Access, Bookkeeping, DbStats, DriverError, DriverResult, ErrorKind, Interrupt, Interrupter,
    LockRow, Session, server,
};
use crate::config::Target;
use crate::dialect::Dialect;

/// A PostgreSQL session's own state: its advisory lock's key, and its server process
/// (for `pg_cancel_backend`).
pub struct Postgres {
    lock_key: i64,
    backend_pid: i32,
}

/// Cancels what one backend runs, from a connection of its own: the session's own is
/// busy with the statement. Same user, so no superuser is needed.
struct Canceller {
    target: Target,
    backend_pid: i32,
}

#[async_trait]
impl Interrupt for Canceller {
    async fn interrupt(&self) -> DriverResult<()> {
        let options = connect_options(&self.target, Access::ReadOnly, 0)?;
        let cancel = async {
            let mut conn = connect(&self.target, options).await?;
            let sent: DriverResult<bool> = sqlx::query_scalar("SELECT pg_cancel_backend($1)")
                .bind(self.backend_pid)
                .fetch_one(&mut conn)
                .await
                .map_err(server::error);
            let _ = conn.close().await;
            sent
        };
        match tokio::time::timeout(server::INTERRUPT_WITHIN, cancel).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(server::interrupt_timed_out(&self.target)),
        }
    }
}

/// Puts back what a migration may have changed in the session: `SET SESSION
/// AUTHORIZATION`, `SET ROLE`, and every setting (`search_path`, `statement_timeout`,
/// `default_transaction_read_only`, ...). `RESET ALL` returns each to the session's
/// default, which includes what dbfleet set at connect (startup options, the entry's
/// `session:` among them), so a migration's own `RESET ALL` cannot undo those either.
const RESET_SESSION: &str = "RESET SESSION AUTHORIZATION; RESET ROLE; RESET ALL";

/// Whether an explicit transaction block is open: `transaction_timestamp()` equals
/// `statement_timestamp()` during the first command of a transaction, and this query is
/// one (its own implicit transaction) unless a `BEGIN` sent earlier is still open.
const IN_TRANSACTION_BLOCK: &str = "SELECT transaction_timestamp() <> statement_timestamp()";

/// Whether the migrations table and the lock table exist, the schema's tables (dbfleet's
/// own left out), the whole database's size with the catalogs (about 7 MiB for an empty
/// database) and the server's version: one query, sent as written (a prepared statement
/// costs a round trip more, and `status` asks it once per session). The tables are
/// counted from `pg_class` alone, not `information_schema.tables`: that view's privilege
/// checks over every catalog cost a new backend 3-8 ms, most of what `status` spent per
/// database, and a join with `pg_namespace` another 0.5 ms.
fn overview_query(book: &Bookkeeping) -> String {
    let schema = match &book.schema {
        Some(schema) => book.literal(schema),
        None => "NULL".to_owned(),
    };
    format!(
        "SELECT to_regclass({}) IS NOT NULL, to_regclass({}) IS NOT NULL, \
         (SELECT count(*) FROM pg_class \
         WHERE relnamespace = to_regnamespace(quote_ident(COALESCE({schema}, current_schema()))) \
         AND relkind IN ('r', 'p') AND relname NOT IN ({}, {}))::bigint, \
         pg_database_size(current_database())::bigint, \
         'PostgreSQL ' || split_part(current_setting('server_version'), ' ', 1)",
        book.literal(&book.table(&book.migrations_table)),
        book.literal(&book.table(&book.lock_table)),
        book.literal(&book.migrations_table),
        book.literal(&book.lock_table),
    )
}

/// Advisory locks are scoped to the database already; the key tells apart what is being
/// migrated inside it (the schema the bookkeeping lives in: tenants as schemas of one
/// database migrate in parallel) and dbfleet's lock from the application's own.
fn lock_key(schema: Option<&str>, lock_table: &str) -> i64 {
    let schema = schema.unwrap_or_default();
    let digest = Sha256::digest(format!("dbfleet:{schema}.{lock_table}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// The options a session of `target` connects with. The schema, read-only mode, statement
/// limit and the entry's `session:` settings go in as startup options, so they are the
/// session's defaults that `RESET ALL` returns to: each migration starts from them.
pub(crate) fn connect_options(
    target: &Target,
    access: Access,
    statement_timeout_secs: u64,
) -> DriverResult<PgConnectOptions> {
    let connection = &target.connection;
    let fresh = || {
        PgConnectOptions::new_without_pgpass()
            .host("localhost")
            .port(5432)
    };
    let options = server::with_target(target, fresh)?
        .database(&target.database)
        .application_name(connection.application_name.as_deref().unwrap_or("dbfleet"))
        .log_statements(tracing::log::LevelFilter::Trace);
    // In this order, the later winning: dbfleet's schema and statement limit, then what
    // the entry's `session:` says, then read-only, which nothing may turn off.
    let mut settings: Vec<(&str, String)> = Vec::new();
    if let Some(schema) = &target.schema {
        settings.push(("search_path", schema.clone()));
    }
    if statement_timeout_secs > 0 {
        settings.push(("statement_timeout", format!("{statement_timeout_secs}s")));
    }
    for setting in &connection.session {
        settings.push((&setting.name, setting.value.to_string()));
    }
    if access == Access::ReadOnly {
        // Status and dry runs must not be able to write, whatever goes wrong.
        settings.push(("default_transaction_read_only", "on".into()));
    }
    Ok(if settings.is_empty() {
        options
    } else {
        options.options(settings)
    })
}

/// Whether a connection goes without TLS first: to a server on this host (`localhost`, a
/// loopback address) when nothing asked for TLS (no `sslmode` in the entry or its URL, no
/// `PGSSLMODE`, no certificate). libpq's default, `prefer`, negotiates TLS there too
/// without checking the certificate, so it buys nothing the loopback does not give, and
/// costs ~3 ms of CPU per connection on both sides: `status` over 200 databases opens 200.
/// A server that demands TLS (a `hostssl` rule) is asked again with it: libpq's `allow`.
pub(crate) fn plain_first(target: &Target, options: &PgConnectOptions) -> bool {
    let connection = &target.connection;
    let asked_for_tls = target.sslmode.is_some()
        || connection.ssl_root_cert.is_some()
        || connection.ssl_cert.is_some()
        || connection.ssl_key.is_some()
        || std::env::var_os("PGSSLMODE").is_some();
    let host = options.get_host();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    !asked_for_tls && options.get_socket().is_none() && loopback
}

/// The server turned a connection away for coming without TLS: its `pg_hba.conf` has no
/// rule for it (`..., no encryption`).
pub(crate) fn refused_without_tls(e: &DriverError) -> bool {
    e.message.contains("pg_hba.conf") && e.message.contains("no encryption")
}

/// Connects with `options`, without TLS first where `plain_first` says so.
async fn connect(target: &Target, options: PgConnectOptions) -> DriverResult<PgConnection> {
    if !plain_first(target, &options) {
        return server::open(target, options).await;
    }
    let plain = options.clone().ssl_mode(PgSslMode::Disable);
    match server::open(target, plain).await {
        Err(e) if refused_without_tls(&e) => server::open(target, options).await,
        connected => connected,
    }
}

/// Opens a PostgreSQL session with `connect_options`.
pub async fn open(
    target: &Target,
    bookkeeping: Bookkeeping,
    access: Access,
    statement_timeout_secs: u64,
) -> DriverResult<Connected<Postgres>> {
    let options = connect_options(target, access, statement_timeout_secs)?;
    let mut conn = connect(target, options).await?;
    // Where the tables are, before any migration can change the search path. `None`
    // when the path names no existing schema: then nothing can be created anyway, and
    // the server says so on the first CREATE.
    // As written, not prepared: one round trip, not two, on every connection.
    let row = sqlx::raw_sql("SELECT current_schema()::text, pg_backend_pid()")
        .fetch_one(&mut conn)
        .await
        .map_err(server::error)?;
    let schema: Option<String> = row.try_get(0).map_err(server::error)?;
    let backend_pid: i32 = row.try_get(1).map_err(server::error)?;
    let driver = Postgres {
        lock_key: lock_key(schema.as_deref(), &bookkeeping.lock_table),
        backend_pid,
    };
    let bookkeeping = bookkeeping.in_schema(schema);
    Ok(Connected::new(conn, bookkeeping, target, driver))
}

#[async_trait]
impl Driver for Postgres {
    const DIALECT: Dialect = Dialect::Postgres;
    const SERVER_LOCK: bool = true;
    type Conn = PgConnection;
    const ERROR: fn(sqlx::Error) -> DriverError = server::error;
    const RESETS_IN_TRANSACTION: Option<&'static str> = Some(RESET_SESSION);

    async fn table_exists(s: &mut Connected<Self>, table: &str) -> DriverResult<bool> {
        let name = s.bookkeeping.table(table);
        sqlx::query_scalar::<_, bool>("SELECT to_regclass($1) IS NOT NULL")
            .bind(name)
            .fetch_one(&mut s.conn)
            .await
            .map_err(server::error)
    }

    async fn columns(s: &mut Connected<Self>, tables: &[&str]) -> DriverResult<Vec<ForeignColumn>> {
        // The session's own schema reads as NULL.
        let sql = format!(
            "SELECT CASE WHEN table_schema = COALESCE($1, current_schema()) THEN NULL ELSE table_schema::text END, table_name::text, column_name::text FROM information_schema.columns WHERE table_schema IN (COALESCE($1, current_schema()), {}) AND table_name IN ({})",
            s.bookkeeping.literal(ATLAS_SCHEMA),
            foreign::name_list(&s.bookkeeping, tables)
        );
        let rows: Vec<(Option<String>, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&s.bookkeeping.schema)
            .fetch_all(&mut s.conn)
            .await
            .map_err(server::error)?;
        Ok(rows
            .into_iter()
            .map(|(schema, table, column)| ForeignColumn {
                schema,
                table,
                column,
            })
            .collect())
    }

    async fn integer_versions(s: &mut Connected<Self>) -> DriverResult<bool> {
        let kind: Option<String> = sqlx::query_scalar(
            "SELECT data_type::text FROM information_schema.columns WHERE table_schema = COALESCE($1, current_schema()) AND table_name = $2 AND column_name = 'version'",
        )
        .bind(&s.bookkeeping.schema)
        .bind(&s.bookkeeping.migrations_table)
        .fetch_optional(&mut s.conn)
        .await
        .map_err(server::error)?;
        Ok(kind.is_some_and(|k| k.contains("int")))
    }

    async fn take_server_lock(s: &mut Connected<Self>) -> DriverResult<bool> {
        sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(s.driver.lock_key)
            .fetch_one(&mut s.conn)
            .await
            .map_err(server::error)
    }

    async fn free_server_lock(s: &mut Connected<Self>) -> DriverResult<()> {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(s.driver.lock_key)
            .execute(&mut s.conn)
            .await
            .map_err(server::error)?;
        Ok(())
    }

    async fn server_lock_holder(
        s: &mut Connected<Self>,
        now: &str,
    ) -> DriverResult<Option<LockRow>> {
        let key = s.driver.lock_key as u64;
        let found = sqlx::query(
            "SELECT a.pid::bigint, COALESCE(a.usename::text, ''), COALESCE(a.application_name, ''), \
             COALESCE(host(a.client_addr), 'local socket') \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted \
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.objsubid = 1 LIMIT 1",
        )
        .bind((key >> 32) as i64)
        .bind((key & 0xffff_ffff) as i64)
        .fetch_optional(&mut s.conn)
        .await
        .map_err(server::error)?;
        found
            .map(|row| server::session_holder(&row, now))
            .transpose()
    }

    async fn server_lock_held(s: &mut Connected<Self>) -> DriverResult<Option<bool>> {
        // A bigint advisory key shows in pg_locks split in two 32-bit halves.
        let key = s.driver.lock_key as u64;
        let held: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 1)",
        )
        .bind((key >> 32) as i64)
        .bind((key & 0xffff_ffff) as i64)
        .fetch_one(&mut s.conn)
        .await
        .map_err(server::error)?;
        Ok(Some(held))
    }

    async fn restore_session(
        s: &mut Connected<Self>,
        in_step_transaction: bool,
    ) -> DriverResult<()> {
        if in_step_transaction && let Some(resets) = Self::RESETS_IN_TRANSACTION {
            // Inside dbfleet's transaction: the resets commit with the step.
            return s.execute(resets).await;
        }
        // One round trip when all is well: the check, then the resets in the same implicit
        // transaction. Inside a block the migration left open, the check says so (or fails,
        // when that block is aborted), and the resets went into the block: roll it all back
        // and reset again.
        let checked = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "{IN_TRANSACTION_BLOCK}; {RESET_SESSION}"
        )))
        .fetch_all(&mut s.conn)
        .await;
        let open = match checked {
            Ok(rows) => rows
                .first()
                .map(|row| row.try_get::<bool, _>(0))
                .transpose()
                .map_err(server::error)?
                .unwrap_or(false),
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("25P02") => true,
            Err(e) => return Err(server::error(e)),
        };
        if !open {
            return Ok(());
        }
        s.execute("ROLLBACK").await?;
        s.execute(RESET_SESSION).await?;
        Err(DriverError::new(
            ErrorKind::Query,
            "the migration left a transaction open (BEGIN without COMMIT); dbfleet rolled it back, so its statements since BEGIN are not in the database",
        ))
    }

    async fn stats(s: &mut Connected<Self>) -> DriverResult<DbStats> {
        Self::overview(s).await.map(|(_, _, stats)| stats)
    }

    async fn overview(s: &mut Connected<Self>) -> DriverResult<(bool, bool, DbStats)> {
        let row = sqlx::raw_sql(sqlx::AssertSqlSafe(overview_query(&s.bookkeeping)))
            .fetch_one(&mut s.conn)
            .await
            .map_err(server::error)?;
        let count = |i: usize| row.try_get::<i64, _>(i).map(|n| n.max(0) as u64);
        let read = || -> Result<_, sqlx::Error> {
            Ok((
                row.try_get::<bool, _>(0)?,
                row.try_get::<bool, _>(1)?,
                DbStats {
                    tables: count(2)?,
                    size_bytes: count(3)?,
                    server_version: row.try_get::<String, _>(4).ok(),
                },
            ))
        };
        read().map_err(server::error)
    }

    async fn backup(s: &mut Connected<Self>, dest: &Path) -> DriverResult<u64> {
        server::backup(s, dest).await
    }

    fn interrupter(s: &Connected<Self>) -> Interrupter {
        Arc::new(Canceller {
            target: s.target.clone(),
            backend_pid: s.driver.backend_pid,
        })
    }
}
