//! The SaaS platform against the real server: super-admins (made by the
//! command line or in the database), plans and their limits where they bite
//! (402 PLAN_LIMIT naming the upgrade, never overshot by racing requests),
//! features outside a plan (403 FEATURE_NOT_IN_PLAN), and suspension (sign-in
//! refused with how to pay, sessions and keys ended, inbound still stored).

use crate::helpers::*;
use serde_json::{json, Value};

/// A super-admin, signed in: their access token.
pub(crate) async fn operator(app: &TestApp) -> String {
    let email = format!("op-{}@platform.test", uuid::Uuid::new_v4().simple());
    let hash = whatsflow::auth::password::hash("operator-password").unwrap();
    whatsflow::store::repo::Db::new(app.app_pool().await).admin().create_super_admin(&email, "Operator", &hash).await.unwrap();
    let res =
        app.http.post(app.url("/api/v1/auth/login")).json(&json!({"email": email, "password": "operator-password"})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
}

pub(crate) async fn set_plan(app: &TestApp, op: &str, t: &Tenant, body: Value) -> Value {
    let res = app.patch_json(op, &format!("/api/v1/admin/tenants/{}", t.tenant_id), &body).await;
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{v}");
    v
}

/// Runs `whatsflow admin create-super-admin` against the test database, as an operator would.
fn create_super_admin(database_url: &str, email: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_whatsflow"))
        .args(["admin", "create-super-admin", "--email", email, "--password", "root-password-1"])
        .env("DATABASE_URL", database_url)
        .env("WHATSAPP_APP_SECRET", APP_SECRET)
        .env("WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN)
        .env("JWT_SECRET", "cli-jwt-secret-0123456789-abcdefghijklmnop")
        .env("WHATSFLOW_MASTER_KEY", hex::encode(MASTER_KEY))
        .output()
        .unwrap()
}

#[actix_rt::test]
async fn the_command_line_makes_a_super_admin_who_signs_in_to_the_console() {
    let app = spawn_app().await;
    let owner_url = app.db_url.clone();
    let email = "root@platform.test";
    let out = create_super_admin(&owner_url, email);
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("super-admin root@platform.test created"));
    let res =
        app.http.post(app.url("/api/v1/auth/login")).json(&json!({"email": email, "password": "root-password-1"})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let token = res.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned();
    let (_, me) = get_as(&app, &token, "/api/v1/auth/me").await;
    assert_eq!(me["role"], "super_admin");
    let (s, plans) = get_as(&app, &token, "/api/v1/admin/plans").await;
    assert_eq!(s, 200);
    let codes: Vec<&str> = plans["data"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["starter", "professional", "business", "enterprise"]);
    assert_eq!(plans["data"][0]["price_monthly_minor"], 99900);
    assert_eq!(plans["data"][0]["limits"]["agents"], 3);
    assert_eq!(plans["data"][3]["price_monthly_minor"], Value::Null, "enterprise is custom");
    // The same email twice is refused.
    let again = create_super_admin(&owner_url, email);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"), "{}", String::from_utf8_lossy(&again.stderr));
}

async fn get_as(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let res = app.http.get(app.url(path)).bearer_auth(token).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

#[actix_rt::test]
async fn limits_bite_with_the_upgrade_named_and_racing_additions_never_overshoot() {
    let app = spawn_app().await;
    let op = operator(&app).await;
    let t = app.register("Acme").await;
    let v = set_plan(&app, &op, &t, json!({"plan": "starter"})).await;
    assert_eq!((v["plan_code"].as_str(), v["users"].as_i64(), v["mrr_minor"].as_i64()), (Some("starter"), Some(1), Some(99900)));
    let (_, mine) = app.get(&t, "/api/v1/account/plan").await;
    assert_eq!((mine["plan"]["code"].as_str(), mine["usage"]["agents"].as_i64()), (Some("starter"), Some(1)));
    // Starter allows 3 people: one more makes 2; then 50 at once race for the last place.
    let user = |n: usize| json!({"email": format!("a{n}@acme.test"), "password": "agent-password", "name": "A", "role": "agent"});
    assert_eq!(app.post_json(&t.token, "/api/v1/users", &user(0)).await.status(), 201);
    let racing = (1..=50).map(|n| {
        let (app, t, body) = (&app, &t, user(n));
        async move {
            let res = app.post_json(&t.token, "/api/v1/users", &body).await;
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    });
    let answers = futures::future::join_all(racing).await;
    assert_eq!(answers.iter().filter(|(s, _)| *s == 201).count(), 1, "exactly one takes the last place");
    let refused: Vec<&Value> = answers.iter().filter(|(s, _)| *s == 402).map(|(_, v)| v).collect();
    assert_eq!(refused.len(), 49);
    assert_eq!(refused[0]["error"]["code"], "PLAN_LIMIT");
    assert_eq!(
        refused[0]["error"]["message"],
        "the Starter plan allows 3 team members and this account has them all; upgrade to Professional (10 team members) to add more"
    );
    let (_, users) = app.get(&t, "/api/v1/users").await;
    assert_eq!(users["data"].as_array().unwrap().len(), 3);

    // One number on Starter.
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let second = "106540352299999";
    app.sim_knows(second);
    let res = app
        .post_json(
            &t.token,
            "/api/v1/channels",
            &json!({"phone_number_id": second, "display_phone_number": "+1 555 000 0002", "waba_id": waba_for(second), "access_token": ACCESS_TOKEN}),
        )
        .await;
    assert_eq!(res.status(), 402);
    assert!(res.text().await.unwrap().contains("allows 1 WhatsApp numbers"));

    // The server's own database role cannot move its tenant to another plan.
    let pool = app.app_pool().await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)").bind(&t.tenant_id).execute(&mut *tx).await.unwrap();
    let sneaky = sqlx::query("UPDATE tenants SET plan_code = 'enterprise', status = 'active' WHERE id = $1::uuid")
        .bind(&t.tenant_id)
        .execute(&mut *tx)
        .await;
    assert!(sneaky.is_err(), "plan and state change only through the operators' functions");
    drop(tx);

    // An upgrade lifts it at once.
    set_plan(&app, &op, &t, json!({"plan": "professional"})).await;
    assert_eq!(app.post_json(&t.token, "/api/v1/users", &user(99)).await.status(), 201);
}

#[actix_rt::test]
async fn a_feature_outside_the_plan_is_refused_naming_a_plan_that_has_it() {
    let app = spawn_app().await;
    let op = operator(&app).await;
    let t = app.register("Acme").await;
    set_plan(&app, &op, &t, json!({"plan": "starter"})).await;
    let res = app.post_json(&t.token, "/api/v1/api-keys", &json!({"name": "CRM"})).await;
    assert_eq!(res.status(), 403);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "FEATURE_NOT_IN_PLAN");
    assert_eq!(err["error"]["message"], "the Starter plan does not include API access; upgrade to Professional to use it");

    // An operator's own plan without broadcasts: no campaigns.
    let res = app
        .post_json(
            &op,
            "/api/v1/admin/plans",
            &json!({"code": "chat_only", "name": "Chat only", "price_monthly_minor": 49900,
                                                        "limits": {"agents": 2}, "features": []}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = app.post_json(&op, "/api/v1/admin/plans", &json!({"code": "chat_only", "name": "Again"})).await;
    assert_eq!(res.status(), 409);
    let res = app.post_json(&op, "/api/v1/admin/plans", &json!({"code": "x", "name": "Bad", "limits": {"seats": 3}})).await;
    assert_eq!(res.status(), 400);
    // The catalogue is bounded: plans are never deleted, only hidden.
    for i in 0..45 {
        let res = app.post_json(&op, "/api/v1/admin/plans", &json!({"code": format!("extra_{i}"), "name": "Extra"})).await;
        assert_eq!(res.status(), 201);
    }
    let res = app.post_json(&op, "/api/v1/admin/plans", &json!({"code": "one_too_many", "name": "Extra"})).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("at most 50 plans"));
    set_plan(&app, &op, &t, json!({"plan": "chat_only"})).await;
    let channel = app.connect_channel(&t, PHONE_NUMBER_ID).await["id"].as_str().unwrap().to_owned();
    let res = app
        .post_json(
            &t.token,
            "/api/v1/campaigns",
            &json!({"name": "Sale", "channel_id": channel, "template": {"name": "hello_world", "language": "en_US"}, "audience": {"tags": ["x"]}}),
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("the Chat only plan does not include broadcast campaigns; upgrade to Starter"));
    // Limits change one by one: the others stay.
    let res = app.patch_json(&op, "/api/v1/admin/plans/chat_only", &json!({"limits": {"flows": 3}})).await;
    let v: Value = res.json().await.unwrap();
    assert_eq!((v["limits"]["agents"].as_i64(), v["limits"]["flows"].as_i64()), (Some(2), Some(3)), "{v}");
    // A price change by an operator shows in the catalogue.
    let res = app.patch_json(&op, "/api/v1/admin/plans/chat_only", &json!({"price_monthly_minor": 59900, "active": false})).await;
    assert_eq!(res.status(), 200);
    let (_, mine) = app.get(&t, "/api/v1/account/plan").await;
    assert_eq!(mine["plan"]["price_monthly_minor"], 59900);
    assert!(mine["plans"].as_array().unwrap().iter().all(|p| p["code"] != "chat_only"), "no longer offered");
}

#[actix_rt::test]
async fn a_suspended_tenant_cannot_sign_in_but_loses_nothing_and_comes_back_whole() {
    let app = spawn_app().await;
    let op = operator(&app).await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let key = app.post_json(&t.token, "/api/v1/api-keys", &json!({"name": "CRM"})).await.json::<Value>().await.unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let email = app.get(&t, "/api/v1/auth/me").await.1["email"].as_str().unwrap().to_owned();
    let sign_in = json!({"email": email, "password": "correct-horse-1"});
    let v = set_plan(&app, &op, &t, json!({"status": "suspended"})).await;
    assert_eq!((v["status"].as_str(), v["mrr_minor"].as_i64()), (Some("suspended"), Some(0)));
    // The open session ends at once; signing in says how to pay; keys stop.
    assert_eq!(app.get(&t, "/api/v1/conversations").await.0, 401);
    // …and no new token comes out of its refresh token.
    let res = app.http.post(app.url("/api/v1/auth/refresh")).json(&json!({"refresh_token": t.refresh})).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "TENANT_SUSPENDED");
    let res = app.http.post(app.url("/api/v1/auth/login")).json(&sign_in).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "TENANT_SUSPENDED");
    assert!(err["error"]["message"].as_str().unwrap().contains("nothing was deleted"));
    let res = app.http.get(app.url("/api/v1/contacts")).header("X-API-Key", &key).send().await.unwrap();
    assert_eq!(res.status(), 401);
    // Customers still write: acknowledged and stored.
    let res = app.post_webhook(text_webhook(PHONE_NUMBER_ID, "15550770001", "wamid.suspended-1", "are you open?")).await;
    assert_eq!(res.status(), 200);

    let (_, listed) = get_as(&app, &op, "/api/v1/admin/tenants?search=acme").await;
    assert_eq!(listed["data"][0]["status"], "suspended");
    let (_, overview) = get_as(&app, &op, "/api/v1/admin/overview").await;
    assert!(overview["suspended_tenants"].as_i64().unwrap() >= 1, "{overview}");

    set_plan(&app, &op, &t, json!({"status": "active"})).await;
    let res = app.http.post(app.url("/api/v1/auth/login")).json(&sign_in).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let token = res.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned();
    let back = Tenant { token, refresh: String::new(), tenant_id: t.tenant_id.clone(), user_id: t.user_id.clone() };
    let message =
        eventually("the message that came while suspended", WAIT, || async { app.message_by_wamid(&back, "wamid.suspended-1").await })
            .await;
    assert_eq!(message["content"]["body"], "are you open?");
    let res = app.http.get(app.url("/api/v1/contacts")).header("X-API-Key", &key).send().await.unwrap();
    assert_eq!(res.status(), 200, "keys work again");
    // A plan without API access stops existing keys too.
    set_plan(&app, &op, &back, json!({"plan": "starter"})).await;
    let res = app.http.get(app.url("/api/v1/contacts")).header("X-API-Key", &key).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

#[actix_rt::test]
async fn a_suspended_accounts_running_campaign_pauses_and_waits() {
    let app = spawn_app().await;
    let op = operator(&app).await;
    let t = app.register("Acme").await;
    let channel = app.connect_channel(&t, PHONE_NUMBER_ID).await["id"].as_str().unwrap().to_owned();
    assert_eq!(app.post_json(&t.token, "/api/v1/templates/sync", &json!({})).await.status(), 200);
    for i in 0..6 {
        let body = json!({"phone": format!("+9199300000{i:02}"), "name": format!("P{i}"), "tags": ["slow"]});
        assert_eq!(app.post_json(&t.token, "/api/v1/contacts", &body).await.status(), 201);
    }
    let body = json!({"name": "Slow", "channel_id": channel, "template": {"name": "hello_world", "language": "en_US"},
                      "audience": {"tags": ["slow"]}, "rate_mps": 1});
    let id = app.post_json(&t.token, "/api/v1/campaigns", &body).await.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(app.post_json(&t.token, &format!("/api/v1/campaigns/{id}/start"), &json!({})).await.status(), 200);
    let owner = |sql: &'static str| {
        let (app, id) = (&app, id.clone());
        async move { sqlx::query_scalar::<_, String>(sql).bind(uuid::Uuid::parse_str(&id).unwrap()).fetch_one(&app.owner).await.unwrap() }
    };
    set_plan(&app, &op, &t, json!({"status": "suspended"})).await;
    eventually("the campaign paused", WAIT, || async {
        (owner("SELECT status FROM campaigns WHERE id = $1").await == "paused").then_some(())
    })
    .await;
    let reason = owner("SELECT paused_reason FROM campaigns WHERE id = $1").await;
    assert!(reason.contains("suspended"), "{reason}");
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM campaign_recipients WHERE campaign_id = $1 AND status = 'pending'")
        .bind(uuid::Uuid::parse_str(&id).unwrap())
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert!(pending >= 1, "the rest waits");
}

#[actix_rt::test]
async fn an_operator_views_a_tenant_as_its_admin_for_half_an_hour_and_it_is_audited() {
    let app = spawn_app().await;
    let op = operator(&app).await;
    let (_, op_me) = get_as(&app, &op, "/api/v1/auth/me").await;
    let op_id = op_me["id"].as_str().unwrap().to_owned();
    let t = app.register("Acme").await;
    let path = format!("/api/v1/admin/tenants/{}/impersonate", t.tenant_id);
    let res = app.post_json(&op, &path, &json!({"reason": ""})).await;
    assert_eq!(res.status(), 400);
    let res = app.post_json(&t.token, &path, &json!({"reason": "looking around"})).await;
    assert_eq!(res.status(), 403, "a tenant admin cannot impersonate");
    let res = app.post_json(&op, &path, &json!({"reason": "ticket #4821: campaign stuck"})).await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["expires_in"], 1800);
    assert!(v.get("refresh_token").is_none(), "no refresh token: the view ends with the token");
    let token = v["access_token"].as_str().unwrap().to_owned();
    // The app knows it is a view (the banner) and whose.
    let (s, me) = get_as(&app, &token, "/api/v1/auth/me").await;
    assert_eq!(s, 200);
    assert_eq!(me["id"].as_str(), Some(t.user_id.as_str()));
    assert_eq!(me["impersonated_by"].as_str(), Some(op_id.as_str()));
    assert_eq!(get_as(&app, &t.token, "/api/v1/auth/me").await.1["impersonated_by"], Value::Null);
    assert_eq!(get_as(&app, &token, "/api/v1/conversations").await.0, 200);
    // Nothing that outlasts the view: no people, keys, security or billing
    // changes; what the operator does is audited as theirs.
    let res = app
        .post_json(
            &token,
            "/api/v1/users",
            &json!({"email": "helper@acme.test", "password": "helper-password-1", "name": "Helper", "role": "agent"}),
        )
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.post_json(&token, "/api/v1/auth/2fa/setup", &json!({})).await.status(), 403);
    assert_eq!(app.post_json(&token, "/api/v1/auth/sessions/revoke-all", &json!({})).await.status(), 403);
    assert_eq!(app.post_json(&token, "/api/v1/api-keys", &json!({"name": "backdoor"})).await.status(), 403);
    assert_eq!(app.post_json(&token, "/api/v1/account/deletion", &json!({"confirm": "Acme"})).await.status(), 403);
    let res = app
        .http
        .put(app.url("/api/v1/settings/security"))
        .bearer_auth(&token)
        .json(&json!({"require_two_factor": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(get_as(&app, &token, "/api/v1/account/export").await.0, 200);
    let (_, audit) = get_as(&app, &t.token, "/api/v1/audit").await;
    let rows = audit["data"].as_array().unwrap();
    let started = rows.iter().find(|r| r["action"] == "admin.impersonation_started").unwrap();
    assert_eq!(started["actor_id"].as_str(), Some(op_id.as_str()));
    assert_eq!(started["after"]["reason"], "ticket #4821: campaign stuck");
    let exported = rows.iter().find(|r| r["action"] == "account.exported").unwrap();
    assert_eq!(exported["actor_id"].as_str(), Some(op_id.as_str()), "the operator's action is theirs in the log");
    let (_, platform) = get_as(&app, &op, "/api/v1/audit").await;
    assert!(platform["data"].as_array().unwrap().iter().any(|r| r["action"] == "admin.impersonation_started" && r["tenant_id"].is_null()));
}

#[actix_rt::test]
async fn platform_settings_close_sign_ups_and_choose_the_starting_plan() {
    let app = spawn_app().await;
    let op = operator(&app).await;
    let (s, v) = get_as(&app, &op, "/api/v1/admin/settings").await;
    assert_eq!(s, 200);
    assert_eq!(v["signups_open"], true);
    let put = |body: Value| {
        let app = &app;
        let op = op.clone();
        async move { app.http.put(app.url("/api/v1/admin/settings")).bearer_auth(&op).json(&body).send().await.unwrap() }
    };
    assert_eq!(put(json!({"default_plan": "nope"})).await.status(), 400);
    assert_eq!(put(json!({"signups_open": false, "support_email": "Sales@WhatsFlow.example"})).await.status(), 200);
    let res = app
        .http
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"tenant_name": "Late", "name": "A", "email": "late@late.test", "password": "correct-horse-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "SIGNUPS_CLOSED");
    assert!(v["error"]["message"].as_str().unwrap().contains("sales@whatsflow.example"), "{v}");
    assert_eq!(put(json!({"signups_open": true, "default_plan": "professional"})).await.status(), 200);
    let t = app.register("Early").await;
    assert_eq!(app.get(&t, "/api/v1/account/plan").await.1["plan"]["code"], "professional");
    let res = put(json!({"default_plan": null})).await;
    assert_eq!(res.json::<Value>().await.unwrap()["default_plan"], Value::Null);
    let (_, audit) = get_as(&app, &op, "/api/v1/audit").await;
    assert!(audit["data"].as_array().unwrap().iter().any(|r| r["action"] == "platform.settings_changed"));
}
