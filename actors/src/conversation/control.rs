//! [`Control`]: what steers the conversation without being an event of it:
//! nobody is answered and nothing of its own is stored as an event. Each
//! takes its turn in the one queue (so, say, a typing indicator follows the
//! message it is typed after) and is applied once the conversation is
//! loaded.

use super::{ConversationActor, Work};
use crate::events::ConversationEvent;
use crate::flow::actor::FlowControl;
use crate::outbound::StatusPing;
use crate::ticket::EventReceipt;
use actix::prelude::*;

/// A nudge to the conversation.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub enum Control {
    /// Agents read the conversation: a read receipt goes to Meta and the
    /// unread count goes to zero (the reset rides the next batch, the one
    /// control that is planned rather than applied).
    MarkRead,
    /// An agent is typing: the customer sees the typing indicator.
    Typing,
    /// Pause, resume or stop the conversation's run.
    Flow(FlowControl),
    /// Tell the agents something (a flow run's hand-off).
    Notify {
        /// What kind.
        kind: String,
        /// For people.
        message: String,
    },
    /// Just load (rehydrate a conversation whose run or pending sends must
    /// go on).
    Wake,
    /// The conversation's run ended (sent by the run).
    FlowEnded {
        /// Which run.
        run_id: uuid::Uuid,
    },
}

impl ConversationActor {
    /// Applies a control at its turn in the queue (the conversation is
    /// loaded). `MarkRead` is planned into the batch by `flush` instead.
    pub(super) fn apply_control(&mut self, control: Control) {
        let Some(live) = &self.live else { return };
        match control {
            Control::Typing => {
                if let Some(w) = &live.snapshot.last_inbound_wamid {
                    self.link.outbox.do_send(StatusPing { body: crate::send::typing_indicator(w) });
                }
            }
            Control::Notify { kind, message } => {
                let conversation_id = live.snapshot.id;
                self.deps.sink.publish(
                    self.tenant_id(),
                    live.snapshot.assignee_id,
                    ConversationEvent::Notification { conversation_id, kind, message },
                );
            }
            Control::FlowEnded { run_id } => {
                if self.flow_run.as_ref().is_some_and(|r| r.run_id == run_id) {
                    self.flow_run = None;
                }
            }
            Control::Flow(control) => {
                if let Some(r) = &self.flow_run {
                    r.addr.do_send(control);
                }
            }
            Control::MarkRead | Control::Wake => {}
        }
    }
}

impl Handler<Control> for ConversationActor {
    type Result = ();

    /// Queues the control behind everything already waiting (loading the
    /// conversation if it is not, which is all `Wake` asks).
    fn handle(&mut self, control: Control, ctx: &mut Self::Context) {
        let _span = self.span().entered();
        self.received_from_tenant();
        self.enqueue(Work::Control(control), EventReceipt::none());
        self.flush(ctx);
    }
}
