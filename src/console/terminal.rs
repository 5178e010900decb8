//! Terminal setup and teardown, as ratatui's `init`/`restore` do it (raw mode, the
//! alternate screen, a panic hook that restores before the report) plus bracketed paste —
//! but every step ignores errors: after a hangup the terminal is gone, and ratatui's own
//! `restore` reports its failure with `eprintln!`, which panics on a dead terminal and,
//! inside the panic hook, aborts the process with a run still going. Mouse capture stays
//! off: it would break the terminal's own copy and paste.

use std::io::{IsTerminal, Write, stdout};
use std::path::Path;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::cursor::Show;
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste, Event};
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

/// How long the input thread waits for a key before it looks whether the console closed.
const INPUT_POLL: Duration = Duration::from_millis(100);

/// The terminal's events, read by a thread of their own and handed over on a channel.
/// Not crossterm's `EventStream`: each of its polls takes crossterm's reader lock, which
/// its own thread holds while it waits for a key, so every wake of the event loop (one per
/// worker message in a run, thousands a second) spun on that lock, yielding the CPU over
/// and over. A channel costs the loop nothing to look at. Dropping it stops the thread
/// and waits for it to end (it does within `INPUT_POLL`), before the terminal is
/// restored, so it reads nothing meant for the shell; not longer than twice that, since a
/// terminal that hung up can leave it stuck in a read.
pub struct Input {
    pub events: tokio::sync::mpsc::UnboundedReceiver<std::io::Result<Event>>,
    closed: Arc<AtomicBool>,
    /// Disconnected when the thread has ended.
    ended: std::sync::mpsc::Receiver<()>,
}

impl Drop for Input {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::Relaxed);
        let _ = self.ended.recv_timeout(2 * INPUT_POLL);
    }
}

/// Starts reading the terminal. The channel closes when the terminal cannot be read any
/// more, after an `Err` saying why.
pub fn input() -> std::io::Result<Input> {
    let (tx, events) = tokio::sync::mpsc::unbounded_channel();
    let closed = Arc::new(AtomicBool::new(false));
    let stop = closed.clone();
    let (ending, ended) = std::sync::mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("console-input".into())
        .spawn(move || {
            // Dropped when the thread ends, however it ends: that is the signal.
            let _ending = ending;
            // A terminal that hung up reads as empty forever (crossterm's `poll` spins on
            // its end of file until the timeout): once stdin, a terminal at the start, is
            // none any more (its ioctls fail after a hangup), end the console as a failed
            // read would, instead of spinning a core until someone kills it.
            let was_terminal = std::io::stdin().is_terminal();
            while !stop.load(Ordering::Relaxed) {
                match crossterm::event::poll(INPUT_POLL) {
                    Ok(false) if was_terminal && !std::io::stdin().is_terminal() => {
                        let gone = std::io::Error::new(
                            std::io::ErrorKind::BrokenPipe,
                            "the terminal hung up",
                        );
                        let _ = tx.send(Err(gone));
                        return;
                    }
                    Ok(false) => continue,
                    Ok(true) => {}
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
                let event = crossterm::event::read();
                let failed = event.is_err();
                if tx.send(event).is_err() || failed {
                    return;
                }
            }
        })?;
    Ok(Input {
        events,
        closed,
        ended,
    })
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
