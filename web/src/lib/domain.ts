// Generated from the server's Rust types by `cargo test generated_typescript`; do not edit.

/** Where a conversation stands. */
export const CONVERSATION_STATUSES = ["open", "pending", "resolved", "closed"] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

/** Where a message stands. */
export const MESSAGE_STATUSES = ["received", "pending", "accepted", "unconfirmed", "sent", "delivered", "read", "played", "failed"] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** What starts a flow. */
export const TRIGGER_TYPES_ALL = ["keyword", "welcome", "button", "referral", "manual", "campaign_reply"] as const;
export type TriggerType = (typeof TRIGGER_TYPES_ALL)[number];

/** How a keyword trigger compares. */
export const TRIGGER_MATCHES = ["exact", "contains", "regex"] as const;
export type TriggerMatch = (typeof TRIGGER_MATCHES)[number];

/** Where a flow run stands. */
export const RUN_STATUSES = ["running", "waiting", "paused", "completed", "failed", "stopped"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** What a person may do. */
export const ROLES = ["super_admin", "partner_admin", "tenant_admin", "agent"] as const;
export type Role = (typeof ROLES)[number];
