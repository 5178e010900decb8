//! A fleet of one from a URL and a folder, as golang-migrate (`-database URL -path DIR`) and
//! sqlx (`DATABASE_URL`, `--source DIR`) take them: no config file, the folder's files are
//! the database's own set.

use std::path::Path;

use super::{Config, ConfigError};

/// The config `--url URL --source FOLDER` stands for, as if written in `base_dir`.
pub fn config_for_url(url: &str, folder: &Path, base_dir: &Path) -> Result<Config, ConfigError> {
    // JSON strings are YAML strings; `$$` keeps a `$` in a password from reading as `${VAR}`.
    let quoted = |text: &str| {
        serde_json::to_string(&text.replace('$', "$$")).unwrap_or_else(|_| "\"\"".to_owned())
    };
    // Said against the flag, not against the config written for it below.
    let bad = |message: String| ConfigError::File {
        path: "--url".into(),
        message,
    };
    if url.trim().is_empty() {
        return Err(bad(
            "empty: give the database's URL (postgres://, mysql:// or sqlite:)".into(),
        ));
    }
    super::connection_url::parse_url(url, base_dir).map_err(bad)?;
    let name = database_name(url);
    let text = format!(
        "databases:\n  {0}:\n    url: {1}\nmigrator:\n  default_database: {0}\n  migrations_dir: {2}\n",
        quoted(&name),
        quoted(url),
        quoted(&folder.to_string_lossy()),
    );
    // Errors name the flag, not a file that does not exist.
    let mut config = Config::parse(&base_dir.join("--url"), &text, &|_| None)?;
    config.flat_folder = true;
    Ok(config)
}

/// The database's name in dbfleet's output and journal: the URL's database (a SQLite
/// file's stem), with what a name may not hold made `_`.
pub fn database_name(url: &str) -> String {
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    let raw = if let Some(path) = without_query.strip_prefix("sqlite:") {
        let path = path.trim_start_matches("//");
        Path::new(path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        let after_scheme = without_query
            .split_once("://")
            .map_or(without_query, |(_, rest)| rest);
        let path = after_scheme
            .split_once('/')
            .map_or("", |(_, path)| path)
            .trim_matches('/');
        percent_encoding::percent_decode_str(path)
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(128)
        .collect();
    if name.is_empty() {
        return "database".to_owned();
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        name.insert(0, '_');
        name.truncate(128);
    }
    name
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_name_is_the_urls_database() {
        assert_eq!(
            database_name("postgres://u:p@db.internal:5432/orders?sslmode=require"),
            "orders"
        );
        assert_eq!(database_name("mysql://root@127.0.0.1/app%20db"), "app_db");
        assert_eq!(database_name("sqlite://data/app.db?mode=rwc"), "app");
        assert_eq!(database_name("sqlite:app.sqlite3"), "app");
        assert_eq!(database_name("postgres://u@host"), "database");
        assert_eq!(database_name("postgres://u@host/.hidden"), "_.hidden");
    }

    #[test]
    fn an_empty_or_unknown_url_is_said_against_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        for (url, said) in [
            ("", "--url: empty"),
            ("bogus", "--url: unknown scheme `` (expected postgres://"),
            ("redis://x/0", "--url: unknown scheme `redis`"),
        ] {
            let error = config_for_url(url, Path::new("m"), dir.path()).unwrap_err();
            assert!(error.to_string().starts_with(said), "{url}: {error}");
        }
    }

    #[test]
    fn a_url_makes_a_flat_fleet_of_one_and_keeps_dollars() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_for_url(
            "postgres://app:pa$${x}@127.0.0.1/orders",
            Path::new("db/migrations"),
            dir.path(),
        )
        .unwrap();
        assert!(config.flat_folder);
        assert_eq!(config.database_names(), ["orders"]);
        assert_eq!(config.default_database(), Some("orders"));
        assert_eq!(config.migrations_dir(), dir.path().join("db/migrations"));
        let target = config.databases[0].target.as_ref().unwrap();
        // The password reached the target as typed, `${x}` and all, and is not printed.
        assert!(!format!("{target:?}").contains("pa$${x}"));
        let password = target.password.as_ref().map(|p| p.expose().to_owned());
        assert_eq!(password.as_deref(), Some("pa$${x}"));
    }
}
