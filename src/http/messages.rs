//! Sending and steering conversations: `POST /conversations` (start one),
//! `POST /conversations/{id}/messages` (send; the same path serves the
//! socket's `message:send`), resending an unconfirmed message, `PATCH
//! /conversations/{id}` (status, assignee), `POST /conversations/{id}/read`,
//! and internal notes. Every route first finds the conversation through the
//! one visibility rule ([`crate::store::visibility`]).

use crate::auth::{AuthUser, Reader, Writer};
use crate::http::conversations::{bad_status, conversation_by_id};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::valid::{not_blank, Valid};
use crate::startup::AppState;
use crate::store::consent::TemplateConsent;
use crate::store::repo::conversations::Resend;
use crate::store::visibility::Visibility;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;
use whatsflow_actors::conversation::ConversationWork;
use whatsflow_actors::events::ConversationEvent;
use whatsflow_actors::ids::{ContactId, ConversationId, MessageId, TenantId, UserId, Wamid};
use whatsflow_actors::message::{MessageView, SentBy};
use whatsflow_actors::outbound::Lane;
use whatsflow_actors::ports::{ChannelRef, ConversationPatch, ConversationStatus};
use whatsflow_actors::send::{validate, SendRefusal, SendRequest};
use whatsflow_actors::tenant::ConversationCommand;

/// How long a request waits for its conversation actor to store a send.
pub const ACTOR_ANSWER_TIMEOUT: Duration = Duration::from_secs(15);

/// Where a conversation's work goes.
pub struct Target {
    /// Its channel.
    pub channel: ChannelRef,
    /// Its contact.
    pub contact_id: ContactId,
    /// Its assignee now (who may see frames about it).
    pub assignee_id: Option<UserId>,
}

/// Finds a conversation the caller may act on (404 otherwise, also for one
/// of another tenant or assigned to another agent).
pub async fn target(state: &AppState, user: &AuthUser, conversation: uuid::Uuid) -> Result<Target, ApiError> {
    let c = state
        .db
        .tenant(user.tenant_id)
        .conversations()
        .visible(ConversationId(conversation), Visibility::of(user))
        .await?
        .ok_or(ApiError::NotFound("conversation"))?;
    Ok(Target { channel: c.channel, contact_id: c.contact_id, assignee_id: c.assignee_id })
}

/// A message to send, in the Cloud API's own shape: `{"type": "text",
/// "text": {"body": "…"}}`, plus an optional idempotency `client_id` and
/// `context.message_id` to reply to.
#[derive(Debug, Deserialize)]
pub struct SendBody {
    /// Cloud API type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Idempotency key.
    #[serde(default)]
    pub client_id: Option<String>,
    /// `{"message_id": wamid}` to reply to.
    #[serde(default)]
    pub context: Option<Value>,
    /// The rest (the type's object).
    #[serde(flatten)]
    pub rest: serde_json::Map<String, Value>,
}

/// The outcome of a send request.
pub enum Sent {
    /// Stored and queued.
    New(MessageView),
    /// The same client id was sent before: that message.
    Existing(MessageView),
}

/// Refuses outbound work while the account's payment is overdue
/// (restricted) or it is suspended: its inbox stays readable and inbound
/// is still received, but nothing goes out until it is paid.
pub async fn outbound_allowed(state: &AppState, tenant: whatsflow_actors::ids::TenantId) -> Result<(), ApiError> {
    match state.db.tenant(tenant).account_status().await?.as_deref() {
        Some(s @ ("restricted" | "suspended")) => Err(ApiError::PaymentRequired {
            code: ErrorCode::AccountRestricted,
            message: format!("the account is {s} because its payment is overdue: pay from Settings → Billing and messages go out again"),
        }),
        _ => Ok(()),
    }
}

/// Validates, stores (through the conversation actor) and queues a message.
pub async fn send(state: &AppState, user: &AuthUser, conversation: uuid::Uuid, body: SendBody, sent_by: SentBy) -> Result<Sent, ApiError> {
    let content = body.rest.get(&body.kind).cloned().unwrap_or(Value::Null);
    validate(&body.kind, &content).map_err(|m| ApiError::BadRequest { code: ErrorCode::InvalidMessage, message: m })?;
    // Authorize first: an idempotency key never reveals another
    // conversation's message.
    let target = target(state, user, conversation).await?;
    outbound_allowed(state, user.tenant_id).await?;
    if let Some(id) = &body.client_id {
        if id.is_empty() || id.len() > 200 {
            return Err(ApiError::validation("`client_id` must be 1 to 200 characters"));
        }
        if let Some(existing) = by_client_id(state, user.tenant_id, conversation, id).await? {
            return Ok(Sent::Existing(existing));
        }
    }
    refuse_if_opted_out(state, user, target.contact_id, &body.kind, &content, |template| {
        format!(
            "this contact opted out of marketing messages, so the marketing template `{template}` cannot be sent to them; send a utility template, or reply within their 24-hour window"
        )
    })
    .await?;
    // A paid template on a plan with a wallet: its expected cost is held
    // under the send's key (made here when the caller gave none).
    let mut body = body;
    let held =
        crate::http::wallet::hold_for_send(state, user.tenant_id, target.contact_id, &body.kind, &content, &mut body.client_id).await?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let agent = match &sent_by {
        SentBy::Agent { id } if body.kind != "reaction" => Some(*id),
        _ => None,
    };
    let reply_to = body.context.as_ref().and_then(|c| c["message_id"].as_str()).map(|w| Wamid(w.to_owned()));
    let request = SendRequest {
        kind: body.kind,
        content,
        reply_to,
        client_id: body.client_id.clone(),
        sent_by: Some(sent_by),
        lane: Lane::Live,
        reply: Some(tx),
    };
    state.router.command(ConversationCommand {
        channel: target.channel.clone(),
        contact_id: target.contact_id,
        work: ConversationWork::Send(request),
    });
    let answer = tokio::time::timeout(ACTOR_ANSWER_TIMEOUT, rx)
        .await
        .map_err(|_| ApiError::Unavailable("the conversation did not answer in time; retry with the same client_id".into()))?
        .map_err(|_| ApiError::Unavailable("the message could not be stored now; retry with the same client_id".into()))?;
    if let (Err(refusal), Some(key)) = (&answer, &held) {
        // Nothing was stored under the key: its hold goes back (a duplicate
        // keeps the first send's).
        if !matches!(refusal, SendRefusal::Duplicate) {
            state.db.tenant(user.tenant_id).wallet_unreserve(key).await?;
        }
    }
    match answer {
        Ok(view) => {
            if let (Some(agent), None) = (agent, target.assignee_id) {
                take_on_first_reply(state, user.tenant_id, &target, agent).await;
            }
            Ok(Sent::New(view))
        }
        Err(SendRefusal::Duplicate) => {
            let id = body.client_id.unwrap_or_default();
            by_client_id(state, user.tenant_id, conversation, &id).await?.map(Sent::Existing).ok_or(ApiError::Conflict {
                code: ErrorCode::Duplicate,
                message: "this client_id was already used in another conversation; use a fresh one".into(),
            })
        }
        Err(e @ SendRefusal::WindowClosed { .. }) => Err(ApiError::Unprocessable { code: ErrorCode::WindowClosed, message: e.to_string() }),
        Err(e @ SendRefusal::NoRecipient) => Err(ApiError::Unprocessable { code: ErrorCode::NoRecipient, message: e.to_string() }),
        Err(SendRefusal::Gone) => Err(ApiError::NotFound("conversation")),
        Err(SendRefusal::Unavailable) => {
            Err(ApiError::Unavailable("the message could not be stored now; retry with the same client_id".into()))
        }
    }
}

/// An agent who answers a conversation nobody holds takes it, when the
/// account assigns on first reply. The send stands whatever happens here.
async fn take_on_first_reply(state: &AppState, tenant: TenantId, target: &Target, agent: UserId) {
    match state.db.tenant(tenant).service().assignment_settings().await {
        Ok(s) if s.assign_on_first_reply => state.router.command(ConversationCommand {
            channel: target.channel.clone(),
            contact_id: target.contact_id,
            work: ConversationWork::Patch(
                ConversationPatch { status: None, assignee: Some(Some(agent)), by: Some(agent), claim: true },
                None,
            ),
        }),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "the assignment settings could not be read; the conversation stays unassigned"),
    }
}

/// 422 `OPTED_OUT` when `content` is a marketing template and the contact
/// opted out of marketing (`why` words it for this path).
async fn refuse_if_opted_out(
    state: &AppState,
    user: &AuthUser,
    contact: ContactId,
    kind: &str,
    content: &Value,
    why: impl FnOnce(&str) -> String,
) -> Result<(), ApiError> {
    if kind != "template" {
        return Ok(());
    }
    match state.db.tenant(user.tenant_id).contacts().template_consent(contact, content).await? {
        TemplateConsent::OptedOut { template } => Err(ApiError::Unprocessable { code: ErrorCode::OptedOut, message: why(&template) }),
        TemplateConsent::Allowed => Ok(()),
    }
}

/// The message sent earlier with this idempotency key, in this conversation.
async fn by_client_id(
    state: &AppState,
    tenant: TenantId,
    conversation: uuid::Uuid,
    client_id: &str,
) -> Result<Option<MessageView>, ApiError> {
    Ok(state.db.tenant(tenant).conversations().by_client_id(ConversationId(conversation), client_id).await?)
}

/// `POST /conversations/{id}/messages`: 201 with the stored (pending)
/// message; 200 with the earlier one when the `client_id` (or the
/// `Idempotency-Key` header) was used before.
pub async fn post_message(
    state: web::Data<AppState>,
    user: Writer,
    req: HttpRequest,
    path: web::Path<uuid::Uuid>,
    body: web::Json<SendBody>,
) -> Result<HttpResponse, ApiError> {
    let mut body = body.into_inner();
    if body.client_id.is_none() {
        body.client_id = req.headers().get("Idempotency-Key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    }
    let sender = match user.api_key {
        Some(key) => SentBy::Api { id: key },
        None => SentBy::Agent { id: user.user_id },
    };
    match send(&state, &user, *path, body, sender).await? {
        Sent::New(m) => Ok(HttpResponse::Created().json(m)),
        Sent::Existing(m) => Ok(HttpResponse::Ok().json(m)),
    }
}

/// `POST /conversations/{id}/messages/{message_id}/resend`: sends again a
/// message whose outcome stayed unknown past the grace (`unconfirmed`). The
/// caller accepts that the customer may receive it twice; the guarded
/// update makes two concurrent resends one.
pub async fn resend(state: web::Data<AppState>, user: Writer, path: web::Path<(uuid::Uuid, uuid::Uuid)>) -> Result<HttpResponse, ApiError> {
    let (conversation, message) = path.into_inner();
    let target = target(&state, &user, conversation).await?;
    let conversations = state.db.tenant(user.tenant_id).conversations();
    let (conversation, message) = (ConversationId(conversation), MessageId(message));
    let current = conversations.message(conversation, message).await?.ok_or(ApiError::NotFound("message"))?;
    let not_unconfirmed = |status: &str| ApiError::Conflict {
        code: ErrorCode::NotUnconfirmed,
        message: format!("this message is {status}, not unconfirmed; only a message whose outcome is unknown can be resent"),
    };
    if current.status != whatsflow_actors::message::MessageStatus::Unconfirmed {
        return Err(not_unconfirmed(current.status.as_str()));
    }
    refuse_if_opted_out(&state, &user, target.contact_id, &current.kind, &current.content, |template| {
        format!("this contact has since opted out of marketing messages; `{template}` cannot be resent to them")
    })
    .await?;
    // The guarded update makes two concurrent resends one.
    let marked = match conversations.mark_for_resend(conversation, message).await? {
        Resend::Marked(marked) => marked,
        Resend::NotFound => return Err(ApiError::NotFound("message")),
        Resend::NotUnconfirmed(status) => return Err(not_unconfirmed(&status)),
    };
    let (view, phone, user_id) = (marked.message, marked.phone, marked.user_id);
    let body = whatsflow_actors::send::cloud_api_body(
        &view.kind,
        &view.content,
        view.context.as_ref().and_then(|c| c["id"].as_str()).map(|w| Wamid(w.to_owned())).as_ref(),
        phone.as_deref(),
        user_id.as_deref(),
        &view.id.to_string(),
    );
    state.router.command(ConversationCommand {
        channel: target.channel,
        contact_id: target.contact_id,
        work: ConversationWork::Resend { message_id: view.id, body },
    });
    Ok(HttpResponse::Ok().json(view))
}

/// `POST /conversations`.
#[derive(Deserialize)]
pub struct StartConversation {
    contact_id: uuid::Uuid,
    phone_number_id: String,
}

/// Opens (or finds) the conversation between a number and a contact, e.g.
/// to start it with a template; one it created is announced to the
/// tenant's agents (`conversation:new`), as one a customer starts is.
pub async fn start(state: web::Data<AppState>, user: Writer, body: web::Json<StartConversation>) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let channel = db.channels().by_phone_number_id(&body.phone_number_id).await?.ok_or(ApiError::NotFound("channel"))?;
    let contact = db
        .contacts()
        .exists(ContactId(body.contact_id))
        .await?
        .then_some(ContactId(body.contact_id))
        .ok_or(ApiError::NotFound("contact"))?;
    let deps = state.router.deps();
    let snap = deps.store.open_conversation(user.tenant_id, channel, contact).await.map_err(ApiError::from_store)?;
    if snap.created {
        let conversation = snap.summary(channel, contact);
        deps.sink.publish(user.tenant_id, snap.assignee_id, ConversationEvent::ConversationNew { conversation });
    }
    let status = if snap.created { actix_web::http::StatusCode::CREATED } else { actix_web::http::StatusCode::OK };
    let view = conversation_by_id(&state, &user, snap.id).await?;
    Ok(HttpResponse::build(status).json(view))
}

/// `PATCH /conversations/{id}`.
#[derive(Deserialize)]
pub struct PatchConversation {
    #[serde(default)]
    status: Option<String>,
    #[serde(default, deserialize_with = "crate::http::valid::double_option")]
    assignee_id: Option<Option<uuid::Uuid>>,
    /// The team it belongs to (null: none).
    #[serde(default, deserialize_with = "crate::http::valid::double_option")]
    team_id: Option<Option<uuid::Uuid>>,
    /// low, normal, high or urgent.
    #[serde(default)]
    priority: Option<String>,
}

/// Changes status or assignment; agents may take or release conversations,
/// admins may assign anyone.
pub async fn patch(
    state: web::Data<AppState>,
    user: Writer,
    path: web::Path<uuid::Uuid>,
    body: web::Json<PatchConversation>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let status = body.status.as_deref().map(|s| ConversationStatus::parse(s).ok_or_else(bad_status)).transpose()?;
    if let Some(Some(assignee)) = body.assignee_id {
        if !user.sees_all_conversations() && assignee != user.user_id.0 {
            return Err(ApiError::Forbidden("agents can assign conversations only to themselves".into()));
        }
        let exists = state.db.tenant(user.tenant_id).users().get(UserId(assignee)).await?;
        exists.ok_or(ApiError::validation("`assignee_id` is not a user of this account"))?;
    }
    if body.status.is_none() && body.assignee_id.is_none() && body.team_id.is_none() && body.priority.is_none() {
        return Err(ApiError::validation("send `status`, `assignee_id`, `team_id` and/or `priority`"));
    }
    let target = target(&state, &user, *path).await?;
    if let Some(p) = body.priority.as_deref() {
        if !matches!(p, "low" | "normal" | "high" | "urgent") {
            return Err(ApiError::validation("`priority` must be low, normal, high or urgent"));
        }
        state.db.tenant(user.tenant_id).service().set_priority(*path, p).await?;
        state.hub.conversation_changed(user.tenant_id, ConversationId(*path), target.assignee_id, json!({"priority": p}));
    }
    if let Some(team) = body.team_id {
        let conversation = ConversationId(*path);
        if !state.db.tenant(user.tenant_id).teams().set_conversation_team(conversation, team, user.person()).await? {
            return Err(ApiError::validation("`team_id` is not a team of this account"));
        }
        state.hub.conversation_changed(user.tenant_id, conversation, target.assignee_id, json!({"team_id": team}));
        // Moved into a team that assigns, with nobody on it: given out now
        // if a member can take it (else it waits for the team's routing).
        if let (Some(team), None, None) = (team, target.assignee_id, body.assignee_id) {
            if let Some(rule) = state.db.tenant(user.tenant_id).teams().rule(team).await? {
                if rule.assignment != "manual" {
                    state.teams.route_one(user.tenant_id, conversation, &rule).await?;
                }
            }
        }
    }
    if body.status.is_none() && body.assignee_id.is_none() {
        let admin = AuthUser { role: crate::auth::Role::TenantAdmin, ..*user };
        return Ok(HttpResponse::Ok().json(conversation_by_id(&state, &admin, ConversationId(*path)).await?));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    let patch = ConversationPatch { status, assignee: body.assignee_id.map(|a| a.map(UserId)), by: user.person(), claim: false };
    state.router.command(ConversationCommand {
        channel: target.channel,
        contact_id: target.contact_id,
        work: ConversationWork::Patch(patch, Some(tx)),
    });
    tokio::time::timeout(ACTOR_ANSWER_TIMEOUT, rx)
        .await
        .map_err(|_| ApiError::Unavailable("the conversation did not answer in time; retry".into()))?
        .map_err(|_| ApiError::Unavailable("the change could not be stored now; retry".into()))?
        .map_err(|_| ApiError::Unavailable("the change could not be stored now; retry".into()))?;
    let admin = AuthUser { role: crate::auth::Role::TenantAdmin, ..*user };
    Ok(HttpResponse::Ok().json(conversation_by_id(&state, &admin, ConversationId(path.into_inner())).await?))
}

/// `POST /conversations/{id}/read`: unread to zero and a read receipt to the customer.
pub async fn mark_read(state: web::Data<AppState>, user: Writer, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let target = target(&state, &user, *path).await?;
    state.router.command(ConversationCommand { channel: target.channel, contact_id: target.contact_id, work: ConversationWork::MarkRead });
    Ok(HttpResponse::Accepted().json(json!({"conversation_id": *path, "read": true})))
}

/// `POST /conversations/{id}/notes`.
#[derive(Deserialize, garde::Validate)]
pub struct NewNote {
    #[garde(length(chars, max = 10_000), custom(not_blank))]
    body: String,
}

/// Adds an internal note (never sent to the customer).
pub async fn add_note(
    state: web::Data<AppState>,
    user: Writer,
    path: web::Path<uuid::Uuid>,
    body: Valid<NewNote>,
) -> Result<HttpResponse, ApiError> {
    let text = body.body.trim();
    let target = target(&state, &user, *path).await?;
    let note = state.db.tenant(user.tenant_id).conversations().add_note(ConversationId(*path), Some(user.user_id), text).await?;
    // Only to the sessions that may see the conversation.
    state.hub.note_added(user.tenant_id, ConversationId(*path), target.assignee_id, json!(note));
    Ok(HttpResponse::Created().json(note))
}

/// Lists a conversation's notes, oldest first.
pub async fn list_notes(state: web::Data<AppState>, user: Reader, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    target(&state, &user, *path).await?;
    let data = state.db.tenant(user.tenant_id).conversations().notes(ConversationId(*path)).await?;
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": null})))
}
