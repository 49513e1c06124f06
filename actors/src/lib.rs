//! # whatsflow-actors
//!
//! The supervised actors of whatsflow and the WhatsApp rules they enforce.
//! This crate knows no HTTP and no SQL: it defines the ports it needs
//! ([`ports::Store`], [`ports::ChannelDirectory`], [`ports::EventSink`],
//! [`ports::Clock`], [`ticket::InboxSettler`]) and the server implements them.
//!
//! ## How a webhook event travels
//!
//! 1. The server verifies the POST's signature, stores the raw body in the
//!    inbox (committed before Meta gets its 200) and parses it with
//!    [`meta::parse_webhook`] into typed [`meta::WebhookEvent`]s.
//! 2. [`router::WebhookRouter`] finds each event's channel by Meta's
//!    `phone_number_id` and sends it to that tenant's
//!    [`tenant::TenantActor`], with an [`ticket::EventReceipt`] tied to the
//!    inbox row.
//! 3. The tenant actor resolves the customer to a contact and forwards to the
//!    [`conversation::ConversationActor`] of (channel, contact), starting it
//!    on one of the [`pool::ArbiterPool`]'s threads if it is not live.
//! 4. The conversation actor numbers events, batches them and commits
//!    through the store (idempotent on wamid; statuses monotonic; statuses
//!    and reactions for unknown messages held until the message appears),
//!    then publishes [`events::ConversationEvent`]s to the sink (the agents'
//!    sockets) and completes the receipts, which settles the inbox row.
//!
//! ## Who owns what
//!
//! - The router owns the channel cache and the tenant registry.
//! - A tenant actor owns its contact cache and its conversation registry, and
//!   is the only sender to its conversation actors.
//! - A conversation actor owns its sequence numbers, its 24-hour
//!   [`window::SessionWindow`], unread count and status.
//! - Postgres owns the truth; actor state is a cache reloaded on restart.

pub mod conversation;
pub mod engine;
pub mod events;
pub mod flow;
pub mod identity;
pub mod ids;
pub mod media;
pub mod message;
pub mod meta;
pub mod metrics;
pub mod outbound;
pub mod parked;
pub mod pool;
pub mod ports;
pub mod router;
pub mod send;
pub mod template;
pub mod tenant;
pub mod ticket;
pub mod window;
