//! Running one planned step on a session: its statements and its bookkeeping row, inside
//! one transaction where the dialect allows, otherwise with a `running` row that makes a
//! half-done step visible as dirty. `resolve --resume` runs the rest of such a step through
//! the same statement loop (`continue_step`).

use std::path::Path;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::context::DatabaseRun;
use super::events::{Direction, RunEvent};
use super::identity::now_text;
use super::plan::PlannedStep;
use super::sink::EventSink;
use crate::dialect::Dialect;
use crate::driver::{Bookkeeping, RowValues, Session};

pub enum StepResult {
    Done {
        duration_ms: u64,
    },
    /// Cancelled between statements of a transactional step: rolled back, nothing changed.
    Cancelled,
    /// Aborted (a second cancel): the running statement was stopped on the server, or the
    /// step stopped between statements where it cannot roll back. `statement`: the one
    /// stopped (1-based); `dirty`: statements before it had committed and stay recorded
    /// (`resolve --resume` runs the rest); otherwise nothing of the step is left.
    /// `stopped`: what was stopped (`statement 2 of 4 stopped on the server`); `left`:
    /// what that left (`the step was rolled back`, `1 of 4 statements done, left dirty:
    /// ...`).
    Aborted {
        statement: usize,
        dirty: bool,
        stopped: String,
        left: String,
    },
    Failed {
        statement: usize,
        error: String,
        dirty: bool,
    },
}

/// What the statement loop needs besides the session and the step: where its events go,
/// what cancels it, how its errors name the file, and who the row says ran it.
pub struct StepRun<'a> {
    pub database: &'a str,
    pub base_dir: &'a Path,
    pub cancel: &'a CancellationToken,
    /// A second cancel: stops the running statement on the server (`Session::interrupter`).
    pub abort: &'a CancellationToken,
    /// A cancel stops a step outside a transaction between statements too, leaving it
    /// dirty: right for `resolve --resume`, whose step is dirty already; a run instead
    /// finishes such a step rather than leave a clean database dirty.
    pub cancel_between_statements: bool,
    pub events: &'a EventSink,
    pub applied_by: &'a str,
    pub run_id: &'a str,
}

/// How a step's bookkeeping joins its neighbours' in a run, to spare commits: each is a
/// write-ahead flush on a durable server, and on MySQL, where every step runs outside a
/// transaction, they were most of dbfleet's cost over the raw client.
#[derive(Clone, Copy, Default)]
pub struct Joins<'a> {
    /// The step's opening is written already: its `running`/`reverting` row (by the
    /// previous step's closing), or, in a group, the transaction is open.
    pub opened: bool,
    /// In a group (`migrator.group`): close the step without committing, the next step
    /// goes on in the same transaction.
    pub keep_open: bool,
    /// Outside a transaction: write this next step's opening (its `running` row) in the
    /// same commit as this step's closing. A kill between the two then leaves the next
    /// step `running` with no statement done, as a kill right after its own opening did.
    pub open_next: Option<&'a PlannedStep>,
}

/// A step's result, and whether its closing opened the next step (`Joins::open_next`).
pub struct Applied {
    pub result: StepResult,
    pub next_opened: bool,
}

/// Runs `step` on `session` for `cx`'s database: statements and bookkeeping row together
/// where the dialect allows, else with a `running` row that a failure leaves dirty.
pub async fn apply_step(
    cx: &DatabaseRun<'_>,
    session: &mut dyn Session,
    step: &PlannedStep,
    joins: Joins<'_>,
) -> Applied {
    let run = StepRun {
        database: cx.name(),
        base_dir: &cx.fleet().config.base_dir,
        cancel: &cx.cancel,
        abort: &cx.abort,
        cancel_between_statements: false,
        events: &cx.run.events,
        applied_by: &cx.run.applied_by,
        run_id: &cx.run.run_id,
    };
    let not_opened = |result| Applied {
        result,
        next_opened: false,
    };
    let started = Instant::now();
    let book = session.bookkeeping().clone();
    // On PostgreSQL the step's `BEGIN` travels with its first statement: a round trip
    // less per step, the same transaction (a failed statement is rolled back with it).
    let begin_with_first = !joins.opened
        && step.transactional
        && !step.replaces_row()
        && !step.statements.is_empty()
        && session.dialect() == Dialect::Postgres;
    if !joins.opened && !begin_with_first {
        let opening = if step.transactional {
            vec![book.begin().to_owned()]
        } else {
            opening(&run, &book, step)
        };
        for sql in opening {
            if let Err(e) = session.execute(&sql).await {
                return not_opened(fail(
                    0,
                    format!("cannot start {}: {e}", step.migration),
                    false,
                ));
            }
        }
    }
    if step.replaces_row()
        && step.transactional
        && let Err(e) = session
            .execute(&book.delete_row(&step.set, &step.version))
            .await
    {
        let _ = session.execute("ROLLBACK").await;
        return not_opened(fail(
            0,
            format!("cannot start {}: {e}", step.migration),
            false,
        ));
    }
    run_statements(&run, session, step, 0, started, joins, begin_with_first).await
}

/// What a step outside a transaction writes before its first statement: a repeatable's
/// old row goes first (a failure then leaves it pending again, which is what it was),
/// then the `running` (up) or `reverting` (down) row that makes a half-done step dirty.
fn opening(run: &StepRun<'_>, book: &Bookkeeping, step: &PlannedStep) -> Vec<String> {
    let mut sql = Vec::new();
    if step.replaces_row() {
        sql.push(book.delete_row(&step.set, &step.version));
    }
    let now = now_text();
    sql.push(match step.direction {
        Direction::Up => book.record_running(&RowValues {
            applied_at: Some(&now),
            ..row_values(run, step)
        }),
        Direction::Down => book.record_reverting(&step.set, &step.version, step.statements.len()),
    });
    sql
}

/// Runs `sql`, and once `abort` is cancelled asks the server to stop it, again every
/// second while it runs: an abort that lands just before the statement reaches the server
/// stops nothing the first time.
async fn execute_abortable(
    session: &mut dyn Session,
    sql: &str,
    abort: &CancellationToken,
) -> crate::driver::DriverResult<()> {
    let interrupter = session.interrupter();
    let insist = async {
        abort.cancelled().await;
        loop {
            if let Err(e) = interrupter.interrupt().await {
                tracing::warn!("cannot stop the running statement: {e}");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    };
    tokio::select! {
        ran = session.execute(sql) => ran,
        () = insist => Ok(()),
    }
}

/// A step outside a transaction stopped by an abort after `done` statements: the row
/// keeps them (dirty, resumable) or, when none ran, goes back to what it was. `error`: the
/// stopped statement's, for the row; `None` when it stopped between statements.
async fn stop_dirty(
    run: &StepRun<'_>,
    session: &mut dyn Session,
    step: &PlannedStep,
    done: usize,
    stopped: String,
    error: Option<String>,
) -> StepResult {
    let total = step.statements.len();
    let error =
        error.unwrap_or_else(|| format!("stopped before statement {} of {total}", done + 1));
    let recorded = leave_stopped(session, step, done, &error).await;
    let left = match (done, recorded) {
        (_, Err(e)) => {
            format!("recording that failed ({e}): the row may say it is still running")
        }
        (0, Ok(())) => "nothing of the step had run".to_owned(),
        (done, Ok(())) => format!(
            "{done} of {total} statements done, left dirty: `dbfleet resolve -d {} --resume` runs the rest",
            run.database
        ),
    };
    StepResult::Aborted {
        statement: done + 1,
        dirty: done > 0,
        stopped,
        left,
    }
}

/// The row of a step outside a transaction that stopped (failed or aborted) after `done`
/// statements. Nothing ran yet: put back as it was (an up's does not exist yet; a down's
/// is still applied). Otherwise dirty until resolved: a failed up as `failed`, a failed
/// down as `reverting`, so resolving knows which way; `error` says why.
async fn leave_stopped(
    session: &mut dyn Session,
    step: &PlannedStep,
    done: usize,
    error: &str,
) -> crate::driver::DriverResult<()> {
    // Whatever the stopped file left in the session (an aborted transaction of its own,
    // another current database) must not swallow the row's cleanup.
    let _ = session.restore_session(false).await;
    let book = session.bookkeeping();
    let cleanup = match (step.direction, done) {
        (Direction::Up, 0) => book.delete_row(&step.set, &step.version),
        (Direction::Down, 0) => book.mark_applied(&step.set, &step.version),
        (Direction::Up, _) => book.record_failed(&step.set, &step.version, error),
        (Direction::Down, _) => book.record_revert_failed(&step.set, &step.version, error),
    };
    session.execute(&cleanup).await
}

/// Puts the row of a step opened outside a transaction but not run back as it was (an
/// up's removed, a down's applied again): a cancel came between its opening and its first
/// statement.
pub async fn unopen(
    session: &mut dyn Session,
    step: &PlannedStep,
) -> crate::driver::DriverResult<()> {
    leave_stopped(session, step, 0, "").await
}

/// A step stopped by an abort, as the run's event stream tells it.
pub fn aborted_event(
    database: &str,
    step: &PlannedStep,
    statement: usize,
    dirty: bool,
    error: String,
) -> RunEvent {
    RunEvent::StepFailed {
        database: database.to_owned(),
        migration: step.migration.clone(),
        statement,
        total: step.statements.len(),
        error,
        dirty,
    }
}

fn fail(statement: usize, error: String, dirty: bool) -> StepResult {
    StepResult::Failed {
        statement,
        error,
        dirty,
    }
}

/// The row `step` writes, its run-time values left for the caller.
fn row_values<'a>(run: &StepRun<'a>, step: &'a PlannedStep) -> RowValues<'a> {
    step.row_values(run.applied_by, Some(run.run_id))
}

/// Runs `step`'s statements from index `from` (0-based: `from` statements already ran),
/// recording progress after each outside a transaction, then closes the step: its row
/// applied (up) or gone (down), and the transaction committed where there is one. The
/// step's opening (`BEGIN`, or the `running`/`reverting` row) is the caller's.
pub async fn continue_step(
    run: &StepRun<'_>,
    session: &mut dyn Session,
    step: &PlannedStep,
    from: usize,
    started: Instant,
) -> StepResult {
    run_statements(run, session, step, from, started, Joins::default(), false)
        .await
        .result
}

/// `continue_step`, its closing joined to its neighbours' as `joins` says; the step's
/// `BEGIN` sent with its first statement where `begin_with_first`.
async fn run_statements(
    run: &StepRun<'_>,
    session: &mut dyn Session,
    step: &PlannedStep,
    from: usize,
    started: Instant,
    joins: Joins<'_>,
    begin_with_first: bool,
) -> Applied {
    let result = |result| Applied {
        result,
        next_opened: false,
    };
    let book = session.bookkeeping().clone();
    let total = step.statements.len();
    let dialect = session.dialect();
    // Row changes commit with their progress row on MySQL (`commits_with_progress`); the
    // last one with the step's closing row instead (`closes_with_last_statement`).
    let commits_with_progress = step.commits_with_progress(dialect);
    let closes_with_last = step.closes_with_last_statement(dialect);
    // Whether the closing (and the next step's opening) is committed already.
    let mut closed: Option<bool> = None;
    // In a transaction, resets that travel with the closing row (`resets_in_transaction`).
    let mut resets_with_closing: Option<&'static str> = None;
    for (i, statement) in step.statements.iter().enumerate().skip(from) {
        if step.transactional && run.cancel.is_cancelled() {
            let _ = session.execute("ROLLBACK").await;
            return result(StepResult::Cancelled);
        }
        // A step that cannot roll back runs on after a cancel (stopping it would leave it
        // dirty), but not after an abort: it stops here, dirty where statements ran.
        if run.abort.is_cancelled() || (run.cancel_between_statements && run.cancel.is_cancelled())
        {
            let outcome = format!("stopped before statement {} of {total}", i + 1);
            return result(stop_dirty(run, session, step, i, outcome, None).await);
        }
        run.events.emit(RunEvent::Statement {
            database: run.database.to_owned(),
            migration: step.migration.clone(),
            index: i + 1,
            total,
            line: statement.line,
        });
        let with_progress = commits_with_progress.get(i).copied().unwrap_or(false);
        let mut ran = if with_progress {
            session.execute(book.begin()).await
        } else {
            Ok(())
        };
        if ran.is_ok() {
            ran = if begin_with_first && i == from {
                let sql = format!("{}; {}", book.begin(), statement.sql);
                execute_abortable(session, &sql, run.abort).await
            } else {
                execute_abortable(session, &statement.sql, run.abort).await
            };
        }
        if with_progress {
            if ran.is_ok() {
                let (record, opens_next) = if closes_with_last && i + 1 == total {
                    closing_rows(run, &book, step, started, joins)
                } else {
                    (
                        vec![book.record_progress(&step.set, &step.version, i + 1)],
                        false,
                    )
                };
                ran = session
                    .execute(&format!("{};\nCOMMIT", record.join(";\n")))
                    .await;
                if ran.is_ok() && closes_with_last && i + 1 == total {
                    closed = Some(opens_next);
                }
            }
            // Failed, or its progress could not be written: neither stays.
            if ran.is_err() {
                let _ = session.execute("ROLLBACK").await;
            }
        }
        // An abort that came while it ran: stopped on the server when it failed (a
        // statement that finished first counts as done, and the next check stops).
        let aborted = ran.is_err() && run.abort.is_cancelled();
        // Statements that ran when `ran` fails: this one too if the failure came after it.
        let mut done = i;
        // The file is done: the session goes back to how it was opened before dbfleet's
        // own statements (and the next migration) run in it.
        if ran.is_ok() && i + 1 == total {
            done = total;
            if step.may_change_session(dialect) {
                resets_with_closing = session
                    .resets_in_transaction()
                    .filter(|_| step.transactional);
                if resets_with_closing.is_none() {
                    ran = session.restore_session(step.transactional).await;
                }
            }
            if let (Some(opens_next), Err(e)) = (closed, &ran) {
                // Recorded done already: say what went wrong after it, and take back the
                // next step's opening, which nothing will run now.
                if opens_next && let Some(next) = joins.open_next {
                    let _ = unopen(session, next).await;
                }
                return result(fail(
                    total,
                    format!("{} is applied, then {e}", step.migration),
                    false,
                ));
            }
        }
        if let Err(e) = ran {
            let error = format!(
                "{} line {} (statement {} of {}): {}{}",
                step.path
                    .strip_prefix(run.base_dir)
                    .unwrap_or(&step.path)
                    .display(),
                statement.line,
                i + 1,
                total,
                if aborted { "aborted: " } else { "" },
                e.message
            );
            if aborted {
                let outcome = format!(
                    "statement {} of {total} {}",
                    i + 1,
                    if session.dialect() == Dialect::Sqlite {
                        "interrupted"
                    } else {
                        "stopped on the server"
                    }
                );
                if step.transactional {
                    let _ = session.execute("ROLLBACK").await;
                    return result(StepResult::Aborted {
                        statement: i + 1,
                        dirty: false,
                        stopped: outcome,
                        left: rolled_back(joins).to_owned(),
                    });
                }
                return result(stop_dirty(run, session, step, i, outcome, Some(error)).await);
            }
            if step.transactional {
                let _ = session.execute("ROLLBACK").await;
                return result(fail(i + 1, error, false));
            }
            let _ = leave_stopped(session, step, done, &error).await;
            return result(fail(i + 1, error, done > 0));
        }
        // Not after the last: the closing row says every statement is done. A kill
        // between a statement and its progress write leaves the count one behind (resume
        // then runs that statement again), after the last statement as after any other.
        if !step.transactional && !with_progress && i + 1 < total {
            let progress = book.record_progress(&step.set, &step.version, i + 1);
            if let Err(e) = session.execute(&progress).await {
                return result(fail(i + 1, format!("recording progress: {e}"), true));
            }
        }
    }

    let duration_ms = started.elapsed().as_millis() as u64;
    if let Some(next_opened) = closed {
        return Applied {
            result: StepResult::Done { duration_ms },
            next_opened,
        };
    }
    let closing = closing_row(run, &book, step, duration_ms);
    if !step.transactional && opens_next(run, joins).is_some() {
        // One commit for both rows. Should it fail, the closing alone is written below and
        // the next step opens itself, reporting what is wrong with its row.
        let (rows, _) = closing_rows(run, &book, step, started, joins);
        let mut joined = vec![book.begin().to_owned()];
        joined.extend(rows);
        joined.push("COMMIT".to_owned());
        if session.execute(&joined.join(";\n")).await.is_ok() {
            return Applied {
                result: StepResult::Done { duration_ms },
                next_opened: true,
            };
        }
        let _ = session.execute("ROLLBACK").await;
    }
    // In a transaction the resets, the closing row and the COMMIT go in one round trip,
    // in that order: the row is written as dbfleet's session, not the migration's role.
    let commits = step.transactional && !joins.keep_open;
    let mut sql = match resets_with_closing {
        Some(resets) => format!("{resets};\n{closing}"),
        None => closing,
    };
    if commits {
        sql.push_str(";\nCOMMIT");
    }
    if let Err(e) = session.execute(&sql).await {
        if step.transactional {
            let _ = session.execute("ROLLBACK").await;
        }
        let doing = if commits {
            "recording and committing"
        } else {
            "recording"
        };
        return result(fail(
            total,
            format!("{doing} {}: {e}", step.migration),
            !step.transactional,
        ));
    }
    result(StepResult::Done { duration_ms })
}

/// The row that closes `step` after `duration_ms`: applied (up) or gone (down).
fn closing_row(
    run: &StepRun<'_>,
    book: &Bookkeeping,
    step: &PlannedStep,
    duration_ms: u64,
) -> String {
    let now = now_text();
    let finished = RowValues {
        applied_at: Some(&now),
        execution_ms: Some(u128::from(duration_ms)),
        ..row_values(run, step)
    };
    match (step.direction, step.transactional) {
        (Direction::Up, true) => book.record_applied(&finished),
        (Direction::Up, false) => book.record_finished(&finished),
        (Direction::Down, _) => book.delete_row(&step.set, &step.version),
    }
}

/// The next step whose opening joins this step's closing: none after a cancel or an
/// abort (its row would make the database dirty with nothing run).
fn opens_next<'a>(run: &StepRun<'_>, joins: Joins<'a>) -> Option<&'a PlannedStep> {
    joins
        .open_next
        .filter(|_| !run.cancel.is_cancelled() && !run.abort.is_cancelled())
}

/// The closing row of `step` started at `started`, then the next step's opening where
/// `joins` asks for it (`opens_next`); whether it did.
fn closing_rows(
    run: &StepRun<'_>,
    book: &Bookkeeping,
    step: &PlannedStep,
    started: Instant,
    joins: Joins<'_>,
) -> (Vec<String>, bool) {
    let duration_ms = started.elapsed().as_millis() as u64;
    let mut rows = vec![closing_row(run, book, step, duration_ms)];
    let next = opens_next(run, joins).filter(|_| !step.transactional);
    if let Some(next) = next {
        rows.extend(opening(run, book, next));
    }
    (rows, next.is_some())
}

/// What a rollback undid: the step, or the whole group it ran in.
fn rolled_back(joins: Joins<'_>) -> &'static str {
    if joins.opened || joins.keep_open {
        "the step and its whole group were rolled back"
    } else {
        "the step was rolled back"
    }
}
