//! Commands for a conversation another node owns (several nodes): the
//! command in a durable, serialisable form for that node, and its answer on
//! the way back. The sender's reply channel stays with the node the command
//! came in on (a [`Waiter`]); the owner runs the command with channels of
//! its own and sends back a [`RemoteAnswer`].

use crate::events::ConversationSummary;
use crate::ids::{ContactId, MessageId, TenantId, Wamid};
use crate::message::{MessageView, SentBy};
use crate::ports::ConversationPatch;
use crate::protocol::{Lane, ReplyTo, SendRefusal};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where the run id of a flow started by hand goes (as
/// [`crate::conversation::StartFlowReply`]).
pub type RunReply = Option<tokio::sync::oneshot::Sender<Result<uuid::Uuid, String>>>;

/// A command, without its reply channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum RemoteCommand {
    /// See `Command::Send`.
    Send {
        /// Cloud API type.
        kind: String,
        /// The type's object.
        content: Value,
        /// The message it replies to.
        reply_to: Option<Wamid>,
        /// The idempotency key (always set: a replayed command never sends twice).
        client_id: Option<String>,
        /// Who sends.
        sent_by: Option<SentBy>,
        /// Its lane.
        lane: Lane,
    },
    /// See `Command::Patch`.
    Patch {
        /// The change.
        patch: ConversationPatch,
    },
    /// See `Command::StartFlow`.
    StartFlow {
        /// The flow.
        flow_id: uuid::Uuid,
    },
    /// See `Command::Resend`.
    Resend {
        /// The message.
        message_id: MessageId,
        /// Its Cloud API body.
        body: Value,
    },
    /// Agents read the conversation (see `Control::MarkRead`).
    MarkRead,
    /// Pause, resume or stop the conversation's flow run (see `Control::Flow`).
    Flow {
        /// What to do to it.
        action: FlowAction,
    },
}

/// A flow run control, as it crosses nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowAction {
    /// Stop answering.
    Pause,
    /// Carry on.
    Resume,
    /// End it for good.
    Stop,
}

/// The answer to a [`RemoteCommand`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "answer", content = "result", rename_all = "snake_case")]
pub enum RemoteAnswer {
    /// To a send.
    Message(Result<Box<MessageView>, SendRefusal>),
    /// To a patch.
    Summary(Result<ConversationSummary, SendRefusal>),
    /// To a flow start.
    Run(Result<uuid::Uuid, String>),
    /// Nobody waits (a resend, or a command sent without a reply channel).
    Nothing,
}

/// The sender's side of a command sent to another node: answered when the
/// owner's answer comes back (or refused if it never does).
pub enum Waiter {
    /// A send's sender.
    Message(ReplyTo<MessageView>),
    /// A patch's sender.
    Summary(ReplyTo<ConversationSummary>),
    /// A flow start's sender.
    Run(RunReply),
}

impl Waiter {
    /// Whether anybody waits for the answer.
    pub fn waits(&self) -> bool {
        match self {
            Self::Message(r) => r.is_some(),
            Self::Summary(r) => r.is_some(),
            Self::Run(r) => r.is_some(),
        }
    }

    /// Hands the owner's answer to the sender (a mismatched answer is a
    /// refusal to retry).
    pub fn answer(self, answer: RemoteAnswer) {
        match (self, answer) {
            (Self::Message(Some(tx)), RemoteAnswer::Message(r)) => {
                let _ = tx.send(r.map(|m| *m));
            }
            (Self::Summary(Some(tx)), RemoteAnswer::Summary(r)) => {
                let _ = tx.send(r);
            }
            (Self::Run(Some(tx)), RemoteAnswer::Run(r)) => {
                let _ = tx.send(r);
            }
            (waiter, _) => waiter.refuse(SendRefusal::Unavailable),
        }
    }

    /// Tells the sender the command could not be done (it may retry).
    pub fn refuse(self, why: SendRefusal) {
        match self {
            Self::Message(Some(tx)) => {
                let _ = tx.send(Err(why));
            }
            Self::Summary(Some(tx)) => {
                let _ = tx.send(Err(why));
            }
            Self::Run(Some(tx)) => {
                let _ = tx.send(Err(why.to_string()));
            }
            Self::Message(None) | Self::Summary(None) | Self::Run(None) => {}
        }
    }
}

/// A command on its way to the owner of its conversation's partition, as
/// stored in the inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandHandoff {
    /// The tenant.
    pub tenant_id: TenantId,
    /// The conversation's number.
    pub phone_number_id: String,
    /// Its contact.
    pub contact_id: ContactId,
    /// Its partition.
    pub partition: u16,
    /// The command.
    pub command: RemoteCommand,
    /// Where the answer goes: the sending node and its request id (`None`:
    /// nobody waits).
    pub reply: Option<ReplyAddress>,
}

/// A waiting sender, by node and request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyAddress {
    /// The node the sender waits on.
    pub node: String,
    /// Its request id there.
    pub request: uuid::Uuid,
}
