//! The background workers: every engine call the console makes runs here, in its own tokio
//! task, and reports back as a `Msg` on the console's channel. The UI task never awaits a
//! database, so a hung server costs a spinner, not a frozen screen.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};

use super::model::FleetInfo;
use super::msg::{Command, Msg, Pass, PlanResult, Reloaded};
use dbfleet_core::engine::admin::{self, Resolution, UnlockResult};
use dbfleet_core::engine::adopt;
use dbfleet_core::engine::dryrun;
use dbfleet_core::engine::everything;
use dbfleet_core::engine::resume;
use dbfleet_core::engine::runner::{self, Containment, RunControl, RunRequest};
use dbfleet_core::engine::{
    Direction, Fleet, Limit, Selection, SelectionRequest, WhenUnspecified, status,
};

/// Status reads at once: enough to read a thousand SQLite files quickly, few enough not
/// to open hundreds of connections to one server.
const PARALLEL_READS: usize = 16;
/// The run's events go to the event loop in bursts at most this often...
const FORWARD_EVERY: Duration = Duration::from_millis(10);
/// ...of at most this many events.
const FORWARD_AT_MOST: usize = 1024;
/// A dry run over many databases may take a while; a hung one must not hold it forever.
const PLAN_TIMEOUT: Duration = Duration::from_mins(2);

pub struct Workers {
    fleet: Arc<Fleet>,
    tx: mpsc::UnboundedSender<Msg>,
    control: Option<RunControl>,
    run: Option<tokio::task::JoinHandle<()>>,
    reads: Arc<Semaphore>,
    read_timeout: Duration,
}

impl Workers {
    pub fn new(fleet: Arc<Fleet>, tx: mpsc::UnboundedSender<Msg>) -> Workers {
        // The connect timeout bounds opening; this bounds a read that hangs after it. A
        // connect timeout of 0 means no limit, so no bound here either (tokio's timeout
        // takes Duration::MAX as never): the header's reading counter still shows the wait.
        let read_timeout = match fleet.config.migrator.connect_timeout_secs {
            0 => Duration::MAX,
            secs => Duration::from_secs(secs + 5),
        };
        Workers {
            fleet,
            tx,
            control: None,
            run: None,
            reads: Arc::new(Semaphore::new(PARALLEL_READS)),
            read_timeout,
        }
    }

    /// From now on, engine calls use `fleet` (a re-read catalog); a run in progress keeps
    /// the one it started with.
    pub fn use_fleet(&mut self, fleet: Arc<Fleet>) {
        self.fleet = fleet;
    }

    pub fn execute(&mut self, command: Command) {
        match command {
            Command::ReadStatus(names) => {
                for name in names {
                    self.read_status(name);
                }
            }
            Command::ReadHistory => {
                let path = self.fleet.config.journal_path();
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let result = dbfleet_core::engine::journal::read_entries(&path)
                        .map_err(|e| format!("cannot read {}: {e}", path.display()));
                    let _ = tx.send(Msg::History(result));
                });
            }
            Command::ReloadCatalog => {
                let fleet = self.fleet.clone();
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let result = fleet
                        .with_fresh_catalog()
                        .map(|fresh| {
                            let info = Box::new(FleetInfo::from_fleet(&fresh));
                            Reloaded {
                                fleet: Arc::new(fresh),
                                info,
                            }
                        })
                        .map_err(|e| dbfleet_core::human::with_causes(&e));
                    let _ = tx.send(Msg::CatalogReloaded(result));
                });
            }
            Command::Plan {
                id,
                databases,
                set,
                direction,
                limit,
            } => {
                let fleet = self.fleet.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result = plan(&fleet, databases, set, direction, limit).await;
                    let _ = tx.send(Msg::Planned { id, result });
                });
            }
            Command::PlanEverything { id, databases } => {
                let fleet = self.fleet.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result = plan_everything(&fleet, databases).await;
                    let _ = tx.send(Msg::Planned { id, result });
                });
            }
            Command::StartRun {
                databases,
                set,
                direction,
                limit,
                canary,
            } => self.start_run(
                RunJob::One {
                    databases,
                    set,
                    direction,
                    limit,
                },
                canary,
            ),
            Command::StartEverything { passes, canary } => {
                self.start_run(RunJob::Everything { passes }, canary);
            }
            Command::ReadDirtySteps(database) => {
                let fleet = self.fleet.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result = resume::dirty_steps(&fleet, &database)
                        .await
                        .map_err(|e| dbfleet_core::human::with_causes(&e));
                    let _ = tx.send(Msg::DirtySteps { database, result });
                });
            }
            Command::CancelRun => {
                if let Some(control) = &self.control {
                    control.cancel_all();
                }
            }
            Command::CancelDatabase(db) => {
                if let Some(control) = &self.control {
                    control.cancel_database(&db);
                }
            }
            Command::AbortRun => {
                if let Some(control) = &self.control {
                    control.abort_all();
                }
            }
            Command::AbortDatabase(db) => {
                if let Some(control) = &self.control {
                    control.abort_database(&db);
                }
            }
            Command::Unlock(database) => {
                let fleet = self.fleet.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result = admin::unlock(&fleet, &database, false)
                        .await
                        .map(|outcome| match outcome {
                            UnlockResult::Free => "no lock to clear".to_owned(),
                            UnlockResult::Cleared(lock) => {
                                format!("cleared the lock held by {}", lock.row.holder)
                            }
                        })
                        .map_err(|e| dbfleet_core::human::with_causes(&e));
                    let _ = tx.send(Msg::AdminDone { database, result });
                });
            }
            Command::Adopt(database) => {
                let fleet = self.fleet.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result = adopt(&fleet, &database).await;
                    let _ = tx.send(Msg::AdminDone { database, result });
                });
            }
            Command::Resolve {
                database,
                resolution,
            } => {
                let fleet = self.fleet.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let word = match resolution {
                        Resolution::Resume => "resumed {} to the end",
                        Resolution::Applied => "marked {} as applied",
                        Resolution::RolledBack => "marked {} as rolled back",
                        Resolution::AcceptDrift => "marked {} as checksum accepted",
                    };
                    let result = admin::resolve(&fleet, &database, resolution)
                        .await
                        .map(|settled| {
                            if settled.is_empty() {
                                "not dirty".to_owned()
                            } else {
                                word.replace("{}", &settled.join(", "))
                            }
                        })
                        .map_err(|e| dbfleet_core::human::with_causes(&e));
                    let _ = tx.send(Msg::AdminDone { database, result });
                });
            }
            // The event loop acts on it before it gets here.
            Command::Quit => {}
        }
    }

    fn read_status(&self, name: String) {
        let fleet = self.fleet.clone();
        let tx = self.tx.clone();
        let permits = self.reads.clone();
        let timeout = self.read_timeout;
        tokio::spawn(async move {
            // Wait for a slot first: the timeout is for the database, not for the queue.
            let Ok(_permit) = permits.acquire_owned().await else {
                return;
            };
            let msg =
                match tokio::time::timeout(timeout, status::inspect(&fleet, &name, None)).await {
                    Ok(status) => Msg::Status {
                        database: name,
                        status: Box::new(status),
                    },
                    Err(_) => Msg::StatusFailed {
                        database: name,
                        error: format!("no answer within {}s", timeout.as_secs()),
                    },
                };
            let _ = tx.send(msg);
        });
    }

    fn start_run(&mut self, job: RunJob, canary: Vec<String>) {
        let control = RunControl::new();
        self.control = Some(control.clone());
        let fleet = self.fleet.clone();
        let tx = self.tx.clone();
        self.run = Some(tokio::spawn(async move {
            let (databases, set, direction, limit) = match &job {
                RunJob::One {
                    databases,
                    set,
                    direction,
                    limit,
                } => (databases.clone(), set.clone(), *direction, limit.clone()),
                RunJob::Everything { passes } => {
                    let mut all: Vec<String> = Vec::new();
                    for db in passes.iter().flat_map(|p| &p.databases) {
                        if !all.contains(db) {
                            all.push(db.clone());
                        }
                    }
                    (all, None, Direction::Up, Limit::All)
                }
            };
            let selection = match select(&fleet, databases, set) {
                Ok(selection) => selection,
                Err(e) => {
                    let _ = tx.send(Msg::RunEnded(Err(e)));
                    return;
                }
            };
            let broken = fleet.misconfigured(&selection);
            if !broken.is_empty() {
                let _ = tx.send(Msg::RunEnded(Err(format!(
                    "misconfigured, nothing was run: {}",
                    broken.join("; ")
                ))));
                return;
            }
            let mut command = format!("dbfleet console: {direction}");
            for db in &selection.databases {
                command.push_str(&format!(" -d {db}"));
            }
            if let Some(set) = &selection.set {
                command.push_str(&format!(" --directory {set}"));
            }
            if matches!(job, RunJob::Everything { .. }) {
                command.push_str(" (everything pending)");
            }
            let request = RunRequest {
                direction,
                limit,
                selection,
                backup: fleet.config.migrator.auto_backup,
                allow_drift: false,
                allow_out_of_order: false,
                command,
                containment: Containment {
                    max_failures: fleet.config.migrator.max_failures,
                    canary,
                },
            };
            let (events_tx, mut events) = mpsc::unbounded_channel();
            let run = match job {
                RunJob::One { .. } => tokio::spawn(async move {
                    runner::run(fleet, request, events_tx, control)
                        .await
                        .map(|_| ())
                        .map_err(|e| dbfleet_core::human::with_causes(&e))
                }),
                RunJob::Everything { passes } => tokio::spawn(async move {
                    everything::run(fleet, passes, request, events_tx, control)
                        .await
                        .map(|_| ())
                        .map_err(|e| dbfleet_core::human::with_causes(&e))
                }),
            };
            let mut batch = Vec::new();
            while events.recv_many(&mut batch, FORWARD_AT_MOST).await > 0 {
                for event in batch.drain(..) {
                    // The console may be gone; the run still finishes and releases its locks.
                    let _ = tx.send(Msg::Run(event));
                }
                // A run sends thousands of events a second; handed on one by one, each
                // would wake the event loop for itself. In bursts the loop wakes once per
                // burst and folds them all before its next frame, which is all it shows.
                tokio::time::sleep(FORWARD_EVERY).await;
            }
            let ended = match run.await {
                Ok(result) => result,
                Err(e) => Err(format!("internal error: {e}")),
            };
            let _ = tx.send(Msg::RunEnded(ended));
        }));
    }

    /// Whether a run is still going.
    pub fn run_active(&self) -> bool {
        self.run.as_ref().is_some_and(|run| !run.is_finished())
    }

    /// Cancels a run still going and waits until it has stopped after its current
    /// statement and released its locks; Ctrl-C leaves at once.
    pub async fn wind_down(&mut self) {
        let Some(run) = self.run.take() else { return };
        if run.is_finished() {
            return;
        }
        if let Some(control) = &self.control {
            control.cancel_all();
        }
        // The terminal may be gone (SIGHUP): a failed write must not panic here.
        say("dbfleet: stopping the run after its current statement (Ctrl-C: leave at once)");
        tokio::select! {
            _ = run => {}
            _ = tokio::signal::ctrl_c() => {
                say("dbfleet: left while the run was stopping; check `dbfleet status`");
            }
        }
    }
}

fn select(fleet: &Fleet, databases: Vec<String>, set: Option<String>) -> Result<Selection, String> {
    let request = SelectionRequest {
        databases,
        patterns: Vec::new(),
        all: false,
        directory: set,
        shard: None,
    };
    fleet
        .select(&request, WhenUnspecified::DefaultDatabase)
        .map_err(|e| e.to_string())
}

/// `dbfleet adopt -d database --apply`, in the words of the console's flash.
async fn adopt(fleet: &Fleet, database: &str) -> Result<String, String> {
    let selection = select(fleet, vec![database.to_owned()], None)?;
    let adoptions = adopt::run(fleet, &selection, &adopt::Source::Adopt, true).await;
    let Some(done) = adoptions.first() else {
        return Err("nothing selected".into());
    };
    if let Some(refused) = &done.refused {
        return Err(refused.to_string());
    }
    Ok(match &done.from {
        Some(tool) => format!(
            "recorded {} migration(s) as applied (adopted from {tool}){}",
            done.record.len(),
            if done.without_file.is_empty() {
                String::new()
            } else {
                format!("; applied without a file: {}", done.without_file.join(", "))
            }
        ),
        None => "no other tool's bookkeeping found: nothing to adopt".into(),
    })
}

async fn plan(
    fleet: &Fleet,
    databases: Vec<String>,
    set: Option<String>,
    direction: Direction,
    limit: Limit,
) -> Result<PlanResult, String> {
    let selection = select(fleet, databases, set)?;
    let misconfigured = fleet.misconfigured(&selection);
    let plans = tokio::time::timeout(
        PLAN_TIMEOUT,
        dryrun::plan(fleet, &selection, direction, limit, false, false),
    )
    .await
    .map_err(|_| format!("the dry run took longer than {}s", PLAN_TIMEOUT.as_secs()))?;
    Ok(PlanResult {
        plans,
        not_targeted: selection.not_targeted,
        misconfigured,
        passes: Vec::new(),
    })
}

/// What a run command asks for: one set, or every pending set one after another.
enum RunJob {
    One {
        databases: Vec<String>,
        set: Option<String>,
        direction: Direction,
        limit: Limit,
    },
    Everything {
        passes: Vec<Pass>,
    },
}

/// "Everything pending" planned: each database's steps of all its sets, and the runs.
async fn plan_everything(fleet: &Fleet, databases: Vec<String>) -> Result<PlanResult, String> {
    let selection = select(fleet, databases.clone(), None)?;
    let misconfigured = fleet.misconfigured(&selection);
    let planned = tokio::time::timeout(PLAN_TIMEOUT, everything::plan(fleet, &databases))
        .await
        .map_err(|_| format!("the dry run took longer than {}s", PLAN_TIMEOUT.as_secs()))?
        .map_err(|e| e.to_string())?;
    Ok(PlanResult {
        plans: planned
            .plans
            .into_iter()
            .filter(|p| !misconfigured.contains(&p.database))
            .collect(),
        not_targeted: planned.not_targeted,
        misconfigured,
        passes: planned.passes,
    })
}

fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}
