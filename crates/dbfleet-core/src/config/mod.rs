//! `config.yaml`: the fleet, its connection settings and the migrator's options.
//!
//! Loading never fails because of one database entry: a broken entry keeps its name and
//! carries its error, so the rest of the fleet stays usable and the console can show the
//! broken one in an error state. Only file-level problems (unreadable, malformed YAML, a
//! typo in `migrator:`) fail the load.

mod connection_url;
mod dependencies;
mod entry;
mod env_expand;
mod excerpt;
mod node;
mod one_url;
mod password;
mod secret;
mod session;
mod settings;

use std::fmt;
use std::path::{Path, PathBuf};

use globset::Glob;
use indexmap::IndexMap;
use serde::Deserialize;
use serde_saphyr::Spanned;

pub use entry::{NAME_CHARACTERS, name_problem};
pub use env_expand::{ExpandError, expand};
pub use node::{Node, SpannedNode};
pub use secret::Secret;
pub use session::{SESSION_NAME_CHARACTERS, SessionSetting, SessionValue, session_name_problem};
pub use settings::{LintRefuse, MAX_CONCURRENCY, MAX_TIMEOUT_SECS, MigratorSettings};

use dependencies::check_dependencies;
use entry::build_entry;
pub use one_url::{config_for_url, database_name};
use settings::check_settings;

use crate::dialect::Dialect;
use crate::format::Format;

pub const DEFAULT_CONFIG_FILE: &str = "config.yaml";

#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    /// The folder relative paths in the file are resolved against.
    pub base_dir: PathBuf,
    /// A label such as `production`; the console makes it stand out.
    pub environment: Option<String>,
    /// Glob patterns over database names that get production's guard rails whatever the
    /// environment (`protect: ["billing_*"]`); checked at load.
    pub protect: Vec<String>,
    pub databases: Vec<DatabaseEntry>,
    pub migrator: MigratorSettings,
    /// Targets of shared migration sets declared in the config (`sets:`). A set can also
    /// declare them beside its files, in `set.yaml`.
    pub sets: IndexMap<String, SetDeclaration>,
    /// `migrator.default_database` names no configured database: why, with where. Only a
    /// command that falls back on it fails; `status` and explicit selections work.
    pub default_database_problem: Option<String>,
    /// The migrations folder is the one database's own set, its files directly in it (a
    /// fleet of one from `--url`, as golang-migrate's `-path` and sqlx's `--source` read a
    /// folder); never set by a config file.
    pub flat_folder: bool,
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
    /// The rest of what opening a server connection takes: the URL's own options, TLS
    /// files, a Unix socket, the session settings.
    pub connection: ConnectionOptions,
}

/// What a server connection takes besides where the server is and who logs in. Empty for
/// SQLite.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConnectionOptions {
    /// The entry's `url:`, handed whole to the driver's parser at connect so every option
    /// of its grammar (`options=`, `statement-cache-capacity=`, ...) reaches the
    /// connection; the `Target`'s fields, which hold the URL's parts where it has them,
    /// are applied over it. A secret: it may hold the password.
    pub url: Option<Secret>,
    /// A Unix socket: PostgreSQL's socket folder, MySQL's socket file. Used instead of
    /// host and port.
    pub socket: Option<String>,
    /// The CA certificate that verifies the server (`sslrootcert`; MySQL's `ssl-ca`).
    pub ssl_root_cert: Option<String>,
    /// The client's certificate and key, for servers that check them.
    pub ssl_cert: Option<String>,
    pub ssl_key: Option<String>,
    /// PostgreSQL's `application_name`; `dbfleet` when not given.
    pub application_name: Option<String>,
    /// `session:`: settings every connection starts with, in the order written, the
    /// defaults' first. They are part of the session a migration starts from and that
    /// `Session::restore_session` puts back.
    pub session: Vec<SessionSetting>,
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
                // A Unix socket stands where the host and port would.
                let server = match (&self.host, &self.connection.socket) {
                    (None, Some(socket)) => socket.clone(),
                    (host, _) => {
                        let host = host.as_deref().unwrap_or("localhost");
                        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
                        format!("{host}{port}")
                    }
                };
                format!("{user}{server}/{}", self.database)
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
                self.host
                    .as_deref()
                    .or(self.connection.socket.as_deref())
                    .unwrap_or("localhost"),
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
#[serde(deny_unknown_fields)]
pub struct SetDeclaration {
    /// Database names or glob patterns (`*_service`) the set applies to. `None` when the
    /// entry only declares the format (a database's own set, or targets in `set.yaml`).
    pub targets: Option<Vec<String>>,
    /// How the set's folder is written, when it could be read two ways.
    pub format: Option<Format>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    environment: Option<Spanned<String>>,
    #[serde(default)]
    protect: Vec<Spanned<String>>,
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
    #[serde(default)]
    targets: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    format: Option<Format>,
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
    let candidates = expected.split(", ").map(|k| k.trim().trim_matches('`'));
    let best = crate::suggest::did_you_mean(candidates, field);
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
            if decl.targets.is_none() && decl.format.is_none() {
                return Err(invalid(
                    &set.referenced,
                    format!(
                        "sets.{}: declare its `targets:`, its `format:`, or both",
                        set.value
                    ),
                ));
            }
            for target in decl.targets.iter().flatten() {
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
                    targets: decl
                        .targets
                        .map(|targets| targets.into_iter().map(|t| t.value).collect()),
                    format: decl.format,
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
        for pattern in &raw.protect {
            globset::Glob::new(&pattern.value)
                .map_err(|e| invalid(&pattern.referenced, format!("protect: {}", e.kind())))?;
        }
        let protect = raw.protect.into_iter().map(|p| p.value).collect();

        Ok(Config {
            path: path.to_owned(),
            base_dir,
            environment,
            protect,
            databases,
            migrator: raw.migrator,
            sets,
            default_database_problem,
            flat_folder: false,
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

#[cfg(test)]
mod tests;

#[cfg(test)]
mod connection_tests;
