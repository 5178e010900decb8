//! The console's one `State`, the messages that change it and the commands it asks the
//! event loop to carry out (the Elm architecture). `update` never touches a database or
//! the terminal: whatever needs either comes back as a `Command`, and its result comes in
//! later as a `Msg`. That keeps every decision testable by feeding keys and engine events.

use std::collections::HashMap;

use crossterm::event::{Event, KeyEvent, KeyEventKind};
use tui_input::backend::crossterm::EventHandler;
use tui_input::{Input, InputRequest};

use super::keys::{self, Action, COMMANDS, Context};
use super::layout::{self, FleetLayout};
use super::model::{Database, FleetInfo, Health, matcher};
use super::msg::{Command, Msg, PlanResult, default_limit};
use super::progress::RunProgress;
use super::theme::Theme;
use crate::engine::admin::Resolution;
use crate::engine::{Direction, Limit};

/// How often status is read again on its own.
pub const REFRESH_EVERY_MS: u64 = 10_000;
/// Journal entries the history screen keeps, newest.
pub const HISTORY_ENTRIES: usize = 200;
/// How long a flash message stays.
const FLASH_MS: u64 = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlashLevel {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone)]
pub struct Flash {
    pub text: String,
    pub level: FlashLevel,
    pub until_ms: u64,
}

#[derive(Debug, Clone)]
pub enum Screen {
    Inspect(InspectView),
    Preview(PreviewView),
    Matrix(MatrixView),
    Run,
    /// The journal, newest first; `scroll` in lines.
    History {
        scroll: usize,
    },
}

#[derive(Debug, Clone)]
pub struct InspectView {
    pub db: usize,
    pub scroll: usize,
}

#[derive(Debug, Clone)]
pub struct PreviewView {
    pub id: u64,
    pub databases: Vec<String>,
    pub set: Option<String>,
    pub result: Option<Result<PlanResult, String>>,
    pub selected: usize,
    pub scroll: usize,
}

#[derive(Debug, Clone, Default)]
pub struct MatrixView {
    pub row: usize,
    pub col: usize,
    pub col_offset: usize,
    /// The migration set chosen when the matrix opened: looking at a shared set here must
    /// not change what `U` runs afterwards.
    pub set_before: Option<usize>,
}

#[derive(Debug, Clone)]
pub enum Overlay {
    Help { context: Context, scroll: usize },
    Prompt(Prompt),
    Confirm(Confirm),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Filter,
    Mark,
    Unmark,
    Command,
}

#[derive(Debug, Clone)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: Input,
    /// Which `database_patterns` preset tab last put in.
    pub preset: Option<usize>,
    /// What the operator had typed when tab started cycling: completions match it.
    pub stem: String,
    /// Live: how many databases the text matches, or why it is not a glob.
    pub matches: Result<usize, String>,
    /// The filter before this prompt opened, for esc.
    pub previous_filter: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Confirm {
    pub kind: ConfirmKind,
    /// 0 is always Cancel, where the focus starts.
    pub focus: usize,
    /// For `down` and production: the operator types the number of databases.
    pub typed: Option<Input>,
}

#[derive(Debug, Clone)]
pub enum ConfirmKind {
    Run(RunConfirm),
    Unlock {
        database: String,
        detail: String,
    },
    Resolve {
        database: String,
        detail: Vec<String>,
        /// The half-done step is a down: "applied" and "rolled back" mean the opposite.
        reverting: bool,
    },
    /// Applied files edited since they ran: record their checksums as they are now.
    AcceptDrift {
        database: String,
        migrations: Vec<String>,
    },
    QuitDuringRun,
}

#[derive(Debug, Clone)]
pub struct RunConfirm {
    pub direction: Direction,
    pub set: Option<String>,
    pub databases: Vec<String>,
    pub plan_id: u64,
    pub result: Option<Result<PlanResult, String>>,
}

impl Confirm {
    pub fn buttons(&self) -> Vec<String> {
        match &self.kind {
            ConfirmKind::Run(run) => vec![
                "Cancel".into(),
                format!(
                    "Run {} on {}",
                    run.direction,
                    run.ready_databases()
                        .map(|d| d.len())
                        .unwrap_or(run.databases.len())
                ),
            ],
            ConfirmKind::Unlock { .. } => vec!["Cancel".into(), "Clear the lock".into()],
            ConfirmKind::AcceptDrift { .. } => {
                vec!["Cancel".into(), "Accept the edited files".into()]
            }
            ConfirmKind::Resolve { .. } => vec![
                "Cancel".into(),
                "Mark applied".into(),
                "Mark rolled back".into(),
            ],
            ConfirmKind::QuitDuringRun => vec!["Cancel".into(), "Cancel the run and quit".into()],
        }
    }

    /// What must be typed before the action button works, if anything.
    pub fn required_text(&self) -> Option<String> {
        self.typed.as_ref()?;
        match &self.kind {
            ConfirmKind::Run(run) => run.ready_databases().map(|d| d.len().to_string()),
            _ => None,
        }
    }

    /// Whether the focused action may go ahead now, or why not.
    pub fn blocked(&self) -> Option<String> {
        let ConfirmKind::Run(run) = &self.kind else {
            return None;
        };
        match &run.result {
            None => return Some("still planning…".into()),
            Some(Err(e)) => return Some(e.clone()),
            Some(Ok(result)) if !result.misconfigured.is_empty() => {
                return Some(format!(
                    "misconfigured in the selection: {}",
                    result.misconfigured.join(", ")
                ));
            }
            Some(Ok(result)) if result.plans.is_empty() => {
                return Some("no database to run".into());
            }
            // Refused ones may deserve a retry (a busy or unreachable database); a fleet
            // that is simply up to date does not.
            Some(Ok(result))
                if result
                    .plans
                    .iter()
                    .all(|p| p.steps.is_empty() && p.refused.is_none()) =>
            {
                let elsewhere = result.plans.iter().any(|p| !p.pending_elsewhere.is_empty());
                return Some(if elsewhere {
                    "nothing to run in this set; the pending work is in another (] switches)".into()
                } else {
                    "nothing to run: all up to date".into()
                });
            }
            Some(Ok(_)) => {}
        }
        if let (Some(required), Some(typed)) = (self.required_text(), &self.typed)
            && typed.value().trim() != required
        {
            return Some(format!("type {required} to confirm"));
        }
        None
    }
}

impl RunConfirm {
    /// The databases the run will really start on (the set may not target all marked).
    pub fn ready_databases(&self) -> Option<Vec<String>> {
        match &self.result {
            Some(Ok(result)) => Some(result.plans.iter().map(|p| p.database.clone()).collect()),
            _ => None,
        }
    }
}

pub struct State {
    pub fleet: FleetInfo,
    pub dbs: Vec<Database>,
    by_name: HashMap<String, usize>,
    pub theme: Theme,
    /// The console clock in ms, set by the event loop (a fake one in tests).
    pub now_ms: u64,
    pub size: (u16, u16),
    pub layout: FleetLayout,
    /// Index into `fleet.shared_sets`; `None` runs each database's own set.
    pub set: Option<usize>,
    pub filter: Option<String>,
    /// Indices into `dbs` the filter lets through, in config order.
    pub visible: Vec<usize>,
    /// Index into `visible`.
    pub cursor: usize,
    /// First grid row drawn.
    pub offset: usize,
    /// Screens above the fleet; esc pops.
    pub screens: Vec<Screen>,
    pub overlay: Option<Overlay>,
    pub run: Option<RunProgress>,
    /// The journal as last read; `None` while the read is in flight.
    pub history: Option<Result<Vec<crate::engine::journal::JournalEntry>, String>>,
    pub flash: Option<Flash>,
    pub last_refresh_ms: Option<u64>,
    pub refresh_every_ms: u64,
    /// Quit as soon as the active run stops (after a cancel-and-quit).
    pub quit_after_run: bool,
    next_id: u64,
    /// The database focused before a filter showed nothing, to focus again when it shows.
    focus_anchor: Option<usize>,
}

impl State {
    pub fn new(fleet: FleetInfo, theme: Theme, size: (u16, u16)) -> State {
        let dbs: Vec<Database> = fleet.databases.iter().cloned().map(Database::new).collect();
        let by_name = dbs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.info.name.clone(), i))
            .collect();
        let visible = (0..dbs.len()).collect();
        State {
            fleet,
            dbs,
            by_name,
            theme,
            now_ms: 0,
            size,
            layout: FleetLayout::Panels,
            set: None,
            filter: None,
            visible,
            cursor: 0,
            offset: 0,
            screens: Vec::new(),
            overlay: None,
            run: None,
            history: None,
            flash: None,
            last_refresh_ms: None,
            refresh_every_ms: REFRESH_EVERY_MS,
            quit_after_run: false,
            next_id: 1,
            focus_anchor: None,
        }
    }

    /// The commands the console starts with: read every database's status.
    pub fn start(&mut self) -> Vec<Command> {
        self.last_refresh_ms = Some(self.now_ms);
        self.read((0..self.dbs.len()).collect())
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    pub fn too_small(&self) -> bool {
        layout::too_small(self.size.0, self.size.1)
    }

    pub fn set_name(&self) -> Option<&str> {
        self.set
            .and_then(|i| self.fleet.shared_sets.get(i))
            .map(|s| s.name.as_str())
    }

    pub fn context(&self) -> Context {
        match &self.overlay {
            Some(Overlay::Help { .. }) => return Context::Help,
            Some(Overlay::Prompt(_)) => return Context::Prompt,
            Some(Overlay::Confirm(_)) => return Context::Confirm,
            None => {}
        }
        match self.screens.last() {
            None => Context::Fleet,
            Some(Screen::Inspect(_)) => Context::Inspect,
            Some(Screen::Preview(_)) => Context::Preview,
            Some(Screen::Matrix(_)) => Context::Matrix,
            Some(Screen::Run) => Context::Run,
            Some(Screen::History { .. }) => Context::History,
        }
    }

    pub fn focused(&self) -> Option<usize> {
        self.visible.get(self.cursor).copied()
    }

    pub fn marked_count(&self) -> usize {
        self.dbs.iter().filter(|d| d.marked).count()
    }

    pub fn run_active(&self) -> bool {
        self.run.as_ref().is_some_and(RunProgress::is_active)
    }

    pub fn health(&self, db: usize) -> Health {
        let Some(database) = self.dbs.get(db) else {
            return Health::Unknown;
        };
        let running = self
            .run
            .as_ref()
            .is_some_and(|r| r.is_running(database.name()));
        Health::of(database, running)
    }

    /// Whether a tick changes what is on screen (a clock, a spinner, a flash to clear).
    pub fn animating(&self) -> bool {
        self.run_active()
            || self.flash.is_some()
            || self.dbs.iter().any(|d| d.reading_since.is_some())
            || self.waiting_for_plan()
    }

    fn waiting_for_plan(&self) -> bool {
        let confirm = matches!(
            &self.overlay,
            Some(Overlay::Confirm(Confirm { kind: ConfirmKind::Run(r), .. })) if r.result.is_none()
        );
        let preview = self
            .screens
            .iter()
            .any(|s| matches!(s, Screen::Preview(p) if p.result.is_none()));
        confirm || preview
    }

    /// The databases an action applies to: the marked ones, else the focused one.
    pub fn targets(&self) -> Vec<String> {
        let marked: Vec<String> = self
            .dbs
            .iter()
            .filter(|d| d.marked)
            .map(|d| d.info.name.clone())
            .collect();
        if !marked.is_empty() {
            return marked;
        }
        self.focused()
            .and_then(|i| self.dbs.get(i))
            .map(|d| vec![d.info.name.clone()])
            .unwrap_or_default()
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn flash(&mut self, level: FlashLevel, text: impl Into<String>) {
        self.flash = Some(Flash {
            text: text.into(),
            level,
            until_ms: self.now_ms + FLASH_MS,
        });
    }

    /// Asks for the status of `indices`, skipping those with a read in flight: a hung
    /// server gets one reader, not one more every refresh.
    fn read(&mut self, indices: Vec<usize>) -> Vec<Command> {
        let now = self.now_ms;
        let mut names = Vec::new();
        for i in indices {
            if let Some(db) = self.dbs.get_mut(i)
                && db.reading_since.is_none()
            {
                db.reading_since = Some(now);
                names.push(db.info.name.clone());
            }
        }
        if names.is_empty() {
            Vec::new()
        } else {
            vec![Command::ReadStatus(names)]
        }
    }

    fn read_names(&mut self, names: &[String]) -> Vec<Command> {
        let indices = names.iter().filter_map(|n| self.index_of(n)).collect();
        self.read(indices)
    }

    /// Every refresh starts with the migrations on disk: a file added since the console
    /// opened shows as pending, and is what a preview and a run use.
    fn reload_and_refresh(&mut self) -> Vec<Command> {
        self.last_refresh_ms = Some(self.now_ms);
        vec![Command::ReloadCatalog]
    }

    /// Takes a re-read catalog; the config (and so the databases) are the same.
    fn take_catalog(&mut self, info: FleetInfo) {
        if info.databases.len() != self.dbs.len() {
            return;
        }
        let set_name = self.set_name().map(str::to_owned);
        for (db, fresh) in self.dbs.iter_mut().zip(&info.databases) {
            db.info = fresh.clone();
        }
        self.fleet = info;
        self.set = set_name
            .as_deref()
            .and_then(|name| self.fleet.shared_sets.iter().position(|s| s.name == name));
        if let (Some(name), None) = (set_name, self.set) {
            self.flash(
                FlashLevel::Warning,
                format!("migration set {name} is gone from disk; back to own sets"),
            );
        }
    }

    fn refresh_all(&mut self) -> Vec<Command> {
        self.last_refresh_ms = Some(self.now_ms);
        let busy: Vec<usize> = (0..self.dbs.len())
            .filter(|&i| {
                self.run
                    .as_ref()
                    .is_some_and(|r| r.is_running(self.dbs[i].name()))
            })
            .collect();
        let indices = (0..self.dbs.len()).filter(|i| !busy.contains(i)).collect();
        self.read(indices)
    }

    pub fn apply_filter(&mut self, filter: Option<String>) {
        // A glob being typed matches nothing for a keystroke (`*_` on the way to
        // `*_service`); the focus must not fall to the first database because of it.
        let focused = self.focused().or(self.focus_anchor);
        self.filter = filter.filter(|f| !f.trim().is_empty());
        self.visible = match self.filter.as_deref().map(matcher) {
            Some(Ok(m)) => (0..self.dbs.len())
                .filter(|&i| m.is_match(self.dbs[i].name()))
                .collect(),
            // An unfinished glob (`user_{`) shows nothing rather than everything.
            Some(Err(_)) => Vec::new(),
            None => (0..self.dbs.len()).collect(),
        };
        self.cursor = focused
            .and_then(|f| self.visible.iter().position(|&v| v == f))
            .unwrap_or(0);
        self.focus_anchor = if self.visible.is_empty() {
            focused
        } else {
            None
        };
        self.offset = 0;
        self.keep_cursor_visible();
    }

    pub fn grid(&self) -> layout::Grid {
        layout::fleet_grid(self.size.0, self.size.1, self.layout)
    }

    fn keep_cursor_visible(&mut self) {
        if self.visible.is_empty() {
            self.cursor = 0;
            self.offset = 0;
            return;
        }
        self.cursor = self.cursor.min(self.visible.len() - 1);
        let grid = self.grid();
        self.offset = layout::scroll_to_show(self.offset, self.cursor / grid.columns, grid.rows);
    }

    fn matching(&self, pattern: &str) -> Result<Vec<usize>, String> {
        let m = matcher(pattern)?;
        Ok((0..self.dbs.len())
            .filter(|&i| m.is_match(self.dbs[i].name()))
            .collect())
    }

    /// The columns of the matrix: the shown databases.
    pub fn matrix_columns(&self) -> &[usize] {
        &self.visible
    }
}

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
            Vec::new()
        }
        Msg::Tick => on_tick(state),
        Msg::Status { database, status } => {
            if let Some(i) = state.index_of(&database) {
                let db = &mut state.dbs[i];
                db.status = Some(*status);
                db.reading_since = None;
                db.read_error = None;
            }
            Vec::new()
        }
        Msg::StatusFailed { database, error } => {
            if let Some(i) = state.index_of(&database) {
                let db = &mut state.dbs[i];
                db.reading_since = None;
                db.read_error = Some(error);
            }
            Vec::new()
        }
        Msg::Planned { id, result } => {
            on_planned(state, id, result);
            Vec::new()
        }
        Msg::Run(event) => {
            let now = state.now_ms;
            let ended = state.run.as_mut().and_then(|run| run.apply(&event, now));
            match ended {
                Some(db) => state.read_names(&[db]),
                None => Vec::new(),
            }
        }
        Msg::RunEnded(result) => on_run_ended(state, result),
        Msg::AdminDone { database, result } => {
            match result {
                Ok(text) => state.flash(FlashLevel::Info, format!("{database}: {text}")),
                Err(e) => state.flash(FlashLevel::Error, format!("{database}: {e}")),
            }
            state.read_names(&[database])
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
            state.refresh_all()
        }
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
    let due = state
        .last_refresh_ms
        .is_none_or(|last| state.now_ms.saturating_sub(last) >= state.refresh_every_ms);
    if due {
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
        let text = match &run.error {
            Some(e) => format!("the run did not start: {e}"),
            None => format!("run over: {ok}/{total} database(s) ok"),
        };
        state.flash(level, text);
    }
    if state.quit_after_run {
        return vec![Command::Quit];
    }
    state.read_names(&names)
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
    prompt_changed(state);
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Command> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    let context = state.context();
    let Some(binding) = keys::lookup(context, &key) else {
        type_into(state, key);
        return Vec::new();
    };
    if binding.mutating && state.too_small() {
        state.flash(
            FlashLevel::Warning,
            "the terminal is too small to act safely; enlarge it",
        );
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
    perform(state, context, binding.action)
}

/// Keys no binding claims: text for a prompt or for a confirmation's typed count.
fn type_into(state: &mut State, key: KeyEvent) {
    match &mut state.overlay {
        Some(Overlay::Prompt(prompt)) => {
            prompt.input.handle_event(&Event::Key(key));
            prompt.preset = None;
            prompt.stem = prompt.input.value().to_owned();
        }
        Some(Overlay::Confirm(Confirm {
            typed: Some(input), ..
        })) => {
            // Only the count is typed here; letters stay keys.
            let digit_or_edit = match key.code {
                crossterm::event::KeyCode::Char(c) => c.is_ascii_digit(),
                crossterm::event::KeyCode::Backspace | crossterm::event::KeyCode::Delete => true,
                _ => false,
            };
            if digit_or_edit {
                input.handle_event(&Event::Key(key));
            }
        }
        _ => return,
    }
    prompt_changed(state);
}

/// Keeps the prompt's live count (and a live filter) in step with its text.
fn prompt_changed(state: &mut State) {
    let Some(Overlay::Prompt(prompt)) = &state.overlay else {
        return;
    };
    let kind = prompt.kind;
    let text = prompt.input.value().to_owned();
    if kind == PromptKind::Command {
        return;
    }
    let matches = if text.trim().is_empty() {
        Ok(if kind == PromptKind::Filter {
            state.dbs.len()
        } else {
            0
        })
    } else {
        state.matching(&text).map(|m| m.len())
    };
    if kind == PromptKind::Filter {
        state.apply_filter(Some(text));
    }
    if let Some(Overlay::Prompt(prompt)) = &mut state.overlay {
        prompt.matches = matches;
    }
}

fn open_prompt(state: &mut State, kind: PromptKind) {
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
    }));
    prompt_changed(state);
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
            open_prompt(state, PromptKind::Command);
            Vec::new()
        }
        _ => match context {
            Context::Fleet => fleet_action(state, action),
            Context::Inspect => inspect_action(state, action),
            Context::Preview => preview_action(state, action),
            Context::Matrix => matrix_action(state, action),
            Context::Run => run_action(state, action),
            Context::History => history_action(state, action),
            Context::Confirm => confirm_action(state, action),
            Context::Prompt => prompt_action(state, action),
            Context::Help => {
                help_action(state, action);
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
        }
        return;
    }
    if let Some(screen) = state.screens.pop() {
        if let Screen::Matrix(view) = screen {
            state.set = view.set_before;
        }
        return;
    }
    if state.filter.is_some() {
        state.apply_filter(None);
    }
}

fn cycle_set(state: &mut State, forward: bool) {
    let count = state.fleet.shared_sets.len();
    state.set = match (state.set, forward) {
        (None, true) if count > 0 => Some(0),
        (None, false) if count > 0 => Some(count - 1),
        (Some(i), true) if i + 1 < count => Some(i + 1),
        (Some(i), false) if i > 0 => Some(i - 1),
        _ => None,
    };
}

fn move_cursor(state: &mut State, delta: isize) {
    let len = state.visible.len();
    if len == 0 {
        return;
    }
    let target = state.cursor as isize + delta;
    state.cursor = target.clamp(0, len as isize - 1) as usize;
    state.keep_cursor_visible();
}

fn fleet_action(state: &mut State, action: Action) -> Vec<Command> {
    let grid = state.grid();
    let columns = grid.columns as isize;
    let page = (grid.columns * grid.rows) as isize;
    match action {
        Action::MoveLeft => move_cursor(state, -1),
        Action::MoveRight => move_cursor(state, 1),
        Action::MoveUp if state.cursor as isize >= columns => {
            move_cursor(state, -columns);
        }
        Action::MoveDown => {
            // Into a shorter last row: land on its last panel rather than not move.
            let last_row = state.visible.len().saturating_sub(1) / grid.columns;
            if state.cursor / grid.columns < last_row {
                move_cursor(state, columns);
            }
        }
        // The view turns a whole page with the cursor, as in a pager, not one row.
        Action::PageUp => {
            state.offset = state.offset.saturating_sub(grid.rows);
            move_cursor(state, -page);
        }
        Action::PageDown => {
            let rows_total = state.visible.len().div_ceil(grid.columns.max(1));
            let last_page = rows_total.saturating_sub(grid.rows);
            state.offset = (state.offset + grid.rows).min(last_page);
            move_cursor(state, page);
        }
        Action::Top => move_cursor(state, isize::MIN / 2),
        Action::Bottom => move_cursor(state, isize::MAX / 2),
        Action::ToggleMark => {
            if let Some(i) = state.focused() {
                state.dbs[i].marked = !state.dbs[i].marked;
            }
        }
        Action::MarkAll => {
            let all = state.visible.iter().all(|&i| state.dbs[i].marked);
            for &i in &state.visible {
                state.dbs[i].marked = !all;
            }
        }
        Action::InvertMarks => {
            for &i in &state.visible {
                state.dbs[i].marked = !state.dbs[i].marked;
            }
            let marked = state.marked_count();
            state.flash(FlashLevel::Info, format!("marks inverted; {marked} marked"));
        }
        Action::MarkGlob => open_prompt(state, PromptKind::Mark),
        Action::UnmarkGlob => open_prompt(state, PromptKind::Unmark),
        Action::Filter => open_prompt(state, PromptKind::Filter),
        Action::Inspect => return open_inspect(state, state.focused()),
        Action::Preview => return open_preview(state),
        Action::RunUp => return open_run_confirm(state, Direction::Up),
        Action::RunDown => return open_run_confirm(state, Direction::Down),
        Action::Matrix => open_matrix(state),
        Action::PrevSet => cycle_set(state, false),
        Action::NextSet => cycle_set(state, true),
        Action::Unlock => open_unlock(state, state.focused()),
        Action::Resolve => open_resolve(state, state.focused()),
        Action::ToggleLayout => {
            state.layout = match state.layout {
                FleetLayout::Panels => FleetLayout::Rows,
                FleetLayout::Rows => FleetLayout::Panels,
            };
            state.offset = 0;
            state.keep_cursor_visible();
        }
        Action::History => {
            state.history = None;
            state.screens.push(Screen::History { scroll: 0 });
            return vec![Command::ReadHistory];
        }
        Action::ShowRun => {
            if state.run.is_some() {
                state.screens.push(Screen::Run);
            } else {
                state.flash(FlashLevel::Info, "no run yet: mark databases, then U");
            }
        }
        _ => {}
    }
    Vec::new()
}

fn open_inspect(state: &mut State, db: Option<usize>) -> Vec<Command> {
    let Some(db) = db else {
        state.flash(FlashLevel::Info, "no database here");
        return Vec::new();
    };
    state
        .screens
        .push(Screen::Inspect(InspectView { db, scroll: 0 }));
    state.read(vec![db])
}

fn open_preview(state: &mut State) -> Vec<Command> {
    let databases = state.targets();
    if databases.is_empty() {
        state.flash(FlashLevel::Info, "no database to preview");
        return Vec::new();
    }
    let id = state.next_id();
    let set = state.set_name().map(str::to_owned);
    state.screens.push(Screen::Preview(PreviewView {
        id,
        databases: databases.clone(),
        set: set.clone(),
        result: None,
        selected: 0,
        scroll: 0,
    }));
    vec![Command::Plan {
        id,
        databases,
        set,
        direction: Direction::Up,
        limit: Limit::All,
    }]
}

fn open_run_confirm(state: &mut State, direction: Direction) -> Vec<Command> {
    if state.run_active() {
        state.flash(
            FlashLevel::Warning,
            "a run is in progress; r shows it, X cancels it",
        );
        return Vec::new();
    }
    let databases = state.targets();
    if databases.is_empty() {
        state.flash(FlashLevel::Info, "no database to run on");
        return Vec::new();
    }
    let id = state.next_id();
    let set = state.set_name().map(str::to_owned);
    let production = state
        .fleet
        .environment
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("production"));
    let must_type = direction == Direction::Down || production;
    state.overlay = Some(Overlay::Confirm(Confirm {
        kind: ConfirmKind::Run(RunConfirm {
            direction,
            set: set.clone(),
            databases: databases.clone(),
            plan_id: id,
            result: None,
        }),
        focus: 0,
        typed: must_type.then(Input::default),
    }));
    vec![Command::Plan {
        id,
        databases,
        set,
        direction,
        limit: default_limit(direction),
    }]
}

fn open_unlock(state: &mut State, db: Option<usize>) {
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
                super::model::short_time(&lock.row.acquired_at),
                super::model::short_time(&lock.row.heartbeat_at)
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

fn open_resolve(state: &mut State, db: Option<usize>) {
    let Some(database) = db.and_then(|i| state.dbs.get(i)) else {
        return;
    };
    let name = database.info.name.clone();
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
        return;
    }
    let Some(status) = database.status.as_ref().filter(|s| s.dirty) else {
        state.flash(
            FlashLevel::Info,
            format!("{name} is neither dirty nor drifted"),
        );
        return;
    };
    let reverting = status
        .sets
        .iter()
        .flat_map(|s| &s.migrations)
        .any(|m| m.state == crate::engine::status::MigrationState::Reverting);
    let detail: Vec<String> = status
        .sets
        .iter()
        .flat_map(|s| &s.migrations)
        .filter(|m| m.state.is_dirty())
        .map(|m| {
            format!(
                "{} — {}{}",
                m.id,
                super::model::migration_state_label(m),
                m.error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    state.overlay = Some(Overlay::Confirm(Confirm {
        kind: ConfirmKind::Resolve {
            database: name,
            detail,
            reverting,
        },
        focus: 0,
        typed: None,
    }));
}

fn open_matrix(state: &mut State) {
    if state.fleet.shared_sets.is_empty() {
        state.flash(
            FlashLevel::Info,
            "no shared migration set: the matrix compares a shared set across databases",
        );
        return;
    }
    let set_before = state.set;
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
    }));
    keep_matrix_visible(state);
}

fn inspect_action(state: &mut State, action: Action) -> Vec<Command> {
    let Some(Screen::Inspect(view)) = state.screens.last() else {
        return Vec::new();
    };
    let db = view.db;
    let lines = inspect_lines(state, db);
    let page = layout::inspect_page(state.size.1);
    let max = lines.saturating_sub(page);
    let scroll = view.scroll;
    let new_scroll = match action {
        Action::MoveUp => scroll.saturating_sub(1),
        Action::MoveDown => (scroll + 1).min(max),
        Action::PageUp => scroll.saturating_sub(page),
        Action::PageDown => (scroll + page).min(max),
        Action::Top => 0,
        Action::Bottom => max,
        Action::Unlock => {
            open_unlock(state, Some(db));
            scroll
        }
        Action::Resolve => {
            open_resolve(state, Some(db));
            scroll
        }
        Action::PrevSet => {
            cycle_set(state, false);
            scroll
        }
        Action::NextSet => {
            cycle_set(state, true);
            scroll
        }
        _ => scroll,
    };
    if let Some(Screen::Inspect(view)) = state.screens.last_mut() {
        view.scroll = new_scroll;
    }
    Vec::new()
}

/// Lines of the inspect view's migration list: a heading per set, a line per migration.
pub fn inspect_lines(state: &State, db: usize) -> usize {
    state
        .dbs
        .get(db)
        .and_then(|d| d.status.as_ref())
        .map(|s| s.sets.iter().map(|set| 1 + set.migrations.len()).sum())
        .unwrap_or(0)
}

fn preview_action(state: &mut State, action: Action) -> Vec<Command> {
    match action {
        Action::RunUp => return open_run_confirm(state, Direction::Up),
        Action::RunDown => return open_run_confirm(state, Direction::Down),
        _ => {}
    }
    let (width, height) = layout::preview_sql_inner(state.size.0, state.size.1);
    let Some(Screen::Preview(view)) = state.screens.last_mut() else {
        return Vec::new();
    };
    let count = view
        .result
        .as_ref()
        .and_then(|r| r.as_ref().ok())
        .map(|r| r.plans.len())
        .unwrap_or(0);
    let lines = view
        .result
        .as_ref()
        .and_then(|r| r.as_ref().ok())
        .and_then(|r| r.plans.get(view.selected))
        .map(|plan| layout::wrap(&super::model::sql_text(plan), width).len())
        .unwrap_or(0);
    let max = lines.saturating_sub(height);
    match action {
        Action::MoveUp => {
            view.selected = view.selected.saturating_sub(1);
            view.scroll = 0;
        }
        Action::MoveDown => {
            view.selected = (view.selected + 1).min(count.saturating_sub(1));
            view.scroll = 0;
        }
        Action::ScrollUp => view.scroll = view.scroll.saturating_sub(1),
        Action::ScrollDown => view.scroll = (view.scroll + 1).min(max),
        Action::PageUp => view.scroll = view.scroll.saturating_sub(height.max(1)),
        Action::PageDown => view.scroll = (view.scroll + height.max(1)).min(max),
        Action::Top => view.scroll = 0,
        Action::Bottom => view.scroll = max,
        _ => {}
    }
    Vec::new()
}

fn keep_matrix_visible(state: &mut State) {
    let fit = layout::matrix_fit(state.size.0);
    let columns = state.matrix_columns().len();
    let rows = state
        .set
        .and_then(|i| state.fleet.shared_sets.get(i))
        .map(|s| s.migrations.len())
        .unwrap_or(0);
    if let Some(Screen::Matrix(view)) = state.screens.last_mut() {
        view.col = view.col.min(columns.saturating_sub(1));
        view.row = view.row.min(rows.saturating_sub(1));
        view.col_offset = layout::scroll_to_show(view.col_offset, view.col, fit);
    }
}

fn matrix_action(state: &mut State, action: Action) -> Vec<Command> {
    let fit = layout::matrix_fit(state.size.0) as isize;
    let mut inspect = None;
    match action {
        Action::PrevSet | Action::NextSet => {
            // The matrix is about shared sets: skip "own sets" when cycling here.
            cycle_set(state, action == Action::NextSet);
            if state.set.is_none() {
                cycle_set(state, action == Action::NextSet);
            }
        }
        _ => {
            let columns = state.matrix_columns().to_vec();
            if let Some(Screen::Matrix(view)) = state.screens.last_mut() {
                let shift = |v: usize, d: isize| (v as isize + d).max(0) as usize;
                match action {
                    Action::MoveUp => view.row = view.row.saturating_sub(1),
                    Action::MoveDown => view.row += 1,
                    Action::MoveLeft => view.col = view.col.saturating_sub(1),
                    Action::MoveRight => view.col += 1,
                    // The view turns a whole page with the cursor, as the fleet's does.
                    Action::PageUp => {
                        view.col = shift(view.col, -fit);
                        view.col_offset = shift(view.col_offset, -fit);
                    }
                    Action::PageDown => {
                        let last_page = columns.len().saturating_sub(fit.max(1) as usize);
                        view.col = shift(view.col, fit);
                        view.col_offset = (view.col_offset + fit.max(0) as usize).min(last_page);
                    }
                    Action::Inspect => inspect = columns.get(view.col).copied(),
                    _ => {}
                }
            }
        }
    }
    keep_matrix_visible(state);
    match inspect {
        Some(db) => open_inspect(state, Some(db)),
        None => Vec::new(),
    }
}

/// The history screen's rows at the current size: every entry's lines, newest first,
/// wrapped (a refusal's reason is the part worth reading whole). `update` scrolls over the
/// same rows the view draws.
pub fn history_lines(state: &State) -> Vec<(String, bool)> {
    let Some(Ok(entries)) = &state.history else {
        return Vec::new();
    };
    let (width, height) = state.size;
    let inner = usize::from(layout::body(ratatui::layout::Rect::new(0, 0, width, height)).width)
        .saturating_sub(2)
        .max(20);
    let mut rows = Vec::new();
    for (text, bad) in entries.iter().rev().flat_map(|e| e.lines()) {
        let indent = if text.starts_with("    ") {
            "      "
        } else {
            "    "
        };
        for (i, row) in layout::wrap_words(&text, inner.saturating_sub(indent.len()))
            .into_iter()
            .enumerate()
        {
            let row = if i == 0 {
                row
            } else {
                format!("{indent}{row}")
            };
            rows.push((row, bad));
        }
    }
    rows
}

fn history_action(state: &mut State, action: Action) -> Vec<Command> {
    let total = history_lines(state).len();
    let (width, height) = state.size;
    let page = usize::from(
        layout::body(ratatui::layout::Rect::new(0, 0, width, height))
            .height
            .saturating_sub(2),
    )
    .max(1);
    let max = total.saturating_sub(page);
    if let Some(Screen::History { scroll }) = state.screens.last_mut() {
        *scroll = match action {
            Action::MoveUp => scroll.saturating_sub(1),
            Action::MoveDown => (*scroll + 1).min(max),
            Action::PageUp => scroll.saturating_sub(page),
            Action::PageDown => (*scroll + page).min(max),
            Action::Top => 0,
            Action::Bottom => max,
            _ => *scroll,
        };
    }
    if action == Action::Back {
        back(state);
    }
    Vec::new()
}

fn run_action(state: &mut State, action: Action) -> Vec<Command> {
    let (width, height) = state.size;
    let Some(run) = &mut state.run else {
        return Vec::new();
    };
    let window = layout::run_table_height(width, height, run.rows.len());
    let last = run.rows.len().saturating_sub(1);
    match action {
        Action::MoveUp => run.cursor = run.cursor.saturating_sub(1),
        Action::MoveDown => run.cursor = (run.cursor + 1).min(last),
        Action::PageUp => run.cursor = run.cursor.saturating_sub(window),
        Action::PageDown => run.cursor = (run.cursor + window).min(last),
        Action::Top => run.cursor = 0,
        Action::Bottom => run.cursor = last,
        Action::CancelOne => {
            if !run.is_active() {
                return Vec::new();
            }
            if let Some(row) = run.rows.get(run.cursor) {
                let db = row.database.clone();
                state.flash(
                    FlashLevel::Warning,
                    format!("cancelling {db} after its current statement"),
                );
                return vec![Command::CancelDatabase(db)];
            }
        }
        Action::CancelAll => {
            if !run.is_active() {
                return Vec::new();
            }
            run.cancelling = true;
            state.flash(
                FlashLevel::Warning,
                "cancelling the run after the current statements",
            );
            return vec![Command::CancelRun];
        }
        _ => {}
    }
    run.offset = layout::scroll_to_show(run.offset, run.cursor, window);
    Vec::new()
}

/// Rows the help of `context` lists: its keys and, under the fleet's, the symbol legend.
fn help_rows(context: Context) -> usize {
    let legend = if context == Context::Fleet {
        layout::HELP_LEGEND_ROWS
    } else {
        0
    };
    keys::help_for(context).len() + legend
}

fn help_action(state: &mut State, action: Action) {
    // Bounded by what the page can show, so k answers at once after too many j.
    let (width, height) = state.size;
    let max = match &state.overlay {
        Some(Overlay::Help { context, .. }) => {
            layout::help_max_scroll(width, height, help_rows(*context))
        }
        _ => 0,
    };
    if let Some(Overlay::Help { scroll, .. }) = &mut state.overlay {
        match action {
            Action::MoveUp => *scroll = scroll.saturating_sub(1),
            Action::MoveDown => *scroll = (*scroll + 1).min(max),
            _ => {}
        }
    }
}

fn confirm_action(state: &mut State, action: Action) -> Vec<Command> {
    let Some(Overlay::Confirm(confirm)) = &mut state.overlay else {
        return Vec::new();
    };
    let buttons = confirm.buttons().len();
    match action {
        Action::FocusNext => confirm.focus = (confirm.focus + 1) % buttons,
        Action::FocusPrev => confirm.focus = (confirm.focus + buttons - 1) % buttons,
        Action::Activate => return activate(state),
        _ => {}
    }
    Vec::new()
}

fn activate(state: &mut State) -> Vec<Command> {
    let Some(Overlay::Confirm(confirm)) = state.overlay.clone() else {
        return Vec::new();
    };
    if confirm.focus == 0 {
        state.overlay = None;
        return Vec::new();
    }
    if let Some(why) = confirm.blocked() {
        state.flash(FlashLevel::Warning, why);
        return Vec::new();
    }
    state.overlay = None;
    match confirm.kind {
        ConfirmKind::Run(run) => {
            let databases = run.ready_databases().unwrap_or_default();
            state.run = Some(RunProgress::new(
                run.direction,
                run.set.clone(),
                &databases,
                state.now_ms,
            ));
            state.screens = vec![Screen::Run];
            vec![Command::StartRun {
                databases,
                set: run.set,
                direction: run.direction,
                limit: default_limit(run.direction),
            }]
        }
        ConfirmKind::Unlock { database, .. } => {
            state.flash(
                FlashLevel::Info,
                format!("clearing the lock on {database}…"),
            );
            vec![Command::Unlock(database)]
        }
        ConfirmKind::Resolve { database, .. } => {
            let resolution = if confirm.focus == 1 {
                Resolution::Applied
            } else {
                Resolution::RolledBack
            };
            state.flash(FlashLevel::Info, format!("resolving {database}…"));
            vec![Command::Resolve {
                database,
                resolution,
            }]
        }
        ConfirmKind::AcceptDrift { database, .. } => {
            state.flash(
                FlashLevel::Info,
                format!("recording {database}'s current checksums…"),
            );
            vec![Command::Resolve {
                database,
                resolution: Resolution::AcceptDrift,
            }]
        }
        ConfirmKind::QuitDuringRun => force_quit(state),
    }
}

fn prompt_action(state: &mut State, action: Action) -> Vec<Command> {
    let Some(Overlay::Prompt(prompt)) = &mut state.overlay else {
        return Vec::new();
    };
    match action {
        Action::Complete => {
            complete(state);
            Vec::new()
        }
        Action::Submit => {
            let kind = prompt.kind;
            let text = prompt.input.value().trim().to_owned();
            state.overlay = None;
            submit(state, kind, &text)
        }
        _ => Vec::new(),
    }
}

fn complete(state: &mut State) {
    let patterns = state.fleet.patterns.clone();
    let set_names: Vec<String> = std::iter::once("own".to_owned())
        .chain(state.fleet.shared_sets.iter().map(|s| s.name.clone()))
        .collect();
    let Some(Overlay::Prompt(prompt)) = &mut state.overlay else {
        return;
    };
    let text = prompt.stem.clone();
    let choices: Vec<String> = match prompt.kind {
        PromptKind::Command => match text.split_once(' ') {
            Some((cmd @ ("select" | "unselect" | "filter"), _)) => {
                patterns.iter().map(|p| format!("{cmd} {p}")).collect()
            }
            Some(("set", _)) => set_names.iter().map(|s| format!("set {s}")).collect(),
            // Whatever else follows a command is its own; no completion.
            Some(_) => Vec::new(),
            None => COMMANDS
                .iter()
                .filter(|c| c.starts_with(text.as_str()))
                .map(|c| (*c).to_owned())
                .collect(),
        },
        _ => patterns,
    };
    // Completions of what was typed first; when none fits, every choice.
    let fitting: Vec<String> = choices
        .iter()
        .filter(|c| c.starts_with(text.as_str()))
        .cloned()
        .collect();
    let choices = if fitting.is_empty() { choices } else { fitting };
    if choices.is_empty() {
        return;
    }
    let next = match prompt.preset {
        Some(i) => (i + 1) % choices.len(),
        None => 0,
    };
    prompt.input = Input::new(choices[next].clone());
    prompt.preset = Some(next);
    prompt_changed(state);
}

fn submit(state: &mut State, kind: PromptKind, text: &str) -> Vec<Command> {
    match kind {
        PromptKind::Filter => {
            state.apply_filter(Some(text.to_owned()));
            Vec::new()
        }
        PromptKind::Mark | PromptKind::Unmark => {
            let mark = kind == PromptKind::Mark;
            if text.is_empty() {
                return Vec::new();
            }
            match state.matching(text) {
                Ok(found) => {
                    for &i in &found {
                        state.dbs[i].marked = mark;
                    }
                    let verb = if mark { "marked" } else { "unmarked" };
                    let total = state.marked_count();
                    state.flash(
                        FlashLevel::Info,
                        format!("{verb} {} matching {text}; {total} marked", found.len()),
                    );
                }
                Err(e) => state.flash(FlashLevel::Error, format!("{text}: {e}")),
            }
            Vec::new()
        }
        PromptKind::Command => run_command_line(state, text),
    }
}

fn run_command_line(state: &mut State, line: &str) -> Vec<Command> {
    let (command, argument) = match line.split_once(' ') {
        Some((c, a)) => (c, a.trim()),
        None => (line, ""),
    };
    match command {
        "" => Vec::new(),
        "q" | "quit" => quit_from_anywhere(state),
        "matrix" | "m" => {
            state.screens.clear();
            open_matrix(state);
            Vec::new()
        }
        "select" | "mark" => submit(state, PromptKind::Mark, argument),
        "unselect" | "unmark" => submit(state, PromptKind::Unmark, argument),
        "filter" => {
            state.apply_filter(Some(argument.to_owned()));
            Vec::new()
        }
        "set" => {
            let wanted = argument.trim();
            if wanted.is_empty() || wanted == "own" {
                state.set = None;
            } else if let Some(i) = state
                .fleet
                .shared_sets
                .iter()
                .position(|s| s.name == wanted)
            {
                state.set = Some(i);
            } else {
                let known: Vec<&str> = state
                    .fleet
                    .shared_sets
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect();
                state.flash(
                    FlashLevel::Error,
                    format!("no shared set `{wanted}`; sets: own, {}", known.join(", ")),
                );
            }
            Vec::new()
        }
        "up" | "down" if state.fleet.read_only => {
            state.flash(
                FlashLevel::Warning,
                "read-only: migrator.dry_run is true in the config",
            );
            Vec::new()
        }
        "up" => open_run_confirm(state, Direction::Up),
        "down" => open_run_confirm(state, Direction::Down),
        "preview" => open_preview(state),
        "refresh" => state.refresh_all(),
        "help" => {
            state.overlay = Some(Overlay::Help {
                context: state.context(),
                scroll: 0,
            });
            Vec::new()
        }
        other => {
            state.flash(
                FlashLevel::Error,
                format!(
                    "unknown command `{other}`; commands: {}",
                    COMMANDS.join(", ")
                ),
            );
            Vec::new()
        }
    }
}

fn quit_from_anywhere(state: &mut State) -> Vec<Command> {
    state.screens.clear();
    state.overlay = None;
    quit(state)
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
