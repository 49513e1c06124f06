//! Meta's WhatsApp Cloud API as the engine sees it: webhook payloads parsed
//! into typed events at the edge, before any actor touches them.

pub mod webhook;

pub use webhook::{
    parse_webhook, InboundMessage, MarketingPreference, MessagingLimit, ParsedWebhook, RejectedEvent, StatusUpdate, TemplateStatusUpdate,
    WebhookEvent, WebhookParseError,
};
