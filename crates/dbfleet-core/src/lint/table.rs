//! The tables size-dependent findings are about, and their sizes as a plan reads them
//! from each database (`driver/table_sizes.rs`); offline, only the names are known.

use serde::Serialize;

/// A table as a statement names it, lower-cased: `schema` only when the statement
/// qualifies it; otherwise the session's schema (PostgreSQL's search path, MySQL's current
/// database, SQLite's `main`) decides.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TableRef {
    pub schema: Option<String>,
    pub name: String,
}

impl TableRef {
    /// `orders`, `shop.orders`
    pub fn shown(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{schema}.{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// A table's size as its database's statistics estimate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TableSize {
    /// Table and indexes, on disk.
    pub bytes: u64,
    /// The estimated number of rows; absent where the statistics have none yet (a
    /// PostgreSQL table never analyzed) or the database keeps none (SQLite).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
}

impl TableSize {
    /// `3.1 GiB, about 12,000,000 rows`
    pub fn words(&self) -> String {
        match self.rows {
            Some(rows) => format!(
                "{}, about {} row{}",
                crate::human::size(self.bytes),
                grouped(rows),
                if rows == 1 { "" } else { "s" }
            ),
            None => crate::human::size(self.bytes),
        }
    }
}

/// `12000000` → `12,000,000`
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_read_them() {
        let size = TableSize {
            bytes: 3_328_599_654,
            rows: Some(12_000_000),
        };
        assert_eq!(size.words(), "3.1 GiB, about 12,000,000 rows");
        let one = TableSize {
            bytes: 100,
            rows: Some(1),
        };
        assert_eq!(one.words(), "100 B, about 1 row");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
    }
}
