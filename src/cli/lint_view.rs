//! `dbfleet lint`: what each selected database's migrations will do to it, offline (no
//! connection), per set and dialect; exit 1 when a finding reaches `--fail-on`.

use std::collections::BTreeMap;

use serde::Serialize;

use dbfleet_core::dialect::Dialect;
use dbfleet_core::engine::{Fleet, WhenUnspecified};
use dbfleet_core::lint::{self, Finding, Severity};

use super::args::{FailOn, Format, LintArgs};
use super::report::Done;
use super::{exit, print, select};

/// The findings of one set's up scripts in one dialect, and the databases that run them.
#[derive(Debug, Serialize)]
struct Group {
    set: String,
    dialect: Dialect,
    databases: Vec<String>,
    findings: Vec<Finding>,
}

pub fn lint_command(fleet: &Fleet, args: &LintArgs, format: Format) -> Done {
    let selection = select(
        fleet,
        &args.selection.request(),
        WhenUnspecified::WholeFleet,
    )?;
    for message in lint::unknown_allowed(&fleet.config.migrator.lint_allow) {
        eprintln!("warning: migrator.lint_allow: {message}");
    }
    let mut groups: BTreeMap<(String, Dialect), Vec<String>> = BTreeMap::new();
    for database in &selection.databases {
        let Some(Ok(entry)) = fleet.config.database(database).map(|e| e.target.as_ref()) else {
            eprintln!(
                "note: {database} is not usable in the config; its migrations are not linted"
            );
            continue;
        };
        let sets = match &selection.set {
            Some(name) => fleet.catalog.set(name).into_iter().collect(),
            None => fleet.catalog.sets_for(database),
        };
        for set in sets {
            groups
                .entry((set.name.clone(), entry.driver))
                .or_default()
                .push(database.clone());
        }
    }
    let groups: Vec<Group> = groups
        .into_iter()
        .filter_map(|((set, dialect), databases)| {
            let found = lint::lint_set(fleet.catalog.set(&set)?, dialect);
            let findings = lint::without_allowed(found, &fleet.config.migrator.lint_allow)
                .into_iter()
                .map(|f| f.relative_to(&fleet.config.base_dir))
                .collect();
            Some(Group {
                set,
                dialect,
                databases,
                findings,
            })
        })
        .collect();
    let threshold = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    };
    let failed = groups
        .iter()
        .flat_map(|g| &g.findings)
        .any(|f| f.severity >= threshold);
    if format == Format::Json {
        print(&(serde_json::to_string_pretty(&groups).unwrap_or_default() + "\n"));
    } else {
        print(&text(&groups));
    }
    Ok(if failed { exit::RUN_FAILED } else { exit::OK })
}

fn text(groups: &[Group]) -> String {
    let mut out = String::new();
    let mut counts: BTreeMap<Severity, usize> = BTreeMap::new();
    for group in groups {
        out.push_str(&format!(
            "{} on {} ({}): {}\n",
            group.set,
            group.dialect,
            group.databases.join(", "),
            match group.findings.len() {
                0 => "no findings".to_owned(),
                1 => "1 finding".to_owned(),
                n => format!("{n} findings"),
            }
        ));
        for finding in &group.findings {
            *counts.entry(finding.severity).or_default() += 1;
            out.push_str(&finding.located());
            out.push('\n');
        }
    }
    let said: Vec<String> = [Severity::Error, Severity::Warning, Severity::Info]
        .iter()
        .map(|s| {
            let n = counts.get(s).copied().unwrap_or(0);
            let plural = if n == 1 || *s == Severity::Info {
                ""
            } else {
                "s"
            };
            format!("{n} {s}{plural}")
        })
        .collect();
    out.push_str(&format!(
        "{} set{} linted: {}\n",
        groups.len(),
        if groups.len() == 1 { "" } else { "s" },
        said.join(", ")
    ));
    out
}
