//! `BoundedCache`: a concurrent map with a size bound and an expiry, for the
//! server's caches (session versions, flow versions). Nothing cached here may
//! grow without bound: past its capacity the cache first drops what has
//! expired, then an arbitrary share of the rest (a cache, never the truth).

use dashmap::DashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// Share of entries dropped when a full cache has nothing expired.
const EVICT_DIVISOR: usize = 8;

/// See the module doc.
pub struct BoundedCache<K, V> {
    map: DashMap<K, (V, Instant)>,
    capacity: usize,
    ttl: Duration,
}

impl<K: Eq + Hash + Clone, V: Clone> BoundedCache<K, V> {
    /// A cache of at most `capacity` entries, each kept for `ttl`.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        Self { map: DashMap::new(), capacity: capacity.max(1), ttl }
    }

    /// The live value for `key`, if cached and not expired.
    pub fn get(&self, key: &K) -> Option<V> {
        let hit = self.map.get(key).filter(|e| e.1.elapsed() < self.ttl).map(|e| e.0.clone());
        if hit.is_none() {
            self.map.remove_if(key, |_, e| e.1.elapsed() >= self.ttl);
        }
        hit
    }

    /// Caches `value` for `key`, making room first when full.
    pub fn insert(&self, key: K, value: V) {
        if self.map.len() >= self.capacity && !self.map.contains_key(&key) {
            self.make_room();
        }
        self.map.insert(key, (value, Instant::now()));
    }

    /// Forgets `key`.
    pub fn remove(&self, key: &K) {
        self.map.remove(key);
    }

    /// Entries held now (reported in `/metrics`).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn make_room(&self) {
        let ttl = self.ttl;
        self.map.retain(|_, e| e.1.elapsed() < ttl);
        if self.map.len() >= self.capacity {
            let drop: Vec<K> = self.map.iter().take(self.capacity / EVICT_DIVISOR + 1).map(|e| e.key().clone()).collect();
            for k in drop {
                self.map.remove(&k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_grows_past_capacity_and_expires() {
        let c = BoundedCache::new(100, Duration::from_secs(60));
        for i in 0..1000 {
            c.insert(i, i);
            assert!(c.len() <= 100);
        }
        let short = BoundedCache::new(10, Duration::from_millis(1));
        short.insert(1, "x");
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(short.get(&1), None);
        assert!(short.is_empty());
    }
}
