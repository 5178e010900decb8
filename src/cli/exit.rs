//! Exit codes, documented in the README and `dbfleet --help`.

use std::process::ExitCode;

pub const OK: u8 = 0;
/// A database failed, was refused (dirty, drift, lock held) or was blocked.
pub const RUN_FAILED: u8 = 1;
/// Usage or configuration error: nothing was touched.
pub const USAGE: u8 = 2;
/// `status --check` found something pending, dirty, drifted, locked or unreachable.
pub const CHECK_FAILED: u8 = 3;
/// Interrupted by Ctrl-C; what ran is reported.
pub const INTERRUPTED: u8 = 130;

pub fn code(value: u8) -> ExitCode {
    ExitCode::from(value)
}
