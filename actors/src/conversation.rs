//! `ConversationActor`: one per live conversation (a channel and a contact).
//!
//! It owns the conversation's order: events are queued in arrival order,
//! given sequence numbers, and committed in batches (one batch in flight at a
//! time, so the next batch gathers everything that arrived meanwhile). Only
//! after a commit does anything reach agents. It owns the 24-hour session
//! window, the unread count and the status. A store failure fails the
//! batch's inbox rows back for retry and stops the actor; its supervisor
//! restarts it and it reloads from Postgres. Idle actors ask their tenant to
//! passivate them.

use crate::engine::EngineDeps;
use crate::events::{ConversationEvent, ConversationSummary};
use crate::ids::{ContactId, ConversationId, MessageId};
use crate::message::{Direction, MessageStatus, MessageView};
use crate::meta::{InboundMessage, StatusUpdate};
use crate::metrics::EngineMetrics;
use crate::ports::{
    BatchOutcome, ChannelRef, ConversationBatch, ConversationSnapshot, HeldEvent, NewMessage, ReactionChange, StatusChange, StoreError,
};
use crate::ticket::EventReceipt;
use crate::window::SessionWindow;
use actix::prelude::*;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often an actor checks whether it has idled long enough to passivate.
const IDLE_CHECK_DIVISOR: u32 = 4;

/// The longest a restarted actor waits before reloading (the wait doubles
/// with each consecutive failure, so a database outage is not hammered).
const MAX_RELOAD_BACKOFF: Duration = Duration::from_secs(5);

/// Identifies a conversation: one channel, one contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConversationKey {
    /// The business number.
    pub channel_id: crate::ids::ChannelId,
    /// The customer.
    pub contact_id: ContactId,
}

/// Work a conversation applies.
#[derive(Debug, Clone)]
pub enum ConversationWork {
    /// A customer message.
    Inbound(InboundMessage),
    /// A status for one of our messages.
    Status(StatusUpdate),
    /// A parked event whose message has appeared.
    Held(HeldEvent),
}

/// Delivered by the tenant actor: work plus the receipt to complete once it
/// is durable.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ConversationInput {
    /// The work.
    pub work: ConversationWork,
    /// Completed after commit.
    pub receipt: EventReceipt,
}

/// Sent by the tenant once it has forgotten this actor's address: stop now.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Passivate;

/// Sent to the tenant when the actor has idled: `received` lets the tenant
/// check that nothing is still on its way to this actor.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ConversationIdle {
    /// Which conversation.
    pub key: ConversationKey,
    /// How many inputs the actor has received in its life.
    pub received: u64,
}

struct Queued {
    work: ConversationWork,
    receipt: EventReceipt,
}

struct Live {
    snapshot: ConversationSnapshot,
    window: SessionWindow,
}

/// See the module doc.
pub struct ConversationActor {
    key: ConversationKey,
    channel: ChannelRef,
    deps: Arc<EngineDeps>,
    tenant: Recipient<ConversationIdle>,
    live: Option<Live>,
    queue: VecDeque<Queued>,
    flushing: bool,
    received: u64,
    last_activity: Instant,
    consecutive_failures: u32,
}

impl ConversationActor {
    /// An actor for `key`, reporting idleness to `tenant`.
    pub fn new(key: ConversationKey, channel: ChannelRef, deps: Arc<EngineDeps>, tenant: Recipient<ConversationIdle>) -> Self {
        Self {
            key,
            channel,
            deps,
            tenant,
            live: None,
            queue: VecDeque::new(),
            flushing: false,
            received: 0,
            last_activity: Instant::now(),
            consecutive_failures: 0,
        }
    }

    fn summary(&self) -> Option<ConversationSummary> {
        let live = self.live.as_ref()?;
        let s = &live.snapshot;
        Some(ConversationSummary {
            id: s.id,
            channel_id: self.key.channel_id,
            contact_id: self.key.contact_id,
            status: s.status.clone(),
            assignee_id: s.assignee_id,
            unread_count: s.unread_count,
            last_seq: s.last_seq,
            last_message_at: s.last_message_at,
            last_inbound_at: s.last_inbound_at,
            window_expires_at: live.window.expires_at(),
        })
    }

    fn load(&mut self, ctx: &mut Context<Self>) {
        let store = self.deps.store.clone();
        let (tenant, channel, contact) = (self.channel.tenant_id, self.key.channel_id, self.key.contact_id);
        let backoff = if self.consecutive_failures == 0 {
            Duration::ZERO
        } else {
            let shift = self.consecutive_failures.min(7);
            (Duration::from_millis(50) * (1u32 << shift)).min(MAX_RELOAD_BACKOFF)
        };
        let fut = async move {
            if !backoff.is_zero() {
                actix::clock::sleep(backoff).await;
            }
            store.open_conversation(tenant, channel, contact).await
        };
        ctx.wait(fut.into_actor(self).map(|res, act, ctx| match res {
            Ok(snapshot) => {
                let created = snapshot.created;
                let window = SessionWindow::from_last_inbound(snapshot.last_inbound_at);
                act.live = Some(Live { snapshot, window });
                if created {
                    if let Some(conversation) = act.summary() {
                        act.deps.sink.publish(act.channel.tenant_id, ConversationEvent::ConversationNew { conversation });
                    }
                }
                act.flush(ctx);
            }
            Err(e) => act.fail(ctx, &e, Vec::new()),
        }));
    }

    /// Commits what is queued, unless a commit is already in flight.
    fn flush(&mut self, ctx: &mut Context<Self>) {
        if self.flushing || self.queue.is_empty() {
            return;
        }
        let Some(live) = &self.live else { return };
        let take = self.queue.len().min(self.deps.settings.max_batch_events.max(1));
        let (works, receipts): (Vec<_>, Vec<_>) = self.queue.drain(..take).map(|q| (q.work, q.receipt)).unzip();
        let batch = plan_batch(self.channel.tenant_id, live.snapshot.id, live.snapshot.last_seq, works);
        self.flushing = true;
        let store = self.deps.store.clone();
        let sent = batch.clone();
        ctx.spawn(async move { store.commit(batch).await }.into_actor(self).map(move |res, act, ctx| {
            act.flushing = false;
            match res {
                Ok(outcome) => {
                    act.consecutive_failures = 0;
                    act.committed(&sent, outcome);
                    for r in receipts {
                        r.complete();
                    }
                    act.flush(ctx);
                }
                Err(e) => act.fail(ctx, &e, receipts),
            }
        }));
    }

    /// Applies a committed batch to memory and tells the agents.
    fn committed(&mut self, batch: &ConversationBatch, outcome: BatchOutcome) {
        let m = &self.deps.metrics;
        EngineMetrics::add(&m.batches_committed, 1);
        EngineMetrics::add(&m.messages_stored, outcome.inserted.len() as u64);
        EngineMetrics::add(&m.messages_duplicate, (batch.messages.len() - outcome.inserted.len().min(batch.messages.len())) as u64);
        EngineMetrics::add(&m.statuses_applied, outcome.statuses_applied.len() as u64);
        EngineMetrics::add(&m.statuses_stale, batch.statuses.len().saturating_sub(outcome.statuses_applied.len() + outcome.held) as u64);
        EngineMetrics::add(&m.events_held, outcome.held as u64);
        let Some(live) = &mut self.live else { return };
        let conversation_id = live.snapshot.id;
        match outcome.conversation {
            Some(snap) => live.snapshot = ConversationSnapshot { created: false, ..snap },
            None => live.snapshot.last_seq = live.snapshot.last_seq.max(batch.last_seq),
        }
        live.window = SessionWindow::from_last_inbound(live.snapshot.last_inbound_at);
        let now = self.deps.clock.now();
        let tenant = self.channel.tenant_id;
        let inserted: std::collections::HashSet<MessageId> = outcome.inserted.iter().copied().collect();
        for msg in batch.messages.iter().filter(|m| inserted.contains(&m.id)) {
            let message = Box::new(view_of(conversation_id, msg, now));
            self.deps.sink.publish(tenant, ConversationEvent::MessageNew { conversation_id, seq: msg.seq, message });
        }
        for s in outcome.statuses_applied {
            self.deps.sink.publish(
                tenant,
                ConversationEvent::MessageStatus {
                    conversation_id,
                    seq: s.seq,
                    message_id: s.message_id,
                    wamid: s.wamid,
                    status: s.status,
                    error: s.errors,
                },
            );
        }
        if !inserted.is_empty() {
            if let Some(conversation) = self.summary() {
                self.deps.sink.publish(tenant, ConversationEvent::ConversationUpdated { conversation });
            }
        }
        EngineMetrics::add(&self.deps.metrics.events_released, outcome.released.len() as u64);
        for held in outcome.released.into_iter().rev() {
            self.queue.push_front(Queued { work: ConversationWork::Held(held), receipt: EventReceipt::none() });
        }
    }

    fn fail(&mut self, ctx: &mut Context<Self>, e: &StoreError, receipts: Vec<EventReceipt>) {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        tracing::error!(
            tenant_id = %self.channel.tenant_id,
            channel_id = %self.key.channel_id,
            contact_id = %self.key.contact_id,
            conversation_id = ?self.live.as_ref().map(|l| l.snapshot.id),
            error = %e,
            "conversation actor failed; restarting from the store"
        );
        let reason = e.to_string();
        for r in receipts {
            r.fail(&reason);
        }
        ctx.stop();
    }
}

/// Turns queued work into one batch: sequence numbers in arrival order,
/// several statuses for one message merged into its net change.
pub fn plan_batch(
    tenant_id: crate::ids::TenantId,
    conversation_id: ConversationId,
    last_seq: i64,
    works: Vec<ConversationWork>,
) -> ConversationBatch {
    let mut seq = last_seq;
    let mut messages = Vec::new();
    let mut reactions = Vec::new();
    let mut statuses: Vec<StatusChange> = Vec::new();
    let mut status_index: HashMap<crate::ids::Wamid, usize> = HashMap::new();
    let mut merge = |change: StatusChange, statuses: &mut Vec<StatusChange>| match status_index.get(&change.wamid) {
        Some(&i) => merge_status(&mut statuses[i], change),
        None => {
            status_index.insert(change.wamid.clone(), statuses.len());
            statuses.push(change);
        }
    };
    for work in works {
        match work {
            ConversationWork::Inbound(m) => {
                seq += 1;
                if let Some((target, emoji)) = m.reaction_target() {
                    reactions.push(ReactionChange { target, emoji, at: m.timestamp, seq });
                }
                messages.push(NewMessage {
                    id: MessageId::generate(),
                    seq,
                    wamid: Some(m.wamid),
                    direction: Direction::Inbound,
                    kind: m.kind,
                    status: MessageStatus::Received,
                    content: m.content,
                    context: m.context,
                    referral: m.referral,
                    errors: m.errors,
                    sent_by: None,
                    timestamp: m.timestamp,
                });
            }
            ConversationWork::Status(s) => merge(status_change(s), &mut statuses),
            ConversationWork::Held(HeldEvent::Status(s)) => merge(s, &mut statuses),
            ConversationWork::Held(HeldEvent::Reaction(mut r)) => {
                seq += 1;
                r.seq = seq;
                reactions.push(r);
            }
        }
    }
    for s in &mut statuses {
        seq += 1;
        s.seq = seq;
    }
    ConversationBatch { tenant_id, conversation_id, messages, statuses, reactions, last_seq: seq }
}

fn status_change(s: StatusUpdate) -> StatusChange {
    let at = Some(s.timestamp);
    let mut c = StatusChange {
        wamid: s.wamid,
        status: s.status,
        seq: 0,
        sent_at: None,
        delivered_at: None,
        read_at: None,
        failed_at: None,
        errors: s.errors,
        pricing: s.pricing,
        conversation: s.conversation,
    };
    match s.status {
        MessageStatus::Sent => c.sent_at = at,
        MessageStatus::Delivered => c.delivered_at = at,
        MessageStatus::Read | MessageStatus::Played => c.read_at = at,
        MessageStatus::Failed => c.failed_at = at,
        _ => {}
    }
    c
}

/// Folds a later-listed status for the same message into an earlier one:
/// the higher status wins, every timestamp and the latest pricing are kept.
fn merge_status(into: &mut StatusChange, next: StatusChange) {
    if next.status.rank() > into.status.rank() {
        into.status = next.status;
    }
    into.sent_at = into.sent_at.or(next.sent_at);
    into.delivered_at = into.delivered_at.or(next.delivered_at);
    into.read_at = into.read_at.or(next.read_at);
    into.failed_at = into.failed_at.or(next.failed_at);
    if next.errors.is_some() {
        into.errors = next.errors;
    }
    if next.pricing.is_some() {
        into.pricing = next.pricing;
    }
    if next.conversation.is_some() {
        into.conversation = next.conversation;
    }
}

fn view_of(conversation_id: ConversationId, m: &NewMessage, now: chrono::DateTime<chrono::Utc>) -> MessageView {
    MessageView {
        id: m.id,
        conversation_id,
        seq: m.seq,
        wamid: m.wamid.clone(),
        direction: m.direction,
        kind: m.kind.clone(),
        status: m.status,
        content: m.content.clone(),
        context: m.context.clone(),
        referral: m.referral.clone(),
        errors: m.errors.clone(),
        reaction: None,
        pricing: None,
        sent_by: m.sent_by.clone(),
        timestamp: m.timestamp,
        created_at: now,
        sent_at: None,
        delivered_at: None,
        read_at: None,
        failed_at: None,
    }
}

impl Actor for ConversationActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        EngineMetrics::add(&self.deps.metrics.conversations_started, 1);
        self.deps.metrics.conversations_live.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let idle = self.deps.settings.conversation_idle;
        ctx.run_interval(idle / IDLE_CHECK_DIVISOR, move |act, _ctx| {
            if act.queue.is_empty() && !act.flushing && act.last_activity.elapsed() >= idle {
                act.tenant.do_send(ConversationIdle { key: act.key, received: act.received });
            }
        });
        self.load(ctx);
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        self.deps.metrics.conversations_live.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Supervised for ConversationActor {
    fn restarting(&mut self, _: &mut Self::Context) {
        EngineMetrics::add(&self.deps.metrics.conversation_restarts, 1);
        self.deps.metrics.conversations_live.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        self.flushing = false;
        self.live = None;
    }
}

impl Handler<ConversationInput> for ConversationActor {
    type Result = ();

    /// Queues the work; commits it with whatever else is waiting.
    fn handle(&mut self, msg: ConversationInput, ctx: &mut Self::Context) {
        self.received += 1;
        self.last_activity = Instant::now();
        self.queue.push_back(Queued { work: msg.work, receipt: msg.receipt });
        self.flush(ctx);
    }
}

impl Handler<Passivate> for ConversationActor {
    type Result = ();

    /// Stops; with no address left, the supervisor lets it go.
    fn handle(&mut self, _: Passivate, ctx: &mut Self::Context) {
        if self.queue.is_empty() && !self.flushing {
            EngineMetrics::add(&self.deps.metrics.conversations_passivated, 1);
            ctx.stop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::ContactIdentity;
    use crate::ids::{TenantId, Wamid};
    use crate::meta::webhook::ChannelAddress;
    use chrono::Utc;

    fn status(wamid: &str, s: MessageStatus) -> ConversationWork {
        ConversationWork::Status(StatusUpdate {
            channel: ChannelAddress { phone_number_id: "p".into(), display_phone_number: String::new(), waba_id: String::new() },
            wamid: Wamid(wamid.into()),
            status: s,
            recipient: ContactIdentity::default(),
            timestamp: Utc::now(),
            errors: None,
            conversation: None,
            pricing: if s == MessageStatus::Sent { Some(serde_json::json!({"billable": true})) } else { None },
        })
    }

    #[test]
    fn statuses_of_one_message_merge_and_never_regress() {
        let works = vec![
            status("w1", MessageStatus::Read),
            status("w1", MessageStatus::Sent),
            status("w1", MessageStatus::Delivered),
            status("w2", MessageStatus::Sent),
        ];
        let b = plan_batch(TenantId::generate(), ConversationId::generate(), 10, works);
        assert_eq!(b.statuses.len(), 2);
        assert_eq!(b.statuses[0].status, MessageStatus::Read);
        assert!(b.statuses[0].sent_at.is_some() && b.statuses[0].delivered_at.is_some() && b.statuses[0].read_at.is_some());
        assert!(b.statuses[0].pricing.is_some());
        assert_eq!((b.statuses[0].seq, b.statuses[1].seq, b.last_seq), (11, 12, 12));
    }
}
