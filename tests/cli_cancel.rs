//! Ctrl-C during a run: the current statement finishes, nothing after it starts, the lock
//! is released, and the report says what ran.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn write(path: &std::path::Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn ctrl_c_stops_after_the_current_statement_and_releases_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("config.yaml"),
        "databases:\n  slow_db:\n    driver: sqlite\n    database: data/slow.db\nmigrator:\n  auto_backup: false\n",
    );
    let set = root.join("migrations/slow_db");
    write(
        &set.join("001_first.up.sql"),
        "CREATE TABLE first (id INTEGER);",
    );
    // Slow enough to be interrupted in the middle: SQLite has no sleep(), so count a long
    // recursive sequence, twice, as two statements.
    let slow = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT count(*) FROM c";
    write(
        &set.join("002_slow.up.sql"),
        &format!(
            "CREATE TABLE second (id INTEGER);\n{slow};\n{slow};\nCREATE TABLE second_done (id INTEGER);\n"
        ),
    );
    write(
        &set.join("003_third.up.sql"),
        "CREATE TABLE third (id INTEGER);",
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_dbfleet"))
        .args(["up", "-d", "slow_db", "--verbose"])
        .current_dir(root)
        .env_remove("DBFLEET_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_mins(1);
    // Interrupt once the first slow statement has started.
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push(line.clone());
        if line.contains("002_slow statement 2/4") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the slow statement never started: {seen:?}"
        );
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    for line in lines {
        seen.push(line.unwrap());
    }
    let exit = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    let output = seen.join("\n");
    assert_eq!(exit.code(), Some(130), "{output}");
    // One Ctrl-C cancels, and says what a second one does.
    assert!(
        stderr.contains("interrupt: cancelling after the running statement")
            && stderr.contains("press Ctrl-C again to abort the running statement"),
        "{stderr}"
    );
    assert!(!output.contains("aborted"), "{output}");
    assert!(output.contains("cancelled after 1 step(s)"), "{output}");
    assert!(
        !output.contains("003_third"),
        "the third step must not start: {output}"
    );

    // Step 2 ran in a transaction: rolled back as a whole. Step 1 stays. No lock is left.
    let db = root.join("data/slow.db");
    let query = |sql: &str| -> String {
        let out = Command::new("sqlite3").arg(&db).arg(sql).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    assert_eq!(
        query("SELECT group_concat(version) FROM schema_migrations"),
        "1"
    );
    assert_eq!(
        query("SELECT count(*) FROM sqlite_master WHERE name LIKE 'second%'"),
        "0"
    );
    assert_eq!(query("SELECT count(*) FROM schema_migrations_lock"), "0");
}

/// A process killed mid-write (here the sqlite3 shell, `kill -9` inside a transaction
/// whose pages spilled to disk) leaves a hot journal. `status` reads read-only, so it
/// cannot roll it back: it must say what happened, and the next `up` recovers.
#[test]
fn a_hot_journal_is_named_by_status_and_rolled_back_by_up() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("config.yaml"),
        "databases:\n  app:\n    driver: sqlite\n    database: data/app.db\nmigrator:\n  auto_backup: false\n",
    );
    write(
        &root.join("migrations/app/001_first.up.sql"),
        "CREATE TABLE first (id INTEGER);",
    );
    let dbfleet = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_dbfleet"))
            .args(args)
            .current_dir(root)
            .output()
            .unwrap()
    };
    assert!(dbfleet(&["up", "-d", "app"]).status.success());

    let db = root.join("data/app.db");
    let mut writer = Command::new("sqlite3")
        .arg(&db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the sqlite3 shell");
    {
        use std::io::Write;
        let stdin = writer.stdin.as_mut().unwrap();
        stdin
            .write_all(
                b"PRAGMA cache_size=2;\nBEGIN;\nCREATE TABLE big(a);\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<20000) INSERT INTO big SELECT randomblob(500) FROM c;\nSELECT 'filled';\n",
            )
            .unwrap();
        stdin.flush().unwrap();
    }
    let mut line = String::new();
    BufReader::new(writer.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "filled");
    writer.kill().unwrap();
    writer.wait().unwrap();
    assert!(root.join("data/app.db-journal").exists(), "a hot journal");

    let status = dbfleet(&["status", "-d", "app"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains("app.db-journal holds a write that was interrupted"),
        "{text}"
    );
    assert!(dbfleet(&["up", "-d", "app"]).status.success());
    let status = dbfleet(&["status", "-s", "-d", "app"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("up to date"), "{text}");
}
