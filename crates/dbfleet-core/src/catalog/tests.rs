use std::path::Path;

use super::*;
use crate::config::Config;

fn fleet(dir: &Path, extra: &str) -> Config {
    let text = format!(
        "database:\n  driver: sqlite\ndatabases:\n  user_service:\n    database: u.db\n  order_service:\n    database: o.db\n  billing:\n    database: b.db\n{extra}"
    );
    let path = dir.join("config.yaml");
    std::fs::write(&path, &text).unwrap();
    Config::load(&path).unwrap()
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn own_and_shared_sets_with_variants_and_numeric_versions() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "migrations/user_service/001_create_users.up.sql",
        "CREATE TABLE users (id INT);",
    );
    write(
        root,
        "migrations/user_service/001_create_users.down.sql",
        "DROP TABLE users;",
    );
    write(
        root,
        "migrations/user_service/001_create_users.postgres.up.sql",
        "CREATE TABLE users (id SERIAL);",
    );
    write(
        root,
        "migrations/user_service/10_add_index.up.sql",
        "CREATE INDEX i ON users(id);",
    );
    write(
        root,
        "migrations/user_service/9_add_column.up.sql",
        "ALTER TABLE users ADD c INT;",
    );
    write(root, "migrations/user_service/README.md", "notes");
    write(
        root,
        "migrations/cross_service/001_add_locks.up.sql",
        "CREATE TABLE l (k TEXT);",
    );
    write(
        root,
        "migrations/cross_service/set.yaml",
        "targets: ['*_service']\n",
    );
    let config = fleet(root, "");
    let catalog = Catalog::load(&config).unwrap();

    let users = catalog.set("user_service").unwrap();
    assert!(users.problems.is_empty(), "{:?}", users.problems);
    assert!(!users.is_shared());
    let versions: Vec<&str> = users
        .migrations
        .iter()
        .map(|m| m.version.as_str())
        .collect();
    assert_eq!(versions, ["1", "9", "10"], "versions compare as numbers");
    let first = &users.migrations[0];
    assert_eq!(first.id(), "user_service/001_create_users");
    assert!(
        first
            .up
            .for_dialect(Dialect::Postgres)
            .unwrap()
            .sql
            .contains("SERIAL")
    );
    assert!(
        first
            .up
            .for_dialect(Dialect::Sqlite)
            .unwrap()
            .sql
            .contains("INT")
    );
    assert!(first.down.for_dialect(Dialect::Mysql).is_some());
    assert!(
        users.migrations[1]
            .down
            .for_dialect(Dialect::Sqlite)
            .is_none(),
        "irreversible"
    );
    assert_eq!(first.up.plain.as_ref().unwrap().checksum.len(), 64);

    let cross = catalog.set("cross_service").unwrap();
    assert!(cross.is_shared());
    assert!(cross.targets("user_service") && cross.targets("order_service"));
    assert!(!cross.targets("billing"));
    let for_user: Vec<&str> = catalog
        .sets_for("user_service")
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(for_user, ["user_service", "cross_service"]);
}

#[test]
fn config_declared_targets_win_and_undeclared_sets_target_nobody_by_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "migrations/cross_service/001_a.up.sql", "SELECT 1;");
    write(
        root,
        "migrations/cross_service/set.yaml",
        "targets: ['*_service']\n",
    );
    write(root, "migrations/maintenance/001_fix.up.sql", "SELECT 1;");
    let config = fleet(root, "sets:\n  cross_service:\n    targets: [billing]\n");
    let catalog = Catalog::load(&config).unwrap();
    let cross = catalog.set("cross_service").unwrap();
    assert!(cross.targets("billing") && !cross.targets("user_service"));
    let maintenance = catalog.set("maintenance").unwrap();
    assert!(!maintenance.declares_targets());
    assert!(!maintenance.targets("billing") && !maintenance.targets("user_service"));
    assert!(
        catalog
            .sets_for("billing")
            .iter()
            .all(|s| s.name != "maintenance")
    );
}

#[test]
fn duplicate_versions_and_bad_names_are_problems_of_their_set_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "migrations/user_service/001_a.up.sql", "SELECT 1;");
    write(root, "migrations/user_service/001_b.up.sql", "SELECT 2;");
    write(
        root,
        "migrations/user_service/create_things.sql",
        "SELECT 3;",
    );
    write(root, "migrations/order_service/001_ok.up.sql", "SELECT 1;");
    let config = fleet(root, "");
    let catalog = Catalog::load(&config).unwrap();
    let problems = &catalog.set("user_service").unwrap().problems;
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("duplicate version 1")
        && p.contains("001_a.up.sql")
        && p.contains("001_b.up.sql")));
    assert!(problems.iter().any(|p| p.contains("create_things.sql")));
    assert!(catalog.set("order_service").unwrap().problems.is_empty());
}

#[test]
fn no_transaction_directive_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "migrations/user_service/002_idx.postgres.up.sql",
        "-- dbfleet:no-transaction\nCREATE INDEX CONCURRENTLY i ON t(c);\n",
    );
    let config = fleet(root, "");
    let catalog = Catalog::load(&config).unwrap();
    let m = &catalog.set("user_service").unwrap().migrations[0];
    assert!(m.up.for_dialect(Dialect::Postgres).unwrap().no_transaction);
}

#[test]
fn create_follows_the_folder_numbering() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("maintenance");
    let (up, down) = create_migration(&set, "fix_data_consistency", false).unwrap();
    assert!(up.ends_with("001_fix_data_consistency.up.sql"));
    assert!(down.ends_with("001_fix_data_consistency.down.sql"));
    let (up2, _) = create_migration(&set, "second", false).unwrap();
    assert!(up2.ends_with("002_second.up.sql"));
    assert!(matches!(
        create_migration(&set, "bad name", false),
        Err(CreateError::BadName(_))
    ));
    let (ts, _) = create_migration(&dir.path().join("ts"), "x", true).unwrap();
    let file = ts.file_name().unwrap().to_str().unwrap();
    assert_eq!(file.find('_'), Some(14), "{file}");
}

/// The catalog of a fleet (`fleet`) whose migrations folder holds `files` (path under it,
/// text); the folder lives as long as the returned guard.
fn load_files(files: &[(&str, &str)]) -> (tempfile::TempDir, Catalog) {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        write(dir.path(), &format!("migrations/{path}"), text);
    }
    let config = fleet(dir.path(), "");
    let catalog = Catalog::load(&config).unwrap();
    (dir, catalog)
}

fn own_set(catalog: &Catalog) -> &MigrationSet {
    catalog.set("user_service").unwrap()
}

#[test]
fn transaction_control_is_a_problem_of_each_dialect_that_runs_the_file() {
    let (_dir, catalog) = load_files(&[
        (
            "user_service/001_tx.up.sql",
            "-- the issue's file\nBEGIN;\nCREATE TABLE a (x INT);\nCOMMIT;\nCREATE TABLE b (x INT);\nINSERT INTO nosuch VALUES (1);\n",
        ),
        (
            "user_service/002_undo.up.sql",
            "CREATE TABLE a (x INT);\nROLLBACK;\nCREATE TABLE b (x INT);\n",
        ),
        // A no-transaction file may not hold them either.
        (
            "user_service/003_idx.postgres.up.sql",
            "-- dbfleet:no-transaction\nCREATE INDEX CONCURRENTLY i ON a (x);\nCOMMIT;\n",
        ),
        ("order_service/001_ok.up.sql", "SELECT 1;"),
    ]);
    let set = own_set(&catalog);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    for dialect in Dialect::ALL {
        let problems = set.problems_for(dialect);
        let at = |needle: &str| problems.iter().any(|p| p.contains(needle));
        assert!(
            at("migrations/user_service/001_tx.up.sql:2: `BEGIN` opens a transaction"),
            "{dialect}: {problems:#?}"
        );
        assert!(at("001_tx.up.sql:4: `COMMIT` commits the transaction"));
        assert!(at(
            "002_undo.up.sql:2: `ROLLBACK` rolls back the transaction"
        ));
        assert!(
            problems
                .iter()
                .all(|p| p.contains("a migration may not control transactions")
                    && p.contains("Remove the statement")),
            "says why and what to do: {problems:#?}"
        );
        assert_eq!(
            at("003_idx.postgres.up.sql:3: `COMMIT`"),
            dialect == Dialect::Postgres,
            "a variant is checked in its own dialect only"
        );
    }
    let sqlite = set.problems_for(Dialect::Sqlite);
    assert!(
        sqlite[0].contains("one transaction together with its bookkeeping row")
            && sqlite[0].contains("`-- dbfleet:no-transaction`"),
        "{sqlite:#?}"
    );
    let mysql = set.problems_for(Dialect::Mysql);
    assert!(mysql[0].contains("on MySQL/MariaDB"), "{mysql:#?}");
    let directive = set
        .problems_for(Dialect::Postgres)
        .into_iter()
        .find(|p| p.contains("003_idx"))
        .unwrap();
    assert!(
        directive.contains("under `-- dbfleet:no-transaction`"),
        "{directive}"
    );
    assert!(
        catalog
            .set("order_service")
            .unwrap()
            .problems_for(Dialect::Sqlite)
            .is_empty(),
        "another set is not affected"
    );
}

#[test]
fn bodies_with_begin_end_and_commit_as_a_name_are_not_transaction_control() {
    let (_dir, catalog) = load_files(&[
        (
            "user_service/001_fn.postgres.up.sql",
            "CREATE TABLE items (id INT, \"commit\" TEXT);\nCREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN NEW;\nEND;\n$$;\nDO $body$ BEGIN PERFORM 1; END $body$;\nCREATE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END;\n",
        ),
        (
            "user_service/001_fn.sqlite.up.sql",
            "CREATE TABLE items (id INT, commit_at TEXT);\nCREATE TRIGGER t AFTER INSERT ON items\nBEGIN\n  UPDATE items SET commit_at = CASE WHEN new.id > 0 THEN 'x' END;\nEND;\n",
        ),
        (
            "user_service/001_fn.mysql.up.sql",
            "CREATE TABLE items (id INT, `commit` TEXT);\nDELIMITER $$\nCREATE TRIGGER t BEFORE INSERT ON items FOR EACH ROW\nBEGIN\n  SET NEW.id = NEW.id + 1;\nEND$$\nDELIMITER ;\n",
        ),
        ("user_service/001_fn.down.sql", "DROP TABLE items;\n"),
    ]);
    let set = own_set(&catalog);
    for dialect in Dialect::ALL {
        assert!(
            set.problems_for(dialect).is_empty(),
            "{dialect}: {:#?}",
            set.problems_for(dialect)
        );
    }
}

#[test]
fn a_plain_file_that_only_one_dialect_cannot_split_stops_only_that_dialect() {
    let (_dir, catalog) = load_files(&[
        // A PL/pgSQL body in a plain file: fine on PostgreSQL; SQLite would cut it at `END;`.
        (
            "user_service/001_fn.up.sql",
            "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$;\n",
        ),
    ]);
    let set = own_set(&catalog);
    assert!(set.problems_for(Dialect::Postgres).is_empty());
    assert!(
        set.problems_for(Dialect::Sqlite)
            .iter()
            .any(|p| p.contains("001_fn.up.sql:4: `END`")),
        "{:#?}",
        set.problems_for(Dialect::Sqlite)
    );
}

#[test]
fn an_unterminated_dollar_quote_names_its_tag_file_and_line() {
    let (_dir, catalog) = load_files(&[
        (
            "user_service/001_fn.postgres.up.sql",
            "SELECT 1;\nCREATE FUNCTION f() RETURNS int AS $body$\n  SELECT 1;\n$$ LANGUAGE sql;\n",
        ),
        (
            "user_service/002_do.postgres.up.sql",
            "DO $$ BEGIN PERFORM 1; END $body$;\n",
        ),
    ]);
    let problems = own_set(&catalog).problems_for(Dialect::Postgres);
    assert_eq!(
        problems,
        [
            "migrations/user_service/001_fn.postgres.up.sql:2: unterminated dollar-quoted body $body$ (no closing $body$ follows)",
            "migrations/user_service/002_do.postgres.up.sql:1: unterminated dollar-quoted body $$ (no closing $$ follows)",
        ]
    );
    assert!(own_set(&catalog).problems_for(Dialect::Sqlite).is_empty());
}

#[test]
fn an_empty_down_is_irreversible_unless_it_says_it_is_empty_on_purpose() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let set = "migrations/user_service";
    for (version, down) in [
        ("001", Some("")),
        ("002", Some("-- nothing yet\n/* really */\n")),
        (
            "003",
            Some("-- nothing to undo: the up only inserts a config row\n-- dbfleet:empty\n"),
        ),
        ("004", Some("DROP TABLE t;")),
        ("005", None),
    ] {
        write(root, &format!("{set}/{version}_m.up.sql"), "SELECT 1;");
        if let Some(down) = down {
            write(root, &format!("{set}/{version}_m.down.sql"), down);
        }
    }
    write(root, &format!("{set}/006_blank.up.sql"), "-- to do\n");
    write(
        root,
        &format!("{set}/007_placeholder.up.sql"),
        "-- dbfleet:empty\n",
    );
    let config = fleet(root, "");
    let catalog = Catalog::load(&config).unwrap();
    let set = own_set(&catalog);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    for dialect in Dialect::ALL {
        let reversible: Vec<bool> = set.migrations[..5]
            .iter()
            .map(|m| m.reversible(dialect))
            .collect();
        assert_eq!(reversible, [false, false, true, true, false], "{dialect}");
        let up = |i: usize| set.migrations[i].up.for_dialect(dialect).unwrap();
        assert!(up(5).blank_by_mistake(dialect));
        assert!(up(6).is_blank(dialect) && !up(6).blank_by_mistake(dialect));
        assert!(!up(0).is_blank(dialect));
    }

    // What `create` writes leaves the migration irreversible until its down is written.
    let maintenance = root.join("migrations/maintenance");
    create_migration(&maintenance, "fix", false).unwrap();
    let catalog = Catalog::load(&config).unwrap();
    let created = &catalog.set("maintenance").unwrap().migrations[0];
    for dialect in Dialect::ALL {
        assert!(!created.reversible(dialect), "{dialect}");
        assert!(
            created
                .up
                .for_dialect(dialect)
                .unwrap()
                .blank_by_mistake(dialect)
        );
    }
}

#[test]
fn versions_of_any_length_are_read_and_ordered_as_numbers() {
    let (_dir, catalog) = load_files(&[
        ("user_service/9223372036854775807_last.up.sql", "SELECT 1;"),
        (
            "user_service/0009223372036854775806_zeros.up.sql",
            "SELECT 1;",
        ),
        ("user_service/20210101000000000001_pop.up.sql", "SELECT 1;"),
        ("user_service/9223372036854775808_over.up.sql", "SELECT 1;"),
        (
            "user_service/123456789012345678901234_wide.up.sql",
            "SELECT 1;",
        ),
    ]);
    let set = own_set(&catalog);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    let versions: Vec<&str> = set.migrations.iter().map(|m| m.version.as_str()).collect();
    assert_eq!(
        versions,
        [
            "9223372036854775806",
            "9223372036854775807",
            "9223372036854775808",
            "20210101000000000001",
            "123456789012345678901234"
        ]
    );
}

#[test]
fn files_that_look_meant_as_migrations_are_never_ignored_silently() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let set = "migrations/user_service";
    write(root, &format!("{set}/001_a.up.sql"), "SELECT 1;");
    // Warnings: not read, and not `.sql` files by their exact name.
    write(root, &format!("{set}/002_b.up.SQL"), "SELECT 1;");
    write(root, &format!("{set}/003_c.up.sql "), "SELECT 1;");
    write(root, &format!("{set}/004_d.Postgres.Down.Sql"), "SELECT 1;");
    write(root, &format!("{set}/005_e.up.sql.bak"), "SELECT 1;");
    write(root, &format!("{set}/archive/000_old.up.sql"), "SELECT 1;");
    write(root, &format!("{set}/set.yaml"), "targets: ['*']\n");
    write(root, "migrations/001_at_root.up.sql", "SELECT 1;");
    write(root, "migrations/cross_service/set.yml", "targets: ['*']\n");
    write(root, "migrations/cross_service/001_x.up.sql", "SELECT 1;");
    // Problems: `.sql` files whose names are not migrations, with what to call them.
    write(root, &format!("{set}/006_f.UP.sql"), "SELECT 1;");
    write(root, &format!("{set}/007_g.sql"), "SELECT 1;");
    write(root, &format!("{set}/008_h.down.sql"), "SELECT 1;");
    // Fine, and quiet.
    for quiet in ["README.md", ".gitkeep", "notes.txt", ".DS_Store"] {
        write(root, &format!("{set}/{quiet}"), "x");
        write(root, &format!("migrations/{quiet}"), "x");
    }
    write(root, "migrations/order_service/001_ok.up.sql", "SELECT 1;");
    write(root, "migrations/shared/set.yaml", "targets: ['*']\n");
    write(root, "migrations/shared/001_ok.up.sql", "SELECT 1;");
    let config = fleet(root, "");
    let catalog = Catalog::load(&config).unwrap();
    let users = own_set(&catalog);
    assert_eq!(
        users.warnings,
        [
            "migrations/user_service/002_b.up.SQL: not read: to be a migration, `002_b.up.SQL` must be named exactly `002_b.up.sql` (lower-case `.up.sql` / `.down.sql`, no blanks around the name)",
            "migrations/user_service/003_c.up.sql : not read: to be a migration, `003_c.up.sql ` must be named exactly `003_c.up.sql` (lower-case `.up.sql` / `.down.sql`, no blanks around the name)",
            "migrations/user_service/004_d.Postgres.Down.Sql: not read: to be a migration, `004_d.Postgres.Down.Sql` must be named exactly `004_d.postgres.down.sql` (lower-case `.up.sql` / `.down.sql`, no blanks around the name)",
            "migrations/user_service/005_e.up.sql.bak: not read: only files whose names end in `.sql` are migrations",
            "migrations/user_service/archive: not read: a set's migrations are the files directly in its folder, and this subfolder holds .sql files",
            "migrations/user_service/set.yaml: not read: set.yaml declares the targets of a shared set, and this folder is a database's own set",
        ]
    );
    assert_eq!(
        users.problems,
        [
            "migrations/user_service/006_f.UP.sql: not a migration file name: rename it to `006_f.up.sql`",
            "migrations/user_service/007_g.sql: not a migration file name: a migration file names its direction: `007_g.up.sql` (and `007_g.down.sql` to revert it)",
            "user_service/008_h: has a .down.sql but no .up.sql",
        ]
    );
    assert_eq!(
        catalog.warnings,
        [
            "migrations/001_at_root.up.sql: not read: migrations live in a set's folder (migrations/<database or set>/<version>_<name>.up.sql), not directly in the migrations folder"
        ]
    );
    let cross = catalog.set("cross_service").unwrap();
    assert_eq!(
        cross.warnings,
        [
            "migrations/cross_service/set.yml: not read: a set's declaration (targets, format) must be named exactly `set.yaml`"
        ]
    );
    assert!(!cross.declares_targets());
    for quiet in ["order_service", "shared"] {
        let set = catalog.set(quiet).unwrap();
        assert!(
            set.warnings.is_empty() && set.problems.is_empty(),
            "{quiet}"
        );
    }
}

#[test]
fn the_shipped_fleets_load_without_problems_or_warnings_on_any_engine() {
    // The repository root, two folders above this crate.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for config in ["config.yaml", "examples/postgres/config.yaml"] {
        let config = Config::load(&repo.join(config)).unwrap();
        let catalog = Catalog::load(&config).unwrap();
        assert!(catalog.warnings.is_empty(), "{:?}", catalog.warnings);
        for set in &catalog.sets {
            assert!(set.warnings.is_empty(), "{}: {:?}", set.name, set.warnings);
            // The demo sets run on all three engines; the PostgreSQL example on PostgreSQL.
            let dialects: &[Dialect] = if config.path.ends_with("examples/postgres/config.yaml") {
                &[Dialect::Postgres]
            } else {
                &Dialect::ALL
            };
            for &dialect in dialects {
                let problems = set.problems_for(dialect);
                assert!(
                    problems.is_empty(),
                    "{} on {dialect}: {problems:#?}",
                    set.name
                );
            }
        }
    }
}
