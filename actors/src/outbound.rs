//! Outbound sends: the Graph API port and `ChannelOutbox`, one actor per
//! business number, which holds sends to the number's messages-per-second
//! (a token bucket), keeps a small reserve of it that only live agent replies
//! may use (so bulk traffic — campaigns, flows — never delays them), and
//! retries only what Meta certainly did not accept.
//!
//! Never twice: a send is retried at once only when Meta refused it
//! (throttled, 5xx) or the request never left (connection refused). When the
//! outcome is unknown (a timeout after the request was sent, or a restart
//! before Meta answered), nothing is resent before a grace period (default
//! ten minutes, covering Meta's late statuses). Every send carries our
//! message id as `biz_opaque_callback_data`, which Meta echoes in its
//! statuses: if a status linked a wamid meanwhile, the send was accepted.
//! If not, the message becomes `unconfirmed` (an agent may resend it by
//! hand), unless it is a bot's whose flow asks to resend.

use crate::ids::{ChannelId, ContactId, MessageId, TenantId, Wamid};
use crate::ports::{ChannelRef, Clock, StoreError, SystemClock};
use crate::protocol::ConversationKey;
use actix::prelude::*;
use async_trait::async_trait;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
// The runtime's clock (tokio's, through actix): the same monotonic time in
// production, and one tests can pause and move, so pacing and retries are
// tested without waiting.
use actix::clock::Instant;

/// Most attempts of a send before it is failed for good.
pub const MAX_SEND_ATTEMPTS: u32 = 8;
/// First retry delay; doubles each attempt, with jitter.
const RETRY_BASE: Duration = Duration::from_millis(250);
/// Longest retry delay.
const RETRY_MAX: Duration = Duration::from_secs(30);
/// Sends in flight at once per number (the pacing decides the rate).
const MAX_IN_FLIGHT: usize = 64;
/// Meta's pair rate: one message from a number to the same customer every
/// 6 seconds (a burst may pass, then 131056). Broadcast sends keep this gap
/// after any earlier send to the customer; live replies and bots do not wait.
pub const PAIR_GAP: Duration = Duration::from_secs(6);
/// Longest real-time sleep between checks of the sends held for their
/// grace: the grace is measured on the engine's [`Clock`] (which tests move
/// by hand), so the outbox looks again at least this often.
const HOLD_POLL: Duration = Duration::from_millis(500);
/// Meta's error for a burst to one customer ("pair rate limit hit").
const PAIR_RATE_HIT: i64 = 131056;

/// How Meta answered a send.
#[derive(Debug, Clone, PartialEq)]
pub enum SendError {
    /// Meta did not accept it and says to try again (throttled, temporarily
    /// down), or the request never reached Meta.
    Retryable {
        /// Meta's error code, when it gave one.
        code: Option<i64>,
        /// What happened.
        title: String,
    },
    /// Meta refused it for good (bad request, undeliverable, window closed).
    Permanent {
        /// Meta's error code.
        code: i64,
        /// Meta's title.
        title: String,
        /// Meta's `error_data.details`.
        details: Option<String>,
    },
    /// The request may or may not have reached Meta.
    Ambiguous(String),
}

/// The Graph API as the engine needs it.
#[async_trait]
pub trait GraphTransport: Send + Sync + 'static {
    /// `POST /{phone_number_id}/messages` with a message body; the wamid on success.
    async fn send_message(&self, channel: &ChannelRef, body: &Value) -> Result<Wamid, SendError>;
    /// `POST /{phone_number_id}/messages` with a read receipt or typing indicator.
    async fn send_status(&self, channel: &ChannelRef, body: &Value) -> Result<(), SendError>;
}

/// What to do with a send whose outcome stayed unknown for the whole grace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterGrace {
    /// A status webhook linked this wamid: it was accepted.
    Linked(Wamid),
    /// Nothing heard, and the sender asked to resend in that case (a flow
    /// with `resend_unconfirmed`).
    Resend,
    /// Nothing heard: record it as unconfirmed, never resend blindly.
    Unconfirmed,
}

/// Asks the store what became of a message whose send outcome was unknown.
#[async_trait]
pub trait SendLedger: Send + Sync + 'static {
    /// The wamid now recorded for the message, or what its sender wants
    /// done when none was.
    async fn after_grace(&self, tenant: TenantId, message: MessageId) -> Result<AfterGrace, StoreError>;
    /// Records that these messages are being handed to Meta now (before the
    /// request leaves): the grace of an unknown outcome runs from here, also
    /// across a restart. With several nodes each carries its conversation's
    /// lease: one whose lease has moved on is not recorded, and the answer
    /// (the messages that may go) leaves it out: its new owner sends it.
    async fn mark_attempted(
        &self,
        tenant: TenantId,
        messages: &[(MessageId, Option<crate::ports::Fence>)],
    ) -> Result<Vec<MessageId>, StoreError>;
}

/// One number's send rate shared by every node that sends on it (several
/// nodes): a bucket outside the process that all their outboxes take from.
#[async_trait]
pub trait SharedRate: Send + Sync + 'static {
    /// Takes up to `n` sends from the number's budget of `rate` per second
    /// (a burst of `reserve` + [`bulk_burst`]): an `urgent` send (a live reply, a read
    /// receipt) may use the reserve, bulk may not. Answers how many were
    /// granted and how long until the next could be.
    async fn take(&self, channel: ChannelId, rate: f64, reserve: f64, urgent: bool, n: u32) -> Result<(u32, Duration), String>;

    /// How many nodes share the number now: without the shared bucket
    /// (unreachable), each paces at its share of the rate.
    fn nodes(&self) -> u32;
}

/// The lanes live in [`crate::protocol`] (senders choose one, the outbox
/// honours it); re-exported here, where the server has always found them.
pub use crate::protocol::Lane;

/// A message to deliver.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct OutboundJob {
    /// Our message.
    pub message_id: MessageId,
    /// Its conversation (outcomes go back to its actor through the tenant).
    pub conversation: ConversationKey,
    /// The Cloud API body.
    pub body: Value,
    /// Lane.
    pub lane: Lane,
    /// Attempts so far.
    pub attempt: u32,
    /// Whether an earlier attempt may have reached Meta.
    pub uncertain: bool,
    /// The conversation's partition lease (several nodes): the hand-over is
    /// refused if it has moved on.
    pub fence: Option<crate::ports::Fence>,
}

/// A send found pending at start-up. One handed to Meta before the stop
/// (`uncertain`: its outcome is unknown) is looked at again only once the
/// grace since it was handed over has passed; one that never left is queued
/// as any other send.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct ResumeJob {
    /// The send.
    pub job: OutboundJob,
    /// How much of the grace is still to run.
    pub wait: Duration,
}

/// The final outcome of a send.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct SendOutcome {
    /// The message.
    pub message_id: MessageId,
    /// Its conversation.
    pub conversation: ConversationKey,
    /// What became of it.
    pub result: SendResult,
}

/// What became of a send.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendResult {
    /// Meta accepted it: its wamid.
    Accepted(Wamid),
    /// Meta refused it for good (or it could not be sent).
    Failed(SendFailure),
    /// Unknown after the grace: maybe delivered, maybe not.
    Unconfirmed,
}

/// A send that failed for good.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SendFailure {
    /// Meta's code (or ours for local failures).
    pub code: i64,
    /// Meta's title.
    pub title: String,
    /// Meta's details.
    pub details: Option<String>,
}

impl SendFailure {
    /// As stored in `messages.errors` (Meta's webhook error shape).
    pub fn to_errors(&self) -> Value {
        serde_json::json!([{"code": self.code, "title": self.title, "message": self.title,
                             "error_data": {"details": self.details.clone().unwrap_or_default()}}])
    }
}

/// A read receipt or typing indicator (best effort, live lane).
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct StatusPing {
    /// The body.
    pub body: Value,
}

/// Where outcomes go (the tenant actor).
pub type OutcomeRecipient = Recipient<SendOutcome>;

/// See the module doc.
pub struct ChannelOutbox {
    channel: ChannelRef,
    transport: Arc<dyn GraphTransport>,
    ledger: Arc<dyn SendLedger>,
    outcomes: OutcomeRecipient,
    rate: f64,
    reserve: f64,
    capacity: f64,
    tokens: f64,
    refilled: Instant,
    ambiguous_grace: Duration,
    live: VecDeque<OutboundJob>,
    bulk: VecDeque<OutboundJob>,
    pings: VecDeque<StatusPing>,
    in_flight: usize,
    wake_scheduled: bool,
    /// When each customer was last sent to (entries older than
    /// [`PAIR_GAP`] are dropped as the map grows).
    last_sent: HashMap<ContactId, Instant>,
    prune_above: usize,
    /// Where its decisions after the grace are counted.
    metrics: Option<Arc<crate::metrics::EngineMetrics>>,
    /// The engine's clock: the grace of an uncertain send is business time
    /// (ten minutes of it), not the runtime's pacing time.
    clock: Arc<dyn Clock>,
    /// Sends of unknown outcome, each with the moment its grace ends.
    held: Vec<(chrono::DateTime<chrono::Utc>, OutboundJob)>,
    hold_check_scheduled: bool,
    /// The number's rate shared with the other nodes (several nodes).
    shared: Option<Arc<dyn SharedRate>>,
    /// Whether a take from the shared rate is on its way.
    asking: bool,
    /// Sends waiting to be recorded as handed over while a record is being
    /// written: they go together in the next one (one statement and one
    /// commit for all), so under load the records group themselves.
    to_mark: Vec<OutboundJob>,
    /// A hand-over record is being written.
    marking: bool,
}

impl ChannelOutbox {
    /// An outbox pacing `channel` at `messages_per_second`.
    pub fn new(
        channel: ChannelRef,
        messages_per_second: u32,
        transport: Arc<dyn GraphTransport>,
        ledger: Arc<dyn SendLedger>,
        outcomes: OutcomeRecipient,
        ambiguous_grace: Duration,
    ) -> Self {
        Self {
            channel,
            transport,
            ledger,
            outcomes,
            rate: f64::from(messages_per_second.max(1)),
            reserve: live_reserve(messages_per_second),
            capacity: live_reserve(messages_per_second) + bulk_burst(f64::from(messages_per_second)),
            tokens: live_reserve(messages_per_second) + bulk_burst(f64::from(messages_per_second)),
            refilled: Instant::now(),
            ambiguous_grace,
            live: VecDeque::new(),
            bulk: VecDeque::new(),
            pings: VecDeque::new(),
            in_flight: 0,
            wake_scheduled: false,
            last_sent: HashMap::new(),
            prune_above: 1024,
            metrics: None,
            clock: Arc::new(SystemClock),
            held: Vec::new(),
            hold_check_scheduled: false,
            shared: None,
            asking: false,
            to_mark: Vec::new(),
            marking: false,
        }
    }

    /// Paces by a rate shared with the other nodes sending on the number.
    pub fn with_shared_rate(mut self, shared: Option<Arc<dyn SharedRate>>) -> Self {
        self.shared = shared;
        self
    }

    /// Measures the grace of uncertain sends on `clock` (the engine's).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Counts its decisions after the grace in the engine's metrics.
    pub fn with_metrics(mut self, metrics: Arc<crate::metrics::EngineMetrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// How long a broadcast send must still wait for the pair-rate gap
    /// after the number's last send to its customer.
    fn pair_wait(&self, job: &OutboundJob, now: Instant) -> Option<Duration> {
        if job.lane != Lane::Broadcast {
            return None;
        }
        let last = self.last_sent.get(&job.conversation.contact_id)?;
        PAIR_GAP.checked_sub(now.duration_since(*last)).filter(|d| !d.is_zero())
    }

    /// Notes a send to a customer now, forgetting sends older than the gap
    /// once the map has doubled since it was last pruned.
    fn note_sent(&mut self, contact: ContactId, now: Instant) {
        self.last_sent.insert(contact, now);
        if self.last_sent.len() > self.prune_above {
            self.last_sent.retain(|_, at| now.duration_since(*at) < PAIR_GAP);
            self.prune_above = (self.last_sent.len() * 2).max(1024);
        }
    }

    /// Starts as many sends as the number's rate allows; sleeps until the
    /// bucket holds enough again. Live replies (and read receipts, typing)
    /// may take any token; bulk leaves the reserve alone, so even with bulk
    /// saturating the number a live reply goes out at once.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        if let Some(shared) = self.shared.clone() {
            return self.pump_shared(ctx, shared);
        }
        self.pump_local(ctx, self.rate);
    }

    /// Several nodes: takes as many sends as the number's shared budget
    /// grants (urgent ones first) and starts them; asks again when the
    /// budget says. If the shared bucket cannot be reached, this node paces
    /// alone at its share of the rate.
    fn pump_shared(&mut self, ctx: &mut Context<Self>, shared: Arc<dyn SharedRate>) {
        if self.asking || self.wake_scheduled {
            return;
        }
        let room = MAX_IN_FLIGHT.saturating_sub(self.in_flight);
        let urgent = !self.live.is_empty() || !self.pings.is_empty();
        let queued = if urgent { self.live.len() + self.pings.len() } else { self.bulk.len() };
        if room == 0 || queued == 0 {
            return;
        }
        self.asking = true;
        let n = u32::try_from(queued.min(room)).unwrap_or(1);
        let (channel, rate, reserve) = (self.channel.channel_id, self.rate, self.reserve);
        ctx.spawn(async move { shared.take(channel, rate, reserve, urgent, n).await }.into_actor(self).map(move |res, act, ctx| {
            act.asking = false;
            match res {
                Ok((granted, wait)) => {
                    let now = Instant::now();
                    let mut starting = Vec::new();
                    for _ in 0..granted {
                        if let Some(job) = act.live.pop_front() {
                            act.note_sent(job.conversation.contact_id, now);
                            starting.push(job);
                        } else if let Some(ping) = act.pings.pop_front() {
                            act.start_ping(ctx, ping);
                        } else if let Some(job) = act.bulk.pop_front() {
                            if let Some(pair) = act.pair_wait(&job, now) {
                                act.retry_later(ctx, job, pair);
                                continue;
                            }
                            act.note_sent(job.conversation.contact_id, now);
                            starting.push(job);
                        }
                    }
                    if !starting.is_empty() {
                        act.start_batch(ctx, starting);
                    }
                    if granted == 0 {
                        act.wake_scheduled = true;
                        ctx.run_later(wait.max(Duration::from_millis(1)), |act, ctx| {
                            act.wake_scheduled = false;
                            act.pump(ctx);
                        });
                    } else {
                        act.pump(ctx);
                    }
                }
                Err(e) => {
                    tracing::warn!(channel_id = %act.channel.channel_id, error = %e, "the shared send rate is unreachable; pacing at this node's share");
                    let share = act.rate / f64::from(shared_nodes(act.shared.as_deref()));
                    act.pump_local(ctx, share);
                }
            }
        }));
    }

    /// Paces with this node's own bucket at `rate` per second.
    fn pump_local(&mut self, ctx: &mut Context<Self>, rate: f64) {
        let mut starting = Vec::new();
        loop {
            if self.in_flight + starting.len() >= MAX_IN_FLIGHT || (self.live.is_empty() && self.bulk.is_empty() && self.pings.is_empty()) {
                break;
            }
            let now = Instant::now();
            self.tokens = (self.tokens + now.duration_since(self.refilled).as_secs_f64() * rate).min(self.capacity);
            self.refilled = now;
            let urgent = !self.live.is_empty() || !self.pings.is_empty();
            let need = if urgent { 1.0 } else { 1.0 + self.reserve };
            if self.tokens < need {
                if !self.wake_scheduled {
                    self.wake_scheduled = true;
                    let wait = Duration::from_secs_f64((need - self.tokens) / rate);
                    ctx.run_later(wait, |act, ctx| {
                        act.wake_scheduled = false;
                        act.pump(ctx);
                    });
                }
                break;
            }
            if let Some(job) = self.live.pop_front() {
                self.note_sent(job.conversation.contact_id, now);
                starting.push(job);
            } else if let Some(ping) = self.pings.pop_front() {
                self.start_ping(ctx, ping);
            } else if let Some(job) = self.bulk.pop_front() {
                if let Some(wait) = self.pair_wait(&job, now) {
                    // Not its turn yet: it takes no token and waits aside.
                    self.retry_later(ctx, job, wait);
                    continue;
                }
                self.note_sent(job.conversation.contact_id, now);
                starting.push(job);
            }
            self.tokens -= 1.0;
        }
        if !starting.is_empty() {
            self.start_batch(ctx, starting);
        }
    }

    /// Records the hand-over of `jobs` (one statement), then sends each. If
    /// the record cannot be written, nothing is sent: the jobs wait and try
    /// again (an unrecorded send could be resent too early after a crash).
    ///
    /// One record is written at a time: jobs that start meanwhile wait for
    /// it and are recorded together in the next.
    fn start_batch(&mut self, ctx: &mut Context<Self>, jobs: Vec<OutboundJob>) {
        self.in_flight += jobs.len();
        self.to_mark.extend(jobs);
        if !self.marking {
            self.record_hand_over(ctx);
        }
    }

    /// Writes the record of every job waiting in `to_mark`, then starts the
    /// sends it allows; then the jobs that arrived meanwhile, if any.
    fn record_hand_over(&mut self, ctx: &mut Context<Self>) {
        if self.to_mark.is_empty() {
            return;
        }
        let jobs = std::mem::take(&mut self.to_mark);
        self.marking = true;
        let (ledger, tenant) = (self.ledger.clone(), self.channel.tenant_id);
        let ids: Vec<(MessageId, Option<crate::ports::Fence>)> = jobs.iter().map(|j| (j.message_id, j.fence)).collect();
        ctx.spawn(async move { ledger.mark_attempted(tenant, &ids).await }.into_actor(self).map(move |res, act, ctx| {
            act.marking = false;
            act.in_flight -= jobs.len();
            let mut fenced = false;
            match res {
                Ok(may_go) => {
                    for job in jobs {
                        if may_go.contains(&job.message_id) {
                            act.start(ctx, job);
                        } else {
                            fenced = true;
                            if let Some(m) = &act.metrics {
                                crate::metrics::EngineMetrics::add(&m.sends_fenced, 1);
                            }
                            tracing::warn!(message_id = %job.message_id, "fenced: another node owns this conversation now and sends it");
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(channel_id = %act.channel.channel_id, error = %e, "send hand-over not recorded; sends wait and try again");
                    for job in jobs {
                        let delay = backoff(job.attempt + 1);
                        act.retry_later(ctx, job, delay);
                    }
                }
            }
            act.record_hand_over(ctx);
            // Fenced jobs freed their places without a send to finish: the
            // queue may have been waiting for those places.
            if fenced {
                act.pump(ctx);
            }
        }));
    }

    fn start_ping(&mut self, ctx: &mut Context<Self>, ping: StatusPing) {
        self.in_flight += 1;
        let (transport, channel) = (self.transport.clone(), self.channel.clone());
        ctx.spawn(async move { transport.send_status(&channel, &ping.body).await }.into_actor(self).map(|res, act, ctx| {
            act.in_flight -= 1;
            if let Err(e) = res {
                tracing::debug!(channel_id = %act.channel.channel_id, error = ?e, "read receipt or typing indicator not sent");
            }
            act.pump(ctx);
        }));
    }

    fn start(&mut self, ctx: &mut Context<Self>, mut job: OutboundJob) {
        self.in_flight += 1;
        job.attempt += 1;
        let (transport, ledger, channel) = (self.transport.clone(), self.ledger.clone(), self.channel.clone());
        let uncertain = job.uncertain;
        let body = job.body.clone();
        let message_id = job.message_id;
        let fut = async move {
            if uncertain {
                // An earlier attempt may have been accepted: if Meta's status
                // webhook linked a wamid meanwhile, it was, and we stop here;
                // otherwise only a sender who asked for it gets a resend.
                match ledger
                    .after_grace(channel.tenant_id, message_id)
                    .await
                    .map_err(|e| SendError::Retryable { code: None, title: e.to_string() })?
                {
                    AfterGrace::Linked(w) => return Ok(Some(w)),
                    AfterGrace::Unconfirmed => return Ok(None),
                    AfterGrace::Resend => {}
                }
            }
            transport.send_message(&channel, &body).await.map(Some)
        };
        ctx.spawn(fut.into_actor(self).map(move |res, act, ctx| {
            act.in_flight -= 1;
            act.finish(ctx, job, res);
            if uncertain {
                if let Some(m) = &act.metrics {
                    crate::metrics::EngineMetrics::add(&m.sends_decided_after_grace, 1);
                }
            }
            act.pump(ctx);
        }));
    }

    /// Records a send's answer: `Ok(None)` is an uncertain send still
    /// unheard of after the grace.
    fn finish(&mut self, ctx: &mut Context<Self>, mut job: OutboundJob, res: Result<Option<Wamid>, SendError>) {
        let result = match res {
            Ok(Some(wamid)) => SendResult::Accepted(wamid),
            Ok(None) => {
                tracing::warn!(channel_id = %self.channel.channel_id, message_id = %job.message_id, "no word from Meta within the grace: the message is unconfirmed and will not be resent automatically");
                SendResult::Unconfirmed
            }
            Err(SendError::Permanent { code, title, details }) => SendResult::Failed(SendFailure { code, title, details }),
            Err(SendError::Retryable { code, title }) if job.attempt < MAX_SEND_ATTEMPTS => {
                // Meta's pair rate (131056) wants the customer left alone
                // for its gap; other refusals back off from a quarter second.
                let delay = if code == Some(PAIR_RATE_HIT) { backoff(job.attempt).max(PAIR_GAP) } else { backoff(job.attempt) };
                tracing::info!(channel_id = %self.channel.channel_id, message_id = %job.message_id, attempt = job.attempt, ?code, %title, ?delay, "send refused for now; retrying");
                self.retry_later(ctx, job, delay);
                return;
            }
            Err(SendError::Ambiguous(why)) if job.attempt < MAX_SEND_ATTEMPTS => {
                tracing::warn!(channel_id = %self.channel.channel_id, message_id = %job.message_id, %why, "send outcome unknown; waiting for Meta's status before deciding");
                job.uncertain = true;
                let grace = self.ambiguous_grace;
                self.hold_for_grace(ctx, job, grace);
                return;
            }
            Err(SendError::Retryable { code, title }) => SendResult::Failed(SendFailure {
                code: code.unwrap_or(131000),
                title: format!("gave up after {} attempts: {title}", job.attempt),
                details: None,
            }),
            Err(SendError::Ambiguous(_)) => SendResult::Unconfirmed,
        };
        self.outcomes.do_send(SendOutcome { message_id: job.message_id, conversation: job.conversation, result });
    }

    /// Sets an uncertain send aside until `grace` has passed on the
    /// engine's clock; then it is decided (linked, unconfirmed or resent).
    fn hold_for_grace(&mut self, ctx: &mut Context<Self>, job: OutboundJob, grace: Duration) {
        let grace = chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::MAX);
        let now = self.clock.now();
        let until = now.checked_add_signed(grace).unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC);
        self.held.push((until, job));
        if let Some(m) = &self.metrics {
            crate::metrics::EngineMetrics::add(&m.sends_held_for_grace, 1);
        }
        self.schedule_hold_check(ctx);
    }

    /// Wakes when the earliest held grace ends, or after [`HOLD_POLL`] of
    /// real time if sooner (the clock may be moved by other than time).
    fn schedule_hold_check(&mut self, ctx: &mut Context<Self>) {
        if self.hold_check_scheduled {
            return;
        }
        let Some(earliest) = self.held.iter().map(|(until, _)| *until).min() else { return };
        let left = (earliest - self.clock.now()).to_std().unwrap_or(Duration::ZERO);
        self.hold_check_scheduled = true;
        ctx.run_later(left.min(HOLD_POLL), |act, ctx| {
            act.hold_check_scheduled = false;
            act.release_held(ctx);
        });
    }

    /// Queues every held send whose grace has ended, first in its lane.
    fn release_held(&mut self, ctx: &mut Context<Self>) {
        let now = self.clock.now();
        let (due, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.held).into_iter().partition(|(until, _)| *until <= now);
        self.held = waiting;
        for (_, job) in due {
            match job.lane {
                Lane::Live => self.live.push_front(job),
                Lane::Bulk | Lane::Broadcast => self.bulk.push_front(job),
            }
        }
        if let Some(m) = &self.metrics {
            crate::metrics::EngineMetrics::add(&m.held_send_checks, 1);
        }
        self.schedule_hold_check(ctx);
        self.pump(ctx);
    }

    fn retry_later(&mut self, ctx: &mut Context<Self>, job: OutboundJob, delay: Duration) {
        ctx.run_later(delay, move |act, ctx| {
            match job.lane {
                Lane::Live => act.live.push_front(job),
                Lane::Bulk | Lane::Broadcast => act.bulk.push_front(job),
            }
            act.pump(ctx);
        });
    }
}

fn shared_nodes(shared: Option<&dyn SharedRate>) -> u32 {
    shared.map_or(1, |s| s.nodes().max(1))
}

/// Tokens kept for live traffic: 5% of a second's sends, at least one. The
/// bucket holds [`bulk_burst`] more, so a burst never exceeds the rate by
/// more than that.
fn live_reserve(messages_per_second: u32) -> f64 {
    (f64::from(messages_per_second) * 0.05).ceil().max(1.0)
}

/// How long the outbox's pacing may fall behind and catch up: a wake-up
/// of the runtime's timer comes a millisecond or two late, more on a busy
/// machine.
pub const PACING_SLACK: Duration = Duration::from_millis(10);

/// Sends bulk may make at once, beyond the live reserve: what the rate
/// allows in [`PACING_SLACK`], at least one. With room for one only, bulk
/// at 1,000 per second needed a wake-up every millisecond and, each coming
/// late, sent one send per wake-up: ~450 per second (BENCHMARKS.md,
/// "Campaigns at the number's rate"). A number at 100 per second or less
/// keeps a burst of one.
pub fn bulk_burst(rate: f64) -> f64 {
    (rate * PACING_SLACK.as_secs_f64()).floor().max(1.0)
}

/// Exponential backoff with jitter: uniform in [d/2, d] for d = base·2^(n-1),
/// so sends refused together (a throttled number) do not retry together.
pub fn backoff(attempt: u32) -> Duration {
    use rand::Rng;
    let exp = RETRY_BASE.saturating_mul(1u32 << attempt.saturating_sub(1).min(16)).min(RETRY_MAX);
    let nanos = u64::try_from(exp.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(rand::thread_rng().gen_range(nanos / 2..=nanos))
}

impl Actor for ChannelOutbox {
    type Context = Context<Self>;
}

impl Handler<OutboundJob> for ChannelOutbox {
    type Result = ();

    /// Queues a send in its lane.
    fn handle(&mut self, job: OutboundJob, ctx: &mut Self::Context) {
        match job.lane {
            Lane::Live => self.live.push_back(job),
            Lane::Bulk | Lane::Broadcast => self.bulk.push_back(job),
        }
        self.pump(ctx);
    }
}

impl Handler<ResumeJob> for ChannelOutbox {
    type Result = ();

    /// Holds an uncertain send until its grace has passed, then decides;
    /// queues a send that never left as any other.
    fn handle(&mut self, msg: ResumeJob, ctx: &mut Self::Context) {
        if msg.job.uncertain {
            self.hold_for_grace(ctx, msg.job, msg.wait);
        } else {
            match msg.job.lane {
                Lane::Live => self.live.push_back(msg.job),
                Lane::Bulk | Lane::Broadcast => self.bulk.push_back(msg.job),
            }
            self.pump(ctx);
        }
    }
}

impl Handler<StatusPing> for ChannelOutbox {
    type Result = ();

    /// Queues a read receipt or typing indicator.
    fn handle(&mut self, ping: StatusPing, ctx: &mut Self::Context) {
        self.pings.push_back(ping);
        self.pump(ctx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        for attempt in 1..10 {
            let d = backoff(attempt);
            let full = RETRY_BASE.saturating_mul(1 << (attempt - 1)).min(RETRY_MAX);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?} not in [{:?}, {full:?}]", full / 2);
        }
        assert!(backoff(30) <= RETRY_MAX);
    }

    #[test]
    fn bulk_may_catch_up_what_a_late_wake_up_missed_and_no_more() {
        assert_eq!(bulk_burst(20.0), 1.0, "a slow number keeps one send at a time");
        assert_eq!(bulk_burst(80.0), 1.0);
        assert_eq!(bulk_burst(250.0), 2.0);
        assert_eq!(bulk_burst(1000.0), 10.0, "ten milliseconds of a 1,000/s number");
        // The bucket never lets a second hold more than the rate, the live
        // reserve and one burst.
        assert_eq!(live_reserve(1000) + bulk_burst(1000.0), 60.0);
    }
}

#[cfg(test)]
mod actor_tests {
    use super::*;
    use crate::ids::{ChannelId, ContactId};
    use std::sync::Mutex;

    /// Records what was sent, when; refuses the first `refuse` sends.
    struct FakeGraph {
        sent: Mutex<Vec<(String, Instant)>>,
        refuse: Mutex<u32>,
    }

    #[async_trait]
    impl GraphTransport for FakeGraph {
        async fn send_message(&self, _: &ChannelRef, body: &Value) -> Result<Wamid, SendError> {
            let label = body["text"]["body"].as_str().unwrap_or("").to_owned();
            let mut refuse = self.refuse.lock().unwrap();
            if *refuse > 0 {
                *refuse -= 1;
                return Err(SendError::Retryable { code: Some(130429), title: "throttled".into() });
            }
            self.sent.lock().unwrap().push((label.clone(), Instant::now()));
            Ok(Wamid(format!("w-{label}")))
        }
        async fn send_status(&self, _: &ChannelRef, _: &Value) -> Result<(), SendError> {
            Ok(())
        }
    }

    struct NoLedger;
    #[async_trait]
    impl SendLedger for NoLedger {
        async fn after_grace(&self, _: TenantId, _: MessageId) -> Result<AfterGrace, StoreError> {
            Ok(AfterGrace::Unconfirmed)
        }
        async fn mark_attempted(
            &self,
            _: TenantId,
            jobs: &[(MessageId, Option<crate::ports::Fence>)],
        ) -> Result<Vec<MessageId>, StoreError> {
            Ok(jobs.iter().map(|(m, _)| *m).collect())
        }
    }

    struct Outcomes(Arc<Mutex<Vec<SendOutcome>>>);
    impl Actor for Outcomes {
        type Context = Context<Self>;
    }
    impl Handler<SendOutcome> for Outcomes {
        type Result = ();
        fn handle(&mut self, o: SendOutcome, _: &mut Context<Self>) {
            self.0.lock().unwrap().push(o);
        }
    }

    fn job(label: &str, lane: Lane) -> OutboundJob {
        OutboundJob {
            message_id: MessageId::generate(),
            conversation: ConversationKey { channel_id: ChannelId::generate(), contact_id: ContactId::generate() },
            body: serde_json::json!({"text": {"body": label}}),
            lane,
            attempt: 0,
            uncertain: false,
            fence: None,
        }
    }

    fn outbox(mps: u32, graph: Arc<FakeGraph>, outcomes: Arc<Mutex<Vec<SendOutcome>>>) -> Addr<ChannelOutbox> {
        let channel = ChannelRef {
            tenant_id: TenantId::generate(),
            channel_id: ChannelId::generate(),
            phone_number_id: "1".into(),
            messages_per_second: mps,
        };
        let recipient = Outcomes(outcomes).start().recipient();
        ChannelOutbox::new(channel, mps, graph, Arc::new(NoLedger), recipient, Duration::from_millis(10)).start()
    }

    #[actix_rt::test]
    async fn paces_at_the_number_rate_and_live_replies_overtake_bulk() {
        // Paused time: it moves to the next timer whenever all is idle, so
        // the pacing is measured exactly and the test does not wait.
        tokio::time::pause();
        let graph = Arc::new(FakeGraph { sent: Mutex::new(Vec::new()), refuse: Mutex::new(0) });
        let outcomes = Arc::new(Mutex::new(Vec::new()));
        let addr = outbox(20, graph.clone(), outcomes.clone());
        for i in 0..20 {
            addr.do_send(job(&format!("bulk-{i}"), Lane::Bulk));
        }
        actix::clock::sleep(Duration::from_millis(120)).await;
        addr.do_send(job("live", Lane::Live));
        actix::clock::sleep(Duration::from_millis(1300)).await;
        let sent = graph.sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 21);
        let live_at = sent.iter().position(|(l, _)| l == "live").unwrap();
        assert!(live_at <= 4, "the live reply waited behind bulk: position {live_at}");
        // 21 sends at 20 per second take about a second, evenly spaced.
        let span = sent[20].1 - sent[0].1;
        assert!(span >= Duration::from_millis(900), "sent faster than the number's rate: {span:?}");
        assert_eq!(outcomes.lock().unwrap().len(), 21);
    }

    #[actix_rt::test]
    async fn a_broadcast_keeps_the_pair_gap_after_any_send_to_its_customer() {
        tokio::time::pause();
        let graph = Arc::new(FakeGraph { sent: Mutex::new(Vec::new()), refuse: Mutex::new(0) });
        let outcomes = Arc::new(Mutex::new(Vec::new()));
        let addr = outbox(100, graph.clone(), outcomes.clone());
        let asha = ContactId::generate();
        let for_asha = |label: &str, lane: Lane| {
            let mut j = job(label, lane);
            j.conversation.contact_id = asha;
            j
        };
        let started = Instant::now();
        addr.do_send(for_asha("agent reply", Lane::Live));
        addr.do_send(for_asha("bot reply", Lane::Bulk));
        addr.do_send(for_asha("offer", Lane::Broadcast));
        addr.do_send(job("offer to bala", Lane::Broadcast));
        addr.do_send(for_asha("second offer", Lane::Broadcast));
        actix::clock::sleep(Duration::from_secs(20)).await;
        let sent = graph.sent.lock().unwrap().clone();
        let at = |label: &str| sent.iter().find(|(l, _)| l == label).map(|(_, t)| t.duration_since(started)).unwrap();
        // Live replies and bots do not wait; another customer does not wait.
        assert!(at("bot reply") < Duration::from_millis(100));
        assert!(at("offer to bala") < Duration::from_millis(100));
        // Asha's broadcasts keep 6 s from the send before each.
        assert!(at("offer") >= at("bot reply") + PAIR_GAP, "{:?}", at("offer"));
        assert!(at("second offer") >= at("offer") + PAIR_GAP, "{:?}", at("second offer"));
        assert_eq!(sent.len(), 5);
    }

    #[actix_rt::test]
    async fn throttled_sends_retry_and_succeed_once() {
        tokio::time::pause();
        let graph = Arc::new(FakeGraph { sent: Mutex::new(Vec::new()), refuse: Mutex::new(2) });
        let outcomes = Arc::new(Mutex::new(Vec::new()));
        let addr = outbox(100, graph.clone(), outcomes.clone());
        addr.do_send(job("once", Lane::Live));
        actix::clock::sleep(Duration::from_millis(2500)).await;
        assert_eq!(graph.sent.lock().unwrap().len(), 1);
        let o = outcomes.lock().unwrap();
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].result, SendResult::Accepted(Wamid("w-once".into())));
    }
}
