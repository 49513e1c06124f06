//! `GET /health` (the process is up), `GET /ready` (it can reach Postgres)
//! and `GET /metrics` (Prometheus text).

use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;
use std::sync::atomic::Ordering;
use std::time::Duration;
use whatsflow_actors::metrics::{Sample, SampleKind};

/// Liveness.
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(
        serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "uptime_seconds": state.started_at.elapsed().as_secs()}),
    )
}

/// Readiness: answers 503 while the database is unreachable.
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    if state.db.platform().ping(Duration::from_secs(2)).await {
        let mut body = serde_json::json!({"status": "ready"});
        if let Some(c) = &state.cluster {
            body["cluster"] = c.readiness();
        }
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({"error": {"code": "UNAVAILABLE", "message": "the database is unreachable"}}))
    }
}

/// Prometheus (OpenMetrics text) exposition of the engine's counters and
/// the server's own, read at scrape time.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let mut samples = state.metrics.samples();
    let w = &state.webhook_stats;
    let n = |a: &std::sync::atomic::AtomicU64| i64::try_from(a.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
    let size = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    samples.extend([
        Sample::counter("webhooks_accepted", "Webhook POSTs stored and acknowledged", n(&w.accepted)),
        Sample::counter("webhook_signature_failures", "Webhook POSTs refused for their signature", n(&w.signature_failures)),
        Sample::counter("socket_frames_sent", "Frames delivered to agent sessions", n(&state.hub.frames_sent)),
        Sample::counter("socket_slow_consumers", "Agent sessions closed for not keeping up", n(&state.hub.slow_consumers)),
        Sample::counter("automation_timer_passes", "Passes of the timed automation rules and SLA checks", n(&state.timer_passes)),
        Sample::counter(
            "due_timer_passes",
            "Passes of the timer of drip steps and scheduled messages",
            i64::try_from(state.timers.passes()).unwrap_or(i64::MAX),
        ),
        Sample::counter("routing_passes", "Sweeps of the team router (waiting conversations given out)", n(&state.teams.passes)),
        Sample::counter(
            "meter_passes",
            "Passes of the meter's sweep (limit alerts, overdue and lapsed accounts, due deletions)",
            n(&state.meter_passes),
        ),
        Sample::gauge("db_pool_connections", "Open database connections", i64::from(state.db.platform().connections())),
        Sample::gauge("session_cache_entries", "Users whose session version is cached", size(state.sessions.cached())),
        Sample::gauge("flow_version_cache_entries", "Parsed flow versions cached", size(state.flows.cached_versions())),
        Sample::gauge("auth_limiter_addresses", "Addresses tracked by the sign-in rate limits", size(state.auth_guard.tracked())),
    ]);
    if let Some(c) = &state.cluster {
        let (l, b) = (&c.leases, &c.bus.stats);
        samples.extend([
            Sample::gauge("cluster_partitions_owned", "Partitions this node owns now", size(l.owned().len())),
            Sample::gauge("cluster_nodes", "Nodes alive at the last lease round", i64::from(l.live_nodes())),
            Sample::counter("cluster_partitions_acquired", "Partition leases acquired", n(&l.acquired)),
            Sample::counter("cluster_partitions_lost", "Partition leases lost (expired or taken over)", n(&l.lost)),
            Sample::counter("cluster_partitions_released", "Partition leases handed back", n(&l.released)),
            Sample::counter("cluster_bus_published", "Messages published to the other nodes", n(&b.published)),
            Sample::counter("cluster_bus_dropped", "Messages to the other nodes dropped (queue full or Redis down)", n(&b.dropped)),
            Sample::counter("cluster_bus_received", "Frames from other nodes delivered here", n(&b.received)),
            Sample::counter("cluster_bus_resyncs", "Resynchronisations asked of local sessions", n(&b.resyncs)),
            Sample::gauge("cluster_redis_ok", "Whether Redis answers (1) or not (0)", i64::from(c.bus.redis_ok())),
        ]);
    }
    if let Ok(dead) = state.db.platform().dead_inbox_rows().await {
        samples.push(Sample::gauge("webhook_inbox_dead", "Webhook POSTs that failed every retry and wait for an operator", dead));
    }
    let mut registry = Registry::with_prefix("whatsflow");
    registry.register_collector(Box::new(Snapshot(samples)));
    let mut out = String::new();
    match prometheus_client::encoding::text::encode(&mut out, &registry) {
        Ok(()) => HttpResponse::Ok().content_type("application/openmetrics-text; version=1.0.0; charset=utf-8").body(out),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

/// The values of one scrape, handed to the encoder.
#[derive(Debug)]
struct Snapshot(Vec<Sample>);

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        for s in &self.0 {
            match s.kind {
                SampleKind::Counter => {
                    let c = ConstCounter::new(u64::try_from(s.value).unwrap_or(0));
                    c.encode(encoder.encode_descriptor(s.name, s.help, None, c.metric_type())?)?;
                }
                SampleKind::Gauge => {
                    let g = ConstGauge::new(s.value);
                    g.encode(encoder.encode_descriptor(s.name, s.help, None, g.metric_type())?)?;
                }
            }
        }
        Ok(())
    }
}
