//! Backups you can use: `backups` lists what runs took, `restore` puts one back (a dry run
//! first, under the lock, after saving the current state, journaled), and
//! `backup_retention_days` prunes old ones after a run that succeeded.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{Fleet, insert_lock, migration_rows, query_text};

fn rows(fleet: &Fleet) -> Vec<Vec<Option<String>>> {
    query_text(
        &fleet.db("shared_service"),
        "SELECT config_key FROM system_configs ORDER BY config_key",
    )
}

fn backup_files(fleet: &Fleet) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fleet.file("data/backups"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_restored_backup_brings_back_the_rows_and_the_bookkeeping_of_its_time() {
    let fleet = Fleet::new();
    let db = fleet.db("shared_service");
    fleet.ok("up -d shared_service --steps 1");
    common::exec(
        &db,
        "INSERT INTO system_configs (config_key, config_value) VALUES ('kept', '1')",
    );
    let rows_then = rows(&fleet);
    assert!(rows_then.contains(&vec![Some("kept".to_owned())]));
    fleet.ok("up -d shared_service --steps 1"); // backup 1: one step applied, its rows
    fleet.ok("up -d shared_service"); // backup 2: two steps applied
    common::exec(&db, "DELETE FROM system_configs");
    let applied_now = migration_rows(&db).len();
    assert_eq!(applied_now, 3);

    let listed = fleet.ok("backups --format json").json();
    let listed = listed.as_array().unwrap().clone();
    assert_eq!(listed.len(), 2, "{listed:#?}");
    for b in &listed {
        assert_eq!(b["database"], "shared_service");
        assert!(b["run_id"].is_string(), "the journal names its run: {b}");
        assert_eq!(b["before"], "up");
        assert!(b["bytes"].as_u64().unwrap() > 0);
    }
    assert!(listed[0]["taken_at"].as_str() > listed[1]["taken_at"].as_str());
    fleet
        .ok("backups")
        .expect_contains("shared_service")
        .expect_contains("BEFORE")
        .expect_contains(listed[0]["run_id"].as_str().unwrap());

    // The oldest backup: one step applied, the row still there.
    let oldest = listed[1]["path"].as_str().unwrap().to_owned();
    let before = fleet.data_snapshot();
    let dry = fleet.run(&["restore", "-d", "shared_service", "--from", &oldest]);
    dry.expect_ok()
        .expect_contains("nothing was changed; add --apply")
        .expect_contains("first, the current state is saved as one more backup in");
    assert_eq!(fleet.data_snapshot(), before, "a dry run changes nothing");

    let refused = fleet.run(&[
        "restore",
        "-d",
        "shared_service",
        "--from",
        &oldest,
        "--apply",
    ]);
    refused.expect_code(2).expect_contains("no terminal");
    assert_eq!(fleet.data_snapshot(), before);

    let applied = fleet.run(&[
        "restore",
        "-d",
        "shared_service",
        "--from",
        &oldest,
        "--apply",
        "--yes",
    ]);
    applied
        .expect_ok()
        .expect_contains("shared_service: restored from");
    assert_eq!(rows(&fleet), rows_then);
    let versions: Vec<u128> = migration_rows(&db).iter().map(|r| r.version).collect();
    assert_eq!(versions, [1], "the bookkeeping of the backup's time");
    assert!(common::lock_rows(&db).is_empty(), "no lock left behind");

    // What the restore replaced is one more backup, and restores back.
    let after = backup_files(&fleet);
    assert_eq!(after.len(), 3, "{after:?}");
    let safety = fleet.ok("backups --format json").json()[0].clone();
    assert_eq!(safety["before"], "restore", "{safety}");
    assert!(applied.stdout.contains(safety["path"].as_str().unwrap()));
    let journal = fleet.read("data/journal.jsonl");
    let restored = journal
        .lines()
        .find(|l| l.contains("\"event\":\"restored\""))
        .expect("a restored line in the journal");
    assert!(restored.contains(&oldest), "{restored}");
    assert!(restored.contains("\"by\":"), "{restored}");
    fleet
        .ok("history -n 1")
        .expect_contains("restore: shared_service: restored");

    fleet.ok("restore -d shared_service --apply --yes");
    assert_eq!(migration_rows(&db).len(), applied_now, "undone");
    assert!(rows(&fleet).is_empty());
    fleet.ok("up -d shared_service");
}

#[test]
fn restore_is_refused_while_a_run_holds_the_lock_and_for_a_file_of_another_database() {
    let fleet = Fleet::new();
    let db = fleet.db("shared_service");
    fleet.ok("up -d shared_service --steps 1");
    fleet.ok("up -d shared_service");
    fleet.ok("up -d user_service");
    fleet.ok("up -d user_service --directory=cross_service");
    let host = common::hostname();
    insert_lock(
        &db,
        &format!("deploy@{host}"),
        &host,
        std::process::id(),
        "r-live",
    );
    let before = fleet.data_snapshot();
    let dry = fleet.line("restore -d shared_service");
    dry.expect_code(1)
        .expect_contains("REFUSED: locked by deploy@");
    let refused = fleet.line("restore -d shared_service --apply --yes");
    refused.expect_code(1).expect_contains("locked by deploy@");
    assert_eq!(fleet.data_snapshot(), before, "nothing changed");

    let other = fleet.ok("backups -d user_service --format json").json()[0]["path"]
        .as_str()
        .unwrap()
        .to_owned();
    fleet
        .run(&["restore", "-d", "shared_service", "--from", &other])
        .expect_code(2)
        .expect_contains("is a backup of user_service, not of shared_service");
    let none = fleet.line("restore -d product_service");
    none.expect_code(1)
        .expect_contains("no backups of product_service");
}

#[test]
fn retention_removes_old_backups_after_a_successful_run_and_keeps_the_newest() {
    let fleet = Fleet::new();
    fleet.append("config.yaml", "  backup_retention_days: 7\n");
    fleet.ok("up -d shared_service --steps 1");
    // Backups of long ago, as their names say (their mtime is now).
    let old = [
        "shared_service-20200101T000000.000Z.sqlite3",
        "shared_service-20200102T000000.000Z.sqlite3",
    ];
    for name in old {
        fleet.write(&format!("data/backups/{name}"), "old");
    }
    let strangers = [
        "notes.txt",
        "shared_service-20200101T000000.000Z.sqlite3.bak",
        "user_service-20200101T000000.000Z.sqlite3",
    ];
    for name in strangers {
        fleet.write(&format!("data/backups/{name}"), "keep me");
    }
    let out = fleet.ok("up -d shared_service");
    out.expect_contains("removed 2 backup(s) older than backup_retention_days");
    let left = backup_files(&fleet);
    for name in old {
        assert!(!left.contains(&name.to_owned()), "{name} pruned: {left:?}");
    }
    for name in strangers {
        assert!(
            left.contains(&name.to_owned()),
            "{name} untouched: {left:?}"
        );
    }
    assert_eq!(
        left.iter()
            .filter(|n| n.starts_with("shared_service-") && n.ends_with(".sqlite3"))
            .count(),
        1,
        "the run's own backup stays: {left:?}"
    );
    assert!(
        fleet
            .read("data/journal.jsonl")
            .contains("\"event\":\"backups_pruned\"")
    );

    // A database with only old backups keeps its newest.
    fleet.write(
        "data/backups/product_service-20200101T000000.000Z.sqlite3",
        "old",
    );
    fleet.ok("up -d product_service");
    assert!(
        backup_files(&fleet).contains(&"product_service-20200101T000000.000Z.sqlite3".to_owned())
    );

    let zero = Fleet::new();
    zero.append("config.yaml", "  backup_retention_days: 0\n");
    zero.line("status")
        .expect_code(2)
        .expect_contains("backup_retention_days: 0 is out of range");
}
