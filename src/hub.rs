//! `TenantHub`: fan-out of durable conversation events to the live agent
//! sessions of their tenant, and only theirs. Each event is serialised once;
//! each session has a bounded mailbox and a full one is told to close (slow
//! consumer) instead of slowing the conversation actors.

use actix::{Message, Recipient};
use dashmap::DashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use whatsflow_actors::events::ConversationEvent;
use whatsflow_actors::ids::{ConversationId, TenantId, UserId};
use whatsflow_actors::ports::EventSink;

/// One serialised event on its way to a session.
#[derive(Message, Clone, Debug)]
#[rtype(result = "()")]
pub struct HubFrame {
    /// The conversation it belongs to (None: tenant-wide).
    pub conversation_id: Option<ConversationId>,
    /// The agent the conversation is assigned to, when the event says.
    pub assignee: Option<Option<UserId>>,
    /// The `{"event", "data"}` text frame.
    pub text: Arc<str>,
}

/// Told to a session whose mailbox overflowed.
#[derive(Message, Clone, Copy, Debug)]
#[rtype(result = "()")]
pub struct SlowConsumer;

/// Identifies a subscription, to remove it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubscriptionId(u64);

struct Subscriber {
    id: SubscriptionId,
    frames: Recipient<HubFrame>,
    overflow: Recipient<SlowConsumer>,
}

/// See the module doc.
#[derive(Default)]
pub struct TenantHub {
    tenants: DashMap<TenantId, Vec<Subscriber>>,
    next_id: AtomicU64,
    /// Frames delivered to sessions.
    pub frames_sent: AtomicU64,
    /// Sessions closed for not keeping up.
    pub slow_consumers: AtomicU64,
}

impl TenantHub {
    /// Adds a session to its tenant's audience.
    pub fn subscribe(&self, tenant: TenantId, frames: Recipient<HubFrame>, overflow: Recipient<SlowConsumer>) -> SubscriptionId {
        let id = SubscriptionId(self.next_id.fetch_add(1, Ordering::Relaxed));
        self.tenants.entry(tenant).or_default().push(Subscriber { id, frames, overflow });
        id
    }

    /// Removes a session.
    pub fn unsubscribe(&self, tenant: TenantId, id: SubscriptionId) {
        if let Some(mut subs) = self.tenants.get_mut(&tenant) {
            subs.retain(|s| s.id != id);
        }
        self.tenants.remove_if(&tenant, |_, subs| subs.is_empty());
    }

    /// Sessions of a tenant now.
    pub fn sessions(&self, tenant: TenantId) -> usize {
        self.tenants.get(&tenant).map_or(0, |s| s.len())
    }

    /// Sends an already-serialised frame to every session of a tenant.
    pub fn broadcast(&self, tenant: TenantId, frame: HubFrame) {
        let Some(subs) = self.tenants.get(&tenant) else { return };
        for s in subs.iter() {
            match s.frames.try_send(frame.clone()) {
                Ok(()) => {
                    self.frames_sent.fetch_add(1, Ordering::Relaxed);
                }
                Err(actix::prelude::SendError::Full(_)) => {
                    self.slow_consumers.fetch_add(1, Ordering::Relaxed);
                    s.overflow.do_send(SlowConsumer);
                }
                Err(actix::prelude::SendError::Closed(_)) => {}
            }
        }
    }
}

impl TenantHub {
    /// Sends a tenant-wide frame (notes, presence) to every session of the tenant.
    pub fn notify(&self, tenant: TenantId, frame: serde_json::Value) {
        self.broadcast(tenant, HubFrame { conversation_id: None, assignee: None, text: frame.to_string().into() });
    }
}

impl EventSink for TenantHub {
    fn publish(&self, tenant: TenantId, event: ConversationEvent) {
        if self.sessions(tenant) == 0 {
            return;
        }
        let assignee = match &event {
            ConversationEvent::ConversationNew { conversation } | ConversationEvent::ConversationUpdated { conversation } => {
                Some(conversation.assignee_id)
            }
            _ => None,
        };
        let conversation_id = event.conversation_id();
        match serde_json::to_string(&event) {
            Ok(text) => self.broadcast(tenant, HubFrame { conversation_id: Some(conversation_id), assignee, text: text.into() }),
            Err(e) => tracing::error!(error = %e, "event could not be serialised"),
        }
    }
}
