//! The dry run of the marked databases: a list of databases, and the exact SQL the run
//! would send to the chosen one, bookkeeping included, scrollable.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::{fit, pad};
use crate::console::layout;
use crate::console::model::{LINT_MARK, sql_text};
use crate::console::state::{PreviewView, State};
use crate::console::theme::Sym;
use dbfleet_core::engine::dryrun::DatabasePlan;

fn plan_sym(plan: &DatabasePlan) -> Sym {
    if plan.refused.is_some() {
        Sym::Failed
    } else if plan.steps.is_empty() && plan.pending_elsewhere.is_empty() {
        Sym::Ok
    } else {
        Sym::Pending
    }
}

pub fn render(buf: &mut Buffer, area: Rect, state: &State, view: &PreviewView) {
    let theme = &state.theme;
    let (list_area, sql_area) = layout::preview_panes(area);
    let set = if view.everything {
        crate::console::state::EVERYTHING
    } else {
        view.set.as_deref().unwrap_or("own sets")
    };
    let list_block = Block::bordered()
        .border_style(theme.border(false))
        .title_top(Line::styled(" dry run ", theme.title()));
    let list_inner = list_block.inner(list_area);
    list_block.render(list_area, buf);
    let sql_block = Block::bordered().border_style(theme.border(true));

    let result = match &view.result {
        None => {
            let inner = sql_block.inner(sql_area);
            sql_block.render(sql_area, buf);
            for (i, db) in view
                .databases
                .iter()
                .enumerate()
                .take(usize::from(list_inner.height))
            {
                buf.set_stringn(
                    list_inner.x,
                    list_inner.y + i as u16,
                    format!("{} {db}", theme.symbol(Sym::Unknown)),
                    usize::from(list_inner.width),
                    theme.dim(),
                );
            }
            buf.set_stringn(
                inner.x,
                inner.y,
                format!("planning {} database(s), set {set}…", view.databases.len()),
                usize::from(inner.width),
                theme.dim(),
            );
            return;
        }
        Some(Err(e)) => {
            let inner = sql_block.inner(sql_area);
            sql_block.render(sql_area, buf);
            for (i, line) in layout::wrap(e, usize::from(inner.width))
                .iter()
                .enumerate()
                .take(usize::from(inner.height))
            {
                buf.set_stringn(
                    inner.x,
                    inner.y + i as u16,
                    line,
                    usize::from(inner.width),
                    theme.error(),
                );
            }
            return;
        }
        Some(Ok(result)) => result,
    };

    let list_width = usize::from(list_inner.width);
    let height = usize::from(list_inner.height);
    let offset = layout::scroll_to_show(0, view.selected, height);
    let mut y = 0usize;
    for (i, plan) in result.plans.iter().enumerate().skip(offset).take(height) {
        let sym = plan_sym(plan);
        let linted = plan.steps.iter().any(|s| !s.findings.is_empty());
        let steps = match (&plan.refused, plan.steps.len()) {
            (Some(_), _) => "refused".to_owned(),
            (None, 0) => "up to date".to_owned(),
            (None, n) if linted => format!("{n} step(s) {LINT_MARK}"),
            (None, n) => format!("{n} step(s)"),
        };
        // The name comes first: in a narrow list the symbol already says refused or up
        // to date, and a bare count says how many steps.
        let name_len = plan.database.chars().count();
        let steps = if name_len + steps.chars().count() + 3 <= list_width {
            steps
        } else {
            match (&plan.refused, plan.steps.len()) {
                (None, n) if n > 0 && linted => format!("{n}{LINT_MARK}"),
                (None, n) if n > 0 => n.to_string(),
                _ => String::new(),
            }
        };
        let name_width = list_width.saturating_sub(steps.chars().count() + 3);
        let line = Line::from(vec![
            Span::styled(format!("{} ", theme.symbol(sym)), theme.style(sym)),
            Span::raw(pad(&plan.database, name_width)),
            Span::raw(" "),
            Span::styled(steps, theme.dim()),
        ]);
        let row = list_inner.y + y as u16;
        buf.set_line(list_inner.x, row, &line, list_inner.width);
        if i == view.selected {
            buf.set_style(
                Rect::new(list_inner.x, row, list_inner.width, 1),
                theme.focus(),
            );
        }
        y += 1;
    }
    for db in &result.not_targeted {
        if y >= height {
            break;
        }
        buf.set_stringn(
            list_inner.x,
            list_inner.y + y as u16,
            fit(
                &format!("{} {db} (not targeted)", theme.symbol(Sym::NotTargeted)),
                list_width,
            ),
            list_width,
            theme.dim(),
        );
        y += 1;
    }

    let Some(plan) = result.plans.get(view.selected) else {
        sql_block.render(sql_area, buf);
        return;
    };
    let direction = plan
        .steps
        .first()
        .map_or_else(|| "up".into(), |s| s.direction.to_string());
    // Most telling first: a narrow pane cuts the server, not the step count.
    let title = format!(
        " {} · {} step(s) {direction} · set {} · nothing is changed · {} ",
        plan.database,
        plan.steps.len(),
        plan.set,
        plan.server.as_deref().unwrap_or("-"),
    );
    let title = fit(&title, usize::from(sql_area.width.saturating_sub(2)));
    let sql_block = sql_block.title_top(Line::styled(title, theme.title()));
    let inner = sql_block.inner(sql_area);
    sql_block.render(sql_area, buf);
    let lines = layout::wrap(&sql_text(plan), usize::from(inner.width));
    let page = usize::from(inner.height);
    let scroll = view.scroll.min(lines.len().saturating_sub(page));
    for (i, line) in lines.iter().skip(scroll).take(page).enumerate() {
        let style = if line.starts_with("--") && line.contains(LINT_MARK) {
            theme.warning()
        } else if line.starts_with("--") {
            if plan.refused.is_some() {
                theme.error()
            } else {
                theme.title()
            }
        } else {
            Style::new()
        };
        buf.set_stringn(
            inner.x,
            inner.y + i as u16,
            line,
            usize::from(inner.width),
            style,
        );
    }
    if lines.len() > page {
        let note = format!(
            " {}–{} of {} ",
            scroll + 1,
            (scroll + page).min(lines.len()),
            lines.len()
        );
        let x = sql_area.x
            + sql_area
                .width
                .saturating_sub(note.chars().count() as u16 + 1);
        buf.set_string(
            x,
            sql_area.y + sql_area.height.saturating_sub(1),
            note,
            theme.dim(),
        );
    }
}
