//! Agents' replies out through the Graph API (simulated over real HTTP),
//! under the 24-hour window, with retries that never send twice.

use crate::helpers::*;
use serde_json::{json, Value};

async fn message(app: &TestApp, t: &Tenant, conversation: &str, id: &str) -> Value {
    let (_, v) = app.get(t, &format!("/api/v1/conversations/{conversation}/messages?limit=200")).await;
    v["data"].as_array().unwrap().iter().find(|m| m["id"] == id).cloned().unwrap_or(Value::Null)
}

async fn wait_status(app: &TestApp, t: &Tenant, conversation: &str, id: &str, status: &str) -> Value {
    eventually(&format!("message {id} {status}"), WAIT, || async {
        let m = message(app, t, conversation, id).await;
        (m["status"] == status).then_some(m)
    })
    .await
}

#[actix_rt::test]
async fn a_reply_goes_out_exactly_as_the_cloud_api_expects_and_ticks_come_back() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conv = app.open_conversation(&t, "16315551181").await;
    let res = app.send(&t, &conv, json!({"type": "text", "text": {"body": "Your order ships today."}, "client_id": "c-1"})).await;
    assert_eq!(res.status(), 201);
    let sent: Value = res.json().await.unwrap();
    assert_eq!(sent["status"], "pending");
    assert_eq!(sent["direction"], "outbound");
    assert_eq!(sent["sent_by"]["kind"], "agent");
    assert_eq!(sent["sent_by"]["id"], t.user_id.as_str());
    assert_eq!(sent["client_id"], "c-1", "the client can match its pending bubble");
    let id = sent["id"].as_str().unwrap().to_owned();
    let read = wait_status(&app, &t, &conv, &id, "read").await;
    assert!(read["wamid"].as_str().unwrap().starts_with("wamid.SIM"));
    assert!(read["sent_at"].is_string() && read["delivered_at"].is_string() && read["read_at"].is_string());
    let sends = app.sim_sends().await;
    let body = sends.iter().find(|b| b["biz_opaque_callback_data"] == id.as_str()).expect("the simulator received the send");
    assert_eq!(
        *body,
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+16315551181", "type": "text",
               "text": {"body": "Your order ships today."}, "biz_opaque_callback_data": id})
    );
}

/// The ticks after a send's wamid (sent, delivered, read) are the most
/// frequent write a campaign makes; each is written beside the message on
/// its page without a new entry in any index (a HOT update), so only the
/// update that records the wamid changes an indexed column.
#[actix_rt::test]
async fn a_messages_ticks_are_written_in_place_without_touching_an_index() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conv = app.open_conversation(&t, "16315551189").await;
    let res = app.send(&t, &conv, json!({"type": "text", "text": {"body": "Your order ships today."}})).await;
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    wait_status(&app, &t, &conv, &id, "read").await;
    // The server's statistics reach the view within a few seconds of its
    // connections going idle.
    let (updates, hot) = eventually("every tick but the wamid's counted as HOT", std::time::Duration::from_secs(30), || async {
        let (updates, hot): (i64, i64) =
            sqlx::query_as("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'messages'")
                .fetch_one(&app.owner)
                .await
                .unwrap();
        (hot >= 3 && updates - hot == 1).then_some((updates, hot))
    })
    .await;
    assert!(updates >= 4 && hot == updates - 1, "attempted, accepted, sent, delivered and read: {updates} updates, {hot} HOT");
}

#[actix_rt::test]
async fn outside_the_window_only_templates_go_through() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    // The fixture's message is a year old: the window is long closed.
    app.post_webhook_ok(fixture("text.json")).await;
    let conv =
        eventually("conversation", WAIT, || async { app.conversations(&t).await.first().map(|c| c["id"].as_str().unwrap().to_owned()) })
            .await;
    let res = app.send(&t, &conv, json!({"type": "text", "text": {"body": "hello again"}})).await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "WINDOW_CLOSED");
    assert!(err["error"]["message"].as_str().unwrap().contains("template"), "the error names the fix");
    let tpl = json!({"type": "template", "template": {"name": "order_update", "language": {"code": "en"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Kerry"}, {"type": "text", "text": "#4821"}]}]}});
    let res = app.send(&t, &conv, tpl).await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    wait_status(&app, &t, &conv, &id, "read").await;
    // A template Meta does not know fails with Meta's code and title.
    let res = app.send(&t, &conv, json!({"type": "template", "template": {"name": "no_such", "language": {"code": "en"}}})).await;
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let failed = wait_status(&app, &t, &conv, &id, "failed").await;
    assert_eq!(failed["errors"][0]["code"], 132001);
    assert!(failed["errors"][0]["title"].as_str().unwrap().contains("Template does not exist"));
}

#[actix_rt::test]
async fn throttled_sends_are_retried_and_delivered_once() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conv = app.open_conversation(&t, "16315551182").await;
    app.sim_control(json!({"fail_next": [130429, 130429, 131000]})).await;
    let res = app.send(&t, &conv, json!({"type": "text", "text": {"body": "after the storm"}})).await;
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let m = wait_status(&app, &t, &conv, &id, "read").await;
    let attempts: Vec<Value> = app.sim_sends().await.into_iter().filter(|b| b["biz_opaque_callback_data"] == id.as_str()).collect();
    assert_eq!(attempts.len(), 4, "three refusals, then one accepted send");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE direction = 'outbound'").fetch_one(&app.owner).await.unwrap();
    assert_eq!(n, 1);
    assert!(m["wamid"].is_string());
}

#[actix_rt::test]
async fn while_the_graph_api_is_down_messages_wait_pending_then_go_once() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conv = app.open_conversation(&t, "16315551183").await;
    app.sim_control(json!({"down": true})).await;
    let res = app.send(&t, &conv, json!({"type": "text", "text": {"body": "are you there?"}})).await;
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    // A second attempt means the first refusal was handled: still pending.
    eventually("a retried attempt", WAIT, || async { (app.sim_sends().await.len() >= 2).then_some(()) }).await;
    assert_eq!(message(&app, &t, &conv, &id).await["status"], "pending", "visible as pending, not dropped");
    app.sim_control(json!({})).await;
    wait_status(&app, &t, &conv, &id, "read").await;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE direction = 'outbound'").fetch_one(&app.owner).await.unwrap();
    assert_eq!(n, 1);
}

#[actix_rt::test]
async fn a_client_id_makes_a_retried_send_one_message() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conv = app.open_conversation(&t, "16315551184").await;
    let body = json!({"type": "text", "text": {"body": "once"}, "client_id": "retry-me"});
    let first = app.send(&t, &conv, body.clone()).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = app.send(&t, &conv, body.clone()).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    // The Idempotency-Key header works the same.
    let h1 = app
        .http
        .post(app.url(&format!("/api/v1/conversations/{conv}/messages")))
        .bearer_auth(&t.token)
        .header("Idempotency-Key", "k-9")
        .json(&json!({"type": "text", "text": {"body": "hdr"}}))
        .send()
        .await
        .unwrap();
    let h2 = app
        .http
        .post(app.url(&format!("/api/v1/conversations/{conv}/messages")))
        .bearer_auth(&t.token)
        .header("Idempotency-Key", "k-9")
        .json(&json!({"type": "text", "text": {"body": "hdr"}}))
        .send()
        .await
        .unwrap();
    assert_eq!((h1.status().as_u16(), h2.status().as_u16()), (201, 200));
    wait_status(&app, &t, &conv, first["id"].as_str().unwrap(), "read").await;
    let sends = app.sim_sends().await;
    assert_eq!(sends.iter().filter(|b| b["text"]["body"] == "once").count(), 1, "Meta saw it once");
    assert_eq!(sends.iter().filter(|b| b["text"]["body"] == "hdr").count(), 1);
}

#[actix_rt::test]
async fn bad_sends_are_refused_before_meta_sees_them() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let other = app.register("Beta").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conv = app.open_conversation(&t, "16315551185").await;
    let long = "x".repeat(4097);
    for (body, needle) in [
        (json!({"type": "text", "text": {"body": long}}), "4096"),
        (json!({"type": "text", "text": {}}), "text.body"),
        (json!({"type": "hologram", "hologram": {}}), "must be one of"),
        (json!({"type": "image", "image": {"caption": "no media"}}), "id"),
    ] {
        let res = app.send(&t, &conv, body).await;
        assert_eq!(res.status(), 400);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["error"]["code"], "INVALID_MESSAGE");
        assert!(v["error"]["message"].as_str().unwrap().contains(needle), "{v}");
    }
    // Another tenant's conversation does not exist for you.
    let res = app.send(&other, &conv, json!({"type": "text", "text": {"body": "hi"}})).await;
    assert_eq!(res.status(), 404);
    assert!(app.sim_sends().await.is_empty());
}

#[actix_rt::test]
async fn permanent_meta_errors_fail_the_message_with_code_and_title() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conv = app.open_conversation(&t, "16315551186").await;
    app.sim_control(json!({"fail_next": [131009]})).await;
    let res = app.send(&t, &conv, json!({"type": "text", "text": {"body": "bad param"}})).await;
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let m = wait_status(&app, &t, &conv, &id, "failed").await;
    assert_eq!(m["errors"][0]["code"], 131009);
    assert_eq!(app.sim_sends().await.len(), 1, "a permanent error is not retried");
    // Accepted, then undeliverable: the failed status webhook carries Meta's error.
    app.sim_control(json!({"fail_recipients": ["16315551186"]})).await;
    let res = app.send(&t, &conv, json!({"type": "text", "text": {"body": "into the void"}})).await;
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let m = wait_status(&app, &t, &conv, &id, "failed").await;
    assert_eq!(m["errors"][0]["code"], 131026);
    assert!(m["wamid"].is_string());
}

#[actix_rt::test]
async fn agents_steer_conversations_status_assignee_notes_and_read() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conv = app.open_conversation(&t, "16315551187").await;
    let patch = |body: Value| app.http.patch(app.url(&format!("/api/v1/conversations/{conv}"))).bearer_auth(&t.token).json(&body).send();
    let res = patch(json!({"status": "resolved", "assignee_id": t.user_id})).await.unwrap();
    assert_eq!(res.status(), 200);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["status"], "resolved");
    assert_eq!(c["assignee_id"], t.user_id.as_str());
    let (_, mine) = app.get(&t, "/api/v1/conversations?assignee=me").await;
    assert_eq!(mine["data"].as_array().unwrap().len(), 1);
    assert_eq!(patch(json!({"status": "bogus"})).await.unwrap().status(), 400);
    assert_eq!(patch(json!({"assignee_id": uuid::Uuid::new_v4()})).await.unwrap().status(), 400);
    let c: Value = patch(json!({"assignee_id": null})).await.unwrap().json().await.unwrap();
    assert!(c["assignee_id"].is_null());
    // A new customer message reopens a resolved conversation.
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "16315551187", "wamid.reopen", "one more thing")).await;
    eventually("reopened", WAIT, || async {
        let (_, c) = app.get(&t, &format!("/api/v1/conversations/{conv}")).await;
        (c["status"] == "open").then_some(())
    })
    .await;
    // Notes stay internal.
    let note = app.post_json(&t.token, &format!("/api/v1/conversations/{conv}/notes"), &json!({"body": "VIP customer"})).await;
    assert_eq!(note.status(), 201);
    let (_, notes) = app.get(&t, &format!("/api/v1/conversations/{conv}/notes")).await;
    assert_eq!(notes["data"][0]["body"], "VIP customer");
    assert!(app.sim_sends().await.iter().all(|b| b.to_string().find("VIP").is_none()), "a note never reaches Meta");
    // Reading clears unread and sends Meta a read receipt for the last message.
    let res = app.http.post(app.url(&format!("/api/v1/conversations/{conv}/read"))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(res.status(), 202);
    eventually("unread cleared", WAIT, || async {
        let (_, c) = app.get(&t, &format!("/api/v1/conversations/{conv}")).await;
        (c["unread_count"] == 0).then_some(())
    })
    .await;
    eventually("read receipt", WAIT, || async {
        app.sim_sends().await.into_iter().find(|b| b["status"] == "read" && b["message_id"] == "wamid.reopen").map(|_| ())
    })
    .await;
}

#[actix_rt::test]
async fn media_uploads_to_meta_sends_by_id_and_downloads_back() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let channel = app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let ch = channel["id"].as_str().unwrap();
    let conv = app.open_conversation(&t, "16315551188").await;
    let png: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let upload = |mime: &'static str, bytes: Vec<u8>| {
        let part = reqwest::multipart::Part::bytes(bytes).file_name("receipt.png").mime_str(mime).unwrap();
        app.http
            .post(app.url(&format!("/api/v1/channels/{ch}/media")))
            .bearer_auth(&t.token)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
    };
    let res = upload("image/png", png.clone()).await.unwrap();
    assert_eq!(res.status(), 201);
    let up: Value = res.json().await.unwrap();
    assert_eq!(up["type"], "image");
    assert_eq!(up["file_size"], 20_000);
    let media_id = up["id"].as_str().unwrap().to_owned();
    let res = app.send(&t, &conv, json!({"type": "image", "image": {"id": media_id, "caption": "your receipt"}})).await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    wait_status(&app, &t, &conv, &id, "read").await;
    let body = app.sim_sends().await.into_iter().find(|b| b["biz_opaque_callback_data"] == id.as_str()).unwrap();
    assert_eq!(body["image"], json!({"id": media_id, "caption": "your receipt"}));
    let down = app.http.get(app.url(&format!("/api/v1/channels/{ch}/media/{media_id}"))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(down.status(), 200);
    assert_eq!(down.headers()["content-type"], "image/png");
    assert_eq!(down.bytes().await.unwrap().to_vec(), png);
    let gif = upload("image/gif", vec![1, 2, 3]).await.unwrap();
    assert_eq!(gif.status(), 400);
    let v: Value = gif.json().await.unwrap();
    assert_eq!(v["error"]["code"], "UNSUPPORTED_MEDIA");
    assert!(v["error"]["message"].as_str().unwrap().contains("image/jpeg"));
    assert_eq!(upload("image/webp", vec![0; 600_000]).await.unwrap().status(), 413, "stickers are limited to 500 KB");
}

#[actix_rt::test]
async fn interactive_buttons_lists_and_reactions_go_out_in_meta_shape() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conv = app.open_conversation(&t, "16315551189").await;
    let buttons = json!({"type": "button", "body": {"text": "Track your order?"}, "action": {"buttons": [
        {"type": "reply", "reply": {"id": "track", "title": "Track"}}, {"type": "reply", "reply": {"id": "agent", "title": "Talk to us"}}]}});
    let list = json!({"type": "list", "body": {"text": "Pick a size"}, "action": {"button": "Sizes", "sections": [{"title": "Tops", "rows": [
        {"id": "s", "title": "Small"}, {"id": "m", "title": "Medium", "description": "Chest 96–101 cm"}]}]}});
    for payload in [json!({"type": "interactive", "interactive": buttons}), json!({"type": "interactive", "interactive": list})] {
        let res = app.send(&t, &conv, payload).await;
        assert_eq!(res.status(), 201);
    }
    let customer_msg = app.all_messages(&t).await.into_iter().find(|m| m["direction"] == "inbound").unwrap();
    let wamid = customer_msg["wamid"].as_str().unwrap().to_owned();
    let res = app.send(&t, &conv, json!({"type": "reaction", "reaction": {"message_id": wamid, "emoji": "👍"}})).await;
    assert_eq!(res.status(), 201);
    let reply = app.send(&t, &conv, json!({"type": "text", "text": {"body": "Quoted"}, "context": {"message_id": wamid}})).await;
    assert_eq!(reply.status(), 201);
    let sends = eventually("four sends at the simulator", WAIT, || async {
        let s = app.sim_sends().await;
        (s.len() >= 4).then_some(s)
    })
    .await;
    let of = |kind: &str| sends.iter().filter(|b| b["type"] == kind).cloned().collect::<Vec<Value>>();
    let interactive = of("interactive");
    assert!(interactive.iter().any(|b| b["interactive"] == buttons));
    assert!(interactive.iter().any(|b| b["interactive"] == list));
    assert_eq!(of("reaction")[0]["reaction"], json!({"message_id": wamid, "emoji": "👍"}));
    assert_eq!(of("text")[0]["context"], json!({"message_id": wamid}));
}

#[actix_rt::test]
async fn the_dashboard_counts_conversations_messages_and_first_responses() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    // The customer wrote a minute ago (Meta's timestamp, and the server
    // received it then), so the answer below took at least that long.
    let a_minute_ago = chrono::Utc::now() - chrono::Duration::seconds(60);
    app.post_webhook_ok(text_webhook_at(PHONE_NUMBER_ID, "16315551190", "wamid.a-minute-ago", "hello?", a_minute_ago)).await;
    let conv = eventually("the conversation", WAIT, || async {
        app.conversations(&t)
            .await
            .into_iter()
            .find(|c| c["contact"]["phone"] == "+16315551190")
            .map(|c| c["id"].as_str().unwrap().to_owned())
    })
    .await;
    eventually("the message stored", WAIT, || async { app.message_by_wamid(&t, "wamid.a-minute-ago").await }).await;
    let received = sqlx::query("UPDATE messages SET created_at = created_at - interval '60 seconds' WHERE wamid = 'wamid.a-minute-ago'")
        .execute(&app.owner)
        .await
        .unwrap();
    assert_eq!(received.rows_affected(), 1);
    app.open_conversation(&t, "16315551191").await;
    assert_eq!(app.send(&t, &conv, json!({"type": "text", "text": {"body": "On it"}})).await.status(), 201);
    // Answering takes the conversation (assignment on first reply).
    eventually("the reply to assign the conversation", WAIT, || async {
        (app.get(&t, &format!("/api/v1/conversations/{conv}")).await.1["assignee_id"] == t.user_id.as_str()).then_some(())
    })
    .await;
    let (s, v) = app.get(&t, "/api/v1/analytics/overview?days=7").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["totals"]["conversations_new"], 2);
    assert_eq!(v["totals"]["messages_inbound"], 2);
    assert_eq!(v["totals"]["messages_outbound"], 1);
    assert_eq!(v["totals"]["unassigned_open"], 1, "the answered one is the admin's now");
    assert_eq!(v["by_day"].as_array().unwrap().len(), 7);
    assert_eq!(v["by_day"][6]["messages_inbound"], 2, "today is the last day");
    assert_eq!(v["response_time"]["samples"], 1, "one answered customer turn");
    assert!(v["response_time"]["first_response_median_seconds"].as_f64().unwrap() >= 55.0, "{v}");
    let me = v["agents"].as_array().unwrap().iter().find(|a| a["user_id"] == t.user_id.as_str()).unwrap();
    assert_eq!(me["messages_sent"], 1);
    assert_eq!(app.get(&t, "/api/v1/analytics/overview?days=0").await.0, 400);
}
