//! `/api/v1/automations`: rules that act on the account's events. A rule
//! is `{"name", "event", "minutes"?, "conditions": {"all": [...], "any":
//! [...]}, "actions": [...], "enabled"?, "position"?}`; `GET
//! /automations/catalog` lists the events, condition fields and operators,
//! and actions. Each rule keeps a log of what it did. Managed by admins
//! and write-scoped API keys.

use crate::auth::Manager;
use crate::automations::{sources, validate, Action, Conditions, RULE_EVENTS};
use crate::http::error::ApiError;
use crate::http::pagination;
use crate::startup::AppState;
use crate::store::repo::automations::{RuleCreated, RuleFields};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// A rule as posted.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleBody {
    name: String,
    event: String,
    #[serde(default)]
    minutes: Option<i32>,
    #[serde(default)]
    conditions: Option<Value>,
    actions: Value,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    position: Option<i32>,
}

/// `?cursor=&limit=`.
#[derive(Deserialize)]
pub struct LogQuery {
    cursor: Option<String>,
    limit: Option<i64>,
}

fn fields(body: RuleBody) -> Result<RuleFields, ApiError> {
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(ApiError::validation("`name` must be 1 to 120 characters"));
    }
    let conditions: Conditions = match body.conditions.clone() {
        None | Some(Value::Null) => Conditions::default(),
        Some(v) => serde_json::from_value(v).map_err(|e| {
            ApiError::validation(format!("`conditions` must be {{\"all\": [...], \"any\": [...]}} of {{field, op, value}}: {e}"))
        })?,
    };
    let actions: Vec<Action> = serde_json::from_value(body.actions.clone()).map_err(|e| {
        ApiError::validation(format!("`actions` must be a list of {{\"type\": ...}} actions (GET /api/v1/automations/catalog): {e}"))
    })?;
    validate(&body.event, body.minutes, &conditions, &actions).map_err(ApiError::validation)?;
    Ok(RuleFields {
        name,
        sources: sources(&body.event).iter().map(|s| (*s).to_owned()).collect(),
        event: body.event,
        minutes: body.minutes,
        conditions: serde_json::to_value(&conditions).map_err(|e| ApiError::Internal(e.into()))?,
        actions: serde_json::to_value(&actions).map_err(|e| ApiError::Internal(e.into()))?,
        enabled: body.enabled.unwrap_or(true),
        position: body.position.unwrap_or(0),
    })
}

/// What rules can listen to, test and do.
pub async fn catalog(_user: Manager) -> Result<HttpResponse, ApiError> {
    let events: Vec<Value> = RULE_EVENTS.iter().map(|(e, d)| json!({"event": e, "description": d})).collect();
    Ok(HttpResponse::Ok().json(json!({
        "events": events,
        "fields": ["message.text", "message.type", "contact.name", "contact.phone", "contact.tags", "contact.<custom field>",
                   "conversation.status", "conversation.tags", "conversation.priority", "conversation.channel_id",
                   "conversation.team_id", "conversation.assignee_id", "business_hours", "tag", "rating", "breach", "message.error_code"],
        "operators": ["eq", "neq", "contains", "not_contains", "regex", "in", "exists", "not_exists", "gt", "lt"],
        "actions": [
            {"type": "assign", "fields": ["agent_id | team_id"]}, {"type": "tag", "fields": ["add", "remove", "target: conversation|contact"]},
            {"type": "set_status", "fields": ["status"]}, {"type": "set_priority", "fields": ["priority: low|normal|high|urgent"]},
            {"type": "send_message", "fields": ["text"]}, {"type": "send_template", "fields": ["name", "language", "components"]},
            {"type": "start_flow", "fields": ["flow_id"]}, {"type": "enroll_in_sequence", "fields": ["campaign_id"]},
            {"type": "add_note", "fields": ["text"]},
            {"type": "call_webhook", "fields": ["url"]}, {"type": "notify", "fields": ["text", "user_ids"]},
        ],
    })))
}

/// Every rule, in order.
pub async fn list(state: web::Data<AppState>, user: Manager) -> Result<HttpResponse, ApiError> {
    let data = state.db.tenant(user.tenant_id).automations().list().await?;
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": null})))
}

/// One rule.
pub async fn get(state: web::Data<AppState>, user: Manager, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let rule = state.db.tenant(user.tenant_id).automations().get(*path).await?.ok_or(ApiError::NotFound("automation"))?;
    Ok(HttpResponse::Ok().json(rule))
}

/// Creates a rule.
pub async fn create(state: web::Data<AppState>, user: Manager, body: web::Json<RuleBody>) -> Result<HttpResponse, ApiError> {
    // A rule outlives an operator's view of the account (and can send its data out).
    crate::http::security::not_impersonating(&user)?;
    let f = fields(body.into_inner())?;
    let rule = match state.db.tenant(user.tenant_id).automations().create(f, user.user_id).await? {
        RuleCreated::Done(r) => r,
        RuleCreated::TooMany => {
            return Err(ApiError::validation(format!("an account has at most {} automation rules", crate::automations::MAX_RULES)))
        }
    };
    state.webhook_interest.forget(user.tenant_id);
    let entry = crate::audit::Entry::by(&user, "automation.created")
        .target(format!("automation:{}", rule.id))
        .change(None, Some(json!({"name": rule.name, "event": rule.event})));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Created().json(rule))
}

/// Replaces a rule.
pub async fn update(
    state: web::Data<AppState>,
    user: Manager,
    path: web::Path<uuid::Uuid>,
    body: web::Json<RuleBody>,
) -> Result<HttpResponse, ApiError> {
    crate::http::security::not_impersonating(&user)?;
    let f = fields(body.into_inner())?;
    let rule = state.db.tenant(user.tenant_id).automations().update(*path, f).await?.ok_or(ApiError::NotFound("automation"))?;
    state.webhook_interest.forget(user.tenant_id);
    let entry = crate::audit::Entry::by(&user, "automation.updated")
        .target(format!("automation:{}", rule.id))
        .change(None, Some(json!({"name": rule.name, "enabled": rule.enabled})));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().json(rule))
}

/// Deletes a rule and its log.
pub async fn delete(state: web::Data<AppState>, user: Manager, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    if !state.db.tenant(user.tenant_id).automations().delete(*path).await? {
        return Err(ApiError::NotFound("automation"));
    }
    state.webhook_interest.forget(user.tenant_id);
    state.db.audit().append(crate::audit::Entry::by(&user, "automation.deleted").target(format!("automation:{}", *path))).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What a rule did, newest first (paginated).
pub async fn logs(
    state: web::Data<AppState>,
    user: Manager,
    path: web::Path<uuid::Uuid>,
    q: web::Query<LogQuery>,
) -> Result<HttpResponse, ApiError> {
    let rules = state.db.tenant(user.tenant_id).automations();
    rules.get(*path).await?.ok_or(ApiError::NotFound("automation"))?;
    let page = state
        .db
        .tenant(user.tenant_id)
        .automations()
        .logs(*path, pagination::cursor(q.cursor.as_deref())?, pagination::limit(q.limit)?)
        .await?;
    Ok(pagination::page_response(page))
}
