//! A tenant's outbound webhook endpoints, their deliveries and the log of
//! every attempt; and, for the delivery worker, the claim of due deliveries
//! across tenants and the record of each attempt.

use super::{paginate, Cursor, Db, DbError, Page, TenantDb};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::Row;
use whatsflow_actors::ids::{TenantId, UserId};

/// An endpoint as listed (never its secret).
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct EndpointView {
    /// Id.
    pub id: uuid::Uuid,
    /// Where deliveries are posted.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// The event types it receives.
    pub events: Vec<String>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why it was switched off, when it was.
    pub disabled_reason: Option<String>,
    /// Since when every attempt failed (none: the last one succeeded).
    pub failing_since: Option<DateTime<Utc>>,
    /// Deliveries waiting.
    pub pending: i64,
    /// When it was last attempted.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The HTTP status of the last attempt (none: no answer).
    pub last_status_code: Option<i32>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

/// One attempt, for the endpoint's log.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct AttemptView {
    /// Id.
    pub id: uuid::Uuid,
    /// The delivery it was for.
    pub delivery_id: uuid::Uuid,
    /// The event (what receivers deduplicate on).
    pub event_id: uuid::Uuid,
    /// The event type.
    pub event_type: String,
    /// 1 for the first attempt of the delivery.
    pub attempt: i32,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status (none: no answer).
    pub status_code: Option<i32>,
    /// How long it took.
    pub latency_ms: i32,
    /// Why it failed, when it did without an answer (refused, timed out).
    pub error: Option<String>,
    /// The start of the receiver's answer.
    pub response_excerpt: Option<String>,
}

/// One delivery: an event on its way to one endpoint.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct DeliveryView {
    /// Id.
    pub id: uuid::Uuid,
    /// The event.
    pub event_id: uuid::Uuid,
    /// The event type.
    pub event_type: String,
    /// `pending`, `delivered` or `failed` (given up).
    pub status: String,
    /// Attempts made.
    pub attempts: i32,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: DateTime<Utc>,
    /// The last answer's HTTP status.
    pub last_status: Option<i32>,
    /// The last failure without an answer.
    pub last_error: Option<String>,
    /// The body as sent.
    #[ts(type = "unknown")]
    pub payload: Value,
    /// When the event happened.
    pub created_at: DateTime<Utc>,
    /// When it was delivered or given up.
    pub finished_at: Option<DateTime<Utc>>,
}

/// An endpoint to store.
#[derive(Debug, Clone)]
pub struct NewEndpoint<'a> {
    /// Its id (bound into the sealed secret).
    pub id: uuid::Uuid,
    /// Where to post.
    pub url: &'a str,
    /// What it is for.
    pub description: &'a str,
    /// The event types.
    pub events: &'a [String],
    /// The sealed signing secret.
    pub secret_enc: Vec<u8>,
    /// The admin (or key's creator) adding it.
    pub created_by: UserId,
}

/// A change to an endpoint (absent fields stay).
#[derive(Debug, Clone, Default)]
pub struct EndpointPatch {
    /// New URL.
    pub url: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New event types.
    pub events: Option<Vec<String>>,
    /// Switch on (clears the failure record) or off (by hand).
    pub enabled: Option<bool>,
}

/// What creating an endpoint did.
#[derive(Debug, Clone)]
pub enum Created {
    /// Stored.
    Done(Box<EndpointView>),
    /// The account has [`crate::webhooks_out::MAX_ENDPOINTS`] already.
    TooMany,
}

const ENDPOINT_COLUMNS: &str =
    "e.id, e.url, e.description, e.events, e.enabled, e.disabled_reason, e.failing_since, e.created_at, e.updated_at,
    (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending') AS pending,
    a.at AS last_attempt_at, a.status_code AS last_status_code";
const ENDPOINT_FROM: &str = "outbound_webhooks e LEFT JOIN LATERAL (SELECT at, status_code FROM webhook_attempts w
    WHERE w.tenant_id = e.tenant_id AND w.endpoint_id = e.id ORDER BY w.at DESC, w.id DESC LIMIT 1) a ON true";

/// A tenant's endpoints.
pub struct Endpoints<'a> {
    pub(super) db: TenantDb<'a>,
}

impl Endpoints<'_> {
    /// Stores an endpoint, unless the account has the most it may.
    pub async fn create(&self, e: NewEndpoint<'_>) -> Result<Created, DbError> {
        let mut tx = self.db.tx().await?;
        // One creation at a time per account, so the count holds.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('outbound_webhooks:' || $1::text))")
            .bind(self.db.tenant.0)
            .execute(&mut *tx)
            .await?;
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM outbound_webhooks").fetch_one(&mut *tx).await?;
        if n >= crate::webhooks_out::MAX_ENDPOINTS {
            return Ok(Created::TooMany);
        }
        sqlx::query(
            "INSERT INTO outbound_webhooks (id, tenant_id, url, description, events, secret_enc, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(e.id)
        .bind(self.db.tenant.0)
        .bind(e.url)
        .bind(e.description)
        .bind(e.events)
        .bind(&e.secret_enc)
        .bind(e.created_by.0)
        .execute(&mut *tx)
        .await?;
        let view = sqlx::query_as(&format!("SELECT {ENDPOINT_COLUMNS} FROM {ENDPOINT_FROM} WHERE e.id = $1"))
            .bind(e.id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Created::Done(Box::new(view)))
    }

    /// Every endpoint, oldest first.
    pub async fn list(&self) -> Result<Vec<EndpointView>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query_as(&format!("SELECT {ENDPOINT_COLUMNS} FROM {ENDPOINT_FROM} ORDER BY e.created_at, e.id"))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// One endpoint.
    pub async fn get(&self, id: uuid::Uuid) -> Result<Option<EndpointView>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query_as(&format!("SELECT {ENDPOINT_COLUMNS} FROM {ENDPOINT_FROM} WHERE e.id = $1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Changes an endpoint; None when there is no such endpoint. Switching
    /// it on clears its failure record (deliveries waiting resume).
    pub async fn update(&self, id: uuid::Uuid, patch: EndpointPatch) -> Result<Option<EndpointView>, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query(
            "UPDATE outbound_webhooks SET url = COALESCE($2, url), description = COALESCE($3, description), events = COALESCE($4, events),
                enabled = COALESCE($5, enabled),
                disabled_reason = CASE WHEN $5 IS NULL THEN disabled_reason WHEN $5 THEN NULL ELSE 'switched off by hand' END,
                failing_since = CASE WHEN $5 THEN NULL ELSE failing_since END,
                updated_at = now()
             WHERE id = $1",
        )
        .bind(id)
        .bind(&patch.url)
        .bind(&patch.description)
        .bind(&patch.events)
        .bind(patch.enabled)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(None);
        }
        if patch.enabled == Some(true) {
            // What waited while it was off is due now.
            sqlx::query("UPDATE webhook_deliveries SET next_attempt_at = now() WHERE endpoint_id = $1 AND status = 'pending'")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let view =
            sqlx::query_as(&format!("SELECT {ENDPOINT_COLUMNS} FROM {ENDPOINT_FROM} WHERE e.id = $1")).bind(id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some(view))
    }

    /// Deletes an endpoint with its deliveries and log; false when none.
    pub async fn delete(&self, id: uuid::Uuid) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query("DELETE FROM outbound_webhooks WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Replaces the sealed secret; false when there is no such endpoint.
    pub async fn set_secret(&self, id: uuid::Uuid, secret_enc: &[u8]) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query("UPDATE outbound_webhooks SET secret_enc = $2, updated_at = now() WHERE id = $1")
            .bind(id)
            .bind(secret_enc)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    /// The URL and sealed secret of an endpoint.
    pub async fn target(&self, id: uuid::Uuid) -> Result<Option<(String, Vec<u8>)>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query_as("SELECT url, secret_enc FROM outbound_webhooks WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The attempts made to an endpoint, newest first.
    pub async fn attempts(&self, endpoint: uuid::Uuid, after: Option<Cursor>, limit: i64) -> Result<Page<AttemptView>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(
            "SELECT w.id, w.delivery_id, d.event_id, d.event_type, w.attempt, w.at, w.status_code, w.latency_ms, w.error, w.response_excerpt
             FROM webhook_attempts w JOIN webhook_deliveries d ON d.id = w.delivery_id
             WHERE w.endpoint_id = $1 AND ($2::timestamptz IS NULL OR (w.at, w.id) < ($2, $3))
             ORDER BY w.at DESC, w.id DESC LIMIT $4",
        )
        .bind(endpoint)
        .bind(after.map(|c| c.t))
        .bind(after.map(|c| c.id))
        .bind(limit + 1)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        paginate(
            rows,
            limit,
            |r| <AttemptView as sqlx::FromRow<_>>::from_row(r),
            |r| Ok(Cursor { t: r.try_get("at")?, id: r.try_get("id")? }),
        )
    }

    /// An endpoint's deliveries, newest first, optionally of one status.
    pub async fn deliveries(
        &self,
        endpoint: uuid::Uuid,
        status: Option<&str>,
        after: Option<Cursor>,
        limit: i64,
    ) -> Result<Page<DeliveryView>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(
            "SELECT id, event_id, event_type, status, attempts, next_attempt_at, last_status, last_error, payload, created_at, finished_at
             FROM webhook_deliveries
             WHERE endpoint_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
             ORDER BY created_at DESC, id DESC LIMIT $5",
        )
        .bind(endpoint)
        .bind(status)
        .bind(after.map(|c| c.t))
        .bind(after.map(|c| c.id))
        .bind(limit + 1)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        paginate(
            rows,
            limit,
            |r| <DeliveryView as sqlx::FromRow<_>>::from_row(r),
            |r| Ok(Cursor { t: r.try_get("created_at")?, id: r.try_get("id")? }),
        )
    }

    /// Sends a delivery again, by hand: a new delivery of the same event
    /// (same event id, same body), queued after what waits. None when the
    /// delivery is not the endpoint's.
    pub async fn replay(&self, endpoint: uuid::Uuid, delivery: uuid::Uuid) -> Result<Option<uuid::Uuid>, DbError> {
        let mut tx = self.db.tx().await?;
        let id: Option<uuid::Uuid> = sqlx::query_scalar(
            "INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_type, payload)
             SELECT gen_random_uuid(), tenant_id, endpoint_id, event_id, event_type, payload FROM webhook_deliveries
             WHERE id = $1 AND endpoint_id = $2 RETURNING id",
        )
        .bind(delivery)
        .bind(endpoint)
        .fetch_optional(&mut *tx)
        .await?;
        if id.is_some() {
            sqlx::query("SELECT pg_notify('webhook_deliveries', '')").execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Records a test delivery made at once (outside the queue) and its attempt.
    pub async fn record_test(&self, endpoint: uuid::Uuid, event_id: uuid::Uuid, payload: &Value, outcome: &Attempt) -> Result<(), DbError> {
        let mut tx = self.db.tx().await?;
        let delivery = uuid::Uuid::new_v4();
        sqlx::query(
            "INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_type, payload, status, attempts, first_attempt_at,
                                             last_status, last_error, finished_at)
             VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7 THEN 'delivered' ELSE 'failed' END, 1, now(), $8, $9, now())",
        )
        .bind(delivery)
        .bind(self.db.tenant.0)
        .bind(endpoint)
        .bind(event_id)
        .bind(crate::webhooks_out::TEST_EVENT)
        .bind(payload)
        .bind(outcome.ok())
        .bind(outcome.status_code)
        .bind(&outcome.error)
        .execute(&mut *tx)
        .await?;
        insert_attempt(&mut tx, self.db.tenant, endpoint, delivery, 1, outcome).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// What one attempt got.
#[derive(Debug, Clone, Default)]
pub struct Attempt {
    /// The receiver's HTTP status (none: no answer).
    pub status_code: Option<i32>,
    /// How long it took.
    pub latency_ms: i32,
    /// Why there was no answer.
    pub error: Option<String>,
    /// The start of the answer.
    pub response_excerpt: Option<String>,
}

impl Attempt {
    /// Whether the receiver took it (any 2xx).
    pub fn ok(&self) -> bool {
        self.status_code.is_some_and(|c| (200..300).contains(&c))
    }
}

async fn insert_attempt(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    tenant: TenantId,
    endpoint: uuid::Uuid,
    delivery: uuid::Uuid,
    attempt: i32,
    outcome: &Attempt,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_attempts (id, tenant_id, endpoint_id, delivery_id, attempt, status_code, latency_ms, error, response_excerpt)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = $4)",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(tenant.0)
    .bind(endpoint)
    .bind(delivery)
    .bind(attempt)
    .bind(outcome.status_code)
    .bind(outcome.latency_ms)
    .bind(&outcome.error)
    .bind(&outcome.response_excerpt)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A delivery a worker claimed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    /// Delivery id.
    pub id: uuid::Uuid,
    /// Its tenant.
    pub tenant_id: uuid::Uuid,
    /// Its endpoint.
    pub endpoint_id: uuid::Uuid,
    /// The event id.
    pub event_id: uuid::Uuid,
    /// The event type.
    pub event_type: String,
    /// Attempts made before.
    pub attempts: i32,
    /// The body to send.
    pub payload: Value,
    /// When it was first attempted.
    pub first_attempt_at: Option<DateTime<Utc>>,
    /// Where to send it.
    pub url: String,
    /// The endpoint's sealed secret.
    pub secret_enc: Vec<u8>,
    /// The claim (recording the attempt requires it still be this one).
    pub locked_until: Option<DateTime<Utc>>,
}

/// How an attempt leaves the delivery and its endpoint.
#[derive(Debug, Clone, Copy)]
pub struct AttemptRules {
    /// When to try again (if not delivered and not given up).
    pub retry_at: DateTime<Utc>,
    /// Give the delivery up if this attempt fails.
    pub give_up: bool,
    /// Switch the endpoint off when it has failed since this instant or earlier.
    pub disable_if_failing_since: DateTime<Utc>,
}

/// What recording an attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterAttempt {
    /// Nothing more to tell.
    Recorded,
    /// The endpoint was switched off now (a day of failures): its URL.
    Disabled(String),
}

impl Db {
    /// Claims up to `limit` due deliveries (the oldest pending of each
    /// enabled endpoint), across tenants, for `lease`.
    pub async fn claim_webhook_deliveries(&self, limit: i64, lease: std::time::Duration) -> Result<Vec<Claimed>, DbError> {
        let secs = lease.as_secs_f64();
        Ok(sqlx::query_as("SELECT * FROM webhook_claim_due($1::int, make_interval(secs => $2))")
            .bind(i32::try_from(limit).unwrap_or(i32::MAX))
            .bind(secs)
            .fetch_all(&self.pool)
            .await?)
    }

    /// When the next pending delivery falls due (None: nothing waits).
    pub async fn next_webhook_due(&self) -> Result<Option<DateTime<Utc>>, DbError> {
        Ok(sqlx::query_scalar("SELECT webhook_next_due()").fetch_one(&self.pool).await?)
    }

    /// Records an attempt of a claimed delivery: delivered, retried later or
    /// given up; the endpoint's failure record, and its switch-off after a
    /// day of failures.
    pub async fn record_webhook_attempt(&self, claimed: &Claimed, outcome: &Attempt, rules: AttemptRules) -> Result<AfterAttempt, DbError> {
        let tenant = TenantId(claimed.tenant_id);
        let mut tx = crate::db::tenant_tx(&self.pool, tenant).await?;
        insert_attempt(&mut tx, tenant, claimed.endpoint_id, claimed.id, claimed.attempts + 1, outcome).await?;
        let ok = outcome.ok();
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, now()),
                last_status = $2, last_error = $3, locked_until = NULL,
                status = CASE WHEN $4 THEN 'delivered' WHEN $5 THEN 'failed' ELSE 'pending' END,
                next_attempt_at = CASE WHEN $4 OR $5 THEN next_attempt_at ELSE $6 END,
                finished_at = CASE WHEN $4 OR $5 THEN now() END
             WHERE id = $1 AND status = 'pending' AND locked_until IS NOT DISTINCT FROM $7",
        )
        .bind(claimed.id)
        .bind(outcome.status_code)
        .bind(&outcome.error)
        .bind(ok)
        .bind(rules.give_up)
        .bind(rules.retry_at)
        .bind(claimed.locked_until)
        .execute(&mut *tx)
        .await?;
        let mut after = AfterAttempt::Recorded;
        if ok {
            sqlx::query("UPDATE outbound_webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL")
                .bind(claimed.endpoint_id)
                .execute(&mut *tx)
                .await?;
        } else {
            let disabled: Option<String> = sqlx::query_scalar(
                "UPDATE outbound_webhooks SET failing_since = COALESCE(failing_since, now()),
                    enabled = CASE WHEN COALESCE(failing_since, now()) <= $2 THEN false ELSE enabled END,
                    disabled_reason = CASE WHEN COALESCE(failing_since, now()) <= $2
                        THEN 'every delivery failed since ' || to_char(COALESCE(failing_since, now()) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC'
                        ELSE disabled_reason END,
                    updated_at = now()
                 WHERE id = $1 AND enabled
                 RETURNING CASE WHEN NOT enabled THEN url END",
            )
            .bind(claimed.endpoint_id)
            .bind(rules.disable_if_failing_since)
            .fetch_optional(&mut *tx)
            .await?
            .flatten();
            if let Some(url) = disabled {
                after = AfterAttempt::Disabled(url);
            }
        }
        tx.commit().await?;
        Ok(after)
    }
}
