//! Which databases a command acts on: `-d`, `--databases`, `--patterns` (globset), `--all`,
//! `--directory` for a shared set, or the config's `default_database`.

use std::fmt;
use std::str::FromStr;

use globset::{Glob, GlobSetBuilder};
use sha2::{Digest, Sha256};

use crate::catalog::Catalog;
use crate::config::Config;
use crate::suggest;

/// How many names an error lists before it counts the rest.
const NAMES_LISTED: usize = 8;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelectionRequest {
    /// `-d NAME` and `--databases a,b`.
    pub databases: Vec<String>,
    /// `--patterns '*_service'`, several allowed.
    pub patterns: Vec<String>,
    pub all: bool,
    /// `--directory cross_service`: the migration set to run instead of each database's own.
    pub directory: Option<String>,
    /// `--shard 2/4`: only this job's share of what the rest selects.
    pub shard: Option<Shard>,
}

/// Job `index` of `count` (1-based, as CI matrices count). Every job of a matrix resolves
/// the same selection from the same config, orders it by a hash of each name and deals it
/// out in turn: the jobs agree on the split with no coordinator, each database falls to
/// exactly one job, and the shares differ by one database at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// This job's share of `databases`, in their order.
    pub fn share(self, databases: Vec<String>) -> Vec<String> {
        let mut dealt: Vec<(Vec<u8>, &String)> = databases
            .iter()
            .map(|db| (Sha256::digest(db.as_bytes()).to_vec(), db))
            .collect();
        dealt.sort();
        let count = self.count as usize;
        let mine: Vec<String> = dealt
            .into_iter()
            .enumerate()
            .filter(|(position, _)| position % count == self.index as usize - 1)
            .map(|(_, (_, db))| db.clone())
            .collect();
        databases
            .into_iter()
            .filter(|db| mine.contains(db))
            .collect()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a shard: expected I/N with 1 <= I <= N, e.g. 2/4");
        let (index, count) = s.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = index.trim().parse().map_err(|_| bad())?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// What to do when nothing selects databases explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenUnspecified {
    /// up/down/plan: the config's `default_database`.
    DefaultDatabase,
    /// status: the whole fleet.
    WholeFleet,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// In config order.
    pub databases: Vec<String>,
    /// `Some(set)` with `--directory`; `None` runs each database's own set.
    pub set: Option<String>,
    /// Selected but not targeted by the chosen set, with the reason.
    pub not_targeted: Vec<String>,
    /// Selected, and left to the other jobs of `--shard`.
    pub other_shards: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// A selection flag given with nothing in it (`--databases=`, `-d ""`, `--patterns=`),
    /// as a script with an empty variable writes it. Never a fallback to the default.
    #[error(
        "empty selection: {flag} was given empty; name the databases (-d NAME, --databases a,b, --patterns GLOB) or use --all"
    )]
    EmptySelection { flag: &'static str },
    #[error("empty set name: --directory was given with no set in it; sets: {known}")]
    EmptyDirectory { known: String },
    #[error("unknown database `{name}`{hint}; configured databases: {known}")]
    UnknownDatabase {
        name: String,
        /// ` (did you mean `user_service`?)` or nothing.
        hint: String,
        known: String,
    },
    #[error("pattern {patterns} matches no database; configured databases: {known}")]
    NoMatch { patterns: String, known: String },
    #[error("invalid pattern `{pattern}`: {message}")]
    BadPattern { pattern: String, message: String },
    #[error("unknown migration set `{name}`{hint} (no folder {path}); sets: {known}")]
    UnknownSet {
        name: String,
        hint: String,
        path: String,
        known: String,
    },
    #[error(
        "set `{set}` declares no targets: name the databases (-d, --databases, --patterns, --all), or declare them in {path} (targets: [\"*_service\"])"
    )]
    UndeclaredTargets { set: String, path: String },
    #[error(
        "no database selected and no migrator.default_database configured; use -d NAME, --databases a,b, --patterns GLOB or --all"
    )]
    NothingSelected,
    #[error("{0}; name the databases (-d, --databases, --patterns, --all) or fix the config")]
    BadDefault(String),
    #[error(
        "set `{set}` targets none of the selected databases ({selected}); it targets: {targets}"
    )]
    NotTargeted {
        set: String,
        selected: String,
        targets: String,
    },
}

/// Splits `a,b` lists, leaving commas inside glob braces (`{user,order}_service`) alone.
pub fn split_list(values: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for value in values {
        let mut depth = 0usize;
        let mut current = String::new();
        for c in value.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    out.push(std::mem::take(&mut current));
                    continue;
                }
                _ => {}
            }
            current.push(c);
        }
        out.push(current);
    }
    out.into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

pub fn resolve(
    config: &Config,
    catalog: &Catalog,
    request: &SelectionRequest,
    when_unspecified: WhenUnspecified,
) -> Result<Selection, SelectionError> {
    let names = config.database_names();
    let explicit = split_list(&request.databases);
    let patterns = split_list(&request.patterns);
    // A flag that was given must select by what it says; an empty one is a mistake
    // (an unset shell variable), not a request for the default database.
    if !request.databases.is_empty() && explicit.is_empty() {
        return Err(SelectionError::EmptySelection {
            flag: "-d/--databases",
        });
    }
    if !request.patterns.is_empty() && patterns.is_empty() {
        return Err(SelectionError::EmptySelection { flag: "--patterns" });
    }
    if request
        .directory
        .as_deref()
        .is_some_and(|d| d.trim().is_empty())
    {
        return Err(SelectionError::EmptyDirectory {
            known: suggest::list_some(&catalog.set_names(), None, NAMES_LISTED),
        });
    }

    for name in &explicit {
        if !names.contains(name) {
            let hint = suggest::did_you_mean(names.iter().map(String::as_str), name)
                .map(|m| format!(" (did you mean `{m}`?)"))
                .unwrap_or_default();
            return Err(SelectionError::UnknownDatabase {
                name: name.clone(),
                hint,
                known: suggest::list_some(&names, Some(name), NAMES_LISTED),
            });
        }
    }
    let mut builder = GlobSetBuilder::new();
    for pattern in &patterns {
        let glob = Glob::new(pattern).map_err(|e| SelectionError::BadPattern {
            pattern: pattern.clone(),
            message: e.kind().to_string(),
        })?;
        builder.add(glob);
    }
    let matcher = builder.build().map_err(|e| SelectionError::BadPattern {
        pattern: patterns.join(","),
        message: e.to_string(),
    })?;
    let by_pattern: Vec<&String> = names
        .iter()
        .filter(|n| matcher.is_match(n.as_str()))
        .collect();
    if !patterns.is_empty() && by_pattern.is_empty() {
        return Err(SelectionError::NoMatch {
            known: suggest::list_some(&names, patterns.first().map(String::as_str), NAMES_LISTED),
            patterns: patterns.join(", "),
        });
    }

    let set = match &request.directory {
        None => None,
        Some(dir) => {
            if catalog.set(dir).is_none() {
                let sets = catalog.set_names();
                let hint = suggest::did_you_mean(sets.iter().map(String::as_str), dir)
                    .map(|m| format!(" (did you mean `{m}`?)"))
                    .unwrap_or_default();
                return Err(SelectionError::UnknownSet {
                    name: dir.clone(),
                    hint,
                    path: catalog.root.join(dir).display().to_string(),
                    known: suggest::list_some(&sets, Some(dir), NAMES_LISTED),
                });
            }
            Some(dir.clone())
        }
    };
    let chosen_set = set.as_deref().and_then(|s| catalog.set(s));
    // A set that declares no targets goes where the operator explicitly says, nowhere else.
    let undeclared = chosen_set.is_some_and(|s| !s.declares_targets());
    let targeted = |db: &str| match chosen_set {
        None => true,
        Some(_) if undeclared => true,
        Some(s) => s.targets(db),
    };

    let specified = !explicit.is_empty() || !patterns.is_empty() || request.all;
    if undeclared && !specified {
        let name = set.clone().unwrap_or_default();
        return Err(SelectionError::UndeclaredTargets {
            path: catalog
                .root
                .join(&name)
                .join(crate::catalog::SET_FILE)
                .display()
                .to_string(),
            set: name,
        });
    }
    let chosen: Vec<String> = if request.all {
        names.clone()
    } else if specified {
        names
            .iter()
            .filter(|n| explicit.contains(n) || by_pattern.contains(n))
            .cloned()
            .collect()
    } else if set.is_some() {
        // `up --directory cross_service` alone: every database the set targets.
        names.iter().filter(|n| targeted(n)).cloned().collect()
    } else {
        match when_unspecified {
            WhenUnspecified::WholeFleet => names.clone(),
            WhenUnspecified::DefaultDatabase => match config.default_database() {
                Some(db) => vec![db.to_owned()],
                None => match &config.default_database_problem {
                    Some(problem) => return Err(SelectionError::BadDefault(problem.clone())),
                    None => return Err(SelectionError::NothingSelected),
                },
            },
        }
    };

    let (mut databases, not_targeted): (Vec<String>, Vec<String>) =
        chosen.into_iter().partition(|db| targeted(db));
    if databases.is_empty()
        && let Some(set_name) = &set
    {
        let targets = match catalog.set(set_name) {
            // A set.yaml that does not parse leaves no targets: say why, not just "none".
            Some(s) if !s.problems.is_empty() => {
                format!(
                    "none it could read, the set has problems: {}",
                    s.problems.join("; ")
                )
            }
            Some(crate::catalog::MigrationSet {
                kind: crate::catalog::SetKind::Shared { targets, .. },
                ..
            }) => targets.join(", "),
            _ => set_name.clone(),
        };
        return Err(SelectionError::NotTargeted {
            set: set_name.clone(),
            selected: not_targeted.join(", "),
            targets,
        });
    }
    let selected = databases.len();
    if let Some(shard) = request.shard {
        databases = shard.share(databases);
    }
    Ok(Selection {
        other_shards: selected - databases.len(),
        databases,
        set,
        not_targeted,
    })
}
