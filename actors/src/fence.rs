//! The fencing token of a partition lease, as the store checks it: its own
//! module so the ports and the outbox can carry it without depending on the
//! ownership machinery.

/// A partition lease as a conversation actor holds it: the store refuses a
/// write under an epoch that is no longer the partition's (fencing), so a
/// node that lost its lease (paused, cut off) can neither write nor send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fence {
    /// The partition the conversation hashes into.
    pub partition: u16,
    /// The lease's epoch when this node acquired it (only grows).
    pub epoch: i64,
}
