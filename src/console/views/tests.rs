//! Snapshots of every view at the smallest supported size (80×24) and a common one
//! (120×40), drawn from the fixtures' fake clock so nothing in them depends on when the
//! test runs. The buffer is compared as text: symbols carry the states, so text is what
//! an operator under `NO_COLOR` reads.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::text::Span;

use crate::console::fixtures::{self, char_key, key, type_text};
use crate::console::model::FleetInfo;
use crate::console::msg::{Command, Msg};
use crate::console::state::State;
use crate::console::update::update;
use dbfleet_core::engine::Direction;

const SMALL: (u16, u16) = (80, 24);
const LARGE: (u16, u16) = (120, 40);

/// The screen as lines of text, trailing blanks cut. A wide character fills two cells;
/// the second is skipped so each line reads as the terminal shows it.
fn screen(state: &State) -> String {
    let (width, height) = state.size;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| super::render(frame, state)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            line.push_str(symbol);
            skip = Span::raw(symbol).width().saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Snapshots `build` at both sizes.
fn both(name: &str, build: impl Fn((u16, u16)) -> State) {
    for size in [SMALL, LARGE] {
        let state = build(size);
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), screen(&state));
    }
}

/// Moves the fleet's focus onto `name`.
fn focus(state: &mut State, name: &str) {
    let target = state.index_of(name).unwrap();
    update(state, char_key('g'));
    while state.focused() != Some(target) {
        let before = state.cursor;
        update(state, char_key('l'));
        assert_ne!(before, state.cursor, "{name} is not shown");
    }
}

fn mark(state: &mut State, names: &[&str]) {
    for name in names {
        focus(state, name);
        update(state, char_key(' '));
    }
    update(state, char_key('g'));
}

/// The id of the dry run `commands` asked for.
fn plan_id(commands: &[Command]) -> u64 {
    match commands {
        [Command::Plan { id, .. }] => *id,
        other => panic!("expected one Plan command, got {other:?}"),
    }
}

/// Presses `c` (a dry run or a confirmation) and delivers the fixtures' plan for it.
fn plan_with(state: &mut State, c: char, direction: Direction) {
    let commands = update(state, char_key(c));
    let id = plan_id(&commands);
    let Command::Plan { databases, set, .. } = &commands[0] else {
        unreachable!()
    };
    let result = fixtures::plan_result(&state.fleet, databases, set.as_deref(), direction);
    update(
        state,
        Msg::Planned {
            id,
            result: Ok(result),
        },
    );
}

fn every_state(size: (u16, u16)) -> State {
    fixtures::loaded_state(fixtures::every_state_fleet(), size)
}

#[test]
fn fleet_before_any_status_arrives() {
    both("fleet_fresh", |size| {
        fixtures::fresh_state(fixtures::demo_fleet(), size)
    });
}

#[test]
fn fleet_with_statuses() {
    both("fleet", fixtures::demo_state);
}

#[test]
fn fleet_at_200x60_uses_the_room() {
    let mut state = fixtures::demo_state((200, 60));
    for db in &mut state.dbs {
        if let Some(status) = db.status.as_mut() {
            status.server_version = Some("SQLite 3.46.0".into());
        }
    }
    let text = screen(&state);
    // The server's version beside where the database lives.
    assert!(
        text.lines()
            .any(|l| l.contains("data/user_service.db") && l.contains("SQLite 3.46.0")),
        "{text}"
    );
    assert!(
        text.contains("last 2026-11-23 09:12:41Z by deploy@ops-1 · 00"),
        "{text}"
    );
    insta::assert_snapshot!("fleet_200x60", text);
}

#[test]
fn a_server_panel_cuts_the_host_not_the_database_name() {
    let mut state = fixtures::demo_state(SMALL);
    let order = state.index_of("order_service").unwrap();
    state.dbs[order].info.server =
        Some("migrator@orders-primary.eu-west-1.rds.amazonaws.com:5432/order_service".into());
    let text = screen(&state);
    let line = text
        .lines()
        .find(|l| l.contains("/order_service"))
        .unwrap_or_else(|| panic!("the name is whole:\n{text}"));
    assert!(line.contains("orders-primary.eu-west-"), "{line}");
    assert!(line.contains("…/order_service"), "{line}");
    assert!(!line.contains("migrator@"), "{line}");
}

#[test]
fn the_fleet_footer_offers_unlock_on_a_locked_database() {
    for size in [SMALL, LARGE] {
        let mut state = fixtures::demo_state(size);
        focus(&mut state, "analytics_service");
        let text = screen(&state);
        let footer = text.lines().nth(usize::from(size.1) - 1).unwrap();
        assert!(footer.starts_with(" L unlock"), "{footer}");
        focus(&mut state, "message_service");
        let text = screen(&state);
        let footer = text.lines().nth(usize::from(size.1) - 1).unwrap();
        assert!(footer.starts_with(" R resolve"), "{footer}");
        focus(&mut state, "shared_service");
        let text = screen(&state);
        let footer = text.lines().nth(usize::from(size.1) - 1).unwrap();
        assert!(
            !footer.contains("unlock") && !footer.contains("resolve"),
            "{footer}"
        );
    }
}

#[test]
fn the_header_counts_a_database_in_every_condition_it_is_in() {
    let mut state = fixtures::demo_state(LARGE);
    fixtures::dirty_and_stale_locked(&mut state);
    let text = screen(&state);
    let header = text.lines().nth(1).unwrap();
    assert!(
        header.contains("! 1 dirty ⊘ 2 locked ● 2 pending ✓ 2 up to date"),
        "{header}"
    );
}

#[test]
fn confirm_everything_pending() {
    both("confirm_everything", |size| {
        let mut state = fixtures::demo_state(size);
        update(&mut state, char_key(']'));
        update(&mut state, char_key(']'));
        mark(&mut state, &["user_service", "order_service"]);
        let commands = update(&mut state, char_key('U'));
        let [Command::PlanEverything { id, .. }] = commands.as_slice() else {
            panic!("{commands:?}")
        };
        let mut result =
            fixtures::plan_result(&state.fleet, &["order_service".into()], None, Direction::Up);
        let shared = fixtures::plan_result(
            &state.fleet,
            &["user_service".into()],
            Some("cross_service"),
            Direction::Up,
        );
        result.plans.insert(0, shared.plans[0].clone());
        update(
            &mut state,
            Msg::Planned {
                id: *id,
                result: Ok(result),
            },
        );
        state
    });
}

#[test]
fn fleet_with_every_state() {
    both("fleet_every_state", every_state);
}

#[test]
fn fleet_as_rows() {
    both("fleet_rows", |size| {
        let mut state = every_state(size);
        update(&mut state, char_key('v'));
        state
    });
}

#[test]
fn fleet_with_the_shared_set_chosen() {
    both("fleet_shared_set", |size| {
        let mut state = every_state(size);
        update(&mut state, char_key(']'));
        state
    });
}

#[test]
fn fleet_with_marks_and_focus_further_down() {
    both("fleet_marked", |size| {
        let mut state = every_state(size);
        mark(&mut state, &["user_service", "order_service"]);
        focus(&mut state, "search_index");
        state
    });
}

#[test]
fn fleet_filter_being_typed() {
    both("fleet_filter_prompt", |size| {
        let mut state = every_state(size);
        update(&mut state, char_key('/'));
        type_text(&mut state, "order");
        state
    });
}

#[test]
fn fleet_with_a_filter() {
    both("fleet_filter", |size| {
        let mut state = every_state(size);
        update(&mut state, char_key('/'));
        type_text(&mut state, "*_service");
        update(&mut state, key(KeyCode::Enter));
        state
    });
}

#[test]
fn fleet_with_a_filter_matching_nothing() {
    both("fleet_filter_empty", |size| {
        let mut state = fixtures::demo_state(size);
        update(&mut state, char_key('/'));
        type_text(&mut state, "billing");
        update(&mut state, key(KeyCode::Enter));
        state
    });
}

#[test]
fn mark_by_glob_prompt_counts_live() {
    both("mark_glob_prompt", |size| {
        let mut state = every_state(size);
        update(&mut state, char_key('+'));
        type_text(&mut state, "*_service");
        state
    });
}

#[test]
fn mark_by_glob_prompt_with_an_unfinished_glob() {
    both("mark_glob_prompt_invalid", |size| {
        let mut state = every_state(size);
        update(&mut state, char_key('+'));
        type_text(&mut state, "user_{");
        state
    });
}

#[test]
fn after_marking_by_glob() {
    both("mark_glob_done", |size| {
        let mut state = every_state(size);
        update(&mut state, char_key('+'));
        type_text(&mut state, "*_service");
        update(&mut state, key(KeyCode::Enter));
        state
    });
}

#[test]
fn command_prompt() {
    both("command_prompt", |size| {
        let mut state = fixtures::demo_state(size);
        update(&mut state, char_key(':'));
        type_text(&mut state, "sel");
        state
    });
}

#[test]
fn help_overlay() {
    both("help_fleet", |size| {
        let mut state = fixtures::demo_state(size);
        update(&mut state, char_key('?'));
        state
    });
}

#[test]
fn help_scrolled_to_the_end_shows_the_symbol_legend() {
    both("help_fleet_end", |size| {
        let mut state = fixtures::demo_state(size);
        update(&mut state, char_key('?'));
        for _ in 0..40 {
            update(&mut state, char_key('j'));
        }
        state
    });
}

#[test]
fn help_overlay_of_a_run() {
    both("help_run", |size| {
        let mut state = fixtures::run_state(size, false);
        update(&mut state, char_key('?'));
        state
    });
}

#[test]
fn inspect_a_dirty_database() {
    both("inspect_dirty", |size| {
        let mut state = fixtures::demo_state(size);
        focus(&mut state, "message_service");
        update(&mut state, key(KeyCode::Enter));
        state
    });
}

#[test]
fn inspect_a_stale_lock() {
    both("inspect_stale_lock", |size| {
        let mut state = fixtures::demo_state(size);
        focus(&mut state, "analytics_service");
        update(&mut state, key(KeyCode::Enter));
        state
    });
}

#[test]
fn inspect_drift() {
    both("inspect_drift", |size| {
        let mut state = every_state(size);
        focus(&mut state, "billing_ledger");
        update(&mut state, key(KeyCode::Enter));
        state
    });
}

#[test]
fn inspect_before_its_status_arrives() {
    both("inspect_not_read", |size| {
        let mut state = every_state(size);
        focus(&mut state, "archive_2019");
        update(&mut state, key(KeyCode::Enter));
        state
    });
}

#[test]
fn preview_while_planning() {
    both("preview_planning", |size| {
        let mut state = fixtures::demo_state(size);
        mark(&mut state, &["user_service", "order_service"]);
        update(&mut state, char_key('p'));
        state
    });
}

#[test]
fn preview_shows_the_sql() {
    both("preview_sql", |size| {
        let mut state = fixtures::demo_state(size);
        mark(
            &mut state,
            &["user_service", "order_service", "message_service"],
        );
        plan_with(&mut state, 'p', Direction::Up);
        update(&mut state, char_key('j'));
        state
    });
}

#[test]
fn preview_scrolled_to_the_end() {
    both("preview_sql_end", |size| {
        let mut state = fixtures::demo_state(size);
        mark(&mut state, &["order_service"]);
        plan_with(&mut state, 'p', Direction::Up);
        update(&mut state, char_key('G'));
        state
    });
}

/// Presses `c` and answers its dry run with the fixtures' plan plus order_service's
/// destructive step.
fn plan_with_destructive(state: &mut State, c: char) {
    let commands = update(state, char_key(c));
    let id = plan_id(&commands);
    let Command::Plan { databases, set, .. } = &commands[0] else {
        unreachable!()
    };
    let mut result = fixtures::plan_result(&state.fleet, databases, set.as_deref(), Direction::Up);
    fixtures::with_destructive_step(&mut result);
    update(
        state,
        Msg::Planned {
            id,
            result: Ok(result),
        },
    );
}

#[test]
fn preview_marks_a_destructive_migration_with_its_findings_under_it() {
    both("preview_lint", |size| {
        let mut state = fixtures::demo_state(size);
        mark(&mut state, &["order_service"]);
        plan_with_destructive(&mut state, 'p');
        // Scrolled so the destructive migration's header is the first line shown.
        let (width, _) = crate::console::layout::preview_sql_inner(size.0, size.1);
        if let Some(crate::console::state::Screen::Preview(view)) = state.screens.last_mut() {
            let plan = &view.result.as_ref().unwrap().as_ref().unwrap().plans[0];
            let lines = crate::console::layout::wrap(&crate::console::model::sql_text(plan), width);
            view.scroll = lines
                .iter()
                .position(|l| l.contains("005_drop_legacy_orders"))
                .unwrap();
        }
        let text = screen(&state);
        assert!(
            text.contains("order_service/005_drop_legacy_orders")
                && text.contains("⚠ 2 lint finding(s)"),
            "{text}"
        );
        assert!(text.contains("⚠ line 1: error drop-table"), "{text}");
        assert!(text.contains("⚠ line 3: error delete-without"), "{text}");
        state
    });
}

#[test]
fn confirm_counts_the_lint_findings_by_kind() {
    both("confirm_lint", |size| {
        let mut state = fixtures::demo_state(size);
        mark(&mut state, &["user_service", "order_service"]);
        plan_with_destructive(&mut state, 'U');
        let text = screen(&state);
        assert!(text.contains("⚠ 2 destructive — p shows them"), "{text}");
        state
    });
}

#[test]
fn preview_of_a_refused_database() {
    both("preview_refused", |size| {
        let mut state = fixtures::demo_state(size);
        mark(
            &mut state,
            &["user_service", "order_service", "message_service"],
        );
        plan_with(&mut state, 'p', Direction::Up);
        update(&mut state, char_key('j'));
        update(&mut state, char_key('j'));
        state
    });
}

#[test]
fn preview_of_the_shared_set() {
    both("preview_shared_set", |size| {
        let mut state = every_state(size);
        update(&mut state, char_key(']'));
        mark(&mut state, &["user_service", "billing_ledger"]);
        plan_with(&mut state, 'p', Direction::Up);
        state
    });
}

#[test]
fn confirm_up_has_cancel_focused() {
    both("confirm_up", |size| {
        let mut state = fixtures::demo_state(size);
        update(&mut state, char_key('a'));
        plan_with(&mut state, 'U', Direction::Up);
        state
    });
}

#[test]
fn confirm_up_while_planning() {
    both("confirm_up_planning", |size| {
        let mut state = fixtures::demo_state(size);
        update(&mut state, char_key('a'));
        update(&mut state, char_key('U'));
        state
    });
}

#[test]
fn confirm_down_wants_the_count_typed() {
    both("confirm_down", |size| {
        let mut state = fixtures::demo_state(size);
        mark(&mut state, &["shared_service", "product_service"]);
        plan_with(&mut state, 'D', Direction::Down);
        update(&mut state, key(KeyCode::Tab));
        state
    });
}

#[test]
fn confirm_down_with_the_count_typed() {
    both("confirm_down_typed", |size| {
        let mut state = fixtures::demo_state(size);
        mark(&mut state, &["shared_service", "product_service"]);
        plan_with(&mut state, 'D', Direction::Down);
        type_text(&mut state, "2");
        update(&mut state, key(KeyCode::Tab));
        state
    });
}

#[test]
fn confirm_up_in_production_wants_the_count_typed() {
    both("confirm_up_production", |size| {
        let mut fleet = fixtures::demo_fleet();
        fleet.environment = Some("production".into());
        let mut state = fixtures::loaded_state(fleet, size);
        mark(&mut state, &["user_service", "order_service"]);
        plan_with(&mut state, 'U', Direction::Up);
        state
    });
}

#[test]
fn confirm_unlock() {
    both("confirm_unlock", |size| {
        let mut state = fixtures::demo_state(size);
        focus(&mut state, "analytics_service");
        update(&mut state, char_key('L'));
        state
    });
}

#[test]
fn confirm_resolve() {
    both("confirm_resolve", |size| {
        let mut state = fixtures::demo_state(size);
        focus(&mut state, "message_service");
        update(&mut state, char_key('R'));
        state
    });
}

/// `R` on message_service with its half-done step read back, the focus on `button`.
fn resolve_with_statements(size: (u16, u16), button: usize) -> State {
    let mut state = fixtures::demo_state(size);
    focus(&mut state, "message_service");
    update(&mut state, char_key('R'));
    update(
        &mut state,
        Msg::DirtySteps {
            database: "message_service".into(),
            result: Ok(vec![fixtures::dirty_step()]),
        },
    );
    for _ in 0..button {
        update(&mut state, key(KeyCode::Tab));
    }
    state
}

#[test]
fn confirm_resolve_lists_the_statements_done_and_not_done() {
    both("confirm_resolve_statements", |size| {
        let state = resolve_with_statements(size, 0);
        let text = screen(&state);
        assert!(text.contains("✓ done"), "{text}");
        assert!(text.contains("· not done"), "{text}");
        assert!(
            text.contains("CREATE INDEX idx_subscriptions_topic"),
            "{text}"
        );
        assert!(text.contains("statement 2 did not run: the"), "{text}");
        state
    });
}

#[test]
fn confirm_resolve_mark_applied_wants_the_name_typed() {
    both("confirm_resolve_mark_applied", |size| {
        let state = resolve_with_statements(size, 2);
        let text = screen(&state);
        assert!(
            text.contains("Type message_service (the database's name)"),
            "{text}"
        );
        state
    });
}

#[test]
fn confirm_up_over_three_offers_the_canary_and_shows_the_budget() {
    both("confirm_canary", |size| {
        let mut state = fixtures::demo_state(size);
        state.fleet.max_failures = Some(2);
        mark(
            &mut state,
            &["shared_service", "user_service", "order_service"],
        );
        plan_with(&mut state, 'U', Direction::Up);
        let text = screen(&state);
        assert!(
            text.contains("stops starting databases after 2 failed"),
            "{text}"
        );
        assert!(text.contains("[ Canary order_service first ]"), "{text}");
        state
    });
}

#[test]
fn confirm_adopt() {
    both("confirm_adopt", |size| {
        let mut state = fixtures::demo_state(size);
        fixtures::managed_by_golang_migrate(&mut state, "order_service", "at version 158");
        focus(&mut state, "order_service");
        update(&mut state, char_key('R'));
        state
    });
}

#[test]
fn confirm_accept_drift() {
    both("confirm_accept_drift", |size| {
        let mut state = fixtures::loaded_state(fixtures::every_state_fleet(), size);
        focus(&mut state, "billing_ledger");
        update(&mut state, char_key('R'));
        state
    });
}

#[test]
fn history_of_the_journal() {
    both("history", |size| {
        let mut state = fixtures::demo_state(size);
        update(&mut state, char_key('H'));
        update(&mut state, Msg::History(Ok(fixtures::journal_entries())));
        state
    });
}

#[test]
fn run_in_progress() {
    both("run_midway", |size| fixtures::run_state(size, false));
}

#[test]
fn run_finished() {
    both("run_finished", |size| fixtures::run_state(size, true));
}

/// The midway run with `x` pressed on order_service, the one still running.
fn run_cancelling_order_service(size: (u16, u16)) -> State {
    let mut state = fixtures::run_state(size, false);
    update(&mut state, char_key('G'));
    while state.run.as_ref().unwrap().rows[state.run.as_ref().unwrap().cursor].database
        != "order_service"
    {
        update(&mut state, char_key('k'));
    }
    update(&mut state, char_key('x'));
    state
}

#[test]
fn run_with_one_database_cancelling() {
    both("run_cancelling_one", |size| {
        let state = run_cancelling_order_service(size);
        assert!(screen(&state).contains("cancelling…"));
        state
    });
}

#[test]
fn run_cancelled_is_not_called_finished() {
    both("run_cancelled", |size| {
        let mut state = run_cancelling_order_service(size);
        let mut events = fixtures::run_events_to_the_end();
        if let Some((_, dbfleet_core::engine::RunEvent::RunFinished { cancelled, .. })) =
            events.last_mut()
        {
            *cancelled = true;
        }
        fixtures::apply_events(&mut state, events);
        state.now_ms += 500;
        let text = screen(&state);
        assert!(
            text.contains("cancelled") && !text.contains("finished"),
            "{text}"
        );
        state
    });
}

#[test]
fn no_footer_inside_a_screen_says_q_quits() {
    for size in [SMALL, LARGE] {
        let mut state = fixtures::demo_state(size);
        for key_char in ['m', 'H', 'p'] {
            update(&mut state, char_key(key_char));
            let text = screen(&state);
            let footer = text.lines().nth(usize::from(size.1) - 1).unwrap();
            assert!(!footer.contains("q quit"), "{key_char}: {footer}");
            assert!(footer.contains("esc back"), "{key_char}: {footer}");
            update(&mut state, key(KeyCode::Esc));
        }
        let text = screen(&state);
        assert!(
            text.lines()
                .nth(usize::from(size.1) - 1)
                .unwrap()
                .contains("q quit")
        );
    }
}

#[test]
fn run_finished_focus_on_a_refused_database_shows_its_whole_reason() {
    both("run_finished_refused_focused", |size| {
        let mut state = fixtures::run_state(size, true);
        for _ in 0..4 {
            update(&mut state, key(KeyCode::Down));
        }
        state
    });
}

#[test]
fn fleet_during_a_run() {
    both("fleet_during_run", |size| {
        let mut state = fixtures::run_state(size, false);
        update(&mut state, key(KeyCode::Esc));
        state
    });
}

#[test]
fn quitting_during_a_run_asks() {
    both("confirm_quit_during_run", |size| {
        let mut state = fixtures::run_state(size, false);
        update(&mut state, key(KeyCode::Esc));
        update(&mut state, char_key('q'));
        state
    });
}

#[test]
fn matrix() {
    both("matrix", |size| {
        let mut state = fixtures::demo_state(size);
        update(&mut state, char_key('m'));
        update(&mut state, char_key('j'));
        state
    });
}

#[test]
fn matrix_with_every_state() {
    both("matrix_every_state", |size| {
        let mut state = every_state(size);
        update(&mut state, char_key('m'));
        state
    });
}

#[test]
fn matrix_of_a_big_fleet_pages_columns() {
    both("matrix_big", |size| {
        let mut state = fixtures::big_state(40, size);
        update(&mut state, char_key('m'));
        update(&mut state, key(KeyCode::PageDown));
        state
    });
}

#[test]
fn thousand_databases_page_and_count() {
    both("fleet_big", |size| {
        let mut state = fixtures::big_state(1000, size);
        update(&mut state, key(KeyCode::PageDown));
        state
    });
}

#[test]
fn too_small_screen() {
    for size in [(79, 24), (60, 18), (120, 23)] {
        let mut state = fixtures::demo_state(size);
        update(&mut state, Msg::Resize(size.0, size.1));
        insta::assert_snapshot!(format!("too_small_{}x{}", size.0, size.1), screen(&state));
    }
}

#[test]
fn too_small_screen_with_help() {
    let mut state = fixtures::demo_state((70, 22));
    update(&mut state, char_key('?'));
    insta::assert_snapshot!("too_small_help_70x22", screen(&state));
}

fn production_read_only(size: (u16, u16)) -> State {
    let mut fleet: FleetInfo = fixtures::demo_fleet();
    fleet.environment = Some("production".into());
    fleet.read_only = true;
    fixtures::loaded_state(fleet, size)
}

#[test]
fn production_and_read_only_header() {
    both("fleet_production_read_only", production_read_only);
}

#[test]
fn read_only_refuses_up_with_a_flash() {
    both("fleet_read_only_flash", |size| {
        let mut state = production_read_only(size);
        update(&mut state, char_key('U'));
        state
    });
}

#[test]
fn ascii_symbols() {
    both("fleet_ascii", |size| {
        let mut state = every_state(size);
        state.theme.ascii = true;
        state
    });
}

#[test]
fn inspect_an_unreachable_database() {
    both("inspect_unreachable", |size| {
        let mut state = every_state(size);
        focus(&mut state, "inventory_eu");
        update(&mut state, key(KeyCode::Enter));
        state
    });
}
