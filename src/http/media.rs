//! Media through a channel: `POST /channels/{id}/media` uploads a file to
//! Meta (checked against WhatsApp's types and sizes first, spooled to a
//! temporary file rather than held in memory) and answers the media id to
//! send with; `GET /channels/{id}/media/{media_id}` streams a customer's
//! media to the inbox as an attachment, under a type that is safe to serve
//! (anything but plain images, audio and video is `application/octet-stream`:
//! a customer's "image" can be HTML or SVG with a script).

use crate::auth::{AuthUser, Reader, Writer};
use crate::http::error::{ApiError, ErrorCode};
use crate::startup::AppState;
use actix_multipart::Multipart;
use actix_web::{web, HttpResponse};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use whatsflow_actors::ids::ChannelId;
use whatsflow_actors::media;
use whatsflow_actors::outbound::SendError;
use whatsflow_actors::ports::ChannelRef;

async fn channel(state: &AppState, user: &AuthUser, id: uuid::Uuid) -> Result<ChannelRef, ApiError> {
    state.db.tenant(user.tenant_id).channels().channel_ref(ChannelId(id)).await?.ok_or(ApiError::NotFound("channel"))
}

fn graph_error(e: SendError) -> ApiError {
    match e {
        SendError::Permanent { code, title, .. } => {
            ApiError::Unprocessable { code: ErrorCode::MetaRejected, message: format!("Meta refused it ({code}): {title}") }
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
        form.try_next().await.map_err(|e| ApiError::BadRequest { code: ErrorCode::InvalidUpload, message: e.to_string() })?
    {
        if field.name() != Some("file") {
            continue;
        }
        let mime = field.content_type().map(|m| m.essence_str().to_owned()).unwrap_or_default();
        let rule = media::rule(&mime).ok_or_else(|| ApiError::BadRequest {
            code: ErrorCode::UnsupportedMedia,
            message: format!("`{mime}` is not a type WhatsApp accepts; use one of {}", media::supported()),
        })?;
        let filename = field.content_disposition().and_then(|d| d.get_filename()).unwrap_or("upload").to_owned();
        let spool = Spool::create().await?;
        let mut out = tokio::fs::File::from_std(spool.file.try_clone().map_err(|e| ApiError::Internal(e.into()))?);
        let mut size = 0usize;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| ApiError::BadRequest { code: ErrorCode::InvalidUpload, message: e.to_string() })?;
            if size + chunk.len() > rule.max_bytes {
                return Err(ApiError::PayloadTooLarge(format!("{mime} files may be at most {} bytes on WhatsApp", rule.max_bytes)));
            }
            size += chunk.len();
            out.write_all(&chunk).await.map_err(|e| ApiError::Internal(e.into()))?;
        }
        out.flush().await.map_err(|e| ApiError::Internal(e.into()))?;
        out.seek(std::io::SeekFrom::Start(0)).await.map_err(|e| ApiError::Internal(e.into()))?;
        let id = state.graph.upload_media(&channel, &mime, &filename, out, size as u64).await.map_err(graph_error)?;
        drop(spool);
        return Ok(
            HttpResponse::Created().json(json!({"id": id, "type": rule.kind, "mime_type": mime, "file_size": size, "filename": filename}))
        );
    }
    Err(ApiError::BadRequest { code: ErrorCode::InvalidUpload, message: "send the file as the multipart field `file`".into() })
}

/// Streams a media file (e.g. a customer's image) from Meta.
pub async fn download(state: web::Data<AppState>, user: Reader, path: web::Path<(uuid::Uuid, String)>) -> Result<HttpResponse, ApiError> {
    let (id, media_id) = path.into_inner();
    if media_id.is_empty() || !media_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') {
        return Err(ApiError::NotFound("media"));
    }
    let channel = channel(&state, &user, id).await?;
    let (mime, length, stream) = state.graph.download_media(&channel, &media_id).await.map_err(graph_error)?;
    let (served, extension) = safe_type(&mime);
    let mut res = HttpResponse::Ok();
    res.content_type(served)
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{media_id}{extension}\"")))
        .insert_header(("Cache-Control", "private, max-age=3600"));
    if let Some(n) = length {
        res.no_chunking(n);
    }
    Ok(res.streaming(stream))
}

/// Types served as themselves (with their extension); anything else is
/// served as `application/octet-stream`.
const SAFE_TYPES: &[(&str, &str)] = &[
    ("image/jpeg", ".jpg"),
    ("image/png", ".png"),
    ("image/webp", ".webp"),
    ("image/gif", ".gif"),
    ("audio/aac", ".aac"),
    ("audio/amr", ".amr"),
    ("audio/mpeg", ".mp3"),
    ("audio/mp4", ".m4a"),
    ("audio/ogg", ".ogg"),
    ("video/mp4", ".mp4"),
    ("video/3gpp", ".3gp"),
    ("application/pdf", ".pdf"),
];

/// The type to serve a stored media file as, and its file extension.
pub fn safe_type(mime: &str) -> (&'static str, &'static str) {
    let essence = mime.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    SAFE_TYPES.iter().find(|(t, _)| *t == essence).copied().unwrap_or(("application/octet-stream", ""))
}

/// A temporary file an upload is written to, removed when dropped.
struct Spool {
    path: std::path::PathBuf,
    file: std::fs::File,
}

impl Spool {
    async fn create() -> Result<Self, ApiError> {
        let path = std::env::temp_dir().join(format!("whatsflow-upload-{}", uuid::Uuid::new_v4().simple()));
        let p = path.clone();
        let file = web::block(move || std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(p))
            .await
            .map_err(|e| ApiError::Internal(e.into()))?
            .map_err(|e| ApiError::Internal(e.into()))?;
        Ok(Self { path, file })
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_plain_media_keeps_its_type() {
        assert_eq!(super::safe_type("image/jpeg"), ("image/jpeg", ".jpg"));
        assert_eq!(super::safe_type("text/html; charset=utf-8").0, "application/octet-stream");
        assert_eq!(super::safe_type("image/svg+xml").0, "application/octet-stream");
    }
}
