//! A run: every selected database as a tokio task, bounded fleet-wide and per server,
//! started in `depends_on` order (a database waits for the ones it depends on inside the
//! selection, and is blocked if one of them does not succeed). Each database is prepared
//! and decided as the dry run (`dryrun`) does it (`prepare`); here it is also connected,
//! locked, backed up and migrated, every stage reading one `DatabaseRun` (`context`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::Fleet;
use super::apply::{Joins, StepResult, aborted_event, apply_step};
use super::context::{DatabaseRun, RunContext};
use super::error::EngineError;
use super::events::{Direction, Outcome, RunEvent};
use super::journal::Journal;
use super::lock::{self, LockFailure};
use super::plan::{self, PlannedStep};
use super::prepare;
use super::sink::EventSink;
use crate::catalog::MigrationSet;
use crate::driver::{self, Access, AppliedRow, LockHolder, Session};

pub use super::context::{Containment, RunRequest};

#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub run_id: String,
    pub outcomes: Vec<(String, Outcome)>,
    /// Databases whose lock this run could not release, with why (`LockNotReleased`).
    pub locks_left: Vec<(String, String)>,
    pub duration_ms: u64,
    pub cancelled: bool,
    pub journal: PathBuf,
}

impl RunSummary {
    /// Every database went well and left no lock behind (a left lock stops the next run).
    pub fn all_ok(&self) -> bool {
        !self.cancelled
            && self.locks_left.is_empty()
            && self.outcomes.iter().all(|(_, o)| o.lets_dependents_run())
    }
}

#[derive(Debug, thiserror::Error)]
/// The cause is not in the words (see `ConfigError::Read`).
#[error("cannot write the run journal {path}")]
pub struct RunError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// Stops a run, whole or one database at a time, in two levels. Cheap to clone; hand one
/// to the UI.
///
/// - **Cancel** (`cancel_all`, `cancel_database`): nothing new starts; the running
///   statement finishes. A step in a transaction is rolled back after it; a step that
///   cannot roll back (MySQL's DDL, a `-- dbfleet:no-transaction` file) runs to its end,
///   so it is not left dirty. The outcome is `Cancelled`.
/// - **Abort** (`abort_all`, `abort_database`), a second cancel: cancels as above, and
///   also stops the running statement on the server (PostgreSQL `pg_cancel_backend`,
///   MySQL `KILL QUERY`, SQLite `sqlite3_interrupt`: see `driver::Interrupt`). The step
///   is then left as the dirty model says: rolled back where it ran in a transaction;
///   otherwise stopped there, its statements done recorded, dirty and resumable with
///   `dbfleet resolve -d DB --resume` (not dirty when none had run). The outcome is
///   `Cancelled` with `aborted` saying what was stopped; the journal has it.
///
/// Both fronts call the same: the CLI on its first and second Ctrl-C, the console on `X`
/// once and twice. An abort without a cancel before it does both at once.
#[derive(Clone, Default)]
pub struct RunControl {
    all: CancellationToken,
    abort_all: CancellationToken,
    databases: Arc<std::sync::Mutex<HashMap<String, Stops>>>,
}

/// One database's two levels (see `RunControl`), each a child of the run's.
#[derive(Clone)]
struct Stops {
    cancel: CancellationToken,
    abort: CancellationToken,
}

impl RunControl {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel_all(&self) {
        self.all.cancel();
    }

    pub fn cancel_database(&self, database: &str) {
        self.database(database).cancel.cancel();
    }

    /// The second level of `cancel_all`: also stops every running statement on its
    /// server.
    pub fn abort_all(&self) {
        self.all.cancel();
        self.abort_all.cancel();
    }

    /// The second level of `cancel_database`: also stops its running statement on the
    /// server.
    pub fn abort_database(&self, database: &str) {
        let stops = self.database(database);
        stops.cancel.cancel();
        stops.abort.cancel();
    }

    pub fn is_cancelled(&self) -> bool {
        self.all.is_cancelled()
    }

    /// Whether the whole run was aborted (`abort_all`).
    pub fn is_aborted(&self) -> bool {
        self.abort_all.is_cancelled()
    }

    /// `database`'s cancel and abort tokens, for work outside a run (`resume`).
    pub(super) fn stops(&self, database: &str) -> (CancellationToken, CancellationToken) {
        let stops = self.database(database);
        (stops.cancel, stops.abort)
    }

    /// The tokens one database's task watches: cancelled (aborted) with the run or on
    /// its own.
    fn database(&self, database: &str) -> Stops {
        let Ok(mut map) = self.databases.lock() else {
            return Stops {
                cancel: self.all.clone(),
                abort: self.abort_all.clone(),
            };
        };
        map.entry(database.to_owned())
            .or_insert_with(|| Stops {
                cancel: self.all.child_token(),
                abort: self.abort_all.child_token(),
            })
            .clone()
    }
}

/// How often a long run refreshes its lock's heartbeat (between steps).
const HEARTBEAT_EVERY: Duration = Duration::from_secs(10);

/// The run as its tasks share it: the context every stage reads, and what only the
/// scheduling needs (slots, cancel tokens).
struct Runner {
    context: RunContext,
    control: RunControl,
    fleet_permits: Semaphore,
    server_permits: HashMap<String, Arc<Semaphore>>,
    /// Databases failed or refused so far, against `Containment::max_failures`.
    failures: AtomicUsize,
    /// Opens (`Some(true)`) once every canary went well; `Some(false)` when one did not.
    canary_gate: Option<watch::Receiver<Option<bool>>>,
    /// The canaries and what they run after (a canary's dependencies go first, or the
    /// canary would wait for them while they wait for it).
    ahead_of_the_gate: Vec<String>,
}

type Dependencies = Vec<(String, watch::Receiver<Option<bool>>)>;

/// Runs `request`, streaming events to `tx` and the journal. Returns once every database
/// has an outcome (after cancellation too: cancelled databases report what ran).
pub async fn run(
    fleet: Arc<Fleet>,
    request: RunRequest,
    tx: mpsc::UnboundedSender<RunEvent>,
    control: RunControl,
) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    let run_id = fleet.identity.new_run_id();
    let journal_path = fleet.config.journal_path();
    let journal = Journal::open(&journal_path, &run_id).map_err(|source| RunError {
        path: journal_path.clone(),
        source,
    })?;
    let events = EventSink::new(tx, Some(journal));
    let databases = request.selection.databases.clone();
    events.emit(RunEvent::RunStarted {
        run_id: run_id.clone(),
        by: fleet.identity.who(),
        command: request.command.clone(),
        direction: request.direction,
        databases: databases.clone(),
        set: request.selection.set.clone(),
    });

    let mut done_senders = HashMap::new();
    let mut done_receivers = HashMap::new();
    for db in &databases {
        let (tx, rx) = watch::channel(None::<bool>);
        done_senders.insert(db.clone(), tx);
        done_receivers.insert(db.clone(), rx);
    }
    let canary_gate = canary_gate(&request.containment.canary, &done_receivers);
    let mut ahead_of_the_gate = request.containment.canary.clone();
    let mut i = 0;
    while let Some(db) = ahead_of_the_gate.get(i).cloned() {
        for before in run_after(&fleet, &databases, &db, request.direction) {
            if databases.contains(&before) && !ahead_of_the_gate.contains(&before) {
                ahead_of_the_gate.push(before);
            }
        }
        i += 1;
    }

    let runner = Arc::new(Runner {
        fleet_permits: Semaphore::new(fleet.config.migrator.concurrency),
        server_permits: fleet
            .server_slots(&databases, fleet.config.migrator.per_server_concurrency),
        control: control.clone(),
        failures: AtomicUsize::new(0),
        canary_gate,
        ahead_of_the_gate,
        context: RunContext {
            holder: LockHolder {
                holder: fleet.identity.who(),
                host: fleet.identity.host.clone(),
                pid: fleet.identity.pid,
                run_id: run_id.clone(),
            },
            applied_by: fleet.identity.who(),
            fleet: fleet.clone(),
            request,
            run_id: run_id.clone(),
            events: events.clone(),
            locks_left: Mutex::new(Vec::new()),
        },
    });

    let mut tasks = Vec::new();
    for db in &databases {
        let deps: Dependencies =
            run_after(&fleet, &databases, db, runner.context.request.direction)
                .into_iter()
                .filter_map(|d| done_receivers.get(&d).map(|rx| (d, rx.clone())))
                .collect();
        let done = done_senders.remove(db);
        let runner = runner.clone();
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let outcome = migrate_database(&runner, &db, deps).await;
            if let Some(done) = done {
                let _ = done.send(Some(outcome.lets_dependents_run()));
            }
            (db, outcome)
        }));
    }
    let mut outcomes = Vec::new();
    for (task, db) in tasks.into_iter().zip(&databases) {
        match task.await {
            Ok(result) => outcomes.push(result),
            Err(e) => outcomes.push((
                db.clone(),
                Outcome::Failed {
                    error: EngineError::Internal(e.to_string()),
                    applied: 0,
                },
            )),
        }
    }
    let locks_left = runner
        .context
        .locks_left
        .lock()
        .map(|left| left.clone())
        .unwrap_or_default();
    let summary = RunSummary {
        run_id: run_id.clone(),
        outcomes: outcomes.clone(),
        locks_left,
        duration_ms: started.elapsed().as_millis() as u64,
        cancelled: control.is_cancelled(),
        journal: journal_path,
    };
    super::backups::prune_after_run(&fleet, &summary.outcomes, &events);
    events.emit(RunEvent::RunFinished {
        run_id,
        outcomes,
        duration_ms: summary.duration_ms,
        cancelled: summary.cancelled,
    });
    Ok(summary)
}

/// The databases `db` waits for: on `up`, those it depends on; on `down`, those that
/// depend on it (teardown runs the deploy order backwards).
fn run_after(fleet: &Fleet, selection: &[String], db: &str, direction: Direction) -> Vec<String> {
    let depends_on = |name: &str| {
        fleet
            .config
            .database(name)
            .map(|e| e.depends_on.clone())
            .unwrap_or_default()
    };
    match direction {
        Direction::Up => depends_on(db),
        Direction::Down => selection
            .iter()
            .filter(|other| depends_on(other).iter().any(|d| d == db))
            .cloned()
            .collect(),
    }
}

async fn migrate_database(runner: &Runner, db: &str, deps: Dependencies) -> Outcome {
    let started = Instant::now();
    let stops = runner.control.database(db);
    let outcome = match migrate_database_inner(runner, db, deps, stops).await {
        Ok(outcome) | Err(outcome) => outcome,
    };
    if matches!(outcome, Outcome::Failed { .. } | Outcome::Refused { .. }) {
        runner.failures.fetch_add(1, Ordering::SeqCst);
    }
    runner.context.events.emit(RunEvent::Finished {
        database: db.to_owned(),
        outcome: outcome.clone(),
        duration_ms: started.elapsed().as_millis() as u64,
    });
    outcome
}

/// `Err`: an outcome reached before the database's turn came (refused, blocked, cancelled).
async fn migrate_database_inner(
    runner: &Runner,
    db: &str,
    deps: Dependencies,
    stops: Stops,
) -> Result<Outcome, Outcome> {
    let Stops { cancel, abort } = stops;
    let context = &runner.context;
    let prepared = prepare::prepare(&context.fleet, &context.request.selection, db)
        .map_err(|reason| Outcome::Refused { reason })?;
    wait_for(context, db, deps, &cancel).await?;
    wait_for_canary(runner, db, &cancel).await?;

    let _fleet_permit = tokio::select! {
        _ = cancel.cancelled() => return Err(Outcome::cancelled(0)),
        permit = runner.fleet_permits.acquire() => permit,
    };
    let server = prepared
        .target
        .server_key()
        .and_then(|key| runner.server_permits.get(&key).cloned());
    let _server_permit = match server {
        Some(semaphore) => tokio::select! {
            _ = cancel.cancelled() => return Err(Outcome::cancelled(0)),
            permit = semaphore.acquire_owned() => permit.ok(),
        },
        None => None,
    };
    if cancel.is_cancelled() {
        return Err(Outcome::cancelled(0));
    }
    within_failure_budget(runner)?;

    let cx = DatabaseRun {
        run: context,
        existed: driver::exists(prepared.target),
        db: prepared,
        cancel,
        abort,
    };
    Ok(match prepared.set {
        // No folder of its own: nothing to run here, but the truth about the other sets
        // needs the database read (an unreachable one is not "up to date").
        None => without_own_set(&cx).await,
        Some(set) => with_own_set(&cx, set).await,
    })
}

/// A gate that opens once every canary went well, closed for good when one did not;
/// `None` without canaries.
fn canary_gate(
    canary: &[String],
    done: &HashMap<String, watch::Receiver<Option<bool>>>,
) -> Option<watch::Receiver<Option<bool>>> {
    if canary.is_empty() {
        return None;
    }
    let watched: Vec<watch::Receiver<Option<bool>>> =
        canary.iter().filter_map(|d| done.get(d).cloned()).collect();
    let (open, gate) = watch::channel(None::<bool>);
    tokio::spawn(async move {
        let mut all_ok = true;
        for mut rx in watched {
            let ok = loop {
                if let Some(ok) = *rx.borrow() {
                    break ok;
                }
                if rx.changed().await.is_err() {
                    break false;
                }
            };
            all_ok &= ok;
        }
        let _ = open.send(Some(all_ok));
    });
    Some(gate)
}

/// A database outside the canaries waits for them before it takes a slot (a slot held
/// while waiting could starve the canaries), and does not start if one did not go well.
async fn wait_for_canary(
    runner: &Runner,
    db: &str,
    cancel: &CancellationToken,
) -> Result<(), Outcome> {
    let canary = &runner.context.request.containment.canary;
    let Some(gate) = &runner.canary_gate else {
        return Ok(());
    };
    if runner.ahead_of_the_gate.iter().any(|c| c == db) {
        return Ok(());
    }
    let mut gate = gate.clone();
    let open = loop {
        if let Some(open) = *gate.borrow() {
            break open;
        }
        tokio::select! {
            _ = cancel.cancelled() => return Err(Outcome::cancelled(0)),
            changed = gate.changed() => if changed.is_err() { break false },
        }
    };
    if open {
        Ok(())
    } else {
        Err(Outcome::NotStarted {
            reason: format!("the canary ({}) did not go well", canary.join(", ")),
        })
    }
}

/// Once its slot is taken, whether the failure budget still lets `db` start: the
/// databases already running finish, no new one starts.
fn within_failure_budget(runner: &Runner) -> Result<(), Outcome> {
    let Some(max) = runner.context.request.containment.max_failures else {
        return Ok(());
    };
    let failed = runner.failures.load(Ordering::SeqCst);
    if failed >= max {
        return Err(Outcome::NotStarted {
            reason: format!("{failed} database(s) failed or were refused (--max-failures {max})"),
        });
    }
    Ok(())
}

/// Waits for the databases `db` runs after; `Err` when one of them did not succeed
/// (blocked) or the run was cancelled meanwhile.
async fn wait_for(
    context: &RunContext,
    db: &str,
    deps: Dependencies,
    cancel: &CancellationToken,
) -> Result<(), Outcome> {
    if !deps.is_empty() {
        context.events.emit(RunEvent::Waiting {
            database: db.to_owned(),
            on: deps.iter().map(|(d, _)| d.clone()).collect(),
        });
    }
    let mut blocked_by = Vec::new();
    for (dep, mut rx) in deps {
        let ok = loop {
            if let Some(ok) = *rx.borrow() {
                break ok;
            }
            tokio::select! {
                _ = cancel.cancelled() => return Err(Outcome::cancelled(0)),
                changed = rx.changed() => if changed.is_err() { break false },
            }
        };
        if !ok {
            blocked_by.push(dep);
        }
    }
    if blocked_by.is_empty() {
        Ok(())
    } else {
        Err(Outcome::Blocked { by: blocked_by })
    }
}

/// A database with no set of its own, run without `--directory`: reads what is applied
/// (read-only: nothing to write) and says which set has its pending work.
async fn without_own_set(cx: &DatabaseRun<'_>) -> Outcome {
    let target = cx.db.target;
    let applied = if cx.existed {
        emit_connecting(cx);
        let read = async {
            let mut session = cx
                .fleet()
                .open(target, Access::ReadOnly)
                .await
                .map_err(|e| EngineError::from_driver(target, &e))?;
            let rows = prepare::read_applied(session.as_mut(), target).await;
            session.close().await;
            rows
        };
        let read = tokio::select! {
            _ = cx.cancel.cancelled() => return Outcome::cancelled(0),
            read = read => read,
        };
        match read {
            Ok(rows) => rows,
            Err(error) => return Outcome::Failed { error, applied: 0 },
        }
    } else {
        Vec::new()
    };
    match decide(cx, &applied, driver::transactional_ddl(target.driver)) {
        Ok(_) => Outcome::UpToDate,
        Err(outcome) => outcome,
    }
}

/// The run's steps from what is applied, as the dry run decides them; `Err`: the outcome
/// when there are none to run (refused, up to date, work pending in other sets).
fn decide(
    cx: &DatabaseRun<'_>,
    applied: &[AppliedRow],
    transactional_ddl: bool,
) -> Result<Vec<PlannedStep>, Outcome> {
    let intent = cx.run.request.intent();
    let decision = prepare::decide(cx.fleet(), &cx.db, &intent, applied, transactional_ddl)
        .map_err(|reason| Outcome::Refused { reason })?;
    if !decision.steps.is_empty() {
        return Ok(decision.steps);
    }
    Err(if decision.pending_elsewhere.is_empty() {
        Outcome::UpToDate
    } else {
        Outcome::PendingElsewhere {
            set: cx.db.set_name.to_owned(),
            pending: decision.pending_elsewhere,
        }
    })
}

/// Refuses what can be refused before connecting (a broken set, a missing dump tool), so
/// a refused run creates nothing; then connects and runs under the lock.
async fn with_own_set(cx: &DatabaseRun<'_>, set: &MigrationSet) -> Outcome {
    let target = cx.db.target;
    if let Err(reason) = plan::check_set(set, target.driver) {
        return Outcome::Refused { reason };
    }
    if cx.run.request.direction == Direction::Down && !cx.existed {
        return Outcome::UpToDate;
    }
    if cx.run.request.backup
        && let Err(reason) = driver::dump::backup_tool(target.driver)
    {
        return Outcome::Refused {
            reason: EngineError::BackupTool(reason),
        };
    }
    emit_connecting(cx);
    // A hung server must not hold a cancel hostage for the whole connect timeout.
    let opened = tokio::select! {
        _ = cx.cancel.cancelled() => return Outcome::cancelled(0),
        opened = cx.fleet().open(target, Access::ReadWrite { create: true }) => opened,
    };
    let mut session = match opened {
        Ok(session) => session,
        Err(e) => {
            return Outcome::Failed {
                error: EngineError::from_driver(target, &e),
                applied: 0,
            };
        }
    };
    let outcome = locked_run(cx, session.as_mut()).await;
    session.close().await;
    outcome
}

fn emit_connecting(cx: &DatabaseRun<'_>) {
    cx.emit(RunEvent::Connecting {
        database: cx.name().to_owned(),
        server: cx.db.target.server_label(),
    });
}

/// Takes the lock (creating the bookkeeping tables if missing), plans against what is
/// applied now (a concurrent run may have applied steps meanwhile), backs up, runs, and
/// releases the lock.
async fn locked_run(cx: &DatabaseRun<'_>, session: &mut dyn Session) -> Outcome {
    // Another tool's database must not get dbfleet's tables, nor its migrations re-run.
    // A database busy right now (a SQLite file under another connection's write lock) is
    // asked again under the lock, which waits for it (`run_steps`).
    let target = cx.db.target;
    let foreign = match session.bookkeeping_exists().await {
        Ok(false) => prepare::refuse_other_tool(session, cx.name(), target, None).await,
        Ok(true) | Err(_) => Ok(()),
    };
    if let Err(reason) = foreign {
        return not_ours(reason);
    }
    match lock::acquire(cx, session).await {
        Ok(()) => {}
        Err(LockFailure::Failed(e)) if e.kind == driver::ErrorKind::NotOurs => {
            let reason = prepare::refuse_other_tool(session, cx.name(), target, Some(&e)).await;
            return Outcome::Refused {
                reason: reason.err().unwrap_or(EngineError::from_driver(target, &e)),
            };
        }
        Err(LockFailure::Refused(reason)) => return Outcome::Refused { reason },
        Err(LockFailure::Cancelled) => {
            // The cancel may have cut a lock attempt that had already committed its row:
            // remove ours (by run id) so no stale lock is left behind.
            // Bounded: if the database is still busy, our attempt cannot have committed.
            let release = session.release_lock(&cx.run.holder);
            let _ = tokio::time::timeout(Duration::from_secs(1), release).await;
            return Outcome::cancelled(0);
        }
        Err(LockFailure::Failed(e)) => {
            return Outcome::Failed {
                error: EngineError::LockFailed(cx.scrub(&e.message)),
                applied: 0,
            };
        }
    }
    let outcome = run_steps(cx, session).await;
    if let Err(e) = session.release_lock(&cx.run.holder).await {
        let error = cx.scrub(&e.message);
        cx.emit(RunEvent::LockNotReleased {
            database: cx.name().to_owned(),
            error: error.clone(),
        });
        if let Ok(mut left) = cx.run.locks_left.lock() {
            left.push((cx.name().to_owned(), error));
        }
    }
    outcome
}

/// Refused as another tool's database; failed when that could not be read.
fn not_ours(reason: EngineError) -> Outcome {
    match reason {
        EngineError::Unreachable(_) => Outcome::Failed {
            error: reason,
            applied: 0,
        },
        reason => Outcome::Refused { reason },
    }
}

async fn run_steps(cx: &DatabaseRun<'_>, session: &mut dyn Session) -> Outcome {
    let applied = match prepare::read_applied(session, cx.db.target).await {
        Ok(rows) => rows,
        Err(error) => return Outcome::Failed { error, applied: 0 },
    };
    // Nothing of dbfleet's here: another tool's database is refused, whatever the check
    // before the lock could see.
    if applied.is_empty()
        && let Err(reason) =
            prepare::refuse_other_tool(session, cx.name(), cx.db.target, None).await
    {
        return not_ours(reason);
    }
    let steps = match decide(cx, &applied, session.transactional_ddl()) {
        Ok(steps) => steps,
        Err(outcome) => return outcome,
    };
    cx.emit(RunEvent::Started {
        database: cx.name().to_owned(),
        steps: steps.len(),
    });

    if cx.run.request.backup
        && cx.existed
        && let Err(error) = backup(cx, session).await
    {
        return Outcome::Failed { error, applied: 0 };
    }

    let group = cx.fleet().config.migrator.group && session.transactional_ddl();
    let mut done = 0;
    let total = steps.len();
    let mut last_heartbeat = Instant::now();
    // The step about to run was opened by the previous step's closing (`Joins`).
    let mut opened = false;
    // Steps applied in the group's transaction, not committed yet.
    let mut grouped: Vec<&PlannedStep> = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        if cx.cancel.is_cancelled() {
            return cancelled_between_steps(session, step, opened, &grouped, done).await;
        }
        // Time-based, not per step: each heartbeat is a commit (an fsync on SQLite). Not
        // inside a group's transaction, where no other session would see it before the
        // group commits.
        if grouped.is_empty() && last_heartbeat.elapsed() >= HEARTBEAT_EVERY {
            let _ = session
                .heartbeat(&cx.run.holder, &super::identity::now_text())
                .await;
            last_heartbeat = Instant::now();
        }
        emit_step_started(cx, step, i, total);
        let next = steps.get(i + 1);
        let joins = Joins {
            opened,
            keep_open: group && step.transactional && next.is_some_and(|n| n.transactional),
            open_next: next.filter(|n| !step.transactional && !n.transactional),
        };
        let applied = apply_step(cx, session, step, joins).await;
        opened = applied.next_opened;
        match applied.result {
            StepResult::Done { duration_ms } => {
                cx.emit(RunEvent::StepFinished {
                    database: cx.name().to_owned(),
                    migration: step.migration.clone(),
                    duration_ms,
                });
                if joins.keep_open {
                    // The transaction stays open for the next step.
                    grouped.push(step);
                    opened = true;
                } else {
                    done += grouped.len() + 1;
                    grouped.clear();
                }
            }
            StepResult::Cancelled => return Outcome::cancelled(done),
            StepResult::Aborted {
                statement,
                dirty,
                stopped,
                left,
            } => {
                let (stopped, left) = (cx.scrub(&stopped), cx.scrub(&left));
                cx.emit(aborted_event(
                    cx.name(),
                    step,
                    statement,
                    dirty,
                    format!("aborted: {stopped}"),
                ));
                return Outcome::Cancelled {
                    applied: done,
                    aborted: Some(format!(
                        "aborted: {} {stopped}; {left}{}",
                        step.migration,
                        rolled_back_with(&grouped)
                    )),
                };
            }
            StepResult::Failed {
                statement,
                error,
                dirty,
            } => {
                let error = format!("{}{}", cx.scrub(&error), rolled_back_with(&grouped));
                cx.emit(RunEvent::StepFailed {
                    database: cx.name().to_owned(),
                    migration: step.migration.clone(),
                    statement,
                    total: step.statements.len(),
                    error: error.clone(),
                    dirty,
                });
                return Outcome::Failed {
                    error: EngineError::StepFailed(error),
                    applied: done,
                };
            }
        }
    }
    Outcome::Succeeded { applied: done }
}

/// The steps of a group that a rollback undid with the one that stopped, as the outcome
/// adds them; empty outside a group.
fn rolled_back_with(grouped: &[&PlannedStep]) -> String {
    if grouped.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = grouped.iter().map(|s| s.migration.as_str()).collect();
    format!("; its group was rolled back with it: {}", names.join(", "))
}

/// A cancel seen between two steps: the group's open transaction is rolled back (all or
/// nothing), and a step its predecessor opened is put back as it was before it started,
/// so a cancel leaves no database dirty.
async fn cancelled_between_steps(
    session: &mut dyn Session,
    step: &PlannedStep,
    opened: bool,
    grouped: &[&PlannedStep],
    done: usize,
) -> Outcome {
    if !grouped.is_empty() {
        let _ = session.execute("ROLLBACK").await;
    }
    if opened
        && !step.transactional
        && let Err(e) = super::apply::unopen(session, step).await
    {
        return Outcome::Cancelled {
            applied: done,
            aborted: Some(format!(
                "cancelled before {} ran, but its `running` row could not be removed ({e}): the database shows it dirty with no statement done; `dbfleet resolve` clears it",
                step.migration
            )),
        };
    }
    Outcome::cancelled(done)
}

fn emit_step_started(cx: &DatabaseRun<'_>, step: &PlannedStep, index: usize, total: usize) {
    cx.emit(RunEvent::StepStarted {
        database: cx.name().to_owned(),
        migration: step.migration.clone(),
        index: index + 1,
        total,
        statements: step.statements.len(),
    });
}

async fn backup(cx: &DatabaseRun<'_>, session: &mut dyn Session) -> Result<(), EngineError> {
    let db = cx.name();
    let dir = cx.fleet().config.backup_dir();
    std::fs::create_dir_all(&dir).map_err(|e| {
        EngineError::BackupFailed(format!(
            "backup folder {}: {e}; nothing was changed",
            dir.display()
        ))
    })?;
    let name = super::backups::file_name(db, cx.db.target.driver, chrono::Utc::now());
    let path = dir.join(name);
    let bytes = session.backup(&path).await.map_err(|e| {
        EngineError::BackupFailed(format!(
            "backup to {} failed: {e}; nothing was changed",
            path.display()
        ))
    })?;
    cx.emit(RunEvent::Backup {
        database: db.to_owned(),
        path: path.display().to_string(),
        bytes,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limit, Selection};

    /// `abort_database`, as the console's `X` twice will call it: only that database's
    /// running statement is stopped (SQLite's interrupt), its transactional step rolls
    /// back, and the outcome says it was aborted; a database not aborted finishes.
    #[test]
    fn abort_database_stops_that_databases_statement_only() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        let write = |path: &str, text: &str| {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        };
        write(
            "config.yaml",
            "databases:\n  slow:\n    driver: sqlite\n    database: data/slow.db\n  quick:\n    driver: sqlite\n    database: data/quick.db\nmigrator:\n  auto_backup: false\n",
        );
        write(
            "migrations/slow/001_slow.up.sql",
            "CREATE TABLE t (id INTEGER);\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) FROM c;\n",
        );
        write(
            "migrations/quick/001_quick.up.sql",
            "CREATE TABLE q (id INTEGER);\n",
        );
        let fleet = Arc::new(Fleet::load(&root.join("config.yaml")).expect("fleet"));
        let request = RunRequest {
            direction: Direction::Up,
            limit: Limit::All,
            selection: Selection {
                databases: vec!["slow".into(), "quick".into()],
                set: None,
                not_targeted: Vec::new(),
                other_shards: 0,
            },
            backup: false,
            allow_drift: false,
            allow_out_of_order: false,
            command: "test".into(),
            containment: Containment::default(),
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let summary = runtime.block_on(async {
            let control = RunControl::new();
            let (tx, mut rx) = mpsc::unbounded_channel();
            let run = tokio::spawn(run(fleet.clone(), request, tx, control.clone()));
            while let Some(event) = rx.recv().await {
                if let RunEvent::Statement {
                    database, index: 2, ..
                } = &event
                    && database == "slow"
                {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    control.abort_database("slow");
                }
            }
            let summary = tokio::time::timeout(Duration::from_secs(20), run)
                .await
                .expect("the abort ends the run")
                .expect("the run's task")
                .expect("the run");
            // Rolled back: no row, and the step's table is gone with it.
            let target = fleet
                .config
                .database("slow")
                .and_then(|e| e.target.as_ref().ok())
                .expect("slow's target");
            let mut session = fleet.open(target, Access::ReadOnly).await.expect("open");
            assert_eq!(session.read_applied().await.expect("rows"), Vec::new());
            let stats = session.stats().await.expect("stats");
            assert_eq!(stats.tables, 0);
            session.close().await;
            summary
        });
        let outcome = |db: &str| {
            summary
                .outcomes
                .iter()
                .find(|(d, _)| d == db)
                .map(|(_, o)| o.clone())
                .expect("an outcome")
        };
        assert_eq!(
            outcome("slow"),
            Outcome::Cancelled {
                applied: 0,
                aborted: Some(
                    "aborted: slow/001_slow statement 2 of 2 interrupted; the step was rolled back"
                        .into()
                ),
            }
        );
        assert_eq!(outcome("quick"), Outcome::Succeeded { applied: 1 });
        assert!(!summary.cancelled, "only one database was stopped");
    }

    /// Steps outside a transaction open the next one in their closing commit, but not
    /// after a cancel: a cancel while step 2 runs lets it finish (it cannot roll back)
    /// and starts nothing after it, so no row is left `running` and the outcome counts
    /// the two steps done.
    #[test]
    fn a_cancel_between_joined_steps_leaves_nothing_dirty() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        let write = |path: &str, text: &str| {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        };
        write(
            "config.yaml",
            "databases:\n  t:\n    driver: sqlite\n    database: data/t.db\nmigrator:\n  auto_backup: false\n",
        );
        write(
            "migrations/t/001_a.up.sql",
            "-- dbfleet:no-transaction\nCREATE TABLE a (id INTEGER);\n",
        );
        write(
            "migrations/t/002_slow.up.sql",
            "-- dbfleet:no-transaction\nCREATE TABLE b (id INTEGER);\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT count(*) FROM c;\n",
        );
        write(
            "migrations/t/003_c.up.sql",
            "-- dbfleet:no-transaction\nCREATE TABLE c (id INTEGER);\n",
        );
        let fleet = Arc::new(Fleet::load(&root.join("config.yaml")).expect("fleet"));
        let request = RunRequest {
            direction: Direction::Up,
            limit: Limit::All,
            selection: Selection {
                databases: vec!["t".into()],
                set: None,
                not_targeted: Vec::new(),
                other_shards: 0,
            },
            backup: false,
            allow_drift: false,
            allow_out_of_order: false,
            command: "test".into(),
            containment: Containment::default(),
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let (summary, rows) = runtime.block_on(async {
            let control = RunControl::new();
            let (tx, mut rx) = mpsc::unbounded_channel();
            let run = tokio::spawn(run(fleet.clone(), request, tx, control.clone()));
            while let Some(event) = rx.recv().await {
                if let RunEvent::Statement {
                    migration,
                    index: 2,
                    ..
                } = &event
                    && migration == "t/002_slow"
                {
                    control.cancel_all();
                }
            }
            let summary = tokio::time::timeout(Duration::from_secs(30), run)
                .await
                .expect("the cancel ends the run")
                .expect("the run's task")
                .expect("the run");
            let target = fleet
                .config
                .database("t")
                .and_then(|e| e.target.as_ref().ok())
                .expect("t's target");
            let mut session = fleet.open(target, Access::ReadOnly).await.expect("open");
            let rows = session.read_applied().await.expect("rows");
            session.close().await;
            (summary, rows)
        });
        assert_eq!(summary.outcomes[0].1, Outcome::cancelled(2));
        let rows: Vec<(String, driver::RowStatus, u32)> = rows
            .into_iter()
            .map(|r| (r.version.as_str().to_owned(), r.status, r.statements_done))
            .collect();
        assert_eq!(
            rows,
            [
                ("1".to_owned(), driver::RowStatus::Applied, 1),
                ("2".to_owned(), driver::RowStatus::Applied, 2),
            ]
        );
    }
}
