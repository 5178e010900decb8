//! A run, live: a gauge per database with its current migration and statement and the
//! time it has taken, the event log streaming below, and the outcome per database at the
//! end.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::{fit, pad};
use crate::console::layout;
use crate::console::model::duration;
use crate::console::progress::{Phase, RunRow, outcome_sym};
use crate::console::state::State;
use crate::console::theme::{Sym, Theme};

const GAUGE_WIDTH: usize = 10;

fn row_sym(row: &RunRow) -> Sym {
    match &row.phase {
        Phase::Queued | Phase::Waiting(_) => Sym::NotTargeted,
        Phase::LockWaiting(_) => Sym::Locked,
        Phase::Connecting | Phase::BackingUp | Phase::Running => Sym::Running,
        Phase::Done(outcome) => outcome_sym(outcome),
    }
}

/// What a row says, in at most `width` columns. When a running step's line does not fit,
/// the statement counter goes first and the set's prefix goes: the counter is what shows
/// the step is moving, and a name cut at its end still reads.
fn row_text(row: &RunRow, width: usize) -> String {
    if row.cancelling && !matches!(row.phase, Phase::Done(_)) {
        let word = if row.aborting {
            "aborting…"
        } else {
            "cancelling…"
        };
        return fit(&format!("{word} {}", row_phase_text(row)), width);
    }
    if let (Phase::Running, Some(m), Some((i, n))) = (&row.phase, &row.migration, row.statement) {
        let full = format!("{m}  statement {i}/{n}");
        if full.chars().count() <= width {
            return full;
        }
        let short = m.rsplit('/').next().unwrap_or(m);
        return fit(&format!("stmt {i}/{n} {short}"), width);
    }
    fit(&row_phase_text(row), width)
}

fn row_phase_text(row: &RunRow) -> String {
    match &row.phase {
        Phase::Queued => "queued".into(),
        Phase::Waiting(on) => format!("waiting for {}", on.join(", ")),
        Phase::Connecting => "connecting".into(),
        Phase::LockWaiting(holder) => format!("waiting for the lock held by {holder}"),
        Phase::BackingUp => "backing up".into(),
        Phase::Running => match (&row.migration, row.statement) {
            (Some(m), Some((i, n))) => format!("{m}  statement {i}/{n}"),
            (Some(m), None) => m.clone(),
            (None, _) => "starting".into(),
        },
        Phase::Done(outcome) => outcome.describe(),
    }
}

fn gauge(row: &RunRow, theme: &Theme) -> String {
    let (full, empty) = if theme.ascii {
        ('#', '-')
    } else {
        ('█', '░')
    };
    let fraction = if row.steps_total == 0 {
        // Nothing to run and done: full. Refused or blocked: empty, never "complete".
        match &row.phase {
            Phase::Done(outcome) if outcome.lets_dependents_run() => 1.0,
            _ => 0.0,
        }
    } else {
        let within = match row.statement {
            Some((i, n)) if n > 0 => i.saturating_sub(1) as f64 / n as f64,
            _ => 0.0,
        };
        ((row.steps_done as f64 + within) / row.steps_total as f64).min(1.0)
    };
    let filled = (fraction * GAUGE_WIDTH as f64).round() as usize;
    let mut out: String = std::iter::repeat_n(full, filled).collect();
    out.extend(std::iter::repeat_n(
        empty,
        GAUGE_WIDTH - filled.min(GAUGE_WIDTH),
    ));
    out
}

pub fn render(buf: &mut Buffer, area: Rect, state: &State) {
    let theme = &state.theme;
    let Some(run) = &state.run else {
        buf.set_string(area.x, area.y, " no run yet", theme.dim());
        return;
    };
    let now = state.now_ms;
    let status = match &run.error {
        Some(e) => format!("did not start: {e}"),
        None => run.state_word().to_owned(),
    };
    let sym = if run.is_active() {
        Sym::Running
    } else if run.all_ok() {
        Sym::Ok
    } else {
        Sym::Failed
    };
    let title = Line::from(vec![
        Span::styled(format!(" {} ", theme.symbol(sym)), theme.style(sym)),
        Span::styled(
            format!(
                "{} · {} · {} · {}/{} done · {}{} ",
                run.direction,
                run.set.as_deref().unwrap_or("own sets"),
                status,
                run.done_count(),
                run.rows.len(),
                duration(run.elapsed_ms(now)),
                // Who ran it last: the first thing a narrow title can do without.
                run.by
                    .as_deref()
                    .map(|b| format!(" · by {b}"))
                    .unwrap_or_default(),
            ),
            theme.title(),
        ),
    ]);
    let block = Block::bordered()
        .border_style(theme.border(run.is_active()))
        .title_top(title);
    let inner = block.inner(area);
    block.render(area, buf);

    let table_height = layout::run_table_height(state.size.0, state.size.1, run.rows.len());
    let width = usize::from(inner.width);
    let name_width = run
        .rows
        .iter()
        .map(|r| r.database.chars().count())
        .max()
        .unwrap_or(10)
        .min(24);
    let offset = layout::scroll_to_show(run.offset, run.cursor, table_height);
    for (slot, row) in run.rows.iter().enumerate().skip(offset).take(table_height) {
        let y = inner.y + (slot - offset) as u16;
        let sym = row_sym(row);
        let elapsed = row
            .started_ms
            .map(|s| duration(row.finished_ms.unwrap_or(now).saturating_sub(s)))
            .unwrap_or_default();
        let counts = format!("{}/{}", row.steps_done, row.steps_total);
        let fixed = 2 + name_width + 1 + GAUGE_WIDTH + 1 + 6 + 9;
        let text_width = width.saturating_sub(fixed);
        let text_style = match sym {
            Sym::Failed => theme.error(),
            _ => Style::new(),
        };
        let line = Line::from(vec![
            Span::styled(format!("{} ", theme.symbol(sym)), theme.style(sym)),
            Span::raw(pad(&row.database, name_width)),
            Span::raw(" "),
            Span::styled(gauge(row, theme), theme.style(sym)),
            Span::raw(format!(" {counts:<6}")),
            Span::styled(pad(&row_text(row, text_width), text_width), text_style),
            Span::styled(format!("{elapsed:>9}"), theme.dim()),
        ]);
        buf.set_line(inner.x, y, &line, inner.width);
        if slot == run.cursor {
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), theme.focus());
        }
    }

    let mut log_top = inner.y + table_height as u16;
    // The focused database's whole outcome when its row cuts it: the database's own error
    // message is what the operator needs, and it is the part a row loses first.
    if let Some(row) = run.rows.get(run.cursor) {
        let fixed = 2 + name_width + 1 + GAUGE_WIDTH + 1 + 6 + 9;
        let text = row_phase_text(row);
        if text.chars().count() > width.saturating_sub(fixed) {
            let room = usize::from((inner.y + inner.height).saturating_sub(log_top + 1)) / 2;
            let lines = layout::wrap_words(&text, width.saturating_sub(2));
            let shown = lines.len().min(room.clamp(1, 6));
            if log_top + (shown as u16) < inner.y + inner.height {
                let rule = format!("── {} {}", row.database, "─".repeat(width));
                buf.set_stringn(inner.x, log_top, rule, width, theme.dim());
                let style = match row_sym(row) {
                    Sym::Failed => theme.error(),
                    _ => Style::new(),
                };
                for (i, line) in lines.iter().take(shown).enumerate() {
                    let mut line = line.clone();
                    if i + 1 == shown && lines.len() > shown {
                        line = fit(&format!("{line} …"), width.saturating_sub(2));
                    }
                    buf.set_stringn(inner.x + 1, log_top + 1 + i as u16, line, width - 1, style);
                }
                log_top += 1 + shown as u16;
            }
        }
    }
    if log_top >= inner.y + inner.height {
        return;
    }
    let rule = format!("── events {}", "─".repeat(width.saturating_sub(10)));
    buf.set_stringn(inner.x, log_top, rule, width, theme.dim());
    let room = usize::from((inner.y + inner.height).saturating_sub(log_top + 1));
    let skip = run.log.len().saturating_sub(room);
    for (i, entry) in run.log.iter().skip(skip).enumerate() {
        let at = duration(entry.at_ms.saturating_sub(run.started_ms));
        let who = entry
            .database
            .as_deref()
            .map(|d| format!("{d}: "))
            .unwrap_or_default();
        let text = fit(&format!("{at:>8}  {who}{}", entry.text), width);
        let style = if entry.bad {
            theme.error()
        } else {
            Style::new()
        };
        buf.set_stringn(inner.x, log_top + 1 + i as u16, text, width, style);
    }
}
