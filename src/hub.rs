//! `TenantHub`: fan-out of durable conversation events to the live agent
//! sessions of their tenant, and only theirs. Each event is serialised once;
//! each session has a bounded mailbox, and a session whose mailbox is full is
//! dropped from the audience and told to close (slow consumer): producers
//! never wait for a reader.

use actix::{Message, Recipient};
use dashmap::DashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use whatsflow_actors::events::ConversationEvent;
use whatsflow_actors::ids::{ConversationId, TenantId, UserId};
use whatsflow_actors::ports::EventSink;

/// Who a frame is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every session that may see the conversation (admins; its assignee;
    /// everyone while it is unassigned).
    Inbox,
    /// Only sessions that joined the conversation (typing).
    Joined,
    /// Every session of the tenant (presence, notes, assignment changes).
    Everyone,
    /// The tenant admins' sessions (campaign progress, account alerts).
    Admins,
}

/// One serialised event on its way to a session.
#[derive(Message, Clone, Debug)]
#[rtype(result = "()")]
pub struct HubFrame {
    /// The conversation it belongs to.
    pub conversation_id: Option<ConversationId>,
    /// The conversation's assignee when the event happened.
    pub assignee: Option<UserId>,
    /// Its conversation sequence number (for de-duplication after a replay).
    pub seq: Option<i64>,
    /// Who may receive it.
    pub scope: Scope,
    /// A session not to send it to (the one it came from).
    pub except: Option<SubscriptionId>,
    /// The `{"event", "data"}` text frame.
    pub text: Arc<str>,
}

/// Told to a session that must close: it fell behind, or its user's
/// session was revoked.
#[derive(Message, Clone, Debug)]
#[rtype(result = "()")]
pub enum SessionControl {
    /// Its mailbox overflowed (a slow consumer).
    SlowConsumer,
    /// Frames from another node may have been missed (a gap in the bus, a
    /// Redis reconnect): reconnect and refill from `since_seq`.
    Resync,
    /// Its user signed out, was removed, or had their role or password
    /// changed: close with code 4401 and this reason.
    Revoked(String),
}

/// Identifies a subscription, to remove it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubscriptionId(u64);

struct Subscriber {
    id: SubscriptionId,
    user: UserId,
    frames: Recipient<HubFrame>,
    control: Recipient<SessionControl>,
}

/// See the module doc.
#[derive(Default)]
pub struct TenantHub {
    tenants: DashMap<TenantId, Vec<Subscriber>>,
    users: DashMap<(TenantId, UserId), usize>,
    next_id: AtomicU64,
    /// Frames delivered to sessions.
    pub frames_sent: AtomicU64,
    /// Sessions closed for not keeping up.
    pub slow_consumers: AtomicU64,
    /// Frames to and from the other nodes (several nodes).
    bus: std::sync::OnceLock<Arc<crate::cluster::bus::FrameBus>>,
    /// Who is connected to the other nodes, as they last said, until when.
    remote_online: DashMap<String, (std::time::Instant, std::collections::HashSet<(TenantId, UserId)>)>,
}

impl TenantHub {
    /// Adds a session to its tenant's audience; returns how many sessions the user now has.
    pub fn subscribe(
        &self,
        tenant: TenantId,
        user: UserId,
        frames: Recipient<HubFrame>,
        control: Recipient<SessionControl>,
    ) -> (SubscriptionId, usize) {
        let id = SubscriptionId(self.next_id.fetch_add(1, Ordering::Relaxed));
        let first = {
            let mut subs = self.tenants.entry(tenant).or_default();
            subs.push(Subscriber { id, user, frames, control });
            subs.len() == 1
        };
        if let (true, Some(bus)) = (first, self.bus.get()) {
            bus.watch(tenant);
        }
        let n = {
            let mut n = self.users.entry((tenant, user)).or_insert(0);
            *n += 1;
            *n
        };
        if let (1, Some(bus)) = (n, self.bus.get()) {
            bus.presence_changed();
        }
        (id, n)
    }

    /// Removes a session; returns how many sessions the user still has.
    pub fn unsubscribe(&self, tenant: TenantId, user: UserId, id: SubscriptionId) -> usize {
        if let Some(mut subs) = self.tenants.get_mut(&tenant) {
            subs.retain(|s| s.id != id);
        }
        if self.tenants.remove_if(&tenant, |_, subs| subs.is_empty()).is_some() {
            if let Some(bus) = self.bus.get() {
                bus.unwatch(tenant);
            }
        }
        let left = self.users.get_mut(&(tenant, user)).map(|mut n| {
            *n = n.saturating_sub(1);
            *n
        });
        self.users.remove_if(&(tenant, user), |_, n| *n == 0);
        if let (Some(0), Some(bus)) = (left, self.bus.get()) {
            bus.presence_changed();
        }
        left.unwrap_or(0)
    }

    /// Sessions of a tenant now.
    pub fn sessions(&self, tenant: TenantId) -> usize {
        self.tenants.get(&tenant).map_or(0, |s| s.len())
    }

    /// Whether a user has a live session, here or (several nodes) on a node
    /// that said so recently. Advisory: routing uses it, nothing that must
    /// be exact does.
    pub fn is_online(&self, tenant: TenantId, user: UserId) -> bool {
        self.users.get(&(tenant, user)).is_some_and(|n| *n > 0)
            || self.remote_online.iter().any(|e| e.value().0 > std::time::Instant::now() && e.value().1.contains(&(tenant, user)))
    }

    /// The users with a session on this node (for the other nodes).
    pub fn local_users(&self) -> Vec<(TenantId, UserId)> {
        self.users.iter().filter(|e| *e.value() > 0).map(|e| *e.key()).collect()
    }

    /// Records who is connected to another node, valid until `until`.
    pub fn remote_presence(&self, node: &str, until: std::time::Instant, users: std::collections::HashSet<(TenantId, UserId)>) {
        self.remote_online.insert(node.to_owned(), (until, users));
        self.remote_online.retain(|_, (until, _)| *until > std::time::Instant::now());
    }

    /// Connects the hub to the other nodes (once, at start-up).
    pub fn attach_bus(&self, bus: Arc<crate::cluster::bus::FrameBus>) {
        let _ = self.bus.set(bus);
    }

    /// The bus to the other nodes, if any.
    pub fn bus(&self) -> Option<&Arc<crate::cluster::bus::FrameBus>> {
        self.bus.get()
    }

    /// Offers a frame to every session of a tenant, here and (several
    /// nodes) on the other nodes.
    pub fn broadcast(&self, tenant: TenantId, frame: HubFrame) {
        if let Some(bus) = self.bus.get() {
            bus.publish(tenant, &frame);
        }
        self.deliver(tenant, frame);
    }

    /// Offers a frame to this node's sessions of a tenant (each filters by scope).
    pub fn deliver(&self, tenant: TenantId, frame: HubFrame) {
        let mut overflowed = Vec::new();
        if let Some(subs) = self.tenants.get(&tenant) {
            for s in subs.iter().filter(|s| frame.except != Some(s.id)) {
                match s.frames.try_send(frame.clone()) {
                    Ok(()) => {
                        self.frames_sent.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(actix::prelude::SendError::Full(_)) => overflowed.push((s.id, s.control.clone())),
                    Err(actix::prelude::SendError::Closed(_)) => {}
                }
            }
        }
        if overflowed.is_empty() {
            return;
        }
        if let Some(mut subs) = self.tenants.get_mut(&tenant) {
            subs.retain(|s| !overflowed.iter().any(|(id, _)| *id == s.id));
        }
        for (_, control) in overflowed {
            self.slow_consumers.fetch_add(1, Ordering::Relaxed);
            control.do_send(SessionControl::SlowConsumer);
        }
    }

    /// Closes every open session of a user whose session was revoked, on
    /// every node.
    pub fn revoke(&self, tenant: TenantId, user: UserId, why: &str) {
        if let Some(bus) = self.bus.get() {
            bus.revoke(tenant, user, why);
        }
        self.revoke_here(tenant, user, why);
    }

    /// Tells a tenant's sessions here to resynchronise (frames from another
    /// node may have been missed).
    pub fn resync(&self, tenant: TenantId) {
        if let Some(subs) = self.tenants.get(&tenant) {
            for s in subs.iter() {
                s.control.do_send(SessionControl::Resync);
            }
        }
    }

    /// Tells every session here to resynchronise (the bus reconnected).
    pub fn resync_all(&self) {
        for subs in self.tenants.iter() {
            for s in subs.iter() {
                s.control.do_send(SessionControl::Resync);
            }
        }
    }

    /// Closes a user's sessions on this node.
    pub fn revoke_here(&self, tenant: TenantId, user: UserId, why: &str) {
        if let Some(subs) = self.tenants.get(&tenant) {
            for s in subs.iter().filter(|s| s.user == user) {
                s.control.do_send(SessionControl::Revoked(why.to_owned()));
            }
        }
    }

    /// Tells those who may see a conversation that facts the conversation
    /// actor does not hold changed (`team_id`, `priority`):
    /// `conversation:changed {conversation_id, ...changes}`.
    pub fn conversation_changed(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        assignee: Option<UserId>,
        changes: serde_json::Value,
    ) {
        let mut data = changes;
        data["conversation_id"] = serde_json::json!(conversation.0);
        self.broadcast(
            tenant,
            HubFrame {
                conversation_id: Some(conversation),
                assignee,
                seq: None,
                scope: Scope::Inbox,
                except: None,
                text: serde_json::json!({"event": "conversation:changed", "data": data}).to_string().into(),
            },
        );
    }

    /// A note added to a conversation, to those who may see it.
    pub fn note_added(&self, tenant: TenantId, conversation: ConversationId, assignee: Option<UserId>, note: serde_json::Value) {
        self.broadcast(
            tenant,
            HubFrame {
                conversation_id: Some(conversation),
                assignee,
                seq: None,
                scope: Scope::Inbox,
                except: None,
                text:
                    serde_json::json!({"event": "notification", "data": {"kind": "note", "conversation_id": conversation.0, "note": note}})
                        .to_string()
                        .into(),
            },
        );
    }

    /// Sends a tenant-wide frame (notes, presence) to every session.
    pub fn notify(&self, tenant: TenantId, frame: serde_json::Value) {
        self.broadcast(
            tenant,
            HubFrame {
                conversation_id: None,
                assignee: None,
                seq: None,
                scope: Scope::Everyone,
                except: None,
                text: frame.to_string().into(),
            },
        );
    }
}

impl EventSink for TenantHub {
    fn publish(&self, tenant: TenantId, assignee: Option<UserId>, event: ConversationEvent) {
        if self.sessions(tenant) == 0 && self.bus.get().is_none() {
            return;
        }
        let (seq, scope) = match &event {
            ConversationEvent::MessageNew { seq, .. } | ConversationEvent::MessageStatus { seq, .. } => (Some(*seq), Scope::Inbox),
            ConversationEvent::ConversationAssigned { .. } => (None, Scope::Everyone),
            _ => (None, Scope::Inbox),
        };
        let conversation_id = Some(event.conversation_id());
        match serde_json::to_string(&event) {
            Ok(text) => self.broadcast(tenant, HubFrame { conversation_id, assignee, seq, scope, except: None, text: text.into() }),
            Err(e) => tracing::error!(error = %e, "event could not be serialised"),
        }
    }
}
