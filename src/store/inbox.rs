//! The webhook inbox: raw POST bodies committed before Meta gets its 200,
//! settled once their events are durable, and retried until they are.
//!
//! - [`Inbox::receive`] group-commits bodies: concurrent POSTs share one
//!   multi-row insert, so acknowledgement costs one fsync per group, not per
//!   POST.
//! - A POST whose events were all stored is done: its row is deleted, most
//!   often by the very transaction that stored its last event (see
//!   `EventReceipt::sole_row`), else by [`InboxSettler`]. A row with notes
//!   (unrouted or rejected events, dead letters) is kept, marked processed,
//!   until the retention purges it; a failed one is retried with
//!   exponential backoff.
//! - The sweeper re-dispatches rows that are due: at start-up every row not
//!   processed (a crash between acknowledgement and processing), later the
//!   ones that failed. Processing is idempotent, so a replay never duplicates.

use crate::cluster::lease::Leases;
use dashmap::DashSet;
use serde_json::Value;
use sqlx::{PgPool, Row};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use whatsflow_actors::ids::TenantId;
use whatsflow_actors::meta::parse_webhook;
use whatsflow_actors::protocol::SendRefusal;
use whatsflow_actors::remote::RemoteAnswer;
use whatsflow_actors::router::{WebhookRouter, WebhookSource};
use whatsflow_actors::ticket::{InboxOutcome, InboxSettler, InboxTicket};

/// Most bodies in one insert.
const MAX_BODIES_PER_COMMIT: usize = 256;
/// POSTs waiting to be stored; handlers wait when it is full (backpressure).
const RECEIVE_QUEUE: usize = 4096;
/// How often the sweeper looks for rows that are due.
const SWEEP_INTERVAL: Duration = Duration::from_millis(500);
/// How long a row being processed is left alone by the sweeper (one node;
/// several use their lease).
const FRESH_ROW_WAIT: Duration = Duration::from_secs(60);
/// Rows one sweep re-dispatches.
const SWEEP_LIMIT: i64 = 200;
/// After this many failed attempts a row is marked dead (`dead_at`, counted
/// in `/metrics`) and left for an operator. A conversation that keeps failing
/// parks its events as dead letters long before this.
const MAX_ATTEMPTS: i32 = 12;
/// Longest wait between retries of a failing row.
const MAX_RETRY_BACKOFF_SECS: f64 = 300.0;

/// The `kind` of inbox rows that replay a dead letter (the others are
/// Meta's POSTs).
pub const REPLAY_KIND: &str = "replay";
/// The `kind` of inbox rows that hand events to the owner of their
/// conversation's partition (several nodes).
pub const HANDOFF_KIND: &str = "handoff";
/// The `kind` of inbox rows that hand a command (an agent's send, a patch)
/// to the owner of its conversation's partition (several nodes).
pub const COMMAND_KIND: &str = "command";

/// A dead letter fed back, stored as an inbox row so that it is processed
/// (and retried) with the same durability as a webhook.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Replay {
    /// Its tenant (checked against the channel's).
    pub tenant_id: TenantId,
    /// The number the events arrived on.
    pub phone_number_id: String,
    /// The events and their customer.
    pub events: whatsflow_actors::parked::ParkedEvents,
}

/// Where a POST came from: the platform app, or a tenant's own Meta app.
#[derive(Debug, Clone)]
pub struct InboxSource {
    /// Meta app id for a tenant's app; `None` for the platform app.
    pub app_id: Option<String>,
    /// The tenant of that app.
    pub tenant: Option<TenantId>,
}

impl InboxSource {
    fn routing(&self) -> WebhookSource {
        match self.tenant {
            Some(t) => WebhookSource::TenantApp(t),
            None => WebhookSource::Platform,
        }
    }
}

struct Pending {
    app_id: Option<String>,
    body: bytes::Bytes,
    reply: oneshot::Sender<Result<i64, sqlx::Error>>,
}

enum Settled {
    /// Every event stored, nothing noted: the row goes.
    Done(i64),
    /// Stored, with notes to keep.
    Noted(i64, Vec<Value>),
    Failed(i64, String),
}

/// The inbox service (cheap to clone).
#[derive(Clone)]
pub struct Inbox {
    pool: PgPool,
    receive: mpsc::Sender<Pending>,
    settled: mpsc::UnboundedSender<Settled>,
    in_flight: Arc<DashSet<i64>>,
    /// Several nodes: which partitions' hand-offs are this node's.
    leases: Option<Arc<Leases>>,
    /// Rung when another node handed this one events.
    wake: Arc<tokio::sync::Notify>,
    /// Where answers to handed-off commands go (several nodes).
    bus: Arc<std::sync::OnceLock<Arc<crate::cluster::bus::FrameBus>>>,
    /// How long a row a sweep took is left to it before it is due again.
    taken_for: Duration,
}

impl Inbox {
    /// Starts the receive and settle tasks on the current runtime. With
    /// `leases` (several nodes), a fresh row is left to the node that
    /// received it for three leases (another node picks it up only if that
    /// node dies), and only hand-offs for this node's partitions are swept.
    pub fn start(pool: PgPool, leases: Option<Arc<Leases>>, lease: Duration) -> Self {
        let (receive, rx) = mpsc::channel(RECEIVE_QUEUE);
        // Unbounded because tickets settle from `Drop`, which cannot wait;
        // its rate is bounded by the receive queue above.
        let (settled, settled_rx) = mpsc::unbounded_channel();
        // Several nodes: a row is another node's to take only when its
        // receiver seems gone (three leases), not merely slow.
        let fresh_for = leases.as_ref().map(|_| lease * 3);
        tokio::spawn(receive_loop(pool.clone(), rx, fresh_for));
        tokio::spawn(settle_loop(pool.clone(), settled_rx));
        Self {
            pool,
            receive,
            settled,
            in_flight: Arc::new(DashSet::new()),
            leases,
            wake: Arc::new(tokio::sync::Notify::new()),
            bus: Arc::new(std::sync::OnceLock::new()),
            taken_for: fresh_for.unwrap_or(FRESH_ROW_WAIT),
        }
    }

    /// Sends answers to handed-off commands over `bus` (once, at start-up).
    pub fn attach_bus(&self, bus: Arc<crate::cluster::bus::FrameBus>) {
        let _ = self.bus.set(bus);
    }

    /// Runs a command another node handed to this one and sends the answer
    /// back; its row settles once the command is answered.
    async fn dispatch_command(&self, router: &WebhookRouter, id: i64, body: &[u8]) {
        let ticket = self.ticket(id);
        let handoff = match serde_json::from_slice::<whatsflow_actors::remote::CommandHandoff>(body) {
            Ok(h) => h,
            Err(e) => return ticket.note(serde_json::json!({"kind": "unparseable", "reason": e.to_string()})),
        };
        let channel = match router.channel_ref(&handoff.phone_number_id).await {
            Ok(Some(c)) if c.tenant_id == handoff.tenant_id => c,
            Ok(_) => {
                return ticket.note(serde_json::json!({"kind": "unrouted", "phone_number_id": handoff.phone_number_id, "command": true}))
            }
            Err(e) => return ticket.fail(e.to_string()),
        };
        let (work, answer) = whatsflow_actors::conversation::work_of(handoff.command);
        router.command(whatsflow_actors::tenant::ConversationCommand { channel, contact_id: handoff.contact_id, work });
        let bus = self.bus.get().cloned();
        tokio::spawn(async move {
            let answer = answer.await;
            // Not done here (the conversation moved on, or could not store
            // it now): the row is tried again (a send keeps its client_id,
            // so a retry never sends twice), and a waiting sender is told.
            let undone = matches!(
                &answer,
                RemoteAnswer::Message(Err(SendRefusal::Unavailable)) | RemoteAnswer::Summary(Err(SendRefusal::Unavailable))
            );
            if let (Some(to), Some(bus)) = (&handoff.reply, bus) {
                bus.reply(to, answer);
            }
            if undone {
                ticket.fail("the owner could not do the command now");
            }
            drop(ticket);
        });
    }

    /// What wakes the sweeper at once (a hand-off for this node).
    pub fn waker(&self) -> Arc<tokio::sync::Notify> {
        self.wake.clone()
    }

    /// Stores a POST body durably; returns its row id once committed.
    pub async fn receive(&self, app_id: Option<String>, body: bytes::Bytes) -> Result<i64, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        self.receive.send(Pending { app_id, body, reply }).await.map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }

    /// A ticket for a stored row: settles it when its events are done.
    pub fn ticket(&self, inbox_id: i64) -> Arc<InboxTicket> {
        self.in_flight.insert(inbox_id);
        InboxTicket::new(inbox_id, Arc::new(self.clone()))
    }

    /// Re-dispatches every due row: at start-up (`all`) every unprocessed
    /// row, later only those whose retry time has come. Returns how many
    /// rows it took: dispatched, or found still being processed here.
    ///
    /// Rows still being processed are skipped here, after the claim, not in
    /// the query: an array of every row in flight (thousands under load)
    /// compared with every pending row cost the claim ~240 ms a call.
    pub async fn sweep(&self, router: &WebhookRouter, all: bool) -> Result<usize, sqlx::Error> {
        let mut total = 0;
        let mut after = 0i64;
        loop {
            // One node: every row. Several: rows of no partition (Meta's,
            // replays) and hand-offs to this node's partitions.
            let owned: Option<Vec<i32>> = self.leases.as_ref().map(|l| l.owned());
            // Taken, not just read: its next attempt moves a while ahead, so
            // another node's sweeper (several nodes) does not take it too;
            // settling it sets it again.
            let rows = sqlx::query(
                "UPDATE webhook_inbox w SET next_attempt_at = now() + make_interval(secs => $6)
                 FROM (SELECT id FROM webhook_inbox
                       WHERE processed_at IS NULL AND id > $1 AND attempts < $2
                         AND ($3 OR next_attempt_at <= now())
                         AND ($5::int[] IS NULL OR partition IS NULL OR partition = ANY($5))
                       ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED) due
                 WHERE w.id = due.id
                 RETURNING w.id, w.app_id, w.body, w.kind",
            )
            .bind(after)
            .bind(MAX_ATTEMPTS)
            .bind(all)
            .bind(SWEEP_LIMIT)
            .bind(owned)
            .bind(self.taken_for.as_secs_f64())
            .fetch_all(&self.pool)
            .await?;
            let mut rows = rows;
            rows.sort_by_key(|r| r.try_get::<i64, _>("id").unwrap_or(0));
            if rows.is_empty() {
                return Ok(total);
            }
            for row in &rows {
                let id: i64 = row.try_get("id")?;
                let app_id: Option<String> = row.try_get("app_id")?;
                let body: Vec<u8> = row.try_get("body")?;
                let kind: String = row.try_get("kind")?;
                after = id;
                if self.in_flight.contains(&id) {
                    total += 1;
                    continue;
                }
                if kind == REPLAY_KIND {
                    self.dispatch_replay(router, id, &body).await;
                    total += 1;
                    continue;
                }
                if kind == COMMAND_KIND {
                    self.dispatch_command(router, id, &body).await;
                    total += 1;
                    continue;
                }
                if kind == HANDOFF_KIND {
                    let ticket = self.ticket(id);
                    match serde_json::from_slice::<whatsflow_actors::parked::Handoff>(&body) {
                        Ok(h) => router.handed_off(h, ticket).await,
                        Err(e) => ticket.note(serde_json::json!({"kind": "unparseable", "reason": e.to_string()})),
                    }
                    total += 1;
                    continue;
                }
                let tenant = match &app_id {
                    Some(app) => sqlx::query_scalar::<_, uuid::Uuid>("SELECT tenant_id FROM route_meta_app($1)")
                        .bind(app)
                        .fetch_optional(&self.pool)
                        .await?
                        .map(TenantId),
                    None => None,
                };
                let source = InboxSource { app_id, tenant };
                let ticket = self.ticket(id);
                match parse_webhook(&body) {
                    Ok(parsed) => router.dispatch(source.routing(), parsed, ticket).await,
                    Err(e) => ticket.note(serde_json::json!({"kind": "unparseable", "reason": e.to_string()})),
                }
                total += 1;
            }
            if !all {
                return Ok(total);
            }
        }
    }

    /// Runs the retry sweeper until the process ends.
    pub fn spawn_sweeper(&self, router: Arc<WebhookRouter>) {
        let inbox = self.clone();
        actix::spawn(async move {
            let mut tick = tokio::time::interval(SWEEP_INTERVAL);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = inbox.wake.notified() => {}
                }
                // A full sweep means more are due (hand-offs under load):
                // go on at once rather than wait for the next tick.
                loop {
                    match inbox.sweep(&router, false).await {
                        Ok(0) => break,
                        Ok(n) if n as i64 >= SWEEP_LIMIT => tracing::debug!(rows = n, "webhook inbox rows dispatched; more are due"),
                        Ok(n) => {
                            tracing::debug!(rows = n, "webhook inbox rows dispatched");
                            break;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "webhook inbox sweep failed");
                            break;
                        }
                    }
                }
            }
        });
    }

    /// Stores a dead letter's replay as an inbox row in `tx` (with whatever
    /// else the caller commits with it); its id. Dispatch it once committed.
    pub async fn store_replay(tx: &mut sqlx::Transaction<'static, sqlx::Postgres>, replay: &Replay) -> Result<i64, sqlx::Error> {
        let body = serde_json::to_vec(replay).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        sqlx::query_scalar(
            "INSERT INTO webhook_inbox (kind, body, next_attempt_at) VALUES ($1, $2, now() + interval '60 seconds') RETURNING id",
        )
        .bind(REPLAY_KIND)
        .bind(body)
        .fetch_one(&mut **tx)
        .await
    }

    /// Hands a replay row's events back to the engine.
    pub async fn dispatch_replay(&self, router: &WebhookRouter, inbox_id: i64, body: &[u8]) {
        let ticket = self.ticket(inbox_id);
        match serde_json::from_slice::<Replay>(body) {
            Ok(r) => router.replay(r.tenant_id, &r.phone_number_id, r.events, ticket).await,
            Err(e) => ticket.note(serde_json::json!({"kind": "unparseable", "reason": e.to_string()})),
        }
    }

    /// Dispatches a freshly received POST.
    pub async fn dispatch(
        &self,
        router: &WebhookRouter,
        source: &InboxSource,
        inbox_id: i64,
        parsed: whatsflow_actors::meta::ParsedWebhook,
    ) {
        router.dispatch(source.routing(), parsed, self.ticket(inbox_id)).await;
    }
}

impl InboxSettler for Inbox {
    fn settle(&self, inbox_id: i64, outcome: InboxOutcome) {
        self.in_flight.remove(&inbox_id);
        let msg = match outcome {
            InboxOutcome::Processed { notes } if notes.is_empty() => Settled::Done(inbox_id),
            InboxOutcome::Processed { notes } => Settled::Noted(inbox_id, notes),
            InboxOutcome::Failed { reason } => Settled::Failed(inbox_id, reason),
            InboxOutcome::SettledInCommit => return,
        };
        let _ = self.settled.send(msg);
    }
}

async fn receive_loop(pool: PgPool, mut rx: mpsc::Receiver<Pending>, fresh_for: Option<Duration>) {
    // One node: the default (a minute: the row is being processed). Several
    // nodes: three leases, after which another node takes it over if this one died.
    let fresh_secs: Option<f64> = fresh_for.map(|d| d.as_secs_f64());
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_BODIES_PER_COMMIT {
            match rx.try_recv() {
                Ok(p) => group.push(p),
                Err(_) => break,
            }
        }
        let app_ids: Vec<Option<String>> = group.iter().map(|p| p.app_id.clone()).collect();
        let bodies: Vec<&[u8]> = group.iter().map(|p| p.body.as_ref()).collect();
        let res: Result<Vec<i64>, sqlx::Error> = sqlx::query_scalar(
            "INSERT INTO webhook_inbox (app_id, body, next_attempt_at)
             SELECT u.app_id, u.body, COALESCE(now() + make_interval(secs => $3), now() + interval '60 seconds')
             FROM UNNEST($1::text[], $2::bytea[]) WITH ORDINALITY AS u(app_id, body, ord)
             ORDER BY u.ord RETURNING id",
        )
        .bind(&app_ids)
        .bind(&bodies)
        .bind(fresh_secs)
        .fetch_all(&pool)
        .await;
        match res {
            Ok(mut ids) if ids.len() == group.len() => {
                // Ids come from a sequence in insertion order.
                ids.sort_unstable();
                for (p, id) in group.into_iter().zip(ids) {
                    let _ = p.reply.send(Ok(id));
                }
            }
            Ok(_) => {
                for p in group {
                    let _ = p.reply.send(Err(sqlx::Error::Protocol("inbox insert returned the wrong number of ids".into())));
                }
            }
            Err(e) => {
                // Every waiting POST is told; the webhook edge answers 503 so Meta retries.
                let reason = e.to_string();
                for p in group {
                    let _ = p.reply.send(Err(sqlx::Error::Protocol(reason.clone())));
                }
            }
        }
    }
}

async fn settle_loop(pool: PgPool, mut rx: mpsc::UnboundedReceiver<Settled>) {
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < 1024 {
            match rx.try_recv() {
                Ok(s) => group.push(s),
                Err(_) => break,
            }
        }
        let (mut done, mut noted, mut failed) = (Vec::new(), Vec::new(), Vec::new());
        for s in group {
            match s {
                Settled::Done(id) => done.push(id),
                Settled::Noted(id, notes) => noted.push(serde_json::json!({"id": id, "notes": notes})),
                Settled::Failed(id, reason) => failed.push(serde_json::json!({"id": id, "reason": reason})),
            }
        }
        for attempt in 0..5u32 {
            let res = settle(&pool, &done, &noted, &failed).await;
            match res {
                Ok(()) => break,
                Err(e) => {
                    // Unsettled rows are simply replayed later; keep trying a while.
                    tracing::warn!(error = %e, attempt, "marking webhook inbox rows failed");
                    tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                }
            }
        }
    }
}

async fn settle(pool: &PgPool, done: &[i64], noted: &[Value], failed: &[Value]) -> Result<(), sqlx::Error> {
    if !done.is_empty() {
        // A row another processing already settled with notes (several
        // nodes: a slow receiver's row taken over) keeps them.
        sqlx::query("DELETE FROM webhook_inbox WHERE id = ANY($1) AND processed_at IS NULL").bind(done).execute(pool).await?;
    }
    if !noted.is_empty() {
        sqlx::query(
            "UPDATE webhook_inbox w SET processed_at = now(), notes = w.notes || r.notes, last_error = NULL
             FROM jsonb_to_recordset($1) AS r(id bigint, notes jsonb) WHERE w.id = r.id",
        )
        .bind(Value::Array(noted.to_vec()))
        .execute(pool)
        .await?;
    }
    if !failed.is_empty() {
        sqlx::query(
            "UPDATE webhook_inbox w SET attempts = w.attempts + 1, last_error = r.reason,
                next_attempt_at = now() + make_interval(secs => LEAST(power(2, w.attempts), $2)),
                dead_at = CASE WHEN w.attempts + 1 >= $3 THEN now() ELSE NULL END
             FROM jsonb_to_recordset($1) AS r(id bigint, reason text) WHERE w.id = r.id",
        )
        .bind(Value::Array(failed.to_vec()))
        .bind(MAX_RETRY_BACKOFF_SECS)
        .bind(MAX_ATTEMPTS)
        .execute(pool)
        .await?;
    }
    Ok(())
}
