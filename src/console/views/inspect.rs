//! One database: where it is, its state, its lock holder, and every migration of its sets
//! (applied when, by whom, how long, checksum ok or drifted; pending; dirty).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::{fit, pad};
use crate::console::layout;
use crate::console::layout::wrap_words;
use crate::console::model::{duration, migration_state_label, migration_sym, short_time};
use crate::console::state::{InspectView, State};
use crate::console::theme::Sym;
use dbfleet_core::engine::status::MigrationState;

/// Lines the facts' problem line may take.
const PROBLEM_LINES: usize = 2;

pub fn render(buf: &mut Buffer, area: Rect, state: &State, view: &InspectView) {
    let theme = &state.theme;
    let Some(db) = state.dbs.get(view.db) else {
        return;
    };
    let health = state.health(view.db);
    let driver = db.info.driver.map_or_else(|| "?".into(), |d| d.to_string());
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title_top(Line::from(vec![
            Span::raw(" "),
            Span::styled(theme.symbol(health.sym()), theme.style(health.sym())),
            Span::raw(" "),
            Span::styled(db.info.name.clone(), theme.title()),
            Span::raw(" "),
        ]))
        .title_top(Line::from(format!(" {driver} ")).right_aligned());
    let inner = block.inner(area);
    block.render(area, buf);
    let width = usize::from(inner.width);

    let mut facts: Vec<Line> = Vec::new();
    let depends = if db.info.depends_on.is_empty() {
        String::new()
    } else {
        format!(" · depends on {}", db.info.depends_on.join(", "))
    };
    facts.push(Line::from(format!(
        "server {}{depends}",
        db.info.server.as_deref().unwrap_or("-")
    )));
    let status = db.status.as_ref();
    // Counts and the lock are unknown, not zero and free, when the read did not get through.
    let readable = status.filter(|s| s.error.is_none() && db.info.config_error.is_none());
    let summary = match readable {
        Some(s) => format!(
            " · applied {} · pending {} · last {} · {} tables · {}",
            s.applied,
            s.pending,
            s.last_version.as_deref().unwrap_or("-"),
            s.tables.map_or("-".into(), |t| t.to_string()),
            s.size_bytes.map_or("-".into(), dbfleet_core::human::size)
        ),
        None => String::new(),
    };
    facts.push(Line::from(vec![
        Span::styled(
            format!("{} {}", theme.symbol(health.sym()), health.label()),
            theme.style(health.sym()),
        ),
        Span::raw(summary),
    ]));
    // A lock's whole story wraps into the problem lines when there is no problem.
    let mut lock_overflow: Vec<String> = Vec::new();
    let lock_line = match (readable, readable.and_then(|s| s.lock.as_ref())) {
        (None, _) => Line::styled("lock: unknown", theme.dim()),
        (Some(_), None) => Line::from("lock: free"),
        // What to do first, the run id last: on a narrow screen the end is what goes.
        (Some(_), Some(lock)) => {
            let (state_text, action) = if lock.stale {
                ("STALE, its holder is gone", " · L clears it")
            } else {
                ("live", "")
            };
            let text = format!(
                "lock: {} {state_text}{action} · held by {} (pid {}) since {} · heartbeat {} · run {}",
                theme.symbol(Sym::Locked),
                lock.row.holder,
                lock.row.pid,
                short_time(&lock.row.acquired_at),
                short_time(&lock.row.heartbeat_at),
                lock.row.run_id,
            );
            let mut lines = wrap_words(&text, width).into_iter();
            let first = lines.next().unwrap_or_default();
            lock_overflow = lines.collect();
            Line::styled(first, theme.style(Sym::Locked))
        }
    };
    facts.push(lock_line);
    let problem = db
        .info
        .config_error
        .clone()
        .or_else(|| status.and_then(|s| s.error.as_ref().map(ToString::to_string)))
        .or_else(|| db.read_error.clone())
        .or_else(|| dirty_line(state, view.db))
        .or_else(|| {
            status.filter(|s| !s.drift.is_empty()).map(|s| {
                format!(
                    "drift: {} changed after {} applied",
                    s.drift.join(", "),
                    if s.drift.len() == 1 {
                        "it was"
                    } else {
                        "they were"
                    }
                )
            })
        });
    // Two lines for the problem, so an error keeps its end (what to do) on screen.
    let (first, second) = match (problem, status) {
        (Some(p), _) => {
            let mut lines = wrap_words(&p, width);
            if lines.len() > PROBLEM_LINES {
                let rest = lines.split_off(PROBLEM_LINES - 1).join(" ");
                lines.push(fit(&rest, width));
            }
            let mut lines = lines.into_iter().map(|l| Line::styled(l, theme.error()));
            (
                lines.next().unwrap_or_default(),
                lines.next().unwrap_or_default(),
            )
        }
        (None, None) => (Line::styled("reading status…", theme.dim()), Line::from("")),
        (None, Some(_)) => {
            let mut lines = lock_overflow
                .iter()
                .map(|l| Line::styled(fit(l, width), theme.style(Sym::Locked)));
            (
                lines.next().unwrap_or_default(),
                lines.next().unwrap_or_default(),
            )
        }
    };
    facts.push(first);
    facts.push(second);
    for (i, line) in facts.iter().enumerate() {
        buf.set_line(inner.x, inner.y + i as u16, line, inner.width);
    }

    let widths = Columns::for_width(width);
    let list_top = inner.y + facts.len() as u16;
    buf.set_stringn(
        inner.x,
        list_top,
        widths.row("ST", "MIGRATION", "APPLIED AT", "BY", "TIME", "CHECKSUM"),
        width,
        theme.dim(),
    );
    let Some(status) = status else {
        return;
    };
    let mut lines: Vec<Line> = Vec::new();
    for set in &status.sets {
        let kind = if set.shared { "shared" } else { "own" };
        let chosen = state.everything
            || state.set_name() == Some(set.set.as_str())
            || (state.set_name().is_none() && !set.shared);
        let heading = format!(
            "── {} ({kind}) {}/{} applied{} ",
            set.set,
            set.applied,
            set.migrations.len(),
            if chosen { " · current set" } else { "" }
        );
        lines.push(Line::styled(heading, theme.title()));
        for m in &set.migrations {
            let sym = migration_sym(m);
            let applied_at = match m.state {
                MigrationState::Applied => {
                    m.applied_at.as_deref().map(short_time).unwrap_or_default()
                }
                _ => migration_state_label(m),
            };
            let checksum = match m.checksum_ok {
                Some(true) => "ok",
                Some(false) => "DRIFTED",
                None => "-",
            };
            let time = m
                .execution_ms
                .filter(|_| m.state == MigrationState::Applied)
                .map(|ms| duration(ms.max(0) as u64))
                .unwrap_or_default();
            let label = format!("{}_{}", m.version_text, m.name);
            let text = widths.row(
                "",
                &label,
                &applied_at,
                m.applied_by.as_deref().unwrap_or(""),
                &time,
                checksum,
            );
            lines.push(Line::from(vec![
                Span::styled(format!(" {} ", theme.symbol(sym)), theme.style(sym)),
                Span::styled(
                    text.chars().skip(3).collect::<String>(),
                    if matches!(sym, Sym::Dirty | Sym::Failed | Sym::Drift) {
                        theme.style(sym)
                    } else {
                        Style::new()
                    },
                ),
            ]));
        }
    }
    let page = layout::inspect_page(state.size.1);
    let scroll = view.scroll.min(lines.len().saturating_sub(page));
    let room = usize::from(inner.height).saturating_sub(facts.len() + 1);
    for (i, line) in lines.iter().skip(scroll).take(room).enumerate() {
        buf.set_line(inner.x, list_top + 1 + i as u16, line, inner.width);
    }
}

fn dirty_line(state: &State, db: usize) -> Option<String> {
    let status = state.dbs.get(db)?.status.as_ref()?;
    let m = status
        .sets
        .iter()
        .flat_map(|s| &s.migrations)
        .find(|m| m.state.is_dirty())?;
    Some(format!(
        "dirty (R resolves it): {} {}{}",
        m.id,
        migration_state_label(m),
        m.error
            .as_deref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default()
    ))
}

struct Columns {
    migration: usize,
    applied: usize,
    by: usize,
    time: usize,
    checksum: usize,
}

impl Columns {
    fn for_width(width: usize) -> Columns {
        let wide = width >= 100;
        // `2026-11-23 09:12:41Z` and its blank.
        let (applied, by, time, checksum) = if wide { (21, 20, 9, 9) } else { (21, 14, 7, 8) };
        Columns {
            migration: width
                .saturating_sub(3 + applied + by + time + checksum)
                .max(10),
            applied,
            by,
            time,
            checksum,
        }
    }

    fn row(
        &self,
        st: &str,
        migration: &str,
        applied: &str,
        by: &str,
        time: &str,
        checksum: &str,
    ) -> String {
        // Each column keeps a blank on its right: a holder exactly as wide as its column
        // must not run into the time beside it (`deploy@ops-1` + `14 ms`).
        let cell = |text: &str, width: usize| format!("{} ", pad(text, width.saturating_sub(1)));
        format!(
            "{}{}{}{}{}{}",
            pad(st, 3),
            cell(migration, self.migration),
            cell(applied, self.applied),
            cell(by, self.by),
            cell(time, self.time),
            fit(checksum, self.checksum)
        )
    }
}
