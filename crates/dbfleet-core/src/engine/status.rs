//! Read-only inspection of databases: what is applied, pending, dirty, drifted, who holds
//! the lock, table count and size. Never creates a file, a table or a row.

use futures::StreamExt;
use serde::Serialize;

use super::Fleet;
use super::error::{self, EngineError};
use super::lock::{LockState, assess};
use super::selection::Selection;
use crate::catalog::{MigrationSet, Version};
use crate::config::Target;
use crate::dialect::Dialect;
use crate::driver::{self, Access, AppliedRow, DatabaseState, RowStatus};

#[derive(Debug, Clone, Serialize)]
pub struct DatabaseStatus {
    pub name: String,
    pub driver: Option<Dialect>,
    /// Where it lives, without any password.
    pub server: Option<String>,
    /// False for a SQLite file that no `up` has created yet.
    pub exists: bool,
    pub applied: usize,
    pub pending: usize,
    /// Latest applied version of the database's own set (or of the chosen `--directory`;
    /// without an own set, of the first shared set that targets it).
    pub last_version: Option<String>,
    pub lock: Option<LockState>,
    pub dirty: bool,
    /// Applied migrations whose file changed since.
    pub drift: Vec<String>,
    pub tables: Option<u64>,
    pub size_bytes: Option<u64>,
    /// `PostgreSQL 15.19`, `MariaDB 10.11.19`, `SQLite 3.46.0`, once read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// Misconfigured or unreachable: why. JSON: `"error"` in words, `"error_kind"` beside it.
    #[serde(flatten, serialize_with = "error::as_status_error")]
    pub error: Option<EngineError>,
    /// Another migration tool's bookkeeping, where dbfleet has none of its own yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<ManagedBy>,
    pub sets: Vec<SetStatus>,
    /// `migrator.allow_out_of_order` is on: `up` applies the migrations marked
    /// `out_of_order` like any pending one, so they are pending, not a problem.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub out_of_order_allowed: bool,
}

/// A database another tool manages and dbfleet has not adopted yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManagedBy {
    pub tool: String,
    pub table: String,
    /// What its table says, in short: `at version 158`, `12 applied`.
    pub summary: String,
    /// What to do, in words (`dbfleet adopt -d ...`).
    pub advice: String,
}

/// A database's state in one word, worst first (see `DatabaseStatus::verdict`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Misconfigured(String),
    Unreachable(String),
    Dirty,
    StaleLock(String),
    Locked(String),
    Drift(usize),
    /// Another tool's bookkeeping and none of dbfleet's: `golang-migrate: at version 158`.
    ManagedBy(String),
    /// Applied migrations whose files are gone from disk: nothing can revert them, and a
    /// deleted file is seldom meant.
    FileMissing(usize),
    SetProblem(String),
    /// Pending migrations older than the newest applied one of their set: `up` refuses
    /// them without `--allow-out-of-order`.
    OutOfOrder(usize),
    Pending(usize),
    UpToDate,
}

impl Verdict {
    /// The verdict in a word or two, as `status` prints it in its STATE column.
    pub fn word(&self) -> String {
        match self {
            Verdict::Misconfigured(_) => "misconfigured".into(),
            Verdict::Unreachable(_) => "unreachable".into(),
            Verdict::Dirty => "dirty".into(),
            Verdict::StaleLock(_) => "stale lock".into(),
            Verdict::Locked(_) => "locked".into(),
            Verdict::Drift(_) => "drift".into(),
            Verdict::ManagedBy(what) => format!("managed by {what} — adopt?"),
            Verdict::FileMissing(n) => format!("{n} file(s) missing"),
            Verdict::SetProblem(_) => "set problem".into(),
            Verdict::OutOfOrder(n) => format!("{n} out of order"),
            Verdict::Pending(n) => format!("{n} pending"),
            Verdict::UpToDate => "up to date".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SetStatus {
    pub set: String,
    pub shared: bool,
    pub applied: usize,
    pub pending: usize,
    pub last_version: Option<String>,
    pub problems: Vec<String>,
    pub migrations: Vec<MigrationStatus>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MigrationState {
    Applied,
    Pending,
    /// Started and not finished (the runner died): dirty.
    Running,
    /// Failed half-way: dirty.
    Failed,
    /// A down started and not finished: dirty.
    Reverting,
    /// Recorded as applied but its files are gone from disk.
    Missing,
    /// Being applied or reverted right now by the run holding the lock.
    InProgress,
}

impl MigrationState {
    pub fn is_dirty(self) -> bool {
        matches!(
            self,
            MigrationState::Running | MigrationState::Failed | MigrationState::Reverting
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MigrationStatus {
    pub id: String,
    pub version: Version,
    pub version_text: String,
    pub name: String,
    pub state: MigrationState,
    pub applied_at: Option<String>,
    pub applied_by: Option<String>,
    pub execution_ms: Option<i64>,
    /// `Some(false)`: drift, the file changed after it was applied.
    pub checksum_ok: Option<bool>,
    pub statements_done: Option<u32>,
    pub statements_total: Option<u32>,
    pub error: Option<String>,
    pub reversible: bool,
    /// Pending, and older than the newest applied migration of its set (a branch merged
    /// late). Flyway's repeatables never are.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub out_of_order: bool,
}

impl DatabaseStatus {
    /// Nothing known yet: not read, no counts, no lock.
    pub fn new(name: &str) -> Self {
        DatabaseStatus {
            name: name.to_owned(),
            driver: None,
            server: None,
            exists: false,
            applied: 0,
            pending: 0,
            last_version: None,
            lock: None,
            dirty: false,
            drift: Vec::new(),
            tables: None,
            size_bytes: None,
            server_version: None,
            error: None,
            managed_by: None,
            sets: Vec::new(),
            out_of_order_allowed: false,
        }
    }

    /// The one state that matters most, worst first: what both fronts summarise a
    /// database by.
    pub fn verdict(&self) -> Verdict {
        if let Some(error) = &self.error {
            return if error.is_misconfiguration() {
                Verdict::Misconfigured(error.to_string())
            } else {
                Verdict::Unreachable(error.to_string())
            };
        }
        if self.dirty {
            return Verdict::Dirty;
        }
        if let Some(lock) = &self.lock {
            return if lock.stale {
                Verdict::StaleLock(lock.row.holder.clone())
            } else {
                Verdict::Locked(lock.row.holder.clone())
            };
        }
        if let Some(m) = &self.managed_by {
            return Verdict::ManagedBy(format!("{}: {}", m.tool, m.summary));
        }
        if !self.drift.is_empty() {
            return Verdict::Drift(self.drift.len());
        }
        let missing = self
            .sets
            .iter()
            .flat_map(|s| &s.migrations)
            .filter(|m| m.state == MigrationState::Missing)
            .count();
        if missing > 0 {
            return Verdict::FileMissing(missing);
        }
        // A broken set (duplicate version, misnamed file) stops runs: no mere pending.
        if let Some((set, problem)) = self
            .sets
            .iter()
            .find_map(|s| s.problems.first().map(|p| (&s.set, p)))
        {
            return Verdict::SetProblem(format!("migration set {set}: {problem}"));
        }
        let out_of_order = self.out_of_order().len();
        if out_of_order > 0 && !self.out_of_order_allowed {
            return Verdict::OutOfOrder(out_of_order);
        }
        if self.pending > 0 {
            return Verdict::Pending(self.pending);
        }
        Verdict::UpToDate
    }

    /// The pending migrations older than the newest applied one of their set.
    pub fn out_of_order(&self) -> Vec<&str> {
        self.sets
            .iter()
            .flat_map(|s| &s.migrations)
            .filter(|m| m.out_of_order)
            .map(|m| m.id.as_str())
            .collect()
    }

    /// What `status --check` fails on.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(e) = &self.error {
            problems.push(format!("error: {e}"));
        }
        if self.pending > 0 {
            problems.push(format!("{} pending", self.pending));
        }
        if self.dirty {
            problems.push("dirty".into());
        }
        let out_of_order = self.out_of_order();
        if !out_of_order.is_empty() && !self.out_of_order_allowed {
            problems.push(format!("out of order: {}", out_of_order.join(", ")));
        }
        if let Some(m) = &self.managed_by {
            problems.push(m.advice.clone());
        }
        if !self.drift.is_empty() {
            problems.push(format!("drift: {}", self.drift.join(", ")));
        }
        if let Some(lock) = &self.lock {
            let stale = if lock.stale { "stale " } else { "" };
            problems.push(format!("{stale}lock held by {}", lock.row.holder));
        }
        for set in &self.sets {
            for p in &set.problems {
                problems.push(format!("set {}: {p}", set.set));
            }
            let missing = set
                .migrations
                .iter()
                .filter(|m| m.state == MigrationState::Missing);
            for m in missing {
                problems.push(format!("{} applied but missing on disk", m.id));
            }
        }
        problems
    }
}

/// Status of every selected database, in selection order, concurrently.
pub async fn status(fleet: &Fleet, selection: &Selection) -> Vec<DatabaseStatus> {
    // Reading is cheap, so twice the run's limits; still bounded per server, so a fleet of
    // hundreds of databases on one host never opens hundreds of connections at once.
    let parallel = fleet.config.migrator.concurrency.max(4) * 2;
    let per_server = fleet.config.migrator.per_server_concurrency.max(2) * 2;
    let servers = fleet.server_slots(&selection.databases, per_server);
    let servers = &servers;
    futures::stream::iter(selection.databases.iter())
        .map(|db| async move {
            let slot = fleet
                .config
                .database(db)
                .and_then(|e| e.target.as_ref().ok())
                .and_then(Target::server_key)
                .and_then(|key| servers.get(&key).cloned());
            let _permit = match slot {
                Some(semaphore) => semaphore.acquire_owned().await.ok(),
                None => None,
            };
            inspect(fleet, db, selection.set.as_deref()).await
        })
        .buffered(parallel)
        .collect()
        .await
}

/// One database. `only_set`: restrict to that set, else its own set and the shared sets
/// that target it.
pub async fn inspect(fleet: &Fleet, name: &str, only_set: Option<&str>) -> DatabaseStatus {
    let mut status = DatabaseStatus::new(name);
    let Some(entry) = fleet.config.database(name) else {
        status.error = Some(EngineError::NotInConfig);
        return status;
    };
    let target = match &entry.target {
        Ok(target) => target,
        Err(e) => {
            status.error = Some(EngineError::Misconfigured(e.clone()));
            return status;
        }
    };
    status.driver = Some(target.driver);
    status.server = Some(target.server_label());
    let mut sets: Vec<&MigrationSet> = match only_set {
        Some(set) => fleet.catalog.set(set).into_iter().collect(),
        None => fleet.catalog.sets_for(name),
    };

    status.out_of_order_allowed = fleet.config.migrator.allow_out_of_order;
    let mut applied_rows = Vec::new();
    status.exists = driver::exists(target);
    if status.exists {
        match fleet.open(target, Access::ReadOnly).await {
            Err(e) => {
                // Unknown, not empty: a server we cannot reach proves nothing exists.
                status.exists = false;
                status.error = Some(EngineError::from_driver(target, &e));
                return status;
            }
            Ok(mut session) => {
                let read = async {
                    let (state, not_ours) = read_state(session.as_mut()).await?;
                    let (rows, managed_by) =
                        read_rows(session.as_mut(), name, state.applied, not_ours).await?;
                    status.managed_by = managed_by;
                    Ok::<_, driver::DriverError>((rows, state.lock, state.stats))
                };
                match read.await {
                    Ok((rows, lock, stats)) => {
                        applied_rows = rows;
                        status.lock = lock.map(|(row, held)| {
                            assess(row, &fleet.identity, fleet.stale_lock_after(), held)
                        });
                        status.tables = Some(stats.tables);
                        status.size_bytes = Some(stats.size_bytes);
                        status.server_version = stats.server_version;
                    }
                    Err(e) => {
                        // Same as an unreachable server: counts read from nothing would
                        // show a migrated database as all pending.
                        session.close().await;
                        status.exists = false;
                        status.error = Some(EngineError::from_driver(target, &e));
                        return status;
                    }
                }
                session.close().await;
            }
        }
    }
    if only_set.is_none() {
        // Sets applied here without targeting it (run with an explicit selection) still
        // belong in its history.
        for set in &fleet.catalog.sets {
            let applied_here = applied_rows.iter().any(|r| r.set == set.name);
            if applied_here && !sets.iter().any(|s| s.name == set.name) {
                sets.push(set);
            }
        }
    }
    // A step the live lock holder is running right now is progress, not damage.
    let live_run = status
        .lock
        .as_ref()
        .filter(|l| !l.stale)
        .map(|l| l.row.run_id.clone());
    status.dirty = applied_rows
        .iter()
        .any(|r| r.status != RowStatus::Applied && Some(&r.run_id) != live_run.as_ref());

    // A tenant fleet may run only shared sets: then the first one stands in for its own.
    let primary = only_set
        .or_else(|| {
            sets.iter()
                .find(|s| s.name == name)
                .map(|s| s.name.as_str())
        })
        .or_else(|| sets.first().map(|s| s.name.as_str()))
        .unwrap_or(name)
        .to_owned();
    for set in sets {
        let set_status = set_status(set, target.driver, &applied_rows, live_run.as_deref());
        status.applied += set_status.applied;
        status.pending += set_status.pending;
        if set.name == primary {
            status.last_version.clone_from(&set_status.last_version);
        }
        status.drift.extend(
            set_status
                .migrations
                .iter()
                .filter(|m| m.checksum_ok == Some(false))
                .map(|m| m.id.clone()),
        );
        status.sets.push(set_status);
    }
    status
}

/// dbfleet's rows, and where it has none (no table, an empty one, or the configured name
/// is another tool's) the tool that manages the database instead, if any.
/// The database as `status` shows it, in the session's fewest round trips; where the
/// migrations table of the configured name is another tool's, no rows (and the error that
/// says so), the lock and the statistics read one by one.
async fn read_state(
    session: &mut dyn driver::Session,
) -> driver::DriverResult<(DatabaseState, Option<driver::DriverError>)> {
    match session.read_state().await {
        Ok(state) => Ok((state, None)),
        Err(e) if e.kind == driver::ErrorKind::NotOurs => {
            let lock = match session.read_lock().await? {
                Some(row) => Some((row, session.server_lock_held().await?)),
                None => None,
            };
            let stats = session.stats().await?;
            let state = DatabaseState {
                applied: Vec::new(),
                lock,
                stats,
            };
            Ok((state, Some(e)))
        }
        Err(e) => Err(e),
    }
}

async fn read_rows(
    session: &mut dyn driver::Session,
    name: &str,
    rows: Vec<AppliedRow>,
    not_ours: Option<driver::DriverError>,
) -> Result<(Vec<AppliedRow>, Option<ManagedBy>), driver::DriverError> {
    if !rows.is_empty() {
        return Ok((rows, None));
    }
    let tools = session.other_tools().await?;
    let book = session.bookkeeping();
    let in_the_way =
        |t: &&driver::OtherTool| t.records_anything() || super::prepare::collides(t, book);
    let Some(tool) = tools.iter().find(in_the_way) else {
        return match not_ours {
            Some(e) => Err(e),
            None => Ok((rows, None)),
        };
    };
    let advice = super::prepare::managed_by(name, tool, session.bookkeeping()).to_string();
    Ok((
        rows,
        Some(ManagedBy {
            tool: tool.tool.name().to_owned(),
            table: tool.table.clone(),
            summary: tool.summary(),
            advice,
        }),
    ))
}

fn set_status(
    set: &MigrationSet,
    dialect: Dialect,
    rows: &[AppliedRow],
    live_run: Option<&str>,
) -> SetStatus {
    let mut migrations: Vec<MigrationStatus> = set
        .migrations
        .iter()
        .map(|m| {
            let row = rows
                .iter()
                .find(|r| r.set == set.name && r.version == m.version);
            let current = m.up.for_dialect(dialect).map(|s| s.checksum.as_str());
            // A repeatable (Flyway's `R__`) whose file changed is pending again, not drift.
            let changed_repeatable = m.version.is_repeatable()
                && row.is_some_and(|r| {
                    r.status == RowStatus::Applied && Some(r.checksum.as_str()) != current
                });
            let state = match row.map(|r| r.status) {
                None => MigrationState::Pending,
                Some(_) if changed_repeatable => MigrationState::Pending,
                Some(RowStatus::Running | RowStatus::Reverting)
                    if row.map(|r| r.run_id.as_str()) == live_run =>
                {
                    MigrationState::InProgress
                }
                Some(RowStatus::Applied) => MigrationState::Applied,
                Some(RowStatus::Running) => MigrationState::Running,
                Some(RowStatus::Failed) => MigrationState::Failed,
                Some(RowStatus::Reverting) => MigrationState::Reverting,
            };
            MigrationStatus {
                id: m.id(),
                version: m.version.clone(),
                version_text: m.version_text.clone(),
                name: m.name.clone(),
                state,
                applied_at: row.map(|r| r.applied_at.clone()),
                applied_by: row.map(|r| r.applied_by.clone()),
                execution_ms: row.map(|r| r.execution_ms),
                checksum_ok: row
                    .filter(|_| !changed_repeatable)
                    .map(|r| Some(r.checksum.as_str()) == current),
                statements_done: row.map(|r| r.statements_done),
                statements_total: row.map(|r| r.statements_total),
                error: row.and_then(|r| r.error.clone()),
                reversible: m.reversible(dialect),
                out_of_order: false,
            }
        })
        .collect();
    for row in rows.iter().filter(|r| r.set == set.name) {
        if set.migration(&row.version).is_none() {
            migrations.push(MigrationStatus {
                id: format!("{}/{:0>3}_{}", set.name, row.version, row.name),
                version: row.version.clone(),
                version_text: format!("{:0>3}", row.version),
                name: row.name.clone(),
                state: MigrationState::Missing,
                applied_at: Some(row.applied_at.clone()),
                applied_by: Some(row.applied_by.clone()),
                execution_ms: Some(row.execution_ms),
                checksum_ok: None,
                statements_done: Some(row.statements_done),
                statements_total: Some(row.statements_total),
                error: row.error.clone(),
                reversible: false,
                out_of_order: false,
            });
        }
    }
    migrations.sort_by(|a, b| a.version.cmp(&b.version));
    // As `up` sees it (`plan::out_of_order`): older than the newest row of the set.
    let newest = rows
        .iter()
        .filter(|r| r.set == set.name && !r.version.is_repeatable())
        .map(|r| &r.version)
        .max()
        .cloned();
    if let Some(newest) = newest {
        for m in &mut migrations {
            m.out_of_order = m.state == MigrationState::Pending
                && !m.version.is_repeatable()
                && m.version < newest;
        }
    }
    SetStatus::counted(
        &set.name,
        set.is_shared(),
        set.problems_for(dialect),
        migrations,
    )
}

impl SetStatus {
    /// Counts and the last version from the migrations' states. A dirty step counts as
    /// neither applied nor pending: it is reported as dirty.
    pub fn counted(
        set: &str,
        shared: bool,
        problems: Vec<String>,
        migrations: Vec<MigrationStatus>,
    ) -> SetStatus {
        let applied = migrations
            .iter()
            .filter(|m| matches!(m.state, MigrationState::Applied | MigrationState::Missing))
            .count();
        let pending = migrations
            .iter()
            .filter(|m| {
                matches!(
                    m.state,
                    MigrationState::Pending | MigrationState::InProgress
                )
            })
            .count();
        let last_version = migrations
            .iter()
            .rfind(|m| m.state == MigrationState::Applied)
            .map(|m| m.version_text.clone());
        SetStatus {
            set: set.to_owned(),
            shared,
            applied,
            pending,
            last_version,
            problems,
            migrations,
        }
    }
}
