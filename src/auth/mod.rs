//! Authentication: argon2id passwords, JWT access and refresh tokens, and the
//! extractor that turns a request's bearer token into an [`AuthUser`].

pub mod jwt;
pub mod password;

use crate::http::error::ApiError;
use crate::startup::AppState;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use serde::{Deserialize, Serialize};
use std::future::{ready, Ready};
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
    /// Who.
    pub user_id: UserId,
    /// Their tenant: every query of the request is scoped to it.
    pub tenant_id: TenantId,
    /// What they may do.
    pub role: Role,
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

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(state) = req.app_data::<web::Data<AppState>>() else {
            return ready(Err(ApiError::Internal(anyhow::anyhow!("application state missing"))));
        };
        let Some(token) = bearer(req) else {
            return ready(Err(ApiError::Unauthorized("send `Authorization: Bearer <access token>` (from /api/v1/auth/login)".into())));
        };
        ready(state.jwt.verify_access(token))
    }
}
