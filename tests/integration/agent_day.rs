//! The agent's day against the real server: the bot visible in the inbox
//! (its run and step, pause, resume and stop, the hand-off in the thread),
//! assignment on hand-off and on an agent's first reply (and both turned
//! off), who changed what in the conversation's activity, each number's
//! quality and messaging tier from Meta, the inbox's channel filter, and
//! team invitations by email (through the project's SMTP sink).

use crate::flows::{bot_texts, create_flow};
use crate::helpers::*;
use serde_json::{json, Value};

async fn say(app: &TestApp, from: &str, text: &str) {
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, from, &format!("wamid.{}", uuid::Uuid::new_v4().simple()), text)).await;
}

async fn activity(app: &TestApp, t: &Tenant, conversation: &str) -> Vec<Value> {
    let (status, body) = app.get(t, &format!("/api/v1/conversations/{conversation}/activity")).await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_array().cloned().unwrap_or_default()
}

/// Waits until the conversation's activity has an entry of `kind` matching `pred`.
async fn wait_activity(app: &TestApp, t: &Tenant, conversation: &str, kind: &str, pred: impl Fn(&Value) -> bool) -> Value {
    eventually(&format!("a `{kind}` activity"), WAIT, || async {
        activity(app, t, conversation).await.into_iter().find(|a| a["kind"] == kind && pred(a))
    })
    .await
}

/// Waits until the conversation's actor has handled everything sent to it
/// before: an awaited change goes through the same mailbox.
async fn barrier(app: &TestApp, t: &Tenant, conversation: &str) {
    let res = app.patch_json(&t.token, &format!("/api/v1/conversations/{conversation}"), &json!({"status": "pending"})).await;
    assert_eq!(res.status(), 200);
    let res = app.patch_json(&t.token, &format!("/api/v1/conversations/{conversation}"), &json!({"status": "open"})).await;
    assert_eq!(res.status(), 200);
}

async fn bot(app: &TestApp, t: &Tenant, conversation: &str) -> Value {
    let (status, body) = app.get(t, &format!("/api/v1/conversations/{conversation}/bot")).await;
    assert_eq!(status, 200, "{body}");
    body["run"].clone()
}

async fn wait_bot(app: &TestApp, t: &Tenant, conversation: &str, status: Option<&str>) -> Value {
    eventually(&format!("the bot to be {status:?}"), WAIT, || async {
        let run = bot(app, t, conversation).await;
        match status {
            None => run.is_null().then_some(run),
            Some(s) => (run["status"] == s).then_some(run),
        }
    })
    .await
}

async fn conversation_of(app: &TestApp, t: &Tenant, phone: &str) -> Value {
    eventually("the conversation", WAIT, || async { app.conversations(t).await.into_iter().find(|c| c["contact"]["phone"] == phone) }).await
}

fn ask_then_hand_off() -> Value {
    json!({"name": "Order desk", "trigger_type": "keyword", "trigger_value": "order", "flow_data": {"nodes": [
        {"id": "ask", "type": "input", "data": {"start": true, "label": "Ask the order number", "prompt": "Your order number?", "variable": "order"}},
        {"id": "h", "type": "handoff", "data": {"note": "Order {{vars.order}}: needs a person"}},
        {"id": "after", "type": "message", "data": {"text": "Back with the bot"}}
    ], "edges": [{"id": "1", "source": "ask", "target": "h"}, {"id": "2", "source": "h", "target": "after"}]}})
}

#[actix_rt::test]
async fn the_bot_shows_its_step_obeys_pause_resume_and_stop_and_its_hand_off_assigns_an_online_agent_in_the_thread() {
    let app = spawn_app().await;
    let admin = app.register("Bot Desk").await;
    app.connect_channel(&admin, PHONE_NUMBER_ID).await;
    let agent = app.add_user(&admin, "agent").await;
    let _online = app.socket(&agent.token).await;
    let flow = create_flow(&app, &admin, ask_then_hand_off()).await;

    say(&app, "15557770001", "order").await;
    let conversation = conversation_of(&app, &admin, "+15557770001").await;
    let id = conversation["id"].as_str().unwrap();
    // The banner: the flow, the node it waits at (by its label), waiting.
    let run = wait_bot(&app, &admin, id, Some("waiting")).await;
    assert_eq!(run["flow_id"], flow["id"]);
    assert_eq!(run["flow_name"], "Order desk");
    assert_eq!((run["node_id"].as_str(), run["node_label"].as_str()), (Some("ask"), Some("Ask the order number")));
    wait_activity(&app, &admin, id, "bot_started", |a| a["detail"] == "Order desk").await;

    // Paused by a person, then resumed: both in the thread with who did it.
    // Two quick clicks are one pause.
    for _ in 0..2 {
        let res = app.post_json(&admin.token, &format!("/api/v1/conversations/{id}/flow"), &json!({"action": "pause"})).await;
        assert_eq!(res.status(), 202);
    }
    wait_bot(&app, &admin, id, Some("paused")).await;
    assert_eq!(activity(&app, &admin, id).await.iter().filter(|a| a["kind"] == "bot_paused").count(), 1);
    let paused = wait_activity(&app, &admin, id, "bot_paused", |_| true).await;
    assert_eq!(paused["actor_id"], admin.user_id.as_str());
    assert!(paused["actor_name"].is_string());
    let res = app.post_json(&admin.token, &format!("/api/v1/conversations/{id}/flow"), &json!({"action": "resume"})).await;
    assert_eq!(res.status(), 202);
    wait_bot(&app, &admin, id, Some("waiting")).await;
    wait_activity(&app, &admin, id, "bot_resumed", |a| a["actor_id"] == admin.user_id.as_str()).await;

    // The answer reaches the hand-off: its note shows in the thread, the
    // online agent gets the conversation (by nobody: the system did it),
    // and the bot stays paused after it.
    say(&app, "15557770001", "4821").await;
    let handoff = wait_activity(&app, &admin, id, "handoff", |_| true).await;
    assert_eq!(handoff["detail"], "Order 4821: needs a person");
    let assigned = wait_activity(&app, &admin, id, "assigned", |_| true).await;
    assert!(assigned["actor_id"].is_null(), "{assigned}");
    let (_, now) = app.get(&admin, &format!("/api/v1/conversations/{id}")).await;
    assert_eq!(now["assignee_id"], agent.user_id.as_str());
    // Paused where it would carry on when resumed.
    let run = wait_bot(&app, &admin, id, Some("paused")).await;
    assert_eq!((run["node_id"].as_str(), run["node_label"].as_str()), (Some("after"), Some("message")));

    // Stopped: the banner goes, the run's end shows, nothing more is sent.
    let res = app.post_json(&admin.token, &format!("/api/v1/conversations/{id}/flow"), &json!({"action": "stop"})).await;
    assert_eq!(res.status(), 202);
    wait_bot(&app, &admin, id, None).await;
    let stopped = wait_activity(&app, &admin, id, "bot_stopped", |a| a["detail"] == "Order desk").await;
    assert_eq!(stopped["actor_id"], admin.user_id.as_str(), "who stopped it: {stopped}");
    // Started again by hand: the thread names who did it.
    let res = app
        .post_json(&admin.token, &format!("/api/v1/flows/{}/start", flow["id"].as_str().unwrap()), &json!({"conversation_id": id}))
        .await;
    assert_eq!(res.status(), 201);
    wait_activity(&app, &admin, id, "bot_started", |a| a["actor_id"] == admin.user_id.as_str()).await;
    assert!(!bot_texts(&app, "+15557770001").await.iter().any(|t| t == "Back with the bot"));
    // Oldest first.
    let kinds: Vec<String> = activity(&app, &admin, id).await.iter().map(|a| a["kind"].as_str().unwrap().to_owned()).collect();
    let at = |k: &str| kinds.iter().position(|x| x == k).unwrap();
    assert!(at("bot_started") < at("bot_paused") && at("bot_paused") < at("handoff") && at("handoff") < at("bot_stopped"), "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| *k == "bot_started").count(), 2, "{kinds:?}");

    // Another tenant sees none of it.
    let other = app.register("Elsewhere").await;
    assert_eq!(app.get(&other, &format!("/api/v1/conversations/{id}/activity")).await.0, 404);
    assert_eq!(app.get(&other, &format!("/api/v1/conversations/{id}/bot")).await.0, 404);
}

#[actix_rt::test]
async fn with_assignment_on_hand_off_turned_off_the_conversation_waits_in_the_shared_queue() {
    let app = spawn_app().await;
    let admin = app.register("Queue First").await;
    app.connect_channel(&admin, PHONE_NUMBER_ID).await;
    let agent = app.add_user(&admin, "agent").await;
    let _online = app.socket(&agent.token).await;
    create_flow(&app, &admin, ask_then_hand_off()).await;
    let (status, settings) = app.get(&admin, "/api/v1/settings/assignment").await;
    assert_eq!((status, settings), (200, json!({"assign_on_handoff": true, "assign_on_first_reply": true})));
    // Agents read the settings but do not change them.
    let res = app
        .http
        .put(app.url("/api/v1/settings/assignment"))
        .bearer_auth(&agent.token)
        .json(&json!({"assign_on_handoff": false, "assign_on_first_reply": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .http
        .put(app.url("/api/v1/settings/assignment"))
        .bearer_auth(&admin.token)
        .json(&json!({"assign_on_handoff": false, "assign_on_first_reply": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.get(&agent, "/api/v1/settings/assignment").await.1["assign_on_handoff"], false);

    say(&app, "15557770002", "order").await;
    let id = conversation_of(&app, &admin, "+15557770002").await["id"].as_str().unwrap().to_owned();
    wait_bot(&app, &admin, &id, Some("waiting")).await;
    let control = |action: &'static str| {
        let (app, admin, id) = (&app, &admin, id.clone());
        async move {
            let res = app.post_json(&admin.token, &format!("/api/v1/conversations/{id}/flow"), &json!({"action": action})).await;
            assert_eq!(res.status(), 202);
        }
    };
    control("pause").await;
    wait_bot(&app, &admin, &id, Some("paused")).await;
    control("resume").await;
    wait_bot(&app, &admin, &id, Some("waiting")).await;
    say(&app, "15557770002", "77").await;
    wait_activity(&app, &admin, &id, "handoff", |_| true).await;
    wait_bot(&app, &admin, &id, Some("paused")).await;
    let (_, now) = app.get(&admin, &format!("/api/v1/conversations/{id}")).await;
    assert!(now["assignee_id"].is_null(), "{now}");
    assert!(!activity(&app, &admin, &id).await.iter().any(|a| a["kind"] == "assigned"));
    // Resumed after the hand-off: a second resume in the thread (the
    // hand-off paused it), and the bot carries on to its end.
    control("resume").await;
    wait_activity(&app, &admin, &id, "bot_completed", |_| true).await;
    let resumed = activity(&app, &admin, &id).await.iter().filter(|a| a["kind"] == "bot_resumed").count();
    assert_eq!(resumed, 2);
    assert!(bot_texts(&app, "+15557770002").await.iter().any(|t| t == "Back with the bot"));
}

#[actix_rt::test]
async fn an_agents_first_reply_takes_the_conversation_and_the_activity_says_who_changed_what() {
    let app = spawn_app().await;
    let admin = app.register("Reply Desk").await;
    app.connect_channel(&admin, PHONE_NUMBER_ID).await;
    let agent = app.add_user(&admin, "agent").await;
    let agent_name = app.get(&agent, "/api/v1/auth/me").await.1["name"].as_str().unwrap().to_owned();

    let first = app.open_conversation(&admin, "15557770003").await;
    let res = app.send(&agent, &first, json!({"type": "text", "text": {"body": "Hello, I can help."}})).await;
    assert_eq!(res.status(), 201);
    let taken = wait_activity(&app, &admin, &first, "assigned", |_| true).await;
    assert_eq!((taken["actor_id"].as_str(), taken["detail"].as_str()), (Some(agent.user_id.as_str()), Some(agent_name.as_str())));
    assert_eq!(app.get(&admin, &format!("/api/v1/conversations/{first}")).await.1["assignee_id"], agent.user_id.as_str());
    // A second reply changes nothing more.
    assert_eq!(app.send(&agent, &first, json!({"type": "text", "text": {"body": "Still here."}})).await.status(), 201);
    // Someone else's reply never takes a conversation another person holds.
    assert_eq!(app.send(&admin, &first, json!({"type": "text", "text": {"body": "Adding a detail."}})).await.status(), 201);
    barrier(&app, &admin, &first).await;
    assert_eq!(app.get(&admin, &format!("/api/v1/conversations/{first}")).await.1["assignee_id"], agent.user_id.as_str());

    // Resolved by the admin, reopened by the customer writing again.
    let res = app.patch_json(&admin.token, &format!("/api/v1/conversations/{first}"), &json!({"status": "resolved"})).await;
    assert_eq!(res.status(), 200);
    let resolved = wait_activity(&app, &admin, &first, "resolved", |_| true).await;
    assert_eq!(resolved["actor_id"], admin.user_id.as_str());
    say(&app, "15557770003", "one more thing").await;
    let reopened = wait_activity(&app, &admin, &first, "reopened", |_| true).await;
    assert!(reopened["actor_id"].is_null(), "the customer reopened it: {reopened}");
    let kinds: Vec<Value> = activity(&app, &admin, &first).await.iter().map(|a| a["kind"].clone()).collect();
    assert_eq!(kinds, vec![json!("assigned"), json!("pending"), json!("open"), json!("resolved"), json!("reopened")]);

    // A change through an API key names no person (the key's creator did not make it).
    let key =
        app.post_json(&admin.token, "/api/v1/api-keys", &json!({"name": "crm", "scopes": ["write"]})).await.json::<Value>().await.unwrap();
    let key = key["key"].as_str().unwrap().to_owned();
    let res = app
        .http
        .patch(app.url(&format!("/api/v1/conversations/{first}")))
        .header("X-API-Key", &key)
        .json(&json!({"status": "resolved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let by_key = activity(&app, &admin, &first).await.into_iter().rfind(|a| a["kind"] == "resolved").unwrap();
    assert!(by_key["actor_id"].is_null(), "{by_key}");

    // Turned off: a reply leaves the conversation in the shared queue.
    let res = app
        .http
        .put(app.url("/api/v1/settings/assignment"))
        .bearer_auth(&admin.token)
        .json(&json!({"assign_on_handoff": true, "assign_on_first_reply": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let second = app.open_conversation(&admin, "15557770004").await;
    assert_eq!(app.send(&agent, &second, json!({"type": "text", "text": {"body": "Hi!"}})).await.status(), 201);
    barrier(&app, &admin, &second).await;
    let (_, now) = app.get(&admin, &format!("/api/v1/conversations/{second}")).await;
    assert!(now["assignee_id"].is_null(), "{now}");
    assert!(activity(&app, &admin, &second).await.iter().all(|a| a["kind"] != "assigned"));
}

fn quality_webhook(waba: &str, display: &str, event: &str, tier: &str, time: i64) -> Vec<u8> {
    json!({"object": "whatsapp_business_account", "entry": [{"id": waba, "time": time, "changes": [{"field": "phone_number_quality_update",
        "value": {"display_phone_number": display, "event": event, "current_limit": tier, "max_daily_conversations_per_business": tier}}]}]})
    .to_string()
    .into_bytes()
}

#[actix_rt::test]
async fn a_number_shows_its_quality_and_tier_from_meta_and_the_inbox_filters_by_number() {
    let app = spawn_app().await;
    let admin = app.register("Quality Co").await;
    let channel = app.connect_channel(&admin, PHONE_NUMBER_ID).await;
    // Read from the Graph API when the number checked out.
    assert_eq!((channel["quality_rating"].as_str(), channel["messaging_tier"].as_str()), (Some("GREEN"), Some("TIER_1K")));
    let id = channel["id"].as_str().unwrap().to_owned();
    let display = channel["display_phone_number"].as_str().unwrap().to_owned();
    let waba = channel["waba_id"].as_str().unwrap().to_owned();

    // Meta reports the number flagged at a higher tier.
    let now = chrono::Utc::now().timestamp();
    app.post_webhook_ok(quality_webhook(&waba, &display, "FLAGGED", "TIER_10K", now)).await;
    let shown = eventually("the tier from the webhook", WAIT, || async {
        let (_, c) = app.get(&admin, &format!("/api/v1/channels/{id}")).await;
        (c["messaging_tier"] == "TIER_10K").then_some(c)
    })
    .await;
    assert_eq!(shown["quality_event"], "FLAGGED");
    // An older report arriving late changes nothing (once it is processed).
    app.post_webhook_ok(quality_webhook(&waba, &display, "UNFLAGGED", "TIER_250", now - 3600)).await;
    eventually("every webhook processed", WAIT, || async {
        let left: i64 =
            sqlx::query_scalar("SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL").fetch_one(&app.owner).await.unwrap();
        (left == 0).then_some(())
    })
    .await;
    let (_, still) = app.get(&admin, &format!("/api/v1/channels/{id}")).await;
    assert_eq!((still["messaging_tier"].as_str(), still["quality_event"].as_str()), (Some("TIER_10K"), Some("FLAGGED")), "{still}");
    app.post_webhook_ok(quality_webhook(&waba, &display, "UPGRADE", "TIER_100K", now + 1)).await;
    eventually("the newest report", WAIT, || async {
        let (_, c) = app.get(&admin, &format!("/api/v1/channels/{id}")).await;
        (c["messaging_tier"] == "TIER_100K" && c["quality_event"] == "UPGRADE").then_some(())
    })
    .await;
    // Read again from Meta on demand (admins only).
    let agent = app.add_user(&admin, "agent").await;
    assert_eq!(app.post_json(&agent.token, &format!("/api/v1/channels/{id}/refresh"), &json!({})).await.status(), 403);
    let res = app.post_json(&admin.token, &format!("/api/v1/channels/{id}/refresh"), &json!({})).await;
    assert_eq!(res.status(), 200);
    let refreshed: Value = res.json().await.unwrap();
    assert_eq!((refreshed["quality_rating"].as_str(), refreshed["messaging_tier"].as_str()), (Some("GREEN"), Some("TIER_1K")));

    // The inbox lists a number's conversations.
    app.open_conversation(&admin, "15557770005").await;
    let (_, mine) = app.get(&admin, &format!("/api/v1/conversations?channel_id={id}")).await;
    assert_eq!(mine["data"].as_array().unwrap().len(), 1);
    let (_, none) = app.get(&admin, &format!("/api/v1/conversations?channel_id={}", uuid::Uuid::new_v4())).await;
    assert_eq!(none["data"].as_array().unwrap().len(), 0);
    let (status, bad) = app.get(&admin, "/api/v1/conversations?channel_id=nope").await;
    assert_eq!((status, bad["error"]["code"].as_str()), (400, Some("VALIDATION_FAILED")), "{bad}");
}

#[actix_rt::test]
async fn an_invited_teammate_chooses_their_own_password_through_the_mailed_link_once() {
    let (app, sink) = crate::account_security::app_with_mail().await;
    let admin = app.register("Invite Co").await;
    let email = format!("priya-{}@example.com", uuid::Uuid::new_v4().simple());
    // Either a password or an invitation.
    let res = app.post_json(&admin.token, "/api/v1/users", &json!({"email": email, "name": "Priya", "role": "agent"})).await;
    assert_eq!(res.status(), 400);
    let res = app
        .post_json(
            &admin.token,
            "/api/v1/users",
            &json!({"email": email, "name": "Priya", "role": "agent", "invite": true, "password": "whatever-long-1"}),
        )
        .await;
    assert_eq!(res.status(), 400);

    let res =
        app.post_json(&admin.token, "/api/v1/users", &json!({"email": email, "name": "Priya", "role": "agent", "invite": true})).await;
    assert_eq!(res.status(), 201);
    let invited: Value = res.json().await.unwrap();
    assert!(invited["invitation"]["expires_at"].is_string(), "{invited}");
    let user_id = invited["id"].as_str().unwrap().to_owned();
    let (_, team) = app.get(&admin, "/api/v1/users").await;
    let listed = team["data"].as_array().unwrap().iter().find(|u| u["id"] == user_id.as_str()).cloned().unwrap();
    assert!(listed["invitation"]["sent_at"].is_string());

    let token = mailed(&sink, &email, 1).await;
    // A minute later, a fresh link replaces the first.
    sqlx::query("UPDATE auth_tokens SET created_at = created_at - interval '2 minutes' WHERE purpose = 'invitation'")
        .execute(&app.owner)
        .await
        .unwrap();
    let res = app.post_json(&admin.token, &format!("/api/v1/users/{user_id}/invitation"), &json!({})).await;
    assert_eq!(res.status(), 202);
    let fresh = mailed(&sink, &email, 2).await;
    assert_ne!(token, fresh);
    let (status, _) = get_public(&app, &format!("/api/v1/auth/invitations/{token}")).await;
    assert_eq!(status, 400, "the replaced link is dead");

    let (status, page) = get_public(&app, &format!("/api/v1/auth/invitations/{fresh}")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        (page["email"].as_str(), page["name"].as_str(), page["tenant_name"].as_str()),
        (Some(email.as_str()), Some("Priya"), Some("Invite Co"))
    );
    // A second invitee resets their password instead: the invitation closes
    // (its link can no longer replace the password they chose).
    let other = format!("arun-{}@example.com", uuid::Uuid::new_v4().simple());
    let res = app.post_json(&admin.token, "/api/v1/users", &json!({"email": other, "name": "Arun", "role": "agent", "invite": true})).await;
    assert_eq!(res.status(), 201);
    let other_id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let other_link = mailed(&sink, &other, 1).await;
    assert_eq!(app.post_json("", "/api/v1/auth/password/forgot", &json!({"email": other})).await.status(), 202);
    let reset = eventually("the reset mail", WAIT, || async {
        sink.mailbox
            .mails()
            .iter()
            .filter(|m| m.to.iter().any(|t| t == &other))
            .find_map(|m| m.body.split("/reset-password?token=").nth(1).map(|r| r.split_whitespace().next().unwrap_or("").to_owned()))
    })
    .await;
    let res = app.post_json("", "/api/v1/auth/password/reset", &json!({"token": reset, "password": "arun-chose-this-1"})).await;
    assert_eq!(res.status(), 200);
    assert!(app.get(&admin, &format!("/api/v1/users/{other_id}")).await.1["invitation"].is_null());
    let res = app.post_json("", "/api/v1/auth/invitations/accept", &json!({"token": other_link, "password": "hijack-attempt-1"})).await;
    assert_eq!(res.status(), 400, "the old invitation link is dead");
    // A resend right after the first mail waits a minute.
    let third = format!("mina-{}@example.com", uuid::Uuid::new_v4().simple());
    let res = app.post_json(&admin.token, "/api/v1/users", &json!({"email": third, "name": "Mina", "role": "agent", "invite": true})).await;
    let third_id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let res = app.post_json(&admin.token, &format!("/api/v1/users/{third_id}/invitation"), &json!({})).await;
    assert_eq!(res.status(), 429);

    // Nobody can sign in before accepting.
    let login = |password: &'static str| {
        let (app, email) = (&app, email.clone());
        async move { app.http.post(app.url("/api/v1/auth/login")).json(&json!({"email": email, "password": password})).send().await.unwrap() }
    };
    assert_eq!(login("my-own-password-9").await.status(), 401);
    let res = app.post_json("", "/api/v1/auth/invitations/accept", &json!({"token": fresh, "password": "short"})).await;
    assert_eq!(res.status(), 400);
    let res = app.post_json("", "/api/v1/auth/invitations/accept", &json!({"token": fresh, "password": "my-own-password-9"})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["email"], email.as_str());
    let res = login("my-own-password-9").await;
    assert_eq!(res.status(), 200);
    // Once only; the team no longer shows an open invitation, and a resend is refused.
    let res = app.post_json("", "/api/v1/auth/invitations/accept", &json!({"token": fresh, "password": "another-password-9"})).await;
    assert_eq!(res.status(), 400);
    let (_, me) = app.get(&admin, &format!("/api/v1/users/{user_id}")).await;
    assert!(me["invitation"].is_null(), "{me}");
    let res = app.post_json(&admin.token, &format!("/api/v1/users/{user_id}/invitation"), &json!({})).await;
    assert_eq!(res.status(), 409);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "INVITATION_ACCEPTED");
}

/// The `n`th invitation token mailed to `to`.
async fn mailed(sink: &whatsflow::sim::smtp::MailSink, to: &str, n: usize) -> String {
    eventually("the invitation mail", WAIT, || async {
        let tokens: Vec<String> = sink
            .mailbox
            .mails()
            .iter()
            .filter(|m| m.to.iter().any(|t| t == to))
            .filter_map(|m| m.body.split("/accept-invite?token=").nth(1).map(|r| r.split_whitespace().next().unwrap_or("").to_owned()))
            .collect();
        tokens.get(n - 1).cloned()
    })
    .await
}

async fn get_public(app: &TestApp, path: &str) -> (u16, Value) {
    let res = app.http.get(app.url(path)).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

#[actix_rt::test]
async fn a_flow_assigns_only_people_of_its_own_account() {
    let app = spawn_app().await;
    let admin = app.register("Own People").await;
    app.connect_channel(&admin, PHONE_NUMBER_ID).await;
    let agent = app.add_user(&admin, "agent").await;
    let stranger = app.add_user(&app.register("Someone Else").await, "agent").await;
    let assign_to = |keyword: &str, who: &str| {
        json!({"name": format!("to {keyword}"), "trigger_type": "keyword", "trigger_value": keyword, "flow_data": {"nodes": [
            {"id": "a", "type": "assign", "data": {"start": true, "agent_id": who}},
            {"id": "m", "type": "message", "data": {"text": format!("assigned by {keyword}")}}
        ], "edges": [{"id": "1", "source": "a", "target": "m"}]}})
    };
    create_flow(&app, &admin, assign_to("ours", &agent.user_id)).await;
    create_flow(&app, &admin, assign_to("theirs", &stranger.user_id)).await;

    say(&app, "15557770010", "ours").await;
    let ours = conversation_of(&app, &admin, "+15557770010").await["id"].as_str().unwrap().to_owned();
    eventually("our agent assigned", WAIT, || async {
        (app.get(&admin, &format!("/api/v1/conversations/{ours}")).await.1["assignee_id"] == agent.user_id.as_str()).then_some(())
    })
    .await;

    // Another account's person is nobody here: the bot goes on, the
    // conversation waits in the shared queue.
    say(&app, "15557770011", "theirs").await;
    eventually("the bot's next message", WAIT, || async {
        bot_texts(&app, "+15557770011").await.iter().any(|t| t == "assigned by theirs").then_some(())
    })
    .await;
    let theirs = conversation_of(&app, &admin, "+15557770011").await;
    assert!(theirs["assignee_id"].is_null(), "{theirs}");
}
