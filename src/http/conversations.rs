//! `/api/v1/conversations`: the inbox list (filters, pagination), one
//! conversation, and its messages. Agents see conversations assigned to them
//! and unassigned ones; admins see all.

use crate::auth::{AuthUser, Reader};
use crate::http::contacts::like_pattern;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::pagination::{self, page_response};
use crate::startup::AppState;
use crate::store::repo::conversations::{AssigneeFilter, ConversationFilter, ConversationView, MessagePage};
use crate::store::visibility::Visibility;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use whatsflow_actors::ids::{ConversationId, UserId};
use whatsflow_actors::ports::ConversationStatus;

/// The 400 for a `status` that is not one of the four.
pub fn bad_status() -> ApiError {
    ApiError::validation("`status` must be open, pending, resolved or closed")
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
    /// A team id, or `none`.
    team_id: Option<String>,
    /// A channel (number) id.
    channel_id: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// Reads `assignee`: me | unassigned | all | a user id.
fn assignee_filter(raw: Option<&str>, caller: &AuthUser) -> Result<AssigneeFilter, ApiError> {
    match raw {
        None | Some("all") => Ok(AssigneeFilter::All),
        Some("me") => Ok(AssigneeFilter::User(caller.user_id)),
        Some("unassigned") => Ok(AssigneeFilter::Unassigned),
        Some(other) => other
            .parse::<uuid::Uuid>()
            .map(|id| AssigneeFilter::User(UserId(id)))
            .map_err(|_| ApiError::validation("`assignee` must be me, unassigned, all or a user id")),
    }
}

/// The inbox list, newest activity first.
pub async fn list(state: web::Data<AppState>, user: Reader, q: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    let status = q.status.as_deref().map(|s| ConversationStatus::parse(s).ok_or_else(bad_status)).transpose()?;
    let filter = ConversationFilter {
        status,
        assignee: assignee_filter(q.assignee.as_deref(), &user)?,
        unread: q.unread.unwrap_or(false),
        pattern: q.search.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(like_pattern),
        tag: q.tag.as_deref().map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty()),
        team: match q.team_id.as_deref() {
            None | Some("") => None,
            Some("none") => Some(None),
            Some(id) => Some(Some(id.parse::<uuid::Uuid>().map_err(|_| ApiError::validation("`team_id` must be a team id or `none`"))?)),
        },
        channel: match q.channel_id.as_deref() {
            None | Some("") => None,
            Some(id) => Some(id.parse::<uuid::Uuid>().map_err(|_| ApiError::validation("`channel_id` must be a channel id"))?),
        },
        after: pagination::cursor(q.cursor.as_deref())?,
        limit: pagination::limit(q.limit)?,
    };
    let page = state.db.tenant(user.tenant_id).conversations().list(&filter, Visibility::of(&user)).await?;
    Ok(page_response(page))
}

/// One conversation as the API shows it, if the caller may see it.
pub async fn conversation_by_id(state: &AppState, user: &AuthUser, id: ConversationId) -> Result<ConversationView, ApiError> {
    state.db.tenant(user.tenant_id).conversations().get(id, Visibility::of(user)).await?.ok_or(ApiError::NotFound("conversation"))
}

/// One conversation.
pub async fn get(state: web::Data<AppState>, user: Reader, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(conversation_by_id(&state, &user, ConversationId(*path)).await?))
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
        Some(c) => Some(c.parse().map_err(|_| ApiError::BadRequest {
            code: ErrorCode::InvalidCursor,
            message: "`cursor` is not one this API returned; start again without it".into(),
        })?),
        None => None,
    };
    let page = state
        .db
        .tenant(user.tenant_id)
        .conversations()
        .messages(ConversationId(*path), Visibility::of(&user), before, q.after_seq, limit)
        .await?
        .ok_or(ApiError::NotFound("conversation"))?;
    Ok(HttpResponse::Ok().json(match page {
        MessagePage::Back { items, before } => json!({"data": items, "next_cursor": before.map(|s| s.to_string())}),
        MessagePage::Forward { items, after } => json!({"data": items, "next_cursor": null, "next_after_seq": after}),
    }))
}
