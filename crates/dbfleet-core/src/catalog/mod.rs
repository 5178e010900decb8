//! The migrations on disk: sets of versioned `.up.sql` / `.down.sql` files.
//!
//! A folder named like a configured database is that database's own set; any other folder
//! is a shared set (the seed's `cross_service`) whose targets are declared in the config's
//! `sets:` or in a `set.yaml` beside its files. Problems inside one set (a badly named
//! file, a duplicate version, a version too large to record) stay attached to that set, and
//! problems of the files one dialect runs (a file it cannot split, a statement that controls
//! the transaction) to that set and dialect, so they break only the databases that use them.
//! Files that look meant as migrations but are not read are the set's warnings.

mod autocommit;
mod control;
mod create;
pub mod formats;
pub mod splitter;
mod version;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

pub use autocommit::{
    leaves_session_alone, may_touch_transactions, needs_autocommit, only_changes_rows,
};
pub use control::{TransactionControl, statement_tokens, transaction_control};
pub use create::{CreateError, create_in_format, create_migration};
pub use formats::{Format, atlas_sum};
pub use splitter::{SplitError, Statement, split_statements};
pub use version::Version;

use formats::{FolderFile, FolderRead, Reading, stray_at_root};

use crate::config::Config;
use crate::dialect::Dialect;

/// A comment line that makes a migration run outside a transaction, for statements such
/// as PostgreSQL's `CREATE INDEX CONCURRENTLY`.
pub const NO_TRANSACTION_DIRECTIVE: &str = "-- dbfleet:no-transaction";

/// A comment line that says a file has no statements on purpose: a down with nothing to
/// undo (without it an empty `.down.sql` makes the migration irreversible), or an up that
/// only does something in a dialect variant.
pub const EMPTY_DIRECTIVE: &str = "-- dbfleet:empty";

/// The file beside a set's migrations that declares which databases it targets (a shared
/// set) and how its folder is written (`format:`, any set).
pub const SET_FILE: &str = "set.yaml";

#[derive(Debug, Clone)]
pub struct Catalog {
    pub root: PathBuf,
    pub sets: Vec<MigrationSet>,
    /// Files directly in the migrations folder that look meant as migrations (a set's
    /// migrations live in its folder): never read, so said.
    pub warnings: Vec<String>,
    /// `root` itself is the one database's own set (`Config::flat_folder`).
    pub flat: bool,
}

#[derive(Debug, Clone)]
pub struct MigrationSet {
    pub name: String,
    pub kind: SetKind,
    /// Sorted by version.
    pub migrations: Vec<Migration>,
    /// What is wrong with the set's files on every engine; a set with problems is not run.
    pub problems: Vec<String>,
    /// What is wrong with the files one dialect runs (one it cannot split, a statement that
    /// controls the transaction): the set is not run on databases of that dialect. See
    /// `problems_for`.
    pub dialect_problems: BTreeMap<Dialect, Vec<String>>,
    /// Files in the set's folder that look meant as migrations but are not read (`.SQL`, a
    /// trailing space, a subfolder): shown, never refused.
    pub warnings: Vec<String>,
    /// Files knowingly left unread: another engine's variants (pop's `.cockroach.`). Said by
    /// `validate`, not on every run: nothing is wrong with them.
    pub notes: Vec<String>,
    /// How the folder is written: declared, or detected from its files.
    pub format: Format,
    /// Every `.sql` file that fits no migration name of the format, with why: the problems
    /// say them one by one, or in one line when there are many (`dbfleet status` for one
    /// database lists them all).
    pub unmatched: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum SetKind {
    /// The folder of the configured database of the same name.
    Own,
    /// Applied to every database its targets match.
    Shared {
        targets: Vec<String>,
        matcher: GlobSet,
        declared: TargetsDeclared,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetsDeclared {
    InConfig,
    BesideTheSet,
    /// Nothing declares targets: the set applies only to the databases an operator names
    /// explicitly (`-d`, `--databases`, `--patterns`, `--all`), and status shows it only
    /// where it has been applied. A folder left behind by a decommissioned service must
    /// not become pending everywhere.
    Nowhere,
}

#[derive(Debug, Clone)]
pub struct Migration {
    pub set: String,
    pub version: Version,
    /// The version as the file name writes it (`001`), for display.
    pub version_text: String,
    pub name: String,
    pub up: Scripts,
    pub down: Scripts,
}

/// The files of one direction of a migration: the plain one and dialect variants.
#[derive(Debug, Clone, Default)]
pub struct Scripts {
    pub plain: Option<Script>,
    pub variants: BTreeMap<Dialect, Script>,
}

#[derive(Debug, Clone)]
pub struct Script {
    pub path: PathBuf,
    pub sql: Arc<str>,
    /// SHA-256 of the exact text that runs, hex.
    pub checksum: String,
    pub no_transaction: bool,
    /// The file has the `-- dbfleet:empty` line: no statements is what it means.
    pub empty_on_purpose: bool,
    /// The dialects in which the file has no statement at all (nothing, or only comments).
    pub blank_in: Vec<Dialect>,
    /// The file's line `sql` starts at: 1, or where the section starts in a file that
    /// holds both directions (goose, dbmate).
    pub first_line: usize,
    /// Byte ranges of `sql` that are one statement each as written, never split (goose's
    /// `StatementBegin` … `StatementEnd` blocks).
    pub whole: Vec<std::ops::Range<usize>>,
    /// The format of the folder the file was read from.
    pub format: Format,
}

impl Scripts {
    /// The file that runs on `dialect`: its variant if there is one, else the plain file.
    pub fn for_dialect(&self, dialect: Dialect) -> Option<&Script> {
        self.variants.get(&dialect).or(self.plain.as_ref())
    }

    pub fn is_empty(&self) -> bool {
        self.plain.is_none() && self.variants.is_empty()
    }

    fn for_dialect_mut(&mut self, dialect: Dialect) -> Option<&mut Script> {
        match self.variants.get_mut(&dialect) {
            Some(variant) => Some(variant),
            None => self.plain.as_mut(),
        }
    }
}

impl Migration {
    /// `cross_service/001_add_distributed_locks`
    pub fn id(&self) -> String {
        format!("{}/{}_{}", self.set, self.version_text, self.name)
    }

    /// Whether `down` can revert it on `dialect`: there is a `.down.sql` for it, and one
    /// with a statement in it or the `-- dbfleet:empty` line. A down left empty (what
    /// `dbfleet create` writes) would delete the row and leave the schema.
    pub fn reversible(&self, dialect: Dialect) -> bool {
        self.down
            .for_dialect(dialect)
            .is_some_and(|down| !down.blank_by_mistake(dialect))
    }
}

impl Script {
    /// The statements as they run: split at top-level terminators, blocks kept whole, line
    /// numbers the file's. A `BEGIN` … `COMMIT` pair around the whole of a file written for
    /// a tool that ran files as they are is left out where dbfleet's own transaction holds
    /// the file (see `Format::runs_files_as_written`).
    pub fn statements(&self, dialect: Dialect) -> Result<Vec<Statement>, SplitError> {
        let mut statements = Vec::new();
        let mut at = 0;
        let end = self.sql.len();
        for block in self.whole.iter().chain(std::iter::once(&(end..end))) {
            let lines_before = self.first_line - 1 + self.sql[..at].matches('\n').count();
            let between = self.sql.get(at..block.start).unwrap_or_default();
            for mut statement in
                split_statements(between, dialect).map_err(|e| e.shifted(lines_before))?
            {
                statement.line += lines_before;
                statements.push(statement);
            }
            let text = self.sql.get(block.clone()).unwrap_or_default();
            let trimmed = text.trim();
            if !trimmed.is_empty() {
                let blank_lines = text[..text.len() - text.trim_start().len()]
                    .matches('\n')
                    .count();
                statements.push(Statement {
                    sql: trimmed
                        .strip_suffix(';')
                        .unwrap_or(trimmed)
                        .trim_end()
                        .to_owned(),
                    line: self.first_line
                        + self.sql[..block.start].matches('\n').count()
                        + blank_lines,
                });
            }
            at = block.end.max(at);
        }
        if self.format.runs_files_as_written()
            && dialect.transactional_ddl()
            && !self.no_transaction
        {
            strip_wrapping_transaction(&mut statements, dialect);
        }
        Ok(statements)
    }

    /// No statement in `dialect` (nothing, or only comments).
    pub fn is_blank(&self, dialect: Dialect) -> bool {
        self.blank_in.contains(&dialect)
    }

    /// No statement in `dialect`, and no `-- dbfleet:empty` line saying that is the point.
    pub fn blank_by_mistake(&self, dialect: Dialect) -> bool {
        self.is_blank(dialect) && !self.empty_on_purpose
    }
}

impl MigrationSet {
    pub fn declares_targets(&self) -> bool {
        !matches!(
            self.kind,
            SetKind::Shared {
                declared: TargetsDeclared::Nowhere,
                ..
            }
        )
    }

    pub fn is_shared(&self) -> bool {
        matches!(self.kind, SetKind::Shared { .. })
    }

    pub fn targets(&self, database: &str) -> bool {
        match &self.kind {
            SetKind::Own => self.name == database,
            SetKind::Shared { matcher, .. } => matcher.is_match(database),
        }
    }

    pub fn migration(&self, version: &Version) -> Option<&Migration> {
        self.migrations.iter().find(|m| &m.version == version)
    }

    /// Every problem that stops the set on a database of `dialect`.
    pub fn problems_for(&self, dialect: Dialect) -> Vec<String> {
        self.problems
            .iter()
            .chain(self.dialect_problems.get(&dialect).into_iter().flatten())
            .cloned()
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The cause is not in the words (see `ConfigError::Read`).
    #[error("cannot read migrations folder {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A mistyped `migrations_dir` must not read as "every database up to date".
    #[error(
        "the migrations folder {} does not exist (migrator.migrations_dir); create it, or start one with `dbfleet create NAME -d DATABASE`",
        path.display()
    )]
    MissingRoot { path: PathBuf },
}

/// `set.yaml`: a shared set's targets, and any set's format.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetFile {
    #[serde(default)]
    targets: Option<Vec<String>>,
    #[serde(default)]
    format: Option<Format>,
}

impl Catalog {
    /// Reads every set under the config's `migrations_dir`, which must exist.
    pub fn load(config: &Config) -> Result<Catalog, CatalogError> {
        let root = config.migrations_dir();
        let mut sets = Vec::new();
        let mut warnings = Vec::new();
        let entries = match std::fs::read_dir(&root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(CatalogError::MissingRoot { path: root });
            }
            Err(source) => return Err(CatalogError::Read { path: root, source }),
        };
        if config.flat_folder
            && let [only] = config.database_names().as_slice()
        {
            let set = load_set(config, std::slice::from_ref(only), &root, only.clone());
            return Ok(Catalog {
                root,
                sets: vec![set],
                warnings,
                flat: true,
            });
        }
        let mut folders = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| CatalogError::Read {
                path: root.clone(),
                source,
            })?;
            if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                folders.push(entry.path());
            } else if let Some(why) = stray_at_root(&entry.file_name().to_string_lossy()) {
                warnings.push(format!("{}: {why}", shown(&entry.path(), config)));
            }
        }
        folders.sort();
        warnings.sort();
        let databases = config.database_names();
        for folder in folders {
            let Some(name) = folder
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_owned)
            else {
                warnings.push(format!(
                    "{}: not read: a set's folder name must be valid UTF-8",
                    shown(&folder, config)
                ));
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            sets.push(load_set(config, &databases, &folder, name));
        }
        Ok(Catalog {
            root,
            sets,
            warnings,
            flat: false,
        })
    }

    /// Where set `name`'s files are (or go, for `create`).
    pub fn folder(&self, name: &str) -> PathBuf {
        if self.flat {
            self.root.clone()
        } else {
            self.root.join(name)
        }
    }

    pub fn set(&self, name: &str) -> Option<&MigrationSet> {
        self.sets.iter().find(|s| s.name == name)
    }

    pub fn set_names(&self) -> Vec<String> {
        self.sets.iter().map(|s| s.name.clone()).collect()
    }

    pub fn shared_sets(&self) -> impl Iterator<Item = &MigrationSet> {
        self.sets.iter().filter(|s| s.is_shared())
    }

    /// The sets that apply to `database`: its own first, then the shared sets targeting it.
    pub fn sets_for(&self, database: &str) -> Vec<&MigrationSet> {
        let own = self
            .sets
            .iter()
            .filter(|s| !s.is_shared() && s.name == database);
        let shared = self.shared_sets().filter(|s| s.targets(database));
        own.chain(shared).collect()
    }
}

/// A path as the operator wrote it: relative to the config's folder when it is inside it.
fn shown(path: &Path, config: &Config) -> String {
    path.strip_prefix(&config.base_dir)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn load_set(config: &Config, databases: &[String], folder: &Path, name: String) -> MigrationSet {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let own = databases.contains(&name);
    let declared = config.sets.get(&name);
    let set_file_path = folder.join(SET_FILE);
    // `None`: no set.yaml; `Some(None)`: one that does not read (said as a problem).
    let set_file = std::fs::read_to_string(&set_file_path).ok().map(|text| {
        serde_saphyr::from_str::<SetFile>(&text)
            .map_err(|e| {
                let set_file = shown(&set_file_path, config);
                let rendered = e.to_string().replace("<input>", &set_file);
                problems.push(format!("{set_file}: {rendered}"));
            })
            .ok()
    });
    let kind = if own {
        if set_file
            .as_ref()
            .is_some_and(|f| f.as_ref().is_some_and(|f| f.targets.is_some()))
        {
            warnings.push(format!(
                "{}: not read: set.yaml declares the targets of a shared set, and this folder is a database's own set",
                shown(&set_file_path, config)
            ));
        }
        SetKind::Own
    } else {
        let (targets, declared) = match (declared.and_then(|d| d.targets.clone()), &set_file) {
            (Some(targets), _) => (targets, TargetsDeclared::InConfig),
            (
                None,
                Some(Some(SetFile {
                    targets: Some(targets),
                    ..
                })),
            ) => (targets.clone(), TargetsDeclared::BesideTheSet),
            (None, Some(None)) => (Vec::new(), TargetsDeclared::BesideTheSet),
            (None, _) => (Vec::new(), TargetsDeclared::Nowhere),
        };
        let mut builder = GlobSetBuilder::new();
        for target in &targets {
            match Glob::new(target) {
                Ok(glob) => {
                    builder.add(glob);
                }
                Err(e) => problems.push(format!("set {name}: target `{target}`: {e}")),
            }
        }
        let matcher = builder.build().unwrap_or_else(|_| GlobSet::empty());
        SetKind::Shared {
            targets,
            matcher,
            declared,
        }
    };

    let mut entries: Vec<(PathBuf, bool)> = match std::fs::read_dir(folder) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| (e.path(), e.file_type().is_ok_and(|t| t.is_dir())))
            .collect(),
        Err(e) => {
            problems.push(format!("cannot read {}: {e}", shown(folder, config)));
            Vec::new()
        }
    };
    entries.sort();

    let mut files = Vec::new();
    for (path, is_dir) in entries {
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
            warnings.push(format!(
                "{}: not read: its name is not valid UTF-8",
                shown(&path, config)
            ));
            continue;
        };
        if file_name.starts_with('.') {
            continue;
        }
        if is_dir {
            if holds_sql_files(&path) {
                warnings.push(format!(
                    "{}: not read: a set's migrations are the files directly in its folder, and this subfolder holds .sql files",
                    shown(&path, config)
                ));
            }
            continue;
        }
        files.push(FolderFile {
            name: file_name.to_owned(),
            path,
        });
    }
    let declared_format = declared
        .and_then(|d| d.format)
        .or_else(|| set_file.as_ref().and_then(|f| f.as_ref()?.format))
        .or(config.migrator.format);
    let format = match declared_format
        .map(Ok)
        .unwrap_or_else(|| formats::detect(&files))
    {
        Ok(format) => format,
        Err(mixed) => {
            problems.push(format!("{}: {mixed}", shown(folder, config)));
            Format::Dbfleet
        }
    };
    let shown_path = |path: &Path| shown(path, config);
    let mut reading = Reading {
        files: &files,
        shown: &shown_path,
        out: FolderRead::default(),
    };
    if problems
        .iter()
        .all(|p| !p.contains("the folder mixes two formats"))
    {
        formats::read(format, &mut reading);
    }
    let read = reading.out;
    problems.extend(read.problems);
    warnings.extend(read.warnings);
    let notes = read.notes;
    problems.extend(unmatched_problems(
        &read.unmatched,
        format,
        folder,
        &name,
        own,
        config,
    ));
    let unmatched = read
        .unmatched
        .iter()
        .map(|(file, why)| format!("{file}: {why}"))
        .collect();

    let mut migrations: BTreeMap<Version, Migration> = BTreeMap::new();
    for part in read.parts {
        let migration = migrations
            .entry(part.version.clone())
            .or_insert_with(|| Migration {
                set: name.clone(),
                version: part.version.clone(),
                version_text: part.version_text.clone(),
                name: part.name.clone(),
                up: Scripts::default(),
                down: Scripts::default(),
            });
        let scripts = if part.up {
            &mut migration.up
        } else {
            &mut migration.down
        };
        let taken = match part.dialect {
            Some(dialect) => scripts.variants.contains_key(&dialect),
            None => scripts.plain.is_some(),
        };
        if migration.name != part.name || migration.version_text != part.version_text || taken {
            let other = migration
                .up
                .plain
                .iter()
                .chain(migration.up.variants.values())
                .chain(migration.down.plain.iter())
                .chain(migration.down.variants.values())
                .next()
                .map(|s| shown(&s.path, config))
                .unwrap_or_default();
            problems.push(format!(
                "duplicate version {} in set {name}: {other} and {}",
                part.version,
                shown(&part.script.path, config)
            ));
            continue;
        }
        match part.dialect {
            Some(dialect) => {
                scripts.variants.insert(dialect, part.script);
            }
            None => scripts.plain = Some(part.script),
        }
    }
    if format == Format::Pop {
        formats::nothing_elsewhere(&mut migrations);
    }
    for migration in migrations.values() {
        if migration.up.is_empty() {
            problems.push(format!(
                "{}: has a .down.sql but no .up.sql",
                migration.id()
            ));
        }
    }
    warnings.sort();
    let dialect_problems = check_statements(&mut migrations, config);
    MigrationSet {
        name,
        kind,
        migrations: migrations.into_values().collect(),
        problems,
        dialect_problems,
        warnings,
        notes,
        format,
        unmatched,
    }
}

/// More files than this that fit no migration name of the set's format are said in one line.
pub const UNMATCHED_LISTED: usize = 5;

/// The problems of files that fit no migration name: one each, or one line for many.
fn unmatched_problems(
    unmatched: &[(String, String)],
    format: Format,
    folder: &Path,
    set: &str,
    own: bool,
    config: &Config,
) -> Vec<String> {
    if unmatched.len() <= UNMATCHED_LISTED {
        return unmatched
            .iter()
            .map(|(file, why)| {
                format!(
                    "{file}: not a migration of the {format} format ({why}); {}",
                    format.expected()
                )
            })
            .collect();
    }
    let Some((first, why)) = unmatched.first() else {
        return Vec::new();
    };
    let database = if own { set } else { "DATABASE" };
    vec![format!(
        "{} files in {} do not match the {format} format ({}); first: {first} ({why}); see them all with `dbfleet status -d {database}`, or declare the set's `format:` if it is another",
        unmatched.len(),
        shown(folder, config),
        format.expected()
    )]
}

/// Splits every file in each dialect that would run it (its variant, else the plain file)
/// and returns, per dialect, what stops it there: a file that does not split, a statement
/// that controls the transaction. Notes which files have no statement.
fn check_statements(
    migrations: &mut BTreeMap<Version, Migration>,
    config: &Config,
) -> BTreeMap<Dialect, Vec<String>> {
    let mut problems: BTreeMap<Dialect, Vec<String>> = BTreeMap::new();
    for migration in migrations.values_mut() {
        for scripts in [&mut migration.up, &mut migration.down] {
            for dialect in Dialect::ALL {
                let Some(script) = scripts.for_dialect_mut(dialect) else {
                    continue;
                };
                let file = shown(&script.path, config);
                let found = problems.entry(dialect).or_default();
                match script.statements(dialect) {
                    Err(e) => found.push(e.at(&file)),
                    Ok(statements) => {
                        if statements.is_empty() {
                            script.blank_in.push(dialect);
                        }
                        found.extend(statements.iter().filter_map(|statement| {
                            let control = transaction_control(&statement.sql, dialect)?;
                            Some(control_problem(
                                &file,
                                statement.line,
                                &control,
                                dialect,
                                script.no_transaction,
                            ))
                        }));
                    }
                }
            }
        }
    }
    problems.retain(|_, found| !found.is_empty());
    problems
}

/// Why a transaction-control statement is refused, and what to do instead.
fn control_problem(
    file: &str,
    line: usize,
    control: &TransactionControl,
    dialect: Dialect,
    no_transaction: bool,
) -> String {
    let (why, instead) = if no_transaction || !dialect.transactional_ddl() {
        let how = if no_transaction {
            "under `-- dbfleet:no-transaction`"
        } else {
            "on MySQL/MariaDB, whose DDL cannot roll back"
        };
        (
            format!(
                "dbfleet records the progress of a migration run {how} statement by statement, and a transaction of the file's own would make that record wrong"
            ),
            "Remove the statement (if part of the migration must be atomic, make that part a migration of its own)",
        )
    } else {
        (
            "dbfleet runs each migration in one transaction together with its bookkeeping row, so that the row always tells what happened, and a transaction statement in the file breaks that".to_owned(),
            "Remove the statement (for statements that cannot run inside a transaction, put the line `-- dbfleet:no-transaction` in the file instead)",
        )
    };
    format!(
        "{file}:{line}: `{}` {}, and a migration may not control transactions: {why}. {instead}",
        control.keywords, control.effect
    )
}

/// Leaves out a `BEGIN` first and a `COMMIT` last, when nothing else in between controls
/// the transaction: the file then runs as one transaction of dbfleet's, as it did.
fn strip_wrapping_transaction(statements: &mut Vec<Statement>, dialect: Dialect) {
    let controls = |s: &Statement| transaction_control(&s.sql, dialect);
    let [first, middle @ .., last] = statements.as_slice() else {
        return;
    };
    if controls(first).is_some_and(|c| c.opens())
        && controls(last).is_some_and(|c| c.commits())
        && !middle.iter().any(|s| controls(s).is_some())
    {
        statements.pop();
        statements.remove(0);
    }
}

/// Whether a subfolder of a set holds `.sql` files (which would be silently left out).
fn holds_sql_files(folder: &Path) -> bool {
    std::fs::read_dir(folder).is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|e| {
            e.file_name()
                .to_string_lossy()
                .to_ascii_lowercase()
                .contains(".sql")
        })
    })
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests;
