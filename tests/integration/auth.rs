//! Register, login, refresh rotation, logout, me; tokens that are wrong.

use crate::helpers::*;
use serde_json::{json, Value};

#[actix_rt::test]
async fn register_login_refresh_and_me() {
    let app = spawn_app().await;
    let email = "asha@acme.test";
    let reg = app
        .http
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"tenant_name": "Acme", "name": "Asha", "email": email, "password": "correct-horse-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reg.status(), 201);
    let reg: Value = reg.json().await.unwrap();
    assert_eq!(reg["user"]["role"], "tenant_admin");
    assert_eq!(reg["expires_in"], 900);
    assert!(reg["user"].get("password_hash").is_none());

    let again = app
        .http
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"tenant_name": "X", "name": "Y", "email": "ASHA@acme.test", "password": "correct-horse-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    assert_eq!(again.json::<Value>().await.unwrap()["error"]["code"], "EMAIL_TAKEN");

    let wrong = app.http.post(app.url("/api/v1/auth/login")).json(&json!({"email": email, "password": "nope-nope"})).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let wrong: Value = wrong.json().await.unwrap();
    assert_eq!(wrong["error"]["code"], "INVALID_CREDENTIALS");
    assert!(wrong.get("access_token").is_none());
    let nobody = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "ghost@acme.test", "password": "whatever1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(nobody.status(), 401);

    let login: Value = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": "correct-horse-1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = login["access_token"].as_str().unwrap();
    let me: Value = app.http.get(app.url("/api/v1/auth/me")).bearer_auth(access).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["email"], email);
    assert_eq!(me["name"], "Asha");

    // Refresh rotates: the new pair works, the old refresh token is dead, and
    // replaying it revokes the whole family.
    let old = login["refresh_token"].as_str().unwrap();
    let r1 = app.http.post(app.url("/api/v1/auth/refresh")).json(&json!({"refresh_token": old})).send().await.unwrap();
    assert_eq!(r1.status(), 200);
    let r1: Value = r1.json().await.unwrap();
    assert_ne!(r1["refresh_token"], old);
    let replay = app.http.post(app.url("/api/v1/auth/refresh")).json(&json!({"refresh_token": old})).send().await.unwrap();
    assert_eq!(replay.status(), 401);
    let after = app.http.post(app.url("/api/v1/auth/refresh")).json(&json!({"refresh_token": r1["refresh_token"]})).send().await.unwrap();
    assert_eq!(after.status(), 401, "reuse of a dead token revokes its successors");

    // Logout kills a refresh token.
    let l2: Value = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": "correct-horse-1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        app.http.post(app.url("/api/v1/auth/logout")).json(&json!({"refresh_token": l2["refresh_token"]})).send().await.unwrap().status(),
        204
    );
    assert_eq!(
        app.http.post(app.url("/api/v1/auth/refresh")).json(&json!({"refresh_token": l2["refresh_token"]})).send().await.unwrap().status(),
        401
    );
}

#[actix_rt::test]
async fn bad_tokens_and_bad_input_are_refused_clearly() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let none = app.http.get(app.url("/api/v1/auth/me")).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.json::<Value>().await.unwrap()["error"]["code"], "UNAUTHORIZED");
    assert_eq!(app.http.get(app.url("/api/v1/auth/me")).bearer_auth("garbage").send().await.unwrap().status(), 401);
    // A refresh token is not an access token.
    let res = app.http.get(app.url("/api/v1/auth/me")).bearer_auth(&t.refresh).send().await.unwrap();
    assert_eq!(res.status(), 401);
    // A token signed with another secret.
    let forged = whatsflow::auth::jwt::JwtKeys::new("some-other-secret-123")
        .issue(
            whatsflow_actors::ids::UserId(t.user_id.parse().unwrap()),
            whatsflow_actors::ids::TenantId(t.tenant_id.parse().unwrap()),
            whatsflow::auth::Role::SuperAdmin,
            0,
            whatsflow::auth::jwt::TokenKind::Access,
            uuid::Uuid::new_v4(),
        )
        .unwrap()
        .0;
    assert_eq!(app.http.get(app.url("/api/v1/auth/me")).bearer_auth(forged).send().await.unwrap().status(), 401);

    let short = app
        .http
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"tenant_name": "A", "name": "B", "email": "c@d.test", "password": "short"}))
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 400);
    let v: Value = short.json().await.unwrap();
    assert_eq!(v["error"]["code"], "VALIDATION_FAILED");
    assert!(v["error"]["message"].as_str().unwrap().contains("8 characters"));
    let bad_email = app
        .http
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"tenant_name": "A", "name": "B", "email": "nope", "password": "long-enough"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_email.status(), 400);
    let not_json = app.http.post(app.url("/api/v1/auth/login")).header("content-type", "application/json").body("{").send().await.unwrap();
    assert_eq!(not_json.status(), 400);
    assert_eq!(not_json.json::<Value>().await.unwrap()["error"]["code"], "INVALID_JSON");
    let missing = app.http.get(app.url("/api/v1/nope")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.json::<Value>().await.unwrap()["error"]["code"], "NOT_FOUND");
}

#[actix_rt::test]
async fn api_keys_authenticate_servers_with_scopes_and_record_the_sender() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conv = app.open_conversation(&t, "15550808080").await;
    let mk = |scopes: Value| {
        app.http.post(app.url("/api/v1/api-keys")).bearer_auth(&t.token).json(&json!({"name": "CRM", "scopes": scopes})).send()
    };
    let full: Value = mk(json!(["read", "write"])).await.unwrap().json().await.unwrap();
    let key = full["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("wf_"));
    let (_, listed) = app.get(&t, "/api/v1/api-keys").await;
    assert!(!listed.to_string().contains(&key), "a key is shown only once");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT key_hash FROM api_keys").fetch_one(&app.owner).await.unwrap();
    assert_eq!(stored, whatsflow::auth::api_key_hash(&key), "stored as its SHA-256");

    let with = |k: &str, method: reqwest::Method, path: &str| app.http.request(method, app.url(path)).header("X-API-Key", k.to_owned());
    assert_eq!(with(&key, reqwest::Method::GET, "/api/v1/conversations").send().await.unwrap().status(), 200);
    let sent = with(&key, reqwest::Method::POST, &format!("/api/v1/conversations/{conv}/messages"))
        .json(&json!({"type": "text", "text": {"body": "from the CRM"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);
    let sent: Value = sent.json().await.unwrap();
    assert_eq!(sent["sent_by"], json!({"kind": "api", "id": full["id"]}));

    let read_only: Value = mk(json!(["read"])).await.unwrap().json().await.unwrap();
    let ro = read_only["key"].as_str().unwrap();
    assert_eq!(with(ro, reqwest::Method::GET, "/api/v1/contacts").send().await.unwrap().status(), 200);
    let refused = with(ro, reqwest::Method::POST, &format!("/api/v1/conversations/{conv}/messages"))
        .json(&json!({"type": "text", "text": {"body": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert!(refused.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().contains("write"));
    assert_eq!(
        with(&key, reqwest::Method::POST, "/api/v1/api-keys").json(&json!({"name": "x"})).send().await.unwrap().status(),
        403,
        "a key cannot mint keys"
    );
    assert_eq!(mk(json!(["admin"])).await.unwrap().status(), 400);

    let id = full["id"].as_str().unwrap();
    assert_eq!(app.http.delete(app.url(&format!("/api/v1/api-keys/{id}"))).bearer_auth(&t.token).send().await.unwrap().status(), 204);
    assert_eq!(with(&key, reqwest::Method::GET, "/api/v1/conversations").send().await.unwrap().status(), 401);
    assert_eq!(with("wf_nonsense", reqwest::Method::GET, "/api/v1/conversations").send().await.unwrap().status(), 401);
}

#[actix_rt::test]
async fn every_documented_route_is_served_and_health_is_reported() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let doc: Value = app.http.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 30);
    // Each route's own answer (a referral link's is a redirect to the web app).
    let direct = http_client_without_redirects();
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let concrete = path
                .split('/')
                .map(|seg| if seg.starts_with('{') { "00000000-0000-0000-0000-000000000000" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let res = direct.request(m, app.url(&concrete)).bearer_auth(&t.token).send().await.unwrap();
            let status = res.status().as_u16();
            let body = res.text().await.unwrap_or_default();
            assert!(
                !(status == 404 && (body.is_empty() || body.contains("route not found"))),
                "{method} {path} is documented but not served"
            );
        }
    }
    let docs = app.http.get(app.url("/api/docs")).send().await.unwrap().text().await.unwrap();
    assert!(docs.contains("/api/v1/conversations/{id}/messages"));
    // The reference lists every documented operation, each saying who may call it.
    let operations: usize = doc["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(docs.matches("<article id=").count(), operations);
    assert_eq!(docs.matches("Who may call it: ").count(), operations);
    assert!(docs.contains("id=basics") && docs.contains("X-API-Key"), "the basics (authentication, errors, pagination) come first");
    let health: Value = app.http.get(app.url("/health")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    let metrics = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("# TYPE whatsflow_messages_stored counter"), "{metrics}");
    assert!(metrics.lines().any(|l| l.starts_with("whatsflow_messages_stored_total ")), "{metrics}");
    assert!(metrics.contains("# TYPE whatsflow_conversations_live gauge"));
    assert!(metrics.lines().any(|l| l.starts_with("whatsflow_webhook_inbox_dead ")), "{metrics}");
    assert!(metrics.ends_with("# EOF\n"), "OpenMetrics text ends with # EOF");
}

#[actix_rt::test]
async fn a_person_saves_their_interface_language() {
    let app = spawn_app().await;
    let t = app.register("Lang Ltd").await;
    let (_, me) = app.get(&t, "/api/v1/auth/me").await;
    assert!(me["language"].is_null());
    let res = app.patch_json(&t.token, "/api/v1/auth/me", serde_json::json!({"language": "ta"})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["language"], "ta");
    let (_, me) = app.get(&t, "/api/v1/auth/me").await;
    assert_eq!(me["language"], "ta");
    let res = app.patch_json(&t.token, "/api/v1/auth/me", serde_json::json!({"language": "fr"})).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("en, hi, ta, bn"));
    let res = app.patch_json(&t.token, "/api/v1/auth/me", serde_json::json!({"language": null})).await;
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["language"], serde_json::Value::Null);
}
