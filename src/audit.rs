//! The audit log's vocabulary: who did what to what, in which account.
//! Rows are appended (never changed) to a hash chain per tenant by
//! [`crate::store::repo::audit`]; the request id and the caller's address
//! come from the request being served.

use crate::auth::{AuthUser, Role};
use serde_json::Value;
use whatsflow_actors::ids::{TenantId, UserId};

/// Who acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in person.
    User(UserId),
    /// An API key.
    ApiKey(uuid::Uuid),
    /// The platform itself (a scheduler, the command line).
    System,
    /// Nobody signed in (a failed sign-in to an unknown account).
    Anonymous,
}

impl Actor {
    /// The stored kind and id.
    pub fn parts(self) -> (&'static str, Option<uuid::Uuid>) {
        match self {
            Self::User(u) => ("user", Some(u.0)),
            Self::ApiKey(k) => ("api_key", Some(k)),
            Self::System => ("system", None),
            Self::Anonymous => ("anonymous", None),
        }
    }
}

impl From<&AuthUser> for Actor {
    fn from(u: &AuthUser) -> Self {
        match (u.api_key, u.impersonator) {
            (Some(k), _) => Self::ApiKey(k),
            // What an operator does while viewing an account is theirs.
            (None, Some(op)) => Self::User(op),
            (None, None) => Self::User(u.user_id),
        }
    }
}

/// One thing that happened.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The account it happened in (None: the platform's own, e.g. a plan).
    pub tenant: Option<TenantId>,
    /// Who did it.
    pub actor: Actor,
    /// What (`auth.login`, `user.created`, `tenant.suspended`, …).
    pub action: &'static str,
    /// To what (`user:<id>`, `plan:starter`, …).
    pub target: Option<String>,
    /// The state before (never secrets or message bodies).
    pub before: Option<Value>,
    /// The state after.
    pub after: Option<Value>,
}

impl Entry {
    /// An entry by `actor` in `tenant`.
    pub fn new(tenant: Option<TenantId>, actor: Actor, action: &'static str) -> Self {
        Self { tenant, actor, action, target: None, before: None, after: None }
    }

    /// An entry by a caller in their own account.
    pub fn by(user: &AuthUser, action: &'static str) -> Self {
        Self::new(Some(user.tenant_id), Actor::from(user), action)
    }

    /// Names what it was done to.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// The state before and after.
    pub fn change(mut self, before: Option<Value>, after: Option<Value>) -> Self {
        self.before = before;
        self.after = after;
        self
    }
}

/// Whether a caller reads every account's log (platform operators) or only
/// their own.
pub fn reads_all(user: &AuthUser) -> bool {
    user.role == Role::SuperAdmin
}
