//! An inbox ticket ties every event of one webhook POST to the raw inbox row
//! it came from. Each event holds a clone; when the last clone drops, the row
//! is settled: processed when every event was committed, or handed back for
//! retry when any failed. A crash drops nothing: unsettled rows are replayed.

use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// How an inbox row ended.
#[derive(Debug, Clone, PartialEq)]
pub enum InboxOutcome {
    /// Every event is durable (notes: unrouted or rejected events, kept).
    Processed {
        /// What could not be applied, for the record.
        notes: Vec<Value>,
    },
    /// At least one event failed; the row must be processed again.
    Failed {
        /// Why.
        reason: String,
    },
    /// The transaction that made its only event durable settled the row
    /// too (see [`EventReceipt::sole_row`]): nothing is left to write.
    SettledInCommit,
}

/// Receives settled inbox rows (the server deletes a cleanly processed row,
/// keeps a noted one marked processed, and schedules a failed one again).
pub trait InboxSettler: Send + Sync + 'static {
    /// Called exactly once per ticket.
    fn settle(&self, inbox_id: i64, outcome: InboxOutcome);
}

/// Shared by every event of one POST. See the module doc.
pub struct InboxTicket {
    inbox_id: i64,
    failure: Mutex<Option<String>>,
    failed: AtomicBool,
    notes: Mutex<Vec<Value>>,
    settled_in_commit: AtomicBool,
    settler: Arc<dyn InboxSettler>,
}

impl std::fmt::Debug for InboxTicket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboxTicket").field("inbox_id", &self.inbox_id).finish()
    }
}

impl InboxTicket {
    /// A ticket for inbox row `inbox_id`.
    pub fn new(inbox_id: i64, settler: Arc<dyn InboxSettler>) -> Arc<Self> {
        Arc::new(Self {
            inbox_id,
            failure: Mutex::new(None),
            failed: AtomicBool::new(false),
            notes: Mutex::new(Vec::new()),
            settled_in_commit: AtomicBool::new(false),
            settler,
        })
    }

    /// The inbox row.
    pub fn inbox_id(&self) -> i64 {
        self.inbox_id
    }

    /// Marks the row for retry (the first reason wins).
    pub fn fail(&self, reason: impl Into<String>) {
        if !self.failed.swap(true, Ordering::AcqRel) {
            if let Ok(mut f) = self.failure.lock() {
                *f = Some(reason.into());
            }
        }
    }

    /// Records something about the POST that was kept but not applied
    /// (an unrouted event, a rejected one).
    pub fn note(&self, note: Value) {
        if let Ok(mut n) = self.notes.lock() {
            n.push(note);
        }
    }
}

impl Drop for InboxTicket {
    fn drop(&mut self) {
        let notes = self.notes.get_mut().map(std::mem::take).unwrap_or_default();
        let outcome = if self.failed.load(Ordering::Acquire) {
            let reason = self.failure.get_mut().ok().and_then(Option::take).unwrap_or_default();
            InboxOutcome::Failed { reason }
        } else if notes.is_empty() && self.settled_in_commit.load(Ordering::Acquire) {
            InboxOutcome::SettledInCommit
        } else {
            InboxOutcome::Processed { notes }
        };
        self.settler.settle(self.inbox_id, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Record(Mutex<Vec<(i64, InboxOutcome)>>);
    impl InboxSettler for Record {
        fn settle(&self, id: i64, o: InboxOutcome) {
            self.0.lock().unwrap().push((id, o));
        }
    }

    #[test]
    fn settles_once_when_last_clone_drops() {
        let rec = Arc::new(Record::default());
        let t = InboxTicket::new(7, rec.clone());
        let t2 = t.clone();
        t.note(serde_json::json!({"kind": "unrouted"}));
        drop(t);
        assert!(rec.0.lock().unwrap().is_empty());
        drop(t2);
        let got = rec.0.lock().unwrap();
        assert_eq!(got.len(), 1);
        assert!(matches!(&got[0], (7, InboxOutcome::Processed { notes }) if notes.len() == 1));
    }

    #[test]
    fn any_failure_fails_the_row() {
        let rec = Arc::new(Record::default());
        let t = InboxTicket::new(1, rec.clone());
        t.fail("db down");
        t.fail("second");
        drop(t);
        assert_eq!(rec.0.lock().unwrap()[0].1, InboxOutcome::Failed { reason: "db down".into() });
    }
}

/// One event's share of a ticket. It must be completed once the event is
/// durable; dropped without that (an actor stopped, a future was cancelled),
/// it fails the inbox row so the POST is processed again. Safe by default.
#[derive(Debug)]
pub struct EventReceipt(Option<Arc<InboxTicket>>);

impl EventReceipt {
    /// A receipt for one event of `ticket`'s POST.
    pub fn new(ticket: Arc<InboxTicket>) -> Self {
        Self(Some(ticket))
    }

    /// For work that has no inbox row (a held event released from the store).
    pub fn none() -> Self {
        Self(None)
    }

    /// Another receipt for the same POST: one event fed back as several
    /// (a replayed dead letter) settles its row only when all are durable.
    pub fn share(&self) -> Self {
        Self(self.0.clone())
    }

    /// The event is durable.
    pub fn complete(mut self) {
        self.0.take();
    }

    /// The inbox row this event's commit may settle in its own transaction
    /// (one write instead of a commit and a later settle): only when this
    /// receipt is the last share of its POST's ticket (no other event of the
    /// POST is pending, and no one else can take a share) and nothing was
    /// noted or failed. Complete it with [`Self::complete_settled`] once
    /// that transaction committed.
    pub fn sole_row(&self) -> Option<i64> {
        let t = self.0.as_ref()?;
        if Arc::strong_count(t) != 1 {
            return None;
        }
        // Ordered after whatever the other shares did before they dropped
        // (a failure, a note), as `Arc`'s own drop orders its last owner.
        std::sync::atomic::fence(Ordering::Acquire);
        let alone = !t.failed.load(Ordering::Acquire);
        let unnoted = t.notes.lock().map(|n| n.is_empty()).unwrap_or(false);
        (alone && unnoted).then_some(t.inbox_id)
    }

    /// The event is durable, and the transaction that stored it settled its
    /// inbox row too (it asked [`Self::sole_row`] first).
    pub fn complete_settled(mut self) {
        if let Some(t) = self.0.take() {
            t.settled_in_commit.store(true, Ordering::Release);
        }
    }

    /// The event failed; its POST will be processed again.
    pub fn fail(mut self, reason: &str) {
        if let Some(t) = self.0.take() {
            t.fail(reason);
        }
    }

    /// Records a note on the POST (kept, not applied).
    pub fn note(&self, note: Value) {
        if let Some(t) = &self.0 {
            t.note(note);
        }
    }
}

impl Drop for EventReceipt {
    fn drop(&mut self) {
        if let Some(t) = self.0.take() {
            t.fail("event abandoned before it was committed");
        }
    }
}

#[cfg(test)]
mod receipt_tests {
    use super::*;

    #[derive(Default)]
    struct Record(Mutex<Vec<InboxOutcome>>);
    impl InboxSettler for Record {
        fn settle(&self, _: i64, o: InboxOutcome) {
            self.0.lock().unwrap().push(o);
        }
    }

    #[test]
    fn only_the_last_share_of_an_unnoted_post_settles_with_its_commit() {
        let rec = Arc::new(Record::default());
        let t = InboxTicket::new(9, rec.clone());
        let first = EventReceipt::new(t.clone());
        let second = EventReceipt::new(t.clone());
        assert_eq!(first.sole_row(), None, "the dispatcher still holds the ticket");
        drop(t);
        assert_eq!(first.sole_row(), None, "another event of the POST is pending");
        first.complete();
        assert_eq!(second.sole_row(), Some(9));
        second.complete_settled();
        assert_eq!(rec.0.lock().unwrap().as_slice(), &[InboxOutcome::SettledInCommit]);

        // A noted POST keeps its row (and its notes): settled on its own.
        let rec = Arc::new(Record::default());
        let only = EventReceipt::new(InboxTicket::new(10, rec.clone()));
        only.note(serde_json::json!({"kind": "rejected"}));
        assert_eq!(only.sole_row(), None);
        only.complete();
        assert!(matches!(&rec.0.lock().unwrap()[0], InboxOutcome::Processed { notes } if notes.len() == 1));

        // A commit that failed leaves the row to be settled as failed.
        let rec = Arc::new(Record::default());
        let lost = EventReceipt::new(InboxTicket::new(11, rec.clone()));
        assert_eq!(lost.sole_row(), Some(11));
        lost.fail("db down");
        assert!(matches!(rec.0.lock().unwrap()[0], InboxOutcome::Failed { .. }));
    }

    #[test]
    fn an_abandoned_receipt_fails_the_row() {
        let rec = Arc::new(Record::default());
        let t = InboxTicket::new(1, rec.clone());
        let done = EventReceipt::new(t.clone());
        let lost = EventReceipt::new(t.clone());
        drop(t);
        done.complete();
        drop(lost);
        assert!(matches!(rec.0.lock().unwrap()[0], InboxOutcome::Failed { .. }));
    }
}
