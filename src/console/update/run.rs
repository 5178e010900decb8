//! The run's keys: a cursor over its databases, and cancelling one or all.

use crate::console::keys::Action;
use crate::console::layout;
use crate::console::msg::Command;
use crate::console::progress::Phase;
use crate::console::state::{FlashLevel, State};

pub(super) fn action(state: &mut State, action: Action) -> Vec<Command> {
    let (width, height) = state.size;
    let Some(run) = &mut state.run else {
        return Vec::new();
    };
    let window = layout::run_table_height(width, height, run.rows.len());
    let last = run.rows.len().saturating_sub(1);
    if matches!(
        action,
        Action::MoveUp
            | Action::MoveDown
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
    ) {
        // The operator looks where they chose; the cursor no longer follows the work.
        run.follow = false;
    }
    match action {
        Action::MoveUp => run.cursor = run.cursor.saturating_sub(1),
        Action::MoveDown => run.cursor = (run.cursor + 1).min(last),
        Action::PageUp => run.cursor = run.cursor.saturating_sub(window),
        Action::PageDown => run.cursor = (run.cursor + window).min(last),
        Action::Top => run.cursor = 0,
        Action::Bottom => run.cursor = last,
        Action::CancelOne => {
            if !run.is_active() {
                return Vec::new();
            }
            if let Some(row) = run.rows.get_mut(run.cursor) {
                if matches!(row.phase, Phase::Done(_)) {
                    let db = row.database.clone();
                    state.flash(FlashLevel::Info, format!("{db} has already ended"));
                    return Vec::new();
                }
                let db = row.database.clone();
                // A second `x`: the statement it waits for is stopped on the server.
                if row.cancelling {
                    row.aborting = true;
                    state.flash(
                        FlashLevel::Warning,
                        format!("aborting {db}: its running statement is stopped on the server"),
                    );
                    return vec![Command::AbortDatabase(db)];
                }
                // The row says so until the database stops: the flash alone goes away.
                row.cancelling = true;
                state.flash(
                    FlashLevel::Warning,
                    format!("cancelling {db} after its current statement (x again: abort it)"),
                );
                return vec![Command::CancelDatabase(db)];
            }
        }
        Action::CancelAll => {
            if !run.is_active() {
                return Vec::new();
            }
            if run.cancelling {
                run.aborting = true;
                for row in run
                    .rows
                    .iter_mut()
                    .filter(|r| !matches!(r.phase, Phase::Done(_)))
                {
                    row.cancelling = true;
                    row.aborting = true;
                }
                state.flash(
                    FlashLevel::Warning,
                    "aborting the run: the running statements are stopped on their servers",
                );
                return vec![Command::AbortRun];
            }
            run.cancelling = true;
            state.flash(
                FlashLevel::Warning,
                "cancelling the run after the current statements (X again: abort them)",
            );
            return vec![Command::CancelRun];
        }
        _ => {}
    }
    run.offset = layout::scroll_to_show(run.offset, run.cursor, window);
    Vec::new()
}
