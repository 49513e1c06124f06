//! Team invitations by email: an admin adds a person with `invite: true`
//! (`POST /users`), the person gets a link (`/accept-invite?token=…`,
//! working once, for [`INVITATION_TTL_DAYS`] days), the page shows whom it
//! is for (`GET /auth/invitations/{token}`) and the person chooses their
//! password (`POST /auth/invitations/accept`). The token is kept only as a
//! hash; an admin may mail a fresh link (`POST /users/{id}/invitation`),
//! which replaces the old one.

use crate::audit::{Actor, Entry};
use crate::auth::{Admin, AuthUser};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::security::{bad_token, mail_error, mail_token, token_hash};
use crate::startup::AppState;
use crate::store::repo::security::TokenPurpose;
use actix_web::{web, HttpResponse};
use base64::Engine;
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::json;
use whatsflow_actors::ids::UserId;

/// How long an invitation link works.
pub const INVITATION_TTL_DAYS: i64 = 7;
/// Most invitation mails one account sends a day (the platform's mail is
/// not a way to reach strangers in bulk).
pub const MAX_INVITATIONS_PER_DAY: i64 = 50;
/// The least time between two mails to one invitee.
pub const RESEND_AFTER_SECONDS: i64 = 60;

/// A password nobody knows, for an invited person until they choose theirs.
pub fn unguessable_password() -> String {
    let mut raw = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut raw);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// Mails `invitee` a fresh invitation link from `admin` (an earlier link
/// stops working).
pub async fn send(state: &AppState, admin: &AuthUser, invitee: UserId) -> Result<(), ApiError> {
    let db = state.db.tenant(admin.tenant_id);
    let person = db.users().get(invitee).await?.ok_or(ApiError::NotFound("user"))?;
    let (today, last) = db.invitations_sent(invitee).await?;
    if today >= MAX_INVITATIONS_PER_DAY {
        return Err(ApiError::TooManyRequests {
            code: ErrorCode::RateLimited,
            message: format!("an account sends at most {MAX_INVITATIONS_PER_DAY} invitations a day; try again tomorrow, or add the person with a password"),
            retry_after: std::time::Duration::from_secs(3600),
        });
    }
    if let Some(wait) = last.map(|at| at + Duration::seconds(RESEND_AFTER_SECONDS) - Utc::now()).filter(|w| *w > Duration::zero()) {
        return Err(ApiError::TooManyRequests {
            code: ErrorCode::RateLimited,
            message: format!("an invitation was mailed to {} moments ago; wait a minute before sending another", person.email),
            retry_after: wait.to_std().unwrap_or(std::time::Duration::from_secs(1)),
        });
    }
    let inviter = db.users().get(admin.user_id).await?.map(|u| u.name).unwrap_or_else(|| "An admin".to_owned());
    let (token, hash) = mail_token();
    db.issue_auth_token(invitee, TokenPurpose::Invitation, &hash, Utc::now() + Duration::days(INVITATION_TTL_DAYS)).await?;
    let brand = crate::http::branding::tenant_brand(state, admin.tenant_id).await;
    let (product, link) = (&brand.product, format!("{}/accept-invite?token={token}", brand.base_url));
    let text = format!(
        "Hello {name},\n\n{inviter} invited you to answer WhatsApp conversations with the team on {product}.\n\nChoose your password here to join (the link works once, for {INVITATION_TTL_DAYS} days):\n\n{link}\n\nYou will sign in with {email}. If you did not expect this, ignore this mail.\n",
        name = person.name,
        email = person.email,
    );
    state.mailer.send(&person.email, &format!("You are invited to {product}"), text).await.map_err(mail_error)?;
    let entry = Entry::by(admin, "user.invited").target(format!("user:{}", invitee.0));
    state.db.audit().append(entry).await?;
    Ok(())
}

/// `POST /users/{id}/invitation`: mails a fresh link to someone who has
/// not accepted yet.
pub async fn resend(state: web::Data<AppState>, user: Admin, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let invitee = UserId(*path);
    let person = state.db.tenant(user.tenant_id).users().get(invitee).await?.ok_or(ApiError::NotFound("user"))?;
    if !state.mailer.configured() {
        return Err(mail_error(crate::mail::MailError::NotConfigured));
    }
    if person.invitation.is_none() {
        return Err(ApiError::Conflict {
            code: ErrorCode::InvitationAccepted,
            message: format!("{} has no open invitation (they joined already, or were added with a password)", person.email),
        });
    }
    send(&state, &user, invitee).await?;
    Ok(HttpResponse::Accepted().json(json!({"sent": true, "email": person.email})))
}

/// `GET /auth/invitations/{token}`: whom the link is for, for its page.
/// (No sign-in rate limit here or on accepting: the token is 256 random
/// bits, and the password is hashed only once a live token is found.)
pub async fn show(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let hash = token_hash(&path);
    let Some((tenant, _, purpose)) = state.db.auth_token_owner(&hash).await? else { return Err(bad_token("invitation")) };
    if purpose != TokenPurpose::Invitation.as_str() {
        return Err(bad_token("invitation"));
    }
    let view = state.db.tenant(tenant).invitation(&hash).await?.ok_or_else(|| bad_token("invitation"))?;
    Ok(HttpResponse::Ok().json(view))
}

/// `POST /auth/invitations/accept`.
#[derive(Deserialize)]
pub struct AcceptBody {
    token: String,
    password: String,
}

/// Joins: the person's password is set (once per link) and they sign in
/// with their email.
pub async fn accept(state: web::Data<AppState>, body: web::Json<AcceptBody>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    crate::http::auth::validate_password(&b.password)?;
    let hash = token_hash(&b.token);
    let Some((tenant, _, purpose)) = state.db.auth_token_owner(&hash).await? else { return Err(bad_token("invitation")) };
    if purpose != TokenPurpose::Invitation.as_str() {
        return Err(bad_token("invitation"));
    }
    let db = state.db.tenant(tenant);
    let invited = db.invitation(&hash).await?.ok_or_else(|| bad_token("invitation"))?;
    let password_hash = crate::http::auth::hash_password(&state, b.password).await?;
    let user = db.accept_invitation(&hash, &password_hash).await?.ok_or_else(|| bad_token("invitation"))?;
    let entry = Entry::new(Some(tenant), Actor::User(user), "user.invitation_accepted").target(format!("user:{user}"));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().json(json!({"email": invited.email})))
}
