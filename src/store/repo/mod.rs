//! Repositories: every query the HTTP edge needs, one module per aggregate,
//! reached as `db.tenant(t).contacts().get(id)`. Each call runs in a
//! transaction scoped to its tenant (row-level security applies), so a
//! handler only parses, authorizes, calls and maps; it never sees SQL.
//!
//! Calls fail with a [`DbError`]: the database is unavailable (retry), a
//! uniqueness rule refused the write (a [`Conflict`] the edge turns into a
//! 409 naming the fix), or something else (logged, never shown).

pub mod activity;
pub mod admin;
pub mod affiliates;
pub mod analytics;
pub mod audit;
pub mod automations;
pub mod billing;
pub mod campaigns;
pub mod canned;
pub mod channels;
pub mod contacts;
pub mod conversations;
pub mod dead_letters;
pub mod demo;
pub mod drips;
pub mod flows;
pub mod gdpr;
pub mod keys;
pub mod partners;
pub mod plans;
pub mod platform;
pub mod scheduled;
pub mod security;
pub mod segments;
pub mod service;
pub mod settings;
pub mod teams;
pub mod templates;
pub mod usage;
pub mod users;
pub mod wallet;
pub mod webhooks_out;

use crate::db::tenant_tx;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use whatsflow_actors::ids::TenantId;

/// A position in a list ordered by (time, id), newest first: where the
/// next page starts.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Cursor {
    /// Sort time of the last row seen.
    pub t: DateTime<Utc>,
    /// Id of the last row seen.
    pub id: uuid::Uuid,
}

impl Cursor {
    /// The opaque string form.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Parses what [`encode`](Self::encode) made.
    pub fn decode(s: &str) -> Option<Self> {
        URL_SAFE_NO_PAD.decode(s).ok().and_then(|b| serde_json::from_slice(&b).ok())
    }
}

/// One page of a list and where the next begins (None: the end).
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// The next page's cursor.
    pub next: Option<Cursor>,
}

/// Cuts `limit + 1` fetched rows into a page.
fn paginate<R, T>(
    mut rows: Vec<R>,
    limit: i64,
    to_item: impl Fn(&R) -> Result<T, sqlx::Error>,
    cursor_of: impl Fn(&R) -> Result<Cursor, sqlx::Error>,
) -> Result<Page<T>, DbError> {
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next = match (more, rows.last()) {
        (true, Some(last)) => Some(cursor_of(last)?),
        _ => None,
    };
    let items = rows.iter().map(to_item).collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, next })
}

/// Most tags on one contact or conversation.
pub const MAX_TAGS: usize = 50;

/// What adding tags did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagsAdded {
    /// The tags now.
    Done(Vec<String>),
    /// No such row.
    NotFound,
    /// It would have more than [`MAX_TAGS`]; nothing changed.
    TooMany,
}

/// Adds tags to a row of `table` (contacts or conversations), all or nothing.
async fn add_tags(db: &TenantDb<'_>, table: &'static str, id: uuid::Uuid, tags: &[String]) -> Result<TagsAdded, DbError> {
    let mut tx = db.tx().await?;
    let out: Option<Vec<String>> = sqlx::query_scalar(&format!(
        "UPDATE {table} SET tags = ARRAY(SELECT DISTINCT t FROM unnest(tags || $2::text[]) t ORDER BY t), updated_at = now() WHERE id = $1 RETURNING tags"
    ))
    .bind(id)
    .bind(tags)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(out) = out else { return Ok(TagsAdded::NotFound) };
    if out.len() > MAX_TAGS {
        // Dropping the transaction rolls the change back.
        return Ok(TagsAdded::TooMany);
    }
    tx.commit().await?;
    Ok(TagsAdded::Done(out))
}

/// Removes a tag from a row of `table`; its tags now, None when no such row.
async fn remove_tag(db: &TenantDb<'_>, table: &'static str, id: uuid::Uuid, tag: &str) -> Result<Option<Vec<String>>, DbError> {
    let mut tx = db.tx().await?;
    let out =
        sqlx::query_scalar(&format!("UPDATE {table} SET tags = array_remove(tags, $2), updated_at = now() WHERE id = $1 RETURNING tags"))
            .bind(id)
            .bind(tag)
            .fetch_optional(&mut *tx)
            .await?;
    tx.commit().await?;
    Ok(out)
}

/// What a repository call failed with.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database cannot be reached now: the caller may retry.
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// A uniqueness rule refused the write.
    #[error("{0}")]
    Conflict(Conflict),
    /// The tenant's plan allows no more of this (nothing was written).
    #[error("{0}")]
    LimitReached(crate::plans::LimitReached),
    /// Anything else: a bug or unexpected data.
    #[error("database error: {0}")]
    Other(#[source] sqlx::Error),
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        if crate::db::is_unavailable(&e) {
            Self::Unavailable(e)
        } else {
            Self::Other(e)
        }
    }
}

impl DbError {
    /// This error, or `conflict` when it is the violation of `constraint`.
    pub fn on_constraint(e: sqlx::Error, constraint: &str, conflict: Conflict) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.constraint() == Some(constraint) => Self::Conflict(conflict),
            _ => e.into(),
        }
    }

    /// This error, or `conflict` when it is any unique violation.
    pub fn on_unique(e: sqlx::Error, conflict: Conflict) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict(conflict),
            _ => e.into(),
        }
    }
}

/// The uniqueness rules a write can run into, in the domain's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// One account per email, platform-wide.
    #[error("an account with {0} already exists")]
    EmailTaken(String),
    /// One contact per phone number in a tenant.
    #[error("a contact with this phone number exists")]
    ContactExists,
    /// A phone number id (or a Meta app id) is connected once, platform-wide.
    #[error("this `{0}` is already connected")]
    ChannelExists(&'static str),
    /// The number's WABA or token changed while this change was checked with Meta.
    #[error("this number's WhatsApp Business Account or token was changed meanwhile")]
    ChannelChanged,
    /// A WhatsApp Business Account belongs to one tenant.
    #[error("WhatsApp Business Account {0} is connected to another whatsflow account")]
    WabaInUse(String),
    /// A tenant's own Meta app belongs to one tenant.
    #[error("this Meta app is connected to another account")]
    AppInUse,
    /// One template per name and language in a tenant.
    #[error("a template `{name}` in `{language}` exists")]
    TemplateExists {
        /// Its name.
        name: String,
        /// Its language.
        language: String,
    },
    /// A flow with live runs cannot be deleted.
    #[error("{0} run(s) of this flow are live")]
    FlowInUse(i64),
    /// One segment per name (any case) in a tenant.
    #[error("a segment named `{0}` exists")]
    SegmentExists(String),
    /// One plan per code.
    #[error("a plan with code `{0}` exists")]
    PlanExists(String),
    /// A segment that a draft or scheduled campaign will read at launch.
    #[error("the campaign(s) {0} use this segment as their audience")]
    SegmentInUse(String),
    /// One team per name (any case) in a tenant.
    #[error("a team named `{0}` exists")]
    TeamExists(String),
    /// One shared canned reply per shortcut, and one personal per person and shortcut.
    #[error("a canned reply `/{0}` exists")]
    CannedReplyExists(String),
    #[error("the partner address `{0}` is taken")]
    SlugTaken(String),
    #[error("the domain {0} is already added")]
    DomainTaken(String),
    #[error("you are already in the affiliate programme")]
    AffiliateExists,
}

/// The database, as repositories see it.
#[derive(Clone)]
pub struct Db {
    pool: PgPool,
}

impl Db {
    /// Repositories over `pool` (logged in as the app role).
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// The repositories of one tenant.
    pub fn tenant(&self, tenant: TenantId) -> TenantDb<'_> {
        TenantDb { pool: &self.pool, tenant }
    }

    /// The owner of a live mailed token (password reset, verification).
    pub async fn auth_token_owner(&self, hash: &[u8]) -> Result<Option<(TenantId, whatsflow_actors::ids::UserId, String)>, DbError> {
        Ok(security::token_owner(&self.pool, hash).await?.map(|(u, t, p)| (t, u, p)))
    }

    /// The meter's platform-wide sweep (limit alerts).
    pub fn meter(&self) -> usage::Meter<'_> {
        usage::Meter { pool: &self.pool }
    }

    /// Billing's platform side (Razorpay webhooks, refunds, overdue accounts).
    pub fn billing(&self) -> billing::Billing<'_> {
        billing::Billing { pool: &self.pool }
    }

    /// The audit log.
    pub fn audit(&self) -> audit::Audit<'_> {
        audit::Audit { pool: &self.pool }
    }

    /// The platform operators' view across tenants.
    pub fn admin(&self) -> admin::Admin<'_> {
        admin::Admin { pool: &self.pool }
    }

    /// The platform's plans.
    pub fn plans(&self) -> plans::Plans<'_> {
        plans::Plans { pool: &self.pool }
    }

    /// Lookups that cross tenants on purpose (login by email, API keys),
    /// through the definer functions made for them.
    /// Referral affiliates and payouts; links go to `public_url`.
    pub fn affiliates<'a>(&'a self, public_url: &'a str) -> affiliates::Affiliates<'a> {
        affiliates::Affiliates { pool: &self.pool, public_url }
    }

    /// White-label partners; their hosts live under `base_domain`.
    pub fn partners<'a>(&'a self, base_domain: Option<&'a str>) -> partners::Partners<'a> {
        partners::Partners { pool: &self.pool, base_domain }
    }

    pub fn platform(&self) -> platform::Platform<'_> {
        platform::Platform { pool: &self.pool }
    }
}

/// One tenant's repositories.
#[derive(Clone, Copy)]
pub struct TenantDb<'a> {
    pool: &'a PgPool,
    tenant: TenantId,
}

impl<'a> TenantDb<'a> {
    /// A transaction scoped to the tenant.
    async fn tx(&self) -> Result<Transaction<'static, Postgres>, DbError> {
        Ok(tenant_tx(self.pool, self.tenant).await?)
    }

    /// Its tenant.
    pub fn id(&self) -> TenantId {
        self.tenant
    }

    /// Its team.
    pub fn users(self) -> users::Users<'a> {
        users::Users { db: self }
    }

    /// Its numbers.
    pub fn channels(self) -> channels::Channels<'a> {
        channels::Channels { db: self }
    }

    /// Its customers.
    pub fn contacts(self) -> contacts::Contacts<'a> {
        contacts::Contacts { db: self }
    }

    /// Its conversations, their messages and notes.
    pub fn conversations(self) -> conversations::Conversations<'a> {
        conversations::Conversations { db: self }
    }

    /// Its flows and their runs.
    pub fn flows(self) -> flows::Flows<'a> {
        flows::Flows { db: self }
    }

    /// Its message templates.
    pub fn templates(self) -> templates::Templates<'a> {
        templates::Templates { db: self }
    }

    /// Its API keys.
    pub fn keys(self) -> keys::Keys<'a> {
        keys::Keys { db: self }
    }

    /// Its dashboard numbers.
    pub fn analytics(self) -> analytics::Analytics<'a> {
        analytics::Analytics { db: self }
    }

    /// Its drip sequences and their enrolments.
    pub fn drips(self) -> drips::Drips<'a> {
        drips::Drips { db: self }
    }

    /// Its scheduled messages.
    pub fn scheduled(self) -> scheduled::Scheduled<'a> {
        scheduled::Scheduled { db: self }
    }

    /// Its broadcast campaigns.
    pub fn campaigns(self) -> campaigns::Campaigns<'a> {
        campaigns::Campaigns { db: self }
    }

    /// Its saved contact filters.
    pub fn segments(self) -> segments::Segments<'a> {
        segments::Segments { db: self }
    }

    /// Its own settings.
    pub fn settings(self) -> settings::Settings<'a> {
        settings::Settings { db: self }
    }

    /// Its teams and their members.
    pub fn teams(self) -> teams::Teams<'a> {
        teams::Teams { db: self }
    }

    /// Its automation rules and their log.
    pub fn automations(self) -> automations::Automations<'a> {
        automations::Automations { db: self }
    }

    /// Its business hours, survey, SLA policies and service reports.
    pub fn service(self) -> service::Service<'a> {
        service::Service { db: self }
    }

    /// Its conversations' activity and live bots.
    pub fn activity(self) -> activity::Activity<'a> {
        activity::Activity { db: self }
    }

    /// Its canned replies.
    pub fn canned(self) -> canned::Canned<'a> {
        canned::Canned { db: self }
    }

    /// Its outbound webhook endpoints, deliveries and attempts.
    pub fn webhooks(self) -> webhooks_out::Endpoints<'a> {
        webhooks_out::Endpoints { db: self }
    }

    /// Its dead letters.
    pub fn dead_letters(self) -> dead_letters::DeadLetters<'a> {
        dead_letters::DeadLetters { db: self }
    }
}
