//! `dbfleet --version` of a release build names the commit it was built from
//! (`0.1.0 (commit 8b979e9c2b1a)`), so a bug report or a CI log says exactly which build
//! ran. Debug builds (tests) and builds without git (a source tarball) carry the version
//! alone: a commit must not recompile the test binaries.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let version = env!("CARGO_PKG_VERSION");
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    let commit = if release {
        git(&["rev-parse", "--short=12", "HEAD"])
    } else {
        None
    };
    let full = match commit {
        Some(commit) => format!("{version} (commit {commit})"),
        None => version.to_owned(),
    };
    println!("cargo:rustc-env=DBFLEET_VERSION={full}");
    if release && let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        // A new commit or checkout changes HEAD or what it points to.
        for path in ["HEAD", "refs", "packed-refs"] {
            println!("cargo:rerun-if-changed={dir}/{path}");
        }
    }
}
