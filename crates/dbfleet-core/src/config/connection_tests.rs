//! Issue 10, item 5: `session:`, the connection options of the driver's URL grammar and
//! the TLS keys, and where a password may come from.

use super::*;

fn env(name: &str) -> Option<String> {
    match name {
        "MICROSERVICE_DB_PASSWORD" => Some("s3cret-pw".to_owned()),
        "PAY_DB_PASSWORD" => Some("EnvSecret42".to_owned()),
        "SQL_MODE" => Some("NO_ENGINE_SUBSTITUTION".to_owned()),
        _ => None,
    }
}

fn parse_at(path: &Path, text: &str) -> Config {
    Config::parse(path, text, &env).unwrap()
}

fn parse(text: &str) -> Config {
    parse_at(Path::new("/srv/fleet/config.yaml"), text)
}

fn target(config: &Config, name: &str) -> Target {
    config.database(name).unwrap().target.clone().unwrap()
}

fn error(config: &Config, name: &str) -> String {
    config
        .database(name)
        .unwrap()
        .target
        .clone()
        .unwrap_err()
        .to_string()
}

fn session(target: &Target) -> Vec<(&str, &SessionValue)> {
    target
        .connection
        .session
        .iter()
        .map(|s| (s.name.as_str(), &s.value))
        .collect()
}

#[test]
fn session_merges_over_the_defaults_key_by_key() {
    let config = parse(
        "database:\n  driver: mysql\n  session:\n    sql_mode: STRICT_ALL_TABLES\n    lock_wait_timeout: 5\ndatabases:\n  a:\n    database: a\n    session:\n      sql_mode: \"\"\n      time_zone: \"+00:00\"\n      foreign_key_checks: false\n  b:\n    database: b\n  c:\n    database: c\n    session:\n      sql_mode: ${SQL_MODE}\n      long_query_time: 0.5\n",
    );
    let a = target(&config, "a");
    assert_eq!(
        session(&a),
        [
            ("sql_mode", &SessionValue::Str(String::new())),
            ("lock_wait_timeout", &SessionValue::Int(5)),
            ("time_zone", &SessionValue::Str("+00:00".into())),
            ("foreign_key_checks", &SessionValue::Bool(false)),
        ],
        "the entry's value in the defaults' place, its own keys after"
    );
    assert_eq!(
        a.connection.session[0].origin,
        "/srv/fleet/config.yaml:10:17: databases.a.session.sql_mode"
    );
    assert_eq!(
        a.connection.session[1].origin,
        "/srv/fleet/config.yaml:5:24: database.session.lock_wait_timeout"
    );
    let b = target(&config, "b");
    assert_eq!(
        session(&b),
        [
            ("sql_mode", &SessionValue::Str("STRICT_ALL_TABLES".into())),
            ("lock_wait_timeout", &SessionValue::Int(5)),
        ]
    );
    let c = target(&config, "c");
    assert_eq!(
        session(&c)[0],
        (
            "sql_mode",
            &SessionValue::Str("NO_ENGINE_SUBSTITUTION".into())
        ),
        "${{VAR}} expanded"
    );
    assert_eq!(
        session(&c)[2],
        ("long_query_time", &SessionValue::Float(0.5))
    );
}

#[test]
fn a_bad_session_name_or_value_breaks_its_entry_with_its_place() {
    let config = parse(
        "database:\n  driver: postgres\ndatabases:\n  injected:\n    database: x\n    session:\n      \"search_path = public; DROP TABLE t; --\": 1\n  list:\n    database: x\n    session:\n      search_path: [a, b]\n  flat:\n    database: x\n    session: lock_timeout=5s\n  unset:\n    database: x\n    session:\n      role: ${NO_SUCH_VAR}\n  fine:\n    database: x\n    session:\n      app.tenant: acme\n",
    );
    let injected = error(&config, "injected");
    assert!(
        injected.starts_with("/srv/fleet/config.yaml:7:49: databases.injected: session: "),
        "{injected}"
    );
    assert!(injected.contains("is not a setting's name"), "{injected}");
    let list = error(&config, "list");
    assert!(
        list.contains("config.yaml:11:20: databases.list: session.search_path: expected a string, a number or a boolean, found a list"),
        "{list}"
    );
    let flat = error(&config, "flat");
    assert!(
        flat.contains("config.yaml:14:14: databases.flat: session: expected a mapping"),
        "{flat}"
    );
    let unset = error(&config, "unset");
    assert!(
        unset.contains("session.role: environment variable NO_SUCH_VAR is not set"),
        "{unset}"
    );
    assert_eq!(
        session(&target(&config, "fine")),
        [("app.tenant", &SessionValue::Str("acme".into()))]
    );
}

#[test]
fn session_and_tls_keys_in_a_sqlite_entry_are_refused_but_inherited_ones_unused() {
    let config = parse(
        "database:\n  driver: sqlite\n  session:\n    lock_timeout: 5s\ndatabases:\n  inherits:\n    database: a.db\n  own:\n    database: b.db\n    sslrootcert: ca.pem\n  my:\n    driver: mysql\n    database: c\n    application_name: fleet\n",
    );
    assert!(target(&config, "inherits").connection.session.is_empty());
    let own = error(&config, "own");
    assert!(
        own.contains(
            "databases.own: sslrootcert: a sqlite connection has none (only postgres and mysql)"
        ),
        "{own}"
    );
    let my = error(&config, "my");
    assert!(
        my.contains("application_name: a mysql connection has none (only postgres)"),
        "{my}"
    );
}

#[test]
fn url_options_of_the_drivers_grammar_reach_the_target() {
    let config = parse(
        "databases:\n  pg:\n    url: postgres://u@h/db?sslmode=verify-full&sslrootcert=/x/ca.pem&sslcert=/x/client.crt&sslkey=/x/client.key&application_name=fleet&options=-c%20geqo%3Doff\n  sock:\n    url: postgres:///orders?host=/var/run/postgresql\n    port: 5433\n  my:\n    url: mysql://app:MyPw77@db/shop?ssl-mode=VERIFY_IDENTITY&ssl-ca=/x/ca.pem&socket=/run/mysqld/mysqld.sock\n",
    );
    let pg = target(&config, "pg");
    assert_eq!(pg.host.as_deref(), Some("h"));
    assert_eq!(pg.port, None, "left to the keys, then the driver");
    assert_eq!(pg.username.as_deref(), Some("u"));
    assert_eq!(pg.database, "db");
    assert_eq!(pg.sslmode.as_deref(), Some("verify-full"));
    let c = &pg.connection;
    assert_eq!(c.ssl_root_cert.as_deref(), Some("/x/ca.pem"));
    assert_eq!(c.ssl_cert.as_deref(), Some("/x/client.crt"));
    assert_eq!(c.ssl_key.as_deref(), Some("/x/client.key"));
    assert_eq!(c.application_name.as_deref(), Some("fleet"));
    assert!(c.url.is_some(), "the whole URL goes to the driver");

    let sock = target(&config, "sock");
    assert_eq!(sock.host, None);
    assert_eq!(
        sock.connection.socket.as_deref(),
        Some("/var/run/postgresql")
    );
    assert_eq!(sock.port, Some(5433), "a key fills what the URL leaves out");
    assert!(sock.server_label().contains("/var/run/postgresql/orders"));

    let my = target(&config, "my");
    assert_eq!(my.sslmode.as_deref(), Some("VERIFY_IDENTITY"));
    assert_eq!(my.connection.ssl_root_cert.as_deref(), Some("/x/ca.pem"));
    assert_eq!(
        my.connection.socket.as_deref(),
        Some("/run/mysqld/mysqld.sock")
    );
    assert!(!format!("{my:?}").contains("MyPw77"), "{my:?}");
}

#[test]
fn the_drivers_parser_refuses_a_bad_option_without_echoing_the_url() {
    let config = parse(
        "databases:\n  pg:\n    url: postgres://app:Hunter77x@h/db?sslmode=sometimes\n  my:\n    url: mysql://app:Hunter77x@h/db?ssl-mode=maybe\n  port:\n    url: postgres://app:Hunter77x@h/db?port=http\n",
    );
    for name in ["pg", "my", "port"] {
        let e = error(&config, name);
        assert!(e.contains("driver refuses this URL"), "{e}");
        assert!(!e.contains("Hunter77x"), "{e}");
    }
    assert!(error(&config, "pg").contains("sometimes"));
}

#[test]
fn tls_keys_are_relative_to_the_config_file_and_a_url_wins_over_them() {
    let config = parse(
        "database:\n  driver: postgres\n  sslrootcert: certs/ca.pem\n  sslcert: /etc/fleet/client.crt\ndatabases:\n  a:\n    database: a\n    application_name: fleet-a\n    socket: /run/postgresql\n  b:\n    url: postgres://u@h/b?sslrootcert=/url/ca.pem\n",
    );
    let a = target(&config, "a");
    assert_eq!(
        a.connection.ssl_root_cert.as_deref(),
        Some("/srv/fleet/certs/ca.pem")
    );
    assert_eq!(
        a.connection.ssl_cert.as_deref(),
        Some("/etc/fleet/client.crt")
    );
    assert_eq!(a.connection.application_name.as_deref(), Some("fleet-a"));
    assert_eq!(a.connection.socket.as_deref(), Some("/run/postgresql"));
    let b = target(&config, "b");
    assert_eq!(b.connection.ssl_root_cert.as_deref(), Some("/url/ca.pem"));
    assert_eq!(
        b.connection.ssl_cert.as_deref(),
        Some("/etc/fleet/client.crt")
    );
}

#[test]
fn a_password_comes_from_a_file_beside_the_config_or_a_named_variable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("secrets")).unwrap();
    std::fs::write(dir.path().join("secrets/pay.txt"), "FileSecret99\n").unwrap();
    std::fs::write(dir.path().join("secrets/crlf.txt"), "CrlfSecret99\r\n").unwrap();
    std::fs::write(dir.path().join("secrets/two.txt"), "TwoLines99\nmore\n").unwrap();
    std::fs::write(dir.path().join("secrets/empty.txt"), "\n").unwrap();
    let config = parse_at(
        &dir.path().join("config.yaml"),
        "database:\n  driver: mysql\n  password: ${MICROSERVICE_DB_PASSWORD}\ndatabases:\n  file:\n    database: a\n    password_file: secrets/pay.txt\n  crlf:\n    database: a\n    password_file: secrets/crlf.txt\n  env:\n    database: a\n    password_env: PAY_DB_PASSWORD\n  inherits:\n    database: a\n  missing:\n    database: a\n    password_file: secrets/nope.txt\n  two:\n    database: a\n    password_file: secrets/two.txt\n  empty:\n    database: a\n    password_file: secrets/empty.txt\n  unset:\n    database: a\n    password_env: NO_SUCH_PASSWORD\n  both:\n    database: a\n    password: x\n    password_file: secrets/pay.txt\n",
    );
    let password = |name: &str| {
        target(&config, name)
            .password
            .map(|p| p.expose().to_owned())
    };
    assert_eq!(password("file").as_deref(), Some("FileSecret99"));
    assert_eq!(password("crlf").as_deref(), Some("CrlfSecret99"));
    assert_eq!(password("env").as_deref(), Some("EnvSecret42"));
    assert_eq!(password("inherits").as_deref(), Some("s3cret-pw"));

    let missing = error(&config, "missing");
    assert!(
        missing.contains(&format!(
            "databases.missing: password_file: cannot read {}: no such file",
            dir.path().join("secrets/nope.txt").display()
        )),
        "{missing}"
    );
    let two = error(&config, "two");
    assert!(two.contains("holds more than one line"), "{two}");
    assert!(!two.contains("TwoLines99"), "{two}");
    assert!(error(&config, "empty").contains("is empty"));
    assert!(
        error(&config, "unset")
            .contains("password_env: environment variable NO_SUCH_PASSWORD is not set")
    );
    let both = error(&config, "both");
    assert!(
        both.contains("give the password one way: `password`, `password_file` are all set"),
        "{both}"
    );
    for entry in &config.databases {
        let shown = format!("{:?}", entry.target);
        for secret in ["FileSecret99", "CrlfSecret99", "EnvSecret42", "s3cret-pw"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}

/// The README's example (Configuration, Connections) loads as it says.
#[test]
fn the_readmes_connection_example_loads() {
    let readme = include_str!("../../../../README.md");
    let start = readme
        .find("### Connections: URL options")
        .and_then(|i| readme[i..].find("```yaml\n").map(|j| i + j + 8))
        .unwrap();
    let end = start + readme[start..].find("```").unwrap();
    let example = &readme[start..end];
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("secrets")).unwrap();
    std::fs::write(dir.path().join("secrets/db-password"), "FromFile7\n").unwrap();
    let config = parse_at(&dir.path().join("config.yaml"), example);
    let orders = target(&config, "orders_service");
    assert_eq!(
        orders.password.as_ref().map(Secret::expose),
        Some("FromFile7")
    );
    assert_eq!(
        session(&orders),
        [
            ("lock_timeout", &SessionValue::Str("5s".into())),
            ("statement_timeout", &SessionValue::Str("15min".into())),
            ("search_path", &SessionValue::Str("orders, public".into())),
        ]
    );
    assert_eq!(
        orders.connection.ssl_root_cert,
        Some(dir.path().join("certs/ca.pem").display().to_string())
    );
    let billing = target(&config, "billing_service");
    assert_eq!(billing.host.as_deref(), Some("pg2.internal"));
    assert_eq!(
        billing.connection.ssl_root_cert.as_deref(),
        Some("/etc/ssl/pg-ca.pem")
    );
    assert_eq!(
        billing.connection.application_name.as_deref(),
        Some("fleet")
    );
    let local = target(&config, "local_service");
    assert_eq!(
        local.connection.socket.as_deref(),
        Some("/var/run/postgresql")
    );
    // The typo the README shows the server's refusal of, and where it points.
    let typo = example.replace("    lock_timeout: 5s", "    lock_timeot: 5s");
    let config = parse_at(&dir.path().join("config.yaml"), &typo);
    let orders = target(&config, "orders_service");
    assert!(
        orders.connection.session[0]
            .origin
            .ends_with("config.yaml:8:18: database.session.lock_timeot"),
        "{}",
        orders.connection.session[0].origin
    );
    assert_eq!(orders.server_label(), "migrator@pg1.internal/orders");

    let next = end + readme[end + 3..].find("```yaml\n").unwrap() + 3 + 8;
    let maria = &readme[next..next + readme[next..].find("```").unwrap()];
    let config = Config::parse(&dir.path().join("config.yaml"), maria, &|name| {
        (name == "MARIA_PASSWORD").then(|| "FromEnv7".to_owned())
    })
    .unwrap();
    let legacy = target(&config, "legacy_service");
    assert_eq!(legacy.driver, Dialect::Mysql);
    assert_eq!(
        legacy.password.as_ref().map(Secret::expose),
        Some("FromEnv7")
    );
    assert_eq!(
        session(&legacy),
        [
            (
                "sql_mode",
                &SessionValue::Str("NO_ENGINE_SUBSTITUTION".into())
            ),
            ("foreign_key_checks", &SessionValue::Int(0)),
        ]
    );
}
