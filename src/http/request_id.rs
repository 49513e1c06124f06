//! Request ids and the edge's response headers.
//!
//! Every request gets an id (the caller's `X-Request-Id` when it is a sane
//! token, else a fresh UUID): it is returned as `X-Request-Id`, carried by a
//! tracing span so every log line of the request names it, and written into
//! every error body (`error.request_id`), so a refused call can be traced.
//! Requests are logged at DEBUG (method, path without the query, status,
//! duration). The same middleware adds the security headers every response
//! carries (CSP, frame, sniffing and referrer rules).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::time::Instant;
use tracing::Instrument;

tokio::task_local! {
    static REQUEST: Served;
}

/// What the edge knows of the request being served.
#[derive(Clone)]
struct Served {
    id: String,
    ip: Option<std::net::IpAddr>,
}

/// The header carrying the id both ways.
pub const HEADER: &str = "x-request-id";

/// Longest id accepted from a caller.
const MAX_INCOMING_ID: usize = 64;

/// The content security policy: the web app loads only its own scripts and
/// styles (React sets inline style attributes), talks to its own origin and
/// socket, and is never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob: https:; media-src 'self' blob: https:; font-src 'self' data:; connect-src 'self' ws: wss:; \
    frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

/// Headers every response carries.
const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
];

/// The id of the request being served, if called inside one.
pub fn current() -> Option<String> {
    REQUEST.try_with(|r| r.id.clone()).ok()
}

/// The caller's address for the request being served (the audit log's).
pub fn client_ip() -> Option<std::net::IpAddr> {
    REQUEST.try_with(|r| r.ip).ok().flatten()
}

/// The caller's address: the peer, or behind trusted proxies the last
/// `X-Forwarded-For` hop that is not one of them.
pub fn client_ip_of(
    trusted_proxies: &[crate::egress::Cidr],
    peer: Option<std::net::IpAddr>,
    headers: &actix_web::http::header::HeaderMap,
) -> Option<std::net::IpAddr> {
    let peer = peer?;
    let trusted = |ip: &std::net::IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    if !trusted(&peer) {
        return Some(peer);
    }
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()).unwrap_or("");
    let hops: Vec<std::net::IpAddr> = forwarded.split(',').filter_map(|h| h.trim().parse().ok()).collect();
    Some(hops.into_iter().rev().find(|ip| !trusted(ip)).unwrap_or(peer))
}

fn incoming(req: &ServiceRequest) -> Option<String> {
    let v = req.headers().get(HEADER)?.to_str().ok()?.trim();
    let sane = !v.is_empty() && v.len() <= MAX_INCOMING_ID && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    sane.then(|| v.to_owned())
}

/// The middleware (`App::wrap(from_fn(request_id::middleware))`).
pub async fn middleware(req: ServiceRequest, next: Next<impl MessageBody>) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = incoming(&req).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let ip = req
        .app_data::<actix_web::web::Data<crate::startup::AppState>>()
        .and_then(|s| client_ip_of(&s.config.trusted_proxies, req.peer_addr().map(|a| a.ip()), req.headers()));
    // A path that carries a secret (an invitation link's token) is logged
    // as its route, never as sent.
    let path = match req.match_pattern() {
        Some(pattern) if pattern.contains("{token}") => pattern,
        _ => req.path().to_owned(),
    };
    let method = req.method().clone();
    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    let started = Instant::now();
    let res = REQUEST.scope(Served { id: id.clone(), ip }, next.call(req).instrument(span.clone())).await;
    let mut res = res?;
    let status = res.status().as_u16();
    span.in_scope(|| tracing::debug!(status, ms = started.elapsed().as_millis() as u64, "request served"));
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert(HeaderName::from_static(HEADER), v);
    }
    for (name, value) in SECURITY_HEADERS {
        headers.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    Ok(res)
}
