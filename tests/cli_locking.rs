//! Mutual exclusion between two runs, stale locks, and `unlock`.

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
        let mut keys: Vec<(String, i64)> =
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
