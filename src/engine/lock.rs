//! Taking a database's migration lock: the driver's `try_lock` (the database's own mutual
//! exclusion) polled until a deadline, never a blocking wait, and the staleness rule the
//! console and `unlock` share.

use std::time::{Duration, Instant};

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::events::{EventSink, RunEvent};
use super::identity::{Identity, now_text};
use crate::driver::{ErrorKind, LockHolder, LockRow, Session};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockState {
    #[serde(flatten)]
    pub row: LockRow,
    /// The holder is gone: its process is dead (same host) or its heartbeat is too old.
    pub stale: bool,
    pub heartbeat_age_secs: Option<i64>,
}

/// `server_held`: what the database's own lock says (`Session::server_lock_held`). Where
/// there is one, it decides: a row whose session is gone is stale at once. Without one
/// (SQLite), the holder's pid (same host) or heartbeat age (other hosts) decides.
/// Why a run will not touch a database under a stale lock, and what to do about it. The
/// runner refuses with it; the dry run says it ahead.
pub fn stale_refusal(state: &LockState, database: &str) -> String {
    format!(
        "stale migration lock held by {} (pid {}, run {}) since {}, last heartbeat {}; if that run is really gone, clear it with `dbfleet unlock -d {database}`",
        state.row.holder,
        state.row.pid,
        state.row.run_id,
        state.row.acquired_at,
        state.row.heartbeat_at
    )
}

pub fn assess(
    row: LockRow,
    me: &Identity,
    stale_after: Duration,
    server_held: Option<bool>,
) -> LockState {
    let age = chrono::DateTime::parse_from_rfc3339(&row.heartbeat_at)
        .ok()
        .map(|t| (chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_seconds());
    let too_old = age.is_none_or(|a| a > stale_after.as_secs() as i64);
    let stale = if let Some(held) = server_held {
        !held
    } else if row.host == me.host && cfg!(target_os = "linux") {
        // On the holder's own host we can ask the kernel instead of trusting a clock.
        !std::path::Path::new(&format!("/proc/{}", row.pid)).exists()
    } else {
        too_old
    };
    LockState {
        row,
        stale,
        heartbeat_age_secs: age,
    }
}

pub enum LockFailure {
    /// Another holder kept it past the deadline, or it is stale and needs `unlock`.
    Held(String),
    Cancelled,
    Error(String),
}

#[allow(clippy::too_many_arguments)] // each is a distinct input of one polling loop
pub async fn acquire(
    session: &mut dyn Session,
    holder: &LockHolder,
    me: &Identity,
    database: &str,
    timeout: Duration,
    stale_after: Duration,
    events: &EventSink,
    cancel: &CancellationToken,
) -> Result<(), LockFailure> {
    let deadline = Instant::now() + timeout;
    let mut announced = false;
    let mut pause = Duration::from_millis(50);
    loop {
        // SQLite's busy wait can last seconds: a cancel must not wait it out.
        let now = now_text();
        let attempt = tokio::select! {
            _ = cancel.cancelled() => return Err(LockFailure::Cancelled),
            attempt = session.try_lock(holder, &now) => attempt,
        };
        match attempt {
            Ok(None) => return Ok(()),
            Ok(Some(row)) => {
                let held = session.has_server_lock().then_some(true);
                let state = assess(row, me, stale_after, held);
                if state.stale {
                    return Err(LockFailure::Held(stale_refusal(&state, database)));
                }
                if Instant::now() >= deadline {
                    return Err(LockFailure::Held(format!(
                        "migration lock held by {} (pid {}, run {}) since {}; gave up after {}s (migrator.lock_timeout_secs)",
                        state.row.holder,
                        state.row.pid,
                        state.row.run_id,
                        state.row.acquired_at,
                        timeout.as_secs()
                    )));
                }
                if !announced {
                    announced = true;
                    events.emit(RunEvent::LockWaiting {
                        database: database.to_owned(),
                        holder: state.row.holder.clone(),
                        since: state.row.acquired_at.clone(),
                    });
                }
            }
            // Another connection is mid-write: same as held, try again shortly.
            Err(e) if e.kind == ErrorKind::Busy && Instant::now() < deadline => {
                if !announced {
                    announced = true;
                    events.emit(RunEvent::LockWaiting {
                        database: database.to_owned(),
                        holder: "another connection".to_owned(),
                        since: now_text(),
                    });
                }
            }
            Err(e) => {
                return Err(LockFailure::Error(format!(
                    "taking the migration lock: {e}"
                )));
            }
        }
        tokio::select! {
            _ = cancel.cancelled() => return Err(LockFailure::Cancelled),
            _ = tokio::time::sleep(pause) => {}
        }
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}
