//! The prepaid wallet for Meta's charges (plans with the `wallet` feature):
//! its balance and ledger, top-ups through a Razorpay payment link, an
//! operator's adjustment, and the hold a paid send takes.

use crate::audit::{Actor, Entry};
use crate::auth::{Admin, Reader, SuperAdmin};
use crate::http::error::{ApiError, ErrorCode};
use crate::plans::Feature;
use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};
use whatsflow_actors::ids::{ContactId, TenantId};

/// Smallest top-up (₹100) and largest (₹5,00,000), paise.
const TOPUP_RANGE: std::ops::RangeInclusive<i64> = 10_000..=50_000_000;

/// `₹12.34` from ten-thousandths.
fn rupees_e4(e4: i64) -> String {
    format!("₹{}", crate::billing::document::rupees(crate::store::repo::campaigns::Cost::from_e4(String::new(), e4).amount_minor))
}

/// Holds a paid template's expected cost under the send's key when the
/// plan bills through the wallet (the key is made when none was given);
/// the key held, or None when nothing needs holding. 402
/// `WALLET_BALANCE_LOW` when the wallet cannot cover it.
pub async fn hold_for_send(
    state: &AppState,
    tenant: TenantId,
    contact: ContactId,
    kind: &str,
    content: &Value,
    client_id: &mut Option<String>,
) -> Result<Option<String>, ApiError> {
    if kind != "template" {
        return Ok(None);
    }
    let db = state.db.tenant(tenant);
    if db.plan_includes(Feature::Wallet).await?.is_err() {
        return Ok(None);
    }
    let name = content["name"].as_str().unwrap_or_default();
    let language = content["language"]["code"].as_str().or(content["language"].as_str()).unwrap_or_default();
    let cost = db.expected_template_cost(contact, name, language).await?;
    if cost == 0 {
        return Ok(None);
    }
    let key = client_id.get_or_insert_with(|| format!("wallet-{}", uuid::Uuid::new_v4())).clone();
    if db.wallet_reserve(&key, cost).await? {
        return Ok(Some(key));
    }
    let wallet = db.wallet(true).await?;
    Err(ApiError::PaymentRequired {
        code: ErrorCode::WalletBalanceLow,
        message: format!(
            "this template costs about {} and the wallet has {} free; top up in Settings → Wallet",
            rupees_e4(cost),
            rupees_e4(wallet.available_e4)
        ),
    })
}

/// The wallet, its balance and ledger.
pub async fn wallet(state: web::Data<AppState>, user: Reader) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let enabled = db.plan_includes(Feature::Wallet).await?.is_ok();
    Ok(HttpResponse::Ok().json(db.wallet(enabled).await?))
}

/// `POST /wallet/topup`.
#[derive(Deserialize)]
pub struct TopUpBody {
    amount_minor: i64,
}

/// A Razorpay payment link for a top-up; the wallet is credited when
/// Razorpay reports the payment captured (once per payment).
pub async fn top_up(state: web::Data<AppState>, user: Admin, body: web::Json<TopUpBody>) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    db.plan_includes(Feature::Wallet).await??;
    if !TOPUP_RANGE.contains(&body.amount_minor) {
        return Err(ApiError::validation("`amount_minor` is in paise, from 10000 (₹100) to 50000000 (₹5,00,000)"));
    }
    // GST is charged on top: the wallet gets the amount asked for, the
    // invoice shows the GST.
    let charged = crate::billing::gst::with_gst(body.amount_minor);
    let link = state
        .razorpay
        .create_payment_link(
            charged,
            "INR",
            "whatsflow wallet top-up (WhatsApp charges, GST included)",
            json!({"tenant_id": user.tenant_id.0, "purpose": "wallet_topup", "credit_minor": body.amount_minor}),
        )
        .await?;
    let entry = Entry::new(Some(user.tenant_id), Actor::from(&*user), "wallet.topup_requested").target(format!("payment_link:{}", link.id));
    state.db.audit().append(entry.change(None, Some(json!({"amount_minor": body.amount_minor})))).await?;
    Ok(HttpResponse::Created().json(json!({"payment_link_id": link.id, "short_url": link.short_url, "amount_minor": body.amount_minor,
                                           "charged_minor": charged})))
}

/// `POST /admin/tenants/{id}/wallet`.
#[derive(Deserialize)]
pub struct AdjustBody {
    amount_minor: i64,
    note: String,
}

/// An operator credits a wallet (a goodwill credit, a bank transfer), with a note.
pub async fn adjust(
    state: web::Data<AppState>,
    op: SuperAdmin,
    path: web::Path<uuid::Uuid>,
    body: web::Json<AdjustBody>,
) -> Result<HttpResponse, ApiError> {
    let tenant = TenantId(*path);
    state.db.admin().tenant(tenant).await?.ok_or(ApiError::NotFound("tenant"))?;
    let note = body.note.trim();
    if body.amount_minor <= 0 || body.amount_minor > 50_000_000 || note.len() < 3 {
        return Err(ApiError::validation("`amount_minor` (paise, 1 to 50000000) and a `note` saying why are required"));
    }
    let balance = crate::store::repo::wallet::credit(&state.pool, tenant, body.amount_minor * 100, "adjustment", None, Some(note)).await?;
    let entry = Entry::new(Some(tenant), Actor::from(&*op), "wallet.adjusted").target(format!("tenant:{}", tenant.0));
    state.db.audit().append(entry.change(None, Some(json!({"amount_minor": body.amount_minor, "note": note})))).await?;
    Ok(HttpResponse::Ok().json(json!({"balance_e4": balance})))
}
