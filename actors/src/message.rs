//! Messages as the engine stores and shows them: direction, the delivery
//! status ladder (which never moves backwards) and the API view.

use crate::ids::{ConversationId, MessageId, UserId, Wamid};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which way a message travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// From the customer to the business.
    Inbound,
    /// From the business (agent, flow, campaign, API) to the customer.
    Outbound,
}

impl Direction {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
        }
    }
}

/// Where a message stands. Inbound messages are `received`; outbound ones
/// climb `pending → accepted → sent → delivered → read`, or end `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    /// Inbound, stored.
    Received,
    /// Outbound, queued, not yet accepted by Meta.
    Pending,
    /// Outbound, accepted by the Cloud API (we hold its wamid).
    Accepted,
    /// Outbound, handed to Meta but its answer was lost and no status came
    /// within the grace: the customer may or may not have it. Never resent
    /// blindly; an agent may resend it by hand.
    Unconfirmed,
    /// Meta sent it to the customer's device.
    Sent,
    /// It reached the customer's device.
    Delivered,
    /// Meta could not deliver it; the error is kept.
    Failed,
    /// The customer read it.
    Read,
    /// A voice message the customer played.
    Played,
}

impl MessageStatus {
    /// All of them, in the order a message climbs.
    pub const ALL: [MessageStatus; 9] = [
        Self::Received,
        Self::Pending,
        Self::Accepted,
        Self::Unconfirmed,
        Self::Sent,
        Self::Delivered,
        Self::Read,
        Self::Played,
        Self::Failed,
    ];

    /// Position on the ladder: a status only ever replaces a lower one, so a
    /// late `delivered` never undoes `read`. Meta may skip steps (a message
    /// read at once has no `delivered`), which the ladder allows.
    pub fn rank(self) -> u8 {
        match self {
            Self::Received | Self::Pending => 0,
            Self::Accepted | Self::Unconfirmed => 1,
            Self::Sent => 2,
            Self::Delivered => 3,
            Self::Failed => 4,
            Self::Read => 5,
            Self::Played => 6,
        }
    }

    /// Meta's spelling in status webhooks (`sent`, `delivered`, `read`,
    /// `failed`, `played`); other values are not statuses the engine tracks.
    pub fn from_meta(s: &str) -> Option<Self> {
        Some(match s {
            "accepted" => Self::Accepted,
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "read" => Self::Read,
            "failed" => Self::Failed,
            "played" => Self::Played,
            _ => return None,
        })
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Unconfirmed => "unconfirmed",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Read => "read",
            Self::Played => "played",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "received" => Self::Received,
            "pending" => Self::Pending,
            "unconfirmed" => Self::Unconfirmed,
            other => return Self::from_meta(other),
        })
    }
}

/// Who made an outbound message: every message records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SentBy {
    /// An agent replying from the inbox.
    Agent {
        /// The agent.
        id: UserId,
    },
    /// A chatbot flow run.
    Flow {
        /// The flow.
        id: uuid::Uuid,
    },
    /// A broadcast campaign.
    Campaign {
        /// The campaign.
        id: uuid::Uuid,
    },
    /// The public API, by API key.
    Api {
        /// The key.
        id: uuid::Uuid,
    },
    /// An automation rule, or the away message of a business-hours
    /// schedule, or the satisfaction survey (each by its row's id).
    Automation {
        /// The rule, schedule or survey settings.
        id: uuid::Uuid,
    },
}

/// A message as the REST API returns it and as `message:new` carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct MessageView {
    /// Our id.
    pub id: MessageId,
    /// Its conversation.
    pub conversation_id: ConversationId,
    /// The conversation event sequence number that created it.
    pub seq: i64,
    /// Meta's id (absent while an outbound message is still pending).
    pub wamid: Option<Wamid>,
    /// Inbound or outbound.
    pub direction: Direction,
    /// Cloud API message type (`text`, `image`, …, `unknown`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Delivery status.
    pub status: MessageStatus,
    /// The type's object as received or sent (`{"body": …}` for text).
    #[ts(type = "unknown")]
    pub content: Value,
    /// What it replies to (`{from, id}`) or forwarding info.
    #[ts(type = "{ message_id?: string | null; id?: string | null; from?: string | null; forwarded?: boolean } | null")]
    pub context: Option<Value>,
    /// Click-to-WhatsApp ad that started it.
    #[ts(type = "unknown")]
    pub referral: Option<Value>,
    /// Meta's errors for this message (failed sends, unsupported types).
    #[ts(
        type = "Array<{ code: number | string; title: string; message?: string | null; error_data?: { details?: string } | null }> | null"
    )]
    pub errors: Option<Value>,
    /// The customer's reaction to this message (`{emoji, at}`).
    #[ts(type = "{ emoji: string; at: string } | null")]
    pub reaction: Option<Value>,
    /// Meta's pricing info from status webhooks.
    #[ts(type = "unknown")]
    pub pricing: Option<Value>,
    /// Who sent it (outbound only).
    pub sent_by: Option<SentBy>,
    /// The sender's idempotency key (lets a client match its pending bubble).
    #[serde(default)]
    pub client_id: Option<String>,
    /// Meta's timestamp for inbound; our send time for outbound.
    pub timestamp: DateTime<Utc>,
    /// When we stored it.
    pub created_at: DateTime<Utc>,
    /// When Meta reported it sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// When Meta reported it delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When Meta reported it read.
    pub read_at: Option<DateTime<Utc>>,
    /// When Meta reported it failed.
    pub failed_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::MessageStatus::*;

    #[test]
    fn ladder_never_goes_backwards() {
        assert!(Read.rank() > Delivered.rank());
        assert!(Delivered.rank() > Sent.rank());
        assert!(Sent.rank() > Accepted.rank());
        assert!(Read.rank() > Failed.rank());
        assert!(Failed.rank() > Delivered.rank());
    }

    #[test]
    fn meta_spellings_round_trip() {
        for s in [Accepted, Sent, Delivered, Read, Failed, Played, Received, Pending] {
            assert_eq!(super::MessageStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(super::MessageStatus::from_meta("deleted"), None);
    }
}
