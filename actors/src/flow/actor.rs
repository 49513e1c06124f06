//! `FlowRun`: the actor of one running flow in one conversation. It owns the
//! run's cursor and variables, drives the interpreter when the customer
//! writes or a timer fires, re-arms its timers when it starts (after a
//! restart too), and acts through its conversation: its messages are sent as
//! the conversation's (marked as the flow's), with an idempotency key per
//! step so a node re-executed after a crash never sends twice.

use super::interpret::RunContext;
use super::run::{drive, Effects, RunRecord, RunStatus, Trigger};
use super::Flow;
use crate::conversation::{ConversationWork, FromFlow};
use crate::engine::EngineDeps;
use crate::events::ConversationSummary;
use crate::ids::{ContactId, ConversationId, TenantId, UserId};
use crate::message::SentBy;
use crate::outbound::Lane;
use crate::ports::ConversationPatch;
use crate::send::{SendRefusal, SendRequest};
use actix::prelude::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::sync::Arc;

/// Wakes the run.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct FlowTrigger(pub Trigger);

/// An agent's (or the API's) control of a run.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
#[rtype(result = "()")]
pub enum FlowControl {
    /// Stop answering (an agent replied, or an agent paused it).
    Pause,
    /// Carry on from where it paused.
    Resume,
    /// End the run for good.
    Stop,
}

/// See the module doc.
pub struct FlowRun {
    tenant: TenantId,
    conversation_id: ConversationId,
    contact_id: ContactId,
    deps: Arc<EngineDeps>,
    conversation: Recipient<FromFlow>,
    flow: Arc<Flow>,
    run: RunRecord,
    timer: Option<SpawnHandle>,
}

impl FlowRun {
    /// A run actor for `run` of `flow`.
    pub fn new(
        tenant: TenantId,
        conversation_id: ConversationId,
        contact_id: ContactId,
        deps: Arc<EngineDeps>,
        conversation: Recipient<FromFlow>,
        flow: Arc<Flow>,
        run: RunRecord,
    ) -> Self {
        Self { tenant, conversation_id, contact_id, deps, conversation, flow, run, timer: None }
    }

    fn arm_timer(&mut self, ctx: &mut Context<Self>) {
        if let Some(h) = self.timer.take() {
            ctx.cancel_future(h);
        }
        let Some(until) = self.run.waiting.as_ref().and_then(|w| w.until()) else { return };
        let wait = (until - self.deps.clock.now()).to_std().unwrap_or_default();
        self.timer = Some(ctx.run_later(wait, move |act, ctx| {
            act.timer = None;
            let now = act.deps.clock.now().max(until);
            act.advance(ctx, Trigger::Timer(now));
        }));
    }

    fn advance(&mut self, ctx: &mut Context<Self>, trigger: Trigger) {
        let mut fx = LiveEffects {
            tenant: self.tenant,
            contact: self.contact_id,
            flow_id: self.run.flow_id,
            deps: self.deps.clone(),
            conversation: self.conversation.clone(),
        };
        let (flow, run, deps, tenant, contact) = (self.flow.clone(), self.run.clone(), self.deps.clone(), self.tenant, self.contact_id);
        let fut = async move {
            let facts = deps.flows.contact_facts(tenant, contact).await.unwrap_or_default();
            let mut rc = RunContext { contact: facts, vars: run.vars.clone(), message: None };
            drive(&flow, run, &mut rc, trigger, &mut fx).await
        };
        ctx.wait(fut.into_actor(self).map(|run, act, ctx| {
            if run.status == RunStatus::Failed {
                tracing::warn!(tenant_id = %act.tenant, conversation_id = %act.conversation_id, run_id = %run.id, error = ?run.error, "flow run failed");
            }
            act.run = run;
            act.arm_timer(ctx);
            if !act.run.status.is_active() {
                act.conversation.do_send(FromFlow(ConversationWork::FlowEnded { run_id: act.run.id }));
                ctx.stop();
            }
        }));
    }

    fn set_status(&mut self, ctx: &mut Context<Self>, status: RunStatus) {
        self.run.status = status;
        let (store, tenant, run) = (self.deps.flows.clone(), self.tenant, self.run.clone());
        ctx.wait(async move { store.save_run(tenant, &run).await }.into_actor(self).map(move |res, act, ctx| {
            if let Err(e) = res {
                tracing::error!(run_id = %act.run.id, error = %e, "flow run status not saved");
            }
            if !status.is_active() {
                act.conversation.do_send(FromFlow(ConversationWork::FlowEnded { run_id: act.run.id }));
                ctx.stop();
            }
        }));
    }
}

impl Actor for FlowRun {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.arm_timer(ctx);
    }
}

impl Handler<FlowTrigger> for FlowRun {
    type Result = ();

    fn handle(&mut self, msg: FlowTrigger, ctx: &mut Self::Context) {
        self.advance(ctx, msg.0);
    }
}

impl Handler<FlowControl> for FlowRun {
    type Result = ();

    fn handle(&mut self, msg: FlowControl, ctx: &mut Self::Context) {
        match msg {
            FlowControl::Pause if self.run.status.is_active() => self.set_status(ctx, RunStatus::Paused),
            FlowControl::Resume if self.run.status == RunStatus::Paused => {
                self.run.status = if self.run.waiting.is_some() { RunStatus::Waiting } else { RunStatus::Running };
                if self.run.waiting.is_none() {
                    self.advance(ctx, Trigger::Go);
                } else {
                    self.set_status(ctx, RunStatus::Waiting);
                }
            }
            FlowControl::Stop => self.set_status(ctx, RunStatus::Stopped),
            _ => {}
        }
    }
}

/// The live effects: through the conversation, the store and HTTP.
struct LiveEffects {
    tenant: TenantId,
    contact: ContactId,
    flow_id: uuid::Uuid,
    deps: Arc<EngineDeps>,
    conversation: Recipient<FromFlow>,
}

impl LiveEffects {
    async fn patch(&self, patch: ConversationPatch) -> Result<ConversationSummary, String> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.conversation.do_send(FromFlow(ConversationWork::Patch(patch, Some(tx))));
        rx.await.map_err(|_| "the conversation did not answer".to_owned())?.map_err(|e| e.to_string())
    }
}

#[async_trait]
impl Effects for LiveEffects {
    async fn persist(&mut self, run: &RunRecord) -> Result<(), String> {
        self.deps.flows.save_run(self.tenant, run).await.map_err(|e| e.to_string())
    }

    async fn send(&mut self, kind: &str, content: &Value, key: &str) -> Result<(), String> {
        crate::send::validate(kind, content)?;
        if kind == "template" && !self.deps.flows.template_allowed(self.tenant, self.contact, content).await.map_err(|e| e.to_string())? {
            return Err(format!(
                "OPTED_OUT: the contact opted out of marketing messages, so the marketing template `{}` was not sent",
                content["name"].as_str().unwrap_or_default()
            ));
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        let request = SendRequest {
            kind: kind.to_owned(),
            content: content.clone(),
            reply_to: None,
            client_id: Some(format!("flow:{key}")),
            sent_by: Some(SentBy::Flow { id: self.flow_id }),
            lane: Lane::Bulk,
            reply: Some(tx),
        };
        self.conversation.do_send(FromFlow(ConversationWork::Send(request)));
        match rx.await.map_err(|_| "the conversation did not answer".to_owned())? {
            Ok(_) | Err(SendRefusal::Duplicate) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }

    async fn api(
        &mut self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<&Value>,
        timeout_ms: u64,
    ) -> Result<Value, String> {
        self.deps.flow_http.call(method, url, headers, body, timeout_ms).await
    }

    async fn webhook(&mut self, url: &str, body: &Value) -> Result<(), String> {
        self.deps.flow_http.call("POST", url, &[], Some(body), super::DEFAULT_API_TIMEOUT_MS).await.map(|_| ())
    }

    async fn assign(&mut self, agent_id: Option<&str>, team: Option<&str>, strategy: &str) -> Result<(), String> {
        let agent = match agent_id.and_then(|a| a.parse::<uuid::Uuid>().ok()) {
            Some(a) => Some(UserId(a)),
            None => self.deps.flows.pick_agent(self.tenant, team, strategy).await.map_err(|e| e.to_string())?,
        };
        match agent {
            Some(a) => self.patch(ConversationPatch { status: None, assignee: Some(Some(a)) }).await.map(|_| ()),
            // Nobody to assign: the conversation stays in the shared queue.
            None => Ok(()),
        }
    }

    async fn tag(&mut self, add: &[String], remove: &[String]) -> Result<(), String> {
        self.deps.flows.tag_contact(self.tenant, self.contact, add, remove).await.map_err(|e| e.to_string())
    }

    async fn set_field(&mut self, field: &str, value: &Value) -> Result<(), String> {
        self.deps.flows.set_contact_field(self.tenant, self.contact, field, value).await.map_err(|e| e.to_string())
    }

    async fn handoff(&mut self, note: Option<&str>) -> Result<(), String> {
        self.conversation.do_send(FromFlow(ConversationWork::Notify {
            kind: "handoff".into(),
            message: note.unwrap_or("The bot handed this conversation to the team").to_owned(),
        }));
        self.patch(ConversationPatch { status: Some("open".into()), assignee: None }).await.map(|_| ())
    }

    fn now(&self) -> DateTime<Utc> {
        self.deps.clock.now()
    }
}
