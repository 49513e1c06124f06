//! `GET /api/v1/analytics/overview?days=N`: the dashboard's numbers for the
//! last N days — conversations and messages per day, agents' first-response
//! times, what each agent did, and flow runs.

use crate::auth::Reader;
use crate::http::error::ApiError;
use crate::startup::AppState;
use crate::store::repo::analytics::Range;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

/// Query.
#[derive(Deserialize)]
pub struct OverviewQuery {
    days: Option<i64>,
}

/// The overview (admins see everyone's numbers; agents their tenant's too,
/// since the dashboard is shared).
pub async fn overview(state: web::Data<AppState>, user: Reader, q: web::Query<OverviewQuery>) -> Result<HttpResponse, ApiError> {
    let days = q.days.unwrap_or(7);
    if !(1..=90).contains(&days) {
        return Err(ApiError::validation("`days` must be between 1 and 90"));
    }
    let to = Utc::now();
    let from_day = (to - Duration::days(days - 1)).date_naive();
    let from: DateTime<Utc> = from_day.and_hms_opt(0, 0, 0).map(|d| d.and_utc()).unwrap_or(to);
    let overview = state.db.tenant(user.tenant_id).analytics().overview(Range { from, to, days }).await?;
    Ok(HttpResponse::Ok().json(overview))
}
