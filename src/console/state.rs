//! The console's one `State`, the model of the Elm architecture: the fleet as last read,
//! the stack of screens with each one's position, the overlay on top, the run. Views draw
//! from it alone and `update` changes it; the questions both ask of it (what an action
//! targets, which keys apply now, how the journal wraps at this size) are answered here,
//! so that neither has to ask the other.

use std::collections::HashMap;

use tui_input::Input;

use super::keys::Context;
use super::layout::{self, FleetLayout};
use super::model::{Database, FleetInfo, Health, matcher};
use super::msg::{Command, PlanResult};
use super::progress::RunProgress;
use super::theme::{Sym, Theme};
use dbfleet_core::engine::resume::DirtyStep;
use dbfleet_core::engine::{Direction, Limit};

/// How often status is read again on its own, unless `migrator.console_refresh_secs`
/// says otherwise (the config's default is the same 10 s).
pub const REFRESH_EVERY_MS: u64 = 10_000;
/// The timer's refresh reads at most this many databases off screen at a time. A status
/// read costs about a millisecond of CPU even on a SQLite file (a connection, its thread,
/// a few queries), so this bounds what an idle console takes: 100 every 10 s is about 1%
/// of a core; at 1,000 databases every one is still read within 100 s.
pub const REFRESH_BATCH: usize = 100;

/// Runs over this many databases or more offer a canary in their confirmation.
pub const CANARY_FROM: usize = 3;
/// The "everything pending" choice's name.
pub const EVERYTHING: &str = "everything pending";
/// Journal entries the history screen keeps, newest.
pub const HISTORY_ENTRIES: usize = 200;
/// How long a flash message stays.
pub(super) const FLASH_MS: u64 = 5_000;

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
    /// Where it was said: a flash about a dialog or a screen goes when that does;
    /// `Global` for one that stays anywhere (`State::notice`).
    pub context: Context,
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
    /// Every pending set of each database.
    pub everything: bool,
    /// How far, when not all pending (a matrix row previews up to its migration).
    pub limit: Option<Limit>,
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
    pub everything_before: bool,
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
    /// The database focused before this prompt opened (index into `dbs`), for esc: the
    /// filter being typed may have moved the focus.
    pub previous_focus: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Confirm {
    pub kind: ConfirmKind,
    /// 0 is always Cancel, where the focus starts.
    pub focus: usize,
    /// For `down` and production: the operator types the number of databases; for a mark
    /// that contradicts what ran (resolve), the database's name.
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
        /// The half-done steps statement by statement, read from the database by a
        /// worker; `None` while the read is in flight.
        steps: Option<Result<Vec<DirtyStep>, String>>,
    },
    /// Another tool manages it and dbfleet has not adopted it: record what that tool
    /// applied (`dbfleet adopt --apply`).
    Adopt {
        database: String,
        tool: String,
        /// What the tool's table says and what adopting does, in words.
        detail: String,
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
    /// Every pending set, one after another (`set` is then `None`).
    pub everything: bool,
    /// How far: all pending, one step down, or through one migration (from the matrix).
    pub limit: Limit,
}

impl Confirm {
    pub fn buttons(&self) -> Vec<String> {
        match &self.kind {
            ConfirmKind::Run(run) => {
                let mut buttons = vec![
                    "Cancel".into(),
                    format!(
                        "Run {} on {}",
                        run.direction,
                        run.ready_databases()
                            .map_or(run.databases.len(), |d| d.len())
                    ),
                ];
                if let Some(canary) = run.canary_candidate() {
                    buttons.push(format!("Canary {canary} first"));
                }
                buttons
            }
            ConfirmKind::Unlock { .. } => vec!["Cancel".into(), "Clear the lock".into()],
            ConfirmKind::Adopt { tool, .. } => {
                vec!["Cancel".into(), format!("Adopt from {tool}")]
            }
            ConfirmKind::AcceptDrift { .. } => {
                vec!["Cancel".into(), "Accept the edited files".into()]
            }
            // Resume first, as the CLI offers it: it is the answer whenever the file is
            // unchanged and the cause of the failure has been fixed.
            ConfirmKind::Resolve { .. } => vec![
                "Cancel".into(),
                "Resume".into(),
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
            ConfirmKind::Resolve {
                database, steps, ..
            } => {
                let steps = steps.as_ref()?.as_ref().ok()?;
                // As the CLI's resolve: a mark that says the opposite of what ran.
                let contradicts = steps.iter().any(|step| match self.focus {
                    2 => step.applied_warning().is_some(),
                    3 => step.rolled_back_warning().is_some(),
                    _ => false,
                });
                contradicts.then(|| database.clone())
            }
            _ => None,
        }
    }

    /// Whether the typed line takes a name (any character) rather than a count.
    pub fn types_a_name(&self) -> bool {
        matches!(self.kind, ConfirmKind::Resolve { .. })
    }

    /// Whether the focused action may go ahead now, or why not.
    pub fn blocked(&self) -> Option<String> {
        if let ConfirmKind::Resolve { steps, .. } = &self.kind {
            match steps {
                None => return Some("reading the step's statements…".into()),
                Some(Err(e)) => return Some(e.clone()),
                Some(Ok(steps)) if self.focus == 1 => {
                    if let Some(why) = steps.iter().find_map(|s| s.cannot_resume.clone()) {
                        return Some(format!("resume is not offered: {why}"));
                    }
                }
                Some(Ok(_)) => {}
            }
            return self.typed_mismatch();
        }
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
            // A run that would change nothing is not offered: a dirty, drifted or stale-
            // locked database is refused again until its cause is fixed (R, L), and an up
            // to date one stays so. Only a database that did not answer the dry run (busy,
            // unreachable, its lock held) may answer the run: that one is worth a try.
            Some(Ok(result))
                if result.plans.iter().all(|p| {
                    (p.steps.is_empty() && p.refused.is_none())
                        || p.refused.as_ref().is_some_and(|r| {
                            !matches!(r.kind(), "unreachable" | "lock_timeout" | "lock_failed")
                        })
                }) =>
            {
                let refused = result.plans.iter().filter(|p| p.refused.is_some()).count();
                let elsewhere = result.plans.iter().any(|p| !p.pending_elsewhere.is_empty());
                return Some(if refused > 0 {
                    format!(
                        "nothing would change: {refused} refused (why above), the rest up to date"
                    )
                } else if elsewhere {
                    "nothing to run in this set; the pending work is in another (] switches)".into()
                } else {
                    "nothing to run: all up to date".into()
                });
            }
            Some(Ok(_)) => {}
        }
        self.typed_mismatch()
    }

    fn typed_mismatch(&self) -> Option<String> {
        if let (Some(required), Some(typed)) = (self.required_text(), &self.typed)
            && typed.value().trim() != required
        {
            return Some(format!("type {required} to confirm"));
        }
        None
    }
}

impl RunConfirm {
    /// The database a canary run starts with: the first that will change. Offered when
    /// at least `CANARY_FROM` databases would run, as the CLI's `--canary 1`.
    pub fn canary_candidate(&self) -> Option<String> {
        let Some(Ok(result)) = &self.result else {
            return None;
        };
        if result.plans.len() < CANARY_FROM {
            return None;
        }
        result
            .plans
            .iter()
            .find(|p| p.refused.is_none() && !p.steps.is_empty())
            .map(|p| p.database.clone())
    }

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
    /// "Everything pending": every set of each database, own first (`set` is `None`).
    pub everything: bool,
    /// The set was chosen (by the operator, or by the console once statuses were in):
    /// the console does not choose it again.
    pub set_chosen: bool,
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
    pub history: Option<Result<Vec<dbfleet_core::engine::journal::JournalEntry>, String>>,
    pub flash: Option<Flash>,
    pub last_refresh_ms: Option<u64>,
    /// 0: no refresh on its own, only `ctrl-r` and after a run.
    pub refresh_every_ms: u64,
    /// The refresh under way came from the timer, not the operator: it reads a batch.
    pub timer_refresh: bool,
    /// Where the timer's next batch starts, round the fleet (see `refresh_batch`).
    pub refresh_next: usize,
    /// Quit as soon as the active run stops (after a cancel-and-quit).
    pub quit_after_run: bool,
    /// Closed by Ctrl-C or a signal: the exit code says so (130), as the CLI's.
    pub interrupted: bool,
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
            everything: false,
            set_chosen: false,
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
            timer_refresh: false,
            refresh_next: 0,
            quit_after_run: false,
            interrupted: false,
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

    /// The chosen set as the header and the titles name it.
    pub fn set_label(&self) -> &str {
        if self.everything {
            EVERYTHING
        } else {
            self.set_name().unwrap_or("own sets")
        }
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

    /// The process's exit code when the console closes now: 130 after Ctrl-C (or a
    /// signal) or a cancelled run, 1 when the last run left a database not well, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.interrupted {
            return crate::console::progress::exit::INTERRUPTED;
        }
        self.run
            .as_ref()
            .map_or(crate::console::progress::exit::OK, RunProgress::exit_code)
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

    pub(super) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn flash(&mut self, level: FlashLevel, text: impl Into<String>) {
        self.flash = Some(Flash {
            text: text.into(),
            level,
            until_ms: self.now_ms + FLASH_MS,
            context: self.context(),
        });
    }

    /// A flash about something that happened on its own (a run ended, an unlock done):
    /// it stays when the operator moves to another screen.
    pub fn notice(&mut self, level: FlashLevel, text: impl Into<String>) {
        self.flash(level, text);
        if let Some(flash) = &mut self.flash {
            flash.context = Context::Global;
        }
    }

    /// Asks for the status of `indices`, skipping those with a read in flight: a hung
    /// server gets one reader, not one more every refresh.
    pub(super) fn read(&mut self, indices: Vec<usize>) -> Vec<Command> {
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

    pub(super) fn read_names(&mut self, names: &[String]) -> Vec<Command> {
        let indices = names.iter().filter_map(|n| self.index_of(n)).collect();
        self.read(indices)
    }

    /// Every refresh starts with the migrations on disk: a file added since the console
    /// opened shows as pending, and is what a preview and a run use.
    pub(super) fn reload_and_refresh(&mut self) -> Vec<Command> {
        self.last_refresh_ms = Some(self.now_ms);
        vec![Command::ReloadCatalog]
    }

    /// Takes a re-read catalog; the config (and so the databases) are the same.
    pub(super) fn take_catalog(&mut self, info: FleetInfo) {
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

    /// The timer's refresh: the databases on screen and the next `REFRESH_BATCH` round
    /// the fleet, so a refresh of 1,000 databases on servers opens at most a few hundred
    /// connections each time, not a thousand, and every database is still read within a
    /// few periods (`ctrl-r` reads them all now). A fleet that fits a batch is read whole.
    /// The databases of the run in progress are left alone: the run says how each goes,
    /// and each is read when it finishes (`read_after_its_run`) or when the run ends.
    pub(super) fn refresh_batch(&mut self) -> Vec<Command> {
        let count = self.dbs.len();
        if count <= REFRESH_BATCH {
            return self.refresh_all();
        }
        self.last_refresh_ms = Some(self.now_ms);
        let start = self.refresh_next % count;
        self.refresh_next = (start + REFRESH_BATCH) % count;
        let round = (0..REFRESH_BATCH).map(|k| (start + k) % count);
        let mut indices: Vec<usize> = self.panels_on_screen().chain(round).collect();
        indices.sort_unstable();
        indices.dedup();
        indices.retain(|&i| {
            !self
                .run
                .as_ref()
                .is_some_and(|r| r.takes_part(self.dbs[i].name()))
        });
        self.read(indices)
    }

    /// The databases (indices into `dbs`) whose panels or rows the fleet view draws at
    /// its scroll position, whether or not another screen covers it now.
    fn panels_on_screen(&self) -> impl Iterator<Item = usize> + '_ {
        let grid = self.grid();
        self.visible
            .iter()
            .skip(self.offset * grid.columns)
            .take(grid.columns * grid.rows)
            .copied()
    }

    /// A database of the run in progress has ended: its status is read again at once
    /// when the run is small enough to read whole (as the timer does), or when its panel
    /// is in front of the operator. The other databases of a large run are read when it
    /// ends (`update::on_run_ended` reads every database of the run), so a thousand
    /// reads do not take CPU and connections from the run while it goes.
    pub(super) fn read_after_its_run(&mut self, database: String) -> Vec<Command> {
        let large = self
            .run
            .as_ref()
            .is_some_and(|r| r.is_active() && r.rows.len() > REFRESH_BATCH);
        if large {
            let fleet_in_front = self.screens.is_empty();
            let shown = self
                .index_of(&database)
                .is_some_and(|db| fleet_in_front && self.panels_on_screen().any(|i| i == db));
            if !shown {
                return Vec::new();
            }
        }
        self.read_names(&[database])
    }

    pub(super) fn refresh_all(&mut self) -> Vec<Command> {
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

    /// Every condition database `db` is in, worst first: its health, and besides it what
    /// else its status says (a dirty database may hold a stale lock too). The header counts
    /// each, `/dirty` matches each, `n` stops at any but up to date.
    pub fn conditions(&self, db: usize) -> Vec<Sym> {
        let health = self.health(db);
        let mut out = vec![health.sym()];
        if let (Health::Is(_), Some(database)) = (&health, self.dbs.get(db))
            && database.read_error.is_none()
            && database.info.config_error.is_none()
            && let Some(status) = database.status.as_ref().filter(|s| s.error.is_none())
        {
            let also = [
                (status.dirty, Sym::Dirty),
                (status.lock.is_some(), Sym::Locked),
                (!status.drift.is_empty(), Sym::Drift),
                (status.pending > 0, Sym::Pending),
            ];
            for (applies, sym) in also {
                if applies && !out.contains(&sym) {
                    out.push(sym);
                }
            }
            if out.len() > 1 {
                out.retain(|&s| s != Sym::Ok);
            }
        }
        out
    }

    /// Whether database `db` needs the operator: anything but up to date (or not read yet).
    pub fn needs_attention(&self, db: usize) -> bool {
        self.conditions(db)
            .iter()
            .any(|s| !matches!(s, Sym::Ok | Sym::Unknown | Sym::NotTargeted))
    }

    pub fn apply_filter(&mut self, filter: Option<String>) {
        // A glob being typed matches nothing for a keystroke (`*_` on the way to
        // `*_service`); the focus must not fall to the first database because of it.
        let focused = self.focused().or(self.focus_anchor);
        self.filter = filter.filter(|f| !f.trim().is_empty());
        self.visible = match self.filter.clone().map(|f| self.matching(&f)) {
            Some(Ok(found)) => found,
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
        layout::fleet_grid(self.size.0, self.size.1, self.layout, self.visible.len())
    }

    /// Puts the focus on database `db` if it is shown.
    pub(super) fn focus_on(&mut self, db: usize) {
        if let Some(position) = self.visible.iter().position(|&v| v == db) {
            self.cursor = position;
            self.keep_cursor_visible();
        }
    }

    pub(super) fn keep_cursor_visible(&mut self) {
        if self.visible.is_empty() {
            self.cursor = 0;
            self.offset = 0;
            return;
        }
        self.cursor = self.cursor.min(self.visible.len() - 1);
        let grid = self.grid();
        self.offset = layout::scroll_to_show(self.offset, self.cursor / grid.columns, grid.rows);
    }

    /// The databases `pattern` matches, in config order: by name (a glob, or text it
    /// contains), and by state for a state's word (`dirty`, `locked`, `pending`, `failed`,
    /// ...; `dirty,locked` either), as an operator looking for trouble types it.
    pub(super) fn matching(&self, pattern: &str) -> Result<Vec<usize>, String> {
        let parts = dbfleet_core::engine::selection::split_list(&[pattern.to_owned()]);
        let states: Vec<Sym> = parts.iter().filter_map(|p| state_word(p)).collect();
        let m = matcher(pattern)?;
        Ok((0..self.dbs.len())
            .filter(|&i| {
                m.is_match(self.dbs[i].name())
                    || (!states.is_empty() && self.conditions(i).iter().any(|c| states.contains(c)))
            })
            .collect())
    }

    /// Whether the filter names a state, so a fresh status can change what it shows.
    pub fn filter_is_by_state(&self) -> bool {
        self.filter.as_deref().is_some_and(|f| {
            dbfleet_core::engine::selection::split_list(&[f.to_owned()])
                .iter()
                .any(|p| state_word(p).is_some())
        })
    }

    /// The columns of the matrix: the shown databases.
    pub fn matrix_columns(&self) -> &[usize] {
        &self.visible
    }
}

/// The words a filter or a mark glob takes for states (the header's words).
pub const STATE_WORDS: &[(&str, Sym)] = &[
    ("dirty", Sym::Dirty),
    ("locked", Sym::Locked),
    ("pending", Sym::Pending),
    ("failed", Sym::Failed),
    ("misconfigured", Sym::Failed),
    ("drift", Sym::Drift),
    ("unreachable", Sym::Unreachable),
    ("running", Sym::Running),
];

fn state_word(text: &str) -> Option<Sym> {
    let text = text.trim();
    STATE_WORDS
        .iter()
        .find(|(word, _)| word.eq_ignore_ascii_case(text))
        .map(|(_, sym)| *sym)
}

/// The history screen's rows at the current size: every entry's lines, newest first,
/// wrapped (a refusal's reason is the part worth reading whole). `update` scrolls over the
/// same rows the view draws.
pub fn history_lines(state: &State) -> Vec<(String, bool)> {
    let Some(Ok(entries)) = &state.history else {
        return Vec::new();
    };
    let (inner, _) = layout::history_inner(state.size.0, state.size.1);
    // This console's own run has no end in the journal yet because it is still going:
    // that is not the "UNFINISHED" of a process that died.
    let ours = state
        .run
        .as_ref()
        .filter(|r| r.is_active())
        .and_then(|r| r.run_id.as_deref());
    let mut rows = Vec::new();
    for (text, bad) in entries.iter().rev().flat_map(|entry| {
        let mut lines = entry.lines();
        if entry.unfinished
            && Some(entry.run_id.as_str()) == ours
            && let Some((text, bad)) = lines.first_mut()
            && let Some((head, _)) = text.split_once("UNFINISHED")
        {
            *text = format!("{head}running now in this console (r shows it)");
            *bad = false;
        }
        lines
    }) {
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
