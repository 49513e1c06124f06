//! Billing's rows: a tenant's subscriptions, billing details and invoices
//! (row-level security), and the platform side a Razorpay webhook drives —
//! applied in one transaction with its event id, so a repeat changes
//! nothing and a crash applies it again whole.

use super::{DbError, TenantDb};
use crate::billing::events::{account_state, RazorpayEvent};
use crate::billing::gst::{self, TaxSplit};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::{PgPool, Postgres, Row, Transaction};
use whatsflow_actors::ids::TenantId;

/// The platform as the seller on its invoices.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Seller {
    /// Legal name.
    pub legal_name: String,
    /// Its GSTIN.
    pub gstin: String,
    /// GST state code of its registration (e.g. `29`, Karnataka).
    pub state_code: String,
    /// Postal address.
    pub address: String,
}

/// The tenant as the buyer on its invoices.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, sqlx::FromRow, ts_rs::TS)]
pub struct BillingDetails {
    /// Legal name.
    pub legal_name: String,
    /// GSTIN, for a registered business (input tax credit).
    #[serde(default)]
    pub gstin: Option<String>,
    /// GST state code (place of supply).
    pub state_code: String,
    /// Postal address.
    #[serde(default)]
    pub address: String,
    /// Where invoices go.
    #[serde(default)]
    pub email: Option<String>,
}

/// A subscription as the account sees it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct SubscriptionView {
    /// Razorpay's id.
    #[serde(rename = "razorpay_subscription_id")]
    pub id: String,
    /// The plan subscribed to.
    pub plan_code: String,
    /// monthly or annual.
    pub cycle: String,
    /// What each cycle charges (GST included), paise.
    pub amount_minor: i64,
    /// Razorpay's state: created, authenticated, active, pending, halted, cancelled, completed.
    pub status: String,
    /// Cycles paid.
    pub paid_count: i32,
    /// The paid cycle.
    pub current_start: Option<DateTime<Utc>>,
    /// Its end.
    pub current_end: Option<DateTime<Utc>>,
    /// The next charge.
    pub charge_at: Option<DateTime<Utc>>,
    /// Where the customer authorises the mandate.
    pub short_url: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

const SUBSCRIPTION_COLUMNS: &str =
    "id, plan_code, cycle, amount_minor, status, paid_count, current_start, current_end, charge_at, short_url, created_at";

/// An invoice or credit note.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct InvoiceView {
    /// Ours.
    pub id: uuid::Uuid,
    /// invoice or credit_note.
    pub kind: String,
    /// `WF2627-000001` / `CN2627-000001`.
    pub number: String,
    /// `2026-27`.
    pub financial_year: String,
    /// Razorpay's payment.
    pub payment_id: String,
    /// Razorpay's refund (credit notes).
    pub refund_id: Option<String>,
    /// The invoice a credit note corrects.
    pub original_id: Option<uuid::Uuid>,
    /// When.
    pub issued_at: DateTime<Utc>,
    /// The platform.
    #[ts(type = "Record<string, string>")]
    pub seller: Value,
    /// The customer.
    #[ts(type = "Record<string, string | null>")]
    pub buyer: Value,
    /// `29-Karnataka`.
    pub place_of_supply: String,
    /// 997331.
    pub sac: String,
    /// The service.
    pub description: String,
    /// ISO 4217.
    pub currency: String,
    /// Taxable value, paise.
    pub taxable_minor: i64,
    /// CGST 9%.
    pub cgst_minor: i64,
    /// SGST 9%.
    pub sgst_minor: i64,
    /// IGST 18%.
    pub igst_minor: i64,
    /// Total.
    pub total_minor: i64,
}

const INVOICE_COLUMNS: &str = "id, kind, number, financial_year, payment_id, refund_id, original_id, issued_at, seller, buyer,
    place_of_supply, sac, description, currency, taxable_minor, cgst_minor, sgst_minor, igst_minor, total_minor";

/// A subscription just made at Razorpay, to record.
pub struct NewSubscription<'a> {
    /// Razorpay's id.
    pub id: &'a str,
    /// Our plan.
    pub plan_code: &'a str,
    /// monthly or annual.
    pub cycle: &'a str,
    /// Per cycle, GST included.
    pub amount_minor: i64,
    /// Razorpay's status.
    pub status: &'a str,
    /// The mandate page.
    pub short_url: Option<&'a str>,
}

impl TenantDb<'_> {
    /// The account's newest subscription.
    pub async fn current_subscription(&self) -> Result<Option<SubscriptionView>, DbError> {
        let mut tx = self.tx().await?;
        let s = sqlx::query_as(&format!("SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions ORDER BY created_at DESC LIMIT 1"))
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Where to pay when billing suspended the account (its overdue
    /// subscription's page); None when billing did not suspend it.
    pub async fn overdue_payment_url(&self) -> Result<Option<String>, DbError> {
        let mut tx = self.tx().await?;
        let url: Option<Option<String>> = sqlx::query_scalar(
            "SELECT s.short_url FROM tenants t JOIN subscriptions s ON s.tenant_id = t.id
             WHERE t.id = $1 AND t.status = 'suspended' AND t.status_reason = 'billing' AND s.status IN ('pending', 'halted')
             ORDER BY s.created_at DESC LIMIT 1",
        )
        .bind(self.tenant.0)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(url.flatten())
    }

    /// Records a subscription made at Razorpay.
    pub async fn record_subscription(&self, s: &NewSubscription<'_>) -> Result<SubscriptionView, DbError> {
        let mut tx = self.tx().await?;
        let v = sqlx::query_as(&format!(
            "INSERT INTO subscriptions (id, tenant_id, plan_code, cycle, amount_minor, status, status_at, short_url)
             VALUES ($1, $2, $3, $4, $5, $6, 'epoch', $7) RETURNING {SUBSCRIPTION_COLUMNS}"
        ))
        .bind(s.id)
        .bind(self.tenant.0)
        .bind(s.plan_code)
        .bind(s.cycle)
        .bind(s.amount_minor)
        .bind(s.status)
        .bind(s.short_url)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Marks a subscription cancelled (Razorpay's webhook confirms it later).
    pub async fn subscription_cancelled(&self, id: &str) -> Result<(), DbError> {
        let mut tx = self.tx().await?;
        sqlx::query("UPDATE subscriptions SET status = 'cancelled', status_at = now(), updated_at = now() WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The Razorpay plan made for this plan, cycle and amount, if any.
    pub async fn razorpay_plan(&self, plan: &str, cycle: &str, amount: i64) -> Result<Option<String>, DbError> {
        let mut tx = self.tx().await?;
        let id =
            sqlx::query_scalar("SELECT razorpay_plan_id FROM razorpay_plans WHERE plan_code = $1 AND cycle = $2 AND amount_minor = $3")
                .bind(plan)
                .bind(cycle)
                .bind(amount)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Remembers the Razorpay plan made (the first one made wins a race).
    pub async fn remember_razorpay_plan(&self, plan: &str, cycle: &str, amount: i64, id: &str) -> Result<String, DbError> {
        let mut tx = self.tx().await?;
        sqlx::query(
            "INSERT INTO razorpay_plans (plan_code, cycle, amount_minor, razorpay_plan_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(plan)
        .bind(cycle)
        .bind(amount)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let kept =
            sqlx::query_scalar("SELECT razorpay_plan_id FROM razorpay_plans WHERE plan_code = $1 AND cycle = $2 AND amount_minor = $3")
                .bind(plan)
                .bind(cycle)
                .bind(amount)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(kept)
    }

    /// The account's billing details.
    pub async fn billing_details(&self) -> Result<Option<BillingDetails>, DbError> {
        let mut tx = self.tx().await?;
        let row =
            sqlx::query_as("SELECT legal_name, gstin, state_code, address, email FROM billing_details").fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Sets them (later invoices use them; issued ones never change).
    pub async fn set_billing_details(&self, d: &BillingDetails) -> Result<(), DbError> {
        let mut tx = self.tx().await?;
        sqlx::query(
            "INSERT INTO billing_details (tenant_id, legal_name, gstin, state_code, address, email) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (tenant_id) DO UPDATE SET legal_name = $2, gstin = $3, state_code = $4, address = $5, email = $6, updated_at = now()",
        )
        .bind(self.tenant.0)
        .bind(&d.legal_name)
        .bind(&d.gstin)
        .bind(&d.state_code)
        .bind(&d.address)
        .bind(&d.email)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account's invoices and credit notes, newest first.
    pub async fn invoices(&self) -> Result<Vec<InvoiceView>, DbError> {
        let mut tx = self.tx().await?;
        let rows = sqlx::query_as(&format!("SELECT {INVOICE_COLUMNS} FROM invoices ORDER BY issued_at DESC, number DESC LIMIT 500"))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// One of them.
    pub async fn invoice(&self, id: uuid::Uuid) -> Result<Option<InvoiceView>, DbError> {
        let mut tx = self.tx().await?;
        let row =
            sqlx::query_as(&format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE id = $1")).bind(id).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    }
}

/// What applying a webhook did.
#[derive(Debug, Default)]
pub struct Applied {
    /// The event id was seen before: nothing changed.
    pub duplicate: bool,
    /// The account it concerned, when known.
    pub tenant: Option<TenantId>,
    /// The account's state before and after, when it moved.
    pub moved: Option<(String, String)>,
    /// Numbers of invoices and credit notes issued.
    pub issued: Vec<String>,
    /// A wallet was topped up.
    pub topped_up: bool,
}

/// A captured payment, as an operator refunds it.
#[derive(Debug, Clone)]
pub struct PaymentRow {
    /// Its account.
    pub tenant: Option<TenantId>,
    /// Paise.
    pub amount: i64,
    /// Whether it was captured.
    pub captured: bool,
}

/// The platform's side of billing.
pub struct Billing<'a> {
    pub(super) pool: &'a PgPool,
}

/// Payment states in the order they can only move forward.
const PAYMENT_RANK: &str =
    "CASE $1 WHEN 'created' THEN 0 WHEN 'failed' THEN 1 WHEN 'authorized' THEN 2 WHEN 'captured' THEN 3 WHEN 'refunded' THEN 4 ELSE 0 END";

fn rank(status: &str) -> String {
    PAYMENT_RANK.replace("$1", status)
}

impl Billing<'_> {
    /// A payment (for a refund).
    pub async fn payment(&self, id: &str) -> Result<Option<PaymentRow>, DbError> {
        let mut tx = self.pool.begin().await?;
        let tenant: Option<uuid::Uuid> = sqlx::query_scalar("SELECT razorpay_payment_tenant($1)").bind(id).fetch_one(&mut *tx).await?;
        if let Some(t) = tenant {
            crate::db::set_tenant(&mut tx, TenantId(t)).await?;
        }
        let row: Option<(i64, bool)> =
            sqlx::query_as("SELECT amount_minor, captured FROM payments WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row.map(|(amount, captured)| PaymentRow { tenant: tenant.map(TenantId), amount, captured }))
    }

    /// Suspends the accounts billing kept restricted longer than `after`;
    /// their people (whose sessions end).
    pub async fn suspend_overdue(&self, after: std::time::Duration) -> Result<Vec<(TenantId, whatsflow_actors::ids::UserId)>, DbError> {
        let rows: Vec<(uuid::Uuid, uuid::Uuid)> =
            sqlx::query_as("SELECT tenant_id, user_id FROM billing_suspend_overdue(make_interval(secs => $1))")
                .bind(after.as_secs_f64())
                .fetch_all(self.pool)
                .await?;
        Ok(rows.into_iter().map(|(t, u)| (TenantId(t), whatsflow_actors::ids::UserId(u))).collect())
    }

    /// Moves the tenants whose subscription ended and whose paid time is
    /// over to `plan`; those moved.
    pub async fn lapse_plans(&self, plan: &str) -> Result<Vec<TenantId>, DbError> {
        let ids: Vec<uuid::Uuid> = sqlx::query_scalar("SELECT billing_lapse_plans($1)").bind(plan).fetch_all(self.pool).await?;
        Ok(ids.into_iter().map(TenantId).collect())
    }

    /// Applies one Razorpay webhook (see the module doc).
    pub async fn apply(&self, event_id: &str, e: &RazorpayEvent, seller: &Seller) -> Result<Applied, DbError> {
        let mut tx = self.pool.begin().await?;
        let fresh: Option<String> =
            sqlx::query_scalar("INSERT INTO razorpay_events (id, event) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id")
                .bind(event_id)
                .bind(&e.event)
                .fetch_optional(&mut *tx)
                .await?;
        if fresh.is_none() {
            return Ok(Applied { duplicate: true, ..Applied::default() });
        }
        let mut out = Applied::default();
        let subscription_id =
            e.subscription.as_ref().map(|s| s.id.clone()).or_else(|| e.invoice.as_ref().and_then(|i| i.subscription_id.clone()));
        // Whose it is: the subscription's notes or row, the payment's notes
        // or the row an earlier event left.
        let mut tenant = e.subscription.as_ref().and_then(|s| s.tenant).or_else(|| e.payment.as_ref().and_then(|p| p.tenant));
        if tenant.is_none() {
            if let Some(id) = &subscription_id {
                tenant = sqlx::query_scalar("SELECT razorpay_subscription_tenant($1)").bind(id).fetch_one(&mut *tx).await?;
            }
        }
        let payment_id = e.payment.as_ref().map(|p| p.id.clone()).or_else(|| e.refund.as_ref().map(|r| r.payment_id.clone()));
        if tenant.is_none() {
            if let Some(id) = &payment_id {
                tenant = sqlx::query_scalar("SELECT razorpay_payment_tenant($1)").bind(id).fetch_one(&mut *tx).await?;
            }
        }
        if let Some(t) = tenant {
            crate::db::set_tenant(&mut tx, TenantId(t)).await?;
            out.tenant = Some(TenantId(t));
        }

        if let (Some(s), Some(t)) = (&e.subscription, tenant) {
            let row = sqlx::query(
                "UPDATE subscriptions SET
                    paid_count = GREATEST(paid_count, $2),
                    current_start = CASE WHEN $4::timestamptz IS NOT NULL AND ($4 >= current_end OR current_end IS NULL) THEN $3 ELSE current_start END,
                    current_end = GREATEST(current_end, $4),
                    charge_at = CASE WHEN $6 >= status_at THEN COALESCE($5, charge_at) ELSE charge_at END,
                    status = CASE WHEN $6 >= status_at THEN $7 ELSE status END,
                    status_at = GREATEST(status_at, $6),
                    updated_at = now()
                 WHERE id = $1 AND tenant_id = $8
                 RETURNING plan_code, status = $7 AND status_at = $6 AS applied",
            )
            .bind(&s.id)
            .bind(s.paid_count)
            .bind(s.current_start)
            .bind(s.current_end)
            .bind(s.charge_at)
            .bind(e.created_at)
            .bind(&s.status)
            .bind(t)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = row {
                let applied: bool = row.try_get("applied")?;
                let plan: String = row.try_get("plan_code")?;
                if let Some(state) = account_state(&s.status).filter(|_| applied) {
                    let moved: Option<(String, String)> =
                        sqlx::query_as("SELECT old_status, new_status FROM billing_update_tenant($1, $2, $3)")
                            .bind(t)
                            .bind(state)
                            // The plan comes with a charge (active), not a mere
                            // authorisation of the mandate.
                            .bind((s.status == "active").then_some(plan))
                            .fetch_optional(&mut *tx)
                            .await?;
                    out.moved = moved.filter(|(b, a)| b != a);
                }
            }
        }

        if let Some(p) = &e.payment {
            let invoice_id = p.invoice_id.clone().or_else(|| e.invoice.as_ref().map(|i| i.id.clone()));
            sqlx::query(&format!(
                "INSERT INTO payments AS p (id, tenant_id, subscription_id, invoice_id, amount_minor, currency, status, captured, paid_at, purpose,
                                            payer_contact, payer_method)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                 ON CONFLICT (id) DO UPDATE SET
                    purpose = COALESCE(p.purpose, EXCLUDED.purpose),
                    payer_contact = COALESCE(p.payer_contact, EXCLUDED.payer_contact),
                    payer_method = COALESCE(p.payer_method, EXCLUDED.payer_method),
                    tenant_id = COALESCE(p.tenant_id, EXCLUDED.tenant_id),
                    subscription_id = COALESCE(p.subscription_id, EXCLUDED.subscription_id),
                    invoice_id = COALESCE(p.invoice_id, EXCLUDED.invoice_id),
                    captured = p.captured OR EXCLUDED.captured,
                    status = CASE WHEN {} > {} THEN EXCLUDED.status ELSE p.status END,
                    updated_at = now()",
                rank("EXCLUDED.status"),
                rank("p.status")
            ))
            .bind(&p.id)
            .bind(tenant)
            .bind(&subscription_id)
            .bind(invoice_id)
            .bind(p.amount)
            .bind(&p.currency)
            .bind(&p.status)
            .bind(p.captured)
            .bind(p.created_at)
            .bind(&p.purpose)
            .bind(&p.contact)
            .bind(&p.payer_method)
            .execute(&mut *tx)
            .await?;
            // A captured top-up credits the wallet, once per payment.
            if let (true, Some("wallet_topup"), Some(t)) = (p.captured, p.purpose.as_deref(), tenant) {
                let credited: Option<i64> = sqlx::query_scalar("SELECT wallet_credit($1, $2, 'topup', $3, NULL)")
                    .bind(t)
                    // What the top-up buys (its GST is the invoice's), in
                    // ten-thousandths.
                    .bind(p.credit_minor.unwrap_or_else(|| TaxSplit::inclusive(p.amount, true).taxable) * 100)
                    .bind(&p.id)
                    .fetch_one(&mut *tx)
                    .await?;
                out.topped_up = credited.is_some();
            }
        }
        // An invoice entity links its payment to the subscription (and so
        // the tenant) even when the payment's own event came first.
        if let (Some(i), Some(t)) = (&e.invoice, tenant) {
            sqlx::query(
                "UPDATE payments SET tenant_id = COALESCE(tenant_id, $3), subscription_id = COALESCE(subscription_id, $4)
                 WHERE id = $1 OR invoice_id = $2",
            )
            .bind(i.payment_id.as_deref().unwrap_or(""))
            .bind(&i.id)
            .bind(t)
            .bind(&i.subscription_id)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(r) = e.refund.as_ref().filter(|r| r.status == "processed") {
            sqlx::query("INSERT INTO refunds (id, payment_id, amount_minor, currency, refunded_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
                .bind(&r.id)
                .bind(&r.payment_id)
                .bind(r.amount)
                .bind(&r.currency)
                .bind(r.created_at)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(t) = tenant {
            out.issued = settle(&mut tx, TenantId(t), seller).await?;
        }
        // A payout's progress (RazorpayX): forward only, never out of a final state.
        if let Some(p) = &e.payout {
            super::affiliates::apply_payout_status(&mut *tx, p.reference, &p.id, &p.status, p.reason.as_deref()).await?;
        }
        tx.commit().await?;
        Ok(out)
    }
}

/// Issues what the tenant is owed: an invoice for each captured payment
/// without one and a credit note for each processed refund of an invoiced
/// payment without one. Each payment's row is held while its document is
/// made, so concurrent webhooks about it make one.
async fn settle(tx: &mut Transaction<'static, Postgres>, tenant: TenantId, seller: &Seller) -> Result<Vec<String>, DbError> {
    let mut issued = Vec::new();
    let owed: Vec<OwedPayment> = sqlx::query_as(
        "SELECT p.id, p.amount_minor, p.currency, p.paid_at, p.subscription_id, p.purpose FROM payments p
         WHERE p.tenant_id = $1 AND p.captured
           AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.payment_id = p.id AND i.kind = 'invoice')
         ORDER BY p.paid_at FOR UPDATE OF p",
    )
    .bind(tenant.0)
    .fetch_all(&mut **tx)
    .await?;
    let buyer: Option<BillingDetails> =
        sqlx::query_as("SELECT legal_name, gstin, state_code, address, email FROM billing_details WHERE tenant_id = $1")
            .bind(tenant.0)
            .fetch_optional(&mut **tx)
            .await?;
    let tenant_name: String = sqlx::query_scalar("SELECT name FROM tenants WHERE id = $1").bind(tenant.0).fetch_one(&mut **tx).await?;
    let (buyer_json, buyer_state) = match buyer {
        Some(b) => (
            json!({"legal_name": b.legal_name, "gstin": b.gstin, "state_code": b.state_code, "address": b.address, "email": b.email}),
            b.state_code,
        ),
        // An unregistered customer with no address given: supplied where
        // the platform is.
        None => (
            json!({"legal_name": tenant_name, "gstin": null, "state_code": null, "address": null, "email": null}),
            seller.state_code.clone(),
        ),
    };
    let place = format!("{buyer_state}-{}", gst::state_name(&buyer_state).unwrap_or("India"));
    let within = buyer_state == seller.state_code;
    for OwedPayment { id: payment, amount_minor: amount, currency, paid_at, subscription_id: subscription, purpose } in owed {
        // Double-checked under the row lock another webhook may have held.
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM invoices WHERE payment_id = $1 AND kind = 'invoice')")
            .bind(&payment)
            .fetch_one(&mut **tx)
            .await?;
        if exists {
            continue;
        }
        let description: String = match &subscription {
            _ if purpose.as_deref() == Some("wallet_topup") => "whatsflow wallet top-up (WhatsApp messaging charges)".into(),
            Some(id) => sqlx::query_scalar(
                "SELECT 'whatsflow ' || p.name || ' plan, ' || s.cycle || ' subscription' FROM subscriptions s JOIN plans p ON p.code = s.plan_code WHERE s.id = $1",
            )
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .unwrap_or_else(|| "whatsflow subscription".into()),
            None => "whatsflow subscription".into(),
        };
        let split = TaxSplit::inclusive(amount, within);
        let number = issue(
            tx,
            tenant,
            Document { credit_note: false, payment: &payment, refund: None, original: None, at: paid_at, currency: &currency },
            &description,
            &split,
            (seller, &buyer_json, &place),
        )
        .await?;
        issued.push(number);
    }
    let refunds: Vec<OwedRefund> = sqlx::query_as(
        "SELECT r.id, r.payment_id, r.amount_minor, r.currency, r.refunded_at, i.id AS original, i.igst_minor AS original_igst,
                i.total_minor AS original_total
         FROM refunds r JOIN invoices i ON i.payment_id = r.payment_id AND i.kind = 'invoice' AND i.tenant_id = $1
         WHERE NOT EXISTS (SELECT 1 FROM invoices c WHERE c.refund_id = r.id)
         ORDER BY r.refunded_at",
    )
    .bind(tenant.0)
    .fetch_all(&mut **tx)
    .await?;
    for OwedRefund {
        id: refund,
        payment_id: payment,
        amount_minor: amount,
        currency,
        refunded_at: at,
        original,
        original_igst,
        original_total,
    } in refunds
    {
        // A credit note reverses the invoice's own tax, never more than it.
        let amount = amount.min(original_total);
        let split = TaxSplit::inclusive(amount, original_igst == 0);
        let (seller_json, buyer_json, place, description): (Value, Value, String, String) =
            sqlx::query_as("SELECT seller, buyer, place_of_supply, description FROM invoices WHERE id = $1")
                .bind(original)
                .fetch_one(&mut **tx)
                .await?;
        let number = issue_with(
            tx,
            tenant,
            Document { credit_note: true, payment: &payment, refund: Some(&refund), original: Some(original), at, currency: &currency },
            &format!("Refund: {description}"),
            &split,
            (&seller_json, &buyer_json, &place),
        )
        .await?;
        issued.push(number);
    }
    // A partner's client: what the payments earned the partner, what the
    // refunds took back.
    super::partners::record_shares(tx, tenant).await?;
    // A referred account: its affiliate's commissions and clawbacks.
    super::affiliates::record_commissions(tx, tenant).await?;
    Ok(issued)
}

/// A captured payment not invoiced yet.
#[derive(sqlx::FromRow)]
struct OwedPayment {
    id: String,
    amount_minor: i64,
    currency: String,
    paid_at: DateTime<Utc>,
    subscription_id: Option<String>,
    purpose: Option<String>,
}

/// A processed refund of an invoiced payment with no credit note yet.
#[derive(sqlx::FromRow)]
struct OwedRefund {
    id: String,
    payment_id: String,
    amount_minor: i64,
    currency: String,
    refunded_at: DateTime<Utc>,
    original: uuid::Uuid,
    original_igst: i64,
    original_total: i64,
}

/// What a document is of.
struct Document<'a> {
    credit_note: bool,
    payment: &'a str,
    refund: Option<&'a str>,
    original: Option<uuid::Uuid>,
    at: DateTime<Utc>,
    currency: &'a str,
}

async fn issue(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    d: Document<'_>,
    description: &str,
    split: &TaxSplit,
    (seller, buyer, place): (&Seller, &Value, &str),
) -> Result<String, DbError> {
    let seller = serde_json::to_value(seller).unwrap_or(Value::Null);
    issue_with(tx, tenant, d, description, split, (&seller, buyer, place)).await
}

/// Numbers and writes one document; its number is taken in this
/// transaction, so numbers have no gaps.
async fn issue_with(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    d: Document<'_>,
    description: &str,
    split: &TaxSplit,
    (seller, buyer, place): (&Value, &Value, &str),
) -> Result<String, DbError> {
    let kind = if d.credit_note { "credit_note" } else { "invoice" };
    let fy = gst::financial_year(d.at);
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO invoice_sequences (kind, financial_year, last) VALUES ($1, $2, 1)
         ON CONFLICT (kind, financial_year) DO UPDATE SET last = invoice_sequences.last + 1 RETURNING last",
    )
    .bind(kind)
    .bind(&fy)
    .fetch_one(&mut **tx)
    .await?;
    let number = gst::number(d.credit_note, &fy, seq);
    sqlx::query(
        "INSERT INTO invoices (tenant_id, kind, number, financial_year, payment_id, refund_id, original_id, issued_at, seller, buyer,
             place_of_supply, sac, description, currency, taxable_minor, cgst_minor, sgst_minor, igst_minor, total_minor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
    )
    .bind(tenant.0)
    .bind(kind)
    .bind(&number)
    .bind(&fy)
    .bind(d.payment)
    .bind(d.refund)
    .bind(d.original)
    .bind(d.at)
    .bind(seller)
    .bind(buyer)
    .bind(place)
    .bind(gst::SAC)
    .bind(description)
    .bind(d.currency)
    .bind(split.taxable)
    .bind(split.cgst)
    .bind(split.sgst)
    .bind(split.igst)
    .bind(split.total)
    .execute(&mut **tx)
    .await?;
    Ok(number)
}
