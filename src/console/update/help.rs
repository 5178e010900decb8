//! The help's keys: scrolling, never past the end of the list the view draws.

use crate::console::keys::{self, Action, Context};
use crate::console::layout;
use crate::console::state::{Overlay, State};

pub(super) fn action(state: &mut State, action: Action) {
    // Bounded by what the page can show, so k answers at once after too many j.
    let (width, height) = state.size;
    let max = match &state.overlay {
        Some(Overlay::Help { context, .. }) => {
            layout::help_max_scroll(width, height, rows(*context))
        }
        _ => 0,
    };
    if let Some(Overlay::Help { scroll, .. }) = &mut state.overlay {
        match action {
            Action::MoveUp => *scroll = scroll.saturating_sub(1),
            Action::MoveDown => *scroll = (*scroll + 1).min(max),
            _ => {}
        }
    }
}

/// Rows the help of `context` lists: its keys and, under the fleet's, the symbol legend.
fn rows(context: Context) -> usize {
    let legend = if context == Context::Fleet {
        layout::HELP_LEGEND_ROWS
    } else {
        0
    };
    keys::help_for(context).len() + legend
}
