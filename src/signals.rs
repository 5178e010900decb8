//! The ways a process is asked to stop, for both fronts: Ctrl-C, `kill` (SIGTERM) and a
//! closed terminal (SIGHUP). Each must stop a run after its current statement and release
//! its locks, never cut it mid-write: a SQLite file left with a hot journal reads as
//! unreachable until something opens it for writing.

/// Resolves with the signal's name when one of them arrives.
pub async fn stop_requested() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{Signal, SignalKind, signal};
        async fn next(signal: &mut Option<Signal>) {
            match signal {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        let mut terminate = signal(SignalKind::terminate()).ok();
        let mut hangup = signal(SignalKind::hangup()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => "interrupt",
            () = next(&mut terminate) => "terminate",
            () = next(&mut hangup) => "hangup",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "interrupt"
    }
}
