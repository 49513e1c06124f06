//! One pass over a running sequence: steps left half handed over by a
//! crash first (under their keys, which find what was stored), then the
//! contacts due now. Each is decided — exit (a rule holds), skip (the
//! step's condition, no usable message) or send (the session message
//! inside the customer's window, else the template) — handed to its
//! conversation on the bulk lane under `drip:<enrolment>:<position>`, and
//! recorded in one statement with the next step's due time.

use super::spec::{exit, StepSpec, PERMANENT_ERRORS};
use crate::campaigns::audience;
use crate::campaigns::launch::{self, LaunchError, TemplateFacts};
use crate::campaigns::local_time::{parse_zone, zone_of};
use crate::campaigns::runner::STOPPING_ERRORS;
use crate::hub::{HubFrame, Scope};
use crate::startup::AppState;
use crate::store::repo::campaigns::{CampaignStatus, SkipReason, TemplateRef};
use crate::store::repo::drips::{ClaimedStep, DripView, NextStep, StepDone};
use crate::store::repo::DbError;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use whatsflow_actors::conversation::ConversationWork;
use whatsflow_actors::ids::{CampaignId, ContactId, TenantId};
use whatsflow_actors::message::SentBy;
use whatsflow_actors::outbound::Lane;
use whatsflow_actors::ports::ChannelRef;
use whatsflow_actors::send::{SendRefusal, SendRequest};
use whatsflow_actors::tenant::ConversationCommand;

/// Contacts claimed in one pass (a full batch: the next pass follows at once).
pub const BATCH: i64 = 500;
/// How long a conversation may take to store a send.
const SEND_ANSWER_TIMEOUT: Duration = Duration::from_secs(15);
/// The customer service window.
const WINDOW: chrono::Duration = chrono::Duration::hours(24);

/// How long a step not stored now waits before it is handed over again.
const RETRY_AFTER: chrono::Duration = chrono::Duration::seconds(5);
/// How long a step the prepaid wallet cannot cover waits before it is tried again.
const WALLET_RETRY_AFTER: chrono::Duration = chrono::Duration::seconds(60);

/// A send decided for one contact.
struct Send {
    claimed: ClaimedStep,
    kind: String,
    content: Value,
    sent_as: &'static str,
    /// The template to send instead if the conversation finds the window closed.
    instead: Option<Value>,
    next: Option<NextStep>,
}

/// What a claimed step turns into before anything is sent.
enum Decision {
    Done(StepDone),
    Send(Box<Send>),
    /// The step's template cannot be sent: the sequence pauses.
    Pause(String),
}

/// One pass over sequence `id`; whether it claimed a full batch (more may
/// be due now).
pub async fn drive(state: &AppState, tenant: TenantId, id: CampaignId) -> Result<bool, DbError> {
    let db = state.db.tenant(tenant);
    let repo = db.drips();
    let Some(d) = repo.get(id).await? else { return Ok(false) };
    if d.status != CampaignStatus::Running {
        return Ok(false);
    }
    if let Some((code, title)) = repo.stopping_failure(id, &STOPPING_ERRORS).await? {
        let reason = format!(
            "Meta refused a step with error {code} ({title}); check the number's quality and the account in WhatsApp Manager, then resume"
        );
        pause(state, tenant, &d, &reason).await?;
        return Ok(false);
    }
    let Some(channel) = db.channels().channel_ref(d.channel_id).await? else {
        pause(state, tenant, &d, "the sequence's number was disconnected; connect it again, then resume").await?;
        return Ok(false);
    };
    let zone = parse_zone(&d.timezone).unwrap_or(Tz::UTC);
    let now = state.clock.now();
    // Steps a crash left half handed over: one whose message was stored is
    // recorded as sent (whatever would be decided now); the rest go again.
    let unfinished = repo.unfinished(id).await?;
    let stored = repo.stored_for_keys(&unfinished.iter().map(ClaimedStep::send_key).collect::<Vec<_>>()).await?;
    let mut done = Vec::new();
    let mut claimed = Vec::with_capacity(unfinished.len());
    for c in unfinished {
        match stored.get(&c.send_key()) {
            Some((message, kind)) => done.push(StepDone::Sent {
                enrollment: c.enrollment,
                message: *message,
                sent_as: if kind == "template" { "template" } else { "session" },
                next: next_step(&d, &c, now, zone),
            }),
            None => claimed.push(c),
        }
    }
    let fresh = repo.claim(id, now, BATCH).await?;
    let full = fresh.len() as i64 >= BATCH;
    claimed.extend(fresh);
    if claimed.is_empty() && done.is_empty() {
        return Ok(false);
    }
    let mut templates: HashMap<(String, String), Result<TemplateFacts, String>> = HashMap::new();
    let mut sends = Vec::new();
    let mut paused = None;
    for c in claimed {
        if paused.is_some() {
            done.push(StepDone::Released { enrollment: c.enrollment, retry_at: None });
            continue;
        }
        let enrollment = c.enrollment;
        match decide(state, tenant, &d, c, now, zone, &mut templates).await? {
            Decision::Done(x) => done.push(x),
            Decision::Send(s) => sends.push(*s),
            Decision::Pause(reason) => {
                done.push(StepDone::Released { enrollment, retry_at: None });
                paused = Some(reason);
            }
        }
    }
    if paused.is_some() {
        done.extend(sends.drain(..).map(|s| StepDone::Released { enrollment: s.claimed.enrollment, retry_at: None }));
    }
    // A pause, a cancel or an exit that landed while this pass decided
    // stops those steps here, before anything is handed over.
    let running = repo.still_running(&sends.iter().map(|s| s.claimed.enrollment).collect::<Vec<_>>()).await?;
    let (sends, stopped): (Vec<Send>, Vec<Send>) = sends.into_iter().partition(|s| running.contains(&s.claimed.enrollment));
    done.extend(stopped.into_iter().map(|s| StepDone::Released { enrollment: s.claimed.enrollment, retry_at: None }));
    let wallet = db.plan_includes(crate::plans::Feature::Wallet).await?.is_ok();
    let handed = futures::future::join_all(sends.into_iter().map(|s| dispatch(state, tenant, &d, &channel, s, wallet))).await;
    done.extend(handed);
    repo.record(&done, state.clock.now()).await?;
    if let Some(reason) = paused {
        pause(state, tenant, &d, &reason).await?;
    } else {
        progress(state, tenant, &d, false).await?;
    }
    Ok(full)
}

/// Whether the customer can get a free-form message now.
fn window_open(last_inbound: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_inbound.is_some_and(|t| now - t < WINDOW)
}

/// The rule that ends the contact's way through the sequence now, if any.
fn exit_reason(d: &DripView, c: &ClaimedStep) -> Option<&'static str> {
    let s = &d.settings;
    if c.erased {
        Some(exit::CONTACT_GONE)
    } else if !c.contact.opted_in {
        Some(exit::OPTED_OUT)
    } else if s.exit_on_reply && c.replied {
        Some(exit::REPLIED)
    } else if s.exit_on_tags.iter().any(|t| c.contact.tags.contains(t)) {
        Some(exit::TAG_ADDED)
    } else if s
        .exit_when
        .as_ref()
        .is_some_and(|w| super::spec::field_text(&c.contact.custom_fields, &w.field).is_some_and(|v| v == w.equals))
    {
        Some(exit::FIELD_MATCHED)
    } else if c.failed_code.is_some_and(|code| PERMANENT_ERRORS.contains(&code)) {
        Some(exit::SEND_FAILED)
    } else {
        None
    }
}

/// The step after `c`'s in the current version, due from now.
fn next_step(d: &DripView, c: &ClaimedStep, now: DateTime<Utc>, zone: Tz) -> Option<NextStep> {
    let next = d.steps.iter().find(|s| s.position == c.position + 1)?;
    Some(NextStep {
        position: next.position,
        step_id: next.id,
        due_at: next.spec.due_at(c.enrolled_at, now, zone_of(&c.contact.audience(), zone)),
    })
}

async fn decide(
    state: &AppState,
    tenant: TenantId,
    d: &DripView,
    c: ClaimedStep,
    now: DateTime<Utc>,
    zone: Tz,
    templates: &mut HashMap<(String, String), Result<TemplateFacts, String>>,
) -> Result<Decision, DbError> {
    if let Some(reason) = exit_reason(d, &c) {
        return Ok(Decision::Done(StepDone::Exited { enrollment: c.enrollment, reason }));
    }
    let next = next_step(d, &c, now, zone);
    let skip = |c: &ClaimedStep, reason: &'static str, next: Option<NextStep>| {
        Ok(Decision::Done(StepDone::Skipped { enrollment: c.enrollment, reason, next }))
    };
    let Some(step) = c.step.clone() else { return skip(&c, "step_removed", next) };
    let spec: &StepSpec = &step.spec;
    // Late (a pause, a retry, a backlog): still only inside its window.
    if let Some(w) = &spec.send_window {
        let opens = w.next_open(now, zone_of(&c.contact.audience(), zone));
        if opens > now {
            return Ok(Decision::Done(StepDone::Released { enrollment: c.enrollment, retry_at: Some(opens) }));
        }
    }
    if spec.condition.as_ref().is_some_and(|cond| !cond.holds(&c.contact.tags, &c.contact.custom_fields)) {
        return skip(&c, "condition", next);
    }
    let template = match &spec.template {
        None => None,
        Some(t) => {
            let key = (t.name.clone(), t.language.clone());
            if !templates.contains_key(&key) {
                let facts = match launch::approved(state.db.tenant(tenant), t).await {
                    Ok(f) => Ok(f),
                    Err(LaunchError::Db(e)) => return Err(e),
                    Err(e) => Err(e.to_string()),
                };
                templates.insert(key.clone(), facts);
            }
            match templates.get(&key) {
                Some(Ok(facts)) => Some(template_send(t, &spec.variables, facts, &c)),
                Some(Err(reason)) => return Ok(Decision::Pause(format!("step \"{}\": {reason}; fix it, then resume", spec.name))),
                None => None,
            }
        }
    };
    let open = window_open(c.last_inbound_at, now);
    match (&spec.session_message, template) {
        (Some(m), t) if open => {
            let kind = m["type"].as_str().unwrap_or("text").to_owned();
            let content = m[kind.as_str()].clone();
            let instead = t.and_then(Result::ok);
            Ok(Decision::Send(Box::new(Send { claimed: c, kind, content, sent_as: "session", instead, next })))
        }
        (_, Some(Ok(payload))) => Ok(Decision::Send(Box::new(Send {
            claimed: c,
            kind: "template".into(),
            content: payload,
            sent_as: "template",
            instead: None,
            next,
        }))),
        (_, Some(Err(reason))) => skip(&c, reason.as_str(), next),
        (_, None) => skip(&c, "window_closed", next),
    }
}

/// The template message for one contact, or why it cannot go to them.
fn template_send(t: &TemplateRef, variables: &Value, facts: &TemplateFacts, c: &ClaimedStep) -> Result<Value, SkipReason> {
    let sources =
        audience::parse_variables(variables, &audience::placeholders(&facts.components), None).map_err(|_| SkipReason::MissingVariable)?;
    let resolved = audience::recipients(&[c.contact.audience()], &sources, facts.marketing);
    let Some(r) = resolved.into_iter().next() else { return Err(SkipReason::ContactGone) };
    match r.skip_reason {
        Some(reason) => Err(reason),
        None => Ok(audience::template_payload(&t.name, &t.language, &r.parameters)),
    }
}

/// Hands one step to its conversation under its one key; what became of
/// it. A session message the conversation finds outside the window (its
/// clock moved past the edge) becomes the step's template under the same
/// key (a refusal stores nothing). On a plan billed through the prepaid
/// wallet, a template's expected cost is held under the key first (given
/// back if nothing was stored); a balance that does not cover it makes the
/// step wait a minute.
async fn dispatch(state: &AppState, tenant: TenantId, d: &DripView, channel: &ChannelRef, s: Send, wallet: bool) -> StepDone {
    let key = s.claimed.send_key();
    let enrollment = s.claimed.enrollment;
    let retry = |after: chrono::Duration| StepDone::Released { enrollment, retry_at: Some(state.clock.now() + after) };
    let mut held = false;
    let (mut kind, mut content, mut sent_as) = (s.kind.clone(), s.content.clone(), s.sent_as);
    let mut instead = s.instead.clone();
    let answer = loop {
        if wallet && kind == "template" && !held {
            match hold(state, tenant, s.claimed.contact.id, &content, &key).await {
                Ok(h) => held = h,
                Err(Some(())) => return retry(WALLET_RETRY_AFTER),
                Err(None) => return retry(RETRY_AFTER),
            }
        }
        match (hand_over(state, d, channel, &s.claimed, &kind, content.clone(), key.clone()).await, instead.take()) {
            (Err(Some(SendRefusal::WindowClosed { .. })), Some(t)) => {
                (kind, content, sent_as) = ("template".to_owned(), t, "template");
            }
            (answer, _) => break answer,
        }
    };
    let done = match answer {
        Ok(message) => StepDone::Sent { enrollment, message, sent_as, next: s.next },
        Err(Some(SendRefusal::Duplicate)) => match state.db.tenant(tenant).campaigns().message_for_key(&key).await {
            Ok(Some(message)) => StepDone::Sent { enrollment, message, sent_as, next: s.next },
            Ok(None) | Err(_) => retry(RETRY_AFTER),
        },
        Err(Some(SendRefusal::NoRecipient | SendRefusal::Gone)) => StepDone::Exited { enrollment, reason: exit::CONTACT_GONE },
        Err(Some(SendRefusal::WindowClosed { .. })) => StepDone::Skipped { enrollment, reason: "window_closed", next: s.next },
        // Not stored now: handed over again under the same key.
        Err(_) => retry(RETRY_AFTER),
    };
    if held && matches!(done, StepDone::Exited { .. } | StepDone::Skipped { .. }) {
        if let Err(e) = state.db.tenant(tenant).wallet_unreserve(&key).await {
            tracing::warn!(error = %e, key, "a drip step's wallet hold was not released");
        }
    }
    done
}

/// Holds a template's expected cost in the wallet: whether a hold was made;
/// Err(Some) when the balance does not cover it, Err(None) when the
/// database did not answer.
async fn hold(state: &AppState, tenant: TenantId, contact: ContactId, template: &Value, key: &str) -> Result<bool, Option<()>> {
    let db = state.db.tenant(tenant);
    let (name, language) = (template["name"].as_str().unwrap_or_default(), template["language"]["code"].as_str().unwrap_or_default());
    let cost = db.expected_template_cost(contact, name, language).await.map_err(|_| None)?;
    if cost == 0 {
        return Ok(false);
    }
    match db.wallet_reserve(key, cost).await {
        Ok(true) => Ok(true),
        Ok(false) => Err(Some(())),
        Err(_) => Err(None),
    }
}

/// One send through the conversation; its message, or the refusal (None:
/// no answer in time).
async fn hand_over(
    state: &AppState,
    d: &DripView,
    channel: &ChannelRef,
    c: &ClaimedStep,
    kind: &str,
    content: Value,
    key: String,
) -> Result<whatsflow_actors::ids::MessageId, Option<SendRefusal>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    state.router.command(ConversationCommand {
        channel: channel.clone(),
        contact_id: c.contact.id,
        work: ConversationWork::Send(SendRequest {
            kind: kind.to_owned(),
            content,
            reply_to: None,
            client_id: Some(key),
            sent_by: Some(SentBy::Campaign { id: d.id.0 }),
            lane: Lane::Broadcast,
            reply: Some(tx),
        }),
    });
    match tokio::time::timeout(SEND_ANSWER_TIMEOUT, rx).await {
        Ok(Ok(Ok(view))) => Ok(view.id),
        Ok(Ok(Err(refusal))) => Err(Some(refusal)),
        _ => Err(None),
    }
}

/// Pauses the sequence by rule and tells the admins why.
async fn pause(state: &AppState, tenant: TenantId, d: &DripView, reason: &str) -> Result<(), DbError> {
    let db = state.db.tenant(tenant);
    if db.campaigns().transition(d.id, &["running"], CampaignStatus::Paused, Some(reason), None).await?.is_some() {
        tracing::warn!(campaign = %d.id, reason, "sequence paused by rule");
        state.hub.broadcast(
            tenant,
            admin_frame(json!({"event": "notification", "data": {"kind": "campaign_paused", "campaign_id": d.id, "name": d.name, "message": reason}})),
        );
        if let Some(paused) = db.drips().get(d.id).await? {
            progress(state, tenant, &paused, true).await?;
        }
    }
    Ok(())
}

/// How often a sequence sending steps tells its admins how it goes.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);
/// How often that counts replies and cost (a lookup per send) in full.
const FULL_STATS_EVERY: Duration = Duration::from_secs(5);

/// `campaign:progress {campaign_id, status, stats}` to the admins, at most
/// once a second unless `now`; replies and cost are counted in full every
/// few seconds and carried over in between.
pub async fn progress(state: &AppState, tenant: TenantId, d: &DripView, now: bool) -> Result<(), DbError> {
    let last = state.timers.progress_of(d.id);
    if !now && last.as_ref().is_some_and(|p| p.sent_at.elapsed() < PROGRESS_EVERY) {
        return Ok(());
    }
    let repo = state.db.tenant(tenant).drips();
    let stats = match last.filter(|p| !now && p.full.0.elapsed() < FULL_STATS_EVERY) {
        Some(p) => {
            let stats = repo.counts(d, &p.full.1).await?;
            state.timers.progressed(d.id, None);
            stats
        }
        None => {
            let stats = repo.stats(d).await?;
            state.timers.progressed(d.id, Some(stats.clone()));
            stats
        }
    };
    state.hub.broadcast(
        tenant,
        admin_frame(json!({"event": "campaign:progress", "data": {"campaign_id": d.id, "status": d.status, "stats": stats}})),
    );
    Ok(())
}

fn admin_frame(frame: Value) -> HubFrame {
    HubFrame { conversation_id: None, assignee: None, seq: None, scope: Scope::Admins, except: None, text: frame.to_string().into() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_window_is_open_for_24_hours_after_the_customer_wrote() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        assert!(window_open(Some(now - chrono::Duration::hours(23)), now));
        assert!(!window_open(Some(now - chrono::Duration::hours(24)), now));
        assert!(!window_open(None, now));
    }
}
