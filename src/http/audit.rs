//! `/api/v1/audit`: the audit log — a tenant admin reads their account's,
//! a platform operator every account's — and its verification.

use crate::audit::reads_all;
use crate::auth::Admin;
use crate::http::error::ApiError;
use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

/// Rows per page.
const PAGE: i64 = 100;

/// `GET /audit?before=<id>`.
#[derive(Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    before: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

/// Newest first, a page at a time (`next_cursor` is the `before` of the next).
pub async fn list(state: web::Data<AppState>, user: Admin, q: web::Query<AuditQuery>) -> Result<HttpResponse, ApiError> {
    let limit = q.limit.unwrap_or(PAGE);
    if !(1..=PAGE).contains(&limit) {
        return Err(ApiError::validation(format!("`limit` must be 1 to {PAGE}")));
    }
    let rows = if reads_all(&user) {
        state.db.audit().all_rows(q.before, limit + 1).await?
    } else {
        state.db.audit().tenant_rows(user.tenant_id, q.before, limit + 1).await?
    };
    let more = rows.len() as i64 > limit;
    let page: Vec<_> = rows.into_iter().take(usize::try_from(limit).unwrap_or(0)).collect();
    let next = if more { page.last().map(|r| r.id.to_string()) } else { None };
    Ok(HttpResponse::Ok().json(json!({"data": page, "next_cursor": next})))
}

/// Whether the chain is intact (the account's, or every account's for an
/// operator), and the first row that is not.
pub async fn verify(state: web::Data<AppState>, user: Admin) -> Result<HttpResponse, ApiError> {
    let scope = if reads_all(&user) { None } else { Some(user.tenant_id) };
    let bad = state.db.audit().first_bad(scope).await?;
    let mut body = json!({"valid": bad.is_none()});
    if let Some(id) = bad {
        body["first_bad_id"] = json!(id);
    }
    Ok(HttpResponse::Ok().json(body))
}
