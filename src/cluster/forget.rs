//! What a node keeps in memory about data another node may change: the
//! tenants' active flows, the channel routing table, channels' access
//! tokens, the contacts cache. Whoever changes such data calls
//! [`AppState::forget`]: this node forgets at once, and (several nodes) the
//! others are told over Redis and forget too.

use crate::startup::AppState;
use serde::{Deserialize, Serialize};
use whatsflow_actors::ids::{ChannelId, ContactId, TenantId};

/// Something every node must stop trusting its memory of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Forget {
    /// A tenant's active flows changed (published, paused, the account
    /// suspended or restored).
    Flows(TenantId),
    /// A number was connected, changed or disconnected.
    Channel {
        /// Meta's id of the number.
        phone_number_id: String,
    },
    /// A number's access token changed or went.
    Token(ChannelId),
    /// A contact was deleted or merged away.
    Contact(TenantId, ContactId),
}

impl Forget {
    /// Forgets it on this node only (what the bus does for the others).
    pub fn apply(&self, state: &AppState) {
        match self {
            Forget::Flows(tenant) => state.flows.invalidate(*tenant),
            Forget::Channel { phone_number_id } => state.router.forget_channel(phone_number_id),
            Forget::Token(channel) => state.graph.forget_token(*channel),
            Forget::Contact(tenant, contact) => state.router.contact_removed(*tenant, *contact),
        }
    }
}

impl AppState {
    /// Forgets `what` here and, with several nodes, everywhere.
    pub fn forget(&self, what: Forget) {
        what.apply(self);
        if let Some(c) = &self.cluster {
            c.bus.forget(&what);
        }
    }
}
