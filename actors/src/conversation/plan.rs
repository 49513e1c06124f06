//! Planning a batch, pure: queued work in, the batch to commit out —
//! sequence numbers in arrival order, sends turned into stored messages and
//! Cloud API bodies, several statuses for one message merged into its net
//! change (the higher status wins, every timestamp is kept). No actor, no
//! store: what the conversation commits can be tested and benchmarked alone.

use super::{Command, Control, EventKind, ReplyTo, Work};
use crate::events::ConversationSummary;
use crate::ids::{ConversationId, MessageId, TenantId, Wamid};
use crate::message::{Direction, MessageStatus, MessageView};
use crate::meta::StatusUpdate;
use crate::outbound::SendResult;
use crate::ports::{ConversationBatch, ConversationPatch, HeldEvent, NewMessage, OutboundUpdate, ReactionChange, StatusChange};
use crate::protocol::{SendRefusal, SendRequest};
use std::collections::HashMap;

/// What a batch is planned from.
pub struct PlanContext {
    /// Tenant.
    pub tenant_id: TenantId,
    /// Conversation.
    pub conversation_id: ConversationId,
    /// Last sequence number used.
    pub last_seq: i64,
    /// The customer's phone (send target).
    pub to: Option<String>,
    /// The customer's user id (send target without a phone).
    pub user_id: Option<String>,
    /// Now.
    pub now: chrono::DateTime<chrono::Utc>,
}

/// A send planned into a batch.
pub struct PlannedSend {
    /// The message row.
    pub message_id: MessageId,
    /// The Cloud API body.
    pub body: serde_json::Value,
    /// The request (its reply and lane).
    pub request: SendRequest,
}

/// A batch and what to do once it is committed.
pub struct Planned {
    /// The writes.
    pub batch: ConversationBatch,
    /// Sends to hand to the outbox.
    pub sends: Vec<PlannedSend>,
    /// Whether agents read the conversation.
    pub mark_read: bool,
    /// Who waits for a patch.
    pub patch_replies: Vec<ReplyTo<ConversationSummary>>,
}

/// Turns queued work into one batch: sequence numbers in arrival order,
/// several statuses for one message merged into its net change. Work that
/// is not committed (commands done at their turn, controls other than
/// `MarkRead`) is passed over.
pub fn plan_batch<W: Into<Work>>(pc: &PlanContext, works: Vec<W>) -> Planned {
    let mut seq = pc.last_seq;
    let mut messages = Vec::new();
    let mut reactions = Vec::new();
    let mut outbound = Vec::new();
    let mut sends = Vec::new();
    let mut mark_read = false;
    let mut patch: Option<ConversationPatch> = None;
    let mut patch_replies = Vec::new();
    let mut statuses: Vec<StatusChange> = Vec::new();
    let mut status_index: HashMap<Wamid, usize> = HashMap::new();
    let mut merge = |change: StatusChange, statuses: &mut Vec<StatusChange>| match status_index.get(&change.wamid) {
        Some(&i) => merge_status(&mut statuses[i], change),
        None => {
            status_index.insert(change.wamid.clone(), statuses.len());
            statuses.push(change);
        }
    };
    for work in works {
        match work.into() {
            Work::Event(EventKind::Inbound(m)) => {
                seq += 1;
                if let Some((target, emoji)) = m.reaction_target() {
                    reactions.push(ReactionChange { target, emoji, at: m.timestamp, seq });
                }
                messages.push(NewMessage {
                    id: MessageId::generate(),
                    seq,
                    wamid: Some(m.wamid),
                    direction: Direction::Inbound,
                    kind: m.kind,
                    status: MessageStatus::Received,
                    content: m.content,
                    context: m.context,
                    referral: m.referral,
                    errors: m.errors,
                    sent_by: None,
                    client_id: None,
                    timestamp: m.timestamp,
                });
            }
            Work::Event(EventKind::Status(s)) => merge(status_change(s), &mut statuses),
            Work::Event(EventKind::Held(HeldEvent::Status(s))) => merge(s, &mut statuses),
            // A reaction released from parking changes its target only: its
            // own message was numbered when it arrived.
            // (Its old number may since have been given back: it keeps none,
            // so that `unplan` never takes it for this batch's own reaction.)
            Work::Event(EventKind::Held(HeldEvent::Reaction(r))) => reactions.push(ReactionChange { seq: 0, ..r }),
            Work::Command(Command::Send(mut request)) => {
                if pc.to.is_none() && pc.user_id.is_none() {
                    request.answer(Err(SendRefusal::NoRecipient));
                    continue;
                }
                seq += 1;
                let id = MessageId::generate();
                let body = crate::send::cloud_api_body(
                    &request.kind,
                    &request.content,
                    request.reply_to.as_ref(),
                    pc.to.as_deref(),
                    pc.user_id.as_deref(),
                    &id.to_string(),
                );
                messages.push(NewMessage {
                    id,
                    seq,
                    wamid: None,
                    direction: Direction::Outbound,
                    kind: request.kind.clone(),
                    status: MessageStatus::Pending,
                    content: request.content.clone(),
                    context: request.reply_to.as_ref().map(|w| serde_json::json!({"id": w})),
                    referral: None,
                    errors: None,
                    sent_by: request.sent_by.clone(),
                    client_id: request.client_id.clone(),
                    timestamp: pc.now,
                });
                sends.push(PlannedSend { message_id: id, body, request });
            }
            Work::Event(EventKind::SendResult(outcome)) => {
                seq += 1;
                let (wamid, status, errors) = match outcome.result {
                    SendResult::Accepted(w) => (Some(w), MessageStatus::Accepted, None),
                    SendResult::Failed(f) => (None, MessageStatus::Failed, Some(f.to_errors())),
                    SendResult::Unconfirmed => (None, MessageStatus::Unconfirmed, None),
                };
                outbound.push(OutboundUpdate { message_id: outcome.message_id, wamid, status, errors, seq });
            }
            Work::Control(Control::MarkRead) => mark_read = true,
            Work::Command(Command::Patch(p, reply)) => {
                let merged = patch.get_or_insert_with(ConversationPatch::default);
                if p.status.is_some() {
                    merged.status = p.status;
                }
                if p.assignee.is_some() {
                    merged.assignee = p.assignee;
                    merged.claim = p.claim;
                }
                if p.by.is_some() {
                    merged.by = p.by;
                }
                patch_replies.push(reply);
            }
            Work::Event(EventKind::Replay(_))
            | Work::Command(Command::StartFlow { .. } | Command::Resend { .. })
            | Work::Control(Control::Typing | Control::Flow(_) | Control::Notify { .. } | Control::Wake | Control::FlowEnded { .. }) => {}
        }
    }
    for s in &mut statuses {
        seq += 1;
        s.seq = seq;
    }
    Planned {
        batch: ConversationBatch {
            tenant_id: pc.tenant_id,
            conversation_id: pc.conversation_id,
            messages,
            statuses,
            reactions,
            outbound,
            reset_unread: mark_read,
            patch,
            last_seq: seq,
            fence: None,
            settles: Vec::new(),
        },
        sends,
        mark_read,
        patch_replies,
    }
}

/// A status webhook as the change it makes.
pub(super) fn status_change(s: StatusUpdate) -> StatusChange {
    let at = Some(s.timestamp);
    let mut c = StatusChange {
        wamid: s.wamid,
        status: s.status,
        seq: 0,
        sent_at: None,
        delivered_at: None,
        read_at: None,
        failed_at: None,
        errors: s.errors,
        pricing: s.pricing,
        conversation: s.conversation,
        callback_data: s.callback_data,
    };
    match s.status {
        MessageStatus::Sent => c.sent_at = at,
        MessageStatus::Delivered => c.delivered_at = at,
        MessageStatus::Read | MessageStatus::Played => c.read_at = at,
        MessageStatus::Failed => c.failed_at = at,
        _ => {}
    }
    c
}

/// Folds a later-listed status for the same message into an earlier one:
/// the higher status wins, every timestamp and the latest pricing are kept.
fn merge_status(into: &mut StatusChange, next: StatusChange) {
    if next.status.rank() > into.status.rank() {
        into.status = next.status;
    }
    into.sent_at = into.sent_at.or(next.sent_at);
    into.delivered_at = into.delivered_at.or(next.delivered_at);
    into.read_at = into.read_at.or(next.read_at);
    into.failed_at = into.failed_at.or(next.failed_at);
    if next.errors.is_some() {
        into.errors = next.errors;
    }
    if next.pricing.is_some() {
        into.pricing = next.pricing;
    }
    if next.conversation.is_some() {
        into.conversation = next.conversation;
    }
    if next.callback_data.is_some() {
        into.callback_data = next.callback_data;
    }
}

/// A stored message as agents see it, right after its commit.
pub(super) fn view_of(conversation_id: ConversationId, m: &NewMessage, now: chrono::DateTime<chrono::Utc>) -> MessageView {
    MessageView {
        id: m.id,
        conversation_id,
        seq: m.seq,
        wamid: m.wamid.clone(),
        direction: m.direction,
        kind: m.kind.clone(),
        status: m.status,
        content: m.content.clone(),
        context: m.context.clone(),
        referral: m.referral.clone(),
        errors: m.errors.clone(),
        reaction: None,
        pricing: None,
        sent_by: m.sent_by.clone(),
        client_id: m.client_id.clone(),
        timestamp: m.timestamp,
        created_at: now,
        sent_at: None,
        delivered_at: None,
        read_at: None,
        failed_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::ContactIdentity;
    use crate::meta::webhook::ChannelAddress;
    use crate::meta::InboundMessage;
    use crate::protocol::Lane;
    use chrono::Utc;

    fn status(wamid: &str, s: MessageStatus) -> EventKind {
        EventKind::Status(StatusUpdate {
            channel: ChannelAddress { phone_number_id: "p".into(), display_phone_number: String::new(), waba_id: String::new() },
            wamid: Wamid(wamid.into()),
            status: s,
            recipient: ContactIdentity::default(),
            timestamp: Utc::now(),
            errors: None,
            conversation: None,
            pricing: if s == MessageStatus::Sent { Some(serde_json::json!({"billable": true})) } else { None },
            callback_data: None,
        })
    }

    #[test]
    fn statuses_of_one_message_merge_and_never_regress() {
        let works = vec![
            status("w1", MessageStatus::Read),
            status("w1", MessageStatus::Sent),
            status("w1", MessageStatus::Delivered),
            status("w2", MessageStatus::Sent),
        ];
        let pc = PlanContext {
            tenant_id: TenantId::generate(),
            conversation_id: ConversationId::generate(),
            last_seq: 10,
            to: None,
            user_id: None,
            now: Utc::now(),
        };
        let b = plan_batch(&pc, works).batch;
        assert_eq!(b.statuses.len(), 2);
        assert_eq!(b.statuses[0].status, MessageStatus::Read);
        assert!(b.statuses[0].sent_at.is_some() && b.statuses[0].delivered_at.is_some() && b.statuses[0].read_at.is_some());
        assert!(b.statuses[0].pricing.is_some());
        assert_eq!((b.statuses[0].seq, b.statuses[1].seq, b.last_seq), (11, 12, 12));
    }

    fn context(last_seq: i64, to: Option<&str>) -> PlanContext {
        PlanContext {
            tenant_id: TenantId::generate(),
            conversation_id: ConversationId::generate(),
            last_seq,
            to: to.map(str::to_owned),
            user_id: None,
            now: Utc::now(),
        }
    }

    fn inbound(wamid: &str) -> EventKind {
        EventKind::Inbound(InboundMessage {
            channel: ChannelAddress { phone_number_id: "p".into(), display_phone_number: String::new(), waba_id: String::new() },
            wamid: Wamid(wamid.into()),
            from: ContactIdentity::default(),
            timestamp: Utc::now(),
            kind: "text".into(),
            content: serde_json::json!({"body": "hi"}),
            context: None,
            referral: None,
            errors: None,
        })
    }

    fn send(text: &str) -> (Command, tokio::sync::oneshot::Receiver<Result<MessageView, SendRefusal>>) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let request = SendRequest {
            kind: "text".into(),
            content: serde_json::json!({"body": text}),
            reply_to: None,
            client_id: None,
            sent_by: None,
            lane: Lane::Live,
            reply: Some(tx),
        };
        (Command::Send(request), rx)
    }

    #[test]
    fn every_kind_plans_in_arrival_order_and_controls_pass_over() {
        let (reply, _rx) = send("hello");
        let patch = |status: Option<&str>, assignee: Option<Option<crate::ids::UserId>>| {
            Command::Patch(
                ConversationPatch { status: status.and_then(crate::ports::ConversationStatus::parse), assignee, by: None, claim: false },
                None,
            )
        };
        let works: Vec<Work> = vec![
            inbound("w1").into(),
            Control::Typing.into(),
            reply.into(),
            Control::MarkRead.into(),
            patch(Some("open"), None).into(),
            patch(None, Some(None)).into(),
            Control::Wake.into(),
            status("w0", MessageStatus::Delivered).into(),
        ];
        let p = plan_batch(&context(4, Some("+16315551181")), works);
        let seqs: Vec<(i64, Direction)> = p.batch.messages.iter().map(|m| (m.seq, m.direction)).collect();
        assert_eq!(seqs, vec![(5, Direction::Inbound), (6, Direction::Outbound)], "messages numbered in arrival order");
        assert_eq!((p.batch.statuses[0].seq, p.batch.last_seq), (7, 7), "statuses after the batch's messages");
        assert!(p.mark_read && p.batch.reset_unread);
        assert_eq!(
            p.batch.patch,
            Some(ConversationPatch { status: Some(crate::ports::ConversationStatus::Open), assignee: Some(None), by: None, claim: false }),
            "patches merge"
        );
        assert_eq!(p.patch_replies.len(), 2);
        assert_eq!(p.sends.len(), 1);
        assert_eq!(p.sends[0].body["to"], "+16315551181");
        assert_eq!(p.sends[0].body["biz_opaque_callback_data"], p.sends[0].message_id.to_string());
    }

    #[test]
    fn a_send_with_nobody_to_send_to_is_refused_and_takes_no_number() {
        let (request, mut rx) = send("hello");
        let p = plan_batch(&context(1, None), vec![Work::Command(request), inbound("w1").into()]);
        assert_eq!(rx.try_recv().unwrap(), Err(SendRefusal::NoRecipient));
        assert!(p.sends.is_empty());
        assert_eq!(p.batch.messages.len(), 1);
        assert_eq!(p.batch.messages[0].seq, 2);
    }
}
