//! Where a run's events go: the consumer's channel and the journal. Its own module, so the
//! events know nothing of the journal and the journal (which writes events) nothing of the
//! sink: `sink` → `journal` → `events`, no circle.

use tokio::sync::mpsc;

use super::events::RunEvent;
use super::journal::Journal;

/// Where a run's events go: the consumer's channel and the journal.
#[derive(Clone)]
pub struct EventSink {
    tx: mpsc::UnboundedSender<RunEvent>,
    journal: Option<Journal>,
}

impl EventSink {
    pub fn new(tx: mpsc::UnboundedSender<RunEvent>, journal: Option<Journal>) -> Self {
        EventSink { tx, journal }
    }

    pub fn emit(&self, event: RunEvent) {
        if let Some(journal) = &self.journal
            && !matches!(event, RunEvent::Statement { .. })
        {
            journal.append(&event);
        }
        // A consumer that went away (the console quit) must not stop the run.
        let _ = self.tx.send(event);
    }
}
