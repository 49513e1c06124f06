//! Media through a channel: `POST /channels/{id}/media` uploads a file to
//! Meta (checked against WhatsApp's types and sizes first) and answers the
//! media id to send with; `GET /channels/{id}/media/{media_id}` fetches a
//! customer's media for the inbox.

use crate::auth::{AuthUser, Reader, Writer};
use crate::db::tenant_tx;
use crate::http::error::ApiError;
use crate::startup::AppState;
use actix_multipart::Multipart;
use actix_web::{web, HttpResponse};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use whatsflow_actors::media;
use whatsflow_actors::outbound::SendError;
use whatsflow_actors::ports::ChannelRef;

async fn channel(state: &AppState, user: &AuthUser, id: uuid::Uuid) -> Result<ChannelRef, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let row = sqlx::query("SELECT id AS channel_id, phone_number_id, messages_per_second FROM channels WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    let row = row.ok_or(ApiError::NotFound("channel"))?;
    Ok(crate::store::channel_ref_from_row(user.tenant_id, &row)?)
}

fn graph_error(e: SendError) -> ApiError {
    match e {
        SendError::Permanent { code, title, .. } => {
            ApiError::Unprocessable { code: "META_REJECTED", message: format!("Meta refused it ({code}): {title}") }
        }
        SendError::Retryable { title, .. } | SendError::Ambiguous(title) => {
            ApiError::Unavailable(format!("Meta could not be reached: {title}; retry"))
        }
    }
}

/// Uploads the multipart field `file`.
pub async fn upload(
    state: web::Data<AppState>,
    user: Writer,
    path: web::Path<uuid::Uuid>,
    mut form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let channel = channel(&state, &user, *path).await?;
    while let Some(mut field) =
        form.try_next().await.map_err(|e| ApiError::BadRequest { code: "INVALID_UPLOAD", message: e.to_string() })?
    {
        if field.name() != Some("file") {
            continue;
        }
        let mime = field.content_type().map(|m| m.essence_str().to_owned()).unwrap_or_default();
        let rule = media::rule(&mime).ok_or_else(|| ApiError::BadRequest {
            code: "UNSUPPORTED_MEDIA",
            message: format!("`{mime}` is not a type WhatsApp accepts; use one of {}", media::supported()),
        })?;
        let filename = field.content_disposition().and_then(|d| d.get_filename()).unwrap_or("upload").to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| ApiError::BadRequest { code: "INVALID_UPLOAD", message: e.to_string() })?;
            if bytes.len() + chunk.len() > rule.max_bytes {
                return Err(ApiError::PayloadTooLarge(format!("{mime} files may be at most {} bytes on WhatsApp", rule.max_bytes)));
            }
            bytes.extend_from_slice(&chunk);
        }
        let size = bytes.len();
        let id = state.graph.upload_media(&channel, &mime, &filename, bytes).await.map_err(graph_error)?;
        return Ok(
            HttpResponse::Created().json(json!({"id": id, "type": rule.kind, "mime_type": mime, "file_size": size, "filename": filename}))
        );
    }
    Err(ApiError::BadRequest { code: "INVALID_UPLOAD", message: "send the file as the multipart field `file`".into() })
}

/// Streams a media file (e.g. a customer's image) from Meta.
pub async fn download(state: web::Data<AppState>, user: Reader, path: web::Path<(uuid::Uuid, String)>) -> Result<HttpResponse, ApiError> {
    let (id, media_id) = path.into_inner();
    if media_id.is_empty() || !media_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') {
        return Err(ApiError::NotFound("media"));
    }
    let channel = channel(&state, &user, id).await?;
    let (mime, bytes) = state.graph.download_media(&channel, &media_id).await.map_err(graph_error)?;
    Ok(HttpResponse::Ok().content_type(mime).insert_header(("Cache-Control", "private, max-age=3600")).body(bytes))
}
