//! `GET|POST /webhooks/whatsapp[/{app_id}]`: Meta's subscription check and
//! event delivery. A POST is authenticated by `X-Hub-Signature-256` (HMAC-
//! SHA256 of the exact bytes received, compared in constant time), parsed,
//! committed to the inbox, and only then acknowledged.

use crate::crypto::Sealed;
use crate::http::error::{ApiError, ErrorCode};
use crate::startup::AppState;
use crate::store::inbox::InboxSource;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use futures::StreamExt;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use whatsflow_actors::ids::TenantId;
use whatsflow_actors::meta::{parse_webhook, WebhookParseError};

/// Meta's largest webhook POST (3 MB).
pub const MAX_WEBHOOK_BYTES: usize = 3 * 1024 * 1024;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";

/// Checks `sha256=<hex>` against the HMAC-SHA256 of `body` under `secret`.
pub fn signature_valid(secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else { return false };
    let Ok(sig) = hex::decode(hex_sig) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else { return false };
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

/// Computes the header value Meta would send (tests and the simulator sign with it).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Meta's verification query.
#[derive(Deserialize)]
pub struct VerifyQuery {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// Which secret of a tenant's Meta app a webhook call needs.
enum AppSecret {
    /// The app secret, to check a POST's signature.
    Signing,
    /// The verify token, for the subscription check.
    VerifyToken,
}

/// A tenant app's tenant and the one secret this call needs, decrypted
/// (a POST never opens the verify token).
async fn tenant_app(state: &AppState, app_id: &str, which: AppSecret) -> Result<(TenantId, String), ApiError> {
    let (tenant, secret, token) = state.db.platform().meta_app(app_id).await?.ok_or(ApiError::NotFound("Meta app"))?;
    let (sealed, kind) = match which {
        AppSecret::Signing => (secret, Sealed::AppSecret),
        AppSecret::VerifyToken => (token, Sealed::VerifyToken),
    };
    let open = state.secrets.open(&sealed, &kind.context(tenant, app_id)).map_err(|e| ApiError::Internal(e.into()))?;
    Ok((tenant, open))
}

fn verify_subscription(q: &VerifyQuery, expected_token: &str) -> HttpResponse {
    let token_ok = q.verify_token.as_deref().is_some_and(|t| bool::from(t.as_bytes().ct_eq(expected_token.as_bytes())));
    match (q.mode.as_deref(), &q.challenge) {
        (Some("subscribe"), Some(challenge)) if token_ok => HttpResponse::Ok().content_type("text/plain").body(challenge.clone()),
        _ => ApiError::Forbidden(
            "verification failed: hub.mode must be `subscribe` and hub.verify_token must match the configured verify token".into(),
        )
        .error_response(),
    }
}

/// `GET /webhooks/whatsapp`: the platform app's subscription check.
pub async fn verify_platform(state: web::Data<AppState>, q: web::Query<VerifyQuery>) -> HttpResponse {
    verify_subscription(&q, state.config.verify_token.expose())
}

/// `GET /webhooks/whatsapp/{app_id}`: a tenant app's subscription check.
pub async fn verify_tenant_app(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<VerifyQuery>,
) -> Result<HttpResponse, ApiError> {
    let (_, verify_token) = tenant_app(&state, &path, AppSecret::VerifyToken).await?;
    Ok(verify_subscription(&q, &verify_token))
}

async fn read_body(req: &HttpRequest, mut payload: web::Payload) -> Result<web::Bytes, ApiError> {
    let too_large = || ApiError::PayloadTooLarge(format!("webhook body exceeds Meta's maximum of {MAX_WEBHOOK_BYTES} bytes"));
    let declared =
        req.headers().get(actix_web::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_WEBHOOK_BYTES) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(4096).min(MAX_WEBHOOK_BYTES));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest { code: ErrorCode::BodyUnreadable, message: e.to_string() })?;
        if body.len() + chunk.len() > MAX_WEBHOOK_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

async fn receive(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    secret: &str,
    source: InboxSource,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(req, payload).await?;
    let header = req.headers().get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    if !signature_valid(secret.as_bytes(), &body, header) {
        state.webhook_stats.signature_failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Err(ApiError::Unauthorized(
            "missing or wrong X-Hub-Signature-256: it must be `sha256=` and the hex HMAC-SHA256 of the exact body under the app secret"
                .into(),
        ));
    }
    let parsed = parse_webhook(&body).map_err(|e| match e {
        WebhookParseError::Json(m) => {
            ApiError::BadRequest { code: ErrorCode::InvalidJson, message: format!("webhook body is not valid JSON: {m}") }
        }
        WebhookParseError::Shape(m) => {
            ApiError::BadRequest { code: ErrorCode::InvalidWebhook, message: format!("not a WhatsApp webhook: {m}") }
        }
    })?;
    let (events, rejected) = (parsed.events.len(), parsed.rejected.len());
    // Whatever stops the body from being stored, Meta must retry it later.
    let inbox_id = state.inbox.receive(source.app_id.clone(), body).await.map_err(|e| {
        tracing::warn!(error = %e, "webhook not stored; answering 503 so Meta retries");
        ApiError::Unavailable("the webhook could not be stored; retry later".into())
    })?;
    state.webhook_stats.accepted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    state.inbox.dispatch(&state.router, &source, inbox_id, parsed).await;
    Ok(HttpResponse::Ok().json(serde_json::json!({"received": true, "inbox_id": inbox_id, "events": events, "rejected": rejected})))
}

/// `POST /webhooks/whatsapp`: events signed with the platform app secret.
pub async fn receive_platform(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> Result<HttpResponse, ApiError> {
    let secret = state.config.app_secret.expose().to_owned();
    receive(&state, &req, payload, &secret, InboxSource { app_id: None, tenant: None }).await
}

/// `POST /webhooks/whatsapp/{app_id}`: events signed with a tenant app's secret.
pub async fn receive_tenant_app(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let app_id = path.into_inner();
    let (tenant, app_secret) = tenant_app(&state, &app_id, AppSecret::Signing).await?;
    receive(&state, &req, payload, &app_secret, InboxSource { app_id: Some(app_id), tenant: Some(tenant) }).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_round_trip_and_tamper() {
        let body = br#"{"a":"caf\u00e9 \/x"}"#;
        let sig = sign(b"s3cret", body);
        assert!(signature_valid(b"s3cret", body, Some(&sig)));
        assert!(!signature_valid(b"other", body, Some(&sig)));
        assert!(!signature_valid(b"s3cret", br#"{"a":"caf\u00e9 /x"}"#, Some(&sig)));
        assert!(!signature_valid(b"s3cret", body, None));
        assert!(!signature_valid(b"s3cret", body, Some("sha1=abc")));
        assert!(!signature_valid(b"s3cret", body, Some("sha256=zz")));
    }
}
