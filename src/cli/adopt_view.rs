//! `dbfleet adopt` and `dbfleet baseline` in words: per database, what is (or would be)
//! recorded as applied, what the other tool applied that has no file, and why a database
//! was refused.

use dbfleet_core::driver::Tool;
use dbfleet_core::engine::adopt::{Adoption, Source};

/// Every tool `adopt` looks for, as the "nothing found" line names them.
const TOOLS: [Tool; 7] = [
    Tool::GolangMigrate,
    Tool::Sqlx,
    Tool::Goose,
    Tool::Dbmate,
    Tool::Flyway,
    Tool::Pop,
    Tool::Atlas,
];

/// `(stdout, stderr)`: what was or would be recorded, and the refusals.
pub fn render_text(adoptions: &[Adoption], source: &Source, apply: bool) -> (String, String) {
    let mut out = String::new();
    let mut err = String::new();
    for a in adoptions {
        if let Some(reason) = &a.refused {
            err.push_str(&format!("{}: REFUSED: {reason}\n", a.database));
            continue;
        }
        let how = match (source, &a.from) {
            (Source::Baseline(v), _) => format!("as a baseline up to {v}"),
            (Source::Adopt, Some(tool)) => format!("adopted from {tool}"),
            (Source::Adopt, None) => {
                let names: Vec<&str> = TOOLS.iter().map(|t| t.name()).collect();
                out.push_str(&format!(
                    "{}: no other tool's bookkeeping found (looked for the tables of {}); nothing to adopt\n",
                    a.database,
                    names.join(", ")
                ));
                continue;
            }
        };
        let managed = match (&a.from, &a.table, &a.summary) {
            (Some(tool), Some(table), Some(summary)) => {
                format!("managed by {tool} ({summary}, table {table}); ")
            }
            _ => String::new(),
        };
        let verb = if apply && a.applied {
            "recorded"
        } else {
            "would record"
        };
        if a.record.is_empty() {
            out.push_str(&format!(
                "{}: {managed}nothing to record in set {}\n",
                a.database, a.set
            ));
        } else {
            out.push_str(&format!(
                "{}: {managed}{verb} {} migration(s) of set {} as applied ({how})\n",
                a.database,
                a.record.len(),
                a.set
            ));
            for r in &a.record {
                out.push_str(&format!("  {}\n", r.migration));
            }
        }
        if a.already_recorded > 0 {
            out.push_str(&format!(
                "  {} already recorded by dbfleet: left as they are\n",
                a.already_recorded
            ));
        }
        if !a.without_file.is_empty() {
            out.push_str(&format!(
                "  {} applied version(s) have no file in {}: {}\n",
                a.without_file.len(),
                a.set,
                a.without_file.join(", ")
            ));
        }
    }
    if !apply {
        out.push_str("dry run: nothing was changed; add --apply to record\n");
    }
    (out, err)
}
