//! Commands crossing to the node that owns their conversation (several
//! nodes): a [`Command`] split into its durable form and its sender's
//! waiter, and a [`RemoteCommand`] turned back into this node's work.

use super::{Command, Control, ConversationWork};
use crate::flow::actor::FlowControl;
use crate::protocol::{SendRefusal, SendRequest};
use crate::remote::{FlowAction, RemoteAnswer, RemoteCommand, Waiter};

/// A control worth carrying to another node: an agent's read mark and a
/// flow run's pause, resume or stop. Typing, wake-ups and the engine's own
/// controls are not (they mean nothing by the time they would arrive, or
/// the owner does them itself).
pub fn remote_control(control: Control) -> Option<RemoteCommand> {
    match control {
        Control::MarkRead => Some(RemoteCommand::MarkRead),
        Control::Flow(c) => Some(RemoteCommand::Flow {
            action: match c {
                FlowControl::Pause => FlowAction::Pause,
                FlowControl::Resume => FlowAction::Resume,
                FlowControl::Stop => FlowAction::Stop,
            },
        }),
        Control::Typing | Control::Notify { .. } | Control::Wake | Control::FlowEnded { .. } => None,
    }
}
use futures::future::BoxFuture;
use futures::FutureExt;

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

/// The command as this (owning) node's work, and its answer once done.
pub fn work_of(command: RemoteCommand) -> (ConversationWork, BoxFuture<'static, RemoteAnswer>) {
    command.into_work()
}

trait IntoWork {
    fn into_work(self) -> (ConversationWork, BoxFuture<'static, RemoteAnswer>);
}

impl IntoWork for RemoteCommand {
    fn into_work(self) -> (ConversationWork, BoxFuture<'static, RemoteAnswer>) {
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
            RemoteCommand::MarkRead => (ConversationWork::MarkRead, futures::future::ready(RemoteAnswer::Nothing).boxed()),
            RemoteCommand::Flow { action } => {
                let control = match action {
                    FlowAction::Pause => FlowControl::Pause,
                    FlowAction::Resume => FlowControl::Resume,
                    FlowAction::Stop => FlowControl::Stop,
                };
                (ConversationWork::Flow(control), futures::future::ready(RemoteAnswer::Nothing).boxed())
            }
            RemoteCommand::Resend { message_id, body } => {
                (ConversationWork::Resend { message_id, body }, futures::future::ready(RemoteAnswer::Nothing).boxed())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use crate::message::SentBy;
    use crate::protocol::Lane;

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
