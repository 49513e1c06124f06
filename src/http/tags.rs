//! Tags on contacts and on conversations: add several at once (cleaned,
//! at most [`MAX_TAGS`] each, all or nothing) or remove one. A conversation's
//! tags follow the visibility rule like the conversation itself.

use crate::auth::Writer;
use crate::http::contacts::clean_tags;
use crate::http::error::ApiError;
use crate::startup::AppState;
use crate::store::repo::{TagsAdded, MAX_TAGS};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use whatsflow_actors::ids::{ContactId, ConversationId};

/// `{"tags": [...]}` to add.
#[derive(Deserialize)]
pub struct TagsBody {
    tags: Vec<String>,
}

fn tags_added(added: TagsAdded, what: &'static str) -> Result<HttpResponse, ApiError> {
    match added {
        TagsAdded::Done(tags) => Ok(HttpResponse::Ok().json(json!({"tags": tags}))),
        TagsAdded::NotFound => Err(ApiError::NotFound(what)),
        TagsAdded::TooMany => Err(ApiError::validation(format!("at most {MAX_TAGS} tags; remove some first"))),
    }
}

/// `POST /contacts/{id}/tags`.
pub async fn post_tags(
    state: web::Data<AppState>,
    user: Writer,
    path: web::Path<uuid::Uuid>,
    body: web::Json<TagsBody>,
) -> Result<HttpResponse, ApiError> {
    let tags = clean_tags(&body.tags)?;
    tags_added(state.db.tenant(user.tenant_id).contacts().add_tags(ContactId(*path), &tags).await?, "contact")
}

/// `DELETE /contacts/{id}/tags/{tag}`.
pub async fn delete_tag(state: web::Data<AppState>, user: Writer, path: web::Path<(uuid::Uuid, String)>) -> Result<HttpResponse, ApiError> {
    let (id, tag) = path.into_inner();
    let tags = state.db.tenant(user.tenant_id).contacts().remove_tag(ContactId(id), &tag.trim().to_lowercase()).await?;
    Ok(HttpResponse::Ok().json(json!({"tags": tags.ok_or(ApiError::NotFound("contact"))?})))
}

/// `POST /conversations/{id}/tags`.
pub async fn post_conversation_tags(
    state: web::Data<AppState>,
    user: Writer,
    path: web::Path<uuid::Uuid>,
    body: web::Json<TagsBody>,
) -> Result<HttpResponse, ApiError> {
    crate::http::messages::target(&state, &user, *path).await?;
    let tags = clean_tags(&body.tags)?;
    tags_added(state.db.tenant(user.tenant_id).conversations().add_tags(ConversationId(*path), &tags).await?, "conversation")
}

/// `DELETE /conversations/{id}/tags/{tag}`.
pub async fn delete_conversation_tag(
    state: web::Data<AppState>,
    user: Writer,
    path: web::Path<(uuid::Uuid, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, tag) = path.into_inner();
    crate::http::messages::target(&state, &user, id).await?;
    let tags = state.db.tenant(user.tenant_id).conversations().remove_tag(ConversationId(id), &tag.trim().to_lowercase()).await?;
    Ok(HttpResponse::Ok().json(json!({"tags": tags.ok_or(ApiError::NotFound("conversation"))?})))
}
