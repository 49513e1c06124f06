//! `/api/v1/auth/*`: register a business, log in, refresh (rotating), log
//! out, and who am I. Sign-in routes are rate limited per address, failed
//! logins lock the account exponentially, and password hashing runs on a
//! bounded pool ([`crate::auth::limits`]).

use crate::audit::{Actor, Entry};
use crate::auth::jwt::{TokenKind, REFRESH_TTL_SECS};
use crate::auth::limits::AuthAction;
use crate::auth::{password, Person, Role};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::valid::{not_blank, Valid};
use crate::startup::AppState;
pub use crate::store::repo::users::UserView;
use crate::store::repo::users::{Attempt, NewSession, Rotation, SignedIn};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use whatsflow_actors::ids::{TenantId, UserId};

/// `POST /auth/register`.
#[derive(Deserialize, garde::Validate)]
pub struct RegisterRequest {
    #[garde(length(chars, max = 200), custom(not_blank))]
    tenant_name: String,
    #[garde(length(chars, max = 200), custom(not_blank))]
    name: String,
    #[garde(length(max = 254), custom(email_shape))]
    email: String,
    #[garde(custom(long_enough))]
    password: String,
}

/// `POST /auth/login`.
#[derive(Deserialize)]
pub struct LoginRequest {
    email: String,
    password: String,
}

/// `POST /auth/refresh` and `/auth/logout`.
#[derive(Deserialize)]
pub struct RefreshRequest {
    refresh_token: String,
}

#[derive(Serialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: String,
    token_type: &'static str,
    expires_in: i64,
    user: UserView,
}

/// Whether an email (trimmed and lower-cased) has the shape of one; the
/// mailbox is not probed.
fn is_email(e: &str) -> bool {
    e.len() <= 254
        && e.split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
        && !e.contains(char::is_whitespace)
}

/// The `garde` rule for an email field.
pub fn email_shape(value: &str, _: &()) -> garde::Result {
    if is_email(&value.trim().to_lowercase()) {
        Ok(())
    } else {
        Err(garde::Error::new(format!("`{value}` is not an email address")))
    }
}

/// The `garde` rule for a new password.
pub fn long_enough(value: &str, _: &()) -> garde::Result {
    validate_password(value).map_err(|_| garde::Error::new(format!("must be at least {} characters", password::MIN_PASSWORD_LEN)))
}

/// Checks a new password.
pub fn validate_password(p: &str) -> Result<(), ApiError> {
    if p.chars().count() < password::MIN_PASSWORD_LEN {
        return Err(ApiError::validation(format!("password must be at least {} characters", password::MIN_PASSWORD_LEN)));
    }
    Ok(())
}

/// Checks a required short text field.
pub fn required_text(field: &str, v: &str, max: usize) -> Result<String, ApiError> {
    let t = v.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(ApiError::validation(format!("`{field}` is required (1 to {max} characters)")));
    }
    Ok(t.to_owned())
}

/// Hashes on the bounded password pool (argon2 takes tens of milliseconds
/// and 19 MiB).
pub async fn hash_password(state: &AppState, p: String) -> Result<String, ApiError> {
    state.auth_guard.hash(move || password::hash(&p)).await?.map_err(|e| ApiError::Internal(anyhow::anyhow!("password hash: {e}")))
}

/// The address a request came from (the rate limits' key): the peer, or,
/// when the peer is a trusted proxy, the last address in
/// `X-Forwarded-For` that is not one of them.
pub(crate) fn client_ip(state: &AppState, req: &HttpRequest) -> Option<std::net::IpAddr> {
    crate::http::request_id::client_ip_of(&state.config.trusted_proxies, req.peer_addr().map(|a| a.ip()), req.headers())
}

/// A refresh token to record for a new session from `req`'s client.
pub(crate) fn new_session(state: &AppState, req: &HttpRequest) -> NewSession {
    let user_agent = req.headers().get("user-agent").and_then(|h| h.to_str().ok()).map(|s| s.chars().take(300).collect());
    NewSession {
        id: uuid::Uuid::new_v4(),
        expires_at: Utc::now() + Duration::seconds(REFRESH_TTL_SECS),
        user_agent,
        ip: client_ip(state, req).map(|ip| ip.to_string()),
    }
}

/// Signs the token pair of a session just recorded.
fn tokens(state: &AppState, session: uuid::Uuid, signed: SignedIn) -> Result<TokenResponse, ApiError> {
    let user = signed.user;
    let role = Role::parse(&user.role).ok_or_else(|| ApiError::Internal(anyhow::anyhow!("unknown role {}", user.role)))?;
    let (uid, tid) = (UserId(user.id), TenantId(user.tenant_id));
    let (access_token, expires_in) = state.jwt.issue(uid, tid, role, signed.version, TokenKind::Access, uuid::Uuid::new_v4())?;
    let (refresh_token, _) = state.jwt.issue(uid, tid, role, signed.version, TokenKind::Refresh, session)?;
    Ok(TokenResponse { access_token, refresh_token, token_type: "Bearer", expires_in, user })
}

/// Creates a tenant and its first admin, and logs them in.
pub async fn register(state: web::Data<AppState>, req: HttpRequest, body: Valid<RegisterRequest>) -> Result<HttpResponse, ApiError> {
    state.auth_guard.admit(AuthAction::Register, client_ip(&state, &req))?;
    let (tenant_name, name) = (body.tenant_name.trim(), body.name.trim());
    let email = body.email.trim().to_lowercase();
    let hash = hash_password(&state, body.password.clone()).await?;
    let settings = state.db.admin().settings().await?;
    if !settings.signups_open {
        let contact = settings.support_email.map_or(String::new(), |e| format!("; write to {e} to open an account"));
        return Err(ApiError::Denied {
            code: ErrorCode::SignupsClosed,
            message: format!("this platform is not taking new sign-ups{contact}"),
        });
    }
    let session = new_session(&state, &req);
    let id = session.id;
    let plan = settings.default_plan.as_deref().unwrap_or(state.config.default_plan.as_str());
    // Signing up on a partner's host makes the account that partner's client
    // (its people then sign in there, and the partner earns from it).
    let partner = crate::http::branding::host_partner(&state, &req).await?;
    let signed = state.db.platform().register(TenantId::generate(), partner, tenant_name, plan, name, &email, &hash, session).await?;
    // A referral link clicked within its window binds the new account to its
    // affiliate (a partner's client earns its partner, never an affiliate too).
    if partner.is_none() {
        crate::http::affiliates::attribute_sign_up(&state, &req, TenantId(signed.user.tenant_id), &email).await;
    }
    // The new admin's address is confirmed by mail (when mail is set up).
    crate::http::security::send_verification(&state, TenantId(signed.user.tenant_id), UserId(signed.user.id), &email).await;
    Ok(HttpResponse::Created().json(tokens(&state, id, signed)?))
}

/// Sign-in and refresh of a suspended account's people.
fn suspended() -> ApiError {
    ApiError::Denied {
        code: ErrorCode::TenantSuspended,
        message:
            "this account is suspended; ask the platform's operators (support) how to settle it and reactivate it — nothing was deleted"
                .into(),
    }
}

pub(crate) fn locked(until: DateTime<Utc>) -> ApiError {
    let wait = (until - Utc::now()).to_std().unwrap_or_default();
    ApiError::TooManyRequests {
        code: ErrorCode::AccountLocked,
        message: format!(
            "this account is locked after repeated failed sign-ins; try again in {} seconds (or have an admin set a new password)",
            wait.as_secs().max(1)
        ),
        retry_after: wait,
    }
}

/// Logs in with email and password. Each attempt on an account is counted
/// atomically before its password is checked (so parallel guesses cannot
/// slip past the lockout), a locked account is refused without checking,
/// and a success clears the count.
pub async fn login(state: web::Data<AppState>, req: HttpRequest, body: web::Json<LoginRequest>) -> Result<HttpResponse, ApiError> {
    state.auth_guard.admit(AuthAction::Login, client_ip(&state, &req))?;
    let email = body.email.trim().to_lowercase();
    let found = state.db.platform().login_record(&email).await?;
    if let Some(account) = &found {
        if let Attempt::Locked(until) = state.db.tenant(account.tenant_id).users().reserve_login_attempt(account.user_id).await? {
            return Err(locked(until));
        }
    }
    let stored = found.as_ref().map_or_else(|| password::decoy_hash().to_owned(), |f| f.password_hash.clone());
    let given = body.password.clone();
    let ok = state.auth_guard.hash(move || password::verify(&given, &stored)).await?;
    let Some(account) = found else {
        return Err(ApiError::InvalidCredentials);
    };
    if !ok {
        tracing::info!(user_id = %account.user_id, "failed sign-in");
        let entry = Entry::new(Some(account.tenant_id), Actor::Anonymous, "auth.login_failed").target(format!("user:{}", account.user_id));
        state.db.audit().append(entry).await?;
        return Err(ApiError::InvalidCredentials);
    }
    // On a partner's host only that partner's people sign in.
    crate::http::branding::check_brand(&state, &req, account.tenant_id).await?;
    if account.tenant_status == "suspended" {
        // Only the right password learns it: the account is suspended, and
        // when its payment is overdue, where to pay.
        return Err(match state.db.tenant(account.tenant_id).overdue_payment_url().await? {
            Some(url) => ApiError::Denied {
                code: ErrorCode::TenantSuspended,
                message: format!(
                    "this account is suspended because its subscription payment is overdue; pay at {url} and it reactivates at once — nothing was deleted"
                ),
            },
            None => suspended(),
        });
    }
    if account.two_factor || account.two_factor_required {
        // The password was right; a code (or setting two-factor up, where
        // the account asks for it) is still due before any session starts.
        // Bound to the user's token version: a password reset or a
        // sign-out everywhere ends it as it ends sessions.
        let version = state.db.tenant(account.tenant_id).users().session_state(account.user_id).await?.map_or(0, |(v, _)| v);
        let (mfa_token, expires_in) =
            state.jwt.issue(account.user_id, account.tenant_id, Role::Agent, version, TokenKind::Mfa, uuid::Uuid::new_v4())?;
        let next = if account.two_factor { "mfa_required" } else { "mfa_setup_required" };
        return Ok(HttpResponse::Ok().json(serde_json::json!({next: true, "mfa_token": mfa_token, "expires_in": expires_in})));
    }
    finish_login(&state, &req, account.tenant_id, account.user_id).await
}

/// Starts a session for a person whose sign-in is complete (password, and
/// a code when two-factor applies): the token pair, audited.
pub(crate) async fn finish_login(state: &AppState, req: &HttpRequest, tenant: TenantId, user: UserId) -> Result<HttpResponse, ApiError> {
    let session = new_session(state, req);
    let id = session.id;
    let signed = state.db.tenant(tenant).users().login(user, session).await?.ok_or_else(suspended)?;
    let entry = Entry::new(Some(tenant), Actor::User(user), "auth.login").target(format!("user:{}", user));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().json(tokens(state, id, signed)?))
}

/// Trades a refresh token for a new pair; the old one dies. Presenting a
/// dead token again revokes every session of that user (it was stolen).
pub async fn refresh(state: web::Data<AppState>, req: HttpRequest, body: web::Json<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    state.auth_guard.admit(AuthAction::Refresh, client_ip(&state, &req))?;
    let claims = state.jwt.verify(&body.refresh_token, TokenKind::Refresh)?;
    let (tenant, user) = (TenantId(claims.tid), UserId(claims.sub));
    if state.db.tenant(tenant).account_status().await?.as_deref() == Some("suspended") {
        // A suspended account's sessions ended; no new token comes out of one.
        return Err(suspended());
    }
    let session = new_session(&state, &req);
    let id = session.id;
    match state.db.tenant(tenant).users().rotate_session(user, claims.jti, session).await? {
        Rotation::Rotated(signed) => Ok(HttpResponse::Ok().json(tokens(&state, id, *signed)?)),
        Rotation::Reused => {
            // A dead token presented again was stolen or replayed: every
            // session of that user has ended.
            state.sessions.revoked(tenant, user, "refresh token reused");
            Err(ApiError::Unauthorized("refresh token already used or revoked; log in again".into()))
        }
        Rotation::Gone => Err(ApiError::Unauthorized("this account no longer exists".into())),
    }
}

/// Revokes a refresh token and ends the user's access tokens and sockets at
/// once (other devices keep their refresh tokens and simply refresh).
pub async fn logout(state: web::Data<AppState>, body: web::Json<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let claims = state.jwt.verify(&body.refresh_token, TokenKind::Refresh)?;
    let (tenant, user) = (TenantId(claims.tid), UserId(claims.sub));
    if state.db.tenant(tenant).users().end_session(user, claims.jti).await? {
        state.sessions.revoked(tenant, user, "signed out");
    }
    Ok(HttpResponse::NoContent().finish())
}

/// `PATCH /auth/me`: what a person changes about themselves.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    /// `en`, `hi`, `ta`, `bn`, or null for the device's choice.
    language: Option<String>,
}

/// The interface languages a person may choose.
pub const LANGUAGES: [&str; 4] = ["en", "hi", "ta", "bn"];

/// Saves the signed-in person's interface language (every device of theirs
/// then shows it).
pub async fn update_me(state: web::Data<AppState>, user: Person, body: web::Json<MePatch>) -> Result<HttpResponse, ApiError> {
    if let Some(lang) = body.language.as_deref() {
        if !LANGUAGES.contains(&lang) {
            return Err(ApiError::validation(format!("`language` must be one of {} (or null)", LANGUAGES.join(", "))));
        }
    }
    // An operator viewing the account does not change its admin's settings.
    crate::http::security::not_impersonating(&user)?;
    let me = state
        .db
        .tenant(user.tenant_id)
        .users()
        .set_language(user.user_id, body.language.as_deref())
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    Ok(HttpResponse::Ok().json(me))
}

/// The signed-in person.
pub async fn me(state: web::Data<AppState>, user: Person) -> Result<HttpResponse, ApiError> {
    let me = state.db.tenant(user.tenant_id).users().get(user.user_id).await?.ok_or(ApiError::NotFound("user"))?;
    let mut v = serde_json::to_value(me).map_err(|e| ApiError::Internal(e.into()))?;
    // A platform operator viewing the account: the web app shows a banner.
    v["impersonated_by"] = serde_json::json!(user.impersonator.map(|o| o.0));
    Ok(HttpResponse::Ok().json(v))
}
