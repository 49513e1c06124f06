//! [`Command`]: something an agent, the API or a flow asks the conversation
//! to do, answered to whoever asked (the stored message, the summary, the
//! run id, or why not). Commands take their turn in the one queue, so a
//! reply is stored after the customer message it answers.

use super::{ConversationActor, Work};
use crate::events::ConversationSummary;
use crate::ids::MessageId;
use crate::ports::ConversationPatch;
use crate::protocol::{ReplyTo, SendRefusal, SendRequest};
use crate::ticket::EventReceipt;
use actix::prelude::*;
use serde_json::Value;

/// Where the run id of a flow started by hand (or why not) goes.
pub type StartFlowReply = Option<tokio::sync::oneshot::Sender<Result<uuid::Uuid, String>>>;

/// A request to the conversation, answered once done.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub enum Command {
    /// An agent, flow, campaign or API client sends a message: stored,
    /// answered with the stored message, then handed to the outbox.
    Send(SendRequest),
    /// Status / assignee change, answered once stored.
    Patch(ConversationPatch, ReplyTo<ConversationSummary>),
    /// Start a flow by hand (an agent or the API); answers the run id.
    StartFlow {
        /// The flow.
        flow_id: uuid::Uuid,
        /// The run id, or why not.
        reply: StartFlowReply,
    },
    /// Send again a message whose outcome was unconfirmed: an agent asked,
    /// and its row is pending again.
    Resend {
        /// The message.
        message_id: MessageId,
        /// Its Cloud API body.
        body: Value,
    },
}

impl Command {
    /// Answers a command that cannot be done here with `why` (a resend has
    /// nobody waiting).
    pub fn refuse(self, why: SendRefusal) {
        match self {
            Self::Send(mut req) => req.answer(Err(why)),
            Self::Patch(_, Some(reply)) => {
                let _ = reply.send(Err(why));
            }
            Self::StartFlow { reply: Some(reply), .. } => {
                let _ = reply.send(Err(why.to_string()));
            }
            Self::Patch(_, None) | Self::StartFlow { reply: None, .. } | Self::Resend { .. } => {}
        }
    }
}

impl Handler<Command> for ConversationActor {
    type Result = ();

    /// Queues the command behind everything already waiting; it is answered
    /// at its turn (a send or patch once committed).
    fn handle(&mut self, cmd: Command, ctx: &mut Self::Context) {
        let _span = self.span().entered();
        self.received_from_tenant();
        self.enqueue(Work::Command(cmd), EventReceipt::none());
        self.flush(ctx);
    }
}
