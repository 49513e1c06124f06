//! Account security: password reset and email verification by mail
//! (one-time links, stored as SHA-256), TOTP two-factor (set up, turned on
//! with recovery codes, required per tenant by its admin, checked at
//! sign-in), and the sessions a person has open (list, end one, sign out
//! everywhere).

use crate::audit::{Actor, Entry};
use crate::auth::jwt::TokenKind;
use crate::auth::limits::AuthAction;
use crate::auth::{totp, Admin, Person};
use crate::crypto::Sealed;
use crate::http::error::{ApiError, ErrorCode};
use crate::startup::AppState;
use crate::store::repo::security::TokenPurpose;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::json;
use sha2::Digest;
use whatsflow_actors::ids::{TenantId, UserId};

/// How long a reset link works.
const RESET_TTL_MINUTES: i64 = 60;
/// How long a verification link works.
const VERIFY_TTL_HOURS: i64 = 48;

/// A new mailed token and the hash stored for it.
pub(crate) fn mail_token() -> (String, Vec<u8>) {
    let mut raw = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut raw);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    let hash = sha2::Sha256::digest(token.as_bytes()).to_vec();
    (token, hash)
}

pub(crate) fn token_hash(token: &str) -> Vec<u8> {
    sha2::Sha256::digest(token.trim().as_bytes()).to_vec()
}

pub(crate) fn bad_token(what: &str) -> ApiError {
    ApiError::BadRequest {
        code: ErrorCode::InvalidToken,
        message: format!("this {what} link is not valid any more (used, expired or replaced by a newer one); ask for a new one"),
    }
}

pub(crate) fn mail_error(e: crate::mail::MailError) -> ApiError {
    match e {
        crate::mail::MailError::NotConfigured => ApiError::Denied { code: ErrorCode::MailNotConfigured, message: e.to_string() },
        other => ApiError::Unavailable(format!("{other}; try again shortly")),
    }
}

/// Mails `email` a verification link; a failure is logged and the person
/// can ask again (registration does not fail for it).
pub async fn send_verification(state: &AppState, tenant: TenantId, user: UserId, email: &str) {
    if !state.mailer.configured() {
        return;
    }
    if let Err(e) = verification_mail(state, tenant, user, email).await {
        tracing::warn!(error = %e, "the verification mail could not be sent");
    }
}

async fn verification_mail(state: &AppState, tenant: TenantId, user: UserId, email: &str) -> Result<(), ApiError> {
    let (token, hash) = mail_token();
    state
        .db
        .tenant(tenant)
        .issue_auth_token(user, TokenPurpose::EmailVerification, &hash, Utc::now() + Duration::hours(VERIFY_TTL_HOURS))
        .await?;
    let brand = crate::http::branding::tenant_brand(state, tenant).await;
    let (product, link) = (&brand.product, format!("{}/verify-email?token={token}", brand.base_url));
    let body = format!(
        "Welcome to {product}.\n\nConfirm that {email} is your address by opening this link (it works once, for {VERIFY_TTL_HOURS} hours):\n\n{link}\n\nIf you did not sign up, ignore this mail.\n"
    );
    state.mailer.send(email, &format!("Confirm your email for {product}"), body).await.map_err(mail_error)
}

/// `POST /auth/password/forgot`.
#[derive(Deserialize)]
pub struct ForgotBody {
    email: String,
}

/// Mails a reset link to the account with this email, if there is one; the
/// answer is the same either way (it never says whether an account exists).
pub async fn forgot_password(state: web::Data<AppState>, req: HttpRequest, body: web::Json<ForgotBody>) -> Result<HttpResponse, ApiError> {
    if !state.mailer.configured() {
        return Err(mail_error(crate::mail::MailError::NotConfigured));
    }
    state.auth_guard.admit(AuthAction::Register, crate::http::auth::client_ip(&state, &req))?;
    let email = body.email.trim().to_lowercase();
    // The answer never waits for the lookup or the mail, so neither its
    // status nor its timing says whether the account exists.
    let state = state.into_inner();
    tokio::spawn(async move {
        if let Err(e) = send_reset(&state, &email).await {
            tracing::warn!(error = %e, "a password-reset mail could not be sent");
        }
    });
    Ok(HttpResponse::Accepted().json(json!({"sent": true, "message": "if an account uses this email, a reset link is on its way"})))
}

/// Mails the reset link, if an account uses `email`.
async fn send_reset(state: &AppState, email: &str) -> Result<(), ApiError> {
    if let Some(account) = state.db.platform().login_record(email).await? {
        let (token, hash) = mail_token();
        state
            .db
            .tenant(account.tenant_id)
            .issue_auth_token(account.user_id, TokenPurpose::PasswordReset, &hash, Utc::now() + Duration::minutes(RESET_TTL_MINUTES))
            .await?;
        let brand = crate::http::branding::tenant_brand(state, account.tenant_id).await;
        let (product, link) = (&brand.product, format!("{}/reset-password?token={token}", brand.base_url));
        let text = format!(
            "Someone (we hope you) asked to reset the password of {email} on {product}.\n\nChoose a new password here (the link works once, for {RESET_TTL_MINUTES} minutes):\n\n{link}\n\nIf it was not you, ignore this mail: your password stays as it is.\n"
        );
        state.mailer.send(email, &format!("Reset your {product} password"), text).await.map_err(mail_error)?;
        let entry = Entry::new(Some(account.tenant_id), Actor::Anonymous, "auth.password_reset_requested")
            .target(format!("user:{}", account.user_id));
        state.db.audit().append(entry).await?;
    }
    Ok(())
}

/// `POST /auth/password/reset`.
#[derive(Deserialize)]
pub struct ResetBody {
    token: String,
    password: String,
}

/// Sets a new password with a mailed link (once); every session of the
/// account ends.
pub async fn reset_password(state: web::Data<AppState>, req: HttpRequest, body: web::Json<ResetBody>) -> Result<HttpResponse, ApiError> {
    state.auth_guard.admit(AuthAction::Login, crate::http::auth::client_ip(&state, &req))?;
    let b = body.into_inner();
    if b.password.chars().count() < crate::auth::password::MIN_PASSWORD_LEN {
        return Err(ApiError::validation(format!("`password` must be at least {} characters", crate::auth::password::MIN_PASSWORD_LEN)));
    }
    let hash = token_hash(&b.token);
    let Some((tenant, _, purpose)) = state.db.auth_token_owner(&hash).await? else { return Err(bad_token("reset")) };
    if purpose != TokenPurpose::PasswordReset.as_str() {
        return Err(bad_token("reset"));
    }
    let password_hash = crate::http::auth::hash_password(&state, b.password).await?;
    let user = state.db.tenant(tenant).reset_password(&hash, &password_hash).await?.ok_or_else(|| bad_token("reset"))?;
    state.sessions.revoked(tenant, user, "the password was reset");
    let entry = Entry::new(Some(tenant), Actor::User(user), "auth.password_reset").target(format!("user:{user}"));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().json(json!({"reset": true})))
}

/// `POST /auth/email/verify`.
#[derive(Deserialize)]
pub struct VerifyBody {
    token: String,
}

/// Confirms an email address with a mailed link (once).
pub async fn verify_email(state: web::Data<AppState>, body: web::Json<VerifyBody>) -> Result<HttpResponse, ApiError> {
    let hash = token_hash(&body.token);
    let Some((tenant, _, purpose)) = state.db.auth_token_owner(&hash).await? else { return Err(bad_token("verification")) };
    if purpose != TokenPurpose::EmailVerification.as_str() {
        return Err(bad_token("verification"));
    }
    let user = state.db.tenant(tenant).verify_email(&hash).await?.ok_or_else(|| bad_token("verification"))?;
    let entry = Entry::new(Some(tenant), Actor::User(user), "auth.email_verified").target(format!("user:{user}"));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().json(json!({"verified": true})))
}

/// Mails the caller a new verification link.
pub async fn resend_verification(state: web::Data<AppState>, user: Person) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let me = db.two_factor(user.user_id).await?.ok_or(ApiError::NotFound("user"))?;
    if me.email_verified_at.is_some() {
        return Ok(HttpResponse::Ok().json(json!({"verified": true})));
    }
    verification_mail(&state, user.tenant_id, user.user_id, &me.email).await?;
    Ok(HttpResponse::Accepted().json(json!({"sent": true})))
}

/// The caller's security: email verification, two-factor, the account's rule.
pub async fn overview(state: web::Data<AppState>, user: Person) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let me = db.two_factor(user.user_id).await?.ok_or(ApiError::NotFound("user"))?;
    Ok(HttpResponse::Ok().json(json!({
        "email": me.email,
        "email_verified": me.email_verified_at.is_some(),
        "two_factor": {"enabled": me.totp_enabled_at.is_some(), "enabled_at": me.totp_enabled_at, "recovery_codes_left": me.recovery_codes.len()},
        "two_factor_required": db.requires_two_factor().await?,
        "mail_configured": state.mailer.configured(),
    })))
}

/// The person a two-factor sign-in token names, if it is still current
/// (a password reset or a sign-out everywhere since ends it).
async fn mfa_claims(state: &AppState, token: &str) -> Result<(TenantId, UserId), ApiError> {
    let claims = state.jwt.verify(token, TokenKind::Mfa)?;
    let (tenant, uid) = (TenantId(claims.tid), UserId(claims.sub));
    match state.db.tenant(tenant).users().session_state(uid).await? {
        Some((version, _)) if version == claims.ver => Ok((tenant, uid)),
        _ => Err(ApiError::Unauthorized("this sign-in has ended; sign in with your password again".into())),
    }
}

/// Refuses changing a person's credentials while an operator views the
/// account as them.
pub(crate) fn not_impersonating(user: &crate::auth::AuthUser) -> Result<(), ApiError> {
    match user.impersonator {
        Some(_) => Err(ApiError::Forbidden("an operator viewing this account cannot change its people's sign-in or sessions".into())),
        None => Ok(()),
    }
}

/// Who a two-factor call is for: the signed-in caller, or the person a
/// two-factor sign-in token (from `auth/login`) names.
async fn two_factor_caller(state: &AppState, user: Option<Person>, mfa_token: Option<&str>) -> Result<(TenantId, UserId, bool), ApiError> {
    if let Some(token) = mfa_token {
        let (tenant, uid) = mfa_claims(state, token).await?;
        return Ok((tenant, uid, true));
    }
    let user = user.ok_or_else(|| ApiError::Unauthorized("sign in, or send the `mfa_token` your sign-in returned".into()))?;
    not_impersonating(&user)?;
    Ok((user.tenant_id, user.user_id, false))
}

/// `POST /auth/2fa/setup` and `/enable`.
#[derive(Deserialize, Default)]
pub struct TwoFactorBody {
    #[serde(default)]
    mfa_token: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    recovery_code: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// Starts setting up two-factor: a new secret for an authenticator app
/// (its `otpauth://` URI for a QR code), kept until a code confirms it.
pub async fn setup(
    state: web::Data<AppState>,
    user: Option<Person>,
    body: Option<web::Json<TwoFactorBody>>,
) -> Result<HttpResponse, ApiError> {
    let body = body.map(|b| b.into_inner()).unwrap_or_default();
    let (tenant, uid, _) = two_factor_caller(&state, user, body.mfa_token.as_deref()).await?;
    let db = state.db.tenant(tenant);
    let me = db.two_factor(uid).await?.ok_or(ApiError::NotFound("user"))?;
    if me.totp_enabled_at.is_some() {
        return Err(ApiError::Conflict {
            code: ErrorCode::TwoFactorEnabled,
            message: "two-factor is already on; turn it off first to change the app".into(),
        });
    }
    let secret = totp::new_secret();
    let encoded = totp::base32(&secret);
    let sealed = state.secrets.seal(&encoded, &Sealed::TotpPending.context(tenant, &uid.0.to_string()));
    db.set_pending_totp(uid, &sealed).await?;
    Ok(HttpResponse::Ok().json(json!({"secret": encoded, "otpauth_uri": totp::uri(&secret, "whatsflow", &me.email)})))
}

fn code_error() -> ApiError {
    ApiError::BadRequest {
        code: ErrorCode::InvalidCode,
        message: "the code is wrong or was already used; enter the current 6-digit code from your app".into(),
    }
}

/// Turns two-factor on with a code from the app; returns the recovery codes
/// (shown once) and, for a sign-in that had to set it up, the session.
pub async fn enable(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Option<Person>,
    body: web::Json<TwoFactorBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let (tenant, uid, signing_in) = two_factor_caller(&state, user, body.mfa_token.as_deref()).await?;
    let db = state.db.tenant(tenant);
    let me = db.two_factor(uid).await?.ok_or(ApiError::NotFound("user"))?;
    let pending = me.totp_pending_secret.ok_or_else(|| ApiError::validation("start with POST /api/v1/auth/2fa/setup"))?;
    let encoded = state
        .secrets
        .open(&pending, &Sealed::TotpPending.context(tenant, &uid.0.to_string()))
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("opening a pending TOTP secret: {e}")))?;
    let secret = data_encoding::BASE32_NOPAD.decode(encoded.as_bytes()).map_err(|e| ApiError::Internal(e.into()))?;
    let step = totp::verify(&secret, body.code.as_deref().unwrap_or_default(), Utc::now().timestamp(), None).ok_or_else(code_error)?;
    let codes = totp::recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| totp::code_hash(c)).collect();
    let sealed = state.secrets.seal(&encoded, &Sealed::TotpSecret.context(tenant, &uid.0.to_string()));
    db.enable_totp(uid, &sealed, step, &hashes).await?;
    let entry = Entry::new(Some(tenant), Actor::User(uid), "auth.two_factor_enabled").target(format!("user:{uid}"));
    state.db.audit().append(entry).await?;
    if signing_in {
        let res = crate::http::auth::finish_login(&state, &req, tenant, uid).await?;
        let body = actix_web::body::to_bytes(res.into_body()).await.map_err(|_| ApiError::Internal(anyhow::anyhow!("token body")))?;
        let mut v: serde_json::Value = serde_json::from_slice(&body).map_err(|e| ApiError::Internal(e.into()))?;
        v["recovery_codes"] = json!(codes);
        return Ok(HttpResponse::Ok().json(v));
    }
    Ok(HttpResponse::Ok().json(json!({"enabled": true, "recovery_codes": codes})))
}

/// Checks a code or a recovery code for `uid`, spending it.
async fn check_second_factor(state: &AppState, tenant: TenantId, uid: UserId, body: &TwoFactorBody) -> Result<(), ApiError> {
    let db = state.db.tenant(tenant);
    let me = db.two_factor(uid).await?.ok_or(ApiError::NotFound("user"))?;
    let sealed = me.totp_secret.ok_or_else(|| ApiError::validation("two-factor is not on for this account"))?;
    if let Some(rc) = body.recovery_code.as_deref().filter(|c| !c.trim().is_empty()) {
        return if db.use_recovery_code(uid, &totp::code_hash(rc)).await? { Ok(()) } else { Err(code_error()) };
    }
    let encoded = state
        .secrets
        .open(&sealed, &Sealed::TotpSecret.context(tenant, &uid.0.to_string()))
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("opening a TOTP secret: {e}")))?;
    let secret = data_encoding::BASE32_NOPAD.decode(encoded.as_bytes()).map_err(|e| ApiError::Internal(e.into()))?;
    let step = totp::verify(&secret, body.code.as_deref().unwrap_or_default(), Utc::now().timestamp(), me.totp_last_step)
        .ok_or_else(code_error)?;
    if db.use_totp_step(uid, step).await? {
        Ok(())
    } else {
        Err(code_error())
    }
}

/// Finishes a two-factor sign-in: the token from `auth/login` and a code
/// (or a recovery code). Wrong codes count toward the account's lockout.
pub async fn verify(state: web::Data<AppState>, req: HttpRequest, body: web::Json<TwoFactorBody>) -> Result<HttpResponse, ApiError> {
    state.auth_guard.admit(AuthAction::Login, crate::http::auth::client_ip(&state, &req))?;
    let body = body.into_inner();
    let token = body.mfa_token.as_deref().ok_or_else(|| ApiError::validation("`mfa_token` (from /auth/login) is required"))?;
    let (tenant, uid) = mfa_claims(&state, token).await?;
    if let crate::store::repo::users::Attempt::Locked(until) = state.db.tenant(tenant).users().reserve_login_attempt(uid).await? {
        return Err(crate::http::auth::locked(until));
    }
    if let Err(e) = check_second_factor(&state, tenant, uid, &body).await {
        let entry = Entry::new(Some(tenant), Actor::Anonymous, "auth.login_failed").target(format!("user:{uid}"));
        state.db.audit().append(entry.change(None, Some(json!({"second_factor": true})))).await?;
        return Err(e);
    }
    crate::http::auth::finish_login(&state, &req, tenant, uid).await
}

/// Turns two-factor off (the password and a current code), unless the
/// account requires it.
pub async fn disable(state: web::Data<AppState>, user: Person, body: web::Json<TwoFactorBody>) -> Result<HttpResponse, ApiError> {
    not_impersonating(&user)?;
    let body = body.into_inner();
    let db = state.db.tenant(user.tenant_id);
    if db.requires_two_factor().await? {
        return Err(ApiError::Denied {
            code: ErrorCode::Forbidden,
            message: "this account requires two-factor; an admin can lift the rule in Settings → Security".into(),
        });
    }
    let stored = state.db.tenant(user.tenant_id).users().password_hash(user.user_id).await?.ok_or(ApiError::NotFound("user"))?;
    let given = body.password.clone().unwrap_or_default();
    if !state.auth_guard.hash(move || crate::auth::password::verify(&given, &stored)).await? {
        return Err(ApiError::BadRequest { code: ErrorCode::InvalidCredentials, message: "the password is wrong".into() });
    }
    check_second_factor(&state, user.tenant_id, user.user_id, &body).await?;
    db.disable_totp(user.user_id).await?;
    let entry =
        Entry::new(Some(user.tenant_id), Actor::User(user.user_id), "auth.two_factor_disabled").target(format!("user:{}", user.user_id));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().json(json!({"enabled": false})))
}

/// The caller's open sessions.
pub async fn sessions(state: web::Data<AppState>, user: Person) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(json!({"data": state.db.tenant(user.tenant_id).sessions(user.user_id).await?})))
}

/// Ends one of the caller's sessions (its refresh token; access tokens of
/// the caller end too, other devices refresh).
pub async fn end_session(state: web::Data<AppState>, user: Person, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    not_impersonating(&user)?;
    let db = state.db.tenant(user.tenant_id);
    let mine = db.sessions(user.user_id).await?.iter().any(|s| s.id == *path);
    if !mine || !db.users().end_session(user.user_id, *path).await? {
        return Err(ApiError::NotFound("session"));
    }
    state.sessions.revoked(user.tenant_id, user.user_id, "a session was ended");
    Ok(HttpResponse::NoContent().finish())
}

/// Signs the caller out everywhere.
pub async fn end_all_sessions(state: web::Data<AppState>, user: Person) -> Result<HttpResponse, ApiError> {
    not_impersonating(&user)?;
    state.db.tenant(user.tenant_id).end_all_sessions(user.user_id).await?;
    state.sessions.revoked(user.tenant_id, user.user_id, "signed out everywhere");
    let entry =
        Entry::new(Some(user.tenant_id), Actor::User(user.user_id), "auth.signed_out_everywhere").target(format!("user:{}", user.user_id));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /settings/security`.
#[derive(Deserialize)]
pub struct SecuritySettings {
    require_two_factor: bool,
}

/// The account's security rule.
pub async fn settings(state: web::Data<AppState>, user: Admin) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(json!({"require_two_factor": state.db.tenant(user.tenant_id).requires_two_factor().await?})))
}

/// Requires (or stops requiring) two-factor of everyone in the account;
/// those without it are signed out and set it up at their next sign-in.
pub async fn set_settings(state: web::Data<AppState>, user: Admin, body: web::Json<SecuritySettings>) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let me = db.two_factor(user.user_id).await?.ok_or(ApiError::NotFound("user"))?;
    if body.require_two_factor && me.totp_enabled_at.is_none() {
        return Err(ApiError::validation("turn on two-factor for yourself first (Settings → Security), then require it of everyone"));
    }
    let before = db.requires_two_factor().await?;
    let ended = db.set_require_two_factor(body.require_two_factor).await?;
    for u in &ended {
        state.sessions.revoked(user.tenant_id, *u, "the account now requires two-factor: sign in again to set it up");
    }
    let entry = Entry::new(Some(user.tenant_id), Actor::from(&*user), "settings.security_changed").target("require_two_factor");
    state
        .db
        .audit()
        .append(entry.change(Some(json!({"require_two_factor": before})), Some(json!({"require_two_factor": body.require_two_factor}))))
        .await?;
    Ok(HttpResponse::Ok().json(json!({"require_two_factor": body.require_two_factor, "signed_out": ended.len()})))
}
