//! Plans (platform data every tenant reads) and the checks of a tenant's
//! plan: a limit held in the addition's own transaction, a feature read.

use super::{Conflict, DbError, TenantDb};
use crate::plans::{Feature, FeatureMissing, Limit, LimitReached};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgPool, Postgres, Transaction};
use whatsflow_actors::ids::TenantId;

const COLUMNS: &str =
    "code, name, currency, price_monthly_minor, price_annual_minor, limits, features, position, active, created_at, updated_at";

/// A plan as the API shows it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct PlanView {
    /// Stable code (`starter`, `professional`, …).
    pub code: String,
    /// What customers see.
    pub name: String,
    /// ISO 4217 code of the prices.
    pub currency: String,
    /// Monthly price in minor units (paise); null: custom, invoiced.
    pub price_monthly_minor: Option<i64>,
    /// Yearly price in minor units; null: custom.
    pub price_annual_minor: Option<i64>,
    /// Counts it allows (`agents`, `numbers`, `flows`, `monthly_unique_users`; null: unlimited).
    #[ts(type = "Record<string, number | null>")]
    pub limits: Value,
    /// Capabilities it includes (`broadcasts`, `api_access`, `ai`).
    pub features: Vec<String>,
    /// Order on the pricing page (upgrades go up).
    pub position: i32,
    /// Whether new customers may choose it.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A plan to create, or a plan's new content (None: unchanged).
#[derive(Debug, Clone, Default)]
pub struct PlanChange {
    /// Name.
    pub name: Option<String>,
    /// Currency.
    pub currency: Option<String>,
    /// Monthly price (Some(None): custom).
    pub price_monthly_minor: Option<Option<i64>>,
    /// Yearly price (Some(None): custom).
    pub price_annual_minor: Option<Option<i64>>,
    /// Limits.
    pub limits: Option<Value>,
    /// Features.
    pub features: Option<Vec<String>>,
    /// Position.
    pub position: Option<i32>,
    /// Whether it is offered.
    pub active: Option<bool>,
}

/// The platform's plans.
pub struct Plans<'a> {
    pub(super) pool: &'a PgPool,
}

impl Plans<'_> {
    /// Every plan in pricing order (only the offered ones unless `all`).
    pub async fn list(&self, all: bool) -> Result<Vec<PlanView>, DbError> {
        Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM plans WHERE active OR $1 ORDER BY position, code"))
            .bind(all)
            .fetch_all(self.pool)
            .await?)
    }

    /// One plan.
    pub async fn get(&self, code: &str) -> Result<Option<PlanView>, DbError> {
        Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM plans WHERE code = $1")).bind(code).fetch_optional(self.pool).await?)
    }

    /// A new plan (its name is required in `c`).
    pub async fn create(&self, code: &str, c: &PlanChange) -> Result<PlanView, DbError> {
        sqlx::query_as(&format!(
            "INSERT INTO plans (code, name, currency, price_monthly_minor, price_annual_minor, limits, features, position, active)
             VALUES ($1, $2, COALESCE($3, 'INR'), $4, $5, COALESCE($6, '{{}}'), COALESCE($7, '{{}}'),
                     COALESCE($8, (SELECT COALESCE(max(position), 0) + 1 FROM plans)), COALESCE($9, true))
             RETURNING {COLUMNS}"
        ))
        .bind(code)
        .bind(&c.name)
        .bind(&c.currency)
        .bind(c.price_monthly_minor.flatten())
        .bind(c.price_annual_minor.flatten())
        .bind(&c.limits)
        .bind(&c.features)
        .bind(c.position)
        .bind(c.active)
        .fetch_one(self.pool)
        .await
        .map_err(|e| DbError::on_constraint(e, "plans_pkey", Conflict::PlanExists(code.to_owned())))
    }

    /// Changes a plan; None when there is none.
    pub async fn update(&self, code: &str, c: &PlanChange) -> Result<Option<PlanView>, DbError> {
        Ok(sqlx::query_as(&format!(
            "UPDATE plans SET name = COALESCE($2, name), currency = COALESCE($3, currency),
                 price_monthly_minor = CASE WHEN $4 THEN $5 ELSE price_monthly_minor END,
                 price_annual_minor = CASE WHEN $6 THEN $7 ELSE price_annual_minor END,
                 limits = limits || COALESCE($8, '{{}}'::jsonb), features = COALESCE($9, features), position = COALESCE($10, position),
                 active = COALESCE($11, active), updated_at = now()
             WHERE code = $1 RETURNING {COLUMNS}"
        ))
        .bind(code)
        .bind(&c.name)
        .bind(&c.currency)
        .bind(c.price_monthly_minor.is_some())
        .bind(c.price_monthly_minor.flatten())
        .bind(c.price_annual_minor.is_some())
        .bind(c.price_annual_minor.flatten())
        .bind(&c.limits)
        .bind(&c.features)
        .bind(c.position)
        .bind(c.active)
        .fetch_optional(self.pool)
        .await?)
    }
}

/// Holds the tenant's row for the rest of `tx` (so additions racing for
/// the last place queue here) and refuses one more of `limit` once the
/// tenant has all its plan allows.
pub(super) async fn hold_limit(tx: &mut Transaction<'static, Postgres>, tenant: TenantId, limit: Limit) -> Result<(), DbError> {
    let Some(count) = limit.count_sql() else { return Ok(()) };
    let (code, name, limits): (String, String, Value) = sqlx::query_as(
        "SELECT p.code, p.name, p.limits FROM tenants t JOIN plans p ON p.code = t.plan_code WHERE t.id = $1 FOR UPDATE OF t",
    )
    .bind(tenant.0)
    .fetch_one(&mut **tx)
    .await?;
    let Some(allowed) = limits.get(limit.key()).and_then(Value::as_i64) else { return Ok(()) };
    let have: i64 = sqlx::query_scalar(count).bind(tenant.0).fetch_one(&mut **tx).await?;
    if have < allowed {
        return Ok(());
    }
    let upgrade = upgrade_for(tx, &code, limit, allowed).await?;
    Err(DbError::LimitReached(LimitReached { limit, plan: name, allowed, upgrade }))
}

/// The first offered plan (in pricing order) other than `code` that allows
/// more than `beyond` of `limit`: its name and allowance (None: unlimited).
pub(super) async fn upgrade_for(
    tx: &mut Transaction<'static, Postgres>,
    code: &str,
    limit: Limit,
    beyond: i64,
) -> Result<Option<(String, Option<i64>)>, DbError> {
    Ok(sqlx::query_as(
        "SELECT name, (limits ->> $2)::bigint FROM plans
         WHERE active AND code <> $1 AND ((limits ->> $2) IS NULL OR (limits ->> $2)::bigint > $3)
         ORDER BY position LIMIT 1",
    )
    .bind(code)
    .bind(limit.key())
    .bind(beyond)
    .fetch_optional(&mut **tx)
    .await?)
}

/// How many of each counted limit (agents, numbers, flows) the tenant has now.
pub(super) async fn limit_counts(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
) -> Result<serde_json::Map<String, Value>, DbError> {
    let mut counts = serde_json::Map::new();
    for limit in Limit::ALL {
        if let Some(sql) = limit.count_sql() {
            let n: i64 = sqlx::query_scalar(sql).bind(tenant.0).fetch_one(&mut **tx).await?;
            counts.insert(limit.key().to_owned(), n.into());
        }
    }
    Ok(counts)
}

/// A tenant's plan as it sees it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct AccountPlan {
    /// The plan.
    pub plan: PlanView,
    /// Where the account stands: active, grace, restricted or suspended.
    pub status: String,
    /// How many of each counted limit the account has now.
    #[ts(type = "Record<string, number>")]
    pub usage: Value,
    /// The plans offered, in pricing order (for upgrade hints).
    pub plans: Vec<PlanView>,
}

impl TenantDb<'_> {
    /// The tenant's plan, state and counts.
    pub async fn account_plan(&self) -> Result<AccountPlan, DbError> {
        let mut tx = self.tx().await?;
        let (code, status): (String, String) =
            sqlx::query_as("SELECT plan_code, status FROM tenants WHERE id = $1").bind(self.tenant.0).fetch_one(&mut *tx).await?;
        let plan: PlanView =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM plans WHERE code = $1")).bind(&code).fetch_one(&mut *tx).await?;
        let usage = limit_counts(&mut tx, self.tenant).await?;
        let mut plans: Vec<PlanView> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM plans WHERE active ORDER BY position, code")).fetch_all(&mut *tx).await?;
        // A markup partner's client sees (and pays) the partner's prices.
        let retail: Vec<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT pp.plan_code, pp.retail_monthly_minor, pp.retail_annual_minor
             FROM tenants t JOIN partners p ON p.id = t.partner_id JOIN partner_prices pp ON pp.partner_id = p.id
             WHERE t.id = $1 AND p.model = 'markup' AND p.home_tenant_id <> t.id",
        )
        .bind(self.tenant.0)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut plan = plan;
        for p in plans.iter_mut().chain(std::iter::once(&mut plan)) {
            if let Some((_, monthly, annual)) = retail.iter().find(|(code, _, _)| *code == p.code) {
                p.price_monthly_minor = monthly.or(p.price_monthly_minor);
                p.price_annual_minor = annual.or(p.price_annual_minor);
            }
        }
        Ok(AccountPlan { plan, status, usage: Value::Object(usage), plans })
    }

    /// Where the tenant's account stands (None: no such tenant).
    pub async fn account_status(&self) -> Result<Option<String>, DbError> {
        let mut tx = self.tx().await?;
        let status = sqlx::query_scalar("SELECT status FROM tenants WHERE id = $1").bind(self.tenant.0).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(status)
    }

    /// Whether the tenant's plan includes `feature` (and if not, which plan does).
    pub async fn plan_includes(&self, feature: Feature) -> Result<Result<(), FeatureMissing>, DbError> {
        let mut tx = self.tx().await?;
        let (name, has, code): (String, bool, String) = sqlx::query_as(
            "SELECT p.name, $2 = ANY(p.features), p.code FROM tenants t JOIN plans p ON p.code = t.plan_code WHERE t.id = $1",
        )
        .bind(self.tenant.0)
        .bind(feature.as_str())
        .fetch_one(&mut *tx)
        .await?;
        if has {
            return Ok(Ok(()));
        }
        let upgrade: Option<String> =
            sqlx::query_scalar("SELECT name FROM plans WHERE active AND $1 = ANY(features) AND code <> $2 ORDER BY position LIMIT 1")
                .bind(feature.as_str())
                .bind(&code)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(Err(FeatureMissing { feature, plan: name, upgrade }))
    }
}
