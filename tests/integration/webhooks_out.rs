//! Outbound webhooks against a local receiver that can fail on purpose:
//! signing, the subscribed events in order, retries with backoff, giving up
//! and switching off, test sends, replays, and a crash mid-delivery.

use crate::helpers::*;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Got {
    at: Instant,
    signature: String,
    event_id_header: String,
    body: Vec<u8>,
    answered: u16,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Default)]
struct Behaviour {
    /// Answer 500 to this many requests first.
    fail_first: usize,
    /// Answer 503 to everything.
    down: bool,
    /// Take this long to answer.
    delay: Duration,
    /// Requests begun (answered or not).
    begun: usize,
}

/// A tenant's own server receiving our webhooks.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Got>>>,
    behaviour: Arc<Mutex<Behaviour>>,
}

impl Receiver {
    fn start() -> Receiver {
        let got = Arc::new(Mutex::new(Vec::new()));
        let behaviour = Arc::new(Mutex::new(Behaviour::default()));
        let (g, b) = (got.clone(), behaviour.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            let (g, b) = (g.clone(), b.clone());
            App::new().route(
                "/hooks",
                web::post().to(move |req: HttpRequest, body: web::Bytes| {
                    let (g, b) = (g.clone(), b.clone());
                    async move {
                        let (status, delay) = {
                            let mut b = b.lock().unwrap();
                            b.begun += 1;
                            let status = if b.down {
                                503
                            } else if b.fail_first > 0 {
                                b.fail_first -= 1;
                                500
                            } else {
                                200
                            };
                            (status, b.delay)
                        };
                        if !delay.is_zero() {
                            actix_web::rt::time::sleep(delay).await;
                        }
                        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                        g.lock().unwrap().push(Got {
                            at: Instant::now(),
                            signature: header("X-Whatsflow-Signature"),
                            event_id_header: header("X-Whatsflow-Event-Id"),
                            body: body.to_vec(),
                            answered: status,
                        });
                        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).body(format!("answer {status}"))
                    }
                }),
            )
        })
        .workers(2)
        .listen(listener)
        .unwrap()
        .run();
        actix_rt::spawn(server);
        Receiver { url: format!("http://127.0.0.1:{port}/hooks"), got, behaviour }
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// The events it took (answered 2xx), in arrival order.
    fn accepted(&self) -> Vec<Value> {
        self.got().iter().filter(|g| g.answered == 200).map(Got::json).collect()
    }

    async fn accepted_until(&self, what: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        eventually(what, Duration::from_secs(30), || {
            let events = self.accepted();
            let ok = pred(&events);
            async move { ok.then_some(events) }
        })
        .await
    }
}

/// HMAC-SHA256(secret, "<t>.<body>") checked independently of the server's code.
fn signed_by(secret: &str, header: &str, body: &[u8]) -> bool {
    let mut t = "";
    let mut v1 = "";
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v,
            Some(("v1", v)) => v1 = v,
            _ => {}
        }
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let age = chrono::Utc::now().timestamp() - t.parse::<i64>().unwrap();
    hex::encode(mac.finalize().into_bytes()) == v1 && (0..300).contains(&age)
}

async fn add_endpoint(app: &TestApp, t: &Tenant, url: &str, events: &[&str]) -> (String, String) {
    let res = app.post_json(&t.token, "/api/v1/webhooks", json!({"url": url, "events": events, "description": "CRM"})).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap_or_default());
    let v: Value = res.json().await.unwrap();
    assert!(v["secret"].as_str().unwrap().starts_with("whsec_"));
    (v["id"].as_str().unwrap().to_owned(), v["secret"].as_str().unwrap().to_owned())
}

async fn add_contact(app: &TestApp, t: &Tenant, phone: &str) -> String {
    let res = app.post_json(&t.token, "/api/v1/contacts", json!({"phone": phone, "name": "Asha"})).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap_or_default());
    res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

#[actix_rt::test]
async fn subscribed_events_arrive_signed_in_order_and_are_logged() {
    let app = spawn_app().await;
    let t = app.register("Hooks Ltd").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let rx = Receiver::start();
    let (id, secret) = add_endpoint(
        &app,
        &t,
        &rx.url,
        &["contact.created", "conversation.created", "message.received", "conversation.assigned", "conversation.updated", "message.status"],
    )
    .await;
    // The secret is shown once: never in the list or the endpoint.
    let (_, listed) = app.get(&t, "/api/v1/webhooks").await;
    assert!(listed.to_string().find(&secret).is_none());
    assert_eq!(listed["data"][0]["events"].as_array().unwrap().len(), 6);

    for (n, text) in ["hello", "need help", "order 42"].iter().enumerate() {
        app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919800000001", &format!("wamid.hook{n}"), text)).await;
    }
    let events = rx.accepted_until("the first three messages", |e| e.iter().filter(|e| e["type"] == "message.received").count() == 3).await;
    assert_eq!(
        types(&events)[..5],
        ["contact.created", "conversation.created", "message.received", "message.received", "message.received"]
    );
    let texts: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "message.received")
        .map(|e| e["data"]["message"]["content"]["body"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["hello", "need help", "order 42"]);
    let first = &events[2];
    assert_eq!(first["tenant_id"], t.tenant_id.as_str());
    assert_eq!(first["data"]["contact"]["phone"], "+919800000001");
    assert!(first["created_at"].is_string() && first["id"].is_string());
    let conversation = first["data"]["conversation_id"].as_str().unwrap().to_owned();

    // Every delivery is signed over its exact bytes with the endpoint's
    // secret and carries its event id.
    for got in rx.got() {
        assert!(signed_by(&secret, &got.signature, &got.body), "bad signature {}", got.signature);
        assert_eq!(got.event_id_header, got.json()["id"].as_str().unwrap());
        assert!(!signed_by("whsec_wrong", &got.signature, &got.body));
    }

    // Assignment, resolution and our reply's statuses.
    let res = app.patch_json(&t.token, &format!("/api/v1/conversations/{conversation}"), json!({"assignee_id": t.user_id})).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    let res = app.send(&t, &conversation, json!({"type": "text", "text": {"body": "On it"}})).await;
    assert!(res.status().is_success());
    let res = app.patch_json(&t.token, &format!("/api/v1/conversations/{conversation}"), json!({"status": "resolved"})).await;
    assert_eq!(res.status(), 200);
    let events = rx
        .accepted_until("assignment, resolution and the reply's read status", |e| {
            e.iter().any(|e| e["type"] == "conversation.assigned")
                && e.iter().any(|e| e["type"] == "conversation.updated" && e["data"]["status"] == "resolved")
                && e.iter().any(|e| e["type"] == "message.status" && e["data"]["status"] == "read")
        })
        .await;
    let assigned = events.iter().find(|e| e["type"] == "conversation.assigned").unwrap();
    assert_eq!(assigned["data"]["assignee_id"], t.user_id.as_str());
    assert_eq!(assigned["data"]["id"], conversation.as_str());
    let statuses: Vec<&str> =
        events.iter().filter(|e| e["type"] == "message.status").map(|e| e["data"]["status"].as_str().unwrap()).collect();
    // The ladder, never backwards.
    let rank = |s: &str| ["accepted", "sent", "delivered", "read"].iter().position(|x| *x == s).unwrap();
    assert!(statuses.windows(2).all(|w| rank(w[0]) < rank(w[1])), "{statuses:?}");
    // Event ids are unique.
    let mut ids: Vec<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), events.len());

    // The log: one attempt per delivery, each answered 200 with its latency.
    let (status, log) = app.get(&t, &format!("/api/v1/webhooks/{id}/logs?limit=200")).await;
    assert_eq!(status, 200);
    let log = log["data"].as_array().unwrap();
    assert_eq!(log.len(), rx.got().len());
    assert!(log.iter().all(|a| a["status_code"] == 200 && a["attempt"] == 1 && a["latency_ms"].as_i64().unwrap() >= 0));
    assert_eq!(log[0]["response_excerpt"], "answer 200");
    let (_, one) = app.get(&t, &format!("/api/v1/webhooks/{id}")).await;
    assert_eq!(one["pending"], 0);
    assert_eq!(one["last_status_code"], 200);
}

#[actix_rt::test]
async fn failures_retry_with_growing_delays_and_hold_later_events_back() {
    let app = spawn_app().await;
    let t = app.register("Retry Ltd").await;
    let rx = Receiver::start();
    rx.behaviour.lock().unwrap().fail_first = 3;
    let (id, _) = add_endpoint(&app, &t, &rx.url, &["contact.created", "contact.updated"]).await;
    let contact = add_contact(&app, &t, "+919811111111").await;
    let res = app.patch_json(&t.token, &format!("/api/v1/contacts/{contact}"), json!({"name": "Asha Rao"})).await;
    assert_eq!(res.status(), 200);

    let events = rx.accepted_until("both events", |e| e.len() == 2).await;
    assert_eq!(types(&events), ["contact.created", "contact.updated"]);
    assert_eq!(events[1]["data"]["name"], "Asha Rao");
    let got = rx.got();
    // Three refusals of the first event, then it, then the second: the
    // second was never tried before the first went through.
    assert_eq!(got.iter().map(|g| g.answered).collect::<Vec<_>>(), [500, 500, 500, 200, 200]);
    assert!(got[..4].iter().all(|g| g.json()["type"] == "contact.created"));
    assert!(got[..4].iter().all(|g| g.json()["id"] == got[0].json()["id"]), "a retry carries the same event id");
    // Exponential: base 200 ms with jitter in the upper half → 100–200,
    // 200–400, 400–800 ms.
    let gaps: Vec<Duration> = got.windows(2).take(3).map(|w| w[1].at - w[0].at).collect();
    assert!(gaps[2] > gaps[0], "{gaps:?}");
    assert!(gaps[2] >= Duration::from_millis(380), "{gaps:?}");
    assert!(gaps[0] >= Duration::from_millis(90), "{gaps:?}");

    // The worker records an attempt just after the receiver answers it:
    // wait until all five are in the log.
    eventually("every attempt logged", WAIT, || async {
        let (_, all) = app.get(&t, &format!("/api/v1/webhooks/{id}/logs?limit=10")).await;
        (all["data"].as_array().map_or(0, Vec::len) == 5).then_some(())
    })
    .await;
    let (_, log) = app.get(&t, &format!("/api/v1/webhooks/{id}/logs?limit=2")).await;
    assert_eq!(log["data"].as_array().unwrap().len(), 2);
    let next = log["next_cursor"].as_str().unwrap();
    let (_, rest) = app.get(&t, &format!("/api/v1/webhooks/{id}/logs?cursor={next}")).await;
    let rest = rest["data"].as_array().unwrap();
    assert_eq!(rest.len(), 3);
    let first_attempts: Vec<(i64, i64)> =
        rest.iter().map(|a| (a["attempt"].as_i64().unwrap(), a["status_code"].as_i64().unwrap())).collect();
    assert_eq!(first_attempts, [(3, 500), (2, 500), (1, 500)]);
    assert_eq!(rest[0]["response_excerpt"], "answer 500");
}

#[actix_rt::test]
async fn a_day_of_failures_gives_up_switches_off_and_alerts_then_replay_resends() {
    let app = spawn_with(
        fresh_database().await,
        |mut c| {
            // "A day", shortened.
            c.webhook_delivery.retry_base = Duration::from_millis(100);
            c.webhook_delivery.retry_max = Duration::from_millis(300);
            c.webhook_delivery.give_up_after = Duration::from_secs(1);
            c.webhook_delivery.disable_after = Duration::from_millis(1500);
            c
        },
        None,
    )
    .await;
    let t = app.register("Down Ltd").await;
    let mut socket = app.socket(&t.token).await;
    let rx = Receiver::start();
    rx.behaviour.lock().unwrap().down = true;
    let (id, _) = add_endpoint(&app, &t, &rx.url, &["contact.created"]).await;
    add_contact(&app, &t, "+919822222222").await;
    add_contact(&app, &t, "+919822222223").await;

    let alert = socket.expect("notification", |d| d["kind"] == "webhook_disabled").await;
    assert_eq!(alert["endpoint_id"], id.as_str());
    assert!(alert["message"].as_str().unwrap().contains("switched off"));
    let (_, endpoint) = app.get(&t, &format!("/api/v1/webhooks/{id}")).await;
    assert_eq!(endpoint["enabled"], false);
    assert!(endpoint["disabled_reason"].as_str().unwrap().starts_with("every delivery failed since"));
    let (_, audit) = app.get(&t, "/api/v1/audit").await;
    assert_eq!(audit["data"].as_array().unwrap().iter().filter(|e| e["action"] == "webhook.disabled").count(), 1, "{audit}");
    // The first event was given up after its "day"; the second (given up
    // too, if its own "day" ended before the switch-off) waits.
    let (_, failed) = app.get(&t, &format!("/api/v1/webhooks/{id}/deliveries?status=failed")).await;
    let failed = failed["data"].as_array().unwrap().clone();
    assert!(!failed.is_empty());
    assert!(failed.iter().all(|d| d["attempts"].as_i64().unwrap() >= 2 && d["finished_at"].is_string()));
    let (_, pending) = app.get(&t, &format!("/api/v1/webhooks/{id}/deliveries?status=pending")).await;
    assert_eq!(failed.len() + pending["data"].as_array().unwrap().len(), 2);
    // Switched off: no new deliveries, no attempts.
    add_contact(&app, &t, "+919822222224").await;
    let tried = rx.got().len();
    settled(&app).await;
    assert_eq!(rx.got().len(), tried);

    // Fixed and switched on: what waited goes; what was given up is replayed by hand.
    rx.behaviour.lock().unwrap().down = false;
    let res = app.patch_json(&t.token, &format!("/api/v1/webhooks/{id}"), json!({"enabled": true})).await;
    assert_eq!(res.status(), 200);
    // Oldest first.
    for d in failed.iter().rev() {
        let res =
            app.post_json(&t.token, &format!("/api/v1/webhooks/{id}/deliveries/{}/replay", d["id"].as_str().unwrap()), json!({})).await;
        assert_eq!(res.status(), 202);
    }
    let events = rx.accepted_until("the waiting event and the replays", |e| e.len() == 2).await;
    let phones: std::collections::BTreeSet<&str> = events.iter().map(|e| e["data"]["phone"].as_str().unwrap()).collect();
    assert_eq!(phones, ["+919822222222", "+919822222223"].into_iter().collect());
    for d in &failed {
        assert!(events.iter().any(|e| e["id"] == d["event_id"]), "a replay keeps the event id");
    }
    let (_, endpoint) = app.get(&t, &format!("/api/v1/webhooks/{id}")).await;
    assert!(endpoint["failing_since"].is_null() && endpoint["enabled"] == true);
    // The contact added while it was off never became an event for it.
    settled(&app).await;
    assert_eq!(rx.accepted().len(), 2);
}

#[actix_rt::test]
async fn a_test_send_reports_the_answer_and_secrets_rotate() {
    let app = spawn_app().await;
    let t = app.register("Test Ltd").await;
    let rx = Receiver::start();
    let (id, secret) = add_endpoint(&app, &t, &rx.url, &["contact.created"]).await;
    let res = app.post_json(&t.token, &format!("/api/v1/webhooks/{id}/test"), json!({})).await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["status_code"], 200);
    assert_eq!(v["response_excerpt"], "answer 200");
    let got = rx.got();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["type"], "webhook.test");
    assert!(signed_by(&secret, &got[0].signature, &got[0].body));

    // A new secret signs from now on; the old one no longer verifies.
    let res = app.post_json(&t.token, &format!("/api/v1/webhooks/{id}/rotate-secret"), json!({})).await;
    let new_secret = res.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    rx.behaviour.lock().unwrap().fail_first = 1;
    let v: Value = app.post_json(&t.token, &format!("/api/v1/webhooks/{id}/test"), json!({})).await.json().await.unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["status_code"], 500);
    let got = rx.got();
    assert!(signed_by(&new_secret, &got[1].signature, &got[1].body));
    assert!(!signed_by(&secret, &got[1].signature, &got[1].body));
    let (_, log) = app.get(&t, &format!("/api/v1/webhooks/{id}/logs")).await;
    assert_eq!(log["data"].as_array().unwrap().iter().map(|a| a["status_code"].as_i64().unwrap()).collect::<Vec<_>>(), [500, 200]);

    // A URL the server may not reach is refused at the call, and said so.
    let res = app.patch_json(&t.token, &format!("/api/v1/webhooks/{id}"), json!({"url": "http://10.255.255.1/hooks"})).await;
    assert_eq!(res.status(), 200);
    let v: Value = app.post_json(&t.token, &format!("/api/v1/webhooks/{id}/test"), json!({})).await.json().await.unwrap();
    assert_eq!(v["ok"], false);
    assert!(v["error"].as_str().unwrap().contains("tenant URLs must be public"), "{v}");
}

#[actix_rt::test]
async fn bad_endpoints_are_refused_with_the_fix_and_tenants_see_only_their_own() {
    let app = spawn_app().await;
    let a = app.register("A Ltd").await;
    let b = app.register("B Ltd").await;
    for (body, needle) in [
        (json!({"url": "ftp://example.com/x", "events": ["contact.created"]}), "http(s)"),
        (json!({"url": "not a url", "events": ["contact.created"]}), "not a URL"),
        (json!({"url": "https://example.com/x", "events": []}), "1 to 32"),
        (json!({"url": "https://example.com/x", "events": ["message.*"]}), "message.received"),
    ] {
        let res = app.post_json(&a.token, "/api/v1/webhooks", &body).await;
        assert_eq!(res.status(), 400, "{body}");
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["error"]["code"], "VALIDATION_FAILED");
        assert!(v["error"]["message"].as_str().unwrap().contains(needle), "{v}");
    }
    let (id, _) = add_endpoint(&app, &a, "https://example.com/hooks", &["contact.created"]).await;
    let (status, _) = app.get(&b, &format!("/api/v1/webhooks/{id}")).await;
    assert_eq!(status, 404);
    let (_, list) = app.get(&b, "/api/v1/webhooks").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0);
    let res = app.post_json(&b.token, &format!("/api/v1/webhooks/{id}/test"), json!({})).await;
    assert_eq!(res.status(), 404);
    // An agent manages no endpoints.
    let agent = app.add_user(&a, "agent").await;
    let res = app.post_json(&agent.token, "/api/v1/webhooks", json!({"url": "https://example.com/x", "events": ["contact.created"]})).await;
    assert_eq!(res.status(), 403);
    // At most 20 per account.
    for _ in 1..20 {
        add_endpoint(&app, &a, "https://example.com/hooks", &["contact.created"]).await;
    }
    let res = app.post_json(&a.token, "/api/v1/webhooks", json!({"url": "https://example.com/x", "events": ["contact.created"]})).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("at most 20"));
    let (_, events) = app.get(&a, "/api/v1/webhooks/events").await;
    assert!(events["data"].as_array().unwrap().iter().any(|e| e["type"] == "message.received"));
}

#[actix_rt::test]
async fn a_crash_mid_delivery_loses_no_event() {
    let db = fresh_database().await;
    let app = spawn_with(db.clone(), |c| c, None).await;
    let t = app.register("Crash Ltd").await;
    let rx = Receiver::start();
    rx.behaviour.lock().unwrap().delay = Duration::from_millis(1500);
    add_endpoint(&app, &t, &rx.url, &["contact.created"]).await;
    let mut phones = Vec::new();
    for n in 0..4 {
        let phone = format!("+91983333333{n}");
        add_contact(&app, &t, &phone).await;
        phones.push(phone);
    }
    // The first delivery is on the wire when the server goes down.
    eventually("the first attempt to begin", WAIT, || {
        let begun = rx.behaviour.lock().unwrap().begun;
        async move { (begun > 0).then_some(()) }
    })
    .await;
    app.stop().await;
    eventually("the old server's pool to close", WAIT, || {
        let closed = app.state.pool.is_closed();
        async move { closed.then_some(()) }
    })
    .await;
    rx.behaviour.lock().unwrap().delay = Duration::ZERO;
    let _again = spawn_with(db, |c| c, None).await;
    let events = rx
        .accepted_until("every event after the restart", |e| {
            let mut ids: Vec<&str> = e.iter().map(|e| e["id"].as_str().unwrap()).collect();
            ids.sort();
            ids.dedup();
            ids.len() == 4
        })
        .await;
    // In order of first arrival, whatever was sent twice (receivers
    // deduplicate on the event id).
    let mut seen = Vec::new();
    for e in &events {
        let phone = e["data"]["phone"].as_str().unwrap().to_owned();
        if !seen.contains(&phone) {
            seen.push(phone);
        }
    }
    assert_eq!(seen, phones);
}
