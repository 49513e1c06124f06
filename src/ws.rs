//! `GET /api/v1/ws`: an agent's live session, one actor per socket.
//!
//! Server → agent: the hub's frames for the conversations the agent may see
//! (`message:new`, `message:status`, `conversation:*`), typing of other
//! agents in joined conversations, presence and notes. Agent → server:
//! `conversation:join {conversation_id, since_seq?}` (replays exactly what
//! was missed after `since_seq`, then goes live with no duplicates),
//! `conversation:leave`, `conversation:typing`, `agent:status`, and
//! `message:send` (answered `message:ack` or `error`). A malformed or unknown
//! frame gets an `error` frame and the session stays open. The mailbox is the
//! bounded outbox: a session that cannot keep up is closed with a reason.

use crate::auth::jwt::Claims;
use crate::auth::AuthUser;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::messages::{self, SendBody, Sent};
use crate::hub::{HubFrame, Scope, SessionControl, SubscriptionId};
use crate::startup::AppState;
use crate::store::visibility::Visibility;
use actix::prelude::*;
use actix_web::{web, HttpRequest, HttpResponse};
use actix_web_actors::ws;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use whatsflow_actors::conversation::ConversationWork;
use whatsflow_actors::ids::ConversationId;
use whatsflow_actors::message::SentBy;
use whatsflow_actors::tenant::ConversationCommand;

/// How often the server pings.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(10);
/// A client silent this long (no frame, no pong) is dropped.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);
/// Most events replayed on one join; a client further behind reloads.
const REPLAY_LIMIT: i64 = 5000;
/// Typing indicators go to Meta at most this often per conversation (each
/// shows for up to 25 seconds).
const TYPING_TO_META_EVERY: Duration = Duration::from_secs(10);

struct Joined {
    last_seq: i64,
    /// Live frames held while the replay is read.
    replaying: Option<Vec<HubFrame>>,
    /// Whether the agent may see the conversation (checked after joining;
    /// until then nothing of it is relayed either way).
    authorized: bool,
}

/// See the module doc.
pub struct AgentSession {
    user: AuthUser,
    /// The token the socket was opened with (its session is re-checked).
    claims: Claims,
    state: web::Data<AppState>,
    sub: Option<SubscriptionId>,
    joined: HashMap<ConversationId, Joined>,
    last_seen: Instant,
    typing_sent: HashMap<ConversationId, Instant>,
}

#[derive(Deserialize)]
struct JoinData {
    conversation_id: uuid::Uuid,
    since_seq: Option<i64>,
}

#[derive(Deserialize)]
struct LeaveData {
    conversation_id: uuid::Uuid,
}

#[derive(Deserialize)]
struct TypingData {
    conversation_id: uuid::Uuid,
    #[serde(default = "yes")]
    typing: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct StatusData {
    status: String,
}

#[derive(Deserialize)]
struct SendData {
    conversation_id: uuid::Uuid,
    #[serde(flatten)]
    body: SendBody,
}

fn frame(event: &str, data: Value) -> String {
    json!({"event": event, "data": data}).to_string()
}

fn error_frame(code: ErrorCode, message: &str, extra: Value) -> String {
    let mut data = json!({"code": code, "message": message});
    if let (Some(d), Some(e)) = (data.as_object_mut(), extra.as_object()) {
        d.extend(e.clone());
    }
    frame("error", data)
}

impl AgentSession {
    fn new(user: AuthUser, claims: Claims, state: web::Data<AppState>) -> Self {
        Self { user, claims, state, sub: None, joined: HashMap::new(), last_seen: Instant::now(), typing_sent: HashMap::new() }
    }

    fn revoke(ctx: &mut ws::WebsocketContext<Self>, why: &str) {
        ctx.close(Some(ws::CloseReason {
            code: ws::CloseCode::Other(CLOSE_REVOKED),
            description: Some(format!("session revoked: {why}")),
        }));
        ctx.stop();
    }

    fn heartbeat(&self, ctx: &mut ws::WebsocketContext<Self>) {
        ctx.run_interval(HEARTBEAT_INTERVAL, |act, ctx| {
            if act.state.sessions.known_ended(&act.claims) {
                return Self::revoke(ctx, "session ended");
            }
            if act.last_seen.elapsed() > CLIENT_TIMEOUT {
                ctx.close(Some(ws::CloseReason { code: ws::CloseCode::Away, description: Some("heartbeat timeout: no pong".into()) }));
                ctx.stop();
                return;
            }
            ctx.ping(b"");
        });
    }

    fn set_presence(&self, status: &'static str) {
        let (state, user) = (self.state.clone(), self.user);
        actix::spawn(async move {
            if let Err(e) = store_presence(&state, &user, status).await {
                tracing::warn!(error = %e, "presence not stored");
            }
        });
    }

    fn on_text(&mut self, text: &str, ctx: &mut ws::WebsocketContext<Self>) {
        let Ok(v) = serde_json::from_str::<Value>(text) else {
            ctx.text(error_frame(ErrorCode::InvalidFrame, "frames are JSON text: {\"event\": \"…\", \"data\": {…}}", json!({})));
            return;
        };
        let Some(event) = v["event"].as_str() else {
            ctx.text(error_frame(ErrorCode::InvalidFrame, "the frame has no \"event\"", json!({})));
            return;
        };
        let data = v.get("data").cloned().unwrap_or(json!({}));
        let bad = |e: serde_json::Error| error_frame(ErrorCode::InvalidFrame, &format!("`{event}` data is not valid: {e}"), json!({}));
        match event {
            "conversation:join" => match serde_json::from_value::<JoinData>(data) {
                Ok(j) => self.join(j, ctx),
                Err(e) => ctx.text(bad(e)),
            },
            "conversation:leave" => match serde_json::from_value::<LeaveData>(data) {
                Ok(l) => {
                    self.joined.remove(&ConversationId(l.conversation_id));
                }
                Err(e) => ctx.text(bad(e)),
            },
            "conversation:typing" => match serde_json::from_value::<TypingData>(data) {
                Ok(t) => self.typing(t),
                Err(e) => ctx.text(bad(e)),
            },
            "agent:status" => match serde_json::from_value::<StatusData>(data) {
                Ok(s) => match s.status.as_str() {
                    "online" => self.set_presence("online"),
                    "away" => self.set_presence("away"),
                    "busy" => self.set_presence("busy"),
                    "offline" => self.set_presence("offline"),
                    _ => ctx.text(error_frame(ErrorCode::InvalidFrame, "status must be online, away, busy or offline", json!({}))),
                },
                Err(e) => ctx.text(bad(e)),
            },
            "message:send" => match serde_json::from_value::<SendData>(data) {
                Ok(s) => self.send(s, ctx),
                Err(e) => ctx.text(bad(e)),
            },
            other => ctx.text(error_frame(
                ErrorCode::UnknownEvent,
                &format!("unknown event `{other}`; send conversation:join, conversation:leave, conversation:typing, agent:status or message:send"),
                json!({}),
            )),
        }
    }

    fn join(&mut self, j: JoinData, ctx: &mut ws::WebsocketContext<Self>) {
        let cid = ConversationId(j.conversation_id);
        let replaying = j.since_seq.map(|_| Vec::new());
        self.joined.insert(cid, Joined { last_seq: j.since_seq.unwrap_or(i64::MIN), replaying, authorized: false });
        let (state, user) = (self.state.clone(), self.user);
        let fut = async move {
            messages::target(&state, &user, cid.0).await?;
            match j.since_seq {
                Some(since) => replay(&state, &user, cid, since).await,
                None => Ok(Vec::new()),
            }
        };
        ctx.spawn(fut.into_actor(self).map(move |res, act, ctx| match res {
            Ok(frames) => {
                let Some(joined) = act.joined.get_mut(&cid) else { return };
                joined.authorized = true;
                for (seq, text) in frames {
                    if seq > joined.last_seq {
                        joined.last_seq = seq;
                        ctx.text(text);
                    }
                }
                for f in joined.replaying.take().unwrap_or_default() {
                    match f.seq {
                        Some(seq) if seq <= joined.last_seq => {}
                        Some(seq) => {
                            joined.last_seq = seq;
                            ctx.text(&*f.text);
                        }
                        None => ctx.text(&*f.text),
                    }
                }
                // Everything missed is above; typing and live frames flow from here.
                let last_seq = (joined.last_seq != i64::MIN).then_some(joined.last_seq);
                ctx.text(frame("conversation:joined", json!({"conversation_id": cid, "last_seq": last_seq})));
            }
            Err(e) => {
                act.joined.remove(&cid);
                ctx.text(error_frame(e.code(), &e.to_string(), json!({"conversation_id": cid})));
            }
        }));
    }

    fn typing(&mut self, t: TypingData) {
        let cid = ConversationId(t.conversation_id);
        if !self.joined.get(&cid).is_some_and(|j| j.authorized) {
            return;
        }
        self.state.hub.broadcast(
            self.user.tenant_id,
            HubFrame {
                conversation_id: Some(cid),
                assignee: None,
                seq: None,
                scope: Scope::Joined,
                except: self.sub,
                text: frame("agent:typing", json!({"conversation_id": cid, "user_id": self.user.user_id, "typing": t.typing})).into(),
            },
        );
        let due = self.typing_sent.get(&cid).is_none_or(|at| at.elapsed() >= TYPING_TO_META_EVERY);
        if t.typing && due {
            self.typing_sent.insert(cid, Instant::now());
            let (state, user) = (self.state.clone(), self.user);
            actix::spawn(async move {
                if let Ok(target) = messages::target(&state, &user, cid.0).await {
                    state.router.command(ConversationCommand {
                        channel: target.channel,
                        contact_id: target.contact_id,
                        work: ConversationWork::Typing,
                    });
                }
            });
        }
    }

    fn send(&mut self, s: SendData, ctx: &mut ws::WebsocketContext<Self>) {
        let (state, user) = (self.state.clone(), self.user);
        let client_id = s.body.client_id.clone();
        let claims = self.claims.clone();
        let fut = async move {
            // A socket whose session ended sends nothing, even before it closes.
            state.sessions.check(&state.db, &claims).await?;
            messages::send(&state, &user, s.conversation_id, s.body, SentBy::Agent { id: user.user_id }).await
        };
        let conversation_id = s.conversation_id;
        ctx.spawn(fut.into_actor(self).map(move |res, _, ctx| match res {
            Ok(Sent::New(m) | Sent::Existing(m)) => ctx.text(frame(
                "message:ack",
                json!({"client_id": client_id, "message_id": m.id, "conversation_id": conversation_id, "seq": m.seq}),
            )),
            Err(e) => ctx.text(error_frame(e.code(), &e.to_string(), json!({"client_id": client_id, "conversation_id": conversation_id}))),
        }));
    }
}

/// The events of a conversation after `since`, as frames in sequence order.
async fn replay(state: &AppState, user: &AuthUser, cid: ConversationId, since: i64) -> Result<Vec<(i64, String)>, ApiError> {
    let changes = state.db.tenant(user.tenant_id).conversations().changes_since(cid, since, REPLAY_LIMIT).await?;
    let mut frames = Vec::with_capacity(changes.len());
    for (m, status_seq) in changes {
        if m.seq > since {
            frames.push((m.seq, frame("message:new", json!({"conversation_id": cid, "seq": m.seq, "message": m}))));
        }
        if status_seq > since && status_seq > m.seq {
            let mut data = json!({"conversation_id": cid, "seq": status_seq, "message_id": m.id, "wamid": m.wamid, "status": m.status});
            if let Some(errors) = &m.errors {
                data["error"] = errors.clone();
            }
            frames.push((status_seq, frame("message:status", data)));
        }
    }
    frames.sort_by_key(|(seq, _)| *seq);
    Ok(frames)
}

async fn store_presence(state: &AppState, user: &AuthUser, status: &str) -> Result<(), crate::store::repo::DbError> {
    state.db.tenant(user.tenant_id).users().set_presence(user.user_id, status).await?;
    state.hub.notify(user.tenant_id, json!({"event": "agent:status", "data": {"user_id": user.user_id, "status": status}}));
    Ok(())
}

impl Actor for AgentSession {
    type Context = ws::WebsocketContext<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // Frames waiting for a socket that does not read: past this the
        // session is closed as a slow consumer.
        ctx.set_mailbox_capacity(self.state.config.ws_outbox);
        self.heartbeat(ctx);
        let addr = ctx.address();
        let (sub, sessions) = self.state.hub.subscribe(self.user.tenant_id, self.user.user_id, addr.clone().recipient(), addr.recipient());
        self.sub = Some(sub);
        // Subscribed, so a revocation from now on reaches this socket; one
        // that happened since the upgrade was checked is caught here.
        let (state, claims) = (self.state.clone(), self.claims.clone());
        ctx.spawn(async move { state.sessions.check(&state.db, &claims).await }.into_actor(self).map(|res, _, ctx| {
            if res.is_err() {
                Self::revoke(ctx, "session ended");
            }
        }));
        if sessions == 1 {
            self.set_presence("online");
        }
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        if let Some(sub) = self.sub.take() {
            if self.state.hub.unsubscribe(self.user.tenant_id, self.user.user_id, sub) == 0 {
                self.set_presence("offline");
            }
        }
    }
}

impl Handler<HubFrame> for AgentSession {
    type Result = ();

    /// Sends a hub frame if this agent may see it, once, in sequence.
    fn handle(&mut self, f: HubFrame, ctx: &mut Self::Context) {
        match f.scope {
            Scope::Everyone => ctx.text(&*f.text),
            Scope::Admins => {
                if self.user.role.is_admin() {
                    ctx.text(&*f.text);
                }
            }
            Scope::Joined => {
                if f.conversation_id.and_then(|c| self.joined.get(&c)).is_some_and(|j| j.authorized) {
                    ctx.text(&*f.text);
                }
            }
            Scope::Inbox => {
                if !Visibility::of(&self.user).allows(f.assignee) {
                    return;
                }
                if let Some(joined) = f.conversation_id.and_then(|c| self.joined.get_mut(&c)) {
                    if let Some(buffer) = &mut joined.replaying {
                        buffer.push(f);
                        return;
                    }
                    if let Some(seq) = f.seq {
                        if seq <= joined.last_seq {
                            return;
                        }
                        joined.last_seq = seq;
                    }
                }
                ctx.text(&*f.text);
            }
        }
    }
}

/// Close code of a revoked session (4000–4999 are the application's):
/// the client must refresh its token or sign in again, not just reconnect.
pub const CLOSE_REVOKED: u16 = 4401;

impl Handler<SessionControl> for AgentSession {
    type Result = ();

    /// Closes a session that cannot keep up (the client reconnects and
    /// resynchronises with `since_seq`), or whose user's session was revoked.
    fn handle(&mut self, msg: SessionControl, ctx: &mut Self::Context) {
        let reason = match msg {
            SessionControl::SlowConsumer => ws::CloseReason {
                code: ws::CloseCode::Policy,
                description: Some("slow consumer: too many undelivered events; reconnect and rejoin with since_seq".into()),
            },
            SessionControl::Resync => ws::CloseReason {
                code: ws::CloseCode::Policy,
                description: Some("resync: events from another node may have been missed; reconnect and rejoin with since_seq".into()),
            },
            SessionControl::Revoked(why) => return Self::revoke(ctx, &why),
        };
        ctx.close(Some(reason));
        ctx.stop();
    }
}

impl StreamHandler<Result<ws::Message, ws::ProtocolError>> for AgentSession {
    fn handle(&mut self, msg: Result<ws::Message, ws::ProtocolError>, ctx: &mut Self::Context) {
        self.last_seen = Instant::now();
        match msg {
            Ok(ws::Message::Text(text)) => self.on_text(&text, ctx),
            Ok(ws::Message::Ping(p)) => ctx.pong(&p),
            Ok(ws::Message::Pong(_)) => {}
            Ok(ws::Message::Binary(_)) => ctx.text(error_frame(ErrorCode::InvalidFrame, "send JSON text frames, not binary", json!({}))),
            Ok(ws::Message::Close(reason)) => {
                ctx.close(reason);
                ctx.stop();
            }
            Ok(ws::Message::Continuation(_)) | Ok(ws::Message::Nop) => {}
            Err(e) => {
                tracing::debug!(error = %e, "websocket protocol error");
                ctx.stop();
            }
        }
    }
}

/// The token of an upgrade: `?token=` or `Sec-WebSocket-Protocol: bearer, <token>`.
fn token(req: &HttpRequest) -> Option<(String, bool)> {
    if let Some(t) = web::Query::<HashMap<String, String>>::from_query(req.query_string()).ok().and_then(|q| q.get("token").cloned()) {
        return Some((t, false));
    }
    let protocols = req.headers().get("Sec-WebSocket-Protocol")?.to_str().ok()?;
    let mut parts = protocols.split(',').map(str::trim);
    match (parts.next(), parts.next()) {
        (Some("bearer"), Some(t)) => Some((t.to_owned(), true)),
        _ => None,
    }
}

/// `GET /api/v1/ws`: authenticates, then upgrades (401 before any upgrade
/// for a missing, expired or forged token).
pub async fn connect(req: HttpRequest, stream: web::Payload, state: web::Data<AppState>) -> Result<HttpResponse, actix_web::Error> {
    let (token, via_protocol) =
        token(&req).ok_or(ApiError::Unauthorized("pass the access token as `?token=` or the `bearer, <token>` subprotocol".into()))?;
    let claims = state.jwt.verify(&token, crate::auth::jwt::TokenKind::Access)?;
    let user = state.sessions.check(&state.db, &claims).await?;
    let session = AgentSession::new(user, claims, state.clone());
    if via_protocol {
        ws::WsResponseBuilder::new(session, &req, stream).protocols(&["bearer"]).start()
    } else {
        ws::start(session, &req, stream)
    }
}
