//! Other migration tools' bookkeeping, read so `dbfleet adopt` can take a database over
//! (see `/work/research/TOOLS.md` for each table's definition and row semantics, read in
//! the tools' source): which tables to look for, how to tell them apart by their columns
//! (golang-migrate's `schema_migrations(version, dirty)`, dbmate's `schema_migrations
//! (version)` and dbfleet's own, which has `migration_set`), the query that reads each
//! as text, and what its rows mean. Only the tools' default table names are looked for.
//!
//! Everything here reads; nothing creates or changes another tool's table.

use serde::Serialize;

use super::Bookkeeping;
use crate::dialect::Dialect;

/// A migration tool whose bookkeeping dbfleet can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    GolangMigrate,
    Dbmate,
    Sqlx,
    Goose,
    Flyway,
    Pop,
    Atlas,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::GolangMigrate => "golang-migrate",
            Tool::Dbmate => "dbmate",
            Tool::Sqlx => "sqlx",
            Tool::Goose => "goose",
            Tool::Flyway => "Flyway",
            Tool::Pop => "pop",
            Tool::Atlas => "Atlas",
        }
    }

    /// The tool's default table name.
    pub fn table(self) -> &'static str {
        match self {
            Tool::GolangMigrate | Tool::Dbmate => "schema_migrations",
            Tool::Sqlx => "_sqlx_migrations",
            Tool::Goose => "goose_db_version",
            Tool::Flyway => "flyway_schema_history",
            Tool::Pop => "schema_migration",
            Tool::Atlas => "atlas_schema_revisions",
        }
    }
}

impl std::fmt::Display for Tool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Every table name looked for.
pub const TABLES: [&str; 6] = [
    "schema_migrations",
    "_sqlx_migrations",
    "goose_db_version",
    "flyway_schema_history",
    "schema_migration",
    "atlas_schema_revisions",
];

/// Atlas keeps its table in a schema of the same name unless its URL names one
/// (PostgreSQL only: on MySQL that would be another database).
pub const ATLAS_SCHEMA: &str = "atlas_schema_revisions";

/// One column of a candidate table, as the catalog lists it. `schema`: `None` in the
/// schema or database the session was opened in, else the other schema's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignColumn {
    pub schema: Option<String>,
    pub table: String,
    pub column: String,
}

impl ForeignColumn {
    /// A column of a table in the session's own schema or database.
    pub fn here((table, column): (String, String)) -> ForeignColumn {
        ForeignColumn {
            schema: None,
            table,
            column,
        }
    }
}

/// `tables` as an SQL list of string literals: `'a', 'b'`.
pub fn name_list(book: &Bookkeeping, tables: &[&str]) -> String {
    let names: Vec<String> = tables.iter().map(|t| book.literal(t)).collect();
    names.join(", ")
}

/// A version the tool left half-done or failed, and what its table says about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unsettled {
    pub version: String,
    pub detail: String,
}

/// What another tool's table says was applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OtherTool {
    pub tool: Tool,
    /// As a statement names it, unquoted: `schema_migrations`, or
    /// `atlas_schema_revisions.atlas_schema_revisions` in another schema.
    pub table: String,
    /// In the session's own schema: the name dbfleet's migrations table could collide with.
    pub in_own_schema: bool,
    /// Versions recorded one by one as applied, as the tool wrote them.
    pub applied: Vec<String>,
    /// Everything up to this version is applied: golang-migrate's current version, a
    /// Flyway or Atlas baseline.
    pub through: Option<String>,
    /// Dirty, failed or partially applied versions.
    pub unsettled: Vec<Unsettled>,
}

impl OtherTool {
    /// Whether the tool's table records anything: an applied, dirty or failed version,
    /// or a current version above zero. A table the tool made and never used (golang-migrate
    /// creates it before the first migration) leaves nothing to adopt and nothing that
    /// `up` could run twice.
    pub fn records_anything(&self) -> bool {
        !self.applied.is_empty()
            || !self.unsettled.is_empty()
            || self
                .through
                .as_deref()
                .is_some_and(|v| !v.trim_start_matches('0').is_empty())
    }

    /// `at version 158`, `12 applied`, `12 applied, baseline 3`.
    pub fn summary(&self) -> String {
        match (&self.through, self.applied.len()) {
            (Some(v), 0) => format!("at version {v}"),
            (Some(v), n) => format!("{n} applied, baseline {v}"),
            (None, 0) => "nothing applied".into(),
            (None, n) => format!("{n} applied"),
        }
    }
}

/// The tools whose tables `columns` show, with where: `(tool, schema, table)`. dbfleet's
/// own table (it has `migration_set`) is never one.
pub fn detect(columns: &[ForeignColumn]) -> Vec<(Tool, Option<String>, String)> {
    let mut tables: Vec<(&Option<String>, &str)> = columns
        .iter()
        .map(|c| (&c.schema, c.table.as_str()))
        .collect();
    tables.sort();
    tables.dedup();
    let mut found = Vec::new();
    for (schema, table) in tables {
        let has = |name: &str| {
            columns.iter().any(|c| {
                &c.schema == schema && c.table == table && c.column.eq_ignore_ascii_case(name)
            })
        };
        if has("migration_set") {
            continue;
        }
        let tool = match table {
            "schema_migrations" if has("version") && has("dirty") => Tool::GolangMigrate,
            "schema_migrations" if has("version") => Tool::Dbmate,
            "_sqlx_migrations" if has("version") && has("success") => Tool::Sqlx,
            "goose_db_version" if has("version_id") && has("is_applied") => Tool::Goose,
            "flyway_schema_history" if has("installed_rank") && has("success") => Tool::Flyway,
            "schema_migration" if has("version") => Tool::Pop,
            "atlas_schema_revisions" if has("version") && has("applied") && has("total") => {
                Tool::Atlas
            }
            _ => continue,
        };
        found.push((tool, schema.clone(), table.to_owned()));
    }
    found
}

/// The query reading `tool`'s rows, every column as text, in the order the tool wrote
/// them where that matters (goose's `id`, Flyway's `installed_rank`).
pub fn select(book: &Bookkeeping, tool: Tool, schema: Option<&str>, table: &str) -> String {
    let name = match schema {
        Some(schema) => format!("{}.{}", book.ident(schema), book.ident(table)),
        None => book.table(table),
    };
    let text = |column: &str| match book.dialect {
        Dialect::Mysql => format!("CAST({column} AS CHAR)"),
        Dialect::Sqlite | Dialect::Postgres => format!("CAST({column} AS TEXT)"),
    };
    let columns: Vec<String> = match tool {
        Tool::GolangMigrate => vec![text("version"), text("dirty")],
        Tool::Dbmate | Tool::Pop => vec![text("version")],
        Tool::Sqlx => vec![text("version"), text("success")],
        Tool::Goose => vec![text("version_id"), text("is_applied")],
        Tool::Flyway => vec![text("version"), text("type"), text("success")],
        Tool::Atlas => vec![
            text("version"),
            text("type"),
            text("applied"),
            text("total"),
            text("error"),
        ],
    };
    let order = match tool {
        Tool::Goose => " ORDER BY id",
        Tool::Flyway => " ORDER BY installed_rank",
        _ => "",
    };
    format!("SELECT {} FROM {name}{order}", columns.join(", "))
}

/// A boolean as the three databases write it as text.
fn truthy(value: Option<&str>) -> bool {
    matches!(
        value.map(|v| v.trim().to_ascii_lowercase()).as_deref(),
        Some("1" | "t" | "true")
    )
}

/// What `tool`'s rows (as `select` reads them) mean.
pub fn interpret(
    tool: Tool,
    table: String,
    in_own_schema: bool,
    rows: &[Vec<Option<String>>],
) -> OtherTool {
    let mut found = OtherTool {
        tool,
        table,
        in_own_schema,
        applied: Vec::new(),
        through: None,
        unsettled: Vec::new(),
    };
    let cell = |row: &Vec<Option<String>>, i: usize| -> Option<String> {
        row.get(i)
            .cloned()
            .flatten()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    match tool {
        // Zero or one row: the current version, dirty while a migration to it runs or
        // after it failed. Every version up to it is applied.
        Tool::GolangMigrate => {
            for row in rows {
                let Some(version) = cell(row, 0) else {
                    continue;
                };
                if truthy(cell(row, 1).as_deref()) {
                    found.unsettled.push(Unsettled {
                        detail: if version == "-1" {
                            "dirty: a down of the first migration failed or was interrupted".into()
                        } else {
                            format!(
                                "dirty: the migration to version {version} failed or was interrupted"
                            )
                        },
                        version,
                    });
                } else if version != "-1" {
                    found.through = Some(version);
                }
            }
        }
        Tool::Dbmate | Tool::Pop => {
            found.applied = rows.iter().filter_map(|r| cell(r, 0)).collect();
        }
        // MySQL writes `success = false` first and sets it once the migration is done.
        Tool::Sqlx => {
            for row in rows {
                let Some(version) = cell(row, 0) else {
                    continue;
                };
                if truthy(cell(row, 1).as_deref()) {
                    found.applied.push(version);
                } else {
                    found.unsettled.push(Unsettled {
                        version,
                        detail: "recorded with success = false: the migration failed half-way"
                            .into(),
                    });
                }
            }
        }
        // The latest row of each version decides; version 0 is the table's creation.
        Tool::Goose => {
            let mut latest: Vec<(String, bool)> = Vec::new();
            for row in rows {
                let Some(version) = cell(row, 0) else {
                    continue;
                };
                if version == "0" {
                    continue;
                }
                let applied = truthy(cell(row, 1).as_deref());
                latest.retain(|(v, _)| v != &version);
                latest.push((version, applied));
            }
            found.applied = latest
                .into_iter()
                .filter(|(_, applied)| *applied)
                .map(|(v, _)| v)
                .collect();
        }
        // An append-only history by rank: the schema-creation row and repeatable
        // migrations have no version; a baseline stands for everything up to it; a
        // deleted or undone version is applied no more.
        Tool::Flyway => {
            for row in rows {
                let Some(version) = cell(row, 0) else {
                    continue;
                };
                let kind = cell(row, 1).unwrap_or_default().to_ascii_uppercase();
                found.applied.retain(|v| v != &version);
                found.unsettled.retain(|u| u.version != version);
                if kind == "DELETE" || kind.starts_with("UNDO") {
                    continue;
                }
                if !truthy(cell(row, 2).as_deref()) {
                    found.unsettled.push(Unsettled {
                        version,
                        detail: format!("a {kind} migration recorded with success = false"),
                    });
                } else if kind == "BASELINE" {
                    found.through = Some(version);
                } else {
                    found.applied.push(version);
                }
            }
        }
        // `type` bit flags: 1 baseline, 2 executed, 4 resolved by hand. An executed
        // revision with fewer statements applied than it has, or an error, is partial.
        Tool::Atlas => {
            for row in rows {
                let Some(version) = cell(row, 0) else {
                    continue;
                };
                let number = |i: usize| {
                    cell(row, i)
                        .and_then(|v| v.parse::<i64>().ok())
                        .unwrap_or(0)
                };
                let (kind, done, total) = (number(1), number(2), number(3));
                let error = cell(row, 4);
                if kind & 1 != 0 {
                    found.through = Some(version);
                } else if kind & 4 != 0 || (done >= total && error.is_none()) {
                    found.applied.push(version);
                } else {
                    found.unsettled.push(Unsettled {
                        version,
                        detail: format!(
                            "partially applied: {done} of {total} statements{}",
                            error.map(|e| format!(", error: {e}")).unwrap_or_default()
                        ),
                    });
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(table: &str, names: &[&str]) -> Vec<ForeignColumn> {
        names
            .iter()
            .map(|c| ForeignColumn {
                schema: None,
                table: table.into(),
                column: (*c).into(),
            })
            .collect()
    }

    fn rows(values: &[&[Option<&str>]]) -> Vec<Vec<Option<String>>> {
        values
            .iter()
            .map(|r| r.iter().map(|v| v.map(str::to_owned)).collect())
            .collect()
    }

    #[test]
    fn schema_migrations_is_told_apart_by_its_columns() {
        let golang = columns("schema_migrations", &["version", "dirty"]);
        let dbmate = columns("schema_migrations", &["version"]);
        let ours = columns("schema_migrations", &["migration_set", "version", "name"]);
        assert_eq!(detect(&golang)[0].0, Tool::GolangMigrate);
        assert_eq!(detect(&dbmate)[0].0, Tool::Dbmate);
        assert!(detect(&ours).is_empty());
        let mut both = columns("goose_db_version", &["id", "version_id", "is_applied"]);
        both.extend(columns("schema_migration", &["VERSION"]));
        let tools: Vec<Tool> = detect(&both).into_iter().map(|t| t.0).collect();
        assert_eq!(tools, vec![Tool::Goose, Tool::Pop]);
    }

    #[test]
    fn each_tools_rows_mean_what_the_tool_means() {
        let g = interpret(
            Tool::GolangMigrate,
            "t".into(),
            true,
            &rows(&[&[Some("158"), Some("false")]]),
        );
        assert_eq!((g.through.as_deref(), g.unsettled.len()), (Some("158"), 0));
        assert_eq!(g.summary(), "at version 158");
        let dirty = interpret(
            Tool::GolangMigrate,
            "t".into(),
            true,
            &rows(&[&[Some("5"), Some("1")]]),
        );
        assert_eq!(dirty.unsettled[0].version, "5");
        let goose = interpret(
            Tool::Goose,
            "t".into(),
            true,
            &rows(&[
                &[Some("0"), Some("1")],
                &[Some("1"), Some("1")],
                &[Some("2"), Some("1")],
                &[Some("2"), Some("0")],
            ]),
        );
        assert_eq!(goose.applied, vec!["1"]);
        let flyway = interpret(
            Tool::Flyway,
            "t".into(),
            true,
            &rows(&[
                &[None, Some("SCHEMA"), Some("true")],
                &[Some("1"), Some("BASELINE"), Some("true")],
                &[Some("1.1"), Some("SQL"), Some("true")],
                &[None, Some("SQL"), Some("true")],
                &[Some("2"), Some("SQL"), Some("false")],
            ]),
        );
        assert_eq!(flyway.through.as_deref(), Some("1"));
        assert_eq!(flyway.applied, vec!["1.1"]);
        assert_eq!(flyway.unsettled[0].version, "2");
        let atlas = interpret(
            Tool::Atlas,
            "t".into(),
            true,
            &rows(&[
                &[
                    Some("20220318104614"),
                    Some("2"),
                    Some("3"),
                    Some("3"),
                    None,
                ],
                &[
                    Some("20220420213403"),
                    Some("2"),
                    Some("1"),
                    Some("2"),
                    None,
                ],
            ]),
        );
        assert_eq!(atlas.applied, vec!["20220318104614"]);
        assert!(atlas.unsettled[0].detail.contains("1 of 2"));
        let sqlx = interpret(
            Tool::Sqlx,
            "t".into(),
            true,
            &rows(&[&[Some("1"), Some("t")], &[Some("2"), Some("0")]]),
        );
        assert_eq!((sqlx.applied.len(), sqlx.unsettled.len()), (1, 1));
    }

    #[test]
    fn reads_name_the_table_where_the_tool_keeps_it() {
        let pg = Bookkeeping::new(Dialect::Postgres, "m", "l").in_schema(Some("app".into()));
        assert_eq!(
            select(
                &pg,
                Tool::Atlas,
                Some(ATLAS_SCHEMA),
                "atlas_schema_revisions"
            ),
            "SELECT CAST(version AS TEXT), CAST(type AS TEXT), CAST(applied AS TEXT), CAST(total AS TEXT), CAST(error AS TEXT) FROM \"atlas_schema_revisions\".\"atlas_schema_revisions\""
        );
        let my = Bookkeeping::new(Dialect::Mysql, "m", "l").in_schema(Some("shop".into()));
        assert_eq!(
            select(&my, Tool::Goose, None, "goose_db_version"),
            "SELECT CAST(version_id AS CHAR), CAST(is_applied AS CHAR) FROM `shop`.`goose_db_version` ORDER BY id"
        );
    }
}
