//! `GET /health` (the process is up), `GET /ready` (it can reach Postgres)
//! and `GET /metrics` (Prometheus text).

use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use std::fmt::Write;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Liveness.
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(
        serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "uptime_seconds": state.started_at.elapsed().as_secs()}),
    )
}

/// Readiness: answers 503 while the database is unreachable.
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    if state.db.platform().ping(Duration::from_secs(2)).await {
        HttpResponse::Ok().json(serde_json::json!({"status": "ready"}))
    } else {
        HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({"error": {"code": "UNAVAILABLE", "message": "the database is unreachable"}}))
    }
}

/// Prometheus exposition of the engine's counters.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let mut out = String::new();
    let mut sample = |name: &str, help: &str, kind: &str, value: i64| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
    };
    for (name, help, value) in state.metrics.samples() {
        let kind = if name.ends_with("_total") { "counter" } else { "gauge" };
        sample(name, help, kind, value);
    }
    let w = &state.webhook_stats;
    let n = |a: &std::sync::atomic::AtomicU64| i64::try_from(a.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
    sample("whatsflow_webhooks_accepted_total", "Webhook POSTs stored and acknowledged", "counter", n(&w.accepted));
    sample("whatsflow_webhook_signature_failures_total", "Webhook POSTs refused for their signature", "counter", n(&w.signature_failures));
    sample("whatsflow_socket_frames_sent_total", "Frames delivered to agent sessions", "counter", n(&state.hub.frames_sent));
    sample("whatsflow_socket_slow_consumers_total", "Agent sessions closed for not keeping up", "counter", n(&state.hub.slow_consumers));
    sample("whatsflow_db_pool_connections", "Open database connections", "gauge", i64::from(state.db.platform().connections()));
    let size = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    sample("whatsflow_session_cache_entries", "Users whose session version is cached", "gauge", size(state.sessions.cached()));
    sample("whatsflow_flow_version_cache_entries", "Parsed flow versions cached", "gauge", size(state.flows.cached_versions()));
    sample("whatsflow_auth_limiter_addresses", "Addresses tracked by the sign-in rate limits", "gauge", size(state.auth_guard.tracked()));
    if let Ok(dead) = state.db.platform().dead_inbox_rows().await {
        let _ = writeln!(
            out,
            "# HELP whatsflow_webhook_inbox_dead Webhook POSTs that failed every retry and wait for an operator\n# TYPE whatsflow_webhook_inbox_dead gauge\nwhatsflow_webhook_inbox_dead {dead}"
        );
    }
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(out)
}
