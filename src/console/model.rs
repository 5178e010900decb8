//! What the console knows about the fleet: the parts of the config and catalog it shows
//! (read once, from files, before the first frame) and the latest status of each database
//! (arriving later from background readers).

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::theme::Sym;
use dbfleet_core::catalog::{SetKind, Version};
use dbfleet_core::dialect::Dialect;
use dbfleet_core::engine::Fleet;
use dbfleet_core::engine::dryrun::DatabasePlan;
use dbfleet_core::engine::status::{DatabaseStatus, MigrationState, MigrationStatus, Verdict};

/// The fleet as the config and the migrations folder describe it. Plain data, so tests
/// and the benchmark can build one without files.
#[derive(Debug, Clone)]
pub struct FleetInfo {
    pub config_path: String,
    pub environment: Option<String>,
    /// The config's `protect:` patterns (guard rails, with `environment`).
    pub protect: Vec<String>,
    /// `migrator.dry_run`: up and down only preview, so the console is read-only.
    pub read_only: bool,
    /// `migrator.max_failures`: a run starts no database once this many failed.
    pub max_failures: Option<usize>,
    pub databases: Vec<DbInfo>,
    /// Shared sets only: a database's own set needs no choosing.
    pub shared_sets: Vec<SetInfo>,
    pub patterns: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct DbInfo {
    pub name: String,
    pub driver: Option<Dialect>,
    pub server: Option<String>,
    /// A broken config entry: why.
    pub config_error: Option<String>,
    pub depends_on: Vec<String>,
    /// Whether a folder of its own exists under migrations/.
    pub has_own_set: bool,
}

#[derive(Debug, Clone)]
pub struct SetInfo {
    pub name: String,
    pub migrations: Vec<MigrationInfo>,
    /// Aligned with `FleetInfo::databases`.
    pub targeted: Vec<bool>,
}

#[derive(Debug, Clone)]
pub struct MigrationInfo {
    /// `cross_service/001_add_distributed_locks`
    pub id: String,
    pub version: Version,
    pub label: String,
}

impl FleetInfo {
    pub fn from_fleet(fleet: &Fleet) -> FleetInfo {
        let config = &fleet.config;
        let databases: Vec<DbInfo> = config
            .databases
            .iter()
            .map(|entry| {
                let (driver, server, config_error) = match &entry.target {
                    Ok(target) => (Some(target.driver), Some(target.server_label()), None),
                    Err(e) => (None, None, Some(e.to_string())),
                };
                DbInfo {
                    has_own_set: fleet
                        .catalog
                        .set(&entry.name)
                        .is_some_and(|s| matches!(s.kind, SetKind::Own)),
                    name: entry.name.clone(),
                    driver,
                    server,
                    config_error,
                    depends_on: entry.depends_on.clone(),
                }
            })
            .collect();
        let shared_sets = fleet
            .catalog
            .shared_sets()
            .map(|set| SetInfo {
                name: set.name.clone(),
                migrations: set
                    .migrations
                    .iter()
                    .map(|m| MigrationInfo {
                        id: m.id(),
                        version: m.version.clone(),
                        label: format!("{}_{}", m.version_text, m.name),
                    })
                    .collect(),
                targeted: databases.iter().map(|d| set.targets(&d.name)).collect(),
            })
            .collect();
        FleetInfo {
            config_path: config.path.display().to_string(),
            environment: config.environment.clone(),
            protect: config.protect.clone(),
            read_only: config.migrator.dry_run,
            max_failures: config.migrator.max_failures,
            databases,
            shared_sets,
            patterns: config.patterns(),
        }
    }
}

/// One database as the console holds it.
#[derive(Debug, Clone)]
pub struct Database {
    pub info: DbInfo,
    pub status: Option<DatabaseStatus>,
    /// When the read in flight started (console clock, ms); `None` when idle.
    pub reading_since: Option<u64>,
    /// The last read gave up (timeout): the old status, if any, is not current.
    pub read_error: Option<String>,
    pub marked: bool,
}

impl Database {
    pub fn new(info: DbInfo) -> Database {
        Database {
            info,
            status: None,
            reading_since: None,
            read_error: None,
            marked: false,
        }
    }

    pub fn name(&self) -> &str {
        &self.info.name
    }

    /// The status of `set`, when the last read included it (the set targets this database).
    pub fn set_status(&self, set: &str) -> Option<&dbfleet_core::engine::status::SetStatus> {
        self.status.as_ref()?.sets.iter().find(|s| s.set == set)
    }
}

/// A database's state at a glance: the engine's verdict on its last status, or what only
/// the console knows (a run of its own on it, a status not read yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Running,
    Is(Verdict),
    /// No status has arrived yet.
    Unknown,
}

impl Health {
    pub fn of(db: &Database, running: bool) -> Health {
        if running {
            return Health::Running;
        }
        // Known before any status arrives: the entry the engine will call misconfigured.
        if let Some(error) = &db.info.config_error {
            return Health::Is(Verdict::Misconfigured(error.clone()));
        }
        // The console's read gave up: the database did not answer in time.
        if let Some(error) = &db.read_error {
            return Health::Is(Verdict::Unreachable(error.clone()));
        }
        match &db.status {
            Some(status) => Health::Is(status.verdict()),
            None => Health::Unknown,
        }
    }

    pub fn sym(&self) -> Sym {
        match self {
            Health::Running => Sym::Running,
            Health::Unknown => Sym::Unknown,
            Health::Is(verdict) => match verdict {
                Verdict::Misconfigured(_) | Verdict::SetProblem(_) => Sym::Failed,
                Verdict::Unreachable(_) => Sym::Unreachable,
                Verdict::Dirty => Sym::Dirty,
                Verdict::StaleLock(_) | Verdict::Locked(_) => Sym::Locked,
                Verdict::Drift(_) | Verdict::FileMissing(_) => Sym::Drift,
                Verdict::Pending(_) | Verdict::OutOfOrder(_) | Verdict::ManagedBy(_) => {
                    Sym::Pending
                }
                Verdict::UpToDate => Sym::Ok,
            },
        }
    }

    /// The verdict's word, with the detail a panel has room for (who holds the lock, how
    /// many files drifted); a broken set reads as misconfigured, as its symbol does.
    pub fn label(&self) -> String {
        match self {
            Health::Running => "running".into(),
            Health::Unknown => "reading…".into(),
            Health::Is(Verdict::StaleLock(holder)) => format!("stale lock {holder}"),
            Health::Is(Verdict::Locked(holder)) => format!("locked by {holder}"),
            Health::Is(Verdict::Drift(n)) => format!("drift ({n})"),
            Health::Is(Verdict::SetProblem(_)) => "misconfigured".into(),
            Health::Is(verdict) => verdict.word(),
        }
    }
}

/// How one migration stands on one database, for the matrix and the inspect view.
pub fn migration_sym(m: &MigrationStatus) -> Sym {
    match m.state {
        MigrationState::Applied if m.checksum_ok == Some(false) => Sym::Drift,
        MigrationState::Applied => Sym::Ok,
        MigrationState::Pending => Sym::Pending,
        MigrationState::Missing => Sym::Unreachable,
        MigrationState::Failed => Sym::Failed,
        state if state.is_dirty() => Sym::Dirty,
        // Anything else is a step a live run is applying right now.
        _ => Sym::Running,
    }
}

pub fn migration_state_label(m: &MigrationStatus) -> String {
    match m.state {
        MigrationState::Applied if m.checksum_ok == Some(false) => "drifted".into(),
        MigrationState::Applied => "applied".into(),
        MigrationState::Pending if m.out_of_order => "pending, out of order".into(),
        MigrationState::Pending => "pending".into(),
        MigrationState::Missing => "applied, file gone".into(),
        MigrationState::Failed => format!(
            "failed after {}/{}",
            m.statements_done.unwrap_or(0),
            m.statements_total.unwrap_or(0)
        ),
        MigrationState::Running => format!(
            "dirty: stopped at {}/{}",
            m.statements_done.unwrap_or(0),
            m.statements_total.unwrap_or(0)
        ),
        MigrationState::Reverting => format!(
            "dirty: revert stopped at {}/{}",
            m.statements_done.unwrap_or(0),
            m.statements_total.unwrap_or(0)
        ),
        _ => format!(
            "in progress {}/{}",
            m.statements_done.unwrap_or(0),
            m.statements_total.unwrap_or(0)
        ),
    }
}

/// What the preview's SQL pane shows for one plan: the SQL, or why there is none. `update`
/// wraps the same text to know where the end is.
pub fn sql_text(plan: &DatabasePlan) -> String {
    if let Some(reason) = &plan.refused {
        return format!("-- REFUSED: nothing would run here.\n-- {reason}\n");
    }
    if plan.steps.is_empty() && !plan.pending_elsewhere.is_empty() {
        return format!(
            "-- {}: nothing to run in set {}; {}\n",
            plan.database,
            plan.set,
            dbfleet_core::engine::PendingSet::words(&plan.pending_elsewhere)
        );
    }
    if plan.steps.is_empty() {
        return format!(
            "-- {}: nothing to run, set {} is up to date\n",
            plan.database, plan.set
        );
    }
    mark_lint(&plan.sql)
}

/// The marker on a migration with lint findings, in the preview and its list.
pub const LINT_MARK: &str = "⚠";

/// The plan's SQL with each migration that has lint findings marked on its header line
/// and its findings listed under it. The engine writes them as `-- lint:` lines before
/// the header (the CLI prints that as it is); here the migration comes first, so the
/// finding reads as being about it.
fn mark_lint(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut findings: Vec<&str> = Vec::new();
    for line in sql.lines() {
        if let Some(finding) = line.strip_prefix("-- lint: ") {
            findings.push(finding);
            continue;
        }
        if findings.is_empty() {
            out.push_str(line);
        } else {
            out.push_str(&format!(
                "{line}  {LINT_MARK} {} lint finding(s)\n",
                findings.len()
            ));
            for finding in findings.drain(..) {
                out.push_str(&format!("--   {LINT_MARK} {finding}\n"));
            }
            continue;
        }
        out.push('\n');
    }
    for finding in findings {
        out.push_str(&format!("--   {LINT_MARK} {finding}\n"));
    }
    out
}

/// What lint found in `plans` by kind, for the run confirmation: `2 destructive, 1
/// locking`. A finding counts once however many databases run its migration (the
/// engine's count, as the CLI would say it).
pub fn lint_counts(plans: &[DatabasePlan]) -> Option<String> {
    dbfleet_core::lint::confirmation_summary(
        plans
            .iter()
            .flat_map(|p| &p.steps)
            .flat_map(|s| s.findings.iter()),
    )
}

/// A glob as operators type it: plain text (no `*?[{`) means "contains".
pub fn matcher(pattern: &str) -> Result<GlobSet, String> {
    // Comma lists as the CLI takes them (`user*,order*`; commas inside `{a,b}` belong to
    // the glob), each part a glob, or a substring when it has no glob character.
    let mut builder = GlobSetBuilder::new();
    for part in dbfleet_core::engine::selection::split_list(&[pattern.to_owned()]) {
        let glob_text = if part.contains(['*', '?', '[', '{']) {
            part
        } else {
            format!("*{part}*")
        };
        builder.add(Glob::new(&glob_text).map_err(|e| e.kind().to_string())?);
    }
    builder.build().map_err(|e| e.to_string())
}

/// `2026-11-23T13:10:10.635Z` → `2026-11-23 13:10:10Z`, as the CLI prints it: the `Z`
/// says UTC to an operator in another zone.
pub fn short_time(rfc3339: &str) -> String {
    dbfleet_core::human::time(rfc3339)
}

/// Milliseconds as people read a duration: `850 ms`, `3.2s`, `4m05s`.
pub fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        format!("{}m{:02}s", ms / 60_000, (ms / 1000) % 60)
    }
}
