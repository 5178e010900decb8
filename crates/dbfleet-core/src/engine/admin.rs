//! The explicit repairs an operator confirms: clearing a stale lock, and resolving a dirty
//! step. Both are journaled like runs.

use std::time::Duration;

use super::Fleet;
use super::events::RunEvent;
use super::identity::now_text;
use super::journal::Journal;
use super::lock::{LockState, assess, run_refuses};
use super::runner::RunError;
use super::sink::EventSink;
use crate::config::{EntryError, Target};
use crate::driver::{Access, DriverError, LockAttempt, LockHolder, LockRow, RowStatus, Session};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnlockResult {
    /// There was no lock.
    Free,
    Cleared(LockState),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Run the step's statements that did not run (`statements_done + 1 ..`), then record
    /// it as applied (a half-done down: as reverted). Refused when the file changed since.
    Resume,
    /// The step's changes are all in the database: record it as applied (for a half-done
    /// `down`: as still applied).
    Applied,
    /// None of its changes are there (the operator undid them): forget the row.
    RolledBack,
    /// Applied migrations whose files were edited on purpose since: record the files'
    /// checksums as they are now (Flyway's `repair`, Atlas's `migrate hash`).
    AcceptDrift,
}

/// Why an unlock or a resolve did not happen, typed as the run's refusals are
/// (`EngineError`); worded by its `Display`.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("unknown database `{database}`; configured databases: {known}")]
    UnknownDatabase { database: String, known: String },
    #[error("{database} is misconfigured: {error}")]
    Misconfigured { database: String, error: EntryError },
    /// The database's own message (it could not be reached, or a statement failed),
    /// secrets removed.
    #[error("{0}")]
    Database(String),
    /// `unlock` without `--force` on a lock whose holder looks alive.
    #[error(
        "the lock on {database} is held by {} (pid {}, run {}), heartbeat {}, and does not look stale; if you are sure that run is gone, add --force",
        .lock.holder, .lock.pid, .lock.run_id, .lock.heartbeat_at
    )]
    LockLive {
        database: String,
        lock: Box<LockRow>,
    },
    /// `resolve` on a database another run holds (`stale`: a stale lock that `unlock`
    /// clears first).
    #[error(
        "{database} is locked by {} (run {}){}; resolve it once that lock is gone",
        .lock.holder, .lock.run_id,
        if *.stale { ", a stale lock: clear it first with `dbfleet unlock`" } else { "" }
    )]
    Locked {
        database: String,
        lock: Box<LockRow>,
        stale: bool,
    },
    /// `resolve` on a server database whose lock holder's process is gone while the server
    /// still runs that holder's session (its last statement has not ended): nothing to
    /// clear yet, and the wait is the server's, not a live run's.
    #[error(
        "{database} is locked by {} (pid {}, run {}), whose process is gone, but the server still runs its session (the statement it was running has not ended); resolve it once that statement ends (its lock is then taken over), or stop the statement on the server",
        .lock.holder, .lock.pid, .lock.run_id
    )]
    LockedByGoneHolder {
        database: String,
        lock: Box<LockRow>,
    },
    /// `resolve --resume` on a step whose file cannot say what is left to run.
    #[error("cannot resume {migration} on {database}: {why}")]
    CannotResume {
        database: String,
        migration: String,
        why: String,
    },
    /// The resumed statements failed again: the step stays dirty with its new progress.
    #[error("resuming {migration} on {database} failed: {error}; it is still dirty")]
    ResumeFailed {
        database: String,
        migration: String,
        error: String,
    },
    #[error(transparent)]
    Journal(#[from] RunError),
}

impl Resolution {
    /// The choice as the journal and the console name it.
    pub fn choice(self) -> &'static str {
        match self {
            Resolution::Resume => "resume",
            Resolution::Applied => "mark applied",
            Resolution::RolledBack => "mark rolled back",
            Resolution::AcceptDrift => "accept drift",
        }
    }
}

impl From<DriverError> for AdminError {
    fn from(e: DriverError) -> AdminError {
        AdminError::Database(e.message)
    }
}

pub(super) fn target<'a>(fleet: &'a Fleet, db: &str) -> Result<&'a Target, AdminError> {
    match fleet.config.database(db).map(|e| &e.target) {
        Some(Ok(target)) => Ok(target),
        Some(Err(e)) => Err(AdminError::Misconfigured {
            database: db.to_owned(),
            error: e.clone(),
        }),
        None => Err(AdminError::UnknownDatabase {
            database: db.to_owned(),
            known: fleet.config.database_names().join(", "),
        }),
    }
}

pub(super) fn journal(fleet: &Fleet) -> Result<EventSink, AdminError> {
    let path = fleet.config.journal_path();
    let journal = Journal::open(&path, &fleet.identity.new_run_id())
        .map_err(|source| RunError { path, source })?;
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    Ok(EventSink::new(tx, Some(journal)))
}

/// Clears `db`'s migration lock if its holder is gone (stale); a live holder's lock only
/// with `force`.
pub async fn unlock(fleet: &Fleet, db: &str, force: bool) -> Result<UnlockResult, AdminError> {
    let target = target(fleet, db)?;
    if !crate::driver::exists(target) {
        return Ok(UnlockResult::Free);
    }
    let mut session = fleet
        .open(target, Access::ReadWrite { create: false })
        .await?;
    let result = unlock_in(fleet, db, force, session.as_mut()).await;
    session.close().await;
    result
}

async fn unlock_in(
    fleet: &Fleet,
    db: &str,
    force: bool,
    session: &mut dyn Session,
) -> Result<UnlockResult, AdminError> {
    let Some(row) = session.read_lock().await? else {
        return Ok(UnlockResult::Free);
    };
    let held = session.server_lock_held().await?;
    let state = assess(row, &fleet.identity, fleet.stale_lock_after(), held);
    if !state.stale && !force {
        return Err(AdminError::LockLive {
            database: db.to_owned(),
            lock: Box::new(state.row),
        });
    }
    let sink = journal(fleet)?;
    session.clear_lock().await?;
    sink.emit(RunEvent::LockCleared {
        database: db.to_owned(),
        by: fleet.identity.who(),
        holder: state.row.holder.clone(),
        holder_run_id: state.row.run_id.clone(),
        forced: !state.stale,
    });
    Ok(UnlockResult::Cleared(state))
}

/// Settles every dirty row of `db` as `resolution` says; returns the migrations settled.
pub async fn resolve(
    fleet: &Fleet,
    db: &str,
    resolution: Resolution,
) -> Result<Vec<String>, AdminError> {
    let target = target(fleet, db)?;
    if !crate::driver::exists(target) {
        return Ok(Vec::new());
    }
    let mut session = fleet
        .open(target, Access::ReadWrite { create: false })
        .await?;
    let holder = holder(fleet);
    // Never settle a row under a live run's feet: take the lock, once, without waiting.
    let result = match lock_once(fleet, db, session.as_mut(), &holder).await {
        Err(e) => Err(e),
        Ok(()) => {
            let settled = resolve_in(fleet, db, resolution, session.as_mut()).await;
            let _ = session.release_lock(&holder).await;
            settled
        }
    };
    session.close().await;
    result
}

/// This process as a lock holder, for a repair (a run id of its own).
pub(super) fn holder(fleet: &Fleet) -> LockHolder {
    LockHolder {
        holder: fleet.identity.who(),
        host: fleet.identity.host.clone(),
        pid: fleet.identity.pid,
        run_id: fleet.identity.new_run_id(),
    }
}

/// Takes `db`'s migration lock once, without waiting, for a repair: refused while another
/// run holds it (a stale lock too, where `unlock` must clear it first). A server's lock
/// left by a session that is gone is taken over, and journaled.
pub(super) async fn lock_once(
    fleet: &Fleet,
    db: &str,
    session: &mut dyn Session,
    holder: &LockHolder,
) -> Result<(), AdminError> {
    match session.try_lock(holder, &now_text()).await? {
        LockAttempt::Held(row) => {
            let server_lock = session.has_server_lock();
            let state = assess(
                row,
                &fleet.identity,
                Duration::from_secs(fleet.config.migrator.stale_lock_secs),
                server_lock.then_some(true),
            );
            // Held on a server, yet stale: the holder's process is gone (`assess`).
            if server_lock && state.stale {
                return Err(AdminError::LockedByGoneHolder {
                    database: db.to_owned(),
                    lock: Box::new(state.row),
                });
            }
            Err(AdminError::Locked {
                database: db.to_owned(),
                stale: run_refuses(&state, server_lock),
                lock: Box::new(state.row),
            })
        }
        LockAttempt::Taken { replaced: None } => Ok(()),
        LockAttempt::Taken {
            replaced: Some(row),
        } => {
            let taken_over = journal(fleet).map(|sink| {
                sink.emit(RunEvent::LockTakenOver {
                    database: db.to_owned(),
                    by: fleet.identity.who(),
                    holder: row.holder,
                    holder_pid: row.pid,
                    holder_run_id: row.run_id,
                    since: row.acquired_at,
                    heartbeat_at: row.heartbeat_at,
                });
            });
            if taken_over.is_err() {
                let _ = session.release_lock(holder).await;
            }
            taken_over
        }
    }
}

async fn resolve_in(
    fleet: &Fleet,
    db: &str,
    resolution: Resolution,
    session: &mut dyn Session,
) -> Result<Vec<String>, AdminError> {
    if resolution == Resolution::Resume {
        return super::resume::resume_in(fleet, db, session).await;
    }
    let rows = session.read_applied().await?;
    if resolution == Resolution::AcceptDrift {
        return accept_drift(fleet, db, &rows, session).await;
    }
    let dirty: Vec<_> = rows
        .into_iter()
        .filter(|r| r.status != RowStatus::Applied)
        .collect();
    if dirty.is_empty() {
        return Ok(Vec::new());
    }
    let sink = journal(fleet)?;
    let book = session.bookkeeping().clone();
    let mut settled = Vec::new();
    for row in dirty {
        let sql = match resolution {
            Resolution::Applied => book.mark_applied(&row.set, &row.version),
            Resolution::RolledBack => book.delete_row(&row.set, &row.version),
            // Handled before: a checksum is no answer to a half-done step.
            Resolution::AcceptDrift | Resolution::Resume => continue,
        };
        session.execute(&sql).await?;
        let migration = format!("{}/{:0>3}_{}", row.set, row.version, row.name);
        sink.emit(RunEvent::Resolved {
            database: db.to_owned(),
            by: fleet.identity.who(),
            migration: migration.clone(),
            was: row.status.as_str().to_owned(),
            now: match resolution {
                Resolution::Applied => "applied".into(),
                Resolution::RolledBack => "rolled back".into(),
                Resolution::AcceptDrift | Resolution::Resume => "checksum accepted".into(),
            },
            choice: resolution.choice().to_owned(),
        });
        settled.push(migration);
    }
    Ok(settled)
}

async fn accept_drift(
    fleet: &Fleet,
    db: &str,
    rows: &[crate::driver::AppliedRow],
    session: &mut dyn Session,
) -> Result<Vec<String>, AdminError> {
    let dialect = session.dialect();
    let book = session.bookkeeping().clone();
    let mut drifted = Vec::new();
    for set in &fleet.catalog.sets {
        for (migration, row) in super::plan::drift(set, dialect, rows) {
            if let Some(script) = migration.up.for_dialect(dialect) {
                drifted.push((
                    migration.id(),
                    row.set.clone(),
                    row.version.clone(),
                    script.checksum.clone(),
                ));
            }
        }
    }
    if drifted.is_empty() {
        return Ok(Vec::new());
    }
    let sink = journal(fleet)?;
    let mut accepted = Vec::new();
    for (id, set, version, checksum) in drifted {
        session
            .execute(&book.record_checksum(&set, &version, &checksum))
            .await?;
        sink.emit(RunEvent::Resolved {
            database: db.to_owned(),
            by: fleet.identity.who(),
            migration: id.clone(),
            was: "drifted".into(),
            now: "checksum accepted".into(),
            choice: Resolution::AcceptDrift.choice().to_owned(),
        });
        accepted.push(id);
    }
    Ok(accepted)
}
