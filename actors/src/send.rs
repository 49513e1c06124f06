//! Outbound messages as the domain sees them: what a sender asks for, the
//! Cloud API rules it must meet before it is queued, and why it may be
//! refused (the 24-hour window above all).

use crate::ids::Wamid;
use serde_json::{json, Value};

/// The request and its refusal live in [`crate::protocol`] (the conversation,
/// its flow run and the outbox all speak them); re-exported here, where
/// senders have always found them.
pub use crate::protocol::{SendRefusal, SendRequest};

/// Cloud API limits the engine checks before queueing (Meta rejects the rest).
pub mod limits {
    /// Text message body.
    pub const TEXT_BODY: usize = 4096;
    /// Media caption.
    pub const CAPTION: usize = 1024;
    /// Interactive body text.
    pub const INTERACTIVE_BODY: usize = 1024;
    /// Reply buttons per message.
    pub const REPLY_BUTTONS: usize = 3;
    /// Reply button title.
    pub const BUTTON_TITLE: usize = 20;
    /// List rows across all sections.
    pub const LIST_ROWS: usize = 10;
    /// List sections.
    pub const LIST_SECTIONS: usize = 10;
    /// List row title.
    pub const ROW_TITLE: usize = 24;
    /// List row description.
    pub const ROW_DESCRIPTION: usize = 72;
    /// List button label.
    pub const LIST_BUTTON: usize = 20;
}

/// Message types an agent or the API may send.
pub const SENDABLE_TYPES: &[&str] =
    &["text", "image", "audio", "video", "document", "sticker", "location", "contacts", "interactive", "template", "reaction"];

/// Checks a send against the Cloud API rules; the message names the fix.
pub fn validate(kind: &str, content: &Value) -> Result<(), String> {
    if !SENDABLE_TYPES.contains(&kind) {
        return Err(format!("`type` must be one of {}", SENDABLE_TYPES.join(", ")));
    }
    if kind == "contacts" {
        // The one type whose payload is an array of contact cards.
        return match content.as_array() {
            Some(cards) if !cards.is_empty() && cards.iter().all(|c| c.get("name").is_some()) => Ok(()),
            _ => Err("`contacts` must be a non-empty array of contact cards, each with a `name`".into()),
        };
    }
    let obj = content.as_object().ok_or_else(|| format!("`{kind}` must be an object, as in the Cloud API send payload"))?;
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(|s| s.chars().count());
    match kind {
        "text" => match text(obj.get("body")) {
            None | Some(0) => return Err("`text.body` is required".into()),
            Some(n) if n > limits::TEXT_BODY => {
                return Err(format!("`text.body` is {n} characters; WhatsApp allows at most {}", limits::TEXT_BODY))
            }
            _ => {}
        },
        "image" | "audio" | "video" | "document" | "sticker" => {
            let has_id = obj.get("id").and_then(Value::as_str).is_some_and(|s| !s.is_empty());
            let has_link = obj.get("link").and_then(Value::as_str).is_some_and(|s| s.starts_with("https://") || s.starts_with("http://"));
            if has_id == has_link {
                return Err(format!("`{kind}` needs exactly one of `id` (an uploaded media id) or `link` (an http(s) URL)"));
            }
            if text(obj.get("caption")).is_some_and(|n| n > limits::CAPTION) {
                return Err(format!("`{kind}.caption` is longer than {} characters", limits::CAPTION));
            }
            if matches!(kind, "audio" | "sticker") && obj.contains_key("caption") {
                return Err(format!("`{kind}` messages cannot have a caption"));
            }
        }
        "location" => {
            let lat = obj.get("latitude").and_then(Value::as_f64);
            let lon = obj.get("longitude").and_then(Value::as_f64);
            if !lat.is_some_and(|v| (-90.0..=90.0).contains(&v)) || !lon.is_some_and(|v| (-180.0..=180.0).contains(&v)) {
                return Err("`location` needs numeric `latitude` (-90..90) and `longitude` (-180..180)".into());
            }
        }
        "reaction" if obj.get("message_id").and_then(Value::as_str).is_none_or(str::is_empty) => {
            return Err("`reaction.message_id` (the wamid reacted to) is required".into());
        }
        "template" => {
            if obj.get("name").and_then(Value::as_str).is_none_or(str::is_empty) {
                return Err("`template.name` is required".into());
            }
            if obj.get("language").and_then(|l| l.get("code")).and_then(Value::as_str).is_none_or(str::is_empty) {
                return Err("`template.language.code` is required (e.g. \"en_US\")".into());
            }
        }
        "interactive" => validate_interactive(obj)?,
        _ => {}
    }
    Ok(())
}

fn validate_interactive(obj: &serde_json::Map<String, Value>) -> Result<(), String> {
    let len = |v: Option<&Value>| v.and_then(Value::as_str).map_or(0, |s| s.chars().count());
    let body = len(obj.get("body").and_then(|b| b.get("text")));
    if body == 0 || body > limits::INTERACTIVE_BODY {
        return Err(format!("`interactive.body.text` is required (at most {} characters)", limits::INTERACTIVE_BODY));
    }
    match obj.get("type").and_then(Value::as_str) {
        Some("button") => {
            let buttons = obj
                .get("action")
                .and_then(|a| a.get("buttons"))
                .and_then(Value::as_array)
                .ok_or("`interactive.action.buttons` is required")?;
            if buttons.is_empty() || buttons.len() > limits::REPLY_BUTTONS {
                return Err(format!("reply buttons: 1 to {} allowed, got {}", limits::REPLY_BUTTONS, buttons.len()));
            }
            for b in buttons {
                let title = len(b.get("reply").and_then(|r| r.get("title")));
                if title == 0 || title > limits::BUTTON_TITLE {
                    return Err(format!("each button needs `reply.id` and a `reply.title` of 1 to {} characters", limits::BUTTON_TITLE));
                }
            }
        }
        Some("list") => {
            let action = obj.get("action").ok_or("`interactive.action` is required")?;
            let button = len(action.get("button"));
            if button == 0 || button > limits::LIST_BUTTON {
                return Err(format!("`interactive.action.button` needs 1 to {} characters", limits::LIST_BUTTON));
            }
            let sections = action.get("sections").and_then(Value::as_array).ok_or("`interactive.action.sections` is required")?;
            let rows: Vec<&Value> = sections.iter().filter_map(|s| s.get("rows").and_then(Value::as_array)).flatten().collect();
            if sections.is_empty() || sections.len() > limits::LIST_SECTIONS || rows.is_empty() || rows.len() > limits::LIST_ROWS {
                return Err(format!("a list needs 1 to {} sections with 1 to {} rows in all", limits::LIST_SECTIONS, limits::LIST_ROWS));
            }
            for r in rows {
                let t = len(r.get("title"));
                if t == 0 || t > limits::ROW_TITLE || len(r.get("description")) > limits::ROW_DESCRIPTION {
                    return Err(format!(
                        "list rows need a title of 1 to {} characters and at most {} of description",
                        limits::ROW_TITLE,
                        limits::ROW_DESCRIPTION
                    ));
                }
            }
        }
        Some(other) if ["cta_url", "product", "product_list", "flow", "location_request_message"].contains(&other) => {}
        _ => return Err("`interactive.type` must be button, list, cta_url, product, product_list, flow or location_request_message".into()),
    }
    Ok(())
}

/// The Cloud API send body for a message to `to` (E.164) or `user_id` (BSUID).
pub fn cloud_api_body(
    kind: &str,
    content: &Value,
    reply_to: Option<&Wamid>,
    to: Option<&str>,
    user_id: Option<&str>,
    callback: &str,
) -> Value {
    let mut body =
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "type": kind, "biz_opaque_callback_data": callback});
    match (to, user_id) {
        (Some(phone), _) => body["to"] = json!(phone),
        (None, Some(uid)) => body["recipient"] = json!(uid),
        (None, None) => {}
    }
    body[kind] = content.clone();
    if let Some(w) = reply_to {
        body["context"] = json!({"message_id": w});
    }
    body
}

/// A read receipt for the customer's message (marks earlier ones read too).
pub fn read_receipt(wamid: &Wamid) -> Value {
    json!({"messaging_product": "whatsapp", "status": "read", "message_id": wamid})
}

/// The typing indicator (shown up to 25 s or until the reply arrives).
pub fn typing_indicator(wamid: &Wamid) -> Value {
    json!({"messaging_product": "whatsapp", "status": "read", "message_id": wamid, "typing_indicator": {"type": "text"}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_limits_are_checked_with_a_fix() {
        assert!(validate("text", &json!({"body": "hi"})).is_ok());
        let long = "x".repeat(4097);
        assert!(validate("text", &json!({"body": long})).unwrap_err().contains("4096"));
        assert!(validate("hologram", &json!({})).unwrap_err().contains("must be one of"));
        assert!(validate("image", &json!({"id": "1", "link": "https://x"})).is_err());
        assert!(validate("image", &json!({"link": "https://x/a.png", "caption": "c"})).is_ok());
        let four = json!({"type": "button", "body": {"text": "pick"}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": "a", "title": "A"}}, {"type": "reply", "reply": {"id": "b", "title": "B"}},
            {"type": "reply", "reply": {"id": "c", "title": "C"}}, {"type": "reply", "reply": {"id": "d", "title": "D"}}]}});
        assert!(validate("interactive", &four).unwrap_err().contains("1 to 3"));
        assert!(validate("template", &json!({"name": "hello_world"})).unwrap_err().contains("language"));
        assert!(validate("location", &json!({"latitude": 91.0, "longitude": 0.0})).is_err());
    }

    #[test]
    fn body_targets_phone_or_user_id() {
        let b = cloud_api_body("text", &json!({"body": "hi"}), Some(&Wamid("w1".into())), Some("+16315551181"), None, "m1");
        assert_eq!(b["to"], "+16315551181");
        assert_eq!(b["context"]["message_id"], "w1");
        assert_eq!(b["biz_opaque_callback_data"], "m1");
        let b = cloud_api_body("text", &json!({"body": "hi"}), None, None, Some("US.1"), "m1");
        assert_eq!(b["recipient"], "US.1");
        assert!(b.get("to").is_none());
    }
}
