//! Issue 13's fleet-aware lint on real servers: `plan` reads the size of each table a
//! size-dependent finding touches from every database's catalog, sums it up across the
//! fleet, and on MySQL/MariaDB says what the server's version does with an ALTER TABLE.
//! Servers from `DBFLEET_TEST_POSTGRES_URL` / `DBFLEET_TEST_MYSQL_URL`; skipped without.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;
mod servers;

use serde_json::Value;

use servers::Engine::{self, Mysql, Postgres};

const UP: &str = "migrations/orders/001_widen_total.up.sql";
const DOWN: &str = "migrations/orders/001_widen_total.down.sql";

/// Three databases: `big_service` with `big` rows in `orders`, `small_service` with 10,
/// `fresh_service` without the table; their statistics brought up to date.
fn fleet_of_three(server: &servers::Server, big: usize) -> (servers::Databases, common::Fleet) {
    let dbs =
        servers::Databases::create(server, &["big_service", "small_service", "fresh_service"]);
    let fleet = servers::fleet_without_backups(&dbs);
    let (create, analyze) = match server.engine {
        Postgres => (
            "CREATE TABLE orders (id bigserial PRIMARY KEY, total integer, note text)",
            "ANALYZE orders",
        ),
        Mysql => (
            "CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, total INT, note VARCHAR(100)) ENGINE=InnoDB",
            "ANALYZE TABLE orders",
        ),
    };
    for (name, rows) in [("big_service", big), ("small_service", 10)] {
        let real = dbs.real(name);
        server.admin_on(real, create);
        // Digits crossed with themselves: as many rows as asked, on either server.
        server.admin_on(
            real,
            "CREATE TABLE digits (d INT); INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)",
        );
        server.admin_on(
            real,
            &format!(
                "INSERT INTO orders (total, note) SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d, 'an order note long enough to take some room' \
                 FROM digits a, digits b, digits c, digits e, digits f LIMIT {rows}"
            ),
        );
        server.admin_on(real, analyze);
    }
    (dbs, fleet)
}

fn plan(fleet: &common::Fleet, server: &servers::Server, json: bool) -> common::Output {
    let mut args = vec![
        "plan",
        "--databases",
        "big_service,small_service,fresh_service",
        "--directory",
        "orders",
    ];
    if json {
        args.extend(["--format", "json"]);
    }
    let out = fleet.run_with_env(&args, &[("MICROSERVICE_DB_PASSWORD", &server.password)]);
    out.expect_ok();
    out
}

/// The finding of `rule` in `database`'s plan.
fn finding<'a>(plans: &'a Value, database: &str, rule: &str) -> &'a Value {
    let plan = plans
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["database"] == database)
        .unwrap();
    plan["steps"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {database}: {plan:#}"))
}

fn number(server: &servers::Server, database: &str, sql: &str) -> u64 {
    let rows = server.query(database, sql);
    rows[0][0].as_deref().unwrap().parse().unwrap()
}

fn sizes_are_read_per_database_and_summed_up(engine: Engine) {
    let Some(server) = servers::server(engine) else {
        return;
    };
    let (dbs, fleet) = fleet_of_three(&server, 20_000);
    let alter = match engine {
        Postgres => {
            "SET lock_timeout = '5s';\nALTER TABLE orders ALTER COLUMN total TYPE bigint;\n"
        }
        Mysql => "ALTER TABLE orders MODIFY total BIGINT;\n",
    };
    fleet.write(UP, alter);
    fleet.write(DOWN, "-- dbfleet:empty\n");
    let line = if engine == Postgres { 2 } else { 1 };

    let text = plan(&fleet, &server, false);
    let fleet_line = text
        .stdout
        .lines()
        .find(|l| l.starts_with("-- lint across the fleet: "))
        .unwrap_or_else(|| panic!("{}", text.describe()));
    let prefix =
        format!("-- lint across the fleet: {UP}:{line} column-type-change rewrites orders: ");
    assert!(fleet_line.starts_with(&prefix), "{}", text.describe());
    // The big one named, the small one after it, the database without the table not
    // counted.
    let rest = &fleet_line[prefix.len()..];
    assert!(rest.contains(" MiB on big_service, "), "{rest}");
    assert!(rest.ends_with(" KiB on small_service"), "{rest}");
    assert!(!rest.contains("fresh_service"), "{rest}");
    text.expect_contains("[orders here: ");

    // JSON: each database's own size on its finding, as its catalog says it.
    let plans = plan(&fleet, &server, true).json();
    let big = dbs.real("big_service");
    let (bytes_sql, rows_sql) = match engine {
        Postgres => (
            "SELECT pg_total_relation_size('orders')::text".to_owned(),
            "SELECT reltuples::bigint::text FROM pg_class WHERE oid = 'orders'::regclass"
                .to_owned(),
        ),
        Mysql => (
            format!(
                "SELECT CAST(data_length + index_length AS CHAR) FROM information_schema.tables WHERE table_schema = '{big}' AND table_name = 'orders'"
            ),
            format!(
                "SELECT CAST(table_rows AS CHAR) FROM information_schema.tables WHERE table_schema = '{big}' AND table_name = 'orders'"
            ),
        ),
    };
    let affects = &finding(&plans, "big_service", "column-type-change")["affects"];
    assert_eq!(affects["table"], "orders");
    assert_eq!(affects["exists"], true);
    assert_eq!(affects["size"]["bytes"], number(&server, big, &bytes_sql));
    assert_eq!(affects["size"]["rows"], number(&server, big, &rows_sql));
    if engine == Postgres {
        // After ANALYZE, PostgreSQL's estimate is the count.
        assert_eq!(affects["size"]["rows"], 20_000);
    }
    let fresh = &finding(&plans, "fresh_service", "column-type-change")["affects"];
    assert_eq!(fresh["exists"], false, "{fresh}");
    assert!(fresh.get("size").is_none(), "{fresh}");
    assert_eq!(
        finding(&plans, "small_service", "column-type-change")["file"],
        UP
    );
}

#[test]
fn sizes_are_read_per_database_and_summed_up_on_postgres() {
    sizes_are_read_per_database_and_summed_up(Postgres);
}

#[test]
fn sizes_are_read_per_database_and_summed_up_on_mysql() {
    sizes_are_read_per_database_and_summed_up(Mysql);
}

#[test]
fn an_unqualified_name_is_the_table_the_search_path_finds() {
    let Some(server) = servers::server(Postgres) else {
        return;
    };
    let (dbs, fleet) = fleet_of_three(&server, 20_000);
    // A much smaller table of the same name in another schema, which the search path
    // does not reach, and a schema-qualified statement that names it.
    let big = dbs.real("big_service");
    server.admin_on(
        big,
        "CREATE SCHEMA archive; CREATE TABLE archive.orders (id int); INSERT INTO archive.orders VALUES (1); ANALYZE archive.orders",
    );
    fleet.write(
        UP,
        "SET lock_timeout = '5s';\nCREATE INDEX orders_note ON orders (note);\nCREATE INDEX archive_id ON archive.orders (id);\n",
    );
    fleet.write(DOWN, "-- dbfleet:empty\n");
    let plans = plan(&fleet, &server, true).json();
    let plan = plans
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["database"] == "big_service")
        .unwrap();
    let findings = plan["steps"][0]["findings"].as_array().unwrap();
    let size_of = |table: &str| {
        findings
            .iter()
            .find(|f| f["affects"]["table"] == table)
            .unwrap_or_else(|| panic!("{table}: {findings:#?}"))["affects"]["size"]["rows"]
            .clone()
    };
    assert_eq!(size_of("orders"), 20_000);
    assert_eq!(size_of("archive.orders"), 1);
}

#[test]
fn plan_says_what_the_mysql_servers_version_does_with_an_alter() {
    let Some(server) = servers::server(Mysql) else {
        return;
    };
    let (dbs, fleet) = fleet_of_three(&server, 100);
    fleet.write(UP, "ALTER TABLE orders ADD COLUMN extra TEXT;\n");
    fleet.write(DOWN, "ALTER TABLE orders DROP COLUMN extra;\n");
    let version = server.query(dbs.real("big_service"), "SELECT VERSION()")[0][0]
        .clone()
        .unwrap();
    let product = if version.contains("MariaDB") {
        "MariaDB"
    } else {
        "MySQL"
    };
    let number: String = version
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let instant = if product == "MariaDB" {
        !version.starts_with("10.0.")
            && !version.starts_with("10.1.")
            && !version.starts_with("10.2.")
    } else {
        !version.starts_with("5.") && !version.starts_with("8.0.") || {
            let patch: u32 = number.rsplit('.').next().unwrap().parse().unwrap();
            version.starts_with("8.0.") && patch >= 12
        }
    };
    let text = plan(&fleet, &server, false);
    let label = format!("{product} {number}");
    if instant {
        text.expect_contains(&format!("[{label}: ADD COLUMN is INSTANT]"));
        // INSTANT does not depend on the table's size: no size, no fleet line.
        assert!(
            !text.stdout.contains("lint across the fleet"),
            "{}",
            text.describe()
        );
    } else {
        text.expect_contains(&format!("[{label}: no INSTANT before"));
        text.expect_contains("lint across the fleet");
    }
    let plans = plan(&fleet, &server, true).json();
    let found = finding(&plans, "big_service", "alter-without-algorithm");
    assert!(
        found["server_advice"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{label}: ")),
        "{found}"
    );
}
