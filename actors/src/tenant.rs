//! `TenantActor`: one per tenant. It turns a customer identity into a
//! contact (asking the store once, then from its cache), owns the registry of
//! the tenant's live conversation actors (starting them on first use,
//! passivating them when idle) and the outboxes of its numbers, and forwards
//! all work to the right conversation: the edge's [`ConversationWork`] is
//! split here, once, into the conversation's own message of its kind (an
//! [`Event`] with its receipt, a command or a control), and each send's
//! outcome comes back here to go to its conversation as an event.
//!
//! It is the only sender to its conversation actors (their flow runs aside,
//! which keep them live anyway), so it can count what it forwarded: an idle
//! actor is passivated only when it has received all of it, and nothing is
//! ever sent to an actor that is stopping.

use crate::conversation::{
    parkable, remote_control, ChannelLink, CheckIdle, ConversationActor, ConversationGone, ConversationIdle, ConversationWork, Event,
    EventKind, Passivate, Relinquish, TenantLink, Work,
};
use crate::engine::EngineDeps;
use crate::events::ConversationEvent;
use crate::identity::{ContactIdentity, IdentityKey};
use crate::ids::{ChannelId, ContactId, TenantId};
use crate::meta::TemplateStatusUpdate;
use crate::metrics::EngineMetrics;
use crate::outbound::{ChannelOutbox, OutboundJob, ResumeJob, SendOutcome};
use crate::ownership::Fence;
use crate::parked::Handoff;
use crate::pool::ArbiterPool;
use crate::ports::{ChannelRef, ConversationSnapshot};
use crate::protocol::{ConversationKey, Lane};
use crate::remote::CommandHandoff;
use crate::ticket::EventReceipt;
use actix::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// How many times per idle period the tenant looks for idle conversations
/// (so an idle conversation is passivated between one and 1¼ idle periods
/// after it was last sent something).
const IDLE_SWEEPS: u32 = 4;

/// The shortest time between two sweeps (an idle period of zero must not
/// make the tenant spin).
const MIN_SWEEP_INTERVAL: std::time::Duration = std::time::Duration::from_millis(10);

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

/// A customer stopped or resumed marketing messages.
#[derive(Message)]
#[rtype(result = "()")]
pub struct MarketingPreferenceEvent {
    /// The change.
    pub preference: crate::meta::MarketingPreference,
    /// Completed once durable.
    pub receipt: EventReceipt,
}

/// The tenant's portfolio messaging limit changed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct MessagingLimitEvent {
    /// The change.
    pub limit: crate::meta::MessagingLimit,
    /// Completed once durable.
    pub receipt: EventReceipt,
}

/// Work for a known conversation (from the API or an agent's socket).
#[derive(Message)]
#[rtype(result = "()")]
pub struct ConversationCommand {
    /// Its channel.
    pub channel: ChannelRef,
    /// Its contact.
    pub contact_id: ContactId,
    /// What to do.
    pub work: ConversationWork,
}

struct ConversationEntry {
    addr: Addr<ConversationActor>,
    forwarded: u64,
    /// The lease it runs under (several nodes).
    fence: Option<crate::ports::Fence>,
    /// Its number among this tenant's conversation actors.
    incarnation: u64,
    /// When this tenant last sent it something or asked it whether it is
    /// idle, in milliseconds of the tenant's clock (see
    /// [`TenantActor::sweep_idle`]).
    quiet_since_ms: u64,
}

/// See the module doc.
pub struct TenantActor {
    tenant_id: TenantId,
    deps: Arc<EngineDeps>,
    pool: ArbiterPool,
    contacts: HashMap<IdentityKey, ContactId>,
    resolving: HashMap<IdentityKey, Vec<RouteEvent>>,
    conversations: HashMap<ConversationKey, ConversationEntry>,
    /// Each number's outbox and what its conversation actors share (see
    /// [`ChannelLink`]), made on first use; it lives as long as the tenant.
    links: HashMap<ChannelId, Arc<ChannelLink>>,
    /// The number the next conversation actor gets.
    next_incarnation: u64,
    /// The origin of the registry's send times.
    clock_origin: std::time::Instant,
    /// A new customer's conversation, opened with its contact, while the
    /// events that waited for the contact are forwarded: the actor started
    /// for that key takes it instead of opening the conversation again.
    opened: Option<(ConversationKey, Box<ConversationSnapshot>)>,
}

impl TenantActor {
    /// The actor for one tenant; conversation actors go on `pool`.
    pub fn new(tenant_id: TenantId, deps: Arc<EngineDeps>, pool: ArbiterPool) -> Self {
        Self {
            tenant_id,
            deps,
            pool,
            contacts: HashMap::new(),
            resolving: HashMap::new(),
            conversations: HashMap::new(),
            links: HashMap::new(),
            next_incarnation: 1,
            clock_origin: std::time::Instant::now(),
            opened: None,
        }
    }

    /// Milliseconds since this tenant started (the registry's send times).
    fn clock_ms(&self) -> u64 {
        u64::try_from(self.clock_origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Asks every conversation this tenant has sent nothing (nor asked)
    /// for a whole idle period whether it is idle; those that are report
    /// back with [`ConversationIdle`] and are passivated, the others (a
    /// flow run waits on the customer) are asked again a period later. One
    /// sweep of the registry per tenant, not a timer per conversation: an
    /// actix interval costs a boxed future and a boxed timer (about 180
    /// bytes) in each of a million live actors.
    fn sweep_idle(&mut self) {
        let idle_ms = u64::try_from(self.deps.settings.conversation_idle.as_millis()).unwrap_or(u64::MAX);
        let now = self.clock_ms();
        for entry in self.conversations.values_mut() {
            if now.saturating_sub(entry.quiet_since_ms) >= idle_ms {
                entry.quiet_since_ms = now;
                entry.addr.do_send(CheckIdle);
            }
        }
    }

    /// The channel's link: its outbox (started on first use) and this
    /// tenant's recipients, shared by every conversation actor on it.
    fn link(&mut self, ctx: &mut Context<Self>, channel: &ChannelRef) -> Arc<ChannelLink> {
        self.links
            .entry(channel.channel_id)
            .or_insert_with(|| {
                let (ch, deps, outcomes) = (channel.clone(), self.deps.clone(), ctx.address().recipient());
                let outbox = ChannelOutbox::start_in_arbiter(self.pool.pick(&channel.channel_id), move |_| {
                    ChannelOutbox::new(
                        ch.clone(),
                        ch.messages_per_second,
                        deps.transport.clone(),
                        deps.ledger.clone(),
                        outcomes,
                        deps.settings.ambiguous_grace,
                    )
                    .with_metrics(deps.metrics.clone())
                    .with_clock(deps.clock.clone())
                    .with_shared_rate(deps.shared_rate.clone())
                });
                let tenant = TenantLink { idle: ctx.address().recipient(), gone: ctx.address().recipient() };
                Arc::new(ChannelLink { channel: channel.clone(), outbox, tenant })
            })
            .clone()
    }

    fn forward(&mut self, ctx: &mut Context<Self>, contact_id: ContactId, ev: RouteEvent) {
        self.deliver(ctx, ev.channel, contact_id, ev.work, ev.receipt);
    }

    /// Splits the edge's work into the conversation's message of its kind
    /// and sends it. Only events are settled by their conversation: a
    /// command or control has no inbox row of its own, so a receipt handed
    /// with one (none of the engine's callers does) is settled on hand-over.
    /// Work for a conversation another node owns goes there instead (see
    /// [`Self::elsewhere`]).
    fn deliver(
        &mut self,
        ctx: &mut Context<Self>,
        channel: ChannelRef,
        contact_id: ContactId,
        work: ConversationWork,
        receipt: EventReceipt,
    ) {
        let work = Work::from(work);
        let key = ConversationKey { channel_id: channel.channel_id, contact_id };
        let fence = match self.deps.ownership.claim(&key).here() {
            Ok(fence) => fence,
            Err(partition) => return self.elsewhere(&channel, contact_id, partition, work, receipt),
        };
        match work {
            Work::Event(kind) => self.send_to(ctx, channel, contact_id, fence, Event { kind, receipt }),
            Work::Command(command) => {
                receipt.complete();
                self.send_to(ctx, channel, contact_id, fence, command);
            }
            Work::Control(control) => {
                receipt.complete();
                self.send_to(ctx, channel, contact_id, fence, control);
            }
        }
    }

    /// Work for a conversation whose partition another node owns: its
    /// events, commands and agents' controls (a read mark, a flow run's
    /// pause) are handed to that node durably (an event's receipt completes
    /// once stored; a command's sender is answered when the owner's answer
    /// comes back); typing and the engine's own controls are dropped. A
    /// local actor left from when this node owned the partition is stopped.
    fn elsewhere(&mut self, channel: &ChannelRef, contact_id: ContactId, partition: u16, work: Work, receipt: EventReceipt) {
        let key = ConversationKey { channel_id: channel.channel_id, contact_id };
        if let Some(entry) = self.conversations.remove(&key) {
            entry.addr.do_send(Relinquish);
        }
        match work {
            Work::Event(kind) => {
                let handoff = Handoff {
                    tenant_id: self.tenant_id,
                    phone_number_id: channel.phone_number_id.clone(),
                    contact_id,
                    partition,
                    works: parkable(kind),
                };
                EngineMetrics::add(&self.deps.metrics.events_handed_off, handoff.works.len() as u64);
                self.deps.handoffs.hand_off(handoff, receipt);
            }
            Work::Command(command) => {
                receipt.complete();
                let (command, waiter) = command.into_remote();
                self.hand_off_command(channel, contact_id, partition, command, waiter);
            }
            Work::Control(control) => {
                receipt.complete();
                if let Some(command) = remote_control(control) {
                    self.hand_off_command(channel, contact_id, partition, command, None);
                }
            }
        }
    }

    /// Hands a command for another node's conversation to it.
    fn hand_off_command(
        &self,
        channel: &ChannelRef,
        contact_id: ContactId,
        partition: u16,
        command: crate::remote::RemoteCommand,
        waiter: Option<crate::remote::Waiter>,
    ) {
        let handoff = CommandHandoff {
            tenant_id: self.tenant_id,
            phone_number_id: channel.phone_number_id.clone(),
            contact_id,
            partition,
            command,
            reply: None,
        };
        self.deps.handoffs.hand_off_command(handoff, waiter);
    }

    /// Stops the conversation's actor if it runs under another lease than
    /// `fence` (this node lost the partition and took it again since).
    fn stop_if_stale(&mut self, key: ConversationKey, fence: Option<Fence>) {
        if self.conversations.get(&key).is_some_and(|e| e.fence != fence) {
            if let Some(stale) = self.conversations.remove(&key) {
                stale.addr.do_send(Relinquish);
            }
        }
    }

    /// Sends a message to the conversation's actor, starting (or
    /// rehydrating) it under `fence`, and counts it as forwarded. An actor
    /// running under an older lease is stopped first.
    fn send_to<M>(&mut self, ctx: &mut Context<Self>, channel: ChannelRef, contact_id: ContactId, fence: Option<Fence>, msg: M)
    where
        M: Message<Result = ()> + Send + 'static,
        ConversationActor: Handler<M>,
    {
        let key = ConversationKey { channel_id: channel.channel_id, contact_id };
        self.stop_if_stale(key, fence);
        if !self.conversations.contains_key(&key) {
            let link = self.link(ctx, &channel);
            let deps = self.deps.clone();
            let incarnation = self.next_incarnation;
            self.next_incarnation += 1;
            let opened = self.opened.take_if(|(k, _)| *k == key).map(|(_, snapshot)| snapshot);
            let addr = Supervisor::start_in_arbiter(self.pool.pick(&key), move |_| {
                ConversationActor::new(key, link, deps).with_fence(fence).with_incarnation(incarnation).with_opened(opened)
            });
            self.conversations.insert(key, ConversationEntry { addr, forwarded: 0, fence, incarnation, quiet_since_ms: 0 });
        }
        let now = self.clock_ms();
        if let Some(entry) = self.conversations.get_mut(&key) {
            entry.forwarded += 1;
            entry.quiet_since_ms = now;
            entry.addr.do_send(msg);
        }
    }

    /// Asks the store for the contact behind `identity` on a task of its
    /// own; the answer comes back as a [`ContactResolved`] message. Not a
    /// future spawned in this actor's context: actix polls every such
    /// future each time the actor wakes, so with thousands of resolutions
    /// in flight (a burst of new customers while Postgres is busy) every
    /// event cost thousands of polls, and the tenant's thread, not
    /// Postgres, became the limit.
    /// On one node a new customer's conversation on `channel` (where its
    /// first event came) is opened in the same transaction as the contact.
    fn resolve(&mut self, ctx: &mut Context<Self>, key: IdentityKey, identity: ContactIdentity, channel: ChannelId) {
        let store = self.deps.store.clone();
        let (tenant, me) = (self.tenant_id, ctx.address());
        let open_here = self.deps.ownership.runs_everything();
        actix::spawn(async move {
            let result = if open_here {
                store.resolve_contact_opening(tenant, &identity, channel).await
            } else {
                store.resolve_contact(tenant, &identity).await.map(|contact| (contact, None))
            };
            let result = result.map(|(contact, opened)| (contact, opened.map(|snapshot| (channel, Box::new(snapshot)))));
            me.do_send(ContactResolved { key, identity, result });
        });
    }
}

/// A contact resolution's answer, back in the tenant's mailbox: the
/// contact, and the conversation opened with it (a new customer) on a
/// channel.
struct ContactResolved {
    key: IdentityKey,
    identity: ContactIdentity,
    result: Result<(ContactId, Option<OpenedOn>), crate::ports::StoreError>,
}

/// A new customer's conversation, opened with its contact, and the channel
/// it is on (the one its first event came to).
type OpenedOn = (ChannelId, Box<ConversationSnapshot>);

impl Message for ContactResolved {
    type Result = ();
}

impl Handler<ContactResolved> for TenantActor {
    type Result = ();

    /// Caches the contact and forwards the events that waited for it, in
    /// order; on failure they fail back to their inbox rows. (An answer
    /// asked before a restart finds the events that waited since: the same
    /// identity resolves to the same contact.)
    fn handle(&mut self, msg: ContactResolved, ctx: &mut Self::Context) {
        let waiting = self.resolving.remove(&msg.key).unwrap_or_default();
        match msg.result {
            Ok((contact_id, opened)) => {
                for k in msg.identity.keys() {
                    self.remember(k, contact_id);
                }
                self.opened = opened.map(|(channel_id, snapshot)| (ConversationKey { channel_id, contact_id }, snapshot));
                for ev in waiting {
                    self.forward(ctx, contact_id, ev);
                }
                // Not taken by a new actor (one for that key was already
                // running, started by another identity of the same new
                // customer, and loaded it as existing): announced here.
                if let Some((key, snapshot)) = self.opened.take() {
                    let conversation = snapshot.summary(key.channel_id, key.contact_id);
                    self.deps.sink.publish(self.tenant_id, snapshot.assignee_id, ConversationEvent::ConversationNew { conversation });
                }
            }
            Err(e) => {
                tracing::error!(tenant_id = %self.tenant_id, error = %e, "contact resolution failed");
                let reason = e.to_string();
                for ev in waiting {
                    ev.receipt.fail(&reason);
                }
            }
        }
    }
}

impl TenantActor {
    /// Caches a customer key; a full cache is emptied first (it refills from
    /// the store as customers write), so it never grows without bound.
    fn remember(&mut self, key: IdentityKey, contact: ContactId) {
        if self.contacts.len() >= self.deps.settings.contact_cache.max(1) && !self.contacts.contains_key(&key) {
            self.forget_all_contacts();
        }
        if self.contacts.insert(key, contact).is_none() {
            self.deps.metrics.contacts_cached.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    fn forget_all_contacts(&mut self) {
        let n = i64::try_from(self.contacts.len()).unwrap_or(i64::MAX);
        self.contacts.clear();
        self.contacts.shrink_to_fit();
        self.deps.metrics.contacts_cached.fetch_sub(n, std::sync::atomic::Ordering::Relaxed);
    }

    /// Forgets a contact that was deleted or merged away: its cache keys and
    /// its conversation actors (the next event re-resolves the customer).
    fn forget_contact(&mut self, contact: ContactId) {
        let before = self.contacts.len();
        self.contacts.retain(|_, c| *c != contact);
        let dropped = i64::try_from(before - self.contacts.len()).unwrap_or(0);
        self.deps.metrics.contacts_cached.fetch_sub(dropped, std::sync::atomic::Ordering::Relaxed);
        let keys: Vec<ConversationKey> = self.conversations.keys().filter(|k| k.contact_id == contact).copied().collect();
        for key in keys {
            if let Some(entry) = self.conversations.remove(&key) {
                entry.addr.do_send(Passivate);
            }
        }
    }
}

impl Actor for TenantActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let every = (self.deps.settings.conversation_idle / IDLE_SWEEPS).max(MIN_SWEEP_INTERVAL);
        ctx.run_interval(every, |act, _| act.sweep_idle());
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        self.forget_all_contacts();
    }
}

impl Supervised for TenantActor {
    fn restarting(&mut self, _: &mut Self::Context) {
        // Waiting events fail back to their inbox rows (receipts on drop);
        // the conversation registry is kept, so no conversation is doubled.
        self.resolving.clear();
        self.forget_all_contacts();
    }
}

/// This node lost partitions (several nodes): stop their conversations.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RelinquishLost;

impl Handler<RelinquishLost> for TenantActor {
    type Result = ();

    /// Stops every conversation whose lease is no longer this node's (or
    /// has changed): waiting events go back to their inbox rows.
    fn handle(&mut self, _: RelinquishLost, _: &mut Self::Context) {
        let ownership = self.deps.ownership.clone();
        let stale: Vec<ConversationKey> =
            self.conversations.iter().filter(|(key, entry)| ownership.claim(key).here() != Ok(entry.fence)).map(|(key, _)| *key).collect();
        for key in stale {
            if let Some(entry) = self.conversations.remove(&key) {
                entry.addr.do_send(Relinquish);
            }
        }
    }
}

/// A contact was deleted (or merged into another): forget it.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ContactRemoved {
    /// The contact.
    pub contact_id: ContactId,
}

impl Handler<ContactRemoved> for TenantActor {
    type Result = ();

    /// Drops the contact from the cache and its conversations from the
    /// registry, so the customer's next message makes a fresh contact.
    fn handle(&mut self, msg: ContactRemoved, _: &mut Self::Context) {
        self.forget_contact(msg.contact_id);
    }
}

impl Handler<ConversationGone> for TenantActor {
    type Result = ();

    /// A conversation stopped for good: forget it (and, when its contact is
    /// gone, the contact); its events come back through their inbox rows.
    fn handle(&mut self, msg: ConversationGone, _: &mut Self::Context) {
        if msg.contact_gone {
            self.forget_contact(msg.key.contact_id);
        } else if self.conversations.get(&msg.key).is_some_and(|e| e.incarnation == msg.incarnation) {
            self.conversations.remove(&msg.key);
        }
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
        let (identity, channel) = (ev.identity.clone(), ev.channel.channel_id);
        self.resolving.insert(key.clone(), vec![ev]);
        self.resolve(ctx, key, identity, channel);
    }
}

impl Handler<ConversationIdle> for TenantActor {
    type Result = ();

    /// Passivates an idle conversation if it has received all it was sent.
    fn handle(&mut self, msg: ConversationIdle, _: &mut Self::Context) {
        let caught_up = self.conversations.get(&msg.key).is_some_and(|e| e.incarnation == msg.incarnation && e.forwarded == msg.received);
        if caught_up {
            if let Some(entry) = self.conversations.remove(&msg.key) {
                entry.addr.do_send(Passivate);
            }
        }
    }
}

impl Handler<ConversationCommand> for TenantActor {
    type Result = ();

    /// Hands API or socket work to its conversation.
    fn handle(&mut self, cmd: ConversationCommand, ctx: &mut Self::Context) {
        self.deliver(ctx, cmd.channel, cmd.contact_id, cmd.work, EventReceipt::none());
    }
}

/// Events another node handed to this one, the owner of their
/// conversation's partition (several nodes).
#[derive(Message)]
#[rtype(result = "()")]
pub struct HandedOff {
    /// The conversation's channel.
    pub channel: ChannelRef,
    /// Its contact.
    pub contact_id: ContactId,
    /// The events, in order.
    pub works: Vec<crate::parked::ParkedWork>,
    /// The hand-off row's receipt: completed once every event is durable.
    pub receipt: EventReceipt,
}

impl Handler<HandedOff> for TenantActor {
    type Result = ();

    /// Feeds the events to the conversation as a replay (their order and
    /// de-duplication are the conversation's as for any event); handed on
    /// again if the partition moved once more.
    fn handle(&mut self, msg: HandedOff, ctx: &mut Self::Context) {
        self.deliver(ctx, msg.channel, msg.contact_id, ConversationWork::Replay(msg.works), msg.receipt);
    }
}

/// A stored send with no wamid yet, found at start-up: it may or may not
/// have reached Meta before the restart, so it is resent only if no status
/// webhook links a wamid to it first.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ResumeSend {
    /// Its channel.
    pub channel: ChannelRef,
    /// Its contact.
    pub contact_id: ContactId,
    /// The message.
    pub message_id: crate::ids::MessageId,
    /// The Cloud API body.
    pub body: serde_json::Value,
    /// How much of the grace since it was handed over is still to run:
    /// nothing is decided about it before.
    pub wait: std::time::Duration,
    /// Whether it was handed to Meta before the restart (its outcome is
    /// unknown). One never handed over is simply sent.
    pub attempted: bool,
    /// Live (a person's reply) or bulk (a flow's or a campaign's).
    pub lane: Lane,
}

impl Handler<ResumeSend> for TenantActor {
    type Result = ();

    /// Holds a send handed over before the restart, as uncertain, until its
    /// grace has passed; queues one never handed over as a fresh send.
    fn handle(&mut self, msg: ResumeSend, ctx: &mut Self::Context) {
        let key = ConversationKey { channel_id: msg.channel.channel_id, contact_id: msg.contact_id };
        let fence = match self.deps.ownership.claim(&key).here() {
            Ok(fence) => fence,
            Err(partition) => {
                // Its partition's owner resumes it when it takes the partition.
                tracing::info!(message_id = %msg.message_id, partition, "pending send left to the node that owns its conversation");
                return;
            }
        };
        self.link(ctx, &msg.channel).outbox.do_send(ResumeJob {
            job: OutboundJob {
                message_id: msg.message_id,
                conversation: ConversationKey { channel_id: msg.channel.channel_id, contact_id: msg.contact_id },
                body: msg.body,
                lane: msg.lane,
                attempt: 0,
                uncertain: msg.attempted,
                fence,
            },
            wait: if msg.attempted { msg.wait } else { std::time::Duration::ZERO },
        });
    }
}

impl Handler<SendOutcome> for TenantActor {
    type Result = ();

    /// Meta's answer to a send goes to its conversation, rehydrating it if it
    /// was passivated meanwhile: the wamid is always recorded.
    fn handle(&mut self, outcome: SendOutcome, ctx: &mut Self::Context) {
        let key = outcome.conversation;
        let Some(channel) = self.links.get(&key.channel_id).map(|link| link.channel.clone()) else {
            tracing::error!(tenant_id = %self.tenant_id, message_id = %outcome.message_id, "send outcome for an unknown channel");
            return;
        };
        let key = ConversationKey { channel_id: channel.channel_id, contact_id: key.contact_id };
        let fence = match self.deps.ownership.claim(&key).here() {
            Ok(fence) => fence,
            Err(partition) => {
                // The send went out from here before the partition moved:
                // its outcome goes to the new owner like any event.
                let work = Work::Event(EventKind::SendResult(outcome));
                return self.elsewhere(&channel, key.contact_id, partition, work, EventReceipt::none());
            }
        };
        self.send_to(ctx, channel, key.contact_id, fence, Event { kind: EventKind::SendResult(outcome), receipt: EventReceipt::none() });
    }
}

impl Handler<MarketingPreferenceEvent> for TenantActor {
    type Result = ();

    /// Records the customer's marketing consent.
    fn handle(&mut self, msg: MarketingPreferenceEvent, _: &mut Self::Context) {
        let store = self.deps.store.clone();
        let tenant = self.tenant_id;
        actix::spawn(async move {
            let p = &msg.preference;
            match store.set_marketing_consent(tenant, &p.customer, !p.stop, p.timestamp).await {
                Ok(()) => msg.receipt.complete(),
                Err(e) => msg.receipt.fail(&e.to_string()),
            }
        });
    }
}

impl Handler<MessagingLimitEvent> for TenantActor {
    type Result = ();

    /// Records the portfolio's messaging limit.
    fn handle(&mut self, msg: MessagingLimitEvent, _: &mut Self::Context) {
        let store = self.deps.store.clone();
        let tenant = self.tenant_id;
        actix::spawn(async move {
            match store.set_messaging_limit(tenant, &msg.limit).await {
                Ok(()) => msg.receipt.complete(),
                Err(e) => msg.receipt.fail(&e.to_string()),
            }
        });
    }
}

impl Handler<TemplateStatusEvent> for TenantActor {
    type Result = ();

    /// Records a template's new status.
    fn handle(&mut self, msg: TemplateStatusEvent, _: &mut Self::Context) {
        let store = self.deps.store.clone();
        let tenant = self.tenant_id;
        actix::spawn(async move {
            match store.apply_template_status(tenant, &msg.update).await {
                Ok(()) => msg.receipt.complete(),
                Err(e) => msg.receipt.fail(&e.to_string()),
            }
        });
    }
}
