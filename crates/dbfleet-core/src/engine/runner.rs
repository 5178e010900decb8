//! A run: every selected database as a tokio task, bounded fleet-wide and per server,
//! started in `depends_on` order (a database waits for the ones it depends on inside the
//! selection, and is blocked if one of them does not succeed). Also the dry run, which
//! reads and plans but changes nothing.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::Fleet;
use super::apply::{StepContext, StepResult, apply_step};
use super::elsewhere;
use super::error::{self, EngineError};
use super::events::{Direction, Outcome, PendingSet, RunEvent};
use super::journal::Journal;
use super::lock::{self, LockFailure};
use super::plan::{self, Limit, PlanInput, PlannedStep};
use super::selection::Selection;
use super::sink::EventSink;
use crate::catalog::MigrationSet;
use crate::config::Target;
use crate::dialect::Dialect;
use crate::driver::{self, Access, LockHolder, Session};

#[derive(Debug, Clone)]
pub struct RunRequest {
    pub direction: Direction,
    pub limit: Limit,
    pub selection: Selection,
    /// Take `auto_backup` copies before the first step on each database.
    pub backup: bool,
    pub allow_drift: bool,
    /// The command line, for the journal.
    pub command: String,
}

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
#[error("cannot write the run journal {path}: {source}")]
pub struct RunError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// Stops a run, whole or one database at a time, after the current statement (or, where a
/// step cannot roll back, after the current step). Cheap to clone; hand one to the UI.
#[derive(Clone, Default)]
pub struct RunControl {
    all: CancellationToken,
    databases: Arc<std::sync::Mutex<HashMap<String, CancellationToken>>>,
}

impl RunControl {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel_all(&self) {
        self.all.cancel();
    }

    pub fn cancel_database(&self, database: &str) {
        self.database(database).cancel();
    }

    pub fn is_cancelled(&self) -> bool {
        self.all.is_cancelled()
    }

    /// The token one database's task watches: cancelled with the run or on its own.
    fn database(&self, database: &str) -> CancellationToken {
        let Ok(mut map) = self.databases.lock() else {
            return self.all.clone();
        };
        map.entry(database.to_owned())
            .or_insert_with(|| self.all.child_token())
            .clone()
    }
}

/// How often a long run refreshes its lock's heartbeat (between steps).
const HEARTBEAT_EVERY: Duration = Duration::from_secs(10);

struct RunContext {
    fleet: Arc<Fleet>,
    request: RunRequest,
    run_id: String,
    holder: LockHolder,
    events: EventSink,
    control: RunControl,
    fleet_permits: Semaphore,
    server_permits: HashMap<String, Arc<Semaphore>>,
    locks_left: std::sync::Mutex<Vec<(String, String)>>,
}

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

    let per_server = fleet.config.migrator.per_server_concurrency;
    let mut server_permits = HashMap::new();
    for db in &databases {
        if let Some(key) = fleet
            .config
            .database(db)
            .and_then(|e| e.target.as_ref().ok())
            .and_then(Target::server_key)
        {
            server_permits
                .entry(key)
                .or_insert_with(|| Arc::new(Semaphore::new(per_server)));
        }
    }
    let ctx = Arc::new(RunContext {
        holder: LockHolder {
            holder: fleet.identity.who(),
            host: fleet.identity.host.clone(),
            pid: fleet.identity.pid,
            run_id: run_id.clone(),
        },
        fleet_permits: Semaphore::new(fleet.config.migrator.concurrency),
        server_permits,
        locks_left: std::sync::Mutex::new(Vec::new()),
        fleet: fleet.clone(),
        request,
        run_id: run_id.clone(),
        events: events.clone(),
        control: control.clone(),
    });

    let mut done_senders = HashMap::new();
    let mut done_receivers = HashMap::new();
    for db in &databases {
        let (tx, rx) = watch::channel(None::<bool>);
        done_senders.insert(db.clone(), tx);
        done_receivers.insert(db.clone(), rx);
    }
    let mut tasks = Vec::new();
    for db in &databases {
        let deps: Vec<(String, watch::Receiver<Option<bool>>)> =
            run_after(&fleet, &databases, db, ctx.request.direction)
                .into_iter()
                .filter_map(|d| done_receivers.get(&d).map(|rx| (d, rx.clone())))
                .collect();
        let done = done_senders.remove(db);
        let ctx = ctx.clone();
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let outcome = migrate_database(&ctx, &db, deps).await;
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
    let locks_left = ctx
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

async fn migrate_database(
    ctx: &RunContext,
    db: &str,
    deps: Vec<(String, watch::Receiver<Option<bool>>)>,
) -> Outcome {
    let started = Instant::now();
    let cancel = ctx.control.database(db);
    let outcome = migrate_database_inner(ctx, db, deps, &cancel).await;
    ctx.events.emit(RunEvent::Finished {
        database: db.to_owned(),
        outcome: outcome.clone(),
        duration_ms: started.elapsed().as_millis() as u64,
    });
    outcome
}

async fn migrate_database_inner(
    ctx: &RunContext,
    db: &str,
    deps: Vec<(String, watch::Receiver<Option<bool>>)>,
    cancel: &CancellationToken,
) -> Outcome {
    let fleet = &ctx.fleet;
    let Some(entry) = fleet.config.database(db) else {
        return Outcome::Refused {
            reason: EngineError::NotInConfig,
        };
    };
    let target = match &entry.target {
        Ok(target) => target,
        Err(e) => {
            return Outcome::Refused {
                reason: EngineError::Misconfigured(e.clone()),
            };
        }
    };

    if !deps.is_empty() {
        ctx.events.emit(RunEvent::Waiting {
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
                _ = cancel.cancelled() => return Outcome::Cancelled { applied: 0 },
                changed = rx.changed() => if changed.is_err() { break false },
            }
        };
        if !ok {
            blocked_by.push(dep);
        }
    }
    if !blocked_by.is_empty() {
        return Outcome::Blocked { by: blocked_by };
    }

    let _fleet_permit = tokio::select! {
        _ = cancel.cancelled() => return Outcome::Cancelled { applied: 0 },
        permit = ctx.fleet_permits.acquire() => permit,
    };
    let server = target
        .server_key()
        .and_then(|k| ctx.server_permits.get(&k).cloned());
    let _server_permit = match server {
        None => None,
        Some(sem) => tokio::select! {
            _ = cancel.cancelled() => return Outcome::Cancelled { applied: 0 },
            permit = sem.acquire_owned() => permit.ok(),
        },
    };
    if cancel.is_cancelled() {
        return Outcome::Cancelled { applied: 0 };
    }

    let set_name = ctx
        .request
        .selection
        .set
        .clone()
        .unwrap_or_else(|| db.to_owned());
    let existed = driver::exists(target);
    let Some(set) = fleet.catalog.set(&set_name) else {
        // No folder of its own: nothing to run here, but the truth about the other sets
        // needs the database read (an unreachable one is not "up to date").
        return without_own_set(ctx, db, target, existed, cancel).await;
    };
    if let Err(reason) = plan::check_set(set, target.driver) {
        return Outcome::Refused { reason };
    }
    if ctx.request.direction == Direction::Down && !existed {
        return Outcome::UpToDate;
    }
    if ctx.request.backup
        && let Err(reason) = driver::dump::backup_tool(target.driver)
    {
        return Outcome::Refused {
            reason: EngineError::BackupTool(reason),
        };
    }
    ctx.events.emit(RunEvent::Connecting {
        database: db.to_owned(),
        server: target.server_label(),
    });
    // A hung server must not hold a cancel hostage for the whole connect timeout.
    let opened = tokio::select! {
        _ = cancel.cancelled() => return Outcome::Cancelled { applied: 0 },
        opened = fleet.open(target, Access::ReadWrite { create: true }) => opened,
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
    let outcome = locked_run(ctx, db, target, set, existed, session.as_mut(), cancel).await;
    session.close().await;
    outcome
}

/// A database with no set of its own, run without `--directory`: reads what is applied
/// (read-only: nothing to write) and says which set has its pending work.
async fn without_own_set(
    ctx: &RunContext,
    db: &str,
    target: &Target,
    existed: bool,
    cancel: &CancellationToken,
) -> Outcome {
    let applied = if existed {
        ctx.events.emit(RunEvent::Connecting {
            database: db.to_owned(),
            server: target.server_label(),
        });
        let read = async {
            let mut session = ctx.fleet.open(target, Access::ReadOnly).await?;
            let rows = session.read_applied().await;
            session.close().await;
            rows
        };
        let read = tokio::select! {
            _ = cancel.cancelled() => return Outcome::Cancelled { applied: 0 },
            read = read => read,
        };
        match read {
            Ok(rows) => rows,
            Err(e) => {
                return Outcome::Failed {
                    error: EngineError::from_driver(target, &e),
                    applied: 0,
                };
            }
        }
    } else {
        Vec::new()
    };
    match elsewhere::without_own_set(&ctx.fleet.catalog, db, ctx.request.direction, &applied) {
        Ok(()) => Outcome::UpToDate,
        Err(reason) => Outcome::Refused { reason },
    }
}

/// Takes the lock (creating the bookkeeping tables if missing), plans against what is applied now (a
/// concurrent run may have applied steps meanwhile), backs up, runs, and releases the lock.
async fn locked_run(
    ctx: &RunContext,
    db: &str,
    target: &Target,
    set: &MigrationSet,
    existed: bool,
    session: &mut dyn Session,
    cancel: &CancellationToken,
) -> Outcome {
    let fleet = &ctx.fleet;
    let timeout = Duration::from_secs(fleet.config.migrator.lock_timeout_secs);
    match lock::acquire(
        session,
        &ctx.holder,
        &fleet.identity,
        db,
        timeout,
        fleet.stale_lock_after(),
        &ctx.events,
        cancel,
    )
    .await
    {
        Ok(()) => {}
        Err(LockFailure::Refused(reason)) => return Outcome::Refused { reason },
        Err(LockFailure::Cancelled) => {
            // The cancel may have cut a lock attempt that had already committed its row:
            // remove ours (by run id) so no stale lock is left behind.
            // Bounded: if the database is still busy, our attempt cannot have committed.
            let _ = tokio::time::timeout(Duration::from_secs(1), session.release_lock(&ctx.holder))
                .await;
            return Outcome::Cancelled { applied: 0 };
        }
        Err(LockFailure::Failed(e)) => {
            return Outcome::Failed {
                error: EngineError::LockFailed(target.scrub(&e.message)),
                applied: 0,
            };
        }
    }
    let outcome = run_steps(ctx, db, target, set, existed, session, cancel).await;
    if let Err(e) = session.release_lock(&ctx.holder).await {
        let error = target.scrub(&e.message);
        ctx.events.emit(RunEvent::LockNotReleased {
            database: db.to_owned(),
            error: error.clone(),
        });
        if let Ok(mut left) = ctx.locks_left.lock() {
            left.push((db.to_owned(), error));
        }
    }
    outcome
}

async fn run_steps(
    ctx: &RunContext,
    db: &str,
    target: &Target,
    set: &MigrationSet,
    existed: bool,
    session: &mut dyn Session,
    cancel: &CancellationToken,
) -> Outcome {
    let fleet = &ctx.fleet;
    let applied = match session.read_applied().await {
        Ok(rows) => rows,
        Err(e) => {
            return Outcome::Failed {
                error: EngineError::from_driver(target, &e),
                applied: 0,
            };
        }
    };
    if let Err(reason) = plan::check_dirty(db, &applied) {
        return Outcome::Refused { reason };
    }
    let steps = match plan::plan_steps(&PlanInput {
        set,
        dialect: target.driver,
        transactional_ddl: session.transactional_ddl(),
        applied: &applied,
        direction: ctx.request.direction,
        limit: ctx.request.limit,
        allow_drift: ctx.request.allow_drift,
    }) {
        Ok(steps) => steps,
        Err(reason) => return Outcome::Refused { reason },
    };
    if steps.is_empty() {
        let pending = elsewhere::pending_elsewhere(&fleet.catalog, db, &set.name, &applied);
        return match ctx.request.direction {
            Direction::Up if !pending.is_empty() => Outcome::PendingElsewhere {
                set: set.name.clone(),
                pending,
            },
            _ => Outcome::UpToDate,
        };
    }
    ctx.events.emit(RunEvent::Started {
        database: db.to_owned(),
        steps: steps.len(),
    });

    if ctx.request.backup && existed {
        match backup(ctx, db, target.driver, session).await {
            Ok(()) => {}
            Err(error) => {
                return Outcome::Failed {
                    error: EngineError::BackupFailed(error),
                    applied: 0,
                };
            }
        }
    }

    let applied_by = fleet.identity.who();
    let step_ctx = StepContext {
        database: db,
        base_dir: &fleet.config.base_dir,
        applied_by: &applied_by,
        run_id: &ctx.run_id,
        events: &ctx.events,
        cancel,
    };
    let mut done = 0;
    let total = steps.len();
    let mut last_heartbeat = Instant::now();
    for (i, step) in steps.iter().enumerate() {
        if cancel.is_cancelled() {
            return Outcome::Cancelled { applied: done };
        }
        // Time-based, not per step: each heartbeat is a commit (an fsync on SQLite).
        if last_heartbeat.elapsed() >= HEARTBEAT_EVERY {
            let _ = session
                .heartbeat(&ctx.holder, &super::identity::now_text())
                .await;
            last_heartbeat = Instant::now();
        }
        emit_step_started(ctx, db, step, i, total);
        match apply_step(session, step, &step_ctx).await {
            StepResult::Done { duration_ms } => {
                done += 1;
                ctx.events.emit(RunEvent::StepFinished {
                    database: db.to_owned(),
                    migration: step.migration.clone(),
                    duration_ms,
                });
            }
            StepResult::Cancelled => return Outcome::Cancelled { applied: done },
            StepResult::Failed {
                statement,
                error,
                dirty,
            } => {
                let error = target.scrub(&error);
                ctx.events.emit(RunEvent::StepFailed {
                    database: db.to_owned(),
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

fn emit_step_started(ctx: &RunContext, db: &str, step: &PlannedStep, index: usize, total: usize) {
    ctx.events.emit(RunEvent::StepStarted {
        database: db.to_owned(),
        migration: step.migration.clone(),
        index: index + 1,
        total,
        statements: step.statements.len(),
    });
}

async fn backup(
    ctx: &RunContext,
    db: &str,
    dialect: Dialect,
    session: &mut dyn Session,
) -> Result<(), String> {
    let dir = ctx.fleet.config.backup_dir();
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("backup folder {}: {e}; nothing was changed", dir.display()))?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let extension = match dialect {
        Dialect::Sqlite => "sqlite3",
        Dialect::Postgres | Dialect::Mysql => "sql",
    };
    let path = dir.join(format!("{db}-{stamp}.{extension}"));
    let bytes = session.backup(&path).await.map_err(|e| {
        format!(
            "backup to {} failed: {e}; nothing was changed",
            path.display()
        )
    })?;
    ctx.events.emit(RunEvent::Backup {
        database: db.to_owned(),
        path: path.display().to_string(),
        bytes,
    });
    Ok(())
}

/// What a dry run shows for one database.
#[derive(Debug, Clone, Serialize)]
pub struct DatabasePlan {
    pub database: String,
    pub driver: Option<Dialect>,
    pub server: Option<String>,
    pub set: String,
    pub steps: Vec<PlannedStep>,
    /// Why this database would not run at all. JSON: `"refused"` in words, `"refused_kind"`
    /// beside it.
    #[serde(flatten, serialize_with = "error::as_refused")]
    pub refused: Option<EngineError>,
    /// With nothing to run in `set`: the other sets that target it and still have work.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pending_elsewhere: Vec<PendingSet>,
    /// The exact SQL, bookkeeping included.
    pub sql: String,
}

/// The dry run: reads each database (read-only) and plans. Changes nothing anywhere.
pub async fn plan(
    fleet: &Fleet,
    selection: &Selection,
    direction: Direction,
    limit: Limit,
    allow_drift: bool,
) -> Vec<DatabasePlan> {
    let parallel = fleet.config.migrator.concurrency.max(4) * 2;
    // Owned names: a closure over borrowed ones is not provably Send inside tokio::spawn.
    futures::stream::iter(selection.databases.clone())
        .map(|db| async move {
            plan_database(fleet, selection, &db, direction, limit, allow_drift).await
        })
        .buffered(parallel)
        .collect()
        .await
}

async fn plan_database(
    fleet: &Fleet,
    selection: &Selection,
    db: &str,
    direction: Direction,
    limit: Limit,
    allow_drift: bool,
) -> DatabasePlan {
    let set_name = selection.set.clone().unwrap_or_else(|| db.to_owned());
    let mut plan = DatabasePlan {
        database: db.to_owned(),
        driver: None,
        server: None,
        set: set_name.clone(),
        steps: Vec::new(),
        refused: None,
        pending_elsewhere: Vec::new(),
        sql: String::new(),
    };
    let target = match fleet.config.database(db).map(|e| &e.target) {
        Some(Ok(target)) => target,
        Some(Err(e)) => {
            plan.refused = Some(EngineError::Misconfigured(e.clone()));
            return plan;
        }
        None => {
            plan.refused = Some(EngineError::NotInConfig);
            return plan;
        }
    };
    plan.driver = Some(target.driver);
    plan.server = Some(target.server_label());
    let set = fleet.catalog.set(&set_name);
    let (applied, has_tables, transactional_ddl, bookkeeping) = if driver::exists(target) {
        let mut session = match fleet.open(target, Access::ReadOnly).await {
            Ok(session) => session,
            Err(e) => {
                plan.refused = Some(EngineError::from_driver(target, &e));
                return plan;
            }
        };
        let read = async {
            let has_tables = session.bookkeeping_exists().await?;
            let rows = session.read_applied().await?;
            let lock = match session.read_lock().await? {
                Some(row) => {
                    let held = session.server_lock_held().await?;
                    Some(lock::assess(
                        row,
                        &fleet.identity,
                        fleet.stale_lock_after(),
                        held,
                    ))
                }
                None => None,
            };
            Ok::<_, driver::DriverError>((rows, has_tables, lock))
        }
        .await;
        let transactional_ddl = session.transactional_ddl();
        let server_lock = session.has_server_lock();
        // The tables as this session names them (a server's schema), as the run will.
        let bookkeeping = session.bookkeeping().clone();
        session.close().await;
        match read {
            // The run would refuse it: say so now, not after the operator confirmed.
            Ok((_, _, Some(lock))) if lock::run_refuses(&lock, server_lock) => {
                plan.refused = Some(lock::stale_refusal(&lock, db));
                return plan;
            }
            Ok((rows, has_tables, _)) => (rows, has_tables, transactional_ddl, bookkeeping),
            Err(e) => {
                plan.refused = Some(EngineError::from_driver(target, &e));
                return plan;
            }
        }
    } else {
        (
            Vec::new(),
            false,
            driver::transactional_ddl(target.driver),
            fleet.bookkeeping(target.driver),
        )
    };
    if let Err(reason) = plan::check_dirty(db, &applied) {
        plan.refused = Some(reason);
        return plan;
    }
    let Some(set) = set else {
        if let Err(reason) = elsewhere::without_own_set(&fleet.catalog, db, direction, &applied) {
            plan.refused = Some(reason);
        }
        return plan;
    };
    match plan::plan_steps(&PlanInput {
        set,
        dialect: target.driver,
        transactional_ddl,
        applied: &applied,
        direction,
        limit,
        allow_drift,
    }) {
        Ok(steps) => {
            plan.sql = plan::render_sql(&bookkeeping, &steps, !has_tables, &fleet.identity.who());
            if steps.is_empty() && direction == Direction::Up {
                plan.pending_elsewhere =
                    elsewhere::pending_elsewhere(&fleet.catalog, db, &set.name, &applied);
            }
            plan.steps = steps;
        }
        Err(reason) => plan.refused = Some(reason),
    }
    plan
}
