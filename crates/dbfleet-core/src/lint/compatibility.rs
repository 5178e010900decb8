//! Changes the release still running cannot live with: a renamed column or table is gone
//! under its old name the moment the migration commits, while the old code still uses it.
//! (Dropping a column the previous release may still read is `drop-column`.) On PostgreSQL
//! these come from squawk.

use super::{Finding, Severity, Sql};
use crate::dialect::Dialect;

pub(super) const EXPAND_CONTRACT: &str = "add the new name beside the old (a new column kept in step, or a view under the old name), switch the release to it, remove the old one in a later release";

pub(super) fn check(sql: &Sql, dialect: Dialect, found: &mut Vec<Finding>) {
    let rename_table = |from: String, to: &str| {
        Finding::new(
            "rename-table",
            Severity::Warning,
            format!(
                "renames table {} to {}: the release still running queries the old name and fails",
                from.to_lowercase(),
                super::bare(to).to_lowercase()
            ),
            EXPAND_CONTRACT,
        )
    };
    if dialect == Dialect::Mysql && sql.starts(&["RENAME", "TABLE"]) {
        found.push(rename_table(
            sql.name_at(2).unwrap_or_default(),
            sql.word(4),
        ));
    }
    let table = sql.target_table().unwrap_or_default();
    for action in sql.alter_actions() {
        let word = |i: usize| action.get(i).map(String::as_str).unwrap_or("");
        let renamed = match (word(0), word(1)) {
            ("RENAME", "TO" | "AS") => {
                found.push(rename_table(table.clone(), word(2)));
                None
            }
            ("RENAME", "COLUMN") => Some((word(2), word(4))),
            ("CHANGE", "COLUMN") => (word(2) != word(3)).then(|| (word(2), word(3))),
            ("CHANGE", _) => (word(1) != word(2)).then(|| (word(1), word(2))),
            _ => None,
        };
        if let Some((from, to)) = renamed {
            found.push(Finding::new(
                "rename-column",
                Severity::Warning,
                format!(
                    "renames column {} to {}: the release still running reads and writes the old name and fails{}",
                    from.to_lowercase(),
                    to.to_lowercase(),
                    if dialect == Dialect::Sqlite { " (SQLite renames in place since 3.25)" } else { "" }
                ),
                EXPAND_CONTRACT,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::rules;
    use crate::dialect::Dialect::{self, Mysql, Sqlite};

    #[test]
    fn renames_fire_in_every_dialect() {
        for dialect in Dialect::ALL {
            let column = rules("ALTER TABLE users RENAME COLUMN name TO full_name", dialect);
            assert_eq!(column, ["rename-column"], "{dialect}");
            let table = rules("ALTER TABLE users RENAME TO accounts", dialect);
            assert_eq!(table, ["rename-table"], "{dialect}");
            assert!(
                rules("CREATE TABLE renames (rename_column TEXT)", dialect).is_empty(),
                "{dialect}"
            );
        }
        assert_eq!(
            rules("RENAME TABLE users TO accounts", Mysql),
            ["rename-table"]
        );
        assert_eq!(
            rules("ALTER TABLE users CHANGE name full_name TEXT", Mysql),
            ["column-type-change", "rename-column"]
        );
        assert!(
            !rules("ALTER TABLE users CHANGE name name TEXT", Mysql).contains(&"rename-column")
        );
        assert!(rules("ALTER TABLE users ADD COLUMN renamed INTEGER", Sqlite).is_empty());
    }
}
