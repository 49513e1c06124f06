//! Messages written now to go out later in one conversation. A row waits
//! as `scheduled` until its time, becomes `sending` while it is handed to
//! the conversation under the key `scheduled:<id>` (so a crash in between
//! re-sends it under the same key and finds the stored message), then
//! `sent` with its message — or `failed` with why, or `cancelled`.

use super::{DbError, TenantDb};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::Row;
use whatsflow_actors::ids::{ConversationId, MessageId, UserId};

const COLUMNS: &str = "s.id, s.conversation_id, s.send_at, s.kind, s.content, s.fallback, s.status, s.sent_as, s.message_id, s.error,
    s.created_by, u.name AS created_by_name, s.created_at, s.sent_by, s.attempts";

/// A scheduled message as the API shows it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct ScheduledMessage {
    /// Id.
    pub id: uuid::Uuid,
    /// Its conversation.
    pub conversation_id: ConversationId,
    /// When it goes.
    pub send_at: DateTime<Utc>,
    /// scheduled, sending, sent, cancelled or failed.
    pub status: String,
    /// The Cloud API type (text, template, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// The type's object (`{"body": "…"}` for text).
    #[ts(type = "Record<string, unknown>")]
    pub content: Value,
    /// The template sent instead when the customer's window is closed at send time.
    #[ts(type = "Record<string, unknown> | null")]
    pub fallback: Option<Value>,
    /// When the customer's window closes as it stands now (None: closed, or no message from them yet).
    pub window_closes_at: Option<DateTime<Utc>>,
    /// Whether the message itself (session) or its fallback (template) went.
    pub sent_as: Option<String>,
    /// The stored message once it went.
    pub message_id: Option<MessageId>,
    /// Why it failed.
    pub error: Option<String>,
    /// Who scheduled it (a person).
    pub created_by: Option<UserId>,
    /// Their name.
    pub created_by_name: Option<String>,
    /// When it was scheduled.
    pub created_at: DateTime<Utc>,
    /// Who the message is sent as (the sender the HTTP send would name).
    #[serde(skip)]
    pub sent_by: Value,
    /// Attempts to hand it over so far.
    #[serde(skip)]
    pub attempts: i32,
}

fn from_row(r: &PgRow) -> Result<ScheduledMessage, sqlx::Error> {
    Ok(ScheduledMessage {
        id: r.try_get("id")?,
        conversation_id: ConversationId(r.try_get("conversation_id")?),
        send_at: r.try_get("send_at")?,
        status: r.try_get("status")?,
        kind: r.try_get("kind")?,
        content: r.try_get("content")?,
        fallback: r.try_get("fallback")?,
        window_closes_at: None,
        sent_as: r.try_get("sent_as")?,
        message_id: r.try_get::<Option<uuid::Uuid>, _>("message_id")?.map(MessageId),
        error: r.try_get("error")?,
        created_by: r.try_get::<Option<uuid::Uuid>, _>("created_by")?.map(UserId),
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
        sent_by: r.try_get("sent_by")?,
        attempts: r.try_get("attempts")?,
    })
}

/// A message to schedule (or a scheduled one's new content).
#[derive(Debug, Clone)]
pub struct NewScheduled {
    /// When.
    pub send_at: DateTime<Utc>,
    /// Type.
    pub kind: String,
    /// The type's object.
    pub content: Value,
    /// The fallback template message (`{"type": "template", "template": {…}}`).
    pub fallback: Option<Value>,
}

/// Most messages waiting in one conversation.
pub const MAX_PER_CONVERSATION: i64 = 50;

/// A tenant's scheduled messages.
pub struct Scheduled<'a> {
    pub(super) db: TenantDb<'a>,
}

impl Scheduled<'_> {
    /// Schedules a message; None when the conversation already has
    /// [`MAX_PER_CONVERSATION`] waiting.
    pub async fn create(
        &self,
        conversation: uuid::Uuid,
        m: &NewScheduled,
        by: Option<UserId>,
        sent_by: Value,
    ) -> Result<Option<ScheduledMessage>, DbError> {
        let mut tx = self.db.tx().await?;
        // The conversation's row first: two requests at once count each other.
        sqlx::query("SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE").bind(conversation).execute(&mut *tx).await?;
        let waiting: i64 =
            sqlx::query_scalar("SELECT count(*) FROM scheduled_messages WHERE conversation_id = $1 AND status = 'scheduled'")
                .bind(conversation)
                .fetch_one(&mut *tx)
                .await?;
        if waiting >= MAX_PER_CONVERSATION {
            return Ok(None);
        }
        let id = uuid::Uuid::new_v4();
        sqlx::query(
            "INSERT INTO scheduled_messages (id, tenant_id, conversation_id, send_at, kind, content, fallback, created_by, sent_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(self.db.tenant.0)
        .bind(conversation)
        .bind(m.send_at)
        .bind(&m.kind)
        .bind(&m.content)
        .bind(&m.fallback)
        .bind(by.map(|u| u.0))
        .bind(&sent_by)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.get(id).await
    }

    /// One by id.
    pub async fn get(&self, id: uuid::Uuid) -> Result<Option<ScheduledMessage>, DbError> {
        let mut tx = self.db.tx().await?;
        let row =
            sqlx::query(&format!("SELECT {COLUMNS} FROM scheduled_messages s LEFT JOIN users u ON u.id = s.created_by WHERE s.id = $1"))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// A conversation's: those waiting by time, then the last 20 done.
    pub async fn list(&self, conversation: uuid::Uuid) -> Result<Vec<ScheduledMessage>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(&format!(
            "(SELECT {COLUMNS}, 0 AS grp FROM scheduled_messages s LEFT JOIN users u ON u.id = s.created_by
               WHERE s.conversation_id = $1 AND s.status IN ('scheduled', 'sending') ORDER BY s.send_at LIMIT 100)
             UNION ALL
             (SELECT {COLUMNS}, 1 AS grp FROM scheduled_messages s LEFT JOIN users u ON u.id = s.created_by
               WHERE s.conversation_id = $1 AND s.status IN ('sent', 'cancelled', 'failed') ORDER BY s.updated_at DESC LIMIT 20)
             ORDER BY grp, send_at"
        ))
        .bind(conversation)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    }

    /// Changes one still waiting; None when it is not waiting any more.
    pub async fn update(&self, id: uuid::Uuid, m: &NewScheduled) -> Result<Option<ScheduledMessage>, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query(
            "UPDATE scheduled_messages SET send_at = $2, kind = $3, content = $4, fallback = $5, updated_at = now()
             WHERE id = $1 AND status = 'scheduled'",
        )
        .bind(id)
        .bind(m.send_at)
        .bind(&m.kind)
        .bind(&m.content)
        .bind(&m.fallback)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if n.rows_affected() == 0 {
            return Ok(None);
        }
        self.get(id).await
    }

    /// Cancels one still waiting; None when it is not waiting any more.
    pub async fn cancel(&self, id: uuid::Uuid) -> Result<Option<ScheduledMessage>, DbError> {
        let mut tx = self.db.tx().await?;
        let n =
            sqlx::query("UPDATE scheduled_messages SET status = 'cancelled', updated_at = now() WHERE id = $1 AND status = 'scheduled'")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        tx.commit().await?;
        if n.rows_affected() == 0 {
            return Ok(None);
        }
        self.get(id).await
    }

    /// Takes a due one for sending (one left `sending` by a crash is taken
    /// again); None when it is not due or not waiting.
    pub async fn claim(&self, id: uuid::Uuid, now: DateTime<Utc>) -> Result<Option<ScheduledMessage>, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query(
            "UPDATE scheduled_messages SET status = 'sending', attempts = attempts + 1, next_attempt_at = NULL, updated_at = now()
             WHERE id = $1 AND status IN ('scheduled', 'sending') AND COALESCE(next_attempt_at, send_at) <= $2",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if n.rows_affected() == 0 {
            return Ok(None);
        }
        self.get(id).await
    }

    /// Leaves one that could not be stored now for another attempt at `at`.
    pub async fn retry_at(&self, id: uuid::Uuid, at: DateTime<Utc>) -> Result<(), DbError> {
        let mut tx = self.db.tx().await?;
        sqlx::query("UPDATE scheduled_messages SET next_attempt_at = $2, updated_at = now() WHERE id = $1 AND status = 'sending'")
            .bind(id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that it went (as the session message or its template).
    pub async fn sent(&self, id: uuid::Uuid, message: MessageId, sent_as: &str) -> Result<(), DbError> {
        self.finish(id, "sent", Some(message), Some(sent_as), None).await
    }

    /// Records that it cannot go, and why.
    pub async fn failed(&self, id: uuid::Uuid, error: &str) -> Result<(), DbError> {
        self.finish(id, "failed", None, None, Some(error)).await
    }

    async fn finish(
        &self,
        id: uuid::Uuid,
        status: &str,
        message: Option<MessageId>,
        sent_as: Option<&str>,
        error: Option<&str>,
    ) -> Result<(), DbError> {
        let mut tx = self.db.tx().await?;
        sqlx::query(
            "UPDATE scheduled_messages SET status = $2, message_id = $3, sent_as = $4, error = $5, updated_at = now()
             WHERE id = $1 AND status = 'sending'",
        )
        .bind(id)
        .bind(status)
        .bind(message.map(|m| m.0))
        .bind(sent_as)
        .bind(error)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
