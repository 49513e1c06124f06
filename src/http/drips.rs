//! Drip sequences over HTTP: a campaign of `"type": "drip"` written,
//! edited (a new version of its steps), started, paused, resumed and
//! cancelled through the `/campaigns` routes, contacts enrolled (one, many,
//! by tag) and taken out, and the enrolments listed with each one's path.

use crate::auth::{AuthUser, Manager, Reader};
use crate::campaigns::audience;
use crate::campaigns::launch::{self, LaunchError};
use crate::campaigns::local_time;
use crate::drips::spec::{self, exit, Reentry};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::pagination;
use crate::plans::Feature;
use crate::startup::AppState;
use crate::store::repo::campaigns::CampaignStatus;
use crate::store::repo::drips::{DripDraft, DripStats, DripView, Enrolled, Enrollment, EnrollmentPath};
use crate::store::repo::TenantDb;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};
use whatsflow_actors::ids::{CampaignId, ChannelId, ContactId};

/// Most contacts one bulk enrolment may name.
pub const MAX_BULK_IDS: usize = 10_000;

/// A sequence with its counts.
#[derive(Debug, serde::Serialize, ts_rs::TS)]
pub struct DripDetail {
    /// The sequence.
    #[serde(flatten)]
    pub drip: DripView,
    /// Its counts.
    pub stats: DripStats,
}

/// Whether a `/campaigns` body asks for a sequence.
pub fn is_drip(body: &Value) -> bool {
    body.get("type").and_then(Value::as_str) == Some("drip")
}

/// Reads and checks a sequence body against the tenant's number and
/// templates; the error names the field.
async fn draft(db: TenantDb<'_>, b: &Value) -> Result<DripDraft, ApiError> {
    let name = b["name"].as_str().map(str::trim).unwrap_or_default();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::validation("`name` is required (at most 200 characters)"));
    }
    let channel_id = b["channel_id"]
        .as_str()
        .and_then(|s| s.parse::<uuid::Uuid>().ok())
        .ok_or_else(|| ApiError::validation("`channel_id` must be the id of one of your numbers (GET /api/v1/channels)"))?;
    let channel = db.channels().get(ChannelId(channel_id)).await?.ok_or_else(|| ApiError::Unprocessable {
        code: ErrorCode::NoChannel,
        message: "`channel_id` is not a number of this account; connect it first or pick one from GET /api/v1/channels".into(),
    })?;
    let timezone = match b["timezone"].as_str().map(str::trim).filter(|z| !z.is_empty()) {
        None => "UTC".to_owned(),
        Some(z) => local_time::parse_zone(z)
            .map(|tz| tz.name().to_owned())
            .ok_or_else(|| ApiError::validation(format!("`timezone` `{z}` is not a time zone; use an IANA name like Asia/Kolkata")))?,
    };
    let steps = spec::parse_steps(&b["steps"]).map_err(ApiError::validation)?;
    let settings = spec::parse_settings(b).map_err(ApiError::validation)?;
    if let Some(segment) = settings.enroll_segment_id {
        if db.segments().rule(segment).await?.is_none() {
            return Err(ApiError::validation(
                "`enroll_segment_id` is not a segment of this account; pick one from GET /api/v1/contacts/segments",
            ));
        }
    }
    for (i, step) in steps.iter().enumerate() {
        let Some(t) = &step.template else { continue };
        let (_, components) = crate::http::campaigns::sendable_template(db, t, &channel.waba_id).await.map_err(|e| match e {
            ApiError::Unprocessable { code, message } => {
                ApiError::Unprocessable { code, message: format!("`steps[{i}].template`: {message}") }
            }
            other => other,
        })?;
        audience::parse_variables(&step.variables, &audience::placeholders(&components), None).map_err(|message| {
            ApiError::Unprocessable { code: ErrorCode::TemplateParams, message: format!("`steps[{i}].variables`: {message}") }
        })?;
    }
    Ok(DripDraft {
        name: name.to_owned(),
        channel_id: ChannelId(channel_id),
        timezone,
        settings,
        steps,
        rate_mps: channel.messages_per_second,
    })
}

async fn found(db: TenantDb<'_>, id: CampaignId) -> Result<DripView, ApiError> {
    db.drips().get(id).await?.ok_or(ApiError::NotFound("sequence"))
}

async fn detail(db: TenantDb<'_>, drip: DripView) -> Result<DripDetail, ApiError> {
    let stats = db.drips().stats(&drip).await?;
    Ok(DripDetail { drip, stats })
}

fn state_conflict(d: &DripView, action: &str, allowed: &str) -> ApiError {
    ApiError::Conflict {
        code: ErrorCode::CampaignState,
        message: format!("the sequence is {}; only a {allowed} sequence can be {action}", d.status.as_str()),
    }
}

/// `POST /campaigns` with `"type": "drip"`: writes a draft sequence.
pub async fn create(state: &AppState, user: &AuthUser, body: &Value) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    db.plan_includes(Feature::Broadcasts).await??;
    let d = draft(db, body).await?;
    let by = user.api_key.is_none().then_some(user.user_id);
    let created = db.drips().create(&d, by).await?;
    Ok(HttpResponse::Created().json(detail(db, created).await?))
}

/// `PATCH /campaigns/{id}` of a sequence: settings at once, changed steps
/// as a new version (contacts already waiting at a step keep theirs).
pub async fn update(state: &AppState, user: &AuthUser, id: CampaignId, body: &Value) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let current = found(db, id).await?;
    let d = draft(db, body).await?;
    if d.channel_id != current.channel_id && current.status != CampaignStatus::Draft {
        return Err(ApiError::validation("`channel_id` cannot change once the sequence started; write a new sequence for another number"));
    }
    match db.drips().update(id, &d).await? {
        Some(updated) => {
            state.timers.wake();
            Ok(HttpResponse::Ok().json(detail(db, updated).await?))
        }
        None => Err(state_conflict(&current, "edited", "draft, running or paused")),
    }
}

/// `GET /campaigns/{id}` of a sequence.
pub async fn get(state: &AppState, user: &AuthUser, id: CampaignId) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let d = found(db, id).await?;
    Ok(HttpResponse::Ok().json(detail(db, d).await?))
}

/// `GET /campaigns?type=drip`: sequences, newest first, with their counts.
pub async fn list(state: &AppState, user: &AuthUser) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let mut out = Vec::new();
    for d in db.drips().list(100).await? {
        out.push(detail(db, d).await?);
    }
    Ok(HttpResponse::Ok().json(json!({"data": out, "next_cursor": null})))
}

/// Every step's template must be approved for the sequence to run.
async fn templates_approved(db: TenantDb<'_>, d: &DripView) -> Result<(), ApiError> {
    for step in &d.steps {
        if let Some(t) = &step.spec.template {
            launch::approved(db, t).await.map_err(|e| match e {
                LaunchError::TemplateNotApproved(m) => {
                    ApiError::Unprocessable { code: ErrorCode::TemplateNotApproved, message: format!("step \"{}\": {m}", step.spec.name) }
                }
                LaunchError::Db(e) => e.into(),
                other => ApiError::Unprocessable { code: ErrorCode::TemplateParams, message: other.to_string() },
            })?;
        }
    }
    Ok(())
}

/// `POST /campaigns/{id}/start` or `/resume` of a sequence.
pub async fn run(state: &AppState, user: &AuthUser, id: CampaignId, from: CampaignStatus) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    db.plan_includes(Feature::Broadcasts).await??;
    let d = found(db, id).await?;
    let action = if from == CampaignStatus::Draft { "started" } else { "resumed" };
    if d.status != from {
        return Err(state_conflict(&d, action, from.as_str()));
    }
    templates_approved(db, &d).await?;
    match db.drips().run(id, &[from.as_str()]).await? {
        Some(running) => {
            state.webhook_interest.forget(user.tenant_id);
            state.timers.wake();
            Ok(HttpResponse::Ok().json(detail(db, running).await?))
        }
        None => Err(state_conflict(&found(db, id).await?, action, from.as_str())),
    }
}

/// `POST /campaigns/{id}/pause` or `/cancel` of a sequence.
pub async fn stop(state: &AppState, user: &AuthUser, id: CampaignId, to: CampaignStatus) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let d = found(db, id).await?;
    let (from, action): (&[&str], &str) = match to {
        CampaignStatus::Paused => (&["running"], "paused"),
        _ => (&["draft", "running", "paused"], "cancelled"),
    };
    match db.campaigns().transition(id, from, to, None, None).await? {
        Some(_) => {
            state.webhook_interest.forget(user.tenant_id);
            let d = found(db, id).await?;
            let out = detail(db, d).await?;
            state.hub.broadcast(
                user.tenant_id,
                crate::hub::HubFrame {
                    conversation_id: None,
                    assignee: None,
                    seq: None,
                    scope: crate::hub::Scope::Admins,
                    except: None,
                    text: json!({"event": "campaign:progress", "data": {"campaign_id": id, "status": out.drip.status, "stats": out.stats}})
                        .to_string()
                        .into(),
                },
            );
            Ok(HttpResponse::Ok().json(out))
        }
        None => Err(state_conflict(&d, action, &from.join(" or "))),
    }
}

/// A sequence contacts may be enrolled in: running or paused.
async fn enrollable(db: TenantDb<'_>, id: CampaignId) -> Result<DripView, ApiError> {
    let d = found(db, id).await?;
    if !matches!(d.status, CampaignStatus::Running | CampaignStatus::Paused) {
        return Err(ApiError::Conflict {
            code: ErrorCode::CampaignState,
            message: format!(
                "the sequence is {}; contacts are enrolled in a running (or paused) sequence: start it first",
                d.status.as_str()
            ),
        });
    }
    Ok(d)
}

fn refused(d: &DripView, again: Option<chrono::DateTime<chrono::Utc>>) -> ApiError {
    let message = match (d.settings.reentry, again) {
        (Reentry::AfterDays { days }, Some(at)) => format!(
            "this contact went through the sequence less than {days} days ago; its re-entry policy lets them in again from {}",
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        _ => {
            "this contact already went through the sequence and its re-entry policy is never; change `reentry` to let them in again".into()
        }
    };
    ApiError::Conflict { code: ErrorCode::EnrollmentClosed, message }
}

/// `POST /contacts/{contact_id}/campaigns/{campaign_id}/enroll`: 201 with
/// a new enrolment, 200 with the one they are already in.
pub async fn enroll(state: web::Data<AppState>, user: Manager, path: web::Path<(ContactId, CampaignId)>) -> Result<HttpResponse, ApiError> {
    let (contact, id) = path.into_inner();
    let db = state.db.tenant(user.tenant_id);
    let d = enrollable(db, id).await?;
    let contacts = db.drips().contacts(&[contact.0]).await?;
    if contacts.is_empty() {
        return Err(ApiError::NotFound("contact"));
    }
    let out = crate::drips::enroll::enroll(db, &state.timers, state.clock.now(), &d, &contacts, "api").await?;
    let (status, e) = match out.first() {
        Some(Enrolled::New(e)) => (actix_web::http::StatusCode::CREATED, *e),
        Some(Enrolled::Already(e)) => (actix_web::http::StatusCode::OK, *e),
        Some(Enrolled::Refused(again)) => return Err(refused(&d, *again)),
        None => return Err(ApiError::NotFound("contact")),
    };
    let enrollment = db.drips().enrollment(id, Some(e), None).await?.ok_or(ApiError::NotFound("enrollment"))?;
    Ok(HttpResponse::build(status).json(enrollment))
}

/// `DELETE /contacts/{contact_id}/campaigns/{campaign_id}/enroll`: takes
/// the contact out (exit reason `api`).
pub async fn unenroll(
    state: web::Data<AppState>,
    user: Manager,
    path: web::Path<(ContactId, CampaignId)>,
) -> Result<HttpResponse, ApiError> {
    let (contact, id) = path.into_inner();
    let db = state.db.tenant(user.tenant_id);
    found(db, id).await?;
    let Some(e) = db.drips().exit(id, contact, exit::API, state.clock.now()).await? else {
        return Err(ApiError::NotFound("enrollment"));
    };
    let enrollment = db.drips().enrollment(id, Some(e), None).await?.ok_or(ApiError::NotFound("enrollment"))?;
    Ok(HttpResponse::Ok().json(enrollment))
}

/// `POST /campaigns/{id}/enrollments`: contacts by id, or everyone with a tag.
#[derive(Debug, Deserialize)]
pub struct BulkEnroll {
    #[serde(default)]
    contact_ids: Option<Vec<uuid::Uuid>>,
    #[serde(default)]
    tag: Option<String>,
}

/// Enrols many contacts; counts of new, already enrolled and refused.
pub async fn enroll_many(
    state: web::Data<AppState>,
    user: Manager,
    path: web::Path<CampaignId>,
    body: web::Json<BulkEnroll>,
) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let d = enrollable(db, *path).await?;
    let contacts = match (&body.contact_ids, body.tag.as_deref().map(str::trim)) {
        (Some(ids), None) => {
            if ids.is_empty() || ids.len() > MAX_BULK_IDS {
                return Err(ApiError::validation(format!("`contact_ids` must list 1 to {MAX_BULK_IDS} contacts; enrol more by tag")));
            }
            db.drips().contacts(ids).await?
        }
        (None, Some(tag)) if !tag.is_empty() && tag.chars().count() <= 50 => db.drips().contacts_tagged(tag, launch::MAX_AUDIENCE).await?,
        _ => return Err(ApiError::validation("send either `contact_ids` (a list) or `tag` (1 to 50 characters)")),
    };
    let unknown = body.contact_ids.as_ref().map_or(0, |ids| ids.len().saturating_sub(contacts.len()));
    let out = crate::drips::enroll::enroll(db, &state.timers, state.clock.now(), &d, &contacts, "bulk").await?;
    let count = |f: fn(&Enrolled) -> bool| out.iter().filter(|o| f(o)).count();
    Ok(HttpResponse::Ok().json(json!({
        "enrolled": count(|o| matches!(o, Enrolled::New(_))),
        "already": count(|o| matches!(o, Enrolled::Already(_))),
        "refused": count(|o| matches!(o, Enrolled::Refused(_))),
        "not_found": unknown,
    })))
}

/// `GET /campaigns/{id}/enrollments` query.
#[derive(Debug, Deserialize)]
pub struct EnrollmentsQuery {
    state: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// Enrolments, oldest first, optionally in one state.
pub async fn enrollments(
    state: web::Data<AppState>,
    user: Reader,
    path: web::Path<CampaignId>,
    q: web::Query<EnrollmentsQuery>,
) -> Result<HttpResponse, ApiError> {
    let db = state.db.tenant(user.tenant_id);
    let d = found(db, *path).await?;
    if let Some(s) = q.state.as_deref() {
        if !["active", "completed", "exited"].contains(&s) {
            return Err(ApiError::validation("`state` must be one of active, completed, exited"));
        }
    }
    let after = pagination::cursor(q.cursor.as_deref())?;
    let limit = pagination::limit(q.limit)?;
    let page = db.drips().enrollments(d.id, q.state.as_deref(), after, limit).await?;
    Ok(pagination::page_response(page))
}

/// One enrolment with its path.
pub async fn enrollment(
    state: web::Data<AppState>,
    user: Reader,
    path: web::Path<(CampaignId, uuid::Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, e) = path.into_inner();
    let db = state.db.tenant(user.tenant_id);
    let enrollment: Enrollment = db.drips().enrollment(id, Some(e), None).await?.ok_or(ApiError::NotFound("enrollment"))?;
    let path = db.drips().path(e).await?;
    Ok(HttpResponse::Ok().json(EnrollmentPath { enrollment, path }))
}

/// Refuses broadcast-only actions on a sequence.
pub fn broadcast_only(kind: &str, action: &str) -> Result<(), ApiError> {
    if kind == "drip" {
        return Err(ApiError::Conflict {
            code: ErrorCode::CampaignState,
            message: format!("this campaign is a drip sequence, which cannot be {action}; enrol contacts instead"),
        });
    }
    Ok(())
}
