//! Billing against the real server and the project's Razorpay simulator
//! (real HTTP both ways, webhooks signed as Razorpay signs them): a
//! subscription paid and invoiced once whatever the order and repetition of
//! its webhooks, GST split within and across states, invoice numbers that
//! restart on 1 April, refunds as credit notes, and the account's states
//! (grace, restricted, suspended) following Razorpay's and restored by a
//! payment with nothing lost.

use crate::helpers::*;
use crate::plans::operator;
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};
use std::time::Duration;
use whatsflow::billing::events::sign;
use whatsflow::config::Secret;
use whatsflow::sim::razorpay::{RazorpaySim, RazorpaySimConfig};
use whatsflow::store::repo::billing::Seller;

pub(crate) const WEBHOOK_SECRET: &str = "rzp-webhook-secret-new";
const OLD_WEBHOOK_SECRET: &str = "rzp-webhook-secret-old";

pub(crate) struct Billed {
    pub(crate) app: TestApp,
    pub(crate) rzp: RazorpaySim,
}

pub(crate) async fn billed_app(suspend_after: Duration) -> Billed {
    billed_on(std::sync::Arc::new(whatsflow_actors::ports::SystemClock), move |mut c| {
        c.billing.suspend_after = suspend_after;
        c
    })
    .await
}

/// A server billing through the Razorpay simulator, on `clock`, with the
/// configuration further tweaked.
pub(crate) async fn billed_on(
    clock: std::sync::Arc<dyn whatsflow_actors::ports::Clock>,
    tweak: impl FnOnce(whatsflow::config::Config) -> whatsflow::config::Config,
) -> Billed {
    let rzp = whatsflow::sim::razorpay::start(
        std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
        RazorpaySimConfig {
            webhook_url: String::new(),
            webhook_secret: WEBHOOK_SECRET.into(),
            key_id: "rzp_test_whatsflow".into(),
            key_secret: "rzp-key-secret".into(),
            charge_every: None,
        },
    )
    .unwrap();
    let base = rzp.base_url.clone();
    let app = spawn_with_clock_and(fresh_database().await, clock, move |mut c| {
        c.billing.api_base = base;
        c.billing.key = Some(("rzp_test_whatsflow".into(), Secret::new("rzp-key-secret")));
        c.billing.webhook_secrets = vec![Secret::new(WEBHOOK_SECRET), Secret::new(OLD_WEBHOOK_SECRET)];
        c.billing.seller = Seller {
            legal_name: "whatsflow Technologies Pvt Ltd".into(),
            gstin: "29AACCW1234F1Z5".into(),
            state_code: "29".into(),
            address: "Bengaluru".into(),
        };
        tweak(c)
    })
    .await;
    rzp.state.set_webhook_url(&app.url("/webhooks/razorpay"));
    Billed { app, rzp }
}

pub(crate) async fn post_event(app: &TestApp, secret: &str, id: &str, body: &str) -> u16 {
    app.http
        .post(app.url("/webhooks/razorpay"))
        .header("content-type", "application/json")
        .header("X-Razorpay-Signature", sign(secret, body.as_bytes()))
        .header("X-Razorpay-Event-Id", id)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn subscription(app: &TestApp, t: &Tenant) -> Value {
    let (s, v) = app.get(t, "/api/v1/billing/subscription").await;
    assert_eq!(s, 200, "{v}");
    v
}

pub(crate) async fn invoices(app: &TestApp, t: &Tenant) -> Vec<Value> {
    let (s, v) = app.get(t, "/api/v1/billing/invoices").await;
    assert_eq!(s, 200, "{v}");
    v["data"].as_array().unwrap().clone()
}

async fn account_status(app: &TestApp, t: &Tenant) -> String {
    app.get(t, "/api/v1/account/plan").await.1["status"].as_str().unwrap_or_default().to_owned()
}

/// Subscribes `t` to `plan` and has the customer authorise it at the
/// simulated checkout (the first cycle is charged); the subscription id.
pub(crate) async fn subscribe_and_pay(b: &Billed, t: &Tenant, plan: &str) -> String {
    let before = invoices(&b.app, t).await.len();
    let res = b.app.post_json(&t.token, "/api/v1/billing/subscribe", &json!({"plan": plan})).await;
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["status"], "created");
    let id = v["razorpay_subscription_id"].as_str().unwrap().to_owned();
    // The checkout page the admin is sent to.
    let page = b.app.http.get(v["short_url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Authorise subscription"));
    let paid = b.app.http.post(v["short_url"].as_str().unwrap().to_owned() + "/pay").send().await.unwrap();
    assert!(paid.text().await.unwrap().contains("Payment successful"));
    eventually("the subscription active", WAIT, || async {
        let s = subscription(&b.app, t).await;
        (s["status"] == "active" && s["paid_count"] == 1 && invoices(&b.app, t).await.len() == before + 1).then_some(())
    })
    .await;
    id
}

pub(crate) async fn sim_events(b: &Billed) -> Vec<Value> {
    let root = b.rzp.base_url.trim_end_matches("/v1");
    let v: Value = b.app.http.get(format!("{root}/__sim/events")).send().await.unwrap().json().await.unwrap();
    v["data"].as_array().unwrap().clone()
}

pub(crate) async fn sim_charge(b: &Billed, sub: &str, fail: bool) {
    let root = b.rzp.base_url.trim_end_matches("/v1");
    let res = b.app.http.post(format!("{root}/__sim/subscriptions/{sub}/charge")).json(&json!({"fail": fail})).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

/// Waits until the simulator's webhooks were all delivered and accepted.
async fn delivered(b: &Billed, n: usize) -> Vec<Value> {
    eventually("the webhooks delivered", WAIT, || async {
        let ev = sim_events(b).await;
        (ev.len() >= n && ev.iter().all(|e| e["status"] == 200)).then_some(ev)
    })
    .await
}

#[actix_rt::test]
async fn a_subscription_is_invoiced_once_whatever_the_order_and_repetition_of_its_webhooks() {
    let b = billed_app(Duration::from_secs(15 * 86_400)).await;
    let app = &b.app;
    let t = app.register("Acme").await;
    // A registered business in Maharashtra: IGST, as the platform is in Karnataka.
    let res = app
        .http
        .put(app.url("/api/v1/billing/details"))
        .bearer_auth(&t.token)
        .json(&json!({"legal_name": "Acme Retail Pvt Ltd", "gstin": "27AAPFU0939F1ZV", "state_code": "27", "address": "Pune", "email": "accounts@acme.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // A GSTIN of another state is refused with the fix named.
    let res = app
        .http
        .put(app.url("/api/v1/billing/details"))
        .bearer_auth(&t.token)
        .json(&json!({"legal_name": "Acme", "gstin": "29AAPFU0939F1ZV", "state_code": "27", "address": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);

    let sub = subscribe_and_pay(&b, &t, "professional").await;
    let s = subscription(app, &t).await;
    assert_eq!((s["plan_code"].as_str(), s["amount_minor"].as_i64()), (Some("professional"), Some(353_882)));
    assert!(s["current_end"].is_string());
    assert_eq!(app.get(&t, "/api/v1/account/plan").await.1["plan"]["code"], "professional");
    let inv = invoices(app, &t).await;
    assert_eq!(inv.len(), 1);
    let first = inv[0].clone();
    assert_eq!(
        (first["taxable_minor"].as_i64(), first["igst_minor"].as_i64(), first["cgst_minor"].as_i64(), first["total_minor"].as_i64()),
        (Some(299_900), Some(53_982), Some(0), Some(353_882))
    );
    assert_eq!(first["place_of_supply"], "27-Maharashtra");
    assert_eq!(first["buyer"]["gstin"], "27AAPFU0939F1ZV");
    assert_eq!(first["sac"], "997331");
    let number = first["number"].as_str().unwrap();
    assert!(number.starts_with("WF") && number.ends_with("-000001") && number.len() <= 16, "{number}");

    // Every webhook again, three times, newest first: nothing moves.
    let events = delivered(&b, 5).await;
    let names: Vec<&str> = events.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert!(names.contains(&"subscription.charged") && names.contains(&"payment.captured") && names.contains(&"invoice.paid"), "{names:?}");
    for _ in 0..3 {
        for e in events.iter().rev() {
            assert_eq!(post_event(app, WEBHOOK_SECRET, e["id"].as_str().unwrap(), e["body"].as_str().unwrap()).await, 200);
        }
    }
    let charged: Value =
        serde_json::from_str(events.iter().find(|e| e["event"] == "subscription.charged").unwrap()["body"].as_str().unwrap()).unwrap();
    // A late `subscription.pending` made before the charge, a late
    // `payment.failed` for the captured payment and a stale
    // `subscription.charged` (fewer cycles, an earlier end), each under a
    // new event id: none moves anything backwards.
    let mut pending = charged.clone();
    pending["event"] = json!("subscription.pending");
    pending["created_at"] = json!(charged["created_at"].as_i64().unwrap() - 100);
    pending["payload"]["subscription"]["entity"]["status"] = json!("pending");
    pending["contains"] = json!(["subscription"]);
    pending["payload"].as_object_mut().unwrap().remove("payment");
    let mut failed = charged.clone();
    failed["event"] = json!("payment.failed");
    failed["contains"] = json!(["payment"]);
    failed["payload"].as_object_mut().unwrap().remove("subscription");
    failed["payload"]["payment"]["entity"]["status"] = json!("failed");
    failed["payload"]["payment"]["entity"]["captured"] = json!(false);
    let mut stale = charged.clone();
    stale["created_at"] = json!(charged["created_at"].as_i64().unwrap() - 200);
    stale["payload"]["subscription"]["entity"]["paid_count"] = json!(0);
    stale["payload"]["subscription"]["entity"]["current_end"] = json!(charged["created_at"].as_i64().unwrap() - 50);
    for (i, ev) in [pending, failed, stale].iter().enumerate() {
        assert_eq!(post_event(app, WEBHOOK_SECRET, &format!("evt_late{i}"), &ev.to_string()).await, 200);
    }
    let after = subscription(app, &t).await;
    assert_eq!((after["status"].as_str(), after["paid_count"].as_i64()), (Some("active"), Some(1)));
    assert_eq!(after["current_end"], s["current_end"]);
    assert_eq!(account_status(app, &t).await, "active");
    assert_eq!(invoices(app, &t).await.len(), 1, "one invoice per payment");

    // Signatures: none or a wrong one is 401; the previous secret (a rotation) is accepted.
    let body = json!({"entity": "event", "event": "payment.captured", "contains": ["payment"], "created_at": Utc::now().timestamp(),
        "payload": {"payment": {"entity": {"id": "pay_Extra0001", "entity": "payment", "amount": 117_882, "currency": "INR",
            "status": "captured", "captured": "1", "invoice_id": null, "notes": {"tenant_id": t.tenant_id}, "created_at": Utc::now().timestamp()}}}})
    .to_string();
    let unsigned = app.http.post(app.url("/webhooks/razorpay")).body(body.clone()).send().await.unwrap();
    assert_eq!(unsigned.status(), 401);
    assert_eq!(post_event(app, "not-the-secret", "evt_bad", &body).await, 401);
    assert_eq!(invoices(app, &t).await.len(), 1);
    // `captured` as "1", signed with the previous secret: a second invoice.
    assert_eq!(post_event(app, OLD_WEBHOOK_SECRET, "evt_extra", &body).await, 200);
    let inv = invoices(app, &t).await;
    assert_eq!(inv.len(), 2);
    assert!(inv[0]["number"].as_str().unwrap().ends_with("-000002"), "{inv:?}");

    // The invoice as a page and as a PDF; another account cannot see it.
    let id = first["id"].as_str().unwrap();
    let html = app.http.get(app.url(&format!("/api/v1/billing/invoices/{id}/html"))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(html.status(), 200);
    let html = html.text().await.unwrap();
    assert!(html.contains(number) && html.contains("IGST 18%") && html.contains("3,538.82"), "{html}");
    let pdf = app.http.get(app.url(&format!("/api/v1/billing/invoices/{id}/pdf"))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = pdf.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-1.4") && pdf.ends_with(b"%%EOF\n"));
    assert!(String::from_utf8_lossy(&pdf).contains(number));
    let other = app.register("Other").await;
    assert_eq!(app.get(&other, &format!("/api/v1/billing/invoices/{id}")).await.0, 404);
    assert!(invoices(app, &other).await.is_empty());

    // An operator refunds the first payment: a credit note, once.
    let op = operator(app).await;
    let payment = first["payment_id"].as_str().unwrap();
    let res = app.post_json(&op, &format!("/api/v1/admin/payments/{payment}/refund"), &json!({"amount_minor": 117_994})).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let notes = eventually("the credit note", WAIT, || async {
        let inv = invoices(app, &t).await;
        let notes: Vec<Value> = inv.into_iter().filter(|i| i["kind"] == "credit_note").collect();
        (!notes.is_empty()).then_some(notes)
    })
    .await;
    assert_eq!(notes.len(), 1);
    let cn = &notes[0];
    assert!(cn["number"].as_str().unwrap().starts_with("CN") && cn["number"].as_str().unwrap().ends_with("-000001"));
    assert_eq!(cn["original_id"], first["id"]);
    assert_eq!(cn["total_minor"], 117_994);
    assert_eq!(cn["taxable_minor"].as_i64().unwrap() + cn["igst_minor"].as_i64().unwrap(), 117_994);
    assert_eq!(cn["cgst_minor"], 0);
    let refund_events: Vec<Value> = sim_events(&b).await.into_iter().filter(|e| e["event"] == "refund.processed").collect();
    for e in &refund_events {
        assert_eq!(post_event(app, WEBHOOK_SECRET, e["id"].as_str().unwrap(), e["body"].as_str().unwrap()).await, 200);
    }
    assert_eq!(invoices(app, &t).await.iter().filter(|i| i["kind"] == "credit_note").count(), 1);
    // The account cannot be deleted while it is subscribed.
    let res = app.post_json(&t.token, "/api/v1/account/deletion", &json!({"confirm": "Acme"})).await;
    assert_eq!(res.status(), 409);
    // Subscribing again while this one is live is a clear 409.
    let res = app.post_json(&t.token, "/api/v1/billing/subscribe", &json!({"plan": "business"})).await;
    assert_eq!(res.status(), 409);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "SUBSCRIPTION_EXISTS");
    // Enterprise is invoiced, never put on a card.
    let res = app.post_json(&t.token, "/api/v1/billing/subscribe", &json!({"plan": "enterprise"})).await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "PLAN_INVOICED");
    let _ = sub;
}

#[actix_rt::test]
async fn gst_splits_within_the_state_and_numbers_restart_on_the_first_of_april() {
    let b = billed_app(Duration::from_secs(15 * 86_400)).await;
    let app = &b.app;
    // An unregistered customer with no details: supplied in the platform's
    // state, so CGST + SGST.
    let t = app.register("Local").await;
    let captured = |id: &str, at: chrono::DateTime<Utc>, amount: i64| {
        json!({"entity": "event", "event": "payment.captured", "contains": ["payment"], "created_at": at.timestamp(),
            "payload": {"payment": {"entity": {"id": id, "entity": "payment", "amount": amount, "currency": "INR", "status": "captured",
                "captured": true, "notes": {"tenant_id": t.tenant_id}, "created_at": at.timestamp()}}}})
        .to_string()
    };
    // 31 March 23:59:59 and 1 April 00:00:00, Indian time.
    let march = Utc.with_ymd_and_hms(2027, 3, 31, 18, 29, 59).unwrap();
    let april = Utc.with_ymd_and_hms(2027, 3, 31, 18, 30, 0).unwrap();
    assert_eq!(post_event(app, WEBHOOK_SECRET, "evt_m1", &captured("pay_March0001", march, 117_882)).await, 200);
    assert_eq!(post_event(app, WEBHOOK_SECRET, "evt_m2", &captured("pay_March0002", march, 119)).await, 200);
    assert_eq!(post_event(app, WEBHOOK_SECRET, "evt_a1", &captured("pay_April0001", april, 943_882)).await, 200);
    let inv = invoices(app, &t).await;
    let by_payment = |p: &str| inv.iter().find(|i| i["payment_id"] == p).cloned().unwrap();
    let m1 = by_payment("pay_March0001");
    let m2 = by_payment("pay_March0002");
    let a1 = by_payment("pay_April0001");
    assert_eq!((m1["number"].as_str(), m1["financial_year"].as_str()), (Some("WF2627-000001"), Some("2026-27")));
    assert_eq!(m2["number"], "WF2627-000002");
    assert_eq!((a1["number"].as_str(), a1["financial_year"].as_str()), (Some("WF2728-000001"), Some("2027-28")));
    assert_eq!(
        (m1["taxable_minor"].as_i64(), m1["cgst_minor"].as_i64(), m1["sgst_minor"].as_i64(), m1["igst_minor"].as_i64()),
        (Some(99_900), Some(8_991), Some(8_991), Some(0))
    );
    assert_eq!(m1["place_of_supply"], "29-Karnataka");
    // An odd paisa of tax: still adds up exactly.
    assert_eq!((m2["taxable_minor"].as_i64(), m2["cgst_minor"].as_i64(), m2["sgst_minor"].as_i64()), (Some(101), Some(9), Some(9)));
    for i in &inv {
        let sum: i64 = ["taxable_minor", "cgst_minor", "sgst_minor", "igst_minor"].iter().map(|k| i[*k].as_i64().unwrap()).sum();
        assert_eq!(sum, i["total_minor"].as_i64().unwrap());
    }
    // A payment whose tenant is learnt later (no notes) waits for it, then
    // is invoiced once when the invoice.paid naming its subscription comes.
    let sub = subscribe_and_pay(&b, &t, "starter").await;
    let at = Utc::now().timestamp();
    let orphan = json!({"entity": "event", "event": "payment.captured", "contains": ["payment"], "created_at": at,
        "payload": {"payment": {"entity": {"id": "pay_Orphan0001", "entity": "payment", "amount": 117_882, "currency": "INR",
            "status": "captured", "captured": true, "invoice_id": "inv_Orphan0001", "notes": {}, "created_at": at}}}})
    .to_string();
    assert_eq!(post_event(app, WEBHOOK_SECRET, "evt_o1", &orphan).await, 200);
    assert!(invoices(app, &t).await.iter().all(|i| i["payment_id"] != "pay_Orphan0001"));
    let paid = json!({"entity": "event", "event": "invoice.paid", "contains": ["payment", "invoice"], "created_at": at,
        "payload": {"payment": {"entity": {"id": "pay_Orphan0001", "entity": "payment", "amount": 117_882, "currency": "INR",
            "status": "captured", "captured": "1", "invoice_id": "inv_Orphan0001", "notes": {}, "created_at": at}},
            "invoice": {"entity": {"id": "inv_Orphan0001", "entity": "invoice", "subscription_id": sub, "payment_id": "pay_Orphan0001", "status": "paid"}}}})
    .to_string();
    assert_eq!(post_event(app, WEBHOOK_SECRET, "evt_o2", &paid).await, 200);
    assert_eq!(post_event(app, WEBHOOK_SECRET, "evt_o3", &paid).await, 200);
    let orphans = invoices(app, &t).await.into_iter().filter(|i| i["payment_id"] == "pay_Orphan0001").count();
    assert_eq!(orphans, 1);
}

#[actix_rt::test]
async fn failed_charges_restrict_the_account_and_a_payment_restores_it_with_nothing_lost() {
    let b = billed_app(Duration::from_secs(15 * 86_400)).await;
    let app = &b.app;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    let conversation = app.open_conversation(&t, "919811100001").await;
    let menu = json!({"name": "menu", "trigger_type": "keyword", "trigger_value": "menu", "flow_data": {"nodes": [
        {"id": "m", "type": "message", "position": {"x": 0, "y": 0}, "data": {"start": true, "text": "Here is our menu"}}], "edges": []}});
    crate::flows::create_flow(app, &t, menu).await;
    let menus =
        || async { crate::flows::bot_texts(app, "+919811100002").await.iter().filter(|x| x.as_str() == "Here is our menu").count() };
    let sub = subscribe_and_pay(&b, &t, "starter").await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919811100002", "wamid.menu-first", "menu")).await;
    eventually("the menu flow runs", WAIT, || async { (menus().await == 1).then_some(()) }).await;
    // The first failure: pending at Razorpay, grace here (everything works).
    sim_charge(&b, &sub, true).await;
    eventually("grace", WAIT, || async { (account_status(app, &t).await == "grace").then_some(()) }).await;
    assert!(app.send(&t, &conversation, json!({"type": "text", "text": {"body": "still works"}})).await.status().is_success());
    // The fourth failure in a row: halted at Razorpay, restricted here.
    for _ in 0..3 {
        sim_charge(&b, &sub, true).await;
    }
    eventually("restricted", WAIT, || async { (account_status(app, &t).await == "restricted").then_some(()) }).await;
    assert_eq!(subscription(app, &t).await["status"], "halted");
    let res = app.send(&t, &conversation, json!({"type": "text", "text": {"body": "blocked"}})).await;
    assert_eq!(res.status(), 402);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "ACCOUNT_RESTRICTED");
    assert!(v["error"]["message"].as_str().unwrap().contains("Billing"), "{v}");
    // Inbound is still received, stored and shown; the inbox reads; no
    // automation starts.
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919811100001", "wamid.while-restricted", "are you there?")).await;
    eventually("inbound stored", WAIT, || async { app.message_by_wamid(&t, "wamid.while-restricted").await }).await;
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919811100002", "wamid.menu-restricted", "menu")).await;
    eventually("inbound stored", WAIT, || async { app.message_by_wamid(&t, "wamid.menu-restricted").await }).await;
    settled(app).await;
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM flow_runs").fetch_one(&app.owner).await.unwrap();
    assert_eq!(runs, 1, "no flow run starts while the account is restricted");
    assert_eq!(menus().await, 1, "no flow starts while the account is restricted");
    // Paid: active again, and sending works.
    sim_charge(&b, &sub, false).await;
    eventually("active again", WAIT, || async { (account_status(app, &t).await == "active").then_some(()) }).await;
    assert!(app.send(&t, &conversation, json!({"type": "text", "text": {"body": "back"}})).await.status().is_success());
    app.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, "919811100002", "wamid.menu-active", "menu")).await;
    eventually("the menu flow runs again", WAIT, || async { (menus().await == 2).then_some(()) }).await;
    assert_eq!(invoices(app, &t).await.len(), 2, "two captured payments, two invoices; failures none");
    let (_, audit) = app.get(&t, "/api/v1/audit").await;
    let actions: Vec<&str> = audit["data"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"billing.account_state") && actions.contains(&"billing.invoiced"), "{actions:?}");
}

#[actix_rt::test]
async fn an_account_left_unpaid_is_suspended_and_a_payment_reactivates_it() {
    let b = billed_app(Duration::ZERO).await;
    let app = &b.app;
    let t = app.register("Late").await;
    let sub = subscribe_and_pay(&b, &t, "starter").await;
    for _ in 0..4 {
        sim_charge(&b, &sub, true).await;
    }
    let owner = sqlx::PgPool::connect(&app.db_url).await.unwrap();
    let tenant: uuid::Uuid = t.tenant_id.parse().unwrap();
    let status = || async {
        sqlx::query_scalar::<_, String>("SELECT status FROM tenants WHERE id = $1").bind(tenant).fetch_one(&owner).await.unwrap()
    };
    eventually("suspended", WAIT, || async { (status().await == "suspended").then_some(()) }).await;
    // Signed out, and sign-in says where to pay.
    assert_eq!(app.get(&t, "/api/v1/auth/me").await.0, 401);
    let admin_email: String =
        sqlx::query_scalar("SELECT email FROM users WHERE tenant_id = $1").bind(tenant).fetch_one(&owner).await.unwrap();
    let res = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": admin_email, "password": "correct-horse-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "TENANT_SUSPENDED");
    let message = v["error"]["message"].as_str().unwrap().to_owned();
    let url = message.split("pay at ").nth(1).and_then(|r| r.split_whitespace().next()).unwrap().to_owned();
    assert!(url.contains(&sub), "{message}");
    // The customer pays there with a working card: the account is back.
    let paid = app.http.post(format!("{url}/pay")).send().await.unwrap();
    assert!(paid.text().await.unwrap().contains("Payment successful"));
    eventually("active", WAIT, || async { (status().await == "active").then_some(()) }).await;
    // An operator's suspension is never lifted by billing.
    let op = operator(app).await;
    let res = app.patch_json(&op, &format!("/api/v1/admin/tenants/{}", t.tenant_id), &json!({"status": "suspended"})).await;
    assert_eq!(res.status(), 200);
    sim_charge(&b, &sub, false).await;
    // Razorpay's webhook is applied before it is answered.
    delivered(&b, 1).await;
    assert_eq!(status().await, "suspended");
}

/// Moves `t` to a plan that bills Meta's charges through the wallet.
async fn prepaid(app: &TestApp, t: &Tenant) -> String {
    let op = operator(app).await;
    let res = app
        .post_json(
            &op,
            "/api/v1/admin/plans",
            &json!({"code": "prepaid", "name": "Prepaid", "price_monthly_minor": 49_900,
                    "limits": {}, "features": ["broadcasts", "wallet"]}),
        )
        .await;
    assert!(res.status() == 201 || res.status() == 409);
    crate::plans::set_plan(app, &op, t, json!({"plan": "prepaid"})).await;
    op
}

async fn wallet(app: &TestApp, t: &Tenant) -> Value {
    let (s, v) = app.get(t, "/api/v1/wallet").await;
    assert_eq!(s, 200, "{v}");
    v
}

async fn credit(app: &TestApp, op: &str, t: &Tenant, paise: i64) {
    let res = app
        .post_json(op, &format!("/api/v1/admin/tenants/{}/wallet", t.tenant_id), &json!({"amount_minor": paise, "note": "bank transfer"}))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
}

fn spring_sale_message(name: &str) -> Value {
    json!({"type": "template", "template": {"name": "spring_sale", "language": {"code": "en"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": name}, {"type": "text", "text": "20%"}]}]}})
}

#[actix_rt::test]
async fn concurrent_paid_sends_never_overdraw_the_wallet_and_failures_release_their_hold() {
    let b = billed_app(Duration::from_secs(15 * 86_400)).await;
    let app = &b.app;
    let (t, _) = crate::campaigns::ready(app).await;
    let op = prepaid(app, &t).await;
    assert_eq!(wallet(app, &t).await["enabled"], true);
    // ₹3 covers three marketing templates to India (₹0.8631 each), not four.
    credit(app, &op, &t, 300).await;
    let mut conversations = Vec::new();
    for i in 0..8 {
        conversations.push(app.open_conversation(&t, &format!("91981230000{i}")).await);
    }
    let sends = conversations.iter().map(|c| app.send(&t, c, spring_sale_message("Asha")));
    let answers = futures::future::join_all(sends).await;
    let mut ok = 0;
    let mut refused = 0;
    for res in answers {
        match res.status().as_u16() {
            201 => ok += 1,
            402 => {
                let v: Value = res.json().await.unwrap();
                assert_eq!(v["error"]["code"], "WALLET_BALANCE_LOW");
                assert!(v["error"]["message"].as_str().unwrap().contains("top up"), "{v}");
                refused += 1;
            }
            s => panic!("unexpected {s}"),
        }
    }
    assert_eq!((ok, refused), (3, 5));
    // Held or already debited (a delivery may beat this read on a busy
    // machine): together exactly the three sends' cost, never more.
    let w = wallet(app, &t).await;
    let (balance, reserved) = (w["balance_e4"].as_i64().unwrap(), w["reserved_e4"].as_i64().unwrap());
    assert_eq!((30_000 - balance) + reserved, 3 * 8_631, "{w}");
    assert!(balance >= reserved, "{w}");
    // Delivered: each debited its metered cost, nothing held any more.
    let w = eventually("the debits", WAIT, || async {
        let w = wallet(app, &t).await;
        (w["reserved_e4"] == 0).then_some(w)
    })
    .await;
    assert_eq!(w["balance_e4"], 30_000 - 3 * 8_631);
    assert_eq!(w["ledger"].as_array().unwrap().iter().filter(|e| e["kind"] == "debit").count(), 3);
    // Free replies inside the window need no balance.
    let res = app.send(&t, &conversations[7], json!({"type": "text", "text": {"body": "thanks for writing"}})).await;
    assert_eq!(res.status(), 201);
    // A send Meta fails gives its hold back.
    app.sim_control(json!({"fail_recipients": ["919812300000"]})).await;
    credit(app, &op, &t, 100).await;
    let res = app.send(&t, &conversations[0], spring_sale_message("Ravi")).await;
    assert_eq!(res.status(), 201);
    let w = eventually("the release", WAIT, || async {
        let w = wallet(app, &t).await;
        (w["reserved_e4"] == 0 && w["ledger"].as_array().unwrap().iter().any(|e| e["kind"] == "release")).then_some(w)
    })
    .await;
    assert_eq!(w["balance_e4"], 30_000 - 3 * 8_631 + 10_000);
}

#[actix_rt::test]
async fn a_campaign_larger_than_the_wallet_sends_what_is_covered_and_goes_on_after_a_top_up() {
    let b = billed_app(Duration::from_secs(15 * 86_400)).await;
    let app = &b.app;
    let (t, channel) = crate::campaigns::ready(app).await;
    let op = prepaid(app, &t).await;
    // ₹2 covers two of five.
    credit(app, &op, &t, 200).await;
    crate::campaigns::contacts(
        app,
        &t,
        "promo",
        &[
            ("+919812400001", "A", true),
            ("+919812400002", "B", true),
            ("+919812400003", "C", true),
            ("+919812400004", "D", true),
            ("+919812400005", "E", true),
        ],
    )
    .await;
    let id = crate::campaigns::create(app, &t, &crate::campaigns::spring_sale(&channel, "promo", 20)).await;
    assert_eq!(crate::campaigns::action(app, &t, &id, "start").await.0, 200);
    let c = eventually("two sent, then waiting for money", WAIT, || async {
        let (_, c) = app.get(&t, &format!("/api/v1/campaigns/{id}")).await;
        let s = crate::campaigns::stats(app, &t, &id).await;
        let out = s["delivered"].as_i64().unwrap() + s["read"].as_i64().unwrap();
        (out == 2 && c["waiting_reason"].as_str().is_some_and(|r| r.contains("wallet"))).then_some(c)
    })
    .await;
    assert_eq!(c["status"], "running");
    let s = crate::campaigns::stats(app, &t, &id).await;
    assert_eq!(s["pending"], 3, "{s}");
    // A top-up through a Razorpay payment link; the campaign goes on.
    let res = app.post_json(&t.token, "/api/v1/wallet/topup", &json!({"amount_minor": 50_000})).await;
    assert_eq!(res.status(), 201);
    let link: Value = res.json().await.unwrap();
    let paid = app.http.post(link["short_url"].as_str().unwrap().to_owned() + "/pay").send().await.unwrap();
    assert!(paid.text().await.unwrap().contains("Payment successful"));
    eventually("the campaign completed", Duration::from_secs(30), || async {
        (crate::campaigns::status(app, &t, &id).await == "completed").then_some(())
    })
    .await;
    eventually("all five delivered", WAIT, || async {
        let s = crate::campaigns::stats(app, &t, &id).await;
        (s["delivered"].as_i64().unwrap() + s["read"].as_i64().unwrap() == 5).then_some(())
    })
    .await;
    let w = eventually("settled", WAIT, || async {
        let w = wallet(app, &t).await;
        (w["reserved_e4"] == 0).then_some(w)
    })
    .await;
    assert_eq!(w["balance_e4"], 20_000 + 5_000_000 - 5 * 8_631);
    // The top-up's webhooks again: credited once; invoiced once, as a top-up.
    for e in delivered(&b, 2).await.iter().filter(|e| e["event"] == "payment.captured" || e["event"] == "payment_link.paid") {
        assert_eq!(post_event(app, WEBHOOK_SECRET, e["id"].as_str().unwrap(), e["body"].as_str().unwrap()).await, 200);
        assert_eq!(
            post_event(app, WEBHOOK_SECRET, &format!("{}-again", e["id"].as_str().unwrap()), e["body"].as_str().unwrap()).await,
            200
        );
    }
    let w = wallet(app, &t).await;
    assert_eq!(w["ledger"].as_array().unwrap().iter().filter(|e| e["kind"] == "topup").count(), 1);
    let (_, audit) = app.get(&t, "/api/v1/audit").await;
    assert_eq!(audit["data"].as_array().unwrap().iter().filter(|e| e["action"] == "wallet.topped_up").count(), 1);
    let topups: Vec<Value> =
        invoices(app, &t).await.into_iter().filter(|i| i["description"].as_str().unwrap().contains("wallet")).collect();
    assert_eq!(topups.len(), 1);
    // GST on top: ₹500 credited, ₹590 charged, the invoice's tax is the ₹90.
    assert_eq!((topups[0]["total_minor"].as_i64(), topups[0]["taxable_minor"].as_i64()), (Some(59_000), Some(50_000)));
}

#[actix_rt::test]
async fn a_cancelled_subscription_keeps_its_plan_until_its_paid_time_ends() {
    let b = billed_app(Duration::from_secs(15 * 86_400)).await;
    let app = &b.app;
    let op = operator(app).await;
    let res =
        app.http.put(app.url("/api/v1/admin/settings")).bearer_auth(&op).json(&json!({"default_plan": "starter"})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let t = app.register("Acme").await;
    assert_eq!(app.get(&t, "/api/v1/account/plan").await.1["plan"]["code"], "starter");
    let sub = subscribe_and_pay(&b, &t, "professional").await;
    assert_eq!(app.get(&t, "/api/v1/account/plan").await.1["plan"]["code"], "professional");
    let res = app.post_json(&t.token, "/api/v1/billing/cancel", &json!({})).await;
    assert_eq!(res.status(), 200);
    eventually("cancelled", WAIT, || async { (subscription(app, &t).await["status"] == "cancelled").then_some(()) }).await;
    // The paid month is still theirs (whole sweeps later).
    meter_passed(app).await;
    assert_eq!(app.get(&t, "/api/v1/account/plan").await.1["plan"]["code"], "professional");
    // Its end comes: the plan lapses to the platform's starting plan.
    sqlx::query("UPDATE subscriptions SET current_end = now() - interval '1 second' WHERE id = $1")
        .bind(&sub)
        .execute(&app.owner)
        .await
        .unwrap();
    eventually("the plan lapsed", WAIT, || async {
        (app.get(&t, "/api/v1/account/plan").await.1["plan"]["code"] == "starter").then_some(())
    })
    .await;
    let (_, audit) = app.get(&t, "/api/v1/audit").await;
    assert!(audit["data"].as_array().unwrap().iter().any(|e| e["action"] == "billing.plan_lapsed"));
}

#[actix_rt::test]
async fn a_sequence_step_the_wallet_cannot_cover_waits_instead_of_overdrawing() {
    let b = billed_app(Duration::from_secs(15 * 86_400)).await;
    let app = &b.app;
    let (t, channel) = crate::campaigns::ready(app).await;
    let op = prepaid(app, &t).await;
    // ₹2 covers two marketing templates of three.
    credit(app, &op, &t, 200).await;
    let ids = crate::campaigns::contacts(
        app,
        &t,
        "drip",
        &[("+919812500001", "A", true), ("+919812500002", "B", true), ("+919812500003", "C", true)],
    )
    .await;
    let res = app
        .post_json(
            &t.token,
            "/api/v1/campaigns",
            &json!({"type": "drip", "name": "Paid drip", "channel_id": channel, "steps": [{"delay_seconds": 0,
                    "template": {"name": "spring_sale", "language": "en"},
                    "variables": {"body": [{"field": "contact.name"}, {"value": "20%"}]}}]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let drip = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(crate::campaigns::action(app, &t, &drip, "start").await.0, 200);
    for id in &ids {
        let res = app.post_json(&t.token, &format!("/api/v1/contacts/{id}/campaigns/{drip}/enroll"), &json!({})).await;
        assert_eq!(res.status(), 201);
    }
    // The one the wallet cannot cover is put off a minute (not failed, not
    // sent), once the worker has tried it.
    let at = |v: &Value| v.as_str().unwrap().parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    let (_, waiting) = eventually("two completed, one waiting for money", WAIT, || async {
        let (_, done) = app.get(&t, &format!("/api/v1/campaigns/{drip}/enrollments?state=completed")).await;
        let (_, active) = app.get(&t, &format!("/api/v1/campaigns/{drip}/enrollments?state=active")).await;
        let tried = active["data"].as_array().unwrap().iter().any(|e| at(&e["due_at"]) > at(&e["enrolled_at"]));
        (done["data"].as_array().unwrap().len() == 2 && active["data"].as_array().unwrap().len() == 1 && tried).then_some((done, active))
    })
    .await;
    let (due, enrolled) = (at(&waiting["data"][0]["due_at"]), at(&waiting["data"][0]["enrolled_at"]));
    assert!(due - enrolled >= chrono::Duration::seconds(30), "the short step waits a minute: {waiting}");
    let sends = app.sim_sends().await.into_iter().filter(|b| b["type"] == "template").count();
    assert_eq!(sends, 2, "a send the wallet could not cover went out");
    let w = eventually("the two settled", WAIT, || async {
        let w = wallet(app, &t).await;
        (w["reserved_e4"] == 0 && w["balance_e4"].as_i64().unwrap() < 20_000).then_some(w)
    })
    .await;
    assert!(w["balance_e4"].as_i64().unwrap() >= 0, "overdrawn: {w}");
}
