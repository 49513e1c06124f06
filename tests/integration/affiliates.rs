//! Referral affiliates and payouts against the real server and the
//! project's Razorpay simulator (RazorpayX payouts included), on a clock the
//! test moves: a link's first touch binds a sign-up within 60 days and
//! never the affiliate's own; commissions on the first 12 paid cycles, held
//! 30 days, voided by a refund meanwhile and clawed back after; payouts at
//! ₹1,000, paid once however often their request is retried, a reversed one
//! restoring the balance, and RazorpayX's late events ignored.

use crate::billing::{billed_on, invoices, post_event, sim_charge, sim_events, subscribe_and_pay, Billed, WEBHOOK_SECRET};
use crate::helpers::*;
use crate::plans::operator;
use chrono::Datelike;
use serde_json::{json, Value};
use std::sync::Arc;
use whatsflow_actors::ports::{Clock, ManualClock};

/// A server with billing and payouts on a manual clock.
async fn app_on_clock() -> (Billed, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::default());
    let b = billed_on(clock.clone(), |mut c| {
        c.billing.payout_account = Some("7878780080316316".into());
        c.billing.monthly_payouts = false;
        // Several sign-ups come from this one address.
        c.auth_limits.register_per_minute = 100;
        c
    })
    .await;
    (b, clock)
}

/// Signs in: the answer (tokens and user).
async fn sign_in(app: &TestApp, email: &str, password: &str) -> Value {
    let res = app.http.post(app.url("/api/v1/auth/login")).json(&json!({"email": email, "password": password})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Registers a business with this email, sending `cookie` (a referral).
async fn register_with(app: &TestApp, name: &str, email: &str, cookie: Option<&str>) -> Tenant {
    let mut req = app
        .http
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"tenant_name": name, "name": "Owner", "email": email, "password": "correct-horse-1"}));
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.unwrap();
    Tenant {
        token: v["access_token"].as_str().unwrap().to_owned(),
        refresh: v["refresh_token"].as_str().unwrap().to_owned(),
        tenant_id: v["user"]["tenant_id"].as_str().unwrap().to_owned(),
        user_id: v["user"]["id"].as_str().unwrap().to_owned(),
    }
}

/// Clicks a referral link: the cookie it set (name=value), if any.
async fn click(app: &TestApp, code: &str, cookie: Option<&str>) -> Option<String> {
    let mut req = http_client_without_redirects().get(app.url(&format!("/r/{code}")));
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/register");
    let set = res.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_owned())?;
    assert!(set.contains("HttpOnly") && set.contains("Max-Age=5184000") && set.contains("SameSite=Lax"), "{set}");
    Some(set.split(';').next().unwrap().to_owned())
}

/// `t` joins the programme and an operator approves them: their code.
async fn approved_affiliate(app: &TestApp, op: &str, t: &Tenant, body: Value) -> (String, String) {
    let res = app.post_json(&t.token, "/api/v1/affiliate", &body).await;
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["status"], "pending");
    let id = v["id"].as_str().unwrap().to_owned();
    let res = app.patch_json(op, &format!("/api/v1/admin/affiliates/{id}"), &json!({"status": "approved"})).await;
    assert_eq!(res.status(), 200);
    (id, v["code"].as_str().unwrap().to_owned())
}

async fn dashboard(app: &TestApp, t: &Tenant) -> Value {
    let (status, v) = app.get(t, "/api/v1/affiliate").await;
    assert_eq!(status, 200, "{v}");
    v
}

#[actix_rt::test]
async fn a_referral_link_binds_the_first_touch_within_sixty_days_and_never_the_affiliates_own() {
    let (b, clock) = app_on_clock().await;
    let app = &b.app;
    let op = operator(app).await;
    let asha = register_with(app, "Asha Media", "asha@ashamedia.in", None).await;
    let res = app.post_json(&asha.token, "/api/v1/affiliate", &json!({"payout_vpa": "not a vpa"})).await;
    assert_eq!(res.status(), 400);
    let joined: Value = app.post_json(&asha.token, "/api/v1/affiliate", &json!({"payout_vpa": "asha@okbank"})).await.json().await.unwrap();
    let code = joined["code"].as_str().unwrap().to_owned();
    assert!(joined["link"].as_str().unwrap().ends_with(&format!("/r/{code}")));
    // Pending: the link leads to sign-up but binds nobody.
    assert_eq!(click(app, &code, None).await, None);
    let again = app.post_json(&asha.token, "/api/v1/affiliate", &json!({})).await;
    assert_eq!(again.status(), 409);
    assert_eq!(again.json::<Value>().await.unwrap()["error"]["code"], "AFFILIATE_EXISTS");
    let id = joined["id"].as_str().unwrap();
    app.patch_json(&op, &format!("/api/v1/admin/affiliates/{id}"), &json!({"status": "approved"})).await;

    // A visitor clicks, then signs up: the account is Asha's referral.
    let cookie = click(app, &code, None).await.expect("a referral cookie");
    register_with(app, "Sharma Sweets", "ravi@sharma.in", Some(&cookie)).await;
    let d = dashboard(app, &asha).await;
    assert_eq!(d["stats"]["clicks"], 1);
    assert_eq!(d["stats"]["signups"], 1);

    // First touch: a later click on another affiliate's link keeps Asha's cookie.
    let bala = register_with(app, "Bala Ads", "bala@bala-ads.in", None).await;
    let (_, bala_code) = approved_affiliate(app, &op, &bala, json!({})).await;
    assert_eq!(click(app, &bala_code, Some(&cookie)).await, None, "the first touch is kept");
    register_with(app, "Gupta Traders", "neha@gupta.in", Some(&cookie)).await;
    assert_eq!(dashboard(app, &asha).await["stats"]["signups"], 2);
    assert_eq!(dashboard(app, &bala).await["stats"]["signups"], 0);
    assert_eq!(dashboard(app, &bala).await["stats"]["clicks"], 1);

    // The affiliate's own company signing up is refused (kept, with the reason).
    register_with(app, "Asha Media Two", "office@ashamedia.in", Some(&cookie)).await;
    let (_, refs) = app.get(&asha, "/api/v1/affiliate/referrals").await;
    let refused = refs["data"].as_array().unwrap().iter().find(|r| r["tenant_name"] == "Asha Media Two").unwrap().clone();
    assert_eq!(refused["status"], "refused_self");
    assert!(refused["reason"].as_str().unwrap().contains("ashamedia.in"));
    assert_eq!(dashboard(app, &asha).await["stats"]["signups"], 2);

    // A forged cookie binds nobody.
    let forged = cookie.replace(&cookie[cookie.len() - 4..], "0000");
    register_with(app, "Forged", "x@forged.in", Some(&forged)).await;
    // A click older than 60 days binds nobody.
    let old = click(app, &bala_code, None).await.expect("a cookie");
    clock.advance(chrono::Duration::days(61));
    register_with(app, "Late Signup", "late@late.in", Some(&old)).await;
    assert_eq!(dashboard(app, &bala).await["stats"]["signups"], 0);
    assert_eq!(dashboard(app, &asha).await["stats"]["signups"], 2);
}

async fn commissions(app: &TestApp, t: &Tenant) -> Vec<Value> {
    let (status, v) = app.get(t, "/api/v1/affiliate/commissions").await;
    assert_eq!(status, 200, "{v}");
    v["data"].as_array().unwrap().clone()
}

async fn payments(app: &TestApp, t: &Tenant) -> Vec<String> {
    let mut inv: Vec<Value> = invoices(app, t).await.into_iter().filter(|i| i["kind"] == "invoice").collect();
    inv.sort_by_key(|i| i["number"].as_str().unwrap().to_owned());
    inv.iter().map(|i| i["payment_id"].as_str().unwrap().to_owned()).collect()
}

async fn refund(app: &TestApp, op: &str, payment: &str, amount: i64) {
    let res = app.post_json(op, &format!("/api/v1/admin/payments/{payment}/refund"), &json!({"amount_minor": amount})).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

#[actix_rt::test]
async fn commissions_are_held_stop_after_twelve_cycles_and_refunds_void_or_claw_back() {
    let (b, clock) = app_on_clock().await;
    let app = &b.app;
    let op = operator(app).await;
    let asha = register_with(app, "Asha Media", "asha@ashamedia.in", None).await;
    let (_, code) = approved_affiliate(app, &op, &asha, json!({"payout_vpa": "asha@okbank"})).await;
    let cookie = click(app, &code, None).await.unwrap();
    let client = register_with(app, "Sharma Sweets", "ravi@sharma.in", Some(&cookie)).await;

    // ₹2,999 + GST paid: 20% of ₹2,999 (before GST) is ₹599.80, held 30 days.
    let sub = subscribe_and_pay(&b, &client, "professional").await;
    let c = eventually("the first commission", WAIT, || async {
        let c = commissions(app, &asha).await;
        (!c.is_empty()).then_some(c)
    })
    .await;
    assert_eq!(
        (c[0]["base_minor"].as_i64(), c[0]["amount_minor"].as_i64(), c[0]["cycle"].as_i64()),
        (Some(299_900), Some(59_980), Some(1))
    );
    assert_eq!(c[0]["state"], "held");
    let d = dashboard(app, &asha).await;
    assert_eq!(d["earnings"]["held_minor"], 59_980);
    assert_eq!(d["earnings"]["payable_minor"], 0);
    assert_eq!(d["stats"]["conversions"], 1);

    // Twelve more cycles are charged: only the first twelve earn.
    for n in 2..=13 {
        sim_charge(&b, &sub, false).await;
        eventually("the cycle invoiced", WAIT, || async { (payments(app, &client).await.len() == n).then_some(()) }).await;
    }
    let c = eventually("twelve commissions", WAIT, || async {
        let c = commissions(app, &asha).await;
        (c.len() == 12).then_some(c)
    })
    .await;
    let mut cycles: Vec<i64> = c.iter().map(|x| x["cycle"].as_i64().unwrap()).collect();
    cycles.sort_unstable();
    assert_eq!(cycles, (1..=12).collect::<Vec<_>>());
    let paid = payments(app, &client).await;
    assert!(!c.iter().any(|x| x["payment_id"] == paid[12].as_str()), "the 13th cycle earns nothing");

    // A refund during the hold voids that commission.
    refund(app, &op, &paid[1], 353_882).await;
    eventually("the commission voided", WAIT, || async {
        let c = commissions(app, &asha).await;
        c.iter().any(|x| x["payment_id"] == paid[1].as_str() && x["kind"] == "commission" && x["state"] == "void").then_some(())
    })
    .await;
    assert_eq!(dashboard(app, &asha).await["earnings"]["held_minor"], 11 * 59_980);

    // Past the hold the rest is payable and paid out (above ₹1,000).
    clock.advance(chrono::Duration::days(31));
    let d = dashboard(app, &asha).await;
    assert_eq!(d["earnings"]["held_minor"], 0);
    assert_eq!(d["earnings"]["payable_minor"], 11 * 59_980);
    let (status, run) = {
        let res = app.post_json(&op, "/api/v1/admin/payouts/run", &json!({})).await;
        (res.status().as_u16(), res.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 200, "{run}");
    assert_eq!(run["created"], 1);
    eventually("the payout processed", WAIT, || async {
        let d = dashboard(app, &asha).await;
        (d["earnings"]["paid_minor"] == 11 * 59_980).then_some(())
    })
    .await;
    assert_eq!(dashboard(app, &asha).await["balance_minor"], 0);

    // A refund after the payout is clawed back: the balance goes below zero and is carried.
    refund(app, &op, &paid[2], 353_882).await;
    let d = eventually("the clawback", WAIT, || async {
        let d = dashboard(app, &asha).await;
        (d["balance_minor"] == -59_980).then_some(d)
    })
    .await;
    assert_eq!(d["earnings"]["clawed_back_minor"], 2 * 59_980);
    // Below the threshold nothing is paid.
    let res = app.post_json(&op, "/api/v1/admin/payouts/run", &json!({})).await;
    assert_eq!(res.json::<Value>().await.unwrap()["created"], 0);
    let (_, list) = app.get(&asha, "/api/v1/affiliate/payouts").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}

#[actix_rt::test]
async fn a_payout_is_paid_once_when_retried_and_a_reversed_one_restores_the_balance() {
    let (b, _clock) = app_on_clock().await;
    let app = &b.app;
    let op = operator(app).await;
    // A partner with a revenue share: one client payment earns it ₹1,799.40.
    let slug = "payee";
    let res = app
        .post_json(
            &op,
            "/api/v1/admin/partners",
            &json!({"name": "Payee Digital", "slug": slug, "model": "revenue_share", "revenue_share_bps": 6000,
                    "admin_email": "admin@payee.example", "admin_password": "partner-pass-1"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let partner = sign_in(app, "admin@payee.example", "partner-pass-1").await["access_token"].as_str().unwrap().to_owned();
    let res = app
        .http
        .put(app.url("/api/v1/partner/payout"))
        .bearer_auth(&partner)
        .json(&json!({"payout_vpa": "Payee@OKBank"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["payout_vpa"], "payee@okbank");
    let client_login = app
        .post_json(
            &partner,
            "/api/v1/partner/clients",
            &json!({"name": "Client One", "admin_name": "Owner", "admin_email": "owner@client-one.example", "admin_password": "client-pass-1"}),
        )
        .await;
    assert_eq!(client_login.status(), 201);
    let signed = sign_in(app, "owner@client-one.example", "client-pass-1").await;
    let client = Tenant {
        token: signed["access_token"].as_str().unwrap().to_owned(),
        refresh: String::new(),
        tenant_id: signed["user"]["tenant_id"].as_str().unwrap().to_owned(),
        user_id: signed["user"]["id"].as_str().unwrap().to_owned(),
    };
    let sub = subscribe_and_pay(&b, &client, "professional").await;
    let payouts = |token: String| async move {
        let v: Value = app.http.get(app.url("/api/v1/partner/payouts")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
        v["data"].as_array().unwrap().clone()
    };
    let root = b.rzp.base_url.trim_end_matches("/v1").to_owned();
    let sim_payouts = || async {
        let v: Value = app.http.get(format!("{root}/__sim/payouts")).send().await.unwrap().json().await.unwrap();
        v["items"].as_array().unwrap().clone()
    };
    let control = |body: Value| {
        let url = format!("{root}/__sim/payouts/control");
        async move {
            assert_eq!(app.http.post(url).json(&body).send().await.unwrap().status(), 200);
        }
    };

    // RazorpayX makes the payout but its answer is unreadable and its
    // webhooks do not arrive: the payout waits, then is sent again with its key.
    b.rzp.state.set_webhook_url("");
    control(json!({"garble": 1})).await;
    let first: Value = app.post_json(&op, "/api/v1/admin/payouts/run", &json!({})).await.json().await.unwrap();
    assert_eq!(first["created"], 0, "{first}");
    let p = payouts(partner.clone()).await;
    assert_eq!(p.len(), 1);
    assert_eq!(p[0]["amount_minor"], 179_940);
    let second: Value = app.post_json(&op, "/api/v1/admin/payouts/run", &json!({})).await.json().await.unwrap();
    assert_eq!(second["created"], 1, "{second}");
    // Its answer this time says where it stands.
    let p = payouts(partner.clone()).await;
    assert_eq!(p.len(), 1);
    assert!(matches!(p[0]["status"].as_str(), Some("processing" | "processed")), "{p:?}");
    assert_eq!(sim_payouts().await.len(), 1, "paid once");
    // The webhooks held back arrive late, in any order: nothing changes.
    b.rzp.state.set_webhook_url(&app.url("/webhooks/razorpay"));
    let held_back = eventually("RazorpayX's processed event", WAIT, || async {
        let ev = sim_events(&b).await;
        ev.iter().any(|e| e["event"] == "payout.processed").then_some(ev)
    })
    .await;
    for e in held_back.iter().rev().filter(|e| e["event"].as_str().unwrap().starts_with("payout.")) {
        assert_eq!(post_event(app, WEBHOOK_SECRET, e["id"].as_str().unwrap(), e["body"].as_str().unwrap()).await, 200);
    }
    assert_eq!(payouts(partner.clone()).await[0]["status"], "processed");
    // Another run finds nothing due.
    let third: Value = app.post_json(&op, "/api/v1/admin/payouts/run", &json!({})).await.json().await.unwrap();
    assert_eq!(third["created"], 0);

    // RazorpayX's late events after the final state change nothing.
    let events = sim_events(&b).await;
    let initiated = events.iter().find(|e| e["event"] == "payout.initiated").unwrap();
    assert_eq!(post_event(app, WEBHOOK_SECRET, "evt_replayed_initiated", initiated["body"].as_str().unwrap()).await, 200);
    assert_eq!(payouts(partner.clone()).await[0]["status"], "processed");

    // The next cycle's share is paid out; the bank reverses it: the balance is restored and paid again.
    sim_charge(&b, &sub, false).await;
    eventually("the second share", WAIT, || async {
        let (_, l) =
            (0, app.http.get(app.url("/api/v1/partner/ledger")).bearer_auth(&partner).send().await.unwrap().json::<Value>().await.unwrap());
        (l["entries"].as_array().unwrap().len() == 2).then_some(())
    })
    .await;
    control(json!({"outcomes": ["reversed"]})).await;
    let run: Value = app.post_json(&op, "/api/v1/admin/payouts/run", &json!({})).await.json().await.unwrap();
    assert_eq!(run["created"], 1);
    let reversed = eventually("the payout reversed", WAIT, || async {
        payouts(partner.clone()).await.into_iter().find(|p| p["status"] == "reversed")
    })
    .await;
    assert_eq!(reversed["amount_minor"], 179_940);
    assert!(reversed["failure_reason"].as_str().unwrap().contains("rejected"));
    let run: Value = app.post_json(&op, "/api/v1/admin/payouts/run", &json!({})).await.json().await.unwrap();
    assert_eq!(run["created"], 1, "{run}");
    eventually("paid again", WAIT, || async {
        let p = payouts(partner.clone()).await;
        (p.iter().filter(|p| p["status"] == "processed").count() == 2).then_some(())
    })
    .await;
    assert_eq!(sim_payouts().await.len(), 3);
    // The operators see every payout.
    let (_, all) =
        (0, app.http.get(app.url("/api/v1/admin/payouts")).bearer_auth(&op).send().await.unwrap().json::<Value>().await.unwrap());
    assert_eq!(all["data"].as_array().unwrap().len(), 3);
    assert!(all["data"].as_array().unwrap().iter().all(|p| p["payee_kind"] == "partner" && p["payee_name"] == "Payee Digital"));
}

/// Subscribes `t` and pays at the checkout as the customer with this phone
/// and card number; waits for the invoice.
async fn subscribe_paying_as(b: &Billed, t: &Tenant, contact: &str, card: &str) -> String {
    let v: Value = b.app.post_json(&t.token, "/api/v1/billing/subscribe", &json!({"plan": "professional"})).await.json().await.unwrap();
    let url = format!("{}/pay?contact={}&card={card}", v["short_url"].as_str().unwrap(), contact.replace('+', "%2B"));
    let paid = b.app.http.post(url).send().await.unwrap().text().await.unwrap();
    assert!(paid.contains("Payment successful"), "{paid}");
    eventually("the invoice", WAIT, || async { (!invoices(&b.app, t).await.is_empty()).then_some(()) }).await;
    v["razorpay_subscription_id"].as_str().unwrap().to_owned()
}

#[actix_rt::test]
async fn a_referral_paid_with_the_affiliates_own_phone_or_card_earns_nothing() {
    let (b, _clock) = app_on_clock().await;
    let app = &b.app;
    let op = operator(app).await;
    let asha = register_with(app, "Asha Media", "asha@ashamedia.in", None).await;
    let (_, code) =
        approved_affiliate(app, &op, &asha, json!({"phone": "+919811112222", "payout_vpa": "asha@okbank", "gstin": "29ABCDE1234F1Z5"}))
            .await;
    // Asha's own account pays with her card.
    subscribe_paying_as(&b, &asha, "+919833334444", "4111111111111111").await;
    let cookie = click(app, &code, None).await.unwrap();
    let by_phone = register_with(app, "Phone Friend", "owner@phone-friend.in", Some(&cookie)).await;
    let by_card = register_with(app, "Card Friend", "owner@card-friend.in", Some(&cookie)).await;
    let honest = register_with(app, "Real Customer", "owner@real-customer.in", Some(&cookie)).await;
    subscribe_paying_as(&b, &by_phone, "+91 98111 12222", "5555555555554444").await;
    subscribe_paying_as(&b, &by_card, "+919877776666", "4111111111111111").await;
    subscribe_paying_as(&b, &honest, "+919855556666", "6011111111111117").await;
    let refs = eventually("the honest referral's commission", WAIT, || async {
        let (_, refs) = app.get(&asha, "/api/v1/affiliate/referrals").await;
        let refs = refs["data"].as_array().unwrap().clone();
        refs.iter().any(|r| r["tenant_name"] == "Real Customer" && r["paid_cycles"] == 1).then_some(refs)
    })
    .await;
    let of = |name: &str| refs.iter().find(|r| r["tenant_name"] == name).unwrap().clone();
    assert_eq!(of("Phone Friend")["status"], "refused_self");
    assert!(of("Phone Friend")["reason"].as_str().unwrap().contains("phone"), "{refs:?}");
    assert_eq!(of("Card Friend")["status"], "refused_self");
    assert!(of("Card Friend")["reason"].as_str().unwrap().contains("payment method"), "{refs:?}");
    assert_eq!(of("Real Customer")["status"], "active");
    let c = commissions(app, &asha).await;
    assert_eq!(c.len(), 1, "only the honest referral earns: {c:?}");
    assert_eq!(c[0]["tenant_name"], "Real Customer");
    assert_eq!(dashboard(app, &asha).await["stats"]["signups"], 1);

    // An account that earned, then shows the affiliate's own GSTIN: refused, and what it earned is voided.
    let twin = register_with(app, "GST Twin", "owner@gst-twin.in", Some(&cookie)).await;
    let sub = subscribe_paying_as(&b, &twin, "+919844445555", "3530111333300000").await;
    eventually("the twin's commission", WAIT, || async {
        commissions(app, &asha).await.iter().any(|c| c["tenant_name"] == "GST Twin").then_some(())
    })
    .await;
    assert_eq!(dashboard(app, &asha).await["earnings"]["held_minor"], 2 * 59_980);
    let res = app
        .http
        .put(app.url("/api/v1/billing/details"))
        .bearer_auth(&twin.token)
        .json(&json!({"legal_name": "GST Twin Pvt Ltd", "gstin": "29ABCDE1234F1Z5", "state_code": "29"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    sim_charge(&b, &sub, false).await;
    let (_, refs) = eventually("the twin refused", WAIT, || async {
        let (s, refs) = app.get(&asha, "/api/v1/affiliate/referrals").await;
        refs["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["tenant_name"] == "GST Twin" && r["status"] == "refused_self")
            .then_some((s, refs))
    })
    .await;
    let twin_ref = refs["data"].as_array().unwrap().iter().find(|r| r["tenant_name"] == "GST Twin").unwrap().clone();
    assert!(twin_ref["reason"].as_str().unwrap().contains("GSTIN"));
    assert_eq!(twin_ref["earned_minor"], 0, "{twin_ref}");
    assert_eq!(dashboard(app, &asha).await["earnings"]["held_minor"], 59_980, "only the honest referral's commission is held");
    assert!(commissions(app, &asha).await.iter().any(|c| c["tenant_name"] == "GST Twin" && c["state"] == "void"));

    // A sign-up on a partner's host is the partner's client: no affiliate earns from it too.
    let res = app
        .post_json(
            &op,
            "/api/v1/admin/partners",
            &json!({"name": "Agency", "slug": "agency", "model": "revenue_share", "admin_email": "admin@agency.example", "admin_password": "agency-pass-1"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = app
        .http
        .post(app.url("/api/v1/auth/register"))
        .header("Host", "agency.partners.test")
        .header("Cookie", &cookie)
        .json(&json!({"tenant_name": "Agency Client", "name": "Owner", "email": "owner@agency-client.in", "password": "correct-horse-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let (_, refs) = app.get(&asha, "/api/v1/affiliate/referrals").await;
    assert!(!refs["data"].as_array().unwrap().iter().any(|r| r["tenant_name"] == "Agency Client"), "{refs}");
}

#[actix_rt::test]
async fn balances_are_paid_by_themselves_once_a_month() {
    let clock = Arc::new(ManualClock::default());
    let b = billed_on(clock.clone(), |mut c| {
        c.billing.payout_account = Some("7878780080316316".into());
        c.billing.monthly_payouts = true;
        c.auth_limits.register_per_minute = 100;
        c
    })
    .await;
    let app = &b.app;
    let op = operator(app).await;
    // This month's run happens at start, with nothing due.
    meter_passed(app).await;
    let asha = register_with(app, "Asha Media", "asha@ashamedia.in", None).await;
    let (_, code) = approved_affiliate(app, &op, &asha, json!({"payout_vpa": "asha@okbank"})).await;
    let cookie = click(app, &code, None).await.unwrap();
    let one = register_with(app, "First Customer", "owner@first-customer.in", Some(&cookie)).await;
    let two = register_with(app, "Second Customer", "owner@second-customer.in", Some(&cookie)).await;
    subscribe_and_pay(&b, &one, "professional").await;
    subscribe_and_pay(&b, &two, "professional").await;
    eventually("two commissions", WAIT, || async { (commissions(app, &asha).await.len() == 2).then_some(()) }).await;
    let first_of_next = |now: chrono::DateTime<chrono::Utc>| {
        let (y, m) = if now.month() == 12 { (now.year() + 1, 1) } else { (now.year(), now.month() + 1) };
        chrono::NaiveDate::from_ymd_opt(y, m, 1).unwrap().and_hms_opt(0, 0, 1).unwrap().and_utc()
    };
    let hold_ends: chrono::DateTime<chrono::Utc> =
        commissions(app, &asha).await.iter().map(|c| c["hold_until"].as_str().unwrap().parse().unwrap()).max().unwrap();
    // The next month's run: when the commissions are still held then (as they
    // are unless the payments fell on the first of a 31-day month), it pays
    // nothing, and the run of the month after pays them.
    let next = first_of_next(clock.now());
    clock.advance(next - clock.now());
    if hold_ends > next {
        meter_passed(app).await;
        assert_eq!(dashboard(app, &asha).await["earnings"]["held_minor"], 2 * 59_980);
        let (_, none) = app.get(&asha, "/api/v1/affiliate/payouts").await;
        assert!(none["data"].as_array().unwrap().is_empty(), "nothing is paid while held");
        // 31 days from a first of the month is always in the month after, past the hold.
        clock.advance(chrono::Duration::days(31));
    }
    let paid = eventually("the monthly payout", WAIT, || async {
        let d = dashboard(app, &asha).await;
        (d["earnings"]["paid_minor"] == 2 * 59_980).then_some(d)
    })
    .await;
    assert_eq!(paid["balance_minor"], 0);
    meter_passed(app).await;
    let (_, list) = app.get(&asha, "/api/v1/affiliate/payouts").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "paid once this month");
}
