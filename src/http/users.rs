//! `/api/v1/users`: the team. Tenant admins add, change and remove agents
//! and admins; everyone may list the team (to show names and presence);
//! anyone may change their own name and password.

use crate::auth::sessions::Sessions;
use crate::auth::{Admin, Person, Reader, Role};
use crate::db::tenant_tx;
use crate::http::auth::{email_taken, hash_password, required_text, validate_email, validate_password, UserView, USER_COLUMNS};
use crate::http::error::ApiError;
use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use whatsflow_actors::ids::UserId;

/// `POST /users`.
#[derive(Deserialize)]
pub struct NewUser {
    email: String,
    password: String,
    name: String,
    #[serde(default = "agent")]
    role: String,
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

/// Adds a team member (tenant admins only).
pub async fn create(state: web::Data<AppState>, user: Admin, body: web::Json<NewUser>) -> Result<HttpResponse, ApiError> {
    let email = validate_email(&body.email)?;
    let name = required_text("name", &body.name, 200)?;
    let role = assignable(&body.role)?;
    validate_password(&body.password)?;
    let hash = hash_password(&state, body.password.clone()).await?;
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let created: UserView = sqlx::query_as(&format!(
        "INSERT INTO users (id, tenant_id, email, name, password_hash, role) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {USER_COLUMNS}"
    ))
    .bind(uuid::Uuid::now_v7())
    .bind(user.tenant_id.0)
    .bind(&email)
    .bind(&name)
    .bind(&hash)
    .bind(role)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| email_taken(e, &email))?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(created))
}

/// The team.
pub async fn list(state: web::Data<AppState>, user: Reader) -> Result<HttpResponse, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let rows: Vec<UserView> =
        sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY created_at, id")).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(json!({"data": rows, "next_cursor": null})))
}

/// One member.
pub async fn get(state: web::Data<AppState>, user: Reader, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let row: Option<UserView> =
        sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")).bind(*path).fetch_optional(&mut *tx).await?;
    tx.commit().await?;
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
            code: "CURRENT_PASSWORD_REQUIRED",
            message: "to change your own password, also send `current_password`".into(),
        })?;
        let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
        let stored: String =
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1").bind(user.user_id.0).fetch_one(&mut *tx).await?;
        tx.commit().await?;
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
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let row: Option<UserView> = sqlx::query_as(&format!(
        "UPDATE users SET name = COALESCE($2, name), role = COALESCE($3, role), password_hash = COALESCE($4, password_hash) WHERE id = $1 RETURNING {USER_COLUMNS}"
    ))
    .bind(*path)
    .bind(name)
    .bind(role)
    .bind(hash)
    .fetch_optional(&mut *tx)
    .await?;
    let row = row.ok_or(ApiError::NotFound("user"))?;
    if body.password.is_some() {
        // A new password ends every session of that user (refresh tokens too).
        sqlx::query("UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(*path)
            .execute(&mut *tx)
            .await?;
    }
    let revoke = if body.password.is_some() {
        Some("password changed")
    } else if body.role.is_some() {
        Some("role changed")
    } else {
        None
    };
    if revoke.is_some() {
        Sessions::bump(&mut tx, UserId(*path)).await?;
    }
    tx.commit().await?;
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
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let gone = sqlx::query("DELETE FROM users WHERE id = $1").bind(*path).execute(&mut *tx).await?.rows_affected();
    tx.commit().await?;
    if gone == 0 {
        return Err(ApiError::NotFound("user"));
    }
    state.sessions.revoked(user.tenant_id, UserId(*path), "user removed");
    Ok(HttpResponse::NoContent().finish())
}
