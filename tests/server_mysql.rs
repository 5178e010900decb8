//! The engine against a real MySQL or MariaDB (`DBFLEET_TEST_MYSQL_URL`).

mod common;
mod servers;

use servers::Engine::Mysql;
use servers::scenarios;

#[test]
fn seed_runbook_on_mariadb() {
    scenarios::seed_runbook(Mysql);
}

#[test]
fn four_processes_apply_each_migration_once_on_mariadb() {
    scenarios::four_processes_apply_each_migration_once(Mysql);
}

#[test]
fn killed_runner_leaves_mariadb_dirty_until_resolved() {
    scenarios::killed_runner(Mysql);
}

#[test]
fn unreachable_server_and_wrong_password_fail_only_their_databases_on_mariadb() {
    scenarios::unreachable_and_wrong_password(Mysql);
}

#[test]
fn backup_restores_on_mariadb() {
    scenarios::backup_restores(Mysql);
}

#[test]
fn failed_down_is_told_apart_from_a_failed_up_on_mariadb() {
    scenarios::failed_down_is_told_apart_from_a_failed_up(Mysql);
}
