//! A tenant's broadcast campaigns and their recipients.
//!
//! A campaign is written as a draft, launched (its audience becomes one row
//! per recipient, skipped ones with their reason), then driven by the
//! campaign runner, which claims pending recipients at the campaign's rate
//! and links each to the message it stored. From then on the recipient's
//! delivery status *is* its message's status, so duplicate or out-of-order
//! status webhooks (already merged on the message) cannot count twice, and
//! the counts always add up to the audience.

use super::{DbError, TenantDb};
use crate::campaigns::retarget::{RetargetRule, RETRYABLE_ERRORS};
use crate::campaigns::split::Variant;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::Row;
use std::collections::BTreeMap;
use whatsflow_actors::ids::{CampaignId, ChannelId, ContactId, MessageId, RecipientId, TenantId, UserId};

/// Columns of [`campaign_from_row`].
const COLUMNS: &str = "id, name, channel_id, template_name, template_language, variables, audience, rate_mps, status, paused_reason,
    waiting_reason, scheduled_at, started_at, completed_at, created_by, created_at, updated_at, timezone, quiet_hours, local_send, variant_b, kind";

/// Where a campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum CampaignStatus {
    /// Being written; the only editable state.
    Draft,
    /// Waits for its start time.
    Scheduled,
    /// Sending.
    Running,
    /// Stopped by a person or by a rule (template paused, account blocked); resumable.
    Paused,
    /// Every recipient has been handed over or skipped.
    Completed,
    /// Stopped for good; recipients not yet sent are cancelled.
    Cancelled,
}

impl CampaignStatus {
    /// Every status.
    pub const ALL: [CampaignStatus; 6] = [Self::Draft, Self::Scheduled, Self::Running, Self::Paused, Self::Completed, Self::Cancelled];

    /// The database and API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Reads the spelling back.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A campaign as the API shows it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct CampaignView {
    /// Id.
    pub id: CampaignId,
    /// `broadcast`, or `drip` for a sequence (whose own view is `DripView`).
    #[serde(rename = "type")]
    pub kind: String,
    /// What the business calls it.
    pub name: String,
    /// The number it sends from.
    pub channel_id: ChannelId,
    /// The approved template it sends.
    pub template: TemplateRef,
    /// Where each template parameter comes from, per component.
    #[ts(type = "Record<string, Array<Record<string, string>>>")]
    pub variables: Value,
    /// Who it goes to.
    #[ts(type = "Record<string, unknown>")]
    pub audience: Value,
    /// Messages per second it sends at (at most the number's rate).
    pub rate_mps: i32,
    /// Where it stands.
    pub status: CampaignStatus,
    /// Why it paused itself, when it did.
    pub paused_reason: Option<String>,
    /// Why it is waiting while running (the messaging limit is reached).
    pub waiting_reason: Option<String>,
    /// When it is to start.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// When its last recipient was handed over.
    pub completed_at: Option<DateTime<Utc>>,
    /// Who wrote it.
    pub created_by: Option<UserId>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// The business's time zone (IANA): the zone of recipients whose own is unknown.
    pub timezone: String,
    /// Hours of each recipient's own day in which nobody is sent to.
    #[ts(type = "{ start: string, end: string } | null")]
    pub quiet_hours: Option<Value>,
    /// A send at this date and wall-clock time in each recipient's zone.
    #[ts(type = "{ date: string, time: string } | null")]
    pub local_send: Option<Value>,
    /// A split test's second template, its sources and its share.
    #[ts(type = "{ template: TemplateRef, variables: Record<string, Array<Record<string, string>>>, split_percent: number } | null")]
    pub variant_b: Option<Value>,
}

impl CampaignView {
    /// The template a recipient of `variant` gets.
    pub fn template_for(&self, variant: Variant) -> TemplateRef {
        match variant {
            Variant::A => self.template.clone(),
            Variant::B => self
                .variant_b
                .as_ref()
                .and_then(|b| serde_json::from_value(b["template"].clone()).ok())
                .unwrap_or_else(|| self.template.clone()),
        }
    }
}

/// A template by name and language, as campaigns name it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct TemplateRef {
    /// Its name.
    pub name: String,
    /// Its language code.
    pub language: String,
}

/// A statement being bound.
type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds a draft's content, in the order both the insert and the update
/// name its columns (name, number, template name and language, variables,
/// audience, rate, time zone, quiet hours, variant B).
fn bind_draft<'q>(q: PgQuery<'q>, d: &'q CampaignDraft) -> PgQuery<'q> {
    q.bind(&d.name)
        .bind(d.channel_id.0)
        .bind(&d.template.name)
        .bind(&d.template.language)
        .bind(&d.variables)
        .bind(&d.audience)
        .bind(d.rate_mps)
        .bind(&d.timezone)
        .bind(&d.quiet_hours)
        .bind(&d.variant_b)
}

fn campaign_from_row(r: &PgRow) -> Result<CampaignView, sqlx::Error> {
    let status: String = r.try_get("status")?;
    Ok(CampaignView {
        id: CampaignId(r.try_get("id")?),
        kind: r.try_get("kind")?,
        name: r.try_get("name")?,
        channel_id: ChannelId(r.try_get("channel_id")?),
        template: TemplateRef { name: r.try_get("template_name")?, language: r.try_get("template_language")? },
        variables: r.try_get("variables")?,
        audience: r.try_get("audience")?,
        rate_mps: r.try_get("rate_mps")?,
        status: CampaignStatus::parse(&status).ok_or_else(|| sqlx::Error::Decode(format!("campaign status `{status}`").into()))?,
        paused_reason: r.try_get("paused_reason")?,
        waiting_reason: r.try_get("waiting_reason")?,
        scheduled_at: r.try_get("scheduled_at")?,
        started_at: r.try_get("started_at")?,
        completed_at: r.try_get("completed_at")?,
        created_by: r.try_get::<Option<uuid::Uuid>, _>("created_by")?.map(UserId),
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        timezone: r.try_get("timezone")?,
        quiet_hours: r.try_get("quiet_hours")?,
        local_send: r.try_get("local_send")?,
        variant_b: r.try_get("variant_b")?,
    })
}

/// A campaign to write (or a draft's new content).
#[derive(Debug, Clone)]
pub struct CampaignDraft {
    /// Name.
    pub name: String,
    /// Number.
    pub channel_id: ChannelId,
    /// Template.
    pub template: TemplateRef,
    /// Parameter sources.
    pub variables: Value,
    /// Audience.
    pub audience: Value,
    /// Rate.
    pub rate_mps: i32,
    /// The business's time zone (IANA).
    pub timezone: String,
    /// Quiet hours (`{"start", "end"}`), if any.
    pub quiet_hours: Option<Value>,
    /// A split test's variant B, if any.
    pub variant_b: Option<Value>,
}

/// One recipient as launch resolved it.
#[derive(Debug, Clone)]
pub struct NewRecipient {
    /// The contact.
    pub contact_id: Option<ContactId>,
    /// Their number (E.164), as known at launch.
    pub phone: Option<String>,
    /// The template's parameters for them (`{"body": [...], "header": [...]}`).
    pub parameters: Value,
    /// Why they are not sent to, when they are not.
    pub skip_reason: Option<SkipReason>,
    /// Their line in an uploaded CSV audience.
    pub line: Option<i32>,
    /// Their time zone (IANA), resolved at launch.
    pub timezone: Option<String>,
    /// For a local-time send: when their turn comes.
    pub send_after: Option<DateTime<Utc>>,
    /// Which template they get.
    pub variant: Variant,
}

/// Why a recipient of the audience is not sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// No phone number, or one that is not a number.
    InvalidPhone,
    /// The same number once more in the audience.
    Duplicate,
    /// They opted out of marketing (checked at launch and again at dispatch).
    OptedOut,
    /// Meta does not deliver marketing templates to US (+1) numbers.
    UsMarketing,
    /// A parameter's source is empty for them.
    MissingVariable,
    /// The contact was deleted before their turn.
    ContactGone,
}

impl SkipReason {
    /// The spelling stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidPhone => "invalid_phone",
            Self::Duplicate => "duplicate",
            Self::OptedOut => "opted_out",
            Self::UsMarketing => "us_marketing",
            Self::MissingVariable => "missing_variable",
            Self::ContactGone => "contact_gone",
        }
    }
}

/// What became of a recipient handed to their conversation.
#[derive(Debug, Clone)]
pub enum Handed {
    /// Their message is stored (and queued for Meta).
    Queued(RecipientId, MessageId),
    /// Not sent to, for this reason.
    Skipped(RecipientId, SkipReason),
    /// Not stored now; the next claim tries again under the same key.
    Released(RecipientId),
}

/// A recipient claimed for sending.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The row.
    pub id: RecipientId,
    /// Its place in the audience order.
    pub position: i32,
    /// Their contact.
    pub contact_id: Option<ContactId>,
    /// Their parameters.
    pub parameters: Value,
    /// Whether they have opted out of marketing now.
    pub opted_out: bool,
    /// 1, or 2 for the send after Meta's per-user marketing limit (131049).
    pub attempt: i32,
    /// Which template they get.
    pub variant: Variant,
}

impl Claimed {
    /// The send key: the message's client_id, one per recipient and attempt.
    pub fn send_key(&self, campaign: CampaignId) -> String {
        match self.attempt {
            1 => format!("campaign:{campaign}:{}", self.id),
            n => format!("campaign:{campaign}:{}:{n}", self.id),
        }
    }
}

/// A campaign's counts. The first group partitions the audience: each
/// recipient is in exactly one of them (skipped, pending, sending, accepted,
/// sent, delivered, read, failed, unconfirmed, cancelled), so they add up
/// to `audience`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct CampaignStats {
    /// Everyone in the audience.
    pub audience: i64,
    /// Not sent to, with a reason.
    pub skipped: i64,
    /// Not yet handed over.
    pub pending: i64,
    /// Handed over, Meta's answer not yet known.
    pub sending: i64,
    /// Accepted by Meta (it holds a wamid), no status yet.
    pub accepted: i64,
    /// Sent to the customer's phone.
    pub sent: i64,
    /// Delivered, not read.
    pub delivered: i64,
    /// Read.
    pub read: i64,
    /// Failed (by Meta's error code in `by_error`).
    pub failed: i64,
    /// Handed to Meta, but its answer was lost and no status came within
    /// the grace: never resent blindly.
    pub unconfirmed: i64,
    /// Cancelled before their turn.
    pub cancelled: i64,
    /// Of `pending`: those waiting out Meta's per-user marketing limit
    /// (131049) to be sent once more, 24 hours after it.
    pub retrying: i64,
    /// Of `pending`: those whose own local send time or the end of their
    /// quiet hours has not come yet.
    pub waiting_local_time: i64,
    /// Recipients who wrote back within 72 hours of their message.
    pub replied: i64,
    /// Recipients who tapped a button of the template.
    pub clicked: i64,
    /// Of them, per button text (each recipient's first tap).
    pub by_button: BTreeMap<String, i64>,
    /// Cumulative funnel: reached at least sent / delivered / read.
    pub funnel: Funnel,
    /// Failed recipients per Meta error code.
    pub by_error: BTreeMap<String, i64>,
    /// Skipped recipients per reason.
    pub by_skip_reason: BTreeMap<String, i64>,
    /// What the delivered messages cost under the tenant's rate card.
    pub cost: Cost,
    /// A split test's counts per variant (empty without one).
    pub variants: Vec<VariantStats>,
}

/// One variant's counts in a split test; sent, delivered and read are
/// cumulative, like the funnel.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct VariantStats {
    /// Which.
    pub variant: Variant,
    /// Its template.
    pub template: TemplateRef,
    /// Recipients who got (or get) it.
    pub audience: i64,
    /// At least sent.
    pub sent: i64,
    /// At least delivered.
    pub delivered: i64,
    /// Read.
    pub read: i64,
    /// Wrote back within 72 hours.
    pub replied: i64,
    /// Tapped a button.
    pub clicked: i64,
    /// Failed.
    pub failed: i64,
}

impl VariantStats {
    /// Adds `n` recipients of one effective status.
    fn count(&mut self, status: &str, n: i64, replied: i64, clicked: bool) {
        self.audience += n;
        self.replied += replied;
        if clicked {
            self.clicked += n;
        }
        match status {
            "sent" => self.sent += n,
            "delivered" => {
                self.sent += n;
                self.delivered += n;
            }
            "read" => {
                self.sent += n;
                self.delivered += n;
                self.read += n;
            }
            "failed" => self.failed += n,
            _ => {}
        }
    }
}

/// How far recipients got, each counted at every step it passed (a read
/// message was delivered, even when Meta skipped that status).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct Funnel {
    /// At least sent.
    pub sent: i64,
    /// At least delivered.
    pub delivered: i64,
    /// Read.
    pub read: i64,
    /// Replied.
    pub replied: i64,
}

/// Money, exactly: `amount_e4` in ten-thousandths of the currency unit (the
/// precision Meta's rate cards use), `amount_minor` the same rounded half
/// up to the minor unit (paise, cents).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct Cost {
    /// ISO 4217 code.
    pub currency: String,
    /// In minor units, rounded half up.
    pub amount_minor: i64,
    /// In ten-thousandths of the unit, exact.
    pub amount_e4: i64,
}

impl Cost {
    /// A cost from its exact ten-thousandths.
    pub fn from_e4(currency: String, amount_e4: i64) -> Self {
        Self { currency, amount_minor: (amount_e4 + 50).div_euclid(100), amount_e4 }
    }
}

/// One recipient as the API lists it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct RecipientView {
    /// The row.
    pub id: RecipientId,
    /// Their contact.
    pub contact_id: Option<ContactId>,
    /// Their number.
    pub phone: Option<String>,
    /// pending, sending, accepted, sent, delivered, read, failed, unconfirmed, skipped or cancelled.
    pub status: String,
    /// Why skipped.
    pub skip_reason: Option<String>,
    /// Meta's id of their message.
    pub wamid: Option<String>,
    /// Meta's error, when it failed.
    pub error: Option<RecipientError>,
    /// Their message.
    pub message_id: Option<MessageId>,
    /// When Meta sent it.
    pub sent_at: Option<DateTime<Utc>>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When it was read.
    pub read_at: Option<DateTime<Utc>>,
    /// When they first wrote back (within 72 hours).
    pub replied_at: Option<DateTime<Utc>>,
    /// Its cost in ten-thousandths of the rate card's currency.
    pub cost_e4: i64,
    /// 1, or 2 once Meta's per-user marketing limit (131049) made it wait.
    pub attempt: i32,
    /// When a recipient waiting out that limit is sent again.
    pub retry_at: Option<DateTime<Utc>>,
    /// The template button they tapped first, if any.
    pub clicked: Option<String>,
    /// Their time zone (IANA), resolved at launch.
    pub timezone: Option<String>,
    /// For a local-time send: when their turn comes.
    pub send_after: Option<DateTime<Utc>>,
    /// Which template they got.
    pub variant: Variant,
}

/// Meta's error for a failed recipient.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct RecipientError {
    /// Meta's code.
    pub code: i64,
    /// Meta's title.
    pub title: String,
}

/// The recipient's status as one SQL expression over `r` (recipient) and
/// `m` (its message).
const EFFECTIVE_STATUS: &str = "CASE
      WHEN r.status <> 'queued' THEN r.status
      WHEN m.id IS NULL THEN 'failed'
      WHEN m.status = 'pending' THEN 'sending'
      WHEN m.status = 'played' THEN 'read'
      ELSE m.status END";

/// Its cost, from the cost ledger (written by the database when Meta
/// reports the delivered message's pricing: 0 unless its type is `regular`).
const COST_E4: &str = "COALESCE((SELECT uc.amount_e4 FROM usage_costs uc WHERE uc.message_id = m.id), 0)";

/// When the recipient first wrote back (later in the conversation than
/// their message, and within 72 hours of it).
const REPLIED_AT: &str = "(SELECT min(i.timestamp) FROM messages i
      WHERE i.tenant_id = m.tenant_id AND i.conversation_id = m.conversation_id AND i.direction = 'inbound'
        AND i.seq > m.seq AND i.timestamp <= m.created_at + interval '72 hours')";

/// The text of the first template button the recipient tapped on their
/// message (Meta's inbound `button` message names it in `context.id`).
const CLICKED: &str = "(SELECT i.content->>'text' FROM messages i
      WHERE i.tenant_id = m.tenant_id AND i.conversation_id = m.conversation_id AND i.direction = 'inbound'
        AND i.seq > m.seq AND i.type = 'button' AND i.context->>'id' = m.wamid
      ORDER BY i.seq LIMIT 1)";

/// A tenant's campaigns.
pub struct Campaigns<'a> {
    pub(super) db: TenantDb<'a>,
}

impl Campaigns<'_> {
    /// Writes a draft.
    pub async fn create(&self, d: &CampaignDraft, by: Option<UserId>) -> Result<CampaignView, DbError> {
        let mut tx = self.db.tx().await?;
        let sql = format!(
            "INSERT INTO campaigns (id, tenant_id, name, channel_id, template_name, template_language, variables, audience, rate_mps,
                 timezone, quiet_hours, variant_b, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING {COLUMNS}"
        );
        let query = sqlx::query(&sql).bind(CampaignId::generate().0).bind(self.db.tenant.0);
        let row = bind_draft(query, d).bind(by.map(|u| u.0)).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(campaign_from_row(&row)?)
    }

    /// Newest first.
    pub async fn list(&self, limit: i64) -> Result<Vec<CampaignView>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows =
            sqlx::query(&format!("SELECT {COLUMNS} FROM campaigns WHERE kind = 'broadcast' ORDER BY created_at DESC, id DESC LIMIT $1"))
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(rows.iter().map(campaign_from_row).collect::<Result<_, _>>()?)
    }

    /// One campaign.
    pub async fn get(&self, id: CampaignId) -> Result<Option<CampaignView>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM campaigns WHERE id = $1")).bind(id.0).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row.as_ref().map(campaign_from_row).transpose()?)
    }

    /// Rewrites a draft; None when it is not (or no longer) a draft.
    pub async fn update_draft(&self, id: CampaignId, d: &CampaignDraft) -> Result<Option<CampaignView>, DbError> {
        let mut tx = self.db.tx().await?;
        let sql = format!(
            "UPDATE campaigns SET name = $2, channel_id = $3, template_name = $4, template_language = $5, variables = $6, audience = $7,
                 rate_mps = $8, timezone = $9, quiet_hours = $10, variant_b = $11, updated_at = now()
             WHERE id = $1 AND status = 'draft' AND kind = 'broadcast' RETURNING {COLUMNS}"
        );
        let row = bind_draft(sqlx::query(&sql).bind(id.0), d).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row.as_ref().map(campaign_from_row).transpose()?)
    }

    /// Deletes a campaign that is not sending (draft, scheduled, completed,
    /// cancelled); false when there is none such.
    pub async fn delete(&self, id: CampaignId) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let n =
            sqlx::query("DELETE FROM campaigns WHERE id = $1 AND status NOT IN ('running', 'paused')").bind(id.0).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(n.rows_affected() == 1)
    }

    /// Launches a draft or scheduled campaign with its resolved audience, in
    /// one transaction: either every recipient row exists and it runs, or
    /// nothing changed. None when it was not a draft or scheduled.
    pub async fn launch(&self, id: CampaignId, recipients: &[NewRecipient]) -> Result<Option<CampaignView>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query(&format!(
            "UPDATE campaigns SET status = 'running', started_at = now(), running_since = now(), paused_reason = NULL, updated_at = now()
             WHERE id = $1 AND status IN ('draft', 'scheduled') RETURNING {COLUMNS}"
        ))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        for (chunk_no, chunk) in recipients.chunks(5_000).enumerate() {
            let offset = chunk_no * 5_000;
            let ids: Vec<uuid::Uuid> = chunk.iter().map(|_| RecipientId::generate().0).collect();
            let positions: Vec<i32> = (0..chunk.len()).map(|i| i32::try_from(offset + i).unwrap_or(i32::MAX)).collect();
            let contacts: Vec<Option<uuid::Uuid>> = chunk.iter().map(|r| r.contact_id.map(|c| c.0)).collect();
            let phones: Vec<Option<String>> = chunk.iter().map(|r| r.phone.clone()).collect();
            let parameters: Vec<Value> = chunk.iter().map(|r| r.parameters.clone()).collect();
            let statuses: Vec<&str> = chunk.iter().map(|r| if r.skip_reason.is_some() { "skipped" } else { "pending" }).collect();
            let reasons: Vec<Option<&str>> = chunk.iter().map(|r| r.skip_reason.map(SkipReason::as_str)).collect();
            let zones: Vec<Option<String>> = chunk.iter().map(|r| r.timezone.clone()).collect();
            let send_after: Vec<Option<DateTime<Utc>>> = chunk.iter().map(|r| r.send_after).collect();
            let variants: Vec<&str> = chunk.iter().map(|r| r.variant.as_str()).collect();
            sqlx::query(
                "INSERT INTO campaign_recipients (id, tenant_id, campaign_id, position, contact_id, phone, parameters, status, skip_reason,
                     timezone, send_after, variant)
                 SELECT u.id, $1, $2, u.position, u.contact_id, u.phone, u.parameters, u.status, u.skip_reason, u.timezone, u.send_after,
                        u.variant
                 FROM unnest($3::uuid[], $4::int[], $5::uuid[], $6::text[], $7::jsonb[], $8::text[], $9::text[], $10::text[],
                             $11::timestamptz[], $12::text[])
                      AS u(id, position, contact_id, phone, parameters, status, skip_reason, timezone, send_after, variant)",
            )
            .bind(self.db.tenant.0)
            .bind(id.0)
            .bind(&ids)
            .bind(&positions)
            .bind(&contacts)
            .bind(&phones)
            .bind(&parameters)
            .bind(&statuses)
            .bind(&reasons)
            .bind(&zones)
            .bind(&send_after)
            .bind(&variants)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(campaign_from_row(&row)?))
    }

    /// Schedules a draft; None when it is not a draft.
    pub async fn schedule(&self, id: CampaignId, at: DateTime<Utc>, local_send: Option<Value>) -> Result<Option<CampaignView>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query(&format!(
            "UPDATE campaigns SET status = 'scheduled', scheduled_at = $2, local_send = $3, paused_reason = NULL, updated_at = now()
             WHERE id = $1 AND status IN ('draft', 'scheduled') RETURNING {COLUMNS}"
        ))
        .bind(id.0)
        .bind(at)
        .bind(local_send)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.as_ref().map(campaign_from_row).transpose()?)
    }

    /// Moves a campaign from one of `from` to `to` (with a reason when it
    /// pauses itself); None when it was in none of them. Cancelling also
    /// cancels every recipient not yet handed over.
    pub async fn transition(
        &self,
        id: CampaignId,
        from: &[&str],
        to: CampaignStatus,
        reason: Option<&str>,
        scheduled_at: Option<DateTime<Utc>>,
    ) -> Result<Option<CampaignView>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query(&format!(
            "UPDATE campaigns SET status = $3, paused_reason = $4, scheduled_at = COALESCE($5, scheduled_at),
                 completed_at = CASE WHEN $3 IN ('completed', 'cancelled') THEN now() ELSE completed_at END,
                 running_since = CASE WHEN $3 = 'running' THEN now() ELSE running_since END, updated_at = now()
             WHERE id = $1 AND status = ANY($2) RETURNING {COLUMNS}"
        ))
        .bind(id.0)
        .bind(from)
        .bind(to.as_str())
        .bind(reason)
        .bind(scheduled_at)
        .fetch_optional(&mut *tx)
        .await?;
        if row.is_some() && to == CampaignStatus::Cancelled {
            sqlx::query(
                "UPDATE campaign_recipients SET status = 'cancelled', updated_at = now() WHERE campaign_id = $1 AND status = 'pending'",
            )
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
            // A sequence's contacts leave it.
            sqlx::query(
                "UPDATE drip_enrollments SET state = 'exited', exit_reason = 'cancelled', ended_at = now(), claimed = false, updated_at = now()
                 WHERE campaign_id = $1 AND state = 'active'",
            )
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(row.as_ref().map(campaign_from_row).transpose()?)
    }

    /// Marks a running campaign completed when no recipient is left to hand
    /// over; whether it did.
    pub async fn complete_if_done(&self, id: CampaignId) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        // The campaign row first, as a 131049 retry takes it: the check
        // below then sees a recipient that retry put back to pending.
        sqlx::query("SELECT 1 FROM campaigns WHERE id = $1 AND status = 'running' FOR UPDATE").bind(id.0).execute(&mut *tx).await?;
        let n = sqlx::query(
            "UPDATE campaigns SET status = 'completed', completed_at = now(), updated_at = now()
             WHERE id = $1 AND status = 'running'
               AND NOT EXISTS (SELECT 1 FROM campaign_recipients WHERE campaign_id = $1 AND status IN ('pending', 'sending'))",
        )
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(n.rows_affected() == 1)
    }

    /// Recipients claimed before a restart whose message may or may not be
    /// stored: they are sent again under the same send key, which finds the
    /// stored message instead of storing a second one.
    pub async fn unfinished_claims(&self, id: CampaignId) -> Result<Vec<Claimed>, DbError> {
        self.claimed("status = 'sending'", id, i64::MAX).await
    }

    /// Claims up to `n` pending recipients, in audience order, while the
    /// campaign still runs (a pause or cancel that landed after the step
    /// read the campaign stops the claim). With `after`, only recipients
    /// past that position: the recipients a campaign has handed over leave
    /// entries of their earlier row versions in the work index until
    /// vacuum, and a claim from the start walks all of them (175 ms a claim
    /// a third into 100,000 recipients).
    pub async fn claim(&self, id: CampaignId, n: i64, after: Option<i32>) -> Result<Vec<Claimed>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(
            // The choice is a CTE, evaluated once: as a subquery the planner
            // may rescan it per row, and each rescan skips the rows this
            // statement already updated, claiming far more than `n`.
            "WITH p AS MATERIALIZED (
                 SELECT id FROM campaign_recipients WHERE campaign_id = $1 AND status = 'pending' AND position > $3
                   AND (retry_at IS NULL OR retry_at <= now())
                   AND CASE WHEN send_after IS NULL AND (SELECT quiet_hours FROM campaigns WHERE id = $1) IS NULL THEN true
                            ELSE NOT waits_for_local_time(send_after, timezone, (SELECT quiet_hours FROM campaigns WHERE id = $1)) END
                   AND EXISTS (SELECT 1 FROM campaigns WHERE id = $1 AND status = 'running')
                 ORDER BY position LIMIT $2 FOR UPDATE SKIP LOCKED)
             UPDATE campaign_recipients r SET status = 'sending', claimed_at = now(), updated_at = now()
             FROM p
             WHERE r.id = p.id
             RETURNING r.id, r.position, r.contact_id, r.parameters, r.attempt, r.variant,
                 COALESCE((SELECT NOT k.opted_in FROM contacts k WHERE k.id = r.contact_id), false) AS opted_out",
        )
        .bind(id.0)
        .bind(n)
        .bind(after.unwrap_or(i32::MIN))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows.iter().map(claimed_from_row).collect::<Result<_, _>>()?)
    }

    async fn claimed(&self, filter: &str, id: CampaignId, n: i64) -> Result<Vec<Claimed>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(&format!(
            "SELECT r.id, r.position, r.contact_id, r.parameters, r.attempt, r.variant, COALESCE((SELECT NOT k.opted_in FROM contacts k WHERE k.id = r.contact_id), false) AS opted_out
             FROM campaign_recipients r WHERE r.campaign_id = $1 AND r.{filter} ORDER BY r.position LIMIT $2"
        ))
        .bind(id.0)
        .bind(n)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows.iter().map(claimed_from_row).collect::<Result<_, _>>()?)
    }

    /// Records what became of recipients handed over, in one statement:
    /// linked to their message, skipped, or back to pending.
    pub async fn record_hand_overs(&self, handed: &[Handed]) -> Result<(), DbError> {
        if handed.is_empty() {
            return Ok(());
        }
        let mut ids = Vec::with_capacity(handed.len());
        let mut statuses = Vec::with_capacity(handed.len());
        let mut messages: Vec<Option<uuid::Uuid>> = Vec::with_capacity(handed.len());
        let mut reasons: Vec<Option<&str>> = Vec::with_capacity(handed.len());
        for h in handed {
            let (id, status, message, reason) = match h {
                Handed::Queued(r, m) => (r, "queued", Some(m.0), None),
                Handed::Skipped(r, why) => (r, "skipped", None, Some(why.as_str())),
                Handed::Released(r) => (r, "pending", None, None),
            };
            ids.push(id.0);
            statuses.push(status);
            messages.push(message);
            reasons.push(reason);
        }
        let mut tx = self.db.tx().await?;
        sqlx::query(
            "UPDATE campaign_recipients r SET
                 status = CASE WHEN u.status = 'pending' AND c.status = 'cancelled' THEN 'cancelled' ELSE u.status END,
                 message_id = COALESCE(u.message_id, r.message_id), skip_reason = COALESCE(u.reason, r.skip_reason), updated_at = now()
             FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[]) AS u(id, status, message_id, reason), campaigns c
             WHERE r.id = u.id AND r.status = 'sending' AND c.id = r.campaign_id",
        )
        .bind(&ids)
        .bind(&statuses)
        .bind(&messages)
        .bind(&reasons)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The message stored under a send key, if any (the key names the
    /// campaign and the recipient, so it is unique in the tenant).
    pub async fn message_for_key(&self, client_id: &str) -> Result<Option<MessageId>, DbError> {
        let mut tx = self.db.tx().await?;
        let id: Option<uuid::Uuid> = sqlx::query_scalar("SELECT id FROM messages WHERE client_id = $1 AND direction = 'outbound' LIMIT 1")
            .bind(client_id)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id.map(MessageId))
    }

    /// The messages of recipients handed over in the last `window` that
    /// Meta has not answered yet, each with how long ago it was handed
    /// over: where a campaign's pacing starts when its actor starts (from
    /// then on it follows its own sends, [`Self::unanswered`]).
    pub async fn in_flight(&self, id: CampaignId, window: std::time::Duration) -> Result<Vec<(MessageId, f64)>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows: Vec<(uuid::Uuid, f64)> = sqlx::query_as(
            "SELECT m.id, extract(epoch FROM now() - r.updated_at)::float8
             FROM campaign_recipients r JOIN messages m ON m.id = r.message_id AND m.tenant_id = r.tenant_id
             WHERE r.campaign_id = $1 AND r.status = 'queued' AND r.updated_at > now() - make_interval(secs => $2)
               AND m.status = 'pending'",
        )
        .bind(id.0)
        .bind(window.as_secs_f64())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(|(m, age)| (MessageId(m), age.max(0.0))).collect())
    }

    /// Which of `messages` Meta has not answered yet (neither accepted nor
    /// refused): one key lookup each, so a campaign's pacing costs what it
    /// has in flight, not what it sent in the last seconds.
    pub async fn unanswered(&self, messages: &[MessageId]) -> Result<Vec<MessageId>, DbError> {
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<uuid::Uuid> = messages.iter().map(|m| m.0).collect();
        let mut tx = self.db.tx().await?;
        let rows: Vec<uuid::Uuid> =
            sqlx::query_scalar("SELECT id FROM messages WHERE id = ANY($1) AND status = 'pending'").bind(&ids).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(MessageId).collect())
    }

    /// The first failure of this campaign since it last started or resumed
    /// that must stop it (an account block, a spam limit, a template Meta
    /// will not send): its code and title. One that paused it before does
    /// not pause it again after an admin resumed it.
    pub async fn stopping_failure(&self, id: CampaignId, codes: &[i64]) -> Result<Option<(i64, String)>, DbError> {
        self.first_failure("campaign_recipients", id, codes).await
    }

    /// The first message of `rows` (a table of the campaign's sends with
    /// `campaign_id` and `message_id`: `campaign_recipients` or
    /// `drip_sends`) that failed with one of `codes` since the campaign last
    /// started or resumed: its code and title. Read from the tenant's
    /// failed sends of that time (`messages_failed_idx`), which are few,
    /// not from every send of the campaign.
    pub(super) async fn first_failure(&self, rows: &'static str, id: CampaignId, codes: &[i64]) -> Result<Option<(i64, String)>, DbError> {
        let mut tx = self.db.tx().await?;
        let row: Option<(Option<String>, Option<String>)> = sqlx::query_as(&format!(
            "SELECT m.errors->0->>'code', m.errors->0->>'title' FROM campaigns c
             JOIN messages m ON m.tenant_id = c.tenant_id AND m.direction = 'outbound' AND m.failed_at IS NOT NULL
                            AND m.status = 'failed' AND m.failed_at >= COALESCE(c.running_since, c.started_at, '-infinity')
             WHERE c.id = $1 AND (m.errors->0->>'code')::bigint = ANY($2)
               AND EXISTS (SELECT 1 FROM {rows} r WHERE r.message_id = m.id AND r.tenant_id = m.tenant_id AND r.campaign_id = c.id)
             LIMIT 1"
        ))
        .bind(id.0)
        .bind(codes)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.and_then(|(code, title)| Some((code?.parse().ok()?, title.unwrap_or_default()))))
    }

    /// The counts, computed from the recipient rows and their messages.
    pub async fn stats(&self, id: CampaignId) -> Result<CampaignStats, DbError> {
        self.stats_with(id, None).await
    }

    /// The counts without recomputing replies and cost (a lookup per
    /// recipient each): those are taken from `earlier`, a full [`stats`]
    /// of a moment ago. Live progress uses this between full counts.
    ///
    /// [`stats`]: Self::stats
    pub async fn counts(&self, id: CampaignId, earlier: &CampaignStats) -> Result<CampaignStats, DbError> {
        self.stats_with(id, Some(earlier)).await
    }

    async fn stats_with(&self, id: CampaignId, earlier: Option<&CampaignStats>) -> Result<CampaignStats, DbError> {
        let (cost, replied, clicked) = match earlier {
            Some(_) => ("0", "NULL::timestamptz", "NULL::text"),
            None => (COST_E4, REPLIED_AT, CLICKED),
        };
        let mut tx = self.db.tx().await?;
        // Each recipient's message is looked up by key, whatever the planner
        // believes of the tables' sizes: planned while `messages` was nearly
        // empty (a new installation's first large campaign, counted as it
        // starts), the count joined by scanning `messages` once per
        // recipient, and as the campaign filled it the statement ran for
        // minutes (and held back vacuum all along). The timeout bounds what
        // any other plan could cost.
        sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut *tx).await?;
        sqlx::query("SET LOCAL statement_timeout = '60s'").execute(&mut *tx).await?;
        let rows = sqlx::query(&format!(
            "WITH x AS (
               SELECT {EFFECTIVE_STATUS} AS status, r.variant, r.skip_reason, m.errors->0->>'code' AS error_code,
                      (r.status = 'pending' AND r.retry_at IS NOT NULL) AS retrying,
                      CASE WHEN r.status = 'pending' AND (r.send_after IS NOT NULL OR c.quiet_hours IS NOT NULL)
                           THEN waits_for_local_time(r.send_after, r.timezone, c.quiet_hours) ELSE false END AS waiting_local,
                      CASE WHEN m.id IS NULL THEN 0 ELSE {cost} END AS cost_e4,
                      CASE WHEN m.id IS NULL THEN NULL ELSE {replied} END AS replied_at,
                      CASE WHEN m.id IS NULL OR m.wamid IS NULL THEN NULL ELSE {clicked} END AS clicked
               FROM campaign_recipients r
               JOIN campaigns c ON c.id = r.campaign_id
               LEFT JOIN messages m ON m.id = r.message_id AND m.tenant_id = r.tenant_id
               WHERE r.campaign_id = $1)
             SELECT status, variant, skip_reason, error_code, clicked, count(*) AS n, sum(cost_e4)::bigint AS cost_e4,
                    count(replied_at) AS replied, count(*) FILTER (WHERE retrying) AS retrying,
                    count(*) FILTER (WHERE waiting_local) AS waiting_local
             FROM x GROUP BY status, variant, skip_reason, error_code, clicked"
        ))
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
        let split: Option<(String, String, Option<Value>)> =
            sqlx::query_as("SELECT template_name, template_language, variant_b FROM campaigns WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
        let currency: Option<String> =
            sqlx::query_scalar("SELECT currency FROM rate_cards ORDER BY tenant_id IS NULL LIMIT 1").fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        let mut s = CampaignStats::default();
        let mut cost_e4 = 0i64;
        let mut by_variant: BTreeMap<String, VariantStats> = BTreeMap::new();
        for r in &rows {
            let status: String = r.try_get("status")?;
            let n: i64 = r.try_get("n")?;
            let v = by_variant.entry(r.try_get("variant")?).or_default();
            v.count(&status, n, r.try_get::<i64, _>("replied")?, r.try_get::<Option<String>, _>("clicked")?.is_some());
            cost_e4 += r.try_get::<Option<i64>, _>("cost_e4")?.unwrap_or(0);
            s.replied += r.try_get::<i64, _>("replied")?;
            s.retrying += r.try_get::<i64, _>("retrying")?;
            s.waiting_local_time += r.try_get::<i64, _>("waiting_local")?;
            if let Some(button) = r.try_get::<Option<String>, _>("clicked")? {
                s.clicked += n;
                *s.by_button.entry(button).or_default() += n;
            }
            s.audience += n;
            match status.as_str() {
                "skipped" => {
                    s.skipped += n;
                    let reason: Option<String> = r.try_get("skip_reason")?;
                    *s.by_skip_reason.entry(reason.unwrap_or_else(|| "unknown".into())).or_default() += n;
                }
                "pending" => s.pending += n,
                "sending" => s.sending += n,
                "accepted" => s.accepted += n,
                "sent" => s.sent += n,
                "delivered" => s.delivered += n,
                "read" => s.read += n,
                "cancelled" => s.cancelled += n,
                "unconfirmed" => s.unconfirmed += n,
                _ => {
                    s.failed += n;
                    let code: Option<String> = r.try_get("error_code")?;
                    *s.by_error.entry(code.unwrap_or_else(|| "unknown".into())).or_default() += n;
                }
            }
        }
        if let Some(e) = earlier {
            s.replied = e.replied;
            s.clicked = e.clicked;
            s.by_button = e.by_button.clone();
            cost_e4 = e.cost.amount_e4;
        }
        s.funnel = Funnel { sent: s.sent + s.delivered + s.read, delivered: s.delivered + s.read, read: s.read, replied: s.replied };
        if let Some((name, language, Some(b))) = split {
            let template_b: Option<TemplateRef> = serde_json::from_value(b["template"].clone()).ok();
            for (variant, template) in [(Variant::A, Some(TemplateRef { name, language })), (Variant::B, template_b)] {
                let mut v = by_variant.remove(variant.as_str()).unwrap_or_default();
                v.variant = variant;
                v.template = template.unwrap_or_default();
                if earlier.is_some() {
                    // Replies and taps are counted in full only every few seconds.
                    let before = earlier.and_then(|e| e.variants.iter().find(|x| x.variant == variant));
                    v.replied = before.map_or(0, |b| b.replied);
                    v.clicked = before.map_or(0, |b| b.clicked);
                }
                s.variants.push(v);
            }
        }
        s.cost = Cost::from_e4(currency.unwrap_or_else(|| "INR".into()), cost_e4);
        Ok(s)
    }

    /// One page of recipients in audience order (optionally of one status),
    /// after position `after`.
    pub async fn recipients(
        &self,
        id: CampaignId,
        status: Option<&str>,
        after: Option<i32>,
        limit: i64,
    ) -> Result<(Vec<RecipientView>, Option<i32>), DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(&format!(
            "SELECT * FROM (
               SELECT r.position, r.id, r.contact_id, r.phone, {EFFECTIVE_STATUS} AS status, r.skip_reason, m.wamid, m.id AS message_id,
                      r.attempt, r.retry_at, r.timezone, r.send_after, r.variant,
                      (m.errors->0->>'code')::bigint AS error_code, m.errors->0->>'title' AS error_title,
                      m.sent_at, COALESCE(m.delivered_at, m.read_at) AS delivered_at, m.read_at,
                      CASE WHEN m.id IS NULL THEN NULL ELSE {REPLIED_AT} END AS replied_at,
                      CASE WHEN m.id IS NULL THEN 0 ELSE {COST_E4} END AS cost_e4,
                      CASE WHEN m.id IS NULL OR m.wamid IS NULL THEN NULL ELSE {CLICKED} END AS clicked
               FROM campaign_recipients r
               LEFT JOIN messages m ON m.id = r.message_id AND m.tenant_id = r.tenant_id
               WHERE r.campaign_id = $1 AND r.position > $2) x
             WHERE $3::text IS NULL OR x.status = $3
             ORDER BY x.position LIMIT $4"
        ))
        .bind(id.0)
        .bind(after.unwrap_or(-1))
        .bind(status)
        .bind(limit + 1)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let more = rows.len() as i64 > limit;
        let mut out = Vec::with_capacity(rows.len());
        let mut last = None;
        for r in rows.iter().take(usize::try_from(limit).unwrap_or(0)) {
            last = Some(r.try_get::<i32, _>("position")?);
            let code: Option<i64> = r.try_get("error_code")?;
            out.push(RecipientView {
                id: RecipientId(r.try_get("id")?),
                contact_id: r.try_get::<Option<uuid::Uuid>, _>("contact_id")?.map(ContactId),
                phone: r.try_get("phone")?,
                status: r.try_get("status")?,
                skip_reason: r.try_get("skip_reason")?,
                wamid: r.try_get("wamid")?,
                error: code.map(|code| RecipientError {
                    code,
                    title: r.try_get::<Option<String>, _>("error_title").ok().flatten().unwrap_or_default(),
                }),
                message_id: r.try_get::<Option<uuid::Uuid>, _>("message_id")?.map(MessageId),
                sent_at: r.try_get("sent_at")?,
                delivered_at: r.try_get("delivered_at")?,
                read_at: r.try_get("read_at")?,
                replied_at: r.try_get("replied_at")?,
                cost_e4: r.try_get::<Option<i64>, _>("cost_e4")?.unwrap_or(0),
                attempt: r.try_get("attempt")?,
                retry_at: r.try_get("retry_at")?,
                clicked: r.try_get("clicked")?,
                timezone: r.try_get("timezone")?,
                send_after: r.try_get("send_after")?,
                variant: Variant::parse(r.try_get::<&str, _>("variant")?),
            });
        }
        Ok((out, if more { last } else { None }))
    }

    /// How many more unique customers the number's business portfolio may
    /// be sent templates to in the moving 24 hours: None when Meta reported
    /// no limit (or unlimited), with the limit itself.
    pub async fn messaging_room(&self, channel: ChannelId) -> Result<Option<(i64, i64)>, DbError> {
        let mut tx = self.db.tx().await?;
        let row: Option<(Option<i32>, i64)> = sqlx::query_as(
            "SELECT l.daily_limit,
                    (SELECT count(DISTINCT cv.contact_id) FROM messages m
                       JOIN conversations cv ON cv.tenant_id = m.tenant_id AND cv.id = m.conversation_id
                       JOIN channels ch ON ch.tenant_id = cv.tenant_id AND ch.id = cv.channel_id
                     WHERE m.tenant_id = l.tenant_id AND ch.waba_id = l.waba_id AND m.direction = 'outbound' AND m.type = 'template'
                       AND m.status <> 'failed' AND m.created_at > now() - interval '24 hours')
             FROM channels c JOIN messaging_limits l ON l.tenant_id = c.tenant_id AND l.waba_id = c.waba_id
             WHERE c.id = $1",
        )
        .bind(channel.0)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.and_then(|(limit, used)| limit.map(|l| (i64::from(l) - used, i64::from(l)))))
    }

    /// Puts back to pending (for 24 hours) the recipients handed over in the
    /// last minutes whose message failed with 131049 before they were linked
    /// to it, which the status trigger could not see then. Runs with the
    /// stopping rules, off the sending path. Read from the tenant's sends
    /// that failed since the campaign started (`messages_failed_idx`), which
    /// are few, not from every recipient handed over in those minutes (all
    /// of them at 800 a second: 165 ms a call).
    pub async fn retry_missed_limits(&self, id: CampaignId) -> Result<(), DbError> {
        let mut tx = self.db.tx().await?;
        sqlx::query(
            "SELECT campaign_retry_later(ARRAY(
                 SELECT m.id FROM campaigns c
                 JOIN messages m ON m.tenant_id = c.tenant_id AND m.direction = 'outbound' AND m.failed_at IS NOT NULL
                                AND m.failed_at >= COALESCE(c.started_at, '-infinity')
                 JOIN campaign_recipients r ON r.message_id = m.id AND r.tenant_id = m.tenant_id AND r.campaign_id = c.id
                 WHERE c.id = $1 AND r.status = 'queued' AND r.updated_at > now() - interval '5 minutes' AND r.attempt < 2
                   AND m.status = 'failed' AND m.errors -> 0 ->> 'code' = '131049'))",
        )
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Recipients waiting for their own local send time or the end of their
    /// quiet hours, and the next local send time among them (None: none wait).
    pub async fn local_waiting(&self, id: CampaignId) -> Result<Option<(i64, Option<DateTime<Utc>>)>, DbError> {
        let mut tx = self.db.tx().await?;
        // Only a campaign with local send times or quiet hours has any; the
        // others skip the scan of their pending recipients.
        let row: (i64, Option<DateTime<Utc>>) = sqlx::query_as(
            "SELECT count(*), min(r.send_after) FILTER (WHERE r.send_after > now()) FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id
             WHERE r.campaign_id = $1 AND (c.local_send IS NOT NULL OR c.quiet_hours IS NOT NULL)
               AND r.status = 'pending' AND waits_for_local_time(r.send_after, r.timezone, c.quiet_hours)",
        )
        .bind(id.0)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((row.0 > 0).then_some(row))
    }

    /// Recipients waiting out Meta's per-user marketing limit, and when
    /// the first of them is sent again (None: none wait).
    pub async fn retry_waiting(&self, id: CampaignId) -> Result<Option<(i64, DateTime<Utc>)>, DbError> {
        let mut tx = self.db.tx().await?;
        let row: (i64, Option<DateTime<Utc>>) = sqlx::query_as(
            "SELECT count(*), min(retry_at) FROM campaign_recipients WHERE campaign_id = $1 AND status = 'pending' AND retry_at IS NOT NULL
               AND retry_at > now()",
        )
        .bind(id.0)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.1.map(|at| (row.0, at)))
    }

    /// Sets (or clears) why a running campaign waits.
    pub async fn set_waiting(&self, id: CampaignId, reason: Option<&str>) -> Result<(), DbError> {
        let mut tx = self.db.tx().await?;
        sqlx::query("UPDATE campaigns SET waiting_reason = $2, updated_at = now() WHERE id = $1 AND waiting_reason IS DISTINCT FROM $2")
            .bind(id.0)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The rate card's currency and rate (ten-thousandths) for a category,
    /// any country: what a preview estimates with.
    pub async fn rate_e4(&self, category: &str) -> Result<(String, i64), DbError> {
        let mut tx = self.db.tx().await?;
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT currency, rate_e4 FROM rate_cards WHERE category = $1 AND country_prefix = '*' AND effective_from <= current_date
             ORDER BY tenant_id IS NULL, effective_from DESC LIMIT 1",
        )
        .bind(category)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.unwrap_or_else(|| ("INR".into(), 0)))
    }

    /// The template's review status, category, components and WABA, if the
    /// tenant has it.
    pub async fn template_state(&self, t: &TemplateRef) -> Result<Option<(String, Option<String>, Value, String)>, DbError> {
        let mut tx = self.db.tx().await?;
        let row: Option<(String, Option<String>, Value, String)> =
            sqlx::query_as("SELECT status, category, components, waba_id FROM templates WHERE name = $1 AND language = $2")
                .bind(&t.name)
                .bind(&t.language)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The recipients of an earlier campaign whom `rule` reaches again, in
    /// its audience order: still opted in, never replied to their message;
    /// a CSV campaign's recipients keep their row's columns.
    pub async fn retarget_contacts(&self, source: CampaignId, rule: RetargetRule, limit: i64) -> Result<Vec<AudienceContact>, DbError> {
        let which = match rule {
            RetargetRule::DeliveredNotRead { .. } => "m.status = 'delivered' AND m.delivered_at <= now() - make_interval(hours => $3)",
            RetargetRule::ReadNoReply => "m.status IN ('read', 'played')",
            RetargetRule::FailedRetryable => "m.status = 'failed' AND (m.errors->0->>'code')::bigint = ANY($4)",
        };
        let hours = match rule {
            RetargetRule::DeliveredNotRead { after_hours } => i32::try_from(after_hours).unwrap_or(i32::MAX),
            _ => 0,
        };
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(&format!(
            "SELECT k.id, k.phone, k.name, k.custom_fields, k.opted_in, a.columns, a.line
             FROM campaign_recipients r
             JOIN messages m ON m.id = r.message_id AND m.tenant_id = r.tenant_id
             JOIN contacts k ON k.id = r.contact_id
             LEFT JOIN LATERAL (SELECT a.columns, a.line FROM campaign_audience_rows a
                                WHERE a.campaign_id = r.campaign_id AND a.phone = r.phone ORDER BY a.line LIMIT 1) a ON true
             WHERE r.campaign_id = $1 AND r.status = 'queued' AND k.opted_in AND {which}
               AND NOT EXISTS (SELECT 1 FROM messages i WHERE i.tenant_id = m.tenant_id AND i.conversation_id = m.conversation_id
                                 AND i.direction = 'inbound' AND i.seq > m.seq)
             ORDER BY r.position LIMIT $2"
        ))
        .bind(source.0)
        .bind(limit)
        .bind(hours)
        .bind(&RETRYABLE_ERRORS[..])
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows.iter().map(audience_contact).collect::<Result<_, _>>()?)
    }

    /// Replaces a draft's uploaded audience; false when it is not a draft.
    pub async fn set_csv_audience(
        &self,
        id: CampaignId,
        columns: &[String],
        rows: &[crate::campaigns::csv::AudienceRow],
    ) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let audience = serde_json::json!({"csv": {"rows": rows.len(), "columns": columns}});
        let updated = sqlx::query("UPDATE campaigns SET audience = $2, updated_at = now() WHERE id = $1 AND status = 'draft'")
            .bind(id.0)
            .bind(&audience)
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM campaign_audience_rows WHERE campaign_id = $1").bind(id.0).execute(&mut *tx).await?;
        for chunk in rows.chunks(5_000) {
            let lines: Vec<i32> = chunk.iter().map(|r| r.line).collect();
            let phones: Vec<&str> = chunk.iter().map(|r| r.phone.as_str()).collect();
            let columns: Vec<Value> = chunk.iter().map(|r| Value::Object(r.columns.clone())).collect();
            sqlx::query(
                "INSERT INTO campaign_audience_rows (tenant_id, campaign_id, line, phone, columns)
                 SELECT $1, $2, u.line, u.phone, u.columns FROM unnest($3::int[], $4::text[], $5::jsonb[]) AS u(line, phone, columns)",
            )
            .bind(self.db.tenant.0)
            .bind(id.0)
            .bind(&lines)
            .bind(&phones)
            .bind(&columns)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The contacts of an uploaded audience, in file order, each with its
    /// row. With `create`, a number that is not a contact yet becomes one
    /// (opted in: uploading it for a campaign asserts consent the way an
    /// import does); without (a preview), it is listed with no contact.
    pub async fn csv_audience_contacts(&self, id: CampaignId, create: bool) -> Result<Vec<AudienceContact>, DbError> {
        let mut tx = self.db.tx().await?;
        if create {
            sqlx::query(
                "INSERT INTO contacts (id, tenant_id, phone) SELECT gen_random_uuid(), $1, a.phone FROM campaign_audience_rows a
                 WHERE a.campaign_id = $2 ON CONFLICT (tenant_id, phone) WHERE phone IS NOT NULL DO NOTHING",
            )
            .bind(self.db.tenant.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        }
        let rows = sqlx::query(
            "SELECT k.id, a.phone, k.name, COALESCE(k.custom_fields, '{}') AS custom_fields, COALESCE(k.opted_in, true) AS opted_in,
                    a.columns, a.line FROM campaign_audience_rows a
             LEFT JOIN contacts k ON k.tenant_id = a.tenant_id AND k.phone = a.phone
             WHERE a.campaign_id = $1 ORDER BY a.line",
        )
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(AudienceContact {
                    id: r.try_get::<Option<uuid::Uuid>, _>("id")?.map(ContactId),
                    phone: r.try_get("phone")?,
                    name: r.try_get("name")?,
                    custom_fields: r.try_get("custom_fields")?,
                    opted_in: r.try_get("opted_in")?,
                    columns: r.try_get::<Value, _>("columns")?.as_object().cloned(),
                    line: Some(r.try_get("line")?),
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// The contacts an audience names: by tags (any of them) or by ids, in
    /// a stable order, with what parameters can be taken from.
    pub async fn audience_contacts(&self, tags: &[String], ids: &[uuid::Uuid], limit: i64) -> Result<Vec<AudienceContact>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(
            "SELECT id, phone, name, custom_fields, opted_in FROM contacts
             WHERE (cardinality($1::text[]) > 0 AND tags && $1) OR id = ANY($2)
             ORDER BY created_at, id LIMIT $3",
        )
        .bind(tags)
        .bind(ids)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows.iter().map(audience_contact).collect::<Result<_, _>>()?)
    }
}

/// Reads an audience contact row (`columns` and `line` optional).
pub(super) fn audience_contact(r: &PgRow) -> Result<AudienceContact, sqlx::Error> {
    Ok(AudienceContact {
        id: Some(ContactId(r.try_get("id")?)),
        phone: r.try_get("phone")?,
        name: r.try_get("name")?,
        custom_fields: r.try_get("custom_fields")?,
        opted_in: r.try_get("opted_in")?,
        columns: r.try_get::<Option<Value>, _>("columns").ok().flatten().and_then(|v| v.as_object().cloned()),
        line: r.try_get("line").ok().flatten(),
    })
}

/// A contact of an audience, with what parameters are taken from.
#[derive(Debug, Clone)]
pub struct AudienceContact {
    /// The contact (None: a CSV number that becomes a contact at launch).
    pub id: Option<ContactId>,
    /// E.164 phone.
    pub phone: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Custom fields.
    pub custom_fields: Value,
    /// Marketing consent.
    pub opted_in: bool,
    /// Their row's columns, for a CSV audience.
    pub columns: Option<serde_json::Map<String, Value>>,
    /// Their line in the CSV.
    pub line: Option<i32>,
}

fn claimed_from_row(r: &PgRow) -> Result<Claimed, sqlx::Error> {
    Ok(Claimed {
        id: RecipientId(r.try_get("id")?),
        position: r.try_get("position")?,
        contact_id: r.try_get::<Option<uuid::Uuid>, _>("contact_id")?.map(ContactId),
        parameters: r.try_get("parameters")?,
        opted_out: r.try_get("opted_out")?,
        attempt: r.try_get("attempt")?,
        variant: Variant::parse(r.try_get::<&str, _>("variant")?),
    })
}

/// A campaign the server must drive or start.
#[derive(Debug, Clone, Copy)]
pub struct ActiveCampaign {
    /// Its tenant.
    pub tenant: TenantId,
    /// It.
    pub id: CampaignId,
    /// Running, or scheduled and due.
    pub due_to_start: bool,
}
