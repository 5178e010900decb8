//! The one-line prompts: a glob's live count, tab completion, and what enter does with
//! the text, `:` commands included.

use tui_input::Input;

use super::{open, quit};
use crate::console::keys::{Action, COMMANDS};
use crate::console::msg::Command;
use crate::console::state::{FlashLevel, Overlay, PromptKind, State};
use dbfleet_core::engine::Direction;

pub(super) fn action(state: &mut State, action: Action) -> Vec<Command> {
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

/// Keeps the prompt's live count (and a live filter) in step with its text.
pub(super) fn changed(state: &mut State) {
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

fn complete(state: &mut State) {
    let patterns = state.fleet.patterns.clone();
    let set_names: Vec<String> = std::iter::once("own".to_owned())
        .chain(state.fleet.shared_sets.iter().map(|s| s.name.clone()))
        .chain(std::iter::once("everything".to_owned()))
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
    changed(state);
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
            open::matrix(state);
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
            state.set_chosen = true;
            if wanted.is_empty() || wanted == "own" {
                state.set = None;
                state.everything = false;
            } else if wanted == "everything" || wanted == "all" {
                state.set = None;
                state.everything = true;
            } else if let Some(i) = state
                .fleet
                .shared_sets
                .iter()
                .position(|s| s.name == wanted)
            {
                state.set = Some(i);
                state.everything = false;
            } else {
                let known: Vec<&str> = state
                    .fleet
                    .shared_sets
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect();
                state.flash(
                    FlashLevel::Error,
                    format!(
                        "no shared set `{wanted}`; sets: own, {}, everything",
                        known.join(", ")
                    ),
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
        "up" => open::run_confirm(state, Direction::Up),
        "down" => open::run_confirm(state, Direction::Down),
        "preview" => open::preview(state),
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
