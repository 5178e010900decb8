//! Views are plain functions of `&State`: they draw and decide nothing. The frame is a
//! header (fleet totals), the current screen, a status line and the key hints; overlays
//! (help, prompts, confirmations) go on top.

pub mod confirm;
pub mod fleet;
pub mod help;
pub mod history;
pub mod inspect;
pub mod matrix;
pub mod preview;
pub mod prompt;
pub mod run;

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

use super::keys;
use super::layout::{self, FOOTER_HEIGHT, HEADER_HEIGHT};
use super::model::duration;
use super::state::{FlashLevel, Overlay, Screen, State};
use super::theme::Sym;

/// Draws the whole console for `state`.
pub fn render(frame: &mut Frame, state: &State) {
    let area = frame.area();
    if state.too_small() {
        too_small(frame.buffer_mut(), area, state);
        return;
    }
    header(frame.buffer_mut(), area, state);
    let body = layout::body(area);
    match state.screens.last() {
        None => fleet::render(frame.buffer_mut(), body, state),
        Some(Screen::Inspect(view)) => inspect::render(frame.buffer_mut(), body, state, view),
        Some(Screen::Preview(view)) => preview::render(frame.buffer_mut(), body, state, view),
        Some(Screen::Matrix(view)) => matrix::render(frame.buffer_mut(), body, state, view),
        Some(Screen::Run) => run::render(frame.buffer_mut(), body, state),
        Some(Screen::History { scroll }) => {
            history::render(frame.buffer_mut(), body, state, *scroll);
        }
    }
    footer(frame, area, state);
    match &state.overlay {
        None => {}
        Some(Overlay::Help { context, scroll }) => {
            help::render(frame.buffer_mut(), body, state, *context, *scroll);
        }
        // The prompt lives in the status line, drawn by `footer`.
        Some(Overlay::Prompt(_)) => {}
        Some(Overlay::Confirm(confirm)) => confirm::render(frame, body, state, confirm),
    }
}

/// Fleet totals by condition, worst first, for the header.
pub fn totals(state: &State) -> BTreeMap<u8, (Sym, usize)> {
    let mut totals: BTreeMap<u8, (Sym, usize)> = BTreeMap::new();
    // Every condition counts: a database dirty and under a stale lock is in both totals.
    for i in 0..state.dbs.len() {
        for sym in state.conditions(i) {
            let entry = totals.entry(rank(sym)).or_insert((sym, 0));
            entry.1 += 1;
        }
    }
    totals
}

fn total_word(sym: Sym) -> &'static str {
    match sym {
        Sym::Running => "running",
        // Only a broken config entry shows as failed on the fleet.
        Sym::Failed => "misconfigured",
        Sym::Unreachable => "unreachable",
        Sym::Dirty => "dirty",
        Sym::Locked => "locked",
        Sym::Drift => "drift",
        Sym::Pending => "pending",
        Sym::Ok => "up to date",
        Sym::NotTargeted => "not targeted",
        Sym::Unknown => "unread",
    }
}

fn rank(sym: Sym) -> u8 {
    match sym {
        Sym::Running => 0,
        Sym::Failed => 1,
        Sym::Unreachable => 2,
        Sym::Dirty => 3,
        Sym::Locked => 4,
        Sym::Drift => 5,
        Sym::Pending => 6,
        Sym::Ok => 7,
        Sym::NotTargeted => 8,
        Sym::Unknown => 9,
    }
}

fn header(buf: &mut Buffer, area: Rect, state: &State) {
    let theme = &state.theme;
    let mut first = vec![
        Span::styled(" dbfleet ", theme.title().add_modifier(Modifier::REVERSED)),
        Span::raw(" "),
        Span::raw(state.fleet.config_path.clone()),
    ];
    if let Some(env) = &state.fleet.environment {
        first.push(Span::raw("  "));
        first.push(Span::styled(format!(" {env} "), theme.environment(env)));
    }
    if state.fleet.read_only {
        first.push(Span::raw("  "));
        first.push(Span::styled("read-only (dry_run)", theme.warning()));
    }
    first.push(Span::raw("  set: "));
    first.push(Span::styled(state.set_label().to_owned(), theme.title()));
    first.push(Span::styled(" [ ]", theme.dim()));
    buf.set_line(area.x, area.y, &Line::from(first), area.width);

    let mut second = vec![Span::raw(format!(" {} databases ", state.dbs.len()))];
    let totals = totals(state);
    let labelled: Vec<String> = totals
        .values()
        .map(|(sym, count)| format!(" {} {count} {}", theme.symbol(*sym), total_word(*sym)))
        .collect();
    // Words for newcomers where they fit beside the rest of the line; symbols alone else.
    let room = usize::from(area.width).saturating_sub(48);
    let words = labelled.iter().map(|t| t.chars().count()).sum::<usize>() <= room;
    for ((sym, count), text) in totals.values().zip(labelled) {
        let text = if words {
            text
        } else {
            format!(" {} {count}", theme.symbol(*sym))
        };
        second.push(Span::styled(text, theme.style(*sym)));
    }
    second.push(Span::raw("  "));
    let marked = state.marked_count();
    second.push(Span::styled(
        format!("marked {marked}"),
        if marked > 0 {
            theme.marked()
        } else {
            Style::new()
        },
    ));
    if let Some(filter) = &state.filter {
        // The count first: on a narrow header it is the glob's tail that gets cut.
        second.push(Span::raw(format!(
            "  {} shown by /{filter}",
            state.visible.len()
        )));
    }
    let reading: Vec<u64> = state.dbs.iter().filter_map(|d| d.reading_since).collect();
    if let Some(oldest) = reading.iter().min() {
        let waited = state.now_ms.saturating_sub(*oldest);
        second.push(Span::styled(
            format!(
                "  {} reading {} ({})",
                theme.reading(),
                reading.len(),
                whole_seconds(waited)
            ),
            theme.dim(),
        ));
    }
    buf.set_line(area.x, area.y + 1, &Line::from(second), area.width);
    let _ = HEADER_HEIGHT;
}

/// `3s`: coarse on purpose, so the header does not flicker every tick.
pub fn whole_seconds(ms: u64) -> String {
    format!("{}s", ms / 1000)
}

fn footer(frame: &mut Frame, area: Rect, state: &State) {
    let theme = state.theme;
    let status_y = area.y + area.height.saturating_sub(FOOTER_HEIGHT);
    let status_area = Rect::new(area.x, status_y, area.width, 1);
    let hints_area = Rect::new(area.x, status_y + 1, area.width, 1);

    if let Some(Overlay::Prompt(p)) = &state.overlay {
        prompt::render(frame, status_area, state, p);
    } else if let Some(flash) = &state.flash {
        let style = match flash.level {
            FlashLevel::Info => Style::new(),
            FlashLevel::Warning => theme.warning(),
            FlashLevel::Error => theme.error(),
        };
        frame.buffer_mut().set_stringn(
            status_area.x + 1,
            status_area.y,
            &flash.text,
            usize::from(status_area.width.saturating_sub(1)),
            style,
        );
    } else if let Some(run) = &state.run {
        let text = if run.is_active() {
            format!(
                " {} run: {}/{} done · {} · r shows it",
                theme.symbol(Sym::Running),
                run.done_count(),
                run.rows.len(),
                duration(run.elapsed_ms(state.now_ms))
            )
        } else {
            format!(
                " last run {}: {}/{} ok in {} · r shows it",
                run.state_word(),
                run.ok_count(),
                run.rows.len(),
                duration(run.elapsed_ms(state.now_ms))
            )
        };
        frame.buffer_mut().set_stringn(
            status_area.x,
            status_area.y,
            text,
            usize::from(status_area.width),
            theme.dim(),
        );
    }

    hints(frame.buffer_mut(), hints_area, state);
}

/// The key hints: the screen's own from the left, whole or not at all, and the global
/// ones (help, quit) always, on the right, so no width hides how to get help or out.
fn hints(buf: &mut Buffer, area: Rect, state: &State) {
    let theme = state.theme;
    let hint_spans = |binding: &keys::Binding, hint: &'static str| {
        [
            Span::styled(format!(" {}", keys::keys_label(binding)), theme.key()),
            Span::raw(format!(" {hint} ")),
        ]
    };
    let (mut own, mut global) = (Vec::new(), Vec::new());
    // A key that would only be refused here is not offered: read-only config, a screen
    // too small, or cancelling a run that has ended. `?` still lists them, marked off.
    let offered = |binding: &keys::Binding| {
        // `q` quits only from the fleet; inside a screen it goes back, as `esc` says.
        if binding.action == keys::Action::Quit && !state.screens.is_empty() {
            return false;
        }
        // The fleet offers L and R when the focused database has what they repair.
        if binding.context == keys::Context::Fleet
            && matches!(binding.action, keys::Action::Unlock | keys::Action::Resolve)
        {
            let status = state
                .focused()
                .and_then(|i| state.dbs.get(i))
                .and_then(|d| d.status.as_ref());
            let applies = status.is_some_and(|s| match binding.action {
                keys::Action::Unlock => s.lock.is_some(),
                _ => s.dirty || !s.drift.is_empty() || s.managed_by.is_some(),
            });
            if !applies {
                return false;
            }
        }
        !(binding.mutating
            && (state.too_small()
                || state.fleet.read_only
                || (binding.context == keys::Context::Run && !state.run_active())))
    };
    for binding in keys::help_for(state.context()) {
        if !offered(binding) {
            continue;
        }
        if let Some(hint) = binding.hint {
            let spans = hint_spans(binding, hint);
            if binding.context == keys::Context::Global {
                global.extend(spans);
            } else if binding.context == keys::Context::Fleet
                && matches!(binding.action, keys::Action::Unlock | keys::Action::Resolve)
            {
                // The repair for what the focused database has goes first, so a narrow
                // footer still shows it.
                own.insert(0, spans);
            } else {
                own.push(spans);
            }
        }
    }
    let width = usize::from(area.width);
    let global_width: usize = global.iter().map(Span::width).sum();
    let room = width.saturating_sub(global_width);
    let mut spans = Vec::new();
    let mut used = 0;
    for pair in own {
        let w: usize = pair.iter().map(Span::width).sum();
        if used + w > room {
            break;
        }
        used += w;
        spans.extend(pair);
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
    let x = area.x + area.width.saturating_sub(global_width as u16);
    buf.set_line(
        x,
        area.y,
        &Line::from(global),
        area.width.min(global_width as u16),
    );
}

fn too_small(buf: &mut Buffer, area: Rect, state: &State) {
    let text = vec![
        Line::from(Span::styled("Terminal too small", state.theme.warning())),
        Line::from(format!(
            "{}×{} here; the console needs {}×{}.",
            area.width,
            area.height,
            layout::MIN_WIDTH,
            layout::MIN_HEIGHT
        )),
        Line::from("Enlarge the window. Keys that change databases are off."),
        Line::from(if state.screens.is_empty() {
            "q quits · ? help"
        } else {
            "q goes back · ? help"
        }),
    ];
    let height = (text.len() as u16).min(area.height);
    let y = area.y + area.height.saturating_sub(height) / 2;
    Paragraph::new(text)
        .wrap(Wrap { trim: true })
        .centered()
        .render(Rect::new(area.x, y, area.width, height), buf);
    if let Some(Overlay::Help { context, scroll }) = &state.overlay {
        help::render(buf, area, state, *context, *scroll);
    }
}

/// A box centred in `area`, at most `width`×`height`, cleared for drawing on top.
pub fn popup(buf: &mut Buffer, area: Rect, width: u16, height: u16, block: Block) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    Clear.render(rect, buf);
    let inner = block.inner(rect);
    block.render(rect, buf);
    inner
}

/// `text` cut to `width` characters, with `…` when cut.
pub fn fit(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// `text` cut or padded to exactly `width` characters.
pub fn pad(text: &str, width: usize) -> String {
    let cut = fit(text, width);
    let count = cut.chars().count();
    format!("{cut}{}", " ".repeat(width - count))
}

#[cfg(test)]
mod tests;
