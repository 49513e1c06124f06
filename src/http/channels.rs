//! `/api/v1/channels`: connect, list, change and disconnect WhatsApp numbers.
//! A number is connected only once Meta confirms, with the supplied token,
//! that it belongs to the stated WABA; a WABA belongs to one tenant. Access
//! tokens and app secrets go in encrypted (bound to their tenant and column)
//! and never come out; a rotated token is used from the next send.

use crate::auth::{Admin, Reader};
use crate::crypto::Sealed;
use crate::db::tenant_tx;
use crate::graph::VerifyError;
use crate::http::auth::required_text;
use crate::http::error::ApiError;
use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Postgres, Transaction};
use whatsflow_actors::ids::{ChannelId, TenantId};

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

fn verify_error(e: VerifyError) -> ApiError {
    match e {
        VerifyError::Mismatch(m) => ApiError::Unprocessable {
            code: "CHANNEL_NOT_VERIFIED",
            message: format!("{m}; connect a number with the access token of the WhatsApp Business Account it belongs to"),
        },
        VerifyError::Unreachable(m) => ApiError::Unavailable(format!("{m}; try again")),
    }
}

/// Makes `waba_id` this tenant's (first come) or refuses it when another
/// tenant holds it.
async fn claim_waba(tx: &mut Transaction<'static, Postgres>, tenant: TenantId, waba_id: &str) -> Result<(), ApiError> {
    sqlx::query("INSERT INTO waba_owners (waba_id, tenant_id) VALUES ($1, $2) ON CONFLICT (waba_id) DO NOTHING")
        .bind(waba_id)
        .bind(tenant.0)
        .execute(&mut **tx)
        .await?;
    // Row-level security shows only this tenant's ownership.
    let mine: Option<String> =
        sqlx::query_scalar("SELECT waba_id FROM waba_owners WHERE waba_id = $1").bind(waba_id).fetch_optional(&mut **tx).await?;
    mine.map(|_| ()).ok_or_else(|| ApiError::Conflict {
        code: "WABA_IN_USE",
        message: format!("WhatsApp Business Account {waba_id} is connected to another whatsflow account; a WABA belongs to one account"),
    })
}

/// Lets go of a WABA none of the tenant's numbers use any more.
async fn release_waba(tx: &mut Transaction<'static, Postgres>, waba_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM waba_owners w WHERE w.waba_id = $1 AND NOT EXISTS (SELECT 1 FROM channels c WHERE c.waba_id = $1)")
        .bind(waba_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn mps(v: Option<i32>) -> Result<Option<i32>, ApiError> {
    match v {
        Some(n) if !(1..=1000).contains(&n) => Err(ApiError::validation("`messages_per_second` must be between 1 and 1000")),
        other => Ok(other),
    }
}

/// Connects a number (tenant admins only).
pub async fn create(state: web::Data<AppState>, user: Admin, body: web::Json<ConnectChannel>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let phone_number_id = meta_id("phone_number_id", &b.phone_number_id)?;
    let waba_id = meta_id("waba_id", &b.waba_id)?;
    let display = required_text("display_phone_number", &b.display_phone_number, 32)?;
    let token = required_text("access_token", &b.access_token, 4096)?;
    let rate = mps(b.messages_per_second)?.unwrap_or(80);
    state.graph.verify_number(&token, &phone_number_id, &waba_id).await.map_err(verify_error)?;
    let id = ChannelId::generate();
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    claim_waba(&mut tx, user.tenant_id, &waba_id).await?;
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
            let sealed_secret = state.secrets.seal(secret, &Sealed::AppSecret.context(user.tenant_id, &app_id));
            let sealed_verify = state.secrets.seal(verify, &Sealed::VerifyToken.context(user.tenant_id, &app_id));
            // A new app, or new secrets for this tenant's own; another
            // tenant's app is neither visible (row-level security) nor taken.
            let mut id: Option<uuid::Uuid> = sqlx::query_scalar(
                "INSERT INTO meta_apps (id, tenant_id, app_id, app_secret_enc, verify_token_enc) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (app_id) DO NOTHING RETURNING id",
            )
            .bind(uuid::Uuid::now_v7())
            .bind(user.tenant_id.0)
            .bind(&app_id)
            .bind(&sealed_secret)
            .bind(&sealed_verify)
            .fetch_optional(&mut *tx)
            .await?;
            if id.is_none() {
                id = sqlx::query_scalar("UPDATE meta_apps SET app_secret_enc = $2, verify_token_enc = $3 WHERE app_id = $1 RETURNING id")
                    .bind(&app_id)
                    .bind(&sealed_secret)
                    .bind(&sealed_verify)
                    .fetch_optional(&mut *tx)
                    .await?;
            }
            Some(id.ok_or(ApiError::Conflict { code: "APP_IN_USE", message: "this Meta app is connected to another account".into() })?)
        }
    };
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
    .bind(state.secrets.seal(&token, &Sealed::AccessToken.context(user.tenant_id, &id.0.to_string())))
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
pub async fn list(state: web::Data<AppState>, user: Reader) -> Result<HttpResponse, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let rows: Vec<ChannelView> = sqlx::query_as(&format!("{CHANNEL_SELECT} ORDER BY c.created_at, c.id")).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"data": rows, "next_cursor": null})))
}

/// One number.
pub async fn get(state: web::Data<AppState>, user: Reader, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let row: Option<ChannelView> =
        sqlx::query_as(&format!("{CHANNEL_SELECT} WHERE c.id = $1")).bind(*path).fetch_optional(&mut *tx).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(row.ok_or(ApiError::NotFound("channel"))?))
}

/// Changes a number's details or rotates its token (tenant admins only).
pub async fn update(
    state: web::Data<AppState>,
    user: Admin,
    path: web::Path<uuid::Uuid>,
    body: web::Json<UpdateChannel>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let display = b.display_phone_number.as_deref().map(|v| required_text("display_phone_number", v, 32)).transpose()?;
    let waba = b.waba_id.as_deref().map(|v| meta_id("waba_id", v)).transpose()?;
    let token = b.access_token.as_deref().map(|v| required_text("access_token", v, 4096)).transpose()?;
    let rate = mps(b.messages_per_second)?;
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let current: Option<(String, String, Vec<u8>)> =
        sqlx::query_as("SELECT phone_number_id, waba_id, access_token_enc FROM channels WHERE id = $1 FOR UPDATE")
            .bind(*path)
            .fetch_optional(&mut *tx)
            .await?;
    let (pnid, old_waba, sealed) = current.ok_or(ApiError::NotFound("channel"))?;
    let new_waba = waba.clone().unwrap_or_else(|| old_waba.clone());
    if token.is_some() || new_waba != old_waba {
        // A new token or WABA must check out with Meta like a new number.
        let check_token = match &token {
            Some(t) => t.clone(),
            None => state
                .secrets
                .open(&sealed, &Sealed::AccessToken.context(user.tenant_id, &path.to_string()))
                .map_err(|e| ApiError::Internal(e.into()))?,
        };
        state.graph.verify_number(&check_token, &pnid, &new_waba).await.map_err(verify_error)?;
        if new_waba != old_waba {
            claim_waba(&mut tx, user.tenant_id, &new_waba).await?;
        }
    }
    sqlx::query(
        "UPDATE channels SET display_phone_number = COALESCE($2, display_phone_number), waba_id = COALESCE($3, waba_id),
            name = COALESCE($4, name), access_token_enc = COALESCE($5, access_token_enc),
            messages_per_second = COALESCE($6, messages_per_second), updated_at = now()
         WHERE id = $1",
    )
    .bind(*path)
    .bind(display)
    .bind(waba)
    .bind(b.name.map(|n| n.trim().to_owned()))
    .bind(token.map(|t| state.secrets.seal(&t, &Sealed::AccessToken.context(user.tenant_id, &path.to_string()))))
    .bind(rate)
    .execute(&mut *tx)
    .await?;
    if new_waba != old_waba {
        release_waba(&mut tx, &old_waba).await?;
    }
    let view: ChannelView = sqlx::query_as(&format!("{CHANNEL_SELECT} WHERE c.id = $1")).bind(*path).fetch_one(&mut *tx).await?;
    tx.commit().await?;
    state.router.forget_channel(&pnid);
    state.graph.forget_token(ChannelId(*path));
    Ok(HttpResponse::Ok().json(view))
}

/// Disconnects a number and its conversations (tenant admins only).
pub async fn delete(state: web::Data<AppState>, user: Admin, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let gone: Option<(String, String)> = sqlx::query_as("DELETE FROM channels WHERE id = $1 RETURNING phone_number_id, waba_id")
        .bind(*path)
        .fetch_optional(&mut *tx)
        .await?;
    let (pnid, waba) = gone.ok_or(ApiError::NotFound("channel"))?;
    release_waba(&mut tx, &waba).await?;
    tx.commit().await?;
    state.router.forget_channel(&pnid);
    state.graph.forget_token(ChannelId(*path));
    Ok(HttpResponse::NoContent().finish())
}
