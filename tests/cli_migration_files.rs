//! What the migration files themselves may hold and be called (issue 8): transaction
//! control, empty files, versions, names. Each case runs the real binary on a copy of the
//! demo fleet and checks the exit code, the message, and that nothing else changed; the
//! server cases at the end need `DBFLEET_TEST_POSTGRES_URL` / `DBFLEET_TEST_MYSQL_URL`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;
mod servers;

use common::{Fleet, MigrationRow, Output, app_tables, lock_rows, migration_rows, schema};
use servers::Engine::{self, Mysql, Postgres};

/// Everything a run could have changed in one database: its schema, its migration rows
/// and its lock rows; and its backups taken so far.
#[derive(Debug, PartialEq)]
struct Snapshot {
    schema: Vec<(String, String, String, Option<String>)>,
    rows: Vec<MigrationRow>,
    locks: Vec<Vec<Option<String>>>,
    backups: Vec<String>,
}

fn snapshot(fleet: &Fleet, db: &str) -> Snapshot {
    let path = fleet.db(db);
    let mut backups: Vec<String> = std::fs::read_dir(fleet.file("data/backups"))
        .map(|entries| {
            entries
                .filter_map(std::result::Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with(&format!("{db}-")))
                .collect()
        })
        .unwrap_or_default();
    backups.sort();
    Snapshot {
        schema: schema(&path),
        rows: migration_rows(&path),
        locks: lock_rows(&path),
        backups,
    }
}

#[track_caller]
fn expect_all(out: &Output, needles: &[&str]) {
    for needle in needles {
        out.expect_contains(needle);
    }
}

#[track_caller]
fn assert_unchanged(fleet: &Fleet, db: &str, before: &Snapshot) {
    assert_eq!(&snapshot(fleet, db), before, "{db} changed");
}

const TX_FILE: &str = "migrations/shared_service/004_tx.up.sql";
const UNDO_FILE: &str = "migrations/shared_service/005_undo.up.sql";

#[test]
fn a_migration_that_controls_the_transaction_is_refused_with_file_and_line() {
    let fleet = Fleet::new();
    fleet.ok("up -d shared_service");
    fleet.ok("up -d user_service");
    let before = snapshot(&fleet, "shared_service");
    // The two files: a COMMIT that would keep `a` after a failure, and a ROLLBACK
    // that would record the step applied without `c`.
    fleet.write(
        TX_FILE,
        "BEGIN;\nCREATE TABLE a (x INT);\nCOMMIT;\nCREATE TABLE b (x INT);\nINSERT INTO nosuch VALUES (1);\n",
    );
    fleet.write(
        UNDO_FILE,
        "CREATE TABLE c (x INT);\nROLLBACK;\nCREATE TABLE d (x INT);\n",
    );
    let why = [
        "migrations/shared_service/004_tx.up.sql:1: `BEGIN` opens a transaction, and a migration may not control transactions",
        "migrations/shared_service/004_tx.up.sql:3: `COMMIT` commits the transaction",
        "migrations/shared_service/005_undo.up.sql:2: `ROLLBACK` rolls back the transaction",
        "dbfleet runs each migration in one transaction together with its bookkeeping row",
        "Remove the statement (for statements that cannot run inside a transaction, put the line `-- dbfleet:no-transaction` in the file instead)",
    ];

    let plan = fleet.line("plan -d shared_service");
    plan.expect_code(1).expect_contains("REFUSED");
    expect_all(&plan, &why);
    let up = fleet.line("up -d shared_service");
    up.expect_code(1).expect_contains("refused");
    expect_all(&up, &why);
    let status = fleet.ok("status -d shared_service");
    expect_all(&status, &["✗ set problem", why[0]]);
    fleet
        .line("status --check -d shared_service")
        .expect_code(3)
        .expect_contains("004_tx.up.sql:3: `COMMIT`");
    assert_unchanged(&fleet, "shared_service", &before);

    // The problem is the set's: another database's own set still runs.
    fleet.write(
        "migrations/user_service/005_notes.up.sql",
        "CREATE TABLE notes (x INT);\n",
    );
    fleet.ok("up -d user_service");
    assert!(app_tables(&fleet.db("user_service")).contains(&"notes".to_owned()));

    // Under `-- dbfleet:no-transaction` too: its bookkeeping is statement by statement.
    fleet.write(
        TX_FILE,
        "-- dbfleet:no-transaction\nCREATE TABLE a (x INT);\nCOMMIT;\n",
    );
    std::fs::remove_file(fleet.file(UNDO_FILE)).unwrap();
    fleet
        .line("up -d shared_service")
        .expect_code(1)
        .expect_contains("004_tx.up.sql:3: `COMMIT` commits the transaction")
        .expect_contains("under `-- dbfleet:no-transaction`");
    assert_unchanged(&fleet, "shared_service", &before);

    // BEGIN ... END of a trigger, END of a CASE and `commit` as a name are no transaction
    // control; without the COMMIT, a failure rolls the whole file back.
    fleet.write(
        TX_FILE,
        "CREATE TABLE a (x INT, commit_at TEXT);\nCREATE TRIGGER a_stamp AFTER INSERT ON a\nBEGIN\n  UPDATE a SET commit_at = CASE WHEN new.x > 0 THEN 'now' END WHERE x = new.x;\nEND;\nCREATE TABLE b (x INT);\nINSERT INTO nosuch VALUES (1);\n",
    );
    fleet
        .line("up -d shared_service")
        .expect_code(1)
        .expect_contains("004_tx.up.sql line 7 (statement 4 of 4)")
        .expect_contains("no such table: nosuch");
    // The run got as far as its backup: the database itself is as it was.
    let after = snapshot(&fleet, "shared_service");
    assert_eq!(after.backups.len(), before.backups.len() + 1);
    assert_eq!(
        Snapshot {
            backups: before.backups.clone(),
            ..after
        },
        before
    );
    fleet.write(
        TX_FILE,
        "CREATE TABLE a (x INT, commit_at TEXT);\nCREATE TRIGGER a_stamp AFTER INSERT ON a\nBEGIN\n  UPDATE a SET commit_at = CASE WHEN new.x > 0 THEN 'now' END WHERE x = new.x;\nEND;\n",
    );
    fleet.ok("up -d shared_service");
    assert!(app_tables(&fleet.db("shared_service")).contains(&"a".to_owned()));
}

#[test]
fn an_empty_down_is_irreversible_and_an_empty_up_is_a_warning() {
    let fleet = Fleet::new();
    fleet.ok("up -d shared_service");
    // What `create` writes: comments only, up and down.
    fleet.ok("create add_flags -d shared_service");
    let up_file = "migrations/shared_service/004_add_flags.up.sql";
    let down_file = "migrations/shared_service/004_add_flags.down.sql";
    let plan = fleet.ok("plan -d shared_service");
    expect_all(
        &plan,
        &[
            "-- warning: shared_service: shared_service/004_add_flags: 004_add_flags.up.sql has no statements (it is empty or only comments): up would record the migration as applied and change nothing",
            "-- warning: shared_service: shared_service/004_add_flags: 004_add_flags.down.sql has no statements, so down will refuse the migration as irreversible. Write the revert, or add the line `-- dbfleet:empty` if there is nothing to undo",
        ],
    );
    let status = fleet.ok("status -d shared_service");
    assert!(
        status
            .stdout
            .lines()
            .any(|l| l.contains("shared_service/004_add_flags") && l.ends_with("pending (no down)")),
        "{}",
        status.describe()
    );

    // Only the up written, as the issue has it: applied, and then down refuses it.
    fleet.write(up_file, "CREATE TABLE flags (name TEXT);\n");
    let plan = fleet.ok("plan -d shared_service");
    assert!(
        !plan
            .stdout
            .contains("004_add_flags.up.sql has no statements")
    );
    plan.expect_contains("004_add_flags.down.sql has no statements");
    fleet.ok("up -d shared_service");
    let migration = |fleet: &Fleet| {
        let status = fleet.status_of("shared_service");
        status["sets"][0]["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == "shared_service/004_add_flags")
            .cloned()
            .unwrap()
    };
    assert_eq!(migration(&fleet)["reversible"], false);
    let before = snapshot(&fleet, "shared_service");
    let why = "shared_service/004_add_flags: 004_add_flags.down.sql has no statements, so the migration is irreversible and down stops before it. Write the revert, or add the line `-- dbfleet:empty` to the file if there is nothing to undo";
    for down in ["", "-- todo\n\n/* later */\n"] {
        fleet.write(down_file, down);
        fleet
            .line("plan --down -d shared_service")
            .expect_code(1)
            .expect_contains(why);
        fleet
            .line("down -d shared_service")
            .expect_code(1)
            .expect_contains("refused")
            .expect_contains(why);
        assert_unchanged(&fleet, "shared_service", &before);
    }

    // A written down reverts; a down marked empty on purpose reverts by the row alone.
    fleet.write(down_file, "DROP TABLE flags;\n");
    fleet.ok("down -d shared_service");
    assert!(!app_tables(&fleet.db("shared_service")).contains(&"flags".to_owned()));
    fleet.ok("up -d shared_service");
    fleet.write(
        "migrations/shared_service/005_keep_notes.up.sql",
        "CREATE TABLE IF NOT EXISTS notes (x TEXT);\n",
    );
    fleet.write(
        "migrations/shared_service/005_keep_notes.down.sql",
        "-- notes stay: other services write to them\n-- dbfleet:empty\n",
    );
    let plan = fleet.ok("plan -d shared_service");
    assert!(!plan.stdout.contains("warning"), "{}", plan.describe());
    fleet.ok("up -d shared_service");
    fleet.ok("down -d shared_service");
    let rows = migration_rows(&fleet.db("shared_service"));
    assert_eq!(rows.last().map(|r| r.version), Some(4), "{rows:?}");
    assert!(app_tables(&fleet.db("shared_service")).contains(&"notes".to_owned()));
    fleet.ok("up -d shared_service");
}

#[test]
fn versions_of_any_length_run_and_are_recorded_exactly() {
    let fleet = Fleet::new();
    fleet.ok("up -d shared_service");
    // pop's 20-digit versions, beyond any 64-bit integer: pending, applied, read back
    // exactly, reverted.
    let wide = "20210101000000000001";
    fleet.write(
        &format!("migrations/shared_service/{wide}_far.up.sql"),
        "CREATE TABLE far (x INT);\n",
    );
    fleet.write(
        &format!("migrations/shared_service/{wide}_far.down.sql"),
        "DROP TABLE far;\n",
    );
    let state = |fleet: &Fleet| {
        let status = fleet.status_of("shared_service");
        let last = status["sets"][0]["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == "far")
            .cloned()
            .unwrap();
        assert_eq!(last["version"], wide, "{last:#}");
        last["state"].clone()
    };
    assert_eq!(state(&fleet), "pending");
    fleet.ok("up -d shared_service");
    assert_eq!(state(&fleet), "applied");
    let rows = migration_rows(&fleet.db("shared_service"));
    assert_eq!(
        rows.last().map(|r| r.version),
        Some(wide.parse::<u128>().unwrap()),
        "{rows:?}"
    );
    assert!(app_tables(&fleet.db("shared_service")).contains(&"far".to_owned()));
    fleet
        .ok(&format!(
            "down -d shared_service --to {}",
            20210101000000000000u128
        ))
        .expect_contains("far");
    assert_eq!(state(&fleet), "pending");
    assert!(!app_tables(&fleet.db("shared_service")).contains(&"far".to_owned()));
}

#[test]
fn misnamed_migration_files_are_reported_not_ignored() {
    let fleet = Fleet::new();
    // A normal folder (README-free, set.yaml beside a shared set) says nothing.
    for line in [
        "status",
        "plan --patterns=*_service",
        "up -d shared_service",
        "up -d user_service --directory=cross_service",
    ] {
        let out = fleet.ok(line);
        assert!(!out.all().contains("warning"), "{}", out.describe());
    }
    let before = snapshot(&fleet, "shared_service");
    fleet.write(
        "migrations/shared_service/004_flags.up.SQL",
        "CREATE TABLE flags (x INT);\n",
    );
    fleet.write(
        "migrations/shared_service/005_more.up.sql ",
        "CREATE TABLE more (x INT);\n",
    );
    fleet.write(
        "migrations/shared_service/old/000_first.up.sql",
        "SELECT 1;\n",
    );
    fleet.write("migrations/004_flags.up.sql", "SELECT 1;\n");
    fleet.write("migrations/shared_service/README.md", "notes\n");
    fleet.write("migrations/shared_service/.gitkeep", "");
    let warnings = [
        "migration set shared_service: migrations/shared_service/004_flags.up.SQL: not read: to be a migration, `004_flags.up.SQL` must be named exactly `004_flags.up.sql`",
        "migration set shared_service: migrations/shared_service/005_more.up.sql : not read: to be a migration, `005_more.up.sql ` must be named exactly `005_more.up.sql`",
        "migration set shared_service: migrations/shared_service/old: not read: a set's migrations are the files directly in its folder",
        "migrations/004_flags.up.sql: not read: migrations live in a set's folder",
    ];
    // Warnings, not refusals: plan shows them in the plan, the other commands on stderr.
    let plan = fleet.ok("plan -d shared_service");
    plan.expect_contains("nothing to up");
    for warning in warnings {
        assert!(
            plan.stdout.contains(&format!("-- warning: {warning}")),
            "{warning}\n{}",
            plan.describe()
        );
    }
    for line in ["status -d shared_service", "up -d shared_service"] {
        let out = fleet.ok(line);
        for warning in warnings {
            assert!(
                out.stderr.contains(&format!("warning: {warning}")),
                "{warning}\n{}",
                out.describe()
            );
        }
    }
    let json = fleet.ok("plan -d shared_service --format json");
    json.json();
    assert!(json.stderr.contains(warnings[0]), "{}", json.describe());
    assert_unchanged(&fleet, "shared_service", &before);
    // Only the sets in play: user_service's own set has nothing to say.
    let other = fleet.ok("plan -d user_service");
    assert!(!other.stdout.contains("migration set shared_service"));

    // `.sql` files that are not migration names stop the set, naming what to call them.
    fleet.write("migrations/shared_service/006_x.UP.sql", "SELECT 1;\n");
    fleet.write("migrations/shared_service/007_y.sql", "SELECT 1;\n");
    fleet.write("migrations/shared_service/008_z.down.sql", "SELECT 1;\n");
    let plan = fleet.line("plan -d shared_service");
    plan.expect_code(1);
    expect_all(
        &plan,
        &[
            "migrations/shared_service/006_x.UP.sql: not a migration file name: rename it to `006_x.up.sql`",
            "migrations/shared_service/007_y.sql: not a migration file name: a migration file names its direction: `007_y.up.sql` (and `007_y.down.sql` to revert it)",
            "shared_service/008_z: has a .down.sql but no .up.sql",
        ],
    );
    fleet.line("up -d shared_service").expect_code(1);
    assert_unchanged(&fleet, "shared_service", &before);
}

// ---------------------------------------------------------------------------------------
// On the servers: the same load-time checks in each engine's own dialect.

/// A fleet of one database, tx_service, on `engine`'s server, with `first` (a migration
/// creating the table `items`) applied; `None` when the server's URL is not set.
fn server_fleet(
    engine: Engine,
    first: (&str, &str),
) -> Option<(servers::Server, servers::Databases, Fleet)> {
    let server = servers::server(engine)?;
    let dbs = servers::Databases::create(&server, &["tx_service"]);
    let config = servers::seed_shaped_config(&dbs, &[], "")
        .replace("  auto_backup: true\n", "  auto_backup: false\n");
    let fleet = servers::fleet_with(&config);
    fleet.write(&format!("migrations/tx_service/{}", first.0), first.1);
    run(&fleet, &server, "up -d tx_service").expect_ok();
    assert_eq!(server.tables(dbs.real("tx_service")), ["items"]);
    Some((server, dbs, fleet))
}

/// The largest version a migrations table records, applied and read back exactly.
fn the_largest_version_round_trips(fleet: &Fleet, server: &servers::Server, real: &str) {
    std::fs::remove_file(fleet.file("migrations/tx_service/002_tx.up.sql")).unwrap();
    fleet.write(
        "migrations/tx_service/9223372036854775807_last.up.sql",
        "CREATE TABLE last_one (x INT);\n",
    );
    run(fleet, server, "up -d tx_service").expect_ok();
    let versions: Vec<String> = server
        .migration_rows(real)
        .into_iter()
        .map(|(_, v, _)| v)
        .collect();
    assert_eq!(versions, ["1", "9223372036854775807"]);
}

fn run(fleet: &Fleet, server: &servers::Server, line: &str) -> Output {
    let args: Vec<&str> = line.split_whitespace().collect();
    fleet.run_with_env(&args, &[("MICROSERVICE_DB_PASSWORD", &server.password)])
}

/// With `text` as tx_service's 002_tx.up.sql, `plan` and `up` both refuse (exit 1),
/// saying each of `needles`, and the database (`real`) is as it was.
#[track_caller]
fn refused(fleet: &Fleet, server: &servers::Server, real: &str, text: &str, needles: &[&str]) {
    let before = (server.tables(real), server.migration_rows(real));
    fleet.write("migrations/tx_service/002_tx.up.sql", text);
    for line in ["plan -d tx_service", "up -d tx_service"] {
        let out = run(fleet, server, line);
        out.expect_code(1);
        expect_all(&out, needles);
    }
    assert_eq!((server.tables(real), server.migration_rows(real)), before);
    assert_eq!(server.lock_rows(real), 0);
}

#[test]
fn transaction_control_and_unterminated_dollar_quotes_are_refused_on_postgres() {
    // PL/pgSQL bodies, a DO block and a BEGIN ATOMIC body hold BEGIN, END and COMMIT-like
    // words that are no transaction control.
    let first = (
        "001_bodies.up.sql",
        "CREATE TABLE items (id INT, \"commit\" TEXT, updated_at TIMESTAMPTZ);\n\
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\n\
         BEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND;\n$$;\n\
         DO $body$ BEGIN PERFORM 1; END $body$;\n\
         CREATE FUNCTION one() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN true THEN 1 END;\nEND;\n",
    );
    let Some((server, dbs, fleet)) = server_fleet(Postgres, first) else {
        return;
    };
    let real = dbs.real("tx_service");

    refused(
        &fleet,
        &server,
        real,
        "BEGIN;\nCREATE TABLE a (x INT);\nCOMMIT;\nCREATE TABLE b (x INT);\nINSERT INTO nosuch VALUES (1);\n",
        &[
            "migrations/tx_service/002_tx.up.sql:1: `BEGIN` opens a transaction",
            "migrations/tx_service/002_tx.up.sql:3: `COMMIT` commits the transaction",
        ],
    );

    // Item 11: the real tag, with file and line.
    refused(
        &fleet,
        &server,
        real,
        "SELECT 1;\n\nCREATE FUNCTION f() RETURNS int AS $body$\n  SELECT 1;\n$$ LANGUAGE sql;\n",
        &[
            "migrations/tx_service/002_tx.up.sql:3: unterminated dollar-quoted body $body$ (no closing $body$ follows)",
        ],
    );
    run(&fleet, &server, "status -d tx_service")
        .expect_ok()
        .expect_contains("✗ set problem");

    // The largest version a migrations table records round-trips on the server too.
    the_largest_version_round_trips(&fleet, &server, real);
}

#[test]
fn transaction_control_is_refused_and_delimiter_bodies_apply_on_mysql() {
    let first = (
        "001_trigger.up.sql",
        "CREATE TABLE items (id INT, `commit` VARCHAR(10));\n\
         DELIMITER $$\n\
         CREATE TRIGGER items_bi BEFORE INSERT ON items FOR EACH ROW\nBEGIN\n  SET NEW.`commit` = CASE WHEN NEW.id > 0 THEN 'yes' END;\nEND$$\n\
         DELIMITER ;\n",
    );
    let Some((server, dbs, fleet)) = server_fleet(Mysql, first) else {
        return;
    };
    let real = dbs.real("tx_service");

    refused(
        &fleet,
        &server,
        real,
        "START TRANSACTION;\nINSERT INTO items (id) VALUES (1);\nCOMMIT;\nSET autocommit = 0;\n",
        &[
            "migrations/tx_service/002_tx.up.sql:1: `START TRANSACTION` opens a transaction",
            "migrations/tx_service/002_tx.up.sql:3: `COMMIT` commits the transaction",
            "migrations/tx_service/002_tx.up.sql:4: `SET autocommit` switches autocommit",
            "on MySQL/MariaDB, whose DDL cannot roll back",
        ],
    );
    assert!(server.query(real, "SELECT id FROM items").is_empty());

    the_largest_version_round_trips(&fleet, &server, real);
}

#[test]
fn a_broken_set_creates_nothing_on_a_database_that_does_not_exist_yet() {
    let fleet = Fleet::new();
    fleet.write(
        "migrations/shared_service/004_tx.up.sql",
        "BEGIN;\nCREATE TABLE a (id INTEGER);\nCOMMIT;\n",
    );
    fleet
        .line("up -d shared_service")
        .expect_code(1)
        .expect_contains("migration set shared_service has problems");
    assert!(
        fleet.database_files().is_empty(),
        "a refused run created {:?}",
        fleet.database_files()
    );
}

#[test]
fn validate_checks_config_and_every_set_offline() {
    let fleet = Fleet::new();
    fleet
        .ok("validate")
        .expect_contains("✓ config.yaml: 6 database(s)")
        .expect_contains("nothing a run would refuse");
    fleet.write("migrations/user_service/009_bad.sql", "SELECT 1;\n");
    fleet.write(
        "migrations/order_service/010_tx.up.sql",
        "BEGIN;\nCREATE TABLE t (x INT);\n",
    );
    let config = fleet.read("config.yaml").replace(
        "  message_service:\n",
        "  message_service:\n    driver: oracle\n",
    );
    fleet.write("config.yaml", &config);
    let out = fleet.line("validate");
    out.expect_code(1)
        .expect_contains("✗ set user_service: migrations/user_service/009_bad.sql: not a migration file name")
        .expect_contains("✗ set order_service (sqlite): migrations/order_service/010_tx.up.sql:1: `BEGIN` opens a transaction")
        .expect_contains("✗ database message_service: ")
        .expect_contains("3 problem(s) a run would refuse");
    let json = fleet.line("validate --format json");
    json.expect_code(1);
    assert_eq!(json.json()["problems"].as_array().unwrap().len(), 3);
    assert!(
        fleet.database_files().is_empty(),
        "validate opened no database: {:?}",
        fleet.database_files()
    );
    fleet.write("config.yaml", "databases: [\n");
    fleet.line("validate").expect_code(2);
}
