//! The campaign runner: one `CampaignActor` per running campaign, started
//! when a campaign launches or resumes and by a scheduler tick that also
//! finds campaigns a crash left running and scheduled ones now due.
//!
//! Each actor, every tick: stops when its campaign no longer runs; pauses
//! it when its template is no longer approved or Meta refused a send in a
//! way that must stop everything (spam limit, policy block, locked
//! account); then claims as many pending recipients as the
//! campaign's rate and the portfolio's messaging limit allow (holding back
//! while Meta has not answered the sends already handed over; over the
//! limit it waits, with the reason shown, instead of failing anyone) and hands each to its conversation as a
//! bulk-lane template send under the send key `campaign:<id>:<recipient>`.
//! A claim repeated after a crash finds the message its key stored, so a
//! recipient is never messaged twice. Progress goes to the tenant's admins
//! at most once a second.

use super::audience;
use super::launch::{self, TemplateFacts};
use super::pacing::{self, InFlight};
use crate::hub::{HubFrame, Scope, TenantHub};
use crate::store::repo::campaigns::{CampaignStats, CampaignStatus, CampaignView, Claimed, Handed, SkipReason};
use crate::store::repo::{Db, DbError};
use actix::prelude::*;
use dashmap::DashMap;
use serde_json::json;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use whatsflow_actors::conversation::ConversationWork;
use whatsflow_actors::ids::{CampaignId, MessageId, TenantId};
use whatsflow_actors::message::SentBy;
use whatsflow_actors::outbound::Lane;
use whatsflow_actors::ports::ChannelRef;
use whatsflow_actors::router::WebhookRouter;
use whatsflow_actors::send::{SendRefusal, SendRequest};
use whatsflow_actors::tenant::ConversationCommand;

/// How often an actor looks at its campaign.
const TICK: Duration = Duration::from_millis(100);
/// How often the scheduler looks for campaigns to drive or start.
const SCHEDULER_TICK: Duration = Duration::from_secs(1);
/// How often progress goes to the admins, at most.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);
/// How often progress counts replies and cost (a lookup per recipient), at most.
const FULL_STATS_EVERY: Duration = Duration::from_secs(5);
/// Counting a large campaign reads every recipient row: each count waits at
/// least this many times as long as the last one took, so counting keeps
/// under a tenth of the time (a 100,000-recipient count takes ~0.5 s).
const COUNT_SPACING: u32 = 10;

/// How long to wait before counting again: at least `floor`, and at least
/// [`COUNT_SPACING`] times what the last count cost.
fn count_spacing(floor: Duration, last_cost: Duration) -> Duration {
    floor.max(last_cost.saturating_mul(COUNT_SPACING))
}
/// How often the stopping rules are checked.
const RULES_EVERY: Duration = Duration::from_millis(500);
/// How long a conversation may take to store a send.
const SEND_ANSWER_TIMEOUT: Duration = Duration::from_secs(15);
/// How often a campaign whose pending recipients are none of them due
/// (local send times, quiet hours, retries) looks for due ones again.
const IDLE_CLAIM_EVERY: Duration = Duration::from_secs(1);
/// Most recipients handed over in one tick.
const MAX_CLAIM: f64 = 500.0;
/// How long claims may start past the last recipient claimed before one
/// starts from the beginning again (recipients released back to pending,
/// or whose retry or local time came, are found then at the latest).
const FULL_CLAIM_EVERY: Duration = Duration::from_secs(10);

/// Meta errors that stop a whole campaign: the number's spam limit, a
/// policy block, a locked account, and template refusals that will not pass
/// by themselves.
pub const STOPPING_ERRORS: [i64; 7] = [131048, 368, 131031, 132000, 132001, 132015, 132016];

/// The running campaigns of this node.
pub struct CampaignRunner {
    db: Db,
    router: Arc<WebhookRouter>,
    hub: Arc<TenantHub>,
    actors: DashMap<CampaignId, Addr<CampaignActor>>,
    /// Whether this node runs a campaign (several nodes: one runs each).
    runs_here: std::sync::OnceLock<Arc<dyn Fn(uuid::Uuid) -> bool + Send + Sync>>,
}

impl CampaignRunner {
    /// A runner; [`spawn_scheduler`](Self::spawn_scheduler) starts its tick.
    pub fn new(db: Db, router: Arc<WebhookRouter>, hub: Arc<TenantHub>) -> Arc<Self> {
        Arc::new(Self { db, router, hub, actors: DashMap::new(), runs_here: std::sync::OnceLock::new() })
    }

    /// With several nodes: runs only the campaigns `runs_here` says (each
    /// campaign on one node, so its rate is its rate, not N times it).
    pub fn only_where(&self, runs_here: Arc<dyn Fn(uuid::Uuid) -> bool + Send + Sync>) {
        let _ = self.runs_here.set(runs_here);
    }

    fn runs(&self, id: CampaignId) -> bool {
        self.runs_here.get().is_none_or(|f| f(id.0))
    }

    /// Makes sure a running campaign has its actor (one per campaign on
    /// this node).
    pub fn drive(self: &Arc<Self>, tenant: TenantId, id: CampaignId) {
        // Several nodes: only the node that owns the campaign's partition
        // runs it (its scheduler finds it within a second).
        if !self.runs(id) {
            return;
        }
        let runner = Arc::downgrade(self);
        match self.actors.entry(id) {
            dashmap::Entry::Occupied(mut e) => {
                if !e.get().connected() {
                    e.insert(CampaignActor::new(runner, tenant, id).start());
                }
            }
            dashmap::Entry::Vacant(e) => {
                e.insert(CampaignActor::new(runner, tenant, id).start());
            }
        }
    }

    /// Every second: drive running campaigns (a restart finds them here)
    /// and launch scheduled ones that are due.
    pub fn spawn_scheduler(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        actix::spawn(async move {
            let mut tick = tokio::time::interval(SCHEDULER_TICK);
            loop {
                tick.tick().await;
                let Some(runner) = weak.upgrade() else { return };
                // A campaign whose partition moved to another node stops
                // here (its actor goes with its last address).
                runner.actors.retain(|id, a| a.connected() && runner.runs(*id));
                match runner.db.platform().active_campaigns().await {
                    Ok(active) => {
                        for c in active.into_iter().filter(|c| runner.runs(c.id)) {
                            if c.due_to_start {
                                if let Err(e) = runner.launch_scheduled(c.tenant, c.id).await {
                                    tracing::warn!(campaign = %c.id, error = %e, "a scheduled campaign could not start");
                                }
                            } else {
                                runner.drive(c.tenant, c.id);
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "could not list active campaigns"),
                }
            }
        });
    }

    /// Launches a scheduled campaign whose time came; one that cannot start
    /// (its template was paused meanwhile) goes back to a draft with the
    /// reason.
    async fn launch_scheduled(self: &Arc<Self>, tenant: TenantId, id: CampaignId) -> Result<(), DbError> {
        let db = self.db.tenant(tenant);
        let Some(c) = db.campaigns().get(id).await? else { return Ok(()) };
        match start(db, &c).await {
            Ok(_) => {
                self.drive(tenant, id);
                Ok(())
            }
            Err(launch::LaunchError::Db(e)) if !matches!(e, DbError::LimitReached(_)) => Err(e),
            Err(e) => {
                // Back to a draft that says why: nothing was launched, so
                // there is nothing to resume; fix it and start or schedule it.
                db.campaigns().transition(id, &["scheduled"], CampaignStatus::Draft, Some(&e.to_string()), None).await?;
                Ok(())
            }
        }
    }
}

/// Resolves the audience and launches: the campaign runs once this returns.
pub async fn start(db: crate::store::repo::TenantDb<'_>, c: &CampaignView) -> Result<Option<CampaignView>, launch::LaunchError> {
    if let Err(missing) = db.plan_includes(crate::plans::Feature::Broadcasts).await? {
        return Err(launch::LaunchError::NotInPlan(missing));
    }
    let template = launch::approved_template(db, c).await?;
    let recipients = launch::resolve(db, c, &template, true).await?;
    // The people it would reach who were not reached yet this month must
    // fit the plan's monthly unique users (402 PLAN_LIMIT otherwise).
    let reached: Vec<uuid::Uuid> =
        recipients.iter().filter(|r| r.skip_reason.is_none()).filter_map(|r| r.contact_id.map(|c| c.0)).collect();
    db.check_reach(&reached).await?;
    Ok(db.campaigns().launch(c.id, &recipients).await?)
}

/// Drives one running campaign.
pub struct CampaignActor {
    runner: Weak<CampaignRunner>,
    tenant: TenantId,
    id: CampaignId,
    /// A step is in flight.
    busy: bool,
    /// Sends the rate allows now (fractional).
    allowance: f64,
    last_tick: Instant,
    /// When progress was last counted, and how long that took.
    last_progress: Option<(Instant, Duration)>,
    last_rules: Option<Instant>,
    /// Claims left by a previous run are re-sent first.
    recovered: bool,
    /// Customers the portfolio's messaging limit still allows (None: no limit).
    limit_room: Option<i64>,
    /// The last full count (replies and cost) and when it was made.
    full_stats: Option<FullCount>,
    /// When to look for due recipients again after finding none.
    next_claim: Option<Instant>,
    /// Whether the plan bills sends through the prepaid wallet (None: not
    /// known yet).
    wallet: Option<bool>,
    /// The wallet ran short at the last claim.
    wallet_short: bool,
    /// The sends Meta had not answered at the last step (None: read from
    /// the database at the next step, as after a failed one).
    in_flight: Option<InFlight>,
    /// Where the next claim starts (past this position) and since when
    /// claims have started past the last one claimed.
    claim_after: Option<(i32, Instant)>,
}

impl CampaignActor {
    fn new(runner: Weak<CampaignRunner>, tenant: TenantId, id: CampaignId) -> Self {
        Self {
            runner,
            tenant,
            id,
            busy: false,
            allowance: 0.0,
            last_tick: Instant::now(),
            last_progress: None,
            last_rules: None,
            recovered: false,
            limit_room: None,
            full_stats: None,
            next_claim: None,
            wallet: None,
            wallet_short: false,
            in_flight: None,
            claim_after: None,
        }
    }
}

impl Actor for CampaignActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(TICK, |act, ctx| act.tick(ctx));
    }
}

/// What a step decided.
enum StepEnd {
    /// Keep going.
    Continue,
    /// The campaign no longer runs.
    Stop,
}

impl CampaignActor {
    fn tick(&mut self, ctx: &mut Context<Self>) {
        if self.busy {
            return;
        }
        // The time since the last step started, busy ticks included, so a
        // slow step never costs the campaign its rate.
        let now = Instant::now();
        let elapsed = now.duration_since(self.last_tick).as_secs_f64();
        self.last_tick = now;
        let Some(runner) = self.runner.upgrade() else {
            ctx.stop();
            return;
        };
        // Several nodes: the campaign's partition moved to another node,
        // which runs it from now on (its timer keeps this actor alive, so it
        // stops itself).
        if !runner.runs(self.id) {
            ctx.stop();
            return;
        }
        self.busy = true;
        if self.claim_after.is_some_and(|(_, since)| since.elapsed() >= FULL_CLAIM_EVERY) {
            self.claim_after = None;
        }
        let step = Step {
            runner,
            tenant: self.tenant,
            id: self.id,
            elapsed,
            allowance: self.allowance,
            progress_due: self.last_progress.is_none_or(|(at, cost)| at.elapsed() >= count_spacing(PROGRESS_EVERY, cost)),
            rules_due: self.last_rules.is_none_or(|t| t.elapsed() >= RULES_EVERY),
            recover: !self.recovered,
            limit_room: self.limit_room,
            full_stats: self.full_stats.clone(),
            claim_due: self.next_claim.is_none_or(|t| Instant::now() >= t),
            wallet: self.wallet,
            wallet_short: self.wallet_short,
            in_flight: self.in_flight.take(),
            claim_after: self.claim_after.map(|(p, _)| p),
        };
        ctx.spawn(step.run().into_actor(self).map(move |res, act, ctx| {
            act.busy = false;
            match res {
                Ok((end, outcome)) => {
                    act.allowance = outcome.allowance;
                    act.limit_room = outcome.limit_room;
                    if outcome.full_stats.is_some() {
                        act.full_stats = outcome.full_stats;
                    }
                    act.recovered = true;
                    act.wallet = outcome.wallet;
                    act.in_flight = outcome.in_flight;
                    act.claim_after = outcome.claim_after.map(|p| (p, act.claim_after.map_or_else(Instant::now, |(_, since)| since)));
                    if let Some(short) = outcome.wallet_short {
                        act.wallet_short = short;
                    }
                    // Nobody due, or no money to send with: look again in a while.
                    act.next_claim = (outcome.nothing_due || outcome.wallet_short == Some(true)).then(|| Instant::now() + IDLE_CLAIM_EVERY);
                    if let Some(cost) = outcome.progressed {
                        act.last_progress = Some((Instant::now(), cost));
                    }
                    if outcome.rules_checked {
                        act.last_rules = Some(Instant::now());
                    }
                    if matches!(end, StepEnd::Stop) {
                        ctx.stop();
                    }
                }
                Err(e) => {
                    // Claims this step made may be left `sending`: the next
                    // step sends them again under their keys.
                    act.recovered = false;
                    tracing::warn!(campaign = %act.id, error = %e, "campaign step failed; retrying");
                }
            }
        }));
    }
}

/// What became of the recipients a step handed over.
struct HandOvers {
    /// Went back to pending because the wallet did not cover them.
    short: usize,
    /// Their messages, stored and on their way to Meta.
    queued: Vec<MessageId>,
    /// Went back to pending, for the wallet or otherwise.
    released: usize,
}

/// A full count (replies and cost): when it was made, what it found and how
/// long it took.
#[derive(Clone)]
struct FullCount {
    at: Instant,
    stats: CampaignStats,
    cost: Duration,
}

/// What a step leaves for the next.
struct Outcome {
    allowance: f64,
    limit_room: Option<i64>,
    /// A full count made by this step.
    full_stats: Option<FullCount>,
    /// Progress was counted and sent, taking this long.
    progressed: Option<Duration>,
    rules_checked: bool,
    /// A claim found no recipient whose turn it is.
    nothing_due: bool,
    /// Whether the plan bills through the wallet.
    wallet: Option<bool>,
    /// Whether the wallet covered every send of this step's claim (None: no claim).
    wallet_short: Option<bool>,
    /// The sends Meta has not answered yet (None: the step stopped before
    /// pacing).
    in_flight: Option<InFlight>,
    /// Where the next claim starts (None: from the beginning).
    claim_after: Option<i32>,
}

/// One look at the campaign, as a future the actor runs.
struct Step {
    runner: Arc<CampaignRunner>,
    tenant: TenantId,
    id: CampaignId,
    elapsed: f64,
    allowance: f64,
    progress_due: bool,
    rules_due: bool,
    recover: bool,
    limit_room: Option<i64>,
    full_stats: Option<FullCount>,
    /// Whether to look for recipients whose turn it is.
    claim_due: bool,
    /// Whether the plan bills through the wallet (None: look it up).
    wallet: Option<bool>,
    /// The wallet ran short at the last claim.
    wallet_short: bool,
    /// The sends Meta had not answered at the last step (None: read them).
    in_flight: Option<InFlight>,
    /// Claim only past this position (None: from the beginning).
    claim_after: Option<i32>,
}

impl Step {
    async fn run(mut self) -> Result<(StepEnd, Outcome), DbError> {
        let db = self.runner.db.tenant(self.tenant);
        let repo = db.campaigns();
        let mut outcome = Outcome {
            allowance: self.allowance,
            limit_room: self.limit_room,
            full_stats: None,
            progressed: None,
            rules_checked: false,
            nothing_due: false,
            wallet: self.wallet,
            wallet_short: None,
            in_flight: None,
            claim_after: self.claim_after,
        };
        let Some(c) = repo.get(self.id).await? else { return Ok((StepEnd::Stop, outcome)) };
        if c.status != CampaignStatus::Running {
            // One last frame, fully counted, so open pages show where it
            // stopped. A count that fails here is not tried again (it could
            // fail every time); a page's next load shows the state.
            if let Err(e) = self.progress(&c, None).await {
                tracing::warn!(campaign = %self.id, error = %e, "the campaign's last progress frame was not counted");
            }
            return Ok((StepEnd::Stop, outcome));
        }
        let checked = match launch::approved_template(db, &c).await {
            Ok(t) => launch::variant_b(db, &c).await.map(|_| t),
            Err(e) => Err(e),
        };
        let template = match checked {
            Ok(t) => t,
            Err(launch::LaunchError::Db(e)) => return Err(e),
            Err(e) => return self.pause(&c, &e.to_string()).await.map(|_| (StepEnd::Stop, outcome)),
        };
        if self.rules_due {
            outcome.rules_checked = true;
            if let Some(status @ ("suspended" | "restricted")) = db.account_status().await?.as_deref() {
                let reason = format!("the account is {status}; campaigns wait until it is active again, then resume them");
                self.pause(&c, &reason).await?;
                return Ok((StepEnd::Stop, outcome));
            }
            let room = repo.messaging_room(c.channel_id).await?;
            outcome.limit_room = room.map(|(left, _)| left.max(0));
            let limit_reached = room.filter(|(left, _)| *left <= 0).map(|(_, limit)| {
                format!("Meta's messaging limit of {limit} customers per 24 hours is reached; the rest go out as the 24-hour window moves")
            });
            let retrying = repo.retry_waiting(self.id).await?.map(|(n, at)| {
                format!(
                    "{n} recipient(s) reached Meta's per-user marketing limit (131049); they are sent once more from {} UTC",
                    at.format("%Y-%m-%d %H:%M")
                )
            });
            // Only a campaign with local send times or quiet hours has
            // recipients waiting for them; the others skip the scan.
            let local = if c.local_send.is_some() || c.quiet_hours.is_some() { repo.local_waiting(self.id).await? } else { None };
            let local = local.map(|(n, next)| match next {
                Some(at) => format!(
                    "{n} recipient(s) wait for their local send time or the end of their quiet hours (next at {} UTC)",
                    at.format("%Y-%m-%d %H:%M")
                ),
                None => format!("{n} recipient(s) wait for the end of their quiet hours"),
            });
            outcome.wallet = Some(db.plan_includes(crate::plans::Feature::Wallet).await?.is_ok());
            let wallet = self.wallet_short.then(|| {
                "the prepaid wallet's balance covers no more sends: top it up (Settings → Wallet) and the campaign goes on".to_owned()
            });
            let reasons: Vec<String> = [limit_reached, retrying, local, wallet].into_iter().flatten().collect();
            let waiting = (!reasons.is_empty()).then(|| reasons.join(". "));
            if waiting != c.waiting_reason {
                repo.set_waiting(self.id, waiting.as_deref()).await?;
            }
            repo.retry_missed_limits(self.id).await?;
            if let Some((code, title)) = repo.stopping_failure(self.id, &STOPPING_ERRORS).await? {
                let reason = format!("Meta refused a send with error {code} ({title}); check the number's quality and the account in WhatsApp Manager, then resume");
                self.pause(&c, &reason).await?;
                return Ok((StepEnd::Stop, outcome));
            }
        }
        let channel = match db.channels().channel_ref(c.channel_id).await? {
            Some(ch) => ch,
            None => {
                self.pause(&c, "the campaign's number was disconnected; connect it again, then resume").await?;
                return Ok((StepEnd::Stop, outcome));
            }
        };
        let mut in_flight = match self.in_flight.take() {
            Some(f) => f,
            None => InFlight::seeded(repo.in_flight(self.id, pacing::WINDOW).await?, Instant::now()),
        };
        let looked_up = in_flight.current(Instant::now());
        if !looked_up.is_empty() {
            in_flight.retain_unanswered(&repo.unanswered(&looked_up).await?);
        }
        if self.recover {
            let unfinished = repo.unfinished_claims(self.id).await?;
            let wallet = match outcome.wallet {
                Some(w) => w,
                None => db.plan_includes(crate::plans::Feature::Wallet).await?.is_ok(),
            };
            outcome.wallet = Some(wallet);
            let done = self.dispatch_all(&c, &channel, &template, unfinished, wallet).await?;
            in_flight.handed(done.queued, Instant::now());
        }
        let rate = f64::from(c.rate_mps.max(1));
        // At most a second's worth at once; the number's outbox paces the
        // sends themselves (live replies first).
        outcome.allowance = (self.allowance + rate * self.elapsed).min(rate);
        let room = (rate.max(20.0) - in_flight.len() as f64).max(0.0);
        let limit = outcome.limit_room.map_or(f64::INFINITY, |r| r as f64);
        let n = outcome.allowance.min(room).min(limit).min(MAX_CLAIM).floor();
        if n >= 1.0 && self.claim_due {
            let claimed = repo.claim(self.id, n as i64, self.claim_after).await?;
            // The next claim starts past this one while claims keep finding
            // as many as they ask for there; otherwise from the beginning
            // (the rest may lie before: released, their retry or local time
            // come).
            outcome.claim_after = match claimed.iter().map(|r| r.position).max() {
                Some(last) if claimed.len() as f64 >= n => Some(last),
                _ => None,
            };
            // Nobody's turn (their local time, quiet hours, a retry): look
            // again in a while rather than every tick.
            outcome.nothing_due = claimed.is_empty();
            outcome.allowance -= claimed.len() as f64;
            outcome.limit_room = outcome.limit_room.map(|r| r - claimed.len() as i64);
            let wallet = match outcome.wallet {
                Some(w) => w,
                None => db.plan_includes(crate::plans::Feature::Wallet).await?.is_ok(),
            };
            outcome.wallet = Some(wallet);
            if !claimed.is_empty() {
                let done = self.dispatch_all(&c, &channel, &template, claimed, wallet).await?;
                if done.released > 0 {
                    // Some went back to pending: look from the beginning
                    // next time.
                    outcome.claim_after = None;
                }
                in_flight.handed(done.queued, Instant::now());
                let short = done.short;
                outcome.wallet_short = Some(short > 0);
                if short > 0 && !self.wallet_short {
                    // Say so at once; the rules refresh it from then on.
                    repo.set_waiting(
                        self.id,
                        Some("the prepaid wallet's balance covers no more sends: top it up (Settings → Wallet) and the campaign goes on"),
                    )
                    .await?;
                }
            }
        }
        outcome.in_flight = Some(in_flight);
        let done = repo.complete_if_done(self.id).await?;
        if done || self.progress_due {
            let c = if done { repo.get(self.id).await?.unwrap_or(c) } else { c };
            // Replies and cost cost a lookup per recipient: counted in full
            // every few seconds (and at the end), carried over in between.
            let earlier =
                self.full_stats.as_ref().filter(|f| !done && f.at.elapsed() < count_spacing(FULL_STATS_EVERY, f.cost)).map(|f| &f.stats);
            // A count that fails (its time limit) costs this step's frame,
            // not the campaign's sending: the next count is spaced by it.
            // The last one (completed) fails the step, so the next step,
            // which finds the campaign no longer running, sends it again.
            let started = Instant::now();
            match self.progress(&c, earlier).await {
                Ok(stats) if earlier.is_none() => {
                    outcome.full_stats = Some(FullCount { at: Instant::now(), stats, cost: started.elapsed() });
                }
                Ok(_) => {}
                Err(e) if done => return Err(e),
                Err(e) => tracing::warn!(campaign = %self.id, error = %e, "campaign progress not counted; sending goes on"),
            }
            outcome.progressed = Some(started.elapsed());
        }
        Ok((if done { StepEnd::Stop } else { StepEnd::Continue }, outcome))
    }

    /// Hands recipients to their conversations under their send keys, at
    /// once, and records what became of each in one statement. With a
    /// wallet, each send first holds its expected cost; those the balance
    /// does not cover go back to pending.
    async fn dispatch_all(
        &self,
        c: &CampaignView,
        channel: &ChannelRef,
        template: &TemplateFacts,
        claimed: Vec<Claimed>,
        wallet: bool,
    ) -> Result<HandOvers, DbError> {
        let db = self.runner.db.tenant(self.tenant);
        let mut go = Vec::with_capacity(claimed.len());
        let mut short = Vec::new();
        let mut held = std::collections::HashMap::new();
        for r in claimed {
            match (wallet, r.contact_id) {
                (true, Some(contact)) if !(template.marketing && r.opted_out) => {
                    let t = c.template_for(r.variant);
                    let cost = db.expected_template_cost(contact, &t.name, &t.language).await?;
                    if cost == 0 {
                        go.push(r);
                    } else if db.wallet_reserve(&r.send_key(c.id), cost).await? {
                        held.insert(r.id, r.send_key(c.id));
                        go.push(r);
                    } else {
                        short.push(Handed::Released(r.id));
                    }
                }
                _ => go.push(r),
            }
        }
        let sends = go.into_iter().map(|r| self.dispatch(c, channel, template, r));
        let mut handed: Vec<Handed> = futures::future::join_all(sends).await;
        // Not sent (the contact is gone): their hold goes back.
        for h in &handed {
            if let Some(key) = match h {
                Handed::Skipped(id, _) => held.get(id),
                _ => None,
            } {
                db.wallet_unreserve(key).await?;
            }
        }
        let n = short.len();
        handed.extend(short);
        db.campaigns().record_hand_overs(&handed).await?;
        let queued = handed
            .iter()
            .filter_map(|h| match h {
                Handed::Queued(_, m) => Some(*m),
                _ => None,
            })
            .collect();
        let released = handed.iter().filter(|h| matches!(h, Handed::Released(_))).count();
        Ok(HandOvers { short: n, queued, released })
    }

    /// Hands one recipient to their conversation under the send key. The
    /// key makes a repeated hand-over (after a crash or a timeout) find the
    /// message stored the first time.
    async fn dispatch(&self, c: &CampaignView, channel: &ChannelRef, template: &TemplateFacts, r: Claimed) -> Handed {
        if template.marketing && r.opted_out {
            return Handed::Skipped(r.id, SkipReason::OptedOut);
        }
        let Some(contact) = r.contact_id else { return Handed::Skipped(r.id, SkipReason::ContactGone) };
        let key = r.send_key(c.id);
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.runner.router.command(ConversationCommand {
            channel: channel.clone(),
            contact_id: contact,
            work: ConversationWork::Send(SendRequest {
                kind: "template".into(),
                content: {
                    let t = c.template_for(r.variant);
                    audience::template_payload(&t.name, &t.language, &r.parameters)
                },
                reply_to: None,
                client_id: Some(key.clone()),
                sent_by: Some(SentBy::Campaign { id: c.id.0 }),
                lane: Lane::Broadcast,
                reply: Some(tx),
            }),
        });
        match tokio::time::timeout(SEND_ANSWER_TIMEOUT, rx).await {
            Ok(Ok(Ok(view))) => Handed::Queued(r.id, view.id),
            Ok(Ok(Err(SendRefusal::Duplicate))) => match self.runner.db.tenant(self.tenant).campaigns().message_for_key(&key).await {
                Ok(Some(m)) => Handed::Queued(r.id, m),
                // Not found now: the next claim finds it (or stores it) under the same key.
                Ok(None) | Err(_) => Handed::Released(r.id),
            },
            Ok(Ok(Err(SendRefusal::NoRecipient | SendRefusal::Gone))) => Handed::Skipped(r.id, SkipReason::ContactGone),
            // Not stored now (the database is busy, the actor restarting):
            // the next claim sends it under the same key.
            _ => Handed::Released(r.id),
        }
    }

    /// Pauses the campaign by rule and tells the admins why.
    async fn pause(&self, c: &CampaignView, reason: &str) -> Result<(), DbError> {
        let repo = self.runner.db.tenant(self.tenant).campaigns();
        if let Some(paused) = repo.transition(c.id, &["running"], CampaignStatus::Paused, Some(reason), None).await? {
            tracing::warn!(campaign = %c.id, reason, "campaign paused by rule");
            self.runner.hub.broadcast(
                self.tenant,
                admin_frame(json!({"event": "notification", "data": {"kind": "campaign_paused", "campaign_id": c.id, "name": c.name, "message": reason}})),
            );
            self.progress(&paused, None).await?;
        }
        Ok(())
    }

    /// `campaign:progress {campaign_id, status, stats}` to the tenant's
    /// admins: fully counted, or with replies and cost from `earlier`.
    async fn progress(&self, c: &CampaignView, earlier: Option<&CampaignStats>) -> Result<CampaignStats, DbError> {
        let repo = self.runner.db.tenant(self.tenant).campaigns();
        let stats = match earlier {
            Some(e) => repo.counts(c.id, e).await?,
            None => repo.stats(c.id).await?,
        };
        self.runner.hub.broadcast(
            self.tenant,
            admin_frame(json!({"event": "campaign:progress", "data": {"campaign_id": c.id, "status": c.status, "stats": stats}})),
        );
        Ok(stats)
    }
}

fn admin_frame(frame: serde_json::Value) -> HubFrame {
    HubFrame { conversation_id: None, assignee: None, seq: None, scope: Scope::Admins, except: None, text: frame.to_string().into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_spaced_by_their_floor_or_ten_times_their_cost() {
        let ms = Duration::from_millis;
        assert_eq!(count_spacing(PROGRESS_EVERY, ms(8)), PROGRESS_EVERY, "a small campaign counts every second");
        assert_eq!(count_spacing(PROGRESS_EVERY, ms(500)), ms(5_000), "a half-second count waits five seconds");
        assert_eq!(count_spacing(FULL_STATS_EVERY, ms(2_000)), ms(20_000));
        assert_eq!(count_spacing(FULL_STATS_EVERY, Duration::MAX), Duration::MAX, "no overflow");
    }
}
