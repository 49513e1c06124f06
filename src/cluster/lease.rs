//! Partition leases in Postgres: each node heartbeats, aims for its share of
//! the partitions, acquires free ones (bumping their epoch), renews all it
//! holds in one statement, and releases its surplus (and everything on
//! shutdown). Expiry is by the database's clock; a node whose renewal has
//! not succeeded for two thirds of the lease treats itself as owning
//! nothing (self-fencing) before the lease can run out under it.

use super::partition::partition_of;
use sqlx::{PgPool, Row};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};
use whatsflow_actors::ownership::{Claim, Fence, Ownership};
use whatsflow_actors::protocol::ConversationKey;

/// What a node holds: partition → epoch, and when that was last confirmed.
struct Held {
    epochs: Vec<Option<i64>>,
    renewed: Option<Instant>,
}

/// This node's leases (see the module doc).
pub struct Leases {
    node_id: String,
    partitions: u16,
    lease: Duration,
    pool: PgPool,
    held: RwLock<Held>,
    /// Serialises ticks (the periodic one and shutdown).
    ticking: tokio::sync::Mutex<()>,
    /// Partitions acquired since start.
    pub acquired: AtomicU64,
    /// Partitions lost to expiry (found taken or expired at renewal).
    pub lost: AtomicU64,
    /// Partitions handed back (surplus or shutdown).
    pub released: AtomicU64,
    /// Nodes alive at the last round (this one included).
    live: AtomicU64,
    last_error: Mutex<Option<String>>,
    suspended: std::sync::atomic::AtomicBool,
}

impl Leases {
    /// Leases of `node_id` over `partitions`, each valid for `lease`.
    pub fn new(pool: PgPool, node_id: String, partitions: u16, lease: Duration) -> Self {
        Self {
            node_id,
            partitions,
            lease,
            pool,
            held: RwLock::new(Held { epochs: vec![None; usize::from(partitions)], renewed: None }),
            ticking: tokio::sync::Mutex::new(()),
            acquired: AtomicU64::new(0),
            lost: AtomicU64::new(0),
            released: AtomicU64::new(0),
            live: AtomicU64::new(1),
            last_error: Mutex::new(None),
            suspended: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The partition of a conversation.
    pub fn partition_of(&self, channel: whatsflow_actors::ids::ChannelId, contact: whatsflow_actors::ids::ContactId) -> u16 {
        partition_of(channel, contact, self.partitions)
    }

    /// Whether this node runs the piece of work `id` now (a campaign, a
    /// drip sequence, a team's routing): it owns the work's partition.
    pub fn runs(&self, id: uuid::Uuid) -> bool {
        self.owns(super::partition::partition_of_work(id, self.partitions))
    }

    /// Nodes alive at the last round (this one included).
    pub fn live_nodes(&self) -> u32 {
        u32::try_from(self.live.load(Ordering::Relaxed)).unwrap_or(u32::MAX).max(1)
    }

    /// This node's id.
    pub fn node_id(&self) -> &str {
        &self.node_id
    }

    /// How often to tick: a fifth of the lease, so an orphaned partition is
    /// taken within the lease and one tick of its expiry.
    pub fn tick_every(&self) -> Duration {
        (self.lease / 5).max(Duration::from_millis(100))
    }

    fn fresh(held: &Held, lease: Duration) -> bool {
        held.renewed.is_some_and(|t| t.elapsed() < lease * 2 / 3)
    }

    /// Partitions this node may run now (none when its renewal is stale).
    pub fn owned(&self) -> Vec<i32> {
        let held = self.held.read().unwrap_or_else(|e| e.into_inner());
        if !Self::fresh(&held, self.lease) {
            return Vec::new();
        }
        held.epochs.iter().enumerate().filter(|(_, e)| e.is_some()).map(|(p, _)| p as i32).collect()
    }

    /// Whether this node may run `partition` now.
    pub fn owns(&self, partition: u16) -> bool {
        let held = self.held.read().unwrap_or_else(|e| e.into_inner());
        Self::fresh(&held, self.lease) && held.epochs.get(usize::from(partition)).is_some_and(|e| e.is_some())
    }

    /// Stops (or restarts) this node's lease rounds, heartbeat and renewal,
    /// exactly as a paused process (SIGSTOP, a long GC-like stall) would:
    /// the chaos tests use it to check that such a node self-fences and that
    /// its first write after waking is refused.
    pub fn suspend_rounds(&self, suspended: bool) {
        self.suspended.store(suspended, Ordering::Relaxed);
    }

    /// The last error of a tick, if the last one failed.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Creates the lease rows (once for the cluster) and registers the node.
    pub async fn prepare(&self) -> Result<(), sqlx::Error> {
        sqlx::query(
            "WITH p AS (INSERT INTO partition_leases (partition) SELECT generate_series(0, $1 - 1) ON CONFLICT DO NOTHING RETURNING partition)
             INSERT INTO partition_epochs (partition) SELECT partition FROM p",
        )
        .bind(i32::from(self.partitions))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// One round: heartbeat, renew, then acquire up to this node's share or
    /// release the surplus. Errors leave the held set as it was (and the
    /// self-fence by time applies).
    /// Returns the partitions newly acquired (their owner must pick up what
    /// their previous owner left: flow runs waiting, sends in doubt).
    pub async fn tick(&self) -> Result<Vec<u16>, sqlx::Error> {
        let _one = self.ticking.lock().await;
        if self.suspended.load(Ordering::Relaxed) {
            return Ok(Vec::new());
        }
        let res = self.round().await;
        *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = res.as_ref().err().map(|e| e.to_string());
        res
    }

    async fn round(&self) -> Result<Vec<u16>, sqlx::Error> {
        let mut newly = Vec::new();
        let lease_ms = i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX);
        let started = Instant::now();
        let live: i64 = sqlx::query_scalar(
            "WITH beat AS (
                 INSERT INTO cluster_nodes (node_id) VALUES ($1)
                 ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = now()
                 RETURNING node_id)
             SELECT 1 + count(*) FROM cluster_nodes
             WHERE node_id <> $1 AND heartbeat_at > now() - make_interval(secs => $2::double precision / 1000)",
        )
        .bind(&self.node_id)
        .bind(lease_ms)
        .fetch_one(&self.pool)
        .await?;
        self.live.store(u64::try_from(live.max(1)).unwrap_or(1), Ordering::Relaxed);
        let renewed = sqlx::query(
            "UPDATE partition_leases l SET expires_at = now() + make_interval(secs => $2::double precision / 1000)
             WHERE node_id = $1 AND expires_at > now()
             RETURNING l.partition, (SELECT e.epoch FROM partition_epochs e WHERE e.partition = l.partition) AS epoch",
        )
        .bind(&self.node_id)
        .bind(lease_ms)
        .fetch_all(&self.pool)
        .await?;
        let mut now_held: Vec<Option<i64>> = vec![None; usize::from(self.partitions)];
        for row in &renewed {
            let (p, epoch): (i32, i64) = (row.try_get("partition")?, row.try_get("epoch")?);
            if let Some(slot) = usize::try_from(p).ok().and_then(|p| now_held.get_mut(p)) {
                *slot = Some(epoch);
            }
        }
        let share = usize::from(self.partitions).div_ceil(usize::try_from(live.max(1)).unwrap_or(1));
        let mut count = now_held.iter().filter(|e| e.is_some()).count();
        let mut surplus = Vec::new();
        if count < share {
            let got = sqlx::query(
                // The epoch rows are locked in partition order, as commits
                // share-lock them: a takeover waits for commits under the old
                // epoch to finish, and never deadlocks with them.
                "WITH free AS (
                     SELECT partition FROM partition_leases
                     WHERE partition < $4 AND (expires_at IS NULL OR expires_at <= now())
                     ORDER BY partition LIMIT $3 FOR UPDATE SKIP LOCKED),
                 locked AS (
                     SELECT e.partition FROM partition_epochs e JOIN free USING (partition)
                     ORDER BY e.partition FOR UPDATE OF e),
                 bumped AS (
                     UPDATE partition_epochs e SET epoch = e.epoch + 1 FROM locked
                     WHERE e.partition = locked.partition RETURNING e.partition, e.epoch)
                 UPDATE partition_leases l
                 SET node_id = $1, expires_at = now() + make_interval(secs => $2::double precision / 1000)
                 FROM bumped WHERE l.partition = bumped.partition
                 RETURNING l.partition, bumped.epoch",
            )
            .bind(&self.node_id)
            .bind(lease_ms)
            .bind(i64::try_from(share - count).unwrap_or(0))
            .bind(i32::from(self.partitions))
            .fetch_all(&self.pool)
            .await?;
            for row in &got {
                let (p, epoch): (i32, i64) = (row.try_get("partition")?, row.try_get("epoch")?);
                if let Some(slot) = usize::try_from(p).ok().and_then(|p| now_held.get_mut(p)) {
                    *slot = Some(epoch);
                    count += 1;
                    newly.extend(u16::try_from(p).ok());
                }
            }
            self.acquired.fetch_add(got.len() as u64, Ordering::Relaxed);
            if !got.is_empty() {
                tracing::info!(node_id = %self.node_id, acquired = got.len(), owned = count, share, "partition leases acquired");
            }
        } else if count > share {
            // Hand back the highest partitions: they stop being run here
            // now, and are released below once in-flight commits are done.
            for (p, slot) in now_held.iter_mut().enumerate().rev() {
                if count <= share {
                    break;
                }
                if slot.take().is_some() {
                    surplus.push(p as i32);
                    count -= 1;
                }
            }
        }
        {
            let mut held = self.held.write().unwrap_or_else(|e| e.into_inner());
            let lost = held.epochs.iter().zip(&now_held).filter(|(was, now)| was.is_some() && now.is_none()).count();
            let lost = lost.saturating_sub(surplus.len());
            if lost > 0 {
                self.lost.fetch_add(lost as u64, Ordering::Relaxed);
                tracing::warn!(node_id = %self.node_id, lost, "partition leases lost (expired or taken by another node)");
            }
            held.epochs = now_held;
            held.renewed = Some(started);
        }
        if !surplus.is_empty() {
            self.release(&surplus).await?;
        }
        Ok(newly)
    }

    /// Releases `partitions` after a short flush (they already stopped
    /// taking new work): commits under their epoch started before now are
    /// given time to finish, later ones are refused by their fence.
    async fn release(&self, partitions: &[i32]) -> Result<(), sqlx::Error> {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let n = sqlx::query("UPDATE partition_leases SET expires_at = now() WHERE node_id = $1 AND partition = ANY($2)")
            .bind(&self.node_id)
            .bind(partitions)
            .execute(&self.pool)
            .await?
            .rows_affected();
        self.released.fetch_add(n, Ordering::Relaxed);
        tracing::info!(node_id = %self.node_id, released = n, "partition leases handed back");
        Ok(())
    }

    /// Hands every partition back and leaves the cluster (graceful shutdown):
    /// the other nodes take them on their next tick.
    pub async fn release_all(&self) -> Result<(), sqlx::Error> {
        let _one = self.ticking.lock().await;
        let mine: Vec<i32> = {
            let mut held = self.held.write().unwrap_or_else(|e| e.into_inner());
            let mine = held.epochs.iter().enumerate().filter(|(_, e)| e.is_some()).map(|(p, _)| p as i32).collect();
            held.epochs.iter_mut().for_each(|e| *e = None);
            mine
        };
        self.release(&mine).await?;
        sqlx::query("DELETE FROM cluster_nodes WHERE node_id = $1").bind(&self.node_id).execute(&self.pool).await?;
        Ok(())
    }
}

impl Ownership for Leases {
    fn claim(&self, key: &ConversationKey) -> Claim {
        let partition = partition_of(key.channel_id, key.contact_id, self.partitions);
        let held = self.held.read().unwrap_or_else(|e| e.into_inner());
        if !Self::fresh(&held, self.lease) {
            return Claim::Elsewhere(partition);
        }
        match held.epochs.get(usize::from(partition)).copied().flatten() {
            Some(epoch) => Claim::Leased(Fence { partition, epoch }),
            None => Claim::Elsewhere(partition),
        }
    }
}
