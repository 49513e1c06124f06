//! What happened to a conversation besides its messages, for the thread:
//! assignments, team moves and status changes (recorded by a trigger
//! whoever makes them), the bot's hand-off and an agent pausing it, and
//! the runs of flows (from the runs themselves). Also the bot running in a
//! conversation now, for the inbox's banner.

use super::{DbError, TenantDb};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::Row;
use whatsflow_actors::ids::{ConversationId, UserId};

/// Most entries a thread shows (the latest).
pub const MAX_ACTIVITY: i64 = 200;

/// One thing that happened to a conversation.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct ActivityEntry {
    /// Stable within the conversation (`a…` recorded, `r…` from a flow run).
    pub id: String,
    /// assigned, unassigned, team_changed, resolved, reopened, pending,
    /// open, handoff, bot_paused, bot_resumed, bot_started, bot_completed,
    /// bot_failed, bot_stopped.
    pub kind: String,
    /// For people: the assignee's or team's name, the flow's name, the
    /// bot's hand-off note.
    pub detail: Option<String>,
    /// The person who did it (None: the system, a rule, the bot, the customer).
    pub actor_id: Option<uuid::Uuid>,
    /// Their name.
    pub actor_name: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The bot live in a conversation.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct BotRun {
    /// The run.
    pub id: uuid::Uuid,
    /// Its flow.
    pub flow_id: uuid::Uuid,
    /// The flow's name.
    pub flow_name: String,
    /// running, waiting (for the customer or a timer) or paused.
    pub status: String,
    /// The node it is at.
    pub node_id: Option<String>,
    /// That node's label in the builder (else its kind).
    pub node_label: Option<String>,
    /// Steps taken.
    pub step: i64,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it last moved.
    pub updated_at: DateTime<Utc>,
}

/// A tenant's conversation activity.
pub struct Activity<'a> {
    pub(super) db: TenantDb<'a>,
}

impl Activity<'_> {
    /// Records something a trigger cannot see (the bot's hand-off, a person
    /// pausing the bot).
    pub async fn record(&self, conversation: ConversationId, kind: &str, detail: Option<&str>, by: Option<UserId>) -> Result<(), DbError> {
        let mut tx = self.db.tx().await?;
        sqlx::query(
            "INSERT INTO conversation_activity (tenant_id, conversation_id, kind, detail, actor_id)
             SELECT $1, c.id, $3, left($4, 1024), (SELECT u.id FROM users u WHERE u.id = $5) FROM conversations c WHERE c.id = $2",
        )
        .bind(self.db.tenant.0)
        .bind(conversation.0)
        .bind(kind)
        .bind(detail)
        .bind(by.map(|u| u.0))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a person pausing (`bot_paused`) or resuming (`bot_resumed`)
    /// the bot whose run began at `run_started`, unless the last such entry
    /// of that run (a hand-off counting as a pause) is the same: two quick
    /// clicks are one pause. Requests for one conversation take turns here.
    pub async fn record_bot_toggle(
        &self,
        conversation: ConversationId,
        kind: &str,
        run_started: DateTime<Utc>,
        by: Option<UserId>,
    ) -> Result<bool, DbError> {
        let mut tx = self.db.tx().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 18))").bind(conversation.0).execute(&mut *tx).await?;
        let last: Option<String> = sqlx::query_scalar(
            // The bot's hand-off pauses it too.
            "SELECT CASE kind WHEN 'handoff' THEN 'bot_paused' ELSE kind END FROM conversation_activity
             WHERE conversation_id = $1 AND kind IN ('bot_paused', 'bot_resumed', 'handoff') AND created_at >= $2
             ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(conversation.0)
        .bind(run_started)
        .fetch_optional(&mut *tx)
        .await?;
        if last.as_deref() == Some(kind) {
            tx.commit().await?;
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO conversation_activity (tenant_id, conversation_id, kind, actor_id)
             SELECT $1, c.id, $3, (SELECT u.id FROM users u WHERE u.id = $4) FROM conversations c WHERE c.id = $2",
        )
        .bind(self.db.tenant.0)
        .bind(conversation.0)
        .bind(kind)
        .bind(by.map(|u| u.0))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Names the person who started a run by hand (`started`) or stopped it.
    pub async fn run_by(&self, run: uuid::Uuid, started: bool, by: UserId) -> Result<(), DbError> {
        let mut tx = self.db.tx().await?;
        let sql = if started {
            "UPDATE flow_runs SET started_by = (SELECT u.id FROM users u WHERE u.id = $2) WHERE id = $1"
        } else {
            "UPDATE flow_runs SET stopped_by = (SELECT u.id FROM users u WHERE u.id = $2) WHERE id = $1"
        };
        sqlx::query(sql).bind(run).bind(by.0).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The latest [`MAX_ACTIVITY`] entries, oldest first.
    pub async fn list(&self, conversation: ConversationId) -> Result<Vec<ActivityEntry>, DbError> {
        let mut tx = self.db.tx().await?;
        let rows = sqlx::query(
            "SELECT * FROM (
                 SELECT 'a' || a.id AS id, a.kind, a.detail, a.actor_id, u.name AS actor_name, a.created_at
                 FROM conversation_activity a LEFT JOIN users u ON u.id = a.actor_id WHERE a.conversation_id = $1
                 UNION ALL
                 SELECT 'rs' || r.id, 'bot_started', f.name, r.started_by, s.name, r.started_at
                 FROM flow_runs r JOIN flows f ON f.id = r.flow_id LEFT JOIN users s ON s.id = r.started_by WHERE r.conversation_id = $1
                 UNION ALL
                 SELECT 're' || r.id, 'bot_' || r.status, f.name, CASE WHEN r.status = 'stopped' THEN r.stopped_by END,
                        CASE WHEN r.status = 'stopped' THEN s.name END, r.ended_at
                 FROM flow_runs r JOIN flows f ON f.id = r.flow_id LEFT JOIN users s ON s.id = r.stopped_by
                 WHERE r.conversation_id = $1 AND r.ended_at IS NOT NULL AND r.status IN ('completed', 'failed', 'stopped')
             ) x ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(conversation.0)
        .bind(MAX_ACTIVITY)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(ActivityEntry {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    detail: r.try_get("detail")?,
                    actor_id: r.try_get("actor_id")?,
                    actor_name: r.try_get("actor_name")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        out.reverse();
        Ok(out)
    }

    /// The bot live in the conversation, if one is.
    pub async fn bot(&self, conversation: ConversationId) -> Result<Option<BotRun>, DbError> {
        let mut tx = self.db.tx().await?;
        let row = sqlx::query(
            "SELECT r.id, r.flow_id, f.name, r.status, r.cursor, r.step, r.started_at, r.updated_at, v.flow_data
             FROM flow_runs r JOIN flows f ON f.id = r.flow_id
             LEFT JOIN flow_versions v ON v.flow_id = r.flow_id AND v.version = r.version
             WHERE r.conversation_id = $1 AND r.ended_at IS NULL",
        )
        .bind(conversation.0)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(r) = row else { return Ok(None) };
        let node_id: Option<String> = r.try_get("cursor")?;
        let flow_data: Option<Value> = r.try_get("flow_data")?;
        let node_label = node_id.as_deref().and_then(|id| flow_data.as_ref().and_then(|d| node_label(d, id)));
        Ok(Some(BotRun {
            id: r.try_get("id")?,
            flow_id: r.try_get("flow_id")?,
            flow_name: r.try_get("name")?,
            status: r.try_get("status")?,
            node_id,
            node_label,
            step: r.try_get("step")?,
            started_at: r.try_get("started_at")?,
            updated_at: r.try_get("updated_at")?,
        }))
    }
}

/// What the builder calls a node: its label, else its kind.
fn node_label(flow_data: &Value, node_id: &str) -> Option<String> {
    let node = flow_data["nodes"].as_array()?.iter().find(|n| n["id"].as_str() == Some(node_id))?;
    let label = node["data"]["label"].as_str().map(str::trim).filter(|l| !l.is_empty());
    label.or_else(|| node["type"].as_str()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_node_is_named_by_its_label_else_its_kind() {
        let flow = json!({"nodes": [
            {"id": "a", "type": "message", "data": {"label": "Greeting", "text": "hi"}},
            {"id": "b", "type": "question", "data": {"label": "  "}},
        ]});
        assert_eq!(node_label(&flow, "a").as_deref(), Some("Greeting"));
        assert_eq!(node_label(&flow, "b").as_deref(), Some("question"));
        assert_eq!(node_label(&flow, "c"), None);
    }
}
