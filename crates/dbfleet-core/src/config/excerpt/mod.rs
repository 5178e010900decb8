//! A YAML error as an operator reads it: what went wrong, where (`file:line:col`), and
//! the lines around it — with every value that may be a secret printed as `***`.
//!
//! The lines are masked by reading the file's block structure line by line, the way the
//! error excerpt shows it, and deny by default: a value is shown only where it is known
//! to be harmless (a `host:` of a database entry, a `migrator:` setting, a set's
//! `targets:`). Hidden: every value of a secret-looking key (`password`, `passwd`,
//! `api_token`, ...) anywhere, every value of a database entry (or of the `database:`
//! defaults) under a key not known to be safe, every value under an unknown top-level
//! key (an anchor block merged into entries with `<<:`), the lines of a multi-line value
//! of any of those (block `|` `>`, folded plain or quoted scalars, flow collections over
//! several lines), and the password of every URL, even one holding an unencoded `@`.
//! Lines the reader cannot place (`? key` syntax, junk) are hidden too.
//!
//! This file words the error and draws the excerpt; `structure.rs` walks the file's lines
//! and `secrets.rs` decides what on them is hidden.

mod secrets;
mod structure;

use std::path::Path;

use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{Budget, DefaultMessageFormatter, Error, Location, MessageFormatter};

use secrets::MASK;
use structure::Masked;
pub(super) use structure::mask;

/// What the YAML library found, in an operator's words, with where and the masked lines
/// around it.
pub(super) fn render(path: &Path, text: &str, error: &Error) -> String {
    let (error, location) = innermost(error);
    let file = path.display();
    if let Error::Budget { breach, .. } = error {
        return format!(
            "{file} is too large: {}{}; a fleet's config is far smaller — is this the right file?",
            budget_wording(breach),
            location
                .map(|l| format!(" (limit reached at {file}:{}:{})", l.line(), l.column()))
                .unwrap_or_default()
        );
    }
    let masked = mask(text);
    let message = match error {
        Error::DuplicateMappingKey { key, location } => {
            let first = key
                .as_deref()
                .and_then(|k| first_occurrence(&masked, k, location));
            let key = key
                .as_deref()
                .map(|k| format!(" `{}`", k.escape_debug()))
                .unwrap_or_default();
            let first = first
                .map(|line| format!(" (first at line {line})"))
                .unwrap_or_default();
            format!("duplicate key{key}{first}: a key may appear once in a mapping")
        }
        Error::NonFiniteFloat { .. } => {
            "not a finite number (write it in quotes if it is text)".to_owned()
        }
        other => {
            let message = DefaultMessageFormatter.format_message(other);
            super::with_suggestion(&sanitize(&message))
        }
    };
    let mut message = message;
    for secret in &masked.hidden {
        message = message.replace(secret.as_str(), MASK);
    }
    let Some(location) = location else {
        return format!("in {file}: {message}");
    };
    let (line, column) = (location.line() as usize, location.column() as usize);
    let mut out = format!("in {file}: line {line} column {column}: {message}\n");
    out.push_str(&excerpt(
        &file.to_string(),
        &masked.lines,
        line,
        column,
        &message,
    ));
    out
}

/// The error itself (not an alias wrapper) and where it is, if known.
fn innermost(error: &Error) -> (&Error, Option<Location>) {
    let mut error = error.without_snippet();
    let mut location = error.location();
    while let Error::AliasError {
        error: inner,
        locations,
        ..
    } = error
    {
        location = [
            locations.reference_location,
            location.unwrap_or(Location::UNKNOWN),
        ]
        .into_iter()
        .find(|l| *l != Location::UNKNOWN);
        error = inner.without_snippet();
    }
    (
        error,
        location.filter(|l| *l != Location::UNKNOWN && l.line() > 0),
    )
}

/// No terminal control characters from the file reach the terminal.
fn sanitize(message: &str) -> String {
    message
        .chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() && c != '\n' {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

fn budget_wording(breach: &BudgetBreach) -> String {
    let limits = Budget::default();
    match breach {
        BudgetBreach::Nodes { .. } => format!("more than {} YAML nodes", limits.max_nodes),
        BudgetBreach::Events { .. } => format!("more than {} YAML events", limits.max_events),
        BudgetBreach::Depth { .. } => format!("nested more than {} levels deep", limits.max_depth),
        BudgetBreach::Aliases { .. } => {
            format!("more than {} aliases (`*name`)", limits.max_aliases)
        }
        BudgetBreach::Anchors { .. } => {
            format!("more than {} anchors (`&name`)", limits.max_anchors)
        }
        BudgetBreach::Documents { .. } => {
            format!("more than {} YAML documents", limits.max_documents)
        }
        BudgetBreach::ScalarBytes { .. } => format!(
            "more than {} bytes of values",
            limits.max_total_scalar_bytes
        ),
        BudgetBreach::MergeKeys { .. } => {
            format!("more than {} merge keys (`<<`)", limits.max_merge_keys)
        }
        BudgetBreach::AliasAnchorRatio { aliases, anchors } => format!(
            "{aliases} aliases (`*name`) for {anchors} anchors, far more uses than a config needs"
        ),
        BudgetBreach::InputBytes { input_bytes } => format!("{input_bytes} bytes"),
        _ => "too large or too deeply nested to read".to_owned(),
    }
}

/// The line where `key` first appears in the mapping whose duplicate is at `location`.
fn first_occurrence(masked: &Masked, key: &str, location: &Location) -> Option<usize> {
    let line = (location.line() as usize).checked_sub(1)?;
    let column = location.column() as usize;
    for n in (0..line.min(masked.keys.len())).rev() {
        let keys = &masked.keys[n];
        if keys.iter().any(|(c, k)| *c == column && k == key) {
            return Some(n + 1);
        }
        // Left the mapping: a key or a list item further left.
        if keys.iter().any(|(c, _)| *c < column) || masked.dashes[n].iter().any(|&d| d < column) {
            return None;
        }
    }
    None
}

/// Lines `line`-2 ..= `line`+2, a caret under `column`, long lines cropped around it.
fn excerpt(file: &str, lines: &[String], line: usize, column: usize, message: &str) -> String {
    const WIDTH: usize = 120;
    let last = (line + 2).min(lines.len());
    let first = line.saturating_sub(2).clamp(1, last.max(1));
    let gutter = line.max(last).to_string().len();
    let pad = " ".repeat(gutter);
    let label = message
        .split_once(", expected one of")
        .map_or(message, |(head, _)| head);
    let label = label.lines().next().unwrap_or_default();
    // The same horizontal window for every line, so they stay aligned.
    let start = column.saturating_sub(1).saturating_sub(WIDTH / 2);
    let widest = (first..=last)
        .filter_map(|n| lines.get(n - 1))
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    let crop = |text: &str| -> String {
        if widest <= WIDTH {
            return text.to_owned();
        }
        let count = text.chars().count();
        let mut shown: String = text.chars().skip(start).take(WIDTH).collect();
        if start > 0 {
            shown.insert(0, '…');
        }
        if count > start + WIDTH {
            shown.push('…');
        }
        shown
    };
    let mut out = format!("{pad}--> {file}:{line}:{column}\n{pad} |\n");
    for n in first..=last {
        let Some(text) = lines.get(n - 1) else {
            break;
        };
        let text = crop(text);
        if text.is_empty() {
            out.push_str(&format!("{n:>gutter$} |\n"));
        } else {
            out.push_str(&format!("{n:>gutter$} | {text}\n"));
        }
        if n == line {
            let mut offset = column.saturating_sub(1);
            if widest > WIDTH {
                offset = offset - start.min(offset) + usize::from(start > 0);
            }
            out.push_str(&format!("{pad} | {}^ {label}\n", " ".repeat(offset)));
        }
    }
    if line > last {
        // At the end of the file, past its last line.
        out.push_str(&format!("{line:>gutter$} |\n{pad} | ^ {label}\n"));
    }
    out.push_str(&format!("{pad} |"));
    out
}
