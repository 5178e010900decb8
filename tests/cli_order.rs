//! A pending migration older than the newest applied one of its set (a branch merged late)
//! is refused by `up` and `plan`, shown as out of order by `status`, and applied only with
//! `--allow-out-of-order` or `migrator.allow_out_of_order: true`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::Fleet;

const SET: &str = "migrations/shared_service";
const LATE: [&str; 2] = [
    "002_create_dictionaries.up.sql",
    "002_create_dictionaries.down.sql",
];

/// shared_service with 001 and 003 applied, then 002 merged late: pending, out of order.
fn fleet_with_a_late_branch() -> Fleet {
    let fleet = Fleet::new();
    let kept: Vec<(String, String)> = LATE
        .iter()
        .map(|f| (format!("{SET}/{f}"), fleet.read(&format!("{SET}/{f}"))))
        .collect();
    for (path, _) in &kept {
        std::fs::remove_file(fleet.file(path)).unwrap();
    }
    fleet.ok("up -d shared_service");
    for (path, text) in &kept {
        fleet.write(path, text);
    }
    fleet
}

const REFUSAL: &str = "shared_service: pending migration 002_create_dictionaries older than 003_create_audit_logs, already applied: it would run out of order (a branch merged late?). Renumber it after 003_create_audit_logs, or apply it anyway with --allow-out-of-order (migrator.allow_out_of_order in the config)";

#[test]
fn up_and_plan_refuse_a_migration_older_than_the_last_applied() {
    let fleet = fleet_with_a_late_branch();
    let before = fleet.data_snapshot();
    fleet
        .line("up -d shared_service")
        .expect_code(1)
        .expect_contains(REFUSAL);
    fleet
        .line("plan -d shared_service")
        .expect_code(1)
        .expect_contains(REFUSAL);
    let json = fleet.line("up -d shared_service --format json");
    assert!(
        json.stdout.contains("\"kind\":\"out_of_order\""),
        "{}",
        json.describe()
    );
    assert!(
        fleet.data_snapshot().keys().eq(before.keys()),
        "a refused up changed data/"
    );

    // status: the verdict, the migration's line, JSON, and --check.
    let text = fleet.ok("status -d shared_service").stdout;
    assert!(text.contains("● 1 out of order"), "{text}");
    assert!(
        text.lines().any(|l| l.contains("● shared_service/002_create_dictionaries")
            && l.ends_with("pending · OUT OF ORDER: older than the last applied; up refuses it without --allow-out-of-order")),
        "{text}"
    );
    let status = fleet.status_of("shared_service");
    let migrations = status["sets"][0]["migrations"].as_array().unwrap();
    let late = migrations
        .iter()
        .find(|m| m["name"] == "create_dictionaries")
        .unwrap();
    assert_eq!(late["out_of_order"], true, "{late}");
    assert!(migrations[0].get("out_of_order").is_none(), "{status}");
    fleet
        .line("status -d shared_service --check")
        .expect_code(3)
        .expect_contains("out of order: shared_service/002_create_dictionaries");

    // Opted in for one run.
    fleet.ok("plan -d shared_service --allow-out-of-order");
    fleet
        .ok("up -d shared_service --allow-out-of-order")
        .expect_contains("succeeded, 1 step(s)");
    let status = fleet.status_of("shared_service");
    assert_eq!(status["sets"][0]["pending"], 0, "{status}");
    assert!(!status.to_string().contains("out_of_order"), "{status}");
}

#[test]
fn the_config_opts_in_for_every_run() {
    let fleet = fleet_with_a_late_branch();
    let config = fleet
        .read("config.yaml")
        .replace("migrator:\n", "migrator:\n  allow_out_of_order: true\n");
    fleet.write("config.yaml", &config);
    // status: pending, marked out of order but allowed, and no problem for --check
    // beyond the pending migration itself.
    let text = fleet.ok("status -d shared_service").stdout;
    // cross_service's two count too.
    assert!(text.contains("● 3 pending"), "{text}");
    assert!(!text.contains("OUT OF ORDER"), "{text}");
    assert!(
        text.lines().any(|l| l.contains("● shared_service/002_create_dictionaries")
            && l.ends_with("pending (out of order, allowed: migrator.allow_out_of_order is on, up applies it)")),
        "{text}"
    );
    let status = fleet.status_of("shared_service");
    assert_eq!(status["out_of_order_allowed"], true, "{status}");
    let check = fleet.line("status -d shared_service --check");
    check.expect_code(3).expect_contains("3 pending");
    assert!(
        !check.all().contains("out of order:"),
        "{}",
        check.describe()
    );
    fleet.ok("plan -d shared_service");
    fleet
        .ok("up -d shared_service")
        .expect_contains("succeeded, 1 step(s)");
}

/// Flyway's repeatables (`R__x.sql`) have no version: one added or changed after later
/// versioned migrations were applied is pending, never out of order, and `up` runs it.
#[test]
fn flyway_repeatables_are_never_out_of_order() {
    let fleet = Fleet::new();
    fleet.write(
        "config.yaml",
        "database:\n  driver: sqlite\ndatabases:\n  fly:\n    database: data/fly.db\nmigrator:\n  auto_backup: false\n",
    );
    let dir = "migrations/fly";
    fleet.write(
        &format!("{dir}/V1__items.sql"),
        "CREATE TABLE items (id INT);\n",
    );
    fleet.write(
        &format!("{dir}/V2__prices.sql"),
        "ALTER TABLE items ADD price INT;\n",
    );
    fleet.ok("up -d fly");
    // Added after V2 was applied.
    fleet.write(
        &format!("{dir}/R__item_view.sql"),
        "DROP VIEW IF EXISTS item_view;\nCREATE VIEW item_view AS SELECT id FROM items;\n",
    );
    let text = fleet.ok("status -d fly").stdout;
    assert!(text.contains("● 1 pending"), "{text}");
    assert!(!text.contains("OUT OF ORDER"), "{text}");
    fleet.line("plan -d fly").expect_ok();
    fleet
        .ok("up -d fly")
        .expect_contains("succeeded, 1 step(s)");
    // Changed after a later versioned migration: pending again, still in order.
    fleet.write(
        &format!("{dir}/V3__stock.sql"),
        "ALTER TABLE items ADD stock INT;\n",
    );
    fleet.ok("up -d fly");
    fleet.write(
        &format!("{dir}/R__item_view.sql"),
        "DROP VIEW IF EXISTS item_view;\nCREATE VIEW item_view AS SELECT id, price FROM items;\n",
    );
    let check = fleet.line("status -d fly --check");
    assert!(
        !check.all().contains("out of order"),
        "{}",
        check.describe()
    );
    assert!(
        !check.all().contains("OUT OF ORDER"),
        "{}",
        check.describe()
    );
    fleet.ok("up -d fly").expect_contains("R__item_view");
    fleet.ok("status -d fly --check");
}

#[test]
fn the_demo_has_nothing_out_of_order() {
    let fleet = Fleet::new();
    fleet.ok("demo reset");
    let text = fleet.line("status").stdout;
    assert!(!text.contains("out of order"), "{text}");
    assert!(!text.contains("OUT OF ORDER"), "{text}");
}
