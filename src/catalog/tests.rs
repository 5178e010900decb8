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
    let versions: Vec<u64> = users.migrations.iter().map(|m| m.version).collect();
    assert_eq!(versions, [1, 9, 10], "versions compare as numbers");
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
