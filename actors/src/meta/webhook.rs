//! Parses a Cloud API webhook POST body into typed events.
//!
//! One POST may carry many entries, each with many changes, each with many
//! messages and statuses (Meta batches up to 1,000 updates). The envelope must
//! be valid JSON of the documented shape or the whole POST is refused (400);
//! past that, every message and status is parsed on its own, so one bad event
//! is recorded as rejected while its neighbours are kept. Unknown fields are
//! ignored; unknown message types are kept as `unknown`.

use crate::identity::{ContactIdentity, PhoneNumber};
use crate::ids::Wamid;
use crate::message::MessageStatus;
use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Message types whose content sits under a key named like the type.
const KNOWN_TYPES: &[&str] = &[
    "text",
    "image",
    "audio",
    "video",
    "document",
    "sticker",
    "location",
    "contacts",
    "interactive",
    "button",
    "reaction",
    "order",
    "system",
    "unsupported",
    "request_welcome",
];

/// Why a POST body is not a webhook at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookParseError {
    /// Not JSON.
    #[error("body is not valid JSON: {0}")]
    Json(String),
    /// JSON, but not `{"object": …, "entry": [...]}`.
    #[error("body is not a WhatsApp webhook: {0}")]
    Shape(String),
}

/// Everything one POST carried.
#[derive(Debug, Clone, Default)]
pub struct ParsedWebhook {
    /// Events in the order Meta listed them.
    pub events: Vec<WebhookEvent>,
    /// Events that could not be understood, kept for the record.
    pub rejected: Vec<RejectedEvent>,
}

/// One update from Meta.
#[derive(Debug, Clone)]
pub enum WebhookEvent {
    /// A customer wrote in.
    Message(InboundMessage),
    /// A status for a message the business sent.
    Status(StatusUpdate),
    /// A template was approved, rejected, paused, …
    TemplateStatus(TemplateStatusUpdate),
    /// A customer stopped or resumed marketing messages (`user_preferences`).
    MarketingPreference(MarketingPreference),
    /// The business portfolio's messaging limit changed.
    MessagingLimit(MessagingLimit),
    /// A change of another field (account, quality, …), kept in the inbox.
    Other {
        /// The WABA (`entry.id`).
        waba_id: String,
        /// The change's `field`.
        field: String,
    },
}

/// An event that was not understood, and why.
#[derive(Debug, Clone)]
pub struct RejectedEvent {
    /// What is wrong with it.
    pub reason: String,
    /// The event as received.
    pub raw: Value,
}

/// Which number of which business an event belongs to (`change.value.metadata`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChannelAddress {
    /// Meta's id of the business number: how the tenant is found.
    pub phone_number_id: String,
    /// The number as displayed.
    pub display_phone_number: String,
    /// The WhatsApp Business Account (`entry.id`).
    pub waba_id: String,
}

/// A customer's message, of any type.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InboundMessage {
    /// The business number it was sent to.
    pub channel: ChannelAddress,
    /// Meta's id; idempotency key.
    pub wamid: Wamid,
    /// Who sent it.
    pub from: ContactIdentity,
    /// When the customer sent it (Meta's clock).
    pub timestamp: DateTime<Utc>,
    /// Cloud API type, or `unknown` for a type this engine does not know.
    pub kind: String,
    /// The type's object as received; for `unknown`, the whole message.
    pub content: Value,
    /// What it replies to, or forwarding info.
    pub context: Option<Value>,
    /// The click-to-WhatsApp ad that brought the customer.
    pub referral: Option<Value>,
    /// Meta's errors (unsupported messages).
    pub errors: Option<Value>,
}

impl InboundMessage {
    /// For a reaction: the wamid it reacts to and the emoji (empty or absent
    /// when the customer removed their reaction).
    pub fn reaction_target(&self) -> Option<(Wamid, Option<String>)> {
        if self.kind != "reaction" {
            return None;
        }
        let target = self.content.get("message_id")?.as_str()?;
        let emoji = self.content.get("emoji").and_then(Value::as_str).filter(|e| !e.is_empty()).map(str::to_owned);
        Some((Wamid(target.to_owned()), emoji))
    }
}

/// A status webhook for an outbound message.
#[derive(Debug, Clone)]
pub struct StatusUpdate {
    /// The business number that sent the message.
    pub channel: ChannelAddress,
    /// The message it is about.
    pub wamid: Wamid,
    /// The new status.
    pub status: MessageStatus,
    /// The customer the message went to.
    pub recipient: ContactIdentity,
    /// When Meta saw the status.
    pub timestamp: DateTime<Utc>,
    /// Errors of a failed message (`code`, `title`, `message`, `error_data`).
    pub errors: Option<Value>,
    /// Meta's conversation object (id, origin, expiry).
    pub conversation: Option<Value>,
    /// Meta's pricing object (billable, pricing_model, category, type).
    pub pricing: Option<Value>,
    /// `biz_opaque_callback_data` from the send, echoed back.
    pub callback_data: Option<String>,
}

/// A `user_preferences` change: a customer told WhatsApp to stop (or
/// resume) this business's marketing messages.
#[derive(Debug, Clone)]
pub struct MarketingPreference {
    /// The number it was said to.
    pub channel: ChannelAddress,
    /// Who.
    pub customer: ContactIdentity,
    /// Stop (true) or resume (false).
    pub stop: bool,
    /// When they said it (orders changes that arrive out of order).
    pub timestamp: DateTime<Utc>,
}

/// A `business_capability_update` or `phone_number_quality_update` that
/// names the portfolio's messaging limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagingLimit {
    /// The WABA (`entry.id`).
    pub waba_id: String,
    /// Unique customers per moving 24 hours; None for unlimited.
    pub daily_limit: Option<i64>,
    /// When Meta reported it (`entry.time`, else now).
    pub reported_at: DateTime<Utc>,
    /// The limit as a tier name (`TIER_2K`, `TIER_UNLIMITED`), shown per number.
    pub tier: String,
    /// The number a `phone_number_quality_update` is about (its display
    /// number); None for the portfolio-wide `business_capability_update`.
    pub display_phone_number: Option<String>,
    /// Its `event` (FLAGGED, UNFLAGGED, UPGRADE, DOWNGRADE, ONBOARDING, …).
    pub event: Option<String>,
}

/// A limit written as a tier name: Meta's own when it wrote one, else
/// from the number (-1 and None: unlimited).
pub fn tier_name(raw: &Value, daily_limit: Option<i64>) -> String {
    match (raw.as_str(), daily_limit) {
        (Some(t), _) => t.trim().to_uppercase(),
        (None, None) => "TIER_UNLIMITED".to_owned(),
        (None, Some(n)) if n >= 1_000 && n % 1_000 == 0 => format!("TIER_{}K", n / 1_000),
        (None, Some(n)) => format!("TIER_{n}"),
    }
}

/// A limit as Meta writes it: a number (-1 for unlimited) or a tier name
/// (`TIER_250`, `TIER_2K`, `TIER_10K`, `TIER_100K`, `TIER_UNLIMITED`).
/// Outer None when it is neither.
pub fn parse_limit(v: &Value) -> Option<Option<i64>> {
    match v {
        Value::Number(n) => n.as_i64().map(|n| (n >= 0).then_some(n)),
        Value::String(s) => {
            let tier = s.trim().to_uppercase();
            if tier == "TIER_UNLIMITED" || tier == "UNLIMITED" {
                return Some(None);
            }
            let digits = tier.strip_prefix("TIER_")?;
            let (num, scale) = match digits.strip_suffix('K') {
                Some(k) => (k, 1_000),
                None => (digits, 1),
            };
            num.parse::<i64>().ok().map(|n| Some(n * scale))
        }
        _ => None,
    }
}

/// A `message_template_status_update` change.
#[derive(Debug, Clone)]
pub struct TemplateStatusUpdate {
    /// The WABA that owns the template (`entry.id`).
    pub waba_id: String,
    /// `APPROVED`, `REJECTED`, `PAUSED`, `DISABLED`, …
    pub event: String,
    /// Meta's template id.
    pub template_id: String,
    /// Template name.
    pub name: String,
    /// Template language code.
    pub language: String,
    /// Rejection or pause reason, if any.
    pub reason: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    object: Option<String>,
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default, deserialize_with = "string_or_number")]
    id: String,
    #[serde(default)]
    time: Option<i64>,
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Deserialize)]
struct Change {
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: Value,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    })
}

/// Parses a webhook body. Errors only when the body is not a webhook at all.
pub fn parse_webhook(body: &[u8]) -> Result<ParsedWebhook, WebhookParseError> {
    let env: Envelope = serde_json::from_slice(body).map_err(|e| {
        if e.is_data() {
            WebhookParseError::Shape(e.to_string())
        } else {
            WebhookParseError::Json(e.to_string())
        }
    })?;
    if let Some(obj) = &env.object {
        if obj != "whatsapp_business_account" {
            return Err(WebhookParseError::Shape(format!("object is `{obj}`, expected `whatsapp_business_account`")));
        }
    }
    let mut out = ParsedWebhook::default();
    for entry in env.entry {
        for change in entry.changes {
            parse_change(&entry.id, entry.time, change, &mut out);
        }
    }
    Ok(out)
}

fn parse_change(waba_id: &str, time: Option<i64>, change: Change, out: &mut ParsedWebhook) {
    match change.field.as_str() {
        "business_capability_update" | "phone_number_quality_update" => {
            // `current_limit` is the older name (Meta retires it in 2026).
            let limit = ["max_daily_conversations_per_business", "max_daily_conversation_per_phone", "current_limit"]
                .iter()
                .find_map(|k| change.value.get(*k));
            match limit {
                // A number not used yet has no limit to report.
                Some(Value::String(t)) if t.eq_ignore_ascii_case("TIER_NOT_SET") => {
                    out.events.push(WebhookEvent::Other { waba_id: waba_id.to_owned(), field: change.field })
                }
                Some(v) => match parse_limit(v) {
                    Some(daily_limit) => {
                        let per_number = change.field == "phone_number_quality_update";
                        let text =
                            |k: &str| change.value.get(k).and_then(Value::as_str).map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
                        out.events.push(WebhookEvent::MessagingLimit(MessagingLimit {
                            waba_id: waba_id.to_owned(),
                            daily_limit,
                            reported_at: time.and_then(|t| Utc.timestamp_opt(t, 0).single()).unwrap_or_else(Utc::now),
                            tier: tier_name(v, daily_limit),
                            display_phone_number: if per_number { text("display_phone_number") } else { None },
                            event: if per_number { text("event").map(|e| e.to_uppercase()) } else { None },
                        }))
                    }
                    None => out
                        .rejected
                        .push(RejectedEvent { reason: format!("messaging limit {v} is not a number or a tier"), raw: change.value }),
                },
                None => out.events.push(WebhookEvent::Other { waba_id: waba_id.to_owned(), field: change.field }),
            }
        }
        "messages" => parse_messages_value(waba_id, change.value, out),
        "message_template_status_update" => match template_status(waba_id, &change.value) {
            Ok(t) => out.events.push(WebhookEvent::TemplateStatus(t)),
            Err(reason) => out.rejected.push(RejectedEvent { reason, raw: change.value }),
        },
        "user_preferences" => parse_user_preferences(waba_id, change.value, out),
        "" => out.rejected.push(RejectedEvent { reason: "change has no `field`".into(), raw: change.value }),
        other => out.events.push(WebhookEvent::Other { waba_id: waba_id.to_owned(), field: other.to_owned() }),
    }
}

fn parse_messages_value(waba_id: &str, value: Value, out: &mut ParsedWebhook) {
    let Value::Object(mut value) = value else {
        out.rejected.push(RejectedEvent { reason: "change value is not an object".into(), raw: value });
        return;
    };
    let Some(channel) = channel_address(waba_id, &value) else {
        out.rejected.push(RejectedEvent { reason: "change has no metadata.phone_number_id".into(), raw: Value::Object(value) });
        return;
    };
    let contacts = match value.remove("contacts") {
        Some(Value::Array(c)) => c,
        _ => Vec::new(),
    };
    if let Some(Value::Array(messages)) = value.remove("messages") {
        for raw in messages {
            match inbound_message(&channel, &contacts, &raw) {
                Ok(m) => out.events.push(WebhookEvent::Message(m)),
                Err(reason) => out.rejected.push(RejectedEvent { reason, raw }),
            }
        }
    }
    if let Some(Value::Array(statuses)) = value.remove("statuses") {
        for raw in statuses {
            match status_update(&channel, &contacts, &raw) {
                Ok(s) => out.events.push(WebhookEvent::Status(s)),
                Err(reason) => out.rejected.push(RejectedEvent { reason, raw }),
            }
        }
    }
}

fn channel_address(waba_id: &str, value: &Map<String, Value>) -> Option<ChannelAddress> {
    let meta = value.get("metadata")?;
    let phone_number_id = str_field(meta, "phone_number_id")?;
    Some(ChannelAddress {
        phone_number_id,
        display_phone_number: str_field(meta, "display_phone_number").unwrap_or_default(),
        waba_id: waba_id.to_owned(),
    })
}

/// A string field that Meta may also write as a number.
fn str_field(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn timestamp(v: &Value) -> Option<DateTime<Utc>> {
    let secs = match v.get("timestamp")? {
        Value::String(s) => s.parse::<i64>().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    Utc.timestamp_opt(secs, 0).single()
}

/// Finds the `contacts[]` entry that describes the sender, by phone or user id.
fn matching_contact<'a>(contacts: &'a [Value], phone: Option<&str>, user_id: Option<&str>) -> Option<&'a Value> {
    contacts
        .iter()
        .find(|c| {
            let by_phone = phone.is_some() && str_field(c, "wa_id").as_deref() == phone;
            let by_user = user_id.is_some() && str_field(c, "user_id").as_deref() == user_id;
            by_phone || by_user
        })
        .or_else(|| if contacts.len() == 1 { contacts.first() } else { None })
}

fn identity(phone_raw: Option<String>, user_id: Option<String>, contacts: &[Value]) -> Result<ContactIdentity, String> {
    let contact = matching_contact(contacts, phone_raw.as_deref(), user_id.as_deref());
    let phone_raw = phone_raw.or_else(|| contact.and_then(|c| str_field(c, "wa_id")));
    let user_id = user_id.or_else(|| contact.and_then(|c| str_field(c, "user_id")));
    let profile = contact.and_then(|c| c.get("profile"));
    let username = profile.and_then(|p| str_field(p, "username")).or_else(|| contact.and_then(|c| str_field(c, "username")));
    let name = profile.and_then(|p| str_field(p, "name"));
    let phone = match phone_raw {
        Some(raw) => Some(PhoneNumber::parse(&raw).map_err(|e| e.to_string())?),
        None => None,
    };
    if phone.is_none() && user_id.is_none() {
        return Err("event names no customer: no phone number (`from`/`wa_id`) and no user id".into());
    }
    Ok(ContactIdentity { phone, user_id, username, name })
}

fn inbound_message(channel: &ChannelAddress, contacts: &[Value], raw: &Value) -> Result<InboundMessage, String> {
    let wamid = str_field(raw, "id").ok_or("message has no `id`")?;
    let kind_raw = str_field(raw, "type").ok_or("message has no `type`")?;
    let from = identity(str_field(raw, "from"), str_field(raw, "from_user_id"), contacts)?;
    let (kind, content) = if KNOWN_TYPES.contains(&kind_raw.as_str()) {
        let content = raw.get(&kind_raw).cloned().unwrap_or(Value::Object(Map::new()));
        (kind_raw, content)
    } else {
        // A type Meta added after this engine was written, or Meta's own
        // `unknown`: keep everything so nothing is lost.
        ("unknown".to_owned(), raw.clone())
    };
    Ok(InboundMessage {
        channel: channel.clone(),
        wamid: Wamid(wamid),
        from,
        timestamp: timestamp(raw).unwrap_or_else(Utc::now),
        kind,
        content,
        context: raw.get("context").cloned(),
        referral: raw.get("referral").cloned(),
        errors: raw.get("errors").cloned(),
    })
}

fn status_update(channel: &ChannelAddress, contacts: &[Value], raw: &Value) -> Result<StatusUpdate, String> {
    let wamid = str_field(raw, "id").ok_or("status has no `id`")?;
    let status_raw = str_field(raw, "status").ok_or("status has no `status`")?;
    let status = MessageStatus::from_meta(&status_raw).ok_or_else(|| format!("status `{status_raw}` is not one the engine tracks"))?;
    let recipient = identity(str_field(raw, "recipient_id"), str_field(raw, "recipient_user_id"), contacts)?;
    Ok(StatusUpdate {
        channel: channel.clone(),
        wamid: Wamid(wamid),
        status,
        recipient,
        timestamp: timestamp(raw).unwrap_or_else(Utc::now),
        errors: raw.get("errors").cloned(),
        conversation: raw.get("conversation").cloned(),
        pricing: raw.get("pricing").cloned(),
        callback_data: str_field(raw, "biz_opaque_callback_data"),
    })
}

fn parse_user_preferences(waba_id: &str, value: Value, out: &mut ParsedWebhook) {
    let Value::Object(value) = value else {
        out.rejected.push(RejectedEvent { reason: "change value is not an object".into(), raw: value });
        return;
    };
    let Some(channel) = channel_address(waba_id, &value) else {
        out.rejected.push(RejectedEvent { reason: "change has no metadata.phone_number_id".into(), raw: Value::Object(value) });
        return;
    };
    let contacts = value.get("contacts").and_then(Value::as_array).cloned().unwrap_or_default();
    for raw in value.get("user_preferences").and_then(Value::as_array).cloned().unwrap_or_default() {
        match user_preference(&channel, &contacts, &raw) {
            Ok(Some(p)) => out.events.push(WebhookEvent::MarketingPreference(p)),
            Ok(None) => {}
            Err(reason) => out.rejected.push(RejectedEvent { reason, raw }),
        }
    }
}

/// One preference; None for a category other than marketing messages.
fn user_preference(channel: &ChannelAddress, contacts: &[Value], raw: &Value) -> Result<Option<MarketingPreference>, String> {
    if str_field(raw, "category").is_some_and(|c| c != "marketing_messages") {
        return Ok(None);
    }
    let stop = match str_field(raw, "value").as_deref() {
        Some("stop") => true,
        Some("resume") => false,
        other => return Err(format!("user preference value {other:?} is neither `stop` nor `resume`")),
    };
    let customer = identity(str_field(raw, "wa_id"), str_field(raw, "user_id"), contacts)?;
    Ok(Some(MarketingPreference { channel: channel.clone(), customer, stop, timestamp: timestamp(raw).unwrap_or_else(Utc::now) }))
}

fn template_status(waba_id: &str, v: &Value) -> Result<TemplateStatusUpdate, String> {
    Ok(TemplateStatusUpdate {
        waba_id: waba_id.to_owned(),
        event: str_field(v, "event").ok_or("template status update has no `event`")?,
        template_id: str_field(v, "message_template_id").unwrap_or_default(),
        name: str_field(v, "message_template_name").ok_or("template status update has no `message_template_name`")?,
        language: str_field(v, "message_template_language").unwrap_or_default(),
        reason: str_field(v, "reason").filter(|r| r != "NONE"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn wrap(value: Value) -> Vec<u8> {
        json!({"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"messages","value":value}]}]})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn messaging_limits_are_read_as_numbers_or_tiers() {
        assert_eq!(parse_limit(&json!(2000)), Some(Some(2000)));
        assert_eq!(parse_limit(&json!(-1)), Some(None));
        assert_eq!(parse_limit(&json!("TIER_250")), Some(Some(250)));
        assert_eq!(parse_limit(&json!("TIER_10K")), Some(Some(10_000)));
        assert_eq!(parse_limit(&json!("TIER_UNLIMITED")), Some(None));
        assert_eq!(parse_limit(&json!("TIER_NOT_SET")), None);
        // Meta's example.
        let body = json!({"entry": [{"id": "524126980791429", "time": 1739321024, "changes": [{"value": {
            "max_daily_conversations_per_business": 2000, "max_phone_numbers_per_waba": 25}, "field": "business_capability_update"}]}],
            "object": "whatsapp_business_account"});
        let parsed = parse_webhook(body.to_string().as_bytes()).unwrap();
        let WebhookEvent::MessagingLimit(l) = &parsed.events[0] else { panic!("not a limit") };
        assert_eq!((l.waba_id.as_str(), l.daily_limit, l.reported_at.timestamp()), ("524126980791429", Some(2000), 1739321024));
        assert_eq!((l.tier.as_str(), l.display_phone_number.as_deref(), l.event.as_deref()), ("TIER_2K", None, None));
    }

    #[test]
    fn a_number_quality_update_names_its_number_event_and_tier() {
        // The shape of Meta's phone_number_quality_update reference.
        let body = json!({"entry": [{"id": "102290129340398", "time": 1739321024, "changes": [{"value": {
            "display_phone_number": "15550783881", "event": "FLAGGED", "current_limit": "TIER_10K",
            "max_daily_conversations_per_business": "TIER_10K"}, "field": "phone_number_quality_update"}]}],
            "object": "whatsapp_business_account"});
        let parsed = parse_webhook(body.to_string().as_bytes()).unwrap();
        let WebhookEvent::MessagingLimit(l) = &parsed.events[0] else { panic!("not a limit") };
        assert_eq!(l.daily_limit, Some(10_000));
        assert_eq!(
            (l.tier.as_str(), l.display_phone_number.as_deref(), l.event.as_deref()),
            ("TIER_10K", Some("15550783881"), Some("FLAGGED"))
        );
        assert_eq!(tier_name(&json!(-1), None), "TIER_UNLIMITED");
        assert_eq!(tier_name(&json!(250), Some(250)), "TIER_250");
    }

    #[test]
    fn a_user_preference_is_a_marketing_stop_or_resume() {
        // Meta's example, from the user_preferences webhook reference.
        let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"value": {
            "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "contacts": [{"wa_id": "16505551234"}],
            "user_preferences": [
                {"wa_id": "16505551234", "detail": "User requested to resume marketing messages", "category": "marketing_messages", "value": "resume", "timestamp": 1731705721},
                {"wa_id": "16505551234", "detail": "?", "category": "other_category", "value": "stop", "timestamp": 1731705722},
                {"wa_id": "16505551234", "category": "marketing_messages", "value": "maybe"}]},
            "field": "user_preferences"}]}]});
        let parsed = parse_webhook(body.to_string().as_bytes()).unwrap();
        assert_eq!(parsed.events.len(), 1, "only marketing preferences are events");
        let WebhookEvent::MarketingPreference(p) = &parsed.events[0] else { panic!("not a preference") };
        assert!(!p.stop);
        assert_eq!(p.customer.phone.as_ref().map(|x| x.as_str()), Some("+16505551234"));
        assert_eq!(p.timestamp.timestamp(), 1731705721);
        assert_eq!(p.channel.phone_number_id, "106540352242922");
        assert_eq!(parsed.rejected.len(), 1, "a value that is neither stop nor resume is rejected");
    }

    #[test]
    fn not_json_and_wrong_shape_are_distinct_errors() {
        assert!(matches!(parse_webhook(b"{nope"), Err(WebhookParseError::Json(_))));
        assert!(matches!(parse_webhook(b"{\"entry\": 3}"), Err(WebhookParseError::Shape(_))));
        assert!(matches!(parse_webhook(b"[]"), Err(WebhookParseError::Shape(_))));
    }

    #[test]
    fn one_bad_message_keeps_its_neighbours() {
        let body = wrap(json!({
            "metadata": {"phone_number_id": "PN", "display_phone_number": "1555"},
            "contacts": [{"wa_id": "16315551181", "profile": {"name": "Kerry"}}],
            "messages": [
                {"from": "16315551181", "id": "wamid.A", "timestamp": "1700000000", "type": "text", "text": {"body": "hi"}},
                {"from": "16315551181", "timestamp": "1700000001", "type": "text", "text": {"body": "no id"}},
                {"from": "16315551181", "id": "wamid.C", "timestamp": "1700000002", "type": "hologram", "hologram": {"x": 1}}
            ]
        }));
        let parsed = parse_webhook(&body).unwrap_or_default();
        assert_eq!(parsed.events.len(), 2);
        assert_eq!(parsed.rejected.len(), 1);
        let WebhookEvent::Message(m) = &parsed.events[1] else { panic!("not a message") };
        assert_eq!(m.kind, "unknown");
        assert_eq!(m.content["hologram"]["x"], 1);
        let WebhookEvent::Message(first) = &parsed.events[0] else { panic!("not a message") };
        assert_eq!(first.from.name.as_deref(), Some("Kerry"));
        assert_eq!(first.from.phone.as_ref().map(|p| p.as_str()), Some("+16315551181"));
    }

    #[test]
    fn username_only_sender_is_known_by_user_id() {
        let body = wrap(json!({
            "metadata": {"phone_number_id": "PN"},
            "contacts": [{"user_id": "US.42", "profile": {"name": "K", "username": "@k"}}],
            "messages": [{"from_user_id": "US.42", "id": "wamid.U", "timestamp": "1700000000", "type": "text", "text": {"body": "hi"}}]
        }));
        let parsed = parse_webhook(&body).unwrap_or_default();
        let WebhookEvent::Message(m) = &parsed.events[0] else { panic!("not a message") };
        assert_eq!(m.from.phone, None);
        assert_eq!(m.from.user_id.as_deref(), Some("US.42"));
        assert_eq!(m.from.username.as_deref(), Some("@k"));
    }
}
