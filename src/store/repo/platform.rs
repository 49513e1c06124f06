//! Lookups that cross tenants on purpose, each through a definer function
//! only the app role may call: an account by email (login), an API key by
//! hash, a tenant's Meta app by its id (webhook routing); sign-up, which
//! creates the tenant; and the platform-wide reads of readiness and metrics.

use super::users::{insert_user, start_session, NewSession, NewUser, SignedIn};
use super::DbError;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::time::Duration;
use whatsflow_actors::ids::{TenantId, UserId};

/// An API key, as it authenticates.
#[derive(Debug, Clone)]
pub struct KeyRecord {
    /// The key's id.
    pub id: uuid::Uuid,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// What it may do.
    pub scopes: Vec<String>,
    /// The admin who created it.
    pub created_by: Option<uuid::Uuid>,
}

/// What a login needs to know of an account, whatever its tenant.
#[derive(Debug, Clone)]
pub struct LoginRecord {
    /// The user.
    pub user_id: UserId,
    /// Their tenant.
    pub tenant_id: TenantId,
    /// Their argon2id hash.
    pub password_hash: String,
    /// Their tenant's state (active, grace, restricted, suspended).
    pub tenant_status: String,
    /// They use two-factor.
    pub two_factor: bool,
    /// Their tenant asks everyone to.
    pub two_factor_required: bool,
}

/// Cross-tenant lookups (definer functions only the app role may call).
pub struct Platform<'a> {
    pub(super) pool: &'a PgPool,
}

impl Platform<'_> {
    /// The account with this email, in any tenant.
    pub async fn login_record(&self, email: &str) -> Result<Option<LoginRecord>, DbError> {
        let row: Option<(uuid::Uuid, uuid::Uuid, String, String, bool, bool)> = sqlx::query_as(
            "SELECT id, tenant_id, password_hash, tenant_status, two_factor, two_factor_required FROM auth_user_by_email($1)",
        )
        .bind(email)
        .fetch_optional(self.pool)
        .await?;
        Ok(row.map(|(id, tenant, hash, status, two_factor, two_factor_required)| LoginRecord {
            user_id: UserId(id),
            tenant_id: TenantId(tenant),
            password_hash: hash,
            tenant_status: status,
            two_factor,
            two_factor_required,
        }))
    }

    /// The live API key with this hash (and records its use).
    pub async fn api_key(&self, hash: &[u8]) -> Result<Option<KeyRecord>, DbError> {
        let row: Option<(uuid::Uuid, uuid::Uuid, Vec<String>, Option<uuid::Uuid>)> =
            sqlx::query_as("SELECT id, tenant_id, scopes, created_by FROM auth_api_key($1)").bind(hash).fetch_optional(self.pool).await?;
        Ok(row.map(|(id, tenant, scopes, created_by)| KeyRecord { id, tenant_id: TenantId(tenant), scopes, created_by }))
    }

    /// Creates a tenant on `plan` (a client of `partner` when signed up on
    /// its host) and its first admin, signed in.
    #[allow(clippy::too_many_arguments)]
    pub async fn register(
        &self,
        tenant: TenantId,
        partner: Option<uuid::Uuid>,
        tenant_name: &str,
        plan: &str,
        name: &str,
        email: &str,
        password_hash: &str,
        session: NewSession,
    ) -> Result<SignedIn, DbError> {
        let mut tx = crate::db::tenant_tx(self.pool, tenant).await?;
        sqlx::query("INSERT INTO tenants (id, name, plan_code, partner_id) VALUES ($1, $2, $3, $4)")
            .bind(tenant.0)
            .bind(tenant_name)
            .bind(plan)
            .bind(partner)
            .execute(&mut *tx)
            .await?;
        let user = insert_user(&mut tx, tenant, NewUser { email, name, password_hash, role: "tenant_admin" }).await?;
        let signed = start_session(&mut tx, user, session).await?;
        tx.commit().await?;
        Ok(signed)
    }

    /// A tenant's own Meta app: its tenant and sealed app secret and verify token.
    pub async fn meta_app(&self, app_id: &str) -> Result<Option<(TenantId, Vec<u8>, Vec<u8>)>, DbError> {
        let row: Option<(uuid::Uuid, Vec<u8>, Vec<u8>)> =
            sqlx::query_as("SELECT tenant_id, app_secret_enc, verify_token_enc FROM route_meta_app($1)")
                .bind(app_id)
                .fetch_optional(self.pool)
                .await?;
        Ok(row.map(|(tenant, secret, token)| (TenantId(tenant), secret, token)))
    }

    /// Whether the database answers within `timeout`.
    pub async fn ping(&self, timeout: Duration) -> bool {
        matches!(tokio::time::timeout(timeout, sqlx::query("SELECT 1").execute(self.pool)).await, Ok(Ok(_)))
    }

    /// The campaigns to drive (running) or start (scheduled and due), across tenants.
    pub async fn active_campaigns(&self) -> Result<Vec<super::campaigns::ActiveCampaign>, DbError> {
        let rows: Vec<(uuid::Uuid, uuid::Uuid, String)> =
            sqlx::query_as("SELECT tenant_id, id, status FROM active_campaigns()").fetch_all(self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|(tenant, id, status)| super::campaigns::ActiveCampaign {
                tenant: TenantId(tenant),
                id: whatsflow_actors::ids::CampaignId(id),
                due_to_start: status == "scheduled",
            })
            .collect())
    }

    /// The timers due at `now` across accounts that may send: running
    /// sequences with a contact due (or a step left half handed over) and
    /// scheduled messages due, at most `limit` of the latter.
    pub async fn due_timers(&self, now: DateTime<Utc>, limit: i32) -> Result<Vec<DueTimer>, DbError> {
        let rows: Vec<(String, uuid::Uuid, uuid::Uuid)> =
            sqlx::query_as("SELECT kind, tenant_id, id FROM due_timers($1, $2)").bind(now).bind(limit).fetch_all(self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|(kind, tenant, id)| match kind.as_str() {
                "drip" => DueTimer::Drip(TenantId(tenant), whatsflow_actors::ids::CampaignId(id)),
                _ => DueTimer::Scheduled(TenantId(tenant), id),
            })
            .collect())
    }

    /// Running sequences that enrol a segment's members: (tenant, sequence, segment).
    pub async fn drips_enrolling_segments(&self) -> Result<Vec<(TenantId, whatsflow_actors::ids::CampaignId, uuid::Uuid)>, DbError> {
        let rows: Vec<(uuid::Uuid, uuid::Uuid, uuid::Uuid)> =
            sqlx::query_as("SELECT tenant_id, id, segment_id FROM drips_enrolling_segments()").fetch_all(self.pool).await?;
        Ok(rows.into_iter().map(|(t, c, s)| (TenantId(t), whatsflow_actors::ids::CampaignId(c), s)).collect())
    }

    /// The next moment a sequence step or a scheduled message falls due.
    pub async fn next_timer_due(&self) -> Result<Option<DateTime<Utc>>, DbError> {
        Ok(sqlx::query_scalar("SELECT next_timer_due()").fetch_one(self.pool).await?)
    }

    /// Webhook POSTs that failed every retry and wait for an operator.
    pub async fn dead_inbox_rows(&self) -> Result<i64, DbError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM webhook_inbox WHERE dead_at IS NOT NULL").fetch_one(self.pool).await?)
    }

    /// Open database connections.
    pub fn connections(&self) -> u32 {
        self.pool.size()
    }
}

/// A timer that fell due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueTimer {
    /// A running sequence with contacts due.
    Drip(TenantId, whatsflow_actors::ids::CampaignId),
    /// A scheduled message.
    Scheduled(TenantId, uuid::Uuid),
}
