//! `/api/v1/settings/consent`: the keywords (whole messages, any case)
//! with which customers stop or resume marketing messages.

use crate::auth::{Admin, Reader};
use crate::http::error::ApiError;
use crate::startup::AppState;
use crate::store::keywords::{normalise, MAX_KEYWORD_CHARS};
use crate::store::repo::settings::ConsentKeywordLists;
use actix_web::{web, HttpResponse};

/// Most keywords per list.
const MAX_KEYWORDS: usize = 20;

/// The lists.
pub async fn get_consent(state: web::Data<AppState>, user: Reader) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.db.tenant(user.tenant_id).settings().consent_keywords().await?))
}

/// Replaces the lists (tenant admins).
pub async fn put_consent(state: web::Data<AppState>, user: Admin, body: web::Json<ConsentKeywordLists>) -> Result<HttpResponse, ApiError> {
    let clean = |field: &str, list: &[String]| -> Result<Vec<String>, ApiError> {
        if list.len() > MAX_KEYWORDS {
            return Err(ApiError::validation(format!("`{field}`: at most {MAX_KEYWORDS} keywords")));
        }
        let mut out: Vec<String> = Vec::new();
        for k in list {
            let n = normalise(k);
            if n.is_empty() || n.chars().count() > MAX_KEYWORD_CHARS {
                return Err(ApiError::validation(format!("`{field}`: each keyword is 1 to {MAX_KEYWORD_CHARS} characters")));
            }
            if !out.contains(&n) {
                out.push(n);
            }
        }
        Ok(out)
    };
    let lists = ConsentKeywordLists {
        stop_keywords: clean("stop_keywords", &body.stop_keywords)?,
        start_keywords: clean("start_keywords", &body.start_keywords)?,
    };
    if let Some(both) = lists.stop_keywords.iter().find(|k| lists.start_keywords.contains(k)) {
        return Err(ApiError::validation(format!("`{both}` is in both lists; a keyword either stops or resumes")));
    }
    let saved = state.db.tenant(user.tenant_id).settings().set_consent_keywords(&lists).await?;
    state.keywords.forget(user.tenant_id);
    Ok(HttpResponse::Ok().json(saved))
}
