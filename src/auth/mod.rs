//! Authentication: argon2id passwords, JWT access and refresh tokens, and the
//! extractor that turns a request's bearer token into an [`AuthUser`].

pub mod jwt;
pub mod password;

use crate::http::error::ApiError;
use crate::startup::AppState;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use serde::{Deserialize, Serialize};
use std::future::ready;
use whatsflow_actors::ids::{TenantId, UserId};

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the platform.
    SuperAdmin,
    /// Runs a white-label partner's tenants.
    PartnerAdmin,
    /// Runs one business: channels, team, settings.
    TenantAdmin,
    /// Answers conversations.
    Agent,
}

impl Role {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SuperAdmin => "super_admin",
            Self::PartnerAdmin => "partner_admin",
            Self::TenantAdmin => "tenant_admin",
            Self::Agent => "agent",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "super_admin" => Self::SuperAdmin,
            "partner_admin" => Self::PartnerAdmin,
            "tenant_admin" => Self::TenantAdmin,
            "agent" => Self::Agent,
            _ => return None,
        })
    }

    /// Whether this role administers its tenant.
    pub fn is_admin(self) -> bool {
        !matches!(self, Self::Agent)
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser {
    /// Who (for an API key: the admin who created it).
    pub user_id: UserId,
    /// Their tenant: every query of the request is scoped to it.
    pub tenant_id: TenantId,
    /// What they may do.
    pub role: Role,
    /// Set when the caller is an API key rather than a person.
    pub api_key: Option<uuid::Uuid>,
}

/// What an API key may do.
pub mod scopes {
    /// Read anything of the tenant.
    pub const READ: &str = "read";
    /// Change things and send messages.
    pub const WRITE: &str = "write";
}

impl AuthUser {
    /// Refuses callers who do not administer the tenant.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role.is_admin() {
            Ok(())
        } else {
            Err(ApiError::Forbidden("this needs a tenant admin; ask your admin to do it or to change your role".into()))
        }
    }
}

/// The bearer token of a request, from `Authorization: Bearer …`.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// The SHA-256 under which an API key is stored.
pub fn api_key_hash(key: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(key.as_bytes()).to_vec()
}

async fn by_api_key(state: web::Data<AppState>, key: String, method: actix_web::http::Method) -> Result<AuthUser, ApiError> {
    let row: Option<(uuid::Uuid, uuid::Uuid, Vec<String>, Option<uuid::Uuid>)> =
        sqlx::query_as("SELECT id, tenant_id, scopes, created_by FROM auth_api_key($1)")
            .bind(api_key_hash(&key))
            .fetch_optional(&state.pool)
            .await?;
    let (id, tenant, granted, creator) = row.ok_or_else(|| ApiError::Unauthorized("unknown or revoked API key".into()))?;
    let needs = if method == actix_web::http::Method::GET { scopes::READ } else { scopes::WRITE };
    if !granted.iter().any(|s| s == needs) {
        return Err(ApiError::Forbidden(format!("this API key lacks the `{needs}` scope; create a key with it")));
    }
    Ok(AuthUser { user_id: UserId(creator.unwrap_or(id)), tenant_id: TenantId(tenant), role: Role::TenantAdmin, api_key: Some(id) })
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = futures::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    /// A bearer JWT, or an `X-API-Key`.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
            return Box::pin(ready(Err(ApiError::Internal(anyhow::anyhow!("application state missing")))));
        };
        if let Some(token) = bearer(req) {
            return Box::pin(ready(state.jwt.verify_access(token)));
        }
        if let Some(key) = req.headers().get("X-API-Key").and_then(|v| v.to_str().ok()) {
            return Box::pin(by_api_key(state, key.trim().to_owned(), req.method().clone()));
        }
        Box::pin(ready(Err(ApiError::Unauthorized(
            "send `Authorization: Bearer <access token>` (from /api/v1/auth/login) or `X-API-Key`".into(),
        ))))
    }
}

impl AuthUser {
    /// Refuses API keys (for managing keys and people).
    pub fn require_person(&self) -> Result<(), ApiError> {
        match self.api_key {
            None => Ok(()),
            Some(_) => Err(ApiError::Forbidden("API keys cannot do this; log in as an admin".into())),
        }
    }
}
