//! `config.yaml`: the fleet, its connection settings and the migrator's options.
//!
//! Loading never fails because of one database entry: a broken entry keeps its name and
//! carries its error, so the rest of the fleet stays usable and the console can show the
//! broken one in an error state. Only file-level problems (unreadable, malformed YAML, a
//! typo in `migrator:`) fail the load.

mod env_expand;
mod excerpt;
mod node;
mod secret;

use std::fmt;
use std::path::{Path, PathBuf};

use globset::Glob;
use indexmap::IndexMap;
use serde::Deserialize;
use serde_saphyr::Spanned;

pub use env_expand::{ExpandError, expand};
pub use node::{Node, SpannedNode};
pub use secret::Secret;

use crate::dialect::Dialect;

pub const DEFAULT_CONFIG_FILE: &str = "config.yaml";

#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    /// The folder relative paths in the file are resolved against.
    pub base_dir: PathBuf,
    /// A label such as `production`; the console makes it stand out.
    pub environment: Option<String>,
    pub databases: Vec<DatabaseEntry>,
    pub migrator: MigratorSettings,
    /// Targets of shared migration sets declared in the config (`sets:`). A set can also
    /// declare them beside its files, in `set.yaml`.
    pub sets: IndexMap<String, SetDeclaration>,
    /// `migrator.default_database` names no configured database: why, with where. Only a
    /// command that falls back on it fails; `status` and explicit selections work.
    pub default_database_problem: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DatabaseEntry {
    pub name: String,
    pub depends_on: Vec<String>,
    /// `file:line:col` of its `depends_on`, for errors found once every entry is read.
    pub depends_on_at: Option<String>,
    pub target: Result<Target, EntryError>,
}

/// Why one database entry cannot be used, with where it stands in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryError(pub String);

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Resolved connection settings of one database. Holds no secret in anything it prints.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub driver: Dialect,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// The database name; for SQLite, the absolute path of its file.
    pub database: String,
    pub charset: Option<String>,
    pub schema: Option<String>,
    pub sslmode: Option<String>,
}

impl Target {
    /// Where the database lives, for people: never includes the password.
    pub fn server_label(&self) -> String {
        match self.driver {
            Dialect::Sqlite => {
                // Relative to where the operator stands, when the file is below it.
                let path = Path::new(&self.database);
                std::env::current_dir()
                    .ok()
                    .and_then(|cwd| path.strip_prefix(cwd).ok().map(|p| p.display().to_string()))
                    .unwrap_or_else(|| self.database.clone())
            }
            _ => {
                let user = self
                    .username
                    .as_deref()
                    .map(|u| format!("{u}@"))
                    .unwrap_or_default();
                let host = self.host.as_deref().unwrap_or("localhost");
                let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
                format!("{user}{host}{port}/{}", self.database)
            }
        }
    }

    /// Databases on the same server share a concurrency budget; SQLite files do not.
    pub fn server_key(&self) -> Option<String> {
        match self.driver {
            Dialect::Sqlite => None,
            _ => Some(format!(
                "{}://{}:{}",
                self.driver,
                self.host.as_deref().unwrap_or("localhost"),
                self.port.unwrap_or(0)
            )),
        }
    }

    /// Remove the password from a message a driver produced.
    pub fn scrub(&self, message: &str) -> String {
        let mut text = message.to_owned();
        if let Some(secret) = &self.password {
            text = secret.scrub(&text);
        }
        text
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MigratorSettings {
    pub migrations_table: String,
    pub lock_table: String,
    pub auto_backup: bool,
    pub dry_run: bool,
    pub default_database: Option<Spanned<String>>,
    pub migrations_dir: String,
    pub database_patterns: Vec<Spanned<String>>,
    /// Where `auto_backup` puts its copies, relative to the config file.
    pub backup_dir: String,
    /// The JSON-lines run journal, relative to the config file.
    pub journal: String,
    /// Databases migrated at once, fleet-wide.
    pub concurrency: usize,
    /// Databases migrated at once on one server (PostgreSQL/MySQL host:port).
    pub per_server_concurrency: usize,
    /// How long a run waits for another holder's migration lock before giving up; 0:
    /// one try, no wait.
    pub lock_timeout_secs: u64,
    /// A lock whose heartbeat is older than this is shown as stale.
    pub stale_lock_secs: u64,
    /// Longest wait for a connection to open; 0: no limit (as for statements).
    pub connect_timeout_secs: u64,
    /// Longest a single migration statement may run (PostgreSQL `statement_timeout`,
    /// MariaDB `max_statement_time`); 0: no limit.
    pub statement_timeout_secs: u64,
}

impl Default for MigratorSettings {
    fn default() -> Self {
        MigratorSettings {
            migrations_table: "schema_migrations".into(),
            lock_table: "schema_migrations_lock".into(),
            auto_backup: true,
            dry_run: false,
            default_database: None,
            migrations_dir: "migrations".into(),
            database_patterns: Vec::new(),
            backup_dir: ".dbfleet/backups".into(),
            journal: ".dbfleet/journal.jsonl".into(),
            concurrency: 8,
            per_server_concurrency: 4,
            lock_timeout_secs: 30,
            stale_lock_secs: 120,
            connect_timeout_secs: 10,
            statement_timeout_secs: 0,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetDeclaration {
    /// Database names or glob patterns (`*_service`) the set applies to.
    pub targets: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    environment: Option<Spanned<String>>,
    #[serde(default)]
    database: Option<SpannedNode>,
    /// Names with where they stand: a bad name is reported at its line.
    #[serde(default)]
    databases: IndexMap<Spanned<String>, SpannedNode>,
    #[serde(default)]
    migrator: MigratorSettings,
    #[serde(default)]
    sets: IndexMap<Spanned<String>, RawSet>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    targets: Vec<Spanned<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The cause (`source`) is not in the words: a report shows it beneath them, and
    /// `human::with_causes` after them.
    #[error("cannot read config file {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Nothing but blank lines, comments or a null document.
    #[error(
        "config file {path} is empty: it configures no database (see README.md, Configuration)"
    )]
    Empty { path: PathBuf },
    #[error(
        "config file {path} is too large: {size} bytes, more than the {MAX_CONFIG_BYTES} a config file may have"
    )]
    TooLarge { path: PathBuf, size: u64 },
    #[error("{0}")]
    Yaml(String),
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: PathBuf,
        line: u64,
        column: u64,
        message: String,
    },
    /// A problem with no one place in the file (a key that is missing).
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
}

/// Far beyond any fleet's config (1,000 databases take about 100 KiB), far below what
/// would strain memory.
pub const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;

/// Databases migrated at once, fleet-wide or on one server: at most this many.
pub const MAX_CONCURRENCY: usize = 1024;

/// The longest timeout a setting may ask for: 30 days.
pub const MAX_TIMEOUT_SECS: u64 = 30 * 24 * 3600;

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
    "database",
    "charset",
    "schema",
    "sslmode",
    "url",
    "depends_on",
];

/// Adds "did you mean" to the first "unknown field `x`, expected one of a, b" of a YAML
/// error: a typo such as `migrations_tabel` should name its fix, not a list of 16 keys.
fn with_suggestion(message: &str) -> String {
    let Some((before, rest)) = message.split_once("unknown field `") else {
        return message.to_owned();
    };
    let Some((field, after)) = rest.split_once('`') else {
        return message.to_owned();
    };
    let expected = after
        .split_once("expected one of ")
        .map(|(_, list)| list.lines().next().unwrap_or(""))
        .or_else(|| after.split_once("expected ").map(|(_, one)| one))
        .unwrap_or("");
    let best = expected
        .split(", ")
        .map(|k| k.trim().trim_matches('`'))
        .filter(|k| !k.is_empty() && strsim::jaro_winkler(k, field) > 0.8)
        .max_by(|a, b| strsim::jaro_winkler(a, field).total_cmp(&strsim::jaro_winkler(b, field)));
    match best {
        Some(best) => format!("{before}unknown field `{field}` (did you mean `{best}`?){after}"),
        None => message.to_owned(),
    }
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        use std::io::Read;
        let read = |source| ConfigError::Read {
            path: path.to_owned(),
            source,
        };
        // Never more than the limit into memory, whatever the file is.
        let file = std::fs::File::open(path).map_err(read)?;
        let mut bytes = Vec::new();
        file.take(MAX_CONFIG_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(read)?;
        if bytes.len() as u64 > MAX_CONFIG_BYTES {
            let size = std::fs::metadata(path)
                .map(|m| m.len())
                .unwrap_or(bytes.len() as u64);
            return Err(ConfigError::TooLarge {
                path: path.to_owned(),
                size,
            });
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            read(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
            ))
        })?;
        Config::parse(path, &text, &|name| std::env::var(name).ok())
    }

    /// Parses `text` as if read from `path`; `env` supplies `${VAR}` values.
    pub fn parse(
        path: &Path,
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        if text.len() as u64 > MAX_CONFIG_BYTES {
            return Err(ConfigError::TooLarge {
                path: path.to_owned(),
                size: text.len() as u64,
            });
        }
        let yaml_error =
            |e: serde_saphyr::Error| ConfigError::Yaml(excerpt::render(path, text, &e));
        let options = || {
            let mut options = serde_saphyr::Options::default();
            // The error keeps no copy of the text: its excerpt is ours, masked.
            options.with_snippet = false;
            options
        };
        if !has_content(text) {
            return Err(ConfigError::Empty {
                path: path.to_owned(),
            });
        }
        // The document as a tree first: it says where each value stands, for errors found
        // after reading (the typed read below keeps no positions of plain settings).
        let document: SpannedNode =
            serde_saphyr::from_str_with_options(text, options()).map_err(yaml_error)?;
        let top = match &document.value {
            Node::Map(map) => map,
            Node::Null => {
                return Err(ConfigError::Empty {
                    path: path.to_owned(),
                });
            }
            other => {
                return Err(ConfigError::Invalid {
                    path: path.to_owned(),
                    line: document.referenced.line(),
                    column: document.referenced.column(),
                    message: format!(
                        "the config must be a mapping (environment, database, databases, migrator, sets), found {}",
                        other.kind()
                    ),
                });
            }
        };
        let no_databases = |at: Option<&SpannedNode>| {
            let message =
                "no databases: list them under `databases:` (see README.md, Configuration)"
                    .to_owned();
            match at {
                Some(node) => ConfigError::Invalid {
                    path: path.to_owned(),
                    line: node.referenced.line(),
                    column: node.referenced.column(),
                    message,
                },
                None => ConfigError::File {
                    path: path.to_owned(),
                    message,
                },
            }
        };
        match top.get("databases") {
            None => return Err(no_databases(None)),
            Some(node) => match &node.value {
                Node::Null => return Err(no_databases(Some(node))),
                Node::Map(map) if map.is_empty() => return Err(no_databases(Some(node))),
                _ => {}
            },
        }
        let mut raw: RawConfig =
            serde_saphyr::from_str_with_options(text, options()).map_err(yaml_error)?;
        let base_dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let base_dir = std::path::absolute(&base_dir).unwrap_or(base_dir);
        let invalid = |loc: &serde_saphyr::Location, message: String| ConfigError::Invalid {
            path: path.to_owned(),
            line: loc.line(),
            column: loc.column(),
            message,
        };

        let defaults = match &raw.database {
            None => IndexMap::new(),
            Some(spanned) => match &spanned.value {
                Node::Map(map) => map.clone(),
                Node::Null => IndexMap::new(),
                other => {
                    return Err(invalid(
                        &spanned.referenced,
                        format!(
                            "`database` must be a mapping of defaults, found {}",
                            other.kind()
                        ),
                    ));
                }
            },
        };

        let mut databases: Vec<DatabaseEntry> = raw
            .databases
            .iter()
            .map(|(name, node)| build_entry(path, &base_dir, name, node, &defaults, env))
            .collect();
        check_dependencies(&mut databases);

        let names: Vec<&str> = databases.iter().map(|d| d.name.as_str()).collect();
        let mut default_database_problem = None;
        if let Some(default) = &raw.migrator.default_database
            && !names.contains(&default.value.as_str())
        {
            default_database_problem = Some(
                invalid(
                    &default.referenced,
                    format!(
                        "migrator.default_database `{}` is not a configured database (configured: {})",
                        default.value,
                        names.join(", ")
                    ),
                )
                .to_string(),
            );
            raw.migrator.default_database = None;
        }
        for pattern in &raw.migrator.database_patterns {
            Glob::new(&pattern.value).map_err(|e| {
                invalid(
                    &pattern.referenced,
                    format!("migrator.database_patterns: {e}"),
                )
            })?;
        }
        let mut sets = IndexMap::new();
        for (set, decl) in raw.sets {
            if let Some(problem) = name_problem(&set.value) {
                return Err(invalid(&set.referenced, format!("sets: {problem}")));
            }
            for target in &decl.targets {
                Glob::new(&target.value).map_err(|e| {
                    invalid(
                        &target.referenced,
                        format!("sets.{}.targets: {e}", set.value),
                    )
                })?;
            }
            sets.insert(
                set.value,
                SetDeclaration {
                    targets: decl.targets.into_iter().map(|t| t.value).collect(),
                },
            );
        }
        check_settings(&raw.migrator, top).map_err(|(at, message)| match at {
            Some(at) => invalid(&at, message),
            None => ConfigError::File {
                path: path.to_owned(),
                message,
            },
        })?;

        let environment = match raw.environment {
            Some(label) => Some(
                expand(&label.value, env)
                    .map_err(|e| invalid(&label.referenced, format!("environment: {e}")))?,
            ),
            None => None,
        };

        Ok(Config {
            path: path.to_owned(),
            base_dir,
            environment,
            databases,
            migrator: raw.migrator,
            sets,
            default_database_problem,
        })
    }

    pub fn database(&self, name: &str) -> Option<&DatabaseEntry> {
        self.databases.iter().find(|d| d.name == name)
    }

    pub fn database_names(&self) -> Vec<String> {
        self.databases.iter().map(|d| d.name.clone()).collect()
    }

    pub fn resolve(&self, relative: &str) -> PathBuf {
        self.base_dir.join(relative)
    }

    pub fn migrations_dir(&self) -> PathBuf {
        self.resolve(&self.migrator.migrations_dir)
    }

    pub fn backup_dir(&self) -> PathBuf {
        self.resolve(&self.migrator.backup_dir)
    }

    pub fn journal_path(&self) -> PathBuf {
        self.resolve(&self.migrator.journal)
    }

    pub fn patterns(&self) -> Vec<String> {
        self.migrator
            .database_patterns
            .iter()
            .map(|p| p.value.clone())
            .collect()
    }

    pub fn default_database(&self) -> Option<&str> {
        self.migrator
            .default_database
            .as_ref()
            .map(|d| d.value.as_str())
    }
}

/// Whether `text` holds anything but blank lines, comments and document markers.
fn has_content(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start_matches('\u{FEFF}').trim();
        !(line.is_empty() || line.starts_with('#') || line == "---" || line == "...")
    })
}

/// Numbers in `migrator:` that the engine could not work with, and where they stand.
fn check_settings(
    settings: &MigratorSettings,
    top: &IndexMap<String, SpannedNode>,
) -> Result<(), (Option<serde_saphyr::Location>, String)> {
    let at = |key: &str| match top.get("migrator").map(|m| &m.value) {
        Some(Node::Map(map)) => map.get(key).map(|n| n.referenced),
        _ => None,
    };
    let counts = [
        ("concurrency", settings.concurrency),
        ("per_server_concurrency", settings.per_server_concurrency),
    ];
    for (key, value) in counts {
        if value == 0 || value > MAX_CONCURRENCY {
            return Err((
                at(key),
                format!(
                    "migrator.{key}: {value} is out of range: databases at once, from 1 to {MAX_CONCURRENCY}"
                ),
            ));
        }
    }
    let timeouts = [
        ("lock_timeout_secs", settings.lock_timeout_secs),
        ("stale_lock_secs", settings.stale_lock_secs),
        ("connect_timeout_secs", settings.connect_timeout_secs),
        ("statement_timeout_secs", settings.statement_timeout_secs),
    ];
    for (key, value) in timeouts {
        if value > MAX_TIMEOUT_SECS {
            return Err((
                at(key),
                format!(
                    "migrator.{key}: {value} is out of range: seconds, at most {MAX_TIMEOUT_SECS} (30 days)"
                ),
            ));
        }
    }
    Ok(())
}

fn build_entry(
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
            let hint = ENTRY_KEYS
                .iter()
                .filter(|k| strsim::jaro_winkler(k, key) > 0.8)
                .max_by(|a, b| {
                    strsim::jaro_winkler(a, key).total_cmp(&strsim::jaro_winkler(b, key))
                })
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
    let mut host = text("host");
    let mut port_text = text("port");
    let mut username = text("username").or_else(|| text("user"));
    let mut password = text("password");
    let mut database = text("database");
    let charset = text("charset");
    let schema = text("schema");
    let mut sslmode = text("sslmode");

    // A URL's parts win over the keys (and over inherited defaults): it is the more
    // specific way to say where a database lives.
    let mut url_driver = None;
    if let Some(raw) = &url {
        match parse_url(raw, base_dir) {
            Ok(parts) => {
                url_driver = Some(parts.driver);
                host = parts.host.or(host);
                port_text = parts.port.map(|p| p.to_string()).or(port_text);
                username = parts.username.or(username);
                password = parts.password.or(password);
                database = parts.database.or(database);
                sslmode = parts.sslmode.or(sslmode);
            }
            Err(e) => {
                let loc = merged
                    .get("url")
                    .map(|n| n.referenced)
                    .unwrap_or(node.referenced);
                // The URL may hold a password: never echo it back.
                note(at(&loc, format!("url: {e}")));
            }
        }
    }

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
            let loc = merged
                .get("port")
                .map(|n| n.referenced)
                .unwrap_or(node.referenced);
            note(at(
                &loc,
                format!(
                    "port: `{}` is not a port number",
                    port_text.unwrap_or_default()
                ),
            ));
            None
        }
    };

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

struct UrlParts {
    driver: Dialect,
    host: Option<String>,
    port: Option<u16>,
    username: Option<String>,
    password: Option<String>,
    database: Option<String>,
    sslmode: Option<String>,
}

/// `postgres://user:pw@host:5432/db?sslmode=require`, `mysql://...`, `sqlite:data/x.db`.
/// Errors never include the URL itself: it may carry a password.
fn parse_url(raw: &str, base_dir: &Path) -> Result<UrlParts, String> {
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

/// Unknown names in `depends_on` and dependency cycles break the entries involved.
fn check_dependencies(databases: &mut [DatabaseEntry]) {
    let names: Vec<String> = databases.iter().map(|d| d.name.clone()).collect();
    for entry in databases.iter_mut() {
        if let Some(missing) = entry.depends_on.iter().find(|d| !names.contains(d))
            && entry.target.is_ok()
        {
            entry.target = Err(EntryError(format!(
                "{}databases.{}: depends_on names `{missing}`, which is not a configured database",
                located(&entry.depends_on_at),
                entry.name
            )));
        }
    }
    let deps: Vec<(String, Vec<String>)> = databases
        .iter()
        .map(|d| (d.name.clone(), d.depends_on.clone()))
        .collect();
    for entry in databases.iter_mut() {
        if let Some(cycle) = find_cycle(&entry.name, &deps) {
            entry.target = Err(EntryError(format!(
                "{}databases.{}: depends_on forms a cycle: {}",
                located(&entry.depends_on_at),
                entry.name,
                cycle.join(" → ")
            )));
        }
    }
}

fn located(at: &Option<String>) -> String {
    at.as_ref().map(|at| format!("{at}: ")).unwrap_or_default()
}

fn find_cycle(start: &str, deps: &[(String, Vec<String>)]) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        start: &str,
        deps: &[(String, Vec<String>)],
        path: &mut Vec<String>,
    ) -> bool {
        let Some((_, next)) = deps.iter().find(|(n, _)| n == node) else {
            return false;
        };
        for dep in next {
            if dep == start {
                path.push(dep.clone());
                return true;
            }
            if path.contains(dep) {
                continue;
            }
            path.push(dep.clone());
            if visit(dep, start, deps, path) {
                return true;
            }
            path.pop();
        }
        false
    }
    let mut path = vec![start.to_owned()];
    visit(start, start, deps, &mut path).then_some(path)
}

#[cfg(test)]
mod tests;
