//! Sequences following the internal event queue: a customer's message
//! ends the enrolments that exit on a reply, a contact change ends those
//! whose rules now hold (opt-out, an exit tag, the exit field) and enrols
//! the contact where a tag they were given enrols, and a send Meta refused
//! for good ends its enrolment. The step pass checks the same rules again
//! before each step, so an event that comes late never lets a step through.

use super::spec::PERMANENT_ERRORS;
use crate::startup::AppState;
use crate::store::repo::DbError;
use serde_json::Value;
use whatsflow_actors::ids::{CampaignId, ContactId, MessageId, TenantId};

/// A customer's message (`message.received`).
pub async fn on_message(state: &AppState, tenant: TenantId, data: &Value) -> Result<(), DbError> {
    let Some(message) = data["message"]["id"].as_str().and_then(|s| s.parse::<uuid::Uuid>().ok()) else { return Ok(()) };
    let db = state.db.tenant(tenant);
    if let Some((contact, created)) = db.drips().reply_facts(MessageId(message)).await? {
        db.drips().exit_on_reply(contact, created, state.clock.now()).await?;
    }
    Ok(())
}

/// A contact changed (`contact.updated`): exits by rule, enrolments by tag.
pub async fn on_contact(state: &AppState, tenant: TenantId, data: &Value, added_tags: &[String]) -> Result<(), DbError> {
    let Some(contact) = data["id"].as_str().and_then(|s| s.parse::<uuid::Uuid>().ok()).map(ContactId) else { return Ok(()) };
    let db = state.db.tenant(tenant);
    db.drips().exit_by_contact_rules(contact, state.clock.now()).await?;
    for tag in added_tags {
        for id in db.drips().enrolling_on_tag(tag).await? {
            enroll_one(state, tenant, id, contact, "tag").await?;
        }
    }
    Ok(())
}

/// One of our messages failed (`message.status` failed).
pub async fn on_failure(state: &AppState, tenant: TenantId, data: &Value) -> Result<(), DbError> {
    let code = data["errors"][0]["code"].as_i64();
    if !code.is_some_and(|c| PERMANENT_ERRORS.contains(&c)) {
        return Ok(());
    }
    let Some(message) = data["message_id"].as_str().and_then(|s| s.parse::<uuid::Uuid>().ok()) else { return Ok(()) };
    state.db.tenant(tenant).drips().exit_on_failure(MessageId(message), state.clock.now()).await?;
    Ok(())
}

/// Enrols one contact in a sequence that runs or is paused (a rule, a flow
/// node); whether a new enrolment was made.
pub async fn enroll_one(state: &AppState, tenant: TenantId, id: CampaignId, contact: ContactId, source: &str) -> Result<bool, DbError> {
    let db = state.db.tenant(tenant);
    let Some(d) = db.drips().get(id).await? else { return Ok(false) };
    if !matches!(d.status, crate::store::repo::campaigns::CampaignStatus::Running | crate::store::repo::campaigns::CampaignStatus::Paused) {
        return Ok(false);
    }
    let contacts = db.drips().contacts(&[contact.0]).await?;
    let out = super::enroll::enroll(db, &state.timers, state.clock.now(), &d, &contacts, source).await?;
    Ok(out.iter().any(|o| matches!(o, crate::store::repo::drips::Enrolled::New(_))))
}
