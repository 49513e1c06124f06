//! Sends whose outcome is unknown: never resent before the grace, never
//! resent blindly after it; an agent's becomes `unconfirmed` with a resend
//! action, a bot's follows its flow's setting. And events a conversation
//! cannot store: parked as dead letters, retried by an admin.

use crate::helpers::*;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use whatsflow_actors::identity::ContactIdentity;
use whatsflow_actors::ids::{ChannelId, ContactId, TenantId};
use whatsflow_actors::meta::TemplateStatusUpdate;
use whatsflow_actors::ports::{BatchOutcome, ConversationBatch, ConversationSnapshot, DeadLetter, ManualClock, Store, StoreError};

async fn sends_of(app: &TestApp, body: &str) -> usize {
    app.sim_sends().await.iter().filter(|b| b["text"]["body"] == body).count()
}

async fn message_status(app: &TestApp, t: &Tenant, conversation: &str, id: &str) -> String {
    let (_, page) = app.get(t, &format!("/api/v1/conversations/{conversation}/messages?limit=100")).await;
    page["data"].as_array().unwrap().iter().find(|m| m["id"] == id).map(|m| m["status"].as_str().unwrap().to_owned()).unwrap_or_default()
}

/// The production grace (ten minutes), passed by moving the engine's clock.
const GRACE: Duration = Duration::from_secs(600);

/// A server whose clock the test moves, with the production grace.
async fn spawn_on_manual_clock(db: String) -> (TestApp, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::default());
    let app = spawn_with_clock_and(db, clock.clone(), |mut c| {
        c.send_recheck = GRACE;
        c
    })
    .await;
    (app, clock)
}

fn span(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap()
}

#[actix_rt::test]
async fn a_lost_answer_for_an_accepted_send_is_never_sent_twice() {
    let (app, clock) = spawn_on_manual_clock(fresh_database().await).await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conversation = app.open_conversation(&t, "15550020001").await;
    app.sim_control(json!({"lose_responses": 1})).await;
    let held = counter(&app, "sends_held_for_grace").await;
    let sent: Value =
        app.send(&t, &conversation, json!({"type": "text", "text": {"body": "accepted but unheard"}})).await.json().await.unwrap();
    let id = sent["id"].as_str().unwrap().to_owned();
    // The answer never came: the outbox holds the send for its grace.
    grew(&app, "sends_held_for_grace", held, 1).await;
    // Meta's statuses (echoing our id) link the wamid meanwhile.
    eventually("the delivered status", WAIT, || async {
        let s = message_status(&app, &t, &conversation, &id).await;
        matches!(s.as_str(), "delivered" | "read").then_some(())
    })
    .await;
    // Nothing is decided before the grace, status or not.
    let decided = counter(&app, "sends_decided_after_grace").await;
    held_sends_checked(&app).await;
    assert_eq!(counter(&app, "sends_decided_after_grace").await, decided, "decided before the grace");
    // Past the grace the outbox finds the linked wamid and does not send again.
    clock.advance(span(GRACE));
    counted(&app, "sends_decided_after_grace", decided, 1).await;
    assert_eq!(sends_of(&app, "accepted but unheard").await, 1, "sent once, whatever happened to the answer");
    assert!(matches!(message_status(&app, &t, &conversation, &id).await.as_str(), "delivered" | "read"));
}

#[actix_rt::test]
async fn an_agents_send_with_no_word_from_meta_becomes_unconfirmed_and_can_be_resent() {
    let (app, clock) = spawn_on_manual_clock(fresh_database().await).await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conversation = app.open_conversation(&t, "15550021001").await;
    let mut socket = app.socket(&t.token).await;
    app.sim_control(json!({"lose_responses": 1, "silent": true})).await;
    let held = counter(&app, "sends_held_for_grace").await;
    let sent: Value = app.send(&t, &conversation, json!({"type": "text", "text": {"body": "did it arrive?"}})).await.json().await.unwrap();
    let id = sent["id"].as_str().unwrap().to_owned();
    grew(&app, "sends_held_for_grace", held, 1).await;
    // A second short of the grace nothing is decided or resent.
    clock.advance(span(GRACE - Duration::from_secs(1)));
    held_sends_checked(&app).await;
    assert_eq!(message_status(&app, &t, &conversation, &id).await, "pending", "decided before the grace");
    assert_eq!(sends_of(&app, "did it arrive?").await, 1);
    // Past it, with no word from Meta, the message is unconfirmed.
    clock.advance(chrono::Duration::seconds(2));
    let frame = socket.expect("message:status", |d| d["message_id"] == id.as_str() && d["status"] == "unconfirmed").await;
    assert_eq!(frame["conversation_id"], conversation.as_str());
    assert_eq!(message_status(&app, &t, &conversation, &id).await, "unconfirmed");
    assert_eq!(sends_of(&app, "did it arrive?").await, 1, "not resent blindly");
    // The agent decides to send it again.
    let res = app
        .http
        .post(app.url(&format!("/api/v1/conversations/{conversation}/messages/{id}/resend")))
        .bearer_auth(&t.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "pending");
    eventually("the resend accepted", WAIT, || async { (message_status(&app, &t, &conversation, &id).await == "accepted").then_some(()) })
        .await;
    assert_eq!(sends_of(&app, "did it arrive?").await, 2);
    let again = app
        .http
        .post(app.url(&format!("/api/v1/conversations/{conversation}/messages/{id}/resend")))
        .bearer_auth(&t.token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    assert_eq!(again.json::<Value>().await.unwrap()["error"]["code"], "NOT_UNCONFIRMED");
}

/// Inserts a pending outbound message as a crash would have left it:
/// handed to Meta (`attempted`, its outcome unknown) or still queued.
async fn pending_message(app: &TestApp, t: &Tenant, conversation: &str, body: &str, sent_by: Value, attempted: bool) -> String {
    let id = uuid::Uuid::now_v7();
    sqlx::query(
        "WITH c AS (UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $2 RETURNING last_seq)
         INSERT INTO messages (id, tenant_id, conversation_id, seq, status_seq, direction, type, status, content, sent_by, timestamp, send_attempted_at)
         SELECT $1, $3, $2, c.last_seq, c.last_seq, 'outbound', 'text', 'pending', $4, $5, now(), CASE WHEN $6 THEN now() END FROM c",
    )
    .bind(id)
    .bind(uuid::Uuid::parse_str(conversation).unwrap())
    .bind(uuid::Uuid::parse_str(&t.tenant_id).unwrap())
    .bind(json!({"body": body}))
    .bind(sent_by)
    .bind(attempted)
    .execute(&app.owner)
    .await
    .unwrap();
    id.to_string()
}

#[actix_rt::test]
async fn sends_caught_by_a_restart_wait_for_the_grace_then_follow_their_sender() {
    let db = fresh_database().await;
    let first = spawn_with(db.clone(), |c| c, None).await;
    let t = first.register("Acme").await;
    first.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conversation = first.open_conversation(&t, "15550022001").await;
    let flow: Value = first
        .http
        .post(first.url("/api/v1/flows"))
        .bearer_auth(&t.token)
        .json(&json!({"name": "retrying bot", "trigger_type": "manual", "resend_unconfirmed": true,
                      "flow_data": {"nodes": [{"id": "m", "type": "message", "data": {"start": true, "text": "x"}}], "edges": []}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(flow["resend_unconfirmed"], true);
    first.stop().await;
    let agent_msg =
        pending_message(&first, &t, &conversation, "agent before the crash", json!({"kind": "agent", "id": t.user_id}), true).await;
    let bot_msg = pending_message(&first, &t, &conversation, "bot before the crash", json!({"kind": "flow", "id": flow["id"]}), true).await;
    // Stored but never handed to Meta (it waited in the outbox's queue).
    let queued =
        pending_message(&first, &t, &conversation, "queued before the crash", json!({"kind": "agent", "id": t.user_id}), false).await;
    // The restarted server: Meta answers nothing about either.
    let (app, clock) = spawn_on_manual_clock(db).await;
    app.sim_control(json!({"silent": true})).await;
    // What never left is sent at once, whatever the grace.
    eventually("the queued message sent", WAIT, || async { (sends_of(&app, "queued before the crash").await == 1).then_some(()) }).await;
    // (Meta's statuses may come before the simulator is told to go silent.)
    eventually("the queued message accepted", WAIT, || async {
        matches!(message_status(&app, &t, &conversation, &queued).await.as_str(), "accepted" | "sent" | "delivered" | "read").then_some(())
    })
    .await;
    // The two handed over before the crash are held for what is left of
    // their grace; nothing of them is sent or decided before it ends.
    grew(&app, "sends_held_for_grace", 0, 2).await;
    held_sends_checked(&app).await;
    assert_eq!(app.sim_sends().await.len(), 1, "nothing handed over before the crash is resent before the grace");
    assert_eq!(message_status(&app, &t, &conversation, &agent_msg).await, "pending");
    clock.advance(span(GRACE));
    eventually("the agent's message unconfirmed", WAIT, || async {
        (message_status(&app, &t, &conversation, &agent_msg).await == "unconfirmed").then_some(())
    })
    .await;
    eventually("the bot's message resent, as its flow asks", WAIT, || async {
        (sends_of(&app, "bot before the crash").await == 1).then_some(())
    })
    .await;
    assert_eq!(sends_of(&app, "agent before the crash").await, 0, "the agent's is left for the agent to decide");
    eventually("the bot's message accepted", WAIT, || async {
        (message_status(&app, &t, &conversation, &bot_msg).await == "accepted").then_some(())
    })
    .await;
}

/// Fails (as a bug would) every commit carrying a poisoned message.
struct PoisonStore {
    inner: Arc<dyn Store>,
    poison: Arc<AtomicBool>,
}

#[async_trait::async_trait]
impl Store for PoisonStore {
    async fn resolve_contact(&self, tenant: TenantId, identity: &ContactIdentity) -> Result<ContactId, StoreError> {
        self.inner.resolve_contact(tenant, identity).await
    }
    async fn open_conversation(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        contact: ContactId,
    ) -> Result<ConversationSnapshot, StoreError> {
        self.inner.open_conversation(tenant, channel, contact).await
    }
    async fn commit(&self, batch: ConversationBatch) -> Result<BatchOutcome, StoreError> {
        let poisoned = batch.messages.iter().any(|m| m.wamid.as_ref().is_some_and(|w| w.0.starts_with("wamid.poison")));
        if poisoned && self.poison.load(Ordering::SeqCst) {
            return Err(StoreError::Bug("a value this version cannot store".into()));
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
    async fn park(&self, letter: DeadLetter) -> Result<i64, StoreError> {
        self.inner.park(letter).await
    }
}

#[actix_rt::test]
async fn events_that_keep_failing_are_parked_alerted_and_retried_by_an_admin() {
    let poison = Arc::new(AtomicBool::new(true));
    let p = poison.clone();
    let layer: whatsflow::startup::StoreLayer = Box::new(move |inner| Arc::new(PoisonStore { inner, poison: p }));
    let app = spawn_with(fresh_database().await, |c| c, Some(layer)).await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let mut socket = app.socket(&t.token).await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15550023001", "wamid.poison-1", "this one breaks")).await;
    // After three failures in a row the event is set aside, and admins hear of it.
    let alert = socket.expect("notification", |d| d["kind"] == "dead_letter").await;
    assert!(alert["message"].as_str().unwrap().contains("dead letter"), "{alert}");
    let (status, letters) = app.get(&t, "/api/v1/dead-letters").await;
    assert_eq!(status, 200);
    let letter = &letters["data"][0];
    assert_eq!(letter["events"], 1);
    assert!(letter["error"].as_str().unwrap().contains("cannot store"));
    // Its inbox row is settled (not in flight forever), with a note.
    eventually("inbox settled", WAIT, || async {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM webhook_inbox WHERE processed_at IS NOT NULL AND notes @> '[{\"kind\":\"dead_letter\"}]'",
        )
        .fetch_one(&app.owner)
        .await
        .unwrap();
        (n == 1).then_some(())
    })
    .await;
    // The conversation is not blocked: the customer's next message is stored.
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15550023001", "wamid.after-poison", "still here")).await;
    eventually("the next message", WAIT, || async { app.message_by_wamid(&t, "wamid.after-poison").await }).await;
    let metrics = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.lines().any(|l| l == "whatsflow_dead_letters_total 1"), "{metrics}");
    // Agents may not see or retry dead letters.
    let agent = app.add_user(&t, "agent").await;
    assert_eq!(app.get(&agent, "/api/v1/dead-letters").await.0, 403);
    // A retry while the cause remains loses nothing: the events come back
    // as a new dead letter.
    let first = letter["id"].as_i64().unwrap();
    let retry = app.http.post(app.url(&format!("/api/v1/dead-letters/{first}/retry"))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(retry.status(), 202);
    let again = eventually("parked again", Duration::from_secs(30), || async {
        let (_, letters) = app.get(&t, "/api/v1/dead-letters").await;
        letters["data"].as_array().unwrap().iter().find(|l| l["id"].as_i64() != Some(first)).cloned()
    })
    .await;
    assert_eq!(again["events"], 1);
    assert!(app.message_by_wamid(&t, "wamid.poison-1").await.is_none());
    // The fixed system takes the retry.
    poison.store(false, Ordering::SeqCst);
    let id = again["id"].as_i64().unwrap();
    let retry = app.http.post(app.url(&format!("/api/v1/dead-letters/{id}/retry"))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(retry.status(), 202);
    let m = eventually("the parked message", WAIT, || async { app.message_by_wamid(&t, "wamid.poison-1").await }).await;
    assert_eq!(m["content"]["body"], "this one breaks");
    let twice = app.http.post(app.url(&format!("/api/v1/dead-letters/{id}/retry"))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(twice.status(), 409);
}
