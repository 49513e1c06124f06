//! [`ConversationWork`]: the one-word envelope the edges hand a tenant for a
//! conversation — the webhook router's events, the HTTP handlers' and agent
//! sockets' commands and controls. The tenant splits it once
//! ([`Work::from`]) into the conversation's own messages: an
//! [`super::Event`] with its receipt, a [`Command`] or a [`Control`].
//!
//! Why keep an envelope at all: the server names what it wants in one word
//! (`ConversationWork::Send(..)`, `ConversationWork::MarkRead`) and hands it
//! to `router.command(..)` without knowing the conversation's message kinds;
//! the tenant is where the split belongs, since it already picks (or
//! starts) the conversation. A flow run cannot use it: it speaks only
//! [`crate::protocol::FlowRequest`], and the conversation's internal
//! controls (`FlowEnded`, `Notify`) and released held events are not in it.

use super::{Command, Control, EventKind, ReplyTo, StartFlowReply, Work};
use crate::events::ConversationSummary;
use crate::flow::actor::FlowControl;
use crate::ids::MessageId;
use crate::meta::{InboundMessage, StatusUpdate};
use crate::parked::ParkedWork;
use crate::ports::ConversationPatch;
use crate::protocol::SendRequest;
use serde_json::Value;

/// Work for a conversation, as the edges name it.
#[derive(Debug)]
pub enum ConversationWork {
    /// A customer message (an event).
    Inbound(InboundMessage),
    /// A status for one of our messages (an event).
    Status(StatusUpdate),
    /// Events fed back: a dead letter an operator retries (an event).
    Replay(Vec<ParkedWork>),
    /// An agent, campaign or API client sends a message (a command).
    Send(SendRequest),
    /// Send again a message whose outcome was unconfirmed (a command).
    Resend {
        /// The message.
        message_id: MessageId,
        /// Its Cloud API body.
        body: Value,
    },
    /// Status / assignee change, answered once stored (a command).
    Patch(ConversationPatch, ReplyTo<ConversationSummary>),
    /// Start a flow by hand; answers the run id (a command).
    StartFlow {
        /// The flow.
        flow_id: uuid::Uuid,
        /// The run id, or why not.
        reply: StartFlowReply,
    },
    /// Agents read the conversation (a control).
    MarkRead,
    /// An agent is typing (a control).
    Typing,
    /// Pause, resume or stop the conversation's run (a control).
    Flow(FlowControl),
    /// Just load: rehydrate a conversation whose run or sends must go on (a
    /// control).
    Wake,
}

impl From<ConversationWork> for Work {
    /// Sorts the edge's work into its kind.
    fn from(work: ConversationWork) -> Self {
        match work {
            ConversationWork::Inbound(m) => Self::Event(EventKind::Inbound(m)),
            ConversationWork::Status(s) => Self::Event(EventKind::Status(s)),
            ConversationWork::Replay(p) => Self::Event(EventKind::Replay(p)),
            ConversationWork::Send(r) => Self::Command(Command::Send(r)),
            ConversationWork::Resend { message_id, body } => Self::Command(Command::Resend { message_id, body }),
            ConversationWork::Patch(p, reply) => Self::Command(Command::Patch(p, reply)),
            ConversationWork::StartFlow { flow_id, reply } => Self::Command(Command::StartFlow { flow_id, reply }),
            ConversationWork::MarkRead => Self::Control(Control::MarkRead),
            ConversationWork::Typing => Self::Control(Control::Typing),
            ConversationWork::Flow(c) => Self::Control(Control::Flow(c)),
            ConversationWork::Wake => Self::Control(Control::Wake),
        }
    }
}
