//! The edges of the Elm loop: the messages `update` takes in (keys, resizes, ticks, the
//! workers' answers) and the commands it gives back for the event loop to carry out. Kept
//! apart from `State` so the workers in `tasks` depend on this small vocabulary only, not
//! on the state and its screens.

use std::sync::Arc;

use crossterm::event::KeyEvent;

use super::model::FleetInfo;
use dbfleet_core::engine::admin::Resolution;
use dbfleet_core::engine::dryrun::DatabasePlan;
pub use dbfleet_core::engine::everything::Pass;
use dbfleet_core::engine::journal::JournalEntry;
use dbfleet_core::engine::resume::DirtyStep;
use dbfleet_core::engine::status::DatabaseStatus;
use dbfleet_core::engine::{Direction, Fleet, Limit, RunEvent};

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    Tick,
    Status {
        database: String,
        status: Box<DatabaseStatus>,
    },
    /// The read gave up (timeout) or could not start.
    StatusFailed {
        database: String,
        error: String,
    },
    Planned {
        id: u64,
        result: Result<PlanResult, String>,
    },
    Run(RunEvent),
    /// The run's task ended; `Err` when it never started or died.
    RunEnded(Result<(), String>),
    AdminDone {
        database: String,
        result: Result<String, String>,
    },
    /// A dirty database's half-done steps, for the resolve dialog.
    DirtySteps {
        database: String,
        result: Result<Vec<DirtyStep>, String>,
    },
    /// The migrations folder, read again.
    CatalogReloaded(Result<Reloaded, String>),
    /// The journal, read back (oldest first, as it is written).
    History(Result<Vec<JournalEntry>, String>),
}

/// A fresh catalog: the engine's fleet for the workers, what the screen shows for `update`.
#[derive(Debug)]
pub struct Reloaded {
    pub fleet: Arc<Fleet>,
    pub info: Box<FleetInfo>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    ReadStatus(Vec<String>),
    /// Read the migrations folder again, then the status of every database.
    ReloadCatalog,
    /// Read the run journal back for the history screen.
    ReadHistory,
    Plan {
        id: u64,
        databases: Vec<String>,
        set: Option<String>,
        direction: Direction,
        limit: Limit,
    },
    StartRun {
        databases: Vec<String>,
        set: Option<String>,
        direction: Direction,
        limit: Limit,
        /// Run these first; start the rest only if they all go well (`--canary`).
        canary: Vec<String>,
    },
    /// The dry run of every pending set of `databases` ("everything pending").
    PlanEverything {
        id: u64,
        databases: Vec<String>,
    },
    /// Every pending set, one run per set in `passes`' order (`engine::everything`).
    StartEverything {
        passes: Vec<Pass>,
        canary: Vec<String>,
    },
    /// Read a dirty database's half-done steps, statement by statement, for `R`.
    ReadDirtySteps(String),
    CancelRun,
    CancelDatabase(String),
    /// A second cancel: the running statements stopped on their servers.
    AbortRun,
    AbortDatabase(String),
    Unlock(String),
    /// Record what another tool applied on this database (`dbfleet adopt --apply`).
    Adopt(String),
    Resolve {
        database: String,
        resolution: Resolution,
    },
    Quit,
}

/// A dry run's answer: the plans, and what the selection left out.
#[derive(Debug, Clone)]
pub struct PlanResult {
    pub plans: Vec<DatabasePlan>,
    pub not_targeted: Vec<String>,
    /// Broken config entries in the selection: a run refuses to start with any.
    pub misconfigured: Vec<String>,
    /// "Everything pending": the runs it makes, one per set with work; empty otherwise.
    pub passes: Vec<Pass>,
}

/// `down` reverts one step per database unless told otherwise, as in the CLI.
pub fn default_limit(direction: Direction) -> Limit {
    match direction {
        Direction::Up => Limit::All,
        Direction::Down => Limit::Steps(1),
    }
}
