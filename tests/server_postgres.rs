//! The engine against a real PostgreSQL (`DBFLEET_TEST_POSTGRES_URL`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;
mod servers;

use servers::Engine::Postgres;
use servers::scenarios;

#[test]
fn seed_runbook_on_postgres() {
    scenarios::seed_runbook(Postgres);
}

#[test]
fn four_processes_apply_each_migration_once_on_postgres() {
    scenarios::four_processes_apply_each_migration_once(Postgres);
}

#[test]
fn killed_runner_rolls_back_and_the_next_run_takes_over_on_postgres() {
    scenarios::killed_runner(Postgres);
}

#[test]
fn unreachable_server_fails_only_its_databases_on_postgres() {
    scenarios::unreachable_and_wrong_password(Postgres);
}

#[test]
fn golang_migrate_and_flyway_databases_are_adopted_on_postgres() {
    scenarios::adopt_golang_migrate_and_flyway(Postgres);
}

#[test]
fn backup_restores_on_postgres() {
    scenarios::backup_restores(Postgres);
}

#[test]
fn restore_puts_back_a_backup_on_postgres() {
    scenarios::restore_puts_back_a_backup(Postgres);
}

#[test]
fn plpgsql_bodies_and_create_index_concurrently_apply() {
    let Some(server) = servers::server(Postgres) else {
        return;
    };
    let dbs = servers::Databases::create(&server, &["fn_service"]);
    let fleet = servers::fleet_without_backups(&dbs);
    fleet.write(
        "migrations/fn_service/001_function.up.sql",
        "CREATE TABLE items (id SERIAL PRIMARY KEY, name TEXT NOT NULL, updated_at TIMESTAMPTZ);\n\
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\n\
         BEGIN\n  NEW.updated_at := now(); -- a semicolon; inside the body\n  RETURN NEW;\nEND;\n$$;\n\
         CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch();\n",
    );
    fleet.write(
        "migrations/fn_service/001_function.down.sql",
        "DROP TABLE items;\nDROP FUNCTION touch();\n",
    );
    fleet.write(
        "migrations/fn_service/002_index.up.sql",
        "-- dbfleet:no-transaction\nCREATE INDEX CONCURRENTLY items_name ON items (name);\n",
    );
    fleet.write(
        "migrations/fn_service/002_index.down.sql",
        "-- dbfleet:no-transaction\nDROP INDEX CONCURRENTLY items_name;\n",
    );
    // As golang-migrate and goose folders have them: no marker at all.
    fleet.write(
        "migrations/fn_service/003_unique_index.up.sql",
        "ALTER TABLE items ADD COLUMN code TEXT;\nCREATE UNIQUE INDEX CONCURRENTLY items_code ON items (code);\n",
    );
    fleet.write(
        "migrations/fn_service/003_unique_index.down.sql",
        "DROP INDEX CONCURRENTLY items_code;\nALTER TABLE items DROP COLUMN code;\n",
    );
    let plan = fleet.run_with_env(
        &["plan", "-d", "fn_service"],
        &[("MICROSERVICE_DB_PASSWORD", &server.password)],
    );
    assert!(
        plan.stdout.contains("no transaction"),
        "{}",
        plan.describe()
    );
    plan.expect_ok().expect_contains(
        "003_unique_index.up.sql, 2 statements, no transaction: CREATE UNIQUE INDEX CONCURRENTLY at line 2 cannot run inside a transaction block",
    );
    let up = fleet.run_with_env(
        &["up", "-d", "fn_service"],
        &[("MICROSERVICE_DB_PASSWORD", &server.password)],
    );
    up.expect_ok();
    let real = dbs.real("fn_service");
    let index = server.query(
        real,
        "SELECT indexname::text FROM pg_indexes WHERE indexname = 'items_name'",
    );
    assert_eq!(index.len(), 1);
    let unique = server.query(
        real,
        "SELECT indexname::text FROM pg_indexes WHERE indexname = 'items_code'",
    );
    assert_eq!(unique.len(), 1, "{}", up.describe());
    server.query(
        real,
        "INSERT INTO items (name) VALUES ('x') RETURNING id::text",
    );
    let touched = server.query(
        real,
        "UPDATE items SET name = 'y' RETURNING (updated_at IS NOT NULL)::text",
    );
    assert_eq!(
        touched[0][0].as_deref(),
        Some("true"),
        "the trigger function runs"
    );
    let down = fleet.run_with_env(
        &["down", "-d", "fn_service", "--to", "0"],
        &[("MICROSERVICE_DB_PASSWORD", &server.password)],
    );
    down.expect_ok();
    assert!(server.tables(real).is_empty());
}

#[test]
fn failed_down_rolls_back_whole_on_postgres() {
    scenarios::failed_down_is_told_apart_from_a_failed_up(Postgres);
}

#[test]
fn killed_holder_lock_is_stale_at_once_and_its_takeover_journaled_on_postgres() {
    scenarios::killed_holder_lock_is_stale_at_once_and_its_takeover_journaled(Postgres);
}

#[test]
fn killed_connection_is_worded_and_the_lock_left_reported_on_postgres() {
    scenarios::killed_connection_is_worded_and_the_lock_left_reported(Postgres);
}

/// A role made for one test, dropped when it ends.
struct Role<'a>(&'a servers::Server, String);

impl Drop for Role<'_> {
    fn drop(&mut self) {
        let sql = format!("DROP ROLE IF EXISTS {}", self.1);
        let _ = std::panic::catch_unwind(|| self.0.admin(&[sql]));
    }
}

/// Issue 8, item 3 on PostgreSQL: what a migration does to its session (the search path
/// every `pg_dump` output empties, `SET ROLE` to a role with no rights on dbfleet's
/// tables, `default_transaction_read_only`) neither redirects nor blocks the bookkeeping,
/// nor leaks into the next migration; the dry run names the tables as the run does. A
/// migration that leaves a transaction open fails, rolled back, and the lock is released.
#[test]
fn a_migration_that_changes_its_session_cannot_redirect_or_block_the_bookkeeping_on_postgres() {
    let Some(server) = servers::server(Postgres) else {
        return;
    };
    let dbs = servers::Databases::create(&server, &["session_service"]);
    let role = Role(&server, format!("dbft_nobody_{}", std::process::id()));
    server.admin(&[
        format!("DROP ROLE IF EXISTS {}", role.1),
        format!("CREATE ROLE {}", role.1),
    ]);
    let fleet = servers::fleet_without_backups(&dbs);
    let env = [("MICROSERVICE_DB_PASSWORD", server.password.as_str())];
    fleet.write(
        "migrations/session_service/001_dump.up.sql",
        "SELECT pg_catalog.set_config('search_path', '', false);\nCREATE TABLE public.dumped (id integer);\n",
    );
    fleet.write(
        "migrations/session_service/002_role.up.sql",
        &format!("SET ROLE {};\nSELECT current_user;\n", role.1),
    );
    fleet.write(
        "migrations/session_service/003_read_only.up.sql",
        "SET default_transaction_read_only = on;\nSELECT 1;\n",
    );
    fleet.write(
        "migrations/session_service/004_plain.up.sql",
        "CREATE TABLE plain (id integer);\n",
    );
    let real = dbs.real("session_service");

    let plan = fleet.run_with_env(&["plan", "-d", "session_service"], &env);
    plan.expect_ok()
        .expect_contains("CREATE TABLE IF NOT EXISTS \"public\".\"schema_migrations\" (")
        .expect_contains("INSERT INTO \"public\".\"schema_migrations\" (migration_set");

    let up = fleet.run_with_env(&["up", "-d", "session_service"], &env);
    up.expect_ok()
        .expect_contains("✓ session_service  succeeded, 4 step(s)");
    assert_eq!(server.tables(real), ["dumped", "plain"]);
    let applied = |v: &str| (v.to_owned(), "applied".to_owned());
    let four = [applied("1"), applied("2"), applied("3"), applied("4")];
    assert_eq!(servers::versions_and_statuses(&server, real), four);
    assert_eq!(server.lock_rows(real), 0);

    // BEGIN without COMMIT outside dbfleet's transaction: refused when the files are
    // read, before anything runs (the run's own check for a transaction left open is
    // the second line of defence, tested on MariaDB through a procedure).
    servers::up_fails_with(
        &fleet,
        &server,
        "session_service",
        (
            "005_open.up.sql",
            "-- dbfleet:no-transaction\nBEGIN;\nCREATE TABLE half (id integer);\n",
        ),
        "005_open.up.sql:2: `BEGIN` opens a transaction",
    );
    assert_eq!(server.tables(real), ["dumped", "plain"], "nothing ran");
    assert_eq!(server.lock_rows(real), 0, "no lock left");
    assert_eq!(servers::versions_and_statuses(&server, real), four);
}

/// Tenants as schemas of one database: each schema's run takes its own lock, so one
/// tenant's long migration does not hold the others back (with a 1 s lock timeout, a
/// shared lock would fail tenant_b while tenant_a sleeps).
#[test]
fn tenants_as_schemas_of_one_database_migrate_in_parallel() {
    let Some(server) = servers::server(Postgres) else {
        return;
    };
    let dbs = servers::Databases::create(&server, &["tenants"]);
    let real = dbs.real("tenants");
    for schema in ["tenant_a", "tenant_b"] {
        server.query(real, &format!("CREATE SCHEMA {schema}"));
    }
    let mut config = format!(
        "database:\n  driver: postgres\n  host: {}\n  port: {}\n  username: {}\n  password: ${{MICROSERVICE_DB_PASSWORD}}\n  database: {real}\n\ndatabases:\n",
        server.host, server.port, server.user
    );
    for schema in ["tenant_a", "tenant_b"] {
        config.push_str(&format!("  {schema}:\n    schema: {schema}\n"));
    }
    config.push_str("\nmigrator:\n  auto_backup: false\n  lock_timeout_secs: 1\n");
    let fleet = servers::fleet_with(&config);
    fleet.write(
        "migrations/tenant_set/set.yaml",
        "targets: [\"tenant_*\"]\n",
    );
    fleet.write(
        "migrations/tenant_set/001_accounts.up.sql",
        "CREATE TABLE accounts (id INT);\nSELECT pg_sleep(CASE WHEN current_schema() = 'tenant_a' THEN 4 ELSE 0 END);\n",
    );
    let mut slow = servers::Background::start(
        &fleet,
        &server,
        &["up", "-d", "tenant_a", "--directory", "tenant_set"],
    );
    slow.wait_for("step", 20);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let quick = fleet.run_with_env(
        &["up", "-d", "tenant_b", "--directory", "tenant_set"],
        &[("MICROSERVICE_DB_PASSWORD", &server.password)],
    );
    quick.expect_ok();
    let slow = slow.finish(&["up", "-d", "tenant_a"]);
    slow.expect_ok();
    for schema in ["tenant_a", "tenant_b"] {
        let found = server.query(
            real,
            &format!(
                "SELECT count(*)::text FROM information_schema.tables WHERE table_schema = '{schema}' AND table_name = 'accounts'"
            ),
        );
        assert_eq!(found[0][0].as_deref(), Some("1"), "{schema}");
    }
}

/// `session:` (issue 10, item 5): the settings, the defaults' merged under the entry's, are
/// the session every migration starts from, whatever the one before changed (`RESET ALL`
/// returns to them). A setting the server does not know fails at connect, naming it and
/// where it is written.
#[test]
fn session_settings_apply_to_every_migration_on_postgres() {
    let Some(server) = servers::server(Postgres) else {
        return;
    };
    let dbs = servers::Databases::create(&server, &["tuned_service"]);
    let real = dbs.real("tuned_service");
    let config = servers::seed_shaped_config(&dbs, &[], "")
        .replace("  auto_backup: true\n", "  auto_backup: false\n")
        .replace(
            "  charset: utf8mb4\n\ndatabases:\n",
            "  charset: utf8mb4\n  session:\n    lock_timeout: 5s\n    idle_in_transaction_session_timeout: 60000\n\ndatabases:\n",
        )
        .replace(
            &format!("    database: {real}\n"),
            &format!(
                "    database: {real}\n    session:\n      search_path: public, pg_catalog\n      idle_in_transaction_session_timeout: 0\n"
            ),
        );
    let fleet = servers::fleet_with(&config);
    let env = [("MICROSERVICE_DB_PASSWORD", server.password.as_str())];
    let probe = |table: &str| {
        format!(
            "CREATE TABLE {table} AS SELECT current_setting('lock_timeout') AS lt, current_setting('search_path') AS sp, current_setting('idle_in_transaction_session_timeout') AS it;\n"
        )
    };
    fleet.write(
        "migrations/tuned_service/001_first.up.sql",
        &format!(
            "{}SET lock_timeout = '1min';\nSET search_path = pg_catalog;\n",
            probe("public.seen_in_1")
        ),
    );
    fleet.write(
        "migrations/tuned_service/002_second.up.sql",
        &format!("RESET ALL;\n{}", probe("public.seen_in_2")),
    );
    let up = fleet.run_with_env(&["up", "-d", "tuned_service"], &env);
    up.expect_ok()
        .expect_contains("✓ tuned_service  succeeded, 2 step(s)");
    let configured = [[
        Some("5s".to_owned()),
        Some("public, pg_catalog".to_owned()),
        Some("0".to_owned()),
    ]];
    for table in ["seen_in_1", "seen_in_2"] {
        assert_eq!(
            server.query(real, &format!("SELECT lt, sp, it FROM {table}")),
            configured,
            "{table}: the configured session, the entry's value over the defaults'"
        );
    }

    fleet.write(
        "config.yaml",
        &config.replace(
            "    lock_timeout: 5s\n",
            "    lock_timeout: 5s\n    no_such_setting: 1\n",
        ),
    );
    let status = fleet.run_with_env(&["up", "-d", "tuned_service"], &env);
    status.expect_code(1).expect_contains(
        "database.session.no_such_setting: the server refused this `session:` setting: unrecognized configuration parameter \"no_such_setting\"",
    );
    let line = config
        .lines()
        .position(|l| l.contains("lock_timeout: 5s"))
        .unwrap()
        + 2;
    status.expect_contains("✗ tuned_service  failed after 0 step(s): cannot connect to postgres@");
    status.expect_contains(&format!(
        "config.yaml:{line}:22: database.session.no_such_setting"
    ));
}

#[test]
fn failed_step_outside_a_transaction_is_resumed_on_postgres() {
    scenarios::failed_step_is_resumed(Postgres);
}
