//! dbfleet's engine: the config, the migrations on disk, one driver per dialect over
//! sqlx, and the planner and runner that move a fleet of databases. It knows nothing of
//! terminals — this crate does not depend on any — so the CLI, the console and any other
//! program (an operator, a CI plugin) drive it through the same typed events and errors.
//!
//! The staircase, each layer importing only those below it:
//! `engine` → `driver` → `catalog` → `config`, with `dialect`, `format`, `human` and `suggest`
//! shared by all; `lint` reads the catalog for the engine and knows nothing of databases.

pub mod catalog;
pub mod config;
pub mod dialect;
pub mod driver;
pub mod engine;
pub mod format;
pub mod human;
pub mod lint;
pub mod suggest;

#[cfg(test)]
mod layering_tests;
