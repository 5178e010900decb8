//! A shared set across the databases it targets, migration by migration: which databases
//! lack `distributed_locks`? Built from `status` reads, so it is as read-only as they are.

use serde::Serialize;

use super::status::{DatabaseStatus, MigrationState};
use crate::catalog::MigrationSet;

/// How one migration stands on one database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    Applied,
    /// Applied, and its file changed since.
    Drift,
    Pending,
    /// Started and not finished, failed half-way, or a down not finished.
    Dirty,
    /// Being applied or reverted right now by the run holding the lock.
    Running,
    /// Recorded as applied, its files gone from disk.
    Missing,
    /// The database could not be read (or its entry is broken): nothing is known.
    Unknown,
}

impl Cell {
    fn of(state: MigrationState, checksum_ok: Option<bool>) -> Cell {
        match state {
            MigrationState::Applied if checksum_ok == Some(false) => Cell::Drift,
            MigrationState::Applied => Cell::Applied,
            MigrationState::Pending => Cell::Pending,
            MigrationState::Running | MigrationState::Failed | MigrationState::Reverting => {
                Cell::Dirty
            }
            MigrationState::Missing => Cell::Missing,
            MigrationState::InProgress => Cell::Running,
        }
    }

    /// Counted as there: applied, even if its file changed since.
    pub fn is_applied(self) -> bool {
        matches!(self, Cell::Applied | Cell::Drift)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MatrixMigration {
    /// `001_distributed_locks`: the file's name without its set or suffix.
    pub id: String,
    /// As the file name writes it.
    pub version: String,
    /// Databases where it is applied, of the `databases` read.
    pub applied: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatrixDatabase {
    pub name: String,
    /// Why nothing is known of it, when it could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// One per migration, in the order of `migrations`.
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Matrix {
    pub set: String,
    pub migrations: Vec<MatrixMigration>,
    pub databases: Vec<MatrixDatabase>,
}

impl Matrix {
    /// `statuses`: the databases the set targets, read with the set as `only_set`.
    pub fn build(set: &MigrationSet, statuses: &[DatabaseStatus]) -> Matrix {
        let databases: Vec<MatrixDatabase> = statuses
            .iter()
            .map(|status| {
                let error = status.error.as_ref().map(ToString::to_string);
                let read = status.sets.iter().find(|s| s.set == set.name);
                let cells = set
                    .migrations
                    .iter()
                    .map(|migration| match (&error, read) {
                        (Some(_), _) => Cell::Unknown,
                        (None, None) => Cell::Pending,
                        (None, Some(read)) => read
                            .migrations
                            .iter()
                            .find(|m| m.version == migration.version)
                            .map_or(Cell::Pending, |m| Cell::of(m.state, m.checksum_ok)),
                    })
                    .collect();
                MatrixDatabase {
                    name: status.name.clone(),
                    error,
                    cells,
                }
            })
            .collect();
        let migrations = set
            .migrations
            .iter()
            .enumerate()
            .map(|(i, migration)| MatrixMigration {
                id: format!("{}_{}", migration.version_text, migration.name),
                version: migration.version_text.clone(),
                applied: databases
                    .iter()
                    .filter(|db| db.cells.get(i).is_some_and(|c| c.is_applied()))
                    .count(),
            })
            .collect();
        Matrix {
            set: set.name.clone(),
            migrations,
            databases,
        }
    }
}
