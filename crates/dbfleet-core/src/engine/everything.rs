//! "Everything pending": every migration set a database belongs to, applied one set after
//! another in one fixed order: the database's own set first, then each shared set in the
//! order of its folder's name (`Catalog::sets_for`). The runner migrates one set per run
//! (one journal entry per set, each database's lock taken once per set); this plans and
//! runs one run per set, so each keeps the runner's guarantees as they are.
//!
//! A database that does not end well in one set is left out of the later ones: the next
//! set may build on what the failed one should have made.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::dryrun::{self, DatabasePlan};
use super::runner::{self, RunControl, RunError, RunRequest, RunSummary};
use super::{
    Direction, Fleet, Limit, RunEvent, Selection, SelectionError, SelectionRequest, WhenUnspecified,
};

/// One set's run: the set (`None`: each database's own) and the databases it runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pass {
    pub set: Option<String>,
    pub databases: Vec<String>,
}

impl Pass {
    /// The set's name as the operator reads it.
    pub fn set_label(&self) -> &str {
        self.set.as_deref().unwrap_or("own sets")
    }
}

/// The passes over `databases`, in the order they run: own sets (the databases that have
/// one), then each shared set on the databases it targets. Sets that target none of them
/// are left out.
pub fn passes(fleet: &Fleet, databases: &[String]) -> Vec<Pass> {
    let mut out = Vec::new();
    let own: Vec<String> = databases
        .iter()
        .filter(|db| fleet.catalog.set(db).is_some_and(|s| !s.is_shared()))
        .cloned()
        .collect();
    if !own.is_empty() {
        out.push(Pass {
            set: None,
            databases: own,
        });
    }
    for set in fleet.catalog.shared_sets() {
        let targeted: Vec<String> = databases
            .iter()
            .filter(|db| set.targets(db))
            .cloned()
            .collect();
        if !targeted.is_empty() {
            out.push(Pass {
                set: Some(set.name.clone()),
                databases: targeted,
            });
        }
    }
    out
}

fn select(fleet: &Fleet, pass: &Pass) -> Result<Selection, SelectionError> {
    fleet.select(
        &SelectionRequest {
            databases: pass.databases.clone(),
            patterns: Vec::new(),
            all: false,
            directory: pass.set.clone(),
            shard: None,
        },
        WhenUnspecified::DefaultDatabase,
    )
}

/// What `plan` finds: one plan per database, and the passes a run would make.
#[derive(Debug, Clone)]
pub struct EverythingPlan {
    /// In the order of `databases`: each database's steps of every set, in pass order.
    pub plans: Vec<DatabasePlan>,
    /// Only the sets with work, each on the databases that have some there (or that it
    /// refuses, so the run reports why).
    pub passes: Vec<Pass>,
    /// Databases no set targets.
    pub not_targeted: Vec<String>,
}

/// The dry run of every pending migration of `databases`, set after set. Changes nothing.
pub async fn plan(fleet: &Fleet, databases: &[String]) -> Result<EverythingPlan, SelectionError> {
    let mut merged: Vec<Option<DatabasePlan>> = vec![None; databases.len()];
    let mut with_work_passes = Vec::new();
    for pass in passes(fleet, databases) {
        let selection = select(fleet, &pass)?;
        let plans = dryrun::plan(fleet, &selection, Direction::Up, Limit::All, false, false).await;
        let mut with_work = Vec::new();
        for plan in plans {
            if !plan.steps.is_empty() || plan.refused.is_some() {
                with_work.push(plan.database.clone());
            }
            let Some(slot) = databases.iter().position(|d| *d == plan.database) else {
                continue;
            };
            merge(&mut merged[slot], plan);
        }
        if !with_work.is_empty() {
            with_work_passes.push(Pass {
                set: pass.set,
                databases: with_work,
            });
        }
    }
    let mut plans = Vec::new();
    let mut not_targeted = Vec::new();
    for (db, plan) in databases.iter().zip(merged) {
        match plan {
            Some(plan) => plans.push(plan),
            None => not_targeted.push(db.clone()),
        }
    }
    Ok(EverythingPlan {
        plans,
        passes: with_work_passes,
        not_targeted,
    })
}

/// Adds one set's plan of a database to what the earlier sets planned for it.
fn merge(into: &mut Option<DatabasePlan>, plan: DatabasePlan) {
    let Some(merged) = into else {
        *into = Some(plan);
        return;
    };
    // A set with nothing to run adds no name: the title lists the sets that change it.
    if !plan.steps.is_empty() || plan.refused.is_some() {
        if merged.steps.is_empty() && merged.refused.is_none() {
            merged.set = plan.set.clone();
            merged.sql.clear();
        } else {
            merged.set = format!("{} + {}", merged.set, plan.set);
        }
        merged.sql.push_str(&plan.sql);
    }
    merged.steps.extend(plan.steps);
    if merged.refused.is_none() {
        merged.refused = plan.refused;
    }
    merged.pending_elsewhere.clear();
    merged.driver = merged.driver.or(plan.driver);
    if merged.server.is_none() {
        merged.server = plan.server;
    }
}

/// Runs `passes` one after another with `template` (its selection is replaced by each
/// pass's). Stops after a cancelled pass; leaves out of later passes every database that
/// did not end well. One summary per pass that ran.
pub async fn run(
    fleet: Arc<Fleet>,
    passes: Vec<Pass>,
    template: RunRequest,
    tx: mpsc::UnboundedSender<RunEvent>,
    control: RunControl,
) -> Result<Vec<RunSummary>, EverythingError> {
    let mut summaries = Vec::new();
    let mut left_out: Vec<String> = Vec::new();
    for mut pass in passes {
        if control.is_cancelled() {
            break;
        }
        pass.databases.retain(|db| !left_out.contains(db));
        if pass.databases.is_empty() {
            continue;
        }
        let mut request = template.clone();
        request.selection = select(&fleet, &pass).map_err(EverythingError::Selection)?;
        request.command = format!("{} (set {})", template.command, pass.set_label());
        request
            .containment
            .canary
            .retain(|db| pass.databases.contains(db));
        let summary = runner::run(fleet.clone(), request, tx.clone(), control.clone())
            .await
            .map_err(EverythingError::Run)?;
        left_out.extend(
            summary
                .outcomes
                .iter()
                .filter(|(_, outcome)| !outcome.lets_dependents_run())
                .map(|(db, _)| db.clone()),
        );
        let cancelled = summary.cancelled;
        summaries.push(summary);
        if cancelled {
            break;
        }
    }
    Ok(summaries)
}

#[derive(Debug, thiserror::Error)]
pub enum EverythingError {
    #[error(transparent)]
    Selection(SelectionError),
    #[error(transparent)]
    Run(RunError),
}
