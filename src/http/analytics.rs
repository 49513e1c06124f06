//! `GET /api/v1/analytics/overview?days=N`: the dashboard's numbers for the
//! last N days — conversations and messages per day, agents' first-response
//! times, what each agent did, and flow runs.

use crate::auth::Reader;
use crate::db::tenant_tx;
use crate::http::error::ApiError;
use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;
use sqlx::Row;

/// Query.
#[derive(Deserialize)]
pub struct OverviewQuery {
    days: Option<i64>,
}

/// The overview (admins see everyone's numbers; agents their tenant's too,
/// since the dashboard is shared).
pub async fn overview(state: web::Data<AppState>, user: Reader, q: web::Query<OverviewQuery>) -> Result<HttpResponse, ApiError> {
    let days = q.days.unwrap_or(7);
    if !(1..=90).contains(&days) {
        return Err(ApiError::validation("`days` must be between 1 and 90"));
    }
    let to = Utc::now();
    let from_day = (to - Duration::days(days - 1)).date_naive();
    let from: DateTime<Utc> = from_day.and_hms_opt(0, 0, 0).map(|d| d.and_utc()).unwrap_or(to);
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let totals = sqlx::query(
        "SELECT (SELECT count(*) FROM conversations WHERE created_at >= $1) AS conversations_new,
                (SELECT count(*) FROM messages WHERE created_at >= $1 AND direction = 'inbound') AS messages_inbound,
                (SELECT count(*) FROM messages WHERE created_at >= $1 AND direction = 'outbound') AS messages_outbound,
                (SELECT count(*) FROM conversations WHERE status = 'open') AS open_conversations,
                (SELECT count(*) FROM conversations WHERE status = 'open' AND assignee_id IS NULL) AS unassigned_open",
    )
    .bind(from)
    .fetch_one(&mut *tx)
    .await?;
    let by_day = sqlx::query(
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
    let response = sqlx::query(
        "WITH m AS (
            SELECT conversation_id, seq, direction, created_at, lag(direction) OVER (PARTITION BY conversation_id ORDER BY seq) AS prev
            FROM messages WHERE created_at >= $1 AND type <> 'reaction'
         ), turns AS (
            SELECT conversation_id, seq, created_at FROM m WHERE direction = 'inbound' AND (prev IS NULL OR prev = 'outbound')
         ), answered AS (
            SELECT extract(epoch FROM (SELECT min(o.created_at) FROM messages o WHERE o.conversation_id = t.conversation_id AND o.seq > t.seq
                   AND o.direction = 'outbound' AND o.sent_by->>'kind' = 'agent') - t.created_at) AS secs
            FROM turns t
         )
         SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY secs) AS median, percentile_cont(0.9) WITHIN GROUP (ORDER BY secs) AS p90, count(secs) AS samples
         FROM answered WHERE secs IS NOT NULL",
    )
    .bind(from)
    .fetch_one(&mut *tx)
    .await?;
    let agents = sqlx::query(
        "SELECT u.id, u.name, u.presence,
                (SELECT count(*) FROM messages m WHERE m.created_at >= $1 AND m.sent_by->>'kind' = 'agent' AND m.sent_by->>'id' = u.id::text) AS messages_sent,
                (SELECT count(*) FROM conversations c WHERE c.assignee_id = u.id AND c.status IN ('open', 'pending')) AS conversations_assigned
         FROM users u ORDER BY messages_sent DESC, u.name",
    )
    .bind(from)
    .fetch_all(&mut *tx)
    .await?;
    let flows = sqlx::query(
        "SELECT count(*) AS started, count(*) FILTER (WHERE status = 'completed') AS completed FROM flow_runs WHERE started_at >= $1",
    )
    .bind(from)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let n = |r: &sqlx::postgres::PgRow, c: &str| r.try_get::<i64, _>(c);
    Ok(HttpResponse::Ok().json(json!({
        "range": {"from": from, "to": to, "days": days},
        "totals": {
            "conversations_new": n(&totals, "conversations_new")?, "messages_inbound": n(&totals, "messages_inbound")?,
            "messages_outbound": n(&totals, "messages_outbound")?, "open_conversations": n(&totals, "open_conversations")?,
            "unassigned_open": n(&totals, "unassigned_open")?,
        },
        "by_day": by_day.iter().map(|r| Ok::<_, sqlx::Error>(json!({
            "day": r.try_get::<NaiveDate, _>("day")?, "conversations_new": n(r, "conversations_new")?,
            "messages_inbound": n(r, "messages_inbound")?, "messages_outbound": n(r, "messages_outbound")?,
        }))).collect::<Result<Vec<_>, _>>()?,
        "response_time": {
            "first_response_median_seconds": response.try_get::<Option<f64>, _>("median")?,
            "first_response_p90_seconds": response.try_get::<Option<f64>, _>("p90")?,
            "samples": n(&response, "samples")?,
        },
        "agents": agents.iter().map(|r| Ok::<_, sqlx::Error>(json!({
            "user_id": r.try_get::<uuid::Uuid, _>("id")?, "name": r.try_get::<String, _>("name")?, "presence": r.try_get::<String, _>("presence")?,
            "messages_sent": n(r, "messages_sent")?, "conversations_assigned": n(r, "conversations_assigned")?,
        }))).collect::<Result<Vec<_>, _>>()?,
        "flows": {"runs_started": n(&flows, "started")?, "runs_completed": n(&flows, "completed")?},
    })))
}
