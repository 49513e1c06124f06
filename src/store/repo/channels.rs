//! A tenant's WhatsApp numbers, their sealed credentials, and the WhatsApp
//! Business Accounts they belong to (a WABA belongs to one tenant: the first
//! to connect a verified number of it).

use super::{Conflict, DbError, TenantDb};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Postgres, Transaction};
use whatsflow_actors::ids::ChannelId;
use whatsflow_actors::ports::ChannelRef;

/// A channel as the API shows it (no secrets).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct ChannelView {
    /// Id.
    pub id: uuid::Uuid,
    /// Meta's id of the number.
    pub phone_number_id: String,
    /// The number as displayed.
    pub display_phone_number: String,
    /// Its WhatsApp Business Account.
    pub waba_id: String,
    /// What the business calls it.
    pub name: String,
    /// The tenant's own Meta app, if it has one.
    pub app_id: Option<String>,
    /// Its send rate.
    pub messages_per_second: i32,
    /// Meta's quality rating (GREEN, YELLOW, RED, UNKNOWN) when last read.
    pub quality_rating: Option<String>,
    /// Its messaging tier (TIER_250 … TIER_UNLIMITED) as last reported.
    pub messaging_tier: Option<String>,
    /// The latest quality event Meta reported (FLAGGED, UNFLAGGED, UPGRADE,
    /// DOWNGRADE, ONBOARDING, THROUGHPUT_UPGRADE).
    pub quality_event: Option<String>,
    /// When its quality or tier was last learnt.
    pub quality_updated_at: Option<DateTime<Utc>>,
    /// When connected.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

const CHANNEL_SELECT: &str = "SELECT c.id, c.phone_number_id, c.display_phone_number, c.waba_id, c.name, m.app_id,
    c.messages_per_second, c.quality_rating, c.messaging_tier, c.quality_event, c.quality_updated_at, c.created_at, c.updated_at FROM channels c LEFT JOIN meta_apps m ON m.id = c.meta_app_id";

/// A tenant's own Meta app, its secrets sealed.
#[derive(Debug, Clone)]
pub struct NewApp {
    /// Meta's app id.
    pub app_id: String,
    /// The sealed app secret.
    pub sealed_secret: Vec<u8>,
    /// The sealed verify token.
    pub sealed_verify_token: Vec<u8>,
}

/// A number to connect (already verified with Meta).
#[derive(Debug, Clone)]
pub struct NewChannel {
    /// Its id (the sealed token is bound to it).
    pub id: ChannelId,
    /// Meta's id of the number.
    pub phone_number_id: String,
    /// The number as displayed.
    pub display_phone_number: String,
    /// Its WABA.
    pub waba_id: String,
    /// What the business calls it.
    pub name: String,
    /// The sealed access token.
    pub sealed_token: Vec<u8>,
    /// Send rate.
    pub messages_per_second: i32,
    /// The tenant's own Meta app.
    pub app: Option<NewApp>,
}

/// What changes about a number.
#[derive(Debug, Clone, Default)]
pub struct ChannelChange {
    /// The number as displayed.
    pub display_phone_number: Option<String>,
    /// A new WABA (verified with Meta).
    pub waba_id: Option<String>,
    /// What the business calls it.
    pub name: Option<String>,
    /// A new sealed token (verified with Meta).
    pub sealed_token: Option<Vec<u8>>,
    /// Send rate.
    pub messages_per_second: Option<i32>,
}

/// What a number's credentials are now.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// Meta's id of the number.
    pub phone_number_id: String,
    /// Its WABA.
    pub waba_id: String,
    /// Its sealed access token.
    pub sealed_token: Vec<u8>,
}

/// A disconnected number.
#[derive(Debug, Clone)]
pub struct Disconnected {
    /// Meta's id of the number.
    pub phone_number_id: String,
}

/// Makes `waba_id` the tenant's (first come) or refuses it when another
/// tenant holds it.
async fn claim_waba(tx: &mut Transaction<'static, Postgres>, db: &TenantDb<'_>, waba_id: &str) -> Result<(), DbError> {
    sqlx::query("INSERT INTO waba_owners (waba_id, tenant_id) VALUES ($1, $2) ON CONFLICT (waba_id) DO NOTHING")
        .bind(waba_id)
        .bind(db.tenant.0)
        .execute(&mut **tx)
        .await?;
    // Row-level security shows only this tenant's ownership.
    let mine: Option<String> =
        sqlx::query_scalar("SELECT waba_id FROM waba_owners WHERE waba_id = $1").bind(waba_id).fetch_optional(&mut **tx).await?;
    mine.map(|_| ()).ok_or_else(|| DbError::Conflict(Conflict::WabaInUse(waba_id.to_owned())))
}

/// Lets go of a WABA none of the tenant's numbers use any more.
async fn release_waba(tx: &mut Transaction<'static, Postgres>, waba_id: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM waba_owners w WHERE w.waba_id = $1 AND NOT EXISTS (SELECT 1 FROM channels c WHERE c.waba_id = $1)")
        .bind(waba_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A tenant's numbers.
pub struct Channels<'a> {
    pub(super) db: TenantDb<'a>,
}

impl Channels<'_> {
    /// Every number, oldest first.
    pub async fn list(&self) -> Result<Vec<ChannelView>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query_as(&format!("{CHANNEL_SELECT} ORDER BY c.created_at, c.id")).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Records the number's standing as the Graph API reads it now (a
    /// field Meta left out keeps its value).
    pub async fn set_standing(
        &self,
        id: ChannelId,
        quality_rating: Option<&str>,
        tier: Option<&str>,
    ) -> Result<Option<ChannelView>, DbError> {
        let mut tx = self.db.tx().await?;
        sqlx::query(
            "UPDATE channels SET quality_rating = COALESCE(left($2, 40), quality_rating), messaging_tier = COALESCE(left($3, 40), messaging_tier),
                 quality_updated_at = now() WHERE id = $1",
        )
        .bind(id.0)
        .bind(quality_rating)
        .bind(tier)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query_as(&format!("{CHANNEL_SELECT} WHERE c.id = $1")).bind(id.0).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// One number.
    pub async fn get(&self, id: ChannelId) -> Result<Option<ChannelView>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query_as(&format!("{CHANNEL_SELECT} WHERE c.id = $1")).bind(id.0).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// A number as the engine addresses it.
    pub async fn channel_ref(&self, id: ChannelId) -> Result<Option<ChannelRef>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query("SELECT id AS channel_id, phone_number_id, messages_per_second FROM channels WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.map(|r| crate::store::channel_ref_from_row(self.db.tenant, &r)).transpose()?)
    }

    /// The number with this phone number id.
    pub async fn by_phone_number_id(&self, phone_number_id: &str) -> Result<Option<ChannelId>, DbError> {
        let mut tx = self.db.tx().await?;
        let id: Option<uuid::Uuid> =
            sqlx::query_scalar("SELECT id FROM channels WHERE phone_number_id = $1").bind(phone_number_id).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(id.map(ChannelId))
    }

    /// The first number of a WABA (or of the tenant), with its WABA: whose
    /// token speaks for that WABA.
    pub async fn of_waba(&self, waba_id: Option<&str>) -> Result<Option<(ChannelRef, String)>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query(
            "SELECT id AS channel_id, phone_number_id, messages_per_second, waba_id FROM channels
             WHERE ($1::text IS NULL OR waba_id = $1) ORDER BY created_at LIMIT 1",
        )
        .bind(waba_id)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(row) = row else { return Ok(None) };
        let waba: String = sqlx::Row::try_get(&row, "waba_id")?;
        Ok(Some((crate::store::channel_ref_from_row(self.db.tenant, &row)?, waba)))
    }

    /// The tenant's WABAs.
    pub async fn wabas(&self) -> Result<Vec<String>, DbError> {
        let mut tx = self.db.tx().await?;
        let wabas = sqlx::query_scalar("SELECT DISTINCT waba_id FROM channels").fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(wabas)
    }

    /// Connects a verified number: claims its WABA, records the tenant's
    /// own app, stores the channel.
    pub async fn create(&self, new: NewChannel) -> Result<ChannelView, DbError> {
        let mut tx = self.db.tx().await?;
        super::plans::hold_limit(&mut tx, self.db.tenant, crate::plans::Limit::Numbers).await?;
        claim_waba(&mut tx, &self.db, &new.waba_id).await?;
        let meta_app = match &new.app {
            None => None,
            Some(app) => {
                // A new app, or new secrets for this tenant's own; another
                // tenant's app is neither visible (row-level security) nor taken.
                let mut id: Option<uuid::Uuid> = sqlx::query_scalar(
                    "INSERT INTO meta_apps (id, tenant_id, app_id, app_secret_enc, verify_token_enc) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (app_id) DO NOTHING RETURNING id",
                )
                .bind(uuid::Uuid::now_v7())
                .bind(self.db.tenant.0)
                .bind(&app.app_id)
                .bind(&app.sealed_secret)
                .bind(&app.sealed_verify_token)
                .fetch_optional(&mut *tx)
                .await?;
                if id.is_none() {
                    id = sqlx::query_scalar(
                        "UPDATE meta_apps SET app_secret_enc = $2, verify_token_enc = $3 WHERE app_id = $1 RETURNING id",
                    )
                    .bind(&app.app_id)
                    .bind(&app.sealed_secret)
                    .bind(&app.sealed_verify_token)
                    .fetch_optional(&mut *tx)
                    .await?;
                }
                Some(id.ok_or(DbError::Conflict(Conflict::AppInUse))?)
            }
        };
        sqlx::query(
            "INSERT INTO channels (id, tenant_id, phone_number_id, display_phone_number, waba_id, name, access_token_enc, meta_app_id, messages_per_second)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(new.id.0)
        .bind(self.db.tenant.0)
        .bind(&new.phone_number_id)
        .bind(&new.display_phone_number)
        .bind(&new.waba_id)
        .bind(&new.name)
        .bind(&new.sealed_token)
        .bind(meta_app)
        .bind(new.messages_per_second)
        .execute(&mut *tx)
        .await
        .map_err(|e| DbError::on_unique(e, Conflict::ChannelExists("phone_number_id")))?;
        let view = sqlx::query_as(&format!("{CHANNEL_SELECT} WHERE c.id = $1")).bind(new.id.0).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// A number's credentials now.
    pub async fn credentials(&self, id: ChannelId) -> Result<Option<Credentials>, DbError> {
        let mut tx = self.db.tx().await?;
        let row: Option<(String, String, Vec<u8>)> =
            sqlx::query_as("SELECT phone_number_id, waba_id, access_token_enc FROM channels WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(row.map(|(phone_number_id, waba_id, sealed_token)| Credentials { phone_number_id, waba_id, sealed_token }))
    }

    /// Changes a number (a new WABA is claimed, the old one let go of when
    /// unused); None when there is no such number. `verified` is the WABA
    /// and token the change was checked with Meta against: when another
    /// change replaced them meanwhile, nothing is written
    /// ([`Conflict::ChannelChanged`]), so a token and a WABA Meta never saw
    /// together are never stored.
    pub async fn update(
        &self,
        id: ChannelId,
        verified: Option<&Credentials>,
        change: ChannelChange,
    ) -> Result<Option<ChannelView>, DbError> {
        let mut tx = self.db.tx().await?;
        let now: Option<(String, Vec<u8>)> = sqlx::query_as("SELECT waba_id, access_token_enc FROM channels WHERE id = $1 FOR UPDATE")
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((old_waba, old_token)) = now else { return Ok(None) };
        if verified.is_some_and(|v| v.waba_id != old_waba || v.sealed_token != old_token) {
            return Err(DbError::Conflict(Conflict::ChannelChanged));
        }
        let moved = change.waba_id.as_deref().filter(|w| *w != old_waba);
        if let Some(new_waba) = moved {
            claim_waba(&mut tx, &self.db, new_waba).await?;
        }
        sqlx::query(
            "UPDATE channels SET display_phone_number = COALESCE($2, display_phone_number), waba_id = COALESCE($3, waba_id),
                name = COALESCE($4, name), access_token_enc = COALESCE($5, access_token_enc),
                messages_per_second = COALESCE($6, messages_per_second), updated_at = now()
             WHERE id = $1",
        )
        .bind(id.0)
        .bind(&change.display_phone_number)
        .bind(&change.waba_id)
        .bind(&change.name)
        .bind(&change.sealed_token)
        .bind(change.messages_per_second)
        .execute(&mut *tx)
        .await?;
        if moved.is_some() {
            release_waba(&mut tx, &old_waba).await?;
        }
        let view = sqlx::query_as(&format!("{CHANNEL_SELECT} WHERE c.id = $1")).bind(id.0).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some(view))
    }

    /// Disconnects a number (its conversations go with it) and lets go of
    /// its WABA when no other number uses it.
    pub async fn delete(&self, id: ChannelId) -> Result<Option<Disconnected>, DbError> {
        let mut tx = self.db.tx().await?;
        let gone: Option<(String, String)> = sqlx::query_as("DELETE FROM channels WHERE id = $1 RETURNING phone_number_id, waba_id")
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((phone_number_id, waba)) = gone else { return Ok(None) };
        release_waba(&mut tx, &waba).await?;
        tx.commit().await?;
        Ok(Some(Disconnected { phone_number_id }))
    }
}
