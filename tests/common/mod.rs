//! Test harness for the CLI integration tests: a temporary copy of the demo fleet
//! (`config.yaml` and `migrations/`), the real `dbfleet` binary run inside it, and
//! read helpers for the SQLite files it produces.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Row};
use tempfile::TempDir;

/// The six databases of the demo fleet, in config order.
pub const SERVICES: [&str; 6] = [
    "shared_service",
    "user_service",
    "product_service",
    "order_service",
    "message_service",
    "analytics_service",
];

/// What one run of the binary left behind.
#[derive(Debug, Clone)]
pub struct Output {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// stdout and stderr together, for "the message mentions X" checks.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    pub fn describe(&self) -> String {
        format!(
            "`dbfleet {}` exited {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }

    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            code,
            "expected exit code {code}\n{}",
            self.describe()
        );
        self
    }

    #[track_caller]
    pub fn expect_ok(&self) -> &Self {
        self.expect_code(0)
    }

    #[track_caller]
    pub fn expect_contains(&self, needle: &str) -> &Self {
        assert!(
            self.all().contains(needle),
            "expected the output to contain {needle:?}\n{}",
            self.describe()
        );
        self
    }

    /// The JSON document on stdout.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{}", self.describe()))
    }
}

/// A temporary copy of the demo fleet.
pub struct Fleet {
    pub dir: TempDir,
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

impl Fleet {
    /// The demo fleet: the repository's `config.yaml` and `migrations/`, no `data/`.
    pub fn new() -> Fleet {
        let dir = tempfile::Builder::new()
            .prefix("dbfleet-it-")
            .tempdir()
            .unwrap();
        let root = repo_root();
        std::fs::copy(root.join("config.yaml"), dir.path().join("config.yaml")).unwrap();
        copy_dir(&root.join("migrations"), &dir.path().join("migrations"));
        Fleet { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, relative: &str) -> PathBuf {
        self.path().join(relative)
    }

    /// `data/<name>.db`, where the demo config keeps each database.
    pub fn db(&self, name: &str) -> PathBuf {
        self.file(&format!("data/{name}.db"))
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.file(relative))
            .unwrap_or_else(|e| panic!("reading {relative}: {e}"))
    }

    pub fn write(&self, relative: &str, text: &str) {
        let path = self.file(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }

    pub fn append(&self, relative: &str, text: &str) {
        let mut current = self.read(relative);
        current.push_str(text);
        self.write(relative, &current);
    }

    /// The binary, ready to run in the fleet's folder, with a clean environment for it.
    pub fn command<S: AsRef<str>>(&self, args: &[S]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dbfleet"));
        cmd.args(args.iter().map(std::convert::AsRef::as_ref))
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .env_remove("DBFLEET_CONFIG")
            .env_remove("DBFLEET_LOG")
            .env_remove("DBFLEET_TEST_UNSET_VAR")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    pub fn run_with_env<S: AsRef<str>>(&self, args: &[S], env: &[(&str, &str)]) -> Output {
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("running dbfleet");
        to_output(args, out)
    }

    pub fn run<S: AsRef<str>>(&self, args: &[S]) -> Output {
        self.run_with_env(args, &[])
    }

    /// A command line as a runbook writes it, split on whitespace (no shell: a glob such
    /// as `*_service` reaches the binary as written, as it does in a shell when no file
    /// matches it).
    pub fn line(&self, line: &str) -> Output {
        let args: Vec<&str> = line.split_whitespace().collect();
        self.run(&args)
    }

    /// Runs `line` and insists on exit code 0.
    #[track_caller]
    pub fn ok(&self, line: &str) -> Output {
        let out = self.line(line);
        out.expect_ok();
        out
    }

    /// `status --format json` with extra arguments; the list of database objects.
    #[track_caller]
    pub fn status_json(&self, extra: &str) -> Vec<Value> {
        let out = self.line(&format!("status --format json {extra}"));
        out.expect_ok();
        let doc = out.json();
        doc["databases"]
            .as_array()
            .unwrap_or_else(|| panic!("no `databases` array\n{}", out.describe()))
            .clone()
    }

    /// One database's object from `status --format json`.
    #[track_caller]
    pub fn status_of(&self, name: &str) -> Value {
        self.status_json(&format!("-d {name}"))
            .into_iter()
            .find(|d| d["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing from status"))
    }

    /// Every file under `data/` (recursively) with its bytes.
    pub fn data_snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        let root = self.file("data");
        fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries {
                let entry = entry.unwrap();
                let path = entry.path();
                if entry.file_type().unwrap().is_dir() {
                    out.insert(path.strip_prefix(root).unwrap().to_owned(), Vec::new());
                    walk(&path, root, out);
                } else {
                    out.insert(
                        path.strip_prefix(root).unwrap().to_owned(),
                        std::fs::read(&path).unwrap(),
                    );
                }
            }
        }
        walk(&root, &root, &mut out);
        out
    }

    /// SQLite files (`*.db`, `*.db-wal`, `*.db-journal` ...) directly under `data/`.
    pub fn database_files(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.file("data")) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(std::result::Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".db") || n.ends_with(".sqlite3") || n.ends_with(".sqlite"))
            .collect();
        names.sort();
        names
    }

    /// How many migrations (distinct versions) the set's folder holds.
    pub fn migration_count(&self, set: &str) -> usize {
        count_migrations(&self.file(&format!("migrations/{set}")))
    }
}

pub fn count_migrations(dir: &Path) -> usize {
    let mut versions = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !name.ends_with(".up.sql") {
            continue;
        }
        let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(v) = digits.parse::<u64>() {
            versions.insert(v);
        }
    }
    versions.len()
}

pub fn to_output<S: AsRef<str>>(args: &[S], out: std::process::Output) -> Output {
    Output {
        args: args.iter().map(|a| a.as_ref().to_owned()).collect(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

// ---------------------------------------------------------------------------------------
// Reading (and, for lock tests, writing) SQLite files with sqlx, from plain #[test]s.

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

async fn open(path: &Path, read_only: bool) -> SqliteConnection {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .read_only(read_only)
        .busy_timeout(std::time::Duration::from_secs(10))
        .connect()
        .await
        .unwrap_or_else(|e| panic!("opening {}: {e}", path.display()))
}

/// Rows of a query whose columns are all read as text (NULL as `None`).
pub fn query_text(path: &Path, sql: &str) -> Vec<Vec<Option<String>>> {
    let sql = sql.to_owned();
    block_on(async {
        let mut conn = open(path, true).await;
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_all(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql} on {}: {e}", path.display()));
        let out = rows
            .iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| {
                        row.try_get::<Option<String>, _>(i)
                            .or_else(|_| {
                                row.try_get::<Option<i64>, _>(i)
                                    .map(|v| v.map(|v| v.to_string()))
                            })
                            .unwrap_or_else(|e| panic!("column {i} of {sql}: {e}"))
                    })
                    .collect()
            })
            .collect();
        conn.close().await.unwrap();
        out
    })
}

/// Runs statements on an existing database file (never creates one).
pub fn exec(path: &Path, sql: &str) {
    let sql = sql.to_owned();
    block_on(async {
        let mut conn = open(path, false).await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql} on {}: {e}", path.display()));
        conn.close().await.unwrap();
    });
}

pub const BOOKKEEPING: [&str; 2] = ["schema_migrations", "schema_migrations_lock"];

/// The application schema: `(type, name, tbl_name, sql)` of every object except SQLite's
/// internals and dbfleet's bookkeeping tables. Empty for a file that does not exist.
pub fn schema(path: &Path) -> Vec<(String, String, String, Option<String>)> {
    if !path.exists() {
        return Vec::new();
    }
    query_text(
        path,
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' \
         AND tbl_name NOT IN ('schema_migrations', 'schema_migrations_lock') ORDER BY type, name",
    )
    .into_iter()
    .map(|r| {
        (
            r[0].clone().unwrap_or_default(),
            r[1].clone().unwrap_or_default(),
            r[2].clone().unwrap_or_default(),
            r[3].clone(),
        )
    })
    .collect()
}

/// Application tables (no SQLite internals, no bookkeeping). Empty for a missing file.
pub fn app_tables(path: &Path) -> Vec<String> {
    schema(path)
        .into_iter()
        .filter(|(kind, ..)| kind == "table")
        .map(|(_, name, ..)| name)
        .collect()
}

/// Every table, bookkeeping included.
pub fn all_tables(path: &Path) -> Vec<String> {
    if !path.exists() {
        return Vec::new();
    }
    query_text(
        path,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .into_iter()
    .map(|r| r[0].clone().unwrap_or_default())
    .collect()
}

/// One row of `schema_migrations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationRow {
    pub set: String,
    pub version: u128,
    pub name: String,
    pub status: String,
}

/// `schema_migrations` rows ordered by set and version; empty when the file or the table
/// does not exist.
pub fn migration_rows(path: &Path) -> Vec<MigrationRow> {
    if !all_tables(path).iter().any(|t| t == "schema_migrations") {
        return Vec::new();
    }
    query_text(
        path,
        "SELECT migration_set, version, name, status FROM schema_migrations ORDER BY migration_set, length(version), version",
    )
    .into_iter()
    .map(|r| MigrationRow {
        set: r[0].clone().unwrap_or_default(),
        version: r[1].as_deref().unwrap_or("0").parse().unwrap(),
        name: r[2].clone().unwrap_or_default(),
        status: r[3].clone().unwrap_or_default(),
    })
    .collect()
}

/// Rows of the lock table; empty when the file or table does not exist.
pub fn lock_rows(path: &Path) -> Vec<Vec<Option<String>>> {
    if !all_tables(path)
        .iter()
        .any(|t| t == "schema_migrations_lock")
    {
        return Vec::new();
    }
    query_text(
        path,
        "SELECT lock_id, holder, host, pid, run_id FROM schema_migrations_lock",
    )
}

/// Inserts a lock row by hand, as a run that died would leave it.
pub fn insert_lock(path: &Path, holder: &str, host: &str, pid: u32, run_id: &str) {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let q = |s: &str| format!("'{}'", s.replace('\'', "''"));
    exec(
        path,
        &format!(
            "INSERT INTO schema_migrations_lock (lock_id, holder, host, pid, run_id, acquired_at, heartbeat_at) \
             VALUES (1, {}, {}, {pid}, {}, {}, {})",
            q(holder),
            q(host),
            q(run_id),
            q(&now),
            q(&now)
        ),
    );
}

pub fn hostname() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

/// A pid no process has right now (Linux: no /proc entry).
pub fn dead_pid() -> u32 {
    (999_999u32..u32::MAX)
        .find(|pid| !Path::new(&format!("/proc/{pid}")).exists())
        .unwrap()
}

/// Checks that no JSON object in `text` has the same key twice (serde_json's `Value`
/// keeps the last one silently, so this walks the document itself).
pub fn duplicate_keys(text: &str) -> Result<(), String> {
    use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    struct Check;
    impl<'de> DeserializeSeed<'de> for Check {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(CheckVisitor)
        }
    }
    struct CheckVisitor;
    impl<'de> Visitor<'de> for CheckVisitor {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_none<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(CheckVisitor)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Check)?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key.clone()) {
                    return Err(de::Error::custom(format!("key `{key}` appears twice")));
                }
                map.next_value_seed(Check)?;
            }
            Ok(())
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    Check.deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())
}

/// Runs `args` on a pseudo-terminal (util-linux `script`), typing `answer`; the output.
pub fn on_a_terminal(fleet: &Fleet, args: &str, answer: &str) -> String {
    let binary = env!("CARGO_BIN_EXE_dbfleet");
    let mut child = std::process::Command::new("script")
        .args(["-qec", &format!("{binary} {args}"), "/dev/null"])
        .current_dir(fleet.path())
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs the command on a pseudo-terminal");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(answer.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}
