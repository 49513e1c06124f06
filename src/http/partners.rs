//! The partner area (`/api/v1/partner/*`, a partner's admins) and the
//! operators' management of partners (`/api/v1/admin/partners*`): clients,
//! brand, custom domains, retail prices and the revenue ledger.

use crate::audit::{Actor, Entry};
use crate::auth::{PartnerAdmin, SuperAdmin};
use crate::http::auth::{email_shape, hash_password, long_enough, required_text};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::valid::{not_blank, Valid};
use crate::partners::brand::{self, BrandColors, BrandSettings};
use crate::partners::{custom_domain, dns, valid_slug, PartnerStatus, RevenueModel};
use crate::startup::AppState;
use crate::store::repo::partners::{DomainAdded, ImageChange, NewAdmin, NewPartner, PartnerChange, PartnerView, Partners};
use actix_web::{web, HttpResponse};
use chrono::{Datelike, NaiveDate, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::json;
use whatsflow_actors::ids::{TenantId, UserId};

/// Most client tenants one partner may own.
pub const MAX_CLIENTS: usize = 1000;

fn repo(state: &AppState) -> Partners<'_> {
    state.db.partners(state.config.partners.base_domain.as_deref())
}

/// The caller's partner, whatever its status.
async fn own_partner(state: &AppState, user: &PartnerAdmin) -> Result<PartnerView, ApiError> {
    repo(state).by_home_tenant(user.tenant_id).await?.ok_or(ApiError::NotFound("partner"))
}

/// The caller's partner, which must be approved to act.
async fn approved(state: &AppState, user: &PartnerAdmin) -> Result<PartnerView, ApiError> {
    let partner = own_partner(state, user).await?;
    match partner.status {
        PartnerStatus::Approved => Ok(partner),
        PartnerStatus::Pending => Err(ApiError::Denied {
            code: ErrorCode::PartnerNotApproved,
            message: "your partner account is awaiting the platform's approval; you can do this once it is approved".into(),
        }),
        PartnerStatus::Suspended => Err(ApiError::Denied {
            code: ErrorCode::PartnerNotApproved,
            message: "your partner account is suspended; write to the platform's operators to settle it".into(),
        }),
    }
}

/// `GET /api/v1/partner`: the caller's partner.
pub async fn me(state: web::Data<AppState>, user: PartnerAdmin) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(own_partner(&state, &user).await?))
}

/// `GET /api/v1/partner/branding`.
pub async fn get_branding(state: web::Data<AppState>, user: PartnerAdmin) -> Result<HttpResponse, ApiError> {
    let partner = own_partner(&state, &user).await?;
    Ok(HttpResponse::Ok().json(crate::http::branding::brand_of(&state, Some(partner.id)).await?))
}

/// `absent` → None, `null` → Some(None), a value → Some(Some(v)).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// `PUT /api/v1/partner/branding`.
#[derive(Deserialize)]
pub struct BrandBody {
    product_name: String,
    #[serde(default)]
    colors: Option<BrandColors>,
    #[serde(default)]
    support_email: Option<String>,
    #[serde(default)]
    support_url: Option<String>,
    #[serde(default)]
    terms_url: Option<String>,
    #[serde(default)]
    privacy_url: Option<String>,
    #[serde(default, deserialize_with = "present")]
    logo: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    favicon: Option<Option<String>>,
}

fn image_change(field: &str, v: Option<Option<String>>) -> Result<ImageChange, ApiError> {
    match v {
        None => Ok(ImageChange::Keep),
        Some(None) => Ok(ImageChange::Remove),
        Some(Some(url)) => brand::image_from_data_url(field, &url).map(ImageChange::Set).map_err(ApiError::validation),
    }
}

/// Sets the partner's brand: what its hosts, its clients' mails and
/// invoices show.
pub async fn put_branding(state: web::Data<AppState>, user: PartnerAdmin, body: web::Json<BrandBody>) -> Result<HttpResponse, ApiError> {
    let partner = approved(&state, &user).await?;
    let b = body.into_inner();
    let blank_none = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let settings = BrandSettings {
        product_name: Some(b.product_name.trim().to_owned()),
        colors: b.colors.map(|c| BrandColors { primary: c.primary.to_lowercase(), accent: c.accent.to_lowercase() }),
        support_email: blank_none(b.support_email),
        support_url: blank_none(b.support_url),
        terms_url: blank_none(b.terms_url),
        privacy_url: blank_none(b.privacy_url),
    };
    brand::validate(&settings).map_err(ApiError::validation)?;
    let logo = image_change("logo", b.logo)?;
    let favicon = image_change("favicon", b.favicon)?;
    repo(&state).set_brand(partner.id, &settings, &logo, &favicon).await?;
    let entry = Entry::new(Some(user.tenant_id), Actor::from(&*user), "partner.branding_changed")
        .target(format!("partner:{}", partner.id))
        .change(None, Some(serde_json::to_value(&settings).unwrap_or_default()));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().json(crate::http::branding::brand_of(&state, Some(partner.id)).await?))
}

/// `GET /api/v1/partner/clients`.
pub async fn clients(state: web::Data<AppState>, user: PartnerAdmin) -> Result<HttpResponse, ApiError> {
    let partner = approved(&state, &user).await?;
    Ok(HttpResponse::Ok().json(json!({"data": repo(&state).clients(partner.id).await?})))
}

/// `POST /api/v1/partner/clients`.
#[derive(Deserialize, garde::Validate)]
pub struct ClientRequest {
    #[garde(length(chars, max = 200), custom(not_blank))]
    name: String,
    #[garde(length(chars, max = 200), custom(not_blank))]
    admin_name: String,
    #[garde(length(max = 254), custom(email_shape))]
    admin_email: String,
    #[garde(custom(long_enough))]
    admin_password: String,
}

/// A partner opens an account for a client, with its first admin (who
/// signs in on the partner's host).
pub async fn create_client(state: web::Data<AppState>, user: PartnerAdmin, body: Valid<ClientRequest>) -> Result<HttpResponse, ApiError> {
    let partner = approved(&state, &user).await?;
    if usize::try_from(partner.clients).unwrap_or(usize::MAX) >= MAX_CLIENTS {
        return Err(ApiError::Conflict {
            code: ErrorCode::PlanLimit,
            message: format!("a partner may own up to {MAX_CLIENTS} client accounts; write to the platform's operators for more"),
        });
    }
    let email = body.admin_email.trim().to_lowercase();
    let hash = hash_password(&state, body.admin_password.clone()).await?;
    let settings = state.db.admin().settings().await?;
    let plan = settings.default_plan.as_deref().unwrap_or(state.config.default_plan.as_str());
    let admin = NewAdmin { name: body.admin_name.trim(), email: &email, password_hash: &hash };
    let client = repo(&state).create_client(partner.id, body.name.trim(), plan, &admin).await?;
    for log in [Some(user.tenant_id), Some(TenantId(client.id))] {
        let entry = Entry::new(log, Actor::from(&*user), "partner.client_created")
            .target(format!("tenant:{}", client.id))
            .change(None, Some(json!({"name": client.name, "admin_email": email, "partner": partner.id})));
        state.db.audit().append(entry).await?;
    }
    Ok(HttpResponse::Created().json(client))
}

/// `POST /api/v1/partner/clients/{id}/impersonate`.
#[derive(Deserialize)]
pub struct ImpersonateBody {
    reason: String,
}

/// A partner views its client as the client's first admin for 30 minutes
/// (as an operator can): audited in both accounts' logs with the reason.
pub async fn impersonate(
    state: web::Data<AppState>,
    user: PartnerAdmin,
    path: web::Path<uuid::Uuid>,
    body: web::Json<ImpersonateBody>,
) -> Result<HttpResponse, ApiError> {
    let partner = approved(&state, &user).await?;
    let reason = required_text("reason", &body.reason, 500)?;
    if reason.chars().count() < 3 {
        return Err(ApiError::validation("`reason` (3 to 500 characters) is required: say why you are viewing this account"));
    }
    let tenant = TenantId(*path);
    // Another partner's client, or the partner's own account, is not its to view.
    if tenant.0 == partner.home_tenant_id || repo(&state).of_tenant(tenant).await? != Some(partner.id) {
        return Err(ApiError::NotFound("client"));
    }
    let summary = state.db.admin().tenant(tenant).await?.ok_or(ApiError::NotFound("client"))?;
    let (admin, version) = state.db.admin().first_admin(tenant).await?.ok_or(ApiError::NotFound("client admin"))?;
    let role = crate::auth::Role::parse(&admin.role).unwrap_or(crate::auth::Role::TenantAdmin);
    let (token, ttl) = state.jwt.issue_impersonation(UserId(admin.id), tenant, role, version, user.user_id)?;
    let until = Utc::now() + chrono::Duration::seconds(ttl);
    let detail = json!({"partner": partner.id, "by": user.user_id.0, "as": admin.id, "reason": reason, "until": until});
    for log in [Some(tenant), Some(user.tenant_id)] {
        let entry = Entry::new(log, Actor::from(&*user), "partner.impersonation_started").target(format!("tenant:{}", tenant.0));
        state.db.audit().append(entry.change(None, Some(detail.clone()))).await?;
    }
    Ok(HttpResponse::Ok().json(json!({
        "access_token": token, "token_type": "Bearer", "expires_in": ttl, "expires_at": until, "user": admin,
        "tenant": {"id": tenant.0, "name": summary.name}, "impersonating": true,
    })))
}

/// `GET /api/v1/partner/prices`.
pub async fn prices(state: web::Data<AppState>, user: PartnerAdmin) -> Result<HttpResponse, ApiError> {
    let partner = approved(&state, &user).await?;
    Ok(HttpResponse::Ok().json(json!({"data": repo(&state).prices(partner.id).await?})))
}

/// `PUT /api/v1/partner/prices/{plan_code}`.
#[derive(Deserialize)]
pub struct PriceBody {
    #[serde(default)]
    retail_monthly_minor: Option<i64>,
    #[serde(default)]
    retail_annual_minor: Option<i64>,
}

/// A markup partner sets what its clients pay for a plan (at least the
/// platform's price; null: the platform's).
pub async fn set_price(
    state: web::Data<AppState>,
    user: PartnerAdmin,
    path: web::Path<String>,
    body: web::Json<PriceBody>,
) -> Result<HttpResponse, ApiError> {
    let partner = approved(&state, &user).await?;
    if partner.model != RevenueModel::Markup {
        return Err(ApiError::Conflict {
            code: ErrorCode::PricingModel,
            message:
                "your partner account takes a revenue share of what clients pay at the platform's prices; only markup partners set prices"
                    .into(),
        });
    }
    let plan_code = path.into_inner();
    let rows = repo(&state).prices(partner.id).await?;
    let row = rows.iter().find(|r| r.plan_code == plan_code).ok_or(ApiError::NotFound("plan"))?;
    for (field, retail, wholesale) in [
        ("retail_monthly_minor", body.retail_monthly_minor, row.wholesale_monthly_minor),
        ("retail_annual_minor", body.retail_annual_minor, row.wholesale_annual_minor),
    ] {
        match (retail, wholesale) {
            (None, _) => {}
            (Some(_), None) => {
                return Err(ApiError::validation(format!("`{field}`: the {} plan is priced per customer by the platform", row.plan_name)))
            }
            (Some(r), Some(w)) if r < w => {
                return Err(ApiError::validation(format!("`{field}` must be at least the platform's price of {w} paise")))
            }
            (Some(r), Some(_)) if r > 100_000_000 => return Err(ApiError::validation(format!("`{field}` is more than ₹10,00,000"))),
            _ => {}
        }
    }
    repo(&state).set_price(partner.id, &plan_code, body.retail_monthly_minor, body.retail_annual_minor).await?;
    let entry = Entry::new(Some(user.tenant_id), Actor::from(&*user), "partner.price_set")
        .target(format!("plan:{plan_code}"))
        .change(None, Some(json!({"retail_monthly_minor": body.retail_monthly_minor, "retail_annual_minor": body.retail_annual_minor})));
    state.db.audit().append(entry).await?;
    let rows = repo(&state).prices(partner.id).await?;
    let row = rows.into_iter().find(|r| r.plan_code == plan_code).ok_or(ApiError::NotFound("plan"))?;
    Ok(HttpResponse::Ok().json(row))
}

/// `GET /api/v1/partner/domains`.
pub async fn domains(state: web::Data<AppState>, user: PartnerAdmin) -> Result<HttpResponse, ApiError> {
    let partner = approved(&state, &user).await?;
    Ok(HttpResponse::Ok().json(json!({"data": repo(&state).domains(partner.id).await?})))
}

/// `POST /api/v1/partner/domains`.
#[derive(Deserialize)]
pub struct DomainBody {
    domain: String,
}

/// Adds a custom domain to prove with a TXT record.
pub async fn add_domain(state: web::Data<AppState>, user: PartnerAdmin, body: web::Json<DomainBody>) -> Result<HttpResponse, ApiError> {
    let partner = approved(&state, &user).await?;
    let domain = custom_domain(&body.domain, state.config.partners.base_domain.as_deref()).map_err(ApiError::validation)?;
    let token = hex::encode(rand::random::<[u8; 12]>());
    match repo(&state).add_domain(partner.id, &domain, &token).await? {
        DomainAdded::Added(view) => {
            let entry = Entry::new(Some(user.tenant_id), Actor::from(&*user), "partner.domain_added").target(format!("domain:{domain}"));
            state.db.audit().append(entry).await?;
            Ok(HttpResponse::Created().json(view))
        }
        DomainAdded::Limit => Err(ApiError::Conflict {
            code: ErrorCode::DomainLimit,
            message: format!("a partner may have up to {} custom domains; remove one first", crate::store::repo::partners::MAX_DOMAINS),
        }),
    }
}

/// Checks a domain's TXT record and marks it proven when it holds the token.
pub async fn verify_domain(state: web::Data<AppState>, user: PartnerAdmin, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let partner = approved(&state, &user).await?;
    let domain = path.into_inner().to_lowercase();
    let view = repo(&state).domain(partner.id, &domain).await?.ok_or(ApiError::NotFound("domain"))?;
    if view.verified_at.is_some() {
        return Ok(HttpResponse::Ok().json(view));
    }
    let server =
        state.config.partners.dns_server.or_else(dns::system_nameserver).ok_or_else(|| {
            ApiError::Unavailable("no DNS server is configured (WHATSFLOW_DNS_SERVER); ask the platform's operators".into())
        })?;
    let found = dns::txt_records(server, &view.txt_name).await.map_err(|e| {
        tracing::warn!(error = %e, domain = %domain, "domain proof lookup failed");
        ApiError::Unavailable(format!("the DNS lookup of {} failed ({e}); try again in a minute", view.txt_name))
    })?;
    if !found.iter().any(|v| v.trim() == view.txt_value) {
        return Err(ApiError::Unprocessable {
            code: ErrorCode::DomainNotVerified,
            message: format!(
                "no TXT record `{}` with the value `{}` was found; create it at your DNS provider (changes can take a while to appear), then verify again",
                view.txt_name, view.txt_value
            ),
        });
    }
    let verified = repo(&state).mark_verified(partner.id, &domain).await?.ok_or(ApiError::NotFound("domain"))?;
    let entry = Entry::new(Some(user.tenant_id), Actor::from(&*user), "partner.domain_verified").target(format!("domain:{domain}"));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().json(verified))
}

/// `DELETE /api/v1/partner/domains/{domain}`.
pub async fn delete_domain(state: web::Data<AppState>, user: PartnerAdmin, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let partner = approved(&state, &user).await?;
    let domain = path.into_inner().to_lowercase();
    if !repo(&state).delete_domain(partner.id, &domain).await? {
        return Err(ApiError::NotFound("domain"));
    }
    let entry = Entry::new(Some(user.tenant_id), Actor::from(&*user), "partner.domain_removed").target(format!("domain:{domain}"));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `?month=YYYY-MM`.
#[derive(Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    month: Option<String>,
}

fn month_of(q: &MonthQuery) -> Result<NaiveDate, ApiError> {
    match q.month.as_deref() {
        None | Some("") => {
            let now = Utc::now().date_naive();
            NaiveDate::from_ymd_opt(now.year(), now.month(), 1).ok_or_else(|| ApiError::validation("`month` could not be worked out"))
        }
        Some(m) => NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .map_err(|_| ApiError::validation(format!("`month` must look like 2026-11, not {m:?}"))),
    }
}

/// `GET /api/v1/partner/ledger`: a month's statement.
pub async fn ledger(state: web::Data<AppState>, user: PartnerAdmin, q: web::Query<MonthQuery>) -> Result<HttpResponse, ApiError> {
    let partner = own_partner(&state, &user).await?;
    Ok(HttpResponse::Ok().json(repo(&state).ledger(&partner, month_of(&q)?).await?))
}

/// `GET /api/v1/admin/partners`.
pub async fn admin_list(state: web::Data<AppState>, _: SuperAdmin) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(json!({"data": repo(&state).list().await?})))
}

/// `POST /api/v1/admin/partners`.
#[derive(Deserialize, garde::Validate)]
pub struct CreatePartnerRequest {
    #[garde(length(chars, max = 200), custom(not_blank))]
    name: String,
    #[garde(length(max = 30))]
    slug: String,
    #[garde(skip)]
    model: RevenueModel,
    #[garde(range(min = 0, max = 10_000))]
    #[serde(default = "default_share")]
    revenue_share_bps: i32,
    #[garde(range(min = 0, max = 100_000_000))]
    #[serde(default)]
    platform_fee_minor: i64,
    #[garde(length(max = 254), custom(email_shape))]
    admin_email: String,
    #[garde(custom(long_enough))]
    admin_password: String,
    #[garde(length(chars, max = 200))]
    #[serde(default)]
    admin_name: Option<String>,
}

fn default_share() -> i32 {
    6000
}

/// An operator creates an approved partner and its first admin.
pub async fn admin_create(state: web::Data<AppState>, op: SuperAdmin, body: Valid<CreatePartnerRequest>) -> Result<HttpResponse, ApiError> {
    let slug = body.slug.trim().to_lowercase();
    if !valid_slug(&slug) {
        return Err(ApiError::validation("`slug` must be 3 to 30 lower-case letters, digits or inner hyphens"));
    }
    let email = body.admin_email.trim().to_lowercase();
    let hash = hash_password(&state, body.admin_password.clone()).await?;
    let settings = state.db.admin().settings().await?;
    let plan = settings.default_plan.as_deref().unwrap_or(state.config.default_plan.as_str());
    let admin_name = body.admin_name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or(body.name.trim()).to_owned();
    let (partner, _) = repo(&state)
        .create(NewPartner {
            name: body.name.trim(),
            slug: &slug,
            status: PartnerStatus::Approved,
            model: body.model,
            revenue_share_bps: body.revenue_share_bps,
            platform_fee_minor: body.platform_fee_minor,
            plan,
            admin_name: &admin_name,
            admin_email: &email,
            password_hash: &hash,
        })
        .await?;
    let entry = Entry::new(None, Actor::from(&*op), "admin.partner_created").target(format!("partner:{}", partner.id)).change(
        None,
        Some(json!({"name": partner.name, "slug": partner.slug, "model": partner.model, "revenue_share_bps": partner.revenue_share_bps})),
    );
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Created().json(partner))
}

/// `PATCH /api/v1/admin/partners/{id}`.
#[derive(Deserialize)]
pub struct UpdatePartnerRequest {
    #[serde(default)]
    status: Option<PartnerStatus>,
    #[serde(default)]
    model: Option<RevenueModel>,
    #[serde(default)]
    revenue_share_bps: Option<i32>,
    #[serde(default)]
    platform_fee_minor: Option<i64>,
}

/// An operator approves or suspends a partner, or changes its terms
/// (payments already shared keep their split).
pub async fn admin_update(
    state: web::Data<AppState>,
    op: SuperAdmin,
    path: web::Path<uuid::Uuid>,
    body: web::Json<UpdatePartnerRequest>,
) -> Result<HttpResponse, ApiError> {
    if body.revenue_share_bps.is_some_and(|b| !(0..=10_000).contains(&b)) {
        return Err(ApiError::validation("`revenue_share_bps` must be from 0 to 10000 (basis points: 6000 is 60%)"));
    }
    if body.platform_fee_minor.is_some_and(|f| !(0..=100_000_000).contains(&f)) {
        return Err(ApiError::validation("`platform_fee_minor` must be from 0 to 100000000 paise"));
    }
    let before = repo(&state).get(*path).await?.ok_or(ApiError::NotFound("partner"))?;
    let change = PartnerChange {
        status: body.status,
        model: body.model,
        revenue_share_bps: body.revenue_share_bps,
        platform_fee_minor: body.platform_fee_minor,
    };
    let after = repo(&state).update(before.id, &change).await?.ok_or(ApiError::NotFound("partner"))?;
    let snapshot = |p: &PartnerView| json!({"status": p.status, "model": p.model, "revenue_share_bps": p.revenue_share_bps, "platform_fee_minor": p.platform_fee_minor});
    let entry = Entry::new(None, Actor::from(&*op), "admin.partner_updated")
        .target(format!("partner:{}", after.id))
        .change(Some(snapshot(&before)), Some(snapshot(&after)));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().json(after))
}

/// `GET /api/v1/admin/partners/{id}/ledger`.
pub async fn admin_ledger(
    state: web::Data<AppState>,
    _: SuperAdmin,
    path: web::Path<uuid::Uuid>,
    q: web::Query<MonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let partner = repo(&state).get(*path).await?.ok_or(ApiError::NotFound("partner"))?;
    Ok(HttpResponse::Ok().json(repo(&state).ledger(&partner, month_of(&q)?).await?))
}

/// `PUT /api/v1/partner/payout`.
#[derive(Deserialize)]
pub struct PayoutBody {
    payout_vpa: String,
}

/// Sets the UPI address the partner's earnings are paid to.
pub async fn set_payout(state: web::Data<AppState>, user: PartnerAdmin, body: web::Json<PayoutBody>) -> Result<HttpResponse, ApiError> {
    let partner = approved(&state, &user).await?;
    let vpa = body.payout_vpa.trim().to_lowercase();
    if !crate::partners::affiliate::valid_vpa(&vpa) {
        return Err(ApiError::validation("`payout_vpa` must be a UPI address like name@bank"));
    }
    repo(&state).set_payout_vpa(partner.id, &vpa).await?;
    let entry =
        Entry::new(Some(user.tenant_id), Actor::from(&*user), "partner.payout_details_changed").target(format!("partner:{}", partner.id));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().json(own_partner(&state, &user).await?))
}

/// `GET /api/v1/partner/payouts`.
pub async fn payouts(state: web::Data<AppState>, user: PartnerAdmin) -> Result<HttpResponse, ApiError> {
    let partner = own_partner(&state, &user).await?;
    Ok(HttpResponse::Ok().json(json!({"data": state.db.affiliates(&state.mailer.public_url).payouts_of("partner", partner.id).await?})))
}
