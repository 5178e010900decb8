//! The three SQL dialects dbfleet speaks. What differs in how they run SQL lives in
//! `crate::driver::*`; this enum is the name other modules use to ask for it, and the one
//! fact the catalog needs before any session exists (whether DDL can roll back).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Sqlite,
    Postgres,
    /// MySQL and MariaDB.
    Mysql,
}

impl Dialect {
    pub const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql];

    /// The suffix a dialect-specific migration file carries: `001_x.postgres.up.sql`.
    pub fn file_tag(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
        }
    }

    /// Whether DDL can roll back, so a step and its bookkeeping row commit together
    /// (MySQL/MariaDB commit DDL implicitly). The catalog words its refusals by it before
    /// any session exists; a session answers the same (`Session::transactional_ddl`).
    pub fn transactional_ddl(self) -> bool {
        self != Dialect::Mysql
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_tag())
    }
}

impl FromStr for Dialect {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "sqlite" | "sqlite3" => Ok(Dialect::Sqlite),
            "postgres" | "postgresql" | "pg" => Ok(Dialect::Postgres),
            "mysql" | "mariadb" => Ok(Dialect::Mysql),
            other => Err(format!(
                "unknown driver `{other}` (expected one of: sqlite, postgres, mysql)"
            )),
        }
    }
}
