//! `dbfleet demo reset`: the teaching state, and the guards that keep it off real fleets.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{Fleet, SERVICES};
use serde_json::Value;

fn own_set<'a>(status: &'a Value, db: &str) -> &'a Value {
    status["sets"]
        .as_array()
        .and_then(|sets| sets.iter().find(|s| s["set"] == db))
        .unwrap_or_else(|| panic!("{db} has its own set: {status}"))
}

fn shared_set(status: &Value) -> &Value {
    status["sets"]
        .as_array()
        .and_then(|sets| sets.iter().find(|s| s["set"] == "cross_service"))
        .unwrap_or_else(|| panic!("cross_service in status: {status}"))
}

#[test]
fn demo_reset_shows_every_state_and_can_be_repeated() {
    let fleet = Fleet::new();
    // Whatever was there before is replaced, including a database far ahead of the demo.
    fleet.ok("up --patterns=*_service");
    for round in 0..2 {
        let out = fleet.ok("demo reset");
        out.expect_contains("missing a shared-set step")
            .expect_contains("dirty");

        let shared = fleet.status_of("shared_service");
        assert_eq!(shared["pending"], 0, "round {round}: {shared}");
        assert_eq!(shared["dirty"], false);

        let user = fleet.status_of("user_service");
        assert_eq!(own_set(&user, "user_service")["pending"], 0);
        assert_eq!(
            shared_set(&user)["applied"],
            1,
            "one cross_service step missing"
        );
        assert_eq!(shared_set(&user)["pending"], 1);

        let order = fleet.status_of("order_service");
        assert_eq!(own_set(&order, "order_service")["applied"], 2);
        assert_eq!(own_set(&order, "order_service")["pending"], 2);

        let message = fleet.status_of("message_service");
        assert_eq!(message["dirty"], true, "{message}");
        let failed: Vec<&Value> = own_set(&message, "message_service")["migrations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["state"] == "failed")
            .collect();
        assert_eq!(failed.len(), 1, "{message}");
        assert_eq!(failed[0]["statements_done"], 1);

        let analytics = fleet.status_of("analytics_service");
        assert_eq!(analytics["lock"]["stale"], true, "{analytics}");
        assert_eq!(analytics["pending"], 0);
    }

    // The dry run says ahead what the run would refuse.
    fleet
        .line("plan -d analytics_service")
        .expect_code(1)
        .expect_contains("stale migration lock held by deploy@ci-runner-7");

    // The teaching state is repairable with the ordinary commands.
    fleet.ok("unlock -d analytics_service");
    // The half-done step created its first table; its second statement is run by resume.
    fleet
        .ok("resolve -d message_service --resume")
        .expect_contains("resuming message_service/003_create_subscriptions at statement 2 of 2");
    let check = fleet.line("up --patterns=*_service");
    check.expect_ok();
    for db in SERVICES {
        let status = fleet.status_of(db);
        assert_eq!(own_set(&status, db)["pending"], 0, "{db}: {status}");
    }
}

#[test]
fn demo_reset_refuses_a_fleet_that_is_not_a_demo() {
    let fleet = Fleet::new();
    fleet.ok("up -d shared_service");
    let before = fleet.data_snapshot();

    let config = fleet.read("config.yaml");
    fleet.write(
        "config.yaml",
        &config.replace("environment: demo", "environment: production"),
    );
    fleet
        .line("demo reset")
        .expect_code(2)
        .expect_contains("environment: demo")
        .expect_contains("`production`");
    assert_eq!(fleet.data_snapshot(), before, "nothing was deleted");

    fleet.write(
        "config.yaml",
        &config.replace(
            "\ndatabases:\n",
            "\ndatabases:\n  billing:\n    url: postgres://app@127.0.0.1:1/billing\n",
        ),
    );
    fleet
        .line("demo reset")
        .expect_code(2)
        .expect_contains("only runs on SQLite fleets");
    assert_eq!(fleet.data_snapshot(), before, "nothing was deleted");
}

#[test]
fn history_tells_runs_and_repairs_back_from_the_journal() {
    let fleet = Fleet::new();
    fleet.ok("demo reset");
    fleet.line("up --patterns=*_service").expect_code(1);
    fleet.ok("unlock -d analytics_service");

    // Every kind of line, the unlock's included, has each key once: JSON readers keep
    // only the last of two equal keys, which once cost the unlock's own run id.
    let journal = fleet.read("data/journal.jsonl");
    for line in journal.lines() {
        if let Err(e) = common::duplicate_keys(line) {
            panic!("journal line has a duplicate key ({e}): {line}");
        }
    }
    let cleared: serde_json::Value = journal
        .lines()
        .find(|l| l.contains("\"lock_cleared\""))
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_default();
    assert_eq!(
        cleared["holder_run_id"],
        "20261123T090000.000Z-ci-runner-7-4242"
    );
    assert!(
        cleared["run_id"]
            .as_str()
            .is_some_and(|id| id != cleared["holder_run_id"]),
        "the unlock's own run id: {cleared}"
    );
    assert!(
        cleared["by"].as_str().is_some_and(|b| b.contains('@')),
        "{cleared}"
    );

    let all = fleet.ok("history");
    all.expect_contains("up · own sets · 6 database(s) · 4/6 ok")
        .expect_contains("✗ message_service refused: database is dirty")
        .expect_contains("unlock: analytics_service: cleared the lock of deploy@ci-runner-7");

    let one = fleet.ok("history -d order_service -n 1");
    assert!(
        one.stdout.contains("up · own sets · 6 database(s)") && !one.stdout.contains("unlock: "),
        "{}",
        one.describe()
    );

    let json = fleet.ok("history --format json -n 2").json();
    let entries = json.as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 2, "{json}");
    assert_eq!(entries[1]["command"], "unlock");
    assert_eq!(entries[0]["unfinished"], false);

    // A run whose process died has a start and no end: history says so.
    fleet.append(
        "data/journal.jsonl",
        "{\"at\":\"2026-11-23T16:00:00.000Z\",\"event\":\"run_started\",\"run_id\":\"r-dead\",\"by\":\"ops@vm\",\"command\":\"dbfleet up --all\",\"direction\":\"up\",\"databases\":[\"order_service\"],\"set\":null}\n",
    );
    fleet
        .ok("history -n 1")
        .expect_contains("UNFINISHED: the journal has no end");
}
