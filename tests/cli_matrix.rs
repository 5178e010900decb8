//! `dbfleet matrix`: a shared set across its databases as a text table that fits the
//! terminal (turned round when the databases do not fit across), and as JSON.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::Fleet;

/// The demo fleet with every own set applied and cross_service's 002 on all but
/// user_service.
fn fleet_missing_one_shared_step() -> Fleet {
    let fleet = Fleet::new();
    fleet.ok("up --all");
    fleet.ok("up --directory cross_service --all");
    fleet.ok("down --directory cross_service -d user_service");
    fleet
}

#[test]
fn the_matrix_names_the_database_that_lacks_a_shared_migration() {
    let fleet = fleet_missing_one_shared_step();
    let out = fleet.ok("matrix");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[0], "cross_service: 2 migration(s) across 6 database(s) (names without \"_service\")",
        "{}",
        out.stdout
    );
    assert!(
        lines[1].starts_with("MIGRATION") && lines[1].contains("user"),
        "{}",
        out.stdout
    );
    // The user column of 002 is pending, every other cell applied.
    let header: Vec<&str> = lines[1].split_whitespace().collect();
    let row: Vec<&str> = lines[3].split_whitespace().collect();
    assert_eq!(row[0], "002_add_event_sourcing");
    let user = header.iter().position(|h| *h == "user").unwrap();
    assert_eq!(row[user], "●", "{}", out.stdout);
    assert_eq!(
        row.iter().filter(|c| **c == "✓").count(),
        5,
        "{}",
        out.stdout
    );
    assert_eq!(*row.last().unwrap(), "5/6");
    // The legend says only what the table shows.
    assert_eq!(
        *lines.last().unwrap(),
        "✓ applied  ● pending",
        "{}",
        out.stdout
    );
}

#[test]
fn a_fleet_too_wide_for_the_terminal_gets_a_database_per_row() {
    let fleet = fleet_missing_one_shared_step();
    let out = fleet.run_with_env(&["matrix"], &[("COLUMNS", "40")]);
    out.expect_ok();
    let user = out
        .stdout
        .lines()
        .find(|l| l.starts_with("user_service"))
        .unwrap_or_else(|| panic!("no row for user_service:\n{}", out.stdout));
    assert_eq!(
        user.split_whitespace().collect::<Vec<_>>(),
        ["user_service", "✓", "●"]
    );
    assert!(
        out.stdout.contains("APPLIED            6/6  5/6"),
        "{}",
        out.stdout
    );
    // The table fits; the heading may wrap.
    assert!(
        out.stdout.lines().skip(1).all(|l| l.chars().count() <= 40),
        "{}",
        out.stdout
    );
    // Asked for, either way round.
    let forced = fleet.run_with_env(&["matrix", "--rows", "migrations"], &[("COLUMNS", "40")]);
    assert!(forced.stdout.contains("\nMIGRATION "), "{}", forced.stdout);
}

#[test]
fn the_matrix_as_json_keeps_a_cell_per_migration() {
    let fleet = fleet_missing_one_shared_step();
    let json = fleet
        .ok("matrix --format json --directory cross_service")
        .json();
    let matrix = &json[0];
    assert_eq!(matrix["set"], "cross_service");
    assert_eq!(matrix["migrations"][1]["id"], "002_add_event_sourcing");
    assert_eq!(matrix["migrations"][1]["applied"], 5);
    let user = matrix["databases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "user_service")
        .unwrap();
    assert_eq!(user["cells"], serde_json::json!(["applied", "pending"]));
}

#[test]
fn a_set_that_is_not_shared_or_unknown_is_a_clear_error() {
    let fleet = fleet_missing_one_shared_step();
    let out = fleet.line("matrix --directory no_such_set");
    out.expect_code(2).expect_contains("no_such_set");
    // Only some databases: the columns are those.
    let out = fleet.ok("matrix --patterns user*,order*");
    assert!(
        out.stdout.contains("across 2 database(s)"),
        "{}",
        out.stdout
    );
}
