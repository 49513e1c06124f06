//! The one timer of drip steps and scheduled messages. It sleeps until the
//! earliest due row (at most a second, so a lost wake-up or a moved test
//! clock costs at most that), wakes at once when a new row may be earlier,
//! and each pass hands over exactly the rows due by the application's
//! clock. Nothing lives in memory between passes: a restart finds every
//! due row, and every row left half handed over, in the tables.

use crate::startup::AppState;
use crate::store::repo::platform::DueTimer;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// The longest the timer sleeps without looking.
const MAX_SLEEP: Duration = Duration::from_secs(1);
/// The shortest sleep after a pass that left nothing due.
const MIN_SLEEP: Duration = Duration::from_millis(20);
/// Scheduled messages taken in one pass (more: the next pass follows at once).
const SCHEDULED_PER_PASS: i32 = 200;

/// The timer's wake-up, its pass count (tests wait on passes) and when each
/// sequence last told its admins how it goes (with its last full count).
#[derive(Debug, Default)]
pub struct DueTimers {
    wake: Notify,
    passes: AtomicU64,
    progress: dashmap::DashMap<whatsflow_actors::ids::CampaignId, Progress>,
}

/// A sequence's last progress frame and last full count.
#[derive(Debug, Clone)]
pub struct Progress {
    /// When the last frame went.
    pub sent_at: std::time::Instant,
    /// When replies and cost were last counted, and that count.
    pub full: (std::time::Instant, crate::store::repo::drips::DripStats),
}

impl DueTimers {
    /// A row was written that may fall due before the timer next looks.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Passes completed since start.
    pub fn passes(&self) -> u64 {
        self.passes.load(Ordering::Relaxed)
    }

    /// The last progress of a sequence, if any.
    pub fn progress_of(&self, id: whatsflow_actors::ids::CampaignId) -> Option<Progress> {
        self.progress.get(&id).map(|p| p.clone())
    }

    /// Records a progress frame (and, with `full`, a full count).
    pub fn progressed(&self, id: whatsflow_actors::ids::CampaignId, full: Option<crate::store::repo::drips::DripStats>) {
        let now = std::time::Instant::now();
        match (self.progress.get_mut(&id), full) {
            (Some(mut p), Some(f)) => {
                p.sent_at = now;
                p.full = (now, f);
            }
            (Some(mut p), None) => p.sent_at = now,
            (None, Some(f)) => {
                self.progress.insert(id, Progress { sent_at: now, full: (now, f) });
            }
            (None, None) => {}
        }
    }
}

/// Starts the timer (and the segment sweep) for the application's lifetime.
pub fn spawn(state: &actix_web::web::Data<AppState>) {
    let weak = Arc::downgrade(&state.clone().into_inner());
    tokio::spawn(segment_sweep(weak.clone()));
    tokio::spawn(async move {
        loop {
            let Some(state) = weak.upgrade() else { return };
            if state.pool.is_closed() {
                return;
            }
            let more = match pass(&state).await {
                Ok(more) => more,
                Err(e) => {
                    tracing::warn!(error = %e, "drip and scheduled-message timers");
                    false
                }
            };
            state.timers.passes.fetch_add(1, Ordering::Relaxed);
            let sleep = if more {
                Duration::ZERO
            } else {
                // A pass that found nothing more to do never loops at once,
                // whatever the next due row says (at most MIN_SLEEP late).
                match state.db.platform().next_timer_due().await {
                    Ok(Some(at)) => (at - state.clock.now()).to_std().unwrap_or(Duration::ZERO).clamp(MIN_SLEEP, MAX_SLEEP),
                    _ => MAX_SLEEP,
                }
            };
            let timers = state.timers.clone();
            drop(state);
            if !sleep.is_zero() {
                tokio::select! {
                    () = timers.wake.notified() => {}
                    () = tokio::time::sleep(sleep) => {}
                }
            }
        }
    });
}

/// Every few seconds, enrols the members of the segments running sequences
/// enrol from (those already in, or refused by re-entry, stay as they are).
async fn segment_sweep(weak: std::sync::Weak<AppState>) {
    let every = weak.upgrade().map_or(Duration::from_secs(10), |s| s.config.routing.every * 5);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(state) = weak.upgrade() else { return };
        if state.pool.is_closed() {
            return;
        }
        match state.db.platform().drips_enrolling_segments().await {
            Ok(list) => {
                for (tenant, id, segment) in list {
                    if let Err(e) = super::enroll::segment_members(&state, tenant, id, segment).await {
                        tracing::warn!(error = %e, campaign = %id, "enrolling a segment's members");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "listing sequences that enrol segments"),
        }
    }
}

/// Hands over everything due now; whether more may be due at once.
async fn pass(state: &AppState) -> Result<bool, crate::store::repo::DbError> {
    let now = state.clock.now();
    let due = state.db.platform().due_timers(now, SCHEDULED_PER_PASS).await?;
    let mut more = due.iter().filter(|t| matches!(t, DueTimer::Scheduled(..))).count() >= SCHEDULED_PER_PASS as usize;
    for timer in due {
        // Several nodes: each sequence and scheduled message is run by the
        // one node that owns its partition.
        let id = match &timer {
            DueTimer::Drip(_, id) => id.0,
            DueTimer::Scheduled(_, id) => *id,
        };
        if !state.runs_here(id) {
            continue;
        }
        match timer {
            DueTimer::Drip(tenant, id) => match super::step::drive(state, tenant, id).await {
                Ok(full) => more |= full,
                Err(e) => tracing::warn!(error = %e, campaign = %id, "a sequence's pass failed; its claims are handed over again"),
            },
            DueTimer::Scheduled(tenant, id) => {
                if let Err(e) = super::scheduled::send_due(state, tenant, id, now).await {
                    tracing::warn!(error = %e, scheduled = %id, "a scheduled message could not be handed over; retried");
                }
            }
        }
    }
    Ok(more)
}
