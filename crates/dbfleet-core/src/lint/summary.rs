//! Findings summed up for the places that have one line for them: the run's confirmation
//! (`2 destructive, 1 locking`) and the plan's fleet-wide line per size-dependent finding
//! (`rewrites orders: 3.1 GiB on order_service_eu, 12.0 MiB or less on the 3 others`).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::TableSize;
use super::{Finding, Severity};

/// What kind of harm a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Data gone: a dropped table or column, a TRUNCATE, a DELETE without WHERE.
    Destructive,
    /// A lock other sessions wait behind, a rewrite, a rebuild.
    Locking,
    /// A rename the release still running cannot follow.
    Incompatible,
    /// A statement run outside a transaction.
    Transaction,
    /// A `dbfleet:allow` comment that silences nothing.
    Comment,
}

impl Category {
    pub(super) fn of(rule: &str) -> Category {
        match rule {
            "drop-table"
            | "drop-column"
            | "drop-schema"
            | "drop-database"
            | "truncate"
            | "delete-without-where"
            | "update-without-where" => Category::Destructive,
            "rename-column" | "rename-table" => Category::Incompatible,
            "no-transaction" => Category::Transaction,
            "allow-without-reason" | "allow-unknown-rule" => Category::Comment,
            // `locking::RULES`, `missing-lock-timeout`, `table-rebuild`.
            _ => Category::Locking,
        }
    }

    /// As a count reads: `2 destructive`, `1 locking`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Destructive => "destructive",
            Category::Locking => "locking",
            Category::Incompatible => "incompatible",
            Category::Transaction => "outside a transaction",
            Category::Comment => "lint comment",
        }
    }
}

/// `2 destructive, 1 locking`: the warnings and errors among `findings` counted by
/// category (destructive, locking, incompatible, lint comment), for the run's
/// confirmation; info findings are left to the preview. A finding given once per database
/// (the same file, line and rule) counts once. `None` when there is nothing to count.
pub fn confirmation_summary<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Option<String> {
    let mut seen = BTreeSet::new();
    let mut counts: BTreeMap<Category, usize> = BTreeMap::new();
    for finding in findings {
        if finding.severity < Severity::Warning
            || !seen.insert((finding.file.as_str(), finding.line, finding.rule))
        {
            continue;
        }
        *counts.entry(finding.category()).or_default() += 1;
    }
    let words: Vec<String> = counts
        .iter()
        .map(|(category, n)| format!("{n} {}", category.as_str()))
        .collect();
    (!words.is_empty()).then(|| words.join(", "))
}

/// One line per size-dependent finding of a plan across its databases, `findings` being
/// each database's name with one of its findings:
/// `orders/002_total.up.sql:3 column-type-change rewrites orders: 3.1 GiB on eu, 12.0 MiB
/// or less on the 3 others`. The largest is named, the rest summed up by their largest;
/// a database where the table is not there yet, or that could not say, is not counted. A
/// finding no database gave a size for has no line.
pub fn fleet_size_lines<'a>(
    findings: impl IntoIterator<Item = (&'a str, &'a Finding)>,
) -> Vec<String> {
    // (file, line, rule, table) → (action, each database with its size)
    type Key<'a> = (&'a str, usize, &'static str, &'a str);
    type Sizes<'a> = (&'static str, Vec<(&'a str, TableSize)>);
    let mut groups: BTreeMap<Key<'a>, Sizes<'a>> = BTreeMap::new();
    for (database, finding) in findings {
        let Some(affected) = &finding.affects else {
            continue;
        };
        let key = (
            finding.file.as_str(),
            finding.line,
            finding.rule,
            affected.table.as_str(),
        );
        let group = groups.entry(key).or_insert((affected.action, Vec::new()));
        if let (Some(true), Some(size)) = (affected.exists, affected.size) {
            group.1.push((database, size));
        }
    }
    groups
        .into_iter()
        .filter(|(_, (_, sizes))| !sizes.is_empty())
        .map(|((file, line, rule, table), (action, mut sizes))| {
            sizes.sort_by(|a, b| b.1.bytes.cmp(&a.1.bytes).then(a.0.cmp(b.0)));
            let (largest_db, largest) = sizes[0];
            let rest = match &sizes[1..] {
                [] => String::new(),
                [(db, size)] => format!(", {} on {db}", crate::human::size(size.bytes)),
                others => format!(
                    ", {} or less on the {} others",
                    crate::human::size(others[0].1.bytes),
                    others.len()
                ),
            };
            format!(
                "{file}:{line} {rule} {action} {table}: {} on {largest_db}{rest}",
                crate::human::size(largest.bytes)
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::script;
    use super::*;
    use crate::dialect::Dialect;

    #[test]
    fn the_confirmation_counts_warnings_and_errors_by_category_once_per_statement() {
        let found = script(
            "DROP TABLE a;\nTRUNCATE b;\nALTER TABLE c ALTER COLUMN x TYPE bigint;\nCREATE INDEX CONCURRENTLY i ON c (x);",
            Dialect::Postgres,
        );
        // Two databases planned the same migration: each finding twice.
        let twice: Vec<&Finding> = found.iter().chain(found.iter()).collect();
        assert_eq!(
            confirmation_summary(twice).as_deref(),
            Some("2 destructive, 2 locking"),
            "{found:#?}"
        );
        let only_info = script("CREATE INDEX CONCURRENTLY i ON c (x);", Dialect::Postgres);
        assert_eq!(confirmation_summary(&only_info), None);
        let renamed = script("ALTER TABLE users RENAME TO accounts;", Dialect::Sqlite);
        assert_eq!(
            confirmation_summary(&renamed).as_deref(),
            Some("1 incompatible")
        );
    }

    #[test]
    fn the_fleet_line_names_the_largest_and_sums_up_the_rest() {
        let found = script("ALTER TABLE orders MODIFY total BIGINT;", Dialect::Mysql);
        let sized = |bytes: Option<u64>, exists: bool| {
            let mut finding = found[0].clone();
            let affected = finding.affects.as_mut().unwrap();
            affected.exists = Some(exists);
            affected.size = bytes.map(|bytes| TableSize { bytes, rows: None });
            finding
        };
        let eu = sized(Some(3_328_599_654), true);
        let us = sized(Some(12 * 1024 * 1024), true);
        let asia = sized(Some(1024), true);
        let fresh = sized(None, false);
        let fleet = [("eu", &eu), ("us", &us), ("asia", &asia), ("fresh", &fresh)];
        assert_eq!(
            fleet_size_lines(fleet),
            [
                "f.sql:1 column-type-change rewrites orders: 3.1 GiB on eu, 12.0 MiB or less on the 2 others"
            ]
        );
        assert_eq!(
            fleet_size_lines([("eu", &eu), ("us", &us)]),
            ["f.sql:1 column-type-change rewrites orders: 3.1 GiB on eu, 12.0 MiB on us"]
        );
        // Offline, or where no database has the table yet: no line rather than a guess.
        assert!(fleet_size_lines([("fresh", &fresh), ("offline", &found[0])]).is_empty());
    }
}
