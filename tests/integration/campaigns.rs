//! Broadcast campaigns against the real server and the Graph API
//! simulator: who is reached and skipped, pacing measured at the
//! simulator, pause / resume / cancel, Meta's errors and template pauses,
//! consent at dispatch, counts that add up after repeated and late status
//! webhooks, live progress to admins only.

use crate::helpers::*;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::time::Duration;

/// Adds contacts tagged `tag`: (phone, name, opted_in).
pub(crate) async fn contacts(app: &TestApp, t: &Tenant, tag: &str, people: &[(&str, &str, bool)]) -> Vec<String> {
    let mut ids = Vec::new();
    for (phone, name, opted_in) in people {
        let res =
            app.post_json(&t.token, "/api/v1/contacts", &json!({"phone": phone, "name": name, "tags": [tag], "opted_in": opted_in})).await;
        assert_eq!(res.status(), 201);
        ids.push(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    ids
}

/// Adds `n` opted-in contacts tagged `tag`: phones `phone` + two digits,
/// names `name` + the number.
pub(crate) async fn numbered_contacts(app: &TestApp, t: &Tenant, tag: &str, phone: &str, name: &str, n: usize) -> Vec<String> {
    let people: Vec<(String, String)> = (0..n).map(|i| (format!("{phone}{i:02}"), format!("{name}{i}"))).collect();
    let refs: Vec<(&str, &str, bool)> = people.iter().map(|(p, n)| (p.as_str(), n.as_str(), true)).collect();
    contacts(app, t, tag, &refs).await
}

/// A tenant with a number and Meta's templates synced (hello_world,
/// order_update, and the marketing spring_sale).
pub(crate) async fn ready(app: &TestApp) -> (Tenant, String) {
    let t = app.register("Acme").await;
    let channel = app.connect_channel(&t, PHONE_NUMBER_ID).await["id"].as_str().unwrap().to_owned();
    let res = app.post_json(&t.token, "/api/v1/templates/sync", &json!({})).await;
    assert_eq!(res.status(), 200);
    (t, channel)
}

pub(crate) fn spring_sale(channel: &str, tag: &str, rate: u32) -> Value {
    json!({"name": "Spring sale", "channel_id": channel, "template": {"name": "spring_sale", "language": "en"},
           "variables": {"body": [{"field": "contact.name"}, {"value": "20%"}]}, "audience": {"tags": [tag]}, "rate_mps": rate})
}

pub(crate) async fn create(app: &TestApp, t: &Tenant, body: &Value) -> String {
    let res = app.post_json(&t.token, "/api/v1/campaigns", body).await;
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["status"], "draft");
    v["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn action(app: &TestApp, t: &Tenant, id: &str, what: &str) -> (u16, Value) {
    let res = app.post_json(&t.token, &format!("/api/v1/campaigns/{id}/{what}"), &json!({})).await;
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn stats(app: &TestApp, t: &Tenant, id: &str) -> Value {
    let (s, v) = app.get(t, &format!("/api/v1/campaigns/{id}/stats")).await;
    assert_eq!(s, 200, "{v}");
    v
}

pub(crate) async fn status(app: &TestApp, t: &Tenant, id: &str) -> String {
    app.get(t, &format!("/api/v1/campaigns/{id}")).await.1["status"].as_str().unwrap_or_default().to_owned()
}

/// The partition of the audience adds up, whatever the moment.
fn assert_adds_up(s: &Value) {
    let parts = ["skipped", "pending", "sending", "accepted", "sent", "delivered", "read", "failed", "unconfirmed", "cancelled"];
    let sum: i64 = parts.iter().map(|p| s[*p].as_i64().unwrap()).sum();
    assert_eq!(sum, s["audience"].as_i64().unwrap(), "counts do not add up: {s}");
}

/// Template sends the simulator received, with when.
async fn template_sends(app: &TestApp) -> Vec<(DateTime<Utc>, Value)> {
    let base = app.sim.base_url.trim_end_matches("/v23.0").to_owned();
    let v: Value = app.http.get(format!("{base}/__sim/requests")).send().await.unwrap().json().await.unwrap();
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with("/messages")) && r["body"]["type"] == "template")
        .map(|r| (r["at"].as_str().unwrap().parse().unwrap(), r["body"].clone()))
        .collect()
}

/// Template sends once nothing handed over is still on its way to Meta.
async fn settled_sends(app: &TestApp) -> Vec<(DateTime<Utc>, Value)> {
    outbox_settled(&app.owner).await;
    template_sends(app).await
}

async fn wait_status(app: &TestApp, t: &Tenant, id: &str, want: &str) {
    eventually(&format!("campaign {want}"), Duration::from_secs(30), || async { (status(app, t, id).await == want).then_some(()) }).await;
}

#[actix_rt::test]
async fn a_campaign_reaches_each_recipient_once_with_their_values_and_its_counts_add_up() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    contacts(
        &app,
        &t,
        "vip",
        &[
            ("+919800000001", "Asha", true),
            ("+919800000002", "Ravi", true),
            ("+919800000003", "Meena", true),
            ("+919800000004", "Stopped", false),
            ("+14155550100", "Sam in SF", true),
        ],
    )
    .await;
    contacts(&app, &t, "other", &[("+919800000009", "Not in it", true)]).await;
    let id = create(&app, &t, &spring_sale(&channel, "vip", 50)).await;

    let (s, preview) = app.get(&t, &format!("/api/v1/campaigns/{id}/preview")).await;
    assert_eq!(s, 200, "{preview}");
    assert_eq!(preview["audience"], 5);
    assert_eq!(preview["sendable"], 3);
    assert_eq!(preview["skipped"], json!({"opted_out": 1, "us_marketing": 1}));
    assert_eq!(preview["samples"][0]["text"], "Hi Asha, our spring sale is on: 20% off everything.");
    assert_eq!(preview["estimated_cost"], json!({"currency": "INR", "amount_minor": 259, "amount_e4": 25893}));

    let (s, started) = action(&app, &t, &id, "start").await;
    assert_eq!(s, 200, "{started}");
    assert_eq!(started["status"], "running");
    assert_eq!(action(&app, &t, &id, "start").await.0, 409, "started once");
    wait_status(&app, &t, &id, "completed").await;
    let final_stats = eventually("every recipient read", WAIT, || async {
        let s = stats(&app, &t, &id).await;
        assert_adds_up(&s);
        (s["read"] == 3).then_some(s)
    })
    .await;
    assert_eq!(final_stats["audience"], 5);
    assert_eq!(final_stats["skipped"], 2);
    assert_eq!(final_stats["by_skip_reason"], json!({"opted_out": 1, "us_marketing": 1}));
    assert_eq!(final_stats["funnel"], json!({"sent": 3, "delivered": 3, "read": 3, "replied": 0}));
    // Meta prices each delivered marketing message once: 3 × ₹0.8631.
    assert_eq!(final_stats["cost"], json!({"currency": "INR", "amount_minor": 259, "amount_e4": 25893}));

    let sends = settled_sends(&app).await;
    assert_eq!(sends.len(), 3, "one message per recipient");
    let mut to: Vec<&str> = sends.iter().map(|(_, b)| b["to"].as_str().unwrap()).collect();
    to.sort();
    assert_eq!(to, ["+919800000001", "+919800000002", "+919800000003"]);
    let asha = sends.iter().find(|(_, b)| b["to"] == "+919800000001").unwrap();
    assert_eq!(
        asha.1["template"]["components"][0]["parameters"],
        json!([{"type": "text", "text": "Asha"}, {"type": "text", "text": "20%"}])
    );
    assert!(asha.1["biz_opaque_callback_data"].is_string(), "the send key travels with the message");

    let (_, page) = app.get(&t, &format!("/api/v1/campaigns/{id}/messages?status=read&limit=2")).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    assert!(page["data"][0]["wamid"].as_str().unwrap().starts_with("wamid."));
    let (_, rest) =
        app.get(&t, &format!("/api/v1/campaigns/{id}/messages?status=read&cursor={}", page["next_cursor"].as_str().unwrap())).await;
    assert_eq!(rest["data"].as_array().unwrap().len(), 1);
    assert!(rest["next_cursor"].is_null());
    let (_, skipped) = app.get(&t, &format!("/api/v1/campaigns/{id}/messages?status=skipped")).await;
    let reasons: Vec<&str> = skipped["data"].as_array().unwrap().iter().map(|r| r["skip_reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["opted_out", "us_marketing"]);

    // The campaign's messages are in the contacts' conversations, sent by it.
    let convs = app.conversations(&t).await;
    assert_eq!(convs.len(), 3);
    let export = app.http.get(app.url(&format!("/api/v1/campaigns/{id}/export"))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(export.status(), 200);
    let csv = export.text().await.unwrap();
    assert_eq!(csv.lines().count(), 6, "a header and a row per recipient: {csv}");
    assert!(csv.lines().any(|l| l.starts_with("+919800000001,") && l.contains(",read,") && l.ends_with(",0.8631")), "{csv}");
}

#[actix_rt::test]
async fn sends_are_paced_at_the_campaigns_rate_and_pause_resume_and_cancel_hold() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    numbered_contacts(&app, &t, "list", "+9198100000", "Customer ", 12).await;
    let id = create(&app, &t, &spring_sale(&channel, "list", 4)).await;
    assert_eq!(action(&app, &t, &id, "start").await.0, 200);
    eventually("four sent", WAIT, || async { (template_sends(&app).await.len() >= 4).then_some(()) }).await;
    let (s, paused) = action(&app, &t, &id, "pause").await;
    assert_eq!(s, 200, "{paused}");
    assert_eq!(paused["status"], "paused");
    assert_eq!(action(&app, &t, &id, "pause").await.0, 409, "only a running campaign pauses");
    // Whatever was handed over before the pause settles; then nothing moves.
    let settled = eventually("the pause settled", WAIT, || async {
        let s = stats(&app, &t, &id).await;
        (s["sending"] == 0 && s["accepted"] == 0).then_some(s)
    })
    .await;
    let at_pause = template_sends(&app).await.len();
    assert_eq!(settled["pending"].as_i64().unwrap() + at_pause as i64, 12, "{settled}");
    assert!(at_pause < 12, "paused before the end");
    let patch = app.patch_json(&t.token, &format!("/api/v1/campaigns/{id}"), &spring_sale(&channel, "list", 4)).await;
    assert_eq!(patch.status(), 409, "only drafts are edited");
    assert_eq!(patch.json::<Value>().await.unwrap()["error"]["code"], "CAMPAIGN_STATE");

    assert_eq!(action(&app, &t, &id, "resume").await.0, 200);
    wait_status(&app, &t, &id, "completed").await;
    let sends = settled_sends(&app).await;
    assert_eq!(sends.len(), 12, "each recipient once, across the pause");
    let mut to: Vec<&str> = sends.iter().map(|(_, b)| b["to"].as_str().unwrap()).collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 12);
    // Pacing, measured where Meta would see it: never more than the rate
    // (plus one tick's worth) in any one-second window.
    let times: Vec<DateTime<Utc>> = sends.iter().map(|(at, _)| *at).collect();
    let busiest =
        times.iter().map(|start| times.iter().filter(|t| **t >= *start && **t < *start + chrono::Duration::seconds(1)).count()).max();
    assert!(busiest.unwrap() <= 5, "at most 4/s (+1): busiest second had {busiest:?}");
    let before_pause = &times[..at_pause.min(4)];
    let span = (before_pause[before_pause.len() - 1] - before_pause[0]).num_milliseconds();
    assert!(span >= 500, "the first four took {span} ms at 4/s");

    // Cancelling stops the rest for good.
    contacts(&app, &t, "later", &[("+919820000001", "A", true), ("+919820000002", "B", true)]).await;
    let draft = create(&app, &t, &spring_sale(&channel, "later", 1)).await;
    let (s, cancelled) = action(&app, &t, &draft, "cancel").await;
    assert_eq!(s, 200);
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(action(&app, &t, &draft, "start").await.0, 409);
    let gone = app.http.delete(app.url(&format!("/api/v1/campaigns/{draft}"))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(gone.status(), 204);
}

#[actix_rt::test]
async fn a_campaign_holds_its_pace_to_what_meta_has_answered() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    numbered_contacts(&app, &t, "slow", "+9198500000", "Customer ", 50).await;
    // Meta takes three seconds to answer each send: at 20/s the campaign
    // would have ~60 sends unanswered by then; it holds at its rate's worth.
    app.sim_control(json!({"answer_delay_ms": 3000})).await;
    let id = create(&app, &t, &spring_sale(&channel, "slow", 20)).await;
    assert_eq!(action(&app, &t, &id, "start").await.0, 200);
    wait_status(&app, &t, &id, "completed").await;
    let sends = settled_sends(&app).await;
    assert_eq!(sends.len(), 50, "everyone once, held back but not dropped");
    let times: Vec<DateTime<Utc>> = sends.iter().map(|(at, _)| *at).collect();
    let first = times.iter().min().copied().unwrap();
    let unanswered = times.iter().filter(|t| **t < first + chrono::Duration::milliseconds(2_500)).count();
    assert!(unanswered <= 20, "{unanswered} sends reached Meta before it answered the first; the campaign holds at 20");
    assert!(unanswered >= 10, "the campaign sends up to its hold at once ({unanswered} before the first answer)");
    let s = stats(&app, &t, &id).await;
    assert_adds_up(&s);
}

#[actix_rt::test]
async fn metas_errors_fail_suppress_or_pause_as_meta_says() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    let ids = contacts(
        &app,
        &t,
        "errs",
        &[
            ("+919830000001", "Fine", true),
            ("+919830000002", "Stopped", true),
            ("+919830000003", "Capped", true),
            ("+919830000004", "Gone", true),
        ],
    )
    .await;
    app.sim_control(json!({"fail_recipients_with": {"919830000002": 131050, "919830000004": 131026}})).await;
    let id = create(&app, &t, &spring_sale(&channel, "errs", 10)).await;
    assert_eq!(action(&app, &t, &id, "start").await.0, 200);
    wait_status(&app, &t, &id, "completed").await;
    let s = eventually("two failures and two reads", WAIT, || async {
        let s = stats(&app, &t, &id).await;
        (s["failed"] == 2 && s["read"] == 2).then_some(s)
    })
    .await;
    assert_adds_up(&s);
    assert_eq!(s["by_error"], json!({"131026": 1, "131050": 1}));
    assert_eq!(s["read"], 2);
    // 131050: the contact stopped marketing, so their consent is gone.
    let stopped = eventually("consent withdrawn", WAIT, || async {
        let (_, c) = app.get(&t, &format!("/api/v1/contacts/{}", ids[1])).await;
        (c["opted_in"] == false).then_some(c)
    })
    .await;
    assert_eq!(stopped["opted_in"], false);
    let (_, failed) = app.get(&t, &format!("/api/v1/campaigns/{id}/messages?status=failed")).await;
    let codes: Vec<i64> = failed["data"].as_array().unwrap().iter().map(|r| r["error"]["code"].as_i64().unwrap()).collect();
    assert_eq!(codes, [131050, 131026]);
    assert!(failed["data"][0]["error"]["title"].as_str().unwrap().contains("stop receiving marketing"));

    // A spam-limit failure (131048) stops the whole campaign and tells the admins.
    let more: Vec<(String, String)> = (0..6).map(|i| (format!("+9198400000{i:02}"), format!("P{i}"))).collect();
    let refs: Vec<(&str, &str, bool)> = more.iter().map(|(p, n)| (p.as_str(), n.as_str(), true)).collect();
    contacts(&app, &t, "spam", &refs).await;
    app.sim_control(json!({"fail_recipients_with": {"919840000000": 131048}})).await;
    let mut admin = app.socket(&t.token).await;
    let second = create(&app, &t, &spring_sale(&channel, "spam", 1)).await;
    assert_eq!(action(&app, &t, &second, "start").await.0, 200);
    let note = admin.expect("notification", |d| d["kind"] == "campaign_paused").await;
    assert!(note["message"].as_str().unwrap().contains("131048"), "{note}");
    let (_, c) = app.get(&t, &format!("/api/v1/campaigns/{second}")).await;
    assert_eq!(c["status"], "paused");
    assert!(c["paused_reason"].as_str().unwrap().contains("131048"));
    assert!(c["stats"]["pending"].as_i64().unwrap() >= 3, "the rest waits: {c}");
    // Once the number is fixed, resuming carries on: the failure that paused
    // it is not held against it again.
    app.sim_control(json!({})).await;
    let (s, resumed) = action(&app, &t, &second, "resume").await;
    assert_eq!(s, 200, "{resumed}");
    wait_status(&app, &t, &second, "completed").await;
    let s = stats(&app, &t, &second).await;
    assert_adds_up(&s);
    assert_eq!(s["by_error"], json!({"131048": 1}), "{s}");
}

#[actix_rt::test]
async fn a_template_meta_pauses_pauses_the_campaign_until_it_is_approved_again() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    numbered_contacts(&app, &t, "tpl", "+9198500000", "P", 8).await;
    let id = create(&app, &t, &spring_sale(&channel, "tpl", 2)).await;
    assert_eq!(action(&app, &t, &id, "start").await.0, 200);
    eventually("one sent", WAIT, || async { (!template_sends(&app).await.is_empty()).then_some(()) }).await;
    let sim = app.sim.base_url.trim_end_matches("/v23.0").to_owned();
    let change = |event: &'static str| {
        let (http, sim) = (app.http.clone(), sim.clone());
        async move {
            let res = http
                .post(format!("{sim}/__sim/templates/status"))
                .json(&json!({"waba_id": WABA_ID, "name": "spring_sale", "language": "en", "event": event}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 204);
        }
    };
    let paused_at = std::time::Instant::now();
    change("PAUSED").await;
    wait_status(&app, &t, &id, "paused").await;
    assert!(paused_at.elapsed() < Duration::from_secs(5), "paused within 5 s");
    let (_, c) = app.get(&t, &format!("/api/v1/campaigns/{id}")).await;
    assert!(c["paused_reason"].as_str().unwrap().contains("PAUSED"), "{c}");
    let (s, refused) = action(&app, &t, &id, "resume").await;
    assert_eq!(s, 422);
    assert_eq!(refused["error"]["code"], "TEMPLATE_NOT_APPROVED");
    change("APPROVED").await;
    eventually("approved again", WAIT, || async {
        let (_, list) = app.get(&t, "/api/v1/templates").await;
        list["data"].as_array().unwrap().iter().any(|x| x["name"] == "spring_sale" && x["status"] == "APPROVED").then_some(())
    })
    .await;
    assert_eq!(action(&app, &t, &id, "resume").await.0, 200);
    wait_status(&app, &t, &id, "completed").await;
    let sends = settled_sends(&app).await;
    assert_eq!(sends.len(), 8, "each once across the pause");
}

#[actix_rt::test]
async fn consent_is_checked_again_when_each_recipients_turn_comes() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    let ids = numbered_contacts(&app, &t, "late", "+9198600000", "P", 5).await;
    let id = create(&app, &t, &spring_sale(&channel, "late", 1)).await;
    assert_eq!(action(&app, &t, &id, "start").await.0, 200);
    // The last one opts out after launch, before their turn (1 per second).
    let res = app.patch_json(&t.token, &format!("/api/v1/contacts/{}", ids[4]), &json!({"opted_in": false})).await;
    assert_eq!(res.status(), 200);
    wait_status(&app, &t, &id, "completed").await;
    let s = stats(&app, &t, &id).await;
    assert_adds_up(&s);
    assert_eq!(s["by_skip_reason"], json!({"opted_out": 1}));
    assert!(!settled_sends(&app).await.iter().any(|(_, b)| b["to"] == "+919860000004"));
}

#[actix_rt::test]
async fn repeated_and_late_status_webhooks_change_no_count() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    contacts(&app, &t, "dup", &[("+919870000001", "A", true), ("+919870000002", "B", true)]).await;
    let id = create(&app, &t, &spring_sale(&channel, "dup", 10)).await;
    assert_eq!(action(&app, &t, &id, "start").await.0, 200);
    wait_status(&app, &t, &id, "completed").await;
    let before = eventually("both read", WAIT, || async {
        let s = stats(&app, &t, &id).await;
        (s["read"] == 2).then_some(s)
    })
    .await;
    let (_, page) = app.get(&t, &format!("/api/v1/campaigns/{id}/messages")).await;
    let wamid = page["data"][0]["wamid"].as_str().unwrap().to_owned();
    // Meta repeats itself and arrives out of order: delivered and sent
    // after read, read twice, each with its pricing.
    for (i, step) in ["read", "delivered", "sent", "read"].iter().enumerate() {
        let body = json!({"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550000000", "phone_number_id": PHONE_NUMBER_ID},
            "statuses": [{"id": wamid, "status": step, "timestamp": (Utc::now().timestamp() + i as i64).to_string(), "recipient_id": "919870000001",
                "pricing": {"billable": true, "pricing_model": "PMP", "type": "regular", "category": "marketing"}}]}}]}]});
        app.post_webhook_ok(body.to_string().into_bytes()).await;
    }
    // The webhooks are stored before they are acknowledged; once a later
    // marker message is processed, so are they.
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919870000001", "wamid.marker-1", "thanks!")).await;
    let after = eventually("the reply counted", WAIT, || async {
        let s = stats(&app, &t, &id).await;
        (s["replied"] == 1).then_some(s)
    })
    .await;
    assert_adds_up(&after);
    for k in ["audience", "read", "delivered", "sent", "failed", "cost"] {
        assert_eq!(after[k], before[k], "`{k}` changed: {before} → {after}");
    }
    assert_eq!(after["funnel"]["replied"], 1, "a reply within 72 h counts");
}

#[actix_rt::test]
async fn bad_campaigns_are_refused_naming_the_fix_and_progress_reaches_admins_only() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    let mut body = spring_sale(&channel, "x", 10);
    body["variables"] = json!({"body": [{"field": "contact.name"}]});
    let res = app.post_json(&t.token, "/api/v1/campaigns", &body).await;
    assert_eq!(res.status(), 422);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "TEMPLATE_PARAMS");
    assert!(v["error"]["message"].as_str().unwrap().contains("has 2 parameter(s)"), "{v}");
    let mut body = spring_sale(&channel, "x", 10);
    body["template"]["name"] = json!("no_such_template");
    let res = app.post_json(&t.token, "/api/v1/campaigns", &body).await;
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "TEMPLATE_NOT_APPROVED");
    let res = app.post_json(&t.token, "/api/v1/campaigns", &spring_sale(&channel, "x", 5000)).await;
    assert_eq!(res.status(), 400, "rate above 1000");
    let mut body = spring_sale(&channel, "x", 10);
    body["audience"] = json!({});
    let res = app.post_json(&t.token, "/api/v1/campaigns", &body).await;
    assert_eq!(res.status(), 400);
    assert!(res.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().contains("audience"));
    let mut body = spring_sale(&channel, "x", 10);
    body["audience"] = json!({"tags": (0..51).map(|i| format!("t{i}")).collect::<Vec<_>>()});
    assert_eq!(app.post_json(&t.token, "/api/v1/campaigns", &body).await.status(), 400, "at most 50 tags");
    body["audience"] = json!({"contact_ids": (0..10_001).map(|_| uuid::Uuid::new_v4()).collect::<Vec<_>>()});
    let res = app.post_json(&t.token, "/api/v1/campaigns", &body).await;
    assert_eq!(res.status(), 400);
    assert!(res.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().contains("at most 10000"));
    let mut body = spring_sale(&channel, "x", 10);
    body["name"] = json!("  ");
    assert_eq!(app.post_json(&t.token, "/api/v1/campaigns", &body).await.status(), 400);
    let past = app
        .post_json(
            &t.token,
            &format!("/api/v1/campaigns/{}/schedule", create(&app, &t, &spring_sale(&channel, "x", 10)).await),
            &json!({"at": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(past.status(), 400);

    // Live progress: the admin's socket hears it, an agent's does not.
    let agent = app.add_user(&t, "agent").await;
    let mut admin_ws = app.socket(&t.token).await;
    let mut agent_ws = app.socket(&agent.token).await;
    contacts(&app, &t, "live", &[("+919880000001", "A", true)]).await;
    let id = create(&app, &t, &spring_sale(&channel, "live", 10)).await;
    assert_eq!(action(&app, &t, &id, "start").await.0, 200);
    let p = admin_ws.expect("campaign:progress", |d| d["campaign_id"] == id.as_str() && d["status"] == "completed").await;
    assert_eq!(p["stats"]["audience"], 1);
    let seen = agent_ws.drain(Duration::from_millis(300)).await;
    assert!(!seen.iter().any(|f| f["event"] == "campaign:progress"), "agents do not get campaign progress");
}

#[actix_rt::test]
async fn a_scheduled_campaign_starts_by_itself_when_its_time_comes() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    contacts(&app, &t, "sched", &[("+919890000001", "A", true)]).await;
    let id = create(&app, &t, &spring_sale(&channel, "sched", 10)).await;
    let at = Utc::now() + chrono::Duration::seconds(2);
    let res = app.post_json(&t.token, &format!("/api/v1/campaigns/{id}/schedule"), &json!({"at": at})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "scheduled");
    wait_status(&app, &t, &id, "completed").await;
    let sends = settled_sends(&app).await;
    assert_eq!(sends.len(), 1);
    assert!(sends[0].0 >= at, "not before its time");
}

/// Waits until every acknowledged webhook POST has been processed.
async fn inbox_processed(app: &TestApp) {
    eventually("the webhook inbox processed", WAIT, || async {
        let n: i64 =
            sqlx::query_scalar("SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL").fetch_one(&app.owner).await.unwrap();
        (n == 0).then_some(())
    })
    .await;
}

async fn opted_in(app: &TestApp, t: &Tenant, contact: &str) -> bool {
    app.get(t, &format!("/api/v1/contacts/{contact}")).await.1["opted_in"].as_bool().unwrap()
}

#[actix_rt::test]
async fn customers_stop_and_resume_marketing_by_metas_preference_webhook_or_a_keyword() {
    let app = spawn_app().await;
    let (t, _) = ready(&app).await;
    let ids = contacts(&app, &t, "c", &[("+919890100001", "Pref", true), ("+919890100002", "Keyword", true)]).await;
    let sim = app.sim.base_url.trim_end_matches("/v23.0").to_owned();
    let prefer = |value: &'static str, at: i64| {
        let (http, sim) = (app.http.clone(), sim.clone());
        async move {
            let res = http
                .post(format!("{sim}/__sim/user_preferences"))
                .json(&json!({"waba_id": WABA_ID, "phone_number_id": PHONE_NUMBER_ID, "wa_id": "919890100001", "value": value, "timestamp": at}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 204);
        }
    };
    let now = Utc::now().timestamp();
    prefer("stop", now).await;
    eventually("stopped by Meta's webhook", WAIT, || async { (!opted_in(&app, &t, &ids[0]).await).then_some(()) }).await;
    // An older resume arriving late changes nothing; a newer one does.
    prefer("resume", now - 60).await;
    inbox_processed(&app).await;
    assert!(!opted_in(&app, &t, &ids[0]).await, "a late, older resume is ignored");
    prefer("resume", now + 5).await;
    eventually("resumed", WAIT, || async { opted_in(&app, &t, &ids[0]).await.then_some(()) }).await;

    // Keywords: the default English and Hindi lists, then the tenant's own.
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919890100002", "wamid.kw-1", " Stop ")).await;
    eventually("STOP", WAIT, || async { (!opted_in(&app, &t, &ids[1]).await).then_some(()) }).await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919890100002", "wamid.kw-2", "please don't stop the offers")).await;
    inbox_processed(&app).await;
    assert!(!opted_in(&app, &t, &ids[1]).await, "only a whole-message keyword counts");
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919890100002", "wamid.kw-3", "शुरू करें")).await;
    eventually("resumed in Hindi", WAIT, || async { opted_in(&app, &t, &ids[1]).await.then_some(()) }).await;
    let res = app
        .http
        .put(app.url("/api/v1/settings/consent"))
        .bearer_auth(&t.token)
        .json(&json!({"stop_keywords": ["Band", "STOP"], "start_keywords": ["stop"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "a keyword cannot both stop and start");
    let res = app
        .http
        .put(app.url("/api/v1/settings/consent"))
        .bearer_auth(&t.token)
        .json(&json!({"stop_keywords": ["Band", "STOP"], "start_keywords": ["chalu"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["stop_keywords"], json!(["band", "stop"]));
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919890100002", "wamid.kw-4", "band")).await;
    eventually("the tenant's own keyword", WAIT, || async { (!opted_in(&app, &t, &ids[1]).await).then_some(()) }).await;
}

#[actix_rt::test]
async fn the_portfolios_messaging_limit_holds_the_rest_until_meta_raises_it() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    numbered_contacts(&app, &t, "limited", "+9198910000", "P", 6).await;
    let sim = app.sim.base_url.trim_end_matches("/v23.0").to_owned();
    let limit = |n: i64| {
        let (http, sim) = (app.http.clone(), sim.clone());
        async move {
            let res = http.post(format!("{sim}/__sim/limits")).json(&json!({"waba_id": WABA_ID, "limit": n})).send().await.unwrap();
            assert_eq!(res.status(), 204);
        }
    };
    limit(3).await;
    inbox_processed(&app).await;
    let id = create(&app, &t, &spring_sale(&channel, "limited", 10)).await;
    assert_eq!(action(&app, &t, &id, "start").await.0, 200);
    let waiting = eventually("waiting at the limit", WAIT, || async {
        let (_, c) = app.get(&t, &format!("/api/v1/campaigns/{id}")).await;
        c["waiting_reason"].as_str().map(|_| c.clone())
    })
    .await;
    assert!(waiting["waiting_reason"].as_str().unwrap().contains("limit of 3"), "{waiting}");
    assert_eq!(waiting["status"], "running", "scheduled, not failed");
    assert_eq!(settled_sends(&app).await.len(), 3);
    assert_eq!(waiting["stats"]["pending"], 3);
    assert_eq!(waiting["stats"]["failed"], 0);
    limit(-1).await;
    wait_status(&app, &t, &id, "completed").await;
    assert_eq!(settled_sends(&app).await.len(), 6);
    let (_, c) = app.get(&t, &format!("/api/v1/campaigns/{id}")).await;
    assert!(c["waiting_reason"].is_null());
}

#[actix_rt::test]
async fn a_csv_audience_reports_every_bad_line_and_fills_variables_per_row() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    let existing = contacts(&app, &t, "old", &[("+919800000001", "Known Asha", true)]).await;
    let mut body = spring_sale(&channel, "unused", 10);
    body["audience"] = json!({"csv": {}});
    body["variables"] = json!({"body": [{"field": "contact.phone"}, {"value": "20%"}]});
    let id = create(&app, &t, &body).await;
    let upload = |csv: &'static str| {
        let (http, url, token) = (app.http.clone(), app.url(&format!("/api/v1/campaigns/{id}/audience/csv")), t.token.clone());
        async move { http.post(url).bearer_auth(token).header("content-type", "text/csv").body(csv).send().await.unwrap() }
    };
    let res = upload("name\nAsha\n").await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "INVALID_CSV");
    let res = upload("Phone,First_Name\n+91 98000 00001,Asha\n12ab,Bad\n919800000001,Twin\n+919800000002,\n+919800000003,Ravi\n").await;
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["accepted"], 3);
    assert_eq!(report["columns"], json!(["first_name"]));
    let rejected: Vec<(i64, &str)> =
        report["rejected"].as_array().unwrap().iter().map(|r| (r["line"].as_i64().unwrap(), r["reason"].as_str().unwrap())).collect();
    assert_eq!(rejected, [(3, "invalid_phone"), (4, "duplicate")]);
    assert!(report["rejected"][1]["message"].as_str().unwrap().contains("line 2"));

    // A column source: only one the upload has.
    let mut patch = spring_sale(&channel, "unused", 10);
    patch["audience"] = json!({"csv": {"rows": 99, "columns": ["first_name", "city"]}});
    patch["variables"] = json!({"body": [{"column": "city"}, {"value": "20%"}]});
    let res = app.patch_json(&t.token, &format!("/api/v1/campaigns/{id}"), &patch).await;
    assert_eq!(res.status(), 422, "the uploaded file's columns count, not the body's");
    patch["variables"] = json!({"body": [{"column": "first_name"}, {"value": "20%"}]});
    let res = app.patch_json(&t.token, &format!("/api/v1/campaigns/{id}"), &patch).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["audience"]["csv"]["rows"], 3);

    let (_, preview) = app.get(&t, &format!("/api/v1/campaigns/{id}/preview")).await;
    assert_eq!(preview["audience"], 3);
    assert_eq!(preview["skipped"], json!({"missing_variable": 1}));
    assert_eq!(preview["skipped_rows"][0]["line"], 5, "{preview}");
    assert_eq!(preview["samples"][0]["text"], "Hi Asha, our spring sale is on: 20% off everything.");
    assert_eq!(app.get(&t, "/api/v1/contacts").await.1["data"].as_array().unwrap().len(), 1, "a preview creates no contact");

    assert_eq!(action(&app, &t, &id, "start").await.0, 200);
    wait_status(&app, &t, &id, "completed").await;
    let sends = settled_sends(&app).await;
    let mut by_phone: Vec<(String, String)> = sends
        .iter()
        .map(|(_, b)| {
            (b["to"].as_str().unwrap().to_owned(), b["template"]["components"][0]["parameters"][0]["text"].as_str().unwrap().to_owned())
        })
        .collect();
    by_phone.sort();
    assert_eq!(by_phone, [("+919800000001".into(), "Asha".into()), ("+919800000003".into(), "Ravi".into())]);
    let (_, list) = app.get(&t, "/api/v1/contacts").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 3, "new numbers became contacts; the known one was reused");
    assert!(list["data"].as_array().unwrap().iter().any(|c| c["id"] == existing[0].as_str()));
    let res = upload("phone\n+919800000009\n").await;
    assert_eq!(res.status(), 409, "only a draft takes a new audience");
}

#[actix_rt::test]
async fn a_campaign_message_keeps_metas_pair_gap_after_the_last_message_to_that_customer() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    let conversation = app.open_conversation(&t, "919800000001").await;
    let (_, conv) = app.get(&t, &format!("/api/v1/conversations/{conversation}")).await;
    let asha = conv["contact"]["id"].as_str().unwrap().to_owned();
    let others = contacts(&app, &t, "sale", &[("+919800000002", "Bala", true)]).await;
    assert_eq!(app.send(&t, &conversation, json!({"type": "text", "text": {"body": "Your order shipped"}})).await.status(), 201);
    let mut body = spring_sale(&channel, "sale", 50);
    body["audience"] = json!({"contact_ids": [asha, others[0]]});
    let id = create(&app, &t, &body).await;
    assert_eq!(action(&app, &t, &id, "start").await.0, 200);
    let sends = eventually("both campaign messages sent", WAIT, || async {
        let s = template_sends(&app).await;
        (s.len() == 2).then_some(s)
    })
    .await;
    let requests: Value =
        app.http.get(format!("{}/__sim/requests", app.sim.base_url.trim_end_matches("/v23.0"))).send().await.unwrap().json().await.unwrap();
    let reply_at: DateTime<Utc> = requests["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["body"]["type"] == "text" && r["body"]["text"]["body"] == "Your order shipped")
        .map(|r| r["at"].as_str().unwrap().parse().unwrap())
        .unwrap();
    let at = |to: &str| sends.iter().find(|(_, b)| b["to"] == to).map(|(at, _)| *at).unwrap();
    // Asha just had the agent's reply: her offer waits Meta's 6 seconds;
    // Bala's goes at once.
    assert!(at("+919800000001") - reply_at >= chrono::Duration::milliseconds(5900), "{:?}", at("+919800000001") - reply_at);
    assert!(at("+919800000002") - reply_at < chrono::Duration::seconds(5), "{:?}", at("+919800000002") - reply_at);
    let s = stats(&app, &t, &id).await;
    assert_adds_up(&s);
}

/// The template sends the simulator received for `to`.
async fn sends_to(app: &TestApp, to: &str) -> usize {
    settled_sends(app).await.iter().filter(|(_, b)| b["to"] == to).count()
}

#[actix_rt::test]
async fn a_recipient_at_metas_marketing_limit_is_sent_once_more_after_24_hours() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    let ids = contacts(
        &app,
        &t,
        "capped",
        &[("+919830000001", "Fine", true), ("+919830000003", "Capped once", true), ("+919830000005", "Capped twice", true)],
    )
    .await;
    app.sim_control(json!({"fail_recipients_with": {"919830000003": 131049, "919830000005": 131049}})).await;
    let id = create(&app, &t, &spring_sale(&channel, "capped", 10)).await;
    assert_eq!(action(&app, &t, &id, "start").await.0, 200);

    // Both capped recipients wait 24 hours; the campaign keeps running and says why.
    let s = eventually("two recipients waiting to retry", WAIT, || async {
        let s = stats(&app, &t, &id).await;
        (s["retrying"] == 2 && s["read"] == 1).then_some(s)
    })
    .await;
    assert_adds_up(&s);
    assert_eq!((s["pending"].as_i64(), s["failed"].as_i64()), (Some(2), Some(0)), "{s}");
    let (_, c) = app.get(&t, &format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(c["status"], "running");
    let reason = eventually("the waiting reason", WAIT, || async {
        let (_, c) = app.get(&t, &format!("/api/v1/campaigns/{id}")).await;
        c["waiting_reason"].as_str().map(str::to_owned)
    })
    .await;
    assert!(reason.contains("131049") && reason.contains("2 recipient"), "{reason}");
    let (_, waiting) = app.get(&t, &format!("/api/v1/campaigns/{id}/messages?status=pending")).await;
    for r in waiting["data"].as_array().unwrap() {
        let at: DateTime<Utc> = r["retry_at"].as_str().unwrap().parse().unwrap();
        let wait = at - Utc::now();
        assert!(wait > chrono::Duration::hours(23) + chrono::Duration::minutes(55) && wait <= chrono::Duration::hours(24), "{r}");
        assert_eq!(r["attempt"], 2);
    }
    // Nothing is resent before the 24 hours.
    assert_eq!(sends_to(&app, "+919830000003").await, 1);

    // The 24 hours pass; one of them is no longer capped.
    sqlx::query("UPDATE campaign_recipients SET retry_at = now() WHERE campaign_id = $1 AND retry_at IS NOT NULL")
        .bind(uuid::Uuid::parse_str(&id).unwrap())
        .execute(&app.owner)
        .await
        .unwrap();
    app.sim_control(json!({"fail_recipients_with": {"919830000005": 131049}})).await;
    wait_status(&app, &t, &id, "completed").await;
    let s = eventually("the retry read and the second failure final", WAIT, || async {
        let s = stats(&app, &t, &id).await;
        (s["read"] == 2 && s["failed"] == 1).then_some(s)
    })
    .await;
    assert_adds_up(&s);
    assert_eq!((s["retrying"].as_i64(), s["by_error"].clone()), (Some(0), json!({"131049": 1})), "{s}");
    // Each capped recipient got exactly one more send, no one a third.
    assert_eq!(sends_to(&app, "+919830000003").await, 2);
    assert_eq!(sends_to(&app, "+919830000005").await, 2);
    assert_eq!(sends_to(&app, "+919830000001").await, 1);
    let (_, capped) = app.get(&t, &format!("/api/v1/contacts/{}", ids[1])).await;
    assert_eq!(capped["opted_in"], true, "131049 is a per-user limit, not an opt-out");
}

/// A customer tapping a template's quick-reply button, as Meta posts it.
fn button_webhook(from: &str, wamid: &str, replying_to: &str, text: &str) -> Vec<u8> {
    json!({"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": "Customer"}, "wa_id": from}],
        "messages": [{"context": {"from": "15550783881", "id": replying_to}, "from": from, "id": wamid,
                      "timestamp": Utc::now().timestamp().to_string(), "type": "button",
                      "button": {"payload": text.to_uppercase(), "text": text}}]
    }}]}]})
    .to_string()
    .into_bytes()
}

#[actix_rt::test]
async fn button_taps_on_a_campaign_message_are_counted_per_button_once_per_recipient() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    contacts(&app, &t, "taps", &[("+919850000001", "A", true), ("+919850000002", "B", true), ("+919850000003", "C", true)]).await;
    let id = create(&app, &t, &spring_sale(&channel, "taps", 10)).await;
    assert_eq!(action(&app, &t, &id, "start").await.0, 200);
    wait_status(&app, &t, &id, "completed").await;
    let rows = eventually("three wamids", WAIT, || async {
        let (_, v) = app.get(&t, &format!("/api/v1/campaigns/{id}/messages")).await;
        let rows = v["data"].as_array().cloned().unwrap_or_default();
        rows.iter().all(|r| r["wamid"].is_string()).then_some(rows)
    })
    .await;
    let wamid_of = |phone: &str| rows.iter().find(|r| r["phone"] == phone).unwrap()["wamid"].as_str().unwrap().to_owned();
    // A taps "Shop now" twice (once is counted), B taps "Not now"; C only writes.
    app.post_webhook_ok(button_webhook("919850000001", "wamid.tap-a1", &wamid_of("+919850000001"), "Shop now")).await;
    app.post_webhook_ok(button_webhook("919850000001", "wamid.tap-a2", &wamid_of("+919850000001"), "Shop now")).await;
    app.post_webhook_ok(button_webhook("919850000002", "wamid.tap-b1", &wamid_of("+919850000002"), "Not now")).await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919850000003", "wamid.text-c1", "what is the price?")).await;
    let s = eventually("taps counted", WAIT, || async {
        let s = stats(&app, &t, &id).await;
        (s["clicked"] == 2 && s["replied"] == 3).then_some(s)
    })
    .await;
    assert_eq!(s["by_button"], json!({"Not now": 1, "Shop now": 1}), "{s}");
    assert_adds_up(&s);
    let (_, v) = app.get(&t, &format!("/api/v1/campaigns/{id}/messages")).await;
    let clicked: Vec<Value> = v["data"].as_array().unwrap().iter().map(|r| r["clicked"].clone()).collect();
    assert_eq!(clicked, [json!("Shop now"), json!("Not now"), Value::Null]);
    let csv =
        app.http.get(app.url(&format!("/api/v1/campaigns/{id}/export"))).bearer_auth(&t.token).send().await.unwrap().text().await.unwrap();
    assert!(csv.lines().next().unwrap().contains("clicked"), "{csv}");
    assert!(csv.contains(",Shop now,"), "{csv}");
}

#[actix_rt::test]
async fn retargeting_reaches_those_who_did_not_act_never_the_opted_out_or_those_who_replied() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    let ids = contacts(
        &app,
        &t,
        "rt",
        &[
            ("+919860000001", "Reads", true),
            ("+919860000002", "Never reads", true),
            ("+919860000003", "Replies", true),
            ("+919860000004", "Undeliverable", true),
            ("+919860000005", "Hiccup", true),
            ("+919860000006", "Opts out", true),
        ],
    )
    .await;
    app.sim_control(json!({"unread_recipients": ["919860000002"],
                           "fail_recipients_with": {"919860000004": 131026, "919860000005": 131000}}))
        .await;
    let source = create(&app, &t, &spring_sale(&channel, "rt", 10)).await;
    let retarget = |rule: Value| {
        let (app, t, source) = (&app, &t, source.clone());
        async move {
            let res = app.post_json(&t.token, &format!("/api/v1/campaigns/{source}/retarget"), &rule).await;
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let (s, err) = retarget(json!({"rule": "read_no_reply"})).await;
    assert_eq!((s, err["error"]["code"].as_str()), (409, Some("CAMPAIGN_STATE")), "a draft has no one to retarget");
    assert_eq!(action(&app, &t, &source, "start").await.0, 200);
    wait_status(&app, &t, &source, "completed").await;
    eventually("every outcome in", WAIT, || async {
        let s = stats(&app, &t, &source).await;
        (s["read"] == 3 && s["delivered"] == 1 && s["failed"] == 2).then_some(())
    })
    .await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919860000003", "wamid.rt-reply", "Interested!")).await;
    let res = app.patch_json(&t.token, &format!("/api/v1/contacts/{}", ids[5]), &json!({"opted_in": false})).await;
    assert_eq!(res.status(), 200);
    inbox_processed(&app).await;

    let audience_of = |draft: String| {
        let (app, t) = (&app, &t);
        async move {
            let (s, p) = app.get(t, &format!("/api/v1/campaigns/{draft}/preview")).await;
            assert_eq!(s, 200, "{p}");
            let mut to: Vec<String> = p["samples"].as_array().unwrap().iter().map(|x| x["phone"].as_str().unwrap().to_owned()).collect();
            to.sort();
            (p["audience"].as_i64().unwrap(), to)
        }
    };
    let (s, read) = retarget(json!({"rule": "read_no_reply"})).await;
    assert_eq!(s, 201, "{read}");
    assert_eq!(read["status"], "draft");
    assert_eq!(read["name"], "Spring sale — read, no reply");
    assert_eq!(read["template"]["name"], "spring_sale");
    assert_eq!(audience_of(read["id"].as_str().unwrap().to_owned()).await, (1, vec!["+919860000001".to_owned()]));

    let (_, failed) = retarget(json!({"rule": "failed_retryable", "name": "Second try"})).await;
    assert_eq!(failed["name"], "Second try");
    assert_eq!(audience_of(failed["id"].as_str().unwrap().to_owned()).await, (1, vec!["+919860000005".to_owned()]));

    // Delivered 2 hours ago and still unread, with a 1-hour rule: reached.
    let (_, unread) = retarget(json!({"rule": "delivered_not_read", "after_hours": 1})).await;
    let unread = unread["id"].as_str().unwrap().to_owned();
    assert_eq!(audience_of(unread.clone()).await.0, 0, "delivered only moments ago");
    sqlx::query("UPDATE messages SET delivered_at = delivered_at - interval '2 hours' WHERE status = 'delivered'")
        .execute(&app.owner)
        .await
        .unwrap();
    assert_eq!(audience_of(unread).await, (1, vec!["+919860000002".to_owned()]));

    let (s, err) = retarget(json!({"rule": "opened"})).await;
    assert_eq!(s, 400);
    assert!(err["error"]["message"].as_str().unwrap().contains("read_no_reply"), "{err}");

    // Launched, the retarget reaches exactly its one recipient once more.
    let draft = read["id"].as_str().unwrap().to_owned();
    assert_eq!(action(&app, &t, &draft, "start").await.0, 200);
    wait_status(&app, &t, &draft, "completed").await;
    let to: Vec<String> = settled_sends(&app).await.iter().map(|(_, b)| b["to"].as_str().unwrap().to_owned()).collect();
    assert_eq!(to.iter().filter(|p| *p == "+919860000001").count(), 2);
    assert_eq!(to.len(), 7, "six from the first campaign, one from the retarget: {to:?}");
}

#[actix_rt::test]
async fn quiet_hours_hold_a_recipient_until_their_own_morning() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    // Asha is in Kolkata, Ben in New York (10½ hours behind): quiet hours
    // around Kolkata's current time are daytime in New York.
    for (phone, name, zone) in [("+919870000001", "Asha", "Asia/Kolkata"), ("+14155550101", "Ben", "America/New_York")] {
        let body = json!({"phone": phone, "name": name, "tags": ["quiet"], "custom_fields": {"timezone": zone}});
        assert_eq!(app.post_json(&t.token, "/api/v1/contacts", &body).await.status(), 201);
    }
    let kolkata_now = Utc::now().with_timezone(&chrono_tz::Asia::Kolkata).time();
    let quiet = json!({"start": (kolkata_now - chrono::Duration::hours(1)).format("%H:%M").to_string(),
                       "end": (kolkata_now + chrono::Duration::hours(1)).format("%H:%M").to_string()});
    let mut body = spring_sale(&channel, "quiet", 10);
    // A utility template: the US number is not excluded as marketing.
    body["template"] = json!({"name": "order_update", "language": "en"});
    body["variables"] = json!({"body": [{"field": "contact.name"}, {"value": "#42"}]});
    body["quiet_hours"] = quiet.clone();
    body["timezone"] = json!("Asia/Kolkata");
    for (field, wrong, says) in
        [("timezone", json!("Mars/Base"), "IANA name"), ("quiet_hours", json!({"start": "9pm", "end": "09:00"}), "quiet_hours.start")]
    {
        let mut bad = body.clone();
        bad[field] = wrong;
        let res = app.post_json(&t.token, "/api/v1/campaigns", &bad).await;
        assert_eq!(res.status(), 400);
        assert!(res.text().await.unwrap().contains(says));
    }
    let id = create(&app, &t, &body).await;
    let (_, c) = app.get(&t, &format!("/api/v1/campaigns/{id}")).await;
    assert_eq!((c["quiet_hours"].clone(), c["timezone"].as_str()), (quiet, Some("Asia/Kolkata")));
    assert_eq!(action(&app, &t, &id, "start").await.0, 200);
    eventually("Ben's message sent", WAIT, || async {
        template_sends(&app).await.iter().any(|(_, b)| b["to"] == "+14155550101").then_some(())
    })
    .await;
    let s = eventually("Asha waiting for her quiet hours to end", WAIT, || async {
        let s = stats(&app, &t, &id).await;
        (s["waiting_local_time"] == 1 && s["pending"] == 1).then_some(s)
    })
    .await;
    assert_adds_up(&s);
    assert_eq!(settled_sends(&app).await.len(), 1, "nothing goes to Kolkata in its quiet hours");
    let (_, waiting) = app.get(&t, &format!("/api/v1/campaigns/{id}/messages?status=pending")).await;
    assert_eq!(waiting["data"][0]["timezone"], "Asia/Kolkata");
    let reason = eventually("the waiting reason", WAIT, || async {
        app.get(&t, &format!("/api/v1/campaigns/{id}")).await.1["waiting_reason"].as_str().map(str::to_owned)
    })
    .await;
    assert!(reason.contains("quiet hours"), "{reason}");
    assert_eq!(status(&app, &t, &id).await, "running");
}

#[actix_rt::test]
async fn a_local_time_send_reaches_each_recipient_at_that_time_in_their_own_zone() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    // Kiritimati is UTC+14, Pago Pago UTC−11: the same wall-clock time
    // comes 25 hours apart.
    for (phone, name, zone) in [("+919880000001", "Kiri", "Pacific/Kiritimati"), ("+919880000002", "Pago", "Pacific/Pago_Pago")] {
        let body = json!({"phone": phone, "name": name, "tags": ["local"], "custom_fields": {"timezone": zone}});
        assert_eq!(app.post_json(&t.token, "/api/v1/contacts", &body).await.status(), 201);
    }
    let id = create(&app, &t, &spring_sale(&channel, "local", 10)).await;
    // A minute ago in Kiritimati: due there at once, in Pago Pago tomorrow.
    let kiri = (Utc::now() - chrono::Duration::minutes(1)).with_timezone(&chrono_tz::Pacific::Kiritimati);
    let local = json!({"date": kiri.format("%Y-%m-%d").to_string(), "time": kiri.format("%H:%M").to_string()});
    let res = app.post_json(&t.token, &format!("/api/v1/campaigns/{id}/schedule"), &json!({"local": local})).await;
    assert_eq!(res.status(), 200);
    let scheduled: Value = res.json().await.unwrap();
    assert_eq!((scheduled["status"].as_str(), scheduled["local_send"].clone()), (Some("scheduled"), local.clone()));
    // A local time that has passed everywhere is refused.
    let yesterday = (Utc::now() - chrono::Duration::days(1)).format("%Y-%m-%d").to_string();
    let old = json!({"local": {"date": yesterday, "time": "00:00"}});
    let res = app.post_json(&t.token, &format!("/api/v1/campaigns/{id}/schedule"), &old).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("passed everywhere"));
    // Far dates are refused, not computed.
    for date in ["2020-01-01", "+262142-12-31", "2999-01-01"] {
        let res =
            app.post_json(&t.token, &format!("/api/v1/campaigns/{id}/schedule"), &json!({"local": {"date": date, "time": "10:00"}})).await;
        assert_eq!(res.status(), 400, "{date}");
    }

    eventually("Kiri's message sent", WAIT, || async {
        template_sends(&app).await.iter().any(|(_, b)| b["to"] == "+919880000001").then_some(())
    })
    .await;
    let s = eventually("Pago waiting for tomorrow", WAIT, || async {
        let s = stats(&app, &t, &id).await;
        (s["waiting_local_time"] == 1).then_some(s)
    })
    .await;
    assert_adds_up(&s);
    assert_eq!(settled_sends(&app).await.len(), 1);
    let (_, rows) = app.get(&t, &format!("/api/v1/campaigns/{id}/messages")).await;
    let pago = rows["data"].as_array().unwrap().iter().find(|r| r["phone"] == "+919880000002").unwrap().clone();
    assert_eq!(pago["timezone"], "Pacific/Pago_Pago");
    let due: DateTime<Utc> = pago["send_after"].as_str().unwrap().parse().unwrap();
    let expected = Utc::now() - chrono::Duration::minutes(1) + chrono::Duration::hours(25);
    assert!((due - expected).num_seconds().abs() <= 60, "Pago's turn {due}, expected about {expected}");

    // Tomorrow comes for Pago Pago.
    sqlx::query("UPDATE campaign_recipients SET send_after = now() WHERE campaign_id = $1 AND send_after > now()")
        .bind(uuid::Uuid::parse_str(&id).unwrap())
        .execute(&app.owner)
        .await
        .unwrap();
    wait_status(&app, &t, &id, "completed").await;
    assert_eq!(settled_sends(&app).await.len(), 2);
}

#[actix_rt::test]
async fn a_split_test_sends_variant_b_to_its_exact_share_and_counts_each_variant() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    numbered_contacts(&app, &t, "ab", "+9198900000", "P", 10).await;
    let mut body = spring_sale(&channel, "ab", 20);
    let festive = json!({"template": {"name": "festive_offer", "language": "en"},
                         "variables": {"body": [{"field": "contact.name"}, {"value": "25%"}]}, "split_percent": 30});
    // Variant B must be of A's category and fit its own placeholders.
    for (wrong, code, says) in [
        (
            json!({"template": {"name": "order_update", "language": "en"}, "variables": {"body": [{"value": "a"}, {"value": "b"}]}, "split_percent": 30}),
            "TEMPLATE_PARAMS",
            "one category",
        ),
        (
            json!({"template": {"name": "festive_offer", "language": "en"}, "variables": {"body": [{"value": "a"}]}, "split_percent": 30}),
            "TEMPLATE_PARAMS",
            "variant B",
        ),
        (json!({"template": {"name": "festive_offer", "language": "en"}, "split_percent": 0}), "VALIDATION_FAILED", "1 to 99"),
    ] {
        body["variant_b"] = wrong;
        let res = app.post_json(&t.token, "/api/v1/campaigns", &body).await;
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], code, "{err}");
        assert!(err["error"]["message"].as_str().unwrap().contains(says), "{err}");
    }
    body["variant_b"] = festive.clone();
    let id = create(&app, &t, &body).await;
    let (_, c) = app.get(&t, &format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(c["variant_b"], festive);
    let (_, p) = app.get(&t, &format!("/api/v1/campaigns/{id}/preview")).await;
    let variants: Vec<&str> = p["samples"].as_array().unwrap().iter().map(|s| s["variant"].as_str().unwrap()).collect();
    assert_eq!(variants, ["a", "a", "b"], "{p}");
    assert!(p["samples"][2]["text"].as_str().unwrap().contains("this festive season take 25% off"), "{p}");

    assert_eq!(action(&app, &t, &id, "start").await.0, 200);
    wait_status(&app, &t, &id, "completed").await;
    let s = eventually("every message read", WAIT, || async {
        let s = stats(&app, &t, &id).await;
        (s["read"] == 10).then_some(s)
    })
    .await;
    assert_adds_up(&s);
    let v = s["variants"].as_array().unwrap();
    assert_eq!(
        (v[0]["variant"].as_str(), v[0]["template"]["name"].as_str(), v[0]["audience"].as_i64()),
        (Some("a"), Some("spring_sale"), Some(7))
    );
    assert_eq!(
        (v[1]["variant"].as_str(), v[1]["template"]["name"].as_str(), v[1]["audience"].as_i64()),
        (Some("b"), Some("festive_offer"), Some(3))
    );
    assert_eq!((v[0]["read"].as_i64(), v[1]["read"].as_i64(), v[1]["delivered"].as_i64()), (Some(7), Some(3), Some(3)));
    // Exactly 30%, spread through the audience (the 4th, 7th and 10th).
    let sends = settled_sends(&app).await;
    let mut festive_to: Vec<&str> =
        sends.iter().filter(|(_, b)| b["template"]["name"] == "festive_offer").map(|(_, b)| b["to"].as_str().unwrap()).collect();
    festive_to.sort();
    assert_eq!(festive_to, ["+919890000003", "+919890000006", "+919890000009"]);
    assert_eq!(sends.iter().filter(|(_, b)| b["template"]["name"] == "spring_sale").count(), 7);
    let (_, rows) = app.get(&t, &format!("/api/v1/campaigns/{id}/messages")).await;
    let b_rows: Vec<&str> =
        rows["data"].as_array().unwrap().iter().filter(|r| r["variant"] == "b").map(|r| r["phone"].as_str().unwrap()).collect();
    assert_eq!(b_rows, festive_to);
    // A campaign without a split test has no variants.
    let plain = create(&app, &t, &spring_sale(&channel, "ab", 20)).await;
    assert_eq!(stats(&app, &t, &plain).await["variants"], json!([]));
}

#[actix_rt::test]
async fn refusals_meta_lifts_are_retried_once_each_and_final_or_blocking_errors_are_not() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    // Throughput (130429) and pair rate (131056) refusals: sent again later,
    // each recipient exactly once in the end; an experiment (130472) is final.
    contacts(&app, &t, "lift", &[("+919900000001", "A", true), ("+919900000002", "B", true), ("+919900000003", "C", true)]).await;
    app.sim_control(json!({"fail_next": [130429, 131056], "fail_recipients_with": {"919900000003": 130472}})).await;
    let id = create(&app, &t, &spring_sale(&channel, "lift", 10)).await;
    assert_eq!(action(&app, &t, &id, "start").await.0, 200);
    wait_status(&app, &t, &id, "completed").await;
    let s = eventually("two read, one failed", Duration::from_secs(30), || async {
        let s = stats(&app, &t, &id).await;
        (s["read"] == 2 && s["failed"] == 1).then_some(s)
    })
    .await;
    assert_adds_up(&s);
    assert_eq!(s["by_error"], json!({"130472": 1}));
    let requests = settled_sends(&app).await;
    // Five requests: two refused, then one accepted per recipient.
    assert_eq!(requests.len(), 5, "{requests:?}");
    // The second request was refused for the pair rate: that customer is
    // left alone for Meta's 6 seconds before the next try.
    let (refused_at, refused) = &requests[1];
    let (again_at, _) = requests.iter().skip(2).find(|(_, b)| b["to"] == refused["to"]).unwrap();
    assert!(*again_at - *refused_at >= chrono::Duration::milliseconds(5900), "{:?}", *again_at - *refused_at);
    let (_, rows) = app.get(&t, &format!("/api/v1/campaigns/{id}/messages")).await;
    assert!(rows["data"].as_array().unwrap().iter().all(|r| r["wamid"].is_string()), "one wamid each: {rows}");

    // A policy block (368) or a locked account (131031) pauses everything.
    for (i, code) in [368, 131031].into_iter().enumerate() {
        let tag = format!("block{i}");
        numbered_contacts(&app, &t, &tag, &format!("+91991{i}0000"), "P", 4).await;
        app.sim_control(json!({"fail_recipients_with": {format!("91991{i}000000"): code}})).await;
        let id = create(&app, &t, &spring_sale(&channel, &tag, 1)).await;
        assert_eq!(action(&app, &t, &id, "start").await.0, 200);
        wait_status(&app, &t, &id, "paused").await;
        let (_, c) = app.get(&t, &format!("/api/v1/campaigns/{id}")).await;
        assert!(c["paused_reason"].as_str().unwrap().contains(&code.to_string()), "{c}");
        assert!(c["stats"]["pending"].as_i64().unwrap() >= 1, "the rest waits: {c}");
    }
}
