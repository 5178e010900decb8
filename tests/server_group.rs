//! Issue 14 on real servers: grouped transactions (`--group`, `migrator.group`) on
//! PostgreSQL, ignored on MySQL/MariaDB; and MySQL's steps, whose bookkeeping commits are
//! joined (no progress write after the last statement, one step's finished row and the
//! next one's `running` row in one commit), still recording how far a step got.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;
mod servers;

use servers::Engine::{Mysql, Postgres};

const TABLES: [(&str, &str); 4] = [
    (
        "001_a.up.sql",
        "CREATE TABLE a (id INT);\nINSERT INTO a VALUES (1);\n",
    ),
    ("002_b.up.sql", "CREATE TABLE b (id INT);\n"),
    ("003_c.up.sql", "CREATE TABLE c (id INT);\n"),
    ("004_d.up.sql", "CREATE TABLE d (id INT);\n"),
];

fn write_set(fleet: &common::Fleet, files: &[(&str, &str)]) {
    for (file, sql) in files {
        fleet.write(&format!("migrations/group_service/{file}"), sql);
    }
}

/// `--group` applies the migrations in one transaction, each with its own row; one that
/// fails in the middle leaves none of the group applied, and the outcome says what was
/// rolled back with it.
#[test]
fn group_applies_all_or_none_on_postgres() {
    let Some(server) = servers::server(Postgres) else {
        return;
    };
    let dbs = servers::Databases::create(&server, &["group_service"]);
    let fleet = servers::fleet_without_backups(&dbs);
    let env = [("MICROSERVICE_DB_PASSWORD", server.password.as_str())];
    let real = dbs.real("group_service");
    write_set(&fleet, &TABLES[..2]);
    write_set(
        &fleet,
        &[(
            "003_c.up.sql",
            "CREATE TABLE c (id INT);\nSELECT no_such_function();\n",
        )],
    );
    write_set(&fleet, &TABLES[3..]);

    let up = fleet.run_with_env(&["up", "--group", "-d", "group_service"], &env);
    up.expect_code(1)
        .expect_contains("no_such_function")
        .expect_contains(
            "its group was rolled back with it: group_service/001_a, group_service/002_b",
        );
    assert_eq!(server.tables(real), Vec::<String>::new());
    assert_eq!(servers::versions_and_statuses(&server, real), []);

    write_set(&fleet, &TABLES[2..3]);
    fleet
        .run_with_env(&["up", "--group", "-d", "group_service"], &env)
        .expect_ok()
        .expect_contains("succeeded, 4 step(s)");
    let applied = |v: &str| (v.to_owned(), "applied".to_owned());
    assert_eq!(
        servers::versions_and_statuses(&server, real),
        [applied("1"), applied("2"), applied("3"), applied("4")]
    );
    assert_eq!(
        server.query(real, "SELECT count(*)::text FROM a"),
        [[Some("1".to_owned())]]
    );
    assert_eq!(server.lock_rows(real), 0);
}

/// A step that cannot run in a transaction (`CREATE INDEX CONCURRENTLY`) ends a group:
/// what came before it is committed, and a failure after it rolls back only the group
/// after it. `migrator.group: true` asks for it as `--group` does.
#[test]
fn a_step_outside_a_transaction_ends_the_group_on_postgres() {
    let Some(server) = servers::server(Postgres) else {
        return;
    };
    let dbs = servers::Databases::create(&server, &["group_service"]);
    let fleet = servers::fleet_with(
        &servers::seed_shaped_config(&dbs, &[], "  group: true\n")
            .replace("  auto_backup: true\n", "  auto_backup: false\n"),
    );
    let env = [("MICROSERVICE_DB_PASSWORD", server.password.as_str())];
    let real = dbs.real("group_service");
    write_set(&fleet, &TABLES[..2]);
    write_set(
        &fleet,
        &[
            (
                "003_index.up.sql",
                "CREATE INDEX CONCURRENTLY a_id ON a (id);\n",
            ),
            ("004_d.up.sql", "CREATE TABLE d (id INT);\n"),
            ("005_bad.up.sql", "CREATE TABLE e (id INT);\nSELECT 1/0;\n"),
        ],
    );
    fleet
        .run_with_env(&["up", "-d", "group_service"], &env)
        .expect_code(1)
        .expect_contains("division by zero")
        .expect_contains("its group was rolled back with it: group_service/004_d");
    let applied = |v: &str| (v.to_owned(), "applied".to_owned());
    assert_eq!(
        servers::versions_and_statuses(&server, real),
        [applied("1"), applied("2"), applied("3")]
    );
    assert!(!server.tables(real).contains(&"d".to_owned()));
}

/// On MySQL `group` changes nothing: each step commits on its own (its DDL does), so a
/// failing third step leaves the first two applied. Every finished step's row counts all
/// its statements though no progress row follows the last; a step that fails after its
/// first statement says so.
#[test]
fn group_is_ignored_and_rows_count_statements_on_mariadb() {
    let Some(server) = servers::server(Mysql) else {
        return;
    };
    let dbs = servers::Databases::create(&server, &["group_service"]);
    let fleet = servers::fleet_without_backups(&dbs);
    let env = [("MICROSERVICE_DB_PASSWORD", server.password.as_str())];
    let real = dbs.real("group_service");
    write_set(&fleet, &TABLES[..2]);
    write_set(
        &fleet,
        &[(
            "003_c.up.sql",
            "CREATE TABLE c (id INT);\nSELECT no_such_function();\n",
        )],
    );
    fleet
        .run_with_env(&["up", "--group", "-d", "group_service"], &env)
        .expect_code(1)
        .expect_contains("(database left DIRTY)")
        .expect_contains("note: grouping is ignored on group_service: MySQL/MariaDB commit each DDL statement by itself");
    let rows = server.query(
        real,
        "SELECT CAST(version AS CHAR), status, CAST(statements_done AS CHAR), CAST(statements_total AS CHAR) FROM schema_migrations ORDER BY 1",
    );
    let row = |v: &str, status: &str, done: &str, total: &str| {
        [v, status, done, total]
            .map(|s| Some(s.to_owned()))
            .to_vec()
    };
    assert_eq!(
        rows,
        [
            row("1", "applied", "2", "2"),
            row("2", "applied", "1", "1"),
            row("3", "failed", "1", "2"),
        ]
    );
    assert_eq!(server.lock_rows(real), 0);
}

/// Steps joined two by two in one commit still end as they did alone: every row applied
/// with all its statements counted, none left `running`, also for a down.
#[test]
fn joined_commits_leave_every_row_complete_on_mariadb() {
    let Some(server) = servers::server(Mysql) else {
        return;
    };
    let dbs = servers::Databases::create(&server, &["group_service"]);
    let fleet = servers::fleet_without_backups(&dbs);
    let env = [("MICROSERVICE_DB_PASSWORD", server.password.as_str())];
    let real = dbs.real("group_service");
    write_set(&fleet, &TABLES);
    for (file, _) in TABLES {
        let table = &file[4..5];
        fleet.write(
            &format!(
                "migrations/group_service/{}",
                file.replace(".up.", ".down.")
            ),
            &format!("DROP TABLE {table};\n"),
        );
    }
    fleet
        .run_with_env(&["up", "-d", "group_service"], &env)
        .expect_ok()
        .expect_contains("succeeded, 4 step(s)");
    let rows = server.query(
        real,
        "SELECT CAST(version AS CHAR), status, CAST(statements_done AS CHAR) FROM schema_migrations ORDER BY 1",
    );
    let row = |v: &str, done: &str| [v, "applied", done].map(|s| Some(s.to_owned())).to_vec();
    assert_eq!(
        rows,
        [row("1", "2"), row("2", "1"), row("3", "1"), row("4", "1")]
    );

    fleet
        .run_with_env(&["down", "--to", "1", "-y", "-d", "group_service"], &env)
        .expect_ok();
    assert_eq!(
        servers::versions_and_statuses(&server, real),
        [("1".to_owned(), "applied".to_owned())]
    );
    assert_eq!(server.tables(real), ["a"]);
}

/// Killed while the first statement of step 2 runs, a run leaves step 2 as the joined
/// commit of step 1 opened it: `running` with no statement done. The database shows dirty,
/// and `resolve --resume` runs the whole step.
#[test]
fn killed_after_a_joined_commit_the_next_step_is_dirty_and_resumes_whole_on_mariadb() {
    let Some(server) = servers::server(Mysql) else {
        return;
    };
    let dbs = servers::Databases::create(&server, &["group_service"]);
    let fleet = servers::fleet_without_backups(&dbs);
    let env = [("MICROSERVICE_DB_PASSWORD", server.password.as_str())];
    let real = dbs.real("group_service");
    write_set(
        &fleet,
        &[
            ("001_a.up.sql", "CREATE TABLE a (id INT);\n"),
            (
                "002_slow.up.sql",
                "SELECT SLEEP(2);\nCREATE TABLE after_sleep (id INT);\n",
            ),
        ],
    );
    let mut run = servers::Background::start(&fleet, &server, &["up", "-d", "group_service"]);
    run.wait_for("[2/2] group_service/002_slow", 30);
    std::thread::sleep(std::time::Duration::from_millis(500));
    run.kill();
    let rows = server.query(
        real,
        "SELECT CAST(version AS CHAR), status, CAST(statements_done AS CHAR) FROM schema_migrations ORDER BY 1",
    );
    let row =
        |v: &str, status: &str, done: &str| [v, status, done].map(|s| Some(s.to_owned())).to_vec();
    assert_eq!(rows, [row("1", "applied", "1"), row("2", "running", "0")]);
    // The dead run's server session ends once its SLEEP does, freeing the server lock.
    std::thread::sleep(std::time::Duration::from_secs(2));
    let status = fleet.run_with_env(&["status", "-d", "group_service"], &env);
    status.expect_contains("DIRTY: up (running) stopped after 0 of 2 statements");
    fleet
        .run_with_env(&["resolve", "-d", "group_service", "--resume"], &env)
        .expect_ok()
        .expect_contains("resumed group_service/002_slow to its last statement: applied");
    assert_eq!(server.tables(real), ["a", "after_sleep"]);
    assert_eq!(
        servers::versions_and_statuses(&server, real),
        [
            ("1".to_owned(), "applied".to_owned()),
            ("2".to_owned(), "applied".to_owned())
        ]
    );
}
