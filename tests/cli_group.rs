//! Grouped transactions on SQLite (`migrator.group`, `--group`): consecutive migrations
//! in one transaction, each recorded by its own row, all or none of them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{Fleet, app_tables, migration_rows};

const CONFIG: &str = "databases:\n  tenant:\n    driver: sqlite\n    database: data/tenant.db\nmigrator:\n  auto_backup: false\n";

fn fleet(group_in_config: bool) -> Fleet {
    let fleet = Fleet::new();
    let config = if group_in_config {
        format!("{CONFIG}  group: true\n")
    } else {
        CONFIG.to_owned()
    };
    fleet.write("config.yaml", &config);
    fleet.write(
        "migrations/tenant/001_a.up.sql",
        "CREATE TABLE a (id INTEGER);\nINSERT INTO a VALUES (1);\n",
    );
    fleet.write(
        "migrations/tenant/002_b.up.sql",
        "CREATE TABLE b (id INTEGER);\n",
    );
    fleet.write(
        "migrations/tenant/003_c.up.sql",
        "CREATE TABLE c (id INTEGER);\nINSERT INTO no_such_table VALUES (1);\n",
    );
    fleet.write(
        "migrations/tenant/004_d.up.sql",
        "CREATE TABLE d (id INTEGER);\n",
    );
    fleet
}

/// A failure in the group's third migration leaves none of the group applied; fixed, the
/// group applies with a row per migration.
#[test]
fn a_group_applies_all_or_none_on_sqlite() {
    let fleet = fleet(true);
    fleet
        .run(&["up", "-d", "tenant"])
        .expect_code(1)
        .expect_contains("no_such_table")
        .expect_contains("its group was rolled back with it: tenant/001_a, tenant/002_b");
    assert_eq!(app_tables(&fleet.db("tenant")), Vec::<String>::new());
    assert!(migration_rows(&fleet.db("tenant")).is_empty());

    fleet.write(
        "migrations/tenant/003_c.up.sql",
        "CREATE TABLE c (id INTEGER);\n",
    );
    fleet
        .run(&["up", "-d", "tenant"])
        .expect_ok()
        .expect_contains("succeeded, 4 step(s)");
    let rows = migration_rows(&fleet.db("tenant"));
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(rows.iter().all(|r| r.status == "applied"), "{rows:?}");
    assert_eq!(app_tables(&fleet.db("tenant")), ["a", "b", "c", "d"]);
}

/// `--group` asks for the group for one run; without it (nor the setting) each migration
/// commits by itself and only the failing one rolls back.
#[test]
fn the_flag_groups_one_run_and_without_it_each_migration_commits() {
    let fleet = fleet(false);
    fleet
        .run(&["up", "--group", "-d", "tenant"])
        .expect_code(1)
        .expect_contains("no_such_table");
    assert_eq!(app_tables(&fleet.db("tenant")), Vec::<String>::new());

    fleet.run(&["up", "-d", "tenant"]).expect_code(1);
    assert_eq!(app_tables(&fleet.db("tenant")), ["a", "b"]);
    assert_eq!(migration_rows(&fleet.db("tenant")).len(), 2);
}
