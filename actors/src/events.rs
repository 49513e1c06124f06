//! Events the engine publishes to agents once they are durable; serialised
//! as the agents' WebSocket frames (`{"event": …, "data": …}`).

use crate::ids::{ChannelId, ContactId, ConversationId, MessageId, UserId, Wamid};
use crate::message::{MessageStatus, MessageView};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The inbox-level facts of a conversation that agents' lists show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationSummary {
    /// The conversation.
    pub id: ConversationId,
    /// The business number.
    pub channel_id: ChannelId,
    /// The customer.
    pub contact_id: ContactId,
    /// open / pending / resolved / closed.
    pub status: String,
    /// Assigned agent.
    pub assignee_id: Option<UserId>,
    /// Unread inbound messages.
    pub unread_count: i64,
    /// Last event sequence number.
    pub last_seq: i64,
    /// The last message either way.
    pub last_message_at: Option<DateTime<Utc>>,
    /// The customer's last message.
    pub last_inbound_at: Option<DateTime<Utc>>,
    /// End of the 24-hour customer service window.
    pub window_expires_at: Option<DateTime<Utc>>,
}

/// A durable change in a conversation, in sequence order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", content = "data")]
pub enum ConversationEvent {
    /// A message was stored.
    #[serde(rename = "message:new")]
    MessageNew {
        /// Its conversation.
        conversation_id: ConversationId,
        /// Event sequence number.
        seq: i64,
        /// The message as the REST API returns it.
        message: Box<MessageView>,
    },
    /// A message moved up the status ladder.
    #[serde(rename = "message:status")]
    MessageStatus {
        /// Its conversation.
        conversation_id: ConversationId,
        /// Event sequence number.
        seq: i64,
        /// The message.
        message_id: MessageId,
        /// Meta's id.
        wamid: Wamid,
        /// New status.
        status: MessageStatus,
        /// Meta's errors when failed.
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<Value>,
    },
    /// A conversation was opened. A customer's is announced just before
    /// its first `message:new`, already counting that message (that batch
    /// publishes no `conversation:updated`).
    #[serde(rename = "conversation:new")]
    ConversationNew {
        /// It.
        conversation: ConversationSummary,
    },
    /// A conversation was assigned, transferred or unassigned.
    #[serde(rename = "conversation:assigned")]
    ConversationAssigned {
        /// It.
        conversation_id: ConversationId,
        /// The agent now responsible (None: unassigned).
        assignee_id: Option<UserId>,
    },
    /// Something agents should notice (a bot handed a conversation over).
    #[serde(rename = "notification")]
    Notification {
        /// Its conversation.
        conversation_id: ConversationId,
        /// What kind (`handoff`).
        kind: String,
        /// For people.
        message: String,
    },
    /// A conversation's inbox facts changed.
    #[serde(rename = "conversation:updated")]
    ConversationUpdated {
        /// It.
        conversation: ConversationSummary,
    },
}

impl ConversationEvent {
    /// The conversation the event belongs to.
    pub fn conversation_id(&self) -> ConversationId {
        match self {
            Self::MessageNew { conversation_id, .. }
            | Self::MessageStatus { conversation_id, .. }
            | Self::ConversationAssigned { conversation_id, .. }
            | Self::Notification { conversation_id, .. } => *conversation_id,
            Self::ConversationNew { conversation } | Self::ConversationUpdated { conversation } => conversation.id,
        }
    }
}
