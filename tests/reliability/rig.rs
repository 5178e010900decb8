//! One fleet of a few databases on one engine (SQLite files, or fresh databases on the
//! PostgreSQL / MariaDB test servers) sharing one migration set, `rel`, whose migrations
//! leave effects a test can count: each inserts its version into `applied_log`, so a
//! migration applied twice shows as two log rows.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{self, Fleet, Output};
use crate::servers::{self, Databases, Engine};

/// The statements of every `rel` migration, in order: `IF NOT EXISTS` and plain inserts,
/// so a second application would succeed and double the rows instead of failing.
pub const STATEMENTS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Server(Engine),
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Sqlite => "sqlite",
            Kind::Server(Engine::Postgres) => "postgres",
            Kind::Server(Engine::Mysql) => "mariadb",
        }
    }

    /// DDL commits by itself: a step can stop half-way, dirty.
    pub fn autocommit_ddl(self) -> bool {
        self == Kind::Server(Engine::Mysql)
    }
}

pub struct Rig {
    pub kind: Kind,
    pub fleet: Fleet,
    pub dbs: Option<Databases>,
    pub names: Vec<String>,
    password: String,
}

pub const PASSWORD_VAR: &str = "RELIAB_DB_PASSWORD";

impl Rig {
    /// `names` as fresh databases of `kind`, the `rel` set empty; `None` when the server is
    /// not configured.
    pub fn new(kind: Kind, names: &[&str], migrator_extra: &str) -> Option<Rig> {
        let fleet = Fleet::new();
        std::fs::remove_dir_all(fleet.file("migrations")).unwrap();
        std::fs::create_dir_all(fleet.file("migrations/rel")).unwrap();
        let mut config = String::new();
        let (dbs, password) = match kind {
            Kind::Sqlite => {
                config.push_str("database:\n  driver: sqlite\ndatabases:\n");
                for name in names {
                    config.push_str(&format!("  {name}:\n    database: data/{name}.db\n"));
                }
                (None, String::new())
            }
            Kind::Server(engine) => {
                let server = servers::server(engine)?;
                let dbs = Databases::create(&server, names);
                config.push_str(&format!(
                    "database:\n  driver: {}\n  host: {}\n  port: {}\n  username: {}\n  password: ${{{PASSWORD_VAR}}}\ndatabases:\n",
                    engine.driver(),
                    server.host,
                    server.port,
                    server.user
                ));
                for (name, real) in &dbs.names {
                    config.push_str(&format!("  {name}:\n    database: {real}\n"));
                }
                let password = server.password.clone();
                (Some(dbs), password)
            }
        };
        config.push_str(&format!(
            "sets:\n  rel:\n    targets: [\"*\"]\nmigrator:\n  auto_backup: false\n  journal: journal.jsonl\n  lock_timeout_secs: 60\n{migrator_extra}"
        ));
        fleet.write("config.yaml", &config);
        Some(Rig {
            kind,
            fleet,
            dbs,
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            password,
        })
    }

    /// Writes `rel` migration `version` (see `STATEMENTS`).
    pub fn add_migration(&self, version: u32) {
        self.fleet.write(
            &format!("migrations/rel/{version:03}_m{version}.up.sql"),
            &format!(
                "CREATE TABLE IF NOT EXISTS applied_log (version INTEGER NOT NULL);\n\
                 CREATE TABLE IF NOT EXISTS t{version} (k INTEGER NOT NULL);\n\
                 INSERT INTO t{version} (k) VALUES (1), (2);\n\
                 INSERT INTO applied_log (version) VALUES ({version});\n"
            ),
        );
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.fleet.command(args);
        cmd.env(PASSWORD_VAR, &self.password);
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let out = self.command(args).output().expect("running dbfleet");
        common::to_output(args, out)
    }

    pub fn line(&self, line: &str) -> Output {
        let args: Vec<&str> = line.split_whitespace().collect();
        self.run(&args)
    }

    /// `status --format json` of one database over the `rel` set.
    pub fn status(&self, name: &str) -> Value {
        let out = self.line(&format!("status --format json --directory rel -d {name}"));
        out.expect_ok();
        out.json()["databases"][0].clone()
    }

    pub fn real(&self, name: &str) -> String {
        match &self.dbs {
            Some(dbs) => dbs.real(name).to_owned(),
            None => name.to_owned(),
        }
    }

    /// Application tables (dbfleet's own left out).
    pub fn tables(&self, name: &str) -> BTreeSet<String> {
        match &self.dbs {
            Some(dbs) => dbs.server.tables(&self.real(name)).into_iter().collect(),
            None => {
                let path = self.fleet.db(name);
                if path.exists() {
                    // A killed run leaves a hot journal, which a read-only connection
                    // cannot roll back: one writable connection does first, as the next
                    // run's would.
                    common::exec(&path, "SELECT 1");
                }
                common::app_tables(&path).into_iter().collect()
            }
        }
    }

    /// Empties every database (tables, bookkeeping, the journal) for the next trial:
    /// creating databases costs a second each on a loaded PostgreSQL, dropping tables far
    /// less.
    pub fn reset(&self) {
        let _ = std::fs::remove_file(self.fleet.file("journal.jsonl"));
        let Some(dbs) = &self.dbs else {
            let _ = std::fs::remove_dir_all(self.fleet.file("data"));
            return;
        };
        for name in &self.names {
            let real = self.real(name);
            self.wait_for_dead_sessions(name);
            let (list, cascade) = match self.kind {
                Kind::Server(Engine::Postgres) => (
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
                    " CASCADE",
                ),
                _ => (
                    "SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'",
                    "",
                ),
            };
            let tables: Vec<String> = dbs
                .server
                .query(&real, list)
                .into_iter()
                .filter_map(|r| r.into_iter().next().flatten())
                .collect();
            if !tables.is_empty() {
                dbs.server
                    .admin_on(&real, &format!("DROP TABLE {}{cascade}", tables.join(", ")));
            }
        }
    }

    /// The values of `column` in `table`, as text.
    pub fn column(&self, name: &str, table: &str, column: &str) -> Vec<String> {
        let rows = match (&self.dbs, self.kind) {
            (Some(dbs), Kind::Server(Engine::Postgres)) => dbs.server.query(
                &self.real(name),
                &format!("SELECT {column}::text FROM {table}"),
            ),
            (Some(dbs), _) => dbs.server.query(
                &self.real(name),
                &format!("SELECT CAST({column} AS CHAR) FROM {table}"),
            ),
            (None, _) => common::query_text(
                &self.fleet.db(name),
                &format!("SELECT {column} FROM {table}"),
            ),
        };
        rows.into_iter()
            .map(|r| r.into_iter().next().flatten().unwrap_or_default())
            .collect()
    }

    /// Rows in the lock table (0 when it does not exist).
    pub fn lock_rows(&self, name: &str) -> usize {
        match &self.dbs {
            Some(dbs) => {
                let real = self.real(name);
                let exists = dbs
                    .server
                    .query(
                        &real,
                        "SELECT table_name FROM information_schema.tables WHERE table_name = 'schema_migrations_lock'",
                    )
                    .len();
                if exists == 0 {
                    0
                } else {
                    dbs.server.lock_rows(&real)
                }
            }
            None => common::lock_rows(&self.fleet.db(name)).len(),
        }
    }

    /// What the migrations left, read from the database itself.
    pub fn effects(&self, name: &str) -> Effects {
        let tables = self.tables(name);
        let mut log = BTreeMap::new();
        let mut rows = BTreeMap::new();
        if tables.contains("applied_log") {
            for v in self.column(name, "applied_log", "version") {
                *log.entry(v.parse::<u32>().unwrap()).or_insert(0) += 1;
            }
        }
        for table in &tables {
            if let Some(v) = table.strip_prefix('t').and_then(|v| v.parse::<u32>().ok()) {
                rows.insert(v, self.column(name, table, "k").len());
            }
        }
        Effects { tables, log, rows }
    }

    /// Waits until no session but ours is connected to `name` on a server: a killed
    /// client's session may still be finishing a statement or a COMMIT it had sent, and
    /// reading the bookkeeping and the effects in two queries must not straddle it.
    pub fn wait_for_dead_sessions(&self, name: &str) {
        let Some(dbs) = &self.dbs else { return };
        let real = self.real(name);
        let sql = match self.kind {
            Kind::Server(Engine::Postgres) => format!(
                "SELECT pid::text FROM pg_stat_activity WHERE datname = '{real}' AND pid <> pg_backend_pid()"
            ),
            _ => format!(
                "SELECT CAST(id AS CHAR) FROM information_schema.processlist WHERE db = '{real}' AND id <> CONNECTION_ID()"
            ),
        };
        let deadline = Instant::now() + Duration::from_mins(1);
        loop {
            let left = admin_query(dbs, self.kind, &sql);
            if left.is_empty() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{real}: sessions still connected after 60 s: {left:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

pub fn admin_query(dbs: &Databases, kind: Kind, sql: &str) -> Vec<Vec<Option<String>>> {
    let admin_db = match kind {
        Kind::Server(Engine::Postgres) => "postgres",
        _ => "mysql",
    };
    dbs.server.query(admin_db, sql)
}

/// The effects of the `rel` migrations in one database.
#[derive(Debug, Clone)]
pub struct Effects {
    pub tables: BTreeSet<String>,
    /// version → rows in `applied_log`
    pub log: BTreeMap<u32, usize>,
    /// version → rows in `t<version>` (present only when the table exists)
    pub rows: BTreeMap<u32, usize>,
}

impl Effects {
    /// Which of migration `version`'s statements left their mark, in order. Statement 1
    /// (`applied_log` made) is shared by every migration after the first.
    pub fn done(&self, version: u32) -> [bool; STATEMENTS] {
        [
            self.tables.contains("applied_log"),
            self.rows.contains_key(&version),
            self.rows.get(&version).copied().unwrap_or(0) > 0,
            self.log.get(&version).copied().unwrap_or(0) > 0,
        ]
    }

    /// No migration's rows were inserted twice (the log has one row per application).
    pub fn doubles(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (v, n) in &self.log {
            if *n != 1 {
                out.push(format!("applied_log has {n} rows for version {v}"));
            }
        }
        for (v, n) in &self.rows {
            if *n != 0 && *n != 2 {
                out.push(format!("t{v} has {n} rows (2 per application)"));
            }
        }
        out
    }
}
