//! Each folder format read from a folder of its own: names, sections, markers, order, and
//! what is refused. The real-derived samples in `tests/fixtures/formats/` are read here too.

use std::path::{Path, PathBuf};

use crate::catalog::{Catalog, MigrationSet, Version};
use crate::config::Config;
use crate::dialect::Dialect;

use super::{Format, atlas_sum};

/// A fleet of one SQLite database `app` whose own set holds `files`, with `extra` config.
fn load(files: &[(&str, &str)], extra: &str) -> (tempfile::TempDir, MigrationSet) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join("migrations/app").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let set = load_dir(dir.path(), extra);
    (dir, set)
}

fn load_dir(root: &Path, extra: &str) -> MigrationSet {
    std::fs::create_dir_all(root.join("migrations/app")).unwrap();
    let config_path = root.join("config.yaml");
    std::fs::write(
        &config_path,
        format!("database:\n  driver: sqlite\ndatabases:\n  app:\n    database: app.db\n{extra}"),
    )
    .unwrap();
    let config = Config::load(&config_path).unwrap();
    Catalog::load(&config).unwrap().set("app").unwrap().clone()
}

fn ids(set: &MigrationSet) -> Vec<String> {
    set.migrations
        .iter()
        .map(crate::catalog::Migration::id)
        .collect()
}

/// The statements each direction of the migration at `index` runs on `dialect`.
fn statements(set: &MigrationSet, index: usize, up: bool, dialect: Dialect) -> Vec<String> {
    let m = &set.migrations[index];
    let scripts = if up { &m.up } else { &m.down };
    scripts
        .for_dialect(dialect)
        .unwrap()
        .statements(dialect)
        .unwrap()
        .into_iter()
        .map(|s| s.sql)
        .collect()
}

fn clean(set: &MigrationSet) {
    assert!(set.problems.is_empty(), "{:?}", set.problems);
}

fn fixture(tool: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/formats")
        .join(tool)
}

/// A fleet whose `app` set is a copy of a fixture folder.
fn load_fixture(tool: &str, extra: &str) -> (tempfile::TempDir, MigrationSet) {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("migrations/app");
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(fixture(tool)).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() && entry.file_name() != "SOURCE.md" {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
    let set = load_dir(dir.path(), extra);
    (dir, set)
}

#[test]
fn format_names_are_snake_case_and_an_unknown_one_lists_them() {
    assert_eq!(
        "golang-migrate".parse::<Format>(),
        Ok(Format::GolangMigrate)
    );
    assert_eq!("goose".parse::<Format>(), Ok(Format::Goose));
    let err = "gooze".parse::<Format>().unwrap_err();
    assert!(
        err.contains("dbfleet, golang_migrate, sqlx, flyway, dbmate, goose, pop, atlas"),
        "{err}"
    );
}

#[test]
fn dbfleet_folders_stay_dbfleet() {
    let (_d, set) = load(
        &[
            ("001_a.up.sql", "CREATE TABLE a (x INT);"),
            ("001_a.postgres.up.sql", "CREATE TABLE a (x SERIAL);"),
            ("001_a.down.sql", "DROP TABLE a;"),
        ],
        "",
    );
    clean(&set);
    assert_eq!(set.format, Format::Dbfleet);
    assert!(
        set.migrations[0]
            .up
            .variants
            .contains_key(&Dialect::Postgres)
    );
}

#[test]
fn golang_migrate_titles_may_hold_dots_and_dialect_tags_stay_variants() {
    let (_d, set) = load(
        &[
            ("0001_initial.up.sql", "CREATE TABLE a (x INT);"),
            ("0002_1.7.0_schema.up.sql", "ALTER TABLE a ADD y INT;"),
            (
                "0002_1.7.0_schema.postgres.up.sql",
                "ALTER TABLE a ADD y BIGINT;",
            ),
            (
                "000056_upgrade_channels_v6.0.up.sql",
                "-- morph:nontransactional\nCREATE INDEX i ON a (x);",
            ),
            ("000056_upgrade_channels_v6.0.down.sql", "DROP INDEX i;"),
        ],
        "",
    );
    clean(&set);
    assert_eq!(set.format, Format::GolangMigrate);
    assert_eq!(
        ids(&set),
        [
            "app/0001_initial",
            "app/0002_1.7.0_schema",
            "app/000056_upgrade_channels_v6.0"
        ]
    );
    assert!(
        set.migrations[1]
            .up
            .variants
            .contains_key(&Dialect::Postgres)
    );
    let morph = set.migrations[2].up.plain.as_ref().unwrap();
    assert!(
        morph.no_transaction,
        "morph's marker at the start of the file"
    );
    assert!(set.migrations[2].reversible(Dialect::Sqlite));
}

#[test]
fn golang_migrate_begin_commit_around_a_file_becomes_dbfleets_own_transaction() {
    let file = "-- a comment\nBEGIN;\nUPDATE a SET x = 1;\nUPDATE a SET x = 2;\nCOMMIT;\n";
    let (_d, set) = load(
        &[
            ("0001_x.y.up.sql", file),
            (
                "0002_z.1.up.sql",
                "BEGIN;\nUPDATE a SET x = 1;\nCOMMIT;\nBEGIN;\nCOMMIT;",
            ),
        ],
        "",
    );
    assert_eq!(set.format, Format::GolangMigrate);
    assert_eq!(
        statements(&set, 0, true, Dialect::Postgres),
        ["UPDATE a SET x = 1", "UPDATE a SET x = 2"]
    );
    // MySQL cannot hold the file in one transaction: the pair is refused there, as in a
    // dbfleet file, and so is a file with more than one pair.
    let mysql = set.dialect_problems.get(&Dialect::Mysql).unwrap();
    assert!(
        mysql.iter().any(|p| p.contains("0001_x.y.up.sql:2")),
        "{mysql:?}"
    );
    let postgres = set.dialect_problems.get(&Dialect::Postgres).unwrap();
    assert!(
        postgres.iter().all(|p| p.contains("0002_z.1.up.sql")),
        "{postgres:?}"
    );
}

#[test]
fn sqlx_plain_files_are_ups_and_no_transaction_must_start_the_file() {
    let (_d, set) = load(
        &[
            (
                "20220421174016_larger-commands.sql",
                "CREATE TABLE a (x INT);",
            ),
            ("0_vacuum.sql", "-- no-transaction\nVACUUM;"),
            ("1_late.sql", "\n-- no-transaction\nSELECT 1;"),
        ],
        "",
    );
    clean(&set);
    assert_eq!(set.format, Format::Sqlx);
    assert_eq!(
        ids(&set),
        [
            "app/0_vacuum",
            "app/1_late",
            "app/20220421174016_larger-commands"
        ]
    );
    assert!(set.migrations[0].up.plain.as_ref().unwrap().no_transaction);
    assert!(!set.migrations[1].up.plain.as_ref().unwrap().no_transaction);
    assert!(set.migrations[0].down.is_empty());
}

#[test]
fn sqlx_reads_plain_and_reversible_files_together_when_declared() {
    let files = [
        ("1_a.sql", "SELECT 1;"),
        ("2_b.up.sql", "SELECT 2;"),
        ("2_b.down.sql", "SELECT 3;"),
    ];
    let (_d, set) = load(&files, "sets:\n  app:\n    format: sqlx\n");
    clean(&set);
    assert_eq!(set.format, Format::Sqlx);
    assert_eq!(ids(&set), ["app/1_a", "app/2_b"]);
    // Undeclared, the plain file reads as a dbfleet file missing its direction.
    let (_d, set) = load(&files, "");
    assert_eq!(set.format, Format::Dbfleet);
    assert!(set.problems[0].contains("1_a.sql"), "{:?}", set.problems);
}

#[test]
fn flyway_versions_sort_as_dotted_numbers_with_undo_and_repeatables() {
    let (_d, set) = load(
        &[
            ("V1.2.9__x.sql", "CREATE TABLE a (x INT);"),
            ("V1.2.10__y.sql", "CREATE TABLE b (x INT);"),
            ("U1.2.10__y.sql", "DROP TABLE b;"),
            (
                "V1_12_15__baseline___POSTGRESQL.sql",
                "CREATE TABLE c (x INT);",
            ),
            ("R__views.sql", "CREATE VIEW v AS SELECT 1;"),
            ("V2__concurrently.sql", "CREATE INDEX i ON a (x);"),
            (
                "V2__concurrently.sql.conf",
                "# Flyway\nexecuteInTransaction=false\n",
            ),
            ("README.md", "notes"),
        ],
        "",
    );
    clean(&set);
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
    assert_eq!(set.format, Format::Flyway);
    assert_eq!(
        ids(&set),
        [
            "app/1.2.9_x",
            "app/1.2.10_y",
            "app/1.12.15_baseline___POSTGRESQL",
            "app/2_concurrently",
            "app/R__views",
        ]
    );
    assert!(
        set.migrations[1].reversible(Dialect::Sqlite),
        "U is the undo"
    );
    assert!(set.migrations[3].up.plain.as_ref().unwrap().no_transaction);
    assert!(!set.migrations[0].up.plain.as_ref().unwrap().no_transaction);
    assert!(set.migrations[4].version.is_repeatable());
    assert_eq!(
        set.migrations[4].version,
        Version::repeatable("views").unwrap()
    );
}

#[test]
fn flyway_baselines_are_refused_and_a_repeatable_only_set_is_warned_about() {
    let (_d, set) = load(
        &[
            ("B5__base.sql", "SELECT 1;"),
            ("R__views.sql", "CREATE VIEW v AS SELECT 1;"),
        ],
        "",
    );
    assert_eq!(set.format, Format::Flyway);
    assert!(
        set.problems[0].contains("B5__base.sql: Flyway baseline migrations"),
        "{:?}",
        set.problems
    );
    let (_d, set) = load(&[("R__views.sql", "CREATE VIEW v AS SELECT 1;")], "");
    clean(&set);
    assert_eq!(ids(&set), ["app/R__views"]);
    assert!(
        set.warnings[0].contains("repeatable migrations (R__) and no versioned one"),
        "{:?}",
        set.warnings
    );
}

#[test]
fn flyway_placeholders_are_refused_with_their_line() {
    let (_d, set) = load(
        &[
            ("V1__init.sql", "CREATE TABLE a (x INT);\n"),
            (
                "V2__grant.sql",
                "-- cost: ${not a placeholder\nGRANT SELECT ON a TO ${reader_role};\n",
            ),
        ],
        "",
    );
    assert_eq!(set.problems.len(), 1, "{:?}", set.problems);
    assert!(
        set.problems[0].contains("V2__grant.sql: line 2: `${reader_role}` is a Flyway placeholder"),
        "{:?}",
        set.problems
    );
    // PostgreSQL's dollar quoting is not a placeholder.
    let (_d, set) = load(
        &[(
            "V1__fn.sql",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $${ SELECT 1 }$$;\n",
        )],
        "",
    );
    assert!(set.problems.is_empty(), "{:?}", set.problems);
}

#[test]
fn dbmate_sections_with_their_own_transaction_option() {
    let (_d, set) = load(
        &[
            (
                "20200101000000_users.sql",
                "-- a comment\n-- migrate:up\nCREATE TABLE u (x INT);\nCREATE TABLE v (x INT);\n\n-- migrate:down\nDROP TABLE v;\nDROP TABLE u;\n",
            ),
            (
                "20200102000000_index.sql",
                "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON u (x);\n-- migrate:down\nDROP INDEX i;\n",
            ),
        ],
        "",
    );
    clean(&set);
    assert_eq!(set.format, Format::Dbmate);
    assert_eq!(
        statements(&set, 0, true, Dialect::Sqlite),
        ["CREATE TABLE u (x INT)", "CREATE TABLE v (x INT)"]
    );
    assert_eq!(
        statements(&set, 0, false, Dialect::Sqlite),
        ["DROP TABLE v", "DROP TABLE u"]
    );
    let up = set.migrations[0].up.plain.as_ref().unwrap();
    let lines: Vec<usize> = up
        .statements(Dialect::Sqlite)
        .unwrap()
        .iter()
        .map(|s| s.line)
        .collect();
    assert_eq!(lines, [3, 4], "line numbers are the file's");
    assert!(set.migrations[1].up.plain.as_ref().unwrap().no_transaction);
    assert!(
        !set.migrations[1]
            .down
            .plain
            .as_ref()
            .unwrap()
            .no_transaction
    );
    assert_ne!(
        up.checksum,
        set.migrations[0].down.plain.as_ref().unwrap().checksum
    );
}

#[test]
fn dbmate_needs_a_down_section() {
    let (_d, set) = load(&[("1_x.sql", "-- migrate:up\nSELECT 1;\n")], "");
    assert!(
        set.problems[0].contains("no `-- migrate:down` section"),
        "{:?}",
        set.problems
    );
}

#[test]
fn goose_blocks_are_one_statement_and_no_transaction_covers_the_file() {
    let (_d, set) = load(
        &[
            (
                "00001_create.sql",
                "-- +goose Up\nCREATE TABLE a (x INT);\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS INT AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql;\n-- +goose StatementEnd\n\n-- +goose Down\nDROP FUNCTION f;\nDROP TABLE a;\n",
            ),
            (
                "00002_index.sql",
                "-- +goose NO TRANSACTION\n-- +goose up\nCREATE INDEX CONCURRENTLY i ON a (x);\n\n-- +goose down\nDROP INDEX CONCURRENTLY i;\n",
            ),
        ],
        "",
    );
    clean(&set);
    assert_eq!(set.format, Format::Goose);
    let up = statements(&set, 0, true, Dialect::Postgres);
    assert_eq!(up.len(), 2, "{up:?}");
    assert!(
        up[1].starts_with("CREATE FUNCTION") && up[1].ends_with("LANGUAGE plpgsql"),
        "{up:?}"
    );
    let script = set.migrations[0].up.plain.as_ref().unwrap();
    let lines: Vec<usize> = script
        .statements(Dialect::Postgres)
        .unwrap()
        .iter()
        .map(|s| s.line)
        .collect();
    assert_eq!(lines, [2, 4]);
    assert_eq!(
        statements(&set, 0, false, Dialect::Postgres),
        ["DROP FUNCTION f", "DROP TABLE a"]
    );
    let index = &set.migrations[1];
    assert!(index.up.plain.as_ref().unwrap().no_transaction);
    assert!(index.down.plain.as_ref().unwrap().no_transaction);
}

#[test]
fn goose_envsub_and_go_migrations_are_refused_clearly() {
    let (_d, set) = load(
        &[
            (
                "00001_a.sql",
                "-- +goose Up\n-- +goose ENVSUB ON\nCREATE TABLE ${T} (x INT);\n",
            ),
            ("00002_b.go", "package migrations"),
        ],
        "",
    );
    assert_eq!(set.format, Format::Goose);
    assert!(
        set.problems
            .iter()
            .any(|p| p
                .contains("migrations/app/00001_a.sql:2: `-- +goose ENVSUB ON` is not supported")),
        "{:?}",
        set.problems
    );
    assert!(
        set.problems
            .iter()
            .any(|p| p.contains("00002_b.go: goose migrations written in Go"))
    );
}

#[test]
fn pop_dialect_tags_twenty_digit_versions_and_engines_not_in_the_fleet() {
    let (_d, set) = load(
        &[
            (
                "20150100000001000000_networks.up.sql",
                "CREATE TABLE n (x INT);",
            ),
            (
                "20150100000001000000_networks.sqlite3.up.sql",
                "CREATE TABLE n (x INTEGER);",
            ),
            (
                "20150100000001000000_networks.cockroach.up.sql",
                "CREATE TABLE n (x INT8);",
            ),
            (
                "20150100000001000000_networks.cockroach.down.sql",
                "DROP TABLE n;",
            ),
            ("20150100000001000000_networks.down.sql", "DROP TABLE n;"),
            (
                "20150100000002000000_idx.postgres.autocommit.up.sql",
                "CREATE INDEX CONCURRENTLY i ON n (x);",
            ),
            (
                "20150100000002000000_idx.up.sql",
                "CREATE INDEX i ON n (x);",
            ),
        ],
        "",
    );
    clean(&set);
    assert_eq!(set.format, Format::Pop);
    assert_eq!(set.migrations[0].version.as_str(), "20150100000001000000");
    assert!(set.migrations[0].up.variants.contains_key(&Dialect::Sqlite));
    assert!(set.migrations[1].up.variants[&Dialect::Postgres].no_transaction);
    assert!(!set.migrations[1].up.plain.as_ref().unwrap().no_transaction);
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
    assert_eq!(set.notes.len(), 1, "{:?}", set.notes);
    assert!(
        set.notes[0].contains("with 1 more file for cockroach"),
        "{:?}",
        set.notes
    );
}

#[test]
fn pop_fizz_files_and_unknown_dialects_are_refused() {
    let (_d, set) = load(
        &[
            ("1_a.up.fizz", "create_table(\"a\") {}"),
            ("2_b.oracle.up.sql", "SELECT 1;"),
        ],
        "",
    );
    assert_eq!(set.format, Format::Pop);
    assert!(
        set.problems
            .iter()
            .any(|p| p.contains("1_a.up.fizz: fizz files are not supported"))
    );
    assert!(
        set.problems
            .iter()
            .any(|p| p.contains("unknown dialect `oracle`")),
        "{:?}",
        set.problems
    );
}

#[test]
fn a_folder_mixing_two_formats_is_refused_naming_one_file_of_each() {
    let (_d, set) = load(
        &[
            ("V1__a.sql", "SELECT 1;"),
            ("00002_b.sql", "-- +goose Up\nSELECT 1;\n"),
        ],
        "",
    );
    assert_eq!(
        set.problems,
        [
            "migrations/app: the folder mixes two formats: `V1__a.sql` is written for flyway and `00002_b.sql` for goose; keep one format per set, or declare the set's `format:` to read it one way"
        ]
    );
    assert!(set.migrations.is_empty());
    // Declared, the folder is read one way, and the other file does not fit.
    let (_d, set) = load(
        &[
            ("V1__a.sql", "SELECT 1;"),
            ("00002_b.sql", "-- +goose Up\nSELECT 1;\n"),
        ],
        "sets:\n  app:\n    format: flyway\n",
    );
    assert_eq!(ids(&set), ["app/1_a"]);
    assert!(
        set.problems[0].contains("00002_b.sql: not a migration of the flyway format"),
        "{:?}",
        set.problems
    );
}

#[test]
fn a_format_declared_in_the_own_folders_set_yaml() {
    let (_d, set) = load(
        &[
            ("set.yaml", "format: dbmate\n"),
            (
                "1_x.sql",
                "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n",
            ),
        ],
        "",
    );
    clean(&set);
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
    assert_eq!(set.format, Format::Dbmate);
    let (_d, set) = load(
        &[("set.yaml", "format: gooze\n"), ("1_x.up.sql", "SELECT 1;")],
        "",
    );
    assert!(set.problems[0].contains("gooze"), "{:?}", set.problems);
}

#[test]
fn a_fleet_wide_format_is_the_default_a_set_may_override() {
    let files = [(
        "1_x.sql",
        "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n",
    )];
    let (_d, set) = load(&files, "migrator:\n  format: sqlx\n");
    assert_eq!(set.format, Format::Sqlx);
    let (_d, set) = load(
        &files,
        "migrator:\n  format: sqlx\nsets:\n  app:\n    format: dbmate\n",
    );
    assert_eq!(set.format, Format::Dbmate);
}

#[test]
fn many_files_that_fit_no_name_are_said_in_one_line() {
    let mut files: Vec<(String, &str)> = (1..=12)
        .map(|i| (format!("x{i}.sql"), "SELECT 1;"))
        .collect();
    files.push(("V1__ok.sql".into(), "SELECT 1;"));
    let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    let (_d, set) = load(&files, "");
    assert_eq!(set.problems.len(), 1, "{:?}", set.problems);
    assert!(
        set.problems[0].starts_with("12 files in migrations/app do not match the flyway format"),
        "{:?}",
        set.problems
    );
    assert!(
        set.problems[0].contains("first: migrations/app/x1.sql ("),
        "{:?}",
        set.problems
    );
    assert!(
        set.problems[0].contains("see them all with `dbfleet status -d app`"),
        "{:?}",
        set.problems
    );
    assert_eq!(set.unmatched.len(), 12);
}

#[test]
fn atlas_sums_are_computed_as_atlas_does() {
    // From ariga/atlas's testdata (`repos/atlas/atlas-testdata/mysql`): the committed sum.
    let dir = fixture("atlas");
    let files: Vec<(String, Vec<u8>)> = ["20220318104614_initial.sql", "20220420213403_second.sql"]
        .iter()
        .map(|n| (n.to_string(), std::fs::read(dir.join(n)).unwrap()))
        .collect();
    let recorded = std::fs::read_to_string(dir.join("atlas.sum")).unwrap();
    assert_eq!(atlas_sum(&files), recorded);
    assert!(recorded.starts_with("h1:EGX5/CEEerpLWqYQNHB1veTXon8t05wEGJiX2fOtFXg=\n"));
}

#[test]
fn an_atlas_folder_is_checked_against_its_sum() {
    let (dir, set) = load_fixture("atlas", "");
    clean(&set);
    assert_eq!(set.format, Format::Atlas);
    assert_eq!(
        ids(&set),
        ["app/20220318104614_initial", "app/20220420213403_second"]
    );
    let second = dir.path().join("migrations/app/20220420213403_second.sql");
    let mut text = std::fs::read_to_string(&second).unwrap();
    text.push_str("-- edited\n");
    std::fs::write(&second, text).unwrap();
    let set = load_dir(dir.path(), "");
    assert_eq!(set.problems.len(), 1, "{:?}", set.problems);
    assert!(
        set.problems[0].starts_with("migrations/app/atlas.sum: the folder does not match its atlas.sum: `20220420213403_second.sql`"),
        "{:?}",
        set.problems
    );
}

#[test]
fn atlas_txmode_none_in_the_header_runs_outside_a_transaction() {
    let (_d, set) = load(
        &[
            (
                "1_a.sql",
                "-- atlas:txmode none\n\nCREATE TABLE a (x INT);\n",
            ),
            ("2_b.sql", "-- atlas:txmode none\nCREATE TABLE b (x INT);\n"),
            ("atlas.sum", ""),
        ],
        "",
    );
    assert!(set.migrations[0].up.plain.as_ref().unwrap().no_transaction);
    // Not followed by a blank line: an ordinary comment of the first statement.
    assert!(!set.migrations[1].up.plain.as_ref().unwrap().no_transaction);
    assert!(
        set.problems[0].contains("does not match its atlas.sum"),
        "{:?}",
        set.problems
    );
}

/// Every real-derived sample under `tests/fixtures/formats/` reads as its tool's format
/// with no problem.
#[test]
fn real_samples_read_cleanly() {
    for (tool, format) in [
        ("golang-migrate", Format::GolangMigrate),
        ("sqlx", Format::Sqlx),
        ("flyway", Format::Flyway),
        ("dbmate", Format::Dbmate),
        ("goose", Format::Goose),
        ("goose-postgres", Format::Goose),
        ("pop", Format::Pop),
        ("atlas", Format::Atlas),
        ("atlas-golang-migrate", Format::Atlas),
        ("atlas-sqlite", Format::Atlas),
        ("morph", Format::GolangMigrate),
        ("flyway-generic", Format::Flyway),
    ] {
        let (_d, set) = load_fixture(tool, "");
        assert_eq!(set.format, format, "{tool}");
        assert!(set.problems.is_empty(), "{tool}: {:?}", set.problems);
        assert!(!set.migrations.is_empty(), "{tool}");
    }
}
