//! A step that stopped half-way outside a transaction: `resolve` shows its statements done
//! and not done, `--resume` runs the rest once the cause is fixed (refused when the file
//! changed since), and the two marks say what the schema lacks or still has and want the
//! database's name typed (or `--yes`). The journal records each choice.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{Fleet, app_tables, exec, migration_rows, on_a_terminal, query_text, schema};

const DB: &str = "shared_service";
const UP: &str = "migrations/shared_service/004_resume.up.sql";
const DOWN: &str = "migrations/shared_service/004_resume.down.sql";

/// Three statements outside a transaction; the second needs a table nobody made yet.
fn fleet_with_a_step_that_fails_half_way() -> Fleet {
    let fleet = Fleet::new();
    fleet.write(
        UP,
        "-- dbfleet:no-transaction\nCREATE TABLE r_first (id INTEGER);\nCREATE INDEX r_idx ON r_missing (id);\nCREATE TABLE r_third (id INTEGER);\n",
    );
    fleet.write(
        DOWN,
        "-- dbfleet:no-transaction\nDROP TABLE r_third;\nDROP TABLE r_gone;\nDROP TABLE r_first;\n",
    );
    fleet
        .line(&format!("up -d {DB}"))
        .expect_code(1)
        .expect_contains("statement 2 of 3");
    assert_eq!(progress(&fleet), ("failed".to_owned(), 1, 3));
    fleet
}

/// `(status, statements_done, statements_total)` of the step's row.
fn progress(fleet: &Fleet) -> (String, u32, u32) {
    let rows = query_text(
        &fleet.db(DB),
        "SELECT status, statements_done, statements_total FROM schema_migrations WHERE version = '4'",
    );
    let row = rows.first().expect("the step's row");
    let text = |i: usize| row[i].clone().unwrap_or_default();
    (text(0), text(1).parse().unwrap(), text(2).parse().unwrap())
}

fn journal(fleet: &Fleet) -> Vec<serde_json::Value> {
    fleet
        .read("data/journal.jsonl")
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|v: &serde_json::Value| v["event"] == "resolved")
        .collect()
}

#[test]
fn resume_runs_the_statements_that_did_not_run_once_the_cause_is_fixed() {
    let fleet = fleet_with_a_step_that_fails_half_way();
    fleet
        .line(&format!("up -d {DB}"))
        .expect_code(1)
        .expect_contains(&format!(
            "`dbfleet resolve -d {DB}` shows which statements ran; once their cause is fixed, `--resume` runs the rest"
        ));

    // Each statement done or not, with its SQL, then the choices in order.
    let shown = fleet.ok(&format!("resolve -d {DB}")).stdout;
    assert!(
        shown.contains(
            "dirty: up of shared_service/004_resume stopped after 1 of 3 statements (failed)"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("migrations/shared_service/004_resume.up.sql"),
        "{shown}"
    );
    assert!(
        shown.contains("✓ done       1  line 2    CREATE TABLE r_first (id INTEGER)"),
        "{shown}"
    );
    assert!(
        shown.contains("· not done   2  line 3    CREATE INDEX r_idx ON r_missing (id)"),
        "{shown}"
    );
    assert!(shown.contains("· not done   3  line 4"), "{shown}");
    let at = |needle: &str| {
        shown
            .find(needle)
            .unwrap_or_else(|| panic!("{needle}: {shown}"))
    };
    assert!(
        at("1. resume (default)  dbfleet resolve -d shared_service --resume")
            < at("2. mark applied")
            && at("2. mark applied") < at("3. mark rolled back"),
        "{shown}"
    );
    assert_eq!(fleet.ok(&format!("resolve -d {DB} --show")).stdout, shown);

    // Resumed before the cause is fixed: it fails again where it stopped, still dirty.
    fleet
        .line(&format!("resolve -d {DB} --resume"))
        .expect_code(1)
        .expect_contains("no such table: main.r_missing")
        .expect_contains("it is still dirty");
    assert_eq!(progress(&fleet), ("failed".to_owned(), 1, 3));

    exec(&fleet.db(DB), "CREATE TABLE r_missing (id INTEGER)");
    fleet
        .ok(&format!("resolve -d {DB} --resume"))
        .expect_contains("resuming shared_service/004_resume at statement 2 of 3")
        .expect_contains("resumed shared_service/004_resume to its last statement: applied");
    assert_eq!(progress(&fleet), ("applied".to_owned(), 3, 3));
    fleet
        .ok(&format!("up -d {DB}"))
        .expect_contains("nothing to run in shared_service");

    // The schema is the one a run with the cause fixed beforehand makes.
    let clean = Fleet::new();
    clean.write(UP, &fleet.read(UP));
    clean.write(DOWN, &fleet.read(DOWN));
    clean.ok(&format!("up -d {DB} --steps 1"));
    exec(&clean.db(DB), "CREATE TABLE r_missing (id INTEGER)");
    clean.ok(&format!("up -d {DB}"));
    assert_eq!(schema(&fleet.db(DB)), schema(&clean.db(DB)));

    let resolved = journal(&fleet);
    let last = resolved.last().expect("a resolved entry");
    assert_eq!(last["choice"], "resume", "{last}");
    assert_eq!(last["now"], "applied", "{last}");
    assert_eq!(last["was"], "failed after 1 of 3 statements", "{last}");
    assert_eq!(
        resolved[0]["now"],
        "still dirty: failed at statement 2 of 3"
    );
    fleet.ok("history -n 2").expect_contains(
        "shared_service/004_resume failed after 1 of 3 statements → applied (chose resume)",
    );
}

#[test]
fn resume_is_refused_once_the_file_changed_since_the_step_ran() {
    let fleet = fleet_with_a_step_that_fails_half_way();
    fleet.append(UP, "-- edited after the failure\n");
    exec(&fleet.db(DB), "CREATE TABLE r_missing (id INTEGER)");
    fleet
        .line(&format!("resolve -d {DB} --resume"))
        .expect_code(1)
        .expect_contains("cannot resume shared_service/004_resume")
        .expect_contains("changed since the step ran")
        .expect_contains("mark it applied (--applied) or rolled back (--rolled-back)");
    assert_eq!(progress(&fleet), ("failed".to_owned(), 1, 3));
    let shown = fleet.ok(&format!("resolve -d {DB}")).stdout;
    assert!(shown.contains("1. resume: not offered:"), "{shown}");
    assert!(!shown.contains("(default)"), "{shown}");
    assert!(journal(&fleet).is_empty());
}

#[test]
fn marking_a_half_done_step_says_what_the_schema_lacks_or_still_has() {
    let fleet = fleet_with_a_step_that_fails_half_way();
    // Without a terminal and without --yes: refused, nothing changed.
    let refused = fleet.line(&format!("resolve -d {DB} --applied"));
    refused
        .expect_code(1)
        .expect_contains("marking shared_service/004_resume applied records all 3 statements as run, but statements 2..3 never ran: the schema lacks what they make: statement 2 (line 3): CREATE INDEX r_idx ON r_missing (id)")
        .expect_contains("there is no terminal to confirm it on; nothing was changed");
    fleet
        .line(&format!("resolve -d {DB} --rolled-back"))
        .expect_code(1)
        .expect_contains("marking shared_service/004_resume rolled back forgets it, but statement 1 ran: the schema still has what it made: statement 1 (line 2): CREATE TABLE r_first (id INTEGER), and the next up runs it again");
    assert_eq!(progress(&fleet), ("failed".to_owned(), 1, 3));

    // On a terminal: the database's name typed wrong stops, right goes on.
    let wrong = on_a_terminal(&fleet, &format!("resolve -d {DB} --applied"), "yes\n");
    assert!(
        wrong.contains("Type the database's name (shared_service) to go on"),
        "{wrong}"
    );
    assert!(wrong.contains("not confirmed"), "{wrong}");
    assert_eq!(progress(&fleet), ("failed".to_owned(), 1, 3));
    let right = on_a_terminal(
        &fleet,
        &format!("resolve -d {DB} --applied"),
        "shared_service\n",
    );
    assert!(
        right.contains("marked shared_service/004_resume as applied"),
        "{right}"
    );
    assert_eq!(progress(&fleet), ("applied".to_owned(), 3, 3));
    let last = journal(&fleet).pop().unwrap();
    assert_eq!(last["choice"], "mark applied", "{last}");
    assert_eq!(last["now"], "applied", "{last}");

    // Mark rolled back, confirmed by --yes where there is no terminal.
    let fleet = fleet_with_a_step_that_fails_half_way();
    fleet
        .ok(&format!("resolve -d {DB} --rolled-back --yes"))
        .expect_contains("the schema still has what it made")
        .expect_contains("marked shared_service/004_resume as rolled back");
    assert!(!migration_rows(&fleet.db(DB)).iter().any(|r| r.version == 4));
    assert!(app_tables(&fleet.db(DB)).contains(&"r_first".to_owned()));
    let last = journal(&fleet).pop().unwrap();
    assert_eq!(last["choice"], "mark rolled back", "{last}");
}

#[test]
fn on_a_terminal_resolve_without_a_choice_asks_and_enter_resumes() {
    let fleet = fleet_with_a_step_that_fails_half_way();
    exec(&fleet.db(DB), "CREATE TABLE r_missing (id INTEGER)");
    let stopped = on_a_terminal(&fleet, &format!("resolve -d {DB}"), "no\n");
    assert!(
        stopped.contains("Choose 1, 2 or 3, Enter for 1"),
        "{stopped}"
    );
    assert!(stopped.contains("nothing was changed"), "{stopped}");
    assert_eq!(progress(&fleet), ("failed".to_owned(), 1, 3));
    let resumed = on_a_terminal(&fleet, &format!("resolve -d {DB}"), "\n");
    assert!(
        resumed.contains("to its last statement: applied"),
        "{resumed}"
    );
    assert_eq!(progress(&fleet), ("applied".to_owned(), 3, 3));
}

#[test]
fn a_down_stopped_half_way_is_resumed_to_the_end() {
    let fleet = fleet_with_a_step_that_fails_half_way();
    exec(&fleet.db(DB), "CREATE TABLE r_missing (id INTEGER)");
    fleet.ok(&format!("resolve -d {DB} --resume"));
    fleet
        .line(&format!("down -d {DB}"))
        .expect_code(1)
        .expect_contains("statement 2 of 3");
    assert_eq!(progress(&fleet), ("reverting".to_owned(), 1, 3));
    let shown = fleet.ok(&format!("resolve -d {DB}")).stdout;
    assert!(
        shown.contains("dirty: down of shared_service/004_resume"),
        "{shown}"
    );
    assert!(shown.contains("004_resume.down.sql"), "{shown}");
    assert!(
        shown.contains("then records the step as reverted"),
        "{shown}"
    );
    exec(&fleet.db(DB), "CREATE TABLE r_gone (id INTEGER)");
    fleet.ok(&format!("resolve -d {DB} --resume"));
    assert!(!migration_rows(&fleet.db(DB)).iter().any(|r| r.version == 4));
    let tables = app_tables(&fleet.db(DB));
    assert!(!tables.contains(&"r_first".to_owned()), "{tables:?}");
    assert!(!tables.contains(&"r_third".to_owned()), "{tables:?}");
}
