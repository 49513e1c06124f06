//! `/api/v1/dead-letters`: events a conversation could not store after
//! repeated failures, parked with their error so they stop blocking the
//! conversation and its webhook inbox rows. Admins see them (agents were
//! alerted live) and feed them back once the cause is fixed.

use crate::auth::Admin;
use crate::http::error::{ApiError, ErrorCode};
use crate::startup::AppState;
use crate::store::repo::dead_letters::Retry;
use actix_web::{web, HttpResponse};
use serde_json::json;

/// The tenant's dead letters, newest first.
pub async fn list(state: web::Data<AppState>, user: Admin) -> Result<HttpResponse, ApiError> {
    let data = state.db.tenant(user.tenant_id).dead_letters().list().await?;
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": null})))
}

/// Feeds a dead letter's events back (once): they are stored as a replay
/// row of the webhook inbox in the same transaction that marks the letter
/// retried, so they are processed (and retried, and parked again if they
/// still fail) as durably as a webhook; the customer's contact is found
/// afresh.
pub async fn retry(state: web::Data<AppState>, user: Admin, path: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let (inbox_id, replay) = match state.db.tenant(user.tenant_id).dead_letters().retry(*path).await? {
        Retry::Queued { inbox_id, replay } => (inbox_id, replay),
        Retry::NotFound => return Err(ApiError::NotFound("dead letter")),
        Retry::AlreadyRetried => {
            return Err(ApiError::Conflict { code: ErrorCode::AlreadyRetried, message: "this dead letter was already retried".into() })
        }
        Retry::ChannelGone => {
            return Err(ApiError::Conflict {
                code: ErrorCode::ChannelGone,
                message: "the number these events arrived on was disconnected; they cannot be replayed".into(),
            })
        }
    };
    let count = replay.events.works.len();
    let body = serde_json::to_vec(&replay).map_err(|e| ApiError::Internal(e.into()))?;
    state.inbox.dispatch_replay(&state.router, inbox_id, &body).await;
    Ok(HttpResponse::Accepted().json(json!({"id": *path, "events": count, "retried": true})))
}
