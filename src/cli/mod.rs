//! The headless front: the same engine as the console, driven by arguments, reporting
//! through the same event stream.

pub mod adopt_view;
pub mod args;
pub mod backups_view;
pub mod exit;
pub mod lint_view;
pub mod matrix_view;
pub mod progress;
pub mod report;
pub mod resolve_view;
pub mod status_view;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, Parser};

use args::{
    BaselineArgs, Cli, Command, CreateArgs, DemoCommand, Format, HistoryArgs, PlanArgs, RunArgs,
    StatusArgs, UnlockArgs,
};
use exit::code;
use report::{Done, Failure};

use color_eyre::Section;
use color_eyre::eyre::{Report, WrapErr, eyre};
use dbfleet_core::catalog::{CatalogError, Version};
use dbfleet_core::engine::FleetError;
use dbfleet_core::engine::admin::{self, UnlockResult};
use dbfleet_core::engine::adopt;
use dbfleet_core::engine::dryrun;
use dbfleet_core::engine::guard::{self, Guard};
use dbfleet_core::engine::runner::{self, Containment, RunControl, RunRequest};
use dbfleet_core::engine::{
    Direction, Fleet, Limit, PendingSet, Selection, SelectionRequest, WhenUnspecified, status,
};

pub fn main() -> ExitCode {
    report::install();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return code(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    // Generated from the command line alone: no config needed.
    match &cli.command {
        Some(Command::Completions { shell }) => {
            let mut command = Cli::command();
            clap_complete::generate(*shell, &mut command, "dbfleet", &mut std::io::stdout());
            return code(exit::OK);
        }
        Some(Command::Man) => {
            let page = clap_mangen::Man::new(Cli::command());
            let mut roff = Vec::new();
            return code(match page.render(&mut roff) {
                Ok(()) => {
                    print(&String::from_utf8_lossy(&roff));
                    exit::OK
                }
                Err(e) => Failure::failed(eyre!("cannot render the man page: {e}")).print(),
            });
        }
        _ => {}
    }
    // The console owns the screen and logs to a file; everything else logs to stderr.
    if !opens_console(&cli) {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_env("DBFLEET_LOG")
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sqlx=error")),
            )
            .with_writer(std::io::stderr)
            // Colour codes only where a person reads them: not in a CI log or a pipe.
            .with_ansi(
                std::io::IsTerminal::is_terminal(&std::io::stderr())
                    && std::env::var_os("NO_COLOR").is_none(),
            )
            .try_init();
    }
    let done = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")
        .map_err(Failure::usage)
        .and_then(|runtime| runtime.block_on(dispatch(cli)));
    code(done.unwrap_or_else(|failure| failure.print()))
}

/// Writes command output; a reader that closed the pipe early is not an error.
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

fn load(cli: &Cli) -> Result<Arc<Fleet>, Failure> {
    let read = || -> Result<Fleet, FleetError> {
        match cli.one_url() {
            Some(url) => {
                let here = std::env::current_dir().unwrap_or_else(|_| ".".into());
                let config = dbfleet_core::config::config_for_url(&url, &cli.source, &here)?;
                Fleet::from_config(config)
            }
            None => Fleet::load(&cli.config_path()),
        }
    };
    match read() {
        Ok(fleet) => Ok(Arc::new(fleet)),
        // `create` is how a project's first migration gets written: it may make the folder.
        Err(FleetError::Catalog(CatalogError::MissingRoot { path }))
            if matches!(cli.command, Some(Command::Create(_))) =>
        {
            std::fs::create_dir_all(&path)
                .wrap_err_with(|| format!("cannot create {}", path.display()))
                .suggestion("check migrator.migrations_dir, and that this user may write there")
                .map_err(Failure::usage)?;
            Ok(Arc::new(read()?))
        }
        Err(FleetError::Catalog(CatalogError::MissingRoot { path })) if cli.one_url().is_some() => {
            Err(Failure::usage(
                eyre!("the migrations folder {} does not exist", path.display())
                    .suggestion("--source DIR names the folder of the database's migrations"),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

async fn dispatch(cli: Cli) -> Done {
    let fleet = load(&cli)?;
    if opens_console(&cli) {
        return console_command(fleet).await;
    }
    match cli.command {
        Some(Command::Console) => console_command(fleet).await,
        Some(Command::History(args)) => history_command(&fleet, &args, cli.format),
        Some(Command::Demo(DemoCommand::Reset)) => demo_reset_command(&fleet).await,
        None => {
            let args = StatusArgs {
                selection: args::SelectionArgs::default(),
                check: false,
                short: false,
            };
            status_command(&fleet, &args, cli.format).await
        }
        Some(Command::Status(args)) => status_command(&fleet, &args, cli.format).await,
        Some(Command::Matrix(args)) => matrix_view::matrix_command(&fleet, &args, cli.format).await,
        Some(Command::Up(args)) => run_command(fleet, Direction::Up, args, cli.format).await,
        Some(Command::Down(args)) => run_command(fleet, Direction::Down, args, cli.format).await,
        Some(Command::Plan(args)) => plan_command(&fleet, &args, cli.format).await,
        Some(Command::Create(args)) => create_command(&fleet, &args, cli.format),
        Some(Command::Unlock(args)) => unlock_command(&fleet, &args, cli.format).await,
        Some(Command::Resolve(args)) => resolve_view::resolve_command(&fleet, &args).await,
        Some(Command::Validate) => Ok(validate_command(&fleet, cli.format)),
        Some(Command::Lint(args)) => lint_view::lint_command(&fleet, &args, cli.format),
        // Answered in `run`, before any config is read.
        Some(Command::Completions { .. } | Command::Man) => Ok(exit::OK),
        Some(Command::Adopt(args)) => {
            let source = adopt::Source::Adopt;
            adopt_command(&fleet, &args.selection, source, args.apply, cli.format).await
        }
        Some(Command::Baseline(BaselineArgs {
            selection,
            to,
            apply,
        })) => {
            let source = adopt::Source::Baseline(to);
            adopt_command(&fleet, &selection, source, apply, cli.format).await
        }
        Some(Command::Backups(args)) => backups_view::backups_command(&fleet, &args, cli.format),
        Some(Command::Restore(args)) => {
            backups_view::restore_command(&fleet, &args, cli.format).await
        }
    }
}

fn validate_command(fleet: &Fleet, format: Format) -> u8 {
    let found = dbfleet_core::engine::validate::validate(fleet);
    if format == Format::Json {
        print(&(serde_json::to_string_pretty(&found).unwrap_or_default() + "\n"));
    } else {
        print(&status_view::validation(&fleet.config.path, &found));
    }
    if found.is_clean() {
        exit::OK
    } else {
        exit::RUN_FAILED
    }
}

/// `dbfleet` alone is the console on a terminal and the status table in a pipe, so
/// scripts that ran `dbfleet | grep` keep working.
fn opens_console(cli: &Cli) -> bool {
    match cli.command {
        Some(Command::Console) => true,
        None => {
            cli.format == Format::Text
                && std::io::stdout().is_terminal()
                && std::io::stdin().is_terminal()
        }
        _ => false,
    }
}

async fn console_command(fleet: Arc<Fleet>) -> Done {
    if !(std::io::stdout().is_terminal() && std::io::stdin().is_terminal()) {
        return Err(Failure::usage(
            eyre!("the console needs a terminal")
                .suggestion("use `dbfleet status` in scripts and pipes"),
        ));
    }
    crate::console::run(fleet)
        .await
        .map_err(|e| Failure::failed(eyre!(e)))
}

fn history_command(fleet: &Fleet, args: &HistoryArgs, format: Format) -> Done {
    let path = fleet.config.journal_path();
    let entries = dbfleet_core::engine::journal::read_entries(&path)
        .wrap_err_with(|| format!("cannot read {}", path.display()))
        .suggestion("migrator.journal in the config names the journal")
        .map_err(Failure::usage)?;
    let selected: Vec<_> = entries
        .iter()
        .filter(|e| args.database.as_deref().is_none_or(|db| e.touches(db)))
        .collect();
    let shown = &selected[selected.len().saturating_sub(args.last)..];
    if format == Format::Json {
        print(&(serde_json::to_string_pretty(shown).unwrap_or_default() + "\n"));
    } else if shown.is_empty() {
        print(&format!("no runs in {}\n", path.display()));
    } else {
        print(&status_view::history(shown));
    }
    Ok(exit::OK)
}

async fn demo_reset_command(fleet: &Arc<Fleet>) -> Done {
    let report = dbfleet_core::engine::demo::reset(fleet)
        .await
        .map_err(|e| Failure::usage(eyre!(e)))?;
    print(&report.to_string());
    Ok(exit::OK)
}

fn select(
    fleet: &Fleet,
    request: &SelectionRequest,
    when: WhenUnspecified,
) -> Result<Selection, Failure> {
    let selection = fleet.select(request, when)?;
    if when == WhenUnspecified::DefaultDatabase {
        let broken = fleet.misconfigured(&selection);
        if !broken.is_empty() {
            return Err(Failure::misconfigured(&broken));
        }
    }
    if let Some(shard) = request.shard {
        eprintln!(
            "note: shard {shard}: {} of the {} selected databases; the other jobs take the rest",
            selection.databases.len(),
            selection.databases.len() + selection.other_shards
        );
    }
    if !selection.not_targeted.is_empty() {
        eprintln!(
            "note: set {} does not target {}; skipped",
            selection.set.as_deref().unwrap_or("-"),
            selection.not_targeted.join(", ")
        );
    }
    Ok(selection)
}

async fn status_command(fleet: &Fleet, args: &StatusArgs, format: Format) -> Done {
    let selection = select(
        fleet,
        &args.selection.request(),
        WhenUnspecified::WholeFleet,
    )?;
    let statuses = status::status(fleet, &selection).await;
    let shown_sets: Vec<&str> = statuses
        .iter()
        .flat_map(|s| s.sets.iter().map(|set| set.set.as_str()))
        .collect();
    for warning in migration_warnings(fleet, shown_sets) {
        eprintln!("warning: {warning}");
    }
    match format {
        Format::Json => print(&(status_view::render_json(&fleet.config.path, &statuses) + "\n")),
        Format::Text => print(&status_view::render_text(&statuses, args.short)),
    }
    // Many files that fit no name are one line per database; for one database, all of them.
    if let [only] = statuses.as_slice()
        && format == Format::Text
    {
        for set in only.sets.iter().filter_map(|s| fleet.catalog.set(&s.set)) {
            if set.unmatched.len() > dbfleet_core::catalog::UNMATCHED_LISTED {
                for line in &set.unmatched {
                    eprintln!(
                        "not a migration of set {} ({}): {line}",
                        set.name, set.format
                    );
                }
            }
        }
    }
    if args.check {
        let problems: Vec<String> = statuses
            .iter()
            .flat_map(|s| {
                s.problems()
                    .into_iter()
                    .map(move |p| format!("{}: {p}", s.name))
            })
            .collect();
        if !problems.is_empty() {
            for p in &problems {
                eprintln!("check: {p}");
            }
            return Ok(exit::CHECK_FAILED);
        }
    }
    Ok(exit::OK)
}

fn limit(direction: Direction, to: Option<Version>, steps: Option<usize>) -> Limit {
    match (to, steps) {
        (Some(v), _) => Limit::To(v),
        (None, Some(n)) => Limit::Steps(n),
        // `down` reverts one step unless told otherwise: the reversible default.
        (None, None) if direction == Direction::Down => Limit::Steps(1),
        (None, None) => Limit::All,
    }
}

async fn plan_command(fleet: &Fleet, args: &PlanArgs, format: Format) -> Done {
    let direction = if args.down {
        Direction::Down
    } else {
        Direction::Up
    };
    let selection = select(
        fleet,
        &args.selection.request(),
        WhenUnspecified::DefaultDatabase,
    )?;
    show_plan(
        fleet,
        &selection,
        direction,
        limit(direction, args.to.clone(), args.steps),
        (args.allow_drift, args.allow_out_of_order),
        format,
    )
    .await
}

async fn show_plan(
    fleet: &Fleet,
    selection: &Selection,
    direction: Direction,
    limit: Limit,
    (allow_drift, allow_out_of_order): (bool, bool),
    format: Format,
) -> Done {
    let plans = dryrun::plan(
        fleet,
        selection,
        direction,
        limit,
        allow_drift,
        allow_out_of_order,
    )
    .await;
    let refused = plans.iter().any(|p| p.refused.is_some());
    let set_warnings = migration_warnings(fleet, plans.iter().map(|p| p.set.as_str()));
    match format {
        Format::Json => {
            let step_warnings = plans.iter().flat_map(|p| plan_step_warnings(fleet, p));
            for warning in set_warnings.into_iter().chain(step_warnings) {
                eprintln!("warning: {warning}");
            }
            print(&(serde_json::to_string_pretty(&plans).unwrap_or_else(|e| e.to_string()) + "\n"));
        }
        Format::Text => {
            let mut out = String::new();
            for warning in set_warnings {
                out.push_str(&format!("-- warning: {warning}\n"));
            }
            for line in dryrun::fleet_size_lines(&plans) {
                out.push_str(&format!("-- lint across the fleet: {line}\n"));
            }
            for plan in &plans {
                out.push_str(&format!(
                    "-- {} ({}, {}) · set {} · {}\n",
                    plan.database,
                    plan.driver.map_or_else(|| "-".into(), |d| d.to_string()),
                    plan.server.as_deref().unwrap_or("-"),
                    plan.set,
                    match (&plan.refused, plan.steps.len()) {
                        (Some(reason), _) => format!("REFUSED: {reason}"),
                        (None, 0) if !plan.pending_elsewhere.is_empty() => format!(
                            "nothing to {direction} in {}; {}",
                            plan.set,
                            PendingSet::words(&plan.pending_elsewhere)
                        ),
                        (None, 0) => format!("nothing to {direction}"),
                        (None, n) => format!("{n} step(s) {direction}"),
                    }
                ));
                for warning in plan_step_warnings(fleet, plan) {
                    out.push_str(&format!("-- warning: {warning}\n"));
                }
                out.push_str(&plan.sql);
                out.push('\n');
            }
            out.push_str("-- dry run: nothing was changed\n");
            print(&out);
        }
    }
    Ok(if refused { exit::RUN_FAILED } else { exit::OK })
}

/// What the migrations folder has that is not read although it looks meant to be (the
/// catalog's own warnings, then those of `sets` that exist, each set once).
fn migration_warnings<'a>(fleet: &Fleet, sets: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut warnings = fleet.catalog.warnings.clone();
    for set in sets.into_iter().filter_map(|name| fleet.catalog.set(name)) {
        if seen.insert(&set.name) {
            warnings.extend(
                set.warnings
                    .iter()
                    .map(|w| format!("migration set {}: {w}", set.name)),
            );
        }
    }
    warnings
}

/// A database's planned steps' warnings (an empty up, an empty down), with its name.
fn plan_step_warnings(fleet: &Fleet, plan: &dryrun::DatabasePlan) -> Vec<String> {
    let (Some(set), Some(dialect)) = (fleet.catalog.set(&plan.set), plan.driver) else {
        return Vec::new();
    };
    plan.steps
        .iter()
        .flat_map(|step| dbfleet_core::engine::plan::step_warnings(set, step, dialect))
        .map(|w| format!("{}: {w}", plan.database))
        .collect()
}

/// `--canary`: names from the selection, or the selection's first N.
fn canary(value: Option<&str>, selection: &[String]) -> Result<Vec<String>, Failure> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    if let Ok(n) = value.trim().parse::<usize>() {
        if selection.len() < 2 {
            return Err(Failure::usage(eyre!(
                "--canary {n}: a canary needs at least two selected databases (the canary and the rest); {} selected",
                selection.len()
            )));
        }
        if n == 0 || n >= selection.len() {
            return Err(Failure::usage(eyre!(
                "--canary {n}: a canary is 1 to {} of the {} selected database(s)",
                selection.len().saturating_sub(1),
                selection.len()
            )));
        }
        return Ok(selection[..n].to_vec());
    }
    let names = dbfleet_core::engine::selection::split_list(&[value.to_owned()]);
    if names.is_empty() {
        return Err(Failure::usage(eyre!("--canary was given empty")));
    }
    if let Some(outside) = names.iter().find(|n| !selection.contains(n)) {
        return Err(Failure::usage(eyre!(
            "--canary {outside}: not among the selected databases ({})",
            selection.join(", ")
        )));
    }
    Ok(names)
}

/// A guarded run goes on when the operator types the number of databases on a terminal,
/// or said `--yes`; without a terminal and without `--yes` it is refused.
fn confirm_guarded_run(guard: &Guard, direction: Direction, yes: bool) -> Result<(), Failure> {
    let what = guard.describe(direction);
    let count = guard.count.to_string();
    confirm_typed(
        &Typed {
            action: &what,
            expected: &count,
            prompt: &format!("{what}.\nType {count} to go on"),
            approved: "a pipeline has already approved the run",
            nothing: "nothing was run",
        },
        yes,
    )
}

/// A confirmation typed on a terminal: what is asked, and how each answer is told.
pub struct Typed<'a> {
    /// What goes ahead once confirmed ("restore of a1").
    pub action: &'a str,
    /// What must be typed.
    pub expected: &'a str,
    /// The question, before "(anything else stops): ".
    pub prompt: &'a str,
    /// Who may have approved it instead ("the restore"), for the `--yes` advice.
    pub approved: &'a str,
    /// What a refusal left ("nothing was changed").
    pub nothing: &'a str,
}

/// Goes on when the operator types `expected` on a terminal, or said `--yes`; without a
/// terminal and without `--yes` it is refused.
pub fn confirm_typed(typed: &Typed, yes: bool) -> Result<(), Failure> {
    let Typed {
        action,
        expected,
        nothing,
        ..
    } = typed;
    if yes {
        eprintln!("note: {action}; confirmed by --yes");
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            eyre!("{action}: refused, there is no terminal to confirm it on; {nothing}")
                .suggestion(format!(
                    "add --yes where {} has already been approved",
                    typed.approved
                )),
        ));
    }
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{} (anything else stops): ", typed.prompt);
    let _ = stderr.flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if answer.trim() == *expected {
        Ok(())
    } else {
        Err(Failure::failed(eyre!(
            "not confirmed (typed {:?}, expected {expected}); {nothing}",
            answer.trim()
        )))
    }
}

/// A choice that cannot be undone by a word, confirmed by the database's name
/// (`to_do`: "to restore it"); `action` names it ("restore of a1").
pub fn typed_name(
    database: &str,
    action: &str,
    to_do: &str,
    approved: &str,
    yes: bool,
) -> Result<(), Failure> {
    confirm_typed(
        &Typed {
            action,
            expected: database,
            prompt: &format!("Type the database's name ({database}) {to_do}"),
            approved,
            nothing: "nothing was changed",
        },
        yes,
    )
}

async fn run_command(
    fleet: Arc<Fleet>,
    direction: Direction,
    args: RunArgs,
    format: Format,
) -> Done {
    let selection = select(
        &fleet,
        &args.selection.request(),
        WhenUnspecified::DefaultDatabase,
    )?;
    let limit = limit(direction, args.to, args.steps);
    if args.dry_run || fleet.config.migrator.dry_run {
        if !args.dry_run {
            eprintln!(
                "note: migrator.dry_run is true in {}: previewing only",
                fleet.config.path.display()
            );
        }
        return show_plan(
            &fleet,
            &selection,
            direction,
            limit,
            (args.allow_drift, args.allow_out_of_order),
            format,
        )
        .await;
    }
    let containment = Containment {
        canary: canary(args.canary.as_deref(), &selection.databases)?,
        max_failures: args.max_failures.or(fleet.config.migrator.max_failures),
    };
    if let Some(guard) = guard::guard(&fleet.config, direction, &selection.databases) {
        confirm_guarded_run(&guard, direction, args.yes)?;
    }
    let sets: Vec<&str> = match &selection.set {
        Some(set) => vec![set.as_str()],
        None => selection.databases.iter().map(String::as_str).collect(),
    };
    for warning in migration_warnings(&fleet, sets) {
        eprintln!("warning: {warning}");
    }
    let mut fleet = fleet;
    if args.group {
        Arc::make_mut(&mut fleet).config.migrator.group = true;
    }
    if fleet.config.migrator.group {
        let ungrouped: Vec<&str> = selection
            .databases
            .iter()
            .filter(|db| {
                fleet
                    .config
                    .database(db)
                    .and_then(|e| e.target.as_ref().ok())
                    .is_some_and(|t| !dbfleet_core::driver::transactional_ddl(t.driver))
            })
            .map(String::as_str)
            .collect();
        if !ungrouped.is_empty() {
            eprintln!(
                "note: grouping is ignored on {}: MySQL/MariaDB commit each DDL statement by itself, so each migration commits alone",
                ungrouped.join(", ")
            );
        }
    }
    let request = RunRequest {
        direction,
        limit,
        selection,
        backup: fleet.config.migrator.auto_backup && !args.no_backup,
        allow_drift: args.allow_drift,
        allow_out_of_order: args.allow_out_of_order,
        command: std::env::args().collect::<Vec<_>>().join(" "),
        containment,
    };
    let control = RunControl::new();
    stop_on_signals(
        control.clone(),
        "cancelling after the running statement (a step that cannot roll back, on MySQL or marked no-transaction, runs to its end first)",
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let run = tokio::spawn(runner::run(fleet.clone(), request, tx, control.clone()));
    // Bars only where a person watches both streams: `dbfleet down ... > file` on a
    // terminal gets the plain lines in the file, as a pipe does.
    let watched = std::io::stderr().is_terminal() && std::io::stdout().is_terminal();
    let mut reporter = progress::Reporter::new(
        format == Format::Text && watched && !args.verbose,
        args.verbose,
    );
    let json = format == Format::Json;
    while let Some(event) = rx.recv().await {
        if json {
            print(&(serde_json::to_string(&event).unwrap_or_default() + "\n"));
        } else {
            reporter.handle(&event);
        }
    }
    let summary = run
        .await
        .map_err(|e| Failure::failed(Report::new(e).wrap_err("internal error")))??;
    if !json {
        print(&reporter.summary(&summary.outcomes, summary.duration_ms));
    }
    Ok(if summary.cancelled {
        exit::INTERRUPTED
    } else if summary.all_ok() {
        exit::OK
    } else {
        exit::RUN_FAILED
    })
}

/// Ctrl-C (or SIGTERM, SIGHUP) once: cancel, as `cancelling` says; twice: abort the
/// running statement on the server (`RunControl::abort_all`); three times: quit at once.
pub(crate) fn stop_on_signals(control: RunControl, cancelling: &'static str) {
    let mut requests = crate::signals::StopRequests::new();
    tokio::spawn(async move {
        let signal = requests.next().await;
        // After SIGHUP stderr may be a dead terminal: never panic on the write.
        let _ = writeln!(
            std::io::stderr(),
            "\n{signal}: {cancelling}; press Ctrl-C again to abort the running statement"
        );
        control.cancel_all();
        let signal = requests.next().await;
        let _ = writeln!(
            std::io::stderr(),
            "\n{signal}: aborting: stopping the running statement on the server (a step in a transaction rolls back; one outside stays dirty, resumable with `dbfleet resolve --resume`); Ctrl-C again to quit at once"
        );
        control.abort_all();
        requests.next().await;
        std::process::exit(i32::from(exit::INTERRUPTED));
    });
}

fn create_command(fleet: &Fleet, args: &CreateArgs, output: Format) -> Done {
    let set = match (
        &args.directory,
        &args.database,
        fleet.config.default_database(),
    ) {
        (Some(dir), _, _) => dir.clone(),
        (None, Some(db), _) => {
            if fleet.config.database(db).is_none() {
                return Err(Failure::usage(
                    eyre!(
                        "unknown database `{db}`; configured databases: {}",
                        fleet.config.database_names().join(", ")
                    )
                    .suggestion("--directory SET names a shared set instead"),
                ));
            }
            db.clone()
        }
        (None, None, Some(default)) => default.to_owned(),
        (None, None, None) => {
            return Err(Failure::usage(
                eyre!("say where: --directory SET or -d DATABASE (no migrator.default_database)")
                    .suggestion("migrator.default_database in the config gives create a default"),
            ));
        }
    };
    if set.is_empty() || set.contains(['/', '\\']) || set.starts_with('.') {
        return Err(Failure::usage(eyre!(
            "`{set}` is not a set name (a folder under the migrations folder)"
        )));
    }
    let dir = fleet.catalog.folder(&set);
    // In a folder of another tool's format, that tool's file (never dbfleet's pair).
    let format = fleet
        .catalog
        .set(&set)
        .map_or(dbfleet_core::catalog::Format::Dbfleet, |s| s.format);
    let created =
        dbfleet_core::catalog::create_in_format(&dir, &args.name, args.timestamp, format)?;
    if output == Format::Json {
        let files: Vec<String> = created.iter().map(|p| p.display().to_string()).collect();
        let doc = serde_json::json!({ "set": set, "format": format, "created": files });
        print(&(serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"));
        return Ok(exit::OK);
    }
    for path in created {
        print(&format!("created {}\n", path.display()));
    }
    Ok(exit::OK)
}

async fn unlock_command(fleet: &Fleet, args: &UnlockArgs, format: Format) -> Done {
    let selection = select(
        fleet,
        &args.selection.request(),
        WhenUnspecified::DefaultDatabase,
    )?;
    let mut failed = false;
    let mut results = Vec::new();
    for db in &selection.databases {
        let outcome = admin::unlock(fleet, db, args.force).await;
        let json = match &outcome {
            Ok(UnlockResult::Free) => serde_json::json!({ "database": db, "result": "free" }),
            Ok(UnlockResult::Cleared(state)) => {
                serde_json::json!({ "database": db, "result": "cleared", "lock": state })
            }
            Err(e) => serde_json::json!({
                "database": db,
                "result": "refused",
                "error": dbfleet_core::human::with_causes(e),
            }),
        };
        if format == Format::Text {
            match outcome {
                Ok(UnlockResult::Free) => print(&format!("{db}: no lock\n")),
                Ok(UnlockResult::Cleared(state)) => print(&format!(
                    "{db}: cleared the lock held by {} (pid {}, run {}) since {}\n",
                    state.row.holder, state.row.pid, state.row.run_id, state.row.acquired_at
                )),
                Err(e) => eprintln!("{db}: {}", dbfleet_core::human::with_causes(&e)),
            }
        }
        failed |= json["result"] == "refused";
        results.push(json);
    }
    if format == Format::Json {
        let doc = serde_json::json!({ "databases": results });
        print(&(serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"));
    }
    Ok(if failed { exit::RUN_FAILED } else { exit::OK })
}

async fn adopt_command(
    fleet: &Fleet,
    selection: &args::SelectionArgs,
    source: adopt::Source,
    apply: bool,
    format: Format,
) -> Done {
    let selection = select(
        fleet,
        &selection.request(),
        WhenUnspecified::DefaultDatabase,
    )?;
    let adoptions = adopt::run(fleet, &selection, &source, apply).await;
    let refused = adoptions.iter().any(|a| a.refused.is_some());
    match format {
        Format::Json => print(
            &(serde_json::to_string_pretty(&adoptions).unwrap_or_else(|e| e.to_string()) + "\n"),
        ),
        Format::Text => {
            let (out, err) = adopt_view::render_text(&adoptions, &source, apply);
            eprint!("{err}");
            print(&out);
        }
    }
    Ok(if refused { exit::RUN_FAILED } else { exit::OK })
}
