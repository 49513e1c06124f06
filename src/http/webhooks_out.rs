//! `/api/v1/webhooks`: the tenant's outbound webhook endpoints. Each
//! subscribes to event types; deliveries are JSON `{"id", "type",
//! "created_at", "tenant_id", "data"}` signed with the endpoint's secret in
//! `X-Whatsflow-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw
//! body>")>` (receivers should refuse timestamps older than 5 minutes and
//! deduplicate on `id`). The secret is shown once, at creation or rotation.
//! Managed by admins and write-scoped API keys (an operator viewing the
//! account cannot add or re-point one).

use crate::auth::Manager;
use crate::crypto::Sealed;
use crate::http::error::ApiError;
use crate::http::pagination;
use crate::startup::AppState;
use crate::store::repo::webhooks_out::{Created, EndpointPatch, NewEndpoint};
use crate::webhooks_out::{is_event_type, EVENT_TYPES, MAX_ENDPOINTS, TEST_EVENT};
use actix_web::{web, HttpResponse};
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde::Deserialize;
use serde_json::json;

/// `POST /webhooks`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    url: String,
    events: Vec<String>,
    #[serde(default)]
    description: Option<String>,
}

/// `PATCH /webhooks/{id}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    events: Option<Vec<String>>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    enabled: Option<bool>,
}

/// `?cursor=&limit=&status=` of the logs and deliveries.
#[derive(Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
    limit: Option<i64>,
    status: Option<String>,
}

fn valid_url(url: &str) -> Result<String, ApiError> {
    let url = url.trim();
    let parsed = reqwest::Url::parse(url).map_err(|_| {
        ApiError::validation(format!("`url` is not a URL: `{url}`; give the full address, such as https://example.com/hooks"))
    })?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
        return Err(ApiError::validation("`url` must be an http(s) address with a host, such as https://example.com/hooks"));
    }
    if url.len() > 2048 {
        return Err(ApiError::validation("`url` is longer than 2048 characters"));
    }
    Ok(url.to_owned())
}

fn valid_events(events: &[String]) -> Result<Vec<String>, ApiError> {
    if events.is_empty() || events.len() > 32 {
        return Err(ApiError::validation("`events` must list 1 to 32 event types (GET /api/v1/webhooks/events lists them)"));
    }
    if let Some(bad) = events.iter().find(|e| !is_event_type(e)) {
        let known: Vec<&str> = EVENT_TYPES.iter().map(|(n, _)| *n).collect();
        return Err(ApiError::validation(format!("`{bad}` is not an event type; use one of {}", known.join(", "))));
    }
    let mut out = events.to_vec();
    out.sort();
    out.dedup();
    Ok(out)
}

fn valid_description(d: Option<&str>) -> Result<String, ApiError> {
    let d = d.unwrap_or("").trim();
    if d.chars().count() > 200 {
        return Err(ApiError::validation("`description` is longer than 200 characters"));
    }
    Ok(d.to_owned())
}

fn new_secret() -> String {
    let body: String = rand::thread_rng().sample_iter(&Alphanumeric).take(40).map(char::from).collect();
    format!("whsec_{body}")
}

/// The event types an endpoint may subscribe to.
pub async fn events(_user: Manager) -> Result<HttpResponse, ApiError> {
    let data: Vec<_> = EVENT_TYPES.iter().map(|(name, about)| json!({"type": name, "description": about})).collect();
    Ok(HttpResponse::Ok().json(json!({"data": data})))
}

/// Adds an endpoint; the answer is the only time its secret is shown.
pub async fn create(state: web::Data<AppState>, user: Manager, body: web::Json<NewWebhook>) -> Result<HttpResponse, ApiError> {
    crate::http::security::not_impersonating(&user)?;
    let url = valid_url(&body.url)?;
    let events = valid_events(&body.events)?;
    let description = valid_description(body.description.as_deref())?;
    let id = uuid::Uuid::new_v4();
    let secret = new_secret();
    let secret_enc = state.secrets.seal(&secret, &Sealed::WebhookSecret.context(user.tenant_id, &id.to_string()));
    let created = state
        .db
        .tenant(user.tenant_id)
        .webhooks()
        .create(NewEndpoint { id, url: &url, description: &description, events: &events, secret_enc, created_by: user.user_id })
        .await?;
    let view = match created {
        Created::Done(view) => view,
        Created::TooMany => {
            return Err(ApiError::validation(format!(
                "an account may have at most {MAX_ENDPOINTS} webhook endpoints; delete one or subscribe an existing one to more events"
            )))
        }
    };
    state.webhook_interest.forget(user.tenant_id);
    let entry = crate::audit::Entry::by(&user, "webhook.created")
        .target(format!("webhook:{id}"))
        .change(None, Some(json!({"url": url, "events": events})));
    state.db.audit().append(entry).await?;
    let mut out = serde_json::to_value(&*view).map_err(|e| ApiError::Internal(e.into()))?;
    out["secret"] = json!(secret);
    Ok(HttpResponse::Created().json(out))
}

/// Every endpoint (never their secrets), with what waits and the last answer.
pub async fn list(state: web::Data<AppState>, user: Manager) -> Result<HttpResponse, ApiError> {
    let data = state.db.tenant(user.tenant_id).webhooks().list().await?;
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": null})))
}

/// One endpoint.
pub async fn get(state: web::Data<AppState>, user: Manager, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let view = state.db.tenant(user.tenant_id).webhooks().get(*path).await?.ok_or(ApiError::NotFound("webhook"))?;
    Ok(HttpResponse::Ok().json(view))
}

/// Changes an endpoint's URL, events, description, or switches it on or off.
pub async fn update(
    state: web::Data<AppState>,
    user: Manager,
    path: web::Path<uuid::Uuid>,
    body: web::Json<WebhookPatch>,
) -> Result<HttpResponse, ApiError> {
    if body.url.is_some() {
        crate::http::security::not_impersonating(&user)?;
    }
    let patch = EndpointPatch {
        url: body.url.as_deref().map(valid_url).transpose()?,
        description: body.description.as_deref().map(|d| valid_description(Some(d))).transpose()?,
        events: body.events.as_deref().map(valid_events).transpose()?,
        enabled: body.enabled,
    };
    let before = state.db.tenant(user.tenant_id).webhooks().get(*path).await?.ok_or(ApiError::NotFound("webhook"))?;
    let view = state.db.tenant(user.tenant_id).webhooks().update(*path, patch).await?.ok_or(ApiError::NotFound("webhook"))?;
    state.webhook_interest.forget(user.tenant_id);
    let entry = crate::audit::Entry::by(&user, "webhook.updated").target(format!("webhook:{}", *path)).change(
        Some(json!({"url": before.url, "events": before.events, "enabled": before.enabled})),
        Some(json!({"url": view.url, "events": view.events, "enabled": view.enabled})),
    );
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Deletes an endpoint with its waiting deliveries and log.
pub async fn delete(state: web::Data<AppState>, user: Manager, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    if !state.db.tenant(user.tenant_id).webhooks().delete(*path).await? {
        return Err(ApiError::NotFound("webhook"));
    }
    state.webhook_interest.forget(user.tenant_id);
    state.db.audit().append(crate::audit::Entry::by(&user, "webhook.deleted").target(format!("webhook:{}", *path))).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A new signing secret, in force at once; shown once.
pub async fn rotate_secret(state: web::Data<AppState>, user: Manager, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    crate::http::security::not_impersonating(&user)?;
    let secret = new_secret();
    let sealed = state.secrets.seal(&secret, &Sealed::WebhookSecret.context(user.tenant_id, &path.to_string()));
    if !state.db.tenant(user.tenant_id).webhooks().set_secret(*path, &sealed).await? {
        return Err(ApiError::NotFound("webhook"));
    }
    state.db.audit().append(crate::audit::Entry::by(&user, "webhook.secret_rotated").target(format!("webhook:{}", *path))).await?;
    Ok(HttpResponse::Ok().json(json!({"id": *path, "secret": secret})))
}

/// Sends a `webhook.test` event now (outside the queue) and says what the
/// receiver answered; the attempt is logged.
pub async fn test(state: web::Data<AppState>, user: Manager, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let hooks = state.db.tenant(user.tenant_id).webhooks();
    let (url, sealed) = hooks.target(*path).await?.ok_or(ApiError::NotFound("webhook"))?;
    let secret = state
        .secrets
        .open(&sealed, &Sealed::WebhookSecret.context(user.tenant_id, &path.to_string()))
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("the webhook secret cannot be opened with this server's master key")))?;
    let event_id = uuid::Uuid::new_v4();
    let payload = json!({
        "id": event_id, "type": TEST_EVENT, "created_at": chrono::Utc::now(), "tenant_id": user.tenant_id.0,
        "data": {"endpoint_id": *path, "message": "A test delivery from whatsflow: answer with any 2xx status."},
    });
    let outcome =
        crate::webhooks_out::worker::post(&state.egress, &url, &secret, &payload, TEST_EVENT, state.config.webhook_delivery.timeout).await;
    state.db.tenant(user.tenant_id).webhooks().record_test(*path, event_id, &payload, &outcome).await?;
    Ok(HttpResponse::Ok().json(json!({
        "ok": outcome.ok(), "event_id": event_id, "status_code": outcome.status_code, "latency_ms": outcome.latency_ms,
        "error": outcome.error, "response_excerpt": outcome.response_excerpt,
    })))
}

/// Every attempt made to an endpoint, newest first (paginated).
pub async fn logs(
    state: web::Data<AppState>,
    user: Manager,
    path: web::Path<uuid::Uuid>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let hooks = state.db.tenant(user.tenant_id).webhooks();
    hooks.target(*path).await?.ok_or(ApiError::NotFound("webhook"))?;
    let page = state
        .db
        .tenant(user.tenant_id)
        .webhooks()
        .attempts(*path, pagination::cursor(q.cursor.as_deref())?, pagination::limit(q.limit)?)
        .await?;
    Ok(pagination::page_response(page))
}

/// An endpoint's deliveries, newest first, optionally of one status
/// (`pending`, `delivered`, `failed`), with their bodies.
pub async fn deliveries(
    state: web::Data<AppState>,
    user: Manager,
    path: web::Path<uuid::Uuid>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Some(s) = q.status.as_deref() {
        if !matches!(s, "pending" | "delivered" | "failed") {
            return Err(ApiError::validation("`status` must be pending, delivered or failed"));
        }
    }
    state.db.tenant(user.tenant_id).webhooks().target(*path).await?.ok_or(ApiError::NotFound("webhook"))?;
    let page = state
        .db
        .tenant(user.tenant_id)
        .webhooks()
        .deliveries(*path, q.status.as_deref(), pagination::cursor(q.cursor.as_deref())?, pagination::limit(q.limit)?)
        .await?;
    Ok(pagination::page_response(page))
}

/// Sends a delivery again by hand: the same event (same id and body),
/// queued after what waits for the endpoint.
pub async fn replay(
    state: web::Data<AppState>,
    user: Manager,
    path: web::Path<(uuid::Uuid, uuid::Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (endpoint, delivery) = *path;
    let id = state.db.tenant(user.tenant_id).webhooks().replay(endpoint, delivery).await?.ok_or(ApiError::NotFound("delivery"))?;
    let entry = crate::audit::Entry::by(&user, "webhook.replayed")
        .target(format!("webhook:{endpoint}"))
        .change(None, Some(json!({"delivery_id": delivery})));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Accepted().json(json!({"delivery_id": id, "status": "pending"})))
}
