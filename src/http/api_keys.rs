//! `/api/v1/api-keys`: keys for servers calling the API with `X-API-Key`.
//! The key is shown once; only its SHA-256 is stored. Managed by admins who
//! are logged in (a key cannot mint keys).

use crate::auth::{api_key_hash, scopes, Admin};
use crate::db::tenant_tx;
use crate::http::auth::required_text;
use crate::http::error::ApiError;
use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde::Deserialize;
use serde_json::json;

/// `POST /api-keys`.
#[derive(Deserialize)]
pub struct NewKey {
    name: String,
    #[serde(default)]
    scopes: Option<Vec<String>>,
}

/// Creates a key; the answer is the only time the key is shown.
pub async fn create(state: web::Data<AppState>, user: Admin, body: web::Json<NewKey>) -> Result<HttpResponse, ApiError> {
    let name = required_text("name", &body.name, 100)?;
    let granted = body.scopes.clone().unwrap_or_else(|| vec![scopes::READ.into(), scopes::WRITE.into()]);
    if granted.is_empty() || granted.iter().any(|s| s != scopes::READ && s != scopes::WRITE) {
        return Err(ApiError::validation("`scopes` must be a non-empty list of \"read\" and \"write\""));
    }
    let secret: String = rand::thread_rng().sample_iter(&Alphanumeric).take(40).map(char::from).collect();
    let key = format!("wf_{secret}");
    let prefix = key[..10].to_owned();
    let id = uuid::Uuid::now_v7();
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let created_at: DateTime<Utc> = sqlx::query_scalar(
        "INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash, scopes, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING created_at",
    )
    .bind(id)
    .bind(user.tenant_id.0)
    .bind(&name)
    .bind(&prefix)
    .bind(api_key_hash(&key))
    .bind(&granted)
    .bind(user.user_id.0)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .json(json!({"id": id, "name": name, "key": key, "prefix": prefix, "scopes": granted, "created_at": created_at})))
}

/// A key as listed (no secret).
#[derive(serde::Serialize, sqlx::FromRow)]
struct KeyView {
    id: uuid::Uuid,
    name: String,
    prefix: String,
    scopes: Vec<String>,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

/// Lists keys (never the keys themselves).
pub async fn list(state: web::Data<AppState>, user: Admin) -> Result<HttpResponse, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let data: Vec<KeyView> =
        sqlx::query_as("SELECT id, name, prefix, scopes, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at")
            .fetch_all(&mut *tx)
            .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": null})))
}

/// Revokes a key at once.
pub async fn revoke(state: web::Data<AppState>, user: Admin, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let n = sqlx::query("UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
        .bind(*path)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    if n == 0 {
        return Err(ApiError::NotFound("API key"));
    }
    Ok(HttpResponse::NoContent().finish())
}
