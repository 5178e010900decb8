//! `dbfleet up` killed with SIGKILL at a seeded random moment, many times per engine. After
//! each kill, before anything else runs, every database must be consistent:
//!
//! - SQLite and PostgreSQL (transactional DDL): each migration all or nothing — its
//!   effects present exactly when its row says applied, never a half-done row;
//! - MariaDB (DDL commits by itself): each migration applied, untouched, or dirty and
//!   visible — `status` says DIRTY and how many statements ran, and the effects are those
//!   statements' (plus, at most, the one it had reached when that one is DDL, which commits
//!   by itself: a row change commits with its progress row);
//!
//! never an effect twice, a lock left only if it is seen stale. Then the next `up` either
//! finishes or refuses naming the database and the way out (`dbfleet resolve` for a dirty
//! step, `dbfleet unlock` for a SQLite lock, which nothing can prove dead), that way out
//! works, and the fleet ends with every migration applied exactly once.
//!
//! `DBFLEET_RELIABILITY_SEED` sets the seed (printed), `DBFLEET_RELIABILITY_TRIALS` the
//! number of trials per engine.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::common::Output;
use crate::rig::{Kind, Rig, STATEMENTS};
use crate::rng::{self, Rng};
use crate::servers::Engine;

const NAMES: [&str; 3] = ["k1", "k2", "k3"];
const MIGRATIONS: u32 = 6;
const UP: [&str; 4] = ["up", "--all", "--directory", "rel"];

#[derive(Debug, Default)]
struct Tally {
    trials: u64,
    /// The run ended before the kill came.
    finished_first: u64,
    /// Killed with every database still untouched.
    nothing_applied: u64,
    /// Killed with some migrations applied and some not (the interesting case).
    part_applied: u64,
    /// MariaDB: databases left dirty, and among them those whose reached statement (DDL
    /// written `IF NOT EXISTS`, safe to run again) had committed before its progress.
    dirty: u64,
    reached_committed: u64,
    /// Locks the kill left: seen stale and taken over by the next run (servers) or
    /// cleared with `unlock` (SQLite).
    locks_left: u64,
    unlocks: u64,
    /// SQLite: a transaction the kill interrupted, left in its rollback journal.
    hot_journals: u64,
}

fn trials(kind: Kind) -> u64 {
    let default = match kind {
        Kind::Sqlite => 30,
        Kind::Server(_) => 10,
    };
    rng::env_number("DBFLEET_RELIABILITY_TRIALS", default)
}

fn fresh(kind: Kind) -> Option<Rig> {
    let rig = Rig::new(kind, &NAMES, "")?;
    for v in 1..=MIGRATIONS {
        rig.add_migration(v);
    }
    Some(rig)
}

/// When, from its start, a whole run begins its first statement and when it ends (ms):
/// the kills land between a little before the first and a little after the last, so most
/// of them hit work rather than start-up.
fn calibrate(rig: &Rig) -> (u64, u64) {
    use std::io::BufRead;
    let started = Instant::now();
    let mut args = UP.to_vec();
    args.push("-v");
    let mut child = rig.command(&args).spawn().expect("spawn dbfleet");
    let stdout = child.stdout.take().unwrap();
    let mut first = None;
    for line in std::io::BufReader::new(stdout).lines() {
        if first.is_none() && line.unwrap_or_default().contains("statement 1/") {
            first = Some(started.elapsed().as_millis() as u64);
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "calibration run: {out:?}");
    let end = started.elapsed().as_millis() as u64;
    (first.unwrap_or(0) * 3 / 4, end.max(20))
}

/// What one database is left with after a kill; the dirty step as (version, statements
/// done) when there is one.
fn check_after_kill(rig: &Rig, name: &str, label: &str, tally: &mut Tally) -> (u32, bool) {
    rig.wait_for_dead_sessions(name);
    let label = format!("{label}, {name}");
    let mut status = rig.status(name);
    if rig.kind == Kind::Sqlite && !status["error"].is_null() {
        // Killed mid-transaction: `status` reads nothing past the hot journal and says so;
        // any read-write open rolls it back (reading the effects opens one).
        let error = status["error"].as_str().unwrap_or_default();
        assert!(
            error.contains("holds a write that was interrupted") && error.contains("rolls it back"),
            "{label}: {status}"
        );
        tally.hot_journals += 1;
        rig.tables(name);
        status = rig.status(name);
    }
    let effects = rig.effects(name);
    assert!(
        effects.doubles().is_empty(),
        "{label}: {:?}",
        effects.doubles()
    );
    if !status["lock"].is_null() {
        assert_eq!(
            status["lock"]["stale"], true,
            "{label}: a dead run's lock is seen stale at once: {status}"
        );
        tally.locks_left += 1;
    }
    let migrations = status["sets"][0]["migrations"]
        .as_array()
        .unwrap_or_else(|| panic!("{label}: status lists no migrations: {status}"))
        .clone();
    assert_eq!(migrations.len(), MIGRATIONS as usize, "{label}: {status}");
    let mut applied = 0;
    let mut open = false;
    for m in &migrations {
        let v: u32 = m["version_text"].as_str().unwrap().parse().unwrap();
        let state = m["state"].as_str().unwrap_or_default();
        let done = effects.done(v);
        match state {
            "applied" => {
                assert!(
                    !open,
                    "{label}: {v} applied after one that is not: {status}"
                );
                assert!(
                    done.iter().all(|d| *d),
                    "{label}: {v} recorded applied but its effects are {done:?}: {effects:?}"
                );
                applied += 1;
            }
            "pending" => {
                open = true;
                assert!(
                    !done[1] && !done[2] && !done[3] && (v > 1 || !done[0]),
                    "{label}: {v} has no row but its effects are {done:?} (half-applied and invisible): {effects:?}"
                );
            }
            "running" | "failed" => {
                assert!(
                    rig.kind.autocommit_ddl(),
                    "{label}: a transactional engine left {v} {state}: {status}"
                );
                assert!(!open, "{label}: dirty {v} after a pending one: {status}");
                open = true;
                let reached = m["statements_done"].as_u64().unwrap() as usize;
                let seen = done.iter().take_while(|d| **d).count();
                assert!(
                    done[seen..].iter().all(|d| !*d),
                    "{label}: {v}'s effects have a gap: {done:?}"
                );
                // One ahead only for DDL (statements 1 and 2): an INSERT commits with its
                // progress row, so it is never applied and counted as not done.
                assert!(
                    seen == reached || (seen == reached + 1 && reached < 2),
                    "{label}: {v} says {reached} statements ran, the schema shows {seen}: {effects:?}"
                );
                assert_eq!(status["dirty"], true, "{label}: {status}");
                let text = rig.line(&format!("status --directory rel -d {name}"));
                text.expect_ok().expect_contains(&format!(
                    "DIRTY: up ({state}) stopped after {reached} of {STATEMENTS} statements"
                ));
                tally.dirty += 1;
            }
            other => panic!("{label}: {v} in state {other}: {status}"),
        }
    }
    (applied, open)
}

/// Runs `up` until it finishes, following the way out each refusal names; panics when a
/// refusal is not clear or its way out fails.
fn recover(rig: &Rig, label: &str, tally: &mut Tally) {
    for _attempt in 0..=(NAMES.len() * 2) {
        let out = rig.run(&UP);
        assert!(
            !out.all().contains("panicked"),
            "{label}\n{}",
            out.describe()
        );
        if out.code == 0 {
            return;
        }
        assert_eq!(out.code, 1, "{label}: {}", out.describe());
        let mut acted = false;
        for name in NAMES {
            let status = rig.status(name);
            if status["dirty"] == true {
                dirty_way_out(rig, name, &status, &out, label, tally);
                acted = true;
            } else if !status["lock"].is_null() {
                assert_eq!(rig.kind, Kind::Sqlite, "{label}: {name}: {status}");
                out.expect_contains(name)
                    .expect_contains(&format!("dbfleet unlock -d {name}"));
                rig.line(&format!("unlock -d {name}")).expect_ok();
                tally.unlocks += 1;
                acted = true;
            }
        }
        assert!(
            acted,
            "{label}: up failed with nothing dirty nor locked\n{}",
            out.describe()
        );
    }
    panic!("{label}: up still fails after following every way out");
}

fn dirty_way_out(
    rig: &Rig,
    name: &str,
    status: &serde_json::Value,
    refused: &Output,
    label: &str,
    tally: &mut Tally,
) {
    refused
        .expect_contains(name)
        .expect_contains("dirty")
        .expect_contains(&format!("dbfleet resolve -d {name}"));
    let step = status["sets"][0]["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["state"] == "running" || m["state"] == "failed")
        .unwrap_or_else(|| panic!("{label}: {name} dirty without a dirty step: {status}"))
        .clone();
    let v: u32 = step["version_text"].as_str().unwrap().parse().unwrap();
    let reached = step["statements_done"].as_u64().unwrap() as usize;
    let shown = rig.line(&format!("resolve -d {name} --directory rel --show"));
    shown.expect_ok().expect_contains("resume");
    // Statements 3 and 4 are plain inserts: each commits with its progress row, so the
    // one the step had reached never shows as run while counted as not done (resuming
    // would run it again). The DDL before them may (it commits by itself): `IF NOT
    // EXISTS` makes those safe to run again.
    let done = rig.effects(name).done(v);
    assert!(
        !((2..STATEMENTS).contains(&reached) && done[reached]),
        "{label}: {name}'s insert {} ran but is counted as not done: {done:?}",
        reached + 1
    );
    if reached < 2 && done[reached] {
        tally.reached_committed += 1;
    }
    let resumed = rig.line(&format!("resolve -d {name} --directory rel --resume"));
    resumed.expect_ok().expect_contains("applied");
}

fn killed_runners(kind: Kind) {
    let Some(calibration) = fresh(kind) else {
        return;
    };
    let seed = rng::seed(&format!("SIGKILL trials on {}", kind.label()));
    let mut rng = Rng::new(seed ^ kind.label().len() as u64);
    // The median of three runs: the first on a machine can be slower than the rest.
    let rig = calibration;
    let mut runs: Vec<(u64, u64)> = (0..3)
        .map(|_| {
            rig.reset();
            calibrate(&rig)
        })
        .collect();
    runs.sort_by_key(|r| r.1);
    let (from, to) = runs[1];
    let trials = trials(kind);
    let mut tally = Tally::default();
    let suite_started = Instant::now();
    for trial in 0..trials {
        rig.reset();
        let delay = from + rng.below((to - from).max(1));
        let label = format!(
            "{} trial {trial} (seed {seed:#x}, kill after {delay} ms, window {from}..{to} ms)",
            kind.label()
        );
        let mut child = rig.command(&UP).spawn().expect("spawn dbfleet");
        std::thread::sleep(Duration::from_millis(delay));
        let ended_first = child.try_wait().unwrap().is_some();
        let _ = child.kill(); // SIGKILL; an error only means it had already exited
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{label}: {stderr}");
        tally.trials += 1;
        let mut applied = 0;
        let mut open = 0;
        for name in NAMES {
            let (a, o) = check_after_kill(&rig, name, &label, &mut tally);
            applied += a;
            open += u32::from(o);
        }
        if ended_first {
            tally.finished_first += 1;
            assert_eq!(
                open, 0,
                "{label}: the run ended on its own, yet work is left"
            );
        } else if applied == 0 {
            tally.nothing_applied += 1;
        } else if open > 0 {
            tally.part_applied += 1;
        }
        recover(&rig, &label, &mut tally);
        for name in NAMES {
            let effects = rig.effects(name);
            assert!(effects.doubles().is_empty(), "{label}: {name}: {effects:?}");
            assert_eq!(
                effects.log.keys().copied().collect::<Vec<_>>(),
                (1..=MIGRATIONS).collect::<Vec<_>>(),
                "{label}: {name}: every migration applied once in the end"
            );
            let status = rig.status(name);
            assert_eq!(status["dirty"], false, "{label}: {name}: {status}");
            assert_eq!(status["pending"], 0, "{label}: {name}: {status}");
            assert_eq!(rig.lock_rows(name), 0, "{label}: {name}: lock left");
        }
    }
    let counts: BTreeMap<&str, u64> = [
        ("trials", tally.trials),
        ("finished before the kill", tally.finished_first),
        ("killed before any migration", tally.nothing_applied),
        ("killed part-way", tally.part_applied),
        ("dirty databases", tally.dirty),
        ("reached statement committed", tally.reached_committed),
        ("locks left", tally.locks_left),
        ("unlocks", tally.unlocks),
        ("hot journals", tally.hot_journals),
    ]
    .into_iter()
    .collect();
    eprintln!(
        "SIGKILL trials on {} ({} databases × {MIGRATIONS} migrations, seed {seed:#x}, {:.1} s): {counts:?}",
        kind.label(),
        NAMES.len(),
        suite_started.elapsed().as_secs_f64()
    );
}

#[test]
fn sigkill_at_random_points_leaves_sqlite_consistent() {
    killed_runners(Kind::Sqlite);
}

#[test]
fn sigkill_at_random_points_leaves_postgres_consistent() {
    killed_runners(Kind::Server(Engine::Postgres));
}

#[test]
fn sigkill_at_random_points_leaves_mariadb_dirty_or_consistent() {
    killed_runners(Kind::Server(Engine::Mysql));
}
