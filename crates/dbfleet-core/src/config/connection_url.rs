//! An entry's `url:`, read by the driver's own parser (sqlx's `PgConnectOptions` and
//! `MySqlConnectOptions`), so every option of the driver's URL grammar is accepted and
//! checked at load (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`, `application_name`,
//! `options`, `host=/run/postgresql` and `socket=` for Unix sockets, `ssl-ca`, ...) and the
//! URL itself is handed to the driver at connect. The parts the config shows or that the
//! entry's keys may fill in (host, port, user, password, database, TLS files) are read
//! back here; what the URL gives wins over the keys. Kept apart because it is the one place
//! that handles a URL, which may carry a password that no error may echo.

use std::path::Path;

use sqlx::ConnectOptions;
use sqlx::mysql::MySqlConnectOptions;
use sqlx::postgres::PgConnectOptions;

use super::Secret;
use crate::dialect::Dialect;

/// What the URL says, each part `None` when the URL leaves it to the entry's keys.
#[derive(Default)]
pub(super) struct UrlParts {
    pub(super) host: Option<String>,
    pub(super) port: Option<u16>,
    /// A Unix socket: PostgreSQL's socket folder, MySQL's socket file.
    pub(super) socket: Option<String>,
    pub(super) username: Option<String>,
    pub(super) password: Option<String>,
    pub(super) database: Option<String>,
    pub(super) charset: Option<String>,
    pub(super) sslmode: Option<String>,
    pub(super) ssl_root_cert: Option<String>,
    pub(super) ssl_cert: Option<String>,
    pub(super) ssl_key: Option<String>,
    pub(super) application_name: Option<String>,
}

pub(super) struct ParsedUrl {
    pub(super) driver: Dialect,
    pub(super) parts: UrlParts,
}

/// `postgres://user:pw@host:5432/db?sslmode=require`, `mysql://...`, `sqlite:data/x.db`.
/// Errors never include the URL itself: it may carry a password.
pub(super) fn parse_url(raw: &str, base_dir: &Path) -> Result<ParsedUrl, String> {
    let scheme = raw.split_once(':').map(|(s, _)| s).unwrap_or_default();
    let driver: Dialect = scheme.parse().map_err(|_| {
        format!("unknown scheme `{scheme}` (expected postgres://, mysql:// or sqlite:)")
    })?;
    if driver == Dialect::Sqlite {
        let rest = &raw[scheme.len() + 1..];
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or(rest);
        let parts = UrlParts {
            database: Some(base_dir.join(path).display().to_string()),
            ..UrlParts::default()
        };
        return Ok(ParsedUrl { driver, parts });
    }
    let url = url::Url::parse(raw).map_err(|e| format!("not a valid URL ({e})"))?;
    let password = url_password(&url, driver)?;
    // The driver's own check of every option; its words may quote an option's value,
    // never the URL, and the password is scrubbed from them all the same.
    let refused = |e: sqlx::Error| {
        let words = e.to_string();
        let words = password
            .as_deref()
            .map(|p| Secret::new(p).scrub(&words))
            .unwrap_or(words);
        format!("the {driver} driver refuses this URL: {words}")
    };
    let last = |keys: &[&str]| -> Option<String> {
        url.query_pairs()
            .filter(|(k, _)| keys.contains(&k.as_ref()))
            .last()
            .map(|(_, v)| v.into_owned())
    };
    let authority_host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .map(|h| percent_decode(h).ok_or_else(bad_encoding))
        .transpose()?;
    let path = url.path().trim_start_matches('/');
    let mut parts = UrlParts {
        sslmode: last(&["sslmode", "ssl-mode"]),
        ssl_cert: last(&["sslcert", "ssl-cert"]),
        ssl_key: last(&["sslkey", "ssl-key"]),
        ..UrlParts::default()
    };
    match driver {
        Dialect::Postgres => {
            let options = PgConnectOptions::from_url(&url).map_err(refused)?;
            let host_given = authority_host.is_some() || last(&["host", "hostaddr"]).is_some();
            if let Some(socket) = options.get_socket() {
                parts.socket = Some(socket.display().to_string());
            } else if host_given {
                let host = options.get_host();
                if host.starts_with('/') {
                    parts.socket = Some(host.to_owned());
                } else {
                    parts.host = Some(host.to_owned());
                }
            }
            let given = |keys: &[&str]| last(keys).is_some();
            parts.port = (url.port().is_some() || given(&["port"])).then(|| options.get_port());
            parts.username = (!url.username().is_empty() || given(&["user"]))
                .then(|| options.get_username().to_owned());
            parts.database = (!path.is_empty() || given(&["dbname"]))
                .then(|| options.get_database().map(str::to_owned))
                .flatten();
            parts.ssl_root_cert = last(&["sslrootcert", "ssl-root-cert", "ssl-ca"]);
            parts.application_name = options
                .get_application_name()
                .filter(|_| given(&["application_name"]))
                .map(str::to_owned);
        }
        Dialect::Mysql => {
            let options = MySqlConnectOptions::from_url(&url).map_err(refused)?;
            parts.host = authority_host.map(|_| options.get_host().to_owned());
            parts.socket = options.get_socket().map(|s| s.display().to_string());
            parts.port = url.port().map(|_| options.get_port());
            parts.username =
                (!url.username().is_empty()).then(|| options.get_username().to_owned());
            parts.database = (!path.is_empty())
                .then(|| options.get_database().map(str::to_owned))
                .flatten();
            parts.charset = last(&["charset"]).map(|_| options.get_charset().to_owned());
            parts.ssl_root_cert = last(&["sslca", "ssl-ca"]);
        }
        Dialect::Sqlite => {}
    }
    parts.password = password;
    Ok(ParsedUrl { driver, parts })
}

/// The URL's password, percent-decoded; PostgreSQL's `password=` parameter wins, as it
/// does in the driver.
fn url_password(url: &url::Url, driver: Dialect) -> Result<Option<String>, String> {
    let param = (driver == Dialect::Postgres)
        .then(|| {
            url.query_pairs()
                .filter(|(k, _)| k == "password")
                .last()
                .map(|(_, v)| v.into_owned())
        })
        .flatten();
    match param {
        Some(p) => Ok(Some(p)),
        None => url
            .password()
            .map(|p| percent_decode(p).ok_or_else(bad_encoding))
            .transpose(),
    }
}

fn bad_encoding() -> String {
    "bad percent-encoding in the URL".to_owned()
}

fn percent_decode(s: &str) -> Option<String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}
