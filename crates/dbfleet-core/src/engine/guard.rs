//! Guard rails: which runs must be confirmed by typing the number of databases, in every
//! front (the CLI on a terminal, `--yes` without one; the console's confirmation). A
//! database is protected when the config's `environment` is production or its name
//! matches a `protect:` pattern; on a protected fleet a `down`, or an `up` over more than
//! one database, is what an operator does by mistake and cannot take back.

use globset::{Glob, GlobSetBuilder};

use super::events::Direction;
use crate::config::Config;

/// What must be confirmed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guard {
    /// The number the operator types.
    pub count: usize,
    /// The protected databases among those selected.
    pub protected: Vec<String>,
    /// `environment: production` or `protect: [...]`, as the config says it.
    pub because: String,
}

impl Guard {
    /// `down on 2 database(s) protected by environment: production (a, b)`; where only
    /// some are protected, `up on 3 database(s), 1 protected by protect: [b*] (b1)`.
    pub fn describe(&self, direction: Direction) -> String {
        let shown: Vec<&str> = self.protected.iter().take(8).map(String::as_str).collect();
        let more = self.protected.len() - shown.len();
        let names = if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        };
        let count = self.count;
        if self.protected.len() == count {
            format!(
                "{direction} on {count} database(s) protected by {} ({names})",
                self.because
            )
        } else {
            format!(
                "{direction} on {count} database(s), {} protected by {} ({names})",
                self.protected.len(),
                self.because
            )
        }
    }
}

pub fn is_production(environment: Option<&str>) -> bool {
    environment
        .is_some_and(|e| e.eq_ignore_ascii_case("production") || e.eq_ignore_ascii_case("prod"))
}

/// `Some` when a run of `direction` over `databases` needs the typed count.
pub fn guard(config: &Config, direction: Direction, databases: &[String]) -> Option<Guard> {
    guard_for(
        config.environment.as_deref(),
        &config.protect,
        direction,
        databases,
    )
}

/// `guard` from the config's `environment` and `protect`, for a front that keeps them.
pub fn guard_for(
    environment: Option<&str>,
    protect: &[String],
    direction: Direction,
    databases: &[String],
) -> Option<Guard> {
    let mut builder = GlobSetBuilder::new();
    for pattern in protect {
        // Patterns were checked at load.
        if let Ok(glob) = Glob::new(pattern) {
            builder.add(glob);
        }
    }
    let matcher = builder.build().ok()?;
    let production = is_production(environment);
    let protected: Vec<String> = databases
        .iter()
        .filter(|db| production || matcher.is_match(db.as_str()))
        .cloned()
        .collect();
    let risky = direction == Direction::Down || databases.len() > 1;
    if protected.is_empty() || !risky {
        return None;
    }
    let because = if production {
        format!("environment: {}", environment.unwrap_or("production"))
    } else {
        format!("protect: [{}]", protect.join(", "))
    };
    Some(Guard {
        count: databases.len(),
        protected,
        because,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> Config {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.yaml");
        std::fs::write(
            &path,
            format!("{extra}\ndatabases:\n  billing_eu:\n    driver: sqlite\n    database: a.db\n  users:\n    driver: sqlite\n    database: b.db\n"),
        )
        .unwrap();
        Config::load(&path).unwrap()
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn production_guards_every_down_and_every_up_over_several_databases() {
        let prod = config("environment: Production");
        let one = names(&["users"]);
        let two = names(&["users", "billing_eu"]);
        assert_eq!(guard(&prod, Direction::Up, &one), None);
        let down = guard(&prod, Direction::Down, &one).unwrap();
        assert_eq!(down.count, 1);
        assert_eq!(down.because, "environment: Production");
        assert_eq!(guard(&prod, Direction::Up, &two).unwrap().count, 2);
    }

    #[test]
    fn protect_patterns_guard_only_the_databases_they_match() {
        let cfg = config("environment: staging\nprotect: [\"billing_*\"]");
        assert_eq!(guard(&cfg, Direction::Down, &names(&["users"])), None);
        let g = guard(&cfg, Direction::Up, &names(&["users", "billing_eu"])).unwrap();
        assert_eq!(g.protected, ["billing_eu"]);
        assert_eq!(g.because, "protect: [billing_*]");
        assert_eq!(
            g.describe(Direction::Up),
            "up on 2 database(s), 1 protected by protect: [billing_*] (billing_eu)"
        );
        assert_eq!(
            guard(&config(""), Direction::Down, &names(&["users"])),
            None
        );
    }
}
