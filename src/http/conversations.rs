//! `/api/v1/conversations`: the inbox list (filters, pagination), one
//! conversation, and its messages. Agents see conversations assigned to them
//! and unassigned ones; admins see all.

use crate::auth::{AuthUser, Reader};
use crate::db::tenant_tx;
use crate::http::error::ApiError;
use crate::http::pagination::{self, Cursor};
use crate::startup::AppState;
use crate::store::visibility::Visibility;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::postgres::PgRow;
use sqlx::Row;
use whatsflow_actors::ids::{ConversationId, MessageId, Wamid};
use whatsflow_actors::message::{Direction, MessageStatus, MessageView, SentBy};
use whatsflow_actors::window::SESSION_WINDOW_HOURS;

/// Message columns, prefixed `m.`.
pub const MESSAGE_COLUMNS: &str =
    "m.id, m.conversation_id, m.seq, m.wamid, m.direction, m.type, m.status, m.content, m.context, m.referral,
    m.errors, m.reaction, m.pricing, m.sent_by, m.client_id, m.timestamp, m.created_at, m.sent_at, m.delivered_at, m.read_at, m.failed_at";

/// Reads a message row.
pub fn message_from_row(r: &PgRow) -> Result<MessageView, sqlx::Error> {
    let direction: String = r.try_get("direction")?;
    let status: String = r.try_get("status")?;
    Ok(MessageView {
        id: MessageId(r.try_get("id")?),
        conversation_id: ConversationId(r.try_get("conversation_id")?),
        seq: r.try_get("seq")?,
        wamid: r.try_get::<Option<String>, _>("wamid")?.map(Wamid),
        direction: if direction == "outbound" { Direction::Outbound } else { Direction::Inbound },
        kind: r.try_get("type")?,
        status: MessageStatus::parse(&status).unwrap_or(MessageStatus::Received),
        content: r.try_get("content")?,
        context: r.try_get("context")?,
        referral: r.try_get("referral")?,
        errors: r.try_get("errors")?,
        reaction: r.try_get("reaction")?,
        pricing: r.try_get("pricing")?,
        sent_by: r.try_get::<Option<Value>, _>("sent_by")?.and_then(|v| serde_json::from_value::<SentBy>(v).ok()),
        client_id: r.try_get("client_id")?,
        timestamp: r.try_get("timestamp")?,
        created_at: r.try_get("created_at")?,
        sent_at: r.try_get("sent_at")?,
        delivered_at: r.try_get("delivered_at")?,
        read_at: r.try_get("read_at")?,
        failed_at: r.try_get("failed_at")?,
    })
}

const CONVERSATION_SELECT: &str = "SELECT c.id, c.channel_id, c.status, c.assignee_id, c.unread_count, c.last_seq, c.last_inbound_at,
    c.last_message_at, c.created_at, c.updated_at, COALESCE(c.last_message_at, c.created_at) AS sort_at,
    k.id AS contact_id, k.phone, k.name AS contact_name, k.wa_user_id, k.username, k.tags, c.tags AS conversation_tags,
    lm.message AS last_message
  FROM conversations c
  JOIN contacts k ON k.id = c.contact_id
  LEFT JOIN LATERAL (
    SELECT to_jsonb(x) AS message FROM (
      SELECT m.id, m.seq, m.direction, m.type, m.status, m.content, m.timestamp FROM messages m
      WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id ORDER BY m.seq DESC LIMIT 1) x
  ) lm ON true";

fn conversation_json(r: &PgRow) -> Result<Value, sqlx::Error> {
    let last_inbound: Option<DateTime<Utc>> = r.try_get("last_inbound_at")?;
    Ok(json!({
        "id": r.try_get::<uuid::Uuid, _>("id")?,
        "channel_id": r.try_get::<uuid::Uuid, _>("channel_id")?,
        "contact": {
            "id": r.try_get::<uuid::Uuid, _>("contact_id")?,
            "phone": r.try_get::<Option<String>, _>("phone")?,
            "name": r.try_get::<Option<String>, _>("contact_name")?,
            "user_id": r.try_get::<Option<String>, _>("wa_user_id")?,
            "username": r.try_get::<Option<String>, _>("username")?,
            "tags": r.try_get::<Vec<String>, _>("tags")?,
        },
        "status": r.try_get::<String, _>("status")?,
        "tags": r.try_get::<Vec<String>, _>("conversation_tags")?,
        "assignee_id": r.try_get::<Option<uuid::Uuid>, _>("assignee_id")?,
        "unread_count": r.try_get::<i64, _>("unread_count")?,
        "last_seq": r.try_get::<i64, _>("last_seq")?,
        "last_inbound_at": last_inbound,
        "last_message_at": r.try_get::<Option<DateTime<Utc>>, _>("last_message_at")?,
        "window_expires_at": last_inbound.map(|t| t + Duration::hours(SESSION_WINDOW_HOURS)),
        "last_message": r.try_get::<Option<Value>, _>("last_message")?,
        "created_at": r.try_get::<DateTime<Utc>, _>("created_at")?,
        "updated_at": r.try_get::<DateTime<Utc>, _>("updated_at")?,
    }))
}

/// List filters.
#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    assignee: Option<String>,
    unread: Option<bool>,
    /// Contact name, phone or username contains this.
    search: Option<String>,
    /// The conversation or its contact carries this tag.
    tag: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// The inbox list, newest activity first.
pub async fn list(state: web::Data<AppState>, user: Reader, q: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    let limit = pagination::limit(q.limit)?;
    let cursor = q.cursor.as_deref().map(Cursor::decode).transpose()?;
    if let Some(s) = &q.status {
        if !["open", "pending", "resolved", "closed"].contains(&s.as_str()) {
            return Err(ApiError::validation("`status` must be open, pending, resolved or closed"));
        }
    }
    // assignee: me | unassigned | all | <user id>
    let (assignee_mode, assignee_id) = match q.assignee.as_deref() {
        None | Some("all") => ("all", None),
        Some("me") => ("user", Some(user.user_id.0)),
        Some("unassigned") => ("none", None),
        Some(other) => (
            "user",
            Some(other.parse::<uuid::Uuid>().map_err(|_| ApiError::validation("`assignee` must be me, unassigned, all or a user id"))?),
        ),
    };
    let rule = Visibility::of(&user);
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let rows = sqlx::query(&format!(
        "{CONVERSATION_SELECT}
         WHERE ($1::text IS NULL OR c.status = $1)
           AND ($2 = 'all' OR ($2 = 'none' AND c.assignee_id IS NULL) OR ($2 = 'user' AND c.assignee_id = $3))
           AND (NOT $4 OR c.unread_count > 0)
           AND {visible}
           AND ($7::timestamptz IS NULL OR (COALESCE(c.last_message_at, c.created_at), c.id) < ($7, $8))
           AND ($10::text IS NULL OR k.name ILIKE $10 OR k.phone ILIKE $10 OR k.username ILIKE $10)
           AND ($11::text IS NULL OR $11 = ANY(c.tags) OR $11 = ANY(k.tags))
         ORDER BY COALESCE(c.last_message_at, c.created_at) DESC, c.id DESC
         LIMIT $9",
        visible = Visibility::sql("c", 5)
    ))
    .bind(&q.status)
    .bind(assignee_mode)
    .bind(assignee_id)
    .bind(q.unread.unwrap_or(false))
    .bind(rule.sees_all())
    .bind(rule.viewer())
    .bind(cursor.map(|c| c.t))
    .bind(cursor.map(|c| c.id))
    .bind(limit + 1)
    .bind(q.search.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(crate::http::contacts::like_pattern))
    .bind(q.tag.as_deref().map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty()))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    page(rows, limit, conversation_json, |r| Ok(Cursor { t: r.try_get("sort_at")?, id: r.try_get("id")? }))
}

/// Builds `{data, next_cursor}` from `limit + 1` fetched rows.
pub fn page(
    mut rows: Vec<PgRow>,
    limit: i64,
    to_json: impl Fn(&PgRow) -> Result<Value, sqlx::Error>,
    cursor_of: impl Fn(&PgRow) -> Result<Cursor, sqlx::Error>,
) -> Result<HttpResponse, ApiError> {
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next = match (more, rows.last()) {
        (true, Some(last)) => Some(cursor_of(last)?.encode()),
        _ => None,
    };
    let data = rows.iter().map(to_json).collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": next})))
}

/// One conversation as the API shows it, if the caller may see it.
pub async fn conversation_by_id(state: &AppState, user: &AuthUser, id: uuid::Uuid) -> Result<Value, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let sql = format!("{CONVERSATION_SELECT} WHERE c.id = $1 AND {}", Visibility::sql("c", 2));
    let row = Visibility::of(user).bind(sqlx::query(&sql).bind(id)).fetch_optional(&mut *tx).await?;
    tx.commit().await?;
    let row = row.ok_or(ApiError::NotFound("conversation"))?;
    Ok(conversation_json(&row)?)
}

/// One conversation.
pub async fn get(state: web::Data<AppState>, user: Reader, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(conversation_by_id(&state, &user, *path).await?))
}

/// Message page query.
#[derive(Deserialize)]
pub struct MessagesQuery {
    limit: Option<i64>,
    /// Messages older than this sequence number (the `next_cursor`).
    cursor: Option<String>,
    /// Only messages created after this sequence number (resynchronisation).
    after_seq: Option<i64>,
}

/// A conversation's messages in ascending sequence; pages go back in time.
pub async fn messages(
    state: web::Data<AppState>,
    user: Reader,
    path: web::Path<uuid::Uuid>,
    q: web::Query<MessagesQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = pagination::limit(q.limit)?;
    let before: Option<i64> = match &q.cursor {
        Some(c) => Some(
            c.parse()
                .map_err(|_| ApiError::BadRequest { code: "INVALID_CURSOR", message: "`cursor` is not one this API returned".into() })?,
        ),
        None => None,
    };
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let sql = format!("SELECT c.id FROM conversations c WHERE c.id = $1 AND {}", Visibility::sql("c", 2));
    let visible: Option<uuid::Uuid> =
        Visibility::of(&user).bind_scalar(sqlx::query_scalar(&sql).bind(*path)).fetch_optional(&mut *tx).await?;
    if visible.is_none() {
        return Err(ApiError::NotFound("conversation"));
    }
    let rows = if let Some(after) = q.after_seq {
        sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = $1 AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3"
        ))
        .bind(*path)
        .bind(after)
        .bind(limit + 1)
        .fetch_all(&mut *tx)
        .await?
    } else {
        let mut rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = $1 AND ($2::bigint IS NULL OR m.seq < $2) ORDER BY m.seq DESC LIMIT $3"
        ))
        .bind(*path)
        .bind(before)
        .bind(limit + 1)
        .fetch_all(&mut *tx)
        .await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        rows.reverse();
        tx.commit().await?;
        let next = if more { rows.first().map(|r| r.try_get::<i64, _>("seq")).transpose()?.map(|s| s.to_string()) } else { None };
        let data = rows.iter().map(message_from_row).collect::<Result<Vec<_>, _>>()?;
        return Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": next})));
    };
    tx.commit().await?;
    let more = rows.len() as i64 > limit;
    let data = rows.iter().take(usize::try_from(limit).unwrap_or(0)).map(message_from_row).collect::<Result<Vec<_>, _>>()?;
    // Going forward, the next page starts after the last sequence returned.
    let next_after = if more { data.last().map(|m| m.seq) } else { None };
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": null, "next_after_seq": next_after})))
}
