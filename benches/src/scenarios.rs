//! The scenarios. Each measures the engine, measures the ceilings it is
//! compared with in the same run, verifies that nothing acknowledged was
//! lost or duplicated, and reports what it reached.

use crate::harness::{self, collector, message, pct, progress, round, webhook, Collector, Harness, Tenant};
use crate::monitor::Errors;
use anyhow::Context as _;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Concurrent webhook posters (Meta delivers in parallel).
const POSTERS: usize = 16;
/// Messages per webhook POST.
const BATCH: usize = 25;
/// Concurrent posters at one event per POST (each waits for its answer).
const ONE_PER_POST_POSTERS: usize = 64;

/// The HTTP ceiling: the same server answering a no-op POST (signature and
/// parse, no storage) of the same body.
pub async fn http_ceiling(h: &Harness, secs: u64, body: Vec<u8>, connections: usize) -> f64 {
    let sig = whatsflow::http::webhooks::sign(harness::APP_SECRET.as_bytes(), &body);
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (http, url, body, sig, done) = (h.http.clone(), format!("{}/bench/noop", h.base), body.clone(), sig.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                if http
                    .post(&url)
                    .header("X-Hub-Signature-256", &sig)
                    .body(body.clone())
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
                {
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    futures::future::join_all(tasks).await;
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// The Postgres ceiling: 100-row inserts of message-shaped rows straight
/// through sqlx, from as many connections as the server's writer uses.
pub async fn postgres_ceiling(h: &Harness, secs: u64) -> anyhow::Result<f64> {
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect(&h.db_url).await?;
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_rows (LIKE messages INCLUDING ALL)").execute(&pool).await?;
    let rows = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..4 {
        let (pool, rows) = (pool.clone(), rows.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let batch: Vec<Value> = (0..100)
                    .map(|i| json!({"id": uuid::Uuid::now_v7(), "tenant_id": uuid::Uuid::nil(), "conversation_id": uuid::Uuid::nil(), "seq": i, "wamid": format!("w{w}.{n}.{i}"),
                                    "direction": "inbound", "type": "text", "status": "received", "content": {"body": "Hello, where is my order? I ordered it last week."}, "timestamp": chrono::Utc::now()}))
                    .collect();
                n += 1;
                let res = sqlx::query(
                    "INSERT INTO bench_rows (id, tenant_id, conversation_id, seq, status_seq, wamid, direction, type, status, content, timestamp)
                     SELECT r.id, r.tenant_id, r.conversation_id, r.seq, r.seq, r.wamid, r.direction, r.type, r.status, r.content, r.timestamp
                     FROM jsonb_to_recordset($1) AS r(id uuid, tenant_id uuid, conversation_id uuid, seq bigint, wamid text, direction text, type text, status text, content jsonb, timestamp timestamptz)",
                )
                .bind(Value::Array(batch))
                .execute(&pool)
                .await;
                if let Ok(r) = res {
                    rows.fetch_add(r.rows_affected(), Ordering::Relaxed);
                }
            }
        }));
    }
    futures::future::join_all(tasks).await;
    let rate = rows.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
    sqlx::query("DROP TABLE bench_rows").execute(&pool).await?;
    Ok(rate)
}

/// The WebSocket ceiling: frames/s the server pushes to `sockets` from a
/// no-op broadcaster (no conversation, no database).
pub async fn ws_ceiling(h: &Harness, t: &Tenant, sockets: &[Arc<Collector>], frames: usize, bytes: usize) -> anyhow::Result<f64> {
    let before: u64 = sockets.iter().map(|c| c.frames.load(Ordering::Relaxed)).sum();
    let want = before + (frames * sockets.len()) as u64;
    let start = Instant::now();
    h.http
        .post(format!("{}/bench/broadcast?tenant_id={}&frames={frames}&bytes={bytes}", h.base, t.tenant_id))
        .send()
        .await?
        .error_for_status()?;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let got: u64 = sockets.iter().map(|c| c.frames.load(Ordering::Relaxed)).sum();
        if got >= want || Instant::now() > deadline {
            return Ok((got - before) as f64 / start.elapsed().as_secs_f64());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

struct Sent {
    wamids: Vec<String>,
    ack_ms: Vec<f64>,
    posts: u64,
}

/// How the load generator shapes its webhooks.
#[derive(Clone)]
enum Shape {
    /// `BATCH` messages per POST (plus one stray status), as a batching
    /// sender would.
    Batched,
    /// One event per POST, as Meta delivers them: mostly customer messages
    /// (the `message` mix: text, media, interactive, location) from
    /// returning customers and one in ten from a new one, and one POST in
    /// ten a status for one of `earlier_sends`.
    OnePerPost { earlier_sends: Arc<Vec<String>> },
}

/// Posts webhooks shaped by `shape` from `POSTERS` tasks (`ONE_PER_POST_POSTERS`
/// for one event per POST) until `deadline` (or at `rate` messages/s when
/// given); returns what was acknowledged.
#[allow(clippy::too_many_arguments)]
async fn pump(
    h: &Arc<Harness>,
    t: &Tenant,
    c: &Arc<Collector>,
    tag: &str,
    deadline: Instant,
    rate: Option<f64>,
    customers: usize,
    errors: &Arc<Errors>,
    shape: Shape,
) -> Sent {
    let mut tasks = Vec::new();
    let posters = match (&shape, rate) {
        (_, Some(_)) => 1,
        (Shape::Batched, None) => POSTERS,
        (Shape::OnePerPost { .. }, None) => ONE_PER_POST_POSTERS,
    };
    for p in 0..posters {
        let (h, t, c, tag, errors, shape) = (h.clone(), t.clone(), c.clone(), tag.to_owned(), errors.clone(), shape.clone());
        tasks.push(tokio::spawn(async move {
            let mut sent = Sent { wamids: Vec::new(), ack_ms: Vec::new(), posts: 0 };
            let mut n = 0usize;
            if let Shape::OnePerPost { earlier_sends } = &shape {
                while Instant::now() < deadline {
                    let (body, wamid) = one_event(&t.phone_number_id, &tag, p, n, customers, earlier_sends);
                    n += 1;
                    if let Some(w) = &wamid {
                        c.sent_at.insert(w.clone(), Instant::now());
                    }
                    match h.post_webhook(body).await {
                        Ok(ack) => {
                            sent.ack_ms.push(ack.as_secs_f64() * 1000.0);
                            sent.wamids.extend(wamid);
                            sent.posts += 1;
                        }
                        Err(e) => errors.record(format!("webhook POST: {e}")),
                    }
                }
                return sent;
            }
            let batch = if rate.is_some() { 10 } else { BATCH };
            let mut tick = rate.map(|r| {
                let mut i = tokio::time::interval(Duration::from_secs_f64(batch as f64 / r));
                i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                i
            });
            let mut inflight = Vec::new();
            while Instant::now() < deadline {
                let wamids: Vec<String> = (0..batch).map(|i| format!("wamid.{tag}.{p}.{n}.{i}")).collect();
                let msgs: Vec<Value> = wamids.iter().enumerate().map(|(i, w)| message(&format!("1555{:07}", (p * 7919 + n * batch + i) % customers), w, n + i)).collect();
                let strays = vec![json!({"id": format!("wamid.stray.{tag}.{p}.{n}"), "status": "delivered", "timestamp": chrono::Utc::now().timestamp().to_string(), "recipient_id": "15550000001"})];
                let body = webhook(&t.phone_number_id, msgs, strays);
                n += 1;
                let now = Instant::now();
                for w in &wamids {
                    c.sent_at.insert(w.clone(), now);
                }
                match &mut tick {
                    Some(tick) => {
                        tick.tick().await;
                        let h = h.clone();
                        inflight.push(tokio::spawn(async move { (h.post_webhook(body).await, wamids) }));
                    }
                    None => match h.post_webhook(body).await {
                        Ok(ack) => {
                            sent.ack_ms.push(ack.as_secs_f64() * 1000.0);
                            sent.wamids.extend(wamids);
                            sent.posts += 1;
                        }
                        Err(e) => errors.record(format!("webhook POST: {e}")),
                    },
                }
            }
            for f in inflight {
                match f.await {
                    Ok((Ok(ack), wamids)) => {
                        sent.ack_ms.push(ack.as_secs_f64() * 1000.0);
                        sent.wamids.extend(wamids);
                        sent.posts += 1;
                    }
                    Ok((Err(e), _)) => errors.record(format!("webhook POST: {e}")),
                    Err(e) => errors.record(format!("poster task: {e}")),
                }
            }
            sent
        }));
    }
    let mut all = Sent { wamids: Vec::new(), ack_ms: Vec::new(), posts: 0 };
    for t in futures::future::join_all(tasks).await.into_iter().flatten() {
        all.wamids.extend(t.wamids);
        all.ack_ms.extend(t.ack_ms);
        all.posts += t.posts;
    }
    all
}

/// The `n`th POST of poster `p` at one event per POST: its body, and the
/// wamid of the customer message it carries (none for a status).
fn one_event(
    phone_number_id: &str,
    tag: &str,
    p: usize,
    n: usize,
    customers: usize,
    earlier_sends: &[String],
) -> (Vec<u8>, Option<String>) {
    if n % 10 == 9 && !earlier_sends.is_empty() {
        let wamid = &earlier_sends[(p * 31 + n / 10) % earlier_sends.len()];
        let status = ["sent", "delivered", "read"][(n / 10) % 3];
        let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550000000", "phone_number_id": phone_number_id},
            "statuses": [{"id": wamid, "status": status, "timestamp": chrono::Utc::now().timestamp().to_string(), "recipient_id": "15550000001",
                          "pricing": {"billable": false, "pricing_model": "PMP", "type": "free_customer_service", "category": "service"}}]}}]}]});
        return (body.to_string().into_bytes(), None);
    }
    let wamid = format!("wamid.{tag}.{p}.{n}");
    let from = if n % 10 == 4 { format!("1556{p:03}{n:06}") } else { format!("1555{:07}", (p * 7919 + n) % customers) };
    (webhook(phone_number_id, vec![message(&from, &wamid, n)], vec![]), Some(wamid))
}

/// An agent's replies to twenty customers (who wrote first), accepted by
/// Meta: their wamids, for the status webhooks of the one-per-POST mix.
async fn earlier_sends(h: &Harness, t: &Tenant) -> anyhow::Result<Vec<String>> {
    let convs = open_windows(h, t, "1557000").await?;
    for conv in &convs {
        h.http
            .post(format!("{}/api/v1/conversations/{conv}/messages", h.base))
            .bearer_auth(&t.token)
            .json(&json!({"type": "text", "text": {"body": "Your order ships today."}}))
            .send()
            .await?
            .error_for_status()?;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&h.db_url).await?;
        let wamids: Vec<String> =
            sqlx::query_scalar("SELECT wamid FROM messages WHERE direction = 'outbound' AND wamid IS NOT NULL AND content->>'body' = 'Your order ships today.'")
                .fetch_all(&pool)
                .await?;
        pool.close().await;
        if wamids.len() >= convs.len() || Instant::now() > deadline {
            return Ok(wamids);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until every acknowledged message reached the socket; then counts
/// rows. Returns (delivered, lost, duplicated, when the last one arrived).
async fn verify(h: &Harness, c: &Collector, tag: &str, acked: &[String], patience: Duration) -> anyhow::Result<(u64, u64, u64, Instant)> {
    let deadline = Instant::now() + patience;
    let pb = progress(acked.len() as u64, &format!("delivering {tag}"));
    loop {
        let seen = acked.iter().filter(|w| c.seen.contains_key(w.as_str())).count();
        pb.set_position(seen as u64);
        // A socket the server closed will see nothing more.
        if seen == acked.len() || Instant::now() > deadline || c.closed_because().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    pb.finish_and_clear();
    let done = Instant::now();
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&h.db_url).await?;
    let (rows, distinct): (i64, i64) = sqlx::query_as("SELECT count(*), count(DISTINCT wamid) FROM messages WHERE wamid LIKE $1")
        .bind(format!("wamid.{tag}.%"))
        .fetch_one(&pool)
        .await?;
    pool.close().await;
    let delivered = acked.iter().filter(|w| c.seen.contains_key(w.as_str())).count() as u64;
    let stored = u64::try_from(distinct).unwrap_or(0);
    let lost = (acked.len() as u64).saturating_sub(stored.min(delivered));
    let frame_dups: u64 = acked.iter().filter_map(|w| c.seen.get(w.as_str()).map(|n| u64::from(n.saturating_sub(1)))).sum();
    let dups = u64::try_from(rows - distinct).unwrap_or(0) + frame_dups;
    Ok((delivered, lost, dups, done))
}

/// Customers the ingest tenant served before the bench's traffic.
const HISTORY_CUSTOMERS: i64 = 20_000;
/// Messages in each past customer's conversation.
const HISTORY_MESSAGES_EACH: i64 = 4;

/// Gives a tenant the history of a platform in use: past customers, each
/// with a resolved conversation of a few messages, and the settled webhook
/// inbox rows of their messages. Without it a phase grows
/// `contacts`, `conversations` and `messages` from nearly nothing, and the
/// plans Postgres caches at the phase's start (the foreign-key checks', the
/// prepared statements' generic plans) scan tables a live database would
/// look rows up in by key.
async fn seed_history(h: &Harness, t: &Tenant) -> anyhow::Result<()> {
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&h.db_url).await?;
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO contacts (id, tenant_id, phone, name, created_at, updated_at)
         SELECT gen_random_uuid(), $1::uuid, '1554' || lpad(i::text, 7, '0'), 'Past customer ' || i,
                now() - interval '90 days' + i * interval '1 minute', now() - interval '30 days'
         FROM generate_series(1, $2) i",
    )
    .bind(&t.tenant_id)
    .bind(HISTORY_CUSTOMERS)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO conversations (id, tenant_id, channel_id, contact_id, status, last_seq, last_inbound_at, last_message_at, created_at, updated_at)
         SELECT gen_random_uuid(), $1::uuid, (SELECT ch.id FROM channels ch WHERE ch.tenant_id = $1::uuid LIMIT 1), k.id, 'resolved', $2,
                k.created_at + interval '5 minutes', k.created_at + interval '10 minutes', k.created_at, k.updated_at
         FROM contacts k WHERE k.tenant_id = $1::uuid AND k.phone LIKE '1554%'",
    )
    .bind(&t.tenant_id)
    .bind(HISTORY_MESSAGES_EACH)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO messages (id, tenant_id, conversation_id, seq, status_seq, wamid, direction, type, status, content, timestamp, created_at)
         SELECT gen_random_uuid(), $1::uuid, c.id, s, s, 'wamid.history.' || c.id || '.' || s,
                CASE WHEN s % 2 = 1 THEN 'inbound' ELSE 'outbound' END, 'text', CASE WHEN s % 2 = 1 THEN 'received' ELSE 'read' END,
                jsonb_build_object('body', 'Earlier message ' || s), c.created_at + s * interval '1 minute', c.created_at + s * interval '1 minute'
         FROM conversations c CROSS JOIN generate_series(1, $2) s WHERE c.tenant_id = $1::uuid AND c.status = 'resolved'",
    )
    .bind(&t.tenant_id)
    .bind(HISTORY_MESSAGES_EACH)
    .execute(&mut *tx)
    .await?;
    // The settled inbox rows the retention keeps (one per earlier inbound
    // message, settled minutes ago).
    sqlx::query(
        "INSERT INTO webhook_inbox (app_id, body, received_at, processed_at, next_attempt_at)
         SELECT NULL, convert_to('{}', 'UTF8'), now() - interval '10 minutes', now() - interval '10 minutes', now() - interval '9 minutes'
         FROM generate_series(1, $1 * $2 / 2)",
    )
    .bind(HISTORY_CUSTOMERS)
    .bind(HISTORY_MESSAGES_EACH)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    pool.close().await;
    Ok(())
}

/// Gives a flow the runs it would have had over that history: one
/// completed run per past conversation, so `flow_runs` is not empty when
/// the phase plans its statements either.
async fn seed_flow_history(pool: &sqlx::PgPool, t: &Tenant, flow_id: &str) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO flow_runs (id, tenant_id, flow_id, version, conversation_id, status, vars, path, step, started_at, updated_at, ended_at)
         SELECT gen_random_uuid(), $1::uuid, $2::uuid, (SELECT max(v.version) FROM flow_versions v WHERE v.flow_id = $2::uuid), c.id, 'completed',
                '{\"order\": 4821}', '[]', 6, c.created_at, c.created_at + interval '5 minutes', c.created_at + interval '5 minutes'
         FROM conversations c WHERE c.tenant_id = $1::uuid AND c.status = 'resolved'",
    )
    .bind(&t.tenant_id)
    .bind(flow_id)
    .execute(pool)
    .await?;
    Ok(())
}

/// `ingest`: the highest sustained rate of messages durably stored,
/// deduplicated and delivered to a connected agent — first at one event per
/// POST, as Meta delivers them (the headline, against the HTTP no-op
/// ceiling at the same shape), then at `BATCH` messages per POST.
pub async fn ingest(h: Arc<Harness>, secs: u64) -> anyhow::Result<Value> {
    let t = h.tenant("Ingest", "900000000000001", 80).await?;
    let c = collector(&h, &t.token, None).await?;
    let earlier = Arc::new(earlier_sends(&h, &t).await?);
    seed_history(&h, &t).await?;
    let single = webhook(&t.phone_number_id, vec![message("15550000000", "wamid.sample.one", 3)], vec![]);
    // What the no-op costs per request (server and load generator) is the
    // part of each message's CPU that storage cannot take back.
    let ceiling_monitor = h.monitor().await?;
    let http_one_rps = http_ceiling(&h, 3, single, ONE_PER_POST_POSTERS).await;
    let ceiling_usage = ceiling_monitor.finish().await;
    let sample = webhook(&t.phone_number_id, (0..BATCH).map(|i| message("15550000000", &format!("wamid.sample.{i}"), i)).collect(), vec![]);
    let http_rps = http_ceiling(&h, 3, sample, POSTERS * 2).await;
    let pg_rows = postgres_ceiling(&h, 3).await?;

    // One event per POST.
    let monitor = h.monitor().await?;
    let start = Instant::now();
    let shape = Shape::OnePerPost { earlier_sends: earlier.clone() };
    let mut one = pump(&h, &t, &c, "one", start + Duration::from_secs(secs), None, 5000, &monitor.errors, shape).await;
    let (delivered1, lost1, dups1, done1) = verify(&h, &c, "one", &one.wamids, Duration::from_secs(120)).await?;
    let usage1 = monitor.finish().await;
    let elapsed1 = done1.duration_since(start).as_secs_f64();
    let one_msgs = delivered1 as f64 / elapsed1;
    let one_posts = one.posts as f64 / elapsed1;
    let mut e2e1 = c.e2e_ms.lock().map(|mut v| std::mem::take(&mut *v)).unwrap_or_default();
    println!("  one per POST: {delivered1} messages in {elapsed1:.1}s → {one_msgs:.0} msgs/s, {one_posts:.0} POST/s (lost {lost1}, duplicated {dups1})");

    // `BATCH` messages per POST.
    let monitor = h.monitor().await?;
    let start = Instant::now();
    let mut sent = pump(&h, &t, &c, "in", start + Duration::from_secs(secs), None, 5000, &monitor.errors, Shape::Batched).await;
    let (delivered, lost, dups, done) = verify(&h, &c, "in", &sent.wamids, Duration::from_secs(120)).await?;
    if let Some(why) = c.closed_because() {
        monitor.errors.record(format!("the server closed the agent socket ({why})"));
    }
    let usage = monitor.finish().await;
    let elapsed = done.duration_since(start).as_secs_f64();
    let msgs_per_s = delivered as f64 / elapsed;
    let posts_per_s = sent.posts as f64 / elapsed;
    println!("  {BATCH} per POST: {delivered} messages in {elapsed:.1}s → {msgs_per_s:.0} msgs/s (lost {lost}, duplicated {dups})");
    let mut e2e = c.e2e_ms.lock().map(|v| v.clone()).unwrap_or_default();
    Ok(json!({
        "figures": {"msgs_per_s": round(one_msgs), "webhook_posts_per_s": round(one_posts), "messages_per_post": 1,
                    "ack_p50_ms": round(pct(&mut one.ack_ms, 50.0)), "ack_p99_ms": round(pct(&mut one.ack_ms, 99.0)),
                    "e2e_p50_ms": round(pct(&mut e2e1, 50.0)), "e2e_p99_ms": round(pct(&mut e2e1, 99.0)),
                    "batched": {"msgs_per_s": round(msgs_per_s), "webhook_posts_per_s": round(posts_per_s), "messages_per_post": BATCH,
                                "ack_p50_ms": round(pct(&mut sent.ack_ms, 50.0)), "ack_p99_ms": round(pct(&mut sent.ack_ms, 99.0)),
                                "e2e_p50_ms": round(pct(&mut e2e, 50.0)), "e2e_p99_ms": round(pct(&mut e2e, 99.0))}},
        "ceilings": {"http_one_per_post_rps": round(http_one_rps), "http_rps": round(http_rps), "postgres_rows_per_s": round(pg_rows)},
        "ratios": {"msgs_vs_http_one_per_post": round(one_msgs / http_one_rps.max(1.0)),
                   "batched_msgs_vs_postgres_rows": round(msgs_per_s / pg_rows.max(1.0)), "batched_posts_vs_http": round(posts_per_s / http_rps.max(1.0))},
        "resources": {"load": usage1.to_json(), "batched": usage.to_json(), "http_one_per_post_ceiling": ceiling_usage.to_json()},
        "lost": lost1 + lost, "duplicated": dups1 + dups,
    }))
}

/// Customers the latency scenario's traffic comes from.
const LATENCY_CUSTOMERS: usize = 5000;

/// `latency`: ack and end-to-end latency at fixed rates, on a warm tenant
/// (every customer has written once before the clock starts).
pub async fn latency(h: Arc<Harness>, secs: u64, rates: &[f64]) -> anyhow::Result<Value> {
    let t = h.tenant("Latency", "900000000000002", 80).await?;
    let c = collector(&h, &t.token, None).await?;
    let warm: Vec<String> = (0..LATENCY_CUSTOMERS).map(|i| format!("wamid.warm.{i}")).collect();
    for (n, chunk) in warm.chunks(100).enumerate() {
        let msgs = chunk.iter().enumerate().map(|(i, w)| message(&format!("1555{:07}", n * 100 + i), w, 3)).collect();
        h.post_webhook(webhook(&t.phone_number_id, msgs, vec![])).await?;
    }
    let (_, lost, dups, _) = verify(&h, &c, "warm", &warm, Duration::from_secs(120)).await?;
    let mut figures = serde_json::Map::new();
    let mut resources = serde_json::Map::new();
    let (mut lost_all, mut dup_all) = (lost, dups);
    for &rate in rates {
        if let Ok(mut v) = c.e2e_ms.lock() {
            v.clear();
        }
        let tag = format!("lat{}", rate as u64);
        let monitor = h.monitor().await?;
        let start = Instant::now();
        let mut sent =
            pump(&h, &t, &c, &tag, start + Duration::from_secs(secs), Some(rate), LATENCY_CUSTOMERS, &monitor.errors, Shape::Batched).await;
        let (delivered, lost, dups, _) = verify(&h, &c, &tag, &sent.wamids, Duration::from_secs(60)).await?;
        if let Some(why) = c.closed_because() {
            monitor.errors.record(format!("the server closed the agent socket ({why})"));
        }
        let usage = monitor.finish().await;
        lost_all += lost;
        dup_all += dups;
        let mut e2e = c.e2e_ms.lock().map(|v| v.clone()).unwrap_or_default();
        let achieved = delivered as f64 / secs as f64;
        println!(
            "  {rate} msg/s: achieved {achieved:.0}, ack p99 {:.1} ms, e2e p99 {:.1} ms",
            pct(&mut sent.ack_ms, 99.0),
            pct(&mut e2e, 99.0)
        );
        let key = format!("rate_{}", rate as u64);
        figures.insert(key.clone(), json!({
            "target_msgs_per_s": rate, "achieved_msgs_per_s": round(achieved),
            "ack_p50_ms": round(pct(&mut sent.ack_ms, 50.0)), "ack_p99_ms": round(pct(&mut sent.ack_ms, 99.0)), "ack_p999_ms": round(pct(&mut sent.ack_ms, 99.9)),
            "e2e_p50_ms": round(pct(&mut e2e, 50.0)), "e2e_p99_ms": round(pct(&mut e2e, 99.0)), "e2e_p999_ms": round(pct(&mut e2e, 99.9)),
        }));
        // The highest rate is the phase the goals are judged on.
        resources.insert("load".into(), usage.to_json());
        resources.insert(key, usage.to_json());
    }
    Ok(json!({"figures": figures, "ceilings": {}, "ratios": {}, "resources": resources, "lost": lost_all, "duplicated": dup_all}))
}

/// Agent sessions per tenant in the sockets scenario: the sessions are
/// spread over tenants of this size, as a fleet's are.
const AGENTS_PER_TENANT: usize = 1000;

/// `sockets`: concurrent agent sessions (spread over tenants of 1,000
/// agents), server memory per session, and the fan-out of one message to
/// the 1,000 agents of a tenant while all the other sessions stay connected.
pub async fn sockets(h: Arc<Harness>, steps: &[usize]) -> anyhow::Result<Value> {
    let mut tenants: Vec<Tenant> = Vec::new();
    for k in 0..steps.iter().copied().max().unwrap_or(0).div_ceil(AGENTS_PER_TENANT) {
        tenants.push(h.tenant(&format!("Sockets {k}"), &format!("9000000003{k:05}"), 80).await?);
    }
    let t = tenants.first().cloned().context("no sessions asked for")?;
    let sources: Vec<std::net::IpAddr> = (1..=4).map(|i| std::net::IpAddr::from([127, 0, 0, i])).collect();
    let mut all: Vec<Arc<Collector>> = Vec::new();
    let mut per_session = serde_json::Map::new();
    let base_rss = h.server_rss_kib();
    let opening = h.monitor().await?;
    let mut worst_kib: f64 = 0.0;
    for &target in steps {
        let before = h.server_rss_kib();
        let added = target.saturating_sub(all.len());
        let pb = progress(added as u64, &format!("opening {target} sessions"));
        let mut opened = Vec::new();
        for chunk in (all.len()..target).collect::<Vec<_>>().chunks(200) {
            let futs = chunk.iter().map(|i| collector(&h, &tenants[i / AGENTS_PER_TENANT].token, Some(sources[i % sources.len()])));
            for r in futures::future::join_all(futs).await {
                match r {
                    Ok(c) => opened.push(c),
                    Err(e) => opening.errors.record(format!("agent session: {e}")),
                }
            }
            pb.set_position(opened.len() as u64);
        }
        pb.finish_and_clear();
        all.extend(opened);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let after = h.server_rss_kib();
        let kib = (after.saturating_sub(before)) as f64 / added.max(1) as f64;
        println!("  {} sessions: server RSS {} MiB, {:.1} KiB per added session", all.len(), after / 1024, kib);
        worst_kib = worst_kib.max(kib);
        per_session.insert(all.len().to_string(), json!({"server_rss_mib": round(after as f64 / 1024.0), "kib_per_session": round(kib)}));
    }
    let opening = opening.finish().await;
    // Fan-out of one message to the first tenant's 1,000 sessions.
    let fanout = h.monitor().await?;
    let fan: Vec<Arc<Collector>> = all.iter().take(AGENTS_PER_TENANT).cloned().collect();
    // The tenant's first message ever (its caches cold) and a new
    // customer's first message (which also creates the contact and the
    // conversation) are timed apart, so that the fan-out figures are of a
    // conversation that exists, as nearly all are.
    let mut tenant_first_ms = Vec::new();
    fan_out_one(&h, &t, &fan, "15559990000", "wamid.fan.first", &mut tenant_first_ms).await?;
    let mut fan_ms = Vec::new();
    for i in 0..20 {
        fan_out_one(&h, &t, &fan, "15559990000", &format!("wamid.fan.{i}"), &mut fan_ms).await?;
    }
    let mut first_contact_ms = Vec::new();
    for k in 1..=5 {
        fan_out_one(&h, &t, &fan, &format!("1555999{k:04}"), &format!("wamid.fan.new.{k}"), &mut first_contact_ms).await?;
    }
    // Fan-out throughput: a burst of messages to the same 1,000 sessions,
    // against the no-op broadcaster's frames/s.
    let before: u64 = fan.iter().map(|c| c.frames.load(Ordering::Relaxed)).sum();
    let start = Instant::now();
    let burst: Vec<String> = (0..200).map(|i| format!("wamid.burst.{i}")).collect();
    for chunk in burst.chunks(25) {
        h.post_webhook(webhook(
            &t.phone_number_id,
            chunk.iter().enumerate().map(|(i, w)| message(&format!("1555888{i:04}"), w, 3)).collect(),
            vec![],
        ))
        .await?;
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while fan.iter().any(|c| !burst.iter().all(|w| c.seen.contains_key(w))) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let fan_frames: u64 = fan.iter().map(|c| c.frames.load(Ordering::Relaxed)).sum::<u64>() - before;
    let fan_rate = fan_frames as f64 / start.elapsed().as_secs_f64();
    let ceiling = ws_ceiling(&h, &t, &fan, 200, 600).await?;
    let fanout = fanout.finish().await;
    let lost = fan.iter().map(|c| burst.iter().filter(|w| !c.seen.contains_key(w.as_str())).count() as u64).sum::<u64>();
    let duplicated: u64 =
        fan.iter().map(|c| burst.iter().filter_map(|w| c.seen.get(w.as_str()).map(|n| u64::from(n.saturating_sub(1)))).sum::<u64>()).sum();
    // The sessions goal is judged on the opening phase, the rest on fan-out.
    let load = if all.len() < steps.iter().copied().max().unwrap_or(0) { opening.to_json() } else { fanout.to_json() };
    Ok(json!({
        "figures": {"sessions": all.len(), "kib_per_session": round(worst_kib), "per_step": per_session, "server_rss_mib_idle": round(base_rss as f64 / 1024.0),
                    "fanout_1000_p50_ms": round(pct(&mut fan_ms.clone(), 50.0)), "fanout_1000_p99_ms": round(pct(&mut fan_ms, 99.0)),
                    "fanout_1000_tenant_first_p50_ms": round(pct(&mut tenant_first_ms, 50.0)),
                    "fanout_1000_first_contact_p50_ms": round(pct(&mut first_contact_ms.clone(), 50.0)),
                    "fanout_1000_first_contact_p99_ms": round(pct(&mut first_contact_ms, 99.0)),
                    "fanout_frames_per_s": round(fan_rate)},
        "ceilings": {"ws_noop_frames_per_s": round(ceiling)},
        "ratios": {"fanout_vs_noop": round(fan_rate / ceiling.max(1.0))},
        "resources": {"load": load, "opening_sessions": opening.to_json(), "fanout": fanout.to_json()},
        "lost": lost, "duplicated": duplicated,
    }))
}

/// Posts one message from `customer` and records, for each of the `fan`
/// sessions, how long after the POST began it saw the message.
async fn fan_out_one(
    h: &Harness,
    t: &Tenant,
    fan: &[Arc<Collector>],
    customer: &str,
    wamid: &str,
    ms: &mut Vec<f64>,
) -> anyhow::Result<()> {
    let start = Instant::now();
    h.post_webhook(webhook(&t.phone_number_id, vec![message(customer, wamid, 3)], vec![])).await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut pending: Vec<&Arc<Collector>> = fan.iter().collect();
    while !pending.is_empty() && Instant::now() < deadline {
        pending.retain(|c| {
            if c.seen.contains_key(wamid) {
                ms.push(start.elapsed().as_secs_f64() * 1000.0);
                false
            } else {
                true
            }
        });
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok(())
}

/// `actors`: many conversations touched; memory per live conversation
/// actor; passivation and rehydration rates.
pub async fn actors(h: Arc<Harness>, conversations: usize, idle_secs: u64) -> anyhow::Result<Value> {
    let t = h.tenant("Actors", "900000000000004", 80).await?;
    let c = Arc::new(Collector::default());
    let rss_before = h.server_rss_kib();
    let live_before = h.metric("whatsflow_conversations_live").await;
    let touch = |round_: usize| {
        let (h, t) = (h.clone(), t.clone());
        async move {
            let pb = progress(conversations as u64, &format!("touching (pass {round_})"));
            let next = Arc::new(AtomicU64::new(0));
            let mut tasks = Vec::new();
            for _ in 0..8 {
                let (h, t, next, pb) = (h.clone(), t.clone(), next.clone(), pb.clone());
                tasks.push(tokio::spawn(async move {
                    loop {
                        let start = next.fetch_add(100, Ordering::Relaxed) as usize;
                        if start >= conversations {
                            break;
                        }
                        let msgs: Vec<Value> = (start..(start + 100).min(conversations))
                            .map(|i| message(&format!("1{:010}", 4_000_000_000u64 + i as u64), &format!("wamid.act{round_}.{i}"), 3))
                            .collect();
                        let n = msgs.len() as u64;
                        while h.post_webhook(webhook(&t.phone_number_id, msgs.clone(), vec![])).await.is_err() {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        pb.inc(n);
                    }
                }));
            }
            futures::future::join_all(tasks).await;
            pb.finish_and_clear();
        }
    };
    let monitor = h.monitor().await?;
    let start = Instant::now();
    touch(1).await;
    let target = conversations as f64;
    while h.metric("whatsflow_messages_stored_total").await < target {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let first_pass = start.elapsed().as_secs_f64();
    let first_pass_usage = monitor.finish().await;
    let live = h.metric("whatsflow_conversations_live").await - live_before;
    // Memory per actor is exact only if none was passivated yet (freed
    // memory stays with the allocator, so RSS would be shared by fewer).
    let passivated_early = h.metric("whatsflow_conversations_passivated_total").await;
    if passivated_early > 0.0 {
        println!("  note: {passivated_early} actors idled out during the first pass; raise --idle for an exact bytes-per-actor");
    }
    let rss_after = h.server_rss_kib();
    let per_actor_bytes = (rss_after.saturating_sub(rss_before)) as f64 * 1024.0 / live.max(1.0);
    println!("  {conversations} conversations in {first_pass:.1}s; {live} live actors; {:.0} bytes each", per_actor_bytes);
    // Passivation: every actor idles out.
    let idle_start = Instant::now();
    let mut first_passivated = None;
    let deadline = Instant::now() + Duration::from_secs(idle_secs * 3 + 300);
    loop {
        let passivated = h.metric("whatsflow_conversations_passivated_total").await;
        if passivated > 0.0 && first_passivated.is_none() {
            first_passivated = Some(Instant::now());
        }
        if passivated >= target || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let passivated = h.metric("whatsflow_conversations_passivated_total").await;
    let passivation_rate = passivated / first_passivated.map_or(1.0, |t| t.elapsed().as_secs_f64().max(0.001));
    println!("  passivated {passivated} after {:.1}s idle", idle_start.elapsed().as_secs_f64());
    // Rehydration: every conversation touched again.
    let monitor = h.monitor().await?;
    let start = Instant::now();
    touch(2).await;
    while h.metric("whatsflow_messages_stored_total").await < target * 2.0 {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let rehydration_rate = target / start.elapsed().as_secs_f64();
    let rehydration_usage = monitor.finish().await;
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&h.db_url).await?;
    let (rows, distinct): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT wamid) FROM messages WHERE wamid LIKE 'wamid.act%'").fetch_one(&pool).await?;
    let convs: i64 = sqlx::query_scalar("SELECT count(*) FROM conversations").fetch_one(&pool).await?;
    drop(c);
    Ok(json!({
        "figures": {"conversations": conversations, "first_pass_msgs_per_s": round(target / first_pass), "live_actors": live,
                    "bytes_per_live_actor": round(per_actor_bytes), "passivation_per_s": round(passivation_rate), "rehydration_per_s": round(rehydration_rate),
                    "conversations_in_db": convs, "passivated_during_first_pass": passivated_early, "rss_mib_after_first_pass": round(rss_after as f64 / 1024.0)},
        "ceilings": {}, "ratios": {},
        "resources": {"load": first_pass_usage.to_json(), "rehydration": rehydration_usage.to_json()},
        "lost": (2 * conversations as i64 - distinct).max(0), "duplicated": rows - distinct,
    }))
}

/// `flows`: many concurrent runs; node steps per second.
pub async fn flows(h: Arc<Harness>, runs: usize) -> anyhow::Result<Value> {
    let t = h.tenant("Flows", "900000000000005", 1000).await?;
    let flow: Value = h.http.post(format!("{}/api/v1/flows", h.base)).bearer_auth(&t.token)
        .json(&json!({"name": "bench", "trigger_type": "keyword", "trigger_value": "go", "flow_data": {"nodes": [
            {"id": "a", "type": "set_field", "data": {"start": true, "field": "stage", "value": "one"}},
            {"id": "b", "type": "condition", "data": {"rules": [{"field": "contact.fields.stage", "operator": "equals", "value": "one", "handle": "yes"}]}},
            {"id": "c", "type": "message", "data": {"text": "Your order number?"}},
            {"id": "d", "type": "input", "data": {"prompt": "Order number please", "variable": "order", "validation": "number"}},
            {"id": "e", "type": "tag", "data": {"add": ["bench"]}},
            {"id": "f", "type": "end", "data": {}}
        ], "edges": [{"id": "1", "source": "a", "target": "b"}, {"id": "2", "source": "b", "target": "c", "sourceHandle": "yes"}, {"id": "3", "source": "b", "target": "f", "sourceHandle": "else"},
                     {"id": "4", "source": "c", "target": "d"}, {"id": "5", "source": "d", "target": "e", "sourceHandle": "ok"}, {"id": "6", "source": "e", "target": "f"}]}}))
        .send().await?.error_for_status()?.json().await?;
    let id = flow["id"].as_str().context("flow id")?.to_owned();
    h.http
        .patch(format!("{}/api/v1/flows/{id}/status", h.base))
        .bearer_auth(&t.token)
        .json(&json!({"status": "active"}))
        .send()
        .await?
        .error_for_status()?;
    seed_history(&h, &t).await?;
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&h.db_url).await?;
    seed_flow_history(&pool, &t, &id).await?;
    let say = |text: &'static str, tag: &'static str| {
        let (h, t) = (h.clone(), t.clone());
        async move {
            let mut tasks = Vec::new();
            for chunk in (0..runs).collect::<Vec<_>>().chunks(100).map(|c| c.to_vec()) {
                let (h, t) = (h.clone(), t.clone());
                tasks.push(tokio::spawn(async move {
                    let msgs: Vec<Value> = chunk
                        .iter()
                        .map(|i| {
                            json!({"from": format!("1{:010}", 5_000_000_000u64 + *i as u64), "id": format!("wamid.{tag}.{i}"),
                        "timestamp": chrono::Utc::now().timestamp().to_string(), "type": "text", "text": {"body": text}})
                        })
                        .collect();
                    while h.post_webhook(webhook(&t.phone_number_id, msgs.clone(), vec![])).await.is_err() {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }));
            }
            futures::future::join_all(tasks).await;
        }
    };
    // The phase's runs are those started from now on (the history's are months old).
    let since: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("SELECT now()").fetch_one(&pool).await?;
    let monitor = h.monitor().await?;
    let start = Instant::now();
    say("go", "fgo").await;
    let wait_for = |status: &'static str| {
        let pool = pool.clone();
        async move {
            let pb = progress(runs as u64, &format!("runs {status}"));
            let deadline = Instant::now() + Duration::from_secs(600);
            loop {
                let n: i64 = sqlx::query_scalar("SELECT count(*) FROM flow_runs WHERE status = $1 AND started_at >= $2")
                    .bind(status)
                    .bind(since)
                    .fetch_one(&pool)
                    .await
                    .unwrap_or(0);
                pb.set_position(n as u64);
                if n as usize >= runs || Instant::now() > deadline {
                    pb.finish_and_clear();
                    return n;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    let waiting = wait_for("waiting").await;
    let concurrent: i64 = sqlx::query_scalar("SELECT count(*) FROM flow_runs WHERE status IN ('running', 'waiting') AND started_at >= $1")
        .bind(since)
        .fetch_one(&pool)
        .await?;
    say("4821", "fans").await;
    let completed = wait_for("completed").await;
    let elapsed = start.elapsed().as_secs_f64();
    let usage = monitor.finish().await;
    let steps: i64 = sqlx::query_scalar("SELECT COALESCE(sum(step), 0)::bigint FROM flow_runs WHERE started_at >= $1")
        .bind(since)
        .fetch_one(&pool)
        .await?;
    let bot: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE sent_by->>'kind' = 'flow'").fetch_one(&pool).await?;
    let distinct_bot: i64 =
        sqlx::query_scalar("SELECT count(DISTINCT client_id) FROM messages WHERE sent_by->>'kind' = 'flow'").fetch_one(&pool).await?;
    println!("  {runs} runs: {waiting} waited at once, {completed} completed, {steps} node steps in {elapsed:.1}s");
    Ok(json!({
        "figures": {"runs": runs, "concurrent_runs": concurrent, "completed": completed, "node_steps": steps, "node_steps_per_s": round(steps as f64 / elapsed), "bot_messages": bot},
        "ceilings": {}, "ratios": {},
        "resources": {"load": usage.to_json()},
        "lost": (runs as i64 - completed).max(0), "duplicated": bot - distinct_bot,
    }))
}

/// When the simulator received each send, by our message id.
async fn sim_arrivals(h: &Harness) -> anyhow::Result<std::collections::HashMap<String, chrono::DateTime<chrono::Utc>>> {
    let base = h.sim_base.trim_end_matches("/v23.0");
    let v: Value = h.http.get(format!("{base}/__sim/requests")).send().await?.json().await?;
    Ok(v["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|r| {
            let id = r["body"]["biz_opaque_callback_data"].as_str()?.to_owned();
            let at = r["at"].as_str().and_then(|a| chrono::DateTime::parse_from_rfc3339(a).ok())?.with_timezone(&chrono::Utc);
            Some((id, at))
        })
        .collect())
}

/// Twenty customers (phones `prefix` + 4 digits) write first, so their
/// windows are open for live replies; their conversations' ids.
async fn open_windows(h: &Harness, t: &Tenant, prefix: &str) -> anyhow::Result<Vec<String>> {
    h.post_webhook(webhook(
        &t.phone_number_id,
        (0..20).map(|i| message(&format!("{prefix}{i:04}"), &format!("wamid.open.{prefix}.{i}"), 3)).collect(),
        vec![],
    ))
    .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let convs: Value = h.http.get(format!("{}/api/v1/conversations?limit=100", h.base)).bearer_auth(&t.token).send().await?.json().await?;
    Ok(convs["data"].as_array().cloned().unwrap_or_default().iter().filter_map(|c| c["id"].as_str().map(str::to_owned)).collect())
}

/// `outbound`: sends through the per-number rate limiter; achieved rate
/// against the configured one; live-reply latency while bulk traffic
/// saturates the same number.
pub async fn outbound(h: Arc<Harness>, secs: u64, mps: u32) -> anyhow::Result<Value> {
    let t = h.tenant("Outbound", "900000000000006", mps).await?;
    let ids = open_windows(&h, &t, "1666000").await?;
    let send = |conv: String, body: &'static str| {
        let (h, t) = (h.clone(), t.clone());
        async move {
            let started = chrono::Utc::now();
            let r: Value = h
                .http
                .post(format!("{}/api/v1/conversations/{conv}/messages", h.base))
                .bearer_auth(&t.token)
                .json(&json!({"type": "text", "text": {"body": body}}))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            Some((r["id"].as_str()?.to_owned(), started))
        }
    };
    // 1. The achieved rate with the number saturated by live sends.
    let monitor = h.monitor().await?;
    let total = (mps as u64 * secs) as usize;
    let futs = (0..total).map(|i| send(ids[i % ids.len()].clone(), "rate test"));
    let sent: Vec<(String, chrono::DateTime<chrono::Utc>)> = futures::future::join_all(futs).await.into_iter().flatten().collect();
    for _ in sent.len()..total {
        monitor.errors.record("an agent send was refused or failed");
    }
    let deadline = Instant::now() + Duration::from_secs(secs * 3 + 30);
    let mut arrivals = sim_arrivals(&h).await?;
    while sent.iter().any(|(id, _)| !arrivals.contains_key(id)) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        arrivals = sim_arrivals(&h).await?;
    }
    let mut times: Vec<chrono::DateTime<chrono::Utc>> = sent.iter().filter_map(|(id, _)| arrivals.get(id).copied()).collect();
    times.sort();
    let achieved = match (times.first(), times.last()) {
        (Some(a), Some(b)) if times.len() > 1 => (times.len() - 1) as f64 / ((*b - *a).num_microseconds().unwrap_or(1) as f64 / 1e6),
        _ => 0.0,
    };
    let lost = (sent.len() - times.len()) as u64;
    let usage = monitor.finish().await;
    // 2. Live-reply latency alone, then under bulk (flow) traffic.
    let live = |n: usize| {
        let ids = ids.clone();
        async move {
            let mut out = Vec::new();
            for i in 0..n {
                if let Some(s) = send(ids[i % ids.len()].clone(), "live reply").await {
                    out.push(s);
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            out
        }
    };
    let latencies = |sent: Vec<(String, chrono::DateTime<chrono::Utc>)>| {
        let h = h.clone();
        async move {
            tokio::time::sleep(Duration::from_secs(3)).await;
            let arrivals = sim_arrivals(&h).await.unwrap_or_default();
            sent.iter()
                .filter_map(|(id, at)| arrivals.get(id).map(|a| (*a - *at).num_microseconds().unwrap_or(0) as f64 / 1000.0))
                .collect::<Vec<f64>>()
        }
    };
    let mut alone = latencies(live(20).await).await;
    let flow: Value = h.http.post(format!("{}/api/v1/flows", h.base)).bearer_auth(&t.token)
        .json(&json!({"name": "bulk", "trigger_type": "keyword", "trigger_value": "promo", "flow_data": {"nodes": [{"id": "a", "type": "message", "data": {"start": true, "text": "bulk promo"}}], "edges": []}}))
        .send().await?.error_for_status()?.json().await?;
    let fid = flow["id"].as_str().context("flow id")?.to_owned();
    h.http
        .patch(format!("{}/api/v1/flows/{fid}/status", h.base))
        .bearer_auth(&t.token)
        .json(&json!({"status": "active"}))
        .send()
        .await?
        .error_for_status()?;
    let bulk = (mps as usize) * (secs as usize).max(10);
    for chunk in (0..bulk).collect::<Vec<_>>().chunks(100) {
        let msgs: Vec<Value> = chunk.iter().map(|i| json!({"from": format!("1777{:07}", i), "id": format!("wamid.promo.{i}"), "timestamp": chrono::Utc::now().timestamp().to_string(), "type": "text", "text": {"body": "promo"}})).collect();
        h.post_webhook(webhook(&t.phone_number_id, msgs, vec![])).await?;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut loaded = latencies(live(20).await).await;
    let (p99_alone, p99_loaded) = (pct(&mut alone, 99.0), pct(&mut loaded, 99.0));
    println!("  achieved {achieved:.2} msg/s of {mps}; live reply p99 {p99_alone:.0} ms alone, {p99_loaded:.0} ms under bulk");
    Ok(json!({
        "figures": {"configured_mps": mps, "achieved_mps": round(achieved), "rate_error_pct": round((achieved / f64::from(mps) - 1.0) * 100.0),
                    "rate_error_abs_pct": round(((achieved / f64::from(mps) - 1.0) * 100.0).abs()),
                    "live_reply_p50_ms_alone": round(pct(&mut alone, 50.0)), "live_reply_p99_ms_alone": round(p99_alone),
                    "live_reply_p50_ms_under_bulk": round(pct(&mut loaded, 50.0)), "live_reply_p99_ms_under_bulk": round(p99_loaded),
                    "live_reply_p99_rise_pct": round((p99_loaded / p99_alone.max(0.001) - 1.0) * 100.0), "bulk_messages": bulk},
        "ceilings": {"configured_mps": mps}, "ratios": {"achieved_vs_configured": round(achieved / f64::from(mps))},
        "resources": {"load": usage.to_json()},
        "lost": lost, "duplicated": 0,
    }))
}

/// `campaign`: a broadcast to `recipients` contacts on one number at `mps`
/// (the number's rate; live replies keep their reserve) while live
/// conversations go on. Measures, at the simulator: the achieved rate
/// against the configured one and the busiest second; live-reply latency
/// during the campaign against idle; sends counted twice after the server
/// is killed with SIGKILL a third of the way in and restarted (must be 0);
/// the time from pause to the last send; and whether the stats equal the
/// per-recipient rows.
pub async fn campaign(h: Arc<Harness>, recipients: usize, mps: u32) -> anyhow::Result<Value> {
    let t = h.tenant("Campaign", "900000000000007", mps).await?;
    h.http.post(format!("{}/api/v1/templates/sync", h.base)).bearer_auth(&t.token).send().await?.error_for_status()?;
    // A platform in use, not a new installation's first minutes (see
    // `seed_history`): the campaign's sends are planned against tables of
    // the size a live database has.
    seed_history(&h, &t).await?;
    // The audience, imported as CSV (at most 100,000 rows per file).
    let bar = progress(recipients as u64, "importing the audience");
    for chunk in (0..recipients).collect::<Vec<_>>().chunks(100_000) {
        let mut csv = String::from("phone,name,tags\n");
        for i in chunk {
            csv.push_str(&format!("+91700{i:07},Customer {i},blast\n"));
        }
        h.http
            .post(format!("{}/api/v1/contacts/import", h.base))
            .bearer_auth(&t.token)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await?
            .error_for_status()?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    // Live customers with open windows, and their replies' latency.
    let ids = open_windows(&h, &t, "1666100").await?;
    let live = |n: usize| {
        let (h, t, ids) = (h.clone(), t.clone(), ids.clone());
        async move {
            let mut sent = Vec::new();
            for i in 0..n {
                let started = chrono::Utc::now();
                let r: Option<Value> = async {
                    h.http
                        .post(format!("{}/api/v1/conversations/{}/messages", h.base, ids[i % ids.len()]))
                        .bearer_auth(&t.token)
                        .json(&json!({"type": "text", "text": {"body": "live reply"}}))
                        .send()
                        .await
                        .ok()?
                        .json()
                        .await
                        .ok()
                }
                .await;
                if let Some(id) = r.as_ref().and_then(|r| r["id"].as_str()) {
                    sent.push((id.to_owned(), started));
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            tokio::time::sleep(Duration::from_secs(3)).await;
            let arrivals = sim_arrivals(&h).await.unwrap_or_default();
            sent.iter()
                .filter_map(|(id, at)| arrivals.get(id).map(|a| (*a - *at).num_microseconds().unwrap_or(0) as f64 / 1000.0))
                .collect::<Vec<f64>>()
        }
    };
    let mut idle = live(20).await;

    let created: Value = h
        .http
        .post(format!("{}/api/v1/campaigns", h.base))
        .bearer_auth(&t.token)
        .json(
            &json!({"name": "Bench blast", "channel_id": channel_id(&h, &t).await?, "template": {"name": "spring_sale", "language": "en"},
            "variables": {"body": [{"field": "contact.name"}, {"value": "20%"}]}, "audience": {"tags": ["blast"]}, "rate_mps": mps}),
        )
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let id = created["id"].as_str().context("campaign id")?.to_owned();
    let action = |what: &'static str| {
        let (h, t, id) = (h.clone(), t.clone(), id.clone());
        async move {
            h.http.post(format!("{}/api/v1/campaigns/{id}/{what}", h.base)).bearer_auth(&t.token).send().await?.error_for_status()?;
            anyhow::Ok(())
        }
    };
    // Where the machine's time goes while the campaign sends (until the
    // kill: the monitor follows one server process).
    let monitor = h.monitor().await?;
    let started = Instant::now();
    action("start").await?;
    let sends = || h.sim_template_send_count();
    // Live replies while the campaign runs.
    let during = tokio::spawn(live(20));
    let wait_for = |n: usize, what: &'static str| async move {
        let deadline = Instant::now() + Duration::from_secs(600);
        while sends() < n {
            if Instant::now() > deadline {
                anyhow::bail!("{what}: only {} of {n} sends after 600 s", sends());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::Ok(())
    };
    wait_for(recipients / 3, "a third").await?;
    let before_kill = h.sim_template_sends();
    let usage = monitor.finish().await;
    h.kill_and_restart().await?;
    wait_for(recipients * 2 / 3, "two thirds").await?;
    action("pause").await?;
    let paused_at = chrono::Utc::now().timestamp_millis();
    let mut last = sends();
    let mut quiet_since = Instant::now();
    while quiet_since.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if sends() != last {
            last = sends();
            quiet_since = Instant::now();
        }
    }
    let last_after_pause = h.sim_template_sends().iter().map(|(_, at)| *at).max().unwrap_or(paused_at);
    let pause_to_last_ms = (last_after_pause - paused_at).max(0);
    action("resume").await?;
    let deadline = Instant::now() + Duration::from_secs(900);
    let stats = loop {
        let v: Value = h.http.get(format!("{}/api/v1/campaigns/{id}", h.base)).bearer_auth(&t.token).send().await?.json().await?;
        if v["status"] == "completed" {
            break v["stats"].clone();
        }
        if Instant::now() > deadline {
            anyhow::bail!("the campaign did not complete: {}", v["stats"]);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let elapsed = started.elapsed();
    let mut during = during.await.unwrap_or_default();

    // Sends caught by the kill whose outcome is unknown: never resent
    // blindly; they wait for Meta's statuses (then `unconfirmed`). Read
    // before the simulator's sends are: the outbox may still send some of
    // them meanwhile, and each then counts once, as sent, never as lost.
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&h.db_url).await?;
    let doubtful: Vec<String> = sqlx::query_scalar(
        "SELECT regexp_replace(COALESCE(r.phone, k.phone, ''), '[^0-9]', '', 'g') FROM campaign_recipients r
         JOIN messages m ON m.id = r.message_id LEFT JOIN contacts k ON k.id = r.contact_id
         WHERE r.campaign_id = $1 AND m.status IN ('pending', 'unconfirmed')",
    )
    .bind(uuid::Uuid::parse_str(&id)?)
    .fetch_all(&pool)
    .await?;
    let in_doubt = doubtful.len();
    let all = h.sim_template_sends();
    let distinct: std::collections::HashSet<String> = all.iter().map(|(to, _)| to.chars().filter(char::is_ascii_digit).collect()).collect();
    let duplicated = all.len() - distinct.len();
    let lost = recipients.saturating_sub(distinct.union(&doubtful.iter().cloned().collect()).count());
    // The rate, in the first phase (before the kill): sends over their span.
    let achieved = match (before_kill.first(), before_kill.last()) {
        (Some(a), Some(b)) if before_kill.len() > 1 && b.1 > a.1 => (before_kill.len() - 1) as f64 / ((b.1 - a.1) as f64 / 1000.0),
        _ => 0.0,
    };
    let mut per_second = std::collections::BTreeMap::<i64, usize>::new();
    for (_, at) in &all {
        *per_second.entry(at / 1000).or_default() += 1;
    }
    let busiest_second = per_second.values().copied().max().unwrap_or(0);
    // The counts add up and match the rows.
    let parts = ["skipped", "pending", "sending", "accepted", "sent", "delivered", "read", "failed", "unconfirmed", "cancelled"];
    let sum: i64 = parts.iter().map(|p| stats[*p].as_i64().unwrap_or(0)).sum();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM campaign_recipients WHERE campaign_id = $1")
        .bind(uuid::Uuid::parse_str(&id)?)
        .fetch_one(&pool)
        .await?;
    let doubt: Vec<(String, bool, bool, i64)> = sqlx::query_as(
        "SELECT m.status, m.send_attempted_at IS NOT NULL, m.wamid IS NOT NULL, count(*) FROM campaign_recipients r JOIN messages m ON m.id = r.message_id
         WHERE r.campaign_id = $1 AND m.status IN ('pending', 'unconfirmed') GROUP BY 1, 2, 3",
    )
    .bind(uuid::Uuid::parse_str(&id)?)
    .fetch_all(&pool)
    .await?;
    for (status, attempted, wamid, n) in &doubt {
        println!("  in doubt: {n} {status} (attempted {attempted}, wamid {wamid})");
    }
    pool.close().await;
    let stats_match_rows = sum == rows && stats["audience"].as_i64() == Some(rows);
    let (p99_idle, p99_during) = (pct(&mut idle, 99.0), pct(&mut during, 99.0));
    println!(
        "  {recipients} recipients in {:.1} s; {achieved:.0} msg/s of {mps} before the kill; busiest second {busiest_second}; \
         live reply p99 {p99_idle:.0} ms idle, {p99_during:.0} ms during; pause → last send {pause_to_last_ms} ms; \
         duplicated {duplicated}; in doubt after the kill {in_doubt}; stats match rows: {stats_match_rows}",
        elapsed.as_secs_f64()
    );
    Ok(json!({
        "figures": {"recipients": recipients, "configured_mps": mps, "achieved_mps": round(achieved), "busiest_second": busiest_second,
                    "live_reply_p99_ms_idle": round(p99_idle), "live_reply_p99_ms_during": round(p99_during),
                    "pause_to_last_send_ms": pause_to_last_ms, "sends_counted_twice_after_kill": duplicated,
                    "in_doubt_after_kill": in_doubt,
                    "stats_match_rows": stats_match_rows, "total_seconds": round(elapsed.as_secs_f64())},
        "ceilings": {"configured_mps": mps},
        "ratios": {"achieved_vs_configured": round(achieved / f64::from(mps)), "busiest_second_vs_configured": round(busiest_second as f64 / f64::from(mps))},
        "resources": {"load": usage.to_json()},
        "lost": lost, "duplicated": duplicated,
    }))
}

/// The tenant's (only) number.
async fn channel_id(h: &Harness, t: &Tenant) -> anyhow::Result<String> {
    let v: Value = h.http.get(format!("{}/api/v1/channels", h.base)).bearer_auth(&t.token).send().await?.json().await?;
    v["data"][0]["id"].as_str().map(str::to_owned).context("no channel")
}

/// Drip sequences at scale: `enrolled` contacts waiting as rows (the
/// server's memory per waiting enrolment), then a sequence whose steps fall
/// due spread over `window` seconds: how late each is handed to its
/// conversation (due → handed over), with a `kill -9` a third of the way
/// through, after which every step must still go exactly once.
pub async fn drips(h: Arc<Harness>, enrolled: usize, window: u64) -> anyhow::Result<Value> {
    // One group of contacts a second of the window (tag `w<second>`), so
    // their steps fall due evenly across it.
    let chunks = usize::try_from(window.max(1)).unwrap_or(1).min(enrolled.max(1));
    const IMPORT: usize = 5_000;
    let t = h.tenant("Drips", "900000000000008", 1000).await?;
    h.http.post(format!("{}/api/v1/templates/sync", h.base)).bearer_auth(&t.token).send().await?.error_for_status()?;
    let bar = progress(enrolled as u64, "importing the contacts");
    for start in (0..enrolled).step_by(IMPORT) {
        let mut csv = String::from("phone,name,tags\n");
        for i in start..(start + IMPORT).min(enrolled) {
            csv.push_str(&format!("+91710{i:07},Customer {i},w{}\n", i * chunks / enrolled));
        }
        h.http
            .post(format!("{}/api/v1/contacts/import", h.base))
            .bearer_auth(&t.token)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await?
            .error_for_status()?;
        bar.inc(IMPORT as u64);
    }
    bar.finish_and_clear();
    let channel = channel_id(&h, &t).await?;
    let (hp, tp) = (h.clone(), t.clone());
    let post = move |path: String, body: Value| {
        let (h, t) = (hp.clone(), tp.clone());
        async move {
            let v: Value =
                h.http.post(format!("{}{path}", h.base)).bearer_auth(&t.token).json(&body).send().await?.error_for_status()?.json().await?;
            anyhow::Ok(v)
        }
    };
    let sequence = |name: &str, delay: u64| {
        json!({"type": "drip", "name": name, "channel_id": channel, "exit_on_reply": false,
               "steps": [{"delay_seconds": delay, "delay_from": "enrolment", "template": {"name": "hello_world", "language": "en_US"}}]})
    };
    let poster = post.clone();
    let enrol_all = move |id: String, spread: Option<u64>| {
        let post = poster.clone();
        async move {
            let started = Instant::now();
            for c in 0..chunks {
                if let Some(w) = spread {
                    let at = Duration::from_millis(w * 1000 * c as u64 / chunks as u64);
                    if let Some(wait) = at.checked_sub(started.elapsed()) {
                        tokio::time::sleep(wait).await;
                    }
                }
                post(format!("/api/v1/campaigns/{id}/enrollments"), json!({"tag": format!("w{c}")})).await?;
            }
            anyhow::Ok(started.elapsed())
        }
    };

    // Waiting costs rows, not memory: everyone enrolled in one sequence
    // (which also warms the allocator with the requests' own buffers),
    // then in a second one, whose growth is what waiting contacts hold.
    let mut waiting = Vec::new();
    let mut rss = Vec::new();
    let mut enrol_time = Duration::ZERO;
    for name in ["Bench waiting 1", "Bench waiting 2"] {
        let id = post("/api/v1/campaigns".into(), sequence(name, 86_400)).await?["id"].as_str().context("id")?.to_owned();
        post(format!("/api/v1/campaigns/{id}/start"), json!({})).await?;
        enrol_time = enrol_all(id.clone(), None).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        rss.push(h.server_rss_kib());
        waiting.push(id);
    }
    let bytes_per_waiting = (rss[1].saturating_sub(rss[0]) * 1024) as f64 / enrolled as f64;
    for id in &waiting {
        post(format!("/api/v1/campaigns/{id}/cancel"), json!({})).await?;
    }

    // Steps falling due across the window, a kill -9 a third of the way.
    let delay = 15;
    let due = post("/api/v1/campaigns".into(), sequence("Bench due", delay)).await?["id"].as_str().context("id")?.to_owned();
    post(format!("/api/v1/campaigns/{due}/start"), json!({})).await?;
    let started = Instant::now();
    let enrolling = tokio::spawn(enrol_all(due.clone(), Some(window)));
    let deadline = Instant::now() + Duration::from_secs(window + 900);
    while h.sim_template_send_count() < enrolled / 3 {
        if Instant::now() > deadline {
            anyhow::bail!("only {} of {enrolled} steps sent", h.sim_template_send_count());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let killed_at = chrono::Utc::now();
    h.kill_and_restart().await?;
    // Where the time goes from the restart to the end (the new process's CPU).
    let monitor = h.monitor().await?;
    enrolling.await.context("enrolling")??;
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&h.db_url).await?;
    let due_id = uuid::Uuid::parse_str(&due)?;
    loop {
        let done: i64 = sqlx::query_scalar("SELECT count(*) FROM drip_enrollments WHERE campaign_id = $1 AND state <> 'active'")
            .bind(due_id)
            .fetch_one(&pool)
            .await?;
        if done as usize >= enrolled {
            break;
        }
        if Instant::now() > deadline {
            anyhow::bail!("{done} of {enrolled} enrolments finished");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let elapsed = started.elapsed();
    // Every stored step has Meta's answer (or is in doubt after the kill).
    while Instant::now() < deadline {
        let pending: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM drip_sends s JOIN messages m ON m.id = s.message_id
             WHERE s.campaign_id = $1 AND m.status = 'pending' AND m.send_attempted_at IS NULL",
        )
        .bind(due_id)
        .fetch_one(&pool)
        .await?;
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let usage = monitor.finish().await;
    let lateness: Vec<(f64, bool)> = sqlx::query_as::<_, (f64, bool)>(
        "SELECT (extract(epoch FROM handed_at - due_at) * 1000)::float8, handed_at < $2 FROM drip_sends
         WHERE campaign_id = $1 AND handed_at IS NOT NULL AND due_at IS NOT NULL",
    )
    .bind(due_id)
    .bind(killed_at)
    .fetch_all(&pool)
    .await?;
    let in_doubt: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM drip_sends s JOIN messages m ON m.id = s.message_id WHERE s.campaign_id = $1 AND m.status IN ('pending', 'unconfirmed')",
    )
    .bind(due_id)
    .fetch_one(&pool)
    .await?;
    // Every step that did not reach Meta, by what became of it (recorded
    // failures carry their code; nothing here is silent).
    let missed: Vec<(String, String, String, Option<String>, Option<String>, i64)> = sqlx::query_as(
        "SELECT e.state, COALESCE(s.status, 'none'), COALESCE(m.status, 'none'), e.exit_reason, m.errors->0->>'code', count(*)
         FROM drip_enrollments e LEFT JOIN drip_sends s ON s.enrollment_id = e.id
         LEFT JOIN messages m ON m.id = s.message_id AND m.tenant_id = s.tenant_id
         WHERE e.campaign_id = $1 AND (m.status IS NULL OR m.status NOT IN ('accepted', 'sent', 'delivered', 'read', 'played'))
         GROUP BY 1, 2, 3, 4, 5",
    )
    .bind(due_id)
    .fetch_all(&pool)
    .await?;
    let mut failed = 0i64;
    for (state, send, message, exit, code, n) in &missed {
        println!("  not delivered: {n} × enrolment {state} (exit {exit:?}), step {send}, message {message} (code {code:?})");
        if message == "failed" {
            failed += n;
        }
    }
    pool.close().await;
    let mut before_kill: Vec<f64> = lateness.iter().filter(|(_, b)| *b).map(|(ms, _)| *ms).collect();
    let mut all: Vec<f64> = lateness.iter().map(|(ms, _)| *ms).collect();
    let sends = h.sim_template_sends();
    let distinct: std::collections::HashSet<&str> = sends.iter().map(|(to, _)| to.as_str()).collect();
    let duplicated = sends.len() - distinct.len();
    // Neither sent nor in doubt nor recorded as failed (with Meta's code): lost.
    let lost = enrolled
        .saturating_sub(distinct.len())
        .saturating_sub(usize::try_from(in_doubt).unwrap_or(0))
        .saturating_sub(usize::try_from(failed).unwrap_or(0));
    let (p50, p99) = (pct(&mut before_kill, 50.0), pct(&mut before_kill, 99.0));
    let p99_all = pct(&mut all, 99.0);
    println!(
        "  {enrolled} enrolled in {:.1} s; {bytes_per_waiting:.0} bytes of server memory per waiting enrolment; lateness p50 {p50:.0} ms, \
         p99 {p99:.0} ms before the kill ({p99_all:.0} ms p99 with the restart); {} sends, duplicated {duplicated}, in doubt {in_doubt}",
        enrol_time.as_secs_f64(),
        sends.len()
    );
    Ok(json!({
        "figures": {"enrolled": enrolled, "window_seconds": window, "enrol_seconds": round(enrol_time.as_secs_f64()),
                    "bytes_per_waiting_enrolment": round(bytes_per_waiting), "lateness_p50_ms": round(p50), "lateness_p99_ms": round(p99),
                    "lateness_p99_ms_with_restart": round(p99_all), "sends_counted_twice_after_kill": duplicated, "in_doubt_after_kill": in_doubt,
                    "failed_with_a_code": failed,
                    "steps_per_s": round(enrolled as f64 / elapsed.as_secs_f64())},
        "ceilings": {"due_per_s": round(enrolled as f64 / window as f64)},
        "ratios": {"steps_vs_due_rate": round((enrolled as f64 / elapsed.as_secs_f64()) / (enrolled as f64 / window as f64))},
        "resources": {"load": usage.to_json()},
        "lost": lost, "duplicated": duplicated,
    }))
}

/// A redis-server of the bench's own (the cluster scenario).
pub struct RedisServer {
    child: std::process::Child,
    /// Its URL.
    pub url: String,
}

impl RedisServer {
    /// Starts one on a free port (Debian's `redis-server`).
    pub async fn start() -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .context("starting redis-server (apt install redis-server)")?;
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if start.elapsed() > Duration::from_secs(10) {
                anyhow::bail!("redis-server did not listen");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(Self { child, url: format!("redis://127.0.0.1:{port}/0") })
    }

    /// CPU seconds it has used (user + system, from /proc).
    fn cpu_secs(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        let fields: Vec<&str> = stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
        // utime and stime are fields 14 and 15 (11 and 12 after the name).
        let ticks: f64 = [11, 12].iter().filter_map(|&i| fields.get(i).and_then(|v| v.parse::<f64>().ok())).sum();
        ticks / 100.0
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Posts batches round robin to `bases` from `POSTERS` tasks until
/// `deadline`; the acknowledged wamids.
async fn pump_nodes(h: &Arc<Harness>, t: &Tenant, c: &Arc<Collector>, tag: &str, bases: &[String], deadline: Instant) -> Vec<String> {
    let mut tasks = Vec::new();
    for p in 0..POSTERS {
        let (h, t, c, tag, bases) = (h.clone(), t.clone(), c.clone(), tag.to_owned(), bases.to_vec());
        tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            let mut n = 0usize;
            while Instant::now() < deadline {
                let wamids: Vec<String> = (0..BATCH).map(|i| format!("wamid.{tag}.{p}.{n}.{i}")).collect();
                let msgs: Vec<Value> = wamids
                    .iter()
                    .enumerate()
                    .map(|(i, w)| message(&format!("1555{:07}", (p * 7919 + n * BATCH + i) % 5000), w, n + i))
                    .collect();
                let body = webhook(&t.phone_number_id, msgs, vec![]);
                let now = Instant::now();
                for w in &wamids {
                    c.sent_at.insert(w.clone(), now);
                }
                let base = &bases[(p + n) % bases.len()];
                n += 1;
                if h.post_webhook_to(base, body).await.is_ok() {
                    acked.extend(wamids);
                }
            }
            acked
        }));
    }
    let mut acked = Vec::new();
    for t in tasks {
        acked.extend(t.await.unwrap_or_default());
    }
    acked
}

/// Partitions each node at `bases` owns now.
async fn owned(h: &Harness, bases: &[&str]) -> Vec<u64> {
    let mut out = Vec::new();
    for b in bases {
        let v: Option<Value> = match h.http.get(format!("{b}/ready")).timeout(Duration::from_secs(2)).send().await {
            Ok(r) => r.json().await.ok(),
            Err(_) => None,
        };
        out.push(v.and_then(|v| v["cluster"]["partitions_owned"].as_u64()).unwrap_or(0));
    }
    out
}

/// `cluster`: three nodes on this machine (one Postgres, one Redis): the
/// ingest rate of one node and of three in the same run, webhook → frame
/// latency when the agent's socket is on another node than the webhook's
/// owner, the time for the survivors to take a killed node's partitions and
/// process its conversations' next messages, and Redis's CPU.
pub async fn cluster(h: Arc<Harness>, secs: u64, redis: &RedisServer, node_env: &[(&str, String)]) -> anyhow::Result<Value> {
    let t = h.tenant("Cluster", "900000000000009", 80).await?;
    // One node first (it owns every partition).
    let one = collector(&h, &t.token, None).await?;
    let monitor = h.monitor().await?;
    let start = Instant::now();
    let acked_one = pump_nodes(&h, &t, &one, "one", std::slice::from_ref(&h.base), start + Duration::from_secs(secs)).await;
    let (delivered_one, lost_one, dups_one, done) = verify(&h, &one, "one", &acked_one, Duration::from_secs(120)).await?;
    let one_node = delivered_one as f64 / done.duration_since(start).as_secs_f64();
    let usage_one = monitor.finish().await;
    println!("  1 node: {one_node:.0} msgs/s");

    // Two more nodes join; the partitions are shared.
    let mut nodes = Vec::new();
    for id in ["node-2", "node-3"] {
        let mut env: Vec<(&str, String)> = node_env.to_vec();
        env.push(("WHATSFLOW_NODE_ID", id.to_owned()));
        nodes.push(h.spawn_node(&env).await?);
    }
    let bases: Vec<String> = std::iter::once(h.base.clone()).chain(nodes.iter().map(|n| n.base.clone())).collect();
    let refs: Vec<&str> = bases.iter().map(String::as_str).collect();
    let joined = Instant::now();
    while !owned(&h, &refs).await.iter().all(|&n| n >= 80) {
        if joined.elapsed() > Duration::from_secs(60) {
            anyhow::bail!("the partitions were not shared: {:?}", owned(&h, &refs).await);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let rebalance_s = joined.elapsed().as_secs_f64();
    // The agent on node-2: two thirds of the conversations are owned by
    // another node, whose frames reach it over Redis.
    let three = Arc::new(Collector::default());
    harness::socket_at(&bases[1], &t.token, None, three.clone()).await?;
    let redis_cpu_before = redis.cpu_secs();
    let monitor = h.monitor().await?;
    let start = Instant::now();
    let acked_three = pump_nodes(&h, &t, &three, "three", &bases, start + Duration::from_secs(secs)).await;
    let (delivered_three, lost_three, dups_three, done) = verify(&h, &three, "three", &acked_three, Duration::from_secs(120)).await?;
    let elapsed = done.duration_since(start).as_secs_f64();
    let three_nodes = delivered_three as f64 / elapsed;
    let redis_cpu = (redis.cpu_secs() - redis_cpu_before) / elapsed * 100.0;
    let usage_three = monitor.finish().await;
    let mut e2e = three.e2e_ms.lock().map(|v| v.clone()).unwrap_or_default();
    println!("  3 nodes: {three_nodes:.0} msgs/s, frame p99 on another node {:.1} ms, Redis {redis_cpu:.1}% CPU", pct(&mut e2e, 99.0));

    // node-3 dies; the survivors take its partitions, and its customers'
    // next messages (posted to node-1) reach the agent on node-2.
    let survivors = [refs[0], refs[1]];
    nodes[1].kill9();
    let killed = Instant::now();
    while owned(&h, &survivors).await.iter().sum::<u64>() < 256 {
        if killed.elapsed() > Duration::from_secs(60) {
            anyhow::bail!("node-3's partitions were not taken over");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let takeover_s = killed.elapsed().as_secs_f64();
    let probes: Vec<String> = (0..200).map(|i| format!("wamid.failover.{i}")).collect();
    let now = Instant::now();
    for chunk in probes.chunks(BATCH) {
        let msgs: Vec<Value> = chunk.iter().enumerate().map(|(i, w)| message(&format!("1555{:07}", i * 37), w, 3)).collect();
        for w in chunk {
            three.sent_at.insert(w.clone(), now);
        }
        h.post_webhook(webhook(&t.phone_number_id, msgs, vec![])).await?;
    }
    let (_, lost_f, dups_f, done) = verify(&h, &three, "failover", &probes, Duration::from_secs(60)).await?;
    let failover_s = done.duration_since(killed).as_secs_f64();
    println!("  failover: partitions taken in {takeover_s:.1}s, orphaned conversations served {failover_s:.1}s after the kill");
    Ok(json!({
        "figures": {"one_node_msgs_per_s": round(one_node), "three_nodes_msgs_per_s": round(three_nodes), "messages_per_post": BATCH,
                    "frame_other_node_p50_ms": round(pct(&mut e2e, 50.0)), "frame_other_node_p99_ms": round(pct(&mut e2e, 99.0)),
                    "rebalance_s": round(rebalance_s), "takeover_s": round(takeover_s), "failover_s": round(failover_s),
                    "redis_cpu_pct": round(redis_cpu)},
        "ceilings": {"one_node_msgs_per_s": round(one_node)},
        "ratios": {"three_vs_one": round(three_nodes / one_node.max(1.0))},
        "resources": {"load": usage_three.to_json(), "one_node": usage_one.to_json()},
        "lost": lost_one + lost_three + lost_f, "duplicated": dups_one + dups_three + dups_f,
    }))
}

/// Messages per commit the `floor` scenario measures: what one event per
/// POST forms at ~4,000 msgs/s (0.13 commits per message), then larger groups.
const FLOOR_GROUPS: [u32; 3] = [8, 25, 100];
/// Connections `pgbench` writes from, each to its own conversations.
const FLOOR_CLIENTS: u32 = 16;
/// Conversations each connection writes to.
const FLOOR_SLICE: u32 = 2000;

/// One inbound message per conversation of the group, as whatsflow's schema
/// stores it: the `messages` row (its indexes and foreign keys) and the
/// conversation's counters, in one statement and one commit.
const FLOOR_PRODUCT_SQL: &str = r"\set off random(0, 2000 - :k)
WITH p AS (SELECT f.id FROM floor_conv f WHERE f.n >= :client_id * 2000 + :off AND f.n < :client_id * 2000 + :off + :k),
ins AS (INSERT INTO messages (id, tenant_id, conversation_id, seq, status_seq, wamid, direction, type, status, content, timestamp)
  SELECT gen_random_uuid(), c.tenant_id, c.id, c.last_seq + 1, c.last_seq + 1,
         'wamid.HBgMOTE5ODc2NTQzMjEw' || replace(gen_random_uuid()::text, '-', ''), 'inbound', 'text', 'received',
         jsonb_build_object('body', 'Hi, is my order #' || c.last_seq || ' on its way?'), now()
  FROM p JOIN conversations c ON c.id = p.id
  RETURNING tenant_id, conversation_id, seq, timestamp)
UPDATE conversations c SET last_seq = GREATEST(c.last_seq, i.seq), unread_count = c.unread_count + 1,
       last_inbound_at = i.timestamp, awaiting_since = COALESCE(c.awaiting_since, i.timestamp),
       last_message_at = i.timestamp, updated_at = now()
FROM ins i WHERE c.tenant_id = i.tenant_id AND c.id = i.conversation_id;
";

/// The same messages into a table with only a primary key and the wamid's
/// uniqueness: what the schema's other indexes and the counters cost.
const FLOOR_BARE_SQL: &str = r"\set off random(0, 2000 - :k)
INSERT INTO floor_bare_messages (id, tenant_id, conversation_id, wamid, content, timestamp)
  SELECT gen_random_uuid(), c.tenant_id, c.id,
         'wamid.HBgMOTE5ODc2NTQzMjEw' || replace(gen_random_uuid()::text, '-', ''),
         jsonb_build_object('body', 'Hi, is my order on its way?'), now()
  FROM floor_conv f JOIN conversations c ON c.id = f.id
  WHERE f.n >= :client_id * 2000 + :off AND f.n < :client_id * 2000 + :off + :k;
";

/// `floor`: what Postgres alone stores on this machine, the floor under the
/// ingest figures. `pgbench` writes, as the cluster's superuser (no row
/// security), with one prepared statement on a generic plan per commit,
/// only the rows a stored inbound message needs: no HTTP, no inbox record,
/// no actor, no socket (the idle server beside it does nothing). Per group
/// size: messages/s and Postgres's CPU per message, for whatsflow's schema
/// and for the bare table.
pub async fn floor(h: Arc<Harness>, secs: u64) -> anyhow::Result<Value> {
    let t = h.tenant("Floor", "900000000000009", 80).await?;
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&h.db_url).await?;
    let conversations = i64::from(FLOOR_CLIENTS * FLOOR_SLICE);
    sqlx::query("CREATE TABLE floor_conv (n int PRIMARY KEY, id uuid NOT NULL)").execute(&pool).await?;
    sqlx::query(
        "WITH k AS (INSERT INTO contacts (id, tenant_id, phone, wa_user_id)
             SELECT gen_random_uuid(), $1::uuid, '9198' || lpad(g::text, 8, '0'), '9198' || lpad(g::text, 8, '0')
             FROM generate_series(0, $2 - 1) g RETURNING id),
         c AS (INSERT INTO conversations (id, tenant_id, channel_id, contact_id)
             SELECT gen_random_uuid(), $1::uuid, (SELECT ch.id FROM channels ch WHERE ch.tenant_id = $1::uuid LIMIT 1), k.id FROM k RETURNING id)
         INSERT INTO floor_conv SELECT (row_number() OVER (ORDER BY c.id))::int - 1, c.id FROM c",
    )
    .bind(&t.tenant_id)
    .bind(conversations)
    .execute(&pool)
    .await?;
    sqlx::query(
        "CREATE TABLE floor_bare_messages (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, conversation_id uuid NOT NULL,
             wamid text NOT NULL UNIQUE, content jsonb NOT NULL, timestamp timestamptz NOT NULL)",
    )
    .execute(&pool)
    .await?;
    sqlx::query("VACUUM ANALYZE").execute(&pool).await?;
    pool.close().await;
    let dir = tempfile::tempdir()?;
    let pgbench = h.pg.bin_dir().join("pgbench");
    let secs = secs.max(6);
    let mut figures = serde_json::Map::new();
    let mut resources = serde_json::Map::new();
    for k in FLOOR_GROUPS {
        for (table, sql) in [("schema", FLOOR_PRODUCT_SQL), ("bare", FLOOR_BARE_SQL)] {
            let script = dir.path().join(format!("{table}.sql"));
            std::fs::write(&script, sql)?;
            // The monitor ends while pgbench's backends are still connected
            // (it counts the backends alive when it ends; they start after
            // it, so all they spend is the phase's).
            let monitor = h.monitor().await?;
            let run = tokio::process::Command::new(&pgbench)
                .env("PGOPTIONS", "-c plan_cache_mode=force_generic_plan")
                .args(["-n", "-M", "prepared", "-j", "2"])
                .arg("-c")
                .arg(FLOOR_CLIENTS.to_string())
                .arg("-T")
                .arg(secs.to_string())
                .arg("-D")
                .arg(format!("k={k}"))
                .arg("-f")
                .arg(&script)
                .arg(&h.db_url)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .context("running pgbench (Debian's postgresql package has it)")?;
            tokio::time::sleep(Duration::from_secs(secs - 1)).await;
            let usage = monitor.finish().await;
            let out = run.wait_with_output().await?;
            let text = String::from_utf8_lossy(&out.stdout);
            let tps: f64 = text
                .lines()
                .find_map(|l| l.strip_prefix("tps = ")?.split_whitespace().next()?.parse().ok())
                .with_context(|| format!("pgbench printed no tps: {text}"))?;
            let msgs = tps * f64::from(k);
            let us = usage.postgres_cpu_pct / 100.0 / msgs.max(1.0) * 1e6;
            println!(
                "  {table:<6} {k:>3} per commit: {msgs:>7.0} msgs/s, Postgres {:.0}% of a core, {us:.0} µs per message",
                usage.postgres_cpu_pct
            );
            figures.insert(format!("{table}_{k}_msgs_per_s"), json!(round(msgs)));
            figures.insert(format!("{table}_{k}_postgres_us_per_msg"), json!(round(us)));
            resources.insert(format!("{table}_{k}"), usage.to_json());
        }
    }
    Ok(json!({"figures": figures, "ceilings": {}, "ratios": {}, "resources": resources, "lost": 0, "duplicated": 0}))
}
