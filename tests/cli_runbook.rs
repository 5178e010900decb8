//! The seed's runbook, verbatim, on a copy of the demo fleet; the shared `cross_service`
//! set; `status --check` and the JSON status; the run journal.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{Fleet, SERVICES, duplicate_keys, migration_rows};
use serde_json::Value;

fn database<'a>(statuses: &'a [Value], name: &str) -> &'a Value {
    statuses
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing from status: {statuses:#?}"))
}

fn set<'a>(db: &'a Value, set: &str) -> Option<&'a Value> {
    db["sets"].as_array()?.iter().find(|s| s["set"] == set)
}

/// Every selected database: no error, not dirty, nothing pending in its own set and in
/// cross_service.
#[track_caller]
fn assert_fleet_fully_migrated(statuses: &[Value], names: &[&str]) {
    for name in names {
        let db = database(statuses, name);
        assert_eq!(db["error"], Value::Null, "{name}: {db:#}");
        assert_eq!(db["dirty"], false, "{name}: {db:#}");
        for s in [*name, "cross_service"] {
            let set = set(db, s).unwrap_or_else(|| panic!("{name} has no set {s}: {db:#}"));
            assert_eq!(set["pending"], 0, "{name}, set {s}: {set:#}");
            assert!(
                set["applied"].as_u64().unwrap() > 0,
                "{name}, set {s}: {set:#}"
            );
        }
    }
}

#[test]
fn seed_runbook_runs_verbatim_and_leaves_the_fleet_fully_migrated() {
    let fleet = Fleet::new();

    // 1. 初始化所有微服务
    fleet.ok("up -d shared_service");
    assert_eq!(migration_rows(&fleet.db("shared_service")).len(), 3);
    fleet.ok("up --patterns=*_service");
    for db in SERVICES {
        let rows = migration_rows(&fleet.db(db));
        assert_eq!(
            rows.len(),
            fleet.migration_count(db),
            "{db} after `up --patterns=*_service`: {rows:?}"
        );
        assert!(
            rows.iter().all(|r| r.set == db && r.status == "applied"),
            "{rows:?}"
        );
    }

    // 2. 单个服务部署
    fleet.ok("up -d user_service");
    fleet.ok("up -d product_service");
    let status = fleet.ok("status -d user_service");
    let applied_line = status
        .stdout
        .lines()
        .find(|l| l.contains("user_service/004_add_oauth_providers"))
        .unwrap_or_else(|| panic!("no line for 004\n{}", status.describe()));
    assert!(applied_line.contains("applied"), "{applied_line}");
    assert!(
        !status.stdout.contains("product_service"),
        "status -d user_service shows only user_service\n{}",
        status.describe()
    );

    // 3. 服务组合部署
    fleet.ok("up --databases=user_service,product_service,order_service");
    fleet.ok("up --databases=message_service,analytics_service");

    // 4. 跨服务功能部署
    fleet.ok("up --patterns=*_service --directory=cross_service");
    for db in SERVICES {
        let cross: Vec<_> = migration_rows(&fleet.db(db))
            .into_iter()
            .filter(|r| r.set == "cross_service")
            .collect();
        assert_eq!(cross.len(), 2, "{db}: {cross:?}");
    }
    fleet.ok("up --databases=user_service,order_service --directory=cross_service");

    // 5. 服务依赖管理
    fleet.ok("up -d shared_service");
    fleet.ok("up --databases=user_service,product_service");
    fleet.ok("up --databases=order_service,message_service,analytics_service");

    // 故障排除 问题1
    fleet.ok("status --patterns=*_service");
    fleet.ok("up -d shared_service");
    fleet.ok("up -d user_service");
    fleet.ok("up -d order_service");

    // 故障排除 问题2: `status --patterns=*_service | grep -E "(distributed_locks|event_sourcing)"`
    let status = fleet.ok("status --patterns=*_service");
    for feature in ["distributed_locks", "event_sourcing"] {
        let lines: Vec<&str> = status
            .stdout
            .lines()
            .filter(|l| l.contains(feature))
            .collect();
        assert_eq!(
            lines.len(),
            SERVICES.len(),
            "one {feature} line per service database\n{}",
            status.describe()
        );
        for db in SERVICES {
            let mine: Vec<&&str> = lines
                .iter()
                .filter(|l| l.split_whitespace().next() == Some(db))
                .collect();
            assert_eq!(mine.len(), 1, "{db} / {feature}: {lines:#?}");
            assert!(mine[0].contains("applied"), "{db} / {feature}: {}", mine[0]);
        }
    }

    // CI: `up -d <service> --config=config-main.yaml` and `status ... --config=config-main.yaml`
    std::fs::copy(fleet.file("config.yaml"), fleet.file("config-main.yaml")).unwrap();
    fleet.ok("up -d user_service --config=config-main.yaml");
    let status = fleet.ok("status -d user_service --config=config-main.yaml");
    assert!(
        status.stdout.contains("user_service/001_create_users"),
        "{}",
        status.describe()
    );

    // 服务生命周期管理: a new service.
    let config = fleet.read("config.yaml");
    let config = config.replacen(
        "databases:\n",
        "databases:\n  payment_service:\n    database: data/payment_service.db\n    depends_on: [shared_service]\n",
        1,
    );
    assert!(
        config.contains("payment_service:"),
        "could not add the entry"
    );
    fleet.write("config.yaml", &config);
    std::fs::create_dir(fleet.file("migrations/payment_service")).unwrap();
    fleet.write(
        "migrations/payment_service/001_create_payment_methods.up.sql",
        "CREATE TABLE payment_methods (id INTEGER PRIMARY KEY, code VARCHAR(32) NOT NULL UNIQUE);\n",
    );
    fleet.write(
        "migrations/payment_service/001_create_payment_methods.down.sql",
        "DROP TABLE payment_methods;\n",
    );
    fleet.ok("up -d payment_service");
    fleet.ok("up -d payment_service --directory=cross_service");
    let payment = fleet.status_of("payment_service");
    assert_eq!(payment["error"], Value::Null, "{payment:#}");
    for s in ["payment_service", "cross_service"] {
        let set = set(&payment, s).unwrap_or_else(|| panic!("no set {s}: {payment:#}"));
        assert_eq!(set["pending"], 0, "payment_service, set {s}: {set:#}");
        assert!(set["applied"].as_u64().unwrap() >= 1, "{set:#}");
    }
    let rows = migration_rows(&fleet.db("payment_service"));
    assert_eq!(
        rows.iter().filter(|r| r.set == "payment_service").count(),
        1,
        "{rows:?}"
    );
    assert_eq!(
        rows.iter().filter(|r| r.set == "cross_service").count(),
        fleet.migration_count("cross_service"),
        "{rows:?}"
    );

    // Everything is migrated: nothing pending anywhere, nothing dirty.
    let statuses = fleet.status_json("");
    let mut all: Vec<&str> = SERVICES.to_vec();
    all.push("payment_service");
    assert_eq!(statuses.len(), all.len());
    for db in &statuses {
        assert_eq!(db["pending"], 0, "{db:#}");
        assert_eq!(db["dirty"], false, "{db:#}");
    }
    assert_fleet_fully_migrated(&statuses, &all);

    // 故障排除 问题3: a data-fix migration in a new `maintenance` set.
    let created = fleet.ok("create fix_data_consistency --directory=maintenance");
    for file in [
        "migrations/maintenance/001_fix_data_consistency.up.sql",
        "migrations/maintenance/001_fix_data_consistency.down.sql",
    ] {
        assert!(
            fleet.file(file).is_file(),
            "{file} missing\n{}",
            created.describe()
        );
    }

    // CI again, after the new set appeared.
    let status = fleet.ok("status -d user_service --config=config-main.yaml");
    assert!(
        status
            .stdout
            .contains("user_service/004_add_oauth_providers")
    );

    // The fleet stays clean: the only thing not applied is the migration just created.
    let statuses = fleet.status_json("");
    for db in &statuses {
        assert_eq!(db["dirty"], false, "{db:#}");
        assert_eq!(db["error"], Value::Null, "{db:#}");
        for s in db["sets"].as_array().unwrap() {
            if s["set"] != "maintenance" {
                assert_eq!(s["pending"], 0, "{}: {s:#}", db["name"]);
            }
        }
    }
    assert_fleet_fully_migrated(&statuses, &all);
}

#[test]
fn shared_set_lands_in_each_database_exactly_once_beside_its_own_version_1() {
    let fleet = Fleet::new();
    fleet.ok("up --patterns=*_service");
    let first = fleet.ok("up --patterns=*_service --directory=cross_service");
    assert!(
        first
            .stdout
            .contains("cross_service/001_add_distributed_locks")
    );

    for db in SERVICES {
        let rows = migration_rows(&fleet.db(db));
        let cross_v1: Vec<_> = rows
            .iter()
            .filter(|r| r.set == "cross_service" && r.version == 1)
            .collect();
        assert_eq!(cross_v1.len(), 1, "{db}: {rows:?}");
        assert_eq!(cross_v1[0].name, "add_distributed_locks");
        let own_v1: Vec<_> = rows
            .iter()
            .filter(|r| r.set == db && r.version == 1)
            .collect();
        assert_eq!(
            own_v1.len(),
            1,
            "{db}: its own version 1 is kept apart: {rows:?}"
        );
        let v1: Vec<_> = rows.iter().filter(|r| r.version == 1).collect();
        assert_eq!(
            v1.len(),
            2,
            "{db}: exactly the two version-1 rows: {rows:?}"
        );
        assert_eq!(
            rows.iter().filter(|r| r.set == "cross_service").count(),
            fleet.migration_count("cross_service"),
            "{db}: {rows:?}"
        );
        let tables = common::app_tables(&fleet.db(db));
        assert!(
            tables.contains(&"distributed_locks".to_owned()),
            "{db}: {tables:?}"
        );
    }

    let before: Vec<_> = SERVICES
        .iter()
        .map(|db| migration_rows(&fleet.db(db)))
        .collect();
    let again = fleet.ok("up --patterns=*_service --directory=cross_service");
    for db in SERVICES {
        let line = again
            .stdout
            .lines()
            .find(|l| l.trim_start_matches(['✓', ' ']).starts_with(db) && l.contains('['))
            .unwrap_or_else(|| panic!("no summary line for {db}\n{}", again.describe()));
        assert!(line.contains("up to date"), "{line}\n{}", again.describe());
    }
    assert!(
        !again.stdout.contains("step(s) to run"),
        "the second run applies nothing\n{}",
        again.describe()
    );
    let after: Vec<_> = SERVICES
        .iter()
        .map(|db| migration_rows(&fleet.db(db)))
        .collect();
    assert_eq!(before, after);
}

#[test]
fn status_check_fails_while_pending_and_passes_once_everything_is_applied() {
    let fleet = Fleet::new();
    let check = fleet.line("status --check");
    check.expect_code(3);
    assert!(check.stderr.contains("pending"), "{}", check.describe());

    fleet.ok("up --patterns=*_service");
    // Own sets done, cross_service still pending.
    fleet.line("status --check").expect_code(3);
    fleet.ok("up --patterns=*_service --directory=cross_service");
    let check = fleet.line("status --check");
    check.expect_ok();

    let statuses = fleet.status_json("");
    assert_eq!(statuses.len(), SERVICES.len());
    let user = database(&statuses, "user_service");
    assert_eq!(user["lock"], Value::Null, "{user:#}");
    assert_eq!(user["dirty"], false, "{user:#}");
    assert_eq!(user["error"], Value::Null, "{user:#}");
    assert_eq!(user["last_version"], "004", "{user:#}");
    assert_eq!(user["exists"], true, "{user:#}");
    assert_eq!(user["driver"], "sqlite", "{user:#}");
    assert_eq!(user["pending"], 0, "{user:#}");
    assert_eq!(user["drift"], serde_json::json!([]), "{user:#}");
    assert_eq!(
        user["tables"].as_u64(),
        Some(common::app_tables(&fleet.db("user_service")).len() as u64)
    );
    assert!(user["size_bytes"].as_u64().unwrap() > 0, "{user:#}");
}

#[test]
fn status_check_is_3_on_a_fresh_fleet_and_json_shows_nothing_created() {
    let fleet = Fleet::new();
    fleet.line("status --check -d user_service").expect_code(3);
    let user = fleet.status_of("user_service");
    assert_eq!(user["exists"], false, "{user:#}");
    assert_eq!(user["pending"].as_u64(), Some(4 + 2), "{user:#}");
    assert_eq!(user["last_version"], Value::Null, "{user:#}");
    assert!(
        fleet.database_files().is_empty(),
        "status created files: {:?}",
        fleet.database_files()
    );
}

#[test]
fn journal_records_each_run_as_parseable_lines_without_duplicate_keys() {
    let fleet = Fleet::new();
    fleet.ok("up --databases=shared_service,user_service");
    let text = fleet.read("data/journal.jsonl");
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 4, "{text}");

    let mut events = Vec::new();
    for line in &lines {
        let value: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("journal line is not JSON ({e}): {line}"));
        assert!(value.is_object(), "{line}");
        if let Err(e) = duplicate_keys(line) {
            panic!("journal line has a duplicate key ({e}): {line}");
        }
        events.push(value);
    }

    let started: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "run_started")
        .collect();
    assert_eq!(started.len(), 1, "{text}");
    let started = started[0];
    assert!(
        started["by"].as_str().is_some_and(|b| b.contains('@')),
        "{started:#}"
    );
    assert_eq!(
        started["databases"],
        serde_json::json!(["shared_service", "user_service"]),
        "{started:#}"
    );
    let run_id = started["run_id"]
        .as_str()
        .expect("run_started has a run_id");
    let raw_started = lines
        .iter()
        .find(|l| l.contains("\"run_started\""))
        .unwrap();
    assert_eq!(
        raw_started.matches("\"run_id\"").count(),
        1,
        "{raw_started}"
    );

    for db in ["shared_service", "user_service"] {
        let finished: Vec<&Value> = events
            .iter()
            .filter(|e| e["event"] == "finished" && e["database"] == db)
            .collect();
        assert_eq!(finished.len(), 1, "{db}: {text}");
        let f = finished[0];
        assert!(!f["outcome"].is_null(), "{f:#}");
        assert!(
            f["outcome"].to_string().contains("succeeded"),
            "{db} succeeded: {f:#}"
        );
        assert!(f["duration_ms"].as_u64().is_some(), "{f:#}");
        assert_eq!(f["run_id"], run_id, "every line names its run: {f:#}");
    }

    let finished: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "run_finished")
        .collect();
    assert_eq!(finished.len(), 1, "{text}");
    assert_eq!(finished[0]["run_id"], run_id);
    assert!(finished[0]["duration_ms"].as_u64().is_some());
    let last = events.last().unwrap();
    assert_eq!(last["event"], "run_finished", "run_finished closes the run");

    // A second run appends; the first run's lines stay.
    fleet.ok("up -d product_service");
    let again = fleet.read("data/journal.jsonl");
    assert!(again.starts_with(&text), "the journal is appended to");
    let runs = again
        .lines()
        .filter(|l| l.contains("\"run_started\""))
        .count();
    assert_eq!(runs, 2, "{again}");
    for line in again.lines().filter(|l| !l.trim().is_empty()) {
        duplicate_keys(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
}

#[test]
fn duplicate_key_checker_used_on_the_journal_catches_a_repeated_key() {
    assert!(duplicate_keys(r#"{"run_id":"a","event":"x","run_id":"a"}"#).is_err());
    assert!(duplicate_keys(r#"{"a":{"b":1,"b":2}}"#).is_err());
    assert!(duplicate_keys(r#"{"a":[{"b":1},{"b":2}],"outcome":{"outcome":"x"}}"#).is_ok());
}

/// `examples/ci/github-actions.yml`'s run steps, as `examples/ci/run-workflow-locally.sh`
/// plays them, on the demo fleet: validate, then per matrix job shared_service and the
/// job's service up, then `status --check` passes.
#[test]
fn the_example_workflow_runs_its_matrix_to_an_up_to_date_fleet() {
    let fleet = Fleet::new();
    let script = common::repo_root().join("examples/ci/run-workflow-locally.sh");
    let services = [
        "user_service",
        "product_service",
        "order_service",
        "message_service",
        "analytics_service",
    ];
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg("config.yaml")
        .args(services)
        .current_dir(fleet.path())
        .env("DBFLEET", env!("CARGO_BIN_EXE_dbfleet"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches("== job").count(), services.len(), "{stdout}");
    for db in services.iter().chain(["shared_service"].iter()) {
        let status = fleet.status_of(db);
        assert_eq!(status["sets"][0]["pending"], 0, "{db}: {status:#}");
        assert!(
            status["sets"][0]["migrations"][0]["applied_by"]
                .as_str()
                .unwrap()
                .starts_with("github-actions/local@"),
            "{status:#}"
        );
    }
}
