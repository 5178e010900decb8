//! What PostgreSQL and MySQL sessions share: how a server's error is worded, how a
//! connection is opened from a target's settings, and the backup through the server's
//! dump tool.

use std::path::Path;
use std::str::FromStr;

use sqlx::ConnectOptions;
use sqlx::mysql::{MySqlConnectOptions, MySqlSslMode};
use sqlx::postgres::{PgConnectOptions, PgSslMode};

use super::session::{Connected, Driver};
use super::{DriverError, DriverResult, ErrorKind, LockRow, dump};
use crate::config::{SessionSetting, Target};

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

/// What PostgreSQL's and MySQL's connect options both have, so that a target's fields
/// reach either the same way (`with_target`).
pub(crate) trait ServerOptions: ConnectOptions + FromStr<Err = sqlx::Error> {
    type SslMode: FromStr;
    /// The `sslmode` names, for the error on one that is not.
    const SSL_MODES: &'static str;
    fn host(self, host: &str) -> Self;
    fn port(self, port: u16) -> Self;
    fn socket(self, path: &str) -> Self;
    fn username(self, user: &str) -> Self;
    fn password(self, password: &str) -> Self;
    fn ssl_mode(self, mode: Self::SslMode) -> Self;
    fn ssl_root_cert(self, file: &str) -> Self;
    fn ssl_client_cert(self, file: &str) -> Self;
    fn ssl_client_key(self, file: &str) -> Self;
}

/// The options a target's session connects with: its URL through the driver's own parser
/// (checked when the config was read; `fresh` without one), then the target's fields,
/// which hold the URL's parts where it had them and the entry's keys elsewhere.
pub(crate) fn with_target<O: ServerOptions>(target: &Target, fresh: fn() -> O) -> DriverResult<O> {
    let connection = &target.connection;
    let mut options = match &connection.url {
        Some(url) => O::from_str(url.expose()).map_err(|e| {
            DriverError::new(
                ErrorKind::Connect,
                target.scrub(&format!("the url's options: {e}")),
            )
        })?,
        None => fresh(),
    };
    if let Some(host) = &target.host {
        options = options.host(host);
    }
    if let Some(port) = target.port {
        options = options.port(port);
    }
    if let Some(socket) = &connection.socket {
        options = options.socket(socket);
    }
    if let Some(user) = &target.username {
        options = options.username(user);
    }
    if let Some(password) = target.password.as_ref().filter(|p| !p.is_empty()) {
        options = options.password(password.expose());
    }
    if let Some(mode) = &target.sslmode {
        let mode = O::SslMode::from_str(mode).map_err(|_| {
            DriverError::new(
                ErrorKind::Connect,
                format!("sslmode `{mode}`: expected {}", O::SSL_MODES),
            )
        })?;
        options = options.ssl_mode(mode);
    }
    if let Some(file) = &connection.ssl_root_cert {
        options = options.ssl_root_cert(file);
    }
    if let Some(file) = &connection.ssl_cert {
        options = options.ssl_client_cert(file);
    }
    if let Some(file) = &connection.ssl_key {
        options = options.ssl_client_key(file);
    }
    Ok(options)
}

/// Both drivers' options under the trait's names.
macro_rules! server_options {
    ($options:ty, $mode:ty, $modes:literal, $root_cert:ident) => {
        impl ServerOptions for $options {
            type SslMode = $mode;
            const SSL_MODES: &'static str = $modes;
            fn host(self, host: &str) -> Self {
                <$options>::host(self, host)
            }
            fn port(self, port: u16) -> Self {
                <$options>::port(self, port)
            }
            fn socket(self, path: &str) -> Self {
                <$options>::socket(self, path)
            }
            fn username(self, user: &str) -> Self {
                <$options>::username(self, user)
            }
            fn password(self, password: &str) -> Self {
                <$options>::password(self, password)
            }
            fn ssl_mode(self, mode: $mode) -> Self {
                <$options>::ssl_mode(self, mode)
            }
            fn ssl_root_cert(self, file: &str) -> Self {
                <$options>::$root_cert(self, file)
            }
            fn ssl_client_cert(self, file: &str) -> Self {
                <$options>::ssl_client_cert(self, file)
            }
            fn ssl_client_key(self, file: &str) -> Self {
                <$options>::ssl_client_key(self, file)
            }
        }
    };
}

server_options!(
    PgConnectOptions,
    PgSslMode,
    "disable, allow, prefer, require, verify-ca or verify-full",
    ssl_root_cert
);
server_options!(
    MySqlConnectOptions,
    MySqlSslMode,
    "disabled, preferred, required, verify_ca or verify_identity",
    ssl_ca
);

/// Opens the connection `options` describe; a failure names the server, and the
/// `session:` setting the server refused when it was one (PostgreSQL reads them at
/// startup: `unrecognized configuration parameter "x"`).
pub(crate) async fn open<O: ConnectOptions>(
    target: &Target,
    options: O,
) -> DriverResult<O::Connection>
where
    O::Connection: Sized,
{
    options.connect().await.map_err(|e| {
        let e = error(e);
        let refused = target.connection.session.iter().find(|s| {
            e.message
                .to_ascii_lowercase()
                .contains(&format!("\"{}\"", s.name.to_ascii_lowercase()))
        });
        let e = match refused {
            Some(setting) => session_refused(setting, e),
            None => e,
        };
        DriverError::new(
            ErrorKind::Connect,
            format!("cannot connect to {}: {}", target.server_label(), e.message),
        )
    })
}

/// How long an abort may take to reach the server (a connection of its own, then
/// `pg_cancel_backend` or `KILL QUERY`).
pub(crate) const INTERRUPT_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

pub(crate) fn interrupt_timed_out(target: &Target) -> DriverError {
    DriverError::new(
        ErrorKind::Timeout,
        format!(
            "no connection to {} within {}s to stop the running statement",
            target.server_label(),
            INTERRUPT_WITHIN.as_secs()
        ),
    )
}

/// The server's refusal of a `session:` setting, with where the setting was written.
pub(crate) fn session_refused(setting: &SessionSetting, e: DriverError) -> DriverError {
    DriverError::new(
        e.kind,
        format!(
            "{}: the server refused this `session:` setting: {}",
            setting.origin, e.message
        ),
    )
}

/// The backup through the server's dump tool (`dump.rs`), without the lock table's data.
pub(crate) async fn backup<D: Driver>(s: &Connected<D>, dest: &Path) -> DriverResult<u64> {
    dump::dump(&s.target, dest, &s.bookkeeping.lock_table).await
}

/// The server session that holds the database's own lock without a row of dbfleet's, from
/// a row of (process id, user, application, client), as a lock row.
pub(crate) fn session_holder<R: sqlx::Row>(row: &R, now: &str) -> DriverResult<LockRow>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let text = |i: usize| row.try_get::<String, _>(i).map_err(error);
    let pid = row.try_get::<i64, _>(0).map_err(error)?;
    let (user, application, client) = (text(1)?, text(2)?, text(3)?);
    Ok(holder_row(pid, &user, &application, &client, now))
}

fn holder_row(pid: i64, user: &str, application: &str, client: &str, now: &str) -> LockRow {
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
