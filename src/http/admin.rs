//! `/api/v1/admin/*`: the platform operators' console — plans, customer
//! tenants (plan, suspension), platform figures — and `/api/v1/account/plan`,
//! a tenant's own plan, state and counts.

use crate::audit::{Actor, Entry};
use crate::auth::{Reader, SuperAdmin};
use crate::http::error::ApiError;
use crate::plans::check_plan_shape;
use crate::startup::AppState;
use crate::store::repo::plans::PlanChange;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};
use whatsflow_actors::ids::TenantId;

/// Most plans the platform keeps (they are never deleted).
const MAX_PLANS: usize = 50;

/// Distinguishes an absent field from an explicit null (a custom price).
fn some_value<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

/// `POST /admin/plans` and `PATCH /admin/plans/{code}`.
#[derive(Deserialize, Default)]
pub struct PlanBody {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default, deserialize_with = "some_value")]
    price_monthly_minor: Option<Option<i64>>,
    #[serde(default, deserialize_with = "some_value")]
    price_annual_minor: Option<Option<i64>>,
    #[serde(default)]
    limits: Option<Value>,
    #[serde(default)]
    features: Option<Vec<String>>,
    #[serde(default)]
    position: Option<i32>,
    #[serde(default)]
    active: Option<bool>,
}

impl PlanBody {
    /// Checks the fields present and returns the change.
    fn change(self) -> Result<PlanChange, ApiError> {
        if let Some(n) = &self.name {
            if n.trim().is_empty() || n.chars().count() > 80 {
                return Err(ApiError::validation("`name` must be 1 to 80 characters"));
            }
        }
        if let Some(c) = &self.currency {
            if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(ApiError::validation("`currency` must be an ISO 4217 code like INR"));
            }
        }
        for (field, price) in [("price_monthly_minor", self.price_monthly_minor), ("price_annual_minor", self.price_annual_minor)] {
            if price.flatten().is_some_and(|p| p < 0) {
                return Err(ApiError::validation(format!("`{field}` is in minor units (paise) and cannot be negative; null means custom")));
            }
        }
        let limits = self.limits.unwrap_or_else(|| json!({}));
        check_plan_shape(&limits, self.features.as_deref().unwrap_or_default()).map_err(ApiError::validation)?;
        Ok(PlanChange {
            name: self.name.map(|n| n.trim().to_owned()),
            currency: self.currency,
            price_monthly_minor: self.price_monthly_minor,
            price_annual_minor: self.price_annual_minor,
            limits: Some(limits).filter(|l| l.as_object().is_some_and(|m| !m.is_empty())),
            features: self.features,
            position: self.position,
            active: self.active,
        })
    }
}

/// Every plan, offered or not.
pub async fn plans(state: web::Data<AppState>, _: SuperAdmin) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(json!({"data": state.db.plans().list(true).await?})))
}

/// A new plan.
pub async fn create_plan(state: web::Data<AppState>, op: SuperAdmin, body: web::Json<PlanBody>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let code = b.code.clone().map(|c| c.trim().to_lowercase()).unwrap_or_default();
    let valid_code = code.len() >= 2
        && code.len() <= 32
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !valid_code {
        return Err(ApiError::validation("`code` must be 2 to 32 lower-case letters, digits or `_`, starting with a letter"));
    }
    if b.name.is_none() {
        return Err(ApiError::validation("`name` is required"));
    }
    if state.db.plans().list(true).await?.len() >= MAX_PLANS {
        return Err(ApiError::validation(format!(
            "the platform keeps at most {MAX_PLANS} plans; hide and reuse one (PATCH active: false)"
        )));
    }
    let change = b.change()?;
    let plan = state.db.plans().create(&code, &change).await?;
    let entry = Entry::new(None, Actor::from(&*op), "plan.created").target(format!("plan:{code}"));
    state.db.audit().append(entry.change(None, serde_json::to_value(&plan).ok())).await?;
    Ok(HttpResponse::Created().json(plan))
}

/// Changes a plan (its code stays).
pub async fn update_plan(
    state: web::Data<AppState>,
    op: SuperAdmin,
    path: web::Path<String>,
    body: web::Json<PlanBody>,
) -> Result<HttpResponse, ApiError> {
    let change = body.into_inner().change()?;
    let before = state.db.plans().get(&path).await?.ok_or(ApiError::NotFound("plan"))?;
    let plan = state.db.plans().update(&path, &change).await?.ok_or(ApiError::NotFound("plan"))?;
    let entry = Entry::new(None, Actor::from(&*op), "plan.changed").target(format!("plan:{}", *path));
    state.db.audit().append(entry.change(serde_json::to_value(&before).ok(), serde_json::to_value(&plan).ok())).await?;
    Ok(HttpResponse::Ok().json(plan))
}

/// `GET /admin/tenants?search=`.
#[derive(Deserialize)]
pub struct TenantQuery {
    #[serde(default)]
    search: Option<String>,
}

/// Customer tenants with plan, state, size and revenue.
pub async fn tenants(state: web::Data<AppState>, _: SuperAdmin, q: web::Query<TenantQuery>) -> Result<HttpResponse, ApiError> {
    let search = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if search.is_some_and(|s| s.chars().count() > 100) {
        return Err(ApiError::validation("`search` is at most 100 characters"));
    }
    Ok(HttpResponse::Ok().json(json!({"data": state.db.admin().tenants(search).await?})))
}

/// `PATCH /admin/tenants/{id}`.
#[derive(Deserialize)]
pub struct TenantChange {
    #[serde(default)]
    plan: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

/// Moves a tenant to a plan, or suspends or reactivates it. Suspending
/// ends its people's sessions at once; its webhooks are still received
/// and stored, and nothing is deleted.
pub async fn update_tenant(
    state: web::Data<AppState>,
    op: SuperAdmin,
    path: web::Path<uuid::Uuid>,
    body: web::Json<TenantChange>,
) -> Result<HttpResponse, ApiError> {
    let tenant = TenantId(*path);
    let b = body.into_inner();
    if b.plan.is_none() && b.status.is_none() {
        return Err(ApiError::validation("send `plan` (a plan's code), `status` (active or suspended) or both"));
    }
    if let Some(code) = &b.plan {
        if state.db.plans().get(code).await?.is_none() {
            return Err(ApiError::validation(format!("`plan` `{code}` is not a plan; GET /api/v1/admin/plans lists them")));
        }
    }
    if let Some(s) = &b.status {
        if !matches!(s.as_str(), "active" | "grace" | "restricted" | "suspended") {
            return Err(ApiError::validation("`status` must be active, grace, restricted or suspended"));
        }
    }
    let before = state.db.admin().tenant(tenant).await?.ok_or(ApiError::NotFound("tenant"))?;
    let ended =
        state.db.admin().update_tenant(tenant, b.plan.as_deref(), b.status.as_deref()).await?.ok_or(ApiError::NotFound("tenant"))?;
    for user in ended {
        state.sessions.revoked(tenant, user, "the account was suspended");
    }
    state.forget(crate::cluster::forget::Forget::Flows(tenant));
    let summary = state.db.admin().tenant(tenant).await?.ok_or(ApiError::NotFound("tenant"))?;
    // In the tenant's own log, so its admins see who changed their plan or suspended them.
    let action = match b.status.as_deref() {
        Some("suspended") if before.status != "suspended" => "tenant.suspended",
        Some("active") if before.status != "active" => "tenant.reactivated",
        _ => "tenant.plan_changed",
    };
    let entry = Entry::new(Some(tenant), Actor::from(&*op), action).target(format!("tenant:{}", tenant.0)).change(
        Some(json!({"plan": before.plan_code, "status": before.status})),
        Some(json!({"plan": summary.plan_code, "status": summary.status})),
    );
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// The platform's figures (`GET /admin/overview`).
#[derive(Debug, serde::Serialize, ts_rs::TS)]
pub struct AdminOverview {
    /// Customer tenants.
    pub tenants: i64,
    /// Not suspended.
    pub active_tenants: i64,
    /// Suspended.
    pub suspended_tenants: i64,
    /// Signed up in the last 30 days.
    pub signups_30d: i64,
    /// Monthly recurring revenue in minor units (active and grace tenants' plans).
    pub mrr_minor: i64,
    /// Messages in the last 30 days, all tenants.
    pub messages_30d: i64,
    /// Tenants per plan code.
    pub tenants_by_plan: std::collections::BTreeMap<String, i64>,
}

/// The platform's figures: customers, revenue, sign-ups, messages.
pub async fn overview(state: web::Data<AppState>, _: SuperAdmin) -> Result<HttpResponse, ApiError> {
    let (tenants, suspended, signups_30d, mrr_minor, messages_30d, by_plan) = state.db.admin().overview().await?;
    Ok(HttpResponse::Ok().json(AdminOverview {
        tenants,
        active_tenants: tenants - suspended,
        suspended_tenants: suspended,
        signups_30d,
        mrr_minor,
        messages_30d,
        tenants_by_plan: serde_json::from_value(by_plan).unwrap_or_default(),
    }))
}

/// The caller's own plan, account state and counts, and the plans offered
/// (the web app's upgrade hints).
pub async fn account_plan(state: web::Data<AppState>, user: Reader) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.db.tenant(user.tenant_id).account_plan().await?))
}

/// `POST /admin/tenants/{id}/impersonate`.
#[derive(Deserialize)]
pub struct ImpersonateBody {
    reason: String,
}

/// An operator views a tenant as its first admin for 30 minutes: an access
/// token with no refresh token, marked with the operator (the web app shows
/// a banner; what they do is audited as theirs). The start is audited in
/// the tenant's log and the platform's, with the reason.
pub async fn impersonate(
    state: web::Data<AppState>,
    op: SuperAdmin,
    path: web::Path<uuid::Uuid>,
    body: web::Json<ImpersonateBody>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.reason.trim();
    if reason.chars().count() < 3 || reason.chars().count() > 500 {
        return Err(ApiError::validation("`reason` (3 to 500 characters) is required: say why you are viewing this account"));
    }
    let tenant = TenantId(*path);
    let summary = state.db.admin().tenant(tenant).await?.ok_or(ApiError::NotFound("tenant"))?;
    let (user, version) = state.db.admin().first_admin(tenant).await?.ok_or(ApiError::NotFound("tenant admin"))?;
    let role = crate::auth::Role::parse(&user.role).unwrap_or(crate::auth::Role::TenantAdmin);
    let (token, ttl) = state.jwt.issue_impersonation(whatsflow_actors::ids::UserId(user.id), tenant, role, version, op.user_id)?;
    let until = chrono::Utc::now() + chrono::Duration::seconds(ttl);
    let detail = json!({"operator": op.user_id.0, "as": user.id, "reason": reason, "until": until});
    for log in [Some(tenant), None] {
        let entry = Entry::new(log, Actor::from(&*op), "admin.impersonation_started").target(format!("tenant:{}", tenant.0));
        state.db.audit().append(entry.change(None, Some(detail.clone()))).await?;
    }
    Ok(HttpResponse::Ok().json(json!({
        "access_token": token, "token_type": "Bearer", "expires_in": ttl, "expires_at": until, "user": user,
        "tenant": {"id": tenant.0, "name": summary.name}, "impersonating": true,
    })))
}

/// The platform's settings.
pub async fn settings(state: web::Data<AppState>, _: SuperAdmin) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.db.admin().settings().await?))
}

/// `PUT /admin/settings`.
#[derive(Deserialize)]
pub struct SettingsBody {
    #[serde(default)]
    signups_open: Option<bool>,
    #[serde(default, deserialize_with = "some_text")]
    default_plan: Option<Option<String>>,
    #[serde(default, deserialize_with = "some_text")]
    support_email: Option<Option<String>>,
}

/// Distinguishes an absent field from an explicit null.
fn some_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Changes them (audited in the platform's log).
pub async fn update_settings(state: web::Data<AppState>, op: SuperAdmin, body: web::Json<SettingsBody>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    if let Some(Some(code)) = &b.default_plan {
        if state.db.plans().get(code).await?.is_none() {
            return Err(ApiError::validation(format!("`default_plan` `{code}` is not a plan; GET /api/v1/admin/plans lists them")));
        }
    }
    let support = b.support_email.map(|e| e.map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()));
    if support.as_ref().and_then(|e| e.as_ref()).is_some_and(|e| !e.contains('@') || e.len() > 254) {
        return Err(ApiError::validation("`support_email` must be an email address"));
    }
    let before = state.db.admin().settings().await?;
    let after = state.db.admin().update_settings(b.signups_open, b.default_plan, support).await?;
    let entry = Entry::new(None, Actor::from(&*op), "platform.settings_changed").target("platform_settings");
    state.db.audit().append(entry.change(serde_json::to_value(&before).ok(), serde_json::to_value(&after).ok())).await?;
    Ok(HttpResponse::Ok().json(after))
}
