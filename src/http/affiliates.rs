//! The affiliate programme's edge: joining and the dashboard (any signed-in
//! person), referral links (public), the operators' approvals and payout
//! runs, and the payout of affiliates and partners through RazorpayX.

use crate::audit::{Actor, Entry};
use crate::auth::{Person, SuperAdmin};
use crate::http::error::{ApiError, ErrorCode};
use crate::partners::affiliate;
use crate::startup::AppState;
use crate::store::repo::affiliates::{AffiliateDetails, Affiliates, PayoutView};
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

fn repo(state: &AppState) -> Affiliates<'_> {
    state.db.affiliates(&state.mailer.public_url)
}

/// `POST /api/v1/affiliate` and `PATCH /api/v1/affiliate`.
#[derive(Deserialize)]
pub struct DetailsBody {
    #[serde(default)]
    payout_vpa: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    gstin: Option<String>,
}

/// Checks what an affiliate gives about themselves, naming the field.
fn details(b: DetailsBody) -> Result<AffiliateDetails, ApiError> {
    let clean = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let d = AffiliateDetails {
        payout_vpa: clean(b.payout_vpa).map(|v| v.to_lowercase()),
        phone: clean(b.phone),
        gstin: clean(b.gstin).map(|g| g.to_uppercase()),
    };
    if d.payout_vpa.as_deref().is_some_and(|v| !affiliate::valid_vpa(v)) {
        return Err(ApiError::validation("`payout_vpa` must be a UPI address like name@bank"));
    }
    if let Some(phone) = &d.phone {
        let digits = phone.trim_start_matches('+');
        if !(8..=15).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(ApiError::validation("`phone` must be a phone number in international form, like +919812345678"));
        }
    }
    if let Some(gstin) = &d.gstin {
        if gstin.len() != 15 || !gstin.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ApiError::validation("`gstin` must be a 15-character GSTIN, like 29ABCDE1234F1Z5"));
        }
    }
    Ok(d)
}

/// A person joins the affiliate programme (an operator approves them).
pub async fn join(state: web::Data<AppState>, user: Person, body: web::Json<DetailsBody>) -> Result<HttpResponse, ApiError> {
    not_a_view(&user)?;
    let d = details(body.into_inner())?;
    let me = state.db.tenant(user.tenant_id).users().get(user.user_id).await?.ok_or(ApiError::NotFound("user"))?;
    let view = repo(&state).join(user.user_id, &me.name, &me.email, &d, state.clock.now()).await?;
    let entry = Entry::new(Some(user.tenant_id), Actor::from(&*user), "affiliate.joined").target(format!("affiliate:{}", view.id));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Someone viewing the account as this person (an operator, a partner) may
/// not join the programme or change where its money goes.
fn not_a_view(user: &Person) -> Result<(), ApiError> {
    if user.impersonator.is_some() {
        return Err(ApiError::Forbidden(
            "only the person themselves can join the affiliate programme or change where they are paid".into(),
        ));
    }
    Ok(())
}

async fn own(state: &AppState, user: &Person) -> Result<crate::store::repo::affiliates::AffiliateView, ApiError> {
    repo(state).of_user(user.user_id, state.clock.now()).await?.ok_or(ApiError::NotFound("affiliate"))
}

/// `GET /api/v1/affiliate`: the caller's dashboard figures.
pub async fn me(state: web::Data<AppState>, user: Person) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(own(&state, &user).await?))
}

/// `PATCH /api/v1/affiliate`: the caller's UPI address, phone or GSTIN.
pub async fn update(state: web::Data<AppState>, user: Person, body: web::Json<DetailsBody>) -> Result<HttpResponse, ApiError> {
    not_a_view(&user)?;
    let me = own(&state, &user).await?;
    let d = details(body.into_inner())?;
    repo(&state).update_details(me.id, &d).await?;
    let entry = Entry::new(Some(user.tenant_id), Actor::from(&*user), "affiliate.details_changed").target(format!("affiliate:{}", me.id));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().json(own(&state, &user).await?))
}

/// `GET /api/v1/affiliate/referrals`.
pub async fn referrals(state: web::Data<AppState>, user: Person) -> Result<HttpResponse, ApiError> {
    let me = own(&state, &user).await?;
    Ok(HttpResponse::Ok().json(json!({"data": repo(&state).referrals(me.id).await?})))
}

/// `GET /api/v1/affiliate/commissions`.
pub async fn commissions(state: web::Data<AppState>, user: Person) -> Result<HttpResponse, ApiError> {
    let me = own(&state, &user).await?;
    Ok(HttpResponse::Ok().json(json!({"data": repo(&state).commissions(me.id, state.clock.now()).await?})))
}

/// `GET /api/v1/affiliate/payouts`.
pub async fn payouts(state: web::Data<AppState>, user: Person) -> Result<HttpResponse, ApiError> {
    let me = own(&state, &user).await?;
    Ok(HttpResponse::Ok().json(json!({"data": repo(&state).payouts_of("affiliate", me.id).await?})))
}

/// `GET /r/{code}`: counts the click, sets the first-touch cookie (unless a
/// live one from an earlier click is there) and sends the visitor to sign up.
pub async fn referral_link(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let code = path.into_inner().to_lowercase();
    let now = state.clock.now();
    let mut res = HttpResponse::Found();
    res.insert_header((header::LOCATION, "/register")).insert_header((header::CACHE_CONTROL, "no-store"));
    let valid_code = code.len() <= 16 && code.chars().all(|c| c.is_ascii_alphanumeric());
    let Some(affiliate_id) = (if valid_code { repo(&state).by_code(&code).await? } else { None }) else {
        return Ok(res.finish());
    };
    repo(&state).record_click(affiliate_id, now).await?;
    let key = state.config.jwt_secret.expose().as_bytes().to_vec();
    let earlier = req
        .cookie(affiliate::COOKIE)
        .and_then(|c| affiliate::read_cookie(&key, c.value()))
        .is_some_and(|(_, at)| affiliate::within_window(at, now));
    if !earlier {
        let cookie = Cookie::build(affiliate::COOKIE, affiliate::cookie_value(&key, affiliate_id, now))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(state.mailer.public_url.starts_with("https://"))
            .max_age(CookieDuration::days(affiliate::WINDOW_DAYS))
            .finish();
        res.cookie(cookie);
    }
    Ok(res.finish())
}

/// Binds a new account to the affiliate whose link its admin clicked within
/// the window (first touch). Never fails the sign-up.
pub(crate) async fn attribute_sign_up(state: &AppState, req: &HttpRequest, tenant: whatsflow_actors::ids::TenantId, email: &str) {
    let key = state.config.jwt_secret.expose().as_bytes().to_vec();
    let Some((affiliate_id, clicked)) = req.cookie(affiliate::COOKIE).and_then(|c| affiliate::read_cookie(&key, c.value())) else { return };
    let now = state.clock.now();
    if !affiliate::within_window(clicked, now) {
        return;
    }
    match repo(state).bind(tenant, affiliate_id, clicked, email, now).await {
        Ok(Some(status)) => {
            let entry = Entry::new(Some(tenant), Actor::System, "affiliate.referred")
                .target(format!("affiliate:{affiliate_id}"))
                .change(None, Some(json!({"status": status})));
            if let Err(e) = state.db.audit().append(entry).await {
                tracing::warn!(error = %e, "auditing a referral");
            }
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "a referral could not be recorded"),
    }
}

/// `GET /api/v1/admin/affiliates`.
pub async fn admin_list(state: web::Data<AppState>, _: SuperAdmin) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(json!({"data": repo(&state).list(state.clock.now()).await?})))
}

/// `PATCH /api/v1/admin/affiliates/{id}`.
#[derive(Deserialize)]
pub struct StandingBody {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    tier: Option<String>,
}

/// An operator approves or suspends an affiliate, or moves them between
/// the standard (20%) and premium (25%) tiers (for payments from then on).
pub async fn admin_update(
    state: web::Data<AppState>,
    op: SuperAdmin,
    path: web::Path<uuid::Uuid>,
    body: web::Json<StandingBody>,
) -> Result<HttpResponse, ApiError> {
    if body.status.as_deref().is_some_and(|s| !matches!(s, "pending" | "approved" | "suspended")) {
        return Err(ApiError::validation("`status` must be pending, approved or suspended"));
    }
    if body.tier.as_deref().is_some_and(|t| !matches!(t, "standard" | "premium")) {
        return Err(ApiError::validation("`tier` must be standard (20%) or premium (25%)"));
    }
    let id = path.into_inner();
    if !repo(&state).set_standing(id, body.status.as_deref(), body.tier.as_deref()).await? {
        return Err(ApiError::NotFound("affiliate"));
    }
    let entry = Entry::new(None, Actor::from(&*op), "admin.affiliate_updated")
        .target(format!("affiliate:{id}"))
        .change(None, Some(json!({"status": body.status, "tier": body.tier})));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().json(repo(&state).get(id, state.clock.now()).await?.ok_or(ApiError::NotFound("affiliate"))?))
}

/// `GET /api/v1/admin/payouts`.
pub async fn admin_payouts(state: web::Data<AppState>, _: SuperAdmin) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(json!({"data": repo(&state).all_payouts().await?})))
}

/// What a payout run did.
pub struct PayoutRun {
    /// The payouts RazorpayX took this time.
    pub sent: Vec<PayoutView>,
    /// Requests that got no usable answer (left to the next run, same key).
    pub unanswered: usize,
}

/// Pays every payee due: new payouts for balances of at least ₹1,000, and
/// payouts whose request got no answer before, sent again with their own
/// idempotency key (so RazorpayX pays each once).
pub async fn run_payouts(state: &AppState, by: Actor) -> Result<PayoutRun, ApiError> {
    let Some(account) = state.config.billing.payout_account.clone() else {
        return Err(ApiError::Denied {
            code: ErrorCode::BillingNotConfigured,
            message: "payouts are off on this installation: set RAZORPAYX_ACCOUNT_NUMBER (and the Razorpay key)".into(),
        });
    };
    if !state.razorpay.configured() {
        return Err(crate::billing::razorpay::RazorpayError::NotConfigured.into());
    }
    let due = repo(state).due_payouts(state.clock.now()).await?;
    let mut sent = Vec::new();
    let mut unanswered = 0;
    for p in due {
        let request = crate::billing::razorpay::PayoutRequest {
            id: p.id,
            account_number: &account,
            amount_minor: p.amount_minor,
            vpa: &p.vpa,
            name: &p.name,
            payee_kind: &p.payee_kind,
            payee_id: p.payee_id,
        };
        match state.razorpay.create_payout(&request).await {
            Ok(answer) => {
                repo(state).payout_sent(p.id, &answer.id, &answer.status).await?;
                sent.push(p.id);
                let entry = Entry::new(None, by, "payout.sent")
                    .target(format!("payout:{}", p.id))
                    .change(None, Some(json!({"payee_kind": p.payee_kind, "amount_minor": p.amount_minor, "razorpay_id": answer.id})));
                state.db.audit().append(entry).await?;
            }
            // Left `created`: the next run sends it again with the same key.
            Err(e) => {
                unanswered += 1;
                tracing::warn!(payout = %p.id, error = %e, "a payout request got no usable answer; the next run retries it");
            }
        }
    }
    let all = repo(state).all_payouts().await?;
    Ok(PayoutRun { sent: all.into_iter().filter(|p| sent.contains(&p.id)).collect(), unanswered })
}

/// `POST /api/v1/admin/payouts/run`.
pub async fn admin_run(state: web::Data<AppState>, op: SuperAdmin) -> Result<HttpResponse, ApiError> {
    let run = run_payouts(&state, Actor::from(&*op)).await?;
    Ok(HttpResponse::Ok().json(json!({"created": run.sent.len(), "unanswered": run.unanswered, "data": run.sent})))
}
