//! Connecting numbers: secrets in encrypted, never out; roles; conflicts.

use crate::helpers::*;
use serde_json::{json, Value};

#[actix_rt::test]
async fn channel_secrets_are_encrypted_and_never_returned() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let created = app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let text = created.to_string();
    assert!(!text.contains("EAAG-secret-access-token"), "token echoed: {text}");
    assert_eq!(created["phone_number_id"], PHONE_NUMBER_ID);
    let (s, list) = app.get(&t, "/api/v1/channels").await;
    assert_eq!(s, 200);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains("EAAG"));
    let stored: Vec<u8> = sqlx::query_scalar("SELECT access_token_enc FROM channels").fetch_one(&app.owner).await.unwrap();
    assert!(!stored.windows(4).any(|w| w == b"EAAG"), "token stored in clear");
    let tenant = whatsflow_actors::ids::TenantId(t.tenant_id.parse().unwrap());
    let channel_id = created["id"].as_str().unwrap();
    let context = whatsflow::crypto::Sealed::AccessToken.context(tenant, channel_id);
    let opened = whatsflow::crypto::SecretBox::new(&MASTER_KEY).open(&stored, &context).unwrap();
    assert_eq!(opened, "EAAG-secret-access-token");
    // Bound to its row: the same ciphertext does not open as another tenant's.
    let elsewhere = whatsflow::crypto::Sealed::AccessToken.context(whatsflow_actors::ids::TenantId::generate(), channel_id);
    assert!(whatsflow::crypto::SecretBox::new(&MASTER_KEY).open(&stored, &elsewhere).is_err());

    // Same number again without its token: Meta does not confirm it.
    let other = app.register("Beta").await;
    let dup = app
        .post_json(
            &other.token,
            "/api/v1/channels",
            &json!({"phone_number_id": PHONE_NUMBER_ID, "display_phone_number": "+1", "waba_id": WABA_ID, "access_token": "x"}),
        )
        .await;
    assert_eq!(dup.status(), 422);
    assert_eq!(dup.json::<Value>().await.unwrap()["error"]["code"], "CHANNEL_NOT_VERIFIED");
    // Even with the real token, the number (and its WABA) stay with their first account.
    let dup = app
        .post_json(
            &other.token,
            "/api/v1/channels",
            &json!({"phone_number_id": PHONE_NUMBER_ID, "display_phone_number": "+1", "waba_id": WABA_ID, "access_token": ACCESS_TOKEN}),
        )
        .await;
    assert_eq!(dup.status(), 409);
    assert_eq!(dup.json::<Value>().await.unwrap()["error"]["code"], "WABA_IN_USE");

    // Update, then delete: webhooks for it become unrouted.
    let id = created["id"].as_str().unwrap();
    let patched: Value =
        app.patch_json(&t.token, &format!("/api/v1/channels/{id}"), &json!({"name": "Support"})).await.json().await.unwrap();
    assert_eq!(patched["name"], "Support");
    let bad = app
        .post_json(
            &t.token,
            "/api/v1/channels",
            &json!({"phone_number_id": "abc", "display_phone_number": "+1", "waba_id": "1", "access_token": "x"}),
        )
        .await;
    assert_eq!(bad.status(), 400);
    assert!(bad.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().contains("phone_number_id"));
    assert_eq!(app.http.delete(app.url(&format!("/api/v1/channels/{id}"))).bearer_auth(&t.token).send().await.unwrap().status(), 204);
    assert_eq!(app.get(&t, &format!("/api/v1/channels/{id}")).await.0, 404);
}

#[actix_rt::test]
async fn agents_cannot_connect_numbers() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    // An agent of the same tenant (created directly until the users API lands).
    let agent_id = uuid::Uuid::now_v7();
    let hash = whatsflow::auth::password::hash("agent-password-1").unwrap();
    sqlx::query(
        "INSERT INTO users (id, tenant_id, email, name, password_hash, role) VALUES ($1, $2, 'agent@acme.test', 'Agent', $3, 'agent')",
    )
    .bind(agent_id)
    .bind(uuid::Uuid::parse_str(&t.tenant_id).unwrap())
    .bind(hash)
    .execute(&app.owner)
    .await
    .unwrap();
    let login: Value = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "agent@acme.test", "password": "agent-password-1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(login["user"]["role"], "agent");
    let res = app
        .http
        .post(app.url("/api/v1/channels"))
        .bearer_auth(login["access_token"].as_str().unwrap())
        .json(&json!({"phone_number_id": "123", "display_phone_number": "+1", "waba_id": "1", "access_token": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "FORBIDDEN");
}

#[actix_rt::test]
async fn a_new_token_is_checked_with_meta_before_it_replaces_the_old_one() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let created = app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let id = created["id"].as_str().unwrap();
    let stored_token = || async {
        let sealed: Vec<u8> = sqlx::query_scalar("SELECT access_token_enc FROM channels").fetch_one(&app.owner).await.unwrap();
        let tenant = whatsflow_actors::ids::TenantId(t.tenant_id.parse().unwrap());
        let context = whatsflow::crypto::Sealed::AccessToken.context(tenant, id);
        whatsflow::crypto::SecretBox::new(&MASTER_KEY).open(&sealed, &context).unwrap()
    };
    // A token Meta does not accept for this number: refused, the old one kept.
    let bad = app.patch_json(&t.token, &format!("/api/v1/channels/{id}"), json!({"access_token": "EAAG-not-this-one"})).await;
    assert_eq!(bad.status(), 422);
    assert_eq!(bad.json::<Value>().await.unwrap()["error"]["code"], "CHANNEL_NOT_VERIFIED");
    assert_eq!(stored_token().await, ACCESS_TOKEN);
    // Moving the number to a WABA it does not belong to: refused too.
    let moved = app.patch_json(&t.token, &format!("/api/v1/channels/{id}"), json!({"waba_id": "999999999999"})).await;
    assert_eq!(moved.status(), 422);
    // The business rotates its token at Meta, then here: checked, stored, and sends go on.
    let mut rotated = sim_number(PHONE_NUMBER_ID);
    rotated.access_token = "EAAG-rotated-token".into();
    app.sim.state.register_number(rotated);
    let ok = app.patch_json(&t.token, &format!("/api/v1/channels/{id}"), json!({"access_token": "EAAG-rotated-token"})).await;
    assert_eq!(ok.status(), 200);
    assert!(!ok.text().await.unwrap().contains("EAAG"), "the token is never echoed");
    assert_eq!(stored_token().await, "EAAG-rotated-token");
    let conversation = app.open_conversation(&t, "15550030001").await;
    assert_eq!(app.send(&t, &conversation, json!({"type": "text", "text": {"body": "after the rotation"}})).await.status(), 201);
    eventually("the send after the rotation at Meta", WAIT, || async {
        app.sim_sends().await.iter().any(|b| b["text"]["body"] == "after the rotation").then_some(())
    })
    .await;
}
