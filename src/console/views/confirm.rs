//! Confirmations: what will run where, with Cancel focused. `down` (and any run in a
//! `production` environment) also wants the number of databases typed.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use super::{fit, pad, popup};
use crate::console::state::{Confirm, ConfirmKind, RunConfirm, State};
use crate::console::theme::{Sym, Theme};
use dbfleet_core::engine::Direction;
use dbfleet_core::engine::dryrun::DatabasePlan;
use dbfleet_core::engine::resume::{DirtyStep, sql_excerpt};

/// What is pending in the database's other sets, so "up to date" beside a panel that
/// says pending explains itself: the panel counts every set, a run only the chosen one.
fn pending_elsewhere(state: &State, plan: &DatabasePlan) -> Option<String> {
    let status = state
        .dbs
        .get(state.index_of(&plan.database)?)?
        .status
        .as_ref()?;
    let other: Vec<String> = status
        .sets
        .iter()
        .filter(|s| s.set != plan.set && s.pending > 0)
        .map(|s| format!("{} pending in {}", s.pending, s.set))
        .collect();
    (!other.is_empty()).then(|| other.join(", "))
}

fn steps_text(plan: &DatabasePlan, direction: Direction) -> String {
    let label = |i: usize| {
        plan.steps
            .get(i)
            .map(|s| format!("{}_{}", s.version_text, s.name))
            .unwrap_or_default()
    };
    match (plan.steps.len(), direction) {
        (0, _) => "nothing to do".into(),
        (1, Direction::Up) => format!("1 step: {}", label(0)),
        (1, Direction::Down) => format!("revert {}", label(0)),
        (n, Direction::Up) => format!("{n} steps: {} … {}", label(0), label(n - 1)),
        (n, Direction::Down) => format!("revert {n}: {} … {}", label(0), label(n - 1)),
    }
}

fn run_lines(
    state: &State,
    run: &RunConfirm,
    theme: &Theme,
    width: usize,
    room: usize,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let name_width = run
        .databases
        .iter()
        .map(|d| d.chars().count())
        .max()
        .unwrap_or(8)
        .min(24);
    match &run.result {
        None => {
            for db in run.databases.iter().take(room) {
                lines.push(Line::styled(
                    format!(
                        "{}  {} planning…",
                        pad(db, name_width),
                        theme.symbol(Sym::Unknown)
                    ),
                    theme.dim(),
                ));
            }
        }
        Some(Err(e)) => {
            for chunk in crate::console::layout::wrap_words(e, width)
                .into_iter()
                .take(room)
            {
                lines.push(Line::styled(chunk, theme.error()));
            }
        }
        Some(Ok(result)) => {
            // The button counts every database the run starts on; say how many of them
            // will really change, so "Run up on 6" is not read as six databases migrated.
            let changing: Vec<_> = result
                .plans
                .iter()
                .filter(|p| p.refused.is_none() && !p.steps.is_empty())
                .collect();
            let steps: usize = changing.iter().map(|p| p.steps.len()).sum();
            let up_to_date = result
                .plans
                .iter()
                .filter(|p| p.refused.is_none() && p.steps.is_empty())
                .count();
            let refused = result.plans.len() - changing.len() - up_to_date;
            let mut summary = format!(
                "{} of {} will change ({steps} step(s))",
                changing.len(),
                result.plans.len()
            );
            if up_to_date > 0 {
                summary.push_str(&format!(" · {up_to_date} up to date"));
            }
            if refused > 0 {
                summary.push_str(&format!(" · {refused} refused"));
            }
            lines.push(Line::styled(fit(&summary, width), theme.title()));
            // What lint found in what would run: the preview shows each finding.
            let mut used = 2;
            if let Some(counts) = crate::console::model::lint_counts(&result.plans) {
                lines.push(Line::styled(
                    fit(
                        &format!(
                            "{} {counts} — p shows them",
                            crate::console::model::LINT_MARK
                        ),
                        width,
                    ),
                    theme.warning(),
                ));
                used += 1;
            }
            // How a bad migration is kept from the rest: the budget, and the canary.
            let budget = match state.fleet.max_failures {
                Some(k) => {
                    format!("stops starting databases after {k} failed (migrator.max_failures)")
                }
                None => "migrator.max_failures unset: every database starts whatever fails".into(),
            };
            lines.push(Line::styled(fit(&budget, width), theme.dim()));
            if let Some(canary) = run.canary_candidate() {
                lines.push(Line::styled(
                    fit(
                        &format!(
                            "Canary {canary} first: runs it alone, starts the other {} only if it goes well",
                            result.plans.len() - 1
                        ),
                        width,
                    ),
                    theme.dim(),
                ));
                used += 1;
            }
            let room = room.saturating_sub(used);
            let shown = if result.plans.len() > room {
                room.saturating_sub(1)
            } else {
                room
            };
            for plan in result.plans.iter().take(shown) {
                let (sym, text) = match &plan.refused {
                    Some(reason) => (Sym::Failed, format!("refused: {reason}")),
                    None if plan.steps.is_empty() => match pending_elsewhere(state, plan) {
                        Some(other) if run.direction == Direction::Up => {
                            (Sym::Ok, format!("up to date here; {other} (] switches)"))
                        }
                        _ => (Sym::Ok, "up to date".into()),
                    },
                    None => (Sym::Pending, steps_text(plan, run.direction)),
                };
                let rest = width.saturating_sub(name_width + 4);
                lines.push(Line::from(vec![
                    Span::raw(pad(&plan.database, name_width)),
                    Span::raw(" → "),
                    Span::styled(
                        fit(&format!("{} {text}", theme.symbol(sym)), rest),
                        theme.style(sym),
                    ),
                ]));
            }
            if result.plans.len() > shown {
                lines.push(Line::styled(
                    format!("… and {} more", result.plans.len() - shown),
                    theme.dim(),
                ));
            }
            if !result.not_targeted.is_empty() {
                lines.push(Line::styled(
                    fit(
                        &format!(
                            "{} not targeted by the set, left out: {}",
                            theme.symbol(Sym::NotTargeted),
                            result.not_targeted.join(", ")
                        ),
                        width,
                    ),
                    theme.dim(),
                ));
            }
            for bad in &result.misconfigured {
                lines.push(Line::styled(fit(&format!("✗ {bad}"), width), theme.error()));
            }
        }
    }
    lines
}

/// A half-done step as the CLI's `resolve` shows it: each statement done / not done with
/// its SQL, then what each choice does, with what a mark leaves wrong in the schema. In
/// `room` lines: the choices are what the operator decides on, so the statement list is
/// what gets shortened.
fn resolve_lines(
    steps: &[DirtyStep],
    theme: &Theme,
    width: usize,
    room: usize,
) -> Vec<Line<'static>> {
    let wrapped = |text: String, style: Style| -> Vec<Line<'static>> {
        crate::console::layout::wrap_words(&text, width)
            .into_iter()
            .map(|t| Line::styled(t, style))
            .collect()
    };
    let mut head = Vec::new();
    let mut statements = Vec::new();
    let mut tail = Vec::new();
    for step in steps {
        head.extend(wrapped(step.headline(), Style::new()));
        if let Some(file) = &step.file {
            head.push(Line::styled(fit(&format!("  {file}"), width), theme.dim()));
        }
        for s in &step.statements {
            let (mark, sym) = if s.done {
                ("✓ done    ", Sym::Ok)
            } else {
                ("· not done", Sym::Pending)
            };
            let text = format!(
                "  {mark} {:>2}  line {:<4} {}",
                s.index,
                s.line,
                sql_excerpt(&s.sql)
            );
            statements.push(Line::styled(fit(&text, width), theme.style(sym)));
        }
        let left = step.statements_total - step.statements_done.min(step.statements_total);
        tail.extend(wrapped(
            match &step.cannot_resume {
                None => format!(
                    "Resume: runs the {left} statement(s) not done, then records the step as {}.",
                    match step.direction {
                        Direction::Up => "applied",
                        Direction::Down => "reverted",
                    }
                ),
                Some(why) => format!("Resume: not offered: {why}"),
            },
            Style::new(),
        ));
        // The engine's warnings (the CLI prints them) list the statements again; here
        // they are listed just above, so the choice says only what the schema lacks or
        // still has.
        let (done, total) = (step.statements_done, step.statements_total);
        let range = |from: usize, to: usize| {
            if from == to {
                format!("statement {from}")
            } else {
                format!("statements {from}..{to}")
            }
        };
        let applied = step.applied_warning().map(|_| match step.direction {
            Direction::Up => format!(
                "records all as run, but {} did not run: the schema lacks what it makes",
                range(done + 1, total)
            ),
            Direction::Down => format!(
                "keeps it applied, but {} of its down ran: the schema lacks what it removed",
                range(1, done)
            ),
        });
        let rolled_back = step.rolled_back_warning().map(|_| match step.direction {
            Direction::Up => format!(
                "forgets it, but {} ran: the schema still has what it made, and up runs it again",
                range(1, done)
            ),
            Direction::Down => format!(
                "forgets it, but {} of its down did not run: the schema still has what it removes",
                range(done + 1, total)
            ),
        });
        for (label, warning, fine) in [
            (
                "Mark applied",
                applied,
                "records the step as applied: every statement of it is in the schema",
            ),
            (
                "Mark rolled back",
                rolled_back,
                "forgets the step: none of its statements is in the schema",
            ),
        ] {
            let style = if warning.is_some() {
                theme.warning()
            } else {
                Style::new()
            };
            let text = match warning {
                Some(w) => format!("{label} ✗ {w} (type the name)"),
                None => format!("{label}: {fine}"),
            };
            tail.extend(wrapped(text, style));
        }
    }
    let for_statements = room.saturating_sub(head.len() + tail.len());
    if statements.len() > for_statements {
        let shown = for_statements.saturating_sub(1).max(1);
        let more = statements.len() - shown;
        statements.truncate(shown);
        let database = steps.first().map_or("", |s| s.database.as_str());
        statements.push(Line::styled(
            fit(
                &format!("  … {more} more statement(s): dbfleet resolve -d {database} shows all"),
                width,
            ),
            theme.dim(),
        ));
    }
    head.extend(statements);
    head.extend(tail);
    head
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, confirm: &Confirm) {
    let theme = state.theme;
    let width = area.width.saturating_sub(4).min(88);
    let inner_width = usize::from(width.saturating_sub(4));
    let max_height = area.height.saturating_sub(2);
    // A count is typed whenever asked for; a name only for a mark that contradicts what ran.
    let typing =
        confirm.typed.is_some() && (!confirm.types_a_name() || confirm.required_text().is_some());
    // Title, body, blank, typed line, blank, buttons, borders.
    let fixed = 6 + u16::from(typing) * 2;
    let room = usize::from(max_height.saturating_sub(fixed)).max(1);

    let (title, mut body): (String, Vec<Line>) = match &confirm.kind {
        ConfirmKind::Run(run) => {
            let set = if run.everything {
                "everything pending (own set first, then shared sets by name)"
            } else {
                run.set.as_deref().unwrap_or("each database's own set")
            };
            (
                format!(
                    " {} on {} database(s) · set: {set} ",
                    match run.direction {
                        Direction::Up => "Up",
                        Direction::Down => "Down (one step each)",
                    },
                    run.databases.len()
                ),
                run_lines(state, run, &theme, inner_width, room),
            )
        }
        ConfirmKind::Unlock { database, detail } => (
            format!(" Clear the lock on {database} "),
            vec![
                Line::from(format!("The migration lock on {database} is {detail}.")),
                Line::from(
                    "Its holder is gone (stale). Clearing it lets the next run take the lock.",
                ),
            ],
        ),
        ConfirmKind::Adopt {
            database, detail, ..
        } => (
            format!(" Adopt {database} "),
            vec![
                Line::from(format!("{database} is managed by {detail}.")),
                Line::from(
                    "Adopt records what that tool applied as applied in dbfleet's table, without running anything; its table stays as it is. Then up runs only what is new (CLI: dbfleet adopt).",
                ),
            ],
        ),
        ConfirmKind::AcceptDrift {
            database,
            migrations,
        } => {
            let mut lines = vec![Line::from(format!(
                "{database}'s applied files changed since they ran:"
            ))];
            for m in migrations {
                lines.push(Line::styled(format!("  {m}"), theme.style(Sym::Drift)));
            }
            lines.push(Line::from(
                "Accept: the edit was on purpose; record the files' checksums as they are now.",
            ));
            lines.push(Line::from(
                "Until then runs on it are refused (the CLI's --allow-drift passes one run).",
            ));
            (format!(" Accept drift on {database} "), lines)
        }
        ConfirmKind::Resolve {
            database,
            steps: Some(Ok(steps)),
            ..
        } if !steps.is_empty() => (
            format!(" Resolve {database} "),
            resolve_lines(steps, &theme, inner_width, room),
        ),
        ConfirmKind::Resolve {
            database,
            detail,
            reverting,
            steps,
        } => {
            let mut lines = vec![Line::from(format!(
                "{database} has a step that stopped half-way:"
            ))];
            for d in detail {
                lines.push(Line::styled(format!("  {d}"), theme.style(Sym::Dirty)));
            }
            match steps {
                None => lines.push(Line::styled("reading which statements ran…", theme.dim())),
                Some(Err(e)) => lines.push(Line::styled(
                    format!("cannot read the step's statements: {e}"),
                    theme.error(),
                )),
                Some(Ok(_)) => lines.push(Line::styled(
                    "the database says no step is half-done now (read again: ctrl-r)",
                    theme.dim(),
                )),
            }
            lines.push(Line::from(
                "Resume: run the statements not done yet (refused if the file changed since).",
            ));
            if *reverting {
                lines.push(Line::from(
                    "A down stopped: Mark applied if none of its changes are there (the migration stays);",
                ));
                lines.push(Line::from(
                    "Mark rolled back if the revert is complete (the migration is gone).",
                ));
            } else {
                lines.push(Line::from(
                    "Mark applied: all of the step's changes are in the database.",
                ));
                lines.push(Line::from(
                    "Mark rolled back: none of them are (you undid them); it runs again.",
                ));
            }
            (format!(" Resolve {database} "), lines)
        }
        ConfirmKind::QuitDuringRun => (
            " A run is active ".into(),
            vec![
                Line::from("Cancel the run (after the current statements) and quit when it stops?"),
                Line::from("Cancel keeps the console open and the run going."),
            ],
        ),
    };
    let wrapped: Vec<Line> = body
        .drain(..)
        .flat_map(|line| {
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            if text.chars().count() <= inner_width {
                vec![line]
            } else {
                crate::console::layout::wrap_words(&text, inner_width)
                    .into_iter()
                    .map(|t| Line::styled(t, line.style))
                    .collect()
            }
        })
        .take(room)
        .collect();

    let height = (wrapped.len() as u16 + fixed).min(max_height);
    let block = Block::bordered()
        .border_style(theme.warning())
        .title_top(Line::styled(title, theme.title()));
    let inner = popup(frame.buffer_mut(), area, width, height, block);
    let inner = Rect::new(
        inner.x + 1,
        inner.y,
        inner.width.saturating_sub(2),
        inner.height,
    );
    let buf = frame.buffer_mut();
    for (i, line) in wrapped.iter().enumerate() {
        buf.set_line(inner.x, inner.y + 1 + i as u16, line, inner.width);
    }
    let mut y = inner.y + 1 + wrapped.len() as u16 + 1;

    if let Some(typed) = confirm.typed.as_ref().filter(|_| typing) {
        let required = confirm.required_text().unwrap_or_else(|| "…".into());
        let label = if confirm.types_a_name() {
            format!("Type {required} (the database's name) to mark it anyway: ")
        } else {
            format!("Type {required} (the number of databases) to confirm: ")
        };
        buf.set_stringn(
            inner.x,
            y,
            &label,
            usize::from(inner.width),
            theme.warning(),
        );
        let x = inner.x + label.chars().count() as u16;
        let value = format!(
            "[{}]",
            pad(typed.value(), if confirm.types_a_name() { 20 } else { 4 })
        );
        buf.set_stringn(
            x,
            y,
            &value,
            usize::from(inner.width.saturating_sub(x - inner.x)),
            theme.title(),
        );
        frame.set_cursor_position(Position::new(x + 1 + typed.visual_cursor() as u16, y));
        y += 2;
    }

    let buf = frame.buffer_mut();
    let blocked = confirm.blocked();
    let buttons = confirm.buttons();
    let mut spans = Vec::new();
    for (i, label) in buttons.iter().enumerate() {
        let mut style = Style::new();
        if i > 0 && blocked.is_some() {
            style = theme.dim();
        }
        if i == confirm.focus {
            style = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
        }
        spans.push(Span::styled(format!("[ {label} ]"), style));
        spans.push(Span::raw("   "));
    }
    let buttons_width: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let x = inner.x + (usize::from(inner.width).saturating_sub(buttons_width) / 2) as u16;
    buf.set_line(
        x,
        y.min(inner.y + inner.height.saturating_sub(1)),
        &Line::from(spans),
        inner.width,
    );
    if let Some(why) = blocked
        && confirm.focus > 0
    {
        let why_y = (y + 1).min(inner.y + inner.height.saturating_sub(1));
        if why_y != y {
            buf.set_stringn(
                inner.x,
                why_y,
                fit(&why, usize::from(inner.width)),
                usize::from(inner.width),
                theme.dim(),
            );
        }
    }
}
