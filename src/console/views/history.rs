//! `H`: the run journal read back, newest first — who ran what, when, how each database
//! ended; `unlock` and `resolve` too. The same words as `dbfleet history`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Widget};

use super::fit;
use crate::console::state::{State, history_lines};

pub fn render(buf: &mut Buffer, area: Rect, state: &State, scroll: usize) {
    let theme = &state.theme;
    let lines = history_lines(state);
    let title = match &state.history {
        None => " history · reading the journal… ".to_owned(),
        Some(Err(_)) => " history ".to_owned(),
        Some(Ok(entries)) => format!(" history · {} entries, newest first ", entries.len()),
    };
    let range = if lines.is_empty() {
        String::new()
    } else {
        format!(
            " {}–{} of {} ",
            scroll + 1,
            (scroll + usize::from(area.height.saturating_sub(2))).min(lines.len()),
            lines.len()
        )
    };
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title_top(Line::styled(title, theme.title()))
        .title_bottom(Line::styled(range, theme.dim()).right_aligned());
    let inner = block.inner(area);
    block.render(area, buf);
    let width = usize::from(inner.width);
    match &state.history {
        Some(Err(e)) => {
            buf.set_stringn(inner.x, inner.y, fit(e, width), width, theme.error());
            return;
        }
        Some(Ok(entries)) if entries.is_empty() => {
            buf.set_stringn(
                inner.x,
                inner.y,
                "no runs in the journal yet",
                width,
                theme.dim(),
            );
            return;
        }
        _ => {}
    }
    for (i, (text, bad)) in lines
        .iter()
        .skip(scroll)
        .take(usize::from(inner.height))
        .enumerate()
    {
        let style = if *bad {
            theme.error()
        } else if text.starts_with("    ") {
            theme.dim()
        } else {
            Style::new()
        };
        buf.set_stringn(inner.x, inner.y + i as u16, fit(text, width), width, style);
    }
}
