//! Sign-in abuse limits: per-address rate limits on login, register and
//! refresh (429 with `Retry-After`), the exponential lockout of an account
//! after failed logins in a row, and a bounded pool for password hashing so
//! a flood of logins queues (and is then refused) instead of running
//! unbounded argon2 hashes of 19 MiB each.

use crate::config::{env_var, ConfigError};
use crate::http::error::{ApiError, ErrorCode};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Failed logins in a row an account may have before it is locked.
pub const LOCK_AFTER_FAILURES: i32 = 5;
/// The first lockout; each further failure doubles it.
pub const FIRST_LOCKOUT: Duration = Duration::from_secs(30);
/// The longest lockout.
pub const MAX_LOCKOUT: Duration = Duration::from_secs(3600);
/// Password hashes waiting for the pool beyond which new ones are refused.
const MAX_HASH_QUEUE: usize = 64;

/// How long an account stays locked after `failures` failed logins in a row
/// (none below [`LOCK_AFTER_FAILURES`]).
pub fn lockout_for(failures: i32) -> Option<Duration> {
    let over = u32::try_from(failures.checked_sub(LOCK_AFTER_FAILURES)?).ok()?;
    let shift = over.min(16);
    Some(FIRST_LOCKOUT.saturating_mul(1u32 << shift).min(MAX_LOCKOUT))
}

/// The key an address is limited under: itself for IPv4, its /64 for IPv6
/// (one subscriber's whole network, or each of its addresses would get a
/// limit of its own).
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

/// Configured limits (requests per minute from one address).
#[derive(Debug, Clone, Copy)]
pub struct AuthLimits {
    /// `WHATSFLOW_LOGIN_PER_MINUTE` (default 20).
    pub login_per_minute: u32,
    /// `WHATSFLOW_REGISTER_PER_MINUTE` (default 5).
    pub register_per_minute: u32,
    /// `WHATSFLOW_REFRESH_PER_MINUTE` (default 60).
    pub refresh_per_minute: u32,
}

impl Default for AuthLimits {
    fn default() -> Self {
        Self { login_per_minute: 20, register_per_minute: 5, refresh_per_minute: 60 }
    }
}

impl AuthLimits {
    /// From the environment, with the defaults above.
    pub fn from_env() -> Result<Self, ConfigError> {
        let d = Self::default();
        let var = |name: &'static str, default: u32| match env_var(name) {
            None => Ok(default),
            Some(v) => v.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| ConfigError::Invalid {
                var: name,
                problem: format!("`{v}` is not a positive number of requests per minute"),
            }),
        };
        Ok(Self {
            login_per_minute: var("WHATSFLOW_LOGIN_PER_MINUTE", d.login_per_minute)?,
            register_per_minute: var("WHATSFLOW_REGISTER_PER_MINUTE", d.register_per_minute)?,
            refresh_per_minute: var("WHATSFLOW_REFRESH_PER_MINUTE", d.refresh_per_minute)?,
        })
    }
}

/// Which sign-in action is being limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthAction {
    /// `POST /auth/login`.
    Login,
    /// `POST /auth/register`.
    Register,
    /// `POST /auth/refresh`.
    Refresh,
}

/// The per-address limiters and the hashing pool.
pub struct AuthGuard {
    login: DefaultKeyedRateLimiter<IpAddr>,
    register: DefaultKeyedRateLimiter<IpAddr>,
    refresh: DefaultKeyedRateLimiter<IpAddr>,
    hashing: Arc<Semaphore>,
    waiting: AtomicUsize,
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN))
}

impl AuthGuard {
    /// Limiters for `limits`; password hashes run at most one per core at once.
    pub fn new(limits: AuthLimits) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            login: RateLimiter::keyed(quota(limits.login_per_minute)),
            register: RateLimiter::keyed(quota(limits.register_per_minute)),
            refresh: RateLimiter::keyed(quota(limits.refresh_per_minute)),
            hashing: Arc::new(Semaphore::new(cores)),
            waiting: AtomicUsize::new(0),
        }
    }

    /// Refuses a request over its address's limit with 429 `RATE_LIMITED`.
    pub fn admit(&self, action: AuthAction, ip: Option<IpAddr>) -> Result<(), ApiError> {
        let Some(ip) = ip.map(limit_key) else { return Ok(()) };
        let limiter = match action {
            AuthAction::Login => &self.login,
            AuthAction::Register => &self.register,
            AuthAction::Refresh => &self.refresh,
        };
        limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::TooManyRequests {
                code: ErrorCode::RateLimited,
                message: format!("too many attempts from this address; try again in {} seconds", wait.as_secs().max(1)),
                retry_after: wait,
            }
        })
    }

    /// Forgets addresses that have been quiet (keeps the limiters' memory bounded).
    pub fn forget_quiet(&self) {
        self.login.retain_recent();
        self.register.retain_recent();
        self.refresh.retain_recent();
    }

    /// Addresses tracked now (for `/metrics`).
    pub fn tracked(&self) -> usize {
        self.login.len() + self.register.len() + self.refresh.len()
    }

    /// Runs a password hash or check on the blocking pool, at most one per
    /// core at once; past [`MAX_HASH_QUEUE`] waiting, refuses with 429.
    pub async fn hash<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= MAX_HASH_QUEUE {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(ApiError::TooManyRequests {
                code: ErrorCode::RateLimited,
                message: "the server is busy checking passwords; try again in a few seconds".into(),
                retry_after: Duration::from_secs(2),
            });
        }
        // Leaves the queue however the wait ends (a dropped request too).
        let queued = Waiting(&self.waiting);
        let permit = self.hashing.clone().acquire_owned().await;
        drop(queued);
        let permit = permit.map_err(|e| ApiError::Internal(e.into()))?;
        let out = tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
        Ok(out)
    }
}

/// One place in the hashing queue, given back when dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockouts_grow_exponentially_and_cap() {
        assert_eq!(lockout_for(4), None);
        assert_eq!(lockout_for(5), Some(Duration::from_secs(30)));
        assert_eq!(lockout_for(6), Some(Duration::from_secs(60)));
        assert_eq!(lockout_for(9), Some(Duration::from_secs(480)));
        assert_eq!(lockout_for(100), Some(MAX_LOCKOUT));
    }

    #[test]
    fn an_address_over_its_limit_is_told_when_to_return() {
        let g = AuthGuard::new(AuthLimits { login_per_minute: 3, ..AuthLimits::default() });
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..3 {
            g.admit(AuthAction::Login, Some(ip)).unwrap();
        }
        match g.admit(AuthAction::Login, Some(ip)) {
            Err(ApiError::TooManyRequests { retry_after, .. }) => assert!(retry_after > Duration::ZERO),
            other => panic!("expected 429, got {other:?}"),
        }
        // Another address is not affected.
        g.admit(AuthAction::Login, Some("192.0.2.2".parse().unwrap())).unwrap();
        // One IPv6 network is one address.
        for i in 0..3 {
            g.admit(AuthAction::Login, Some(format!("2001:db8:1:2::{i}").parse().unwrap())).unwrap();
        }
        assert!(g.admit(AuthAction::Login, Some("2001:db8:1:2:ffff::9".parse().unwrap())).is_err());
    }
}
