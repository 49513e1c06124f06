//! `FlowRun`: the actor of one running flow in one conversation. It owns the
//! run's cursor and variables, drives the interpreter when the customer
//! writes or a timer fires, re-arms its timers when it starts (after a
//! restart too), and acts through its conversation: its messages are sent as
//! the conversation's (marked as the flow's), with an idempotency key per
//! step so a node re-executed after a crash never sends twice.
//!
//! It knows its conversation only as a `Recipient<FromFlow>` and may ask it
//! only what a [`FlowRequest`] names (send, patch, notify, ended); it is
//! handed only the ports it needs ([`RunPorts`]), not the whole engine.

use super::driver::{drive, Effects, Trigger};
use super::interpret::RunContext;
use super::ports::{FlowHttp, FlowStore};
use super::record::{RunRecord, RunStatus};
use super::Flow;
use crate::events::ConversationSummary;
use crate::ids::{ContactId, ConversationId, TenantId, UserId};
use crate::message::SentBy;
use crate::ports::{Clock, ConversationPatch};
use crate::protocol::{FlowRequest, FromFlow, Lane, SendRefusal, SendRequest};
use actix::prelude::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tracing::Instrument;

/// What a run needs from the engine: its store, HTTP for `api` and
/// `webhook` nodes, and the clock its delays and timeouts are measured by.
#[derive(Clone)]
pub struct RunPorts {
    /// Flows, runs and contact facts.
    pub flows: Arc<dyn FlowStore>,
    /// HTTP for api and webhook nodes.
    pub http: Arc<dyn FlowHttp>,
    /// Time (delays, input timeouts).
    pub clock: Arc<dyn Clock>,
    /// Where the customer messages it is done with are counted.
    pub metrics: Arc<crate::metrics::EngineMetrics>,
    /// Its conversation's partition lease (several nodes): every save of
    /// the run carries it, so a node that lost the lease cannot move the
    /// run's cursor.
    pub fence: Option<crate::fence::Fence>,
}

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
    ports: RunPorts,
    conversation: Recipient<FromFlow>,
    flow: Arc<Flow>,
    run: RunRecord,
    timer: Option<SpawnHandle>,
    /// Every log line of the run carries its tenant, conversation and run
    /// (one span per run, made once: runs are few next to conversations).
    span: tracing::Span,
    /// Set when the run's conversation is retired here (see [`Detach`]):
    /// nothing more is saved.
    detached: Arc<AtomicBool>,
}

/// The run's conversation was retired on this node (its partition moved to
/// another node, its contact is gone, it keeps failing): the run stops
/// without saving anything more, and whoever runs the conversation next
/// resumes it from its saved cursor. A drive in progress finds its saves
/// refused.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Detach;

impl Handler<Detach> for FlowRun {
    type Result = ();

    fn handle(&mut self, _: Detach, ctx: &mut Self::Context) {
        self.detached.store(true, Ordering::Relaxed);
        ctx.stop();
    }
}

impl FlowRun {
    /// A run actor for `run` of `flow`.
    pub fn new(
        tenant: TenantId,
        conversation_id: ConversationId,
        contact_id: ContactId,
        ports: RunPorts,
        conversation: Recipient<FromFlow>,
        flow: Arc<Flow>,
        run: RunRecord,
    ) -> Self {
        let span =
            tracing::info_span!(parent: None, "flow_run", tenant_id = %tenant, %conversation_id, run_id = %run.id, flow_id = %run.flow_id);
        Self { tenant, conversation_id, contact_id, ports, conversation, flow, run, timer: None, span, detached: Arc::default() }
    }

    /// The flag [`Detach`] sets, for the conversation to set at once (a
    /// drive in progress holds the run's mailbox until it ends).
    pub fn detached(&self) -> Arc<AtomicBool> {
        self.detached.clone()
    }

    fn arm_timer(&mut self, ctx: &mut Context<Self>) {
        if let Some(h) = self.timer.take() {
            ctx.cancel_future(h);
        }
        let Some(until) = self.run.waiting.as_ref().and_then(|w| w.until()) else { return };
        let wait = (until - self.ports.clock.now()).to_std().unwrap_or_default();
        self.timer = Some(ctx.run_later(wait, move |act, ctx| {
            let _span = act.span.clone().entered();
            act.timer = None;
            let now = act.ports.clock.now().max(until);
            act.advance(ctx, Trigger::Timer(now));
        }));
    }

    fn advance(&mut self, ctx: &mut Context<Self>, trigger: Trigger) {
        let mut fx = LiveEffects {
            tenant: self.tenant,
            conversation_id: self.conversation_id,
            contact: self.contact_id,
            flow_id: self.run.flow_id,
            ports: self.ports.clone(),
            conversation: self.conversation.clone(),
            detached: self.detached.clone(),
        };
        let (flow, run, flows, tenant, contact) =
            (self.flow.clone(), self.run.clone(), self.ports.flows.clone(), self.tenant, self.contact_id);
        let from_customer = matches!(trigger, Trigger::Message(_));
        let fut = async move {
            let facts = flows.contact_facts(tenant, contact).await.unwrap_or_default();
            let mut rc = RunContext { contact: facts, vars: run.vars.clone(), message: None };
            drive(&flow, run, &mut rc, trigger, &mut fx).await
        };
        ctx.wait(fut.instrument(self.span.clone()).into_actor(self).map(move |run, act, ctx| {
            let _span = act.span.clone().entered();
            if run.status == RunStatus::Failed {
                tracing::warn!(error = ?run.error, "flow run failed");
            }
            act.run = run;
            if from_customer {
                crate::metrics::EngineMetrics::add(&act.ports.metrics.flow_messages_handled, 1);
            }
            act.arm_timer(ctx);
            if !act.run.status.is_active() {
                act.ended(ctx);
            }
        }));
    }

    fn set_status(&mut self, ctx: &mut Context<Self>, status: RunStatus) {
        self.run.status = status;
        let (store, tenant, run) = (self.ports.flows.clone(), self.tenant, self.run.clone());
        let fence = self.ports.fence;
        ctx.wait(async move { store.save_run(tenant, &run, fence).await }.into_actor(self).map(move |res, act, ctx| {
            if let Err(e) = res {
                let _span = act.span.clone().entered();
                tracing::error!(error = %e, "flow run status not saved");
            }
            if !status.is_active() {
                act.ended(ctx);
            }
        }));
    }

    /// Tells the conversation the run is over, and stops.
    fn ended(&mut self, ctx: &mut Context<Self>) {
        self.conversation.do_send(FromFlow(FlowRequest::Ended { run_id: self.run.id }));
        ctx.stop();
    }
}

impl Actor for FlowRun {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let _span = self.span.clone().entered();
        self.arm_timer(ctx);
    }
}

impl Handler<FlowTrigger> for FlowRun {
    type Result = ();

    /// The customer wrote, a timer fired, or the run starts: drive it.
    fn handle(&mut self, msg: FlowTrigger, ctx: &mut Self::Context) {
        let _span = self.span.clone().entered();
        self.advance(ctx, msg.0);
    }
}

impl Handler<FlowControl> for FlowRun {
    type Result = ();

    /// Pauses, resumes or stops the run, saving its new status.
    fn handle(&mut self, msg: FlowControl, ctx: &mut Self::Context) {
        let _span = self.span.clone().entered();
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
    conversation_id: ConversationId,
    contact: ContactId,
    flow_id: uuid::Uuid,
    ports: RunPorts,
    conversation: Recipient<FromFlow>,
    detached: Arc<AtomicBool>,
}

impl LiveEffects {
    async fn patch(&self, patch: ConversationPatch) -> Result<ConversationSummary, String> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.conversation.do_send(FromFlow(FlowRequest::Patch(patch, Some(tx))));
        rx.await.map_err(|_| "the conversation did not answer".to_owned())?.map_err(|e| e.to_string())
    }
}

#[async_trait]
impl Effects for LiveEffects {
    async fn persist(&mut self, run: &RunRecord) -> Result<(), String> {
        if self.detached.load(Ordering::Relaxed) {
            return Err("detached: the conversation was retired on this node; whoever runs it next resumes the run".to_owned());
        }
        self.ports.flows.save_run(self.tenant, run, self.ports.fence).await.map_err(|e| e.to_string())
    }

    async fn send(&mut self, kind: &str, content: &Value, key: &str) -> Result<(), String> {
        crate::send::validate(kind, content)?;
        if kind == "template" && !self.ports.flows.template_allowed(self.tenant, self.contact, content).await.map_err(|e| e.to_string())? {
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
        self.conversation.do_send(FromFlow(FlowRequest::Send(request)));
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
        self.ports.http.call(method, url, headers, body, timeout_ms).await
    }

    async fn webhook(&mut self, url: &str, body: &Value) -> Result<(), String> {
        self.ports.http.call("POST", url, &[], Some(body), super::DEFAULT_API_TIMEOUT_MS).await.map(|_| ())
    }

    async fn assign(&mut self, agent_id: Option<&str>, team: Option<&str>, strategy: &str) -> Result<(), String> {
        let agent = match agent_id.and_then(|a| a.parse::<uuid::Uuid>().ok()) {
            // A named agent must be a person of this account (one removed
            // since the flow was saved, or another account's, is nobody).
            Some(a) => match self.ports.flows.is_member(self.tenant, UserId(a)).await.map_err(|e| e.to_string())? {
                true => Some(UserId(a)),
                false => {
                    tracing::warn!(agent_id = %a, "a flow assigns to someone who is not in this account; the conversation stays unassigned");
                    None
                }
            },
            None => self.ports.flows.pick_agent(self.tenant, self.conversation_id, team, strategy).await.map_err(|e| e.to_string())?,
        };
        match agent {
            Some(a) => self.patch(ConversationPatch { status: None, assignee: Some(Some(a)), by: None, claim: false }).await.map(|_| ()),
            // Nobody to assign: the conversation stays in the shared queue.
            None => Ok(()),
        }
    }

    async fn tag(&mut self, add: &[String], remove: &[String]) -> Result<(), String> {
        self.ports.flows.tag_contact(self.tenant, self.contact, add, remove).await.map_err(|e| e.to_string())
    }

    async fn set_field(&mut self, field: &str, value: &Value) -> Result<(), String> {
        self.ports.flows.set_contact_field(self.tenant, self.contact, field, value).await.map_err(|e| e.to_string())
    }

    async fn handoff(&mut self, note: Option<&str>) -> Result<(), String> {
        let message = note.unwrap_or("The bot handed this conversation to the team").to_owned();
        // Recording it and picking an agent are best effort: the
        // conversation goes to people whatever happens there.
        let assignee = self.ports.flows.handed_off(self.tenant, self.conversation_id, &message).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the hand-off was not recorded or assigned; the conversation waits in the shared queue");
            None
        });
        self.conversation.do_send(FromFlow(FlowRequest::Notify { kind: "handoff".into(), message }));
        // Given only if still nobody's when written (a person may have taken it).
        let patch =
            ConversationPatch { status: Some(crate::ports::ConversationStatus::Open), assignee: assignee.map(Some), by: None, claim: true };
        self.patch(patch).await.map(|_| ())
    }

    async fn enroll(&mut self, campaign_id: &str) -> Result<(), String> {
        let campaign = campaign_id.parse::<uuid::Uuid>().map_err(|_| format!("`{campaign_id}` is not a sequence id"))?;
        let enrolled = self.ports.flows.enroll(self.tenant, campaign, self.contact).await.map_err(|e| e.to_string())?;
        if !enrolled {
            tracing::info!(campaign = %campaign, "a flow's enroll node changed nothing: no running sequence, already in it, or no re-entry");
        }
        Ok(())
    }

    fn now(&self) -> DateTime<Utc> {
        self.ports.clock.now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::triggers::ActiveFlow;
    use crate::flow::{validate, FlowData};
    use crate::ports::{ManualClock, StoreError};
    use serde_json::{json, Map};
    use std::sync::Mutex;

    /// Keeps the runs saved; knows no contacts.
    #[derive(Default)]
    struct Runs(Mutex<Vec<RunRecord>>);

    #[async_trait]
    impl FlowStore for Runs {
        async fn active_flows(&self, _: TenantId) -> Result<Arc<Vec<ActiveFlow>>, StoreError> {
            Ok(Arc::new(Vec::new()))
        }
        async fn flow_at(&self, _: TenantId, _: uuid::Uuid, _: i32) -> Result<Option<Arc<Flow>>, StoreError> {
            Ok(None)
        }
        async fn create_run(&self, _: TenantId, _: ConversationId, _: &RunRecord) -> Result<bool, StoreError> {
            Ok(true)
        }
        async fn save_run(&self, _: TenantId, run: &RunRecord, _: Option<crate::fence::Fence>) -> Result<(), StoreError> {
            self.0.lock().unwrap().push(run.clone());
            Ok(())
        }
        async fn active_run(&self, _: TenantId, _: ConversationId) -> Result<Option<RunRecord>, StoreError> {
            Ok(None)
        }
        async fn contact_facts(&self, _: TenantId, _: ContactId) -> Result<Map<String, Value>, StoreError> {
            Ok(Map::new())
        }
        async fn tag_contact(&self, _: TenantId, _: ContactId, _: &[String], _: &[String]) -> Result<(), StoreError> {
            Ok(())
        }
        async fn set_contact_field(&self, _: TenantId, _: ContactId, _: &str, _: &Value) -> Result<(), StoreError> {
            Ok(())
        }
        async fn enroll(&self, _: TenantId, _: uuid::Uuid, _: ContactId) -> Result<bool, StoreError> {
            Ok(false)
        }
        async fn sent_by_of(&self, _: TenantId, _: &str) -> Result<Option<Value>, StoreError> {
            Ok(None)
        }
        async fn template_allowed(&self, _: TenantId, _: ContactId, _: &Value) -> Result<bool, StoreError> {
            Ok(true)
        }
        async fn pick_agent(&self, _: TenantId, _: ConversationId, _: Option<&str>, _: &str) -> Result<Option<UserId>, StoreError> {
            Ok(None)
        }
        async fn handed_off(&self, _: TenantId, _: ConversationId, _: &str) -> Result<Option<UserId>, StoreError> {
            Ok(None)
        }
        async fn is_member(&self, _: TenantId, _: UserId) -> Result<bool, StoreError> {
            Ok(false)
        }
    }

    struct NoHttp;

    #[async_trait]
    impl FlowHttp for NoHttp {
        async fn call(&self, _: &str, _: &str, _: &[(String, String)], _: Option<&Value>, _: u64) -> Result<Value, String> {
            Err("no HTTP in this test".into())
        }
    }

    /// Stands in for the conversation: notes what the run asks, and answers
    /// a send as already stored (the run carries on either way).
    struct Conversation(Arc<Mutex<Vec<String>>>);

    impl Actor for Conversation {
        type Context = Context<Self>;
    }

    impl Handler<FromFlow> for Conversation {
        type Result = ();
        fn handle(&mut self, FromFlow(request): FromFlow, _: &mut Context<Self>) {
            let note = match request {
                FlowRequest::Send(mut send) => {
                    send.answer(Err(SendRefusal::Duplicate));
                    format!("send {}", send.content["body"].as_str().unwrap_or_default())
                }
                FlowRequest::Patch(..) => "patch".to_owned(),
                FlowRequest::Notify { kind, .. } => format!("notify {kind}"),
                FlowRequest::Ended { .. } => "ended".to_owned(),
            };
            self.0.lock().unwrap().push(note);
        }
    }

    /// Waits (a bounded poll, not a fixed sleep) until the conversation has
    /// heard `n` requests.
    async fn heard(requests: &Mutex<Vec<String>>, n: usize) -> Vec<String> {
        for _ in 0..200 {
            if requests.lock().unwrap().len() >= n {
                break;
            }
            actix::clock::sleep(std::time::Duration::from_millis(5)).await;
        }
        requests.lock().unwrap().clone()
    }

    #[actix_rt::test]
    async fn an_input_timeout_that_passed_while_the_run_was_down_fires_at_once() {
        let data: FlowData = serde_json::from_value(json!({"nodes": [
            {"id": "ask", "type": "input", "data": {"start": true, "prompt": "Order number?", "variable": "order", "timeout_seconds": 3600}},
            {"id": "bye", "type": "message", "data": {"text": "No answer, bye"}}
        ], "edges": [{"id": "1", "source": "ask", "target": "bye", "sourceHandle": "timeout"}]}))
        .unwrap();
        let flow = Arc::new(validate(&data).unwrap());
        let clock = Arc::new(ManualClock::default());
        let store = Arc::new(Runs::default());
        let ports = RunPorts { flows: store.clone(), http: Arc::new(NoHttp), clock: clock.clone(), metrics: Arc::default(), fence: None };
        let start = |run: RunRecord, requests: Arc<Mutex<Vec<String>>>| {
            let conversation = Conversation(requests).start().recipient();
            let (tenant, conversation_id, contact) = (TenantId::generate(), ConversationId::generate(), ContactId::generate());
            FlowRun::new(tenant, conversation_id, contact, ports.clone(), conversation, flow.clone(), run).start()
        };

        let before = Arc::new(Mutex::new(Vec::new()));
        start(RunRecord::new(uuid::Uuid::nil(), 1, &flow), before.clone()).do_send(FlowTrigger(Trigger::Go));
        assert_eq!(heard(&before, 1).await, ["send Order number?"]);
        let waiting = store.0.lock().unwrap().last().cloned().unwrap();
        assert_eq!(waiting.status, RunStatus::Waiting);

        // The hour passes while the run is down; started again from its
        // saved record, it re-arms its timer by the clock: due at once.
        clock.advance(chrono::Duration::seconds(3601));
        let after = Arc::new(Mutex::new(Vec::new()));
        start(waiting, after.clone());
        assert_eq!(heard(&after, 2).await, ["send No answer, bye", "ended"]);
        assert_eq!(store.0.lock().unwrap().last().unwrap().status, RunStatus::Completed);
    }
}
