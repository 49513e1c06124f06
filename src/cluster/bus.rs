//! Frames to agents on every node, over Redis pub/sub. A node publishes each
//! frame of a tenant on `wf:t:<tenant>` with its node id, an epoch (random
//! per process) and a per-tenant sequence; a node subscribes to a tenant
//! only while it holds sockets of that tenant. Redis pub/sub delivers at
//! most once, so a receiver that sees a gap in a publisher's sequence, a new
//! epoch, or its own reconnect tells those sessions to resynchronise (they
//! reconnect and refill from Postgres by `seq`): nothing is silently missed.
//! The same bus carries session revocations and wake-ups for the owner of a
//! partition that was handed events.

use super::forget::Forget;
use crate::hub::{HubFrame, Scope, TenantHub};
use dashmap::DashMap;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Notify};
use whatsflow_actors::ids::{ConversationId, TenantId, UserId};
use whatsflow_actors::protocol::SendRefusal;
use whatsflow_actors::remote::{RemoteAnswer, ReplyAddress, Waiter};

/// Frames waiting to be published; past it they are dropped (and counted),
/// which receivers see as a gap and resynchronise.
const PUBLISH_QUEUE: usize = 65_536;
/// Most messages one pipeline publishes.
const PUBLISH_BATCH: usize = 256;
/// The channel of wake-ups.
const WAKE_CHANNEL: &str = "wf:wake";
/// The channel of presence: each node's connected users, every
/// [`PRESENCE_EVERY`] and on every change.
const PRESENCE_CHANNEL: &str = "wf:presence";
/// How often a node repeats who is connected to it.
const PRESENCE_EVERY: Duration = Duration::from_secs(5);
/// The channel of cache invalidations (see [`super::forget`]).
const FORGET_CHANNEL: &str = "wf:forget";
/// How long a node's word on presence holds: its users vanish this long
/// after it dies (its key in Redis expires, and so does the copy each node
/// keeps of it).
const PRESENCE_TTL: Duration = Duration::from_secs(15);
/// Where a node's presence lives in Redis (with [`PRESENCE_TTL`]).
const PRESENCE_KEY_PREFIX: &str = "wf:presence:";
/// Waits between reconnection attempts.
const RECONNECT_AFTER: Duration = Duration::from_millis(500);

fn tenant_channel(tenant: TenantId) -> String {
    format!("wf:t:{}", tenant.0)
}

/// What travels on a tenant's channel.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "k", rename_all = "snake_case")]
enum Payload {
    /// A frame for the tenant's sessions.
    Frame { conversation_id: Option<ConversationId>, assignee: Option<UserId>, seq: Option<i64>, scope: WireScope, text: String },
    /// Close a user's sessions (signed out, removed, role changed).
    Revoke { user: UserId, why: String },
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum WireScope {
    Inbox,
    Joined,
    Everyone,
    Admins,
}

impl From<Scope> for WireScope {
    fn from(s: Scope) -> Self {
        match s {
            Scope::Inbox => Self::Inbox,
            Scope::Joined => Self::Joined,
            Scope::Everyone => Self::Everyone,
            Scope::Admins => Self::Admins,
        }
    }
}

impl From<WireScope> for Scope {
    fn from(s: WireScope) -> Self {
        match s {
            WireScope::Inbox => Self::Inbox,
            WireScope::Joined => Self::Joined,
            WireScope::Everyone => Self::Everyone,
            WireScope::Admins => Self::Admins,
        }
    }
}

/// A published message: who sent it, in which incarnation, at which place
/// of that sender's sequence for the tenant.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    node: String,
    epoch: u64,
    /// The sender's sequence for the tenant (not a conversation's `seq`).
    pos: u64,
    tenant: TenantId,
    #[serde(flatten)]
    payload: Payload,
}

enum Outgoing {
    /// A tenant's message at its place in this node's sequence for the tenant.
    Tenant(TenantId, u64, Payload),
    Wake(u16),
    Reply(String, String),
    Presence(String),
    Forget(String),
}

/// A cache invalidation from a node.
#[derive(Debug, Serialize, Deserialize)]
struct ForgetNote {
    node: String,
    what: Forget,
}

/// Who is connected to a node.
#[derive(Debug, Serialize, Deserialize)]
struct PresenceBeat {
    node: String,
    users: Vec<(TenantId, UserId)>,
}

fn reply_channel(node: &str) -> String {
    format!("wf:reply:{node}")
}

/// The owner's answer to a command, on the sender's node's channel.
#[derive(Debug, Serialize, Deserialize)]
struct Reply {
    request: uuid::Uuid,
    answer: RemoteAnswer,
}

enum Watch {
    Tenant(TenantId),
    Unwatch(TenantId),
}

/// Counters of the bus (in `/metrics`).
#[derive(Default)]
pub struct BusStats {
    /// Messages published.
    pub published: AtomicU64,
    /// Messages dropped before publishing (queue full or Redis down).
    pub dropped: AtomicU64,
    /// Frames from other nodes delivered to local sessions' hub.
    pub received: AtomicU64,
    /// Resynchronisations asked of local sessions (a gap, a new epoch, a reconnect).
    pub resyncs: AtomicU64,
}

/// See the module doc.
pub struct FrameBus {
    node_id: String,
    epoch: u64,
    out: mpsc::Sender<Outgoing>,
    watch: mpsc::UnboundedSender<Watch>,
    publisher_ok: AtomicBool,
    subscriber_ok: AtomicBool,
    /// Senders of commands handed to another node, by request id.
    waiters: DashMap<uuid::Uuid, Waiter>,
    /// This node's last place in each tenant's sequence: taken when a
    /// message is queued, so one dropped (queue full) leaves a gap the
    /// receivers see.
    positions: DashMap<TenantId, u64>,
    /// Rung when a user connects or leaves here.
    presence: Notify,
    /// Applies another node's invalidations here (set once the state exists).
    on_forget: std::sync::OnceLock<Box<dyn Fn(Forget) + Send + Sync>>,
    /// Counters.
    pub stats: BusStats,
}

impl FrameBus {
    /// Connects (lazily: Redis may be down now and come later) and starts
    /// the publisher and the subscriber; frames from other nodes go to
    /// `hub`, wake-ups for `owns`' partitions to `wake`.
    pub fn start(
        client: redis::Client,
        node_id: String,
        hub: Arc<TenantHub>,
        owns: Arc<dyn Fn(u16) -> bool + Send + Sync>,
        wake: Arc<Notify>,
    ) -> Arc<Self> {
        let (out, out_rx) = mpsc::channel(PUBLISH_QUEUE);
        let (watch, watch_rx) = mpsc::unbounded_channel();
        let bus = Arc::new(Self {
            node_id,
            epoch: rand::random(),
            out,
            watch,
            publisher_ok: AtomicBool::new(false),
            subscriber_ok: AtomicBool::new(false),
            waiters: DashMap::new(),
            positions: DashMap::new(),
            presence: Notify::new(),
            on_forget: std::sync::OnceLock::new(),
            stats: BusStats::default(),
        });
        tokio::spawn(presence_beats(bus.clone(), Arc::downgrade(&hub)));
        tokio::spawn(publisher(bus.clone(), client.clone(), out_rx));
        tokio::spawn(subscriber(bus.clone(), client, hub, owns, wake, watch_rx));
        bus
    }

    /// Tells the other nodes to forget `what`.
    pub fn forget(&self, what: &Forget) {
        match serde_json::to_string(&ForgetNote { node: self.node_id.clone(), what: what.clone() }) {
            Ok(text) => self.send(Outgoing::Forget(text)),
            Err(e) => tracing::error!(error = %e, "an invalidation could not be serialised"),
        }
    }

    /// How this node applies the other nodes' invalidations.
    pub fn on_forget(&self, apply: Box<dyn Fn(Forget) + Send + Sync>) {
        let _ = self.on_forget.set(apply);
    }

    /// A user connected here for the first time or left for good: the
    /// other nodes are told now, not at the next beat.
    pub fn presence_changed(&self) {
        self.presence.notify_one();
    }

    /// This node's id.
    pub fn node_id(&self) -> &str {
        &self.node_id
    }

    /// Keeps `waiter` until the answer to `request` comes back; refused (to
    /// retry) if it has not after `wait`.
    pub fn await_answer(self: &Arc<Self>, request: uuid::Uuid, waiter: Waiter, wait: Duration) {
        self.waiters.insert(request, waiter);
        let bus = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            if let Some(w) = bus.take_waiter(request) {
                w.refuse(SendRefusal::Unavailable);
            }
        });
    }

    /// Takes back the waiter of `request`, if still waiting.
    pub fn take_waiter(&self, request: uuid::Uuid) -> Option<Waiter> {
        self.waiters.remove(&request).map(|(_, w)| w)
    }

    /// Sends the answer to a command back to the node its sender waits on.
    pub fn reply(&self, to: &ReplyAddress, answer: RemoteAnswer) {
        match serde_json::to_string(&Reply { request: to.request, answer }) {
            Ok(text) => self.send(Outgoing::Reply(reply_channel(&to.node), text)),
            Err(e) => tracing::error!(error = %e, "a command's answer could not be serialised"),
        }
    }

    /// Whether Redis answers both the publisher and the subscriber now.
    pub fn redis_ok(&self) -> bool {
        self.publisher_ok.load(Ordering::Relaxed) && self.subscriber_ok.load(Ordering::Relaxed)
    }

    fn send(&self, msg: Outgoing) {
        if self.out.try_send(msg).is_err() {
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Queues a tenant's message at its next place (the place and the
    /// queueing happen under the tenant's entry, so places leave in order).
    fn send_tenant(&self, tenant: TenantId, payload: Payload) {
        let mut pos = self.positions.entry(tenant).or_insert(0);
        *pos += 1;
        self.send(Outgoing::Tenant(tenant, *pos, payload));
    }

    /// Publishes a frame of `tenant` for the other nodes' sessions.
    pub fn publish(&self, tenant: TenantId, frame: &HubFrame) {
        self.send_tenant(
            tenant,
            Payload::Frame {
                conversation_id: frame.conversation_id,
                assignee: frame.assignee,
                seq: frame.seq,
                scope: frame.scope.into(),
                text: frame.text.to_string(),
            },
        );
    }

    /// Closes `user`'s sessions on the other nodes too.
    pub fn revoke(&self, tenant: TenantId, user: UserId, why: &str) {
        self.send_tenant(tenant, Payload::Revoke { user, why: why.to_owned() });
    }

    /// Wakes the owner of `partition` (events were handed to it).
    pub fn wake(&self, partition: u16) {
        self.send(Outgoing::Wake(partition));
    }

    /// Starts receiving `tenant`'s frames (its first local session).
    pub fn watch(&self, tenant: TenantId) {
        let _ = self.watch.send(Watch::Tenant(tenant));
    }

    /// Stops receiving `tenant`'s frames (its last local session left).
    pub fn unwatch(&self, tenant: TenantId) {
        let _ = self.watch.send(Watch::Unwatch(tenant));
    }
}

async fn connect(client: &redis::Client) -> Option<redis::aio::ConnectionManager> {
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_response_timeout(Some(Duration::from_secs(2)))
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_number_of_retries(2);
    match client.get_connection_manager_with_config(config).await {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::warn!(error = %e, "Redis unavailable: cross-node frames fall back to resynchronisation");
            None
        }
    }
}

/// How often an idle publisher checks that Redis answers (for `/ready`).
const PING_EVERY: Duration = Duration::from_secs(2);

async fn publisher(bus: Arc<FrameBus>, client: redis::Client, mut rx: mpsc::Receiver<Outgoing>) {
    let mut conn = connect(&client).await;
    bus.publisher_ok.store(conn.is_some(), Ordering::Relaxed);
    let mut batch = Vec::with_capacity(PUBLISH_BATCH);
    loop {
        let got = match tokio::time::timeout(PING_EVERY, rx.recv_many(&mut batch, PUBLISH_BATCH)).await {
            Ok(0) => return,
            Ok(n) => n,
            Err(_) => 0,
        };
        if conn.is_none() {
            conn = connect(&client).await;
        }
        let mut pipe = redis::pipe();
        if got == 0 {
            pipe.cmd("PING").ignore();
        }
        let mut n = 0u64;
        for msg in batch.drain(..) {
            n += 1;
            match msg {
                Outgoing::Tenant(tenant, pos, payload) => {
                    // A message that fails to go leaves a gap: the
                    // receivers see it and resynchronise.
                    let env = Envelope { node: bus.node_id.clone(), epoch: bus.epoch, pos, tenant, payload };
                    match serde_json::to_string(&env) {
                        Ok(text) => {
                            pipe.publish(tenant_channel(tenant), text).ignore();
                        }
                        Err(e) => tracing::error!(error = %e, "bus message could not be serialised"),
                    }
                }
                Outgoing::Wake(partition) => {
                    pipe.publish(WAKE_CHANNEL, partition).ignore();
                }
                Outgoing::Reply(channel, text) => {
                    pipe.publish(channel, text).ignore();
                }
                Outgoing::Presence(text) => {
                    // Kept in Redis with an expiry (for nodes that join or
                    // reconnect) and announced at once (for the others).
                    let ttl = u64::try_from(PRESENCE_TTL.as_millis()).unwrap_or(u64::MAX);
                    pipe.cmd("SET").arg(format!("{PRESENCE_KEY_PREFIX}{}", bus.node_id)).arg(&text).arg("PX").arg(ttl).ignore();
                    pipe.publish(PRESENCE_CHANNEL, text).ignore();
                }
                Outgoing::Forget(text) => {
                    pipe.publish(FORGET_CHANNEL, text).ignore();
                }
            }
        }
        let Some(c) = conn.as_mut() else {
            bus.publisher_ok.store(false, Ordering::Relaxed);
            bus.stats.dropped.fetch_add(n, Ordering::Relaxed);
            continue;
        };
        match pipe.query_async::<()>(c).await {
            Ok(()) => {
                bus.publisher_ok.store(true, Ordering::Relaxed);
                bus.stats.published.fetch_add(n, Ordering::Relaxed);
            }
            Err(e) => {
                if bus.publisher_ok.swap(false, Ordering::Relaxed) {
                    tracing::warn!(error = %e, "publishing to Redis failed: cross-node frames fall back to resynchronisation");
                }
                bus.stats.dropped.fetch_add(n, Ordering::Relaxed);
            }
        }
    }
}

/// Where each publisher (node, tenant) was last seen.
type Positions = HashMap<(String, TenantId), (u64, u64)>;

async fn subscriber(
    bus: Arc<FrameBus>,
    client: redis::Client,
    hub: Arc<TenantHub>,
    owns: Arc<dyn Fn(u16) -> bool + Send + Sync>,
    wake: Arc<Notify>,
    mut watch_rx: mpsc::UnboundedReceiver<Watch>,
) {
    let mut wanted: HashSet<TenantId> = HashSet::new();
    let mut first = true;
    loop {
        let pubsub = match client.get_async_pubsub().await {
            Ok(p) => p,
            Err(e) => {
                if bus.subscriber_ok.swap(false, Ordering::Relaxed) || first {
                    tracing::warn!(error = %e, "Redis unavailable: sessions here get no frames from other nodes until it is back");
                    first = false;
                }
                // Keep the wanted set current while waiting.
                while let Ok(w) = watch_rx.try_recv() {
                    keep_watched(&mut wanted, w, &hub);
                }
                tokio::time::sleep(RECONNECT_AFTER).await;
                continue;
            }
        };
        let (mut sink, mut stream) = pubsub.split();
        while let Ok(w) = watch_rx.try_recv() {
            keep_watched(&mut wanted, w, &hub);
        }
        let mut channels: Vec<String> = wanted.iter().map(|t| tenant_channel(*t)).collect();
        channels.push(WAKE_CHANNEL.to_owned());
        channels.push(PRESENCE_CHANNEL.to_owned());
        channels.push(FORGET_CHANNEL.to_owned());
        let replies = reply_channel(&bus.node_id);
        channels.push(replies.clone());
        if let Err(e) = sink.subscribe(&channels).await {
            tracing::warn!(error = %e, "subscribing on Redis failed; retrying");
            tokio::time::sleep(RECONNECT_AFTER).await;
            continue;
        }
        bus.subscriber_ok.store(true, Ordering::Relaxed);
        if let Err(e) = load_presence(&client, &bus, &hub).await {
            tracing::warn!(error = %e, "reading who is online on other nodes failed; their next beats will say");
        }
        if !first {
            // Whatever was published while we were cut off is lost to us.
            bus.stats.resyncs.fetch_add(1, Ordering::Relaxed);
            tracing::info!("Redis subscription restored: local sessions resynchronise");
            hub.resync_all();
        }
        first = false;
        let mut seen: Positions = HashMap::new();
        loop {
            tokio::select! {
                w = watch_rx.recv() => {
                    let Some(w) = w else { return };
                    // A tenant is dropped only if it really has no session
                    // here any more (one may have come back meanwhile).
                    let res = match &w {
                        Watch::Tenant(t) if !wanted.contains(t) => sink.subscribe(tenant_channel(*t)).await,
                        Watch::Unwatch(t) if wanted.contains(t) && hub.sessions(*t) == 0 => {
                            seen.retain(|(_, tenant), _| tenant != t);
                            sink.unsubscribe(tenant_channel(*t)).await
                        }
                        _ => Ok(()),
                    };
                    if matches!(&w, Watch::Tenant(_)) || matches!(&w, Watch::Unwatch(t) if hub.sessions(*t) == 0) {
                        apply_watch(&mut wanted, w);
                    }
                    if let Err(e) = res {
                        tracing::warn!(error = %e, "changing Redis subscriptions failed; reconnecting");
                        break;
                    }
                }
                msg = stream.next() => {
                    let Some(msg) = msg else { break };
                    if msg.get_channel_name() == replies {
                        match serde_json::from_slice::<Reply>(msg.get_payload_bytes()) {
                            Ok(r) => {
                                if let Some(w) = bus.take_waiter(r.request) {
                                    w.answer(r.answer);
                                }
                            }
                            Err(e) => tracing::warn!(error = %e, "unreadable answer on the frame bus"),
                        }
                        continue;
                    }
                    if msg.get_channel_name() == FORGET_CHANNEL {
                        match serde_json::from_slice::<ForgetNote>(msg.get_payload_bytes()) {
                            Ok(note) if note.node != bus.node_id => {
                                if let Some(apply) = bus.on_forget.get() {
                                    apply(note.what);
                                }
                            }
                            Ok(_) => {}
                            Err(e) => tracing::warn!(error = %e, "unreadable invalidation on the frame bus"),
                        }
                        continue;
                    }
                    if msg.get_channel_name() == PRESENCE_CHANNEL {
                        if let Ok(beat) = serde_json::from_slice::<PresenceBeat>(msg.get_payload_bytes()) {
                            if beat.node != bus.node_id {
                                let until = std::time::Instant::now() + PRESENCE_TTL;
                                hub.remote_presence(&beat.node, until, beat.users.into_iter().collect());
                            }
                        }
                        continue;
                    }
                    if msg.get_channel_name() == WAKE_CHANNEL {
                        if let Ok(p) = msg.get_payload::<u16>() {
                            if owns(p) {
                                wake.notify_one();
                            }
                        }
                        continue;
                    }
                    match serde_json::from_slice::<Envelope>(msg.get_payload_bytes()) {
                        Ok(env) => deliver(&bus, &hub, &mut seen, env),
                        Err(e) => tracing::warn!(error = %e, "unreadable message on the frame bus"),
                    }
                }
            }
        }
        bus.subscriber_ok.store(false, Ordering::Relaxed);
        // What Redis had sent but this node had not read yet went with the
        // connection, with nothing to say so (a reset discards it): local
        // sessions resynchronise now, before a local frame can reach them
        // after that hole (and again once reconnected, for what is missed
        // meanwhile).
        bus.stats.resyncs.fetch_add(1, Ordering::Relaxed);
        tracing::warn!("Redis subscription lost; local sessions resynchronise; reconnecting");
        hub.resync_all();
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

/// Reads every other node's presence from Redis, each valid for what is
/// left of its key's expiry: beats announced while this node was cut off
/// (or before it started) were missed, and it need not wait for the next.
async fn load_presence(client: &redis::Client, bus: &FrameBus, hub: &TenantHub) -> redis::RedisResult<()> {
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(2)));
    let mut conn = client.get_multiplexed_async_connection_with_config(&config).await?;
    let mut keys: Vec<String> = Vec::new();
    let mut cursor = 0u64;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .cursor_arg(cursor)
            .arg("MATCH")
            .arg(format!("{PRESENCE_KEY_PREFIX}*"))
            .arg("COUNT")
            .arg(100)
            .query_async(&mut conn)
            .await?;
        keys.extend(batch);
        if next == 0 || keys.len() > 10_000 {
            break;
        }
        cursor = next;
    }
    let mine = format!("{PRESENCE_KEY_PREFIX}{}", bus.node_id);
    keys.retain(|k| *k != mine);
    if keys.is_empty() {
        return Ok(());
    }
    let mut pipe = redis::pipe();
    for k in &keys {
        pipe.get(k).cmd("PTTL").arg(k);
    }
    let answers: Vec<(Option<String>, i64)> = pipe.query_async(&mut conn).await?;
    let now = std::time::Instant::now();
    for (text, ttl_ms) in answers {
        let (Some(text), Ok(ttl_ms)) = (text, u64::try_from(ttl_ms)) else { continue };
        if let Ok(beat) = serde_json::from_str::<PresenceBeat>(&text) {
            hub.remote_presence(&beat.node, now + Duration::from_millis(ttl_ms), beat.users.into_iter().collect());
        }
    }
    Ok(())
}

/// Tells the other nodes who is connected here, every few seconds and at
/// once on a change.
async fn presence_beats(bus: Arc<FrameBus>, hub: std::sync::Weak<TenantHub>) {
    loop {
        let _ = tokio::time::timeout(PRESENCE_EVERY, bus.presence.notified()).await;
        let Some(hub) = hub.upgrade() else { return };
        let beat = PresenceBeat { node: bus.node_id.clone(), users: hub.local_users() };
        match serde_json::to_string(&beat) {
            Ok(text) => bus.send(Outgoing::Presence(text)),
            Err(e) => tracing::error!(error = %e, "presence could not be serialised"),
        }
    }
}

fn apply_watch(wanted: &mut HashSet<TenantId>, w: Watch) {
    match w {
        Watch::Tenant(t) => {
            wanted.insert(t);
        }
        Watch::Unwatch(t) => {
            wanted.remove(&t);
        }
    }
}

/// While Redis is unreachable: forgets unwatches of tenants that still have
/// sessions here (they must be subscribed again on reconnect).
fn keep_watched(wanted: &mut HashSet<TenantId>, w: Watch, hub: &TenantHub) {
    match w {
        Watch::Unwatch(t) if hub.sessions(t) > 0 => {}
        other => apply_watch(wanted, other),
    }
}

/// Whether `env` follows the last message seen from its sender for its
/// tenant (recording it either way). The first one since subscribing is
/// continuous: nothing before it was promised to this node's sessions.
fn continuous(seen: &mut Positions, env: &Envelope) -> bool {
    let key = (env.node.clone(), env.tenant);
    let ok = match seen.get(&key) {
        None => true,
        Some(&(epoch, pos)) => epoch == env.epoch && env.pos == pos + 1,
    };
    seen.insert(key, (env.epoch, env.pos));
    ok
}

/// Checks the sender's sequence, then hands the message to the hub.
fn deliver(bus: &FrameBus, hub: &TenantHub, seen: &mut Positions, env: Envelope) {
    if env.node == bus.node_id && env.epoch == bus.epoch {
        return;
    }
    if !continuous(seen, &env) {
        bus.stats.resyncs.fetch_add(1, Ordering::Relaxed);
        tracing::info!(node = %env.node, tenant_id = %env.tenant, "frames from another node were missed: the tenant's sessions resynchronise");
        hub.resync(env.tenant);
        return;
    }
    bus.stats.received.fetch_add(1, Ordering::Relaxed);
    match env.payload {
        Payload::Frame { conversation_id, assignee, seq, scope, text } => {
            hub.deliver(env.tenant, HubFrame { conversation_id, assignee, seq, scope: scope.into(), except: None, text: text.into() })
        }
        Payload::Revoke { user, why } => hub.revoke_here(env.tenant, user, &why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(node: &str, epoch: u64, pos: u64, tenant: TenantId) -> Envelope {
        Envelope {
            node: node.into(),
            epoch,
            pos,
            tenant,
            payload: Payload::Frame { conversation_id: None, assignee: None, seq: Some(9), scope: WireScope::Inbox, text: "{}".into() },
        }
    }

    #[test]
    fn an_envelope_survives_the_wire_with_its_frame() {
        let t = TenantId::generate();
        let text = serde_json::to_string(&env("node-a", 7, 3, t)).unwrap();
        let back: Envelope = serde_json::from_str(&text).unwrap();
        assert_eq!((back.node.as_str(), back.epoch, back.pos, back.tenant), ("node-a", 7, 3, t));
        match back.payload {
            Payload::Frame { seq, scope, .. } => assert_eq!((seq, matches!(scope, WireScope::Inbox)), (Some(9), true)),
            Payload::Revoke { .. } => panic!("a frame came back as a revocation"),
        }
        let revoke = Envelope { payload: Payload::Revoke { user: UserId::generate(), why: "signed out".into() }, ..env("n", 1, 1, t) };
        let back: Envelope = serde_json::from_str(&serde_json::to_string(&revoke).unwrap()).unwrap();
        assert!(matches!(back.payload, Payload::Revoke { ref why, .. } if why == "signed out"));
    }

    #[test]
    fn a_gap_or_a_new_epoch_breaks_continuity_per_sender_and_tenant() {
        let (t1, t2) = (TenantId::generate(), TenantId::generate());
        let mut seen = Positions::new();
        assert!(continuous(&mut seen, &env("a", 1, 5, t1)), "the first one seen");
        assert!(continuous(&mut seen, &env("a", 1, 6, t1)));
        assert!(continuous(&mut seen, &env("a", 1, 1, t2)), "another tenant has its own sequence");
        assert!(continuous(&mut seen, &env("b", 4, 1, t1)), "another sender too");
        assert!(!continuous(&mut seen, &env("a", 1, 8, t1)), "7 was lost");
        assert!(continuous(&mut seen, &env("a", 1, 9, t1)), "continuous again after the gap");
        assert!(!continuous(&mut seen, &env("a", 2, 1, t1)), "the sender restarted");
        assert!(!continuous(&mut seen, &env("b", 4, 1, t1)), "a repeat is not continuous");
    }
}
