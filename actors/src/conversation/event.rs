//! [`Event`]: something that happened to the conversation, to be committed
//! in arrival order. It carries the receipt of its inbox row, completed only
//! once the event is durable (or failed back for the row to be retried).

use super::{ConversationActor, Work};
use crate::meta::{InboundMessage, StatusUpdate};
use crate::outbound::SendOutcome;
use crate::parked::ParkedWork;
use crate::ports::HeldEvent;
use crate::protocol::ConversationKey;
use crate::ticket::EventReceipt;
use actix::prelude::*;

/// What happened.
#[derive(Debug)]
pub enum EventKind {
    /// A customer message.
    Inbound(InboundMessage),
    /// A status for one of our messages.
    Status(StatusUpdate),
    /// A parked event whose message has appeared.
    Held(HeldEvent),
    /// Meta's answer to a send.
    SendResult(SendOutcome),
    /// Events fed back: a dead letter an operator retries. Queued as its
    /// events, one by one, each holding a share of the replay's receipt.
    Replay(Vec<ParkedWork>),
}

impl EventKind {
    /// A parked event, live again in the conversation `key`.
    pub fn from_parked(parked: ParkedWork, key: ConversationKey) -> Self {
        match parked {
            ParkedWork::Inbound { message } => Self::Inbound(*message),
            ParkedWork::Held { event } => Self::Held(event),
            ParkedWork::SendResult { message_id, result } => Self::SendResult(SendOutcome { message_id, conversation: key, result }),
        }
    }
}

/// Delivered by the tenant: an event and the receipt to complete once it is
/// durable.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// Completed after commit; failed back if the commit fails.
    pub receipt: EventReceipt,
}

impl Handler<Event> for ConversationActor {
    type Result = ();

    /// Queues the event in arrival order (a replay as its events, its
    /// receipt settling only when every one is durable) and commits it with
    /// whatever else is waiting.
    fn handle(&mut self, msg: Event, ctx: &mut Self::Context) {
        let _span = self.span().entered();
        self.received_from_tenant();
        match msg.kind {
            EventKind::Replay(parked) => {
                for p in parked {
                    let receipt = msg.receipt.share();
                    self.enqueue(Work::Event(EventKind::from_parked(p, self.key)), receipt);
                }
                msg.receipt.complete();
            }
            kind => self.enqueue(Work::Event(kind), msg.receipt),
        }
        self.flush(ctx);
    }
}
