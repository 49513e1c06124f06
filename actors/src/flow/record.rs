//! A run as stored: where it stands ([`RunStatus`]), what it waits for
//! ([`Waiting`]) and its cursor and variables ([`RunRecord`]). Plain data,
//! shared by the driver, the run actor, the store and the HTTP API.

use super::Flow;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Executing nodes.
    Running,
    /// Waiting for the customer or a timer.
    Waiting,
    /// Handed to people, or paused by an agent's reply.
    Paused,
    /// Reached an end.
    Completed,
    /// Stopped by an error (kept with its reason).
    Failed,
    /// Stopped by an agent.
    Stopped,
}

impl RunStatus {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Waiting => "waiting",
            Self::Paused => "paused",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Stopped => "stopped",
        }
    }

    /// All of them.
    pub const ALL: [RunStatus; 6] = [Self::Running, Self::Waiting, Self::Paused, Self::Completed, Self::Failed, Self::Stopped];

    /// Reads the stored spelling (None for one this version does not know).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether the run still holds its conversation.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Running | Self::Waiting | Self::Paused)
    }
}

/// What a waiting run waits for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Waiting {
    /// A button or list reply.
    Reply {
        /// The node.
        node: String,
    },
    /// An answer to an input node.
    Input {
        /// The node.
        node: String,
        /// Asks left.
        retries: u32,
        /// When the timeout branch is taken.
        until: Option<DateTime<Utc>>,
    },
    /// A delay.
    Delay {
        /// The node.
        node: String,
        /// When it ends.
        until: DateTime<Utc>,
    },
}

impl Waiting {
    /// When a timer must fire.
    pub fn until(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Input { until, .. } => *until,
            Self::Delay { until, .. } => Some(*until),
            Self::Reply { .. } => None,
        }
    }
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Its id.
    pub id: uuid::Uuid,
    /// The flow.
    pub flow_id: uuid::Uuid,
    /// The flow version it runs (edits never touch it).
    pub version: i32,
    /// Status.
    pub status: RunStatus,
    /// The node to execute next (or being waited on).
    pub cursor: Option<String>,
    /// Variables.
    pub vars: Map<String, Value>,
    /// What it waits for.
    pub waiting: Option<Waiting>,
    /// Nodes executed, in order.
    pub path: Vec<String>,
    /// Steps taken: the idempotency key of each side effect.
    pub step: i64,
    /// Why it failed.
    pub error: Option<String>,
}

impl RunRecord {
    /// A fresh run at the flow's start.
    pub fn new(flow_id: uuid::Uuid, version: i32, flow: &Flow) -> Self {
        Self {
            id: uuid::Uuid::now_v7(),
            flow_id,
            version,
            status: RunStatus::Running,
            cursor: Some(flow.start.clone()),
            vars: Map::new(),
            waiting: None,
            path: Vec::new(),
            step: 0,
            error: None,
        }
    }
}
