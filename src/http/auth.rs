//! `/api/v1/auth/*`: register a business, log in, refresh (rotating), log
//! out, and who am I. Sign-in routes are rate limited per address, failed
//! logins lock the account exponentially, and password hashing runs on a
//! bounded pool ([`crate::auth::limits`]).

use crate::auth::jwt::{TokenKind, REFRESH_TTL_SECS};
use crate::auth::limits::{AuthAction, FIRST_LOCKOUT, LOCK_AFTER_FAILURES, MAX_LOCKOUT};
use crate::auth::sessions::Sessions;
use crate::auth::{password, Person, Role};
use crate::db::tenant_tx;
use crate::http::error::ApiError;
use crate::startup::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Postgres, Transaction};
use whatsflow_actors::ids::{TenantId, UserId};

/// A user as the API shows them.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct UserView {
    /// Id.
    pub id: uuid::Uuid,
    /// Tenant.
    pub tenant_id: uuid::Uuid,
    /// Display name.
    pub name: String,
    /// Login email.
    pub email: String,
    /// Role.
    pub role: String,
    /// online / away / busy / offline.
    pub presence: String,
    /// When created.
    pub created_at: DateTime<Utc>,
}

/// Columns of [`UserView`].
pub const USER_COLUMNS: &str = "id, tenant_id, name, email, role, presence, created_at";

/// `POST /auth/register`.
#[derive(Deserialize)]
pub struct RegisterRequest {
    tenant_name: String,
    name: String,
    email: String,
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

/// Checks an email's shape (the mailbox is not probed).
pub fn validate_email(email: &str) -> Result<String, ApiError> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && e.split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
        && !e.contains(char::is_whitespace);
    if ok {
        Ok(e)
    } else {
        Err(ApiError::validation(format!("`{email}` is not an email address")))
    }
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
fn client_ip(state: &AppState, req: &HttpRequest) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr()?.ip();
    let trusted = |ip: &std::net::IpAddr| state.config.trusted_proxies.iter().any(|net| net.contains(ip));
    if !trusted(&peer) {
        return Some(peer);
    }
    let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()).unwrap_or("");
    let hops: Vec<std::net::IpAddr> = forwarded.split(',').filter_map(|h| h.trim().parse().ok()).collect();
    Some(hops.into_iter().rev().find(|ip| !trusted(ip)).unwrap_or(peer))
}

async fn issue_tokens(state: &AppState, tx: &mut Transaction<'static, Postgres>, user: UserView) -> Result<TokenResponse, ApiError> {
    let role = Role::parse(&user.role).ok_or_else(|| ApiError::Internal(anyhow::anyhow!("unknown role {}", user.role)))?;
    let (uid, tid) = (UserId(user.id), TenantId(user.tenant_id));
    let version: i32 = sqlx::query_scalar("SELECT token_version FROM users WHERE id = $1").bind(uid.0).fetch_one(&mut **tx).await?;
    let jti = uuid::Uuid::new_v4();
    sqlx::query("INSERT INTO refresh_tokens (id, tenant_id, user_id, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(jti)
        .bind(tid.0)
        .bind(uid.0)
        .bind(Utc::now() + Duration::seconds(REFRESH_TTL_SECS))
        .execute(&mut **tx)
        .await?;
    let (access_token, expires_in) = state.jwt.issue(uid, tid, role, version, TokenKind::Access, uuid::Uuid::new_v4())?;
    let (refresh_token, _) = state.jwt.issue(uid, tid, role, version, TokenKind::Refresh, jti)?;
    Ok(TokenResponse { access_token, refresh_token, token_type: "Bearer", expires_in, user })
}

/// Creates a tenant and its first admin, and logs them in.
pub async fn register(state: web::Data<AppState>, req: HttpRequest, body: web::Json<RegisterRequest>) -> Result<HttpResponse, ApiError> {
    state.auth_guard.admit(AuthAction::Register, client_ip(&state, &req))?;
    let tenant_name = required_text("tenant_name", &body.tenant_name, 200)?;
    let name = required_text("name", &body.name, 200)?;
    let email = validate_email(&body.email)?;
    validate_password(&body.password)?;
    let hash = hash_password(&state, body.password.clone()).await?;
    let tenant = TenantId::generate();
    let mut tx = tenant_tx(&state.pool, tenant).await?;
    sqlx::query("INSERT INTO tenants (id, name) VALUES ($1, $2)").bind(tenant.0).bind(&tenant_name).execute(&mut *tx).await?;
    let user: UserView = sqlx::query_as(&format!(
        "INSERT INTO users (id, tenant_id, email, name, password_hash, role) VALUES ($1, $2, $3, $4, $5, 'tenant_admin') RETURNING {USER_COLUMNS}"
    ))
    .bind(UserId::generate().0)
    .bind(tenant.0)
    .bind(&email)
    .bind(&name)
    .bind(&hash)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| email_taken(e, &email))?;
    let tokens = issue_tokens(&state, &mut tx, user).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(tokens))
}

/// Maps the unique-email violation to a 409.
pub fn email_taken(e: sqlx::Error, email: &str) -> ApiError {
    match &e {
        sqlx::Error::Database(db) if db.constraint() == Some("users_email_key") => {
            ApiError::Conflict { code: "EMAIL_TAKEN", message: format!("an account with {email} already exists; log in instead") }
        }
        _ => e.into(),
    }
}

fn locked(until: DateTime<Utc>) -> ApiError {
    let wait = (until - Utc::now()).to_std().unwrap_or_default();
    ApiError::TooManyRequests {
        code: "ACCOUNT_LOCKED",
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
    let found: Option<(uuid::Uuid, uuid::Uuid, String, Option<DateTime<Utc>>)> =
        sqlx::query_as("SELECT id, tenant_id, password_hash, locked_until FROM auth_user_by_email($1)")
            .bind(&email)
            .fetch_optional(&state.pool)
            .await?;
    if let Some((user_id, tenant_id, _, _)) = &found {
        let mut tx = tenant_tx(&state.pool, TenantId(*tenant_id)).await?;
        let reserved: Option<i32> = sqlx::query_scalar(
            "UPDATE users SET failed_logins = failed_logins + 1,
                locked_until = CASE WHEN failed_logins + 1 >= $2
                    THEN now() + make_interval(secs => LEAST($3 * power(2, failed_logins + 1 - $2), $4)) ELSE NULL END
             WHERE id = $1 AND (locked_until IS NULL OR locked_until <= now()) RETURNING failed_logins",
        )
        .bind(user_id)
        .bind(LOCK_AFTER_FAILURES)
        .bind(FIRST_LOCKOUT.as_secs_f64())
        .bind(MAX_LOCKOUT.as_secs_f64())
        .fetch_optional(&mut *tx)
        .await?;
        if reserved.is_none() {
            let until: Option<DateTime<Utc>> =
                sqlx::query_scalar("SELECT locked_until FROM users WHERE id = $1").bind(user_id).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            return Err(locked(until.unwrap_or_else(Utc::now)));
        }
        tx.commit().await?;
    }
    let stored = found.as_ref().map_or_else(|| password::decoy_hash().to_owned(), |f| f.2.clone());
    let given = body.password.clone();
    let ok = state.auth_guard.hash(move || password::verify(&given, &stored)).await?;
    let Some((user_id, tenant_id, _, _)) = found else {
        return Err(ApiError::InvalidCredentials);
    };
    if !ok {
        tracing::info!(user_id = %user_id, "failed sign-in");
        return Err(ApiError::InvalidCredentials);
    }
    let mut tx = tenant_tx(&state.pool, TenantId(tenant_id)).await?;
    let user: UserView = sqlx::query_as(&format!(
        "UPDATE users SET last_login_at = now(), failed_logins = 0, locked_until = NULL WHERE id = $1 RETURNING {USER_COLUMNS}"
    ))
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    let tokens = issue_tokens(&state, &mut tx, user).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(tokens))
}

/// Trades a refresh token for a new pair; the old one dies. Presenting a
/// dead token again revokes every session of that user (it was stolen).
pub async fn refresh(state: web::Data<AppState>, req: HttpRequest, body: web::Json<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    state.auth_guard.admit(AuthAction::Refresh, client_ip(&state, &req))?;
    let claims = state.jwt.verify(&body.refresh_token, TokenKind::Refresh)?;
    let mut tx = tenant_tx(&state.pool, TenantId(claims.tid)).await?;
    let next = uuid::Uuid::new_v4();
    let live: Option<uuid::Uuid> = sqlx::query_scalar(
        "UPDATE refresh_tokens SET revoked_at = now(), replaced_by = $2 WHERE id = $1 AND revoked_at IS NULL AND expires_at > now() RETURNING user_id",
    )
    .bind(claims.jti)
    .bind(next)
    .fetch_optional(&mut *tx)
    .await?;
    if live.is_none() {
        // A dead token presented again was stolen or replayed: end every
        // session of that user.
        sqlx::query("UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(claims.sub)
            .execute(&mut *tx)
            .await?;
        Sessions::bump(&mut tx, UserId(claims.sub)).await?;
        tx.commit().await?;
        state.sessions.revoked(TenantId(claims.tid), UserId(claims.sub), "refresh token reused");
        return Err(ApiError::Unauthorized("refresh token already used or revoked; log in again".into()));
    }
    let user: Option<UserView> =
        sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")).bind(claims.sub).fetch_optional(&mut *tx).await?;
    let user = user.ok_or_else(|| ApiError::Unauthorized("this account no longer exists".into()))?;
    let tokens = issue_tokens(&state, &mut tx, user).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(tokens))
}

/// Revokes a refresh token and ends the user's access tokens and sockets at
/// once (other devices keep their refresh tokens and simply refresh).
pub async fn logout(state: web::Data<AppState>, body: web::Json<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let claims = state.jwt.verify(&body.refresh_token, TokenKind::Refresh)?;
    let mut tx = tenant_tx(&state.pool, TenantId(claims.tid)).await?;
    let revoked = sqlx::query("UPDATE refresh_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
        .bind(claims.jti)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if revoked > 0 {
        Sessions::bump(&mut tx, UserId(claims.sub)).await?;
    }
    tx.commit().await?;
    if revoked > 0 {
        state.sessions.revoked(TenantId(claims.tid), UserId(claims.sub), "signed out");
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The caller.
pub async fn me(state: web::Data<AppState>, user: Person) -> Result<HttpResponse, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let me: Option<UserView> =
        sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")).bind(user.user_id.0).fetch_optional(&mut *tx).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(me.ok_or(ApiError::NotFound("user"))?))
}
