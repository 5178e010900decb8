//! dbfleet's two fronts over the engine crate `dbfleet_core`: the CLI (`cli`) and the
//! console (`console`), both consumers of the engine's typed event stream.

pub mod cli;
pub mod console;
pub mod signals;
