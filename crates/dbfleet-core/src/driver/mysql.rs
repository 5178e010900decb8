//! MySQL and MariaDB. Mutual exclusion is a named lock, `GET_LOCK(name, 0)`, polled; it is
//! server-wide, so its name includes the database. DDL commits implicitly here, so the
//! engine tracks each step's progress in its row (see `transactional_ddl`).
//!
//! MySQL has no `RESET ALL`: a read-write session notes at connect what a migration may
//! change (the current database, the role, the session variables in `SESSION_VARIABLES`)
//! and `restore_session` puts back whatever differs.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use futures::StreamExt;
use sha2::{Digest, Sha256};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{ConnectOptions, Connection, Row};

use super::foreign::{self, ForeignColumn};
use super::rows::Plumbing;
use super::session::{Connected, Driver};
use super::{
    Access, Bookkeeping, DbStats, DriverError, DriverResult, ErrorKind, Interrupt, Interrupter,
    LockRow, Session, server,
};
use crate::catalog::hex;
use crate::config::{SessionSetting, SessionValue, Target};
use crate::dialect::Dialect;

/// A MySQL session's own state: its named lock, its connection id (for `KILL QUERY`),
/// and the session as opened.
pub struct Mysql {
    lock_name: String,
    connection_id: u64,
    /// The session as opened, for `restore_session`; read-write sessions only (a status
    /// read runs no migration).
    opened: Option<Opened>,
}

/// Session variables a migration may set that change how later statements run — dbfleet's
/// own (`sql_select_limit = 0` hides every row, `NO_BACKSLASH_ESCAPES` changes what its
/// literals mean, `max_statement_time` cuts them short, `autocommit = 0` keeps them
/// uncommitted) or the next migration's (`ANSI_QUOTES`, `foreign_key_checks`, `SET
/// NAMES`). Names the server does not know (MySQL's, MariaDB's) are left out at connect.
const SESSION_VARIABLES: &[&str] = &[
    "sql_mode",
    "autocommit",
    "completion_type",
    "time_zone",
    "character_set_client",
    "character_set_connection",
    "character_set_results",
    "collation_connection",
    "foreign_key_checks",
    "unique_checks",
    "check_constraint_checks",
    "sql_safe_updates",
    "sql_select_limit",
    "sql_auto_is_null",
    "sql_big_selects",
    "sql_notes",
    "sql_warnings",
    "sql_quote_show_create",
    "sql_if_exists",
    "big_tables",
    "max_statement_time",
    "max_execution_time",
    "lock_wait_timeout",
    "innodb_lock_wait_timeout",
    "innodb_strict_mode",
    "tx_isolation",
    "transaction_isolation",
    "tx_read_only",
    "transaction_read_only",
    "div_precision_increment",
    "group_concat_max_len",
    "default_storage_engine",
    "default_tmp_storage_engine",
    "explicit_defaults_for_timestamp",
    "system_versioning_asof",
    "old_mode",
    "lc_time_names",
    "sql_log_bin",
];

/// Stops what one connection runs with `KILL QUERY`, from a connection of its own (the
/// session's is busy with the statement). The connection itself stays; the statement
/// fails with "Query execution was interrupted", and DDL that had not finished is undone
/// by the server.
struct Killer {
    target: Target,
    connection_id: u64,
}

#[async_trait]
impl Interrupt for Killer {
    async fn interrupt(&self) -> DriverResult<()> {
        let options = connect_options(&self.target)?;
        let kill = async {
            let mut conn = server::open(&self.target, options).await?;
            // An integer the server gave: nothing to quote.
            let sql = format!("KILL QUERY {}", self.connection_id);
            let killed = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await
                .map(|_| ())
                .map_err(server::error);
            let _ = conn.close().await;
            killed
        };
        match tokio::time::timeout(server::INTERRUPT_WITHIN, kill).await {
            Ok(result) => result,
            Err(_) => Err(server::interrupt_timed_out(&self.target)),
        }
    }
}

/// What `restore_session` compares the session with.
struct Opened {
    /// `DATABASE()` at connect.
    database: Option<String>,
    /// `CURRENT_ROLE()` at connect; `None` where the server has no roles.
    role: Option<Option<String>>,
    /// The entries of `SESSION_VARIABLES` this server has, saved at connect in user
    /// variables `@dbfleet_s0`, `@dbfleet_s1`, ... (values keep their types that way).
    variables: Vec<String>,
    /// An expression that is 1 inside a transaction.
    in_transaction: &'static str,
}

/// MySQL's error for a table used under `LOCK TABLES` that the lock does not cover.
const NOT_LOCKED_WITH_LOCK_TABLES: u16 = 1100;

/// Notes what `restore_session` needs, on a read-write connection just opened: the role,
/// and the session variables of `SESSION_VARIABLES` this server has, saved server-side.
async fn note_session(
    conn: &mut MySqlConnection,
    database: Option<String>,
    session: &[SessionSetting],
) -> DriverResult<Opened> {
    // dbfleet's list, and what the entry's `session:` sets: a migration that changes
    // one of those gets it put back too.
    let mut watched: Vec<String> = SESSION_VARIABLES.iter().map(|n| (*n).to_owned()).collect();
    for setting in session {
        let name = setting.name.to_ascii_lowercase();
        if !watched.contains(&name) {
            watched.push(name);
        }
    }
    // MySQL before 8.0 has no roles.
    let role = sqlx::query_scalar::<_, Option<String>>("SELECT CURRENT_ROLE()")
        .fetch_one(&mut *conn)
        .await
        .ok();
    let names = watched
        .iter()
        .map(String::as_str)
        .chain(["in_transaction"])
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let known: Vec<String> = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "SHOW SESSION VARIABLES WHERE Variable_name IN ({names})"
    )))
    .fetch_all(&mut *conn)
    .await
    .map_err(server::error)?
    .iter()
    .map(|row| row.try_get::<String, _>(0).map(|n| n.to_ascii_lowercase()))
    .collect::<Result<_, _>>()
    .map_err(server::error)?;
    let variables: Vec<String> = watched.into_iter().filter(|n| known.contains(n)).collect();
    if !variables.is_empty() {
        let saves: Vec<String> = variables
            .iter()
            .enumerate()
            .map(|(i, name)| format!("@dbfleet_s{i} = @@SESSION.{name}"))
            .collect();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("SET {}", saves.join(", "))))
            .execute(&mut *conn)
            .await
            .map_err(server::error)?;
    }
    let in_transaction = if known.iter().any(|k| k == "in_transaction") {
        "@@in_transaction"
    } else {
        "(SELECT COUNT(*) FROM information_schema.innodb_trx WHERE trx_mysql_thread_id = CONNECTION_ID())"
    };
    Ok(Opened {
        database,
        role,
        variables,
        in_transaction,
    })
}

/// The count leaves dbfleet's own tables out; the size is the whole database's.
const STATS: &str = "SELECT CAST(COALESCE(SUM(table_type = 'BASE TABLE' AND table_name NOT IN (?, ?)), 0) AS SIGNED), \
     CAST(COALESCE(SUM(data_length + index_length), 0) AS SIGNED), VERSION() \
     FROM information_schema.tables WHERE table_schema = COALESCE(?, DATABASE())";

/// `10.11.19-MariaDB-0+deb12u1` → `MariaDB 10.11.19`, `8.0.36` → `MySQL 8.0.36`.
fn server_name(version: &str) -> String {
    let number = version.split('-').next().unwrap_or(version);
    if version.contains("MariaDB") {
        format!("MariaDB {number}")
    } else {
        format!("MySQL {number}")
    }
}

/// Named locks are server-wide and at most 64 characters: hash the database and table.
fn lock_name(database: &str, lock_table: &str) -> String {
    let digest = Sha256::digest(format!("{database}\u{0}{lock_table}").as_bytes());
    format!("dbfleet:{}", &hex(&digest)[..48])
}

/// The options a session of `target` connects with (`server::with_target`).
pub(crate) fn connect_options(target: &Target) -> DriverResult<MySqlConnectOptions> {
    let connection = &target.connection;
    // Run migrations as the mysql client would: `||` means OR, and the session keeps the
    // server's time zone unless the URL names one (`session: {time_zone: ...}` also does).
    let mut options = server::with_target(target, || {
        MySqlConnectOptions::new().host("localhost").port(3306)
    })?
    .database(&target.database)
    .pipes_as_concat(false)
    .log_statements(tracing::log::LevelFilter::Trace);
    let url_time_zone = connection.url.as_ref().is_some_and(|url| {
        url::Url::parse(url.expose()).is_ok_and(|u| {
            u.query_pairs()
                .any(|(k, _)| k == "timezone" || k == "time-zone")
        })
    });
    if !url_time_zone {
        options = options.timezone(None);
    }
    if let Some(charset) = &target.charset {
        options = options.charset(charset);
    }
    Ok(options)
}

/// The entry's `session:` settings, one `SET SESSION` each so a refusal names its
/// setting. The value is a bound parameter: no quoting to get wrong, whatever the
/// server's `sql_mode` says about backslashes.
async fn apply_session(conn: &mut MySqlConnection, target: &Target) -> DriverResult<()> {
    for setting in &target.connection.session {
        // The name is identifier characters only (`config::session_name_problem`).
        let sql = format!("SET SESSION {} = ?", setting.name);
        let query = sqlx::query(sqlx::AssertSqlSafe(sql));
        let query = match &setting.value {
            SessionValue::Str(s) => query.bind(s.clone()),
            SessionValue::Int(i) => query.bind(*i),
            SessionValue::Float(x) => query.bind(*x),
            SessionValue::Bool(b) => query.bind(if *b { "ON" } else { "OFF" }),
        };
        query
            .execute(&mut *conn)
            .await
            .map_err(|e| server::session_refused(setting, server::error(e)))?;
    }
    Ok(())
}

/// Opens a MySQL or MariaDB session with `connect_options` and the entry's `session:`
/// settings; a read-write one then notes what `restore_session` will compare the session
/// with, so the configured settings are what it puts back.
pub async fn open(
    target: &Target,
    bookkeeping: Bookkeeping,
    access: Access,
    statement_timeout_secs: u64,
) -> DriverResult<Connected<Mysql>> {
    let options = connect_options(target)?;
    let mut conn = server::open(target, options).await?;
    if statement_timeout_secs > 0 {
        // MariaDB's name for it; MySQL has no DDL timeout and refuses the variable.
        let sql = format!("SET SESSION max_statement_time = {statement_timeout_secs}");
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await;
    }
    // After dbfleet's statement limit, so the entry's own wins; before read-only, which
    // nothing may turn off.
    if let Err(e) = apply_session(&mut conn, target).await {
        let _ = conn.close().await;
        return Err(e);
    }
    if access == Access::ReadOnly {
        // Status and dry runs must not be able to write, whatever goes wrong.
        sqlx::raw_sql("SET SESSION TRANSACTION READ ONLY")
            .execute(&mut conn)
            .await
            .map_err(server::error)?;
    }
    // Where the tables are, before any migration can `USE` another database.
    let (database, connection_id): (Option<String>, u64) =
        sqlx::query_as("SELECT DATABASE(), CONNECTION_ID()")
            .fetch_one(&mut conn)
            .await
            .map_err(server::error)?;
    let opened = match access {
        Access::ReadOnly => None,
        Access::ReadWrite { .. } => {
            Some(note_session(&mut conn, database.clone(), &target.connection.session).await?)
        }
    };
    let driver = Mysql {
        lock_name: lock_name(&target.database, &bookkeeping.lock_table),
        connection_id,
        opened,
    };
    let bookkeeping = bookkeeping.in_schema(database);
    Ok(Connected::new(conn, bookkeeping, target, driver))
}

#[async_trait]
impl Driver for Mysql {
    const DIALECT: Dialect = Dialect::Mysql;
    const SERVER_LOCK: bool = true;
    type Conn = MySqlConnection;
    const ERROR: fn(sqlx::Error) -> DriverError = server::error;

    async fn table_exists(s: &mut Connected<Self>, table: &str) -> DriverResult<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?",
        )
        .bind(&s.bookkeeping.schema)
        .bind(table)
        .fetch_optional(&mut s.conn)
        .await
        .map_err(server::error)?;
        Ok(found.is_some())
    }

    async fn columns(s: &mut Connected<Self>, tables: &[&str]) -> DriverResult<Vec<ForeignColumn>> {
        let sql = format!(
            "SELECT CAST(table_name AS CHAR), CAST(column_name AS CHAR) FROM information_schema.columns WHERE table_schema = COALESCE(?, DATABASE()) AND table_name IN ({})",
            foreign::name_list(&s.bookkeeping, tables)
        );
        let rows: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&s.bookkeeping.schema)
            .fetch_all(&mut s.conn)
            .await
            .map_err(server::error)?;
        Ok(rows.into_iter().map(ForeignColumn::here).collect())
    }

    async fn integer_versions(s: &mut Connected<Self>) -> DriverResult<bool> {
        let kind: Option<String> = sqlx::query_scalar(
            "SELECT CAST(data_type AS CHAR) FROM information_schema.columns WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? AND column_name = 'version'",
        )
        .bind(&s.bookkeeping.schema)
        .bind(&s.bookkeeping.migrations_table)
        .fetch_optional(&mut s.conn)
        .await
        .map_err(server::error)?;
        Ok(kind.is_some_and(|k| k.to_ascii_lowercase().contains("int")))
    }

    async fn server_lock_holder(
        s: &mut Connected<Self>,
        now: &str,
    ) -> DriverResult<Option<LockRow>> {
        let found = sqlx::query(
            "SELECT CAST(p.ID AS SIGNED), CAST(COALESCE(p.USER, '') AS CHAR), CAST('' AS CHAR), \
             CAST(SUBSTRING_INDEX(COALESCE(p.HOST, ''), ':', 1) AS CHAR) \
             FROM information_schema.PROCESSLIST p WHERE p.ID = IS_USED_LOCK(?)",
        )
        .bind(&s.driver.lock_name)
        .fetch_optional(&mut s.conn)
        .await
        .map_err(server::error)?;
        found
            .map(|row| server::session_holder(&row, now))
            .transpose()
    }

    async fn take_server_lock(s: &mut Connected<Self>) -> DriverResult<bool> {
        let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, 0)")
            .bind(&s.driver.lock_name)
            .fetch_one(&mut s.conn)
            .await
            .map_err(server::error)?;
        Ok(got == Some(1))
    }

    async fn free_server_lock(s: &mut Connected<Self>) -> DriverResult<()> {
        sqlx::query("SELECT RELEASE_LOCK(?)")
            .bind(&s.driver.lock_name)
            .execute(&mut s.conn)
            .await
            .map_err(server::error)?;
        Ok(())
    }

    async fn server_lock_held(s: &mut Connected<Self>) -> DriverResult<Option<bool>> {
        let holder: Option<i64> = sqlx::query_scalar("SELECT IS_USED_LOCK(?)")
            .bind(&s.driver.lock_name)
            .fetch_one(&mut s.conn)
            .await
            .map_err(server::error)?;
        Ok(Some(holder.is_some()))
    }

    async fn restore_session(
        s: &mut Connected<Self>,
        _in_step_transaction: bool,
    ) -> DriverResult<()> {
        let Some(opened) = &s.driver.opened else {
            return Ok(());
        };
        let literal = |v: &Option<String>| match v {
            Some(v) => s.bookkeeping.literal(v),
            None => "NULL".to_owned(),
        };
        // One row of flags (1 = as opened), then a probe that fails only under `LOCK
        // TABLES`. The row is read before the probe can start a transaction of its own.
        // Its explicit `LIMIT` wins over a migration's `sql_select_limit = 0`, which would
        // hide it: then every variable looked changed, and setting them all back failed
        // (MariaDB's `system_versioning_asof` cannot be set to its own `DEFAULT`).
        let mut checks = vec![
            format!("{} <> 0", opened.in_transaction),
            format!("DATABASE() <=> {}", literal(&opened.database)),
        ];
        if let Some(role) = &opened.role {
            checks.push(format!("CURRENT_ROLE() <=> {}", literal(role)));
        }
        for (i, name) in opened.variables.iter().enumerate() {
            checks.push(format!("@@SESSION.{name} <=> @dbfleet_s{i}"));
        }
        let lock_table = s.bookkeeping.table(&s.bookkeeping.lock_table);
        let sql = format!(
            "SELECT {} LIMIT 1; SELECT 1 FROM {lock_table} LIMIT 0",
            checks.join(", ")
        );
        let mut flags: Option<Vec<i64>> = None;
        let mut tables_locked = false;
        {
            let mut rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).fetch(&mut s.conn);
            while let Some(row) = rows.next().await {
                match row {
                    Ok(row) if flags.is_none() => {
                        flags = Some(
                            (0..row.len())
                                .map(|i| row.try_get::<Option<i64>, _>(i).map(|v| v.unwrap_or(0)))
                                .collect::<Result<_, _>>()
                                .map_err(server::error)?,
                        );
                    }
                    Ok(_) => {}
                    Err(sqlx::Error::Database(db))
                        if db
                            .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                            .is_some_and(|e| e.number() == NOT_LOCKED_WITH_LOCK_TABLES) =>
                    {
                        tables_locked = true;
                    }
                    Err(e) => return Err(server::error(e)),
                }
            }
        }
        let flags = flags.unwrap_or_default();
        let flag = |i: usize| flags.get(i).copied().unwrap_or(0);
        let open = flag(0) == 1;
        let mut fixes: Vec<String> = Vec::new();
        if open {
            fixes.push("ROLLBACK".into());
        }
        if tables_locked {
            fixes.push("UNLOCK TABLES".into());
        }
        if flag(1) != 1
            && let Some(database) = &opened.database
        {
            fixes.push(format!("USE {}", s.bookkeeping.ident(database)));
        }
        let mut next = 2;
        if let Some(role) = &opened.role {
            if flag(next) != 1 {
                fixes.push(match role.as_deref() {
                    None | Some("NONE") => "SET ROLE NONE".to_owned(),
                    // MySQL 8 lists roles as `name`@`host`: its default ones were active.
                    Some(r) if r.contains('@') => "SET ROLE DEFAULT".to_owned(),
                    Some(r) => format!("SET ROLE {}", s.bookkeeping.ident(r)),
                });
            }
            next += 1;
        }
        let changed: Vec<String> = opened
            .variables
            .iter()
            .enumerate()
            .filter(|(i, _)| flag(next + i) != 1)
            .map(|(i, name)| format!("{name} = @dbfleet_s{i}"))
            .collect();
        if !changed.is_empty() {
            fixes.push(format!("SET SESSION {}", changed.join(", ")));
        }
        if !fixes.is_empty() {
            tracing::debug!("restoring the session: {}", fixes.join("; "));
            s.execute(&fixes.join("; ")).await?;
        }
        if open {
            return Err(DriverError::new(
                ErrorKind::Query,
                "the migration left a transaction open (START TRANSACTION, or SET autocommit = 0, without COMMIT); dbfleet rolled it back, so what it changed since, other than DDL (which commits on its own), is not in the database",
            ));
        }
        Ok(())
    }

    async fn stats(s: &mut Connected<Self>) -> DriverResult<DbStats> {
        let mut stats = s
            .conn
            .fetch_stats(STATS, &s.bookkeeping)
            .await
            .map_err(server::error)?;
        stats.server_version = stats.server_version.as_deref().map(server_name);
        Ok(stats)
    }

    async fn backup(s: &mut Connected<Self>, dest: &Path) -> DriverResult<u64> {
        server::backup(s, dest).await
    }

    fn interrupter(s: &Connected<Self>) -> Interrupter {
        Arc::new(Killer {
            target: s.target.clone(),
            connection_id: s.driver.connection_id,
        })
    }
}
