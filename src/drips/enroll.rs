//! Putting contacts into a sequence at its first step, each due at their
//! own time (the step's delay, then its send window in their zone).

use super::spec::Reentry;
use crate::campaigns::local_time::{parse_zone, zone_of};
use crate::store::repo::drips::{ContactFacts, DripView, Enrolled};
use crate::store::repo::{DbError, TenantDb};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

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
