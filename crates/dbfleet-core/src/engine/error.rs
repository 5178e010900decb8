//! Why the engine refuses a database or fails on it, typed, as sqlx's `MigrateError` is:
//! the fronts and the status verdict match on the variant, never on the words. The words
//! are the `Display` of each variant — what the CLI prints, the console shows and the
//! journal keeps — and JSON carries them beside a `kind` (`"reason": "database is dirty:
//! …", "kind": "dirty"`), so readers of the old text-only fields still read them.

use serde::ser::{SerializeMap, Serializer};

use super::events::PendingSet;
use crate::catalog::EMPTY_DIRECTIVE;
use crate::config::{EntryError, Target};
use crate::dialect::Dialect;
use crate::driver::{AppliedRow, DriverError, LockRow, RowStatus};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// A name the config does not have (a caller that skipped the selection).
    #[error("not in the config")]
    NotInConfig,
    /// Its config entry is broken: an unset `${VAR}`, a bad port, an unknown driver...
    #[error("misconfigured: {0}")]
    Misconfigured(EntryError),
    /// It could not be reached or read: the connection failed, or reading it did (a SQLite
    /// file under another process's exclusive lock, a server gone mid-read). The driver's
    /// message, secrets removed.
    #[error("{0}")]
    Unreachable(String),
    /// A table named as the migrations table that another tool made (golang-migrate's
    /// `schema_migrations`): the driver's message, which names the setting to change.
    #[error("{0}")]
    ForeignTable(String),
    /// Another tool's bookkeeping is here and dbfleet's is not (or the configured name is
    /// that tool's table): `up` would start over from the first migration.
    #[error("{}", managed_words(.0))]
    ManagedBy(Box<Managed>),
    /// Another tool left a version dirty, failed or half-done: adopting it would record a
    /// half-done migration as applied.
    #[error(
        "{} left version {} unsettled in its table {} ({}); {}, then adopt again",
        .0.tool, .0.version, .0.table, .0.detail, .0.advice
    )]
    ForeignUnsettled(Box<ForeignUnsettled>),
    /// More than one other tool's table: which one tells the truth is the operator's call.
    #[error(
        "bookkeeping of several tools found: {}; adopt takes one: remove (or rename) the stale table(s), then adopt again",
        .0.join(", ")
    )]
    SeveralTools(Vec<String>),
    /// The set's files are broken for this driver: a duplicate version, a misnamed file,
    /// transaction control, a file the splitter cannot read.
    #[error("migration set {set} has problems: {}", .problems.join("; "))]
    SetProblem { set: String, problems: Vec<String> },
    /// A file the planner could not split, with where.
    #[error("{0}")]
    BadFile(String),
    #[error("{migration} has no .up.sql for {dialect}")]
    NoUpScript { migration: String, dialect: Dialect },
    /// No `.down.sql` (`dialect`: none for this driver, where other drivers have one).
    #[error(
        "{migration} has no .down.sql{}: it is irreversible, and down stops before it",
        .dialect.map(|d| format!(" for {d}")).unwrap_or_default()
    )]
    NoDownScript {
        migration: String,
        dialect: Option<Dialect>,
    },
    /// A `.down.sql` with no statements: reverting would delete the row, keep the schema.
    #[error(
        "{migration}: {file} has no statements, so the migration is irreversible and down stops before it. Write the revert, or add the line `{EMPTY_DIRECTIVE}` to the file if there is nothing to undo"
    )]
    EmptyDown { migration: String, file: String },
    /// `migrator.lint_refuse`: a step's findings reach the severity that refuses a run.
    #[error(
        "{migration}: migrator.lint_refuse refuses a run with lint findings at or above {level}: {}. Change the migration, or silence the rule with `-- dbfleet:allow <rule> <reason>` on the statement",
        .findings.join("; ")
    )]
    LintRefused {
        migration: String,
        level: String,
        findings: Vec<String>,
    },
    /// Applied, but its files were deleted: nothing can revert it.
    #[error("{migration} is applied but its files are gone from {set}; it cannot be reverted")]
    FilesGone { migration: String, set: String },
    /// A step left half-done (`row`): nothing runs until the operator resolves it. (Boxed
    /// rows keep the error small for the `Result`s that carry it.)
    #[error("{}", dirty_words(.database, .row))]
    Dirty {
        database: String,
        row: Box<AppliedRow>,
    },
    /// An applied file changed since (checksums in full; the words show 12 characters).
    #[error(
        "{migration} changed after it was applied (checksum {} recorded, {} on disk); restore the file, or pass --allow-drift",
        short(.recorded),
        short(.on_disk)
    )]
    Drift {
        migration: String,
        recorded: String,
        on_disk: String,
    },
    /// Pending migrations older than the newest one applied in their set (a branch merged
    /// late): `up` would apply them silently after what came later.
    #[error(
        "{set}: {} {} older than {latest}, already applied: {} out of order (a branch merged late?). Renumber {} after {latest}, or apply {} anyway with --allow-out-of-order (migrator.allow_out_of_order in the config)",
        if .pending.len() == 1 { "pending migration" } else { "pending migrations" },
        .pending.join(", "),
        if .pending.len() == 1 { "it would run" } else { "they would run" },
        if .pending.len() == 1 { "it" } else { "them" },
        if .pending.len() == 1 { "it" } else { "them" }
    )]
    OutOfOrder {
        set: String,
        /// The pending migrations (`003_x`) older than `latest`.
        pending: Vec<String>,
        /// The newest applied migration of the set (`004_y`).
        latest: String,
    },
    /// A lock whose holder is gone where nothing proves it (SQLite): `dbfleet unlock`.
    #[error(
        "stale migration lock held by {} (pid {}, run {}) since {}, last heartbeat {}; if that run is really gone, clear it with `dbfleet unlock -d {database}`",
        .lock.holder, .lock.pid, .lock.run_id, .lock.acquired_at, .lock.heartbeat_at
    )]
    StaleLock {
        database: String,
        lock: Box<LockRow>,
    },
    /// Another holder kept the lock past `lock_timeout_secs`. `holder_gone`: its process
    /// is, but the server still runs its session's last statement.
    #[error(
        "migration lock held by {} (pid {}, run {}) since {}; gave up after {waited_secs}s (migrator.lock_timeout_secs){}",
        .lock.holder, .lock.pid, .lock.run_id, .lock.acquired_at,
        if *.holder_gone { "; its process is gone, but the server still runs its session (the statement it was running has not ended): the next run takes the lock over once it has" } else { "" }
    )]
    LockTimeout {
        lock: Box<LockRow>,
        waited_secs: u64,
        holder_gone: bool,
    },
    /// Taking the lock failed (not held by another: an error of the database).
    #[error("taking the migration lock: {0}")]
    LockFailed(String),
    /// No folder of its own, run without `--directory`, and other sets have work for it.
    #[error("{} {}", no_own_set(.database), PendingSet::words(.pending))]
    NoOwnSet {
        database: String,
        pending: Vec<PendingSet>,
    },
    /// No folder of its own, a down without `--directory`, and sets applied there.
    #[error(
        "{} name the set to revert with --directory (applied here: {})",
        no_own_set(.database),
        .applied.join(", ")
    )]
    NoOwnSetToRevert {
        database: String,
        applied: Vec<String>,
    },
    /// `auto_backup` cannot be done: the dump tool is missing.
    #[error("{0}; nothing was changed")]
    BackupTool(String),
    /// The backup was attempted and failed; nothing was changed.
    #[error("{0}")]
    BackupFailed(String),
    /// A step failed: the file, line, statement and the database's own message.
    #[error("{0}")]
    StepFailed(String),
    /// The engine itself failed (a task that panicked).
    #[error("internal error: {0}")]
    Internal(String),
}

impl EngineError {
    /// A driver error met while reading or connecting, with the target's secrets removed:
    /// another tool's table is told apart, anything else is unreachable or unreadable.
    pub fn from_driver(target: &Target, e: &DriverError) -> EngineError {
        let message = target.scrub(&e.message);
        match e.kind {
            crate::driver::ErrorKind::NotOurs => EngineError::ForeignTable(message),
            _ => EngineError::Unreachable(message),
        }
    }

    /// The kind JSON carries beside the words; one per family of variants.
    pub fn kind(&self) -> &'static str {
        match self {
            EngineError::NotInConfig => "not_in_config",
            EngineError::Misconfigured(_) => "misconfigured",
            EngineError::Unreachable(_) => "unreachable",
            EngineError::ForeignTable(_) => "foreign_table",
            EngineError::ManagedBy(_) | EngineError::SeveralTools(_) => "managed_by_other_tool",
            EngineError::ForeignUnsettled(_) => "other_tool_dirty",
            EngineError::SetProblem { .. }
            | EngineError::BadFile(_)
            | EngineError::NoUpScript { .. } => "set_problem",
            EngineError::NoDownScript { .. } | EngineError::EmptyDown { .. } => "irreversible",
            EngineError::FilesGone { .. } => "files_missing",
            EngineError::LintRefused { .. } => "lint_refused",
            EngineError::Dirty { .. } => "dirty",
            EngineError::Drift { .. } => "drift",
            EngineError::OutOfOrder { .. } => "out_of_order",
            EngineError::StaleLock { .. } => "stale_lock",
            EngineError::LockTimeout { .. } => "lock_timeout",
            EngineError::LockFailed(_) => "lock_failed",
            EngineError::NoOwnSet { .. } | EngineError::NoOwnSetToRevert { .. } => "no_own_set",
            EngineError::BackupTool(_) | EngineError::BackupFailed(_) => "backup_failed",
            EngineError::StepFailed(_) => "step_failed",
            EngineError::Internal(_) => "internal",
        }
    }

    /// The config is at fault, not the database: the status verdict's `misconfigured`.
    pub fn is_misconfiguration(&self) -> bool {
        matches!(
            self,
            EngineError::NotInConfig | EngineError::Misconfigured(_)
        )
    }
}

fn short(checksum: &str) -> &str {
    checksum.get(..12).unwrap_or(checksum)
}

fn no_own_set(database: &str) -> String {
    format!(
        "{database} has no migration set of its own (no folder {database}/ in the migrations folder);"
    )
}

/// A database another migration tool manages (`EngineError::ManagedBy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Managed {
    pub database: String,
    pub tool: String,
    pub table: String,
    /// What its table says, in short: `at version 158`, `12 applied`.
    pub summary: String,
    /// The tool's table has the name `migrator.migrations_table` gives dbfleet's.
    pub collides: bool,
}

/// What another tool left unsettled (`EngineError::ForeignUnsettled`), and the tool's own
/// way to settle it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignUnsettled {
    pub tool: String,
    pub table: String,
    pub version: String,
    pub detail: String,
    pub advice: String,
}

/// The name dbfleet's table can take when the configured one is another tool's.
pub const FREE_TABLE_NAME: &str = "dbfleet_migrations";

fn managed_words(m: &Managed) -> String {
    let (database, tool, table, summary) = (&m.database, &m.tool, &m.table, &m.summary);
    let first = if m.collides {
        format!(
            "; its table has the name dbfleet's migrations table is configured with, so first set `migrator.migrations_table: {FREE_TABLE_NAME}` in the config (and keep {tool}'s table as it is)"
        )
    } else {
        String::new()
    };
    format!(
        "managed by {tool} ({summary}, table {table}), not yet by dbfleet{first}: run `dbfleet adopt -d {database}` to record what {tool} applied (or `dbfleet baseline --to VERSION -d {database}`)"
    )
}

fn dirty_words(database: &str, row: &AppliedRow) -> String {
    let (what, advice) = if row.status == RowStatus::Reverting {
        (
            "its down",
            format!(
                "`dbfleet resolve -d {database} --rolled-back` if the revert is complete (the migration is gone), or `--applied` if none of it happened"
            ),
        )
    } else {
        (
            "its up",
            format!(
                "`dbfleet resolve -d {database} --applied` if the step's changes are all there, or `--rolled-back` if none are"
            ),
        )
    };
    format!(
        "database is dirty: {what} of {}/{:0>3}_{} stopped after {} of {} statements ({}){}. `dbfleet resolve -d {database}` shows which statements ran; once their cause is fixed, `--resume` runs the rest. Otherwise check the database, then run {advice}",
        row.set,
        row.version,
        row.name,
        row.statements_done,
        row.statements_total,
        row.status.as_str(),
        row.error
            .as_deref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default()
    )
}

/// `"reason": words, "kind": kind`: a refused outcome, as the journal has always had it
/// (`reason`) and with its kind.
pub(crate) fn as_reason<S: Serializer>(e: &EngineError, s: S) -> Result<S::Ok, S::Error> {
    worded(s, ("reason", "kind"), Some(e))
}

/// `"error": words, "kind": kind`: a failed outcome.
pub(crate) fn as_error<S: Serializer>(e: &EngineError, s: S) -> Result<S::Ok, S::Error> {
    worded(s, ("error", "kind"), Some(e))
}

/// `"refused": words or null, "refused_kind": kind or null`: a dry run's database.
pub(crate) fn as_refused<S: Serializer>(e: &Option<EngineError>, s: S) -> Result<S::Ok, S::Error> {
    worded(s, ("refused", "refused_kind"), e.as_ref())
}

/// `"error": words or null, "error_kind": kind or null`: a database's status.
pub(crate) fn as_status_error<S: Serializer>(
    e: &Option<EngineError>,
    s: S,
) -> Result<S::Ok, S::Error> {
    worded(s, ("error", "error_kind"), e.as_ref())
}

fn worded<S: Serializer>(
    s: S,
    (text, kind): (&'static str, &'static str),
    e: Option<&EngineError>,
) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(2))?;
    map.serialize_entry(text, &e.map(ToString::to_string))?;
    map.serialize_entry(kind, &e.map(EngineError::kind))?;
    map.end()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Outcome;
    use crate::engine::status::{DatabaseStatus, Verdict};

    #[test]
    fn the_status_verdict_asks_the_error_not_its_words() {
        let mut status = DatabaseStatus::new("a");
        status.error = Some(EngineError::Unreachable(
            "misconfigured server: connection refused".into(),
        ));
        assert!(matches!(status.verdict(), Verdict::Unreachable(_)));
        status.error = Some(EngineError::Misconfigured(EntryError(
            "port: not a number".into(),
        )));
        assert_eq!(
            status.verdict(),
            Verdict::Misconfigured("misconfigured: port: not a number".into())
        );
        let json = serde_json::to_value(&status).unwrap();
        assert_eq!(json["error"], "misconfigured: port: not a number");
        assert_eq!(json["error_kind"], "misconfigured");
        status.error = None;
        let json = serde_json::to_value(&status).unwrap();
        assert_eq!(json["error"], serde_json::Value::Null);
        assert_eq!(json["error_kind"], serde_json::Value::Null);
    }

    #[test]
    fn json_keeps_the_words_where_they_were_and_adds_the_kind() {
        let refused = Outcome::Refused {
            reason: EngineError::BackupTool("pg_dump not found".into()),
        };
        assert_eq!(
            serde_json::to_value(&refused).unwrap(),
            serde_json::json!({
                "outcome": "refused",
                "reason": "pg_dump not found; nothing was changed",
                "kind": "backup_failed",
            })
        );
        let failed = Outcome::Failed {
            error: EngineError::StepFailed("a.up.sql line 1 (statement 1 of 1): no".into()),
            applied: 2,
        };
        assert_eq!(
            serde_json::to_value(&failed).unwrap(),
            serde_json::json!({
                "outcome": "failed",
                "error": "a.up.sql line 1 (statement 1 of 1): no",
                "kind": "step_failed",
                "applied": 2,
            })
        );
    }
}
