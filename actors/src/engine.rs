//! What the tenant and conversation actors are handed at start: the ports
//! and the tuning knobs. (A flow run is handed only the ports it needs,
//! [`crate::flow::actor::RunPorts`]; an outbox only its transport and
//! ledger.)

use crate::flow::ports::{FlowHttp, FlowStore};
use crate::metrics::EngineMetrics;
use crate::outbound::{GraphTransport, SendLedger};
use crate::ports::{ChannelDirectory, Clock, EventSink, Store};
use std::sync::Arc;
use std::time::Duration;

/// How long an idle conversation actor stays in memory before it is
/// passivated; its state is in Postgres and comes back on next use.
pub const DEFAULT_CONVERSATION_IDLE: Duration = Duration::from_secs(300);

/// The most events one conversation commits in one batch: large enough to
/// absorb a burst, small enough that one batch never holds a commit long.
pub const DEFAULT_MAX_BATCH_EVENTS: usize = 256;

/// How long to wait for Meta's status webhook before deciding about a
/// message whose send outcome was unknown. Meta reports `sent` within
/// seconds, but after an outage of ours its statuses arrive late; ten minutes
/// covers that, and nothing is resent before it.
pub const DEFAULT_AMBIGUOUS_GRACE: Duration = Duration::from_secs(600);

/// Consecutive failures of a conversation (other than an unavailable
/// database) after which its pending events are parked as a dead letter
/// instead of retried again.
pub const DEFAULT_DEAD_LETTER_AFTER: u32 = 3;

/// Tuning knobs.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// See [`DEFAULT_CONVERSATION_IDLE`].
    pub conversation_idle: Duration,
    /// See [`DEFAULT_MAX_BATCH_EVENTS`].
    pub max_batch_events: usize,
    /// See [`DEFAULT_AMBIGUOUS_GRACE`].
    pub ambiguous_grace: Duration,
    /// See [`DEFAULT_DEAD_LETTER_AFTER`].
    pub dead_letter_after: u32,
    /// Most customers a tenant actor keeps in its contact cache.
    pub contact_cache: usize,
}

/// Default size of a tenant actor's contact cache: past it, entries are
/// dropped and asked of the store again.
pub const DEFAULT_CONTACT_CACHE: usize = 50_000;

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            conversation_idle: DEFAULT_CONVERSATION_IDLE,
            max_batch_events: DEFAULT_MAX_BATCH_EVENTS,
            ambiguous_grace: DEFAULT_AMBIGUOUS_GRACE,
            dead_letter_after: DEFAULT_DEAD_LETTER_AFTER,
            contact_cache: DEFAULT_CONTACT_CACHE,
        }
    }
}

/// The ports and settings shared by every actor.
#[derive(Clone)]
pub struct EngineDeps {
    /// Durable state.
    pub store: Arc<dyn Store>,
    /// Channel → tenant lookups.
    pub directory: Arc<dyn ChannelDirectory>,
    /// Fan-out to agents.
    pub sink: Arc<dyn EventSink>,
    /// Meta's Graph API.
    pub transport: Arc<dyn GraphTransport>,
    /// Wamids linked by status webhooks (for sends with unknown outcome).
    pub ledger: Arc<dyn SendLedger>,
    /// Flows and their runs.
    pub flows: Arc<dyn FlowStore>,
    /// HTTP for flows' api and webhook nodes.
    pub flow_http: Arc<dyn FlowHttp>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Counters.
    pub metrics: Arc<EngineMetrics>,
    /// Which conversations this node runs ([`crate::ownership::SingleNode`]
    /// alone; partition leases with several nodes).
    pub ownership: Arc<dyn crate::ownership::Ownership>,
    /// Where events for another node's conversations go.
    pub handoffs: Arc<dyn crate::ownership::Handoffs>,
    /// Numbers' send rates shared with the other nodes (several nodes).
    pub shared_rate: Option<Arc<dyn crate::outbound::SharedRate>>,
    /// Knobs.
    pub settings: EngineSettings,
}
