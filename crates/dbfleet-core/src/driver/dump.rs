//! Backups through the servers' own dump tools (`pg_dump`, `mariadb-dump`/`mysqldump`).
//! Passwords go through the environment, never the command line (which `ps` shows).

use std::path::{Path, PathBuf};
use std::process::Stdio;

use super::{DriverError, DriverResult, ErrorKind};
use crate::config::Target;
use crate::dialect::Dialect;

/// The first of `names` found on `PATH`.
pub(super) fn find_on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|candidate| candidate.is_file())
}

/// The dump tool a backup of `dialect` needs: `Ok(None)` when none is needed (SQLite),
/// an error naming what to install when it is missing.
pub fn backup_tool(dialect: Dialect) -> Result<Option<PathBuf>, String> {
    let (names, package): (&[&str], &str) = match dialect {
        Dialect::Sqlite => return Ok(None),
        Dialect::Postgres => (&["pg_dump"], "postgresql-client"),
        Dialect::Mysql => (
            &["mariadb-dump", "mysqldump"],
            "mariadb-client or mysql-client",
        ),
    };
    find_on_path(names).map(Some).ok_or_else(|| {
        format!(
            "auto_backup needs {} on PATH (install {package}), or run with --no-backup / set migrator.auto_backup: false",
            names.join(" or ")
        )
    })
}

/// Backups hold a whole database, passwords in its tables included: owner-only.
pub fn owner_only(path: &Path) -> DriverResult<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| DriverError::new(ErrorKind::Io, format!("{}: {e}", path.display())))?;
    }
    Ok(())
}

/// Dumps `target` into `dest` and checks the file is not empty; returns its size. The
/// lock table's row (this very run's lock) stays out: a restored backup must not come
/// back locked by a run that is long gone.
pub async fn dump(target: &Target, dest: &Path, lock_table: &str) -> DriverResult<u64> {
    let tool = backup_tool(target.driver)
        .map_err(|e| DriverError::new(ErrorKind::Io, e))?
        .ok_or_else(|| DriverError::new(ErrorKind::Io, "no dump tool for this driver"))?;
    // Created owner-only first: the tool truncates and writes, keeping the mode.
    std::fs::File::create(dest)
        .map_err(|e| DriverError::new(ErrorKind::Io, format!("{}: {e}", dest.display())))?;
    owner_only(dest)?;
    let mut command = client_command(&tool, target);
    command.stdout(Stdio::null());
    match target.driver {
        Dialect::Postgres => {
            command
                .arg("--format=plain")
                .arg(format!("--exclude-table-data={lock_table}"))
                .arg("--file")
                .arg(dest);
            // Tenants as schemas of one database: the entry's own schema, which its lock
            // guards, and nothing of the others (a restore must not roll them back).
            if let Some(schema) = &target.schema {
                command.arg(format!("--schema=\"{}\"", schema.replace('"', "\"\"")));
            }
            command.arg("--dbname").arg(&target.database);
        }
        Dialect::Mysql => {
            command
                .arg("--single-transaction")
                .arg("--routines")
                .arg("--triggers")
                .arg(format!("--ignore-table={}.{lock_table}", target.database))
                .arg(format!("--result-file={}", dest.display()))
                .arg(&target.database);
        }
        Dialect::Sqlite => {}
    }
    finish(&tool, target, command.output().await)?;
    let size = std::fs::metadata(dest)
        .map_err(|e| DriverError::new(ErrorKind::Io, format!("{}: {e}", dest.display())))?
        .len();
    if size == 0 {
        return Err(DriverError::new(
            ErrorKind::Io,
            format!(
                "{} wrote an empty backup {}",
                tool.display(),
                dest.display()
            ),
        ));
    }
    Ok(size)
}

/// `tool` (a server's dump or client program) set up to reach `target`: where the server
/// is, who logs in, TLS files and socket; the password in the environment (`PGPASSWORD`,
/// `MYSQL_PWD`), never on the command line. stdin is closed and stderr captured; the
/// caller adds what the tool is to do and the database.
pub(super) fn client_command(tool: &Path, target: &Target) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(tool);
    command.stdin(Stdio::null()).stderr(Stdio::piped());
    let connection = &target.connection;
    let host = target.host.as_deref().unwrap_or("localhost");
    match target.driver {
        Dialect::Postgres => {
            // A socket folder is libpq's host.
            let host = connection.socket.as_deref().unwrap_or(host);
            command
                .arg("--host")
                .arg(host)
                .arg("--port")
                .arg(target.port.unwrap_or(5432).to_string())
                .arg("--no-password");
            if let Some(user) = &target.username {
                command.arg("--username").arg(user);
            }
            if let Some(password) = target.password.as_ref().filter(|p| !p.is_empty()) {
                command.env("PGPASSWORD", password.expose());
            }
            if let Some(mode) = &target.sslmode {
                command.env("PGSSLMODE", mode);
            }
            for (var, value) in [
                ("PGSSLROOTCERT", &connection.ssl_root_cert),
                ("PGSSLCERT", &connection.ssl_cert),
                ("PGSSLKEY", &connection.ssl_key),
            ] {
                if let Some(value) = value {
                    command.env(var, value);
                }
            }
        }
        Dialect::Mysql => {
            command
                .arg("--host")
                .arg(host)
                .arg("--port")
                .arg(target.port.unwrap_or(3306).to_string());
            if let Some(user) = &target.username {
                command.arg("--user").arg(user);
            }
            if let Some(password) = target.password.as_ref().filter(|p| !p.is_empty()) {
                command.env("MYSQL_PWD", password.expose());
            }
            for (option, value) in [
                ("--socket", &connection.socket),
                ("--ssl-ca", &connection.ssl_root_cert),
                ("--ssl-cert", &connection.ssl_cert),
                ("--ssl-key", &connection.ssl_key),
            ] {
                if let Some(value) = value {
                    command.arg(format!("{option}={value}"));
                }
            }
        }
        Dialect::Sqlite => {}
    }
    command
}

/// A tool's stdout when it succeeded; its stderr, secrets removed, when it did not.
pub(super) fn finish(
    tool: &Path,
    target: &Target,
    output: std::io::Result<std::process::Output>,
) -> DriverResult<Vec<u8>> {
    let output = output.map_err(|e| {
        DriverError::new(ErrorKind::Io, format!("cannot run {}: {e}", tool.display()))
    })?;
    if output.status.success() {
        return Ok(output.stdout);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(DriverError::new(
        ErrorKind::Io,
        target.scrub(&format!(
            "{} failed ({}): {}",
            tool.display(),
            output.status,
            stderr.trim()
        )),
    ))
}
