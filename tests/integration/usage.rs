//! Metering against the real server: monthly unique users counted once per
//! person (by phone or business-scoped user id, reached by an inbound
//! message or a delivered one; a failed send counts nothing), the cost
//! ledger priced from the status webhooks' `pricing` through the rate card
//! by category, type, country and date, limit alerts at 80% and 100% once
//! per period, and a campaign refused past the plan's monthly unique users.

use crate::campaigns::{action, contacts, create, ready, spring_sale, stats, status};
use crate::helpers::*;
use crate::plans::{operator, set_plan};
use chrono::{Duration as Days, Utc};
use serde_json::{json, Value};
use std::time::Duration;

/// A message from a WhatsApp user known only by username and BSUID.
fn bsuid_webhook(user_id: &str, wamid: &str) -> Vec<u8> {
    json!({"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": "Kerry", "username": "@kerry"}, "user_id": user_id}],
        "messages": [{"from_user_id": user_id, "id": wamid, "timestamp": Utc::now().timestamp().to_string(), "type": "text", "text": {"body": "hi"}}]
    }}]}]})
    .to_string()
    .into_bytes()
}

/// A status webhook for our message `wamid`, at `at`, with `pricing`.
fn status_webhook(wamid: &str, recipient: &str, status: &str, at: chrono::DateTime<Utc>, pricing: Option<Value>) -> Vec<u8> {
    let mut s = json!({"id": wamid, "status": status, "timestamp": at.timestamp().to_string(), "recipient_id": recipient});
    if let Some(p) = pricing {
        s["pricing"] = p;
    }
    if status == "failed" {
        s["errors"] = json!([{"code": 131026, "title": "Message undeliverable"}]);
    }
    json!({"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
        "statuses": [s]
    }}]}]})
    .to_string()
    .into_bytes()
}

fn pricing(category: &str, kind: &str) -> Value {
    json!({"billable": kind == "regular", "pricing_model": "PMP", "type": kind, "category": category})
}

async fn usage(app: &TestApp, t: &Tenant, query: &str) -> Value {
    let (s, v) = app.get(t, &format!("/api/v1/usage{query}")).await;
    assert_eq!(s, 200, "{v}");
    v
}

/// Sends a text reply in `conversation` and returns its wamid.
async fn reply(app: &TestApp, t: &Tenant, conversation: &str, text: &str) -> String {
    let res = app.send(t, conversation, json!({"type": "text", "text": {"body": text}})).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap_or_default());
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    eventually("the send's wamid", WAIT, || async {
        app.all_messages(t).await.into_iter().find(|m| m["id"] == id.as_str()).and_then(|m| m["wamid"].as_str().map(str::to_owned))
    })
    .await
}

#[actix_rt::test]
async fn each_person_counts_once_a_month_whichever_way_they_were_reached() {
    let app = spawn_app().await;
    let (t, channel) = ready(&app).await;
    // Three contacts to reach by a campaign later (none counted yet).
    contacts(&app, &t, "promo", &[("+919800000001", "Asha", true), ("+919800000003", "Ravi", true), ("+919800000004", "Meera", true)])
        .await;
    assert_eq!(usage(&app, &t, "").await["monthly_unique_users"], 0);
    // Inbound: one customer writes three times, another once, a username
    // user (no phone, only a business-scoped user id) twice.
    for i in 0..3 {
        app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919800000001", &format!("wamid.u1-{i}"), "hello")).await;
    }
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919800000002", "wamid.u2", "hi")).await;
    app.post_webhook_ok(bsuid_webhook("IN.1349120865530274191", "wamid.b1")).await;
    app.post_webhook_ok(bsuid_webhook("IN.1349120865530274191", "wamid.b2")).await;
    // Outbound: a campaign to one person already counted, one new, and one
    // whose message fails (counted nowhere, charged nothing).
    app.sim_control(json!({"fail_recipients": ["919800000004"]})).await;
    let id = create(&app, &t, &spring_sale(&channel, "promo", 20)).await;
    assert_eq!(action(&app, &t, &id, "start").await.0, 200);
    eventually("the campaign's deliveries", WAIT, || async {
        let s = stats(&app, &t, &id).await;
        (status(&app, &t, &id).await == "completed"
            && s["failed"] == 1
            && s["delivered"].as_i64().unwrap() + s["read"].as_i64().unwrap() == 2)
            .then_some(())
    })
    .await;
    let u = eventually("four people counted", WAIT, || async {
        let u = usage(&app, &t, "").await;
        (u["monthly_unique_users"] == 4 && u["by_category"].as_array().is_some_and(|c| !c.is_empty())).then_some(u)
    })
    .await;
    // The campaign's two delivered marketing messages at the platform's
    // India rate (₹0.8631 each): ₹1.7262, 173 paise rounded.
    assert_eq!(u["cost"], json!({"currency": "INR", "amount_e4": 17262, "amount_minor": 173}), "{u}");
    assert_eq!(u["by_category"], json!([{"category": "marketing", "delivered": 2, "charged": 2, "cost_e4": 17262}]));
    let today = u["by_day"].as_array().unwrap().iter().find(|d| d["day"] == Utc::now().date_naive().to_string().as_str()).cloned().unwrap();
    assert_eq!((today["new_users"].as_i64(), today["delivered"].as_i64()), (Some(4), Some(2)), "{u}");
    assert_eq!(u["plan"], "enterprise");
    assert!(u["limits"]["monthly_unique_users"].is_null());
    assert_eq!(u["period"]["start"].as_str().unwrap()[..8], Utc::now().format("%Y-%m-").to_string());
    // The same person writing again, or a duplicate webhook, changes nothing.
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919800000003", "wamid.u3", "thanks")).await;
    app.post_webhook_ok(bsuid_webhook("IN.1349120865530274191", "wamid.b2")).await;
    settled(&app).await;
    assert_eq!(usage(&app, &t, "").await["monthly_unique_users"], 4);
    // Nothing in an earlier month; a malformed month is a clear 400.
    assert_eq!(usage(&app, &t, "?period=2025-01").await["monthly_unique_users"], 0);
    let (s, v) = app.get(&t, "/api/v1/usage?period=january").await;
    assert_eq!(s, 400);
    assert!(v["error"]["message"].as_str().unwrap().contains("2026-11"), "{v}");
    // Another tenant sees none of it.
    let other = app.register("Other").await;
    assert_eq!(usage(&app, &other, "").await["monthly_unique_users"], 0);
}

#[actix_rt::test]
async fn the_cost_ledger_prices_by_category_type_country_and_date() {
    let app = spawn_app().await;
    let (t, _) = ready(&app).await;
    // The tenant's own rate for Indian numbers changed 30 days ago.
    let now = Utc::now();
    let changed = (now - Days::days(30)).date_naive();
    let owner = sqlx::PgPool::connect(&app.db_url).await.unwrap();
    sqlx::query(
        "INSERT INTO rate_cards (tenant_id, category, country_prefix, currency, rate_e4, effective_from)
         VALUES ($1, 'marketing', '91', 'INR', 5000, DATE '2026-01-01'), ($1, 'marketing', '91', 'INR', 7000, $2)",
    )
    .bind(t.tenant_id.parse::<uuid::Uuid>().unwrap())
    .bind(changed)
    .execute(&owner)
    .await
    .unwrap();
    // Meta is silent: every status below is one it would post.
    app.sim_control(json!({"silent": true})).await;
    let conversation = app.open_conversation(&t, "919812345678").await;
    let mut wamids = Vec::new();
    for i in 0..6 {
        wamids.push(reply(&app, &t, &conversation, &format!("message {i}")).await);
    }
    let to = "919812345678";
    let earlier = now - Days::days(70);
    // Before the change: the old rate, in that month.
    app.post_webhook_ok(status_webhook(&wamids[0], to, "delivered", earlier, Some(pricing("marketing", "regular")))).await;
    // Read after delivered, and the delivered status again: charged once.
    app.post_webhook_ok(status_webhook(&wamids[0], to, "read", earlier, Some(pricing("marketing", "regular")))).await;
    app.post_webhook_ok(status_webhook(&wamids[0], to, "delivered", earlier, Some(pricing("marketing", "regular")))).await;
    // After it: the new rate.
    app.post_webhook_ok(status_webhook(&wamids[1], to, "delivered", now, Some(pricing("marketing", "regular")))).await;
    // Meta's hyphenated spelling, and MM Lite's category, at the platform's rates.
    app.post_webhook_ok(status_webhook(&wamids[2], to, "delivered", now, Some(pricing("authentication-international", "regular")))).await;
    app.post_webhook_ok(status_webhook(&wamids[3], to, "delivered", now, Some(pricing("marketing_lite", "regular")))).await;
    // Free inside the customer's window.
    app.post_webhook_ok(status_webhook(&wamids[4], to, "delivered", now, Some(pricing("service", "free_customer_service")))).await;
    // Sent then failed: never delivered, never charged.
    app.post_webhook_ok(status_webhook(&wamids[5], to, "sent", now, Some(pricing("marketing", "regular")))).await;
    app.post_webhook_ok(status_webhook(&wamids[5], to, "failed", now, None)).await;

    let u = eventually("the ledger", WAIT, || async {
        let u = usage(&app, &t, "").await;
        (u["by_category"].as_array().map_or(0, Vec::len) == 4).then_some(u)
    })
    .await;
    assert_eq!(
        u["by_category"],
        json!([
            {"category": "authentication_international", "delivered": 1, "charged": 1, "cost_e4": 1150},
            {"category": "marketing", "delivered": 1, "charged": 1, "cost_e4": 7000},
            {"category": "marketing_lite", "delivered": 1, "charged": 1, "cost_e4": 8631},
            {"category": "service", "delivered": 1, "charged": 0, "cost_e4": 0},
        ]),
        "{u}"
    );
    assert_eq!(u["cost"], json!({"currency": "INR", "amount_e4": 16781, "amount_minor": 168}));
    let past = usage(&app, &t, &format!("?period={}", earlier.format("%Y-%m"))).await;
    assert_eq!(past["by_category"], json!([{"category": "marketing", "delivered": 1, "charged": 1, "cost_e4": 5000}]), "{past}");
    // The customer was reached in both months: counted once in each.
    assert_eq!(past["monthly_unique_users"], 1);
    assert_eq!(u["monthly_unique_users"], 1);
}

#[actix_rt::test]
async fn limit_alerts_fire_once_at_80_and_100_percent_and_a_campaign_past_the_limit_is_refused() {
    let app = spawn_app().await;
    let op = operator(&app).await;
    let (t, channel) = ready(&app).await;
    let res = app
        .post_json(
            &op,
            "/api/v1/admin/plans",
            &json!({"code": "tiny", "name": "Tiny", "price_monthly_minor": 19900,
                    "limits": {"monthly_unique_users": 5}, "features": ["broadcasts"]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    set_plan(&app, &op, &t, json!({"plan": "tiny"})).await;
    let mut socket = app.socket(&t.token).await;
    for i in 1..=4 {
        app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, &format!("91980000010{i}"), &format!("wamid.a{i}"), "hi")).await;
    }
    let alert = socket.expect("usage:alert", |_| true).await;
    assert_eq!((alert["threshold"].as_i64(), alert["used"].as_i64(), alert["allowed"].as_i64()), (Some(80), Some(4), Some(5)));
    // Three people not reached yet this month would take it to 7 of 5.
    contacts(&app, &t, "new", &[("+919800000201", "A", true), ("+919800000202", "B", true), ("+919800000203", "C", true)]).await;
    let id = create(&app, &t, &spring_sale(&channel, "new", 10)).await;
    let (s, v) = action(&app, &t, &id, "start").await;
    assert_eq!(s, 402, "{v}");
    assert_eq!(v["error"]["code"], "PLAN_LIMIT");
    assert!(v["error"]["message"].as_str().unwrap().contains("5 customers a month"), "{v}");
    assert_eq!(status(&app, &t, &id).await, "draft");
    // Inbound past the limit is still stored and counted; 100% fires once.
    for i in 5..=7 {
        app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, &format!("91980000010{i}"), &format!("wamid.a{i}"), "hi")).await;
    }
    let alert = socket.expect("usage:alert", |_| true).await;
    assert_eq!(alert["threshold"], 100);
    let u = eventually("seven counted", WAIT, || async {
        let u = usage(&app, &t, "").await;
        (u["monthly_unique_users"] == 7).then_some(u)
    })
    .await;
    assert_eq!(app.conversations(&t).await.len(), 7);
    let fired: Vec<i64> = u["alerts"].as_array().unwrap().iter().map(|a| a["threshold"].as_i64().unwrap()).collect();
    assert_eq!(fired, [80, 100]);
    let more = socket.drain(Duration::from_secs(5)).await;
    assert!(more.iter().all(|f| f["event"] != "usage:alert"), "an alert fired twice: {more:?}");
    assert_eq!(usage(&app, &t, "").await["alerts"].as_array().unwrap().len(), 2);
}
