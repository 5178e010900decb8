//! End-to-end tests of the console: the real binary in a real terminal (tmux), driven by
//! keystrokes and read back from the screen. Each test has its own tmux server (`-L`), so
//! they run in parallel and never touch the user's sessions.
//!
//! tmux missing: the tests say they skipped, unless `DBFLEET_TEST_REQUIRE_TMUX` is set
//! (`.ci/run` sets it), in which case they fail.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Fleet, SERVICES};

const WAIT: Duration = Duration::from_secs(30);

fn tmux_available() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("DBFLEET_TEST_REQUIRE_TMUX").is_none(),
            "tmux is not installed and DBFLEET_TEST_REQUIRE_TMUX is set"
        );
        eprintln!("skipped: tmux is not installed");
    }
    found
}

/// A private tmux server with one window running `sh` in the fleet's folder.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str, dir: &Path, width: u16, height: u16) -> Tmux {
        let socket = format!("dbfleet-test-{name}-{}", std::process::id());
        let tmux = Tmux { socket };
        let status = tmux
            .command()
            .args(["-f", "/dev/null", "new-session", "-d", "-x"])
            .arg(width.to_string())
            .arg("-y")
            .arg(height.to_string())
            .arg("-c")
            .arg(dir)
            // A plain shell with a known prompt: what is on screen is ours alone.
            .args(["env", "PS1=$ ", "sh"])
            .status()
            .expect("tmux new-session");
        assert!(status.success(), "tmux new-session failed");
        tmux
    }

    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command.arg("-L").arg(&self.socket);
        command
    }

    /// Key names as tmux knows them: `Enter`, `Tab`, `Escape`, `q`, `+`.
    fn keys(&self, keys: &[&str]) {
        for key in keys {
            let status = self
                .command()
                .args(["send-keys", "-t", "0", key])
                .status()
                .expect("tmux send-keys");
            assert!(status.success(), "tmux send-keys {key}");
            // A lone Escape followed at once by a key reads as Alt+key.
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn type_text(&self, text: &str) {
        let status = self
            .command()
            .args(["send-keys", "-t", "0", "-l", text])
            .status()
            .expect("tmux send-keys -l");
        assert!(status.success(), "tmux send-keys -l {text}");
    }

    fn shell(&self, line: &str) {
        self.type_text(line);
        self.keys(&["Enter"]);
    }

    fn capture_with(&self, escapes: bool) -> String {
        let mut command = self.command();
        command.args(["capture-pane", "-p", "-t", "0"]);
        if escapes {
            command.arg("-e");
        }
        let out = command.output().expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.capture_with(false)
    }

    /// Polls the screen until `ready` holds; fails with the last screen otherwise.
    #[track_caller]
    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(
                started.elapsed() <= WAIT,
                "waited {WAIT:?} for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    #[track_caller]
    fn wait_for_text(&self, needle: &str) -> String {
        self.wait_for(&format!("{needle:?}"), |screen| screen.contains(needle))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self
            .command()
            .arg("kill-server")
            .stderr(Stdio::null())
            .status();
    }
}

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_dbfleet")
}

/// The parameters of every SGR sequence (`ESC [ ... m`) in `text`.
fn sgr_parameters(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("\x1b[") {
        let after = &rest[start + 2..];
        let Some(end) = after.find(|c: char| !(c.is_ascii_digit() || c == ';' || c == ':')) else {
            break;
        };
        if after[end..].starts_with('m') {
            found.push(after[..end].to_owned());
        }
        rest = &after[end..];
    }
    found
}

/// Whether any SGR sequence sets a foreground or background colour. Bold, dim and
/// reverse are not colours: NO_COLOR allows them.
fn sets_a_colour(text: &str) -> bool {
    sgr_parameters(text).iter().any(|params| {
        let codes = params.split([';', ':']);
        for code in codes {
            let Ok(code) = code.parse::<u16>() else {
                continue;
            };
            match code {
                30..=37 | 40..=47 | 90..=97 | 100..=107 => return true,
                38 | 48 => return true,
                _ => {}
            }
        }
        false
    })
}

#[test]
fn mark_by_glob_preview_and_run_up_from_the_console() {
    if !tmux_available() {
        return;
    }
    let fleet = Fleet::new();
    let tmux = Tmux::start("runbook", fleet.path(), 120, 40);
    tmux.shell(&format!(
        "env -u NO_COLOR {} ; echo dbfleet-exit=$?",
        binary()
    ));

    // Every panel has its status: user_service's six pending migrations are counted.
    tmux.wait_for("the fleet with every status read", |s| {
        s.contains("6 databases") && s.contains("pending 6") && !s.contains("reading")
    });
    assert!(
        sets_a_colour(&tmux.capture_with(true)),
        "without NO_COLOR the console should use colour (else the NO_COLOR test proves nothing)"
    );

    tmux.keys(&["+"]);
    tmux.wait_for_text("mark glob");
    tmux.type_text("*_service");
    tmux.wait_for_text("(6 matches)");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("marked 6");

    // The preview lists the marked databases in config order; user_service is second.
    tmux.keys(&["p"]);
    // The list moves once the plan is in.
    tmux.wait_for("the dry run planned", |s| {
        s.contains("dry run") && !s.contains("planning")
    });
    tmux.keys(&["j"]);
    tmux.wait_for_text("up user_service/001_create_users");
    // The bookkeeping tables come first; the migration's own SQL is a page further down.
    let mut preview = tmux.screen();
    for _ in 0..10 {
        if preview.contains("CREATE TABLE users") {
            break;
        }
        tmux.keys(&["C-d"]);
        std::thread::sleep(Duration::from_millis(150));
        preview = tmux.screen();
    }
    assert!(
        preview.contains("CREATE TABLE users"),
        "the preview shows the first migration's SQL:\n{preview}"
    );

    tmux.keys(&["Escape"]);
    tmux.wait_for("the fleet again", |s| !s.contains("dry run"));
    tmux.keys(&["U"]);
    let confirm = tmux.wait_for_text("[ Cancel ]");
    for db in SERVICES {
        assert!(
            confirm.contains(db),
            "the confirmation lists {db}:\n{confirm}"
        );
    }
    tmux.keys(&["Tab", "Enter"]);
    let finished = tmux.wait_for_text("run finished");
    assert!(
        finished.contains("6/6 database(s) ok"),
        "every database succeeded:\n{finished}"
    );

    // q goes back from the run to the fleet, and quits there.
    tmux.keys(&["q"]);
    tmux.wait_for_text("last run finished: 6/6 ok");

    // A migration written while the console is open shows after ctrl-r.
    fleet.write(
        "migrations/order_service/005_add_notes.up.sql",
        "ALTER TABLE orders ADD COLUMN notes TEXT;\n",
    );
    tmux.keys(&["C-r"]);
    tmux.wait_for_text("own ●4/5");
    std::fs::remove_file(fleet.file("migrations/order_service/005_add_notes.up.sql"))
        .expect("remove the extra migration");
    tmux.keys(&["q"]);
    // The run's summary stays in the shell, above the exit code.
    let shell = tmux.wait_for_text("dbfleet-exit=0");
    assert!(
        shell.contains("dbfleet console: up · everything pending · finished")
            && shell.contains("6/6 database(s) ok in"),
        "the run's summary is left in the shell:\n{shell}"
    );
    for db in SERVICES {
        assert!(
            shell.lines().any(|l| l.starts_with(&format!("✓ {db}"))),
            "{db}'s outcome in the summary:\n{shell}"
        );
    }

    // The terminal is usable again: the shell reads a line and the tty is cooked.
    tmux.shell("case \"$(stty -a)\" in *-icanon*|*-echo\\ *) echo tty-raw ;; *) echo tty-cooked-$((40+2)) ;; esac");
    tmux.wait_for_text("tty-cooked-42");

    for db in SERVICES {
        let status = fleet.status_of(db);
        let own = status["sets"]
            .as_array()
            .and_then(|sets| sets.iter().find(|s| s["set"] == db))
            .unwrap_or_else(|| panic!("{db} has its own set in status: {status}"));
        assert_eq!(own["pending"], 0, "{db}'s own set is fully applied: {own}");
        assert!(
            own["applied"].as_u64().unwrap_or(0) >= 3,
            "{db} applied its migrations: {own}"
        );
    }
}

#[test]
fn no_color_means_no_colour_codes_on_screen() {
    if !tmux_available() {
        return;
    }
    let fleet = Fleet::new();
    fleet.ok("up --patterns=*_service --steps 1");
    let tmux = Tmux::start("nocolor", fleet.path(), 100, 30);
    tmux.shell(&format!("NO_COLOR=1 {} ; echo dbfleet-exit=$?", binary()));
    tmux.wait_for("the fleet with every status read", |s| {
        s.contains("6 databases") && s.contains("applied 1") && !s.contains("reading")
    });
    let fleet_screen = tmux.capture_with(true);
    assert!(
        !sets_a_colour(&fleet_screen),
        "NO_COLOR=1 but the fleet view sets colours:\n{fleet_screen:?}"
    );
    tmux.keys(&["?"]);
    tmux.wait_for_text("esc closes");
    let help = tmux.capture_with(true);
    assert!(
        !sets_a_colour(&help),
        "NO_COLOR=1 but the help sets colours:\n{help:?}"
    );
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
    tmux.wait_for_text("dbfleet-exit=0");
}

/// Holds an exclusive lock on a SQLite file until dropped.
struct ExclusiveLock(Child);

impl ExclusiveLock {
    fn hold(db: &Path) -> ExclusiveLock {
        use std::io::Write;
        let mut child = Command::new("sqlite3")
            .arg(db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("sqlite3 (the CLI) is needed for this test");
        let stdin = child.stdin.as_mut().expect("sqlite3's stdin");
        stdin
            .write_all(b"BEGIN EXCLUSIVE;\nSELECT 'locked';\n")
            .expect("write to sqlite3");
        stdin.flush().expect("flush sqlite3's stdin");
        // The SELECT's answer says the lock is held.
        let stdout = child.stdout.as_mut().expect("sqlite3's stdout");
        let mut buf = [0u8; 6];
        std::io::Read::read_exact(stdout, &mut buf).expect("sqlite3 answered");
        assert_eq!(&buf, b"locked");
        ExclusiveLock(child)
    }
}

impl Drop for ExclusiveLock {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Marks order_service by glob and runs up on it from the console; its file is held by
/// an `ExclusiveLock`, so the run waits, and says so.
fn run_up_on_the_locked_order_service(tmux: &Tmux) {
    run_up_on_order_service(tmux, "order_service");
    tmux.wait_for_text("waiting for the lock held by another connection");
}

/// Marks order_service by glob, presses `U`, waits for a plan that shows `expected`, and
/// runs it.
fn run_up_on_order_service(tmux: &Tmux, expected: &str) {
    tmux.keys(&["+"]);
    tmux.wait_for_text("mark glob");
    tmux.type_text("order_*");
    tmux.wait_for_text("(1 match");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("marked 1");
    tmux.keys(&["U"]);
    tmux.wait_for("the plan", |s| {
        s.contains("[ Cancel ]") && s.contains(expected) && !s.contains("planning")
    });
    tmux.keys(&["Tab", "Enter"]);
}

fn reading_seconds(screen: &str) -> Option<u64> {
    // The header says "⟳ reading 1 (3s)" while a status read is outstanding.
    let after = screen.split("reading 1 (").nth(1)?;
    after.split('s').next()?.parse().ok()
}

#[test]
fn the_console_keeps_redrawing_while_a_database_is_blocked() {
    if !tmux_available() {
        return;
    }
    let fleet = Fleet::new();
    fleet.ok("up -d order_service --steps 1");
    let lock = ExclusiveLock::hold(&fleet.db("order_service"));

    let tmux = Tmux::start("blocked", fleet.path(), 120, 40);
    tmux.shell(&format!("{} ; echo dbfleet-exit=$?", binary()));
    let first = tmux.wait_for("the blocked read's counter", |s| {
        reading_seconds(s).is_some_and(|secs| secs >= 1)
    });
    let before = reading_seconds(&first).unwrap_or(0);
    let later = tmux.wait_for("the counter to move on", |s| {
        reading_seconds(s).is_some_and(|secs| secs >= before + 2)
    });
    // The other five were read meanwhile; the blocked one is still waiting.
    assert!(
        later.contains("pending 6"),
        "the other databases' status arrived while one was blocked:\n{later}"
    );

    // Keys still act while the read hangs.
    tmux.keys(&["?"]);
    tmux.wait_for_text("esc closes");
    tmux.keys(&["Escape"]);
    tmux.wait_for("help closed", |s| !s.contains("esc closes"));

    // A run on the blocked database waits for it, and says so, with a moving clock.
    run_up_on_the_locked_order_service(&tmux);

    // Released: the run goes through and the status shows what it applied.
    drop(lock);
    let finished = tmux.wait_for_text("run finished");
    assert!(
        finished.contains("1/1 database(s) ok"),
        "the run went through once the lock was released:\n{finished}"
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for("order_service's status", |s| {
        // Marked before the statuses were in: the set stayed the own sets.
        !s.contains("reading") && s.contains("applied 4 · pending 2")
    });
    tmux.keys(&["q"]);
    tmux.wait_for_text("dbfleet-exit=0");
}

#[test]
fn everything_pending_on_the_demo_teaching_state_brings_the_pending_databases_up_to_date() {
    if !tmux_available() {
        return;
    }
    let fleet = Fleet::new();
    fleet.ok("demo reset");
    let tmux = Tmux::start("everything", fleet.path(), 120, 40);
    tmux.shell(&format!("{} ; echo dbfleet-exit=$?", binary()));
    // user_service lacks cross_service/002, order_service two of its own: both sets.
    tmux.wait_for_text("set: everything pending");
    tmux.keys(&["+"]);
    tmux.wait_for_text("mark glob");
    tmux.type_text("pending");
    tmux.wait_for_text("(2 matches)");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("marked 2");
    tmux.keys(&["U"]);
    let confirm = tmux.wait_for("the plan of both sets", |s| {
        s.contains("[ Cancel ]") && s.contains("2 of 2 will change (3 step(s))")
    });
    assert!(
        confirm.contains("everything pending (own set first"),
        "the confirmation says the order:\n{confirm}"
    );
    tmux.keys(&["Tab", "Enter"]);
    // The run's last event and the status line that follows its end may land in
    // different frames: wait for both.
    let finished = tmux.wait_for("the run's end and its marks cleared", |s| {
        s.contains("run finished") && s.contains("mark(s) cleared")
    });
    assert!(
        finished.contains("2/2 database(s) ok") && finished.contains("2 mark(s) cleared"),
        "{finished}"
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for("the fleet re-read", |s| {
        !s.contains("reading") && !s.contains("● 2 pending") && !s.contains("● 1 pending")
    });
    tmux.keys(&["q"]);
    tmux.wait_for_text("dbfleet-exit=0");
    for db in ["user_service", "order_service"] {
        let status = fleet.status_of(db);
        assert_eq!(status["pending"], 0, "{db} is up to date: {status}");
    }
    // The journal has one run per set, own first.
    let journal = fleet.read("data/journal.jsonl");
    let own = journal.find("(set own sets)").expect("the own-set run");
    let shared = journal
        .find("(set cross_service)")
        .expect("the shared-set run");
    assert!(own < shared, "own set first");
}

#[test]
fn u_in_the_matrix_applies_the_missing_shared_migration_where_it_lacks() {
    if !tmux_available() {
        return;
    }
    let fleet = Fleet::new();
    fleet.ok("demo reset");
    let tmux = Tmux::start("matrixfix", fleet.path(), 120, 40);
    tmux.shell(&format!("{} ; echo dbfleet-exit=$?", binary()));
    tmux.wait_for("every status", |s| {
        s.contains("6 databases") && !s.contains("reading")
    });
    tmux.keys(&["m"]);
    tmux.wait_for_text("cross_service across 6 database(s)");
    // The second row: cross_service/002, which user_service lacks.
    tmux.keys(&["j", "U"]);
    let confirm = tmux.wait_for("the plan of the row", |s| {
        s.contains("[ Cancel ]") && s.contains("1 of 1 will change")
    });
    assert!(
        confirm.contains("user_service") && confirm.contains("002_add_event_sourcing"),
        "{confirm}"
    );
    tmux.keys(&["Tab", "Enter"]);
    tmux.wait_for_text("run finished: 1/1 database(s) ok");
    tmux.keys(&["q"]);
    tmux.keys(&["q"]);
    tmux.wait_for_text("dbfleet-exit=0");
    let status = fleet.status_of("user_service");
    let shared = status["sets"]
        .as_array()
        .and_then(|sets| sets.iter().find(|s| s["set"] == "cross_service"))
        .unwrap_or_else(|| panic!("cross_service in {status}"));
    assert_eq!(shared["pending"], 0, "{shared}");
}

#[test]
fn ctrl_c_during_a_run_cancels_it_and_exits_130_with_the_summary() {
    if !tmux_available() {
        return;
    }
    let fleet = Fleet::new();
    fleet.ok("up -d order_service --steps 1");
    let lock = ExclusiveLock::hold(&fleet.db("order_service"));
    let tmux = Tmux::start("interrupt", fleet.path(), 120, 40);
    tmux.shell(&format!("{} ; echo dbfleet-exit=$?", binary()));
    tmux.wait_for_text("6 databases");
    run_up_on_the_locked_order_service(&tmux);
    tmux.keys(&["C-c"]);
    let shell = tmux.wait_for_text("dbfleet-exit=130");
    assert!(
        shell.contains("dbfleet console: up · own sets · cancelled")
            && shell.contains("0/1 database(s) ok in"),
        "the cancelled run's summary is left in the shell:\n{shell}"
    );
    drop(lock);
}

#[test]
fn closing_the_terminal_mid_run_cancels_the_run_and_releases_its_lock() {
    if !tmux_available() {
        return;
    }
    let fleet = Fleet::new();
    fleet.ok("up -d order_service --steps 1");
    let lock = ExclusiveLock::hold(&fleet.db("order_service"));

    let tmux = Tmux::start("hangup", fleet.path(), 120, 40);
    // exec: the console is the pane's process, so killing the server hangs up on it.
    tmux.shell(&format!("exec {}", binary()));
    tmux.wait_for_text("6 databases");
    run_up_on_the_locked_order_service(&tmux);
    drop(tmux);

    // The run is wound down, not cut: it finishes as cancelled and says so in the journal.
    let started = Instant::now();
    let journal = loop {
        let journal = std::fs::read_to_string(fleet.file("data/journal.jsonl")).unwrap_or_default();
        let console_run_over = journal
            .lines()
            .filter(|l| l.contains("\"run_finished\""))
            .count()
            >= 2;
        if console_run_over {
            break journal;
        }
        assert!(
            started.elapsed() < WAIT,
            "no run_finished after the hangup:\n{journal}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let last_outcome = journal
        .lines()
        .rev()
        .find(|l| l.contains("\"event\":\"finished\"") && l.contains("order_service"))
        .unwrap_or_default();
    assert!(
        last_outcome.contains("\"cancelled\""),
        "order_service's run was cancelled: {last_outcome}"
    );
    drop(lock);
    let status = fleet.status_of("order_service");
    assert!(status["lock"].is_null(), "no lock left behind: {status}");
    assert_eq!(status["error"], serde_json::Value::Null, "{status}");
    assert_eq!(status["applied"], 1, "{status}");
}

#[test]
fn shift_x_twice_aborts_a_long_statement_and_rolls_its_step_back() {
    if !tmux_available() {
        return;
    }
    let fleet = Fleet::new();
    fleet.ok("up -d order_service");
    // Minutes of work in one statement: only an abort ends it soon.
    fleet.write(
        "migrations/order_service/099_slow_report.up.sql",
        "CREATE TABLE slow_report (n INTEGER);\nINSERT INTO slow_report WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000000000) SELECT count(*) FROM c;\n",
    );
    fleet.write(
        "migrations/order_service/099_slow_report.down.sql",
        "DROP TABLE slow_report;\n",
    );
    let tmux = Tmux::start("abort", fleet.path(), 120, 40);
    tmux.shell(&format!("{} ; echo dbfleet-exit=$?", binary()));
    tmux.wait_for_text("6 databases");
    run_up_on_order_service(&tmux, "099_slow_report");
    tmux.wait_for_text("statement 2/2");
    tmux.keys(&["X"]);
    tmux.wait_for_text("cancelling…");
    tmux.keys(&["X"]);
    // The run ends cancelled, the step rolled back: the table is not there, no row.
    let screen = tmux.wait_for("the run to end", |s| s.contains("· cancelled"));
    assert!(
        screen.contains("aborted: order_service/099_slow_report statement 2 of 2 interrupted"),
        "{screen}"
    );
    assert!(!common::app_tables(&fleet.db("order_service")).contains(&"slow_report".to_owned()));
    let status = fleet.status_of("order_service");
    assert_eq!(status["dirty"], false, "{status}");
    let own = &status["sets"][0];
    assert_eq!(own["migrations"][4]["id"], "order_service/099_slow_report");
    assert_eq!(own["migrations"][4]["state"], "pending", "{status}");
    // Back to the fleet, then out: a cancelled run leaves the console with 130.
    tmux.keys(&["q"]);
    tmux.wait_for_text("marked 0");
    tmux.keys(&["q"]);
    tmux.wait_for_text("dbfleet-exit=130");
}

/// The on-call walk on the demo's teaching state, keys only: `n` to each problem, resume
/// the dirty step, clear the stale lock, then everything pending on the whole fleet,
/// which ends up to date (`status --check` exits 0).
#[test]
fn the_on_call_walk_brings_the_whole_teaching_fleet_up_to_date() {
    if !tmux_available() {
        return;
    }
    let fleet = Fleet::new();
    fleet.ok("demo reset");
    let tmux = Tmux::start("walk", fleet.path(), 120, 40);
    tmux.shell(&format!("{} ; echo dbfleet-exit=$?", binary()));
    tmux.wait_for_text("! 1 dirty ⊘ 1 locked ● 2 pending");
    let focused = |name: &'static str| {
        move |s: &str| {
            s.contains(&format!("┏[ ] ! {name}")) || s.contains(&format!("┏[ ] ⊘ {name}"))
        }
    };
    for _ in 0..3 {
        tmux.keys(&["n"]);
    }
    tmux.wait_for("message_service focused", focused("message_service"));
    tmux.keys(&["R"]);
    tmux.wait_for_text("· not done  2");
    // Resume is the default: Enter runs the statement that did not run.
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("resumed message_service/003_create_subscriptions to the end");
    tmux.keys(&["n"]);
    tmux.wait_for("analytics_service focused", focused("analytics_service"));
    tmux.keys(&["L"]);
    tmux.wait_for_text("[ Clear the lock ]");
    tmux.keys(&["Tab", "Enter"]);
    tmux.wait_for_text("cleared the lock held by deploy@ci-runner-7");
    tmux.wait_for_text("● 2 pending ✓ 4 up to date");
    tmux.keys(&["a", "U"]);
    tmux.wait_for("the plan", |s| {
        s.contains("2 of 6 will change (3 step(s)) · 4 up to date")
    });
    tmux.keys(&["Tab", "Enter"]);
    let finished = tmux.wait_for_text("6/6 database(s) ok");
    assert!(finished.contains("finished"), "{finished}");
    tmux.keys(&["Escape"]);
    tmux.wait_for_text("✓ 6 up to date");
    tmux.keys(&["q"]);
    tmux.wait_for_text("dbfleet-exit=0");
    fleet.ok("status --check");
}
