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
use crate::flow::actor::{FlowControl, FlowRun, FlowTrigger};
use crate::flow::run::{ActiveFlow, RunRecord, Trigger};
use crate::ids::{ContactId, ConversationId, MessageId};
use crate::message::{Direction, MessageStatus, MessageView};
use crate::meta::{InboundMessage, StatusUpdate};
use crate::metrics::EngineMetrics;
use crate::outbound::{ChannelOutbox, Lane, OutboundJob, SendOutcome, SendResult, StatusPing};
use crate::parked::{unplan, ParkedEvents, ParkedWork};
use crate::ports::{
    BatchOutcome, ChannelRef, ConversationBatch, ConversationPatch, ConversationSnapshot, DeadLetter, HeldEvent, NewMessage,
    OutboundUpdate, ReactionChange, StatusChange, StoreError,
};
use crate::send::{SendRefusal, SendRequest};
use crate::ticket::EventReceipt;
use crate::window::SessionWindow;
use actix::prelude::*;
use serde_json::Value;
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
#[derive(Debug)]
pub enum ConversationWork {
    /// A customer message.
    Inbound(InboundMessage),
    /// A status for one of our messages.
    Status(StatusUpdate),
    /// A parked event whose message has appeared.
    Held(HeldEvent),
    /// An agent, flow, campaign or API client sends a message.
    Send(SendRequest),
    /// Meta's answer to a send.
    SendResult(SendOutcome),
    /// Agents read the conversation: unread to zero, read receipt to Meta.
    MarkRead,
    /// An agent is typing: the customer sees the typing indicator.
    Typing,
    /// Status / assignee change, answered once stored.
    Patch(ConversationPatch, ReplyTo<ConversationSummary>),
    /// Start a flow by hand (an agent or the API); answers the run id.
    StartFlow {
        /// The flow.
        flow_id: uuid::Uuid,
        /// The run id, or why not.
        reply: Option<tokio::sync::oneshot::Sender<Result<uuid::Uuid, String>>>,
    },
    /// Pause, resume or stop the conversation's run.
    Flow(FlowControl),
    /// The run ended (sent by the run).
    FlowEnded {
        /// Which run.
        run_id: uuid::Uuid,
    },
    /// Tell the agents something (sent by the run).
    Notify {
        /// What kind.
        kind: String,
        /// For people.
        message: String,
    },
    /// Just load (rehydrate a conversation whose run must go on).
    Wake,
    /// Send again a message whose outcome was unconfirmed: an agent asked,
    /// and its row is pending again.
    Resend {
        /// The message.
        message_id: MessageId,
        /// Its Cloud API body.
        body: Value,
    },
    /// Events fed back: a dead letter an operator retries.
    Replay(Vec<ParkedWork>),
}

/// Work from this conversation's own flow run: not counted as forwarded by
/// the tenant (a conversation with a live run is never passivated).
#[derive(Message)]
#[rtype(result = "()")]
pub struct FromFlow(pub ConversationWork);

/// Where the answer to a command goes.
pub type ReplyTo<T> = Option<tokio::sync::oneshot::Sender<Result<T, SendRefusal>>>;

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

/// Sent to the tenant when the actor stops for good on its own: a row the
/// conversation depends on has vanished (its contact was deleted or merged:
/// the tenant also forgets the contact, and the events go back to their
/// inbox rows to be routed again), or it keeps failing with nothing left to
/// set aside (the tenant forgets the actor; the next event starts a new one).
#[derive(Message)]
#[rtype(result = "()")]
pub struct ConversationGone {
    /// Which conversation.
    pub key: ConversationKey,
    /// Whether the contact itself is gone.
    pub contact_gone: bool,
}

/// Where a conversation actor reports to its tenant.
#[derive(Clone)]
pub struct TenantLink {
    /// Idleness (passivation).
    pub idle: Recipient<ConversationIdle>,
    /// A vanished contact or conversation.
    pub gone: Recipient<ConversationGone>,
}

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
    tenant: TenantLink,
    outbox: Addr<ChannelOutbox>,
    live: Option<Live>,
    queue: VecDeque<Queued>,
    flushing: bool,
    received: u64,
    last_activity: Instant,
    consecutive_failures: u32,
    /// Failures in a row that waiting will not cure (a bug, a constraint):
    /// at [`crate::engine::EngineSettings::dead_letter_after`] the failing
    /// events are parked as a dead letter.
    poison_failures: u32,
    /// Told to passivate: stop for good. The tenant drops its address right
    /// after telling, possibly a moment after this actor stops on another
    /// thread; if the supervisor restarts it in that moment, it stops again.
    passivating: bool,
    /// Whether this incarnation is counted in the live gauge.
    counted_live: bool,
    /// The conversation's running flow, if any.
    flow_run: Option<LiveRun>,
    /// A new conversation whose first message may start a welcome flow.
    welcome_pending: bool,
}

struct LiveRun {
    addr: Addr<FlowRun>,
    run_id: uuid::Uuid,
    pause_on_agent_reply: bool,
}

impl ConversationActor {
    /// An actor for `key`, reporting idleness to `tenant`.
    pub fn new(key: ConversationKey, channel: ChannelRef, deps: Arc<EngineDeps>, tenant: TenantLink, outbox: Addr<ChannelOutbox>) -> Self {
        Self {
            key,
            channel,
            deps,
            tenant,
            outbox,
            live: None,
            queue: VecDeque::new(),
            flushing: false,
            received: 0,
            last_activity: Instant::now(),
            consecutive_failures: 0,
            poison_failures: 0,
            passivating: false,
            counted_live: false,
            flow_run: None,
            welcome_pending: false,
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
        let flows = self.deps.flows.clone();
        let fut = async move {
            if !backoff.is_zero() {
                actix::clock::sleep(backoff).await;
            }
            let snapshot = store.open_conversation(tenant, channel, contact).await?;
            let run = match flows.active_run(tenant, snapshot.id).await? {
                Some(run) => flows.flow_at(tenant, run.flow_id, run.version).await?.map(|flow| (run, flow)),
                None => None,
            };
            let pause = match &run {
                Some((r, _)) => flows.active_flows(tenant).await?.iter().find(|f| f.id == r.flow_id).is_none_or(|f| f.pause_on_agent_reply),
                None => true,
            };
            Ok::<_, StoreError>((snapshot, run, pause))
        };
        ctx.wait(fut.into_actor(self).map(|res, act, ctx| match res {
            Ok((snapshot, run, pause)) => {
                let created = snapshot.created;
                act.welcome_pending = created;
                let window = SessionWindow::from_last_inbound(snapshot.last_inbound_at);
                let conversation_id = snapshot.id;
                act.live = Some(Live { snapshot, window });
                if let Some((run, flow)) = run {
                    // A run survives restarts: it re-arms its timers, and one
                    // caught mid-step carries on from its saved cursor.
                    let resume = run.status == crate::flow::run::RunStatus::Running;
                    act.start_run(ctx, conversation_id, flow, run, pause);
                    if resume {
                        if let Some(r) = &act.flow_run {
                            r.addr.do_send(FlowTrigger(Trigger::Go));
                        }
                    }
                }
                if created {
                    if let Some(conversation) = act.summary() {
                        act.deps.sink.publish(
                            act.channel.tenant_id,
                            conversation.assignee_id,
                            ConversationEvent::ConversationNew { conversation },
                        );
                    }
                }
                act.flush(ctx);
            }
            Err(e) => act.failed(ctx, e, Vec::new(), Vec::new()),
        }));
    }

    /// Commits what is queued, unless a commit is already in flight.
    fn flush(&mut self, ctx: &mut Context<Self>) {
        while !self.flushing && !self.queue.is_empty() {
            let Some(live) = &self.live else { return };
            let now = self.deps.clock.now();
            let take = self.queue.len().min(self.deps.settings.max_batch_events.max(1));
            let mut works = Vec::with_capacity(take);
            let mut receipts = Vec::with_capacity(take);
            let mut manual_starts = Vec::new();
            for q in self.queue.drain(..take) {
                match q.work {
                    ConversationWork::Send(mut req) if !req.allowed_outside_window() && !live.window.is_open(now) => {
                        req.answer(Err(SendRefusal::WindowClosed { expires_at: live.window.expires_at() }));
                        q.receipt.complete();
                    }
                    ConversationWork::Typing => {
                        if let Some(w) = &live.snapshot.last_inbound_wamid {
                            self.outbox.do_send(StatusPing { body: crate::send::typing_indicator(w) });
                        }
                        q.receipt.complete();
                    }
                    ConversationWork::Notify { kind, message } => {
                        let conversation_id = live.snapshot.id;
                        self.deps.sink.publish(
                            self.channel.tenant_id,
                            live.snapshot.assignee_id,
                            ConversationEvent::Notification { conversation_id, kind, message },
                        );
                        q.receipt.complete();
                    }
                    ConversationWork::FlowEnded { run_id } => {
                        if self.flow_run.as_ref().is_some_and(|r| r.run_id == run_id) {
                            self.flow_run = None;
                        }
                        q.receipt.complete();
                    }
                    ConversationWork::Flow(control) => {
                        if let Some(r) = &self.flow_run {
                            r.addr.do_send(control);
                        }
                        q.receipt.complete();
                    }
                    ConversationWork::Wake | ConversationWork::Replay(_) => q.receipt.complete(),
                    ConversationWork::Resend { message_id, body } => {
                        self.outbox.do_send(OutboundJob {
                            message_id,
                            conversation: self.key,
                            body,
                            lane: Lane::Live,
                            attempt: 0,
                            uncertain: false,
                        });
                        q.receipt.complete();
                    }
                    ConversationWork::StartFlow { flow_id, reply } => {
                        manual_starts.push((live.snapshot.id, flow_id, reply));
                        q.receipt.complete();
                    }
                    work => {
                        works.push(work);
                        receipts.push(q.receipt);
                    }
                }
            }
            // A drained queue gives its buffer back: a queued item is a few
            // hundred bytes, and an idle actor would otherwise keep room for
            // several of them for as long as it lives.
            if self.queue.is_empty() {
                self.queue.shrink_to_fit();
            }
            for (conversation_id, flow_id, reply) in manual_starts {
                self.start_flow_by_hand(ctx, conversation_id, flow_id, reply);
            }
            if works.is_empty() {
                continue;
            }
            let Some(live) = &self.live else { return };
            let plan = plan_batch(
                &PlanContext {
                    tenant_id: self.channel.tenant_id,
                    conversation_id: live.snapshot.id,
                    last_seq: live.snapshot.last_seq,
                    to: live.snapshot.contact_phone.clone(),
                    user_id: live.snapshot.contact_user_id.clone(),
                    now,
                },
                works,
            );
            self.flushing = true;
            let store = self.deps.store.clone();
            let batch = plan.batch.clone();
            ctx.spawn(async move { store.commit(batch).await }.into_actor(self).map(move |res, act, ctx| {
                act.flushing = false;
                match res {
                    Ok(outcome) => {
                        act.consecutive_failures = 0;
                        act.poison_failures = 0;
                        act.committed(ctx, plan, outcome);
                        for r in receipts {
                            r.complete();
                        }
                        act.flush(ctx);
                    }
                    Err(e) => {
                        let parked = unplan(&plan.batch, &act.channel.phone_number_id, &act.customer());
                        act.failed(ctx, e, parked, receipts)
                    }
                }
            }));
        }
    }

    /// Applies a committed batch to memory, answers senders, tells agents
    /// and hands new sends to the outbox.
    fn committed(&mut self, ctx: &mut Context<Self>, plan: Planned, outcome: BatchOutcome) {
        let batch = &plan.batch;
        let m = &self.deps.metrics;
        EngineMetrics::add(&m.batches_committed, 1);
        let inbound_inserted =
            batch.messages.iter().filter(|x| x.direction == Direction::Inbound && outcome.inserted.contains(&x.id)).count();
        let inbound_total = batch.messages.iter().filter(|x| x.direction == Direction::Inbound).count();
        EngineMetrics::add(&m.messages_stored, inbound_inserted as u64);
        EngineMetrics::add(&m.messages_duplicate, (inbound_total - inbound_inserted) as u64);
        EngineMetrics::add(&m.statuses_applied, outcome.statuses_applied.len() as u64);
        EngineMetrics::add(&m.events_held, outcome.held as u64);
        EngineMetrics::add(&m.events_released, outcome.released.len() as u64);
        let Some(live) = &mut self.live else { return };
        let conversation_id = live.snapshot.id;
        let previous_assignee = live.snapshot.assignee_id;
        match outcome.conversation {
            Some(snap) => {
                live.snapshot = ConversationSnapshot {
                    created: false,
                    contact_phone: live.snapshot.contact_phone.take(),
                    contact_user_id: live.snapshot.contact_user_id.take(),
                    last_inbound_wamid: live.snapshot.last_inbound_wamid.take(),
                    ..snap
                }
            }
            None => live.snapshot.last_seq = live.snapshot.last_seq.max(batch.last_seq),
        }
        live.window = SessionWindow::from_last_inbound(live.snapshot.last_inbound_at);
        let inserted: std::collections::HashSet<MessageId> = outcome.inserted.iter().copied().collect();
        if let Some(w) = batch
            .messages
            .iter()
            .rev()
            .filter(|x| x.direction == Direction::Inbound && inserted.contains(&x.id))
            .find_map(|x| x.wamid.clone())
        {
            live.snapshot.last_inbound_wamid = Some(w);
        }
        let last_inbound = live.snapshot.last_inbound_wamid.clone();
        let now = self.deps.clock.now();
        let tenant = self.channel.tenant_id;
        let assignee = live.snapshot.assignee_id;
        for msg in batch.messages.iter().filter(|x| inserted.contains(&x.id)) {
            let message = Box::new(view_of(conversation_id, msg, now));
            self.deps.sink.publish(tenant, assignee, ConversationEvent::MessageNew { conversation_id, seq: msg.seq, message });
        }
        for s in outcome.statuses_applied {
            self.deps.sink.publish(
                tenant,
                assignee,
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
        let mut agent_replied = false;
        for mut send in plan.sends {
            let Some(msg) = batch.messages.iter().find(|x| x.id == send.message_id) else { continue };
            if !inserted.contains(&send.message_id) {
                send.request.answer(Err(SendRefusal::Duplicate));
                continue;
            }
            agent_replied |= matches!(send.request.sent_by, Some(crate::message::SentBy::Agent { .. }));
            send.request.answer(Ok(view_of(conversation_id, msg, now)));
            self.outbox.do_send(OutboundJob {
                message_id: send.message_id,
                conversation: self.key,
                body: send.body,
                lane: send.request.lane,
                attempt: 0,
                uncertain: false,
            });
        }
        if plan.mark_read {
            if let Some(w) = &last_inbound {
                self.outbox.do_send(StatusPing { body: crate::send::read_receipt(w) });
            }
        }
        let summary = self.summary();
        if let Some(conversation) = summary.clone() {
            let assignee_changed = conversation.assignee_id != previous_assignee;
            if !inserted.is_empty() || plan.mark_read || !plan.patch_replies.is_empty() {
                self.deps.sink.publish(
                    tenant,
                    conversation.assignee_id,
                    ConversationEvent::ConversationUpdated { conversation: conversation.clone() },
                );
            }
            if assignee_changed {
                self.deps.sink.publish(
                    tenant,
                    conversation.assignee_id,
                    ConversationEvent::ConversationAssigned { conversation_id, assignee_id: conversation.assignee_id },
                );
            }
        }
        for reply in plan.patch_replies.into_iter().flatten() {
            let _ = reply.send(summary.clone().ok_or(SendRefusal::Unavailable));
        }
        for held in outcome.released.into_iter().rev() {
            self.queue.push_front(Queued { work: ConversationWork::Held(held), receipt: EventReceipt::none() });
        }
        if agent_replied {
            if let Some(r) = self.flow_run.as_ref().filter(|r| r.pause_on_agent_reply) {
                r.addr.do_send(FlowControl::Pause);
            }
        }
        let customer: Vec<(Value, Option<Value>)> = batch
            .messages
            .iter()
            .filter(|x| {
                x.direction == Direction::Inbound
                    && inserted.contains(&x.id)
                    && !matches!(x.kind.as_str(), "reaction" | "system" | "unsupported")
            })
            .map(|x| {
                let mut facts = crate::flow::interpret::message_facts(&x.kind, &x.content);
                if let Some(id) = x.context.as_ref().and_then(|c| c["id"].as_str()) {
                    facts["context_id"] = Value::String(id.to_owned());
                }
                (facts, x.referral.clone())
            })
            .collect();
        if !customer.is_empty() {
            self.hand_to_flows(ctx, conversation_id, customer);
        }
    }

    fn start_run(
        &mut self,
        ctx: &mut Context<Self>,
        conversation_id: ConversationId,
        flow: Arc<crate::flow::Flow>,
        run: RunRecord,
        pause_on_agent_reply: bool,
    ) {
        let run_id = run.id;
        let from_flow = ctx.address().recipient();
        let addr =
            FlowRun::new(self.channel.tenant_id, conversation_id, self.key.contact_id, self.deps.clone(), from_flow, flow, run).start();
        self.flow_run = Some(LiveRun { addr, run_id, pause_on_agent_reply });
    }

    /// Customer messages go to the running flow, or may start one
    /// (welcome, button, referral, keyword; highest priority first). While
    /// a run holds the conversation, other triggers wait: it must end,
    /// or an agent stops it, first.
    fn hand_to_flows(&mut self, ctx: &mut Context<Self>, conversation_id: ConversationId, customer: Vec<(Value, Option<Value>)>) {
        if let Some(r) = &self.flow_run {
            for (facts, _) in customer {
                r.addr.do_send(FlowTrigger(Trigger::Message(facts)));
            }
            return;
        }
        let welcome = std::mem::take(&mut self.welcome_pending);
        let (flows, tenant) = (self.deps.flows.clone(), self.channel.tenant_id);
        let fut = async move {
            let active = flows.active_flows(tenant).await?;
            let mut customer = customer;
            if active.iter().any(|f| f.trigger_type == "campaign_reply") {
                for (facts, _) in customer.iter_mut() {
                    if let Some(ctx_id) = facts["context_id"].as_str().map(str::to_owned) {
                        if let Some(by) = flows.sent_by_of(tenant, &ctx_id).await? {
                            facts["replied_to"] = by;
                        }
                    }
                }
            }
            for (i, (facts, referral)) in customer.iter().enumerate() {
                let first = welcome && i == 0;
                if let Some(flow) = active.iter().find(|f| f.triggered_by(facts, first, referral.as_ref())) {
                    let run = RunRecord::new(flow.id, flow.version, &flow.flow);
                    if flows.create_run(tenant, conversation_id, &run).await? {
                        let rest: Vec<Value> = customer[i + 1..].iter().map(|(f, _)| f.clone()).collect();
                        return Ok::<_, StoreError>(Some((flow.clone(), run, rest)));
                    }
                    return Ok(None);
                }
            }
            Ok(None)
        };
        ctx.wait(fut.into_actor(self).map(move |res, act, ctx| match res {
            Ok(Some((flow, run, rest))) => act.launch(ctx, conversation_id, flow, run, rest),
            Ok(None) => {}
            Err(e) => {
                tracing::error!(tenant_id = %act.channel.tenant_id, %conversation_id, error = %e, "flow triggers could not be checked")
            }
        }));
    }

    fn launch(&mut self, ctx: &mut Context<Self>, conversation_id: ConversationId, flow: ActiveFlow, run: RunRecord, rest: Vec<Value>) {
        EngineMetrics::add(&self.deps.metrics.flow_runs_started, 1);
        self.start_run(ctx, conversation_id, flow.flow.clone(), run, flow.pause_on_agent_reply);
        if let Some(r) = &self.flow_run {
            r.addr.do_send(FlowTrigger(Trigger::Go));
            for facts in rest {
                r.addr.do_send(FlowTrigger(Trigger::Message(facts)));
            }
        }
    }

    fn start_flow_by_hand(
        &mut self,
        ctx: &mut Context<Self>,
        conversation_id: ConversationId,
        flow_id: uuid::Uuid,
        reply: Option<tokio::sync::oneshot::Sender<Result<uuid::Uuid, String>>>,
    ) {
        if self.flow_run.is_some() {
            if let Some(tx) = reply {
                let _ = tx.send(Err("this conversation already has a running flow; stop it first".into()));
            }
            return;
        }
        let (flows, tenant) = (self.deps.flows.clone(), self.channel.tenant_id);
        let fut = async move {
            let active = flows.active_flows(tenant).await.map_err(|e| e.to_string())?;
            let flow = active.iter().find(|f| f.id == flow_id).cloned().ok_or("the flow is not active; activate it first")?;
            let run = RunRecord::new(flow.id, flow.version, &flow.flow);
            if !flows.create_run(tenant, conversation_id, &run).await.map_err(|e| e.to_string())? {
                return Err("this conversation already has a running flow; stop it first".to_owned());
            }
            Ok((flow, run))
        };
        ctx.wait(fut.into_actor(self).map(move |res, act, ctx| match res {
            Ok((flow, run)) => {
                let id = run.id;
                act.launch(ctx, conversation_id, flow, run, Vec::new());
                if let Some(tx) = reply {
                    let _ = tx.send(Ok(id));
                }
            }
            Err(e) => {
                if let Some(tx) = reply {
                    let _ = tx.send(Err(e));
                }
            }
        }));
    }

    /// The customer of this conversation, as far as it is known.
    fn customer(&self) -> crate::identity::ContactIdentity {
        let snap = self.live.as_ref().map(|l| &l.snapshot);
        crate::identity::ContactIdentity {
            phone: snap.and_then(|s| s.contact_phone.as_deref()).and_then(|p| crate::identity::PhoneNumber::parse(p).ok()),
            user_id: snap.and_then(|s| s.contact_user_id.clone()),
            username: None,
            name: None,
        }
    }

    /// A load or commit failed: decide by what failed. `parked` holds the
    /// failed batch's events (empty for a load), `receipts` their inbox rows.
    fn failed(&mut self, ctx: &mut Context<Self>, e: StoreError, parked: Vec<ParkedWork>, receipts: Vec<EventReceipt>) {
        match &e {
            StoreError::Missing(_) => self.gone(ctx, &e, receipts),
            StoreError::Unavailable(_) => self.fail(ctx, &e, receipts),
            StoreError::Conflict(_) | StoreError::Bug(_) => {
                self.poison_failures = self.poison_failures.saturating_add(1);
                if self.poison_failures < self.deps.settings.dead_letter_after.max(1) {
                    return self.fail(ctx, &e, receipts);
                }
                let (mut parked, mut receipts) = (parked, receipts);
                if self.live.is_none() {
                    // It cannot even load: what waits is parked too.
                    let (queued, queued_receipts) = self.drain_parkable();
                    parked.extend(queued);
                    receipts.extend(queued_receipts);
                }
                if parked.is_empty() {
                    // Nothing to set aside: stop for good rather than reload
                    // in a loop; the next event starts afresh.
                    tracing::error!(tenant_id = %self.channel.tenant_id, contact_id = %self.key.contact_id, error = %e,
                        "conversation keeps failing with nothing waiting; retiring it until its next event");
                    for r in receipts {
                        r.fail(&e.to_string());
                    }
                    self.tenant.gone.do_send(ConversationGone { key: self.key, contact_gone: false });
                    self.passivating = true;
                    return ctx.stop();
                }
                self.park(ctx, &e, parked, receipts);
            }
        }
    }

    /// Takes the queue's storable events out with their receipts (answering
    /// the rest): the receipts complete only once the dead letter is stored.
    fn drain_parkable(&mut self) -> (Vec<ParkedWork>, Vec<EventReceipt>) {
        let (mut works, mut receipts) = (Vec::new(), Vec::new());
        for q in self.queue.drain(..) {
            match ParkedWork::from_work(q.work) {
                Ok(p) => works.push(p),
                Err(other) => refuse(*other, SendRefusal::Unavailable),
            }
            receipts.push(q.receipt);
        }
        (works, receipts)
    }

    /// Fails the work back to its inbox rows and restarts from the store.
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

    /// The contact (or the conversation) is gone: every waiting event goes
    /// back to its inbox row, to be routed afresh once the tenant has
    /// forgotten this contact; senders are told; the actor stops for good.
    fn gone(&mut self, ctx: &mut Context<Self>, e: &StoreError, receipts: Vec<EventReceipt>) {
        EngineMetrics::add(&self.deps.metrics.conversations_gone, 1);
        tracing::warn!(
            tenant_id = %self.channel.tenant_id,
            contact_id = %self.key.contact_id,
            error = %e,
            "the conversation's contact is gone; its events are routed again"
        );
        let reason = format!("the contact was removed while this event was on its way: {e}");
        for r in receipts {
            r.fail(&reason);
        }
        for q in self.queue.drain(..) {
            refuse(q.work, SendRefusal::Gone);
            q.receipt.fail(&reason);
        }
        self.tenant.gone.do_send(ConversationGone { key: self.key, contact_gone: true });
        self.passivating = true;
        ctx.stop();
    }

    /// Parks events as a dead letter: they stop blocking the conversation
    /// and their inbox rows, an operator sees them (and the error) and can
    /// retry them, agents are told.
    fn park(&mut self, ctx: &mut Context<Self>, e: &StoreError, parked: Vec<ParkedWork>, receipts: Vec<EventReceipt>) {
        let conversation_id = self.live.as_ref().map(|l| l.snapshot.id);
        let assignee = self.live.as_ref().and_then(|l| l.snapshot.assignee_id);
        let count = parked.len();
        let events = match serde_json::to_value(ParkedEvents { customer: self.customer(), works: parked }) {
            Ok(v) => v,
            Err(err) => {
                tracing::error!(error = %err, "events could not be serialised for a dead letter");
                return self.fail(ctx, e, receipts);
            }
        };
        let letter = DeadLetter {
            tenant_id: self.channel.tenant_id,
            channel_id: self.key.channel_id,
            contact_id: self.key.contact_id,
            conversation_id,
            events,
            error: e.to_string(),
        };
        let store = self.deps.store.clone();
        let error = e.clone();
        self.flushing = true;
        ctx.spawn(async move { store.park(letter).await }.into_actor(self).map(move |res, act, ctx| {
            act.flushing = false;
            match res {
                Ok(id) => {
                    EngineMetrics::add(&act.deps.metrics.dead_letters, count as u64);
                    tracing::error!(
                        tenant_id = %act.channel.tenant_id,
                        contact_id = %act.key.contact_id,
                        dead_letter = id,
                        events = count,
                        error = %error,
                        "events parked as a dead letter after repeated failures"
                    );
                    for r in receipts {
                        r.note(serde_json::json!({"kind": "dead_letter", "dead_letter_id": id}));
                        r.complete();
                    }
                    // Agents of the conversation hear of it (a conversation
                    // that never loaded has no one to tell but the logs,
                    // the metric and the admins' dead-letter list).
                    if let Some(conversation_id) = conversation_id {
                        act.deps.sink.publish(
                            act.channel.tenant_id,
                            assignee,
                            ConversationEvent::Notification {
                                conversation_id,
                                kind: "dead_letter".into(),
                                message: format!(
                                    "{count} event(s) of this conversation could not be stored after repeated failures and were set aside (dead letter {id}); an admin can retry them"
                                ),
                            },
                        );
                    }
                    act.poison_failures = 0;
                    // Reload: what is in memory may not match the store.
                    ctx.stop();
                }
                Err(park_error) => {
                    tracing::error!(error = %park_error, "a dead letter could not be stored");
                    act.fail(ctx, &error, receipts);
                }
            }
        }));
    }

    /// Queues work in arrival order (fed-back events one by one).
    fn enqueue(&mut self, work: ConversationWork, receipt: EventReceipt) {
        match work {
            ConversationWork::Replay(parked) => {
                // Each event holds a share of the replay's receipt: its
                // inbox row settles only when every one is durable.
                for p in parked {
                    self.queue.push_back(Queued { work: p.into_work(self.key), receipt: receipt.share() });
                }
                receipt.complete();
            }
            work => self.queue.push_back(Queued { work, receipt }),
        }
    }
}

/// Answers work that cannot be done here (a send, a command) with `why`.
fn refuse(work: ConversationWork, why: SendRefusal) {
    match work {
        ConversationWork::Send(mut req) => req.answer(Err(why)),
        ConversationWork::Patch(_, Some(reply)) => {
            let _ = reply.send(Err(why));
        }
        ConversationWork::StartFlow { reply: Some(reply), .. } => {
            let _ = reply.send(Err(why.to_string()));
        }
        _ => {}
    }
}

/// What a batch is planned from.
pub struct PlanContext {
    /// Tenant.
    pub tenant_id: crate::ids::TenantId,
    /// Conversation.
    pub conversation_id: ConversationId,
    /// Last sequence number used.
    pub last_seq: i64,
    /// The customer's phone (send target).
    pub to: Option<String>,
    /// The customer's user id (send target without a phone).
    pub user_id: Option<String>,
    /// Now.
    pub now: chrono::DateTime<chrono::Utc>,
}

/// A send planned into a batch.
pub struct PlannedSend {
    /// The message row.
    pub message_id: MessageId,
    /// The Cloud API body.
    pub body: serde_json::Value,
    /// The request (its reply and lane).
    pub request: SendRequest,
}

/// A batch and what to do once it is committed.
pub struct Planned {
    /// The writes.
    pub batch: ConversationBatch,
    /// Sends to hand to the outbox.
    pub sends: Vec<PlannedSend>,
    /// Whether agents read the conversation.
    pub mark_read: bool,
    /// Who waits for a patch.
    pub patch_replies: Vec<ReplyTo<ConversationSummary>>,
}

/// Turns queued work into one batch: sequence numbers in arrival order,
/// several statuses for one message merged into its net change.
pub fn plan_batch(pc: &PlanContext, works: Vec<ConversationWork>) -> Planned {
    let mut seq = pc.last_seq;
    let mut messages = Vec::new();
    let mut reactions = Vec::new();
    let mut outbound = Vec::new();
    let mut sends = Vec::new();
    let mut mark_read = false;
    let mut patch: Option<ConversationPatch> = None;
    let mut patch_replies = Vec::new();
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
                    client_id: None,
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
            ConversationWork::Send(mut request) => {
                if pc.to.is_none() && pc.user_id.is_none() {
                    request.answer(Err(SendRefusal::NoRecipient));
                    continue;
                }
                seq += 1;
                let id = MessageId::generate();
                let body = crate::send::cloud_api_body(
                    &request.kind,
                    &request.content,
                    request.reply_to.as_ref(),
                    pc.to.as_deref(),
                    pc.user_id.as_deref(),
                    &id.to_string(),
                );
                messages.push(NewMessage {
                    id,
                    seq,
                    wamid: None,
                    direction: Direction::Outbound,
                    kind: request.kind.clone(),
                    status: MessageStatus::Pending,
                    content: request.content.clone(),
                    context: request.reply_to.as_ref().map(|w| serde_json::json!({"id": w})),
                    referral: None,
                    errors: None,
                    sent_by: request.sent_by.clone(),
                    client_id: request.client_id.clone(),
                    timestamp: pc.now,
                });
                sends.push(PlannedSend { message_id: id, body, request });
            }
            ConversationWork::SendResult(outcome) => {
                seq += 1;
                let (wamid, status, errors) = match outcome.result {
                    SendResult::Accepted(w) => (Some(w), MessageStatus::Accepted, None),
                    SendResult::Failed(f) => (None, MessageStatus::Failed, Some(f.to_errors())),
                    SendResult::Unconfirmed => (None, MessageStatus::Unconfirmed, None),
                };
                outbound.push(OutboundUpdate { message_id: outcome.message_id, wamid, status, errors, seq });
            }
            ConversationWork::MarkRead => mark_read = true,
            ConversationWork::Typing
            | ConversationWork::StartFlow { .. }
            | ConversationWork::Flow(_)
            | ConversationWork::FlowEnded { .. }
            | ConversationWork::Notify { .. }
            | ConversationWork::Wake
            | ConversationWork::Resend { .. }
            | ConversationWork::Replay(_) => {}
            ConversationWork::Patch(p, reply) => {
                let merged = patch.get_or_insert_with(ConversationPatch::default);
                if p.status.is_some() {
                    merged.status = p.status;
                }
                if p.assignee.is_some() {
                    merged.assignee = p.assignee;
                }
                patch_replies.push(reply);
            }
        }
    }
    for s in &mut statuses {
        seq += 1;
        s.seq = seq;
    }
    Planned {
        batch: ConversationBatch {
            tenant_id: pc.tenant_id,
            conversation_id: pc.conversation_id,
            messages,
            statuses,
            reactions,
            outbound,
            reset_unread: mark_read,
            patch,
            last_seq: seq,
        },
        sends,
        mark_read,
        patch_replies,
    }
}

/// A status webhook as the change it makes.
pub(crate) fn status_change(s: StatusUpdate) -> StatusChange {
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
        callback_data: s.callback_data,
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
    if next.callback_data.is_some() {
        into.callback_data = next.callback_data;
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
        client_id: m.client_id.clone(),
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
        if self.passivating {
            ctx.stop();
            return;
        }
        EngineMetrics::add(&self.deps.metrics.conversations_started, 1);
        self.deps.metrics.conversations_live.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.counted_live = true;
        let idle = self.deps.settings.conversation_idle;
        ctx.run_interval(idle / IDLE_CHECK_DIVISOR, move |act, _ctx| {
            if act.queue.is_empty() && !act.flushing && act.flow_run.is_none() && act.last_activity.elapsed() >= idle {
                act.tenant.idle.do_send(ConversationIdle { key: act.key, received: act.received });
            }
        });
        self.load(ctx);
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        if std::mem::take(&mut self.counted_live) {
            self.deps.metrics.conversations_live.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

impl Supervised for ConversationActor {
    fn restarting(&mut self, _: &mut Self::Context) {
        if self.passivating {
            return;
        }
        EngineMetrics::add(&self.deps.metrics.conversation_restarts, 1);
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
        self.enqueue(msg.work, msg.receipt);
        self.flush(ctx);
    }
}

impl Handler<FromFlow> for ConversationActor {
    type Result = ();

    /// Work from the conversation's own flow run.
    fn handle(&mut self, msg: FromFlow, ctx: &mut Self::Context) {
        self.last_activity = Instant::now();
        self.enqueue(msg.0, EventReceipt::none());
        self.flush(ctx);
    }
}

impl Handler<Passivate> for ConversationActor {
    type Result = ();

    /// Stops; with no address left, the supervisor lets it go.
    fn handle(&mut self, _: Passivate, ctx: &mut Self::Context) {
        if self.queue.is_empty() && !self.flushing {
            EngineMetrics::add(&self.deps.metrics.conversations_passivated, 1);
            self.passivating = true;
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
            callback_data: None,
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
        let pc = PlanContext {
            tenant_id: TenantId::generate(),
            conversation_id: ConversationId::generate(),
            last_seq: 10,
            to: None,
            user_id: None,
            now: Utc::now(),
        };
        let b = plan_batch(&pc, works).batch;
        assert_eq!(b.statuses.len(), 2);
        assert_eq!(b.statuses[0].status, MessageStatus::Read);
        assert!(b.statuses[0].sent_at.is_some() && b.statuses[0].delivered_at.is_some() && b.statuses[0].read_at.is_some());
        assert!(b.statuses[0].pricing.is_some());
        assert_eq!((b.statuses[0].seq, b.statuses[1].seq, b.last_seq), (11, 12, 12));
    }
}
