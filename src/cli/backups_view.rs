//! `dbfleet backups` (the backups runs took) and `dbfleet restore` (one put back, a dry
//! run unless `--apply`, behind the database's name typed on a terminal or `--yes`).

use color_eyre::Section;
use color_eyre::eyre::eyre;
use dbfleet_core::engine::admin::AdminError;
use dbfleet_core::engine::backups::{self, BackupFile, RestoreError, RestorePlan};
use dbfleet_core::engine::{Fleet, WhenUnspecified};
use dbfleet_core::human;

use super::args::{BackupsArgs, Format, RestoreArgs, SelectionArgs};
use super::report::{Done, Failure};
use super::{exit, print, select};

pub fn backups_command(fleet: &Fleet, args: &BackupsArgs, format: Format) -> Done {
    let selection = select(
        fleet,
        &args.selection.request(),
        WhenUnspecified::WholeFleet,
    )?;
    let dir = fleet.config.backup_dir();
    let found = backups::list(fleet, &selection.databases).map_err(|e| {
        Failure::usage(
            eyre!("cannot read the backup folder {}: {e}", dir.display())
                .suggestion("migrator.backup_dir in the config names it"),
        )
    })?;
    if format == Format::Json {
        print(&(serde_json::to_string_pretty(&found).unwrap_or_default() + "\n"));
        return Ok(exit::OK);
    }
    if found.is_empty() {
        print(&format!("no backups in {}\n", dir.display()));
        return Ok(exit::OK);
    }
    print(&table(&dir.display().to_string(), &found));
    Ok(exit::OK)
}

/// The backups as a table, the folder above it.
fn table(dir: &str, found: &[BackupFile]) -> String {
    let width = found
        .iter()
        .map(|b| b.database.chars().count())
        .max()
        .unwrap_or(0)
        .max("DATABASE".len());
    let run_width = found
        .iter()
        .map(|b| b.run_id.as_deref().map_or(1, |r| r.chars().count()))
        .max()
        .unwrap_or(0)
        .max("RUN".len());
    let mut out = format!("backups in {dir}\n");
    out.push_str(&format!(
        "{:<width$}  {:<20}  {:<run_width$}  {:<7}  {:>10}  FILE\n",
        "DATABASE", "TAKEN", "RUN", "BEFORE", "SIZE"
    ));
    for b in found {
        out.push_str(&format!(
            "{:<width$}  {:<20}  {:<run_width$}  {:<7}  {:>10}  {}\n",
            b.database,
            human::time(&b.taken_at),
            b.run_id.as_deref().unwrap_or("-"),
            b.before.as_deref().unwrap_or("-"),
            human::size(b.bytes),
            b.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        ));
    }
    out
}

fn restore_failure(e: RestoreError) -> Failure {
    let usage = matches!(
        e,
        RestoreError::NotABackup(_)
            | RestoreError::Admin(
                AdminError::UnknownDatabase { .. } | AdminError::Misconfigured { .. }
            )
    );
    let report = eyre!("{}", human::with_causes(&e));
    let report = match &e {
        RestoreError::Admin(AdminError::Locked { .. }) => report
            .suggestion("wait for that run to end; a stale lock is cleared by `dbfleet unlock`"),
        RestoreError::NoBackups { .. } => {
            report.suggestion("`dbfleet backups` lists them; --from FILE names one elsewhere")
        }
        _ => report,
    };
    if usage {
        Failure::usage(report)
    } else {
        Failure::failed(report)
    }
}

pub async fn restore_command(fleet: &Fleet, args: &RestoreArgs, format: Format) -> Done {
    let one = SelectionArgs {
        database: vec![args.database.clone()],
        ..SelectionArgs::default()
    };
    select(fleet, &one.request(), WhenUnspecified::DefaultDatabase)?;
    let plan = backups::plan(fleet, &args.database, args.from.as_deref())
        .await
        .map_err(restore_failure)?;
    if !args.apply {
        if format == Format::Json {
            print(&(serde_json::to_string_pretty(&plan).unwrap_or_default() + "\n"));
        } else {
            print(&describe(&plan));
            print("nothing was changed; add --apply to restore\n");
        }
        return Ok(if plan.locked() {
            exit::RUN_FAILED
        } else {
            exit::OK
        });
    }
    if let Some(lock) = &plan.lock {
        return Err(restore_failure(RestoreError::Admin(AdminError::Locked {
            database: plan.database.clone(),
            stale: lock.stale,
            lock: Box::new(lock.row.clone()),
        })));
    }
    if format == Format::Text {
        print(&describe(&plan));
    }
    confirm(&plan.database, args.yes)?;
    let report = backups::restore(fleet, &plan)
        .await
        .map_err(restore_failure)?;
    if format == Format::Json {
        print(&(serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"));
    } else {
        print(&format!(
            "{}: restored from {}\n",
            report.database,
            report.file.display()
        ));
        if let Some(safety) = &report.safety_backup {
            print(&format!(
                "{}: what it replaced is saved in {} (`dbfleet restore -d {}` puts it back)\n",
                report.database,
                safety.display(),
                report.database
            ));
        }
    }
    Ok(exit::OK)
}

/// What the restore does, in words: the dry run, and what `--apply` asks to confirm.
fn describe(plan: &RestorePlan) -> String {
    let b = &plan.backup;
    let run = match (&b.run_id, &b.before) {
        (Some(run), Some(before)) => format!("run {run} (before {before})"),
        (Some(run), None) => format!("run {run}"),
        _ => "a run the journal does not name".to_owned(),
    };
    let mut out = format!(
        "restore {} ({}) from {}\n  taken {} by {run}, {}\n",
        plan.database,
        plan.driver,
        b.path.display(),
        human::time(&b.taken_at),
        human::size(b.bytes)
    );
    match &plan.safety_backup_in {
        Some(dir) => out.push_str(&format!(
            "  first, the current state is saved as one more backup in {}\n",
            dir.display()
        )),
        None => out.push_str("  the database does not exist: nothing to save first\n"),
    }
    out.push_str(match plan.driver {
        dbfleet_core::dialect::Dialect::Sqlite => {
            "  then the backup's copy replaces the database file\n"
        }
        dbfleet_core::dialect::Dialect::Postgres => {
            "  then psql drops the schemas the dump recreates and loads it, in one transaction\n"
        }
        dbfleet_core::dialect::Dialect::Mysql => {
            "  then the client drops the database's tables, views and routines and loads the dump (MySQL commits DDL as it goes: a failure half-way leaves it half-restored)\n"
        }
    });
    if let Some(lock) = &plan.lock {
        out.push_str(&format!(
            "  REFUSED: locked by {} (run {}){}\n",
            lock.row.holder,
            lock.row.run_id,
            if lock.stale {
                ", a stale lock: clear it first with `dbfleet unlock`"
            } else {
                ""
            }
        ));
    }
    out
}

/// A restore goes on when the operator types the database's name on a terminal, or said
/// `--yes`; without a terminal and without `--yes` it is refused.
fn confirm(database: &str, yes: bool) -> Result<(), Failure> {
    super::typed_name(
        database,
        &format!("restore of {database}"),
        "to restore it",
        "the restore",
        yes,
    )
}
