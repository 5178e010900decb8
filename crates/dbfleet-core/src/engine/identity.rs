//! Who is running: recorded as `applied_by` and as the lock holder.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub user: String,
    pub host: String,
    pub pid: u32,
}

impl Identity {
    pub fn current() -> Identity {
        let user = ["USER", "USERNAME", "LOGNAME"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            // Containers often set no USER; the home folder's name is the next best guess.
            .or_else(|| {
                let home = std::env::var("HOME").ok()?;
                let name = std::path::Path::new(&home)
                    .file_name()?
                    .to_str()?
                    .to_owned();
                Some(name)
            })
            .unwrap_or_else(|| "unknown".to_owned());
        let host = gethostname::gethostname().to_string_lossy().into_owned();
        Identity {
            user,
            host,
            pid: std::process::id(),
        }
    }

    /// `user@host`
    pub fn who(&self) -> String {
        format!("{}@{}", self.user, self.host)
    }

    /// Unique enough across processes and hosts: time, host and pid.
    pub fn new_run_id(&self) -> String {
        format!(
            "{}-{}-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"),
            self.host,
            self.pid
        )
    }
}

/// Now as RFC 3339 UTC, the form every timestamp in the bookkeeping tables takes.
pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
