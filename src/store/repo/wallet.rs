//! The prepaid wallet's rows: its balance and what is held for sends in
//! flight, and its ledger. Money moves only through the database's wallet
//! functions (each one guarded UPDATE of the wallet's row).

use super::{DbError, TenantDb};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use whatsflow_actors::ids::{ContactId, TenantId};

/// A ledger row.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct WalletEntry {
    /// Its place.
    pub id: i64,
    /// topup, debit, release or adjustment.
    pub kind: String,
    /// Signed, ten-thousandths (a debit is negative; a release frees held money).
    pub amount_e4: i64,
    /// The balance after it.
    pub balance_after_e4: i64,
    /// The send it concerns.
    pub send_key: Option<String>,
    /// The payment that funded it.
    pub payment_id: Option<String>,
    /// Why (an operator's adjustment, an expiry, a shortfall).
    pub note: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The wallet as its account sees it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct WalletView {
    /// Whether the plan bills Meta's charges through the wallet.
    pub enabled: bool,
    /// ISO 4217.
    pub currency: String,
    /// Money in the wallet, ten-thousandths.
    pub balance_e4: i64,
    /// Held for sends in flight.
    pub reserved_e4: i64,
    /// Free to spend.
    pub available_e4: i64,
    /// The newest ledger rows.
    pub ledger: Vec<WalletEntry>,
}

impl TenantDb<'_> {
    /// The wallet (`enabled` from the plan).
    pub async fn wallet(&self, enabled: bool) -> Result<WalletView, DbError> {
        let mut tx = self.tx().await?;
        let (balance, reserved): (i64, i64) =
            sqlx::query_as("SELECT COALESCE(max(balance_e4), 0), COALESCE(max(reserved_e4), 0) FROM wallets WHERE tenant_id = $1")
                .bind(self.tenant.0)
                .fetch_one(&mut *tx)
                .await?;
        let ledger = sqlx::query_as(
            "SELECT id, kind, amount_e4, balance_after_e4, send_key, payment_id, note, created_at FROM wallet_ledger ORDER BY id DESC LIMIT 100",
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(WalletView {
            enabled,
            currency: "INR".into(),
            balance_e4: balance,
            reserved_e4: reserved,
            available_e4: balance - reserved,
            ledger,
        })
    }

    /// What a template send to `contact` is expected to cost (its category
    /// from the tenant's templates, the rate in force today).
    pub async fn expected_template_cost(&self, contact: ContactId, name: &str, language: &str) -> Result<i64, DbError> {
        let mut tx = self.tx().await?;
        let cost: i64 = sqlx::query_scalar(
            "SELECT wallet_expected_cost($1,
                 COALESCE((SELECT category FROM templates WHERE name = $2 AND language = $3 LIMIT 1), 'marketing'),
                 (SELECT phone FROM contacts WHERE id = $4))",
        )
        .bind(self.tenant.0)
        .bind(name)
        .bind(language)
        .bind(contact.0)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(cost)
    }

    /// Holds `amount` under `key` if the wallet has it free.
    pub async fn wallet_reserve(&self, key: &str, amount: i64) -> Result<bool, DbError> {
        let mut tx = self.tx().await?;
        let ok: bool =
            sqlx::query_scalar("SELECT wallet_reserve($1, $2, $3)").bind(self.tenant.0).bind(key).bind(amount).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(ok)
    }

    /// Gives back what `key` holds (its send was never made).
    pub async fn wallet_unreserve(&self, key: &str) -> Result<(), DbError> {
        let mut tx = self.tx().await?;
        sqlx::query("SELECT wallet_unreserve($1, $2)").bind(self.tenant.0).bind(key).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Credits a wallet (a top-up once per payment, or an operator's
/// adjustment); the new balance, None when that payment already credited it.
pub async fn credit(
    pool: &PgPool,
    tenant: TenantId,
    amount_e4: i64,
    kind: &str,
    payment: Option<&str>,
    note: Option<&str>,
) -> Result<Option<i64>, DbError> {
    Ok(sqlx::query_scalar("SELECT wallet_credit($1, $2, $3, $4, $5)")
        .bind(tenant.0)
        .bind(amount_e4)
        .bind(kind)
        .bind(payment)
        .bind(note)
        .fetch_one(pool)
        .await?)
}

/// Releases holds older than `after` whose message never settled; how many.
pub async fn expire(pool: &PgPool, after: std::time::Duration) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar("SELECT wallet_expire(make_interval(secs => $1))").bind(after.as_secs_f64()).fetch_one(pool).await?)
}
