//! K `dbfleet up` processes at once (2 to 8) over the same databases, in rounds that each
//! add migrations: every migration applied exactly once per database (its log row and its
//! table's rows counted, not only its bookkeeping row), every run succeeding, each step
//! reported applied by one run only, no lock left.

use crate::rig::{Kind, Rig};
use crate::servers::Engine;

const DATABASES: [&str; 4] = ["r1", "r2", "r3", "r4"];
/// Processes per round; a round adds `PER_ROUND` migrations.
const ROUNDS: [usize; 3] = [2, 5, 8];
const PER_ROUND: u32 = 3;

fn concurrent_runners(kind: Kind) {
    let Some(rig) = Rig::new(kind, &DATABASES, "") else {
        return;
    };
    let started = std::time::Instant::now();
    let mut last = 0;
    for (round, processes) in ROUNDS.iter().enumerate() {
        let first = last + 1;
        last += PER_ROUND;
        for v in first..=last {
            rig.add_migration(v);
        }
        let args = ["up", "--all", "--directory", "rel"];
        let round_started = std::time::Instant::now();
        let children: Vec<_> = (0..*processes)
            .map(|_| rig.command(&args).spawn().expect("spawn dbfleet"))
            .collect();
        let outputs: Vec<_> = children
            .into_iter()
            .map(|c| crate::common::to_output(&args, c.wait_with_output().unwrap()))
            .collect();
        let label = format!("{}, round {round}, {processes} processes", kind.label());
        eprintln!(
            "{label}: runs took {:.1} s",
            round_started.elapsed().as_secs_f64()
        );
        for out in &outputs {
            assert_eq!(
                out.code,
                0,
                "{label}: every run succeeds\n{}",
                out.describe()
            );
            assert!(
                !out.all().contains("panicked"),
                "{label}\n{}",
                out.describe()
            );
        }
        let all: String = outputs.iter().map(crate::common::Output::all).collect();
        for name in DATABASES {
            for v in first..=last {
                let reported = all
                    .lines()
                    .filter(|l| l.starts_with(&format!("{name}: ✓ rel/{v:03}_m{v} ")))
                    .count();
                assert_eq!(
                    reported, 1,
                    "{label}: {name} step {v} reported applied by exactly one run\n{all}"
                );
            }
            let effects = rig.effects(name);
            assert!(
                effects.doubles().is_empty(),
                "{label}: {name}: {:?}",
                effects.doubles()
            );
            let logged: Vec<u32> = effects.log.keys().copied().collect();
            assert_eq!(
                logged,
                (1..=last).collect::<Vec<_>>(),
                "{label}: {name}: each migration logged once: {effects:?}"
            );
            let status = rig.status(name);
            assert_eq!(status["dirty"], false, "{label}: {name}: {status}");
            assert!(
                status["lock"].is_null(),
                "{label}: {name}: lock left: {status}"
            );
            let migrations = status["sets"][0]["migrations"].as_array().unwrap().clone();
            assert_eq!(migrations.len(), last as usize, "{label}: {name}: {status}");
            for m in &migrations {
                assert_eq!(m["state"], "applied", "{label}: {name}: {m}");
                assert_eq!(m["statements_done"], crate::rig::STATEMENTS, "{label}: {m}");
            }
            assert_eq!(rig.lock_rows(name), 0, "{label}: {name}: lock row left");
        }
    }
    eprintln!(
        "concurrent runners on {}: {} rounds ({:?} processes) over {} databases, {} migrations each applied once, {:.1} s",
        kind.label(),
        ROUNDS.len(),
        ROUNDS,
        DATABASES.len(),
        last,
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn concurrent_runners_apply_each_migration_once_on_sqlite() {
    concurrent_runners(Kind::Sqlite);
}

#[test]
fn concurrent_runners_apply_each_migration_once_on_postgres() {
    concurrent_runners(Kind::Server(Engine::Postgres));
}

#[test]
fn concurrent_runners_apply_each_migration_once_on_mariadb() {
    concurrent_runners(Kind::Server(Engine::Mysql));
}
