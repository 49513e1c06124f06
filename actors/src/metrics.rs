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
    /// Conversations stopped because another node took their partition
    /// (several nodes): a commit refused by its fence, or a lease lost.
    pub conversations_fenced: AtomicU64,
    /// Sends not handed to Meta because their conversation's lease moved on
    /// (several nodes): the new owner sends them.
    pub sends_fenced: AtomicU64,
    /// Events handed to the node that owns their conversation (several nodes).
    pub events_handed_off: AtomicU64,
    /// Gauge: customers cached by tenant actors.
    pub contacts_cached: AtomicI64,
    /// Customer messages the flow side is done with: a run took the step
    /// they caused (or ignored them, paused), or no trigger matched them.
    pub flow_messages_handled: AtomicU64,
    /// Sends of unknown outcome decided after their grace (linked to
    /// Meta's status, unconfirmed, or resent as their sender asked).
    pub sends_decided_after_grace: AtomicU64,
    /// Sends of unknown outcome set aside for their grace.
    pub sends_held_for_grace: AtomicU64,
    /// Passes of an outbox over the sends it holds for their grace.
    pub held_send_checks: AtomicU64,
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

    /// Every counter and gauge with its name (without the `whatsflow_`
    /// prefix and a counter's `_total`) and help line.
    pub fn samples(&self) -> Vec<Sample> {
        let c = |a: &AtomicU64| i64::try_from(a.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
        vec![
            Sample::counter("messages_stored", "Inbound messages stored", c(&self.messages_stored)),
            Sample::counter("messages_duplicate", "Duplicate messages ignored", c(&self.messages_duplicate)),
            Sample::counter("statuses_applied", "Status changes applied", c(&self.statuses_applied)),
            Sample::counter("statuses_stale", "Status webhooks that did not advance a message", c(&self.statuses_stale)),
            Sample::counter("events_held", "Events held until their message appears", c(&self.events_held)),
            Sample::counter("events_released", "Held events released", c(&self.events_released)),
            Sample::counter("events_unrouted", "Events for numbers not connected", c(&self.events_unrouted)),
            Sample::counter("events_rejected", "Events that could not be parsed", c(&self.events_rejected)),
            Sample::counter("conversations_started", "Conversation actors started", c(&self.conversations_started)),
            Sample::counter("conversations_passivated", "Conversation actors passivated", c(&self.conversations_passivated)),
            Sample::counter("conversation_restarts", "Conversation actors restarted after a fault", c(&self.conversation_restarts)),
            Sample::counter("batches_committed", "Conversation batches committed", c(&self.batches_committed)),
            Sample::counter("flow_runs_started", "Flow runs started", c(&self.flow_runs_started)),
            Sample::gauge("conversations_live", "Conversation actors alive", self.conversations_live.load(Ordering::Relaxed)),
            Sample::counter("dead_letters", "Events parked as dead letters after repeated failures", c(&self.dead_letters)),
            Sample::counter(
                "conversations_gone",
                "Conversations whose rows vanished with events on their way (re-routed)",
                c(&self.conversations_gone),
            ),
            Sample::counter(
                "conversations_fenced",
                "Conversations stopped because another node owns their partition now (fenced)",
                c(&self.conversations_fenced),
            ),
            Sample::counter(
                "sends_fenced",
                "Sends refused at hand-over because another node owns their conversation now",
                c(&self.sends_fenced),
            ),
            Sample::counter(
                "events_handed_off",
                "Events handed durably to the node that owns their conversation's partition",
                c(&self.events_handed_off),
            ),
            Sample::gauge("contacts_cached", "Customers cached by tenant actors", self.contacts_cached.load(Ordering::Relaxed)),
            Sample::counter(
                "flow_messages_handled",
                "Customer messages the flow side is done with (a run's step, or no trigger matched)",
                c(&self.flow_messages_handled),
            ),
            Sample::counter(
                "sends_decided_after_grace",
                "Sends of unknown outcome decided after their grace",
                c(&self.sends_decided_after_grace),
            ),
            Sample::counter("sends_held_for_grace", "Sends of unknown outcome held for their grace", c(&self.sends_held_for_grace)),
            Sample::counter("held_send_checks", "Outbox passes over the sends held for their grace", c(&self.held_send_checks)),
        ]
    }
}

/// Whether a sample only grows (a counter) or goes up and down (a gauge).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleKind {
    /// Monotonic; exposed with a `_total` suffix.
    Counter,
    /// A current level.
    Gauge,
}

/// One value read at scrape time, named without the `whatsflow_` prefix.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Name without prefix or `_total`.
    pub name: &'static str,
    /// The HELP line.
    pub help: &'static str,
    /// Counter or gauge.
    pub kind: SampleKind,
    /// The value now.
    pub value: i64,
}

impl Sample {
    /// A counter sample.
    pub fn counter(name: &'static str, help: &'static str, value: i64) -> Self {
        Self { name, help, kind: SampleKind::Counter, value }
    }

    /// A gauge sample.
    pub fn gauge(name: &'static str, help: &'static str, value: i64) -> Self {
        Self { name, help, kind: SampleKind::Gauge, value }
    }
}
