//! The ways in an attacker tried, each reproduced and now refused; and the
//! hardening around them (sessions, limits, egress, database roles, secrets,
//! headers, request ids).

use crate::helpers::*;
use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A service on loopback holding something secret (as cloud metadata
/// would); counts the requests that reach it. `/redirect` sends callers on
/// to 127.0.0.2 (another loopback address).
struct Internal {
    base: String,
    port: u16,
    hits: Arc<AtomicUsize>,
}

fn internal_service() -> Internal {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        let h = h.clone();
        let h2 = h.clone();
        App::new()
            .route(
                "/latest/meta-data",
                web::get().to(move || {
                    h.fetch_add(1, Ordering::SeqCst);
                    async { HttpResponse::Ok().json(json!({"AccessKeyId": "AKIA-SECRET", "SecretAccessKey": "top-secret"})) }
                }),
            )
            .route(
                "/redirect",
                web::get().to(move || {
                    h2.fetch_add(1, Ordering::SeqCst);
                    async move {
                        HttpResponse::Found().insert_header(("Location", format!("http://127.0.0.2:{port}/latest/meta-data"))).finish()
                    }
                }),
            )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_rt::spawn(server);
    Internal { base: format!("http://127.0.0.1:{port}"), port, hits }
}

fn api_flow(url: &str) -> Value {
    json!({"name": "Lookup", "trigger_type": "keyword", "trigger_value": "lookup", "flow_data": {"nodes": [
        {"id": "a", "type": "api", "position": {"x": 0, "y": 0}, "data": {"start": true, "method": "GET", "url": url, "save": {"x": "$"}}},
        {"id": "ok", "type": "message", "position": {"x": 0, "y": 100}, "data": {"text": "got {{vars.x}}"}},
        {"id": "err", "type": "message", "position": {"x": 200, "y": 100}, "data": {"text": "no: {{vars.api_error}}"}}
    ], "edges": [
        {"id": "1", "source": "a", "target": "ok", "sourceHandle": "ok"},
        {"id": "2", "source": "a", "target": "err", "sourceHandle": "error"}
    ]}})
}

async fn activate(app: &TestApp, t: &Tenant, flow: &Value) {
    let id = flow["id"].as_str().unwrap();
    let res = app.patch_json(&t.token, &format!("/api/v1/flows/{id}/status"), &json!({"status": "active"})).await;
    assert_eq!(res.status(), 200);
}

#[actix_rt::test]
async fn ssrf_a_flow_api_node_cannot_reach_the_servers_network() {
    // No egress exceptions: loopback is what an attacker would aim at.
    let app = spawn_with(
        fresh_database().await,
        |mut c| {
            c.egress_allow = Vec::new();
            c
        },
        None,
    )
    .await;
    let internal = internal_service();
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    for url in [
        format!("{}/latest/meta-data", internal.base),
        format!("http://localhost:{}/latest/meta-data", internal.port),
        format!("http://[::ffff:127.0.0.1]:{}/latest/meta-data", internal.port),
        "http://169.254.169.254/latest/meta-data".to_owned(),
    ] {
        let res = app.post_json(&t.token, "/api/v1/flows", api_flow(&url)).await;
        assert_eq!(res.status(), 201);
        let flow: Value = res.json().await.unwrap();
        let test = app.post_json(&t.token, &format!("/api/v1/flows/{}/test", flow["id"].as_str().unwrap()), json!({"messages": []})).await;
        assert_eq!(test.status(), 200);
        let out: Value = test.json().await.unwrap();
        let text = out.to_string();
        assert!(!text.contains("AKIA-SECRET") && !text.contains("top-secret"), "{url}: the secret came back: {text}");
        assert!(out["vars"]["x"].is_null(), "{url}: {out}");
        let why = out["vars"]["api_error"].as_str().unwrap_or_default();
        assert!(why.starts_with("refused"), "{url}: the error branch names the refusal: {out}");
    }
    assert_eq!(internal.hits.load(Ordering::SeqCst), 0, "the internal service was never reached");

    // A live run takes the error branch and says why in its execution.
    let flow: Value =
        app.post_json(&t.token, "/api/v1/flows", api_flow(&format!("{}/latest/meta-data", internal.base))).await.json().await.unwrap();
    activate(&app, &t, &flow).await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15550007001", "wamid.ssrf-live", "lookup")).await;
    let sent = eventually("the bot's answer", WAIT, || async {
        app.sim_sends().await.into_iter().find(|b| b["to"] == "+15550007001").map(|b| b["text"]["body"].as_str().unwrap_or("").to_owned())
    })
    .await;
    assert!(sent.starts_with("no: refused"), "{sent}");
    assert!(!sent.contains("AKIA"));
    let (_, runs) = app.get(&t, &format!("/api/v1/flows/{}/executions", flow["id"].as_str().unwrap())).await;
    assert!(runs["data"][0]["vars"]["api_error"].as_str().unwrap().contains("loopback"), "{runs}");
    assert_eq!(internal.hits.load(Ordering::SeqCst), 0);
}

#[actix_rt::test]
async fn ssrf_redirects_to_a_private_address_are_refused_at_each_hop() {
    // Only 127.0.0.1 is allowed (a test fixture); its redirect to 127.0.0.2 is not.
    let app = spawn_with(
        fresh_database().await,
        |mut c| {
            c.egress_allow = vec!["127.0.0.1/32".parse().unwrap()];
            c
        },
        None,
    )
    .await;
    let internal = internal_service();
    let t = app.register("Acme").await;
    let flow: Value =
        app.post_json(&t.token, "/api/v1/flows", api_flow(&format!("{}/redirect", internal.base))).await.json().await.unwrap();
    let out: Value =
        app.post_json(&t.token, &format!("/api/v1/flows/{}/test", flow["id"].as_str().unwrap()), json!({})).await.json().await.unwrap();
    assert!(out["vars"]["api_error"].as_str().unwrap_or_default().contains("127.0.0.2"), "{out}");
    assert!(!out.to_string().contains("AKIA"));
    assert_eq!(internal.hits.load(Ordering::SeqCst), 1, "the allowed hop answered, the private one was never reached");
}

#[actix_rt::test]
async fn agents_cannot_run_the_sandbox_export_or_import() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let agent = app.add_user(&t, "agent").await;
    let flow: Value = app.post_json(&t.token, "/api/v1/flows", api_flow("https://example.com/x")).await.json().await.unwrap();
    let id = flow["id"].as_str().unwrap();
    let res = app.post_json(&agent.token, &format!("/api/v1/flows/{id}/test"), json!({"messages": ["hi"]})).await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "FORBIDDEN");
    let export = app.http.get(app.url("/api/v1/contacts/export")).bearer_auth(&agent.token).send().await.unwrap();
    assert_eq!(export.status(), 403);
    let import =
        app.http.post(app.url("/api/v1/contacts/import")).bearer_auth(&agent.token).body("phone\n+14155550100\n").send().await.unwrap();
    assert_eq!(import.status(), 403);
    assert_eq!(app.count("contacts").await, 0);
    // The admin still can.
    assert_eq!(app.http.get(app.url("/api/v1/contacts/export")).bearer_auth(&t.token).send().await.unwrap().status(), 200);
}

async fn api_key(app: &TestApp, t: &Tenant, scopes: &[&str]) -> String {
    let res = app.post_json(&t.token, "/api/v1/api-keys", json!({"name": "integration", "scopes": scopes})).await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["key"].as_str().unwrap().to_owned()
}

#[actix_rt::test]
async fn an_api_key_cannot_make_admins_or_touch_people() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let key = api_key(&app, &t, &["read", "write"]).await;
    let users_before = app.count("users").await;
    let res = app
        .http
        .post(app.url("/api/v1/users"))
        .header("X-API-Key", &key)
        .json(&json!({"email": "mallory@evil.test", "password": "mallory-password", "name": "M", "role": "tenant_admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.count("users").await, users_before);
    let res = app
        .http
        .patch(app.url(&format!("/api/v1/users/{}", t.user_id)))
        .header("X-API-Key", &key)
        .json(&json!({"password": "hijacked-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // The creator's password is unchanged: they still log in with it.
    let me = app.get(&t, "/api/v1/auth/me").await;
    assert_eq!(me.0, 200);
    let email = me.1["email"].as_str().unwrap().to_owned();
    assert_eq!(login(&app, &email, "correct-horse-1").await.status(), 200);
    assert_eq!(login(&app, &email, "hijacked-password").await.status(), 401);
    for (method, path) in
        [("DELETE", format!("/api/v1/users/{}", t.user_id)), ("POST", "/api/v1/api-keys".into()), ("GET", "/api/v1/api-keys".into())]
    {
        let res = app
            .http
            .request(method.parse().unwrap(), app.url(&path))
            .header("X-API-Key", &key)
            .json(&json!({"name": "k"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{method} {path}");
    }
    // What keys are for still works.
    assert_eq!(app.http.get(app.url("/api/v1/contacts")).header("X-API-Key", &key).send().await.unwrap().status(), 200);
}

async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.http.post(app.url("/api/v1/auth/login")).json(&json!({"email": email, "password": password})).send().await.unwrap()
}

#[actix_rt::test]
async fn brute_force_is_locked_out_and_rate_limited() {
    let app = spawn_app().await;
    let email = "asha@bruteforce.test";
    let res = app
        .post_json(
            "",
            "/api/v1/auth/register",
            json!({"tenant_name": "Acme", "name": "Asha", "email": email, "password": "correct-horse-1"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    // Five wrong passwords lock the account: even the right one is refused, with when to come back.
    for _ in 0..5 {
        assert_eq!(login(&app, email, "wrong-password").await.status(), 401);
    }
    let locked = login(&app, email, "correct-horse-1").await;
    assert_eq!(locked.status(), 429);
    let retry: u64 = locked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry), "first lockout is 30 s: {retry}");
    let body: Value = locked.json().await.unwrap();
    assert_eq!(body["error"]["code"], "ACCOUNT_LOCKED");
    // An address hammering logins (any accounts) is slowed to its limit.
    let mut limited = None;
    for i in 0..200 {
        let res = login(&app, &format!("nobody{i}@bruteforce.test"), "whatever-1").await;
        if res.status() == 429 {
            limited = Some((i, res));
            break;
        }
        assert_eq!(res.status(), 401);
    }
    let (after, res) = limited.expect("200 wrong logins never got a 429");
    assert!(after < 30, "the per-address limit (20 a minute) applies: {after}");
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "RATE_LIMITED");
}

#[actix_rt::test]
async fn a_customer_who_writes_after_their_contact_was_deleted_is_heard() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15550008001", "wamid.del-1", "first")).await;
    let contact = eventually("the first message", WAIT, || async {
        app.conversations(&t).await.first().map(|c| c["contact"]["id"].as_str().unwrap().to_owned())
    })
    .await;
    eventually("stored", WAIT, || async { app.message_by_wamid(&t, "wamid.del-1").await }).await;
    let del = app.http.delete(app.url(&format!("/api/v1/contacts/{contact}"))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(del.status(), 204);
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15550008001", "wamid.del-2", "second")).await;
    let m = eventually("the second message after the delete", WAIT, || async { app.message_by_wamid(&t, "wamid.del-2").await }).await;
    assert_eq!(m["content"]["body"], "second");
    let convs = app.conversations(&t).await;
    assert_eq!(convs.len(), 1);
    assert_ne!(convs[0]["contact"]["id"], contact, "a fresh contact for the customer");
    // Nothing is left in flight.
    eventually("inbox settled", WAIT, || async {
        let n: i64 =
            sqlx::query_scalar("SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL").fetch_one(&app.owner).await.unwrap();
        (n == 0).then_some(())
    })
    .await;
}

#[actix_rt::test]
async fn an_import_without_the_column_never_opts_anyone_back_in() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let created: Value = app
        .post_json(&t.token, "/api/v1/contacts", json!({"phone": "+14155550101", "name": "Asha", "opted_in": false}))
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let import = |csv: &'static str| app.http.post(app.url("/api/v1/contacts/import")).bearer_auth(&t.token).body(csv).send();
    let res: Value = import("phone,name,city\n+14155550101,Asha K,Pune\n").await.unwrap().json().await.unwrap();
    assert_eq!(res["updated"], 1, "{res}");
    let (_, c) = app.get(&t, &format!("/api/v1/contacts/{id}")).await;
    assert_eq!(c["opted_in"], false, "no opted_in column: consent unchanged");
    assert_eq!(c["name"], "Asha K");
    assert_eq!(c["custom_fields"]["city"], "Pune");
    // The column, when present, is the customer's recorded choice.
    import("phone,opted_in\n+14155550101,yes\n").await.unwrap();
    let (_, c) = app.get(&t, &format!("/api/v1/contacts/{id}")).await;
    assert_eq!(c["opted_in"], true);
}

#[actix_rt::test]
async fn a_marketing_template_never_reaches_an_opted_out_contact() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conversation = app.open_conversation(&t, "15550009001").await;
    let (_, conv) = app.get(&t, &format!("/api/v1/conversations/{conversation}")).await;
    let contact = conv["contact"]["id"].as_str().unwrap().to_owned();
    for (name, category) in [("spring_sale", "MARKETING"), ("order_update", "UTILITY")] {
        let res = app
            .post_json(
                &t.token,
                "/api/v1/templates",
                json!({"name": name, "language": "en", "category": category,
            "components": [{"type": "BODY", "text": "Hello {{1}}, thanks for writing.", "example": {"body_text": [["Asha"]]}}]}),
            )
            .await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    }
    let res = app.patch_json(&t.token, &format!("/api/v1/contacts/{contact}"), &json!({"opted_in": false})).await;
    assert_eq!(res.status(), 200);
    let template = |name: &str| {
        json!({"type": "template", "template": {"name": name, "language": {"code": "en"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Asha"}]}]}})
    };
    let sends_before = app.sim_sends().await.len();
    let refused = app.send(&t, &conversation, template("spring_sale")).await;
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "OPTED_OUT");
    assert!(body["error"]["message"].as_str().unwrap().contains("spring_sale"));
    // A utility template and a session reply still go.
    assert_eq!(app.send(&t, &conversation, template("order_update")).await.status(), 201);
    assert_eq!(app.send(&t, &conversation, json!({"type": "text", "text": {"body": "hi"}})).await.status(), 201);
    eventually("two sends", WAIT, || async { (app.sim_sends().await.len() == sends_before + 2).then_some(()) }).await;
    assert!(!app.sim_sends().await.iter().any(|b| b["template"]["name"] == "spring_sale"));
}

#[actix_rt::test]
async fn a_deleted_agents_open_socket_is_closed_and_sends_nothing() {
    use futures::StreamExt;
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conversation = app.open_conversation(&t, "15550010001").await;
    let agent = app.add_user(&t, "agent").await;
    let mut socket = app.socket(&agent.token).await;
    let res = app.http.delete(app.url(&format!("/api/v1/users/{}", agent.user_id))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(res.status(), 204);
    // Closed with the revocation code within 5 seconds.
    let close = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match socket.stream.next().await {
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(frame))) => return frame,
                Some(Ok(_)) => continue,
                _ => return None,
            }
        }
    })
    .await
    .expect("the socket was not closed within 5 s")
    .expect("closed without a reason");
    assert_eq!(u16::from(close.code), 4401);
    assert!(close.reason.starts_with("session revoked"), "{}", close.reason);
    // Whatever it still sends reaches nobody.
    use futures::SinkExt;
    let frame = json!({"event": "message:send", "data": {"conversation_id": conversation, "client_id": "late", "type": "text", "text": {"body": "still here"}}});
    let _ = socket.stream.send(tokio_tungstenite::tungstenite::Message::Text(frame.to_string())).await;
    // The admin's message in the same conversation, sent after it, arrives;
    // the dead socket's never does.
    assert_eq!(app.send(&t, &conversation, json!({"type": "text", "text": {"body": "after the revocation"}})).await.status(), 201);
    eventually("the admin's message", WAIT, || async {
        app.sim_sends().await.iter().any(|b| b["text"]["body"] == "after the revocation").then_some(())
    })
    .await;
    settled(&app).await;
    assert!(!app.sim_sends().await.iter().any(|b| b["text"]["body"] == "still here"));
    // And its access token is dead at once.
    assert_eq!(app.get(&agent, "/api/v1/auth/me").await.0, 401);
}

#[actix_rt::test]
async fn access_tokens_die_at_logout_and_at_a_role_change() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let agent = app.add_user(&t, "agent").await;
    assert_eq!(app.get(&agent, "/api/v1/auth/me").await.0, 200);
    let out = app.post_json(&agent.token, "/api/v1/auth/logout", json!({"refresh_token": agent.refresh})).await;
    assert_eq!(out.status(), 204);
    let (status, body) = app.get(&agent, "/api/v1/auth/me").await;
    assert_eq!(status, 401, "the access token outlived its logout: {body}");

    // A role change: the old token (role agent) is refused; a refresh carries the new role.
    let agent2 = app.add_user(&t, "agent").await;
    let res = app.patch_json(&t.token, &format!("/api/v1/users/{}", agent2.user_id), &json!({"role": "tenant_admin"})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.get(&agent2, "/api/v1/auth/me").await.0, 401);
    let refreshed: Value = app.post_json("", "/api/v1/auth/refresh", json!({"refresh_token": agent2.refresh})).await.json().await.unwrap();
    assert_eq!(refreshed["user"]["role"], "tenant_admin");
    let fresh = Tenant { token: refreshed["access_token"].as_str().unwrap().to_owned(), ..agent2 };
    assert_eq!(app.get(&fresh, "/api/v1/api-keys").await.0, 200, "the new role applies at once");
}

#[actix_rt::test]
async fn agents_see_only_what_they_may_see_notes_runs_and_replays() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let a = app.add_user(&t, "agent").await;
    let b = app.add_user(&t, "agent").await;
    let conversation = app.open_conversation(&t, "15550011001").await;
    // Assigned to agent A: agent B may not see it.
    let res = app.patch_json(&t.token, &format!("/api/v1/conversations/{conversation}"), &json!({"assignee_id": a.user_id})).await;
    assert_eq!(res.status(), 200);
    let mut b_socket = app.socket(&b.token).await;
    let mut a_socket = app.socket(&a.token).await;
    let note =
        app.post_json(&t.token, &format!("/api/v1/conversations/{conversation}/notes"), json!({"body": "VIP: refund approved"})).await;
    assert_eq!(note.status(), 201);
    a_socket.expect("notification", |d| d["kind"] == "note" && d["note"]["body"] == "VIP: refund approved").await;
    let leaked = b_socket.drain(Duration::from_millis(700)).await;
    assert!(!leaked.iter().any(|f| f.to_string().contains("refund approved")), "note leaked to another agent: {leaked:?}");
    assert_eq!(app.get(&b, &format!("/api/v1/conversations/{conversation}/notes")).await.0, 404);

    // A's message with a client id: B cannot fetch it back through the idempotency key.
    let sent = app.send(&a, &conversation, json!({"type": "text", "text": {"body": "private reply"}, "client_id": "cid-private"})).await;
    assert_eq!(sent.status(), 201);
    let other = app.open_conversation(&t, "15550011002").await;
    let replay = app.send(&b, &conversation, json!({"type": "text", "text": {"body": "x"}, "client_id": "cid-private"})).await;
    assert_eq!(replay.status(), 404, "B cannot address A's conversation");
    let elsewhere = app.send(&b, &other, json!({"type": "text", "text": {"body": "x"}, "client_id": "cid-private"})).await;
    assert_eq!(elsewhere.status(), 409, "a key used in another conversation is refused, not answered with its message");
    assert!(!elsewhere.text().await.unwrap().contains("private reply"));

    // Flow executions: B sees no run of A's conversation.
    let flow: Value = app
        .post_json(
            &t.token,
            "/api/v1/flows",
            json!({"name": "hello", "trigger_type": "manual", "flow_data": {"nodes": [
        {"id": "m", "type": "message", "data": {"start": true, "text": "hello"}}], "edges": []}}),
        )
        .await
        .json()
        .await
        .unwrap();
    activate(&app, &t, &flow).await;
    let fid = flow["id"].as_str().unwrap();
    let started = app.post_json(&t.token, &format!("/api/v1/flows/{fid}/start"), json!({"conversation_id": conversation})).await;
    assert_eq!(started.status(), 201);
    eventually("the run recorded", WAIT, || async {
        let (_, runs) = app.get(&t, &format!("/api/v1/flows/{fid}/executions")).await;
        (runs["data"].as_array().unwrap().len() == 1).then_some(())
    })
    .await;
    let (_, for_b) = app.get(&b, &format!("/api/v1/flows/{fid}/executions")).await;
    assert_eq!(for_b["data"].as_array().unwrap().len(), 0, "{for_b}");
    let (_, for_a) = app.get(&a, &format!("/api/v1/flows/{fid}/executions")).await;
    assert_eq!(for_a["data"].as_array().unwrap().len(), 1);
}

#[actix_rt::test]
async fn the_server_runs_as_a_role_that_owns_nothing_and_cannot_bypass_row_security() {
    let app = spawn_app().await;
    let pool = app.app_pool().await;
    let (user, bypass, superuser): (String, bool, bool) =
        sqlx::query_as("SELECT current_user::text, rolbypassrls, rolsuper FROM pg_roles WHERE rolname = current_user")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(user, "whatsflow_app");
    assert!(!bypass && !superuser);
    let owned: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = 'whatsflow_app')")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(owned, 0, "the app role owns nothing");
    let unforced: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
         WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace AND NOT (c.relrowsecurity AND c.relforcerowsecurity)",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    assert!(unforced.is_empty(), "tenant tables without FORCE ROW LEVEL SECURITY: {unforced:?}");
    let public_definers: Vec<String> = sqlx::query_scalar(
        "SELECT p.proname::text FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef
           AND has_function_privilege('public', p.oid, 'EXECUTE')",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    assert!(public_definers.is_empty(), "definer functions anyone may call: {public_definers:?}");
    // Without a tenant, the app role sees nothing.
    let t = app.register("Acme").await;
    assert_eq!(app.get(&t, "/api/v1/users").await.0, 200);
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&pool).await.unwrap();
    assert_eq!(seen, 0);
}

#[actix_rt::test]
async fn definer_functions_trust_no_table_a_session_puts_in_its_temporary_schema() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let email: String =
        sqlx::query_scalar("SELECT email FROM users WHERE id = $1::uuid").bind(&t.user_id).fetch_one(&app.owner).await.unwrap();
    // A session of the app role forges the tables two definer functions
    // read past row security: the sign-in lookup and the WABA routing.
    let pool = app.app_pool().await;
    let mut session = pool.acquire().await.unwrap();
    for forge in [
        "CREATE TEMP TABLE users (id uuid, tenant_id uuid, password_hash text, locked_until timestamptz, totp_enabled_at timestamptz, email text)",
        "CREATE TEMP TABLE waba_owners (waba_id text, tenant_id uuid)",
    ] {
        sqlx::query(forge).execute(&mut *session).await.unwrap();
    }
    sqlx::query("INSERT INTO pg_temp.users VALUES (gen_random_uuid(), $1::uuid, 'forged', NULL, NULL, $2)")
        .bind(&t.tenant_id)
        .bind(&email)
        .execute(&mut *session)
        .await
        .unwrap();
    sqlx::query("INSERT INTO pg_temp.waba_owners VALUES ('waba-of-someone-else', $1::uuid)")
        .bind(&t.tenant_id)
        .execute(&mut *session)
        .await
        .unwrap();
    let found: Vec<(uuid::Uuid, String)> =
        sqlx::query_as("SELECT id, password_hash FROM auth_user_by_email($1)").bind(&email).fetch_all(&mut *session).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0.to_string(), t.user_id, "the real user, not the forged one");
    assert_ne!(found[0].1, "forged");
    let routed: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT tenant_id FROM route_waba('waba-of-someone-else')").fetch_all(&mut *session).await.unwrap();
    assert!(routed.is_empty(), "a forged WABA owner was trusted: {routed:?}");
    // Every definer function, including ones later migrations add, keeps
    // the temporary schema last.
    let unsafe_definers: Vec<String> = sqlx::query_scalar(
        "SELECT p.proname::text FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef
           AND NOT coalesce('search_path=public, pg_temp' = ANY(p.proconfig), false)",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    assert!(unsafe_definers.is_empty(), "definer functions searching pg_temp first: {unsafe_definers:?}");
}

#[actix_rt::test]
async fn responses_carry_security_headers_and_errors_a_request_id() {
    let app = spawn_app().await;
    let res = app.http.get(app.url("/api/v1/conversations")).header("X-Request-Id", "trace-me-42").send().await.unwrap();
    assert_eq!(res.status(), 401);
    let h = res.headers().clone();
    assert_eq!(h["x-request-id"], "trace-me-42");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{csp}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["request_id"], "trace-me-42");
    // Without one, the server makes one and names it in both places.
    let res = app.http.get(app.url("/api/v1/nothing-here")).send().await.unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["request_id"], id.as_str());
}

#[actix_rt::test]
async fn stored_secrets_rotate_to_a_new_master_key() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let new_key = [7u8; 32];
    let rotating = whatsflow::crypto::SecretBox::with_previous(&new_key, &[MASTER_KEY]);
    let report = whatsflow::rotate::rotate(&app.db_url, &rotating).await.unwrap();
    assert_eq!(report.resealed, 1);
    let channel: String = sqlx::query_scalar("SELECT id::text FROM channels").fetch_one(&app.owner).await.unwrap();
    let again = whatsflow::rotate::rotate(&app.db_url, &rotating).await.unwrap();
    assert_eq!((again.resealed, again.current), (0, 1), "a second rotation has nothing to do");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT access_token_enc FROM channels").fetch_one(&app.owner).await.unwrap();
    let tenant = whatsflow_actors::ids::TenantId(t.tenant_id.parse().unwrap());
    let context = whatsflow::crypto::Sealed::AccessToken.context(tenant, &channel);
    assert_eq!(whatsflow::crypto::SecretBox::new(&new_key).open(&stored, &context).unwrap(), ACCESS_TOKEN);
    assert!(whatsflow::crypto::SecretBox::new(&MASTER_KEY).open(&stored, &context).is_err(), "the old key no longer opens it");
}

#[actix_rt::test]
async fn settled_inbox_rows_and_stale_held_events_are_purged_after_the_retention() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let stored = app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15550012001", "wamid.keep", "hi")).await;
    eventually("stored", WAIT, || async { app.message_by_wamid(&t, "wamid.keep").await }).await;
    // A status for a message that never came is held.
    let held = app.post_webhook_ok(fixture("status_delivered.json")).await;
    eventually("held", WAIT, || async { (app.count("held_events").await == 1).then_some(()) }).await;
    // Two POSTs for a number no one connected: kept, with their notes.
    for wamid in ["wamid.unrouted.1", "wamid.unrouted.2"] {
        app.post_webhook_ok(text_webhook("909090909090", "15550012002", wamid, "anyone?")).await;
    }
    eventually("settled", WAIT, || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_inbox WHERE processed_at IS NOT NULL AND notes <> '[]'")
            .fetch_one(&app.owner)
            .await
            .unwrap();
        (n == 2 && app.count("webhook_inbox").await == 2).then_some(())
    })
    .await;
    // The POSTs whose events were stored (a message, a held status) left no raw row.
    let ids = [stored["inbox_id"].as_i64().unwrap(), held["inbox_id"].as_i64().unwrap()];
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM webhook_inbox WHERE id = ANY($1)").bind(&ids[..]).fetch_one(&app.owner).await.unwrap();
    assert_eq!(left, 0, "a fully stored POST keeps no raw body");
    // One noted row ages past 30 days; an unsettled old row stays.
    sqlx::query("UPDATE webhook_inbox SET processed_at = now() - interval '31 days' WHERE id = (SELECT min(id) FROM webhook_inbox)")
        .execute(&app.owner)
        .await
        .unwrap();
    sqlx::query("INSERT INTO webhook_inbox (body, received_at, next_attempt_at) VALUES ('{}', now() - interval '40 days', now() + interval '1 day')")
        .execute(&app.owner)
        .await
        .unwrap();
    sqlx::query("UPDATE held_events SET created_at = now() - interval '31 days'").execute(&app.owner).await.unwrap();
    let pool = app.app_pool().await;
    let (inbox, held) = whatsflow::store::retention::purge(&pool, whatsflow::config::DEFAULT_RETENTION).await.unwrap();
    assert_eq!((inbox, held), (1, 1));
    assert_eq!(app.count("webhook_inbox").await, 2, "the recent noted row and the unsettled one are kept");
    assert_eq!(app.count("held_events").await, 0);
    assert!(app.message_by_wamid(&t, "wamid.keep").await.is_some(), "messages are not touched");
}

#[actix_rt::test]
async fn caches_report_their_sizes() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    app.open_conversation(&t, "15550013001").await;
    let text = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    for name in [
        "whatsflow_contacts_cached",
        "whatsflow_session_cache_entries",
        "whatsflow_flow_version_cache_entries",
        "whatsflow_dead_letters_total",
    ] {
        assert!(text.contains(name), "{name} missing from /metrics");
    }
    let cached: i64 = text.lines().find_map(|l| l.strip_prefix("whatsflow_contacts_cached ")).unwrap().trim().parse().unwrap();
    assert!(cached >= 1);
}

#[actix_rt::test]
async fn flow_data_is_bounded_when_saved() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let huge_delay = json!({"name": "forever", "trigger_type": "manual", "flow_data": {"nodes": [
        {"id": "wait", "type": "delay", "data": {"start": true, "seconds": 9_000_000_000_u64}}], "edges": []}});
    let res = app.post_json(&t.token, "/api/v1/flows", huge_delay).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "FLOW_INVALID");
    assert_eq!(body["error"]["details"][0]["node_id"], "wait", "{body}");
    let many_retries = json!({"name": "nag", "trigger_type": "manual", "flow_data": {"nodes": [
        {"id": "ask", "type": "input", "data": {"start": true, "prompt": "?", "variable": "v", "retries": 1000, "timeout_seconds": 99_999_999}}], "edges": []}});
    let res = app.post_json(&t.token, "/api/v1/flows", many_retries).await;
    assert_eq!(res.status(), 422);
    let bad_regex = json!({"name": "re", "trigger_type": "manual", "flow_data": {"nodes": [
        {"id": "c", "type": "condition", "data": {"start": true, "rules": [{"field": "message.text", "operator": "regex", "value": "(unclosed", "handle": "h"}]}},
        {"id": "e", "type": "end", "data": {}}], "edges": [{"id": "1", "source": "c", "target": "e", "sourceHandle": "else"}]}});
    let res = app.post_json(&t.token, "/api/v1/flows", bad_regex).await;
    assert_eq!(res.status(), 422);
    // Too big to be a flow anyone draws.
    let nodes: Vec<Value> =
        (0..600).map(|i| json!({"id": format!("n{i}"), "type": "message", "data": {"text": "x".repeat(900)}})).collect();
    let res = app
        .post_json(&t.token, "/api/v1/flows", json!({"name": "big", "trigger_type": "manual", "flow_data": {"nodes": nodes, "edges": []}}))
        .await;
    assert!(res.status() == 413 || res.status() == 422, "{}", res.status());
    assert_eq!(app.count("flows").await, 0, "nothing was saved");
}

#[actix_rt::test]
async fn a_bot_cannot_send_a_marketing_template_to_an_opted_out_contact() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let res = app
        .post_json(
            &t.token,
            "/api/v1/templates",
            json!({"name": "flash_sale", "language": "en", "category": "MARKETING",
        "components": [{"type": "BODY", "text": "Hello {{1}}, 20% off today.", "example": {"body_text": [["Asha"]]}}]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let flow: Value = app
        .post_json(
            &t.token,
            "/api/v1/flows",
            json!({"name": "promo", "trigger_type": "keyword", "trigger_value": "deals", "flow_data": {"nodes": [
        {"id": "t", "type": "template", "data": {"start": true, "name": "flash_sale", "language": "en",
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "{{contact.name}}"}]}]}}], "edges": []}}),
        )
        .await
        .json()
        .await
        .unwrap();
    activate(&app, &t, &flow).await;
    let created: Value = app
        .post_json(&t.token, "/api/v1/contacts", json!({"phone": "+15550014001", "name": "Asha", "opted_in": false}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(created["opted_in"], false);
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "15550014001", "wamid.deals", "deals")).await;
    let fid = flow["id"].as_str().unwrap();
    let run = eventually("the run ended", WAIT, || async {
        let (_, runs) = app.get(&t, &format!("/api/v1/flows/{fid}/executions")).await;
        runs["data"].as_array().and_then(|a| a.first().cloned()).filter(|r| r["status"] == "failed")
    })
    .await;
    assert!(run["error"].as_str().unwrap().contains("OPTED_OUT"), "{run}");
    assert!(!app.sim_sends().await.iter().any(|b| b["template"]["name"] == "flash_sale"));
}

#[actix_rt::test]
async fn an_import_that_breaks_off_imports_nothing() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    // 1,100 rows of 10 KB: past the 10 MB limit midway, after many valid rows.
    let mut csv = String::from("phone,name,notes\n");
    for i in 0..1100 {
        csv.push_str(&format!("+1415666{i:04},Name {i},{}\n", "x".repeat(10_000)));
    }
    let res = app.http.post(app.url("/api/v1/contacts/import")).bearer_auth(&t.token).body(csv).send().await.unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(app.count("contacts").await, 0, "nothing of a refused file is imported");
}

#[actix_rt::test]
async fn agents_cannot_redirect_a_contacts_replies_or_consent() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conversation = app.open_conversation(&t, "15550015001").await;
    let (_, conv) = app.get(&t, &format!("/api/v1/conversations/{conversation}")).await;
    let contact = conv["contact"]["id"].as_str().unwrap().to_owned();
    let a = app.add_user(&t, "agent").await;
    let b = app.add_user(&t, "agent").await;
    for body in [json!({"phone": "+15550099999"}), json!({"opted_in": false})] {
        let res = app.patch_json(&a.token, &format!("/api/v1/contacts/{contact}"), &body).await;
        assert_eq!(res.status(), 403, "{body}");
    }
    // Names and tags are theirs to keep tidy.
    let res = app.patch_json(&a.token, &format!("/api/v1/contacts/{contact}"), &json!({"name": "Asha K"})).await;
    assert_eq!(res.status(), 200);
    // A contact's conversations are listed only where the agent may see them.
    let res = app.patch_json(&t.token, &format!("/api/v1/conversations/{conversation}"), &json!({"assignee_id": a.user_id})).await;
    assert_eq!(res.status(), 200);
    let (_, seen_by_b) = app.get(&b, &format!("/api/v1/contacts/{contact}")).await;
    assert_eq!(seen_by_b["conversations"].as_array().unwrap().len(), 0);
    let (_, seen_by_a) = app.get(&a, &format!("/api/v1/contacts/{contact}")).await;
    assert_eq!(seen_by_a["conversations"].as_array().unwrap().len(), 1);
}

#[actix_rt::test]
async fn changing_your_own_password_needs_the_current_one() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let agent = app.add_user(&t, "agent").await;
    let path = format!("/api/v1/users/{}", agent.user_id);
    let without = app.patch_json(&agent.token, &path, &json!({"password": "brand-new-pass"})).await;
    assert_eq!(without.status(), 400);
    assert_eq!(without.json::<Value>().await.unwrap()["error"]["code"], "CURRENT_PASSWORD_REQUIRED");
    let wrong = app.patch_json(&agent.token, &path, &json!({"password": "brand-new-pass", "current_password": "not-it-at-all"})).await;
    assert_eq!(wrong.status(), 403);
    let right = app.patch_json(&agent.token, &path, &json!({"password": "brand-new-pass", "current_password": "team-password-1"})).await;
    assert_eq!(right.status(), 200);
    // An admin resetting someone else's needs no current password.
    let reset = app.patch_json(&t.token, &path, &json!({"password": "admin-set-pass"})).await;
    assert_eq!(reset.status(), 200);
}

#[actix_rt::test]
async fn agents_do_not_see_the_credentials_flows_send_to_apis() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let agent = app.add_user(&t, "agent").await;
    let flow: Value = app.post_json(&t.token, "/api/v1/flows", json!({"name": "crm", "trigger_type": "manual", "flow_data": {"nodes": [
        {"id": "a", "type": "api", "data": {"start": true, "method": "GET", "url": "https://crm.example.com/x", "headers": {"Authorization": "Bearer crm-secret-123"}}}],
        "edges": []}}))
    .await
    .json()
    .await
    .unwrap();
    let id = flow["id"].as_str().unwrap();
    let (_, admin_view) = app.get(&t, &format!("/api/v1/flows/{id}")).await;
    assert!(admin_view.to_string().contains("crm-secret-123"), "admins edit it");
    let (s1, one) = app.get(&agent, &format!("/api/v1/flows/{id}")).await;
    let (s2, all) = app.get(&agent, "/api/v1/flows").await;
    assert_eq!((s1, s2), (200, 200), "agents may read flows");
    assert_eq!(one["flow_data"]["nodes"][0]["data"]["headers"]["Authorization"], "••••••", "{one}");
    assert!(!one.to_string().contains("crm-secret-123") && !all.to_string().contains("crm-secret-123"));
}
