//! What PostgreSQL and MySQL sessions share: how a server's error is worded, how a
//! connection is opened from a target's settings, and the backup through the server's
//! dump tool.

use std::path::Path;
use std::str::FromStr;

use sqlx::ConnectOptions;

use super::session::{Connected, Driver};
use super::{DriverError, DriverResult, ErrorKind, LockRow, dump};
use crate::config::Target;

/// A server's error: its message and SQLSTATE or error number, the connection's fate in
/// words.
pub(crate) fn error(e: sqlx::Error) -> DriverError {
    match &e {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| format!(" ({c})")).unwrap_or_default();
            DriverError::new(ErrorKind::Query, format!("{}{code}", db.message()))
        }
        sqlx::Error::Io(io) => DriverError::new(ErrorKind::Connect, io_message(io)),
        sqlx::Error::PoolTimedOut => DriverError::new(ErrorKind::Timeout, e.to_string()),
        other => DriverError::new(ErrorKind::Query, other.to_string()),
    }
}

/// sqlx's wording for a connection the server closed under it ("expected to read 4 bytes,
/// got 0 bytes at EOF", "Broken pipe (os error 32)") says how the socket failed, not what
/// happened: say that. Other I/O errors (refused, unreachable, timed out) keep their own.
fn io_message(e: &std::io::Error) -> String {
    use std::io::ErrorKind as Io;
    match e.kind() {
        Io::UnexpectedEof | Io::ConnectionReset | Io::ConnectionAborted | Io::BrokenPipe => {
            "the connection was closed by the server (the session was killed, or the server restarted or went away)".to_owned()
        }
        _ => e.to_string(),
    }
}

/// The target's `sslmode`, in the dialect's names (`expected` lists them for the error).
pub(crate) fn sslmode<M: FromStr>(target: &Target, expected: &str) -> DriverResult<Option<M>> {
    target
        .sslmode
        .as_deref()
        .map(|mode| {
            M::from_str(mode).map_err(|_| {
                DriverError::new(
                    ErrorKind::Connect,
                    format!("sslmode `{mode}`: expected {expected}"),
                )
            })
        })
        .transpose()
}

/// Opens the connection `options` describe; a failure names the server.
pub(crate) async fn open<O: ConnectOptions>(
    target: &Target,
    options: O,
) -> DriverResult<O::Connection>
where
    O::Connection: Sized,
{
    options.connect().await.map_err(|e| {
        DriverError::new(
            ErrorKind::Connect,
            format!(
                "cannot connect to {}: {}",
                target.server_label(),
                error(e).message
            ),
        )
    })
}

/// The backup through the server's dump tool (`dump.rs`), without the lock table's data.
pub(crate) async fn backup<D: Driver>(s: &Connected<D>, dest: &Path) -> DriverResult<u64> {
    dump::dump(&s.target, dest, &s.bookkeeping.lock_table).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_the_server_closed_says_so() {
        use std::io::{Error, ErrorKind as Io};
        for kind in [
            Io::UnexpectedEof,
            Io::ConnectionReset,
            Io::ConnectionAborted,
            Io::BrokenPipe,
        ] {
            let raw = Error::new(kind, "expected to read 4 bytes, got 0 bytes at EOF");
            let message = io_message(&raw);
            assert!(
                message.starts_with("the connection was closed by the server"),
                "{kind:?}: {message}"
            );
            assert!(!message.contains("expected to read"), "{message}");
        }
        let refused = Error::new(Io::ConnectionRefused, "Connection refused (os error 111)");
        assert_eq!(io_message(&refused), "Connection refused (os error 111)");
    }
}

/// The server session that holds the database's own lock without a row of dbfleet's, as a
/// lock row: who, from where, its server-side process id.
pub(crate) fn session_holder(
    pid: i64,
    user: &str,
    application: &str,
    client: &str,
    now: &str,
) -> LockRow {
    let user = if user.is_empty() { "?" } else { user };
    let application = if application.is_empty() {
        String::new()
    } else {
        format!(" ({application})")
    };
    LockRow {
        holder: format!("server session {pid} of {user}@{client}{application}"),
        host: client.to_owned(),
        pid,
        run_id: String::new(),
        acquired_at: now.to_owned(),
        heartbeat_at: now.to_owned(),
    }
}
