//! `/api/v1/billing/*`: a tenant admin subscribes to a plan through
//! Razorpay, sees the subscription, sets the details its GST invoices carry
//! and downloads its invoices; `POST /webhooks/razorpay` receives Razorpay's
//! signed events; operators refund a payment (a credit note follows).

use crate::audit::{Actor, Entry};
use crate::auth::{Admin, SuperAdmin};
use crate::billing::events::{signature_valid, RazorpayEvent};
use crate::billing::{document, gst, MAX_AUTO_DEBIT_MINOR};
use crate::http::error::{ApiError, ErrorCode};
use crate::startup::AppState;
use crate::store::repo::billing::{BillingDetails, NewSubscription};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

/// Accounts subscribing now (see `subscribe`).
static SUBSCRIBING: std::sync::LazyLock<dashmap::DashMap<uuid::Uuid, std::sync::Arc<tokio::sync::Mutex<()>>>> =
    std::sync::LazyLock::new(dashmap::DashMap::new);

/// `POST /billing/subscribe`.
#[derive(Deserialize)]
pub struct SubscribeBody {
    plan: String,
    #[serde(default)]
    cycle: Option<String>,
}

/// Subscribes the account to a plan: a Razorpay subscription whose
/// `short_url` the admin opens to authorise the mandate. The plan applies
/// once Razorpay confirms the first charge.
pub async fn subscribe(state: web::Data<AppState>, user: Admin, body: web::Json<SubscribeBody>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let cycle = b.cycle.as_deref().unwrap_or("monthly");
    if !matches!(cycle, "monthly" | "annual") {
        return Err(ApiError::validation("`cycle` must be monthly or annual"));
    }
    let plan = state
        .db
        .plans()
        .get(&b.plan)
        .await?
        .filter(|p| p.active)
        .ok_or_else(|| ApiError::validation(format!("there is no plan `{}` on offer; see GET /api/v1/account/plan", b.plan)))?;
    let platform_price = if cycle == "annual" { plan.price_annual_minor } else { plan.price_monthly_minor };
    // A markup partner's client pays the partner's price.
    let price = state.db.partners(None).retail_price(user.tenant_id, &plan.code, cycle).await?.or(platform_price);
    let monthly_equivalent = if cycle == "annual" { price.map(|p| p / 12) } else { price };
    let (Some(price), Some(monthly)) = (price, monthly_equivalent) else {
        return Err(ApiError::Unprocessable {
            code: ErrorCode::PlanInvoiced,
            message: format!("the {} plan is priced for each customer and invoiced by our team; contact sales to move to it", plan.name),
        });
    };
    if monthly > MAX_AUTO_DEBIT_MINOR {
        return Err(ApiError::Unprocessable {
            code: ErrorCode::PlanInvoiced,
            message: format!(
                "the {} plan costs more than ₹15,000 a month, so it is invoiced rather than charged to a card; contact sales",
                plan.name
            ),
        });
    }
    if !state.razorpay.configured() {
        return Err(crate::billing::razorpay::RazorpayError::NotConfigured.into());
    }
    // One subscribe at a time per account (on this node): two at once would
    // both find none and make two subscriptions.
    let lock = SUBSCRIBING.entry(user.tenant_id.0).or_default().clone();
    let _one_at_a_time = lock.lock().await;
    let db = state.db.tenant(user.tenant_id);
    if let Some(current) = db.current_subscription().await? {
        match current.status.as_str() {
            "authenticated" | "active" | "pending" | "halted" | "paused" => {
                return Err(ApiError::Conflict {
                    code: ErrorCode::SubscriptionExists,
                    message: format!(
                        "the account's subscription to {} is {}; cancel it first (POST /api/v1/billing/cancel) or pay what is due",
                        current.plan_code, current.status
                    ),
                });
            }
            // Not authorised yet: the new choice replaces it.
            "created" => {
                state.razorpay.cancel_subscription(&current.id).await?;
                db.subscription_cancelled(&current.id).await?;
            }
            _ => {}
        }
    }
    let amount = gst::with_gst(price);
    let rp_plan = match db.razorpay_plan(&plan.code, cycle, amount).await? {
        Some(id) => id,
        None => {
            let id = state
                .razorpay
                .create_plan(&format!("whatsflow {} ({cycle}, GST included)", plan.name), amount, &plan.currency, cycle == "annual")
                .await?;
            db.remember_razorpay_plan(&plan.code, cycle, amount, &id).await?
        }
    };
    let cycles = if cycle == "annual" { 10 } else { 120 };
    let sub = state
        .razorpay
        .create_subscription(&rp_plan, cycles, json!({"tenant_id": user.tenant_id.0, "plan": plan.code, "cycle": cycle}))
        .await?;
    let view = db
        .record_subscription(&NewSubscription {
            id: &sub.id,
            plan_code: &plan.code,
            cycle,
            amount_minor: amount,
            status: &sub.status,
            short_url: sub.short_url.as_deref(),
        })
        .await?;
    let entry = Entry::new(Some(user.tenant_id), Actor::from(&*user), "billing.subscribed").target(format!("subscription:{}", sub.id));
    state.db.audit().append(entry.change(None, Some(json!({"plan": plan.code, "cycle": cycle, "amount_minor": amount})))).await?;
    Ok(HttpResponse::Created().json(view))
}

/// The account's subscription and where the account stands.
pub async fn subscription(state: web::Data<AppState>, user: Admin) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let sub = db.current_subscription().await?;
    let account = db.account_status().await?.unwrap_or_default();
    let mut v = serde_json::to_value(&sub).unwrap_or_default();
    if sub.is_none() {
        v = json!({"status": "none", "razorpay_subscription_id": null, "paid_count": 0, "current_end": null});
    }
    v["account_status"] = json!(account);
    v["billing_configured"] = json!(state.razorpay.configured());
    Ok(HttpResponse::Ok().json(v))
}

/// Cancels the account's subscription now (the plan stays until the paid
/// cycle ends; nothing is deleted).
pub async fn cancel(state: web::Data<AppState>, user: Admin) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let sub = db
        .current_subscription()
        .await?
        .filter(|s| !matches!(s.status.as_str(), "cancelled" | "completed" | "expired"))
        .ok_or(ApiError::NotFound("live subscription"))?;
    state.razorpay.cancel_subscription(&sub.id).await?;
    db.subscription_cancelled(&sub.id).await?;
    let entry = Entry::new(Some(user.tenant_id), Actor::from(&*user), "billing.cancelled").target(format!("subscription:{}", sub.id));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().json(db.current_subscription().await?))
}

/// The details the account's invoices carry.
pub async fn details(state: web::Data<AppState>, user: Admin) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.db.tenant(user.tenant_id).billing_details().await?))
}

/// Sets them (checked: a GSTIN's first two digits are its state code).
pub async fn set_details(state: web::Data<AppState>, user: Admin, body: web::Json<BillingDetails>) -> Result<HttpResponse, ApiError> {
    let mut d = body.into_inner();
    d.legal_name = d.legal_name.trim().to_owned();
    if d.legal_name.is_empty() || d.legal_name.chars().count() > 200 {
        return Err(ApiError::validation("`legal_name` must be 1 to 200 characters"));
    }
    if gst::state_name(&d.state_code).is_none() {
        return Err(ApiError::validation(format!("`state_code` `{}` is not a GST state code; e.g. 27 for Maharashtra", d.state_code)));
    }
    d.gstin = d.gstin.map(|g| g.trim().to_uppercase()).filter(|g| !g.is_empty());
    if let Some(g) = &d.gstin {
        let shaped = g.len() == 15 && g.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !shaped || !g.starts_with(&d.state_code) {
            return Err(ApiError::validation("`gstin` must be 15 letters and digits starting with the state code (e.g. 27AAPFU0939F1ZV)"));
        }
    }
    if d.address.chars().count() > 500 || d.email.as_ref().is_some_and(|e| e.len() > 254 || !e.contains('@')) {
        return Err(ApiError::validation("`address` is at most 500 characters and `email` must be an email address"));
    }
    let db = state.db.tenant(user.tenant_id);
    let before = db.billing_details().await?;
    db.set_billing_details(&d).await?;
    let entry = Entry::new(Some(user.tenant_id), Actor::from(&*user), "billing.details_changed").target("billing_details");
    state.db.audit().append(entry.change(serde_json::to_value(before).ok(), serde_json::to_value(&d).ok())).await?;
    Ok(HttpResponse::Ok().json(d))
}

/// The account's invoices and credit notes.
pub async fn invoices(state: web::Data<AppState>, user: Admin) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(json!({"data": state.db.tenant(user.tenant_id).invoices().await?})))
}

async fn one(state: &AppState, user: &Admin, id: uuid::Uuid) -> Result<crate::store::repo::billing::InvoiceView, ApiError> {
    state.db.tenant(user.tenant_id).invoice(id).await?.ok_or(ApiError::NotFound("invoice"))
}

/// One invoice as JSON.
pub async fn invoice(state: web::Data<AppState>, user: Admin, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(one(&state, &user, *path).await?))
}

/// One invoice as a page.
pub async fn invoice_html(state: web::Data<AppState>, user: Admin, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let inv = one(&state, &user, *path).await?;
    let brand = crate::http::branding::tenant_brand(&state, user.tenant_id).await;
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(document::html(&inv, &brand.product)))
}

/// One invoice as a PDF download.
pub async fn invoice_pdf(state: web::Data<AppState>, user: Admin, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let inv = one(&state, &user, *path).await?;
    let brand = crate::http::branding::tenant_brand(&state, user.tenant_id).await;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{}.pdf\"", inv.number)))
        .body(document::pdf(&inv, &brand.product)))
}

/// `POST /admin/payments/{id}/refund`.
#[derive(Deserialize, Default)]
pub struct RefundBody {
    #[serde(default)]
    amount_minor: Option<i64>,
}

/// An operator refunds a captured payment (all of it unless an amount is
/// given); Razorpay's `refund.processed` webhook brings the credit note.
pub async fn refund(
    state: web::Data<AppState>,
    op: SuperAdmin,
    path: web::Path<String>,
    body: Option<web::Json<RefundBody>>,
) -> Result<HttpResponse, ApiError> {
    let payment = state.db.billing().payment(&path).await?.filter(|p| p.captured).ok_or(ApiError::NotFound("captured payment"))?;
    let amount = body.and_then(|b| b.amount_minor).unwrap_or(payment.amount);
    if amount <= 0 || amount > payment.amount {
        return Err(ApiError::validation(format!("`amount_minor` must be from 1 to {} paise", payment.amount)));
    }
    let refund = state.razorpay.refund(&path, amount).await?;
    let entry = Entry::new(payment.tenant, Actor::from(&*op), "billing.refunded").target(format!("payment:{}", path.as_str()));
    state.db.audit().append(entry.change(None, Some(json!({"refund": refund.id, "amount_minor": amount})))).await?;
    Ok(HttpResponse::Ok().json(json!({"refund_id": refund.id, "status": refund.status, "amount_minor": amount})))
}

/// `POST /webhooks/razorpay`: 401 unless signed with the webhook secret
/// (or the previous one during a rotation); a repeated event id is 200 and
/// changes nothing; applied whole or not at all (500: Razorpay retries).
pub async fn webhook(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let billing = &state.config.billing;
    let signature = req.headers().get("X-Razorpay-Signature").and_then(|h| h.to_str().ok());
    if billing.webhook_secrets.is_empty() || !signature_valid(&billing.webhook_secrets, &body, signature) {
        return Err(ApiError::Unauthorized("the X-Razorpay-Signature does not match this body under RAZORPAY_WEBHOOK_SECRET".into()));
    }
    let event = RazorpayEvent::parse(&body).map_err(|m| ApiError::BadRequest { code: ErrorCode::InvalidWebhook, message: m })?;
    let event_id = req
        .headers()
        .get("x-razorpay-event-id")
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        // Without Razorpay's id, the body's own hash keeps repeats idempotent.
        .unwrap_or_else(|| format!("sha256:{}", hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&body))));
    let applied = state.db.billing().apply(&event_id, &event, &billing.seller).await?;
    if let (Some(tenant), Some((before, after))) = (applied.tenant, &applied.moved) {
        let entry = Entry::new(Some(tenant), Actor::System, "billing.account_state").target(format!("event:{}", event.event));
        state.db.audit().append(entry.change(Some(json!({"status": before})), Some(json!({"status": after})))).await?;
        state.hub.notify(tenant, json!({"event": "account:status", "data": {"status": after}}));
        // Flows start again, or stop starting, with the account's state.
        state.forget(crate::cluster::forget::Forget::Flows(tenant));
    }
    if let Some(tenant) = applied.tenant.filter(|_| applied.topped_up) {
        let entry = Entry::new(Some(tenant), Actor::System, "wallet.topped_up").target(format!("event:{}", event.event));
        state
            .db
            .audit()
            .append(entry.change(None, event.payment.as_ref().map(|p| json!({"payment": p.id, "amount_minor": p.amount}))))
            .await?;
    }
    if let Some(tenant) = applied.tenant.filter(|_| !applied.issued.is_empty()) {
        let entry = Entry::new(Some(tenant), Actor::System, "billing.invoiced").target(format!("event:{}", event.event));
        state.db.audit().append(entry.change(None, Some(json!({"numbers": applied.issued})))).await?;
    }
    if let Some(p) = event.payout.as_ref().filter(|_| !applied.duplicate) {
        let entry = Entry::new(None, Actor::System, "payout.status").target(format!("razorpay_payout:{}", p.id));
        state
            .db
            .audit()
            .append(entry.change(None, Some(json!({"event": event.event, "status": p.status, "reference": p.reference}))))
            .await?;
    }
    Ok(HttpResponse::Ok().json(json!({"ok": true, "duplicate": applied.duplicate})))
}
