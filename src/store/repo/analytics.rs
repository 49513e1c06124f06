//! The dashboard's numbers for a range of days: volumes, the backlog,
//! first-response times, what each agent did, and flow runs.

use super::{DbError, TenantDb};
use chrono::{DateTime, NaiveDate, Utc};

/// Volumes since the start of the range, and the backlog now.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct Totals {
    /// Conversations opened.
    pub conversations_new: i64,
    /// Messages from customers.
    pub messages_inbound: i64,
    /// Messages to customers.
    pub messages_outbound: i64,
    /// Open conversations now.
    pub open_conversations: i64,
    /// Open conversations nobody has taken.
    pub unassigned_open: i64,
}

/// One day's volumes.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct Day {
    /// The day (UTC).
    pub day: NaiveDate,
    /// Conversations opened.
    pub conversations_new: i64,
    /// Messages from customers.
    pub messages_inbound: i64,
    /// Messages to customers.
    pub messages_outbound: i64,
}

/// How fast agents answered a customer's turn.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct ResponseTime {
    /// Median seconds to the first agent reply.
    #[serde(rename = "first_response_median_seconds")]
    pub median: Option<f64>,
    /// 90th percentile.
    #[serde(rename = "first_response_p90_seconds")]
    pub p90: Option<f64>,
    /// Turns measured.
    pub samples: i64,
}

/// What one agent did.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct AgentActivity {
    /// The agent.
    pub user_id: uuid::Uuid,
    /// Their name.
    pub name: String,
    /// online, away or offline.
    pub presence: String,
    /// Messages they sent in the range.
    pub messages_sent: i64,
    /// Open or pending conversations on them now.
    pub conversations_assigned: i64,
}

/// Flow runs in the range.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct FlowRuns {
    /// Started.
    pub runs_started: i64,
    /// Completed.
    pub runs_completed: i64,
}

/// The days an overview covers.
#[derive(Debug, Clone, Copy, serde::Serialize, ts_rs::TS)]
pub struct Range {
    /// The first day's start (UTC).
    pub from: DateTime<Utc>,
    /// Now.
    pub to: DateTime<Utc>,
    /// How many days.
    pub days: i64,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct Overview {
    /// The days covered.
    pub range: Range,
    /// Volumes and backlog.
    pub totals: Totals,
    /// Per day, oldest first.
    pub by_day: Vec<Day>,
    /// First-response times.
    pub response_time: ResponseTime,
    /// Per agent, busiest first.
    pub agents: Vec<AgentActivity>,
    /// Flow runs.
    pub flows: FlowRuns,
}

/// A tenant's dashboard numbers.
pub struct Analytics<'a> {
    pub(super) db: TenantDb<'a>,
}

impl Analytics<'_> {
    /// The numbers of `range`.
    pub async fn overview(&self, range: Range) -> Result<Overview, DbError> {
        let Range { from, to, .. } = range;
        let mut tx = self.db.tx().await?;
        let totals = sqlx::query_as(
            "SELECT (SELECT count(*) FROM conversations WHERE created_at >= $1) AS conversations_new,
                    (SELECT count(*) FROM messages WHERE created_at >= $1 AND direction = 'inbound') AS messages_inbound,
                    (SELECT count(*) FROM messages WHERE created_at >= $1 AND direction = 'outbound') AS messages_outbound,
                    (SELECT count(*) FROM conversations WHERE status = 'open') AS open_conversations,
                    (SELECT count(*) FROM conversations WHERE status = 'open' AND assignee_id IS NULL) AS unassigned_open",
        )
        .bind(from)
        .fetch_one(&mut *tx)
        .await?;
        let by_day = sqlx::query_as(
            "SELECT d::date AS day,
                    (SELECT count(*) FROM conversations c WHERE c.created_at >= d AND c.created_at < d + interval '1 day') AS conversations_new,
                    (SELECT count(*) FROM messages m WHERE m.created_at >= d AND m.created_at < d + interval '1 day' AND m.direction = 'inbound') AS messages_inbound,
                    (SELECT count(*) FROM messages m WHERE m.created_at >= d AND m.created_at < d + interval '1 day' AND m.direction = 'outbound') AS messages_outbound
             FROM generate_series($1::timestamptz, $2::timestamptz, interval '1 day') AS d ORDER BY d",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *tx)
        .await?;
        // A customer turn starts with an inbound message after an outbound one
        // (or the first message); its first response is the next agent message.
        let response_time = sqlx::query_as(
            "WITH m AS (
                SELECT conversation_id, seq, direction, created_at, lag(direction) OVER (PARTITION BY conversation_id ORDER BY seq) AS prev
                FROM messages WHERE created_at >= $1 AND type <> 'reaction'
             ), turns AS (
                SELECT conversation_id, seq, created_at FROM m WHERE direction = 'inbound' AND (prev IS NULL OR prev = 'outbound')
             ), answered AS (
                SELECT extract(epoch FROM (SELECT min(o.created_at) FROM messages o WHERE o.conversation_id = t.conversation_id AND o.seq > t.seq
                       AND o.direction = 'outbound' AND o.sent_by->>'kind' = 'agent') - t.created_at)::float8 AS secs
                FROM turns t
             )
             SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY secs) AS median, percentile_cont(0.9) WITHIN GROUP (ORDER BY secs) AS p90, count(secs) AS samples
             FROM answered WHERE secs IS NOT NULL",
        )
        .bind(from)
        .fetch_one(&mut *tx)
        .await?;
        let agents = sqlx::query_as(
            "SELECT u.id AS user_id, u.name, u.presence,
                    (SELECT count(*) FROM messages m WHERE m.created_at >= $1 AND m.sent_by->>'kind' = 'agent' AND m.sent_by->>'id' = u.id::text) AS messages_sent,
                    (SELECT count(*) FROM conversations c WHERE c.assignee_id = u.id AND c.status IN ('open', 'pending')) AS conversations_assigned
             FROM users u ORDER BY messages_sent DESC, u.name",
        )
        .bind(from)
        .fetch_all(&mut *tx)
        .await?;
        let flows = sqlx::query_as(
            "SELECT count(*) AS runs_started, count(*) FILTER (WHERE status = 'completed') AS runs_completed FROM flow_runs WHERE started_at >= $1",
        )
        .bind(from)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Overview { range, totals, by_day, response_time, agents, flows })
    }
}
