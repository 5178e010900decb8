//! What a run and a dry run do alike for one database, so they cannot come to different
//! answers: resolve its target and the set to run (once), and from what is applied decide
//! the steps or why there are none — a dirty database, a set that is not its own, drift,
//! an irreversible step. Only how they read what is applied differs (a run under its lock,
//! a dry run read-only), and what they do with the decision.

use super::Fleet;
use super::elsewhere;
use super::error::EngineError;
use super::events::{Direction, PendingSet};
use super::plan::{self, Limit, PlanInput, PlannedStep};
use super::selection::Selection;
use crate::catalog::MigrationSet;
use crate::config::{LintRefuse, MigratorSettings, Target};
use crate::driver::{AppliedRow, Bookkeeping, OtherTool, Session};
use crate::lint::{self, Severity};

/// What the operator asked of each database: which way, how far, drift allowed or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub direction: Direction,
    pub limit: Limit,
    pub allow_drift: bool,
    /// `--allow-out-of-order` (the config's `migrator.allow_out_of_order` says it for
    /// every run).
    pub allow_out_of_order: bool,
}

/// One database, ready to be read: its connection settings and the set the command runs
/// on it.
#[derive(Debug, Clone, Copy)]
pub struct Prepared<'a> {
    pub database: &'a str,
    pub target: &'a Target,
    /// `--directory`'s set, or the database's own (named as the database).
    pub set_name: &'a str,
    /// `None`: a database without a folder of its own, run without `--directory`.
    pub set: Option<&'a MigrationSet>,
}

/// The set `selection` runs on `database`: its `--directory`, else the database's own.
pub fn set_name<'a>(selection: &'a Selection, database: &'a str) -> &'a str {
    selection.set.as_deref().unwrap_or(database)
}

/// Refuses a database the config does not have or cannot use; otherwise resolves, once,
/// everything later stages need.
pub fn prepare<'a>(
    fleet: &'a Fleet,
    selection: &'a Selection,
    database: &'a str,
) -> Result<Prepared<'a>, EngineError> {
    let target = match fleet.config.database(database).map(|e| &e.target) {
        None => return Err(EngineError::NotInConfig),
        Some(Err(e)) => return Err(EngineError::Misconfigured(e.clone())),
        Some(Ok(target)) => target,
    };
    let set_name = set_name(selection, database);
    Ok(Prepared {
        database,
        target,
        set_name,
        set: fleet.catalog.set(set_name),
    })
}

/// The steps to run, or, with none, the other sets that still have work here (on an up).
#[derive(Debug, Default)]
pub struct Decision {
    pub steps: Vec<PlannedStep>,
    pub pending_elsewhere: Vec<PendingSet>,
}

/// From what is applied: refuses a dirty database, a database without a set of its own
/// whose work is in other sets, and what the planner refuses (drift, an irreversible
/// step, a broken set); otherwise plans. `transactional_ddl` as the session says.
pub fn decide(
    fleet: &Fleet,
    prepared: &Prepared,
    intent: &Intent,
    applied: &[AppliedRow],
    transactional_ddl: bool,
) -> Result<Decision, EngineError> {
    plan::check_dirty(prepared.database, applied)?;
    let Some(set) = prepared.set else {
        elsewhere::without_own_set(&fleet.catalog, prepared.database, intent.direction, applied)?;
        return Ok(Decision::default());
    };
    let mut steps = plan::plan_steps(&PlanInput {
        set,
        dialect: prepared.target.driver,
        transactional_ddl,
        applied,
        direction: intent.direction,
        limit: intent.limit.clone(),
        allow_drift: intent.allow_drift,
        allow_out_of_order: intent.allow_out_of_order || fleet.config.migrator.allow_out_of_order,
    })?;
    lint_steps(&fleet.config.migrator, &mut steps)?;
    let pending_elsewhere = if steps.is_empty() && intent.direction == Direction::Up {
        elsewhere::pending_elsewhere(&fleet.catalog, prepared.database, &set.name, applied)
    } else {
        Vec::new()
    };
    Ok(Decision {
        steps,
        pending_elsewhere,
    })
}

/// Leaves out the findings of the rules the project allows, and refuses the first step
/// whose findings reach `migrator.lint_refuse`.
fn lint_steps(settings: &MigratorSettings, steps: &mut [PlannedStep]) -> Result<(), EngineError> {
    for step in steps {
        let found = std::mem::take(&mut step.findings);
        step.findings = lint::without_allowed(found, &settings.lint_allow);
        let least = match settings.lint_refuse {
            None => continue,
            Some(LintRefuse::Error) => Severity::Error,
            Some(LintRefuse::Warning) => Severity::Warning,
        };
        let refusing: Vec<String> = step
            .findings
            .iter()
            .filter(|f| f.severity >= least)
            .map(|f| format!("line {}: {} {}", f.line, f.severity, f.rule))
            .collect();
        if !refusing.is_empty() {
            return Err(EngineError::LintRefused {
                migration: step.migration.clone(),
                level: least.to_string(),
                findings: refusing,
            });
        }
    }
    Ok(())
}

/// What is applied, as a session reads it; an error as the engine words it.
pub async fn read_applied(
    session: &mut dyn Session,
    target: &Target,
) -> Result<Vec<AppliedRow>, EngineError> {
    session
        .read_applied()
        .await
        .map_err(|e| EngineError::from_driver(target, &e))
}

/// The refusal for a database `tool` manages and dbfleet does not (yet).
pub fn managed_by(database: &str, tool: &OtherTool, book: &Bookkeeping) -> EngineError {
    EngineError::ManagedBy(Box::new(super::error::Managed {
        database: database.to_owned(),
        tool: tool.tool.name().to_owned(),
        table: tool.table.clone(),
        summary: tool.summary(),
        collides: collides(tool, book),
    }))
}

/// The other tool's table has the name dbfleet's migrations table is configured with.
pub fn collides(tool: &OtherTool, book: &Bookkeeping) -> bool {
    tool.in_own_schema && tool.table == book.migrations_table
}

/// Refuses a database another migration tool manages, before anything is created there
/// (taking the lock creates dbfleet's tables). Asked only where dbfleet has no rows (its
/// migrations table is missing, empty, or another tool's: `not_ours`), so a database
/// already on dbfleet pays nothing; with no other tool found, a table that is not
/// dbfleet's is still refused.
pub async fn refuse_other_tool(
    session: &mut dyn Session,
    database: &str,
    target: &Target,
    not_ours: Option<&crate::driver::DriverError>,
) -> Result<(), EngineError> {
    let tools = session
        .other_tools()
        .await
        .map_err(|e| EngineError::from_driver(target, &e))?;
    let book = session.bookkeeping();
    // A tool that recorded nothing stands in the way only where its table has the name
    // dbfleet's must take.
    if let Some(tool) = tools
        .iter()
        .find(|t| t.records_anything() || collides(t, book))
    {
        return Err(managed_by(database, tool, book));
    }
    match not_ours {
        Some(e) => Err(EngineError::from_driver(target, e)),
        None => Ok(()),
    }
}
