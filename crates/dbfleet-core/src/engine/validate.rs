//! `dbfleet validate`: everything that can be checked without a connection, in one pass
//! for CI: the config's entries and their dependencies, every migration set's files (names,
//! versions, the splitter, transaction control) for each engine that runs them, and the
//! warnings a run would print. Nothing here opens a database.

use serde::Serialize;

use super::Fleet;
use crate::dialect::Dialect;

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
        if set.is_shared() && !set.declares_targets() {
            out.warnings.push(finding(
                format!("set {}", set.name),
                "declares no targets (config `sets:` or set.yaml): it runs only where a command names the databases",
            ));
        }
    }
    out
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
