//! A dirty step seen statement by statement, and resumed: `dbfleet resolve` shows which of
//! its statements ran (the row's `statements_done`) with their SQL, and `--resume` runs the
//! rest through the runner's own statement loop (`apply::continue_step`), provided the
//! file is still the one the step started from (its checksum).

use std::time::Instant;

use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::Fleet;
use super::admin::AdminError;
use super::apply::{StepResult, StepRun, aborted_event, continue_step};
use super::events::{Direction, RunEvent};
use super::journal::Journal;
use super::plan::{Limit, PlanInput, PlannedStep, step};
use super::runner::{RunControl, RunError};
use super::sink::EventSink;
use crate::config::Target;
use crate::driver::{AppliedRow, RowStatus, Session};

/// One statement of a dirty step's file, and whether the row says it ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementState {
    /// 1-based.
    pub index: usize,
    pub line: usize,
    pub sql: String,
    pub done: bool,
}

impl StatementState {
    /// `statement 2 (line 4): CREATE INDEX …`: its first line, or two when the first is
    /// short (`CREATE TABLE t (`).
    pub fn brief(&self) -> String {
        format!(
            "statement {} (line {}): {}",
            self.index,
            self.line,
            sql_excerpt(&self.sql)
        )
    }
}

/// The SQL's first line, with the second where the first says little, shortened; the
/// comments a statement keeps before and inside it are left out.
pub fn sql_excerpt(sql: &str) -> String {
    let mut in_comment = false;
    let lines: Vec<&str> = sql
        .lines()
        .map(str::trim)
        .filter(|line| {
            if in_comment {
                in_comment = !line.contains("*/");
                return false;
            }
            if line.starts_with("/*") {
                in_comment = !line.contains("*/");
                return false;
            }
            !line.is_empty() && !line.starts_with("--")
        })
        .collect();
    let mut text = lines.first().copied().unwrap_or_default().to_owned();
    let mut shown = 1;
    if text.len() < 40
        && let Some(second) = lines.get(1)
    {
        text.push(' ');
        text.push_str(second);
        shown = 2;
    }
    if lines.len() > shown || text.chars().count() > 100 {
        let cut: String = text.chars().take(100).collect();
        text = format!("{cut} …");
    }
    text
}

/// A step a run left half-done, as `resolve` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirtyStep {
    pub database: String,
    pub migration: String,
    /// `up` for a `running`/`failed` row, `down` for a `reverting` one.
    pub direction: Direction,
    /// The row's status: `running` (the run died), `failed`, `reverting`.
    pub status: String,
    pub statements_done: usize,
    pub statements_total: usize,
    pub error: Option<String>,
    /// The file the statements come from, as the config's folder names it.
    pub file: Option<String>,
    /// Every statement of the file with done / not done; empty when the file cannot say
    /// (gone, or changed since: then `cannot_resume` says why).
    pub statements: Vec<StatementState>,
    /// Why `--resume` is refused; `None`: resume is offered, and is the default.
    pub cannot_resume: Option<String>,
}

impl DirtyStep {
    /// `up of app/003_x stopped after 1 of 2 statements (failed): why`, as both fronts
    /// head the step with it.
    pub fn headline(&self) -> String {
        format!(
            "{} of {} stopped after {} of {} statements ({}){}",
            match self.direction {
                Direction::Up => "up",
                Direction::Down => "down",
            },
            self.migration,
            self.statements_done,
            self.statements_total,
            self.status,
            self.error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        )
    }

    fn range(from: usize, to: usize) -> String {
        if from == to {
            format!("statement {from}")
        } else {
            format!("statements {from}..{to}")
        }
    }

    fn listed(&self, done: bool) -> String {
        let briefs: Vec<String> = self
            .statements
            .iter()
            .filter(|s| s.done == done)
            .map(StatementState::brief)
            .collect();
        if briefs.is_empty() {
            String::new()
        } else {
            format!(": {}", briefs.join("; "))
        }
    }

    /// What "mark applied" leaves wrong, in plain words; `None` when it leaves nothing.
    pub fn applied_warning(&self) -> Option<String> {
        let (done, total) = (self.statements_done, self.statements_total);
        match self.direction {
            Direction::Up if done < total => Some(format!(
                "marking {} applied records all {total} statements as run, but {} never ran: the schema lacks what {}{}",
                self.migration,
                Self::range(done + 1, total),
                if total - done == 1 {
                    "it makes"
                } else {
                    "they make"
                },
                self.listed(false)
            )),
            Direction::Down if done > 0 => Some(format!(
                "marking {} applied keeps it recorded as applied, but {} of its down ran: the schema lacks what {} removed{}",
                self.migration,
                Self::range(1, done),
                if done == 1 { "it" } else { "they" },
                self.listed(true)
            )),
            _ => None,
        }
    }

    /// What "mark rolled back" leaves wrong, in plain words; `None` when it leaves nothing.
    pub fn rolled_back_warning(&self) -> Option<String> {
        let (done, total) = (self.statements_done, self.statements_total);
        match self.direction {
            Direction::Up if done > 0 => Some(format!(
                "marking {} rolled back forgets it, but {} ran: the schema still has what {} made{}, and the next up runs {} again",
                self.migration,
                Self::range(1, done),
                if done == 1 { "it" } else { "they" },
                self.listed(true),
                if done == 1 { "it" } else { "them" },
            )),
            Direction::Down if done < total => Some(format!(
                "marking {} rolled back forgets it, but {} of its down never ran: the schema still has what {} would remove{}",
                self.migration,
                Self::range(done + 1, total),
                if total - done == 1 { "it" } else { "they" },
                self.listed(false)
            )),
            _ => None,
        }
    }
}

/// `db`'s dirty steps with their statements, read from the database and the files on disk
/// now. Empty when it is not dirty (or does not exist).
pub async fn dirty_steps(fleet: &Fleet, db: &str) -> Result<Vec<DirtyStep>, AdminError> {
    let target = super::admin::target(fleet, db)?;
    if !crate::driver::exists(target) {
        return Ok(Vec::new());
    }
    let fresh = fresh(fleet)?;
    let mut session = fleet.open(target, crate::driver::Access::ReadOnly).await?;
    let rows = session.read_applied().await;
    let transactional_ddl = session.transactional_ddl();
    session.close().await;
    Ok(rows?
        .into_iter()
        .filter(|r| r.status != RowStatus::Applied)
        .map(|row| describe(&fresh, db, target, &row, transactional_ddl).0)
        .collect())
}

fn fresh(fleet: &Fleet) -> Result<Fleet, AdminError> {
    fleet
        .with_fresh_catalog()
        .map_err(|e| AdminError::Database(crate::human::with_causes(&e)))
}

/// The row in words, and the step that resumes it when it can be resumed.
fn describe(
    fleet: &Fleet,
    db: &str,
    target: &Target,
    row: &AppliedRow,
    transactional_ddl: bool,
) -> (DirtyStep, Option<PlannedStep>) {
    let direction = if row.status == RowStatus::Reverting {
        Direction::Down
    } else {
        Direction::Up
    };
    let done = row.statements_done as usize;
    let total = row.statements_total as usize;
    let mut dirty = DirtyStep {
        database: db.to_owned(),
        migration: format!("{}/{:0>3}_{}", row.set, row.version, row.name),
        direction,
        status: row.status.as_str().to_owned(),
        statements_done: done,
        statements_total: total,
        error: row.error.as_deref().map(|e| target.scrub(e)),
        file: None,
        statements: Vec::new(),
        cannot_resume: None,
    };
    match resumable(fleet, target, row, direction, transactional_ddl) {
        Ok(planned) => {
            dirty.migration.clone_from(&planned.migration);
            dirty.file = Some(relative(fleet, &planned));
            dirty.statements = planned
                .statements
                .iter()
                .enumerate()
                .map(|(i, s)| StatementState {
                    index: i + 1,
                    line: s.line,
                    sql: s.sql.clone(),
                    done: i < done,
                })
                .collect();
            (dirty, Some(planned))
        }
        Err(why) => {
            dirty.cannot_resume = Some(why);
            (dirty, None)
        }
    }
}

fn relative(fleet: &Fleet, step: &PlannedStep) -> String {
    step.path
        .strip_prefix(&fleet.config.base_dir)
        .unwrap_or(&step.path)
        .display()
        .to_string()
}

/// The step that runs the rest of `row`, or why there is none.
fn resumable(
    fleet: &Fleet,
    target: &Target,
    row: &AppliedRow,
    direction: Direction,
    transactional_ddl: bool,
) -> Result<PlannedStep, String> {
    let dialect = target.driver;
    let set = fleet
        .catalog
        .set(&row.set)
        .ok_or_else(|| format!("the set {} is not in the migrations folder", row.set))?;
    let migration = set.migration(&row.version).ok_or_else(|| {
        format!(
            "version {} of {} has no file in the migrations folder",
            row.version, row.set
        )
    })?;
    let on_disk = migration
        .up
        .for_dialect(dialect)
        .map(|s| s.checksum.clone())
        .unwrap_or_default();
    if on_disk != row.checksum {
        return Err(format!(
            "{} changed since the step ran (checksum recorded {}, on disk {}): the statements that ran may not be the file's first {} now. Check the database, then mark it applied (--applied) or rolled back (--rolled-back)",
            migration.id(),
            short(&row.checksum),
            short(&on_disk),
            row.statements_done
        ));
    }
    let input = PlanInput {
        set,
        dialect,
        transactional_ddl,
        applied: &[],
        direction,
        limit: Limit::All,
        allow_drift: true,
        allow_out_of_order: true,
    };
    let mut planned = step(&input, migration, direction).map_err(|e| e.to_string())?;
    if planned.statements.len() != row.statements_total as usize {
        return Err(format!(
            "{} now has {} statements where the step that ran had {}: the file changed since. Check the database, then mark it applied (--applied) or rolled back (--rolled-back)",
            planned.file_label(),
            planned.statements.len(),
            row.statements_total
        ));
    }
    // The step is dirty already: the rest runs as it started, statement by statement with
    // its progress recorded, never in one transaction.
    planned.transactional = false;
    Ok(planned)
}

fn short(checksum: &str) -> &str {
    checksum.get(..12).unwrap_or(checksum)
}

/// How a resumed step ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resumed {
    pub migration: String,
    /// `None`: every statement ran, the step is recorded applied (a down: reverted).
    /// Otherwise where a cancel or an abort stopped it, still dirty with the statements
    /// done recorded (`stopped before statement 3 of 4; 2 of 4 statements done, ...`).
    pub stopped: Option<String>,
}

/// `dbfleet resolve -d DB --resume` as the CLI runs it: takes `db`'s lock once (as every
/// repair does), runs the rest of each dirty step statement by statement, sending a run's
/// events (`StepStarted`, `Statement`, `StepFinished` / `StepFailed`) to `tx` and the
/// journal, and stops on `control` as a run does: a cancel after the running statement,
/// an abort stopping it on the server (`RunControl`). Either leaves the step dirty with
/// the statements done recorded, resumable again.
pub async fn resume(
    fleet: &Fleet,
    db: &str,
    tx: mpsc::UnboundedSender<RunEvent>,
    control: &RunControl,
) -> Result<Vec<Resumed>, AdminError> {
    let target = super::admin::target(fleet, db)?;
    if !crate::driver::exists(target) {
        return Ok(Vec::new());
    }
    let mut session = fleet
        .open(target, crate::driver::Access::ReadWrite { create: false })
        .await?;
    let holder = super::admin::holder(fleet);
    let (cancel, abort) = control.stops(db);
    let result = match super::admin::lock_once(fleet, db, session.as_mut(), &holder).await {
        Err(e) => Err(e),
        Ok(()) => {
            let stops = Stops {
                tx,
                cancel: &cancel,
                abort: &abort,
            };
            let resumed = resume_steps(fleet, db, session.as_mut(), &stops).await;
            let _ = session.release_lock(&holder).await;
            resumed
        }
    };
    session.close().await;
    result
}

/// Where a resume's events go and what stops it.
struct Stops<'a> {
    tx: mpsc::UnboundedSender<RunEvent>,
    cancel: &'a CancellationToken,
    abort: &'a CancellationToken,
}

/// Runs the rest of every dirty step of `db` (normally one) under the lock the caller
/// holds; the migrations resumed. A step that fails again stays dirty with its new
/// progress, and the error says where. Nothing stops it but a failure (`resume` is the
/// stoppable one).
pub(super) async fn resume_in(
    fleet: &Fleet,
    db: &str,
    session: &mut dyn Session,
) -> Result<Vec<String>, AdminError> {
    let never = CancellationToken::new();
    let (tx, _rx) = mpsc::unbounded_channel();
    let stops = Stops {
        tx,
        cancel: &never,
        abort: &never,
    };
    let resumed = resume_steps(fleet, db, session, &stops).await?;
    Ok(resumed.into_iter().map(|r| r.migration).collect())
}

async fn resume_steps(
    fleet: &Fleet,
    db: &str,
    session: &mut dyn Session,
    stops: &Stops<'_>,
) -> Result<Vec<Resumed>, AdminError> {
    let target = super::admin::target(fleet, db)?;
    let fresh = fresh(fleet)?;
    let rows = session.read_applied().await?;
    let transactional_ddl = session.transactional_ddl();
    let mut resumed = Vec::new();
    let dirty_rows: Vec<&AppliedRow> = rows
        .iter()
        .filter(|r| r.status != RowStatus::Applied)
        .collect();
    for (i, row) in dirty_rows.iter().enumerate() {
        if stops.cancel.is_cancelled() {
            break;
        }
        let (dirty, planned) = describe(&fresh, db, target, row, transactional_ddl);
        let Some(planned) = planned else {
            return Err(AdminError::CannotResume {
                database: db.to_owned(),
                migration: dirty.migration,
                why: dirty.cannot_resume.unwrap_or_default(),
            });
        };
        stops
            .tx
            .send(RunEvent::StepStarted {
                database: db.to_owned(),
                migration: planned.migration.clone(),
                index: i + 1,
                total: dirty_rows.len(),
                statements: planned.statements.len(),
            })
            .ok();
        let stopped = resume_step(&fresh, db, target, session, row, &planned, stops).await?;
        resumed.push(Resumed {
            migration: planned.migration,
            stopped,
        });
    }
    Ok(resumed)
}

/// Resumes one step; `Some`: where a cancel or an abort stopped it.
async fn resume_step(
    fleet: &Fleet,
    db: &str,
    target: &Target,
    session: &mut dyn Session,
    row: &AppliedRow,
    planned: &PlannedStep,
    stops: &Stops<'_>,
) -> Result<Option<String>, AdminError> {
    let run_id = fleet.identity.new_run_id();
    let path = fleet.config.journal_path();
    let journal = Journal::open(&path, &run_id).map_err(|source| RunError { path, source })?;
    let sink = EventSink::new(stops.tx.clone(), Some(journal));
    let book = session.bookkeeping().clone();
    let reverting = planned.direction == Direction::Down;
    session
        .execute(&book.record_resuming(&planned.set, &planned.version, reverting))
        .await?;
    let applied_by = fleet.identity.who();
    let run = StepRun {
        database: db,
        base_dir: &fleet.config.base_dir,
        cancel: stops.cancel,
        abort: stops.abort,
        cancel_between_statements: true,
        events: &sink,
        applied_by: &applied_by,
        run_id: &run_id,
    };
    let from = row.statements_done as usize;
    let started = Instant::now();
    let outcome = continue_step(&run, session, planned, from, started).await;
    let total = planned.statements.len();
    let (now, failed, stopped) = match outcome {
        StepResult::Done { duration_ms } => {
            sink.emit(RunEvent::StepFinished {
                database: db.to_owned(),
                migration: planned.migration.clone(),
                duration_ms,
            });
            let now = match planned.direction {
                Direction::Up => "applied",
                Direction::Down => "rolled back",
            };
            (now.to_owned(), None, None)
        }
        StepResult::Failed {
            statement, error, ..
        } => {
            let error = target.scrub(&error);
            (
                format!("still dirty: failed at statement {statement} of {total}"),
                Some(error),
                None,
            )
        }
        StepResult::Aborted {
            statement,
            dirty,
            stopped,
            left,
        } => {
            let (stopped, left) = (target.scrub(&stopped), target.scrub(&left));
            sink.emit(aborted_event(
                db,
                planned,
                statement,
                dirty,
                stopped.clone(),
            ));
            let outcome = format!("{stopped}; {left}");
            (format!("still dirty: {outcome}"), None, Some(outcome))
        }
        // A resumed step never runs in a transaction.
        StepResult::Cancelled => ("still dirty: cancelled".to_owned(), None, None),
    };
    sink.emit(RunEvent::Resolved {
        database: db.to_owned(),
        by: applied_by.clone(),
        migration: planned.migration.clone(),
        was: format!(
            "{} after {} of {} statements",
            row.status.as_str(),
            from,
            total
        ),
        now,
        choice: "resume".to_owned(),
    });
    match failed {
        None => Ok(stopped),
        Some(error) => Err(AdminError::ResumeFailed {
            database: db.to_owned(),
            migration: planned.migration.clone(),
            error,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirty(direction: Direction, done: usize) -> DirtyStep {
        DirtyStep {
            database: "db".into(),
            migration: "s/001_x".into(),
            direction,
            status: "failed".into(),
            statements_done: done,
            statements_total: 3,
            error: None,
            file: None,
            statements: (1..=3)
                .map(|i| StatementState {
                    index: i,
                    line: i * 2,
                    sql: format!("CREATE TABLE t{i} (id INT)"),
                    done: i <= done,
                })
                .collect(),
            cannot_resume: None,
        }
    }

    #[test]
    fn each_choice_says_what_the_schema_lacks_or_still_has() {
        let up = dirty(Direction::Up, 1);
        let applied = up.applied_warning().unwrap_or_default();
        assert!(
            applied.contains("statements 2..3 never ran: the schema lacks what they make: statement 2 (line 4): CREATE TABLE t2"),
            "{applied}"
        );
        let rolled = up.rolled_back_warning().unwrap_or_default();
        assert!(
            rolled.contains("statement 1 ran: the schema still has what it made: statement 1 (line 2): CREATE TABLE t1"),
            "{rolled}"
        );
        assert_eq!(dirty(Direction::Up, 0).rolled_back_warning(), None);
        assert_eq!(dirty(Direction::Up, 3).applied_warning(), None);
        let down = dirty(Direction::Down, 2);
        assert!(
            down.applied_warning()
                .unwrap_or_default()
                .contains("statements 1..2 of its down ran: the schema lacks what they removed")
        );
        assert!(down.rolled_back_warning().unwrap_or_default().contains(
            "statement 3 of its down never ran: the schema still has what it would remove"
        ));
    }

    #[test]
    fn long_sql_is_cut_to_a_line_or_two() {
        assert_eq!(
            sql_excerpt("CREATE TABLE t (\n  id INT\n)"),
            "CREATE TABLE t ( id INT …"
        );
        assert_eq!(sql_excerpt("DROP TABLE t"), "DROP TABLE t");
        assert_eq!(
            sql_excerpt("-- why\n/* more\n  why */\nCREATE INDEX i ON t (a)"),
            "CREATE INDEX i ON t (a)"
        );
    }
}
