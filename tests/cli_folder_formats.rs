//! Other tools' migration folders, read unchanged (issue 10): the real-derived samples in
//! `tests/fixtures/formats/` applied on SQLite by the real binary, Flyway's repeatables,
//! the refusals; and, where the mechanism differs (transactions, markers), on PostgreSQL
//! and MariaDB when `DBFLEET_TEST_POSTGRES_URL` / `DBFLEET_TEST_MYSQL_URL` are set.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;
mod servers;

use std::path::Path;

use common::{Fleet, Output, app_tables, query_text, repo_root};
use servers::Engine::{Mysql, Postgres};

fn copy_fixture(fleet: &Fleet, tool: &str, set: &str) {
    let from = repo_root().join("tests/fixtures/formats").join(tool);
    let to = fleet.file(&format!("migrations/{set}"));
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// A fleet of SQLite databases, each named like the fixture folder whose copy is its own
/// set (`-` becomes `_`), with `extra` appended to the config.
fn sqlite_fleet(tools: &[&str], extra: &str) -> Fleet {
    let fleet = Fleet::new();
    std::fs::remove_dir_all(fleet.file("migrations")).unwrap();
    std::fs::create_dir_all(fleet.file("migrations")).unwrap();
    let mut config = "database:\n  driver: sqlite\ndatabases:\n".to_owned();
    for tool in tools {
        let name = tool.replace('-', "_");
        config.push_str(&format!("  {name}:\n    database: data/{name}.db\n"));
        copy_fixture(&fleet, tool, &name);
    }
    config.push_str("migrator:\n  auto_backup: false\n");
    config.push_str(extra);
    fleet.write("config.yaml", &config);
    fleet
}

/// `(version, status)` rows of a SQLite database's migrations table.
fn rows(db: &Path) -> Vec<(String, String)> {
    query_text(
        db,
        "SELECT version, status FROM schema_migrations ORDER BY rowid",
    )
    .into_iter()
    .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap()))
    .collect()
}

fn states(fleet: &Fleet, db: &str) -> Vec<(String, String)> {
    let status = fleet.status_of(db);
    status["sets"][0]["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["id"].as_str().unwrap().to_owned(),
                m["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn real_folders_of_each_format_apply_and_revert_on_sqlite() {
    let tools = ["sqlx", "dbmate", "goose", "pop", "atlas-golang-migrate"];
    let fleet = sqlite_fleet(&tools, "");
    fleet.ok("plan --all");
    fleet.ok("up --all");
    let expect = [
        ("sqlx", 7, "store"),
        ("dbmate", 2, "posts"),
        ("goose", 2, "tuple"),
        ("pop", 3, "identities"),
        ("atlas_golang_migrate", 1, "t"),
    ];
    for (db, count, table) in expect {
        let path = fleet.db(db);
        let applied = rows(&path);
        assert_eq!(applied.len(), count, "{db}: {applied:?}");
        assert!(
            applied.iter().all(|(_, s)| s == "applied"),
            "{db}: {applied:?}"
        );
        assert!(
            app_tables(&path).contains(&table.to_owned()),
            "{db}: {:?}",
            app_tables(&path)
        );
    }
    // pop's 20-digit versions, recorded exactly; the cockroach files not run, said by
    // `validate` and not on every command.
    assert_eq!(rows(&fleet.db("pop"))[0].0, "20150100000001000000");
    let status = fleet.ok("status -d pop");
    assert!(!status.all().contains("cockroach"), "{}", status.describe());
    fleet
        .ok("validate")
        .expect_contains("note: set pop: ")
        .expect_contains("for cockroach");
    // Single-file formats revert with their down sections; pop with its dialect's files.
    for db in ["dbmate", "goose", "pop"] {
        fleet.ok(&format!("down -d {db} --to 0"));
        assert!(rows(&fleet.db(db)).is_empty(), "{db}");
        assert!(
            app_tables(&fleet.db(db)).is_empty(),
            "{db}: {:?}",
            app_tables(&fleet.db(db))
        );
    }
}

#[test]
fn atlas_txmode_none_records_progress_and_a_failure_leaves_it_dirty() {
    // Atlas's own test data: the second file runs outside a transaction and fails on
    // purpose at its second statement.
    let fleet = sqlite_fleet(&["atlas-sqlite"], "");
    let out = fleet.line("up -d atlas_sqlite");
    out.expect_code(1);
    out.expect_contains("20220925094021_second.sql line 7 (statement 2 of 2)");
    let db = fleet.db("atlas_sqlite");
    assert_eq!(
        rows(&db),
        [
            ("20220925092817".to_owned(), "applied".to_owned()),
            ("20220925094021".to_owned(), "failed".to_owned()),
        ]
    );
    assert!(
        app_tables(&db).contains(&"t1".to_owned()),
        "the first statement stays"
    );
}

#[test]
fn an_atlas_folder_whose_sum_does_not_match_is_refused_naming_the_file() {
    let fleet = sqlite_fleet(&["atlas-golang-migrate"], "");
    fleet.append(
        "migrations/atlas_golang_migrate/1_initial.up.sql",
        "\n-- edited\n",
    );
    for line in ["plan -d atlas_golang_migrate", "up -d atlas_golang_migrate"] {
        let out = fleet.line(line);
        out.expect_code(1);
        out.expect_contains(
            "atlas.sum: the folder does not match its atlas.sum: `1_initial.up.sql`",
        );
    }
    assert!(
        !fleet.db("atlas_golang_migrate").exists()
            || rows(&fleet.db("atlas_golang_migrate")).is_empty()
    );
}

#[test]
fn flyway_repeatables_run_after_the_versioned_ones_and_again_when_changed() {
    let fleet = sqlite_fleet(&[], "");
    fleet.write(
        "config.yaml",
        "database:\n  driver: sqlite\ndatabases:\n  fly:\n    database: data/fly.db\nmigrator:\n  auto_backup: false\n",
    );
    let dir = "migrations/fly";
    fleet.write(
        &format!("{dir}/V1.2.9__items.sql"),
        "CREATE TABLE items (id INT);\n",
    );
    fleet.write(
        &format!("{dir}/V1.2.10__prices.sql"),
        "ALTER TABLE items ADD price INT;\n",
    );
    fleet.write(
        &format!("{dir}/U1.2.10__prices.sql"),
        "ALTER TABLE items DROP COLUMN price;\n",
    );
    fleet.write(
        &format!("{dir}/R__item_view.sql"),
        "DROP VIEW IF EXISTS item_view;\nCREATE VIEW item_view AS SELECT id FROM items;\n",
    );
    fleet.write(
        &format!("{dir}/V2__no_tx.sql"),
        "CREATE INDEX items_id ON items (id);\n",
    );
    fleet.write(
        &format!("{dir}/V2__no_tx.sql.conf"),
        "executeInTransaction=false\n",
    );
    fleet.write(&format!("{dir}/U2__no_tx.sql"), "DROP INDEX items_id;\n");
    fleet
        .ok("plan -d fly")
        .expect_contains("fly/1.2.9_items")
        .expect_contains("fly/R__item_view");
    fleet.ok("up -d fly");
    let db = fleet.db("fly");
    let versions: Vec<String> = rows(&db).into_iter().map(|(v, _)| v).collect();
    assert_eq!(versions, ["1.2.9", "1.2.10", "2", "R__item_view"]);
    // Unchanged: nothing to do.
    fleet.ok("up -d fly").expect_contains("up to date");
    // Changed: pending again (not drift), and re-applied in place of its row.
    fleet.write(
        &format!("{dir}/R__item_view.sql"),
        "DROP VIEW IF EXISTS item_view;\nCREATE VIEW item_view AS SELECT id, price FROM items;\n",
    );
    assert!(states(&fleet, "fly").contains(&("fly/R__item_view".to_owned(), "pending".to_owned())));
    fleet.ok("up -d fly").expect_contains("R__item_view");
    assert_eq!(rows(&db).len(), 4);
    let view = query_text(
        &db,
        "SELECT sql FROM sqlite_master WHERE name = 'item_view'",
    );
    assert!(
        view[0][0].as_deref().unwrap_or_default().contains("price"),
        "{view:?}"
    );
    // Down reverts versioned migrations only (U is the undo), the last one first: the
    // repeatable, applied after it, stays.
    fleet.ok("down -d fly --steps 1");
    let versions: Vec<String> = rows(&db).into_iter().map(|(v, _)| v).collect();
    assert_eq!(versions, ["1.2.9", "1.2.10", "R__item_view"]);
}

#[test]
fn a_repeatable_only_flyway_set_applies_with_a_warning() {
    let fleet = sqlite_fleet(&[], "");
    fleet.write(
        "config.yaml",
        "database:\n  driver: sqlite\ndatabases:\n  fly:\n    database: data/fly.db\nmigrator:\n  auto_backup: false\n",
    );
    fleet.write(
        "migrations/fly/R__t.sql",
        "CREATE TABLE IF NOT EXISTS t (x INT);\n",
    );
    fleet
        .ok("plan -d fly")
        .expect_contains("repeatable migrations (R__) and no versioned one");
    fleet.ok("up -d fly");
    assert_eq!(
        rows(&fleet.db("fly")),
        [("R__t".to_owned(), "applied".to_owned())]
    );
}

#[test]
fn mixed_and_declared_formats() {
    let fleet = sqlite_fleet(&[], "");
    fleet.write(
        "config.yaml",
        "database:\n  driver: sqlite\ndatabases:\n  app:\n    database: data/app.db\nmigrator:\n  auto_backup: false\n",
    );
    fleet.write("migrations/app/V1__a.sql", "CREATE TABLE a (x INT);\n");
    fleet.write(
        "migrations/app/00002_b.sql",
        "-- +goose Up\nCREATE TABLE b (x INT);\n",
    );
    let out = fleet.line("up -d app");
    out.expect_code(1);
    out.expect_contains("the folder mixes two formats: `V1__a.sql` is written for flyway and `00002_b.sql` for goose");
    // A format that does not exist is named with the valid ones.
    fleet.append("config.yaml", "sets:\n  app:\n    format: gooze\n");
    let out = fleet.line("status");
    out.expect_code(2);
    out.expect_contains("gooze");
    out.expect_contains("goose");
    // Declared, the folder is read one way: the other file does not fit it.
    let config = fleet.read("config.yaml").replace("gooze", "goose");
    fleet.write("config.yaml", &config);
    std::fs::remove_file(fleet.file("migrations/app/V1__a.sql")).unwrap();
    fleet.write(
        "migrations/app/001_c.sql",
        "-- +goose Up\nCREATE TABLE c (x INT);\n-- +goose Down\nDROP TABLE c;\n",
    );
    fleet.ok("up -d app");
    assert_eq!(app_tables(&fleet.db("app")), ["b", "c"]);
}

#[test]
fn many_unmatched_files_are_one_line_per_set() {
    let fleet = sqlite_fleet(&[], "");
    fleet.write(
        "config.yaml",
        "database:\n  driver: sqlite\ndatabases:\n  a1:\n    database: data/a1.db\n  a2:\n    database: data/a2.db\nsets:\n  shared:\n    targets: ['a*']\n    format: flyway\nmigrator:\n  auto_backup: false\n",
    );
    fleet.write("migrations/shared/V1__ok.sql", "SELECT 1;\n");
    for i in 0..40 {
        fleet.write(&format!("migrations/shared/x{i:02}.sql"), "SELECT 1;\n");
    }
    let out: Output = fleet.line("status");
    out.expect_contains("40 files in migrations/shared do not match the flyway format");
    out.expect_contains("first: migrations/shared/x00.sql");
    assert!(!out.all().contains("x01.sql"), "{}", out.describe());
    // For one database, every one of them.
    fleet
        .ok("status -d a1")
        .expect_contains("not a migration of set shared (flyway): migrations/shared/x39.sql");
}

// ---------------------------------------------------------------------------------------
// On the servers: where transactions and markers work differently.

/// A fleet of one database `app` on `engine`'s server whose own set is the fixture `tool`.
fn server_fleet(
    engine: servers::Engine,
    tool: Option<&str>,
) -> Option<(servers::Server, servers::Databases, Fleet)> {
    let server = servers::server(engine)?;
    let dbs = servers::Databases::create(&server, &["fmt_service"]);
    let fleet = servers::fleet_without_backups(&dbs);
    std::fs::remove_dir_all(fleet.file("migrations")).unwrap();
    std::fs::create_dir_all(fleet.file("migrations/fmt_service")).unwrap();
    if let Some(tool) = tool {
        copy_fixture(&fleet, tool, "fmt_service");
    }
    Some((server, dbs, fleet))
}

fn run(fleet: &Fleet, server: &servers::Server, line: &str) -> Output {
    let args: Vec<&str> = line.split_whitespace().collect();
    fleet.run_with_env(&args, &[("MICROSERVICE_DB_PASSWORD", &server.password)])
}

#[test]
fn goose_no_transaction_runs_create_index_concurrently_on_postgres() {
    // openfga's PostgreSQL folder: 006 is `-- +goose NO TRANSACTION` with CONCURRENTLY.
    let Some((server, dbs, fleet)) = server_fleet(Postgres, Some("goose-postgres")) else {
        return;
    };
    run(&fleet, &server, "up -d fmt_service").expect_ok();
    let real = dbs.real("fmt_service");
    let rows = server.migration_rows(real);
    assert_eq!(rows.len(), 6, "{rows:?}");
    assert!(rows.iter().all(|(_, _, s)| s == "applied"), "{rows:?}");
    let index = server.query(
        real,
        "SELECT indexname::text FROM pg_indexes WHERE indexname = 'idx_user_lookup'",
    );
    assert_eq!(index.len(), 1, "{index:?}");
    run(&fleet, &server, "down -d fmt_service --to 0").expect_ok();
    assert!(server.migration_rows(real).is_empty());
}

#[test]
fn golang_migrate_and_dbmate_markers_on_postgres() {
    let Some((server, dbs, fleet)) = server_fleet(Postgres, Some("golang-migrate")) else {
        return;
    };
    // harbor's dotted titles and PL/pgSQL, then a dbmate-style set declared beside them.
    run(&fleet, &server, "up -d fmt_service").expect_ok();
    let real = dbs.real("fmt_service");
    assert_eq!(server.migration_rows(real).len(), 3);
    // A golang-migrate file wrapped in BEGIN/COMMIT runs in dbfleet's one transaction.
    fleet.write(
        "migrations/fmt_service/0004_2.0.0_wrapped.up.sql",
        "BEGIN;\nCREATE TABLE wrapped (x INT);\nCOMMIT;\n",
    );
    run(&fleet, &server, "up -d fmt_service").expect_ok();
    assert!(server.tables(real).contains(&"wrapped".to_owned()));

    let Some((server, dbs, fleet)) = server_fleet(Postgres, None) else {
        return;
    };
    fleet.write(
        "migrations/fmt_service/20200101000000_t.sql",
        "-- migrate:up\nCREATE TABLE t (x INT);\n-- migrate:down\nDROP TABLE t;\n",
    );
    fleet.write(
        "migrations/fmt_service/20200102000000_idx.sql",
        "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY t_x ON t (x);\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY t_x;\n",
    );
    run(&fleet, &server, "up -d fmt_service").expect_ok();
    let real = dbs.real("fmt_service");
    assert_eq!(
        server
            .query(
                real,
                "SELECT indexname::text FROM pg_indexes WHERE indexname = 't_x'"
            )
            .len(),
        1
    );
    run(&fleet, &server, "down -d fmt_service --steps 1").expect_ok();
    assert!(
        server
            .query(
                real,
                "SELECT indexname::text FROM pg_indexes WHERE indexname = 't_x'"
            )
            .is_empty()
    );
}

#[test]
fn flyway_and_pop_files_apply_on_mariadb() {
    // hawkbit's MySQL folder: `_`-separated versions, `___MYSQL` in the descriptions.
    // (kestra's MySQL folder does not run on MariaDB: it names a column `offset`.)
    let Some((server, dbs, fleet)) = server_fleet(Mysql, Some("flyway")) else {
        return;
    };
    run(&fleet, &server, "up -d fmt_service").expect_ok();
    let real = dbs.real("fmt_service");
    let versions: Vec<String> = server
        .migration_rows(real)
        .into_iter()
        .map(|(_, v, _)| v)
        .collect();
    assert_eq!(versions, ["1.0.1", "1.2", "1.4"]);
    // A repeatable on MySQL (no transaction): replaced row, re-run when changed.
    fleet.write(
        "migrations/fmt_service/R__v.sql",
        "CREATE OR REPLACE VIEW v AS SELECT 1 AS one;",
    );
    run(&fleet, &server, "up -d fmt_service").expect_ok();
    fleet.write(
        "migrations/fmt_service/R__v.sql",
        "CREATE OR REPLACE VIEW v AS SELECT 2 AS two;",
    );
    run(&fleet, &server, "up -d fmt_service").expect_ok();
    assert_eq!(
        server.query(real, "SELECT CAST(two AS CHAR) FROM v").len(),
        1
    );
    assert_eq!(server.migration_rows(real).len(), 4);

    // kratos's first versions, the mysql variants (cockroach ignored).
    let Some((server, dbs, fleet)) = server_fleet(Mysql, Some("pop")) else {
        return;
    };
    run(&fleet, &server, "up -d fmt_service").expect_ok();
    let real = dbs.real("fmt_service");
    assert_eq!(server.migration_rows(real).len(), 3);
    assert!(server.tables(real).contains(&"identities".to_owned()));
}
