//! PostgreSQL's rules from squawk's linter (squawk-linter, Apache-2.0/MIT), which parses
//! each statement: the squawk rules that match issue 13's list, under dbfleet's names so
//! one `-- dbfleet:allow drop-column` works in every dialect. Squawk's style rules
//! (`prefer-bigint-over-int`, `prefer-text-field`, ...) are left out, and so are its
//! transaction rules: dbfleet refuses transaction control itself and runs `CONCURRENTLY`
//! statements outside a transaction.

use squawk_linter::{Linter, Rule};
use squawk_syntax::SourceFile;

use super::{Finding, Severity};

/// Squawk's rules used, with dbfleet's name and severity for each.
const MAPPED: &[(Rule, &str, Severity)] = &[
    (Rule::BanDropTable, "drop-table", Severity::Error),
    (Rule::BanDropColumn, "drop-column", Severity::Error),
    (Rule::BanDropSchema, "drop-schema", Severity::Error),
    (Rule::BanDropDatabase, "drop-database", Severity::Error),
    (
        Rule::RequireConcurrentIndexCreation,
        "index-without-concurrently",
        Severity::Warning,
    ),
    (
        Rule::RequireConcurrentIndexDeletion,
        "drop-index-without-concurrently",
        Severity::Warning,
    ),
    (
        Rule::AddingFieldWithDefault,
        "volatile-default",
        Severity::Warning,
    ),
    (
        Rule::AddingNotNullableField,
        "set-not-null",
        Severity::Warning,
    ),
    (
        Rule::ConstraintMissingNotValid,
        "constraint-without-not-valid",
        Severity::Warning,
    ),
    (
        Rule::AddingForeignKeyConstraint,
        "constraint-without-not-valid",
        Severity::Warning,
    ),
    (
        Rule::ChangingColumnType,
        "column-type-change",
        Severity::Warning,
    ),
    (
        Rule::DisallowedUniqueConstraint,
        "unique-without-index",
        Severity::Warning,
    ),
    (
        Rule::AddingSerialPrimaryKeyField,
        "add-primary-key",
        Severity::Warning,
    ),
    (
        Rule::AddingRequiredField,
        "add-required-column",
        Severity::Warning,
    ),
    (Rule::RenamingColumn, "rename-column", Severity::Warning),
    (Rule::RenamingTable, "rename-table", Severity::Warning),
];

/// dbfleet's own rules that squawk answers for on PostgreSQL.
pub(super) const COVERS: &[&str] = &[
    "drop-table",
    "drop-column",
    "drop-schema",
    "drop-database",
    "rename-column",
    "rename-table",
];

/// Squawk's findings on one statement, one per rule.
pub(super) fn lint(sql: &str) -> Vec<Finding> {
    let parse = SourceFile::parse(sql);
    let mut linter = Linter::from(MAPPED.iter().map(|(rule, _, _)| *rule));
    let mut found: Vec<Finding> = Vec::new();
    for violation in linter.lint(&parse, sql) {
        let Some((squawk_rule, rule, severity)) =
            MAPPED.iter().find(|(r, _, _)| *r == violation.code)
        else {
            continue;
        };
        if found.iter().any(|f| f.rule == *rule) {
            continue;
        }
        let instead = violation
            .help
            .unwrap_or_else(|| default_instead(rule).to_owned());
        found.push(Finding::new(
            rule,
            *severity,
            format!(
                "{} (squawk {squawk_rule})",
                violation.message.trim_end_matches('.')
            ),
            instead.trim_end_matches('.'),
        ));
    }
    // A UNIQUE constraint cannot be NOT VALID: the index built first is the answer.
    if found.iter().any(|f| f.rule == "unique-without-index") {
        found.retain(|f| f.rule != "constraint-without-not-valid");
    }
    found
}

fn default_instead(rule: &str) -> &'static str {
    match rule {
        "drop-column" => {
            "stop reading and writing the column in one release, drop it in a later one"
        }
        "rename-column" | "rename-table" => {
            "add the new name beside the old, switch the release to it, remove the old one in a later release"
        }
        _ => {
            "stop using it in one release, back it up, and drop it in a later release (then `-- dbfleet:allow` it with the reason)"
        }
    }
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
