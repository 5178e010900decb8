//! `update`, the one way the state changes: a message in, the state changed, commands
//! out. It never touches a database or the terminal; whatever needs either goes out as a
//! `Command` and its result comes back later as a `Msg`, so every decision is testable by
//! feeding keys and engine events.
//!
//! Here: the messages, and the keys every screen shares (help, quit, back, refresh). A key
//! meant for one screen goes to that screen's file, named as its view in `views/`, so a
//! screen's behaviour is found where its drawing is; `open` opens a screen or a dialog
//! for whichever screen asks. Nothing under `update/` imports `views`: what both need to
//! agree on (page sizes, wrapped text) is in `layout` and `model`.

mod confirm;
mod fleet;
mod help;
mod history;
mod inspect;
mod matrix;
mod open;
mod preview;
mod prompt;
mod run;

#[cfg(test)]
mod tests;

use crossterm::event::{Event, KeyEvent, KeyEventKind};
use tui_input::InputRequest;
use tui_input::backend::crossterm::EventHandler;

use crate::console::keys::{self, Action, Context};
use crate::console::msg::{Command, Msg, PlanResult};
use crate::console::progress::Phase;
use crate::console::state::{
    Confirm, ConfirmKind, FlashLevel, HISTORY_ENTRIES, Overlay, PromptKind, Screen, State,
};
use dbfleet_core::engine::Outcome;

/// The single entry point: one message in, the state changed, commands out.
pub fn update(state: &mut State, msg: Msg) -> Vec<Command> {
    match msg {
        Msg::Key(key) => on_key(state, key),
        Msg::Paste(text) => {
            paste(state, &text);
            Vec::new()
        }
        Msg::Resize(width, height) => {
            state.size = (width, height);
            state.keep_cursor_visible();
            // "too small" was about the size before; it is wrong once the size is right.
            if !state.too_small() && state.flash.as_ref().is_some_and(|f| f.text == TOO_SMALL) {
                state.flash = None;
            }
            Vec::new()
        }
        Msg::Tick => on_tick(state),
        Msg::Status { database, status } => {
            if let Some(i) = state.index_of(&database) {
                let db = &mut state.dbs[i];
                db.status = Some(*status);
                db.reading_since = None;
                db.read_error = None;
                refilter(state);
                choose_set_once(state);
            }
            Vec::new()
        }
        Msg::StatusFailed { database, error } => {
            if let Some(i) = state.index_of(&database) {
                let db = &mut state.dbs[i];
                db.reading_since = None;
                db.read_error = Some(error);
                refilter(state);
                choose_set_once(state);
            }
            Vec::new()
        }
        Msg::Planned { id, result } => {
            on_planned(state, id, result);
            Vec::new()
        }
        Msg::Run(event) => {
            let now = state.now_ms;
            let (width, height) = state.size;
            let ended = state.run.as_mut().and_then(|run| {
                let was_active = run.is_active();
                let ended = run.apply(&event, now);
                // Follow the work while it goes; the first failure once the run is over.
                let target = if run.is_active() || was_active {
                    run.cursor_target()
                } else {
                    None
                };
                if let Some(target) = target {
                    run.cursor = target;
                    let window =
                        crate::console::layout::run_table_height(width, height, run.rows.len());
                    run.offset =
                        crate::console::layout::scroll_to_show(run.offset, run.cursor, window);
                }
                ended
            });
            match ended {
                Some(db) => state.read_after_its_run(db),
                None => Vec::new(),
            }
        }
        Msg::RunEnded(result) => on_run_ended(state, result),
        Msg::AdminDone { database, result } => {
            match result {
                Ok(text) => state.notice(FlashLevel::Info, format!("{database}: {text}")),
                Err(e) => state.notice(FlashLevel::Error, format!("{database}: {e}")),
            }
            state.read_names(&[database])
        }
        Msg::DirtySteps { database, result } => {
            if let Some(Overlay::Confirm(Confirm {
                kind:
                    ConfirmKind::Resolve {
                        database: open,
                        steps,
                        ..
                    },
                focus,
                ..
            })) = &mut state.overlay
                && *open == database
            {
                // Resume is the default answer when every step can resume (the file is
                // unchanged), as Enter resumes in the CLI; else the focus stays on Cancel.
                let resumable = result.as_ref().is_ok_and(|steps| {
                    !steps.is_empty() && steps.iter().all(|s| s.cannot_resume.is_none())
                });
                if resumable && *focus == 0 {
                    *focus = 1;
                }
                *steps = Some(result);
            }
            Vec::new()
        }
        Msg::History(result) => {
            // The screen re-wraps what it keeps on every frame: the latest entries are
            // what an on-call reader wants here; `dbfleet history` reads them all.
            state.history = Some(result.map(|mut entries| {
                let older = entries.len().saturating_sub(HISTORY_ENTRIES);
                entries.drain(..older);
                entries
            }));
            Vec::new()
        }
        Msg::CatalogReloaded(result) => {
            match result {
                Ok(reloaded) => state.take_catalog(*reloaded.info),
                Err(e) => state.flash(
                    FlashLevel::Error,
                    format!("cannot read the migrations folder: {e}"),
                ),
            }
            if std::mem::take(&mut state.timer_refresh) {
                state.refresh_batch()
            } else {
                state.refresh_all()
            }
        }
    }
}

/// Once the first statuses are all in, the console opens on the set that has work: the
/// one set with pending migrations, or "everything pending" when several have some.
/// Once only: after that the set is the operator's.
fn choose_set_once(state: &mut State) {
    if state.set_chosen || state.dbs.iter().any(|d| d.reading_since.is_some()) {
        return;
    }
    state.set_chosen = true;
    let mut own = false;
    let mut shared: Vec<String> = Vec::new();
    for set in state
        .dbs
        .iter()
        .filter_map(|d| d.status.as_ref())
        .flat_map(|s| &s.sets)
        .filter(|s| s.pending > 0)
    {
        if !set.shared {
            own = true;
        } else if !shared.contains(&set.set) {
            shared.push(set.set.clone());
        }
    }
    let mut places: Vec<String> = shared.clone();
    if own {
        places.insert(0, "own sets".into());
    }
    match (own, shared.as_slice()) {
        // Own sets or nothing pending: where the console opened already.
        (_, []) => return,
        (false, [only]) => {
            state.set = state.fleet.shared_sets.iter().position(|s| &s.name == only);
        }
        _ => state.everything = true,
    }
    state.notice(
        FlashLevel::Info,
        format!(
            "set: {} — pending work in {} ([ ] switches)",
            state.set_label(),
            places.join(", ")
        ),
    );
}

/// A filter by state (`/dirty`) follows the statuses as they arrive.
fn refilter(state: &mut State) {
    if state.filter_is_by_state() {
        let offset = state.offset;
        state.apply_filter(state.filter.clone());
        state.offset = offset;
        state.keep_cursor_visible();
    }
}

fn on_tick(state: &mut State) -> Vec<Command> {
    if state
        .flash
        .as_ref()
        .is_some_and(|f| f.until_ms <= state.now_ms)
    {
        state.flash = None;
    }
    let due = state.refresh_every_ms > 0
        && state
            .last_refresh_ms
            .is_none_or(|last| state.now_ms.saturating_sub(last) >= state.refresh_every_ms);
    if due {
        state.timer_refresh = true;
        state.reload_and_refresh()
    } else {
        Vec::new()
    }
}

fn on_planned(state: &mut State, id: u64, result: Result<PlanResult, String>) {
    if let Some(Overlay::Confirm(Confirm {
        kind: ConfirmKind::Run(run),
        ..
    })) = &mut state.overlay
        && run.plan_id == id
    {
        run.result = Some(result.clone());
    }
    for screen in &mut state.screens {
        if let Screen::Preview(preview) = screen
            && preview.id == id
        {
            preview.result = Some(result.clone());
        }
    }
}

fn on_run_ended(state: &mut State, result: Result<(), String>) -> Vec<Command> {
    let now = state.now_ms;
    let mut names = Vec::new();
    if let Some(run) = &mut state.run {
        if let Err(e) = result {
            run.abort(e, now);
        } else if run.is_active() {
            // The stream closed without RunFinished: the run is over all the same.
            run.finished_ms = Some(now);
        }
        names = run.rows.iter().map(|r| r.database.clone()).collect();
        let (ok, total) = (run.ok_count(), run.rows.len());
        let level = if ok == total && run.error.is_none() {
            FlashLevel::Info
        } else {
            FlashLevel::Warning
        };
        let mut text = match &run.error {
            Some(e) => format!("the run did not start: {e}"),
            None => format!("run {}: {ok}/{total} database(s) ok", run.state_word()),
        };
        // A canary that went badly (or a failure budget spent) left databases untouched:
        // they are marked, so the operator decides — `U` runs them, or leave them be.
        let not_started: Vec<String> = run
            .rows
            .iter()
            .filter(|r| matches!(r.phase, Phase::Done(Outcome::NotStarted { .. })))
            .map(|r| r.database.clone())
            .collect();
        // Marks kept after a run would make the next `U` act on them unseen.
        let marked = state.marked_count();
        if marked > 0 {
            for db in &mut state.dbs {
                db.marked = false;
            }
            text.push_str(&format!(" · {marked} mark(s) cleared"));
        }
        if !not_started.is_empty() {
            for db in &mut state.dbs {
                db.marked = not_started.iter().any(|n| n == db.name());
            }
            text.push_str(&format!(
                " · {} not started, now marked: U runs them anyway",
                not_started.len()
            ));
        }
        state.notice(level, text);
    }
    if state.quit_after_run {
        return vec![Command::Quit];
    }
    let mut commands = state.read_names(&names);
    // The journal on screen was read while the run went on: read its end.
    if matches!(state.screens.last(), Some(Screen::History { .. })) {
        commands.push(Command::ReadHistory);
    }
    commands
}

fn paste(state: &mut State, text: &str) {
    let input = match &mut state.overlay {
        Some(Overlay::Prompt(prompt)) => &mut prompt.input,
        Some(Overlay::Confirm(Confirm {
            typed: Some(input), ..
        })) => input,
        _ => return,
    };
    for c in text.chars().filter(|c| !c.is_control()) {
        input.handle(InputRequest::InsertChar(c));
    }
    if let Some(Overlay::Prompt(prompt)) = &mut state.overlay {
        prompt.preset = None;
        prompt.stem = prompt.input.value().to_owned();
    }
    prompt::changed(state);
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Command> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    let context = state.context();
    // The resolve dialog's typed name takes letters that are keys elsewhere (`h`, `l`,
    // `q`): while a name is wanted, plain characters go into it.
    if let Some(Overlay::Confirm(confirm)) = &state.overlay
        && confirm.types_a_name()
        && confirm.required_text().is_some()
        && matches!(key.code, crossterm::event::KeyCode::Char(_))
        && !key.modifiers.intersects(
            crossterm::event::KeyModifiers::CONTROL | crossterm::event::KeyModifiers::ALT,
        )
    {
        type_into(state, key);
        return Vec::new();
    }
    let Some(binding) = keys::lookup(context, &key) else {
        type_into(state, key);
        return Vec::new();
    };
    if binding.mutating && state.too_small() {
        state.flash(FlashLevel::Warning, TOO_SMALL);
        return Vec::new();
    }
    if binding.mutating
        && state.fleet.read_only
        && matches!(
            binding.action,
            Action::RunUp | Action::RunDown | Action::Unlock | Action::Resolve
        )
    {
        state.flash(
            FlashLevel::Warning,
            "read-only: migrator.dry_run is true in the config; p previews",
        );
        return Vec::new();
    }
    // Acting on the fleet before the first statuses are in: the set the operator sees
    // stays the set, the console does not switch it under them.
    if matches!(
        binding.action,
        Action::ToggleMark
            | Action::MarkAll
            | Action::MarkGlob
            | Action::InvertMarks
            | Action::Preview
            | Action::RunUp
            | Action::RunDown
            | Action::Matrix
            | Action::PrevSet
            | Action::NextSet
            | Action::CommandPrompt
    ) {
        state.set_chosen = true;
    }
    let commands = perform(state, context, binding.action);
    // A message about the dialog or screen just left ("type 6 to confirm") does not
    // belong on the next one; one said after the move (the run started) does.
    if state.context() != context
        && state
            .flash
            .as_ref()
            .is_some_and(|f| f.context != state.context() && f.context != Context::Global)
    {
        state.flash = None;
    }
    commands
}

const TOO_SMALL: &str = "the terminal is too small to act safely; enlarge it";

/// Keys no binding claims: text for a prompt or for a confirmation's typed count.
fn type_into(state: &mut State, key: KeyEvent) {
    match &mut state.overlay {
        Some(Overlay::Prompt(prompt)) => {
            prompt.input.handle_event(&Event::Key(key));
            prompt.preset = None;
            prompt.stem = prompt.input.value().to_owned();
        }
        Some(Overlay::Confirm(Confirm {
            typed: Some(input),
            kind,
            ..
        })) => {
            // A count takes digits only (letters stay keys); a name any character.
            let name = matches!(kind, ConfirmKind::Resolve { .. });
            let digit_or_edit = match key.code {
                crossterm::event::KeyCode::Char(c) => name || c.is_ascii_digit(),
                crossterm::event::KeyCode::Backspace | crossterm::event::KeyCode::Delete => true,
                _ => false,
            };
            if digit_or_edit {
                input.handle_event(&Event::Key(key));
            }
        }
        _ => return,
    }
    prompt::changed(state);
}

fn perform(state: &mut State, context: Context, action: Action) -> Vec<Command> {
    match action {
        Action::Help => {
            state.overlay = Some(Overlay::Help { context, scroll: 0 });
            Vec::new()
        }
        Action::Quit => quit(state),
        Action::ForceQuit => force_quit(state),
        Action::Back => {
            back(state);
            Vec::new()
        }
        Action::Refresh => {
            state.flash(FlashLevel::Info, "reading migrations and status…");
            state.reload_and_refresh()
        }
        Action::CommandPrompt => {
            open::prompt(state, PromptKind::Command);
            Vec::new()
        }
        _ => match context {
            Context::Fleet => fleet::action(state, action),
            Context::Inspect => inspect::action(state, action),
            Context::Preview => preview::action(state, action),
            Context::Matrix => matrix::action(state, action),
            Context::Run => run::action(state, action),
            Context::History => history::action(state, action),
            Context::Confirm => confirm::action(state, action),
            Context::Prompt => prompt::action(state, action),
            Context::Help => {
                help::action(state, action);
                Vec::new()
            }
            Context::Global => Vec::new(),
        },
    }
}

fn quit(state: &mut State) -> Vec<Command> {
    if state.overlay.is_some() || !state.screens.is_empty() {
        back(state);
        return Vec::new();
    }
    if state.run_active() {
        state.overlay = Some(Overlay::Confirm(Confirm {
            kind: ConfirmKind::QuitDuringRun,
            focus: 0,
            typed: None,
        }));
        return Vec::new();
    }
    vec![Command::Quit]
}

fn force_quit(state: &mut State) -> Vec<Command> {
    state.interrupted = true;
    if !state.run_active() || state.quit_after_run {
        return vec![Command::Quit];
    }
    state.quit_after_run = true;
    state.overlay = None;
    if let Some(run) = &mut state.run {
        run.cancelling = true;
    }
    state.flash(
        FlashLevel::Warning,
        "cancelling after the current statements; quits when the run stops (ctrl-c again: at once)",
    );
    vec![Command::CancelRun]
}

fn back(state: &mut State) {
    if let Some(overlay) = state.overlay.take() {
        if let Overlay::Prompt(prompt) = overlay
            && prompt.kind == PromptKind::Filter
        {
            state.apply_filter(prompt.previous_filter);
            if let Some(db) = prompt.previous_focus {
                state.focus_on(db);
            }
        }
        return;
    }
    if let Some(screen) = state.screens.pop() {
        if let Screen::Matrix(view) = screen {
            state.set = view.set_before;
            state.everything = view.everything_before;
        }
        return;
    }
    if state.filter.is_some() {
        state.apply_filter(None);
    }
}

/// `[` `]`: own sets, each shared set, then "everything pending" (when there are shared
/// sets), round again.
fn cycle_set(state: &mut State, forward: bool) {
    state.set_chosen = true;
    let count = state.fleet.shared_sets.len();
    if count == 0 {
        state.set = None;
        state.everything = false;
        return;
    }
    // Positions: 0 own sets, 1..=count the shared sets, count + 1 everything.
    let positions = count + 2;
    let now = match (state.everything, state.set) {
        (true, _) => count + 1,
        (false, Some(i)) => i + 1,
        (false, None) => 0,
    };
    let next = if forward {
        (now + 1) % positions
    } else {
        (now + positions - 1) % positions
    };
    state.everything = next == count + 1;
    state.set = (1..=count).contains(&next).then(|| next - 1);
}
