//! `POST /flows/{id}/test`: the sandbox. A flow runs against scripted
//! customer messages and answers a transcript; api nodes are called for
//! real (through the egress client), nothing reaches Meta, nothing is
//! stored, delays pass at once.

use crate::auth::Manager;
use crate::http::error::ApiError;
use crate::http::flows::{check_flow, load};
use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use whatsflow_actors::flow::interpret::{message_facts, RunContext};
use whatsflow_actors::flow::run::{drive, Effects, RunRecord, Trigger, Waiting};
use whatsflow_actors::flow::Flow;
use whatsflow_actors::ids::FlowId;

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
    async fn enroll(&mut self, campaign_id: &str) -> Result<(), String> {
        // A test run enrols nobody: it says what the live run would do.
        self.transcript.push(json!({"from": "system", "action": "enroll", "campaign_id": campaign_id}));
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
    path: web::Path<FlowId>,
    body: web::Json<TestInput>,
) -> Result<HttpResponse, ApiError> {
    let current = load(&state, &user, *path).await?;
    let flow = check_flow(&current.flow_data)?;
    let mut fx = Sandbox { transcript: Vec::new(), state: &state, now: Utc::now() };
    let contact = body.contact.clone().unwrap_or_else(|| {
        json!({"name": "Test customer", "phone": "+10000000000", "tags": [], "fields": {}}).as_object().cloned().unwrap_or_default()
    });
    let mut ctx = RunContext { contact, vars: Map::new(), message: None };
    let mut run = RunRecord::new(path.0, current.version, &flow);
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
