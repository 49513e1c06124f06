//! Configuration, read from the environment (DESIGN.md's table). `serve`
//! refuses to start without its secrets; `demo` generates them.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Meta's Graph API; tests and the demo point this at the simulator.
pub const DEFAULT_GRAPH_API_BASE: &str = "https://graph.facebook.com/v23.0";

/// The Graph API version used when `GRAPH_API_BASE` names none.
pub const DEFAULT_GRAPH_API_VERSION: &str = "v23.0";

/// `GRAPH_API_BASE` as given, with the default API version appended when it
/// has no path (`http://host:port` → `http://host:port/v23.0`): without a
/// version every Graph call would miss.
pub fn graph_api_base(raw: &str) -> String {
    let trimmed = raw.trim().trim_end_matches('/');
    match url::Url::parse(trimmed) {
        Ok(u) if u.path() == "/" || u.path().is_empty() => format!("{trimmed}/{DEFAULT_GRAPH_API_VERSION}"),
        _ => trimmed.to_owned(),
    }
}

/// A secret string that never prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Why the configuration is unusable; the message names the fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Required secrets are missing.
    #[error("missing required environment variables: {0}. Set them (e.g. `export JWT_SECRET=$(openssl rand -hex 32)`; WHATSFLOW_MASTER_KEY must be 32 bytes as 64 hex characters), or run `whatsflow demo`, which generates them")]
    Missing(String),
    /// A variable has a value that cannot be used.
    #[error("{var}: {problem}")]
    Invalid {
        /// The variable.
        var: &'static str,
        /// What is wrong and how to fix it.
        problem: String,
    },
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `WHATSFLOW_BIND`: address of the HTTP server.
    pub bind: String,
    /// `DATABASE_URL`: unset → embedded Postgres under the data directory.
    /// Migrations run as this URL's role (the tables' owner).
    pub database_url: Option<String>,
    /// `WHATSFLOW_DATABASE_APP_URL`: how the server itself logs in (as
    /// `whatsflow_app`); unset → the server lets that role log in with a
    /// password derived from the master key.
    pub database_app_url: Option<String>,
    /// `REDIS_URL`: unset → single node; set → cluster mode (see
    /// [`crate::cluster`]).
    pub redis_url: Option<String>,
    /// `WHATSFLOW_NODE_ID`, `WHATSFLOW_LEASE_SECS` (cluster mode).
    pub cluster: crate::cluster::ClusterConfig,
    /// `WHATSFLOW_DATA_DIR`: where the embedded cluster and demo state live.
    pub data_dir: PathBuf,
    /// `GRAPH_API_BASE`: Meta's Graph API or the simulator.
    pub graph_api_base: String,
    /// `WHATSAPP_APP_SECRET`: signs the platform app's webhooks.
    pub app_secret: Secret,
    /// `WHATSAPP_VERIFY_TOKEN`: answers Meta's subscription check.
    pub verify_token: Secret,
    /// `JWT_SECRET`: signs access and refresh tokens.
    pub jwt_secret: Secret,
    /// `WHATSFLOW_MASTER_KEY`: encrypts stored Meta credentials.
    pub master_key: [u8; 32],
    /// `WHATSFLOW_MASTER_KEY_PREVIOUS`: earlier master keys (comma-separated)
    /// that may still open stored secrets until `whatsflow rotate-key` has
    /// re-sealed them under the current one.
    pub previous_master_keys: Vec<[u8; 32]>,
    /// `WHATSFLOW_CONVERSATION_IDLE_SECS`: idle time before passivation.
    pub conversation_idle: Duration,
    /// `WHATSFLOW_SEND_RECHECK_SECS`: wait for Meta's status webhook before
    /// resending a message whose send outcome was unknown.
    pub send_recheck: Duration,
    /// `WHATSFLOW_WEB_DIR`: the built web app (default `web/dist`).
    pub web_dir: PathBuf,
    /// `WHATSFLOW_WORKERS`: HTTP worker threads (default: one per core).
    pub workers: Option<usize>,
    /// `WHATSFLOW_WS_OUTBOX`: events an agent session may have waiting before
    /// it is closed as a slow consumer.
    pub ws_outbox: usize,
    /// `WHATSFLOW_EGRESS_ALLOW`: networks tenant-supplied URLs may reach
    /// despite the private-address rule (tests' loopback fixtures).
    pub egress_allow: Vec<crate::egress::Cidr>,
    /// `WHATSFLOW_TRUSTED_PROXIES`: proxies (CIDRs) whose `X-Forwarded-For`
    /// names the client (for the sign-in limits).
    pub trusted_proxies: Vec<crate::egress::Cidr>,
    /// `WHATSFLOW_RETENTION_DAYS`: how long webhook inbox rows kept with
    /// notes (unrouted, rejected, dead-lettered events) and never-released
    /// held events are kept.
    pub retention: Duration,
    /// Sign-in abuse limits.
    pub auth_limits: crate::auth::limits::AuthLimits,
    /// The plan a newly registered tenant starts on (`WHATSFLOW_DEFAULT_PLAN`).
    pub default_plan: String,
    /// Razorpay billing, GST invoices and overdue accounts.
    pub billing: crate::billing::BillingConfig,
    /// Mail (password resets, email verification).
    pub mail: crate::mail::MailConfig,
    /// How often plan-limit alerts, overdue accounts, lapsed plans, wallet
    /// holds and due deletions are swept (`WHATSFLOW_METER_SWEEP_SECS`).
    pub meter_sweep: Duration,
    /// How outbound webhooks are retried, given up and switched off.
    pub webhook_delivery: crate::webhooks_out::DeliveryPolicy,
    /// How teams hand out waiting conversations.
    pub routing: crate::routing::RoutingPolicy,
    /// The optional language-model provider (`AI_BASE_URL`, `AI_API_KEY`, `AI_MODEL`).
    pub ai: Option<crate::ai::AiConfig>,
    /// White-label partners' hosts and domain proofs.
    pub partners: crate::partners::PartnerConfig,
}

/// The sweep's default period.
pub const DEFAULT_METER_SWEEP: Duration = Duration::from_secs(30);

/// `WHATSFLOW_DEFAULT_PLAN`: the plan new tenants start on (default
/// `starter`; a self-hosted install may start everyone on `enterprise`).
pub fn default_plan_var() -> String {
    env_var("WHATSFLOW_DEFAULT_PLAN").map(|p| p.trim().to_lowercase()).unwrap_or_else(|| "starter".into())
}

/// `WHATSFLOW_MASTER_KEY_PREVIOUS`: comma-separated keys, as the master key.
pub fn previous_master_keys_var() -> Result<Vec<[u8; 32]>, ConfigError> {
    env_var("WHATSFLOW_MASTER_KEY_PREVIOUS")
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(|k| {
                    parse_master_key(k).map_err(|_| ConfigError::Invalid {
                        var: "WHATSFLOW_MASTER_KEY_PREVIOUS",
                        problem: "each key must be 32 bytes as 64 hex characters (or base64), separated by commas".into(),
                    })
                })
                .collect()
        })
        .unwrap_or(Ok(Vec::new()))
}

/// Shortest `JWT_SECRET` accepted: HS256 wants a key as long as its hash.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// Default retention of settled inbox rows and stale held events.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// `WHATSFLOW_EGRESS_ALLOW`: comma-separated CIDRs (empty when unset).
pub fn egress_allow_var() -> Result<Vec<crate::egress::Cidr>, ConfigError> {
    cidrs_var("WHATSFLOW_EGRESS_ALLOW")
}

/// `WHATSFLOW_TRUSTED_PROXIES`: comma-separated CIDRs (empty when unset).
pub fn trusted_proxies_var() -> Result<Vec<crate::egress::Cidr>, ConfigError> {
    cidrs_var("WHATSFLOW_TRUSTED_PROXIES")
}

fn cidrs_var(var: &'static str) -> Result<Vec<crate::egress::Cidr>, ConfigError> {
    let Some(v) = env_var(var) else { return Ok(Vec::new()) };
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse().map_err(|e| ConfigError::Invalid {
                var,
                problem: format!("`{s}` is not a CIDR ({e}); write e.g. 127.0.0.1/32,10.1.0.0/16"),
            })
        })
        .collect()
}

/// `WHATSFLOW_RETENTION_DAYS`, or [`DEFAULT_RETENTION`].
pub fn retention_var() -> Result<Duration, ConfigError> {
    match env_var("WHATSFLOW_RETENTION_DAYS") {
        None => Ok(DEFAULT_RETENTION),
        Some(v) => v.parse::<u64>().ok().filter(|d| (1..=3650).contains(d)).map(|d| Duration::from_secs(d * 24 * 3600)).ok_or_else(|| {
            ConfigError::Invalid { var: "WHATSFLOW_RETENTION_DAYS", problem: format!("`{v}` is not a number of days from 1 to 3650") }
        }),
    }
}

/// Events an agent session may have waiting by default. One group commit
/// publishes hundreds of events at once and a busy machine may not run the
/// session between them, so this absorbs bursts of several commits; only a
/// client that stops reading reaches it.
pub const DEFAULT_WS_OUTBOX: usize = 16_384;

/// `WHATSFLOW_WS_OUTBOX`, or [`DEFAULT_WS_OUTBOX`].
pub fn ws_outbox_var() -> Result<usize, ConfigError> {
    match env_var("WHATSFLOW_WS_OUTBOX") {
        None => Ok(DEFAULT_WS_OUTBOX),
        Some(v) => v.parse().ok().filter(|n| *n >= 16).ok_or_else(|| ConfigError::Invalid {
            var: "WHATSFLOW_WS_OUTBOX",
            problem: format!("`{v}` is not a number of events of at least 16"),
        }),
    }
}

/// Reads one variable, treating empty as unset.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A duration in whole seconds from the environment, or `default`.
pub fn secs_var(var: &'static str, default: Duration) -> Result<Duration, ConfigError> {
    match env_var(var) {
        Some(v) => v
            .parse()
            .map(Duration::from_secs)
            .map_err(|_| ConfigError::Invalid { var, problem: "must be a whole number of seconds".into() }),
        None => Ok(default),
    }
}

/// Parses a 32-byte key given as 64 hex characters or base64.
pub fn parse_master_key(raw: &str) -> Result<[u8; 32], ConfigError> {
    use base64::Engine;
    let raw = raw.trim();
    let bytes = hex::decode(raw).ok().or_else(|| base64::engine::general_purpose::STANDARD.decode(raw).ok()).ok_or_else(|| {
        ConfigError::Invalid {
            var: "WHATSFLOW_MASTER_KEY",
            problem: "must be 32 bytes written as 64 hex characters (e.g. `openssl rand -hex 32`) or base64".into(),
        }
    })?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| ConfigError::Invalid {
        var: "WHATSFLOW_MASTER_KEY",
        problem: format!("is {} bytes; it must be exactly 32 (64 hex characters)", bytes.len()),
    })
}

impl Config {
    /// Reads the environment; every required secret must be present.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut missing = Vec::new();
        let mut need = |name: &'static str| {
            let v = env_var(name);
            if v.is_none() {
                missing.push(name);
            }
            v.unwrap_or_default()
        };
        let app_secret = need("WHATSAPP_APP_SECRET");
        let verify_token = need("WHATSAPP_VERIFY_TOKEN");
        let jwt_secret = need("JWT_SECRET");
        let master_key = need("WHATSFLOW_MASTER_KEY");
        if !missing.is_empty() {
            return Err(ConfigError::Missing(missing.join(", ")));
        }
        if jwt_secret.len() < MIN_JWT_SECRET_BYTES {
            return Err(ConfigError::Invalid {
                var: "JWT_SECRET",
                problem: format!("must be at least {MIN_JWT_SECRET_BYTES} bytes (e.g. `openssl rand -hex 32`)"),
            });
        }
        Ok(Self {
            bind: env_var("WHATSFLOW_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
            database_url: env_var("DATABASE_URL"),
            database_app_url: env_var("WHATSFLOW_DATABASE_APP_URL"),
            redis_url: env_var("REDIS_URL"),
            cluster: crate::cluster::ClusterConfig::from_env()?,
            data_dir: env_var("WHATSFLOW_DATA_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("whatsflow-data")),
            graph_api_base: graph_api_base(&env_var("GRAPH_API_BASE").unwrap_or_else(|| DEFAULT_GRAPH_API_BASE.into())),
            app_secret: Secret::new(app_secret),
            verify_token: Secret::new(verify_token),
            jwt_secret: Secret::new(jwt_secret),
            master_key: parse_master_key(&master_key)?,
            previous_master_keys: previous_master_keys_var()?,
            conversation_idle: secs_var("WHATSFLOW_CONVERSATION_IDLE_SECS", whatsflow_actors::engine::DEFAULT_CONVERSATION_IDLE)?,
            send_recheck: secs_var("WHATSFLOW_SEND_RECHECK_SECS", whatsflow_actors::engine::DEFAULT_AMBIGUOUS_GRACE)?,
            web_dir: env_var("WHATSFLOW_WEB_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("web/dist")),
            workers: env_var("WHATSFLOW_WORKERS").and_then(|v| v.parse().ok()),
            ws_outbox: ws_outbox_var()?,
            egress_allow: egress_allow_var()?,
            trusted_proxies: trusted_proxies_var()?,
            retention: retention_var()?,
            auth_limits: crate::auth::limits::AuthLimits::from_env()?,
            default_plan: default_plan_var(),
            billing: crate::billing::BillingConfig::from_env()?,
            mail: crate::mail::MailConfig::from_env(&env_var("WHATSFLOW_BIND").unwrap_or_else(|| "127.0.0.1:8080".into())),
            meter_sweep: secs_var("WHATSFLOW_METER_SWEEP_SECS", DEFAULT_METER_SWEEP)?,
            webhook_delivery: crate::webhooks_out::DeliveryPolicy::default(),
            routing: crate::routing::RoutingPolicy::default(),
            ai: crate::ai::AiConfig::from_env()?,
            partners: crate::partners::PartnerConfig::from_env()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_key_forms() {
        assert!(parse_master_key(&"ab".repeat(32)).is_ok());
        assert!(parse_master_key("c2hvcnQ=").is_err());
        assert!(parse_master_key("not a key").is_err());
    }

    #[test]
    fn a_short_jwt_secret_is_refused_with_the_fix() {
        // The variables are read by from_env; one test sets them all.
        let set = |k: &str, v: &str| std::env::set_var(k, v);
        set("WHATSAPP_APP_SECRET", "a");
        set("WHATSAPP_VERIFY_TOKEN", "b");
        set("WHATSFLOW_MASTER_KEY", &"ab".repeat(32));
        set("JWT_SECRET", "only-twenty-chars!!!");
        let err = Config::from_env().unwrap_err().to_string();
        assert!(err.contains("JWT_SECRET") && err.contains("32"), "{err}");
        set("JWT_SECRET", &"x".repeat(32));
        assert!(Config::from_env().is_ok());
    }

    #[test]
    fn a_graph_base_without_a_version_gets_the_default() {
        assert_eq!(graph_api_base("http://127.0.0.1:8090"), "http://127.0.0.1:8090/v23.0");
        assert_eq!(graph_api_base("http://127.0.0.1:8090/"), "http://127.0.0.1:8090/v23.0");
        assert_eq!(graph_api_base("https://graph.facebook.com/v22.0/"), "https://graph.facebook.com/v22.0");
    }

    #[test]
    fn secrets_do_not_print() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
    }
}
