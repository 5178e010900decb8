//! What the binary does with config files an operator gets wrong: it says what and where,
//! touches nothing, and never prints a secret.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{Fleet, SERVICES};

/// Inserts `lines` (indented YAML lines) first under the top-level `section:` of the
/// fleet's config; the new text.
fn insert_under(fleet: &Fleet, section: &str, lines: &str) -> String {
    let config = fleet.read("config.yaml");
    let header = format!("\n{section}:\n");
    assert!(config.contains(&header), "no {section}: in\n{config}");
    let text = config.replacen(&header, &format!("{header}{lines}"), 1);
    fleet.write("config.yaml", &text);
    text
}

fn with_entry(fleet: &Fleet, entry: &str) -> String {
    insert_under(fleet, "databases", entry)
}

fn with_migrator(fleet: &Fleet, lines: &str) -> String {
    insert_under(fleet, "migrator", lines)
}

/// The 1-based line of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in\n{text}"))
        + 1
}

/// Nothing was created or changed: no database file, no journal, the config as written.
#[track_caller]
fn assert_untouched(fleet: &Fleet, config: &str) {
    assert!(
        !fleet.file("data").exists(),
        "nothing may be created: {:?}",
        fleet.data_snapshot().keys().collect::<Vec<_>>()
    );
    assert_eq!(fleet.read("config.yaml"), config, "the config is unchanged");
}

/// Commands that read the config first, from read-only to changing.
const COMMANDS: &[&str] = &[
    "status",
    "status --check",
    "status --format json",
    "plan",
    "up --patterns=*_service",
    "down -d shared_service",
    "history",
    "unlock -d shared_service",
    "create add_thing -d shared_service",
];

#[test]
fn a_yaml_error_never_prints_a_secret_whatever_the_yaml_style() {
    // Each variant puts secrets the masking used to miss right before a YAML error, so
    // the error's excerpt quotes their lines.
    let variants: &[(&str, &[&str])] = &[
        // A folded scalar: the value on the next line.
        (
            "  pay_service:\n    database: data/pay.db\n    password: >-\n      FoldedSecret7q\n    port: ]\n",
            &["FoldedSecret7q"],
        ),
        // A misspelt key.
        (
            "  pay_service:\n    database: data/pay.db\n    passwd: MisspeltSecret7q\n    port: ]\n",
            &["MisspeltSecret7q"],
        ),
        // A URL whose password holds an unencoded `@`.
        (
            "  pay_service:\n    url: \"mysql://payer:At@Secret7q@127.0.0.1:1/pay\"\n    port: ]\n",
            &["At@Secret7q", "Secret7q"],
        ),
        // A key not known to be safe; a literal block; a quoted value over two lines.
        (
            "  pay_service:\n    database: data/pay.db\n    pword: OtherKeySecret7q\n    secret: |\n      BlockSecret7q\n    token: \"Two\n      LineSecret7q\"\n    port: ]\n",
            &["OtherKeySecret7q", "BlockSecret7q", "LineSecret7q"],
        ),
        // Flow style, and the secret on the error line itself.
        (
            "  pay_service: {database: data/pay.db, password: FlowSecret7q}\n  x_service: {password: LineSecret8q]}\n",
            &["FlowSecret7q", "LineSecret8q"],
        ),
        // A duplicate key next to a password (the library's own message differs here).
        (
            "  pay_service:\n    database: data/pay.db\n    password: DupSecret7q\n    password: DupSecret8q\n",
            &["DupSecret7q", "DupSecret8q"],
        ),
    ];
    for (entry, secrets) in variants {
        let fleet = Fleet::new();
        let config = with_entry(&fleet, entry);
        for line in COMMANDS {
            let out = fleet.line(line);
            out.expect_code(2);
            out.expect_contains("config.yaml:");
            for secret in *secrets {
                assert!(
                    !out.all().contains(secret),
                    "{secret} leaked\n{}",
                    out.describe()
                );
            }
        }
        // The excerpt is there, with what it hid marked.
        fleet.line("status").expect_contains("***");
        assert_untouched(&fleet, &config);
    }
}

#[test]
fn a_database_name_that_leaves_backup_dir_is_refused_and_hides_nothing_else() {
    let fleet = Fleet::new();
    let config = with_entry(&fleet, "  ../../escape:\n    database: data/escape.db\n");
    let at = format!("config.yaml:{}:3: ", line_of(&config, "../../escape:"));

    // The entry is listed in an error state that says where and what is allowed...
    let status = fleet.line("status --format json");
    status.expect_ok();
    let doc = status.json();
    let dbs = doc["databases"].as_array().cloned().unwrap_or_default();
    assert_eq!(dbs.len(), SERVICES.len() + 1, "{}", status.describe());
    let escape = dbs
        .iter()
        .find(|d| d["name"] == "../../escape")
        .unwrap_or_else(|| panic!("{}", status.describe()));
    let error = escape["error"].as_str().unwrap_or_default();
    assert!(error.contains(&at), "{error}");
    assert!(
        error.contains("may hold only ASCII letters, digits, `_`, `-` and `.`"),
        "{error}"
    );
    // ...while the rest of the fleet shows and works.
    for db in SERVICES {
        let d = dbs.iter().find(|d| d["name"] == db).cloned();
        assert_eq!(d.map(|d| d["error"].clone()), Some(serde_json::Value::Null));
    }
    fleet
        .line("status --check")
        .expect_code(3)
        .expect_contains(&at);

    // Selected, it stops the command before anything is touched.
    for line in [
        "up -d ../../escape",
        "up --all",
        "plan -d ../../escape",
        "create add_thing -d ../../escape",
    ] {
        fleet
            .line(line)
            .expect_code(2)
            .expect_contains("../../escape");
    }
    assert_untouched(&fleet, &config);

    fleet.ok("up --patterns=*_service");
    fleet.ok("down -d shared_service");
    let outside: Vec<_> = std::fs::read_dir(fleet.path())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("escape"))
        .collect();
    assert_eq!(outside, Vec::<String>::new(), "no file outside backup_dir");
    let backups: Vec<String> = std::fs::read_dir(fleet.file("data/backups"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!backups.is_empty(), "the services were backed up");
    for backup in &backups {
        assert!(
            SERVICES
                .iter()
                .any(|s| backup.starts_with(&format!("{s}-"))),
            "{backups:?}"
        );
    }
    assert!(!fleet.file("data/escape.db").exists());
}

#[test]
fn a_set_name_that_leaves_the_migrations_folder_is_refused_with_its_place() {
    let fleet = Fleet::new();
    let config = fleet.read("config.yaml");
    let config = format!("{config}sets:\n  ../elsewhere:\n    targets: [\"*_service\"]\n");
    fleet.write("config.yaml", &config);
    let at = format!("config.yaml:{}:3: ", line_of(&config, "../elsewhere:"));
    for line in ["status", "up --patterns=*_service"] {
        fleet
            .line(line)
            .expect_code(2)
            .expect_contains(&at)
            .expect_contains("may hold only ASCII letters");
    }
    assert_untouched(&fleet, &config);
}

#[test]
fn an_empty_config_is_refused_not_an_empty_fleet() {
    for text in [
        "",
        "\n   \n",
        "# everything commented out\n# databases:\n",
        "---\n",
        "~\n",
    ] {
        let fleet = Fleet::new();
        fleet.write("config.yaml", text);
        for line in ["status --check", "status", "up --all", "plan"] {
            fleet
                .line(line)
                .expect_code(2)
                .expect_contains("config file config.yaml is empty");
        }
        assert_untouched(&fleet, text);
    }
    // A file that has settings but no database is no better.
    let fleet = Fleet::new();
    let text = "migrator:\n  concurrency: 2\ndatabases:\n";
    fleet.write("config.yaml", text);
    fleet
        .line("status --check")
        .expect_code(2)
        .expect_contains("config.yaml:3:10: no databases");
    assert_untouched(&fleet, text);
}

#[test]
fn settings_out_of_range_name_their_file_line_and_column() {
    for (setting, message) in [
        ("concurrency: 0", "migrator.concurrency: 0 is out of range"),
        (
            "per_server_concurrency: 0",
            "migrator.per_server_concurrency: 0 is out of range",
        ),
        (
            "lock_timeout_secs: 18446744073709551615",
            "migrator.lock_timeout_secs: 18446744073709551615 is out of range",
        ),
    ] {
        let fleet = Fleet::new();
        let config = with_migrator(&fleet, &format!("  {setting}\n"));
        let column = setting.find(':').unwrap_or_default() + 5;
        let at = format!("config.yaml:{}:{column}: ", line_of(&config, setting));
        for line in ["status --check", "up --patterns=*_service"] {
            let out = fleet.line(line);
            out.expect_code(2)
                .expect_contains(&format!("{at}{message}"));
            assert!(!out.all().contains(":0:0"), "{}", out.describe());
        }
        assert_untouched(&fleet, &config);
    }
}

#[test]
fn an_oversized_config_says_so_in_an_operators_words() {
    let fleet = Fleet::new();
    let mut config = fleet.read("config.yaml");
    config.push_str("sets:\n  cross_service:\n    targets: [");
    config.push_str(&"\"*_service\", ".repeat(260_000));
    config.push_str("\"*_service\"]\n");
    fleet.write("config.yaml", &config);
    let out = fleet.line("status --check");
    out.expect_code(2)
        .expect_contains("config.yaml is too large: more than 250000 YAML nodes");
    assert!(!out.all().contains("Nodes {"), "{}", out.describe());
    assert!(
        out.all().len() < 1000,
        "no screenful of YAML\n{}",
        out.describe()
    );
    assert_untouched(&fleet, &config);
}

#[test]
fn a_duplicate_key_names_both_lines_in_an_operators_words() {
    let fleet = Fleet::new();
    let config = with_entry(&fleet, "  user_service:\n    database: data/other.db\n");
    let first = line_of(&config, "user_service:");
    let second = config
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("  user_service:"))
        .map(|(n, _)| n + 1)
        .nth(1)
        .unwrap_or_default();
    for line in ["status --check", "up -d user_service"] {
        let out = fleet.line(line);
        out.expect_code(2)
            .expect_contains(&format!(
                "line {second} column 3: duplicate key `user_service` (first at line {first})"
            ))
            .expect_contains(&format!("--> config.yaml:{second}:3"));
        assert!(
            !out.all().contains("DuplicateKeyPolicy"),
            "{}",
            out.describe()
        );
    }
    assert_untouched(&fleet, &config);
}

#[test]
fn a_zero_connect_timeout_means_no_limit_as_a_zero_statement_timeout_does() {
    let fleet = Fleet::new();
    with_migrator(
        &fleet,
        "  connect_timeout_secs: 0\n  statement_timeout_secs: 0\n",
    );
    fleet.ok("up -d shared_service");
    fleet.ok("up -d shared_service --directory=cross_service");
    fleet.ok("status --check -d shared_service");
    let status = fleet.status_of("shared_service");
    assert_eq!(status["error"], serde_json::Value::Null, "{status:#}");
    assert_eq!(status["pending"], 0, "{status:#}");
}
