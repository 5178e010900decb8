//! Operator errors as color-eyre reports: what stopped the command, the causes beneath it
//! (`1: Permission denied (os error 13)`), and what to do next (`Suggestion:`), each with
//! the exit code the README documents. The engine's errors keep their own words; the
//! suggestions are the CLI's, added here at the edge.
//!
//! A command that did its job returns its exit code instead (`Ok`): a database that
//! failed or was refused is an outcome the run reports itself, not an operator error.

use std::io::{IsTerminal, Write};

use color_eyre::Section;
use color_eyre::config::{HookBuilder, Theme};
use color_eyre::eyre::{Report, eyre};

use super::exit;
use dbfleet_core::catalog::{CatalogError, CreateError};
use dbfleet_core::config::ConfigError;
use dbfleet_core::engine::runner::RunError;
use dbfleet_core::engine::{FleetError, SelectionError};

/// What a command ends with: the exit code of a command that did its job (0; 1 when a
/// database failed or was refused; 3 when `status --check` found something; 130 when
/// interrupted), or the operator error that stopped it.
pub type Done = Result<u8, Failure>;

/// An operator error: the report to print and the exit code it ends with.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub report: Report,
}

impl Failure {
    /// A usage or configuration error: nothing was touched (exit 2).
    pub fn usage(report: impl Into<Report>) -> Failure {
        Failure::new(exit::USAGE, report)
    }

    /// A command that started and could not finish (exit 1).
    pub fn failed(report: impl Into<Report>) -> Failure {
        Failure::new(exit::RUN_FAILED, report)
    }

    /// An operator error is no bug: never a backtrace, even under RUST_BACKTRACE=1.
    fn new(code: u8, report: impl Into<Report>) -> Failure {
        Failure {
            code,
            report: report.into().suppress_backtrace(true),
        }
    }

    /// Selected databases whose config entries are broken: commands that change databases
    /// refuse to start, so a typo never half-runs a rollout.
    pub fn misconfigured(broken: &[String]) -> Failure {
        Failure::usage(
            eyre!(
                "{} selected database(s) misconfigured; nothing was run:\n  {}",
                broken.len(),
                broken.join("\n  ")
            )
            .suggestion(
                "fix these entries in the config, or leave their databases out of the selection; `dbfleet status` shows the rest of the fleet",
            ),
        )
    }

    /// Prints the report on stderr (a closed stderr is no reason to panic); the exit code.
    pub fn print(&self) -> u8 {
        let _ = writeln!(std::io::stderr(), "error:{:?}", self.report);
        self.code
    }
}

/// Panics keep color-eyre's full report. Operator errors are reports without a backtrace
/// or the hint how to get one, coloured only on a terminal and without NO_COLOR, as the
/// log lines are.
pub fn install() {
    if let Ok((panic_hook, _)) = HookBuilder::default().try_into_hooks() {
        panic_hook.install();
    }
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let theme = if colour { Theme::dark() } else { Theme::new() };
    let builder = HookBuilder::blank().theme(theme).display_env_section(false);
    if let Ok((_, eyre_hook)) = builder.try_into_hooks() {
        let _ = eyre_hook.install();
    }
}

fn usage_with(report: Report, suggestion: Option<&str>) -> Failure {
    Failure::usage(match suggestion {
        Some(suggestion) => report.suggestion(suggestion.to_owned()),
        None => report,
    })
}

impl From<FleetError> for Failure {
    fn from(e: FleetError) -> Failure {
        let suggestion = match &e {
            FleetError::Config(ConfigError::Read { .. }) => {
                "check the path, or name the config with --config FILE (or DBFLEET_CONFIG)"
            }
            FleetError::Config(ConfigError::Empty { .. }) => {
                "list the fleet's databases under `databases:` (the demo config.yaml is a start)"
            }
            FleetError::Config(ConfigError::TooLarge { .. }) => {
                "check that --config (or DBFLEET_CONFIG) names the fleet's config file"
            }
            FleetError::Config(_) => {
                "fix the config where the error points, then run the command again"
            }
            FleetError::Catalog(CatalogError::MissingRoot { .. }) => {
                "migrator.migrations_dir is relative to the config file's folder"
            }
            FleetError::Catalog(CatalogError::Read { .. }) => {
                "check that this user may read the migrations folder"
            }
        };
        usage_with(Report::new(e), Some(suggestion))
    }
}

impl From<SelectionError> for Failure {
    fn from(e: SelectionError) -> Failure {
        let suggestion = match &e {
            SelectionError::EmptySelection { .. } | SelectionError::EmptyDirectory { .. } => {
                Some("a flag given empty is most often a script's variable that is not set")
            }
            SelectionError::UnknownDatabase { .. } => {
                Some("`dbfleet status --short` lists every configured database with its state")
            }
            SelectionError::NoMatch { .. } => Some(
                "quote the pattern (--patterns='*_service') so the shell cannot expand it; `dbfleet status --short` lists every configured database",
            ),
            SelectionError::BadPattern { .. } => Some(
                "patterns are globs: `*` any characters, `?` one, `[ab]` one of a set, `{a,b}` either",
            ),
            SelectionError::UnknownSet { .. } => Some(
                "a set is a folder under the migrations folder; `dbfleet create NAME --directory SET` starts one",
            ),
            SelectionError::NothingSelected => Some(
                "migrator.default_database in the config names the database up, down and plan act on by default",
            ),
            SelectionError::NotTargeted { .. } => {
                Some("without --directory, each database runs its own set")
            }
            // Their words already say what to do.
            SelectionError::UndeclaredTargets { .. } | SelectionError::BadDefault(_) => None,
        };
        usage_with(Report::new(e), suggestion)
    }
}

impl From<RunError> for Failure {
    fn from(e: RunError) -> Failure {
        usage_with(
            Report::new(e),
            Some("point migrator.journal in the config at a file this user may write"),
        )
    }
}

impl From<CreateError> for Failure {
    fn from(e: CreateError) -> Failure {
        let suggestion = match &e {
            CreateError::Io { .. } => Some("check that this user may write the migrations folder"),
            CreateError::Exists(_) => {
                Some("pick another name, or edit the migration that is there")
            }
            CreateError::BadName(_) | CreateError::Unsupported(_) => None,
        };
        usage_with(Report::new(e), suggestion)
    }
}
