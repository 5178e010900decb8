//! The engine against a real PostgreSQL (`DBFLEET_TEST_POSTGRES_URL`).

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
fn backup_restores_on_postgres() {
    scenarios::backup_restores(Postgres);
}

#[test]
fn plpgsql_bodies_and_create_index_concurrently_apply() {
    let Some(server) = servers::server(Postgres) else {
        return;
    };
    let dbs = servers::Databases::create(&server, &["fn_service"]);
    let config = servers::seed_shaped_config(&dbs, &[], "")
        .replace("  auto_backup: true\n", "  auto_backup: false\n");
    let fleet = servers::fleet_with(&config);
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
    let plan = fleet.run_with_env(
        &["plan", "-d", "fn_service"],
        &[("MICROSERVICE_DB_PASSWORD", &server.password)],
    );
    assert!(
        plan.stdout.contains("no transaction"),
        "{}",
        plan.describe()
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
