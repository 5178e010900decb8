//! The ways a process is asked to stop, for both fronts: Ctrl-C, `kill` (SIGTERM) and a
//! closed terminal (SIGHUP). The first must stop a run after its current statement and
//! release its locks, never cut it mid-write: a SQLite file left with a hot journal reads
//! as unreachable until something opens it for writing. A second one (the CLI) aborts the
//! running statement on the server (`RunControl::abort_all`).

/// Every stop request as it comes, from the moment this is made: a request that arrives
/// while the last one is being handled waits here rather than being lost.
pub struct StopRequests {
    #[cfg(unix)]
    signals: [Option<tokio::signal::unix::Signal>; 3],
}

impl StopRequests {
    /// Listens from now on. Must be called inside the tokio runtime.
    pub fn new() -> StopRequests {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            StopRequests {
                signals: [
                    signal(SignalKind::interrupt()).ok(),
                    signal(SignalKind::terminate()).ok(),
                    signal(SignalKind::hangup()).ok(),
                ],
            }
        }
        #[cfg(not(unix))]
        StopRequests {}
    }

    /// The next request's signal name.
    pub async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            use tokio::signal::unix::Signal;
            async fn next(signal: &mut Option<Signal>) {
                match signal {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            let [interrupt, terminate, hangup] = &mut self.signals;
            tokio::select! {
                () = next(interrupt) => "interrupt",
                () = next(terminate) => "terminate",
                () = next(hangup) => "hangup",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "interrupt"
        }
    }
}

impl Default for StopRequests {
    fn default() -> Self {
        StopRequests::new()
    }
}

/// Resolves with the signal's name when one of them arrives.
pub async fn stop_requested() -> &'static str {
    StopRequests::new().next().await
}
