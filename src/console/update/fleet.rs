//! The fleet's keys: the focus over the grid of panels or rows, marks, and the way into
//! every other screen.

use super::{cycle_set, open};
use crate::console::keys::Action;
use crate::console::layout::FleetLayout;
use crate::console::msg::Command;
use crate::console::state::{FlashLevel, PromptKind, Screen, State};
use dbfleet_core::engine::Direction;

fn move_cursor(state: &mut State, delta: isize) {
    let len = state.visible.len();
    if len == 0 {
        return;
    }
    let target = state.cursor as isize + delta;
    state.cursor = target.clamp(0, len as isize - 1) as usize;
    state.keep_cursor_visible();
}

pub(super) fn action(state: &mut State, action: Action) -> Vec<Command> {
    let grid = state.grid();
    let columns = grid.columns as isize;
    let page = (grid.columns * grid.rows) as isize;
    match action {
        Action::MoveLeft => move_cursor(state, -1),
        Action::MoveRight => move_cursor(state, 1),
        Action::MoveUp if state.cursor as isize >= columns => {
            move_cursor(state, -columns);
        }
        Action::MoveDown => {
            // Into a shorter last row: land on its last panel rather than not move.
            let last_row = state.visible.len().saturating_sub(1) / grid.columns;
            if state.cursor / grid.columns < last_row {
                move_cursor(state, columns);
            }
        }
        // The view turns a whole page with the cursor, as in a pager, not one row.
        Action::PageUp => {
            state.offset = state.offset.saturating_sub(grid.rows);
            move_cursor(state, -page);
        }
        Action::PageDown => {
            let rows_total = state.visible.len().div_ceil(grid.columns.max(1));
            let last_page = rows_total.saturating_sub(grid.rows);
            state.offset = (state.offset + grid.rows).min(last_page);
            move_cursor(state, page);
        }
        Action::Top => move_cursor(state, isize::MIN / 2),
        Action::Bottom => move_cursor(state, isize::MAX / 2),
        Action::ToggleMark => {
            if let Some(i) = state.focused() {
                state.dbs[i].marked = !state.dbs[i].marked;
            }
        }
        Action::MarkAll => {
            let all = state.visible.iter().all(|&i| state.dbs[i].marked);
            for &i in &state.visible {
                state.dbs[i].marked = !all;
            }
        }
        Action::InvertMarks => {
            for &i in &state.visible {
                state.dbs[i].marked = !state.dbs[i].marked;
            }
            let marked = state.marked_count();
            state.flash(FlashLevel::Info, format!("marks inverted; {marked} marked"));
        }
        Action::MarkGlob => open::prompt(state, PromptKind::Mark),
        Action::UnmarkGlob => open::prompt(state, PromptKind::Unmark),
        Action::Filter => open::prompt(state, PromptKind::Filter),
        Action::Inspect => return open::inspect(state, state.focused()),
        Action::Preview => return open::preview(state),
        Action::RunUp => return open::run_confirm(state, Direction::Up),
        Action::RunDown => return open::run_confirm(state, Direction::Down),
        Action::Matrix => open::matrix(state),
        Action::PrevSet => cycle_set(state, false),
        Action::NextSet => cycle_set(state, true),
        Action::Unlock => open::unlock(state, state.focused()),
        Action::Resolve => return open::resolve(state, state.focused()),
        Action::NextAttention => next_attention(state),
        Action::ToggleLayout => {
            state.layout = match state.layout {
                FleetLayout::Panels => FleetLayout::Rows,
                FleetLayout::Rows => FleetLayout::Panels,
            };
            state.offset = 0;
            state.keep_cursor_visible();
        }
        Action::History => {
            state.history = None;
            state.screens.push(Screen::History { scroll: 0 });
            return vec![Command::ReadHistory];
        }
        Action::ShowRun => {
            if state.run.is_some() {
                state.screens.push(Screen::Run);
            } else {
                state.flash(FlashLevel::Info, "no run yet: mark databases, then U");
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Moves the focus to the next shown database that needs attention, after the focused
/// one and round to the first, as `n` goes to the next match in a pager.
fn next_attention(state: &mut State) {
    let len = state.visible.len();
    let found = (1..=len)
        .map(|step| (state.cursor + step) % len.max(1))
        .find(|&position| state.needs_attention(state.visible[position]));
    match found {
        Some(position) => {
            state.cursor = position;
            state.keep_cursor_visible();
        }
        None => state.flash(
            FlashLevel::Info,
            "nothing needs attention among the databases shown",
        ),
    }
}
