//! Terminal setup and teardown, as ratatui's `init`/`restore` do it (raw mode, the
//! alternate screen, a panic hook that restores before the report) plus bracketed paste —
//! but every step ignores errors: after a hangup the terminal is gone, and ratatui's own
//! `restore` reports its failure with `eprintln!`, which panics on a dead terminal and,
//! inside the panic hook, aborts the process with a run still going. Mouse capture stays
//! off: it would break the terminal's own copy and paste.

use std::io::{Write, stdout};
use std::path::Path;
use std::sync::Mutex;

use crossterm::cursor::Show;
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::backend::CrosstermBackend;
use ratatui::{DefaultTerminal, Terminal};

/// Restores the terminal when dropped, so every way out of the console (return, `?`
/// error, unwinding) leaves a working shell.
pub struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        restore();
    }
}

fn restore() {
    let _ = disable_raw_mode();
    let _ = crossterm::execute!(stdout(), DisableBracketedPaste, LeaveAlternateScreen, Show);
    let _ = stdout().flush();
}

pub fn init() -> std::io::Result<(DefaultTerminal, Restore)> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    enable_raw_mode()?;
    let guard = Restore;
    crossterm::execute!(stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
    let terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
    Ok((terminal, guard))
}

/// Sends tracing to `path` (never to the screen, which belongs to the console). Returns
/// the path when logging is on.
pub fn log_to_file(path: &Path) -> Option<std::path::PathBuf> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).ok()?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("DBFLEET_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init()
        .ok()?;
    Some(path.to_owned())
}
