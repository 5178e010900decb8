//! The planner: from the catalog and a database's migrations table, the ordered steps that
//! `up` or `down` would run, with the exact SQL of each. A plan refuses, before anything
//! runs, what must not run: a dirty database, drift, an irreversible step, a broken file.

use std::path::PathBuf;

use serde::Serialize;

use super::error::EngineError;
use super::events::Direction;
use crate::catalog::{
    EMPTY_DIRECTIVE, Migration, MigrationSet, Statement, Version, needs_autocommit,
};
use crate::dialect::Dialect;
use crate::driver::{AppliedRow, Bookkeeping, RowStatus, RowValues};
use crate::lint::{self, Finding};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    All,
    /// up: through this version; down: revert everything above it (`--to 0` reverts all).
    To(Version),
    Steps(usize),
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedStep {
    /// `set/version_name`
    pub migration: String,
    pub set: String,
    pub version: Version,
    pub version_text: String,
    pub name: String,
    pub direction: Direction,
    pub path: PathBuf,
    pub checksum: String,
    #[serde(skip)]
    pub statements: Vec<Statement>,
    /// The step and its bookkeeping row commit together.
    pub transactional: bool,
    /// Why a step runs outside a transaction on a database whose DDL could roll back: a
    /// statement that cannot run in one (`CREATE INDEX CONCURRENTLY at line 3`), or the
    /// file's own marker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outside_transaction: Option<String>,
    /// What the up script will do to a live database (`crate::lint`), without the rules
    /// the project allows; none on the way down.
    pub findings: Vec<Finding>,
}

impl PlannedStep {
    pub fn file_label(&self) -> String {
        file_name(&self.path)
    }

    /// The migrations-table row the step writes; the times stay for the run to fill in
    /// (a preview shows them, and a missing run id, as placeholders).
    pub fn row_values<'a>(&'a self, applied_by: &'a str, run_id: Option<&'a str>) -> RowValues<'a> {
        RowValues {
            set: &self.set,
            version: &self.version,
            name: &self.name,
            checksum: &self.checksum,
            statements_total: self.statements.len(),
            applied_at: None,
            execution_ms: None,
            applied_by,
            run_id,
        }
    }

    /// Applying a repeatable migration again replaces its row (deleting none the first
    /// time), in the step's transaction where there is one.
    pub fn replaces_row(&self) -> bool {
        self.direction == Direction::Up && self.version.is_repeatable()
    }

    /// Which statements commit in one transaction with their progress row: on MySQL,
    /// where a step runs outside a transaction, those that only change rows (so a kill
    /// never leaves one applied yet counted as not done, which a resume would apply
    /// twice), unless the file may open a transaction of its own (`CALL`, `SET`, ...):
    /// then every statement keeps its own commit. DDL commits by itself there anyway.
    pub fn commits_with_progress(&self, dialect: Dialect) -> Vec<bool> {
        let eligible = !self.transactional
            && dialect == Dialect::Mysql
            && !self
                .statements
                .iter()
                .any(|s| crate::catalog::may_touch_transactions(&s.sql, dialect));
        self.statements
            .iter()
            .map(|s| eligible && crate::catalog::only_changes_rows(&s.sql, dialect))
            .collect()
    }

    /// Whether the step's last statement commits with its closing row (and the next
    /// step's opening, when the run joins them): on MySQL, a file that ends in a row
    /// change (`commits_with_progress`). The step then costs one commit, as the client's
    /// autocommit `INSERT` does.
    pub fn closes_with_last_statement(&self, dialect: Dialect) -> bool {
        self.commits_with_progress(dialect)
            .last()
            .copied()
            .unwrap_or(false)
    }

    /// Whether the session must be looked at after the step's file (`restore_session`):
    /// always on PostgreSQL; on MySQL unless the file is DDL on tables and indexes, on
    /// SQLite unless it has a `PRAGMA`, `ATTACH` or `DETACH`
    /// (`catalog::leaves_session_alone`).
    pub fn may_change_session(&self, dialect: Dialect) -> bool {
        !self
            .statements
            .iter()
            .all(|s| crate::catalog::leaves_session_alone(&s.sql, dialect))
    }
}

/// Refuses when any set left a step half-done: nothing may run on a dirty database until
/// the operator resolves it.
pub fn check_dirty(database: &str, applied: &[AppliedRow]) -> Result<(), EngineError> {
    match applied.iter().find(|r| r.status != RowStatus::Applied) {
        None => Ok(()),
        Some(row) => Err(EngineError::Dirty {
            database: database.to_owned(),
            row: Box::new(row.clone()),
        }),
    }
}

/// Applied rows whose file changed since: `(migration id, recorded, current)`. A changed
/// repeatable migration (Flyway's `R__`) is not drift: it is pending again.
pub fn drift<'a>(
    set: &'a MigrationSet,
    dialect: Dialect,
    applied: &'a [AppliedRow],
) -> Vec<(&'a Migration, &'a AppliedRow)> {
    applied
        .iter()
        .filter(|row| {
            row.set == set.name && row.status == RowStatus::Applied && !row.version.is_repeatable()
        })
        .filter_map(|row| {
            let migration = set.migration(&row.version)?;
            let script = migration.up.for_dialect(dialect)?;
            (script.checksum != row.checksum).then_some((migration, row))
        })
        .collect()
}

pub struct PlanInput<'a> {
    pub set: &'a MigrationSet,
    pub dialect: Dialect,
    pub transactional_ddl: bool,
    pub applied: &'a [AppliedRow],
    pub direction: Direction,
    pub limit: Limit,
    pub allow_drift: bool,
    /// Apply pending migrations older than the newest applied one of the set.
    pub allow_out_of_order: bool,
}

/// A set whose files are broken for `dialect` runs nowhere: the refusal, if any. The
/// runner asks before it connects, so a refused run creates nothing.
pub fn check_set(set: &MigrationSet, dialect: Dialect) -> Result<(), EngineError> {
    let problems = set.problems_for(dialect);
    if problems.is_empty() {
        return Ok(());
    }
    Err(EngineError::SetProblem {
        set: set.name.clone(),
        problems,
    })
}

pub fn plan_steps(input: &PlanInput) -> Result<Vec<PlannedStep>, EngineError> {
    let set = input.set;
    check_set(set, input.dialect)?;
    if !input.allow_drift
        && let Some((migration, row)) = drift(set, input.dialect, input.applied).first()
    {
        return Err(EngineError::Drift {
            migration: migration.id(),
            recorded: row.checksum.clone(),
            on_disk: migration
                .up
                .for_dialect(input.dialect)
                .map(|s| s.checksum.clone())
                .unwrap_or_default(),
        });
    }
    let is_applied = |version: &Version| {
        input
            .applied
            .iter()
            .any(|r| r.set == set.name && &r.version == version)
    };
    // Applied, and still as applied: a repeatable whose file changed runs again.
    let is_current = |m: &Migration| {
        if !m.version.is_repeatable() {
            return is_applied(&m.version);
        }
        let checksum = m.up.for_dialect(input.dialect).map(|s| s.checksum.as_str());
        input.applied.iter().any(|r| {
            r.set == set.name && r.version == m.version && Some(r.checksum.as_str()) == checksum
        })
    };
    match input.direction {
        Direction::Up => {
            let mut pending: Vec<&Migration> =
                set.migrations.iter().filter(|m| !is_current(m)).collect();
            if !input.allow_out_of_order
                && let Some(refusal) = out_of_order(set, &pending, input.applied)
            {
                return Err(refusal);
            }
            match &input.limit {
                Limit::All => {}
                Limit::To(v) => pending.retain(|m| &m.version <= v),
                Limit::Steps(n) => pending.truncate(*n),
            }
            pending
                .into_iter()
                .map(|m| step(input, m, Direction::Up))
                .collect()
        }
        Direction::Down => {
            // Repeatables are never reverted (as in Flyway): they have no undo.
            let mut applied: Vec<&AppliedRow> = input
                .applied
                .iter()
                .filter(|r| r.set == set.name && !r.version.is_repeatable())
                .collect();
            applied.sort_by(|a, b| b.version.cmp(&a.version));
            match &input.limit {
                // `--to 0` is documented as "revert all": a set numbered from `000_`
                // must not keep its first migration.
                Limit::All => {}
                Limit::To(v) if v.is_zero() => {}
                Limit::To(v) => applied.retain(|r| &r.version > v),
                Limit::Steps(n) => applied.truncate(*n),
            }
            applied
                .into_iter()
                .map(|row| {
                    let migration =
                        set.migration(&row.version)
                            .ok_or_else(|| EngineError::FilesGone {
                                migration: format!("{}/{:0>3}_{}", set.name, row.version, row.name),
                                set: set.name.clone(),
                            })?;
                    step(input, migration, Direction::Down)
                })
                .collect()
        }
    }
}

/// Pending migrations older than the newest applied (versioned) one of `set`, as the
/// refusal `up` gives; Flyway's repeatables are never out of order.
pub fn out_of_order(
    set: &MigrationSet,
    pending: &[&Migration],
    applied: &[AppliedRow],
) -> Option<EngineError> {
    let latest = applied
        .iter()
        .filter(|r| r.set == set.name && !r.version.is_repeatable())
        .max_by(|a, b| a.version.cmp(&b.version))?;
    let older: Vec<String> = pending
        .iter()
        .filter(|m| !m.version.is_repeatable() && m.version < latest.version)
        .map(|m| format!("{}_{}", m.version_text, m.name))
        .collect();
    (!older.is_empty()).then(|| EngineError::OutOfOrder {
        set: set.name.clone(),
        pending: older,
        latest: set
            .migration(&latest.version)
            .map(|m| format!("{}_{}", m.version_text, m.name))
            .unwrap_or_else(|| format!("{:0>3}_{}", latest.version, latest.name)),
    })
}

pub(super) fn step(
    input: &PlanInput,
    migration: &Migration,
    direction: Direction,
) -> Result<PlannedStep, EngineError> {
    let scripts = match direction {
        Direction::Up => &migration.up,
        Direction::Down => &migration.down,
    };
    let script = scripts
        .for_dialect(input.dialect)
        .ok_or_else(|| match direction {
            Direction::Up => EngineError::NoUpScript {
                migration: migration.id(),
                dialect: input.dialect,
            },
            Direction::Down => EngineError::NoDownScript {
                migration: migration.id(),
                dialect: (!migration.down.is_empty()).then_some(input.dialect),
            },
        })?;
    let statements = script
        .statements(input.dialect)
        .map_err(|e| EngineError::BadFile(e.at(&script.path.display().to_string())))?;
    // An empty down would delete the row and leave the schema: the next up then fails.
    if direction == Direction::Down && !migration.reversible(input.dialect) {
        return Err(EngineError::EmptyDown {
            migration: migration.id(),
            file: file_name(&script.path),
        });
    }
    let outside_transaction = if !input.transactional_ddl {
        None
    } else if script.no_transaction {
        Some("the file asks for no transaction".to_owned())
    } else {
        statements.iter().find_map(|statement| {
            let keywords = needs_autocommit(&statement.sql, input.dialect)?;
            Some(format!(
                "{keywords} at line {} cannot run inside a transaction block",
                statement.line
            ))
        })
    };
    Ok(PlannedStep {
        migration: migration.id(),
        set: migration.set.clone(),
        version: migration.version.clone(),
        version_text: migration.version_text.clone(),
        name: migration.name.clone(),
        direction,
        path: script.path.clone(),
        // The row records the up script's checksum whichever way we go: drift is about it.
        checksum: migration
            .up
            .for_dialect(input.dialect)
            .map(|s| s.checksum.clone())
            .unwrap_or_default(),
        statements,
        transactional: input.transactional_ddl && outside_transaction.is_none(),
        outside_transaction,
        findings: match direction {
            Direction::Up => lint::lint_script(script, input.dialect),
            Direction::Down => Vec::new(),
        },
    })
}

/// What a plan points out about a step without refusing it: an up with no statements
/// (applying it records the migration and changes nothing), and, on the way up, a down that
/// is empty (the migration will be irreversible).
pub fn step_warnings(set: &MigrationSet, step: &PlannedStep, dialect: Dialect) -> Vec<String> {
    let Some(migration) = set.migration(&step.version) else {
        return Vec::new();
    };
    if step.direction != Direction::Up {
        return Vec::new();
    }
    [
        (
            &migration.up,
            format!(
                "has no statements (it is empty or only comments): up would record the migration as applied and change nothing. Write its statements, or add the line `{EMPTY_DIRECTIVE}` if that is the point"
            ),
        ),
        (
            &migration.down,
            format!(
                "has no statements, so down will refuse the migration as irreversible. Write the revert, or add the line `{EMPTY_DIRECTIVE}` if there is nothing to undo"
            ),
        ),
    ]
    .into_iter()
    .filter_map(|(scripts, what)| {
        let script = scripts.for_dialect(dialect)?;
        script
            .blank_by_mistake(dialect)
            .then(|| format!("{}: {} {what}", migration.id(), file_name(&script.path)))
    })
    .collect()
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The SQL a run would send for `steps`, bookkeeping included, as one readable script.
pub fn render_sql(
    bookkeeping: &Bookkeeping,
    steps: &[PlannedStep],
    needs_tables: bool,
    applied_by: &str,
) -> String {
    let mut out = String::new();
    if needs_tables && !steps.is_empty() {
        out.push_str("-- bookkeeping tables, created if missing\n");
        for sql in bookkeeping.create_tables() {
            out.push_str(&sql);
            out.push_str(";\n");
        }
        out.push('\n');
    }
    for step in steps {
        for finding in &step.findings {
            out.push_str(&format!(
                "-- lint: line {}: {}\n",
                finding.line,
                finding.summary()
            ));
        }
        out.push_str(&format!(
            "-- {} {} ({}, {} statement{}{})\n",
            step.direction,
            step.migration,
            step.file_label(),
            step.statements.len(),
            if step.statements.len() == 1 { "" } else { "s" },
            match (&step.outside_transaction, step.transactional) {
                (_, true) => String::new(),
                (Some(why), false) => format!(", no transaction: {why}"),
                (None, false) => ", no transaction".to_owned(),
            }
        ));
        let row = step.row_values(applied_by, None);
        let mut line = |sql: &str| {
            out.push_str(sql);
            out.push_str(";\n");
        };
        if step.transactional {
            line(bookkeeping.begin());
        }
        if step.replaces_row() {
            line(&bookkeeping.delete_row(&step.set, &step.version));
        }
        if !step.transactional {
            match step.direction {
                Direction::Up => line(&bookkeeping.record_running(&row)),
                Direction::Down => line(&bookkeeping.record_reverting(
                    &step.set,
                    &step.version,
                    step.statements.len(),
                )),
            }
        }
        let closing = match (step.direction, step.transactional) {
            (Direction::Up, true) => bookkeeping.record_applied(&row),
            (Direction::Up, false) => bookkeeping.record_finished(&row),
            (Direction::Down, _) => bookkeeping.delete_row(&step.set, &step.version),
        };
        let with_progress = step.commits_with_progress(bookkeeping.dialect);
        let closes_with_last = step.closes_with_last_statement(bookkeeping.dialect);
        let total = step.statements.len();
        for (i, statement) in step.statements.iter().enumerate() {
            if with_progress[i] {
                line(bookkeeping.begin());
                line(&statement.sql);
                if closes_with_last && i + 1 == total {
                    line(&closing);
                } else {
                    line(&bookkeeping.record_progress(&step.set, &step.version, i + 1));
                }
                line("COMMIT");
                continue;
            }
            line(&statement.sql);
            // As the run: the closing row counts the last statement.
            if !step.transactional && i + 1 < total {
                line(&bookkeeping.record_progress(&step.set, &step.version, i + 1));
            }
        }
        if !closes_with_last {
            line(&closing);
        }
        if step.transactional {
            line("COMMIT");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Statement;

    fn mysql_step(statements: &[&str]) -> PlannedStep {
        PlannedStep {
            migration: "app/0002_seed".into(),
            set: "app".into(),
            version: Version::parse("2").expect("version"),
            version_text: "0002".into(),
            name: "seed".into(),
            direction: Direction::Up,
            path: PathBuf::from("migrations/app/0002_seed.up.sql"),
            checksum: "c".into(),
            statements: statements
                .iter()
                .enumerate()
                .map(|(i, sql)| Statement {
                    sql: (*sql).to_owned(),
                    line: i + 1,
                })
                .collect(),
            transactional: false,
            outside_transaction: None,
            findings: Vec::new(),
        }
    }

    /// On MySQL a file ending in a row change commits that change with its closing row
    /// (one commit for the step), and the preview shows it so; a file ending in DDL
    /// closes after it, in a commit of its own.
    #[test]
    fn a_last_row_change_commits_with_the_closing_row_on_mysql() {
        let book = Bookkeeping::new(Dialect::Mysql, "schema_migrations", "lock");
        let seed = mysql_step(&["CREATE TABLE t (a INT)", "INSERT INTO t VALUES (1)"]);
        assert!(seed.closes_with_last_statement(Dialect::Mysql));
        assert!(!seed.closes_with_last_statement(Dialect::Postgres));
        let sql = render_sql(&book, &[seed], false, "ops@host");
        let insert = sql.find("INSERT INTO t VALUES (1)").expect("insert");
        let closing = sql.find("SET status = 'applied'").expect("closing");
        let commit = sql[insert..].find("COMMIT").map(|at| at + insert);
        assert!(insert < closing && Some(closing) < commit, "{sql}");
        assert_eq!(sql.matches("SET status = 'applied'").count(), 1, "{sql}");

        let ddl_last = mysql_step(&["INSERT INTO t VALUES (1)", "CREATE INDEX t_a ON t (a)"]);
        assert!(!ddl_last.closes_with_last_statement(Dialect::Mysql));
        let sql = render_sql(&book, &[ddl_last], false, "ops@host");
        let index = sql.find("CREATE INDEX").expect("index");
        assert!(sql[index..].contains("SET status = 'applied'"), "{sql}");
        assert!(!sql[index..].contains("COMMIT"), "{sql}");
    }

    /// Only a file of DDL on tables and indexes skips the look at the session after it.
    #[test]
    fn the_session_is_looked_at_unless_the_file_cannot_change_it() {
        let ddl = mysql_step(&["CREATE TABLE t (a INT)", "CREATE INDEX t_a ON t (a)"]);
        assert!(!ddl.may_change_session(Dialect::Mysql));
        assert!(ddl.may_change_session(Dialect::Postgres));
        let with_insert = mysql_step(&["CREATE TABLE t (a INT)", "INSERT INTO t VALUES (1)"]);
        assert!(with_insert.may_change_session(Dialect::Mysql));
        let with_use = mysql_step(&["USE other", "CREATE TABLE t (a INT)"]);
        assert!(with_use.may_change_session(Dialect::Mysql));
        assert!(!with_insert.may_change_session(Dialect::Sqlite));
        let with_pragma = mysql_step(&["PRAGMA legacy_alter_table = 1", "CREATE TABLE t (a)"]);
        assert!(with_pragma.may_change_session(Dialect::Sqlite));
    }
}
