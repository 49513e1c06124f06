//! Automation rules, their execution log, and (for the worker) the queue
//! of internal events and the timed rules that are due.

use super::{paginate, Cursor, Db, DbError, Page, TenantDb};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::Row;
use whatsflow_actors::ids::{TenantId, UserId};

/// A rule as stored and listed.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct RuleView {
    /// Id.
    pub id: uuid::Uuid,
    /// Name.
    pub name: String,
    /// The event it listens to.
    pub event: String,
    /// For no_agent_reply: minutes without an answer.
    pub minutes: Option<i32>,
    /// `{"all": [...], "any": [...]}`.
    #[ts(type = "{ all?: { field: string; op: string; value?: unknown }[]; any?: { field: string; op: string; value?: unknown }[] }")]
    pub conditions: Value,
    /// The actions, in order.
    #[ts(type = "Array<Record<string, unknown> & { type: string }>")]
    pub actions: Value,
    /// Whether it runs.
    pub enabled: bool,
    /// Its place among the account's rules (lower first).
    pub position: i32,
    /// Who made it (its notes are theirs).
    pub created_by: Option<uuid::Uuid>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

/// A rule to store.
#[derive(Debug, Clone)]
pub struct RuleFields {
    /// Name.
    pub name: String,
    /// Event.
    pub event: String,
    /// What fires it (see [`crate::automations::sources`]).
    pub sources: Vec<String>,
    /// Minutes (no_agent_reply).
    pub minutes: Option<i32>,
    /// Conditions JSON.
    pub conditions: Value,
    /// Actions JSON.
    pub actions: Value,
    /// Enabled.
    pub enabled: bool,
    /// Position.
    pub position: i32,
}

/// One execution of a rule, for its log.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct RunLog {
    /// Id.
    pub id: uuid::Uuid,
    /// The event type that met it.
    pub event_type: String,
    /// The conversation.
    pub conversation_id: Option<uuid::Uuid>,
    /// Whether the conditions held.
    pub matched: bool,
    /// `[{"type", "ok", "detail"}]`.
    #[ts(type = "{ type: string; ok: boolean; detail?: string }[]")]
    pub actions: Value,
    /// Why it was skipped, or what failed.
    pub note: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// What creating a rule did.
#[derive(Debug, Clone)]
pub enum RuleCreated {
    /// Stored.
    Done(Box<RuleView>),
    /// The account has [`crate::automations::MAX_RULES`].
    TooMany,
}

const RULE_COLUMNS: &str = "id, name, event, minutes, conditions, actions, enabled, position, created_by, created_at, updated_at";

/// A tenant's automation rules.
pub struct Automations<'a> {
    pub(super) db: TenantDb<'a>,
}

impl Automations<'_> {
    /// Every rule, in order.
    pub async fn list(&self) -> Result<Vec<RuleView>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query_as(&format!("SELECT {RULE_COLUMNS} FROM automation_rules ORDER BY position, created_at, id"))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// The enabled rules fired by any of `sources` or listening to `event`, in order.
    pub async fn enabled_for(&self, source: &str) -> Result<Vec<RuleView>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query_as(&format!(
            "SELECT {RULE_COLUMNS} FROM automation_rules WHERE enabled AND $1 = ANY(sources) ORDER BY position, created_at, id"
        ))
        .bind(source)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// One rule.
    pub async fn get(&self, id: uuid::Uuid) -> Result<Option<RuleView>, DbError> {
        let mut tx = self.db.tx().await?;
        let row =
            sqlx::query_as(&format!("SELECT {RULE_COLUMNS} FROM automation_rules WHERE id = $1")).bind(id).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Stores a rule.
    pub async fn create(&self, f: RuleFields, by: UserId) -> Result<RuleCreated, DbError> {
        let mut tx = self.db.tx().await?;
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM automation_rules").fetch_one(&mut *tx).await?;
        if n >= crate::automations::MAX_RULES {
            return Ok(RuleCreated::TooMany);
        }
        let row = sqlx::query_as(&format!(
            "INSERT INTO automation_rules (id, tenant_id, name, event, sources, minutes, conditions, actions, enabled, position, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {RULE_COLUMNS}"
        ))
        .bind(uuid::Uuid::new_v4())
        .bind(self.db.tenant.0)
        .bind(&f.name)
        .bind(&f.event)
        .bind(&f.sources)
        .bind(f.minutes)
        .bind(&f.conditions)
        .bind(&f.actions)
        .bind(f.enabled)
        .bind(f.position)
        .bind(by.0)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(RuleCreated::Done(Box::new(row)))
    }

    /// Replaces a rule; None when there is no such rule.
    pub async fn update(&self, id: uuid::Uuid, f: RuleFields) -> Result<Option<RuleView>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query_as(&format!(
            "UPDATE automation_rules SET name = $2, event = $3, sources = $4, minutes = $5, conditions = $6, actions = $7, enabled = $8,
                position = $9, updated_at = now() WHERE id = $1 RETURNING {RULE_COLUMNS}"
        ))
        .bind(id)
        .bind(&f.name)
        .bind(&f.event)
        .bind(&f.sources)
        .bind(f.minutes)
        .bind(&f.conditions)
        .bind(&f.actions)
        .bind(f.enabled)
        .bind(f.position)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Deletes a rule and its log; false when none.
    pub async fn delete(&self, id: uuid::Uuid) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query("DELETE FROM automation_rules WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    /// A rule's log, newest first.
    pub async fn logs(&self, rule: uuid::Uuid, after: Option<Cursor>, limit: i64) -> Result<Page<RunLog>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(
            "SELECT id, event_type, conversation_id, matched, actions, note, at FROM automation_logs
             WHERE rule_id = $1 AND ($2::timestamptz IS NULL OR (at, id) < ($2, $3)) ORDER BY at DESC, id DESC LIMIT $4",
        )
        .bind(rule)
        .bind(after.map(|c| c.t))
        .bind(after.map(|c| c.id))
        .bind(limit + 1)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        paginate(rows, limit, |r| <RunLog as sqlx::FromRow<_>>::from_row(r), |r| Ok(Cursor { t: r.try_get("at")?, id: r.try_get("id")? }))
    }

    /// Why a rule must not run on a conversation for an event of `source`
    /// now: its own actions caused it (within a minute), or it ran there
    /// too often (a loop through other rules). None: it may run.
    pub async fn loop_guard(&self, rule: uuid::Uuid, conversation: uuid::Uuid, source: &str) -> Result<Option<String>, DbError> {
        let mut tx = self.db.tx().await?;
        let (own, recent): (bool, i64) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM automation_logs WHERE rule_id = $1 AND conversation_id = $2 AND matched
                             AND $3 = ANY(produced) AND at > now() - interval '1 minute'),
                    (SELECT count(*) FROM automation_logs WHERE rule_id = $1 AND conversation_id = $2 AND matched AND at > now() - interval '1 hour')",
        )
        .bind(rule)
        .bind(conversation)
        .bind(source)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(if own {
            Some(format!("skipped: this rule's own action caused the {source} event"))
        } else if recent >= MAX_RUNS_PER_HOUR {
            Some(format!("skipped: this rule ran {recent} times on this conversation in the last hour (a loop?)"))
        } else {
            None
        })
    }

    /// Records one execution.
    #[allow(clippy::too_many_arguments)]
    pub async fn log(
        &self,
        rule: uuid::Uuid,
        event_type: &str,
        conversation: Option<uuid::Uuid>,
        matched: bool,
        actions: &Value,
        note: Option<&str>,
        produced: &[String],
    ) -> Result<(), DbError> {
        let mut tx = self.db.tx().await?;
        sqlx::query(
            "INSERT INTO automation_logs (id, tenant_id, rule_id, event_type, conversation_id, matched, actions, note, produced)
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE EXISTS (SELECT 1 FROM automation_rules WHERE id = $3)",
        )
        .bind(uuid::Uuid::new_v4())
        .bind(self.db.tenant.0)
        .bind(rule)
        .bind(event_type)
        .bind(conversation)
        .bind(matched)
        .bind(actions)
        .bind(note)
        .bind(produced)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Notes that a timed rule fired for a conversation's wait since `since`;
    /// false when it had already.
    pub async fn fire_timer(&self, rule: uuid::Uuid, conversation: uuid::Uuid, since: DateTime<Utc>) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let n = sqlx::query(
            "INSERT INTO automation_timers_fired (tenant_id, rule_id, conversation_id, since) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(self.db.tenant.0)
        .bind(rule)
        .bind(conversation)
        .bind(since)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }
}

/// The most times one rule acts on one conversation in an hour.
pub const MAX_RUNS_PER_HOUR: i64 = 20;

/// An internal event claimed by the worker.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InternalEvent {
    /// Its place in the queue.
    pub id: i64,
    /// Its tenant.
    pub tenant_id: uuid::Uuid,
    /// Its type (as outbound webhooks name it, or `conversation.tags`).
    #[sqlx(rename = "type")]
    pub kind: String,
    /// Its data.
    pub data: Value,
    /// When it happened.
    pub created_at: DateTime<Utc>,
    /// Claims so far (this one included).
    pub attempts: i32,
}

impl Db {
    /// Claims the oldest internal events for `lease`.
    pub async fn claim_internal_events(&self, limit: i64, lease: std::time::Duration) -> Result<Vec<InternalEvent>, DbError> {
        Ok(sqlx::query_as("SELECT * FROM tenant_events_claim($1::int, make_interval(secs => $2))")
            .bind(i32::try_from(limit).unwrap_or(i32::MAX))
            .bind(lease.as_secs_f64())
            .fetch_all(&self.pool)
            .await?)
    }

    /// Removes handled events from the queue.
    pub async fn internal_events_done(&self, ids: &[i64]) -> Result<(), DbError> {
        sqlx::query("SELECT tenant_events_done($1)").bind(ids).execute(&self.pool).await?;
        Ok(())
    }

    /// Timed rules due as of `now`: (tenant, rule, conversation, waiting since).
    pub async fn automation_timers_due(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(TenantId, uuid::Uuid, uuid::Uuid, DateTime<Utc>)>, DbError> {
        let rows: Vec<(uuid::Uuid, uuid::Uuid, uuid::Uuid, DateTime<Utc>)> =
            sqlx::query_as("SELECT tenant_id, rule_id, conversation_id, since FROM automation_timers_due($1)")
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(t, r, c, s)| (TenantId(t), r, c, s)).collect())
    }

    /// Marks the SLA breaches as of `now` (once per episode).
    pub async fn sla_mark_breaches(&self, now: DateTime<Utc>) -> Result<Vec<SlaBreach>, DbError> {
        Ok(sqlx::query_as("SELECT tenant_id, conversation_id, breach, assignee_id, team_id FROM sla_mark_breaches($1)")
            .bind(now)
            .fetch_all(&self.pool)
            .await?)
    }
}

/// A conversation that just missed an SLA target.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SlaBreach {
    /// Its tenant.
    pub tenant_id: uuid::Uuid,
    /// The conversation.
    pub conversation_id: uuid::Uuid,
    /// `first_response` or `resolution`.
    pub breach: String,
    /// Its assignee.
    pub assignee_id: Option<uuid::Uuid>,
    /// Its team.
    pub team_id: Option<uuid::Uuid>,
}
