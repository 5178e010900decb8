//! A known password through every command, right and wrong, on each engine: it must never
//! show in any output (with trace logging on too), the journal, the console's log, a
//! backup's name or content, or any other file the runs leave. On the servers the fleet connects as a
//! user made for the test with that password (MariaDB checks it; this machine's
//! PostgreSQL trusts local connections, so there the password travels to `pg_dump`
//! without being asked for); on SQLite it sits in the `database:` defaults and an entry,
//! where a SQLite connection never uses it.

use std::path::{Path, PathBuf};

use crate::common::{Fleet, Output};
use crate::rig::Kind;
use crate::servers::{self, Databases, Engine};

/// `#`, `@` and `%` so a URL built from it would percent-encode them: the marker below
/// is in every spelling.
const SECRET: &str = "Rel1ab#S3cret@pw%41";
const MARKER: &str = "S3cret";
const WRONG: &str = "Wr0ng#K3yword@pw";
const WRONG_MARKER: &str = "K3yword";
const VAR: &str = "RELIAB_SECRET";
const TRACE: &[(&str, &str)] = &[("DBFLEET_LOG", "trace")];

/// The user made for the test, dropped with its databases.
struct Account {
    dbs: Option<Databases>,
    user: String,
}

impl Drop for Account {
    fn drop(&mut self) {
        let Some(dbs) = self.dbs.take() else { return };
        let server = dbs.server.clone();
        drop(dbs);
        let drop_user = match server.engine {
            Engine::Postgres => format!("DROP ROLE IF EXISTS {}", self.user),
            Engine::Mysql => format!("DROP USER IF EXISTS '{}'@'%'", self.user),
        };
        let _ = std::panic::catch_unwind(|| server.admin(&[drop_user]));
    }
}

fn setup(kind: Kind) -> Option<(Fleet, Account)> {
    let fleet = Fleet::new();
    std::fs::remove_dir_all(fleet.file("migrations")).unwrap();
    for db in ["s1", "s2"] {
        fleet.write(
            &format!("migrations/{db}/001_a.up.sql"),
            "CREATE TABLE a (id INTEGER);\nINSERT INTO a (id) VALUES (1);\n",
        );
        fleet.write(
            &format!("migrations/{db}/001_a.down.sql"),
            "DROP TABLE a;\n",
        );
        fleet.write(
            &format!("migrations/{db}/002_b.up.sql"),
            "CREATE TABLE b (id INTEGER);\n",
        );
        fleet.write(
            &format!("migrations/{db}/002_b.down.sql"),
            "DROP TABLE b;\n",
        );
    }
    let migrator = "migrator:\n  auto_backup: true\n  backup_dir: backups\n  journal: journal.jsonl\n  default_database: s1\n";
    let (config, account) = match kind {
        Kind::Sqlite => (
            format!(
                "database:\n  driver: sqlite\n  username: app\n  password: ${{{VAR}}}\ndatabases:\n  s1:\n    database: data/s1.db\n  s2:\n    database: data/s2.db\n    password_env: {VAR}\n{migrator}"
            ),
            Account {
                dbs: None,
                user: String::new(),
            },
        ),
        Kind::Server(engine) => {
            let server = servers::server(engine)?;
            let dbs = Databases::create(&server, &["s1", "s2"]);
            let user = format!("relpw{}x{}", std::process::id(), dbs.real("s1").len());
            let mut statements = Vec::new();
            match engine {
                Engine::Postgres => {
                    statements.push(format!("DROP ROLE IF EXISTS {user}"));
                    statements.push(format!("CREATE ROLE {user} LOGIN PASSWORD '{SECRET}'"));
                    for (_, real) in &dbs.names {
                        statements.push(format!("ALTER DATABASE {real} OWNER TO {user}"));
                    }
                }
                Engine::Mysql => {
                    statements.push(format!("DROP USER IF EXISTS '{user}'@'%'"));
                    statements.push(format!("CREATE USER '{user}'@'%' IDENTIFIED BY '{SECRET}'"));
                    for (_, real) in &dbs.names {
                        statements.push(format!(
                            "GRANT ALL PRIVILEGES ON `{real}`.* TO '{user}'@'%'"
                        ));
                    }
                }
            }
            server.admin(&statements);
            let config = format!(
                "database:\n  driver: {}\n  host: {}\n  port: {}\n  username: {user}\n  password: ${{{VAR}}}\ndatabases:\n  s1:\n    database: {}\n  s2:\n    database: {}\n{migrator}",
                engine.driver(),
                server.host,
                server.port,
                dbs.real("s1"),
                dbs.real("s2")
            );
            (
                config,
                Account {
                    dbs: Some(dbs),
                    user,
                },
            )
        }
    };
    fleet.write("config.yaml", &config);
    Some((fleet, account))
}

fn run(fleet: &Fleet, line: &str, password: &str, extra_env: &[(&str, &str)]) -> Output {
    let args: Vec<&str> = line.split_whitespace().collect();
    let mut env = vec![(VAR, password)];
    env.extend_from_slice(extra_env);
    fleet.run_with_env(&args, &env)
}

/// The console on a pseudo-terminal (util-linux `script`) for a few seconds, reading the
/// fleet with trace logging into its `console.log`, then `q`.
fn console_briefly(fleet: &Fleet, kind: Kind) -> Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let binary = env!("CARGO_BIN_EXE_dbfleet");
    let mut child = Command::new("script")
        .args([
            "-qec",
            &format!("stty cols 120 rows 40; {binary}"),
            "/dev/null",
        ])
        .current_dir(fleet.path())
        .env(VAR, SECRET)
        .env("DBFLEET_LOG", "trace")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs the console on a pseudo-terminal");
    std::thread::sleep(Duration::from_secs(3));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"q").unwrap();
    drop(stdin);
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("{}: the console did not quit on q", kind.label());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    crate::common::to_output(&["console"], child.wait_with_output().unwrap())
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        out.push(path.clone());
        if path.is_dir() {
            files_under(&path, out);
        }
    }
}

/// A command line, the exit codes it may end with, extra environment.
type Command = (
    &'static str,
    &'static [i32],
    &'static [(&'static str, &'static str)],
);

fn secrets_never_show(kind: Kind) {
    let Some((fleet, _account)) = setup(kind) else {
        return;
    };

    // (command, exit codes it may end with) in an order that gives each one something to
    // show: pending work, then applied steps, backups, a journal.
    let right: &[Command] = &[
        ("validate", &[0], &[]),
        ("lint", &[0], &[]),
        ("status", &[0], &[]),
        ("status --format json", &[0], &[]),
        ("status --check", &[3], &[]),
        ("plan --all", &[0], &[]),
        ("plan --all --format json", &[0], &[]),
        ("up --all --dry-run", &[0], &[]),
        // A SQLite file that does not exist yet has nothing to back up: one step first.
        ("up --all --to 1", &[0], &[]),
        ("up --all -v", &[0], TRACE),
        ("status --all", &[0], TRACE),
        ("history", &[0], &[]),
        ("history --format json", &[0], &[]),
        ("backups", &[0], &[]),
        ("backups --format json", &[0], &[]),
        ("restore -d s1", &[0], &[]),
        ("restore -d s1 --format json", &[0], &[]),
        ("down -d s1 --dry-run", &[0], &[]),
        ("down -d s1", &[0], TRACE),
        ("plan -d s1 --down", &[0], &[]),
        ("up -d s1 --format json", &[0], &[]),
        ("unlock -d s1", &[0], &[]),
        ("unlock -d s1 --force --format json", &[0], &[]),
        ("resolve -d s1 --show", &[0], &[]),
        ("adopt -d s1", &[0, 1], &[]),
        ("baseline -d s2 --to 1", &[0, 1], &[]),
        ("restore -d s2 --apply --yes", &[0], TRACE),
        ("status --format json", &[0], &[]),
    ];
    let mut outputs = Vec::new();
    for (line, codes, env) in right {
        let out = run(&fleet, line, SECRET, env);
        assert!(
            codes.contains(&out.code),
            "{}: {line}: exit {} not in {codes:?}\n{}",
            kind.label(),
            out.code,
            out.describe()
        );
        outputs.push(out);
    }
    // The wrong password: MariaDB refuses it (in its words, without the password); on
    // this machine's trusting PostgreSQL and on SQLite the commands run as before.
    for line in [
        "status",
        "status --format json",
        "up --all",
        "plan -d s1",
        "restore -d s1",
    ] {
        let out = run(&fleet, line, WRONG, TRACE);
        if kind == Kind::Server(Engine::Mysql) && line.starts_with("up") {
            out.expect_code(1).expect_contains("Access denied");
        }
        outputs.push(out);
    }
    outputs.push(console_briefly(&fleet, kind));
    assert!(
        fleet.file("console.log").is_file(),
        "{}: the console ran and logged",
        kind.label()
    );
    for out in &outputs {
        for marker in [MARKER, WRONG_MARKER] {
            assert!(
                !out.all().contains(marker),
                "{}: the password leaked\n{}",
                kind.label(),
                out.describe()
            );
        }
    }
    let backups = fleet.file("backups");
    assert!(
        std::fs::read_dir(&backups).is_ok_and(|mut d| d.next().is_some()),
        "{}: the runs took backups",
        kind.label()
    );
    let mut files = Vec::new();
    files_under(fleet.path(), &mut files);
    for path in files {
        let shown = path.display().to_string();
        assert!(
            !shown.contains(MARKER),
            "a file name holds the password: {shown}"
        );
        if path.is_file() && path != fleet.file("config.yaml") {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            for marker in [MARKER, WRONG_MARKER] {
                assert!(
                    !text.contains(marker),
                    "{}: {shown} holds the password",
                    kind.label()
                );
            }
        }
        if path.starts_with(&backups) && path.is_file() {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{shown}: a backup is the owner's only");
        }
    }
}

#[test]
fn a_known_password_never_shows_on_sqlite() {
    secrets_never_show(Kind::Sqlite);
}

#[test]
fn a_known_password_never_shows_on_postgres() {
    secrets_never_show(Kind::Server(Engine::Postgres));
}

#[test]
fn a_known_password_never_shows_on_mariadb() {
    secrets_never_show(Kind::Server(Engine::Mysql));
}
