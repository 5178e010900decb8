//! `dbfleet resolve`: a dirty step shown statement by statement with the choices (resume,
//! mark applied, mark rolled back), and the choice carried out — the two that leave the
//! schema unlike the record only after the database's name is typed (or `--yes`).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use color_eyre::eyre::eyre;
use dbfleet_core::engine::admin::{self, Resolution};
use dbfleet_core::engine::resume::{self, DirtyStep, dirty_steps, sql_excerpt};
use dbfleet_core::engine::runner::RunControl;
use dbfleet_core::engine::{Direction, Fleet, WhenUnspecified};

use super::args::ResolveArgs;
use super::progress::Reporter;
use super::report::{Done, Failure};
use super::{exit, print, select, typed_name};

pub async fn resolve_command(fleet: &Fleet, args: &ResolveArgs) -> Done {
    let selection = select(
        fleet,
        &args.selection.request(),
        WhenUnspecified::DefaultDatabase,
    )?;
    let chosen = if args.resume {
        Some(Resolution::Resume)
    } else if args.applied {
        Some(Resolution::Applied)
    } else if args.rolled_back {
        Some(Resolution::RolledBack)
    } else if args.accept_drift {
        Some(Resolution::AcceptDrift)
    } else {
        None
    };
    let control = RunControl::new();
    let mut failed = false;
    for db in &selection.databases {
        if control.is_cancelled() {
            eprintln!("{db}: not resumed: cancelled");
            continue;
        }
        if let Err(e) = resolve_one(fleet, db, chosen, args, &control).await {
            failed = true;
            e.print();
        }
    }
    Ok(if control.is_cancelled() {
        exit::INTERRUPTED
    } else if failed {
        exit::RUN_FAILED
    } else {
        exit::OK
    })
}

async fn resolve_one(
    fleet: &Fleet,
    db: &str,
    chosen: Option<Resolution>,
    args: &ResolveArgs,
    control: &RunControl,
) -> Result<(), Failure> {
    let failed = |e: admin::AdminError| {
        Failure::failed(eyre!("{db}: {}", dbfleet_core::human::with_causes(&e)))
    };
    if chosen == Some(Resolution::AcceptDrift) {
        let accepted = admin::resolve(fleet, db, Resolution::AcceptDrift)
            .await
            .map_err(failed)?;
        print(&if accepted.is_empty() {
            format!("{db}: no drift\n")
        } else {
            format!(
                "{db}: recorded the current checksums of {}\n",
                accepted.join(", ")
            )
        });
        return Ok(());
    }
    let steps = dirty_steps(fleet, db).await.map_err(failed)?;
    if steps.is_empty() {
        print(&format!("{db}: not dirty\n"));
        return Ok(());
    }
    let resolution = match chosen {
        Some(resolution) => resolution,
        None => {
            for step in &steps {
                print(&show(step));
            }
            if args.show || !std::io::stdin().is_terminal() {
                return Ok(());
            }
            match ask(&steps) {
                Some(resolution) => resolution,
                None => {
                    print("nothing was changed\n");
                    return Ok(());
                }
            }
        }
    };
    match resolution {
        Resolution::Resume => {
            for step in &steps {
                if let Some(why) = &step.cannot_resume {
                    return Err(Failure::failed(eyre!(
                        "{db}: cannot resume {}: {why}",
                        step.migration
                    )));
                }
                print(&format!(
                    "{db}: resuming {} at statement {} of {}\n",
                    step.migration,
                    step.statements_done + 1,
                    step.statements_total
                ));
            }
            return resume_with_progress(fleet, db, control)
                .await
                .map_err(failed);
        }
        Resolution::Applied | Resolution::RolledBack => {
            for step in &steps {
                let warning = if resolution == Resolution::Applied {
                    step.applied_warning()
                } else {
                    step.rolled_back_warning()
                };
                if let Some(warning) = warning {
                    eprintln!("{db}: {warning}");
                    typed_name(
                        db,
                        &format!(
                            "marking {} {} on {db}",
                            step.migration,
                            if resolution == Resolution::Applied {
                                "applied"
                            } else {
                                "rolled back"
                            }
                        ),
                        "to go on",
                        "the choice",
                        args.yes,
                    )?;
                }
            }
        }
        Resolution::AcceptDrift => {}
    }
    let settled = admin::resolve(fleet, db, resolution)
        .await
        .map_err(failed)?;
    let done = match resolution {
        Resolution::Resume => "resumed {} to its last statement: applied",
        Resolution::Applied => "marked {} as applied",
        Resolution::RolledBack => "marked {} as rolled back",
        Resolution::AcceptDrift => "recorded the current checksums of {}",
    };
    print(&format!(
        "{db}: {}\n",
        done.replace("{}", &settled.join(", "))
    ));
    Ok(())
}

/// Runs the rest of `db`'s dirty steps, a line per statement as `up --verbose` prints
/// them, stoppable with Ctrl-C (`control`).
async fn resume_with_progress(
    fleet: &Fleet,
    db: &str,
    control: &RunControl,
) -> Result<(), admin::AdminError> {
    // Only a resume runs migration statements: from its start (chosen by flag or at the
    // prompt, which Ctrl-C must still leave), Ctrl-C stops it as it stops a run.
    static LISTENING: AtomicBool = AtomicBool::new(false);
    if !LISTENING.swap(true, Ordering::SeqCst) {
        super::stop_on_signals(
            control.clone(),
            "stopping after the running statement (the step stays dirty, with the statements done recorded)",
        );
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(async move {
        let mut reporter = Reporter::new(false, true);
        while let Some(event) = rx.recv().await {
            reporter.handle(&event);
        }
    });
    let resumed = resume::resume(fleet, db, tx, control).await;
    let _ = printer.await;
    for step in resumed? {
        print(&match step.stopped {
            None => format!(
                "{db}: resumed {} to its last statement: applied\n",
                step.migration
            ),
            Some(stopped) => format!("{db}: {} still dirty: {stopped}\n", step.migration),
        });
    }
    Ok(())
}

/// The step, its statements done / not done with their SQL, and the choices in order.
pub fn show(step: &DirtyStep) -> String {
    let db = &step.database;
    let mut out = format!("{db}: dirty: {}\n", step.headline());
    if let Some(file) = &step.file {
        out.push_str(&format!("  {file}\n"));
    }
    for s in &step.statements {
        out.push_str(&format!(
            "  {} {:>3}  line {:<4} {}\n",
            if s.done {
                "✓ done    "
            } else {
                "· not done"
            },
            s.index,
            s.line,
            sql_excerpt(&s.sql)
        ));
    }
    out.push_str("choices:\n");
    let left = step.statements_total - step.statements_done.min(step.statements_total);
    match &step.cannot_resume {
        None => out.push_str(&format!(
            "  1. resume (default)  dbfleet resolve -d {db} --resume\n     runs the {left} statement{} not done, then records the step as {}\n",
            if left == 1 { "" } else { "s" },
            match step.direction {
                Direction::Up => "applied",
                Direction::Down => "reverted",
            }
        )),
        Some(why) => out.push_str(&format!("  1. resume: not offered: {why}\n")),
    }
    out.push_str(&format!(
        "  2. mark applied  dbfleet resolve -d {db} --applied\n     {}\n",
        step.applied_warning().unwrap_or_else(|| {
            "records the step as applied: every statement of it is in the schema".to_owned()
        })
    ));
    out.push_str(&format!(
        "  3. mark rolled back  dbfleet resolve -d {db} --rolled-back\n     {}\n",
        step.rolled_back_warning().unwrap_or_else(|| {
            "forgets the step: none of its statements is in the schema".to_owned()
        })
    ));
    out
}

/// On a terminal: which choice; Enter takes the default (resume, when offered).
fn ask(steps: &[DirtyStep]) -> Option<Resolution> {
    let resumable = steps.iter().all(|s| s.cannot_resume.is_none());
    let mut stderr = std::io::stderr();
    let _ = write!(
        stderr,
        "Choose 1, 2 or 3{} (anything else stops): ",
        if resumable { ", Enter for 1" } else { "" }
    );
    let _ = stderr.flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    match answer.trim() {
        "" if resumable => Some(Resolution::Resume),
        "1" => Some(Resolution::Resume),
        "2" => Some(Resolution::Applied),
        "3" => Some(Resolution::RolledBack),
        _ => None,
    }
}
