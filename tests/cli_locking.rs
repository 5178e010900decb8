//! Mutual exclusion between two runs, stale locks, and `unlock`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{
    Fleet, SERVICES, dead_pid, hostname, insert_lock, lock_rows, migration_rows, to_output,
};

/// Two `up --patterns=*_service` at once on a fresh fleet: each migration runs once.
fn race_once(round: usize) {
    let fleet = Fleet::new();
    let args = ["up", "--patterns=*_service"];
    let a = fleet.command(&args).spawn().expect("spawn first");
    let b = fleet.command(&args).spawn().expect("spawn second");
    let a = to_output(&args, a.wait_with_output().unwrap());
    let b = to_output(&args, b.wait_with_output().unwrap());
    for out in [&a, &b] {
        assert_eq!(
            out.code,
            0,
            "round {round}: both runs succeed\n{}",
            out.describe()
        );
    }

    for db in SERVICES {
        let path = fleet.db(db);
        let rows = migration_rows(&path);
        let mut keys: Vec<(String, u128)> =
            rows.iter().map(|r| (r.set.clone(), r.version)).collect();
        let total = keys.len();
        keys.dedup();
        assert_eq!(
            keys.len(),
            total,
            "round {round}, {db}: a row twice: {rows:?}"
        );
        assert_eq!(
            total,
            fleet.migration_count(db),
            "round {round}, {db}: every migration exactly once: {rows:?}"
        );
        assert!(rows.iter().all(|r| r.status == "applied"), "{rows:?}");
        assert_eq!(
            lock_rows(&path),
            Vec::<Vec<Option<String>>>::new(),
            "round {round}, {db}: lock released"
        );
    }

    // Between the two runs every database's steps were applied once: the step lines
    // ("✓ db/00N_name in N ms") of both outputs together name each migration once.
    let both = format!("{}{}", a.stdout, b.stdout);
    for db in SERVICES {
        let applied = both
            .lines()
            .filter(|l| l.starts_with(&format!("{db}: ✓ {db}/")))
            .count();
        assert_eq!(
            applied,
            fleet.migration_count(db),
            "round {round}, {db}: steps reported as applied across both runs\n{both}"
        );
    }
}

#[test]
fn two_concurrent_ups_apply_each_migration_exactly_once() {
    for round in 1..=3 {
        race_once(round);
    }
}

#[test]
fn stale_lock_is_shown_refuses_up_and_unlock_clears_it() {
    let fleet = Fleet::new();
    fleet.ok("up -d shared_service");
    fleet.ok("up -d user_service --to 1");
    let path = fleet.db("user_service");
    let host = hostname();
    let pid = dead_pid();
    insert_lock(&path, &format!("ghost@{host}"), &host, pid, "r-ghost");

    let user = fleet.status_of("user_service");
    let lock = &user["lock"];
    assert_eq!(lock["stale"], true, "{user:#}");
    assert_eq!(lock["holder"], format!("ghost@{host}"), "{user:#}");
    assert_eq!(lock["run_id"], "r-ghost", "{user:#}");
    assert_eq!(lock["pid"].as_u64(), Some(u64::from(pid)), "{user:#}");
    fleet.line("status --check -d user_service").expect_code(3);

    let refused = fleet.line("up -d user_service");
    refused.expect_code(1);
    assert!(
        refused.all().contains("dbfleet unlock"),
        "{}",
        refused.describe()
    );
    assert_eq!(
        migration_rows(&path).len(),
        1,
        "nothing ran under someone else's lock"
    );
    assert_eq!(
        lock_rows(&path).len(),
        1,
        "the ghost's lock is left for the operator"
    );

    let unlock = fleet.line("unlock -d user_service");
    unlock.expect_ok();
    assert!(unlock.stdout.contains("ghost@"), "{}", unlock.describe());
    assert!(lock_rows(&path).is_empty());
    let user = fleet.status_of("user_service");
    assert_eq!(user["lock"], serde_json::Value::Null, "{user:#}");

    fleet.ok("up -d user_service");
    assert_eq!(
        migration_rows(&path).len(),
        fleet.migration_count("user_service")
    );
    assert!(lock_rows(&path).is_empty());

    // The clearing is journaled.
    let journal = fleet.read("data/journal.jsonl");
    assert!(
        journal
            .lines()
            .any(|l| l.contains("lock_cleared") && l.contains("r-ghost")),
        "{journal}"
    );
}

#[test]
fn live_lock_is_not_stale_and_unlock_needs_force() {
    let fleet = Fleet::new();
    fleet.ok("up -d shared_service");
    let path = fleet.db("shared_service");
    let host = hostname();
    // This test process is alive, on this host.
    insert_lock(
        &path,
        &format!("tester@{host}"),
        &host,
        std::process::id(),
        "r-alive",
    );

    let shared = fleet.status_of("shared_service");
    assert_eq!(shared["lock"]["stale"], false, "{shared:#}");
    assert_eq!(shared["lock"]["run_id"], "r-alive", "{shared:#}");

    let refused = fleet.line("unlock -d shared_service");
    refused.expect_code(1);
    assert!(refused.all().contains("--force"), "{}", refused.describe());
    assert_eq!(lock_rows(&path).len(), 1, "the live lock stays");

    fleet.ok("unlock -d shared_service --force");
    assert!(lock_rows(&path).is_empty());
    fleet.ok("unlock -d shared_service");
}

/// A fleet of `dbs` SQLite databases sharing one set whose steps read before they write
/// (`CREATE TABLE IF NOT EXISTS` of a table that is there, then writes), as guard-first
/// migrations do. No demo sets: only this one.
fn read_first_fleet(dbs: usize) -> Fleet {
    let fleet = Fleet::new();
    std::fs::remove_dir_all(fleet.file("migrations")).unwrap();
    let mut config = String::from("databases:\n");
    for i in 1..=dbs {
        config.push_str(&format!(
            "  race{i}:\n    driver: sqlite\n    database: data/race{i}.db\n"
        ));
    }
    config.push_str(
        "sets:\n  race:\n    targets: [\"race*\"]\nmigrator:\n  auto_backup: false\n  journal: data/journal.jsonl\n",
    );
    fleet.write("config.yaml", &config);
    fleet.write(
        "migrations/race/001_base.up.sql",
        "CREATE TABLE base (id INTEGER);\nINSERT INTO base VALUES (1);\n",
    );
    for v in 2..=5 {
        fleet.write(
            &format!("migrations/race/{v:03}_copy.up.sql"),
            &format!(
                "CREATE TABLE IF NOT EXISTS base (id INTEGER);\nCREATE TABLE t{v} (id INTEGER);\nINSERT INTO t{v} SELECT id FROM base;\n"
            ),
        );
    }
    fleet
}

/// Issue 8, item 7: 2 to 8 `up` processes at once over the same SQLite databases. One
/// applies each step, the others wait for the lock and then find the work done: not a
/// single failed step ("database is locked") in any process, each migration applied
/// exactly once, nothing else in the files.
#[test]
fn concurrent_sqlite_runs_wait_for_the_lock_and_never_fail_a_step() {
    const DBS: usize = 3;
    const MIGRATIONS: usize = 5;
    for trial in 0..21 {
        let processes = 2 + trial % 7;
        let fleet = read_first_fleet(DBS);
        let args = ["up", "--directory=race"];
        let children: Vec<_> = (0..processes)
            .map(|_| fleet.command(&args).spawn().expect("spawn dbfleet"))
            .collect();
        let outputs: Vec<_> = children
            .into_iter()
            .map(|c| to_output(&args, c.wait_with_output().unwrap()))
            .collect();
        for out in &outputs {
            assert_eq!(
                out.code,
                0,
                "trial {trial}, {processes} processes: every run succeeds\n{}",
                out.describe()
            );
            assert!(
                !out.all().contains('✗') && !out.all().contains("database is locked"),
                "trial {trial}: a step failed\n{}",
                out.describe()
            );
        }
        let all: String = outputs.iter().map(|o| o.stdout.as_str()).collect();
        for i in 1..=DBS {
            let db = format!("race{i}");
            let path = fleet.file(&format!("data/{db}.db"));
            let rows = migration_rows(&path);
            let versions: Vec<u128> = rows.iter().map(|r| r.version).collect();
            assert_eq!(versions, [1, 2, 3, 4, 5], "trial {trial}, {db}: {rows:?}");
            assert!(rows.iter().all(|r| r.status == "applied"), "{rows:?}");
            assert!(
                lock_rows(&path).is_empty(),
                "trial {trial}, {db}: lock left"
            );
            assert_eq!(
                common::app_tables(&path),
                ["base", "t2", "t3", "t4", "t5"],
                "trial {trial}, {db}"
            );
            for v in 2..=5 {
                assert_eq!(
                    common::query_text(&path, &format!("SELECT count(*) FROM t{v}")),
                    [[Some("1".to_owned())]],
                    "trial {trial}, {db}: t{v} filled once"
                );
            }
            let applied = all
                .lines()
                .filter(|l| l.starts_with(&format!("{db}: ✓ race/")))
                .count();
            assert_eq!(
                applied, MIGRATIONS,
                "trial {trial}, {db}: each step reported applied once across the runs\n{all}"
            );
        }
    }
}
