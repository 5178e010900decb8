//! Helpers for the rules' tests, and the tests of silencing.

use super::*;
use crate::catalog::split_statements;

/// The rule names `sql`, one statement on its own, fires in `dialect`.
pub(super) fn rules(sql: &str, dialect: Dialect) -> Vec<&'static str> {
    lint_statement(sql, dialect, &Context::default())
        .iter()
        .map(|f| f.rule)
        .collect()
}

/// The findings of a whole file's text.
pub(super) fn script(text: &str, dialect: Dialect) -> Vec<Finding> {
    let statements = split_statements(text, dialect).unwrap();
    lint_statements(&statements, text, 1, "f.sql", dialect)
}

pub(super) fn script_rules(text: &str, dialect: Dialect) -> Vec<&'static str> {
    script(text, dialect).iter().map(|f| f.rule).collect()
}

#[test]
fn every_rule_a_finding_can_carry_is_named_in_rule_names() {
    let names: Vec<&str> = rule_names().collect();
    for rule in squawk::mapped_names().iter().chain(squawk::COVERS) {
        assert!(names.contains(rule), "{rule}");
    }
}

#[test]
fn findings_are_located_at_their_statement() {
    let found = script(
        "CREATE TABLE a (id INT);\n\n-- gone\nDROP TABLE b;\nDELETE FROM a;",
        Dialect::Sqlite,
    );
    let at: Vec<(usize, &str)> = found.iter().map(|f| (f.line, f.rule)).collect();
    assert_eq!(at, [(4, "drop-table"), (5, "delete-without-where")]);
    assert_eq!(
        found[0].located(),
        "f.sql:4: error drop-table: drops table b and every row in it; the release still running may query it (instead: stop using it in one release and drop it in a later one, after a backup; `-- dbfleet:allow <rule> <reason>` says it is meant)"
    );
}

#[test]
fn an_allow_comment_with_a_reason_silences_its_rule_for_its_statement_only() {
    for dialect in Dialect::ALL {
        let above = "-- dbfleet:allow drop-table replaced by accounts in 4.2\nDROP TABLE users;\nDROP TABLE sessions;";
        let drops = |text: &str| -> Vec<usize> {
            script(text, dialect)
                .iter()
                .filter(|f| f.rule == "drop-table")
                .map(|f| f.line)
                .collect()
        };
        assert_eq!(drops(above), [3], "{dialect}");
        let after = "DROP TABLE users; -- dbfleet:allow drop-table replaced\nDROP TABLE sessions;";
        assert_eq!(drops(after), [2], "{dialect}");
        let other_rule = "-- dbfleet:allow truncate fine\nDROP TABLE users;";
        assert!(
            script_rules(other_rule, dialect).contains(&"drop-table"),
            "{dialect}"
        );
    }
}

#[test]
fn an_allow_comment_without_a_reason_is_itself_a_warning() {
    let found = script(
        "-- dbfleet:allow drop-table\nDROP TABLE users;",
        Dialect::Sqlite,
    );
    let rules: Vec<&str> = found.iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["allow-without-reason", "drop-table"]);
    assert_eq!(found[0].severity, Severity::Warning);
    assert_eq!(found[0].line, 2);
}

#[test]
fn the_project_allow_list_leaves_rules_out() {
    let found = script("DROP TABLE a;\nTRUNCATE b;", Dialect::Sqlite);
    let kept = without_allowed(found, &["truncate".to_owned()]);
    assert_eq!(
        kept.iter().map(|f| f.rule).collect::<Vec<_>>(),
        ["drop-table"]
    );
}

#[test]
fn statements_that_run_outside_a_transaction_are_said() {
    let found = rules("CREATE INDEX CONCURRENTLY i ON t (a)", Dialect::Postgres);
    assert_eq!(found, ["no-transaction"]);
    assert_eq!(rules("VACUUM", Dialect::Sqlite), ["no-transaction"]);
    assert!(rules("CREATE INDEX i ON t (a)", Dialect::Sqlite).is_empty());
}

#[test]
fn schema_qualified_and_quoted_names_are_one_name() {
    let sql = Sql::new(
        "ALTER TABLE \"public\".\"Orders\" ADD x INT",
        Dialect::Postgres,
    );
    assert_eq!(sql.target_table().as_deref(), Some("ORDERS"));
    let sql = Sql::new("CREATE INDEX i ON `shop`.`orders` (a)", Dialect::Mysql);
    assert_eq!(sql.target_table().as_deref(), Some("ORDERS"));
}

#[test]
fn an_allow_comment_naming_no_rule_is_a_warning_on_its_line_with_the_likely_rule() {
    let found = script(
        "CREATE TABLE a (id INT);\n-- dbfleet:allow drop-colum gone in 4.2\nALTER TABLE a DROP COLUMN id;",
        Dialect::Sqlite,
    );
    let at: Vec<(usize, &str)> = found.iter().map(|f| (f.line, f.rule)).collect();
    assert_eq!(at, [(2, "allow-unknown-rule"), (3, "drop-column")]);
    assert!(
        found[0].why.contains("`-- dbfleet:allow drop-colum`"),
        "{}",
        found[0].why
    );
    assert!(
        found[0].instead.contains("did you mean `drop-column`?"),
        "{}",
        found[0].instead
    );
    assert!(
        script(
            "-- dbfleet:allow drop-table fine\nDROP TABLE a;",
            Dialect::Sqlite
        )
        .is_empty()
    );
}

#[test]
fn size_dependent_findings_name_their_table_as_the_statement_does() {
    let found = rules_of(
        "ALTER TABLE shop.orders ALTER COLUMN total TYPE bigint",
        Dialect::Postgres,
    );
    let affected = found
        .iter()
        .find(|f| f.rule == "column-type-change")
        .and_then(|f| f.affects.as_ref())
        .unwrap();
    assert_eq!(
        (affected.action, affected.table.as_str()),
        ("rewrites", "shop.orders")
    );
    assert_eq!(affected.target.schema.as_deref(), Some("shop"));
    let index = rules_of("CREATE INDEX i ON \"Orders\" (a)", Dialect::Postgres);
    assert_eq!(
        index[0].affects.as_ref().map(|a| a.table.as_str()),
        Some("orders")
    );
    // A drop is as quick on a large table as on a small one.
    assert!(
        rules_of("DROP TABLE orders", Dialect::Postgres)[0]
            .affects
            .is_none()
    );
    let rebuild = script(
        "CREATE TABLE t_new (id INTEGER);\nINSERT INTO t_new SELECT id FROM t;\nDROP TABLE t;\nALTER TABLE t_new RENAME TO t;",
        Dialect::Sqlite,
    );
    assert_eq!(
        rebuild[0].affects.as_ref().map(|a| a.action),
        Some("rebuilds")
    );
}

#[test]
fn a_finding_inside_the_config_folder_is_shown_relative_to_it() {
    let mut finding = script("DROP TABLE a;", Dialect::Sqlite).remove(0);
    finding.file = "/fleet/migrations/app/001_x.up.sql".to_owned();
    let inside = finding.clone().relative_to(std::path::Path::new("/fleet"));
    assert_eq!(inside.file, "migrations/app/001_x.up.sql");
    let outside = finding.relative_to(std::path::Path::new("/elsewhere"));
    assert_eq!(outside.file, "/fleet/migrations/app/001_x.up.sql");
}

fn rules_of(sql: &str, dialect: Dialect) -> Vec<Finding> {
    lint_statement(sql, dialect, &Context::default())
}
