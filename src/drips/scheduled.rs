//! A scheduled message at its time. The window rule is applied then, not
//! when it was written: inside the customer's 24-hour window the message
//! goes as written; outside it only a template can, so its fallback
//! template goes, or it fails saying why. It is sent as the person who
//! scheduled it, under the key `scheduled:<id>`, so a crash between the
//! send and the record re-sends nothing.

use crate::http::error::{ApiError, ErrorCode};
use crate::http::messages::{send, SendBody, Sent};
use crate::hub::{HubFrame, Scope};
use crate::startup::AppState;
use crate::store::repo::scheduled::ScheduledMessage;
use crate::store::repo::DbError;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use whatsflow_actors::ids::{ConversationId, TenantId, UserId};
use whatsflow_actors::message::SentBy;

/// The customer service window.
const WINDOW: chrono::Duration = chrono::Duration::hours(24);
/// Attempts to store a scheduled message before it is marked failed.
const MAX_ATTEMPTS: i32 = 10;
/// The wait between them.
const RETRY_AFTER: chrono::Duration = chrono::Duration::seconds(5);

/// When the customer's window closes, given their last message (None: closed or never opened).
pub fn window_closes_at(last_inbound: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    last_inbound.map(|t| t + WINDOW).filter(|closes| *closes > now)
}

/// How a stored message went: its scheduled type itself (`session`, or
/// `template` for a scheduled template), or the fallback template.
fn sent_as_of(scheduled: &str, stored: &str) -> &'static str {
    if stored == "template" {
        "template"
    } else if scheduled == stored {
        "session"
    } else {
        "template"
    }
}

/// Sends scheduled message `id` if it is due at `now`.
pub async fn send_due(state: &AppState, tenant: TenantId, id: uuid::Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    let db = state.db.tenant(tenant);
    let Some(m) = db.scheduled().claim(id, now).await? else { return Ok(()) };
    let Some(facts) = db.service().facts(m.conversation_id.0).await? else {
        db.scheduled().failed(id, "the conversation no longer exists").await?;
        return Ok(());
    };
    let open = window_closes_at(facts.last_inbound_at, now).is_some();
    let (kind, content, sent_as) = if m.kind == "template" {
        (m.kind.clone(), m.content.clone(), "template")
    } else if open {
        (m.kind.clone(), m.content.clone(), "session")
    } else if let Some(fallback) = m.fallback.as_ref().filter(|f| f["type"] == "template") {
        ("template".to_owned(), fallback["template"].clone(), "template")
    } else {
        db.scheduled()
            .failed(id, "the customer's 24-hour window was closed at send time and no fallback template was given; send a template instead")
            .await?;
        announce(state, tenant, facts.assignee_id, id).await?;
        return Ok(());
    };
    let author = m.created_by.map(|u| u.0);
    let sent_by: SentBy = serde_json::from_value(m.sent_by.clone()).unwrap_or(SentBy::Automation { id });
    let user = crate::automations::worker::system_user(tenant, author);
    let key = format!("scheduled:{id}");
    let body = |kind: String, content: Value| {
        let mut rest = serde_json::Map::new();
        rest.insert(kind.clone(), content);
        SendBody { kind, client_id: Some(key.clone()), context: None, rest }
    };
    let mut answer = send(state, &user, m.conversation_id.0, body(kind, content), sent_by.clone()).await;
    let mut sent_as = sent_as;
    // The conversation's clock found the window closed at the edge: the
    // fallback instead, under the same key (a refusal stored nothing).
    if let (Err(e), "session", Some(fallback)) = (&answer, sent_as, m.fallback.as_ref()) {
        if e.code() == ErrorCode::WindowClosed {
            sent_as = "template";
            answer = send(state, &user, m.conversation_id.0, body("template".into(), fallback["template"].clone()), sent_by).await;
        }
    }
    match answer {
        Ok(Sent::New(v)) => db.scheduled().sent(id, v.id, sent_as).await?,
        // Stored before a crash: as what it was stored.
        Ok(Sent::Existing(v)) => db.scheduled().sent(id, v.id, sent_as_of(&m.kind, &v.kind)).await?,
        // Not stored now: again in a few seconds, under the same key, a few times.
        Err(e @ (ApiError::Unavailable(_) | ApiError::Internal(_))) => {
            if m.attempts < MAX_ATTEMPTS {
                db.scheduled().retry_at(id, now + RETRY_AFTER).await?;
                return Ok(());
            }
            db.scheduled().failed(id, &format!("could not be stored after {MAX_ATTEMPTS} attempts: {e}")).await?;
        }
        Err(e) => db.scheduled().failed(id, &e.to_string()).await?,
    }
    announce(state, tenant, facts.assignee_id, id).await
}

/// `scheduled:updated {conversation_id, scheduled_message}` to those who see the conversation.
pub async fn announce(state: &AppState, tenant: TenantId, assignee: Option<uuid::Uuid>, id: uuid::Uuid) -> Result<(), DbError> {
    let Some(m) = state.db.tenant(tenant).scheduled().get(id).await? else { return Ok(()) };
    frame(state, tenant, assignee.map(UserId), &m);
    Ok(())
}

/// Sends the frame for `m`.
pub fn frame(state: &AppState, tenant: TenantId, assignee: Option<UserId>, m: &ScheduledMessage) {
    let text: Value = json!({"event": "scheduled:updated", "data": {"conversation_id": m.conversation_id, "scheduled_message": m}});
    state.hub.broadcast(
        tenant,
        HubFrame {
            conversation_id: Some(ConversationId(m.conversation_id.0)),
            assignee,
            seq: None,
            scope: Scope::Inbox,
            except: None,
            text: text.to_string().into(),
        },
    );
}
