//! The cross-set matrix: rows are the migrations of a shared set, columns the databases,
//! each cell applied / pending / failed / not targeted. It answers "which services lack
//! distributed_locks?" in one look.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::{fit, pad};
use crate::console::layout::{self, MATRIX_CELL_WIDTH, MATRIX_LABEL_WIDTH};
use crate::console::model::{MigrationInfo, SetInfo, migration_sym};
use crate::console::state::{MatrixView, State};
use crate::console::theme::Sym;
use dbfleet_core::human::{names_without, short_names};

/// Columns a name may take above its cell.
const NAME_ROOM: usize = MATRIX_CELL_WIDTH * 2 - 1;

pub fn cell(state: &State, set: &SetInfo, migration: &MigrationInfo, db: usize) -> Sym {
    if !set.targeted.get(db).copied().unwrap_or(false) {
        return Sym::NotTargeted;
    }
    let Some(database) = state.dbs.get(db) else {
        return Sym::Unknown;
    };
    if let Some(run) = &state.run
        && run.is_running(database.name())
        && run.set.as_deref() == Some(set.name.as_str())
        && run
            .row(database.name())
            .and_then(|r| r.migration.as_deref())
            == Some(migration.id.as_str())
    {
        return Sym::Running;
    }
    if database.info.config_error.is_some() || database.read_error.is_some() {
        return Sym::Unreachable;
    }
    let Some(status) = &database.status else {
        return Sym::Unknown;
    };
    if status.error.is_some() {
        return Sym::Unreachable;
    }
    match database.set_status(&set.name) {
        None => Sym::NotTargeted,
        Some(set_status) => set_status
            .migrations
            .iter()
            .find(|m| m.version == migration.version)
            .map_or(Sym::Pending, migration_sym),
    }
}

pub fn render(buf: &mut Buffer, area: Rect, state: &State, view: &MatrixView) {
    let theme = &state.theme;
    let Some(set) = state.set.and_then(|i| state.fleet.shared_sets.get(i)) else {
        buf.set_string(area.x, area.y, " no shared set", theme.dim());
        return;
    };
    let columns = state.matrix_columns();
    let names: Vec<&str> = columns.iter().map(|&c| state.dbs[c].name()).collect();
    let (short, head, tail) = short_names(&names, NAME_ROOM);
    let title = format!(
        " {} across {} database(s){} ",
        set.name,
        columns.len(),
        names_without(&head, &tail)
    );
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title_top(Line::styled(title, theme.title()))
        .title_top(Line::styled(" [ ] other sets ", theme.dim()).right_aligned());
    let inner = block.inner(area);
    block.render(area, buf);
    let fit_columns = layout::matrix_fit(state.size.0);
    let first = view.col_offset.min(columns.len());
    let last = (first + fit_columns).min(columns.len());
    let x0 = inner.x + MATRIX_LABEL_WIDTH as u16;
    let right = inner.x + inner.width;

    for (slot, i) in (first..last).enumerate() {
        let x = x0 + (slot * MATRIX_CELL_WIDTH) as u16;
        let y = inner.y + (slot % 2) as u16;
        let room = usize::from(right.saturating_sub(x)).min(NAME_ROOM);
        let style = if i == view.col {
            theme.title().add_modifier(Modifier::UNDERLINED)
        } else {
            theme.dim()
        };
        buf.set_stringn(x, y, fit(&short[i], room), room, style);
    }

    // The count beside each label is as wide as the widest `n/n`, the label gets the rest.
    let targets = columns
        .iter()
        .filter(|&&c| set.targeted.get(c).copied().unwrap_or(false))
        .count();
    let count_width = format!("{targets}/{targets}").len();
    let label_width = MATRIX_LABEL_WIDTH.saturating_sub(count_width + 2);
    let rows_top = inner.y + 2;
    let rows_room = usize::from(inner.height.saturating_sub(5));
    let row_offset = layout::scroll_to_show(0, view.row, rows_room);
    for (r, migration) in set
        .migrations
        .iter()
        .enumerate()
        .skip(row_offset)
        .take(rows_room)
    {
        let y = rows_top + (r - row_offset) as u16;
        let targeted: Vec<usize> = columns
            .iter()
            .copied()
            .filter(|&c| set.targeted.get(c).copied().unwrap_or(false))
            .collect();
        let applied = targeted
            .iter()
            .filter(|&&c| matches!(cell(state, set, migration, c), Sym::Ok | Sym::Drift))
            .count();
        let label_style = if r == view.row {
            theme.title().add_modifier(Modifier::REVERSED)
        } else {
            theme.title()
        };
        buf.set_stringn(
            inner.x,
            y,
            pad(&migration.label, label_width),
            label_width,
            label_style,
        );
        buf.set_stringn(
            inner.x + label_width as u16,
            y,
            format!(" {:>count_width$}", format!("{applied}/{}", targeted.len())),
            count_width + 1,
            theme.dim(),
        );
        for (slot, i) in (first..last).enumerate() {
            let db = columns[i];
            let sym = cell(state, set, migration, db);
            let x = x0 + (slot * MATRIX_CELL_WIDTH) as u16;
            let mut style = theme.style(sym);
            if r == view.row && i == view.col {
                style = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
            }
            buf.set_stringn(x, y, format!(" {} ", theme.symbol(sym)), 3, style);
        }
    }
    if last < columns.len() || first > 0 {
        let note = format!(
            " columns {}–{} of {} (PgUp/PgDn) ",
            first + 1,
            last,
            columns.len()
        );
        buf.set_stringn(
            inner.x,
            inner.y + inner.height.saturating_sub(3),
            note,
            usize::from(inner.width),
            theme.dim(),
        );
    }

    let detail_y = inner.y + inner.height.saturating_sub(2);
    if let (Some(migration), Some(&db)) = (set.migrations.get(view.row), columns.get(view.col)) {
        let sym = cell(state, set, migration, db);
        let state_text = match sym {
            Sym::Ok => "applied",
            Sym::Pending => "pending",
            Sym::Running => "running now",
            Sym::Failed => "failed",
            Sym::Dirty => "dirty (stopped half-way)",
            Sym::Drift => "applied, file changed since (drift)",
            Sym::Locked => "locked",
            Sym::Unreachable => "unreachable or misconfigured",
            Sym::NotTargeted => "not targeted by this set",
            Sym::Unknown => "status not read yet",
        };
        let line = Line::from(vec![
            Span::styled(format!("{} ", theme.symbol(sym)), theme.style(sym)),
            Span::styled(state.dbs[db].name().to_owned(), theme.title()),
            Span::raw(format!(" · {}: {state_text}", migration.id)),
        ]);
        buf.set_line(inner.x, detail_y, &line, inner.width);
    }
    let legend: Vec<Span> = [
        (Sym::Ok, "applied"),
        (Sym::Pending, "pending"),
        (Sym::Failed, "failed"),
        (Sym::Dirty, "dirty"),
        (Sym::Running, "running"),
        (Sym::NotTargeted, "not targeted"),
        (Sym::Unreachable, "unreachable"),
    ]
    .iter()
    // Whole entries only: a legend cut mid-word reads as a state that does not exist.
    .scan(0usize, |used, (sym, label)| {
        let entry = format!(" {label}  ");
        *used += 1 + entry.chars().count();
        Some((*used, sym, entry))
    })
    // The two blanks after the last entry may fall off the edge.
    .take_while(|(used, _, _)| used.saturating_sub(2) <= usize::from(inner.width))
    .flat_map(|(_, sym, entry)| {
        [
            Span::styled(theme.symbol(*sym), theme.style(*sym)),
            Span::styled(entry, theme.dim()),
        ]
    })
    .collect();
    buf.set_line(inner.x, detail_y + 1, &Line::from(legend), inner.width);
}
