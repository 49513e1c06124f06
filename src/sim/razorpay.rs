//! A Razorpay stand-in: the plans, subscriptions, payment links and
//! refunds API billing calls (basic auth with a key id and secret, Razorpay's error shape), a
//! checkout page where the "customer" authorises a subscription, charges on
//! demand (`POST /__sim/subscriptions/{id}/charge`) or on a schedule, failed
//! charges retried as Razorpay does (pending after a failure, halted after
//! the fourth: T, T+1, T+2, T+3), refunds, and webhooks shaped and signed as
//! Razorpay's (`X-Razorpay-Signature`: hex HMAC-SHA256 of the raw body;
//! `X-Razorpay-Event-Id`), delivered in order with retries. Every delivery
//! is kept (`GET /__sim/events`) so tests can replay them. RazorpayX
//! payouts too (`POST /v1/payouts` with its mandatory idempotency key), each
//! ending as queued by `POST /__sim/payouts/control` (processed by default),
//! with its `payout.*` webhooks.

use crate::billing::events::sign;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// How the simulator is set up.
#[derive(Debug, Clone)]
pub struct RazorpaySimConfig {
    /// Where webhooks go (empty: nowhere yet).
    pub webhook_url: String,
    /// What signs them.
    pub webhook_secret: String,
    /// The API key id callers must use.
    pub key_id: String,
    /// Its secret.
    pub key_secret: String,
    /// Charge every active subscription this often (None: on demand only).
    pub charge_every: Option<Duration>,
}

/// A webhook as the simulator sent it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SentEvent {
    /// `X-Razorpay-Event-Id`.
    pub id: String,
    /// Its event name.
    pub event: String,
    /// The exact body signed.
    pub body: String,
    /// `X-Razorpay-Signature`.
    pub signature: String,
    /// The receiver's last answer (0: not reached).
    pub status: u16,
}

#[derive(Debug, Clone)]
struct Sub {
    entity: Value,
    amount: i64,
    currency: String,
    failures: u32,
    period_secs: i64,
    /// The paying customer's phone (the payment's `contact`).
    payer_contact: String,
    /// Their saved card (the payment's `card_id`, the same each cycle).
    card_id: String,
}

#[derive(Default)]
struct Books {
    plans: HashMap<String, Value>,
    subs: HashMap<String, Sub>,
    payments: HashMap<String, Value>,
    links: HashMap<String, Value>,
    events: Vec<SentEvent>,
    seq: u64,
    /// Payouts by idempotency key: the request body and the payout's id.
    payout_keys: HashMap<String, (Value, String)>,
    /// Payouts by id.
    payouts: HashMap<String, Value>,
    /// How the next payouts end (processed when none is queued).
    payout_outcomes: std::collections::VecDeque<String>,
    /// Payout answers to garble (the payout is made, the caller cannot read that).
    garble_payouts: u32,
}

/// The simulator's state.
pub struct RazorpaySimState {
    config: RwLock<RazorpaySimConfig>,
    books: Mutex<Books>,
    outbox: tokio::sync::mpsc::UnboundedSender<usize>,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl RazorpaySimState {
    /// Points webhooks at `url` (the demo learns its port late).
    pub fn set_webhook_url(&self, url: &str) {
        if let Ok(mut c) = self.config.write() {
            c.webhook_url = url.to_owned();
        }
    }

    fn config(&self) -> RazorpaySimConfig {
        self.config.read().map(|c| c.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    fn books(&self) -> std::sync::MutexGuard<'_, Books> {
        self.books.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn id(books: &mut Books, prefix: &str) -> String {
        books.seq += 1;
        let r = uuid::Uuid::new_v4().simple().to_string();
        format!("{prefix}_Sim{}{:04}", &r[..10], books.seq % 10_000)
    }

    /// Queues a webhook of `event` with these entities (in order).
    fn emit(&self, books: &mut Books, event: &str, entities: &[(&str, &Value)]) {
        let mut payload = serde_json::Map::new();
        for (name, entity) in entities {
            payload.insert((*name).to_owned(), json!({"entity": entity}));
        }
        let body = json!({
            "entity": "event", "account_id": "acc_SimWhatsflow01", "event": event,
            "contains": entities.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            "payload": payload, "created_at": now(),
        })
        .to_string();
        let id = Self::id(books, "evt");
        let signature = sign(&self.config().webhook_secret, body.as_bytes());
        books.events.push(SentEvent { id, event: event.to_owned(), body, signature, status: 0 });
        let _ = self.outbox.send(books.events.len() - 1);
    }

    /// Ends a processing payout as `outcome` says (processed, reversed or
    /// failed), with its webhook.
    pub fn settle_payout(&self, id: &str, outcome: &str) {
        let mut books = self.books();
        let Some(mut payout) = books.payouts.get(id).cloned() else { return };
        if payout["status"] != "processing" {
            return;
        }
        payout["status"] = json!(outcome);
        match outcome {
            "processed" => payout["utr"] = json!(format!("UTR{}", &id[id.len().saturating_sub(8)..])),
            "reversed" => {
                payout["status_details"] = json!({"reason": "beneficiary_bank_rejected", "description": "The beneficiary bank rejected the payout.", "source": "beneficiary_bank"})
            }
            _ => {
                payout["status_details"] =
                    json!({"reason": "invalid_vpa", "description": "The UPI address is invalid.", "source": "business"})
            }
        }
        books.payouts.insert(id.to_owned(), payout.clone());
        self.emit(&mut books, &format!("payout.{outcome}"), &[("payout", &payout)]);
    }

    /// Charges a subscription now: a captured payment (`payment.captured`,
    /// `invoice.paid`, `subscription.charged`, and `subscription.activated`
    /// when it was not active), or a failed one (`payment.failed`, then
    /// `subscription.pending`, or `subscription.halted` at the fourth
    /// failure in a row). None when there is no such live subscription.
    pub fn charge(&self, sub_id: &str, fail: bool) -> Option<Value> {
        let mut books = self.books();
        let mut sub = books.subs.get(sub_id)?.clone();
        let status = sub.entity["status"].as_str().unwrap_or_default().to_owned();
        if matches!(status.as_str(), "cancelled" | "completed" | "expired" | "created") {
            return None;
        }
        let invoice_id = Self::id(&mut books, "inv");
        let payment_id = Self::id(&mut books, "pay");
        let t = now();
        let mut payment = json!({
            "id": payment_id, "entity": "payment", "amount": sub.amount, "currency": sub.currency,
            "status": if fail { "failed" } else { "captured" }, "order_id": Self::id(&mut books, "order"), "invoice_id": invoice_id,
            "international": false, "method": "card", "amount_refunded": 0, "refund_status": null, "captured": !fail,
            "description": format!("Subscription {sub_id}"), "card_id": sub.card_id,
            "email": "billing@customer.example", "contact": sub.payer_contact, "notes": sub.entity["notes"].clone(),
            "fee": if fail { 0 } else { sub.amount * 2 / 100 }, "tax": 0,
            "error_code": if fail { json!("BAD_REQUEST_ERROR") } else { Value::Null },
            "error_description": if fail { json!("Payment failed due to insufficient funds") } else { Value::Null },
            "created_at": t,
        });
        if fail {
            sub.failures += 1;
            let next = if sub.failures >= 4 { "halted" } else { "pending" };
            sub.entity["status"] = json!(next);
            sub.entity["charge_at"] = if next == "halted" { Value::Null } else { json!(t + 86_400) };
            books.payments.insert(payment_id.clone(), payment.clone());
            books.subs.insert(sub_id.to_owned(), sub.clone());
            self.emit(&mut books, "payment.failed", &[("payment", &payment)]);
            self.emit(&mut books, &format!("subscription.{next}"), &[("subscription", &sub.entity)]);
            return Some(payment);
        }
        sub.failures = 0;
        let start = sub.entity["current_end"].as_i64().filter(|e| *e > t).unwrap_or(t);
        sub.entity["status"] = json!("active");
        sub.entity["paid_count"] = json!(sub.entity["paid_count"].as_i64().unwrap_or(0) + 1);
        sub.entity["remaining_count"] = json!(sub.entity["remaining_count"].as_i64().unwrap_or(1).saturating_sub(1));
        sub.entity["current_start"] = json!(start);
        sub.entity["current_end"] = json!(start + sub.period_secs);
        sub.entity["charge_at"] = json!(start + sub.period_secs);
        payment["captured"] = json!(true);
        let invoice = json!({
            "id": invoice_id, "entity": "invoice", "type": "invoice", "subscription_id": sub_id, "payment_id": payment_id,
            "status": "paid", "amount": sub.amount, "amount_paid": sub.amount, "amount_due": 0, "currency": sub.currency,
            "billing_start": start, "billing_end": start + sub.period_secs, "paid_at": t, "created_at": t,
        });
        books.payments.insert(payment_id.clone(), payment.clone());
        books.subs.insert(sub_id.to_owned(), sub.clone());
        if status != "active" {
            self.emit(&mut books, "subscription.activated", &[("subscription", &sub.entity)]);
        }
        self.emit(&mut books, "payment.captured", &[("payment", &payment)]);
        self.emit(&mut books, "invoice.paid", &[("payment", &payment), ("invoice", &invoice)]);
        self.emit(&mut books, "subscription.charged", &[("subscription", &sub.entity), ("payment", &payment)]);
        Some(payment)
    }

    /// The customer authorises a subscription at its checkout page
    /// (`subscription.authenticated`), and its first cycle is charged.
    pub fn authorise(&self, sub_id: &str) -> Option<Value> {
        self.authorise_as(sub_id, None, None)
    }

    /// Authorises a subscription with the customer's phone and card number
    /// (the card's id is the same for the same number, as Razorpay's saved
    /// cards are), then charges it.
    pub fn authorise_as(&self, sub_id: &str, contact: Option<&str>, card_number: Option<&str>) -> Option<Value> {
        {
            let mut books = self.books();
            let mut sub = books.subs.get(sub_id)?.clone();
            if sub.entity["status"] != "created" {
                return None;
            }
            if let Some(c) = contact {
                sub.payer_contact = c.to_owned();
            }
            if let Some(n) = card_number {
                let digest = <sha2::Sha256 as sha2::Digest>::digest(n.as_bytes());
                sub.card_id = format!("card_Sim{}", &hex::encode(digest)[..14]);
            }
            sub.entity["status"] = json!("authenticated");
            sub.entity["auth_attempts"] = json!(1);
            books.subs.insert(sub_id.to_owned(), sub.clone());
            self.emit(&mut books, "subscription.authenticated", &[("subscription", &sub.entity)]);
        }
        self.charge(sub_id, false)
    }

    /// The customer pays a payment link: a captured payment
    /// (`payment.captured`, then `payment_link.paid`). None when there is no
    /// such unpaid link.
    pub fn pay_link(&self, link_id: &str) -> Option<Value> {
        let mut books = self.books();
        let mut link = books.links.get(link_id)?.clone();
        if link["status"] != "created" {
            return None;
        }
        let payment_id = Self::id(&mut books, "pay");
        let order_id = Self::id(&mut books, "order");
        let t = now();
        let payment = json!({
            "id": payment_id, "entity": "payment", "amount": link["amount"], "currency": link["currency"], "status": "captured",
            "order_id": order_id, "invoice_id": null, "international": false, "method": "upi", "amount_refunded": 0,
            "refund_status": null, "captured": true, "description": link["description"], "vpa": "customer@upi",
            "email": "billing@customer.example", "contact": "+919000090000", "notes": link["notes"], "fee": 0, "tax": 0,
            "error_code": null, "error_description": null, "created_at": t,
        });
        link["status"] = json!("paid");
        link["amount_paid"] = link["amount"].clone();
        link["payments"] =
            json!([{"payment_id": payment_id, "amount": link["amount"], "method": "upi", "status": "captured", "created_at": t}]);
        books.links.insert(link_id.to_owned(), link.clone());
        books.payments.insert(payment_id, payment.clone());
        let order = json!({"id": order_id, "entity": "order", "amount": link["amount"], "amount_paid": link["amount"], "amount_due": 0,
                           "currency": link["currency"], "status": "paid", "attempts": 1, "notes": link["notes"], "created_at": t});
        self.emit(&mut books, "payment.captured", &[("payment", &payment)]);
        self.emit(&mut books, "payment_link.paid", &[("payment_link", &link), ("payment", &payment), ("order", &order)]);
        Some(payment)
    }

    /// Every webhook sent so far.
    pub fn events(&self) -> Vec<SentEvent> {
        self.books().events.clone()
    }

    fn charge_due(&self) {
        let t = now();
        let due: Vec<String> = self
            .books()
            .subs
            .iter()
            .filter(|(_, s)| matches!(s.entity["status"].as_str(), Some("active" | "pending")))
            .filter(|(_, s)| s.entity["charge_at"].as_i64().is_some_and(|c| c <= t))
            .map(|(id, _)| id.clone())
            .collect();
        for id in due {
            self.charge(&id, false);
        }
    }
}

fn error(status: u16, description: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::BAD_REQUEST))
        .json(json!({"error": {"code": "BAD_REQUEST_ERROR", "description": description, "source": "business", "step": "payment_initiation", "reason": "input_validation_failed", "metadata": {}}}))
}

/// Razorpay's basic auth: the key id and secret.
fn authorised(req: &HttpRequest, state: &RazorpaySimState) -> bool {
    let c = state.config();
    let Some(h) = req.headers().get("authorization").and_then(|h| h.to_str().ok()) else { return false };
    let Some(b64) = h.strip_prefix("Basic ") else { return false };
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64.trim()) else { return false };
    raw == format!("{}:{}", c.key_id, c.key_secret).into_bytes()
}

macro_rules! auth {
    ($req:expr, $state:expr) => {
        if !authorised(&$req, &$state) {
            return error(401, "Authentication failed");
        }
    };
}

#[derive(Deserialize)]
struct PlanBody {
    period: String,
    interval: i64,
    item: Value,
}

async fn create_plan(req: HttpRequest, state: web::Data<Arc<RazorpaySimState>>, body: web::Json<PlanBody>) -> HttpResponse {
    auth!(req, state);
    if !matches!(body.period.as_str(), "daily" | "weekly" | "monthly" | "yearly") || body.interval < 1 {
        return error(400, "The period must be daily, weekly, monthly or yearly, and the interval at least 1");
    }
    if body.item["amount"].as_i64().is_none_or(|a| a < 100) || body.item["name"].as_str().is_none() {
        return error(400, "The item needs a name and an amount of at least 100 paise");
    }
    let mut books = state.books();
    let id = RazorpaySimState::id(&mut books, "plan");
    let plan = json!({"id": id, "entity": "plan", "interval": body.interval, "period": body.period,
                      "item": {"id": RazorpaySimState::id(&mut books, "item"), "active": true, "name": body.item["name"],
                               "amount": body.item["amount"], "unit_amount": body.item["amount"],
                               "currency": body.item["currency"].as_str().unwrap_or("INR")},
                      "notes": {}, "created_at": now()});
    books.plans.insert(id, plan.clone());
    HttpResponse::Ok().json(plan)
}

#[derive(Deserialize)]
struct SubscriptionBody {
    plan_id: String,
    total_count: i64,
    #[serde(default)]
    notes: Value,
}

async fn create_subscription(req: HttpRequest, state: web::Data<Arc<RazorpaySimState>>, body: web::Json<SubscriptionBody>) -> HttpResponse {
    auth!(req, state);
    let mut books = state.books();
    let Some(plan) = books.plans.get(&body.plan_id).cloned() else {
        return error(400, "The id provided does not exist");
    };
    if body.total_count < 1 {
        return error(400, "total_count must be at least 1");
    }
    let id = RazorpaySimState::id(&mut books, "sub");
    let host = req.connection_info().host().to_owned();
    let period_secs = match (plan["period"].as_str(), plan["interval"].as_i64().unwrap_or(1)) {
        (Some("daily"), n) => 86_400 * n,
        (Some("weekly"), n) => 7 * 86_400 * n,
        (Some("yearly"), n) => 365 * 86_400 * n,
        (_, n) => 30 * 86_400 * n,
    };
    let entity = json!({
        "id": id, "entity": "subscription", "plan_id": body.plan_id, "customer_id": null, "status": "created",
        "current_start": null, "current_end": null, "ended_at": null, "quantity": 1, "notes": body.notes,
        "charge_at": null, "start_at": null, "end_at": null, "auth_attempts": 0, "total_count": body.total_count,
        "paid_count": 0, "customer_notify": true, "created_at": now(), "expire_by": null,
        "short_url": format!("http://{host}/checkout/{id}"), "has_scheduled_changes": false, "change_scheduled_at": null,
        "source": "api", "offer_id": null, "remaining_count": body.total_count,
    });
    let sub = Sub {
        entity: entity.clone(),
        amount: plan["item"]["amount"].as_i64().unwrap_or(0),
        currency: plan["item"]["currency"].as_str().unwrap_or("INR").to_owned(),
        failures: 0,
        period_secs,
        payer_contact: "+919000090000".into(),
        card_id: RazorpaySimState::id(&mut books, "card"),
    };
    books.subs.insert(id, sub);
    HttpResponse::Ok().json(entity)
}

#[derive(Deserialize)]
struct LinkBody {
    amount: i64,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    notes: Value,
}

async fn create_link(req: HttpRequest, state: web::Data<Arc<RazorpaySimState>>, body: web::Json<LinkBody>) -> HttpResponse {
    auth!(req, state);
    if body.amount < 100 {
        return error(400, "The amount must be atleast INR 1.00");
    }
    let host = req.connection_info().host().to_owned();
    let mut books = state.books();
    let id = RazorpaySimState::id(&mut books, "plink");
    let link = json!({"id": id, "entity": "payment_link", "amount": body.amount, "amount_paid": 0,
                      "currency": body.currency.as_deref().unwrap_or("INR"), "description": body.description, "notes": body.notes,
                      "status": "created", "short_url": format!("http://{host}/pay/{id}"), "accept_partial": false,
                      "reference_id": null, "payments": null, "created_at": now(), "expire_by": 0, "upi_link": false});
    books.links.insert(id, link.clone());
    HttpResponse::Ok().json(link)
}

/// A payment link's page.
async fn link_page(state: web::Data<Arc<RazorpaySimState>>, path: web::Path<String>) -> HttpResponse {
    let Some(link) = state.books().links.get(path.as_str()).cloned() else {
        return HttpResponse::NotFound().body("no such payment link");
    };
    let rupees = crate::billing::document::rupees(link["amount"].as_i64().unwrap_or(0));
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Razorpay (simulated) payment</title></head>\
         <body style=\"font-family:system-ui;max-width:420px;margin:3rem auto\"><h1>Pay INR {rupees}</h1><p>Status: <b data-testid=\"sim-status\">{}</b></p>\
         <form method=\"post\" action=\"/pay/{}/pay\"><button data-testid=\"sim-pay\" type=\"submit\">Pay INR {rupees}</button></form>\
         <p><small>Simulated Razorpay: nothing is charged.</small></p></body></html>",
        link["status"].as_str().unwrap_or_default(),
        path.as_str()
    ))
}

async fn link_pay(state: web::Data<Arc<RazorpaySimState>>, path: web::Path<String>) -> HttpResponse {
    let paid = state.pay_link(&path).is_some();
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Payment</title></head><body style=\"font-family:system-ui;max-width:420px;margin:3rem auto\">\
         <h1 data-testid=\"sim-result\">{}</h1><p>You can close this tab.</p></body></html>",
        if paid { "Payment successful" } else { "Nothing to pay" }
    ))
}

async fn sim_pay_link(state: web::Data<Arc<RazorpaySimState>>, path: web::Path<String>) -> HttpResponse {
    match state.pay_link(&path) {
        Some(p) => HttpResponse::Ok().json(p),
        None => error(400, "no unpaid payment link with this id"),
    }
}

async fn get_subscription(req: HttpRequest, state: web::Data<Arc<RazorpaySimState>>, path: web::Path<String>) -> HttpResponse {
    auth!(req, state);
    match state.books().subs.get(path.as_str()) {
        Some(s) => HttpResponse::Ok().json(&s.entity),
        None => error(400, "The id provided does not exist"),
    }
}

async fn cancel_subscription(req: HttpRequest, state: web::Data<Arc<RazorpaySimState>>, path: web::Path<String>) -> HttpResponse {
    auth!(req, state);
    let mut books = state.books();
    let Some(mut sub) = books.subs.get(path.as_str()).cloned() else {
        return error(400, "The id provided does not exist");
    };
    if matches!(sub.entity["status"].as_str(), Some("cancelled" | "completed" | "expired")) {
        return error(400, "Subscription is not cancellable in cancelled status.");
    }
    sub.entity["status"] = json!("cancelled");
    sub.entity["ended_at"] = json!(now());
    books.subs.insert(path.into_inner(), sub.clone());
    state.emit(&mut books, "subscription.cancelled", &[("subscription", &sub.entity)]);
    HttpResponse::Ok().json(sub.entity)
}

#[derive(Deserialize)]
struct RefundBody {
    #[serde(default)]
    amount: Option<i64>,
}

async fn refund(
    req: HttpRequest,
    state: web::Data<Arc<RazorpaySimState>>,
    path: web::Path<String>,
    body: web::Json<RefundBody>,
) -> HttpResponse {
    auth!(req, state);
    let mut books = state.books();
    let Some(mut payment) = books.payments.get(path.as_str()).cloned() else {
        return error(400, "The id provided does not exist");
    };
    let captured = payment["amount"].as_i64().unwrap_or(0);
    let refunded = payment["amount_refunded"].as_i64().unwrap_or(0);
    let amount = body.amount.unwrap_or(captured - refunded);
    if payment["status"] != "captured" && payment["status"] != "refunded" {
        return error(400, "The payment has not been captured");
    }
    if amount < 100 || refunded + amount > captured {
        return error(400, "The refund amount provided is greater than amount captured");
    }
    payment["amount_refunded"] = json!(refunded + amount);
    payment["refund_status"] = json!(if refunded + amount == captured { "full" } else { "partial" });
    if refunded + amount == captured {
        payment["status"] = json!("refunded");
    }
    let refund = json!({"id": RazorpaySimState::id(&mut books, "rfnd"), "entity": "refund", "amount": amount,
                        "currency": payment["currency"], "payment_id": path.as_str(), "notes": {}, "receipt": null,
                        "acquirer_data": {"arn": null}, "created_at": now(), "batch_id": null, "status": "processed",
                        "speed_processed": "normal", "speed_requested": "normal"});
    books.payments.insert(path.into_inner(), payment.clone());
    state.emit(&mut books, "refund.processed", &[("refund", &refund), ("payment", &payment)]);
    HttpResponse::Ok().json(refund)
}

#[derive(Deserialize)]
struct PayoutBody {
    account_number: String,
    amount: i64,
    currency: String,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    purpose: Option<String>,
    #[serde(default)]
    reference_id: Option<String>,
    fund_account: Value,
    #[serde(default)]
    notes: Value,
}

/// Creates a payout (RazorpayX's composite API: the contact and fund
/// account come with it). The idempotency key is mandatory; a retry with the
/// same key and body gets the same payout, with another body a 400. The
/// payout starts processing (`payout.initiated`) and ends shortly after as
/// the next queued outcome says (`payout.processed` by default).
async fn create_payout(req: HttpRequest, state: web::Data<Arc<RazorpaySimState>>, body: web::Json<Value>) -> HttpResponse {
    auth!(req, state);
    let key = req.headers().get("X-Payout-Idempotency").and_then(|h| h.to_str().ok()).unwrap_or("").to_owned();
    let key_ok = (4..=36).contains(&key.len()) && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' '));
    if !key_ok {
        return error(400, "Idempotency key is missing. Include idempotency header and key in the request.");
    }
    let raw = body.into_inner();
    let Ok(p) = serde_json::from_value::<PayoutBody>(raw.clone()) else {
        return error(400, "The request body is not a payout");
    };
    let Some(vpa) = p.fund_account["vpa"]["address"].as_str().filter(|v| v.contains('@')) else {
        return error(400, "The fund account's vpa address is invalid");
    };
    if p.amount < 100 || p.currency != "INR" || p.account_number.is_empty() {
        return error(400, "The amount must be at least 100 paise in INR, from an account number");
    }
    let mut books = state.books();
    let garble = books.garble_payouts > 0;
    if garble {
        books.garble_payouts -= 1;
    }
    let payout = if let Some((first, id)) = books.payout_keys.get(&key).cloned() {
        if first != raw {
            return error(400, "Different request body sent for the same idempotency key");
        }
        books.payouts.get(&id).cloned().unwrap_or(Value::Null)
    } else {
        let id = RazorpaySimState::id(&mut books, "pout");
        let fa = RazorpaySimState::id(&mut books, "fa");
        let payout = json!({
            "id": id, "entity": "payout", "fund_account_id": fa, "amount": p.amount, "currency": "INR", "notes": p.notes,
            "fees": 0, "tax": 0, "status": "processing", "utr": null, "mode": p.mode.unwrap_or_else(|| "UPI".into()),
            "purpose": p.purpose.unwrap_or_else(|| "payout".into()), "reference_id": p.reference_id,
            "narration": "whatsflow earnings", "batch_id": null, "status_details": null, "created_at": now(),
            "fund_account": {"id": fa, "entity": "fund_account", "account_type": "vpa", "vpa": {"address": vpa}},
        });
        books.payout_keys.insert(key, (raw, id.clone()));
        books.payouts.insert(id.clone(), payout.clone());
        state.emit(&mut books, "payout.initiated", &[("payout", &payout)]);
        let outcome = books.payout_outcomes.pop_front().unwrap_or_else(|| "processed".into());
        let weak = Arc::downgrade(&state.clone().into_inner());
        actix_web::rt::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if let Some(s) = weak.upgrade() {
                s.settle_payout(&id, &outcome);
            }
        });
        payout
    };
    if garble {
        return HttpResponse::Ok().content_type("application/json").body("{\"entity\": \"payo");
    }
    HttpResponse::Ok().json(payout)
}

#[derive(Deserialize)]
struct PayoutControl {
    #[serde(default)]
    outcomes: Vec<String>,
    #[serde(default)]
    garble: u32,
}

/// Queues how the next payouts end and how many answers to garble.
async fn sim_payout_control(state: web::Data<Arc<RazorpaySimState>>, body: web::Json<PayoutControl>) -> HttpResponse {
    let mut books = state.books();
    books.payout_outcomes.extend(body.outcomes.iter().cloned());
    books.garble_payouts += body.garble;
    HttpResponse::Ok().json(json!({"ok": true}))
}

/// Every payout made, as RazorpayX would list them.
async fn sim_payouts(state: web::Data<Arc<RazorpaySimState>>) -> HttpResponse {
    let books = state.books();
    let mut all: Vec<Value> = books.payouts.values().cloned().collect();
    all.sort_by_key(|p| p["id"].as_str().unwrap_or("").to_owned());
    HttpResponse::Ok().json(json!({"entity": "collection", "count": all.len(), "items": all}))
}

/// The checkout page a subscription's `short_url` opens.
async fn checkout(state: web::Data<Arc<RazorpaySimState>>, path: web::Path<String>) -> HttpResponse {
    let Some(sub) = state.books().subs.get(path.as_str()).cloned() else {
        return HttpResponse::NotFound().body("no such subscription");
    };
    let id = path.into_inner();
    let rupees = crate::billing::document::rupees(sub.amount);
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Razorpay (simulated) checkout</title></head>\
         <body style=\"font-family:system-ui;max-width:420px;margin:3rem auto\"><h1>Authorise subscription</h1>\
         <p data-testid=\"sim-amount\">{cur} {rupees} every cycle</p><p>Status: <b data-testid=\"sim-status\">{status}</b></p>\
         <form method=\"post\" action=\"/checkout/{id}/pay\"><button data-testid=\"sim-pay\" type=\"submit\">Pay {cur} {rupees}</button></form>\
         <p><small>Simulated Razorpay: nothing is charged.</small></p></body></html>",
        cur = sub.currency,
        status = sub.entity["status"].as_str().unwrap_or_default(),
    ))
}

/// Who pays at the checkout (optional): their phone and card number.
#[derive(Deserialize)]
struct PayerQuery {
    #[serde(default)]
    contact: Option<String>,
    #[serde(default)]
    card: Option<String>,
}

async fn checkout_pay(state: web::Data<Arc<RazorpaySimState>>, path: web::Path<String>, payer: web::Query<PayerQuery>) -> HttpResponse {
    // A new subscription is authorised; an overdue one (pending, halted) is
    // charged again with the card given now.
    let status = state.books().subs.get(path.as_str()).map(|s| s.entity["status"].as_str().unwrap_or_default().to_owned());
    let paid = match status.as_deref() {
        Some("created") => state.authorise_as(&path, payer.contact.as_deref(), payer.card.as_deref()).is_some(),
        Some("pending" | "halted") => state.charge(&path, false).is_some(),
        _ => false,
    };
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Payment</title></head><body style=\"font-family:system-ui;max-width:420px;margin:3rem auto\">\
         <h1 data-testid=\"sim-result\">{}</h1><p>You can close this tab.</p></body></html>",
        if paid { "Payment successful" } else { "Nothing to pay" }
    ))
}

#[derive(Deserialize)]
struct ChargeBody {
    #[serde(default)]
    fail: bool,
}

async fn sim_charge(state: web::Data<Arc<RazorpaySimState>>, path: web::Path<String>, body: Option<web::Json<ChargeBody>>) -> HttpResponse {
    let fail = body.is_some_and(|b| b.fail);
    match state.charge(&path, fail) {
        Some(p) => HttpResponse::Ok().json(p),
        None => error(400, "no live subscription with this id"),
    }
}

async fn sim_authorise(state: web::Data<Arc<RazorpaySimState>>, path: web::Path<String>) -> HttpResponse {
    match state.authorise(&path) {
        Some(p) => HttpResponse::Ok().json(p),
        None => error(400, "no subscription awaiting authorisation with this id"),
    }
}

async fn sim_events(state: web::Data<Arc<RazorpaySimState>>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"data": state.events()}))
}

/// Registers the simulator's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/plans", web::post().to(create_plan))
        .route("/v1/subscriptions", web::post().to(create_subscription))
        .route("/v1/subscriptions/{id}", web::get().to(get_subscription))
        .route("/v1/subscriptions/{id}/cancel", web::post().to(cancel_subscription))
        .route("/v1/payments/{id}/refund", web::post().to(refund))
        .route("/v1/payment_links", web::post().to(create_link))
        .route("/pay/{id}", web::get().to(link_page))
        .route("/pay/{id}/pay", web::post().to(link_pay))
        .route("/__sim/payment_links/{id}/pay", web::post().to(sim_pay_link))
        .route("/checkout/{id}", web::get().to(checkout))
        .route("/checkout/{id}/pay", web::post().to(checkout_pay))
        .route("/__sim/subscriptions/{id}/authorise", web::post().to(sim_authorise))
        .route("/__sim/subscriptions/{id}/charge", web::post().to(sim_charge))
        .route("/__sim/events", web::get().to(sim_events))
        .route("/v1/payouts", web::post().to(create_payout))
        .route("/__sim/payouts", web::get().to(sim_payouts))
        .route("/__sim/payouts/control", web::post().to(sim_payout_control));
}

/// A running simulator.
pub struct RazorpaySim {
    /// Its state (tests and the demo steer it).
    pub state: Arc<RazorpaySimState>,
    /// `RAZORPAY_API_BASE` for it.
    pub base_url: String,
    /// Stops it.
    pub handle: actix_web::dev::ServerHandle,
}

/// Delivers queued webhooks one by one, in order, retrying a failed
/// delivery a few times as Razorpay does (sooner, here).
async fn deliver(state: std::sync::Weak<RazorpaySimState>, mut queue: tokio::sync::mpsc::UnboundedReceiver<usize>) {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
    while let Some(i) = queue.recv().await {
        let Some(state) = state.upgrade() else { return };
        let Some(ev) = state.books().events.get(i).cloned() else { continue };
        let url = state.config().webhook_url;
        if url.is_empty() {
            continue;
        }
        for attempt in 0..5u32 {
            let res = http
                .post(&url)
                .header("content-type", "application/json")
                .header("X-Razorpay-Signature", &ev.signature)
                .header("X-Razorpay-Event-Id", &ev.id)
                .body(ev.body.clone())
                .send()
                .await;
            let status = res.map(|r| r.status().as_u16()).unwrap_or(0);
            if let Some(e) = state.books().events.get_mut(i) {
                e.status = status;
            }
            if (200..300).contains(&status) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200 * 2u64.pow(attempt))).await;
        }
    }
}

/// Starts the simulator on `listener` (in the current actix system).
pub fn start(listener: TcpListener, config: RazorpaySimConfig) -> std::io::Result<RazorpaySim> {
    let port = listener.local_addr()?.port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let every = config.charge_every;
    let state = Arc::new(RazorpaySimState { config: RwLock::new(config), books: Mutex::new(Books::default()), outbox: tx });
    actix_web::rt::spawn(deliver(Arc::downgrade(&state), rx));
    if let Some(every) = every {
        let weak = Arc::downgrade(&state);
        actix_web::rt::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let Some(s) = weak.upgrade() else { return };
                s.charge_due();
            }
        });
    }
    let data = web::Data::new(state.clone());
    let server = HttpServer::new(move || App::new().app_data(data.clone()).configure(configure)).workers(1).listen(listener)?.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    Ok(RazorpaySim { state, base_url: format!("http://127.0.0.1:{port}/v1"), handle })
}
