//! `/api/v1/api-keys`: keys for servers calling the API with `X-API-Key`.
//! The key is shown once; only its SHA-256 is stored. Managed by admins who
//! are logged in (a key cannot mint keys).

use crate::auth::{api_key_hash, scopes, Admin};
use crate::http::auth::required_text;
use crate::http::error::ApiError;
use crate::startup::AppState;
use crate::store::repo::keys::NewKey as KeyToStore;
use actix_web::{web, HttpResponse};
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde::Deserialize;
use serde_json::json;
use whatsflow_actors::ids::ApiKeyId;

/// `POST /api-keys`.
#[derive(Deserialize)]
pub struct NewKey {
    name: String,
    #[serde(default)]
    scopes: Option<Vec<String>>,
}

/// Creates a key; the answer is the only time the key is shown.
pub async fn create(state: web::Data<AppState>, user: Admin, body: web::Json<NewKey>) -> Result<HttpResponse, ApiError> {
    // A key outlives an operator's 30-minute view of the account: none is made during it.
    crate::http::security::not_impersonating(&user)?;
    state.db.tenant(user.tenant_id).plan_includes(crate::plans::Feature::ApiAccess).await??;
    let name = required_text("name", &body.name, 100)?;
    let granted = body.scopes.clone().unwrap_or_else(|| vec![scopes::READ.into(), scopes::WRITE.into()]);
    if granted.is_empty() || granted.iter().any(|s| s != scopes::READ && s != scopes::WRITE) {
        return Err(ApiError::validation("`scopes` must be a non-empty list of \"read\" and \"write\""));
    }
    let secret: String = rand::thread_rng().sample_iter(&Alphanumeric).take(40).map(char::from).collect();
    let key = format!("wf_{secret}");
    let prefix = key[..10].to_owned();
    let id = ApiKeyId::generate();
    let created_at = state
        .db
        .tenant(user.tenant_id)
        .keys()
        .create(KeyToStore { id, name: &name, prefix: &prefix, hash: api_key_hash(&key), scopes: &granted, created_by: user.user_id })
        .await?;
    let entry = crate::audit::Entry::by(&user, "api_key.created")
        .target(format!("api_key:{id}"))
        .change(None, Some(json!({"name": name, "prefix": prefix, "scopes": granted})));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Created()
        .json(json!({"id": id, "name": name, "key": key, "prefix": prefix, "scopes": granted, "created_at": created_at})))
}

/// Lists keys (never the keys themselves).
pub async fn list(state: web::Data<AppState>, user: Admin) -> Result<HttpResponse, ApiError> {
    let data = state.db.tenant(user.tenant_id).keys().list().await?;
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": null})))
}

/// Revokes a key at once.
pub async fn revoke(state: web::Data<AppState>, user: Admin, path: web::Path<ApiKeyId>) -> Result<HttpResponse, ApiError> {
    if !state.db.tenant(user.tenant_id).keys().revoke(*path).await? {
        return Err(ApiError::NotFound("API key"));
    }
    state.db.audit().append(crate::audit::Entry::by(&user, "api_key.revoked").target(format!("api_key:{}", *path))).await?;
    Ok(HttpResponse::NoContent().finish())
}
