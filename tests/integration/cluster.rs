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
/// (a duplicate that reached its owner twice consumes a number without a
/// row, on one node as on several, so numbers may skip but never repeat).
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
    assert_eq!(alone["cluster"]["partitions_owned"], 256, "{alone}");
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
    let untouched: i64 = sqlx::query_scalar("SELECT count(*) FROM partition_leases WHERE epoch = 0").fetch_one(&a.owner).await.unwrap();
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
        "UPDATE partition_leases SET node_id = $2, epoch = epoch + 1, expires_at = now() + interval '30 seconds' WHERE partition = $1",
    )
    .bind(i32::from(p))
    .bind(other_id)
    .execute(&a.owner)
    .await
    .unwrap();
    // Meta delivers the customer's next message to the stalled node, which
    // still thinks the conversation is its own: its write is refused.
    owner.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, customer, "wamid.fence-2", "second")).await;
    counted(owner, "conversations_fenced", fenced_before, 1).await;

    // The stalled node then fences itself: it claims nothing.
    eventually("the stalled node owns nothing", WAIT, || async { (owned(owner).await == 0).then_some(()) }).await;
    // The message is not lost: its inbox row is retried and reaches the new owner.
    eventually("second stored by the new owner", Duration::from_secs(30), || async {
        (stored(&a, "wamid.fence-%").await.0 == 2).then_some(())
    })
    .await;
    assert_eq!(stored(&a, "wamid.fence-%").await, (2, 2));
    assert_sequences(&a).await;
    let epoch_now: i64 =
        sqlx::query_scalar("SELECT epoch FROM partition_leases WHERE partition = $1").bind(i32::from(p)).fetch_one(&a.owner).await.unwrap();
    assert!(epoch_now >= 2);

    // Awake again, the node rejoins and the partitions are shared again.
    cluster.leases.suspend_rounds(false);
    eventually("shared 128/128 again", Duration::from_secs(30), || async {
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
    for i in 0..8 {
        let customer = format!("9198333{i:05}");
        let conv = a.open_conversation(&t, &customer).await;
        let owner = partition_of_customer(&a, &customer).await.1;
        conversations.push((conv, customer, owner));
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
    let (partition, epoch): (i32, i64) =
        sqlx::query_as("SELECT partition, epoch FROM partition_leases WHERE node_id = 'node-a' ORDER BY partition LIMIT 1")
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
    };
    assert!(deps.store.commit(batch(current)).await.is_ok(), "the current lease may write");
    assert_eq!(deps.store.commit(batch(stale)).await.unwrap_err(), StoreError::Fenced, "an older epoch may not");
    assert_eq!(deps.ledger.mark_attempted(tenant, &[(message, Some(stale))]).await.unwrap(), Vec::<MessageId>::new());
    assert_eq!(deps.ledger.mark_attempted(tenant, &[(message, Some(current))]).await.unwrap(), vec![message]);
    assert_eq!(deps.ledger.mark_attempted(tenant, &[(message, None)]).await.unwrap(), vec![message], "one node has no lease");
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
    drop(socket);
    eventually("offline on node-b", WAIT, || async { (!b.state.hub.is_online(tenant, user)).then_some(()) }).await;
    eventually("offline on node-a too", WAIT, || async { (!a.state.hub.is_online(tenant, user)).then_some(()) }).await;
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
