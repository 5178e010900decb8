//! PostgreSQL's rules from squawk's linter (squawk-linter, Apache-2.0/MIT), which parses
//! each statement: the squawk rules that match issue 13's list, under dbfleet's names so
//! one `-- dbfleet:allow drop-column` works in every dialect. Squawk's style rules
//! (`prefer-bigint-over-int`, `prefer-text-field`, ...) are left out, and so are its
//! transaction rules: dbfleet refuses transaction control itself and runs `CONCURRENTLY`
//! statements outside a transaction.

use squawk_linter::{Linter, Rule};
use squawk_syntax::SourceFile;

use super::compatibility::EXPAND_CONTRACT;
use super::destructive::KEEP_A_BACKUP;
use super::{Finding, Severity};

/// Squawk's rules used: dbfleet's name, severity, what the flagged SQL does and the safer
/// way (squawk's own words name the lock but not always the case, and not in one line).
const MAPPED: &[(Rule, &str, Severity, &str, &str)] = &[
    (
        Rule::BanDropTable,
        "drop-table",
        Severity::Error,
        "drops the table and every row in it; the release still running may query it",
        KEEP_A_BACKUP,
    ),
    (
        Rule::BanDropColumn,
        "drop-column",
        Severity::Error,
        "drops the column and its data; the release still running may read or write it",
        "stop reading and writing the column in one release, drop it in a later one",
    ),
    (
        Rule::BanDropSchema,
        "drop-schema",
        Severity::Error,
        "drops the schema with everything in it",
        KEEP_A_BACKUP,
    ),
    (
        Rule::BanDropDatabase,
        "drop-database",
        Severity::Error,
        "drops the database with everything in it",
        KEEP_A_BACKUP,
    ),
    (
        Rule::RequireConcurrentIndexCreation,
        "index-without-concurrently",
        Severity::Warning,
        "blocks every write to the table until the index is built",
        "CREATE INDEX CONCURRENTLY (dbfleet runs such a migration outside a transaction by itself)",
    ),
    (
        Rule::RequireConcurrentIndexDeletion,
        "drop-index-without-concurrently",
        Severity::Warning,
        "takes an ACCESS EXCLUSIVE lock on the table: reads and writes wait until the index is dropped",
        "DROP INDEX CONCURRENTLY",
    ),
    (
        Rule::AddingFieldWithDefault,
        "volatile-default",
        Severity::Warning,
        "is a volatile (or generated) default: adding the column rewrites the whole table under an ACCESS EXCLUSIVE lock",
        "add the column without it, backfill in batches, then SET DEFAULT for new rows",
    ),
    (
        Rule::AddingNotNullableField,
        "set-not-null",
        Severity::Warning,
        "scans the whole table for NULLs under an ACCESS EXCLUSIVE lock",
        "add CHECK (column IS NOT NULL) NOT VALID, VALIDATE it in a later migration, then SET NOT NULL (PostgreSQL 12+ then skips the scan)",
    ),
    (
        Rule::ConstraintMissingNotValid,
        "constraint-without-not-valid",
        Severity::Warning,
        "checks every existing row while holding a lock that blocks writes",
        "add it NOT VALID, then VALIDATE CONSTRAINT in a later migration (validating takes a lock that lets writes through)",
    ),
    (
        Rule::AddingForeignKeyConstraint,
        "constraint-without-not-valid",
        Severity::Warning,
        "checks every existing row while holding a lock that blocks writes on both tables",
        "add it NOT VALID, then VALIDATE CONSTRAINT in a later migration (validating takes a lock that lets writes through)",
    ),
    (
        Rule::ChangingColumnType,
        "column-type-change",
        Severity::Warning,
        "rewrites the table under an ACCESS EXCLUSIVE lock (reads and writes wait), and the release still running may not expect the new type",
        "add a new column, backfill it in batches, switch the release to it, drop the old one later",
    ),
    (
        Rule::DisallowedUniqueConstraint,
        "unique-without-index",
        Severity::Warning,
        "builds its index under an ACCESS EXCLUSIVE lock: reads and writes wait until it is built",
        "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... UNIQUE USING INDEX",
    ),
    (
        Rule::AddingSerialPrimaryKeyField,
        "add-primary-key",
        Severity::Warning,
        "builds the primary key's index under an ACCESS EXCLUSIVE lock: reads and writes wait until it is built",
        "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD PRIMARY KEY USING INDEX",
    ),
    (
        Rule::AddingRequiredField,
        "add-required-column",
        Severity::Warning,
        "adds a NOT NULL column without a default: it fails on a table that has rows",
        "add it with a default, or nullable and backfilled, then SET NOT NULL",
    ),
    (
        Rule::RenamingColumn,
        "rename-column",
        Severity::Warning,
        "renames a column: the release still running reads and writes the old name and fails",
        EXPAND_CONTRACT,
    ),
    (
        Rule::RenamingTable,
        "rename-table",
        Severity::Warning,
        "renames a table: the release still running queries the old name and fails",
        EXPAND_CONTRACT,
    ),
];

/// dbfleet's names of the squawk rules used.
#[cfg(test)]
pub(super) fn mapped_names() -> Vec<&'static str> {
    MAPPED.iter().map(|m| m.1).collect()
}

/// dbfleet's own rules that squawk answers for on PostgreSQL.
pub(super) const COVERS: &[&str] = &[
    "drop-table",
    "drop-column",
    "drop-schema",
    "drop-database",
    "rename-column",
    "rename-table",
];

/// The flagged SQL is quoted in a finding up to this many characters.
const QUOTED: usize = 60;

/// Squawk's findings on one statement, one per rule. A statement squawk's parser cannot
/// take (it panics on its own bugs) has none from it: lint informs, it must not stop a plan.
pub(super) fn lint(sql: &str) -> Vec<Finding> {
    std::panic::catch_unwind(|| lint_unguarded(sql)).unwrap_or_default()
}

fn lint_unguarded(sql: &str) -> Vec<Finding> {
    let parse = SourceFile::parse(sql);
    let mut linter = Linter::from(MAPPED.iter().map(|m| m.0));
    let mut found: Vec<Finding> = Vec::new();
    for violation in linter.lint(&parse, sql) {
        let Some((squawk_rule, rule, severity, does, instead)) =
            MAPPED.iter().find(|m| m.0 == violation.code)
        else {
            continue;
        };
        if found.iter().any(|f| f.rule == *rule) {
            continue;
        }
        let range =
            usize::from(violation.text_range.start())..usize::from(violation.text_range.end());
        let flagged = sql
            .get(range)
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let quoted = match flagged.char_indices().nth(QUOTED) {
            Some((cut, _)) => format!("{}…", &flagged[..cut]),
            None => flagged,
        };
        found.push(Finding::new(
            rule,
            *severity,
            format!("`{quoted}` {does} (squawk {squawk_rule})"),
            *instead,
        ));
    }
    // A UNIQUE constraint cannot be NOT VALID: the index built first is the answer.
    if found.iter().any(|f| f.rule == "unique-without-index") {
        found.retain(|f| f.rule != "constraint-without-not-valid");
    }
    found
}

#[cfg(test)]
mod tests {
    use super::super::tests::{rules, script_rules};
    use crate::dialect::Dialect::{Mysql, Postgres, Sqlite};

    #[test]
    fn squawk_finds_postgres_locking_and_the_other_dialects_do_not_ask_it() {
        let cases = [
            (
                "CREATE INDEX idx ON orders (user_id)",
                "index-without-concurrently",
            ),
            ("DROP INDEX idx", "drop-index-without-concurrently"),
            (
                "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid()",
                "volatile-default",
            ),
            (
                "ALTER TABLE orders ALTER COLUMN total SET NOT NULL",
                "set-not-null",
            ),
            (
                "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id)",
                "constraint-without-not-valid",
            ),
            (
                "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0)",
                "constraint-without-not-valid",
            ),
            (
                "ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2)",
                "column-type-change",
            ),
            (
                "ALTER TABLE orders ADD CONSTRAINT u UNIQUE (number)",
                "unique-without-index",
            ),
            ("ALTER TABLE orders RENAME total TO amount", "rename-column"),
        ];
        for (sql, rule) in cases {
            assert_eq!(rules(sql, Postgres), [rule], "{sql}");
            assert!(
                !rules(sql, Mysql).contains(&rule) || rule == "column-type-change",
                "{sql}"
            );
            assert!(!rules(sql, Sqlite).contains(&rule), "{sql}");
        }
        for sql in [
            "CREATE INDEX CONCURRENTLY idx ON orders (user_id)",
            "DROP INDEX CONCURRENTLY idx",
            "ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT '2024-01-01'",
            "ALTER TABLE orders ADD COLUMN note text",
            "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID",
            "ALTER TABLE orders VALIDATE CONSTRAINT fk",
            "ALTER TABLE orders ADD CONSTRAINT u UNIQUE USING INDEX orders_number_idx",
            "CREATE TABLE t (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id))",
        ] {
            let found = rules(sql, Postgres);
            assert!(
                found.iter().all(|r| *r == "no-transaction"),
                "{sql}: {found:?}"
            );
        }
    }

    #[test]
    fn a_table_created_in_the_migration_is_not_locked() {
        let sql = "CREATE TABLE t (id bigint);\nCREATE INDEX i ON t (id);\nALTER TABLE t ADD CONSTRAINT c CHECK (id > 0);";
        assert!(script_rules(sql, Postgres).is_empty());
    }
}
