//! The egress client: every call to a URL a tenant supplied (flow `api` and
//! `webhook` nodes, outbound webhooks, integrations) goes
//! through it, so no tenant can make the server reach its own network.
//!
//! - Addresses are checked where the connection is made: a resolver that
//!   drops loopback, private, link-local, CGNAT, unique-local, multicast,
//!   unspecified, documentation and reserved addresses (and IPv4-mapped,
//!   -compatible and NAT64 forms of them) before the connector sees them, so
//!   a name that resolves to a public address for a check and a private one
//!   for the connection (DNS rebinding) cannot pass. URLs written with an IP
//!   literal are checked directly, on the first request and on every
//!   redirect hop.
//! - Only `http` and `https`; no proxy from the environment; at most
//!   [`MAX_REDIRECTS`] hops.
//! - Responses are read as a stream and cut at [`DEFAULT_MAX_BODY`]; every
//!   call has a time limit.
//! - `WHATSFLOW_EGRESS_ALLOW` lists networks that may be reached anyway (an
//!   operator's own services; tests' loopback fixtures).

use async_trait::async_trait;
use futures::StreamExt;
use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use whatsflow_actors::flow::run::FlowHttp;

/// A network in CIDR form (`10.1.0.0/16`, `::1/128`).
pub type Cidr = ipnet::IpNet;

/// Largest response body read from a tenant URL.
pub const DEFAULT_MAX_BODY: usize = 256 * 1024;
/// Longest any call may take, whatever the caller asks.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(60);
/// Time to establish a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Redirects followed at most.
pub const MAX_REDIRECTS: usize = 5;

/// Why a call to a tenant URL was not made or not completed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EgressError {
    /// The URL cannot be called at all.
    #[error("refused: {0}")]
    Refused(String),
    /// The call did not complete in time.
    #[error("timed out after {0} ms")]
    Timeout(u64),
    /// The answer was larger than allowed.
    #[error("refused: the response is larger than {0} bytes")]
    TooLarge(usize),
    /// The far end answered with an error status.
    #[error("HTTP {0}")]
    Status(u16),
    /// The connection failed.
    #[error("request failed: {0}")]
    Failed(String),
}

/// Which addresses may be reached.
#[derive(Debug, Clone, Default)]
pub struct EgressPolicy {
    allow: Vec<Cidr>,
}

impl EgressPolicy {
    /// The default rule, with `allow` as exceptions.
    pub fn new(allow: Vec<Cidr>) -> Self {
        Self { allow }
    }

    /// Why `ip` may not be reached, or `None` when it may.
    pub fn refusal(&self, ip: IpAddr) -> Option<&'static str> {
        if self.allow.iter().any(|net| net.contains(&ip)) {
            return None;
        }
        blocked(ip)
    }
}

/// What kind of non-public address `ip` is, if it is one.
pub fn blocked(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => blocked_v4(v4),
        IpAddr::V6(v6) => blocked_v6(v6),
    }
}

fn blocked_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, _, _) => "an unspecified address (0.0.0.0/8)",
        (10, _, _) => "a private address (10.0.0.0/8)",
        (100, 64..=127, _) => "a carrier-grade NAT address (100.64.0.0/10)",
        (127, _, _) => "a loopback address (127.0.0.0/8)",
        (169, 254, _) => "a link-local address (169.254.0.0/16, cloud metadata lives here)",
        (172, 16..=31, _) => "a private address (172.16.0.0/12)",
        (192, 0, 0) => "an IETF protocol address (192.0.0.0/24)",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (192, 88, 99) => "a 6to4 relay address (192.88.99.0/24)",
        (192, 168, _) => "a private address (192.168.0.0/16)",
        (198, 18..=19, _) => "a benchmarking address (198.18.0.0/15)",
        (224..=239, _, _) => "a multicast address (224.0.0.0/4)",
        (240..=255, _, _) => "a reserved or broadcast address (240.0.0.0/4)",
        _ => return None,
    })
}

fn blocked_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if ip.is_unspecified() {
        return Some("an unspecified address (::)");
    }
    if ip.is_loopback() {
        return Some("a loopback address (::1)");
    }
    let seg = ip.segments();
    // IPv4 inside IPv6: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d),
    // NAT64 (64:ff9b::a.b.c.d) all reach the IPv4 address.
    let embedded = match seg {
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0, 0, _, _] | [0x64, 0xff9b, 0, 0, 0, 0, _, _] | [0x64, 0xff9b, 1, _, _, _, _, _] => {
            Some(Ipv4Addr::new((seg[6] >> 8) as u8, seg[6] as u8, (seg[7] >> 8) as u8, seg[7] as u8))
        }
        _ => None,
    };
    if let Some(v4) = embedded {
        return blocked_v4(v4).map(|_| "an IPv4-mapped form of a non-public address");
    }
    Some(match seg[0] {
        0xfe80..=0xfebf => "a link-local address (fe80::/10)",
        0xfc00..=0xfdff => "a unique-local address (fc00::/7)",
        0xff00..=0xffff => "a multicast address (ff00::/8)",
        0xfec0..=0xfeff => "a site-local address (fec0::/10)",
        0x2001 if seg[1] == 0x0db8 => "a documentation address (2001:db8::/32)",
        0x2002 => "a 6to4 address (2002::/16)",
        0x2001 if seg[1] == 0 => "a Teredo address (2001::/32)",
        0x0100 if seg[1..4] == [0, 0, 0] => "a discard address (100::/64)",
        _ => return None,
    })
}

/// The resolver the client connects through: the system's, with every
/// address the policy refuses removed (none left: the name is refused).
struct FilteringResolver {
    policy: Arc<EgressPolicy>,
}

impl reqwest::dns::Resolve for FilteringResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| match policy.refusal(a.ip()) {
                    Some(why) => {
                        refused = Some(why);
                        false
                    }
                    None => true,
                })
                .collect();
            if allowed.is_empty() {
                // The address itself is not told: a tenant must not map the
                // server's internal names through error messages.
                let why = match refused {
                    Some(why) => format!("`{host}` resolves to {why}; tenant URLs must be public"),
                    None => format!("`{host}` does not resolve"),
                };
                return Err(Box::new(EgressError::Refused(why)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Checks a URL before a request or a redirect: scheme, and an IP-literal
/// host (names are checked by the resolver when connecting).
fn check_url(policy: &EgressPolicy, url: &reqwest::Url) -> Result<(), EgressError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(EgressError::Refused(format!("`{}` URLs are not allowed; use http or https", url.scheme())));
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        Some(url::Host::Domain(_)) => return Ok(()),
        None => return Err(EgressError::Refused("the URL has no host".into())),
    };
    match policy.refusal(ip) {
        Some(why) => Err(EgressError::Refused(format!("{ip} is {why}; tenant URLs must be public"))),
        None => Ok(()),
    }
}

/// See the module doc.
#[derive(Clone)]
pub struct EgressClient {
    http: reqwest::Client,
    policy: Arc<EgressPolicy>,
    max_body: usize,
}

impl EgressClient {
    /// A client enforcing `policy`.
    pub fn new(policy: EgressPolicy) -> Result<Self, reqwest::Error> {
        let policy = Arc::new(policy);
        let redirect_policy = policy.clone();
        let http = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(CONNECT_TIMEOUT)
            .dns_resolver(Arc::new(FilteringResolver { policy: policy.clone() }))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    return attempt.error(EgressError::Refused(format!("more than {MAX_REDIRECTS} redirects")));
                }
                match check_url(&redirect_policy, attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(e) => attempt.error(e),
                }
            }))
            .user_agent(concat!("whatsflow/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { http, policy, max_body: DEFAULT_MAX_BODY })
    }

    /// Calls `url` and returns its status and body (at most the size cap).
    pub async fn call(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<&Value>,
        timeout: Duration,
    ) -> Result<(u16, bytes::Bytes), EgressError> {
        let body = match body {
            Some(b) => Some(serde_json::to_vec(b).map_err(|e| EgressError::Refused(format!("the body cannot be serialised: {e}")))?),
            None => None,
        };
        let mut headers = headers.to_vec();
        if body.is_some() && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        self.send(method, url, &headers, body, timeout).await
    }

    /// Sends exactly `body` (for signed requests, whose signature covers
    /// these bytes) and returns the status and body (at most the size cap).
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
        timeout: Duration,
    ) -> Result<(u16, bytes::Bytes), EgressError> {
        let timeout = timeout.min(MAX_TIMEOUT);
        let ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        let parsed = reqwest::Url::parse(url).map_err(|e| EgressError::Refused(format!("`{url}` is not a URL: {e}")))?;
        check_url(&self.policy, &parsed)?;
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| EgressError::Refused(e.to_string()))?;
        let mut req = self.http.request(method, parsed);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        if let Some(b) = body {
            req = req.body(b);
        }
        let exchange = async {
            let res = req.send().await.map_err(|e| classify(e, ms))?;
            let status = res.status().as_u16();
            if res.content_length().is_some_and(|n| n > self.max_body as u64) {
                return Err(EgressError::TooLarge(self.max_body));
            }
            let mut stream = res.bytes_stream();
            let mut buf = bytes::BytesMut::new();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| classify(e, ms))?;
                if buf.len() + chunk.len() > self.max_body {
                    return Err(EgressError::TooLarge(self.max_body));
                }
                buf.extend_from_slice(&chunk);
            }
            Ok((status, buf.freeze()))
        };
        tokio::time::timeout(timeout, exchange).await.map_err(|_| EgressError::Timeout(ms))?
    }
}

/// Finds our own refusal inside a reqwest error (the resolver's or the
/// redirect policy's), else describes the failure.
fn classify(e: reqwest::Error, ms: u64) -> EgressError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = source {
        if let Some(ours) = s.downcast_ref::<EgressError>() {
            return ours.clone();
        }
        source = s.source();
    }
    if e.is_timeout() {
        EgressError::Timeout(ms)
    } else {
        EgressError::Failed(e.without_url().to_string())
    }
}

/// Flows' `api` and `webhook` nodes call out through the egress client.
#[async_trait]
impl FlowHttp for EgressClient {
    async fn call(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<&Value>,
        timeout_ms: u64,
    ) -> Result<Value, String> {
        let (status, bytes) =
            EgressClient::call(self, method, url, headers, body, Duration::from_millis(timeout_ms)).await.map_err(|e| e.to_string())?;
        if !(200..300).contains(&status) {
            return Err(EgressError::Status(status).to_string());
        }
        let text = String::from_utf8_lossy(&bytes);
        Ok(serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.into_owned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn non_public_addresses_are_refused() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.20.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.1.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "64:ff9b:1::a00:1",
            "2001:0:4136:e378::1",
        ] {
            assert!(blocked(ip(bad)).is_some(), "{bad} should be refused");
        }
        for good in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            assert!(blocked(ip(good)).is_none(), "{good} should be allowed");
        }
    }

    #[test]
    fn the_allowlist_opens_only_its_networks() {
        let p = EgressPolicy::new(vec!["127.0.0.1/32".parse().unwrap()]);
        assert!(p.refusal(ip("127.0.0.1")).is_none());
        assert!(p.refusal(ip("127.0.0.2")).is_some());
    }

    #[tokio::test]
    async fn literal_private_urls_and_odd_schemes_are_refused_before_connecting() {
        let c = EgressClient::new(EgressPolicy::default()).unwrap();
        for url in ["http://127.0.0.1:9/x", "http://[::1]/", "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd"] {
            let e = c.call("GET", url, &[], None, Duration::from_secs(2)).await.unwrap_err();
            assert!(matches!(e, EgressError::Refused(_)), "{url}: {e:?}");
        }
        // A name resolving to loopback is refused by the resolver.
        let e = c.call("GET", "http://localhost:9/", &[], None, Duration::from_secs(2)).await.unwrap_err();
        assert!(matches!(e, EgressError::Refused(ref m) if m.contains("loopback")), "{e:?}");
    }
}
