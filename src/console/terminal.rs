//! Terminal setup and teardown as ratatui's templates do it: raw mode and the alternate
//! screen through `ratatui::try_init` (whose panic hook restores the terminal before
//! color-eyre reports), plus bracketed paste, which ratatui leaves to us. Mouse capture
//! stays off: it would break the terminal's own copy and paste.

use std::io::{Write, stdout};
use std::path::Path;
use std::sync::Mutex;

use crossterm::cursor::Show;
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use ratatui::DefaultTerminal;

/// Restores the terminal when dropped, so every way out of the console (return, `?`
/// error, unwinding) leaves a working shell.
pub struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        restore();
    }
}

fn restore() {
    let _ = crossterm::execute!(stdout(), DisableBracketedPaste, Show);
    ratatui::restore();
    let _ = stdout().flush();
}

pub fn init() -> std::io::Result<(DefaultTerminal, Restore)> {
    let terminal = ratatui::try_init()?;
    let guard = Restore;
    crossterm::execute!(stdout(), EnableBracketedPaste)?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(stdout(), DisableBracketedPaste, Show);
        previous(info);
    }));
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
