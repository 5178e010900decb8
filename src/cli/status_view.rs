//! `dbfleet status` as text (a summary table, then one grep-able line per migration with
//! the database's name in front) or JSON.

use std::fmt::Write;

use serde::Serialize;

use dbfleet_core::engine::status::{DatabaseStatus, MigrationState, Verdict};
use dbfleet_core::engine::validate::Validation;

/// The engine's verdict in a word, and its symbol, as the console shows it too.
pub fn health(status: &DatabaseStatus) -> (&'static str, String) {
    let verdict = status.verdict();
    let symbol = match verdict {
        Verdict::Unreachable(_) => "?",
        Verdict::Misconfigured(_) | Verdict::SetProblem(_) => "✗",
        Verdict::Dirty => "!",
        Verdict::StaleLock(_) | Verdict::Locked(_) => "⊘",
        Verdict::Drift(_) | Verdict::FileMissing(_) => "~",
        Verdict::Pending(_) | Verdict::OutOfOrder(_) => "●",
        Verdict::ManagedBy(_) => "»",
        Verdict::UpToDate => "✓",
    };
    (symbol, verdict.word())
}

fn state_symbol(state: MigrationState, checksum_ok: Option<bool>) -> &'static str {
    match state {
        MigrationState::Applied if checksum_ok == Some(false) => "~",
        MigrationState::Applied => "✓",
        MigrationState::Pending => "●",
        MigrationState::Running | MigrationState::Failed | MigrationState::Reverting => "!",
        MigrationState::Missing => "?",
        MigrationState::InProgress => "▶",
    }
}

/// Columns sized from what they hold (a 14-digit version, a stale lock's holder), so no
/// row is pushed out of line; numbers right-aligned.
const HEADER: [&str; 9] = [
    "DATABASE", "DRIVER", "APPLIED", "PENDING", "LAST", "TABLES", "SIZE", "LOCK", "STATE",
];
const RIGHT: [bool; 9] = [false, false, true, true, false, true, true, false, false];

fn table(rows: &[[String; 9]]) -> String {
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header = HEADER.map(str::to_owned);
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            let gap = if i == 0 { "" } else { "  " };
            if i == row.len() - 1 {
                let _ = write!(line, "{gap}{cell}");
            } else if RIGHT[i] {
                let _ = write!(line, "{gap}{}{cell}", " ".repeat(pad));
            } else {
                let _ = write!(line, "{gap}{cell}{}", " ".repeat(pad));
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

pub fn render_text(statuses: &[DatabaseStatus], short: bool) -> String {
    let width = statuses
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let rows: Vec<[String; 9]> = statuses
        .iter()
        .map(|s| {
            let (symbol, word) = health(s);
            // Unknown is not zero: an unreachable database shows dashes, not "0 pending, free".
            let known = s.error.is_none();
            let count = |n: usize| if known { n.to_string() } else { "-".to_owned() };
            let lock = match &s.lock {
                None if !known => "-".to_owned(),
                None => "free".to_owned(),
                Some(l) if l.stale => format!("stale: {}", l.row.holder),
                Some(l) => format!("held: {}", l.row.holder),
            };
            [
                s.name.clone(),
                s.driver.map_or_else(|| "-".into(), |d| d.to_string()),
                count(s.applied),
                count(s.pending),
                s.last_version.as_deref().unwrap_or("-").to_owned(),
                s.tables.map_or_else(|| "-".into(), |t| t.to_string()),
                s.size_bytes
                    .map_or_else(|| "-".into(), dbfleet_core::human::size),
                lock,
                format!("{symbol} {word}"),
            ]
        })
        .collect();
    let mut out = table(&rows);
    for s in statuses {
        if let Some(error) = &s.error {
            let _ = writeln!(out, "\n{}: {error}", s.name);
        }
        if let Some(managed) = &s.managed_by {
            let _ = writeln!(out, "\n{}: {}", s.name, managed.advice);
        }
    }
    if short {
        return out;
    }
    // One width for the whole fleet: the lines of different databases line up when grepped
    // together.
    let id_width = statuses
        .iter()
        .filter(|s| s.error.is_none())
        .flat_map(|s| s.sets.iter())
        .flat_map(|set| set.migrations.iter().map(|m| m.id.chars().count()))
        .max()
        .unwrap_or(0);
    for s in statuses.iter().filter(|s| s.error.is_none()) {
        let _ = writeln!(
            out,
            "\n{} ({}{})",
            s.name,
            s.server.as_deref().unwrap_or("-"),
            if s.exists { "" } else { ", not created yet" }
        );
        for set in &s.sets {
            for problem in &set.problems {
                let _ = writeln!(out, "{:<width$}  ✗ set {}: {problem}", s.name, set.set);
            }
            for m in &set.migrations {
                let detail = match m.state {
                    MigrationState::Pending => format!(
                        "pending{}{}",
                        if m.reversible { "" } else { " (no down)" },
                        match (m.out_of_order, s.out_of_order_allowed) {
                            (false, _) => "",
                            (true, false) => {
                                " · OUT OF ORDER: older than the last applied; up refuses it without --allow-out-of-order"
                            }
                            (true, true) => {
                                " (out of order, allowed: migrator.allow_out_of_order is on, up applies it)"
                            }
                        }
                    ),
                    MigrationState::Applied => format!(
                        "applied {} by {} in {} ms{}",
                        m.applied_at
                            .as_deref()
                            .map_or_else(|| "?".into(), dbfleet_core::human::time),
                        m.applied_by.as_deref().unwrap_or("?"),
                        m.execution_ms.unwrap_or(0),
                        if m.checksum_ok == Some(false) {
                            " · DRIFT: file changed since"
                        } else {
                            ""
                        }
                    ),
                    MigrationState::Missing => "applied, but its files are gone".to_owned(),
                    MigrationState::InProgress => format!(
                        "in progress: statement {} of {}",
                        m.statements_done.unwrap_or(0),
                        m.statements_total.unwrap_or(0)
                    ),
                    state => format!(
                        "DIRTY: {} stopped after {} of {} statements{}",
                        match state {
                            MigrationState::Running => "up (running)",
                            MigrationState::Failed => "up (failed)",
                            _ => "down (reverting)",
                        },
                        m.statements_done.unwrap_or(0),
                        m.statements_total.unwrap_or(0),
                        m.error
                            .as_deref()
                            .map(|e| format!(": {e}"))
                            .unwrap_or_default()
                    ),
                };
                let _ = writeln!(
                    out,
                    "{:<width$}  {} {:<id_width$}  {detail}",
                    s.name,
                    state_symbol(m.state, m.checksum_ok),
                    m.id
                );
            }
        }
        if let Some(lock) = &s.lock {
            let _ = writeln!(
                out,
                "{:<width$}  ⊘ lock held by {} (pid {}, run {}) since {}, heartbeat {}{}",
                s.name,
                lock.row.holder,
                lock.row.pid,
                lock.row.run_id,
                lock.row.acquired_at,
                lock.row.heartbeat_at,
                if lock.stale {
                    " — STALE: clear with `dbfleet unlock`"
                } else {
                    ""
                }
            );
        }
    }
    out
}

#[derive(Serialize)]
struct StatusDocument<'a> {
    config: String,
    databases: &'a [DatabaseStatus],
}

pub fn render_json(config: &std::path::Path, statuses: &[DatabaseStatus]) -> String {
    let doc = StatusDocument {
        config: config.display().to_string(),
        databases: statuses,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// `dbfleet history`: the journal's entries as the engine words them.
pub fn history(entries: &[&dbfleet_core::engine::journal::JournalEntry]) -> String {
    let mut out = String::new();
    for entry in entries {
        for (line, _) in entry.lines() {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

/// `dbfleet validate`'s report: one line per finding, then the verdict.
pub fn validation(config: &std::path::Path, found: &Validation) -> String {
    let mut out = String::new();
    for finding in &found.problems {
        out.push_str(&format!("✗ {}: {}\n", finding.subject, finding.message));
    }
    for finding in &found.warnings {
        out.push_str(&format!(
            "warning: {}: {}\n",
            finding.subject, finding.message
        ));
    }
    for finding in &found.notes {
        let _ = writeln!(out, "note: {}: {}", finding.subject, finding.message);
    }
    let counts = format!(
        "{} database(s), {} migration set(s), {} migration(s)",
        found.databases, found.sets, found.migrations
    );
    if found.is_clean() {
        out.push_str(&format!(
            "✓ {}: {counts}; nothing a run would refuse\n",
            config.display()
        ));
    } else {
        out.push_str(&format!(
            "✗ {}: {counts}; {} problem(s) a run would refuse\n",
            config.display(),
            found.problems.len()
        ));
    }
    out
}
