//! The platform operators' reads and writes across tenants, each through a
//! definer function (the routes that call them take a super-admin): the
//! customer tenants, a tenant's plan and state, and the platform's own
//! tenant that holds the super-admins.

use super::users::{insert_user, NewUser, UserView};
use super::DbError;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use whatsflow_actors::ids::{TenantId, UserId};

/// Most tenants one listing returns.
pub const MAX_TENANTS: i64 = 500;

/// A customer tenant as the console lists it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct TenantSummary {
    /// Id.
    #[ts(type = "string")]
    pub id: uuid::Uuid,
    /// The business.
    pub name: String,
    /// Its plan's code.
    pub plan_code: String,
    /// active, grace, restricted or suspended.
    pub status: String,
    /// When the status last changed.
    pub status_changed_at: Option<DateTime<Utc>>,
    /// Signed up.
    pub created_at: DateTime<Utc>,
    /// Team members.
    pub users: i64,
    /// Connected numbers.
    pub numbers: i64,
    /// Contacts.
    pub contacts: i64,
    /// Messages in the last 30 days.
    pub messages_30d: i64,
    /// Its first admin's email.
    pub admin_email: Option<String>,
    /// What it adds to the monthly recurring revenue (its plan's monthly
    /// price while it is active or in grace), in minor units.
    #[sqlx(skip)]
    pub mrr_minor: i64,
}

/// What a tenant adds to the monthly recurring revenue: its plan's monthly
/// price while it is active or in grace (a custom price counts as 0).
fn mrr(status: &str, monthly_price: Option<i64>) -> i64 {
    if matches!(status, "active" | "grace") {
        monthly_price.unwrap_or(0)
    } else {
        0
    }
}

/// The platform's own settings.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct PlatformSettings {
    /// Whether anyone may register a business.
    pub signups_open: bool,
    /// The plan new tenants start on (null: `WHATSFLOW_DEFAULT_PLAN`).
    pub default_plan: Option<String>,
    /// Where people are pointed for help (suspension, closed sign-ups).
    pub support_email: Option<String>,
    /// When last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// The platform-wide view.
pub struct Admin<'a> {
    pub(super) pool: &'a PgPool,
}

impl Admin<'_> {
    /// Customer tenants, newest first, optionally matching `search` (name or a member's email).
    pub async fn tenants(&self, search: Option<&str>) -> Result<Vec<TenantSummary>, DbError> {
        let mut rows: Vec<TenantSummary> = sqlx::query_as(
            "SELECT id, name, plan_code, status, status_changed_at, created_at, users, numbers, contacts, messages_30d, admin_email
             FROM admin_tenants($1, $2)",
        )
        .bind(search)
        .bind(i32::try_from(MAX_TENANTS).unwrap_or(i32::MAX))
        .fetch_all(self.pool)
        .await?;
        let prices: Vec<(String, Option<i64>)> = sqlx::query_as("SELECT code, price_monthly_minor FROM plans").fetch_all(self.pool).await?;
        for t in &mut rows {
            let price = prices.iter().find(|(c, _)| *c == t.plan_code).and_then(|(_, p)| *p);
            t.mrr_minor = mrr(&t.status, price);
        }
        Ok(rows)
    }

    /// One customer tenant.
    pub async fn tenant(&self, id: TenantId) -> Result<Option<TenantSummary>, DbError> {
        let row: Option<TenantSummary> = sqlx::query_as(
            "SELECT id, name, plan_code, status, status_changed_at, created_at, users, numbers, contacts, messages_30d, admin_email
             FROM admin_tenant($1)",
        )
        .bind(id.0)
        .fetch_optional(self.pool)
        .await?;
        let Some(mut t) = row else { return Ok(None) };
        let price: Option<i64> = sqlx::query_scalar("SELECT price_monthly_minor FROM plans WHERE code = $1")
            .bind(&t.plan_code)
            .fetch_optional(self.pool)
            .await?
            .flatten();
        t.mrr_minor = mrr(&t.status, price);
        Ok(Some(t))
    }

    /// The platform's figures over every customer tenant: tenants,
    /// suspended, sign-ups in 30 days, MRR, messages in 30 days, tenants per plan.
    pub async fn overview(&self) -> Result<(i64, i64, i64, i64, i64, serde_json::Value), DbError> {
        Ok(sqlx::query_as("SELECT tenants, suspended, signups_30d, mrr_minor, messages_30d, by_plan FROM admin_overview()")
            .fetch_one(self.pool)
            .await?)
    }

    /// Changes a tenant's plan or state: the people whose sessions ended
    /// (None: no such customer tenant).
    pub async fn update_tenant(&self, id: TenantId, plan: Option<&str>, status: Option<&str>) -> Result<Option<Vec<UserId>>, DbError> {
        let row: Option<(uuid::Uuid, Vec<uuid::Uuid>)> = sqlx::query_as("SELECT id, ended FROM admin_update_tenant($1, $2, $3)")
            .bind(id.0)
            .bind(plan)
            .bind(status)
            .fetch_optional(self.pool)
            .await?;
        Ok(row.map(|(_, ended)| ended.into_iter().map(UserId).collect()))
    }

    /// The platform's settings.
    pub async fn settings(&self) -> Result<PlatformSettings, DbError> {
        Ok(sqlx::query_as("SELECT signups_open, default_plan, support_email, updated_at FROM platform_settings")
            .fetch_one(self.pool)
            .await?)
    }

    /// Changes them (None: unchanged; `default_plan` Some(None) clears it).
    pub async fn update_settings(
        &self,
        signups_open: Option<bool>,
        default_plan: Option<Option<String>>,
        support_email: Option<Option<String>>,
    ) -> Result<PlatformSettings, DbError> {
        Ok(sqlx::query_as(
            "UPDATE platform_settings SET signups_open = COALESCE($1, signups_open),
                 default_plan = CASE WHEN $2 THEN $3 ELSE default_plan END,
                 support_email = CASE WHEN $4 THEN $5 ELSE support_email END, updated_at = now()
             RETURNING signups_open, default_plan, support_email, updated_at",
        )
        .bind(signups_open)
        .bind(default_plan.is_some())
        .bind(default_plan.flatten())
        .bind(support_email.is_some())
        .bind(support_email.flatten())
        .fetch_one(self.pool)
        .await?)
    }

    /// The tenant's first admin (whom an operator views the tenant as) and
    /// their token version.
    pub async fn first_admin(&self, tenant: TenantId) -> Result<Option<(UserView, i32)>, DbError> {
        let mut tx = crate::db::tenant_tx(self.pool, tenant).await?;
        let user: Option<UserView> = sqlx::query_as(&format!(
            "SELECT {} FROM users WHERE role = 'tenant_admin' ORDER BY created_at, id LIMIT 1",
            super::users::USER_COLUMNS
        ))
        .fetch_optional(&mut *tx)
        .await?;
        let out = match user {
            Some(u) => {
                let v: i32 = sqlx::query_scalar("SELECT token_version FROM users WHERE id = $1").bind(u.id).fetch_one(&mut *tx).await?;
                Some((u, v))
            }
            None => None,
        };
        tx.commit().await?;
        Ok(out)
    }

    /// Makes a super-admin in the platform's own tenant (made on first use).
    pub async fn create_super_admin(&self, email: &str, name: &str, password_hash: &str) -> Result<UserView, DbError> {
        let tenant: uuid::Uuid = sqlx::query_scalar("SELECT ensure_platform_tenant()").fetch_one(self.pool).await?;
        let mut tx = crate::db::tenant_tx(self.pool, TenantId(tenant)).await?;
        let user = insert_user(&mut tx, TenantId(tenant), NewUser { email, name, password_hash, role: "super_admin" }).await?;
        tx.commit().await?;
        Ok(user)
    }
}
