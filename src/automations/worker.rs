//! The automation worker: consumes the internal event queue in order (away
//! messages, the satisfaction survey and its answers, automation rules),
//! fires timed rules (no agent reply within N minutes) and marks SLA
//! breaches, both as of the application's clock. Events are claimed with a
//! lease and removed once handled, so a crash loses none; a send an event
//! causes carries an idempotency key made from it, so handling it twice
//! sends once.

use super::{csat, hours::Schedule, matches, Action, Conditions};
use crate::auth::{AuthUser, Role};
use crate::http::messages::{send, SendBody};
use crate::startup::AppState;
use crate::store::repo::automations::{InternalEvent, RuleView};
use crate::store::repo::service::ConversationFacts;
use crate::store::repo::DbError;
use serde_json::{json, Value};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::Notify;
use whatsflow_actors::ids::{ContactId, ConversationId, TenantId, UserId};
use whatsflow_actors::message::SentBy;
use whatsflow_actors::ports::{ConversationPatch, ConversationStatus};

/// Events claimed at once (handled one after another within the lease).
const BATCH: i64 = 10;
/// How long a claim holds.
const LEASE: Duration = Duration::from_secs(180);
/// Claims after which an event that keeps failing is dropped (logged).
const MAX_ATTEMPTS: i32 = 5;
/// The slowest the queue is looked at without a wake-up.
const POLL: Duration = Duration::from_secs(1);

/// Starts the worker (and its timers) for the application's lifetime.
pub fn spawn(state: &actix_web::web::Data<AppState>) {
    let weak = Arc::downgrade(&state.clone().into_inner());
    let wake = Arc::new(Notify::new());
    let pool = state.pool.clone();
    let w = wake.clone();
    tokio::spawn(async move {
        loop {
            if pool.is_closed() {
                return;
            }
            if let Ok(mut listener) = sqlx::postgres::PgListener::connect_with(&pool).await {
                if listener.listen("tenant_events").await.is_ok() {
                    while listener.recv().await.is_ok() {
                        w.notify_one();
                    }
                }
            }
            tokio::time::sleep(POLL).await;
        }
    });
    let queue = weak.clone();
    tokio::spawn(async move {
        loop {
            let Some(state) = queue.upgrade() else { return };
            if state.pool.is_closed() {
                return;
            }
            let handled = match drain(&state).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "automation events");
                    0
                }
            };
            drop(state);
            if handled < BATCH as usize {
                tokio::select! {
                    () = wake.notified() => {}
                    () = tokio::time::sleep(POLL) => {}
                }
            }
        }
    });
    tokio::spawn(timers(weak));
}

/// Handles one batch of queued events; how many.
async fn drain(state: &AppState) -> Result<usize, DbError> {
    let events = state.db.claim_internal_events(BATCH, LEASE).await?;
    let mut done = Vec::with_capacity(events.len());
    for event in &events {
        if event.attempts > MAX_ATTEMPTS {
            tracing::error!(event = event.id, kind = %event.kind, tenant = %event.tenant_id, "an internal event failed {MAX_ATTEMPTS} times and is dropped");
            done.push(event.id);
            continue;
        }
        if let Err(e) = handle(state, event).await {
            // Left claimed: retried when the lease lapses.
            tracing::warn!(error = %e, event = event.id, kind = %event.kind, "handling an internal event");
            continue;
        }
        done.push(event.id);
    }
    if !done.is_empty() {
        state.db.internal_events_done(&done).await?;
    }
    Ok(events.len())
}

/// Timed rules and SLA breaches, as of the application's clock.
async fn timers(weak: Weak<AppState>) {
    let every = weak.upgrade().map_or(Duration::from_secs(2), |s| s.config.routing.every);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(state) = weak.upgrade() else { return };
        if state.pool.is_closed() {
            return;
        }
        if let Err(e) = timed_rules(&state).await {
            tracing::warn!(error = %e, "timed automation rules");
        }
        if let Err(e) = sla_breaches(&state).await {
            tracing::warn!(error = %e, "SLA breaches");
        }
        state.timer_passes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

async fn timed_rules(state: &AppState) -> Result<(), DbError> {
    for (tenant, rule_id, conversation, since) in state.db.automation_timers_due(state.clock.now()).await? {
        let rules = state.db.tenant(tenant).automations();
        if !rules.fire_timer(rule_id, conversation, since).await? {
            continue;
        }
        if let Some(rule) = rules.get(rule_id).await? {
            let waited = (state.clock.now() - since).num_minutes();
            run_rule(
                state,
                tenant,
                &rule,
                "no_agent_reply",
                &format!("timer:{rule_id}:{conversation}:{}", since.timestamp()),
                conversation,
                json!({"waited_minutes": waited}),
            )
            .await?;
        }
    }
    Ok(())
}

async fn sla_breaches(state: &AppState) -> Result<(), DbError> {
    for b in state.db.sla_mark_breaches(state.clock.now()).await? {
        let (tenant, conversation, breach, assignee) = (TenantId(b.tenant_id), b.conversation_id, b.breach, b.assignee_id);
        // Its `sla.breached` event was written with the mark; people are told live.
        state.hub.broadcast(
            tenant,
            crate::hub::HubFrame {
                conversation_id: Some(ConversationId(conversation)),
                assignee: assignee.map(UserId),
                seq: None,
                scope: crate::hub::Scope::Inbox,
                except: None,
                text: json!({"event": "notification", "data": {"kind": "sla_breached", "conversation_id": conversation, "breach": breach}})
                    .to_string()
                    .into(),
            },
        );
    }
    Ok(())
}

/// The server acting for a rule (or the away message or the survey): an
/// admin of the tenant in all but name.
pub(crate) fn system_user(tenant: TenantId, author: Option<uuid::Uuid>) -> AuthUser {
    AuthUser { user_id: UserId(author.unwrap_or_default()), tenant_id: tenant, role: Role::TenantAdmin, api_key: None, impersonator: None }
}

async fn send_as(state: &AppState, tenant: TenantId, conversation: uuid::Uuid, body: Value, by: uuid::Uuid) -> Result<(), String> {
    let body: SendBody = serde_json::from_value(body).map_err(|e| e.to_string())?;
    send(state, &system_user(tenant, None), conversation, body, SentBy::Automation { id: by }).await.map(|_| ()).map_err(|e| e.to_string())
}

async fn handle(state: &AppState, event: &InternalEvent) -> Result<(), DbError> {
    let tenant = TenantId(event.tenant_id);
    let data = &event.data;
    let key = data["event_id"].as_str().map_or_else(|| event.id.to_string(), str::to_owned);
    let conversation_of = |v: &Value| v.as_str().and_then(|s| s.parse::<uuid::Uuid>().ok());
    match event.kind.as_str() {
        "message.received" => {
            crate::drips::events::on_message(state, tenant, data).await?;
            let Some(conversation) = conversation_of(&data["conversation_id"]) else { return Ok(()) };
            let message = &data["message"];
            if survey_answer(state, tenant, conversation, message, &key).await? {
                return Ok(());
            }
            away(state, tenant, conversation, &key).await?;
            let text = message["content"]["body"].as_str().unwrap_or_default();
            let extra = json!({"message": {"text": text, "type": message["type"], "id": message["id"]}});
            let campaign_reply = match message["context"]["id"].as_str() {
                Some(wamid) => state.db.tenant(tenant).service().is_campaign_message(wamid).await?,
                None => false,
            };
            for rule in state.db.tenant(tenant).automations().enabled_for("message.received").await? {
                if rule.event == "message.received" || (rule.event == "campaign.reply" && campaign_reply) {
                    run_rule(state, tenant, &rule, "message.received", &key, conversation, extra.clone()).await?;
                }
            }
        }
        "conversation.updated" => {
            let Some(conversation) = conversation_of(&data["id"]) else { return Ok(()) };
            if data["status"] == "resolved" && data["previous_status"] != "resolved" {
                ask_survey(state, tenant, conversation, &key).await?;
                rules_for(state, tenant, "conversation.updated", "conversation.resolved", &key, conversation, json!({})).await?;
            }
        }
        "conversation.created" | "conversation.assigned" => {
            let Some(conversation) = conversation_of(&data["id"]) else { return Ok(()) };
            rules_for(state, tenant, &event.kind, &event.kind, &key, conversation, json!({})).await?;
        }
        "contact.updated" | "conversation.tags" => {
            let added = added_tags(data);
            if event.kind == "contact.updated" {
                crate::drips::events::on_contact(state, tenant, data, &added).await?;
            }
            if added.is_empty() {
                return Ok(());
            }
            let conversation = if event.kind == "contact.updated" {
                match conversation_of(&data["id"]) {
                    Some(contact) => state.db.tenant(tenant).service().latest_conversation_of(contact).await?,
                    None => None,
                }
            } else {
                conversation_of(&data["id"])
            };
            let Some(conversation) = conversation else { return Ok(()) };
            let extra = json!({"tag": added[0], "tags_added": added});
            rules_for(state, tenant, &event.kind, "tag.added", &key, conversation, extra).await?;
        }
        "message.status" => {
            if data["status"] == "failed" {
                crate::drips::events::on_failure(state, tenant, data).await?;
            }
            let Some(conversation) = conversation_of(&data["conversation_id"]) else { return Ok(()) };
            if data["status"] == "failed" {
                let extra = json!({"message": {"id": data["message_id"], "type": data["type"], "errors": data["errors"],
                                                "error_code": data["errors"][0]["code"]}});
                rules_for(state, tenant, "message.status", "message.failed", &key, conversation, extra).await?;
            }
        }
        "csat.received" | "sla.breached" => {
            let Some(conversation) = conversation_of(&data["conversation_id"]) else { return Ok(()) };
            let extra = json!({"rating": data["rating"], "breach": data["breach"]});
            rules_for(state, tenant, &event.kind, &event.kind, &key, conversation, extra).await?;
        }
        _ => {}
    }
    Ok(())
}

fn added_tags(data: &Value) -> Vec<String> {
    let before: Vec<&str> = data["previous_tags"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    data["tags"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).filter(|t| !before.contains(t)).map(str::to_owned).collect())
        .unwrap_or_default()
}

async fn rules_for(
    state: &AppState,
    tenant: TenantId,
    source: &str,
    rule_event: &str,
    key: &str,
    conversation: uuid::Uuid,
    extra: Value,
) -> Result<(), DbError> {
    for rule in state.db.tenant(tenant).automations().enabled_for(source).await? {
        if rule.event == rule_event {
            run_rule(state, tenant, &rule, source, key, conversation, extra.clone()).await?;
        }
    }
    Ok(())
}

/// Whether the team (else the account) is inside its business hours now;
/// the schedule's row id; none set: inside, no schedule.
async fn inside_hours(
    state: &AppState,
    tenant: TenantId,
    team: Option<uuid::Uuid>,
) -> Result<(bool, Option<(uuid::Uuid, crate::store::repo::service::HoursView)>), DbError> {
    let Some((id, h)) = state.db.tenant(tenant).service().hours_for(team).await? else { return Ok((true, None)) };
    let open = Schedule::parse(&h.time_zone, &h.weekly, &h.holidays).map_or(true, |s| s.is_open(state.clock.now()));
    Ok((open, Some((id, h))))
}

/// Outside business hours, the away message (once per `away_every_hours`).
async fn away(state: &AppState, tenant: TenantId, conversation: uuid::Uuid, key: &str) -> Result<(), DbError> {
    let service = state.db.tenant(tenant).service();
    let Some(f) = service.facts(conversation).await? else { return Ok(()) };
    let (open, schedule) = inside_hours(state, tenant, f.team_id).await?;
    let Some((id, h)) = schedule else { return Ok(()) };
    let Some(text) = h.away_message.filter(|t| h.away_enabled && !open && !t.trim().is_empty()) else { return Ok(()) };
    if !service.claim_away(conversation, h.away_every_hours).await? {
        return Ok(());
    }
    let text = fill_facts(&text, &f.facts);
    if let Err(e) =
        send_as(state, tenant, conversation, json!({"type": "text", "text": {"body": text}, "client_id": format!("away:{key}")}), id).await
    {
        tracing::warn!(error = %e, conversation = %conversation, "the away message was not sent");
    }
    Ok(())
}

/// On resolution, the survey (when on, and inside the customer's window).
async fn ask_survey(state: &AppState, tenant: TenantId, conversation: uuid::Uuid, key: &str) -> Result<(), DbError> {
    let service = state.db.tenant(tenant).service();
    let settings = service.csat_settings().await?;
    if !settings.csat_enabled {
        return Ok(());
    }
    let Some(f) = service.facts(conversation).await? else { return Ok(()) };
    let window_open = f.last_inbound_at.is_some_and(|t| state.clock.now() - t < chrono::Duration::hours(24));
    if !window_open {
        return Ok(());
    }
    let body = json!({"type": "interactive", "interactive": csat::survey(&settings.csat_question), "client_id": format!("csat:{key}")});
    match send_as(state, tenant, conversation, body, tenant.0).await {
        Ok(()) => service.mark_csat_asked(conversation).await?,
        Err(e) => tracing::warn!(error = %e, conversation = %conversation, "the satisfaction survey was not sent"),
    }
    Ok(())
}

/// A rating (stored once, thanked) or the comment after it; true when the
/// message was one of them.
async fn survey_answer(state: &AppState, tenant: TenantId, conversation: uuid::Uuid, message: &Value, key: &str) -> Result<bool, DbError> {
    let service = state.db.tenant(tenant).service();
    let kind = message["type"].as_str().unwrap_or_default();
    if let Some(rating) = csat::rating(kind, &message["content"]) {
        let Some(f) = service.facts(conversation).await? else { return Ok(true) };
        let fresh = f.csat_asked_at.is_some_and(|t| state.clock.now() - t < chrono::Duration::hours(csat::ANSWER_WITHIN_HOURS));
        if fresh && service.record_rating(&f, rating).await? {
            let thanks = service.csat_settings().await?.csat_thanks;
            let body = json!({"type": "text", "text": {"body": thanks}, "client_id": format!("csat-thanks:{key}")});
            if let Err(e) = send_as(state, tenant, conversation, body, tenant.0).await {
                tracing::warn!(error = %e, "the survey's thanks was not sent");
            }
        }
        return Ok(true);
    }
    if kind == "text" {
        if let Some(text) = message["content"]["body"].as_str() {
            return service.record_comment(conversation, text).await;
        }
    }
    Ok(false)
}

/// Fills `{{contact.name}}`-style variables from a conversation's facts.
pub fn fill_facts(text: &str, facts: &Value) -> String {
    crate::http::canned::fill(text, |key| {
        let mut v = facts;
        for part in key.split('.') {
            v = &v[part];
        }
        if v.is_null() {
            if let Some(field) = key.strip_prefix("contact.") {
                v = &facts["contact"]["fields"][field];
            }
        }
        match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    })
}

/// Runs one rule for one event on one conversation: loop protection,
/// conditions, actions in order, the log.
async fn run_rule(
    state: &AppState,
    tenant: TenantId,
    rule: &RuleView,
    source: &str,
    key: &str,
    conversation: uuid::Uuid,
    extra: Value,
) -> Result<(), DbError> {
    let rules = state.db.tenant(tenant).automations();
    let Some(f) = state.db.tenant(tenant).service().facts(conversation).await? else { return Ok(()) };
    if let Some(why) = rules.loop_guard(rule.id, conversation, source).await? {
        rules.log(rule.id, source, Some(conversation), false, &json!([]), Some(&why), &[]).await?;
        return Ok(());
    }
    let (open, _) = inside_hours(state, tenant, f.team_id).await?;
    let mut facts = f.facts.clone();
    if let (Some(obj), Some(more)) = (facts.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            obj.insert(k.clone(), v.clone());
        }
        obj.insert("business_hours".into(), json!(if open { "inside" } else { "outside" }));
    }
    let conditions: Conditions = serde_json::from_value(rule.conditions.clone()).unwrap_or_default();
    if !matches(&conditions, &facts) {
        return Ok(());
    }
    let actions: Vec<Action> = match serde_json::from_value(rule.actions.clone()) {
        Ok(a) => a,
        Err(e) => {
            rules.log(rule.id, source, Some(conversation), true, &json!([]), Some(&format!("unreadable actions: {e}")), &[]).await?;
            return Ok(());
        }
    };
    let mut results = Vec::new();
    let mut produced: Vec<String> = Vec::new();
    for (n, action) in actions.iter().enumerate() {
        let outcome = act(state, tenant, rule, &f, &facts, action, &format!("auto:{}:{key}:{n}", rule.id), source).await;
        produced.extend(action.produces().iter().map(|s| (*s).to_owned()));
        results.push(match outcome {
            Ok(detail) => json!({"type": action.kind(), "ok": true, "detail": detail}),
            Err(detail) => json!({"type": action.kind(), "ok": false, "detail": detail}),
        });
    }
    rules.log(rule.id, source, Some(conversation), true, &Value::Array(results), None, &produced).await
}

#[allow(clippy::too_many_arguments)]
async fn act(
    state: &AppState,
    tenant: TenantId,
    rule: &RuleView,
    f: &ConversationFacts,
    facts: &Value,
    action: &Action,
    send_key: &str,
    source: &str,
) -> Result<String, String> {
    let db = state.db.tenant(tenant);
    let conversation = ConversationId(f.id);
    let err = |e: DbError| e.to_string();
    match action {
        Action::Assign { agent_id: Some(agent), .. } => {
            db.users().get(UserId(*agent)).await.map_err(err)?.ok_or("the agent is no longer in the account")?;
            state.teams.assign(tenant, conversation, Some(UserId(*agent))).await.map_err(err)?;
            Ok(format!("assigned to {agent}"))
        }
        Action::Assign { team_id: Some(team), .. } => {
            if !db.teams().set_conversation_team(conversation, Some(*team), None).await.map_err(err)? {
                return Err("the team no longer exists".into());
            }
            state.hub.conversation_changed(tenant, conversation, f.assignee_id.map(UserId), json!({"team_id": team}));
            let picked = match db.teams().rule(*team).await.map_err(err)? {
                Some(rule) if rule.assignment != "manual" && f.assignee_id.is_none() => {
                    state.teams.route_one(tenant, conversation, &rule).await.map_err(err)?
                }
                _ => None,
            };
            Ok(picked.map_or_else(|| format!("put in team {team}"), |u| format!("put in team {team}, given to {}", u.0)))
        }
        Action::Assign { .. } => Err("nothing to assign to".into()),
        Action::Tag { add, remove, target } => {
            let add: Vec<String> = add.iter().map(|t| t.trim().to_lowercase()).collect();
            if target.as_deref() == Some("contact") {
                let contact = ContactId(f.contact_id);
                if !add.is_empty() {
                    db.contacts().add_tags(contact, &add).await.map_err(err)?;
                }
                for t in remove {
                    db.contacts().remove_tag(contact, &t.trim().to_lowercase()).await.map_err(err)?;
                }
            } else {
                if !add.is_empty() {
                    db.conversations().add_tags(conversation, &add).await.map_err(err)?;
                }
                for t in remove {
                    db.conversations().remove_tag(conversation, &t.trim().to_lowercase()).await.map_err(err)?;
                }
            }
            Ok(format!("+{} -{}", add.join(","), remove.join(",")))
        }
        Action::SetStatus { status } => {
            let status = ConversationStatus::parse(status).ok_or("unknown status")?;
            state
                .teams
                .patch(tenant, conversation, ConversationPatch { status: Some(status), assignee: None, by: None, claim: false })
                .await
                .map_err(err)?;
            Ok(status.as_str().to_owned())
        }
        Action::SetPriority { priority } => {
            db.service().set_priority(f.id, priority).await.map_err(err)?;
            state.hub.conversation_changed(tenant, conversation, f.assignee_id.map(UserId), json!({"priority": priority}));
            Ok(priority.clone())
        }
        Action::SendMessage { text } => {
            let body = json!({"type": "text", "text": {"body": fill_facts(text, facts)}, "client_id": send_key});
            send_as(state, tenant, f.id, body, rule.id).await.map(|()| "sent".to_owned())
        }
        Action::SendTemplate { name, language, components } => {
            let body = json!({"type": "template", "template": {"name": name, "language": {"code": language}, "components": components},
                              "client_id": send_key});
            send_as(state, tenant, f.id, body, rule.id).await.map(|()| "sent".to_owned())
        }
        Action::StartFlow { flow_id } => {
            let c = db
                .conversations()
                .visible(conversation, crate::store::visibility::Visibility::system())
                .await
                .map_err(err)?
                .ok_or("gone")?;
            let (tx, rx) = tokio::sync::oneshot::channel();
            state.router.command(whatsflow_actors::tenant::ConversationCommand {
                channel: c.channel,
                contact_id: c.contact_id,
                work: whatsflow_actors::conversation::ConversationWork::StartFlow { flow_id: *flow_id, reply: Some(tx) },
            });
            let run = tokio::time::timeout(Duration::from_secs(15), rx)
                .await
                .map_err(|_| "the conversation did not answer".to_owned())?
                .map_err(|_| "the conversation did not answer".to_owned())??;
            Ok(format!("run {run}"))
        }
        Action::EnrollInSequence { campaign_id } => {
            let id = whatsflow_actors::ids::CampaignId(*campaign_id);
            match crate::drips::events::enroll_one(state, tenant, id, whatsflow_actors::ids::ContactId(f.contact_id), "automation").await {
                Ok(true) => Ok("enrolled".to_owned()),
                Ok(false) => {
                    Err("not enrolled: the sequence is not running, or the contact is already in it or may not re-enter".to_owned())
                }
                Err(e) => Err(err(e)),
            }
        }
        Action::AddNote { text } => {
            let note = db
                .conversations()
                .add_note(conversation, rule.created_by.map(UserId), &format!("[{}] {}", rule.name, fill_facts(text, facts)))
                .await
                .map_err(err)?;
            state.hub.note_added(tenant, conversation, f.assignee_id.map(UserId), json!(note));
            Ok("noted".into())
        }
        Action::CallWebhook { url } => {
            let body = json!({"rule": {"id": rule.id, "name": rule.name}, "event": source, "conversation": facts["conversation"],
                              "contact": facts["contact"], "message": facts.get("message")});
            let (status, _) = state.egress.call("POST", url, &[], Some(&body), Duration::from_secs(10)).await.map_err(|e| e.to_string())?;
            if (200..300).contains(&status) {
                Ok(format!("HTTP {status}"))
            } else {
                Err(format!("HTTP {status}"))
            }
        }
        Action::Notify { text, user_ids } => {
            // Only to those who may see the conversation (its text is theirs to read).
            state.hub.broadcast(
                tenant,
                crate::hub::HubFrame {
                    conversation_id: Some(conversation),
                    assignee: f.assignee_id.map(UserId),
                    seq: None,
                    scope: crate::hub::Scope::Inbox,
                    except: None,
                    text: json!({"event": "notification", "data": {"kind": "automation", "rule_id": rule.id, "rule": rule.name,
                            "conversation_id": f.id, "message": fill_facts(text, facts), "user_ids": user_ids}})
                    .to_string()
                    .into(),
                },
            );
            Ok("notified".into())
        }
    }
}
