//! Counters the engine keeps about itself, rendered by `GET /metrics`.
//! Plain atomics: incrementing one costs a few nanoseconds on the hot path.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Engine counters (monotonic unless named as a gauge).
#[derive(Debug, Default)]
pub struct EngineMetrics {
    /// Inbound messages inserted.
    pub messages_stored: AtomicU64,
    /// Messages dropped as duplicates of a stored wamid.
    pub messages_duplicate: AtomicU64,
    /// Status changes that advanced a message.
    pub statuses_applied: AtomicU64,
    /// Status webhooks that did not advance a message (late or repeated).
    pub statuses_stale: AtomicU64,
    /// Statuses and reactions parked until their message appears.
    pub events_held: AtomicU64,
    /// Parked events released and applied.
    pub events_released: AtomicU64,
    /// Events whose channel is not connected.
    pub events_unrouted: AtomicU64,
    /// Events that could not be parsed.
    pub events_rejected: AtomicU64,
    /// Conversation actors started (including rehydration after passivation).
    pub conversations_started: AtomicU64,
    /// Conversation actors passivated after idling.
    pub conversations_passivated: AtomicU64,
    /// Conversation actors restarted after a fault.
    pub conversation_restarts: AtomicU64,
    /// Group commits of conversation batches.
    pub batches_committed: AtomicU64,
    /// Flow runs started by triggers or by hand.
    pub flow_runs_started: AtomicU64,
    /// Gauge: conversation actors alive now.
    pub conversations_live: AtomicI64,
    /// Events parked as dead letters after repeated failures.
    pub dead_letters: AtomicU64,
    /// Conversations whose contact or conversation row vanished (deleted or
    /// merged) while events were on their way; the events were re-routed.
    pub conversations_gone: AtomicU64,
    /// Gauge: customers cached by tenant actors.
    pub contacts_cached: AtomicI64,
}

impl EngineMetrics {
    /// Adds `n` to a counter.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Reads a counter.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    /// Every counter with its Prometheus name and help line.
    pub fn samples(&self) -> Vec<(&'static str, &'static str, i64)> {
        let c = |a: &AtomicU64| i64::try_from(a.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
        vec![
            ("whatsflow_messages_stored_total", "Inbound messages stored", c(&self.messages_stored)),
            ("whatsflow_messages_duplicate_total", "Duplicate messages ignored", c(&self.messages_duplicate)),
            ("whatsflow_statuses_applied_total", "Status changes applied", c(&self.statuses_applied)),
            ("whatsflow_statuses_stale_total", "Status webhooks that did not advance a message", c(&self.statuses_stale)),
            ("whatsflow_events_held_total", "Events held until their message appears", c(&self.events_held)),
            ("whatsflow_events_released_total", "Held events released", c(&self.events_released)),
            ("whatsflow_events_unrouted_total", "Events for numbers not connected", c(&self.events_unrouted)),
            ("whatsflow_events_rejected_total", "Events that could not be parsed", c(&self.events_rejected)),
            ("whatsflow_conversations_started_total", "Conversation actors started", c(&self.conversations_started)),
            ("whatsflow_conversations_passivated_total", "Conversation actors passivated", c(&self.conversations_passivated)),
            ("whatsflow_conversation_restarts_total", "Conversation actors restarted after a fault", c(&self.conversation_restarts)),
            ("whatsflow_batches_committed_total", "Conversation batches committed", c(&self.batches_committed)),
            ("whatsflow_flow_runs_started_total", "Flow runs started", c(&self.flow_runs_started)),
            ("whatsflow_conversations_live", "Conversation actors alive", self.conversations_live.load(Ordering::Relaxed)),
            ("whatsflow_dead_letters_total", "Events parked as dead letters after repeated failures", c(&self.dead_letters)),
            (
                "whatsflow_conversations_gone_total",
                "Conversations whose rows vanished with events on their way (re-routed)",
                c(&self.conversations_gone),
            ),
            ("whatsflow_contacts_cached", "Customers cached by tenant actors", self.contacts_cached.load(Ordering::Relaxed)),
        ]
    }
}
