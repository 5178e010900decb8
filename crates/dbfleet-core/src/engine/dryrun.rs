//! The dry run: reads each database read-only and plans, as a run would after taking its
//! lock (the same preparation and decision, `prepare`), with the exact SQL. Changes
//! nothing anywhere: no file, no table, no lock row.

use futures::StreamExt;
use serde::Serialize;

use super::Fleet;
use super::error::{self, EngineError};
use super::events::{Direction, PendingSet};
use super::lock;
use super::plan::{self, Limit, PlannedStep};
use super::prepare::{self, Intent, Prepared};
use super::selection::Selection;
use crate::dialect::Dialect;
use crate::driver::{self, Access, AppliedRow, Bookkeeping};
use crate::lint::{self, TableRef};

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

/// The dry run of `selection`, in its order. Changes nothing anywhere.
pub async fn plan(
    fleet: &Fleet,
    selection: &Selection,
    direction: Direction,
    limit: Limit,
    allow_drift: bool,
    allow_out_of_order: bool,
) -> Vec<DatabasePlan> {
    let intent = Intent {
        direction,
        limit,
        allow_drift,
        allow_out_of_order,
    };
    let intent = &intent;
    let parallel = fleet.config.migrator.concurrency.max(4) * 2;
    // Owned names: a closure over borrowed ones is not provably Send inside tokio::spawn.
    futures::stream::iter(selection.databases.clone())
        .map(|db| async move { plan_database(fleet, selection, &db, intent).await })
        .buffered(parallel)
        .collect()
        .await
}

async fn plan_database(
    fleet: &Fleet,
    selection: &Selection,
    db: &str,
    intent: &Intent,
) -> DatabasePlan {
    let mut plan = DatabasePlan {
        database: db.to_owned(),
        driver: None,
        server: None,
        set: prepare::set_name(selection, db).to_owned(),
        steps: Vec::new(),
        refused: None,
        pending_elsewhere: Vec::new(),
        sql: String::new(),
    };
    let prepared = match prepare::prepare(fleet, selection, db) {
        Ok(prepared) => prepared,
        Err(refused) => {
            plan.refused = Some(refused);
            return plan;
        }
    };
    plan.driver = Some(prepared.target.driver);
    plan.server = Some(prepared.target.server_label());
    let planned = async {
        let mut read = read(fleet, &prepared).await?;
        let decision = prepare::decide(
            fleet,
            &prepared,
            intent,
            &read.applied,
            read.transactional_ddl,
        );
        let session = read.session.take();
        let decision = match (decision, session) {
            (Ok(mut decision), Some(mut session)) => {
                size_findings(session.as_mut(), &mut decision.steps).await;
                session.close().await;
                decision
            }
            (decision, session) => {
                if let Some(session) = session {
                    session.close().await;
                }
                decision?
            }
        };
        Ok::<_, EngineError>((read, decision))
    };
    match planned.await {
        Ok((read, mut decision)) => {
            for step in &mut decision.steps {
                let findings = std::mem::take(&mut step.findings);
                step.findings = findings
                    .into_iter()
                    .map(|f| f.relative_to(&fleet.config.base_dir))
                    .collect();
            }
            plan.sql = plan::render_sql(
                &read.bookkeeping,
                &decision.steps,
                !read.has_tables,
                &fleet.identity.who(),
            );
            plan.steps = decision.steps;
            plan.pending_elsewhere = decision.pending_elsewhere;
        }
        Err(refused) => plan.refused = Some(refused),
    }
    plan
}

/// Reads, in one query on the dry run's own session, the size of every table the steps'
/// findings rewrite or lock (and the server's version on MySQL/MariaDB), and says it on
/// them. Lint informs: a database that cannot answer leaves the findings as they were.
async fn size_findings(session: &mut dyn driver::Session, steps: &mut [PlannedStep]) {
    let mut tables: Vec<TableRef> = steps
        .iter()
        .flat_map(|s| &s.findings)
        .filter_map(|f| f.affects.as_ref().map(|a| a.target.clone()))
        .collect();
    tables.sort();
    tables.dedup();
    if tables.is_empty() {
        return;
    }
    let Ok(answer) = session.table_sizes(&tables).await else {
        return;
    };
    for step in steps {
        for finding in &mut step.findings {
            let Some(affected) = finding.affects.as_mut() else {
                continue;
            };
            if let Some((_, size)) = answer.tables.iter().find(|(t, _)| *t == affected.target) {
                affected.exists = Some(size.is_some());
                affected.size = *size;
            }
        }
        if let Some(version) = &answer.server_version {
            lint::advise_for_server(&mut step.findings, &step.statements, version);
        }
    }
}

/// Each size-dependent finding of `plans` summed up across the databases, as
/// `lint::fleet_size_lines` words it.
pub fn fleet_size_lines(plans: &[DatabasePlan]) -> Vec<String> {
    lint::fleet_size_lines(plans.iter().flat_map(|plan| {
        plan.steps
            .iter()
            .flat_map(|step| &step.findings)
            .map(|finding| (plan.database.as_str(), finding))
    }))
}

/// What a dry run reads of a database: what is applied, and how the run would write there.
struct Read {
    applied: Vec<AppliedRow>,
    /// The bookkeeping tables exist: the run would not create them.
    has_tables: bool,
    transactional_ddl: bool,
    /// The tables as the session names them (a server's schema), as the run will.
    bookkeeping: Bookkeeping,
    /// Still open, for the sizes of the tables the planned steps touch; `None` for a
    /// database not created yet.
    session: Option<Box<dyn driver::Session>>,
}

/// Reads read-only (a database not created yet reads as empty); refuses a stale lock the
/// run would refuse, so the operator hears it before confirming, not after.
async fn read(fleet: &Fleet, prepared: &Prepared<'_>) -> Result<Read, EngineError> {
    let target = prepared.target;
    if !driver::exists(target) {
        return Ok(Read {
            applied: Vec::new(),
            has_tables: false,
            transactional_ddl: driver::transactional_ddl(target.driver),
            bookkeeping: fleet.bookkeeping(target.driver),
            session: None,
        });
    }
    let mut session = fleet
        .open(target, Access::ReadOnly)
        .await
        .map_err(|e| EngineError::from_driver(target, &e))?;
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
    let bookkeeping = session.bookkeeping().clone();
    let (applied, has_tables, lock) = match read {
        // Another tool's table under the configured name, or no table of dbfleet's at all:
        // the run would refuse a database another tool manages, and so does its plan.
        Err(e) if e.kind == driver::ErrorKind::NotOurs => {
            let refusal =
                prepare::refuse_other_tool(session.as_mut(), prepared.database, target, Some(&e))
                    .await;
            session.close().await;
            return Err(refusal
                .err()
                .unwrap_or(EngineError::from_driver(target, &e)));
        }
        Err(e) => {
            session.close().await;
            return Err(EngineError::from_driver(target, &e));
        }
        Ok((applied, has_tables, lock)) if applied.is_empty() => {
            let refusal =
                prepare::refuse_other_tool(session.as_mut(), prepared.database, target, None).await;
            if let Err(refused) = refusal {
                session.close().await;
                return Err(refused);
            }
            (applied, has_tables, lock)
        }
        Ok(read) => read,
    };
    if let Some(lock) = lock
        && lock::run_refuses(&lock, server_lock)
    {
        session.close().await;
        return Err(lock::stale_refusal(&lock, prepared.database));
    }
    Ok(Read {
        applied,
        has_tables,
        transactional_ddl,
        bookkeeping,
        session: Some(session),
    })
}
