//! `/api/v1/contacts`: the tenant's customers. CRUD, custom fields and
//! opt-in (tags live in [`super::tags`], CSV import and export in
//! [`super::contacts_csv`]).

use crate::auth::{Manager, Reader, Writer};
use crate::http::error::ApiError;
use crate::http::pagination::{self, page_response};
use crate::startup::AppState;
use crate::store::repo::contacts::{ContactChange, ContactFilter, NewContact};
use crate::store::repo::MAX_TAGS;
use crate::store::visibility::Visibility;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{Map, Value};
use whatsflow_actors::identity::PhoneNumber;
use whatsflow_actors::ids::ContactId;

/// Contact list query.
#[derive(Deserialize)]
pub struct ContactsQuery {
    search: Option<String>,
    tag: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// Lists contacts, newest first; search by name, phone or username; filter by tag.
pub async fn list(state: web::Data<AppState>, user: Reader, q: web::Query<ContactsQuery>) -> Result<HttpResponse, ApiError> {
    let filter = ContactFilter {
        pattern: q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(like_pattern),
        tag: q.tag.clone(),
        after: pagination::cursor(q.cursor.as_deref())?,
        limit: pagination::limit(q.limit)?,
    };
    Ok(page_response(state.db.tenant(user.tenant_id).contacts().list(&filter).await?))
}

/// `POST /contacts` and the fields `PATCH` may change.
#[derive(Deserialize, Default)]
pub struct ContactInput {
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    custom_fields: Option<Map<String, Value>>,
    #[serde(default)]
    opted_in: Option<bool>,
}

/// A case-insensitive `LIKE` pattern matching `s` anywhere, with `\`, `%`
/// and `_` taken literally.
pub fn like_pattern(s: &str) -> String {
    format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}

/// Normalises tags: trimmed, lower-cased, unique, non-empty, at most 50 of 1–50 characters.
pub fn clean_tags(tags: &[String]) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = t.trim().to_lowercase();
        if t.is_empty() || t.chars().count() > 50 {
            return Err(ApiError::validation("each tag must be 1 to 50 characters"));
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > MAX_TAGS {
        return Err(ApiError::validation(format!("at most {MAX_TAGS} tags")));
    }
    Ok(out)
}

fn phone(raw: &str) -> Result<String, ApiError> {
    PhoneNumber::parse(raw).map(|p| p.as_str().to_owned()).map_err(|e| ApiError::validation(e.to_string()))
}

/// Adds a contact.
pub async fn create(state: web::Data<AppState>, user: Writer, body: web::Json<ContactInput>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let phone = phone(b.phone.as_deref().ok_or(ApiError::validation("`phone` is required (international form, e.g. +14155550123)"))?)?;
    let tags = clean_tags(&b.tags.unwrap_or_default())?;
    let created = state
        .db
        .tenant(user.tenant_id)
        .contacts()
        .create(NewContact {
            phone,
            name: b.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned),
            tags,
            custom_fields: b.custom_fields.unwrap_or_default(),
            opted_in: b.opted_in.unwrap_or(true),
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// One contact, with its conversations.
pub async fn get(state: web::Data<AppState>, user: Reader, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let found = state.db.tenant(user.tenant_id).contacts().get(ContactId(*path), Visibility::of(&user)).await?;
    Ok(HttpResponse::Ok().json(found.ok_or(ApiError::NotFound("contact"))?))
}

/// Changes a contact; `custom_fields` are merged (a `null` value removes a field).
pub async fn update(
    state: web::Data<AppState>,
    user: Writer,
    path: web::Path<uuid::Uuid>,
    body: web::Json<ContactInput>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    if (b.phone.is_some() || b.opted_in.is_some()) && !user.role.is_admin() {
        // Where replies go and whether marketing may: not an agent's call.
        return Err(ApiError::Forbidden("only a tenant admin changes a contact's number or marketing consent".into()));
    }
    let phone = b.phone.as_deref().map(phone).transpose()?;
    let tags = b.tags.as_deref().map(clean_tags).transpose()?;
    let (set, unset): (Map<String, Value>, Vec<String>) = match b.custom_fields {
        Some(f) => {
            let unset = f.iter().filter(|(_, v)| v.is_null()).map(|(k, _)| k.clone()).collect();
            (f.into_iter().filter(|(_, v)| !v.is_null()).collect(), unset)
        }
        None => (Map::new(), Vec::new()),
    };
    let change = ContactChange {
        phone,
        name: b.name.as_deref().map(str::trim).map(str::to_owned),
        tags,
        set_fields: set,
        unset_fields: unset,
        opted_in: b.opted_in,
    };
    let updated = state.db.tenant(user.tenant_id).contacts().update(ContactId(*path), change).await?;
    Ok(HttpResponse::Ok().json(updated.ok_or(ApiError::NotFound("contact"))?))
}

/// Deletes a contact and its conversations (tenant admins only).
pub async fn delete(state: web::Data<AppState>, user: Manager, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    if !state.db.tenant(user.tenant_id).contacts().delete(ContactId(*path)).await? {
        return Err(ApiError::NotFound("contact"));
    }
    // The engine forgets the contact, so the customer's next message makes
    // a fresh one instead of stalling on the deleted rows.
    state.forget(crate::cluster::forget::Forget::Contact(user.tenant_id, ContactId(*path)));
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod like_tests {
    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(super::like_pattern(r"50%_off\"), r"%50\%\_off\\%");
    }
}
