//! The real-server scenarios, written once and run on each engine by
//! `server_postgres.rs` and `server_mysql.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::{
    Background, Databases, Engine, Server, fleet_with, fleet_without_backups, seed_shaped_config,
    server,
};
use crate::common::{Fleet, Output, SERVICES};

fn run(fleet: &Fleet, server: &Server, line: &str) -> Output {
    let args: Vec<&str> = line.split_whitespace().collect();
    fleet.run_with_env(
        &args,
        &[("MICROSERVICE_DB_PASSWORD", server.password.as_str())],
    )
}

#[track_caller]
fn ok(fleet: &Fleet, server: &Server, line: &str) -> Output {
    let out = run(fleet, server, line);
    out.expect_ok();
    out
}

const SEED_DEPENDS: &[(&str, &[&str])] = &[
    ("user_service", &["shared_service"]),
    ("product_service", &["shared_service"]),
    ("order_service", &["user_service", "product_service"]),
    ("message_service", &["user_service", "product_service"]),
    ("analytics_service", &["user_service", "product_service"]),
];

/// The seed's runbook, verbatim, on the seed's config shape.
pub fn seed_runbook(engine: Engine) {
    let Some(server) = server(engine) else { return };
    let dbs = Databases::create(&server, &SERVICES);
    let fleet = fleet_with(&seed_shaped_config(&dbs, SEED_DEPENDS, ""));
    for line in [
        "up -d shared_service",
        "up --patterns=*_service",
        "up -d user_service",
        "status -d user_service",
        "up --databases=user_service,product_service,order_service",
        "up --databases=message_service,analytics_service",
        "up --patterns=*_service --directory=cross_service",
        "up --databases=user_service,order_service --directory=cross_service",
        "status --patterns=*_service",
    ] {
        ok(&fleet, &server, line);
    }
    let grep = ok(&fleet, &server, "status --patterns=*_service").stdout;
    for service in SERVICES {
        let lines = grep
            .lines()
            .filter(|l| {
                l.starts_with(service) && l.contains("distributed_locks") && l.contains('✓')
            })
            .count();
        assert_eq!(lines, 1, "{service} lacks distributed_locks:\n{grep}");
    }
    let status = run(&fleet, &server, "status --format json --check");
    status.expect_ok();
    for db in status.json()["databases"].as_array().unwrap() {
        assert_eq!(db["pending"], 0, "{db}");
        assert_eq!(db["dirty"], false, "{db}");
        assert!(db["tables"].as_u64().unwrap() >= 3, "table count: {db}");
        assert!(db["size_bytes"].as_u64().unwrap() > 0, "size: {db}");
        assert_eq!(db["error"], serde_json::Value::Null);
    }
    // Each migration exactly once; the shared set tracked apart from the own set.
    let rows = server.migration_rows(dbs.real("user_service"));
    assert_eq!(
        rows.iter().filter(|r| r.0 == "user_service").count(),
        4,
        "{rows:?}"
    );
    assert_eq!(
        rows.iter().filter(|r| r.0 == "cross_service").count(),
        2,
        "{rows:?}"
    );
    assert!(
        server
            .tables(dbs.real("user_service"))
            .contains(&"distributed_locks".to_owned())
    );
    // Backups were taken before each database's first step, and are real dumps.
    let backups: Vec<_> = std::fs::read_dir(fleet.file("backups"))
        .unwrap()
        .flatten()
        .collect();
    assert!(backups.len() >= SERVICES.len(), "{backups:?}");
    for b in &backups {
        assert!(
            b.metadata().unwrap().len() > 0,
            "{} is empty",
            b.path().display()
        );
    }
    // Down to zero and up again.
    for db in SERVICES {
        ok(
            &fleet,
            &server,
            &format!("down -d {db} --to 0 --directory=cross_service --no-backup"),
        );
        ok(&fleet, &server, &format!("down -d {db} --to 0 --no-backup"));
        assert_eq!(
            server.tables(dbs.real(db)),
            Vec::<String>::new(),
            "{db} after down"
        );
    }
    ok(&fleet, &server, "up --patterns=*_service --no-backup");
    assert!(
        server
            .tables(dbs.real("order_service"))
            .contains(&"orders".to_owned())
    );
}

/// A shared set of `n` small migrations targeting every database, for races.
fn race_set(fleet: &Fleet, n: usize) {
    fleet.write("migrations/race/set.yaml", "targets: ['*']\n");
    for i in 1..=n {
        fleet.write(
            &format!("migrations/race/{i:03}_t{i}.up.sql"),
            &format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY, note VARCHAR(50));\nINSERT INTO t{i} (id, note) VALUES (1, 'a; b'), (2, 'c');\n"),
        );
        fleet.write(
            &format!("migrations/race/{i:03}_t{i}.down.sql"),
            &format!("DROP TABLE t{i};\n"),
        );
    }
}

/// Four `dbfleet up` processes at once over the same 20 databases.
pub fn four_processes_apply_each_migration_once(engine: Engine) {
    let Some(server) = server(engine) else { return };
    let names: Vec<String> = (1..=20).map(|i| format!("tenant_{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let dbs = Databases::create(&server, &refs);
    let fleet = fleet_without_backups(&dbs);
    race_set(&fleet, 5);
    let children: Vec<_> = (0..4)
        .map(|_| {
            fleet
                .command(&["up", "--all", "--directory", "race"])
                .env("MICROSERVICE_DB_PASSWORD", &server.password)
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for (_, real) in &dbs.names {
        let rows = server.migration_rows(real);
        let versions: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
        assert_eq!(versions, ["1", "2", "3", "4", "5"], "{real}: {rows:?}");
        assert!(
            rows.iter().all(|r| r.0 == "race" && r.2 == "applied"),
            "{rows:?}"
        );
        assert_eq!(
            server.query(real, "SELECT note FROM t3").len(),
            2,
            "{real}: rows inserted once"
        );
        assert_eq!(server.lock_rows(real), 0, "{real}: lock released");
    }
}

/// SIGKILL in the middle of a slow migration. PostgreSQL: rolled back, the lock row is
/// stale and the next run takes over. MySQL: the database is dirty, status says so, up
/// refuses until `resolve`.
pub fn killed_runner(engine: Engine) {
    let Some(server) = server(engine) else { return };
    let dbs = Databases::create(&server, &["slow_service"]);
    let fleet = fleet_without_backups(&dbs);
    let sleep = match engine {
        Engine::Postgres => "SELECT pg_sleep(4)",
        Engine::Mysql => "SELECT SLEEP(4)",
    };
    fleet.write(
        "migrations/slow_service/001_slow.up.sql",
        &format!("CREATE TABLE first_half (id INTEGER);\n{sleep};\nCREATE TABLE second_half (id INTEGER);\n"),
    );
    fleet.write(
        "migrations/slow_service/001_slow.down.sql",
        "DROP TABLE second_half;\nDROP TABLE first_half;\n",
    );
    let mut child = fleet
        .command(&["up", "-d", "slow_service", "--verbose"])
        .env("MICROSERVICE_DB_PASSWORD", &server.password)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let deadline = Instant::now() + Duration::from_mins(1);
    for line in BufReader::new(stdout).lines() {
        if line.unwrap().contains("statement 2/3") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the slow statement never started"
        );
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let real = dbs.real("slow_service");

    // The server keeps the dead client's session, and its lock, until the statement it is
    // running ends and it notices the client is gone.
    let deadline = Instant::now() + Duration::from_secs(30);
    let db = loop {
        let status = run(&fleet, &server, "status -d slow_service --format json");
        status.expect_ok();
        let db = status.json()["databases"][0].clone();
        if db["lock"]["stale"] == true {
            break db;
        }
        assert!(
            Instant::now() < deadline,
            "the dead runner's lock never became stale: {db}"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    match engine {
        Engine::Postgres => {
            assert_eq!(
                server.tables(real),
                Vec::<String>::new(),
                "rolled back as a whole"
            );
            assert_eq!(db["dirty"], false, "{db}");
            assert_eq!(db["sets"][0]["set"], "slow_service", "{db}");
            assert_eq!(db["sets"][0]["pending"], 1, "{db}");
            // The next run takes the lock over and applies the step.
            let out = run(&fleet, &server, "up -d slow_service");
            assert!(
                out.code == 0 || out.stdout.contains("succeeded"),
                "{}",
                out.describe()
            );
        }
        Engine::Mysql => {
            assert_eq!(
                server.tables(real),
                vec!["first_half".to_owned()],
                "DDL committed half-way"
            );
            assert_eq!(db["dirty"], true, "{db}");
            let text = ok(&fleet, &server, "status -d slow_service").stdout;
            assert!(
                text.contains("DIRTY: up (running) stopped after 1 of 3 statements"),
                "{text}"
            );
            let refused = run(&fleet, &server, "up -d slow_service");
            refused.expect_code(1);
            assert!(refused.all().contains("dirty"), "{}", refused.describe());
            assert!(
                refused.all().contains("dbfleet resolve -d slow_service"),
                "{}",
                refused.describe()
            );
            // The dead run's lock is taken over, and its step resumed from statement 2.
            let shown = ok(&fleet, &server, "resolve -d slow_service --show").stdout;
            assert!(
                shown.contains("· not done   2") && shown.contains("1. resume (default)"),
                "{shown}"
            );
            let resumed = ok(&fleet, &server, "resolve -d slow_service --resume");
            assert!(
                resumed
                    .stdout
                    .contains("resumed slow_service/001_slow to its last statement: applied"),
                "{}",
                resumed.describe()
            );
            let resolved = journal_events(&fleet, "resolved", "slow_service");
            assert_eq!(resolved.len(), 1, "{resolved:?}");
            assert_eq!(resolved[0]["choice"], "resume");
            assert_eq!(resolved[0]["was"], "running after 1 of 3 statements");
            assert_eq!(
                server.migration_rows(real),
                vec![("slow_service".into(), "1".into(), "applied".into())]
            );
            ok(&fleet, &server, "up -d slow_service");
        }
    }
    assert_eq!(
        server.tables(real),
        vec!["first_half".to_owned(), "second_half".to_owned()]
    );
    assert_eq!(server.lock_rows(real), 0);
}

/// A step outside a transaction (MySQL's always, PostgreSQL's with the marker) that failed
/// at its second statement of three: once the cause is fixed, `resolve --resume` runs
/// statements 2..3 and records it applied; the tables are the file's.
pub fn failed_step_is_resumed(engine: Engine) {
    let Some(server) = server(engine) else { return };
    let dbs = Databases::create(&server, &["resume_service"]);
    let fleet = fleet_without_backups(&dbs);
    fleet.write(
        "migrations/resume_service/001_three.up.sql",
        "-- dbfleet:no-transaction\nCREATE TABLE r_first (id INTEGER);\nCREATE INDEX r_idx ON r_missing (id);\nCREATE TABLE r_third (id INTEGER);\n",
    );
    fleet.write(
        "migrations/resume_service/001_three.down.sql",
        "DROP TABLE r_third;\nDROP TABLE r_first;\n",
    );
    run(&fleet, &server, "up -d resume_service")
        .expect_code(1)
        .expect_contains("statement 2 of 3");
    let real = dbs.real("resume_service");
    assert_eq!(server.tables(real), vec!["r_first".to_owned()]);
    let shown = ok(&fleet, &server, "resolve -d resume_service").stdout;
    assert!(
        shown.contains("✓ done       1  line 2    CREATE TABLE r_first (id INTEGER)")
            && shown.contains("· not done   2  line 3    CREATE INDEX r_idx ON r_missing (id)"),
        "{shown}"
    );
    server.admin_on(real, "CREATE TABLE r_missing (id INTEGER)");
    ok(&fleet, &server, "resolve -d resume_service --resume")
        .expect_contains("resuming resume_service/001_three at statement 2 of 3");
    assert_eq!(
        server.migration_rows(real),
        vec![("resume_service".into(), "1".into(), "applied".into())]
    );
    assert_eq!(
        server.tables(real),
        vec![
            "r_first".to_owned(),
            "r_missing".to_owned(),
            "r_third".to_owned()
        ]
    );
    assert_eq!(server.lock_rows(real), 0);
    let resolved = journal_events(&fleet, "resolved", "resume_service");
    assert_eq!(resolved.last().unwrap()["choice"], "resume");
}

/// A server that refuses connections and a wrong password fail only their databases,
/// with the server's message and never the password; the others finish.
pub fn unreachable_and_wrong_password(engine: Engine) {
    let Some(server) = server(engine) else { return };
    let dbs = Databases::create(&server, &["good_service"]);
    let secret = "Wr0ng-Secret-Pw!";
    let mut config = seed_shaped_config(&dbs, &[], "")
        .replace("  auto_backup: true\n", "  auto_backup: false\n");
    let insert_at = config.find("\nmigrator:").unwrap();
    let mut extra = format!(
        "  refused_service:\n    driver: {d}\n    host: 127.0.0.1\n    port: 1\n    username: {u}\n    password: ${{DBFLEET_TEST_WRONG_PW}}\n    database: nowhere\n",
        d = engine.driver(),
        u = server.user
    );
    if engine == Engine::Mysql {
        // Trust authentication lets any password into this machine's PostgreSQL; MariaDB
        // checks them, so a user with a real password proves the message carries none.
        let user = format!("dbft_pw_{}", std::process::id());
        server.admin(&[
            format!("DROP USER IF EXISTS '{user}'@'%'"),
            format!("CREATE USER '{user}'@'%' IDENTIFIED BY 'the-right-one'"),
        ]);
        extra.push_str(&format!(
            "  wrong_pw_service:\n    driver: mysql\n    host: {}\n    port: {}\n    username: {user}\n    password: ${{DBFLEET_TEST_WRONG_PW}}\n    database: {}\n",
            server.host,
            server.port,
            dbs.real("good_service")
        ));
    }
    config.insert_str(insert_at, &format!("\n{}", extra.trim_end()));
    let fleet = fleet_with(&config);
    fleet.write(
        "migrations/good_service/001_a.up.sql",
        "CREATE TABLE a (id INTEGER);",
    );
    fleet.write(
        "migrations/refused_service/001_a.up.sql",
        "CREATE TABLE a (id INTEGER);",
    );
    fleet.write(
        "migrations/wrong_pw_service/001_a.up.sql",
        "CREATE TABLE b (id INTEGER);",
    );
    let env = [
        ("MICROSERVICE_DB_PASSWORD", server.password.as_str()),
        ("DBFLEET_TEST_WRONG_PW", secret),
    ];
    let started = Instant::now();
    let up = fleet.run_with_env(&["up", "--all"], &env);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "errors come within the timeout"
    );
    up.expect_code(1);
    let text = up.all();
    assert!(
        text.contains("good_service") && text.contains("✓ good_service"),
        "{text}"
    );
    assert!(text.to_lowercase().contains("connection refused"), "{text}");
    if engine == Engine::Mysql {
        assert!(text.contains("Access denied"), "{text}");
    }
    let status = fleet.run_with_env(&["status"], &env);
    let journal = fleet.read("journal.jsonl");
    for output in [&text, &status.all(), &journal] {
        assert!(!output.contains(secret), "the password leaked:\n{output}");
    }
    assert_eq!(
        server.tables(dbs.real("good_service")),
        vec!["a".to_owned()]
    );
    if engine == Engine::Mysql {
        server.admin(&[format!(
            "DROP USER IF EXISTS 'dbft_pw_{}'@'%'",
            std::process::id()
        )]);
    }
}

/// A backup taken before the first step restores into a scratch database with the same
/// tables the database had then.
pub fn backup_restores(engine: Engine) {
    let Some(server) = server(engine) else { return };
    let dbs = Databases::create(&server, &["shared_service", "scratch"]);
    let fleet = fleet_with(&seed_shaped_config(&dbs, &[], ""));
    ok(&fleet, &server, "up -d shared_service --to 2 --no-backup");
    let before = server.tables(dbs.real("shared_service"));
    assert!(!before.is_empty());
    ok(&fleet, &server, "up -d shared_service");
    let backup = std::fs::read_dir(fleet.file("backups"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains("shared_service-"))
        .expect("a backup file");
    let scratch = dbs.real("scratch");
    let status = match engine {
        Engine::Postgres => std::process::Command::new("psql")
            .args([
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                &server.host,
                "-p",
                &server.port.to_string(),
                "-U",
                &server.user,
                "-d",
                scratch,
                "-f",
            ])
            .arg(&backup)
            .env("PGPASSWORD", &server.password)
            .output(),
        Engine::Mysql => std::process::Command::new("mariadb")
            .args([
                "-h",
                &server.host,
                "-P",
                &server.port.to_string(),
                "-u",
                &server.user,
                scratch,
            ])
            .env("MYSQL_PWD", &server.password)
            .stdin(std::fs::File::open(&backup).unwrap())
            .output(),
    }
    .expect("the database's client tool (psql / mariadb) is installed");
    assert!(
        status.status.success(),
        "restore failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert_eq!(
        server.tables(scratch),
        before,
        "the restored tables are those before the run"
    );
    let rows = server.query(scratch, "SELECT migration_set FROM schema_migrations");
    assert_eq!(rows.len(), 2, "the restored bookkeeping says 2 applied");
    // The run's own lock row stays out of the dump (MariaDB: the lock table altogether).
    if engine == Engine::Postgres {
        let locks = server.query(scratch, "SELECT holder FROM schema_migrations_lock");
        assert!(
            locks.is_empty(),
            "the restored database is not locked: {locks:?}"
        );
    }
}

/// `dbfleet restore` on a server: the backup of an earlier run brings back its rows and
/// its bookkeeping, objects made since are gone (a PostgreSQL schema too, and `public`
/// keeps its privileges), the state it replaced is saved first, and the database migrates
/// on. On PostgreSQL a dump that fails half-way changes nothing (one transaction).
pub fn restore_puts_back_a_backup(engine: Engine) {
    let Some(server) = server(engine) else { return };
    let dbs = Databases::create(&server, &["shared_service"]);
    let real = dbs.real("shared_service").to_owned();
    let fleet = fleet_with(&seed_shaped_config(&dbs, &[], ""));
    ok(&fleet, &server, "up -d shared_service --to 1 --no-backup");
    server.admin_on(
        &real,
        "INSERT INTO system_configs (config_key, config_value) VALUES ('restore_kept', 'yes')",
    );
    let count = "SELECT CAST(count(*) AS CHAR(20)) FROM system_configs";
    let rows_then = server.query(&real, count);
    let tables_then = server.tables(&real);
    let public_acl = "SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public'";
    let acl_then = (engine == Engine::Postgres).then(|| server.query(&real, public_acl));
    ok(&fleet, &server, "up -d shared_service --to 2");
    ok(&fleet, &server, "up -d shared_service");
    let later = match engine {
        Engine::Postgres => {
            "CREATE SCHEMA later; CREATE TABLE later.t (x int); CREATE TABLE stray (x int);              DELETE FROM system_configs"
        }
        Engine::Mysql => {
            "CREATE TABLE stray (x int); CREATE VIEW stray_v AS SELECT 1 AS one;              DELETE FROM system_configs"
        }
    };
    server.admin_on(&real, later);

    let listed = ok(&fleet, &server, "backups --format json").json();
    let listed = listed.as_array().unwrap().clone();
    assert_eq!(listed.len(), 2, "{listed:#?}");
    assert!(
        listed.iter().all(|b| b["run_id"].is_string()),
        "{listed:#?}"
    );
    let oldest = listed[1]["path"].as_str().unwrap().to_owned();

    let tables_before = server.tables(&real);
    ok(
        &fleet,
        &server,
        &format!("restore -d shared_service --from {oldest}"),
    )
    .expect_contains("nothing was changed");
    assert_eq!(
        server.tables(&real),
        tables_before,
        "a dry run changes nothing"
    );

    let restored = ok(
        &fleet,
        &server,
        &format!("restore -d shared_service --from {oldest} --apply --yes"),
    );
    restored.expect_contains("what it replaced is saved in");
    assert_eq!(server.tables(&real), tables_then, "the tables of that time");
    assert_eq!(
        server.query(&real, count),
        rows_then,
        "the rows of that time"
    );
    let versions: Vec<String> = server
        .migration_rows(&real)
        .into_iter()
        .map(|(_, v, status)| format!("{v} {status}"))
        .collect();
    assert_eq!(versions, ["1 applied"], "the bookkeeping of that time");
    assert_eq!(server.lock_rows(&real), 0, "no lock left behind");
    match engine {
        Engine::Postgres => {
            let schemas = server.query(
                &real,
                "SELECT nspname::text FROM pg_namespace WHERE nspname = 'later'",
            );
            assert!(schemas.is_empty(), "a schema made since is gone");
            assert_eq!(
                Some(server.query(&real, public_acl)),
                acl_then,
                "public's privileges"
            );
        }
        Engine::Mysql => {
            let views = server.query(
                &real,
                "SELECT CAST(table_name AS CHAR) FROM information_schema.views WHERE table_schema = DATABASE()",
            );
            assert!(views.is_empty(), "a view made since is gone: {views:?}");
        }
    }
    let journal = fleet.read("journal.jsonl");
    assert!(journal.contains("\"event\":\"restored\""), "{journal}");
    ok(&fleet, &server, "up -d shared_service");
    assert_eq!(server.migration_rows(&real).len(), 3, "it migrates on");

    if engine == Engine::Postgres {
        // A dump that fails half-way: the transaction rolls back, nothing changed.
        let broken = fleet.file("shared_service-20200101T000000.000Z.sql");
        std::fs::write(&broken, "CREATE TABLE half_way (x int);\nNOT SQL AT ALL;\n").unwrap();
        let tables = server.tables(&real);
        let failed = run(
            &fleet,
            &server,
            &format!(
                "restore -d shared_service --from {} --apply --yes",
                broken.display()
            ),
        );
        failed
            .expect_code(1)
            .expect_contains("the database is as it was");
        assert_eq!(server.tables(&real), tables, "rolled back");
        assert_eq!(server.migration_rows(&real).len(), 3);
    }
}

/// A down that fails where DDL cannot roll back: at its first statement nothing was
/// reverted, so the migration is still applied and the database clean; half-way, the row
/// stays `reverting` and the advice is the down's (`--rolled-back` when the revert is done).
pub fn failed_down_is_told_apart_from_a_failed_up(engine: Engine) {
    let Some(server) = server(engine) else { return };
    let dbs = Databases::create(&server, &["revert_service"]);
    let fleet = fleet_without_backups(&dbs);
    fleet.write(
        "migrations/revert_service/001_two_tables.up.sql",
        "CREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);\n",
    );
    // The first statement fails: nothing reverted.
    fleet.write(
        "migrations/revert_service/001_two_tables.down.sql",
        "DROP TABLE no_such_table;\nDROP TABLE a;\n",
    );
    ok(&fleet, &server, "up -d revert_service");
    run(&fleet, &server, "down -d revert_service").expect_code(1);
    let db = run(&fleet, &server, "status -d revert_service --format json").json()["databases"][0]
        .clone();
    assert_eq!(db["dirty"], false, "nothing was reverted: {db}");
    assert_eq!(db["applied"], 1, "{db}");

    // Now the second statement fails: one table is gone, the migration half-reverted.
    fleet.write(
        "migrations/revert_service/001_two_tables.down.sql",
        "DROP TABLE b;\nDROP TABLE no_such_table;\n",
    );
    let down = run(&fleet, &server, "down -d revert_service --allow-drift");
    down.expect_code(1);
    let status = run(&fleet, &server, "status -d revert_service");
    let text = status.all();
    if engine == Engine::Mysql {
        assert!(
            text.contains("DIRTY: down (reverting) stopped after 1 of 2 statements"),
            "{}",
            status.describe()
        );
        let up = run(&fleet, &server, "up -d revert_service");
        up.expect_code(1)
            .expect_contains("its down of")
            .expect_contains("--rolled-back` if the revert is complete");
    } else {
        // PostgreSQL's DDL is transactional: the whole down rolled back.
        assert!(!text.contains("DIRTY"), "{}", status.describe());
    }
}

/// `SELECT pg_sleep(secs)` / `SELECT SLEEP(secs)`.
fn sleep_sql(engine: Engine, secs: u32) -> String {
    match engine {
        Engine::Postgres => format!("SELECT pg_sleep({secs})"),
        Engine::Mysql => format!("SELECT SLEEP({secs})"),
    }
}

/// A migration whose second of three statements sleeps `secs` on the server.
fn slow_migration(engine: Engine, secs: u32) -> String {
    format!(
        "CREATE TABLE first_half (id INTEGER);\n{};\nCREATE TABLE second_half (id INTEGER);\n",
        sleep_sql(engine, secs)
    )
}

/// The journal's lines with `"event":"<event>"` for `database`.
fn journal_events(fleet: &Fleet, event: &str, database: &str) -> Vec<serde_json::Value> {
    fleet
        .read("journal.jsonl")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["event"] == event && v["database"] == database)
        .collect()
}

/// Issue 8, item 10. Two runners killed mid-statement: the server keeps each dead
/// client's session (and its lock) until the sleeping statement ends. The holder's pid is
/// gone from this host, so the lock is stale at once: `unlock` clears it (journaled). The
/// other database's next run waits for the orphaned session, then takes the lock over,
/// and the journal, the run's output and `history` say so.
pub fn killed_holder_lock_is_stale_at_once_and_its_takeover_journaled(engine: Engine) {
    let Some(server) = server(engine) else { return };
    let dbs = Databases::create(&server, &["held_a_service", "held_b_service"]);
    let fleet = fleet_without_backups(&dbs);
    for db in ["held_a_service", "held_b_service"] {
        fleet.write(
            &format!("migrations/{db}/001_slow.up.sql"),
            &slow_migration(engine, 8),
        );
    }
    let mut a = Background::start(&fleet, &server, &["up", "-d", "held_a_service", "-v"]);
    let mut b = Background::start(&fleet, &server, &["up", "-d", "held_b_service", "-v"]);
    a.wait_for("statement 2/3", 60);
    b.wait_for("statement 2/3", 60);
    let killed_pid = b.child.id();
    a.kill();
    b.kill();
    let (real_a, real_b) = (dbs.real("held_a_service"), dbs.real("held_b_service"));
    let row = server.query(real_b, "SELECT holder, run_id FROM schema_migrations_lock");
    let (Some(killed_holder), Some(killed_run)) = (row[0][0].clone(), row[0][1].clone()) else {
        panic!("the dead run's lock row: {row:?}")
    };

    // At once, while the server still runs both sleeps: stale, by the dead pid.
    let status = run(&fleet, &server, "status --format json");
    status.expect_code(0);
    for db in status.json()["databases"].as_array().unwrap() {
        if db["name"] == "held_a_service" || db["name"] == "held_b_service" {
            assert_eq!(db["lock"]["stale"], true, "{db}");
        }
    }
    let status_b = run(&fleet, &server, "status -d held_b_service --format json").json();
    assert_eq!(
        status_b["databases"][0]["lock"]["pid"].as_u64(),
        Some(u64::from(killed_pid))
    );

    // A: the operator clears it without --force.
    let unlock = run(&fleet, &server, "unlock -d held_a_service");
    unlock
        .expect_code(0)
        .expect_contains("held_a_service: cleared the lock held by");
    assert_eq!(server.lock_rows(real_a), 0);
    let cleared = journal_events(&fleet, "lock_cleared", "held_a_service");
    assert_eq!(cleared.len(), 1, "{cleared:?}");
    assert_eq!(cleared[0]["forced"], false, "{cleared:?}");

    // B: the next run waits for the orphaned session, then takes over, journaled.
    let up = run(&fleet, &server, "up -d held_b_service");
    let text = up.all();
    assert!(
        text.contains("held_b_service: lock held by"),
        "it waited for the orphaned session\n{}",
        up.describe()
    );
    assert!(
        text.contains(&format!(
            "held_b_service: took over the migration lock of {killed_holder} (pid {killed_pid}, run {killed_run}, since "
        )),
        "{}",
        up.describe()
    );
    let taken = journal_events(&fleet, "lock_taken_over", "held_b_service");
    assert_eq!(taken.len(), 1, "one takeover, journaled: {taken:?}");
    assert_eq!(taken[0]["holder_run_id"], killed_run.as_str(), "{taken:?}");
    assert_eq!(taken[0]["holder_pid"].as_u64(), Some(u64::from(killed_pid)));
    assert!(taken[0]["run_id"].as_str().is_some_and(|r| r != killed_run));
    let history = run(&fleet, &server, "history -d held_b_service");
    history.expect_code(0).expect_contains(&format!(
        "⊘ held_b_service: took over the lock of {killed_holder} (run {killed_run})"
    ));
    match engine {
        // The dead step rolled back whole: the run applies it.
        Engine::Postgres => {
            up.expect_code(0)
                .expect_contains("✓ held_b_service  succeeded, 1 step(s)");
            assert_eq!(server.tables(real_b), ["first_half", "second_half"]);
        }
        // Its first statement committed: dirty, and refused after the takeover.
        Engine::Mysql => {
            up.expect_code(1).expect_contains("database is dirty");
            assert_eq!(server.tables(real_b), ["first_half"]);
        }
    }
    assert_eq!(
        server.lock_rows(real_b),
        0,
        "the run released what it took over"
    );
    // Nothing else: A was cleared, not migrated.
    assert_eq!(
        journal_events(&fleet, "lock_taken_over", "held_a_service").len(),
        0
    );
}

/// Issue 8, item 11. The server kills dbfleet's connection mid-statement: the step's
/// error says the connection was closed by the server (not sqlx's "expected to read 4
/// bytes"), and the lock its release could not remove is in the run's summary, as a
/// `lock_not_released` event (journaled, what the console consumes) and exit code 1.
pub fn killed_connection_is_worded_and_the_lock_left_reported(engine: Engine) {
    let Some(server) = server(engine) else { return };
    let dbs = Databases::create(&server, &["conn_service"]);
    let fleet = fleet_without_backups(&dbs);
    fleet.write(
        "migrations/conn_service/001_slow.up.sql",
        &slow_migration(engine, 30),
    );
    let real = dbs.real("conn_service");
    let args = ["up", "-d", "conn_service", "-v"];
    let mut up = Background::start(&fleet, &server, &args);
    up.wait_for("statement 2/3", 60);
    let started = Instant::now();
    loop {
        let killed = match engine {
            Engine::Postgres => server.query(
                "postgres",
                &format!(
                    "SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity \
                     WHERE datname = '{real}' AND query LIKE 'SELECT pg_sleep%'"
                ),
            ),
            Engine::Mysql => {
                let ids = server.query(
                    "mysql",
                    &format!(
                        "SELECT CAST(id AS CHAR) FROM information_schema.processlist \
                         WHERE db = '{real}' AND info LIKE 'SELECT SLEEP%'"
                    ),
                );
                for id in ids.iter().filter_map(|r| r[0].clone()) {
                    server.admin(&[format!("KILL CONNECTION {id}")]);
                }
                ids
            }
        };
        if !killed.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no sleeping session"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = up.finish(&args);
    out.expect_code(1);
    let text = out.all();
    for raw in [
        "expected to read",
        "bytes at EOF",
        "os error",
        "error communicating",
    ] {
        assert!(
            !text.contains(raw),
            "sqlx's wording {raw:?} leaked\n{}",
            out.describe()
        );
    }
    let closed = "the connection was closed by the server";
    match engine {
        // The server says why in its own words before it closes the connection.
        Engine::Postgres => {
            out.expect_contains("terminating connection due to administrator command")
        }
        Engine::Mysql => out.expect_contains(&format!(
            "001_slow.up.sql line 2 (statement 2 of 3): {closed}"
        )),
    };
    out.expect_contains(&format!(
        "⊘ conn_service  migration lock NOT released: {closed}"
    ))
    .expect_contains("dbfleet unlock -d conn_service");
    let left = journal_events(&fleet, "lock_not_released", "conn_service");
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        left[0]["error"]
            .as_str()
            .is_some_and(|e| e.starts_with(closed)),
        "{left:?}"
    );
    // The lock row stays (as reported); the rest is what the dead session committed.
    assert_eq!(server.lock_rows(real), 1);
    match engine {
        Engine::Postgres => {
            assert!(server.tables(real).is_empty(), "rolled back whole");
            assert!(server.migration_rows(real).is_empty());
        }
        Engine::Mysql => {
            assert_eq!(server.tables(real), ["first_half"]);
            let rows = server.migration_rows(real);
            assert_eq!(rows.len(), 1, "{rows:?}");
            assert_eq!(rows[0].2, "running", "dirty: {rows:?}");
        }
    }
}

/// Issue 10, item 3 on a server: shared_service was run by golang-migrate (at version 2),
/// user_service by Flyway (1 and 2 applied), order_service by golang-migrate left dirty
/// at version 3. Each tool's table is made with its own definition for the engine. The
/// applications' tables are real (made by the files 001 and 002, then dbfleet's own
/// bookkeeping of that dropped). `adopt` dry-runs, refuses the dirty one, records the
/// two; `up` then runs only what is new, and the tools' tables are untouched.
pub fn adopt_golang_migrate_and_flyway(engine: Engine) {
    let Some(server) = server(engine) else {
        return;
    };
    let dbs = Databases::create(
        &server,
        &["shared_service", "user_service", "order_service"],
    );
    let config = seed_shaped_config(&dbs, &[], "")
        .replace("  auto_backup: true\n", "  auto_backup: false\n");
    // The history before dbfleet: files 001 and 002 ran, recorded elsewhere.
    let fleet = fleet_with(
        &config
            .replace(
                "migrations_table: schema_migrations",
                "migrations_table: earlier",
            )
            .replace(
                "lock_table: schema_migrations_lock",
                "lock_table: earlier_lock",
            ),
    );
    ok(
        &fleet,
        &server,
        "up --to 2 -d shared_service -d user_service -d order_service",
    );
    let (golang, flyway) = match engine {
        Engine::Postgres => (
            r#"CREATE TABLE IF NOT EXISTS "schema_migrations" (version bigint not null primary key, dirty boolean not null)"#,
            r#"CREATE TABLE "flyway_schema_history" ("installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(), "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL)"#,
        ),
        Engine::Mysql => (
            "CREATE TABLE `schema_migrations` (version bigint not null primary key, dirty boolean not null)",
            "CREATE TABLE `flyway_schema_history` (`installed_rank` INT NOT NULL, `version` VARCHAR(50), `description` VARCHAR(200) NOT NULL, `type` VARCHAR(20) NOT NULL, `script` VARCHAR(1000) NOT NULL, `checksum` INT, `installed_by` VARCHAR(100) NOT NULL, `installed_on` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, `execution_time` INT NOT NULL, `success` BOOL NOT NULL, CONSTRAINT `flyway_schema_history_pk` PRIMARY KEY (`installed_rank`))",
        ),
    };
    let setup: [(&str, Vec<&str>); 3] = [
        (
            "shared_service",
            vec![
                golang,
                "INSERT INTO schema_migrations (version, dirty) VALUES (2, false)",
            ],
        ),
        (
            "user_service",
            vec![
                flyway,
                "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (1, '1', 'create users', 'SQL', 'V1__create_users.sql', 11, 'ops', 5, true), (2, '2', 'create profiles', 'SQL', 'V2__create_profiles.sql', 12, 'ops', 5, true)",
            ],
        ),
        (
            "order_service",
            vec![
                golang,
                "INSERT INTO schema_migrations (version, dirty) VALUES (3, true)",
            ],
        ),
    ];
    for (name, statements) in &setup {
        let real = dbs.real(name);
        server.query(real, "DROP TABLE earlier");
        server.query(real, "DROP TABLE earlier_lock");
        for sql in statements {
            server.query(real, sql);
        }
    }
    let fleet = fleet_with(&config);
    // The configured name is golang-migrate's: refused, with what to set.
    run(&fleet, &server, "up -d shared_service")
        .expect_code(1)
        .expect_contains("migrator.migrations_table: dbfleet_migrations");
    let fleet = fleet_with(&config.replace(
        "migrations_table: schema_migrations",
        "migrations_table: dbfleet_migrations",
    ));
    let all = "-d shared_service -d user_service -d order_service";
    run(&fleet, &server, &format!("up {all}"))
        .expect_code(1)
        .expect_contains("shared_service: ✗ refused: managed by golang-migrate (at version 2")
        .expect_contains("user_service: ✗ refused: managed by Flyway (2 applied");
    run(&fleet, &server, &format!("adopt {all}"))
        .expect_code(1)
        .expect_contains("shared_service: managed by golang-migrate (at version 2, table schema_migrations); would record 2 migration(s)")
        .expect_contains("user_service: managed by Flyway (2 applied, table flyway_schema_history); would record 2 migration(s)")
        .expect_contains("order_service: REFUSED: golang-migrate left version 3 unsettled")
        .expect_contains("`migrate force 3`");
    for name in ["shared_service", "user_service", "order_service"] {
        assert!(
            !server
                .tables(dbs.real(name))
                .contains(&"dbfleet_migrations".to_owned()),
            "the dry run created dbfleet's table in {name}"
        );
    }
    ok(
        &fleet,
        &server,
        "adopt -d shared_service -d user_service --apply",
    );
    let up = ok(
        &fleet,
        &server,
        &format!("up {}", "-d shared_service -d user_service"),
    );
    up.expect_contains("shared_service: ✓ succeeded, 1 step(s)")
        .expect_contains("user_service: ✓ succeeded, 2 step(s)");
    for (name, adopted, total) in [("shared_service", 2, 3), ("user_service", 2, 4)] {
        let rows = server.query(
            dbs.real(name),
            "SELECT applied_by FROM dbfleet_migrations WHERE status = 'applied'",
        );
        let by: Vec<String> = rows.into_iter().filter_map(|r| r[0].clone()).collect();
        assert_eq!(by.len(), total, "{name}: {by:?}");
        assert_eq!(
            by.iter().filter(|b| b.starts_with("adopted from ")).count(),
            adopted,
            "{name}: {by:?}"
        );
    }
    // The tools' tables as they were.
    let one = |db: &str, sql: &str| -> String {
        let rows = server.query(dbs.real(db), sql);
        rows[0][0].clone().unwrap_or_default().trim().to_owned()
    };
    let text = |column: &str| match engine {
        Engine::Postgres => format!("CAST({column} AS TEXT)"),
        Engine::Mysql => format!("CAST({column} AS CHAR)"),
    };
    let from = format!("SELECT {} FROM schema_migrations", text("version"));
    assert_eq!(one("shared_service", &from), "2");
    let from = format!("SELECT {} FROM flyway_schema_history", text("COUNT(*)"));
    assert_eq!(one("user_service", &from), "2");
}
