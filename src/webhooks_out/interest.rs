//! Which tenants want message events (an outbound webhook endpoint, an
//! automation rule, the away message or the survey): the batch writer asks before it
//! spends a statement on them, so an account without endpoints (most of
//! them) pays nothing on the ingest path. Known for [`FRESH_FOR`], read
//! inside the writer's own transaction when stale, and forgotten at once
//! when an endpoint of the tenant changes on this node (other nodes see the
//! change within [`FRESH_FOR`]).

use dashmap::DashMap;
use sqlx::{Postgres, Transaction};
use std::time::{Duration, Instant};
use whatsflow_actors::ids::TenantId;

/// How long a tenant's answer is trusted.
pub const FRESH_FOR: Duration = Duration::from_secs(5);

/// The message events a tenant's enabled endpoints subscribe to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MessageInterest {
    /// `message.received`.
    pub received: bool,
    /// Every `message.status` (an endpoint subscribes).
    pub status: bool,
    /// The failed ones only (an automation rule on `message.failed`).
    pub failures: bool,
}

/// See the module doc.
#[derive(Debug, Default)]
pub struct WebhookInterest {
    known: DashMap<TenantId, (Instant, MessageInterest)>,
}

impl WebhookInterest {
    /// What `tenant` wants, read in `tx` (scoped to the tenant) when not known.
    pub async fn of(&self, tx: &mut Transaction<'static, Postgres>, tenant: TenantId) -> Result<MessageInterest, sqlx::Error> {
        if let Some(entry) = self.known.get(&tenant) {
            if entry.0.elapsed() < FRESH_FOR {
                return Ok(entry.1);
            }
        }
        let (received, status, failures): (bool, bool, bool) = sqlx::query_as(
            "SELECT event_wanted($1, 'message.received'),
                    EXISTS (SELECT 1 FROM outbound_webhooks WHERE tenant_id = $1 AND enabled AND 'message.status' = ANY(events)),
                    internal_wants($1, 'message.status')",
        )
        .bind(tenant.0)
        .fetch_one(&mut **tx)
        .await?;
        let interest = MessageInterest { received, status, failures };
        self.known.insert(tenant, (Instant::now(), interest));
        Ok(interest)
    }

    /// Forgets what `tenant` wants (its endpoints changed).
    pub fn forget(&self, tenant: TenantId) {
        self.known.remove(&tenant);
    }
}
