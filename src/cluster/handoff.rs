//! Handing events and commands to the owner of their conversation's
//! partition: stored as an inbox row (kind `handoff` or `command`) tagged
//! with the partition, so they are as durable as the webhook or request they
//! came in with; then the owner is woken over Redis (its inbox sweeper also
//! polls every half second in case a wake-up is lost). A command's sender
//! waits here for the answer the owner publishes back. Hand-offs are
//! group-committed: everything waiting goes into one multi-row insert.

use super::bus::FrameBus;
use crate::store::inbox::{COMMAND_KIND, HANDOFF_KIND};
use sqlx::PgPool;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use whatsflow_actors::ownership::Handoffs;
use whatsflow_actors::parked::Handoff;
use whatsflow_actors::protocol::SendRefusal;
use whatsflow_actors::remote::{CommandHandoff, ReplyAddress, Waiter};
use whatsflow_actors::ticket::EventReceipt;

/// How long a sender's waiter is kept for the owner's answer: a little
/// longer than the API waits, so it is the API that reports the timeout.
const ANSWER_WAIT: Duration = Duration::from_secs(20);
/// Most hand-offs in one insert.
const MAX_PER_COMMIT: usize = 512;

/// Who is told once a hand-off is stored (or could not be).
enum Done {
    /// An event's inbox row settles with it.
    Event(EventReceipt),
    /// A command's sender, if it waits (by request id on the bus).
    Command(Option<uuid::Uuid>),
}

struct Pending {
    kind: &'static str,
    body: Vec<u8>,
    partition: u16,
    done: Done,
}

/// See the module doc.
pub struct ClusterHandoffs {
    queue: mpsc::UnboundedSender<Pending>,
    bus: Arc<FrameBus>,
}

impl ClusterHandoffs {
    /// Hand-offs stored in `pool`, announced on `bus`; starts the writer.
    pub fn new(pool: PgPool, bus: Arc<FrameBus>) -> Self {
        // Unbounded: hand-offs come from actors' handlers, which cannot
        // wait; their rate is bounded by the inbox's receive queue.
        let (queue, rx) = mpsc::unbounded_channel();
        tokio::spawn(writer(pool, bus.clone(), rx));
        Self { queue, bus }
    }

    fn enqueue(&self, p: Pending) {
        if let Err(mpsc::error::SendError(p)) = self.queue.send(p) {
            fail(&self.bus, p.done, "the hand-off writer stopped");
        }
    }
}

fn fail(bus: &FrameBus, done: Done, why: &str) {
    match done {
        Done::Event(receipt) => receipt.fail(&format!("handing events to another node failed: {why}")),
        Done::Command(request) => {
            tracing::warn!(error = why, "handing a command to another node failed");
            if let Some(w) = request.and_then(|r| bus.take_waiter(r)) {
                w.refuse(SendRefusal::Unavailable);
            }
        }
    }
}

impl Handoffs for ClusterHandoffs {
    fn hand_off(&self, handoff: Handoff, receipt: EventReceipt) {
        match serde_json::to_vec(&handoff) {
            Ok(body) => self.enqueue(Pending { kind: HANDOFF_KIND, body, partition: handoff.partition, done: Done::Event(receipt) }),
            Err(e) => receipt.fail(&format!("events could not be serialised for another node: {e}")),
        }
    }

    fn hand_off_command(&self, mut handoff: CommandHandoff, waiter: Option<Waiter>) {
        let request = waiter.filter(Waiter::waits).map(|w| {
            let request = uuid::Uuid::new_v4();
            self.bus.await_answer(request, w, ANSWER_WAIT);
            request
        });
        handoff.reply = request.map(|request| ReplyAddress { node: self.bus.node_id().to_owned(), request });
        match serde_json::to_vec(&handoff) {
            Ok(body) => self.enqueue(Pending { kind: COMMAND_KIND, body, partition: handoff.partition, done: Done::Command(request) }),
            Err(e) => fail(&self.bus, Done::Command(request), &e.to_string()),
        }
    }
}

/// Stores everything waiting in one insert, then tells each sender and
/// wakes each partition's owner once.
async fn writer(pool: PgPool, bus: Arc<FrameBus>, mut rx: mpsc::UnboundedReceiver<Pending>) {
    let mut group = Vec::with_capacity(MAX_PER_COMMIT);
    while rx.recv_many(&mut group, MAX_PER_COMMIT).await > 0 {
        let kinds: Vec<&str> = group.iter().map(|p| p.kind).collect();
        let bodies: Vec<&[u8]> = group.iter().map(|p| p.body.as_slice()).collect();
        let partitions: Vec<i32> = group.iter().map(|p| i32::from(p.partition)).collect();
        let res = sqlx::query(
            "INSERT INTO webhook_inbox (kind, body, partition, next_attempt_at)
             SELECT u.kind, u.body, u.partition, now() FROM UNNEST($1::text[], $2::bytea[], $3::int[]) AS u(kind, body, partition)",
        )
        .bind(&kinds)
        .bind(&bodies)
        .bind(&partitions)
        .execute(&pool)
        .await;
        match res {
            Ok(_) => {
                let woken: BTreeSet<u16> = group.iter().map(|p| p.partition).collect();
                for p in group.drain(..) {
                    if let Done::Event(receipt) = p.done {
                        receipt.complete();
                    }
                }
                for partition in woken {
                    bus.wake(partition);
                }
            }
            Err(e) => {
                let why = e.to_string();
                for p in group.drain(..) {
                    fail(&bus, p.done, &why);
                }
            }
        }
    }
}
