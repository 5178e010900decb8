//! Opening a session of the dialect a target names, and what can be known of a dialect
//! before there is one.

use std::path::Path;

use super::{Access, Bookkeeping, DriverError, DriverResult, ErrorKind, Session, Timeouts};
use super::{mysql, postgres, sqlite};
use crate::config::Target;
use crate::dialect::Dialect;

/// Whether the dialect's DDL can roll back (see `Session::transactional_ddl`), for
/// planning against a database that does not exist yet: the dialect's own answer.
pub fn transactional_ddl(dialect: Dialect) -> bool {
    dialect.transactional_ddl()
}

/// Whether the database exists at all, without creating it (a SQLite file not yet made).
pub fn exists(target: &Target) -> bool {
    match target.driver {
        Dialect::Sqlite => Path::new(&target.database).exists(),
        _ => true,
    }
}

/// Opens a session with the database `target` describes: one connection, closed with
/// the session. Nothing is pooled, so a fleet of hundreds of databases on one server
/// holds only as many connections as are working at once.
pub async fn connect(
    target: &Target,
    bookkeeping: Bookkeeping,
    access: Access,
    timeouts: Timeouts,
) -> DriverResult<Box<dyn Session>> {
    let statement = timeouts.statement_secs;
    let opening = async {
        match target.driver {
            Dialect::Sqlite => sqlite::open(target, bookkeeping, access)
                .await
                .map(|s| Box::new(s) as Box<dyn Session>),
            Dialect::Postgres => postgres::open(target, bookkeeping, access, statement)
                .await
                .map(|s| Box::new(s) as Box<dyn Session>),
            Dialect::Mysql => mysql::open(target, bookkeeping, access, statement)
                .await
                .map(|s| Box::new(s) as Box<dyn Session>),
        }
    };
    let timeout = timeouts.connect;
    // Zero is no limit, as for statements (and libpq's `connect_timeout=0`).
    if timeout.is_zero() {
        return opening.await;
    }
    match tokio::time::timeout(timeout, opening).await {
        Ok(result) => result,
        Err(_) => Err(DriverError::new(
            ErrorKind::Timeout,
            format!(
                "no connection to {} within {}s",
                target.server_label(),
                timeout.as_secs()
            ),
        )),
    }
}
