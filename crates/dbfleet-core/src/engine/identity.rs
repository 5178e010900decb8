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
        let user = actor(&|key| std::env::var(key).ok(), &account_name);
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

/// Who `applied_by` names: `DBFLEET_ACTOR` (a CI bot, a deploy pipeline), else the login
/// the environment gives, else the account the process runs as (containers and cron often
/// set no `USER`), else the home folder's name.
fn actor(env: &dyn Fn(&str) -> Option<String>, account: &dyn Fn() -> Option<String>) -> String {
    let set = |key: &str| env(key).filter(|v| !v.trim().is_empty());
    set("DBFLEET_ACTOR")
        .or_else(|| ["USER", "USERNAME", "LOGNAME"].iter().find_map(|k| set(k)))
        .or_else(account)
        .or_else(|| {
            let home = set("HOME")?;
            let name = std::path::Path::new(&home)
                .file_name()?
                .to_str()?
                .to_owned();
            Some(name)
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The account the process runs as: the owner of `/proc/self` looked up in `/etc/passwd`
/// (`uid 1000` when it has no entry there).
fn account_name() -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let uid = std::fs::metadata("/proc/self").ok()?.uid();
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        Some(name_of_uid(&passwd, uid).unwrap_or_else(|| format!("uid {uid}")))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// `name:x:uid:gid:...` lines: the name of `uid`.
fn name_of_uid(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id: u32 = fields.nth(1)?.parse().ok()?;
        (id == uid && !name.is_empty()).then(|| name.to_owned())
    })
}

/// Now as RFC 3339 UTC, the form every timestamp in the bookkeeping tables takes.
pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_actor_is_the_override_the_login_the_account_or_the_home_folder() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |key: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let account = || Some("svc".to_owned());
        let none = || None;
        assert_eq!(
            actor(
                &env(&[("DBFLEET_ACTOR", "deploy-bot"), ("USER", "ann")]),
                &account
            ),
            "deploy-bot"
        );
        assert_eq!(
            actor(&env(&[("DBFLEET_ACTOR", " "), ("USER", "ann")]), &account),
            "ann"
        );
        assert_eq!(actor(&env(&[("HOME", "/home/bob")]), &account), "svc");
        assert_eq!(actor(&env(&[("HOME", "/home/bob")]), &none), "bob");
        assert_eq!(actor(&env(&[]), &none), "unknown");
    }

    #[test]
    fn an_account_is_found_by_its_uid() {
        let passwd =
            "root:x:0:0:root:/root:/bin/bash\n# comment\nmigrator:x:1001:1001::/app:/bin/sh\n";
        assert_eq!(name_of_uid(passwd, 1001).as_deref(), Some("migrator"));
        assert_eq!(name_of_uid(passwd, 0).as_deref(), Some("root"));
        assert_eq!(name_of_uid(passwd, 7), None);
    }
}
