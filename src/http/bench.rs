//! Diagnostics for the load generator, served only with `WHATSFLOW_BENCH=1`:
//! the ceilings its results are divided by, measured on the same server.
//!
//! - `POST /bench/noop`: the webhook edge's own work (read, verify the
//!   signature, parse) without storing anything: the HTTP ceiling.
//! - `POST /bench/broadcast?tenant_id=&frames=&bytes=`: pushes frames of a
//!   given size to every session of a tenant through the hub, with no
//!   conversation behind them: the WebSocket fan-out ceiling.

use crate::hub::{HubFrame, Scope};
use crate::startup::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use whatsflow_actors::ids::TenantId;
use whatsflow_actors::meta::parse_webhook;

/// Whether the diagnostics routes are served.
pub fn enabled() -> bool {
    crate::config::env_var("WHATSFLOW_BENCH").is_some_and(|v| v == "1")
}

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/bench/noop", web::post().to(noop)).route("/bench/broadcast", web::post().to(broadcast));
}

async fn noop(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let header = req.headers().get(crate::http::webhooks::SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    if !crate::http::webhooks::signature_valid(state.config.app_secret.expose().as_bytes(), &body, header) {
        return HttpResponse::Unauthorized().finish();
    }
    match parse_webhook(&body) {
        Ok(p) => HttpResponse::Ok().json(json!({"events": p.events.len()})),
        Err(_) => HttpResponse::BadRequest().finish(),
    }
}

/// Broadcast parameters.
#[derive(Deserialize)]
struct BroadcastQuery {
    tenant_id: uuid::Uuid,
    frames: usize,
    bytes: usize,
}

async fn broadcast(state: web::Data<AppState>, q: web::Query<BroadcastQuery>) -> HttpResponse {
    let tenant = TenantId(q.tenant_id);
    let filler = "x".repeat(q.bytes.saturating_sub(40));
    for i in 0..q.frames.min(1_000_000) {
        let text = format!(r#"{{"event":"bench","data":{{"i":{i},"f":"{filler}"}}}}"#);
        state.hub.broadcast(
            tenant,
            HubFrame { conversation_id: None, assignee: None, seq: None, scope: Scope::Everyone, except: None, text: text.into() },
        );
    }
    HttpResponse::Ok().json(json!({"sessions": state.hub.sessions(tenant), "frames": q.frames}))
}
