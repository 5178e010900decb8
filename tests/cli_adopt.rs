//! Issue 10, items 3 and 4: `dbfleet adopt` takes a database over from another migration
//! tool, and `dbfleet baseline` marks a database that predates any tool. Each tool's table
//! is made here with that tool's own SQLite definition (from its source, see
//! `/work/research/TOOLS.md`) and rows it would have written; then the real binary runs
//! on a copy of the demo fleet. shared_service has three migrations: the other tool
//! applied 001 and 002, so after adoption `up` runs 003 only.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{Fleet, all_tables, exec, query_text};

const DB: &str = "shared_service";

/// golang-migrate's sqlite3 driver (`ensureVersionTable`), at version 2.
const GOLANG_MIGRATE: &str =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool);
  CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version);
INSERT INTO schema_migrations (version, dirty) VALUES (2, false);";

/// sqlx's sqlite migrator (`ensure_migrations_table`).
const SQLX: &str = "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
);
INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES
  (1, 'create system configs', TRUE, X'00', 1200), (2, 'create dictionaries', TRUE, X'01', 900);";

/// goose's sqlite3 dialect, with the version-0 row it writes when it makes the table.
const GOOSE: &str = "CREATE TABLE goose_db_version (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		version_id INTEGER NOT NULL,
		is_applied INTEGER NOT NULL,
		tstamp TIMESTAMP DEFAULT (datetime('now'))
	);
INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, 1), (1, 1), (2, 1);";

/// dbmate's sqlite driver; versions as the file names write them.
const DBMATE: &str =
    "create table if not exists schema_migrations (version varchar(128) primary key);
insert into schema_migrations (version) values ('001'), ('002');";

/// Flyway's SQLiteDatabase create script, a schema row at rank 0 and two migrations.
const FLYWAY: &str = r#"CREATE TABLE "flyway_schema_history" (
    "installed_rank" INT NOT NULL PRIMARY KEY,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INT,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "execution_time" INT NOT NULL,
    "success" BOOLEAN NOT NULL
);
CREATE INDEX "flyway_schema_history_s_idx" ON "flyway_schema_history" ("success");
INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES
  (1, '1', 'create system configs', 'SQL', 'V1__create_system_configs.sql', -1234, 'ops', 12, 1),
  (2, '2', 'create dictionaries', 'SQL', 'V2__create_dictionaries.sql', 5678, 'ops', 8, 1);"#;

/// pop's fizz-rendered sqlite table (version the primary key, and its unique index).
const POP: &str = r#"CREATE TABLE "schema_migration" (
"version" TEXT PRIMARY KEY
);
CREATE UNIQUE INDEX "schema_migration_version_idx" ON "schema_migration" (version);
INSERT INTO schema_migration (version) VALUES ('001'), ('002');"#;

/// Atlas's revisions table as ent renders its schema (`revision.go`) on SQLite.
const ATLAS: &str = "CREATE TABLE `atlas_schema_revisions` (`version` text NOT NULL, `description` text NOT NULL, `type` integer NOT NULL DEFAULT (2), `applied` integer NOT NULL DEFAULT (0), `total` integer NOT NULL DEFAULT (0), `executed_at` datetime NOT NULL, `execution_time` integer NOT NULL, `error` text NULL, `error_stmt` text NULL, `hash` text NOT NULL, `partial_hashes` json NULL, `operator_version` text NOT NULL, PRIMARY KEY (`version`));
INSERT INTO atlas_schema_revisions (version, description, type, applied, total, executed_at, execution_time, hash, operator_version) VALUES
  ('001', 'create_system_configs', 2, 3, 3, '2026-01-01 00:00:00', 1000, 'h1', 'Atlas CLI v0.30.0'),
  ('002', 'create_dictionaries', 2, 2, 2, '2026-01-01 00:00:01', 1000, 'h2', 'Atlas CLI v0.30.0');";

/// `(tool as dbfleet names it, its table, its definition and rows, its columns as text)`.
const TOOLS: [(&str, &str, &str, &str); 7] = [
    (
        "golang-migrate",
        "schema_migrations",
        GOLANG_MIGRATE,
        "version, dirty",
    ),
    (
        "sqlx",
        "_sqlx_migrations",
        SQLX,
        "version, success, hex(checksum), installed_on",
    ),
    (
        "goose",
        "goose_db_version",
        GOOSE,
        "id, version_id, is_applied, tstamp",
    ),
    ("dbmate", "schema_migrations", DBMATE, "version"),
    (
        "Flyway",
        "flyway_schema_history",
        FLYWAY,
        "installed_rank, version, type, success, installed_on",
    ),
    ("pop", "schema_migration", POP, "version"),
    (
        "Atlas",
        "atlas_schema_revisions",
        ATLAS,
        "version, type, applied, total, hash",
    ),
];

/// The demo fleet with `DB` made by another tool (`sql`). dbfleet's table gets another
/// name than golang-migrate's and dbmate's `schema_migrations`, as `adopt` asks.
fn fleet_managed_by(sql: &str) -> Fleet {
    let fleet = Fleet::new();
    let config = fleet.read("config.yaml").replace(
        "migrations_table: schema_migrations",
        "migrations_table: dbfleet_migrations",
    );
    fleet.write("config.yaml", &config);
    let path = fleet.db(DB);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::File::create(&path).unwrap();
    exec(&path, sql);
    fleet
}

/// The database file's bytes, and which files `data/` holds: what a command that changes
/// nothing leaves as it was (the journal aside: a refused run is journaled).
fn db_state(fleet: &Fleet) -> (Vec<u8>, Vec<String>) {
    (std::fs::read(fleet.db(DB)).unwrap(), fleet.database_files())
}

#[track_caller]
fn assert_unchanged(fleet: &Fleet, before: &(Vec<u8>, Vec<String>), what: &str) {
    let now = db_state(fleet);
    assert!(now.0 == before.0, "{what}: the database file changed");
    assert_eq!(now.1, before.1, "{what}: files came or went");
}

/// dbfleet's rows: `(version, status, applied_by)`.
fn dbfleet_rows(fleet: &Fleet) -> Vec<(String, String, String)> {
    if !all_tables(&fleet.db(DB)).contains(&"dbfleet_migrations".to_owned()) {
        return Vec::new();
    }
    query_text(
        &fleet.db(DB),
        "SELECT version, status, applied_by FROM dbfleet_migrations WHERE migration_set = 'shared_service' ORDER BY version",
    )
    .into_iter()
    .map(|r| {
        let mut r = r.into_iter().map(Option::unwrap_or_default);
        (
            r.next().unwrap(),
            r.next().unwrap(),
            r.next().unwrap(),
        )
    })
    .collect()
}

#[test]
fn each_tools_database_is_adopted_and_up_then_runs_only_the_new_migration() {
    for (tool, table, sql, columns) in TOOLS {
        let fleet = fleet_managed_by(sql);
        let read_theirs = format!("SELECT {columns} FROM {table}");
        let theirs = query_text(&fleet.db(DB), &read_theirs);

        // Status names the tool; up refuses before it creates anything.
        let status = fleet.status_of(DB);
        assert_eq!(status["managed_by"]["tool"], tool, "{tool}: {status}");
        let before = db_state(&fleet);
        fleet
            .line(&format!("up -d {DB}"))
            .expect_code(1)
            .expect_contains(&format!("managed by {tool}"))
            .expect_contains(&format!("dbfleet adopt -d {DB}"));
        fleet
            .line(&format!("plan -d {DB}"))
            .expect_code(1)
            .expect_contains(&format!("managed by {tool}"));
        assert_unchanged(&fleet, &before, &format!("{tool}: up or plan"));

        // The dry run says what it would record and changes nothing.
        let dry = fleet.ok(&format!("adopt -d {DB}"));
        dry.expect_contains(&format!(
            "would record 2 migration(s) of set shared_service as applied (adopted from {tool})"
        ))
        .expect_contains("shared_service/002_create_dictionaries")
        .expect_contains("dry run: nothing was changed");
        assert_unchanged(&fleet, &before, &format!("{tool}: the dry run"));

        let applied = fleet.ok(&format!("adopt -d {DB} --apply"));
        applied.expect_contains("recorded 2 migration(s)");
        let rows = dbfleet_rows(&fleet);
        assert_eq!(rows.len(), 2, "{tool}: {rows:?}");
        for (version, status, by) in &rows {
            assert_eq!(status, "applied", "{tool} {version}");
            assert!(by.starts_with(&format!("adopted from {tool} by ")), "{by}");
        }
        // The other tool's table is as it was.
        let after = query_text(&fleet.db(DB), &read_theirs);
        assert_eq!(after, theirs, "{tool}'s table changed");

        let up = fleet.ok(&format!("up -d {DB} --no-backup"));
        up.expect_contains("succeeded, 1 step(s)");
        let rows = dbfleet_rows(&fleet);
        assert_eq!(
            rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
            ["1", "2", "3"],
            "{tool}"
        );
        assert!(!rows[2].2.contains("adopted"), "{rows:?}");
        // A second adopt has nothing left to record.
        fleet
            .ok(&format!("adopt -d {DB}"))
            .expect_contains("nothing to record")
            .expect_contains("2 already recorded by dbfleet");
        let history = fleet.ok("history");
        history.expect_contains(&format!(
            "adopt: shared_service: recorded 2 migration(s) of shared_service as applied (adopted from {tool})"
        ));
    }
}

#[test]
fn a_dirty_golang_migrate_database_is_refused_with_its_version_and_nothing_changes() {
    let fleet = fleet_managed_by(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool);
         CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version);
         INSERT INTO schema_migrations (version, dirty) VALUES (3, true);",
    );
    let before = db_state(&fleet);
    for line in [format!("adopt -d {DB}"), format!("adopt -d {DB} --apply")] {
        fleet
            .line(&line)
            .expect_code(1)
            .expect_contains(
                "golang-migrate left version 3 unsettled in its table schema_migrations",
            )
            .expect_contains("`migrate force 3`")
            .expect_contains("then adopt again");
    }
    let json = fleet.line(&format!("adopt -d {DB} --format json")).json();
    assert_eq!(json[0]["refused_kind"], "other_tool_dirty");
    assert_unchanged(&fleet, &before, "refused");
    assert_eq!(all_tables(&fleet.db(DB)), ["schema_migrations"]);
}

#[test]
fn failed_and_partial_rows_of_other_tools_are_refused_with_the_tools_own_fix() {
    let cases = [
        (
            FLYWAY.replace("'ops', 8, 1)", "'ops', 8, 0)"),
            "Flyway left version 2 unsettled",
            "flyway repair",
        ),
        (
            ATLAS.replace(
                "2, 2, 2, '2026-01-01 00:00:01'",
                "2, 1, 2, '2026-01-01 00:00:01'",
            ),
            "Atlas left version 002 unsettled",
            "partially applied: 1 of 2 statements",
        ),
        (
            SQLX.replace(
                "(2, 'create dictionaries', TRUE",
                "(2, 'create dictionaries', FALSE",
            ),
            "sqlx left version 2 unsettled",
            "success = false",
        ),
    ];
    for (sql, said, fix) in cases {
        let fleet = fleet_managed_by(&sql);
        let before = db_state(&fleet);
        fleet
            .line(&format!("adopt -d {DB} --apply"))
            .expect_code(1)
            .expect_contains(said)
            .expect_contains(fix);
        assert_unchanged(&fleet, &before, "refused");
    }
}

#[test]
fn the_configured_name_taken_by_golang_migrate_says_what_to_set_and_creates_nothing() {
    let fleet = Fleet::new();
    let path = fleet.db(DB);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::File::create(&path).unwrap();
    exec(&path, GOLANG_MIGRATE);
    let before = db_state(&fleet);
    for line in [
        format!("adopt -d {DB} --apply"),
        format!("up -d {DB}"),
        format!("plan -d {DB}"),
    ] {
        fleet
            .line(&line)
            .expect_code(1)
            .expect_contains("managed by golang-migrate (at version 2, table schema_migrations)")
            .expect_contains("set `migrator.migrations_table: dbfleet_migrations`");
    }
    assert_unchanged(&fleet, &before, "refused");
    // Status says it too, rather than "unreachable".
    let status = fleet.status_of(DB);
    assert_eq!(status["managed_by"]["summary"], "at version 2");
    assert_eq!(status["error"], serde_json::Value::Null);
}

#[test]
fn versions_the_other_tool_applied_without_a_file_are_listed() {
    let fleet = fleet_managed_by(&GOOSE.replace("(2, 1);", "(2, 1), (20240101120000, 1);"));
    fleet
        .ok(&format!("adopt -d {DB}"))
        .expect_contains("1 applied version(s) have no file in shared_service: 20240101120000");
    let json = fleet.ok(&format!("adopt -d {DB} --format json")).json();
    assert_eq!(
        json[0]["without_file"],
        serde_json::json!(["20240101120000"])
    );
    assert_eq!(json[0]["record"].as_array().unwrap().len(), 2);
    // golang-migrate's current version with no file is listed too.
    let fleet = fleet_managed_by(&GOLANG_MIGRATE.replace("VALUES (2,", "VALUES (7,"));
    fleet
        .ok(&format!("adopt -d {DB}"))
        .expect_contains("would record 3 migration(s)")
        .expect_contains("have no file in shared_service: 7");
}

#[test]
fn a_database_without_another_tools_table_has_nothing_to_adopt() {
    let fleet = Fleet::new();
    fleet.ok(&format!("up -d {DB} --no-backup"));
    fleet
        .ok(&format!("adopt -d {DB} --apply"))
        .expect_contains("no other tool's bookkeeping found");
}

#[test]
fn baseline_marks_everything_up_to_the_version_applied_and_up_runs_the_rest() {
    // A database that predates any tool: its tables were made by hand.
    let fleet = fleet_managed_by("CREATE TABLE legacy (id INTEGER PRIMARY KEY);");
    let before = db_state(&fleet);
    let dry = fleet.ok(&format!("baseline --to 2 -d {DB}"));
    dry.expect_contains(
        "would record 2 migration(s) of set shared_service as applied (as a baseline up to 2)",
    )
    .expect_contains("dry run: nothing was changed");
    assert_unchanged(&fleet, &before, "refused");
    fleet
        .ok(&format!("baseline --to 2 -d {DB} --apply --format json"))
        .json();
    let rows = dbfleet_rows(&fleet);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows.iter().all(|r| r.2.starts_with("baseline by ")),
        "{rows:?}"
    );
    fleet
        .ok(&format!("up -d {DB} --no-backup"))
        .expect_contains("succeeded, 1 step(s)");
    fleet
        .ok("history")
        .expect_contains("baseline: shared_service: recorded 2 migration(s) of shared_service as applied (as a baseline)");
    // Again: already recorded, nothing to do.
    fleet
        .ok(&format!("baseline --to 3 -d {DB} --apply"))
        .expect_contains("nothing to record")
        .expect_contains("3 already recorded");
}

#[test]
fn baseline_refuses_a_dirty_database() {
    let fleet = fleet_managed_by("CREATE TABLE legacy (id INTEGER PRIMARY KEY);");
    fleet.ok(&format!("baseline --to 1 -d {DB} --apply"));
    exec(
        &fleet.db(DB),
        "UPDATE dbfleet_migrations SET status = 'failed' WHERE version = '1'",
    );
    fleet
        .line(&format!("baseline --to 2 -d {DB} --apply"))
        .expect_code(1)
        .expect_contains("database is dirty");
}

/// golang-migrate creates its table before its first migration: a table that records
/// nothing leaves nothing to adopt, and `up` runs the set (nothing could run twice). Under
/// dbfleet's own table name it still stands in the way.
#[test]
fn another_tools_empty_table_does_not_block_up() {
    let empty = "CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool);
  CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version);";
    let fleet = fleet_managed_by(empty);
    let status = fleet.status_of(DB);
    assert!(status["managed_by"].is_null(), "{status:#}");
    fleet
        .ok(&format!("up -d {DB}"))
        .expect_contains("succeeded, 3 step(s)");

    let fleet = fleet_managed_by(empty);
    let config = fleet.read("config.yaml").replace(
        "migrations_table: dbfleet_migrations",
        "migrations_table: schema_migrations",
    );
    fleet.write("config.yaml", &config);
    fleet
        .line(&format!("up -d {DB}"))
        .expect_code(1)
        .expect_contains("managed by golang-migrate");
}
