use super::*;

const SEED: &str = include_str!("../../tests/fixtures/seed-config.yaml");

fn env_with_password(name: &str) -> Option<String> {
    (name == "MICROSERVICE_DB_PASSWORD").then(|| "s3cret-pw".to_owned())
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(
        Path::new("/srv/fleet/config.yaml"),
        text,
        &env_with_password,
    )
}

#[test]
fn seed_config_loads_unchanged() {
    let config = parse(SEED).unwrap();
    let names = config.database_names();
    assert_eq!(
        names,
        [
            "user_service",
            "product_service",
            "order_service",
            "message_service",
            "analytics_service",
            "shared_service"
        ]
    );
    let user = config
        .database("user_service")
        .unwrap()
        .target
        .clone()
        .unwrap();
    assert_eq!(user.driver, Dialect::Mysql);
    assert_eq!(user.host.as_deref(), Some("microservices-db.internal"));
    assert_eq!(user.port, Some(3306));
    assert_eq!(user.database, "user_service_db");
    assert_eq!(user.charset.as_deref(), Some("utf8mb4"));
    assert_eq!(
        user.password.as_ref().map(Secret::expose),
        Some("s3cret-pw")
    );
    assert_eq!(config.migrator.migrations_table, "schema_migrations");
    assert_eq!(config.migrator.lock_table, "schema_migrations_lock");
    assert!(config.migrator.auto_backup);
    assert!(!config.migrator.dry_run);
    assert_eq!(config.default_database(), Some("shared_service"));
    assert_eq!(config.patterns(), ["*_service", "user_*", "order_*"]);
    assert_eq!(config.migrations_dir(), Path::new("/srv/fleet/migrations"));
    assert!(!format!("{user:?}").contains("s3cret-pw"));
    assert!(!user.server_label().contains("s3cret-pw"));
}

#[test]
fn unset_variable_names_itself_and_every_database_that_needs_it() {
    let config = Config::parse(Path::new("config.yaml"), SEED, &no_env).unwrap();
    for entry in &config.databases {
        let err = entry.target.as_ref().unwrap_err().to_string();
        assert!(err.contains("MICROSERVICE_DB_PASSWORD"), "{err}");
        assert!(err.contains(&format!("databases.{}", entry.name)), "{err}");
        assert!(err.contains("is not set"), "{err}");
    }
}

#[test]
fn entries_inherit_defaults_and_override_them() {
    let config = parse(
        "database:\n  driver: postgres\n  host: db1\n  port: 5432\n  username: app\ndatabases:\n  a:\n    database: a_db\n  b:\n    database: b_db\n    host: db2\n    depends_on: [a]\n",
    )
    .unwrap();
    let a = config.database("a").unwrap().target.clone().unwrap();
    let b = config.database("b").unwrap();
    assert_eq!(a.host.as_deref(), Some("db1"));
    assert_eq!(b.target.as_ref().unwrap().host.as_deref(), Some("db2"));
    assert_eq!(b.target.as_ref().unwrap().driver, Dialect::Postgres);
    assert_eq!(b.depends_on, ["a"]);
    assert_eq!(a.server_label(), "app@db1:5432/a_db");
}

#[test]
fn merge_keys_work_for_shared_connection_blocks() {
    let config = parse(
        "database: &conn\n  driver: mysql\n  host: h\ndatabases:\n  a:\n    <<: *conn\n    database: a_db\n",
    )
    .unwrap();
    assert_eq!(
        config
            .database("a")
            .unwrap()
            .target
            .as_ref()
            .unwrap()
            .host
            .as_deref(),
        Some("h")
    );
}

#[test]
fn sqlite_paths_are_relative_to_the_config_file() {
    let config = parse("databases:\n  a:\n    driver: sqlite\n    database: data/a.db\n").unwrap();
    let a = config.database("a").unwrap().target.clone().unwrap();
    assert_eq!(a.database, "/srv/fleet/data/a.db");
    assert_eq!(a.server_key(), None);
}

#[test]
fn malformed_yaml_reports_file_line_and_column() {
    let err = parse("databases:\n  a:\n    driver: [sqlite\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("/srv/fleet/config.yaml"), "{err}");
    assert!(err.contains("line 3 column 13"), "{err}");
}

#[test]
fn a_typo_in_migrator_is_reported_with_its_line() {
    let err = parse("databases: {}\nmigrator:\n  migrations_tabel: x\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown field `migrations_tabel` (did you mean `migrations_table`?)"),
        "{err}"
    );
    assert!(err.contains("line 3"), "{err}");
    assert!(!err.contains("error: "), "no doubled prefix: {err}");
}

#[test]
fn a_broken_entry_does_not_hide_the_others() {
    let config = parse(
        "database:\n  driver: sqlite\ndatabases:\n  good:\n    database: good.db\n  typo:\n    databse: typo.db\n  wrong_type: 42\n  bad_port:\n    driver: mysql\n    database: x\n    port: http\n  bad_driver:\n    driver: oracle\n    database: x\n",
    )
    .unwrap();
    assert!(config.database("good").unwrap().target.is_ok());
    let typo = config
        .database("typo")
        .unwrap()
        .target
        .clone()
        .unwrap_err()
        .to_string();
    assert!(typo.contains("config.yaml:7:14"), "{typo}");
    assert!(
        typo.contains("unknown key `databse` (did you mean `database`?)"),
        "{typo}"
    );
    let wrong = config
        .database("wrong_type")
        .unwrap()
        .target
        .clone()
        .unwrap_err()
        .to_string();
    assert!(wrong.contains("expected a mapping"), "{wrong}");
    let port = config
        .database("bad_port")
        .unwrap()
        .target
        .clone()
        .unwrap_err()
        .to_string();
    assert!(port.contains("`http` is not a port number"), "{port}");
    let driver = config
        .database("bad_driver")
        .unwrap()
        .target
        .clone()
        .unwrap_err()
        .to_string();
    assert!(driver.contains("unknown driver `oracle`"), "{driver}");
}

#[test]
fn dependency_problems_break_only_the_entries_involved() {
    let config = parse(
        "database:\n  driver: sqlite\ndatabases:\n  a:\n    database: a.db\n    depends_on: [ghost]\n  b:\n    database: b.db\n    depends_on: [c]\n  c:\n    database: c.db\n    depends_on: [b]\n  d:\n    database: d.db\n",
    )
    .unwrap();
    let a = config
        .database("a")
        .unwrap()
        .target
        .clone()
        .unwrap_err()
        .to_string();
    assert!(a.contains("`ghost`"), "{a}");
    assert!(a.contains("config.yaml:6:17: "), "where: {a}");
    let b = config
        .database("b")
        .unwrap()
        .target
        .clone()
        .unwrap_err()
        .to_string();
    assert!(b.contains("cycle: b → c → b"), "{b}");
    assert!(b.contains("config.yaml:9:17: "), "where: {b}");
    assert!(config.database("d").unwrap().target.is_ok());
}

#[test]
fn unknown_default_database_is_kept_for_the_commands_that_use_it() {
    let config = parse("databases:\n  a:\n    driver: sqlite\n    database: a.db\nmigrator:\n  default_database: nope\n")
        .expect("the rest of the config is fine");
    assert_eq!(config.default_database(), None);
    let err = config.default_database_problem.unwrap_or_default();
    assert!(err.contains("config.yaml:6:21"), "{err}");
    assert!(
        err.contains("`nope` is not a configured database (configured: a)"),
        "{err}"
    );
}

#[test]
fn a_url_fills_the_connection_fields_and_never_leaks_its_password() {
    let config = parse(
        "databases:\n  pg:\n    url: postgres://app:p%40ss%2Fw0rd@db.internal:6432/orders?sslmode=require\n  my:\n    url: mysql://root@127.0.0.1/shop\n    charset: utf8mb4\n  lite:\n    url: sqlite:data/x.db\n  bad:\n    url: \"postgres://app:hunter22@[broken\"\n",
    )
    .unwrap();
    let pg = config.database("pg").unwrap().target.clone().unwrap();
    assert_eq!(pg.driver, Dialect::Postgres);
    assert_eq!(pg.host.as_deref(), Some("db.internal"));
    assert_eq!(pg.port, Some(6432));
    assert_eq!(pg.username.as_deref(), Some("app"));
    assert_eq!(pg.password.as_ref().map(Secret::expose), Some("p@ss/w0rd"));
    assert_eq!(pg.database, "orders");
    assert_eq!(pg.sslmode.as_deref(), Some("require"));
    assert_eq!(pg.server_label(), "app@db.internal:6432/orders");
    let my = config.database("my").unwrap().target.clone().unwrap();
    assert_eq!((my.driver, my.database.as_str()), (Dialect::Mysql, "shop"));
    assert_eq!(my.charset.as_deref(), Some("utf8mb4"));
    let lite = config.database("lite").unwrap().target.clone().unwrap();
    assert_eq!(lite.database, "/srv/fleet/data/x.db");
    let bad = config
        .database("bad")
        .unwrap()
        .target
        .clone()
        .unwrap_err()
        .to_string();
    assert!(bad.contains("url: not a valid URL"), "{bad}");
    assert!(!bad.contains("hunter22"), "{bad}");
}

#[test]
fn an_entry_url_beats_an_inherited_driver_but_not_a_contradicting_own_one() {
    let config = parse(
        "database:\n  driver: sqlite\ndatabases:\n  pay:\n    url: mysql://payer:pw@127.0.0.1:1/pay_db\n  clash:\n    driver: postgres\n    url: mysql://u@h/db\n",
    )
    .unwrap();
    let pay = config.database("pay").unwrap().target.clone().unwrap();
    assert_eq!(pay.driver, Dialect::Mysql);
    assert_eq!(pay.database, "pay_db");
    let clash = config
        .database("clash")
        .unwrap()
        .target
        .clone()
        .unwrap_err()
        .to_string();
    assert!(clash.contains("contradicts the url's scheme"), "{clash}");
}

#[test]
fn a_yaml_error_next_to_a_password_does_not_print_it() {
    let text = "database:\n  driver: mysql\ndatabases:\n  b:\n    url: mysql://app:UrlSecret9@db:3306/x\n  a:\n    password: Zq9SecretPw77\nmigrator:\n  auto_bakup: true\n";
    let err = parse(text).unwrap_err().to_string();
    assert!(err.contains("auto_bakup"), "{err}");
    assert!(
        err.contains("password: ***"),
        "the excerpt shows the key: {err}"
    );
    assert!(!err.contains("Zq9SecretPw77"), "{err}");
    assert!(!err.contains("UrlSecret9"), "{err}");
}

#[test]
fn masking_covers_url_passwords_and_leaves_other_lines() {
    let masked = super::mask_secrets(
        " 4 |     url: postgres://app:Hunter2x@db:5432/x\n 5 |     password: \"p@ss: w\"\n 6 |     port: 5432\n   |   ^ expected one of host, password, port",
    );
    assert!(
        !masked.contains("Hunter2x") && !masked.contains("p@ss"),
        "{masked}"
    );
    assert!(masked.contains("postgres://app:***@db:5432/x"), "{masked}");
    assert!(masked.contains("port: 5432"), "{masked}");
    assert!(
        masked.contains("expected one of host, password, port"),
        "{masked}"
    );
}
