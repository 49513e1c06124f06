//! Work that can wait outside a live actor: a conversation that failed to
//! store its events several times parks them as a dead letter (JSON in the
//! store) instead of retrying forever, and an operator feeds them back later;
//! a conversation whose rows vanished hands its events back to its tenant to
//! be routed again. Both need the events in a durable, replayable form —
//! this module's [`ParkedWork`] — including events already planned into a
//! batch that failed ([`unplan`]). The conversation parks its queued events
//! and turns parked ones back into events
//! ([`crate::conversation::EventKind::from_parked`]); this module knows no
//! actor.

use crate::identity::ContactIdentity;
use crate::ids::MessageId;
use crate::message::{Direction, MessageStatus};
use crate::meta::webhook::ChannelAddress;
use crate::meta::InboundMessage;
use crate::outbound::{SendFailure, SendResult};
use crate::ports::{ConversationBatch, HeldEvent, StatusChange};
use serde::{Deserialize, Serialize};

/// One event, durable and replayable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ParkedWork {
    /// A customer's message.
    Inbound {
        /// As received.
        message: Box<InboundMessage>,
    },
    /// A status or reaction for one of the conversation's messages.
    Held {
        /// The change.
        event: HeldEvent,
    },
    /// Meta's answer to one of our sends.
    SendResult {
        /// Our message.
        message_id: MessageId,
        /// What became of it.
        result: SendResult,
    },
}

/// What a dead letter holds: the events, and the customer they concern, so
/// a replay finds the customer's contact afresh (it may have been deleted or
/// merged meanwhile).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParkedEvents {
    /// The customer.
    pub customer: ContactIdentity,
    /// The events, in order.
    pub works: Vec<ParkedWork>,
}

/// Events for a conversation whose partition another node owns, stored for
/// that owner (several nodes): the conversation is named by its channel and
/// contact, already resolved by the node that received them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Handoff {
    /// The tenant.
    pub tenant_id: crate::ids::TenantId,
    /// The number the conversation is on.
    pub phone_number_id: String,
    /// The customer's contact.
    pub contact_id: crate::ids::ContactId,
    /// The partition the conversation hashes into.
    pub partition: u16,
    /// The events, in order.
    pub works: Vec<ParkedWork>,
}

/// Turns a batch that failed to commit back into its events: the customer's
/// messages (with `customer` and the number they wrote to), the statuses and
/// reactions, and the send results. New outbound messages are not events
/// (their senders are answered instead) and are left out.
pub fn unplan(batch: &ConversationBatch, phone_number_id: &str, customer: &ContactIdentity) -> Vec<ParkedWork> {
    let mut out = Vec::new();
    for m in batch.messages.iter().filter(|m| m.direction == Direction::Inbound) {
        let Some(wamid) = m.wamid.clone() else { continue };
        out.push(ParkedWork::Inbound {
            message: Box::new(InboundMessage {
                channel: ChannelAddress {
                    phone_number_id: phone_number_id.to_owned(),
                    display_phone_number: String::new(),
                    waba_id: String::new(),
                },
                wamid,
                from: customer.clone(),
                timestamp: m.timestamp,
                kind: m.kind.clone(),
                content: m.content.clone(),
                context: m.context.clone(),
                referral: m.referral.clone(),
                errors: m.errors.clone(),
            }),
        });
    }
    let from_inbound: std::collections::HashSet<i64> =
        batch.messages.iter().filter(|m| m.direction == Direction::Inbound && m.kind == "reaction").map(|m| m.seq).collect();
    for r in batch.reactions.iter().filter(|r| !from_inbound.contains(&r.seq)) {
        out.push(ParkedWork::Held { event: HeldEvent::Reaction(r.clone()) });
    }
    for s in &batch.statuses {
        out.push(ParkedWork::Held { event: HeldEvent::Status(StatusChange { seq: 0, ..s.clone() }) });
    }
    for u in &batch.outbound {
        let result = match (u.status, &u.wamid) {
            (MessageStatus::Accepted, Some(w)) => SendResult::Accepted(w.clone()),
            (MessageStatus::Unconfirmed, _) => SendResult::Unconfirmed,
            _ => SendResult::Failed(failure_from_errors(u.errors.as_ref())),
        };
        out.push(ParkedWork::SendResult { message_id: u.message_id, result });
    }
    out
}

fn failure_from_errors(errors: Option<&serde_json::Value>) -> SendFailure {
    let first = errors.and_then(|e| e.get(0));
    SendFailure {
        code: first.and_then(|e| e["code"].as_i64()).unwrap_or(131000),
        title: first.and_then(|e| e["title"].as_str()).unwrap_or("send failed").to_owned(),
        details: first.and_then(|e| e["error_data"]["details"].as_str()).filter(|d| !d.is_empty()).map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ConversationId, TenantId, Wamid};
    use crate::ports::{NewMessage, OutboundUpdate};
    use serde_json::json;

    #[test]
    fn a_failed_batch_comes_back_as_replayable_events() {
        let now = chrono::Utc::now();
        let batch = ConversationBatch {
            tenant_id: TenantId::generate(),
            conversation_id: ConversationId::generate(),
            messages: vec![
                NewMessage {
                    id: MessageId::generate(),
                    seq: 5,
                    wamid: Some(Wamid("wamid.in".into())),
                    direction: Direction::Inbound,
                    kind: "text".into(),
                    status: MessageStatus::Received,
                    content: json!({"body": "hi"}),
                    context: None,
                    referral: None,
                    errors: None,
                    sent_by: None,
                    client_id: None,
                    timestamp: now,
                },
                NewMessage {
                    id: MessageId::generate(),
                    seq: 6,
                    wamid: None,
                    direction: Direction::Outbound,
                    kind: "text".into(),
                    status: MessageStatus::Pending,
                    content: json!({"body": "agent"}),
                    context: None,
                    referral: None,
                    errors: None,
                    sent_by: None,
                    client_id: None,
                    timestamp: now,
                },
            ],
            statuses: vec![],
            reactions: vec![],
            outbound: vec![OutboundUpdate {
                message_id: MessageId::generate(),
                wamid: Some(Wamid("wamid.out".into())),
                status: MessageStatus::Accepted,
                errors: None,
                seq: 7,
            }],
            reset_unread: false,
            patch: None,
            last_seq: 7,
            fence: None,
            settles: Vec::new(),
        };
        let who = ContactIdentity { phone: None, user_id: Some("US.1".into()), username: None, name: None };
        let parked = unplan(&batch, "123", &who);
        assert_eq!(parked.len(), 2, "the agent's new message is not an event");
        let text = serde_json::to_string(&parked).unwrap();
        let back: Vec<ParkedWork> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, parked);
        assert!(matches!(&back[0], ParkedWork::Inbound { message } if message.from == who));
        assert!(matches!(&back[1], ParkedWork::SendResult { result: SendResult::Accepted(w), .. } if w.0 == "wamid.out"));
    }
}
