//! The `Session` contract (`src/driver/mod.rs`), checked once for every dialect through the
//! public API: each clause below is one function of a fresh database, and `contract!` at
//! the bottom runs every clause on every dialect it lists, as `sqlite::<clause>`,
//! `postgres::<clause>`, `mysql::<clause>`. SQLite runs always; the servers when their URL
//! is set (see `fresh/mod.rs`). A new dialect runs the whole suite with one more line in
//! `contract!`'s list and a function in `fresh/mod.rs` that makes a fresh database of it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod fresh;

use std::time::{Duration, Instant};

use dbfleet_core::catalog::Version;
use dbfleet_core::dialect::Dialect;
use dbfleet_core::driver::{
    self, AppliedRow, LockAttempt, LockHolder, LockRow, RowStatus, RowValues, Session,
};
use fresh::Fresh;

const T0: &str = "2026-01-02T03:04:05.000Z";
const T1: &str = "2026-01-02T03:04:35.000Z";

fn holder(run: &str) -> LockHolder {
    LockHolder {
        holder: format!("ops@{run}-host"),
        host: format!("{run}-host"),
        pid: 4242,
        run_id: run.to_owned(),
    }
}

fn row_of(holder: &LockHolder, acquired_at: &str, heartbeat_at: &str) -> LockRow {
    LockRow {
        holder: holder.holder.clone(),
        host: holder.host.clone(),
        pid: i64::from(holder.pid),
        run_id: holder.run_id.clone(),
        acquired_at: acquired_at.to_owned(),
        heartbeat_at: heartbeat_at.to_owned(),
    }
}

async fn run(session: &mut Box<dyn Session>, sql: &str) {
    session
        .execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn create_tables(session: &mut Box<dyn Session>) {
    for sql in session.bookkeeping().create_tables() {
        run(session, &sql).await;
    }
}

async fn tables(session: &mut Box<dyn Session>) -> u64 {
    session.stats().await.unwrap().tables
}

/// A server's own lock outlives the client's goodbye for as long as the server takes to
/// end the connection: waits for it to be free.
async fn until_server_lock_free(session: &mut Box<dyn Session>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while session.server_lock_held().await.unwrap() == Some(true) {
        assert!(Instant::now() < deadline, "the closed session's lock stays");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// On a fresh database every read answers "nothing", and none of them, nor a read-only
/// session's attempt to write, creates a table.
async fn reads_find_nothing_and_create_nothing(db: Fresh) {
    let mut session = db.open().await;
    assert_eq!(session.dialect(), db.dialect());
    assert!(!session.bookkeeping_exists().await.unwrap());
    assert_eq!(session.read_applied().await.unwrap(), Vec::new());
    assert_eq!(session.read_lock().await.unwrap(), None);
    assert_eq!(session.clear_lock().await.unwrap(), None);
    let held = session.server_lock_held().await.unwrap();
    assert_eq!(held, session.has_server_lock().then_some(false));
    assert_eq!(tables(&mut session).await, 0);

    let mut read_only = db.open_read_only().await;
    assert!(!read_only.bookkeeping_exists().await.unwrap());
    assert_eq!(read_only.read_applied().await.unwrap(), Vec::new());
    assert_eq!(read_only.read_lock().await.unwrap(), None);
    let refused = read_only.execute("CREATE TABLE written (id INTEGER)").await;
    assert!(refused.is_err(), "a read-only session wrote");
    read_only.close().await;

    assert!(!session.bookkeeping_exists().await.unwrap());
    assert_eq!(tables(&mut session).await, 0);
    let state = session.read_state().await.unwrap();
    assert_eq!((state.applied, state.lock), (Vec::new(), None));
    assert_eq!(state.stats, session.stats().await.unwrap());
    assert!(!session.bookkeeping_exists().await.unwrap());
    session.close().await;
}

/// `read_state` answers what `read_applied`, `read_lock`, `server_lock_held` and `stats`
/// answer one by one, from another session while a run holds the lock.
async fn the_state_read_at_once_is_the_reads_one_by_one(db: Fresh) {
    let mut session = db.open().await;
    let a = holder("run-state");
    assert!(matches!(
        session.try_lock(&a, T0).await.unwrap(),
        LockAttempt::Taken { replaced: None }
    ));
    let book = session.bookkeeping().clone();
    run(
        &mut session,
        &book.record_applied(&values("billing", "7", "add_orders", "run-state")),
    )
    .await;
    run(&mut session, "CREATE TABLE orders (id INTEGER)").await;

    let mut reader = db.open_read_only().await;
    let state = reader.read_state().await.unwrap();
    assert_eq!(state.applied, reader.read_applied().await.unwrap());
    assert_eq!(state.applied.len(), 1);
    let held = reader.server_lock_held().await.unwrap();
    assert_eq!(state.lock, Some((row_of(&a, T0, T0), held)));
    assert_eq!(held, session.has_server_lock().then_some(true));
    assert_eq!(state.stats, reader.stats().await.unwrap());
    assert_eq!(state.stats.tables, 1);
    assert!(state.stats.server_version.is_some(), "{:?}", state.stats);
    reader.close().await;
    session.release_lock(&a).await.unwrap();
    session.close().await;
}

/// `try_lock` creates dbfleet's tables and writes the holder's row; a second session sees
/// that holder and does not get the lock; the heartbeat moves only the holder's row;
/// `release_lock` frees it for the next; `clear_lock` removes whoever's row is there.
async fn the_lock_is_taken_seen_beaten_released_and_cleared(db: Fresh) {
    let (a, b) = (holder("run-a"), holder("run-b"));
    let mut first = db.open().await;
    let mut second = db.open().await;

    let taken = first.try_lock(&a, T0).await.unwrap();
    assert_eq!(taken, LockAttempt::Taken { replaced: None });
    assert!(second.bookkeeping_exists().await.unwrap());
    assert_eq!(second.read_lock().await.unwrap(), Some(row_of(&a, T0, T0)));
    assert_eq!(
        second.try_lock(&b, T1).await.unwrap(),
        LockAttempt::Held(row_of(&a, T0, T0))
    );

    first.heartbeat(&a, T1).await.unwrap();
    assert_eq!(second.read_lock().await.unwrap(), Some(row_of(&a, T0, T1)));
    // Another run's heartbeat leaves the row as it is.
    second
        .heartbeat(&b, "2026-01-02T03:05:00.000Z")
        .await
        .unwrap();
    assert_eq!(second.read_lock().await.unwrap(), Some(row_of(&a, T0, T1)));

    first.release_lock(&a).await.unwrap();
    assert_eq!(second.read_lock().await.unwrap(), None);
    assert_eq!(
        second.try_lock(&b, T1).await.unwrap(),
        LockAttempt::Taken { replaced: None }
    );
    assert_eq!(
        first.try_lock(&a, T1).await.unwrap(),
        LockAttempt::Held(row_of(&b, T1, T1))
    );

    assert_eq!(first.clear_lock().await.unwrap(), Some(row_of(&b, T1, T1)));
    assert_eq!(second.read_lock().await.unwrap(), None);
    assert_eq!(first.clear_lock().await.unwrap(), None);
    second.release_lock(&b).await.unwrap();
    first.close().await;
    second.close().await;
}

/// Where the database has a lock of its own, it is held exactly while a session holds the
/// migration lock, and every session sees it; elsewhere there is none to ask about.
async fn the_servers_own_lock_is_held_while_the_lock_is(db: Fresh) {
    let a = holder("run-a");
    let mut first = db.open().await;
    let mut second = db.open().await;
    let server = first.has_server_lock();
    assert_eq!(second.has_server_lock(), server);
    let held = |yes: bool| server.then_some(yes);

    assert_eq!(second.server_lock_held().await.unwrap(), held(false));
    first.try_lock(&a, T0).await.unwrap();
    assert_eq!(first.server_lock_held().await.unwrap(), held(true));
    assert_eq!(second.server_lock_held().await.unwrap(), held(true));
    first.release_lock(&a).await.unwrap();
    assert_eq!(second.server_lock_held().await.unwrap(), held(false));
    assert_eq!(first.server_lock_held().await.unwrap(), held(false));
    first.close().await;
    second.close().await;
}

/// A live session holding the server's lock with no row of its own (its row not written
/// yet, or not dbfleet) is named as the server knows it, never as an empty "pid 0".
async fn a_holder_without_a_row_is_named_by_the_server(db: Fresh) {
    let mut first = db.open().await;
    if !first.has_server_lock() {
        eprintln!("skipped: SQLite has no lock of its own besides the row");
        first.close().await;
        return;
    }
    let a = holder("run-a");
    first.try_lock(&a, T0).await.unwrap();
    let delete = first.bookkeeping().delete_lock(None);
    run(&mut first, &delete).await;
    let mut second = db.open().await;
    let attempt = second.try_lock(&holder("run-b"), T1).await.unwrap();
    let LockAttempt::Held(row) = attempt else {
        panic!("the lock was free: {attempt:?}");
    };
    assert!(row.holder.starts_with("server session "), "{row:?}");
    assert!(row.pid > 0, "{row:?}");
    assert_eq!(row.run_id, "");
    second.close().await;
    first.close().await;
}

/// A session closed without releasing leaves its row. Where the database has a lock of its
/// own, that lock went with the session, which proves the row stale: the next `try_lock`
/// replaces it and says so. On SQLite the row is `Held`, for the caller to judge.
async fn a_row_left_behind_is_taken_over_only_under_the_servers_lock(db: Fresh) {
    let (a, b) = (holder("run-a"), holder("run-b"));
    let mut first = db.open().await;
    first.try_lock(&a, T0).await.unwrap();
    first.close().await;

    let mut second = db.open().await;
    assert_eq!(second.read_lock().await.unwrap(), Some(row_of(&a, T0, T0)));
    until_server_lock_free(&mut second).await;
    let attempt = second.try_lock(&b, T1).await.unwrap();
    if second.has_server_lock() {
        let replaced = Some(row_of(&a, T0, T0));
        assert_eq!(attempt, LockAttempt::Taken { replaced });
        assert_eq!(second.read_lock().await.unwrap(), Some(row_of(&b, T1, T1)));
        second.release_lock(&b).await.unwrap();
    } else {
        assert_eq!(attempt, LockAttempt::Held(row_of(&a, T0, T0)));
    }
    second.close().await;
}

fn values<'a>(set: &'a str, version: &str, name: &'a str, run_id: &'a str) -> RowValues<'a> {
    let version: &'a Version = Box::leak(Box::new(Version::parse(version).unwrap()));
    RowValues {
        set,
        version,
        name,
        checksum: "sha256:c0ffee",
        statements_total: 3,
        applied_at: Some(T0),
        execution_ms: Some(1234),
        applied_by: "ops@host",
        run_id: Some(run_id),
    }
}

/// The row `v` written, then brought to `status` with `done` statements and `error`.
/// `record_running` writes an execution time of 0, whatever `v` says.
fn expected(v: &RowValues, status: RowStatus, done: u32, error: Option<&str>) -> AppliedRow {
    AppliedRow {
        set: v.set.to_owned(),
        version: v.version.clone(),
        name: v.name.to_owned(),
        checksum: v.checksum.to_owned(),
        status,
        statements_done: done,
        statements_total: v.statements_total as u32,
        error: error.map(str::to_owned),
        applied_at: T0.to_owned(),
        execution_ms: v.execution_ms.unwrap() as i64,
        applied_by: v.applied_by.to_owned(),
        run_id: v.run_id.unwrap().to_owned(),
    }
}

/// Text a literal can get wrong: quotes, backslashes, a non-ASCII character.
const TRICKY: &str = "it's C:\\new\\table ✓";

/// Every status the engine writes comes back from `read_applied` as written, on a
/// read-write and a read-only session, ordered by set and version.
async fn rows_of_every_status_read_back_as_written(db: Fresh) {
    let mut session = db.open().await;
    create_tables(&mut session).await;
    let book = session.bookkeeping().clone();
    let applied = values("billing", "20260102030405", TRICKY, "run-1");
    // Rows `record_running` starts have run for 0 ms so far.
    let started = |v: RowValues<'static>| RowValues {
        execution_ms: Some(0),
        ..v
    };
    let running = started(values("billing", "20260102030406", "add_index", "run-2"));
    let failed = started(values("o'brien\\set", "1.2.10", "backfill", "run-3"));
    let reverting = values("zeta", "20210101000000000001", "drop_column", "run-4");

    run(&mut session, &book.record_applied(&applied)).await;
    run(&mut session, &book.record_running(&running)).await;
    run(&mut session, &book.record_running(&failed)).await;
    run(
        &mut session,
        &book.record_progress(failed.set, failed.version, 2),
    )
    .await;
    run(
        &mut session,
        &book.record_failed(failed.set, failed.version, TRICKY),
    )
    .await;
    run(&mut session, &book.record_applied(&reverting)).await;
    run(
        &mut session,
        &book.record_reverting(reverting.set, reverting.version, 3),
    )
    .await;

    let want = vec![
        expected(&applied, RowStatus::Applied, 3, None),
        expected(&running, RowStatus::Running, 0, None),
        expected(&failed, RowStatus::Failed, 2, Some(TRICKY)),
        expected(&reverting, RowStatus::Reverting, 0, None),
    ];
    assert_eq!(session.read_applied().await.unwrap(), want);
    let mut read_only = db.open_read_only().await;
    assert!(read_only.bookkeeping_exists().await.unwrap());
    assert_eq!(read_only.read_applied().await.unwrap(), want);
    read_only.close().await;
    session.close().await;
}

/// A migrations table of the configured name that another tool made is named as such.
async fn a_migrations_table_of_another_tool_is_named(db: Fresh) {
    let mut session = db.open().await;
    run(
        &mut session,
        "CREATE TABLE schema_migrations (version BIGINT NOT NULL, dirty BOOLEAN NOT NULL)",
    )
    .await;
    assert!(session.bookkeeping_exists().await.unwrap());
    let error = session.read_applied().await.unwrap_err();
    assert!(
        error
            .message
            .contains("schema_migrations exists but is not dbfleet's"),
        "{error}"
    );
    let error = session.read_state().await.unwrap_err();
    assert_eq!(error.kind, driver::ErrorKind::NotOurs, "{error}");
    session.close().await;
}

/// Other tools' tables, made with each tool's own definition for this dialect (see
/// `/work/research/TOOLS.md`), and their rows as the tool writes them.
fn other_tools_tables(dialect: Dialect) -> Vec<&'static str> {
    let mut sql = match dialect {
        Dialect::Sqlite => vec![
            "CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool); CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version)",
            "CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER NOT NULL, is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')))",
            r#"CREATE TABLE "flyway_schema_history" ("installed_rank" INT NOT NULL PRIMARY KEY, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INT, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')), "execution_time" INT NOT NULL, "success" BOOLEAN NOT NULL)"#,
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)",
        ],
        Dialect::Postgres => vec![
            r#"CREATE TABLE IF NOT EXISTS "schema_migrations" (version bigint not null primary key, dirty boolean not null)"#,
            "CREATE TABLE goose_db_version (id integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NOT NULL DEFAULT now())",
            r#"CREATE TABLE "flyway_schema_history" ("installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(), "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL); ALTER TABLE "flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank"); CREATE INDEX "flyway_schema_history_s_idx" ON "flyway_schema_history" ("success")"#,
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL)",
            // Atlas, in the schema of its own name.
            r#"CREATE SCHEMA "atlas_schema_revisions"; CREATE TABLE "atlas_schema_revisions"."atlas_schema_revisions" ("version" character varying NOT NULL, "description" character varying NOT NULL, "type" bigint NOT NULL DEFAULT 2, "applied" bigint NOT NULL DEFAULT 0, "total" bigint NOT NULL DEFAULT 0, "executed_at" timestamptz NOT NULL, "execution_time" bigint NOT NULL, "error" text NULL, "error_stmt" text NULL, "hash" character varying NOT NULL, "partial_hashes" jsonb NULL, "operator_version" character varying NOT NULL, PRIMARY KEY ("version"))"#,
            r#"INSERT INTO "atlas_schema_revisions"."atlas_schema_revisions" (version, description, type, applied, total, executed_at, execution_time, error, hash, operator_version) VALUES ('20220318104614', 'initial', 2, 1, 3, now(), 5, 'boom', 'h', 'Atlas CLI')"#,
        ],
        Dialect::Mysql => vec![
            "CREATE TABLE `schema_migrations` (version bigint not null primary key, dirty boolean not null)",
            "CREATE TABLE goose_db_version (id bigint(20) unsigned NOT NULL AUTO_INCREMENT, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NULL default now(), PRIMARY KEY(id))",
            "CREATE TABLE flyway_schema_history (`installed_rank` INT NOT NULL, `version` VARCHAR(50), `description` VARCHAR(200) NOT NULL, `type` VARCHAR(20) NOT NULL, `script` VARCHAR(1000) NOT NULL, `checksum` INT, `installed_by` VARCHAR(100) NOT NULL, `installed_on` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, `execution_time` INT NOT NULL, `success` BOOL NOT NULL, CONSTRAINT `flyway_schema_history_pk` PRIMARY KEY (`installed_rank`))",
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)",
        ],
    };
    sql.extend([
        "INSERT INTO schema_migrations (version, dirty) VALUES (3, false)",
        "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true), (2, true), (2, false)",
        "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (1, '1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'ops', 0, true), (2, '1.1', 'add', 'SQL', 'V1_1__add.sql', 12, 'ops', 5, true), (3, NULL, 'views', 'SQL', 'R__views.sql', 7, 'ops', 5, true), (4, '2', 'more', 'SQL', 'V2__more.sql', 13, 'ops', 5, false)",
    ]);
    sql.push(if dialect == Dialect::Postgres {
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (1, 'a', true, '\\x00', 5), (2, 'b', false, '\\x01', -1)"
    } else {
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (1, 'a', true, X'00', 5), (2, 'b', false, X'01', -1)"
    });
    sql
}

/// A tool as `other_tools` found it: name, table, `through`, applied, unsettled.
type Seen<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    Vec<&'a str>,
    Vec<&'a str>,
);

/// `other_tools` finds other tools' tables and reads what they say was applied, dirty,
/// failed or half-done, on a read-only session, creating nothing; `try_lock` refuses a
/// migrations table of the configured name that another tool made (golang-migrate's
/// `schema_migrations`) and creates nothing beside it.
async fn other_tools_are_read_and_nothing_is_created(db: Fresh) {
    let mut session = db.open().await;
    assert!(session.other_tools().await.unwrap().is_empty());
    for sql in other_tools_tables(db.dialect()) {
        run(&mut session, sql).await;
    }
    let before = tables(&mut session).await;
    let mut read_only = db.open_read_only().await;
    let mut found = read_only.other_tools().await.unwrap();
    found.sort_by_key(|t| t.tool.name());
    let seen: Vec<Seen> = found
        .iter()
        .map(|t| {
            (
                t.tool.name(),
                t.table.as_str(),
                t.through.as_deref(),
                t.applied.iter().map(String::as_str).collect(),
                t.unsettled.iter().map(|u| u.version.as_str()).collect(),
            )
        })
        .collect();
    let mut expected = vec![
        (
            "Flyway",
            "flyway_schema_history",
            Some("1"),
            vec!["1.1"],
            vec!["2"],
        ),
        (
            "golang-migrate",
            "schema_migrations",
            Some("3"),
            vec![],
            vec![],
        ),
        ("goose", "goose_db_version", None, vec!["1"], vec![]),
        ("sqlx", "_sqlx_migrations", None, vec!["1"], vec!["2"]),
    ];
    if db.dialect() == Dialect::Postgres {
        expected.insert(
            0,
            (
                "Atlas",
                "atlas_schema_revisions.atlas_schema_revisions",
                None,
                vec![],
                vec!["20220318104614"],
            ),
        );
    }
    assert_eq!(seen, expected);
    let golang = found.iter().find(|t| t.tool.name() == "golang-migrate");
    assert!(golang.is_some_and(|t| t.in_own_schema));
    read_only.close().await;
    // The configured name is golang-migrate's table: the lock refuses, creating nothing.
    let error = session.try_lock(&holder("run-a"), T0).await.unwrap_err();
    assert_eq!(error.kind, driver::ErrorKind::NotOurs, "{error}");
    assert_eq!(session.read_lock().await.unwrap(), None);
    assert_eq!(tables(&mut session).await, before);
    let version_type = session.other_tools().await.unwrap();
    assert_eq!(version_type.len(), found.len(), "still readable");
    session.close().await;
}

/// `transactional_ddl` says what the database does: a table created in the step's
/// transaction and rolled back is gone exactly where it says true.
async fn transactional_ddl_is_what_the_database_does(db: Fresh) {
    let mut session = db.open().await;
    let transactional = session.transactional_ddl();
    assert_eq!(transactional, driver::transactional_ddl(db.dialect()));
    let begin = session.bookkeeping().begin();
    run(&mut session, begin).await;
    run(&mut session, "CREATE TABLE probe (id INTEGER)").await;
    run(&mut session, "ROLLBACK").await;
    let left = tables(&mut session).await;
    assert_eq!(left == 0, transactional, "{left} tables after ROLLBACK");
    session.close().await;
}

/// `stats` counts the application's tables, never dbfleet's own, and sizes the database.
async fn stats_count_the_applications_tables_only(db: Fresh) {
    let mut session = db.open().await;
    assert_eq!(tables(&mut session).await, 0);
    session.try_lock(&holder("run-a"), T0).await.unwrap();
    assert_eq!(tables(&mut session).await, 0);
    run(&mut session, "CREATE TABLE one (id INTEGER)").await;
    run(&mut session, "CREATE TABLE two (id INTEGER)").await;
    let stats = session.stats().await.unwrap();
    assert_eq!(stats.tables, 2);
    assert!(stats.size_bytes > 0, "{stats:?}");
    session.release_lock(&holder("run-a")).await.unwrap();
    session.close().await;
}

/// `backup` writes a non-empty copy only its owner can read, its size returned, without
/// the lock row of the run that took it.
async fn a_backup_is_a_private_copy_without_the_lock_row(db: Fresh) {
    let a = holder("run-backup-7f3a");
    let mut session = db.open().await;
    session.try_lock(&a, T0).await.unwrap();
    run(&mut session, "CREATE TABLE kept (id INTEGER)").await;
    run(&mut session, "INSERT INTO kept (id) VALUES (1)").await;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("backup");

    let size = session.backup(&dest).await.unwrap();
    let bytes = std::fs::read(&dest).unwrap();
    assert!(size > 0);
    assert_eq!(size, bytes.len() as u64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dest).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    if bytes.starts_with(b"SQLite format 3\0") {
        let mut restored = db.open_copy(&dest).await;
        assert_eq!(restored.read_lock().await.unwrap(), None);
        assert_eq!(tables(&mut restored).await, 1);
        restored.close().await;
    } else {
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("kept"), "the dump misses the table");
        assert!(!text.contains(&a.run_id), "the dump holds the lock row");
    }
    session.release_lock(&a).await.unwrap();
    session.close().await;
}

/// After a migration changed its session (`Fresh::session_changes`: search_path, USE,
/// sql_mode, a pragma, ...), `restore_session` puts it back as opened: the next
/// migration's tables land where the config says, and dbfleet's own rows are written and
/// read back intact, its lock released.
async fn the_session_is_restored_after_a_migration_changed_it(db: Fresh) {
    let a = holder("run-a");
    let mut session = db.open().await;
    session.try_lock(&a, T0).await.unwrap();
    for sql in db.session_changes {
        run(&mut session, sql).await;
    }
    session.restore_session(false).await.unwrap();

    run(&mut session, "CREATE TABLE after_restore (id INTEGER)").await;
    assert_eq!(tables(&mut session).await, 1);
    let book = session.bookkeeping().clone();
    let row = RowValues {
        execution_ms: Some(0),
        ..values("billing", "1", TRICKY, "run-a")
    };
    run(&mut session, &book.record_running(&row)).await;
    run(
        &mut session,
        &book.record_failed("billing", &Version::from(1), TRICKY),
    )
    .await;
    let want = expected(&row, RowStatus::Failed, 0, Some(TRICKY));
    assert_eq!(session.read_applied().await.unwrap(), vec![want]);
    session.heartbeat(&a, T1).await.unwrap();
    assert_eq!(session.read_lock().await.unwrap(), Some(row_of(&a, T0, T1)));

    // The last migration's changes are undone by `release_lock` too.
    for sql in db.session_changes {
        run(&mut session, sql).await;
    }
    session.release_lock(&a).await.unwrap();
    let mut other = db.open().await;
    assert_eq!(other.read_lock().await.unwrap(), None);
    assert_eq!(other.read_applied().await.unwrap().len(), 1);
    other.close().await;
    session.close().await;
}

/// Inside the step's transaction (only where `transactional_ddl`), `restore_session(true)`
/// puts the session back and keeps the transaction: the migration and dbfleet's row
/// commit together.
async fn restoring_inside_a_step_keeps_its_transaction(db: Fresh) {
    let mut session = db.open().await;
    if !session.transactional_ddl() {
        eprintln!(
            "skipped: no step runs in a transaction on {:?}",
            db.dialect()
        );
        return;
    }
    create_tables(&mut session).await;
    let book = session.bookkeeping().clone();
    run(&mut session, book.begin()).await;
    run(&mut session, "CREATE TABLE in_step (id INTEGER)").await;
    for sql in db.session_changes {
        run(&mut session, sql).await;
    }
    session.restore_session(true).await.unwrap();
    let row = values("billing", "1", TRICKY, "run-a");
    run(&mut session, &book.record_applied(&row)).await;
    run(&mut session, "COMMIT").await;

    let want = expected(&row, RowStatus::Applied, 3, None);
    assert_eq!(session.read_applied().await.unwrap(), vec![want]);
    run(&mut session, "CREATE TABLE after_step (id INTEGER)").await;
    assert_eq!(tables(&mut session).await, 2);
    session.close().await;
}

/// A transaction a migration opened and left open is rolled back by `restore_session`
/// and reported; the session goes on in autocommit. (SQLite is exempt: a migration file
/// cannot open one there.)
async fn a_transaction_left_open_is_rolled_back_and_reported(db: Fresh) {
    if db.dialect() == Dialect::Sqlite {
        eprintln!("skipped: a SQLite migration cannot leave a transaction open");
        return;
    }
    let mut session = db.open().await;
    create_tables(&mut session).await;
    let book = session.bookkeeping().clone();
    let lost = values("billing", "1", "lost", "run-a");
    run(&mut session, "BEGIN").await;
    run(&mut session, &book.record_applied(&lost)).await;
    let error = session.restore_session(false).await.unwrap_err();
    assert!(error.message.contains("left a transaction open"), "{error}");
    assert_eq!(session.read_applied().await.unwrap(), Vec::new());

    let kept = values("billing", "2", "kept", "run-a");
    run(&mut session, &book.record_applied(&kept)).await;
    let mut other = db.open().await;
    assert_eq!(other.read_applied().await.unwrap().len(), 1);
    other.close().await;
    session.close().await;
}

/// A migrations table made when versions were integers keeps its rows when `try_lock`
/// widens its `version` column to text, and then records versions no integer holds.
async fn an_integer_version_column_is_widened_with_its_rows(db: Fresh) {
    let mut session = db.open().await;
    let book = session.bookkeeping().clone();
    let integer = match db.dialect() {
        Dialect::Sqlite => "INTEGER",
        Dialect::Postgres | Dialect::Mysql => "BIGINT",
    };
    let create = book.create_tables().swap_remove(0);
    let text = if db.dialect() == Dialect::Sqlite {
        "version TEXT"
    } else {
        "version VARCHAR(64)"
    };
    let old = create.replace(text, &format!("version {integer}"));
    assert_ne!(old, create, "the test builds the old table");
    run(&mut session, &old).await;
    let old_row = values("billing", "20260102030405", TRICKY, "run-0");
    run(&mut session, &book.record_applied(&old_row)).await;
    let a = holder("run-a");
    let attempt = session.try_lock(&a, T0).await.unwrap();
    assert!(matches!(attempt, LockAttempt::Taken { .. }), "{attempt:?}");
    let wide = values("billing", "20210101000000000001000", "pop", "run-a");
    let dotted = values("billing", "1.2.10", "flyway", "run-a");
    run(&mut session, &book.record_applied(&wide)).await;
    run(&mut session, &book.record_applied(&dotted)).await;
    let versions: Vec<String> = session
        .read_applied()
        .await
        .unwrap()
        .iter()
        .map(|r| r.version.to_string())
        .collect();
    assert_eq!(
        versions,
        ["1.2.10", "20260102030405", "20210101000000000001000"]
    );
    session.release_lock(&a).await.unwrap();
    session.close().await;
}

/// Every clause on every dialect; a new dialect is one more line in `dialects`.
macro_rules! contract {
    (dialects: [$($dialect:ident),* $(,)?], clauses: $clauses:tt $(,)?) => {
        $(contract!(@dialect $dialect $clauses);)*
    };
    (@dialect $dialect:ident [$($clause:ident),* $(,)?]) => {
        mod $dialect {
            $(
                #[tokio::test]
                async fn $clause() {
                    if let Some(db) = crate::fresh::$dialect().await {
                        super::$clause(db).await;
                    }
                }
            )*
        }
    };
}

contract! {
    dialects: [
        sqlite,
        postgres,
        mysql,
    ],
    clauses: [
        reads_find_nothing_and_create_nothing,
        the_state_read_at_once_is_the_reads_one_by_one,
        the_lock_is_taken_seen_beaten_released_and_cleared,
        the_servers_own_lock_is_held_while_the_lock_is,
        a_holder_without_a_row_is_named_by_the_server,
        a_row_left_behind_is_taken_over_only_under_the_servers_lock,
        rows_of_every_status_read_back_as_written,
        a_migrations_table_of_another_tool_is_named,
        other_tools_are_read_and_nothing_is_created,
        transactional_ddl_is_what_the_database_does,
        stats_count_the_applications_tables_only,
        a_backup_is_a_private_copy_without_the_lock_row,
        the_session_is_restored_after_a_migration_changed_it,
        restoring_inside_a_step_keeps_its_transaction,
        a_transaction_left_open_is_rolled_back_and_reported,
        an_integer_version_column_is_widened_with_its_rows,
    ],
}
