//! Postgres implementations of the actors' ports.

pub mod consent;
pub mod contact_changes;
pub mod contact_facts;
pub mod flow_runs;
pub mod flows;
pub mod group;
pub mod inbox;
pub mod keywords;
pub mod opening;
pub mod repo;
pub mod retention;
pub mod visibility;
pub mod writer;

use crate::db::{self, tenant_tx};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use group::{GroupCommit, GroupLimits};
use opening::{ContactResolution, ConversationOpening};
use sqlx::{PgPool, Row};
use whatsflow_actors::identity::ContactIdentity;
use whatsflow_actors::ids::{ChannelId, ContactId, ConversationId, TenantId, UserId};
use whatsflow_actors::meta::TemplateStatusUpdate;
use whatsflow_actors::ports::{
    BatchOutcome, ChannelDirectory, ChannelRef, ConversationBatch, ConversationSnapshot, DeadLetter, Store, StoreError,
};
use writer::BatchWriter;

/// Turns a database error into the actors' store error (logged by them),
/// sorted by what the actor should do: wait (unavailable, or a deadlock or
/// serialization failure, which succeed when retried), re-resolve (a row it
/// points at is gone), or count it towards a dead letter.
pub fn store_err(e: sqlx::Error) -> StoreError {
    if matches!(&e, sqlx::Error::Protocol(m) if m == writer::FENCED) {
        return StoreError::Fenced;
    }
    let text = e.to_string();
    if db::is_unavailable(&e) {
        return StoreError::Unavailable(text);
    }
    match &e {
        sqlx::Error::RowNotFound => StoreError::Missing(text),
        sqlx::Error::Database(db) => match db.code().as_deref() {
            // Only a vanished contact, conversation or number means "gone";
            // another reference (an assignee removed since) is a conflict.
            Some("23503")
                if db
                    .constraint()
                    .is_some_and(|c| ["_contact_id_fkey", "_conversation_id_fkey", "_channel_id_fkey"].iter().any(|k| c.ends_with(k))) =>
            {
                StoreError::Missing(text)
            }
            Some("23503") => StoreError::Conflict(text),
            Some("23505" | "23514" | "23P01") => StoreError::Conflict(text),
            _ => StoreError::Bug(text),
        },
        _ => StoreError::Bug(text),
    }
}

/// How the first-message work (contacts, conversations) is grouped: a few
/// concurrent transactions of up to 256 jobs each.
const OPENING_LIMITS: GroupLimits = GroupLimits { tasks: 3, max_per_commit: 256, queue: 4096 };

/// The Postgres store: direct queries for lookups, group commits for
/// conversation batches, contact resolution and conversation opening.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    writer: BatchWriter,
    contacts: GroupCommit<ContactResolution>,
    openings: GroupCommit<ConversationOpening>,
}

impl PgStore {
    /// A store over `pool`, committing batches through `writer` (starts its
    /// grouped contact and conversation work on the current runtime).
    pub fn new(pool: PgPool, writer: BatchWriter) -> Self {
        let contacts = GroupCommit::start(pool.clone(), ContactResolution, OPENING_LIMITS);
        let openings = GroupCommit::start(pool.clone(), ConversationOpening, OPENING_LIMITS);
        Self { pool, writer, contacts, openings }
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
        // Known when the query asked (opening); otherwise the flow store is asked.
        may_have_run: row.try_get::<bool, _>("active_run").unwrap_or(true),
    })
}

#[async_trait]
impl Store for PgStore {
    async fn resolve_contact(&self, tenant: TenantId, who: &ContactIdentity) -> Result<ContactId, StoreError> {
        Ok(self.contacts.submit((tenant, who.clone(), None)).await?.0)
    }

    async fn resolve_contact_opening(
        &self,
        tenant: TenantId,
        who: &ContactIdentity,
        channel: ChannelId,
    ) -> Result<(ContactId, Option<ConversationSnapshot>), StoreError> {
        self.contacts.submit((tenant, who.clone(), Some(channel))).await
    }

    async fn open_conversation(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        contact: ContactId,
    ) -> Result<ConversationSnapshot, StoreError> {
        self.openings.submit((tenant, channel, contact)).await
    }

    async fn commit(&self, batch: ConversationBatch) -> Result<BatchOutcome, StoreError> {
        self.writer.submit(batch).await
    }

    async fn set_messaging_limit(&self, tenant: TenantId, l: &whatsflow_actors::meta::MessagingLimit) -> Result<(), StoreError> {
        let mut tx = tenant_tx(&self.pool, tenant).await.map_err(store_err)?;
        sqlx::query(
            "INSERT INTO messaging_limits (tenant_id, waba_id, daily_limit, reported_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (tenant_id, waba_id) DO UPDATE SET daily_limit = EXCLUDED.daily_limit, reported_at = EXCLUDED.reported_at
             WHERE messaging_limits.reported_at <= EXCLUDED.reported_at",
        )
        .bind(tenant.0)
        .bind(&l.waba_id)
        .bind(l.daily_limit.map(|n| i32::try_from(n).unwrap_or(i32::MAX)))
        .bind(l.reported_at)
        .execute(&mut *tx)
        .await
        .map_err(store_err)?;
        // The numbers it is about show their tier (and the quality event):
        // the one named, else every number of the portfolio's WABA; a report
        // older than the one shown changes nothing.
        sqlx::query(
            "UPDATE channels SET messaging_tier = left($3, 40), quality_event = COALESCE(left($5, 40), quality_event), quality_reported_at = $4,
                 quality_updated_at = GREATEST(quality_updated_at, $4)
             WHERE waba_id = $1 AND ($2::text IS NULL OR regexp_replace(display_phone_number, '[^0-9]', '', 'g') = regexp_replace($2, '[^0-9]', '', 'g'))
               AND (quality_reported_at IS NULL OR quality_reported_at < $4)",
        )
        .bind(&l.waba_id)
        .bind(&l.display_phone_number)
        .bind(&l.tier)
        .bind(l.reported_at)
        .bind(&l.event)
        .execute(&mut *tx)
        .await
        .map_err(store_err)?;
        tx.commit().await.map_err(store_err)
    }

    async fn set_marketing_consent(
        &self,
        tenant: TenantId,
        customer: &ContactIdentity,
        opted_in: bool,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        let contact = self.resolve_contact(tenant, customer).await?;
        let mut tx = tenant_tx(&self.pool, tenant).await.map_err(store_err)?;
        consent::record_change(&mut tx, contact, opted_in, at).await.map_err(store_err)?;
        tx.commit().await.map_err(store_err)
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

    async fn park(&self, letter: DeadLetter) -> Result<i64, StoreError> {
        let mut tx = tenant_tx(&self.pool, letter.tenant_id).await.map_err(store_err)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO dead_letters (tenant_id, channel_id, contact_id, conversation_id, events, error) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(letter.tenant_id.0)
        .bind(letter.channel_id.0)
        .bind(letter.contact_id.0)
        .bind(letter.conversation_id.map(|c| c.0))
        .bind(&letter.events)
        .bind(&letter.error)
        .fetch_one(&mut *tx)
        .await
        .map_err(store_err)?;
        tx.commit().await.map_err(store_err)?;
        Ok(id)
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
    async fn after_grace(
        &self,
        tenant: TenantId,
        message: whatsflow_actors::ids::MessageId,
    ) -> Result<whatsflow_actors::outbound::AfterGrace, StoreError> {
        use whatsflow_actors::outbound::AfterGrace;
        let mut tx = tenant_tx(&self.pool, tenant).await.map_err(store_err)?;
        // A bot's message follows its flow's setting; everyone else's is
        // recorded as unconfirmed.
        let row: Option<(Option<String>, Option<bool>)> = sqlx::query_as(
            "SELECT m.wamid, f.resend_unconfirmed FROM messages m
             LEFT JOIN flows f ON m.sent_by->>'kind' = 'flow' AND f.id::text = m.sent_by->>'id'
             WHERE m.id = $1",
        )
        .bind(message.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_err)?;
        tx.commit().await.map_err(store_err)?;
        Ok(match row {
            Some((Some(w), _)) => AfterGrace::Linked(whatsflow_actors::ids::Wamid(w)),
            Some((None, Some(true))) => AfterGrace::Resend,
            _ => AfterGrace::Unconfirmed,
        })
    }

    async fn mark_attempted(
        &self,
        tenant: TenantId,
        messages: &[(whatsflow_actors::ids::MessageId, Option<whatsflow_actors::fence::Fence>)],
    ) -> Result<Vec<whatsflow_actors::ids::MessageId>, StoreError> {
        // A send without a lease (one node) always goes; one with a lease
        // only while that lease is its partition's current one, checked and
        // share-locked in this transaction (see the writer's fence).
        let fences: Vec<whatsflow_actors::fence::Fence> = messages.iter().filter_map(|(_, f)| *f).collect();
        let mut tx = tenant_tx(&self.pool, tenant).await.map_err(store_err)?;
        let current = writer::current_fences(&mut tx, &fences).await.map_err(store_err)?;
        let may_go: Vec<whatsflow_actors::ids::MessageId> =
            messages.iter().filter(|(_, f)| f.is_none_or(|f| current.contains(&f))).map(|(m, _)| *m).collect();
        let ids: Vec<uuid::Uuid> = may_go.iter().map(|m| m.0).collect();
        sqlx::query("UPDATE messages SET send_attempted_at = now() WHERE id = ANY($1)")
            .bind(&ids)
            .execute(&mut *tx)
            .await
            .map_err(store_err)?;
        tx.commit().await.map_err(store_err)?;
        Ok(may_go)
    }
}

/// Re-exported for callers that only need the pool helpers.
pub use db::is_unavailable;
