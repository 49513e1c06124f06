//! `/api/v1/flows`: chatbot flows in React Flow's JSON. Saved only when
//! valid (422 `FLOW_INVALID` with `details` naming each offending node or
//! edge), versioned on every change (runs keep their version), activated
//! and deactivated. Their runs are in [`super::flow_runs`], the sandbox in
//! [`super::flow_sandbox`].

use crate::auth::{AuthUser, Manager, Reader};
use crate::http::error::{ApiError, ErrorCode};
use crate::startup::AppState;
use crate::store::repo::flows::{FlowChange, FlowView, NewFlow};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};
use whatsflow_actors::flow::triggers::{TriggerMatch, TriggerType};
use whatsflow_actors::flow::{validate, Flow, FlowData};
use whatsflow_actors::ids::FlowId;

/// `POST /flows` and `PATCH /flows/{id}`.
#[derive(Deserialize)]
pub struct FlowInput {
    name: Option<String>,
    trigger_type: Option<String>,
    #[serde(default, deserialize_with = "crate::http::valid::double_option")]
    trigger_value: Option<Option<String>>,
    trigger_match: Option<String>,
    priority: Option<i32>,
    flow_data: Option<Value>,
    pause_on_agent_reply: Option<bool>,
    /// A bot message whose send outcome stays unknown past the grace is sent
    /// again (true) or only recorded as unconfirmed (false, the default).
    resend_unconfirmed: Option<bool>,
}

/// Checks flow data; 422 with every problem otherwise.
pub(crate) fn check_flow(data: &Value) -> Result<Flow, ApiError> {
    let size = serde_json::to_vec(data).map(|v| v.len()).unwrap_or(usize::MAX);
    if size > whatsflow_actors::flow::MAX_FLOW_JSON_BYTES {
        return Err(ApiError::PayloadTooLarge(format!(
            "flow_data is {size} bytes; a flow may be at most {} bytes (split it with jump nodes into smaller flows)",
            whatsflow_actors::flow::MAX_FLOW_JSON_BYTES
        )));
    }
    let parsed: FlowData = serde_json::from_value(data.clone()).map_err(|e| ApiError::Invalid {
        code: ErrorCode::FlowInvalid,
        message: format!(
            "flow_data must be {{nodes: [{{id, type, position, data}}], edges: [{{id, source, target, sourceHandle?}}]}}: {e}"
        ),
        details: json!([]),
    })?;
    validate(&parsed).map_err(|problems| ApiError::Invalid {
        code: ErrorCode::FlowInvalid,
        message: problems
            .iter()
            .map(|p| format!("{}: {}", p.node_id.as_deref().or(p.edge_id.as_deref()).unwrap_or("flow"), p.message))
            .collect::<Vec<_>>()
            .join("; "),
        details: json!(problems),
    })
}

fn check_trigger(kind: &str, value: Option<&str>, mode: &str) -> Result<(), ApiError> {
    let Some(kind) = TriggerType::parse(kind) else {
        let all: Vec<&str> = TriggerType::ALL.iter().map(|t| t.as_str()).collect();
        return Err(ApiError::validation(format!("`trigger_type` must be one of {}", all.join(", "))));
    };
    let Some(mode) = TriggerMatch::parse(mode) else {
        return Err(ApiError::validation("`trigger_match` must be exact, contains or regex"));
    };
    let value = value.map(str::trim).unwrap_or("");
    if matches!(kind, TriggerType::Keyword | TriggerType::Button) && value.is_empty() {
        return Err(ApiError::validation(format!(
            "a {} flow needs `trigger_value` (the {})",
            kind.as_str(),
            if kind == TriggerType::Keyword { "keyword or /regex/" } else { "button payload" }
        )));
    }
    let pattern = if value.len() > 2 && value.starts_with('/') && value.ends_with('/') {
        Some(&value[1..value.len() - 1])
    } else if mode == TriggerMatch::Regex {
        Some(value)
    } else {
        None
    };
    if let Some(p) = pattern {
        regex::RegexBuilder::new(p)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| ApiError::validation(format!("`trigger_value` is not a valid regex: {e}")))?;
    }
    Ok(())
}

/// Creates a flow (draft, version 1).
pub async fn create(state: web::Data<AppState>, user: Manager, body: web::Json<FlowInput>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let name = crate::http::auth::required_text("name", b.name.as_deref().unwrap_or(""), 200)?;
    let kind = b.trigger_type.unwrap_or_else(|| "manual".into());
    let value = b.trigger_value.flatten();
    let mode = b.trigger_match.unwrap_or_else(|| "exact".into());
    check_trigger(&kind, value.as_deref(), &mode)?;
    let data = b.flow_data.ok_or(ApiError::validation("`flow_data` is required"))?;
    check_flow(&data)?;
    let flow = state
        .db
        .tenant(user.tenant_id)
        .flows()
        .create(NewFlow {
            name,
            trigger_type: kind,
            trigger_value: value,
            trigger_match: mode,
            priority: b.priority.unwrap_or(0),
            flow_data: data,
            pause_on_agent_reply: b.pause_on_agent_reply.unwrap_or(true),
            resend_unconfirmed: b.resend_unconfirmed.unwrap_or(false),
        })
        .await?;
    Ok(HttpResponse::Created().json(flow))
}

/// The tenant's flows.
pub async fn list(state: web::Data<AppState>, user: Reader) -> Result<HttpResponse, ApiError> {
    let mut data = state.db.tenant(user.tenant_id).flows().list().await?;
    if !user.role.is_admin() {
        data.iter_mut().for_each(mask_secrets);
    }
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": null})))
}

/// Hides what api nodes send in their headers (credentials for the
/// business's own systems) from people who do not edit flows.
fn mask_secrets(flow: &mut FlowView) {
    let Some(nodes) = flow.flow_data["nodes"].as_array_mut() else { return };
    for node in nodes.iter_mut().filter(|n| n["type"] == "api") {
        if let Some(headers) = node["data"]["headers"].as_object_mut() {
            headers.values_mut().for_each(|v| *v = json!("••••••"));
        }
    }
}

pub(crate) async fn load(state: &AppState, user: &AuthUser, id: FlowId) -> Result<FlowView, ApiError> {
    state.db.tenant(user.tenant_id).flows().get(id).await?.ok_or(ApiError::NotFound("flow"))
}

/// One flow.
pub async fn get(state: web::Data<AppState>, user: Reader, path: web::Path<FlowId>) -> Result<HttpResponse, ApiError> {
    let mut flow = load(&state, &user, *path).await?;
    if !user.role.is_admin() {
        mask_secrets(&mut flow);
    }
    Ok(HttpResponse::Ok().json(flow))
}

/// Changes a flow; a new `flow_data` is a new version (live runs keep theirs).
pub async fn update(
    state: web::Data<AppState>,
    user: Manager,
    path: web::Path<FlowId>,
    body: web::Json<FlowInput>,
) -> Result<HttpResponse, ApiError> {
    let current = load(&state, &user, *path).await?;
    let b = body.into_inner();
    let kind = b.trigger_type.unwrap_or(current.trigger_type);
    let value = b.trigger_value.unwrap_or(current.trigger_value);
    let mode = b.trigger_match.unwrap_or(current.trigger_match);
    check_trigger(&kind, value.as_deref(), &mode)?;
    let name = b.name.as_deref().map(|n| crate::http::auth::required_text("name", n, 200)).transpose()?;
    if let Some(d) = &b.flow_data {
        check_flow(d)?;
    }
    let change = FlowChange {
        name,
        trigger_type: kind,
        trigger_value: value,
        trigger_match: mode,
        priority: b.priority,
        flow_data: b.flow_data,
        pause_on_agent_reply: b.pause_on_agent_reply,
        resend_unconfirmed: b.resend_unconfirmed,
    };
    let flow = state.db.tenant(user.tenant_id).flows().update(*path, &change).await?.ok_or(ApiError::NotFound("flow"))?;
    state.forget(crate::cluster::forget::Forget::Flows(user.tenant_id));
    Ok(HttpResponse::Ok().json(flow))
}

/// `PATCH /flows/{id}/status`.
#[derive(Deserialize)]
pub struct StatusInput {
    status: String,
}

/// Activates (validating again), deactivates or returns a flow to draft.
pub async fn set_status(
    state: web::Data<AppState>,
    user: Manager,
    path: web::Path<FlowId>,
    body: web::Json<StatusInput>,
) -> Result<HttpResponse, ApiError> {
    if !["draft", "active", "inactive"].contains(&body.status.as_str()) {
        return Err(ApiError::validation("`status` must be draft, active or inactive"));
    }
    let current = load(&state, &user, *path).await?;
    if body.status == "active" {
        check_flow(&current.flow_data)?;
        check_trigger(&current.trigger_type, current.trigger_value.as_deref(), &current.trigger_match)?;
    }
    let flow = state.db.tenant(user.tenant_id).flows().set_status(*path, &body.status).await?.ok_or(ApiError::NotFound("flow"))?;
    state.forget(crate::cluster::forget::Forget::Flows(user.tenant_id));
    Ok(HttpResponse::Ok().json(flow))
}

/// Deletes a flow with no live runs (deactivate it first otherwise).
pub async fn delete(state: web::Data<AppState>, user: Manager, path: web::Path<FlowId>) -> Result<HttpResponse, ApiError> {
    let deleted = state.db.tenant(user.tenant_id).flows().delete(*path).await?;
    state.forget(crate::cluster::forget::Forget::Flows(user.tenant_id));
    if !deleted {
        return Err(ApiError::NotFound("flow"));
    }
    Ok(HttpResponse::NoContent().finish())
}
