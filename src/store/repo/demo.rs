//! The demo's seeded history: conversations the demo delivers as webhooks
//! written over the past month are dated as received then, so its charts
//! and lists look like a month of use rather than one minute.

use super::{DbError, TenantDb};

impl TenantDb<'_> {
    /// Dates the inbound messages whose Meta timestamp is more than an hour
    /// before they were stored as received at that timestamp, and their
    /// conversations and contacts as begun with their first message.
    /// Answers how many messages it dated.
    pub async fn date_seeded_history(&self) -> Result<u64, DbError> {
        let mut tx = self.tx().await?;
        let n = sqlx::query(
            "UPDATE messages SET created_at = timestamp WHERE direction = 'inbound' AND timestamp < created_at - interval '1 hour'",
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(
            "UPDATE conversations c SET created_at = f.first, opened_at = f.first
             FROM (SELECT conversation_id, min(created_at) AS first FROM messages GROUP BY conversation_id) f
             WHERE f.conversation_id = c.id AND f.first < c.created_at",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE contacts k SET created_at = f.first
             FROM (SELECT contact_id, min(created_at) AS first FROM conversations GROUP BY contact_id) f
             WHERE f.contact_id = k.id AND f.first < k.created_at",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Inbound messages stored (the seeding waits for all it sent).
    pub async fn inbound_messages(&self) -> Result<i64, DbError> {
        let mut tx = self.tx().await?;
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE direction = 'inbound'").fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(n)
    }
}
