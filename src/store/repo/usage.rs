//! Metering as a tenant reads it: the customers reached in a billing month
//! (counted by the database when a message arrives or one of ours is
//! delivered), the cost ledger by day and category, the plan's limits and
//! the alerts that fired; and the platform's alert sweep.

use super::campaigns::Cost;
use super::{DbError, TenantDb};
use crate::plans::{Limit, LimitReached};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde_json::Value;
use sqlx::{PgPool, Row};
use whatsflow_actors::ids::TenantId;

/// A billing month: calendar months in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// Its first day.
    pub start: NaiveDate,
}

impl Period {
    /// The month holding `at`.
    pub fn of(at: DateTime<Utc>) -> Self {
        Self { start: NaiveDate::from_ymd_opt(at.year(), at.month(), 1).unwrap_or(at.date_naive()) }
    }

    /// The month named `2026-11`; None when it is not one.
    pub fn parse(s: &str) -> Option<Self> {
        let (y, m) = s.split_once('-')?;
        let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
        (2000..=2100).contains(&y).then_some(())?;
        Some(Self { start: NaiveDate::from_ymd_opt(y, m, 1)? })
    }

    /// The first day of the next month (the period ends before it).
    pub fn end(self) -> NaiveDate {
        let (y, m) = if self.start.month() == 12 { (self.start.year() + 1, 1) } else { (self.start.year(), self.start.month() + 1) };
        NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(self.start)
    }

    fn instant(day: NaiveDate) -> DateTime<Utc> {
        Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
    }
}

/// The period's bounds as the API shows them.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct PeriodView {
    /// Its first instant.
    pub start: DateTime<Utc>,
    /// The first instant after it.
    pub end: DateTime<Utc>,
}

/// One day of the period.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct UsageDay {
    /// The day (UTC).
    pub day: NaiveDate,
    /// Customers first counted that day.
    pub new_users: i64,
    /// Our messages delivered that day (priced by Meta).
    pub delivered: i64,
    /// Their cost, ten-thousandths.
    pub cost_e4: i64,
}

/// One pricing category of the period.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct UsageCategory {
    /// Meta's pricing category (marketing, utility, authentication, service, ...).
    pub category: String,
    /// Delivered messages in it.
    pub delivered: i64,
    /// Of which Meta charges (type `regular`).
    pub charged: i64,
    /// Their cost, ten-thousandths.
    pub cost_e4: i64,
}

/// An alert that fired this period.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct UsageAlert {
    /// The limit's key.
    pub limit: String,
    /// 80 or 100 (percent).
    pub threshold: i32,
    /// The count when it fired.
    pub used: i64,
    /// What the plan allowed.
    pub allowed: i64,
    /// When.
    pub fired_at: DateTime<Utc>,
}

/// `GET /api/v1/usage`.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct UsageView {
    /// The billing month.
    pub period: PeriodView,
    /// The plan's code.
    pub plan: String,
    /// The plan's name.
    pub plan_name: String,
    /// People reached this period, each once.
    pub monthly_unique_users: i64,
    /// The plan's limits (null: unlimited).
    #[ts(type = "Record<string, number | null>")]
    pub limits: Value,
    /// How many of each counted limit the account has now.
    #[ts(type = "Record<string, number>")]
    pub counts: Value,
    /// Meta's charges for the period's delivered messages (exact, and
    /// rounded to paise).
    pub cost: Cost,
    /// Day by day.
    pub by_day: Vec<UsageDay>,
    /// By pricing category.
    pub by_category: Vec<UsageCategory>,
    /// Limit alerts that fired this period.
    pub alerts: Vec<UsageAlert>,
}

impl TenantDb<'_> {
    /// The tenant's usage in `period`.
    pub async fn usage(&self, period: Period) -> Result<UsageView, DbError> {
        let mut tx = self.tx().await?;
        let (plan, plan_name, limits): (String, String, Value) =
            sqlx::query_as("SELECT p.code, p.name, p.limits FROM tenants t JOIN plans p ON p.code = t.plan_code WHERE t.id = $1")
                .bind(self.tenant.0)
                .fetch_one(&mut *tx)
                .await?;
        let users: i64 = sqlx::query_scalar("SELECT count(*) FROM usage_users WHERE tenant_id = $1 AND period = $2")
            .bind(self.tenant.0)
            .bind(period.start)
            .fetch_one(&mut *tx)
            .await?;
        let mut counts = super::plans::limit_counts(&mut tx, self.tenant).await?;
        counts.insert(Limit::MonthlyUniqueUsers.key().into(), users.into());
        // One pass over each table (days in UTC), joined to the calendar.
        let days = sqlx::query(
            "WITH d AS (SELECT generate_series($2::date, $3::date - 1, interval '1 day')::date AS day),
                  u AS (SELECT (first_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM usage_users
                         WHERE tenant_id = $1 AND period = $2 GROUP BY 1),
                  c AS (SELECT day, count(*) AS n, COALESCE(sum(amount_e4), 0)::bigint AS e4 FROM usage_costs
                         WHERE tenant_id = $1 AND period = $2 GROUP BY 1)
             SELECT d.day, COALESCE(u.n, 0) AS new_users, COALESCE(c.n, 0) AS delivered, COALESCE(c.e4, 0)::bigint AS cost_e4
             FROM d LEFT JOIN u ON u.day = d.day LEFT JOIN c ON c.day = d.day
             WHERE d.day <= GREATEST((now() AT TIME ZONE 'UTC')::date, $2::date) ORDER BY d.day",
        )
        .bind(self.tenant.0)
        .bind(period.start)
        .bind(period.end())
        .fetch_all(&mut *tx)
        .await?;
        let by_day = days
            .iter()
            .map(|r| {
                Ok(UsageDay {
                    day: r.try_get("day")?,
                    new_users: r.try_get("new_users")?,
                    delivered: r.try_get("delivered")?,
                    cost_e4: r.try_get("cost_e4")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let cats = sqlx::query(
            "SELECT category, count(*) AS delivered, count(*) FILTER (WHERE pricing_type = 'regular') AS charged,
                    COALESCE(sum(amount_e4), 0)::bigint AS cost_e4
             FROM usage_costs WHERE tenant_id = $1 AND period = $2 GROUP BY category ORDER BY category",
        )
        .bind(self.tenant.0)
        .bind(period.start)
        .fetch_all(&mut *tx)
        .await?;
        let by_category = cats
            .iter()
            .map(|r| {
                Ok(UsageCategory {
                    category: r.try_get("category")?,
                    delivered: r.try_get("delivered")?,
                    charged: r.try_get("charged")?,
                    cost_e4: r.try_get("cost_e4")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let currency: Option<String> = sqlx::query_scalar(
            "SELECT currency FROM usage_costs WHERE tenant_id = $1 AND period = $2 AND amount_e4 > 0
             UNION ALL SELECT currency FROM rate_cards WHERE tenant_id IS NULL LIMIT 1",
        )
        .bind(self.tenant.0)
        .bind(period.start)
        .fetch_optional(&mut *tx)
        .await?;
        let alerts = sqlx::query(
            "SELECT limit_key, threshold, used, allowed, fired_at FROM usage_alerts
             WHERE tenant_id = $1 AND period = $2 ORDER BY fired_at, threshold",
        )
        .bind(self.tenant.0)
        .bind(period.start)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| {
            Ok(UsageAlert {
                limit: r.try_get("limit_key")?,
                threshold: r.try_get("threshold")?,
                used: r.try_get("used")?,
                allowed: r.try_get("allowed")?,
                fired_at: r.try_get("fired_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        tx.commit().await?;
        let total: i64 = by_category.iter().map(|c| c.cost_e4).sum();
        Ok(UsageView {
            period: PeriodView { start: Period::instant(period.start), end: Period::instant(period.end()) },
            plan,
            plan_name,
            monthly_unique_users: users,
            limits,
            counts: Value::Object(counts),
            cost: Cost::from_e4(currency.unwrap_or_else(|| "INR".into()), total),
            by_day,
            by_category,
            alerts,
        })
    }

    /// Refuses reaching `contacts` this period when the people among them
    /// not yet counted would take the account past its plan's monthly
    /// unique users (a campaign's launch). Counted people cost nothing more.
    pub async fn check_reach(&self, contacts: &[uuid::Uuid]) -> Result<(), DbError> {
        let mut tx = self.tx().await?;
        let (code, name, allowed): (String, String, Option<i64>) = sqlx::query_as(
            "SELECT p.code, p.name, (p.limits ->> 'monthly_unique_users')::bigint FROM tenants t JOIN plans p ON p.code = t.plan_code WHERE t.id = $1",
        )
        .bind(self.tenant.0)
        .fetch_one(&mut *tx)
        .await?;
        let Some(allowed) = allowed else { return Ok(()) };
        let period = Period::of(Utc::now());
        let (used, new): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM usage_users WHERE tenant_id = $1 AND period = $2),
                    (SELECT count(DISTINCT c) FROM unnest($3::uuid[]) c
                      WHERE NOT EXISTS (SELECT 1 FROM usage_users u WHERE u.tenant_id = $1 AND u.period = $2 AND u.contact_id = c))",
        )
        .bind(self.tenant.0)
        .bind(period.start)
        .bind(contacts)
        .fetch_one(&mut *tx)
        .await?;
        if used + new <= allowed {
            return Ok(());
        }
        let upgrade = super::plans::upgrade_for(&mut tx, &code, Limit::MonthlyUniqueUsers, used + new).await?;
        Err(DbError::LimitReached(LimitReached { limit: Limit::MonthlyUniqueUsers, plan: name, allowed, upgrade }))
    }
}

/// A limit alert that fired and is to be told to the tenant's people.
#[derive(Debug, Clone)]
pub struct FiredAlert {
    /// Whose.
    pub tenant: TenantId,
    /// The period's first day.
    pub period: NaiveDate,
    /// The limit's key.
    pub limit: String,
    /// 80 or 100.
    pub threshold: i32,
    /// The count then.
    pub used: i64,
    /// The plan's allowance.
    pub allowed: i64,
}

/// The platform's meter sweep.
pub struct Meter<'a> {
    pub(super) pool: &'a PgPool,
}

impl Meter<'_> {
    /// Fires this period's limit alerts every tenant has reached and returns
    /// those not yet told (each is returned once).
    pub async fn sweep(&self, now: DateTime<Utc>) -> Result<Vec<FiredAlert>, DbError> {
        sqlx::query("SELECT fire_usage_alerts($1)").bind(Period::of(now).start).execute(self.pool).await?;
        let rows = sqlx::query("SELECT tenant_id, period, limit_key, threshold, used, allowed FROM take_usage_alerts()")
            .fetch_all(self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(FiredAlert {
                    tenant: TenantId(r.try_get("tenant_id")?),
                    period: r.try_get("period")?,
                    limit: r.try_get("limit_key")?,
                    threshold: r.try_get("threshold")?,
                    used: r.try_get("used")?,
                    allowed: r.try_get("allowed")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_calendar_months() {
        let p = Period::parse("2026-12").unwrap();
        assert_eq!(p.start, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(p.end(), NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
        assert_eq!(Period::of(Utc.with_ymd_and_hms(2026, 3, 31, 23, 59, 59).unwrap()).start, NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        assert!(Period::parse("2026-13").is_none());
        assert!(Period::parse("november").is_none());
    }
}
