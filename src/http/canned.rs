//! `/api/v1/canned-replies`: saved answers an agent calls up in the
//! composer by typing `/shortcut`. Shared ones are kept by admins; everyone
//! keeps their own. Rendering fills `{{contact.name}}`, `{{contact.phone}}`,
//! `{{contact.<custom field>}}` and `{{agent.name}}` for one conversation;
//! a reply is never sent by itself.

use crate::auth::Writer;
use crate::http::error::ApiError;
use crate::startup::AppState;
use crate::store::repo::canned::{CannedCreated, CannedFields};
use crate::store::visibility::Visibility;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};
use whatsflow_actors::ids::ConversationId;

/// `POST /canned-replies` and `PATCH /canned-replies/{id}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CannedBody {
    #[serde(default)]
    shortcut: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default, deserialize_with = "crate::http::valid::double_option")]
    attachment: Option<Option<Value>>,
}

/// `POST /canned-replies/{id}/render`.
#[derive(Deserialize)]
pub struct RenderBody {
    conversation_id: uuid::Uuid,
}

/// `?search=`.
#[derive(Deserialize)]
pub struct ListQuery {
    search: Option<String>,
}

fn valid_shortcut(s: &str) -> Result<String, ApiError> {
    let s = s.trim().trim_start_matches('/').to_lowercase();
    let ok = !s.is_empty()
        && s.len() <= 32
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !ok {
        return Err(ApiError::validation(
            "`shortcut` must be 1 to 32 lower-case letters, digits, `_` or `-`, starting with a letter or digit (e.g. `thanks`)",
        ));
    }
    Ok(s)
}

fn valid_text(t: &str) -> Result<String, ApiError> {
    if t.trim().is_empty() || t.chars().count() > 4096 {
        return Err(ApiError::validation("`text` must be 1 to 4096 characters (WhatsApp's limit for a text message)"));
    }
    Ok(t.to_owned())
}

fn valid_attachment(a: Option<Value>) -> Result<Option<Value>, ApiError> {
    let Some(a) = a else { return Ok(None) };
    let kind = a["type"].as_str().unwrap_or_default();
    let link = a["link"].as_str().unwrap_or_default();
    if !matches!(kind, "image" | "document" | "video" | "audio") {
        return Err(ApiError::validation("`attachment.type` must be image, document, video or audio"));
    }
    if !(link.starts_with("https://") || link.starts_with("http://")) || link.len() > 2048 {
        return Err(ApiError::validation("`attachment.link` must be an http(s) URL WhatsApp can fetch"));
    }
    let mut out = json!({"type": kind, "link": link});
    if let Some(name) = a["filename"].as_str().filter(|n| !n.is_empty()) {
        if name.chars().count() > 240 {
            return Err(ApiError::validation("`attachment.filename` is longer than 240 characters"));
        }
        out["filename"] = json!(name);
    }
    Ok(Some(out))
}

/// The shared replies and the caller's own, by shortcut.
pub async fn list(state: web::Data<AppState>, user: Writer, q: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    let search = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let data = state.db.tenant(user.tenant_id).canned().list(user.user_id, search).await?;
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": null})))
}

/// Saves a reply: shared (admins' default) or personal (agents' only choice).
pub async fn create(state: web::Data<AppState>, user: Writer, body: web::Json<CannedBody>) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let admin = user.sees_all_conversations();
    let shared = match body.scope.as_deref() {
        None => admin,
        Some("shared") if admin => true,
        Some("shared") => return Err(ApiError::Forbidden("only admins keep shared canned replies; save it as personal".into())),
        Some("personal") => false,
        Some(_) => return Err(ApiError::validation("`scope` must be shared or personal")),
    };
    let f = CannedFields {
        shortcut: Some(valid_shortcut(body.shortcut.as_deref().unwrap_or_default())?),
        text: Some(valid_text(body.text.as_deref().unwrap_or_default())?),
        attachment: Some(valid_attachment(body.attachment.flatten())?),
    };
    let owner = (!shared).then_some(user.user_id);
    match state.db.tenant(user.tenant_id).canned().create(owner, user.user_id, f).await? {
        CannedCreated::Done(reply) => Ok(HttpResponse::Created().json(reply)),
        CannedCreated::TooMany => Err(ApiError::validation(format!(
            "an account keeps at most {} canned replies; delete some first",
            crate::store::repo::canned::MAX_CANNED
        ))),
    }
}

/// Changes a reply (one's own; shared ones by admins).
pub async fn update(
    state: web::Data<AppState>,
    user: Writer,
    path: web::Path<uuid::Uuid>,
    body: web::Json<CannedBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if body.scope.is_some() {
        return Err(ApiError::validation("a reply's `scope` cannot change; create it again in the other scope"));
    }
    let f = CannedFields {
        shortcut: body.shortcut.as_deref().map(valid_shortcut).transpose()?,
        text: body.text.as_deref().map(valid_text).transpose()?,
        attachment: body.attachment.map(valid_attachment).transpose()?,
    };
    let admin = user.sees_all_conversations();
    let reply =
        state.db.tenant(user.tenant_id).canned().update(user.user_id, admin, *path, f).await?.ok_or(ApiError::NotFound("canned reply"))?;
    Ok(HttpResponse::Ok().json(reply))
}

/// Deletes a reply (one's own; shared ones by admins).
pub async fn delete(state: web::Data<AppState>, user: Writer, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let admin = user.sees_all_conversations();
    if !state.db.tenant(user.tenant_id).canned().delete(user.user_id, admin, *path).await? {
        return Err(ApiError::NotFound("canned reply"));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The reply's text for one conversation, variables filled (missing ones
/// empty), and its attachment. Nothing is sent.
pub async fn render(
    state: web::Data<AppState>,
    user: Writer,
    path: web::Path<uuid::Uuid>,
    body: web::Json<RenderBody>,
) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let reply = db.canned().get(user.user_id, *path).await?.ok_or(ApiError::NotFound("canned reply"))?;
    db.conversations().get(ConversationId(body.conversation_id), Visibility::of(&user)).await?.ok_or(ApiError::NotFound("conversation"))?;
    let mut facts = db.service().facts(body.conversation_id).await?.map(|f| f.facts).unwrap_or_default();
    facts["agent"] = json!({"name": db.users().get(user.user_id).await?.map(|u| u.name)});
    let text = crate::automations::worker::fill_facts(&reply.text, &facts);
    Ok(HttpResponse::Ok().json(json!({"text": text, "attachment": reply.attachment})))
}

/// Replaces each `{{ key }}` with `value(key)`; other text stays.
pub fn fill(text: &str, value: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        match rest[start + 2..].find("}}") {
            Some(end) => {
                out.push_str(&value(rest[start + 2..start + 2 + end].trim()));
                rest = &rest[start + 2 + end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_filled_and_the_rest_kept() {
        let v = |k: &str| match k {
            "contact.name" => "Asha".to_owned(),
            "agent.name" => "Ravi".to_owned(),
            _ => String::new(),
        };
        assert_eq!(fill("Hi {{contact.name}}, {{ agent.name }} here", v), "Hi Asha, Ravi here");
        assert_eq!(fill("Order {{contact.order}} ok", v), "Order  ok");
        assert_eq!(fill("no vars {{ unclosed", v), "no vars {{ unclosed");
        assert_eq!(fill("emoji 🙏 {{contact.name}}", v), "emoji 🙏 Asha");
    }

    #[test]
    fn shortcuts_are_normalised_or_refused() {
        assert_eq!(valid_shortcut("/Thanks").unwrap(), "thanks");
        assert!(valid_shortcut("").is_err());
        assert!(valid_shortcut("-x").is_err());
        assert!(valid_shortcut("has space").is_err());
        assert!(valid_shortcut(&"a".repeat(33)).is_err());
    }
}
