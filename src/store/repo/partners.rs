//! White-label partners: the partner rows, their brand and images, the
//! client tenants they own, their custom domains and retail prices, and the
//! ledger of what their clients' payments earned them. Partners, domains and
//! prices are platform configuration (every query names the partner the
//! route resolved from its caller); the ledger is row-level secured and
//! read in the partner's own tenant.

use super::users::{insert_user, NewUser, UserView};
use super::{Conflict, DbError};
use crate::partners::brand::{BrandImage, BrandSettings};
use crate::partners::money::{self, Split, Terms};
use crate::partners::{PartnerStatus, RevenueModel};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgPool, Postgres, Row, Transaction};
use whatsflow_actors::ids::TenantId;

/// A domain row: name, token, verified, added.
type DomainRow = (String, String, Option<DateTime<Utc>>, DateTime<Utc>);
/// A plan with its platform and partner prices.
type PriceRow = (String, String, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
/// A captured payment not shared yet: id, amount, when, its cycle, its
/// plan's prices and its invoice's value before GST.
type UnsharedPayment = (String, i64, DateTime<Utc>, Option<String>, Option<i64>, Option<i64>, Option<i64>);

/// Most custom domains per partner.
pub const MAX_DOMAINS: i64 = 5;

/// A partner as its admins and the operators see it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct PartnerView {
    /// Id.
    pub id: uuid::Uuid,
    /// Its business name.
    pub name: String,
    /// Its address under the platform's base domain.
    pub slug: String,
    /// Pending, approved or suspended.
    pub status: PartnerStatus,
    /// How it earns.
    pub model: RevenueModel,
    /// Its share (hybrid: of what the fee leaves), in basis points.
    pub revenue_share_bps: i32,
    /// Hybrid: the platform's fee per payment, in paise.
    pub platform_fee_minor: i64,
    /// `<slug>.<base domain>`, when a base domain is configured.
    pub host: Option<String>,
    /// Client tenants.
    pub clients: i64,
    /// Earnings to date, net of refunds, in paise.
    pub balance_minor: i64,
    /// Its first admin (operators' list).
    pub admin_email: Option<String>,
    /// Where it is paid (UPI).
    pub payout_vpa: Option<String>,
    /// Its own account.
    #[serde(skip)]
    #[ts(skip)]
    pub home_tenant_id: uuid::Uuid,
    /// When it joined.
    pub created_at: DateTime<Utc>,
}

impl PartnerView {
    /// Its terms for splitting payments.
    pub fn terms(&self) -> Terms {
        Terms { model: self.model, revenue_share_bps: self.revenue_share_bps, platform_fee_minor: self.platform_fee_minor }
    }
}

/// A partner to create.
#[derive(Debug, Clone)]
pub struct NewPartner<'a> {
    /// Business name.
    pub name: &'a str,
    /// Slug (validated).
    pub slug: &'a str,
    /// Pending (applied) or approved (made by an operator).
    pub status: PartnerStatus,
    /// Revenue model.
    pub model: RevenueModel,
    /// Share in basis points.
    pub revenue_share_bps: i32,
    /// Hybrid fee.
    pub platform_fee_minor: i64,
    /// The plan its own account starts on.
    pub plan: &'a str,
    /// Its first admin's name.
    pub admin_name: &'a str,
    /// Their email (lower-cased).
    pub admin_email: &'a str,
    /// Their argon2id hash.
    pub password_hash: &'a str,
}

/// A client's first admin.
#[derive(Debug, Clone)]
pub struct NewAdmin<'a> {
    /// Name.
    pub name: &'a str,
    /// Email (lower-cased).
    pub email: &'a str,
    /// Argon2id hash.
    pub password_hash: &'a str,
}

/// What an operator changes of a partner (None: unchanged).
#[derive(Debug, Clone, Default)]
pub struct PartnerChange {
    /// New status.
    pub status: Option<PartnerStatus>,
    /// New model.
    pub model: Option<RevenueModel>,
    /// New share.
    pub revenue_share_bps: Option<i32>,
    /// New hybrid fee.
    pub platform_fee_minor: Option<i64>,
}

/// A host's brand as stored.
#[derive(Debug, Clone)]
pub struct BrandRecord {
    /// The partner.
    pub partner_id: uuid::Uuid,
    /// Its name (the product name until it sets one).
    pub name: String,
    /// What it set.
    pub settings: BrandSettings,
    /// A version of its logo, when it has one.
    pub logo_version: Option<String>,
    /// A version of its favicon, when it has one.
    pub favicon_version: Option<String>,
}

/// A change to a brand image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageChange {
    /// Left as it is.
    Keep,
    /// Removed.
    Remove,
    /// Replaced.
    Set(BrandImage),
}

/// Which brand image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// The logo.
    Logo,
    /// The favicon.
    Favicon,
}

/// A client tenant as its partner sees it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ClientView {
    /// The tenant.
    pub id: uuid::Uuid,
    /// Its name.
    pub name: String,
    /// Its account state.
    pub status: String,
    /// Its plan.
    pub plan_code: String,
    /// The plan's name.
    pub plan_name: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Its first admin.
    pub admin_email: Option<String>,
    /// Its size this month.
    pub usage: ClientUsage,
    /// What it paid.
    pub billing: ClientBilling,
}

/// A client's size.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ClientUsage {
    /// Messages since the month began.
    pub messages_this_month: i64,
    /// Contacts.
    pub contacts: i64,
}

/// What a client paid.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ClientBilling {
    /// Captured payments, in paise.
    pub paid_minor: i64,
    /// Refunded, in paise.
    pub refunded_minor: i64,
    /// The last captured payment.
    pub last_paid_at: Option<DateTime<Utc>>,
}

/// A plan's platform and partner prices.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct PartnerPrice {
    /// The plan.
    pub plan_code: String,
    /// Its name.
    pub plan_name: String,
    /// The platform's monthly price (paise; null: custom).
    pub wholesale_monthly_minor: Option<i64>,
    /// The platform's annual price.
    pub wholesale_annual_minor: Option<i64>,
    /// The partner's monthly price (null: the platform's).
    pub retail_monthly_minor: Option<i64>,
    /// The partner's annual price.
    pub retail_annual_minor: Option<i64>,
}

/// A custom domain and the record that proves it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct DomainView {
    /// The domain.
    pub domain: String,
    /// The TXT record's name to create.
    pub txt_name: String,
    /// The value it must hold.
    pub txt_value: String,
    /// When it was proven.
    pub verified_at: Option<DateTime<Utc>>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

/// Adding a domain.
#[derive(Debug, Clone)]
pub enum DomainAdded {
    /// Added.
    Added(DomainView),
    /// The partner has as many as it may.
    Limit,
}

/// One ledger entry.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct LedgerEntry {
    /// Id.
    pub id: i64,
    /// When the money moved (payment captured, refund processed).
    pub at: DateTime<Utc>,
    /// `share` or `reversal`.
    pub kind: String,
    /// The client.
    pub client_id: uuid::Uuid,
    /// Its name.
    pub client_name: String,
    /// Razorpay's payment.
    pub payment_id: String,
    /// Razorpay's refund (reversals).
    pub refund_id: Option<String>,
    /// The amount (negative for a reversal), in paise.
    pub gross_minor: i64,
    /// The partner's part.
    pub partner_minor: i64,
    /// The platform's part.
    pub platform_minor: i64,
}

/// Sums of a month's entries.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
pub struct LedgerTotals {
    /// Gross.
    pub gross_minor: i64,
    /// The partner's.
    pub partner_minor: i64,
    /// The platform's.
    pub platform_minor: i64,
}

/// A month's statement.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct PartnerLedger {
    /// `YYYY-MM`.
    pub month: String,
    /// Months with entries, newest first.
    pub months: Vec<String>,
    /// The month's entries, oldest first.
    pub entries: Vec<LedgerEntry>,
    /// Their sums.
    pub totals: LedgerTotals,
    /// Earnings to date.
    pub balance_minor: i64,
}

const PARTNER_COLUMNS: &str =
    "p.id, p.name, p.slug, p.status, p.model, p.revenue_share_bps, p.platform_fee_minor, p.home_tenant_id, p.created_at, p.payout_vpa,
    s.clients, s.balance_minor, s.admin_email";

fn partner_from_row(row: &sqlx::postgres::PgRow, base_domain: Option<&str>) -> Result<PartnerView, sqlx::Error> {
    let slug: String = row.try_get("slug")?;
    let status: String = row.try_get("status")?;
    let model: String = row.try_get("model")?;
    Ok(PartnerView {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        host: base_domain.map(|b| format!("{slug}.{b}")),
        slug,
        status: PartnerStatus::parse(&status).ok_or_else(|| sqlx::Error::Decode(format!("partner status {status:?}").into()))?,
        model: RevenueModel::parse(&model).ok_or_else(|| sqlx::Error::Decode(format!("revenue model {model:?}").into()))?,
        revenue_share_bps: row.try_get("revenue_share_bps")?,
        platform_fee_minor: row.try_get("platform_fee_minor")?,
        clients: row.try_get::<Option<i64>, _>("clients")?.unwrap_or(0),
        balance_minor: row.try_get::<Option<i64>, _>("balance_minor")?.unwrap_or(0),
        admin_email: row.try_get("admin_email")?,
        payout_vpa: row.try_get("payout_vpa")?,
        home_tenant_id: row.try_get("home_tenant_id")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The partners' repository.
pub struct Partners<'a> {
    pub(super) pool: &'a PgPool,
    pub(super) base_domain: Option<&'a str>,
}

impl Partners<'_> {
    async fn find(&self, filter: &str, bind: uuid::Uuid) -> Result<Option<PartnerView>, DbError> {
        let row =
            sqlx::query(&format!("SELECT {PARTNER_COLUMNS} FROM partners p LEFT JOIN partner_summaries() s ON s.id = p.id WHERE {filter}"))
                .bind(bind)
                .fetch_optional(self.pool)
                .await?;
        Ok(row.map(|r| partner_from_row(&r, self.base_domain)).transpose()?)
    }

    /// One partner.
    pub async fn get(&self, id: uuid::Uuid) -> Result<Option<PartnerView>, DbError> {
        self.find("p.id = $1", id).await
    }

    /// The partner whose own account is `tenant` (its admins' partner).
    pub async fn by_home_tenant(&self, tenant: TenantId) -> Result<Option<PartnerView>, DbError> {
        self.find("p.home_tenant_id = $1", tenant.0).await
    }

    /// Every partner, pending first, then newest.
    pub async fn list(&self) -> Result<Vec<PartnerView>, DbError> {
        let rows = sqlx::query(&format!(
            "SELECT {PARTNER_COLUMNS} FROM partners p LEFT JOIN partner_summaries() s ON s.id = p.id
             ORDER BY p.status = 'pending' DESC, p.created_at DESC LIMIT 1000"
        ))
        .fetch_all(self.pool)
        .await?;
        Ok(rows.iter().map(|r| partner_from_row(r, self.base_domain)).collect::<Result<_, _>>()?)
    }

    /// Creates a partner, its own account and its first admin.
    pub async fn create(&self, p: NewPartner<'_>) -> Result<(PartnerView, UserView), DbError> {
        let home = TenantId::generate();
        let mut tx = crate::db::tenant_tx(self.pool, home).await?;
        let id = uuid::Uuid::now_v7();
        sqlx::query(
            "INSERT INTO partners (id, name, slug, status, model, revenue_share_bps, platform_fee_minor, home_tenant_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(p.name)
        .bind(p.slug)
        .bind(p.status.as_str())
        .bind(p.model.as_str())
        .bind(p.revenue_share_bps)
        .bind(p.platform_fee_minor)
        .bind(home.0)
        .execute(&mut *tx)
        .await
        .map_err(|e| DbError::on_constraint(e, "partners_slug_key", Conflict::SlugTaken(p.slug.to_owned())))?;
        // The partner's own account (the partner row's reference to it is
        // checked at commit).
        sqlx::query("INSERT INTO tenants (id, name, plan_code, partner_id) VALUES ($1, $2, $3, $4)")
            .bind(home.0)
            .bind(p.name)
            .bind(p.plan)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let admin = insert_user(
            &mut tx,
            home,
            NewUser { email: p.admin_email, name: p.admin_name, password_hash: p.password_hash, role: "partner_admin" },
        )
        .await?;
        tx.commit().await?;
        let view = self.get(id).await?.ok_or_else(|| DbError::Other(sqlx::Error::RowNotFound))?;
        Ok((view, admin))
    }

    /// Changes a partner's status or terms (None: no such partner).
    pub async fn update(&self, id: uuid::Uuid, c: &PartnerChange) -> Result<Option<PartnerView>, DbError> {
        let done = sqlx::query(
            "UPDATE partners SET status = COALESCE($2, status), model = COALESCE($3, model),
                revenue_share_bps = COALESCE($4, revenue_share_bps), platform_fee_minor = COALESCE($5, platform_fee_minor), updated_at = now()
             WHERE id = $1",
        )
        .bind(id)
        .bind(c.status.map(PartnerStatus::as_str))
        .bind(c.model.map(RevenueModel::as_str))
        .bind(c.revenue_share_bps)
        .bind(c.platform_fee_minor)
        .execute(self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        self.get(id).await
    }

    /// Sets where a partner is paid.
    pub async fn set_payout_vpa(&self, partner: uuid::Uuid, vpa: &str) -> Result<(), DbError> {
        sqlx::query("UPDATE partners SET payout_vpa = $2, updated_at = now() WHERE id = $1")
            .bind(partner)
            .bind(vpa)
            .execute(self.pool)
            .await?;
        Ok(())
    }

    /// The approved partner a (normalised) host belongs to: its verified
    /// custom domain, or `slug` under the base domain.
    pub async fn by_host(&self, host: &str, slug: Option<&str>) -> Result<Option<uuid::Uuid>, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT p.id FROM partners p WHERE p.status = 'approved'
               AND (p.slug = $2 OR p.id = (SELECT d.partner_id FROM partner_domains d WHERE d.domain = $1 AND d.verified_at IS NOT NULL))
             LIMIT 1",
        )
        .bind(host)
        .bind(slug)
        .fetch_optional(self.pool)
        .await?)
    }

    /// A partner's brand as stored.
    pub async fn brand(&self, partner: uuid::Uuid) -> Result<Option<BrandRecord>, DbError> {
        let row = sqlx::query(
            "SELECT id, name, brand,
                    CASE WHEN logo IS NOT NULL THEN md5(logo) END AS logo_version,
                    CASE WHEN favicon IS NOT NULL THEN md5(favicon) END AS favicon_version
             FROM partners WHERE id = $1",
        )
        .bind(partner)
        .fetch_optional(self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let brand: serde_json::Value = row.try_get("brand")?;
        let short = |v: Option<String>| v.map(|s| s.chars().take(12).collect::<String>());
        Ok(Some(BrandRecord {
            partner_id: row.try_get("id")?,
            name: row.try_get("name")?,
            settings: serde_json::from_value(brand).unwrap_or_default(),
            logo_version: short(row.try_get("logo_version")?),
            favicon_version: short(row.try_get("favicon_version")?),
        }))
    }

    /// Stores a partner's brand and its image changes.
    pub async fn set_brand(
        &self,
        partner: uuid::Uuid,
        s: &BrandSettings,
        logo: &ImageChange,
        favicon: &ImageChange,
    ) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        let brand = serde_json::to_value(s).map_err(|e| DbError::Other(sqlx::Error::Encode(e.into())))?;
        sqlx::query("UPDATE partners SET brand = $2, updated_at = now() WHERE id = $1").bind(partner).bind(brand).execute(&mut *tx).await?;
        for (change, bytes_col, type_col) in [(logo, "logo", "logo_type"), (favicon, "favicon", "favicon_type")] {
            let (bytes, kind) = match change {
                ImageChange::Keep => continue,
                ImageChange::Remove => (None, None),
                ImageChange::Set(img) => (Some(img.bytes.as_slice()), Some(img.content_type)),
            };
            sqlx::query(&format!("UPDATE partners SET {bytes_col} = $2, {type_col} = $3 WHERE id = $1"))
                .bind(partner)
                .bind(bytes)
                .bind(kind)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A partner's logo or favicon bytes and type.
    pub async fn image(&self, partner: uuid::Uuid, kind: ImageKind) -> Result<Option<(Vec<u8>, String)>, DbError> {
        let sql = match kind {
            ImageKind::Logo => "SELECT logo, logo_type FROM partners WHERE id = $1 AND logo IS NOT NULL",
            ImageKind::Favicon => "SELECT favicon, favicon_type FROM partners WHERE id = $1 AND favicon IS NOT NULL",
        };
        let row: Option<(Vec<u8>, Option<String>)> = sqlx::query_as(sql).bind(partner).fetch_optional(self.pool).await?;
        Ok(row.map(|(b, t)| (b, t.unwrap_or_else(|| "application/octet-stream".into()))))
    }

    /// The partner a tenant belongs to, if any.
    pub async fn of_tenant(&self, tenant: TenantId) -> Result<Option<uuid::Uuid>, DbError> {
        Ok(sqlx::query_scalar("SELECT tenant_partner($1)").bind(tenant.0).fetch_one(self.pool).await?)
    }

    /// How mail to a tenant's people is branded: its approved partner's id,
    /// slug and first proven domain (None: the platform's own tenant).
    pub async fn mail_identity(&self, tenant: TenantId) -> Result<Option<(uuid::Uuid, String, Option<String>)>, DbError> {
        Ok(sqlx::query_as(
            "SELECT p.id, p.slug,
                    (SELECT d.domain FROM partner_domains d WHERE d.partner_id = p.id AND d.verified_at IS NOT NULL ORDER BY d.verified_at LIMIT 1)
             FROM partners p WHERE p.id = tenant_partner($1) AND p.status = 'approved'",
        )
        .bind(tenant.0)
        .fetch_optional(self.pool)
        .await?)
    }

    /// A partner's clients with their size and payments.
    pub async fn clients(&self, partner: uuid::Uuid) -> Result<Vec<ClientView>, DbError> {
        let rows = sqlx::query("SELECT c.*, pl.name AS plan_name FROM partner_clients($1) c LEFT JOIN plans pl ON pl.code = c.plan_code")
            .bind(partner)
            .fetch_all(self.pool)
            .await?;
        Ok(rows.iter().map(client_from_row).collect::<Result<_, _>>()?)
    }

    /// Creates a client tenant of the partner and its first admin.
    pub async fn create_client(&self, partner: uuid::Uuid, name: &str, plan: &str, admin: &NewAdmin<'_>) -> Result<ClientView, DbError> {
        let tenant = TenantId::generate();
        let mut tx = crate::db::tenant_tx(self.pool, tenant).await?;
        sqlx::query("INSERT INTO tenants (id, name, plan_code, partner_id) VALUES ($1, $2, $3, $4)")
            .bind(tenant.0)
            .bind(name)
            .bind(plan)
            .bind(partner)
            .execute(&mut *tx)
            .await?;
        insert_user(
            &mut tx,
            tenant,
            NewUser { email: admin.email, name: admin.name, password_hash: admin.password_hash, role: "tenant_admin" },
        )
        .await?;
        tx.commit().await?;
        self.clients(partner).await?.into_iter().find(|c| c.id == tenant.0).ok_or_else(|| DbError::Other(sqlx::Error::RowNotFound))
    }

    /// The platform's plans on offer with the partner's retail prices.
    pub async fn prices(&self, partner: uuid::Uuid) -> Result<Vec<PartnerPrice>, DbError> {
        let rows: Vec<PriceRow> = sqlx::query_as(
            "SELECT pl.code, pl.name, pl.price_monthly_minor, pl.price_annual_minor, pp.retail_monthly_minor, pp.retail_annual_minor
             FROM plans pl LEFT JOIN partner_prices pp ON pp.plan_code = pl.code AND pp.partner_id = $1
             WHERE pl.active ORDER BY pl.position, pl.code",
        )
        .bind(partner)
        .fetch_all(self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(plan_code, plan_name, wm, wa, rm, ra)| PartnerPrice {
                plan_code,
                plan_name,
                wholesale_monthly_minor: wm,
                wholesale_annual_minor: wa,
                retail_monthly_minor: rm,
                retail_annual_minor: ra,
            })
            .collect())
    }

    /// Sets a partner's retail prices for a plan.
    pub async fn set_price(&self, partner: uuid::Uuid, plan: &str, monthly: Option<i64>, annual: Option<i64>) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO partner_prices (partner_id, plan_code, retail_monthly_minor, retail_annual_minor) VALUES ($1, $2, $3, $4)
             ON CONFLICT (partner_id, plan_code) DO UPDATE SET retail_monthly_minor = $3, retail_annual_minor = $4",
        )
        .bind(partner)
        .bind(plan)
        .bind(monthly)
        .bind(annual)
        .execute(self.pool)
        .await?;
        Ok(())
    }

    /// The price a tenant pays for a plan and cycle when its partner sells
    /// at markup and set one (None: the platform's price).
    pub async fn retail_price(&self, tenant: TenantId, plan: &str, cycle: &str) -> Result<Option<i64>, DbError> {
        let row: Option<(Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT pp.retail_monthly_minor, pp.retail_annual_minor
             FROM partners p JOIN partner_prices pp ON pp.partner_id = p.id AND pp.plan_code = $2
             WHERE p.id = tenant_partner($1) AND p.model = 'markup' AND p.home_tenant_id <> $1",
        )
        .bind(tenant.0)
        .bind(plan)
        .fetch_optional(self.pool)
        .await?;
        Ok(row.and_then(|(m, a)| if cycle == "annual" { a } else { m }))
    }

    /// A partner's custom domains.
    pub async fn domains(&self, partner: uuid::Uuid) -> Result<Vec<DomainView>, DbError> {
        let rows: Vec<DomainRow> =
            sqlx::query_as("SELECT domain, token, verified_at, created_at FROM partner_domains WHERE partner_id = $1 ORDER BY created_at")
                .bind(partner)
                .fetch_all(self.pool)
                .await?;
        Ok(rows.into_iter().map(domain_view).collect())
    }

    /// One of a partner's domains.
    pub async fn domain(&self, partner: uuid::Uuid, domain: &str) -> Result<Option<DomainView>, DbError> {
        let row: Option<DomainRow> =
            sqlx::query_as("SELECT domain, token, verified_at, created_at FROM partner_domains WHERE partner_id = $1 AND domain = $2")
                .bind(partner)
                .bind(domain)
                .fetch_optional(self.pool)
                .await?;
        Ok(row.map(domain_view))
    }

    /// Adds a domain to prove (at most [`MAX_DOMAINS`] per partner).
    pub async fn add_domain(&self, partner: uuid::Uuid, domain: &str, token: &str) -> Result<DomainAdded, DbError> {
        let mut tx = self.pool.begin().await?;
        // One add at a time per partner, so the count holds.
        sqlx::query("SELECT 1 FROM partners WHERE id = $1 FOR UPDATE").bind(partner).execute(&mut *tx).await?;
        let count: i64 =
            sqlx::query_scalar("SELECT count(*) FROM partner_domains WHERE partner_id = $1").bind(partner).fetch_one(&mut *tx).await?;
        if count >= MAX_DOMAINS {
            return Ok(DomainAdded::Limit);
        }
        // Proven by another partner: it is theirs.
        let held: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM partner_domains WHERE domain = $1 AND verified_at IS NOT NULL)")
            .bind(domain)
            .fetch_one(&mut *tx)
            .await?;
        if held {
            return Err(DbError::Conflict(Conflict::DomainTaken(domain.to_owned())));
        }
        let row: DomainRow = sqlx::query_as(
            "INSERT INTO partner_domains (domain, partner_id, token) VALUES ($1, $2, $3) RETURNING domain, token, verified_at, created_at",
        )
        .bind(domain)
        .bind(partner)
        .bind(token)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| DbError::on_constraint(e, "partner_domains_pkey", Conflict::DomainTaken(domain.to_owned())))?;
        tx.commit().await?;
        Ok(DomainAdded::Added(domain_view(row)))
    }

    /// Marks a domain proven.
    pub async fn mark_verified(&self, partner: uuid::Uuid, domain: &str) -> Result<Option<DomainView>, DbError> {
        let row: Option<DomainRow> = sqlx::query_as(
            "UPDATE partner_domains SET verified_at = COALESCE(verified_at, now()) WHERE partner_id = $1 AND domain = $2
             RETURNING domain, token, verified_at, created_at",
        )
        .bind(partner)
        .bind(domain)
        .fetch_optional(self.pool)
        .await
        // Another partner proved it first.
        .map_err(|e| DbError::on_constraint(e, "partner_domains_verified", Conflict::DomainTaken(domain.to_owned())))?;
        Ok(row.map(domain_view))
    }

    /// Removes a domain (false: it was not the partner's).
    pub async fn delete_domain(&self, partner: uuid::Uuid, domain: &str) -> Result<bool, DbError> {
        let done = sqlx::query("DELETE FROM partner_domains WHERE partner_id = $1 AND domain = $2")
            .bind(partner)
            .bind(domain)
            .execute(self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// A month's statement of a partner, read in its own account (where the
    /// ledger's row-level security lets it see its clients' rows).
    pub async fn ledger(&self, partner: &PartnerView, month: chrono::NaiveDate) -> Result<PartnerLedger, DbError> {
        let mut tx = crate::db::tenant_tx(self.pool, TenantId(partner.home_tenant_id)).await?;
        let rows = sqlx::query(
            "SELECT l.id, l.at, l.kind, l.tenant_id, t.name AS client_name, l.payment_id, l.refund_id, l.gross_minor, l.partner_minor, l.platform_minor
             FROM partner_ledger l LEFT JOIN partner_clients($1) t ON t.id = l.tenant_id
             WHERE l.partner_id = $1 AND l.at >= $2::date AND l.at < ($2::date + interval '1 month')
             ORDER BY l.at, l.id",
        )
        .bind(partner.id)
        .bind(month)
        .fetch_all(&mut *tx)
        .await?;
        let entries = rows
            .iter()
            .map(|r| {
                Ok(LedgerEntry {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    kind: r.try_get("kind")?,
                    client_id: r.try_get("tenant_id")?,
                    client_name: r.try_get::<Option<String>, _>("client_name")?.unwrap_or_default(),
                    payment_id: r.try_get("payment_id")?,
                    refund_id: r.try_get("refund_id")?,
                    gross_minor: r.try_get("gross_minor")?,
                    partner_minor: r.try_get("partner_minor")?,
                    platform_minor: r.try_get("platform_minor")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let months: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT to_char(date_trunc('month', at), 'YYYY-MM') AS m FROM partner_ledger WHERE partner_id = $1 ORDER BY m DESC",
        )
        .bind(partner.id)
        .fetch_all(&mut *tx)
        .await?;
        let balance: i64 = sqlx::query_scalar("SELECT COALESCE(sum(partner_minor), 0)::bigint FROM partner_ledger WHERE partner_id = $1")
            .bind(partner.id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        let totals = entries.iter().fold(LedgerTotals::default(), |t, e| LedgerTotals {
            gross_minor: t.gross_minor + e.gross_minor,
            partner_minor: t.partner_minor + e.partner_minor,
            platform_minor: t.platform_minor + e.platform_minor,
        });
        Ok(PartnerLedger { month: month.format("%Y-%m").to_string(), months, entries, totals, balance_minor: balance })
    }

    /// Whether on-demand TLS may issue a certificate for `domain`: a
    /// verified custom domain or a slug address of an approved partner.
    pub async fn domain_allowed(&self, domain: &str, slug: Option<&str>) -> Result<bool, DbError> {
        Ok(self.by_host(domain, slug).await?.is_some())
    }
}

fn domain_view((domain, token, verified_at, created_at): DomainRow) -> DomainView {
    DomainView {
        txt_name: crate::partners::dns::record_name(&domain),
        txt_value: crate::partners::dns::record_value(&token),
        domain,
        verified_at,
        created_at,
    }
}

fn client_from_row(r: &sqlx::postgres::PgRow) -> Result<ClientView, sqlx::Error> {
    Ok(ClientView {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        status: r.try_get("status")?,
        plan_code: r.try_get("plan_code")?,
        plan_name: r.try_get("plan_name")?,
        created_at: r.try_get("created_at")?,
        admin_email: r.try_get("admin_email")?,
        usage: ClientUsage { messages_this_month: r.try_get("messages_this_month")?, contacts: r.try_get("contacts")? },
        billing: ClientBilling {
            paid_minor: r.try_get("paid_minor")?,
            refunded_minor: r.try_get("refunded_minor")?,
            last_paid_at: r.try_get("last_paid_at")?,
        },
    })
}

/// Records, in a client's billing transaction, what its captured
/// subscription payments earned its partner and what its processed refunds
/// took back: once each (the ledger's unique index), whatever order
/// Razorpay's webhooks came in. A markup share waits until the payment's
/// subscription (and so the plan's platform price) is known.
pub(super) async fn record_shares(tx: &mut Transaction<'static, Postgres>, tenant: TenantId) -> Result<(), DbError> {
    let partner: Option<(uuid::Uuid, String, i32, i64)> = sqlx::query_as(
        "SELECT p.id, p.model, p.revenue_share_bps, p.platform_fee_minor FROM tenants t JOIN partners p ON p.id = t.partner_id
         WHERE t.id = $1 AND p.home_tenant_id <> t.id",
    )
    .bind(tenant.0)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((partner, model, bps, fee)) = partner else { return Ok(()) };
    // One settlement of this account's shares at a time: concurrent webhooks
    // about its payments and refunds see each other's rows.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('partner-shares:' || $1::text))").bind(tenant.0).execute(&mut **tx).await?;
    let Some(model) = RevenueModel::parse(&model) else { return Ok(()) };
    let terms = Terms { model, revenue_share_bps: bps, platform_fee_minor: fee };
    let unshared: Vec<UnsharedPayment> = sqlx::query_as(
        "SELECT p.id, p.amount_minor, p.paid_at, s.cycle, pl.price_monthly_minor, pl.price_annual_minor,
                (SELECT i.taxable_minor FROM invoices i WHERE i.payment_id = p.id AND i.kind = 'invoice' LIMIT 1)
         FROM payments p LEFT JOIN subscriptions s ON s.id = p.subscription_id LEFT JOIN plans pl ON pl.code = s.plan_code
         WHERE p.tenant_id = $1 AND p.captured AND p.purpose IS NULL
           AND NOT EXISTS (SELECT 1 FROM partner_ledger l WHERE l.payment_id = p.id AND l.refund_id IS NULL)
         ORDER BY p.paid_at, p.id",
    )
    .bind(tenant.0)
    .fetch_all(&mut **tx)
    .await?;
    for (payment, gross, at, cycle, monthly, annual, taxable) in unshared {
        // The platform's own price before GST for what was bought.
        let wholesale = match cycle.as_deref() {
            Some("annual") => annual,
            Some(_) => monthly,
            None => None,
        };
        if model == RevenueModel::Markup && cycle.is_none() {
            continue;
        }
        let base = taxable.unwrap_or_else(|| crate::billing::gst::TaxSplit::inclusive(gross, true).taxable);
        let split = money::split(terms, gross, base, wholesale);
        insert_entry(tx, partner, tenant, "share", &payment, None, gross, split, at).await?;
    }
    let refunds: Vec<(String, String, i64, DateTime<Utc>)> = sqlx::query_as(
        "SELECT r.id, r.payment_id, r.amount_minor, r.refunded_at FROM refunds r JOIN payments p ON p.id = r.payment_id
         WHERE p.tenant_id = $1
           AND EXISTS (SELECT 1 FROM partner_ledger l WHERE l.payment_id = r.payment_id AND l.refund_id IS NULL)
           AND NOT EXISTS (SELECT 1 FROM partner_ledger l WHERE l.payment_id = r.payment_id AND l.refund_id = r.id)
         ORDER BY r.refunded_at, r.id",
    )
    .bind(tenant.0)
    .fetch_all(&mut **tx)
    .await?;
    for (refund, payment, amount, at) in refunds {
        let (gross, share_partner, share_platform, refunded_before): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT s.gross_minor, s.partner_minor, s.platform_minor,
                    COALESCE((SELECT -sum(r.gross_minor) FROM partner_ledger r WHERE r.payment_id = $1 AND r.refund_id IS NOT NULL), 0)::bigint
             FROM partner_ledger s WHERE s.payment_id = $1 AND s.refund_id IS NULL",
        )
        .bind(&payment)
        .fetch_one(&mut **tx)
        .await?;
        let back = money::reversal(Split { partner: share_partner, platform: share_platform }, gross, refunded_before, amount);
        let taken = back.partner + back.platform;
        insert_entry(tx, partner, tenant, "reversal", &payment, Some(&refund), taken, back, at).await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn insert_entry(
    tx: &mut Transaction<'static, Postgres>,
    partner: uuid::Uuid,
    tenant: TenantId,
    kind: &str,
    payment: &str,
    refund: Option<&str>,
    gross: i64,
    split: Split,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO partner_ledger (partner_id, tenant_id, kind, payment_id, refund_id, gross_minor, partner_minor, platform_minor, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
    )
    .bind(partner)
    .bind(tenant.0)
    .bind(kind)
    .bind(payment)
    .bind(refund)
    .bind(gross)
    .bind(split.partner)
    .bind(split.platform)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
