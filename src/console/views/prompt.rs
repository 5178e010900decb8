//! The one-line prompts: filter, mark / unmark by glob (with the live match count and the
//! config's `database_patterns` as tab presets) and `:` commands.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};

use crate::console::keys::COMMANDS;
use crate::console::state::{Prompt, PromptKind, State};

pub fn render(frame: &mut Frame, area: Rect, state: &State, prompt: &Prompt) {
    let theme = &state.theme;
    let label = match prompt.kind {
        PromptKind::Filter => "filter: ",
        PromptKind::Mark => "mark glob: ",
        PromptKind::Unmark => "unmark glob: ",
        PromptKind::Command => ":",
    };
    let value = prompt.input.value();
    let count = match (&prompt.kind, &prompt.matches) {
        (PromptKind::Command, _) => String::new(),
        (_, Ok(n)) => format!("  ({n} match{})", if *n == 1 { "" } else { "es" }),
        (_, Err(e)) => format!("  (not a glob yet: {e})"),
    };
    let tail = match prompt.kind {
        PromptKind::Command => format!("  tab completes: {}", COMMANDS.join(" ")),
        _ if state.fleet.patterns.is_empty() => String::new(),
        _ => format!("  tab: {}", state.fleet.patterns.join("  ")),
    };
    let label_width = label.chars().count() as u16 + 1;
    let input_width = area.width.saturating_sub(label_width + 30).max(10);
    let scroll = prompt.input.visual_scroll(usize::from(input_width));
    let shown: String = value
        .chars()
        .skip(scroll)
        .take(usize::from(input_width))
        .collect();
    let line = Line::from(vec![
        Span::styled(format!(" {label}"), theme.key()),
        Span::raw(shown.clone()),
        Span::styled(
            count,
            if prompt.matches.is_ok() {
                theme.title()
            } else {
                theme.error()
            },
        ),
        Span::styled(tail, theme.dim()),
    ]);
    frame
        .buffer_mut()
        .set_line(area.x, area.y, &line, area.width);
    let cursor = prompt.input.visual_cursor().saturating_sub(scroll) as u16;
    frame.set_cursor_position(Position::new(area.x + label_width + cursor, area.y));
}
