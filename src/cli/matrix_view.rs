//! `dbfleet matrix`: the console's matrix as a text table that fits the terminal, or JSON.
//! Migrations are rows and databases columns while the columns fit; a fleet too wide for
//! that (hundreds of tenants) turns it round, a database per row, so it still reads (and
//! greps) line by line.

use std::fmt::Write;
use std::io::IsTerminal;

use color_eyre::Section;
use color_eyre::eyre::eyre;

use dbfleet_core::engine::matrix::{Cell, Matrix};
use dbfleet_core::engine::{Fleet, SelectionRequest, WhenUnspecified, status};
use dbfleet_core::human::{names_without, short_names};

use super::args::{Format, MatrixArgs, MatrixRows};
use super::report::{Done, Failure};
use super::{exit, print, select};

/// A database column's name may take this much; longer names drop what they share first.
const NAME_ROOM: usize = 14;

pub async fn matrix_command(fleet: &Fleet, args: &MatrixArgs, format: Format) -> Done {
    let request = args.selection.request();
    let explicit = request.directory.clone();
    let sets: Vec<String> = match &explicit {
        Some(set) => vec![set.clone()],
        None => fleet
            .catalog
            .shared_sets()
            .map(|s| s.name.clone())
            .collect(),
    };
    if sets.is_empty() {
        return Err(Failure::usage(
            eyre!("no shared set: every set of this fleet is one database's own")
                .suggestion("the matrix shows a set several databases share; `dbfleet status` shows each database's own"),
        ));
    }
    let mut matrices = Vec::new();
    for name in &sets {
        let request = SelectionRequest {
            directory: Some(name.clone()),
            ..request.clone()
        };
        let selection = match select(fleet, &request, WhenUnspecified::WholeFleet) {
            Ok(selection) => selection,
            // Asked for by name: its error is the answer. Otherwise one set that goes
            // nowhere by itself (no targets declared) must not hide the others.
            Err(e) if explicit.is_some() => return Err(e),
            Err(_) => {
                eprintln!(
                    "note: set {name} declares no targets; `dbfleet matrix --directory {name} --all` shows it"
                );
                continue;
            }
        };
        let Some(set) = fleet.catalog.set(name) else {
            continue;
        };
        let statuses = status::status(fleet, &selection).await;
        matrices.push(Matrix::build(set, &statuses));
    }
    match format {
        Format::Json => {
            print(&(serde_json::to_string_pretty(&matrices).unwrap_or_default() + "\n"))
        }
        Format::Text => {
            let width = terminal_width();
            let texts: Vec<String> = matrices
                .iter()
                .map(|m| render_text(m, args.rows, width))
                .collect();
            print(&texts.join("\n"));
        }
    }
    Ok(exit::OK)
}

/// The terminal's width when stdout is one, else `COLUMNS` when set: a pipe has no edge.
fn terminal_width() -> Option<usize> {
    if std::io::stdout().is_terminal()
        && let Ok((columns, _)) = crossterm::terminal::size()
    {
        return Some(usize::from(columns));
    }
    std::env::var("COLUMNS").ok()?.trim().parse().ok()
}

pub fn symbol(cell: Cell) -> &'static str {
    match cell {
        Cell::Applied => "✓",
        Cell::Drift => "~",
        Cell::Pending => "●",
        Cell::Dirty => "!",
        Cell::Running => "▶",
        Cell::Missing => "?",
        Cell::Unknown => "-",
    }
}

const LEGEND: [(Cell, &str); 7] = [
    (Cell::Applied, "applied"),
    (Cell::Drift, "file changed since"),
    (Cell::Pending, "pending"),
    (Cell::Dirty, "dirty"),
    (Cell::Running, "running"),
    (Cell::Missing, "file missing"),
    (Cell::Unknown, "not read"),
];

/// The symbols the table uses, and only those.
fn legend(matrix: &Matrix) -> String {
    let used = |cell: &Cell| matrix.databases.iter().any(|db| db.cells.contains(cell));
    let entries: Vec<String> = LEGEND
        .iter()
        .filter(|(cell, _)| used(cell))
        .map(|(cell, word)| format!("{} {word}", symbol(*cell)))
        .collect();
    entries.join("  ")
}

/// One matrix as text; `width`: the terminal's, when known.
pub fn render_text(matrix: &Matrix, rows: Option<MatrixRows>, width: Option<usize>) -> String {
    let mut out = String::new();
    let count = matrix.databases.len();
    if count == 0 {
        let _ = writeln!(out, "{}: no database selected that it targets", matrix.set);
        return out;
    }
    let names: Vec<&str> = matrix.databases.iter().map(|d| d.name.as_str()).collect();
    let (short, head, tail) = short_names(&names, NAME_ROOM);
    let by_migration = migrations_as_rows(matrix, &short, width);
    let rows = rows.unwrap_or(if by_migration {
        MatrixRows::Migrations
    } else {
        MatrixRows::Databases
    });
    let without = match rows {
        MatrixRows::Databases => String::new(),
        MatrixRows::Migrations => names_without(&head, &tail),
    };
    let _ = writeln!(
        out,
        "{}: {} migration(s) across {count} database(s){without}",
        matrix.set,
        matrix.migrations.len()
    );
    let table = match rows {
        MatrixRows::Migrations => by_migrations(matrix, &short),
        MatrixRows::Databases => by_databases(matrix),
    };
    out.push_str(&table);
    for db in &matrix.databases {
        if let Some(error) = &db.error {
            let _ = writeln!(out, "{}: {error}", db.name);
        }
    }
    let _ = writeln!(out, "{}", legend(matrix));
    out
}

/// Whether a column per database fits `width`.
fn migrations_as_rows(matrix: &Matrix, short: &[String], width: Option<usize>) -> bool {
    let Some(width) = width else {
        return true;
    };
    let label = matrix
        .migrations
        .iter()
        .map(|m| m.id.chars().count())
        .max()
        .unwrap_or(0)
        .max("MIGRATION".len());
    let columns: usize = short.iter().map(|n| n.chars().count().max(1) + 2).sum();
    label + columns + 2 + "APPLIED".len() + format!("{0}/{0}", matrix.databases.len()).len()
        <= width
}

/// Columns: the label, then one per cell, then the count; every cell padded to its column.
fn lay_out(header: Vec<String>, rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let gap = if i == 0 { "" } else { "  " };
            let pad = widths[i].saturating_sub(cell.chars().count());
            let _ = write!(line, "{gap}{cell}{}", " ".repeat(pad));
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

fn by_migrations(matrix: &Matrix, short: &[String]) -> String {
    let total = matrix.databases.len();
    let header = std::iter::once("MIGRATION".to_owned())
        .chain(short.iter().cloned())
        .chain(std::iter::once("APPLIED".to_owned()))
        .collect();
    let rows = matrix
        .migrations
        .iter()
        .enumerate()
        .map(|(i, migration)| {
            std::iter::once(migration.id.clone())
                .chain(
                    matrix
                        .databases
                        .iter()
                        .map(|db| db.cells.get(i).map_or("-", |c| symbol(*c)).to_owned()),
                )
                .chain(std::iter::once(format!("{}/{total}", migration.applied)))
                .collect()
        })
        .collect();
    lay_out(header, rows)
}

fn by_databases(matrix: &Matrix) -> String {
    let total = matrix.databases.len();
    let header = std::iter::once("DATABASE".to_owned())
        .chain(matrix.migrations.iter().map(|m| m.version.clone()))
        .collect();
    let mut rows: Vec<Vec<String>> = matrix
        .databases
        .iter()
        .map(|db| {
            std::iter::once(db.name.clone())
                .chain(db.cells.iter().map(|c| symbol(*c).to_owned()))
                .collect()
        })
        .collect();
    rows.push(
        std::iter::once("APPLIED".to_owned())
            .chain(
                matrix
                    .migrations
                    .iter()
                    .map(|m| format!("{}/{total}", m.applied)),
            )
            .collect(),
    );
    let mut out = lay_out(header, rows);
    for migration in &matrix.migrations {
        let _ = writeln!(out, "  {}  {}", migration.version, migration.id);
    }
    out
}
