//! Opening screens and dialogs. Several screens open the same ones (inspect from the
//! fleet and the matrix, the run confirmation from the fleet, the preview and `:up`), so
//! each is written once, here, with the checks that go before it.

use tui_input::Input;

use crate::console::model;
use crate::console::msg::{Command, default_limit};
use crate::console::state::{
    Confirm, ConfirmKind, FlashLevel, InspectView, MatrixView, Overlay, PreviewView, Prompt,
    PromptKind, RunConfirm, Screen, State,
};
use dbfleet_core::engine::{Direction, Limit, guard};

pub(super) fn inspect(state: &mut State, db: Option<usize>) -> Vec<Command> {
    let Some(db) = db else {
        state.flash(FlashLevel::Info, "no database here");
        return Vec::new();
    };
    state
        .screens
        .push(Screen::Inspect(InspectView { db, scroll: 0 }));
    state.read(vec![db])
}

/// What a preview or a run works on: databases, and the set(s) and how far.
pub(super) struct Scope {
    pub databases: Vec<String>,
    pub set: Option<String>,
    pub everything: bool,
    pub limit: Option<Limit>,
}

impl Scope {
    /// The marked databases (else the focused one) in the set chosen in the header.
    pub fn chosen(state: &State) -> Scope {
        Scope {
            databases: state.targets(),
            set: state.set_name().map(str::to_owned),
            everything: state.everything,
            limit: None,
        }
    }

    fn plan_command(&self, id: u64, direction: Direction, limit: Limit) -> Command {
        if self.everything {
            Command::PlanEverything {
                id,
                databases: self.databases.clone(),
            }
        } else {
            Command::Plan {
                id,
                databases: self.databases.clone(),
                set: self.set.clone(),
                direction,
                limit,
            }
        }
    }
}

pub(super) fn preview(state: &mut State) -> Vec<Command> {
    preview_of(state, Scope::chosen(state))
}

pub(super) fn preview_of(state: &mut State, scope: Scope) -> Vec<Command> {
    if scope.databases.is_empty() {
        state.flash(FlashLevel::Info, "no database to preview");
        return Vec::new();
    }
    let id = state.next_id();
    let limit = scope.limit.clone().unwrap_or(Limit::All);
    let command = scope.plan_command(id, Direction::Up, limit);
    state.screens.push(Screen::Preview(PreviewView {
        id,
        databases: scope.databases,
        set: scope.set,
        everything: scope.everything,
        limit: scope.limit,
        result: None,
        selected: 0,
        scroll: 0,
    }));
    vec![command]
}

pub(super) fn run_confirm(state: &mut State, direction: Direction) -> Vec<Command> {
    run_confirm_of(state, direction, Scope::chosen(state))
}

pub(super) fn run_confirm_of(
    state: &mut State,
    direction: Direction,
    scope: Scope,
) -> Vec<Command> {
    if state.run_active() {
        state.flash(
            FlashLevel::Warning,
            "a run is in progress; r shows it, X cancels it",
        );
        return Vec::new();
    }
    if scope.databases.is_empty() {
        state.flash(FlashLevel::Info, "no database to run on");
        return Vec::new();
    }
    if scope.everything && direction == Direction::Down {
        state.flash(
            FlashLevel::Info,
            "down reverts one set at a time: ] chooses the set (everything pending is for up)",
        );
        return Vec::new();
    }
    let id = state.next_id();
    // The CLI's rule (production or `protect:`), and every down besides: here the
    // operator is at a keyboard anyway.
    let guarded = guard::guard_for(
        state.fleet.environment.as_deref(),
        &state.fleet.protect,
        direction,
        &scope.databases,
    )
    .is_some();
    let must_type = direction == Direction::Down || guarded;
    let limit = scope
        .limit
        .clone()
        .unwrap_or_else(|| default_limit(direction));
    let command = scope.plan_command(id, direction, limit.clone());
    state.overlay = Some(Overlay::Confirm(Confirm {
        kind: ConfirmKind::Run(RunConfirm {
            direction,
            set: scope.set,
            databases: scope.databases,
            plan_id: id,
            result: None,
            everything: scope.everything,
            limit,
        }),
        focus: 0,
        typed: must_type.then(Input::default),
    }));
    vec![command]
}

pub(super) fn unlock(state: &mut State, db: Option<usize>) {
    let Some(database) = db.and_then(|i| state.dbs.get(i)) else {
        return;
    };
    let name = database.info.name.clone();
    if state.run.as_ref().is_some_and(|r| r.is_running(&name)) {
        state.flash(
            FlashLevel::Info,
            format!("{name} is locked by this console's run; `r` then `x` cancels it there"),
        );
        return;
    }
    match database.status.as_ref().and_then(|s| s.lock.as_ref()) {
        None => state.flash(FlashLevel::Info, format!("{name} is not locked")),
        Some(lock) if !lock.stale => state.flash(
            FlashLevel::Warning,
            format!(
                "{name}: the lock of {} looks alive; if that run is really gone, `dbfleet unlock -d {name} --force`",
                lock.row.holder
            ),
        ),
        Some(lock) => {
            let detail = format!(
                "held by {} (pid {}, run {}) since {}, last heartbeat {}",
                lock.row.holder,
                lock.row.pid,
                lock.row.run_id,
                model::short_time(&lock.row.acquired_at),
                model::short_time(&lock.row.heartbeat_at)
            );
            state.overlay = Some(Overlay::Confirm(Confirm {
                kind: ConfirmKind::Unlock {
                    database: name,
                    detail,
                },
                focus: 0,
                typed: None,
            }));
        }
    }
}

pub(super) fn resolve(state: &mut State, db: Option<usize>) -> Vec<Command> {
    let Some(database) = db.and_then(|i| state.dbs.get(i)) else {
        return Vec::new();
    };
    let name = database.info.name.clone();
    if let Some(managed) = database.status.as_ref().and_then(|s| s.managed_by.as_ref()) {
        state.overlay = Some(Overlay::Confirm(Confirm {
            kind: ConfirmKind::Adopt {
                database: name,
                tool: managed.tool.clone(),
                detail: format!(
                    "{} ({}, table {})",
                    managed.tool, managed.summary, managed.table
                ),
            },
            focus: 0,
            typed: None,
        }));
        return Vec::new();
    }
    if let Some(status) = database
        .status
        .as_ref()
        .filter(|s| !s.dirty && !s.drift.is_empty())
    {
        state.overlay = Some(Overlay::Confirm(Confirm {
            kind: ConfirmKind::AcceptDrift {
                database: name,
                migrations: status.drift.clone(),
            },
            focus: 0,
            typed: None,
        }));
        return Vec::new();
    }
    let Some(status) = database.status.as_ref().filter(|s| s.dirty) else {
        state.flash(
            FlashLevel::Info,
            format!("{name} is neither dirty nor drifted"),
        );
        return Vec::new();
    };
    let reverting = status
        .sets
        .iter()
        .flat_map(|s| &s.migrations)
        .any(|m| m.state == dbfleet_core::engine::status::MigrationState::Reverting);
    let detail: Vec<String> = status
        .sets
        .iter()
        .flat_map(|s| &s.migrations)
        .filter(|m| m.state.is_dirty())
        .map(|m| {
            format!(
                "{} — {}{}",
                m.id,
                model::migration_state_label(m),
                m.error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    state.overlay = Some(Overlay::Confirm(Confirm {
        kind: ConfirmKind::Resolve {
            database: name.clone(),
            detail,
            reverting,
            steps: None,
        },
        focus: 0,
        typed: Some(Input::default()),
    }));
    vec![Command::ReadDirtySteps(name)]
}

pub(super) fn matrix(state: &mut State) {
    if state.fleet.shared_sets.is_empty() {
        state.flash(
            FlashLevel::Info,
            "no shared migration set: the matrix compares a shared set across databases",
        );
        return;
    }
    let set_before = state.set;
    let everything_before = state.everything;
    state.everything = false;
    if state.set.is_none() {
        state.set = Some(0);
    }
    let col = state
        .focused()
        .and_then(|f| state.matrix_columns().iter().position(|&c| c == f))
        .unwrap_or(0);
    state.screens.push(Screen::Matrix(MatrixView {
        row: 0,
        col,
        col_offset: 0,
        set_before,
        everything_before,
    }));
    super::matrix::keep_visible(state);
}

pub(super) fn prompt(state: &mut State, kind: PromptKind) {
    let value = match kind {
        PromptKind::Filter => state.filter.clone().unwrap_or_default(),
        _ => String::new(),
    };
    state.overlay = Some(Overlay::Prompt(Prompt {
        kind,
        stem: value.clone(),
        input: Input::new(value),
        preset: None,
        matches: Ok(0),
        previous_filter: state.filter.clone(),
        previous_focus: state.focused(),
    }));
    super::prompt::changed(state);
}
