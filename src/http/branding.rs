//! The public edge of white-label partners: which brand a request's host
//! shows (before anyone signs in), its logo and favicon, the on-demand TLS
//! check for partners' domains, and a partner's application.

use crate::audit::{Actor, Entry};
use crate::auth::limits::AuthAction;
use crate::http::auth::{client_ip, email_shape, hash_password, long_enough};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::valid::{not_blank, Valid};
use crate::partners::brand::Branding;
use crate::partners::{normalize_host, valid_slug, PartnerStatus, RevenueModel};
use crate::startup::AppState;
use crate::store::repo::partners::{ImageKind, NewPartner};
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

/// The host a request was made to: `X-Forwarded-Host` when the peer is a
/// trusted proxy, else the `Host` header (or HTTP/2's authority),
/// normalised (lower case, no port, no trailing dot).
pub(crate) fn request_host(state: &AppState, req: &HttpRequest) -> Option<String> {
    let from_proxy = req.peer_addr().is_some_and(|peer| state.config.trusted_proxies.iter().any(|net| net.contains(&peer.ip())));
    let forwarded = from_proxy
        .then(|| req.headers().get("x-forwarded-host").and_then(|v| v.to_str().ok()))
        .flatten()
        // A proxy chain lists hosts left to right; the client asked for the first.
        .and_then(|v| v.split(',').next());
    let raw = forwarded
        .or_else(|| req.headers().get(header::HOST).and_then(|v| v.to_str().ok()))
        .or_else(|| req.uri().authority().map(|a| a.as_str()))?;
    normalize_host(raw)
}

/// The approved partner whose brand the request's host shows, if any.
pub(crate) async fn host_partner(state: &AppState, req: &HttpRequest) -> Result<Option<uuid::Uuid>, ApiError> {
    let Some(host) = request_host(state, req) else { return Ok(None) };
    let slug = state.config.partners.slug_of(&host);
    Ok(state.db.partners(None).by_host(&host, slug).await?)
}

/// The brand of a partner (the platform's when it has none).
pub(crate) async fn brand_of(state: &AppState, partner: Option<uuid::Uuid>) -> Result<Branding, ApiError> {
    let Some(partner) = partner else { return Ok(Branding::platform()) };
    Ok(match state.db.partners(None).brand(partner).await? {
        Some(b) => Branding::of_partner(b.partner_id, &b.name, &b.settings, b.logo_version.as_deref(), b.favicon_version.as_deref()),
        None => Branding::platform(),
    })
}

/// `GET /api/v1/branding`: the host's brand (no sign-in needed).
pub async fn branding(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let partner = host_partner(&state, &req).await?;
    let brand = brand_of(&state, partner).await?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-cache")).insert_header((header::VARY, "Host")).json(brand))
}

async fn image(state: &AppState, req: &HttpRequest, kind: ImageKind) -> Result<HttpResponse, ApiError> {
    let partner = host_partner(state, req).await?.ok_or(ApiError::NotFound("image"))?;
    let (bytes, content_type) = state.db.partners(None).image(partner, kind).await?.ok_or(ApiError::NotFound("image"))?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        // The URL carries the image's version: a new image is a new URL.
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .insert_header((header::VARY, "Host"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'"))
        .body(bytes))
}

/// `GET /api/v1/branding/logo`: the host's partner's logo.
pub async fn logo(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    image(&state, &req, ImageKind::Logo).await
}

/// `GET /api/v1/branding/favicon`: the host's partner's favicon.
pub async fn favicon(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    image(&state, &req, ImageKind::Favicon).await
}

/// `GET /api/v1/domains/allow?domain=`.
#[derive(Deserialize)]
pub struct AllowQuery {
    domain: String,
}

/// Caddy's on-demand TLS asks here before getting a certificate: 200 only
/// for an approved partner's verified domain or its slug address.
pub async fn allow_domain(state: web::Data<AppState>, q: web::Query<AllowQuery>) -> Result<HttpResponse, ApiError> {
    let domain = normalize_host(&q.domain).ok_or(ApiError::NotFound("domain"))?;
    let slug = state.config.partners.slug_of(&domain);
    if state.db.partners(None).domain_allowed(&domain, slug).await? {
        Ok(HttpResponse::Ok().json(json!({"domain": domain})))
    } else {
        Err(ApiError::NotFound("domain"))
    }
}

/// `POST /api/v1/partners/apply`.
#[derive(Deserialize, garde::Validate)]
pub struct ApplyRequest {
    #[garde(length(chars, max = 200), custom(not_blank))]
    name: String,
    #[garde(length(max = 30))]
    slug: String,
    #[garde(length(chars, max = 200), custom(not_blank))]
    admin_name: String,
    #[garde(length(max = 254), custom(email_shape))]
    admin_email: String,
    #[garde(custom(long_enough))]
    admin_password: String,
}

/// A business applies to become a white-label partner: the partner starts
/// pending (its admin can sign in and wait) until an operator approves it.
pub async fn apply(state: web::Data<AppState>, req: HttpRequest, body: Valid<ApplyRequest>) -> Result<HttpResponse, ApiError> {
    state.auth_guard.admit(AuthAction::Register, client_ip(&state, &req))?;
    let slug = body.slug.trim().to_lowercase();
    if !valid_slug(&slug) {
        return Err(ApiError::validation(
            "`slug` must be 3 to 30 lower-case letters, digits or inner hyphens (it becomes your address, e.g. acme.whatsflow.app)",
        ));
    }
    let email = body.admin_email.trim().to_lowercase();
    let settings = state.db.admin().settings().await?;
    if !settings.signups_open {
        let contact = settings.support_email.map_or(String::new(), |e| format!("; write to {e} to become a partner"));
        return Err(ApiError::Denied {
            code: ErrorCode::SignupsClosed,
            message: format!("this platform is not taking new sign-ups{contact}"),
        });
    }
    let hash = hash_password(&state, body.admin_password.clone()).await?;
    let plan = settings.default_plan.as_deref().unwrap_or(state.config.default_plan.as_str());
    let (partner, admin) = state
        .db
        .partners(state.config.partners.base_domain.as_deref())
        .create(NewPartner {
            name: body.name.trim(),
            slug: &slug,
            status: PartnerStatus::Pending,
            model: RevenueModel::RevenueShare,
            revenue_share_bps: 6000,
            platform_fee_minor: 0,
            plan,
            admin_name: body.admin_name.trim(),
            admin_email: &email,
            password_hash: &hash,
        })
        .await?;
    let entry = Entry::new(None, Actor::User(whatsflow_actors::ids::UserId(admin.id)), "partner.applied")
        .target(format!("partner:{}", partner.id))
        .change(None, Some(json!({"name": partner.name, "slug": partner.slug})));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Created().json(json!({"id": partner.id, "status": partner.status, "slug": partner.slug})))
}

/// Refuses a sign-in on a partner's host by anyone not of that partner's
/// tenants, as a wrong password would be refused (nothing is revealed about
/// where the account lives).
pub(crate) async fn check_brand(state: &AppState, req: &HttpRequest, tenant: whatsflow_actors::ids::TenantId) -> Result<(), ApiError> {
    if let Some(partner) = host_partner(state, req).await? {
        if state.db.partners(None).of_tenant(tenant).await? != Some(partner) {
            return Err(ApiError::InvalidCredentials);
        }
    }
    Ok(())
}

/// The brand a tenant's people see outside the web app (mails, invoices):
/// the partner's product and host for a partner's tenants, the platform's
/// otherwise.
pub(crate) struct TenantBrand {
    /// The product's name.
    pub product: String,
    /// The web app's address on the brand's host (no trailing slash).
    pub base_url: String,
}

/// The brand of `tenant`'s mails and invoices (the platform's when
/// anything about the partner cannot be read: a mail is never lost for its brand).
pub(crate) async fn tenant_brand(state: &AppState, tenant: whatsflow_actors::ids::TenantId) -> TenantBrand {
    let platform = TenantBrand { product: crate::partners::brand::PLATFORM_NAME.into(), base_url: state.mailer.public_url.clone() };
    let identity = match state.db.partners(None).mail_identity(tenant).await {
        Ok(Some(i)) => i,
        Ok(None) => return platform,
        Err(e) => {
            tracing::warn!(error = %e, "the partner brand of a mail could not be read; the platform's is used");
            return platform;
        }
    };
    let (partner, slug, domain) = identity;
    let product = match brand_of(state, Some(partner)).await {
        Ok(b) => b.product_name,
        Err(_) => return platform,
    };
    let host = domain.or_else(|| state.config.partners.host_of(&slug));
    let branded = host.zip(url::Url::parse(&state.mailer.public_url).ok()).and_then(|(host, mut u)| {
        u.set_host(Some(&host)).ok()?;
        Some(u.as_str().trim_end_matches('/').to_owned())
    });
    let base_url = branded.unwrap_or_else(|| state.mailer.public_url.clone());
    TenantBrand { product, base_url }
}
