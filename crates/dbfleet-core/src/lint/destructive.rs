//! Statements that destroy data: DROP TABLE / COLUMN / SCHEMA / DATABASE, TRUNCATE, and a
//! DELETE or UPDATE without WHERE, in every dialect (on PostgreSQL the DROPs come from
//! squawk).

use super::{Finding, Severity, Sql};
use crate::dialect::Dialect;

pub(super) const KEEP_A_BACKUP: &str = "stop using it in one release and drop it in a later one, after a backup; `-- dbfleet:allow <rule> <reason>` says it is meant";

pub(super) fn check(sql: &Sql, dialect: Dialect, found: &mut Vec<Finding>) {
    let error =
        |rule, why: String, instead: &str| Finding::new(rule, Severity::Error, why, instead);
    match (sql.word(0), sql.word(1)) {
        ("DROP", "TABLE") => found.push(error(
            "drop-table",
            format!(
                "drops table {} and every row in it; the release still running may query it",
                sql.name_at(2).unwrap_or_default().to_lowercase()
            ),
            KEEP_A_BACKUP,
        )),
        ("DROP", "SCHEMA" | "DATABASE") => found.push(error(
            if sql.word(1) == "SCHEMA" { "drop-schema" } else { "drop-database" },
            format!(
                "drops {} {} with everything in it",
                sql.word(1).to_lowercase(),
                sql.name_at(2).unwrap_or_default().to_lowercase()
            ),
            KEEP_A_BACKUP,
        )),
        ("TRUNCATE", _) => found.push(error(
            "truncate",
            format!(
                "deletes every row of {}",
                sql.target_table().unwrap_or_default().to_lowercase()
            ),
            "delete the rows meant with a WHERE, in batches, or keep the TRUNCATE out of a migration that runs on every database",
        )),
        ("DELETE", _) if !sql.has("WHERE") => found.push(error(
            "delete-without-where",
            "DELETE without WHERE deletes every row of the table".to_owned(),
            "add the WHERE meant; on a large table delete in batches",
        )),
        ("UPDATE", _) if !sql.has("WHERE") => found.push(error(
            "update-without-where",
            "UPDATE without WHERE rewrites every row of the table, holding each row's lock until the migration commits".to_owned(),
            "add the WHERE meant; on a large table update in batches",
        )),
        _ => {}
    }
    for action in sql.alter_actions() {
        let word = |i: usize| action.get(i).map(String::as_str).unwrap_or("");
        let column = match (word(0), word(1)) {
            ("DROP", "COLUMN") => sql_name(action, 2),
            // Mysql and SQLite also write `DROP name`.
            (
                "DROP",
                "CONSTRAINT" | "INDEX" | "KEY" | "PRIMARY" | "FOREIGN" | "CHECK" | "PARTITION"
                | "DEFAULT" | "SYSTEM" | "PERIOD",
            ) => None,
            ("DROP", _) if dialect != Dialect::Postgres => sql_name(action, 1),
            _ => None,
        };
        if let Some(column) = column {
            let since = if dialect == Dialect::Sqlite {
                " (SQLite drops a column in place since 3.35; older versions refuse it)"
            } else {
                ""
            };
            found.push(error(
                "drop-column",
                format!(
                    "drops column {} and its data; the release still running may read or write it{since}",
                    column.to_lowercase()
                ),
                "stop reading and writing the column in one release, drop it in a later one",
            ));
        }
    }
}

/// The name at `i` of an action's tokens, after `IF EXISTS`.
fn sql_name(action: &[String], mut i: usize) -> Option<String> {
    while matches!(action.get(i).map(String::as_str), Some("IF" | "EXISTS")) {
        i += 1;
    }
    action.get(i).cloned()
}

#[cfg(test)]
mod tests {
    use super::super::tests::rules;
    use crate::dialect::Dialect::{self, Mysql, Postgres, Sqlite};

    #[test]
    fn drops_fire_in_every_dialect_and_lookalikes_do_not() {
        for dialect in Dialect::ALL {
            assert_eq!(
                rules("DROP TABLE IF EXISTS legacy", dialect),
                ["drop-table"],
                "{dialect}"
            );
            assert_eq!(
                rules("ALTER TABLE users DROP COLUMN nickname", dialect)[0],
                "drop-column",
                "{dialect}"
            );
            assert_eq!(
                rules("DROP SCHEMA old CASCADE", dialect),
                ["drop-schema"],
                "{dialect}"
            );
            assert!(
                rules("CREATE TABLE drop_table (drop_column INT)", dialect).is_empty(),
                "{dialect}"
            );
            assert!(
                rules("SELECT 'DROP TABLE x'", dialect).is_empty(),
                "{dialect}"
            );
            assert!(
                rules("-- DROP TABLE x\nSELECT 1", dialect).is_empty(),
                "{dialect}"
            );
            assert!(
                rules("DROP INDEX IF EXISTS i ON t", Mysql)
                    .iter()
                    .all(|r| *r != "drop-table")
            );
        }
        assert_eq!(rules("DROP DATABASE other", Mysql), ["drop-database"]);
        assert_eq!(
            rules("ALTER TABLE users DROP nickname", Mysql),
            ["drop-column", "alter-without-algorithm"]
        );
        assert!(!rules("ALTER TABLE users DROP CONSTRAINT fk", Postgres).contains(&"drop-column"));
        assert!(
            !rules(
                "ALTER TABLE users DROP FOREIGN KEY fk, ALGORITHM=INPLACE",
                Mysql
            )
            .contains(&"drop-column")
        );
        assert!(
            !rules("ALTER TABLE users ALTER COLUMN a DROP DEFAULT", Postgres)
                .contains(&"drop-column")
        );
    }

    #[test]
    fn truncate_and_unbounded_delete_or_update_fire_where_bounded_ones_do_not() {
        for dialect in Dialect::ALL {
            assert_eq!(
                rules("TRUNCATE TABLE sessions", dialect),
                ["truncate"],
                "{dialect}"
            );
            assert_eq!(
                rules("DELETE FROM users", dialect),
                ["delete-without-where"],
                "{dialect}"
            );
            assert_eq!(
                rules("UPDATE users SET active = 1", dialect),
                ["update-without-where"],
                "{dialect}"
            );
            assert!(
                rules("DELETE FROM users WHERE id = 1", dialect).is_empty(),
                "{dialect}"
            );
            assert!(
                rules("UPDATE users SET a = 1 WHERE b IS NULL", dialect).is_empty(),
                "{dialect}"
            );
            assert!(
                rules("INSERT INTO users (id) VALUES (1)", dialect).is_empty(),
                "{dialect}"
            );
        }
        assert!(
            rules(
                "CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM b; END",
                Sqlite
            )
            .is_empty()
        );
    }
}
