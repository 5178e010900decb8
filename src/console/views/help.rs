//! `?`: the keys of the current context, straight from the registry.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use super::{pad, popup};
use crate::console::keys::{self, Context};
use crate::console::state::State;

pub fn render(buf: &mut Buffer, area: Rect, state: &State, context: Context, scroll: usize) {
    let theme = &state.theme;
    let bindings = keys::help_for(context);
    let keys_width = bindings
        .iter()
        .map(|b| keys::keys_label(b).chars().count())
        .max()
        .unwrap_or(8)
        .min(22);
    let width = area.width.saturating_sub(4).min(96);
    let height = (bindings.len() as u16 + 4).min(area.height);
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title_top(Line::styled(
            format!(" keys: {} ", context.title()),
            theme.title(),
        ))
        .title_bottom(Line::styled(
            " ⚠ changes databases · esc closes ",
            theme.dim(),
        ));
    let inner = popup(buf, area, width, height, block);
    let room = usize::from(inner.height);
    let scroll = scroll.min(bindings.len().saturating_sub(room));
    let disabled = state.too_small() || state.fleet.read_only;
    for (i, binding) in bindings.iter().skip(scroll).take(room).enumerate() {
        let off = binding.mutating && disabled;
        let mut spans = vec![
            Span::styled(
                format!(" {} ", pad(&keys::keys_label(binding), keys_width)),
                if off { theme.dim() } else { theme.key() },
            ),
            Span::raw(binding.description),
        ];
        if binding.mutating {
            spans.push(Span::styled(" ⚠", theme.warning()));
        }
        if off {
            spans.push(Span::styled(" (off here)", theme.dim()));
        }
        buf.set_line(inner.x, inner.y + i as u16, &Line::from(spans), inner.width);
    }
}
