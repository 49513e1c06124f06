//! Business hours and away messages (`/api/v1/business-hours`), the
//! satisfaction survey's settings (`/api/v1/csat/settings`), SLA policies
//! (`/api/v1/sla-policies`) and the managers' reports
//! (`/api/v1/analytics/performance|conversations|csat|export`), served
//! from rollups kept as events happen.

use crate::auth::{Admin, Person};
use crate::automations::hours::Schedule;
use crate::http::error::ApiError;
use crate::startup::AppState;
use crate::store::repo::service::{AssignmentSettings, CsatSettings, HoursView, SlaPolicy};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::json;

/// A schedule's scope in a path: `default` (the account's) or a team id.
fn scope(raw: &str) -> Result<Option<uuid::Uuid>, ApiError> {
    match raw {
        "default" => Ok(None),
        id => id.parse().map(Some).map_err(|_| ApiError::validation("the scope is `default` or a team id")),
    }
}

/// The account's schedule and the teams' own.
pub async fn hours(state: web::Data<AppState>, user: Person) -> Result<HttpResponse, ApiError> {
    let data = state.db.tenant(user.tenant_id).service().hours().await?;
    let now = state.clock.now();
    let data: Vec<_> = data
        .into_iter()
        .map(|h| {
            let open = Schedule::parse(&h.time_zone, &h.weekly, &h.holidays).map(|s| s.is_open(now)).ok();
            let mut v = serde_json::to_value(&h).unwrap_or_default();
            v["open_now"] = json!(open);
            v
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"data": data})))
}

/// Saves the account's schedule (`team_id` null) or a team's.
pub async fn put_hours(state: web::Data<AppState>, user: Admin, body: web::Json<HoursView>) -> Result<HttpResponse, ApiError> {
    let h = body.into_inner();
    Schedule::parse(&h.time_zone, &h.weekly, &h.holidays).map_err(ApiError::validation)?;
    if !(1..=168).contains(&h.away_every_hours) {
        return Err(ApiError::validation("`away_every_hours` must be 1 to 168"));
    }
    if h.away_enabled && h.away_message.as_deref().is_none_or(|m| m.trim().is_empty()) {
        return Err(ApiError::validation("an away message is needed to switch it on"));
    }
    if h.away_message.as_deref().is_some_and(|m| m.chars().count() > 4096) {
        return Err(ApiError::validation("`away_message` is longer than 4096 characters"));
    }
    if !state.db.tenant(user.tenant_id).service().put_hours(&h).await? {
        return Err(ApiError::validation("`team_id` is not a team of this account"));
    }
    state.webhook_interest.forget(user.tenant_id);
    let entry = crate::audit::Entry::by(&user, "business_hours.updated")
        .change(None, Some(json!({"team_id": h.team_id, "away_enabled": h.away_enabled})));
    state.db.audit().append(entry).await?;
    Ok(HttpResponse::Ok().json(h))
}

/// Removes a schedule (`default`, or a team's, which then follows the account's).
pub async fn delete_hours(state: web::Data<AppState>, user: Admin, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    if !state.db.tenant(user.tenant_id).service().delete_hours(scope(&path)?).await? {
        return Err(ApiError::NotFound("business hours"));
    }
    state.webhook_interest.forget(user.tenant_id);
    Ok(HttpResponse::NoContent().finish())
}

/// The survey's settings.
pub async fn csat_settings(state: web::Data<AppState>, user: Admin) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.db.tenant(user.tenant_id).service().csat_settings().await?))
}

/// `PUT /csat/settings`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsatBody {
    enabled: bool,
    #[serde(default)]
    question: Option<String>,
    #[serde(default)]
    thanks: Option<String>,
}

/// Switches the survey on or off and words it.
pub async fn put_csat_settings(state: web::Data<AppState>, user: Admin, body: web::Json<CsatBody>) -> Result<HttpResponse, ApiError> {
    let service = state.db.tenant(user.tenant_id).service();
    let mut s = service.csat_settings().await?;
    s.csat_enabled = body.enabled;
    for (value, into, what, max) in
        [(&body.question, &mut s.csat_question, "question", 1024), (&body.thanks, &mut s.csat_thanks, "thanks", 1024)]
    {
        if let Some(v) = value {
            if v.trim().is_empty() || v.chars().count() > max {
                return Err(ApiError::validation(format!("`{what}` must be 1 to {max} characters")));
            }
            *into = v.trim().to_owned();
        }
    }
    service.put_csat_settings(&CsatSettings { ..s.clone() }).await?;
    state.webhook_interest.forget(user.tenant_id);
    Ok(HttpResponse::Ok().json(s))
}

/// How conversations get an assignee without a person choosing.
pub async fn assignment_settings(state: web::Data<AppState>, user: Person) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.db.tenant(user.tenant_id).service().assignment_settings().await?))
}

/// `PUT /settings/assignment`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentBody {
    assign_on_handoff: bool,
    assign_on_first_reply: bool,
}

/// Turns assignment on hand-off and on an agent's first reply on or off.
pub async fn put_assignment_settings(
    state: web::Data<AppState>,
    user: Admin,
    body: web::Json<AssignmentBody>,
) -> Result<HttpResponse, ApiError> {
    let s = AssignmentSettings { assign_on_handoff: body.assign_on_handoff, assign_on_first_reply: body.assign_on_first_reply };
    state.db.tenant(user.tenant_id).service().put_assignment_settings(&s).await?;
    Ok(HttpResponse::Ok().json(s))
}

/// The SLA policies: the account's default first, then teams'.
pub async fn sla_policies(state: web::Data<AppState>, user: Person) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(json!({"data": state.db.tenant(user.tenant_id).service().sla_policies().await?})))
}

/// `PUT /sla-policies`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaBody {
    #[serde(default)]
    team_id: Option<uuid::Uuid>,
    #[serde(default)]
    first_response_minutes: Option<i32>,
    #[serde(default)]
    resolution_minutes: Option<i32>,
}

/// Saves the account's default policy (`team_id` null) or a team's.
pub async fn put_sla_policy(state: web::Data<AppState>, user: Admin, body: web::Json<SlaBody>) -> Result<HttpResponse, ApiError> {
    if body.first_response_minutes.is_none() && body.resolution_minutes.is_none() {
        return Err(ApiError::validation("give `first_response_minutes` and/or `resolution_minutes`"));
    }
    if body.first_response_minutes.is_some_and(|m| !(1..=100_000).contains(&m))
        || body.resolution_minutes.is_some_and(|m| !(1..=1_000_000).contains(&m))
    {
        return Err(ApiError::validation("targets are minutes: first response 1 to 100000, resolution 1 to 1000000"));
    }
    let p = SlaPolicy {
        team_id: body.team_id,
        first_response_minutes: body.first_response_minutes,
        resolution_minutes: body.resolution_minutes,
    };
    if !state.db.tenant(user.tenant_id).service().put_sla_policy(&p).await? {
        return Err(ApiError::validation("`team_id` is not a team of this account"));
    }
    Ok(HttpResponse::Ok().json(p))
}

/// Removes a policy (`default` or a team's).
pub async fn delete_sla_policy(state: web::Data<AppState>, user: Admin, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    if !state.db.tenant(user.tenant_id).service().delete_sla_policy(scope(&path)?).await? {
        return Err(ApiError::NotFound("SLA policy"));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// `?from=&to=&by=&report=` of the reports (ISO times; default the last 30 days).
#[derive(Deserialize)]
pub struct ReportQuery {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    by: Option<String>,
    report: Option<String>,
}

fn period(q: &ReportQuery, now: DateTime<Utc>) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    // Up to the next minute, so what happened just now is in.
    let to = q.to.unwrap_or(now + Duration::minutes(1));
    let from = q.from.unwrap_or(to - Duration::days(30));
    if from >= to || to - from > Duration::days(366) {
        return Err(ApiError::validation("`from` must be before `to`, at most 366 days apart"));
    }
    Ok((from, to))
}

fn by(q: &ReportQuery) -> Result<&str, ApiError> {
    match q.by.as_deref() {
        None | Some("agent") => Ok("agent"),
        Some("team") => Ok("team"),
        Some(_) => Err(ApiError::validation("`by` must be agent or team")),
    }
}

/// Per agent or team: conversations resolved, first response and
/// resolution p50/p90, ratings.
pub async fn performance(state: web::Data<AppState>, user: Admin, q: web::Query<ReportQuery>) -> Result<HttpResponse, ApiError> {
    let (from, to) = period(&q, state.clock.now())?;
    let rows = state.db.tenant(user.tenant_id).service().performance(by(&q)?, from, to).await?;
    Ok(HttpResponse::Ok().json(json!({"from": from, "to": to, "by": by(&q)?, "data": rows})))
}

/// Conversations opened and resolved per day and channel.
pub async fn conversations(state: web::Data<AppState>, user: Admin, q: web::Query<ReportQuery>) -> Result<HttpResponse, ApiError> {
    let (from, to) = period(&q, state.clock.now())?;
    let rows = state.db.tenant(user.tenant_id).service().conversations_by_day(from, to).await?;
    Ok(HttpResponse::Ok().json(json!({"from": from, "to": to, "data": rows})))
}

/// Ratings: count, average, distribution, latest comments.
pub async fn csat(state: web::Data<AppState>, user: Admin, q: web::Query<ReportQuery>) -> Result<HttpResponse, ApiError> {
    let (from, to) = period(&q, state.clock.now())?;
    let mut report = state.db.tenant(user.tenant_id).service().csat_report(from, to).await?;
    report["from"] = json!(from);
    report["to"] = json!(to);
    Ok(HttpResponse::Ok().json(report))
}

fn csv_cell(v: &serde_json::Value) -> String {
    crate::http::contacts_csv::spreadsheet_safe(match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// A report as CSV: `report=performance` (with `by`), `conversations` or `csat`.
pub async fn export(state: web::Data<AppState>, user: Admin, q: web::Query<ReportQuery>) -> Result<HttpResponse, ApiError> {
    let (from, to) = period(&q, state.clock.now())?;
    let service = state.db.tenant(user.tenant_id).service();
    let (columns, rows): (Vec<&str>, Vec<serde_json::Value>) = match q.report.as_deref().unwrap_or("performance") {
        "performance" => (
            vec![
                "id",
                "name",
                "resolved",
                "replies",
                "first_response_p50",
                "first_response_p90",
                "resolution_p50",
                "resolution_p90",
                "csat_count",
                "csat_average",
            ],
            service.performance(by(&q)?, from, to).await?.into_iter().map(|r| serde_json::to_value(r).unwrap_or_default()).collect(),
        ),
        "conversations" => (vec!["day", "channel_id", "channel_name", "opened", "resolved"], service.conversations_by_day(from, to).await?),
        "csat" => (
            vec!["conversation_id", "rating", "comment", "at", "agent_id", "agent_name"],
            service.csat_report(from, to).await?["recent"].as_array().cloned().unwrap_or_default(),
        ),
        _ => return Err(ApiError::validation("`report` must be performance, conversations or csat")),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| ApiError::Internal(e.into());
    w.write_record(&columns).map_err(csv_err)?;
    for row in rows {
        w.write_record(columns.iter().map(|c| csv_cell(&row[*c]))).map_err(csv_err)?;
    }
    let out = w.into_inner().map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))?;
    let name = format!("whatsflow-{}-{}.csv", q.report.as_deref().unwrap_or("performance"), from.format("%Y%m%d"));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{name}\"")))
        .body(out))
}
