//! Row plumbing: statements run as written and dbfleet's two tables read back, on any
//! dialect's sqlx connection. `Bookkeeping` selects every integer as one 64-bit type, so
//! one decoder reads the rows of all three databases.

use std::future::Future;

use sqlx::Row;

use super::{AppliedRow, Bookkeeping, DbStats, DriverError, ErrorKind, LockRow, RowStatus};
use crate::catalog::Version;

/// What a session does on its connection the same way whatever the database: implemented
/// for every sqlx connection that runs queries by `&mut` (SQLite's, PostgreSQL's, MySQL's).
/// Errors are sqlx's; the session words them in its dialect's terms.
pub(crate) trait Plumbing: sqlx::Connection {
    /// Runs `sql` as written (no parameters, no statement cache: migrations are DDL).
    fn run(&mut self, sql: &str) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

    /// The migrations table's rows as `Bookkeeping::select_applied` selects them (the
    /// table exists).
    fn fetch_applied(
        &mut self,
        bookkeeping: &Bookkeeping,
    ) -> impl Future<Output = Result<Vec<AppliedRow>, sqlx::Error>> + Send;

    /// The lock table's row as `Bookkeeping::select_lock` selects it, if any (the table
    /// exists).
    fn fetch_lock(
        &mut self,
        bookkeeping: &Bookkeeping,
    ) -> impl Future<Output = Result<Option<LockRow>, sqlx::Error>> + Send;

    /// Any query's rows, every value as text (the query casts them), NULL as `None`.
    fn fetch_texts(
        &mut self,
        sql: &str,
    ) -> impl Future<Output = Result<Vec<Vec<Option<String>>>, sqlx::Error>> + Send;

    /// The dialect's statistics query `sql`, with the migrations table's name, the lock
    /// table's and the schema (NULL: the current one) bound in that order, answering the
    /// number of tables and the size in bytes.
    fn fetch_stats(
        &mut self,
        sql: &'static str,
        bookkeeping: &Bookkeeping,
    ) -> impl Future<Output = Result<DbStats, sqlx::Error>> + Send;
}

impl<C, DB> Plumbing for C
where
    C: sqlx::Connection<Database = DB>,
    DB: sqlx::Database,
    for<'c> &'c mut C: sqlx::Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    for<'r> String: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> i64: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    async fn run(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(self)
            .await?;
        Ok(())
    }

    async fn fetch_applied(&mut self, book: &Bookkeeping) -> Result<Vec<AppliedRow>, sqlx::Error> {
        // As written, not prepared: a statement read once per session costs a prepare's
        // extra round trip for nothing, and `status` opens a session per database.
        let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(book.select_applied()))
            .fetch_all(self)
            .await?;
        let mut applied = rows
            .iter()
            .map(|row| {
                let count = |i: usize| -> Result<u32, sqlx::Error> {
                    Ok(u32::try_from(row.try_get::<i64, _>(i)?.max(0)).unwrap_or(u32::MAX))
                };
                Ok(AppliedRow {
                    set: row.try_get(0)?,
                    version: version(&row.try_get::<String, _>(1)?)?,
                    name: row.try_get(2)?,
                    checksum: row.try_get(3)?,
                    status: RowStatus::parse(&row.try_get::<String, _>(4)?),
                    statements_done: count(5)?,
                    statements_total: count(6)?,
                    error: row.try_get::<Option<String>, _>(7)?,
                    applied_at: row.try_get(8)?,
                    execution_ms: row.try_get(9)?,
                    applied_by: row.try_get(10)?,
                    run_id: row.try_get(11)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        applied.sort_by(|a, b| (&a.set, &a.version).cmp(&(&b.set, &b.version)));
        Ok(applied)
    }

    async fn fetch_lock(&mut self, book: &Bookkeeping) -> Result<Option<LockRow>, sqlx::Error> {
        let row = sqlx::raw_sql(sqlx::AssertSqlSafe(book.select_lock()))
            .fetch_optional(self)
            .await?;
        row.map(|row| {
            Ok(LockRow {
                holder: row.try_get(0)?,
                host: row.try_get(1)?,
                pid: row.try_get(2)?,
                run_id: row.try_get(3)?,
                acquired_at: row.try_get(4)?,
                heartbeat_at: row.try_get(5)?,
            })
        })
        .transpose()
    }

    async fn fetch_texts(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
        let rows = sqlx::query::<DB>(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_all(self)
            .await?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| row.try_get::<Option<String>, _>(i))
                    .collect()
            })
            .collect()
    }

    async fn fetch_stats(
        &mut self,
        sql: &'static str,
        book: &Bookkeeping,
    ) -> Result<DbStats, sqlx::Error> {
        let row = sqlx::query::<DB>(sql)
            .bind(book.migrations_table.as_str())
            .bind(book.lock_table.as_str())
            .bind(book.schema.as_deref())
            .fetch_one(self)
            .await?;
        let count = |i: usize| row.try_get::<i64, _>(i).map(|n| n.max(0) as u64);
        Ok(DbStats {
            tables: count(0)?,
            size_bytes: count(1)?,
            server_version: row.try_get::<String, _>(2).ok(),
        })
    }
}

/// A recorded version, which dbfleet wrote as digits (dotted for Flyway's versions).
fn version(text: &str) -> Result<Version, sqlx::Error> {
    Version::parse(text.trim()).ok_or_else(|| {
        sqlx::Error::Decode(format!("the migrations table records `{text}` as a version").into())
    })
}

/// A failed read of the migrations table, when the table of the configured name is one
/// that some other tool made (golang-migrate's `schema_migrations` has just `version` and
/// `dirty`): say so, rather than "unknown column" or "unreachable".
pub(crate) fn not_ours(bookkeeping: &Bookkeeping, e: DriverError) -> DriverError {
    if e.message.contains("migration_set") {
        not_ours_error(bookkeeping)
    } else {
        e
    }
}

/// The migrations table of the configured name is another tool's.
pub(crate) fn not_ours_error(bookkeeping: &Bookkeeping) -> DriverError {
    DriverError::new(
        ErrorKind::NotOurs,
        format!(
            "table {} exists but is not dbfleet's (it has no migration_set column; golang-migrate and other tools use that name too): set migrator.migrations_table to another name",
            bookkeeping.migrations_table
        ),
    )
}
