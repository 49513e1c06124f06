//! Several nodes on one Postgres and one Redis: partitions shared through
//! leases, events handed to the node that owns their conversation, frames
//! reaching agents on every node, and a node that lost its lease refused by
//! the database itself.

use crate::helpers::*;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use whatsflow::config::Config;
use whatsflow_actors::ids::{ChannelId, ContactId};

/// A Redis server of the test's own, on a free port (Debian's
/// `redis-server`, which `scripts/prereqs` installs), killed when dropped.
pub struct Redis {
    child: Option<Child>,
    pub port: u16,
}

impl Redis {
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self::start_on(port).await
    }

    /// On `port` (a restart keeps the address the nodes know).
    pub async fn start_on(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (Debian's redis-server package; scripts/prereqs installs it)");
        eventually("redis-server listening", WAIT, || async { std::net::TcpStream::connect(("127.0.0.1", port)).ok().map(|_| ()) }).await;
        Self { child: Some(child), port }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A node's configuration: cluster mode on `redis`, named `id`, with a
/// short lease so the tests see takeovers quickly.
fn node(redis: &Redis, id: &str, lease: Duration) -> impl FnOnce(Config) -> Config {
    let (url, id) = (redis.url(), id.to_owned());
    move |mut c| {
        c.redis_url = Some(url);
        c.cluster.node_id = Some(id);
        c.cluster.lease = lease;
        c
    }
}

async fn ready(app: &TestApp) -> Value {
    let res = app.http.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn owned(app: &TestApp) -> u64 {
    ready(app).await["cluster"]["partitions_owned"].as_u64().expect("partitions_owned")
}

/// Two nodes on one database, once they share the partitions evenly.
async fn two_nodes(redis: &Redis, lease: Duration) -> (TestApp, TestApp) {
    let db = fresh_database().await;
    let a = spawn_with(db.clone(), node(redis, "node-a", lease), None).await;
    // One Meta for the whole cluster: b talks to a's Graph API simulator.
    let graph = a.sim.base_url.clone();
    let b_node = node(redis, "node-b", lease);
    let b = spawn_with(db, move |c| Config { graph_api_base: graph, ..b_node(c) }, None).await;
    eventually("the partitions shared 128/128", WAIT, || async { (owned(&a).await == 128 && owned(&b).await == 128).then_some(()) }).await;
    (a, b)
}

/// The partition of the conversation with `wa_id`, and the node owning it.
async fn partition_of_customer(app: &TestApp, wa_id: &str) -> (u16, String) {
    let (channel, contact): (uuid::Uuid, uuid::Uuid) =
        sqlx::query_as("SELECT c.channel_id, c.contact_id FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE k.phone = $1")
            .bind(format!("+{wa_id}"))
            .fetch_one(&app.owner)
            .await
            .unwrap();
    let p = whatsflow::cluster::partition::partition_of(ChannelId(channel), ContactId(contact), 256);
    let owner: String = sqlx::query_scalar("SELECT node_id FROM partition_leases WHERE partition = $1")
        .bind(i32::from(p))
        .fetch_one(&app.owner)
        .await
        .unwrap();
    (p, owner)
}

async fn stored(app: &TestApp, wamid_like: &str) -> (i64, i64) {
    sqlx::query_as("SELECT count(*), count(DISTINCT wamid) FROM messages WHERE wamid LIKE $1")
        .bind(wamid_like)
        .fetch_one(&app.owner)
        .await
        .unwrap()
}

/// Every conversation's numbering is sound: its messages have distinct,
/// increasing sequence numbers, none beyond the conversation's `last_seq`
/// (the numbers between them went to status changes; where only customers
/// wrote, the chaos test checks they run 1..=last_seq exactly).
async fn assert_sequences(app: &TestApp) {
    let rows: Vec<(uuid::Uuid, Vec<i64>, i64, i64)> = sqlx::query_as(
        "SELECT m.conversation_id, array_agg(m.seq ORDER BY m.seq), max(GREATEST(m.seq, m.status_seq)), c.last_seq
         FROM messages m JOIN conversations c ON c.id = m.conversation_id GROUP BY m.conversation_id, c.last_seq",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    assert!(!rows.is_empty());
    for (conversation, seqs, top, last_seq) in rows {
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "conversation {conversation}: {seqs:?}");
        assert!(top <= last_seq, "conversation {conversation}: a number beyond last_seq {last_seq}");
    }
}

#[actix_rt::test]
async fn nodes_share_the_partitions_report_them_and_hand_them_back_on_shutdown() {
    let redis = Redis::start().await;
    let db = fresh_database().await;
    let a = spawn_with(db.clone(), node(&redis, "node-a", Duration::from_secs(2)), None).await;
    let alone = ready(&a).await;
    assert_eq!(alone["status"], "ready");
    assert_eq!(alone["cluster"]["node_id"], "node-a");
    eventually("a node alone owns every partition", WAIT, || async { (owned(&a).await == 256).then_some(()) }).await;
    eventually("Redis seen as ok", WAIT, || async { (ready(&a).await["cluster"]["redis"] == "ok").then_some(()) }).await;

    let b = spawn_with(db, node(&redis, "node-b", Duration::from_secs(2)), None).await;
    eventually("the partitions shared 128/128", WAIT, || async { (owned(&a).await == 128 && owned(&b).await == 128).then_some(()) }).await;
    let by_node: Vec<(String, i64)> =
        sqlx::query_as("SELECT node_id, count(*) FROM partition_leases WHERE expires_at > now() GROUP BY node_id ORDER BY node_id")
            .fetch_all(&a.owner)
            .await
            .unwrap();
    assert_eq!(by_node, vec![("node-a".to_owned(), 128), ("node-b".to_owned(), 128)]);
    // Every acquisition moved an epoch on: none is still at its initial 0.
    let untouched: i64 = sqlx::query_scalar("SELECT count(*) FROM partition_epochs WHERE epoch = 0").fetch_one(&a.owner).await.unwrap();
    assert_eq!(untouched, 0);

    // A graceful stop hands b's partitions back at once (not after expiry).
    b.stop().await;
    eventually("node-a owns all 256 again", WAIT, || async { (owned(&a).await == 256).then_some(()) }).await;
    let b_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM cluster_nodes WHERE node_id = 'node-b'").fetch_one(&a.owner).await.unwrap();
    assert_eq!(b_rows, 0, "a departed node leaves the cluster");
}

#[actix_rt::test]
async fn a_message_posted_to_any_node_is_stored_once_and_reaches_agents_on_every_node() {
    let redis = Redis::start().await;
    let (a, b) = two_nodes(&redis, Duration::from_secs(2)).await;
    let t = a.register("Acme").await;
    a.connect_channel(&t, PHONE_NUMBER_ID).await;
    let mut on_a = a.socket(&t.token).await;
    let mut on_b = b.socket(&t.token).await;

    let n = 24;
    let before = counter(&a, "events_handed_off").await + counter(&b, "events_handed_off").await;
    for i in 0..n {
        let body = text_webhook(PHONE_NUMBER_ID, &format!("9198000{i:05}"), &format!("wamid.cluster-{i}"), "hello");
        let (first, second) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        assert_eq!(first.post_webhook(body.clone()).await.status(), 200);
        // Meta retries: the same event again, to the other node.
        assert_eq!(second.post_webhook(body).await.status(), 200);
    }
    eventually("every message stored", WAIT, || async { (stored(&a, "wamid.cluster-%").await.0 == n).then_some(()) }).await;
    eventually("every inbox row settled", WAIT, || async {
        let open: i64 =
            sqlx::query_scalar("SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL").fetch_one(&a.owner).await.unwrap();
        (open == 0).then_some(())
    })
    .await;
    assert_eq!(stored(&a, "wamid.cluster-%").await, (n, n), "each message exactly once");
    assert_sequences(&a).await;
    // Half the customers' conversations are owned by the node that did not
    // receive them: their events went over by hand-off.
    let after = counter(&a, "events_handed_off").await + counter(&b, "events_handed_off").await;
    assert!(after > before, "some events were handed to their conversation's owner");

    for (name, socket) in [("node-a", &mut on_a), ("node-b", &mut on_b)] {
        let mut missing: HashSet<String> = (0..n).map(|i| format!("wamid.cluster-{i}")).collect();
        let mut seen: HashMap<String, u32> = HashMap::new();
        let deadline = Instant::now() + WAIT;
        while !missing.is_empty() && Instant::now() < deadline {
            if let Some(f) = socket.next(Duration::from_millis(500)).await {
                if f["event"] == "message:new" {
                    let w = f["data"]["message"]["wamid"].as_str().unwrap_or_default().to_owned();
                    missing.remove(&w);
                    *seen.entry(w).or_default() += 1;
                }
            }
        }
        assert!(missing.is_empty(), "the agent on {name} never saw {missing:?}");
        for f in socket.drain(Duration::from_millis(500)).await {
            if f["event"] == "message:new" {
                *seen.entry(f["data"]["message"]["wamid"].as_str().unwrap_or_default().to_owned()).or_default() += 1;
            }
        }
        assert!(seen.values().all(|&c| c == 1), "the agent on {name} saw a message twice: {seen:?}");
    }
}

#[actix_rt::test]
async fn a_paused_node_is_refused_by_its_fence_and_the_new_owner_takes_its_events() {
    let redis = Redis::start().await;
    // A longer lease: the paused node must still believe it owns the
    // partition (two thirds of the lease) when the message reaches it.
    let (a, b) = two_nodes(&redis, Duration::from_secs(6)).await;
    let t = a.register("Acme").await;
    a.connect_channel(&t, PHONE_NUMBER_ID).await;
    let customer = "919811100001";
    a.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, customer, "wamid.fence-1", "first")).await;
    eventually("first stored", WAIT, || async { (stored(&a, "wamid.fence-%").await.0 == 1).then_some(()) }).await;
    let (p, owner_id) = partition_of_customer(&a, customer).await;
    let (owner, other, other_id) = if owner_id == "node-a" { (&a, &b, "node-b") } else { (&b, &a, "node-a") };

    // The owner stalls (no heartbeat, no renewal) and, as after its lease
    // ran out, the other node takes the partition with a new epoch.
    let cluster = owner.state.cluster.clone().expect("cluster mode");
    cluster.leases.suspend_rounds(true);
    let fenced_before = counter(owner, "conversations_fenced").await;
    sqlx::query(
        "WITH e AS (UPDATE partition_epochs SET epoch = epoch + 1 WHERE partition = $1)
         UPDATE partition_leases SET node_id = $2, expires_at = now() + interval '30 seconds' WHERE partition = $1",
    )
    .bind(i32::from(p))
    .bind(other_id)
    .execute(&a.owner)
    .await
    .unwrap();
    // Meta delivers the customer's next message to the stalled node, which
    // still thinks the conversation is its own: its write is refused.
    owner.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, customer, "wamid.fence-2", "second")).await;
    eventually("the stalled node's write refused by its fence", WAIT, || async {
        (counter(owner, "conversations_fenced").await > fenced_before).then_some(())
    })
    .await;

    // The stalled node then fences itself: it claims nothing.
    eventually("the stalled node owns nothing", WAIT, || async { (owned(owner).await == 0).then_some(()) }).await;
    // The message is not lost: its inbox row is retried and reaches the new owner.
    eventually("second stored by the new owner", Duration::from_secs(60), || async {
        (stored(&a, "wamid.fence-%").await.0 == 2).then_some(())
    })
    .await;
    assert_eq!(stored(&a, "wamid.fence-%").await, (2, 2));
    assert_sequences(&a).await;
    let epoch_now: i64 =
        sqlx::query_scalar("SELECT epoch FROM partition_epochs WHERE partition = $1").bind(i32::from(p)).fetch_one(&a.owner).await.unwrap();
    assert!(epoch_now >= 2);

    // Awake again, the node rejoins and the partitions are shared again.
    cluster.leases.suspend_rounds(false);
    eventually("shared 128/128 again", Duration::from_secs(60), || async {
        (owned(&a).await == 128 && owned(&b).await == 128).then_some(())
    })
    .await;
    let _ = other;
}

#[actix_rt::test]
async fn when_a_node_stops_the_other_takes_its_partitions_within_the_lease() {
    let redis = Redis::start().await;
    let lease = Duration::from_secs(2);
    let (a, b) = two_nodes(&redis, lease).await;
    let t = a.register("Acme").await;
    a.connect_channel(&t, PHONE_NUMBER_ID).await;
    // A customer whose conversation node-a owns.
    let mut customer = None;
    for i in 0..40 {
        let wa = format!("9198222{i:05}");
        a.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, &wa, &format!("wamid.failover-{i}"), "hi")).await;
        eventually("stored", WAIT, || async { (stored(&a, &format!("wamid.failover-{i}")).await.0 == 1).then_some(()) }).await;
        if partition_of_customer(&a, &wa).await.1 == "node-a" {
            customer = Some(wa);
            break;
        }
    }
    let customer = customer.expect("one of 40 customers hashes to node-a's half");

    // node-a dies as far as the cluster can tell: no more renewals.
    a.state.cluster.clone().unwrap().leases.suspend_rounds(true);
    let died = Instant::now();
    eventually("node-b owns everything", WAIT, || async { (owned(&b).await == 256).then_some(()) }).await;
    let failover = died.elapsed();
    assert!(failover <= lease + Duration::from_secs(2), "took {failover:?} for a {lease:?} lease");
    // The orphaned conversation goes on at node-b.
    b.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, &customer, "wamid.failover-after", "still there?")).await;
    eventually("processed by node-b", WAIT, || async { (stored(&b, "wamid.failover-after").await.0 == 1).then_some(()) }).await;
    assert_sequences(&b).await;
}

#[actix_rt::test]
async fn an_agent_on_either_node_replies_in_every_conversation_and_each_reply_goes_out_once() {
    let redis = Redis::start().await;
    let (a, b) = two_nodes(&redis, Duration::from_secs(2)).await;
    let t = a.register("Acme").await;
    a.connect_channel(&t, PHONE_NUMBER_ID).await;
    // Enough customers that both nodes own some of their conversations.
    let mut conversations = Vec::new();
    for i in 0..40 {
        let customer = format!("9198333{i:05}");
        let conv = a.open_conversation(&t, &customer).await;
        let owner = partition_of_customer(&a, &customer).await.1;
        conversations.push((conv, customer, owner));
        let both = conversations.iter().any(|c| c.2 == "node-a") && conversations.iter().any(|c| c.2 == "node-b");
        if i >= 7 && both {
            break;
        }
    }
    assert!(conversations.iter().any(|c| c.2 == "node-a") && conversations.iter().any(|c| c.2 == "node-b"));

    let mut ids = Vec::new();
    for (i, (conv, _, _)) in conversations.iter().enumerate() {
        // Over REST on one node, then the same client_id again on the other.
        let (first, second) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let body = serde_json::json!({"type": "text", "text": {"body": format!("reply {i}")}, "client_id": format!("c-{i}")});
        let res = first.send(&t, conv, body.clone()).await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap_or_default());
        let sent: Value = res.json().await.unwrap();
        assert_eq!(sent["client_id"], format!("c-{i}"));
        let id = sent["id"].as_str().unwrap().to_owned();
        let again = second.send(&t, conv, body).await;
        assert!(again.status().is_success(), "a retry on the other node: {}", again.status());
        let again: Value = again.json().await.unwrap();
        assert_eq!(again["id"], id.as_str(), "the retry is the same message");
        ids.push(id);
    }
    // Over the socket on node-b, in a conversation node-a owns.
    let (conv_a, _, _) = conversations.iter().find(|c| c.2 == "node-a").unwrap();
    let mut ws = b.socket(&t.token).await;
    ws.send(serde_json::json!({"event": "message:send", "data": {"conversation_id": conv_a, "client_id": "ws-1", "type": "text", "text": {"body": "from the socket"}}})).await;
    let ack = ws.expect("message:ack", |d| d["client_id"] == "ws-1").await;
    ids.push(ack["message_id"].as_str().unwrap().to_owned());

    // Meta receives each reply exactly once.
    eventually("every reply sent", WAIT, || async {
        let sends = a.sim_sends().await;
        ids.iter().all(|id| sends.iter().any(|s| s["biz_opaque_callback_data"] == id.as_str())).then_some(())
    })
    .await;
    settled(&a).await;
    settled(&b).await;
    let sends = a.sim_sends().await;
    for id in &ids {
        let n = sends.iter().filter(|s| s["biz_opaque_callback_data"] == id.as_str()).count();
        assert_eq!(n, 1, "message {id} was sent {n} times");
    }
    assert_sequences(&a).await;
}

#[actix_rt::test]
async fn the_database_refuses_a_commit_or_a_send_under_a_lease_that_moved_on() {
    use whatsflow_actors::ids::{ConversationId, MessageId, TenantId};
    use whatsflow_actors::ports::{ConversationBatch, Fence, StoreError};
    let redis = Redis::start().await;
    let (a, _b) = two_nodes(&redis, Duration::from_secs(2)).await;
    let t = a.register("Acme").await;
    a.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conv = a.open_conversation(&t, "919844400001").await;
    let res = a.send(&t, &conv, serde_json::json!({"type": "text", "text": {"body": "hi"}})).await;
    assert_eq!(res.status(), 201);
    let message: Value = res.json().await.unwrap();
    let message = MessageId(message["id"].as_str().unwrap().parse().unwrap());
    let (partition, epoch): (i32, i64) = sqlx::query_as(
        "SELECT l.partition, e.epoch FROM partition_leases l JOIN partition_epochs e USING (partition)
             WHERE l.node_id = 'node-a' ORDER BY l.partition LIMIT 1",
    )
    .fetch_one(&a.owner)
    .await
    .unwrap();
    let current = Fence { partition: partition as u16, epoch };
    let stale = Fence { partition: partition as u16, epoch: epoch - 1 };
    let tenant = TenantId(t.tenant_id.parse().unwrap());
    let deps = a.state.router.deps().clone();
    let batch = |fence| ConversationBatch {
        tenant_id: tenant,
        conversation_id: ConversationId(conv.parse().unwrap()),
        messages: Vec::new(),
        statuses: Vec::new(),
        reactions: Vec::new(),
        outbound: Vec::new(),
        reset_unread: false,
        patch: None,
        last_seq: 0,
        fence: Some(fence),
        settles: Vec::new(),
    };
    assert!(deps.store.commit(batch(current)).await.is_ok(), "the current lease may write");
    assert_eq!(deps.store.commit(batch(stale)).await.unwrap_err(), StoreError::Fenced, "an older epoch may not");
    assert_eq!(deps.ledger.mark_attempted(tenant, &[(message, Some(stale))]).await.unwrap(), Vec::<MessageId>::new());
    assert_eq!(deps.ledger.mark_attempted(tenant, &[(message, Some(current))]).await.unwrap(), vec![message]);
    assert_eq!(deps.ledger.mark_attempted(tenant, &[(message, None)]).await.unwrap(), vec![message], "one node has no lease");
    // A flow run's save carries the lease as well.
    let run = whatsflow_actors::flow::record::RunRecord {
        id: uuid::Uuid::new_v4(),
        flow_id: uuid::Uuid::new_v4(),
        version: 1,
        status: whatsflow_actors::flow::record::RunStatus::Running,
        cursor: None,
        vars: serde_json::Map::new(),
        waiting: None,
        path: Vec::new(),
        step: 0,
        error: None,
    };
    assert!(deps.flows.save_run(tenant, &run, Some(current)).await.is_ok());
    assert_eq!(deps.flows.save_run(tenant, &run, Some(stale)).await.unwrap_err(), StoreError::Fenced);
    // An expired lease fences too, even before anyone takes it over.
    sqlx::query("UPDATE partition_leases SET expires_at = now() - interval '1 second' WHERE partition = $1")
        .bind(partition)
        .execute(&a.owner)
        .await
        .unwrap();
    assert_eq!(deps.store.commit(batch(current)).await.unwrap_err(), StoreError::Fenced);
    assert!(deps.ledger.mark_attempted(tenant, &[(message, Some(current))]).await.unwrap().is_empty());
}

#[actix_rt::test]
async fn an_agent_connected_to_one_node_is_online_for_the_others_until_they_leave() {
    use whatsflow_actors::ids::{TenantId, UserId};
    let redis = Redis::start().await;
    let (a, b) = two_nodes(&redis, Duration::from_secs(2)).await;
    let t = a.register("Acme").await;
    let (tenant, user) = (TenantId(t.tenant_id.parse().unwrap()), UserId(t.user_id.parse().unwrap()));
    assert!(!a.state.hub.is_online(tenant, user));
    let socket = b.socket(&t.token).await;
    // Routing on node-a sees the agent connected to node-b.
    eventually("online on node-a", WAIT, || async { a.state.hub.is_online(tenant, user).then_some(()) }).await;
    // Node-b's word lives in Redis, with an expiry (it vanishes ~15 s after
    // node-b dies), so a node that joins later knows it at once.
    let mut conn = redis::Client::open(redis.url()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let (stored, ttl): (Option<String>, i64) =
        redis::pipe().get("wf:presence:node-b").cmd("PTTL").arg("wf:presence:node-b").query_async(&mut conn).await.unwrap();
    assert!(stored.unwrap_or_default().contains(&t.user_id), "node-b's presence in Redis names the agent");
    assert!(ttl > 0 && ttl <= 15_000, "node-b's presence expires: {ttl} ms left");
    let c = spawn_with(a.db_url.clone(), node(&redis, "node-c", Duration::from_secs(2)), None).await;
    eventually("online on a node that joined later", WAIT, || async { c.state.hub.is_online(tenant, user).then_some(()) }).await;
    drop(socket);
    eventually("offline on node-b", WAIT, || async { (!b.state.hub.is_online(tenant, user)).then_some(()) }).await;
    eventually("offline on node-a too", WAIT, || async { (!a.state.hub.is_online(tenant, user)).then_some(()) }).await;
    eventually("offline on node-c too", WAIT, || async { (!c.state.hub.is_online(tenant, user)).then_some(()) }).await;
    c.stop().await;
}

#[actix_rt::test]
async fn a_number_disconnected_on_one_node_is_forgotten_by_the_others() {
    let redis = Redis::start().await;
    let (a, b) = two_nodes(&redis, Duration::from_secs(2)).await;
    let t = a.register("Acme").await;
    let channel = a.connect_channel(&t, PHONE_NUMBER_ID).await;
    // node-b routes a message on the number (and keeps it in its cache).
    b.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919855500001", "wamid.forget-1", "one")).await;
    eventually("first stored", WAIT, || async { (stored(&a, "wamid.forget-1").await.0 == 1).then_some(()) }).await;
    let res =
        a.http.delete(a.url(&format!("/api/v1/channels/{}", channel["id"].as_str().unwrap()))).bearer_auth(&t.token).send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    // Told over Redis, node-b no longer routes the number: a late webhook
    // is kept as unrouted, not written into a disconnected number.
    eventually("the late message kept as unrouted", WAIT, || async {
        b.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919855500001", "wamid.forget-2", "two")).await;
        let unrouted: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM webhook_inbox WHERE processed_at IS NOT NULL AND notes @> '[{\"kind\": \"unrouted\"}]'",
        )
        .fetch_one(&a.owner)
        .await
        .unwrap();
        (unrouted > 0).then_some(())
    })
    .await;
    assert_eq!(stored(&a, "wamid.forget-2").await.0, 0);
}

/// A node as a child process: its id, address and process.
struct Node {
    id: String,
    base: String,
    process: Option<std::process::Child>,
    _dir: tempfile::TempDir,
}

impl Node {
    fn start(id: &str, db: &str, redis: &Redis, graph: &str, lease_secs: u64) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let redis_url = redis.url();
        let lease = lease_secs.to_string();
        let process = spawn_server_with(
            Some(db),
            port,
            dir.path(),
            &[
                ("GRAPH_API_BASE", graph),
                ("WHATSFLOW_SEND_RECHECK_SECS", "2"),
                ("REDIS_URL", redis_url.as_str()),
                ("WHATSFLOW_NODE_ID", id),
                ("WHATSFLOW_LEASE_SECS", lease.as_str()),
            ],
        );
        Self { id: id.to_owned(), base: format!("http://127.0.0.1:{port}"), process: Some(process), _dir: dir }
    }

    fn signal(&self, sig: i32) {
        if let Some(p) = &self.process {
            // SAFETY: a signal to our own child process.
            unsafe { libc::kill(p.id() as i32, sig) };
        }
    }

    fn kill9(&mut self) {
        if let Some(mut p) = self.process.take() {
            kill9(&mut p);
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.signal(libc::SIGCONT);
        self.kill9();
    }
}

async fn ready_at(http: &reqwest::Client, base: &str) -> Option<Value> {
    let res = http.get(format!("{base}/ready")).timeout(Duration::from_secs(2)).send().await.ok()?;
    res.json().await.ok()
}

/// Partitions owned by each live node, as their `/ready` say.
async fn owned_by(http: &reqwest::Client, nodes: &[&Node]) -> Vec<u64> {
    let mut out = Vec::new();
    for n in nodes {
        out.push(ready_at(http, &n.base).await.and_then(|r| r["cluster"]["partitions_owned"].as_u64()).unwrap_or(0));
    }
    out
}

async fn post_signed(http: &reqwest::Client, base: &str, body: &[u8]) -> bool {
    http.post(format!("{base}/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header("X-Hub-Signature-256", sign(body))
        .body(body.to_vec())
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
}

/// Three server processes on one database and one Redis: webhooks (with
/// duplicates) posted to every node, agents on every node; one node is
/// killed with SIGKILL under load, another paused (SIGSTOP) past its lease
/// and woken, and Redis restarted. Nothing acknowledged is lost or stored
/// twice, every reply goes to Meta once, and every agent's socket either
/// saw each message of its conversations in order or was told to
/// resynchronise, after which Postgres fills exactly the rest.
#[actix_rt::test]
async fn three_nodes_lose_nothing_through_a_kill_a_pause_and_a_redis_restart() {
    let lease = 3u64;
    let db = fresh_database().await;
    // The in-process app lends its Graph API simulator and owner pool.
    let app = spawn_with(db.clone(), |c| c, None).await;
    app.stop().await;
    let mut redis = Redis::start().await;
    let graph = app.sim.base_url.clone();
    let mut nodes: Vec<Node> = ["node-1", "node-2", "node-3"].iter().map(|id| Node::start(id, &db, &redis, &graph, lease)).collect();
    for n in &nodes {
        wait_ready(&n.base).await;
    }
    let http = http_client();
    eventually("three nodes share the partitions", Duration::from_secs(30), || async {
        let o = owned_by(&http, &nodes.iter().collect::<Vec<_>>()).await;
        (o.iter().sum::<u64>() == 256 && o.iter().all(|&n| n >= 80)).then_some(())
    })
    .await;
    app.sim.state.set_webhook_url(&format!("{}/webhooks/whatsapp", nodes[0].base));

    // A tenant with its number, signed up on node-1.
    let reg: Value = http
        .post(format!("{}/api/v1/auth/register", nodes[0].base))
        .json(&serde_json::json!({"tenant_name": "Acme", "name": "A", "email": "chaos@acme.test", "password": "correct-horse-1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = reg["access_token"].as_str().unwrap().to_owned();
    let res = http
        .post(format!("{}/api/v1/channels", nodes[0].base))
        .bearer_auth(&token)
        .json(&serde_json::json!({"phone_number_id": PHONE_NUMBER_ID, "display_phone_number": "+1", "waba_id": WABA_ID, "access_token": ACCESS_TOKEN}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    // A bot answers "menu" wherever its conversation lives.
    let menu = serde_json::json!({"name": "menu", "trigger_type": "keyword", "trigger_value": "menu", "flow_data": {"nodes": [
        {"id": "m", "type": "message", "position": {"x": 0, "y": 0}, "data": {"start": true, "text": "Here is our menu"}}], "edges": []}});
    let flow: Value =
        http.post(format!("{}/api/v1/flows", nodes[0].base)).bearer_auth(&token).json(&menu).send().await.unwrap().json().await.unwrap();
    let res = http
        .patch(format!("{}/api/v1/flows/{}/status", nodes[0].base, flow["id"].as_str().unwrap()))
        .bearer_auth(&token)
        .json(&serde_json::json!({"status": "active"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // An agent on node-1 and one on node-2, reading all along.
    let mut readers = Vec::new();
    for n in &nodes[..2] {
        let mut socket = socket_at(&n.base, &token).await;
        readers.push(actix_rt::spawn(async move {
            let mut frames = Vec::new();
            while let Some(f) = socket.next(Duration::from_secs(40)).await {
                frames.push(f);
            }
            frames
        }));
    }

    let customers = 30;
    let mut acked: HashSet<String> = HashSet::new();
    let mut round = 0;
    let post_round = |targets: Vec<String>, round: usize| {
        let http = http.clone();
        async move {
            let mut ok = Vec::new();
            for c in 0..customers {
                let wamid = format!("wamid.chaos-{round}-{c}");
                // Every third customer asks the bot.
                let text = if c % 3 == 0 { "menu".to_owned() } else { format!("round {round}") };
                let body = text_webhook(PHONE_NUMBER_ID, &format!("9197000{c:05}"), &wamid, &text);
                let first = &targets[c % targets.len()];
                let second = &targets[(c + 1) % targets.len()];
                let a = post_signed(&http, first, &body).await;
                // Meta's retry of the same event, to another node.
                let b = post_signed(&http, second, &body).await;
                if a || b {
                    ok.push(wamid);
                }
            }
            ok
        }
    };
    let all: Vec<String> = nodes.iter().map(|n| n.base.clone()).collect();
    acked.extend(post_round(all.clone(), round).await);
    round += 1;

    // node-3 dies under load.
    nodes[2].kill9();
    let killed = Instant::now();
    let survivors: Vec<String> = nodes[..2].iter().map(|n| n.base.clone()).collect();
    acked.extend(post_round(survivors.clone(), round).await);
    round += 1;
    eventually("node-3's partitions taken over", Duration::from_secs(30), || async {
        (owned_by(&http, &[&nodes[0], &nodes[1]]).await.iter().sum::<u64>() == 256).then_some(())
    })
    .await;
    let failover = killed.elapsed();
    assert!(failover <= Duration::from_secs(lease + 2) + Duration::from_secs(3), "failover took {failover:?}");

    // node-2 stalls past its lease; node-1 carries on alone, then node-2 wakes.
    nodes[1].signal(libc::SIGSTOP);
    acked.extend(post_round(vec![nodes[0].base.clone()], round).await);
    round += 1;
    eventually("node-1 owns everything while node-2 is paused", Duration::from_secs(30), || async {
        (owned_by(&http, &[&nodes[0]]).await == vec![256]).then_some(())
    })
    .await;
    nodes[1].signal(libc::SIGCONT);
    // Awake, node-2 finds its leases gone and stops their conversations
    // (a write it still attempts under the old epoch is refused: see
    // `a_paused_node_is_refused_by_its_fence_and_the_new_owner_takes_its_events`).
    eventually("node-2 knows it lost its partitions", Duration::from_secs(30), || async {
        let text = http.get(format!("{}/metrics", nodes[1].base)).send().await.ok()?.text().await.ok()?;
        let lost: u64 = text.lines().find_map(|l| l.strip_prefix("whatsflow_cluster_partitions_lost_total "))?.trim().parse().ok()?;
        (lost > 0).then_some(())
    })
    .await;

    // Redis restarts; the nodes carry on through it.
    let port = redis.port;
    redis.kill();
    acked.extend(post_round(survivors.clone(), round).await);
    round += 1;
    let _restarted = Redis::start_on(port).await;
    eventually("both nodes see Redis again", Duration::from_secs(30), || async {
        let mut ok = true;
        for n in &nodes[..2] {
            ok &= ready_at(&http, &n.base).await.is_some_and(|r| r["cluster"]["redis"] == "ok");
        }
        ok.then_some(())
    })
    .await;
    acked.extend(post_round(survivors.clone(), round).await);

    // Agents reply in ten conversations through either node, each reply
    // with a retry on the other node.
    let conversations: Vec<(uuid::Uuid, String)> =
        sqlx::query_as("SELECT c.id, k.phone FROM conversations c JOIN contacts k ON k.id = c.contact_id ORDER BY k.phone LIMIT 10")
            .fetch_all(&app.owner)
            .await
            .unwrap();
    let mut replies = Vec::new();
    for (i, (conv, _)) in conversations.iter().enumerate() {
        let body = serde_json::json!({"type": "text", "text": {"body": format!("on it {i}")}, "client_id": format!("chaos-{i}")});
        let mut id = None;
        let mut refusals = Vec::new();
        for attempt in 0..6 {
            let node = &survivors[(i + attempt) % 2];
            let res = http
                .post(format!("{node}/api/v1/conversations/{conv}/messages"))
                .bearer_auth(&token)
                .json(&body)
                .timeout(Duration::from_secs(20))
                .send()
                .await
                .unwrap();
            if res.status().is_success() {
                id = res.json::<Value>().await.unwrap()["id"].as_str().map(str::to_owned);
                break;
            }
            refusals.push(format!("{node}: {} {}", res.status(), res.text().await.unwrap_or_default()));
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        replies.push(id.unwrap_or_else(|| panic!("the reply in {conv} was never accepted: {refusals:#?}")));
    }

    // Every acknowledged message stored exactly once.
    eventually("every acknowledged message stored", Duration::from_secs(60), || async {
        let wamids: Vec<String> =
            sqlx::query_scalar("SELECT wamid FROM messages WHERE wamid LIKE 'wamid.chaos-%'").fetch_all(&app.owner).await.unwrap();
        acked.iter().all(|w| wamids.contains(w)).then_some(())
    })
    .await;
    let (total, distinct): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT wamid) FROM messages WHERE wamid LIKE 'wamid.chaos-%'")
            .fetch_one(&app.owner)
            .await
            .unwrap();
    assert_eq!(total, distinct, "a message stored twice");
    assert!(total as usize >= acked.len());
    eprintln!("acknowledged {} messages, stored {total}; failover {failover:?}", acked.len());
    assert_sequences(&app).await;
    // Where only customers wrote (no reply, so no status), the numbers are
    // exactly 1..=last_seq: duplicates handed between nodes took none.
    let quiet: Vec<(String, Vec<i64>, i64)> = sqlx::query_as(
        "SELECT k.phone, array_agg(m.seq ORDER BY m.seq), c.last_seq FROM conversations c
         JOIN contacts k ON k.id = c.contact_id JOIN messages m ON m.conversation_id = c.id
         GROUP BY k.phone, c.last_seq HAVING bool_and(m.direction = 'inbound')",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    assert!(quiet.len() >= 10, "{} conversations without replies", quiet.len());
    for (phone, seqs, last_seq) in quiet {
        assert_eq!(seqs, (1..=last_seq).collect::<Vec<_>>(), "{phone}: a hole in its numbers");
    }
    eventually("the bot's answers sent or in doubt", Duration::from_secs(60), || async {
        let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE sent_by->>'kind' = 'flow' AND status = 'pending'")
            .fetch_one(&app.owner)
            .await
            .unwrap();
        (pending == 0).then_some(())
    })
    .await;
    // The bot answered each "menu" at most once (a duplicate never starts
    // it twice) and each of its messages reached Meta at most once.
    let bot: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT k.phone, count(*) FILTER (WHERE m.direction = 'inbound' AND m.content->>'body' = 'menu'),
                count(*) FILTER (WHERE m.direction = 'outbound' AND m.sent_by->>'kind' = 'flow')
         FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN contacts k ON k.id = c.contact_id
         GROUP BY k.phone HAVING count(*) FILTER (WHERE m.content->>'body' = 'menu') > 0",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    assert_eq!(bot.len(), 10, "{bot:?}");
    for (phone, asked, answered) in &bot {
        assert!(*answered >= 1 && answered <= asked, "{phone}: asked {asked}, answered {answered}");
    }
    // Each reached Meta once; one whose answer was lost with its node is in
    // doubt (`unconfirmed`, reported, never resent blindly).
    let bot_messages: Vec<(uuid::Uuid, String)> =
        sqlx::query_as("SELECT id, status FROM messages WHERE sent_by->>'kind' = 'flow'").fetch_all(&app.owner).await.unwrap();
    let sends = app.sim_sends().await;
    let mut in_doubt = 0;
    for (id, status) in &bot_messages {
        let n = sends.iter().filter(|s| s["biz_opaque_callback_data"] == id.to_string().as_str()).count();
        if status == "unconfirmed" || status == "failed" {
            in_doubt += 1;
            assert!(n <= 1, "bot message {id} in doubt, yet sent {n} times");
        } else {
            assert_eq!(n, 1, "bot message {id} ({status}) sent {n} times");
        }
    }
    eprintln!("the bot sent {} answers, {in_doubt} in doubt or failed", bot_messages.len());

    // Meta received each reply exactly once.
    eventually("every reply sent", Duration::from_secs(60), || async {
        let sends = app.sim_sends().await;
        replies.iter().all(|id| sends.iter().any(|s| s["biz_opaque_callback_data"] == id.as_str())).then_some(())
    })
    .await;
    let sends = app.sim_sends().await;
    for id in &replies {
        assert_eq!(sends.iter().filter(|s| s["biz_opaque_callback_data"] == id.as_str()).count(), 1, "reply {id} sent more than once");
    }

    // Each agent's socket: per conversation, the messages it saw are the
    // database's in order with no hole; after a resynchronisation close,
    // the REST refill from its last seen seq brings exactly the rest.
    let db_messages: Vec<(uuid::Uuid, i64, String)> =
        sqlx::query_as("SELECT conversation_id, seq, wamid FROM messages WHERE wamid LIKE 'wamid.chaos-%' ORDER BY conversation_id, seq")
            .fetch_all(&app.owner)
            .await
            .unwrap();
    let mut by_conv: HashMap<uuid::Uuid, Vec<(i64, String)>> = HashMap::new();
    for (c, seq, w) in db_messages {
        by_conv.entry(c).or_default().push((seq, w));
    }
    for (i, reader) in readers.into_iter().enumerate() {
        let frames = reader.await.unwrap();
        let mut seen: HashMap<uuid::Uuid, Vec<(i64, String)>> = HashMap::new();
        for f in frames.iter().filter(|f| f["event"] == "message:new") {
            let w = f["data"]["message"]["wamid"].as_str().unwrap_or_default();
            if !w.starts_with("wamid.chaos-") {
                continue;
            }
            let c: uuid::Uuid = f["data"]["conversation_id"].as_str().unwrap().parse().unwrap();
            seen.entry(c).or_default().push((f["data"]["seq"].as_i64().unwrap(), w.to_owned()));
        }
        assert!(!seen.is_empty(), "the agent on node-{} saw nothing", i + 1);
        for (conv, got) in seen {
            let want = &by_conv[&conv];
            assert!(got.windows(2).all(|w| w[0].0 < w[1].0), "node-{}: {conv} out of order: {got:?}", i + 1);
            let (lo, hi) = (got[0].0, got[got.len() - 1].0);
            let expected: Vec<(i64, String)> = want.iter().filter(|(s, _)| *s >= lo && *s <= hi).cloned().collect();
            assert_eq!(got, expected, "node-{}: a hole in {conv}", i + 1);
            // The refill from the last seen seq is exactly the rest.
            let (status, page) = {
                let res = http
                    .get(format!("{}/api/v1/conversations/{conv}/messages?after_seq={hi}&limit=200", survivors[0]))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                (res.status(), res.json::<Value>().await.unwrap())
            };
            assert_eq!(status, 200);
            let refilled: Vec<String> = page["data"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|m| m["wamid"].as_str().filter(|w| w.starts_with("wamid.chaos-")).map(str::to_owned))
                .collect();
            let rest: Vec<String> = want.iter().filter(|(s, _)| *s > hi).map(|(_, w)| w.clone()).collect();
            assert_eq!(refilled, rest, "node-{}: the refill of {conv}", i + 1);
        }
    }
    let _ = (round, &nodes[0].id);
}

#[actix_rt::test]
async fn three_nodes_sending_on_one_number_stay_within_its_rate_and_live_replies_keep_their_reserve() {
    use whatsflow::cluster::rate::RedisRate;
    use whatsflow_actors::ids::ChannelId;
    use whatsflow_actors::outbound::SharedRate;
    let redis = Redis::start().await;
    let channel = ChannelId::generate();
    let (rate, reserve) = (50.0, 3.0);
    let window = Duration::from_secs(2);
    // Three nodes' outboxes, each with its own connection, all sending bulk
    // as fast as they are let. A take Redis did not answer in time (a busy
    // machine) grants nothing, as in an outbox, and is tried again.
    let began = Instant::now();
    let mut nodes = Vec::new();
    for _ in 0..3 {
        let client = redis::Client::open(redis.url()).unwrap();
        let shared = std::sync::Arc::new(RedisRate::counting(client, std::sync::Arc::new(|| 3)));
        nodes.push(actix_rt::spawn(async move {
            let start = Instant::now();
            let mut granted = 0u32;
            while start.elapsed() < window {
                let (n, wait) = shared.take(channel, rate, reserve, false, 8).await.unwrap_or((0, Duration::from_millis(50)));
                granted += n;
                if n == 0 {
                    tokio::time::sleep(wait.min(window.saturating_sub(start.elapsed()))).await;
                }
            }
            granted
        }));
    }
    let mut total = 0;
    for n in nodes {
        total += n.await.unwrap();
    }
    let elapsed = began.elapsed();
    // Together the three never exceed the number's rate over the time they
    // took (50 a second, plus the first), and the budget is really used (a
    // loose bound: a busy machine may starve the loops a little).
    let most = (rate * elapsed.as_secs_f64()).floor() as u32 + 1;
    assert!(total <= most, "{total} bulk sends in {elapsed:?} at {rate}/s");
    assert!(total >= 20, "only {total} bulk sends in {elapsed:?} at {rate}/s");
    // Bulk takes everything it may; a live reply still goes at once, and so
    // do as many as the reserve holds, then it must wait too. One in ten
    // seconds here, so a busy machine's pauses between the takes add nothing.
    let channel = ChannelId::generate();
    let client = redis::Client::open(redis.url()).unwrap();
    let live = RedisRate::counting(client, std::sync::Arc::new(|| 3));
    let slow = 0.1;
    while live.take(channel, slow, reserve, false, 100).await.unwrap().0 > 0 {}
    let (urgent, _) = live.take(channel, slow, reserve, true, 10).await.unwrap();
    assert_eq!(urgent, 3, "the live reserve");
    let (more, wait) = live.take(channel, slow, reserve, true, 1).await.unwrap();
    assert_eq!(more, 0);
    assert!(wait > Duration::ZERO && wait <= Duration::from_secs(10), "{wait:?}");
}

#[actix_rt::test]
async fn with_redis_down_nodes_still_store_every_message_and_say_so_on_ready() {
    let mut redis = Redis::start().await;
    let (a, b) = two_nodes(&redis, Duration::from_secs(2)).await;
    let t = a.register("Acme").await;
    a.connect_channel(&t, PHONE_NUMBER_ID).await;
    let port = redis.port;
    redis.kill();
    for app in [&a, &b] {
        eventually("Redis reported unavailable", WAIT, || async {
            let r = ready(app).await;
            (r["status"] == "ready" && r["cluster"]["redis"] == "unavailable").then_some(())
        })
        .await;
    }
    // Webhooks to both nodes: hand-offs go through Postgres and the
    // owners' polling, so every one is stored, once.
    for i in 0..12 {
        let app = if i % 2 == 0 { &a } else { &b };
        app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, &format!("9198666{i:05}"), &format!("wamid.noredis-{i}"), "hi")).await;
    }
    eventually("every message stored without Redis", WAIT, || async { (stored(&a, "wamid.noredis-%").await == (12, 12)).then_some(()) })
        .await;
    assert_sequences(&a).await;
    // Redis comes back on its address: the nodes reconnect by themselves.
    let _back = Redis::start_on(port).await;
    for app in [&a, &b] {
        eventually("Redis ok again", Duration::from_secs(30), || async { (ready(app).await["cluster"]["redis"] == "ok").then_some(()) })
            .await;
    }
    let mut on_b = b.socket(&t.token).await;
    a.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919866600000", "wamid.noredis-after", "back")).await;
    on_b.expect("message:new", |d| d["message"]["wamid"] == "wamid.noredis-after").await;
}

#[actix_rt::test]
async fn an_agent_reading_on_a_node_that_does_not_own_the_conversation_clears_its_unread_count() {
    let redis = Redis::start().await;
    let (a, b) = two_nodes(&redis, Duration::from_secs(2)).await;
    let t = a.register("Acme").await;
    a.connect_channel(&t, PHONE_NUMBER_ID).await;
    // A conversation node-a owns, with unread messages.
    let mut found = None;
    for i in 0..40 {
        let customer = format!("9198777{i:05}");
        let conv = a.open_conversation(&t, &customer).await;
        if partition_of_customer(&a, &customer).await.1 == "node-a" {
            found = Some(conv);
            break;
        }
    }
    let conv = found.expect("a conversation node-a owns");
    let unread = || async {
        sqlx::query_scalar::<_, i64>("SELECT unread_count FROM conversations WHERE id = $1::uuid")
            .bind(&conv)
            .fetch_one(&a.owner)
            .await
            .unwrap()
    };
    assert!(unread().await > 0);
    let res = b.http.post(b.url(&format!("/api/v1/conversations/{conv}/read"))).bearer_auth(&t.token).send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    eventually("unread cleared by the owner", WAIT, || async { (unread().await == 0).then_some(()) }).await;
}
