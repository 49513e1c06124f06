//! White-label partners against the real server: brands chosen by the
//! request's host (normalised; `X-Forwarded-Host` only from trusted
//! proxies), sign-in refused on another partner's host, applications
//! approved by an operator, custom domains proven by a TXT record on a real
//! (local) DNS server, partner-owned clients, and what each client payment
//! earns its partner under each revenue model, with refunds, to the paisa,
//! whatever the order and repetition of Razorpay's webhooks.

use crate::billing::{billed_app, invoices, post_event, sim_events, subscribe_and_pay, WEBHOOK_SECRET};
use crate::helpers::*;
use crate::plans::operator;
use base64::Engine;
use serde_json::{json, Value};
use std::time::Duration;
use whatsflow::sim::dns::DnsSim;

/// The base domain the test servers are configured with.
const BASE: &str = "partners.test";

/// A partner created by an operator, and its admin signed in.
struct Partner {
    id: String,
    slug: String,
    token: String,
}

async fn json_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn get_token(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    json_of(app.http.get(app.url(path)).bearer_auth(token).send().await.unwrap()).await
}

async fn put_token(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    json_of(app.http.put(app.url(path)).bearer_auth(token).json(&body).send().await.unwrap()).await
}

async fn login(app: &TestApp, host: Option<&str>, email: &str, password: &str) -> (u16, Value) {
    let mut req = app.http.post(app.url("/api/v1/auth/login")).json(&json!({"email": email, "password": password}));
    if let Some(h) = host {
        req = req.header("Host", h);
    }
    json_of(req.send().await.unwrap()).await
}

async fn create_partner(app: &TestApp, op: &str, slug: &str, terms: Value) -> Partner {
    let email = format!("admin@{slug}.example");
    let mut body = json!({"name": format!("{slug} Digital"), "slug": slug, "admin_email": email, "admin_password": "partner-pass-1"});
    for (k, v) in terms.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, v) = json_of(app.post_json(op, "/api/v1/admin/partners", &body).await).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["status"], "approved");
    assert_eq!(v["host"], format!("{slug}.{BASE}"));
    let (status, signed) = login(app, Some(&format!("{slug}.{BASE}")), &email, "partner-pass-1").await;
    assert_eq!(status, 200, "{signed}");
    assert_eq!(signed["user"]["role"], "partner_admin");
    Partner { id: v["id"].as_str().unwrap().to_owned(), slug: slug.to_owned(), token: signed["access_token"].as_str().unwrap().to_owned() }
}

/// A client of `p` with its admin signed in on the partner's host.
async fn create_client(app: &TestApp, p: &Partner, name: &str) -> Tenant {
    let email = format!("owner@{}.example", name.to_lowercase().replace(' ', "-"));
    let (status, client) = json_of(
        app.post_json(
            &p.token,
            "/api/v1/partner/clients",
            &json!({"name": name, "admin_name": "Owner", "admin_email": email, "admin_password": "client-pass-1"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{client}");
    assert_eq!(client["name"], name);
    assert_eq!(client["admin_email"], email.as_str());
    let (status, signed) = login(app, Some(&format!("{}.{BASE}", p.slug)), &email, "client-pass-1").await;
    assert_eq!(status, 200, "{signed}");
    Tenant {
        token: signed["access_token"].as_str().unwrap().to_owned(),
        refresh: signed["refresh_token"].as_str().unwrap().to_owned(),
        tenant_id: signed["user"]["tenant_id"].as_str().unwrap().to_owned(),
        user_id: signed["user"]["id"].as_str().unwrap().to_owned(),
    }
}

async fn brand_on(app: &TestApp, host: &str, forwarded: Option<&str>) -> Value {
    let mut req = app.http.get(app.url("/api/v1/branding")).header("Host", host);
    if let Some(f) = forwarded {
        req = req.header("X-Forwarded-Host", f);
    }
    let (status, v) = json_of(req.send().await.unwrap()).await;
    assert_eq!(status, 200, "{v}");
    v
}

fn png(bytes: &[u8]) -> String {
    let mut all = b"\x89PNG\r\n\x1a\n".to_vec();
    all.extend_from_slice(bytes);
    format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(all))
}

#[actix_rt::test]
async fn a_partners_brand_shows_on_its_host_and_only_its_people_sign_in_there() {
    let app = spawn_app().await;
    let op = operator(&app).await;
    let acme = create_partner(&app, &op, "acme", json!({"model": "revenue_share", "revenue_share_bps": 6000})).await;
    let zeta = create_partner(&app, &op, "zeta", json!({"model": "revenue_share"})).await;

    // Unknown hosts, the platform's own address and addresses are the platform's brand.
    for host in ["127.0.0.1", "whatsflow.example", "nobody.partners.test", "[::1]:80"] {
        let b = brand_on(&app, host, None).await;
        assert_eq!(b["product_name"], "whatsflow", "{host}");
        assert!(b["partner_id"].is_null());
    }
    // The partner's brand, on its host in any case, with a port or a trailing dot.
    let bad = put_token(
        &app,
        &acme.token,
        "/api/v1/partner/branding",
        json!({"product_name": "Acme Chat", "colors": {"primary": "blue", "accent": "#000000"}}),
    )
    .await;
    assert_eq!(bad.0, 400);
    assert_eq!(bad.1["error"]["code"], "VALIDATION_FAILED");
    assert!(bad.1["error"]["message"].as_str().unwrap().contains("colors.primary"), "{}", bad.1);
    let svg = put_token(
        &app,
        &acme.token,
        "/api/v1/partner/branding",
        json!({"product_name": "Acme Chat", "logo": "data:image/svg+xml;base64,PHN2Zy8+"}),
    )
    .await;
    assert_eq!(svg.0, 400, "{}", svg.1);
    assert!(svg.1["error"]["message"].as_str().unwrap().contains("`logo`"));
    let (status, set) = put_token(
        &app,
        &acme.token,
        "/api/v1/partner/branding",
        json!({"product_name": "Acme Chat", "colors": {"primary": "#1D4ED8", "accent": "#1e3a8a"},
               "support_email": "help@acme.example", "terms_url": "https://acme.example/terms", "logo": png(b"acme-logo")}),
    )
    .await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["colors"]["primary"], "#1d4ed8");
    for host in ["acme.partners.test", "ACME.Partners.Test:8443", "acme.partners.test."] {
        let b = brand_on(&app, host, None).await;
        assert_eq!(b["product_name"], "Acme Chat", "{host}");
        assert_eq!(b["partner_id"], acme.id.as_str());
        assert_eq!(b["colors"]["accent"], "#1e3a8a");
        assert_eq!(b["support_email"], "help@acme.example");
    }
    // Its logo is served on its host (and nowhere else), as the image it is.
    let logo_url = set["logo_url"].as_str().unwrap();
    let logo = app.http.get(app.url(logo_url)).header("Host", "acme.partners.test").send().await.unwrap();
    assert_eq!(logo.status(), 200);
    assert_eq!(logo.headers()["content-type"], "image/png");
    assert!(logo.bytes().await.unwrap().ends_with(b"acme-logo"));
    assert_eq!(app.http.get(app.url(logo_url)).header("Host", "zeta.partners.test").send().await.unwrap().status(), 404);
    // X-Forwarded-Host is not trusted from a peer that is not a configured proxy.
    assert_eq!(brand_on(&app, "127.0.0.1", Some("acme.partners.test")).await["product_name"], "whatsflow");

    // People sign in on their own partner's host (and the platform's), never on another's.
    let client = create_client(&app, &acme, "Sharma Sweets").await;
    assert_eq!(
        login(&app, Some("zeta.partners.test"), "owner@sharma-sweets.example", "client-pass-1").await.1["error"]["code"],
        "INVALID_CREDENTIALS"
    );
    assert_eq!(login(&app, None, "owner@sharma-sweets.example", "client-pass-1").await.0, 200);
    let platform_user = app.register("Direct").await;
    let (_, me) = app.get(&platform_user, "/api/v1/auth/me").await;
    let email = me["email"].as_str().unwrap();
    let refused = login(&app, Some("acme.partners.test"), email, "correct-horse-1").await;
    assert_eq!(refused.0, 401, "{}", refused.1);
    assert_eq!(refused.1["error"]["code"], "INVALID_CREDENTIALS");
    assert_eq!(login(&app, Some("zeta.partners.test"), "admin@acme.example", "partner-pass-1").await.0, 401);

    // A partner sees its clients (not another's) and may view one as its admin, audited.
    let (_, clients) = get_token(&app, &acme.token, "/api/v1/partner/clients").await;
    let list = clients["data"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{clients}");
    assert_eq!(list[0]["id"], client.tenant_id.as_str());
    assert_eq!(get_token(&app, &zeta.token, "/api/v1/partner/clients").await.1["data"].as_array().unwrap().len(), 0);
    let path = format!("/api/v1/partner/clients/{}/impersonate", client.tenant_id);
    assert_eq!(app.post_json(&zeta.token, &path, &json!({"reason": "curious"})).await.status(), 404);
    let (status, view) = json_of(app.post_json(&acme.token, &path, &json!({"reason": "setting up their flows"})).await).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["impersonating"], true);
    let (_, me) = get_token(&app, view["access_token"].as_str().unwrap(), "/api/v1/auth/me").await;
    assert_eq!(me["tenant_id"], client.tenant_id.as_str());
    let (_, log) = app.get(&client, "/api/v1/audit").await;
    assert!(log["data"].as_array().unwrap().iter().any(|e| e["action"] == "partner.impersonation_started"), "{log}");
    // Someone viewing the client cannot make its admin an affiliate (and so redirect payouts).
    let res = app.post_json(view["access_token"].as_str().unwrap(), "/api/v1/affiliate", &json!({"payout_vpa": "acme@okbank"})).await;
    assert_eq!(res.status(), 403);
    // Signing up on the partner's host makes the account the partner's client.
    let (status, signed) = json_of(
        app.http
            .post(app.url("/api/v1/auth/register"))
            .header("Host", "acme.partners.test")
            .json(&json!({"tenant_name": "Walk-in Store", "name": "Owner", "email": "owner@walk-in.example", "password": "walk-in-pass-1"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{signed}");
    assert_eq!(login(&app, Some("acme.partners.test"), "owner@walk-in.example", "walk-in-pass-1").await.0, 200);
    let (_, clients) = get_token(&app, &acme.token, "/api/v1/partner/clients").await;
    assert!(clients["data"].as_array().unwrap().iter().any(|c| c["name"] == "Walk-in Store"), "{clients}");
    // A client's admin is not a partner admin, nor is a tenant admin.
    assert_eq!(app.get(&client, "/api/v1/partner").await.0, 403);
    assert_eq!(app.get(&client, "/api/v1/partner/clients").await.0, 403);

    // Suspended: its host falls back to the platform's brand.
    let res = app.patch_json(&op, &format!("/api/v1/admin/partners/{}", zeta.id), &json!({"status": "suspended"})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(brand_on(&app, "zeta.partners.test", None).await["product_name"], "whatsflow");
    assert_eq!(get_token(&app, &zeta.token, "/api/v1/partner/clients").await.1["error"]["code"], "PARTNER_NOT_APPROVED");
}

#[actix_rt::test]
async fn an_application_waits_for_an_operator_and_then_the_partner_works() {
    let app = spawn_app().await;
    let body = json!({"name": "Nova Media", "slug": "nova", "admin_name": "Nia", "admin_email": "nia@nova.example", "admin_password": "nova-pass-1"});
    let (status, applied) = json_of(app.http.post(app.url("/api/v1/partners/apply")).json(&body).send().await.unwrap()).await;
    assert_eq!(status, 201, "{applied}");
    assert_eq!(applied["status"], "pending");
    // The same address again is taken.
    let mut again = body.clone();
    again["admin_email"] = json!("other@nova.example");
    let (status, taken) = json_of(app.http.post(app.url("/api/v1/partners/apply")).json(&again).send().await.unwrap()).await;
    assert_eq!(status, 409);
    assert_eq!(taken["error"]["code"], "SLUG_TAKEN");
    let mut reserved = body.clone();
    reserved["slug"] = json!("admin");
    reserved["admin_email"] = json!("y@nova.example");
    assert_eq!(app.http.post(app.url("/api/v1/partners/apply")).json(&reserved).send().await.unwrap().status(), 400);
    let mut bad = body.clone();
    bad["slug"] = json!("No Spaces");
    bad["admin_email"] = json!("x@nova.example");
    let (status, v) = json_of(app.http.post(app.url("/api/v1/partners/apply")).json(&bad).send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert!(v["error"]["message"].as_str().unwrap().contains("`slug`"));

    let (status, signed) = login(&app, None, "nia@nova.example", "nova-pass-1").await;
    assert_eq!(status, 200);
    let token = signed["access_token"].as_str().unwrap().to_owned();
    let (_, me) = get_token(&app, &token, "/api/v1/partner").await;
    assert_eq!(me["status"], "pending");
    let (status, v) = get_token(&app, &token, "/api/v1/partner/clients").await;
    assert_eq!(status, 403);
    assert_eq!(v["error"]["code"], "PARTNER_NOT_APPROVED");
    // Its address shows nothing of it yet.
    assert_eq!(brand_on(&app, "nova.partners.test", None).await["product_name"], "whatsflow");
    assert_eq!(app.http.get(app.url("/api/v1/domains/allow?domain=nova.partners.test")).send().await.unwrap().status(), 404);

    let op = operator(&app).await;
    let (_, list) = get_token(&app, &op, "/api/v1/admin/partners").await;
    let nova = list["data"].as_array().unwrap().iter().find(|p| p["slug"] == "nova").unwrap().clone();
    assert_eq!(nova["admin_email"], "nia@nova.example");
    let res = app
        .patch_json(&op, &format!("/api/v1/admin/partners/{}", nova["id"].as_str().unwrap()), &json!({"revenue_share_bps": 10_001}))
        .await;
    assert_eq!(res.status(), 400);
    let res = app
        .patch_json(
            &op,
            &format!("/api/v1/admin/partners/{}", nova["id"].as_str().unwrap()),
            &json!({"status": "approved", "revenue_share_bps": 7000}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let (status, clients) = get_token(&app, &token, "/api/v1/partner/clients").await;
    assert_eq!(status, 200, "{clients}");
    assert_eq!(brand_on(&app, "nova.partners.test", None).await["product_name"], "Nova Media");
    assert_eq!(app.http.get(app.url("/api/v1/domains/allow?domain=NOVA.partners.test")).send().await.unwrap().status(), 200);
    // With sign-ups closed, nobody applies.
    let res = app.http.put(app.url("/api/v1/admin/settings")).bearer_auth(&op).json(&json!({"signups_open": false})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let mut late = body.clone();
    late["slug"] = json!("late-comer");
    late["admin_email"] = json!("late@late.example");
    let (status, v) = json_of(app.http.post(app.url("/api/v1/partners/apply")).json(&late).send().await.unwrap()).await;
    assert_eq!(status, 403);
    assert_eq!(v["error"]["code"], "SIGNUPS_CLOSED");
    // The change is in the platform's audit log.
    let (_, log) = get_token(&app, &op, "/api/v1/audit").await;
    assert!(log["data"].as_array().unwrap().iter().any(|e| e["action"] == "admin.partner_updated"), "{log}");
}

#[actix_rt::test]
async fn a_custom_domain_is_proven_by_its_txt_record_on_the_nameserver() {
    let dns = DnsSim::default();
    let nameserver = whatsflow::sim::dns::start("127.0.0.1:0".parse().unwrap(), dns.clone()).await.unwrap();
    let app = spawn_with(
        fresh_database().await,
        move |mut c| {
            c.partners.dns_server = Some(nameserver);
            c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
            c
        },
        None,
    )
    .await;
    let op = operator(&app).await;
    let acme = create_partner(&app, &op, "acme", json!({"model": "revenue_share"})).await;
    let zeta = create_partner(&app, &op, "zeta", json!({"model": "revenue_share"})).await;
    put_token(&app, &acme.token, "/api/v1/partner/branding", json!({"product_name": "Acme Chat"})).await;

    let bad = app.post_json(&acme.token, "/api/v1/partner/domains", &json!({"domain": "localhost"})).await;
    assert_eq!(bad.status(), 400);
    let under_base = app.post_json(&acme.token, "/api/v1/partner/domains", &json!({"domain": "acme.partners.test"})).await;
    assert_eq!(under_base.status(), 400);
    let (status, added) =
        json_of(app.post_json(&acme.token, "/api/v1/partner/domains", &json!({"domain": "Chat.Acme-Example.com."})).await).await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["domain"], "chat.acme-example.com");
    assert_eq!(added["txt_name"], "_whatsflow.chat.acme-example.com");
    let value = added["txt_value"].as_str().unwrap().to_owned();
    assert!(value.starts_with("whatsflow-verify="));
    // Adding claims nothing: another partner may add it too (its own token).
    let (status, zetas) =
        json_of(app.post_json(&zeta.token, "/api/v1/partner/domains", &json!({"domain": "chat.acme-example.com"})).await).await;
    assert_eq!(status, 201, "{zetas}");
    assert_ne!(zetas["txt_value"], value.as_str());

    // Not proven: no record, then a wrong one.
    let verify = "/api/v1/partner/domains/chat.acme-example.com/verify";
    let (status, v) = json_of(app.post_json(&acme.token, verify, &json!({})).await).await;
    assert_eq!(status, 422);
    assert_eq!(v["error"]["code"], "DOMAIN_NOT_VERIFIED");
    assert!(v["error"]["message"].as_str().unwrap().contains("_whatsflow.chat.acme-example.com"), "{v}");
    dns.add_txt("_whatsflow.chat.acme-example.com", "whatsflow-verify=someone-elses");
    assert_eq!(app.post_json(&acme.token, verify, &json!({})).await.status(), 422);
    // Unproven, the domain shows nothing and gets no certificate.
    assert_eq!(brand_on(&app, "chat.acme-example.com", None).await["product_name"], "whatsflow");
    assert_eq!(app.http.get(app.url("/api/v1/domains/allow?domain=chat.acme-example.com")).send().await.unwrap().status(), 404);

    dns.add_txt("_whatsflow.chat.acme-example.com", &value);
    let (status, v) = json_of(app.post_json(&acme.token, verify, &json!({})).await).await;
    assert_eq!(status, 200, "{v}");
    assert!(v["verified_at"].is_string());
    assert_eq!(brand_on(&app, "chat.acme-example.com", None).await["product_name"], "Acme Chat");
    let allowed = app.http.get(app.url("/api/v1/domains/allow?domain=CHAT.acme-example.com.")).send().await.unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(app.http.get(app.url("/api/v1/domains/allow?domain=evil.example")).send().await.unwrap().status(), 404);
    // Proven, it is Acme's: Zeta's own proof comes too late, and adding it again is refused.
    let zeta_verify = "/api/v1/partner/domains/chat.acme-example.com/verify";
    assert_eq!(app.post_json(&zeta.token, zeta_verify, &json!({})).await.status(), 422);
    dns.add_txt("_whatsflow.chat.acme-example.com", zetas["txt_value"].as_str().unwrap());
    let (status, v) = json_of(app.post_json(&zeta.token, zeta_verify, &json!({})).await).await;
    assert_eq!(status, 409, "{v}");
    assert_eq!(v["error"]["code"], "DOMAIN_TAKEN");
    let gone = app.http.delete(app.url("/api/v1/partner/domains/chat.acme-example.com")).bearer_auth(&zeta.token).send().await.unwrap();
    assert_eq!(gone.status(), 204);
    let (status, v) =
        json_of(app.post_json(&zeta.token, "/api/v1/partner/domains", &json!({"domain": "chat.acme-example.com"})).await).await;
    assert_eq!(status, 409);
    assert_eq!(v["error"]["code"], "DOMAIN_TAKEN");
    assert_eq!(brand_on(&app, "chat.acme-example.com", None).await["product_name"], "Acme Chat");
    // Behind a trusted proxy (this peer is one here) the forwarded host is the one asked for.
    assert_eq!(brand_on(&app, "127.0.0.1", Some("chat.acme-example.com")).await["product_name"], "Acme Chat");

    // Five at most; removing one makes room.
    for i in 0..4 {
        let res = app.post_json(&acme.token, "/api/v1/partner/domains", &json!({"domain": format!("d{i}.acme-example.com")})).await;
        assert_eq!(res.status(), 201);
    }
    let (status, v) = json_of(app.post_json(&acme.token, "/api/v1/partner/domains", &json!({"domain": "d9.acme-example.com"})).await).await;
    assert_eq!(status, 409);
    assert_eq!(v["error"]["code"], "DOMAIN_LIMIT");
    let gone = app.http.delete(app.url("/api/v1/partner/domains/d0.acme-example.com")).bearer_auth(&acme.token).send().await.unwrap();
    assert_eq!(gone.status(), 204);
    assert_eq!(app.post_json(&acme.token, "/api/v1/partner/domains", &json!({"domain": "d9.acme-example.com"})).await.status(), 201);
    let (_, list) = get_token(&app, &acme.token, "/api/v1/partner/domains").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 5);
}

async fn ledger(app: &TestApp, p: &Partner) -> Value {
    let (status, v) = get_token(app, &p.token, "/api/v1/partner/ledger").await;
    assert_eq!(status, 200, "{v}");
    v
}

fn parts(entry: &Value) -> (i64, i64, i64) {
    (entry["gross_minor"].as_i64().unwrap(), entry["partner_minor"].as_i64().unwrap(), entry["platform_minor"].as_i64().unwrap())
}

async fn refund(app: &TestApp, op: &str, payment: &str, amount: i64) {
    let res = app.post_json(op, &format!("/api/v1/admin/payments/{payment}/refund"), &json!({"amount_minor": amount})).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

#[actix_rt::test]
async fn each_revenue_model_splits_client_payments_and_refunds_to_the_paisa() {
    let b = billed_app(Duration::from_secs(15 * 86_400)).await;
    let app = &b.app;
    let op = operator(app).await;
    let share = create_partner(app, &op, "sharepartner", json!({"model": "revenue_share", "revenue_share_bps": 6000})).await;
    let markup = create_partner(app, &op, "markuppartner", json!({"model": "markup"})).await;
    let hybrid =
        create_partner(app, &op, "hybridpartner", json!({"model": "hybrid", "revenue_share_bps": 8000, "platform_fee_minor": 50_000}))
            .await;

    // Only a markup partner sets prices, never below the platform's.
    let (status, v) = put_token(app, &share.token, "/api/v1/partner/prices/professional", json!({"retail_monthly_minor": 399_900})).await;
    assert_eq!(status, 409);
    assert_eq!(v["error"]["code"], "PRICING_MODEL");
    let (status, v) = put_token(app, &markup.token, "/api/v1/partner/prices/professional", json!({"retail_monthly_minor": 199_900})).await;
    assert_eq!(status, 400, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("retail_monthly_minor"));
    let (status, v) = put_token(
        app,
        &markup.token,
        "/api/v1/partner/prices/professional",
        json!({"retail_monthly_minor": 399_900, "retail_annual_minor": null}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["wholesale_monthly_minor"], 299_900);
    assert_eq!(v["retail_monthly_minor"], 399_900);

    let share_client = create_client(app, &share, "Share Client").await;
    let markup_client = create_client(app, &markup, "Markup Client").await;
    let hybrid_client = create_client(app, &hybrid, "Hybrid Client").await;
    // The markup partner's client sees and pays the partner's price.
    let (_, plan) = app.get(&markup_client, "/api/v1/account/plan").await;
    let pro = plan["plans"].as_array().unwrap().iter().find(|p| p["code"] == "professional").unwrap().clone();
    assert_eq!(pro["price_monthly_minor"], 399_900);
    assert_eq!(
        app.get(&share_client, "/api/v1/account/plan").await.1["plans"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["code"] == "professional")
            .unwrap()["price_monthly_minor"],
        299_900
    );

    for t in [&share_client, &markup_client, &hybrid_client] {
        subscribe_and_pay(&b, t, "professional").await;
    }
    // ₹2,999 + 18% GST = ₹3,538.82: the partner gets 60% of ₹2,999 (₹1,799.40), the
    // platform the rest with the GST it owes.
    let l = ledger(app, &share).await;
    assert_eq!(l["entries"].as_array().unwrap().len(), 1, "{l}");
    assert_eq!(parts(&l["entries"][0]), (353_882, 179_940, 173_942));
    assert_eq!(l["entries"][0]["kind"], "share");
    assert_eq!(l["entries"][0]["client_name"], "Share Client");
    // Markup: retail ₹3,999 over wholesale ₹2,999 (paid with GST: ₹4,718.82).
    let l = ledger(app, &markup).await;
    assert_eq!(parts(&l["entries"][0]), (471_882, 100_000, 371_882));
    // Hybrid: ₹500 to the platform, then 80% of the rest of ₹2,999.
    let l = ledger(app, &hybrid).await;
    assert_eq!(parts(&l["entries"][0]), (353_882, 199_920, 153_962));

    // A refund in two parts takes the shares back in proportion, to nothing in all.
    let payment = invoices(app, &share_client).await[0]["payment_id"].as_str().unwrap().to_owned();
    refund(app, &op, &payment, 117_994).await;
    let l = eventually("the first reversal", WAIT, || async {
        let l = ledger(app, &share).await;
        (l["entries"].as_array().unwrap().len() == 2).then_some(l)
    })
    .await;
    assert_eq!(parts(&l["entries"][1]), (-117_994, -59_997, -57_997));
    assert_eq!(l["entries"][1]["kind"], "reversal");
    refund(app, &op, &payment, 353_882 - 117_994).await;
    let l = eventually("the second reversal", WAIT, || async {
        let l = ledger(app, &share).await;
        (l["entries"].as_array().unwrap().len() == 3).then_some(l)
    })
    .await;
    assert_eq!(l["totals"]["gross_minor"], 0, "{l}");
    assert_eq!(l["totals"]["partner_minor"], 0);
    assert_eq!(l["totals"]["platform_minor"], 0);
    assert_eq!(l["balance_minor"], 0);
    for e in l["entries"].as_array().unwrap() {
        let (g, p, f) = parts(e);
        assert_eq!(p + f, g, "{e}");
    }

    // Every webhook again, in reverse order: nothing is shared twice.
    let events = sim_events(&b).await;
    for e in events.iter().rev() {
        assert_eq!(post_event(app, WEBHOOK_SECRET, e["id"].as_str().unwrap(), e["body"].as_str().unwrap()).await, 200);
        let fresh = format!("{}-replayed", e["id"].as_str().unwrap());
        assert_eq!(post_event(app, WEBHOOK_SECRET, &fresh, e["body"].as_str().unwrap()).await, 200);
    }
    assert_eq!(ledger(app, &share).await["entries"].as_array().unwrap().len(), 3);
    assert_eq!(ledger(app, &markup).await["entries"].as_array().unwrap().len(), 1);
    assert_eq!(ledger(app, &hybrid).await["balance_minor"], 199_920);

    // The operators see each partner's statement and earnings; a partner sees only its own.
    let (status, l) = get_token(app, &op, &format!("/api/v1/admin/partners/{}/ledger", hybrid.id)).await;
    assert_eq!(status, 200);
    assert_eq!(l["balance_minor"], 199_920);
    let (_, list) = get_token(app, &op, "/api/v1/admin/partners").await;
    let m = list["data"].as_array().unwrap().iter().find(|p| p["id"] == markup.id.as_str()).unwrap().clone();
    assert_eq!(m["balance_minor"], 100_000);
    assert_eq!(m["clients"], 1);
    let month = l["month"].as_str().unwrap().to_owned();
    let (_, other_month) = get_token(app, &hybrid.token, "/api/v1/partner/ledger?month=2020-01").await;
    assert_eq!(other_month["entries"].as_array().unwrap().len(), 0);
    assert!(l["months"].as_array().unwrap().iter().any(|m2| m2 == month.as_str()));
    let (status, v) = get_token(app, &hybrid.token, "/api/v1/partner/ledger?month=January").await;
    assert_eq!(status, 400, "{v}");
    // The client's invoice names the partner's product (the platform stays the supplier).
    let inv = invoices(app, &share_client).await.into_iter().find(|i| i["kind"] == "invoice").unwrap();
    let html = app
        .http
        .get(app.url(&format!("/api/v1/billing/invoices/{}/html", inv["id"].as_str().unwrap())))
        .bearer_auth(&share_client.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<th>Product</th><td>sharepartner Digital</td>"), "{html}");
    assert!(html.contains("whatsflow Technologies Pvt Ltd"), "{html}");
    // The client list shows what each client paid.
    let (_, clients) = get_token(app, &share.token, "/api/v1/partner/clients").await;
    assert_eq!(clients["data"][0]["billing"]["paid_minor"], 353_882);
    assert_eq!(clients["data"][0]["billing"]["refunded_minor"], 353_882);
}

#[actix_rt::test]
async fn mail_to_a_partners_clients_carries_its_brand_and_links_to_its_host() {
    let (app, sink) = crate::account_security::app_with_mail().await;
    let op = operator(&app).await;
    let acme = create_partner(&app, &op, "acme", json!({"model": "revenue_share"})).await;
    put_token(&app, &acme.token, "/api/v1/partner/branding", json!({"product_name": "Acme Chat"})).await;
    create_client(&app, &acme, "Sharma Sweets").await;
    let direct = app.register("Direct").await;
    let direct_email = app.get(&direct, "/api/v1/auth/me").await.1["email"].as_str().unwrap().to_owned();
    for email in ["owner@sharma-sweets.example", direct_email.as_str()] {
        let res = app.post_json("", "/api/v1/auth/password/forgot", &json!({"email": email})).await;
        assert_eq!(res.status(), 202);
    }
    let mail_to = |to: &str| {
        let to = to.to_owned();
        let sink = &sink;
        async move {
            eventually("the reset mail", WAIT, || async {
                sink.mailbox.mails().into_iter().rev().find(|m| m.to.contains(&to) && m.body.contains("/reset-password?token="))
            })
            .await
        }
    };
    let branded = mail_to("owner@sharma-sweets.example").await;
    assert_eq!(branded.subject, "Reset your Acme Chat password");
    // The platform's public address (http://app.test here) with the partner's host.
    assert!(branded.body.contains("http://acme.partners.test/reset-password?token="), "{}", branded.body);
    assert!(!branded.body.contains("whatsflow"), "{}", branded.body);
    let plain = mail_to(&direct_email).await;
    assert_eq!(plain.subject, "Reset your whatsflow password");
    assert!(plain.body.contains("http://app.test/reset-password?token="), "{}", plain.body);
}
