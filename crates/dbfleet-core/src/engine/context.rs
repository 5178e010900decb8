//! What every stage of a run needs, in one place instead of a list of parameters handed
//! down from stage to stage: the run's own (`RunContext`: the fleet, what was asked, who
//! holds the locks, where events go) and one database's (`DatabaseRun`: its prepared
//! target and set, and its cancel token). The runner builds them; taking the lock,
//! planning, backing up and applying a step read them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::Fleet;
use super::events::{Direction, RunEvent};
use super::plan::Limit;
use super::prepare::{Intent, Prepared};
use super::selection::Selection;
use super::sink::EventSink;
use crate::driver::LockHolder;

#[derive(Debug, Clone)]
pub struct RunRequest {
    pub direction: Direction,
    pub limit: Limit,
    pub selection: Selection,
    /// Take `auto_backup` copies before the first step on each database.
    pub backup: bool,
    pub allow_drift: bool,
    /// Apply pending migrations older than the newest applied one (`--allow-out-of-order`).
    pub allow_out_of_order: bool,
    /// The command line, for the journal.
    pub command: String,
    /// Canary databases and the failure budget: how a bad migration is kept from the rest.
    pub containment: Containment,
}

/// `--canary` runs these databases first and starts the others only if every one of them
/// went well; `--max-failures K` starts no database once K have failed or been refused.
/// What was never started says so (`Outcome::NotStarted`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Containment {
    pub canary: Vec<String>,
    pub max_failures: Option<usize>,
}

impl RunRequest {
    pub fn intent(&self) -> Intent {
        Intent {
            direction: self.direction,
            limit: self.limit.clone(),
            allow_drift: self.allow_drift,
            allow_out_of_order: self.allow_out_of_order,
        }
    }
}

/// The run's own: the same for every database of it.
pub struct RunContext {
    pub fleet: Arc<Fleet>,
    pub request: RunRequest,
    pub run_id: String,
    /// This run as the lock table records it.
    pub holder: LockHolder,
    /// `user@host`, as the migrations table records it.
    pub applied_by: String,
    pub events: EventSink,
    /// Databases whose lock this run could not release, with why.
    pub locks_left: Mutex<Vec<(String, String)>>,
}

/// One database's part of a run.
pub struct DatabaseRun<'a> {
    pub run: &'a RunContext,
    pub db: Prepared<'a>,
    /// The database existed when its turn came (a SQLite file not created yet did not):
    /// a down has nothing to revert there, and nothing needs backing up.
    pub existed: bool,
    /// Cancelled with the run, or for this database alone.
    pub cancel: CancellationToken,
    /// Aborted (a second cancel) with the run, or for this database alone: cancelled too.
    pub abort: CancellationToken,
}

impl DatabaseRun<'_> {
    pub fn name(&self) -> &str {
        self.db.database
    }

    pub fn fleet(&self) -> &Fleet {
        &self.run.fleet
    }

    pub fn emit(&self, event: RunEvent) {
        self.run.events.emit(event);
    }

    /// How long to wait for another run's lock (`lock_timeout_secs`).
    pub fn lock_timeout(&self) -> Duration {
        Duration::from_secs(self.fleet().config.migrator.lock_timeout_secs)
    }

    /// A driver's message with this database's secrets removed.
    pub fn scrub(&self, message: &str) -> String {
        self.db.target.scrub(message)
    }
}
