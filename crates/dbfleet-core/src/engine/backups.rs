//! The backups runs leave in `migrator.backup_dir`: listed (which database, when, which
//! run, how big), pruned by `backup_retention_days`, and restored.
//!
//! A backup is a file named `<database>-<UTC time>.<sqlite3|sql>`; its time is read from
//! its name (a copied file keeps it, whatever its mtime says), its run from the journal's
//! `backup` events. Nothing else in the folder is ever read as a backup or removed.
//!
//! A restore takes the database's migration lock (refused while a run holds it), saves the
//! current state first as one more backup (so a restore can be undone by restoring that),
//! puts the backup back through the driver (`driver::restore`), and is journaled.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

use super::Fleet;
use super::admin::{self, AdminError};
use super::events::{Outcome, RunEvent};
use super::lock::{LockState, assess};
use super::sink::EventSink;
use crate::config::Target;
use crate::dialect::Dialect;
use crate::driver::{self, Access, Session};

/// The UTC time in a backup's name: `20261123T131010.635Z`.
const STAMP: &str = "%Y%m%dT%H%M%S%.3fZ";

/// A backup file's extension for `dialect`.
pub fn extension(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "sqlite3",
        Dialect::Postgres | Dialect::Mysql => "sql",
    }
}

/// The name of a backup of `database` taken `at`.
pub fn file_name(database: &str, dialect: Dialect, at: DateTime<Utc>) -> String {
    format!("{database}-{}.{}", at.format(STAMP), extension(dialect))
}

/// `(database, time, extension)` of a backup's file name; `None` for any other name.
fn parse_name(name: &str) -> Option<(&str, DateTime<Utc>, &str)> {
    let (rest, ext) = name.rsplit_once('.')?;
    let (rest, ext) = match ext {
        "sqlite3" | "sql" => (rest, ext),
        _ => return None,
    };
    // The stamp holds one '.' of its own (milliseconds).
    let (database, stamp) = rest.rsplit_once('-')?;
    let time = NaiveDateTime::parse_from_str(stamp.strip_suffix('Z')?, "%Y%m%dT%H%M%S%.3f")
        .ok()?
        .and_utc();
    // Exactly the form the runner writes, nothing looser.
    (!database.is_empty() && time.format(STAMP).to_string() == stamp)
        .then_some((database, time, ext))
}

/// One backup on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupFile {
    pub database: String,
    pub path: PathBuf,
    /// When it was taken (from its name), RFC 3339.
    pub taken_at: String,
    #[serde(skip)]
    pub time: DateTime<Utc>,
    pub bytes: u64,
    /// The run (or restore) that took it, where the journal says so.
    pub run_id: Option<String>,
    /// What it was taken before: `up`, `down` or `restore`, where the journal says so.
    pub before: Option<String>,
}

/// Per backup file name: the run that took it and what for, from the journal.
fn provenance(journal: &Path) -> HashMap<String, (String, Option<String>)> {
    let Ok(text) = std::fs::read_to_string(journal) else {
        return HashMap::new();
    };
    let mut taken: Vec<(String, String)> = Vec::new();
    let mut what: HashMap<String, String> = HashMap::new();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let (Some(run_id), Some(event)) = (v["run_id"].as_str(), v["event"].as_str()) else {
            continue;
        };
        match event {
            "backup" => {
                if let Some(name) = v["path"].as_str().and_then(|p| Path::new(p).file_name()) {
                    taken.push((name.to_string_lossy().into_owned(), run_id.to_owned()));
                }
            }
            "run_started" => {
                if let Some(direction) = v["direction"].as_str() {
                    what.insert(run_id.to_owned(), direction.to_owned());
                }
            }
            "restored" => {
                what.insert(run_id.to_owned(), "restore".to_owned());
            }
            _ => {}
        }
    }
    taken
        .into_iter()
        .map(|(name, run)| {
            let before = what.get(&run).cloned();
            (name, (run, before))
        })
        .collect()
}

/// The backups in `dir` of the databases `wanted` accepts: `(database, path, time)`. A
/// missing folder holds none.
fn scan(
    dir: &Path,
    wanted: impl Fn(&str) -> bool,
) -> std::io::Result<Vec<(String, PathBuf, DateTime<Utc>)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some((database, time, _)) = parse_name(&name)
            && wanted(database)
        {
            found.push((database.to_owned(), entry.path(), time));
        }
    }
    Ok(found)
}

/// The backups of `databases` in the backup folder, newest first.
pub fn list(fleet: &Fleet, databases: &[String]) -> std::io::Result<Vec<BackupFile>> {
    let found = scan(&fleet.config.backup_dir(), |db| {
        databases.iter().any(|d| d == db)
    })?;
    let known = provenance(&fleet.config.journal_path());
    let mut backups: Vec<BackupFile> = found
        .into_iter()
        .map(|(database, path, time)| describe(&known, database, path, time))
        .collect();
    backups.sort_by(|a, b| {
        b.time
            .cmp(&a.time)
            .then_with(|| a.database.cmp(&b.database))
    });
    Ok(backups)
}

fn describe(
    known: &HashMap<String, (String, Option<String>)>,
    database: String,
    path: PathBuf,
    time: DateTime<Utc>,
) -> BackupFile {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (run_id, before) = known
        .get(&name)
        .cloned()
        .map_or((None, None), |(run, before)| (Some(run), before));
    BackupFile {
        database,
        bytes: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
        path,
        taken_at: time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        time,
        run_id,
        before,
    }
}

/// Removes `database`'s backups in `dir` taken more than `days` days before `now`, the
/// newest always kept; returns what it removed. Only files named as backups of that very
/// database are candidates.
pub fn prune(
    dir: &Path,
    database: &str,
    days: u64,
    now: DateTime<Utc>,
) -> std::io::Result<Vec<PathBuf>> {
    let mut found = scan(dir, |db| db == database)?;
    found.sort_by_key(|(_, _, time)| std::cmp::Reverse(*time));
    let cutoff = i64::try_from(days)
        .ok()
        .and_then(chrono::Duration::try_days)
        .and_then(|age| now.checked_sub_signed(age));
    let mut removed = Vec::new();
    for (_, path, time) in found.into_iter().skip(1) {
        if cutoff.is_some_and(|cutoff| time < cutoff) {
            std::fs::remove_file(&path)?;
            removed.push(path);
        }
    }
    Ok(removed)
}

/// `backup_retention_days` applied after a run, on each database it succeeded on; what
/// was removed is reported (and journaled) as `BackupsPruned`.
pub fn prune_after_run(fleet: &Fleet, outcomes: &[(String, Outcome)], events: &EventSink) {
    let Some(days) = fleet.config.migrator.backup_retention_days else {
        return;
    };
    let dir = fleet.config.backup_dir();
    for (database, outcome) in outcomes {
        if !matches!(outcome, Outcome::Succeeded { .. }) {
            continue;
        }
        match prune(&dir, database, days, Utc::now()) {
            Ok(removed) if removed.is_empty() => {}
            Ok(removed) => events.emit(RunEvent::BackupsPruned {
                database: database.clone(),
                removed: removed.iter().map(|p| p.display().to_string()).collect(),
            }),
            Err(e) => tracing::warn!(
                "{database}: pruning old backups in {} failed: {e}",
                dir.display()
            ),
        }
    }
}

/// Why a restore did not happen, or went wrong.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// Unknown or misconfigured database, unreachable, locked by a run, journal.
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error("no backups of {database} in {}", .dir.display())]
    NoBackups { database: String, dir: PathBuf },
    /// `--from` named a file that is not a backup of this database.
    #[error("{0}")]
    NotABackup(String),
    #[error("cannot read the backup folder {}: {source}", .dir.display())]
    Folder {
        dir: PathBuf,
        source: std::io::Error,
    },
    /// A tool the restore needs is missing.
    #[error("{0}")]
    Tool(String),
    #[error("the safety backup of {database} failed: {error}; nothing was changed")]
    SafetyBackup { database: String, error: String },
    /// The restore itself failed: the message says in what state it left the database.
    #[error("{0}")]
    Failed(String),
}

/// What a restore will do, as its dry run shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RestorePlan {
    pub database: String,
    pub driver: Dialect,
    pub backup: BackupFile,
    /// The folder the current state is saved in first, as one more backup; `None` when
    /// there is nothing to save (a SQLite file that does not exist).
    pub safety_backup_in: Option<PathBuf>,
    /// The migration lock as it is now: a run holding it refuses the restore.
    pub lock: Option<LockState>,
    /// Whether a failed restore leaves the database as it was (SQLite: the file is
    /// swapped whole; PostgreSQL: one transaction). MySQL commits DDL as it goes.
    pub atomic: bool,
}

impl RestorePlan {
    /// Whether the lock stops the restore (anyone's lock: a stale one is cleared first).
    pub fn locked(&self) -> bool {
        self.lock.is_some()
    }
}

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    pub database: String,
    pub file: PathBuf,
    pub safety_backup: Option<PathBuf>,
}

/// The backup `restore` would use: the newest of `db`'s, or `from`, which must be a
/// backup of `db` for its driver.
fn choose(
    fleet: &Fleet,
    db: &str,
    driver: Dialect,
    from: Option<&Path>,
) -> Result<BackupFile, RestoreError> {
    let Some(from) = from else {
        let dir = fleet.config.backup_dir();
        let mut all = list(fleet, &[db.to_owned()]).map_err(|source| RestoreError::Folder {
            dir: dir.clone(),
            source,
        })?;
        if all.is_empty() {
            return Err(RestoreError::NoBackups {
                database: db.to_owned(),
                dir,
            });
        }
        return Ok(all.remove(0));
    };
    let name = from
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let expected = format!(
        "a backup of {db} is named {db}-<UTC time>.{}",
        extension(driver)
    );
    let Some((of, time, ext)) = parse_name(&name) else {
        return Err(RestoreError::NotABackup(format!(
            "{} is not named as a backup ({expected})",
            from.display()
        )));
    };
    if of != db {
        return Err(RestoreError::NotABackup(format!(
            "{} is a backup of {of}, not of {db} ({expected})",
            from.display()
        )));
    }
    if ext != extension(driver) {
        return Err(RestoreError::NotABackup(format!(
            "{} is not a backup of a {driver} database ({expected})",
            from.display()
        )));
    }
    if !from.is_file() {
        return Err(RestoreError::NotABackup(format!(
            "{}: no such file",
            from.display()
        )));
    }
    let known = provenance(&fleet.config.journal_path());
    Ok(describe(&known, db.to_owned(), from.to_owned(), time))
}

/// The lock on `target` as it is now, read without taking it.
async fn current_lock(fleet: &Fleet, target: &Target) -> Result<Option<LockState>, AdminError> {
    let mut session = fleet.open(target, Access::ReadOnly).await?;
    let read = async {
        let Some(row) = session.read_lock().await? else {
            return Ok(None);
        };
        let held = session.server_lock_held().await?;
        Ok(Some(assess(
            row,
            &fleet.identity,
            fleet.stale_lock_after(),
            held,
        )))
    };
    let lock = read.await;
    session.close().await;
    lock
}

/// The dry run of `restore`: which backup, where the current state will be saved, the
/// lock as it is. Changes nothing.
pub async fn plan(
    fleet: &Fleet,
    db: &str,
    from: Option<&Path>,
) -> Result<RestorePlan, RestoreError> {
    let target = admin::target(fleet, db)?;
    let backup = choose(fleet, db, target.driver, from)?;
    driver::restore::check_backup_file(&backup.path, target.driver)
        .map_err(RestoreError::NotABackup)?;
    let exists = driver::exists(target);
    let lock = if exists {
        current_lock(fleet, target).await?
    } else {
        None
    };
    Ok(RestorePlan {
        database: db.to_owned(),
        driver: target.driver,
        safety_backup_in: exists.then(|| fleet.config.backup_dir()),
        backup,
        lock,
        atomic: target.driver != Dialect::Mysql,
    })
}

/// Restores `plan.backup` into its database: under the migration lock (refused while
/// anyone holds it), after saving the current state as a backup, journaled.
pub async fn restore(fleet: &Fleet, plan: &RestorePlan) -> Result<RestoreReport, RestoreError> {
    let db = plan.database.as_str();
    let target = admin::target(fleet, db)?;
    for tool in [
        driver::restore::restore_tool(target.driver),
        driver::dump::backup_tool(target.driver),
    ] {
        tool.map_err(RestoreError::Tool)?;
    }
    let file = &plan.backup.path;
    let report = |safety_backup| RestoreReport {
        database: db.to_owned(),
        file: file.clone(),
        safety_backup,
    };
    if !driver::exists(target) {
        // A SQLite file that is gone: nothing to lock or to save.
        driver::restore::replace_sqlite_file(file, Path::new(&target.database)).map_err(|e| {
            RestoreError::Failed(format!("restoring {db} from {}: {e}", file.display()))
        })?;
        journal_restored(fleet, plan, None)?;
        return Ok(report(None));
    }
    let mut session = fleet
        .open(target, Access::ReadWrite { create: false })
        .await
        .map_err(AdminError::from)?;
    let holder = admin::holder(fleet);
    // Never under a live run's feet, nor under a stale lock (`unlock` clears it first).
    if let Err(e) = admin::lock_once(fleet, db, session.as_mut(), &holder).await {
        session.close().await;
        return Err(e.into());
    }
    let safety = match save_current(fleet, db, target.driver, session.as_mut()).await {
        Ok(safety) => safety,
        Err(e) => {
            let _ = session.release_lock(&holder).await;
            session.close().await;
            return Err(e);
        }
    };
    let restored = if target.driver == Dialect::Sqlite {
        // The file is swapped whole: no connection may stay open on it. Its lock row goes
        // with it (a backup holds none).
        session.close().await;
        let swapped = driver::restore::replace_sqlite_file(file, Path::new(&target.database));
        if swapped.is_err()
            && let Ok(mut again) = fleet
                .open(target, Access::ReadWrite { create: false })
                .await
        {
            let _ = again.release_lock(&holder).await;
            again.close().await;
        }
        swapped
    } else {
        let loaded =
            driver::restore::restore_dump(target, file, &fleet.config.migrator.lock_table).await;
        let _ = session.release_lock(&holder).await;
        session.close().await;
        loaded
    };
    if let Err(e) = restored {
        let state = if plan.atomic {
            "the database is as it was"
        } else {
            "the database may be half-restored"
        };
        return Err(RestoreError::Failed(format!(
            "restoring {db} from {} failed: {e}; {state}, and its state before the restore is in {}",
            file.display(),
            safety.display()
        )));
    }
    journal_restored(fleet, plan, Some(&safety))?;
    Ok(report(Some(safety)))
}

/// The current state saved as one more backup of `db`, before the restore replaces it.
async fn save_current(
    fleet: &Fleet,
    db: &str,
    dialect: Dialect,
    session: &mut dyn Session,
) -> Result<PathBuf, RestoreError> {
    let failed = |error: String| RestoreError::SafetyBackup {
        database: db.to_owned(),
        error,
    };
    let dir = fleet.config.backup_dir();
    std::fs::create_dir_all(&dir).map_err(|e| failed(format!("{}: {e}", dir.display())))?;
    let path = dir.join(file_name(db, dialect, Utc::now()));
    session.backup(&path).await.map_err(|e| failed(e.message))?;
    Ok(path)
}

fn journal_restored(
    fleet: &Fleet,
    plan: &RestorePlan,
    safety: Option<&Path>,
) -> Result<(), RestoreError> {
    let sink = admin::journal(fleet)?;
    if let Some(safety) = safety {
        sink.emit(RunEvent::Backup {
            database: plan.database.clone(),
            path: safety.display().to_string(),
            bytes: std::fs::metadata(safety).map(|m| m.len()).unwrap_or(0),
        });
    }
    sink.emit(RunEvent::Restored {
        database: plan.database.clone(),
        by: fleet.identity.who(),
        file: plan.backup.path.display().to_string(),
        backup_run_id: plan.backup.run_id.clone(),
        safety_backup: safety.map(|p| p.display().to_string()),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn only_names_written_as_backups_are_read_as_backups() {
        let time = at("2026-11-23T13:10:10.635Z");
        let name = file_name("user-service", Dialect::Sqlite, time);
        assert_eq!(name, "user-service-20261123T131010.635Z.sqlite3");
        assert_eq!(parse_name(&name), Some(("user-service", time, "sqlite3")));
        for other in [
            "notes.txt",
            "user-20261123T131010.635Z.bak",
            "-20261123T131010.635Z.sql",
            "user-20261123T131010Z.sql",
            "user-20261123T131010.635.sql",
            "user-2026-11-23.sql",
            "user-20261323T131010.635Z.sql",
        ] {
            assert_eq!(parse_name(other), None, "{other}");
        }
    }

    #[test]
    fn retention_keeps_the_newest_and_removes_only_old_backups_of_that_database() {
        let dir = tempfile::tempdir().unwrap();
        let now = at("2026-11-23T12:00:00.000Z");
        let write = |name: &str| {
            std::fs::write(dir.path().join(name), "x").unwrap();
            name.to_owned()
        };
        let old_a = write(&file_name(
            "a",
            Dialect::Sqlite,
            at("2026-11-01T00:00:00.000Z"),
        ));
        let older_a = write(&file_name(
            "a",
            Dialect::Sqlite,
            at("2026-10-01T00:00:00.000Z"),
        ));
        let recent_a = write(&file_name(
            "a",
            Dialect::Sqlite,
            at("2026-11-20T00:00:00.000Z"),
        ));
        let old_ab = write(&file_name(
            "a-b",
            Dialect::Sqlite,
            at("2026-01-01T00:00:00.000Z"),
        ));
        let old_b = write(&file_name(
            "b",
            Dialect::Sqlite,
            at("2026-01-01T00:00:00.000Z"),
        ));
        let notes = write("a-notes.txt");
        let removed = prune(dir.path(), "a", 7, now).unwrap();
        let mut removed: Vec<String> = removed
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        removed.sort();
        assert_eq!(removed, vec![older_a, old_a]);
        for kept in [&recent_a, &old_ab, &old_b, &notes] {
            assert!(dir.path().join(kept).exists(), "{kept}");
        }
        // The newest stays however old it is.
        assert!(prune(dir.path(), "b", 7, now).unwrap().is_empty());
        assert!(dir.path().join(&old_b).exists());
    }
}
