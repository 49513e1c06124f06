//! A tenant's conversations as agents work them: the inbox list, one
//! conversation, its messages (pages back in time, or everything after a
//! sequence number), notes, tags, and the lookups a send needs (an earlier
//! message with the same idempotency key, an unconfirmed message to resend).
//! Every read that names a conversation applies the one visibility rule.

use super::{paginate, Cursor, DbError, Page, TagsAdded, TenantDb};
use crate::store::visibility::Visibility;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::Row;
use whatsflow_actors::ids::{ContactId, ConversationId, MessageId, UserId, Wamid};
use whatsflow_actors::message::{Direction, MessageStatus, MessageView, SentBy};
use whatsflow_actors::ports::{ChannelRef, ConversationStatus};
use whatsflow_actors::window::SESSION_WINDOW_HOURS;

/// Message columns, prefixed `m.`.
const MESSAGE_COLUMNS: &str = "m.id, m.conversation_id, m.seq, m.wamid, m.direction, m.type, m.status, m.content, m.context, m.referral,
    m.errors, m.reaction, m.pricing, m.sent_by, m.client_id, m.timestamp, m.created_at, m.sent_at, m.delivered_at, m.read_at, m.failed_at";

/// Reads a message row.
fn message_from_row(r: &PgRow) -> Result<MessageView, sqlx::Error> {
    let direction: String = r.try_get("direction")?;
    let status: String = r.try_get("status")?;
    Ok(MessageView {
        id: MessageId(r.try_get("id")?),
        conversation_id: ConversationId(r.try_get("conversation_id")?),
        seq: r.try_get("seq")?,
        wamid: r.try_get::<Option<String>, _>("wamid")?.map(Wamid),
        direction: if direction == "outbound" { Direction::Outbound } else { Direction::Inbound },
        kind: r.try_get("type")?,
        status: MessageStatus::parse(&status).unwrap_or(MessageStatus::Received),
        content: r.try_get("content")?,
        context: r.try_get("context")?,
        referral: r.try_get("referral")?,
        errors: r.try_get("errors")?,
        reaction: r.try_get("reaction")?,
        pricing: r.try_get("pricing")?,
        sent_by: r.try_get::<Option<Value>, _>("sent_by")?.and_then(|v| serde_json::from_value::<SentBy>(v).ok()),
        client_id: r.try_get("client_id")?,
        timestamp: r.try_get("timestamp")?,
        created_at: r.try_get("created_at")?,
        sent_at: r.try_get("sent_at")?,
        delivered_at: r.try_get("delivered_at")?,
        read_at: r.try_get("read_at")?,
        failed_at: r.try_get("failed_at")?,
    })
}

const CONVERSATION_SELECT: &str =
    "SELECT c.id, c.channel_id, c.status, c.assignee_id, c.team_id, c.priority, c.sla_breached_at, c.sla_breach, c.unread_count, c.last_seq, c.last_inbound_at,
    c.last_message_at, c.created_at, c.updated_at, COALESCE(c.last_message_at, c.created_at) AS sort_at,
    k.id AS contact_id, k.phone, k.name AS contact_name, k.wa_user_id, k.username, k.tags, c.tags AS conversation_tags,
    lm.message AS last_message
  FROM conversations c
  JOIN contacts k ON k.id = c.contact_id
  LEFT JOIN LATERAL (
    SELECT to_jsonb(x) AS message FROM (
      SELECT m.id, m.seq, m.direction, m.type, m.status, m.content, m.timestamp FROM messages m
      WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id ORDER BY m.seq DESC LIMIT 1) x
  ) lm ON true";

/// A conversation as the inbox shows it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct ConversationView {
    /// Id.
    pub id: ConversationId,
    /// The business number it is on.
    pub channel_id: uuid::Uuid,
    /// The customer.
    pub contact: ContactRef,
    /// Where it stands.
    pub status: ConversationStatus,
    /// Conversation tags.
    pub tags: Vec<String>,
    /// The agent working it.
    pub assignee_id: Option<UserId>,
    /// The team it belongs to.
    pub team_id: Option<uuid::Uuid>,
    /// low, normal, high or urgent.
    pub priority: String,
    /// When it missed an SLA target (this episode).
    pub sla_breached_at: Option<DateTime<Utc>>,
    /// Which: `first_response` or `resolution`.
    pub sla_breach: Option<String>,
    /// Inbound messages no agent has read.
    pub unread_count: i64,
    /// The conversation's event sequence (messages and statuses).
    pub last_seq: i64,
    /// The customer's last message (opens the 24-hour window).
    pub last_inbound_at: Option<DateTime<Utc>>,
    /// The newest message either way.
    pub last_message_at: Option<DateTime<Utc>>,
    /// When the customer service window closes.
    pub window_expires_at: Option<DateTime<Utc>>,
    /// The newest message.
    pub last_message: Option<MessageSummary>,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// The customer of a conversation, as the inbox list carries it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct ContactRef {
    /// The contact.
    pub id: ContactId,
    /// E.164 phone, when known.
    pub phone: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Meta's business-scoped user id, when known.
    pub user_id: Option<String>,
    /// WhatsApp username, when they have one.
    pub username: Option<String>,
    /// Contact tags.
    pub tags: Vec<String>,
}

/// The newest message of a conversation, as the inbox list carries it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct MessageSummary {
    /// Id.
    pub id: MessageId,
    /// Its sequence number.
    pub seq: i64,
    /// Inbound or outbound.
    pub direction: Direction,
    /// Cloud API message type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Delivery status.
    pub status: MessageStatus,
    /// The type's object.
    pub content: Value,
    /// When it was sent or received.
    pub timestamp: DateTime<Utc>,
}

fn conversation_view(r: &PgRow) -> Result<ConversationView, sqlx::Error> {
    let last_inbound: Option<DateTime<Utc>> = r.try_get("last_inbound_at")?;
    let status: String = r.try_get("status")?;
    let last_message = r
        .try_get::<Option<Value>, _>("last_message")?
        .map(serde_json::from_value::<MessageSummary>)
        .transpose()
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    Ok(ConversationView {
        id: ConversationId(r.try_get("id")?),
        channel_id: r.try_get("channel_id")?,
        contact: ContactRef {
            id: ContactId(r.try_get("contact_id")?),
            phone: r.try_get("phone")?,
            name: r.try_get("contact_name")?,
            user_id: r.try_get("wa_user_id")?,
            username: r.try_get("username")?,
            tags: r.try_get("tags")?,
        },
        status: ConversationStatus::parse(&status).ok_or_else(|| sqlx::Error::Decode(format!("conversation status `{status}`").into()))?,
        tags: r.try_get("conversation_tags")?,
        assignee_id: r.try_get::<Option<uuid::Uuid>, _>("assignee_id")?.map(UserId),
        team_id: r.try_get("team_id")?,
        priority: r.try_get("priority")?,
        sla_breached_at: r.try_get("sla_breached_at")?,
        sla_breach: r.try_get("sla_breach")?,
        unread_count: r.try_get("unread_count")?,
        last_seq: r.try_get("last_seq")?,
        last_inbound_at: last_inbound,
        last_message_at: r.try_get("last_message_at")?,
        window_expires_at: last_inbound.map(|t| t + Duration::hours(SESSION_WINDOW_HOURS)),
        last_message,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Whose conversations the inbox list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    /// Everyone's (that the caller may see).
    All,
    /// Nobody's yet.
    Unassigned,
    /// This user's.
    User(UserId),
}

/// Which conversations to list.
#[derive(Debug, Clone)]
pub struct ConversationFilter {
    /// Only in this status.
    pub status: Option<whatsflow_actors::ports::ConversationStatus>,
    /// Whose.
    pub assignee: AssigneeFilter,
    /// Only with unread messages.
    pub unread: bool,
    /// A `LIKE` pattern on the contact's name, phone or username.
    pub pattern: Option<String>,
    /// The conversation or its contact carries this tag.
    pub tag: Option<String>,
    /// In this team (Some(None): in none).
    pub team: Option<Option<uuid::Uuid>>,
    /// Came in on this number.
    pub channel: Option<uuid::Uuid>,
    /// After this position.
    pub after: Option<Cursor>,
    /// Page size.
    pub limit: i64,
}

/// A page of messages.
#[derive(Debug, Clone)]
pub enum MessagePage {
    /// Going back in time: oldest first, and the sequence number the next
    /// (older) page starts before.
    Back {
        /// The messages.
        items: Vec<MessageView>,
        /// `cursor` of the next page.
        before: Option<i64>,
    },
    /// Going forward from a sequence number (resynchronisation).
    Forward {
        /// The messages.
        items: Vec<MessageView>,
        /// `after_seq` of the next page.
        after: Option<i64>,
    },
}

/// A note as the API shows it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct Note {
    /// Id.
    pub id: uuid::Uuid,
    /// Its conversation.
    pub conversation_id: uuid::Uuid,
    /// Who wrote it.
    pub author_id: Option<uuid::Uuid>,
    /// What it says.
    pub body: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A message made pending again for a resend, with where it goes.
#[derive(Debug, Clone)]
pub struct ToResend {
    /// The message.
    pub message: MessageView,
    /// The customer's phone.
    pub phone: Option<String>,
    /// The customer's business-scoped user id.
    pub user_id: Option<String>,
}

/// What asking to resend found.
#[derive(Debug, Clone)]
pub enum Resend {
    /// Marked pending: send it.
    Marked(Box<ToResend>),
    /// No such message in this conversation.
    NotFound,
    /// It is not unconfirmed (its status now).
    NotUnconfirmed(String),
}

/// A conversation the caller may act on, and where its work goes.
#[derive(Debug, Clone)]
pub struct VisibleConversation {
    /// The conversation.
    pub id: ConversationId,
    /// Its channel (for routing work to its actor).
    pub channel: ChannelRef,
    /// Its contact.
    pub contact_id: ContactId,
    /// Its assignee now.
    pub assignee_id: Option<UserId>,
}

/// Who holds a conversation now: its assignee and its team.
#[derive(Debug, Clone, Copy)]
pub struct Holder {
    /// The agent responsible (None: in the shared queue).
    pub assignee_id: Option<UserId>,
    /// The team it belongs to.
    pub team_id: Option<uuid::Uuid>,
}

/// A tenant's conversations.
pub struct Conversations<'a> {
    pub(super) db: TenantDb<'a>,
}

impl Conversations<'_> {
    /// The conversation `id` if the rule lets the caller see it (None for a
    /// missing one, or one assigned to another agent), with where its work goes.
    pub async fn visible(&self, id: ConversationId, rule: Visibility) -> Result<Option<VisibleConversation>, DbError> {
        let mut tx = self.db.tx().await?;
        let sql = format!(
            "SELECT c.id, c.channel_id, c.contact_id, c.assignee_id, ch.phone_number_id, ch.messages_per_second
             FROM conversations c JOIN channels ch ON ch.id = c.channel_id WHERE c.id = $1 AND {}",
            Visibility::sql("c", 2)
        );
        let row = rule.bind(sqlx::query(&sql).bind(id.0)).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(VisibleConversation {
            id: ConversationId(row.try_get("id")?),
            channel: crate::store::channel_ref_from_row(self.db.tenant, &row)?,
            contact_id: ContactId(row.try_get("contact_id")?),
            assignee_id: row.try_get::<Option<uuid::Uuid>, _>("assignee_id")?.map(UserId),
        }))
    }

    /// Its assignee and team now (None: no such conversation).
    pub async fn holder(&self, id: ConversationId) -> Result<Option<Holder>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query("SELECT assignee_id, team_id FROM conversations WHERE id = $1").bind(id.0).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Holder { assignee_id: row.try_get::<Option<uuid::Uuid>, _>("assignee_id")?.map(UserId), team_id: row.try_get("team_id")? }))
    }

    /// The inbox list, newest activity first. Walked through the index by
    /// the minute of last activity (`inbox_minute`, which a message's
    /// counters update leaves alone within a minute), then sorted by the
    /// exact time and id within the minute: the same order as sorting by
    /// the exact time, without an index entry per message.
    pub async fn list(&self, f: &ConversationFilter, rule: Visibility) -> Result<Page<ConversationView>, DbError> {
        let (mode, who) = match f.assignee {
            AssigneeFilter::All => ("all", None),
            AssigneeFilter::Unassigned => ("none", None),
            AssigneeFilter::User(u) => ("user", Some(u.0)),
        };
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(&format!(
            "{CONVERSATION_SELECT}
             WHERE ($1::text IS NULL OR c.status = $1)
               AND ($2 = 'all' OR ($2 = 'none' AND c.assignee_id IS NULL) OR ($2 = 'user' AND c.assignee_id = $3))
               AND (NOT $4 OR c.unread_count > 0)
               AND {visible}
               AND ($7::timestamptz IS NULL OR (c.inbox_minute <= date_trunc('minute', $7 AT TIME ZONE 'UTC')
                                                AND (COALESCE(c.last_message_at, c.created_at), c.id) < ($7, $8)))
               AND ($10::text IS NULL OR k.name ILIKE $10 OR k.phone ILIKE $10 OR k.username ILIKE $10)
               AND ($11::text IS NULL OR $11 = ANY(c.tags) OR $11 = ANY(k.tags))
               AND (NOT $12 OR c.team_id IS NOT DISTINCT FROM $13)
               AND ($14::uuid IS NULL OR c.channel_id = $14)
             ORDER BY c.inbox_minute DESC, COALESCE(c.last_message_at, c.created_at) DESC, c.id DESC
             LIMIT $9",
            visible = Visibility::sql("c", 5)
        ))
        .bind(f.status.map(|s| s.as_str()))
        .bind(mode)
        .bind(who)
        .bind(f.unread)
        .bind(rule.sees_all())
        .bind(rule.viewer())
        .bind(f.after.map(|c| c.t))
        .bind(f.after.map(|c| c.id))
        .bind(f.limit + 1)
        .bind(&f.pattern)
        .bind(&f.tag)
        .bind(f.team.is_some())
        .bind(f.team.flatten())
        .bind(f.channel)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        paginate(rows, f.limit, conversation_view, |r| Ok(Cursor { t: r.try_get("sort_at")?, id: r.try_get("id")? }))
    }

    /// One conversation, if the caller may see it.
    pub async fn get(&self, id: ConversationId, rule: Visibility) -> Result<Option<ConversationView>, DbError> {
        let mut tx = self.db.tx().await?;
        let sql = format!("{CONVERSATION_SELECT} WHERE c.id = $1 AND {}", Visibility::sql("c", 2));
        let row = rule.bind(sqlx::query(&sql).bind(id.0)).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row.as_ref().map(conversation_view).transpose()?)
    }

    /// A page of a conversation's messages (None: the caller may not see
    /// the conversation): before a sequence number going back, or after one
    /// going forward.
    pub async fn messages(
        &self,
        id: ConversationId,
        rule: Visibility,
        before: Option<i64>,
        after: Option<i64>,
        limit: i64,
    ) -> Result<Option<MessagePage>, DbError> {
        let mut tx = self.db.tx().await?;
        let sql = format!("SELECT c.id FROM conversations c WHERE c.id = $1 AND {}", Visibility::sql("c", 2));
        let visible: Option<uuid::Uuid> = rule.bind_scalar(sqlx::query_scalar(&sql).bind(id.0)).fetch_optional(&mut *tx).await?;
        if visible.is_none() {
            return Ok(None);
        }
        let take = usize::try_from(limit).unwrap_or(0);
        let page = if let Some(after) = after {
            let rows = sqlx::query(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = $1 AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3"
            ))
            .bind(id.0)
            .bind(after)
            .bind(limit + 1)
            .fetch_all(&mut *tx)
            .await?;
            let more = rows.len() > take;
            let items = rows.iter().take(take).map(message_from_row).collect::<Result<Vec<_>, _>>()?;
            // Going forward, the next page starts after the last sequence returned.
            let after = if more { items.last().map(|m| m.seq) } else { None };
            MessagePage::Forward { items, after }
        } else {
            let mut rows = sqlx::query(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = $1 AND ($2::bigint IS NULL OR m.seq < $2) ORDER BY m.seq DESC LIMIT $3"
            ))
            .bind(id.0)
            .bind(before)
            .bind(limit + 1)
            .fetch_all(&mut *tx)
            .await?;
            let more = rows.len() > take;
            rows.truncate(take);
            rows.reverse();
            let items = rows.iter().map(message_from_row).collect::<Result<Vec<_>, _>>()?;
            let before = if more { items.first().map(|m| m.seq) } else { None };
            MessagePage::Back { items, before }
        };
        tx.commit().await?;
        Ok(Some(page))
    }

    /// What a reconnecting socket missed in a conversation: messages
    /// created or whose status changed after `since`, with the sequence of
    /// their status change, in order.
    pub async fn changes_since(&self, id: ConversationId, since: i64, limit: i64) -> Result<Vec<(MessageView, i64)>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS}, m.status_seq FROM messages m
             WHERE m.conversation_id = $1 AND (m.seq > $2 OR m.status_seq > $2) ORDER BY GREATEST(m.seq, m.status_seq) LIMIT $3"
        ))
        .bind(id.0)
        .bind(since)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.iter().map(|r| Ok((message_from_row(r)?, r.try_get("status_seq")?))).collect()
    }

    /// The message sent earlier with this idempotency key in this conversation.
    pub async fn by_client_id(&self, id: ConversationId, client_id: &str) -> Result<Option<MessageView>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query(&format!("SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.client_id = $1 AND m.conversation_id = $2"))
            .bind(client_id)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.as_ref().map(message_from_row).transpose()?)
    }

    /// One message of a conversation.
    pub async fn message(&self, id: ConversationId, message: MessageId) -> Result<Option<MessageView>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query(&format!("SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.id = $1 AND m.conversation_id = $2"))
            .bind(message.0)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.as_ref().map(message_from_row).transpose()?)
    }

    /// Makes an unconfirmed message pending again (once: two concurrent
    /// resends make one), with where it goes.
    pub async fn mark_for_resend(&self, id: ConversationId, message: MessageId) -> Result<Resend, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query(&format!(
            "UPDATE messages m SET status = 'pending', send_attempted_at = NULL, errors = NULL
             FROM conversations c JOIN contacts k ON k.id = c.contact_id
             WHERE c.id = m.conversation_id AND m.id = $1 AND m.conversation_id = $2 AND m.direction = 'outbound'
               AND m.status = 'unconfirmed' AND m.wamid IS NULL
             RETURNING {MESSAGE_COLUMNS}, k.phone, k.wa_user_id"
        ))
        .bind(message.0)
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let outcome = match row {
            Some(r) => Resend::Marked(Box::new(ToResend {
                message: message_from_row(&r)?,
                phone: r.try_get("phone")?,
                user_id: r.try_get("wa_user_id")?,
            })),
            None => {
                let status: Option<String> = sqlx::query_scalar("SELECT status FROM messages WHERE id = $1 AND conversation_id = $2")
                    .bind(message.0)
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                status.map_or(Resend::NotFound, Resend::NotUnconfirmed)
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// Adds an internal note (by a person, or by an automation: no author).
    pub async fn add_note(&self, id: ConversationId, author: Option<UserId>, body: &str) -> Result<Note, DbError> {
        let mut tx = self.db.tx().await?;
        let (note_id, author_id, text, created_at): (uuid::Uuid, Option<uuid::Uuid>, String, DateTime<Utc>) = sqlx::query_as(
            "INSERT INTO notes (id, tenant_id, conversation_id, author_id, body) VALUES ($1, $2, $3, $4, $5) RETURNING id, author_id, body, created_at",
        )
        .bind(uuid::Uuid::now_v7())
        .bind(self.db.tenant.0)
        .bind(id.0)
        .bind(author.map(|a| a.0))
        .bind(body)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Note { id: note_id, conversation_id: id.0, author_id, body: text, created_at })
    }

    /// A conversation's notes, oldest first.
    pub async fn notes(&self, id: ConversationId) -> Result<Vec<Note>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows: Vec<(uuid::Uuid, Option<uuid::Uuid>, String, DateTime<Utc>)> =
            sqlx::query_as("SELECT id, author_id, body, created_at FROM notes WHERE conversation_id = $1 ORDER BY created_at, id")
                .bind(id.0)
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|(note_id, author_id, body, created_at)| Note { id: note_id, conversation_id: id.0, author_id, body, created_at })
            .collect())
    }

    /// Adds tags (clean).
    pub async fn add_tags(&self, id: ConversationId, tags: &[String]) -> Result<TagsAdded, DbError> {
        super::add_tags(&self.db, "conversations", id.0, tags).await
    }

    /// Removes a tag.
    pub async fn remove_tag(&self, id: ConversationId, tag: &str) -> Result<Option<Vec<String>>, DbError> {
        super::remove_tag(&self.db, "conversations", id.0, tag).await
    }
}
