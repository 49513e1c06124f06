//! `GET /api/v1/contacts`: the tenant's customers, newest first, searchable
//! by name, phone or username.

use crate::auth::AuthUser;
use crate::db::tenant_tx;
use crate::http::conversations::page;
use crate::http::error::ApiError;
use crate::http::pagination::{self, Cursor};
use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::postgres::PgRow;
use sqlx::Row;

/// Contact list query.
#[derive(Deserialize)]
pub struct ContactsQuery {
    search: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// Reads a contact row.
pub fn contact_json(r: &PgRow) -> Result<Value, sqlx::Error> {
    Ok(json!({
        "id": r.try_get::<uuid::Uuid, _>("id")?,
        "phone": r.try_get::<Option<String>, _>("phone")?,
        "user_id": r.try_get::<Option<String>, _>("wa_user_id")?,
        "username": r.try_get::<Option<String>, _>("username")?,
        "name": r.try_get::<Option<String>, _>("name")?,
        "tags": r.try_get::<Vec<String>, _>("tags")?,
        "custom_fields": r.try_get::<Value, _>("custom_fields")?,
        "opted_in": r.try_get::<bool, _>("opted_in")?,
        "created_at": r.try_get::<DateTime<Utc>, _>("created_at")?,
        "updated_at": r.try_get::<DateTime<Utc>, _>("updated_at")?,
    }))
}

/// Lists contacts.
pub async fn list(state: web::Data<AppState>, user: AuthUser, q: web::Query<ContactsQuery>) -> Result<HttpResponse, ApiError> {
    let limit = pagination::limit(q.limit)?;
    let cursor = q.cursor.as_deref().map(Cursor::decode).transpose()?;
    let search =
        q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| format!("%{}%", s.replace('%', "\\%").replace('_', "\\_")));
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let rows = sqlx::query(
        "SELECT id, phone, wa_user_id, username, name, tags, custom_fields, opted_in, created_at, updated_at FROM contacts
         WHERE ($1::text IS NULL OR name ILIKE $1 OR phone ILIKE $1 OR username ILIKE $1)
           AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
         ORDER BY created_at DESC, id DESC LIMIT $4",
    )
    .bind(&search)
    .bind(cursor.map(|c| c.t))
    .bind(cursor.map(|c| c.id))
    .bind(limit + 1)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    page(rows, limit, contact_json, |r| Ok(Cursor { t: r.try_get("created_at")?, id: r.try_get("id")? }))
}
