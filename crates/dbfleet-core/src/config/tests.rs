use super::*;

const SEED: &str = include_str!("../../../../tests/fixtures/seed-config.yaml");

fn env_with_password(name: &str) -> Option<String> {
    (name == "MICROSERVICE_DB_PASSWORD").then(|| "s3cret-pw".to_owned())
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(
        Path::new("/srv/fleet/config.yaml"),
        text,
        &env_with_password,
    )
}

#[test]
fn seed_config_loads_unchanged() {
    let config = parse(SEED).unwrap();
    let names = config.database_names();
    assert_eq!(
        names,
        [
            "user_service",
            "product_service",
            "order_service",
            "message_service",
            "analytics_service",
            "shared_service"
        ]
    );
    let user = config
        .database("user_service")
        .unwrap()
        .target
        .clone()
        .unwrap();
    assert_eq!(user.driver, Dialect::Mysql);
    assert_eq!(user.host.as_deref(), Some("microservices-db.internal"));
    assert_eq!(user.port, Some(3306));
    assert_eq!(user.database, "user_service_db");
    assert_eq!(user.charset.as_deref(), Some("utf8mb4"));
    assert_eq!(
        user.password.as_ref().map(Secret::expose),
        Some("s3cret-pw")
    );
    assert_eq!(config.migrator.migrations_table, "schema_migrations");
    assert_eq!(config.migrator.lock_table, "schema_migrations_lock");
    assert!(config.migrator.auto_backup);
    assert!(!config.migrator.dry_run);
    assert_eq!(config.default_database(), Some("shared_service"));
    assert_eq!(config.patterns(), ["*_service", "user_*", "order_*"]);
    assert_eq!(config.migrations_dir(), Path::new("/srv/fleet/migrations"));
    assert!(!format!("{user:?}").contains("s3cret-pw"));
    assert!(!user.server_label().contains("s3cret-pw"));
}

#[test]
fn unset_variable_names_itself_and_every_database_that_needs_it() {
    let config = Config::parse(Path::new("config.yaml"), SEED, &no_env).unwrap();
    for entry in &config.databases {
        let err = entry.target.as_ref().unwrap_err().to_string();
        assert!(err.contains("MICROSERVICE_DB_PASSWORD"), "{err}");
        assert!(err.contains(&format!("databases.{}", entry.name)), "{err}");
        assert!(err.contains("is not set"), "{err}");
    }
}

#[test]
fn entries_inherit_defaults_and_override_them() {
    let config = parse(
        "database:\n  driver: postgres\n  host: db1\n  port: 5432\n  username: app\ndatabases:\n  a:\n    database: a_db\n  b:\n    database: b_db\n    host: db2\n    depends_on: [a]\n",
    )
    .unwrap();
    let a = config.database("a").unwrap().target.clone().unwrap();
    let b = config.database("b").unwrap();
    assert_eq!(a.host.as_deref(), Some("db1"));
    assert_eq!(b.target.as_ref().unwrap().host.as_deref(), Some("db2"));
    assert_eq!(b.target.as_ref().unwrap().driver, Dialect::Postgres);
    assert_eq!(b.depends_on, ["a"]);
    assert_eq!(a.server_label(), "app@db1:5432/a_db");
}

#[test]
fn merge_keys_work_for_shared_connection_blocks() {
    let config = parse(
        "database: &conn\n  driver: mysql\n  host: h\ndatabases:\n  a:\n    <<: *conn\n    database: a_db\n",
    )
    .unwrap();
    assert_eq!(
        config
            .database("a")
            .unwrap()
            .target
            .as_ref()
            .unwrap()
            .host
            .as_deref(),
        Some("h")
    );
}

#[test]
fn sqlite_paths_are_relative_to_the_config_file() {
    let config = parse("databases:\n  a:\n    driver: sqlite\n    database: data/a.db\n").unwrap();
    let a = config.database("a").unwrap().target.clone().unwrap();
    assert_eq!(a.database, "/srv/fleet/data/a.db");
    assert_eq!(a.server_key(), None);
}

#[test]
fn malformed_yaml_reports_file_line_and_column() {
    let err = parse("databases:\n  a:\n    driver: [sqlite\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("/srv/fleet/config.yaml"), "{err}");
    assert!(err.contains("line 3 column 13"), "{err}");
}

#[test]
fn a_typo_in_migrator_is_reported_with_its_line() {
    let err = parse("databases:\n  a:\n    driver: sqlite\n    database: a.db\nmigrator:\n  migrations_tabel: x\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown field `migrations_tabel` (did you mean `migrations_table`?)"),
        "{err}"
    );
    assert!(err.contains("line 6 column 3"), "{err}");
    assert!(err.contains("--> /srv/fleet/config.yaml:6:3"), "{err}");
    assert!(
        err.contains("6 |   migrations_tabel: x"),
        "the excerpt shows the line: {err}"
    );
    assert!(!err.contains("error: "), "no doubled prefix: {err}");
}

#[test]
fn a_broken_entry_does_not_hide_the_others() {
    let config = parse(
        "database:\n  driver: sqlite\ndatabases:\n  good:\n    database: good.db\n  typo:\n    databse: typo.db\n  wrong_type: 42\n  bad_port:\n    driver: mysql\n    database: x\n    port: http\n  bad_driver:\n    driver: oracle\n    database: x\n",
    )
    .unwrap();
    assert!(config.database("good").unwrap().target.is_ok());
    let typo = config
        .database("typo")
        .unwrap()
        .target
        .clone()
        .unwrap_err()
        .to_string();
    assert!(typo.contains("config.yaml:7:14"), "{typo}");
    assert!(
        typo.contains("unknown key `databse` (did you mean `database`?)"),
        "{typo}"
    );
    let wrong = config
        .database("wrong_type")
        .unwrap()
        .target
        .clone()
        .unwrap_err()
        .to_string();
    assert!(wrong.contains("expected a mapping"), "{wrong}");
    let port = config
        .database("bad_port")
        .unwrap()
        .target
        .clone()
        .unwrap_err()
        .to_string();
    assert!(port.contains("`http` is not a port number"), "{port}");
    let driver = config
        .database("bad_driver")
        .unwrap()
        .target
        .clone()
        .unwrap_err()
        .to_string();
    assert!(driver.contains("unknown driver `oracle`"), "{driver}");
}

#[test]
fn dependency_problems_break_only_the_entries_involved() {
    let config = parse(
        "database:\n  driver: sqlite\ndatabases:\n  a:\n    database: a.db\n    depends_on: [ghost]\n  b:\n    database: b.db\n    depends_on: [c]\n  c:\n    database: c.db\n    depends_on: [b]\n  d:\n    database: d.db\n",
    )
    .unwrap();
    let a = config
        .database("a")
        .unwrap()
        .target
        .clone()
        .unwrap_err()
        .to_string();
    assert!(a.contains("`ghost`"), "{a}");
    assert!(a.contains("config.yaml:6:17: "), "where: {a}");
    let b = config
        .database("b")
        .unwrap()
        .target
        .clone()
        .unwrap_err()
        .to_string();
    assert!(b.contains("cycle: b → c → b"), "{b}");
    assert!(b.contains("config.yaml:9:17: "), "where: {b}");
    assert!(config.database("d").unwrap().target.is_ok());
}

#[test]
fn unknown_default_database_is_kept_for_the_commands_that_use_it() {
    let config = parse("databases:\n  a:\n    driver: sqlite\n    database: a.db\nmigrator:\n  default_database: nope\n")
        .expect("the rest of the config is fine");
    assert_eq!(config.default_database(), None);
    let err = config.default_database_problem.unwrap_or_default();
    assert!(err.contains("config.yaml:6:21"), "{err}");
    assert!(
        err.contains("`nope` is not a configured database (configured: a)"),
        "{err}"
    );
}

#[test]
fn a_url_fills_the_connection_fields_and_never_leaks_its_password() {
    let config = parse(
        "databases:\n  pg:\n    url: postgres://app:p%40ss%2Fw0rd@db.internal:6432/orders?sslmode=require\n  my:\n    url: mysql://root@127.0.0.1/shop\n    charset: utf8mb4\n  lite:\n    url: sqlite:data/x.db\n  bad:\n    url: \"postgres://app:hunter22@[broken\"\n",
    )
    .unwrap();
    let pg = config.database("pg").unwrap().target.clone().unwrap();
    assert_eq!(pg.driver, Dialect::Postgres);
    assert_eq!(pg.host.as_deref(), Some("db.internal"));
    assert_eq!(pg.port, Some(6432));
    assert_eq!(pg.username.as_deref(), Some("app"));
    assert_eq!(pg.password.as_ref().map(Secret::expose), Some("p@ss/w0rd"));
    assert_eq!(pg.database, "orders");
    assert_eq!(pg.sslmode.as_deref(), Some("require"));
    assert_eq!(pg.server_label(), "app@db.internal:6432/orders");
    let my = config.database("my").unwrap().target.clone().unwrap();
    assert_eq!((my.driver, my.database.as_str()), (Dialect::Mysql, "shop"));
    assert_eq!(my.charset.as_deref(), Some("utf8mb4"));
    let lite = config.database("lite").unwrap().target.clone().unwrap();
    assert_eq!(lite.database, "/srv/fleet/data/x.db");
    let bad = config
        .database("bad")
        .unwrap()
        .target
        .clone()
        .unwrap_err()
        .to_string();
    assert!(bad.contains("url: not a valid URL"), "{bad}");
    assert!(!bad.contains("hunter22"), "{bad}");
}

#[test]
fn an_entry_url_beats_an_inherited_driver_but_not_a_contradicting_own_one() {
    let config = parse(
        "database:\n  driver: sqlite\ndatabases:\n  pay:\n    url: mysql://payer:pw@127.0.0.1:1/pay_db\n  clash:\n    driver: postgres\n    url: mysql://u@h/db\n",
    )
    .unwrap();
    let pay = config.database("pay").unwrap().target.clone().unwrap();
    assert_eq!(pay.driver, Dialect::Mysql);
    assert_eq!(pay.database, "pay_db");
    let clash = config
        .database("clash")
        .unwrap()
        .target
        .clone()
        .unwrap_err()
        .to_string();
    assert!(clash.contains("contradicts the url's scheme"), "{clash}");
}

#[test]
fn a_yaml_error_next_to_a_password_does_not_print_it() {
    let text = "database:\n  driver: mysql\ndatabases:\n  b:\n    url: mysql://app:UrlSecret9@db:3306/x\n  a:\n    password: Zq9SecretPw77\nmigrator:\n  auto_bakup: true\n";
    let err = parse(text).unwrap_err().to_string();
    assert!(err.contains("auto_bakup"), "{err}");
    assert!(
        err.contains("password: ***"),
        "the excerpt shows the key: {err}"
    );
    assert!(!err.contains("Zq9SecretPw77"), "{err}");
    assert!(!err.contains("UrlSecret9"), "{err}");
}

#[test]
fn masking_covers_url_passwords_and_leaves_other_lines() {
    let masked = super::excerpt::mask(
        "databases:\n  a:\n    url: postgres://app:Hunter2x@db:5432/x\n    password: \"p@ss: w\"\n    port: 5432\n",
    )
    .lines
    .join("\n");
    assert!(
        !masked.contains("Hunter2x") && !masked.contains("p@ss"),
        "{masked}"
    );
    assert!(masked.contains("postgres://app:***@db:5432/x"), "{masked}");
    assert!(masked.contains("password: ***"), "{masked}");
    assert!(masked.contains("port: 5432"), "{masked}");
}

/// `text` must fail to load with an error that says `needle`; the error.
#[track_caller]
fn assert_error_says(text: &str, needle: &str) -> String {
    let err = parse(text)
        .err()
        .unwrap_or_else(|| panic!("expected an error for:\n{text}"))
        .to_string();
    assert!(err.contains(needle), "expected {needle:?} in:\n{err}");
    err
}

/// `text` must fail to load, and no part of its error may hold any of `secrets`.
#[track_caller]
fn assert_error_hides(text: &str, secrets: &[&str]) -> String {
    let err = parse(text)
        .err()
        .unwrap_or_else(|| panic!("expected an error for:\n{text}"))
        .to_string();
    for secret in secrets {
        assert!(!err.contains(secret), "{secret} leaked:\n{err}");
    }
    err
}

#[test]
fn a_yaml_error_excerpt_hides_secrets_in_every_yaml_style() {
    // Each error stands right after (or on) the secret, so the excerpt quotes it.
    let cases: &[(&str, &[&str])] = &[
        // A folded scalar: the value is on the next line.
        (
            "database:\n  driver: sqlite\n  password: >-\n    FoldedPw1\ndatabases:\n  a:\n    database: a.db\n    x: [\n",
            &["FoldedPw1"],
        ),
        // Literal block, keep/strip indicators, several lines.
        (
            "databases:\n  a:\n    driver: sqlite\n    database: a.db\n    password: |+\n      BlockPw2\n      BlockPw3\n  b: {\n",
            &["BlockPw2", "BlockPw3"],
        ),
        // A misspelt key, and a key not known to be safe in an entry.
        (
            "databases:\n  a:\n    passwd: MisspeltPw4\n    pword: OtherPw5\n    credentials: Cred6xyz\n  a:\n    database: b\n",
            &["MisspeltPw4", "OtherPw5", "Cred6xyz"],
        ),
        // A URL whose password holds an unencoded `@`, and one over two lines.
        (
            "databases:\n  a:\n    url: postgres://app:Url@Pw7@db:5432/x\n  b:\n    url: >-\n      mysql://app:Url\n      Pw8@db/x\n    oops: [\n",
            &["Url@Pw7", "Pw7", "Pw8"],
        ),
        // Quoted keys and values, a multi-line quoted value, anchors and tags.
        (
            "databases:\n  a:\n    \"password\": 'QuotedPw9'\n    secret: \"Multi\n      LinePw10\"\n    token: &t !!str TaggedPw11\n    x: ]\n",
            &["QuotedPw9", "LinePw10", "TaggedPw11"],
        ),
        // Flow style, in one line and over several.
        (
            "databases:\n  a: {driver: sqlite, database: a.db, password: FlowPw12}\n  b: {\n    password: FlowPw13 }\n  c: [\n",
            &["FlowPw12", "FlowPw13"],
        ),
        // A block merged into entries from an unknown top-level key; a comment.
        (
            "x-conn: &conn\n  pw: AnchorPw14\n  # old password: CommentPw15\ndatabases:\n  a:\n    <<: *conn\n    database: a.db\n  b: [\n",
            &["AnchorPw14", "CommentPw15"],
        ),
        // A value on the line after its key; a list under a secret key.
        (
            "databases:\n  a:\n    password:\n      NextLinePw16\n    auth:\n      - ListPw17\n  b: ]\n",
            &["NextLinePw16", "ListPw17"],
        ),
        // The secret on the error line itself, and in the error message.
        (
            "database:\n  password: .nan\n  passphrase: 1e999\ndatabases:\n  a: {}\n",
            &[".nan", "1e999"],
        ),
    ];
    for (text, secrets) in cases {
        let err = assert_error_hides(text, secrets);
        assert!(err.contains("/srv/fleet/config.yaml:"), "where: {err}");
        assert!(err.contains("***"), "the excerpt shows what it hid: {err}");
    }
}

#[test]
fn a_yaml_error_excerpt_still_shows_harmless_values() {
    let err = assert_error_hides(
        "database:\n  driver: postgres\n  host: db1.internal\n  password: Pw1x\n  x: ]\n  port: 5432\n  sslmode: require\n",
        &["Pw1x"],
    );
    for shown in [
        "host: db1.internal",
        "port: 5432",
        "sslmode: require",
        "password: ***",
    ] {
        assert!(err.contains(shown), "{shown} is shown:\n{err}");
    }
    let err = assert_error_hides(
        "databases:\n  a:\n    url: postgres://app:UrlPw99@db2:5432/a\n    depends_on: [b]\n    x: ]\nmigrator:\n  journal: j.jsonl\n",
        &["UrlPw99"],
    );
    for shown in [
        "url: postgres://app:***@db2:5432/a",
        "depends_on: [b]",
        "journal: j.jsonl",
    ] {
        assert!(err.contains(shown), "{shown} is shown:\n{err}");
    }
}

#[test]
fn a_database_name_that_could_leave_a_folder_breaks_only_its_entry() {
    let config = parse(
        "database:\n  driver: sqlite\ndatabases:\n  good:\n    database: good.db\n  ../../escape:\n    database: e.db\n  \"a/b\":\n    database: ab.db\n  .hidden:\n    database: h.db\n  \"bell\\a\":\n    database: bell.db\n  after:\n    database: after.db\n    depends_on: [good]\n",
    )
    .unwrap();
    assert!(config.database("good").unwrap().target.is_ok());
    assert!(config.database("after").unwrap().target.is_ok());
    for (name, at) in [
        ("../../escape", "config.yaml:6:3: "),
        ("a/b", "config.yaml:8:3: "),
        (".hidden", "config.yaml:10:3: "),
        ("bell\\u{7}", "config.yaml:12:3: "),
    ] {
        let entry = config
            .database(name)
            .unwrap_or_else(|| panic!("{name} is listed: {:?}", config.database_names()));
        let err = entry.target.clone().unwrap_err().to_string();
        assert!(err.contains(at), "{name}: {err}");
        assert!(err.contains(NAME_CHARACTERS), "{name}: {err}");
    }
    assert!(
        config.database_names().iter().all(|n| !n.contains('\u{7}')),
        "no control character reaches a terminal: {:?}",
        config.database_names()
    );
}

#[test]
fn a_set_name_that_could_leave_a_folder_is_refused_with_its_place() {
    let err = assert_error_says(
        "database:\n  driver: sqlite\ndatabases:\n  a:\n    database: a.db\nsets:\n  ../up:\n    targets: [a]\n",
        "config.yaml:7:3: ",
    );
    assert!(err.contains(NAME_CHARACTERS), "{err}");
}

#[test]
fn an_empty_config_is_refused() {
    for text in [
        "",
        "\n\n",
        "# only a comment\n",
        "---\n...\n",
        "~\n",
        "null\n",
        "\u{FEFF}",
    ] {
        let err = parse(text).unwrap_err();
        assert!(matches!(err, ConfigError::Empty { .. }), "{text:?}: {err}");
        assert_eq!(
            err.to_string(),
            "config file /srv/fleet/config.yaml is empty: it configures no database (see README.md, Configuration)"
        );
    }
    for (text, at) in [
        ("databases:\n", "config.yaml:1:10: no databases"),
        ("databases: {}\n", "config.yaml:1:12: no databases"),
        ("migrator:\n  concurrency: 2\n", "config.yaml: no databases"),
    ] {
        assert_error_says(text, at);
    }
}

#[test]
fn settings_out_of_range_say_where_they_are() {
    let fleet =
        "databases:\n  a:\n    driver: sqlite\n    database: a.db\nmigrator:\n  journal: j.jsonl\n";
    for (setting, at) in [
        (
            "concurrency: 0",
            "config.yaml:7:16: migrator.concurrency: 0 is out of range",
        ),
        (
            "per_server_concurrency: 0",
            "config.yaml:7:27: migrator.per_server_concurrency: 0 is out of range",
        ),
        (
            "concurrency: 100000",
            "config.yaml:7:16: migrator.concurrency: 100000",
        ),
        (
            "connect_timeout_secs: 18446744073709551615",
            "config.yaml:7:25: migrator.connect_timeout_secs: 18446744073709551615 is out of range",
        ),
        (
            "lock_timeout_secs: 99999999",
            "config.yaml:7:22: migrator.lock_timeout_secs",
        ),
    ] {
        assert_error_says(&format!("{fleet}  {setting}\n"), at);
    }
    for (text, at) in [
        (
            format!("{fleet}sets:\n  s:\n    targets: [\"a\", \"[bad\"]\n"),
            "config.yaml:9:20: sets.s.targets",
        ),
        (
            format!("environment: ${{NOPE_UNSET}}\n{fleet}"),
            "config.yaml:1:14: environment:",
        ),
    ] {
        assert_error_says(&text, at);
    }
}

#[test]
fn zero_timeouts_mean_no_limit_and_load() {
    let config = parse(
        "databases:\n  a:\n    driver: sqlite\n    database: a.db\nmigrator:\n  connect_timeout_secs: 0\n  statement_timeout_secs: 0\n  lock_timeout_secs: 0\n",
    )
    .unwrap();
    assert_eq!(config.migrator.connect_timeout_secs, 0);
    assert_eq!(config.migrator.statement_timeout_secs, 0);
}

#[test]
fn an_oversized_config_is_worded_for_an_operator() {
    let mut text = String::from(
        "databases:\n  a:\n    driver: sqlite\n    database: a.db\nsets:\n  s:\n    targets: [",
    );
    text.push_str(&"x,".repeat(260_000));
    text.push_str("x]\n");
    let err = assert_error_says(
        &text,
        "/srv/fleet/config.yaml is too large: more than 250000 YAML nodes",
    );
    assert!(!err.contains("Nodes {"), "{err}");
    assert!(err.len() < 400, "no huge excerpt: {err}");

    let huge = "#".repeat(MAX_CONFIG_BYTES as usize + 1);
    assert_error_says(&huge, "is too large");
}

#[test]
fn a_duplicate_key_names_both_places() {
    let err = assert_error_says(
        "database:\n  driver: sqlite\ndatabases:\n  a:\n    database: a.db\n  b:\n    database: b.db\n    database: c.db\n  a:\n    database: d.db\n",
        "line 8 column 5: duplicate key `database` (first at line 7)",
    );
    assert!(err.contains("--> /srv/fleet/config.yaml:8:5"), "{err}");
    assert!(!err.contains("DuplicateKeyPolicy"), "{err}");
    assert_error_says(
        "database:\n  driver: sqlite\ndatabases:\n  a:\n    database: a.db\n  b:\n    database: b.db\n  a:\n    database: d.db\n",
        "line 8 column 3: duplicate key `a` (first at line 4)",
    );
    // In a list of mappings, the first is looked for in the same item only.
    assert_error_says(
        "databases:\n  a:\n    driver: sqlite\n    database: a.db\nsets:\n  s:\n    targets:\n      - x\nmigrator:\n  database_patterns: [a]\n  journal: j\n  journal: k\n",
        "duplicate key `journal` (first at line 11)",
    );
}

#[test]
fn no_config_error_points_at_line_zero() {
    for text in [
        "databases:\n  a:\n    driver: sqlite\n    database: a.db\nmigrator:\n  concurrency: 0\n",
        "databases:\n  a:\n    driver: sqlite\n    database: a.db\nsets:\n  s:\n    targets: [\"[\"]\n",
        "environment: ${UNSET_X}\ndatabases:\n  a:\n    driver: sqlite\n    database: a.db\n",
    ] {
        let err = parse(text).unwrap_err().to_string();
        assert!(!err.contains(":0:0"), "{err}");
    }
}

#[test]
fn lint_allow_and_lint_refuse_are_read_and_a_wrong_level_is_refused() {
    let base = "databases:\n  a:\n    driver: sqlite\n    database: a.db\nmigrator:\n";
    let config = parse(&format!(
        "{base}  lint_allow: [drop-column, truncate]\n  lint_refuse: error\n"
    ))
    .unwrap();
    assert_eq!(config.migrator.lint_allow, ["drop-column", "truncate"]);
    assert_eq!(config.migrator.lint_refuse, Some(super::LintRefuse::Error));
    let plain = parse("databases:\n  a:\n    driver: sqlite\n    database: a.db\n").unwrap();
    assert_eq!(plain.migrator.lint_refuse, None);
    let err = parse(&format!("{base}  lint_refuse: always\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 6"), "{err}");
    assert!(err.contains("error") && err.contains("warning"), "{err}");
}
