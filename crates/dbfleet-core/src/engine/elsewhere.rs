//! What a run's set leaves undone on a database: migrations pending in the other sets that
//! target it. A run that finds nothing to do in its own set must not call a database "up
//! to date" while `status --check` says pending (a tenant fleet has no own sets at all).

use super::error::EngineError;
use super::events::{Direction, PendingSet};
use crate::catalog::Catalog;
use crate::driver::AppliedRow;

/// Sets other than `used` that target `db` and still have migrations not recorded there.
pub fn pending_elsewhere(
    catalog: &Catalog,
    db: &str,
    used: &str,
    applied: &[AppliedRow],
) -> Vec<PendingSet> {
    catalog
        .sets_for(db)
        .into_iter()
        .filter(|set| set.name != used)
        .filter_map(|set| {
            let pending = set
                .migrations
                .iter()
                .filter(|m| {
                    !applied
                        .iter()
                        .any(|r| r.set == set.name && r.version == m.version)
                })
                .count();
            (pending > 0).then(|| PendingSet {
                set: set.name.clone(),
                pending,
            })
        })
        .collect()
}

/// A run without `--directory` on a database that has no folder of its own: `Ok(())`
/// when there is truly nothing to do anywhere, else the refusal that says which set has
/// the work and how to run it.
pub fn without_own_set(
    catalog: &Catalog,
    db: &str,
    direction: Direction,
    applied: &[AppliedRow],
) -> Result<(), EngineError> {
    match direction {
        Direction::Up => {
            let pending = pending_elsewhere(catalog, db, db, applied);
            if pending.is_empty() {
                Ok(())
            } else {
                Err(EngineError::NoOwnSet {
                    database: db.to_owned(),
                    pending,
                })
            }
        }
        Direction::Down => {
            let mut sets: Vec<String> = applied.iter().map(|r| r.set.clone()).collect();
            sets.dedup();
            if sets.is_empty() {
                Ok(())
            } else {
                Err(EngineError::NoOwnSetToRevert {
                    database: db.to_owned(),
                    applied: sets,
                })
            }
        }
    }
}
