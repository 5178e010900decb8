//! The typed event stream every run emits. The CLI and the console are two consumers of
//! it; the journal is a third (it keeps everything but per-statement progress). Where the
//! events go is `sink`'s business: this module knows neither the channel nor the journal.

use serde::Serialize;

use super::error::{self, EngineError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Direction::Up => "up",
            Direction::Down => "down",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Every planned step ran.
    Succeeded { applied: usize },
    /// Nothing to do: every set that targets the database is applied.
    UpToDate,
    /// The set the run used has nothing left here, but other sets that target the
    /// database do: not "up to date" (the operator may believe the fleet is done).
    PendingElsewhere {
        set: String,
        pending: Vec<PendingSet>,
    },
    /// It failed: a step (the database's own message, with file and statement), the
    /// connection, the backup. JSON: `"error"` in words, `"kind"` beside it.
    Failed {
        #[serde(flatten, serialize_with = "error::as_error")]
        error: EngineError,
        applied: usize,
    },
    /// Refused before anything changed (dirty, drift, irreversible, lock held, misconfigured).
    /// JSON: `"reason"` in words, `"kind"` beside it.
    Refused {
        #[serde(flatten, serialize_with = "error::as_reason")]
        reason: EngineError,
    },
    /// A database it depends on did not succeed.
    Blocked { by: Vec<String> },
    /// Stopped by the operator; `applied` steps had completed. `aborted`: a second
    /// cancel stopped the running statement on the server, and what that left (`aborted:
    /// 002_slow statement 2 of 4 stopped on the server; rolled back`).
    Cancelled {
        applied: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        aborted: Option<String>,
    },
    /// Never started: the run was contained (a canary failed, `--max-failures` reached).
    NotStarted { reason: String },
}

impl Outcome {
    /// Cancelled between statements (not aborted).
    pub fn cancelled(applied: usize) -> Outcome {
        Outcome::Cancelled {
            applied,
            aborted: None,
        }
    }

    /// Whether databases that depend on this one may go ahead.
    pub fn lets_dependents_run(&self) -> bool {
        matches!(
            self,
            Outcome::Succeeded { .. } | Outcome::UpToDate | Outcome::PendingElsewhere { .. }
        )
    }

    /// The outcome in words, as the CLI's summary, the console's run view and its event
    /// log all say it.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Succeeded { applied } => format!("succeeded, {applied} step(s)"),
            Outcome::UpToDate => "up to date".into(),
            Outcome::PendingElsewhere { set, pending } => {
                format!("nothing to run in {set}; {}", PendingSet::words(pending))
            }
            Outcome::Failed { error, applied } => {
                format!("failed after {applied} step(s): {error}")
            }
            Outcome::Refused { reason } => format!("refused: {reason}"),
            Outcome::Blocked { by } => format!("blocked: {} did not succeed", by.join(", ")),
            Outcome::Cancelled {
                applied,
                aborted: None,
            } => format!("cancelled after {applied} step(s)"),
            Outcome::Cancelled {
                applied,
                aborted: Some(aborted),
            } => format!("cancelled after {applied} step(s); {aborted}"),
            Outcome::NotStarted { reason } => format!("not started: {reason}"),
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Succeeded { .. } => "succeeded",
            Outcome::UpToDate => "up to date",
            Outcome::PendingElsewhere { .. } => "pending in other sets",
            Outcome::Failed { .. } => "failed",
            Outcome::Refused { .. } => "refused",
            Outcome::Blocked { .. } => "blocked",
            Outcome::Cancelled { .. } => "cancelled",
            Outcome::NotStarted { .. } => "not started",
        }
    }
}

/// A set, other than the one a run used, with migrations still pending on a database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingSet {
    pub set: String,
    pub pending: usize,
}

impl PendingSet {
    /// `2 pending in cross_service (run it with --directory=cross_service)`
    pub fn words(sets: &[PendingSet]) -> String {
        let counts: Vec<String> = sets
            .iter()
            .map(|s| format!("{} pending in {}", s.pending, s.set))
            .collect();
        let how: Vec<String> = sets
            .iter()
            .map(|s| format!("--directory={}", s.set))
            .collect();
        format!("{} (run with {})", counts.join(", "), how.join(" or "))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RunEvent {
    RunStarted {
        run_id: String,
        by: String,
        command: String,
        direction: Direction,
        databases: Vec<String>,
        /// The shared set chosen with `--directory`; `None` means each database's own set.
        set: Option<String>,
    },
    /// Queued behind the databases it depends on.
    Waiting { database: String, on: Vec<String> },
    /// Its turn has come (dependencies done, a slot free): opening the connection, which a
    /// hung server or a locked SQLite file can hold up for `connect_timeout_secs`.
    Connecting { database: String, server: String },
    /// Another process holds the database's migration lock; polling until the deadline.
    LockWaiting {
        database: String,
        holder: String,
        since: String,
    },
    /// The lock row of a holder whose session is gone was replaced by this run's: the
    /// server's own lock was free, so the server had ended that session (and rolled back
    /// what it had not committed). Only on servers; journaled like an unlock.
    LockTakenOver {
        database: String,
        by: String,
        holder: String,
        holder_pid: i64,
        holder_run_id: String,
        since: String,
        heartbeat_at: String,
    },
    /// Releasing the lock at the end failed: its row is still there (a server's own lock
    /// went with the connection). The next run on a server takes it over; on SQLite,
    /// `dbfleet unlock` clears it.
    LockNotReleased { database: String, error: String },
    /// Lock taken and plan made: `steps` will run.
    Started { database: String, steps: usize },
    Backup {
        database: String,
        path: String,
        bytes: u64,
    },
    StepStarted {
        database: String,
        migration: String,
        index: usize,
        total: usize,
        statements: usize,
    },
    /// About to run statement `index` (1-based) of `total`.
    Statement {
        database: String,
        migration: String,
        index: usize,
        total: usize,
        line: usize,
    },
    StepFinished {
        database: String,
        migration: String,
        duration_ms: u64,
    },
    StepFailed {
        database: String,
        migration: String,
        statement: usize,
        total: usize,
        error: String,
        /// Statements committed before the failure left the database dirty.
        dirty: bool,
    },
    Finished {
        database: String,
        outcome: Outcome,
        duration_ms: u64,
    },
    /// `dbfleet unlock` removed a lock row.
    /// `by` cleared the lock `holder` (run `holder_run_id`) had left.
    LockCleared {
        database: String,
        by: String,
        holder: String,
        holder_run_id: String,
        forced: bool,
    },
    /// `dbfleet resolve` settled a dirty step.
    Resolved {
        database: String,
        by: String,
        migration: String,
        was: String,
        now: String,
        /// What the operator chose: `resume`, `mark applied`, `mark rolled back`, `accept
        /// drift`.
        choice: String,
    },
    /// `dbfleet adopt` or `dbfleet baseline` recorded migrations as applied without running
    /// them: `from` names the tool whose table said so (`golang-migrate`), or `baseline`.
    Adopted {
        database: String,
        by: String,
        from: String,
        set: String,
        versions: Vec<String>,
        /// Versions the other tool applied that have no file in the set.
        without_file: Vec<String>,
    },
    /// `dbfleet restore` put a backup back: `file` is now the database; `safety_backup`
    /// holds what it replaced (`None`: there was no database to keep).
    Restored {
        database: String,
        by: String,
        file: String,
        /// The run that took `file`, where the journal knows it.
        backup_run_id: Option<String>,
        safety_backup: Option<String>,
    },
    /// `backup_retention_days` removed these backups of a database after a run that
    /// succeeded on it.
    BackupsPruned {
        database: String,
        removed: Vec<String>,
    },
    RunFinished {
        run_id: String,
        outcomes: Vec<(String, Outcome)>,
        duration_ms: u64,
        cancelled: bool,
    },
}

impl RunEvent {
    pub fn database(&self) -> Option<&str> {
        match self {
            RunEvent::Waiting { database, .. }
            | RunEvent::Connecting { database, .. }
            | RunEvent::LockWaiting { database, .. }
            | RunEvent::LockTakenOver { database, .. }
            | RunEvent::LockNotReleased { database, .. }
            | RunEvent::Started { database, .. }
            | RunEvent::Backup { database, .. }
            | RunEvent::StepStarted { database, .. }
            | RunEvent::Statement { database, .. }
            | RunEvent::StepFinished { database, .. }
            | RunEvent::StepFailed { database, .. }
            | RunEvent::Finished { database, .. }
            | RunEvent::LockCleared { database, .. }
            | RunEvent::Resolved { database, .. }
            | RunEvent::Adopted { database, .. }
            | RunEvent::Restored { database, .. }
            | RunEvent::BackupsPruned { database, .. } => Some(database),
            RunEvent::RunStarted { .. } | RunEvent::RunFinished { .. } => None,
        }
    }
}
