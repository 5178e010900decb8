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
