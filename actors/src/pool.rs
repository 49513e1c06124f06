//! The arbiters (threads with their own event loops) that conversation and
//! tenant actors live on. An actor is placed by hashing its key, so load
//! spreads evenly and one busy conversation never starves the HTTP workers.

use actix::{Arbiter, ArbiterHandle};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

/// A fixed set of arbiters.
#[derive(Clone)]
pub struct ArbiterPool {
    handles: Arc<Vec<ArbiterHandle>>,
}

impl ArbiterPool {
    /// Starts `n` arbiters (at least one).
    pub fn start(n: usize) -> Self {
        let handles = (0..n.max(1))
            .map(|_| {
                let arbiter = Arbiter::new();
                let handle = arbiter.handle();
                // The thread lives until the handle is told to stop; the
                // `Arbiter` value itself is only a join handle.
                std::mem::forget(arbiter);
                handle
            })
            .collect();
        Self { handles: Arc::new(handles) }
    }

    /// The arbiter for a key.
    pub fn pick<K: Hash>(&self, key: &K) -> &ArbiterHandle {
        let mut h = DefaultHasher::new();
        key.hash(&mut h);
        let idx = usize::try_from(h.finish() % self.handles.len() as u64).unwrap_or(0);
        &self.handles[idx]
    }

    /// Stops every arbiter (at shutdown).
    pub fn stop(&self) {
        for h in self.handles.iter() {
            h.stop();
        }
    }
}
