//! The cross-set matrix: rows are the migrations of a shared set, columns the databases,
//! each cell applied / pending / failed / not targeted. It answers "which services lack
//! distributed_locks?" in one look.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::{fit, pad};
use crate::console::model::{MigrationInfo, SetInfo, migration_sym};
use crate::console::state::{MatrixView, State, matrix_fit};
use crate::console::theme::Sym;

/// The migration labels and the applied count beside them.
pub const LABEL_WIDTH: usize = 30;
/// One cell per database; names are written above, staggered over two lines, so each may
/// be nearly twice as wide as its cell.
pub const CELL_WIDTH: usize = 5;

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
            .map(migration_sym)
            .unwrap_or(Sym::Pending),
    }
}

/// Names without what every column shares (`_service`), so the columns stay narrow.
pub fn short_names(names: &[&str]) -> (Vec<String>, String) {
    let first: Vec<char> = names.first().map(|n| n.chars().rev().collect()).unwrap_or_default();
    let mut suffix = first.len();
    for name in names {
        let common = first
            .iter()
            .zip(name.chars().rev())
            .take_while(|(a, b)| **a == *b)
            .count();
        suffix = suffix.min(common);
    }
    // Keep whole words: cut the shared tail at its `_`, and never empty a name.
    let tail: String = first[..suffix].iter().rev().collect();
    let cut = tail.find('_').map(|i| tail[i..].chars().count()).unwrap_or(0);
    let cut = if names.len() < 2 || names.iter().any(|n| n.chars().count() <= cut) {
        0
    } else {
        cut
    };
    let short = names
        .iter()
        .map(|n| n.chars().take(n.chars().count() - cut).collect())
        .collect();
    let removed: String = tail.chars().skip(tail.chars().count() - cut).collect();
    (short, removed)
}

pub fn render(buf: &mut Buffer, area: Rect, state: &State, view: &MatrixView) {
    let theme = &state.theme;
    let Some(set) = state.set.and_then(|i| state.fleet.shared_sets.get(i)) else {
        buf.set_string(area.x, area.y, " no shared set", theme.dim());
        return;
    };
    let columns = state.matrix_columns();
    let names: Vec<&str> = columns.iter().map(|&c| state.dbs[c].name()).collect();
    let (short, cut) = short_names(&names);
    let title = format!(
        " {} across {} database(s){} ",
        set.name,
        columns.len(),
        if cut.is_empty() {
            String::new()
        } else {
            format!(" (names without \"{cut}\")")
        }
    );
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title_top(Line::styled(title, theme.title()))
        .title_top(Line::styled(" [ ] other sets ", theme.dim()).right_aligned());
    let inner = block.inner(area);
    block.render(area, buf);
    let fit_columns = matrix_fit(state);
    let first = view.col_offset.min(columns.len());
    let last = (first + fit_columns).min(columns.len());
    let x0 = inner.x + LABEL_WIDTH as u16;
    let right = inner.x + inner.width;

    for (slot, i) in (first..last).enumerate() {
        let x = x0 + (slot * CELL_WIDTH) as u16;
        let y = inner.y + (slot % 2) as u16;
        let room = usize::from(right.saturating_sub(x)).min(CELL_WIDTH * 2 - 1);
        let style = if i == view.col {
            theme.title().add_modifier(Modifier::UNDERLINED)
        } else {
            theme.dim()
        };
        buf.set_stringn(x, y, fit(&short[i], room), room, style);
    }

    let rows_top = inner.y + 2;
    let rows_room = usize::from(inner.height.saturating_sub(5));
    let row_offset = crate::console::layout::scroll_to_show(0, view.row, rows_room);
    for (r, migration) in set.migrations.iter().enumerate().skip(row_offset).take(rows_room) {
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
        buf.set_stringn(inner.x, y, pad(&migration.label, LABEL_WIDTH - 7), LABEL_WIDTH - 7, label_style);
        buf.set_stringn(
            inner.x + (LABEL_WIDTH - 7) as u16,
            y,
            format!(" {:>5}", format!("{applied}/{}", targeted.len())),
            6,
            theme.dim(),
        );
        for (slot, i) in (first..last).enumerate() {
            let db = columns[i];
            let sym = cell(state, set, migration, db);
            let x = x0 + (slot * CELL_WIDTH) as u16;
            let mut style = theme.style(sym);
            if r == view.row && i == view.col {
                style = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
            }
            buf.set_stringn(x, y, format!(" {} ", theme.symbol(sym)), 3, style);
        }
    }
    if last < columns.len() || first > 0 {
        let note = format!(" columns {}–{} of {} (PgUp/PgDn) ", first + 1, last, columns.len());
        buf.set_stringn(inner.x, inner.y + inner.height.saturating_sub(3), note, usize::from(inner.width), theme.dim());
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
    .flat_map(|(sym, label)| {
        [
            Span::styled(theme.symbol(*sym), theme.style(*sym)),
            Span::styled(format!(" {label}  "), theme.dim()),
        ]
    })
    .collect();
    buf.set_line(inner.x, detail_y + 1, &Line::from(legend), inner.width);
}

#[cfg(test)]
mod tests {
    use super::short_names;

    #[test]
    fn shared_suffixes_are_cut_at_a_word() {
        let (short, cut) = short_names(&["user_service", "order_service", "analytics_service"]);
        assert_eq!(short, vec!["user", "order", "analytics"]);
        assert_eq!(cut, "_service");
        let (short, cut) = short_names(&["tenant_001", "tenant_002"]);
        assert_eq!(short, vec!["tenant_001", "tenant_002"]);
        assert_eq!(cut, "");
    }
}
