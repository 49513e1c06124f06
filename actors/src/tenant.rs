//! `TenantActor`: one per tenant. It turns a customer identity into a
//! contact (asking the store once, then from its cache), owns the registry of
//! the tenant's live conversation actors (starting them on first use,
//! passivating them when idle) and forwards every event to the right one.
//!
//! It is the only sender to its conversation actors, so it can count what it
//! forwarded: an idle actor is passivated only when it has received all of
//! it, and nothing is ever sent to an actor that is stopping.

use crate::conversation::{ConversationActor, ConversationIdle, ConversationInput, ConversationKey, ConversationWork, Passivate};
use crate::engine::EngineDeps;
use crate::identity::{ContactIdentity, IdentityKey};
use crate::ids::{ContactId, TenantId};
use crate::meta::TemplateStatusUpdate;
use crate::pool::ArbiterPool;
use crate::ports::ChannelRef;
use crate::ticket::EventReceipt;
use actix::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// An event routed to a tenant, not yet to a contact.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RouteEvent {
    /// The channel it arrived on.
    pub channel: ChannelRef,
    /// The customer it concerns.
    pub identity: ContactIdentity,
    /// What to do.
    pub work: ConversationWork,
    /// Completed once durable.
    pub receipt: EventReceipt,
}

/// A template status change for this tenant.
#[derive(Message)]
#[rtype(result = "()")]
pub struct TemplateStatusEvent {
    /// The change.
    pub update: TemplateStatusUpdate,
    /// Completed once durable.
    pub receipt: EventReceipt,
}

struct ConversationEntry {
    addr: Addr<ConversationActor>,
    forwarded: u64,
}

/// See the module doc.
pub struct TenantActor {
    tenant_id: TenantId,
    deps: Arc<EngineDeps>,
    pool: ArbiterPool,
    contacts: HashMap<IdentityKey, ContactId>,
    resolving: HashMap<IdentityKey, Vec<RouteEvent>>,
    conversations: HashMap<ConversationKey, ConversationEntry>,
}

impl TenantActor {
    /// The actor for one tenant; conversation actors go on `pool`.
    pub fn new(tenant_id: TenantId, deps: Arc<EngineDeps>, pool: ArbiterPool) -> Self {
        Self { tenant_id, deps, pool, contacts: HashMap::new(), resolving: HashMap::new(), conversations: HashMap::new() }
    }

    fn forward(&mut self, ctx: &mut Context<Self>, contact_id: ContactId, ev: RouteEvent) {
        let key = ConversationKey { channel_id: ev.channel.channel_id, contact_id };
        let entry = self.conversations.entry(key).or_insert_with(|| {
            let (deps, channel, tenant) = (self.deps.clone(), ev.channel.clone(), ctx.address().recipient());
            let addr = Supervisor::start_in_arbiter(self.pool.pick(&key), move |_| ConversationActor::new(key, channel, deps, tenant));
            ConversationEntry { addr, forwarded: 0 }
        });
        entry.forwarded += 1;
        entry.addr.do_send(ConversationInput { work: ev.work, receipt: ev.receipt });
    }

    fn resolve(&mut self, ctx: &mut Context<Self>, key: IdentityKey, identity: ContactIdentity) {
        let store = self.deps.store.clone();
        let tenant = self.tenant_id;
        let lookup = identity.clone();
        ctx.spawn(async move { store.resolve_contact(tenant, &lookup).await }.into_actor(self).map(move |res, act, ctx| {
            let waiting = act.resolving.remove(&key).unwrap_or_default();
            match res {
                Ok(contact_id) => {
                    for k in identity.keys() {
                        act.contacts.insert(k, contact_id);
                    }
                    for ev in waiting {
                        act.forward(ctx, contact_id, ev);
                    }
                }
                Err(e) => {
                    tracing::error!(tenant_id = %act.tenant_id, error = %e, "contact resolution failed");
                    let reason = e.to_string();
                    for ev in waiting {
                        ev.receipt.fail(&reason);
                    }
                }
            }
        }));
    }
}

impl Actor for TenantActor {
    type Context = Context<Self>;
}

impl Supervised for TenantActor {
    fn restarting(&mut self, _: &mut Self::Context) {
        // Waiting events fail back to their inbox rows (receipts on drop);
        // the conversation registry is kept, so no conversation is doubled.
        self.resolving.clear();
        self.contacts.clear();
    }
}

impl Handler<RouteEvent> for TenantActor {
    type Result = ();

    /// Finds the contact (from cache, or asks the store once per identity
    /// while later events for it wait in order) and forwards.
    fn handle(&mut self, ev: RouteEvent, ctx: &mut Self::Context) {
        let Some(key) = ev.identity.primary_key() else {
            ev.receipt.note(serde_json::json!({"kind": "rejected", "reason": "event names no customer"}));
            ev.receipt.complete();
            return;
        };
        if let Some(waiting) = self.resolving.get_mut(&key) {
            waiting.push(ev);
            return;
        }
        // Known by every key it carries: no store round trip. A key not seen
        // yet (a phone contact now also sending its user id) goes to the
        // store, which links it to the existing contact.
        if let Some(&contact_id) = self.contacts.get(&key) {
            if ev.identity.keys().iter().all(|k| self.contacts.get(k) == Some(&contact_id)) {
                self.forward(ctx, contact_id, ev);
                return;
            }
        }
        let identity = ev.identity.clone();
        self.resolving.insert(key.clone(), vec![ev]);
        self.resolve(ctx, key, identity);
    }
}

impl Handler<ConversationIdle> for TenantActor {
    type Result = ();

    /// Passivates an idle conversation if it has received all it was sent.
    fn handle(&mut self, msg: ConversationIdle, _: &mut Self::Context) {
        let caught_up = self.conversations.get(&msg.key).is_some_and(|e| e.forwarded == msg.received);
        if caught_up {
            if let Some(entry) = self.conversations.remove(&msg.key) {
                entry.addr.do_send(Passivate);
            }
        }
    }
}

impl Handler<TemplateStatusEvent> for TenantActor {
    type Result = ();

    /// Records a template's new status.
    fn handle(&mut self, msg: TemplateStatusEvent, ctx: &mut Self::Context) {
        let store = self.deps.store.clone();
        let tenant = self.tenant_id;
        ctx.spawn(
            async move {
                match store.apply_template_status(tenant, &msg.update).await {
                    Ok(()) => msg.receipt.complete(),
                    Err(e) => msg.receipt.fail(&e.to_string()),
                }
            }
            .into_actor(self),
        );
    }
}
