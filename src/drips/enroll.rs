//! Putting contacts into a sequence at its first step, each due at their
//! own time (the step's delay, then its send window in their zone).

use super::spec::Reentry;
use crate::campaigns::local_time::{parse_zone, zone_of};
use crate::store::repo::drips::{ContactFacts, DripView, Enrolled};
use crate::store::repo::{DbError, TenantDb};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use whatsflow_actors::ids::{CampaignId, TenantId};

/// Enrols `contacts` (one outcome each, in order) and wakes the timer when
/// one is new.
pub async fn enroll(
    db: TenantDb<'_>,
    timers: &super::timer::DueTimers,
    now: DateTime<Utc>,
    drip: &DripView,
    contacts: &[ContactFacts],
    source: &str,
) -> Result<Vec<Enrolled>, DbError> {
    let Some(first) = drip.steps.first() else { return Ok(Vec::new()) };
    let fallback = parse_zone(&drip.timezone).unwrap_or(Tz::UTC);
    let due: Vec<_> = contacts.iter().map(|c| (c.id, first.spec.due_at(now, now, zone_of(&c.audience(), fallback)))).collect();
    let reentry = match drip.settings.reentry {
        Reentry::Never => None,
        Reentry::AfterDays { days } => Some(days),
    };
    let out = db.drips().enroll(drip.id, first.id, &due, now, reentry, source).await?;
    if out.iter().any(|o| matches!(o, Enrolled::New(_))) {
        timers.wake();
    }
    Ok(out)
}

/// Enrols the members of `segment` in sequence `id` who are not in it yet
/// (the re-entry policy applies); how many were enrolled now.
pub async fn segment_members(
    state: &crate::startup::AppState,
    tenant: TenantId,
    id: CampaignId,
    segment: uuid::Uuid,
) -> Result<usize, DbError> {
    let db = state.db.tenant(tenant);
    let Some(drip) = db.drips().get(id).await? else { return Ok(0) };
    let Some(rule) = db.segments().rule(segment).await? else { return Ok(0) };
    let members = db.segments().audience(&rule, crate::campaigns::launch::MAX_AUDIENCE).await?;
    let ids: Vec<uuid::Uuid> = members.iter().filter_map(|m| m.id.map(|c| c.0)).collect();
    let fresh = db.drips().not_enrolled(id, &ids).await?;
    if fresh.is_empty() {
        return Ok(0);
    }
    let contacts = db.drips().contacts(&fresh).await?;
    let out = enroll(db, &state.timers, state.clock.now(), &drip, &contacts, "segment").await?;
    Ok(out.iter().filter(|o| matches!(o, Enrolled::New(_))).count())
}
