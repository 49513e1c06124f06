//! Authentication and authorization: argon2id passwords ([`password`]), JWT
//! access and refresh tokens ([`jwt`]), revocable sessions ([`sessions`]),
//! sign-in abuse limits ([`limits`]), and the extractors a handler names to
//! say who may call it.
//!
//! Who may call a route is part of its signature:
//!
//! | extractor | who |
//! | --- | --- |
//! | [`Person`] | a signed-in human (agent or admin), never an API key |
//! | [`Admin`] | a signed-in tenant admin, never an API key |
//! | [`Reader`] | a person, or an API key with the `read` scope |
//! | [`Writer`] | a person, or an API key with the `write` scope |
//! | [`Manager`] | a tenant admin, or an API key with the `write` scope |
//! | [`SuperAdmin`] | a platform operator, never an API key |
//! | [`PartnerAdmin`] | a white-label partner's admin, never an API key |
//!
//! API keys belong to their tenant and can never manage people, keys or
//! channel credentials (those routes take [`Person`] or [`Admin`]). Every
//! extractor resolves to an [`AuthUser`]: the tenant every query of the
//! request is scoped to, and what the caller may see.

pub mod jwt;
pub mod limits;
pub mod password;
pub mod sessions;
pub mod totp;

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
    /// All of them, most powerful first.
    pub const ALL: [Role; 4] = [Self::SuperAdmin, Self::PartnerAdmin, Self::TenantAdmin, Self::Agent];

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

/// What an API key may do.
pub mod scopes {
    /// Read anything of the tenant.
    pub const READ: &str = "read";
    /// Change things and send messages.
    pub const WRITE: &str = "write";
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser {
    /// Who (for an API key: the admin who created it).
    pub user_id: UserId,
    /// Their tenant: every query of the request is scoped to it.
    pub tenant_id: TenantId,
    /// What they may do (an API key sees the tenant as an admin does).
    pub role: Role,
    /// Set when the caller is an API key rather than a person.
    pub api_key: Option<uuid::Uuid>,
    /// Set when a platform operator is viewing the tenant as this person.
    pub impersonator: Option<UserId>,
}

impl AuthUser {
    /// The person acting, to name in a conversation's activity: None for an
    /// API key (its user is only its creator) and for an operator viewing
    /// the account as its admin.
    pub fn person(&self) -> Option<UserId> {
        (self.api_key.is_none() && self.impersonator.is_none()).then_some(self.user_id)
    }

    /// Whether the caller sees every conversation of the tenant (admins and
    /// API keys) rather than only unassigned ones and their own (agents).
    pub fn sees_all_conversations(&self) -> bool {
        self.role.is_admin()
    }
}

/// A caller as authenticated, before the route's rule is applied.
enum Credential {
    Person(AuthUser),
    Key { user: AuthUser, scopes: Vec<String> },
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

async fn by_api_key(state: &AppState, key: &str) -> Result<Credential, ApiError> {
    let k = state
        .db
        .platform()
        .api_key(&api_key_hash(key))
        .await?
        .ok_or_else(|| ApiError::Unauthorized("unknown or revoked API key".into()))?;
    let user = AuthUser {
        user_id: UserId(k.created_by.unwrap_or(k.id)),
        tenant_id: k.tenant_id,
        role: Role::TenantAdmin,
        api_key: Some(k.id),
        impersonator: None,
    };
    Ok(Credential::Key { user, scopes: k.scopes })
}

/// Authenticates a request: a bearer JWT (whose session must still be live)
/// or an `X-API-Key`.
async fn authenticate(state: web::Data<AppState>, bearer: Option<String>, key: Option<String>) -> Result<Credential, ApiError> {
    if let Some(token) = bearer {
        let claims = state.jwt.verify(&token, jwt::TokenKind::Access)?;
        let user = state.sessions.check(&state.db, &claims).await?;
        return Ok(Credential::Person(user));
    }
    if let Some(key) = key {
        return by_api_key(&state, &key).await;
    }
    Err(ApiError::Unauthorized("send `Authorization: Bearer <access token>` (from /api/v1/auth/login) or `X-API-Key`".into()))
}

fn extract(
    req: &HttpRequest,
    rule: fn(Credential) -> Result<AuthUser, ApiError>,
) -> futures::future::LocalBoxFuture<'static, Result<AuthUser, ApiError>> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Box::pin(ready(Err(ApiError::Internal(anyhow::anyhow!("application state missing")))));
    };
    let token = bearer(req).map(str::to_owned);
    let key = req.headers().get("X-API-Key").and_then(|v| v.to_str().ok()).map(|k| k.trim().to_owned());
    Box::pin(async move { rule(authenticate(state, token, key).await?) })
}

fn key_refused(what: &str) -> ApiError {
    ApiError::Forbidden(format!("API keys cannot {what}; sign in as a person to do it"))
}

fn admin_needed() -> ApiError {
    ApiError::Forbidden("this needs a tenant admin; ask your admin to do it or to change your role".into())
}

fn scope_needed(scope: &str) -> ApiError {
    ApiError::Forbidden(format!("this API key lacks the `{scope}` scope; create a key with it"))
}

macro_rules! extractor {
    ($(#[$doc:meta])* $name:ident, $rule:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name(pub AuthUser);

        impl std::ops::Deref for $name {
            type Target = AuthUser;
            fn deref(&self) -> &AuthUser {
                &self.0
            }
        }

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = futures::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let fut = extract(req, $rule);
                Box::pin(async move { fut.await.map($name) })
            }
        }
    };
}

extractor!(
    /// A signed-in human of the tenant (agent or admin); API keys are refused.
    Person,
    |c| match c {
        Credential::Person(u) => Ok(u),
        Credential::Key { .. } => Err(key_refused("do this")),
    }
);

/// A signed-in tenant admin; agents and API keys are refused. An operator
/// viewing the account as its admin (impersonation) may read what admins
/// read but change nothing admins alone change (people, keys, security,
/// billing, the account's data): nothing that would outlast the view.
#[derive(Debug, Clone, Copy)]
pub struct Admin(pub AuthUser);

impl std::ops::Deref for Admin {
    type Target = AuthUser;
    fn deref(&self) -> &AuthUser {
        &self.0
    }
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = futures::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let writes = !matches!(*req.method(), actix_web::http::Method::GET | actix_web::http::Method::HEAD);
        let fut = extract(req, |c| match c {
            Credential::Person(u) if u.role.is_admin() => Ok(u),
            Credential::Person(_) => Err(admin_needed()),
            Credential::Key { .. } => Err(key_refused("do this")),
        });
        Box::pin(async move {
            let user = fut.await?;
            if writes && user.impersonator.is_some() {
                return Err(ApiError::Forbidden(
                    "an operator viewing this account can read its admin pages but not change its people, keys, security, billing or data; ask its admin".into(),
                ));
            }
            Ok(Admin(user))
        })
    }
}

extractor!(
    /// A person, or an API key with the `read` scope.
    Reader,
    |c| match c {
        Credential::Person(u) => Ok(u),
        Credential::Key { user, scopes } if scopes.iter().any(|s| s == scopes::READ) => Ok(user),
        Credential::Key { .. } => Err(scope_needed(scopes::READ)),
    }
);

extractor!(
    /// A person, or an API key with the `write` scope.
    Writer,
    |c| match c {
        Credential::Person(u) => Ok(u),
        Credential::Key { user, scopes } if scopes.iter().any(|s| s == scopes::WRITE) => Ok(user),
        Credential::Key { .. } => Err(scope_needed(scopes::WRITE)),
    }
);

extractor!(
    /// A tenant admin, or an API key with the `write` scope (the tenant's
    /// own automation configuring flows, templates, contacts).
    Manager,
    |c| match c {
        Credential::Person(u) if u.role.is_admin() => Ok(u),
        Credential::Person(_) => Err(admin_needed()),
        Credential::Key { user, scopes } if scopes.iter().any(|s| s == scopes::WRITE) => Ok(user),
        Credential::Key { .. } => Err(scope_needed(scopes::WRITE)),
    }
);

extractor!(
    /// A platform operator (super-admin); everyone else is refused.
    SuperAdmin,
    |c| match c {
        Credential::Person(u) if u.role == Role::SuperAdmin => Ok(u),
        Credential::Person(_) => Err(ApiError::Forbidden("this is for the platform's operators (super-admins) only".into())),
        Credential::Key { .. } => Err(key_refused("run the platform")),
    }
);

extractor!(
    /// A white-label partner's admin, signed in as themselves (not an
    /// operator's view); everyone else is refused.
    PartnerAdmin,
    |c| match c {
        Credential::Person(u) if u.role == Role::PartnerAdmin && u.impersonator.is_none() => Ok(u),
        Credential::Person(_) => Err(ApiError::Forbidden("this is for a white-label partner's admins only".into())),
        Credential::Key { .. } => Err(key_refused("manage a partner")),
    }
);

/// Who may call a route, as the route table documents it (the extractors
/// above enforce it; the route × caller matrix test checks both agree).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Anyone (its own checks, e.g. a webhook signature, apply).
    Public,
    /// [`Person`].
    Person,
    /// [`Admin`].
    Admin,
    /// [`Reader`].
    Reader,
    /// [`Writer`].
    Writer,
    /// [`Manager`].
    Manager,
    /// [`SuperAdmin`].
    SuperAdmin,
    /// [`PartnerAdmin`].
    PartnerAdmin,
}

impl Access {
    /// For people reading the documentation.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Public => "anyone",
            Self::Person => "a signed-in person (agent or admin); not API keys",
            Self::Admin => "a tenant admin; not agents, not API keys",
            Self::Reader => "a signed-in person, or an API key with the read scope",
            Self::Writer => "a signed-in person, or an API key with the write scope",
            Self::Manager => "a tenant admin, or an API key with the write scope",
            Self::SuperAdmin => "a platform operator (super-admin); not tenant admins, not API keys",
            Self::PartnerAdmin => "a white-label partner's admin; not its clients, not API keys",
        }
    }
}
