//! The names of the folder formats a migration set can be written in: dbfleet's own and
//! other migration tools'. The config names them (`format:`); each one's grammar lives in
//! `catalog/formats/`, one file per tool.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How a set's folder is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// `{version}_{name}[.{sqlite|postgres|mysql}].{up|down}.sql`
    Dbfleet,
    /// `{version}_{title}.{up|down}.sql`, the title may hold dots.
    GolangMigrate,
    /// `{version}_{name}.sql` (up only) and `.up.sql` / `.down.sql`.
    Sqlx,
    /// `V{version}__{desc}.sql`, `U…` undo, `R__{desc}.sql` repeatable.
    Flyway,
    /// One file, `-- migrate:up` / `-- migrate:down`.
    Dbmate,
    /// One file, `-- +goose Up` / `-- +goose Down`.
    Goose,
    /// `{version}_{name}[.{dialect}][.autocommit].{up|down}.sql`
    Pop,
    /// `{version}_{name}.sql` (or golang-migrate names) checked against `atlas.sum`.
    Atlas,
}

impl Format {
    pub const ALL: [Format; 8] = [
        Format::Dbfleet,
        Format::GolangMigrate,
        Format::Sqlx,
        Format::Flyway,
        Format::Dbmate,
        Format::Goose,
        Format::Pop,
        Format::Atlas,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Dbfleet => "dbfleet",
            Format::GolangMigrate => "golang_migrate",
            Format::Sqlx => "sqlx",
            Format::Flyway => "flyway",
            Format::Dbmate => "dbmate",
            Format::Goose => "goose",
            Format::Pop => "pop",
            Format::Atlas => "atlas",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
                format!(
                    "unknown format `{s}` (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}
