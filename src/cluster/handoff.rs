//! Handing events and commands to the owner of their conversation's
//! partition: stored as an inbox row (kind `handoff` or `command`) tagged
//! with the partition, so they are as durable as the webhook or request they
//! came in with; then the owner is woken over Redis (its inbox sweeper also
//! polls every half second in case a wake-up is lost). A command's sender
//! waits here for the answer the owner publishes back.

use super::bus::FrameBus;
use crate::store::inbox::Inbox;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use whatsflow_actors::ownership::Handoffs;
use whatsflow_actors::parked::Handoff;
use whatsflow_actors::protocol::SendRefusal;
use whatsflow_actors::remote::{CommandHandoff, ReplyAddress, Waiter};

/// How long a sender's waiter is kept for the owner's answer: a little
/// longer than the API waits, so it is the API that reports the timeout.
const ANSWER_WAIT: Duration = Duration::from_secs(20);
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

    fn hand_off_command(&self, mut handoff: CommandHandoff, waiter: Option<Waiter>) {
        let (pool, bus) = (self.pool.clone(), self.bus.clone());
        let request = waiter.filter(Waiter::waits).map(|w| {
            let request = uuid::Uuid::new_v4();
            bus.await_answer(request, w, ANSWER_WAIT);
            request
        });
        handoff.reply = request.map(|request| ReplyAddress { node: bus.node_id().to_owned(), request });
        tokio::spawn(async move {
            match Inbox::store_command(&pool, &handoff).await {
                Ok(_) => bus.wake(handoff.partition),
                Err(e) => {
                    tracing::warn!(error = %e, "handing a command to another node failed");
                    if let Some(w) = request.and_then(|r| bus.take_waiter(r)) {
                        w.refuse(SendRefusal::Unavailable);
                    }
                }
            }
        });
    }
}
