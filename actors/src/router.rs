//! `WebhookRouter`: the entry of every parsed webhook. It resolves each
//! event's channel from Meta's `phone_number_id` (never from anything a
//! client says), checks that a tenant's own Meta app only speaks for that
//! tenant's numbers, and hands the event to the tenant's actor. Unrouted and
//! rejected events are noted on the inbox row, never silently dropped.
//!
//! It is a plain shared struct rather than an actor: HTTP workers call it
//! concurrently and nothing in it needs a single thread.

use crate::conversation::ConversationWork;
use crate::engine::EngineDeps;
use crate::ids::TenantId;
use crate::meta::{ParsedWebhook, WebhookEvent};
use crate::metrics::EngineMetrics;
use crate::pool::ArbiterPool;
use crate::ports::{ChannelRef, StoreError};
use crate::tenant::{RouteEvent, TemplateStatusEvent, TenantActor};
use crate::ticket::{EventReceipt, InboxTicket};
use actix::{Addr, Supervisor};
use dashmap::DashMap;
use serde_json::json;
use std::sync::Arc;

/// Which Meta app signed the POST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookSource {
    /// The platform's own app: may speak for any connected number.
    Platform,
    /// A tenant's own Meta app: may speak only for that tenant's numbers.
    TenantApp(TenantId),
}

/// See the module doc.
pub struct WebhookRouter {
    deps: Arc<EngineDeps>,
    pool: ArbiterPool,
    tenants: DashMap<TenantId, Addr<TenantActor>>,
    channels: DashMap<String, ChannelRef>,
}

impl WebhookRouter {
    /// A router whose actors live on `pool`.
    pub fn new(deps: Arc<EngineDeps>, pool: ArbiterPool) -> Self {
        Self { deps, pool, tenants: DashMap::new(), channels: DashMap::new() }
    }

    /// The shared ports (for the server's own use of the same store/sink).
    pub fn deps(&self) -> &Arc<EngineDeps> {
        &self.deps
    }

    /// The tenant's actor, started on first use.
    pub fn tenant(&self, tenant_id: TenantId) -> Addr<TenantActor> {
        self.tenants
            .entry(tenant_id)
            .or_insert_with(|| {
                let (deps, pool) = (self.deps.clone(), self.pool.clone());
                Supervisor::start_in_arbiter(self.pool.pick(&tenant_id), move |_| TenantActor::new(tenant_id, deps, pool))
            })
            .clone()
    }

    /// Work for a known conversation (API and sockets).
    pub fn command(&self, cmd: crate::tenant::ConversationCommand) {
        self.tenant(cmd.channel.tenant_id).do_send(cmd);
    }

    /// Tells a tenant that a contact was deleted or merged away, so no event
    /// is sent to its conversations again.
    pub fn contact_removed(&self, tenant: TenantId, contact: crate::ids::ContactId) {
        if let Some(t) = self.tenants.get(&tenant) {
            t.do_send(crate::tenant::ContactRemoved { contact_id: contact });
        }
    }

    /// Stops, in every tenant, the conversations this node no longer owns
    /// (several nodes: a lease was lost or could not be renewed in time),
    /// instead of waiting for their next work to find out.
    pub fn relinquish_lost(&self) {
        for t in self.tenants.iter() {
            t.do_send(crate::tenant::RelinquishLost);
        }
    }

    /// Forgets a cached channel (after it is changed or disconnected).
    pub fn forget_channel(&self, phone_number_id: &str) {
        self.channels.remove(phone_number_id);
    }

    async fn channel(&self, phone_number_id: &str) -> Result<Option<ChannelRef>, StoreError> {
        if let Some(c) = self.channels.get(phone_number_id) {
            return Ok(Some(c.clone()));
        }
        let found = self.deps.directory.channel_by_phone_number_id(phone_number_id).await?;
        if let Some(c) = &found {
            self.channels.insert(phone_number_id.to_owned(), c.clone());
        }
        Ok(found)
    }

    /// Routes every event of one POST, in order. The ticket settles the POST's
    /// inbox row once every event is durable (or fails it for retry).
    pub async fn dispatch(&self, source: WebhookSource, parsed: ParsedWebhook, ticket: Arc<InboxTicket>) {
        let m = &self.deps.metrics;
        for rejected in parsed.rejected {
            EngineMetrics::add(&m.events_rejected, 1);
            tracing::warn!(inbox_id = ticket.inbox_id(), reason = %rejected.reason, "webhook event rejected");
            ticket.note(json!({"kind": "rejected", "reason": rejected.reason, "event": rejected.raw}));
        }
        for event in parsed.events {
            let (address, identity, work) = match event {
                WebhookEvent::Message(msg) => (msg.channel.clone(), msg.from.clone(), ConversationWork::Inbound(msg)),
                WebhookEvent::Status(st) => (st.channel.clone(), st.recipient.clone(), ConversationWork::Status(st)),
                WebhookEvent::TemplateStatus(update) => {
                    self.route_template_status(source, update, &ticket).await;
                    continue;
                }
                WebhookEvent::MarketingPreference(preference) => {
                    self.route_preference(source, preference, &ticket).await;
                    continue;
                }
                WebhookEvent::MessagingLimit(limit) => {
                    self.route_limit(source, limit, &ticket).await;
                    continue;
                }
                WebhookEvent::Other { .. } => continue,
            };
            let channel = match self.channel(&address.phone_number_id).await {
                Ok(Some(c)) => c,
                Ok(None) => {
                    EngineMetrics::add(&m.events_unrouted, 1);
                    tracing::warn!(inbox_id = ticket.inbox_id(), phone_number_id = %address.phone_number_id, "webhook event for a number that is not connected: kept as unrouted");
                    ticket.note(json!({"kind": "unrouted", "phone_number_id": address.phone_number_id}));
                    continue;
                }
                Err(e) => {
                    ticket.fail(e.to_string());
                    continue;
                }
            };
            if let WebhookSource::TenantApp(app_tenant) = source {
                if app_tenant != channel.tenant_id {
                    EngineMetrics::add(&m.events_rejected, 1);
                    tracing::warn!(inbox_id = ticket.inbox_id(), phone_number_id = %address.phone_number_id, "a tenant's Meta app sent an event for another tenant's number: refused");
                    ticket.note(json!({"kind": "foreign_channel", "phone_number_id": address.phone_number_id}));
                    continue;
                }
            }
            let receipt = EventReceipt::new(ticket.clone());
            self.tenant(channel.tenant_id).do_send(RouteEvent { channel, identity, work, receipt });
        }
    }

    /// Feeds a dead letter's events back: to the tenant's actor as the
    /// customer's events (so the customer's contact is found afresh), with a
    /// receipt tied to the replay's own inbox row (settled when all are
    /// durable, retried otherwise).
    pub async fn replay(&self, tenant: TenantId, phone_number_id: &str, events: crate::parked::ParkedEvents, ticket: Arc<InboxTicket>) {
        let channel = match self.channel(phone_number_id).await {
            Ok(Some(c)) if c.tenant_id == tenant => c,
            Ok(_) => {
                ticket.note(json!({"kind": "unrouted", "phone_number_id": phone_number_id, "replay": true}));
                return;
            }
            Err(e) => return ticket.fail(e.to_string()),
        };
        let receipt = EventReceipt::new(ticket);
        self.tenant(tenant).do_send(RouteEvent {
            channel,
            identity: events.customer,
            work: ConversationWork::Replay(events.works),
            receipt,
        });
    }

    /// A connected number by its Meta id (cached).
    pub async fn channel_ref(&self, phone_number_id: &str) -> Result<Option<ChannelRef>, StoreError> {
        self.channel(phone_number_id).await
    }

    /// Events another node handed to this one (several nodes): to their
    /// conversation, by the number and contact already resolved there.
    pub async fn handed_off(&self, handoff: crate::parked::Handoff, ticket: Arc<InboxTicket>) {
        let channel = match self.channel(&handoff.phone_number_id).await {
            Ok(Some(c)) if c.tenant_id == handoff.tenant_id => c,
            Ok(_) => {
                ticket.note(json!({"kind": "unrouted", "phone_number_id": handoff.phone_number_id, "handoff": true}));
                return;
            }
            Err(e) => return ticket.fail(e.to_string()),
        };
        self.tenant(handoff.tenant_id).do_send(crate::tenant::HandedOff {
            channel,
            contact_id: handoff.contact_id,
            works: handoff.works,
            receipt: EventReceipt::new(ticket),
        });
    }

    /// A customer's marketing stop or resume, to the tenant of the number
    /// it was said to.
    async fn route_preference(&self, source: WebhookSource, preference: crate::meta::MarketingPreference, ticket: &Arc<InboxTicket>) {
        match self.channel(&preference.channel.phone_number_id).await {
            Ok(Some(channel)) if source == WebhookSource::Platform || source == WebhookSource::TenantApp(channel.tenant_id) => {
                let receipt = EventReceipt::new(ticket.clone());
                self.tenant(channel.tenant_id).do_send(crate::tenant::MarketingPreferenceEvent { preference, receipt });
            }
            Ok(_) => {
                EngineMetrics::add(&self.deps.metrics.events_unrouted, 1);
                ticket.note(json!({"kind": "unrouted", "phone_number_id": preference.channel.phone_number_id}));
            }
            Err(e) => ticket.fail(e.to_string()),
        }
    }

    /// A portfolio's messaging limit, to the tenant that owns the WABA.
    async fn route_limit(&self, source: WebhookSource, limit: crate::meta::MessagingLimit, ticket: &Arc<InboxTicket>) {
        match self.deps.directory.tenant_by_waba(&limit.waba_id).await {
            Ok(Some(tenant)) if source == WebhookSource::Platform || source == WebhookSource::TenantApp(tenant) => {
                let receipt = EventReceipt::new(ticket.clone());
                self.tenant(tenant).do_send(crate::tenant::MessagingLimitEvent { limit, receipt });
            }
            Ok(_) => {
                EngineMetrics::add(&self.deps.metrics.events_unrouted, 1);
                ticket.note(json!({"kind": "unrouted", "waba_id": limit.waba_id}));
            }
            Err(e) => ticket.fail(e.to_string()),
        }
    }

    async fn route_template_status(&self, source: WebhookSource, update: crate::meta::TemplateStatusUpdate, ticket: &Arc<InboxTicket>) {
        match self.deps.directory.tenant_by_waba(&update.waba_id).await {
            Ok(Some(tenant)) if source == WebhookSource::Platform || source == WebhookSource::TenantApp(tenant) => {
                let receipt = EventReceipt::new(ticket.clone());
                self.tenant(tenant).do_send(TemplateStatusEvent { update, receipt });
            }
            Ok(_) => {
                EngineMetrics::add(&self.deps.metrics.events_unrouted, 1);
                ticket.note(json!({"kind": "unrouted", "waba_id": update.waba_id, "template": update.name}));
            }
            Err(e) => ticket.fail(e.to_string()),
        }
    }
}
