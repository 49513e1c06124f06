//! The conversation's hand-off to flows: its one running [`FlowRun`] (started
//! by a trigger, by hand, or resumed after a restart), the customer messages
//! it passes on or that may start a flow, and what the run asks back
//! ([`FromFlow`]).

use super::{Command, Control, ConversationActor, StartFlowReply, Work};
use crate::flow::actor::{Detach, FlowControl, FlowRun, FlowTrigger, RunPorts};
use crate::flow::run::{ActiveFlow, RunRecord, RunStatus, Trigger};
use crate::flow::Flow;
use crate::ids::{ConversationId, MessageId};
use crate::message::Direction;
use crate::metrics::EngineMetrics;
use crate::ports::{ConversationBatch, StoreError};
use crate::protocol::{FlowRequest, FromFlow};
use crate::ticket::EventReceipt;
use actix::prelude::*;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

/// The conversation's running flow.
pub(super) struct LiveRun {
    /// The run's actor.
    pub(super) addr: Addr<FlowRun>,
    /// Which run (a late `FlowEnded` of an earlier run is ignored).
    pub(super) run_id: uuid::Uuid,
    /// Whether an agent's reply pauses it.
    pause_on_agent_reply: bool,
    /// Set when the conversation is retired here (see [`Detach`]).
    detached: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// Why a flow cannot be started by hand while another runs.
const ALREADY_RUNNING: &str = "this conversation already has a running flow; stop it first";

impl ConversationActor {
    /// Starts the actor of `run`; it talks back through [`FromFlow`].
    fn start_run(
        &mut self,
        ctx: &mut Context<Self>,
        conversation_id: ConversationId,
        flow: Arc<Flow>,
        run: RunRecord,
        pause_on_agent_reply: bool,
    ) {
        let run_id = run.id;
        let from_flow = ctx.address().recipient();
        let ports = RunPorts {
            flows: self.deps.flows.clone(),
            http: self.deps.flow_http.clone(),
            clock: self.deps.clock.clone(),
            metrics: self.deps.metrics.clone(),
            fence: self.fence,
        };
        let actor = FlowRun::new(self.tenant_id(), conversation_id, self.key.contact_id, ports, from_flow, flow, run);
        let detached = actor.detached();
        let addr = actor.start();
        self.flow_run = Some(LiveRun { addr, run_id, pause_on_agent_reply, detached });
    }

    /// The conversation is retired here: its run stops saving at once and
    /// then stops (each held the other's address, so neither would end),
    /// and whoever runs the conversation next resumes the run from its
    /// saved cursor.
    pub(super) fn detach_run(&mut self) {
        if let Some(r) = self.flow_run.take() {
            r.detached.store(true, std::sync::atomic::Ordering::Relaxed);
            r.addr.do_send(Detach);
        }
    }

    /// A run found active when the conversation loads: it survives restarts,
    /// re-arms its timers, and one caught mid-step carries on from its saved
    /// cursor.
    pub(super) fn resume_run(
        &mut self,
        ctx: &mut Context<Self>,
        conversation_id: ConversationId,
        flow: Arc<Flow>,
        run: RunRecord,
        pause: bool,
    ) {
        let resume = run.status == RunStatus::Running;
        self.start_run(ctx, conversation_id, flow, run, pause);
        if resume {
            if let Some(r) = &self.flow_run {
                r.addr.do_send(FlowTrigger(Trigger::Go));
            }
        }
    }

    /// An agent's message was stored: a run that asks for it pauses.
    pub(super) fn agent_replied(&self) {
        if let Some(r) = self.flow_run.as_ref().filter(|r| r.pause_on_agent_reply) {
            r.addr.do_send(FlowControl::Pause);
        }
    }

    /// The customer messages a committed batch stored (reactions and system
    /// messages aside) go to the running flow, or may start one (welcome,
    /// button, referral, keyword; highest priority first). While a run holds
    /// the conversation, other triggers wait: it must end, or an agent stops
    /// it, first.
    pub(super) fn hand_to_flows(
        &mut self,
        ctx: &mut Context<Self>,
        conversation_id: ConversationId,
        batch: &ConversationBatch,
        inserted: &HashSet<MessageId>,
    ) {
        let customer: Vec<(Value, Option<Value>)> = batch
            .messages
            .iter()
            .filter(|x| {
                x.direction == Direction::Inbound
                    && inserted.contains(&x.id)
                    && !matches!(x.kind.as_str(), "reaction" | "system" | "unsupported")
            })
            .map(|x| {
                let mut facts = crate::flow::interpret::message_facts(&x.kind, &x.content);
                if let Some(id) = x.context.as_ref().and_then(|c| c["id"].as_str()) {
                    facts["context_id"] = Value::String(id.to_owned());
                }
                (facts, x.referral.clone())
            })
            .collect();
        if customer.is_empty() {
            return;
        }
        if let Some(r) = &self.flow_run {
            for (facts, _) in customer {
                r.addr.do_send(FlowTrigger(Trigger::Message(facts)));
            }
            return;
        }
        let customer_count = customer.len();
        let welcome = std::mem::take(&mut self.welcome_pending);
        let (flows, tenant) = (self.deps.flows.clone(), self.tenant_id());
        let fut = async move {
            let active = flows.active_flows(tenant).await?;
            let mut customer = customer;
            if active.iter().any(|f| f.trigger_type == Some(crate::flow::triggers::TriggerType::CampaignReply)) {
                for (facts, _) in customer.iter_mut() {
                    if let Some(ctx_id) = facts["context_id"].as_str().map(str::to_owned) {
                        if let Some(by) = flows.sent_by_of(tenant, &ctx_id).await? {
                            facts["replied_to"] = by;
                        }
                    }
                }
            }
            for (i, (facts, referral)) in customer.iter().enumerate() {
                let first = welcome && i == 0;
                if let Some(flow) = active.iter().find(|f| f.triggered_by(facts, first, referral.as_ref())) {
                    let run = RunRecord::new(flow.id, flow.version, &flow.flow);
                    if flows.create_run(tenant, conversation_id, &run).await? {
                        let rest: Vec<Value> = customer[i + 1..].iter().map(|(f, _)| f.clone()).collect();
                        return Ok::<_, StoreError>(Some((flow.clone(), run, rest)));
                    }
                    return Ok(None);
                }
            }
            Ok(None)
        };
        let checked = customer_count as u64;
        ctx.wait(fut.into_actor(self).map(move |res, act, ctx| {
            match res {
                // The run counts the messages after its trigger as it takes them.
                Ok(Some((flow, run, rest))) => act.launch(ctx, conversation_id, flow, run, rest),
                // No trigger took them (or they could not be checked): done with.
                Ok(None) => EngineMetrics::add(&act.deps.metrics.flow_messages_handled, checked),
                Err(e) => {
                    EngineMetrics::add(&act.deps.metrics.flow_messages_handled, checked);
                    let _span = act.span().entered();
                    tracing::error!(error = %e, "flow triggers could not be checked");
                }
            }
        }));
    }

    /// Starts a new run and gives it the messages that came after its
    /// trigger in the same batch.
    fn launch(&mut self, ctx: &mut Context<Self>, conversation_id: ConversationId, flow: ActiveFlow, run: RunRecord, rest: Vec<Value>) {
        EngineMetrics::add(&self.deps.metrics.flow_runs_started, 1);
        self.start_run(ctx, conversation_id, flow.flow.clone(), run, flow.pause_on_agent_reply);
        if let Some(r) = &self.flow_run {
            r.addr.do_send(FlowTrigger(Trigger::Go));
            for facts in rest {
                r.addr.do_send(FlowTrigger(Trigger::Message(facts)));
            }
        }
    }

    /// Starts an active flow by hand (an agent or the API); answers the run
    /// id, or why not (another run holds the conversation, the flow is not
    /// active).
    pub(super) fn start_flow_by_hand(
        &mut self,
        ctx: &mut Context<Self>,
        conversation_id: ConversationId,
        flow_id: uuid::Uuid,
        reply: StartFlowReply,
    ) {
        if self.flow_run.is_some() {
            if let Some(tx) = reply {
                let _ = tx.send(Err(ALREADY_RUNNING.into()));
            }
            return;
        }
        let (flows, tenant) = (self.deps.flows.clone(), self.tenant_id());
        let fut = async move {
            let active = flows.active_flows(tenant).await.map_err(|e| e.to_string())?;
            let flow = active.iter().find(|f| f.id == flow_id).cloned().ok_or("the flow is not active; activate it first")?;
            let run = RunRecord::new(flow.id, flow.version, &flow.flow);
            if !flows.create_run(tenant, conversation_id, &run).await.map_err(|e| e.to_string())? {
                return Err(ALREADY_RUNNING.to_owned());
            }
            Ok((flow, run))
        };
        ctx.wait(fut.into_actor(self).map(move |res, act, ctx| match res {
            Ok((flow, run)) => {
                let id = run.id;
                act.launch(ctx, conversation_id, flow, run, Vec::new());
                if let Some(tx) = reply {
                    let _ = tx.send(Ok(id));
                }
            }
            Err(e) => {
                if let Some(tx) = reply {
                    let _ = tx.send(Err(e));
                }
            }
        }));
    }
}

impl Handler<FromFlow> for ConversationActor {
    type Result = ();

    /// A request of the conversation's own run, queued in order like the
    /// tenant's work but not counted as forwarded by it (a conversation
    /// with a live run is never passivated).
    fn handle(&mut self, FromFlow(request): FromFlow, ctx: &mut Self::Context) {
        let _span = self.span().entered();
        self.last_flow_request = Instant::now();
        let work = match request {
            FlowRequest::Send(send) => Work::Command(Command::Send(send)),
            FlowRequest::Patch(patch, reply) => Work::Command(Command::Patch(patch, reply)),
            FlowRequest::Notify { kind, message } => Work::Control(Control::Notify { kind, message }),
            FlowRequest::Ended { run_id } => Work::Control(Control::FlowEnded { run_id }),
        };
        self.enqueue(work, EventReceipt::none());
        self.flush(ctx);
    }
}
