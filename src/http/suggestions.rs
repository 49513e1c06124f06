//! Smart replies and template drafts. `GET /conversations/{id}/suggestions`
//! gives up to three replies for the open conversation: from the
//! language-model provider when one is configured, else (or when it fails)
//! from the offline engine — the tenant's canned replies and past agent
//! answers to similar customer messages, found with a full-text index.
//! Suggestions never send themselves. `POST /templates/draft` drafts a
//! template from a description (provider only).

use crate::auth::{Manager, Person, Writer};
use crate::http::error::{ApiError, ErrorCode};
use crate::startup::AppState;
use crate::store::visibility::Visibility;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use whatsflow_actors::ids::ConversationId;

/// Messages of the transcript given to the model.
const TRANSCRIPT: i64 = 12;

fn ai_error(e: crate::ai::AiError) -> ApiError {
    match e {
        crate::ai::AiError::NotConfigured => ApiError::Denied { code: ErrorCode::AiNotConfigured, message: e.to_string() },
        crate::ai::AiError::Failed(_) => ApiError::Unavailable(e.to_string()),
    }
}

/// Up to three replies for the conversation.
pub async fn suggestions(state: web::Data<AppState>, user: Writer, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    db.conversations().get(ConversationId(*path), Visibility::of(&user)).await?.ok_or(ApiError::NotFound("conversation"))?;
    let service = db.service();
    let transcript = service.transcript(*path, TRANSCRIPT).await?;
    let Some((_, question)) = transcript.iter().rev().find(|(inbound, _)| *inbound) else {
        return Ok(HttpResponse::Ok().json(json!({"engine": "retrieval", "suggestions": []})));
    };
    if state.ai.model().is_some() {
        let lines: Vec<String> =
            transcript.iter().map(|(inbound, text)| format!("{}: {text}", if *inbound { "Customer" } else { "Agent" })).collect();
        match state.ai.suggest(&lines.join("\n")).await {
            Ok(list) if !list.is_empty() => {
                let suggestions: Vec<_> = list.into_iter().map(|text| json!({"text": text, "source": "ai"})).collect();
                return Ok(HttpResponse::Ok().json(json!({"engine": "ai", "suggestions": suggestions})));
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "the language model failed; suggesting from past answers"),
        }
    }
    let facts = service.facts(*path).await?.map(|f| f.facts).unwrap_or_default();
    let mut seen = std::collections::HashSet::new();
    let suggestions: Vec<_> = service
        .retrieve_answers(question, user.user_id.0, user.sees_all_conversations())
        .await?
        .into_iter()
        .map(|(text, source, id)| (crate::automations::worker::fill_facts(&text, &facts), source, id))
        .filter(|(text, _, _)| seen.insert(text.clone()))
        .take(3)
        .map(|(text, source, id)| json!({"text": text, "source": source, "canned_id": id}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"engine": "retrieval", "suggestions": suggestions})))
}

/// Whether a language-model provider is configured.
pub async fn ai_status(state: web::Data<AppState>, _user: Person) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(json!({"configured": state.ai.model().is_some(), "model": state.ai.model()})))
}

/// `POST /templates/draft`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftBody {
    description: String,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    language: Option<String>,
}

/// A template drafted from a description, to review and submit (nothing is stored).
pub async fn draft_template(state: web::Data<AppState>, _user: Manager, body: web::Json<DraftBody>) -> Result<HttpResponse, ApiError> {
    let description = body.description.trim();
    if description.is_empty() || description.chars().count() > 1000 {
        return Err(ApiError::validation("`description` must be 1 to 1000 characters"));
    }
    let category = body.category.as_deref().unwrap_or("UTILITY");
    if !matches!(category, "MARKETING" | "UTILITY") {
        return Err(ApiError::validation("`category` must be MARKETING or UTILITY"));
    }
    let language = body.language.as_deref().unwrap_or("en");
    let draft = state.ai.draft_template(description, category, language).await.map_err(ai_error)?;
    let name: String = draft
        .name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .trim_matches('_')
        .chars()
        .take(60)
        .collect();
    let mut body_component = json!({"type": "BODY", "text": draft.body});
    if !draft.examples.is_empty() {
        body_component["example"] = json!({"body_text": [draft.examples]});
    }
    Ok(HttpResponse::Ok().json(json!({"name": name, "category": category, "language": language, "components": [body_component]})))
}
