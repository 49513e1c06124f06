//! Revocable sessions. Every access token carries its user's
//! `token_version`; every request checks it against the user's current one
//! (cached for a few seconds, and dropped from the cache at once when this
//! server revokes). Signing out, being deleted, or a change of role or
//! password bumps the version: every access token of that user stops working
//! on its next request, and their open sockets are closed with a reason.

use super::jwt::Claims;
use super::{AuthUser, Role};
use crate::cache::BoundedCache;
use crate::http::error::ApiError;
use crate::hub::TenantHub;
use crate::store::repo::Db;
use std::sync::Arc;
use std::time::{Duration, Instant};
use whatsflow_actors::ids::{TenantId, UserId};

/// How long a user's version is trusted from the cache. Revocations made by
/// this server are seen at once; this bounds how late another server's are.
const VERSION_TTL: Duration = Duration::from_secs(5);
/// Most users whose version is cached.
const VERSION_CAPACITY: usize = 100_000;

/// What a live session's user is now.
#[derive(Debug, Clone, Copy)]
struct Current {
    version: i32,
    role: Role,
}

/// See the module doc.
pub struct Sessions {
    cache: BoundedCache<UserId, Option<Current>>,
    /// When each user was last revoked here: a version read from the store
    /// before a revocation is not cached after it.
    revoked: BoundedCache<UserId, Instant>,
    hub: Arc<TenantHub>,
}

impl Sessions {
    /// Sessions whose sockets live in `hub`.
    pub fn new(hub: Arc<TenantHub>) -> Self {
        Self { cache: BoundedCache::new(VERSION_CAPACITY, VERSION_TTL), revoked: BoundedCache::new(VERSION_CAPACITY, VERSION_TTL * 2), hub }
    }

    /// Users whose version is cached (for `/metrics`).
    pub fn cached(&self) -> usize {
        self.cache.len()
    }

    /// The caller of a verified access token, if its session is still live:
    /// the user exists and the token is of their current version. The role
    /// is the user's current one.
    pub async fn check(&self, db: &Db, claims: &Claims) -> Result<AuthUser, ApiError> {
        let user = UserId(claims.sub);
        let current = match self.cache.get(&user) {
            Some(c) => c,
            None => {
                let mut read = None;
                // A revocation committed while we read may not be in what we
                // read: read again, and cache only a read that began after it.
                for _ in 0..2 {
                    let started = Instant::now();
                    let row = db.tenant(TenantId(claims.tid)).users().session_state(user).await?;
                    let current = row.and_then(|(version, role)| Role::parse(&role).map(|role| Current { version, role }));
                    read = Some(current);
                    if self.revoked.get(&user).is_none_or(|at| at < started) {
                        self.cache.insert(user, current);
                        break;
                    }
                }
                read.flatten()
            }
        };
        let current = current.ok_or_else(|| ApiError::Unauthorized("this account no longer exists".into()))?;
        if current.version != claims.ver {
            return Err(ApiError::Unauthorized(
                "this session has ended (signed out, or the account's role or password changed); refresh the token or sign in again".into(),
            ));
        }
        Ok(AuthUser {
            user_id: user,
            tenant_id: TenantId(claims.tid),
            role: current.role,
            api_key: None,
            impersonator: claims.imp.map(UserId),
        })
    }

    /// After a committed revocation: forgets the cached version and closes
    /// the user's open sockets.
    pub fn revoked(&self, tenant: TenantId, user: UserId, why: &str) {
        self.revoked.insert(user, Instant::now());
        self.cache.remove(&user);
        self.hub.revoke(tenant, user, why);
    }

    /// Whether an open socket's token is known (from the cache alone, no
    /// query) to be of an ended session: the heartbeat's check.
    pub fn known_ended(&self, claims: &Claims) -> bool {
        match self.cache.get(&UserId(claims.sub)) {
            Some(Some(c)) => c.version != claims.ver,
            Some(None) => true,
            None => false,
        }
    }
}
