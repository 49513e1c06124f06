//! # whatsflow-actors
//!
//! The supervised actors of whatsflow and the WhatsApp rules they enforce.
//! This crate knows no HTTP and no SQL: it defines the ports it needs
//! ([`ports::Store`], [`ports::ChannelDirectory`], [`ports::EventSink`],
//! [`ports::Clock`], [`outbound::GraphTransport`], [`outbound::SendLedger`],
//! [`flow::ports::FlowStore`], [`flow::ports::FlowHttp`],
//! [`ticket::InboxSettler`]) and the server implements them.
//!
//! ## The actors
//!
//! - [`router::WebhookRouter`] — *not an actor*: a shared struct the HTTP
//!   workers call concurrently. It owns the channel cache (Meta's
//!   `phone_number_id` → channel) and the tenant registry, starts a tenant's
//!   actor on first use and hands it every event of that tenant.
//! - [`tenant::TenantActor`] — one per tenant. It owns the contact cache
//!   (customer identity → contact), the registry of its live conversation
//!   actors (starting them on the [`pool::ArbiterPool`], passivating them
//!   when idle) and one [`outbound::ChannelOutbox`] per business number. It is
//!   the only sender to its conversations (so it can count what it
//!   forwarded), and it routes each send's outcome back to its conversation.
//! - [`conversation::ConversationActor`] — one per live conversation
//!   (channel, contact). It owns the conversation's order (one queue of
//!   [`conversation::Event`]s, [`conversation::Command`]s and
//!   [`conversation::Control`]s), its sequence numbers, its 24-hour
//!   [`window::SessionWindow`], unread count and status, and its running
//!   flow. It commits in batches and only then tells agents and the outbox.
//! - [`flow::actor::FlowRun`] — one per running flow, started by its
//!   conversation. It owns the run's cursor, variables and timers, and asks
//!   its conversation only what a [`protocol::FlowRequest`] names (send,
//!   patch, notify, ended).
//! - [`outbound::ChannelOutbox`] — one per business number, started by the
//!   tenant. It owns the number's send rate (a token bucket with a reserve
//!   for live replies), the live and bulk lanes, retries with backoff and the
//!   never-twice rule for sends whose outcome is unknown; outcomes go to the
//!   tenant.
//!
//! Postgres owns the truth; actor state is a cache reloaded on restart. The
//! words the actors share ([`protocol::ConversationKey`], [`protocol::Lane`],
//! [`protocol::SendRequest`], [`protocol::SendRefusal`], reply handles, flow
//! requests) live in [`protocol`], a leaf, so no actor's module imports
//! another's in a circle (`tests/module_graph.rs` keeps it so).
//!
//! ## How a webhook event travels to a socket
//!
//! 1. The server verifies the POST's signature, stores the raw body in the
//!    inbox (committed before Meta gets its 200) and parses it with
//!    [`meta::parse_webhook`] into typed [`meta::WebhookEvent`]s.
//! 2. [`router::WebhookRouter::dispatch`] finds each event's channel by
//!    Meta's `phone_number_id` and sends it to that tenant's
//!    [`tenant::TenantActor`] as a [`tenant::RouteEvent`], with an
//!    [`ticket::EventReceipt`] tied to the inbox row.
//! 3. The tenant actor resolves the customer to a contact (its cache, else
//!    the store) and sends the [`conversation::Event`] to the
//!    [`conversation::ConversationActor`] of (channel, contact), starting it
//!    on one of the pool's threads if it is not live.
//! 4. The conversation actor queues the event in arrival order, numbers it,
//!    batches it with whatever else waits and commits through the store
//!    (idempotent on wamid; statuses monotonic; statuses and reactions for
//!    unknown messages held until the message appears), then publishes
//!    [`events::ConversationEvent`]s to the [`ports::EventSink`] — the
//!    server's hub, which fans them out to the sockets of the agents allowed
//!    to see the conversation — completes the receipts (which settles the
//!    inbox row) and hands customer messages to its flow.
//!
//! Sends travel the other way: an agent's socket or the API hands the tenant
//! a [`conversation::ConversationWork`] (through
//! [`router::WebhookRouter::command`]); the conversation stores the message,
//! answers the sender and gives it to the number's outbox, whose outcome
//! comes back through the tenant as an event.

pub mod conversation;
pub mod engine;
pub mod events;
pub mod fence;
pub mod flow;
pub mod identity;
pub mod ids;
pub mod media;
pub mod message;
pub mod meta;
pub mod metrics;
pub mod outbound;
pub mod ownership;
pub mod parked;
pub mod pool;
pub mod ports;
pub mod protocol;
pub mod remote;
pub mod router;
pub mod send;
pub mod template;
pub mod tenant;
pub mod ticket;
pub mod window;
