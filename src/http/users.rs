//! `/api/v1/users`: the team. Tenant admins add, change and remove agents
//! and admins; everyone may list the team (to show names and presence);
//! anyone may change their own name and password.

use crate::audit::Entry;
use crate::auth::{Admin, Person, Reader, Role};
use crate::http::auth::{email_shape, hash_password, long_enough, required_text, validate_password};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::valid::{not_blank, Valid};
use crate::startup::AppState;
use crate::store::repo::users::UserChange;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use whatsflow_actors::ids::UserId;

/// `POST /users`.
#[derive(Deserialize, garde::Validate)]
pub struct NewUser {
    #[garde(length(max = 254), custom(email_shape))]
    email: String,
    /// The password the admin chooses for them (not with `invite`).
    #[serde(default)]
    #[garde(inner(custom(long_enough)))]
    password: Option<String>,
    #[garde(length(chars, max = 200), custom(not_blank))]
    name: String,
    #[serde(default = "agent")]
    #[garde(skip)]
    role: String,
    /// Mail them an invitation: they choose their own password.
    #[serde(default)]
    #[garde(skip)]
    invite: bool,
}

fn agent() -> String {
    "agent".into()
}

/// `PATCH /users/{id}`.
#[derive(Deserialize)]
pub struct UpdateUser {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    password: Option<String>,
    /// Required to change your own password (a stolen access token must not
    /// become a permanent takeover).
    #[serde(default)]
    current_password: Option<String>,
}

/// Roles a tenant admin may give.
fn assignable(role: &str) -> Result<&'static str, ApiError> {
    match Role::parse(role) {
        Some(Role::TenantAdmin) => Ok("tenant_admin"),
        Some(Role::Agent) => Ok("agent"),
        _ => Err(ApiError::validation("`role` must be agent or tenant_admin")),
    }
}

/// Adds a team member (tenant admins only): with the password the admin
/// chose, or invited by email to choose their own.
pub async fn create(state: web::Data<AppState>, user: Admin, body: Valid<NewUser>) -> Result<HttpResponse, ApiError> {
    let email = body.email.trim().to_lowercase();
    let role = assignable(&body.role)?;
    let password = match (&body.password, body.invite) {
        (Some(_), true) => {
            return Err(ApiError::validation("send either `password` or `invite`: an invited person chooses their own password"))
        }
        (None, false) => {
            return Err(ApiError::validation("send `password` for the new member, or `invite: true` to mail them an invitation"))
        }
        (Some(p), false) => p.clone(),
        (None, true) => {
            if !state.mailer.configured() {
                return Err(crate::http::security::mail_error(crate::mail::MailError::NotConfigured));
            }
            // Nobody knows this password: the invitee sets theirs through the link.
            crate::http::invitations::unguessable_password()
        }
    };
    let hash = hash_password(&state, password).await?;
    let created = state.db.tenant(user.tenant_id).users().create(&email, body.name.trim(), &hash, role).await?;
    let entry =
        Entry::by(&user, "user.created").target(format!("user:{}", created.id)).change(None, Some(json!({"email": email, "role": role})));
    state.db.audit().append(entry).await?;
    if body.invite {
        // No mail, no member: the admin can simply try again.
        if let Err(e) = crate::http::invitations::send(&state, &user, UserId(created.id)).await {
            state.db.tenant(user.tenant_id).users().delete(UserId(created.id)).await?;
            return Err(e);
        }
        let view = state.db.tenant(user.tenant_id).users().get(UserId(created.id)).await?.ok_or(ApiError::NotFound("user"))?;
        return Ok(HttpResponse::Created().json(view));
    }
    Ok(HttpResponse::Created().json(created))
}

/// The team.
pub async fn list(state: web::Data<AppState>, user: Reader) -> Result<HttpResponse, ApiError> {
    let rows = state.db.tenant(user.tenant_id).users().list().await?;
    Ok(HttpResponse::Ok().json(json!({"data": rows, "next_cursor": null})))
}

/// One member.
pub async fn get(state: web::Data<AppState>, user: Reader, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let row = state.db.tenant(user.tenant_id).users().get(UserId(*path)).await?;
    Ok(HttpResponse::Ok().json(row.ok_or(ApiError::NotFound("user"))?))
}

/// Changes a member: admins anything, others their own name and password.
pub async fn update(
    state: web::Data<AppState>,
    user: Person,
    path: web::Path<uuid::Uuid>,
    body: web::Json<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let own = user.user_id.0 == *path;
    if (!own || body.role.is_some()) && !user.role.is_admin() {
        return Err(ApiError::Forbidden(
            "only a tenant admin changes other people or roles; you may change your own name and password".into(),
        ));
    }
    if own && body.role.as_deref().is_some_and(|r| r != "tenant_admin") {
        return Err(ApiError::validation("you cannot remove your own admin role; ask another admin"));
    }
    if own && body.password.is_some() {
        let given = body.current_password.clone().ok_or(ApiError::BadRequest {
            code: ErrorCode::CurrentPasswordRequired,
            message: "to change your own password, also send `current_password`".into(),
        })?;
        let stored = state.db.tenant(user.tenant_id).users().password_hash(user.user_id).await?.ok_or(ApiError::NotFound("user"))?;
        if !state.auth_guard.hash(move || crate::auth::password::verify(&given, &stored)).await? {
            return Err(ApiError::Forbidden("`current_password` is wrong; your password was not changed".into()));
        }
    }
    let name = body.name.as_deref().map(|n| required_text("name", n, 200)).transpose()?;
    let role = body.role.as_deref().map(assignable).transpose()?;
    let hash = match &body.password {
        Some(p) => {
            validate_password(p)?;
            Some(hash_password(&state, p.clone()).await?)
        }
        None => None,
    };
    let revoke = match (&hash, role) {
        (Some(_), _) => Some("password changed"),
        (None, Some(_)) => Some("role changed"),
        (None, None) => None,
    };
    let password_changed = hash.is_some();
    let change = UserChange { name, role, password_hash: hash };
    let row = state.db.tenant(user.tenant_id).users().update(UserId(*path), change).await?.ok_or(ApiError::NotFound("user"))?;
    if role.is_some() || password_changed {
        // Who may do what, and who changed whose password (never the password).
        let after = json!({"role": role, "password_changed": password_changed});
        state.db.audit().append(Entry::by(&user, "user.changed").target(format!("user:{}", *path)).change(None, Some(after))).await?;
    }
    if let Some(why) = revoke {
        state.sessions.revoked(user.tenant_id, UserId(*path), why);
    }
    Ok(HttpResponse::Ok().json(row))
}

/// Removes a member (tenant admins only; not yourself).
pub async fn delete(state: web::Data<AppState>, user: Admin, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    if user.user_id.0 == *path {
        return Err(ApiError::validation("you cannot remove yourself; ask another admin"));
    }
    if !state.db.tenant(user.tenant_id).users().delete(UserId(*path)).await? {
        return Err(ApiError::NotFound("user"));
    }
    state.sessions.revoked(user.tenant_id, UserId(*path), "user removed");
    state.db.audit().append(Entry::by(&user, "user.removed").target(format!("user:{}", *path))).await?;
    Ok(HttpResponse::NoContent().finish())
}
