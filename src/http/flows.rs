//! `/api/v1/flows`: chatbot flows in React Flow's JSON. Saved only when
//! valid (422 `FLOW_INVALID` with `details` naming each offending node or
//! edge), versioned on every change (runs keep their version), activated
//! and deactivated, observed (executions, analytics), tried in a sandbox
//! (`/test`: a transcript, no message reaches Meta), and started by hand.

use crate::auth::{AuthUser, Manager, Reader, Writer};
use crate::http::error::{ApiError, ErrorCode};
use crate::startup::AppState;
use crate::store::repo::flows::{FlowChange, FlowView, NewFlow};
use crate::store::visibility::Visibility;
use actix_web::{web, HttpResponse};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::time::Duration;
use whatsflow_actors::conversation::ConversationWork;
use whatsflow_actors::flow::actor::FlowControl;
use whatsflow_actors::flow::interpret::{message_facts, RunContext};
use whatsflow_actors::flow::run::{drive, Effects, RunRecord, Trigger, Waiting};
use whatsflow_actors::flow::triggers::{TriggerMatch, TriggerType};
use whatsflow_actors::flow::{validate, Flow, FlowData};
use whatsflow_actors::tenant::ConversationCommand;

/// `POST /flows` and `PATCH /flows/{id}`.
#[derive(Deserialize)]
pub struct FlowInput {
    name: Option<String>,
    trigger_type: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    trigger_value: Option<Option<String>>,
    trigger_match: Option<String>,
    priority: Option<i32>,
    flow_data: Option<Value>,
    pause_on_agent_reply: Option<bool>,
    /// A bot message whose send outcome stays unknown past the grace is sent
    /// again (true) or only recorded as unconfirmed (false, the default).
    resend_unconfirmed: Option<bool>,
}

fn double_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

/// Checks flow data; 422 with every problem otherwise.
fn check_flow(data: &Value) -> Result<Flow, ApiError> {
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

async fn load(state: &AppState, user: &AuthUser, id: uuid::Uuid) -> Result<FlowView, ApiError> {
    state.db.tenant(user.tenant_id).flows().get(id).await?.ok_or(ApiError::NotFound("flow"))
}

/// One flow.
pub async fn get(state: web::Data<AppState>, user: Reader, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
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
    path: web::Path<uuid::Uuid>,
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
    state.flows.invalidate(user.tenant_id);
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
    path: web::Path<uuid::Uuid>,
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
    state.flows.invalidate(user.tenant_id);
    Ok(HttpResponse::Ok().json(flow))
}

/// Deletes a flow with no live runs (deactivate it first otherwise).
pub async fn delete(state: web::Data<AppState>, user: Manager, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let deleted = state.db.tenant(user.tenant_id).flows().delete(*path).await?;
    state.flows.invalidate(user.tenant_id);
    if !deleted {
        return Err(ApiError::NotFound("flow"));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Runs of a flow, newest first, with the path each took.
pub async fn executions(state: web::Data<AppState>, user: Reader, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    load(&state, &user, *path).await?;
    // Agents see the runs of the conversations they may see, no others.
    let data = state.db.tenant(user.tenant_id).flows().runs(*path, Visibility::of(&user)).await?;
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": null})))
}

/// Starts, completions and where runs stop (drop-off per node).
pub async fn analytics(state: web::Data<AppState>, user: Reader, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    load(&state, &user, *path).await?;
    let stats = state.db.tenant(user.tenant_id).flows().stats(*path).await?;
    let (counts, drops, visits) = (stats.by_status, stats.drop_off, stats.visits);
    let count = |s: &str| counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
    let starts: i64 = counts.iter().map(|(_, n)| n).sum();
    Ok(HttpResponse::Ok().json(json!({
        "starts": starts, "completions": count("completed"), "failed": count("failed"), "stopped": count("stopped"),
        "active": count("running") + count("waiting") + count("paused"),
        "completion_rate": if starts > 0 { count("completed") as f64 / starts as f64 } else { 0.0 },
        "drop_off": drops.iter().map(|(node, n)| json!({"node_id": node, "runs": n})).collect::<Vec<_>>(),
        "visits": visits.iter().map(|(node, n)| json!({"node_id": node, "runs": n})).collect::<Vec<_>>(),
    })))
}

/// `POST /flows/{id}/test`.
#[derive(Deserialize)]
pub struct TestInput {
    /// Customer messages, in order (text, or `{type, text, reply_id}`).
    #[serde(default)]
    messages: Vec<Value>,
    /// The pretend customer: name, phone, tags, fields.
    #[serde(default)]
    contact: Option<Map<String, Value>>,
}

/// The sandbox: a transcript; api and webhook nodes are called for real,
/// nothing is sent to Meta, nothing is stored.
struct Sandbox<'a> {
    transcript: Vec<Value>,
    state: &'a AppState,
    now: DateTime<Utc>,
}

#[async_trait]
impl Effects for Sandbox<'_> {
    async fn persist(&mut self, _: &RunRecord) -> Result<(), String> {
        Ok(())
    }
    async fn send(&mut self, kind: &str, content: &Value, _: &str) -> Result<(), String> {
        whatsflow_actors::send::validate(kind, content)?;
        self.transcript.push(json!({"from": "bot", "type": kind, "content": content}));
        Ok(())
    }
    async fn api(
        &mut self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<&Value>,
        timeout_ms: u64,
    ) -> Result<Value, String> {
        let r = self.state.router.deps().flow_http.call(method, url, headers, body, timeout_ms).await;
        self.transcript.push(json!({"from": "system", "action": "api", "url": url, "ok": r.is_ok(), "error": r.as_ref().err()}));
        r
    }
    async fn webhook(&mut self, url: &str, _: &Value) -> Result<(), String> {
        self.transcript.push(json!({"from": "system", "action": "webhook", "url": url, "sent": false}));
        Ok(())
    }
    async fn assign(&mut self, agent_id: Option<&str>, team: Option<&str>, strategy: &str) -> Result<(), String> {
        self.transcript.push(json!({"from": "system", "action": "assign", "agent_id": agent_id, "team": team, "strategy": strategy}));
        Ok(())
    }
    async fn tag(&mut self, add: &[String], remove: &[String]) -> Result<(), String> {
        self.transcript.push(json!({"from": "system", "action": "tag", "add": add, "remove": remove}));
        Ok(())
    }
    async fn set_field(&mut self, field: &str, value: &Value) -> Result<(), String> {
        self.transcript.push(json!({"from": "system", "action": "set_field", "field": field, "value": value}));
        Ok(())
    }
    async fn handoff(&mut self, note: Option<&str>) -> Result<(), String> {
        self.transcript.push(json!({"from": "system", "action": "handoff", "note": note}));
        Ok(())
    }
    fn now(&self) -> DateTime<Utc> {
        self.now
    }
}

/// Runs a flow against scripted customer messages and returns the transcript.
pub async fn test(
    state: web::Data<AppState>,
    user: Manager,
    path: web::Path<uuid::Uuid>,
    body: web::Json<TestInput>,
) -> Result<HttpResponse, ApiError> {
    let current = load(&state, &user, *path).await?;
    let flow = check_flow(&current.flow_data)?;
    let mut fx = Sandbox { transcript: Vec::new(), state: &state, now: Utc::now() };
    let contact = body.contact.clone().unwrap_or_else(|| {
        json!({"name": "Test customer", "phone": "+10000000000", "tags": [], "fields": {}}).as_object().cloned().unwrap_or_default()
    });
    let mut ctx = RunContext { contact, vars: Map::new(), message: None };
    let mut run = RunRecord::new(*path, current.version, &flow);
    run = fast_forward(&flow, drive(&flow, run, &mut ctx, Trigger::Go, &mut fx).await, &mut ctx, &mut fx).await;
    for m in &body.messages {
        let facts = match m {
            Value::String(t) => message_facts("text", &json!({"body": t})),
            other => json!({"type": other["type"].as_str().unwrap_or("text"), "text": other["text"], "reply_id": other["reply_id"]}),
        };
        fx.transcript.push(json!({"from": "customer", "text": facts["text"], "reply_id": facts["reply_id"]}));
        if !run.status.is_active() {
            fx.transcript.push(json!({"from": "system", "action": "ignored", "reason": "the run has ended"}));
            continue;
        }
        run = drive(&flow, run, &mut ctx, Trigger::Message(facts), &mut fx).await;
        run = fast_forward(&flow, run, &mut ctx, &mut fx).await;
    }
    Ok(HttpResponse::Ok().json(json!({
        "status": run.status, "path": run.path, "vars": run.vars, "error": run.error, "waiting": run.waiting, "transcript": fx.transcript,
    })))
}

/// In the sandbox, delays pass at once.
async fn fast_forward(flow: &Flow, mut run: RunRecord, ctx: &mut RunContext, fx: &mut Sandbox<'_>) -> RunRecord {
    for _ in 0..50 {
        match &run.waiting {
            Some(Waiting::Delay { until, .. }) => {
                let until = *until;
                fx.transcript.push(json!({"from": "system", "action": "delay", "skipped_to": until}));
                fx.now = until;
                run = drive(flow, run, ctx, Trigger::Timer(until), fx).await;
            }
            _ => break,
        }
    }
    run
}

/// `POST /flows/{id}/start`.
#[derive(Deserialize)]
pub struct StartInput {
    conversation_id: uuid::Uuid,
}

/// Starts a flow in a conversation by hand.
pub async fn start(
    state: web::Data<AppState>,
    user: Writer,
    path: web::Path<uuid::Uuid>,
    body: web::Json<StartInput>,
) -> Result<HttpResponse, ApiError> {
    let target = crate::http::messages::target(&state, &user, body.conversation_id).await?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    state.router.command(ConversationCommand {
        channel: target.channel,
        contact_id: target.contact_id,
        work: ConversationWork::StartFlow { flow_id: *path, reply: Some(tx) },
    });
    let run = tokio::time::timeout(Duration::from_secs(15), rx)
        .await
        .map_err(|_| ApiError::Unavailable("the conversation did not answer in time; retry".into()))?
        .map_err(|_| ApiError::Unavailable("the conversation could not start the flow now; retry".into()))?
        .map_err(|m| ApiError::Conflict { code: ErrorCode::FlowNotStarted, message: m })?;
    Ok(HttpResponse::Created().json(json!({"run_id": run, "flow_id": *path, "conversation_id": body.conversation_id})))
}

/// `POST /conversations/{id}/flow`.
#[derive(Deserialize)]
pub struct ControlInput {
    action: String,
}

/// Pauses, resumes or stops the conversation's bot.
pub async fn control(
    state: web::Data<AppState>,
    user: Writer,
    path: web::Path<uuid::Uuid>,
    body: web::Json<ControlInput>,
) -> Result<HttpResponse, ApiError> {
    let control = match body.action.as_str() {
        "pause" => FlowControl::Pause,
        "resume" => FlowControl::Resume,
        "stop" => FlowControl::Stop,
        _ => return Err(ApiError::validation("`action` must be pause, resume or stop")),
    };
    let target = crate::http::messages::target(&state, &user, *path).await?;
    state.router.command(ConversationCommand {
        channel: target.channel,
        contact_id: target.contact_id,
        work: ConversationWork::Flow(control),
    });
    Ok(HttpResponse::Accepted().json(json!({"conversation_id": *path, "action": body.action})))
}
