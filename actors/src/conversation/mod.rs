//! `ConversationActor`: one per live conversation (a channel and a contact).
//!
//! It owns the conversation's order: everything it is sent goes into one
//! queue in arrival order; events are given sequence numbers and committed
//! in batches (one batch in flight at a time, so the next batch gathers
//! everything that arrived meanwhile). Only after a commit does anything
//! reach agents. It owns the 24-hour session window, the unread count and
//! the status. A store failure fails the batch's inbox rows back for retry
//! and stops the actor; its supervisor restarts it and it reloads from
//! Postgres. Its tenant asks it, once it has sent it nothing for an idle
//! period, whether it is idle ([`CheckIdle`]); if so, it is passivated.
//!
//! Its messages come in three kinds, each with its own handler feeding the
//! one queue:
//!
//! - [`Event`] (`event.rs`): something that happened — a customer message, a
//!   status, a held event released, a send's outcome, a replayed dead
//!   letter — committed, with the receipt that settles its inbox row;
//! - [`Command`] (`command.rs`): a send, a patch, a flow started by hand, a
//!   resend — answered to whoever asked;
//! - [`Control`] (`control.rs`): mark read, typing, flow control, notify,
//!   wake, flow ended — applied in turn, never committed as an event.
//!
//! The rest, one job per file: this file holds the actor, its life cycle,
//! the queue and its flush; `plan.rs` turns queued work into a batch (pure,
//! with its tests); `flows.rs` hands customer messages to flows and owns the
//! conversation's run; `failure.rs` decides what a failed load or commit
//! means (retry, gone, dead letter); `work.rs` is the edge's one-word
//! envelope, [`ConversationWork`], and how it splits into the three kinds.

mod command;
mod control;
mod event;
mod failure;
mod flows;
mod plan;
mod remote;
mod work;

pub use self::command::{Command, StartFlowReply};
pub use self::control::Control;
pub use self::event::{Event, EventKind};
pub use self::failure::parkable;
pub use self::plan::{plan_batch, PlanContext, Planned, PlannedSend};
pub use self::remote::{remote_control, work_of};
pub use self::work::ConversationWork;
/// Shared with the outbox, the tenant and flow runs; re-exported where
/// they were first defined.
pub use crate::protocol::{ConversationKey, FromFlow, ReplyTo};

use self::flows::LiveRun;
use crate::engine::EngineDeps;
use crate::events::{ConversationEvent, ConversationSummary};
use crate::ids::MessageId;
use crate::message::{Direction, SentBy};
use crate::metrics::EngineMetrics;
use crate::outbound::{ChannelOutbox, OutboundJob, StatusPing};
use crate::parked::unplan;
use crate::ports::{BatchOutcome, ChannelRef, ConversationSnapshot, StoreError};
use crate::protocol::{Lane, SendRefusal};
use crate::ticket::EventReceipt;
use crate::window::SessionWindow;
use actix::prelude::*;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often a retired incarnation looks whether its last address is gone.
const RETIRED_CHECK: Duration = Duration::from_secs(1);

/// The longest a restarted actor waits before reloading (the wait doubles
/// with each consecutive failure, so a database outage is not hammered).
const MAX_RELOAD_BACKOFF: Duration = Duration::from_secs(5);

/// One item of the conversation's ordered queue, and of a batch being
/// planned: the three kinds of message, side by side in arrival order. Not
/// a message itself: callers send an [`Event`], a [`Command`] or a
/// [`Control`] (or hand a tenant a [`ConversationWork`]).
// Unboxed on purpose: nearly every queued item is an event (the large
// variant), and boxing it would cost an allocation per event.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Work {
    /// Committed (see [`EventKind`]).
    Event(EventKind),
    /// Answered (see [`Command`]).
    Command(Command),
    /// Applied in turn (see [`Control`]).
    Control(Control),
}

impl From<EventKind> for Work {
    fn from(e: EventKind) -> Self {
        Self::Event(e)
    }
}

impl From<Command> for Work {
    fn from(c: Command) -> Self {
        Self::Command(c)
    }
}

impl From<Control> for Work {
    fn from(c: Control) -> Self {
        Self::Control(c)
    }
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
    /// Which actor of the conversation (the tenant may have started another
    /// since: that one is not forgotten).
    pub incarnation: u64,
}

/// Where a conversation actor reports to its tenant (recipients, so the
/// conversation knows no tenant type).
pub struct TenantLink {
    /// Idleness (passivation).
    pub idle: Recipient<ConversationIdle>,
    /// A vanished contact or conversation.
    pub gone: Recipient<ConversationGone>,
}

/// What every conversation actor of one channel shares: the number, its
/// outbox and where to report. The tenant makes one per channel and each
/// actor holds it by reference, because cloning an actix address allocates
/// (two small `Arc`s per clone, plus a box per recipient): an outbox
/// address and two tenant recipients kept per actor cost about 300 bytes
/// of heap in every live conversation.
pub struct ChannelLink {
    /// The number.
    pub channel: ChannelRef,
    /// Its outbox (sends, read receipts, typing).
    pub outbox: Addr<ChannelOutbox>,
    /// The tenant that owns the conversations.
    pub tenant: TenantLink,
}

/// Sent by the tenant when it has sent the actor nothing for an idle period:
/// the actor answers with [`ConversationIdle`] if it has nothing queued or
/// committing, no flow run, and its last run's requests are an idle period
/// old too (the tenant does not see those).
#[derive(Message)]
#[rtype(result = "()")]
pub struct CheckIdle;

/// The actor's answer to [`CheckIdle`] when it is idle: `received` lets the
/// tenant check that nothing is still on its way to this actor.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ConversationIdle {
    /// Which conversation.
    pub key: ConversationKey,
    /// How many messages the actor has received from its tenant in its life.
    pub received: u64,
    /// Which actor of the conversation.
    pub incarnation: u64,
}

/// A queued item and the receipt that settles its inbox row (none for
/// commands, controls and flow requests).
struct Queued {
    work: Work,
    receipt: EventReceipt,
}

/// What is known once the conversation is loaded.
struct Live {
    snapshot: ConversationSnapshot,
    window: SessionWindow,
}

/// See the module doc.
pub struct ConversationActor {
    key: ConversationKey,
    /// Shared with every actor of the channel (see [`ChannelLink`]).
    link: Arc<ChannelLink>,
    deps: Arc<EngineDeps>,
    live: Option<Live>,
    queue: VecDeque<Queued>,
    flushing: bool,
    received: u64,
    /// When its flow run last asked it something (the tenant's own sends
    /// are timed by the tenant).
    last_flow_request: Instant,
    consecutive_failures: u32,
    /// Failures in a row that waiting will not cure (a bug, a constraint):
    /// at [`crate::engine::EngineSettings::dead_letter_after`] the failing
    /// events are parked as a dead letter.
    poison_failures: u32,
    /// Retired (passivated, relinquished, gone): stop for good. The tenant
    /// drops its address right after telling, but others may hold one a
    /// while longer (a flow run); if the supervisor restarts it meanwhile,
    /// it waits as a tombstone that takes no work (see `started`).
    passivating: bool,
    /// Whether this incarnation is counted in the live gauge.
    counted_live: bool,
    /// The conversation's running flow, if any.
    flow_run: Option<LiveRun>,
    /// A new conversation whose first message may start a welcome flow.
    welcome_pending: bool,
    /// A new conversation not yet announced (`conversation:new`): it is
    /// announced with its first commit, so that the fan-out to every agent
    /// does not compete with that commit for the CPU and the summary
    /// already counts the first message (or at once, if nothing waits to
    /// be committed).
    announce_pending: bool,
    /// The conversation as opened with its new contact (see
    /// [`crate::ports::Store::resolve_contact_opening`]): the first load
    /// takes it instead of asking the store. Boxed: nearly every actor has
    /// none, and a live actor's size counts a million times.
    opened: Option<Box<ConversationSnapshot>>,
    /// The partition lease it runs under (several nodes), carried by every
    /// commit so a lost lease stops it instead of writing.
    fence: Option<crate::ports::Fence>,
    /// Which actor of this conversation it is, as its tenant numbered it.
    incarnation: u64,
}

impl ConversationActor {
    /// An actor for `key`, on the channel (and reporting to the tenant) of `link`.
    pub fn new(key: ConversationKey, link: Arc<ChannelLink>, deps: Arc<EngineDeps>) -> Self {
        Self {
            key,
            link,
            deps,
            live: None,
            queue: VecDeque::new(),
            flushing: false,
            received: 0,
            last_flow_request: Instant::now(),
            consecutive_failures: 0,
            poison_failures: 0,
            passivating: false,
            counted_live: false,
            flow_run: None,
            welcome_pending: false,
            announce_pending: false,
            opened: None,
            fence: None,
            incarnation: 0,
        }
    }

    /// Numbered by its tenant: what it reports (idle, gone) names it, so a
    /// report from an actor the tenant already replaced changes nothing.
    pub fn with_incarnation(mut self, incarnation: u64) -> Self {
        self.incarnation = incarnation;
        self
    }

    /// Starts from a conversation its tenant already opened (a new
    /// customer's, with the contact) instead of loading it.
    pub fn with_opened(mut self, opened: Option<Box<ConversationSnapshot>>) -> Self {
        self.opened = opened;
        self
    }

    /// Runs under a partition lease: every commit carries it (fencing).
    pub fn with_fence(mut self, fence: Option<crate::ports::Fence>) -> Self {
        self.fence = fence;
        self
    }

    /// The tenant the conversation belongs to.
    fn tenant_id(&self) -> crate::ids::TenantId {
        self.link.channel.tenant_id
    }

    /// The span every log line of this conversation is written in: its
    /// tenant, contact and (once loaded) conversation id. Made per handler
    /// call and on failure paths rather than kept, so an idle actor costs
    /// no span; its fields are ids, formatted only when the span is enabled.
    fn span(&self) -> tracing::Span {
        tracing::info_span!(
            "conversation",
            tenant_id = %self.tenant_id(),
            contact_id = %self.key.contact_id,
            conversation_id = self.live.as_ref().map(|l| tracing::field::display(l.snapshot.id)),
        )
    }

    fn summary(&self) -> Option<ConversationSummary> {
        Some(self.live.as_ref()?.snapshot.summary(self.key.channel_id, self.key.contact_id))
    }

    /// Loads the conversation (and its active run) from the store, after a
    /// backoff when it is reloading from failures (the first load takes the
    /// conversation opened with its contact, when there is one); then starts
    /// committing what waits.
    fn load(&mut self, ctx: &mut Context<Self>) {
        let store = self.deps.store.clone();
        let (tenant, channel, contact) = (self.tenant_id(), self.key.channel_id, self.key.contact_id);
        let backoff = if self.consecutive_failures == 0 {
            Duration::ZERO
        } else {
            let shift = self.consecutive_failures.min(7);
            (Duration::from_millis(50) * (1u32 << shift)).min(MAX_RELOAD_BACKOFF)
        };
        let flows = self.deps.flows.clone();
        let opened = self.opened.take();
        let fut = async move {
            if !backoff.is_zero() {
                actix::clock::sleep(backoff).await;
            }
            let snapshot = match opened {
                Some(snapshot) => *snapshot,
                None => store.open_conversation(tenant, channel, contact).await?,
            };
            let active = if snapshot.may_have_run { flows.active_run(tenant, snapshot.id).await? } else { None };
            let run = match active {
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
                // A reload (after a failed commit) finds the row its first load
                // created: what that load owed (the welcome, the announcement)
                // is still owed.
                act.welcome_pending |= created;
                let window = SessionWindow::from_last_inbound(snapshot.last_inbound_at);
                let conversation_id = snapshot.id;
                act.live = Some(Live { snapshot, window });
                if let Some((run, flow)) = run {
                    act.resume_run(ctx, conversation_id, flow, run, pause);
                }
                // Announced by the flush of the work that started this
                // actor (queued in its mailbox behind this load): with that
                // work's commit, or at once if it needs none.
                act.announce_pending |= created;
                act.flush_queue(ctx);
            }
            Err(e) => {
                let _span = act.span().entered();
                act.failed(ctx, e, Vec::new, Vec::new());
            }
        }));
    }

    /// Puts work at the back of the queue (the caller flushes). A retired
    /// incarnation takes nothing: events fail back to their inbox rows
    /// (routed again, they reach the current owner), senders are told to
    /// retry.
    fn enqueue(&mut self, work: Work, receipt: EventReceipt) {
        if self.passivating {
            failure::refuse(work, SendRefusal::Unavailable);
            receipt.fail("this conversation actor was retired; the event is routed again");
            return;
        }
        self.queue.push_back(Queued { work, receipt });
    }

    /// Takes up to a batch's worth of the queue, in order: controls and the
    /// commands that need no commit are done at their turn, the rest is
    /// planned into one batch and committed — unless a commit is already in
    /// flight (what arrives meanwhile waits for the next batch). A new
    /// conversation with nothing to commit is announced here; one with a
    /// commit under way, when that commit ends.
    fn flush(&mut self, ctx: &mut Context<Self>) {
        self.flush_queue(ctx);
        if self.announce_pending && !self.flushing {
            self.announce();
        }
    }

    /// Publishes `conversation:new` for a conversation this actor created.
    fn announce(&mut self) {
        if let Some(conversation) = self.summary() {
            self.announce_pending = false;
            self.deps.sink.publish(self.tenant_id(), conversation.assignee_id, ConversationEvent::ConversationNew { conversation });
        }
    }

    /// [`Self::flush`]'s work: plans and starts the next commit.
    fn flush_queue(&mut self, ctx: &mut Context<Self>) {
        while !self.flushing && !self.queue.is_empty() {
            let Some(live) = &self.live else { return };
            let now = self.deps.clock.now();
            let (conversation_id, window_open, window_expires) = (live.snapshot.id, live.window.is_open(now), live.window.expires_at());
            let take = self.queue.len().min(self.deps.settings.max_batch_events.max(1));
            let mut works = Vec::with_capacity(take);
            let mut receipts = Vec::with_capacity(take);
            let mut manual_starts = Vec::new();
            for _ in 0..take {
                let Some(q) = self.queue.pop_front() else { break };
                match q.work {
                    // The one control that rides the batch: unread to zero.
                    Work::Control(Control::MarkRead) => {
                        works.push(Work::Control(Control::MarkRead));
                        receipts.push(q.receipt);
                    }
                    Work::Control(control) => {
                        self.apply_control(control);
                        q.receipt.complete();
                    }
                    Work::Command(Command::Send(mut req)) if !req.allowed_outside_window() && !window_open => {
                        req.answer(Err(SendRefusal::WindowClosed { expires_at: window_expires }));
                        q.receipt.complete();
                    }
                    Work::Command(Command::Resend { message_id, body }) => {
                        self.link.outbox.do_send(OutboundJob {
                            message_id,
                            conversation: self.key,
                            body,
                            lane: Lane::Live,
                            attempt: 0,
                            uncertain: false,
                            fence: self.fence,
                        });
                        q.receipt.complete();
                    }
                    Work::Command(Command::StartFlow { flow_id, reply }) => {
                        manual_starts.push((flow_id, reply));
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
            for (flow_id, reply) in manual_starts {
                self.start_flow_by_hand(ctx, conversation_id, flow_id, reply);
            }
            if works.is_empty() {
                continue;
            }
            let Some(live) = &self.live else { return };
            let plan = plan_batch(
                &PlanContext {
                    tenant_id: self.tenant_id(),
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
            let mut batch = plan.batch.clone();
            batch.fence = self.fence;
            // The inbox rows whose last pending event is here are settled
            // by this very commit (no later settle write).
            let sole: Vec<Option<i64>> = receipts.iter().map(EventReceipt::sole_row).collect();
            batch.settles = sole.iter().flatten().copied().collect();
            ctx.spawn(async move { store.commit(batch).await }.into_actor(self).map(move |res, act, ctx| {
                act.flushing = false;
                match res {
                    Ok(outcome) => {
                        act.consecutive_failures = 0;
                        act.poison_failures = 0;
                        act.committed(ctx, plan, outcome);
                        for (r, sole) in receipts.into_iter().zip(sole) {
                            match sole {
                                Some(_) => r.complete_settled(),
                                None => r.complete(),
                            }
                        }
                        act.flush(ctx);
                    }
                    Err(e) => {
                        let _span = act.span().entered();
                        // Turned back into events only if they are parked.
                        let (phone_number_id, customer) = (act.link.channel.phone_number_id.clone(), act.customer());
                        act.failed(ctx, e, move || unplan(&plan.batch, &phone_number_id, &customer), receipts)
                    }
                }
            }));
        }
    }

    /// Applies a committed batch to memory, answers senders, tells agents,
    /// hands new sends to the outbox and customer messages to flows.
    fn committed(&mut self, ctx: &mut Context<Self>, mut plan: Planned, outcome: BatchOutcome) {
        for m in &mut plan.batch.messages {
            if let Some(&seq) = outcome.renumbered.get(&m.seq) {
                m.seq = seq;
            }
        }
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
        let tenant = self.link.channel.tenant_id;
        let assignee = live.snapshot.assignee_id;
        // In number order, messages and status changes mixed (a send's
        // result can be numbered before a customer's message of the same
        // batch): a socket that has seen a number takes nothing older.
        let mut frames: Vec<(i64, ConversationEvent)> = Vec::with_capacity(inserted.len() + outcome.statuses_applied.len());
        for msg in batch.messages.iter().filter(|x| inserted.contains(&x.id)) {
            let message = Box::new(plan::view_of(conversation_id, msg, now));
            frames.push((msg.seq, ConversationEvent::MessageNew { conversation_id, seq: msg.seq, message }));
        }
        for s in outcome.statuses_applied {
            let seq = s.seq;
            let status = ConversationEvent::MessageStatus {
                conversation_id,
                seq,
                message_id: s.message_id,
                wamid: s.wamid,
                status: s.status,
                error: s.errors,
            };
            frames.push((seq, status));
        }
        frames.sort_by_key(|(seq, _)| *seq);
        // A new conversation is announced before its first messages, with
        // their counts; the `conversation:updated` below would repeat it.
        let announced = self.announce_pending;
        if announced {
            self.announce();
        }
        for (_, event) in frames {
            self.deps.sink.publish(tenant, assignee, event);
        }
        let mut agent_replied = false;
        for mut send in plan.sends {
            let Some(msg) = batch.messages.iter().find(|x| x.id == send.message_id) else { continue };
            if !inserted.contains(&send.message_id) {
                send.request.answer(Err(SendRefusal::Duplicate));
                continue;
            }
            agent_replied |= matches!(send.request.sent_by, Some(SentBy::Agent { .. }));
            send.request.answer(Ok(plan::view_of(conversation_id, msg, now)));
            self.link.outbox.do_send(OutboundJob {
                message_id: send.message_id,
                conversation: self.key,
                body: send.body,
                lane: send.request.lane,
                attempt: 0,
                uncertain: false,
                fence: self.fence,
            });
        }
        if plan.mark_read {
            if let Some(w) = &last_inbound {
                self.link.outbox.do_send(StatusPing { body: crate::send::read_receipt(w) });
            }
        }
        let summary = self.summary();
        if let Some(conversation) = summary.clone() {
            let assignee_changed = conversation.assignee_id != previous_assignee;
            if !announced && (!inserted.is_empty() || plan.mark_read || !plan.patch_replies.is_empty()) {
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
        // Held events whose message this batch stored go first, before
        // anything that was already waiting.
        for held in outcome.released.into_iter().rev() {
            self.queue.push_front(Queued { work: Work::Event(EventKind::Held(held)), receipt: EventReceipt::none() });
        }
        if agent_replied {
            self.agent_replied();
        }
        self.hand_to_flows(ctx, conversation_id, batch, &inserted);
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

    /// Counts a message from the tenant (for passivation).
    fn received_from_tenant(&mut self) {
        self.received += 1;
    }
}

impl Actor for ConversationActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        if self.passivating {
            // Retired, yet restarted by its supervisor because something
            // still holds its address (a flow run, a waiting sender).
            // Stopping again at once would restart it again, in a tight
            // loop that holds this arbiter's thread (and every conversation
            // on it) for as long as that address lives. It waits as a
            // tombstone instead, refusing what reaches it, until the last
            // address is gone.
            ctx.run_interval(RETIRED_CHECK, |_, ctx| {
                if !ctx.connected() {
                    ctx.stop();
                }
            });
            return;
        }
        EngineMetrics::add(&self.deps.metrics.conversations_started, 1);
        self.deps.metrics.conversations_live.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.counted_live = true;
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

/// Sent by the tenant when this node no longer owns the conversation's
/// partition: stop now, failing waiting events back to their inbox rows.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Relinquish;

impl Handler<Relinquish> for ConversationActor {
    type Result = ();

    /// Stops (see [`ConversationActor::relinquish`]); a batch being committed
    /// is refused by its fence and fails back on its own.
    fn handle(&mut self, _: Relinquish, ctx: &mut Self::Context) {
        self.relinquish(ctx, Vec::new());
    }
}

impl Handler<CheckIdle> for ConversationActor {
    type Result = ();

    /// Reports idleness when nothing is queued, committing or running and
    /// its last flow request is an idle period old (a retired incarnation
    /// has nothing to report: its tenant forgot it).
    fn handle(&mut self, _: CheckIdle, _: &mut Self::Context) {
        let quiet = self.last_flow_request.elapsed() >= self.deps.settings.conversation_idle;
        if !self.passivating && self.queue.is_empty() && !self.flushing && self.flow_run.is_none() && quiet {
            self.link.tenant.idle.do_send(ConversationIdle { key: self.key, received: self.received, incarnation: self.incarnation });
        }
    }
}

impl Handler<Passivate> for ConversationActor {
    type Result = ();

    /// Stops; with no address left, the supervisor lets it go.
    fn handle(&mut self, _: Passivate, ctx: &mut Self::Context) {
        let _span = self.span().entered();
        if self.queue.is_empty() && !self.flushing {
            EngineMetrics::add(&self.deps.metrics.conversations_passivated, 1);
            self.passivating = true;
            self.detach_run();
            ctx.stop();
        }
    }
}
