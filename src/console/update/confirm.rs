//! A confirmation's keys: moving between its buttons, and what each one starts.

use super::force_quit;
use crate::console::keys::Action;
use crate::console::msg::Command;
use crate::console::progress::{Phase, RunProgress};
use crate::console::state::{ConfirmKind, EVERYTHING, FlashLevel, Overlay, Screen, State};
use dbfleet_core::engine::Outcome;
use dbfleet_core::engine::admin::Resolution;

pub(super) fn action(state: &mut State, action: Action) -> Vec<Command> {
    let Some(Overlay::Confirm(confirm)) = &mut state.overlay else {
        return Vec::new();
    };
    let buttons = confirm.buttons().len();
    match action {
        Action::FocusNext => confirm.focus = (confirm.focus + 1) % buttons,
        Action::FocusPrev => confirm.focus = (confirm.focus + buttons - 1) % buttons,
        Action::Activate => return activate(state),
        _ => {}
    }
    Vec::new()
}

fn activate(state: &mut State) -> Vec<Command> {
    let Some(Overlay::Confirm(confirm)) = &state.overlay else {
        return Vec::new();
    };
    if confirm.focus == 0 {
        state.overlay = None;
        return Vec::new();
    }
    if let Some(why) = confirm.blocked() {
        state.flash(FlashLevel::Warning, why);
        return Vec::new();
    }
    // Taken, not cloned: a run's plan holds every database's steps and their SQL.
    let Some(Overlay::Confirm(confirm)) = state.overlay.take() else {
        return Vec::new();
    };
    match confirm.kind {
        ConfirmKind::Run(run) => {
            let databases = run.ready_databases().unwrap_or_default();
            let passes = match &run.result {
                Some(Ok(result)) if run.everything => result.passes.clone(),
                _ => Vec::new(),
            };
            // The third button: the canary first, the rest only if it goes well.
            let canary: Vec<String> = if confirm.focus == 2 {
                run.canary_candidate().into_iter().collect()
            } else {
                Vec::new()
            };
            let label = if run.everything {
                Some(EVERYTHING.to_owned())
            } else {
                run.set.clone()
            };
            let mut progress = RunProgress::new(run.direction, label, &databases, state.now_ms)
                .with_passes(passes.len());
            if run.everything {
                // No set has work for them: the plan found them up to date, and no pass
                // will report on them.
                let in_a_pass =
                    |db: &str| passes.iter().any(|p| p.databases.iter().any(|d| d == db));
                for row in progress.rows.iter_mut().filter(|r| !in_a_pass(&r.database)) {
                    row.phase = Phase::Done(Outcome::UpToDate);
                }
            }
            state.run = Some(progress);
            // The run view replaces the screens; a matrix among them gives back the set
            // it borrowed.
            for screen in state.screens.drain(..).rev() {
                if let Screen::Matrix(view) = screen {
                    state.set = view.set_before;
                    state.everything = view.everything_before;
                }
            }
            state.screens = vec![Screen::Run];
            if run.everything {
                return vec![Command::StartEverything { passes, canary }];
            }
            vec![Command::StartRun {
                databases,
                set: run.set,
                direction: run.direction,
                limit: run.limit,
                canary,
            }]
        }
        ConfirmKind::Unlock { database, .. } => {
            state.flash(
                FlashLevel::Info,
                format!("clearing the lock on {database}…"),
            );
            vec![Command::Unlock(database)]
        }
        ConfirmKind::Resolve { database, .. } => {
            let resolution = match confirm.focus {
                1 => Resolution::Resume,
                2 => Resolution::Applied,
                _ => Resolution::RolledBack,
            };
            state.flash(FlashLevel::Info, format!("resolving {database}…"));
            vec![Command::Resolve {
                database,
                resolution,
            }]
        }
        ConfirmKind::Adopt { database, .. } => {
            state.flash(FlashLevel::Info, format!("adopting {database}…"));
            vec![Command::Adopt(database)]
        }
        ConfirmKind::AcceptDrift { database, .. } => {
            state.flash(
                FlashLevel::Info,
                format!("recording {database}'s current checksums…"),
            );
            vec![Command::Resolve {
                database,
                resolution: Resolution::AcceptDrift,
            }]
        }
        ConfirmKind::QuitDuringRun => force_quit(state),
    }
}
