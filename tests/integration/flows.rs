//! Flow bots end to end: webhook in, the bot's messages out at the Graph API
//! simulator, a local HTTP server for api and webhook nodes.

use crate::helpers::*;
use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A business's own API: /orders/{id}, /slow, /fail, /hook (records posts).
struct Shop {
    base: String,
    hooks: Arc<Mutex<Vec<Value>>>,
}

fn shop() -> Shop {
    let hooks = Arc::new(Mutex::new(Vec::new()));
    let h = hooks.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        let h = h.clone();
        App::new()
            .route(
                "/orders/{id}",
                web::get()
                    .to(|id: web::Path<String>| async move { HttpResponse::Ok().json(json!({"order": {"id": *id, "status": "shipped"}})) }),
            )
            .route(
                "/slow",
                web::get().to(|| async {
                    actix_web::rt::time::sleep(Duration::from_secs(5)).await;
                    HttpResponse::Ok().json(json!({}))
                }),
            )
            .route("/fail", web::get().to(|| async { HttpResponse::InternalServerError().finish() }))
            .route(
                "/hook",
                web::post().to(move |body: web::Json<Value>| {
                    let h = h.clone();
                    async move {
                        h.lock().unwrap().push(body.into_inner());
                        HttpResponse::Ok().json(json!({"ok": true}))
                    }
                }),
            )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_rt::spawn(server);
    Shop { base: format!("http://127.0.0.1:{port}"), hooks }
}

pub(crate) async fn create_flow(app: &TestApp, t: &Tenant, body: Value) -> Value {
    let res = app.post_json(&t.token, "/api/v1/flows", &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap_or_default());
    let flow: Value = res.json().await.unwrap();
    let id = flow["id"].as_str().unwrap();
    let res = app.patch_json(&t.token, &format!("/api/v1/flows/{id}/status"), &json!({"status": "active"})).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    flow
}

/// Texts the bot sent to a customer (as the simulator received them).
pub(crate) async fn bot_texts(app: &TestApp, to: &str) -> Vec<String> {
    app.sim_sends()
        .await
        .into_iter()
        .filter(|b| b["to"] == to)
        .map(|b| b["text"]["body"].as_str().or(b["interactive"]["body"]["text"].as_str()).unwrap_or("").to_owned())
        .collect()
}

async fn say(app: &TestApp, from: &str, text: &str) {
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, from, &format!("wamid.{}", uuid::Uuid::new_v4().simple()), text)).await;
}

async fn wait_texts(app: &TestApp, to: &str, n: usize) -> Vec<String> {
    eventually(&format!("{n} bot messages to {to}"), WAIT, || async {
        let t = bot_texts(app, to).await;
        (t.len() >= n).then_some(t)
    })
    .await
}

fn order_flow(shop: &str) -> Value {
    json!({"name": "Order status", "trigger_type": "keyword", "trigger_value": "order", "flow_data": {"nodes": [
        {"id": "ask", "type": "input", "position": {"x": 0, "y": 0}, "data": {"start": true, "prompt": "Hi {{contact.name}}! Your order number?", "variable": "order", "validation": "regex", "pattern": "^\\d{4}$", "retries": 2}},
        {"id": "look", "type": "api", "position": {"x": 0, "y": 100}, "data": {"method": "GET", "url": format!("{shop}/orders/{{{{vars.order}}}}"), "timeout_ms": 2000, "save": {"state": "order.status"}}},
        {"id": "tell", "type": "message", "position": {"x": 0, "y": 200}, "data": {"text": "Order {{vars.order}} is {{vars.state}}."}},
        {"id": "oops", "type": "message", "position": {"x": 200, "y": 200}, "data": {"text": "Sorry, I could not look that up."}},
        {"id": "hook", "type": "webhook", "position": {"x": 0, "y": 300}, "data": {"url": format!("{shop}/hook")}},
        {"id": "tag", "type": "tag", "position": {"x": 0, "y": 400}, "data": {"add": ["asked-order"]}},
        {"id": "done", "type": "end", "position": {"x": 0, "y": 500}, "data": {}}
    ], "edges": [
        {"id": "e1", "source": "ask", "target": "look", "sourceHandle": "ok"},
        {"id": "e2", "source": "look", "target": "tell", "sourceHandle": "ok"},
        {"id": "e3", "source": "look", "target": "oops", "sourceHandle": "error"},
        {"id": "e4", "source": "tell", "target": "hook"},
        {"id": "e5", "source": "hook", "target": "tag"},
        {"id": "e6", "source": "tag", "target": "done"}
    ]}})
}

#[actix_rt::test]
async fn a_keyword_flow_asks_validates_calls_the_api_and_answers() {
    let app = spawn_app().await;
    let shop = shop();
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let flow = create_flow(&app, &t, order_flow(&shop.base)).await;
    say(&app, "15551110001", "ORDER").await;
    let texts = wait_texts(&app, "+15551110001", 1).await;
    assert_eq!(texts[0], "Hi Customer 15551110001! Your order number?");
    say(&app, "15551110001", "soon please").await;
    let texts = wait_texts(&app, "+15551110001", 2).await;
    assert_eq!(texts[1], texts[0], "garbage gets the re-prompt, not a crash");
    say(&app, "15551110001", "4821").await;
    let texts = wait_texts(&app, "+15551110001", 3).await;
    assert_eq!(texts[2], "Order 4821 is shipped.");
    let id = flow["id"].as_str().unwrap();
    let runs: Value = eventually("run completed", WAIT, || async {
        let (_, v) = app.get(&t, &format!("/api/v1/flows/{id}/executions")).await;
        (v["data"][0]["status"] == "completed").then_some(v)
    })
    .await;
    assert_eq!(runs["data"][0]["path"], json!(["ask", "look", "tell", "hook", "tag", "done"]));
    assert_eq!(runs["data"][0]["vars"]["order"], "4821");
    assert_eq!(shop.hooks.lock().unwrap()[0]["vars"]["state"], "shipped", "the webhook node posted the run's context");
    let (_, contacts) = app.get(&t, "/api/v1/contacts?tag=asked-order").await;
    assert_eq!(contacts["data"].as_array().unwrap().len(), 1);
    // In the inbox the bot's messages are marked as the flow's.
    let bot: Vec<Value> = app.all_messages(&t).await.into_iter().filter(|m| m["direction"] == "outbound").collect();
    assert_eq!(bot.len(), 3);
    assert!(bot.iter().all(|m| m["sent_by"]["kind"] == "flow" && m["sent_by"]["id"] == flow["id"]));
    let (_, stats) = app.get(&t, &format!("/api/v1/flows/{id}/analytics")).await;
    assert_eq!((stats["starts"].as_i64(), stats["completions"].as_i64()), (Some(1), Some(1)));
}

#[actix_rt::test]
async fn api_errors_and_timeouts_take_the_error_branch() {
    let app = spawn_app().await;
    let shop = shop();
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    for (keyword, path) in [("slow", "/slow"), ("fail", "/fail")] {
        create_flow(&app, &t, json!({"name": keyword, "trigger_type": "keyword", "trigger_value": keyword, "flow_data": {"nodes": [
            {"id": "a", "type": "api", "data": {"start": true, "url": format!("{}{path}", shop.base), "timeout_ms": 500}},
            {"id": "ok", "type": "message", "data": {"text": "fine"}},
            {"id": "err", "type": "message", "data": {"text": "error branch: {{vars.api_error}}"}}
        ], "edges": [{"id": "1", "source": "a", "target": "ok", "sourceHandle": "ok"}, {"id": "2", "source": "a", "target": "err", "sourceHandle": "error"}]}})).await;
    }
    say(&app, "15551110002", "slow").await;
    say(&app, "15551110003", "fail").await;
    let slow = wait_texts(&app, "+15551110002", 1).await;
    assert!(slow[0].starts_with("error branch: timed out"), "{slow:?}");
    let fail = wait_texts(&app, "+15551110003", 1).await;
    assert_eq!(fail[0], "error branch: HTTP 500");
}

#[actix_rt::test]
async fn buttons_and_conditions_branch() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    create_flow(&app, &t, json!({"name": "menu", "trigger_type": "keyword", "trigger_value": "/^(hi|hello)$/", "flow_data": {"nodes": [
        {"id": "menu", "type": "buttons", "data": {"start": true, "text": "How can we help?", "buttons": [{"id": "track", "title": "Track order"}, {"id": "human", "title": "Talk to us"}]}},
        {"id": "check", "type": "condition", "data": {"rules": [{"field": "contact.tags", "operator": "contains", "value": "vip", "handle": "vip"}]}},
        {"id": "vip", "type": "message", "data": {"text": "VIP line"}},
        {"id": "std", "type": "message", "data": {"text": "Standard line"}},
        {"id": "track", "type": "message", "data": {"text": "Tracking"}}
    ], "edges": [
        {"id": "1", "source": "menu", "target": "track", "sourceHandle": "track"},
        {"id": "2", "source": "menu", "target": "check", "sourceHandle": "human"},
        {"id": "3", "source": "check", "target": "vip", "sourceHandle": "vip"},
        {"id": "4", "source": "check", "target": "std", "sourceHandle": "else"}
    ]}})).await;
    // A VIP customer picks "Talk to us" by button.
    app.post_json(&t.token, "/api/v1/contacts", &json!({"phone": "+15551110004", "tags": ["vip"]})).await;
    say(&app, "15551110004", "Hello").await;
    let first = wait_texts(&app, "+15551110004", 1).await;
    assert_eq!(first[0], "How can we help?");
    let menu = app.sim_sends().await.into_iter().find(|b| b["to"] == "+15551110004").unwrap();
    assert_eq!(menu["interactive"]["action"]["buttons"][1]["reply"]["id"], "human");
    let reply = json!({"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
        "metadata": {"display_phone_number": "1", "phone_number_id": PHONE_NUMBER_ID},
        "messages": [{"from": "15551110004", "id": "wamid.btn", "timestamp": chrono::Utc::now().timestamp().to_string(), "type": "interactive",
                      "interactive": {"type": "button_reply", "button_reply": {"id": "human", "title": "Talk to us"}}}]}}]}]});
    app.post_webhook_ok(reply.to_string().into_bytes()).await;
    assert_eq!(wait_texts(&app, "+15551110004", 2).await[1], "VIP line");
    // Someone else types the button's title.
    say(&app, "15551110005", "hi").await;
    wait_texts(&app, "+15551110005", 1).await;
    say(&app, "15551110005", "talk to us").await;
    assert_eq!(wait_texts(&app, "+15551110005", 2).await[1], "Standard line");
}

#[actix_rt::test]
async fn handoff_and_agent_replies_pause_the_bot_and_assignment_picks_an_online_agent() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let agent = app.add_user(&t, "agent").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let mut agent_ws = app.socket(&agent.token).await;
    create_flow(&app, &t, json!({"name": "support", "trigger_type": "keyword", "trigger_value": "help", "flow_data": {"nodes": [
        {"id": "a", "type": "assign", "data": {"start": true, "strategy": "least_busy"}},
        {"id": "b", "type": "message", "data": {"text": "An agent will be with you."}},
        {"id": "h", "type": "handoff", "data": {"note": "Customer asked for help"}},
        {"id": "c", "type": "message", "data": {"text": "never sent while paused"}}
    ], "edges": [{"id": "1", "source": "a", "target": "b"}, {"id": "2", "source": "b", "target": "h"}, {"id": "3", "source": "h", "target": "c"}]}})).await;
    say(&app, "15551110006", "help").await;
    wait_texts(&app, "+15551110006", 1).await;
    let note = agent_ws.expect("notification", |d| d["kind"] == "handoff").await;
    assert_eq!(note["message"], "Customer asked for help");
    let conv = app.conversations(&t).await.into_iter().find(|c| c["contact"]["phone"] == "+15551110006").unwrap();
    assert_eq!(conv["assignee_id"], agent.user_id.as_str(), "assigned to the online agent");
    let before = counter(&app, "flow_messages_handled").await;
    say(&app, "15551110006", "hello?").await;
    counted(&app, "flow_messages_handled", before, 1).await;
    assert_eq!(bot_texts(&app, "+15551110006").await.len(), 1, "a handed-off bot stays quiet");
    // Resume by hand: it carries on after the handoff node.
    let conv_id = conv["id"].as_str().unwrap();
    let res = app.post_json(&t.token, &format!("/api/v1/conversations/{conv_id}/flow"), &json!({"action": "resume"})).await;
    assert_eq!(res.status(), 202);
    assert_eq!(wait_texts(&app, "+15551110006", 2).await[1], "never sent while paused");
}

#[actix_rt::test]
async fn an_agent_reply_pauses_a_waiting_bot() {
    let app = spawn_app().await;
    let shop = shop();
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let flow = create_flow(&app, &t, order_flow(&shop.base)).await;
    say(&app, "15551110007", "order").await;
    wait_texts(&app, "+15551110007", 1).await;
    let conv = app.conversations(&t).await.into_iter().find(|c| c["contact"]["phone"] == "+15551110007").unwrap();
    let res = app.send(&t, conv["id"].as_str().unwrap(), json!({"type": "text", "text": {"body": "Let me help you myself."}})).await;
    assert_eq!(res.status(), 201);
    let id = flow["id"].as_str().unwrap();
    eventually("run paused", WAIT, || async {
        let (_, v) = app.get(&t, &format!("/api/v1/flows/{id}/executions")).await;
        (v["data"][0]["status"] == "paused").then_some(())
    })
    .await;
    let before = counter(&app, "flow_messages_handled").await;
    say(&app, "15551110007", "4821").await;
    counted(&app, "flow_messages_handled", before, 1).await;
    let texts = bot_texts(&app, "+15551110007").await;
    assert_eq!(texts.len(), 2, "the agent's message only: {texts:?}");
}

#[actix_rt::test]
async fn invalid_flows_are_refused_with_the_offending_nodes_and_edits_keep_live_runs_on_their_version() {
    let app = spawn_app().await;
    let shop = shop();
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let res = app.post_json(&t.token, "/api/v1/flows", &json!({"name": "bad", "trigger_type": "keyword", "trigger_value": "x", "flow_data": {"nodes": [
        {"id": "a", "type": "buttons", "data": {"start": true, "text": "?", "buttons": [{"id": "1", "title": "1"}, {"id": "2", "title": "2"}, {"id": "3", "title": "3"}, {"id": "4", "title": "4"}]}},
        {"id": "b", "type": "condition", "data": {"rules": [{"field": "vars.x", "operator": "equals", "value": 1, "handle": "one"}]}},
        {"id": "c", "type": "warp", "data": {}}
    ], "edges": [{"id": "e1", "source": "a", "target": "b", "sourceHandle": "1"}, {"id": "e2", "source": "b", "target": "nowhere", "sourceHandle": "one"}]}})).await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "FLOW_INVALID");
    let details = err["error"]["details"].as_array().unwrap();
    let nodes: Vec<&str> = details.iter().filter_map(|d| d["node_id"].as_str()).collect();
    assert!(nodes.contains(&"a") && nodes.contains(&"b") && nodes.contains(&"c"), "{details:?}");
    assert!(details.iter().any(|d| d["edge_id"] == "e2"));

    let flow = create_flow(&app, &t, order_flow(&shop.base)).await;
    let id = flow["id"].as_str().unwrap();
    say(&app, "15551110008", "order").await;
    wait_texts(&app, "+15551110008", 1).await;
    // Edit the flow while the run waits: the run finishes on version 1.
    let mut v2 = order_flow(&shop.base);
    v2["flow_data"]["nodes"][2]["data"]["text"] = json!("v2 says {{vars.state}}");
    let res = app.patch_json(&t.token, &format!("/api/v1/flows/{id}"), &json!({"flow_data": v2["flow_data"]})).await;
    assert_eq!(res.json::<Value>().await.unwrap()["version"], 2);
    say(&app, "15551110008", "1234").await;
    assert_eq!(wait_texts(&app, "+15551110008", 2).await[1], "Order 1234 is shipped.");
    say(&app, "15551110009", "order").await;
    wait_texts(&app, "+15551110009", 1).await;
    say(&app, "15551110009", "5555").await;
    assert_eq!(wait_texts(&app, "+15551110009", 2).await[1], "v2 says shipped");
    // The sandbox: a transcript, and Meta never hears of it.
    let before = app.sim_sends().await.len();
    let res: Value = app
        .post_json(
            &t.token,
            &format!("/api/v1/flows/{id}/test"),
            &json!({"messages": ["nope", "7777"], "contact": {"name": "Tess", "tags": [], "fields": {}}}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res["status"], "completed");
    let bot: Vec<&str> = res["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["from"] == "bot")
        .map(|e| e["content"]["body"].as_str().unwrap())
        .collect();
    assert_eq!(bot, ["Hi Tess! Your order number?", "Hi Tess! Your order number?", "v2 says shipped"]);
    assert_eq!(app.sim_sends().await.len(), before);
}

#[actix_rt::test]
async fn a_thousand_concurrent_runs_all_complete() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let ch = app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let res =
        app.patch_json(&t.token, &format!("/api/v1/channels/{}", ch["id"].as_str().unwrap()), &json!({"messages_per_second": 1000})).await;
    assert_eq!(res.status(), 200);
    let flow = create_flow(
        &app,
        &t,
        json!({"name": "greet", "trigger_type": "keyword", "trigger_value": "hi", "flow_data": {"nodes": [
        {"id": "a", "type": "set_field", "data": {"start": true, "field": "greeted", "value": "yes"}},
        {"id": "b", "type": "message", "data": {"text": "Hello {{contact.name}}"}},
        {"id": "c", "type": "end", "data": {}}
    ], "edges": [{"id": "1", "source": "a", "target": "b"}, {"id": "2", "source": "b", "target": "c"}]}}),
    )
    .await;
    for batch in 0..10 {
        let messages: Vec<Value> = (0..100)
            .map(|i| json!({"from": format!("1555200{:04}", batch * 100 + i), "id": format!("wamid.k-{batch}-{i}"), "timestamp": chrono::Utc::now().timestamp().to_string(), "type": "text", "text": {"body": "hi"}}))
            .collect();
        let body = json!({"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
            "metadata": {"display_phone_number": "1", "phone_number_id": PHONE_NUMBER_ID}, "messages": messages}}]}]});
        app.post_webhook_ok(body.to_string().into_bytes()).await;
    }
    let id = flow["id"].as_str().unwrap();
    eventually("1000 runs completed", std::time::Duration::from_secs(90), || async {
        let (_, s) = app.get(&t, &format!("/api/v1/flows/{id}/analytics")).await;
        (s["completions"] == 1000).then_some(())
    })
    .await;
    // A run completes once its greeting is stored; the outbox then delivers it.
    let greetings = || async {
        app.sim_sends().await.into_iter().filter(|b| b["text"]["body"].as_str().is_some_and(|s| s.starts_with("Hello"))).count()
    };
    eventually("1000 greetings at Meta", std::time::Duration::from_secs(60), || async { (greetings().await >= 1000).then_some(()) }).await;
    outbox_settled(&app.owner).await;
    assert_eq!(greetings().await, 1000, "each run greeted once");
    let n: i64 =
        sqlx::query_scalar("SELECT count(*) FROM contacts WHERE custom_fields->>'greeted' = 'yes'").fetch_one(&app.owner).await.unwrap();
    assert_eq!(n, 1000);
}

#[actix_rt::test]
async fn welcome_referral_and_campaign_reply_triggers() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let one = |text: &str| json!({"nodes": [{"id": "a", "type": "message", "data": {"start": true, "text": text}}], "edges": []});
    create_flow(&app, &t, json!({"name": "welcome", "trigger_type": "welcome", "flow_data": one("Welcome to Acme!")})).await;
    create_flow(
        &app,
        &t,
        json!({"name": "ads", "trigger_type": "referral", "priority": 10, "flow_data": one("Thanks for clicking our ad")}),
    )
    .await;
    create_flow(&app, &t, json!({"name": "campaign", "trigger_type": "campaign_reply", "trigger_value": "11111111-1111-1111-1111-111111111111", "flow_data": one("Glad you liked the offer")})).await;
    // A new customer gets the welcome flow.
    say(&app, "15551110010", "hello there").await;
    assert_eq!(wait_texts(&app, "+15551110010", 1).await, ["Welcome to Acme!"]);
    // A click-to-WhatsApp ad: the referral flow outranks welcome.
    let mut ad: Value = serde_json::from_slice(&fixture("referral.json")).unwrap();
    ad["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = json!(chrono::Utc::now().timestamp().to_string());
    app.post_webhook_ok(ad.to_string().into_bytes()).await;
    assert_eq!(wait_texts(&app, "+16315551181", 1).await, ["Thanks for clicking our ad"]);
    // A reply to a campaign's message starts the campaign flow.
    let conv = app.conversations(&t).await.into_iter().find(|c| c["contact"]["phone"] == "+15551110010").unwrap();
    sqlx::query(
        "INSERT INTO messages (id, tenant_id, conversation_id, seq, status_seq, wamid, direction, type, status, content, sent_by, timestamp)
         VALUES ($1, $2, $3, 999, 999, 'wamid.campaign-1', 'outbound', 'template', 'read', '{}', $4, now())",
    )
    .bind(uuid::Uuid::now_v7())
    .bind(uuid::Uuid::parse_str(&t.tenant_id).unwrap())
    .bind(uuid::Uuid::parse_str(conv["id"].as_str().unwrap()).unwrap())
    .bind(json!({"kind": "campaign", "id": "11111111-1111-1111-1111-111111111111"}))
    .execute(&app.owner)
    .await
    .unwrap();
    let reply = json!({"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
        "metadata": {"display_phone_number": "1", "phone_number_id": PHONE_NUMBER_ID},
        "messages": [{"from": "15551110010", "id": "wamid.re-campaign", "timestamp": chrono::Utc::now().timestamp().to_string(), "type": "text",
                      "text": {"body": "yes please"}, "context": {"from": "15550783881", "id": "wamid.campaign-1"}}]}}]}]});
    app.post_webhook_ok(reply.to_string().into_bytes()).await;
    assert_eq!(wait_texts(&app, "+15551110010", 2).await[1], "Glad you liked the offer");
}

#[actix_rt::test]
async fn a_flow_started_by_hand_times_out_its_input_and_can_be_stopped() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let flow = create_flow(&app, &t, json!({"name": "survey", "trigger_type": "manual", "flow_data": {"nodes": [
        {"id": "q", "type": "input", "data": {"start": true, "prompt": "Rate us 1-5?", "variable": "rating", "validation": "number", "timeout_seconds": 1}},
        {"id": "thanks", "type": "message", "data": {"text": "Thanks for {{vars.rating}}"}},
        {"id": "late", "type": "message", "data": {"text": "No worries, maybe later."}}
    ], "edges": [{"id": "1", "source": "q", "target": "thanks", "sourceHandle": "ok"}, {"id": "2", "source": "q", "target": "late", "sourceHandle": "timeout"}]}})).await;
    let fid = flow["id"].as_str().unwrap();
    let conv = app.open_conversation(&t, "15551110011").await;
    let start = |conv: String| {
        app.http.post(app.url(&format!("/api/v1/flows/{fid}/start"))).bearer_auth(&t.token).json(&json!({"conversation_id": conv})).send()
    };
    let res = start(conv.clone()).await.unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(wait_texts(&app, "+15551110011", 1).await[0], "Rate us 1-5?");
    // Nobody answers: the timeout branch runs once the timer fires.
    assert_eq!(wait_texts(&app, "+15551110011", 2).await[1], "No worries, maybe later.");
    // Again, then an agent stops it: the customer's answer gets no bot reply.
    let res = start(conv.clone()).await.unwrap();
    assert_eq!(res.status(), 201);
    wait_texts(&app, "+15551110011", 3).await;
    let dup = start(conv.clone()).await.unwrap();
    assert_eq!(dup.status(), 409, "one run per conversation");
    let res = app.post_json(&t.token, &format!("/api/v1/conversations/{conv}/flow"), &json!({"action": "stop"})).await;
    assert_eq!(res.status(), 202);
    eventually("run stopped", WAIT, || async {
        let (_, v) = app.get(&t, &format!("/api/v1/flows/{fid}/executions")).await;
        (v["data"][0]["status"] == "stopped").then_some(())
    })
    .await;
    let before = counter(&app, "flow_messages_handled").await;
    say(&app, "15551110011", "5").await;
    counted(&app, "flow_messages_handled", before, 1).await;
    assert_eq!(bot_texts(&app, "+15551110011").await.len(), 3);
}

#[actix_rt::test]
async fn template_list_media_jump_and_delay_nodes_in_the_sandbox() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let flow = create_flow(&app, &t, json!({"name": "tour", "trigger_type": "manual", "flow_data": {"nodes": [
        {"id": "tpl", "type": "template", "data": {"start": true, "name": "order_update", "language": "en", "components": [{"type": "body", "parameters": [{"type": "text", "text": "{{contact.name}}"}, {"type": "text", "text": "#1"}]}]}},
        {"id": "pic", "type": "message", "data": {"media": {"type": "image", "link": "https://cdn.example/menu.png", "caption": "Menu for {{contact.name}}"}}},
        {"id": "wait", "type": "delay", "data": {"seconds": 3600}},
        {"id": "sizes", "type": "list", "data": {"text": "Pick a size", "button": "Sizes", "sections": [{"title": "Tops", "rows": [{"id": "s", "title": "Small"}, {"id": "l", "title": "Large"}]}]}},
        {"id": "again", "type": "jump", "data": {"target": "sizes"}},
        {"id": "big", "type": "message", "data": {"text": "Large it is"}}
    ], "edges": [
        {"id": "1", "source": "tpl", "target": "pic"}, {"id": "2", "source": "pic", "target": "wait"}, {"id": "3", "source": "wait", "target": "sizes"},
        {"id": "4", "source": "sizes", "target": "again", "sourceHandle": "s"}, {"id": "5", "source": "sizes", "target": "big", "sourceHandle": "l"}
    ]}})).await;
    let fid = flow["id"].as_str().unwrap();
    let res: Value = app.post_json(&t.token, &format!("/api/v1/flows/{fid}/test"), &json!({"contact": {"name": "Asha", "tags": [], "fields": {}}, "messages": [{"type": "interactive", "reply_id": "s", "text": "Small"}, "large"]})).await.json().await.unwrap();
    assert_eq!(res["status"], "completed", "{res}");
    let t_ = res["transcript"].as_array().unwrap();
    let bot: Vec<&Value> = t_.iter().filter(|e| e["from"] == "bot").collect();
    assert_eq!(bot[0]["type"], "template");
    assert_eq!(bot[0]["content"]["components"][0]["parameters"][0]["text"], "Asha");
    assert_eq!(bot[1]["content"], json!({"link": "https://cdn.example/menu.png", "caption": "Menu for Asha"}));
    assert_eq!(bot[2]["content"]["type"], "list");
    assert_eq!(bot[3]["content"]["type"], "list", "the jump asked again");
    assert_eq!(bot[4]["content"]["body"], "Large it is");
    assert!(t_.iter().any(|e| e["action"] == "delay"), "the sandbox fast-forwards delays");
    assert_eq!(res["path"], json!(["tpl", "pic", "wait", "sizes", "again", "sizes", "big"]));
}

#[actix_rt::test]
async fn grouped_contact_changes_and_reads_apply_in_order_and_only_within_their_tenant() {
    use whatsflow::store::contact_changes::{ContactChange, ContactChanges};
    use whatsflow::store::contact_facts::ContactFactsReads;
    use whatsflow::store::group::GroupWork;
    use whatsflow::store::opening::ContactResolution;
    use whatsflow_actors::identity::{ContactIdentity, PhoneNumber};
    use whatsflow_actors::ids::TenantId;
    let app = spawn_app().await;
    let (a, b) = (app.register("Acme").await, app.register("Beta").await);
    let pool = app.app_pool().await;
    let (ta, tb) = (TenantId(a.tenant_id.parse().unwrap()), TenantId(b.tenant_id.parse().unwrap()));
    let who = |p: &str| ContactIdentity { phone: PhoneNumber::parse(p).ok(), ..Default::default() };
    let ka = ContactResolution.run(&pool, &[&(ta, who("15550005001"), None)]).await.unwrap()[0].0;
    let kb = ContactResolution.run(&pool, &[&(tb, who("15550005002"), None)]).await.unwrap()[0].0;
    let tags = |add: &[&str], remove: &[&str]| ContactChange::Tags {
        add: add.iter().map(|s| s.to_string()).collect(),
        remove: remove.iter().map(|s| s.to_string()).collect(),
    };
    let field = |v: &str| ContactChange::Field { field: "stage".into(), value: json!(v) };
    // One group: Acme's contact changed five times, Beta's once, and a job
    // of Acme's naming Beta's contact (row-level security keeps it out).
    let jobs = [
        (ta, ka, tags(&["vip", "new"], &[])),
        (ta, ka, field("one")),
        (tb, kb, tags(&["vip"], &[])),
        (ta, ka, field("two")),
        (ta, ka, tags(&["done", "vip"], &["new"])),
        (ta, ka, ContactChange::Name("Ravi".into())),
        (ta, kb, ContactChange::Name("Stolen".into())),
    ];
    let refs: Vec<&(TenantId, _, ContactChange)> = jobs.iter().collect();
    assert_eq!(ContactChanges.run(&pool, &refs).await.unwrap().len(), jobs.len());
    let row = |id: uuid::Uuid| {
        let owner = app.owner.clone();
        async move {
            sqlx::query_as::<_, (Vec<String>, Value, Option<String>)>("SELECT tags, custom_fields, name FROM contacts WHERE id = $1")
                .bind(id)
                .fetch_one(&owner)
                .await
                .unwrap()
        }
    };
    let (tags_a, fields_a, name_a) = row(ka.0).await;
    assert_eq!(tags_a, ["done", "vip"], "added once each, `new` removed after it was added");
    assert_eq!(fields_a["stage"], "two", "the later change of the field wins");
    assert_eq!(name_a.as_deref(), Some("Ravi"));
    let (tags_b, _, name_b) = row(kb.0).await;
    assert_eq!(tags_b, ["vip"]);
    assert_ne!(name_b.as_deref(), Some("Stolen"), "another tenant's contact is out of reach");

    // Reads grouped across both tenants: each sees its own contact, asked
    // twice is answered twice, and another tenant's contact reads as none.
    let reads = [(ta, ka), (tb, kb), (ta, kb), (ta, ka)];
    let refs: Vec<&(TenantId, _)> = reads.iter().collect();
    let facts = ContactFactsReads.run(&pool, &refs).await.unwrap();
    assert_eq!(facts.len(), reads.len());
    assert_eq!(facts[0]["name"], "Ravi");
    assert_eq!(facts[0]["tags"], json!(["done", "vip"]));
    assert_eq!(facts[0]["fields"]["stage"], "two");
    assert_eq!(facts[0]["phone"], "+15550005001");
    assert_eq!(facts[1]["tags"], json!(["vip"]));
    assert_eq!(facts[1]["phone"], "+15550005002");
    assert!(facts[2].is_empty(), "Acme reading Beta's contact gets nothing: {:?}", facts[2]);
    assert_eq!(facts[3], facts[0], "the same contact asked twice in a group is answered twice");
}

/// Idle conversations are passivated by their tenant's sweep; one whose bot
/// waits for the customer stays live however long it waits, and its run
/// goes on from where it was when the customer answers.
#[actix_rt::test]
async fn a_conversation_waiting_on_its_bot_stays_live_while_idle_ones_are_passivated() {
    use std::sync::atomic::Ordering::Relaxed;
    let (app, t) = spawn_idling(Duration::from_millis(400)).await;
    create_flow(
        &app,
        &t,
        json!({"name": "Rating", "trigger_type": "keyword", "trigger_value": "rate", "flow_data": {"nodes": [
        {"id": "q", "type": "input", "data": {"start": true, "prompt": "Rate us 1-5?", "variable": "rating", "validation": "number"}},
        {"id": "thanks", "type": "message", "data": {"text": "Thanks for {{vars.rating}}"}}
    ], "edges": [{"id": "1", "source": "q", "target": "thanks", "sourceHandle": "ok"}]}}),
    )
    .await;
    say(&app, "15551110020", "rate").await;
    assert_eq!(wait_texts(&app, "+15551110020", 1).await[0], "Rate us 1-5?");
    say(&app, "15551110021", "just saying hello").await;
    eventually("the idle conversation passivated", WAIT, || async {
        (app.state.metrics.conversations_passivated.load(Relaxed) >= 1).then_some(())
    })
    .await;
    // Three more idle periods: the waiting one is asked each sweep and stays.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(app.state.metrics.conversations_passivated.load(Relaxed), 1, "only the conversation without a run passivated");
    assert_eq!(app.state.metrics.conversations_live.load(Relaxed), 1, "the one waiting on its bot is live");
    say(&app, "15551110020", "5").await;
    assert_eq!(wait_texts(&app, "+15551110020", 2).await[1], "Thanks for 5");
    // Its run has ended: it is passivated too, once an idle period has passed.
    assert_eq!(app.state.metrics.conversations_passivated.load(Relaxed), 1, "not the moment its run ends");
    eventually("the finished conversation passivated", WAIT, || async {
        (app.state.metrics.conversations_passivated.load(Relaxed) == 2).then_some(())
    })
    .await;
    assert_eq!(app.state.metrics.conversations_live.load(Relaxed), 0);
    assert_eq!(app.state.metrics.conversation_restarts.load(Relaxed), 0);
}
