//! dbfleet: migrate a fleet of databases together.
//!
//! The engine (`config`, `catalog`, `driver`, `engine`) knows nothing of terminals; the
//! CLI (`cli`) consumes its typed event stream.

pub mod catalog;
pub mod cli;
pub mod config;
pub mod console;
pub mod dialect;
pub mod driver;
pub mod engine;
pub mod human;
pub mod signals;
pub mod suggest;
