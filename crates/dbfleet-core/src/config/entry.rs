//! One entry of `databases:` made into a `DatabaseEntry`: the name rules, the keys an entry
//! may hold, the `database:` defaults merged under it, `${VAR}` expanded, its URL read.
//! Every problem is kept in the entry, with where it stands, so one broken entry never
//! fails the load.

use std::path::Path;

use indexmap::IndexMap;
use serde_saphyr::Spanned;

use super::connection_url::{ParsedUrl, UrlParts, parse_url};
use super::password::{PASSWORD_KEYS, read_password_env, read_password_file};
use super::session::{SessionSource, session_settings};
use super::{
    ConnectionOptions, DatabaseEntry, EntryError, Node, Secret, SpannedNode, Target, expand,
};
use crate::dialect::Dialect;

/// Characters a database or set name may hold: it becomes part of file names (backups,
/// the set's folder), so nothing that could leave a folder (`/`, `..`) or confuse a shell.
pub const NAME_CHARACTERS: &str = "ASCII letters, digits, `_`, `-` and `.`, starting with a letter, digit or `_`, at most 128 of them";

/// Why `name` cannot name a database or a set, if it cannot.
pub fn name_problem(name: &str) -> Option<String> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    (!ok).then(|| {
        format!(
            "the name `{}` is not allowed: a name may hold only {NAME_CHARACTERS}",
            name.escape_debug()
        )
    })
}

const ENTRY_KEYS: &[&str] = &[
    "driver",
    "host",
    "port",
    "username",
    "user",
    "password",
    "password_file",
    "password_env",
    "database",
    "charset",
    "schema",
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "socket",
    "application_name",
    "url",
    "session",
    "depends_on",
];

pub(super) fn build_entry(
    path: &Path,
    base_dir: &Path,
    name: &Spanned<String>,
    node: &SpannedNode,
    defaults: &IndexMap<String, SpannedNode>,
    env: &dyn Fn(&str) -> Option<String>,
) -> DatabaseEntry {
    if let Some(problem) = name_problem(&name.value) {
        // Listed under a printable form of its name, in an error state like any broken
        // entry; no file is ever named after it.
        let shown = name.value.escape_debug().to_string();
        return DatabaseEntry {
            name: shown.clone(),
            depends_on: Vec::new(),
            depends_on_at: None,
            target: Err(EntryError(format!(
                "{}:{}:{}: databases.{shown}: {problem}",
                path.display(),
                name.referenced.line(),
                name.referenced.column()
            ))),
        };
    }
    let name = name.value.as_str();
    let at = |loc: &serde_saphyr::Location, message: String| {
        EntryError(format!(
            "{}:{}:{}: databases.{name}: {message}",
            path.display(),
            loc.line(),
            loc.column()
        ))
    };
    let own = match &node.value {
        Node::Map(map) => map.clone(),
        Node::Null => IndexMap::new(),
        other => {
            return DatabaseEntry {
                name: name.to_owned(),
                depends_on: Vec::new(),
                depends_on_at: None,
                target: Err(at(
                    &node.referenced,
                    format!(
                        "expected a mapping of connection settings, found {}",
                        other.kind()
                    ),
                )),
            };
        }
    };
    let mut merged = defaults.clone();
    // A password the entry gives, however it gives it, replaces the defaults' one.
    if PASSWORD_KEYS.iter().any(|k| own.contains_key(*k)) {
        merged.retain(|k, _| !PASSWORD_KEYS.contains(&k.as_str()));
    }
    merged.extend(own.clone());

    let mut depends_on = Vec::new();
    let mut problem: Option<EntryError> = None;
    let mut note = |e: EntryError| {
        if problem.is_none() {
            problem = Some(e);
        }
    };

    for (key, value) in &merged {
        if !ENTRY_KEYS.contains(&key.as_str()) {
            let hint = crate::suggest::did_you_mean(ENTRY_KEYS.iter().copied(), key)
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            note(at(
                &value.referenced,
                format!(
                    "unknown key `{key}`{hint}; known keys: {}",
                    ENTRY_KEYS.join(", ")
                ),
            ));
        }
    }
    let mut depends_on_at = None;
    if let Some(deps) = own.get("depends_on") {
        depends_on_at = Some(format!(
            "{}:{}:{}",
            path.display(),
            deps.referenced.line(),
            deps.referenced.column()
        ));
        match &deps.value {
            Node::Seq(items) => {
                for item in items {
                    match &item.value {
                        Node::Str(s) => depends_on.push(s.clone()),
                        other => note(at(
                            &item.referenced,
                            format!(
                                "depends_on: expected database names, found {}",
                                other.kind()
                            ),
                        )),
                    }
                }
            }
            Node::Str(s) => depends_on.push(s.clone()),
            Node::Null => {}
            other => note(at(
                &deps.referenced,
                format!(
                    "depends_on: expected a list of database names, found {}",
                    other.kind()
                ),
            )),
        }
    }

    let mut text = |key: &str| -> Option<String> {
        let value = merged.get(key)?;
        match value.value.as_scalar_text() {
            Some(raw) => match expand(&raw, env) {
                Ok(expanded) => Some(expanded),
                Err(e) => {
                    note(at(&value.referenced, format!("{key}: {e}")));
                    None
                }
            },
            None if value.value == Node::Null => None,
            None => {
                note(at(
                    &value.referenced,
                    format!(
                        "{key}: expected a single value, found {}",
                        value.value.kind()
                    ),
                ));
                None
            }
        }
    };

    let url = text("url");
    let driver_text = text("driver");
    let host = text("host");
    let port_text = text("port");
    let username = text("username").or_else(|| text("user"));
    let password = text("password");
    let password_file = text("password_file");
    let password_env = text("password_env");
    let database = text("database");
    let charset = text("charset");
    let schema = text("schema");
    let sslmode = text("sslmode");
    // Paths in the entry's keys are relative to the config file, as every path in it is.
    let mut path_text = |key: &str| text(key).map(|p| base_dir.join(p).display().to_string());
    let socket = path_text("socket");
    let ssl_root_cert = path_text("sslrootcert");
    let ssl_cert = path_text("sslcert");
    let ssl_key = path_text("sslkey");
    let application_name = text("application_name");

    let loc_of = |key: &str| {
        merged
            .get(key)
            .map(|n| n.referenced)
            .unwrap_or(node.referenced)
    };
    let password = match (password, password_file, password_env) {
        (Some(p), None, None) => Some(p),
        (None, Some(file), None) => read_password_file(&file, base_dir)
            .map_err(|e| note(at(&loc_of("password_file"), e)))
            .ok(),
        (None, None, Some(name)) => read_password_env(&name, env)
            .map_err(|e| note(at(&loc_of("password_env"), e)))
            .ok(),
        (None, None, None) => None,
        _ => {
            let given: Vec<&str> = PASSWORD_KEYS
                .iter()
                .copied()
                .filter(|k| merged.contains_key(*k))
                .collect();
            let second = given.get(1).copied().unwrap_or("password");
            note(at(
                &loc_of(second),
                format!(
                    "give the password one way: `{}` are all set",
                    given.join("`, `")
                ),
            ));
            None
        }
    };

    let mut session_sources = Vec::new();
    if let Some(inherited) = defaults.get("session") {
        session_sources.push(SessionSource {
            node: inherited,
            label: "database.session".to_owned(),
        });
    }
    if let Some(written) = own.get("session") {
        session_sources.push(SessionSource {
            node: written,
            label: format!("databases.{name}.session"),
        });
    }
    let session = session_settings(path, &session_sources, &mut |raw| {
        expand(raw, env).map_err(|e| e.to_string())
    })
    .map_err(|(loc, message)| note(at(&loc, message)))
    .unwrap_or_default();

    // A URL's parts win over the keys (and over inherited defaults): it is the more
    // specific way to say where a database lives.
    let mut url_driver = None;
    let mut from_url = UrlParts::default();
    if let Some(raw) = &url {
        match parse_url(raw, base_dir) {
            Ok(ParsedUrl { driver, parts }) => {
                url_driver = Some(driver);
                from_url = parts;
            }
            Err(e) => {
                // The URL may hold a password: never echo it back.
                note(at(&loc_of("url"), format!("url: {e}")));
            }
        }
    }
    let host = from_url.host.or(host);
    let port_text = from_url.port.map(|p| p.to_string()).or(port_text);
    let username = from_url.username.or(username);
    let password = from_url.password.or(password);
    let database = from_url.database.or(database);
    let charset = from_url.charset.or(charset);
    let sslmode = from_url.sslmode.or(sslmode);
    let connection = ConnectionOptions {
        url: url.map(Secret::new),
        socket: from_url.socket.or(socket),
        ssl_root_cert: from_url.ssl_root_cert.or(ssl_root_cert),
        ssl_cert: from_url.ssl_cert.or(ssl_cert),
        ssl_key: from_url.ssl_key.or(ssl_key),
        application_name: from_url.application_name.or(application_name),
        session,
    };

    let parsed_driver = driver_text.as_deref().map(|d| {
        d.parse::<Dialect>().map_err(|e| {
            let loc = merged.get("driver").map(|n| n.referenced);
            loc.map(|l| at(&l, e.clone()))
                .unwrap_or_else(|| EntryError(e))
        })
    });
    // The entry's URL names its driver; only a `driver:` written in the entry itself (not
    // inherited from the defaults) may say otherwise, and then it must agree.
    let driver = match (parsed_driver, url_driver) {
        (Some(Err(e)), _) => Err(e),
        (Some(Ok(d)), Some(u)) if d != u && own.contains_key("driver") => Err(at(
            &own["driver"].referenced,
            format!("driver: `{d}` contradicts the url's scheme (`{u}`)"),
        )),
        (_, Some(u)) => Ok(u),
        (Some(Ok(d)), None) => Ok(d),
        (None, None) => Err(at(
            &node.referenced,
            "no driver: set `driver:` (sqlite, postgres or mysql) or `url:` here or in the `database:` defaults"
                .into(),
        )),
    };
    let port = match port_text.as_deref().map(str::parse::<u16>) {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(_)) => {
            note(at(
                &loc_of("port"),
                format!(
                    "port: `{}` is not a port number",
                    port_text.unwrap_or_default()
                ),
            ));
            None
        }
    };

    // What only one driver has, written in the entry itself for another, is a mistake
    // worth saying; inherited from the defaults of a mixed fleet, it is left unused.
    if let Ok(driver) = &driver {
        let only_for = |key: &str, dialects: &[Dialect]| {
            (own.contains_key(key) && !dialects.contains(driver)).then(|| {
                let names: Vec<String> = dialects.iter().map(ToString::to_string).collect();
                at(
                    &own[key].referenced,
                    format!(
                        "{key}: a {driver} connection has none (only {})",
                        names.join(" and ")
                    ),
                )
            })
        };
        let servers = [Dialect::Postgres, Dialect::Mysql];
        for key in ["session", "socket", "sslrootcert", "sslcert", "sslkey"] {
            if let Some(e) = only_for(key, &servers) {
                note(e);
            }
        }
        if let Some(e) = only_for("application_name", &[Dialect::Postgres]) {
            note(e);
        }
    }

    let target = match (problem, driver) {
        (Some(e), _) | (None, Err(e)) => Err(e),
        (None, Ok(driver)) => {
            let database = match (database, driver) {
                (Some(db), Dialect::Sqlite) => Ok(base_dir.join(db).display().to_string()),
                (Some(db), _) => Ok(db),
                (None, _) => Err(at(
                    &node.referenced,
                    match driver {
                        Dialect::Sqlite => "no `database:` (the SQLite file's path)".into(),
                        _ => "no `database:` name".into(),
                    },
                )),
            };
            database.map(|database| Target {
                driver,
                host,
                port,
                username,
                password: password.map(Secret::new),
                database,
                charset,
                schema,
                sslmode,
                connection: match driver {
                    Dialect::Sqlite => ConnectionOptions::default(),
                    _ => connection,
                },
            })
        }
    };
    DatabaseEntry {
        name: name.to_owned(),
        depends_on,
        depends_on_at,
        target,
    }
}
