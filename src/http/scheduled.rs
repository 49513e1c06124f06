//! `/conversations/{id}/scheduled-messages`: a message written now to go
//! out later. Whoever may write in the conversation may schedule, edit
//! and cancel there. A time when the customer's window will be closed
//! needs a template: the message itself, or a fallback template.

use crate::auth::{AuthUser, Reader, Writer};
use crate::drips::scheduled::{frame, window_closes_at};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::messages::target;
use crate::startup::AppState;
use crate::store::repo::scheduled::{NewScheduled, ScheduledMessage, MAX_PER_CONVERSATION};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use whatsflow_actors::message::SentBy;

/// The furthest ahead a message may be scheduled.
const MAX_AHEAD_DAYS: i64 = 90;

/// A message to schedule: its time (`send_at`, or `send_in_seconds` from
/// now) and the message as a send takes it (`"type"` and the type's
/// object), with an optional `fallback` template message.
#[derive(Debug, Deserialize)]
pub struct ScheduleBody {
    #[serde(default)]
    send_at: Option<DateTime<Utc>>,
    #[serde(default)]
    send_in_seconds: Option<i64>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    fallback: Option<Value>,
    #[serde(flatten)]
    rest: serde_json::Map<String, Value>,
}

/// Reads a body into what to store; `current` is the message being edited.
fn read(b: ScheduleBody, now: DateTime<Utc>, current: Option<&ScheduledMessage>) -> Result<NewScheduled, ApiError> {
    let send_at = match (b.send_at, b.send_in_seconds, current) {
        (Some(at), None, _) => at,
        (None, Some(secs), _) => {
            if !(1..=MAX_AHEAD_DAYS * 86_400).contains(&secs) {
                return Err(ApiError::validation(format!("`send_in_seconds` must be between 1 and {}", MAX_AHEAD_DAYS * 86_400)));
            }
            now + Duration::seconds(secs)
        }
        (None, None, Some(c)) => c.send_at,
        _ => return Err(ApiError::validation("give the time as `send_at` (ISO 8601 with a zone) or `send_in_seconds`, not both")),
    };
    if send_at <= now {
        return Err(ApiError::validation("`send_at` is in the past; give a future time, or send the message now"));
    }
    if send_at > now + Duration::days(MAX_AHEAD_DAYS) {
        return Err(ApiError::validation(format!("`send_at` is more than {MAX_AHEAD_DAYS} days ahead; schedule it closer to the day")));
    }
    let (kind, content) = match (b.kind, current) {
        (Some(kind), _) => {
            let content = b.rest.get(&kind).cloned().unwrap_or(Value::Null);
            (kind, content)
        }
        (None, Some(c)) => (c.kind.clone(), c.content.clone()),
        (None, None) => return Err(ApiError::validation("`type` is required (text, template, …) with the type's object")),
    };
    if matches!(kind.as_str(), "reaction" | "read") {
        return Err(ApiError::validation("a reaction cannot be scheduled; schedule a message"));
    }
    whatsflow_actors::send::validate(&kind, &content).map_err(|m| ApiError::BadRequest { code: ErrorCode::InvalidMessage, message: m })?;
    let fallback = match b.fallback {
        Some(Value::Null) => None,
        Some(f) => {
            if f["type"] != "template" {
                return Err(ApiError::validation("`fallback` must be a template message: {\"type\": \"template\", \"template\": {…}}"));
            }
            whatsflow_actors::send::validate("template", &f["template"])
                .map_err(|m| ApiError::BadRequest { code: ErrorCode::InvalidMessage, message: format!("`fallback`: {m}") })?;
            Some(f)
        }
        None => current.and_then(|c| c.fallback.clone()),
    };
    Ok(NewScheduled { send_at, kind, content, fallback })
}

/// Refuses a free-form message for a time the customer's window will be
/// closed, unless a fallback template goes instead.
fn window_rule(m: &NewScheduled, last_inbound: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), ApiError> {
    if m.kind == "template" || m.fallback.is_some() {
        return Ok(());
    }
    let closes = window_closes_at(last_inbound, now);
    if closes.is_some_and(|c| m.send_at < c) {
        return Ok(());
    }
    let when = match closes {
        Some(c) => format!("closes at {}", c.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        None => "is closed".to_owned(),
    };
    Err(ApiError::Unprocessable {
        code: ErrorCode::TemplateRequired,
        message: format!(
            "the customer's 24-hour window {when}, before this message would go; add a `fallback` template (sent if the window is still closed then) or schedule a template"
        ),
    })
}

/// A conversation the caller may see: the customer's last message and who
/// holds it (whose sessions hear of its scheduled messages).
struct Seen {
    last_inbound: Option<DateTime<Utc>>,
    assignee: Option<whatsflow_actors::ids::UserId>,
}

async fn seen(state: &AppState, user: &AuthUser, conversation: uuid::Uuid) -> Result<Seen, ApiError> {
    let assignee = target(state, user, conversation).await?.assignee_id;
    let facts = state.db.tenant(user.tenant_id).service().facts(conversation).await?.ok_or(ApiError::NotFound("conversation"))?;
    Ok(Seen { last_inbound: facts.last_inbound_at, assignee })
}

fn shown(mut m: ScheduledMessage, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> ScheduledMessage {
    m.window_closes_at = window_closes_at(last, now);
    m
}

/// Schedules a message.
pub async fn create(
    state: web::Data<AppState>,
    user: Writer,
    path: web::Path<uuid::Uuid>,
    body: web::Json<ScheduleBody>,
) -> Result<HttpResponse, ApiError> {
    let conversation = path.into_inner();
    let now = state.clock.now();
    let seen = seen(&state, &user, conversation).await?;
    let last = seen.last_inbound;
    let m = read(body.into_inner(), now, None)?;
    window_rule(&m, last, now)?;
    let sent_by = match user.api_key {
        Some(key) => SentBy::Api { id: key },
        None => SentBy::Agent { id: user.user_id },
    };
    let Some(created) = state
        .db
        .tenant(user.tenant_id)
        .scheduled()
        .create(conversation, &m, user.person(), serde_json::to_value(sent_by).unwrap_or(Value::Null))
        .await?
    else {
        return Err(ApiError::Conflict {
            code: ErrorCode::ScheduledLimit,
            message: format!("this conversation has {MAX_PER_CONVERSATION} messages waiting already; cancel some or wait until they go"),
        });
    };
    state.timers.wake();
    frame(&state, user.tenant_id, seen.assignee, &created);
    Ok(HttpResponse::Created().json(shown(created, last, now)))
}

/// The conversation's scheduled messages: those waiting by time, then the last done.
pub async fn list(state: web::Data<AppState>, user: Reader, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let conversation = path.into_inner();
    let now = state.clock.now();
    let seen = seen(&state, &user, conversation).await?;
    let last = seen.last_inbound;
    let rows = state.db.tenant(user.tenant_id).scheduled().list(conversation).await?;
    let rows: Vec<_> = rows.into_iter().map(|m| shown(m, last, now)).collect();
    Ok(HttpResponse::Ok().json(json!({"data": rows})))
}

async fn waiting(state: &AppState, user: &AuthUser, conversation: uuid::Uuid, id: uuid::Uuid) -> Result<ScheduledMessage, ApiError> {
    let m = state.db.tenant(user.tenant_id).scheduled().get(id).await?.filter(|m| m.conversation_id.0 == conversation);
    m.ok_or(ApiError::NotFound("scheduled message"))
}

fn gone(m: &ScheduledMessage, action: &str) -> ApiError {
    ApiError::Conflict { code: ErrorCode::ScheduledState, message: format!("this message is {} and can no longer be {action}", m.status) }
}

/// Edits a message still waiting (time, content or fallback).
pub async fn update(
    state: web::Data<AppState>,
    user: Writer,
    path: web::Path<(uuid::Uuid, uuid::Uuid)>,
    body: web::Json<ScheduleBody>,
) -> Result<HttpResponse, ApiError> {
    let (conversation, id) = path.into_inner();
    let now = state.clock.now();
    let seen = seen(&state, &user, conversation).await?;
    let last = seen.last_inbound;
    let current = waiting(&state, &user, conversation, id).await?;
    if current.status != "scheduled" {
        return Err(gone(&current, "edited"));
    }
    let m = read(body.into_inner(), now, Some(&current))?;
    window_rule(&m, last, now)?;
    match state.db.tenant(user.tenant_id).scheduled().update(id, &m).await? {
        Some(updated) => {
            state.timers.wake();
            frame(&state, user.tenant_id, seen.assignee, &updated);
            Ok(HttpResponse::Ok().json(shown(updated, last, now)))
        }
        None => Err(gone(&waiting(&state, &user, conversation, id).await?, "edited")),
    }
}

/// Cancels a message still waiting.
pub async fn cancel(state: web::Data<AppState>, user: Writer, path: web::Path<(uuid::Uuid, uuid::Uuid)>) -> Result<HttpResponse, ApiError> {
    let (conversation, id) = path.into_inner();
    let now = state.clock.now();
    let seen = seen(&state, &user, conversation).await?;
    let last = seen.last_inbound;
    let current = waiting(&state, &user, conversation, id).await?;
    match state.db.tenant(user.tenant_id).scheduled().cancel(current.id).await? {
        Some(cancelled) => {
            frame(&state, user.tenant_id, seen.assignee, &cancelled);
            Ok(HttpResponse::Ok().json(shown(cancelled, last, now)))
        }
        None => Err(gone(&waiting(&state, &user, conversation, id).await?, "cancelled")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, h, 0, 0).unwrap()
    }

    fn text(send_at: DateTime<Utc>) -> NewScheduled {
        NewScheduled { send_at, kind: "text".into(), content: json!({"body": "hi"}), fallback: None }
    }

    #[test]
    fn free_text_inside_the_window_is_fine() {
        assert!(window_rule(&text(at(10)), Some(at(1)), at(2)).is_ok());
    }

    #[test]
    fn free_text_after_the_window_closes_needs_a_template() {
        // Wrote at 01:00 on the 30th: the window closes at 01:00 on the 1st.
        let late = text(Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap());
        let e = window_rule(&late, Some(at(1)), at(2)).unwrap_err();
        assert_eq!(e.code(), ErrorCode::TemplateRequired);
        assert!(e.to_string().contains("2026-12-01T01:00:00Z"), "{e}");
        let mut with_fallback = late;
        with_fallback.fallback = Some(json!({"type": "template", "template": {"name": "t", "language": {"code": "en"}}}));
        assert!(window_rule(&with_fallback, Some(at(1)), at(2)).is_ok());
        assert_eq!(window_rule(&text(at(10)), None, at(2)).unwrap_err().code(), ErrorCode::TemplateRequired);
    }

    #[test]
    fn times_in_the_past_or_too_far_are_refused() {
        let body = |v: Value| serde_json::from_value::<ScheduleBody>(v).unwrap();
        assert!(read(body(json!({"send_at": at(1), "type": "text", "text": {"body": "x"}})), at(2), None).is_err());
        assert!(read(body(json!({"send_in_seconds": 91 * 86_400, "type": "text", "text": {"body": "x"}})), at(2), None).is_err());
        let ok = read(body(json!({"send_in_seconds": 60, "type": "text", "text": {"body": "x"}})), at(2), None).unwrap();
        assert_eq!(ok.send_at, at(2) + Duration::seconds(60));
        assert_eq!(ok.content, json!({"body": "x"}));
    }
}
