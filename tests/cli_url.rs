//! A fleet of one from a URL, as golang-migrate and sqlx take it: `--url URL --source DIR`,
//! or `DATABASE_URL` where there is no config file. No config is written or read.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;
mod servers;

use common::Fleet;

/// An empty folder (no config.yaml) holding a golang-migrate style folder `db/`.
fn bare_project() -> Fleet {
    let fleet = Fleet::new();
    std::fs::remove_file(fleet.file("config.yaml")).unwrap();
    fleet.write(
        "db/1_users.up.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n",
    );
    fleet.write("db/1_users.down.sql", "DROP TABLE users;\n");
    fleet.write(
        "db/2_orders.up.sql",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY);\n",
    );
    fleet.write("db/2_orders.down.sql", "DROP TABLE orders;\n");
    fleet
}

#[test]
fn a_url_and_a_folder_run_without_a_config() {
    let fleet = bare_project();
    let url = ["--url", "sqlite:data/app.db?mode=rwc", "--source", "db"];
    let status = fleet.run(&[&url[..], &["status", "--format", "json"]].concat());
    status.expect_ok();
    let json = status.json();
    assert_eq!(json["databases"][0]["name"], "app", "{}", status.stdout);
    assert_eq!(json["databases"][0]["pending"], 2);
    fleet.run(&[&url[..], &["up"]].concat()).expect_ok();
    assert_eq!(
        common::app_tables(&fleet.file("data/app.db")),
        ["orders", "users"]
    );
    fleet.run(&[&url[..], &["down"]].concat()).expect_ok();
    assert_eq!(common::app_tables(&fleet.file("data/app.db")), ["users"]);
    // `create` writes into the folder itself, in its format.
    fleet
        .run(&[&url[..], &["create", "add_email"]].concat())
        .expect_ok();
    assert!(fleet.file("db/3_add_email.up.sql").exists());
    assert!(!fleet.file("config.yaml").exists());
    // A folder that is not there is said as such.
    let out = fleet.run(&["--url", "sqlite:data/app.db", "--source", "nope", "status"]);
    out.expect_code(2)
        .expect_contains("the migrations folder")
        .expect_contains("--source DIR");
}

#[test]
fn database_url_stands_in_only_where_there_is_no_config() {
    let fleet = bare_project();
    let env = [("DATABASE_URL", "sqlite:data/env.db?mode=rwc")];
    let out = fleet.run_with_env(&["--source", "db", "up"], &env);
    out.expect_ok();
    assert!(fleet.file("data/env.db").exists(), "{}", out.all());
    // A project with a config.yaml is never redirected by a variable its shell exports.
    let demo = Fleet::new();
    let out = demo.run_with_env(&["status", "--short", "--format", "json"], &env);
    out.expect_ok();
    assert_eq!(out.json()["databases"].as_array().unwrap().len(), 6);
    assert!(!demo.file("data/env.db").exists());
}

#[test]
fn a_postgres_url_runs_a_golang_migrate_folder_unchanged() {
    let Some(server) = servers::server(servers::Engine::Postgres) else {
        return;
    };
    let dbs = servers::Databases::create(&server, &["urlapp"]);
    let fleet = Fleet::new();
    let source = common::repo_root().join("tests/fixtures/formats/golang-migrate");
    let url = server.url_for(dbs.real("urlapp"));
    let args = |command: &str| -> Vec<String> {
        vec![
            "--url".into(),
            url.clone(),
            "--source".into(),
            source.display().to_string(),
            command.into(),
            "--no-backup".into(),
        ]
    };
    let out = fleet.run(&args("up"));
    out.expect_ok();
    // Named after the URL's database; the URL's password never printed.
    assert!(out.stdout.contains(dbs.real("urlapp")), "{}", out.all());
    if !server.password.is_empty() {
        assert!(!out.all().contains(&server.password));
    }
    let rows = server.migration_rows(dbs.real("urlapp"));
    assert_eq!(rows.len(), common::count_migrations(&source), "{rows:?}");
}

/// Status names the server as it names itself, short, on each engine.
#[test]
fn status_names_the_servers_version() {
    let fleet = bare_project();
    let sqlite = fleet.run(&["--url", "sqlite:data/v.db?mode=rwc", "--source", "db", "up"]);
    sqlite.expect_ok();
    let version = |url: &str| -> String {
        let out = fleet.run(&["--url", url, "--source", "db", "status", "--format", "json"]);
        out.expect_ok();
        out.json()["databases"][0]["server_version"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(version("sqlite:data/v.db").starts_with("SQLite 3."));
    for engine in [servers::Engine::Postgres, servers::Engine::Mysql] {
        let Some(server) = servers::server(engine) else {
            continue;
        };
        let dbs = servers::Databases::create(&server, &["versioned"]);
        let named = version(&server.url_for(dbs.real("versioned")));
        let expected = match engine {
            servers::Engine::Postgres => ["PostgreSQL "].as_slice(),
            servers::Engine::Mysql => ["MariaDB ", "MySQL "].as_slice(),
        };
        let number = expected
            .iter()
            .find_map(|name| named.strip_prefix(name))
            .unwrap_or_else(|| panic!("{named}"));
        assert!(number.starts_with(|c: char| c.is_ascii_digit()), "{named}");
    }
}
