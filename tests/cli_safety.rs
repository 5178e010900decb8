//! What must never go wrong: down and up again give the same schema; a failing step
//! rolls back and blocks its dependents; a dry run changes nothing; drift is caught.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{Fleet, SERVICES, app_tables, migration_rows, on_a_terminal, schema};

/// A statement SQLite rejects with "syntax error".
const BROKEN_SQL: &str = "\nCREATE TABLE broken (id INTEGER,, name TEXT);\n";

/// The summary line (`✗ user_service  failed ...  [12 ms]`) of `db` in an `up`'s stdout.
#[track_caller]
fn summary_line<'a>(out: &'a common::Output, db: &str) -> &'a str {
    out.stdout
        .lines()
        .find(|l| {
            let rest = l.split_whitespace().collect::<Vec<_>>();
            rest.len() >= 2 && rest[1] == db && l.trim_end().ends_with("ms]")
        })
        .unwrap_or_else(|| panic!("no summary line for {db}\n{}", out.describe()))
}

#[test]
fn down_to_zero_leaves_no_tables_and_up_again_rebuilds_the_same_schema() {
    let fleet = Fleet::new();
    fleet.ok("up --patterns=*_service");
    fleet.ok("up --patterns=*_service --directory=cross_service");
    let first: Vec<_> = SERVICES.iter().map(|db| schema(&fleet.db(db))).collect();
    for (db, s) in SERVICES.iter().zip(&first) {
        assert!(!s.is_empty(), "{db} has a schema after up");
    }

    fleet.ok("down --patterns=*_service --directory=cross_service --to 0");
    for db in SERVICES {
        let tables = app_tables(&fleet.db(db));
        assert!(
            !tables.contains(&"distributed_locks".to_owned()),
            "{db}: {tables:?}"
        );
        assert!(
            migration_rows(&fleet.db(db))
                .iter()
                .all(|r| r.set != "cross_service"),
            "{db}"
        );
    }
    fleet.ok("down --patterns=*_service --to 0");
    for db in SERVICES {
        let path = fleet.db(db);
        assert_eq!(
            schema(&path),
            Vec::new(),
            "{db} has no application objects left"
        );
        assert_eq!(migration_rows(&path), Vec::new(), "{db} has no rows left");
    }

    fleet.ok("up --patterns=*_service");
    fleet.ok("up --patterns=*_service --directory=cross_service");
    let second: Vec<_> = SERVICES.iter().map(|db| schema(&fleet.db(db))).collect();
    for ((db, a), b) in SERVICES.iter().zip(&first).zip(&second) {
        assert_eq!(a, b, "{db}: the schema after down and up again differs");
    }
}

#[test]
fn down_reverts_one_step_by_default() {
    let fleet = Fleet::new();
    fleet.ok("up -d shared_service");
    fleet.ok("up -d user_service");
    fleet.ok("down -d user_service");
    let rows = migration_rows(&fleet.db("user_service"));
    let versions: Vec<u128> = rows.iter().map(|r| r.version).collect();
    assert_eq!(versions, vec![1, 2, 3], "{rows:?}");
    let user = fleet.status_of("user_service");
    assert_eq!(user["last_version"], "003", "{user:#}");
}

#[test]
fn failing_dependency_blocks_its_dependents_and_the_rest_finish() {
    let fleet = Fleet::new();
    fleet.append(
        "migrations/user_service/002_create_profiles.up.sql",
        BROKEN_SQL,
    );
    let out = fleet.line("up --patterns=*_service");
    out.expect_code(1);

    let user = summary_line(&out, "user_service");
    assert!(user.contains("failed"), "{user}\n{}", out.describe());
    assert!(
        user.contains("002_create_profiles"),
        "names the file: {user}"
    );
    assert!(
        user.contains("syntax error"),
        "SQLite's own message: {user}"
    );

    for db in ["order_service", "message_service", "analytics_service"] {
        let line = summary_line(&out, db);
        assert!(line.contains("blocked"), "{line}\n{}", out.describe());
        assert!(
            line.contains("user_service"),
            "says what blocked it: {line}"
        );
        let path = fleet.db(db);
        assert_eq!(app_tables(&path), Vec::<String>::new(), "{db} untouched");
        assert_eq!(migration_rows(&path), Vec::new(), "{db} untouched");
    }
    for db in ["shared_service", "product_service"] {
        let line = summary_line(&out, db);
        assert!(line.contains("succeeded"), "{line}\n{}", out.describe());
        assert_eq!(
            migration_rows(&fleet.db(db)).len(),
            fleet.migration_count(db),
            "{db}"
        );
    }

    // Each migration is its own transaction: 001 stays, 002 rolled back entirely.
    let path = fleet.db("user_service");
    let rows = migration_rows(&path);
    assert_eq!(
        rows.iter()
            .map(|r| (r.set.as_str(), r.version))
            .collect::<Vec<_>>(),
        vec![("user_service", 1)],
        "{rows:?}"
    );
    assert_eq!(rows[0].status, "applied");
    let tables = app_tables(&path);
    assert!(tables.contains(&"users".to_owned()), "{tables:?}");
    assert!(!tables.contains(&"user_profiles".to_owned()), "{tables:?}");
    assert!(!tables.contains(&"broken".to_owned()), "{tables:?}");
    let user = fleet.status_of("user_service");
    assert_eq!(
        user["dirty"], false,
        "a rolled-back step is not dirty: {user:#}"
    );
    assert_eq!(user["last_version"], "001", "{user:#}");
}

#[test]
fn broken_sql_fails_only_its_database_and_the_other_five_finish() {
    let fleet = Fleet::new();
    fleet.append(
        "migrations/analytics_service/002_create_metrics.sqlite.up.sql",
        BROKEN_SQL,
    );
    let out = fleet.line("up --patterns=*_service");
    out.expect_code(1);
    let line = summary_line(&out, "analytics_service");
    assert!(line.contains("failed"), "{line}");
    assert!(
        line.contains("002_create_metrics"),
        "names the file: {line}"
    );
    assert!(
        line.contains("syntax error"),
        "SQLite's own message: {line}"
    );

    for db in SERVICES.iter().filter(|d| **d != "analytics_service") {
        let line = summary_line(&out, db);
        assert!(line.contains("succeeded"), "{line}\n{}", out.describe());
        assert_eq!(
            migration_rows(&fleet.db(db)).len(),
            fleet.migration_count(db),
            "{db}"
        );
    }
    let rows = migration_rows(&fleet.db("analytics_service"));
    assert_eq!(
        rows.iter().map(|r| r.version).collect::<Vec<_>>(),
        vec![1],
        "{rows:?}"
    );
    assert!(!app_tables(&fleet.db("analytics_service")).contains(&"metrics".to_owned()));
}

#[test]
fn dry_run_plan_and_status_change_nothing_on_disk() {
    let fleet = Fleet::new();
    fleet.ok("up -d shared_service");
    let before = fleet.data_snapshot();
    assert!(before.keys().any(|p| p.ends_with("shared_service.db")));

    let dry = fleet.ok("up --patterns=*_service --dry-run");
    let plan = fleet.ok("plan --patterns=*_service");
    let down = fleet.ok("down -d shared_service --dry-run");
    fleet.ok("status");
    fleet.ok("status --format json");
    fleet.ok("plan --down -d shared_service --format json");

    let after = fleet.data_snapshot();
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "no file appeared or vanished under data/"
    );
    for (path, bytes) in &before {
        assert!(after[path] == *bytes, "{} changed", path.display());
    }

    for out in [&dry, &plan] {
        let text = &out.stdout;
        let user = text
            .find("-- user_service (")
            .unwrap_or_else(|| panic!("no user_service section\n{}", out.describe()));
        let rest = &text[user..];
        // Up to the next database's header.
        let end = SERVICES
            .iter()
            .filter(|db| **db != "user_service")
            .filter_map(|db| rest.find(&format!("\n-- {db} (")))
            .min()
            .unwrap_or(rest.len());
        let rest = &rest[..end];
        assert!(
            rest.contains("user_service/001_create_users"),
            "{}",
            out.describe()
        );
        assert!(rest.contains("CREATE TABLE users"), "{}", out.describe());
        assert!(
            rest.contains("INSERT INTO \"schema_migrations\""),
            "{}",
            out.describe()
        );
        let shared = text
            .lines()
            .find(|l| l.starts_with("-- shared_service ("))
            .unwrap_or_else(|| panic!("no shared_service section\n{}", out.describe()));
        assert!(
            shared.contains("nothing to up"),
            "shared_service is already migrated: {shared}"
        );
    }
    assert!(
        down.stdout.contains("shared_service/003_create_audit_logs"),
        "down plans the last step\n{}",
        down.describe()
    );
    assert!(
        down.stdout.contains("DELETE FROM \"schema_migrations\""),
        "{}",
        down.describe()
    );
    assert!(!fleet.db("user_service").exists());
}

#[test]
fn an_applied_migration_edited_on_disk_is_drift_and_blocks_up_until_allowed() {
    let fleet = Fleet::new();
    fleet.ok("up -d shared_service");
    fleet.ok("up -d user_service --to 2");
    fleet.line("status --check -d user_service").expect_code(3);

    fleet.append(
        "migrations/user_service/001_create_users.sqlite.up.sql",
        "\n-- edited after it was applied\n",
    );
    let user = fleet.status_of("user_service");
    let drift: Vec<&str> = user["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        drift
            .iter()
            .any(|d| d.contains("user_service/001_create_users")),
        "{user:#}"
    );
    assert_eq!(drift.len(), 1, "{drift:?}");

    let check = fleet.line("status --check -d user_service");
    check.expect_code(3);
    assert!(check.stderr.contains("drift"), "{}", check.describe());

    let refused = fleet.line("up -d user_service");
    refused.expect_code(1);
    let text = refused.all();
    assert!(
        text.contains("001_create_users")
            && (text.contains("checksum") || text.contains("changed")),
        "{}",
        refused.describe()
    );
    assert!(text.contains("--allow-drift"), "{}", refused.describe());
    let rows = migration_rows(&fleet.db("user_service"));
    assert_eq!(rows.len(), 2, "nothing ran: {rows:?}");

    let allowed = fleet.line("up -d user_service --allow-drift");
    allowed.expect_ok();
    let rows = migration_rows(&fleet.db("user_service"));
    assert_eq!(rows.len(), 4, "{rows:?}");
}

#[test]
fn down_tears_down_in_reverse_dependency_order() {
    let fleet = Fleet::new();
    fleet.ok("up --patterns=*_service");
    let down = fleet.ok("down --patterns=*_service --to 0");
    let lines: Vec<&str> = down.stdout.lines().collect();
    let position = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?}:\n{}", down.stdout))
    };
    // shared_service is what everyone depends on: it goes last, after its dependents.
    let shared_starts = position("shared_service: 3 step(s) to run");
    for dependent in ["user_service", "product_service", "order_service"] {
        let finished = position(&format!("{dependent}: ✓ succeeded"));
        assert!(
            finished < shared_starts,
            "{dependent} must be torn down before shared_service:\n{}",
            down.stdout
        );
    }
    let user_starts = position("user_service: 4 step(s) to run");
    assert!(
        position("order_service: ✓ succeeded") < user_starts,
        "{}",
        down.stdout
    );
    for db in common::SERVICES {
        assert!(
            common::app_tables(&fleet.db(db)).is_empty(),
            "{db} still has tables"
        );
    }
}

#[test]
fn a_backup_is_owner_only_and_not_locked_when_restored() {
    let fleet = Fleet::new();
    fleet.ok("up -d shared_service --steps 1");
    fleet.ok("up -d shared_service");
    let backups: Vec<_> = std::fs::read_dir(fleet.file("data/backups"))
        .expect("the backup folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    // The first up created the file: only the second had something to back up.
    assert_eq!(backups.len(), 1, "{backups:?}");
    for backup in &backups {
        let rows = common::query_text(backup, "SELECT count(*) FROM schema_migrations_lock");
        assert_eq!(rows, [[Some("0".to_owned())]], "{}", backup.display());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(backup).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode.ok(), Some(0o600), "{}", backup.display());
        }
    }
    // Restored, the database migrates on: no stale lock from the run that took the copy.
    let latest = backups.iter().max().cloned().unwrap_or_default();
    std::fs::copy(&latest, fleet.db("shared_service")).expect("restore");
    fleet.ok("up -d shared_service");
}

#[test]
fn an_intentional_edit_is_accepted_with_resolve_accept_drift() {
    let fleet = Fleet::new();
    fleet.ok("up -d shared_service");
    fleet.append(
        "migrations/shared_service/002_create_dictionaries.up.sql",
        "\n-- reworded comment, same schema\n",
    );
    let before = fleet.status_of("shared_service");
    assert_eq!(
        before["drift"].as_array().map(Vec::len),
        Some(1),
        "{before}"
    );

    fleet
        .ok("resolve -d shared_service --accept-drift")
        .expect_contains(
            "recorded the current checksums of shared_service/002_create_dictionaries",
        );
    let after = fleet.status_of("shared_service");
    assert_eq!(after["drift"].as_array().map(Vec::len), Some(0), "{after}");
    fleet.ok("down -d shared_service");
    fleet
        .ok("resolve -d shared_service --accept-drift")
        .expect_contains("no drift");
    let journal = fleet.read("data/journal.jsonl");
    assert!(journal.contains("\"checksum accepted\""), "{journal}");
}

#[test]
fn down_to_zero_reverts_a_migration_numbered_zero_too() {
    let fleet = Fleet::new();
    fleet.write(
        "migrations/shared_service/000_bootstrap.up.sql",
        "CREATE TABLE bootstrap (id INTEGER);\n",
    );
    fleet.write(
        "migrations/shared_service/000_bootstrap.down.sql",
        "DROP TABLE bootstrap;\n",
    );
    fleet.ok("up -d shared_service");
    assert!(app_tables(&fleet.db("shared_service")).contains(&"bootstrap".to_owned()));
    fleet.ok("down -d shared_service --to 0");
    assert_eq!(migration_rows(&fleet.db("shared_service")), Vec::new());
    assert_eq!(schema(&fleet.db("shared_service")), Vec::new());
}

#[test]
fn production_guards_a_down_and_an_up_over_several_databases_in_every_front() {
    let fleet = Fleet::new();
    fleet.ok("up -d shared_service");
    let config = fleet
        .read("config.yaml")
        .replace("environment: demo", "environment: production");
    fleet.write("config.yaml", &config);
    let before = fleet.data_snapshot();

    // Without a terminal: refused, nothing touched, unless --yes.
    for line in ["down -d shared_service", "up --patterns=*_service"] {
        fleet
            .line(line)
            .expect_code(2)
            .expect_contains("protected by environment: production")
            .expect_contains("there is no terminal to confirm it on; nothing was run");
    }
    assert!(
        fleet.data_snapshot() == before,
        "a refused run changed data/"
    );
    // An up on one database is not guarded; a dry run never is.
    fleet.ok("up -d user_service --dry-run");
    fleet.ok("down --patterns=*_service --to 0 --dry-run");

    // On a terminal: the count typed wrong stops, right goes on.
    let wrong = on_a_terminal(&fleet, "down -d shared_service", "2\n");
    assert!(wrong.contains("Type 1 to go on"), "{wrong}");
    assert!(wrong.contains("not confirmed"), "{wrong}");
    assert_eq!(migration_rows(&fleet.db("shared_service")).len(), 3);
    let right = on_a_terminal(&fleet, "down -d shared_service", "1\n");
    assert!(right.contains("succeeded, 1 step(s)"), "{right}");
    assert_eq!(migration_rows(&fleet.db("shared_service")).len(), 2);

    fleet
        .ok("down -d shared_service --yes")
        .expect_contains("succeeded, 1 step(s)");
    assert_eq!(migration_rows(&fleet.db("shared_service")).len(), 1);
}

#[test]
fn protect_patterns_guard_the_databases_they_name_outside_production() {
    let fleet = Fleet::new();
    fleet.append("config.yaml", "\nprotect: [\"order_*\"]\n");
    fleet.ok("up -d order_service");
    fleet.ok("up -d user_service");
    fleet
        .line("up --databases=user_service,order_service")
        .expect_code(2)
        .expect_contains("up on 2 database(s), 1 protected by protect: [order_*] (order_service)");
    fleet
        .line("down -d order_service")
        .expect_code(2)
        .expect_contains("protected by protect: [order_*]");
    fleet.ok("down -d user_service");
    fleet.line("status").expect_contains("order_service");
}

#[test]
fn applied_by_names_a_real_actor_without_user_and_the_override_when_set() {
    let fleet = Fleet::new();
    let out = fleet
        .command(&["up", "-d", "shared_service"])
        .env_remove("USER")
        .env_remove("USERNAME")
        .env_remove("LOGNAME")
        .env_remove("HOME")
        .output()
        .unwrap();
    assert!(out.status.success());
    let applied_by = |fleet: &Fleet| {
        fleet.status_of("shared_service")["sets"][0]["migrations"][0]["applied_by"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let who = applied_by(&fleet);
    assert!(!who.starts_with("unknown@"), "{who}");

    let fleet = Fleet::new();
    let out = fleet
        .command(&["up", "-d", "shared_service"])
        .env("DBFLEET_ACTOR", "deploy-bot")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        applied_by(&fleet).starts_with("deploy-bot@"),
        "{}",
        applied_by(&fleet)
    );
}

/// Outcome word of `db` in an `up`'s summary line (`✗ user_service  failed after ...`).
fn outcome_of(out: &common::Output, db: &str) -> String {
    summary_line(out, db)
        .split_whitespace()
        .skip(2)
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn max_failures_stops_starting_databases_and_says_which_never_started() {
    let fleet = Fleet::new();
    let config = fleet
        .read("config.yaml")
        .replace("migrator:\n", "migrator:\n  concurrency: 1\n");
    fleet.write("config.yaml", &config);
    for db in ["user_service", "product_service"] {
        fleet.write(&format!("migrations/{db}/009_broken.up.sql"), BROKEN_SQL);
    }
    let out = fleet.line("up --patterns=*_service --max-failures 1");
    out.expect_code(1);
    let outcomes: Vec<String> = ["user_service", "product_service"]
        .iter()
        .map(|db| outcome_of(&out, db))
        .collect();
    assert!(
        outcomes.contains(&"failed after".to_owned())
            && outcomes.contains(&"not started:".to_owned()),
        "{outcomes:?}\n{}",
        out.describe()
    );
    out.expect_contains("1 database(s) failed or were refused (--max-failures 1)");
    // The one never started is untouched: no migrations table was even created.
    let untouched = if outcomes[0] == "not started:" {
        "user_service"
    } else {
        "product_service"
    };
    assert!(
        migration_rows(&fleet.db(untouched)).is_empty(),
        "{untouched}"
    );
    fleet
        .line("up --patterns=*_service --max-failures 0")
        .expect_code(2);
}

#[test]
fn a_failing_canary_keeps_the_rest_of_the_fleet_untouched() {
    let fleet = Fleet::new();
    fleet.write("migrations/order_service/009_broken.up.sql", BROKEN_SQL);
    let out = fleet.line("up --patterns=*_service --canary order_service");
    out.expect_code(1);
    assert_eq!(outcome_of(&out, "order_service"), "failed after");
    // The canary's own dependencies ran first; everything else never started.
    for db in ["shared_service", "user_service", "product_service"] {
        assert!(
            summary_line(&out, db).contains("succeeded"),
            "{db}\n{}",
            out.describe()
        );
    }
    for db in ["message_service", "analytics_service"] {
        assert!(
            summary_line(&out, db)
                .contains("not started: the canary (order_service) did not go well"),
            "{db}\n{}",
            out.describe()
        );
        assert!(migration_rows(&fleet.db(db)).is_empty(), "{db}");
    }
    // A canary that goes well lets the rest run.
    std::fs::remove_file(fleet.file("migrations/order_service/009_broken.up.sql")).unwrap();
    let out = fleet.line("up --patterns=*_service --canary 1");
    out.expect_ok();
    fleet
        .line("up --patterns=*_service --canary nobody")
        .expect_code(2)
        .expect_contains("not among the selected databases");
    fleet
        .line("up -d user_service --canary 1")
        .expect_code(2)
        .expect_contains("a canary needs at least two selected databases");
}
