//! Several nodes on one Postgres and one Redis (cluster mode, when
//! `REDIS_URL` is set): conversations hash into partitions ([`partition`]),
//! each owned by one node through a lease with a fencing epoch ([`lease`]);
//! events that reach a node which does not own their conversation are handed
//! durably to the owner ([`handoff`]); frames reach agents on every node
//! over Redis ([`bus`]). Without `REDIS_URL` none of this runs.

pub mod bus;
pub mod forget;
pub mod handoff;
pub mod lease;
pub mod partition;
pub mod rate;

use crate::config::{env_var, secs_var, ConfigError};
use std::sync::Arc;
use std::time::Duration;

/// Default lease: a node that dies is replaced within about this long.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(10);

/// The cluster's settings.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// `WHATSFLOW_NODE_ID`: this node's name (default: random per process).
    pub node_id: Option<String>,
    /// `WHATSFLOW_LEASE_SECS`: how long a partition lease lasts unrenewed.
    pub lease: Duration,
    /// How many partitions the conversations hash into.
    pub partitions: u16,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        Self { node_id: None, lease: DEFAULT_LEASE, partitions: partition::DEFAULT_PARTITIONS }
    }
}

impl ClusterConfig {
    /// Reads `WHATSFLOW_NODE_ID` and `WHATSFLOW_LEASE_SECS`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let node_id = env_var("WHATSFLOW_NODE_ID");
        if let Some(id) = &node_id {
            if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.') {
                return Err(ConfigError::Invalid {
                    var: "WHATSFLOW_NODE_ID",
                    problem: "must be 1 to 64 letters, digits, '-', '_' or '.' (e.g. node-a)".into(),
                });
            }
        }
        let lease = secs_var("WHATSFLOW_LEASE_SECS", DEFAULT_LEASE)?;
        if lease < Duration::from_secs(1) {
            return Err(ConfigError::Invalid { var: "WHATSFLOW_LEASE_SECS", problem: "must be at least 1 second".into() });
        }
        Ok(Self { node_id, lease, partitions: partition::DEFAULT_PARTITIONS })
    }

    /// This node's id: the configured one or a fresh random one.
    pub fn node_id(&self) -> String {
        self.node_id.clone().unwrap_or_else(|| format!("node-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]))
    }
}

/// A running node's part of the cluster.
pub struct Cluster {
    /// Its partition leases.
    pub leases: Arc<lease::Leases>,
    /// Its bus to the other nodes.
    pub bus: Arc<bus::FrameBus>,
    /// Its Redis (the bus and the shared send rates open their connections).
    pub client: redis::Client,
    /// The lease rounds' task, stopped on shutdown before the leases are
    /// handed back (so it cannot take them again).
    pub rounds: std::sync::Mutex<Option<tokio::task::AbortHandle>>,
}

impl Cluster {
    /// Whether this node runs a piece of work, by its id (for the workers
    /// that must run once: campaigns, team routing).
    pub fn runs_here(&self) -> Arc<dyn Fn(uuid::Uuid) -> bool + Send + Sync> {
        let leases = self.leases.clone();
        Arc::new(move |id| leases.runs(id))
    }

    /// Stops the lease rounds and hands every partition back.
    pub async fn leave(&self) -> Result<(), sqlx::Error> {
        if let Some(rounds) = self.rounds.lock().unwrap_or_else(|e| e.into_inner()).take() {
            rounds.abort();
        }
        self.leases.release_all().await
    }

    /// What `/ready` says about the cluster.
    pub fn readiness(&self) -> serde_json::Value {
        serde_json::json!({
            "node_id": self.leases.node_id(),
            "partitions_owned": self.leases.owned().len(),
            "redis": if self.bus.redis_ok() { "ok" } else { "unavailable" },
        })
    }
}
