//! The live inbox over real WebSockets.

use crate::helpers::*;
use serde_json::{json, Value};
use std::time::Duration;

#[actix_rt::test]
async fn an_inbound_message_reaches_every_agent_of_the_tenant_and_no_one_else() {
    let app = spawn_app().await;
    let acme = app.register("Acme").await;
    let agent = app.add_user(&acme, "agent").await;
    let beta = app.register("Beta").await;
    app.connect_channel(&acme, PHONE_NUMBER_ID).await;
    let mut admin_ws = app.socket(&acme.token).await;
    let mut agent_ws = app.socket(&agent.token).await;
    let mut other_ws = app.socket(&beta.token).await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15550101010", "wamid.live-1", "is anyone there?")).await;
    for ws in [&mut admin_ws, &mut agent_ws] {
        let m = ws.expect("message:new", |d| d["message"]["wamid"] == "wamid.live-1").await;
        assert_eq!(m["message"]["content"]["body"], "is anyone there?");
        assert_eq!(m["message"]["type"], "text");
        assert!(m["seq"].as_i64().unwrap() >= 1);
        assert!(m["conversation_id"].is_string());
    }
    let leaked = other_ws.drain(Duration::from_millis(500)).await;
    assert!(leaked.iter().all(|f| f["event"] != "message:new" && f["event"] != "conversation:new"), "another tenant saw: {leaked:?}");
}

#[actix_rt::test]
async fn message_send_is_acked_and_its_ticks_come_back_live() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conv = app.open_conversation(&t, "15550202020").await;
    let mut ws = app.socket(&t.token).await;
    ws.send(json!({"event": "conversation:join", "data": {"conversation_id": conv}})).await;
    ws.send(json!({"event": "message:send", "data": {"conversation_id": conv, "client_id": "tmp-1", "type": "text", "text": {"body": "On its way!"}}})).await;
    let ack = ws.expect("message:ack", |d| d["client_id"] == "tmp-1").await;
    let id = ack["message_id"].as_str().unwrap().to_owned();
    let mut seen = Vec::new();
    let mut last_seq = 0;
    while !seen.contains(&"read".to_owned()) {
        let s = ws.expect("message:status", |d| d["message_id"] == id.as_str()).await;
        let seq = s["seq"].as_i64().unwrap();
        assert!(seq > last_seq, "sequence numbers only grow");
        last_seq = seq;
        seen.push(s["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen, ["accepted", "sent", "delivered", "read"]);
    let body = app.sim_sends().await.into_iter().find(|b| b["biz_opaque_callback_data"] == id.as_str()).unwrap();
    assert_eq!(body["to"], "+15550202020");
    assert_eq!(body["text"]["body"], "On its way!");
    // The same client_id again is the same message, not a second send.
    ws.send(json!({"event": "message:send", "data": {"conversation_id": conv, "client_id": "tmp-1", "type": "text", "text": {"body": "On its way!"}}})).await;
    let again = ws.expect("message:ack", |d| d["client_id"] == "tmp-1").await;
    assert_eq!(again["message_id"], id.as_str());
}

#[actix_rt::test]
async fn a_closed_window_refuses_free_text_over_the_socket_with_the_fix() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    app.post_webhook_ok(fixture("text.json")).await;
    let conv =
        eventually("conversation", WAIT, || async { app.conversations(&t).await.first().map(|c| c["id"].as_str().unwrap().to_owned()) })
            .await;
    let mut ws = app.socket(&t.token).await;
    ws.send(
        json!({"event": "message:send", "data": {"conversation_id": conv, "client_id": "late", "type": "text", "text": {"body": "hi"}}}),
    )
    .await;
    let err = ws.expect("error", |d| d["client_id"] == "late").await;
    assert_eq!(err["code"], "WINDOW_CLOSED");
    assert!(err["message"].as_str().unwrap().contains("template"));
    ws.send(json!({"event": "message:send", "data": {"conversation_id": conv, "client_id": "tpl", "type": "template",
        "template": {"name": "hello_world", "language": {"code": "en_US"}}}}))
        .await;
    ws.expect("message:ack", |d| d["client_id"] == "tpl").await;
}

#[actix_rt::test]
async fn typing_is_relayed_to_the_other_agent_and_shown_to_the_customer() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let agent = app.add_user(&t, "agent").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conv = app.open_conversation(&t, "15550303030").await;
    let mut a = app.socket(&t.token).await;
    let mut b = app.socket(&agent.token).await;
    for ws in [&mut a, &mut b] {
        ws.join(&conv).await;
    }
    a.send(json!({"event": "conversation:typing", "data": {"conversation_id": conv, "typing": true}})).await;
    let typing = b.expect("agent:typing", |d| d["conversation_id"] == conv.as_str()).await;
    assert_eq!(typing["user_id"], t.user_id.as_str());
    assert_eq!(typing["typing"], true);
    assert!(a.drain(Duration::from_millis(300)).await.iter().all(|f| f["event"] != "agent:typing"), "not echoed to the typist");
    eventually("typing indicator sent to Meta", WAIT, || async {
        app.sim_sends().await.into_iter().find(|b| b["typing_indicator"]["type"] == "text" && b["status"] == "read").map(|_| ())
    })
    .await;
}

#[actix_rt::test]
async fn a_reconnecting_agent_gets_exactly_what_it_missed() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conv = app.open_conversation(&t, "15550404040").await;
    let mut ws = app.socket(&t.token).await;
    ws.send(json!({"event": "conversation:join", "data": {"conversation_id": conv, "since_seq": 0}})).await;
    let first = ws.expect("message:new", |_| true).await;
    let last_seen = first["seq"].as_i64().unwrap();
    drop(ws);
    // While away: three customer messages.
    for i in 0..3 {
        app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15550404040", &format!("wamid.missed-{i}"), &format!("missed {i}"))).await;
    }
    eventually("stored", WAIT, || async { (app.all_messages(&t).await.len() == 4).then_some(()) }).await;
    let mut ws = app.socket(&t.token).await;
    ws.send(json!({"event": "conversation:join", "data": {"conversation_id": conv, "since_seq": last_seen}})).await;
    // One more arrives while the replay is being read.
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15550404040", "wamid.live-after", "live")).await;
    let frames = ws.drain(Duration::from_millis(1500)).await;
    let news: Vec<&Value> = frames.iter().filter(|f| f["event"] == "message:new").collect();
    let wamids: Vec<&str> = news.iter().map(|f| f["data"]["message"]["wamid"].as_str().unwrap()).collect();
    assert_eq!(wamids, ["wamid.missed-0", "wamid.missed-1", "wamid.missed-2", "wamid.live-after"], "in order, none twice, none lost");
    let seqs: Vec<i64> = news.iter().map(|f| f["data"]["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    assert!(seqs[0] > last_seen);
}

#[actix_rt::test]
async fn bad_tokens_are_refused_and_bad_frames_answered_without_closing() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let url = app.base.replace("http://", "ws://");
    for token in ["garbage", t.refresh.as_str()] {
        let err = tokio_tungstenite::connect_async(format!("{url}/api/v1/ws?token={token}")).await.unwrap_err();
        match err {
            tokio_tungstenite::tungstenite::Error::Http(res) => assert_eq!(res.status(), 401),
            other => panic!("expected a 401, got {other:?}"),
        }
    }
    assert!(tokio_tungstenite::connect_async(format!("{url}/api/v1/ws")).await.is_err());
    // The bearer subprotocol works too.
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!("{url}/api/v1/ws")).unwrap();
    req.headers_mut().insert("Sec-WebSocket-Protocol", format!("bearer, {}", t.token).parse().unwrap());
    let (stream, res) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(res.headers().get("Sec-WebSocket-Protocol").unwrap(), "bearer");
    let mut ws = Socket { stream };
    ws.send(json!({"event": "conversation:explode", "data": {}})).await;
    assert_eq!(ws.expect("error", |_| true).await["code"], "UNKNOWN_EVENT");
    use futures::SinkExt;
    ws.stream.send(tokio_tungstenite::tungstenite::Message::Text("{nope".into())).await.unwrap();
    assert_eq!(ws.expect("error", |_| true).await["code"], "INVALID_FRAME");
    ws.send(json!({"event": "conversation:join", "data": {"conversation_id": uuid::Uuid::new_v4()}})).await;
    assert_eq!(ws.expect("error", |_| true).await["code"], "NOT_FOUND");
    // Still open and useful.
    ws.send(json!({"event": "agent:status", "data": {"status": "away"}})).await;
    let s = ws.expect("agent:status", |d| d["status"] == "away").await;
    assert_eq!(s["user_id"], t.user_id.as_str());
}

#[actix_rt::test]
async fn agents_see_unassigned_and_their_own_conversations_only() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let ravi = app.add_user(&t, "agent").await;
    let mira = app.add_user(&t, "agent").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conv = app.open_conversation(&t, "15550505050").await;
    let res = app.patch_json(&t.token, &format!("/api/v1/conversations/{conv}"), &json!({"assignee_id": ravi.user_id})).await;
    assert_eq!(res.status(), 200);
    let mut ravi_ws = app.socket(&ravi.token).await;
    let mut mira_ws = app.socket(&mira.token).await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15550505050", "wamid.for-ravi", "ravi?")).await;
    ravi_ws.expect("message:new", |d| d["message"]["wamid"] == "wamid.for-ravi").await;
    let mira_frames = mira_ws.drain(Duration::from_millis(600)).await;
    assert!(mira_frames.iter().all(|f| f["event"] != "message:new"), "mira saw ravi's conversation");
    assert_eq!(app.get(&mira, &format!("/api/v1/conversations/{conv}")).await.0, 404);
    assert_eq!(app.get(&ravi, &format!("/api/v1/conversations/{conv}")).await.0, 200);
}

#[actix_rt::test]
async fn a_slow_consumer_is_closed_while_others_keep_receiving() {
    // A small outbox, so that a few thousand events overflow it.
    let app = spawn_with(fresh_database().await, |c| whatsflow::config::Config { ws_outbox: 2048, ..c }, None).await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    // A client that never reads, with a tiny receive window.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let tcp = socket.connect(app.base.trim_start_matches("http://").parse().unwrap()).await.unwrap();
    let (mut slow, _) =
        tokio_tungstenite::client_async(format!("{}/api/v1/ws?token={}", app.base.replace("http://", "ws://"), t.token), tcp)
            .await
            .unwrap();
    let mut fast = app.socket(&t.token).await;
    let reader = actix_rt::spawn(async move {
        let mut n = 0;
        while let Some(f) = fast.next(Duration::from_secs(5)).await {
            if f["event"] == "message:new" {
                n += 1;
            }
        }
        n
    });
    // 4,000 long messages in batches of 500, as Meta batches them: more than
    // the kernel's socket buffers and the session's bounded outbox can hold.
    let total = 4000;
    for batch in 0..(total / 500) {
        let messages: Vec<Value> = (0..500)
            .map(|i| json!({"from": "15550606060", "id": format!("wamid.flood-{batch}-{i}"), "timestamp": chrono::Utc::now().timestamp().to_string(), "type": "text",
                            "text": {"body": format!("flood {batch}-{i} {}", "x".repeat(3500))}}))
            .collect();
        let body = json!({"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
            "metadata": {"display_phone_number": "1", "phone_number_id": PHONE_NUMBER_ID}, "messages": messages}}]}]});
        app.post_webhook_ok(body.to_string().into_bytes()).await;
    }
    let fast_got = reader.await.unwrap();
    assert_eq!(fast_got, total, "the healthy session received everything");
    assert!(app.state.hub.slow_consumers.load(std::sync::atomic::Ordering::Relaxed) >= 1);
    // The slow client, reading at last, finds a close frame with the reason.
    use futures::StreamExt;
    let mut reason = None;
    let mut got = 0;
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(10), slow.next()).await {
        match msg {
            Ok(tokio_tungstenite::tungstenite::Message::Close(Some(frame))) => {
                reason = Some(frame.reason.to_string());
                break;
            }
            Ok(tokio_tungstenite::tungstenite::Message::Text(_)) => got += 1,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    assert!(reason.as_deref().is_some_and(|r| r.contains("slow consumer")), "close reason: {reason:?}");
    assert!(got < 2 * total, "the slow session did not get everything ({got} frames)");
}

#[actix_rt::test]
async fn a_new_conversation_is_announced_once_with_its_first_message_counted_before_that_message() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let mut ws = app.socket(&t.token).await;
    // Every frame the socket receives, in order, until `wamid` arrives.
    async fn until(ws: &mut Socket, seen: &mut Vec<Value>, wamid: &str) {
        loop {
            let f = ws.next(WAIT).await.unwrap_or_else(|| panic!("{wamid} never arrived; saw {seen:?}"));
            let done = f["event"] == "message:new" && f["data"]["message"]["wamid"] == wamid;
            seen.push(f);
            if done {
                return;
            }
        }
    }
    let mut seen = Vec::new();
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15550303030", "wamid.first-1", "hello, first time here")).await;
    until(&mut ws, &mut seen, "wamid.first-1").await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15550303030", "wamid.first-2", "anyone?")).await;
    until(&mut ws, &mut seen, "wamid.first-2").await;
    seen.extend(ws.drain(Duration::from_millis(500)).await);
    let events: Vec<&str> = seen.iter().map(|f| f["event"].as_str().unwrap()).collect();
    let new_at: Vec<usize> = events.iter().enumerate().filter(|(_, e)| **e == "conversation:new").map(|(i, _)| i).collect();
    assert_eq!(new_at.len(), 1, "announced exactly once: {events:?}");
    let first_msg = seen.iter().position(|f| f["event"] == "message:new" && f["data"]["message"]["wamid"] == "wamid.first-1").unwrap();
    let second_msg = seen.iter().position(|f| f["event"] == "message:new" && f["data"]["message"]["wamid"] == "wamid.first-2").unwrap();
    assert!(new_at[0] < first_msg, "the conversation comes before its first message: {events:?}");
    let announced = &seen[new_at[0]]["data"]["conversation"];
    assert_eq!(announced["unread_count"], 1, "the summary counts the first message: {announced}");
    assert_eq!(announced["last_seq"], seen[first_msg]["data"]["seq"]);
    assert!(announced["window_expires_at"].is_string() && announced["last_inbound_at"].is_string(), "{announced}");
    // The first message's batch is not repeated as an update; later ones are.
    let updates: Vec<usize> = events.iter().enumerate().filter(|(_, e)| **e == "conversation:updated").map(|(i, _)| i).collect();
    assert!(updates.iter().all(|&i| i > second_msg), "no update repeats the announcement: {events:?}");
    let update = &seen[*updates.first().expect("the second message updates the conversation")]["data"]["conversation"];
    assert_eq!(update["unread_count"], 2);
    assert_eq!(update["id"], announced["id"]);
}

#[actix_rt::test]
async fn a_new_customer_writing_to_two_numbers_at_once_gets_two_conversations_each_announced_once() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let other = "106540352249999";
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    app.connect_channel(&t, other).await;
    let mut ws = app.socket(&t.token).await;
    // One POST, one new customer, a message to each number: the second
    // waits for the contact the first creates.
    let now = chrono::Utc::now().timestamp().to_string();
    let entry = |number: &str, wamid: &str| {
        json!({"id": waba_for(number), "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": number},
            "contacts": [{"profile": {"name": "Two Numbers"}, "wa_id": "15550404040"}],
            "messages": [{"from": "15550404040", "id": wamid, "timestamp": now, "type": "text", "text": {"body": "hello to you both"}}]
        }}]})
    };
    let body =
        json!({"object": "whatsapp_business_account", "entry": [entry(PHONE_NUMBER_ID, "wamid.two-a"), entry(other, "wamid.two-b")]});
    app.post_webhook_ok(serde_json::to_vec(&body).unwrap()).await;
    let mut seen: Vec<Value> = Vec::new();
    while seen.iter().filter(|f| f["event"] == "message:new").count() < 2 {
        let f = ws.next(WAIT).await.unwrap_or_else(|| panic!("both messages never arrived; saw {seen:?}"));
        seen.push(f);
    }
    seen.extend(ws.drain(Duration::from_millis(500)).await);
    let announced: Vec<&Value> = seen.iter().filter(|f| f["event"] == "conversation:new").map(|f| &f["data"]["conversation"]).collect();
    assert_eq!(announced.len(), 2, "one announcement per conversation: {seen:?}");
    assert_ne!(announced[0]["id"], announced[1]["id"]);
    assert_eq!(announced[0]["contact_id"], announced[1]["contact_id"], "one customer, one contact");
    for conversation in &announced {
        assert_eq!(conversation["unread_count"], 1, "{conversation}");
        let at = |event: &str| {
            seen.iter()
                .position(|f| {
                    f["event"] == event
                        && (f["data"]["conversation"]["id"] == conversation["id"] || f["data"]["conversation_id"] == conversation["id"])
                })
                .unwrap_or_else(|| panic!("no {event} for {conversation}: {seen:?}"))
        };
        assert!(at("conversation:new") < at("message:new"), "announced before its message: {seen:?}");
    }
    let numbers: Vec<&Value> = announced.iter().map(|c| &c["channel_id"]).collect();
    assert_ne!(numbers[0], numbers[1], "one conversation on each number");
    assert_eq!(app.count("contacts").await, 1);
    assert_eq!(app.count("conversations").await, 2);
    assert_eq!(app.count("messages").await, 2);
}

#[actix_rt::test]
async fn a_conversation_an_agent_starts_is_announced_to_the_others_once() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let agent = app.add_user(&t, "agent").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let mut agent_ws = app.socket(&agent.token).await;
    let res = app.post_json(&t.token, "/api/v1/contacts", &json!({"phone": "+15550505050", "name": "Asha"})).await;
    assert_eq!(res.status(), 201);
    let contact: Value = res.json().await.unwrap();
    let start = json!({"contact_id": contact["id"], "phone_number_id": PHONE_NUMBER_ID});
    let res = app.post_json(&t.token, "/api/v1/conversations", &start).await;
    assert_eq!(res.status(), 201, "created");
    let conversation: Value = res.json().await.unwrap();
    let data = agent_ws.expect("conversation:new", |_| true).await;
    let announced = &data["conversation"];
    assert_eq!(announced["id"], conversation["id"], "{data}");
    assert_eq!(announced["contact_id"], contact["id"]);
    assert_eq!(announced["unread_count"], 0);
    assert!(announced["window_expires_at"].is_null(), "no customer message yet, no window: {announced}");
    // Starting it again finds it: no second announcement.
    let res = app.post_json(&t.token, "/api/v1/conversations", &start).await;
    assert_eq!(res.status(), 200, "found, not created");
    let again: Vec<Value> = agent_ws.drain(Duration::from_millis(500)).await;
    assert!(again.iter().all(|f| f["event"] != "conversation:new"), "{again:?}");
}
