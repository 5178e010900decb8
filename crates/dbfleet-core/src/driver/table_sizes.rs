//! How large the tables a migration rewrites or locks are, read cheaply from each
//! database's catalog (statistics the database keeps, never a count of rows): PostgreSQL's
//! `pg_class` (`reltuples`, `pg_total_relation_size`), MySQL/MariaDB's
//! `information_schema.tables` (`data_length + index_length`, `table_rows`), SQLite's
//! `dbstat` table where it is compiled in. One query answers for every table a plan needs,
//! and on MySQL/MariaDB for the server's version too (its ALTER TABLE algorithms depend on
//! it).

use crate::dialect::Dialect;
use crate::lint::{TableRef, TableSize};

/// What one database answered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableSizes {
    /// `VERSION()` on MySQL/MariaDB (`10.11.6-MariaDB-0+deb12u1`); `None` elsewhere.
    pub server_version: Option<String>,
    /// Each table the query could ask about, with its size, or `None` when the database
    /// has no such table. A table left out could not be asked about (a name the query
    /// will not quote, another SQLite schema): nothing is known of it.
    pub tables: Vec<(TableRef, Option<TableSize>)>,
}

/// A name the query may put between single quotes as it is: anything else is left out
/// rather than escaped, as a size is never worth an injection.
fn quotable(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == ' ' || c == '-')
}

/// The tables of `tables` the query asks about, by their position in it.
fn asked(dialect: Dialect, tables: &[TableRef]) -> Vec<(usize, &TableRef)> {
    tables
        .iter()
        .enumerate()
        .filter(|(_, t)| quotable(&t.name) && t.schema.as_deref().is_none_or(quotable))
        .filter(|(_, t)| {
            dialect != Dialect::Sqlite || t.schema.as_deref().is_none_or(|s| s == "main")
        })
        .collect()
}

/// The one query answering `tables` (and the version on MySQL/MariaDB), every value as
/// text: rows of `(key, bytes, rows)`, the key the table's position in `tables`, or `-`
/// for the version row (`('-', version, NULL)`). `None` when there is nothing to ask.
pub(crate) fn query(dialect: Dialect, tables: &[TableRef]) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if dialect == Dialect::Mysql {
        parts.push("SELECT '-', CAST(VERSION() AS CHAR), NULL".to_owned());
    }
    for (i, table) in asked(dialect, tables) {
        let name = &table.name;
        parts.push(match (dialect, &table.schema) {
            // The search path decides an unqualified name, as in the migration; a name
            // differing only in case is the one PostgreSQL folds it to, when both exist.
            (Dialect::Postgres, schema) => format!(
                "(SELECT '{i}', pg_total_relation_size(c.oid)::text, c.reltuples::bigint::text \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind IN ('r', 'p', 'm') AND lower(c.relname) = '{name}' AND {} \
                 ORDER BY c.relname = lower(c.relname) DESC LIMIT 1)",
                match schema {
                    Some(schema) => format!("lower(n.nspname) = '{schema}'"),
                    None => "pg_table_is_visible(c.oid)".to_owned(),
                }
            ),
            (Dialect::Mysql, schema) => format!(
                "(SELECT '{i}', CAST(COALESCE(data_length, 0) + COALESCE(index_length, 0) AS CHAR), \
                 CAST(table_rows AS CHAR) FROM information_schema.tables \
                 WHERE table_type = 'BASE TABLE' AND LOWER(table_name) = '{name}' AND {} \
                 ORDER BY table_name = LOWER(table_name) DESC LIMIT 1)",
                match schema {
                    Some(schema) => format!("LOWER(table_schema) = '{schema}'"),
                    None => "table_schema = DATABASE()".to_owned(),
                }
            ),
            // The table's own pages and its indexes'; no row count is kept, and counting
            // would read the table.
            (Dialect::Sqlite, _) => format!(
                "SELECT '{i}', CAST(SUM(s.pgsize) AS TEXT), NULL \
                 FROM sqlite_master m JOIN dbstat s ON s.name = m.name \
                 WHERE lower(m.tbl_name) = '{name}'"
            ),
        });
    }
    let sql = parts.join(" UNION ALL ");
    (!sql.is_empty()).then_some(sql)
}

/// The rows of `query(dialect, tables)` as sizes.
pub(crate) fn parse(
    dialect: Dialect,
    tables: &[TableRef],
    rows: &[Vec<Option<String>>],
) -> TableSizes {
    let cell = |row: &[Option<String>], i: usize| row.get(i).cloned().flatten();
    let number = |text: Option<String>| text.and_then(|t| t.trim().parse::<i64>().ok());
    let mut out = TableSizes::default();
    for row in rows {
        if cell(row, 0).as_deref() == Some("-") {
            out.server_version = cell(row, 1);
        }
    }
    for (i, table) in asked(dialect, tables) {
        let row = rows
            .iter()
            .find(|row| cell(row, 0).is_some_and(|key| key == i.to_string()));
        // SQLite's sum over no pages is NULL: no such table.
        let size = row
            .and_then(|row| {
                let bytes = u64::try_from(number(cell(row, 1))?).ok()?;
                // PostgreSQL says -1 for a table never analyzed.
                let rows = number(cell(row, 2)).and_then(|n| u64::try_from(n).ok());
                Some((bytes, rows))
            })
            .map(|(bytes, rows)| TableSize { bytes, rows });
        out.tables.push((table.clone(), size));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(schema: Option<&str>, name: &str) -> TableRef {
        TableRef {
            schema: schema.map(str::to_owned),
            name: name.to_owned(),
        }
    }

    #[test]
    fn one_query_asks_for_every_table_and_leaves_out_names_it_will_not_quote() {
        let tables = [
            table(None, "orders"),
            table(Some("shop"), "items"),
            table(None, "it's"),
        ];
        let sql = query(Dialect::Postgres, &tables).unwrap();
        assert_eq!(sql.matches("SELECT '").count(), 2, "{sql}");
        assert!(sql.contains("lower(c.relname) = 'orders' AND pg_table_is_visible"));
        assert!(sql.contains("lower(n.nspname) = 'shop'"));
        assert!(!sql.contains("it's"));
        let sql = query(Dialect::Mysql, &tables).unwrap();
        assert!(sql.starts_with("SELECT '-', CAST(VERSION() AS CHAR), NULL UNION ALL"));
        assert!(sql.contains("table_schema = DATABASE()"));
        // Another SQLite schema (an attached file) is not asked about.
        let sql = query(Dialect::Sqlite, &tables).unwrap();
        assert_eq!(sql.matches("SELECT '").count(), 1, "{sql}");
        assert_eq!(query(Dialect::Sqlite, &[]), None);
        assert!(query(Dialect::Mysql, &[]).is_some());
    }

    #[test]
    fn rows_become_sizes_a_missing_table_none_and_an_unasked_one_left_out() {
        let tables = [
            table(None, "orders"),
            table(None, "fresh"),
            table(None, "new_tbl"),
            table(None, "o'k"),
        ];
        let text = |s: &str| Some(s.to_owned());
        let rows = vec![
            vec![text("-"), text("10.11.6-MariaDB"), None],
            vec![text("0"), text("3328599654"), text("12000000")],
            vec![text("2"), None, None],
        ];
        let sizes = parse(Dialect::Mysql, &tables, &rows);
        assert_eq!(sizes.server_version.as_deref(), Some("10.11.6-MariaDB"));
        assert_eq!(
            sizes.tables,
            [
                (
                    table(None, "orders"),
                    Some(TableSize {
                        bytes: 3_328_599_654,
                        rows: Some(12_000_000)
                    })
                ),
                (table(None, "fresh"), None),
                (table(None, "new_tbl"), None),
            ]
        );
        let never_analyzed = vec![vec![text("0"), text("8192"), text("-1")]];
        let sizes = parse(Dialect::Postgres, &tables[..1], &never_analyzed);
        assert_eq!(
            sizes.tables[0].1,
            Some(TableSize {
                bytes: 8192,
                rows: None
            })
        );
    }
}
