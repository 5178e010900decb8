//! Fleets, statuses, plans and runs built in memory, the way the engine builds them, for
//! the console's tests and the render benchmark. Nothing here reads a file or a clock:
//! times are fixed strings and the console clock is set by hand, so a snapshot taken
//! today matches one taken next year.
//!
//! The demo fleet mirrors `config.yaml` and `migrations/` after `dbfleet demo reset`: six
//! SQLite `*_service` databases and the shared set `cross_service`. `every_state_fleet`
//! adds five databases on other drivers, one per state the demo does not reach, so one
//! screen can show them all.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::model::{DbInfo, FleetInfo, MigrationInfo, SetInfo, matcher};
use super::msg::{Msg, PlanResult};
use super::progress::RunProgress;
use super::state::{Screen, State};
use super::theme::Theme;
use super::update::update;
use dbfleet_core::catalog::{Statement, Version};
use dbfleet_core::config::EntryError;
use dbfleet_core::dialect::Dialect;
use dbfleet_core::driver::{AppliedRow, LockRow, RowStatus};
use dbfleet_core::engine::dryrun::DatabasePlan;
use dbfleet_core::engine::lock::LockState;
use dbfleet_core::engine::plan::PlannedStep;
use dbfleet_core::engine::status::{DatabaseStatus, MigrationState, MigrationStatus, SetStatus};
use dbfleet_core::engine::{Direction, EngineError, Outcome, RunEvent};

/// The console clock of every fixture state, in ms since the console opened.
pub const NOW_MS: u64 = 95_000;
/// When the last status refresh started: a few seconds before `NOW_MS`, so the one read
/// left in flight shows a small, fixed wait.
pub const READ_STARTED_MS: u64 = NOW_MS - 3_200;
/// When the fixture run started (console clock).
pub const RUN_STARTED_MS: u64 = NOW_MS - 4_000;
pub const APPLIED_AT: &str = "2026-11-23T09:12:41.318Z";
pub const APPLIED_BY: &str = "deploy@ops-1";
pub const SHARED_SET: &str = "cross_service";
pub const RUN_ID: &str = "20261123T101455.120Z-ops-1-31337";
pub const RUN_BY: &str = "deploy@ops-1";
pub const STALE_HOLDER: &str = "deploy@ci-runner-7";
pub const LIVE_HOLDER: &str = "deploy@ci-runner-3";

/// What a database is made to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    UpToDate,
    /// Its own set is done; the shared set's last step is not.
    MissingShared,
    /// About half of its own set still pending.
    Pending,
    /// Its last own step stopped half-way.
    Dirty,
    /// Up to date, with the lock of a run that vanished.
    StaleLock,
    /// Up to date, with the lock of a run that is alive right now.
    HeldLock,
    /// Up to date, but one applied file changed since.
    Drift,
    Unreachable,
    /// A broken config entry: the console never reads it.
    Misconfigured,
    /// Its first status read has not come back.
    NotRead,
}

/// The demo fleet's databases, in config order, with what `demo reset` makes each show.
pub const DEMO: &[(&str, Shape)] = &[
    ("shared_service", Shape::UpToDate),
    ("user_service", Shape::MissingShared),
    ("product_service", Shape::UpToDate),
    ("order_service", Shape::Pending),
    ("message_service", Shape::Dirty),
    ("analytics_service", Shape::StaleLock),
];

/// The states the demo does not reach, on the drivers it does not use.
pub const EXTRA: &[(&str, Shape)] = &[
    ("billing_ledger", Shape::Drift),
    ("search_index", Shape::HeldLock),
    ("inventory_eu", Shape::Unreachable),
    ("reports_legacy", Shape::Misconfigured),
    ("archive_2019", Shape::NotRead),
];

const MISCONFIGURED: &str = "config.yaml:41:5: databases.reports_legacy: no `database:` name";

/// Each database's own migrations, as in `migrations/`.
fn own_migrations(name: &str) -> &'static [&'static str] {
    match name {
        "shared_service" => &[
            "create_system_configs",
            "create_dictionaries",
            "create_audit_logs",
        ],
        "user_service" => &[
            "create_users",
            "create_profiles",
            "create_auth_tokens",
            "add_oauth_providers",
        ],
        "product_service" => &[
            "create_categories",
            "create_products",
            "create_inventory",
            "add_product_variants",
        ],
        "order_service" => &[
            "create_orders",
            "create_order_items",
            "create_payments",
            "add_shipping_info",
        ],
        "message_service" => &[
            "create_templates",
            "create_messages",
            "create_subscriptions",
        ],
        "analytics_service" => &["create_events", "create_metrics", "create_reports"],
        _ => &[
            "create_accounts",
            "create_ledger",
            "add_indexes",
            "add_audit_columns",
        ],
    }
}

const SHARED_MIGRATIONS: &[&str] = &["add_distributed_locks", "add_event_sourcing"];

fn depends_on(name: &str) -> Vec<String> {
    let on: &[&str] = match name {
        "user_service" | "product_service" => &["shared_service"],
        "order_service" | "message_service" | "analytics_service" => {
            &["user_service", "product_service"]
        }
        _ => &[],
    };
    on.iter().map(|s| (*s).to_owned()).collect()
}

fn db_info(name: &str, shape: Shape) -> DbInfo {
    let (driver, server) = match name {
        "billing_ledger" => (
            Some(Dialect::Postgres),
            Some("billing@pg-1.internal:5432/billing".to_owned()),
        ),
        "search_index" => (
            Some(Dialect::Mysql),
            Some("search@mysql-2.internal:3306/search".to_owned()),
        ),
        "inventory_eu" => (
            Some(Dialect::Postgres),
            Some("inventory@pg-eu-1.internal:5432/inventory".to_owned()),
        ),
        _ if shape == Shape::Misconfigured => (None, None),
        _ => (Some(Dialect::Sqlite), Some(format!("data/{name}.db"))),
    };
    DbInfo {
        name: name.to_owned(),
        driver,
        server,
        config_error: (shape == Shape::Misconfigured).then(|| MISCONFIGURED.to_owned()),
        depends_on: depends_on(name),
        has_own_set: shape != Shape::Misconfigured,
    }
}

/// A fleet of `databases` with the shared set targeting `*_service`, as `set.yaml` says.
fn fleet_of(databases: Vec<DbInfo>, patterns: &[&str]) -> FleetInfo {
    let targets = matcher("*_service");
    let targeted = databases
        .iter()
        .map(|d| targets.as_ref().is_ok_and(|m| m.is_match(&d.name)))
        .collect();
    let shared = SetInfo {
        name: SHARED_SET.to_owned(),
        migrations: SHARED_MIGRATIONS
            .iter()
            .enumerate()
            .map(|(i, name)| MigrationInfo {
                id: format!("{SHARED_SET}/{:03}_{name}", i + 1),
                version: (i as u64 + 1).into(),
                label: format!("{:03}_{name}", i + 1),
            })
            .collect(),
        targeted,
    };
    FleetInfo {
        config_path: "config.yaml".to_owned(),
        environment: Some("demo".to_owned()),
        protect: Vec::new(),
        read_only: false,
        max_failures: None,
        databases,
        shared_sets: vec![shared],
        patterns: patterns.iter().map(|p| (*p).to_owned()).collect(),
    }
}

/// The demo fleet of `config.yaml`.
pub fn demo_fleet() -> FleetInfo {
    fleet_of(
        DEMO.iter()
            .map(|(name, shape)| db_info(name, *shape))
            .collect(),
        &["*_service", "user_*", "order_*"],
    )
}

/// The demo fleet and `EXTRA`: every state a database can be in, on one screen.
pub fn every_state_fleet() -> FleetInfo {
    fleet_of(
        DEMO.iter()
            .chain(EXTRA)
            .map(|(name, shape)| db_info(name, *shape))
            .collect(),
        &["*_service", "user_*", "order_*"],
    )
}

/// The shape `name` was given by `DEMO`, `EXTRA` or `big_fleet`.
pub fn shape_of(name: &str) -> Shape {
    if let Some((_, shape)) = DEMO.iter().chain(EXTRA).find(|(n, _)| *n == name) {
        return *shape;
    }
    name.strip_prefix("tenant_")
        .and_then(|rest| rest.split('_').next())
        .and_then(|n| n.parse::<usize>().ok())
        .map_or(Shape::UpToDate, big_shape)
}

fn migration(
    set: &str,
    version: u64,
    name: &str,
    state: MigrationState,
    statements: u32,
) -> MigrationStatus {
    let recorded = state != MigrationState::Pending;
    let done = match state {
        MigrationState::Applied | MigrationState::Missing => statements,
        MigrationState::Pending => 0,
        _ => 1,
    };
    MigrationStatus {
        id: format!("{set}/{version:03}_{name}"),
        version: version.into(),
        version_text: format!("{version:03}"),
        name: name.to_owned(),
        state,
        applied_at: recorded.then(|| APPLIED_AT.to_owned()),
        applied_by: recorded.then(|| APPLIED_BY.to_owned()),
        execution_ms: recorded.then_some(3 + 11 * version as i64),
        checksum_ok: recorded.then_some(true),
        statements_done: recorded.then_some(done),
        statements_total: recorded.then_some(statements),
        error: (state == MigrationState::Failed)
            .then(|| format!("the connection dropped after statement 1 of {statements}")),
        reversible: true,
        out_of_order: false,
    }
}

fn set_status(set: &str, shared: bool, migrations: Vec<MigrationStatus>) -> SetStatus {
    SetStatus::counted(set, shared, Vec::new(), migrations)
}

fn lock(holder: &str, stale: bool) -> LockState {
    let host = holder.split('@').nth(1).unwrap_or("ops-1").to_owned();
    let (run_id, since, heartbeat, age) = if stale {
        (
            "20261123T090000.000Z-ci-runner-7-4242",
            "2026-11-23T09:00:00.000Z",
            "2026-11-23T09:00:00.000Z",
            3817,
        )
    } else {
        (
            "20261123T101450.004Z-ci-runner-3-9120",
            "2026-11-23T10:14:50.004Z",
            "2026-11-23T10:15:35.912Z",
            2,
        )
    };
    LockState {
        row: LockRow {
            holder: holder.to_owned(),
            host,
            pid: if stale { 4242 } else { 9120 },
            run_id: run_id.to_owned(),
            acquired_at: since.to_owned(),
            heartbeat_at: heartbeat.to_owned(),
        },
        stale,
        heartbeat_age_secs: Some(age),
    }
}

/// The status a read of `db` would bring back, or `None` for a read still in flight.
pub fn status(fleet: &FleetInfo, db: usize, shape: Shape) -> Option<DatabaseStatus> {
    let info = fleet.databases.get(db)?;
    let name = info.name.as_str();
    let mut status = DatabaseStatus {
        driver: info.driver,
        server: info.server.clone(),
        ..DatabaseStatus::new(name)
    };
    match shape {
        Shape::NotRead => return None,
        Shape::Misconfigured => {
            status.error = Some(EngineError::Misconfigured(EntryError(
                info.config_error
                    .clone()
                    .unwrap_or_else(|| MISCONFIGURED.to_owned()),
            )));
            return Some(status);
        }
        Shape::Unreachable => {
            status.error = Some(EngineError::Unreachable(format!(
                "cannot connect to {}: Connection refused (os error 111)",
                info.server.as_deref().unwrap_or(name)
            )));
            return Some(status);
        }
        _ => {}
    }
    let own = own_migrations(name);
    let own_done = match shape {
        Shape::Pending => own.len() / 2,
        Shape::Dirty => own.len().saturating_sub(1),
        _ => own.len(),
    };
    let mut own_status: Vec<MigrationStatus> = own
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let state = if i < own_done {
                MigrationState::Applied
            } else if shape == Shape::Dirty {
                MigrationState::Failed
            } else {
                MigrationState::Pending
            };
            migration(name, i as u64 + 1, m, state, 2 + (i as u32 % 3) * 2)
        })
        .collect();
    if shape == Shape::Drift
        && let Some(m) = own_status.get_mut(1)
    {
        m.checksum_ok = Some(false);
        status.drift.push(m.id.clone());
    }
    status.sets.push(set_status(name, false, own_status));

    let shared = fleet.shared_sets.first();
    if shared.is_some_and(|s| s.targeted.get(db).copied().unwrap_or(false)) {
        let shared_done = if shape == Shape::MissingShared {
            SHARED_MIGRATIONS.len() - 1
        } else {
            SHARED_MIGRATIONS.len()
        };
        let migrations = SHARED_MIGRATIONS
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let state = if i < shared_done {
                    MigrationState::Applied
                } else {
                    MigrationState::Pending
                };
                migration(SHARED_SET, i as u64 + 1, m, state, 3 + 3 * i as u32)
            })
            .collect();
        status.sets.push(set_status(SHARED_SET, true, migrations));
    }

    status.exists = true;
    status.applied = status.sets.iter().map(|s| s.applied).sum();
    status.pending = status.sets.iter().map(|s| s.pending).sum();
    status.last_version = status.sets.first().and_then(|s| s.last_version.clone());
    status.dirty = shape == Shape::Dirty;
    status.tables = Some(2 + status.applied as u64);
    status.size_bytes = Some(4096 * (20 + 4 * status.applied as u64));
    status.lock = match shape {
        Shape::StaleLock => Some(lock(STALE_HOLDER, true)),
        Shape::HeldLock => Some(lock(LIVE_HOLDER, false)),
        _ => None,
    };
    Some(status)
}

/// A console on `fleet` at `size`, its clock at `NOW_MS`, before it asked for anything.
pub fn blank_state(fleet: FleetInfo, size: (u16, u16)) -> State {
    let mut state = State::new(fleet, Theme::default(), size);
    // The screens as the operator left them on own sets; the set the console picks on
    // its own once statuses are in has tests of its own.
    state.set_chosen = true;
    state.now_ms = NOW_MS;
    state
}

/// The first frames: every status read asked for a couple of seconds ago, none back yet.
pub fn fresh_state(fleet: FleetInfo, size: (u16, u16)) -> State {
    let mut state = blank_state(fleet, size);
    state.now_ms = READ_STARTED_MS;
    let _ = state.start();
    state.now_ms = NOW_MS;
    state
}

/// Every status back from the reads (except the shapes still reading), through `update`
/// as the workers deliver them.
pub fn loaded_state(fleet: FleetInfo, size: (u16, u16)) -> State {
    let mut state = fresh_state(fleet, size);
    state.now_ms = READ_STARTED_MS;
    for db in 0..state.fleet.databases.len() {
        let name = state.fleet.databases[db].name.clone();
        let shape = shape_of(&name);
        if let Some(status) = status(&state.fleet, db, shape) {
            update(
                &mut state,
                Msg::Status {
                    database: name,
                    status: Box::new(status),
                },
            );
        }
    }
    state.now_ms = NOW_MS;
    state
}

/// `name`'s status says golang-migrate manages it (`summary`: `at version 3`), not dbfleet.
pub fn managed_by_golang_migrate(state: &mut State, name: &str, summary: &str) {
    let Some(status) = state
        .dbs
        .iter_mut()
        .find(|d| d.info.name == name)
        .and_then(|d| d.status.as_mut())
    else {
        panic!("{name} has no status");
    };
    status.managed_by = Some(dbfleet_core::engine::status::ManagedBy {
        tool: "golang-migrate".into(),
        table: "schema_migrations".into(),
        summary: summary.into(),
        advice: format!("run `dbfleet adopt -d {name}`"),
    });
}

/// The demo fleet with its statuses in.
pub fn demo_state(size: (u16, u16)) -> State {
    loaded_state(demo_fleet(), size)
}

/// A key as crossterm reports it.
pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn char_key(c: char) -> Msg {
    key(KeyCode::Char(c))
}

/// Types `text`, one key per character.
pub fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        update(state, char_key(c));
    }
}

/// The statements of the two pending order_service steps, as the SQLite files hold them.
const PAYMENTS: &[&str] = &[
    "-- order_service 003: 支付记录 (SQLite)\n-- One order can have several payment attempts; at most one succeeds.\nCREATE TABLE payments (\n    id                INTEGER PRIMARY KEY AUTOINCREMENT,\n    payment_no        VARCHAR(32)   NOT NULL UNIQUE,      -- 支付流水号\n    order_id          INTEGER       NOT NULL REFERENCES orders (id),\n    channel           VARCHAR(20)   NOT NULL\n                      CHECK (channel IN ('alipay', 'wechat_pay', 'union_pay', 'card', 'balance')),\n    amount            DECIMAL(12,2) NOT NULL CHECK (amount > 0),\n    currency          CHAR(3)       NOT NULL DEFAULT 'CNY',\n    status            VARCHAR(16)   NOT NULL DEFAULT 'pending',\n    paid_at           DATETIME,\n    created_at        DATETIME      NOT NULL DEFAULT CURRENT_TIMESTAMP\n)",
    "CREATE INDEX idx_payments_order  ON payments (order_id)",
    "CREATE INDEX idx_payments_status ON payments (status, created_at)",
];

const SHIPPING: &[&str] = &[
    "-- order_service 004: 物流信息 (SQLite)\nALTER TABLE orders ADD COLUMN receiver_name VARCHAR(50)",
    "ALTER TABLE orders ADD COLUMN receiver_phone VARCHAR(20)",
    "ALTER TABLE orders ADD COLUMN shipping_address TEXT",
    "ALTER TABLE orders ADD COLUMN shipping_method VARCHAR(20) NOT NULL DEFAULT 'express'",
    "ALTER TABLE orders ADD COLUMN shipped_at DATETIME",
    "CREATE TABLE shipments (\n    id               INTEGER PRIMARY KEY AUTOINCREMENT,\n    shipment_no      VARCHAR(32)  NOT NULL UNIQUE,\n    order_id         INTEGER      NOT NULL REFERENCES orders (id),\n    carrier_code     VARCHAR(16)  NOT NULL,                -- sf / jd / zto / yto / ems\n    tracking_no      VARCHAR(64)\n)",
    "CREATE INDEX idx_shipments_order    ON shipments (order_id)",
    "CREATE INDEX idx_shipments_tracking ON shipments (carrier_code, tracking_no)",
];

fn statements_of(database: &str, name: &str, direction: Direction) -> Vec<Statement> {
    let texts: Vec<String> = match (database, name, direction) {
        ("order_service", "create_payments", Direction::Up) => {
            PAYMENTS.iter().map(|s| (*s).to_owned()).collect()
        }
        ("order_service", "add_shipping_info", Direction::Up) => {
            SHIPPING.iter().map(|s| (*s).to_owned()).collect()
        }
        // The demo's own comment, wider in columns than in characters.
        (_, "add_event_sourcing", Direction::Up) => vec![
            "-- cross_service 002: 事件溯源 + 事务发件箱（所有服务数据库） (SQLite)\n-- event_store   : append-only domain events, one stream per aggregate\nCREATE TABLE event_store (\n    id                    INTEGER PRIMARY KEY AUTOINCREMENT,   -- global order within this database\n    event_id              VARCHAR(36)  NOT NULL UNIQUE,\n    aggregate_type        VARCHAR(64)  NOT NULL,               -- Order / User / Product ...\n    payload               TEXT         NOT NULL CHECK (json_valid(payload))\n)".to_owned(),
            "CREATE INDEX idx_event_store_type ON event_store (aggregate_type)".to_owned(),
        ],
        (_, name, Direction::Up) => vec![format!(
            "CREATE TABLE {} (\n    id INTEGER PRIMARY KEY AUTOINCREMENT,\n    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP\n)",
            name.trim_start_matches("create_")
                .trim_start_matches("add_")
        )],
        (_, name, Direction::Down) => vec![format!(
            "DROP TABLE IF EXISTS {}",
            name.trim_start_matches("create_")
                .trim_start_matches("add_")
        )],
    };
    let mut line = 1;
    texts
        .into_iter()
        .map(|sql| {
            let statement = Statement { sql, line };
            line += statement.sql.lines().count() + 1;
            statement
        })
        .collect()
}

fn step(
    database: &str,
    set: &str,
    version: &Version,
    name: &str,
    direction: Direction,
) -> PlannedStep {
    let file = match direction {
        Direction::Up => format!("{version:0>3}_{name}.sqlite.up.sql"),
        Direction::Down => format!("{version:0>3}_{name}.down.sql"),
    };
    PlannedStep {
        migration: format!("{set}/{version:0>3}_{name}"),
        set: set.to_owned(),
        version: version.clone(),
        version_text: format!("{version:0>3}"),
        name: name.to_owned(),
        direction,
        path: PathBuf::from("migrations").join(set).join(file),
        checksum: checksum(&format!("{set}/{version}/{name}")),
        statements: statements_of(database, name, direction),
        transactional: true,
        outside_transaction: None,
        findings: Vec::new(),
    }
}

/// A stable stand-in for a file's SHA-256: 64 hex digits that differ per file.
fn checksum(seed: &str) -> String {
    // FNV-1a, then a splitmix64 stream: stable across runs and platforms, unlike Hash.
    let mut state = seed.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let mut out = String::with_capacity(64);
    for _ in 0..4 {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.push_str(&format!("{:016x}", z ^ (z >> 31)));
    }
    out
}

/// The SQL as `plan::render_sql` lays it out for a transactional SQLite step.
fn render_sql(steps: &[PlannedStep]) -> String {
    let mut out = String::new();
    for step in steps {
        let count = step.statements.len();
        for finding in &step.findings {
            out.push_str(&format!(
                "-- lint: line {}: {}\n",
                finding.line,
                finding.summary()
            ));
        }
        out.push_str(&format!(
            "-- {} {} ({}, {count} statement{})\n",
            step.direction,
            step.migration,
            step.file_label(),
            if count == 1 { "" } else { "s" }
        ));
        out.push_str("BEGIN;\n");
        for statement in &step.statements {
            out.push_str(&statement.sql);
            out.push_str(";\n");
        }
        match step.direction {
            Direction::Up => out.push_str(&format!(
                "INSERT INTO \"schema_migrations\" (migration_set, version, name, checksum, status, statements_done, statements_total, applied_at, execution_ms, applied_by, run_id) VALUES ('{}', {}, '{}', '{}', 'applied', {count}, {count}, :applied_at, :execution_ms, '{APPLIED_BY}', :run_id);\n",
                step.set, step.version, step.name, step.checksum
            )),
            Direction::Down => out.push_str(&format!(
                "DELETE FROM \"schema_migrations\" WHERE migration_set = '{}' AND version = {};\n",
                step.set, step.version
            )),
        }
        out.push_str("COMMIT;\n\n");
    }
    out
}

/// What the engine's dry run answers for `database` of `fleet`: `up` runs every pending
/// step of the set, `down` reverts the last applied one.
pub fn plan(
    fleet: &FleetInfo,
    database: &str,
    set: Option<&str>,
    direction: Direction,
) -> DatabasePlan {
    let set_name = set.unwrap_or(database).to_owned();
    let index = fleet.databases.iter().position(|d| d.name == database);
    let info = index.and_then(|i| fleet.databases.get(i));
    let mut plan = DatabasePlan {
        database: database.to_owned(),
        driver: info.and_then(|d| d.driver),
        server: info.and_then(|d| d.server.clone()),
        set: set_name.clone(),
        steps: Vec::new(),
        refused: None,
        pending_elsewhere: Vec::new(),
        sql: String::new(),
    };
    // The dry run reads the database itself, so a read the console still waits for
    // makes no difference to it.
    let shape = match shape_of(database) {
        Shape::NotRead => Shape::UpToDate,
        shape => shape,
    };
    let status = index.and_then(|i| status(fleet, i, shape));
    match (shape, &status) {
        (Shape::Misconfigured, _) | (_, None) => {
            plan.refused = Some(
                status
                    .and_then(|s| s.error)
                    .unwrap_or(EngineError::NotInConfig),
            );
            return plan;
        }
        (_, Some(s)) if s.error.is_some() => {
            plan.refused.clone_from(&s.error);
            return plan;
        }
        (Shape::Dirty, Some(s)) => {
            // The row the engine reads back, as the status shows it (without its error).
            let stuck = s.sets.iter().find_map(|set| {
                let m = set.migrations.iter().find(|m| m.state.is_dirty())?;
                Some(Box::new(AppliedRow {
                    set: set.set.clone(),
                    version: m.version.clone(),
                    name: m.name.clone(),
                    checksum: String::new(),
                    status: RowStatus::Failed,
                    statements_done: m.statements_done.unwrap_or(0),
                    statements_total: m.statements_total.unwrap_or(0),
                    error: None,
                    applied_at: String::new(),
                    execution_ms: 0,
                    applied_by: String::new(),
                    run_id: String::new(),
                }))
            });
            plan.refused = stuck.map(|row| EngineError::Dirty {
                database: database.to_owned(),
                row,
            });
            return plan;
        }
        (Shape::StaleLock, _) => {
            plan.refused = Some(EngineError::StaleLock {
                database: database.to_owned(),
                lock: Box::new(lock(STALE_HOLDER, true).row),
            });
            return plan;
        }
        _ => {}
    }
    let Some(set_status) = status
        .as_ref()
        .and_then(|s| s.sets.iter().find(|x| x.set == set_name))
    else {
        return plan;
    };
    let chosen: Vec<&MigrationStatus> = match direction {
        Direction::Up => set_status
            .migrations
            .iter()
            .filter(|m| m.state == MigrationState::Pending)
            .collect(),
        Direction::Down => set_status
            .migrations
            .iter()
            .rfind(|m| m.state == MigrationState::Applied)
            .into_iter()
            .collect(),
    };
    plan.steps = chosen
        .iter()
        .map(|m| step(database, &set_name, &m.version, &m.name, direction))
        .collect();
    plan.sql = render_sql(&plan.steps);
    plan
}

/// The dry run of `databases`; those the shared set does not target are left out, as the
/// engine's selection leaves them out.
pub fn plan_result(
    fleet: &FleetInfo,
    databases: &[String],
    set: Option<&str>,
    direction: Direction,
) -> PlanResult {
    let shared = set.and_then(|s| fleet.shared_sets.iter().find(|x| x.name == s));
    let mut result = PlanResult {
        plans: Vec::new(),
        not_targeted: Vec::new(),
        misconfigured: Vec::new(),
        passes: Vec::new(),
    };
    for name in databases {
        let index = fleet.databases.iter().position(|d| &d.name == name);
        let targeted = match (shared, index) {
            (Some(set), Some(i)) => set.targeted.get(i).copied().unwrap_or(false),
            _ => true,
        };
        if !targeted {
            result.not_targeted.push(name.clone());
        } else if shape_of(name) == Shape::Misconfigured {
            result.misconfigured.push(name.clone());
        } else {
            result.plans.push(plan(fleet, name, set, direction));
        }
    }
    result
}

/// `up` on the demo fleet's six databases with their own sets: three have nothing to do,
/// order_service is half-way through its second step, message_service (dirty) and
/// analytics_service (stale lock) were refused. Console clock first.
pub fn run_events_midway() -> Vec<(u64, RunEvent)> {
    let names: Vec<String> = DEMO.iter().map(|(n, _)| (*n).to_owned()).collect();
    let t = RUN_STARTED_MS;
    let fleet = demo_fleet();
    let refusal = |db: &str| {
        plan(&fleet, db, None, Direction::Up)
            .refused
            .unwrap_or(EngineError::NotInConfig)
    };
    let up_to_date = |at: u64, db: &str| {
        vec![
            (
                at,
                RunEvent::Started {
                    database: db.to_owned(),
                    steps: 0,
                },
            ),
            (
                at + 12,
                RunEvent::Finished {
                    database: db.to_owned(),
                    outcome: Outcome::UpToDate,
                    duration_ms: 12,
                },
            ),
        ]
    };
    let mut events = vec![(
        t,
        RunEvent::RunStarted {
            run_id: RUN_ID.to_owned(),
            by: RUN_BY.to_owned(),
            command: "console up".to_owned(),
            direction: Direction::Up,
            databases: names,
            set: None,
        },
    )];
    for db in [
        "user_service",
        "product_service",
        "order_service",
        "message_service",
        "analytics_service",
    ] {
        events.push((
            t + 5,
            RunEvent::Waiting {
                database: db.to_owned(),
                on: depends_on(db),
            },
        ));
    }
    events.extend(up_to_date(t + 40, "shared_service"));
    events.extend(up_to_date(t + 90, "user_service"));
    events.extend(up_to_date(t + 95, "product_service"));
    for (at, db) in [(t + 150, "message_service"), (t + 160, "analytics_service")] {
        events.push((
            at,
            RunEvent::Finished {
                database: db.to_owned(),
                outcome: Outcome::Refused {
                    reason: refusal(db),
                },
                duration_ms: 8,
            },
        ));
    }
    let db = "order_service".to_owned();
    let payments = "order_service/003_create_payments".to_owned();
    let shipping = "order_service/004_add_shipping_info".to_owned();
    events.extend([
        (
            t + 140,
            RunEvent::Started {
                database: db.clone(),
                steps: 2,
            },
        ),
        (
            t + 180,
            RunEvent::Backup {
                database: db.clone(),
                path: "data/backups/order_service-20261123T101455.db".to_owned(),
                bytes: 118_784,
            },
        ),
        (
            t + 420,
            RunEvent::StepStarted {
                database: db.clone(),
                migration: payments.clone(),
                index: 1,
                total: 2,
                statements: PAYMENTS.len(),
            },
        ),
    ]);
    for i in 1..=PAYMENTS.len() {
        events.push((
            t + 420 + 200 * i as u64,
            RunEvent::Statement {
                database: db.clone(),
                migration: payments.clone(),
                index: i,
                total: PAYMENTS.len(),
                line: 1 + 15 * (i - 1),
            },
        ));
    }
    events.extend([
        (
            t + 1_250,
            RunEvent::StepFinished {
                database: db.clone(),
                migration: payments,
                duration_ms: 830,
            },
        ),
        (
            t + 1_260,
            RunEvent::StepStarted {
                database: db.clone(),
                migration: shipping.clone(),
                index: 2,
                total: 2,
                statements: SHIPPING.len(),
            },
        ),
    ]);
    for i in 1..=5 {
        events.push((
            t + 1_260 + 400 * i as u64,
            RunEvent::Statement {
                database: db.clone(),
                migration: shipping.clone(),
                index: i,
                total: SHIPPING.len(),
                line: 2 + i,
            },
        ));
    }
    // In the order they happen, as the engine's channel delivers them.
    events.sort_by_key(|(at, _)| *at);
    events
}

/// The rest of `run_events_midway`'s run: order_service finishes, and so does the run.
pub fn run_events_to_the_end() -> Vec<(u64, RunEvent)> {
    let t = RUN_STARTED_MS;
    let db = "order_service".to_owned();
    let shipping = "order_service/004_add_shipping_info".to_owned();
    let mut events: Vec<(u64, RunEvent)> = (6..=SHIPPING.len())
        .map(|i| {
            (
                t + 4_100 + 300 * i as u64,
                RunEvent::Statement {
                    database: db.clone(),
                    migration: shipping.clone(),
                    index: i,
                    total: SHIPPING.len(),
                    line: 2 + i,
                },
            )
        })
        .collect();
    let fleet = demo_fleet();
    let outcomes: Vec<(String, Outcome)> = DEMO
        .iter()
        .map(|(name, shape)| {
            let outcome = match shape {
                Shape::Pending => Outcome::Succeeded { applied: 2 },
                Shape::Dirty | Shape::StaleLock => Outcome::Refused {
                    reason: plan(&fleet, name, None, Direction::Up)
                        .refused
                        .unwrap_or(EngineError::NotInConfig),
                },
                _ => Outcome::UpToDate,
            };
            ((*name).to_owned(), outcome)
        })
        .collect();
    events.extend([
        (
            t + 7_020,
            RunEvent::StepFinished {
                database: db.clone(),
                migration: shipping,
                duration_ms: 5_760,
            },
        ),
        (
            t + 7_030,
            RunEvent::Finished {
                database: db,
                outcome: Outcome::Succeeded { applied: 2 },
                duration_ms: 6_890,
            },
        ),
        (
            t + 7_040,
            RunEvent::RunFinished {
                run_id: RUN_ID.to_owned(),
                outcomes,
                duration_ms: 7_040,
                cancelled: false,
            },
        ),
    ]);
    events
}

/// Feeds `events` through `update` at their console times.
pub fn apply_events(state: &mut State, events: Vec<(u64, RunEvent)>) {
    for (at, event) in events {
        state.now_ms = at;
        update(state, Msg::Run(event));
    }
}

/// The demo fleet, all six marked, the run view open on `run_events_midway` (and, when
/// `finished`, `run_events_to_the_end`), the clock a moment after the last event.
pub fn run_state(size: (u16, u16), finished: bool) -> State {
    let mut state = demo_state(size);
    for db in &mut state.dbs {
        db.marked = true;
    }
    let names: Vec<String> = state.dbs.iter().map(|d| d.info.name.clone()).collect();
    state.run = Some(RunProgress::new(
        Direction::Up,
        None,
        &names,
        RUN_STARTED_MS,
    ));
    state.screens = vec![Screen::Run];
    apply_events(&mut state, run_events_midway());
    let mut now = NOW_MS;
    if finished {
        apply_events(&mut state, run_events_to_the_end());
        now = RUN_STARTED_MS + 7_500;
    }
    state.now_ms = now;
    state
}

fn big_shape(i: usize) -> Shape {
    // Mostly healthy, as real fleets are, with every problem somewhere on each page.
    match i % 20 {
        3 => Shape::Pending,
        7 => Shape::MissingShared,
        11 => Shape::Dirty,
        13 => Shape::StaleLock,
        14 => Shape::HeldLock,
        16 => Shape::Drift,
        17 => Shape::Unreachable,
        19 => Shape::NotRead,
        _ => Shape::UpToDate,
    }
}

/// `n` tenant databases behind one PostgreSQL server each group of 50, all targeted by
/// the shared set, for the thousand-panel benchmark.
pub fn big_fleet(n: usize) -> FleetInfo {
    let databases = (0..n)
        .map(|i| DbInfo {
            name: format!("tenant_{i:04}_service"),
            driver: Some(Dialect::Postgres),
            server: Some(format!("app@pg-{}.internal:5432/tenant_{i:04}", i / 50 + 1)),
            config_error: None,
            depends_on: Vec::new(),
            has_own_set: true,
        })
        .collect();
    let mut fleet = fleet_of(databases, &["tenant_00*", "tenant_01*", "*_service"]);
    fleet.environment = Some("staging".to_owned());
    fleet
}

/// `big_fleet(n)` with every status in, as the benchmark draws it.
pub fn big_state(n: usize, size: (u16, u16)) -> State {
    loaded_state(big_fleet(n), size)
}

/// A journal read back: a finished run with a refusal, an unlock, and a run whose process
/// died (no end in the journal).
pub fn journal_entries() -> Vec<dbfleet_core::engine::journal::JournalEntry> {
    use dbfleet_core::engine::journal::{EntryOutcome, JournalEntry};
    let outcome = |db: &str, outcome: &str, detail: Option<&str>| EntryOutcome {
        database: db.into(),
        outcome: outcome.into(),
        detail: detail.map(str::to_owned),
        kind: None,
    };
    let run = |run_id: &str, at: &str| JournalEntry {
        run_id: run_id.into(),
        at: at.into(),
        by: Some("ops@deploy-1".into()),
        command: "dbfleet up --patterns=*_service".into(),
        direction: Some("up".into()),
        set: None,
        databases: DEMO.iter().map(|(n, _)| (*n).to_owned()).collect(),
        outcomes: Vec::new(),
        duration_ms: Some(840),
        cancelled: false,
        unfinished: false,
        repairs: Vec::new(),
        lock_notes: Vec::new(),
    };
    let mut first = run("r1", "2026-11-23T09:12:03.120Z");
    first.outcomes = vec![
        outcome("shared_service", "up to date", None),
        outcome("user_service", "succeeded", None),
        outcome(
            "message_service",
            "refused",
            Some(
                "database is dirty: its up of message_service/003_create_subscriptions stopped after 1 of 2 statements (failed)",
            ),
        ),
    ];
    let unlock = JournalEntry {
        run_id: "r2".into(),
        at: "2026-11-23T09:20:41.004Z".into(),
        command: "unlock".into(),
        direction: None,
        databases: Vec::new(),
        duration_ms: None,
        repairs: vec!["analytics_service: cleared the lock of deploy@ci-runner-7".into()],
        ..run("r2", "2026-11-23T09:20:41.004Z")
    };
    let mut died = run("r3", "2026-11-23T09:31:17.500Z");
    died.unfinished = true;
    died.duration_ms = None;
    died.command = "dbfleet down -d order_service".into();
    died.direction = Some("down".into());
    died.databases = vec!["order_service".into()];
    vec![first, unlock, died]
}

/// message_service's half-done step as `resume::dirty_steps` reads it: the table made,
/// its index not (the demo's on-call scenario).
pub fn dirty_step() -> dbfleet_core::engine::resume::DirtyStep {
    use dbfleet_core::engine::resume::{DirtyStep, StatementState};
    DirtyStep {
        database: "message_service".into(),
        migration: "message_service/003_create_subscriptions".into(),
        direction: Direction::Up,
        status: "failed".into(),
        statements_done: 1,
        statements_total: 2,
        error: Some("no such column: topic_id".into()),
        file: Some("migrations/message_service/003_create_subscriptions.up.sql".into()),
        statements: vec![
            StatementState {
                index: 1,
                line: 1,
                sql: "CREATE TABLE subscriptions (\n  id INTEGER PRIMARY KEY,\n  topic TEXT NOT NULL\n);".into(),
                done: true,
            },
            StatementState {
                index: 2,
                line: 6,
                sql: "CREATE INDEX idx_subscriptions_topic ON subscriptions (topic_id);".into(),
                done: false,
            },
        ],
        cannot_resume: None,
    }
}

/// `order_service/005_drop_legacy_orders`: a destructive up step (a table dropped, every
/// row of another deleted) with the findings the real linter gives it.
pub fn destructive_step() -> PlannedStep {
    let version: Version = 5u64.into();
    let mut step = step(
        "order_service",
        "order_service",
        &version,
        "drop_legacy_orders",
        Direction::Up,
    );
    step.statements = vec![
        Statement {
            sql: "DROP TABLE legacy_orders".into(),
            line: 1,
        },
        Statement {
            sql: "DELETE FROM order_audit".into(),
            line: 3,
        },
    ];
    let context = dbfleet_core::lint::Context::default();
    step.findings = step
        .statements
        .iter()
        .flat_map(|s| {
            dbfleet_core::lint::lint_statement(&s.sql, Dialect::Sqlite, &context)
                .into_iter()
                .map(|mut f| {
                    f.line = s.line;
                    f.file = step.path.display().to_string();
                    f
                })
        })
        .collect();
    step
}

/// `result` with the destructive step added to order_service's plan, its SQL re-rendered.
pub fn with_destructive_step(result: &mut PlanResult) {
    if let Some(plan) = result
        .plans
        .iter_mut()
        .find(|p| p.database == "order_service")
    {
        plan.steps.push(destructive_step());
        plan.sql = render_sql(&plan.steps);
    }
}

/// message_service, dirty, under analytics_service's stale lock too; its index.
pub fn dirty_and_stale_locked(state: &mut State) -> usize {
    let message = state.index_of("message_service").unwrap_or_default();
    let lock = state
        .index_of("analytics_service")
        .and_then(|i| state.dbs[i].status.as_ref())
        .and_then(|s| s.lock.clone());
    if let Some(status) = state.dbs[message].status.as_mut() {
        status.lock = lock;
    }
    message
}
