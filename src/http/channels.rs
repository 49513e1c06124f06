//! `/api/v1/channels`: connect, list, change and disconnect WhatsApp numbers.
//! Access tokens and app secrets go in encrypted and never come out.

use crate::auth::AuthUser;
use crate::db::tenant_tx;
use crate::http::auth::required_text;
use crate::http::error::ApiError;
use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use whatsflow_actors::ids::ChannelId;

/// A channel as the API shows it (no secrets).
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct ChannelView {
    id: uuid::Uuid,
    phone_number_id: String,
    display_phone_number: String,
    waba_id: String,
    name: String,
    app_id: Option<String>,
    messages_per_second: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const CHANNEL_SELECT: &str = "SELECT c.id, c.phone_number_id, c.display_phone_number, c.waba_id, c.name, m.app_id,
    c.messages_per_second, c.created_at, c.updated_at FROM channels c LEFT JOIN meta_apps m ON m.id = c.meta_app_id";

/// `POST /channels`.
#[derive(Deserialize)]
pub struct ConnectChannel {
    phone_number_id: String,
    display_phone_number: String,
    waba_id: String,
    access_token: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    messages_per_second: Option<i32>,
    #[serde(default)]
    app_id: Option<String>,
    #[serde(default)]
    app_secret: Option<String>,
    #[serde(default)]
    verify_token: Option<String>,
}

/// `PATCH /channels/{id}`.
#[derive(Deserialize)]
pub struct UpdateChannel {
    #[serde(default)]
    display_phone_number: Option<String>,
    #[serde(default)]
    waba_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    messages_per_second: Option<i32>,
}

fn meta_id(field: &str, v: &str) -> Result<String, ApiError> {
    let t = v.trim();
    if t.is_empty() || t.len() > 64 || !t.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::validation(format!("`{field}` must be Meta's numeric id (from WhatsApp Manager → API setup)")));
    }
    Ok(t.to_owned())
}

fn mps(v: Option<i32>) -> Result<Option<i32>, ApiError> {
    match v {
        Some(n) if !(1..=1000).contains(&n) => Err(ApiError::validation("`messages_per_second` must be between 1 and 1000")),
        other => Ok(other),
    }
}

/// Connects a number (tenant admins only).
pub async fn create(state: web::Data<AppState>, user: AuthUser, body: web::Json<ConnectChannel>) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let b = body.into_inner();
    let phone_number_id = meta_id("phone_number_id", &b.phone_number_id)?;
    let waba_id = meta_id("waba_id", &b.waba_id)?;
    let display = required_text("display_phone_number", &b.display_phone_number, 32)?;
    let token = required_text("access_token", &b.access_token, 4096)?;
    let rate = mps(b.messages_per_second)?.unwrap_or(80);
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let meta_app = match b.app_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(app_id) => {
            let app_id = meta_id("app_id", app_id)?;
            let (Some(secret), Some(verify)) =
                (b.app_secret.as_deref().filter(|s| !s.is_empty()), b.verify_token.as_deref().filter(|s| !s.is_empty()))
            else {
                return Err(ApiError::validation(
                    "a channel with its own Meta app needs `app_id`, `app_secret` and `verify_token` together",
                ));
            };
            let id: Option<uuid::Uuid> = sqlx::query_scalar(
                "INSERT INTO meta_apps (id, tenant_id, app_id, app_secret_enc, verify_token_enc) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (app_id) DO UPDATE SET app_secret_enc = EXCLUDED.app_secret_enc, verify_token_enc = EXCLUDED.verify_token_enc
                 WHERE meta_apps.tenant_id = EXCLUDED.tenant_id RETURNING id",
            )
            .bind(uuid::Uuid::now_v7())
            .bind(user.tenant_id.0)
            .bind(&app_id)
            .bind(state.secrets.seal(secret))
            .bind(state.secrets.seal(verify))
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| conflict(e, "app_id"))?;
            Some(id.ok_or(ApiError::Conflict { code: "APP_IN_USE", message: "this Meta app is connected to another account".into() })?)
        }
    };
    let id = ChannelId::generate();
    sqlx::query(
        "INSERT INTO channels (id, tenant_id, phone_number_id, display_phone_number, waba_id, name, access_token_enc, meta_app_id, messages_per_second)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id.0)
    .bind(user.tenant_id.0)
    .bind(&phone_number_id)
    .bind(&display)
    .bind(&waba_id)
    .bind(b.name.as_deref().unwrap_or("").trim())
    .bind(state.secrets.seal(&token))
    .bind(meta_app)
    .bind(rate)
    .execute(&mut *tx)
    .await
    .map_err(|e| conflict(e, "phone_number_id"))?;
    let view: ChannelView = sqlx::query_as(&format!("{CHANNEL_SELECT} WHERE c.id = $1")).bind(id.0).fetch_one(&mut *tx).await?;
    tx.commit().await?;
    state.router.forget_channel(&phone_number_id);
    Ok(HttpResponse::Created().json(view))
}

fn conflict(e: sqlx::Error, field: &'static str) -> ApiError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => ApiError::Conflict {
            code: "CHANNEL_EXISTS",
            message: format!("this `{field}` is already connected; disconnect it first or use another"),
        },
        _ => e.into(),
    }
}

/// Lists the tenant's numbers.
pub async fn list(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let rows: Vec<ChannelView> = sqlx::query_as(&format!("{CHANNEL_SELECT} ORDER BY c.created_at, c.id")).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"data": rows, "next_cursor": null})))
}

/// One number.
pub async fn get(state: web::Data<AppState>, user: AuthUser, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let row: Option<ChannelView> =
        sqlx::query_as(&format!("{CHANNEL_SELECT} WHERE c.id = $1")).bind(*path).fetch_optional(&mut *tx).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(row.ok_or(ApiError::NotFound("channel"))?))
}

/// Changes a number's details or rotates its token (tenant admins only).
pub async fn update(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
    body: web::Json<UpdateChannel>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let b = body.into_inner();
    let display = b.display_phone_number.as_deref().map(|v| required_text("display_phone_number", v, 32)).transpose()?;
    let waba = b.waba_id.as_deref().map(|v| meta_id("waba_id", v)).transpose()?;
    let token = b.access_token.as_deref().map(|v| required_text("access_token", v, 4096)).transpose()?;
    let rate = mps(b.messages_per_second)?;
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let pnid: Option<String> = sqlx::query_scalar(
        "UPDATE channels SET display_phone_number = COALESCE($2, display_phone_number), waba_id = COALESCE($3, waba_id),
            name = COALESCE($4, name), access_token_enc = COALESCE($5, access_token_enc),
            messages_per_second = COALESCE($6, messages_per_second), updated_at = now()
         WHERE id = $1 RETURNING phone_number_id",
    )
    .bind(*path)
    .bind(display)
    .bind(waba)
    .bind(b.name.map(|n| n.trim().to_owned()))
    .bind(token.map(|t| state.secrets.seal(&t)))
    .bind(rate)
    .fetch_optional(&mut *tx)
    .await?;
    let pnid = pnid.ok_or(ApiError::NotFound("channel"))?;
    let view: ChannelView = sqlx::query_as(&format!("{CHANNEL_SELECT} WHERE c.id = $1")).bind(*path).fetch_one(&mut *tx).await?;
    tx.commit().await?;
    state.router.forget_channel(&pnid);
    Ok(HttpResponse::Ok().json(view))
}

/// Disconnects a number and its conversations (tenant admins only).
pub async fn delete(state: web::Data<AppState>, user: AuthUser, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let pnid: Option<String> =
        sqlx::query_scalar("DELETE FROM channels WHERE id = $1 RETURNING phone_number_id").bind(*path).fetch_optional(&mut *tx).await?;
    tx.commit().await?;
    let pnid = pnid.ok_or(ApiError::NotFound("channel"))?;
    state.router.forget_channel(&pnid);
    Ok(HttpResponse::NoContent().finish())
}
