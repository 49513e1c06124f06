//! Which node runs a conversation (several nodes share partitions through
//! leases; one node runs everything) and where work for another node's
//! conversations goes.

pub use crate::fence::Fence;

/// Where a conversation's work may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// On this node, as the only node (no lease to check).
    Local,
    /// On this node, under this lease.
    Leased(Fence),
    /// Another node owns (or is about to own) this partition.
    Elsewhere(u16),
}

impl Claim {
    /// The lease to run under here (`None` on one node), or the partition
    /// of the node that runs it instead.
    pub fn here(self) -> Result<Option<Fence>, u16> {
        match self {
            Claim::Local => Ok(None),
            Claim::Leased(fence) => Ok(Some(fence)),
            Claim::Elsewhere(partition) => Err(partition),
        }
    }
}

/// Which conversations this node may run (several nodes share partitions
/// through leases; one node runs everything).
pub trait Ownership: Send + Sync {
    /// Where `key`'s work may run now.
    fn claim(&self, key: &crate::protocol::ConversationKey) -> Claim;
    /// Whether this node runs every conversation (one node): then a new
    /// customer's conversation may be opened before its key is claimed,
    /// with the contact (see [`crate::ports::Store::resolve_contact_opening`]).
    fn runs_everything(&self) -> bool {
        false
    }
}

/// One node: every conversation is local.
pub struct SingleNode;

impl Ownership for SingleNode {
    fn claim(&self, _: &crate::protocol::ConversationKey) -> Claim {
        Claim::Local
    }

    fn runs_everything(&self) -> bool {
        true
    }
}

/// Hands events for a conversation this node does not own to the owner of
/// its partition, durably (the receipt completes once the hand-off is
/// stored, so the original inbox row settles only then).
pub trait Handoffs: Send + Sync {
    /// Stores `handoff` for its partition's owner and wakes it.
    fn hand_off(&self, handoff: crate::parked::Handoff, receipt: crate::ticket::EventReceipt);

    /// Stores a command for its partition's owner and wakes it; `waiter`
    /// (if any) is answered when the owner's answer comes back, or refused
    /// (to retry, with the same `client_id`) if it does not come in time.
    fn hand_off_command(&self, handoff: crate::remote::CommandHandoff, waiter: Option<crate::remote::Waiter>);
}

impl Handoffs for SingleNode {
    /// One node owns everything: nothing is ever handed off; if it were, the
    /// receipt fails back so the inbox row is retried rather than lost.
    fn hand_off(&self, _: crate::parked::Handoff, receipt: crate::ticket::EventReceipt) {
        receipt.fail("no other node to hand events to");
    }

    fn hand_off_command(&self, _: crate::remote::CommandHandoff, waiter: Option<crate::remote::Waiter>) {
        if let Some(w) = waiter {
            w.refuse(crate::protocol::SendRefusal::Unavailable);
        }
    }
}
