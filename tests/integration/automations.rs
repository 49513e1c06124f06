//! Automation rules (events, conditions, actions, loop protection, the
//! log), business hours and away messages, the satisfaction survey, SLA
//! breaches on the application's clock, and the managers' reports.

use crate::helpers::*;
use serde_json::{json, Value};
use std::sync::Arc;
use whatsflow_actors::ports::ManualClock;

fn list_reply_webhook(from: &str, wamid: &str, id: &str, title: &str) -> Vec<u8> {
    json!({"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": format!("Customer {from}")}, "wa_id": from}],
        "messages": [{"from": from, "id": wamid, "timestamp": chrono::Utc::now().timestamp().to_string(), "type": "interactive",
                      "interactive": {"type": "list_reply", "list_reply": {"id": id, "title": title}}}]
    }}]}]})
    .to_string()
    .into_bytes()
}

async fn rule(app: &TestApp, t: &Tenant, body: Value) -> String {
    let res = app.post_json(&t.token, "/api/v1/automations", &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap_or_default());
    res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

async fn conversation(app: &TestApp, t: &Tenant, id: &str) -> Value {
    app.get(t, &format!("/api/v1/conversations/{id}")).await.1
}

async fn logs(app: &TestApp, t: &Tenant, rule: &str) -> Vec<Value> {
    app.get(t, &format!("/api/v1/automations/{rule}/logs")).await.1["data"].as_array().cloned().unwrap_or_default()
}

/// The texts our side sent to the simulated Meta, in order.
async fn sent_texts(app: &TestApp) -> Vec<String> {
    app.sim_sends().await.iter().filter_map(|s| s["text"]["body"].as_str().map(str::to_owned)).collect()
}

#[actix_rt::test]
async fn a_matching_message_runs_the_actions_in_order_and_the_log_says_so() {
    let app = spawn_app().await;
    let t = app.register("Rules Ltd").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let team =
        app.post_json(&t.token, "/api/v1/teams", json!({"name": "Orders", "assignment": "manual"})).await.json::<Value>().await.unwrap();
    let id = rule(
        &app,
        &t,
        json!({"name": "Order questions", "event": "message.received",
               "conditions": {"all": [{"field": "message.text", "op": "regex", "value": "(?i)order\\s*#?\\d+"}]},
               "actions": [{"type": "assign", "team_id": team["id"]}, {"type": "tag", "add": ["Orders"]},
                           {"type": "set_priority", "priority": "high"},
                           {"type": "send_message", "text": "Hi {{contact.name}}, we are looking at your order."},
                           {"type": "add_note", "text": "Auto-routed: {{message.text}}"}]}),
    )
    .await;
    // Not matching: nothing happens, nothing is logged.
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919600000001", "wamid.r1", "hello there")).await;
    let c = app.open_conversation(&t, "919600000001").await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919600000001", "wamid.r2", "where is order #1234?")).await;
    let conv = eventually("the rule's actions", WAIT, || async {
        let conv = conversation(&app, &t, &c).await;
        (conv["priority"] == "high" && conv["team_id"] == team["id"] && conv["tags"] == json!(["orders"])).then_some(conv)
    })
    .await;
    assert_eq!(conv["priority"], "high");
    let sent =
        eventually("the auto-reply", WAIT, || async { sent_texts(&app).await.into_iter().find(|s| s.contains("looking at your order")) })
            .await;
    assert_eq!(sent, "Hi Customer 919600000001, we are looking at your order.");
    let (_, notes) = app.get(&t, &format!("/api/v1/conversations/{c}/notes")).await;
    assert!(
        notes["data"]
            .as_array()
            .unwrap_or(&vec![])
            .iter()
            .chain(notes.as_array().unwrap_or(&vec![]).iter())
            .any(|n| n["body"] == "[Order questions] Auto-routed: where is order #1234?"),
        "{notes}"
    );
    let log = eventually("the log", WAIT, || async {
        let l = logs(&app, &t, &id).await;
        (!l.is_empty()).then_some(l)
    })
    .await;
    assert_eq!(log.len(), 1, "only the matching message ran it: {log:?}");
    assert_eq!(log[0]["matched"], true);
    let kinds: Vec<(&str, bool)> =
        log[0]["actions"].as_array().unwrap().iter().map(|a| (a["type"].as_str().unwrap(), a["ok"].as_bool().unwrap())).collect();
    assert_eq!(kinds, [("assign", true), ("tag", true), ("set_priority", true), ("send_message", true), ("add_note", true)]);
    // Disabled: it no longer runs.
    let res = app
        .http
        .put(app.url(&format!("/api/v1/automations/{id}")))
        .bearer_auth(&t.token)
        .json(&json!({"name": "Order questions", "event": "message.received", "enabled": false, "actions": [{"type": "set_priority", "priority": "low"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919600000001", "wamid.r3", "order 99 again")).await;
    settled(&app).await;
    assert_eq!(conversation(&app, &t, &c).await["priority"], "high");
    assert_eq!(logs(&app, &t, &id).await.len(), 1);
}

#[actix_rt::test]
async fn a_rule_never_retriggers_itself_but_other_events_still_run_it() {
    let app = spawn_app().await;
    let t = app.register("Loops Ltd").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let agent = app.add_user(&t, "agent").await;
    // On any assignment, assign (again) to the agent and tag: its own
    // assignment would fire it forever without loop protection.
    let id = rule(
        &app,
        &t,
        json!({"name": "Bounce", "event": "conversation.assigned",
               "actions": [{"type": "assign", "agent_id": agent.user_id}, {"type": "tag", "add": ["bounced"]}]}),
    )
    .await;
    let tagger = rule(
        &app,
        &t,
        json!({"name": "VIP tag", "event": "tag.added", "conditions": {"all": [{"field": "tag", "op": "eq", "value": "vip"}]},
               "actions": [{"type": "tag", "add": ["vip", "priority-customer"]}, {"type": "set_priority", "priority": "urgent"}]}),
    )
    .await;
    let c = app.open_conversation(&t, "919600000002").await;
    let res = app.patch_json(&t.token, &format!("/api/v1/conversations/{c}"), json!({"assignee_id": t.user_id})).await;
    assert_eq!(res.status(), 200);
    eventually("the rule's assignment", WAIT, || async {
        (conversation(&app, &t, &c).await["assignee_id"] == agent.user_id.as_str()).then_some(())
    })
    .await;
    // Its own assignment came back as an event and was skipped, once.
    let log = eventually("the skip in the log", WAIT, || async {
        let l = logs(&app, &t, &id).await;
        (l.len() >= 2).then_some(l)
    })
    .await;
    settled(&app).await;
    let log2 = logs(&app, &t, &id).await;
    assert_eq!(log2.len(), log.len(), "no loop: {log2:?}");
    assert_eq!(log2.iter().filter(|l| l["matched"] == true).count(), 1);
    assert!(log2.iter().any(|l| l["note"].as_str().is_some_and(|n| n.contains("own action"))), "{log2:?}");
    // tag.added with a condition on the tag; its own tags do not re-fire it.
    let res = app.post_json(&t.token, &format!("/api/v1/conversations/{c}/tags"), json!({"tags": ["vip"]})).await;
    assert!(res.status().is_success());
    eventually("urgent", WAIT, || async { (conversation(&app, &t, &c).await["priority"] == "urgent").then_some(()) }).await;
    settled(&app).await;
    let l = logs(&app, &t, &tagger).await;
    assert_eq!(l.iter().filter(|l| l["matched"] == true).count(), 1, "{l:?}");
}

#[actix_rt::test]
async fn away_messages_go_outside_business_hours_once_per_period() {
    let app = spawn_app().await;
    let t = app.register("Hours Ltd").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    // A schedule that is never open (one minute on a holiday-free day that has passed).
    let res = app
        .http
        .put(app.url("/api/v1/business-hours"))
        .bearer_auth(&t.token)
        .json(&json!({"team_id": null, "time_zone": "Asia/Kolkata", "weekly": {}, "holidays": [], "away_enabled": true,
                      "away_message": "Hi {{contact.name}}, we are closed now and answer from 9:00.", "away_every_hours": 24}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    let (_, hours) = app.get(&t, "/api/v1/business-hours").await;
    assert_eq!(hours["data"][0]["open_now"], false);
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919600000003", "wamid.h1", "anyone there?")).await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919600000003", "wamid.h2", "hello??")).await;
    let away = eventually("the away message", WAIT, || async {
        let texts = sent_texts(&app).await;
        (!texts.is_empty()).then_some(texts)
    })
    .await;
    assert_eq!(away, ["Hi Customer 919600000003, we are closed now and answer from 9:00."]);
    settled(&app).await;
    assert_eq!(sent_texts(&app).await.len(), 1, "once per 24 hours");

    // Open all week: no away message.
    let all_day: Value = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| (d.to_string(), json!([["00:00", "24:00"]])))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let res = app
        .http
        .put(app.url("/api/v1/business-hours"))
        .bearer_auth(&t.token)
        .json(&json!({"team_id": null, "time_zone": "UTC", "weekly": all_day, "away_enabled": true, "away_message": "closed", "away_every_hours": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919600000004", "wamid.h3", "hi")).await;
    settled(&app).await;
    assert_eq!(sent_texts(&app).await.len(), 1);
    // Bad schedules are refused with the fix.
    let res = app
        .http
        .put(app.url("/api/v1/business-hours"))
        .bearer_auth(&t.token)
        .json(&json!({"team_id": null, "time_zone": "Mars/Base", "weekly": {}, "holidays": [], "away_enabled": false, "away_message": null, "away_every_hours": 24}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("IANA"));
}

#[actix_rt::test]
async fn resolving_sends_the_survey_and_the_rating_and_comment_are_kept() {
    let app = spawn_app().await;
    let t = app.register("Survey Ltd").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let res = app.http.put(app.url("/api/v1/csat/settings")).bearer_auth(&t.token).json(&json!({"enabled": true})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let c = app.open_conversation(&t, "919600000005").await;
    app.patch_json(&t.token, &format!("/api/v1/conversations/{c}"), json!({"assignee_id": t.user_id})).await;
    let res = app.patch_json(&t.token, &format!("/api/v1/conversations/{c}"), json!({"status": "resolved"})).await;
    assert_eq!(res.status(), 200);
    let survey = eventually("the survey", WAIT, || async { app.sim_sends().await.into_iter().find(|s| s["type"] == "interactive") }).await;
    assert_eq!(survey["interactive"]["type"], "list");
    assert_eq!(survey["interactive"]["body"]["text"], "How would you rate our support?");
    assert_eq!(survey["interactive"]["action"]["sections"][0]["rows"][1]["id"], "csat:4");

    app.post_webhook_ok(list_reply_webhook("919600000005", "wamid.csat1", "csat:4", "⭐⭐⭐⭐ Good")).await;
    eventually("the thanks", WAIT, || async { sent_texts(&app).await.into_iter().find(|s| s.starts_with("Thank you!")) }).await;
    // The answer does not reopen the conversation.
    assert_eq!(conversation(&app, &t, &c).await["status"], "resolved");
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919600000005", "wamid.csat2", "Quick and kind, thanks")).await;
    let report = eventually("the rating with its comment", WAIT, || async {
        let (_, r) = app.get(&t, "/api/v1/analytics/csat").await;
        (r["recent"][0]["comment"] == "Quick and kind, thanks").then_some(r)
    })
    .await;
    assert_eq!(report["responses"], 1);
    assert_eq!(report["average"], 4.0);
    assert_eq!(report["recent"][0]["agent_id"], t.user_id.as_str());
    // Answering the same survey again changes nothing.
    app.post_webhook_ok(list_reply_webhook("919600000005", "wamid.csat3", "csat:1", "⭐ Very poor")).await;
    settled(&app).await;
    let (_, r) = app.get(&t, "/api/v1/analytics/csat").await;
    assert_eq!(r["responses"], 1);
    let (_, perf) = app.get(&t, "/api/v1/analytics/performance?by=agent").await;
    let me = perf["data"].as_array().unwrap().iter().find(|r| r["id"] == t.user_id.as_str()).cloned().unwrap();
    assert_eq!((me["resolved"].as_i64(), me["csat_count"].as_i64()), (Some(1), Some(1)));
}

#[actix_rt::test]
async fn sla_breaches_follow_the_clock_and_fire_rules_and_reports_add_up() {
    let clock = Arc::new(ManualClock::default());
    let app = spawn_with_clock(fresh_database().await, clock.clone()).await;
    let t = app.register("SLA Ltd").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let res = app
        .http
        .put(app.url("/api/v1/sla-policies"))
        .bearer_auth(&t.token)
        .json(&json!({"first_response_minutes": 15}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let breach_rule =
        rule(&app, &t, json!({"name": "Escalate", "event": "sla.breached", "actions": [{"type": "set_priority", "priority": "urgent"}]}))
            .await;
    let nudge = rule(
        &app,
        &t,
        json!({"name": "Nudge", "event": "no_agent_reply", "minutes": 10, "actions": [{"type": "tag", "add": ["waiting"]}]}),
    )
    .await;
    let mut socket = app.socket(&t.token).await;
    let c = app.open_conversation(&t, "919600000006").await;
    // 9 minutes: nothing yet.
    clock.advance(chrono::Duration::minutes(9));
    timers_passed(&app).await;
    let conv = conversation(&app, &t, &c).await;
    assert!(conv["sla_breached_at"].is_null() && conv["tags"] == json!([]));
    // 11 minutes: the timed rule; 16 minutes: the breach.
    clock.advance(chrono::Duration::minutes(2));
    eventually("the timed rule", WAIT, || async { (conversation(&app, &t, &c).await["tags"] == json!(["waiting"])).then_some(()) }).await;
    assert!(conversation(&app, &t, &c).await["sla_breached_at"].is_null());
    clock.advance(chrono::Duration::minutes(5));
    let frame = socket.expect("notification", |d| d["kind"] == "sla_breached").await;
    assert_eq!(frame["conversation_id"], c.as_str());
    assert_eq!(frame["breach"], "first_response");
    eventually("the breach rule", WAIT, || async { (conversation(&app, &t, &c).await["priority"] == "urgent").then_some(()) }).await;
    assert_eq!(conversation(&app, &t, &c).await["sla_breach"], "first_response");
    // Each fired once.
    clock.advance(chrono::Duration::minutes(30));
    timers_passed(&app).await;
    assert_eq!(logs(&app, &t, &breach_rule).await.len(), 1);
    assert_eq!(logs(&app, &t, &nudge).await.len(), 1);

    // An agent's answer is timed; resolving is timed and counted.
    let res = app.send(&t, &c, json!({"type": "text", "text": {"body": "Sorry for the wait!"}})).await;
    assert!(res.status().is_success());
    app.patch_json(&t.token, &format!("/api/v1/conversations/{c}"), json!({"status": "resolved"})).await;
    let perf = eventually("the reports", WAIT, || async {
        let (_, p) = app.get(&t, "/api/v1/analytics/performance?by=agent").await;
        let me = p["data"].as_array()?.iter().find(|r| r["id"] == t.user_id.as_str())?.clone();
        (me["replies"] == 1).then_some(me)
    })
    .await;
    assert!(perf["first_response_p50"].as_f64().unwrap() >= 0.0);
    let (_, by_day) = app.get(&t, "/api/v1/analytics/conversations").await;
    let day = &by_day["data"][0];
    assert_eq!((day["opened"].as_i64(), day["resolved"].as_i64()), (Some(1), Some(1)));
    let csv = app.http.get(app.url("/api/v1/analytics/export?report=conversations")).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("day,channel_id,channel_name,opened,resolved\n"), "{text}");
    assert!(text.lines().nth(1).unwrap().ends_with(",1,1"), "{text}");
}

/// A team's policy replaces the account's for the team's conversations
/// (a longer first-response limit there is honoured, not the account's
/// shorter one), and the resolution limit breaches a conversation that was
/// answered at once but never resolved.
#[actix_rt::test]
async fn a_teams_sla_policy_overrides_the_accounts_and_resolution_is_timed_too() {
    let clock = Arc::new(ManualClock::default());
    let app = spawn_with_clock(fresh_database().await, clock.clone()).await;
    let t = app.register("SLA Teams Ltd").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let res =
        app.post_json(&t.token, "/api/v1/teams", &json!({"name": "Billing", "member_ids": [t.user_id], "assignment": "manual"})).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap_or_default());
    let team = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    for policy in [json!({"first_response_minutes": 15, "resolution_minutes": 120}), json!({"team_id": team, "first_response_minutes": 60})]
    {
        let res = app.http.put(app.url("/api/v1/sla-policies")).bearer_auth(&t.token).json(&policy).send().await.unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    }
    let plain = app.open_conversation(&t, "919600000101").await;
    let in_team = app.open_conversation(&t, "919600000102").await;
    let answered = app.open_conversation(&t, "919600000103").await;
    let res = app.patch_json(&t.token, &format!("/api/v1/conversations/{in_team}"), json!({"team_id": team})).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    let res = app.send(&t, &answered, json!({"type": "text", "text": {"body": "Right away!"}})).await;
    assert!(res.status().is_success());
    eventually("the answer sent", WAIT, || async { sent_texts(&app).await.contains(&"Right away!".to_owned()).then_some(()) }).await;
    let breach = |id: String| {
        let (app, t) = (&app, &t);
        async move { conversation(app, t, &id).await["sla_breach"].as_str().map(str::to_owned) }
    };

    // 16 minutes: the account's first-response limit, not the team's.
    clock.advance(chrono::Duration::minutes(16));
    let first = eventually("the account's first-response breach", WAIT, || breach(plain.clone())).await;
    assert_eq!(first, "first_response");
    timers_passed(&app).await;
    assert_eq!(breach(in_team.clone()).await, None, "the team allows an hour");
    assert_eq!(breach(answered.clone()).await, None, "answered at once");

    // 61 minutes: the team's limit.
    clock.advance(chrono::Duration::minutes(45));
    assert_eq!(eventually("the team's first-response breach", WAIT, || breach(in_team.clone())).await, "first_response");
    timers_passed(&app).await;
    assert_eq!(breach(answered.clone()).await, None, "two hours to resolve");

    // 121 minutes: the answered one was never resolved.
    clock.advance(chrono::Duration::minutes(60));
    assert_eq!(eventually("the resolution breach", WAIT, || breach(answered.clone())).await, "resolution");
    timers_passed(&app).await;
    assert_eq!(breach(in_team.clone()).await.as_deref(), Some("first_response"), "each conversation breaches once");
}

#[actix_rt::test]
async fn bad_rules_are_refused_with_the_fix() {
    let app = spawn_app().await;
    let t = app.register("Bad Rules Ltd").await;
    for (body, needle) in [
        (json!({"name": "x", "event": "message.*", "actions": [{"type": "set_priority", "priority": "high"}]}), "message.received"),
        (json!({"name": "x", "event": "no_agent_reply", "actions": [{"type": "set_priority", "priority": "high"}]}), "minutes"),
        (json!({"name": "x", "event": "message.received", "actions": [{"type": "explode"}]}), "actions"),
        (
            json!({"name": "x", "event": "message.received", "conditions": {"all": [{"field": "message.text", "op": "regex", "value": "("}]},
                "actions": [{"type": "set_priority", "priority": "high"}]}),
            "regex",
        ),
        (json!({"name": "x", "event": "message.received", "actions": []}), "1 to 10 actions"),
    ] {
        let res = app.post_json(&t.token, "/api/v1/automations", &body).await;
        assert_eq!(res.status(), 400, "{body}");
        let v: Value = res.json().await.unwrap();
        assert!(v["error"]["message"].as_str().unwrap().contains(needle), "{v}");
    }
    let agent = app.add_user(&t, "agent").await;
    let res = app
        .post_json(
            &agent.token,
            "/api/v1/automations",
            json!({"name": "x", "event": "message.received", "actions": [{"type": "set_priority", "priority": "high"}]}),
        )
        .await;
    assert_eq!(res.status(), 403);
}

/// A context-bearing reply webhook (the customer answering one of our messages).
fn reply_webhook(from: &str, wamid: &str, to_wamid: &str, body: &str) -> Vec<u8> {
    json!({"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": format!("Customer {from}")}, "wa_id": from}],
        "messages": [{"from": from, "id": wamid, "timestamp": chrono::Utc::now().timestamp().to_string(), "type": "text",
                      "context": {"from": "15550783881", "id": to_wamid}, "text": {"body": body}}]
    }}]}]})
    .to_string()
    .into_bytes()
}

#[actix_rt::test]
async fn every_other_event_and_action_works() {
    let app = spawn_app().await;
    let (t, channel) = crate::campaigns::ready(&app).await;
    let mut socket = app.socket(&t.token).await;
    // The business's own server, for call_webhook.
    let got = Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
    let g = got.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = actix_web::HttpServer::new(move || {
        let g = g.clone();
        actix_web::App::new().route(
            "/crm",
            actix_web::web::post().to(move |body: actix_web::web::Json<Value>| {
                let g = g.clone();
                async move {
                    g.lock().unwrap().push(body.0);
                    actix_web::HttpResponse::Ok().finish()
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_rt::spawn(server);
    let flow = crate::flows::create_flow(
        &app,
        &t,
        json!({"name": "welcome bot", "trigger_type": "manual", "flow_data": {"nodes": [
            {"id": "m", "type": "message", "position": {"x": 0, "y": 0}, "data": {"start": true, "text": "Welcome from the bot"}}], "edges": []}}),
    )
    .await;
    rule(
        &app,
        &t,
        json!({"name": "Greet", "event": "conversation.created",
        "actions": [{"type": "start_flow", "flow_id": flow["id"]}, {"type": "notify", "text": "New chat from {{contact.name}}"}]}),
    )
    .await;
    rule(
        &app,
        &t,
        json!({"name": "Tell the CRM", "event": "conversation.resolved",
        "actions": [{"type": "call_webhook", "url": format!("http://127.0.0.1:{port}/crm")}]}),
    )
    .await;
    let failed_rule = rule(&app, &t, json!({"name": "Failed sends", "event": "message.failed",
        "actions": [{"type": "add_note", "text": "A send failed with {{message.error_code}}"}, {"type": "set_status", "status": "pending"}]})).await;
    rule(
        &app,
        &t,
        json!({"name": "Campaign leads", "event": "campaign.reply",
        "actions": [{"type": "tag", "add": ["campaign-lead"], "target": "contact"},
                    {"type": "send_template", "name": "hello_world", "language": "en_US"}]}),
    )
    .await;

    // conversation.created → start_flow + notify.
    let c = app.open_conversation(&t, "919600000010").await;
    let note = socket.expect("notification", |d| d["kind"] == "automation").await;
    assert_eq!(note["message"], "New chat from Customer 919600000010");
    eventually("the flow's message", WAIT, || async { sent_texts(&app).await.into_iter().find(|s| s == "Welcome from the bot") }).await;

    // message.failed → add_note + set_status.
    app.sim_control(json!({"fail_recipients_with": {"919600000010": 131026}})).await;
    let res = app.send(&t, &c, json!({"type": "text", "text": {"body": "this will fail"}})).await;
    assert!(res.status().is_success());
    eventually("pending after the failure", WAIT, || async { (conversation(&app, &t, &c).await["status"] == "pending").then_some(()) })
        .await;
    let (_, notes) = app.get(&t, &format!("/api/v1/conversations/{c}/notes")).await;
    assert!(notes.to_string().contains("A send failed with 131026"), "{notes}");
    assert_eq!(logs(&app, &t, &failed_rule).await[0]["actions"][1]["ok"], true);
    app.sim_control(json!({"fail_recipients_with": {}})).await;

    // conversation.resolved → call_webhook.
    app.patch_json(&t.token, &format!("/api/v1/conversations/{c}"), json!({"status": "resolved"})).await;
    let posted = eventually("the CRM call", WAIT, || async {
        let g = got.lock().unwrap().clone();
        (!g.is_empty()).then_some(g)
    })
    .await;
    assert_eq!(posted[0]["rule"]["name"], "Tell the CRM");
    assert_eq!(posted[0]["conversation"]["id"], c.as_str());
    assert_eq!(posted[0]["contact"]["phone"], "+919600000010");

    // campaign.reply → tag the contact + send a template.
    let contact = conversation(&app, &t, &c).await["contact"]["id"].as_str().unwrap().to_owned();
    let campaign = crate::campaigns::create(
        &app,
        &t,
        &json!({"name": "Hello", "channel_id": channel, "template": {"name": "hello_world", "language": "en_US"}, "audience": {"contact_ids": [contact]}}),
    )
    .await;
    assert_eq!(crate::campaigns::action(&app, &t, &campaign, "start").await.0, 200);
    let campaign_wamid = eventually("the campaign's message", WAIT, || async {
        app.all_messages(&t)
            .await
            .into_iter()
            .find(|m| m["sent_by"]["kind"] == "campaign" && m["wamid"].is_string())
            .map(|m| m["wamid"].as_str().unwrap().to_owned())
    })
    .await;
    let templates_before = app.sim_sends().await.iter().filter(|s| s["type"] == "template").count();
    app.post_webhook_ok(reply_webhook("919600000010", "wamid.camp-reply", &campaign_wamid, "interested!")).await;
    eventually("the campaign lead tag and template", WAIT, || async {
        let (_, k) = app.get(&t, &format!("/api/v1/contacts/{contact}")).await;
        let templates = app.sim_sends().await.iter().filter(|s| s["type"] == "template").count();
        (k["tags"].as_array()?.iter().any(|x| x == "campaign-lead") && templates == templates_before + 1).then_some(())
    })
    .await;
    // A plain message (no campaign context) does not fire it.
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919600000010", "wamid.plain", "another")).await;
    settled(&app).await;
    assert_eq!(app.sim_sends().await.iter().filter(|s| s["type"] == "template").count(), templates_before + 1);
}
