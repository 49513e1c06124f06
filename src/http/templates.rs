//! `/api/v1/templates`: message templates. Drafts are checked against Meta's
//! rules (422 lists every problem with where it is), submitted to Meta with
//! the channel's token, kept in sync from Meta's list and from
//! `message_template_status_update` webhooks, and previewed with parameters.

use crate::auth::{AuthUser, Manager, Reader};
use crate::http::error::{ApiError, ErrorCode};
use crate::startup::AppState;
use crate::store::repo::templates::{NewTemplate, Submitted, Template};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};
use whatsflow_actors::ids::TemplateId;
use whatsflow_actors::outbound::SendError;
use whatsflow_actors::ports::ChannelRef;
use whatsflow_actors::template;

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
    ApiError::Unprocessable { code: ErrorCode::TemplateInvalid, message: list.join("; ") }
}

/// A channel of the tenant on `waba_id` (whose token speaks for the WABA).
async fn waba_channel(state: &AppState, user: &AuthUser, waba_id: Option<&str>) -> Result<(ChannelRef, String), ApiError> {
    state.db.tenant(user.tenant_id).channels().of_waba(waba_id).await?.ok_or(ApiError::Unprocessable {
        code: ErrorCode::NoChannel,
        message: "connect a WhatsApp number of this WhatsApp Business Account first (POST /api/v1/channels)".into(),
    })
}

/// List query.
#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
}

/// The tenant's templates (filter by status, e.g. APPROVED).
pub async fn list(state: web::Data<AppState>, user: Reader, q: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    let data = state.db.tenant(user.tenant_id).templates().list(q.status.as_deref()).await?;
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
    let created =
        state.db.tenant(user.tenant_id).templates().create(NewTemplate { waba_id: waba, name, language, category, components }).await?;
    Ok(HttpResponse::Created().json(created))
}

async fn load(state: &AppState, user: &AuthUser, id: TemplateId) -> Result<Template, ApiError> {
    state.db.tenant(user.tenant_id).templates().get(id).await?.ok_or(ApiError::NotFound("template"))
}

/// One template.
pub async fn get(state: web::Data<AppState>, user: Reader, path: web::Path<TemplateId>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(load(&state, &user, *path).await?))
}

/// Edits a draft or a rejected template (it becomes a draft again).
pub async fn update(
    state: web::Data<AppState>,
    user: Manager,
    path: web::Path<TemplateId>,
    body: web::Json<TemplateInput>,
) -> Result<HttpResponse, ApiError> {
    let current = load(&state, &user, *path).await?;
    let locked = |status: &str| ApiError::Conflict {
        code: ErrorCode::TemplateLocked,
        message: format!("a {status} template cannot be edited; create a new one"),
    };
    if !current.editable() {
        return Err(locked(&current.status));
    }
    let b = body.into_inner();
    let category = b.category.map(|c| c.to_uppercase()).or(current.category.clone()).unwrap_or_default();
    let components = b.components.unwrap_or_else(|| current.components.clone());
    template::validate(&current.name, &current.language, &category, &components).map_err(invalid)?;
    let templates = state.db.tenant(user.tenant_id).templates();
    let Some(changed) = templates.redraft(*path, &category, &components).await? else {
        // Submitted or deleted meanwhile: the guarded update refused.
        return Err(match templates.get(*path).await? {
            Some(now) => locked(&now.status),
            None => ApiError::NotFound("template"),
        });
    };
    Ok(HttpResponse::Ok().json(changed))
}

/// Deletes a template here (tenant admins only).
pub async fn delete(state: web::Data<AppState>, user: Manager, path: web::Path<TemplateId>) -> Result<HttpResponse, ApiError> {
    if !state.db.tenant(user.tenant_id).templates().delete(*path).await? {
        return Err(ApiError::NotFound("template"));
    }
    Ok(HttpResponse::NoContent().finish())
}

fn meta_error(e: SendError) -> ApiError {
    match e {
        SendError::Permanent { code, title, details } => ApiError::Unprocessable {
            code: ErrorCode::MetaRejected,
            message: format!("Meta refused it ({code}): {title}{}", details.map(|d| format!(" — {d}")).unwrap_or_default()),
        },
        SendError::Retryable { title, .. } | SendError::Ambiguous(title) => {
            ApiError::Unavailable(format!("Meta could not be reached: {title}; retry"))
        }
    }
}

/// Submits a draft to Meta for review (tenant admins only).
pub async fn submit(state: web::Data<AppState>, user: Manager, path: web::Path<TemplateId>) -> Result<HttpResponse, ApiError> {
    let t = load(&state, &user, *path).await?;
    if t.status != "DRAFT" {
        return Err(ApiError::Conflict {
            code: ErrorCode::TemplateLocked,
            message: format!("only drafts are submitted; this one is {}", t.status),
        });
    }
    let (channel, waba) = waba_channel(&state, &user, Some(&t.waba_id)).await?;
    let body = json!({"name": t.name, "language": t.language, "category": t.category, "components": t.components});
    let answer = state.graph.create_template(&channel, &waba, &body).await.map_err(meta_error)?;
    let submitted = Submitted {
        meta_id: answer["id"].as_str().map(str::to_owned).or_else(|| answer["id"].as_u64().map(|n| n.to_string())),
        status: answer["status"].as_str().unwrap_or("PENDING").to_uppercase(),
        category: answer["category"].as_str().map(str::to_owned),
    };
    let stored = state.db.tenant(user.tenant_id).templates().submitted(*path, &submitted).await?.ok_or(ApiError::NotFound("template"))?;
    Ok(HttpResponse::Ok().json(stored))
}

/// Pulls every template of the tenant's WABAs from Meta (status, components).
pub async fn sync(state: web::Data<AppState>, user: Manager) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let wabas = db.channels().wabas().await?;
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
        db.templates().merge_from_meta(&waba, rows).await?;
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
    path: web::Path<TemplateId>,
    body: web::Json<PreviewInput>,
) -> Result<HttpResponse, ApiError> {
    let t = load(&state, &user, *path).await?;
    let r = template::render(&t.components, &body.header, &body.body)
        .map_err(|m| ApiError::Unprocessable { code: ErrorCode::TemplateParams, message: m })?;
    Ok(HttpResponse::Ok().json(r))
}
