//! `/api/v1/dead-letters`: events a conversation could not store after
//! repeated failures, parked with their error so they stop blocking the
//! conversation and its webhook inbox rows. Admins see them (agents were
//! alerted live) and feed them back once the cause is fixed.

use crate::auth::Admin;
use crate::db::tenant_tx;
use crate::http::error::ApiError;
use crate::startup::AppState;
use crate::store::inbox::{Inbox, Replay};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::Row;
use whatsflow_actors::parked::ParkedEvents;

/// Most dead letters listed.
const LIST_LIMIT: i64 = 200;

/// The tenant's dead letters, newest first.
pub async fn list(state: web::Data<AppState>, user: Admin) -> Result<HttpResponse, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let rows = sqlx::query(
        "SELECT id, channel_id, contact_id, conversation_id, jsonb_array_length(events->'works') AS events, error, created_at, retried_at
         FROM dead_letters ORDER BY created_at DESC, id DESC LIMIT $1",
    )
    .bind(LIST_LIMIT)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let data = rows
        .iter()
        .map(|r| {
            Ok::<_, sqlx::Error>(json!({
                "id": r.try_get::<i64, _>("id")?,
                "channel_id": r.try_get::<Option<uuid::Uuid>, _>("channel_id")?,
                "contact_id": r.try_get::<Option<uuid::Uuid>, _>("contact_id")?,
                "conversation_id": r.try_get::<Option<uuid::Uuid>, _>("conversation_id")?,
                "events": r.try_get::<i32, _>("events")?,
                "error": r.try_get::<String, _>("error")?,
                "created_at": r.try_get::<DateTime<Utc>, _>("created_at")?,
                "retried_at": r.try_get::<Option<DateTime<Utc>>, _>("retried_at")?,
            }))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": null})))
}

/// Feeds a dead letter's events back (once): they are stored as a replay
/// row of the webhook inbox in the same transaction that marks the letter
/// retried, so they are processed (and retried, and parked again if they
/// still fail) as durably as a webhook; the customer's contact is found
/// afresh.
pub async fn retry(state: web::Data<AppState>, user: Admin, path: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let row = sqlx::query(
        "UPDATE dead_letters d SET retried_at = now() FROM channels ch
         WHERE d.id = $1 AND d.retried_at IS NULL AND ch.id = d.channel_id
         RETURNING d.events, ch.phone_number_id",
    )
    .bind(*path)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        let state_of: Option<(Option<DateTime<Utc>>, Option<uuid::Uuid>)> =
            sqlx::query_as("SELECT retried_at, (SELECT id FROM channels WHERE id = d.channel_id) FROM dead_letters d WHERE id = $1")
                .bind(*path)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        return Err(match state_of {
            None => ApiError::NotFound("dead letter"),
            Some((Some(_), _)) => ApiError::Conflict { code: "ALREADY_RETRIED", message: "this dead letter was already retried".into() },
            Some((None, _)) => ApiError::Conflict {
                code: "CHANNEL_GONE",
                message: "the number these events arrived on was disconnected; they cannot be replayed".into(),
            },
        });
    };
    let events: ParkedEvents = serde_json::from_value(row.try_get::<Value, _>("events")?).map_err(|e| ApiError::Internal(e.into()))?;
    let count = events.works.len();
    let replay = Replay { tenant_id: user.tenant_id, phone_number_id: row.try_get("phone_number_id")?, events };
    let inbox_id = Inbox::store_replay(&mut tx, &replay).await?;
    tx.commit().await?;
    let body = serde_json::to_vec(&replay).map_err(|e| ApiError::Internal(e.into()))?;
    state.inbox.dispatch_replay(&state.router, inbox_id, &body).await;
    Ok(HttpResponse::Accepted().json(json!({"id": *path, "events": count, "retried": true})))
}
