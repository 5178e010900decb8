//! A run as the console shows it: the engine's events folded into one row per database
//! and a bounded log. Folding is cheap and drawing reads only the result, so the cost of a
//! frame does not grow with the number of events.

use std::collections::{HashMap, VecDeque};

use super::theme::{Sym, Theme};
use dbfleet_core::engine::{Direction, Outcome, RunEvent};

/// The process's exit codes, with the CLI's meanings (`src/cli/exit.rs`).
pub mod exit {
    pub use crate::cli::exit::{INTERRUPTED, OK, RUN_FAILED};
}

/// How an outcome reads at a glance, in the run view and in the summary left in the shell.
pub fn outcome_sym(outcome: &Outcome) -> Sym {
    match outcome {
        Outcome::Succeeded { .. } | Outcome::UpToDate => Sym::Ok,
        Outcome::PendingElsewhere { .. } => Sym::Pending,
        Outcome::Failed { .. } | Outcome::Refused { .. } => Sym::Failed,
        Outcome::Blocked { .. } | Outcome::NotStarted { .. } => Sym::NotTargeted,
        Outcome::Cancelled { .. } => Sym::Locked,
    }
}

/// Lines the event log keeps; older ones scroll away.
pub const LOG_LINES: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Queued,
    Waiting(Vec<String>),
    Connecting,
    LockWaiting(String),
    BackingUp,
    Running,
    Done(Outcome),
}

#[derive(Debug, Clone)]
pub struct RunRow {
    pub database: String,
    pub phase: Phase,
    pub steps_total: usize,
    pub steps_done: usize,
    pub migration: Option<String>,
    pub statement: Option<(usize, usize)>,
    pub started_ms: Option<u64>,
    pub finished_ms: Option<u64>,
    /// `x` asked it to stop: it does after its current statement.
    pub cancelling: bool,
    /// `x` again: its running statement is being stopped on the server.
    pub aborting: bool,
}

#[derive(Debug, Clone)]
pub struct LogLine {
    /// Console clock when it arrived.
    pub at_ms: u64,
    pub database: Option<String>,
    pub text: String,
    pub bad: bool,
}

#[derive(Debug, Clone)]
pub struct RunProgress {
    pub direction: Direction,
    pub set: Option<String>,
    pub by: Option<String>,
    pub run_id: Option<String>,
    pub started_ms: u64,
    pub finished_ms: Option<u64>,
    pub rows: Vec<RunRow>,
    index: HashMap<String, usize>,
    pub log: VecDeque<LogLine>,
    pub cancelling: bool,
    /// `X` again: the running statements are being stopped on their servers.
    pub aborting: bool,
    /// The engine said the run ended cancelled (`RunFinished`).
    pub cancelled: bool,
    /// The run could not start (e.g. the journal is not writable).
    pub error: Option<String>,
    pub cursor: usize,
    pub offset: usize,
    /// The cursor follows the databases being worked on until the operator moves it.
    pub follow: bool,
    /// "Everything pending" runs one engine run per set: the number of sets, and how
    /// many `RunFinished` are still to come before the last.
    pub passes: usize,
    passes_left: usize,
    /// Every row before this one is done: where the search for the work starts, so
    /// following it costs a few rows per event, not the whole list (`cursor_target`).
    settled: usize,
}

impl RunProgress {
    pub fn new(direction: Direction, set: Option<String>, databases: &[String], now: u64) -> Self {
        let rows: Vec<RunRow> = databases
            .iter()
            .map(|db| RunRow {
                database: db.clone(),
                phase: Phase::Queued,
                steps_total: 0,
                steps_done: 0,
                migration: None,
                statement: None,
                started_ms: None,
                finished_ms: None,
                cancelling: false,
                aborting: false,
            })
            .collect();
        let index = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.database.clone(), i))
            .collect();
        RunProgress {
            direction,
            set,
            by: None,
            run_id: None,
            started_ms: now,
            finished_ms: None,
            rows,
            index,
            log: VecDeque::new(),
            cancelling: false,
            aborting: false,
            cancelled: false,
            error: None,
            cursor: 0,
            offset: 0,
            follow: true,
            passes: 1,
            passes_left: 0,
            settled: 0,
        }
    }

    /// A run of `passes` engine runs, one per set, one after another.
    pub fn with_passes(mut self, passes: usize) -> Self {
        self.passes = passes.max(1);
        self.passes_left = self.passes - 1;
        self
    }

    pub fn is_active(&self) -> bool {
        self.finished_ms.is_none()
    }

    pub fn row(&self, database: &str) -> Option<&RunRow> {
        self.index.get(database).and_then(|&i| self.rows.get(i))
    }

    /// Whether `database` is being worked on right now (not queued, not done).
    pub fn is_running(&self, database: &str) -> bool {
        self.is_active()
            && self.row(database).is_some_and(|r| {
                matches!(
                    r.phase,
                    Phase::Connecting | Phase::Running | Phase::BackingUp | Phase::LockWaiting(_)
                )
            })
    }

    /// Whether `database` is in this run and the run is still going.
    pub fn takes_part(&self, database: &str) -> bool {
        self.is_active() && self.index.contains_key(database)
    }

    pub fn done_count(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.phase, Phase::Done(_)))
            .count()
    }

    pub fn ok_count(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(&r.phase, Phase::Done(o) if o.lets_dependents_run()))
            .count()
    }

    pub fn elapsed_ms(&self, now: u64) -> u64 {
        self.finished_ms
            .unwrap_or(now)
            .saturating_sub(self.started_ms)
    }

    fn log(&mut self, now: u64, database: Option<&str>, text: String, bad: bool) {
        if self.log.len() >= LOG_LINES {
            self.log.pop_front();
        }
        self.log.push_back(LogLine {
            at_ms: now,
            database: database.map(str::to_owned),
            text,
            bad,
        });
    }

    fn row_mut(&mut self, database: &str) -> Option<&mut RunRow> {
        let i = *self.index.get(database)?;
        self.rows.get_mut(i)
    }

    /// Folds one engine event in. Returns the database whose run ended, so its status can
    /// be read again.
    pub fn apply(&mut self, event: &RunEvent, now: u64) -> Option<String> {
        match event {
            RunEvent::RunStarted {
                run_id,
                by,
                databases,
                set,
                ..
            } => {
                let later_set = self.run_id.is_some();
                self.run_id = Some(run_id.clone());
                self.by = Some(by.clone());
                if later_set {
                    // The next set's run: its databases wait their turn again.
                    self.settled = 0;
                    for db in databases {
                        if let Some(row) = self.row_mut(db) {
                            row.phase = Phase::Queued;
                            row.migration = None;
                            row.statement = None;
                        }
                    }
                }
                let which = if self.passes > 1 {
                    format!(" (set {})", set.as_deref().unwrap_or("own sets"))
                } else {
                    String::new()
                };
                self.log(
                    now,
                    None,
                    format!(
                        "{}{which} started on {} database(s) by {by}",
                        self.direction,
                        databases.len()
                    ),
                    false,
                );
            }
            RunEvent::Waiting { database, on } => {
                if let Some(row) = self.row_mut(database) {
                    row.phase = Phase::Waiting(on.clone());
                }
            }
            RunEvent::Connecting { database, .. } => {
                if let Some(row) = self.row_mut(database) {
                    row.phase = Phase::Connecting;
                    row.started_ms.get_or_insert(now);
                }
            }
            RunEvent::LockWaiting {
                database, holder, ..
            } => {
                if let Some(row) = self.row_mut(database) {
                    row.phase = Phase::LockWaiting(holder.clone());
                }
                self.log(
                    now,
                    Some(database),
                    format!("waiting for the lock held by {holder}"),
                    false,
                );
            }
            RunEvent::LockTakenOver {
                database,
                holder,
                holder_run_id,
                ..
            } => {
                self.log(
                    now,
                    Some(database),
                    format!(
                        "took over the lock of {holder} (run {holder_run_id}): its session is gone"
                    ),
                    false,
                );
            }
            RunEvent::LockNotReleased { database, error } => {
                self.log(
                    now,
                    Some(database),
                    format!("migration lock NOT released: {error}"),
                    true,
                );
            }
            RunEvent::Started { database, steps } => {
                if let Some(row) = self.row_mut(database) {
                    row.phase = Phase::Running;
                    // Steps of earlier sets (everything pending) count in the gauge.
                    row.steps_total = row.steps_done + *steps;
                    // From its turn on: a slow connection is part of its time.
                    row.started_ms.get_or_insert(now);
                }
                self.log(
                    now,
                    Some(database),
                    format!("{steps} step(s) to run"),
                    false,
                );
            }
            RunEvent::Backup {
                database,
                path,
                bytes,
            } => {
                let name = std::path::Path::new(path)
                    .file_name()
                    .map_or_else(|| path.clone(), |n| n.to_string_lossy().into_owned());
                self.log(
                    now,
                    Some(database),
                    format!("backup {name} ({})", dbfleet_core::human::size(*bytes)),
                    false,
                );
            }
            RunEvent::StepStarted {
                database,
                migration,
                index,
                total,
                statements,
            } => {
                if let Some(row) = self.row_mut(database) {
                    row.phase = Phase::Running;
                    row.migration = Some(migration.clone());
                    row.statement = Some((0, *statements));
                    row.steps_total = (*total).max(row.steps_total);
                    if row.started_ms.is_none() {
                        row.started_ms = Some(now);
                    }
                }
                self.log(
                    now,
                    Some(database),
                    format!("[{index}/{total}] {migration} ({statements} statement(s))"),
                    false,
                );
            }
            RunEvent::Statement {
                database,
                index,
                total,
                ..
            } => {
                if let Some(row) = self.row_mut(database) {
                    row.statement = Some((*index, *total));
                }
            }
            RunEvent::StepFinished {
                database,
                migration,
                duration_ms,
            } => {
                if let Some(row) = self.row_mut(database) {
                    row.steps_done += 1;
                    row.statement = None;
                }
                self.log(
                    now,
                    Some(database),
                    format!("✓ {migration} in {}", super::model::duration(*duration_ms)),
                    false,
                );
            }
            RunEvent::StepFailed {
                database,
                migration,
                statement,
                total,
                error,
                dirty,
            } => {
                let dirty = if *dirty { " (left dirty)" } else { "" };
                self.log(
                    now,
                    Some(database),
                    format!("✗ {migration} statement {statement}/{total}: {error}{dirty}"),
                    true,
                );
            }
            RunEvent::Finished {
                database, outcome, ..
            } => {
                let several_sets = self.passes > 1;
                if let Some(row) = self.row_mut(database) {
                    // Over several sets a database's outcome counts the steps of all.
                    let outcome = match outcome {
                        _ if !several_sets => outcome.clone(),
                        Outcome::Succeeded { .. } => Outcome::Succeeded {
                            applied: row.steps_done,
                        },
                        Outcome::UpToDate | Outcome::PendingElsewhere { .. }
                            if row.steps_done > 0 =>
                        {
                            Outcome::Succeeded {
                                applied: row.steps_done,
                            }
                        }
                        other => other.clone(),
                    };
                    row.phase = Phase::Done(outcome);
                    row.finished_ms = Some(now);
                    row.statement = None;
                }
                while self
                    .rows
                    .get(self.settled)
                    .is_some_and(|r| matches!(r.phase, Phase::Done(_)))
                {
                    self.settled += 1;
                }
                let bad = !outcome.lets_dependents_run();
                let text = match outcome {
                    Outcome::Blocked { by } => format!("blocked by {}", by.join(", ")),
                    other => other.describe(),
                };
                self.log(now, Some(database), text, bad);
                return Some(database.clone());
            }
            RunEvent::RunFinished {
                outcomes,
                cancelled,
                ..
            } => {
                self.cancelled |= *cancelled;
                let ok = outcomes
                    .iter()
                    .filter(|(_, o)| o.lets_dependents_run())
                    .count();
                if self.passes_left > 0 && !*cancelled {
                    // One set done; the next set's run follows (or the task ends early
                    // when nothing is left to run, and `RunEnded` closes the run).
                    self.passes_left -= 1;
                    self.log(
                        now,
                        None,
                        format!("set done: {ok}/{} database(s) ok", outcomes.len()),
                        ok != outcomes.len(),
                    );
                    return None;
                }
                self.finished_ms = Some(now);
                let (ok, total) = if self.passes > 1 {
                    (self.ok_count(), self.rows.len())
                } else {
                    (ok, outcomes.len())
                };
                let state = if self.cancelled {
                    "cancelled"
                } else {
                    "finished"
                };
                self.log(
                    now,
                    None,
                    format!(
                        "run {state}: {ok}/{total} database(s) ok in {}",
                        super::model::duration(self.elapsed_ms(now))
                    ),
                    ok != total,
                );
            }
            RunEvent::LockCleared { .. }
            | RunEvent::Resolved { .. }
            | RunEvent::Adopted { .. }
            | RunEvent::Restored { .. }
            | RunEvent::BackupsPruned { .. } => {}
        }
        None
    }

    /// Where the cursor goes on its own: while the run goes, the first database being
    /// worked on (at 1,000 databases the rows in view are where the work is); once it
    /// ends, the first that failed or was refused. `None`: stay.
    pub fn cursor_target(&self) -> Option<usize> {
        if self.is_active() {
            if !self.follow {
                return None;
            }
            return self
                .rows
                .iter()
                .enumerate()
                .skip(self.settled)
                .find(|(_, r)| {
                    matches!(
                        r.phase,
                        Phase::Connecting
                            | Phase::Running
                            | Phase::BackingUp
                            | Phase::LockWaiting(_)
                    )
                })
                .map(|(i, _)| i);
        }
        self.rows.iter().position(|r| {
            matches!(
                r.phase,
                Phase::Done(Outcome::Failed { .. } | Outcome::Refused { .. })
            )
        })
    }

    /// How the run stands, in one word: the run view's title, the status line and the
    /// summary say the same. A cancelled run is not "finished".
    pub fn state_word(&self) -> &'static str {
        if self.error.is_some() {
            "did not start"
        } else if self.is_active() && self.aborting {
            "aborting…"
        } else if self.is_active() && self.cancelling {
            "cancelling…"
        } else if self.is_active() {
            "running"
        } else if self.cancelled {
            "cancelled"
        } else {
            "finished"
        }
    }

    /// Every database went well: what `RunSummary::all_ok` says in the CLI.
    pub fn all_ok(&self) -> bool {
        self.error.is_none() && !self.cancelled && self.ok_count() == self.rows.len()
    }

    /// The exit code this run leaves the console with, as the CLI's `up`/`down` would:
    /// 130 cancelled, 1 when a database did not end well (or the run never started).
    pub fn exit_code(&self) -> u8 {
        if self.cancelled {
            exit::INTERRUPTED
        } else if self.all_ok() {
            exit::OK
        } else {
            exit::RUN_FAILED
        }
    }

    /// What the console leaves in the shell after it closes: a line per database and the
    /// totals, in the CLI summary's shape, so the scrollback keeps what the run did.
    pub fn summary(&self, theme: &Theme) -> String {
        let mut out = format!(
            "dbfleet console: {} · {} · {}{}\n",
            self.direction,
            self.set.as_deref().unwrap_or("own sets"),
            self.state_word(),
            self.run_id
                .as_deref()
                .map(|id| format!(" · run {id}"))
                .unwrap_or_default()
        );
        if let Some(error) = &self.error {
            out.push_str(&format!("{} {error}\n", theme.symbol(Sym::Failed)));
        }
        let width = self
            .rows
            .iter()
            .map(|r| r.database.chars().count())
            .max()
            .unwrap_or(8);
        for row in &self.rows {
            let (sym, text) = match &row.phase {
                Phase::Done(outcome) => (outcome_sym(outcome), outcome.describe()),
                // The run stopped before this one ended (the console closed at once).
                _ => (Sym::NotTargeted, "did not finish".to_owned()),
            };
            let ms = match (row.started_ms, row.finished_ms) {
                (Some(start), Some(end)) => {
                    format!("  [{}]", super::model::duration(end.saturating_sub(start)))
                }
                _ => String::new(),
            };
            out.push_str(&format!(
                "{} {:<width$}  {text}{ms}\n",
                theme.symbol(sym),
                row.database
            ));
        }
        out.push_str(&format!(
            "{}/{} database(s) ok in {}{}\n",
            self.ok_count(),
            self.rows.len(),
            super::model::duration(self.elapsed_ms(self.finished_ms.unwrap_or(self.started_ms))),
            if self.cancelled { ", cancelled" } else { "" }
        ));
        out
    }

    /// The run ended without a `RunFinished` (it could not start, or its task died).
    pub fn abort(&mut self, error: String, now: u64) {
        self.log(now, None, format!("run failed: {error}"), true);
        self.error = Some(error);
        self.finished_ms = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_whose_dependencies_finished_says_it_is_connecting() {
        let dbs = vec!["order_service".to_owned()];
        let mut run = RunProgress::new(Direction::Up, None, &dbs, 0);
        run.apply(
            &RunEvent::Waiting {
                database: "order_service".into(),
                on: vec!["user_service".into()],
            },
            10,
        );
        assert_eq!(
            run.row("order_service").map(|r| r.phase.clone()),
            Some(Phase::Waiting(vec!["user_service".into()]))
        );
        run.apply(
            &RunEvent::Connecting {
                database: "order_service".into(),
                server: "data/order_service.db".into(),
            },
            50,
        );
        let row = run.row("order_service");
        assert_eq!(row.map(|r| r.phase.clone()), Some(Phase::Connecting));
        assert_eq!(row.and_then(|r| r.started_ms), Some(50));
        assert!(run.is_running("order_service"));
    }
}
