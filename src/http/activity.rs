//! What the inbox shows about a conversation besides its messages: `GET
//! /conversations/{id}/activity` (assignments, status and team changes, the
//! bot's hand-off, runs of flows) and `GET /conversations/{id}/bot` (the
//! flow running in it now, for the banner with pause, resume and stop).

use crate::auth::Reader;
use crate::http::error::ApiError;
use crate::http::messages::target;
use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use serde_json::json;
use whatsflow_actors::ids::ConversationId;

/// The conversation's latest activity, oldest first.
pub async fn activity(state: web::Data<AppState>, user: Reader, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    target(&state, &user, *path).await?;
    let data = state.db.tenant(user.tenant_id).activity().list(ConversationId(*path)).await?;
    Ok(HttpResponse::Ok().json(json!({"data": data})))
}

/// The bot live in the conversation (`run: null` when none is).
pub async fn bot(state: web::Data<AppState>, user: Reader, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    target(&state, &user, *path).await?;
    let run = state.db.tenant(user.tenant_id).activity().bot(ConversationId(*path)).await?;
    Ok(HttpResponse::Ok().json(json!({"run": run})))
}
