//! `?`: the keys of the current context, straight from the registry.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use super::{fit, pad, popup};
use crate::console::keys::{self, Context};
use crate::console::layout;
use crate::console::state::State;
use crate::console::theme::{Sym, Theme};

/// Under the fleet's keys, what its symbols mean: the header counts by them alone when
/// the terminal is narrow.
fn legend(context: Context, theme: &Theme) -> Vec<String> {
    if context != Context::Fleet {
        return Vec::new();
    }
    let entry = |sym: Sym, word: &str| format!("{} {word}", theme.symbol(sym));
    let lines: [String; layout::HELP_LEGEND_ROWS] = [
        format!(
            " symbols: {}  {}  {}  {}  {}",
            entry(Sym::Ok, "up to date"),
            entry(Sym::Pending, "pending"),
            entry(Sym::Dirty, "dirty"),
            entry(Sym::Drift, "drift"),
            entry(Sym::Locked, "locked"),
        ),
        format!(
            "          {}  {}  {}  {}",
            entry(Sym::Unreachable, "unreachable"),
            entry(Sym::Failed, "misconfigured"),
            entry(Sym::Running, "running"),
            entry(Sym::Unknown, "not read yet"),
        ),
    ];
    lines.into()
}

pub fn render(buf: &mut Buffer, area: Rect, state: &State, context: Context, scroll: usize) {
    let theme = &state.theme;
    let bindings = keys::help_for(context);
    let legend = legend(context, theme);
    let rows = bindings.len() + legend.len();
    let keys_width = bindings
        .iter()
        .map(|b| keys::keys_label(b).chars().count())
        .max()
        .unwrap_or(8)
        .min(22);
    let width = area.width.saturating_sub(4).min(96);
    let height = (rows as u16 + 4).min(area.height);
    let room = layout::help_room(rows, area.height);
    let scroll = scroll.min(rows.saturating_sub(room));
    // Say when the list goes on: at 80×24 a screen's keys do not all fit at once.
    let more = if rows > room {
        format!(
            " {}–{} of {} · j/k scroll ",
            scroll + 1,
            (scroll + room).min(rows),
            rows
        )
    } else {
        String::new()
    };
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title_top(Line::styled(
            format!(" keys: {} ", context.title()),
            theme.title(),
        ))
        .title_bottom(Line::styled(
            " ⚠ changes databases · esc closes ",
            theme.dim(),
        ))
        .title_bottom(Line::styled(more, theme.title()).right_aligned());
    let inner = popup(buf, area, width, height, block);
    let disabled = state.too_small() || state.fleet.read_only;
    for (i, binding) in bindings.iter().skip(scroll).take(room).enumerate() {
        let off = binding.mutating && disabled;
        let keys_text = format!(" {} ", pad(&keys::keys_label(binding), keys_width));
        let mut tail = String::new();
        if binding.mutating {
            tail.push_str(" ⚠");
        }
        if off {
            tail.push_str(" (off here)");
        }
        let room = usize::from(inner.width)
            .saturating_sub(keys_text.chars().count() + tail.chars().count());
        let spans = vec![
            Span::styled(keys_text, if off { theme.dim() } else { theme.key() }),
            Span::raw(fit(binding.description, room)),
            Span::styled(tail, if off { theme.dim() } else { theme.warning() }),
        ];
        buf.set_line(inner.x, inner.y + i as u16, &Line::from(spans), inner.width);
    }
    // The legend scrolls on after the last binding.
    let shown = bindings.len().saturating_sub(scroll).min(room);
    let first_legend = scroll.saturating_sub(bindings.len());
    for (i, line) in legend
        .iter()
        .skip(first_legend)
        .take(room - shown)
        .enumerate()
    {
        buf.set_stringn(
            inner.x,
            inner.y + (shown + i) as u16,
            fit(line, usize::from(inner.width)),
            usize::from(inner.width),
            theme.dim(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `update` scrolls the help by `HELP_LEGEND_ROWS` without drawing the legend; the
    /// legend drawn must be that long, or the list stops short of its end or past it.
    #[test]
    fn the_legend_is_as_long_as_update_counts_it() {
        let ascii = Theme {
            ascii: true,
            ..Theme::default()
        };
        for theme in [Theme::default(), ascii] {
            assert_eq!(
                legend(Context::Fleet, &theme).len(),
                layout::HELP_LEGEND_ROWS
            );
            assert!(legend(Context::Run, &theme).is_empty());
        }
    }
}
