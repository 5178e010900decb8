//! The dry run's keys: choosing a database, and scrolling its SQL to where the pane ends.

use super::open;
use crate::console::keys::Action;
use crate::console::layout;
use crate::console::model;
use crate::console::msg::Command;
use crate::console::state::{Screen, State};
use dbfleet_core::engine::Direction;

pub(super) fn action(state: &mut State, action: Action) -> Vec<Command> {
    // U and D act on what is previewed: its databases, its set, as far as it goes.
    if let (Action::RunUp | Action::RunDown, Some(Screen::Preview(view))) =
        (action, state.screens.last())
    {
        let (direction, limit) = if action == Action::RunUp {
            (Direction::Up, view.limit.clone())
        } else {
            (Direction::Down, None)
        };
        let scope = open::Scope {
            databases: view.databases.clone(),
            set: view.set.clone(),
            everything: view.everything,
            limit,
        };
        return open::run_confirm_of(state, direction, scope);
    }
    let (width, height) = layout::preview_sql_inner(state.size.0, state.size.1);
    let Some(Screen::Preview(view)) = state.screens.last_mut() else {
        return Vec::new();
    };
    let count = view
        .result
        .as_ref()
        .and_then(|r| r.as_ref().ok())
        .map_or(0, |r| r.plans.len());
    let lines = view
        .result
        .as_ref()
        .and_then(|r| r.as_ref().ok())
        .and_then(|r| r.plans.get(view.selected))
        .map_or(0, |plan| layout::wrap(&model::sql_text(plan), width).len());
    let max = lines.saturating_sub(height);
    match action {
        Action::MoveUp => {
            view.selected = view.selected.saturating_sub(1);
            view.scroll = 0;
        }
        Action::MoveDown => {
            view.selected = (view.selected + 1).min(count.saturating_sub(1));
            view.scroll = 0;
        }
        Action::ScrollUp => view.scroll = view.scroll.saturating_sub(1),
        Action::ScrollDown => view.scroll = (view.scroll + 1).min(max),
        Action::PageUp => view.scroll = view.scroll.saturating_sub(height.max(1)),
        Action::PageDown => view.scroll = (view.scroll + height.max(1)).min(max),
        Action::Top => view.scroll = 0,
        Action::Bottom => view.scroll = max,
        _ => {}
    }
    Vec::new()
}
