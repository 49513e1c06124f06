//! White-label partners: the rules that do not need the database. Which
//! brand a request's host names, what a domain and a slug may look like,
//! what a brand may hold, and how a client's payment (and its refunds)
//! splits between the partner and the platform, to the paisa.

pub mod affiliate;
pub mod brand;
pub mod dns;
pub mod money;

use crate::config::ConfigError;

/// Where partners live: `<slug>.<base_domain>` (no DNS proof needed), and
/// the nameserver custom domains' TXT proofs are looked up at.
#[derive(Debug, Clone, Default)]
pub struct PartnerConfig {
    /// `WHATSFLOW_BASE_DOMAIN` (e.g. `whatsflow.app`; none: partners are
    /// reached only on verified custom domains).
    pub base_domain: Option<String>,
    /// `WHATSFLOW_DNS_SERVER` (`ip:port`; default the machine's first
    /// nameserver).
    pub dns_server: Option<std::net::SocketAddr>,
}

impl PartnerConfig {
    /// Reads `WHATSFLOW_BASE_DOMAIN` and `WHATSFLOW_DNS_SERVER`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let base_domain = match std::env::var("WHATSFLOW_BASE_DOMAIN").ok().filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(raw) => Some(normalize_host(&raw).ok_or(ConfigError::Invalid {
                var: "WHATSFLOW_BASE_DOMAIN",
                problem: format!("{raw:?} is not a domain name; set it like whatsflow.app"),
            })?),
        };
        let dns_server = match std::env::var("WHATSFLOW_DNS_SERVER").ok().filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(raw) => Some(raw.trim().parse().map_err(|_| ConfigError::Invalid {
                var: "WHATSFLOW_DNS_SERVER",
                problem: format!("{raw:?} is not an address; set it like 1.1.1.1:53"),
            })?),
        };
        Ok(Self { base_domain, dns_server })
    }

    /// The partner slug a host names under the base domain (`acme.whatsflow.app` → `acme`).
    pub fn slug_of<'h>(&self, host: &'h str) -> Option<&'h str> {
        let base = self.base_domain.as_deref()?;
        let slug = host.strip_suffix(base)?.strip_suffix('.')?;
        valid_slug(slug).then_some(slug)
    }

    /// A partner's address under the base domain.
    pub fn host_of(&self, slug: &str) -> Option<String> {
        self.base_domain.as_ref().map(|b| format!("{slug}.{b}"))
    }
}

/// A request host as brands are keyed: lower-cased, without port or a
/// trailing dot. None for a host that cannot be a domain name.
pub fn normalize_host(raw: &str) -> Option<String> {
    let raw = raw.trim();
    // `[::1]:8080` and bare IPv6 literals are never a brand's host.
    if raw.starts_with('[') {
        return None;
    }
    let host = match raw.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        Some(_) => return None,
        None => raw,
    };
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    valid_domain(&host).then_some(host)
}

/// Whether `d` (already lower-case) is a domain name: labels of letters,
/// digits and inner hyphens, 1–63 characters each, 253 in all.
pub fn valid_domain(d: &str) -> bool {
    !d.is_empty()
        && d.len() <= 253
        && d.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

/// A custom domain a partner may add: a valid name of at least two labels
/// that is neither an address nor under the platform's own base domain.
pub fn custom_domain(raw: &str, base_domain: Option<&str>) -> Result<String, String> {
    let d = normalize_host(raw).ok_or_else(|| format!("`domain` {raw:?} is not a domain name (e.g. app.example.com)"))?;
    if !d.contains('.') || d.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(format!("`domain` must be a full domain name like app.example.com, not {d:?}"));
    }
    if let Some(base) = base_domain {
        if d == base || d.ends_with(&format!(".{base}")) {
            return Err(format!("`domain` {d:?} is under the platform's own domain; your partner address there needs no verification"));
        }
    }
    Ok(d)
}

/// Addresses under the base domain the platform keeps for itself.
pub const RESERVED_SLUGS: &[&str] = &[
    "www",
    "app",
    "api",
    "admin",
    "auth",
    "login",
    "mail",
    "smtp",
    "static",
    "assets",
    "cdn",
    "docs",
    "help",
    "support",
    "status",
    "billing",
    "dashboard",
    "partner",
    "partners",
    "affiliate",
    "affiliates",
    "whatsflow",
    "webhooks",
    "ws",
];

/// Whether `s` is a partner slug: 3–30 of `a-z`, `0-9` and inner hyphens
/// (it becomes `<slug>.<base domain>`), not one the platform keeps.
pub fn valid_slug(s: &str) -> bool {
    !RESERVED_SLUGS.contains(&s)
        && (3..=30).contains(&s.len())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// How a partner earns from its clients' payments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum RevenueModel {
    /// The partner sets its own prices above the platform's; it keeps the difference.
    Markup,
    /// The partner keeps a share of each payment.
    RevenueShare,
    /// The platform takes a fixed fee, then the partner a share of the rest.
    Hybrid,
}

impl RevenueModel {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Markup => "markup",
            Self::RevenueShare => "revenue_share",
            Self::Hybrid => "hybrid",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "markup" => Some(Self::Markup),
            "revenue_share" => Some(Self::RevenueShare),
            "hybrid" => Some(Self::Hybrid),
            _ => None,
        }
    }
}

/// Where a partner stands with the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum PartnerStatus {
    /// Applied; an operator has not approved it yet.
    Pending,
    /// Live: its brand, clients and domains work.
    Approved,
    /// Stopped by an operator: its brand falls back to the platform's.
    Suspended,
}

impl PartnerStatus {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Suspended => "suspended",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "approved" => Some(Self::Approved),
            "suspended" => Some(Self::Suspended),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_lower_cased_without_port_or_trailing_dot() {
        assert_eq!(normalize_host("App.Example.COM:8443").as_deref(), Some("app.example.com"));
        assert_eq!(normalize_host("app.example.com.").as_deref(), Some("app.example.com"));
        assert_eq!(normalize_host("acme.localhost:3000").as_deref(), Some("acme.localhost"));
        assert_eq!(normalize_host("127.0.0.1:8080").as_deref(), Some("127.0.0.1"));
        assert_eq!(normalize_host("[::1]:8080"), None);
        assert_eq!(normalize_host("evil.com:abc"), None);
        assert_eq!(normalize_host("bad_host.com"), None);
        assert_eq!(normalize_host(""), None);
    }

    #[test]
    fn custom_domains_are_full_names_outside_the_base_domain() {
        assert_eq!(custom_domain("Chat.Acme.in.", Some("whatsflow.app")).unwrap(), "chat.acme.in");
        assert!(custom_domain("localhost", None).is_err());
        assert!(custom_domain("10.0.0.1", None).is_err());
        assert!(custom_domain("acme.whatsflow.app", Some("whatsflow.app")).is_err());
        assert!(custom_domain("whatsflow.app", Some("whatsflow.app")).is_err());
        assert!(custom_domain("-x.com", None).is_err());
    }

    #[test]
    fn slugs_are_short_lowercase_names() {
        assert!(valid_slug("acme"));
        assert!(valid_slug("acme-2"));
        assert!(!valid_slug("ac"));
        assert!(!valid_slug("-acme"));
        assert!(!valid_slug("Acme"));
        assert!(!valid_slug("acme.io"));
        assert!(!valid_slug(&"a".repeat(31)));
        assert!(!valid_slug("www") && !valid_slug("app") && !valid_slug("admin"));
    }
}
