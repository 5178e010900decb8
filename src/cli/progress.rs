//! The CLI's consumer of the run event stream: a progress bar per database on a
//! terminal, plain lines in a pipe or CI log, and a summary table at the end.

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use dbfleet_core::engine::{Outcome, RunEvent};

pub struct Reporter {
    bars: Option<Bars>,
    verbose: bool,
    durations: HashMap<String, u64>,
    /// Locks the run could not release, with why: the summary ends with them.
    locks_left: Vec<(String, String)>,
}

struct Bars {
    multi: MultiProgress,
    by_database: HashMap<String, ProgressBar>,
}

pub fn outcome_line(outcome: &Outcome) -> (&'static str, String) {
    let symbol = match outcome {
        Outcome::Succeeded { .. } | Outcome::UpToDate => "✓",
        Outcome::PendingElsewhere { .. } => "●",
        Outcome::Failed { .. } | Outcome::Refused { .. } => "✗",
        Outcome::Blocked { .. } | Outcome::NotStarted { .. } => "·",
        Outcome::Cancelled { .. } => "⊘",
    };
    (symbol, outcome.describe())
}

/// A takeover as the CLI words it (the journal keeps the event itself).
fn took_over(holder: &str, pid: i64, run_id: &str, since: &str) -> String {
    format!(
        "took over the migration lock of {holder} (pid {pid}, run {run_id}, since {since}): the server had ended its session"
    )
}

/// A lock this run could not release, and what the operator does about it.
fn lock_left(database: &str, error: &str) -> String {
    format!(
        "migration lock NOT released: {error}; the next run on a server takes it over, on SQLite clear it with `dbfleet unlock -d {database}`"
    )
}

/// What `backup_retention_days` removed after the run.
fn pruned(database: &str, removed: &[String]) -> String {
    format!(
        "{database}: removed {} backup(s) older than backup_retention_days: {}",
        removed.len(),
        removed.join(", ")
    )
}

fn plain(line: String) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`dbfleet up | head`) is the reader's choice, not an error of ours.
    let _ = writeln!(out, "{line}");
}

impl Reporter {
    pub fn new(terminal: bool, verbose: bool) -> Reporter {
        let bars = terminal.then(|| Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10)),
            by_database: HashMap::new(),
        });
        Reporter {
            bars,
            verbose,
            durations: HashMap::new(),
            locks_left: Vec::new(),
        }
    }

    pub fn handle(&mut self, event: &RunEvent) {
        if let RunEvent::Finished {
            database,
            duration_ms,
            ..
        } = event
        {
            self.durations.insert(database.clone(), *duration_ms);
        }
        if let RunEvent::LockNotReleased { database, error } = event {
            self.locks_left.push((database.clone(), error.clone()));
        }
        match &mut self.bars {
            Some(bars) => bars.handle(event),
            None => self.plain(event),
        }
    }

    fn plain(&self, event: &RunEvent) {
        match event {
            RunEvent::RunStarted {
                direction,
                databases,
                set,
                by,
                ..
            } => plain(format!(
                "{direction} on {} database(s), set: {}, by {by}",
                databases.len(),
                set.as_deref().unwrap_or("each database's own")
            )),
            RunEvent::Waiting { database, on } => {
                plain(format!("{database}: waiting for {}", on.join(", ")));
            }
            RunEvent::Connecting { database, server } if self.verbose => {
                plain(format!("{database}: connecting to {server}"));
            }
            RunEvent::LockWaiting {
                database,
                holder,
                since,
            } => plain(format!(
                "{database}: lock held by {holder} since {since}, waiting"
            )),
            RunEvent::LockTakenOver {
                database,
                holder,
                holder_pid,
                holder_run_id,
                since,
                ..
            } => plain(format!(
                "{database}: {}",
                took_over(holder, *holder_pid, holder_run_id, since)
            )),
            RunEvent::LockNotReleased { database, error } => {
                plain(format!("{database}: {}", lock_left(database, error)));
            }
            RunEvent::Started { database, steps } => {
                plain(format!("{database}: {steps} step(s) to run"));
            }
            RunEvent::Backup {
                database,
                path,
                bytes,
            } => plain(format!(
                "{database}: backup {path} ({})",
                dbfleet_core::human::size(*bytes)
            )),
            RunEvent::BackupsPruned { database, removed } => plain(pruned(database, removed)),
            RunEvent::StepStarted {
                database,
                migration,
                index,
                total,
                statements,
            } => plain(format!(
                "{database}: [{index}/{total}] {migration} ({statements} statement(s))"
            )),
            RunEvent::Statement {
                database,
                migration,
                index,
                total,
                line,
            } if self.verbose => plain(format!(
                "{database}:   {migration} statement {index}/{total} (line {line})"
            )),
            RunEvent::StepFinished {
                database,
                migration,
                duration_ms,
            } => plain(format!("{database}: ✓ {migration} in {duration_ms} ms")),
            RunEvent::StepFailed {
                database,
                migration,
                error,
                dirty,
                ..
            } => plain(format!(
                "{database}: ✗ {migration}: {error}{}",
                if *dirty {
                    " (database left DIRTY)"
                } else {
                    " (rolled back)"
                }
            )),
            RunEvent::Finished {
                database,
                outcome,
                duration_ms,
            } => {
                let (symbol, text) = outcome_line(outcome);
                plain(format!("{database}: {symbol} {text} ({duration_ms} ms)"));
            }
            _ => {}
        }
    }

    pub fn summary(&mut self, outcomes: &[(String, Outcome)], duration_ms: u64) -> String {
        if let Some(bars) = &self.bars {
            let _ = bars.multi.clear();
        }
        let width = outcomes.iter().map(|(d, _)| d.len()).max().unwrap_or(8);
        let mut out = String::new();
        for (db, outcome) in outcomes {
            let (symbol, text) = outcome_line(outcome);
            let ms = self.durations.get(db).copied().unwrap_or(0);
            out.push_str(&format!("{symbol} {db:<width$}  {text:<}  [{ms} ms]\n"));
        }
        let ok = outcomes
            .iter()
            .filter(|(_, o)| o.lets_dependents_run())
            .count();
        for (db, error) in &self.locks_left {
            out.push_str(&format!("⊘ {db:<width$}  {}\n", lock_left(db, error)));
        }
        out.push_str(&format!(
            "{ok}/{} database(s) ok in {:.1} s\n",
            outcomes.len(),
            duration_ms as f64 / 1000.0
        ));
        out
    }
}

impl Bars {
    fn bar(&mut self, database: &str) -> ProgressBar {
        if let Some(bar) = self.by_database.get(database) {
            return bar.clone();
        }
        // No bar until the database knows its steps: a queued one is not "0/0" done.
        let style = ProgressStyle::with_template("{prefix:<20} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        let bar = self.multi.add(
            ProgressBar::new(0)
                .with_style(style)
                .with_prefix(database.to_owned()),
        );
        bar.enable_steady_tick(Duration::from_millis(250));
        self.by_database.insert(database.to_owned(), bar.clone());
        bar
    }

    fn handle(&mut self, event: &RunEvent) {
        match event {
            RunEvent::RunStarted { databases, .. } => {
                for db in databases {
                    self.bar(db).set_message("queued");
                }
            }
            RunEvent::Waiting { database, on } => self
                .bar(database)
                .set_message(format!("waiting for {}", on.join(", "))),
            RunEvent::Connecting { database, .. } => self.bar(database).set_message("connecting"),
            RunEvent::LockWaiting {
                database, holder, ..
            } => self
                .bar(database)
                .set_message(format!("lock held by {holder}, waiting")),
            RunEvent::LockTakenOver {
                database, holder, ..
            } => self
                .bar(database)
                .set_message(format!("took over the lock of {holder}")),
            RunEvent::Started { database, steps } => {
                let bar = self.bar(database);
                let counting = ProgressStyle::with_template(
                    "{prefix:<20} {bar:20.cyan/blue} {pos:>2}/{len:<2} {elapsed:>4} {wide_msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("█▉▊▋▌▍▎▏ ");
                bar.set_style(counting);
                bar.set_length(*steps as u64);
                bar.reset_elapsed();
            }
            RunEvent::Backup {
                database, bytes, ..
            } => self
                .bar(database)
                .set_message(format!("backed up ({})", dbfleet_core::human::size(*bytes))),
            RunEvent::StepStarted {
                database,
                migration,
                ..
            } => self.bar(database).set_message(format!("▶ {migration}")),
            RunEvent::Statement {
                database,
                migration,
                index,
                total,
                ..
            } => self
                .bar(database)
                .set_message(format!("▶ {migration} · statement {index}/{total}")),
            RunEvent::StepFinished { database, .. } => self.bar(database).inc(1),
            RunEvent::StepFailed {
                database,
                migration,
                ..
            } => self.bar(database).set_message(format!("✗ {migration}")),
            RunEvent::Finished {
                database, outcome, ..
            } => {
                let (symbol, text) = outcome_line(outcome);
                let short: String = text.chars().take(60).collect();
                self.bar(database)
                    .finish_with_message(format!("{symbol} {short}"));
            }
            RunEvent::BackupsPruned { database, removed } => {
                let _ = self.multi.println(pruned(database, removed));
            }
            _ => {}
        }
    }
}
