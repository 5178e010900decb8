//! The terminal console: the fleet at a glance, selection, dry-run preview, runs with live
//! progress. A second consumer of the engine's typed event stream, beside the CLI.
//!
//! - `state`: the one `State`, and the questions both `update` and the views ask of it
//! - `msg`: the `Msg`s `update` takes and the `Command`s it gives back
//! - `update/`: `update` (no I/O), one file per screen's keys beside `views/`
//! - `views/`: plain render functions of `&State`
//! - `keys`: the key registry that drives dispatch, hints and help
//! - `layout`: the geometry `update` and the views must agree on, as functions of sizes
//! - `tasks`: the background workers that call the engine
//! - `terminal`: setup, teardown, panic hook, logging to a file
//!
//! Imports go one way: `update` and `views` both stand on `state`, `msg`, `layout`,
//! `model` and `keys` and neither imports the other, so a screen's keys and its drawing
//! agree through what both stand on (`layering_tests` holds this).
//!
//! One event loop: terminal events first, then the workers' channel (drained after each
//! wake), then a tick; it redraws only when something visible changed, at most once a
//! frame after a key and once a `PROGRESS_FRAME` after anything else, so a flood of
//! progress events never becomes a flood of redraws.

/// Test and bench data: compiled for tests, and for `cargo bench` through the `fixtures`
/// feature; never part of the release binary's library.
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod keys;
pub mod layout;
pub mod model;
pub mod msg;
pub mod progress;
pub mod state;
pub mod tasks;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod views;

#[cfg(test)]
mod layering_tests;

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::Event;
use tokio::sync::mpsc;

use dbfleet_core::engine::Fleet;
use model::FleetInfo;
use msg::{Command, Msg};
use state::State;
use tasks::Workers;
use theme::Theme;
use update::update;

/// Spinners, elapsed times and the periodic refresh.
const TICK: Duration = Duration::from_millis(200);
/// At most this often a redraw after a key: what the operator typed shows at once.
const FRAME: Duration = Duration::from_millis(16);
/// At most this often a redraw for what the workers and the clock changed. The clocks on
/// screen show tenths of a second, so more frames show nothing more; each frame costs a
/// pass over the fleet and a write to the terminal, CPU a run on the same machine needs.
const PROGRESS_FRAME: Duration = Duration::from_millis(100);
/// Worker messages folded per wake before the loop looks at the keyboard again.
const DRAIN_AT_MOST: usize = 10_000;

/// Opens the console on `fleet` and returns when the operator quits, with the exit code
/// for the process (`State::exit_code`). A run's summary is printed to stdout once the
/// terminal is restored, so the shell's scrollback keeps what the console did.
pub async fn run(fleet: Arc<Fleet>) -> Result<u8, String> {
    let log = fleet.config.journal_path().with_file_name("console.log");
    let logging = terminal::log_to_file(&log);
    tracing::info!(config = %fleet.config.path.display(), "console started");

    let info = FleetInfo::from_fleet(&fleet);
    let refresh_every_ms = fleet
        .config
        .migrator
        .console_refresh_secs
        .saturating_mul(1000);
    let (mut terminal, restore_guard) =
        terminal::init().map_err(|e| format!("cannot set up the terminal: {e}"))?;
    let size = terminal
        .size()
        .map_err(|e| format!("cannot read the terminal size: {e}"))?;
    let mut state = State::new(info, Theme::from_env(), (size.width, size.height));
    state.refresh_every_ms = refresh_every_ms;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut workers = Workers::new(fleet, tx);

    let result = event_loop(&mut terminal, &mut state, &mut workers, &mut rx).await;
    tracing::info!("console closed");
    drop(restore_guard);
    // Whatever closed the console (q, a signal, a terminal gone), a run never ends
    // mid-statement because of it.
    if workers.run_active() {
        tracing::info!("waiting for the run to stop");
        workers.wind_down().await;
    }
    // The run's last events arrived while it wound down: fold them in, so the summary
    // and the exit code tell how it really ended.
    while let Ok(msg) = rx.try_recv() {
        if matches!(msg, Msg::Run(_) | Msg::RunEnded(_)) {
            let _ = update(&mut state, msg);
        }
    }
    if let Some(run) = &state.run {
        // A closed terminal (SIGHUP) makes the write fail; that must not panic.
        let _ = write!(std::io::stdout(), "{}", run.summary(&state.theme));
    }
    if result.is_err()
        && let Some(path) = logging
    {
        let _ = writeln!(std::io::stderr(), "the console's log: {}", path.display());
    }
    result.map(|()| state.exit_code())
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    state: &mut State,
    workers: &mut Workers,
    rx: &mut mpsc::UnboundedReceiver<Msg>,
) -> Result<(), String> {
    let clock = Instant::now();
    let draw = |terminal: &mut ratatui::DefaultTerminal, state: &State| {
        terminal
            .draw(|frame| views::render(frame, state))
            .map(|_| ())
            .map_err(|e| format!("cannot draw: {e}"))
    };
    // The first frame goes out before any status has been asked for.
    draw(terminal, state)?;
    let mut last_draw = Instant::now();
    // How long after the last frame the next one may go out; `None`: nothing changed.
    let mut dirty: Option<Duration> = None;
    for command in state.start() {
        workers.execute(command);
    }

    let mut input = terminal::input().map_err(|e| format!("cannot read the terminal: {e}"))?;
    let mut stop = std::pin::pin!(crate::signals::stop_requested());
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    loop {
        let frame_due = tokio::time::Instant::from_std(last_draw + dirty.unwrap_or(FRAME));
        let msg = tokio::select! {
            biased;
            event = input.events.recv() => match event {
                Some(Ok(event)) => match to_msg(event) {
                    Some(msg) => msg,
                    None => continue,
                },
                Some(Err(e)) => return Err(format!("reading the terminal: {e}")),
                None => return Ok(()),
            },
            signal = &mut stop => {
                tracing::warn!("{signal}: closing the console");
                state.interrupted = true;
                return Ok(());
            }
            Some(msg) = rx.recv() => msg,
            _ = tick.tick() => Msg::Tick,
            () = tokio::time::sleep_until(frame_due), if dirty.is_some() => {
                draw(terminal, state)?;
                last_draw = Instant::now();
                dirty = None;
                continue;
            }
        };
        if handle(state, workers, msg, clock, &mut dirty) {
            return Ok(());
        }
        let mut drained = 0;
        while drained < DRAIN_AT_MOST {
            let Ok(msg) = rx.try_recv() else { break };
            drained += 1;
            if handle(state, workers, msg, clock, &mut dirty) {
                return Ok(());
            }
        }
        if dirty.is_some_and(|after| last_draw.elapsed() >= after) {
            draw(terminal, state)?;
            last_draw = Instant::now();
            dirty = None;
        }
    }
}

/// Runs one message through `update` and its commands through the workers, and says in
/// `dirty` how soon a frame should show it. True when the console should close.
fn handle(
    state: &mut State,
    workers: &mut Workers,
    msg: Msg,
    clock: Instant,
    dirty: &mut Option<Duration>,
) -> bool {
    let tick = matches!(msg, Msg::Tick);
    let pace = match msg {
        Msg::Key(_) | Msg::Paste(_) | Msg::Resize(..) => FRAME,
        _ => PROGRESS_FRAME,
    };
    if let Msg::CatalogReloaded(Ok(reloaded)) = &msg {
        workers.use_fleet(reloaded.fleet.clone());
    }
    state.now_ms = clock.elapsed().as_millis() as u64;
    let animating = state.animating();
    let commands = update(state, msg);
    // A tick only matters when a clock or spinner is on screen.
    if !tick || animating || state.animating() {
        *dirty = Some(dirty.map_or(pace, |after| after.min(pace)));
    }
    for command in commands {
        if command == Command::Quit {
            return true;
        }
        workers.execute(command);
    }
    false
}

fn to_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) => Some(Msg::Key(key)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Resize(width, height) => Some(Msg::Resize(width, height)),
        _ => None,
    }
}
