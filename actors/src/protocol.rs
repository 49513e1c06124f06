//! The words several actors share: which conversation, which lane, what a
//! sender asks for and why it may be refused, where an answer goes, and what
//! a flow run may ask of its conversation.
//!
//! This module is a leaf: it names only data (ids, messages, summaries and
//! the store's patch type), never an actor, so the actors that speak these
//! words — the conversation, its flow run, the outbox, the tenant — depend
//! on it and not on each other.

use crate::events::ConversationSummary;
use crate::ids::{ChannelId, ContactId, Wamid};
use crate::message::{MessageView, SentBy};
use crate::ports::ConversationPatch;
use actix::Message;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Identifies a conversation: one channel, one contact. The tenant keys its
/// registry with it and the outbox tags each send with it, so an outcome
/// finds its way back to the conversation that sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConversationKey {
    /// The business number.
    pub channel_id: ChannelId,
    /// The customer.
    pub contact_id: ContactId,
}

/// Which lane a send waits in at its number's outbox: a live reply never
/// waits behind bulk traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    /// An agent replying now: never waits behind bulk.
    Live,
    /// Flows: behind live replies, in order.
    Bulk,
    /// Campaigns: bulk, and never within Meta's pair-rate gap
    /// ([`crate::outbound::PAIR_GAP`]) of the number's last message to the
    /// same customer (Meta refuses bursts to one user with 131056).
    Broadcast,
}

/// Where the answer to a command goes: `None` when nobody waits for it.
pub type ReplyTo<T> = Option<tokio::sync::oneshot::Sender<Result<T, SendRefusal>>>;

/// A message someone wants sent (an agent, the API, a flow, a campaign): the
/// conversation stores it, answers the sender, then hands it to the outbox.
#[derive(Debug)]
pub struct SendRequest {
    /// Cloud API type.
    pub kind: String,
    /// The type's object, as in the Cloud API send payload.
    pub content: Value,
    /// The message it replies to.
    pub reply_to: Option<Wamid>,
    /// The sender's idempotency key.
    pub client_id: Option<String>,
    /// Who sends.
    pub sent_by: Option<SentBy>,
    /// Live (agent) or bulk.
    pub lane: Lane,
    /// Where the stored message (or the refusal) goes.
    pub reply: ReplyTo<MessageView>,
}

impl SendRequest {
    /// Templates are the only messages allowed outside the 24-hour window.
    pub fn allowed_outside_window(&self) -> bool {
        self.kind == "template"
    }

    /// Answers the sender (if it still listens).
    pub fn answer(&mut self, result: Result<MessageView, SendRefusal>) {
        if let Some(tx) = self.reply.take() {
            let _ = tx.send(result);
        }
    }
}

/// Why a send (or another command) was not done: each names what the
/// sender can do about it.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum SendRefusal {
    /// Outside the 24-hour customer service window, only templates.
    #[error("the 24-hour customer service window is closed{}: only an approved template can reach this customer; send a template message (type \"template\") to reopen the conversation", match .expires_at { Some(t) => format!(" (it closed at {})", t.to_rfc3339()), None => " (the customer has not written yet)".to_owned() })]
    WindowClosed {
        /// When it closed (None: never opened).
        expires_at: Option<DateTime<Utc>>,
    },
    /// A message with this client id exists already.
    #[error("a message with this client_id was already sent")]
    Duplicate,
    /// The contact has neither phone nor user id.
    #[error("this contact has no phone number or WhatsApp user id to send to")]
    NoRecipient,
    /// The engine could not store it now.
    #[error("the message could not be stored now; retry")]
    Unavailable,
    /// The conversation's contact was deleted meanwhile.
    #[error("this conversation no longer exists: its contact was deleted")]
    Gone,
}

/// What a flow run may ask of its conversation: exactly these four, so a
/// run cannot inject customer events or commands meant for agents.
#[derive(Debug)]
pub enum FlowRequest {
    /// Send a message as the flow (answered once stored).
    Send(SendRequest),
    /// Change the conversation's status or assignee (answered once stored).
    Patch(ConversationPatch, ReplyTo<ConversationSummary>),
    /// Tell the conversation's agents something (a hand-off, a failure).
    Notify {
        /// What kind.
        kind: String,
        /// For people.
        message: String,
    },
    /// The run ended: the conversation may start another and may idle.
    Ended {
        /// Which run.
        run_id: uuid::Uuid,
    },
}

/// A flow run's request to its conversation. A message of its own (not one
/// of the tenant's) so the tenant's count of what it forwarded stays exact:
/// a conversation with a live run is never passivated anyway.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct FromFlow(pub FlowRequest);
