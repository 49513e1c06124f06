//! `GET /api/v1/usage`: what the account used in a billing month — people
//! reached (monthly unique users), Meta's charges by day and category, the
//! plan's limits and the alerts that fired.

use crate::auth::Reader;
use crate::http::error::ApiError;
use crate::startup::AppState;
use crate::store::repo::usage::Period;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

/// `?period=2026-11` (default: this month).
#[derive(Deserialize)]
pub struct UsageQuery {
    #[serde(default)]
    period: Option<String>,
}

/// The account's usage in a month.
pub async fn usage(state: web::Data<AppState>, user: Reader, q: web::Query<UsageQuery>) -> Result<HttpResponse, ApiError> {
    let period = match q.period.as_deref() {
        None | Some("") => Period::of(chrono::Utc::now()),
        Some(p) => Period::parse(p).ok_or_else(|| ApiError::validation(format!("`period` must be a month like 2026-11, not `{p}`")))?,
    };
    Ok(HttpResponse::Ok().json(state.db.tenant(user.tenant_id).usage(period).await?))
}
