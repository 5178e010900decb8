//! The fleet at a glance: one panel per database (or one line each, `v`), only the
//! visible ones drawn, so a fleet of a thousand costs what a screenful costs.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::symbols::border;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::{fit, pad, whole_seconds};
use crate::console::layout::FleetLayout;
use crate::console::layout::{text_width, wrap_words};
use crate::console::model::{Database, Health};
use crate::console::progress::Phase;
use crate::console::state::State;
use crate::console::theme::{Sym, Theme};

pub fn render(buf: &mut Buffer, area: Rect, state: &State) {
    if state.visible.is_empty() {
        let text = match &state.filter {
            Some(f) => format!(" no database matches `{f}` (esc clears the filter)"),
            None => " no database in the config".to_owned(),
        };
        buf.set_stringn(area.x, area.y, text, usize::from(area.width), Style::new());
        return;
    }
    match state.layout {
        FleetLayout::Panels => panels(buf, area, state),
        FleetLayout::Rows => rows(buf, area, state),
    }
}

fn panels(buf: &mut Buffer, area: Rect, state: &State) {
    let grid = state.grid();
    let width = area.width / grid.columns as u16;
    let first = state.offset * grid.columns;
    let last = (first + grid.columns * grid.rows).min(state.visible.len());
    for (slot, &db) in state.visible[first..last].iter().enumerate() {
        let column = (slot % grid.columns) as u16;
        let row = (slot / grid.columns) as u16;
        let rect = Rect::new(
            area.x + column * width,
            area.y + row * grid.panel_height,
            width,
            grid.panel_height,
        );
        let focused = first + slot == state.cursor;
        panel(buf, rect, state, db, focused);
    }
    scroll_note(buf, area, state, first, last);
}

/// "12–17 of 1000" when not everything fits.
fn scroll_note(buf: &mut Buffer, area: Rect, state: &State, first: usize, last: usize) {
    if first == 0 && last == state.visible.len() {
        return;
    }
    let note = format!(" {}–{} of {} ", first + 1, last, state.visible.len());
    let x = area.x + area.width.saturating_sub(note.chars().count() as u16 + 1);
    let y = area.y + area.height.saturating_sub(1);
    buf.set_string(x, y, note, state.theme.title());
}

fn mark(db: &Database) -> &'static str {
    if db.marked { "[x] " } else { "[ ] " }
}

/// Applied/pending per set: `own ✓4/4  cross_service ●0/2`, the chosen set underlined.
fn set_badges<'a>(state: &State, db: &Database, theme: &Theme) -> Vec<Span<'a>> {
    let Some(status) = &db.status else {
        return Vec::new();
    };
    let chosen = state.set_name();
    if let Some(chosen) = chosen
        && !status.sets.iter().any(|s| s.set == chosen)
    {
        return vec![Span::styled(
            format!(
                "{} not targeted by {chosen}",
                theme.symbol(Sym::NotTargeted)
            ),
            theme.style(Sym::NotTargeted),
        )];
    }
    let mut spans = Vec::new();
    for set in &status.sets {
        let total = set.migrations.len();
        let sym = if set.migrations.iter().any(|m| m.state.is_dirty()) {
            Sym::Dirty
        } else if set.pending > 0 {
            Sym::Pending
        } else {
            Sym::Ok
        };
        let label = if set.shared {
            set.set.clone()
        } else {
            "own".to_owned()
        };
        let is_chosen = match chosen {
            _ if state.everything => true,
            Some(c) => c == set.set,
            None => !set.shared,
        };
        let mut style = Style::new();
        if is_chosen {
            style = style.add_modifier(Modifier::UNDERLINED | Modifier::BOLD);
        }
        spans.push(Span::styled(label, style));
        spans.push(Span::styled(
            format!(" {}{}/{total}  ", theme.symbol(sym), set.applied),
            theme.style(sym),
        ));
    }
    spans
}

/// The lock as the facts line shows it. `room`: the columns left on that line; a holder
/// that does not fit is left out whole (the state line below names it) rather than cut
/// into a name that is not the holder's.
fn lock_text(db: &Database, theme: &Theme, room: usize, ours: bool) -> (String, Style) {
    // The status shown was read before this console's own run took the lock.
    if ours {
        let long = format!("{} locked by this run", theme.symbol(Sym::Locked));
        let text = if text_width(&long) <= room {
            long
        } else {
            format!("{} this run", theme.symbol(Sym::Locked))
        };
        return (text, theme.style(Sym::Running));
    }
    let Some(lock) = db.status.as_ref().and_then(|s| s.lock.as_ref()) else {
        return ("lock free".into(), Style::new());
    };
    let sym = theme.symbol(Sym::Locked);
    let (long, short) = if lock.stale {
        (
            format!("{sym} stale lock {}", lock.row.holder),
            format!("{sym} stale lock"),
        )
    } else {
        (
            format!("{sym} locked by {}", lock.row.holder),
            format!("{sym} locked"),
        )
    };
    let text = if text_width(&long) <= room {
        long
    } else {
        short
    };
    (text, theme.style(Sym::Locked))
}

/// The state line: health, or a running database's progress.
fn state_line(state: &State, db_index: usize) -> (Sym, String) {
    let db = &state.dbs[db_index];
    let health = state.health(db_index);
    if health == Health::Running
        && let Some(row) = state.run.as_ref().and_then(|r| r.row(db.name()))
    {
        let what = match (&row.phase, &row.migration) {
            (Phase::LockWaiting(holder), _) => format!("lock held by {holder}"),
            (Phase::Connecting, _) => "connecting".into(),
            (Phase::BackingUp, _) => "backing up".into(),
            (_, Some(m)) => {
                let short = m.rsplit('/').next().unwrap_or(m);
                match row.statement {
                    Some((i, n)) if n > 0 => format!("{short} {i}/{n}"),
                    _ => short.to_owned(),
                }
            }
            _ => "starting".into(),
        };
        let what = if row.aborting {
            format!("aborting… {what}")
        } else if row.cancelling {
            format!("cancelling… {what}")
        } else {
            what
        };
        return (
            Sym::Running,
            format!("{}/{} {what}", row.steps_done, row.steps_total),
        );
    }
    (health.sym(), health.label())
}

fn panel(buf: &mut Buffer, rect: Rect, state: &State, index: usize, focused: bool) {
    let theme = &state.theme;
    let db = &state.dbs[index];
    let (sym, label) = state_line(state, index);
    let name_style = if focused {
        theme.title().add_modifier(Modifier::REVERSED)
    } else if db.marked {
        theme.marked()
    } else {
        theme.title()
    };
    let title = Line::from(vec![
        Span::styled(
            mark(db),
            if db.marked {
                theme.marked()
            } else {
                Style::new()
            },
        ),
        Span::styled(theme.symbol(sym), theme.style(sym)),
        Span::raw(" "),
        Span::styled(db.info.name.clone(), name_style),
        Span::raw(" "),
    ]);
    let driver = db.info.driver.map_or_else(|| "?".into(), |d| d.to_string());
    // The name is what a panel is for: the driver gives way when both do not fit.
    let title_width = title.width() + driver.len() + 2 + 2;
    let driver = if title_width <= usize::from(rect.width) {
        driver
    } else {
        String::new()
    };
    let mut bottom = vec![Span::styled(
        format!(" {} {} ", theme.symbol(sym), label),
        theme.style(sym),
    )];
    if let Some(since) = db.reading_since {
        let waited = state.now_ms.saturating_sub(since);
        if waited >= 1000 {
            bottom.push(Span::styled(
                format!("{} reading {} ", theme.reading(), whole_seconds(waited)),
                theme.dim(),
            ));
        }
    }
    let block = Block::bordered()
        .border_set(if focused {
            border::THICK
        } else {
            border::PLAIN
        })
        .border_style(theme.border(focused))
        .title_top(title)
        .title_top(
            Line::from(if driver.is_empty() {
                String::new()
            } else {
                format!(" {driver} ")
            })
            .right_aligned(),
        )
        .title_bottom(Line::from(bottom));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let width = usize::from(inner.width);
    let mut lines: Vec<Line> = Vec::new();

    let server = server_text(db.info.server.as_deref().unwrap_or_default(), width);
    // Tall panels (room to spare) name the server's version after where it lives.
    let version = db
        .status
        .as_ref()
        .and_then(|s| s.server_version.as_deref())
        .filter(|v| inner.height > 4 && text_width(&server) + 2 + text_width(v) <= width);
    lines.push(match version {
        Some(version) => {
            let gap = width - text_width(&server) - text_width(version);
            Line::from(vec![
                Span::styled(server, theme.dim()),
                Span::raw(" ".repeat(gap)),
                Span::styled(version.to_owned(), theme.dim()),
            ])
        }
        None => Line::styled(server, theme.dim()),
    });
    match (&db.info.config_error, &db.status, &db.read_error) {
        (Some(error), _, _) => {
            for chunk in wrap_words(error, width).into_iter().take(3) {
                lines.push(Line::styled(chunk, theme.error()));
            }
        }
        (None, None, Some(error)) => {
            lines.push(Line::styled(fit(error, width), theme.error()));
        }
        (None, None, None) => lines.push(Line::styled("reading status…", theme.dim())),
        (None, Some(status), read_error) => {
            let error = status.error.as_ref().map(ToString::to_string);
            if let Some(error) = error.as_ref().or(read_error.as_ref()) {
                for chunk in wrap_words(error, width).into_iter().take(3) {
                    lines.push(Line::styled(chunk, theme.error()));
                }
            } else {
                lines.push(Line::from(format!(
                    "applied {} · pending {} · last {}",
                    status.applied,
                    status.pending,
                    status.last_version.as_deref().unwrap_or("-")
                )));
                lines.push(Line::from(set_badges(state, db, theme)));
                let facts = if status.exists {
                    format!(
                        "{} tables · {} · ",
                        status.tables.map_or("-".into(), |t| t.to_string()),
                        status
                            .size_bytes
                            .map_or("-".into(), dbfleet_core::human::size)
                    )
                } else {
                    "not created yet · ".to_owned()
                };
                let room = width.saturating_sub(text_width(&facts));
                let ours = state.run.as_ref().is_some_and(|r| r.is_running(db.name()));
                let (lock, lock_style) = lock_text(db, theme, room, ours);
                lines.push(Line::from(vec![
                    Span::raw(facts),
                    Span::styled(lock, lock_style),
                ]));
                // Tall panels (room to spare): when it last changed and what comes next.
                if inner.height > 4 {
                    lines.extend(tall_lines(status, theme, width));
                }
            }
        }
    }
    for (i, line) in lines.iter().take(usize::from(inner.height)).enumerate() {
        buf.set_line(inner.x, inner.y + i as u16, line, inner.width);
    }
}

/// Where a database lives, in `width` columns. Its name (after the last `/`) is what
/// tells panels apart, so the `user@` goes first, then the host is cut, never the name.
fn server_text(server: &str, width: usize) -> String {
    if text_width(server) <= width {
        return server.to_owned();
    }
    let place = server.split_once('@').map_or(server, |(_, place)| place);
    if text_width(place) <= width {
        return place.to_owned();
    }
    match place.rsplit_once('/') {
        Some((host, name)) if text_width(name) + 2 < width => {
            let room = width - text_width(name) - 1;
            format!("{}/{name}", fit(host, room))
        }
        _ => fit(place, width),
    }
}

/// The two lines a tall panel adds: the last migration applied (when, by whom) and the
/// next one pending.
fn tall_lines(
    status: &dbfleet_core::engine::status::DatabaseStatus,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let migrations = || status.sets.iter().flat_map(|s| &s.migrations);
    let last = migrations()
        .filter(|m| {
            m.applied_at.is_some()
                && m.state == dbfleet_core::engine::status::MigrationState::Applied
        })
        .max_by(|a, b| a.applied_at.cmp(&b.applied_at));
    let last = match last {
        Some(m) => {
            let when = format!(
                "last {} by {}",
                crate::console::model::short_time(m.applied_at.as_deref().unwrap_or_default()),
                m.applied_by.as_deref().unwrap_or("?"),
            );
            // Which migration, where the panel has the room for it.
            let room = width.saturating_sub(text_width(&when) + 3);
            if room >= 8 {
                format!(
                    "{when} · {}",
                    fit(&format!("{}_{}", m.version_text, m.name), room)
                )
            } else {
                when
            }
        }
        None => "no migration applied yet".to_owned(),
    };
    let next = match migrations()
        .find(|m| m.state == dbfleet_core::engine::status::MigrationState::Pending)
    {
        Some(m) => format!("next {}", m.id),
        None => "nothing pending".to_owned(),
    };
    vec![
        Line::styled(fit(&last, width), theme.dim()),
        Line::styled(fit(&next, width), theme.dim()),
    ]
}

/// The rows' fact columns; narrow terminals drop tables and size so the state column,
/// the one that matters, keeps its room.
fn row_facts(wide: bool, cells: [&str; 6]) -> String {
    let [driver, applied, pending, last, tables, size] = cells;
    if wide {
        format!("{driver:<8} {applied:>7} {pending:>7} {last:<5} {tables:>7} {size:>10}  ")
    } else {
        format!("{driver:<8} {applied:>7} {pending:>7} {last:<5}  ")
    }
}

/// Rows this wide and wider show table counts and sizes.
const ROWS_WIDE: u16 = 100;

fn rows(buf: &mut Buffer, area: Rect, state: &State) {
    let theme = &state.theme;
    let wide = area.width >= ROWS_WIDE;
    let titles = format!(
        "      {}{}{}",
        pad("NAME", 20),
        row_facts(
            wide,
            ["DRIVER", "APPLIED", "PENDING", "LAST", "TABLES", "SIZE"]
        ),
        if wide { "LOCK / STATE" } else { "STATE" }
    );
    buf.set_stringn(area.x, area.y, titles, usize::from(area.width), theme.dim());
    let grid = state.grid();
    let first = state.offset;
    let last = (first + grid.rows).min(state.visible.len());
    for (slot, &index) in state.visible[first..last].iter().enumerate() {
        let db = &state.dbs[index];
        let y = area.y + 1 + slot as u16;
        let (sym, label) = state_line(state, index);
        let driver = db.info.driver.map(|d| d.to_string()).unwrap_or_default();
        let facts = match &db.status {
            Some(s) if s.error.is_none() => row_facts(
                wide,
                [
                    &driver,
                    &s.applied.to_string(),
                    &s.pending.to_string(),
                    s.last_version.as_deref().unwrap_or("-"),
                    &s.tables.map_or("-".into(), |t| t.to_string()),
                    &s.size_bytes.map_or("-".into(), dbfleet_core::human::size),
                ],
            ),
            _ => row_facts(wide, [&driver, "-", "-", "-", "-", "-"]),
        };
        let used = 6 + 20 + text_width(&facts);
        let room = usize::from(area.width).saturating_sub(used);
        // A lock on a database whose state is something else (dirty, say) still shows.
        let detail = match db.status.as_ref().and_then(|s| s.lock.as_ref()) {
            Some(_) if !matches!(sym, Sym::Locked | Sym::Running) => {
                let lock = lock_text(db, theme, room.saturating_sub(label.len() + 3), false).0;
                format!("{label} · {lock}")
            }
            _ => label.clone(),
        };
        let detail = fit(&detail, room);
        let line = Line::from(vec![
            Span::styled(
                mark(db),
                if db.marked {
                    theme.marked()
                } else {
                    Style::new()
                },
            ),
            Span::styled(format!("{} ", theme.symbol(sym)), theme.style(sym)),
            Span::raw(pad(db.name(), 20)),
            Span::raw(facts),
            Span::styled(detail, theme.style(sym)),
        ]);
        buf.set_line(area.x, y, &line, area.width);
        if state.cursor == first + slot {
            buf.set_style(Rect::new(area.x, y, area.width, 1), theme.focus());
        }
    }
    scroll_note(buf, area, state, first, last);
}
