//! What a migration will do to a live database, said before it runs: statements that
//! destroy data, take locks that stop a busy table, or break the release still running.
//! Offline and engine-free: the rules read the statements the splitter yields, as words
//! (a tokenizer, not a SQL parser), and on PostgreSQL squawk's linter parses each one.
//!
//! Each finding names its rule, so a statement can silence it with a comment on the line
//! before it or at its end: `-- dbfleet:allow drop-column the app stopped reading it in
//! 4.2` (a reason is required), and a project with `migrator.lint_allow`.

mod compatibility;
mod destructive;
mod locking;
mod mysql_versions;
mod squawk;
mod summary;
mod table;

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;

use crate::catalog::{MigrationSet, Script, Statement, needs_autocommit, statement_tokens};
use crate::dialect::Dialect;

pub use mysql_versions::{ServerVersion, advise_for_server};
pub use summary::{Category, confirmation_summary, fleet_size_lines};
pub use table::{TableRef, TableSize};

/// The comment that silences a rule for one statement: `-- dbfleet:allow <rule> <reason>`.
pub const ALLOW_DIRECTIVE: &str = "dbfleet:allow";

/// Every rule's name, as `-- dbfleet:allow` and `migrator.lint_allow` write it.
pub fn rule_names() -> impl Iterator<Item = &'static str> {
    OTHER_RULES.iter().chain(locking::RULES).copied()
}

/// The rules that are not about locking (those are `locking::RULES`).
const OTHER_RULES: &[&str] = &[
    "drop-table",
    "drop-column",
    "drop-schema",
    "drop-database",
    "truncate",
    "delete-without-where",
    "update-without-where",
    "missing-lock-timeout",
    "table-rebuild",
    "rename-column",
    "rename-table",
    "no-transaction",
    "allow-without-reason",
    "allow-unknown-rule",
];

/// The rules whose cost grows with the table: what the statement does to it, for the line
/// that says how large the table is in each database (`plan`, `--dry-run`).
const SIZED: &[(&str, &str)] = &[
    ("index-without-concurrently", "builds an index on"),
    ("unique-without-index", "builds an index on"),
    ("add-primary-key", "builds an index on"),
    ("add-index", "builds an index on"),
    ("volatile-default", "rewrites"),
    ("column-type-change", "rewrites"),
    ("set-not-null", "scans"),
    ("constraint-without-not-valid", "scans"),
    ("alter-without-algorithm", "may rebuild"),
    // SQLite's `table-rebuild` is a whole migration's pattern: `locking::rebuild_finding`.
];

/// How much a finding matters: `error` findings can refuse a run (`migrator.lint_refuse`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing a statement will do that the operator should know before it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The name a `-- dbfleet:allow` comment or `migrator.lint_allow` silences it by.
    pub rule: &'static str,
    pub severity: Severity,
    /// The file as the catalog read it (empty for a statement linted on its own).
    pub file: String,
    /// The statement's line in the file (0 for a statement linted on its own).
    pub line: usize,
    /// What the statement does to a live database, in one line.
    pub why: String,
    /// The safer way, in one line.
    pub instead: String,
    /// The existing table whose size decides how long the statement blocks or rewrites
    /// (the rules in `SIZED`), with its size where a plan read it from the database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affects: Option<Affected>,
    /// What the database's server version makes of the statement (MySQL/MariaDB's ALTER
    /// TABLE algorithms), where a plan read the version: `MariaDB 10.11.6: ADD COLUMN is
    /// INSTANT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_advice: Option<String>,
}

/// The table a size-dependent finding is about, and, in a plan, what its database says of
/// it. Offline (`dbfleet lint`) only `action` and `table` are known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Affected {
    /// `rewrites`, `builds an index on`, `scans`, `rebuilds`, `may rebuild`.
    pub action: &'static str,
    /// As the statement names it, lower-cased: `orders`, `shop.orders`.
    pub table: String,
    #[serde(skip)]
    pub target: TableRef,
    /// Whether the table is there in the database planned: a table an earlier pending
    /// migration creates is not, and has no size to count. Absent when not read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
    /// Its size there, as the catalog estimates it; absent when not read, when the table
    /// is not there, or when the database cannot say (SQLite without `dbstat`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<TableSize>,
}

impl Affected {
    fn new(action: &'static str, target: TableRef) -> Affected {
        Affected {
            action,
            table: target.shown(),
            target,
            exists: None,
            size: None,
        }
    }
}

impl Finding {
    fn new(
        rule: &'static str,
        severity: Severity,
        why: impl Into<String>,
        instead: impl Into<String>,
    ) -> Finding {
        Finding {
            rule,
            severity,
            file: String::new(),
            line: 0,
            why: why.into(),
            instead: instead.into(),
            affects: None,
            server_advice: None,
        }
    }

    fn at(mut self, file: &str, line: usize) -> Finding {
        file.clone_into(&mut self.file);
        self.line = line;
        self
    }

    /// The finding with its file as the operator wrote it: relative to `base` (the
    /// config's folder) when inside it.
    pub fn relative_to(mut self, base: &Path) -> Finding {
        if let Ok(inside) = Path::new(&self.file).strip_prefix(base) {
            self.file = inside.display().to_string();
        }
        self
    }

    /// What kind of harm the finding is about, as the run's confirmation counts them.
    pub fn category(&self) -> Category {
        Category::of(self.rule)
    }

    /// `severity rule: why (instead: ...)`, then what the plan read of the database: the
    /// table's size there, what the server's version does.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} {}: {} (instead: {})",
            self.severity, self.rule, self.why, self.instead
        );
        if let Some(advice) = &self.server_advice {
            text.push_str(&format!(" [{advice}]"));
        }
        if let Some(affected) = &self.affects {
            match (affected.exists, &affected.size) {
                (Some(true), Some(size)) => {
                    text.push_str(&format!(" [{} here: {}]", affected.table, size.words()))
                }
                (Some(false), _) => {
                    text.push_str(&format!(" [{} is not there yet]", affected.table))
                }
                _ => {}
            }
        }
        text
    }

    /// `file:line: severity rule: why (instead: ...)`
    pub fn located(&self) -> String {
        format!("{}:{}: {}", self.file, self.line, self.summary())
    }
}

/// What the statements before this one in the same migration did.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Tables created earlier in the migration, upper-cased without schema: locking rules
    /// do not apply to a table nobody uses yet.
    pub created: BTreeSet<String>,
    /// Tables dropped earlier in the migration (SQLite's rebuild renames a new one there).
    pub dropped: BTreeSet<String>,
}

/// The findings of one statement in `dialect`, `context` saying what came before it in
/// its migration. `file` and `line` are left for the caller.
pub fn lint_statement(sql: &str, dialect: Dialect, context: &Context) -> Vec<Finding> {
    let parsed = Sql::new(sql, dialect);
    let mut found = Vec::new();
    destructive::check(&parsed, dialect, &mut found);
    locking::check(&parsed, dialect, context, &mut found);
    compatibility::check(&parsed, dialect, &mut found);
    if dialect == Dialect::Postgres {
        found.retain(|f| !squawk::COVERS.contains(&f.rule));
        found.extend(squawk::lint(sql));
    }
    // A table created in this migration is empty and unused: nothing to lock or rebuild.
    if parsed
        .target_table()
        .is_some_and(|table| context.created.contains(&table))
    {
        found.retain(|f| !locking::RULES.contains(&f.rule));
    }
    if let Some(target) = parsed.target_ref() {
        for finding in &mut found {
            if let Some((_, action)) = SIZED.iter().find(|(rule, _)| *rule == finding.rule) {
                finding.affects = Some(Affected::new(action, target.clone()));
            }
        }
    }
    if let Some(keywords) = needs_autocommit(sql, dialect) {
        found.push(Finding::new(
            "no-transaction",
            Severity::Info,
            format!(
                "{keywords} cannot run inside a transaction block: dbfleet runs this migration outside one, statement by statement, recording its progress after each"
            ),
            "keep such statements in a migration of their own, so a failure leaves nothing half-done beside them",
        ));
    }
    found
}

/// The findings of one script (a migration's up file for `dialect`), located and with the
/// file's `-- dbfleet:allow` comments applied.
pub fn lint_script(script: &Script, dialect: Dialect) -> Vec<Finding> {
    match script.statements(dialect) {
        Ok(statements) => lint_statements(
            &statements,
            &script.sql,
            script.first_line,
            &script.path.display().to_string(),
            dialect,
        ),
        // The catalog has said it already: the set does not run.
        Err(_) => Vec::new(),
    }
}

/// The findings of every migration's up script in `set` for `dialect`, in order.
pub fn lint_set(set: &MigrationSet, dialect: Dialect) -> Vec<Finding> {
    set.migrations
        .iter()
        .filter_map(|m| m.up.for_dialect(dialect))
        .flat_map(|script| lint_script(script, dialect))
        .collect()
}

/// What is wrong with `allowed` (`migrator.lint_allow`): each name that is no rule, which
/// silences nothing, in words with the rule it most likely meant.
pub fn unknown_allowed(allowed: &[String]) -> Vec<String> {
    allowed
        .iter()
        .filter(|rule| !rule_names().any(|name| name == rule.as_str()))
        .map(|rule| {
            format!(
                "`{rule}` is no lint rule, so it silences nothing{}",
                crate::suggest::did_you_mean(rule_names(), rule)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default()
            )
        })
        .collect()
}

/// Leaves out the findings whose rule `allowed` names (`migrator.lint_allow`).
pub fn without_allowed(findings: Vec<Finding>, allowed: &[String]) -> Vec<Finding> {
    findings
        .into_iter()
        .filter(|f| !allowed.iter().any(|a| a == f.rule))
        .collect()
}

/// The findings of `statements` of one file whose text is `text` (starting at the file's
/// line `first_line`).
fn lint_statements(
    statements: &[Statement],
    text: &str,
    first_line: usize,
    file: &str,
    dialect: Dialect,
) -> Vec<Finding> {
    let lines: Vec<&str> = text.lines().collect();
    let line_at = |n: usize| lines.get(n.wrapping_sub(first_line)).copied();
    let mut context = Context::default();
    let mut lock_timeout = false;
    let mut warned_lock_timeout = false;
    let mut found = Vec::new();
    for statement in statements {
        let parsed = Sql::new(&statement.sql, dialect);
        let mut here = lint_statement(&statement.sql, dialect, &context);
        if dialect == Dialect::Postgres {
            lock_timeout |= parsed.sets_lock_timeout();
            if !lock_timeout
                && !warned_lock_timeout
                && parsed
                    .target_table()
                    .is_some_and(|t| !context.created.contains(&t))
                && locking::takes_table_lock(&parsed)
            {
                warned_lock_timeout = true;
                here.push(locking::missing_lock_timeout());
            }
        }
        if let Some(rebuilt) = locking::sqlite_rebuild(&parsed, dialect, &context) {
            // The rebuild's DROP of the old table is part of it, not a loss of data.
            found.retain(|f: &Finding| !(f.rule == "drop-table" && f.why.contains(&rebuilt)));
            // Its closing rename gives the old name back.
            here.retain(|f| f.rule != "rename-table");
            here.push(locking::rebuild_finding(&rebuilt));
        }
        parsed.note(&mut context);
        // The comments that speak for this statement: those on the lines right above its
        // first word and those on its own lines, the one after its `;` included.
        let last = statement.line + statement.sql.lines().count().saturating_sub(1)
            - leading_comment_lines(&statement.sql);
        let mut comment_lines = Vec::new();
        let mut above = statement.line.saturating_sub(1);
        while let Some(text) = line_at(above).map(str::trim_start) {
            if !(text.starts_with("--") || text.starts_with('#') || text.starts_with("/*")) {
                break;
            }
            comment_lines.push(text);
            above -= 1;
        }
        comment_lines.extend((statement.line..=last).filter_map(line_at));
        let allows: Vec<(String, bool)> = comment_lines
            .iter()
            .filter_map(|line| allow_in(line))
            .collect();
        for finding in here {
            let finding = finding.at(file, statement.line);
            match allows.iter().find(|(rule, _)| rule == finding.rule) {
                Some((_, true)) => {}
                Some((rule, false)) => {
                    found.push(
                        Finding::new(
                            "allow-without-reason",
                            Severity::Warning,
                            format!(
                                "`-- {ALLOW_DIRECTIVE} {rule}` gives no reason, so it silences nothing"
                            ),
                            format!(
                                "say why after the rule's name: `-- {ALLOW_DIRECTIVE} {rule} <reason>`"
                            ),
                        )
                        .at(file, statement.line),
                    );
                    found.push(finding);
                }
                None => found.push(finding),
            }
        }
    }
    found.extend(unknown_allows(text, first_line, file));
    // Stable: a statement's own findings keep their order.
    found.sort_by_key(|f| f.line);
    found
}

/// A `dbfleet:allow` comment naming no rule silences nothing: a warning on its own line
/// for each, with the rule it most likely meant.
fn unknown_allows(text: &str, first_line: usize, file: &str) -> Vec<Finding> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let (rule, _) = allow_in(line)?;
            if rule_names().any(|name| name == rule) {
                return None;
            }
            let instead = match crate::suggest::did_you_mean(rule_names(), &rule) {
                Some(meant) => format!(
                    "did you mean `{meant}`? `dbfleet lint` lists the rules in its findings"
                ),
                None => {
                    "name a rule a finding shows (`dbfleet lint` prints them), e.g. `drop-column`"
                        .to_owned()
                }
            };
            Some(
                Finding::new(
                    "allow-unknown-rule",
                    Severity::Warning,
                    format!(
                        "`-- {ALLOW_DIRECTIVE} {rule}` names no lint rule, so it silences nothing"
                    ),
                    instead,
                )
                .at(file, first_line + i),
            )
        })
        .collect()
}

/// How many of the first lines of a statement's text are comments before its first word:
/// the statement's `line` is where its first word is.
fn leading_comment_lines(sql: &str) -> usize {
    sql.lines()
        .take_while(|l| {
            let l = l.trim_start();
            l.is_empty() || l.starts_with("--") || l.starts_with('#')
        })
        .count()
}

/// `(rule, has a reason)` of a `dbfleet:allow` comment in `line`.
fn allow_in(line: &str) -> Option<(String, bool)> {
    let at = line.find(ALLOW_DIRECTIVE)?;
    let rest = line[at + ALLOW_DIRECTIVE.len()..].trim_end_matches("*/");
    let mut words = rest.split_whitespace();
    let rule = words.next()?.to_owned();
    Some((rule, words.next().is_some()))
}

/// A statement as tokens: words upper-cased, a quoted identifier as its text, a string
/// literal as `'`, punctuation as itself, `schema.table` joined into one.
pub(crate) struct Sql {
    tokens: Vec<String>,
}

impl Sql {
    pub(crate) fn new(sql: &str, dialect: Dialect) -> Sql {
        let mut tokens: Vec<String> = Vec::new();
        let mut raw = statement_tokens(sql, dialect).into_iter().peekable();
        while let Some(token) = raw.next() {
            let joins = token == "."
                && tokens.last().is_some_and(|t| is_name(t))
                && raw.peek().is_some_and(|t| is_name(t));
            match (joins, tokens.last_mut(), raw.next_if(|_| joins)) {
                (true, Some(last), Some(next)) => {
                    last.push('.');
                    last.push_str(&next);
                }
                _ => tokens.push(token),
            }
        }
        Sql { tokens }
    }

    fn word(&self, i: usize) -> &str {
        self.tokens.get(i).map(String::as_str).unwrap_or("")
    }

    /// Whether the statement starts with `words`.
    fn starts(&self, words: &[&str]) -> bool {
        words.iter().enumerate().all(|(i, w)| self.word(i) == *w)
    }

    fn has(&self, word: &str) -> bool {
        self.tokens.iter().any(|t| t == word)
    }

    /// The index after optional `IF [NOT] EXISTS` / `ONLY` at `i`.
    fn skip_optional(&self, mut i: usize) -> usize {
        while matches!(self.word(i), "IF" | "NOT" | "EXISTS" | "ONLY") {
            i += 1;
        }
        i
    }

    /// The name at `i` (after `IF EXISTS`, `ONLY`), without its schema.
    fn name_at(&self, i: usize) -> Option<String> {
        let name = self.word(self.skip_optional(i));
        is_name(name).then(|| bare(name))
    }

    /// `CREATE [TEMP | UNLOGGED ...] TABLE name`: the index of `TABLE`.
    fn create_table_at(&self) -> Option<usize> {
        if self.word(0) != "CREATE" {
            return None;
        }
        (1..5)
            .take_while(|&i| {
                matches!(
                    self.word(i),
                    "TABLE"
                        | "GLOBAL"
                        | "LOCAL"
                        | "TEMP"
                        | "TEMPORARY"
                        | "UNLOGGED"
                        | "OR"
                        | "REPLACE"
                )
            })
            .find(|&i| self.word(i) == "TABLE")
    }

    /// The table an `ALTER TABLE`, `CREATE INDEX ... ON`, `DROP TABLE` or `TRUNCATE`
    /// works on, without its schema.
    pub(crate) fn target_table(&self) -> Option<String> {
        self.target_qualified().map(|name| bare(&name))
    }

    /// The target table as the statement names it (`SHOP.ORDERS`), lower-cased, for the
    /// database's catalog to find.
    fn target_ref(&self) -> Option<TableRef> {
        let name = self.target_qualified()?.to_lowercase();
        Some(match name.rsplit_once('.') {
            Some((schema, table)) => TableRef {
                schema: Some(schema.to_owned()),
                name: table.to_owned(),
            },
            None => TableRef { schema: None, name },
        })
    }

    fn target_qualified(&self) -> Option<String> {
        let at = if self.starts(&["ALTER", "TABLE"]) || self.starts(&["DROP", "TABLE"]) {
            2
        } else if self.word(0) == "CREATE" && self.is_create_index() {
            self.tokens.iter().position(|t| t == "ON")? + 1
        } else if self.word(0) == "TRUNCATE" {
            usize::from(self.word(1) == "TABLE") + 1
        } else {
            return None;
        };
        let name = self.word(self.skip_optional(at));
        is_name(name).then(|| name.to_owned())
    }

    fn is_create_index(&self) -> bool {
        self.word(0) == "CREATE"
            && (1..4).any(|i| self.word(i) == "INDEX")
            && (1..4).all(|i| !matches!(self.word(i), "TABLE" | "VIEW" | "FUNCTION"))
    }

    /// The actions of an `ALTER TABLE name a, b, ...`, each as its tokens.
    fn alter_actions(&self) -> Vec<&[String]> {
        if !self.starts(&["ALTER", "TABLE"]) {
            return Vec::new();
        }
        let start = self.skip_optional(2) + 1;
        let mut actions = Vec::new();
        let mut depth = 0usize;
        let mut from = start;
        for (i, token) in self.tokens.iter().enumerate().skip(start) {
            match token.as_str() {
                "(" => depth += 1,
                ")" => depth = depth.saturating_sub(1),
                "," if depth == 0 => {
                    actions.push(&self.tokens[from..i]);
                    from = i + 1;
                }
                _ => {}
            }
        }
        if from < self.tokens.len() {
            actions.push(&self.tokens[from..]);
        }
        actions
    }

    /// `SET [LOCAL | SESSION] lock_timeout`, or `set_config('lock_timeout', ...)` (which
    /// the tokens only see as a call: taken as setting it).
    fn sets_lock_timeout(&self) -> bool {
        (self.word(0) == "SET"
            && (self.word(1) == "LOCK_TIMEOUT" || self.word(2) == "LOCK_TIMEOUT"))
            || self.has("SET_CONFIG")
    }

    /// Records what this statement creates and drops in `context`.
    fn note(&self, context: &mut Context) {
        if let Some(table) = self.create_table_at().and_then(|i| self.name_at(i + 1)) {
            context.created.insert(table);
        } else if self.starts(&["DROP", "TABLE"]) {
            let mut i = self.skip_optional(2);
            while let Some(name) = self.tokens.get(i).filter(|t| is_name(t)) {
                context.dropped.insert(bare(name));
                if self.word(i + 1) != "," {
                    break;
                }
                i += 2;
            }
        }
    }
}

/// Not punctuation nor a string literal.
fn is_name(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_' || !c.is_ascii())
}

/// `PUBLIC.ORDERS` → `ORDERS`.
fn bare(name: &str) -> String {
    name.rsplit('.').next().unwrap_or(name).to_owned()
}

#[cfg(test)]
mod tests;
