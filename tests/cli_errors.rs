//! Clear errors that touch nothing, one broken entry that hides nothing, and passwords
//! that never show.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{Fleet, SERVICES};
use serde_json::Value;

/// Adds `entry` (indented YAML lines) under `databases:` of the fleet's config.
fn add_database(fleet: &Fleet, entry: &str) {
    let config = fleet.read("config.yaml");
    assert!(config.contains("\ndatabases:\n"));
    fleet.write(
        "config.yaml",
        &config.replacen("\ndatabases:\n", &format!("\ndatabases:\n{entry}"), 1),
    );
}

#[track_caller]
fn assert_no_database_touched(fleet: &Fleet) {
    assert_eq!(
        fleet.database_files(),
        Vec::<String>::new(),
        "no database file may be created"
    );
}

#[test]
fn unset_variable_breaks_only_its_database_and_names_the_variable() {
    let fleet = Fleet::new();
    add_database(
        &fleet,
        "  ghost_service:\n    database: ${DBFLEET_TEST_UNSET_VAR}\n",
    );

    let status = fleet.line("status --format json");
    status.expect_ok();
    let doc = status.json();
    let dbs = doc["databases"].as_array().unwrap();
    assert_eq!(
        dbs.len(),
        SERVICES.len() + 1,
        "the rest of the fleet still shows"
    );
    let ghost = dbs.iter().find(|d| d["name"] == "ghost_service").unwrap();
    let error = ghost["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{ghost:#}"));
    assert!(error.contains("DBFLEET_TEST_UNSET_VAR"), "{error}");
    assert!(
        error.contains("ghost_service"),
        "names the database: {error}"
    );
    for db in SERVICES {
        let d = dbs.iter().find(|d| d["name"] == db).unwrap();
        assert_eq!(d["error"], Value::Null, "{d:#}");
    }

    let text = fleet.line("status");
    text.expect_ok();
    assert!(
        text.stdout.contains("DBFLEET_TEST_UNSET_VAR"),
        "{}",
        text.describe()
    );
    for db in SERVICES {
        assert!(
            text.stdout.contains(db),
            "{db} still shows\n{}",
            text.describe()
        );
    }
    fleet.line("status --check").expect_code(3);

    let up = fleet.line("up -d ghost_service");
    assert!(
        up.code == 1 || up.code == 2,
        "misconfigured database refused\n{}",
        up.describe()
    );
    assert!(
        up.all().contains("DBFLEET_TEST_UNSET_VAR"),
        "{}",
        up.describe()
    );
    assert_no_database_touched(&fleet);

    // The rest of the fleet works.
    fleet.ok("up -d shared_service");
    assert!(fleet.db("shared_service").exists());
}

#[test]
fn malformed_yaml_reports_file_and_line_and_touches_nothing() {
    let fleet = Fleet::new();
    fleet.write(
        "config.yaml",
        "database:\n  driver: sqlite\ndatabases:\n  a: [unclosed\n  b: {\n",
    );
    for line in ["status", "up -d a", "up --patterns=*"] {
        let out = fleet.line(line);
        out.expect_code(2);
        assert!(out.stderr.contains("config.yaml"), "{}", out.describe());
        assert!(out.stderr.contains("line"), "{}", out.describe());
    }
    assert_no_database_touched(&fleet);
}

#[test]
fn unknown_database_exits_2_and_lists_the_configured_ones() {
    let fleet = Fleet::new();
    let out = fleet.line("up -d nope");
    out.expect_code(2);
    assert!(out.stderr.contains("nope"), "{}", out.describe());
    for db in SERVICES {
        assert!(out.stderr.contains(db), "lists {db}\n{}", out.describe());
    }
    fleet
        .line("up --databases=user_service,nope")
        .expect_code(2);
    fleet.line("status -d nope").expect_code(2);
    assert_no_database_touched(&fleet);
}

#[test]
fn an_operator_error_is_a_report_with_its_causes_and_a_suggestion_never_a_backtrace() {
    let fleet = Fleet::new();
    let out = fleet.run_with_env(&["up", "-d", "user_servce"], &[("RUST_BACKTRACE", "1")]);
    out.expect_code(2);
    assert!(
        out.stderr.starts_with(
            "error:\n   0: unknown database `user_servce` (did you mean `user_service`?)"
        ),
        "{}",
        out.describe()
    );
    assert!(out.stderr.contains("\nSuggestion: "), "{}", out.describe());
    assert!(!out.stderr.contains("BACKTRACE"), "{}", out.describe());

    // The cause beneath the error, once: not repeated in its words.
    let out = fleet.line("status --config=nope.yaml");
    out.expect_code(2);
    assert!(
        out.stderr
            .contains("   0: cannot read config file nope.yaml\n   1: No such file or directory"),
        "{}",
        out.describe()
    );
    assert_eq!(
        out.stderr.matches("No such file").count(),
        1,
        "{}",
        out.describe()
    );
    assert_no_database_touched(&fleet);
}

#[test]
fn pattern_matching_nothing_exits_2_and_lists_what_exists() {
    let fleet = Fleet::new();
    let out = fleet.line("up --patterns=zzz_*");
    out.expect_code(2);
    assert!(out.stderr.contains("zzz_*"), "{}", out.describe());
    for db in SERVICES {
        assert!(out.stderr.contains(db), "lists {db}\n{}", out.describe());
    }
    assert_no_database_touched(&fleet);
}

#[test]
fn unknown_directory_exits_2_and_lists_the_sets() {
    let fleet = Fleet::new();
    let out = fleet.line("up --patterns=*_service --directory=no_such_set");
    out.expect_code(2);
    assert!(out.stderr.contains("no_such_set"), "{}", out.describe());
    assert!(
        out.stderr.contains("cross_service"),
        "lists the sets\n{}",
        out.describe()
    );
    assert_no_database_touched(&fleet);
}

#[test]
fn typo_in_migrator_exits_2_and_names_the_key() {
    let fleet = Fleet::new();
    let config = fleet.read("config.yaml");
    assert!(config.contains("migrations_table:"));
    fleet.write(
        "config.yaml",
        &config.replacen("migrations_table:", "migrations_tabel:", 1),
    );
    for line in ["status", "up --patterns=*_service"] {
        let out = fleet.line(line);
        out.expect_code(2);
        assert!(
            out.stderr.contains("migrations_tabel"),
            "{}",
            out.describe()
        );
        assert!(out.stderr.contains("config.yaml"), "{}", out.describe());
    }
    assert_no_database_touched(&fleet);
}

#[test]
fn a_mistyped_migrations_dir_is_an_error_not_an_up_to_date_fleet() {
    let fleet = Fleet::new();
    let config = fleet.read("config.yaml");
    fleet.write(
        "config.yaml",
        &config.replacen("migrations_dir: migrations", "migrations_dir: migratons", 1),
    );
    for line in ["status", "up --patterns=*_service", "plan"] {
        fleet
            .line(line)
            .expect_code(2)
            .expect_contains("migratons does not exist");
    }
    assert_no_database_touched(&fleet);

    // `create` starts the folder a new project does not have yet.
    fleet.ok("create add_users -d user_service");
    assert!(
        fleet
            .file("migratons/user_service/001_add_users.up.sql")
            .exists()
    );
}

const PW: &str = "Sup3rS3cret!";

/// Runs each line with `DBFLEET_TEST_PW` set; asserts none of the outputs, the journal,
/// the backups or any file name under the fleet holds the password.
fn assert_password_never_shows(fleet: &Fleet, lines: &[&str]) -> Vec<common::Output> {
    let env = [("DBFLEET_TEST_PW", PW)];
    let mut outputs = Vec::new();
    for line in lines {
        let args: Vec<&str> = line.split_whitespace().collect();
        outputs.push(fleet.run_with_env(&args, &env));
    }
    for out in &outputs {
        assert!(
            !out.all().contains(PW),
            "the password leaked\n{}",
            out.describe()
        );
    }
    let journal = fleet.file("data/journal.jsonl");
    if journal.exists() {
        let text = std::fs::read_to_string(journal).unwrap();
        assert!(
            !text.contains(PW),
            "the password leaked into the journal:\n{text}"
        );
    }
    fn walk(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            found.push(path.clone());
            if path.is_dir() {
                walk(&path, found);
            }
        }
    }
    let mut files = Vec::new();
    walk(fleet.path(), &mut files);
    for path in files {
        assert!(
            !path.display().to_string().contains(PW),
            "a file name holds the password: {}",
            path.display()
        );
        if path.is_file() && !path.starts_with(fleet.file("migrations")) {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(PW),
                "{} holds the password",
                path.display()
            );
        }
    }
    outputs
}

#[test]
fn mysql_password_never_appears_in_output_or_journal() {
    let fleet = Fleet::new();
    add_database(
        &fleet,
        "  paymysql_service:\n    driver: mysql\n    host: 127.0.0.1\n    port: 1\n    username: payer\n    password: ${DBFLEET_TEST_PW}\n    database: pay_db\n",
    );
    let outputs = assert_password_never_shows(
        &fleet,
        &[
            "status",
            "status --format json",
            "status -d paymysql_service --check",
            "up -d paymysql_service",
            "up -d paymysql_service --directory=cross_service",
            "up --databases=paymysql_service,shared_service --format json",
            "plan -d paymysql_service",
            "plan -d paymysql_service --format json",
            "down -d paymysql_service",
            "unlock -d paymysql_service",
        ],
    );
    // With every log line on, too.
    let traced = fleet.run_with_env(
        &["up", "-d", "paymysql_service"],
        &[("DBFLEET_TEST_PW", PW), ("DBFLEET_LOG", "trace")],
    );
    assert!(
        !traced.all().contains(PW),
        "the password leaked\n{}",
        traced.describe()
    );

    // The database shows, with a clear per-database error, and the rest works.
    let status = &outputs[1];
    status.expect_ok();
    let doc = status.json();
    let pay = doc["databases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "paymysql_service")
        .unwrap_or_else(|| panic!("{doc:#}"))
        .clone();
    assert_eq!(pay["driver"], "mysql", "{pay:#}");
    assert!(
        pay["server"].as_str().unwrap().contains("127.0.0.1"),
        "{pay:#}"
    );
    assert!(pay["error"].is_string(), "unreachable: {pay:#}");
    outputs[2].expect_code(3);
    let up = &outputs[4];
    assert_eq!(up.code, 1, "nothing listens on port 1\n{}", up.describe());
    assert!(up.stdout.contains("paymysql_service"), "{}", up.describe());
    assert!(
        fleet.db("shared_service").exists(),
        "the rest of the fleet works"
    );
}

#[test]
fn mysql_url_under_sqlite_defaults_neither_leaks_its_password_nor_becomes_a_sqlite_file() {
    // The demo config's defaults say `driver: sqlite`; this entry gives a MySQL URL.
    let fleet = Fleet::new();
    add_database(
        &fleet,
        "  payurl_service:\n    url: mysql://payer:${DBFLEET_TEST_PW}@127.0.0.1:1/pay_db\n",
    );
    let outputs = assert_password_never_shows(
        &fleet,
        &[
            "status",
            "status --format json",
            "status -d payurl_service",
            "plan -d payurl_service --directory=cross_service",
            "up -d payurl_service --directory=cross_service",
            "status -d payurl_service --format json",
        ],
    );
    let doc = outputs[1].json();
    let pay = doc["databases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "payurl_service")
        .unwrap_or_else(|| panic!("{doc:#}"))
        .clone();
    assert!(
        pay["driver"] == "mysql" || pay["error"].is_string(),
        "a mysql:// URL is MySQL (or a clear conflict), not a SQLite file path: {pay:#}"
    );
}

#[test]
fn another_tools_migrations_table_is_named_not_reported_unreachable() {
    let fleet = Fleet::new();
    std::fs::create_dir_all(fleet.file("data")).expect("data folder");
    // golang-migrate's table, under the name the seed's config also uses.
    let made = std::process::Command::new("sqlite3")
        .arg(fleet.db("user_service"))
        .arg("CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)")
        .output()
        .expect("the sqlite3 shell");
    assert!(made.status.success(), "{made:?}");
    // Named as golang-migrate's, with the setting that lets dbfleet's table sit beside it.
    let out = fleet.line("status -d user_service");
    out.expect_contains("managed by golang-migrate (nothing applied, table schema_migrations)")
        .expect_contains("migrator.migrations_table: dbfleet_migrations");
    fleet
        .line("up -d user_service")
        .expect_code(1)
        .expect_contains("managed by golang-migrate")
        .expect_contains("migrator.migrations_table: dbfleet_migrations");
}

#[test]
fn a_wrong_default_database_fails_only_the_commands_that_fall_back_on_it() {
    let fleet = Fleet::new();
    let config = fleet.read("config.yaml");
    fleet.write(
        "config.yaml",
        &config.replacen(
            "default_database: shared_service",
            "default_database: shared_servce",
            1,
        ),
    );
    fleet.ok("status --short");
    fleet
        .line("up")
        .expect_code(2)
        .expect_contains("config.yaml:")
        .expect_contains("`shared_servce` is not a configured database");
    fleet.ok("up -d shared_service");
}

#[test]
fn a_duplicate_version_marks_the_database_as_a_set_problem_not_pending() {
    let fleet = Fleet::new();
    fleet.write(
        "migrations/order_service/002_duplicate.up.sql",
        "CREATE TABLE dup (id INTEGER);\n",
    );
    let out = fleet.line("status --short -d order_service");
    out.expect_ok().expect_contains("✗ set problem");
    fleet
        .line("status --check -d order_service")
        .expect_code(3)
        .expect_contains("duplicate");
    fleet
        .line("up -d order_service")
        .expect_code(1)
        .expect_contains("002_duplicate");
}
