//! The engine: plans and runs migrations across the fleet and reports through typed
//! events. It knows nothing of terminals; the CLI and the console both drive it.
//!
//! - `selection`: which databases and which set
//! - `plan`: the steps and their exact SQL
//! - `prepare`: one database readied and decided, alike for a run and a dry run
//! - `runner`: databases as tokio tasks, bounded, in `depends_on` order; `context`, what
//!   each stage of a database's run reads
//! - `dryrun`: the plan of each database, read-only
//! - `apply`: one step's statements and bookkeeping row
//! - `lock`: taking the per-database migration lock
//! - `status`: read-only inspection; `matrix`, a shared set across its databases
//! - `everything`: every pending set of each database, one run per set in a fixed order
//! - `admin`: unlock and resolve, the explicit repairs
//! - `adopt`: taking a database over from another tool (`adopt`) or a baseline, unrun
//! - `backups`: the backups listed, pruned by retention, and restored
//! - `error`: why a database is refused or fails, typed (`EngineError`)
//! - `events`, `sink` and `journal`: what a run reports, where it goes, and what it
//!   leaves behind

pub mod admin;
pub mod adopt;
pub mod apply;
pub mod backups;
pub mod context;
pub mod demo;
pub mod dryrun;
pub mod elsewhere;
pub mod error;
pub mod events;
pub mod everything;
pub mod guard;
pub mod identity;
pub mod journal;
pub mod lock;
pub mod matrix;
pub mod plan;
pub mod prepare;
pub mod resume;
pub mod runner;
pub mod selection;
pub mod sink;
pub mod status;
pub mod validate;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

pub use error::EngineError;
pub use events::{Direction, Outcome, PendingSet, RunEvent};
pub use identity::Identity;
pub use plan::Limit;
pub use selection::{Selection, SelectionError, SelectionRequest, WhenUnspecified};
pub use sink::EventSink;

use crate::catalog::{Catalog, CatalogError};
use crate::config::{Config, ConfigError, Target};
use crate::dialect::Dialect;
use crate::driver::{self, Access, Bookkeeping, DriverResult, Session};

/// Everything a command needs: the config, the migrations on disk, and who is running.
#[derive(Debug, Clone)]
pub struct Fleet {
    pub config: Config,
    pub catalog: Catalog,
    pub identity: Identity,
}

#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

impl Fleet {
    pub fn load(config_path: &Path) -> Result<Fleet, FleetError> {
        let config = Config::load(config_path)?;
        Fleet::from_config(config)
    }

    pub fn from_config(config: Config) -> Result<Fleet, FleetError> {
        let catalog = Catalog::load(&config)?;
        Ok(Fleet {
            config,
            catalog,
            identity: Identity::current(),
        })
    }

    /// The same config and identity with the migrations folder read again: files added or
    /// edited since the fleet was loaded (a long-lived console) are seen.
    pub fn with_fresh_catalog(&self) -> Result<Fleet, FleetError> {
        Ok(Fleet {
            config: self.config.clone(),
            catalog: Catalog::load(&self.config)?,
            identity: self.identity.clone(),
        })
    }

    pub fn bookkeeping(&self, dialect: Dialect) -> Bookkeeping {
        Bookkeeping::new(
            dialect,
            &self.config.migrator.migrations_table,
            &self.config.migrator.lock_table,
        )
    }

    pub fn stale_lock_after(&self) -> Duration {
        Duration::from_secs(self.config.migrator.stale_lock_secs)
    }

    pub async fn open(&self, target: &Target, access: Access) -> DriverResult<Box<dyn Session>> {
        let timeouts = driver::Timeouts {
            connect: Duration::from_secs(self.config.migrator.connect_timeout_secs),
            statement_secs: self.config.migrator.statement_timeout_secs,
        };
        driver::connect(target, self.bookkeeping(target.driver), access, timeouts)
            .await
            .map_err(|mut e| {
                e.message = target.scrub(&e.message);
                e
            })
    }

    /// The selected databases whose config entry is broken, with why. Commands that change
    /// databases refuse to start while any is, so a typo never half-runs a rollout.
    pub fn misconfigured(&self, selection: &Selection) -> Vec<String> {
        selection
            .databases
            .iter()
            .filter_map(|db| match self.config.database(db).map(|e| &e.target) {
                Some(Err(e)) => Some(e.to_string()),
                _ => None,
            })
            .collect()
    }

    /// One semaphore of `per_server` slots for each server `databases` live on (SQLite
    /// files have none): a fleet of hundreds of databases on one host never opens hundreds
    /// of connections to it at once.
    pub fn server_slots(
        &self,
        databases: &[String],
        per_server: usize,
    ) -> HashMap<String, Arc<Semaphore>> {
        let mut slots = HashMap::new();
        for db in databases {
            if let Some(key) = self
                .config
                .database(db)
                .and_then(|e| e.target.as_ref().ok())
                .and_then(Target::server_key)
            {
                slots
                    .entry(key)
                    .or_insert_with(|| Arc::new(Semaphore::new(per_server)));
            }
        }
        slots
    }

    pub fn select(
        &self,
        request: &SelectionRequest,
        when_unspecified: WhenUnspecified,
    ) -> Result<Selection, SelectionError> {
        selection::resolve(&self.config, &self.catalog, request, when_unspecified)
    }
}
