//! Webhooks in, rows out: every message type, statuses, duplicates,
//! ordering, held events, bad input.

use crate::helpers::*;
use serde_json::{json, Value};

const CUSTOMER_TYPES: &[(&str, &str)] = &[
    ("text.json", "text"),
    ("image.json", "image"),
    ("audio.json", "audio"),
    ("video.json", "video"),
    ("document.json", "document"),
    ("sticker.json", "sticker"),
    ("location.json", "location"),
    ("contacts.json", "contacts"),
    ("interactive_button_reply.json", "interactive"),
    ("interactive_list_reply.json", "interactive"),
    ("interactive_nfm_reply.json", "interactive"),
    ("button.json", "button"),
    ("reaction.json", "reaction"),
    ("order.json", "order"),
    ("system.json", "system"),
    ("referral.json", "text"),
    ("context_reply.json", "text"),
    ("forwarded.json", "text"),
    ("unsupported.json", "unsupported"),
    ("unknown_future_type.json", "unknown"),
];

fn first_message(fixture_name: &str) -> Value {
    let v: Value = serde_json::from_slice(&fixture(fixture_name)).unwrap();
    v["entry"][0]["changes"][0]["value"]["messages"][0].clone()
}

#[actix_rt::test]
async fn every_inbound_type_is_stored_with_its_content() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    for (file, _) in CUSTOMER_TYPES {
        let ack = app.post_webhook_ok(fixture(file)).await;
        assert_eq!(ack["events"], 1, "{file}: {ack}");
    }
    let msgs = eventually("all types stored", WAIT, || async {
        let m = app.all_messages(&t).await;
        (m.len() == CUSTOMER_TYPES.len()).then_some(m)
    })
    .await;
    for (file, kind) in CUSTOMER_TYPES {
        let raw = first_message(file);
        let stored = msgs.iter().find(|m| m["wamid"] == raw["id"]).unwrap_or_else(|| panic!("{file} not stored"));
        assert_eq!(stored["type"], *kind, "{file}");
        assert_eq!(stored["direction"], "inbound");
        assert_eq!(stored["status"], "received");
        if *kind == "unknown" {
            assert_eq!(stored["content"]["type"], "hologram", "unknown type keeps the whole message");
            assert_eq!(stored["content"]["hologram"], raw["hologram"]);
        } else {
            assert_eq!(stored["content"], raw[raw["type"].as_str().unwrap()], "{file}: content as received");
        }
    }
    let by = |file: &str| msgs.iter().find(|m| m["wamid"] == first_message(file)["id"]).unwrap().clone();
    assert_eq!(by("text.json")["content"]["body"], first_message("text.json")["text"]["body"]);
    assert_eq!(by("image.json")["content"]["id"], first_message("image.json")["image"]["id"]);
    assert_eq!(by("document.json")["content"]["filename"], first_message("document.json")["document"]["filename"]);
    assert_eq!(by("location.json")["content"]["latitude"], first_message("location.json")["location"]["latitude"]);
    assert_eq!(
        by("interactive_button_reply.json")["content"]["button_reply"]["id"],
        first_message("interactive_button_reply.json")["interactive"]["button_reply"]["id"]
    );
    assert_eq!(
        by("interactive_list_reply.json")["content"]["list_reply"]["id"],
        first_message("interactive_list_reply.json")["interactive"]["list_reply"]["id"]
    );
    assert_eq!(by("referral.json")["referral"]["source_id"], first_message("referral.json")["referral"]["source_id"]);
    assert_eq!(by("context_reply.json")["context"]["id"], first_message("text.json")["id"], "reply target kept");
    assert_eq!(by("forwarded.json")["context"]["forwarded"], true);
    assert_eq!(by("unsupported.json")["errors"][0]["code"], 131051);
    assert_eq!(by("reaction.json")["content"]["message_id"], first_message("text.json")["id"]);
    // The reaction is applied to the message it reacts to.
    assert_eq!(by("text.json")["reaction"]["emoji"], first_message("reaction.json")["reaction"]["emoji"]);

    // One customer, one conversation, with the window open from their last message.
    let convs = app.conversations(&t).await;
    assert_eq!(convs.len(), 1);
    let c = &convs[0];
    assert_eq!(c["contact"]["phone"], "+16315551181");
    assert_eq!(c["contact"]["name"], "Kerry Fisher");
    assert_eq!(c["unread_count"], CUSTOMER_TYPES.len() as i64 - 1, "reactions are not unread messages");
    assert!(c["window_expires_at"].is_string());
    let seqs: Vec<i64> = msgs.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    let mut sorted = seqs.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), seqs.len(), "sequence numbers are unique");
}

#[actix_rt::test]
async fn duplicates_and_replays_store_one_row() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    for _ in 0..3 {
        app.post_webhook_ok(fixture("text.json")).await;
    }
    // The same message inside a different POST (Meta re-batches retries).
    let wamid = first_message("text.json")["id"].as_str().unwrap().to_owned();
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "16315551181", &wamid, "same id, other body")).await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "16315551181", "wamid.after-dups", "next")).await;
    eventually("the later message", WAIT, || async { app.message_by_wamid(&t, "wamid.after-dups").await }).await;
    let msgs = app.all_messages(&t).await;
    assert_eq!(msgs.iter().filter(|m| m["wamid"] == wamid.as_str()).count(), 1);
    assert_eq!(msgs.len(), 2);
    assert_eq!(app.count("messages").await, 2);
    let c = &app.conversations(&t).await[0];
    assert_eq!(c["unread_count"], 2, "duplicates do not count as unread");
    assert!(app.state.metrics.messages_duplicate.load(std::sync::atomic::Ordering::Relaxed) >= 3);
}

/// A status webhook for one of our messages.
fn status_webhook(wamid: &str, recipient: &str, status: &str) -> Vec<u8> {
    json!({"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
        "statuses": [{"id": wamid, "status": status, "timestamp": chrono::Utc::now().timestamp().to_string(), "recipient_id": recipient}]
    }}]}]})
    .to_string()
    .into_bytes()
}

/// A conversation's numbers run without holes: a duplicate (Meta's retry),
/// a status that does not move its message on, and a status that arrives
/// before its message take none, so the frames an agent saw are exactly
/// 1..=last_seq, and a missing number always means a missed frame.
#[actix_rt::test]
async fn sequence_numbers_have_no_holes_through_duplicates_and_late_statuses() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let mut socket = app.socket(&t.token).await;
    let customer = "919812300001";
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, customer, "wamid.nohole-1", "one")).await;
    let conv = eventually("the conversation", WAIT, || async {
        app.conversations(&t).await.first().and_then(|c| c["id"].as_str().map(str::to_owned))
    })
    .await;
    for _ in 0..2 {
        app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, customer, "wamid.nohole-1", "one")).await;
    }
    // A status for a message not stored yet is parked (and numbered only
    // when it applies).
    app.post_webhook_ok(status_webhook("wamid.nohole-unknown", customer, "delivered")).await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, customer, "wamid.nohole-2", "two")).await;
    // An agent's reply; its read status arrives first, then the late ones
    // that move nothing.
    let res = app.send(&t, &conv, json!({"type": "text", "text": {"body": "hello"}})).await;
    assert!(res.status().is_success());
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let wamid = eventually("the reply's wamid", WAIT, || async {
        app.all_messages(&t).await.into_iter().find(|m| m["id"] == id.as_str()).and_then(|m| m["wamid"].as_str().map(str::to_owned))
    })
    .await;
    app.post_webhook_ok(status_webhook(&wamid, customer, "read")).await;
    eventually("read", WAIT, || async { (status_of(&app, &t, &wamid).await["status"] == "read").then_some(()) }).await;
    for late in ["delivered", "sent", "read"] {
        app.post_webhook_ok(status_webhook(&wamid, customer, late)).await;
    }
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, customer, "wamid.nohole-1", "one")).await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, customer, "wamid.nohole-3", "three")).await;
    eventually("the last message", WAIT, || async { app.message_by_wamid(&t, "wamid.nohole-3").await }).await;
    settled(&app).await;

    let last_seq: i64 =
        sqlx::query_scalar("SELECT last_seq FROM conversations WHERE id = $1::uuid").bind(&conv).fetch_one(&app.owner).await.unwrap();
    let mut seen: Vec<i64> = socket
        .drain(std::time::Duration::from_millis(500))
        .await
        .into_iter()
        .filter(|f| (f["event"] == "message:new" || f["event"] == "message:status") && f["data"]["conversation_id"] == conv.as_str())
        .map(|f| f["data"]["seq"].as_i64().unwrap())
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (1..=last_seq).collect::<Vec<_>>(), "every number is one frame, none skipped");
    // Three messages in, one out, and at least the reply's read status.
    assert!(last_seq >= 5, "{last_seq}");
    let stored: Vec<i64> = app.all_messages(&t).await.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(stored.len(), 4);
    assert!(stored.iter().all(|s| (1..=last_seq).contains(s)));
}

/// Inserts an outbound message as the send path will, for status tests.
async fn outbound(app: &TestApp, t: &Tenant, wamid: &str) {
    let conv: uuid::Uuid = uuid::Uuid::parse_str(app.conversations(t).await[0]["id"].as_str().unwrap()).unwrap();
    let tenant: uuid::Uuid = t.tenant_id.parse().unwrap();
    sqlx::query(
        "INSERT INTO messages (id, tenant_id, conversation_id, seq, status_seq, wamid, direction, type, status, content, timestamp)
         VALUES ($1, $2, $3, 1000, 1000, $4, 'outbound', 'text', 'accepted', '{\"body\":\"hi\"}', now())",
    )
    .bind(uuid::Uuid::now_v7())
    .bind(tenant)
    .bind(conv)
    .bind(wamid)
    .execute(&app.owner)
    .await
    .unwrap();
}

async fn status_of(app: &TestApp, t: &Tenant, wamid: &str) -> Value {
    app.message_by_wamid(t, wamid).await.unwrap()
}

#[actix_rt::test]
async fn statuses_climb_and_never_go_back() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    app.post_webhook_ok(fixture("text.json")).await;
    eventually("conversation", WAIT, || async { (!app.conversations(&t).await.is_empty()).then_some(()) }).await;
    let w1 = "wamid.OUTBOUND000000000000000000001";
    outbound(&app, &t, w1).await;
    outbound(&app, &t, "wamid.OUTBOUND000000000000000000002").await;
    outbound(&app, &t, "wamid.OUTBOUND000000000000000000003").await;

    // Read arrives first (Meta skipped delivered), then the late ones.
    app.post_webhook_ok(fixture("status_read.json")).await;
    eventually("read", WAIT, || async { (status_of(&app, &t, w1).await["status"] == "read").then_some(()) }).await;
    app.post_webhook_ok(fixture("status_delivered.json")).await;
    app.post_webhook_ok(fixture("status_sent.json")).await;
    let m = eventually("late statuses kept", WAIT, || async {
        let m = status_of(&app, &t, w1).await;
        (m["delivered_at"].is_string() && m["sent_at"].is_string()).then_some(m)
    })
    .await;
    assert_eq!(m["status"], "read", "a late delivered never undoes read");
    assert!(m["read_at"].is_string());
    assert_eq!(m["pricing"]["billable"], true, "pricing from a late status is kept");

    // Failed keeps Meta's error; pricing and conversation are stored.
    app.post_webhook_ok(fixture("status_failed.json")).await;
    app.post_webhook_ok(fixture("status_with_pricing.json")).await;
    let failed = eventually("failed", WAIT, || async {
        let m = status_of(&app, &t, "wamid.OUTBOUND000000000000000000002").await;
        (m["status"] == "failed").then_some(m)
    })
    .await;
    assert_eq!(failed["errors"][0]["code"], 131049);
    assert!(failed["failed_at"].is_string());
    let priced = eventually("priced", WAIT, || async {
        let m = status_of(&app, &t, "wamid.OUTBOUND000000000000000000003").await;
        (m["status"] == "sent").then_some(m)
    })
    .await;
    assert_eq!(priced["pricing"]["pricing_model"], "PMP");
    let conv: Value = sqlx::query_scalar("SELECT meta_conversation FROM messages WHERE wamid = 'wamid.OUTBOUND000000000000000000003'")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert!(conv["id"].is_string(), "Meta's conversation object is kept");
}

#[actix_rt::test]
async fn a_reaction_before_its_message_is_held_then_applied() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    app.post_webhook_ok(fixture("reaction.json")).await;
    eventually("held", WAIT, || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM held_events").fetch_one(&app.owner).await.unwrap();
        (n == 1).then_some(())
    })
    .await;
    app.post_webhook_ok(fixture("text.json")).await;
    let target = first_message("text.json")["id"].as_str().unwrap().to_owned();
    let m = eventually("reaction applied", WAIT, || async {
        let m = app.message_by_wamid(&t, &target).await?;
        m["reaction"].is_object().then_some(m)
    })
    .await;
    assert_eq!(m["reaction"]["emoji"], first_message("reaction.json")["reaction"]["emoji"]);
    assert_eq!(app.count("held_events").await, 0, "released, not left behind");
    // Removing the reaction (no emoji) clears it.
    app.post_webhook_ok(fixture("reaction_removed.json")).await;
    eventually("reaction removed", WAIT, || async {
        let m = app.message_by_wamid(&t, &target).await?;
        m["reaction"].is_null().then_some(())
    })
    .await;
}

#[actix_rt::test]
async fn a_batched_post_routes_each_change_by_its_number() {
    let app = spawn_app().await;
    let a = app.register("Acme").await;
    let b = app.register("Beta").await;
    app.connect_channel(&a, PHONE_NUMBER_ID).await;
    app.connect_channel(&b, "106540352242999").await;
    let ack = app.post_webhook_ok(fixture("batch_multi.json")).await;
    assert_eq!(ack["events"], 5);
    eventually("both tenants got theirs", WAIT, || async {
        let (na, nb) = (app.all_messages(&a).await.len(), app.all_messages(&b).await.len());
        (na == 2 && nb == 1).then_some(())
    })
    .await;
    // The statuses for unknown messages are held, not dropped.
    eventually("statuses held", WAIT, || async { (app.count("held_events").await == 2).then_some(()) }).await;
    // Every event of the POST is stored (across two tenants' conversations):
    // its raw row goes with the last of them.
    eventually("inbox row settled", WAIT, || async { (app.count("webhook_inbox").await == 0).then_some(()) }).await;
}

#[actix_rt::test]
async fn contacts_are_known_by_phone_or_business_scoped_user_id() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    app.post_webhook_ok(fixture("username_only.json")).await;
    eventually("username-only message", WAIT, || async { (app.all_messages(&t).await.len() == 1).then_some(()) }).await;
    let c = &app.conversations(&t).await[0];
    assert!(c["contact"]["phone"].is_null());
    assert_eq!(c["contact"]["user_id"], "US.13491208655302741918");
    assert_eq!(c["contact"]["username"], "@kerryfisher");
    // Now the same person with their phone: linked, not a second contact.
    app.post_webhook_ok(fixture("user_id_and_phone.json")).await;
    app.post_webhook_ok(fixture("text.json")).await;
    eventually("three messages", WAIT, || async { (app.all_messages(&t).await.len() == 3).then_some(()) }).await;
    let convs = app.conversations(&t).await;
    assert_eq!(convs.len(), 1, "one person, one conversation");
    assert_eq!(convs[0]["contact"]["phone"], "+16315551181");
    assert_eq!(convs[0]["contact"]["user_id"], "US.13491208655302741918");
    assert_eq!(app.count("contacts").await, 1);
}

#[actix_rt::test]
async fn unsigned_or_forged_posts_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let body = fixture("text.json");
    let url = app.url("/webhooks/whatsapp");
    let none = app.http.post(&url).body(body.clone()).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let v: Value = none.json().await.unwrap();
    assert_eq!(v["error"]["code"], "UNAUTHORIZED");
    assert!(v["error"]["message"].as_str().unwrap().contains("X-Hub-Signature-256"));
    let forged = whatsflow::http::webhooks::sign(b"not-the-secret", &body);
    assert_eq!(app.http.post(&url).header("X-Hub-Signature-256", forged).body(body.clone()).send().await.unwrap().status(), 401);
    // Signed over other bytes: re-serialising the same JSON changes the bytes.
    let reserialised = serde_json::to_vec(&serde_json::from_slice::<Value>(&body).unwrap()).unwrap();
    assert_ne!(reserialised, body);
    assert_eq!(
        app.http.post(&url).header("X-Hub-Signature-256", sign(&reserialised)).body(body.clone()).send().await.unwrap().status(),
        401
    );
    assert_eq!(app.count("webhook_inbox").await, 0);
    assert_eq!(app.count("messages").await, 0);
    // The exact bytes (with \u escapes) verify.
    assert_eq!(app.post_webhook(body).await.status(), 200);
}

#[actix_rt::test]
async fn malformed_oversized_and_unknown_bodies_get_clear_answers() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let res = app.post_webhook(b"{not json".to_vec()).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "INVALID_JSON");
    let res = app.post_webhook(br#"{"object":"page","entry":[]}"#.to_vec()).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "INVALID_WEBHOOK");
    let huge = vec![b' '; 3 * 1024 * 1024 + 1];
    let res = app.post_webhook(huge).await;
    assert_eq!(res.status(), 413);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "PAYLOAD_TOO_LARGE");

    // One bad event in a good POST: the good one is stored, the bad one recorded.
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
    "metadata": {"display_phone_number": "1", "phone_number_id": PHONE_NUMBER_ID},
    "messages": [
        {"from": "16315551181", "id": "wamid.good", "timestamp": "1763700000", "type": "text", "text": {"body": "ok"}},
        {"from": "16315551181", "timestamp": "1763700000", "type": "text", "text": {"body": "no id"}}
    ]}}]}]});
    let ack = app.post_webhook_ok(body.to_string().into_bytes()).await;
    assert_eq!((ack["events"].as_i64(), ack["rejected"].as_i64()), (Some(1), Some(1)));
    eventually("good one stored", WAIT, || async { app.message_by_wamid(&t, "wamid.good").await }).await;
    let notes: Value = eventually("inbox settled", WAIT, || async {
        sqlx::query_scalar::<_, Value>("SELECT notes FROM webhook_inbox WHERE processed_at IS NOT NULL AND id = $1")
            .bind(ack["inbox_id"].as_i64().unwrap())
            .fetch_optional(&app.owner)
            .await
            .unwrap()
    })
    .await;
    assert_eq!(notes[0]["kind"], "rejected");
    assert!(notes[0]["reason"].as_str().unwrap().contains("id"));

    // Other fields (account/quality updates) are accepted.
    assert_eq!(app.post_webhook(fixture("echo_or_other_field.json")).await.status(), 200);
}

#[actix_rt::test]
async fn events_for_unconnected_numbers_are_kept_as_unrouted() {
    let app = spawn_app().await;
    let ack = app.post_webhook_ok(fixture("text.json")).await;
    let notes: Value = eventually("inbox settled", WAIT, || async {
        sqlx::query_scalar::<_, Value>("SELECT notes FROM webhook_inbox WHERE processed_at IS NOT NULL AND id = $1")
            .bind(ack["inbox_id"].as_i64().unwrap())
            .fetch_optional(&app.owner)
            .await
            .unwrap()
    })
    .await;
    assert_eq!(notes[0]["kind"], "unrouted");
    assert_eq!(notes[0]["phone_number_id"], PHONE_NUMBER_ID);
    let body: Vec<u8> = sqlx::query_scalar("SELECT body FROM webhook_inbox").fetch_one(&app.owner).await.unwrap();
    assert_eq!(body, fixture("text.json"), "the raw event is kept byte for byte");
}

#[actix_rt::test]
async fn template_status_updates_route_by_waba() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    app.post_webhook_ok(fixture("template_status_update.json")).await;
    let rows: Vec<(String, String, Option<String>)> = eventually("templates recorded", WAIT, || async {
        let rows: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT name, status, rejected_reason FROM templates ORDER BY status").fetch_all(&app.owner).await.unwrap();
        (rows.len() == 2).then_some(rows)
    })
    .await;
    assert_eq!(rows[0].1, "APPROVED");
    assert_eq!(rows[0].2, None, "reason NONE is no reason");
    assert_eq!(rows[1].1, "REJECTED");
    assert_eq!(rows[1].2.as_deref(), Some("INVALID_FORMAT"));
}

#[actix_rt::test]
async fn webhook_verification_echoes_the_challenge_only_for_the_right_token() {
    let app = spawn_app().await;
    let ok = app
        .http
        .get(app.url("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=test-verify-token&hub.challenge=1158201444"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    let bad = app.http.get(app.url("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1")).send().await.unwrap();
    assert_eq!(bad.status(), 403);
}

#[actix_rt::test]
async fn a_tenant_app_speaks_only_for_its_own_numbers() {
    let app = spawn_app().await;
    let a = app.register("Acme").await;
    let b = app.register("Beta").await;
    let res = app
        .post_json(
            &a.token,
            "/api/v1/channels",
            &json!({"phone_number_id": PHONE_NUMBER_ID, "display_phone_number": "+1", "waba_id": WABA_ID, "access_token": ACCESS_TOKEN,
                      "app_id": "777000111", "app_secret": "acme-app-secret", "verify_token": "acme-vt"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.json::<Value>().await.unwrap()["app_id"], "777000111");
    app.connect_channel(&b, "106540352242999").await;
    let v = app
        .http
        .get(app.url("/webhooks/whatsapp/777000111?hub.mode=subscribe&hub.verify_token=acme-vt&hub.challenge=42"))
        .send()
        .await
        .unwrap();
    assert_eq!(v.text().await.unwrap(), "42");
    let post = |body: Vec<u8>, secret: &'static [u8]| {
        let sig = whatsflow::http::webhooks::sign(secret, &body);
        app.http.post(app.url("/webhooks/whatsapp/777000111")).header("X-Hub-Signature-256", sig).body(body).send()
    };
    // The platform secret does not sign for a tenant app.
    assert_eq!(post(fixture("text.json"), APP_SECRET.as_bytes()).await.unwrap().status(), 401);
    assert_eq!(post(fixture("text.json"), b"acme-app-secret").await.unwrap().status(), 200);
    // Acme's app claiming Beta's number is refused.
    assert_eq!(
        post(text_webhook("106540352242999", "15551230000", "wamid.foreign", "hi"), b"acme-app-secret").await.unwrap().status(),
        200
    );
    eventually("acme's message", WAIT, || async { (app.all_messages(&a).await.len() == 1).then_some(()) }).await;
    eventually("foreign noted", WAIT, || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_inbox WHERE notes @> '[{\"kind\":\"foreign_channel\"}]'")
            .fetch_one(&app.owner)
            .await
            .unwrap();
        (n == 1).then_some(())
    })
    .await;
    assert!(app.all_messages(&b).await.is_empty());
    assert_eq!(
        app.http
            .get(app.url("/webhooks/whatsapp/999?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[actix_rt::test]
async fn a_status_addressed_only_by_user_id_reaches_its_message() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    app.post_webhook_ok(fixture("username_only.json")).await;
    eventually("conversation", WAIT, || async { (!app.conversations(&t).await.is_empty()).then_some(()) }).await;
    outbound(&app, &t, "wamid.OUTBOUND000000000000000000004").await;
    app.post_webhook_ok(fixture("status_recipient_user_id.json")).await;
    let m = eventually("delivered", WAIT, || async {
        let m = app.message_by_wamid(&t, "wamid.OUTBOUND000000000000000000004").await?;
        (m["status"] == "delivered").then_some(m)
    })
    .await;
    assert_eq!(m["pricing"]["category"], "marketing");
    assert_eq!(app.count("contacts").await, 1, "the status found the user-id contact, it made no new one");
}

#[actix_rt::test]
async fn a_burst_of_new_customers_gets_one_contact_and_one_conversation_each() {
    // New customers are resolved and their conversations opened in groups;
    // identities that overlap within one group must still meet in one contact.
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let mut messages = Vec::new();
    for round in 0..2 {
        for i in 0..40 {
            messages.push(json!({"from": format!("1555010{i:04}"), "id": format!("wamid.burst.{round}.{i}"), "timestamp": "1763700500",
                                 "type": "text", "text": {"body": "hi"}}));
        }
    }
    // The same person twice in one POST: first by user id alone, then by
    // phone and user id.
    messages.push(
        json!({"from_user_id": "US.777", "id": "wamid.burst.user", "timestamp": "1763700501", "type": "text", "text": {"body": "a"}}),
    );
    messages.push(json!({"from": "15550990000", "from_user_id": "US.777", "id": "wamid.burst.both", "timestamp": "1763700502", "type": "text", "text": {"body": "b"}}));
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": "Kerry"}, "user_id": "US.777"}, {"profile": {"name": "Kerry"}, "wa_id": "15550990000", "user_id": "US.777"}],
        "messages": messages}}]}]});
    let ack = app.post_webhook_ok(body.to_string().into_bytes()).await;
    assert_eq!(ack["events"], 82);
    eventually("all 82 messages stored", WAIT, || async { (app.all_messages(&t).await.len() == 82).then_some(()) }).await;
    assert_eq!(app.count("contacts").await, 41, "40 customers and one person known two ways");
    assert_eq!(app.count("conversations").await, 41);
    let convs = app.conversations(&t).await;
    let kerry: Vec<&Value> = convs.iter().filter(|c| c["contact"]["user_id"] == "US.777").collect();
    assert_eq!(kerry.len(), 1);
    assert_eq!(kerry[0]["contact"]["phone"], "+15550990000");
    assert_eq!(convs.len(), 41);
    assert!(convs.iter().all(|c| c["unread_count"] == 2), "each conversation holds its customer's two messages");
}

#[actix_rt::test]
async fn grouped_contact_resolution_links_identities_that_meet_in_one_group() {
    use whatsflow::store::group::GroupWork;
    use whatsflow::store::opening::ContactResolution;
    use whatsflow_actors::identity::{ContactIdentity, PhoneNumber};
    use whatsflow_actors::ids::{ChannelId, ContactId, TenantId};
    let app = spawn_app().await;
    let a = app.register("Acme").await;
    let b = app.register("Beta").await;
    let pool = app.app_pool().await;
    let (ta, tb) = (TenantId(a.tenant_id.parse().unwrap()), TenantId(b.tenant_id.parse().unwrap()));
    let phone = |p: &str| PhoneNumber::parse(p).ok();
    let who = |p: Option<PhoneNumber>, u: Option<&str>| ContactIdentity {
        phone: p,
        user_id: u.map(str::to_owned),
        name: Some("K".into()),
        ..Default::default()
    };
    // Beta already knows +15550001111 by phone only.
    let known = ContactResolution.run(&pool, &[&(tb, who(phone("15550001111"), None), None)]).await.unwrap()[0].0;
    let jobs = [
        (ta, who(None, Some("US.1")), None),                 // new, by user id
        (ta, who(phone("15550002222"), Some("US.1")), None), // same person, now with a phone
        (ta, who(phone("15550003333"), None), None),         // new
        (ta, who(phone("15550003333"), None), None),         // the same, twice in one group
        (tb, who(phone("15550001111"), Some("US.2")), None), // known to Beta: gains its user id
        (tb, who(phone("15550002222"), None), None),         // Beta's own, not Acme's
    ];
    let refs: Vec<&(TenantId, ContactIdentity, Option<ChannelId>)> = jobs.iter().collect();
    let ids: Vec<ContactId> = ContactResolution.run(&pool, &refs).await.unwrap().into_iter().map(|r| r.0).collect();
    assert_eq!(ids[0], ids[1], "one person known two ways is one contact");
    assert_eq!(ids[2], ids[3]);
    assert_eq!(ids[4], known);
    assert_ne!(ids[5], ids[1], "tenants never share a contact");
    let rows: Vec<(String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT tenant_id::text, phone, wa_user_id FROM contacts ORDER BY tenant_id, phone")
            .fetch_all(&app.owner)
            .await
            .unwrap();
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(rows.contains(&(a.tenant_id.clone(), Some("+15550002222".into()), Some("US.1".into()))), "{rows:?}");
    assert!(rows.contains(&(b.tenant_id.clone(), Some("+15550001111".into()), Some("US.2".into()))), "{rows:?}");
    // A known phone-only contact met by phone and user id, then by the user
    // id alone, in one group: one person, as one at a time would give.
    let ids: Vec<ContactId> = ContactResolution
        .run(&pool, &[&(ta, who(phone("15550003333"), Some("US.3")), None), &(ta, who(None, Some("US.3")), None)])
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[0], contact_by_phone(&app, "+15550003333").await);
    assert_eq!(app.count("contacts").await, 4, "no contact was split");
}

async fn contact_by_phone(app: &TestApp, phone: &str) -> whatsflow_actors::ids::ContactId {
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM contacts WHERE phone = $1").bind(phone).fetch_one(&app.owner).await.unwrap();
    whatsflow_actors::ids::ContactId(id)
}

#[actix_rt::test]
async fn grouped_conversation_opening_tells_only_the_first_asker_it_created() {
    use whatsflow::store::group::GroupWork;
    use whatsflow::store::opening::{ContactResolution, ConversationOpening};
    use whatsflow_actors::identity::{ContactIdentity, PhoneNumber};
    let app = spawn_app().await;
    let (tenant, channel, pool) = store_fixture(&app).await;
    let who = ContactIdentity { phone: PhoneNumber::parse("15550004444").ok(), ..Default::default() };
    let contact = ContactResolution.run(&pool, &[&(tenant, who, None)]).await.unwrap()[0].0;
    let job = (tenant, channel, contact);
    let snaps = ConversationOpening.run(&pool, &[&job, &job]).await.unwrap();
    assert_eq!(snaps[0].id, snaps[1].id, "one conversation per contact and channel");
    assert!(snaps[0].created && !snaps[1].created, "only the first asker created it");
    let again = ConversationOpening.run(&pool, &[&job]).await.unwrap();
    assert_eq!(again[0].id, snaps[0].id);
    assert!(!again[0].created);
    assert_eq!(again[0].contact_phone.as_deref(), Some("+15550004444"));
    assert_eq!(app.count("conversations").await, 1);
}

#[actix_rt::test]
async fn a_contact_created_by_a_resolution_gets_its_conversation_in_the_same_transaction() {
    use whatsflow::store::group::GroupWork;
    use whatsflow::store::opening::{ContactResolution, ConversationOpening};
    use whatsflow_actors::identity::{ContactIdentity, PhoneNumber};
    let app = spawn_app().await;
    let (tenant, channel, pool) = store_fixture(&app).await;
    let who = |p: &str| ContactIdentity { phone: PhoneNumber::parse(p).ok(), ..Default::default() };
    // Known before, by a resolution that named no channel: no conversation.
    let known = ContactResolution.run(&pool, &[&(tenant, who("15550006001"), None)]).await.unwrap()[0].0;
    assert_eq!(app.count("conversations").await, 0, "a resolution without a channel opens nothing");
    let jobs = [
        (tenant, who("15550006002"), Some(channel)), // new: opened with it
        (tenant, who("15550006002"), Some(channel)), // the same customer again in the group
        (tenant, who("15550006001"), Some(channel)), // known: opened as usual, later
    ];
    let refs: Vec<_> = jobs.iter().collect();
    let out = ContactResolution.run(&pool, &refs).await.unwrap();
    assert_eq!(out[0].0, out[1].0, "one customer is one contact");
    assert_eq!(out[2].0, known);
    let opened = out[0].1.as_ref().expect("the new contact's conversation was opened with it");
    assert!(opened.created, "and it says it created it (the conversation is announced once)");
    assert_eq!(opened.contact_phone.as_deref(), Some("+15550006002"));
    assert_eq!((opened.unread_count, opened.last_seq, opened.may_have_run), (0, 0, false));
    assert!(out[1].1.is_none() && out[2].1.is_none(), "only the job that created a contact opens its conversation");
    assert_eq!(app.count("conversations").await, 1);
    // Opening it again finds it: not created twice.
    let again = ConversationOpening.run(&pool, &[&(tenant, channel, out[0].0)]).await.unwrap();
    assert_eq!(again[0].id, opened.id);
    assert!(!again[0].created);
}

/// A tenant with the test number, as the store sees it: its id, the
/// number's channel id, and a pool of the application's role.
async fn store_fixture(app: &TestApp) -> (whatsflow_actors::ids::TenantId, whatsflow_actors::ids::ChannelId, sqlx::PgPool) {
    let t = app.register("Acme").await;
    let ch = app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let channel = whatsflow_actors::ids::ChannelId(ch["id"].as_str().unwrap().parse().unwrap());
    (whatsflow_actors::ids::TenantId(t.tenant_id.parse().unwrap()), channel, app.app_pool().await)
}
