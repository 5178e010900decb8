//! The options PostgreSQL and MySQL sessions connect with, built from a config entry:
//! what the URL's grammar and the entry's keys say must reach the driver (issue 10,
//! item 5). No server needed: the built options are read back.

use std::path::Path;

use sqlx::mysql::MySqlSslMode;
use sqlx::postgres::PgSslMode;

use super::{Access, mysql, postgres};
use crate::config::{Config, Target};

/// The one entry `a` of a config whose entry is `entry` (indented four spaces).
fn target(entry: &str) -> Target {
    let text = format!("databases:\n  a:\n{entry}");
    let config =
        Config::parse(Path::new("/srv/fleet/config.yaml"), &text, &|_| None).expect("config");
    config.databases[0].target.clone().expect("target")
}

#[test]
fn postgres_gets_the_urls_tls_and_connection_options() {
    let target = target(
        "    url: postgres://u:UrlPw55@h:6543/db?sslmode=verify-full&sslrootcert=/x/ca.pem&sslcert=/x/c.crt&sslkey=/x/c.key&application_name=fleet&options=-c%20geqo%3Doff\n    session:\n      lock_timeout: 5s\n      search_path: app, public\n",
    );
    let options = postgres::connect_options(&target, Access::ReadOnly, 30).expect("options");
    assert_eq!(options.get_host(), "h");
    assert_eq!(options.get_port(), 6543);
    assert_eq!(options.get_username(), "u");
    assert_eq!(options.get_database(), Some("db"));
    assert!(matches!(options.get_ssl_mode(), PgSslMode::VerifyFull));
    assert_eq!(options.get_application_name(), Some("fleet"));
    // The URL's own startup options first, then dbfleet's, the entry's `session:`,
    // and read-only last, where nothing can override it.
    assert_eq!(
        options.get_options(),
        Some(
            "-c geqo=off -c statement_timeout=30s -c lock_timeout=5s -c search_path=app,\\ public -c default_transaction_read_only=on"
        )
    );
    // No getters for the certificates: their paths show in the options' Debug.
    let shown = format!("{options:?}");
    for file in ["/x/ca.pem", "/x/c.crt", "/x/c.key"] {
        assert!(shown.contains(file), "{file} in {shown}");
    }
}

#[test]
fn postgres_options_from_keys_without_a_url_and_a_socket_for_the_host() {
    let target = target(
        "    driver: postgres\n    socket: /var/run/postgresql\n    database: orders\n    username: app\n    sslrootcert: certs/ca.pem\n    session:\n      statement_timeout: 0\n      jit: false\n",
    );
    let options = postgres::connect_options(&target, Access::ReadWrite { create: false }, 30)
        .expect("options");
    assert_eq!(
        options.get_socket().map(|s| s.display().to_string()),
        Some("/var/run/postgresql".to_owned())
    );
    assert_eq!(options.get_application_name(), Some("dbfleet"));
    assert_eq!(
        options.get_options(),
        Some("-c statement_timeout=30s -c statement_timeout=0 -c jit=off"),
        "the entry's statement_timeout, later, wins"
    );
    assert!(format!("{options:?}").contains("/srv/fleet/certs/ca.pem"));
}

#[test]
fn mysql_gets_the_urls_tls_and_connection_options() {
    let target = target(
        "    url: mysql://app:UrlPw55@db:3307/shop?ssl-mode=VERIFY_IDENTITY&ssl-ca=/x/ca.pem&ssl-cert=/x/c.crt&ssl-key=/x/c.key&charset=latin1&collation=latin1_swedish_ci&timezone=%2B02:00\n",
    );
    let options = mysql::connect_options(&target).expect("options");
    assert_eq!(options.get_host(), "db");
    assert_eq!(options.get_port(), 3307);
    assert_eq!(options.get_username(), "app");
    assert_eq!(options.get_database(), Some("shop"));
    assert!(matches!(
        options.get_ssl_mode(),
        MySqlSslMode::VerifyIdentity
    ));
    assert_eq!(options.get_charset(), "latin1");
    assert_eq!(options.get_collation(), Some("latin1_swedish_ci"));
    let shown = format!("{options:?}");
    for part in ["/x/ca.pem", "/x/c.crt", "/x/c.key", "+02:00"] {
        assert!(shown.contains(part), "{part} in {shown}");
    }
}

#[test]
fn mysql_options_from_keys_a_socket_and_the_servers_time_zone() {
    let target = target(
        "    driver: mysql\n    host: localhost\n    socket: /run/mysqld/mysqld.sock\n    database: shop\n    sslmode: required\n",
    );
    let options = mysql::connect_options(&target).expect("options");
    assert_eq!(
        options.get_socket().map(|s| s.display().to_string()),
        Some("/run/mysqld/mysqld.sock".to_owned())
    );
    assert!(matches!(options.get_ssl_mode(), MySqlSslMode::Required));
    assert_eq!(options.get_charset(), "utf8mb4");
    assert!(format!("{options:?}").contains("timezone: None"));
}

#[test]
fn postgres_on_this_host_goes_without_tls_first_unless_tls_is_asked_for() {
    let plain_first = |entry: &str| {
        let target = target(entry);
        let options = postgres::connect_options(&target, Access::ReadOnly, 0).expect("options");
        postgres::plain_first(&target, &options)
    };
    if std::env::var_os("PGSSLMODE").is_some() {
        // PGSSLMODE asks for a mode: it is what libpq would use, always.
        assert!(!plain_first("    url: postgres://u@127.0.0.1/db\n"));
        return;
    }
    assert!(plain_first("    url: postgres://u@127.0.0.1/db\n"));
    assert!(plain_first("    url: postgres://u@localhost:5433/db\n"));
    assert!(plain_first("    url: postgres://u@[::1]/db\n"));
    assert!(plain_first(
        "    driver: postgres\n    host: 127.0.0.2\n    database: db\n"
    ));
    // Another host, a socket (no TLS there anyway), or TLS asked for in any way.
    assert!(!plain_first("    url: postgres://u@db.internal/db\n"));
    assert!(!plain_first("    url: postgres://u@10.0.0.5/db\n"));
    assert!(!plain_first(
        "    driver: postgres\n    socket: /var/run/postgresql\n    database: db\n"
    ));
    assert!(!plain_first(
        "    url: postgres://u@127.0.0.1/db?sslmode=prefer\n"
    ));
    assert!(!plain_first(
        "    driver: postgres\n    host: localhost\n    database: db\n    sslmode: require\n"
    ));
    assert!(!plain_first(
        "    driver: postgres\n    host: localhost\n    database: db\n    sslrootcert: ca.pem\n"
    ));
}

/// The server's words when a rule wants TLS, as PostgreSQL 15 says them (a `hostssl`
/// rule alone; a `hostnossl ... reject` rule): then the connection is asked again with TLS.
#[test]
fn a_server_that_wants_tls_is_asked_again_with_it() {
    use super::{DriverError, ErrorKind};
    let said = |message: &str| {
        postgres::refused_without_tls(&DriverError::new(ErrorKind::Connect, message))
    };
    assert!(said(
        "cannot connect to 127.0.0.1:5432: FATAL: no pg_hba.conf entry for host \"127.0.0.1\", user \"app\", database \"orders\", no encryption"
    ));
    assert!(said(
        "cannot connect to 127.0.0.1:5432: FATAL: pg_hba.conf rejects connection for host \"127.0.0.1\", user \"postgres\", database \"sb_0001\", no encryption"
    ));
    assert!(!said(
        "cannot connect to 127.0.0.1:5432: FATAL: password authentication failed for user \"app\""
    ));
}
