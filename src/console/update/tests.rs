//! `update` fed keys and engine events, asserting on the state and the commands it asks
//! for. No terminal, no database: the fixtures' fleet and a clock set by hand.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::console::fixtures::{
    self, DEMO, EXTRA, NOW_MS, char_key, key, run_events_to_the_end, type_text,
};
use crate::console::keys::BINDINGS;
use crate::console::layout;
use crate::console::model::Health;
use crate::console::msg::Pass;
use crate::console::progress::Phase;
use crate::console::state::{FLASH_MS, Prompt, REFRESH_BATCH, REFRESH_EVERY_MS, history_lines};
use crate::console::theme::Sym;
use dbfleet_core::engine::admin::Resolution;
use dbfleet_core::engine::status::Verdict;
use dbfleet_core::engine::{Direction, Limit, Outcome, RunEvent};

const SIZE: (u16, u16) = (120, 40);

fn demo() -> State {
    fixtures::demo_state(SIZE)
}

/// The demo fleet and five more databases, none of them `*_service`.
fn every() -> State {
    fixtures::loaded_state(fixtures::every_state_fleet(), SIZE)
}

fn press(state: &mut State, c: char) -> Vec<Command> {
    update(state, char_key(c))
}

fn press_key(state: &mut State, code: KeyCode) -> Vec<Command> {
    update(state, key(code))
}

fn marked(state: &State) -> Vec<&str> {
    state
        .dbs
        .iter()
        .filter(|d| d.marked)
        .map(super::super::model::Database::name)
        .collect()
}

fn focus(state: &mut State, name: &str) {
    let target = state.index_of(name).unwrap();
    state.cursor = state.visible.iter().position(|&i| i == target).unwrap();
}

fn mark(state: &mut State, names: &[&str]) {
    for name in names {
        focus(state, name);
        press(state, ' ');
    }
}

fn prompt(state: &State) -> &Prompt {
    match &state.overlay {
        Some(Overlay::Prompt(p)) => p,
        other => panic!("expected a prompt, got {other:?}"),
    }
}

fn confirm(state: &State) -> &Confirm {
    match &state.overlay {
        Some(Overlay::Confirm(c)) => c,
        other => panic!("expected a confirmation, got {other:?}"),
    }
}

/// Answers the `Plan` command in `commands` with the fixtures' dry run.
fn answer_plan(state: &mut State, commands: &[Command]) {
    let [
        Command::Plan {
            id,
            databases,
            set,
            direction,
            ..
        },
    ] = commands
    else {
        panic!("expected one Plan command, got {commands:?}");
    };
    let result = fixtures::plan_result(&state.fleet, databases, set.as_deref(), *direction);
    update(
        state,
        Msg::Planned {
            id: *id,
            result: Ok(result),
        },
    );
}

fn names(list: &[(&str, fixtures::Shape)]) -> Vec<String> {
    list.iter().map(|(n, _)| (*n).to_owned()).collect()
}

#[test]
fn space_marks_and_unmarks_the_focused_database() {
    let mut state = demo();
    press(&mut state, ' ');
    assert_eq!(marked(&state), ["shared_service"]);
    press(&mut state, 'l');
    press(&mut state, ' ');
    assert_eq!(marked(&state), ["shared_service", "user_service"]);
    press(&mut state, ' ');
    assert_eq!(marked(&state), ["shared_service"]);
}

#[test]
fn a_marks_every_shown_database_and_again_unmarks_them() {
    let mut state = every();
    press(&mut state, 'a');
    assert_eq!(state.marked_count(), DEMO.len() + EXTRA.len());
    press(&mut state, 'a');
    assert_eq!(state.marked_count(), 0);

    // Under a filter, only what is shown.
    press(&mut state, '/');
    type_text(&mut state, "order");
    press_key(&mut state, KeyCode::Enter);
    press(&mut state, 'a');
    assert_eq!(marked(&state), ["order_service"]);
}

#[test]
fn star_inverts_the_marks() {
    let mut state = demo();
    mark(&mut state, &["user_service"]);
    press(&mut state, '*');
    assert_eq!(state.marked_count(), DEMO.len() - 1);
    assert!(!marked(&state).contains(&"user_service"));
}

#[test]
fn mark_glob_counts_matches_live_and_enter_marks_exactly_them() {
    let mut state = every();
    press(&mut state, '+');
    assert_eq!(prompt(&state).kind, PromptKind::Mark);
    assert_eq!(prompt(&state).matches, Ok(0));
    type_text(&mut state, "*");
    assert_eq!(prompt(&state).matches, Ok(DEMO.len() + EXTRA.len()));
    type_text(&mut state, "_service");
    assert_eq!(prompt(&state).matches, Ok(6));
    // Typing into the prompt is not acting on the fleet.
    assert_eq!(state.marked_count(), 0);

    let commands = press_key(&mut state, KeyCode::Enter);
    assert!(commands.is_empty());
    assert!(state.overlay.is_none());
    assert_eq!(marked(&state), names(DEMO));
    assert!(
        state
            .flash
            .as_ref()
            .is_some_and(|f| f.text.contains("marked 6"))
    );
}

#[test]
fn plain_text_in_the_glob_prompt_means_contains() {
    let mut state = every();
    press(&mut state, '+');
    type_text(&mut state, "service");
    assert_eq!(prompt(&state).matches, Ok(6));
}

#[test]
fn an_unfinished_glob_marks_nothing_and_says_why() {
    let mut state = every();
    press(&mut state, '+');
    type_text(&mut state, "user_{");
    assert!(prompt(&state).matches.is_err());
    press_key(&mut state, KeyCode::Enter);
    assert_eq!(state.marked_count(), 0);
    assert_eq!(
        state.flash.as_ref().map(|f| f.level),
        Some(FlashLevel::Error)
    );
}

#[test]
fn minus_unmarks_by_glob() {
    let mut state = every();
    press(&mut state, 'a');
    press(&mut state, '-');
    type_text(&mut state, "user_*");
    assert_eq!(prompt(&state).matches, Ok(1));
    press_key(&mut state, KeyCode::Enter);
    assert_eq!(state.marked_count(), DEMO.len() + EXTRA.len() - 1);
    assert!(!marked(&state).contains(&"user_service"));
}

#[test]
fn tab_cycles_the_database_patterns_as_presets() {
    let mut state = every();
    press(&mut state, '+');
    let mut seen = Vec::new();
    for _ in 0..4 {
        press_key(&mut state, KeyCode::Tab);
        let p = prompt(&state);
        seen.push((p.input.value().to_owned(), p.matches.clone()));
    }
    assert_eq!(
        seen,
        [
            ("*_service".to_owned(), Ok(6)),
            ("user_*".to_owned(), Ok(1)),
            ("order_*".to_owned(), Ok(1)),
            ("*_service".to_owned(), Ok(6)),
        ]
    );
    press_key(&mut state, KeyCode::Enter);
    assert_eq!(marked(&state), names(DEMO));
}

#[test]
fn filter_narrows_as_it_is_typed_and_esc_clears_it() {
    let mut state = every();
    let all = state.visible.len();
    press(&mut state, '/');
    type_text(&mut state, "order");
    let order = state.index_of("order_service").unwrap();
    assert_eq!(state.visible, [order]);
    assert_eq!(prompt(&state).matches, Ok(1));

    press_key(&mut state, KeyCode::Enter);
    assert!(state.overlay.is_none());
    assert_eq!(state.filter.as_deref(), Some("order"));
    assert_eq!(state.visible, [order]);

    press_key(&mut state, KeyCode::Esc);
    assert_eq!(state.filter, None);
    assert_eq!(state.visible.len(), all);
}

#[test]
fn esc_in_the_filter_prompt_puts_the_previous_filter_back() {
    let mut state = every();
    press(&mut state, '/');
    type_text(&mut state, "*_service");
    press_key(&mut state, KeyCode::Enter);
    press(&mut state, '/');
    type_text(&mut state, "x");
    assert!(state.visible.is_empty(), "the edit is live");
    press_key(&mut state, KeyCode::Esc);
    assert_eq!(state.filter.as_deref(), Some("*_service"));
    assert_eq!(state.visible.len(), 6);
}

#[test]
fn the_filter_keeps_the_focus_on_the_same_database() {
    let mut state = every();
    focus(&mut state, "order_service");
    press(&mut state, '/');
    type_text(&mut state, "*_service");
    assert_eq!(
        state.focused(),
        state.index_of("order_service"),
        "focus moved off the focused database"
    );
}

#[test]
fn brackets_switch_between_own_sets_and_the_shared_sets() {
    let mut state = demo();
    assert_eq!(state.set_name(), None);
    press(&mut state, ']');
    assert_eq!(state.set_name(), Some("cross_service"));
    press(&mut state, ']');
    assert_eq!(state.set_name(), None);
    press(&mut state, '[');
    assert_eq!(state.set_name(), Some("cross_service"));

    // The chosen set is the one a run plans.
    mark(&mut state, &["user_service"]);
    let commands = press(&mut state, 'U');
    assert!(matches!(
        commands.as_slice(),
        [Command::Plan { set: Some(s), .. }] if s == "cross_service"
    ));
}

#[test]
fn up_asks_first_with_cancel_focused_and_enter_on_cancel_does_nothing() {
    let mut state = demo();
    mark(&mut state, &["order_service", "user_service"]);
    let commands = press(&mut state, 'U');
    let [
        Command::Plan {
            databases,
            set,
            direction,
            limit,
            ..
        },
    ] = commands.as_slice()
    else {
        panic!("expected one Plan command, got {commands:?}");
    };
    // Config order, not marking order.
    assert_eq!(databases, &["user_service", "order_service"]);
    assert_eq!(
        (set, direction, limit),
        (&None, &Direction::Up, &Limit::All)
    );
    assert_eq!(confirm(&state).focus, 0);
    assert_eq!(confirm(&state).buttons()[0], "Cancel");
    assert!(confirm(&state).typed.is_none(), "demo is not production");

    answer_plan(&mut state, &commands);
    let commands = press_key(&mut state, KeyCode::Enter);
    assert!(commands.is_empty());
    assert!(state.overlay.is_none());
    assert!(state.run.is_none());
}

#[test]
fn tab_then_enter_starts_the_run_on_the_marked_databases() {
    let mut state = demo();
    mark(&mut state, &["order_service", "user_service"]);
    let commands = press(&mut state, 'U');
    answer_plan(&mut state, &commands);
    press_key(&mut state, KeyCode::Tab);
    assert_eq!(confirm(&state).focus, 1);
    let commands = press_key(&mut state, KeyCode::Enter);
    assert_eq!(
        commands,
        [Command::StartRun {
            databases: vec!["user_service".into(), "order_service".into()],
            set: None,
            direction: Direction::Up,
            limit: Limit::All,
            canary: Vec::new(),
        }]
    );
    assert!(state.overlay.is_none());
    assert!(matches!(state.screens.as_slice(), [Screen::Run]));
    assert!(state.run_active());
    assert_eq!(state.run.as_ref().map(|r| r.rows.len()), Some(2));
}

#[test]
fn the_run_button_waits_for_the_plan() {
    let mut state = demo();
    mark(&mut state, &["order_service"]);
    let commands = press(&mut state, 'U');
    press_key(&mut state, KeyCode::Tab);
    assert!(press_key(&mut state, KeyCode::Enter).is_empty());
    assert!(state.overlay.is_some(), "the confirmation stays open");

    // An answer to some other dry run changes nothing here.
    update(
        &mut state,
        Msg::Planned {
            id: 999,
            result: Err("stale".into()),
        },
    );
    assert!(press_key(&mut state, KeyCode::Enter).is_empty());

    answer_plan(&mut state, &commands);
    assert!(matches!(
        press_key(&mut state, KeyCode::Enter).as_slice(),
        [Command::StartRun { .. }]
    ));
}

#[test]
fn a_misconfigured_database_in_the_selection_blocks_the_run() {
    let mut state = every();
    mark(&mut state, &["order_service", "reports_legacy"]);
    let commands = press(&mut state, 'U');
    answer_plan(&mut state, &commands);
    press_key(&mut state, KeyCode::Tab);
    assert!(press_key(&mut state, KeyCode::Enter).is_empty());
    assert!(
        confirm(&state)
            .blocked()
            .is_some_and(|b| b.contains("reports_legacy"))
    );
}

#[test]
fn down_works_only_once_the_count_is_typed() {
    let mut state = demo();
    mark(&mut state, &["shared_service", "product_service"]);
    let commands = press(&mut state, 'D');
    assert!(matches!(
        commands.as_slice(),
        [Command::Plan {
            direction: Direction::Down,
            limit: Limit::Steps(1),
            ..
        }]
    ));
    assert!(confirm(&state).typed.is_some());
    answer_plan(&mut state, &commands);
    press_key(&mut state, KeyCode::Tab);

    assert!(press_key(&mut state, KeyCode::Enter).is_empty());
    assert_eq!(
        confirm(&state).blocked().as_deref(),
        Some("type 2 to confirm")
    );

    // Only digits go in; a wrong count still blocks.
    type_text(&mut state, "x3");
    assert_eq!(
        confirm(&state).typed.as_ref().map(|i| i.value().to_owned()),
        Some("3".into())
    );
    assert!(press_key(&mut state, KeyCode::Enter).is_empty());

    press_key(&mut state, KeyCode::Backspace);
    type_text(&mut state, "2");
    assert_eq!(
        press_key(&mut state, KeyCode::Enter),
        [Command::StartRun {
            databases: vec!["shared_service".into(), "product_service".into()],
            set: None,
            direction: Direction::Down,
            limit: Limit::Steps(1),
            canary: Vec::new(),
        }]
    );
}

#[test]
fn production_wants_the_count_typed_for_an_up_over_several_databases() {
    let mut fleet = fixtures::demo_fleet();
    fleet.environment = Some("production".into());
    let mut state = fixtures::loaded_state(fleet, SIZE);
    mark(&mut state, &["order_service", "user_service"]);
    let commands = press(&mut state, 'U');
    answer_plan(&mut state, &commands);
    press_key(&mut state, KeyCode::Tab);
    assert!(press_key(&mut state, KeyCode::Enter).is_empty());
    type_text(&mut state, "2");
    assert!(matches!(
        press_key(&mut state, KeyCode::Enter).as_slice(),
        [Command::StartRun { .. }]
    ));
}

#[test]
fn the_cli_guard_rule_decides_when_an_up_wants_the_count() {
    // One database in production: an up is confirmed as anywhere else (as in the CLI).
    let mut fleet = fixtures::demo_fleet();
    fleet.environment = Some("production".into());
    let mut state = fixtures::loaded_state(fleet, SIZE);
    mark(&mut state, &["order_service"]);
    press(&mut state, 'U');
    assert!(confirm(&state).typed.is_none());
    // `protect:` guards the databases it names, whatever the environment.
    let mut fleet = fixtures::demo_fleet();
    fleet.protect = vec!["order_*".into()];
    let mut state = fixtures::loaded_state(fleet, SIZE);
    mark(&mut state, &["order_service", "user_service"]);
    press(&mut state, 'U');
    assert!(confirm(&state).typed.is_some());
}

fn press_binding(state: &mut State, binding: &crate::console::keys::Binding) -> Vec<Command> {
    let chord = binding.keys[0];
    update(state, Msg::Key(KeyEvent::new(chord.code, chord.mods)))
}

#[test]
fn no_mutating_key_acts_on_the_too_small_screen() {
    let mut state = demo();
    mark(&mut state, &["order_service", "analytics_service"]);
    update(&mut state, Msg::Resize(79, 24));
    assert!(state.too_small());
    for binding in BINDINGS
        .iter()
        .filter(|b| b.mutating && b.context == Context::Fleet)
    {
        focus(&mut state, "analytics_service");
        let commands = press_binding(&mut state, binding);
        assert!(
            commands.is_empty(),
            "{:?} acted: {commands:?}",
            binding.action
        );
        assert!(
            state.overlay.is_none(),
            "{:?} opened {:?}",
            binding.action,
            state.overlay
        );
    }
    // Keys that change nothing still work.
    press(&mut state, '?');
    assert!(matches!(state.overlay, Some(Overlay::Help { .. })));
}

#[test]
fn a_confirmation_open_when_the_screen_shrinks_cannot_be_pressed() {
    let mut state = demo();
    mark(&mut state, &["order_service"]);
    let commands = press(&mut state, 'U');
    answer_plan(&mut state, &commands);
    press_key(&mut state, KeyCode::Tab);
    update(&mut state, Msg::Resize(100, 20));
    assert!(press_key(&mut state, KeyCode::Enter).is_empty());
    assert!(state.run.is_none());
    update(&mut state, Msg::Resize(120, 40));
    assert!(matches!(
        press_key(&mut state, KeyCode::Enter).as_slice(),
        [Command::StartRun { .. }]
    ));
}

#[test]
fn a_run_cannot_be_cancelled_from_the_too_small_screen() {
    let mut state = fixtures::run_state(SIZE, false);
    update(&mut state, Msg::Resize(60, 20));
    for binding in BINDINGS
        .iter()
        .filter(|b| b.mutating && b.context == Context::Run)
    {
        assert!(press_binding(&mut state, binding).is_empty());
    }
    assert!(state.run.as_ref().is_some_and(|r| !r.cancelling));
}

#[test]
fn read_only_refuses_up_and_down_but_previews() {
    let mut fleet = fixtures::demo_fleet();
    fleet.read_only = true;
    let mut state = fixtures::loaded_state(fleet, SIZE);
    mark(&mut state, &["order_service"]);
    assert!(press(&mut state, 'U').is_empty());
    assert!(press(&mut state, 'D').is_empty());
    assert!(state.overlay.is_none());
    assert!(matches!(
        press(&mut state, 'p').as_slice(),
        [Command::Plan { .. }]
    ));
}

#[test]
fn run_events_move_the_progress() {
    let state = fixtures::run_state(SIZE, false);
    let run = state.run.as_ref().unwrap();
    let order = run.row("order_service").unwrap();
    assert_eq!(order.phase, Phase::Running);
    assert_eq!((order.steps_done, order.steps_total), (1, 2));
    assert_eq!(order.statement, Some((5, 8)));
    assert_eq!(
        order.migration.as_deref(),
        Some("order_service/004_add_shipping_info")
    );
    assert!(matches!(
        run.row("message_service").unwrap().phase,
        Phase::Done(Outcome::Refused { .. })
    ));
    assert_eq!(run.done_count(), 5);
    assert_eq!(run.run_id.as_deref(), Some(fixtures::RUN_ID));
    assert!(state.run_active());
    let order_index = state.index_of("order_service").unwrap();
    assert_eq!(state.health(order_index), Health::Running);
}

#[test]
fn a_finished_database_is_read_again_and_the_run_ends() {
    let mut state = fixtures::run_state(SIZE, false);
    let mut reads = Vec::new();
    for (at, event) in run_events_to_the_end() {
        state.now_ms = at;
        reads.extend(update(&mut state, Msg::Run(event)));
    }
    assert_eq!(reads, [Command::ReadStatus(vec!["order_service".into()])]);
    let run = state.run.as_ref().unwrap();
    assert!(!run.is_active());
    assert_eq!(run.ok_count(), 4);
    assert!(matches!(
        run.row("order_service").unwrap().phase,
        Phase::Done(Outcome::Succeeded { applied: 2 })
    ));
    let order_index = state.index_of("order_service").unwrap();
    assert_ne!(state.health(order_index), Health::Running);
}

#[test]
fn events_about_databases_outside_the_run_are_ignored() {
    let mut state = fixtures::run_state(SIZE, false);
    let before = state.run.as_ref().unwrap().done_count();
    update(
        &mut state,
        Msg::Run(RunEvent::Finished {
            database: "not_in_this_run".into(),
            outcome: Outcome::UpToDate,
            duration_ms: 1,
        }),
    );
    assert_eq!(state.run.as_ref().unwrap().done_count(), before);
}

#[test]
fn q_during_a_run_asks_before_quitting() {
    let mut state = fixtures::run_state(SIZE, false);
    // q on the run view goes back to the fleet first.
    assert!(press(&mut state, 'q').is_empty());
    assert!(state.screens.is_empty());

    assert!(press(&mut state, 'q').is_empty());
    assert!(matches!(confirm(&state).kind, ConfirmKind::QuitDuringRun));
    assert_eq!(confirm(&state).focus, 0);
    // Cancel keeps the console and the run.
    assert!(press_key(&mut state, KeyCode::Enter).is_empty());
    assert!(state.overlay.is_none());
    assert!(state.run_active());

    press(&mut state, 'q');
    press_key(&mut state, KeyCode::Tab);
    assert_eq!(press_key(&mut state, KeyCode::Enter), [Command::CancelRun]);
    assert!(state.quit_after_run);
    assert_eq!(update(&mut state, Msg::RunEnded(Ok(()))), [Command::Quit]);
}

#[test]
fn q_without_a_run_quits_and_inside_a_screen_goes_back() {
    let mut state = demo();
    press(&mut state, 'm');
    assert!(press(&mut state, 'q').is_empty());
    assert!(state.screens.is_empty());
    assert_eq!(press(&mut state, 'q'), [Command::Quit]);
}

#[test]
fn the_timer_reads_a_large_fleet_a_batch_at_a_time_and_ctrl_r_reads_it_all() {
    let mut state = fixtures::big_state(1000, SIZE);
    let timer_read = |state: &mut State| -> Vec<String> {
        for db in &mut state.dbs {
            db.reading_since = None;
        }
        state.now_ms += REFRESH_EVERY_MS;
        assert_eq!(update(state, Msg::Tick), [Command::ReloadCatalog]);
        let commands = update(state, Msg::CatalogReloaded(Err("test".into())));
        let [Command::ReadStatus(read)] = commands.as_slice() else {
            panic!("one read: {commands:?}");
        };
        read.clone()
    };
    let first = timer_read(&mut state);
    assert!(
        first.len() < 300,
        "a batch, not the fleet: {} read",
        first.len()
    );
    // What is on screen is in every batch; the rest goes round.
    let on_screen = state.dbs[state.visible[0]].name().to_owned();
    assert!(first.contains(&on_screen));
    let second = timer_read(&mut state);
    assert!(second.contains(&on_screen));
    let fresh: Vec<&String> = second.iter().filter(|n| !first.contains(n)).collect();
    assert!(
        fresh.len() >= REFRESH_BATCH * 3 / 4,
        "the next batch reads others: {}",
        fresh.len()
    );
    // Ten batches cover the fleet.
    let mut seen: std::collections::HashSet<String> = first.into_iter().chain(second).collect();
    for _ in 0..1000 / REFRESH_BATCH - 2 {
        seen.extend(timer_read(&mut state));
    }
    assert_eq!(seen.len(), 1000);
    // ctrl-r: the operator asked, every database now.
    for db in &mut state.dbs {
        db.reading_since = None;
    }
    assert_eq!(
        update(
            &mut state,
            Msg::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL))
        ),
        [Command::ReloadCatalog]
    );
    let commands = update(&mut state, Msg::CatalogReloaded(Err("test".into())));
    let [Command::ReadStatus(read)] = commands.as_slice() else {
        panic!("one read: {commands:?}");
    };
    assert_eq!(read.len(), 1000);
}

#[test]
fn the_refresh_tick_reads_every_database_not_already_being_read() {
    let mut state = every();
    assert!(
        update(&mut state, Msg::Tick).is_empty(),
        "nothing is due {} ms after a refresh",
        NOW_MS - fixtures::READ_STARTED_MS
    );
    state.now_ms = fixtures::READ_STARTED_MS + REFRESH_EVERY_MS;
    // The migrations folder first, then the statuses.
    assert_eq!(update(&mut state, Msg::Tick), [Command::ReloadCatalog]);
    assert!(update(&mut state, Msg::Tick).is_empty(), "not twice");
    let commands = update(
        &mut state,
        Msg::CatalogReloaded(Err("migrations: permission denied".into())),
    );
    assert!(
        state
            .flash
            .as_ref()
            .is_some_and(|f| f.text.contains("permission denied")),
        "a failed re-read is said, and the status is read anyway"
    );
    let [Command::ReadStatus(read)] = commands.as_slice() else {
        panic!("expected one ReadStatus, got {commands:?}");
    };
    // archive_2019's first read never came back: it keeps its one reader.
    assert_eq!(read.len(), DEMO.len() + EXTRA.len() - 1);
    assert!(!read.contains(&"archive_2019".to_owned()));
}

#[test]
fn a_reread_catalog_replaces_the_sets_and_keeps_the_chosen_one_by_name() {
    let mut state = demo();
    press(&mut state, ']');
    assert_eq!(state.set_name(), Some("cross_service"));
    let mut fresh = state.fleet.clone();
    let mut extra = fresh.shared_sets[0].clone();
    extra.name = "audit_2026".into();
    fresh.shared_sets.insert(0, extra);
    state.take_catalog(fresh.clone());
    assert_eq!(state.set_name(), Some("cross_service"), "followed by name");
    fresh.shared_sets.retain(|s| s.name != "cross_service");
    state.take_catalog(fresh);
    assert_eq!(state.set_name(), None);
    assert!(
        state
            .flash
            .as_ref()
            .is_some_and(|f| f.text.contains("cross_service is gone")),
    );
}

#[test]
fn the_first_commands_read_every_database() {
    let mut state = fixtures::blank_state(fixtures::demo_fleet(), SIZE);
    assert_eq!(state.start(), [Command::ReadStatus(names(DEMO))]);
    assert!(state.dbs.iter().all(|d| d.reading_since.is_some()));
}

#[test]
fn ctrl_r_refreshes_now() {
    let mut state = demo();
    let commands = update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL)),
    );
    assert_eq!(commands, [Command::ReloadCatalog]);
}

#[test]
fn statuses_and_failed_reads_land_on_their_database() {
    let mut state = fixtures::fresh_state(fixtures::demo_fleet(), SIZE);
    let order = state.index_of("order_service").unwrap();
    assert_eq!(state.health(order), Health::Unknown);
    let status = fixtures::status(&state.fleet, order, fixtures::Shape::Pending).unwrap();
    update(
        &mut state,
        Msg::Status {
            database: "order_service".into(),
            status: Box::new(status),
        },
    );
    assert_eq!(state.health(order), Health::Is(Verdict::Pending(2)));
    assert_eq!(state.dbs[order].reading_since, None);

    update(
        &mut state,
        Msg::StatusFailed {
            database: "user_service".into(),
            error: "timed out after 10s".into(),
        },
    );
    let user = state.index_of("user_service").unwrap();
    assert_eq!(
        state.health(user),
        Health::Is(Verdict::Unreachable("timed out after 10s".into()))
    );
}

#[test]
fn a_flash_clears_itself_on_a_later_tick() {
    let mut state = demo();
    press(&mut state, 'r');
    assert!(state.flash.is_some(), "r with no run says so");
    update(&mut state, Msg::Tick);
    assert!(state.flash.is_some(), "not at once");
    state.now_ms += FLASH_MS;
    update(&mut state, Msg::Tick);
    assert!(state.flash.is_none());
}

#[test]
fn preview_plans_the_focused_database_when_none_is_marked() {
    let mut state = demo();
    focus(&mut state, "order_service");
    let commands = press(&mut state, 'p');
    assert!(matches!(
        commands.as_slice(),
        [Command::Plan { databases, direction: Direction::Up, .. }] if databases == &["order_service"]
    ));
    answer_plan(&mut state, &commands);
    let Some(Screen::Preview(view)) = state.screens.last() else {
        panic!("no preview screen");
    };
    assert!(view.result.as_ref().is_some_and(std::result::Result::is_ok));
    press(&mut state, 'J');
    let Some(Screen::Preview(view)) = state.screens.last() else {
        panic!("no preview screen");
    };
    assert_eq!(view.scroll, 1);
    press_key(&mut state, KeyCode::Esc);
    assert!(state.screens.is_empty());
}

#[test]
fn moving_past_a_page_scrolls_the_fleet() {
    let mut state = fixtures::big_state(1000, (80, 24));
    let grid = state.grid();
    for _ in 0..grid.rows {
        press(&mut state, 'j');
    }
    assert_eq!(state.cursor, grid.rows * grid.columns);
    assert_eq!(state.offset, 1, "one row scrolled in");
    press(&mut state, 'G');
    assert_eq!(state.cursor, 999);
    press(&mut state, 'g');
    assert_eq!((state.cursor, state.offset), (0, 0));
}

#[test]
fn help_scrolls_no_further_than_its_last_key() {
    let mut state = fixtures::demo_state((80, 24));
    press(&mut state, '?');
    for _ in 0..100 {
        press(&mut state, 'j');
    }
    let Some(Overlay::Help { context, scroll }) = state.overlay.clone() else {
        panic!("no help");
    };
    assert_eq!(context, Context::Fleet);
    // The fleet's keys and the lines of the symbol legend under them.
    let rows = keys::help_for(context).len() + layout::HELP_LEGEND_ROWS;
    let max = layout::help_max_scroll(80, 24, rows);
    assert!(max > 0, "the fleet's keys do not fit 80×24");
    assert_eq!(scroll, max);
    press(&mut state, 'k');
    assert!(matches!(state.overlay, Some(Overlay::Help { scroll, .. }) if scroll == max - 1));
}

#[test]
fn page_down_turns_the_whole_view_a_page() {
    let mut state = fixtures::big_state(1000, SIZE);
    let grid = state.grid();
    let page = grid.columns * grid.rows;
    press_key(&mut state, KeyCode::PageDown);
    assert_eq!(state.cursor, page);
    assert_eq!(state.offset, grid.rows, "the view moved a page, not a row");
    press_key(&mut state, KeyCode::PageDown);
    assert_eq!(state.offset, 2 * grid.rows);
    press_key(&mut state, KeyCode::PageUp);
    assert_eq!(state.cursor, page);
    assert_eq!(state.offset, grid.rows);
    press_key(&mut state, KeyCode::End);
    let rows_total = 1000usize.div_ceil(grid.columns);
    assert_eq!(
        state.offset,
        rows_total - grid.rows,
        "the last page is full"
    );
}

#[test]
fn nothing_to_run_keeps_the_run_button_from_starting_a_run() {
    let mut state = demo();
    mark(&mut state, &["shared_service", "product_service"]);
    let commands = press(&mut state, 'U');
    answer_plan(&mut state, &commands);
    assert_eq!(
        confirm(&state).blocked().as_deref(),
        Some("nothing to run: all up to date")
    );
    press_key(&mut state, KeyCode::Tab);
    let commands = press_key(&mut state, KeyCode::Enter);
    assert!(commands.is_empty(), "{commands:?}");
    assert!(state.run.is_none());
}

#[test]
fn the_matrix_leaves_the_run_set_as_it_found_it() {
    let mut state = demo();
    assert_eq!(state.set_name(), None);
    press(&mut state, 'm');
    assert_eq!(state.set_name(), Some("cross_service"));
    press_key(&mut state, KeyCode::Esc);
    assert_eq!(
        state.set_name(),
        None,
        "U still runs each database's own set"
    );
}

#[test]
fn matrix_page_down_turns_the_columns_a_whole_page() {
    let mut state = fixtures::big_state(60, SIZE);
    press(&mut state, 'm');
    let fit = layout::matrix_fit(state.size.0);
    press_key(&mut state, KeyCode::PageDown);
    let Some(Screen::Matrix(view)) = state.screens.last() else {
        panic!("the matrix is open");
    };
    assert_eq!((view.col, view.col_offset), (fit, fit));
}

#[test]
fn tab_completes_what_was_typed() {
    let mut state = demo();
    press(&mut state, ':');
    type_text(&mut state, "set cr");
    press_key(&mut state, KeyCode::Tab);
    assert_eq!(prompt(&state).input.value(), "set cross_service");

    press_key(&mut state, KeyCode::Esc);
    press(&mut state, '+');
    type_text(&mut state, "ord");
    press_key(&mut state, KeyCode::Tab);
    assert_eq!(prompt(&state).input.value(), "order_*");
}

#[test]
fn r_on_a_drifted_database_offers_to_accept_the_edited_files() {
    let mut state = every();
    focus(&mut state, "billing_ledger");
    press(&mut state, 'R');
    assert_eq!(confirm(&state).buttons()[1], "Accept the edited files");
    press_key(&mut state, KeyCode::Tab);
    let commands = press_key(&mut state, KeyCode::Enter);
    assert_eq!(
        commands,
        [Command::Resolve {
            database: "billing_ledger".into(),
            resolution: Resolution::AcceptDrift,
        }]
    );
}

#[test]
fn h_reads_the_journal_into_a_history_screen() {
    let mut state = demo();
    assert_eq!(press(&mut state, 'H'), [Command::ReadHistory]);
    assert_eq!(state.context(), Context::History);
    assert!(state.history.is_none(), "reading");
    // Enough entries to scroll at this size.
    let entries: Vec<_> = std::iter::repeat_n(fixtures::journal_entries(), 10)
        .flatten()
        .collect();
    update(&mut state, Msg::History(Ok(entries)));
    let lines = history_lines(&state);
    assert!(
        lines[0]
            .0
            .contains("down · own sets · 1 database(s) · UNFINISHED"),
        "newest first: {lines:?}"
    );
    assert!(lines[0].1, "an unfinished run stands out");
    press(&mut state, 'j');
    assert!(matches!(
        state.screens.last(),
        Some(Screen::History { scroll: 1 })
    ));
    press_key(&mut state, KeyCode::Esc);
    assert_eq!(state.context(), Context::Fleet);
}

#[test]
fn the_history_screen_keeps_the_latest_entries() {
    let mut state = demo();
    press(&mut state, 'H');
    let mut entries: Vec<_> = std::iter::repeat_n(fixtures::journal_entries(), 100)
        .flatten()
        .collect();
    entries[299].run_id = "the-newest".into();
    update(&mut state, Msg::History(Ok(entries)));
    let kept = state
        .history
        .as_ref()
        .and_then(|h| h.as_ref().ok())
        .map(Vec::len);
    assert_eq!(kept, Some(HISTORY_ENTRIES));
    let newest = state
        .history
        .as_ref()
        .and_then(|h| h.as_ref().ok())
        .and_then(|e| e.last())
        .map(|e| e.run_id.clone());
    assert_eq!(newest.as_deref(), Some("the-newest"));
}

#[test]
fn r_on_a_database_another_tool_manages_offers_to_adopt_it() {
    let mut state = demo();
    let i = state
        .dbs
        .iter()
        .position(|d| d.info.name == "order_service")
        .expect("order_service");
    fixtures::managed_by_golang_migrate(&mut state, "order_service", "at version 3");
    assert_eq!(
        state.health(i),
        Health::Is(Verdict::ManagedBy("golang-migrate: at version 3".into()))
    );
    focus(&mut state, "order_service");
    press(&mut state, 'R');
    assert_eq!(confirm(&state).buttons()[1], "Adopt from golang-migrate");
    // Cancel is where the focus starts: Enter there adopts nothing.
    assert!(press_key(&mut state, KeyCode::Enter).is_empty());
    press(&mut state, 'R');
    press_key(&mut state, KeyCode::Tab);
    let commands = press_key(&mut state, KeyCode::Enter);
    assert_eq!(commands, [Command::Adopt("order_service".into())]);
}

#[test]
fn mark_takes_a_comma_list_as_the_cli_does() {
    let mut state = every();
    press(&mut state, '+');
    type_text(&mut state, "user*,order*");
    assert_eq!(prompt(&state).matches, Ok(2));
    press_key(&mut state, KeyCode::Enter);
    assert_eq!(marked(&state), ["user_service", "order_service"]);
    // Commas inside braces belong to the glob.
    press(&mut state, '-');
    type_text(&mut state, "{user,order}_service");
    assert_eq!(prompt(&state).matches, Ok(2));
}

#[test]
fn r_on_a_dirty_database_offers_resume_first_then_the_marks() {
    let mut state = demo();
    focus(&mut state, "message_service");
    assert_eq!(
        press(&mut state, 'R'),
        [Command::ReadDirtySteps("message_service".into())],
        "the statements are read by a worker, not in update"
    );
    assert_eq!(
        confirm(&state).buttons(),
        ["Cancel", "Resume", "Mark applied", "Mark rolled back"]
    );
    // Resume is focused once the statements are read and the file allows it: Enter
    // resumes, as in the CLI.
    assert_eq!(confirm(&open_resolve()).focus, 1);
    for (tabs, resolution) in [
        (0, Resolution::Resume),
        (1, Resolution::Applied),
        (2, Resolution::RolledBack),
    ] {
        let mut state = open_resolve();
        for _ in 0..tabs {
            press_key(&mut state, KeyCode::Tab);
        }
        if resolution != Resolution::Resume {
            // One statement of two ran: either mark says what is not so; the name first.
            assert!(press_key(&mut state, KeyCode::Enter).is_empty());
            assert_eq!(
                confirm(&state).blocked().as_deref(),
                Some("type message_service to confirm")
            );
            type_text(&mut state, "message_service");
        }
        assert_eq!(
            press_key(&mut state, KeyCode::Enter),
            [Command::Resolve {
                database: "message_service".into(),
                resolution,
            }]
        );
    }
}

/// The demo with `R` on message_service and its dirty step read back.
fn open_resolve() -> State {
    let mut state = demo();
    focus(&mut state, "message_service");
    press(&mut state, 'R');
    update(
        &mut state,
        Msg::DirtySteps {
            database: "message_service".into(),
            result: Ok(vec![fixtures::dirty_step()]),
        },
    );
    state
}

#[test]
fn the_resolve_dialog_waits_for_the_statements_and_refuses_a_resume_the_file_forbids() {
    let mut state = demo();
    focus(&mut state, "message_service");
    press(&mut state, 'R');
    press_key(&mut state, KeyCode::Tab);
    assert!(press_key(&mut state, KeyCode::Enter).is_empty());
    assert_eq!(
        confirm(&state).blocked().as_deref(),
        Some("reading the step's statements…")
    );
    let mut step = fixtures::dirty_step();
    step.cannot_resume = Some("the file changed since the step ran".into());
    update(
        &mut state,
        Msg::DirtySteps {
            database: "message_service".into(),
            result: Ok(vec![step]),
        },
    );
    assert!(press_key(&mut state, KeyCode::Enter).is_empty());
    assert_eq!(
        confirm(&state).blocked().as_deref(),
        Some("resume is not offered: the file changed since the step ran")
    );
    // Letters that are keys elsewhere (`l` next button, `q` cancel) are typed as a name.
    let mut state = open_resolve();
    press_key(&mut state, KeyCode::Tab);
    type_text(&mut state, "ql");
    assert!(state.overlay.is_some(), "q was typed, not a cancel");
    assert_eq!(confirm(&state).focus, 2, "l was typed, not a move");
}

#[test]
fn a_run_over_three_or_more_offers_the_canary_and_starts_it_with_one() {
    let mut state = demo();
    mark(
        &mut state,
        &["shared_service", "user_service", "order_service"],
    );
    let commands = press(&mut state, 'U');
    answer_plan(&mut state, &commands);
    assert_eq!(
        confirm(&state).buttons(),
        ["Cancel", "Run up on 3", "Canary order_service first"]
    );
    press_key(&mut state, KeyCode::Tab);
    press_key(&mut state, KeyCode::Tab);
    let started = press_key(&mut state, KeyCode::Enter);
    assert!(
        matches!(started.as_slice(), [Command::StartRun { canary, .. }] if canary == &["order_service"]),
        "{started:?}"
    );
    // Two databases: no canary to offer.
    let mut state = demo();
    mark(&mut state, &["user_service", "order_service"]);
    let commands = press(&mut state, 'U');
    answer_plan(&mut state, &commands);
    assert_eq!(confirm(&state).buttons().len(), 2);
}

/// `run_events_to_the_end` with its last event (`RunFinished`) replaced by `last`.
fn run_to_the_end_with(state: &mut State, last: impl FnOnce(&mut RunEvent)) {
    let mut events = run_events_to_the_end();
    if let Some((_, event)) = events.last_mut() {
        last(event);
    }
    fixtures::apply_events(state, events);
}

#[test]
fn databases_a_failed_canary_left_unstarted_are_marked_for_the_operator_to_decide() {
    let mut state = fixtures::run_state(SIZE, false);
    let mut events = run_events_to_the_end();
    let reason = "the canary (order_service) did not go well".to_owned();
    for database in ["user_service", "product_service"] {
        events.push((
            fixtures::RUN_STARTED_MS + 7_050,
            RunEvent::Finished {
                database: database.to_owned(),
                outcome: Outcome::NotStarted {
                    reason: reason.clone(),
                },
                duration_ms: 0,
            },
        ));
    }
    fixtures::apply_events(&mut state, events);
    update(&mut state, Msg::RunEnded(Ok(())));
    let marked: Vec<&str> = state
        .dbs
        .iter()
        .filter(|d| d.marked)
        .map(super::super::model::Database::name)
        .collect();
    assert_eq!(marked, ["user_service", "product_service"]);
    let flash = state.flash.as_ref().unwrap();
    assert!(
        flash
            .text
            .contains("2 not started, now marked: U runs them anyway"),
        "{}",
        flash.text
    );
}

#[test]
fn the_exit_code_says_how_the_last_run_ended() {
    let state = demo();
    assert_eq!(state.exit_code(), 0, "no run: a plain quit");

    // Two of the demo's six are refused (dirty, stale lock): as the CLI, 1.
    let mut state = fixtures::run_state(SIZE, true);
    assert_eq!(state.exit_code(), 1);

    let mut cancelled = fixtures::run_state(SIZE, false);
    run_to_the_end_with(&mut cancelled, |event| {
        if let RunEvent::RunFinished { cancelled, .. } = event {
            *cancelled = true;
        }
    });
    assert_eq!(cancelled.exit_code(), 130);

    let mut all_ok = fixtures::run_state(SIZE, false);
    run_to_the_end_with(&mut all_ok, |event| {
        if let RunEvent::RunFinished { outcomes, .. } = event {
            for (_, outcome) in outcomes.iter_mut() {
                *outcome = Outcome::UpToDate;
            }
        }
    });
    // The refused ones ended earlier in the stream; make them well too.
    for row in &mut all_ok.run.as_mut().unwrap().rows {
        row.phase = Phase::Done(Outcome::UpToDate);
    }
    assert_eq!(all_ok.exit_code(), 0);

    // Ctrl-C closes the console with 130 whatever the last run did.
    state.screens.clear();
    assert_eq!(
        update(
            &mut state,
            Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL))
        ),
        [Command::Quit]
    );
    assert_eq!(state.exit_code(), 130);
}

#[test]
fn the_summary_left_in_the_shell_lists_every_database_and_the_totals() {
    let state = fixtures::run_state(SIZE, true);
    let summary = state.run.as_ref().unwrap().summary(&state.theme);
    let lines: Vec<&str> = summary.lines().collect();
    assert!(
        lines[0].starts_with("dbfleet console: up · own sets · finished · run "),
        "{summary}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("✓ order_service") && l.contains("succeeded, 2 step(s)")),
        "{summary}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("✗ message_service") && l.contains("refused: ")),
        "{summary}"
    );
    assert_eq!(
        lines.last(),
        Some(&"4/6 database(s) ok in 7.0s"),
        "{summary}"
    );
}

#[test]
fn a_cancelled_run_says_cancelled_not_finished() {
    let mut state = fixtures::run_state(SIZE, false);
    press(&mut state, 'X');
    run_to_the_end_with(&mut state, |event| {
        if let RunEvent::RunFinished { cancelled, .. } = event {
            *cancelled = true;
        }
    });
    let run = state.run.as_ref().unwrap();
    assert_eq!(run.state_word(), "cancelled");
    assert!(run.summary(&state.theme).contains("· cancelled"));
    update(&mut state, Msg::RunEnded(Ok(())));
    let flash = state.flash.as_ref().unwrap();
    assert!(flash.text.starts_with("run cancelled: "), "{}", flash.text);
}

#[test]
fn x_marks_the_focused_database_cancelling_until_it_ends() {
    let mut state = fixtures::run_state(SIZE, false);
    let run = state.run.as_ref().unwrap();
    let order = run
        .rows
        .iter()
        .position(|r| r.database == "order_service")
        .unwrap();
    state.run.as_mut().unwrap().cursor = order;
    assert_eq!(
        press(&mut state, 'x'),
        [Command::CancelDatabase("order_service".into())]
    );
    assert!(state.run.as_ref().unwrap().rows[order].cancelling);
    // A database that has already ended is not cancelled again.
    state.run.as_mut().unwrap().cursor = 0;
    assert!(matches!(
        state.run.as_ref().unwrap().rows[0].phase,
        Phase::Done(_)
    ));
    assert!(press(&mut state, 'x').is_empty());
    assert!(!state.run.as_ref().unwrap().rows[0].cancelling);
}

#[test]
fn x_or_shift_x_twice_aborts_the_running_statements() {
    let mut state = fixtures::run_state(SIZE, false);
    let order = state
        .run
        .as_ref()
        .unwrap()
        .rows
        .iter()
        .position(|r| r.database == "order_service")
        .unwrap();
    state.run.as_mut().unwrap().cursor = order;
    press(&mut state, 'x');
    assert!(!state.run.as_ref().unwrap().rows[order].aborting);
    assert_eq!(
        press(&mut state, 'x'),
        [Command::AbortDatabase("order_service".into())]
    );
    assert!(state.run.as_ref().unwrap().rows[order].aborting);
    assert!(
        state
            .flash
            .as_ref()
            .unwrap()
            .text
            .contains("stopped on the server")
    );
    // The whole run: once cancels, twice aborts, and the title says which.
    assert_eq!(press(&mut state, 'X'), [Command::CancelRun]);
    assert_eq!(state.run.as_ref().unwrap().state_word(), "cancelling…");
    assert_eq!(press(&mut state, 'X'), [Command::AbortRun]);
    let run = state.run.as_ref().unwrap();
    assert_eq!(run.state_word(), "aborting…");
    assert!(
        run.rows
            .iter()
            .filter(|r| !matches!(r.phase, Phase::Done(_)))
            .all(|r| r.aborting)
    );
}

#[test]
fn the_history_does_not_call_this_consoles_run_unfinished() {
    let mut state = fixtures::run_state(SIZE, false);
    state.screens.clear();
    press(&mut state, 'H');
    let mut entries = fixtures::journal_entries();
    if let Some(last) = entries.last_mut() {
        last.run_id = fixtures::RUN_ID.into();
    }
    update(&mut state, Msg::History(Ok(entries)));
    let lines = history_lines(&state);
    assert!(
        lines[0].0.contains("running now in this console") && !lines[0].0.contains("UNFINISHED"),
        "{lines:?}"
    );
    assert!(!lines[0].1);
    // Its end is read again once the run is over.
    fixtures::apply_events(&mut state, run_events_to_the_end());
    let commands = update(&mut state, Msg::RunEnded(Ok(())));
    assert!(commands.contains(&Command::ReadHistory), "{commands:?}");
}

#[test]
fn marks_are_cleared_when_a_run_ends_and_the_status_line_says_so() {
    let mut state = fixtures::run_state(SIZE, false);
    assert_eq!(state.marked_count(), 6);
    fixtures::apply_events(&mut state, run_events_to_the_end());
    update(&mut state, Msg::RunEnded(Ok(())));
    assert_eq!(state.marked_count(), 0);
    let flash = state.flash.as_ref().unwrap();
    assert!(
        flash.text.ends_with("· 6 mark(s) cleared"),
        "{}",
        flash.text
    );
    // It is news about the run, not about the run screen: leaving the screen keeps it.
    press_key(&mut state, KeyCode::Esc);
    assert!(state.flash.is_some());
}

#[test]
fn a_dialogs_message_goes_with_the_dialog() {
    let mut state = demo();
    mark(&mut state, &["shared_service", "product_service"]);
    let commands = press(&mut state, 'D');
    answer_plan(&mut state, &commands);
    press_key(&mut state, KeyCode::Tab);
    press_key(&mut state, KeyCode::Enter);
    assert_eq!(
        state.flash.as_ref().map(|f| f.text.as_str()),
        Some("type 2 to confirm")
    );
    press_key(&mut state, KeyCode::Esc);
    assert!(state.overlay.is_none());
    assert!(state.flash.is_none(), "{:?}", state.flash);
}

#[test]
fn too_small_goes_once_the_terminal_is_big_enough() {
    let mut state = demo();
    update(&mut state, Msg::Resize(60, 20));
    press(&mut state, 'U');
    assert!(state.flash.as_ref().unwrap().text.contains("too small"));
    update(&mut state, Msg::Resize(100, 30));
    assert!(state.flash.is_none());
}

#[test]
fn esc_in_the_filter_prompt_puts_the_previous_focus_back() {
    let mut state = every();
    focus(&mut state, "order_service");
    press(&mut state, '/');
    // A filter that hides order_service moves the focus while it is typed.
    type_text(&mut state, "user");
    assert_ne!(state.focused(), state.index_of("order_service"));
    press_key(&mut state, KeyCode::Esc);
    assert_eq!(state.filter, None);
    assert_eq!(state.focused(), state.index_of("order_service"));
}

#[test]
fn a_refresh_interval_of_zero_never_refreshes_on_its_own() {
    let mut state = demo();
    state.refresh_every_ms = 0;
    state.last_refresh_ms = Some(0);
    state.now_ms = 10 * REFRESH_EVERY_MS;
    assert!(update(&mut state, Msg::Tick).is_empty());
    state.refresh_every_ms = 3_000;
    assert_eq!(update(&mut state, Msg::Tick), [Command::ReloadCatalog]);
}

/// The demo fleet as the console first opens it: no set chosen yet.
fn opening() -> State {
    let mut state = fixtures::fresh_state(fixtures::demo_fleet(), SIZE);
    state.set_chosen = false;
    state
}

fn deliver_statuses(state: &mut State) {
    for db in 0..state.fleet.databases.len() {
        let name = state.fleet.databases[db].name.clone();
        if let Some(status) = fixtures::status(&state.fleet, db, fixtures::shape_of(&name)) {
            update(
                state,
                Msg::Status {
                    database: name,
                    status: Box::new(status),
                },
            );
        }
    }
}

#[test]
fn the_console_opens_on_everything_pending_when_several_sets_have_work() {
    let mut state = opening();
    assert_eq!(state.set_label(), "own sets");
    deliver_statuses(&mut state);
    // order_service has own work, user_service a cross_service migration.
    assert!(state.everything);
    assert_eq!(state.set_label(), "everything pending");
    let flash = state.flash.as_ref().unwrap();
    assert!(
        flash
            .text
            .contains("pending work in own sets, cross_service"),
        "{}",
        flash.text
    );
    // Once only: the operator's choice is not overridden by a later read.
    press(&mut state, ']');
    assert!(!state.everything);
    deliver_statuses(&mut state);
    assert!(!state.everything);
}

#[test]
fn brackets_reach_everything_pending_after_the_shared_sets() {
    let mut state = demo();
    press(&mut state, ']');
    assert_eq!(state.set_label(), "cross_service");
    press(&mut state, ']');
    assert_eq!(state.set_label(), "everything pending");
    press(&mut state, ']');
    assert_eq!(state.set_label(), "own sets");
    press(&mut state, '[');
    assert_eq!(state.set_label(), "everything pending");
}

#[test]
fn everything_pending_plans_every_set_and_runs_its_passes_in_order() {
    let mut state = demo();
    state.everything = true;
    mark(&mut state, &["user_service", "order_service"]);
    let commands = press(&mut state, 'U');
    let [Command::PlanEverything { id, databases }] = commands.as_slice() else {
        panic!("{commands:?}");
    };
    assert_eq!(databases, &["user_service", "order_service"]);
    let mut result =
        fixtures::plan_result(&state.fleet, &[databases[1].clone()], None, Direction::Up);
    let shared = fixtures::plan_result(
        &state.fleet,
        &[databases[0].clone()],
        Some("cross_service"),
        Direction::Up,
    );
    result.plans.insert(0, shared.plans[0].clone());
    let passes = vec![
        Pass {
            set: None,
            databases: vec!["order_service".into()],
        },
        Pass {
            set: Some("cross_service".into()),
            databases: vec!["user_service".into()],
        },
    ];
    result.passes = passes.clone();
    update(
        &mut state,
        Msg::Planned {
            id: *id,
            result: Ok(result),
        },
    );
    press_key(&mut state, KeyCode::Tab);
    assert_eq!(
        press_key(&mut state, KeyCode::Enter),
        [Command::StartEverything {
            passes,
            canary: Vec::new()
        }]
    );
    let run = state.run.as_ref().unwrap();
    assert_eq!(run.passes, 2);
    assert_eq!(run.set.as_deref(), Some("everything pending"));
}

#[test]
fn everything_pending_is_for_up_only() {
    let mut state = demo();
    state.everything = true;
    assert!(press(&mut state, 'D').is_empty());
    assert!(state.overlay.is_none());
    assert!(
        state
            .flash
            .as_ref()
            .unwrap()
            .text
            .contains("one set at a time")
    );
}

fn run_started(databases: &[&str], set: Option<&str>, run_id: &str) -> RunEvent {
    RunEvent::RunStarted {
        run_id: run_id.into(),
        by: "ops@host".into(),
        command: "dbfleet console: up".into(),
        direction: Direction::Up,
        databases: databases.iter().map(|d| (*d).to_owned()).collect(),
        set: set.map(str::to_owned),
    }
}

fn one_database_applies(database: &str, steps: usize) -> Vec<RunEvent> {
    let mut events = vec![RunEvent::Started {
        database: database.into(),
        steps,
    }];
    for i in 0..steps {
        events.push(RunEvent::StepFinished {
            database: database.into(),
            migration: format!("{database}/00{i}"),
            duration_ms: 1,
        });
    }
    events.push(RunEvent::Finished {
        database: database.into(),
        outcome: Outcome::Succeeded { applied: steps },
        duration_ms: 1,
    });
    events
}

#[test]
fn a_run_over_several_sets_ends_after_the_last_and_counts_every_step() {
    let names = vec!["order_service".to_owned(), "user_service".to_owned()];
    let mut run = crate::console::progress::RunProgress::new(
        Direction::Up,
        Some("everything pending".into()),
        &names,
        0,
    )
    .with_passes(2);
    let finished = |outcomes: Vec<(&str, Outcome)>| RunEvent::RunFinished {
        run_id: "r".into(),
        outcomes: outcomes
            .into_iter()
            .map(|(d, o)| (d.to_owned(), o))
            .collect(),
        duration_ms: 1,
        cancelled: false,
    };
    let mut events = vec![run_started(&["order_service"], None, "r1")];
    events.extend(one_database_applies("order_service", 2));
    events.push(finished(vec![(
        "order_service",
        Outcome::Succeeded { applied: 2 },
    )]));
    for (i, event) in events.iter().enumerate() {
        run.apply(event, i as u64);
    }
    assert!(run.is_active(), "one set of two done: the run goes on");
    let mut events = vec![run_started(
        &["order_service", "user_service"],
        Some("cross_service"),
        "r2",
    )];
    assert_eq!(run.row("order_service").unwrap().steps_done, 2);
    events.extend(one_database_applies("order_service", 1));
    events.extend(one_database_applies("user_service", 1));
    events.push(finished(vec![
        ("order_service", Outcome::Succeeded { applied: 1 }),
        ("user_service", Outcome::Succeeded { applied: 1 }),
    ]));
    for (i, event) in events.iter().enumerate() {
        run.apply(event, 100 + i as u64);
    }
    assert!(!run.is_active());
    assert_eq!(
        run.row("order_service").unwrap().phase,
        Phase::Done(Outcome::Succeeded { applied: 3 })
    );
    assert_eq!(run.row("order_service").unwrap().steps_total, 3);
    assert_eq!(run.run_id.as_deref(), Some("r2"));
    assert_eq!(run.exit_code(), 0);
}

#[test]
fn a_confirmation_that_would_change_nothing_cannot_be_run() {
    let mut state = demo();
    mark(
        &mut state,
        &["message_service", "analytics_service", "shared_service"],
    );
    let commands = press(&mut state, 'U');
    answer_plan(&mut state, &commands);
    let why = confirm(&state).blocked().unwrap_or_default();
    assert!(why.starts_with("nothing would change: 2 refused"), "{why}");
    press_key(&mut state, KeyCode::Tab);
    assert!(press_key(&mut state, KeyCode::Enter).is_empty());
    assert!(state.run.is_none());
}

#[test]
fn filters_and_mark_globs_match_states_as_well_as_names() {
    let mut state = every();
    press(&mut state, '/');
    type_text(&mut state, "dirty");
    assert_eq!(state.visible, [state.index_of("message_service").unwrap()]);
    press_key(&mut state, KeyCode::Esc);
    press(&mut state, '/');
    type_text(&mut state, "locked");
    let locked: Vec<usize> = ["analytics_service", "search_index"]
        .iter()
        .map(|n| state.index_of(n).unwrap())
        .collect();
    assert_eq!(state.visible, locked);
    press_key(&mut state, KeyCode::Esc);
    press(&mut state, '/');
    type_text(&mut state, "failed");
    assert_eq!(state.visible, [state.index_of("reports_legacy").unwrap()]);
    press_key(&mut state, KeyCode::Esc);
    // `+pending` marks what has work: then `U`.
    press(&mut state, '+');
    type_text(&mut state, "pending");
    press_key(&mut state, KeyCode::Enter);
    assert_eq!(marked(&state), ["user_service", "order_service"]);
}

#[test]
fn a_database_dirty_and_locked_counts_in_both() {
    let mut state = demo();
    let message = fixtures::dirty_and_stale_locked(&mut state);
    assert_eq!(state.conditions(message), [Sym::Dirty, Sym::Locked]);
    press(&mut state, '/');
    type_text(&mut state, "locked");
    assert!(state.visible.contains(&message));
}

#[test]
fn n_jumps_to_the_next_database_that_needs_attention() {
    let mut state = demo();
    focus(&mut state, "shared_service");
    let names = |state: &State| state.dbs[state.focused().unwrap()].name().to_owned();
    press(&mut state, 'n');
    assert_eq!(names(&state), "user_service");
    press(&mut state, 'n');
    assert_eq!(names(&state), "order_service");
    press(&mut state, 'n');
    assert_eq!(names(&state), "message_service");
    press(&mut state, 'n');
    assert_eq!(names(&state), "analytics_service");
    press(&mut state, 'n');
    assert_eq!(names(&state), "user_service", "round again");
}

#[test]
fn the_run_list_follows_the_work_and_ends_on_the_first_failure() {
    let mut state = fixtures::run_state(SIZE, false);
    let run = state.run.as_ref().unwrap();
    assert_eq!(run.rows[run.cursor].database, "order_service");
    fixtures::apply_events(&mut state, run_events_to_the_end());
    let run = state.run.as_ref().unwrap();
    assert_eq!(run.rows[run.cursor].database, "message_service");
    // Once the operator moves, the cursor is theirs.
    let mut state = fixtures::run_state(SIZE, false);
    press(&mut state, 'g');
    assert!(!state.run.as_ref().unwrap().follow);
}

#[test]
fn the_run_list_of_a_thousand_shows_the_one_running() {
    let mut state = fixtures::big_state(1000, SIZE);
    let names: Vec<String> = state.dbs.iter().map(|d| d.info.name.clone()).collect();
    state.run = Some(crate::console::progress::RunProgress::new(
        Direction::Up,
        None,
        &names,
        0,
    ));
    update(
        &mut state,
        Msg::Run(RunEvent::Started {
            database: names[130].clone(),
            steps: 1,
        }),
    );
    let run = state.run.as_ref().unwrap();
    let window = layout::run_table_height(SIZE.0, SIZE.1, run.rows.len());
    assert_eq!(run.cursor, 130);
    assert!(run.offset <= 130 && 130 < run.offset + window);
}

/// A run over the whole of a thousand-database fleet, its view in front, every status
/// read already.
fn big_run(names_on_screen_first: bool) -> (State, Vec<String>) {
    let mut state = fixtures::big_state(1000, SIZE);
    for db in &mut state.dbs {
        db.reading_since = None;
    }
    let names: Vec<String> = state.dbs.iter().map(|d| d.info.name.clone()).collect();
    state.run = Some(crate::console::progress::RunProgress::new(
        Direction::Up,
        None,
        &names,
        0,
    ));
    if !names_on_screen_first {
        state.screens = vec![Screen::Run];
    }
    (state, names)
}

fn finished(database: &str) -> Msg {
    Msg::Run(RunEvent::Finished {
        database: database.into(),
        outcome: Outcome::Succeeded { applied: 1 },
        duration_ms: 5,
    })
}

#[test]
fn a_large_run_reads_its_databases_when_it_ends_not_one_by_one_while_it_goes() {
    let (mut state, names) = big_run(false);
    for name in &names[..300] {
        assert_eq!(
            update(&mut state, finished(name)),
            [],
            "{name} is read later"
        );
    }
    assert!(state.dbs.iter().all(|d| d.reading_since.is_none()));
    // The run's end reads every database of the run, those that finished included.
    update(
        &mut state,
        Msg::Run(RunEvent::RunFinished {
            run_id: fixtures::RUN_ID.into(),
            outcomes: Vec::new(),
            cancelled: false,
            duration_ms: 10,
        }),
    );
    let commands = update(&mut state, Msg::RunEnded(Ok(())));
    let [Command::ReadStatus(read)] = commands.as_slice() else {
        panic!("one read: {commands:?}");
    };
    assert_eq!(read, &names);
}

#[test]
fn a_large_run_reads_a_finished_database_at_once_when_its_panel_is_on_screen() {
    let (mut state, names) = big_run(true);
    let on_screen = state.dbs[state.visible[0]].name().to_owned();
    assert_eq!(
        update(&mut state, finished(&on_screen)),
        [Command::ReadStatus(vec![on_screen])]
    );
    // Far down the fleet: not on screen, read when the run ends.
    assert_eq!(update(&mut state, finished(&names[900])), []);
}

#[test]
fn the_timer_leaves_the_databases_of_the_run_to_it() {
    let (mut state, names) = big_run(false);
    // The run has all but the first few of the first batch round the fleet; some of its
    // databases have finished, some not.
    let outside = REFRESH_BATCH / 4;
    state.run = Some(crate::console::progress::RunProgress::new(
        Direction::Up,
        None,
        &names[outside..],
        0,
    ));
    for name in &names[outside..REFRESH_BATCH / 2] {
        update(&mut state, finished(name));
    }
    state.now_ms += REFRESH_EVERY_MS;
    assert_eq!(update(&mut state, Msg::Tick), [Command::ReloadCatalog]);
    let commands = update(&mut state, Msg::CatalogReloaded(Err("test".into())));
    let [Command::ReadStatus(read)] = commands.as_slice() else {
        panic!("one read: {commands:?}");
    };
    assert_eq!(
        read,
        &names[..outside],
        "only those outside the run are read"
    );
}

#[test]
fn the_run_list_follows_the_next_set_from_the_top_again() {
    let (mut state, names) = big_run(false);
    state.run = state.run.take().map(|r| r.with_passes(2));
    let started = |state: &mut State, set: &str| {
        update(
            state,
            Msg::Run(RunEvent::RunStarted {
                run_id: format!("{}-{set}", fixtures::RUN_ID),
                by: "ops@deploy-1".into(),
                command: "dbfleet console: up (everything pending)".into(),
                direction: Direction::Up,
                databases: names.clone(),
                set: Some(set.into()),
            }),
        );
    };
    let connecting = |state: &mut State, db: &str| {
        update(
            state,
            Msg::Run(RunEvent::Connecting {
                database: db.into(),
                server: format!("data/{db}.db"),
            }),
        );
    };
    started(&mut state, "first");
    for name in &names[..500] {
        update(&mut state, finished(name));
    }
    connecting(&mut state, &names[500]);
    assert_eq!(state.run.as_ref().unwrap().cursor, 500);
    started(&mut state, "second");
    connecting(&mut state, &names[3]);
    assert_eq!(state.run.as_ref().unwrap().cursor, 3);
}

#[test]
fn u_and_p_in_inspect_act_on_the_inspected_database() {
    let mut state = demo();
    mark(&mut state, &["shared_service"]);
    focus(&mut state, "order_service");
    press_key(&mut state, KeyCode::Enter);
    let commands = press(&mut state, 'p');
    assert!(
        matches!(commands.as_slice(), [Command::Plan { databases, .. }] if databases == &["order_service"]),
        "{commands:?}"
    );
    press_key(&mut state, KeyCode::Esc);
    let commands = press(&mut state, 'U');
    assert!(
        matches!(commands.as_slice(), [Command::Plan { databases, direction: Direction::Up, .. }] if databases == &["order_service"]),
        "{commands:?}"
    );
    assert!(matches!(confirm(&state).kind, ConfirmKind::Run(_)));
}

#[test]
fn u_in_the_matrix_applies_the_row_to_the_databases_that_lack_it() {
    let mut state = demo();
    press(&mut state, 'm');
    press(&mut state, 'j');
    let commands = press(&mut state, 'U');
    let [
        Command::Plan {
            databases,
            set,
            limit: Limit::To(version),
            ..
        },
    ] = commands.as_slice()
    else {
        panic!("{commands:?}");
    };
    assert_eq!(databases, &["user_service"]);
    assert_eq!(set.as_deref(), Some("cross_service"));
    assert_eq!(
        Some(version),
        state.fleet.shared_sets[0]
            .migrations
            .get(1)
            .map(|m| &m.version)
    );
    answer_plan(&mut state, &commands);
    press_key(&mut state, KeyCode::Tab);
    let started = press_key(&mut state, KeyCode::Enter);
    assert!(
        matches!(
            started.as_slice(),
            [Command::StartRun {
                limit: Limit::To(_),
                ..
            }]
        ),
        "{started:?}"
    );
    // The matrix gave its set back: the header is on own sets again.
    assert_eq!(state.set_label(), "own sets");
    // On a row no one lacks, it says so.
    let mut state = demo();
    press(&mut state, 'm');
    assert!(press(&mut state, 'U').is_empty());
    assert!(state.flash.as_ref().unwrap().text.contains("lacks"));
}

#[test]
fn lint_counts_each_finding_once_however_many_databases_run_it() {
    let fleet = fixtures::demo_fleet();
    let mut result = fixtures::plan_result(
        &fleet,
        &["order_service".into(), "user_service".into()],
        None,
        Direction::Up,
    );
    assert_eq!(crate::console::model::lint_counts(&result.plans), None);
    fixtures::with_destructive_step(&mut result);
    let mut again = result.plans[0].clone();
    again.database = "order_service_eu".into();
    result.plans.push(again);
    assert_eq!(
        crate::console::model::lint_counts(&result.plans).as_deref(),
        Some("2 destructive")
    );
}

#[test]
fn u_in_a_preview_runs_what_the_preview_shows() {
    // p on the matrix's row previews cross_service up to 002 on user_service only.
    let mut state = demo();
    mark(&mut state, &["shared_service"]);
    press(&mut state, 'm');
    press(&mut state, 'j');
    let commands = press(&mut state, 'p');
    answer_plan(&mut state, &commands);
    let commands = press(&mut state, 'U');
    let [
        Command::Plan {
            databases,
            set,
            limit: Limit::To(_),
            ..
        },
    ] = commands.as_slice()
    else {
        panic!("{commands:?}");
    };
    assert_eq!(
        databases,
        &["user_service"],
        "not the marked shared_service"
    );
    assert_eq!(set.as_deref(), Some("cross_service"));
}
