//! Typed ids: a `TenantId` can never be passed where a `ConversationId` is
//! expected, and every id prints and serialises as its bare value.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id (UUIDv7 keeps b-tree inserts local).
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    };
}

uuid_id!(
    /// A business on the platform; every tenant row carries it.
    TenantId
);
uuid_id!(
    /// A connected WhatsApp number (one Meta `phone_number_id`).
    ChannelId
);
uuid_id!(
    /// A customer, known by phone and/or Meta's business-scoped user id.
    ContactId
);
uuid_id!(
    /// The thread between one channel and one contact.
    ConversationId
);
uuid_id!(
    /// One stored message (inbound or outbound).
    MessageId
);
uuid_id!(
    /// A person who logs in: agent or admin.
    UserId
);
uuid_id!(
    /// A chatbot flow (all its versions).
    FlowId
);
uuid_id!(
    /// One run of a flow in one conversation.
    RunId
);
uuid_id!(
    /// A message template of a tenant.
    TemplateId
);
uuid_id!(
    /// An API key of a tenant.
    ApiKeyId
);
uuid_id!(
    /// A broadcast campaign of a tenant.
    CampaignId
);
uuid_id!(
    /// One recipient of a campaign (the send key's second half).
    RecipientId
);

/// Meta's message id (`wamid.…`): the idempotency key of every message and
/// the target of every status and reaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(transparent)]
pub struct Wamid(pub String);

impl Wamid {
    /// The id as Meta wrote it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Wamid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
