//! Nothing acknowledged is lost: start-up replay, a killed server, a fault in
//! one conversation, a database outage, passivation, the embedded cluster.

use crate::helpers::*;
use async_trait::async_trait;
use serde_json::Value;
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use whatsflow_actors::identity::ContactIdentity;
use whatsflow_actors::ids::{ChannelId, ContactId, ConversationId, TenantId};
use whatsflow_actors::meta::TemplateStatusUpdate;
use whatsflow_actors::ports::{BatchOutcome, ConversationBatch, ConversationSnapshot, Store, StoreError};

#[actix_rt::test]
async fn acknowledged_but_unprocessed_posts_are_replayed_at_start_up() {
    let db = fresh_database().await;
    let app = spawn_with(db.clone(), |c| c, None).await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    app.stop().await;
    // The state a crash between the 200 and processing leaves: a stored body.
    sqlx::query("INSERT INTO webhook_inbox (body) VALUES ($1)").bind(fixture("text.json")).execute(&app.owner).await.unwrap();
    let app2 = spawn_with(db, |c| c, None).await;
    let text: serde_json::Value = serde_json::from_slice(&fixture("text.json")).unwrap();
    let wamid = text["entry"][0]["changes"][0]["value"]["messages"][0]["id"].as_str().unwrap().to_owned();
    eventually("replayed message", WAIT, || async { app2.message_by_wamid(&t, &wamid).await }).await;
    // The row is settled once its events are durable (just after they are visible).
    eventually("inbox row settled", WAIT, || async {
        let unprocessed: i64 =
            sqlx::query_scalar("SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL").fetch_one(&app2.owner).await.unwrap();
        (unprocessed == 0).then_some(())
    })
    .await;
}

/// The server as a child process (so it can be killed with SIGKILL) on a
/// fresh database, sending to the in-process app's Graph API simulator (the
/// app provides only that and the owner pool), with a tenant registered and
/// its number connected.
struct KillableServer {
    app: TestApp,
    db: String,
    dir: tempfile::TempDir,
    port: u16,
    base: String,
    server: Child,
    http: reqwest::Client,
    token: String,
    owner: sqlx::PgPool,
}

impl KillableServer {
    async fn start(email: &str) -> Self {
        let db = fresh_database().await;
        let app = spawn_with(db.clone(), |c| c, None).await;
        app.stop().await;
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        app.sim.state.set_webhook_url(&format!("{base}/webhooks/whatsapp"));
        let server = spawn_server_with(
            Some(&db),
            port,
            dir.path(),
            &[("GRAPH_API_BASE", app.sim.base_url.as_str()), ("WHATSFLOW_SEND_RECHECK_SECS", "2")],
        );
        wait_ready(&base).await;
        let owner = sqlx::PgPool::connect(&db).await.unwrap();
        let mut s = Self { app, db, dir, port, base, server, http: http_client(), token: String::new(), owner };
        let reg = s
            .post(
                "/api/v1/auth/register",
                serde_json::json!({"tenant_name": "Acme", "name": "A", "email": email, "password": "correct-horse-1"}),
            )
            .await;
        s.token = reg["access_token"].as_str().unwrap().to_owned();
        s.post(
            "/api/v1/channels",
            serde_json::json!({"phone_number_id": PHONE_NUMBER_ID, "display_phone_number": "+1", "waba_id": WABA_ID, "access_token": ACCESS_TOKEN}),
        )
        .await;
        s
    }

    /// An authorized JSON request that must succeed; its answer.
    async fn call(&self, method: reqwest::Method, path: &str, body: serde_json::Value) -> serde_json::Value {
        let res = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token).json(&body).send().await.unwrap();
        let status = res.status();
        let v: serde_json::Value = res.json().await.unwrap_or_default();
        assert!(status.is_success(), "{path}: {status} {v}");
        v
    }

    async fn post(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        self.call(reqwest::Method::POST, path, body).await
    }

    async fn get(&self, path: &str) -> serde_json::Value {
        let res = self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.token).send().await.unwrap();
        res.json().await.unwrap()
    }

    /// Posts a signed webhook, acknowledged.
    async fn webhook(&self, body: Vec<u8>) {
        let res = self
            .http
            .post(format!("{}/webhooks/whatsapp", self.base))
            .header("X-Hub-Signature-256", sign(&body))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }

    /// `kill -9`, then the same server again on the same database.
    async fn kill_and_restart(&mut self) {
        kill9(&mut self.server);
        self.server = spawn_server_with(
            Some(&self.db),
            self.port,
            self.dir.path(),
            &[("GRAPH_API_BASE", self.app.sim.base_url.as_str()), ("WHATSFLOW_SEND_RECHECK_SECS", "2")],
        );
        wait_ready(&self.base).await;
    }
}

impl Drop for KillableServer {
    fn drop(&mut self) {
        kill9(&mut self.server);
    }
}

#[actix_rt::test]
async fn a_killed_server_loses_nothing_it_acknowledged() {
    let db = fresh_database().await;
    let app = spawn_with(db.clone(), |c| c, None).await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    app.stop().await;

    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = spawn_server(Some(&db), port, dir.path());
    wait_ready(&base).await;
    let http = http_client();
    let acked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut senders = Vec::new();
    for worker in 0..4 {
        let (http, base, acked, stop) = (http.clone(), base.clone(), acked.clone(), stop.clone());
        senders.push(actix_rt::spawn(async move {
            for i in 0..10_000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let wamid = format!("wamid.kill-{worker}-{i}");
                let body = text_webhook(PHONE_NUMBER_ID, &format!("1555100{:04}", i % 50), &wamid, "are you there?");
                let res = http.post(format!("{base}/webhooks/whatsapp")).header("X-Hub-Signature-256", sign(&body)).body(body).send().await;
                match res {
                    Ok(r) if r.status() == 200 => acked.lock().unwrap().push(wamid),
                    _ => break,
                }
            }
        }));
    }
    eventually("some traffic acknowledged", WAIT, || async { (acked.lock().unwrap().len() >= 200).then_some(()) }).await;
    kill9(&mut server);
    stop.store(true, Ordering::Relaxed);
    for s in senders {
        let _ = s.await;
    }
    let acked: Vec<String> = acked.lock().unwrap().clone();
    assert!(acked.len() >= 200);

    let mut server = spawn_server(Some(&db), port, dir.path());
    wait_ready(&base).await;
    let owner = sqlx::PgPool::connect(&db).await.unwrap();
    let counts: Vec<(String, i64)> = eventually("every acknowledged message stored", Duration::from_secs(60), || async {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT wamid, count(*) FROM messages WHERE wamid LIKE 'wamid.kill-%' GROUP BY wamid")
                .fetch_all(&owner)
                .await
                .unwrap();
        let have: std::collections::HashSet<&str> = rows.iter().map(|(w, _)| w.as_str()).collect();
        acked.iter().all(|w| have.contains(w.as_str())).then_some(rows)
    })
    .await;
    assert!(counts.iter().all(|(_, n)| *n == 1), "a message was stored twice");
    let unprocessed: i64 = eventually("inbox drained", Duration::from_secs(30), || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL").fetch_one(&owner).await.unwrap();
        (n == 0).then_some(n)
    })
    .await;
    assert_eq!(unprocessed, 0);
    kill9(&mut server);
}

/// Fails the first commit of one conversation, then behaves.
struct FaultyStore {
    inner: Arc<dyn Store>,
    victim_phone: String,
    victim: std::sync::Mutex<Option<ContactId>>,
    victim_conversation: std::sync::Mutex<Option<ConversationId>>,
    faults_left: AtomicU64,
}

#[async_trait]
impl Store for FaultyStore {
    async fn resolve_contact(&self, tenant: TenantId, identity: &ContactIdentity) -> Result<ContactId, StoreError> {
        let id = self.inner.resolve_contact(tenant, identity).await?;
        if identity.phone.as_ref().is_some_and(|p| p.as_str() == self.victim_phone) {
            *self.victim.lock().unwrap() = Some(id);
        }
        Ok(id)
    }
    async fn open_conversation(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        contact: ContactId,
    ) -> Result<ConversationSnapshot, StoreError> {
        let snap = self.inner.open_conversation(tenant, channel, contact).await?;
        if *self.victim.lock().unwrap() == Some(contact) {
            *self.victim_conversation.lock().unwrap() = Some(snap.id);
        }
        Ok(snap)
    }
    async fn resolve_contact_opening(
        &self,
        tenant: TenantId,
        identity: &ContactIdentity,
        channel: ChannelId,
    ) -> Result<(ContactId, Option<ConversationSnapshot>), StoreError> {
        let (id, opened) = self.inner.resolve_contact_opening(tenant, identity, channel).await?;
        if identity.phone.as_ref().is_some_and(|p| p.as_str() == self.victim_phone) {
            *self.victim.lock().unwrap() = Some(id);
            if let Some(snap) = &opened {
                *self.victim_conversation.lock().unwrap() = Some(snap.id);
            }
        }
        Ok((id, opened))
    }
    async fn commit(&self, batch: ConversationBatch) -> Result<BatchOutcome, StoreError> {
        let is_victim = *self.victim_conversation.lock().unwrap() == Some(batch.conversation_id);
        if is_victim && self.faults_left.load(Ordering::SeqCst) > 0 {
            self.faults_left.fetch_sub(1, Ordering::SeqCst);
            return Err(StoreError::Unavailable("injected fault".into()));
        }
        self.inner.commit(batch).await
    }
    async fn set_messaging_limit(&self, tenant: TenantId, limit: &whatsflow_actors::meta::MessagingLimit) -> Result<(), StoreError> {
        self.inner.set_messaging_limit(tenant, limit).await
    }
    async fn set_marketing_consent(
        &self,
        tenant: TenantId,
        customer: &ContactIdentity,
        opted_in: bool,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        self.inner.set_marketing_consent(tenant, customer, opted_in, at).await
    }
    async fn apply_template_status(&self, tenant: TenantId, update: &TemplateStatusUpdate) -> Result<(), StoreError> {
        self.inner.apply_template_status(tenant, update).await
    }
    async fn park(&self, letter: whatsflow_actors::ports::DeadLetter) -> Result<i64, StoreError> {
        self.inner.park(letter).await
    }
}

#[actix_rt::test]
async fn a_faulty_conversation_restarts_while_others_keep_flowing() {
    let layer: whatsflow::startup::StoreLayer = Box::new(|inner| {
        Arc::new(FaultyStore {
            inner,
            victim_phone: "+15559990000".into(),
            victim: std::sync::Mutex::new(None),
            victim_conversation: std::sync::Mutex::new(None),
            faults_left: AtomicU64::new(2),
        })
    });
    let app = spawn_with(fresh_database().await, |c| c, Some(layer)).await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let mut ws = app.socket(&t.token).await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15559990000", "wamid.victim-1", "first")).await;
    for i in 0..20 {
        app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, &format!("1555777{i:04}"), &format!("wamid.bystander-{i}"), "hello")).await;
    }
    // Bystanders are stored while the victim is still failing.
    eventually("bystanders stored", WAIT, || async {
        let n: i64 =
            sqlx::query_scalar("SELECT count(*) FROM messages WHERE wamid LIKE 'wamid.bystander-%'").fetch_one(&app.owner).await.unwrap();
        (n == 20).then_some(())
    })
    .await;
    // The victim restarted, and its message arrives once through the retry.
    let m = eventually("victim message after restart", WAIT, || async { app.message_by_wamid(&t, "wamid.victim-1").await }).await;
    assert_eq!(m["content"]["body"], "first");
    assert!(app.state.metrics.conversation_restarts.load(Ordering::Relaxed) >= 1);
    // Its first commit failed, yet agents were told of the new conversation,
    // once, before its first message, counting it.
    let mut frames = Vec::new();
    while !frames.iter().any(|f: &Value| f["event"] == "message:new" && f["data"]["message"]["wamid"] == "wamid.victim-1") {
        frames.push(ws.next(WAIT).await.unwrap_or_else(|| panic!("the victim's message never reached the socket: {frames:?}")));
    }
    let victim = frames.last().unwrap()["data"]["conversation_id"].clone();
    let announced: Vec<&Value> =
        frames.iter().filter(|f| f["event"] == "conversation:new" && f["data"]["conversation"]["id"] == victim).collect();
    assert_eq!(announced.len(), 1, "announced once: {frames:?}");
    assert_eq!(announced[0]["data"]["conversation"]["unread_count"], 1);
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15559990000", "wamid.victim-2", "second")).await;
    eventually("victim keeps working", WAIT, || async { app.message_by_wamid(&t, "wamid.victim-2").await }).await;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE wamid LIKE 'wamid.victim-%'").fetch_one(&app.owner).await.unwrap();
    assert_eq!(n, 2);
}

#[actix_rt::test]
async fn a_database_outage_answers_503_and_loses_nothing() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let dbname = app.db_url.rsplit('/').next().unwrap().to_owned();
    let admin = sqlx::PgPool::connect(&cluster().url("postgres")).await.unwrap();
    sqlx::query(&format!("ALTER DATABASE \"{dbname}\" WITH ALLOW_CONNECTIONS false")).execute(&admin).await.unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()")
        .bind(&dbname)
        .execute(&admin)
        .await
        .unwrap();
    let body = text_webhook(PHONE_NUMBER_ID, "15550003333", "wamid.outage", "during the outage");
    let mut saw_503 = false;
    for _ in 0..5 {
        let res = app.post_webhook(body.clone()).await;
        if res.status() == 503 {
            assert_eq!(res.json::<serde_json::Value>().await.unwrap()["error"]["code"], "UNAVAILABLE");
            saw_503 = true;
            break;
        }
        assert_ne!(res.status(), 200, "acknowledged while the database is down");
    }
    assert!(saw_503, "Meta must be told to retry");
    assert_eq!(app.http.get(app.url("/ready")).send().await.unwrap().status(), 503);
    sqlx::query(&format!("ALTER DATABASE \"{dbname}\" WITH ALLOW_CONNECTIONS true")).execute(&admin).await.unwrap();
    // Meta retries; now it lands, once.
    eventually("accepted after recovery", WAIT, || async {
        let r = app.post_webhook(body.clone()).await;
        (r.status() == 200).then_some(())
    })
    .await;
    let owner = sqlx::PgPool::connect(&app.db_url).await.unwrap();
    eventually("stored once", WAIT, || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE wamid = 'wamid.outage'").fetch_one(&owner).await.unwrap();
        (n == 1).then_some(())
    })
    .await;
}

#[actix_rt::test]
async fn idle_conversations_passivate_and_come_back_intact() {
    let (app, t) = spawn_idling(Duration::from_millis(400)).await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15550004444", "wamid.before", "one")).await;
    eventually("passivated", WAIT, || async { (app.state.metrics.conversations_passivated.load(Ordering::Relaxed) >= 1).then_some(()) })
        .await;
    assert_eq!(app.state.metrics.conversation_restarts.load(Ordering::Relaxed), 0, "passivation is not a restart");
    eventually("no live actor left", WAIT, || async { (app.state.metrics.conversations_live.load(Ordering::Relaxed) == 0).then_some(()) })
        .await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15550004444", "wamid.after", "two")).await;
    eventually("rehydrated", WAIT, || async { app.message_by_wamid(&t, "wamid.after").await }).await;
    let c = &app.conversations(&t).await[0];
    assert_eq!(c["unread_count"], 2);
    let msgs = app.all_messages(&t).await;
    assert!(msgs[1]["seq"].as_i64() > msgs[0]["seq"].as_i64(), "sequence continues after rehydration");
    assert!(app.state.metrics.conversations_started.load(Ordering::Relaxed) >= 2);
}

#[actix_rt::test]
async fn the_embedded_cluster_survives_a_killed_server() {
    let dir = tempfile::Builder::new().prefix("wf-embedded-").tempdir_in("/tmp").unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = spawn_server(None, port, dir.path());
    wait_ready(&base).await;
    let http = http_client();
    let reg = http
        .post(format!("{base}/api/v1/auth/register"))
        .json(&serde_json::json!({"tenant_name": "Acme", "name": "A", "email": "a@embedded.test", "password": "correct-horse-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reg.status(), 201);
    kill9(&mut server);
    let mut server = spawn_server(None, port, dir.path());
    wait_ready(&base).await;
    let login = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "a@embedded.test", "password": "correct-horse-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200, "data from before the kill is there");
    // SIGTERM: graceful stop also stops the cluster.
    // SAFETY: signalling our own child.
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    let status = server.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0");
    // A cleanly stopped cluster removes its pid file.
    assert!(!dir.path().join("postgres/postmaster.pid").exists(), "cluster left running after shutdown");
}

#[actix_rt::test]
async fn a_flow_run_survives_kills_during_a_delay_and_an_input_and_completes_once() {
    let mut s = KillableServer::start("a@flowkill.test").await;
    let flow = s
        .post(
            "/api/v1/flows",
            serde_json::json!({"name": "patient", "trigger_type": "keyword", "trigger_value": "wait", "flow_data": {"nodes": [
                {"id": "a", "type": "message", "data": {"start": true, "text": "before the delay"}},
                {"id": "d", "type": "delay", "data": {"seconds": 4}},
                {"id": "b", "type": "message", "data": {"text": "after the delay"}},
                {"id": "q", "type": "input", "data": {"prompt": "your name?", "variable": "name"}},
                {"id": "t", "type": "message", "data": {"text": "thanks {{vars.name}}"}}
            ], "edges": [{"id": "1", "source": "a", "target": "d"}, {"id": "2", "source": "d", "target": "b"}, {"id": "3", "source": "b", "target": "q"}, {"id": "4", "source": "q", "target": "t"}]}}),
        )
        .await;
    let fid = flow["id"].as_str().unwrap().to_owned();
    s.call(reqwest::Method::PATCH, &format!("/api/v1/flows/{fid}/status"), serde_json::json!({"status": "active"})).await;
    let owner = s.owner.clone();
    let sent_with_wamid = |text: &'static str| {
        let owner = owner.clone();
        async move {
            let n: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM messages WHERE direction = 'outbound' AND content->>'body' = $1 AND wamid IS NOT NULL",
            )
            .bind(text)
            .fetch_one(&owner)
            .await
            .unwrap();
            n
        }
    };
    s.webhook(text_webhook(PHONE_NUMBER_ID, "15553330000", "wamid.fk-1", "wait")).await;
    eventually("the first message is with Meta", WAIT, || async { (sent_with_wamid("before the delay").await == 1).then_some(()) }).await;

    // Restart during the delay: the timer is re-armed and fires once.
    s.kill_and_restart().await;
    eventually("the delayed message and the question", Duration::from_secs(30), || async {
        (sent_with_wamid("after the delay").await == 1 && sent_with_wamid("your name?").await == 1).then_some(())
    })
    .await;

    // Restart while it waits for the answer.
    s.kill_and_restart().await;
    s.webhook(text_webhook(PHONE_NUMBER_ID, "15553330000", "wamid.fk-2", "Kerry")).await;
    eventually("the thanks", Duration::from_secs(30), || async { (sent_with_wamid("thanks Kerry").await == 1).then_some(()) }).await;
    let status: String = eventually("run completed", WAIT, || async {
        let s: Option<String> = sqlx::query_scalar("SELECT status FROM flow_runs").fetch_optional(&owner).await.unwrap();
        s.filter(|s| s == "completed")
    })
    .await;
    assert_eq!(status, "completed");
    outbox_settled(&owner).await;
    let at_meta: Vec<String> = s.app.sim_sends().await.iter().filter_map(|b| b["text"]["body"].as_str().map(str::to_owned)).collect();
    for text in ["before the delay", "after the delay", "your name?", "thanks Kerry"] {
        assert_eq!(at_meta.iter().filter(|t| *t == text).count(), 1, "`{text}` reached Meta {:?}", at_meta);
    }
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM flow_runs").fetch_one(&owner).await.unwrap();
    assert_eq!(runs, 1, "one run, not restarted from the beginning");
}

/// Who the simulator received a template for, once per send.
async fn template_recipients(app: &TestApp) -> Vec<String> {
    app.sim_sends().await.into_iter().filter(|b| b["type"] == "template").map(|b| b["to"].as_str().unwrap().to_owned()).collect()
}

#[actix_rt::test]
async fn a_campaign_killed_mid_send_resumes_and_messages_each_recipient_exactly_once() {
    let mut s = KillableServer::start("a@campaignkill.test").await;
    let channel = s.get("/api/v1/channels").await["data"][0]["id"].as_str().unwrap().to_owned();
    s.post("/api/v1/templates/sync", serde_json::json!({})).await;
    const RECIPIENTS: usize = 60;
    for i in 0..RECIPIENTS {
        s.post("/api/v1/contacts", serde_json::json!({"phone": format!("+91987650{i:04}"), "name": format!("C{i}"), "tags": ["kill"]}))
            .await;
    }
    let campaign = s
        .post(
            "/api/v1/campaigns",
            serde_json::json!({"name": "Killed", "channel_id": channel, "template": {"name": "spring_sale", "language": "en"},
                "variables": {"body": [{"field": "contact.name"}, {"value": "20%"}]}, "audience": {"tags": ["kill"]}, "rate_mps": 20}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.post(&format!("/api/v1/campaigns/{campaign}/start"), serde_json::json!({})).await;
    eventually("a third sent", WAIT, || async { (template_recipients(&s.app).await.len() >= RECIPIENTS / 3).then_some(()) }).await;
    s.kill_and_restart().await;

    let done = eventually("completed after the restart", Duration::from_secs(60), || async {
        let v = s.get(&format!("/api/v1/campaigns/{campaign}")).await;
        (v["status"] == "completed").then_some(v)
    })
    .await;
    outbox_settled(&s.owner).await;
    // A send recorded as handed to Meta whose request the kill cut off before
    // it left is in doubt: it is reported unconfirmed, never resent blindly.
    let reached = template_recipients(&s.app).await;
    let mut distinct = reached.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), reached.len(), "no recipient reached twice: {reached:?}");
    let in_doubt = done["stats"]["unconfirmed"].as_i64().unwrap();
    assert_eq!(
        reached.len() as i64 + in_doubt,
        RECIPIENTS as i64,
        "each recipient reached once or reported unconfirmed: {}",
        done["stats"]
    );
    assert!(in_doubt <= 10, "only the sends in flight at the kill are in doubt, not {in_doubt}");
    // Whoever sees them unconfirmed may resend them, once each.
    let unconfirmed: Vec<(uuid::Uuid, uuid::Uuid)> = sqlx::query_as(
        "SELECT conversation_id, id FROM messages WHERE client_id LIKE 'campaign:%' AND status = 'unconfirmed' AND wamid IS NULL",
    )
    .fetch_all(&s.owner)
    .await
    .unwrap();
    assert_eq!(unconfirmed.len() as i64, in_doubt, "the stats count the unconfirmed messages");
    for (conversation, message) in &unconfirmed {
        s.post(&format!("/api/v1/conversations/{conversation}/messages/{message}/resend"), serde_json::json!({})).await;
    }
    let mut to = eventually("the resent ones reached Meta", WAIT, || async {
        let to = template_recipients(&s.app).await;
        (to.len() >= RECIPIENTS).then_some(to)
    })
    .await;
    outbox_settled(&s.owner).await;
    assert_eq!(to.len(), RECIPIENTS, "{} sends for {RECIPIENTS} recipients", to.len());
    to.sort();
    to.dedup();
    assert_eq!(to.len(), RECIPIENTS, "every recipient reached, none twice");
    let messages: i64 =
        sqlx::query_scalar("SELECT count(*) FROM messages WHERE client_id LIKE 'campaign:%'").fetch_one(&s.owner).await.unwrap();
    assert_eq!(messages, RECIPIENTS as i64, "one stored message per recipient");
    let st = &done["stats"];
    let parts = ["skipped", "pending", "sending", "accepted", "sent", "delivered", "read", "failed", "unconfirmed", "cancelled"];
    assert_eq!(parts.iter().map(|p| st[*p].as_i64().unwrap()).sum::<i64>(), RECIPIENTS as i64, "{st}");
}

#[actix_rt::test]
async fn a_sequence_killed_while_steps_are_due_sends_each_step_once_and_skips_none() {
    let mut s = KillableServer::start("a@dripkill.test").await;
    let channel = s.get("/api/v1/channels").await["data"][0]["id"].as_str().unwrap().to_owned();
    s.post("/api/v1/templates/sync", serde_json::json!({})).await;
    const CONTACTS: usize = 120;
    for i in 0..CONTACTS {
        s.post("/api/v1/contacts", serde_json::json!({"phone": format!("+91987660{i:04}"), "name": format!("D{i}"), "tags": ["wave"]}))
            .await;
    }
    let hello = serde_json::json!({"name": "hello_world", "language": "en_US"});
    let drip = s
        .post(
            "/api/v1/campaigns",
            serde_json::json!({"type": "drip", "name": "Killed", "channel_id": channel,
                "steps": [{"delay_seconds": 0, "template": hello}, {"delay_seconds": 1, "template": hello}]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.post(&format!("/api/v1/campaigns/{drip}/start"), serde_json::json!({})).await;
    let bulk = s.post(&format!("/api/v1/campaigns/{drip}/enrollments"), serde_json::json!({"tag": "wave"})).await;
    assert_eq!(bulk["enrolled"], CONTACTS);
    eventually("a third of the first steps sent", WAIT, || async {
        (template_recipients(&s.app).await.len() >= CONTACTS / 3).then_some(())
    })
    .await;
    s.kill_and_restart().await;

    eventually("everyone through both steps after the restart", Duration::from_secs(90), || async {
        let n: i64 =
            sqlx::query_scalar("SELECT count(*) FROM drip_enrollments WHERE state = 'completed'").fetch_one(&s.owner).await.unwrap();
        (n == CONTACTS as i64).then_some(())
    })
    .await;
    outbox_settled(&s.owner).await;
    let to = template_recipients(&s.app).await;
    // A step handed over at the instant of the kill may never have reached
    // Meta: it is never resent blindly but reported unconfirmed. Every
    // other step went exactly once.
    let unconfirmed: Vec<String> = sqlx::query_scalar(
        "SELECT k.phone FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN contacts k ON k.id = c.contact_id
         WHERE m.status = 'unconfirmed' AND m.type = 'template'",
    )
    .fetch_all(&s.owner)
    .await
    .unwrap();
    assert_eq!(
        to.len() + unconfirmed.len(),
        2 * CONTACTS,
        "{} sends and {} unconfirmed for {CONTACTS} contacts × 2 steps",
        to.len(),
        unconfirmed.len()
    );
    let mut per: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for phone in to.into_iter().chain(unconfirmed) {
        *per.entry(phone).or_default() += 1;
    }
    assert_eq!(per.len(), CONTACTS, "every contact reached");
    assert!(per.values().all(|n| *n == 2), "a step went twice or not at all: {per:?}");
    let messages: i64 =
        sqlx::query_scalar("SELECT count(*) FROM messages WHERE client_id LIKE 'drip:%'").fetch_one(&s.owner).await.unwrap();
    assert_eq!(messages, 2 * CONTACTS as i64, "one stored message per contact and step");
}

#[actix_rt::test]
async fn scheduled_messages_killed_mid_send_each_go_once() {
    let mut s = KillableServer::start("a@schedkill.test").await;
    const CUSTOMERS: usize = 40;
    for i in 0..CUSTOMERS {
        s.webhook(text_webhook(PHONE_NUMBER_ID, &format!("1555300{i:04}"), &format!("wamid.sched-{i}"), "hi")).await;
    }
    let conversations = eventually("every conversation open", WAIT, || async {
        let v = s.get("/api/v1/conversations?limit=100").await;
        let ids: Vec<String> = v["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
        (ids.len() == CUSTOMERS).then_some(ids)
    })
    .await;
    // Each conversation's reminder, due within the next two seconds.
    for (i, c) in conversations.iter().enumerate() {
        s.post(
            &format!("/api/v1/conversations/{c}/scheduled-messages"),
            serde_json::json!({"send_in_seconds": 1 + (i % 2), "type": "text", "text": {"body": format!("reminder {i}")}}),
        )
        .await;
    }
    let reminders = || async {
        s.app.sim_sends().await.into_iter().filter(|b| b["text"]["body"].as_str().is_some_and(|t| t.starts_with("reminder "))).count()
    };
    eventually("some reminders sent", WAIT, || async { (reminders().await >= 5).then_some(()) }).await;
    s.kill_and_restart().await;
    eventually("every reminder recorded as sent", Duration::from_secs(60), || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM scheduled_messages WHERE status = 'sent'").fetch_one(&s.owner).await.unwrap();
        (n == CUSTOMERS as i64).then_some(())
    })
    .await;
    outbox_settled(&s.owner).await;
    let mut bodies: Vec<String> = s
        .app
        .sim_sends()
        .await
        .into_iter()
        .filter_map(|b| b["text"]["body"].as_str().filter(|t| t.starts_with("reminder ")).map(str::to_owned))
        .collect();
    // Reminders handed over at the instant of the kill may never have
    // reached Meta: they are never resent blindly but reported unconfirmed
    // (an agent may resend them). Every other one went exactly once.
    let unconfirmed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM messages WHERE status = 'unconfirmed' AND content->>'body' LIKE 'reminder %'")
            .fetch_one(&s.owner)
            .await
            .unwrap();
    let sent = bodies.len();
    bodies.sort();
    bodies.dedup();
    assert_eq!(bodies.len(), sent, "a reminder went twice");
    assert_eq!(
        sent + usize::try_from(unconfirmed).unwrap(),
        CUSTOMERS,
        "{sent} sent and {unconfirmed} unconfirmed for {CUSTOMERS} reminders"
    );
}

/// The `THP_enabled` line of a process's `/proc/<pid>/status`.
fn thp_enabled(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status.lines().find_map(|l| l.strip_prefix("THP_enabled:")).map(|v| v.trim().to_owned()).expect("the kernel reports THP_enabled")
}

#[actix_rt::test]
async fn the_server_runs_without_transparent_huge_pages_unless_the_operator_asks() {
    let db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = spawn_server(Some(&db), port, dir.path());
    wait_ready(&base).await;
    // Off by default: huge pages cost 8 KiB more memory per agent session
    // and half the CPU of connecting agents (BENCHMARKS.md).
    assert_eq!(thp_enabled(server.id()), "0");
    kill9(&mut server);
    // mimalloc's own setting, when given, is the operator's choice: the
    // server then has what any process here has.
    let mut server = spawn_server_with(Some(&db), port, dir.path(), &[("MIMALLOC_ALLOW_THP", "1")]);
    wait_ready(&base).await;
    assert_eq!(thp_enabled(server.id()), thp_enabled(std::process::id()));
    kill9(&mut server);
}
