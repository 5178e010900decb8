//! `dbfleet validate`: everything that can be checked without a connection, in one pass
//! for CI: the config's entries and their dependencies, every migration set's files (names,
//! versions, the splitter, transaction control) for each engine that runs them, and the
//! warnings a run would print, lint findings of severity error among them. Nothing here
//! opens a database.

use serde::Serialize;

use super::Fleet;
use crate::catalog::MigrationSet;
use crate::config::LintRefuse;
use crate::dialect::Dialect;
use crate::lint::{self, Severity};

#[derive(Debug, Clone, Default, Serialize)]
pub struct Validation {
    pub databases: usize,
    pub sets: usize,
    pub migrations: usize,
    /// What stops a run: a broken entry, a set that will be refused.
    pub problems: Vec<Finding>,
    /// What a run would print and go on.
    pub warnings: Vec<Finding>,
    /// Files knowingly left unread (another engine's variants): nothing to fix.
    pub notes: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `database user_service`, `set cross_service (postgres)`, `migrations folder`.
    pub subject: String,
    pub message: String,
}

impl Validation {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

pub fn validate(fleet: &Fleet) -> Validation {
    let config = &fleet.config;
    let catalog = &fleet.catalog;
    let mut out = Validation {
        databases: config.databases.len(),
        sets: catalog.sets.len(),
        migrations: catalog.sets.iter().map(|s| s.migrations.len()).sum(),
        ..Validation::default()
    };
    let finding = |subject: String, message: &str| Finding {
        subject,
        message: message.to_owned(),
    };
    for entry in &config.databases {
        if let Err(e) = &entry.target {
            out.problems
                .push(finding(format!("database {}", entry.name), &e.0));
        }
    }
    if let Some(problem) = &config.default_database_problem {
        out.problems
            .push(finding("migrator.default_database".to_owned(), problem));
    }
    for message in lint::unknown_allowed(&config.migrator.lint_allow) {
        out.warnings
            .push(finding("migrator.lint_allow".to_owned(), &message));
    }
    for warning in &catalog.warnings {
        out.warnings
            .push(finding("migrations folder".to_owned(), warning));
    }
    for set in &catalog.sets {
        for problem in &set.problems {
            out.problems
                .push(finding(format!("set {}", set.name), problem));
        }
        // A file only one engine cannot run matters where a database of that engine
        // uses the set.
        for (dialect, problems) in &set.dialect_problems {
            if engines_using(fleet, &set.name).contains(dialect) {
                for problem in problems {
                    out.problems
                        .push(finding(format!("set {} ({dialect})", set.name), problem));
                }
            }
        }
        for warning in &set.warnings {
            out.warnings
                .push(finding(format!("set {}", set.name), warning));
        }
        for note in &set.notes {
            out.notes.push(finding(format!("set {}", set.name), note));
        }
        lint_findings(fleet, set, &mut out);
        if set.is_shared() && !set.declares_targets() {
            out.warnings.push(finding(
                format!("set {}", set.name),
                "declares no targets (config `sets:` or set.yaml): it runs only where a command names the databases",
            ));
        }
    }
    out
}

/// The set's lint findings of severity error for each engine that runs it (what `dbfleet
/// lint` says, offline), as warnings: a run prints them and goes on. Offline, validate
/// cannot know which migrations a database has applied, so a finding `migrator.lint_refuse`
/// would refuse is still a warning, saying that the run refuses it where it is pending: an
/// old applied migration must not fail CI forever.
fn lint_findings(fleet: &Fleet, set: &MigrationSet, out: &mut Validation) {
    let settings = &fleet.config.migrator;
    let refuses = settings.lint_refuse.map(|level| match level {
        LintRefuse::Error => Severity::Error,
        LintRefuse::Warning => Severity::Warning,
    });
    for dialect in engines_using(fleet, &set.name) {
        let found = lint::without_allowed(lint::lint_set(set, dialect), &settings.lint_allow);
        for finding in found {
            let refused = refuses.is_some_and(|least| finding.severity >= least);
            if finding.severity < Severity::Error && !refused {
                continue;
            }
            let finding = finding.relative_to(&fleet.config.base_dir);
            out.warnings.push(Finding {
                subject: format!("set {} ({dialect})", set.name),
                message: format!(
                    "lint {}{}",
                    finding.located(),
                    if refused {
                        " — migrator.lint_refuse refuses a run that has this migration pending"
                    } else {
                        ""
                    }
                ),
            });
        }
    }
}

/// The engines of the configured databases a set applies to.
fn engines_using(fleet: &Fleet, set: &str) -> Vec<Dialect> {
    let mut engines = Vec::new();
    for entry in &fleet.config.databases {
        let Ok(target) = &entry.target else { continue };
        let uses = fleet
            .catalog
            .sets_for(&entry.name)
            .iter()
            .any(|s| s.name == set)
            || fleet
                .catalog
                .set(set)
                .is_some_and(|s| !s.declares_targets());
        if uses && !engines.contains(&target.driver) {
            engines.push(target.driver);
        }
    }
    engines
}
