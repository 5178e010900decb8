//! Taking a database's migration lock: the driver's `try_lock` (the database's own mutual
//! exclusion) polled until a deadline, never a blocking wait, and the staleness rule the
//! console and `unlock` share.
//!
//! Takeovers: on a server, a lock row whose server-side lock is free belongs to a session
//! that is gone (the server ended it and rolled back what it had not committed), and
//! `try_lock` replaces it; every such takeover is journaled (`lock_taken_over`). While the
//! server still runs a dead holder's last statement, its lock is held and a run waits. On
//! SQLite nothing proves a holder gone, so a run never takes a lock over there: a stale
//! one stops it until `dbfleet unlock`.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::context::DatabaseRun;
use super::error::EngineError;
use super::events::RunEvent;
use super::identity::{Identity, now_text};
use crate::driver::{DriverError, ErrorKind, LockAttempt, LockRow, Session};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockState {
    #[serde(flatten)]
    pub row: LockRow,
    /// The holder is gone: its process is dead (same host), the server's own lock is free,
    /// or (SQLite, another host) its heartbeat is too old.
    pub stale: bool,
    pub heartbeat_age_secs: Option<i64>,
}

/// Why a run will not touch a database under a stale lock, and what to do about it. The
/// runner refuses with it; the dry run says it ahead.
pub fn stale_refusal(state: &LockState, database: &str) -> EngineError {
    EngineError::StaleLock {
        database: database.to_owned(),
        lock: Box::new(state.row.clone()),
    }
}

/// Whether a run refuses a database under this lock rather than waiting for it or taking
/// it over: only a stale lock where the database has no lock of its own (SQLite). On a
/// server a stale row is taken over once the server's lock is free (`try_lock`).
pub fn run_refuses(state: &LockState, has_server_lock: bool) -> bool {
    state.stale && !has_server_lock
}

/// Whether the holder's process is gone, where that can be known: on its own host (Linux),
/// from the kernel rather than a clock.
fn holder_process_gone(row: &LockRow, me: &Identity) -> Option<bool> {
    (row.host == me.host && cfg!(target_os = "linux")).then(|| process_gone(row.pid))
}

/// No such process, or a zombie (killed, not yet reaped by its parent: its connections
/// are closed all the same). Anything unreadable counts as alive.
fn process_gone(pid: i64) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        // "pid (comm) S ...": the state follows the last ')' (comm may hold any).
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.trim_start().chars().next())
            .is_some_and(|state| state == 'Z' || state == 'X'),
    }
}

/// `server_held`: what the database's own lock says (`Session::server_lock_held`).
/// A lock is stale when its holder's process is gone (same host, any engine: a server may
/// keep a killed client's session, and its lock, until the statement it runs ends), or when
/// the server's own lock is free (the holder's session is gone). Without a server lock
/// (SQLite) and on another host, a heartbeat older than `stale_after` decides.
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
    let stale = match (holder_process_gone(&row, me), server_held) {
        (Some(true), _) => true,
        (_, Some(held)) => !held,
        (Some(false), None) => false,
        (None, None) => too_old,
    };
    LockState {
        row,
        stale,
        heartbeat_age_secs: age,
    }
}

pub enum LockFailure {
    /// Another holder kept it past the deadline, or it is stale and needs `unlock`.
    Refused(EngineError),
    Cancelled,
    /// Taking it failed: the database's error (the caller removes secrets from it).
    Failed(DriverError),
}

/// Polls the driver's `try_lock` until `lock_timeout_secs`: taken (a takeover journaled),
/// refused (held past the deadline, or stale where nothing proves its holder gone),
/// cancelled, or failed.
pub async fn acquire(cx: &DatabaseRun<'_>, session: &mut dyn Session) -> Result<(), LockFailure> {
    let (holder, me, database) = (&cx.run.holder, &cx.fleet().identity, cx.name());
    let (timeout, stale_after) = (cx.lock_timeout(), cx.fleet().stale_lock_after());
    let cancel = &cx.cancel;
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
            Ok(LockAttempt::Taken { replaced: None }) => return Ok(()),
            Ok(LockAttempt::Taken {
                replaced: Some(row),
            }) => {
                cx.emit(RunEvent::LockTakenOver {
                    database: database.to_owned(),
                    by: me.who(),
                    holder: row.holder,
                    holder_pid: row.pid,
                    holder_run_id: row.run_id,
                    since: row.acquired_at,
                    heartbeat_at: row.heartbeat_at,
                });
                return Ok(());
            }
            Ok(LockAttempt::Held(row)) => {
                let server_lock = session.has_server_lock();
                // Held where the database has a lock of its own: a live session holds it.
                let state = assess(row, me, stale_after, server_lock.then_some(true));
                if run_refuses(&state, server_lock) {
                    return Err(LockFailure::Refused(stale_refusal(&state, database)));
                }
                if Instant::now() >= deadline {
                    return Err(LockFailure::Refused(EngineError::LockTimeout {
                        holder_gone: state.stale,
                        lock: Box::new(state.row),
                        waited_secs: timeout.as_secs(),
                    }));
                }
                if !announced {
                    announced = true;
                    cx.emit(RunEvent::LockWaiting {
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
                    cx.emit(RunEvent::LockWaiting {
                        database: database.to_owned(),
                        holder: "another connection".to_owned(),
                        since: now_text(),
                    });
                }
            }
            Err(e) => return Err(LockFailure::Failed(e)),
        }
        tokio::select! {
            _ = cancel.cancelled() => return Err(LockFailure::Cancelled),
            _ = tokio::time::sleep(pause) => {}
        }
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(host: &str, pid: i64) -> LockRow {
        let now = now_text();
        LockRow {
            holder: format!("ops@{host}"),
            host: host.to_owned(),
            pid,
            run_id: "r1".into(),
            acquired_at: now.clone(),
            heartbeat_at: now,
        }
    }

    /// A pid no process has (Linux: no /proc entry).
    fn dead_pid() -> i64 {
        (999_999i64..i64::from(i32::MAX))
            .find(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
            .unwrap_or(999_999)
    }

    #[test]
    fn a_holder_whose_process_is_gone_is_stale_even_while_the_server_keeps_its_session() {
        if !cfg!(target_os = "linux") {
            return;
        }
        let me = Identity::current();
        let hour = Duration::from_hours(1);
        let alive = i64::from(std::process::id());
        let on = |host: &str, pid, held| assess(row(host, pid), &me, hour, held).stale;
        // The server still runs a killed client's last statement: held, but stale.
        assert!(on(&me.host, dead_pid(), Some(true)));
        assert!(on(&me.host, dead_pid(), None));
        assert!(!on(&me.host, alive, Some(true)));
        assert!(!on(&me.host, alive, None));
        // The server's lock is free: the session is gone, whoever the process is.
        assert!(on(&me.host, alive, Some(false)));
        assert!(on("elsewhere", 1, Some(false)));
        // Another host, no server lock: the heartbeat decides (fresh here).
        assert!(!on("elsewhere", 1, None));
        assert!(!on("elsewhere", 1, Some(true)));
        // A run waits for a server's stale lock (or takes it over); only SQLite refuses.
        let stale = assess(row(&me.host, dead_pid()), &me, hour, Some(true));
        assert!(!run_refuses(&stale, true));
        assert!(run_refuses(&stale, false));
    }

    #[test]
    fn a_killed_process_not_yet_reaped_is_gone() {
        if !cfg!(target_os = "linux") {
            return;
        }
        let Ok(mut child) = std::process::Command::new("sleep").arg("30").spawn() else {
            return;
        };
        let pid = i64::from(child.id());
        assert!(!process_gone(pid), "running");
        let _ = child.kill();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !process_gone(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(process_gone(pid), "a zombie until waited for");
        let _ = child.wait();
        assert!(process_gone(pid), "reaped");
    }
}
