//! `dbfleet lint` and the findings `plan` shows (issue 13): the real binary on a copy of
//! the demo fleet (SQLite, offline), with a destructive migration written into it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::Fleet;

const CLEANUP: &str = "migrations/user_service/005_cleanup.up.sql";
const CLEANUP_DOWN: &str = "migrations/user_service/005_cleanup.down.sql";
const CONFIG: &str = "config.yaml";

/// The demo fleet with a fifth user_service migration holding `up`.
fn fleet_with(up: &str) -> Fleet {
    let fleet = Fleet::new();
    fleet.write(CLEANUP, up);
    fleet.write(CLEANUP_DOWN, "-- dbfleet:empty\n");
    fleet
}

#[test]
fn the_demo_fleet_lints_clean() {
    let fleet = Fleet::new();
    let out = fleet.ok("lint");
    out.expect_contains("user_service on sqlite (user_service): no findings");
    out.expect_contains("7 sets linted: 0 errors, 0 warnings, 0 info");
}

#[test]
fn a_destructive_migration_is_found_with_file_and_line_and_fails_the_lint() {
    let fleet =
        fleet_with("-- the old profiles go\nDROP TABLE user_profiles;\nDELETE FROM users;\n");
    let out = fleet.line("lint -d user_service");
    out.expect_code(1);
    out.expect_contains("user_service on sqlite (user_service): 2 findings");
    out.expect_contains(&format!(
        "{CLEANUP}:2: error drop-table: drops table user_profiles and every row in it"
    ));
    out.expect_contains(&format!("{CLEANUP}:3: error delete-without-where: DELETE without WHERE deletes every row of the table (instead: add the WHERE meant"));
    // Another database's sets are not linted when one is selected.
    assert!(!out.stdout.contains("order_service"), "{}", out.describe());
    let json = fleet.line("lint -d user_service --format json");
    json.expect_code(1);
    let groups = json.json();
    let findings = &groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["set"] == "user_service")
        .unwrap()["findings"];
    assert_eq!(findings[0]["rule"], "drop-table");
    assert_eq!(findings[0]["severity"], "error");
    assert_eq!(findings[0]["line"], 2);
    assert_eq!(findings[0]["file"], CLEANUP);
}

#[test]
fn fail_on_sets_which_severity_makes_the_exit_code_1() {
    let fleet = fleet_with("ALTER TABLE users RENAME COLUMN username TO login;\n");
    let out = fleet.line("lint -d user_service");
    out.expect_ok();
    out.expect_contains(&format!(
        "{CLEANUP}:1: warning rename-column: renames column username to login"
    ));
    fleet
        .line("lint -d user_service --fail-on error")
        .expect_ok();
    fleet
        .line("lint -d user_service --fail-on warning")
        .expect_code(1);
    fleet
        .line("lint -d user_service --fail-on nonsense")
        .expect_code(2);
    fleet.line("lint -d no_such_database").expect_code(2);
}

#[test]
fn an_allow_comment_silences_its_rule_only_with_a_reason() {
    let fleet = fleet_with(
        "-- dbfleet:allow drop-table profiles moved into users in release 4.2\nDROP TABLE user_profiles;\n",
    );
    let out = fleet.ok("lint -d user_service --fail-on warning");
    out.expect_contains("user_service on sqlite (user_service): no findings");

    fleet.write(
        CLEANUP,
        "DROP TABLE user_profiles; -- dbfleet:allow drop-table\n",
    );
    let out = fleet.line("lint -d user_service");
    out.expect_code(1);
    out.expect_contains(&format!("{CLEANUP}:1: warning allow-without-reason: `-- dbfleet:allow drop-table` gives no reason, so it silences nothing"));
    out.expect_contains(&format!("{CLEANUP}:1: error drop-table"));
}

#[test]
fn the_project_allow_list_silences_a_rule_everywhere() {
    let fleet = fleet_with("DROP TABLE user_profiles;\nDELETE FROM users;\n");
    fleet.append(CONFIG, "  lint_allow: [drop-table]\n");
    let out = fleet.line("lint -d user_service");
    out.expect_code(1);
    out.expect_contains(&format!("{CLEANUP}:2: error delete-without-where"));
    assert!(!out.stdout.contains("drop-table"), "{}", out.describe());
    // A name that is no rule is said, with the likely one.
    let typo = fleet.read(CONFIG).replace("[drop-table]", "[drop-tabel]");
    fleet.write(CONFIG, &typo);
    let out = fleet.line("lint -d user_service");
    out.expect_contains("warning: migrator.lint_allow: `drop-tabel` is no lint rule, so it silences nothing (did you mean `drop-table`?)");
    out.expect_contains(&format!("{CLEANUP}:1: error drop-table"));
}

#[test]
fn plan_and_dry_run_show_each_steps_findings_above_it() {
    let fleet = fleet_with("-- the old profiles go\nDROP TABLE user_profiles;\n");
    for line in ["plan -d user_service", "up -d user_service --dry-run"] {
        let out = fleet.ok(line);
        let text = &out.stdout;
        let lint = text
            .find("-- lint: line 2: error drop-table: drops table user_profiles")
            .unwrap_or_else(|| panic!("{}", out.describe()));
        let header = text.find("-- up user_service/005_cleanup").unwrap();
        assert!(
            lint < header,
            "the finding comes above its step\n{}",
            out.describe()
        );
        assert!(
            !text[..lint].contains("-- lint:"),
            "no finding on the demo's own steps\n{}",
            out.describe()
        );
    }
    let json = fleet.ok("plan -d user_service --format json").json();
    let steps = json[0]["steps"].as_array().unwrap();
    assert!(
        steps[..4]
            .iter()
            .all(|s| s["findings"].as_array().unwrap().is_empty())
    );
    assert_eq!(steps[4]["findings"][0]["rule"], "drop-table");
}

#[test]
fn lint_refuse_makes_an_error_finding_refuse_the_run_before_anything_runs() {
    let fleet = fleet_with("DROP TABLE user_profiles;\n");
    fleet.append(CONFIG, "  lint_refuse: error\n");
    let out = fleet.line("up -d user_service");
    out.expect_code(1);
    out.expect_contains("user_service/005_cleanup: migrator.lint_refuse refuses a run with lint findings at or above error: line 1: error drop-table");
    assert_eq!(fleet.status_of("user_service")["applied"], 0);
    // Silenced, it runs.
    fleet.write(
        CLEANUP,
        "-- dbfleet:allow drop-table profiles moved into users\nDROP TABLE user_profiles;\n",
    );
    fleet.ok("up -d user_service");
}

#[test]
fn the_examples_lint_with_only_the_findings_the_readme_explains() {
    let fleet = Fleet::new();
    let config = |name: &str| {
        common::repo_root()
            .join("examples")
            .join(name)
            .join("config.yaml")
            .display()
            .to_string()
    };
    let out = fleet.run(&["-c", &config("postgres"), "lint"]);
    out.expect_ok();
    out.expect_contains("6 sets linted: 0 errors, 2 warnings, 0 info");
    out.expect_contains("migrations/cloudphone_billing/004_add_user_device_sync_columns.up.sql:3: warning missing-lock-timeout");
    out.expect_contains("migrations/cloudphone_device/004_add_user_sync_columns.up.sql:3: warning missing-lock-timeout");
    let out = fleet.run(&["-c", &config("mariadb"), "lint"]);
    out.expect_ok();
    out.expect_contains("7 sets linted: 0 errors, 2 warnings, 4 info");
    out.expect_contains(
        "004_add_product_variants.mysql.up.sql:25: warning add-index: builds an index on inventory",
    );
}

#[test]
fn plan_says_how_large_a_rebuilt_sqlite_table_is_and_json_carries_it() {
    let fleet = Fleet::new();
    fleet.ok("up -d user_service");
    fleet.write(
        CLEANUP,
        "CREATE TABLE users_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n\
         INSERT INTO users_new (id, email) SELECT id, email FROM users;\n\
         DROP TABLE users;\n\
         ALTER TABLE users_new RENAME TO users;\n",
    );
    fleet.write(CLEANUP_DOWN, "-- dbfleet:empty\n");
    // SQLite keeps no row count, and `dbstat` counts pages: the size is in KiB.
    let out = fleet.ok("plan -d user_service");
    out.expect_contains("-- lint across the fleet: migrations/user_service/005_cleanup.up.sql:4 table-rebuild rebuilds users: ");
    out.expect_contains(" KiB on user_service\n");
    out.expect_contains("and check the recreated indexes and triggers) [users here: ");
    let json = fleet.ok("plan -d user_service --format json").json();
    let finding = &json[0]["steps"][0]["findings"][0];
    assert_eq!(
        finding["file"], CLEANUP,
        "relative, as in the text: {finding}"
    );
    assert_eq!(finding["affects"]["action"], "rebuilds");
    assert_eq!(finding["affects"]["table"], "users");
    assert_eq!(finding["affects"]["exists"], true);
    let bytes = finding["affects"]["size"]["bytes"].as_u64().unwrap();
    assert!(
        bytes >= 4096 && bytes.is_multiple_of(4096),
        "whole pages: {finding}"
    );
    // Offline, `lint` names the table and says no size.
    let lint = fleet.line("lint -d user_service --format json").json();
    let group = lint
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["set"] == "user_service")
        .unwrap();
    let offline = &group["findings"][0];
    assert_eq!(offline["affects"]["table"], "users");
    assert!(offline["affects"].get("size").is_none(), "{offline}");
}

#[test]
fn a_table_not_there_yet_has_no_size_and_no_fleet_line() {
    // The demo's users table is created by a migration not applied yet.
    let fleet = fleet_with(
        "CREATE TABLE users_new (id INTEGER PRIMARY KEY);\n\
         DROP TABLE users;\n\
         ALTER TABLE users_new RENAME TO users;\n",
    );
    let out = fleet.ok("plan -d user_service");
    assert!(
        !out.stdout.contains("lint across the fleet"),
        "{}",
        out.describe()
    );
    let json = fleet.ok("plan -d user_service --format json").json();
    let affects = &json[0]["steps"][4]["findings"][0]["affects"];
    // A database not created yet is not read at all; the table is not there either way.
    assert!(affects.get("size").is_none(), "{affects}");
}

#[test]
fn validate_reports_error_findings_and_those_lint_refuse_refuses_as_warnings() {
    let fleet = fleet_with("DROP TABLE user_profiles;\nALTER TABLE users RENAME TO accounts;\n");
    let out = fleet.ok("validate");
    out.expect_contains(&format!(
        "set user_service (sqlite): lint {CLEANUP}:1: error drop-table"
    ));
    // Only errors: the rename's warning is `dbfleet lint`'s to say.
    assert!(!out.all().contains("rename-table"), "{}", out.describe());
    let json = fleet.ok("validate --format json").json();
    let warnings = json["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w["message"].as_str().unwrap().contains("error drop-table")),
        "{json:#}"
    );
    assert!(json["problems"].as_array().unwrap().is_empty(), "{json:#}");

    // Offline, validate cannot know whether a database applied the migration already: a
    // finding lint_refuse would refuse stays a warning, saying so.
    fleet.append(CONFIG, "  lint_refuse: warning\n  lint_allow: [truncat]\n");
    let out = fleet.ok("validate");
    out.expect_contains("drop-table: drops table user_profiles");
    out.expect_contains(
        "warning rename-table: renames table users to accounts: the release still running queries the old name and fails",
    );
    out.expect_contains("migrator.lint_refuse refuses a run that has this migration pending");
    out.expect_contains(
        "`truncat` is no lint rule, so it silences nothing (did you mean `truncate`?)",
    );
}

#[test]
fn an_allow_comment_naming_no_rule_is_a_finding_in_lint_and_plan() {
    let fleet = fleet_with(
        "-- dbfleet:allow drop-tabel profiles moved into users\nDROP TABLE user_profiles;\n",
    );
    let out = fleet.line("lint -d user_service");
    out.expect_code(1);
    out.expect_contains(&format!("{CLEANUP}:1: warning allow-unknown-rule: `-- dbfleet:allow drop-tabel` names no lint rule, so it silences nothing (instead: did you mean `drop-table`?"));
    out.expect_contains(&format!("{CLEANUP}:2: error drop-table"));
    let plan = fleet.ok("plan -d user_service");
    plan.expect_contains("-- lint: line 1: warning allow-unknown-rule");
}
