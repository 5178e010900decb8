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

#[cfg(test)]
mod tests {
    use super::*;

    /// serde_json keeps the last of two equal keys, so a duplicate would silently lose the
    /// journal's own run id. Every kind of line is checked here.
    #[test]
    fn no_journal_line_has_a_key_twice() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("journal.jsonl");
        let journal = Journal::open(&path, "run-1").expect("the journal opens");
        journal.append(&RunEvent::LockCleared {
            database: "db".into(),
            by: "ops@vm".into(),
            holder: "deploy@ci".into(),
            holder_run_id: "run-0".into(),
            forced: false,
        });
        journal.append(&RunEvent::Connecting {
            database: "db".into(),
            server: "data/db.db".into(),
        });
        let text = std::fs::read_to_string(&path).expect("the journal reads");
        for line in text.lines() {
            let keys: Vec<&str> = line
                .split('"')
                .enumerate()
                .filter(|(i, _)| i % 2 == 1)
                .map(|(_, k)| k)
                .filter(|k| line.contains(&format!("\"{k}\":")))
                .collect();
            let mut unique = keys.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(keys.len(), unique.len(), "a key twice in {line}");
            assert!(line.contains("\"run_id\":\"run-1\""), "{line}");
        }
    }
}
