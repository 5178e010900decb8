//! `dbfleet demo reset`: recreates a demo fleet in a teaching state, so a walkthrough of
//! the console meets every state a real fleet can be in. Every state is reached the way a
//! real fleet reaches it: ordinary runs of the engine, and for the two accidents (a step
//! that died half-way, a run that vanished holding its lock) the exact rows the engine
//! itself leaves behind.

use std::fmt;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::runner::{self, Containment, RunControl, RunRequest};
use super::{Direction, Fleet, Limit, Selection};
use crate::catalog::{Migration, MigrationSet};
use crate::config::Target;
use crate::dialect::Dialect;
use crate::driver::{Access, RowValues, Session};

/// The environment a config must declare before `demo reset` deletes its databases.
pub const DEMO_ENVIRONMENT: &str = "demo";

/// What each database is made to show, assigned in config order and repeated for larger
/// fleets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Every migration of its own set and of the shared sets that target it.
    UpToDate,
    /// Up to date except the last step of the first shared set that targets it.
    MissingSharedStep,
    /// About half of its own set still pending.
    Pending,
    /// Its last own step died half-way: dirty, needs `resolve`.
    Dirty,
    /// Up to date, but a run on another host vanished without releasing the lock.
    StaleLock,
}

const ROLES: [Role; 6] = [
    Role::UpToDate,
    Role::MissingSharedStep,
    Role::UpToDate,
    Role::Pending,
    Role::Dirty,
    Role::StaleLock,
];

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::UpToDate => "up to date",
            Role::MissingSharedStep => "missing a shared-set step",
            Role::Pending => "pending migrations",
            Role::Dirty => "dirty (a step died half-way)",
            Role::StaleLock => "stale lock (its run vanished)",
        })
    }
}

#[derive(Debug, Default)]
pub struct ResetReport {
    pub databases: Vec<(String, Role, String)>,
}

impl fmt::Display for ResetReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .databases
            .iter()
            .map(|(name, _, _)| name.len())
            .max()
            .unwrap_or(0);
        writeln!(f, "demo fleet reset:")?;
        for (name, role, detail) in &self.databases {
            writeln!(f, "  {name:width$}  {role}{detail}")?;
        }
        write!(f, "open the console with `dbfleet` to see it")?;
        writeln!(f)
    }
}

/// Refuses anything but an all-SQLite fleet whose config says `environment: demo`: this
/// deletes every database file of the fleet.
pub fn check_is_demo(fleet: &Fleet) -> Result<Vec<(String, Target)>, String> {
    let config = &fleet.config;
    let environment = config.environment.as_deref().unwrap_or("");
    if !environment.eq_ignore_ascii_case(DEMO_ENVIRONMENT) {
        return Err(format!(
            "demo reset deletes every database of the fleet, so it only runs where {} says `environment: {DEMO_ENVIRONMENT}` (it says {})",
            config.path.display(),
            if environment.is_empty() {
                "nothing".to_owned()
            } else {
                format!("`{environment}`")
            }
        ));
    }
    let mut targets = Vec::new();
    for entry in &config.databases {
        match &entry.target {
            Ok(target) if target.driver == Dialect::Sqlite => {
                targets.push((entry.name.clone(), target.clone()))
            }
            Ok(target) => {
                return Err(format!(
                    "demo reset only runs on SQLite fleets; {} is {}",
                    entry.name, target.driver
                ));
            }
            Err(e) => return Err(format!("{} is misconfigured: {e}", entry.name)),
        }
    }
    if targets.is_empty() {
        return Err("the config lists no databases".to_owned());
    }
    Ok(targets)
}

pub async fn reset(fleet: &Arc<Fleet>) -> Result<ResetReport, String> {
    let targets = check_is_demo(fleet)?;
    for (_, target) in &targets {
        delete_sqlite_files(&target.database)?;
    }
    let mut report = ResetReport::default();
    for (index, (name, target)) in targets.iter().enumerate() {
        let role = ROLES[index % ROLES.len()];
        let detail = teach(fleet, name, target, role).await?;
        report.databases.push((name.clone(), role, detail));
    }
    Ok(report)
}

fn delete_sqlite_files(path: &str) -> Result<(), String> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let file = format!("{path}{suffix}");
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot delete {file}: {e}")),
        }
    }
    Ok(())
}

/// Brings `db` into the state of `role`; returns a note for the report.
async fn teach(
    fleet: &Arc<Fleet>,
    db: &str,
    target: &Target,
    role: Role,
) -> Result<String, String> {
    let own: Vec<&Migration> = fleet
        .catalog
        .set(db)
        .map(|set| set.migrations.iter().collect())
        .unwrap_or_default();
    let shared: Vec<&MigrationSet> = fleet
        .catalog
        .shared_sets()
        .filter(|set| set.declares_targets() && set.targets(db))
        .collect();

    // Shared sets first: a database that ends up dirty or locked refuses further runs.
    let mut detail = String::new();
    for (i, set) in shared.iter().enumerate() {
        let keep_back = role == Role::MissingSharedStep && i == 0 && !set.migrations.is_empty();
        let limit = if keep_back {
            let missing = &set.migrations[set.migrations.len() - 1];
            detail = format!(": {} not applied", missing.id());
            Limit::Steps(set.migrations.len() - 1)
        } else {
            Limit::All
        };
        up(fleet, db, Some(&set.name), limit).await?;
    }

    match role {
        Role::UpToDate | Role::MissingSharedStep | Role::StaleLock => {
            up(fleet, db, None, Limit::All).await?
        }
        Role::Pending => {
            let applied = own.len() / 2;
            up(fleet, db, None, Limit::Steps(applied)).await?;
            detail = format!(": {} of {} applied", applied, own.len());
        }
        Role::Dirty => {
            if let Some((last, before)) = own.split_last() {
                up(fleet, db, None, Limit::Steps(before.len())).await?;
                detail = half_apply(fleet, target, last).await?;
            }
        }
    }
    if role == Role::StaleLock {
        detail = leave_stale_lock(fleet, target).await?;
    }
    Ok(detail)
}

async fn up(fleet: &Arc<Fleet>, db: &str, set: Option<&str>, limit: Limit) -> Result<(), String> {
    if limit == Limit::Steps(0) {
        return Ok(());
    }
    let request = RunRequest {
        direction: Direction::Up,
        limit,
        selection: Selection {
            databases: vec![db.to_owned()],
            set: set.map(str::to_owned),
            not_targeted: Vec::new(),
            other_shards: 0,
        },
        backup: false,
        allow_drift: false,
        allow_out_of_order: false,
        command: "dbfleet demo reset".to_owned(),
        containment: Containment::default(),
    };
    let (tx, _rx) = mpsc::unbounded_channel();
    let summary = runner::run(fleet.clone(), request, tx, RunControl::new())
        .await
        .map_err(|e| crate::human::with_causes(&e))?;
    if summary.all_ok() {
        Ok(())
    } else {
        let outcomes: Vec<String> = summary
            .outcomes
            .iter()
            .map(|(db, outcome)| format!("{db}: {outcome:?}"))
            .collect();
        Err(format!(
            "demo reset could not migrate {db}: {}",
            outcomes.join("; ")
        ))
    }
}

/// Runs the first statement of `migration` outside a transaction and leaves the row the
/// engine leaves when a non-transactional step dies there: status `failed`, one statement
/// done.
async fn half_apply(
    fleet: &Fleet,
    target: &Target,
    migration: &Migration,
) -> Result<String, String> {
    let script = migration
        .up
        .for_dialect(target.driver)
        .ok_or_else(|| format!("{} has no SQLite up script", migration.id()))?;
    let statements = script
        .statements(target.driver)
        .map_err(|e| format!("{}: {e}", script.path.display()))?;
    let Some(first) = statements.first() else {
        return Ok(String::new());
    };
    let mut session = open(fleet, target).await?;
    let result = async {
        let bookkeeping = session.bookkeeping().clone();
        let who = fleet.identity.who();
        let run_id = fleet.identity.new_run_id();
        let now = super::identity::now_text();
        let row = RowValues {
            set: &migration.set,
            version: &migration.version,
            name: &migration.name,
            checksum: &script.checksum,
            statements_total: statements.len(),
            applied_at: Some(&now),
            execution_ms: Some(0),
            applied_by: &who,
            run_id: Some(&run_id),
        };
        let error = format!(
            "demo: the connection dropped after statement 1 of {}",
            statements.len()
        );
        for sql in [
            bookkeeping.record_running(&row),
            first.sql.clone(),
            bookkeeping.record_progress(&migration.set, &migration.version, 1),
            bookkeeping.record_failed(&migration.set, &migration.version, &error),
        ] {
            session.execute(&sql).await.map_err(|e| e.message)?;
        }
        Ok::<_, String>(format!(
            ": {} stopped after statement 1 of {}",
            migration.id(),
            statements.len()
        ))
    }
    .await;
    session.close().await;
    result
}

/// The lock row of a run on another host whose heartbeat stopped an hour ago.
async fn leave_stale_lock(fleet: &Fleet, target: &Target) -> Result<String, String> {
    let mut session = open(fleet, target).await?;
    let since = (chrono::Utc::now() - chrono::Duration::minutes(63))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let host = "ci-runner-7";
    let sql = session.bookkeeping().insert_lock(
        &format!("deploy@{host}"),
        host,
        4242,
        &format!("20261123T090000.000Z-{host}-4242"),
        &since,
    );
    let result = session.execute(&sql).await.map_err(|e| e.message);
    session.close().await;
    result.map(|()| format!(": held by deploy@{host} since {since}, no heartbeat since"))
}

async fn open(fleet: &Fleet, target: &Target) -> Result<Box<dyn Session>, String> {
    fleet
        .open(target, Access::ReadWrite { create: false })
        .await
        .map_err(|e| e.message)
}
