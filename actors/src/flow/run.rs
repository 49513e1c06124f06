//! Driving a flow run: `drive` executes nodes from the cursor until the run
//! has to wait (a reply, an input, a delay, a person), persisting the cursor
//! before each side effect. Effects go through an [`Effects`] executor: the
//! live one (the [`FlowRun`] actor: real sends through the conversation,
//! real HTTP) or the sandbox of `POST /flows/{id}/test` (a transcript).

use super::interpret::{self, Effect, RunContext, Then};
use super::spec::{NodeSpec, Pattern, PatternError};
use super::Flow;
use crate::ids::{ContactId, ConversationId, TenantId};
use crate::ports::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Most nodes one drive executes before it stops the run as looping.
pub const MAX_STEPS_PER_DRIVE: usize = 200;

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Executing nodes.
    Running,
    /// Waiting for the customer or a timer.
    Waiting,
    /// Handed to people, or paused by an agent's reply.
    Paused,
    /// Reached an end.
    Completed,
    /// Stopped by an error (kept with its reason).
    Failed,
    /// Stopped by an agent.
    Stopped,
}

impl RunStatus {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Waiting => "waiting",
            Self::Paused => "paused",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Stopped => "stopped",
        }
    }

    /// Whether the run still holds its conversation.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Running | Self::Waiting | Self::Paused)
    }
}

/// What a waiting run waits for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Waiting {
    /// A button or list reply.
    Reply {
        /// The node.
        node: String,
    },
    /// An answer to an input node.
    Input {
        /// The node.
        node: String,
        /// Asks left.
        retries: u32,
        /// When the timeout branch is taken.
        until: Option<DateTime<Utc>>,
    },
    /// A delay.
    Delay {
        /// The node.
        node: String,
        /// When it ends.
        until: DateTime<Utc>,
    },
}

impl Waiting {
    /// When a timer must fire.
    pub fn until(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Input { until, .. } => *until,
            Self::Delay { until, .. } => Some(*until),
            Self::Reply { .. } => None,
        }
    }
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Its id.
    pub id: uuid::Uuid,
    /// The flow.
    pub flow_id: uuid::Uuid,
    /// The flow version it runs (edits never touch it).
    pub version: i32,
    /// Status.
    pub status: RunStatus,
    /// The node to execute next (or being waited on).
    pub cursor: Option<String>,
    /// Variables.
    pub vars: Map<String, Value>,
    /// What it waits for.
    pub waiting: Option<Waiting>,
    /// Nodes executed, in order.
    pub path: Vec<String>,
    /// Steps taken: the idempotency key of each side effect.
    pub step: i64,
    /// Why it failed.
    pub error: Option<String>,
}

impl RunRecord {
    /// A fresh run at the flow's start.
    pub fn new(flow_id: uuid::Uuid, version: i32, flow: &Flow) -> Self {
        Self {
            id: uuid::Uuid::now_v7(),
            flow_id,
            version,
            status: RunStatus::Running,
            cursor: Some(flow.start.clone()),
            vars: Map::new(),
            waiting: None,
            path: Vec::new(),
            step: 0,
            error: None,
        }
    }
}

/// What wakes a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// Begin at the start node (or continue from the cursor).
    Go,
    /// The customer wrote (`interpret::message_facts`).
    Message(Value),
    /// A timer fired.
    Timer(DateTime<Utc>),
}

/// Performs a run's side effects.
#[async_trait]
pub trait Effects: Send {
    /// Persists the run (before each side effect).
    async fn persist(&mut self, run: &RunRecord) -> Result<(), String>;
    /// Sends a message; `key` makes a re-executed step send once.
    async fn send(&mut self, kind: &str, content: &Value, key: &str) -> Result<(), String>;
    /// Calls an API: its JSON answer, or why not.
    async fn api(
        &mut self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<&Value>,
        timeout_ms: u64,
    ) -> Result<Value, String>;
    /// Posts the run's context (best effort).
    async fn webhook(&mut self, url: &str, body: &Value) -> Result<(), String>;
    /// Assigns the conversation.
    async fn assign(&mut self, agent_id: Option<&str>, team: Option<&str>, strategy: &str) -> Result<(), String>;
    /// Changes the contact's tags.
    async fn tag(&mut self, add: &[String], remove: &[String]) -> Result<(), String>;
    /// Sets a contact field.
    async fn set_field(&mut self, field: &str, value: &Value) -> Result<(), String>;
    /// Hands the conversation to people.
    async fn handoff(&mut self, note: Option<&str>) -> Result<(), String>;
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// `now` plus `seconds`, or why not: checked, so a huge wait (say, in a flow
/// stored before waits were bounded) fails the run instead of panicking.
fn deadline(now: DateTime<Utc>, seconds: u64) -> Result<DateTime<Utc>, String> {
    i64::try_from(seconds)
        .ok()
        .and_then(Duration::try_seconds)
        .and_then(|d| now.checked_add_signed(d))
        .ok_or_else(|| format!("a wait of {seconds} seconds is out of range"))
}

/// Fails the run and records it (best effort): a failed run must not stay
/// `running` in the store, or a restart would resume it at the failed node.
async fn failed(run: RunRecord, why: String, fx: &mut dyn Effects) -> RunRecord {
    let run = fail(run, why);
    if let Err(e) = fx.persist(&run).await {
        tracing::warn!(run_id = %run.id, error = %e, "a failed run could not be recorded; it is retried when its conversation reloads");
    }
    run
}

fn fail(mut run: RunRecord, why: String) -> RunRecord {
    run.status = RunStatus::Failed;
    run.error = Some(why);
    run.waiting = None;
    run
}

/// Resolves what the run waits for with a trigger; false when the trigger
/// does not concern the run (e.g. a reply matching no button).
fn resolve_wait(flow: &Flow, run: &mut RunRecord, ctx: &mut RunContext, trigger: &Trigger) -> Result<bool, Option<(String, Value)>> {
    let Some(waiting) = run.waiting.clone() else {
        return Ok(matches!(trigger, Trigger::Go));
    };
    match (&waiting, trigger) {
        (Waiting::Reply { node }, Trigger::Message(m)) => {
            let Some(spec) = flow.spec(node) else { return Ok(false) };
            match interpret::branch_for_reply(flow, node, spec, m) {
                Some(next) => {
                    run.cursor = next;
                    run.waiting = None;
                    Ok(true)
                }
                None => Ok(false),
            }
        }
        (Waiting::Input { node, retries, until }, Trigger::Message(m)) => {
            let Some(NodeSpec::Input(input)) = flow.spec(node) else { return Ok(false) };
            match interpret::validate_input(input, m) {
                Some(value) => {
                    run.vars.insert(input.variable.clone(), value);
                    ctx.vars = run.vars.clone();
                    run.cursor = flow.next(node, Some("ok")).or_else(|| flow.next(node, None)).map(str::to_owned);
                    run.waiting = None;
                    Ok(true)
                }
                None if *retries > 0 => {
                    run.waiting = Some(Waiting::Input { node: node.clone(), retries: retries - 1, until: *until });
                    let again = input.retry_prompt.as_deref().unwrap_or(&input.prompt);
                    Err(Some(("text".to_owned(), json!({"body": interpret::interpolate(again, ctx)}))))
                }
                None => {
                    run.cursor = flow.next(node, Some("invalid")).map(str::to_owned);
                    run.waiting = None;
                    Ok(true)
                }
            }
        }
        (Waiting::Input { node, until: Some(until), .. }, Trigger::Timer(now)) if now >= until => {
            run.cursor = flow.next(node, Some("timeout")).map(str::to_owned);
            run.waiting = None;
            Ok(true)
        }
        (Waiting::Delay { node, until }, Trigger::Timer(now)) if now >= until => {
            run.cursor = flow.next(node, None).map(str::to_owned);
            run.waiting = None;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Drives a run until it waits or ends. The cursor is persisted before
/// every side effect; the returned record is the run's new state.
pub async fn drive(flow: &Flow, mut run: RunRecord, ctx: &mut RunContext, trigger: Trigger, fx: &mut dyn Effects) -> RunRecord {
    if !run.status.is_active() || (run.status == RunStatus::Paused && trigger != Trigger::Go) {
        return run;
    }
    if let Trigger::Message(m) = &trigger {
        ctx.message = Some(m.clone());
    }
    ctx.vars = run.vars.clone();
    match resolve_wait(flow, &mut run, ctx, &trigger) {
        Ok(true) => {}
        Ok(false) => return run,
        Err(reprompt) => {
            // A wrong answer: ask again, once per retry.
            run.step += 1;
            if let Err(e) = fx.persist(&run).await {
                return fail(run, format!("could not save the run: {e}"));
            }
            if let Some((kind, content)) = reprompt {
                if let Err(e) = fx.send(&kind, &content, &format!("{}:{}", run.id, run.step)).await {
                    return failed(run, format!("re-prompt not sent: {e}"), fx).await;
                }
            }
            return run;
        }
    }
    run.status = RunStatus::Running;
    for _ in 0..MAX_STEPS_PER_DRIVE {
        let Some(node_id) = run.cursor.clone() else {
            run.status = RunStatus::Completed;
            let _ = fx.persist(&run).await;
            return run;
        };
        let Some(spec) = flow.spec(&node_id) else {
            return failed(run, format!("node `{node_id}` is not in this flow version"), fx).await;
        };
        run.step += 1;
        run.path.push(node_id.clone());
        if let Err(e) = fx.persist(&run).await {
            return fail(run, format!("could not save the run: {e}"));
        }
        let key = format!("{}:{}", run.id, run.step);
        let step = interpret::execute(flow, &node_id, spec, ctx);
        let mut api_answer = None;
        let outcome = match &step.effect {
            None => Ok(()),
            Some(Effect::Send { kind, content }) => fx.send(kind, content, &key).await,
            Some(Effect::Api { method, url, headers, body, timeout_ms }) => {
                api_answer = Some(fx.api(method, url, headers, body.as_ref(), *timeout_ms).await);
                Ok(())
            }
            Some(Effect::Webhook { url, body }) => {
                if let Err(e) = fx.webhook(url, body).await {
                    tracing::warn!(run_id = %run.id, node = %node_id, error = %e, "flow webhook failed; continuing");
                }
                Ok(())
            }
            Some(Effect::Assign { agent_id, team, strategy }) => fx.assign(agent_id.as_deref(), team.as_deref(), strategy).await,
            Some(Effect::Tag { add, remove }) => {
                let r = fx.tag(add, remove).await;
                if r.is_ok() {
                    let mut tags: Vec<String> = ctx
                        .contact
                        .get("tags")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                        .unwrap_or_default();
                    tags.retain(|t| !remove.contains(t));
                    tags.extend(add.iter().filter(|a| !tags.contains(a)).cloned().collect::<Vec<_>>());
                    ctx.contact.insert("tags".into(), json!(tags));
                }
                r
            }
            Some(Effect::SetField { field, value }) => {
                let r = fx.set_field(field, value).await;
                if r.is_ok() {
                    if field == "name" {
                        ctx.contact.insert("name".into(), value.clone());
                    } else if let Some(Value::Object(f)) = ctx.contact.get_mut("fields") {
                        f.insert(field.clone(), value.clone());
                    } else {
                        ctx.contact.insert("fields".into(), json!({field: value}));
                    }
                }
                r
            }
            Some(Effect::Handoff { note }) => fx.handoff(note.as_deref()).await,
        };
        if let Err(e) = outcome {
            return failed(run, format!("node `{node_id}`: {e}"), fx).await;
        }
        match step.then {
            Then::Goto(next) => run.cursor = next,
            Then::AwaitApi => {
                let next = match api_answer {
                    Some(Ok(answer)) => {
                        if let NodeSpec::Api(api) = spec {
                            run.vars.extend(interpret::api_saves(api, &answer));
                        }
                        ctx.vars = run.vars.clone();
                        flow.next(&node_id, Some("ok")).or_else(|| flow.next(&node_id, None))
                    }
                    Some(Err(e)) => match flow.next(&node_id, Some("error")) {
                        Some(n) => {
                            run.vars.insert("api_error".into(), json!(e));
                            ctx.vars = run.vars.clone();
                            Some(n)
                        }
                        None => return failed(run, format!("api node `{node_id}`: {e} (and no `error` branch)"), fx).await,
                    },
                    None => None,
                };
                run.cursor = next.map(str::to_owned);
            }
            Then::WaitReply => {
                run.status = RunStatus::Waiting;
                run.waiting = Some(Waiting::Reply { node: node_id });
                break;
            }
            Then::WaitInput { retries, timeout_seconds } => {
                let until = match timeout_seconds.map(|s| deadline(fx.now(), s)).transpose() {
                    Ok(until) => until,
                    Err(e) => return failed(run, format!("input node `{node_id}`: {e}"), fx).await,
                };
                run.status = RunStatus::Waiting;
                run.waiting = Some(Waiting::Input { node: node_id, retries, until });
                break;
            }
            Then::Delay { seconds } => {
                let until = match deadline(fx.now(), seconds) {
                    Ok(until) => until,
                    Err(e) => return failed(run, format!("delay node `{node_id}`: {e}"), fx).await,
                };
                run.status = RunStatus::Waiting;
                run.waiting = Some(Waiting::Delay { node: node_id, until });
                break;
            }
            Then::Pause => {
                run.status = RunStatus::Paused;
                run.cursor = flow.next(&node_id, None).map(str::to_owned);
                break;
            }
            Then::End => {
                run.status = RunStatus::Completed;
                run.cursor = None;
                break;
            }
        }
    }
    if run.status == RunStatus::Running {
        return failed(run, format!("more than {MAX_STEPS_PER_DRIVE} steps without waiting: a loop?"), fx).await;
    }
    if let Err(e) = fx.persist(&run).await {
        return fail(run, format!("could not save the run: {e}"));
    }
    run
}

/// A tenant's active flow, ready to run. Built with [`ActiveFlow::new`],
/// which compiles a keyword trigger's regex once, not per message.
#[derive(Debug, Clone)]
pub struct ActiveFlow {
    /// Its id.
    pub id: uuid::Uuid,
    /// Its current version.
    pub version: i32,
    /// Its name.
    pub name: String,
    /// keyword, welcome, button, referral, manual.
    pub trigger_type: String,
    /// Keyword, `/regex/`, button payload or ad id.
    pub trigger_value: Option<String>,
    /// exact, contains or regex (keywords).
    pub trigger_match: String,
    /// Higher first when several match.
    pub priority: i32,
    /// Whether an agent's reply pauses its runs.
    pub pause_on_agent_reply: bool,
    /// The graph.
    pub flow: Arc<Flow>,
    /// The keyword regex (a `/regex/` value or `trigger_match` regex),
    /// compiled from the fields above when built.
    keyword_regex: Option<Pattern>,
}

/// An active flow's stored fields, before [`ActiveFlow::new`] compiles its
/// trigger (named fields, so the three trigger strings cannot be swapped).
#[derive(Debug, Clone)]
pub struct ActiveFlowRow {
    /// Its id.
    pub id: uuid::Uuid,
    /// Its current version.
    pub version: i32,
    /// Its name.
    pub name: String,
    /// keyword, welcome, button, referral, manual.
    pub trigger_type: String,
    /// Keyword, `/regex/`, button payload or ad id.
    pub trigger_value: Option<String>,
    /// exact, contains or regex (keywords).
    pub trigger_match: String,
    /// Higher first when several match.
    pub priority: i32,
    /// Whether an agent's reply pauses its runs.
    pub pause_on_agent_reply: bool,
    /// The graph.
    pub flow: Arc<Flow>,
}

impl ActiveFlow {
    /// An active flow with its keyword regex compiled; an error when the
    /// trigger's regex does not compile (the flow cannot be triggered).
    pub fn new(row: ActiveFlowRow) -> Result<Self, PatternError> {
        let keyword_regex = match row.trigger_type.as_str() {
            "keyword" => {
                let value = row.trigger_value.as_deref().unwrap_or("").trim();
                let slashed = value.strip_prefix('/').and_then(|v| v.strip_suffix('/')).filter(|_| value.len() > 2);
                match slashed {
                    Some(inner) => Some(Pattern::new(inner)?),
                    None if row.trigger_match == "regex" => Some(Pattern::new(value)?),
                    None => None,
                }
            }
            _ => None,
        };
        Ok(Self {
            id: row.id,
            version: row.version,
            name: row.name,
            trigger_type: row.trigger_type,
            trigger_value: row.trigger_value,
            trigger_match: row.trigger_match,
            priority: row.priority,
            pause_on_agent_reply: row.pause_on_agent_reply,
            flow: row.flow,
            keyword_regex,
        })
    }

    /// Whether an inbound message (facts) triggers this flow; `new_conversation`
    /// for welcome flows, `referral` for ad flows.
    pub fn triggered_by(&self, facts: &Value, new_conversation: bool, referral: Option<&Value>) -> bool {
        let value = self.trigger_value.as_deref().unwrap_or("").trim();
        match self.trigger_type.as_str() {
            "welcome" => new_conversation,
            "button" => facts["reply_id"].as_str().is_some_and(|id| !value.is_empty() && id == value),
            "referral" => referral.is_some_and(|r| value.is_empty() || r["source_id"].as_str() == Some(value)),
            // A reply (context) to a message a campaign sent; a value names the campaign.
            "campaign_reply" => {
                let by = &facts["replied_to"];
                by["kind"] == "campaign" && (value.is_empty() || by["id"].as_str() == Some(value))
            }
            "keyword" => {
                let Some(text) = facts["text"].as_str().map(str::trim) else { return false };
                if let Some(re) = &self.keyword_regex {
                    return re.is_match(text);
                }
                match self.trigger_match.as_str() {
                    "contains" => text.to_lowercase().contains(&value.to_lowercase()),
                    // A regex trigger is compiled by `new`; without one nothing matches.
                    "regex" => false,
                    _ => text.eq_ignore_ascii_case(value),
                }
            }
            _ => false,
        }
    }
}

/// What flows need from the store.
#[async_trait]
pub trait FlowStore: Send + Sync + 'static {
    /// The tenant's active flows, highest priority first.
    async fn active_flows(&self, tenant: TenantId) -> Result<Arc<Vec<ActiveFlow>>, StoreError>;
    /// A flow at a version (runs keep the version they started with).
    async fn flow_at(&self, tenant: TenantId, flow_id: uuid::Uuid, version: i32) -> Result<Option<Arc<Flow>>, StoreError>;
    /// Records a new run; false when the conversation already has an active one.
    async fn create_run(&self, tenant: TenantId, conversation: ConversationId, run: &RunRecord) -> Result<bool, StoreError>;
    /// Saves a run's state.
    async fn save_run(&self, tenant: TenantId, run: &RunRecord) -> Result<(), StoreError>;
    /// The conversation's active run.
    async fn active_run(&self, tenant: TenantId, conversation: ConversationId) -> Result<Option<RunRecord>, StoreError>;
    /// What flows may know of a contact: name, phone, tags, fields.
    async fn contact_facts(&self, tenant: TenantId, contact: ContactId) -> Result<Map<String, Value>, StoreError>;
    /// Adds and removes contact tags.
    async fn tag_contact(&self, tenant: TenantId, contact: ContactId, add: &[String], remove: &[String]) -> Result<(), StoreError>;
    /// Sets a contact field (`name` or a custom field).
    async fn set_contact_field(&self, tenant: TenantId, contact: ContactId, field: &str, value: &Value) -> Result<(), StoreError>;
    /// Who sent the message with this wamid (`{kind, id}`), for reply triggers.
    async fn sent_by_of(&self, tenant: TenantId, wamid: &str) -> Result<Option<Value>, StoreError>;
    /// Whether a template (`{"name", "language": {"code"}}`) may go to a
    /// contact: false for a marketing template to a contact who opted out.
    async fn template_allowed(&self, tenant: TenantId, contact: ContactId, template: &Value) -> Result<bool, StoreError>;
    /// Picks an agent: online ones first, by round robin or least busy; a team narrows it.
    async fn pick_agent(&self, tenant: TenantId, team: Option<&str>, strategy: &str) -> Result<Option<crate::ids::UserId>, StoreError>;
}

/// HTTP for api and webhook nodes.
#[async_trait]
pub trait FlowHttp: Send + Sync + 'static {
    /// Calls an API; its JSON answer (non-2xx and timeouts are errors).
    async fn call(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<&Value>,
        timeout_ms: u64,
    ) -> Result<Value, String>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{validate, FlowData};

    /// Records effects; fails the first send when asked.
    #[derive(Default)]
    struct Recorder {
        sent: Vec<(String, Value, String)>,
        persisted: Vec<RunRecord>,
        api: Option<Result<Value, String>>,
        now: Option<DateTime<Utc>>,
    }

    #[async_trait]
    impl Effects for Recorder {
        async fn persist(&mut self, run: &RunRecord) -> Result<(), String> {
            self.persisted.push(run.clone());
            Ok(())
        }
        async fn send(&mut self, kind: &str, content: &Value, key: &str) -> Result<(), String> {
            self.sent.push((kind.into(), content.clone(), key.into()));
            Ok(())
        }
        async fn api(&mut self, _: &str, _: &str, _: &[(String, String)], _: Option<&Value>, _: u64) -> Result<Value, String> {
            self.api.clone().unwrap_or(Ok(json!({})))
        }
        async fn webhook(&mut self, _: &str, _: &Value) -> Result<(), String> {
            Ok(())
        }
        async fn assign(&mut self, _: Option<&str>, _: Option<&str>, _: &str) -> Result<(), String> {
            Ok(())
        }
        async fn tag(&mut self, _: &[String], _: &[String]) -> Result<(), String> {
            Ok(())
        }
        async fn set_field(&mut self, _: &str, _: &Value) -> Result<(), String> {
            Ok(())
        }
        async fn handoff(&mut self, _: Option<&str>) -> Result<(), String> {
            Ok(())
        }
        fn now(&self) -> DateTime<Utc> {
            self.now.unwrap_or_else(Utc::now)
        }
    }

    fn order_flow() -> Flow {
        let data: FlowData = serde_json::from_value(json!({"nodes": [
            {"id": "ask", "type": "input", "data": {"start": true, "prompt": "Order number?", "variable": "order", "validation": "regex", "pattern": "^\\d{4}$", "retries": 1, "timeout_seconds": 60}},
            {"id": "look", "type": "api", "data": {"method": "GET", "url": "https://shop.test/orders/{{vars.order}}", "save": {"state": "status"}}},
            {"id": "tell", "type": "message", "data": {"text": "Order {{vars.order}} is {{vars.state}}"}},
            {"id": "sorry", "type": "message", "data": {"text": "Lookup failed"}},
            {"id": "bye", "type": "message", "data": {"text": "No answer, bye"}},
            {"id": "bad", "type": "handoff", "data": {"note": "could not parse"}}
        ], "edges": [
            {"id": "1", "source": "ask", "target": "look", "sourceHandle": "ok"},
            {"id": "2", "source": "ask", "target": "bad", "sourceHandle": "invalid"},
            {"id": "3", "source": "ask", "target": "bye", "sourceHandle": "timeout"},
            {"id": "4", "source": "look", "target": "tell", "sourceHandle": "ok"},
            {"id": "5", "source": "look", "target": "sorry", "sourceHandle": "error"}
        ]})).unwrap();
        validate(&data).unwrap()
    }

    fn msg(t: &str) -> Trigger {
        Trigger::Message(json!({"type": "text", "text": t}))
    }

    #[actix_rt::test]
    async fn input_reprompts_then_calls_the_api_and_answers() {
        let flow = order_flow();
        let mut fx = Recorder { api: Some(Ok(json!({"status": "shipped"}))), ..Default::default() };
        let mut ctx = RunContext::default();
        let run = drive(&flow, RunRecord::new(uuid::Uuid::nil(), 1, &flow), &mut ctx, Trigger::Go, &mut fx).await;
        assert_eq!(run.status, RunStatus::Waiting);
        assert_eq!(fx.sent[0].1["body"], "Order number?");
        let run = drive(&flow, run, &mut ctx, msg("soon"), &mut fx).await;
        assert_eq!(fx.sent.len(), 2, "garbage gets the re-prompt");
        let run = drive(&flow, run, &mut ctx, msg("4821"), &mut fx).await;
        assert_eq!(run.status, RunStatus::Completed);
        assert_eq!(fx.sent.last().unwrap().1["body"], "Order 4821 is shipped");
        assert_eq!(run.path, vec!["ask", "look", "tell"]);
        let keys: std::collections::HashSet<&String> = fx.sent.iter().map(|s| &s.2).collect();
        assert_eq!(keys.len(), fx.sent.len(), "every send has its own idempotency key");
        assert!(fx.persisted.iter().any(|r| r.cursor.as_deref() == Some("tell")), "the cursor is saved before the send");
    }

    #[actix_rt::test]
    async fn timeouts_errors_and_invalid_answers_take_their_branches() {
        let flow = order_flow();
        let mut ctx = RunContext::default();
        let mut fx = Recorder::default();
        let run = drive(&flow, RunRecord::new(uuid::Uuid::nil(), 1, &flow), &mut ctx, Trigger::Go, &mut fx).await;
        let early = drive(&flow, run.clone(), &mut ctx, Trigger::Timer(Utc::now()), &mut fx).await;
        assert_eq!(early.status, RunStatus::Waiting, "a timer before its time changes nothing");
        let late = drive(&flow, run.clone(), &mut ctx, Trigger::Timer(Utc::now() + Duration::seconds(61)), &mut fx).await;
        assert_eq!(late.status, RunStatus::Completed);
        assert_eq!(fx.sent.last().unwrap().1["body"], "No answer, bye");

        let mut fx = Recorder { api: Some(Err("connection refused".into())), ..Default::default() };
        let run = drive(&flow, RunRecord::new(uuid::Uuid::nil(), 1, &flow), &mut ctx, Trigger::Go, &mut fx).await;
        let run = drive(&flow, run, &mut ctx, msg("1234"), &mut fx).await;
        assert_eq!(fx.sent.last().unwrap().1["body"], "Lookup failed");
        assert_eq!(run.vars["api_error"], "connection refused");

        let mut fx = Recorder::default();
        let run = drive(&flow, RunRecord::new(uuid::Uuid::nil(), 1, &flow), &mut ctx, Trigger::Go, &mut fx).await;
        let run = drive(&flow, run, &mut ctx, msg("x"), &mut fx).await;
        let run = drive(&flow, run, &mut ctx, msg("y"), &mut fx).await;
        assert_eq!(run.status, RunStatus::Paused, "out of retries: the invalid branch hands off");
    }

    #[actix_rt::test]
    async fn a_jump_loop_fails_visibly() {
        let data: FlowData = serde_json::from_value(json!({"nodes": [
            {"id": "a", "type": "jump", "data": {"start": true, "target": "b"}}, {"id": "b", "type": "jump", "data": {"target": "a"}}], "edges": []})).unwrap();
        let flow = validate(&data).unwrap();
        let run =
            drive(&flow, RunRecord::new(uuid::Uuid::nil(), 1, &flow), &mut RunContext::default(), Trigger::Go, &mut Recorder::default())
                .await;
        assert_eq!(run.status, RunStatus::Failed);
        assert!(run.error.unwrap().contains("loop"));
    }

    #[test]
    fn keyword_triggers_match_exact_contains_and_regex() {
        let f = |kind: &str, value: &str, mode: &str| active(kind, value, mode).unwrap();
        let facts = |t: &str| json!({"type": "text", "text": t});
        assert!(f("keyword", "ORDER", "exact").triggered_by(&facts(" order "), false, None));
        assert!(!f("keyword", "order", "exact").triggered_by(&facts("my order"), false, None));
        assert!(f("keyword", "order", "contains").triggered_by(&facts("my ORDER please"), false, None));
        assert!(f("keyword", "/^track\\s+\\d+$/", "exact").triggered_by(&facts("Track 42"), false, None));
        assert!(!f("keyword", "/^track\\s+\\d+$/", "exact").triggered_by(&facts("Track it"), false, None));
        assert!(f("keyword", "^(hi|hello)\\b", "regex").triggered_by(&facts("HELLO there"), false, None));
        assert!(!f("keyword", "^(hi|hello)\\b", "regex").triggered_by(&facts("oh hello"), false, None));
        assert!(f("welcome", "", "exact").triggered_by(&facts("hi"), true, None));
        assert!(f("button", "SHOP", "exact").triggered_by(&json!({"reply_id": "SHOP"}), false, None));
        let reply = json!({"text": "yes", "replied_to": {"kind": "campaign", "id": "c1"}});
        assert!(f("campaign_reply", "", "exact").triggered_by(&reply, false, None));
        assert!(f("campaign_reply", "c1", "exact").triggered_by(&reply, false, None));
        assert!(!f("campaign_reply", "c2", "exact").triggered_by(&reply, false, None));
        assert!(!f("campaign_reply", "", "exact").triggered_by(&json!({"text": "yes"}), false, None));
    }

    fn active(kind: &str, value: &str, mode: &str) -> Result<ActiveFlow, PatternError> {
        ActiveFlow::new(ActiveFlowRow {
            id: uuid::Uuid::nil(),
            version: 1,
            name: "f".into(),
            trigger_type: kind.into(),
            trigger_value: Some(value.into()),
            trigger_match: mode.into(),
            priority: 0,
            pause_on_agent_reply: true,
            flow: Arc::new(order_flow()),
        })
    }

    #[test]
    fn keyword_regexes_compile_once_when_the_active_flow_is_built() {
        assert!(active("keyword", "/(unclosed/", "exact").is_err());
        assert!(active("keyword", "(unclosed", "regex").is_err());
        assert!(active("keyword", "\\w{500}\\w{500}\\w{500}", "regex").unwrap_err().reason.contains("size limit"));
        // Not a regex unless asked: the same text is a plain keyword.
        assert!(active("keyword", "(unclosed", "exact").unwrap().triggered_by(&json!({"text": "(UNCLOSED"}), false, None));
        assert!(active("button", "(unclosed", "regex").is_ok(), "only keyword triggers are regexes");
        let f = active("keyword", "/^order\\s*#?\\d+$/", "exact").unwrap();
        assert_eq!(f.keyword_regex.as_ref().map(Pattern::as_str), Some("^order\\s*#?\\d+$"));
        assert!(f.triggered_by(&json!({"text": " Order #12 "}), false, None));
    }

    /// A flow validated with small waits, then given huge ones, as a flow
    /// stored before waits were bounded would have.
    fn with_huge_waits() -> Flow {
        let data: FlowData = serde_json::from_value(json!({"nodes": [
            {"id": "wait", "type": "delay", "data": {"start": true, "seconds": 10}},
            {"id": "ask", "type": "input", "data": {"prompt": "?", "variable": "v", "timeout_seconds": 10}}],
            "edges": [{"id": "1", "source": "wait", "target": "ask"}]}))
        .unwrap();
        let mut flow = validate(&data).unwrap();
        for spec in &mut flow.specs {
            match spec {
                NodeSpec::Delay { seconds } => *seconds = u64::MAX,
                NodeSpec::Input(input) => input.timeout_seconds = Some(i64::MAX as u64),
                _ => {}
            }
        }
        flow
    }

    #[actix_rt::test]
    async fn huge_waits_in_a_stored_flow_fail_the_run_without_panicking() {
        let flow = with_huge_waits();
        let mut fx = Recorder::default();
        let run = drive(&flow, RunRecord::new(uuid::Uuid::nil(), 1, &flow), &mut RunContext::default(), Trigger::Go, &mut fx).await;
        assert_eq!(run.status, RunStatus::Failed);
        assert!(run.error.as_deref().unwrap().contains("out of range"), "{:?}", run.error);
        assert!(run.waiting.is_none());

        // Past the delay (as a run stored mid-flow would be): the input's timeout overflows too.
        let mut run = RunRecord::new(uuid::Uuid::nil(), 1, &flow);
        run.cursor = Some("ask".into());
        let run = drive(&flow, run, &mut RunContext::default(), Trigger::Go, &mut fx).await;
        assert_eq!(run.status, RunStatus::Failed);
        assert!(run.error.as_deref().unwrap().contains("input node `ask`"), "{:?}", run.error);

        // Near the end of time even a bounded 60 s timeout overflows: a failure, not a panic.
        let flow = order_flow();
        let mut fx = Recorder { now: Some(DateTime::<Utc>::MAX_UTC - Duration::seconds(5)), ..Default::default() };
        let run = drive(&flow, RunRecord::new(uuid::Uuid::nil(), 1, &flow), &mut RunContext::default(), Trigger::Go, &mut fx).await;
        assert_eq!(run.status, RunStatus::Failed);
        assert!(run.error.as_deref().unwrap().contains("out of range"), "{:?}", run.error);
    }

    #[actix_rt::test]
    async fn a_stored_run_waiting_until_the_end_of_time_does_not_panic() {
        let flow = order_flow();
        let stored = json!({
            "id": uuid::Uuid::nil(), "flow_id": uuid::Uuid::nil(), "version": 1, "status": "waiting", "cursor": "ask",
            "vars": {}, "path": ["ask"], "step": 1, "error": null,
            "waiting": {"kind": "input", "node": "ask", "retries": 1, "until": DateTime::<Utc>::MAX_UTC}
        });
        let run: RunRecord = serde_json::from_value(stored).unwrap();
        let mut fx = Recorder::default();
        let run = drive(&flow, run, &mut RunContext::default(), Trigger::Timer(Utc::now()), &mut fx).await;
        assert_eq!(run.status, RunStatus::Waiting, "its timer is not due");
        let run = drive(&flow, run, &mut RunContext::default(), Trigger::Timer(DateTime::<Utc>::MAX_UTC), &mut fx).await;
        assert_eq!(run.status, RunStatus::Completed, "the timeout branch, at the end of time");
    }
}
