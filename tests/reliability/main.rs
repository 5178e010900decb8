//! Reliability suites (issue 14, item 6), one test binary so they link once: concurrent
//! runners counting applications, runners killed with SIGKILL at seeded random points, a
//! connection the server terminates mid-run, a corpus of bad input, a known password
//! searched for in everything dbfleet writes, and seeded random input for the splitter
//! and the config loader. Each engine suite runs on SQLite always and on PostgreSQL and
//! MariaDB when `DBFLEET_TEST_POSTGRES_URL` / `DBFLEET_TEST_MYSQL_URL` are set (they
//! must be under `DBFLEET_TEST_REQUIRE_SERVERS`). docs/RELIABILITY.md says what each one
//! guarantees and how to run it with more trials.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

#[path = "../common/mod.rs"]
mod common;
#[path = "../servers/mod.rs"]
mod servers;

mod bad_input;
mod kills;
mod random_inputs;
mod rig;
mod rng;
mod runners;
mod secrets;
mod terminated;
