//! `/api/v1/channels`: connect, list, change and disconnect WhatsApp numbers.
//! A number is connected only once Meta confirms, with the supplied token,
//! that it belongs to the stated WABA; a WABA belongs to one tenant. Access
//! tokens and app secrets go in encrypted (bound to their tenant and column)
//! and never come out; a rotated token is used from the next send.

use crate::auth::{Admin, Reader};
use crate::crypto::Sealed;
use crate::graph::{VerifiedNumber, VerifyError};
use crate::http::auth::required_text;
use crate::http::error::{ApiError, ErrorCode};
use crate::startup::AppState;
use crate::store::repo::channels::{ChannelChange, ChannelView, NewApp, NewChannel};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use whatsflow_actors::ids::ChannelId;

/// `POST /channels`.
#[derive(Deserialize)]
pub struct ConnectChannel {
    phone_number_id: String,
    display_phone_number: String,
    waba_id: String,
    access_token: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    messages_per_second: Option<i32>,
    #[serde(default)]
    app_id: Option<String>,
    #[serde(default)]
    app_secret: Option<String>,
    #[serde(default)]
    verify_token: Option<String>,
}

/// `PATCH /channels/{id}`.
#[derive(Deserialize)]
pub struct UpdateChannel {
    #[serde(default)]
    display_phone_number: Option<String>,
    #[serde(default)]
    waba_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    messages_per_second: Option<i32>,
}

fn meta_id(field: &str, v: &str) -> Result<String, ApiError> {
    let t = v.trim();
    if t.is_empty() || t.len() > 64 || !t.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::validation(format!("`{field}` must be Meta's numeric id (from WhatsApp Manager → API setup)")));
    }
    Ok(t.to_owned())
}

fn verify_error(e: VerifyError) -> ApiError {
    match e {
        VerifyError::Mismatch(m) => ApiError::Unprocessable {
            code: ErrorCode::ChannelNotVerified,
            message: format!("{m}; connect a number with the access token of the WhatsApp Business Account it belongs to"),
        },
        VerifyError::Unreachable(m) => ApiError::Unavailable(format!("{m}; try again")),
    }
}

fn mps(v: Option<i32>) -> Result<Option<i32>, ApiError> {
    match v {
        Some(n) if !(1..=1000).contains(&n) => Err(ApiError::validation("`messages_per_second` must be between 1 and 1000")),
        other => Ok(other),
    }
}

/// Connects a number (tenant admins only).
pub async fn create(state: web::Data<AppState>, user: Admin, body: web::Json<ConnectChannel>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let phone_number_id = meta_id("phone_number_id", &b.phone_number_id)?;
    let waba_id = meta_id("waba_id", &b.waba_id)?;
    let display = required_text("display_phone_number", &b.display_phone_number, 32)?;
    let token = required_text("access_token", &b.access_token, 4096)?;
    let rate = mps(b.messages_per_second)?.unwrap_or(80);
    let app = match b.app_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(app_id) => {
            let app_id = meta_id("app_id", app_id)?;
            let (Some(secret), Some(verify)) =
                (b.app_secret.as_deref().filter(|s| !s.is_empty()), b.verify_token.as_deref().filter(|s| !s.is_empty()))
            else {
                return Err(ApiError::validation(
                    "a channel with its own Meta app needs `app_id`, `app_secret` and `verify_token` together",
                ));
            };
            Some(NewApp {
                sealed_secret: state.secrets.seal(secret, &Sealed::AppSecret.context(user.tenant_id, &app_id)),
                sealed_verify_token: state.secrets.seal(verify, &Sealed::VerifyToken.context(user.tenant_id, &app_id)),
                app_id,
            })
        }
    };
    let verified = state.graph.verify_number(&token, &phone_number_id, &waba_id).await.map_err(verify_error)?;
    let id = ChannelId::generate();
    let view = state
        .db
        .tenant(user.tenant_id)
        .channels()
        .create(NewChannel {
            id,
            sealed_token: state.secrets.seal(&token, &Sealed::AccessToken.context(user.tenant_id, &id.0.to_string())),
            phone_number_id: phone_number_id.clone(),
            display_phone_number: display,
            waba_id,
            name: b.name.as_deref().unwrap_or("").trim().to_owned(),
            messages_per_second: rate,
            app,
        })
        .await?;
    let view = standing(&state, user.tenant_id, id, &verified).await?.unwrap_or(view);
    state.forget(crate::cluster::forget::Forget::Channel { phone_number_id: phone_number_id.clone() });
    let after = serde_json::json!({"phone_number_id": phone_number_id, "waba_id": view.waba_id, "credentials": "set"});
    let entry = crate::audit::Entry::by(&user, "channel.connected").target(format!("channel:{}", view.id)).change(None, Some(after));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Lists the tenant's numbers.
pub async fn list(state: web::Data<AppState>, user: Reader) -> Result<HttpResponse, ApiError> {
    let rows = state.db.tenant(user.tenant_id).channels().list().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"data": rows, "next_cursor": null})))
}

/// One number.
pub async fn get(state: web::Data<AppState>, user: Reader, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let row = state.db.tenant(user.tenant_id).channels().get(ChannelId(*path)).await?;
    Ok(HttpResponse::Ok().json(row.ok_or(ApiError::NotFound("channel"))?))
}

/// Changes a number's details or rotates its token (tenant admins only).
pub async fn update(
    state: web::Data<AppState>,
    user: Admin,
    path: web::Path<uuid::Uuid>,
    body: web::Json<UpdateChannel>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let display = b.display_phone_number.as_deref().map(|v| required_text("display_phone_number", v, 32)).transpose()?;
    let waba = b.waba_id.as_deref().map(|v| meta_id("waba_id", v)).transpose()?;
    let token = b.access_token.as_deref().map(|v| required_text("access_token", v, 4096)).transpose()?;
    let token_replaced = token.is_some();
    let rate = mps(b.messages_per_second)?;
    let id = ChannelId(*path);
    let channels = state.db.tenant(user.tenant_id).channels();
    let current = channels.credentials(id).await?.ok_or(ApiError::NotFound("channel"))?;
    let context = Sealed::AccessToken.context(user.tenant_id, &id.0.to_string());
    let new_waba = waba.clone().unwrap_or_else(|| current.waba_id.clone());
    let must_verify = token.is_some() || new_waba != current.waba_id;
    let mut verified = None;
    if must_verify {
        // A new token or WABA must check out with Meta like a new number.
        let check_token = match &token {
            Some(t) => t.clone(),
            None => state.secrets.open(&current.sealed_token, &context).map_err(|e| ApiError::Internal(e.into()))?,
        };
        verified = Some(state.graph.verify_number(&check_token, &current.phone_number_id, &new_waba).await.map_err(verify_error)?);
    }
    let change = ChannelChange {
        display_phone_number: display,
        waba_id: waba,
        name: b.name.map(|n| n.trim().to_owned()),
        sealed_token: token.map(|t| state.secrets.seal(&t, &context)),
        messages_per_second: rate,
    };
    let view = channels.update(id, must_verify.then_some(&current), change).await?.ok_or(ApiError::NotFound("channel"))?;
    let view = match &verified {
        Some(v) => standing(&state, user.tenant_id, id, v).await?.unwrap_or(view),
        None => view,
    };
    state.forget(crate::cluster::forget::Forget::Channel { phone_number_id: current.phone_number_id.clone() });
    state.forget(crate::cluster::forget::Forget::Token(id));
    if must_verify {
        // The number's credentials changed (never the token itself).
        let before = serde_json::json!({"waba_id": current.waba_id});
        let after = serde_json::json!({"waba_id": new_waba, "access_token": if token_replaced { "replaced" } else { "kept" }});
        let entry = crate::audit::Entry::by(&user, "channel.credentials_changed")
            .target(format!("channel:{}", id.0))
            .change(Some(before), Some(after));
        state.db.audit().append(entry).await?;
    }
    Ok(HttpResponse::Ok().json(view))
}

/// Keeps what Meta said of the number when it checked out.
async fn standing(
    state: &AppState,
    tenant: whatsflow_actors::ids::TenantId,
    id: ChannelId,
    v: &VerifiedNumber,
) -> Result<Option<ChannelView>, ApiError> {
    Ok(state.db.tenant(tenant).channels().set_standing(id, v.quality_rating.as_deref(), v.messaging_limit_tier.as_deref()).await?)
}

/// `POST /channels/{id}/refresh`: reads the number's quality rating and
/// messaging tier from Meta now (tenant admins only).
pub async fn refresh(state: web::Data<AppState>, user: Admin, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let id = ChannelId(*path);
    let current = state.db.tenant(user.tenant_id).channels().credentials(id).await?.ok_or(ApiError::NotFound("channel"))?;
    let context = Sealed::AccessToken.context(user.tenant_id, &id.0.to_string());
    let token = state.secrets.open(&current.sealed_token, &context).map_err(|e| ApiError::Internal(e.into()))?;
    let verified = state.graph.verify_number(&token, &current.phone_number_id, &current.waba_id).await.map_err(verify_error)?;
    let view = standing(&state, user.tenant_id, id, &verified).await?.ok_or(ApiError::NotFound("channel"))?;
    Ok(HttpResponse::Ok().json(view))
}

/// Disconnects a number and its conversations (tenant admins only).
pub async fn delete(state: web::Data<AppState>, user: Admin, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let gone = state.db.tenant(user.tenant_id).channels().delete(ChannelId(*path)).await?.ok_or(ApiError::NotFound("channel"))?;
    state.forget(crate::cluster::forget::Forget::Channel { phone_number_id: gone.phone_number_id.clone() });
    state.forget(crate::cluster::forget::Forget::Token(ChannelId(*path)));
    let entry = crate::audit::Entry::by(&user, "channel.disconnected").target(format!("channel:{}", *path));
    state.db.audit().append(entry.change(Some(serde_json::json!({"phone_number_id": gone.phone_number_id})), None)).await?;
    Ok(HttpResponse::NoContent().finish())
}
