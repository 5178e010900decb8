//! Restoring a backup: the SQLite file put back in place, or a server's dump loaded
//! through its own client (`psql`, `mariadb`/`mysql`) after the objects it recreates are
//! dropped. Passwords go through the environment, never the command line (`dump.rs`).
//!
//! PostgreSQL loads in one transaction (`psql --single-transaction`, `ON_ERROR_STOP`): a
//! restore that fails leaves the database as it was. MySQL/MariaDB commit DDL as they go:
//! a restore that fails there leaves the database half-restored, and the safety backup
//! the engine took first is the way back.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::AsyncWriteExt;

use super::dump::{client_command, find_on_path, finish};
use super::{DriverError, DriverResult, ErrorKind};
use crate::config::Target;
use crate::dialect::Dialect;

/// The first bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

fn io(path: &Path, e: impl std::fmt::Display) -> DriverError {
    DriverError::new(ErrorKind::Io, format!("{}: {e}", path.display()))
}

/// The client a restore of `dialect` needs: `Ok(None)` for SQLite, an error naming what
/// to install when it is missing.
pub fn restore_tool(dialect: Dialect) -> Result<Option<PathBuf>, String> {
    let (names, package): (&[&str], &str) = match dialect {
        Dialect::Sqlite => return Ok(None),
        Dialect::Postgres => (&["psql"], "postgresql-client"),
        Dialect::Mysql => (&["mariadb", "mysql"], "mariadb-client or mysql-client"),
    };
    find_on_path(names).map(Some).ok_or_else(|| {
        format!(
            "a restore needs {} on PATH (install {package})",
            names.join(" or ")
        )
    })
}

/// Whether `file` looks like a backup of a `dialect` database: a SQLite file's header, a
/// dump that is not empty. `Err`: why not.
pub fn check_backup_file(file: &Path, dialect: Dialect) -> Result<(), String> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let read = std::fs::File::open(file)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| format!("{}: {e}", file.display()))?;
    match dialect {
        Dialect::Sqlite if read < head.len() || &head != SQLITE_HEADER => {
            Err(format!("{} is not a SQLite database file", file.display()))
        }
        Dialect::Postgres | Dialect::Mysql if read == 0 => {
            Err(format!("{} is empty", file.display()))
        }
        _ => Ok(()),
    }
}

/// Puts `backup` in place of the SQLite database `database`: copied beside it first, then
/// renamed over it, so the database is at every moment either the old file or the whole
/// backup. The old file's `-wal`, `-shm` and `-journal` go first (they belong to it, and a
/// journal left behind would be played into the restored file). Every connection to the
/// database must be closed. The database keeps its file mode.
pub fn replace_sqlite_file(backup: &Path, database: &Path) -> DriverResult<()> {
    let name = database
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let folder = database.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(folder).map_err(|e| io(folder, e))?;
    let temp = folder.join(format!(".{name}.dbfleet-restore-{}", std::process::id()));
    std::fs::copy(backup, &temp).map_err(|e| io(&temp, e))?;
    if let Ok(meta) = std::fs::metadata(database) {
        let _ = std::fs::set_permissions(&temp, meta.permissions());
    }
    for suffix in ["-wal", "-shm", "-journal"] {
        let side = folder.join(format!("{name}{suffix}"));
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                let _ = std::fs::remove_file(&temp);
                return Err(io(&side, e));
            }
        }
    }
    std::fs::rename(&temp, database).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        io(database, e)
    })
}

/// Loads the dump `file` into the server database `target` names, after dropping what it
/// recreates (see the module's doc); the lock table (`lock_table`) is kept on MySQL, where
/// the dump leaves it out, so the restoring run's lock row stays until it is released.
pub async fn restore_dump(target: &Target, file: &Path, lock_table: &str) -> DriverResult<()> {
    let tool = restore_tool(target.driver)
        .map_err(|e| DriverError::new(ErrorKind::Io, e))?
        .ok_or_else(|| DriverError::new(ErrorKind::Io, "no client for this driver"))?;
    match target.driver {
        Dialect::Postgres => restore_postgres(&tool, target, file).await,
        Dialect::Mysql => restore_mysql(&tool, target, file, lock_table).await,
        Dialect::Sqlite => Err(DriverError::new(
            ErrorKind::Io,
            "a SQLite database is restored by its file",
        )),
    }
}

/// What the dump of an entry with `schema:` holds (`pg_dump --schema`): that schema,
/// `CREATE SCHEMA` included. Without one, the whole database: every schema but `public`
/// is created by the dump, `public` is assumed to be there.
fn postgres_preamble(schema: Option<&str>) -> String {
    let which = match schema {
        Some(schema) => format!("n.nspname = '{}'", schema.replace('\'', "''")),
        None => "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'".to_owned(),
    };
    let recreate_public = if schema.is_none() {
        "FOR s IN SELECT owner FROM pg_temp.dbfleet_public LOOP \
           EXECUTE format('CREATE SCHEMA public AUTHORIZATION %I', s.owner); \
         END LOOP;"
    } else {
        ""
    };
    format!(
        "CREATE TEMP TABLE dbfleet_public ON COMMIT DROP AS \
           SELECT pg_get_userbyid(nspowner) AS owner, nspowner, nspacl AS acl, \
                  obj_description(oid, 'pg_namespace') AS note \
           FROM pg_namespace WHERE nspname = 'public';\n\
         DO $dbfleet$ DECLARE s record; BEGIN \
           FOR s IN SELECT n.nspname FROM pg_namespace n WHERE {which} AND NOT EXISTS ( \
               SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass \
               AND d.objid = n.oid AND d.deptype = 'e') LOOP \
             EXECUTE format('DROP SCHEMA %I CASCADE', s.nspname); \
           END LOOP; \
           {recreate_public} \
         END $dbfleet$;"
    )
}

/// `public`'s privileges and comment as they were, where the dump does not carry them
/// (`pg_dump` leaves out what it takes for `public`'s defaults).
const POSTGRES_POSTAMBLE: &str = "DO $dbfleet$ DECLARE g record; BEGIN \
   IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'public') THEN \
     FOR g IN SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' \
                     ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS who, \
                     a.privilege_type AS what \
              FROM pg_temp.dbfleet_public p, aclexplode(p.acl) a \
              WHERE a.grantee <> p.nspowner LOOP \
       EXECUTE format('GRANT %s ON SCHEMA public TO %s', g.what, g.who); \
     END LOOP; \
     FOR g IN SELECT note FROM pg_temp.dbfleet_public WHERE note IS NOT NULL LOOP \
       IF obj_description('public'::regnamespace, 'pg_namespace') IS NULL THEN \
         EXECUTE format('COMMENT ON SCHEMA public IS %L', g.note); \
       END IF; \
     END LOOP; \
   END IF; \
 END $dbfleet$;";

async fn restore_postgres(tool: &Path, target: &Target, file: &Path) -> DriverResult<()> {
    let mut command = client_command(tool, target);
    command
        .stdout(Stdio::null())
        .args(["--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1"])
        .arg("--single-transaction")
        .arg("--command")
        .arg(postgres_preamble(target.schema.as_deref()))
        .arg("--file")
        .arg(file)
        .arg("--command")
        .arg(POSTGRES_POSTAMBLE)
        .arg("--dbname")
        .arg(&target.database);
    finish(tool, target, command.output().await).map(drop)
}

/// Drop statements for the database's tables, views, sequences and routines, the lock
/// table left out (the dump leaves it out too). Events stay: the dump does not hold them.
fn mysql_objects_query(lock_table: &str) -> String {
    let lock = lock_table.replace('\\', "\\\\").replace('\'', "''");
    format!(
        "SELECT CONCAT('DROP ', CASE table_type WHEN 'VIEW' THEN 'VIEW' WHEN 'SEQUENCE' THEN 'SEQUENCE' ELSE 'TABLE' END, \
           ' IF EXISTS `', REPLACE(table_name, '`', '``'), '`;') \
         FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> '{lock}' \
         UNION ALL SELECT CONCAT('DROP ', routine_type, ' IF EXISTS `', REPLACE(routine_name, '`', '``'), '`;') \
         FROM information_schema.routines WHERE routine_schema = DATABASE()"
    )
}

async fn restore_mysql(
    tool: &Path,
    target: &Target,
    file: &Path,
    lock_table: &str,
) -> DriverResult<()> {
    let mut list = client_command(tool, target);
    list.stdout(Stdio::piped())
        .args(["--batch", "--skip-column-names", "--raw", "--execute"])
        .arg(mysql_objects_query(lock_table))
        .arg(&target.database);
    let drops = finish(tool, target, list.output().await)?;
    let mut script = b"SET FOREIGN_KEY_CHECKS = 0;\n".to_vec();
    script.extend_from_slice(&drops);
    script.push(b'\n');
    let dump = std::fs::read(file).map_err(|e| io(file, e))?;

    let mut load = client_command(tool, target);
    load.stdin(Stdio::piped())
        .stdout(Stdio::null())
        .arg("--binary-mode")
        .arg(&target.database);
    let mut child = load.spawn().map_err(|e| {
        DriverError::new(ErrorKind::Io, format!("cannot run {}: {e}", tool.display()))
    })?;
    let stdin = child.stdin.take();
    let feed = async move {
        if let Some(mut stdin) = stdin {
            stdin.write_all(&script).await?;
            stdin.write_all(&dump).await?;
            stdin.shutdown().await?;
        }
        Ok::<(), std::io::Error>(())
    };
    let (fed, output) = tokio::join!(feed, child.wait_with_output());
    finish(tool, target, output)?;
    // The client stopped reading because it failed: its own error says more, above.
    fed.map_err(|e| DriverError::new(ErrorKind::Io, format!("{}: {e}", tool.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_a_sqlite_database_is_not_a_sqlite_backup() {
        let dir = tempfile::tempdir().expect("temp dir");
        let dump = dir.path().join("a.sql");
        std::fs::write(&dump, "CREATE TABLE t (x);\n").expect("write");
        assert!(check_backup_file(&dump, Dialect::Sqlite).is_err());
        assert!(check_backup_file(&dump, Dialect::Postgres).is_ok());
        let empty = dir.path().join("b.sql");
        std::fs::write(&empty, "").expect("write");
        assert!(check_backup_file(&empty, Dialect::Mysql).is_err());
    }

    #[test]
    fn quotes_in_names_stay_inside_their_literals() {
        assert!(postgres_preamble(Some("o'neil")).contains("n.nspname = 'o''neil'"));
        assert!(mysql_objects_query("lo'ck").contains("table_name <> 'lo''ck'"));
    }
}
