//! Keys are data: this one registry drives dispatch, the footer hints, the `?` help and
//! the README's key table. A key that changes databases is flagged `mutating`, so the
//! "terminal too small" screen and read-only mode can switch every such key off in one
//! place rather than in each handler.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies. Screens fall back to `Global`; prompts and confirmations do
/// not, so typing `q` into a glob never quits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Global,
    Fleet,
    Inspect,
    Preview,
    Matrix,
    Run,
    History,
    Confirm,
    Prompt,
    Help,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "every screen",
            Context::Fleet => "fleet",
            Context::Inspect => "inspect",
            Context::Preview => "preview",
            Context::Matrix => "matrix",
            Context::Run => "run",
            Context::History => "history",
            Context::Confirm => "confirmation",
            Context::Prompt => "prompt",
            Context::Help => "help",
        }
    }

    /// The contexts a key is looked up in, most specific first.
    pub fn chain(self) -> &'static [Context] {
        match self {
            Context::Global => &[Context::Global],
            Context::Fleet => &[Context::Fleet, Context::Global],
            Context::Inspect => &[Context::Inspect, Context::Global],
            Context::Preview => &[Context::Preview, Context::Global],
            Context::Matrix => &[Context::Matrix, Context::Global],
            Context::Run => &[Context::Run, Context::Global],
            Context::History => &[Context::History, Context::Global],
            Context::Help => &[Context::Help, Context::Global],
            Context::Confirm => &[Context::Confirm],
            Context::Prompt => &[Context::Prompt],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Help,
    Quit,
    ForceQuit,
    Back,
    Refresh,
    CommandPrompt,
    MoveUp,
    MoveDown,
    MoveLeft,
    MoveRight,
    PageUp,
    PageDown,
    Top,
    Bottom,
    ScrollUp,
    ScrollDown,
    ToggleMark,
    MarkAll,
    MarkGlob,
    UnmarkGlob,
    InvertMarks,
    Filter,
    Inspect,
    Preview,
    RunUp,
    RunDown,
    Matrix,
    PrevSet,
    NextSet,
    Unlock,
    Resolve,
    ToggleLayout,
    NextAttention,
    ShowRun,
    History,
    CancelOne,
    CancelAll,
    FocusNext,
    FocusPrev,
    Activate,
    Submit,
    Complete,
}

/// One key with its modifiers. Letters carry their case, so `U` needs no SHIFT here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn key(c: char) -> Chord {
    Chord {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}

const fn ctrl(c: char) -> Chord {
    Chord {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

const fn code(code: KeyCode) -> Chord {
    Chord {
        code,
        mods: KeyModifiers::NONE,
    }
}

impl Chord {
    pub fn matches(&self, event: &KeyEvent) -> bool {
        let relevant = KeyModifiers::CONTROL | KeyModifiers::ALT;
        let mods = event.modifiers & relevant;
        match (self.code, event.code) {
            // Terminals differ on whether Shift-Tab carries SHIFT; the code says it all.
            (KeyCode::BackTab, KeyCode::BackTab) => true,
            (a, b) => a == b && mods == self.mods & relevant,
        }
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "space".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "enter".into(),
            KeyCode::Esc => "esc".into(),
            KeyCode::Tab => "tab".into(),
            KeyCode::BackTab => "shift-tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("ctrl-{base}")
        } else {
            base
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Chord],
    pub action: Action,
    pub description: &'static str,
    pub context: Context,
    /// Changes a database or a run's course: off on the too-small screen and read-only.
    pub mutating: bool,
    /// The footer's short label; `None` keeps the binding out of the footer.
    pub hint: Option<&'static str>,
}

const fn bind(
    context: Context,
    keys: &'static [Chord],
    action: Action,
    description: &'static str,
    hint: Option<&'static str>,
) -> Binding {
    Binding {
        keys,
        action,
        description,
        context,
        mutating: false,
        hint,
    }
}

const fn mutating(
    context: Context,
    keys: &'static [Chord],
    action: Action,
    description: &'static str,
    hint: Option<&'static str>,
) -> Binding {
    Binding {
        keys,
        action,
        description,
        context,
        mutating: true,
        hint,
    }
}

const UP: &[Chord] = &[code(KeyCode::Up), key('k')];
const DOWN: &[Chord] = &[code(KeyCode::Down), key('j')];
const LEFT: &[Chord] = &[code(KeyCode::Left), key('h')];
const RIGHT: &[Chord] = &[code(KeyCode::Right), key('l')];
const PAGE_UP: &[Chord] = &[code(KeyCode::PageUp), ctrl('u')];
const PAGE_DOWN: &[Chord] = &[code(KeyCode::PageDown), ctrl('d')];
const TOP: &[Chord] = &[key('g'), code(KeyCode::Home)];
const BOTTOM: &[Chord] = &[key('G'), code(KeyCode::End)];

use Action as A;
use Context as C;

pub static BINDINGS: &[Binding] = &[
    bind(
        C::Global,
        &[key('?')],
        A::Help,
        "help for this screen",
        Some("help"),
    ),
    bind(
        C::Global,
        &[key('q')],
        A::Quit,
        "back; on the fleet, quit (asks first while a run is active)",
        Some("quit"),
    ),
    bind(
        C::Global,
        &[ctrl('c')],
        A::ForceQuit,
        "quit; during a run: cancel it and quit when it stops (again: at once)",
        None,
    ),
    bind(
        C::Global,
        &[code(KeyCode::Esc)],
        A::Back,
        "close / clear the filter / go back",
        None,
    ),
    bind(
        C::Global,
        &[ctrl('r')],
        A::Refresh,
        "refresh status now",
        None,
    ),
    bind(
        C::Global,
        &[key(':')],
        A::CommandPrompt,
        "command: matrix, select GLOB, unselect GLOB, filter GLOB, set NAME, up, down, preview, refresh, help, quit",
        None,
    ),
    // The fleet of panels.
    bind(C::Fleet, UP, A::MoveUp, "move up", None),
    bind(C::Fleet, DOWN, A::MoveDown, "move down", None),
    bind(C::Fleet, LEFT, A::MoveLeft, "move left", None),
    bind(C::Fleet, RIGHT, A::MoveRight, "move right", None),
    bind(C::Fleet, PAGE_UP, A::PageUp, "page up", None),
    bind(C::Fleet, PAGE_DOWN, A::PageDown, "page down", None),
    bind(C::Fleet, TOP, A::Top, "first database", None),
    bind(C::Fleet, BOTTOM, A::Bottom, "last database", None),
    bind(
        C::Fleet,
        &[key(' ')],
        A::ToggleMark,
        "mark / unmark the focused database",
        Some("mark"),
    ),
    bind(
        C::Fleet,
        &[key('a')],
        A::MarkAll,
        "mark every shown database (again: unmark them)",
        None,
    ),
    bind(
        C::Fleet,
        &[key('+')],
        A::MarkGlob,
        "mark by glob (live match count; tab cycles database_patterns)",
        Some("glob"),
    ),
    bind(C::Fleet, &[key('-')], A::UnmarkGlob, "unmark by glob", None),
    bind(
        C::Fleet,
        &[key('*')],
        A::InvertMarks,
        "invert the marks",
        None,
    ),
    bind(
        C::Fleet,
        &[key('/')],
        A::Filter,
        "filter the panels (glob or text)",
        Some("filter"),
    ),
    bind(
        C::Fleet,
        &[code(KeyCode::Enter)],
        A::Inspect,
        "inspect the focused database",
        Some("inspect"),
    ),
    bind(
        C::Fleet,
        &[key('p')],
        A::Preview,
        "dry-run SQL of the marked databases",
        Some("preview"),
    ),
    mutating(
        C::Fleet,
        &[key('U')],
        A::RunUp,
        "up on the marked databases (confirm)",
        Some("up"),
    ),
    mutating(
        C::Fleet,
        &[key('D')],
        A::RunDown,
        "down one step on the marked databases (confirm, type the count)",
        Some("down"),
    ),
    bind(
        C::Fleet,
        &[key('m')],
        A::Matrix,
        "cross-set matrix",
        Some("matrix"),
    ),
    bind(
        C::Fleet,
        &[key('[')],
        A::PrevSet,
        "previous migration set",
        None,
    ),
    bind(
        C::Fleet,
        &[key(']')],
        A::NextSet,
        "next migration set (own sets, cross_service, ...)",
        Some("set"),
    ),
    // In the footer only when the focused database is locked / dirty (views decide).
    mutating(
        C::Fleet,
        &[key('L')],
        A::Unlock,
        "clear the focused database's stale lock (confirm)",
        Some("unlock"),
    ),
    mutating(
        C::Fleet,
        &[key('R')],
        A::Resolve,
        "resolve the focused dirty database, accept its drift, or adopt it from another tool (confirm)",
        Some("resolve"),
    ),
    bind(
        C::Fleet,
        &[key('n')],
        A::NextAttention,
        "next database that needs attention (dirty, locked, failed, drift, unreachable, pending)",
        Some("next problem"),
    ),
    bind(
        C::Fleet,
        &[key('v')],
        A::ToggleLayout,
        "panels / one line per database",
        None,
    ),
    bind(
        C::Fleet,
        &[key('r')],
        A::ShowRun,
        "show the current or last run",
        None,
    ),
    bind(
        C::Fleet,
        &[key('H')],
        A::History,
        "history: past runs, unlocks and resolves from the journal",
        None,
    ),
    // One database.
    bind(C::Inspect, UP, A::MoveUp, "scroll up", None),
    bind(C::Inspect, DOWN, A::MoveDown, "scroll down", None),
    bind(C::Inspect, PAGE_UP, A::PageUp, "page up", None),
    bind(C::Inspect, PAGE_DOWN, A::PageDown, "page down", None),
    bind(C::Inspect, TOP, A::Top, "top", None),
    bind(C::Inspect, BOTTOM, A::Bottom, "bottom", None),
    mutating(
        C::Inspect,
        &[key('L')],
        A::Unlock,
        "clear this database's stale lock (confirm)",
        Some("unlock"),
    ),
    mutating(
        C::Inspect,
        &[key('R')],
        A::Resolve,
        "resolve this dirty database, accept its drift, or adopt it from another tool (confirm)",
        Some("resolve"),
    ),
    bind(
        C::Inspect,
        &[key('p')],
        A::Preview,
        "dry-run SQL of this database in the chosen set",
        Some("preview"),
    ),
    mutating(
        C::Inspect,
        &[key('U')],
        A::RunUp,
        "up on this database in the chosen set (confirm)",
        Some("up"),
    ),
    bind(
        C::Inspect,
        &[key('[')],
        A::PrevSet,
        "previous migration set",
        None,
    ),
    bind(
        C::Inspect,
        &[key(']')],
        A::NextSet,
        "next migration set",
        None,
    ),
    bind(
        C::Inspect,
        &[code(KeyCode::Esc)],
        A::Back,
        "back to the fleet",
        Some("back"),
    ),
    // The dry run.
    bind(
        C::Preview,
        UP,
        A::MoveUp,
        "previous database",
        Some("database"),
    ),
    bind(C::Preview, DOWN, A::MoveDown, "next database", None),
    bind(
        C::Preview,
        &[key('K'), ctrl('y')],
        A::ScrollUp,
        "scroll the SQL up a line",
        None,
    ),
    bind(
        C::Preview,
        &[key('J'), ctrl('e')],
        A::ScrollDown,
        "scroll the SQL down a line",
        None,
    ),
    bind(
        C::Preview,
        PAGE_UP,
        A::PageUp,
        "SQL page up",
        Some("scroll"),
    ),
    bind(C::Preview, PAGE_DOWN, A::PageDown, "SQL page down", None),
    bind(C::Preview, TOP, A::Top, "top of the SQL", None),
    bind(C::Preview, BOTTOM, A::Bottom, "end of the SQL", None),
    mutating(
        C::Preview,
        &[key('U')],
        A::RunUp,
        "run up what is previewed: these databases, this set (confirm)",
        Some("up"),
    ),
    mutating(
        C::Preview,
        &[key('D')],
        A::RunDown,
        "down one step on these databases in this set (confirm)",
        None,
    ),
    bind(
        C::Preview,
        &[code(KeyCode::Esc)],
        A::Back,
        "back",
        Some("back"),
    ),
    // The journal read back.
    bind(C::History, UP, A::MoveUp, "scroll up", None),
    bind(C::History, DOWN, A::MoveDown, "scroll down", None),
    bind(C::History, PAGE_UP, A::PageUp, "page up", None),
    bind(C::History, PAGE_DOWN, A::PageDown, "page down", None),
    bind(C::History, TOP, A::Top, "newest", None),
    bind(C::History, BOTTOM, A::Bottom, "oldest", None),
    bind(
        C::History,
        &[code(KeyCode::Esc)],
        A::Back,
        "back",
        Some("back"),
    ),
    // The cross-set matrix.
    bind(C::Matrix, UP, A::MoveUp, "previous migration", None),
    bind(C::Matrix, DOWN, A::MoveDown, "next migration", None),
    bind(C::Matrix, LEFT, A::MoveLeft, "previous database", None),
    bind(
        C::Matrix,
        RIGHT,
        A::MoveRight,
        "next database",
        Some("move"),
    ),
    bind(C::Matrix, PAGE_UP, A::PageUp, "databases page left", None),
    bind(
        C::Matrix,
        PAGE_DOWN,
        A::PageDown,
        "databases page right",
        None,
    ),
    bind(
        C::Matrix,
        &[key('[')],
        A::PrevSet,
        "previous shared set",
        None,
    ),
    bind(
        C::Matrix,
        &[key(']')],
        A::NextSet,
        "next shared set",
        Some("set"),
    ),
    bind(
        C::Matrix,
        &[code(KeyCode::Enter)],
        A::Inspect,
        "inspect the database of the column",
        Some("inspect"),
    ),
    mutating(
        C::Matrix,
        &[key('U')],
        A::RunUp,
        "apply the focused migration to the shown databases that lack it (confirm)",
        Some("apply row"),
    ),
    bind(
        C::Matrix,
        &[key('p')],
        A::Preview,
        "dry-run SQL of the focused migration on the databases that lack it",
        Some("preview row"),
    ),
    bind(
        C::Matrix,
        &[code(KeyCode::Esc)],
        A::Back,
        "back",
        Some("back"),
    ),
    // A run.
    bind(C::Run, UP, A::MoveUp, "previous database", None),
    bind(C::Run, DOWN, A::MoveDown, "next database", None),
    bind(C::Run, PAGE_UP, A::PageUp, "page up", None),
    bind(C::Run, PAGE_DOWN, A::PageDown, "page down", None),
    bind(C::Run, TOP, A::Top, "first database", None),
    bind(C::Run, BOTTOM, A::Bottom, "last database", None),
    mutating(
        C::Run,
        &[key('x')],
        A::CancelOne,
        "cancel the focused database (twice: abort its statement)",
        Some("cancel db"),
    ),
    mutating(
        C::Run,
        &[key('X')],
        A::CancelAll,
        "cancel the whole run (twice: abort the running statements)",
        Some("cancel all"),
    ),
    bind(
        C::Run,
        &[code(KeyCode::Esc)],
        A::Back,
        "back to the fleet (the run goes on; r returns)",
        Some("back"),
    ),
    // A confirmation: Cancel has the focus until the operator moves it.
    bind(
        C::Confirm,
        &[code(KeyCode::Tab), code(KeyCode::Right), key('l')],
        A::FocusNext,
        "next button",
        Some("next button"),
    ),
    bind(
        C::Confirm,
        &[code(KeyCode::BackTab), code(KeyCode::Left), key('h')],
        A::FocusPrev,
        "previous button",
        None,
    ),
    mutating(
        C::Confirm,
        &[code(KeyCode::Enter)],
        A::Activate,
        "press the focused button",
        Some("press"),
    ),
    bind(
        C::Confirm,
        &[code(KeyCode::Esc), key('q')],
        A::Back,
        "cancel",
        Some("cancel"),
    ),
    bind(C::Confirm, &[ctrl('c')], A::ForceQuit, "quit", None),
    // A text prompt: everything else is typed into it.
    bind(
        C::Prompt,
        &[code(KeyCode::Enter)],
        A::Submit,
        "apply",
        Some("apply"),
    ),
    bind(
        C::Prompt,
        &[code(KeyCode::Tab)],
        A::Complete,
        "next preset / completion",
        Some("preset"),
    ),
    bind(
        C::Prompt,
        &[code(KeyCode::Esc)],
        A::Back,
        "cancel",
        Some("cancel"),
    ),
    bind(C::Prompt, &[ctrl('c')], A::ForceQuit, "quit", None),
    // The help page.
    bind(C::Help, UP, A::MoveUp, "scroll up", None),
    bind(C::Help, DOWN, A::MoveDown, "scroll down", None),
    bind(
        C::Help,
        &[code(KeyCode::Esc), key('?'), key('q')],
        A::Back,
        "close help",
        Some("close"),
    ),
];

/// The `:` commands: tab completes to them, and the prompt's hint and the unknown-command
/// message list them. Here beside `BINDINGS` so the view reads them without `update`.
pub const COMMANDS: &[&str] = &[
    "matrix", "select", "unselect", "filter", "set", "up", "down", "preview", "refresh", "help",
    "quit",
];

/// The binding `event` triggers in `context`, if any.
pub fn lookup(context: Context, event: &KeyEvent) -> Option<&'static Binding> {
    context.chain().iter().find_map(|ctx| {
        BINDINGS
            .iter()
            .find(|b| b.context == *ctx && b.keys.iter().any(|k| k.matches(event)))
    })
}

/// What `?` lists in `context`: its own bindings first, then the global ones it does not
/// shadow.
pub fn help_for(context: Context) -> Vec<&'static Binding> {
    let mut out: Vec<&'static Binding> = Vec::new();
    for ctx in context.chain() {
        for binding in BINDINGS.iter().filter(|b| b.context == *ctx) {
            let shadowed = out
                .iter()
                .any(|o| binding.keys.iter().all(|k| o.keys.contains(k)));
            if !shadowed {
                out.push(binding);
            }
        }
    }
    out
}

pub fn keys_label(binding: &Binding) -> String {
    binding
        .keys
        .iter()
        .map(Chord::label)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The key table of the README and docs, generated so it cannot drift from dispatch.
pub fn markdown_table() -> String {
    let mut out = String::from("| where | keys | action |\n|---|---|---|\n");
    for b in BINDINGS {
        let keys = b
            .keys
            .iter()
            .map(|k| format!("`{}`", k.label().replace('|', "\\|")))
            .collect::<Vec<_>>()
            .join(" ");
        let flag = if b.mutating { " ⚠" } else { "" };
        out.push_str(&format!(
            "| {} | {} | {}{} |\n",
            b.context.title(),
            keys,
            b.description,
            flag
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                if a.context != b.context {
                    continue;
                }
                for k in a.keys {
                    assert!(
                        !b.keys.contains(k),
                        "{} is bound to {:?} and {:?} in {:?}",
                        k.label(),
                        a.action,
                        b.action,
                        a.context
                    );
                }
            }
        }
    }

    #[test]
    fn shifted_letters_and_control_keys_match() {
        let up = lookup(
            Context::Fleet,
            &press(KeyCode::Char('U'), KeyModifiers::SHIFT),
        );
        assert_eq!(up.map(|b| b.action), Some(Action::RunUp));
        let refresh = lookup(
            Context::Fleet,
            &press(KeyCode::Char('r'), KeyModifiers::CONTROL),
        );
        assert_eq!(refresh.map(|b| b.action), Some(Action::Refresh));
        let show_run = lookup(
            Context::Fleet,
            &press(KeyCode::Char('r'), KeyModifiers::NONE),
        );
        assert_eq!(show_run.map(|b| b.action), Some(Action::ShowRun));
        let back_tab = lookup(
            Context::Confirm,
            &press(KeyCode::BackTab, KeyModifiers::SHIFT),
        );
        assert_eq!(back_tab.map(|b| b.action), Some(Action::FocusPrev));
    }

    #[test]
    fn prompts_do_not_fall_back_to_global_keys() {
        let q = lookup(
            Context::Prompt,
            &press(KeyCode::Char('q'), KeyModifiers::NONE),
        );
        assert!(q.is_none(), "q must be typed into a prompt");
        let q = lookup(
            Context::Fleet,
            &press(KeyCode::Char('q'), KeyModifiers::NONE),
        );
        assert_eq!(q.map(|b| b.action), Some(Action::Quit));
    }

    #[test]
    fn the_keys_the_docs_rely_on_are_bound() {
        let expect = [
            (Context::Fleet, '?', Action::Help),
            (Context::Fleet, '/', Action::Filter),
            (Context::Fleet, ' ', Action::ToggleMark),
            (Context::Fleet, '+', Action::MarkGlob),
            (Context::Fleet, 'p', Action::Preview),
            (Context::Fleet, 'U', Action::RunUp),
            (Context::Fleet, 'D', Action::RunDown),
            (Context::Fleet, 'm', Action::Matrix),
            (Context::Fleet, 'q', Action::Quit),
        ];
        for (ctx, c, action) in expect {
            let found = lookup(ctx, &press(KeyCode::Char(c), KeyModifiers::NONE));
            assert_eq!(found.map(|b| b.action), Some(action), "key {c}");
        }
        let enter = lookup(Context::Fleet, &press(KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!(enter.map(|b| b.action), Some(Action::Inspect));
        let tab = lookup(Context::Confirm, &press(KeyCode::Tab, KeyModifiers::NONE));
        assert_eq!(tab.map(|b| b.action), Some(Action::FocusNext));
        let enter = lookup(Context::Confirm, &press(KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!(enter.map(|b| b.action), Some(Action::Activate));
    }

    #[test]
    fn the_readme_key_table_is_the_registry() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
            .unwrap_or_default();
        let start = "<!-- console-keys:start -->\n";
        let end = "<!-- console-keys:end -->";
        let table = readme
            .split_once(start)
            .and_then(|(_, rest)| rest.split_once(end))
            .map(|(table, _)| table.to_owned());
        // `DBFLEET_UPDATE_README=1 cargo test --lib readme_key_table` rewrites the table.
        if std::env::var_os("DBFLEET_UPDATE_README").is_some()
            && let Some((before, rest)) = readme.split_once(start)
            && let Some((_, after)) = rest.split_once(end)
        {
            let updated = format!("{before}{start}{}{end}{after}", markdown_table());
            std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"), updated)
                .unwrap_or_else(|e| panic!("cannot update README.md: {e}"));
            return;
        }
        assert_eq!(
            table.as_deref(),
            Some(markdown_table().as_str()),
            "README.md's console key table is stale; paste keys::markdown_table() between the markers"
        );
    }
}
