//! What a shell user installs once: completions and the man page, generated from the same
//! command line the binary parses, without a config file.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::process::Command;

fn dbfleet_in_an_empty_folder(args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dbfleet"))
        .args(args)
        .current_dir(dir.path())
        .env_remove("DBFLEET_CONFIG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn completions_cover_every_subcommand_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _dbfleet"),
        ("zsh", "#compdef dbfleet"),
        ("fish", "complete -c dbfleet"),
    ] {
        let (code, script) = dbfleet_in_an_empty_folder(&["completions", shell]);
        assert_eq!(code, 0, "{shell}");
        assert!(script.contains(marker), "{shell}: {script}");
        for sub in ["up", "down", "plan", "status", "resolve", "unlock"] {
            assert!(script.contains(sub), "{shell} lacks {sub}");
        }
    }
    let (code, _) = dbfleet_in_an_empty_folder(&["completions", "tcsh"]);
    assert_eq!(code, 2, "an unknown shell is a usage error");
}

#[test]
fn the_man_page_is_roff_with_the_commands() {
    let (code, page) = dbfleet_in_an_empty_folder(&["man"]);
    assert_eq!(code, 0);
    assert!(page.contains(".TH dbfleet 1"), "{page}");
    assert!(page.contains("dbfleet\\-up"), "{page}");
    assert!(page.contains("Exit codes"), "{page}");
}

/// On a terminal with stdout sent to a file, the file gets the run's plain lines (as a
/// pipe does), not only the summary; bars are for a person watching both streams.
#[test]
fn a_run_redirected_to_a_file_on_a_terminal_writes_its_lines_there() {
    let fleet = common::Fleet::new();
    fleet.ok("up -d user_service");
    common::on_a_terminal(&fleet, "down -d user_service > run.txt", "");
    let written = fleet.read("run.txt");
    assert!(
        written.contains("user_service: [1/1]"),
        "the step's own line is in the file:\n{written}"
    );
    assert!(written.contains("1/1 database(s) ok"), "{written}");
}
