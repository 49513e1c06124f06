//! Postgres implementations of the actors' ports.

pub mod flows;
pub mod inbox;
pub mod writer;

use crate::db::{self, tenant_tx};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Row};
use whatsflow_actors::identity::ContactIdentity;
use whatsflow_actors::ids::{ChannelId, ContactId, ConversationId, TenantId, UserId};
use whatsflow_actors::meta::TemplateStatusUpdate;
use whatsflow_actors::ports::{BatchOutcome, ChannelDirectory, ChannelRef, ConversationBatch, ConversationSnapshot, Store, StoreError};
use writer::BatchWriter;

/// Turns a database error into the actors' store error (logged by them).
pub fn store_err(e: sqlx::Error) -> StoreError {
    StoreError(e.to_string())
}

/// The Postgres store: direct queries for lookups, the group-commit writer
/// for conversation batches.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    writer: BatchWriter,
}

impl PgStore {
    /// A store over `pool`, committing batches through `writer`.
    pub fn new(pool: PgPool, writer: BatchWriter) -> Self {
        Self { pool, writer }
    }
}

const CONVERSATION_COLUMNS_C: &str = "id, c.status, c.assignee_id, c.unread_count, c.last_seq, c.last_inbound_at, c.last_message_at";

/// A channel reference from a row with `channel_id`, `phone_number_id` and
/// `messages_per_second` (the one shape every channel lookup answers in).
pub fn channel_ref_from_row(tenant: TenantId, row: &sqlx::postgres::PgRow) -> Result<ChannelRef, sqlx::Error> {
    Ok(ChannelRef {
        tenant_id: tenant,
        channel_id: ChannelId(row.try_get("channel_id")?),
        phone_number_id: row.try_get("phone_number_id")?,
        messages_per_second: u32::try_from(row.try_get::<i32, _>("messages_per_second")?).unwrap_or(80),
    })
}

/// Reads a conversation snapshot from a row of [`CONVERSATION_COLUMNS`].
pub fn snapshot_from_row(row: &sqlx::postgres::PgRow, created: bool) -> Result<ConversationSnapshot, sqlx::Error> {
    Ok(ConversationSnapshot {
        id: ConversationId(row.try_get("id")?),
        created,
        status: row.try_get("status")?,
        assignee_id: row.try_get::<Option<uuid::Uuid>, _>("assignee_id")?.map(UserId),
        unread_count: row.try_get("unread_count")?,
        last_seq: row.try_get("last_seq")?,
        last_inbound_at: row.try_get::<Option<DateTime<Utc>>, _>("last_inbound_at")?,
        last_message_at: row.try_get::<Option<DateTime<Utc>>, _>("last_message_at")?,
        // Present when the query joined the contact (opening), absent after a commit.
        contact_phone: row.try_get::<Option<String>, _>("contact_phone").ok().flatten(),
        contact_user_id: row.try_get::<Option<String>, _>("contact_user_id").ok().flatten(),
        last_inbound_wamid: row.try_get::<Option<String>, _>("last_inbound_wamid").ok().flatten().map(whatsflow_actors::ids::Wamid),
    })
}

#[async_trait]
impl Store for PgStore {
    async fn resolve_contact(&self, tenant: TenantId, who: &ContactIdentity) -> Result<ContactId, StoreError> {
        let phone = who.phone.as_ref().map(|p| p.as_str().to_owned());
        for _ in 0..3 {
            let mut tx = tenant_tx(&self.pool, tenant).await.map_err(store_err)?;
            let found: Option<uuid::Uuid> = sqlx::query_scalar(
                "SELECT id FROM contacts WHERE ($1::text IS NOT NULL AND phone = $1) OR ($2::text IS NOT NULL AND wa_user_id = $2)
                 ORDER BY (phone IS NOT DISTINCT FROM $1) DESC LIMIT 1",
            )
            .bind(&phone)
            .bind(&who.user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(store_err)?;
            let id = match found {
                Some(id) => {
                    // Fill in what the contact lacked, unless another contact
                    // already holds that identity.
                    sqlx::query(
                        "UPDATE contacts c SET
                            phone = CASE WHEN c.phone IS NULL AND $2::text IS NOT NULL
                                AND NOT EXISTS (SELECT 1 FROM contacts o WHERE o.tenant_id = c.tenant_id AND o.phone = $2) THEN $2 ELSE c.phone END,
                            wa_user_id = CASE WHEN c.wa_user_id IS NULL AND $3::text IS NOT NULL
                                AND NOT EXISTS (SELECT 1 FROM contacts o WHERE o.tenant_id = c.tenant_id AND o.wa_user_id = $3) THEN $3 ELSE c.wa_user_id END,
                            username = COALESCE($4, c.username),
                            name = COALESCE($5, c.name),
                            updated_at = now()
                         WHERE c.id = $1",
                    )
                    .bind(id)
                    .bind(&phone)
                    .bind(&who.user_id)
                    .bind(&who.username)
                    .bind(&who.name)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_err)?;
                    Some(id)
                }
                None => sqlx::query_scalar(
                    "INSERT INTO contacts (id, tenant_id, phone, wa_user_id, username, name)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
                )
                .bind(ContactId::generate().0)
                .bind(tenant.0)
                .bind(&phone)
                .bind(&who.user_id)
                .bind(&who.username)
                .bind(&who.name)
                .fetch_optional(&mut *tx)
                .await
                .map_err(store_err)?,
            };
            tx.commit().await.map_err(store_err)?;
            if let Some(id) = id {
                return Ok(ContactId(id));
            }
            // Lost a race with a concurrent insert of the same identity: look again.
        }
        Err(StoreError("contact resolution kept racing with concurrent inserts".into()))
    }

    async fn open_conversation(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        contact: ContactId,
    ) -> Result<ConversationSnapshot, StoreError> {
        let mut tx = tenant_tx(&self.pool, tenant).await.map_err(store_err)?;
        let inserted: Option<uuid::Uuid> = sqlx::query_scalar(
            "INSERT INTO conversations (id, tenant_id, channel_id, contact_id) VALUES ($1, $2, $3, $4)
             ON CONFLICT (channel_id, contact_id) DO NOTHING RETURNING id",
        )
        .bind(ConversationId::generate().0)
        .bind(tenant.0)
        .bind(channel.0)
        .bind(contact.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_err)?;
        let row = sqlx::query(&format!(
            "SELECT c.{CONVERSATION_COLUMNS_C}, k.phone AS contact_phone, k.wa_user_id AS contact_user_id,
                (SELECT m.wamid FROM messages m WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id AND m.direction = 'inbound'
                 AND m.wamid IS NOT NULL ORDER BY m.seq DESC LIMIT 1) AS last_inbound_wamid
             FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE c.channel_id = $1 AND c.contact_id = $2"
        ))
        .bind(channel.0)
        .bind(contact.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(store_err)?;
        let snapshot = snapshot_from_row(&row, inserted.is_some()).map_err(store_err)?;
        tx.commit().await.map_err(store_err)?;
        Ok(snapshot)
    }

    async fn commit(&self, batch: ConversationBatch) -> Result<BatchOutcome, StoreError> {
        self.writer.commit(batch).await
    }

    async fn apply_template_status(&self, tenant: TenantId, u: &TemplateStatusUpdate) -> Result<(), StoreError> {
        let mut tx = tenant_tx(&self.pool, tenant).await.map_err(store_err)?;
        let meta_id = Some(u.template_id.clone()).filter(|s| !s.is_empty());
        let updated = sqlx::query(
            "UPDATE templates SET status = $1, rejected_reason = $2, meta_template_id = COALESCE($3, meta_template_id), updated_at = now()
             WHERE ($3::text IS NOT NULL AND meta_template_id = $3) OR (name = $4 AND language = $5)",
        )
        .bind(&u.event)
        .bind(&u.reason)
        .bind(&meta_id)
        .bind(&u.name)
        .bind(&u.language)
        .execute(&mut *tx)
        .await
        .map_err(store_err)?;
        if updated.rows_affected() == 0 {
            // A template created in Meta's own tools: start tracking it.
            sqlx::query(
                "INSERT INTO templates (id, tenant_id, waba_id, meta_template_id, name, language, status, rejected_reason)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, name, language) DO NOTHING",
            )
            .bind(uuid::Uuid::now_v7())
            .bind(tenant.0)
            .bind(&u.waba_id)
            .bind(&meta_id)
            .bind(&u.name)
            .bind(&u.language)
            .bind(&u.event)
            .bind(&u.reason)
            .execute(&mut *tx)
            .await
            .map_err(store_err)?;
        }
        tx.commit().await.map_err(store_err)
    }
}

#[async_trait]
impl ChannelDirectory for PgStore {
    async fn channel_by_phone_number_id(&self, phone_number_id: &str) -> Result<Option<ChannelRef>, StoreError> {
        let row: Option<(uuid::Uuid, uuid::Uuid, i32)> =
            sqlx::query_as("SELECT tenant_id, channel_id, messages_per_second FROM route_channel($1)")
                .bind(phone_number_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_err)?;
        Ok(row.map(|(t, c, mps)| ChannelRef {
            tenant_id: TenantId(t),
            channel_id: ChannelId(c),
            phone_number_id: phone_number_id.to_owned(),
            messages_per_second: u32::try_from(mps).unwrap_or(80),
        }))
    }

    async fn tenant_by_waba(&self, waba_id: &str) -> Result<Option<TenantId>, StoreError> {
        let t: Option<uuid::Uuid> =
            sqlx::query_scalar("SELECT tenant_id FROM route_waba($1)").bind(waba_id).fetch_optional(&self.pool).await.map_err(store_err)?;
        Ok(t.map(TenantId))
    }
}

#[async_trait]
impl whatsflow_actors::outbound::SendLedger for PgStore {
    async fn wamid_of(
        &self,
        tenant: TenantId,
        message: whatsflow_actors::ids::MessageId,
    ) -> Result<Option<whatsflow_actors::ids::Wamid>, StoreError> {
        let mut tx = tenant_tx(&self.pool, tenant).await.map_err(store_err)?;
        let w: Option<Option<String>> = sqlx::query_scalar("SELECT wamid FROM messages WHERE id = $1")
            .bind(message.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(store_err)?;
        tx.commit().await.map_err(store_err)?;
        Ok(w.flatten().map(whatsflow_actors::ids::Wamid))
    }
}

/// Re-exported for callers that only need the pool helpers.
pub use db::is_unavailable;
