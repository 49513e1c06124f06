//! A tenant's dead letters: events a conversation could not store after
//! repeated failures, and feeding them back once the cause is fixed.

use super::{DbError, TenantDb};
use crate::store::inbox::{Inbox, Replay};
use chrono::{DateTime, Utc};
use serde_json::Value;
use whatsflow_actors::parked::ParkedEvents;

/// Most dead letters listed.
const LIST_LIMIT: i64 = 200;

/// A dead letter as the API shows it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct DeadLetter {
    /// Id.
    pub id: i64,
    /// The number the events arrived on (None once disconnected).
    pub channel_id: Option<uuid::Uuid>,
    /// Their contact.
    pub contact_id: Option<uuid::Uuid>,
    /// Their conversation.
    pub conversation_id: Option<uuid::Uuid>,
    /// How many events.
    pub events: i32,
    /// Why they could not be stored.
    pub error: String,
    /// Parked.
    pub created_at: DateTime<Utc>,
    /// Fed back.
    pub retried_at: Option<DateTime<Utc>>,
}

/// What asking to feed a dead letter back did.
#[derive(Debug)]
pub enum Retry {
    /// Stored as a replay row of the webhook inbox: dispatch it.
    Queued {
        /// The inbox row.
        inbox_id: i64,
        /// What it holds.
        replay: Replay,
    },
    /// No such dead letter.
    NotFound,
    /// Already fed back once.
    AlreadyRetried,
    /// The number they arrived on was disconnected.
    ChannelGone,
}

/// A tenant's dead letters.
pub struct DeadLetters<'a> {
    pub(super) db: TenantDb<'a>,
}

impl DeadLetters<'_> {
    /// The latest, newest first.
    pub async fn list(&self) -> Result<Vec<DeadLetter>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query_as(
            "SELECT id, channel_id, contact_id, conversation_id, jsonb_array_length(events->'works') AS events, error, created_at, retried_at
             FROM dead_letters ORDER BY created_at DESC, id DESC LIMIT $1",
        )
        .bind(LIST_LIMIT)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Marks a dead letter retried (once) and, in the same transaction,
    /// stores its events as a replay row of the webhook inbox, so they are
    /// processed as durably as a webhook.
    pub async fn retry(&self, id: i64) -> Result<Retry, DbError> {
        let mut tx = self.db.tx().await?;
        let row: Option<(Value, String)> = sqlx::query_as(
            "UPDATE dead_letters d SET retried_at = now() FROM channels ch
             WHERE d.id = $1 AND d.retried_at IS NULL AND ch.id = d.channel_id
             RETURNING d.events, ch.phone_number_id",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((events, phone_number_id)) = row else {
            let found: Option<(Option<DateTime<Utc>>, Option<uuid::Uuid>)> =
                sqlx::query_as("SELECT retried_at, (SELECT id FROM channels WHERE id = d.channel_id) FROM dead_letters d WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            tx.commit().await?;
            return Ok(match found {
                None => Retry::NotFound,
                Some((Some(_), _)) => Retry::AlreadyRetried,
                Some((None, _)) => Retry::ChannelGone,
            });
        };
        let events: ParkedEvents = serde_json::from_value(events).map_err(|e| DbError::Other(sqlx::Error::Decode(Box::new(e))))?;
        let replay = Replay { tenant_id: self.db.tenant, phone_number_id, events };
        let inbox_id = Inbox::store_replay(&mut tx, &replay).await?;
        tx.commit().await?;
        Ok(Retry::Queued { inbox_id, replay })
    }
}
