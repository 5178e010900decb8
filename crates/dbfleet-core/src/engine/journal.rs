//! The run journal: one JSON object per line, appended, so an on-call reader can replay
//! who ran what, when, where, and how it ended.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use super::events::RunEvent;

#[derive(Clone)]
pub struct Journal {
    path: PathBuf,
    run_id: String,
    file: Arc<Mutex<Option<std::fs::File>>>,
}

#[derive(Serialize)]
struct Line<'a> {
    at: String,
    /// Left out where the event names its run itself, so no line has the key twice.
    #[serde(skip_serializing_if = "Option::is_none")]
    run_id: Option<&'a str>,
    #[serde(flatten)]
    event: &'a RunEvent,
}

impl Journal {
    pub fn open(path: &Path, run_id: &str) -> std::io::Result<Journal> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Journal {
            path: path.to_owned(),
            run_id: run_id.to_owned(),
            file: Arc::new(Mutex::new(Some(file))),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn append(&self, event: &RunEvent) {
        let names_run = matches!(
            event,
            RunEvent::RunStarted { .. } | RunEvent::RunFinished { .. }
        );
        let run_id = (!names_run).then_some(self.run_id.as_str());
        let line = Line {
            at: super::identity::now_text(),
            run_id,
            event,
        };
        let Ok(mut text) = serde_json::to_string(&line) else {
            return;
        };
        text.push('\n');
        let Ok(mut guard) = self.file.lock() else {
            return;
        };
        if let Some(file) = guard.as_mut()
            && let Err(e) = file.write_all(text.as_bytes())
        {
            // The run itself must go on; say once that the journal stopped.
            tracing::error!("journal {} stopped: {e}", self.path.display());
            *guard = None;
        }
    }
}

/// One entry of `dbfleet history`: a run, or an `unlock` / `resolve` / `restore`, as the journal
/// tells it.
#[derive(Debug, Clone, Serialize)]
pub struct JournalEntry {
    pub run_id: String,
    pub at: String,
    pub by: Option<String>,
    /// The command line of a run; `unlock` / `resolve` for the repairs.
    pub command: String,
    pub direction: Option<String>,
    pub set: Option<String>,
    pub databases: Vec<String>,
    /// Per database: the outcome's label and, when it did not go well, why.
    pub outcomes: Vec<EntryOutcome>,
    pub duration_ms: Option<u64>,
    pub cancelled: bool,
    /// The journal has no end for this run: the process died (or still runs).
    pub unfinished: bool,
    /// What an `unlock` or `resolve` did.
    pub repairs: Vec<String>,
    /// What a run did to locks besides its own: takeovers, locks it could not release.
    pub lock_notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntryOutcome {
    pub database: String,
    pub outcome: String,
    pub detail: Option<String>,
    /// The refusal's or failure's kind (`dirty`, `stale_lock`, ...: `EngineError::kind`);
    /// `None` for journals written before kinds were.
    pub kind: Option<String>,
}

impl EntryOutcome {
    pub fn went_well(&self) -> bool {
        // As `Outcome::lets_dependents_run`: what was asked of the database is done.
        matches!(
            self.outcome.as_str(),
            "succeeded" | "up to date" | "pending elsewhere"
        )
    }
}

impl JournalEntry {
    /// One line per entry (one per repair for `unlock` / `resolve`), then one per database
    /// that did not end well: what `dbfleet history` prints and the console lists.
    pub fn lines(&self) -> Vec<(String, bool)> {
        let by = self.by.as_deref().unwrap_or("?");
        let when = crate::human::time(&self.at);
        if !self.repairs.is_empty() {
            return self
                .repairs
                .iter()
                .map(|r| (format!("{when}  {by}  {}: {r}", self.command), false))
                .collect();
        }
        let ok = self.outcomes.iter().filter(|o| o.went_well()).count();
        let end = if self.unfinished {
            "UNFINISHED: the journal has no end for it (the process died, or still runs)".to_owned()
        } else {
            format!(
                "{ok}/{} ok{}{}",
                self.outcomes.len(),
                if self.cancelled { ", cancelled" } else { "" },
                self.duration_ms
                    .map(|ms| format!(" in {:.1} s", ms as f64 / 1000.0))
                    .unwrap_or_default()
            )
        };
        let mut lines = vec![
            (
                format!(
                    "{when}  {by}  {} · {} · {} database(s) · {end}",
                    self.direction.as_deref().unwrap_or("?"),
                    self.set.as_deref().unwrap_or("own sets"),
                    self.databases.len(),
                ),
                self.unfinished,
            ),
            (format!("    {}", self.command), false),
        ];
        for note in &self.lock_notes {
            lines.push((format!("    ⊘ {note}"), true));
        }
        for o in self.outcomes.iter().filter(|o| !o.went_well()) {
            lines.push((
                format!(
                    "    ✗ {} {}{}",
                    o.database,
                    o.outcome,
                    o.detail
                        .as_deref()
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default()
                ),
                true,
            ));
        }
        lines
    }

    /// Whether it touched `database`.
    pub fn touches(&self, database: &str) -> bool {
        self.databases.iter().any(|d| d == database)
            || self.outcomes.iter().any(|o| o.database == database)
            || self
                .repairs
                .iter()
                .chain(&self.lock_notes)
                .any(|r| r.starts_with(&format!("{database}: ")))
    }
}

/// Reads the journal back, oldest first. Lines that do not parse (a half-written last
/// line after a crash) are skipped, not fatal: the rest of the history still matters.
pub fn read_entries(path: &Path) -> std::io::Result<Vec<JournalEntry>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut entries: Vec<JournalEntry> = Vec::new();
    let str_of = |v: &serde_json::Value, key: &str| v[key].as_str().map(str::to_owned);
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let (Some(run_id), Some(event)) = (str_of(&v, "run_id"), str_of(&v, "event")) else {
            continue;
        };
        let position = entries.iter().rposition(|e| e.run_id == run_id);
        let entry = match position {
            Some(i) => &mut entries[i],
            None => {
                entries.push(JournalEntry {
                    run_id: run_id.clone(),
                    at: str_of(&v, "at").unwrap_or_default(),
                    by: None,
                    command: String::new(),
                    direction: None,
                    set: None,
                    databases: Vec::new(),
                    outcomes: Vec::new(),
                    duration_ms: None,
                    cancelled: false,
                    unfinished: true,
                    repairs: Vec::new(),
                    lock_notes: Vec::new(),
                });
                let last = entries.len() - 1;
                &mut entries[last]
            }
        };
        match event.as_str() {
            "run_started" => {
                entry.by = str_of(&v, "by");
                entry.command = str_of(&v, "command").unwrap_or_default();
                entry.direction = str_of(&v, "direction");
                entry.set = str_of(&v, "set");
                entry.databases = v["databases"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|d| d.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
            }
            "finished" => {
                let outcome = &v["outcome"];
                let detail = str_of(outcome, "error")
                    .or_else(|| str_of(outcome, "reason"))
                    .or_else(|| {
                        outcome["by"].as_array().map(|by| {
                            let names: Vec<&str> = by.iter().filter_map(|d| d.as_str()).collect();
                            format!("{} did not succeed", names.join(", "))
                        })
                    });
                entry.outcomes.push(EntryOutcome {
                    database: str_of(&v, "database").unwrap_or_default(),
                    outcome: str_of(outcome, "outcome")
                        .unwrap_or_default()
                        .replace('_', " "),
                    detail,
                    kind: str_of(outcome, "kind"),
                });
            }
            "run_finished" => {
                entry.unfinished = false;
                entry.duration_ms = v["duration_ms"].as_u64();
                entry.cancelled = v["cancelled"].as_bool().unwrap_or(false);
            }
            "lock_cleared" => {
                entry.unfinished = false;
                entry.command = "unlock".into();
                entry.by = str_of(&v, "by").or(entry.by.take());
                entry.repairs.push(format!(
                    "{}: cleared the lock of {}{}",
                    str_of(&v, "database").unwrap_or_default(),
                    str_of(&v, "holder").unwrap_or_default(),
                    if v["forced"].as_bool().unwrap_or(false) {
                        " (forced)"
                    } else {
                        ""
                    }
                ));
            }
            "lock_taken_over" => {
                let note = format!(
                    "{}: took over the lock of {} (run {}), whose session was gone",
                    str_of(&v, "database").unwrap_or_default(),
                    str_of(&v, "holder").unwrap_or_default(),
                    str_of(&v, "holder_run_id").unwrap_or_default()
                );
                if entry.direction.is_some() {
                    entry.lock_notes.push(note);
                } else {
                    // `resolve` takes the lock too.
                    entry.unfinished = false;
                    entry.command = "resolve".into();
                    entry.by = str_of(&v, "by").or(entry.by.take());
                    entry.repairs.push(note);
                }
            }
            "lock_not_released" => entry.lock_notes.push(format!(
                "{}: migration lock NOT released: {}",
                str_of(&v, "database").unwrap_or_default(),
                str_of(&v, "error").unwrap_or_default()
            )),
            "adopted" => {
                let from = str_of(&v, "from").unwrap_or_default();
                entry.unfinished = false;
                entry.command = if from == "baseline" {
                    "baseline".into()
                } else {
                    "adopt".into()
                };
                entry.by = str_of(&v, "by").or(entry.by.take());
                let count = v["versions"].as_array().map_or(0, Vec::len);
                let how = if from == "baseline" {
                    "as a baseline".to_owned()
                } else {
                    format!("adopted from {from}")
                };
                entry.repairs.push(format!(
                    "{}: recorded {count} migration(s) of {} as applied ({how})",
                    str_of(&v, "database").unwrap_or_default(),
                    str_of(&v, "set").unwrap_or_default(),
                ));
            }
            "restored" => {
                entry.unfinished = false;
                entry.command = "restore".into();
                entry.by = str_of(&v, "by").or(entry.by.take());
                entry.repairs.push(format!(
                    "{}: restored {}{}",
                    str_of(&v, "database").unwrap_or_default(),
                    str_of(&v, "file").unwrap_or_default(),
                    str_of(&v, "safety_backup")
                        .map(|s| format!(" (what it replaced: {s})"))
                        .unwrap_or_default()
                ));
            }
            "resolved" => {
                entry.unfinished = false;
                entry.command = "resolve".into();
                entry.by = str_of(&v, "by").or(entry.by.take());
                entry.repairs.push(format!(
                    "{}: {} {} → {}{}",
                    str_of(&v, "database").unwrap_or_default(),
                    str_of(&v, "migration").unwrap_or_default(),
                    str_of(&v, "was").unwrap_or_default(),
                    str_of(&v, "now").unwrap_or_default(),
                    str_of(&v, "choice")
                        .map(|c| format!(" (chose {c})"))
                        .unwrap_or_default()
                ));
            }
            _ => {}
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{EngineError, Outcome};

    #[test]
    fn old_journals_without_kinds_read_as_before_and_new_ones_add_the_kind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let old = r#"{"at":"2026-11-23T15:09:07.000Z","run_id":"r1","event":"finished","database":"a","outcome":{"outcome":"refused","reason":"database is dirty: ..."},"duration_ms":3}"#;
        std::fs::write(&path, format!("{old}\n")).unwrap();
        let journal = Journal::open(&path, "r2").unwrap();
        journal.append(&RunEvent::Finished {
            database: "b".into(),
            outcome: Outcome::Refused {
                reason: EngineError::NotInConfig,
            },
            duration_ms: 1,
        });
        let entries = read_entries(&path).unwrap();
        let [old, new] = [&entries[0].outcomes[0], &entries[1].outcomes[0]];
        assert_eq!(old.outcome, "refused");
        assert_eq!(old.detail.as_deref(), Some("database is dirty: ..."));
        assert_eq!(old.kind, None);
        assert_eq!(new.detail.as_deref(), Some("not in the config"));
        assert_eq!(new.kind.as_deref(), Some("not_in_config"));
    }
}
