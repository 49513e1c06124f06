//! `/api/v1/contacts`: the tenant's customers. CRUD, tags, custom fields and
//! opt-in (CSV import and export live in [`super::contacts_csv`]).

use crate::auth::{AuthUser, Manager, Reader, Writer};
use crate::db::tenant_tx;
use crate::http::conversations::page;
use crate::http::error::ApiError;
use crate::http::pagination::{self, Cursor};
use crate::startup::AppState;
use crate::store::visibility::Visibility;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sqlx::postgres::PgRow;
use sqlx::Row;
use whatsflow_actors::identity::PhoneNumber;

/// Most tags on one contact or conversation.
const MAX_TAGS: usize = 50;

/// Columns of [`contact_json`].
pub const CONTACT_COLUMNS: &str = "id, phone, wa_user_id, username, name, tags, custom_fields, opted_in, created_at, updated_at";

/// Contact list query.
#[derive(Deserialize)]
pub struct ContactsQuery {
    search: Option<String>,
    tag: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// Reads a contact row.
pub fn contact_json(r: &PgRow) -> Result<Value, sqlx::Error> {
    Ok(json!({
        "id": r.try_get::<uuid::Uuid, _>("id")?,
        "phone": r.try_get::<Option<String>, _>("phone")?,
        "user_id": r.try_get::<Option<String>, _>("wa_user_id")?,
        "username": r.try_get::<Option<String>, _>("username")?,
        "name": r.try_get::<Option<String>, _>("name")?,
        "tags": r.try_get::<Vec<String>, _>("tags")?,
        "custom_fields": r.try_get::<Value, _>("custom_fields")?,
        "opted_in": r.try_get::<bool, _>("opted_in")?,
        "created_at": r.try_get::<DateTime<Utc>, _>("created_at")?,
        "updated_at": r.try_get::<DateTime<Utc>, _>("updated_at")?,
    }))
}

/// Lists contacts, newest first; search by name, phone or username; filter by tag.
pub async fn list(state: web::Data<AppState>, user: Reader, q: web::Query<ContactsQuery>) -> Result<HttpResponse, ApiError> {
    let limit = pagination::limit(q.limit)?;
    let cursor = q.cursor.as_deref().map(Cursor::decode).transpose()?;
    let search = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(like_pattern);
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let rows = sqlx::query(&format!(
        "SELECT {CONTACT_COLUMNS} FROM contacts
         WHERE ($1::text IS NULL OR name ILIKE $1 OR phone ILIKE $1 OR username ILIKE $1)
           AND ($2::text IS NULL OR $2 = ANY(tags))
           AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
         ORDER BY created_at DESC, id DESC LIMIT $5"
    ))
    .bind(&search)
    .bind(&q.tag)
    .bind(cursor.map(|c| c.t))
    .bind(cursor.map(|c| c.id))
    .bind(limit + 1)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    page(rows, limit, contact_json, |r| Ok(Cursor { t: r.try_get("created_at")?, id: r.try_get("id")? }))
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

fn conflict(e: sqlx::Error) -> ApiError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            ApiError::Conflict { code: "CONTACT_EXISTS", message: "a contact with this phone number exists; update it instead".into() }
        }
        _ => e.into(),
    }
}

/// Adds a contact.
pub async fn create(state: web::Data<AppState>, user: Writer, body: web::Json<ContactInput>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let phone = phone(b.phone.as_deref().ok_or(ApiError::validation("`phone` is required (international form, e.g. +14155550123)"))?)?;
    let tags = clean_tags(&b.tags.unwrap_or_default())?;
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let row = sqlx::query(&format!(
        "INSERT INTO contacts (id, tenant_id, phone, name, tags, custom_fields, opted_in) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {CONTACT_COLUMNS}"
    ))
    .bind(uuid::Uuid::now_v7())
    .bind(user.tenant_id.0)
    .bind(&phone)
    .bind(b.name.as_deref().map(str::trim).filter(|n| !n.is_empty()))
    .bind(&tags)
    .bind(Value::Object(b.custom_fields.unwrap_or_default()))
    .bind(b.opted_in.unwrap_or(true))
    .fetch_one(&mut *tx)
    .await
    .map_err(conflict)?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(contact_json(&row)?))
}

/// One contact, with its conversations.
pub async fn get(state: web::Data<AppState>, user: Reader, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let row = sqlx::query(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1")).bind(*path).fetch_optional(&mut *tx).await?;
    // Only the conversations the caller may see.
    let sql = format!(
        "SELECT c.id, c.channel_id, c.status, c.last_message_at FROM conversations c WHERE c.contact_id = $1 AND {}
         ORDER BY c.last_message_at DESC NULLS LAST",
        Visibility::sql("c", 2)
    );
    let convs: Vec<(uuid::Uuid, uuid::Uuid, String, Option<DateTime<Utc>>)> =
        Visibility::of(&user).bind_as(sqlx::query_as(&sql).bind(*path)).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let mut v = contact_json(&row.ok_or(ApiError::NotFound("contact"))?)?;
    v["conversations"] = json!(convs
        .iter()
        .map(|(id, ch, st, at)| json!({"id": id, "channel_id": ch, "status": st, "last_message_at": at}))
        .collect::<Vec<_>>());
    Ok(HttpResponse::Ok().json(v))
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
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let row = sqlx::query(&format!(
        "UPDATE contacts SET phone = COALESCE($2, phone), name = COALESCE($3, name), tags = COALESCE($4, tags),
            custom_fields = (custom_fields || $5) - $6::text[], opted_in = COALESCE($7, opted_in), updated_at = now()
         WHERE id = $1 RETURNING {CONTACT_COLUMNS}"
    ))
    .bind(*path)
    .bind(phone)
    .bind(b.name.as_deref().map(str::trim))
    .bind(tags)
    .bind(Value::Object(set))
    .bind(&unset)
    .bind(b.opted_in)
    .fetch_optional(&mut *tx)
    .await
    .map_err(conflict)?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(contact_json(&row.ok_or(ApiError::NotFound("contact"))?)?))
}

/// Deletes a contact and its conversations (tenant admins only).
pub async fn delete(state: web::Data<AppState>, user: Manager, path: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let n = sqlx::query("DELETE FROM contacts WHERE id = $1").bind(*path).execute(&mut *tx).await?.rows_affected();
    tx.commit().await?;
    if n == 0 {
        return Err(ApiError::NotFound("contact"));
    }
    // The engine forgets the contact, so the customer's next message makes
    // a fresh one instead of stalling on the deleted rows.
    state.router.contact_removed(user.tenant_id, whatsflow_actors::ids::ContactId(*path));
    Ok(HttpResponse::NoContent().finish())
}

/// `{"tags": [...]}` to add.
#[derive(Deserialize)]
pub struct TagsBody {
    tags: Vec<String>,
}

/// Adds tags to a contact (`table` = contacts) or a conversation.
pub async fn add_tags(
    state: &AppState,
    user: &AuthUser,
    table: &'static str,
    id: uuid::Uuid,
    tags: &[String],
) -> Result<Vec<String>, ApiError> {
    let tags = clean_tags(tags)?;
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let out: Option<Vec<String>> = sqlx::query_scalar(&format!(
        "UPDATE {table} SET tags = ARRAY(SELECT DISTINCT t FROM unnest(tags || $2::text[]) t ORDER BY t), updated_at = now() WHERE id = $1 RETURNING tags"
    ))
    .bind(id)
    .bind(&tags)
    .fetch_optional(&mut *tx)
    .await?;
    let out = out.ok_or(ApiError::NotFound(if table == "contacts" { "contact" } else { "conversation" }))?;
    if out.len() > MAX_TAGS {
        // Dropping the transaction rolls the change back.
        return Err(ApiError::validation(format!("at most {MAX_TAGS} tags; remove some first")));
    }
    tx.commit().await?;
    Ok(out)
}

/// Removes one tag.
pub async fn remove_tag(
    state: &AppState,
    user: &AuthUser,
    table: &'static str,
    id: uuid::Uuid,
    tag: &str,
) -> Result<Vec<String>, ApiError> {
    let mut tx = tenant_tx(&state.pool, user.tenant_id).await?;
    let out: Option<Vec<String>> =
        sqlx::query_scalar(&format!("UPDATE {table} SET tags = array_remove(tags, $2), updated_at = now() WHERE id = $1 RETURNING tags"))
            .bind(id)
            .bind(tag.trim().to_lowercase())
            .fetch_optional(&mut *tx)
            .await?;
    tx.commit().await?;
    out.ok_or(ApiError::NotFound(if table == "contacts" { "contact" } else { "conversation" }))
}

/// `POST /contacts/{id}/tags`.
pub async fn post_tags(
    state: web::Data<AppState>,
    user: Writer,
    path: web::Path<uuid::Uuid>,
    body: web::Json<TagsBody>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(json!({"tags": add_tags(&state, &user, "contacts", *path, &body.tags).await?})))
}

/// `DELETE /contacts/{id}/tags/{tag}`.
pub async fn delete_tag(state: web::Data<AppState>, user: Writer, path: web::Path<(uuid::Uuid, String)>) -> Result<HttpResponse, ApiError> {
    let (id, tag) = path.into_inner();
    Ok(HttpResponse::Ok().json(json!({"tags": remove_tag(&state, &user, "contacts", id, &tag).await?})))
}

/// `POST /conversations/{id}/tags`.
pub async fn post_conversation_tags(
    state: web::Data<AppState>,
    user: Writer,
    path: web::Path<uuid::Uuid>,
    body: web::Json<TagsBody>,
) -> Result<HttpResponse, ApiError> {
    crate::http::messages::target(&state, &user, *path).await?;
    Ok(HttpResponse::Ok().json(json!({"tags": add_tags(&state, &user, "conversations", *path, &body.tags).await?})))
}

/// `DELETE /conversations/{id}/tags/{tag}`.
pub async fn delete_conversation_tag(
    state: web::Data<AppState>,
    user: Writer,
    path: web::Path<(uuid::Uuid, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, tag) = path.into_inner();
    crate::http::messages::target(&state, &user, id).await?;
    Ok(HttpResponse::Ok().json(json!({"tags": remove_tag(&state, &user, "conversations", id, &tag).await?})))
}

#[cfg(test)]
mod like_tests {
    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(super::like_pattern(r"50%_off\"), r"%50\%\_off\\%");
    }
}
