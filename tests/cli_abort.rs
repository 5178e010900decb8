//! Ctrl-C twice: the second stops the running statement on the server (PostgreSQL
//! `pg_cancel_backend`, MySQL `KILL QUERY`, SQLite `sqlite3_interrupt`), and the step is
//! left as the dirty model says: rolled back where it ran in a transaction, dirty and
//! resumable where it did not. The real binary, real signals; the server tests need
//! `DBFLEET_TEST_POSTGRES_URL` / `DBFLEET_TEST_MYSQL_URL`.
//!
//! Each migration's slow statement waits as long as its `gate` table says (a statement
//! before it writes 30 seconds there): once a test sets the gate to 0, `resolve --resume`
//! runs the same statement at once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;
mod servers;

use std::time::{Duration, Instant};

use common::{Fleet, Output};
use servers::{Background, Databases, Engine, Server};

/// Where the test's database lives.
enum Db {
    Sqlite,
    Server(Databases),
}

impl Db {
    fn engine(&self) -> Option<Engine> {
        match self {
            Db::Sqlite => None,
            Db::Server(dbs) => Some(dbs.server.engine),
        }
    }

    fn password(&self) -> String {
        match self {
            Db::Sqlite => String::new(),
            Db::Server(dbs) => dbs.server.password.clone(),
        }
    }

    /// The statement that waits `gate.secs` seconds.
    fn slow(&self) -> &'static str {
        match self.engine() {
            None => {
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < (SELECT max(secs) FROM gate) * 1000000) SELECT count(*) FROM c"
            }
            Some(Engine::Postgres) => "SELECT pg_sleep((SELECT max(secs) FROM gate))",
            Some(Engine::Mysql) => "SELECT SLEEP((SELECT max(secs) FROM gate))",
        }
    }

    fn sql(&self, fleet: &Fleet, sql: &str) -> Vec<Vec<Option<String>>> {
        match self {
            Db::Sqlite => common::query_text(&fleet.path().join("data/abort.db"), sql),
            Db::Server(dbs) => dbs.server.query(dbs.real("abort_service"), sql),
        }
    }

    fn exec(&self, fleet: &Fleet, sql: &str) {
        match self {
            Db::Sqlite => common::exec(&fleet.path().join("data/abort.db"), sql),
            Db::Server(dbs) => dbs.server.admin_on(dbs.real("abort_service"), sql),
        }
    }

    fn text(&self, fleet: &Fleet, sql: &str) -> String {
        self.sql(fleet, sql)
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(Option::unwrap_or_default)
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// `version|status|statements_done` of every row.
    fn rows(&self, fleet: &Fleet) -> String {
        let sql = match self.engine() {
            Some(Engine::Mysql) => {
                "SELECT CAST(version AS CHAR), status, CAST(statements_done AS CHAR) FROM schema_migrations ORDER BY version"
            }
            _ => {
                "SELECT CAST(version AS TEXT), status, CAST(statements_done AS TEXT) FROM schema_migrations ORDER BY version"
            }
        };
        self.text(fleet, sql)
    }

    fn has_table(&self, fleet: &Fleet, table: &str) -> bool {
        let sql = match self.engine() {
            None => format!("SELECT name FROM sqlite_master WHERE name = '{table}'"),
            Some(Engine::Postgres) => format!(
                "SELECT table_name::text FROM information_schema.tables WHERE table_name = '{table}' AND table_schema = current_schema()"
            ),
            Some(Engine::Mysql) => format!(
                "SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_name = '{table}' AND table_schema = DATABASE()"
            ),
        };
        !self.sql(fleet, &sql).is_empty()
    }

    fn lock_rows(&self, fleet: &Fleet) -> usize {
        self.sql(fleet, "SELECT holder FROM schema_migrations_lock")
            .len()
    }
}

/// A fleet of one database, `abort_service`, on `engine` (`None`: SQLite), with a first
/// migration and a second whose statement 2 of 3 is slow; `None` when the server's URL is
/// not set.
fn fleet(engine: Option<Engine>, no_transaction: bool) -> Option<(Fleet, Db)> {
    let db = match engine {
        None => Db::Sqlite,
        Some(engine) => {
            let server: Server = servers::server(engine)?;
            Db::Server(Databases::create(&server, &["abort_service"]))
        }
    };
    let fleet = match &db {
        Db::Sqlite => {
            let fleet = Fleet::new();
            fleet.write(
                "config.yaml",
                "databases:\n  abort_service:\n    driver: sqlite\n    database: data/abort.db\nmigrator:\n  auto_backup: false\n  journal: journal.jsonl\n",
            );
            fleet
        }
        Db::Server(dbs) => servers::fleet_without_backups(dbs),
    };
    fleet.write(
        "migrations/abort_service/001_first.up.sql",
        "CREATE TABLE first_table (id INTEGER);\n",
    );
    fleet.write(
        "migrations/abort_service/002_slow.up.sql",
        &format!(
            "{}CREATE TABLE gate AS SELECT 30 AS secs;\n{};\nCREATE TABLE after_slow (id INTEGER);\n",
            if no_transaction {
                "-- dbfleet:no-transaction\n"
            } else {
                ""
            },
            db.slow()
        ),
    );
    Some((fleet, db))
}

/// `dbfleet ARGS` in the background (`servers::Background`, which reads only the
/// password from its server: none for SQLite).
fn start(fleet: &Fleet, db: &Db, args: &[&str]) -> Background {
    let sqlite = Server {
        engine: Engine::Postgres,
        admin_url: String::new(),
        host: String::new(),
        port: 0,
        user: String::new(),
        password: String::new(),
    };
    let server = match db {
        Db::Sqlite => &sqlite,
        Db::Server(dbs) => &dbs.server,
    };
    Background::start(fleet, server, args)
}

fn interrupt(running: &Background) {
    let status = std::process::Command::new("kill")
        .args(["-INT", &running.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Starts `args`, and once statement 2 of 3 of 002_slow runs, presses Ctrl-C twice: the
/// first cancels (and says a second aborts), the second aborts. The output and the time
/// from the second Ctrl-C to the end.
fn abort_during_the_slow_statement(fleet: &Fleet, db: &Db, args: &[&str]) -> Output {
    let mut running = start(fleet, db, args);
    running.wait_for("002_slow statement 2/3", 60);
    // Let the statement reach the server.
    std::thread::sleep(Duration::from_millis(500));
    interrupt(&running);
    std::thread::sleep(Duration::from_millis(300));
    interrupt(&running);
    let aborted = Instant::now();
    let output = running.finish(args);
    let took = aborted.elapsed();
    output
        .expect_code(130)
        .expect_contains("press Ctrl-C again to abort the running statement")
        .expect_contains("aborting: stopping the running statement on the server");
    assert!(
        took < Duration::from_secs(3),
        "the abort took {took:?}\n{}",
        output.describe()
    );
    output
}

fn stopped_words(db: &Db) -> &'static str {
    match db.engine() {
        None => "statement 2 of 3 interrupted",
        Some(_) => "statement 2 of 3 stopped on the server",
    }
}

/// A step in a transaction: the abort stops the statement and the step rolls back whole:
/// no table of it, no row, no lock; the next `up` (gate or not) starts it from scratch.
fn transactional_step_rolls_back(engine: Option<Engine>) {
    let Some((fleet, db)) = fleet(engine, false) else {
        return;
    };
    let up =
        abort_during_the_slow_statement(&fleet, &db, &["up", "-d", "abort_service", "--verbose"]);
    up.expect_contains(&format!(
        "cancelled after 1 step(s); aborted: abort_service/002_slow {}; the step was rolled back",
        stopped_words(&db)
    ))
    .expect_contains("(rolled back)");
    assert_eq!(db.rows(&fleet), "1|applied|1");
    assert!(!db.has_table(&fleet, "gate"), "{}", up.describe());
    assert!(db.has_table(&fleet, "first_table"));
    assert_eq!(db.lock_rows(&fleet), 0);
    let journal = fleet.read("journal.jsonl");
    assert!(
        journal.contains("\"aborted\":\"aborted: abort_service/002_slow"),
        "{journal}"
    );
}

/// A step outside a transaction: the abort leaves it dirty with statement 1 done (the
/// gate table exists) and says how to resume; `resolve --resume` prints its statements
/// and finishes it.
fn step_outside_a_transaction_stays_dirty_and_resumes(engine: Option<Engine>) {
    let Some((fleet, db)) = fleet(engine, true) else {
        return;
    };
    let up =
        abort_during_the_slow_statement(&fleet, &db, &["up", "-d", "abort_service", "--verbose"]);
    up.expect_contains(&format!(
        "aborted: abort_service/002_slow {}; 1 of 3 statements done, left dirty: `dbfleet resolve -d abort_service --resume` runs the rest",
        stopped_words(&db)
    ))
    .expect_contains("(database left DIRTY)");
    assert_eq!(db.rows(&fleet), "1|applied|1,2|failed|1");
    assert!(db.has_table(&fleet, "gate"));
    assert!(!db.has_table(&fleet, "after_slow"));
    assert_eq!(db.lock_rows(&fleet), 0);

    let password = db.password();
    let env = [("MICROSERVICE_DB_PASSWORD", password.as_str())];
    let shown = fleet.run_with_env(&["resolve", "-d", "abort_service"], &env);
    shown.expect_ok().expect_contains("2 of 3): aborted: ");

    // A resume aborted the same way: still dirty, with the same count.
    abort_during_the_slow_statement(&fleet, &db, &["resolve", "-d", "abort_service", "--resume"])
        .expect_contains(&format!(
            "abort_service/002_slow still dirty: {}; 1 of 3 statements done, left dirty",
            stopped_words(&db)
        ));
    assert_eq!(db.rows(&fleet), "1|applied|1,2|failed|1");
    assert_eq!(db.lock_rows(&fleet), 0);

    db.exec(&fleet, "UPDATE gate SET secs = 0");
    let resumed = fleet.run_with_env(&["resolve", "-d", "abort_service", "--resume"], &env);
    resumed
        .expect_ok()
        .expect_contains("abort_service: resuming abort_service/002_slow at statement 2 of 3")
        .expect_contains("abort_service/002_slow statement 2/3 (line 3)")
        .expect_contains("abort_service/002_slow statement 3/3 (line 4)")
        .expect_contains("abort_service: resumed abort_service/002_slow to its last statement");
    assert_eq!(db.rows(&fleet), "1|applied|1,2|applied|3");
    assert!(db.has_table(&fleet, "after_slow"));
    assert_eq!(db.lock_rows(&fleet), 0);
}

/// `resolve --resume` stopped with one Ctrl-C: the running statement finishes (here the
/// gate says 3 seconds), nothing after it starts, the step stays dirty with the count of
/// statements done, and the exit is 130.
fn resume_stops_after_the_running_statement(engine: Option<Engine>) {
    let Some((fleet, db)) = fleet(engine, true) else {
        return;
    };
    abort_during_the_slow_statement(&fleet, &db, &["up", "-d", "abort_service", "--verbose"]);
    assert_eq!(db.rows(&fleet), "1|applied|1,2|failed|1");
    // Long enough to be interrupted in, short enough to wait out.
    db.exec(&fleet, "UPDATE gate SET secs = 3");
    let args = ["resolve", "-d", "abort_service", "--resume"];
    let mut running = start(&fleet, &db, &args);
    running.wait_for("002_slow statement 2/3", 60);
    interrupt(&running);
    let resumed = running.finish(&args);
    resumed
        .expect_code(130)
        .expect_contains("stopping after the running statement")
        .expect_contains("abort_service/002_slow still dirty: stopped before statement 3 of 3; 2 of 3 statements done, left dirty");
    assert_eq!(db.rows(&fleet), "1|applied|1,2|failed|2");
    assert!(!db.has_table(&fleet, "after_slow"));
    assert_eq!(db.lock_rows(&fleet), 0);
}

#[test]
fn abort_rolls_back_a_transactional_step_on_sqlite() {
    transactional_step_rolls_back(None);
}

#[test]
fn abort_leaves_a_step_outside_a_transaction_dirty_and_resumable_on_sqlite() {
    step_outside_a_transaction_stays_dirty_and_resumes(None);
}

#[test]
fn ctrl_c_stops_a_resume_after_the_running_statement_on_sqlite() {
    resume_stops_after_the_running_statement(None);
}

#[test]
fn abort_rolls_back_a_transactional_step_on_postgres() {
    transactional_step_rolls_back(Some(Engine::Postgres));
}

#[test]
fn abort_leaves_a_step_outside_a_transaction_dirty_and_resumable_on_postgres() {
    step_outside_a_transaction_stays_dirty_and_resumes(Some(Engine::Postgres));
}

#[test]
fn ctrl_c_stops_a_resume_after_the_running_statement_on_postgres() {
    resume_stops_after_the_running_statement(Some(Engine::Postgres));
}

/// MySQL commits DDL on its own: every step runs outside a transaction.
#[test]
fn abort_leaves_a_step_dirty_and_resumable_on_mysql() {
    step_outside_a_transaction_stays_dirty_and_resumes(Some(Engine::Mysql));
}

#[test]
fn ctrl_c_stops_a_resume_after_the_running_statement_on_mysql() {
    resume_stops_after_the_running_statement(Some(Engine::Mysql));
}

/// A runner killed (not cancelled) in the slow statement: PostgreSQL keeps its session,
/// and the lock with it, until that statement ends. `resolve` says so, instead of only
/// "locked by".
#[test]
fn resolve_names_a_dead_holder_whose_statement_still_runs_on_postgres() {
    let Some((fleet, db)) = fleet(Some(Engine::Postgres), true) else {
        return;
    };
    let mut running = start(&fleet, &db, &["up", "-d", "abort_service", "--verbose"]);
    running.wait_for("002_slow statement 2/3", 60);
    // Let the statement reach the server: killed before, the session would end at once.
    std::thread::sleep(Duration::from_millis(500));
    running.kill();
    let password = db.password();
    let env = [("MICROSERVICE_DB_PASSWORD", password.as_str())];
    fleet
        .run_with_env(&["resolve", "-d", "abort_service", "--resume"], &env)
        .expect_code(1)
        .expect_contains("whose process is gone, but the server still runs its session (the statement it was running has not ended)");
}
