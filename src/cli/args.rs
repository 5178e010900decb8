//! The command line, as clap derives it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use dbfleet_core::catalog::Version;
use dbfleet_core::engine::SelectionRequest;
use dbfleet_core::engine::selection::Shard;

#[derive(Debug, Parser)]
#[command(
    name = "dbfleet",
    version = env!("DBFLEET_VERSION"),
    about = "Migrate a fleet of databases together, and see the whole fleet's migration state at a glance",
    after_help = "Without a command, dbfleet opens the console on a terminal and prints the fleet's status otherwise.\nExit codes: 0 ok · 1 a database failed, was refused or blocked · 2 usage or config error · 3 status --check found problems · 130 interrupted"
)]
pub struct Cli {
    /// The config file [default: config.yaml].
    #[arg(long, short = 'c', global = true, env = "DBFLEET_CONFIG")]
    pub config: Option<PathBuf>,

    /// One database by URL instead of a config file (postgres://, mysql://, sqlite:),
    /// its migrations the files directly in --source; `$DATABASE_URL` stands in when there
    /// is neither this nor a config file.
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,

    /// With --url or DATABASE_URL: the folder of the database's migrations.
    #[arg(long, global = true, value_name = "DIR", default_value = "migrations")]
    pub source: PathBuf,

    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    pub fn config_path(&self) -> PathBuf {
        self.config
            .clone()
            .unwrap_or_else(|| PathBuf::from(dbfleet_core::config::DEFAULT_CONFIG_FILE))
    }

    /// The URL a fleet of one is built from: `--url`, else `DATABASE_URL` where no config
    /// was named and none is at the default path (a project with a config.yaml never has it
    /// replaced by a variable its shell happens to export).
    pub fn one_url(&self) -> Option<String> {
        if let Some(url) = &self.url {
            return Some(url.clone());
        }
        if self.config.is_some() || self.config_path().exists() {
            return None;
        }
        std::env::var("DATABASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations.
    Up(RunArgs),
    /// Revert applied migrations (one step unless --steps or --to says otherwise).
    Down(RunArgs),
    /// Show what up (or down, with --down) would run, with its exact SQL; changes nothing.
    Plan(PlanArgs),
    /// Applied and pending migrations, locks, dirty state and drift of each database.
    Status(StatusArgs),
    /// Create an empty pair of migration files with the next version.
    Create(CreateArgs),
    /// Clear a database's stale migration lock.
    Unlock(UnlockArgs),
    /// Settle a dirty database: mark its half-done step as applied or as rolled back.
    Resolve(ResolveArgs),
    /// Take databases over from another migration tool: record what its table says it
    /// applied (golang-migrate, sqlx, goose, dbmate, Flyway, pop, Atlas) as applied, without
    /// running anything. A dry run unless --apply.
    Adopt(AdoptArgs),
    /// Mark every migration up to --to as applied without running it, for a database that
    /// predates any migration tool. A dry run unless --apply.
    Baseline(BaselineArgs),
    /// A shared set across the databases it targets, migration by migration (every shared
    /// set, or --directory SET): which databases lack which migration.
    Matrix(MatrixArgs),
    /// Past runs, unlocks and resolves, from the journal: who, when, what, how it ended.
    History(HistoryArgs),
    /// Open the console (what `dbfleet` alone does on a terminal).
    Console,
    /// The backups runs took: database, when, which run, size; newest first.
    Backups(BackupsArgs),
    /// Put a database back as a backup holds it (a dry run unless --apply).
    Restore(RestoreArgs),
    /// The demo fleet's teaching scenarios (only where the config says `environment: demo`
    /// and every database is SQLite).
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Check the config and every migration set offline (no connection): exit 0 clean,
    /// 1 when a run would refuse something, 2 when the config does not load.
    Validate,
    /// What the migrations will do to a live database, offline: destructive, locking and
    /// backward-incompatible statements, per set and dialect. Exit 0, 1 when a finding
    /// reaches --fail-on, 2 when the config does not load.
    Lint(LintArgs),
    /// Print a shell completion script: `dbfleet completions bash > /etc/bash_completion.d/dbfleet`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `dbfleet man > dbfleet.1`.
    Man,
}

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Recreate every database in a teaching state: some migrated, some pending, one
    /// missing a cross_service step, one with a stale lock, one dirty.
    Reset,
}

#[derive(Debug, Clone, Args, Default)]
pub struct SelectionArgs {
    /// One database (repeatable).
    #[arg(short = 'd', long = "database")]
    pub database: Vec<String>,
    /// A comma-separated list of databases.
    #[arg(long)]
    pub databases: Vec<String>,
    /// Glob patterns over database names, e.g. '*_service' (repeatable, or comma-separated).
    #[arg(long)]
    pub patterns: Vec<String>,
    /// Every configured database.
    #[arg(long)]
    pub all: bool,
    /// A migration set (folder under migrations/) to run instead of each database's own,
    /// e.g. cross_service.
    #[arg(long)]
    pub directory: Option<String>,
    /// Only this job's share of the selection, for a CI matrix of N jobs: I/N (1-based). Each
    /// database belongs to exactly one job, by a hash of its name.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
}

impl SelectionArgs {
    pub fn request(&self) -> SelectionRequest {
        let mut databases = self.database.clone();
        databases.extend(self.databases.iter().cloned());
        SelectionRequest {
            databases,
            patterns: self.patterns.clone(),
            all: self.all,
            directory: self.directory.clone(),
            shard: self.shard,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// up: apply through this version; down: revert every version above it (0 = all).
    #[arg(long, conflicts_with = "steps")]
    pub to: Option<Version>,
    /// How many steps at most.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Show the plan and its SQL; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Skip the auto_backup copy for this run.
    #[arg(long)]
    pub no_backup: bool,
    /// Run even though an applied migration's file changed since.
    #[arg(long)]
    pub allow_drift: bool,
    /// Apply pending migrations older than the newest applied one of their set (a branch
    /// merged late) instead of refusing them.
    #[arg(long)]
    pub allow_out_of_order: bool,
    /// PostgreSQL and SQLite: apply consecutive migrations that run in a transaction in
    /// one, all or none of them (default: migrator.group); ignored on MySQL.
    #[arg(long)]
    pub group: bool,
    /// Print every statement as it starts (plain output).
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Run these databases first (comma-separated names, or a number: the first N of the
    /// selection) and start the others only if every one of them went well.
    #[arg(long, value_name = "NAMES|N")]
    pub canary: Option<String>,
    /// Start no more databases once K have failed or been refused (default:
    /// migrator.max_failures, else no limit); those never started are reported.
    #[arg(long, value_name = "K", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_failures: Option<usize>,
    /// Confirm a guarded run (production or `protect:`: a down, or an up over several
    /// databases) without a terminal to type the count on, as in CI.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Plan a down instead of an up.
    #[arg(long)]
    pub down: bool,
    /// up: through this version; down: revert every version above it (0 = all).
    #[arg(long, conflicts_with = "steps")]
    pub to: Option<Version>,
    /// How many steps at most.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Plan even though an applied migration's file changed since.
    #[arg(long)]
    pub allow_drift: bool,
    /// Plan pending migrations older than the newest applied one of their set.
    #[arg(long)]
    pub allow_out_of_order: bool,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Exit 3 when anything is pending, dirty, drifted, locked, misconfigured or unreachable.
    #[arg(long)]
    pub check: bool,
    /// Only the summary table, not every migration.
    #[arg(long, short = 's')]
    pub short: bool,
}

#[derive(Debug, Clone, Args)]
pub struct MatrixArgs {
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// What a row is. Default: a migration per row while a column per database fits the
    /// terminal, else a database per row.
    #[arg(long, value_enum)]
    pub rows: Option<MatrixRows>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatrixRows {
    Migrations,
    Databases,
}

#[derive(Debug, Clone, Args)]
pub struct CreateArgs {
    /// The migration's name: letters, digits and `_`.
    pub name: String,
    /// The set (folder under migrations/) to create it in.
    #[arg(long)]
    pub directory: Option<String>,
    /// The database whose own set gets it (default: migrator.default_database).
    #[arg(short = 'd', long = "database")]
    pub database: Option<String>,
    /// Version the files with a UTC timestamp instead of the next number.
    #[arg(long)]
    pub timestamp: bool,
}

#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    /// Only entries that touched this database.
    #[arg(short = 'd', long = "database")]
    pub database: Option<String>,
    /// How many of the latest entries.
    #[arg(short = 'n', long, default_value_t = 20)]
    pub last: usize,
}

#[derive(Debug, Clone, Args)]
pub struct UnlockArgs {
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Clear the lock even if its holder still looks alive.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("resolution").args(["show", "resume", "applied", "rolled_back", "accept_drift"])))]
pub struct ResolveArgs {
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Show the half-done step: each statement done or not, with its SQL, and the choices
    /// (what `resolve` without a choice does).
    #[arg(long)]
    pub show: bool,
    /// Run the statements that did not run (the file must be unchanged), then record the
    /// step as applied.
    #[arg(long)]
    pub resume: bool,
    /// The half-done step's changes are all there: record it as applied.
    #[arg(long)]
    pub applied: bool,
    /// None of its changes are there (undone by hand): forget it, so it runs again.
    #[arg(long)]
    pub rolled_back: bool,
    /// Applied files were edited on purpose: record their checksums as they are now.
    #[arg(long)]
    pub accept_drift: bool,
    /// Confirm, without a terminal to type the database's name on, a choice that leaves
    /// the schema unlike the record (marking a half-done step applied or rolled back).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Clone, Args)]
pub struct AdoptArgs {
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Record for real (without it: show what would be recorded, change nothing).
    #[arg(long)]
    pub apply: bool,
}

#[derive(Debug, Clone, Args)]
pub struct BaselineArgs {
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// The last version already in the database: it and every version before it are
    /// recorded as applied.
    #[arg(long)]
    pub to: Version,
    /// Record for real (without it: show what would be recorded, change nothing).
    #[arg(long)]
    pub apply: bool,
}

#[derive(Debug, Clone, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// The least severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
}

#[derive(Debug, Clone, Args)]
pub struct BackupsArgs {
    #[command(flatten)]
    pub selection: SelectionArgs,
}

#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// The database to restore.
    #[arg(short = 'd', long = "database")]
    pub database: String,
    /// The backup file to restore (default: the database's newest backup).
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Restore for real (without it, only say what would be done).
    #[arg(long)]
    pub apply: bool,
    /// Confirm without a terminal to type the database's name on, as in CI.
    #[arg(long, short = 'y')]
    pub yes: bool,
}
