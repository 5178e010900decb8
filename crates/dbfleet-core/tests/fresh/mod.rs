//! A fresh, empty database of each dialect for the contract suite, dropped when the test
//! ends (even when it fails). SQLite's is a file in a temporary folder; a server's is
//! created from the admin URL in `DBFLEET_TEST_POSTGRES_URL` / `DBFLEET_TEST_MYSQL_URL`
//! under a unique name. Without the URL the test says it skipped — unless
//! `DBFLEET_TEST_REQUIRE_SERVERS` is set (CI), where that fails it.

use std::sync::atomic::{AtomicUsize, Ordering};

use dbfleet_core::config::{Secret, Target};
use dbfleet_core::dialect::Dialect;
use dbfleet_core::driver::{self, Access, Bookkeeping, Session, Timeouts};
use sqlx::Connection;

/// One fresh database, and what the suite needs to know of its dialect.
pub struct Fresh {
    pub target: Target,
    /// Statements a migration may run that change its session in ways that would break
    /// dbfleet's own statements after it if they stayed: another schema or database,
    /// read-only transactions, string literals read another way, rows hidden.
    pub session_changes: &'static [&'static str],
    /// The temporary folder (SQLite) or the server database's dropper, kept until the end.
    _keep: Keep,
}

enum Keep {
    Folder(#[allow(dead_code)] tempfile::TempDir),
    Server {
        admin_url: String,
        drop_sql: String,
        run: fn(&str, &[String]),
    },
}

impl Drop for Keep {
    fn drop(&mut self) {
        if let Keep::Server {
            admin_url,
            drop_sql,
            run,
        } = self
        {
            // Best effort (a leftover has a unique name): off the test's runtime, which
            // cannot block inside itself.
            let (url, sql, run) = (admin_url.clone(), drop_sql.clone(), *run);
            let _ = std::thread::spawn(move || run(&url, &[sql])).join();
        }
    }
}

impl Fresh {
    pub fn dialect(&self) -> Dialect {
        self.target.driver
    }

    pub fn bookkeeping(&self) -> Bookkeeping {
        Bookkeeping::new(
            self.dialect(),
            "schema_migrations",
            "schema_migrations_lock",
        )
    }

    /// A read-write session, as `up` opens one (a SQLite file is created).
    pub async fn open(&self) -> Box<dyn Session> {
        self.open_as(Access::ReadWrite { create: true }).await
    }

    /// A read-only session, as `status` opens one.
    pub async fn open_read_only(&self) -> Box<dyn Session> {
        self.open_as(Access::ReadOnly).await
    }

    /// A read-only session on the database file at `path` (a SQLite backup).
    pub async fn open_copy(&self, path: &std::path::Path) -> Box<dyn Session> {
        let target = Target {
            database: path.display().to_string(),
            ..self.target.clone()
        };
        open(&target, self.bookkeeping(), Access::ReadOnly).await
    }

    async fn open_as(&self, access: Access) -> Box<dyn Session> {
        open(&self.target, self.bookkeeping(), access).await
    }
}

async fn open(target: &Target, bookkeeping: Bookkeeping, access: Access) -> Box<dyn Session> {
    let timeouts = Timeouts {
        connect: std::time::Duration::from_secs(10),
        statement_secs: 0,
    };
    driver::connect(target, bookkeeping, access, timeouts)
        .await
        .unwrap_or_else(|e| panic!("{access:?} session of {}: {e}", target.database))
}

pub async fn sqlite() -> Option<Fresh> {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("contract.db").display().to_string();
    Some(Fresh {
        target: target(Dialect::Sqlite, database),
        session_changes: &["PRAGMA query_only = 1", "PRAGMA recursive_triggers = 1"],
        _keep: Keep::Folder(dir),
    })
}

pub async fn postgres() -> Option<Fresh> {
    let changes = &[
        "SET search_path = ''",
        "SET default_transaction_read_only = on",
        "SET standard_conforming_strings = off",
    ];
    server(Dialect::Postgres, changes, run_admin::<sqlx::PgConnection>).await
}

pub async fn mysql() -> Option<Fresh> {
    let changes = &[
        "USE information_schema",
        "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES,ANSI_QUOTES'",
        "SET SESSION sql_select_limit = 0",
        "SET SESSION TRANSACTION READ ONLY",
    ];
    server(Dialect::Mysql, changes, run_admin::<sqlx::MySqlConnection>).await
}

fn target(driver: Dialect, database: String) -> Target {
    Target {
        driver,
        host: None,
        port: None,
        username: None,
        password: None,
        database,
        charset: None,
        schema: None,
        sslmode: None,
        connection: dbfleet_core::config::ConnectionOptions::default(),
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A database of its own on the server the dialect's URL names, or `None` (after saying
/// so) when the URL is not set.
async fn server(
    dialect: Dialect,
    session_changes: &'static [&'static str],
    run: fn(&str, &[String]),
) -> Option<Fresh> {
    let var = match dialect {
        Dialect::Postgres => "DBFLEET_TEST_POSTGRES_URL",
        _ => "DBFLEET_TEST_MYSQL_URL",
    };
    let Ok(admin_url) = std::env::var(var) else {
        assert!(
            std::env::var_os("DBFLEET_TEST_REQUIRE_SERVERS").is_none(),
            "{var} is not set and DBFLEET_TEST_REQUIRE_SERVERS is: server tests must run"
        );
        eprintln!("skipped: {var} is not set");
        return None;
    };
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let name = format!("dbfc{}x{n}", std::process::id());
    let force = if dialect == Dialect::Postgres {
        " WITH (FORCE)"
    } else {
        ""
    };
    let drop_sql = format!("DROP DATABASE IF EXISTS {name}{force}");
    let create = [drop_sql.clone(), format!("CREATE DATABASE {name}")];
    let url = url::Url::parse(&admin_url).unwrap();
    // Created before `Keep` exists to drop it; on the test's runtime, like the test.
    let (create_url, created) = (admin_url.clone(), create.clone());
    tokio::task::spawn_blocking(move || run(&create_url, &created))
        .await
        .unwrap();
    let password = url.password().filter(|p| !p.is_empty());
    Some(Fresh {
        target: Target {
            host: url.host_str().map(str::to_owned),
            port: url.port(),
            username: Some(url.username().to_owned()).filter(|u| !u.is_empty()),
            password: password.map(Secret::new),
            ..target(dialect, name)
        },
        session_changes,
        _keep: Keep::Server {
            admin_url,
            drop_sql,
            run,
        },
    })
}

/// Runs `statements` on the admin connection, on a runtime of its own.
fn run_admin<C>(url: &str, statements: &[String])
where
    C: Connection,
    for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut conn = C::connect(url)
            .await
            .unwrap_or_else(|e| panic!("the server at {url} is unreachable: {e}"));
        for sql in statements {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        let _ = conn.close().await;
    });
}
