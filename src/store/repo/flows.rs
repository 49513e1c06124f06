//! A tenant's chatbot flows: the flow itself (every change of its graph a
//! new version, kept for the runs on it), its status, and what its runs did
//! (executions, drop-off).

use super::{Conflict, DbError, TenantDb};
use crate::store::visibility::Visibility;
use chrono::{DateTime, Utc};
use serde_json::Value;
use whatsflow_actors::ids::{FlowId, RunId};

const COLUMNS: &str = "id, name, trigger_type, trigger_value, trigger_match, priority, status, version, flow_data, pause_on_agent_reply, resend_unconfirmed, created_at, updated_at";

/// A flow as the API shows it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct FlowView {
    /// Id.
    #[sqlx(try_from = "uuid::Uuid")]
    pub id: FlowId,
    /// Name.
    pub name: String,
    /// What starts it: keyword, welcome, button, referral, manual, campaign_reply.
    #[ts(type = "TriggerType")]
    pub trigger_type: String,
    /// The keyword, /regex/ or button payload.
    pub trigger_value: Option<String>,
    /// exact, contains or regex.
    #[ts(type = "TriggerMatch")]
    pub trigger_match: String,
    /// Higher wins when several match.
    pub priority: i32,
    /// draft, active or inactive.
    #[ts(type = "\"draft\" | \"active\" | \"inactive\"")]
    pub status: String,
    /// Its graph's version.
    pub version: i32,
    /// The graph, in React Flow's JSON.
    #[ts(type = "FlowData")]
    pub flow_data: Value,
    /// An agent's reply pauses the bot.
    pub pause_on_agent_reply: bool,
    /// Bot messages whose outcome stays unknown are sent again.
    pub resend_unconfirmed: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A flow to store (already validated).
#[derive(Debug, Clone)]
pub struct NewFlow {
    /// Name.
    pub name: String,
    /// Trigger type.
    pub trigger_type: String,
    /// Trigger value.
    pub trigger_value: Option<String>,
    /// Trigger match.
    pub trigger_match: String,
    /// Priority.
    pub priority: i32,
    /// The graph.
    pub flow_data: Value,
    /// See [`FlowView::pause_on_agent_reply`].
    pub pause_on_agent_reply: bool,
    /// See [`FlowView::resend_unconfirmed`].
    pub resend_unconfirmed: bool,
}

/// A change to a flow (None: unchanged); the trigger is given whole.
#[derive(Debug, Clone)]
pub struct FlowChange {
    /// Name.
    pub name: Option<String>,
    /// Trigger type.
    pub trigger_type: String,
    /// Trigger value.
    pub trigger_value: Option<String>,
    /// Trigger match.
    pub trigger_match: String,
    /// Priority.
    pub priority: Option<i32>,
    /// A new graph: a new version.
    pub flow_data: Option<Value>,
    /// See [`FlowView::pause_on_agent_reply`].
    pub pause_on_agent_reply: Option<bool>,
    /// See [`FlowView::resend_unconfirmed`].
    pub resend_unconfirmed: Option<bool>,
}

/// One run of a flow, with the path it took.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct RunView {
    /// Id.
    #[sqlx(try_from = "uuid::Uuid")]
    pub id: RunId,
    /// Its conversation.
    pub conversation_id: uuid::Uuid,
    /// The flow version it runs.
    pub version: i32,
    /// running, waiting, paused, completed, failed, stopped.
    #[ts(type = "RunStatus")]
    pub status: String,
    /// The node it is at.
    pub cursor: Option<String>,
    /// Its variables.
    pub vars: Value,
    /// The nodes it went through.
    pub path: Value,
    /// Why it failed.
    pub error: Option<String>,
    /// Started.
    pub started_at: DateTime<Utc>,
    /// Ended.
    pub ended_at: Option<DateTime<Utc>>,
}

/// How a flow's runs went.
#[derive(Debug, Clone, Default)]
pub struct FlowStats {
    /// Runs per status.
    pub by_status: Vec<(String, i64)>,
    /// Runs that did not complete, by the node they stopped at, most first.
    pub drop_off: Vec<(Option<String>, i64)>,
    /// Runs through each node, most first.
    pub visits: Vec<(Option<String>, i64)>,
}

/// Most runs listed for one flow.
const RUNS_SHOWN: i64 = 200;

/// A tenant's flows.
pub struct Flows<'a> {
    pub(super) db: TenantDb<'a>,
}

impl Flows<'_> {
    /// All of them, oldest first.
    pub async fn list(&self) -> Result<Vec<FlowView>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query_as(&format!("SELECT {COLUMNS} FROM flows ORDER BY created_at")).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// One.
    pub async fn get(&self, id: FlowId) -> Result<Option<FlowView>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query_as(&format!("SELECT {COLUMNS} FROM flows WHERE id = $1")).bind(id.0).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Stores a draft, version 1.
    pub async fn create(&self, f: NewFlow) -> Result<FlowView, DbError> {
        let id = FlowId::generate();
        let mut tx = self.db.tx().await?;
        super::plans::hold_limit(&mut tx, self.db.tenant, crate::plans::Limit::Flows).await?;
        let flow: FlowView = sqlx::query_as(&format!(
            "INSERT INTO flows (id, tenant_id, name, trigger_type, trigger_value, trigger_match, priority, flow_data, pause_on_agent_reply, resend_unconfirmed)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {COLUMNS}"
        ))
        .bind(id.0)
        .bind(self.db.tenant.0)
        .bind(&f.name)
        .bind(&f.trigger_type)
        .bind(&f.trigger_value)
        .bind(&f.trigger_match)
        .bind(f.priority)
        .bind(&f.flow_data)
        .bind(f.pause_on_agent_reply)
        .bind(f.resend_unconfirmed)
        .fetch_one(&mut *tx)
        .await?;
        keep_version(&mut tx, &self.db, id, 1, &f.flow_data).await?;
        tx.commit().await?;
        Ok(flow)
    }

    /// Changes a flow; a new graph is kept as a new version.
    pub async fn update(&self, id: FlowId, c: &FlowChange) -> Result<Option<FlowView>, DbError> {
        let mut tx = self.db.tx().await?;
        let flow: Option<FlowView> = sqlx::query_as(&format!(
            "UPDATE flows SET name = COALESCE($2, name), trigger_type = $3, trigger_value = $4, trigger_match = $5, priority = COALESCE($6, priority),
                flow_data = COALESCE($7, flow_data), version = version + CASE WHEN $7 IS NULL THEN 0 ELSE 1 END,
                pause_on_agent_reply = COALESCE($8, pause_on_agent_reply), resend_unconfirmed = COALESCE($9, resend_unconfirmed), updated_at = now()
             WHERE id = $1 RETURNING {COLUMNS}"
        ))
        .bind(id.0)
        .bind(&c.name)
        .bind(&c.trigger_type)
        .bind(&c.trigger_value)
        .bind(&c.trigger_match)
        .bind(c.priority)
        .bind(&c.flow_data)
        .bind(c.pause_on_agent_reply)
        .bind(c.resend_unconfirmed)
        .fetch_optional(&mut *tx)
        .await?;
        if let (Some(flow), Some(data)) = (&flow, &c.flow_data) {
            keep_version(&mut tx, &self.db, id, flow.version, data).await?;
        }
        tx.commit().await?;
        Ok(flow)
    }

    /// Sets draft, active or inactive.
    pub async fn set_status(&self, id: FlowId, status: &str) -> Result<Option<FlowView>, DbError> {
        let mut tx = self.db.tx().await?;
        let flow = sqlx::query_as(&format!("UPDATE flows SET status = $2, updated_at = now() WHERE id = $1 RETURNING {COLUMNS}"))
            .bind(id.0)
            .bind(status)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(flow)
    }

    /// Deletes a flow with no live runs ([`Conflict::FlowInUse`] otherwise);
    /// false when there was none.
    pub async fn delete(&self, id: FlowId) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        let live: i64 = sqlx::query_scalar("SELECT count(*) FROM flow_runs WHERE flow_id = $1 AND ended_at IS NULL")
            .bind(id.0)
            .fetch_one(&mut *tx)
            .await?;
        if live > 0 {
            return Err(DbError::Conflict(Conflict::FlowInUse(live)));
        }
        let n = sqlx::query("DELETE FROM flows WHERE id = $1").bind(id.0).execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    /// The latest runs of a flow, newest first, in the conversations the
    /// caller may see.
    pub async fn runs(&self, id: FlowId, rule: Visibility) -> Result<Vec<RunView>, DbError> {
        let mut tx = self.db.tx().await?;
        let sql = format!(
            "SELECT r.id, r.conversation_id, r.version, r.status, r.cursor, r.vars, r.path, r.error, r.started_at, r.ended_at
             FROM flow_runs r JOIN conversations c ON c.id = r.conversation_id
             WHERE r.flow_id = $1 AND {} ORDER BY r.started_at DESC LIMIT {RUNS_SHOWN}",
            Visibility::sql("c", 2)
        );
        let runs = rule.bind_as(sqlx::query_as(&sql).bind(id.0)).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(runs)
    }

    /// How a flow's runs went.
    pub async fn stats(&self, id: FlowId) -> Result<FlowStats, DbError> {
        let mut tx = self.db.tx().await?;
        let by_status = sqlx::query_as("SELECT status, count(*) FROM flow_runs WHERE flow_id = $1 GROUP BY status")
            .bind(id.0)
            .fetch_all(&mut *tx)
            .await?;
        let drop_off = sqlx::query_as(
            "SELECT path->>(jsonb_array_length(path) - 1), count(*) FROM flow_runs
             WHERE flow_id = $1 AND status <> 'completed' AND jsonb_array_length(path) > 0 GROUP BY 1 ORDER BY 2 DESC",
        )
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
        let visits = sqlx::query_as(
            "SELECT n, count(DISTINCT r.id) FROM flow_runs r, jsonb_array_elements_text(r.path) AS n WHERE r.flow_id = $1 GROUP BY n ORDER BY 2 DESC",
        )
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(FlowStats { by_status, drop_off, visits })
    }
}

/// Keeps a version of a flow's graph for the runs on it.
async fn keep_version(tx: &mut sqlx::PgConnection, db: &TenantDb<'_>, id: FlowId, version: i32, data: &Value) -> Result<(), DbError> {
    sqlx::query("INSERT INTO flow_versions (tenant_id, flow_id, version, flow_data) VALUES ($1, $2, $3, $4)")
        .bind(db.tenant.0)
        .bind(id.0)
        .bind(version)
        .bind(data)
        .execute(tx)
        .await?;
    Ok(())
}
