//! The server ends one database's connection mid-statement (`pg_terminate_backend`,
//! MariaDB's `KILL CONNECTION`) while two others of the same run are mid-statement too:
//! that database fails, named, with a non-zero exit; the others finish; the victim is
//! consistent for its engine (rolled back whole on PostgreSQL, dirty on MariaDB) and the
//! next run (or `resolve --resume`) completes it.

use std::time::{Duration, Instant};

use crate::rig::{Kind, Rig, admin_query};
use crate::servers::Engine;

const NAMES: [&str; 3] = ["victim", "o1", "o2"];

/// The run's closing line for `name` (`✓ o1      succeeded, ...`), its padding squeezed.
fn summary(out: &crate::common::Output, name: &str) -> String {
    out.stdout
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .find(|l| {
            let mut words = l.split(' ');
            matches!(words.next(), Some("✓" | "✗")) && words.next() == Some(name)
        })
        .unwrap_or_default()
}

fn terminated(engine: Engine) {
    let kind = Kind::Server(engine);
    let Some(rig) = Rig::new(kind, &NAMES, "") else {
        return;
    };
    let sleep = match engine {
        Engine::Postgres => "SELECT pg_sleep(5)",
        Engine::Mysql => "SELECT SLEEP(5)",
    };
    rig.add_migration(1);
    rig.fleet.write(
        "migrations/rel/002_slow.up.sql",
        &format!("CREATE TABLE slow_a (k INTEGER);\n{sleep};\nCREATE TABLE slow_b (k INTEGER);\n"),
    );
    rig.add_migration(3);
    let args = ["up", "--all", "--directory", "rel", "-v"];
    let child = rig.command(&args).spawn().expect("spawn dbfleet");
    let victim = rig.real("victim");
    let dbs = rig.dbs.as_ref().unwrap();
    let started = Instant::now();
    // Once all three sleep, end the victim's session only.
    loop {
        let sleeping = admin_query(
            dbs,
            kind,
            &match engine {
                Engine::Postgres => "SELECT datname::text FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active'".to_owned(),
                Engine::Mysql => "SELECT CAST(db AS CHAR) FROM information_schema.processlist WHERE info LIKE 'SELECT SLEEP%'".to_owned(),
            },
        );
        let ours = NAMES
            .iter()
            .filter(|n| {
                let real = rig.real(n);
                sleeping
                    .iter()
                    .any(|r| r[0].as_deref() == Some(real.as_str()))
            })
            .count();
        if ours == NAMES.len() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the three slow statements never ran together: {sleeping:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    match engine {
        Engine::Postgres => {
            let killed = admin_query(
                dbs,
                kind,
                &format!(
                    "SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity WHERE datname = '{victim}' AND query LIKE 'SELECT pg_sleep%'"
                ),
            );
            assert_eq!(killed.len(), 1, "{killed:?}");
        }
        Engine::Mysql => {
            let ids = admin_query(
                dbs,
                kind,
                &format!(
                    "SELECT CAST(id AS CHAR) FROM information_schema.processlist WHERE db = '{victim}' AND info LIKE 'SELECT SLEEP%'"
                ),
            );
            assert_eq!(ids.len(), 1, "{ids:?}");
            dbs.server
                .admin(&[format!("KILL CONNECTION {}", ids[0][0].clone().unwrap())]);
        }
    }
    let out = crate::common::to_output(&args, child.wait_with_output().unwrap());
    assert_eq!(out.code, 1, "{}", out.describe());
    assert!(!out.all().contains("panicked"), "{}", out.describe());
    out.expect_contains("the connection was closed by the server");
    assert!(
        summary(&out, "victim").starts_with("✗ victim failed"),
        "{}",
        out.describe()
    );
    for name in ["o1", "o2"] {
        assert!(
            summary(&out, name).contains("succeeded, 3 step(s)"),
            "{}",
            out.describe()
        );
    }
    for name in ["o1", "o2"] {
        let status = rig.status(name);
        assert_eq!(status["applied"], 3, "{name}: {status}");
        assert!(status["lock"].is_null(), "{name}: {status}");
        assert!(rig.tables(name).contains("slow_b"), "{name}");
    }
    let status = rig.status("victim");
    let tables = rig.tables("victim");
    match engine {
        Engine::Postgres => {
            assert_eq!(status["dirty"], false, "{status}");
            assert_eq!(status["applied"], 1, "{status}");
            assert!(!tables.contains("slow_a"), "rolled back whole: {tables:?}");
            // Its lock row stays (the connection that would delete it is gone) and the
            // next run takes it over.
            let next = rig.line("up --all --directory rel");
            next.expect_ok();
            assert!(
                summary(&next, "victim").contains("succeeded, 2 step(s)"),
                "{}",
                next.describe()
            );
        }
        Engine::Mysql => {
            assert_eq!(status["dirty"], true, "{status}");
            assert!(
                tables.contains("slow_a") && !tables.contains("slow_b"),
                "{tables:?}"
            );
            let next = rig.line("up --all --directory rel");
            next.expect_code(1)
                .expect_contains("dirty")
                .expect_contains("dbfleet resolve -d victim");
            rig.line("resolve -d victim --directory rel --resume")
                .expect_ok();
            rig.line("up --all --directory rel").expect_ok();
        }
    }
    let status = rig.status("victim");
    assert_eq!(status["applied"], 3, "{status}");
    assert_eq!(rig.lock_rows("victim"), 0);
}

#[test]
fn a_connection_the_postgres_server_terminates_fails_only_its_database() {
    terminated(Engine::Postgres);
}

#[test]
fn a_connection_mariadb_kills_fails_only_its_database() {
    terminated(Engine::Mysql);
}
