//! The audit log against the real server: what is written (sign-ins,
//! failed sign-ins, team and key changes, channel credentials, plan changes
//! and suspension, exports), who reads it (an account's admins their own,
//! operators all), and a tampered row found by the verification.

use crate::helpers::*;
use serde_json::{json, Value};

async fn audit(app: &TestApp, token: &str, path: &str) -> Value {
    let res = app.http.get(app.url(path)).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn actions(v: &Value) -> Vec<String> {
    v["data"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap().to_owned()).collect()
}

#[actix_rt::test]
async fn what_people_do_is_chained_in_their_accounts_log_and_tampering_is_found() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let other = app.register("Globex").await;
    let email = app.get(&t, "/api/v1/auth/me").await.1["email"].as_str().unwrap().to_owned();
    // A failed and a good sign-in.
    let bad =
        app.http.post(app.url("/api/v1/auth/login")).json(&json!({"email": email, "password": "wrong-password-1"})).send().await.unwrap();
    assert_eq!(bad.status(), 401);
    let ok =
        app.http.post(app.url("/api/v1/auth/login")).json(&json!({"email": email, "password": "correct-horse-1"})).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    // The team, a key, a number, an export.
    let agent = app
        .post_json(
            &t.token,
            "/api/v1/users",
            &json!({"email": "ann@acme.test", "password": "agent-password", "name": "Ann", "role": "agent"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.patch_json(&t.token, &format!("/api/v1/users/{agent}"), &json!({"role": "tenant_admin"})).await.status(), 200);
    let key = app.post_json(&t.token, "/api/v1/api-keys", &json!({"name": "CRM"})).await.json::<Value>().await.unwrap();
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    assert_eq!(app.http.get(app.url("/api/v1/contacts/export")).bearer_auth(&t.token).send().await.unwrap().status(), 200);

    let log = audit(&app, &t.token, "/api/v1/audit").await;
    assert_eq!(
        actions(&log),
        ["contacts.exported", "channel.connected", "api_key.created", "user.changed", "user.created", "auth.login", "auth.login_failed"]
    );
    let rows = log["data"].as_array().unwrap();
    assert_eq!(rows[3]["after"], json!({"role": "tenant_admin", "password_changed": false}));
    assert_eq!(rows[6]["actor_kind"], "anonymous");
    assert!(rows.iter().all(|r| r["request_id"].is_string() && r["ip"] == "127.0.0.1"), "{log}");
    // Never a secret in it.
    let text = log.to_string();
    assert!(!text.contains(key["key"].as_str().unwrap()) && !text.contains(ACCESS_TOKEN) && !text.contains("agent-password"));
    // Another account's admins see none of it; agents are refused.
    assert!(actions(&audit(&app, &other.token, "/api/v1/audit").await).iter().all(|a| a != "api_key.created"));
    let bob = app.add_user(&t, "agent").await;
    assert_eq!(app.http.get(app.url("/api/v1/audit")).bearer_auth(&bob.token).send().await.unwrap().status(), 403);

    assert_eq!(audit(&app, &t.token, "/api/v1/audit/verify").await, json!({"valid": true}));
    // Someone with the database's keys edits a row: the chain shows where.
    let id = rows[4]["id"].as_i64().unwrap();
    sqlx::query("UPDATE audit_log SET after = '{\"email\": \"someone@else.test\", \"role\": \"agent\"}' WHERE id = $1")
        .bind(id)
        .execute(&app.owner)
        .await
        .unwrap();
    assert_eq!(audit(&app, &t.token, "/api/v1/audit/verify").await, json!({"valid": false, "first_bad_id": id}));
    // The other account's chain is its own, and intact.
    assert_eq!(audit(&app, &other.token, "/api/v1/audit/verify").await, json!({"valid": true}));
    // The app itself can only append.
    let pool = app.app_pool().await;
    assert!(sqlx::query("DELETE FROM audit_log").execute(&pool).await.is_err());
    assert!(sqlx::query("UPDATE audit_log SET action = 'x'").execute(&pool).await.is_err());
}

#[actix_rt::test]
async fn operators_changes_land_in_the_tenants_log_and_operators_read_every_account() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let email = format!("op-{}@platform.test", uuid::Uuid::new_v4().simple());
    let hash = whatsflow::auth::password::hash("operator-password").unwrap();
    whatsflow::store::repo::Db::new(app.app_pool().await).admin().create_super_admin(&email, "Op", &hash).await.unwrap();
    let op =
        app.http.post(app.url("/api/v1/auth/login")).json(&json!({"email": email, "password": "operator-password"})).send().await.unwrap();
    let op = op.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned();
    let res = app.patch_json(&op, &format!("/api/v1/admin/tenants/{}", t.tenant_id), &json!({"plan": "starter"})).await;
    assert_eq!(res.status(), 200);
    let res = app.patch_json(&op, "/api/v1/admin/plans/starter", &json!({"price_monthly_minor": 109900})).await;
    assert_eq!(res.status(), 200);
    let mine = audit(&app, &t.token, "/api/v1/audit").await;
    assert_eq!(mine["data"][0]["action"], "tenant.plan_changed");
    assert_eq!(mine["data"][0]["before"]["plan"], "enterprise");
    assert_eq!(mine["data"][0]["after"]["plan"], "starter");
    // The operator reads every account, the platform's own rows included.
    let all = audit(&app, &op, "/api/v1/audit?limit=50").await;
    let acts = actions(&all);
    assert!(acts.contains(&"plan.changed".to_owned()) && acts.contains(&"tenant.plan_changed".to_owned()), "{acts:?}");
    assert_eq!(audit(&app, &op, "/api/v1/audit/verify").await, json!({"valid": true}));
}
