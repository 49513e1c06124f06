//! Commands for a conversation another node owns (several nodes): the
//! command in a durable, serialisable form for that node, and its answer on
//! the way back. The sender's reply channel stays with the node the command
//! came in on (a [`Waiter`]); the owner runs the command with channels of
//! its own and sends back a [`RemoteAnswer`].

use crate::conversation::{Command, ConversationWork, StartFlowReply};
use crate::events::ConversationSummary;
use crate::ids::{ContactId, MessageId, TenantId, Wamid};
use crate::message::{MessageView, SentBy};
use crate::ports::ConversationPatch;
use crate::protocol::{Lane, ReplyTo, SendRefusal, SendRequest};
use futures::future::BoxFuture;
use futures::FutureExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A command, without its reply channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum RemoteCommand {
    /// See [`Command::Send`].
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
    /// See [`Command::Patch`].
    Patch {
        /// The change.
        patch: ConversationPatch,
    },
    /// See [`Command::StartFlow`].
    StartFlow {
        /// The flow.
        flow_id: uuid::Uuid,
    },
    /// See [`Command::Resend`].
    Resend {
        /// The message.
        message_id: MessageId,
        /// Its Cloud API body.
        body: Value,
    },
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
    Run(StartFlowReply),
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

impl Command {
    /// Splits the command into its durable form and its sender's waiter.
    /// A send without a `client_id` gets one, so replaying the stored
    /// command can never send twice.
    pub fn into_remote(self) -> (RemoteCommand, Option<Waiter>) {
        match self {
            Command::Send(req) => (
                RemoteCommand::Send {
                    kind: req.kind,
                    content: req.content,
                    reply_to: req.reply_to,
                    client_id: Some(req.client_id.unwrap_or_else(|| format!("node-handoff-{}", uuid::Uuid::new_v4()))),
                    sent_by: req.sent_by,
                    lane: req.lane,
                },
                Some(Waiter::Message(req.reply)),
            ),
            Command::Patch(patch, reply) => (RemoteCommand::Patch { patch }, Some(Waiter::Summary(reply))),
            Command::StartFlow { flow_id, reply } => (RemoteCommand::StartFlow { flow_id }, Some(Waiter::Run(reply))),
            Command::Resend { message_id, body } => (RemoteCommand::Resend { message_id, body }, None),
        }
    }
}

impl RemoteCommand {
    /// The command as this (owning) node's work, and its answer once done.
    pub fn into_work(self) -> (ConversationWork, BoxFuture<'static, RemoteAnswer>) {
        match self {
            RemoteCommand::Send { kind, content, reply_to, client_id, sent_by, lane } => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                let work = ConversationWork::Send(SendRequest { kind, content, reply_to, client_id, sent_by, lane, reply: Some(tx) });
                (work, rx.map(|r| RemoteAnswer::Message(r.unwrap_or(Err(SendRefusal::Unavailable)).map(Box::new))).boxed())
            }
            RemoteCommand::Patch { patch } => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                (
                    ConversationWork::Patch(patch, Some(tx)),
                    rx.map(|r| RemoteAnswer::Summary(r.unwrap_or(Err(SendRefusal::Unavailable)))).boxed(),
                )
            }
            RemoteCommand::StartFlow { flow_id } => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                (
                    ConversationWork::StartFlow { flow_id, reply: Some(tx) },
                    rx.map(|r| RemoteAnswer::Run(r.unwrap_or_else(|_| Err(SendRefusal::Unavailable.to_string())))).boxed(),
                )
            }
            RemoteCommand::Resend { message_id, body } => {
                (ConversationWork::Resend { message_id, body }, futures::future::ready(RemoteAnswer::Nothing).boxed())
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;

    #[test]
    fn a_send_crosses_with_a_client_id_and_its_answer_comes_back() {
        let (tx, mut rx) = tokio::sync::oneshot::channel();
        let cmd = Command::Send(SendRequest {
            kind: "text".into(),
            content: serde_json::json!({"body": "hi"}),
            reply_to: None,
            client_id: None,
            sent_by: Some(SentBy::Agent { id: UserId::generate() }),
            lane: Lane::Live,
            reply: Some(tx),
        });
        let (remote, waiter) = cmd.into_remote();
        let wire = serde_json::to_string(&remote).unwrap();
        let back: RemoteCommand = serde_json::from_str(&wire).unwrap();
        assert_eq!(back, remote);
        match &back {
            RemoteCommand::Send { client_id: Some(id), lane: Lane::Live, .. } => assert!(id.starts_with("node-handoff-")),
            other => panic!("{other:?}"),
        }
        let waiter = waiter.unwrap();
        assert!(waiter.waits());
        let answer = RemoteAnswer::Message(Err(SendRefusal::WindowClosed { expires_at: None }));
        let answer: RemoteAnswer = serde_json::from_str(&serde_json::to_string(&answer).unwrap()).unwrap();
        waiter.answer(answer);
        assert_eq!(rx.try_recv().unwrap(), Err(SendRefusal::WindowClosed { expires_at: None }));
    }

    #[test]
    fn a_mismatched_answer_is_a_refusal_to_retry() {
        let (tx, mut rx) = tokio::sync::oneshot::channel();
        Waiter::Summary(Some(tx)).answer(RemoteAnswer::Nothing);
        assert_eq!(rx.try_recv().unwrap(), Err(SendRefusal::Unavailable));
    }
}
