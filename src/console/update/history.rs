//! The journal's keys: scrolling the same wrapped rows the view draws.

use super::back;
use crate::console::keys::Action;
use crate::console::layout;
use crate::console::msg::Command;
use crate::console::state::{Screen, State, history_lines};

pub(super) fn action(state: &mut State, action: Action) -> Vec<Command> {
    let total = history_lines(state).len();
    let (_, page) = layout::history_inner(state.size.0, state.size.1);
    let max = total.saturating_sub(page);
    if let Some(Screen::History { scroll }) = state.screens.last_mut() {
        *scroll = match action {
            Action::MoveUp => scroll.saturating_sub(1),
            Action::MoveDown => (*scroll + 1).min(max),
            Action::PageUp => scroll.saturating_sub(page),
            Action::PageDown => (*scroll + page).min(max),
            Action::Top => 0,
            Action::Bottom => max,
            _ => *scroll,
        };
    }
    if action == Action::Back {
        back(state);
    }
    Vec::new()
}
