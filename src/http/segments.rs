//! `/api/v1/contacts/segments`: saved contact filters, their member counts
//! and previews (of a saved segment or of a rule being edited).

use crate::auth::{Manager, Reader};
use crate::http::error::ApiError;
use crate::http::valid::{not_blank, Valid};
use crate::segments::rule::Rule;
use crate::startup::AppState;
use crate::store::repo::segments::{Created, MAX_SEGMENTS};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// `POST /contacts/segments`.
#[derive(Deserialize, garde::Validate)]
pub struct NewSegment {
    #[garde(length(chars, max = 80), custom(not_blank))]
    name: String,
    #[garde(skip)]
    rule: Value,
}

/// `PATCH /contacts/segments/{id}`: either or both.
#[derive(Deserialize, garde::Validate)]
pub struct SegmentChange {
    #[serde(default)]
    #[garde(inner(length(chars, max = 80), custom(not_blank)))]
    name: Option<String>,
    #[serde(default)]
    #[garde(skip)]
    rule: Option<Value>,
}

/// `POST /contacts/segments/preview`.
#[derive(Deserialize)]
pub struct RuleBody {
    rule: Value,
}

fn rule(v: &Value) -> Result<Rule, ApiError> {
    Rule::parse(v).map_err(ApiError::validation)
}

/// Every segment with its member count.
pub async fn list(state: web::Data<AppState>, user: Reader) -> Result<HttpResponse, ApiError> {
    let segments = state.db.tenant(user.tenant_id).segments().list().await?;
    Ok(HttpResponse::Ok().json(json!({ "data": segments })))
}

/// Saves a segment.
pub async fn create(state: web::Data<AppState>, user: Manager, body: Valid<NewSegment>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let parsed = rule(&b.rule)?;
    let by = user.api_key.is_none().then_some(user.user_id);
    match state.db.tenant(user.tenant_id).segments().create(b.name.trim(), &parsed, by).await? {
        Created::Done(view) => Ok(HttpResponse::Created().json(view)),
        Created::TooMany => {
            Err(ApiError::validation(format!("an account keeps at most {MAX_SEGMENTS} segments; delete one you no longer use")))
        }
    }
}

/// One segment with its member count.
pub async fn get(state: web::Data<AppState>, user: Reader, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let view = state.db.tenant(user.tenant_id).segments().get(*path).await?.ok_or(ApiError::NotFound("segment"))?;
    Ok(HttpResponse::Ok().json(view))
}

/// Renames a segment or replaces its rule.
pub async fn update(
    state: web::Data<AppState>,
    user: Manager,
    path: web::Path<uuid::Uuid>,
    body: Valid<SegmentChange>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    if b.name.is_none() && b.rule.is_none() {
        return Err(ApiError::validation("send `name`, `rule` or both"));
    }
    let parsed = b.rule.as_ref().map(rule).transpose()?;
    let name = b.name.as_deref().map(str::trim);
    let view = state.db.tenant(user.tenant_id).segments().update(*path, name, parsed.as_ref()).await?;
    Ok(HttpResponse::Ok().json(view.ok_or(ApiError::NotFound("segment"))?))
}

/// Deletes a segment no draft or scheduled campaign uses.
pub async fn delete(state: web::Data<AppState>, user: Manager, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    if state.db.tenant(user.tenant_id).segments().delete(*path).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound("segment"))
    }
}

/// The member count and newest members of a rule being edited.
pub async fn preview_rule(state: web::Data<AppState>, user: Reader, body: web::Json<RuleBody>) -> Result<HttpResponse, ApiError> {
    let parsed = rule(&body.rule)?;
    Ok(HttpResponse::Ok().json(state.db.tenant(user.tenant_id).segments().preview(&parsed).await?))
}

/// The member count and newest members of a saved segment.
pub async fn preview(state: web::Data<AppState>, user: Reader, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let parsed = db.segments().rule(*path).await?.ok_or(ApiError::NotFound("segment"))?;
    Ok(HttpResponse::Ok().json(db.segments().preview(&parsed).await?))
}
