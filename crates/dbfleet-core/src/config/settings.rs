//! The `migrator:` section: its settings with their defaults, and the numbers the engine
//! cannot work with (no database at once, a timeout of years), refused at load with where
//! they stand.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::{Node, SpannedNode};

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
    /// After a run that succeeded on a database, its backups older than this many days
    /// are removed (the newest always stays); unset: every backup is kept.
    pub backup_retention_days: Option<u64>,
    /// The JSON-lines run journal, relative to the config file.
    pub journal: String,
    /// Databases migrated at once, fleet-wide.
    pub concurrency: usize,
    /// Databases migrated at once on one server (PostgreSQL/MySQL host:port).
    pub per_server_concurrency: usize,
    /// A run stops starting databases once this many have failed or been refused
    /// (`--max-failures`); unset: never.
    pub max_failures: Option<usize>,
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
    /// How every set's folder is written unless it says otherwise (`sets:`, `set.yaml`);
    /// unset: detected per set from its files.
    pub format: Option<crate::format::Format>,
    /// `up` applies pending migrations older than the newest applied one of their set
    /// (a branch merged late) instead of refusing them (`--allow-out-of-order`, per run).
    pub allow_out_of_order: bool,
    /// On PostgreSQL and SQLite, consecutive migrations that run in a transaction are
    /// applied in one (Flyway's `group`), each still recorded by its own row: a failure
    /// rolls the whole group back (`--group`, per run). Ignored on MySQL, whose DDL
    /// commits by itself.
    pub group: bool,
    /// Lint rules silenced for the whole project (`drop-column`, ...): `dbfleet lint`,
    /// `plan` and the run leave their findings out.
    pub lint_allow: Vec<String>,
    /// Findings at or above this severity refuse a run on the database they concern;
    /// unset: lint only informs.
    pub lint_refuse: Option<LintRefuse>,
    /// How often the console reads every database's status again on its own; 0: only on
    /// `ctrl-r` and after a run (a big fleet on servers, where each read opens a
    /// connection per database).
    pub console_refresh_secs: u64,
}

/// `migrator.lint_refuse`: the least severity of a finding that refuses a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LintRefuse {
    Error,
    Warning,
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
            backup_retention_days: None,
            journal: ".dbfleet/journal.jsonl".into(),
            concurrency: 8,
            per_server_concurrency: 4,
            max_failures: None,
            lock_timeout_secs: 30,
            stale_lock_secs: 120,
            connect_timeout_secs: 10,
            statement_timeout_secs: 0,
            format: None,
            lint_allow: Vec::new(),
            lint_refuse: None,
            allow_out_of_order: false,
            console_refresh_secs: 10,
            group: false,
        }
    }
}

/// Databases migrated at once, fleet-wide or on one server: at most this many.
pub const MAX_CONCURRENCY: usize = 1024;

/// The longest timeout a setting may ask for: 30 days.
pub const MAX_TIMEOUT_SECS: u64 = 30 * 24 * 3600;

/// The longest `backup_retention_days`: 100 years.
pub const MAX_RETENTION_DAYS: u64 = 36_500;

/// Numbers in `migrator:` that the engine could not work with, and where they stand.
pub(super) fn check_settings(
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
    if settings.max_failures == Some(0) {
        return Err((
            at("max_failures"),
            "migrator.max_failures: 0 would start no database; give the number of failures after which a run stops starting new ones (1 or more), or leave it out".to_owned(),
        ));
    }
    let timeouts = [
        ("lock_timeout_secs", settings.lock_timeout_secs),
        ("stale_lock_secs", settings.stale_lock_secs),
        ("connect_timeout_secs", settings.connect_timeout_secs),
        ("statement_timeout_secs", settings.statement_timeout_secs),
        ("console_refresh_secs", settings.console_refresh_secs),
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
    if let Some(days) = settings.backup_retention_days
        && (days == 0 || days > MAX_RETENTION_DAYS)
    {
        return Err((
            at("backup_retention_days"),
            format!(
                "migrator.backup_retention_days: {days} is out of range: days a backup is kept, from 1 to {MAX_RETENTION_DAYS}; leave it out to keep every backup"
            ),
        ));
    }
    Ok(())
}
