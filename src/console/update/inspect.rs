//! One database's keys: scrolling its migrations, and its unlock and resolve dialogs.

use super::{cycle_set, open};
use crate::console::keys::Action;
use crate::console::layout;
use crate::console::msg::Command;
use crate::console::state::{Screen, State};

pub(super) fn action(state: &mut State, action: Action) -> Vec<Command> {
    let Some(Screen::Inspect(view)) = state.screens.last() else {
        return Vec::new();
    };
    let db = view.db;
    let lines = inspect_lines(state, db);
    let page = layout::inspect_page(state.size.1);
    let max = lines.saturating_sub(page);
    let scroll = view.scroll;
    let new_scroll = match action {
        Action::MoveUp => scroll.saturating_sub(1),
        Action::MoveDown => (scroll + 1).min(max),
        Action::PageUp => scroll.saturating_sub(page),
        Action::PageDown => (scroll + page).min(max),
        Action::Top => 0,
        Action::Bottom => max,
        Action::Unlock => {
            open::unlock(state, Some(db));
            scroll
        }
        Action::RunUp | Action::Preview => {
            let scope = open::Scope {
                databases: state
                    .dbs
                    .get(db)
                    .map(|d| vec![d.info.name.clone()])
                    .unwrap_or_default(),
                ..open::Scope::chosen(state)
            };
            return if action == Action::RunUp {
                open::run_confirm_of(state, dbfleet_core::engine::Direction::Up, scope)
            } else {
                open::preview_of(state, scope)
            };
        }
        Action::Resolve => return open::resolve(state, Some(db)),
        Action::PrevSet => {
            cycle_set(state, false);
            scroll
        }
        Action::NextSet => {
            cycle_set(state, true);
            scroll
        }
        _ => scroll,
    };
    if let Some(Screen::Inspect(view)) = state.screens.last_mut() {
        view.scroll = new_scroll;
    }
    Vec::new()
}

/// Lines of the inspect view's migration list: a heading per set, a line per migration.
fn inspect_lines(state: &State, db: usize) -> usize {
    state
        .dbs
        .get(db)
        .and_then(|d| d.status.as_ref())
        .map_or(0, |s| {
            s.sets.iter().map(|set| 1 + set.migrations.len()).sum()
        })
}
