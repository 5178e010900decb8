//! Taking a database over without running anything: `adopt` records as applied what
//! another migration tool's table says it applied (golang-migrate, sqlx, goose, dbmate,
//! Flyway, pop, Atlas: `driver/foreign.rs` reads them), and `baseline` records everything
//! up to a version for a database that predates any tool. Both plan read-only first (the
//! dry run, the default) and, with `apply`, write dbfleet's rows under its migration lock
//! (which creates dbfleet's tables), in one transaction, journaled (`adopted`). The other
//! tool's table is never touched.

use serde::Serialize;

use super::Fleet;
use super::error::{self, EngineError};
use super::events::RunEvent;
use super::identity::now_text;
use super::journal::Journal;
use super::lock::{assess, run_refuses, stale_refusal};
use super::plan;
use super::prepare::{self, managed_by};
use super::selection::Selection;
use crate::catalog::{Migration, MigrationSet, Version};
use crate::driver::{
    Access, AppliedRow, Bookkeeping, DriverError, ErrorKind, LockAttempt, LockHolder, OtherTool,
    RowValues, Session, Tool,
};

/// What to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// What the other tool's table says it applied.
    Adopt,
    /// Every migration up to this version.
    Baseline(Version),
}

/// One migration recorded (or to be) as applied.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    /// `set/version_name`
    pub migration: String,
    pub version: Version,
}

/// What `adopt` or `baseline` does (or would do) on one database.
#[derive(Debug, Clone, Serialize)]
pub struct Adoption {
    pub database: String,
    pub set: String,
    /// The tool whose table said what is applied (`golang-migrate`), `baseline`, or
    /// `None` when no other tool's table was found.
    pub from: Option<String>,
    /// That tool's table, and what it says in short (`at version 158`).
    pub table: Option<String>,
    pub summary: Option<String>,
    /// The migrations recorded as applied (by the dry run: that would be).
    pub record: Vec<Recorded>,
    /// Already recorded in dbfleet's table: left as they are.
    pub already_recorded: usize,
    /// Versions the other tool applied that have no file in the set.
    pub without_file: Vec<String>,
    /// The rows were written (`--apply`); false in a dry run.
    pub applied: bool,
    /// Why nothing is recorded here. JSON: `"refused"` in words, `"refused_kind"` beside it.
    #[serde(flatten, serialize_with = "error::as_refused")]
    pub refused: Option<EngineError>,
}

impl Adoption {
    fn new(database: &str, set: &str) -> Adoption {
        Adoption {
            database: database.to_owned(),
            set: set.to_owned(),
            from: None,
            table: None,
            summary: None,
            record: Vec::new(),
            already_recorded: 0,
            without_file: Vec::new(),
            applied: false,
            refused: None,
        }
    }
}

/// What was decided from the database's tables, before anything is written.
#[derive(Debug, Default)]
struct Decision<'a> {
    from: Option<String>,
    table: Option<String>,
    summary: Option<String>,
    record: Vec<&'a Migration>,
    already_recorded: usize,
    without_file: Vec<String>,
}

/// `adopt` or `baseline` on every selected database, in selection order. Changes nothing
/// unless `apply`.
pub async fn run(
    fleet: &Fleet,
    selection: &Selection,
    source: &Source,
    apply: bool,
) -> Vec<Adoption> {
    let run_id = fleet.identity.new_run_id();
    let mut done = Vec::new();
    for db in &selection.databases {
        done.push(one(fleet, selection, db, source, apply, &run_id).await);
    }
    done
}

async fn one(
    fleet: &Fleet,
    selection: &Selection,
    db: &str,
    source: &Source,
    apply: bool,
    run_id: &str,
) -> Adoption {
    let mut adoption = Adoption::new(db, prepare::set_name(selection, db));
    let prepared = match prepare::prepare(fleet, selection, db) {
        Ok(prepared) => prepared,
        Err(refused) => {
            adoption.refused = Some(refused);
            return adoption;
        }
    };
    let target = prepared.target;
    let Some(set) = prepared.set else {
        adoption.refused = Some(EngineError::SetProblem {
            set: prepared.set_name.to_owned(),
            problems: vec![format!(
                "there is no folder {}/ in the migrations folder, so no file to record (name a set with --directory)",
                prepared.set_name
            )],
        });
        return adoption;
    };
    if let Err(refused) = plan::check_set(set, target.driver) {
        adoption.refused = Some(refused);
        return adoption;
    }
    let access = if apply {
        Access::ReadWrite { create: false }
    } else {
        Access::ReadOnly
    };
    let mut session = match fleet.open(target, access).await {
        Ok(session) => session,
        Err(e) => {
            adoption.refused = Some(EngineError::from_driver(target, &e));
            return adoption;
        }
    };
    let written = async {
        let read = read(session.as_mut()).await;
        let book = session.bookkeeping().clone();
        let decision = decide(db, set, source, &book, read)?;
        fill(&mut adoption, &decision);
        if !apply || decision.record.is_empty() {
            return Ok(());
        }
        let recorded = record_under_lock(fleet, db, set, source, session.as_mut(), run_id).await?;
        adoption.applied = true;
        fill(&mut adoption, &recorded);
        Ok::<_, EngineError>(())
    }
    .await;
    session.close().await;
    if let Err(refused) = written {
        // The database's own words, secrets removed.
        adoption.refused = Some(match refused {
            EngineError::Unreachable(message) => EngineError::Unreachable(target.scrub(&message)),
            EngineError::LockFailed(message) => EngineError::LockFailed(target.scrub(&message)),
            other => other,
        });
    }
    adoption
}

fn fill(adoption: &mut Adoption, decision: &Decision) {
    adoption.from.clone_from(&decision.from);
    adoption.table.clone_from(&decision.table);
    adoption.summary.clone_from(&decision.summary);
    adoption.record = decision
        .record
        .iter()
        .map(|m| Recorded {
            migration: m.id(),
            version: m.version.clone(),
        })
        .collect();
    adoption.already_recorded = decision.already_recorded;
    adoption.without_file.clone_from(&decision.without_file);
}

/// What the database's tables say: the other tools', dbfleet's rows, and whether the
/// configured name is another tool's table (`NotOurs`).
struct Read {
    tools: Vec<OtherTool>,
    rows: Vec<AppliedRow>,
    not_ours: Option<DriverError>,
}

async fn read(session: &mut dyn Session) -> Result<Read, DriverError> {
    let tools = session.other_tools().await?;
    let (rows, not_ours) = match session.read_applied().await {
        Ok(rows) => (rows, None),
        Err(e) if e.kind == ErrorKind::NotOurs => (Vec::new(), Some(e)),
        Err(e) => return Err(e),
    };
    Ok(Read {
        tools,
        rows,
        not_ours,
    })
}

fn decide<'a>(
    db: &str,
    set: &'a MigrationSet,
    source: &Source,
    book: &Bookkeeping,
    read: Result<Read, DriverError>,
) -> Result<Decision<'a>, EngineError> {
    let read = read.map_err(|e| EngineError::Unreachable(e.message))?;
    // The configured name is another tool's table: dbfleet's cannot be made beside it.
    if let Some(e) = &read.not_ours {
        return Err(match read.tools.iter().find(|t| t.in_own_schema) {
            Some(tool) => managed_by(db, tool, book),
            None => EngineError::ForeignTable(e.message.clone()),
        });
    }
    plan::check_dirty(db, &read.rows)?;
    let recorded = |m: &Migration| {
        read.rows
            .iter()
            .any(|r| r.set == set.name && r.version == m.version)
    };
    let mut decision = Decision::default();
    let tool = match source {
        Source::Baseline(version) => {
            decision.from = Some("baseline".into());
            decision.summary = Some(format!("everything up to {version}"));
            for m in set.migrations.iter().filter(|m| &m.version <= version) {
                if recorded(m) {
                    decision.already_recorded += 1;
                } else {
                    decision.record.push(m);
                }
            }
            return Ok(decision);
        }
        Source::Adopt => match read.tools.as_slice() {
            [] => return Ok(decision),
            [tool] => tool,
            several => {
                return Err(EngineError::SeveralTools(
                    several
                        .iter()
                        .map(|t| format!("{} (table {})", t.tool, t.table))
                        .collect(),
                ));
            }
        },
    };
    decision.from = Some(tool.tool.name().to_owned());
    decision.table = Some(tool.table.clone());
    decision.summary = Some(tool.summary());
    if let Some(unsettled) = tool.unsettled.first() {
        return Err(EngineError::ForeignUnsettled(Box::new(
            error::ForeignUnsettled {
                tool: tool.tool.name().to_owned(),
                table: tool.table.clone(),
                version: unsettled.version.clone(),
                detail: unsettled.detail.clone(),
                advice: advice(tool.tool, &unsettled.version, &tool.table),
            },
        )));
    }
    let applied: Vec<Option<Version>> = tool.applied.iter().map(|v| Version::parse(v)).collect();
    let upto = tool.through.as_deref().and_then(Version::parse);
    for m in &set.migrations {
        let by_tool = applied.iter().flatten().any(|v| v == &m.version)
            || upto.as_ref().is_some_and(|t| &m.version <= t);
        if !by_tool {
            continue;
        }
        if recorded(m) {
            decision.already_recorded += 1;
        } else {
            decision.record.push(m);
        }
    }
    for (text, version) in tool.applied.iter().zip(&applied) {
        if version.as_ref().is_none_or(|v| set.migration(v).is_none()) {
            decision.without_file.push(text.clone());
        }
    }
    if let Some(text) = &tool.through
        && upto
            .as_ref()
            .is_none_or(|v| !v.is_zero() && set.migration(v).is_none())
    {
        decision.without_file.push(text.clone());
    }
    Ok(decision)
}

/// How to settle what `tool` left unsettled, in its own words.
fn advice(tool: Tool, version: &str, table: &str) -> String {
    match tool {
        Tool::GolangMigrate => format!(
            "check the database, then run `migrate force {version}` if that migration's changes are all there, or `migrate force <the version before it>` if none are"
        ),
        Tool::Sqlx => format!(
            "finish or undo that migration by hand, then mark it with `UPDATE {table} SET success = true WHERE version = {version}` (or delete the row if undone)"
        ),
        Tool::Flyway => {
            "fix the database, then run `flyway repair` to remove the failed row".into()
        }
        Tool::Atlas => format!(
            "run `atlas migrate apply` to resume it at its next statement, or finish it by hand and run `atlas migrate set {version}`"
        ),
        Tool::Goose | Tool::Dbmate | Tool::Pop => {
            format!("settle version {version} in {table} by hand")
        }
    }
}

/// Under dbfleet's migration lock (taken once, never waited for; it creates dbfleet's
/// tables): decides again from what is there now, and writes every row in one
/// transaction; journals it.
async fn record_under_lock<'a>(
    fleet: &Fleet,
    db: &str,
    set: &'a MigrationSet,
    source: &Source,
    session: &mut dyn Session,
    run_id: &str,
) -> Result<Decision<'a>, EngineError> {
    let who = fleet.identity.who();
    let holder = LockHolder {
        holder: who.clone(),
        host: fleet.identity.host.clone(),
        pid: fleet.identity.pid,
        run_id: run_id.to_owned(),
    };
    let locked = session
        .try_lock(&holder, &now_text())
        .await
        .map_err(|e| EngineError::LockFailed(e.message))?;
    if let LockAttempt::Held(row) = locked {
        let server_lock = session.has_server_lock();
        let state = assess(
            row,
            &fleet.identity,
            fleet.stale_lock_after(),
            server_lock.then_some(true),
        );
        if run_refuses(&state, server_lock) {
            return Err(stale_refusal(&state, db));
        }
        return Err(EngineError::LockFailed(format!(
            "{db} is locked by {} (pid {}, run {}); try again once that run is over",
            state.row.holder, state.row.pid, state.row.run_id
        )));
    }
    let written = write(db, set, source, session, run_id, &who).await;
    let _ = session.release_lock(&holder).await;
    let decision = written?;
    let path = fleet.config.journal_path();
    let journal = Journal::open(&path, run_id).map_err(|e| {
        EngineError::Internal(format!(
            "recorded, but the journal {} could not be written: {e}",
            path.display()
        ))
    })?;
    journal.append(&RunEvent::Adopted {
        database: db.to_owned(),
        by: who,
        from: decision.from.clone().unwrap_or_default(),
        set: set.name.clone(),
        versions: decision
            .record
            .iter()
            .map(|m| m.version.to_string())
            .collect(),
        without_file: decision.without_file.clone(),
    });
    Ok(decision)
}

async fn write<'a>(
    db: &str,
    set: &'a MigrationSet,
    source: &Source,
    session: &mut dyn Session,
    run_id: &str,
    who: &str,
) -> Result<Decision<'a>, EngineError> {
    let dialect = session.dialect();
    let book = session.bookkeeping().clone();
    let read = read(session).await;
    let decision = decide(db, set, source, &book, read)?;
    let applied_by = match source {
        Source::Adopt => format!(
            "adopted from {} by {who}",
            decision.from.as_deref().unwrap_or("?")
        ),
        Source::Baseline(_) => format!("baseline by {who}"),
    };
    let now = now_text();
    let mut statements = Vec::new();
    for m in &decision.record {
        let script = m.up.for_dialect(dialect);
        let total = script
            .and_then(|s| s.statements(dialect).ok())
            .map_or(0, |s| s.len());
        statements.push(book.record_adopted(&RowValues {
            set: &set.name,
            version: &m.version,
            name: &m.name,
            checksum: script.map_or("", |s| s.checksum.as_str()),
            statements_total: total,
            applied_at: Some(&now),
            execution_ms: Some(0),
            applied_by: &applied_by,
            run_id: Some(run_id),
        }));
    }
    let unreachable = |e: DriverError| EngineError::Unreachable(e.message);
    session.execute(book.begin()).await.map_err(unreachable)?;
    for sql in &statements {
        if let Err(e) = session.execute(sql).await {
            let _ = session.execute("ROLLBACK").await;
            return Err(unreachable(e));
        }
    }
    session.execute("COMMIT").await.map_err(unreachable)?;
    Ok(decision)
}
