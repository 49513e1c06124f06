//! `/api/v1/templates`: message templates. Drafts are checked against Meta's
//! rules (422 lists every problem with where it is), submitted to Meta with
//! the channel's token, kept in sync from Meta's list and from
//! `message_template_status_update` webhooks, and previewed with parameters.

use crate::auth::{AuthUser, Manager, Reader};
use crate::db::tenant_tx;
use crate::http::error::ApiError;
use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::postgres::PgRow;
use sqlx::Row;
use whatsflow_actors::outbound::SendError;
use whatsflow_actors::ports::ChannelRef;
use whatsflow_actors::template;

const COLUMNS: &str =
    "id, waba_id, meta_template_id, name, language, category, status, rejected_reason, components, created_at, updated_at";

fn template_json(r: &PgRow) -> Result<Value, sqlx::Error> {
    Ok(json!({
        "id": r.try_get::<uuid::Uuid, _>("id")?,
        "waba_id": r.try_get::<String, _>("waba_id")?,
        "meta_template_id": r.try_get::<Option<String>, _>("meta_template_id")?,
        "name": r.try_get::<String, _>("name")?,
        "language": r.try_get::<String, _>("language")?,
        "category": r.try_get::<Option<String>, _>("category")?,
        "status": r.try_get::<String, _>("status")?,
        "rejected_reason": r.try_get::<Option<String>, _>("rejected_reason")?,
        "components": r.try_get::<Value, _>("components")?,
        "created_at": r.try_get::<DateTime<Utc>, _>("created_at")?,
        "updated_at": r.try_get::<DateTime<Utc>, _>("updated_at")?,
    }))
}

/// `POST /templates` and `PATCH /templates/{id}`.
#[derive(Deserialize)]
pub struct TemplateInput {
    name: Option<String>,
    language: Option<String>,
    category: Option<String>,
    components: Option<Value>,
    /// The WABA it belongs to (default: the tenant's first channel's).
    waba_id: Option<String>,
}

fn invalid(problems: Vec<template::Problem>) -> ApiError {
    let list: Vec<String> = problems.iter().map(|p| format!("{}: {}", p.path, p.message)).collect();
    ApiError::Unprocessable { code: "TEMPLATE_INVALID", message: list.join("; ") }
}

/// A channel of the tenant on `waba_id` (whose token speaks for the WABA).
async fn waba_channel(state: &AppState, user: &AuthUser, waba_id: Option<&str>) -> Result<(ChannelRef, String), ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let row = sqlx::query("SELECT id AS channel_id, phone_number_id, messages_per_second, waba_id FROM channels WHERE ($1::text IS NULL OR waba_id = $1) ORDER BY created_at LIMIT 1")
        .bind(waba_id)
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    let row = row.ok_or(ApiError::Unprocessable {
        code: "NO_CHANNEL",
        message: "connect a WhatsApp number of this WhatsApp Business Account first (POST /api/v1/channels)".into(),
    })?;
    Ok((crate::store::channel_ref_from_row(user.tenant_id, &row)?, row.try_get("waba_id")?))
}

/// List query.
#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
}

/// The tenant's templates (filter by status, e.g. APPROVED).
pub async fn list(state: web::Data<AppState>, user: Reader, q: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let rows =
        sqlx::query(&format!("SELECT {COLUMNS} FROM templates WHERE ($1::text IS NULL OR status = upper($1)) ORDER BY name, language"))
            .bind(&q.status)
            .fetch_all(&mut *tx)
            .await?;
    tx.commit().await?;
    let data = rows.iter().map(template_json).collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": null})))
}

/// Creates a draft (tenant admins only).
pub async fn create(state: web::Data<AppState>, user: Manager, body: web::Json<TemplateInput>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let (name, language, category) =
        (b.name.unwrap_or_default(), b.language.unwrap_or_default(), b.category.unwrap_or_default().to_uppercase());
    let components = b.components.unwrap_or(Value::Null);
    template::validate(&name, &language, &category, &components).map_err(invalid)?;
    let (_, waba) = waba_channel(&state, &user, b.waba_id.as_deref()).await?;
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let row = sqlx::query(&format!(
        "INSERT INTO templates (id, tenant_id, waba_id, name, language, category, status, components) VALUES ($1, $2, $3, $4, $5, $6, 'DRAFT', $7) RETURNING {COLUMNS}"
    ))
    .bind(uuid::Uuid::now_v7())
    .bind(user.tenant_id.0)
    .bind(&waba)
    .bind(&name)
    .bind(&language)
    .bind(&category)
    .bind(&components)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            ApiError::Conflict { code: "TEMPLATE_EXISTS", message: format!("a template `{name}` in `{language}` exists; edit it or choose another name") }
        }
        _ => e.into(),
    })?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(template_json(&row)?))
}

async fn load(state: &AppState, user: &AuthUser, id: uuid::Uuid) -> Result<Value, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM templates WHERE id = $1")).bind(id).fetch_optional(&mut *tx).await?;
    tx.commit().await?;
    Ok(template_json(&row.ok_or(ApiError::NotFound("template"))?)?)
}

/// One template.
pub async fn get(state: web::Data<AppState>, user: Reader, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(load(&state, &user, *path).await?))
}

/// Edits a draft or a rejected template (it becomes a draft again).
pub async fn update(
    state: web::Data<AppState>,
    user: Manager,
    path: web::Path<uuid::Uuid>,
    body: web::Json<TemplateInput>,
) -> Result<HttpResponse, ApiError> {
    let current = load(&state, &user, *path).await?;
    let status = current["status"].as_str().unwrap_or("");
    if !["DRAFT", "REJECTED"].contains(&status) {
        return Err(ApiError::Conflict {
            code: "TEMPLATE_LOCKED",
            message: format!("a {status} template cannot be edited; create a new one"),
        });
    }
    let b = body.into_inner();
    let name = current["name"].as_str().unwrap_or_default().to_owned();
    let language = current["language"].as_str().unwrap_or_default().to_owned();
    let category = b.category.map(|c| c.to_uppercase()).unwrap_or_else(|| current["category"].as_str().unwrap_or_default().to_owned());
    let components = b.components.unwrap_or_else(|| current["components"].clone());
    template::validate(&name, &language, &category, &components).map_err(invalid)?;
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let row = sqlx::query(&format!(
        "UPDATE templates SET category = $2, components = $3, status = 'DRAFT', rejected_reason = NULL, updated_at = now() WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(*path)
    .bind(&category)
    .bind(&components)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(template_json(&row)?))
}

/// Deletes a template here (tenant admins only).
pub async fn delete(state: web::Data<AppState>, user: Manager, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let n = sqlx::query("DELETE FROM templates WHERE id = $1").bind(*path).execute(&mut *tx).await?.rows_affected();
    tx.commit().await?;
    if n == 0 {
        return Err(ApiError::NotFound("template"));
    }
    Ok(HttpResponse::NoContent().finish())
}

fn meta_error(e: SendError) -> ApiError {
    match e {
        SendError::Permanent { code, title, details } => ApiError::Unprocessable {
            code: "META_REJECTED",
            message: format!("Meta refused it ({code}): {title}{}", details.map(|d| format!(" — {d}")).unwrap_or_default()),
        },
        SendError::Retryable { title, .. } | SendError::Ambiguous(title) => {
            ApiError::Unavailable(format!("Meta could not be reached: {title}; retry"))
        }
    }
}

/// Submits a draft to Meta for review (tenant admins only).
pub async fn submit(state: web::Data<AppState>, user: Manager, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let t = load(&state, &user, *path).await?;
    if t["status"] != "DRAFT" {
        return Err(ApiError::Conflict {
            code: "TEMPLATE_LOCKED",
            message: format!("only drafts are submitted; this one is {}", t["status"].as_str().unwrap_or("")),
        });
    }
    let (channel, waba) = waba_channel(&state, &user, t["waba_id"].as_str()).await?;
    let body = json!({"name": t["name"], "language": t["language"], "category": t["category"], "components": t["components"]});
    let answer = state.graph.create_template(&channel, &waba, &body).await.map_err(meta_error)?;
    let meta_id = answer["id"].as_str().map(str::to_owned).or_else(|| answer["id"].as_u64().map(|n| n.to_string()));
    let status = answer["status"].as_str().unwrap_or("PENDING").to_uppercase();
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let row = sqlx::query(&format!(
        "UPDATE templates SET status = $2, meta_template_id = $3, category = COALESCE($4, category), updated_at = now() WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(*path)
    .bind(&status)
    .bind(meta_id)
    .bind(answer["category"].as_str())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(template_json(&row)?))
}

/// Pulls every template of the tenant's WABAs from Meta (status, components).
pub async fn sync(state: web::Data<AppState>, user: Manager) -> Result<HttpResponse, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let wabas: Vec<String> = sqlx::query_scalar("SELECT DISTINCT waba_id FROM channels").fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let mut synced = 0;
    for waba in wabas {
        let (channel, _) = waba_channel(&state, &user, Some(&waba)).await?;
        let list = state.graph.list_templates(&channel, &waba).await.map_err(meta_error)?;
        let rows: Vec<Value> = list
            .iter()
            .map(|t| json!({"meta_id": t["id"].as_str().map(str::to_owned).or_else(|| t["id"].as_u64().map(|n| n.to_string())),
                            "name": t["name"], "language": t["language"], "category": t["category"], "status": t["status"], "components": t["components"],
                            "reason": t["rejected_reason"]}))
            .collect();
        synced += rows.len();
        let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
        sqlx::query(
            "INSERT INTO templates AS t (id, tenant_id, waba_id, meta_template_id, name, language, category, status, rejected_reason, components)
             SELECT gen_random_uuid(), $1, $2, r.meta_id, r.name, r.language, r.category, COALESCE(r.status, 'PENDING'), NULLIF(r.reason, 'NONE'), COALESCE(r.components, '[]')
             FROM jsonb_to_recordset($3) AS r(meta_id text, name text, language text, category text, status text, reason text, components jsonb)
             WHERE r.name IS NOT NULL AND r.language IS NOT NULL
             ON CONFLICT (tenant_id, name, language) DO UPDATE SET meta_template_id = EXCLUDED.meta_template_id, category = EXCLUDED.category,
                status = EXCLUDED.status, rejected_reason = EXCLUDED.rejected_reason, components = EXCLUDED.components, updated_at = now()",
        )
        .bind(user.tenant_id.0)
        .bind(&waba)
        .bind(Value::Array(rows))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(HttpResponse::Ok().json(json!({"synced": synced})))
}

/// `POST /templates/{id}/preview` parameters.
#[derive(Deserialize)]
pub struct PreviewInput {
    #[serde(default)]
    header: Vec<String>,
    #[serde(default)]
    body: Vec<String>,
}

/// Renders a template with parameters (422 when their number is wrong).
pub async fn preview(
    state: web::Data<AppState>,
    user: Reader,
    path: web::Path<uuid::Uuid>,
    body: web::Json<PreviewInput>,
) -> Result<HttpResponse, ApiError> {
    let t = load(&state, &user, *path).await?;
    let r = template::render(&t["components"], &body.header, &body.body)
        .map_err(|m| ApiError::Unprocessable { code: "TEMPLATE_PARAMS", message: m })?;
    Ok(HttpResponse::Ok().json(r))
}
