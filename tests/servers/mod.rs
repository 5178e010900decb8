//! Real-server test support: each test creates its own uniquely named databases from the
//! admin URL in `DBFLEET_TEST_POSTGRES_URL` / `DBFLEET_TEST_MYSQL_URL`, writes a config
//! for them into a temporary fleet folder, and drops them when it ends. Without the URL a
//! test says it skipped — unless `DBFLEET_TEST_REQUIRE_SERVERS` is set, as `.ci/run` sets
//! it with both URLs: there a missing URL fails the test instead of skipping it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test
#![allow(dead_code)]

pub mod scenarios;

use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::Connection;

use crate::common::Fleet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    Mysql,
}

impl Engine {
    pub fn env_var(self) -> &'static str {
        match self {
            Engine::Postgres => "DBFLEET_TEST_POSTGRES_URL",
            Engine::Mysql => "DBFLEET_TEST_MYSQL_URL",
        }
    }

    pub fn driver(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
        }
    }
}

/// Connection facts from the admin URL.
#[derive(Debug, Clone)]
pub struct Server {
    pub engine: Engine,
    pub admin_url: String,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The server, or `None` (after saying so) when its URL is not set.
pub fn server(engine: Engine) -> Option<Server> {
    let Ok(admin_url) = std::env::var(engine.env_var()) else {
        assert!(
            std::env::var_os("DBFLEET_TEST_REQUIRE_SERVERS").is_none(),
            "{} is not set and DBFLEET_TEST_REQUIRE_SERVERS is: server tests must run",
            engine.env_var()
        );
        eprintln!("skipped: {} is not set", engine.env_var());
        return None;
    };
    let url = url::Url::parse(&admin_url).expect("admin URL");
    let default_port = if engine == Engine::Postgres {
        5432
    } else {
        3306
    };
    Some(Server {
        engine,
        host: url.host_str().unwrap_or("127.0.0.1").to_owned(),
        port: url.port().unwrap_or(default_port),
        user: url.username().to_owned(),
        password: url.password().unwrap_or("").to_owned(),
        admin_url,
    })
}

impl Server {
    /// Runs admin statements (CREATE/DROP DATABASE, ...) on the admin connection.
    pub fn admin(&self, statements: &[String]) {
        let rt = runtime();
        rt.block_on(async {
            match self.engine {
                Engine::Postgres => {
                    let mut conn = sqlx::PgConnection::connect(&self.admin_url)
                        .await
                        .unwrap_or_else(|e| {
                            panic!("PostgreSQL at {} is unreachable: {e}", self.host)
                        });
                    for sql in statements {
                        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
                            .execute(&mut conn)
                            .await
                            .unwrap_or_else(|e| panic!("{sql}: {e}"));
                    }
                }
                Engine::Mysql => {
                    let mut conn = sqlx::MySqlConnection::connect(&self.admin_url)
                        .await
                        .unwrap_or_else(|e| panic!("MySQL at {} is unreachable: {e}", self.host));
                    for sql in statements {
                        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
                            .execute(&mut conn)
                            .await
                            .unwrap_or_else(|e| panic!("{sql}: {e}"));
                    }
                }
            }
        });
    }

    /// Runs statements on `database` (`;`-separated), with the admin's credentials.
    pub fn admin_on(&self, database: &str, sql: &str) {
        let url = self.url_for(database);
        runtime().block_on(async {
            let result = match self.engine {
                Engine::Postgres => match sqlx::PgConnection::connect(&url).await {
                    Ok(mut conn) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                        .execute(&mut conn)
                        .await
                        .map(drop),
                    Err(e) => Err(e),
                },
                Engine::Mysql => match sqlx::MySqlConnection::connect(&url).await {
                    Ok(mut conn) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                        .execute(&mut conn)
                        .await
                        .map(drop),
                    Err(e) => Err(e),
                },
            };
            result.unwrap_or_else(|e| panic!("{sql} on {database}: {e}"));
        });
    }

    /// A URL for one database, with the admin's credentials.
    pub fn url_for(&self, database: &str) -> String {
        let mut url = url::Url::parse(&self.admin_url).unwrap();
        url.set_path(&format!("/{database}"));
        url.to_string()
    }

    /// Rows of `sql` on `database`, every value as text (NULL as None).
    pub fn query(&self, database: &str, sql: &str) -> Vec<Vec<Option<String>>> {
        let url = self.url_for(database);
        let rt = runtime();
        rt.block_on(async {
            use sqlx::Row;
            let text_sql = sql.to_owned();
            match self.engine {
                Engine::Postgres => {
                    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
                    let rows = sqlx::query(sqlx::AssertSqlSafe(text_sql))
                        .fetch_all(&mut conn)
                        .await
                        .unwrap();
                    rows.iter()
                        .map(|r| {
                            (0..r.len())
                                .map(|i| r.try_get::<Option<String>, _>(i).unwrap())
                                .collect()
                        })
                        .collect()
                }
                Engine::Mysql => {
                    let mut conn = sqlx::MySqlConnection::connect(&url).await.unwrap();
                    let rows = sqlx::query(sqlx::AssertSqlSafe(text_sql))
                        .fetch_all(&mut conn)
                        .await
                        .unwrap();
                    rows.iter()
                        .map(|r| {
                            (0..r.len())
                                .map(|i| r.try_get::<Option<String>, _>(i).unwrap())
                                .collect()
                        })
                        .collect()
                }
            }
        })
    }

    /// Application tables of `database` (dbfleet's two left out), sorted.
    pub fn tables(&self, database: &str) -> Vec<String> {
        let sql = match self.engine {
            Engine::Postgres => {
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'schema_migrations%' ORDER BY 1"
            }
            Engine::Mysql => {
                "SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'schema_migrations%' ORDER BY 1"
            }
        };
        self.query(database, sql)
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect()
    }

    /// `(migration_set, version, status)` rows, as text.
    pub fn migration_rows(&self, database: &str) -> Vec<(String, String, String)> {
        let sql = match self.engine {
            Engine::Postgres => {
                "SELECT migration_set, version::text, status FROM schema_migrations ORDER BY 1, 2"
            }
            Engine::Mysql => {
                "SELECT migration_set, CAST(version AS CHAR), status FROM schema_migrations ORDER BY 1, 2"
            }
        };
        self.query(database, sql)
            .into_iter()
            .map(|r| {
                let v: Vec<String> = r
                    .into_iter()
                    .map(std::option::Option::unwrap_or_default)
                    .collect();
                (v[0].clone(), v[1].clone(), v[2].clone())
            })
            .collect()
    }

    pub fn lock_rows(&self, database: &str) -> usize {
        self.query(database, "SELECT holder FROM schema_migrations_lock")
            .len()
    }
}

/// Databases created for one test, dropped when it ends (even when it fails).
pub struct Databases {
    pub server: Server,
    /// (config name, real database name)
    pub names: Vec<(String, String)>,
}

impl Databases {
    pub fn create(server: &Server, names: &[&str]) -> Databases {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let prefix = format!("dbft{}x{n}", std::process::id());
        let names: Vec<(String, String)> = names
            .iter()
            .map(|name| (name.to_string(), format!("{prefix}_{name}")))
            .collect();
        let mut statements = Vec::new();
        for (_, real) in &names {
            statements.push(format!("DROP DATABASE IF EXISTS {real}"));
            statements.push(format!("CREATE DATABASE {real}"));
        }
        server.admin(&statements);
        Databases {
            server: server.clone(),
            names,
        }
    }

    pub fn real(&self, name: &str) -> &str {
        &self
            .names
            .iter()
            .find(|(n, _)| n == name)
            .expect("known database")
            .1
    }
}

impl Drop for Databases {
    fn drop(&mut self) {
        let force = if self.server.engine == Engine::Postgres {
            " WITH (FORCE)"
        } else {
            ""
        };
        let statements: Vec<String> = self
            .names
            .iter()
            .map(|(_, real)| format!("DROP DATABASE IF EXISTS {real}{force}"))
            .collect();
        // Best effort: a leftover database has a unique name and collides with nothing.
        let _ = std::panic::catch_unwind(|| self.server.admin(&statements));
    }
}

/// A fleet folder whose config puts `names` on the server, in the seed's config shape:
/// a `database:` block of defaults, each entry repeating the connection settings, and the
/// password through `${MICROSERVICE_DB_PASSWORD}` (`env` must set it).
pub fn seed_shaped_config(
    dbs: &Databases,
    depends: &[(&str, &[&str])],
    extra_migrator: &str,
) -> String {
    let s = &dbs.server;
    let mut text = format!(
        "database:\n  driver: {}\n  host: {}\n  port: {}\n  username: {}\n  password: ${{MICROSERVICE_DB_PASSWORD}}\n  charset: utf8mb4\n\ndatabases:\n",
        s.engine.driver(),
        s.host,
        s.port,
        s.user
    );
    for (name, real) in &dbs.names {
        text.push_str(&format!(
            "  {name}:\n    driver: {}\n    host: {}\n    port: {}\n    username: {}\n    password: ${{MICROSERVICE_DB_PASSWORD}}\n    database: {real}\n",
            s.engine.driver(),
            s.host,
            s.port,
            s.user
        ));
        if s.engine == Engine::Mysql {
            text.push_str("    charset: utf8mb4\n");
        }
        if let Some((_, deps)) = depends.iter().find(|(n, _)| n == name) {
            text.push_str(&format!("    depends_on: [{}]\n", deps.join(", ")));
        }
    }
    text.push_str(&format!(
        "\nmigrator:\n  migrations_table: schema_migrations\n  lock_table: schema_migrations_lock\n  auto_backup: true\n  dry_run: false\n  default_database: {}\n  migrations_dir: migrations\n  database_patterns:\n    - \"*_service\"\n  backup_dir: backups\n  journal: journal.jsonl\n{extra_migrator}",
        dbs.names[0].0
    ));
    text
}

/// The seed-shaped fleet for `dbs` with `auto_backup` off (no dependencies).
pub fn fleet_without_backups(dbs: &Databases) -> Fleet {
    fleet_with(
        &seed_shaped_config(dbs, &[], "")
            .replace("  auto_backup: true\n", "  auto_backup: false\n"),
    )
}

/// The fleet folder with `config` as its config.yaml; the demo migrations are there.
pub fn fleet_with(config: &str) -> Fleet {
    let fleet = Fleet::new();
    fleet.write("config.yaml", config);
    fleet
}

/// `(version, status)` of `database`'s migrations-table rows.
pub fn versions_and_statuses(server: &Server, database: &str) -> Vec<(String, String)> {
    server
        .migration_rows(database)
        .into_iter()
        .map(|(_, version, status)| (version, status))
        .collect()
}

/// Writes `file` into `db`'s own set and runs `up -d db`, which must exit 1 saying
/// `message`.
#[track_caller]
pub fn up_fails_with(
    fleet: &Fleet,
    server: &Server,
    db: &str,
    (file, sql): (&str, &str),
    message: &str,
) -> crate::common::Output {
    fleet.write(&format!("migrations/{db}/{file}"), sql);
    let up = fleet.run_with_env(
        &["up", "-d", db],
        &[("MICROSERVICE_DB_PASSWORD", server.password.as_str())],
    );
    up.expect_code(1).expect_contains(message);
    up
}

/// A `dbfleet` run in the background, its stdout read line by line as it comes.
pub struct Background {
    pub child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl Background {
    /// Starts `args` in `fleet` with the server's password in the environment.
    pub fn start(fleet: &Fleet, server: &Server, args: &[&str]) -> Background {
        let mut child = fleet
            .command(args)
            .env("MICROSERVICE_DB_PASSWORD", &server.password)
            .spawn()
            .expect("spawn dbfleet");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Background {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Blocks until a line contains `needle` (panics after `secs`).
    #[track_caller]
    pub fn wait_for(&mut self, needle: &str, secs: u64) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(needle);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(_) => break,
            }
        }
        panic!(
            "no line with {needle:?} within {secs}s:\n{}",
            self.seen.join("\n")
        );
    }

    /// SIGKILL, as a crashed runner or a lost CI machine.
    pub fn kill(mut self) {
        self.child.kill().expect("kill dbfleet");
        let _ = self.child.wait();
    }

    /// Waits for the end; the whole output.
    pub fn finish(mut self, args: &[&str]) -> crate::common::Output {
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            use std::io::Read;
            let _ = pipe.read_to_string(&mut stderr);
        }
        let status = self.child.wait().expect("wait for dbfleet");
        self.seen.extend(self.lines.iter());
        crate::common::Output {
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            code: status.code().unwrap_or(-1),
            stdout: self.seen.join("\n") + "\n",
            stderr,
        }
    }
}
