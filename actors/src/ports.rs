//! The ports the actors need from the outside world. `actors/` knows no SQL
//! and no HTTP: the server implements these with sqlx and reqwest and hands
//! them in at start-up (tests hand in their own, e.g. a store that fails).

use crate::events::{ConversationEvent, ConversationSummary};
use crate::identity::ContactIdentity;
use crate::ids::{ChannelId, ContactId, ConversationId, MessageId, TenantId, UserId, Wamid};
use crate::message::{Direction, MessageStatus, SentBy};
use crate::meta::TemplateStatusUpdate;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A store failure, by what the actor should do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or is overloaded: fail the work back
    /// to its inbox row, restart with backoff, retry later.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A row the work depends on is gone (a deleted contact, conversation
    /// or channel): re-resolve the customer instead of retrying in place.
    #[error("store: a row this needs is gone: {0}")]
    Missing(String),
    /// A constraint refused the write.
    #[error("store conflict: {0}")]
    Conflict(String),
    /// Anything else (a bug, unexpected data): retried a few times, then
    /// the events are parked as dead letters for an operator.
    #[error("store: {0}")]
    Bug(String),
    /// Another node now owns the conversation's partition (its lease epoch
    /// moved on): this node must stop the conversation and write nothing.
    #[error("fenced: another node owns this conversation's partition now")]
    Fenced,
}

impl StoreError {
    /// Whether waiting and retrying the same work can succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// A connected business number, as the router resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRef {
    /// The tenant that owns the number.
    pub tenant_id: TenantId,
    /// Our id of the number.
    pub channel_id: ChannelId,
    /// Meta's id of the number.
    pub phone_number_id: String,
    /// The number's send rate (Meta's throughput tier).
    pub messages_per_second: u32,
}

/// Looks up which tenant owns a number or a WABA. Only ever asked with ids
/// Meta sent; the tenant is never taken from anything a client says.
#[async_trait]
pub trait ChannelDirectory: Send + Sync + 'static {
    /// The channel with this Meta `phone_number_id`, if connected.
    async fn channel_by_phone_number_id(&self, phone_number_id: &str) -> Result<Option<ChannelRef>, StoreError>;
    /// The tenant that connected this WABA, if any.
    async fn tenant_by_waba(&self, waba_id: &str) -> Result<Option<TenantId>, StoreError>;
}

/// What a conversation actor loads when it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationSnapshot {
    /// The conversation.
    pub id: ConversationId,
    /// Whether the store created it just now.
    pub created: bool,
    /// open / pending / resolved / closed.
    pub status: String,
    /// The agent it is assigned to.
    pub assignee_id: Option<UserId>,
    /// Inbound messages no agent has read.
    pub unread_count: i64,
    /// Last event sequence number used.
    pub last_seq: i64,
    /// The customer's last message (opens the 24-hour window).
    pub last_inbound_at: Option<DateTime<Utc>>,
    /// The last message either way.
    pub last_message_at: Option<DateTime<Utc>>,
    /// The customer's phone (E.164), where to send.
    pub contact_phone: Option<String>,
    /// The customer's business-scoped user id, where to send without a phone.
    pub contact_user_id: Option<String>,
    /// The customer's latest message (read receipts and typing point at it).
    pub last_inbound_wamid: Option<Wamid>,
    /// Whether a flow run may be active on it: false when the store read
    /// it with none (a new customer's conversation never has one), so
    /// loading it asks the flow store nothing.
    pub may_have_run: bool,
}

impl ConversationSnapshot {
    /// What agents' lists show of a conversation as the store opened it
    /// (to announce one whose opening no conversation actor announces).
    pub fn summary(&self, channel_id: ChannelId, contact_id: ContactId) -> ConversationSummary {
        ConversationSummary {
            id: self.id,
            channel_id,
            contact_id,
            status: self.status.clone(),
            assignee_id: self.assignee_id,
            unread_count: self.unread_count,
            last_seq: self.last_seq,
            last_message_at: self.last_message_at,
            last_inbound_at: self.last_inbound_at,
            window_expires_at: crate::window::SessionWindow::from_last_inbound(self.last_inbound_at).expires_at(),
        }
    }
}

/// A message to insert (idempotent on `(tenant, wamid)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMessage {
    /// Our id.
    pub id: MessageId,
    /// Sequence number of its creation event.
    pub seq: i64,
    /// Meta's id.
    pub wamid: Option<Wamid>,
    /// Inbound / outbound.
    pub direction: Direction,
    /// Cloud API type.
    pub kind: String,
    /// Initial status.
    pub status: MessageStatus,
    /// The type's object.
    pub content: Value,
    /// Reply / forward context.
    pub context: Option<Value>,
    /// Ad referral.
    pub referral: Option<Value>,
    /// Meta's errors.
    pub errors: Option<Value>,
    /// Who sent it (outbound).
    pub sent_by: Option<SentBy>,
    /// The sender's idempotency key (outbound): one message per key.
    pub client_id: Option<String>,
    /// Meta's or our time of sending.
    pub timestamp: DateTime<Utc>,
}

/// The net effect of one or more status webhooks on one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    /// The message.
    pub wamid: Wamid,
    /// The highest status seen.
    pub status: MessageStatus,
    /// Sequence number given to this change (0 while held).
    #[serde(default)]
    pub seq: i64,
    /// When Meta reported `sent`.
    pub sent_at: Option<DateTime<Utc>>,
    /// When Meta reported `delivered`.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When Meta reported `read`.
    pub read_at: Option<DateTime<Utc>>,
    /// When Meta reported `failed`.
    pub failed_at: Option<DateTime<Utc>>,
    /// Errors of a failed message.
    pub errors: Option<Value>,
    /// Meta's pricing object.
    pub pricing: Option<Value>,
    /// Meta's conversation object.
    pub conversation: Option<Value>,
    /// `biz_opaque_callback_data` echoed by Meta: our message id, which links
    /// a wamid to a send whose response was lost.
    #[serde(default)]
    pub callback_data: Option<String>,
}

/// The result of a send applied to its message: Meta's wamid (accepted) or
/// Meta's error (failed).
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundUpdate {
    /// The message.
    pub message_id: MessageId,
    /// Meta's id, when accepted.
    pub wamid: Option<Wamid>,
    /// `accepted` or `failed`.
    pub status: MessageStatus,
    /// Meta's errors, when failed.
    pub errors: Option<Value>,
    /// Sequence number of the change.
    pub seq: i64,
}

/// Where a conversation stands in the team's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum ConversationStatus {
    /// Needs the team (a customer's message reopens a conversation).
    Open,
    /// Waiting on something (the customer, another team).
    Pending,
    /// Done for now.
    Resolved,
    /// Done for good.
    Closed,
}

impl ConversationStatus {
    /// All of them.
    pub const ALL: [ConversationStatus; 4] = [Self::Open, Self::Pending, Self::Resolved, Self::Closed];

    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Pending => "pending",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    /// Reads the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// An agent's change to a conversation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConversationPatch {
    /// New status.
    pub status: Option<ConversationStatus>,
    /// New assignee (`Some(None)` unassigns).
    pub assignee: Option<Option<UserId>>,
    /// The person making the change (None: the system, a rule, the bot),
    /// named in the conversation's activity.
    pub by: Option<UserId>,
    /// The assignee is set only if nobody holds the conversation when the
    /// change is written (an agent's first reply, the bot's hand-off): a
    /// concurrent assignment wins.
    pub claim: bool,
}

/// A customer's reaction applied to the message it targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReactionChange {
    /// The message reacted to.
    pub target: Wamid,
    /// The emoji, or `None` when the reaction was removed.
    pub emoji: Option<String>,
    /// When the customer reacted.
    pub at: DateTime<Utc>,
    /// Sequence number given to this change (0 while held).
    #[serde(default)]
    pub seq: i64,
}

/// An event that arrived before the message it refers to; the store keeps it
/// durably and hands it back when that message appears.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HeldEvent {
    /// A status for a message not stored yet.
    Status(StatusChange),
    /// A reaction to a message not stored yet.
    Reaction(ReactionChange),
}

impl HeldEvent {
    /// The message this event waits for.
    pub fn target(&self) -> &Wamid {
        match self {
            Self::Status(s) => &s.wamid,
            Self::Reaction(r) => &r.target,
        }
    }
}

/// One conversation's writes, committed atomically (many batches from many
/// conversations share one database transaction: group commit).
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationBatch {
    /// Tenant (sets the row-level-security context).
    pub tenant_id: TenantId,
    /// The conversation.
    pub conversation_id: ConversationId,
    /// New messages, in order.
    pub messages: Vec<NewMessage>,
    /// Status changes, at most one per wamid.
    pub statuses: Vec<StatusChange>,
    /// Reactions to apply to their targets.
    pub reactions: Vec<ReactionChange>,
    /// Send results to record.
    pub outbound: Vec<OutboundUpdate>,
    /// Agents read the conversation: unread goes to zero (before this batch's
    /// new messages count).
    pub reset_unread: bool,
    /// Status / assignee change.
    pub patch: Option<ConversationPatch>,
    /// The highest sequence number this batch used.
    pub last_seq: i64,
    /// The partition lease it is written under (several nodes): the commit
    /// does nothing if that lease's epoch has moved on. `None` on one node.
    pub fence: Option<crate::fence::Fence>,
    /// Webhook inbox rows this commit settles (deletes) in its own
    /// transaction: those whose only pending event is in this batch (see
    /// [`crate::ticket::EventReceipt::sole_row`]).
    pub settles: Vec<i64>,
}

/// A status change that moved a message up the ladder.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedStatus {
    /// The message.
    pub message_id: MessageId,
    /// Its wamid.
    pub wamid: Wamid,
    /// The status it now has.
    pub status: MessageStatus,
    /// The sequence number of the change.
    pub seq: i64,
    /// Errors, for failed messages.
    pub errors: Option<Value>,
}

/// What a committed batch did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BatchOutcome {
    /// Ids of messages actually inserted (duplicates are left out).
    pub inserted: Vec<MessageId>,
    /// Status changes that advanced a message.
    pub statuses_applied: Vec<AppliedStatus>,
    /// Reactions applied to stored messages: `(target message, seq)`.
    pub reactions_applied: Vec<(MessageId, i64)>,
    /// Events parked until their message appears.
    pub held: usize,
    /// Parked events whose message this batch inserted: apply them next.
    pub released: Vec<HeldEvent>,
    /// The conversation as stored after the batch.
    pub conversation: Option<ConversationSnapshot>,
    /// Sequence numbers the store closed up (planned → stored), because
    /// events numbered before them did nothing (a duplicate, a status that
    /// did not move its message on): the numbers stay without holes.
    /// Empty in the common batch.
    pub renumbered: std::collections::HashMap<i64, i64>,
}

/// Events parked for an operator after a conversation failed to store them
/// repeatedly (a dead letter).
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// Tenant.
    pub tenant_id: TenantId,
    /// The business number.
    pub channel_id: ChannelId,
    /// The customer.
    pub contact_id: ContactId,
    /// The conversation, when it was loaded.
    pub conversation_id: Option<ConversationId>,
    /// The events, replayable ([`crate::parked::ParkedEvents`] as JSON).
    pub events: Value,
    /// The last error.
    pub error: String,
}

/// Durable state the actors read and write.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Finds or creates the contact for an identity, filling in identity
    /// fields it lacked (a phone contact that now also has a user id).
    async fn resolve_contact(&self, tenant: TenantId, identity: &ContactIdentity) -> Result<ContactId, StoreError>;
    /// [`Self::resolve_contact`] for an event that came to `channel`: a
    /// contact created now gets its conversation on that channel opened in
    /// the same transaction (a new customer's first message then waits for
    /// one commit before its own, not two). `None` when the contact existed
    /// (its conversation is opened as usual) or the store does not group
    /// the two (the default).
    async fn resolve_contact_opening(
        &self,
        tenant: TenantId,
        identity: &ContactIdentity,
        channel: ChannelId,
    ) -> Result<(ContactId, Option<ConversationSnapshot>), StoreError> {
        let _ = channel;
        Ok((self.resolve_contact(tenant, identity).await?, None))
    }
    /// Loads, or creates, the conversation between a channel and a contact.
    async fn open_conversation(&self, tenant: TenantId, channel: ChannelId, contact: ContactId)
        -> Result<ConversationSnapshot, StoreError>;
    /// Commits one conversation's batch.
    async fn commit(&self, batch: ConversationBatch) -> Result<BatchOutcome, StoreError>;
    /// Records a template status change from Meta.
    async fn apply_template_status(&self, tenant: TenantId, update: &TemplateStatusUpdate) -> Result<(), StoreError>;
    /// Records a portfolio's messaging limit as of when Meta reported it
    /// (an older report than the one recorded changes nothing).
    async fn set_messaging_limit(&self, tenant: TenantId, limit: &crate::meta::MessagingLimit) -> Result<(), StoreError>;
    /// Sets a customer's marketing consent as of `at`, unless a later change
    /// was recorded already (webhooks arrive in any order).
    async fn set_marketing_consent(
        &self,
        tenant: TenantId,
        customer: &ContactIdentity,
        opted_in: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Parks events as a dead letter; its id.
    async fn park(&self, letter: DeadLetter) -> Result<i64, StoreError>;
}

/// Where conversation events go once durable: the tenant's fan-out hub.
pub trait EventSink: Send + Sync + 'static {
    /// Publishes an event to the tenant's live sessions that may see a
    /// conversation assigned to `assignee`. Never blocks.
    fn publish(&self, tenant: TenantId, assignee: Option<UserId>, event: ConversationEvent);
}

/// The time, injected so the 24-hour window and timers are testable.
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told: tests drive the 24-hour window, flow
/// delays and input timeouts with it instead of waiting for real time.
#[derive(Debug)]
pub struct ManualClock(std::sync::Mutex<DateTime<Utc>>);

impl ManualClock {
    /// A clock standing at `now`.
    pub fn at(now: DateTime<Utc>) -> Self {
        Self(std::sync::Mutex::new(now))
    }

    /// Moves the clock forward by `by` (saturating at the end of time).
    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *now = now.checked_add_signed(by).unwrap_or(DateTime::<Utc>::MAX_UTC);
    }
}

impl Default for ManualClock {
    /// Starts at the wall clock's now, then moves only when told.
    fn default() -> Self {
        Self::at(Utc::now())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// See [`crate::fence::Fence`] (re-exported where the store's types live).
pub use crate::fence::Fence;

#[cfg(test)]
mod tests {
    use super::ConversationStatus;

    #[test]
    fn conversation_statuses_round_trip() {
        for s in ConversationStatus::ALL {
            assert_eq!(ConversationStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.as_str()));
        }
        assert_eq!(ConversationStatus::parse("archived"), None);
    }
}
