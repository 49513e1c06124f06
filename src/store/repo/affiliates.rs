//! Referral affiliates and payouts: the programme's members, their clicks
//! and referred accounts, the commissions billing records for them, and the
//! payouts (to affiliates and partners) that RazorpayX carries. Balances are
//! sums over these rows at a moment, never stored. These rows belong to the
//! programme, not to a tenant: every query names the affiliate or payee the
//! route resolved from its caller.

use super::{Conflict, DbError};
use crate::partners::affiliate::{self, PAID_CYCLES, PAYOUT_THRESHOLD_MINOR};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::{PgPool, Postgres, Row, Transaction};
use whatsflow_actors::ids::{TenantId, UserId};

/// A referred account: name, signed up, status, reason, paid cycles, earned.
type ReferralRow = (String, DateTime<Utc>, String, Option<String>, i64, i64);
/// A refund of a commissioned payment: id, payment, amount, when, the
/// commission, the payment's amount, the hold's end.
type RefundToClaw = (String, String, i64, DateTime<Utc>, i64, i64, DateTime<Utc>);

/// A referral's affiliate, status, tier, and the affiliate's GSTIN, phone and UPI address.
type ReferralTerms = (uuid::Uuid, String, String, Option<String>, Option<String>, Option<String>);

/// What an affiliate earned, by state.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
pub struct Earnings {
    /// Commissions still in their hold (net of refunds meanwhile).
    pub held_minor: i64,
    /// Past the hold and not paid out (negative after a clawback of paid money).
    pub payable_minor: i64,
    /// Paid out (processed payouts).
    pub paid_minor: i64,
    /// In payouts on their way.
    pub in_flight_minor: i64,
    /// Taken back by refunds.
    pub clawed_back_minor: i64,
}

/// Clicks, sign-ups and paying accounts.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
pub struct AffiliateStats {
    /// Clicks on the link.
    pub clicks: i64,
    /// Accounts it brought.
    pub signups: i64,
    /// Of those, accounts that paid.
    pub conversions: i64,
}

/// An affiliate as they and the operators see it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AffiliateView {
    /// Id.
    pub id: uuid::Uuid,
    /// Their referral code.
    pub code: String,
    /// Their referral link.
    pub link: String,
    /// pending, approved or suspended.
    pub status: String,
    /// standard (20%) or premium (25%).
    pub tier: String,
    /// Their rate in basis points.
    pub rate_bps: i32,
    /// Their name.
    pub name: String,
    /// Their email.
    pub email: String,
    /// Where they are paid (UPI).
    pub payout_vpa: Option<String>,
    /// Their phone.
    pub phone: Option<String>,
    /// Their GSTIN.
    pub gstin: Option<String>,
    /// When they joined.
    pub created_at: DateTime<Utc>,
    /// Clicks, sign-ups, conversions.
    pub stats: AffiliateStats,
    /// Earnings by state.
    pub earnings: Earnings,
    /// What a payout would carry now.
    pub balance_minor: i64,
    /// The least balance paid out.
    pub threshold_minor: i64,
}

/// A referred account as its affiliate sees it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ReferralView {
    /// The account's name.
    pub tenant_name: String,
    /// When it signed up.
    pub signed_up_at: DateTime<Utc>,
    /// active, or refused_self.
    pub status: String,
    /// Why it was refused.
    pub reason: Option<String>,
    /// Its paid cycles that earned.
    pub paid_cycles: i64,
    /// What it earned the affiliate (net).
    pub earned_minor: i64,
}

/// A commission or clawback.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CommissionView {
    /// Id.
    pub id: i64,
    /// commission or clawback.
    pub kind: String,
    /// The referred account.
    pub tenant_name: String,
    /// Razorpay's payment.
    pub payment_id: String,
    /// Its paid cycle (commissions).
    pub cycle: Option<i32>,
    /// What was collected before GST (a clawback: refunded), in paise.
    pub base_minor: i64,
    /// The rate.
    pub rate_bps: i32,
    /// The amount (negative for a clawback).
    pub amount_minor: i64,
    /// held, payable or void.
    pub state: String,
    /// When the hold ends.
    pub hold_until: DateTime<Utc>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

/// A payout.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct PayoutView {
    /// Id (also its idempotency key and Razorpay reference).
    pub id: uuid::Uuid,
    /// affiliate or partner.
    pub payee_kind: String,
    /// Who is paid.
    pub payee_name: String,
    /// Paise.
    pub amount_minor: i64,
    /// created, queued, processing, processed, reversed or failed.
    pub status: String,
    /// RazorpayX's id, once it answered.
    pub razorpay_payout_id: Option<String>,
    /// Why it failed or reversed.
    pub failure_reason: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A payout to send (or send again, with the same key).
#[derive(Debug, Clone)]
pub struct PayoutToSend {
    /// Id and idempotency key.
    pub id: uuid::Uuid,
    /// Paise.
    pub amount_minor: i64,
    /// UPI address.
    pub vpa: String,
    /// The payee's name.
    pub name: String,
    /// affiliate or partner.
    pub payee_kind: String,
    /// The payee.
    pub payee_id: uuid::Uuid,
}

/// What joining or editing sets.
#[derive(Debug, Clone, Default)]
pub struct AffiliateDetails {
    /// UPI address.
    pub payout_vpa: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// GSTIN.
    pub gstin: Option<String>,
}

/// The affiliates' repository.
pub struct Affiliates<'a> {
    pub(super) pool: &'a PgPool,
    /// The web app's public address (for links).
    pub(super) public_url: &'a str,
}

const COLUMNS: &str = "a.id, a.code, a.status, a.tier, a.email, a.payout_vpa, a.phone, a.gstin, a.created_at, a.name";

impl Affiliates<'_> {
    async fn view(&self, row: &sqlx::postgres::PgRow, now: DateTime<Utc>) -> Result<AffiliateView, DbError> {
        let id: uuid::Uuid = row.try_get("id")?;
        let code: String = row.try_get("code")?;
        let tier: String = row.try_get("tier")?;
        let earnings = self.earnings(id, now).await?;
        let stats: (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COALESCE(sum(clicks), 0)::bigint FROM referral_clicks WHERE affiliate_id = $1),
                    (SELECT count(*) FROM referrals WHERE affiliate_id = $1 AND status = 'active'),
                    (SELECT count(DISTINCT referred_tenant_id) FROM commissions WHERE affiliate_id = $1 AND kind = 'commission')",
        )
        .bind(id)
        .fetch_one(self.pool)
        .await?;
        Ok(AffiliateView {
            id,
            link: format!("{}/r/{code}", self.public_url),
            code,
            status: row.try_get("status")?,
            rate_bps: affiliate::rate_bps(&tier),
            tier,
            name: row.try_get("name")?,
            email: row.try_get("email")?,
            payout_vpa: row.try_get("payout_vpa")?,
            phone: row.try_get("phone")?,
            gstin: row.try_get("gstin")?,
            created_at: row.try_get("created_at")?,
            stats: AffiliateStats { clicks: stats.0, signups: stats.1, conversions: stats.2 },
            balance_minor: earnings.payable_minor,
            earnings,
            threshold_minor: PAYOUT_THRESHOLD_MINOR,
        })
    }

    /// An affiliate's earnings at `now`.
    pub async fn earnings(&self, affiliate: uuid::Uuid, now: DateTime<Utc>) -> Result<Earnings, DbError> {
        let (held, past, clawed, paid, in_flight): (i64, i64, i64, i64, i64) = sqlx::query_as(
            "SELECT COALESCE(sum(amount_minor) FILTER (WHERE hold_until > $2), 0)::bigint,
                    COALESCE(sum(amount_minor) FILTER (WHERE hold_until <= $2), 0)::bigint,
                    COALESCE(-sum(amount_minor) FILTER (WHERE kind = 'clawback'), 0)::bigint,
                    (SELECT COALESCE(sum(amount_minor), 0)::bigint FROM payouts
                     WHERE payee_kind = 'affiliate' AND payee_id = $1 AND status = 'processed'),
                    (SELECT COALESCE(sum(amount_minor), 0)::bigint FROM payouts
                     WHERE payee_kind = 'affiliate' AND payee_id = $1 AND status IN ('created', 'queued', 'processing'))
             FROM commissions WHERE affiliate_id = $1",
        )
        .bind(affiliate)
        .bind(now)
        .fetch_one(self.pool)
        .await?;
        Ok(Earnings {
            held_minor: held,
            payable_minor: past - paid - in_flight,
            paid_minor: paid,
            in_flight_minor: in_flight,
            clawed_back_minor: clawed,
        })
    }

    /// The affiliate a person is (None: they have not joined).
    pub async fn of_user(&self, user: UserId, now: DateTime<Utc>) -> Result<Option<AffiliateView>, DbError> {
        let row =
            sqlx::query(&format!("SELECT {COLUMNS} FROM affiliates a WHERE a.user_id = $1")).bind(user.0).fetch_optional(self.pool).await?;
        match row {
            Some(r) => Ok(Some(self.view(&r, now).await?)),
            None => Ok(None),
        }
    }

    /// One affiliate.
    pub async fn get(&self, id: uuid::Uuid, now: DateTime<Utc>) -> Result<Option<AffiliateView>, DbError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM affiliates a WHERE a.id = $1")).bind(id).fetch_optional(self.pool).await?;
        match row {
            Some(r) => Ok(Some(self.view(&r, now).await?)),
            None => Ok(None),
        }
    }

    /// Every affiliate, pending first.
    pub async fn list(&self, now: DateTime<Utc>) -> Result<Vec<AffiliateView>, DbError> {
        let rows =
            sqlx::query(&format!("SELECT {COLUMNS} FROM affiliates a ORDER BY a.status = 'pending' DESC, a.created_at DESC LIMIT 1000"))
                .fetch_all(self.pool)
                .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.view(r, now).await?);
        }
        Ok(out)
    }

    /// A person joins the programme (pending an operator's approval).
    #[allow(clippy::too_many_arguments)]
    pub async fn join(
        &self,
        user: UserId,
        name: &str,
        email: &str,
        d: &AffiliateDetails,
        now: DateTime<Utc>,
    ) -> Result<AffiliateView, DbError> {
        let id = uuid::Uuid::now_v7();
        sqlx::query(
            "INSERT INTO affiliates (id, user_id, code, name, email, payout_vpa, phone, gstin) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(user.0)
        .bind(affiliate::new_code())
        .bind(name)
        .bind(email)
        .bind(&d.payout_vpa)
        .bind(&d.phone)
        .bind(&d.gstin)
        .execute(self.pool)
        .await
        .map_err(|e| DbError::on_constraint(e, "affiliates_user_id_key", Conflict::AffiliateExists))?;
        self.get(id, now).await?.ok_or_else(|| DbError::Other(sqlx::Error::RowNotFound))
    }

    /// Changes a person's own details (None: unchanged).
    pub async fn update_details(&self, id: uuid::Uuid, d: &AffiliateDetails) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE affiliates SET payout_vpa = COALESCE($2, payout_vpa), phone = COALESCE($3, phone), gstin = COALESCE($4, gstin), updated_at = now()
             WHERE id = $1",
        )
        .bind(id)
        .bind(&d.payout_vpa)
        .bind(&d.phone)
        .bind(&d.gstin)
        .execute(self.pool)
        .await?;
        Ok(())
    }

    /// An operator approves, suspends or re-tiers an affiliate (false: no such affiliate).
    pub async fn set_standing(&self, id: uuid::Uuid, status: Option<&str>, tier: Option<&str>) -> Result<bool, DbError> {
        let done =
            sqlx::query("UPDATE affiliates SET status = COALESCE($2, status), tier = COALESCE($3, tier), updated_at = now() WHERE id = $1")
                .bind(id)
                .bind(status)
                .bind(tier)
                .execute(self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The approved affiliate with this code.
    pub async fn by_code(&self, code: &str) -> Result<Option<uuid::Uuid>, DbError> {
        Ok(sqlx::query_scalar("SELECT id FROM affiliates WHERE code = $1 AND status = 'approved'")
            .bind(code)
            .fetch_optional(self.pool)
            .await?)
    }

    /// Counts a click on an affiliate's link.
    pub async fn record_click(&self, affiliate: uuid::Uuid, at: DateTime<Utc>) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO referral_clicks (affiliate_id, day, clicks) VALUES ($1, $2::date, 1)
             ON CONFLICT (affiliate_id, day) DO UPDATE SET clicks = referral_clicks.clicks + 1",
        )
        .bind(affiliate)
        .bind(at)
        .execute(self.pool)
        .await?;
        Ok(())
    }

    /// Binds a new account to the affiliate whose link was clicked (its own
    /// sign-ups are kept, refused, with the reason). None: no such approved
    /// affiliate.
    pub async fn bind(
        &self,
        tenant: TenantId,
        affiliate: uuid::Uuid,
        clicked_at: DateTime<Utc>,
        new_email: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, DbError> {
        let email: Option<String> = sqlx::query_scalar("SELECT email FROM affiliates WHERE id = $1 AND status = 'approved'")
            .bind(affiliate)
            .fetch_optional(self.pool)
            .await?;
        let Some(email) = email else { return Ok(None) };
        let refused = affiliate::own_sign_up(&email, new_email);
        sqlx::query(
            "INSERT INTO referrals (referred_tenant_id, affiliate_id, clicked_at, signed_up_at, status, reason) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (referred_tenant_id) DO NOTHING",
        )
        .bind(tenant.0)
        .bind(affiliate)
        .bind(clicked_at)
        .bind(now)
        .bind(if refused.is_some() { "refused_self" } else { "active" })
        .bind(&refused)
        .execute(self.pool)
        .await?;
        Ok(Some(refused.map_or_else(|| "active".to_owned(), |r| format!("refused_self: {r}"))))
    }

    /// An affiliate's referred accounts.
    pub async fn referrals(&self, affiliate: uuid::Uuid) -> Result<Vec<ReferralView>, DbError> {
        let rows: Vec<ReferralRow> = sqlx::query_as(
            "SELECT COALESCE(t.name, ''), r.signed_up_at, r.status, r.reason,
                    (SELECT count(*) FROM commissions c WHERE c.referred_tenant_id = r.referred_tenant_id AND c.affiliate_id = r.affiliate_id AND c.kind = 'commission'),
                    (SELECT COALESCE(sum(c.amount_minor), 0)::bigint FROM commissions c WHERE c.referred_tenant_id = r.referred_tenant_id AND c.affiliate_id = r.affiliate_id)
             FROM referrals r LEFT JOIN referred_tenants($1) t ON t.id = r.referred_tenant_id
             WHERE r.affiliate_id = $1 ORDER BY r.signed_up_at DESC LIMIT 1000",
        )
        .bind(affiliate)
        .fetch_all(self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(tenant_name, signed_up_at, status, reason, paid_cycles, earned_minor)| ReferralView {
                tenant_name,
                signed_up_at,
                status,
                reason,
                paid_cycles,
                earned_minor,
            })
            .collect())
    }

    /// An affiliate's commissions and clawbacks, newest first.
    pub async fn commissions(&self, affiliate: uuid::Uuid, now: DateTime<Utc>) -> Result<Vec<CommissionView>, DbError> {
        let rows = sqlx::query(
            "SELECT c.id, c.kind, COALESCE(t.name, '') AS tenant_name, c.payment_id, c.cycle, c.base_minor, c.rate_bps, c.amount_minor,
                    c.hold_until, c.voided_at, c.created_at
             FROM commissions c LEFT JOIN referred_tenants($1) t ON t.id = c.referred_tenant_id
             WHERE c.affiliate_id = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT 1000",
        )
        .bind(affiliate)
        .fetch_all(self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let hold_until: DateTime<Utc> = r.try_get("hold_until")?;
                let voided: Option<DateTime<Utc>> = r.try_get("voided_at")?;
                let state = if voided.is_some() {
                    "void"
                } else if hold_until > now {
                    "held"
                } else {
                    "payable"
                };
                Ok(CommissionView {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    tenant_name: r.try_get("tenant_name")?,
                    payment_id: r.try_get("payment_id")?,
                    cycle: r.try_get("cycle")?,
                    base_minor: r.try_get("base_minor")?,
                    rate_bps: r.try_get("rate_bps")?,
                    amount_minor: r.try_get("amount_minor")?,
                    state: state.into(),
                    hold_until,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(DbError::from)
    }

    /// A payee's payouts, newest first.
    pub async fn payouts_of(&self, kind: &str, payee: uuid::Uuid) -> Result<Vec<PayoutView>, DbError> {
        self.payouts_where("p.payee_kind = $1 AND p.payee_id = $2", Some((kind, payee))).await
    }

    /// Every payout, newest first (operators).
    pub async fn all_payouts(&self) -> Result<Vec<PayoutView>, DbError> {
        self.payouts_where("true", None).await
    }

    async fn payouts_where(&self, filter: &str, payee: Option<(&str, uuid::Uuid)>) -> Result<Vec<PayoutView>, DbError> {
        let sql = format!(
            "SELECT p.id, p.payee_kind, COALESCE(a.name, pa.name, '') AS payee_name, p.amount_minor, p.status, p.razorpay_id, p.failure_reason,
                    p.created_at, p.updated_at
             FROM payouts p
             LEFT JOIN affiliates a ON p.payee_kind = 'affiliate' AND a.id = p.payee_id
             LEFT JOIN partners pa ON p.payee_kind = 'partner' AND pa.id = p.payee_id
             WHERE {filter} ORDER BY p.created_at DESC LIMIT 500"
        );
        let mut q = sqlx::query(&sql);
        if let Some((kind, id)) = payee {
            q = q.bind(kind).bind(id);
        }
        let rows = q.fetch_all(self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(PayoutView {
                    id: r.try_get("id")?,
                    payee_kind: r.try_get("payee_kind")?,
                    payee_name: r.try_get("payee_name")?,
                    amount_minor: r.try_get("amount_minor")?,
                    status: r.try_get("status")?,
                    razorpay_payout_id: r.try_get("razorpay_id")?,
                    failure_reason: r.try_get("failure_reason")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(DbError::from)
    }

    /// Creates a payout for every approved payee with a UPI address whose
    /// balance reached the threshold and who has none on its way; returns
    /// every payout still to hand to RazorpayX (new ones and any whose
    /// request got no answer before).
    pub async fn due_payouts(&self, now: DateTime<Utc>) -> Result<Vec<PayoutToSend>, DbError> {
        let payees: Vec<(String, uuid::Uuid, String)> = sqlx::query_as(
            "SELECT 'affiliate', id, payout_vpa FROM affiliates WHERE status = 'approved' AND payout_vpa IS NOT NULL
             UNION ALL SELECT 'partner', id, payout_vpa FROM partners WHERE status = 'approved' AND payout_vpa IS NOT NULL",
        )
        .fetch_all(self.pool)
        .await?;
        for (kind, id, vpa) in payees {
            self.open_payout(&kind, id, &vpa, now).await?;
        }
        let rows = sqlx::query(
            "SELECT p.id, p.amount_minor, p.vpa, p.payee_kind, p.payee_id, COALESCE(a.name, pa.name, '') AS name FROM payouts p
             LEFT JOIN affiliates a ON p.payee_kind = 'affiliate' AND a.id = p.payee_id
             LEFT JOIN partners pa ON p.payee_kind = 'partner' AND pa.id = p.payee_id
             WHERE p.status = 'created' ORDER BY p.created_at",
        )
        .fetch_all(self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PayoutToSend {
                    id: r.try_get("id")?,
                    amount_minor: r.try_get("amount_minor")?,
                    vpa: r.try_get("vpa")?,
                    payee_kind: r.try_get("payee_kind")?,
                    payee_id: r.try_get("payee_id")?,
                    name: r.try_get("name")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(DbError::from)
    }

    /// Opens a payout of the payee's whole balance when it reached the
    /// threshold and none is on its way. The balance is read and the payout
    /// written under a lock of the payee, so two runs at once (an operator's
    /// and the monthly one) never both pay the same money.
    async fn open_payout(&self, kind: &str, payee: uuid::Uuid, vpa: &str, now: DateTime<Utc>) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('payout:' || $1 || ':' || $2::text))")
            .bind(kind)
            .bind(payee)
            .execute(&mut *tx)
            .await?;
        let earned: i64 = if kind == "affiliate" {
            sqlx::query_scalar(
                "SELECT COALESCE(sum(amount_minor) FILTER (WHERE hold_until <= $2), 0)::bigint FROM commissions WHERE affiliate_id = $1",
            )
            .bind(payee)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
        } else {
            sqlx::query_scalar("SELECT partner_balance($1)").bind(payee).fetch_one(&mut *tx).await?
        };
        let committed: i64 = sqlx::query_scalar(
            "SELECT COALESCE(sum(amount_minor), 0)::bigint FROM payouts WHERE payee_kind = $1 AND payee_id = $2 AND status NOT IN ('reversed', 'failed')",
        )
        .bind(kind)
        .bind(payee)
        .fetch_one(&mut *tx)
        .await?;
        let balance = earned - committed;
        if balance >= PAYOUT_THRESHOLD_MINOR {
            let id = uuid::Uuid::new_v4();
            sqlx::query(
                "INSERT INTO payouts (id, payee_kind, payee_id, amount_minor, vpa, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (payee_kind, payee_id) WHERE status IN ('created', 'queued', 'processing') DO NOTHING",
            )
            .bind(id)
            .bind(kind)
            .bind(payee)
            .bind(balance)
            .bind(vpa)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records RazorpayX's answer to a payout request.
    pub async fn payout_sent(&self, id: uuid::Uuid, razorpay_id: &str, status: &str) -> Result<(), DbError> {
        apply_payout_status(self.pool, Some(id), razorpay_id, status, None).await
    }

    /// Un-marks a month whose automatic run failed, so the next sweep runs it.
    pub async fn forget_monthly_run(&self, month: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM payout_runs WHERE month = $1").bind(month).execute(self.pool).await?;
        Ok(())
    }

    /// Marks this month's automatic run as started (false: it already ran).
    pub async fn start_monthly_run(&self, month: &str) -> Result<bool, DbError> {
        let done = sqlx::query("INSERT INTO payout_runs (month) VALUES ($1) ON CONFLICT DO NOTHING").bind(month).execute(self.pool).await?;
        Ok(done.rows_affected() > 0)
    }
}

/// The order payout states move in; the last three are final.
fn rank(status: &str) -> Option<i32> {
    match status {
        "created" => Some(0),
        "queued" | "pending" => Some(1),
        "processing" => Some(2),
        "processed" | "reversed" | "failed" => Some(3),
        _ => None,
    }
}

/// Moves a payout to `status` if that is forward of where it is: never
/// back, and never out of a final state (processed, reversed, failed):
/// RazorpayX's events may come late, twice or out of order.
pub(super) async fn apply_payout_status<'e, E: sqlx::PgExecutor<'e>>(
    db: E,
    id: Option<uuid::Uuid>,
    razorpay_id: &str,
    status: &str,
    reason: Option<&str>,
) -> Result<(), DbError> {
    let status = match status {
        "pending" => "queued",
        "cancelled" | "rejected" => "failed",
        s => s,
    };
    let Some(new_rank) = rank(status) else { return Ok(()) };
    sqlx::query(
        "UPDATE payouts SET razorpay_id = COALESCE(razorpay_id, $2),
                status = $3, failure_reason = COALESCE($5, failure_reason), updated_at = now()
         WHERE (id = $1 OR razorpay_id = $2) AND status NOT IN ('processed', 'reversed', 'failed')
           AND $4 > CASE status WHEN 'created' THEN 0 WHEN 'queued' THEN 1 WHEN 'processing' THEN 2 ELSE 3 END",
    )
    .bind(id)
    .bind(razorpay_id)
    .bind(status)
    .bind(new_rank)
    .bind(reason)
    .execute(db)
    .await?;
    Ok(())
}

/// Refuses a referral found to be the affiliate's own after it earned: its
/// commissions are voided and each is netted by a clawback (during its hold
/// before it was ever payable; after it, off the balance at once).
async fn refuse_referral(tx: &mut Transaction<'static, Postgres>, tenant: TenantId, reason: &str) -> Result<(), DbError> {
    sqlx::query("UPDATE referrals SET status = 'refused_self', reason = $2 WHERE referred_tenant_id = $1")
        .bind(tenant.0)
        .bind(reason)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO commissions (affiliate_id, referred_tenant_id, kind, payment_id, refund_id, base_minor, rate_bps, amount_minor, hold_until)
         SELECT c.affiliate_id, c.referred_tenant_id, 'clawback', c.payment_id, 'self-referral', 0, c.rate_bps,
                -(SELECT sum(x.amount_minor) FROM commissions x WHERE x.payment_id = c.payment_id), GREATEST(c.hold_until, now())
         FROM commissions c WHERE c.referred_tenant_id = $1 AND c.kind = 'commission'
         ON CONFLICT DO NOTHING",
    )
    .bind(tenant.0)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE commissions SET voided_at = COALESCE(voided_at, now()) WHERE referred_tenant_id = $1 AND kind = 'commission'")
        .bind(tenant.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Records, in a referred account's billing transaction, the commission of
/// each captured subscription payment (its first 12 paid cycles, on what
/// was collected before GST, held 30 days) and a clawback for each refund of
/// one, in proportion; once each whatever the order of Razorpay's webhooks.
/// A payee's own GSTIN on the account's billing details refuses the referral.
pub(super) async fn record_commissions(tx: &mut Transaction<'static, Postgres>, tenant: TenantId) -> Result<(), DbError> {
    let referral: Option<ReferralTerms> = sqlx::query_as(
        "SELECT r.affiliate_id, r.status, a.tier, a.gstin, a.phone, a.payout_vpa
         FROM referrals r JOIN affiliates a ON a.id = r.affiliate_id JOIN tenants t ON t.id = r.referred_tenant_id
         WHERE r.referred_tenant_id = $1 AND t.partner_id IS NULL",
    )
    .bind(tenant.0)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((affiliate, status, tier, gstin, phone, vpa)) = referral else { return Ok(()) };
    if status != "active" {
        return Ok(());
    }
    // Paid for with the affiliate's own phone or payment method (one their
    // own account paid with, or the UPI address they are paid at): their own.
    let own: Option<String> = sqlx::query_scalar(
        "SELECT reason FROM (
            SELECT 1 AS k, 'paid from the affiliate''s own phone' AS reason WHERE $2::text IS NOT NULL AND EXISTS (
                SELECT 1 FROM payments p WHERE p.tenant_id = $1 AND p.captured AND p.payer_contact IS NOT NULL
                  AND right(regexp_replace(p.payer_contact, '[^0-9]', '', 'g'), 10) = right(regexp_replace($2, '[^0-9]', '', 'g'), 10))
            UNION ALL
            SELECT 2, 'paid with the affiliate''s own payment method' WHERE EXISTS (
                SELECT 1 FROM payments p WHERE p.tenant_id = $1 AND p.captured AND p.payer_method IS NOT NULL
                  AND (p.payer_method IN (SELECT m.payer_method FROM affiliate_own_methods($3) m) OR p.payer_method = 'vpa:' || $4))
         ) found ORDER BY k LIMIT 1",
    )
    .bind(tenant.0)
    .bind(&phone)
    .bind(affiliate)
    .bind(&vpa)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(reason) = own {
        refuse_referral(tx, tenant, &reason).await?;
        return Ok(());
    }
    // One settlement of this account's commissions at a time: concurrent
    // webhooks count its paid cycles and refunds with each other's rows.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('commissions:' || $1::text))").bind(tenant.0).execute(&mut **tx).await?;
    if let Some(gstin) = gstin {
        let same: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM billing_details WHERE tenant_id = $1 AND upper(gstin) = upper($2))")
                .bind(tenant.0)
                .bind(&gstin)
                .fetch_one(&mut **tx)
                .await?;
        if same {
            refuse_referral(tx, tenant, "the affiliate's own GSTIN").await?;
            return Ok(());
        }
    }
    let rate = affiliate::rate_bps(&tier);
    // Captured subscription payments without a commission, oldest first, with
    // what their invoice says was collected before GST.
    let unpaid: Vec<(String, DateTime<Utc>, Option<i64>, i64)> = sqlx::query_as(
        "SELECT p.id, p.paid_at, (SELECT i.taxable_minor FROM invoices i WHERE i.payment_id = p.id AND i.kind = 'invoice' LIMIT 1), p.amount_minor
         FROM payments p WHERE p.tenant_id = $1 AND p.captured AND p.purpose IS NULL
           AND NOT EXISTS (SELECT 1 FROM commissions c WHERE c.payment_id = p.id AND c.refund_id IS NULL)
         ORDER BY p.paid_at, p.id",
    )
    .bind(tenant.0)
    .fetch_all(&mut **tx)
    .await?;
    for (payment, paid_at, taxable, amount) in unpaid {
        let cycles: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM commissions WHERE referred_tenant_id = $1 AND affiliate_id = $2 AND kind = 'commission'",
        )
        .bind(tenant.0)
        .bind(affiliate)
        .fetch_one(&mut **tx)
        .await?;
        if cycles >= i64::from(PAID_CYCLES) {
            // The 13th paid cycle and later earn nothing.
            break;
        }
        let base = taxable.unwrap_or_else(|| crate::billing::gst::TaxSplit::inclusive(amount, true).taxable);
        sqlx::query(
            "INSERT INTO commissions (affiliate_id, referred_tenant_id, kind, payment_id, cycle, base_minor, rate_bps, amount_minor, hold_until)
             VALUES ($1, $2, 'commission', $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(affiliate)
        .bind(tenant.0)
        .bind(&payment)
        .bind(i32::try_from(cycles + 1).unwrap_or(PAID_CYCLES))
        .bind(base)
        .bind(rate)
        .bind(affiliate::commission(base, rate))
        .bind(paid_at + Duration::days(affiliate::HOLD_DAYS))
        .execute(&mut **tx)
        .await?;
    }
    // Refunds of commissioned payments not clawed back yet.
    let refunds: Vec<RefundToClaw> = sqlx::query_as(
        "SELECT r.id, r.payment_id, r.amount_minor, r.refunded_at, c.amount_minor, p.amount_minor, c.hold_until
         FROM refunds r JOIN payments p ON p.id = r.payment_id
         JOIN commissions c ON c.payment_id = r.payment_id AND c.refund_id IS NULL AND c.affiliate_id = $2
         WHERE p.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM commissions x WHERE x.payment_id = r.payment_id AND x.refund_id = r.id)
         ORDER BY r.refunded_at, r.id",
    )
    .bind(tenant.0)
    .bind(affiliate)
    .fetch_all(&mut **tx)
    .await?;
    for (refund, payment, refunded, at, earned, gross, hold_until) in refunds {
        // Read per refund: an earlier one in this same pass counts.
        let refunded_before: i64 = sqlx::query_scalar(
            "SELECT COALESCE(sum(base_minor), 0)::bigint FROM commissions WHERE payment_id = $1 AND refund_id IS NOT NULL",
        )
        .bind(&payment)
        .fetch_one(&mut **tx)
        .await?;
        // In proportion of the payment refunded, cumulatively (parts add up to the whole).
        let back = crate::partners::money::reversal(
            crate::partners::money::Split { partner: earned, platform: gross - earned },
            gross,
            refunded_before,
            refunded,
        );
        let during_hold = at < hold_until;
        sqlx::query(
            "INSERT INTO commissions (affiliate_id, referred_tenant_id, kind, payment_id, refund_id, base_minor, rate_bps, amount_minor, hold_until)
             VALUES ($1, $2, 'clawback', $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(affiliate)
        .bind(tenant.0)
        .bind(&payment)
        .bind(&refund)
        .bind(refunded)
        .bind(rate)
        .bind(back.partner)
        // During the hold it nets the commission before either is payable;
        // after it, it comes off the balance at once (below zero if paid).
        .bind(if during_hold { hold_until } else { at })
        .execute(&mut **tx)
        .await?;
        if during_hold && refunded_before + refunded >= gross {
            sqlx::query("UPDATE commissions SET voided_at = $2 WHERE payment_id = $1 AND refund_id IS NULL")
                .bind(&payment)
                .bind(at)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}
