//! The matrix's keys: a cursor over migrations × databases, turning the columns by pages.

use super::{cycle_set, open};
use crate::console::keys::Action;
use crate::console::layout;
use crate::console::msg::Command;
use crate::console::state::{FlashLevel, Screen, State};
use dbfleet_core::engine::status::MigrationState;
use dbfleet_core::engine::{Direction, Limit};

pub(super) fn action(state: &mut State, action: Action) -> Vec<Command> {
    let fit = layout::matrix_fit(state.size.0) as isize;
    let mut inspect = None;
    match action {
        Action::RunUp | Action::Preview => return apply_row(state, action),
        Action::PrevSet | Action::NextSet => {
            // The matrix is about shared sets: skip "own sets" and "everything" here.
            cycle_set(state, action == Action::NextSet);
            while state.set.is_none() {
                cycle_set(state, action == Action::NextSet);
            }
        }
        _ => {
            let columns = state.matrix_columns().to_vec();
            if let Some(Screen::Matrix(view)) = state.screens.last_mut() {
                let shift = |v: usize, d: isize| (v as isize + d).max(0) as usize;
                match action {
                    Action::MoveUp => view.row = view.row.saturating_sub(1),
                    Action::MoveDown => view.row += 1,
                    Action::MoveLeft => view.col = view.col.saturating_sub(1),
                    Action::MoveRight => view.col += 1,
                    // The view turns a whole page with the cursor, as the fleet's does.
                    Action::PageUp => {
                        view.col = shift(view.col, -fit);
                        view.col_offset = shift(view.col_offset, -fit);
                    }
                    Action::PageDown => {
                        let last_page = columns.len().saturating_sub(fit.max(1) as usize);
                        view.col = shift(view.col, fit);
                        view.col_offset = (view.col_offset + fit.max(0) as usize).min(last_page);
                    }
                    Action::Inspect => inspect = columns.get(view.col).copied(),
                    _ => {}
                }
            }
        }
    }
    keep_visible(state);
    match inspect {
        Some(db) => open::inspect(state, Some(db)),
        None => Vec::new(),
    }
}

/// `U` / `p` on a row: the focused migration on the shown databases that lack it, up to
/// and including it (an earlier one missing goes with it, as `up --to` does).
fn apply_row(state: &mut State, action: Action) -> Vec<Command> {
    let Some(Screen::Matrix(view)) = state.screens.last() else {
        return Vec::new();
    };
    let Some(set) = state.set.and_then(|i| state.fleet.shared_sets.get(i)) else {
        return Vec::new();
    };
    let Some(migration) = set.migrations.get(view.row) else {
        return Vec::new();
    };
    let (set_name, id, version) = (
        set.name.clone(),
        migration.id.clone(),
        migration.version.clone(),
    );
    let lacking: Vec<String> = state
        .matrix_columns()
        .iter()
        .filter_map(|&c| state.dbs.get(c))
        .filter(|db| {
            db.set_status(&set_name).is_some_and(|s| {
                s.migrations
                    .iter()
                    .any(|m| m.id == id && m.state == MigrationState::Pending)
            })
        })
        .map(|db| db.info.name.clone())
        .collect();
    if lacking.is_empty() {
        state.flash(
            FlashLevel::Info,
            format!("no database shown lacks {id} (as last read)"),
        );
        return Vec::new();
    }
    let scope = open::Scope {
        databases: lacking,
        set: Some(set_name),
        everything: false,
        limit: Some(Limit::To(version)),
    };
    if action == Action::RunUp {
        open::run_confirm_of(state, Direction::Up, scope)
    } else {
        open::preview_of(state, scope)
    }
}

pub(super) fn keep_visible(state: &mut State) {
    let fit = layout::matrix_fit(state.size.0);
    let columns = state.matrix_columns().len();
    let rows = state
        .set
        .and_then(|i| state.fleet.shared_sets.get(i))
        .map_or(0, |s| s.migrations.len());
    if let Some(Screen::Matrix(view)) = state.screens.last_mut() {
        view.col = view.col.min(columns.saturating_sub(1));
        view.row = view.row.min(rows.saturating_sub(1));
        view.col_offset = layout::scroll_to_show(view.col_offset, view.col, fit);
    }
}
