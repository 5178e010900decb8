//! An entry's `url:` read into its parts (driver, host, port, user, password, database,
//! sslmode), which then win over the entry's keys. Kept apart because it is the one place
//! that handles a URL, which may carry a password that no error may echo.

use std::path::Path;

use crate::dialect::Dialect;

pub(super) struct UrlParts {
    pub(super) driver: Dialect,
    pub(super) host: Option<String>,
    pub(super) port: Option<u16>,
    pub(super) username: Option<String>,
    pub(super) password: Option<String>,
    pub(super) database: Option<String>,
    pub(super) sslmode: Option<String>,
}

/// `postgres://user:pw@host:5432/db?sslmode=require`, `mysql://...`, `sqlite:data/x.db`.
/// Errors never include the URL itself: it may carry a password.
pub(super) fn parse_url(raw: &str, base_dir: &Path) -> Result<UrlParts, String> {
    let scheme = raw.split_once(':').map(|(s, _)| s).unwrap_or_default();
    let driver: Dialect = scheme.parse().map_err(|_| {
        format!("unknown scheme `{scheme}` (expected postgres://, mysql:// or sqlite:)")
    })?;
    if driver == Dialect::Sqlite {
        let rest = &raw[scheme.len() + 1..];
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or(rest);
        return Ok(UrlParts {
            driver,
            host: None,
            port: None,
            username: None,
            password: None,
            database: Some(base_dir.join(path).display().to_string()),
            sslmode: None,
        });
    }
    let url = url::Url::parse(raw).map_err(|e| format!("not a valid URL ({e})"))?;
    let decode =
        |s: &str| percent_decode(s).ok_or_else(|| "bad percent-encoding in the URL".to_owned());
    let sslmode = url
        .query_pairs()
        .find(|(k, _)| k == "sslmode" || k == "ssl-mode" || k == "ssl_mode")
        .map(|(_, v)| v.into_owned());
    let database = url.path().trim_start_matches('/');
    Ok(UrlParts {
        driver,
        host: url.host_str().filter(|h| !h.is_empty()).map(str::to_owned),
        port: url.port(),
        username: (!url.username().is_empty())
            .then(|| decode(url.username()))
            .transpose()?,
        password: url.password().map(decode).transpose()?,
        database: (!database.is_empty())
            .then(|| decode(database))
            .transpose()?,
        sslmode,
    })
}

fn percent_decode(s: &str) -> Option<String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}
