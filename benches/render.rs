//! Render time of one console frame with a thousand databases: the fleet view drawn into
//! an in-memory terminal, as the console draws it on every change. Not a test (`cargo
//! test` does not run benches); run it in release:
//!
//!     cargo bench --bench render
//!
//! The focus moves one panel between frames, as an operator's arrow keys do, so each
//! frame has something to redraw rather than a diff against an identical screen.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use std::hint::black_box;
use std::time::{Duration, Instant};

use dbfleet::console::fixtures;
use dbfleet::console::layout::FleetLayout;
use dbfleet::console::state::State;
use dbfleet::console::update::update;
use dbfleet::console::views;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const DATABASES: usize = 1000;
const WARM_UP: usize = 20;
const FRAMES: usize = 200;

fn main() {
    println!("one frame of the fleet view, {DATABASES} databases with their statuses in:");
    for (width, height) in [(200, 60), (120, 40), (80, 24)] {
        for layout in [FleetLayout::Panels, FleetLayout::Rows] {
            let mut state = fixtures::big_state(DATABASES, (width, height));
            if layout == FleetLayout::Rows {
                update(&mut state, fixtures::char_key('v'));
            }
            let times = measure(&mut state);
            println!(
                "  {width:>3}×{height:<3} {:<6}  min {:>6.3} ms  median {:>6.3} ms  p95 {:>6.3} ms  ({FRAMES} frames)",
                match layout {
                    FleetLayout::Panels => "panels",
                    FleetLayout::Rows => "rows",
                },
                ms(times[0]),
                ms(times[times.len() / 2]),
                ms(times[times.len() * 95 / 100]),
            );
        }
    }
}

/// Sorted frame times.
fn measure(state: &mut State) -> Vec<Duration> {
    let (width, height) = state.size;
    let mut terminal = match Terminal::new(TestBackend::new(width, height)) {
        Ok(terminal) => terminal,
        Err(e) => panic!("an in-memory terminal cannot fail: {e}"),
    };
    let mut times = Vec::with_capacity(FRAMES);
    for frame in 0..WARM_UP + FRAMES {
        // Outside the timing: moving the focus is the operator's part, not the frame's.
        update(state, fixtures::char_key('l'));
        let start = Instant::now();
        let drawn = terminal.draw(|f| views::render(f, black_box(state)));
        let elapsed = start.elapsed();
        if let Err(e) = drawn {
            panic!("drawing into memory failed: {e}");
        }
        if frame >= WARM_UP {
            times.push(elapsed);
        }
    }
    times.sort();
    times
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
