//! Account security against the real server and a real SMTP receiver (the
//! project's mail sink): email verification and password reset through the
//! mailed one-time links, TOTP two-factor at sign-in (codes and recovery
//! codes accepted once), an account that requires two-factor of everyone,
//! and the session list with sign-out of one or all.

use crate::helpers::*;
use chrono::Utc;
use serde_json::{json, Value};
use whatsflow::auth::totp;
use whatsflow::sim::smtp::MailSink;

/// A server that mails through the project's SMTP sink.
pub(crate) async fn app_with_mail() -> (TestApp, MailSink) {
    let sink = whatsflow::sim::smtp::start(std::net::TcpListener::bind("127.0.0.1:0").unwrap(), false).unwrap();
    let url = sink.smtp_url();
    let app = spawn_with(
        fresh_database().await,
        move |mut c| {
            c.mail.smtp_url = Some(url);
            c
        },
        None,
    )
    .await;
    (app, sink)
}

/// The token of the newest mail to `to` whose link goes to `path`.
async fn mailed_token(sink: &MailSink, to: &str, path: &str) -> String {
    eventually("the mail", WAIT, || async {
        sink.mailbox.mails().iter().rev().filter(|m| m.to.iter().any(|t| t == to)).find_map(|m| {
            m.body.split(&format!("{path}?token=")).nth(1).map(|rest| rest.split_whitespace().next().unwrap_or("").to_owned())
        })
    })
    .await
}

async fn login(app: &TestApp, email: &str, password: &str, agent: &str) -> (u16, Value) {
    let res = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .header("user-agent", agent)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

async fn me_status(app: &TestApp, token: &str) -> u16 {
    app.http.get(app.url("/api/v1/auth/me")).bearer_auth(token).send().await.unwrap().status().as_u16()
}

async fn email_of(app: &TestApp, t: &Tenant) -> String {
    app.get(t, "/api/v1/auth/me").await.1["email"].as_str().unwrap().to_owned()
}

fn code_at(secret_b32: &str, at: i64) -> String {
    let secret = data_encoding::BASE32_NOPAD.decode(secret_b32.as_bytes()).unwrap();
    format!("{:06}", totp::hotp(&secret, totp::step_of(at) as u64))
}

#[actix_rt::test]
async fn an_email_is_verified_and_a_forgotten_password_reset_through_mailed_links_once() {
    let (app, sink) = app_with_mail().await;
    let t = app.register("Acme").await;
    let email = email_of(&app, &t).await;
    // Registering mails a verification link.
    assert_eq!(app.get(&t, "/api/v1/auth/security").await.1["email_verified"], false);
    let token = mailed_token(&sink, &email, "/verify-email").await;
    let res = app.post_json("", "/api/v1/auth/email/verify", &json!({"token": token})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.get(&t, "/api/v1/auth/security").await.1["email_verified"], true);
    let res = app.post_json("", "/api/v1/auth/email/verify", &json!({"token": token})).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "INVALID_TOKEN");

    // An unknown email: the same answer, and no mail.
    let before = sink.mailbox.mails().len();
    let res = app.post_json("", "/api/v1/auth/password/forgot", &json!({"email": "nobody@nowhere.test"})).await;
    assert_eq!(res.status(), 202);
    // The account's email: a link; asking twice replaces the first.
    let res = app.post_json("", "/api/v1/auth/password/forgot", &json!({"email": email.to_uppercase()})).await;
    assert_eq!(res.status(), 202);
    let first = mailed_token(&sink, &email, "/reset-password").await;
    app.post_json("", "/api/v1/auth/password/forgot", &json!({"email": email})).await;
    let second = eventually("a second link", WAIT, || async {
        let mails = sink.mailbox.mails();
        let links: Vec<String> = mails
            .iter()
            .filter_map(|m| m.body.split("/reset-password?token=").nth(1).map(|r| r.split_whitespace().next().unwrap_or("").to_owned()))
            .collect();
        (links.len() == 2).then(|| links[1].clone())
    })
    .await;
    assert_eq!(sink.mailbox.mails().len(), before + 2, "no mail for an unknown address");
    assert_ne!(first, second);
    let mail = sink.mailbox.mails().into_iter().last().unwrap();
    assert_eq!(mail.subject, "Reset your whatsflow password");
    assert!(mail.body.contains("http://app.test/reset-password?token="), "{}", mail.body);

    let reset = |token: String, password: &'static str| {
        let app = &app;
        async move { app.post_json("", "/api/v1/auth/password/reset", &json!({"token": token, "password": password})).await }
    };
    assert_eq!(reset(first.clone(), "brand-new-password").await.status(), 400, "the replaced link is dead");
    assert_eq!(reset(second.clone(), "short").await.status(), 400);
    assert_eq!(reset(second.clone(), "brand-new-password").await.status(), 200);
    assert_eq!(reset(second, "another-password-2").await.status(), 400, "a link works once");
    // Every session ended; the old password is gone, the new one works.
    assert_eq!(me_status(&app, &t.token).await, 401);
    let res = app.post_json("", "/api/v1/auth/refresh", &json!({"refresh_token": t.refresh})).await;
    assert_eq!(res.status(), 401);
    assert_eq!(login(&app, &email, "correct-horse-1", "test").await.0, 401);
    assert_eq!(login(&app, &email, "brand-new-password", "test").await.0, 200);
}

#[actix_rt::test]
async fn two_factor_guards_sign_in_with_codes_used_once_and_an_account_can_require_it() {
    let (app, _sink) = app_with_mail().await;
    let admin = app.register("Acme").await;
    let email = email_of(&app, &admin).await;
    let res = app.post_json(&admin.token, "/api/v1/auth/2fa/setup", &json!({})).await;
    assert_eq!(res.status(), 200);
    let setup: Value = res.json().await.unwrap();
    let secret = setup["secret"].as_str().unwrap().to_owned();
    assert!(setup["otpauth_uri"].as_str().unwrap().starts_with("otpauth://totp/whatsflow:"));
    let now = Utc::now().timestamp();
    let wrong = format!("{:06}", (code_at(&secret, now).parse::<u32>().unwrap() + 1) % 1_000_000);
    let res = app.post_json(&admin.token, "/api/v1/auth/2fa/enable", &json!({"code": wrong})).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "INVALID_CODE");
    let res = app.post_json(&admin.token, "/api/v1/auth/2fa/enable", &json!({"code": code_at(&secret, now)})).await;
    assert_eq!(res.status(), 200);
    let recovery: Vec<String> = serde_json::from_value(res.json::<Value>().await.unwrap()["recovery_codes"].clone()).unwrap();
    assert_eq!(recovery.len(), 10);

    // The password alone no longer signs in.
    let (s, v) = login(&app, &email, "correct-horse-1", "test").await;
    assert_eq!(s, 200);
    assert_eq!(v["mfa_required"], true);
    assert!(v.get("access_token").is_none());
    let mfa = v["mfa_token"].as_str().unwrap().to_owned();
    // The code already used to turn it on is refused; the next step's works once.
    let verify = |token: String, body: Value| {
        let app = &app;
        async move {
            let mut b = body;
            b["mfa_token"] = json!(token);
            let res = app.post_json("", "/api/v1/auth/2fa/verify", &b).await;
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    assert_eq!(verify(mfa.clone(), json!({"code": code_at(&secret, now)})).await.0, 400);
    let next = code_at(&secret, now + 30);
    let (s, v) = verify(mfa.clone(), json!({"code": next})).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["access_token"].is_string());
    let mfa2 = login(&app, &email, "correct-horse-1", "test").await.1["mfa_token"].as_str().unwrap().to_owned();
    assert_eq!(verify(mfa2.clone(), json!({"code": next})).await.0, 400, "a code is accepted once");
    // A recovery code signs in once.
    assert_eq!(verify(mfa2.clone(), json!({"recovery_code": recovery[0].to_uppercase()})).await.0, 200);
    assert_eq!(verify(mfa2, json!({"recovery_code": recovery[0]})).await.0, 400);
    // A token that is not a two-factor sign-in token is refused.
    assert_eq!(verify(admin.token.clone(), json!({"code": next})).await.0, 401);
    let (_, sec) = app.get(&admin, "/api/v1/auth/security").await;
    // `admin.token` was issued before two-factor and is still a live session.
    assert_eq!(sec["two_factor"]["enabled"], true);
    assert_eq!(sec["two_factor"]["recovery_codes_left"], 9);

    // The admin requires it of everyone: the agent without it is signed
    // out, and sets it up at the next sign-in before any session starts.
    let agent = app.add_user(&admin, "agent").await;
    let agent_email = email_of(&app, &agent).await;
    let res = app
        .http
        .put(app.url("/api/v1/settings/security"))
        .bearer_auth(&admin.token)
        .json(&json!({"require_two_factor": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["signed_out"], 1);
    assert_eq!(me_status(&app, &agent.token).await, 401);
    assert_eq!(me_status(&app, &admin.token).await, 200);
    let (s, v) = login(&app, &agent_email, "team-password-1", "test").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["mfa_setup_required"], true);
    let mfa = v["mfa_token"].as_str().unwrap().to_owned();
    let setup: Value = app.post_json("", "/api/v1/auth/2fa/setup", &json!({"mfa_token": mfa})).await.json().await.unwrap();
    let agent_secret = setup["secret"].as_str().unwrap().to_owned();
    let res = app
        .post_json("", "/api/v1/auth/2fa/enable", &json!({"mfa_token": mfa, "code": code_at(&agent_secret, Utc::now().timestamp())}))
        .await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert!(v["access_token"].is_string() && v["recovery_codes"].as_array().unwrap().len() == 10, "{v}");
    assert_eq!(me_status(&app, v["access_token"].as_str().unwrap()).await, 200);
    // While required, it cannot be turned off.
    let res = app
        .post_json(
            &admin.token,
            "/api/v1/auth/2fa/disable",
            &json!({"password": "correct-horse-1", "code": code_at(&secret, Utc::now().timestamp() + 60)}),
        )
        .await;
    assert_eq!(res.status(), 403);
    let (_, audit) = app.get(&admin, "/api/v1/audit").await;
    let actions: Vec<&str> = audit["data"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"auth.two_factor_enabled") && actions.contains(&"settings.security_changed"), "{actions:?}");
    // A sign-out everywhere also ends a sign-in halfway through (its code step).
    let pending = login(&app, &email, "correct-horse-1", "test").await.1["mfa_token"].as_str().unwrap().to_owned();
    let res = app.http.post(app.url("/api/v1/auth/sessions/revoke-all")).bearer_auth(&admin.token).send().await.unwrap();
    assert_eq!(res.status(), 204);
    let res = app.post_json("", "/api/v1/auth/2fa/verify", &json!({"mfa_token": pending, "recovery_code": recovery[1]})).await;
    assert_eq!(res.status(), 401);
}

#[actix_rt::test]
async fn sessions_are_listed_and_ended_one_at_a_time_or_everywhere() {
    let app = spawn_app().await;
    let t = app.register("Acme").await;
    let email = email_of(&app, &t).await;
    let (_, laptop) = login(&app, &email, "correct-horse-1", "Mozilla/5.0 (X11; Linux) Laptop").await;
    let (_, phone) = login(&app, &email, "correct-horse-1", "Mozilla/5.0 (Android) Phone").await;
    let (s, list) = app.get(&t, "/api/v1/auth/sessions").await;
    assert_eq!(s, 200);
    let sessions = list["data"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 3, "registration, laptop, phone: {list}");
    let phone_session = sessions.iter().find(|x| x["user_agent"].as_str().is_some_and(|a| a.contains("Phone"))).unwrap();
    assert_eq!(phone_session["ip"], "127.0.0.1");
    // Ending the phone's session: its refresh token dies, the laptop's lives.
    let id = phone_session["id"].as_str().unwrap();
    let token = laptop["access_token"].as_str().unwrap();
    let res = app.http.delete(app.url(&format!("/api/v1/auth/sessions/{id}"))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(res.status(), 204);
    let refresh = |r: &str| {
        let app = &app;
        let r = r.to_owned();
        async move { app.post_json("", "/api/v1/auth/refresh", &json!({"refresh_token": r})).await.status().as_u16() }
    };
    let res = app.post_json("", "/api/v1/auth/refresh", &json!({"refresh_token": laptop["refresh_token"]})).await;
    assert_eq!(res.status(), 200);
    let laptop2: Value = res.json().await.unwrap();
    let (_, list) =
        app.get(&Tenant { token: laptop2["access_token"].as_str().unwrap().to_owned(), ..t.clone() }, "/api/v1/auth/sessions").await;
    assert!(list["data"].as_array().unwrap().iter().all(|x| x["id"] != id), "the ended session is gone: {list}");
    let _ = token;
    // Another person's session id is not found.
    let other = app.register("Other").await;
    let res = app
        .http
        .delete(app.url(&format!("/api/v1/auth/sessions/{}", sessions[0]["id"].as_str().unwrap())))
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // Everywhere: every refresh token and access token ends.
    let access = laptop2["access_token"].as_str().unwrap();
    let res = app.http.post(app.url("/api/v1/auth/sessions/revoke-all")).bearer_auth(access).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(me_status(&app, access).await, 401);
    assert_eq!(refresh(laptop2["refresh_token"].as_str().unwrap()).await, 401);
    assert_eq!(refresh(&t.refresh).await, 401);
    assert_eq!(refresh(phone["refresh_token"].as_str().unwrap()).await, 401);
    let (_, fresh) = login(&app, &email, "correct-horse-1", "test").await;
    let res = app.http.get(app.url("/api/v1/auth/sessions")).bearer_auth(fresh["access_token"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["data"].as_array().unwrap().len(), 1);
}
