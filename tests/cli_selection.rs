//! Which databases a command touches: an empty selection is an error, never a fallback to
//! the default database; a typo gets a suggestion, a large fleet a short list; a database
//! whose run's set has nothing left is not called up to date while other sets have work.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::Fleet;

/// Every database of the demo fleet migrated through its own set, cross_service pending.
fn migrated_fleet() -> Fleet {
    let fleet = Fleet::new();
    fleet.ok("up --patterns=*_service");
    fleet
}

#[test]
fn an_empty_selection_flag_is_refused_and_changes_nothing() {
    let fleet = migrated_fleet();
    let before = fleet.data_snapshot();
    let cases: [&[&str]; 9] = [
        &["up", "--databases="],
        &["down", "--patterns="],
        &["up", "--patterns=", "--directory=cross_service"],
        &["up", "--databases=,"],
        &["plan", "-d", ""],
        &["down", "-d", " "],
        &["status", "--patterns="],
        &["unlock", "--databases=", "--force"],
        &["up", "--directory=", "--all"],
    ];
    for args in cases {
        let out = fleet.run(args);
        out.expect_code(2);
        assert!(
            out.stderr.contains("empty selection") || out.stderr.contains("empty set name"),
            "{}",
            out.describe()
        );
        assert!(
            !out.stdout.contains("shared_service"),
            "no database is named as acted on\n{}",
            out.describe()
        );
    }
    assert!(
        fleet.data_snapshot() == before,
        "a refused selection changed a file under data/"
    );
}

#[test]
fn a_mistyped_database_or_set_gets_the_closest_name() {
    let fleet = Fleet::new();
    fleet
        .line("up --databases=user_servce")
        .expect_code(2)
        .expect_contains("unknown database `user_servce` (did you mean `user_service`?)");
    fleet
        .line("up --all --directory=cross_servce")
        .expect_code(2)
        .expect_contains("(did you mean `cross_service`?)");
    assert!(
        !fleet.file("data").exists(),
        "nothing was created by a refused selection"
    );
}

#[test]
fn a_large_fleet_lists_a_few_names_not_all_of_them() {
    let fleet = Fleet::new();
    let mut config = String::from("database:\n  driver: sqlite\ndatabases:\n");
    for i in 0..3000 {
        config.push_str(&format!("  tenant_{i:04}: {{database: data/t{i}.db}}\n"));
    }
    fleet.write("config.yaml", &config);
    let out = fleet.line("status --databases=tenant_2999x");
    out.expect_code(2)
        .expect_contains("(did you mean `tenant_2999`?)")
        .expect_contains("and 2992 more");
    assert!(out.stderr.len() < 1000, "{} bytes", out.stderr.len());
    fleet
        .line("status --patterns=nobody*")
        .expect_code(2)
        .expect_contains("and 2992 more");
}

/// Three tenants with no set of their own; a shared set targets them all.
fn tenant_fleet() -> Fleet {
    let fleet = Fleet::new();
    std::fs::remove_dir_all(fleet.file("migrations")).unwrap();
    fleet.write(
        "config.yaml",
        "database:\n  driver: sqlite\ndatabases:\n  t1: {database: data/t1.db}\n  t2: {database: data/t2.db}\n  t3: {database: data/t3.db}\nsets:\n  tenants:\n    targets: [\"t*\"]\nmigrator:\n  auto_backup: false\n",
    );
    fleet.write(
        "migrations/tenants/001_accounts.up.sql",
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY);\n",
    );
    fleet.write(
        "migrations/tenants/001_accounts.down.sql",
        "DROP TABLE accounts;\n",
    );
    fleet
}

#[test]
fn a_tenant_without_its_own_set_is_never_called_up_to_date_while_work_is_pending() {
    let fleet = tenant_fleet();
    for line in ["up --all", "up --patterns=t*", "plan --all"] {
        let out = fleet.line(line);
        out.expect_code(1)
            .expect_contains("t2 has no migration set of its own")
            .expect_contains("1 pending in tenants (run with --directory=tenants)");
        assert!(!out.all().contains("up to date"), "{}", out.describe());
    }
    assert!(
        fleet.database_files().is_empty(),
        "nothing was created: {:?}",
        fleet.database_files()
    );
    fleet.line("status --check").expect_code(3);

    fleet.ok("up --all --directory=tenants");
    fleet.ok("status --check");
    // Now every set that targets them is applied: that is up to date.
    fleet.ok("up --all").expect_contains("✓ t1  up to date");
    // And down without a set says which one to name, instead of "nothing to revert".
    fleet
        .line("down -d t1")
        .expect_code(1)
        .expect_contains("name the set to revert with --directory (applied here: tenants)");
}

#[test]
fn a_dirty_tenant_without_its_own_set_is_refused_by_the_run_as_by_the_plan() {
    let fleet = tenant_fleet();
    fleet.ok("up -d t1 --directory=tenants");
    common::exec(
        &fleet.db("t1"),
        "UPDATE schema_migrations SET status = 'failed', statements_done = 0",
    );
    // The run and the dry run decide alike: the step left half-done stops both (the run
    // called it "up to date", there being nothing pending in any set).
    for line in ["up -d t1", "plan -d t1"] {
        fleet
            .line(line)
            .expect_code(1)
            .expect_contains("database is dirty: its up of tenants/001_accounts");
    }
}

#[test]
fn an_up_to_date_own_set_with_shared_work_pending_says_so() {
    let fleet = migrated_fleet();
    let out = fleet.ok("up -d shared_service");
    out.expect_contains(
        "● shared_service  nothing to run in shared_service; 2 pending in cross_service (run with --directory=cross_service)",
    );
    assert!(!out.stdout.contains("up to date"), "{}", out.describe());
    fleet
        .ok("plan -d shared_service")
        .expect_contains("nothing to up in shared_service; 2 pending in cross_service");
    let plan = fleet.ok("plan -d shared_service --format json").json();
    assert_eq!(
        plan[0]["pending_elsewhere"][0]["set"], "cross_service",
        "{plan}"
    );
    fleet.ok("up -d shared_service --directory=cross_service");
    fleet
        .ok("up -d shared_service")
        .expect_contains("✓ shared_service  up to date");
}

#[test]
fn an_unreachable_database_without_its_own_set_fails_instead_of_passing() {
    let fleet = tenant_fleet();
    fleet.write(
        "config.yaml",
        "database:\n  driver: postgres\n  host: 127.0.0.1\n  port: 1\n  username: nobody\ndatabases:\n  t1: {database: t1}\nsets:\n  tenants:\n    targets: [\"t*\"]\nmigrator:\n  auto_backup: false\n  connect_timeout_secs: 2\n",
    );
    let out = fleet.line("up -d t1");
    out.expect_code(1).expect_contains("✗ t1");
    assert!(!out.all().contains("up to date"), "{}", out.describe());
}

#[test]
fn an_applied_migration_whose_file_is_gone_is_not_up_to_date() {
    let fleet = Fleet::new();
    fleet.ok("up -d shared_service");
    fleet.ok("up -d shared_service --directory=cross_service");
    for entry in std::fs::read_dir(fleet.file("migrations/shared_service")).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("003_")
        {
            std::fs::remove_file(path).unwrap();
        }
    }
    let out = fleet.ok("status --short -d shared_service");
    out.expect_contains("~ 1 file(s) missing");
    assert!(!out.stdout.contains("up to date"), "{}", out.describe());
    fleet
        .line("status --check -d shared_service")
        .expect_code(3)
        .expect_contains("applied but missing on disk");
}

#[test]
fn log_lines_carry_no_colour_codes_into_a_pipe() {
    let fleet = Fleet::new();
    let mut cmd = fleet.command(&["status", "--short"]);
    // Colour would be on by default: only the pipe may turn it off.
    cmd.env_remove("NO_COLOR").env("DBFLEET_LOG", "debug");
    fleet.ok("up -d shared_service");
    let out = cmd.output().expect("running dbfleet");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.is_empty(), "debug logging printed something");
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
}

#[test]
fn shards_split_the_selection_into_disjoint_parts_that_cover_it() {
    let fleet = Fleet::new();
    let everyone: Vec<String> = fleet
        .status_json("--all")
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_owned())
        .collect();
    let mut seen: Vec<String> = Vec::new();
    for i in 1..=3 {
        let part: Vec<String> = fleet
            .status_json(&format!("--all --shard {i}/3"))
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_owned())
            .collect();
        for name in &part {
            assert!(!seen.contains(name), "{name} is in two shards");
        }
        seen.extend(part);
    }
    seen.sort();
    let mut all = everyone.clone();
    all.sort();
    assert_eq!(seen, all, "the shards cover the fleet");

    // Three jobs started together migrate every database exactly once.
    let jobs: Vec<_> = (1..=3)
        .map(|i| {
            fleet
                .command(&["up", "--patterns=*_service", "--shard", &format!("{i}/3")])
                .spawn()
                .unwrap()
        })
        .collect();
    for job in jobs {
        let out = job.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for db in &everyone {
        let set = fleet.migration_count(db);
        let rows = common::migration_rows(&fleet.db(db));
        assert_eq!(rows.len(), set, "{db}: {rows:?}");
    }

    for bad in ["0/3", "4/3", "1/0", "2", "a/b"] {
        fleet
            .run(&["status", "--shard", bad])
            .expect_code(2)
            .expect_contains("is not a shard");
    }
}

/// The status table's columns fit what they hold: a 14-digit version and a lock holder's
/// name push no row out of line (every STATE starts where its header does).
#[test]
fn the_status_table_sizes_its_columns_from_their_content() {
    let fleet = migrated_fleet();
    fleet.write(
        "migrations/shared_service/20260101120000_wide.up.sql",
        "CREATE TABLE wide (x INT);\n",
    );
    fleet.ok("up -d shared_service");
    common::insert_lock(
        &fleet.db("user_service"),
        "a-rather-long-operator-name@build-host-17",
        "build-host-17",
        common::dead_pid(),
        "run-x",
    );
    let out = fleet.ok("status --short");
    let lines: Vec<&str> = out.stdout.lines().take_while(|l| !l.is_empty()).collect();
    // The header is ASCII: its byte offset is its column.
    let state_at = lines[0].find("STATE").unwrap();
    for line in &lines[1..] {
        let cells: String = line.chars().skip(state_at).collect();
        assert!(
            cells.starts_with(['✓', '●', '⊘', '!', '~', '?', '✗', '»']),
            "misaligned: {line:?}\n{}",
            out.stdout
        );
    }
    assert!(out.stdout.contains("20260101120000"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("a-rather-long-operator-name@build-host-17"),
        "{}",
        out.stdout
    );
}

/// `create` and `unlock` answer `--format json` as every other command does.
#[test]
fn create_and_unlock_speak_json_when_asked() {
    let fleet = migrated_fleet();
    let created = fleet.line("create add_notes -d user_service --format json");
    created.expect_ok();
    let doc = created.json();
    assert_eq!(doc["set"], "user_service");
    assert_eq!(doc["format"], "dbfleet");
    assert_eq!(doc["created"].as_array().unwrap().len(), 2, "{doc:#}");
    common::insert_lock(
        &fleet.db("order_service"),
        "ops@gone-host",
        "gone-host",
        common::dead_pid(),
        "run-gone",
    );
    let out = fleet.line("unlock --databases=user_service,order_service --force --format json");
    out.expect_ok();
    let doc = out.json();
    let results = doc["databases"].as_array().unwrap();
    assert_eq!(results[0]["result"], "free", "{doc:#}");
    assert_eq!(results[1]["result"], "cleared", "{doc:#}");
    assert_eq!(results[1]["lock"]["holder"], "ops@gone-host", "{doc:#}");
}
