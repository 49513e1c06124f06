//! What a flow's runs do and steering them: `GET /flows/{id}/executions`
//! (latest runs with the path each took, in the conversations the caller
//! may see), `/analytics` (starts, completions, drop-off per node),
//! `POST /flows/{id}/start` (by hand in a conversation) and `POST
//! /conversations/{id}/flow` (pause, resume or stop the conversation's bot).

use crate::auth::{Reader, Writer};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::flows::load;
use crate::startup::AppState;
use crate::store::visibility::Visibility;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use whatsflow_actors::conversation::ConversationWork;
use whatsflow_actors::flow::actor::FlowControl;
use whatsflow_actors::ids::FlowId;
use whatsflow_actors::tenant::ConversationCommand;

/// Runs of a flow, newest first, with the path each took.
pub async fn executions(state: web::Data<AppState>, user: Reader, path: web::Path<FlowId>) -> Result<HttpResponse, ApiError> {
    load(&state, &user, *path).await?;
    // Agents see the runs of the conversations they may see, no others.
    let data = state.db.tenant(user.tenant_id).flows().runs(*path, Visibility::of(&user)).await?;
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": null})))
}

/// Starts, completions and where runs stop (drop-off per node).
pub async fn analytics(state: web::Data<AppState>, user: Reader, path: web::Path<FlowId>) -> Result<HttpResponse, ApiError> {
    load(&state, &user, *path).await?;
    let stats = state.db.tenant(user.tenant_id).flows().stats(*path).await?;
    let (counts, drops, visits) = (stats.by_status, stats.drop_off, stats.visits);
    let count = |s: &str| counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
    let starts: i64 = counts.iter().map(|(_, n)| n).sum();
    Ok(HttpResponse::Ok().json(json!({
        "starts": starts, "completions": count("completed"), "failed": count("failed"), "stopped": count("stopped"),
        "active": count("running") + count("waiting") + count("paused"),
        "completion_rate": if starts > 0 { count("completed") as f64 / starts as f64 } else { 0.0 },
        "drop_off": drops.iter().map(|(node, n)| json!({"node_id": node, "runs": n})).collect::<Vec<_>>(),
        "visits": visits.iter().map(|(node, n)| json!({"node_id": node, "runs": n})).collect::<Vec<_>>(),
    })))
}

/// `POST /flows/{id}/start`.
#[derive(Deserialize)]
pub struct StartInput {
    conversation_id: uuid::Uuid,
}

/// Starts a flow in a conversation by hand.
pub async fn start(
    state: web::Data<AppState>,
    user: Writer,
    path: web::Path<FlowId>,
    body: web::Json<StartInput>,
) -> Result<HttpResponse, ApiError> {
    let target = crate::http::messages::target(&state, &user, body.conversation_id).await?;
    crate::http::messages::outbound_allowed(&state, user.tenant_id).await?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    state.router.command(ConversationCommand {
        channel: target.channel,
        contact_id: target.contact_id,
        work: ConversationWork::StartFlow { flow_id: path.0, reply: Some(tx) },
    });
    let run = tokio::time::timeout(crate::http::messages::ACTOR_ANSWER_TIMEOUT, rx)
        .await
        .map_err(|_| ApiError::Unavailable("the conversation did not answer in time; retry".into()))?
        .map_err(|_| ApiError::Unavailable("the conversation could not start the flow now; retry".into()))?
        .map_err(|m| ApiError::Conflict { code: ErrorCode::FlowNotStarted, message: m })?;
    // The run exists whatever happens here: naming who started it is best effort.
    if let Some(person) = user.person() {
        if let Err(e) = state.db.tenant(user.tenant_id).activity().run_by(run, true, person).await {
            tracing::warn!(error = %e, "who started a flow run could not be recorded");
        }
    }
    Ok(HttpResponse::Created().json(json!({"run_id": run, "flow_id": *path, "conversation_id": body.conversation_id})))
}

/// `POST /conversations/{id}/flow`.
#[derive(Deserialize)]
pub struct ControlInput {
    action: String,
}

/// Pauses, resumes or stops the conversation's bot.
pub async fn control(
    state: web::Data<AppState>,
    user: Writer,
    path: web::Path<uuid::Uuid>,
    body: web::Json<ControlInput>,
) -> Result<HttpResponse, ApiError> {
    let control = match body.action.as_str() {
        "pause" => FlowControl::Pause,
        "resume" => FlowControl::Resume,
        "stop" => FlowControl::Stop,
        _ => return Err(ApiError::validation("`action` must be pause, resume or stop")),
    };
    let target = crate::http::messages::target(&state, &user, *path).await?;
    let conversation = whatsflow_actors::ids::ConversationId(*path);
    let activity = state.db.tenant(user.tenant_id).activity();
    // Pausing and resuming show in the thread with who did it (a stop shows
    // as the run's end).
    let bot = activity.bot(conversation).await?;
    match (&control, bot.as_ref()) {
        (FlowControl::Pause, Some(b)) if b.status != "paused" => {
            activity.record_bot_toggle(conversation, "bot_paused", b.started_at, user.person()).await?;
        }
        (FlowControl::Resume, Some(b)) if b.status == "paused" => {
            activity.record_bot_toggle(conversation, "bot_resumed", b.started_at, user.person()).await?;
        }
        (FlowControl::Stop, Some(b)) => {
            if let Some(person) = user.person() {
                activity.run_by(b.id, false, person).await?;
            }
        }
        _ => {}
    }
    state.router.command(ConversationCommand {
        channel: target.channel,
        contact_id: target.contact_id,
        work: ConversationWork::Flow(control),
    });
    Ok(HttpResponse::Accepted().json(json!({"conversation_id": *path, "action": body.action})))
}
