//! Handing events to the owner of their conversation's partition: stored as
//! an inbox row of kind `handoff` tagged with the partition (so they are as
//! durable as the webhook they came in), then the owner is woken over Redis;
//! its inbox sweeper also polls every half second in case a wake-up is lost.

use super::bus::FrameBus;
use crate::store::inbox::Inbox;
use sqlx::PgPool;
use std::sync::Arc;
use whatsflow_actors::parked::Handoff;
use whatsflow_actors::ports::Handoffs;
use whatsflow_actors::ticket::EventReceipt;

/// See the module doc.
pub struct ClusterHandoffs {
    pool: PgPool,
    bus: Arc<FrameBus>,
}

impl ClusterHandoffs {
    /// Hand-offs stored in `pool`, announced on `bus`.
    pub fn new(pool: PgPool, bus: Arc<FrameBus>) -> Self {
        Self { pool, bus }
    }
}

impl Handoffs for ClusterHandoffs {
    fn hand_off(&self, handoff: Handoff, receipt: EventReceipt) {
        let (pool, bus) = (self.pool.clone(), self.bus.clone());
        tokio::spawn(async move {
            match Inbox::store_handoff(&pool, &handoff).await {
                Ok(_) => {
                    receipt.complete();
                    bus.wake(handoff.partition);
                }
                Err(e) => receipt.fail(&format!("handing events to another node failed: {e}")),
            }
        });
    }
}
