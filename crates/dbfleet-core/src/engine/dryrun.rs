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
        let read = read(fleet, &prepared).await?;
        let decision = prepare::decide(
            fleet,
            &prepared,
            intent,
            &read.applied,
            read.transactional_ddl,
        )?;
        Ok::<_, EngineError>((read, decision))
    };
    match planned.await {
        Ok((read, decision)) => {
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

/// What a dry run reads of a database: what is applied, and how the run would write there.
struct Read {
    applied: Vec<AppliedRow>,
    /// The bookkeeping tables exist: the run would not create them.
    has_tables: bool,
    transactional_ddl: bool,
    /// The tables as the session names them (a server's schema), as the run will.
    bookkeeping: Bookkeeping,
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
            session.close().await;
            refusal?;
            (applied, has_tables, lock)
        }
        Ok(read) => {
            session.close().await;
            read
        }
    };
    if let Some(lock) = lock
        && lock::run_refuses(&lock, server_lock)
    {
        return Err(lock::stale_refusal(&lock, prepared.database));
    }
    Ok(Read {
        applied,
        has_tables,
        transactional_ddl,
        bookkeeping,
    })
}
